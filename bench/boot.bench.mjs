// Issue 7 figures: how long one replay of the shipped boot trace (data/traces/trace-boot.txt.gz,
// 69,423 events, inflated streaming) takes per KASAN mode — target ≤ 1.5 s each, so that
// `kasan-sim reproduce` fits in its 60 s — and the whole set reproduce needs: seed 003's four modes
// plus seed 004's five stack flavours × {generic, hw_tags}, 14 runs fed from one pass over the
// trace. Each figure is the best of 3 (wall time; CPU time of the same run beside it), measured
// against the built dist/ in one process after one untimed warm-up run.
import { fileURLToPath } from "node:url";
import { runBoot, runBoots } from "../dist/workloads/boot/run-boot.js";

function cpuNow() {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
}

async function best(n, fn) {
  let wall = Infinity;
  let cpu = Infinity;
  for (let i = 0; i < n; i++) {
    const c0 = cpuNow();
    const t0 = performance.now();
    await fn();
    wall = Math.min(wall, (performance.now() - t0) / 1000);
    cpu = Math.min(cpu, cpuNow() - c0);
  }
  return { wall, cpu };
}

export const SEED_004_FLAVOURS = [{ stacks: "none" }, { stacks: "unwinder" }, { stackDepot: false }, { stacks: "scs" }, { stacks: "scs-noscs" }];

export async function bench(report) {
  await runBoot({ mode: "hw_tags", seed: 1 });
  for (const mode of ["off", "hw_tags", "sw_tags", "generic"]) {
    const t = await best(3, () => runBoot({ mode, seed: 1 }));
    report({ name: `boot replay ${mode} (69,423 events)`, value: t.wall, unit: "s", target: 1.5, better: "lower" });
    report({ name: `boot replay ${mode}: CPU time`, value: t.cpu, unit: "s", better: "lower" });
  }
  const specs = [];
  for (const mode of ["off", "hw_tags", "sw_tags", "generic"]) specs.push({ mode, seed: 1 });
  for (const mode of ["generic", "hw_tags"]) for (const f of SEED_004_FLAVOURS) specs.push({ mode, seed: 1, ...f });
  const all = await best(3, () => runBoots(specs));
  report({ name: `boot replays for seeds 003+004 (${specs.length} runs, one pass)`, value: all.wall, unit: "s", better: "lower" });
  report({ name: `boot replays for seeds 003+004: CPU time`, value: all.cpu, unit: "s", better: "lower" });
  report({ name: "boot: peak RSS", value: Math.round(process.resourceUsage().maxRSS / 1024), unit: "MiB", better: "lower" });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await bench((r) => console.log(r.name, r.value, r.unit));
}
