/**
 * The kernel a coverage scenario runs on: the mode's default .config, the policy under test,
 * kasan_multi_shot (every bug reported, as under KUnit), VMAP stacks, 2 CPUs; processes set up
 * as at boot (src/kernel/processes.ts). One fresh kernel per scenario and seed, so one
 * scenario's leftovers never decide another's result.
 */
import { bootKernel, type Kernel } from "../../kernel/kernel.js";
import { Processes } from "../../kernel/processes.js";
import type { CoverageEnv } from "./catalog-entry.js";

export const COVERAGE_CMDLINE = "kasan_multi_shot";

export function bootForCoverage(env: CoverageEnv): { k: Kernel; procs: Processes } {
  const k = bootKernel({ mode: env.mode, policy: env.policy, seed: env.seed, cmdline: COVERAGE_CMDLINE, stacks: env.stacks, stackDepot: env.stackDepot });
  return { k, procs: new Processes(k) };
}
