/**
 * Seed 002's review case (Dev Jain / Ryan Roberts): a caller that passes GFP_HIGHUSER_MOVABLE
 * to __vmalloc carries __GFP_SKIP_KASAN without asking for it. In 6.12 vmalloc ignores the
 * flag for the area (hw_tags: maps Normal-Tagged and kasan_unpoison_vmalloc tags it); with
 * vmalloc-skip-kasan (v2) or its v1 the area is mapped untagged and returned with a match-all
 * pointer. The scenarios: an out-of-bounds write just past the allocation (inside its last
 * page: the in-page redzone), a use-after-free through the old pointer once the area was
 * vfree'd, purged and its address reused by another vmalloc, and the claim that in-bounds
 * accesses through the returned pointer still work.
 */
import { ptrOffset, ptrTag } from "../../../arch/pointer.js";
import { GFP_HIGHUSER_MOVABLE } from "../../../mm/gfp.js";
import type { Kernel } from "../../../kernel/kernel.js";
import type { CoverageEnv, ScenarioEntry } from "../catalog-entry.js";
import { bootForCoverage } from "../boot.js";
import type { SeedResult } from "../outcome.js";
import { describeSweep, hex2, probeAccess, staleChance } from "../tag-probe.js";

/** A size that is a multiple of every granule (8, 16) and leaves 512 bytes of the page free. */
export const HIGHUSER_VMALLOC_SIZE = 3584;

function allocHighuser(k: Kernel): number {
  const p = k.vmalloc.__vmalloc(HIGHUSER_VMALLOC_SIZE, GFP_HIGHUSER_MOVABLE, "coverage_vmalloc_highuser");
  if (p === 0) throw new Error("vmalloc scenario: __vmalloc failed");
  return p;
}

function areaState(k: Kernel, p: number): string {
  const vm = k.vmalloc.findVmArea(p);
  const prot = vm === undefined ? "unmapped" : k.mode !== "hw_tags" ? "mapped" : vm.prot === "PAGE_KERNEL_TAGGED" ? "Normal-Tagged" : "untagged";
  return `pointer tag ${hex2(ptrTag(p))}, area ${prot}`;
}

function outOfBounds(env: CoverageEnv): SeedResult {
  const { k } = bootForCoverage(env);
  const p = allocHighuser(k);
  const reported = probeAccess(k, p + HIGHUSER_VMALLOC_SIZE, 1, true);
  return { kind: "bug", chance: reported ? 1 : 0, detail: `${areaState(k, p)}: write at +${HIGHUSER_VMALLOC_SIZE} ${reported ? "reported" : "not reported"}` };
}

function useAfterFreeReused(env: CoverageEnv): SeedResult {
  const { k } = bootForCoverage(env);
  const p = allocHighuser(k);
  const state = areaState(k, p);
  k.vmalloc.vfree(p);
  k.vmalloc.purgeLazy();
  const q = k.vmalloc.vmalloc(HIGHUSER_VMALLOC_SIZE, "coverage_vmalloc_reuse");
  const reused = ptrOffset(q) === ptrOffset(p);
  const r = staleChance(k, p + 64, 8, false, true, ptrOffset(p) + 64);
  return {
    kind: "bug",
    chance: r.chance,
    detail: `${state}; address ${reused ? "reused" : "not reused"} by vmalloc (tag ${hex2(ptrTag(q))}): stale read ${r.reported ? "reported" : "not reported"}; ${describeSweep(r.sweep)}`,
  };
}

function inBounds(env: CoverageEnv): SeedResult {
  const { k } = bootForCoverage(env);
  const p = allocHighuser(k);
  const before = k.reports.count;
  k.access.memset(p, 0, HIGHUSER_VMALLOC_SIZE);
  k.access.read(p + HIGHUSER_VMALLOC_SIZE - 8, 8);
  const n = k.reports.count - before;
  return { kind: "claim", holds: n === 0, detail: `${areaState(k, p)}: ${n === 0 ? "no report" : `${n} report(s)`}` };
}

export const VMALLOC_ENTRIES: readonly ScenarioEntry[] = [
  {
    id: "vmalloc.highuser-oob",
    group: "vmalloc",
    claim: false,
    title: "__vmalloc(GFP_HIGHUSER_MOVABLE): out-of-bounds write just past the allocation",
    run: outOfBounds,
  },
  {
    id: "vmalloc.highuser-uaf-reused",
    group: "vmalloc",
    claim: false,
    title: "__vmalloc(GFP_HIGHUSER_MOVABLE): read through the old pointer after vfree and reuse of the address",
    run: useAfterFreeReused,
  },
  {
    id: "vmalloc.highuser-inbounds",
    group: "vmalloc",
    claim: true,
    title: "__vmalloc(GFP_HIGHUSER_MOVABLE): in-bounds accesses through the returned pointer do not fault",
    run: inBounds,
  },
];
