/**
 * Stack trace collection from the Shadow Call Stack (seed 004: kasan-dev RFC v3 "kasan, arm64,
 * scs, stacktrace: collect stack traces from Shadow Call Stack", not merged): instead of
 * walking frame records, copy the return addresses between the SCS base and the live x18,
 * newest first — one load and one store per slot, no per-frame callback.
 *
 * Blind spot: in hard-IRQ context the function the IRQ interrupted is missing. Its pc is only
 * in pt_regs; it was never pushed to an SCS (its own return address into its caller was, so
 * the caller still appears). irq-entry.ts records which callStack slots are such pcs.
 */
import type { StackWalk } from "./unwind.js";

/** stack_trace_save_shadow(out, size, 0): `interruptedIdx` are callStack indices to leave out. */
export function stackTraceSaveShadow(
  frames: ArrayLike<number>,
  callStack: readonly number[],
  interruptedIdx: readonly number[],
  out: Float64Array,
  size: number,
): StackWalk {
  const max = Math.min(size, out.length);
  let n = 0;
  for (let i = 0; i < frames.length && n < max; i++) out[n++] = frames[i];
  let skip = interruptedIdx.length - 1;
  for (let i = callStack.length - 1; i >= 0 && n < max; i--) {
    while (skip >= 0 && interruptedIdx[skip] > i) skip--;
    if (skip >= 0 && interruptedIdx[skip] === i) continue;
    out[n++] = callStack[i];
  }
  return { nrEntries: n, framesVisited: n };
}
