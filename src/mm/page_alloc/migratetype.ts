/**
 * Migratetypes, pageblocks and the per-CPU list index (include/linux/mmzone.h, mm/page_alloc.c).
 * Only the three PCP types are modelled (no HIGHATOMIC reserve, CMA or ISOLATE).
 */
import { MAX_ORDER } from "../memory-layout.js";

export const MIGRATE_UNMOVABLE = 0;
export const MIGRATE_MOVABLE = 1;
export const MIGRATE_RECLAIMABLE = 2;
/** MIGRATE_PCPTYPES: the types with their own per-CPU lists (and all we model). */
export const MIGRATE_PCPTYPES = 3;
export const MIGRATE_TYPES = MIGRATE_PCPTYPES;
export const MIGRATETYPE_NAMES: readonly string[] = ["Unmovable", "Movable", "Reclaimable"];

/** NR_PAGE_ORDERS = MAX_PAGE_ORDER + 1. */
export const NR_PAGE_ORDERS = MAX_ORDER + 1;
/** pageblock_order on arm64 with 4 KiB pages: HUGETLB_PAGE_ORDER = PMD order = 9 (2 MiB). */
export const PAGEBLOCK_ORDER = 9;
export const PAGEBLOCK_NR_PAGES = 1 << PAGEBLOCK_ORDER;
/** Orders above this are "costly"; orders 0..3 have per-CPU lists. */
export const PAGE_ALLOC_COSTLY_ORDER = 3;
/** HPAGE_PMD_ORDER: THP size, also cached on per-CPU lists with CONFIG_TRANSPARENT_HUGEPAGE. */
export const HPAGE_PMD_ORDER = 9;
/** NR_LOWORDER_PCP_LISTS = MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1). */
export const NR_LOWORDER_PCP_LISTS = MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1);
/** Two THP lists (non-movable, movable) after the low-order ones. */
export const NR_PCP_THP = 2;
export const NR_PCP_LISTS = NR_LOWORDER_PCP_LISTS + NR_PCP_THP;

/** fallbacks[]: which free lists an allocation may steal from when its own type is empty. */
export const FALLBACKS: readonly (readonly [number, number])[] = [
  [MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE], // MIGRATE_UNMOVABLE
  [MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE], // MIGRATE_MOVABLE
  [MIGRATE_UNMOVABLE, MIGRATE_MOVABLE], // MIGRATE_RECLAIMABLE
];

/** pcp_allowed_order(). */
export function pcpAllowedOrder(order: number, thp: boolean): boolean {
  return order <= PAGE_ALLOC_COSTLY_ORDER || (thp && order === HPAGE_PMD_ORDER);
}

/** order_to_pindex(). */
export function orderToPindex(migratetype: number, order: number): number {
  if (order > PAGE_ALLOC_COSTLY_ORDER) return NR_LOWORDER_PCP_LISTS + (migratetype === MIGRATE_MOVABLE ? 1 : 0);
  return MIGRATE_PCPTYPES * order + migratetype;
}

/** pindex_to_order(). */
export function pindexToOrder(pindex: number): number {
  return pindex >= NR_LOWORDER_PCP_LISTS ? HPAGE_PMD_ORDER : Math.floor(pindex / MIGRATE_PCPTYPES);
}

/** can_steal_fallback(): may an allocation of `startMt` claim the fallback pageblock? */
export function canStealFallback(order: number, startMt: number): boolean {
  if (order >= PAGEBLOCK_ORDER) return true;
  return order >= PAGEBLOCK_ORDER / 2 || startMt === MIGRATE_RECLAIMABLE || startMt === MIGRATE_UNMOVABLE;
}
