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

export interface PteTable {
  readonly pfn: number;
  /** User pfn per entry, 0 = none. */
  readonly entries: Int32Array;
  /** Present entries. */
  present: number;
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
  return Math.floor(va / 2 ** shift);
}

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
