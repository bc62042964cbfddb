import { describe, expect, it } from "vitest";
import { runPolicy } from "./bench-run.js";
import { pgtableMode } from "./pgtable/pgtable-mode.js";
import { policyCounts, buildReportJson } from "./report-json.js";
import { Counters, ORIGINS, type CounterName } from "../cost/counters.js";
import { LAYOUT_COUNTERS, runWithFastForward } from "./steady-state.js";
import { threadMode } from "./thread/thread-mode.js";

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

describe("fast-forward strategies on a synthetic workload", () => {
  // A fake iteration: adds fixed counts, plus a counter that follows a pattern of period 3
  // (vmapPurges: 1, 0, 0), plus buddySplits that drift (the layout counter).
  function periodicStep(c: Counters, drift: (i: number) => number) {
    return (i: number) => {
      const s = c.byOrigin.threadStack;
      s.stg += 256;
      s.vmapPurges += i % 3 === 0 ? 1 : 0;
      s.buddySplits += drift(i);
    };
  }

  it("periodic: every counter but the layout ones is exact; the layout ones use the mean of the simulated periods", () => {
    const c = new Counters();
    // Fingerprint = position in the period: the state repeats every 3 iterations.
    let i0 = 0;
    const step = periodicStep(c, (i) => 10 + (i % 2));
    const r = runWithFastForward(c, (i) => { step(i); i0 = i + 1; }, () => String(i0 % 3), { iterations: 1000, exact: false, minSimulated: 24 });
    expect(r.method).toBe("periodic");
    expect(r.period).toBe(3);
    // Periods of 3 confirmed with three identical periods after iteration 4·3 = 12 at the
    // earliest, then simulated up to minSimulated = 24; 976 remain = 325 whole periods + 1 leftover.
    expect(r.simulated + r.extrapolated).toBe(1000);
    expect(r.extrapolated % 3).toBe(0);
    // stg: 256 per iteration, exact. vmapPurges: iterations 0, 3, …, 999 → 334, exact.
    expect(c.byOrigin.threadStack.stg).toBe(256 * 1000);
    expect(c.byOrigin.threadStack.vmapPurges).toBe(334);
    // buddySplits alternates 10, 11: the window mean over whole periods of 3 is 10.5 ± 1/6,
    // so the total lies within 1000·10.5 ± 1000/6.
    expect(Math.abs(c.byOrigin.threadStack.buddySplits - 10500)).toBeLessThanOrEqual(1000 / 6 + 1);
    expect(r.estimated.map((e) => e.counter)).toEqual(["buddySplits", "buddyMerges"]);
    expect(r.estimated[0].min).toBe(10);
    expect(r.estimated[0].max).toBe(11);
  });

  it("mean: with no period the rest is the mean of the last window, and exactly the varying counters are listed", () => {
    const c = new Counters();
    let n = 0;
    // vmapPurges fires when a running total crosses multiples of 7 while adding 3 per iteration:
    // a threshold pattern; the fingerprint (the running total) never repeats.
    let lazy = 0;
    const step = () => {
      const s = c.byOrigin.threadStack;
      s.stg += 256;
      lazy += 3;
      if (lazy >= 7) { lazy -= 7; s.vmapPurges++; }
      n++;
    };
    const r = runWithFastForward(c, step, () => String(n), { iterations: 448, exact: false, meanAfter: 48, meanWindow: 28 });
    expect(r.method).toBe("mean");
    expect(r.simulated).toBe(48);
    expect(r.extrapolated).toBe(400);
    // stg is constant: exact. vmapPurges: the mean over 28 iterations (4 full cycles of 7, each
    // with 3 purges) is 3/7, so 400 more iterations add 400·3/7 = 171.43 → 171 (rounded); the
    // first 48 iterations (lazy 0→3→6→2(1)…) purged floor(48·3/7) = 20 times.
    expect(c.byOrigin.threadStack.stg).toBe(256 * 448);
    expect(c.byOrigin.threadStack.vmapPurges).toBe(20 + 171);
    expect(r.estimated.map((e) => e.counter)).toEqual(["vmapPurges"]);
    expect(r.estimated[0].meanPerIteration).toBeCloseTo(3 / 7, 10);
  });

  it("--exact simulates everything", () => {
    const c = new Counters();
    let calls = 0;
    const r = runWithFastForward(c, () => { calls++; c.byOrigin.other.forks++; }, () => "same", { iterations: 200, exact: true });
    expect(r).toMatchObject({ method: "exact", simulated: 200, extrapolated: 0, estimated: [] });
    expect(calls).toBe(200);
  });
});

describe("thread mode fast-forward against an exact run", () => {
  it("periodic fast-forward leaves every non-layout counter identical to the exact run", () => {
    // Seed 001's 2000 threads per iteration (40 MiB of stack vmap areas freed lazily per
    // iteration, so the lazy purge comes every other iteration and the state is periodic), over
    // 40 iterations instead of 2000.
    const params = { mode: "hw_tags" as const, seed: 3, cpus: 2 };
    const body = threadMode({ iterations: 40, threads: 2000, lifetime: "overlap" });
    const exact = runPolicy({ ...params, exact: true }, "baseline", body);
    const ff = runPolicy(params, "baseline", body);
    expect(ff.fastForward.method).toBe("periodic");
    expect(ff.fastForward.extrapolated).toBeGreaterThan(0);
    const a = policyCounts(ff.counters);
    const b = policyCounts(exact.counters);
    for (const o of ORIGINS) {
      for (const [name, v] of Object.entries(b.byOrigin[o])) {
        if (LAYOUT_COUNTERS.includes(name as CounterName)) continue;
        expect([o, name, a.byOrigin[o][name as CounterName]]).toEqual([o, name, v]);
      }
    }
  });
});
