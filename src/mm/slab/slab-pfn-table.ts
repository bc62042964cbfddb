/**
 * virt_to_slab()'s lookup: which slab owns a page frame. The kernel reads it from the struct
 * page (a slab's pages are its struct slab); here it is a two-level table indexed by pfn, so
 * every kfree finds its slab with two indexed loads instead of a hash lookup. Blocks of the
 * table are created when a slab first lands in their pfn range.
 */
import type { Slab } from "./slab.js";

const BLOCK_SHIFT = 12;
const BLOCK_PAGES = 1 << BLOCK_SHIFT;
const BLOCK_MASK = BLOCK_PAGES - 1;

export class SlabPfnTable {
  private readonly dir: (Array<Slab | undefined> | undefined)[] = [];

  /** The slab owning `pfn`, or undefined (also for a negative "no pfn"). */
  get(pfn: number): Slab | undefined {
    if (!(pfn >= 0)) return undefined;
    const block = this.dir[pfn >>> BLOCK_SHIFT];
    return block === undefined ? undefined : block[pfn & BLOCK_MASK];
  }

  set(pfn: number, slab: Slab): void {
    checkPfn(pfn);
    const d = pfn >>> BLOCK_SHIFT;
    let block = this.dir[d];
    if (block === undefined) {
      block = new Array<Slab | undefined>(BLOCK_PAGES).fill(undefined);
      this.dir[d] = block;
    }
    block[pfn & BLOCK_MASK] = slab;
  }

  delete(pfn: number): void {
    checkPfn(pfn);
    const block = this.dir[pfn >>> BLOCK_SHIFT];
    if (block !== undefined) block[pfn & BLOCK_MASK] = undefined;
  }
}

function checkPfn(pfn: number): void {
  if (!Number.isInteger(pfn) || pfn < 0 || pfn >= 2 ** 32) throw new RangeError(`slab pfn table: pfn must be an integer in [0, 2^32), got ${pfn}`);
}
