/**
 * `kasan-sim run FILE`: boot a kernel (--config/--mode/--cmdline/--seed), run a scenario file
 * (src/workloads/scenario) and print the KASAN reports it raised in kernel text, or with
 * --json `{"reports": [...], "counters": {...}, ...}`. A malformed scenario exits 2 with the
 * file, line, step number and field in the message.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { toRecord } from "../../cost/counters.js";
import type { KasanReportEvent } from "../../kasan/report/event.js";
import { type ReportFormatEnv } from "../../kasan/report/format/env.js";
import { formatKasanReportJson } from "../../kasan/report/format/json.js";
import { formatKasanReport } from "../../kasan/report/format/text.js";
import { bootKernel, type Kernel } from "../../kernel/kernel.js";
import { reportFormatEnv } from "../../kernel/report-env.js";
import { parseScenario, runScenario, ScenarioError, type ScenarioRun } from "../../workloads/scenario/index.js";
import { InputError } from "../errors.js";
import { addKernelOptions, type KernelCliOptions, kernelOptionsToBoot, type KernelOptionsEnv } from "../kernel-options.js";

export interface RunCliOptions extends KernelCliOptions {
  json?: boolean;
}

/** Where the command writes (tests capture it). */
export interface RunIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  readFile: (path: string) => string;
}

const PROCESS_IO: RunIo = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  readFile: (p) => readFileSync(p, "utf8"),
};

export function register(program: Command, io: RunIo = PROCESS_IO): void {
  const cmd = program
    .command("run")
    .description("run a scenario file (YAML or JSON: a name and steps like {op: kmalloc, size: 123, as: p}) and print the KASAN reports it raises")
    .argument("<file>", "scenario file (.yaml, .yml or .json)");
  addKernelOptions(cmd, "generic");
  cmd.option("--json", 'print {"reports": [...], "counters": {...}, "steps": [...]} instead of kernel text');
  cmd.action((file: string, opts: RunCliOptions) => {
    runCommand(file, opts, io);
  });
}

/** The command's work: returns normally on success, throws InputError on bad input. */
export function runCommand(file: string, opts: RunCliOptions, io: RunIo = PROCESS_IO): void {
  const optsEnv: KernelOptionsEnv = { defaultMode: "generic", readFile: io.readFile };
  const { boot, configWarnings } = kernelOptionsToBoot(opts, optsEnv);
  const text = readScenarioFile(file, io.readFile);
  let run: ScenarioRun;
  let k: Kernel;
  try {
    const sc = parseScenario(text, file);
    k = bootKernel(boot);
    run = runScenario(k, sc);
  } catch (e) {
    if (e instanceof ScenarioError) throw new InputError(e.message);
    throw e;
  }
  const warnings = [...configWarnings, ...k.bootWarnings];
  const env = reportFormatEnv(k);
  if (opts.json) {
    io.stdout(JSON.stringify(runToJson(run, k, env, warnings), null, 2) + "\n");
    return;
  }
  for (const w of warnings) io.stderr(`kasan-sim: note: ${w}\n`);
  const out: string[] = [];
  for (const e of run.reports) out.push(...formatKasanReport(e, env));
  if (run.panic !== undefined) out.push(`Kernel panic - not syncing: ${run.panic.message}`);
  if (run.bug !== undefined) out.push(`kernel BUG in step ${run.bug.step} (${run.scenario.steps[run.bug.step - 1].op}): ${run.bug.message}`);
  if (out.length > 0) io.stdout(out.join("\n") + "\n");
  const ran = run.steps.length;
  io.stderr(`kasan-sim: ${run.scenario.name}: ${ran} of ${run.scenario.steps.length} steps run, ${run.reports.length} report${run.reports.length === 1 ? "" : "s"} (mode ${boot.mode}, seed ${boot.seed})\n`);
}

function readScenarioFile(file: string, readFile: (p: string) => string): string {
  try {
    return readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : code === "EACCES" ? "permission denied" : (e as Error).message;
    throw new InputError(`cannot read scenario "${file}": ${why}`);
  }
}

function reportJson(e: KasanReportEvent, env: ReportFormatEnv, step: number): Record<string, unknown> {
  return { step, ...formatKasanReportJson(e, env) };
}

function runToJson(run: ScenarioRun, k: Kernel, env: ReportFormatEnv, warnings: string[]): Record<string, unknown> {
  const stepOf: number[] = [];
  for (const s of run.steps) for (const i of s.reports) stepOf[i] = s.step;
  return {
    scenario: run.scenario.name,
    mode: k.mode,
    seed: k.seed,
    reports: run.reports.map((e, i) => reportJson(e, env, stepOf[i])),
    counters: toRecord(k.counters.total()),
    steps: run.steps,
    panic: run.panic ?? null,
    bug: run.bug ?? null,
    warnings,
  };
}
