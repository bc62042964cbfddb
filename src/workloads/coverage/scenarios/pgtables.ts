/**
 * Page-table scenarios (issue 5; seed 001 patch 3). A user PTE table page comes from
 * pagetable_alloc(GFP_PGTABLE_USER); the MMU walks it by physical address and the kernel's
 * walkers reach it through __va() (match-all), while ptdesc_address()/page_address() carry the
 * page's KASAN tag. Scenarios:
 *  - a forged-tag read of a live PTE table page through the linear map, the page fresh from
 *    boot or recycled (the allocator's free lists first filled with pages a tagged allocation
 *    freed, i.e. poisoned with 0xFE, as on a system that has run a while);
 *  - a use-after-free of the PTE table page after the process exited and the table was freed
 *    (after the mmu_gather batch's grace period), through the ptdesc_address() pointer and
 *    through the __va() pointer.
 */
import { makePtr, ptrTag, TAG_KERNEL } from "../../../arch/pointer.js";
import { GFP_KERNEL } from "../../../mm/gfp.js";
import { pfnToOffset } from "../../../mm/memory-layout.js";
import type { Kernel } from "../../../kernel/kernel.js";
import type { Processes } from "../../../kernel/processes.js";
import type { Task } from "../../../kernel/task.js";
import type { CoverageEnv, ScenarioEntry } from "../catalog-entry.js";
import { bootForCoverage } from "../boot.js";
import type { SeedResult } from "../outcome.js";
import { describeSweep, hex2, probeAccess, sweepChance, sweepTags } from "../tag-probe.js";

const ACCESS = 8;
/** Pages a tagged allocation held and freed before the scenario (recycled variant). */
export const RECYCLED_PAGES = 64;
/** The mapping the victim process faults in: one PTE table page. */
export const MAPPING_BYTES = 64 * 1024;

/** alloc_pages(GFP_KERNEL) then __free_pages of RECYCLED_PAGES pages: poisoned on free. */
export function recyclePages(k: Kernel): void {
  const pfns: number[] = [];
  for (let i = 0; i < RECYCLED_PAGES; i++) pfns.push(k.pages.allocPages(GFP_KERNEL, 0));
  for (const pfn of pfns.reverse()) k.pages.freePages(pfn, 0);
}

/** A process with MAPPING_BYTES of faulted anonymous memory; returns its PTE table page. */
export function processWithPteTable(procs: Processes): { task: Task; ptePfn: number } {
  const task = procs.spawn("victim");
  const mm = task.mm;
  if (mm === null) throw new Error("pgtable scenario: spawned process has no mm");
  const addr = procs.mm.mmapAnon(mm, MAPPING_BYTES);
  procs.mm.populate(mm, addr, MAPPING_BYTES);
  const first = mm.pt.pte.values().next();
  if (first.done === true) throw new Error("pgtable scenario: no PTE table after the faults");
  return { task, ptePfn: first.value.pfn };
}

function forgedRead(env: CoverageEnv, recycled: boolean): SeedResult {
  const { k, procs } = bootForCoverage(env);
  if (recycled) recyclePages(k);
  const { ptePfn } = processWithPteTable(procs);
  const s = sweepTags(k, pfnToOffset(ptePfn) + 8 * 7, ACCESS, false);
  return { kind: "bug", chance: sweepChance(s), detail: `PTE page tag ${hex2(k.memmap.kasanTag(ptePfn))}: ${describeSweep(s)}` };
}

function useAfterFree(env: CoverageEnv, via: "ptdesc" | "va"): SeedResult {
  const { k, procs } = bootForCoverage(env);
  const reader = procs.spawn("reader");
  const { task, ptePfn } = processWithPteTable(procs);
  const stale = via === "ptdesc" ? k.pages.pageAddress(ptePfn) : makePtr(TAG_KERNEL, pfnToOffset(ptePfn));
  procs.exit(task);
  procs.wait(task);
  // tlb_remove_table_rcu runs after the grace period: the table page is freed.
  procs.rcu.gracePeriod();
  procs.tasks.switchTo(reader);
  const reported = probeAccess(k, stale + 8 * 7, ACCESS, false);
  return { kind: "bug", chance: reported ? 1 : 0, detail: `stale pointer tag ${hex2(ptrTag(stale))}: ${reported ? "reported" : "not reported"}` };
}

export const PGTABLE_ENTRIES: readonly ScenarioEntry[] = [
  {
    id: "pgtable.forged-read",
    group: "pgtable",
    claim: false,
    title: "forged-tag read of a live PTE table page through the linear map (page fresh from boot)",
    run: (env) => forgedRead(env, false),
  },
  {
    id: "pgtable.forged-read-recycled",
    group: "pgtable",
    claim: false,
    title: "forged-tag read of a live PTE table page through the linear map (page recycled from a tagged allocation)",
    run: (env) => forgedRead(env, true),
  },
  {
    id: "pgtable.uaf-ptdesc",
    group: "pgtable",
    claim: false,
    title: "use-after-free of a freed PTE table page through its ptdesc_address() pointer (page tag)",
    run: (env) => useAfterFree(env, "ptdesc"),
  },
  {
    id: "pgtable.uaf-va",
    group: "pgtable",
    claim: false,
    title: "use-after-free of a freed PTE table page through a __va() pointer (match-all, as page-table walkers use)",
    run: (env) => useAfterFree(env, "va"),
  },
];
