/**
 * `kasan-sim bench thread|pgtable`: seed 001's two benchmarks under one or more policies.
 *   bench thread  --iterations I --threads N [--lifetime overlap|serial]
 *   bench pgtable --iterations I --size-mb M
 * common: --mode, --config FILE, --cmdline "…", --policy a,b (repeatable), --cpus, --seed, --exact,
 * --json (kernel options from src/cli/kernel-options.ts; default mode hw_tags, the seeds' mode).
 */
import { type Command, Option } from "commander";
import { InputError } from "../errors.js";
import { addKernelOptions, kernelOptionsToBoot } from "../kernel-options.js";
import { parsePositiveInt } from "../options.js";
import { resolvePolicies } from "../../policy/policies.js";
import { runPolicy, type KernelParams, type PolicyRun } from "../../workloads/bench-run.js";
import { formatBenchText } from "../../workloads/bench-text.js";
import { buildReportJson, policyCounts } from "../../workloads/report-json.js";
import { pgtableMemoryBytes, pgtableMode } from "../../workloads/pgtable/pgtable-mode.js";
import { threadMode, type ThreadLifetime } from "../../workloads/thread/thread-mode.js";

interface BenchOpts {
  mode?: string;
  config?: string;
  cmdline?: string;
  seed?: string;
  policy: string[];
  cpus: string;
  exact?: boolean;
  json?: boolean;
  iterations: string;
  threads?: string;
  lifetime?: string;
  sizeMb?: string;
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

function common(cmd: Command): Command {
  return addKernelOptions(cmd, "hw_tags")
    .option("--policy <list>", "policy or comma list; repeatable to compare", collect, [] as string[])
    .option("--cpus <n>", "online CPUs", "2")
    .option("--exact", "simulate every iteration (no fast-forward)")
    .option("--json", "print the shared JSON shape");
}

function policySpecs(list: string[]): string[] {
  const specs = list.length === 0 ? ["baseline"] : list.flatMap((s) => s.split(",").map((x) => x.trim()).filter((x) => x.length > 0));
  for (const s of specs) {
    try {
      resolvePolicies(s);
    } catch (e) {
      throw new InputError(`--policy: ${(e as Error).message}`);
    }
  }
  return specs;
}

function progressBar(label: string): ((d: number, t: number) => void) | undefined {
  if (process.stderr.isTTY !== true) return undefined;
  let last = -1;
  return (d, t) => {
    const pct = Math.floor((100 * d) / t);
    if (pct === last) return;
    last = pct;
    const w = 30;
    const f = Math.round((w * d) / t);
    process.stderr.write(`\r${label} [${"#".repeat(f)}${".".repeat(w - f)}] ${pct}%${d === t ? "\n" : ""}`);
  };
}

function run(kind: "thread" | "pgtable", o: BenchOpts): void {
  const { boot, configWarnings } = kernelOptionsToBoot(o, { defaultMode: "hw_tags" });
  const { mode, seed, cmdline, config } = boot;
  const iterations = parsePositiveInt("--iterations", o.iterations);
  const cpus = parsePositiveInt("--cpus", o.cpus);
  const specs = policySpecs(o.policy);
  for (const w of configWarnings) process.stderr.write(`config: ${w}\n`);
  let workload: Record<string, unknown>;
  let units: number;
  let unitName: string;
  let params: KernelParams = { mode, cmdline, config, seed, cpus, exact: o.exact === true, stacks: boot.stacks, stackDepot: boot.stackDepot };
  let body;
  if (kind === "thread") {
    const threads = parsePositiveInt("--threads", o.threads ?? "2000");
    const lifetime = o.lifetime ?? "overlap";
    if (lifetime !== "overlap" && lifetime !== "serial") throw new InputError(`--lifetime: expected overlap or serial, got "${lifetime}"`);
    workload = { name: "thread", iterations, threads, lifetime, cpus, seed, exact: o.exact === true, stacks: boot.stacks ?? "unwinder", stackDepot: boot.stackDepot ?? true };
    body = threadMode({ iterations, threads, lifetime: lifetime as ThreadLifetime });
    units = iterations * threads;
    unitName = "thread";
  } else {
    const sizeMb = parsePositiveInt("--size-mb", o.sizeMb ?? "2048");
    workload = { name: "pgtable", iterations, sizeMb, cpus, seed, exact: o.exact === true, stacks: boot.stacks ?? "unwinder", stackDepot: boot.stackDepot ?? true };
    params = { ...params, memoryBytes: pgtableMemoryBytes(sizeMb) };
    body = pgtableMode({ iterations, sizeMb });
    units = iterations;
    unitName = "fork";
  }
  const runs: Record<string, PolicyRun> = {};
  for (const spec of specs) runs[spec] = runPolicy(params, spec, body, progressBar(`${kind} ${spec}`));
  const policies = Object.fromEntries(Object.entries(runs).map(([n, r]) => [n, policyCounts(r.counters, { fastForward: r.fastForward, warnings: r.warnings })]));
  const report = buildReportJson(workload, mode, policies);
  if (o.json === true) {
    process.stdout.write(JSON.stringify(report, null, 2) + "\n");
    return;
  }
  for (const [n, r] of Object.entries(runs)) {
    for (const w of r.warnings) process.stdout.write(`warning (${n}): ${w}\n`);
    const f = r.fastForward;
    if (f.method === "periodic") {
      process.stdout.write(`${n}: simulated ${f.simulated} iterations exactly; periodic (period ${f.period}) from iteration ${f.confirmedAfter - 3 * f.period}, so the other ${f.extrapolated} were added period by period (use --exact to simulate all)\n`);
    } else if (f.method === "mean") {
      process.stdout.write(`${n}: simulated ${f.simulated} iterations exactly; no period found, so the other ${f.extrapolated} were estimated from the mean of the last ${f.estimated[0]?.window ?? 0} (use --exact to simulate all)\n`);
    } else {
      process.stdout.write(`${n}: simulated all ${f.simulated} iterations exactly\n`);
    }
    for (const e of f.estimated) {
      process.stdout.write(`${n}:   estimated: ${e.counter} (${fmtNum(e.meanPerIteration)} per iteration, range ${e.min}–${e.max} over ${e.window} iterations)\n`);
    }
    if (f.method === "periodic") process.stdout.write(`${n}:   every counter not listed as estimated is exact\n`);
    if (f.method === "mean") process.stdout.write(`${n}:   counters not listed were constant per iteration over the window and are extrapolated as such\n`);
  }
  process.stdout.write(formatBenchText(report, unitName, units));
}

export function register(program: Command): void {
  const bench = program.command("bench").description("seed 001's benchmarks: thread mode and pgtable mode");
  common(
    bench
      .command("thread")
      .description("the parent forks a child that creates N threads, I times")
      .option("--iterations <n>", "iterations", "2000")
      .option("--threads <n>", "threads per iteration", "2000")
      .addOption(new Option("--lifetime <how>", "overlap: create all, then join all; serial: each exits before the next").default("overlap")),
  ).action((o: BenchOpts) => run("thread", o));
  common(
    bench
      .command("pgtable")
      .description("the parent maps and faults --size-mb of anonymous memory, then forks I times")
      .option("--iterations <n>", "forks", "2000")
      .option("--size-mb <n>", "MiB mapped and faulted by the parent", "2048"),
  ).action((o: BenchOpts) => run("pgtable", o));
}

function fmtNum(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}
