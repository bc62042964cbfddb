/**
 * The seed's claims as checks (seed 001 cover letter: "Thus match-all pointers still work,
 * while non-match tags (other than poison tag) still fault"):
 *  - match-all: a 0xFF-tagged access anywhere in a live thread stack (vmalloc address and
 *    linear alias) or a live page-table page (PGD, PTE) never faults;
 *  - non-match: every stray tag except the memory's own faults (at most one of the mode's
 *    random tags passes), at a live stack's vmalloc address, at its linear alias, and at a live
 *    PTE table page, fresh from boot or recycled from a tagged allocation;
 *  - poison tag: a 0xFE-tagged pointer faults — the seed's parenthetical says it does not
 *    under the skip policies, where the memory keeps the poison tag; shown on recycled pages.
 * Generic KASAN has no tags: the tag claims are n/a there.
 */
import { makePtr, ptrOffset, TAG_KERNEL } from "../../../arch/pointer.js";
import { pfnToOffset, PAGE_SIZE } from "../../../mm/memory-layout.js";
import type { Kernel } from "../../../kernel/kernel.js";
import type { Processes } from "../../../kernel/processes.js";
import type { CoverageEnv, ScenarioEntry } from "../catalog-entry.js";
import { bootForCoverage } from "../boot.js";
import type { SeedResult } from "../outcome.js";
import { describeSweep, sweepTags, type TagSweep } from "../tag-probe.js";
import { processWithPteTable, recyclePages } from "./pgtables.js";

type Target = "stack" | "stack-linear" | "pgtable";

interface Located {
  k: Kernel;
  /** Untagged address of the probed granule. */
  offset: number;
  what: string;
}

function liveStack(procs: Processes): { offset: number; pfn: number } {
  const parent = procs.spawn("victim");
  const th = procs.createThread(parent);
  if (th.stack === null) throw new Error("claim: the new thread has no stack");
  procs.tasks.switchTo(parent);
  return { offset: ptrOffset(th.stack.base), pfn: procs.k.vmalloc.vmallocToPage(th.stack.base) };
}

function locate(env: CoverageEnv, target: Target, recycled: boolean): Located {
  const { k, procs } = bootForCoverage(env);
  if (recycled) recyclePages(k);
  const age = recycled ? "recycled" : "fresh";
  if (target === "pgtable") {
    const { ptePfn } = processWithPteTable(procs);
    return { k, offset: pfnToOffset(ptePfn) + 64, what: `PTE table page (${age})` };
  }
  const s = liveStack(procs);
  if (target === "stack") return { k, offset: s.offset + 64, what: "stack, vmalloc address" };
  return { k, offset: pfnToOffset(s.pfn) + 64, what: `stack, linear alias (${age})` };
}

function matchAll(env: CoverageEnv, target: "stack" | "pgtable"): SeedResult {
  const { k, procs } = bootForCoverage(env);
  const before = k.reports.count;
  const hits: string[] = [];
  const touch = (offset: number, len: number, what: string): void => {
    const p = makePtr(TAG_KERNEL, offset);
    const n = k.reports.count;
    k.access.memset(p, 0, len);
    k.access.read(p + len - 8, 8);
    if (k.reports.count > n) hits.push(what);
  };
  if (target === "stack") {
    const s = liveStack(procs);
    touch(s.offset, procs.stacks.threadSize, "vmalloc address");
    touch(pfnToOffset(s.pfn), PAGE_SIZE, "linear alias");
  } else {
    const { task, ptePfn } = processWithPteTable(procs);
    touch(pfnToOffset(ptePfn), PAGE_SIZE, "PTE page");
    touch(pfnToOffset((task.mm ?? { pt: { pgdPfn: ptePfn } }).pt.pgdPfn), PAGE_SIZE, "PGD page");
  }
  const n = k.reports.count - before;
  return { kind: "claim", holds: n === 0, detail: n === 0 ? "no 0xFF access faulted" : `0xFF access faulted at ${hits.join(", ")}` };
}

function sweepClaim(env: CoverageEnv, target: Target, recycled: boolean, check: (s: TagSweep) => boolean): SeedResult {
  if (env.mode === "generic") return { kind: "n/a", detail: "generic KASAN has no pointer tags" };
  const { k, offset, what } = locate(env, target, recycled);
  const s = sweepTags(k, offset, 8, true);
  return { kind: "claim", holds: check(s), detail: `${what}: ${describeSweep(s)}` };
}

/** At most the memory's own tag passes. */
const nonMatchFaults = (s: TagSweep): boolean => s.passed.length <= 1;
const poisonFaults = (s: TagSweep): boolean => s.poisonFaults;

export const CLAIM_ENTRIES: readonly ScenarioEntry[] = [
  { id: "claim.match-all-stack", group: "claim", claim: true, title: "match-all (0xFF) accesses to a live thread stack never fault", run: (env) => matchAll(env, "stack") },
  { id: "claim.match-all-pgtable", group: "claim", claim: true, title: "match-all (0xFF) accesses to live page-table pages (PGD, PTE) never fault", run: (env) => matchAll(env, "pgtable") },
  {
    id: "claim.non-match-stack",
    group: "claim",
    claim: true,
    title: "non-match tags fault at a live stack's vmalloc address (all stray tags but the memory's own)",
    run: (env) => sweepClaim(env, "stack", false, nonMatchFaults),
  },
  {
    id: "claim.non-match-stack-linear",
    group: "claim",
    claim: true,
    title: "non-match tags fault at a live stack's linear alias (recycled pages)",
    run: (env) => sweepClaim(env, "stack-linear", true, nonMatchFaults),
  },
  {
    id: "claim.non-match-pgtable",
    group: "claim",
    claim: true,
    title: "non-match tags fault on a live PTE table page (fresh from boot)",
    run: (env) => sweepClaim(env, "pgtable", false, nonMatchFaults),
  },
  {
    id: "claim.non-match-pgtable-recycled",
    group: "claim",
    claim: true,
    title: "non-match tags fault on a live PTE table page (recycled pages)",
    run: (env) => sweepClaim(env, "pgtable", true, nonMatchFaults),
  },
  {
    id: "claim.poison-tag-stack-linear",
    group: "claim",
    claim: true,
    title: "a poison-tag (0xFE) pointer faults at a live stack's linear alias (recycled pages)",
    run: (env) => sweepClaim(env, "stack-linear", true, poisonFaults),
  },
  {
    id: "claim.poison-tag-pgtable",
    group: "claim",
    claim: true,
    title: "a poison-tag (0xFE) pointer faults on a live PTE table page (recycled pages)",
    run: (env) => sweepClaim(env, "pgtable", true, poisonFaults),
  },
];
