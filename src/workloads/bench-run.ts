/**
 * What every `bench` workload shares: booting one kernel per policy, the documented RCU points,
 * fast-forwarding, and the per-policy result.
 */
import type { KernelConfig } from "../config/kconfig.js";
import type { KasanMode } from "../config/mode.js";
import { Counters } from "../cost/counters.js";
import { bootKernel, type Kernel } from "../kernel/kernel.js";
import type { StackCollection } from "../kernel/stack-depot.js";
import { Processes } from "../kernel/processes.js";
import { resolvePolicies, type TaggingPolicy } from "../policy/policies.js";
import { kernelFingerprint } from "./fingerprint.js";
import { runWithFastForward, type SteadyStateOptions, type SteadyStateResult } from "./steady-state.js";

export interface KernelParams {
  mode: KasanMode;
  cmdline?: string;
  config?: KernelConfig;
  seed: number;
  cpus: number;
  /** Simulate every iteration (no fast-forward). */
  exact?: boolean;
  /** Simulated RAM (default 2 GiB). */
  memoryBytes?: number;
  /** KASAN stack collection flavour (seed 004; default unwinder). */
  stacks?: StackCollection;
  /** Save stacks in the stack depot (default true). */
  stackDepot?: boolean;
}

export interface PolicyRun {
  policy: TaggingPolicy;
  counters: Counters;
  fastForward: SteadyStateResult;
  warnings: string[];
}

export interface WorkloadBody {
  /** Runs once after boot (counted): e.g. the parent's mmap + faults. Returns the per-iteration step. */
  setup(k: Kernel, p: Processes): (i: number) => void;
  iterations: number;
  /** Fast-forward tuning for this workload (periods it can have, when to fall back to the mean). */
  fastForward?: Pick<SteadyStateOptions, "maxPeriod" | "minSimulated" | "meanAfter" | "meanWindow">;
}

/** Boot a kernel for `policySpec`, run the workload's iterations with fast-forward, return the counts. */
export function runPolicy(params: KernelParams, policySpec: string, body: (k: Kernel, p: Processes) => WorkloadBody, progress?: (done: number, total: number) => void): PolicyRun {
  const { policy, warnings } = resolvePolicies(policySpec);
  const cfg = params.config;
  const k = bootKernel({
    mode: params.mode,
    cmdline: params.cmdline,
    seed: params.seed,
    nrCpus: params.cpus,
    memoryBytes: params.memoryBytes,
    policy,
    config: cfg,
    stacks: params.stacks,
    stackDepot: params.stackDepot,
  });
  const p = new Processes(k, { vmapStack: cfg?.vmapStack ?? true, shadowCallStack: k.config.shadowCallStack });
  // Boot's own allocations are not part of the workload.
  k.counters.reset();
  const b = body(k, p);
  const step = b.setup(k, p);
  const ff = runWithFastForward(k.counters, step, () => kernelFingerprint(k, p), { ...b.fastForward, iterations: b.iterations, exact: params.exact ?? false, progress });
  return { policy, counters: k.counters, fastForward: ff, warnings: [...warnings, ...k.bootWarnings, ...k.warnings] };
}
