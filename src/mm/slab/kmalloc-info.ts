/**
 * The kmalloc size classes (mm/slab_common.c kmalloc_info[], kmalloc_size_index[],
 * include/linux/slab.h __kmalloc_index / kmalloc_type) and the cache types a gfp mask selects.
 */
import { __GFP_ACCOUNT, __GFP_DMA, __GFP_RECLAIMABLE } from "../gfp.js";
import { KMALLOC_MIN_SIZE, KMALLOC_SHIFT_LOW, fls } from "./sizes.js";

/** enum kmalloc_cache_type (no RANDOM_KMALLOC_CACHES, CONFIG_ZONE_DMA=y; CGROUP only with memcg). */
export const KMALLOC_NORMAL = 0;
export const KMALLOC_RECLAIM = 1;
export const KMALLOC_DMA = 2;
export const KMALLOC_CGROUP = 3;
export const NR_KMALLOC_TYPES = 4;

const TYPE_PREFIX = ["kmalloc-", "kmalloc-rcl-", "dma-kmalloc-", "kmalloc-cg-"] as const;

/** kmalloc_info[]: size and short name per index (index 0 unused; 1 = 96, 2 = 192). */
const INFO: readonly (readonly [number, string])[] = [
  [0, "0"], [96, "96"], [192, "192"], [8, "8"], [16, "16"], [32, "32"], [64, "64"], [128, "128"],
  [256, "256"], [512, "512"], [1024, "1k"], [2048, "2k"], [4096, "4k"], [8192, "8k"],
  [16384, "16k"], [32768, "32k"], [65536, "64k"], [131072, "128k"], [262144, "256k"],
  [524288, "512k"], [1048576, "1M"], [2097152, "2M"],
];

export function kmallocInfoSize(index: number): number {
  return INFO[index][0];
}

/** kmalloc_info[index].name[type], e.g. "kmalloc-rcl-1k". */
export function kmallocInfoName(index: number, type: number): string {
  return TYPE_PREFIX[type] + INFO[index][1];
}

/** kmalloc_size_index[]: kmalloc index for sizes 1..192, by (size − 1) / 8. */
const SIZE_INDEX = new Uint8Array([
  3, 4, 5, 5, 6, 6, 6, 6, // 8 .. 64
  1, 1, 1, 1, // 72 .. 96
  7, 7, 7, 7, // 104 .. 128
  2, 2, 2, 2, 2, 2, 2, 2, // 136 .. 192
]);

/** size_index_elem(bytes). */
function sizeIndexElem(bytes: number): number {
  return (bytes - 1) >> 3;
}

/**
 * The kmalloc index kmalloc_slab() uses for a request of `size` bytes (1 ≤ size ≤ 8192):
 * the table above up to 192, fls(size − 1) beyond.
 */
export function kmallocSlabIndex(size: number): number {
  if (size <= 192) return SIZE_INDEX[sizeIndexElem(size)];
  return fls(size - 1);
}

/** __kmalloc_index(size): the index whose class holds `size` (used for minalign aliasing). */
export function kmallocIndex(size: number): number {
  if (size === 0) return 0;
  if (size <= KMALLOC_MIN_SIZE) return KMALLOC_SHIFT_LOW;
  if (size > 64 && size <= 96) return 1;
  if (size > 128 && size <= 192) return 2;
  return fls(size - 1);
}

/**
 * kmalloc_type(flags): __GFP_DMA first, then __GFP_RECLAIMABLE, then (with memcg) __GFP_ACCOUNT.
 * Without CONFIG_MEMCG, __GFP_ACCOUNT does not leave the normal caches.
 */
export function kmallocType(gfp: number, memcg: boolean): number {
  const notNormal = __GFP_RECLAIMABLE | __GFP_DMA | (memcg ? __GFP_ACCOUNT : 0);
  if ((gfp & notNormal) === 0) return KMALLOC_NORMAL;
  if ((gfp & __GFP_DMA) !== 0) return KMALLOC_DMA;
  if (!memcg || (gfp & __GFP_RECLAIMABLE) !== 0) return KMALLOC_RECLAIM;
  return KMALLOC_CGROUP;
}
