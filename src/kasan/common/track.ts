/**
 * struct kasan_track (mm/kasan/kasan.h): who allocated or freed an object. The stack is a
 * stack depot handle; 0 means "(stack is not available)". The stack depot is a separate piece
 * (kasan_save_stack → stack_depot_save_flags); until it is wired in, KasanStackSaver returns 0.
 */
export interface KasanTrack {
  pid: number;
  /** depot_stack_handle_t; 0 = no stack. */
  stack: number;
}

/** kasan_save_stack(flags, depot_flags): save the current call stack, return a handle. */
export interface KasanStackSaver {
  /** `canAlloc`: STACK_DEPOT_FLAG_CAN_ALLOC (alloc and aux stacks yes, free stacks use gfp 0). */
  save(gfp: number, canAlloc: boolean): number;
}

/** No stack depot: every handle is 0. */
export const NO_STACK_DEPOT: KasanStackSaver = { save: () => 0 };
