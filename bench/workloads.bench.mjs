// Seed 001's workloads at full scale (against the built dist/; `npm run build` first), hw_tags,
// policies baseline and seed-series: thread mode 2000 iterations × 2000 threads (target ≤ 2 s per
// policy) and pgtable mode 2048 MiB × 2000 forks (target ≤ 5 s per policy), 2 CPUs, with the
// steady-state fast-forward; each row says how many iterations were simulated and how many
// extrapolated. Wall time carries the target; the process CPU time of the same run is printed
// next to it (on a shared, loaded machine wall time includes waiting for a core). Peak RSS of the
// process afterwards. Set KASAN_SIM_BENCH_CPUS=1 to measure the single-CPU configuration, and
// KASAN_SIM_BENCH_MODES=pgtable (or thread) to run one mode only.
//
// Fast-forward accuracy: thread mode at 2000 threads × 200 iterations, fast-forwarded against an
// exact run of the same, for both lifetimes (overlap becomes periodic; serial falls back to the
// mean). Reports how many counters that the fast-forward calls exact differ from the exact run
// (target 0) and the largest relative error of the counters it lists as estimated. Set
// KASAN_SIM_BENCH_VALIDATE=0 to skip (it simulates ~250 iterations exactly).
import { runPolicy } from "../dist/workloads/bench-run.js";
import { threadMode } from "../dist/workloads/thread/thread-mode.js";
import { pgtableMemoryBytes, pgtableMode } from "../dist/workloads/pgtable/pgtable-mode.js";
import { COUNTER_NAMES, ORIGINS } from "../dist/cost/counters.js";

const CPUS = Number(process.env.KASAN_SIM_BENCH_CPUS ?? 2);
const MODES = (process.env.KASAN_SIM_BENCH_MODES ?? "thread,pgtable").split(",");
const VALIDATE = process.env.KASAN_SIM_BENCH_VALIDATE !== "0";

/** Compare a fast-forwarded run with an exact one: mismatches among exact counters, worst error among estimated. */
function compareRuns(ff, exact) {
  const estimated = new Set(ff.fastForward.estimated.map((e) => e.counter));
  let mismatches = 0;
  let worst = 0;
  let worstName = "-";
  for (const name of COUNTER_NAMES) {
    let a = 0;
    let b = 0;
    for (const o of ORIGINS) {
      const x = ff.counters.byOrigin[o][name];
      const y = exact.counters.byOrigin[o][name];
      a += x;
      b += y;
      if (!estimated.has(name) && x !== y) mismatches++;
    }
    if (estimated.has(name) && b !== 0) {
      const e = Math.abs(a - b) / b;
      if (e > worst) [worst, worstName] = [e, name];
    }
  }
  return { mismatches, worst, worstName };
}

function timed(fn) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = fn();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { r, wall, cpu: (c.user + c.system) / 1e6 };
}

function ffNote(ff) {
  return ff.extrapolated > 0 ? `${ff.simulated} simulated, ${ff.extrapolated} extrapolated` : `all ${ff.simulated} simulated`;
}

export async function bench(report) {
  for (const policy of ["baseline", "seed-series"]) {
    if (MODES.includes("thread")) {
      const t = timed(() => runPolicy({ mode: "hw_tags", seed: 1, cpus: CPUS }, policy, threadMode({ iterations: 2000, threads: 2000, lifetime: "overlap" })));
      report({ name: `thread 2000x2000 ${policy} (${ffNote(t.r.fastForward)})`, value: t.wall, unit: "s", target: 2, better: "lower" });
      report({ name: `thread 2000x2000 ${policy}: CPU time`, value: t.cpu, unit: "s", better: "lower" });
    }
    if (MODES.includes("pgtable")) {
      const p = timed(() => runPolicy({ mode: "hw_tags", seed: 1, cpus: CPUS, memoryBytes: pgtableMemoryBytes(2048) }, policy, pgtableMode({ iterations: 2000, sizeMb: 2048 })));
      report({ name: `pgtable 2048MiBx2000 ${policy} (${ffNote(p.r.fastForward)})`, value: p.wall, unit: "s", target: 5, better: "lower" });
      report({ name: `pgtable 2048MiBx2000 ${policy}: CPU time`, value: p.cpu, unit: "s", better: "lower" });
    }
  }
  if (VALIDATE && MODES.includes("thread")) {
    for (const lifetime of ["overlap", "serial"]) {
      const body = threadMode({ iterations: 200, threads: 2000, lifetime });
      const params = { mode: "hw_tags", seed: 1, cpus: CPUS };
      const ff = runPolicy(params, "baseline", body);
      const exact = runPolicy({ ...params, exact: true }, "baseline", body);
      const c = compareRuns(ff, exact);
      report({ name: `ff check thread ${lifetime} 2000x200 (${ff.fastForward.method}): exact counters differing`, value: c.mismatches, unit: "counters", target: 0, better: "lower" });
      report({ name: `ff check thread ${lifetime} 2000x200: worst estimated (${c.worstName})`, value: 100 * c.worst, unit: "% error", better: "lower" });
    }
  }
  report({ name: "workloads: peak RSS", value: process.resourceUsage().maxRSS / 1024, unit: "MiB", better: "lower" });
}
