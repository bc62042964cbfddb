/**
 * One mm's user page tables: arm64, 4 KiB pages, 48-bit VA, CONFIG_PGTABLE_LEVELS=4 (PGD → PUD →
 * PMD → PTE; the P4D level is folded). Each table is one page of 512 entries:
 *   PGD index = va[47:39], PUD = va[38:30], PMD = va[29:21], PTE = va[20:12]
 * so a PTE table covers 2 MiB, a PMD table 1 GiB, a PUD table 512 GiB. Mapping n bytes of
 * faulted memory therefore needs one PTE table per touched 2 MiB, one PMD table per touched GiB
 * and one PUD table per touched 512 GiB (2048 MiB, 2 MiB-aligned: exactly 1024 PTE tables).
 *
 * Tables are kept in maps keyed by the index of the region they cover (va >> 21 for PTE tables,
 * va >> 30 for PMD tables, va >> 39 for PUD tables); a PTE table's entries are the mapped user
 * pfns (0 = pte_none), in an Int32Array.
 */
export const PAGE_SHIFT = 12;
export const PMD_SHIFT = 21;
export const PUD_SHIFT = 30;
export const PGDIR_SHIFT = 39;
export const PTRS_PER_PTE = 512;
/** TASK_SIZE with 48-bit VA. */
export const TASK_SIZE = 2 ** 48;

/**
 * The entries of one or more PTE tables. fork shares a parent table's entries with the child's
 * new table (model-only: the kernel copies them; both copies stay identical until a write) so a
 * fork costs O(tables), not O(PTEs); the first write through a shared block copies it.
 */
export class PteBlock {
  /** Tables holding this block. */
  refs = 1;
  /** Present entries. */
  present = 0;
  constructor(
    /** User pfn per entry, 0 = none. */
    readonly entries: Int32Array = new Int32Array(PTRS_PER_PTE),
  ) {}
}

export class PteTable {
  constructor(
    /** The table page. */
    readonly pfn: number,
    public block: PteBlock,
  ) {}

  /** User pfn per entry, 0 = none (read-only view: writes go through MmManager). */
  get entries(): Int32Array {
    return this.block.entries;
  }

  /** Present entries. */
  get present(): number {
    return this.block.present;
  }
}

export class PageTables {
  readonly pte = new Map<number, PteTable>();
  /** PMD tables by va >> PUD_SHIFT: their pfns. */
  readonly pmd = new Map<number, number>();
  /** PUD tables by va >> PGDIR_SHIFT: their pfns. */
  readonly pud = new Map<number, number>();

  constructor(readonly pgdPfn: number) {}

  /** Table pages in use, PGD included. */
  get tablePages(): number {
    return 1 + this.pud.size + this.pmd.size + this.pte.size;
  }
}

/** Index of the region of 2^shift bytes holding `va` (va < 2^48: plain division is exact). */
export function regionIndex(va: number, shift: number): number {
  // Multiplying by an exact power of two is exact for va < 2^48 (and cheaper than dividing).
  return Math.floor(va * INV_POW2[shift]);
}

/** 2^-shift for every shift a table level uses. */
const INV_POW2 = Float64Array.from({ length: 64 }, (_, i) => 2 ** -i);

/**
 * Table pages a freshly faulted range [start, start+len) needs, PGD excluded (for tests and
 * `--size-mb` previews): distinct 2 MiB, 1 GiB and 512 GiB regions touched.
 */
export function tablesForRange(start: number, len: number): { pte: number; pmd: number; pud: number } {
  if (len <= 0) return { pte: 0, pmd: 0, pud: 0 };
  const last = start + len - 1;
  const span = (shift: number): number => regionIndex(last, shift) - regionIndex(start, shift) + 1;
  return { pte: span(PMD_SHIFT), pmd: span(PUD_SHIFT), pud: span(PGDIR_SHIFT) };
}
