/**
 * KASAN shadow memory for the software modes (mm/kasan/shadow.c): one byte per granule of
 * kernel address space — 1:8 for Generic (0..7 = accessible prefix, ≥ 0x80 = poison code),
 * 1:16 for SW_TAGS (the granule's memory tag). Stored sparsely per region, keyed by the
 * granule index of the untagged pointer offset (kasan_mem_to_shadow without the offset).
 *
 * What an untouched granule reads as (what boot leaves in shadow) is a per-region default:
 *  - linear map, Generic: 0xFF (KASAN_PAGE_FREE). kasan_init() maps zeroed shadow, then
 *    memblock_free_all() → __free_pages_core() → free_pages_prepare() poisons every boot page
 *    it hands to the buddy allocator (should_skip_kasan_poison() is false for Generic unless
 *    deferred struct-page init is running, which this model does not have).
 *  - linear map, SW_TAGS: 0xFE (KASAN_SHADOW_INIT). Boot pages carry page tag 0xFF, so
 *    free_pages_prepare() skips poisoning them and their shadow stays at the init value.
 *  - vmalloc region: KASAN_VMALLOC_INVALID (0xF8 Generic, 0xFE SW_TAGS). The kernel leaves
 *    unused vmalloc shadow unmapped until kasan_populate_vmalloc() maps pages filled with that
 *    value; reading it as already-invalid makes a stray access report instead of oopsing on
 *    the shadow. Which shadow pages are "mapped" is tracked for populate/release accounting.
 * The user half (TTBR0) has no shadow (addr_has_metadata() is false).
 */
import { LINEAR_BASE, USER_BASE, VMALLOC_BASE } from "../../arch/pointer.js";
import type { Counters } from "../../cost/counters.js";
import { SparseBytes } from "../../lib/sparse-bytes.js";
import { PAGE_SIZE } from "../../mm/memory-layout.js";

export class ShadowMemory {
  readonly granuleSize: number;
  private readonly linear: SparseBytes;
  private readonly vmalloc: SparseBytes;
  /** 1 per mapped vmalloc shadow page (index = vmalloc granule index / PAGE_SIZE). */
  private readonly vmallocShadowMapped = new SparseBytes(0);

  constructor(
    readonly granuleShift: number,
    readonly linearDefault: number,
    readonly vmallocDefault: number,
    private readonly counters: Counters,
  ) {
    this.granuleSize = 1 << granuleShift;
    this.linear = new SparseBytes(linearDefault);
    this.vmalloc = new SparseBytes(vmallocDefault);
  }

  /** addr_has_metadata(): kernel (TTBR1) addresses have shadow; user addresses do not. */
  static hasMetadata(offset: number): boolean {
    return offset < USER_BASE;
  }

  /** Shadow byte of the granule containing `offset` (0 for addresses without shadow). */
  get(offset: number): number {
    if (offset < VMALLOC_BASE) return this.linear.get(Math.floor((offset - LINEAR_BASE) / this.granuleSize));
    if (offset < USER_BASE) return this.vmalloc.get(Math.floor((offset - VMALLOC_BASE) / this.granuleSize));
    return 0;
  }

  /** Write one shadow byte (the granule containing `offset`). */
  set(offset: number, value: number): void {
    if (offset < VMALLOC_BASE) this.linear.set(Math.floor(offset / this.granuleSize), value);
    else if (offset < USER_BASE) this.vmalloc.set(Math.floor((offset - VMALLOC_BASE) / this.granuleSize), value);
    else return;
    this.counters.cur.shadowBytesWritten += 1;
  }

  /** memset the shadow of [offset, offset+size) (both granule-aligned) to `value`. */
  fill(offset: number, size: number, value: number): void {
    if (size <= 0) return;
    let from = offset;
    const to = offset + size;
    while (from < to) {
      if (from < VMALLOC_BASE) {
        const end = Math.min(to, VMALLOC_BASE);
        this.linear.fill(from / this.granuleSize, end / this.granuleSize, value);
        from = end;
      } else if (from < USER_BASE) {
        const end = Math.min(to, USER_BASE);
        this.vmalloc.fill((from - VMALLOC_BASE) / this.granuleSize, (end - VMALLOC_BASE) / this.granuleSize, value);
        from = end;
      } else {
        break;
      }
    }
    this.counters.cur.shadowBytesWritten += size / this.granuleSize;
  }

