/**
 * Golden-report pieces both tag modes print the same way (on top of golden-match.ts): the
 * granule, the stacks tags.c's save_stack_info() records in the stack ring, and the object
 * description. sw_tags-golden.ts and hw-tags-golden.ts re-export them.
 */

/** KASAN_GRANULE_SIZE of SW_TAGS and HW_TAGS (MTE_GRANULE_SIZE). */
export const G = 16;

/** save_stack_info() (inlined into kasan_save_{alloc,free}_info) records these frames above the allocator entry point. */
export const KMALLOC_ALLOC = ["kasan_save_stack", "kasan_save_alloc_info", "__kasan_kmalloc", "__kmalloc_cache_noprof"];
export const CACHE_ALLOC = ["kasan_save_stack", "kasan_save_alloc_info", "__kasan_slab_alloc", "kmem_cache_alloc_noprof"];
export const KFREE = ["kasan_save_stack", "kasan_save_free_info", "__kasan_slab_free", "kfree"];
export const CACHE_FREE = ["kasan_save_stack", "kasan_save_free_info", "__kasan_slab_free", "kmem_cache_free"];

/** describe_object_addr(): tag modes print no "allocated "/"freed " word before the region. */
export function objectLines(cache: string, objectSize: number, located: string, regionSize: number): string[] {
  return [
    "The buggy address belongs to the object at {px:obj}",
    ` which belongs to the cache ${cache} of size ${objectSize}`,
    `The buggy address is located ${located} of`,
    ` ${regionSize}-byte region [{px:obj}, {px:end})`,
    "",
  ];
}
