import { describe, expect, it } from "vitest";
import { runPolicy } from "./bench-run.js";
import { pgtableMode } from "./pgtable/pgtable-mode.js";
import { policyCounts, buildReportJson } from "./report-json.js";
import { ORIGINS } from "../cost/counters.js";

describe("fast-forward of a periodic workload", () => {
  it("exact and fast-forwarded pgtable runs give identical counters (tag values never change a count)", () => {
    const params = { mode: "hw_tags" as const, seed: 11, cpus: 1 };
    const body = pgtableMode({ iterations: 40, sizeMb: 8 });
    const exact = runPolicy({ ...params, exact: true }, "baseline", body);
    const ff = runPolicy(params, "baseline", body);
    expect(exact.fastForward.extrapolated).toBe(0);
    expect(ff.fastForward.extrapolated).toBeGreaterThan(0);
    expect(ff.fastForward.simulated + ff.fastForward.extrapolated).toBe(40);
    expect(policyCounts(ff.counters)).toEqual(policyCounts(exact.counters));
    // A different seed draws different tags but the same counts.
    const other = runPolicy({ ...params, seed: 12, exact: true }, "baseline", body);
    expect(policyCounts(other.counters)).toEqual(policyCounts(exact.counters));
  });

  it("per fork, seed-series saves exactly the page-table tagging: 2 × 256 granules per table page", () => {
    const params = { mode: "hw_tags" as const, seed: 1, cpus: 1 };
    const body = pgtableMode({ iterations: 10, sizeMb: 8 });
    const base = runPolicy(params, "baseline", body).counters.byOrigin.pageTable;
    const seed = runPolicy(params, "skip-pgtables", body).counters.byOrigin.pageTable;
    // 8 MiB below the 2 MiB-aligned mmap_base: 4 PTE + 1 PMD + 1 PUD + PGD = 7 table pages, for
    // the parent (spawned after boot's counters are reset; tagged once, never freed) and for each
    // of the 10 forks (tagged on alloc and poisoned on free in baseline, neither with skip-pgtables).
    expect(base.pageTableAllocs).toBe(7 + 10 * 7);
    expect(base.granulesTagged - seed.granulesTagged).toBe(7 * 256 + 10 * 7 * 2 * 256);
  });
});

describe("the shared --json shape", () => {
  it("has workload, mode and per-policy total/byOrigin with the stable counters", () => {
    const r = runPolicy({ mode: "hw_tags", seed: 1, cpus: 1 }, "baseline", pgtableMode({ iterations: 2, sizeMb: 1 }));
    const j = buildReportJson({ name: "pgtable" }, "hw_tags", { baseline: policyCounts(r.counters) });
    expect(Object.keys(j)).toEqual(["workload", "mode", "policies"]);
    expect(Object.keys(j.policies.baseline.byOrigin)).toEqual([...ORIGINS]);
    for (const c of ["granulesTagged", "stg", "st2g", "stzg", "stz2g", "dcGva", "dcGzva", "irg", "bytesZeroed", "pageAllocs", "pageFrees", "vmallocs", "vfrees", "stackCacheHits", "rcuCallbacks"]) {
      expect(j.policies.baseline.total).toHaveProperty(c);
    }
    expect(j.policies.baseline.total.pageAllocs).toBe(ORIGINS.reduce((s, o) => s + j.policies.baseline.byOrigin[o].pageAllocs, 0));
  });
});