  /**
   * First address (granule start, but never below `offset`) in [offset, end) whose shadow
   * byte differs from `value`, walking granule by granule; -1 if none.
   */
  findNotEqual(offset: number, end: number, value: number): number {
    const g = this.granuleSize;
    let from = offset;
    while (from < end) {
      let sb: SparseBytes;
      let base: number;
      let regionEnd: number;
      if (from < VMALLOC_BASE) {
        sb = this.linear;
        base = LINEAR_BASE;
        regionEnd = VMALLOC_BASE;
      } else if (from < USER_BASE) {
        sb = this.vmalloc;
        base = VMALLOC_BASE;
        regionEnd = USER_BASE;
      } else {
        return -1;
      }
      const stop = Math.min(end, regionEnd);
      const gi = Math.floor((from - base) / g);
      const ge = Math.ceil((stop - base) / g);
      const hit = sb.findNotEqual(gi, ge, value);
      if (hit >= 0) return Math.max(offset, base + hit * g);
      from = stop;
    }
    return -1;
  }

  /** Copy `out.length` shadow bytes starting at the granule containing `offset`. */
  readRow(offset: number, out: number[]): void {
    for (let i = 0; i < out.length; i++) {
      const o = offset + i * this.granuleSize;
      out[i] = o >= 0 && ShadowMemory.hasMetadata(o) ? this.get(o) : 0;
    }
  }

  // --- vmalloc shadow population (kasan_populate_vmalloc / kasan_release_vmalloc) ---

  /** Memory bytes covered by one page of shadow (KASAN_MEMORY_PER_SHADOW_PAGE). */
  get memoryPerShadowPage(): number {
    return PAGE_SIZE * this.granuleSize;
  }

  /**
   * Map the shadow pages covering vmalloc [start, end): pages not yet mapped are filled with
   * the vmalloc default (KASAN_VMALLOC_INVALID); already mapped ones keep their contents.
   * Returns the number of shadow pages newly mapped.
   */
  populateVmalloc(start: number, end: number): number {
    const per = this.memoryPerShadowPage;
    const p0 = Math.floor((start - VMALLOC_BASE) / per);
    const p1 = Math.ceil((end - VMALLOC_BASE) / per);
    let mapped = 0;
    let p = p0;
    while (p < p1) {
      const hole = this.vmallocShadowMapped.findNotEqual(p, p1, 1);
      if (hole < 0) break;
      const holeEnd = this.vmallocShadowMapped.findNotEqual(hole, p1, 0);
      const e = holeEnd < 0 ? p1 : holeEnd;
      this.vmallocShadowMapped.fill(hole, e, 1);
      // __memset(page, KASAN_VMALLOC_INVALID, PAGE_SIZE) for each newly mapped shadow page.
      this.vmalloc.fill(hole * PAGE_SIZE, e * PAGE_SIZE, this.vmallocDefault);
      this.counters.cur.shadowBytesWritten += (e - hole) * PAGE_SIZE;
      mapped += e - hole;
      p = e;
    }
    return mapped;
  }

  /**
   * Unmap the shadow pages entirely covered by vmalloc [start, end) (region aligned inwards to
   * KASAN_MEMORY_PER_SHADOW_PAGE). Returns the number of shadow pages released.
   */
  releaseVmalloc(start: number, end: number): number {
    const per = this.memoryPerShadowPage;
    const p0 = Math.ceil((start - VMALLOC_BASE) / per);
    const p1 = Math.floor((end - VMALLOC_BASE) / per);
    if (p1 <= p0) return 0;
    let released = 0;
    let p = p0;
    while (p < p1) {
      const m = this.vmallocShadowMapped.findNotEqual(p, p1, 0);
      if (m < 0) break;
      const mEnd = this.vmallocShadowMapped.findNotEqual(m, p1, 1);
      const e = mEnd < 0 ? p1 : mEnd;
      this.vmallocShadowMapped.fill(m, e, 0);
      this.vmalloc.fill(m * PAGE_SIZE, e * PAGE_SIZE, this.vmallocDefault);
      released += e - m;
      p = e;
    }
    return released;
  }

  /** Whether the vmalloc shadow page covering `offset` is mapped. */
  vmallocShadowIsMapped(offset: number): boolean {
    return this.vmallocShadowMapped.get(Math.floor((offset - VMALLOC_BASE) / this.memoryPerShadowPage)) === 1;
  }
}
