/**
 * Allocation tag storage: one 4-bit tag per 16-byte granule, kept apart from data (which the
 * model does not store). Tags belong to physical memory, as in hardware tag RAM: a linear-map
 * offset is its own physical location (phys = PHYS_OFFSET + offset), so the linear map indexes
 * the store directly. A vmalloc-region page is an alias of some page frame; when mm registers
 * a TaggedMappingLookup the store follows it, so tags set through a vmalloc address are seen
 * through the frame's linear address and vice versa. Without a lookup the vmalloc region is
 * tagged by its own offsets (a flat model with no aliasing).
 *
 * Backed by SparseBytes (one byte per granule, values 0..15, chunks of 2 MiB of memory created
 * on first write), so a 16 GiB machine costs host memory only for the granules ever tagged
 * non-zero. Untouched memory reads tag 0, like freshly reset tag RAM under QEMU.
 */
import { SparseBytes } from "../../lib/sparse-bytes.js";
import { USER_BASE, VMALLOC_BASE } from "../pointer.js";
import { MTE_GRANULE_SIZE, MTE_PAGE_SIZE } from "./mte-def.js";
import { modPow2 } from "../../lib/align.js";

// Module-local copies of imported constants used on the hot path (see tag-check.ts).
const K_USER_BASE = USER_BASE;
const K_VMALLOC_BASE = VMALLOC_BASE;
const K_GRANULE = MTE_GRANULE_SIZE;
const K_PAGE = MTE_PAGE_SIZE;

/** The kernel page-table walk for vmalloc addresses, provided by mm (src/mm/). */
export interface TaggedMappingLookup {
  /**
   * For a page-aligned vmalloc-region offset: the linear-map offset of the page frame mapped
   * there with MT_NORMAL_TAGGED, or -1 when the page is unmapped or mapped without the tagged
   * attribute (vmap/ioremap/kernel image). Accesses to such pages are not tag-checked, tag
   * stores to them are ignored and LDG reads 0, as the architecture specifies for untagged
   * memory. (Translation faults themselves are the caller's business, not this model's.)
   */
  vmallocTaggedPhys(pageOffset: number): number;
}

export class TagStorage {
  /** Tag memory indexed by physical granule (linear-map offset / 16). */
  readonly tags = new SparseBytes(0);
  private lookup: TaggedMappingLookup | undefined = undefined;

  /** Register (or clear, with undefined) the vmalloc translation. */
  setMappingLookup(lookup: TaggedMappingLookup | undefined): void {
    this.lookup = lookup;
  }

  get hasMappingLookup(): boolean {
    return this.lookup !== undefined;
  }

  /** Host bytes held by materialised tag chunks. */
  get bytesAllocated(): number {
    return this.tags.bytesAllocated;
  }

  /** True when `offset` is indexed directly (no translation needed). */
  private direct(offset: number): boolean {
    return offset < K_VMALLOC_BASE || offset >= K_USER_BASE || this.lookup === undefined;
  }

  /** Index of the tag-memory granule backing `offset`, or -1 for untagged memory. */
  granuleIndex(offset: number): number {
    if (this.direct(offset)) return Math.floor(offset / K_GRANULE);
    const page = offset - modPow2(offset, K_PAGE);
    const phys = (this.lookup as TaggedMappingLookup).vmallocTaggedPhys(page);
    if (phys < 0) return -1;
    return Math.floor((phys + (offset - page)) / K_GRANULE);
  }

  /** Allocation tag of the granule containing `offset` (0 for untagged memory). */
  readTag(offset: number): number {
    const g = this.granuleIndex(offset);
    return g < 0 ? 0 : this.tags.get(g);
  }

  /** Whether `offset` lies in Normal-Tagged memory (only matters for vmalloc with a lookup). */
  isTagged(offset: number): boolean {
    return this.granuleIndex(offset) >= 0;
  }

  /** Set the tag of granules [offset, offset+size) (both granule aligned) with chunked fills. */
  fillTags(offset: number, size: number, tag: number): void {
    const end = offset + size;
    // Kept small so it inlines into the range helper: the linear map is indexed directly.
    if (end <= K_VMALLOC_BASE || this.lookup === undefined) this.tags.fill(offset / K_GRANULE, end / K_GRANULE, tag);
    else this.fillTagsSlow(offset, end, tag);
  }

  private fillTagsSlow(offset: number, end: number, tag: number): void {
    if (this.direct(offset) && this.direct(end - 1)) {
      this.tags.fill(offset / K_GRANULE, end / K_GRANULE, tag);
      return;
    }
    // vmalloc through the page tables: one fill per mapped page.
    let cur = offset;
    while (cur < end) {
      const pageEnd = cur - modPow2(cur, K_PAGE) + K_PAGE;
      const stop = pageEnd < end ? pageEnd : end;
      const g = this.granuleIndex(cur);
      if (g >= 0) this.tags.fill(g, g + (stop - cur) / K_GRANULE, tag);
      cur = stop;
    }
  }

  /**
   * Start offset of the first granule touched by bytes [offset, offset+size) whose tag is not
   * `tag`, or -1 when all match. Untagged pages never mismatch (they are not checked).
   */
  findMismatch(offset: number, size: number, tag: number): number {
    const first = Math.floor(offset / K_GRANULE);
    const last = Math.floor((offset + size - 1) / K_GRANULE);
    if (this.direct(offset) && this.direct(offset + size - 1)) {
      const g = this.tags.findNotEqual(first, last + 1, tag);
      return g < 0 ? -1 : g * K_GRANULE;
    }
    let cur = first * K_GRANULE;
    const end = (last + 1) * K_GRANULE;
    while (cur < end) {
      const pageEnd = cur - modPow2(cur, K_PAGE) + K_PAGE;
      const stop = pageEnd < end ? pageEnd : end;
      const g = this.granuleIndex(cur);
      if (g >= 0) {
        const n = (stop - cur) / K_GRANULE;
        const bad = this.tags.findNotEqual(g, g + n, tag);
        if (bad >= 0) return cur + (bad - g) * K_GRANULE;
      }
      cur = stop;
    }
    return -1;
  }
}
