/**
 * The parts of mm/kasan/shadow.c shared by Generic and SW_TAGS: kasan_poison/kasan_unpoison
 * on shadow memory, and the vmalloc shadow hooks. Mode classes add tags, checks and reports.
 */
import { makePtr, ptrOffset, type Ptr, USER_BASE, VMALLOC_BASE } from "../../arch/pointer.js";
import { KASAN_VMALLOC_KEEP_TAG, KASAN_VMALLOC_PROT_NORMAL } from "../../mm/kasan-hooks.js";
import { pfnToOffset } from "../../mm/memory-layout.js";
import type { KasanEnv } from "../common/env.js";
import { roundUp } from "../constants.js";
import { ShadowMemory } from "./shadow-memory.js";
import { isAligned } from "../../lib/align.js";

/** is_vmalloc_or_module_addr(). */
export function isVmallocAddr(offset: number): boolean {
  return offset >= VMALLOC_BASE && offset < USER_BASE;
}

export abstract class SoftwareShadowBackend {
  readonly enabled = true;
  readonly hwTagsEnabled = false;
  readonly hasIntegratedInit = false;
  readonly granuleSize: number;

  constructor(
    protected readonly env: KasanEnv,
    readonly shadow: ShadowMemory,
    /** CONFIG_KASAN_VMALLOC. */
    readonly vmallocEnabled: boolean,
  ) {
    this.granuleSize = shadow.granuleSize;
  }

  abstract randomTag(): number;
  abstract getTag(p: Ptr): number;
  abstract setTag(p: Ptr, tag: number): Ptr;
  abstract poisonLastGranule(p: Ptr, size: number): void;

  /** kasan_poison(): WARN and bail on a misaligned address or size; `init` is ignored. */
  poison(p: Ptr, size: number, value: number, _init: boolean): void {
    const addr = ptrOffset(p);
    const g = this.granuleSize;
    if (!isAligned(addr, g)) {
      this.env.warn(`kasan_poison: address ${addr.toString(16)} not aligned to ${g}`);
      return;
    }
    if (!isAligned(size, g)) {
      this.env.warn(`kasan_poison: size ${size} not a multiple of ${g}`);
      return;
    }
    this.shadow.fill(addr, size, value);
  }

  /** kasan_unpoison(): granules covering [addr, addr+size) get the pointer tag (0 for Generic). */
  unpoison(p: Ptr, size: number, _init: boolean): void {
    const tag = this.getTag(p);
    const addr = ptrOffset(p);
    if (!isAligned(addr, this.granuleSize)) {
      this.env.warn(`kasan_unpoison: address ${addr.toString(16)} not aligned to ${this.granuleSize}`);
      return;
    }
    this.poison(addr, roundUp(size, this.granuleSize), tag, false);
    this.poisonLastGranule(addr, size);
  }

  /** Shadow rows for the report (kasan_metadata_fetch_row). */
  metadataFetchRow(rowOffset: number, out: number[]): void {
    this.shadow.readRow(rowOffset, out);
  }

  // --- vmalloc (CONFIG_KASAN_VMALLOC) ---

  /** kasan_populate_vmalloc(addr, size). */
  populateVmalloc(start: Ptr, size: number): void {
    const s = ptrOffset(start);
    if (!this.vmallocEnabled || !isVmallocAddr(s)) return;
    this.shadow.populateVmalloc(s, s + size);
  }

  /** kasan_release_vmalloc(start, end, start, end, KASAN_VMALLOC_PAGE_RANGE): fully covered shadow pages. */
  releaseVmalloc(start: Ptr, end: Ptr): void {
    const s = ptrOffset(start);
    if (!this.vmallocEnabled || !isVmallocAddr(s)) return;
    this.shadow.releaseVmalloc(s, ptrOffset(end));
  }

  /** Whether __kasan_unpoison_vmalloc leaves this mapping alone (SW_TAGS: executable ones). */
  protected abstract skipVmallocUnpoison(flags: number): boolean;

  /** __kasan_unpoison_vmalloc() for the software modes (shadow.c). */
  unpoisonVmalloc(start: Ptr, size: number, flags: number, _backingPfns: readonly number[]): Ptr {
    if (!this.vmallocEnabled || !isVmallocAddr(ptrOffset(start))) return start;
    if (this.skipVmallocUnpoison(flags)) return start;
    let p = start;
    if ((flags & KASAN_VMALLOC_KEEP_TAG) === 0) p = this.setTag(start, this.randomTag());
    this.unpoison(p, size, false);
    return p;
  }

  /** __kasan_poison_vmalloc(): round_up(size, G) bytes of KASAN_VMALLOC_INVALID. */
  poisonVmalloc(start: Ptr, size: number): void {
    if (!this.vmallocEnabled || !isVmallocAddr(ptrOffset(start))) return;
    this.poison(start, roundUp(size, this.granuleSize), this.poisonValues.vmallocInvalid, false);
  }

  abstract readonly poisonValues: { vmallocInvalid: number };

  /**
   * kasan_find_first_bad_addr() of the shadow modes: granule steps from `addr` (not rounded down)
   * while the granule's shadow reads `expected`; addr itself without shadow or for size ≤ 0.
   */
  protected firstBadAddrWhileShadow(addr: number, size: number, expected: number): number {
    if (!ShadowMemory.hasMetadata(addr) || !(size > 0)) return addr;
    const g = this.granuleSize;
    const steps = Math.ceil(size / g); // values of p below addr + size
    const g0 = Math.floor(addr / g) * g;
    const hit = this.shadow.findNotEqual(g0, g0 + steps * g, expected);
    if (hit < 0) return addr + steps * g;
    return addr + (Math.floor(hit / g) - g0 / g) * g;
  }

  /** PROT_NORMAL test shared by SW_TAGS (Generic ignores flags). */
  protected static isProtNormal(flags: number): boolean {
    return (flags & KASAN_VMALLOC_PROT_NORMAL) !== 0;
  }

  /** A linear-map pointer to page frame `pfn` with top byte `tag`. */
  protected linearPtr(pfn: number, tag: number): Ptr {
    return makePtr(tag, pfnToOffset(pfn));
  }
}
