/**
 * struct page flag bits (include/linux/page-flags.h, 6.12 `enum pageflags`, arm64 config: MMU,
 * MEMORY_FAILURE, ARCH_USES_PG_ARCH_2/3, no PAGE_IDLE_FLAG), page types (6.12 `enum pagetype`,
 * kept in page->page_type) and where the KASAN tag sits in page->flags.
 */

export const PG_locked = 0;
export const PG_writeback = 1;
export const PG_referenced = 2;
export const PG_uptodate = 3;
export const PG_dirty = 4;
export const PG_lru = 5;
export const PG_head = 6;
export const PG_waiters = 7;
export const PG_active = 8;
export const PG_workingset = 9;
export const PG_owner_priv_1 = 10;
export const PG_owner_2 = 11;
export const PG_arch_1 = 12;
export const PG_reserved = 13;
export const PG_private = 14;
export const PG_private_2 = 15;
export const PG_reclaim = 16;
export const PG_swapbacked = 17;
export const PG_unevictable = 18;
export const PG_mlocked = 19;
export const PG_hwpoison = 20;
export const PG_arch_2 = 21;
export const PG_arch_3 = 22;
export const __NR_PAGEFLAGS = 23;
/** arm64: the page's allocation tags have been initialised (PG_arch_2). */
export const PG_mte_tagged = PG_arch_2;
/** arm64: lock bit for initialising the tags (PG_arch_3). */
export const PG_mte_lock = PG_arch_3;

/**
 * KASAN_TAG_PGSHIFT in the simulated 32-bit flags word: the 8-bit tag lives in bits [24, 32),
 * stored XOR 0xFF so that a zeroed word reads back as tag 0xFF (KASAN_TAG_KERNEL).
 */
export const KASAN_TAG_PGSHIFT = 24;
export const KASAN_TAG_MASK = 0xff;
/** PAGE_FLAGS_CHECK_AT_PREP: every PG_* bit but PG_hwpoison, cleared when a page is freed. */
export const PAGE_FLAGS_CHECK_AT_PREP = ((1 << __NR_PAGEFLAGS) - 1) & ~(1 << PG_hwpoison);

// --- page types (page->page_type top byte; 0 here = no type) ---
export const PGTY_buddy = 0xf0;
export const PGTY_offline = 0xf1;
export const PGTY_table = 0xf2;
export const PGTY_guard = 0xf3;
export const PGTY_hugetlb = 0xf4;
export const PGTY_slab = 0xf5;
export const PGTY_zsmalloc = 0xf6;
export const PGTY_unaccepted = 0xf7;
export const PGTY_NONE = 0;

const FLAG_NAMES: readonly string[] = [
  "locked", "writeback", "referenced", "uptodate", "dirty", "lru", "head", "waiters", "active",
  "workingset", "owner_priv_1", "owner_2", "arch_1", "reserved", "private", "private_2", "reclaim",
  "swapbacked", "unevictable", "mlocked", "hwpoison", "arch_2", "arch_3",
];

/** Name of a PG_* bit as show_page_flags prints it (e.g. "head"). */
export function pageFlagName(bit: number): string {
  const n = FLAG_NAMES[bit];
  if (n === undefined) throw new Error(`pageFlagName: bit must be a PG_* number in [0, ${__NR_PAGEFLAGS}), got ${bit}`);
  return n;
}
