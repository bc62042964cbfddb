/**
 * Generic KASAN per-object metadata (struct kasan_alloc_meta / kasan_free_meta), kept in a side
 * table keyed by the object's untagged offset instead of inside simulated memory: one row of
 * typed-array columns per object that currently has any metadata.
 *
 *   alloc meta: alloc_track {pid, stack}, aux_stack[2]
 *   free meta:  free_track {pid, stack} (valid only while the object's first shadow byte is
 *               KASAN_SLAB_FREE_META — the caller checks the shadow, as the kernel does)
 */
import type { KasanTrack } from "../common/track.js";

const ALLOC_VALID = 1;
const FREE_SET = 2;

export class ObjectMetaTable {
  private readonly slotOf = new Map<number, number>();
  private freeSlots: number[] = [];
  private cap = 0;
  private flags: Uint8Array = new Uint8Array(0);
  private allocPid: Uint32Array = new Uint32Array(0);
  private allocStack: Uint32Array = new Uint32Array(0);
  private aux0: Uint32Array = new Uint32Array(0);
  private aux1: Uint32Array = new Uint32Array(0);
  private freePid: Uint32Array = new Uint32Array(0);
  private freeStack: Uint32Array = new Uint32Array(0);

  /** Objects with a row. */
  get size(): number {
    return this.slotOf.size;
  }

  private grow(): void {
    const n = Math.max(64, this.cap * 2);
    const g8 = (a: Uint8Array): Uint8Array => {
      const b = new Uint8Array(n);
      b.set(a);
      return b;
    };
    const g32 = (a: Uint32Array): Uint32Array => {
      const b = new Uint32Array(n);
      b.set(a);
      return b;
    };
    this.flags = g8(this.flags);
    this.allocPid = g32(this.allocPid);
    this.allocStack = g32(this.allocStack);
    this.aux0 = g32(this.aux0);
    this.aux1 = g32(this.aux1);
    this.freePid = g32(this.freePid);
    this.freeStack = g32(this.freeStack);
    for (let i = n - 1; i >= this.cap; i--) this.freeSlots.push(i);
    this.cap = n;
  }

  private slot(object: number): number {
    let s = this.slotOf.get(object);
    if (s === undefined) {
      if (this.freeSlots.length === 0) this.grow();
      s = this.freeSlots.pop() as number;
      this.flags[s] = 0;
      this.aux0[s] = 0;
      this.aux1[s] = 0;
      this.slotOf.set(object, s);
    }
    return s;
  }

  private dropIfEmpty(object: number, s: number): void {
    if (this.flags[s] === 0 && this.aux0[s] === 0 && this.aux1[s] === 0) {
      this.slotOf.delete(object);
      this.freeSlots.push(s);
    }
  }

  /** Zero the alloc meta (kasan_init_object_meta / release_alloc_meta). */
  clearAlloc(object: number): void {
    const s = this.slotOf.get(object);
    if (s === undefined) return;
    this.flags[s] &= ~ALLOC_VALID;
    this.aux0[s] = 0;
    this.aux1[s] = 0;
    this.dropIfEmpty(object, s);
  }

  /** Forget the free track (its validity is carried by the shadow byte; this frees the row). */
  clearFree(object: number): void {
    const s = this.slotOf.get(object);
    if (s === undefined) return;
    this.flags[s] &= ~FREE_SET;
    this.dropIfEmpty(object, s);
  }

  setAllocTrack(object: number, t: KasanTrack): void {
    const s = this.slot(object);
    this.flags[s] |= ALLOC_VALID;
    this.allocPid[s] = t.pid;
    this.allocStack[s] = t.stack;
  }

  setFreeTrack(object: number, t: KasanTrack): void {
    const s = this.slot(object);
    this.flags[s] |= FREE_SET;
    this.freePid[s] = t.pid;
    this.freeStack[s] = t.stack;
  }

  /** aux_stack[1] ← aux_stack[0]; aux_stack[0] ← handle. */
  pushAuxStack(object: number, handle: number): void {
    const s = this.slot(object);
    this.aux1[s] = this.aux0[s];
    this.aux0[s] = handle;
  }

  allocTrack(object: number): KasanTrack | undefined {
    const s = this.slotOf.get(object);
    if (s === undefined || (this.flags[s] & ALLOC_VALID) === 0) return undefined;
    return { pid: this.allocPid[s], stack: this.allocStack[s] };
  }

  freeTrack(object: number): KasanTrack | undefined {
    const s = this.slotOf.get(object);
    if (s === undefined || (this.flags[s] & FREE_SET) === 0) return undefined;
    return { pid: this.freePid[s], stack: this.freeStack[s] };
  }

  auxStacks(object: number): [number, number] | undefined {
    const s = this.slotOf.get(object);
    if (s === undefined) return undefined;
    return [this.aux0[s], this.aux1[s]];
  }
}
