/**
 * SLAB_* cache flags (include/linux/slab.h, 6.12 `enum _slab_flag_bits`) and the flag sets
 * mm/slab_common.c and mm/slub.c test them against.
 *
 * In 6.12 the bit numbers come from an enum whose optional members exist only with their config
 * option. The values here are those of a build with CONFIG_DEBUG_OBJECTS=n, CONFIG_FAILSLAB=n,
 * CONFIG_MEMCG=y, CONFIG_KASAN_GENERIC=y, CONFIG_KFENCE=n and CONFIG_SLAB_OBJ_EXT=y — the same
 * assumption src/kasan/slab-flags.ts makes — so every flag the model uses has its own bit. Flags
 * of options that are off are 0 (`__SLAB_FLAG_UNUSED`). Whether SLAB_ACCOUNT means anything is
 * decided at run time by the allocator's `memcg` option.
 */

export const SLAB_CONSISTENCY_CHECKS = 1 << 0;
/** Red zones around objects (slub_debug=Z). */
export const SLAB_RED_ZONE = 1 << 1;
/** Poison objects with 0x6b/0xa5 (slub_debug=P). */
export const SLAB_POISON = 1 << 2;
/** A kmalloc-* cache (set by create_kmalloc_cache). */
export const SLAB_KMALLOC = 1 << 3;
/** Align objects on cache lines (calculate_alignment). */
export const SLAB_HWCACHE_ALIGN = 1 << 4;
export const SLAB_CACHE_DMA = 1 << 5;
export const SLAB_CACHE_DMA32 = 1 << 6;
/** Store the last owner for bug hunting (slub_debug=U). */
export const SLAB_STORE_USER = 1 << 7;
/** Panic if kmem_cache_create fails. */
export const SLAB_PANIC = 1 << 8;
/** Slab pages are freed by RCU; objects may be reused (and read) before a grace period ends. */
export const SLAB_TYPESAFE_BY_RCU = 1 << 9;
export const SLAB_TRACE = 1 << 10;
/** CONFIG_DEBUG_OBJECTS=n. */
export const SLAB_DEBUG_OBJECTS = 0;
export const SLAB_NOLEAKTRACE = 1 << 11;
/** Never merge this cache with another (also set by Generic KASAN's kasan_cache_create). */
export const SLAB_NO_MERGE = 1 << 12;
/** CONFIG_FAILSLAB=n. */
export const SLAB_FAILSLAB = 0;
/** Account objects to memcg (only meaningful with the allocator's `memcg` option). */
export const SLAB_ACCOUNT = 1 << 13;
/** Generic KASAN keeps per-object metadata in this cache (set by kasan_cache_create). */
export const SLAB_KASAN = 1 << 14;
/** Ignore slab_debug= for this cache. */
export const SLAB_NO_USER_FLAGS = 1 << 15;
/** CONFIG_KFENCE=n. */
export const SLAB_SKIP_KFENCE = 0;
/** Objects are reclaimable (kmalloc-rcl-*, dentry, inode caches): pages get __GFP_RECLAIMABLE. */
export const SLAB_RECLAIM_ACCOUNT = 1 << 16;
/** SLUB internal: poison the object (__OBJECT_POISON). */
export const __OBJECT_POISON = 1 << 17;
/** SLUB internal: use cmpxchg_double (__CMPXCHG_DOUBLE). */
export const __CMPXCHG_DOUBLE = 1 << 18;
/** No slabobj_ext vector for this cache (kmem_cache, kmem_cache_node). */
export const SLAB_NO_OBJ_EXT = 1 << 19;

/** Flags that make a cache unmergeable in both directions (mm/slab_common.c SLAB_NEVER_MERGE). */
export const SLAB_NEVER_MERGE =
  SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | SLAB_TRACE | SLAB_TYPESAFE_BY_RCU |
  SLAB_NOLEAKTRACE | SLAB_FAILSLAB | SLAB_NO_MERGE;

/** Flags two caches must agree on to be merged (mm/slab_common.c SLAB_MERGE_SAME). */
export const SLAB_MERGE_SAME = SLAB_RECLAIM_ACCOUNT | SLAB_CACHE_DMA | SLAB_CACHE_DMA32 | SLAB_ACCOUNT;

/** slub_debug flags (mm/slab.h SLAB_DEBUG_FLAGS). */
export const SLAB_DEBUG_FLAGS =
  SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | SLAB_TRACE | SLAB_CONSISTENCY_CHECKS;

/** Flags a caller of kmem_cache_create may pass (mm/slab.h SLAB_FLAGS_PERMITTED). */
export const SLAB_FLAGS_PERMITTED =
  SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_KMALLOC | SLAB_HWCACHE_ALIGN |
  SLAB_CACHE_DMA | SLAB_CACHE_DMA32 | SLAB_STORE_USER | SLAB_PANIC | SLAB_TYPESAFE_BY_RCU |
  SLAB_TRACE | SLAB_DEBUG_OBJECTS | SLAB_NOLEAKTRACE | SLAB_NO_MERGE | SLAB_FAILSLAB |
  SLAB_ACCOUNT | SLAB_KASAN | SLAB_NO_USER_FLAGS | SLAB_SKIP_KFENCE | SLAB_RECLAIM_ACCOUNT |
  SLAB_NO_OBJ_EXT;

const FLAG_NAMES: readonly (readonly [number, string])[] = [
  [SLAB_CONSISTENCY_CHECKS, "SLAB_CONSISTENCY_CHECKS"],
  [SLAB_RED_ZONE, "SLAB_RED_ZONE"],
  [SLAB_POISON, "SLAB_POISON"],
  [SLAB_KMALLOC, "SLAB_KMALLOC"],
  [SLAB_HWCACHE_ALIGN, "SLAB_HWCACHE_ALIGN"],
  [SLAB_CACHE_DMA, "SLAB_CACHE_DMA"],
  [SLAB_CACHE_DMA32, "SLAB_CACHE_DMA32"],
  [SLAB_STORE_USER, "SLAB_STORE_USER"],
  [SLAB_PANIC, "SLAB_PANIC"],
  [SLAB_TYPESAFE_BY_RCU, "SLAB_TYPESAFE_BY_RCU"],
  [SLAB_TRACE, "SLAB_TRACE"],
  [SLAB_NOLEAKTRACE, "SLAB_NOLEAKTRACE"],
  [SLAB_NO_MERGE, "SLAB_NO_MERGE"],
  [SLAB_ACCOUNT, "SLAB_ACCOUNT"],
  [SLAB_KASAN, "SLAB_KASAN"],
  [SLAB_NO_USER_FLAGS, "SLAB_NO_USER_FLAGS"],
  [SLAB_RECLAIM_ACCOUNT, "SLAB_RECLAIM_ACCOUNT"],
  [__OBJECT_POISON, "__OBJECT_POISON"],
  [__CMPXCHG_DOUBLE, "__CMPXCHG_DOUBLE"],
  [SLAB_NO_OBJ_EXT, "SLAB_NO_OBJ_EXT"],
];

/** Flag names joined by `|` (for messages and dumps); "0" for none. */
export function formatSlabFlags(flags: number): string {
  const out: string[] = [];
  let rest = flags >>> 0;
  for (const [bit, name] of FLAG_NAMES) {
    if ((rest & bit) !== 0) {
      out.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  if (rest !== 0) out.push("0x" + rest.toString(16));
  return out.length === 0 ? "0" : out.join("|");
}
