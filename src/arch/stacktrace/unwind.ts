/**
 * stack_trace_save() on arm64 with frame pointers (kernel/stacktrace.c over
 * arch/arm64/kernel/stacktrace.c arch_stack_walk): follow the frame records from the caller of
 * arch_stack_walk outwards, handing every return address to stack_trace_consume_entry().
 *
 * The model's call chain is `frames` (innermost first: the functions the caller passes as
 * still running above the task's recorded call chain, e.g. kasan_save_stack and the allocator
 * entry) followed by `callStack` reversed (ExecContext.callStack is outermost first).
 *
 * Cost: each frame record walked is one consume callback; the first one is stack_trace_save's
 * own frame, dropped by its skip of 1. So a trace of n stored entries visits n + 1 frames.
 */

export interface StackWalk {
  /** Entries written to `out` (innermost first). */
  nrEntries: number;
  /** Frames the collector had to touch (unwound frame records or copied SCS slots). */
  framesVisited: number;
}

/** stack_trace_save(out, size, 0) through the frame-pointer unwinder. */
export function stackTraceSaveUnwind(frames: ArrayLike<number>, callStack: readonly number[], out: Float64Array, size: number): StackWalk {
  const n = stackTraceSaveUnwindEntries(frames, callStack, out, size);
  return { nrEntries: n, framesVisited: unwindFramesVisited(n) };
}

/**
 * The same walk returning only the number of entries written (no result object, for the
 * allocator hot paths); the frames visited are `unwindFramesVisited(n)`.
 */
export function stackTraceSaveUnwindEntries(frames: ArrayLike<number>, callStack: readonly number[], out: Float64Array, size: number): number {
  const max = Math.min(size, out.length);
  let n = 0;
  for (let i = 0; i < frames.length && n < max; i++) out[n++] = frames[i];
  for (let i = callStack.length - 1; i >= 0 && n < max; i--) out[n++] = callStack[i];
  return n;
}

/** Frame records an unwind storing `nrEntries` touches: each stored one plus stack_trace_save's own (skipped). */
export function unwindFramesVisited(nrEntries: number): number {
  return nrEntries + 1;
}
