/**
 * The ordinary memory accesses of a boot: every load and store the kernel's own code makes
 * between start_kernel() and init, outside the allocator paths the trace replay models. The
 * replay cannot count them (an ftrace allocation trace has no loads or stores), so their number
 * N_acc is a parameter of the boot workload: `kasan-sim reproduce` fits it to one published boot
 * time and predicts the others (docs/boot-workload.md has the method and an independent
 * order-of-magnitude cross-check, which is not an input).
 *
 * What each access costs depends on the mode, and the cost profile decides it; this file only
 * says which check the access goes through:
 *   generic, sw_tags  compiler instrumentation checks the shadow (the counter `shadowChecks`
 *                     prices one such check);
 *   hw_tags           the CPU checks the tag (`tagChecks`): free on MTE hardware, emulated per
 *                     access by QEMU TCG;
 *   off               no check.
 */
import type { CounterName } from "../../cost/counters.js";
import type { KasanMode } from "../../config/mode.js";

export type OrdinaryAccessCheck = "shadow" | "mte" | "none";

export interface OrdinaryAccesses {
  /** N_acc: the ordinary accesses of one boot (the same in every mode: the same code runs). */
  count: number;
  /** Whether `count` was given (false: 0, no estimate included). */
  given: boolean;
  /** How each access is checked in this mode. */
  checkedBy: OrdinaryAccessCheck;
  /** The counter whose per-event cost prices one check (null: no check). */
  counter: Extract<CounterName, "shadowChecks" | "tagChecks"> | null;
}

/** How an ordinary access is checked in `mode`. */
export function ordinaryAccessCheck(mode: KasanMode): OrdinaryAccessCheck {
  if (mode === "generic" || mode === "sw_tags") return "shadow";
  if (mode === "hw_tags") return "mte";
  return "none";
}

/** The ordinary accesses of a boot under `mode`, for a given N_acc (undefined: not included, 0). */
export function ordinaryAccesses(mode: KasanMode, nAcc: number | undefined): OrdinaryAccesses {
  if (nAcc !== undefined && (!Number.isFinite(nAcc) || nAcc < 0 || !Number.isInteger(nAcc))) {
    throw new RangeError(`ordinaryAccesses: expected a non-negative integer count, got ${nAcc}`);
  }
  const checkedBy = ordinaryAccessCheck(mode);
  return {
    count: nAcc ?? 0,
    given: nAcc !== undefined,
    checkedBy,
    counter: checkedBy === "shadow" ? "shadowChecks" : checkedBy === "mte" ? "tagChecks" : null,
  };
}
