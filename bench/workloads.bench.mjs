// Seed 001's workloads at full scale (against the built dist/; `npm run build` first), hw_tags,
// policies baseline and seed-series: thread mode 2000 iterations × 2000 threads (target ≤ 2 s per
// policy) and pgtable mode 2048 MiB × 2000 forks (target ≤ 5 s per policy), 2 CPUs, with the
// steady-state fast-forward; peak RSS of the process afterwards. Set KASAN_SIM_BENCH_CPUS=1 to
// measure the single-CPU configuration.
import { runPolicy } from "../dist/workloads/bench-run.js";
import { threadMode } from "../dist/workloads/thread/thread-mode.js";
import { pgtableMemoryBytes, pgtableMode } from "../dist/workloads/pgtable/pgtable-mode.js";

const CPUS = Number(process.env.KASAN_SIM_BENCH_CPUS ?? 2);

export async function bench(report) {
  for (const policy of ["baseline", "seed-series"]) {
    let t0 = performance.now();
    const t = runPolicy({ mode: "hw_tags", seed: 1, cpus: CPUS }, policy, threadMode({ iterations: 2000, threads: 2000, lifetime: "overlap" }));
    report({ name: `thread 2000x2000 ${policy} (${t.fastForward.simulated} simulated)`, value: (performance.now() - t0) / 1000, unit: "s", target: 2, better: "lower" });
    t0 = performance.now();
    const p = runPolicy({ mode: "hw_tags", seed: 1, cpus: CPUS, memoryBytes: pgtableMemoryBytes(2048) }, policy, pgtableMode({ iterations: 2000, sizeMb: 2048 }));
    report({ name: `pgtable 2048MiBx2000 ${policy} (${p.fastForward.simulated} simulated)`, value: (performance.now() - t0) / 1000, unit: "s", target: 5, better: "lower" });
  }
  report({ name: "workloads: peak RSS", value: process.resourceUsage().maxRSS / 1024, unit: "MiB", better: "lower" });
}
