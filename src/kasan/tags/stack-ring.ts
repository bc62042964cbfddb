/**
 * The tag modes' stack ring (mm/kasan/tags.c save_stack_info, report_tags.c
 * kasan_complete_mode_report_info): a fixed-size ring of alloc/free records {tagged object
 * pointer, cache->object_size, pid, stack handle, is_free}, written round-robin; a report walks
 * it backwards from the newest entry to find the buggy object's last alloc and free and to pick
 * the bug type. Columns are typed arrays; an empty slot has ptr 0.
 */
import { ptrOffset, ptrTag, type Ptr } from "../../arch/pointer.js";
import type { Counters } from "../../cost/counters.js";
import type { KasanTrack } from "../common/track.js";

/** Above this many entries the memblock allocation is treated as failing (WARN, stacktrace off). */
export const STACK_RING_MAX_ENTRIES = 1 << 24;

export interface StackRingLookup {
  allocTrack?: KasanTrack;
  freeTrack?: KasanTrack;
  /** The type implied by whichever matching entry was found first (newest). */
  bugType?: "slab-use-after-free" | "slab-out-of-bounds";
}

export class StackRing {
  /** atomic64 pos: total entries ever written. */
  private pos = 0;
  /** pos % size: the slot the next save claims. */
  private next = 0;
  private readonly ptr: Float64Array;
  private readonly objSize: Uint32Array;
  private readonly pid: Uint32Array;
  private readonly stack: Uint32Array;
  private readonly isFree: Uint8Array;

  constructor(readonly size: number, private readonly counters: Counters) {
    if (!Number.isInteger(size) || size < 1 || size > STACK_RING_MAX_ENTRIES) {
      throw new Error(`StackRing: size must be an integer in [1, ${STACK_RING_MAX_ENTRIES}], got ${size}`);
    }
    this.ptr = new Float64Array(size);
    this.objSize = new Uint32Array(size);
    this.pid = new Uint32Array(size);
    this.stack = new Uint32Array(size);
    this.isFree = new Uint8Array(size);
  }

  get position(): number {
    return this.pos;
  }

  /** save_stack_info(): claim slot pos % size and fill it. */
  save(object: Ptr, objectSize: number, track: KasanTrack, isFree: boolean): void {
    this.saveRecord(object, objectSize, track.pid, track.stack, isFree);
  }

  /** save_stack_info() with the track as two numbers (no object on the allocator hot path). */
  saveRecord(object: Ptr, objectSize: number, pid: number, stack: number, isFree: boolean): void {
    const i = this.next;
    this.next = i + 1 === this.size ? 0 : i + 1; // pos % size, kept incrementally
    this.pos++;
    this.ptr[i] = object;
    this.objSize[i] = objectSize;
    this.pid[i] = pid;
    this.stack[i] = stack;
    this.isFree[i] = isFree ? 1 : 0;
    this.counters.cur.stackRingInserts += 1;
  }

  /**
   * Walk from the newest entry back over at most `size` entries, matching untagged pointer,
   * pointer tag and object size. The first free found gives the free track (and, if first,
   * slab-use-after-free); the first alloc the alloc track (slab-out-of-bounds). A second free
   * or second alloc of the same object ends the walk.
   */
  lookup(object: number, tag: number, objectSize: number): StackRingLookup {
    const r: StackRingLookup = {};
    const n = Math.min(this.pos, this.size);
    for (let k = 1; k <= n; k++) {
      if (r.allocTrack !== undefined && r.freeTrack !== undefined) break;
      const i = (this.pos - k) % this.size;
      const p = this.ptr[i];
      if (p === 0 || ptrOffset(p) !== object || ptrTag(p) !== tag || this.objSize[i] !== objectSize) continue;
      const track = { pid: this.pid[i], stack: this.stack[i] };
      if (this.isFree[i] === 1) {
        if (r.freeTrack !== undefined) break;
        r.freeTrack = track;
        if (r.bugType === undefined) r.bugType = "slab-use-after-free";
      } else {
        if (r.allocTrack !== undefined) break;
        r.allocTrack = track;
        if (r.bugType === undefined) r.bugType = "slab-out-of-bounds";
      }
    }
    return r;
  }
}
