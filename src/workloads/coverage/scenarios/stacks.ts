/**
 * Thread-stack scenarios (issue 5; seed 000's "the stack pointer always uses the match-all
 * tag"). Kernel code reaches a stack through the match-all SP, so only a stray or stale pointer
 * with a real tag can be caught. The VMAP stack (CONFIG_VMAP_STACK, arm64 default) is what
 * every scenario uses:
 *  - stray write into a live stack, through its vmalloc address or its linear-map alias;
 *  - a stale pointer (vm->addr, with the tag vmalloc gave it) to a stack whose task exited:
 *    parked in the per-CPU cache, reused from the cache by a new thread, or vfree'd after the
 *    grace period (cache full), the lazily freed area purged and the address reused.
 */
import { makePtr, ptrOffset, ptrTag, TAG_KERNEL } from "../../../arch/pointer.js";
import { pfnToOffset, PAGE_SIZE } from "../../../mm/memory-layout.js";
import type { CoverageEnv, ScenarioEntry } from "../catalog-entry.js";
import { bootForCoverage } from "../boot.js";
import type { SeedResult } from "../outcome.js";
import { describeSweep, hex2, staleChance, sweepChance, sweepTags } from "../tag-probe.js";
import type { Kernel } from "../../../kernel/kernel.js";

/** Bytes of the stray/stale access (a u64 store or load). */
const ACCESS = 8;

function mappingNote(k: Kernel, offset: number): string {
  const vm = k.vmalloc.findVmArea(makePtr(TAG_KERNEL, offset));
  if (vm === undefined) return "unmapped";
  // Only hw_tags cares about the mapping's memory type (Normal-Tagged or not).
  if (k.mode !== "hw_tags") return "mapped";
  return vm.prot === "PAGE_KERNEL_TAGGED" ? "mapped Normal-Tagged" : "mapped untagged (PAGE_KERNEL)";
}

function strayWrite(env: CoverageEnv, linear: boolean): SeedResult {
  const { k, procs } = bootForCoverage(env);
  const parent = procs.spawn("victim");
  const th = procs.createThread(parent);
  const st = th.stack;
  if (st === null) throw new Error("stack scenario: the new thread has no stack");
  let off = ptrOffset(st.base) + procs.stacks.threadSize / 2;
  let where = `stack (${mappingNote(k, off)})`;
  if (linear) {
    const pfn = k.vmalloc.vmallocToPage(makePtr(TAG_KERNEL, off));
    if (pfn < 0) throw new Error("stack scenario: the stack page is not mapped");
    off = pfnToOffset(pfn) + (off % PAGE_SIZE);
    where = "linear alias of the stack page";
  }
  // The bug runs in another task (the parent) on the same CPU.
  procs.tasks.switchTo(parent);
  const s = sweepTags(k, off, ACCESS, true);
  return { kind: "bug", chance: sweepChance(s), detail: `${where}: ${describeSweep(s)}` };
}

type Recycle = "parked" | "cache-reused" | "vfree-reused";

function staleStack(env: CoverageEnv, how: Recycle): SeedResult {
  const { k, procs } = bootForCoverage(env);
  const parent = procs.spawn("victim");
  const victim = procs.createThread(parent);
  const old = (victim.stack ?? { vmAddr: 0 }).vmAddr;
  const half = procs.stacks.threadSize / 2;
  if (how === "vfree-reused") {
    // Two more threads exit first and fill this CPU's two cache slots, so the victim's stack
    // goes to call_rcu → vfree (vfree_atomic from softirq), then a lazy purge frees the range.
    const a = procs.createThread(parent);
    const b = procs.createThread(parent);
    procs.exit(a);
    procs.exit(b);
    procs.exit(victim);
    procs.rcu.gracePeriod();
    k.vmalloc.purgeLazy();
    // Two threads empty the cache; the third misses and vmallocs a fresh stack.
    procs.createThread(parent);
    procs.createThread(parent);
    procs.createThread(parent);
  } else {
    procs.exit(victim);
    if (how === "cache-reused") procs.createThread(parent);
  }
  procs.tasks.switchTo(parent);
  const off = ptrOffset(old) + half;
  const state = `${mappingNote(k, off)}, old pointer tag ${hex2(ptrTag(old))}`;
  // Only a vfree'd-and-reused stack gets a tag drawn after (and independently of) the old one.
  const r = staleChance(k, makePtr(ptrTag(old), off), ACCESS, true, how === "vfree-reused", off);
  return { kind: "bug", chance: r.chance, detail: `${state}: access ${r.reported ? "reported" : "not reported"}; ${describeSweep(r.sweep)}` };
}

export const STACK_ENTRIES: readonly ScenarioEntry[] = [
  {
    id: "stack.stray-write",
    group: "stack",
    claim: false,
    title: "stray write with a random tag into a live thread stack (its vmalloc address)",
    run: (env) => strayWrite(env, false),
  },
  {
    id: "stack.stray-write-linear",
    group: "stack",
    claim: false,
    title: "stray write with a random tag into a live thread stack's linear-map alias",
    run: (env) => strayWrite(env, true),
  },
  {
    id: "stack.stale-parked",
    group: "stack",
    claim: false,
    title: "stale vm->addr pointer to an exited thread's stack parked in the per-CPU cache",
    run: (env) => staleStack(env, "parked"),
  },
  {
    id: "stack.stale-cache-reused",
    group: "stack",
    claim: false,
    title: "stale vm->addr pointer to a stack reused from the per-CPU cache by a new thread",
    run: (env) => staleStack(env, "cache-reused"),
  },
  {
    id: "stack.stale-vfree-reused",
    group: "stack",
    claim: false,
    title: "stale vm->addr pointer to a stack vfree'd (cache full), purged and reused by a new thread",
    run: (env) => staleStack(env, "vfree-reused"),
  },
];
