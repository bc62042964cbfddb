/**
 * struct kasan_track (mm/kasan/kasan.h): who allocated or freed an object. The stack is a
 * stack depot handle; 0 means no stack (the report then prints no "Allocated by"/"Freed by"
 * section). src/kasan/stack/ implements the saver (kasan_save_stack → stack_depot_save_flags);
 * until one is set, KasanStackSaver returns 0.
 */
export interface KasanTrack {
  pid: number;
  /** depot_stack_handle_t; 0 = no stack. */
  stack: number;
}

/**
 * Which KASAN/allocator path is saving the stack: it decides the frames above the caller's
 * (kasan_save_stack, kasan_save_track, __kasan_kmalloc, __kmalloc_cache_noprof, …) that the
 * unwinder finds. See src/kasan/stack/sites.ts.
 */
export type KasanStackSite = "kmalloc" | "kmem_cache_alloc" | "kfree" | "kmem_cache_free" | "aux";

/** kasan_save_stack(flags, depot_flags): save the current call stack, return a handle. */
export interface KasanStackSaver {
  /** `canAlloc`: STACK_DEPOT_FLAG_CAN_ALLOC (alloc and aux stacks yes, free stacks use gfp 0). */
  save(gfp: number, canAlloc: boolean, site?: KasanStackSite): number;
}

/** No stack depot: every handle is 0. */
export const NO_STACK_DEPOT: KasanStackSaver = { save: () => 0 };
