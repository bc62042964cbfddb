/**
 * KASAN constants (mm/kasan/kasan.h, include/linux/kasan.h, include/linux/kasan-tags.h),
 * with 6.12 names. In the tag modes every poison value is KASAN_TAG_INVALID; Generic gives each
 * kind of inaccessible memory its own shadow byte so a report can name the bug type.
 */

import { __GFP_DIRECT_RECLAIM } from "../mm/gfp.js";

// --- tags (include/linux/kasan-tags.h) ---
export const KASAN_TAG_KERNEL = 0xff;
export const KASAN_TAG_INVALID = 0xfe;
export const KASAN_TAG_MAX = 0xfd;
/** KASAN_TAG_MIN for SW_TAGS (HW_TAGS: 0xF0). */
export const KASAN_TAG_MIN_SW = 0x00;
export const KASAN_TAG_MIN_HW = 0xf0;

// --- Generic shadow values (mm/kasan/kasan.h) ---
export const KASAN_PAGE_FREE = 0xff;
export const KASAN_PAGE_REDZONE = 0xfe;
export const KASAN_SLAB_REDZONE = 0xfc;
export const KASAN_SLAB_FREE = 0xfb;
export const KASAN_SLAB_FREE_META = 0xfa;
export const KASAN_GLOBAL_REDZONE = 0xf9;
export const KASAN_VMALLOC_INVALID = 0xf8;
export const KASAN_STACK_LEFT = 0xf1;
export const KASAN_STACK_MID = 0xf2;
export const KASAN_STACK_RIGHT = 0xf3;
export const KASAN_STACK_PARTIAL = 0xf4;
/** __asan_set_shadow_f5 (stack-use-after-return marker of the ASan ABI). */
export const KASAN_STACK_AFTER_RETURN = 0xf5;
export const KASAN_ALLOCA_LEFT = 0xca;
export const KASAN_ALLOCA_RIGHT = 0xcb;
/** KASAN_ALLOCA_REDZONE_SIZE. */
export const KASAN_ALLOCA_REDZONE_SIZE = 32;

/** The poison values of one mode: Generic's distinct codes, or 0xFE everywhere for tag modes. */
export interface PoisonValues {
  pageFree: number;
  pageRedzone: number;
  slabRedzone: number;
  slabFree: number;
  vmallocInvalid: number;
}

export const GENERIC_POISON: PoisonValues = {
  pageFree: KASAN_PAGE_FREE,
  pageRedzone: KASAN_PAGE_REDZONE,
  slabRedzone: KASAN_SLAB_REDZONE,
  slabFree: KASAN_SLAB_FREE,
  vmallocInvalid: KASAN_VMALLOC_INVALID,
};

export const TAGS_POISON: PoisonValues = {
  pageFree: KASAN_TAG_INVALID,
  pageRedzone: KASAN_TAG_INVALID,
  slabRedzone: KASAN_TAG_INVALID,
  slabFree: KASAN_TAG_INVALID,
  vmallocInvalid: KASAN_TAG_INVALID,
};

/** Report layout (mm/kasan/kasan.h META_*): 16 granules per row, 2 rows either side. */
export const META_BYTES_PER_ROW = 16;
export const META_ROWS_AROUND_ADDR = 2;

/** sizeof(struct kasan_alloc_meta) / sizeof(struct kasan_free_meta) on 64-bit, no EXTRA_INFO. */
export const KASAN_ALLOC_META_SIZE = 16;
export const KASAN_FREE_META_SIZE = 16;

/** KMALLOC_MAX_SIZE with SLUB: 1 << (MAX_PAGE_ORDER + PAGE_SHIFT) = 4 MiB. */
export const KMALLOC_MAX_SIZE = 1 << (10 + 12);

/** gfpflags_allow_blocking(): the caller may sleep (__GFP_DIRECT_RECLAIM). */
export function gfpflagsAllowBlocking(gfp: number): boolean {
  return (gfp & __GFP_DIRECT_RECLAIM) !== 0;
}

export { roundUp, roundDown } from "../lib/align.js";
