/**
 * `kasan-sim kunit`: boot a kernel and run Linux 6.12's KASAN KUnit suite on it, printing the
 * console as the kernel would — KTAP with each KASAN report inline — or, with --json, the
 * per-case status and reports. `--filter GLOB` is kunit.filter_glob ("kasan.kmalloc_*").
 * Exits 0 when the run completes (failed cases show as `not ok` lines), 2 on bad input.
 */
import type { Command } from "commander";
import { formatKasanReportJson } from "../../kasan/report/format/json.js";
import { bootKernel } from "../../kernel/kernel.js";
import { reportFormatEnv } from "../../kernel/report-env.js";
import { parseFilterGlob } from "../../workloads/kunit/filter-glob.js";
import { runKasanKunit } from "../../workloads/kunit/run-suite.js";
import { addKernelOptions, type KernelCliOptions, kernelOptionsToBoot } from "../kernel-options.js";

export interface KunitCliOptions extends KernelCliOptions {
  json?: boolean;
  filter?: string;
}

export interface KunitIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Whether stderr is a terminal (progress bar). */
  stderrIsTty: boolean;
  readFile?: (path: string) => string;
}

const PROCESS_IO: KunitIo = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  stderrIsTty: process.stderr.isTTY === true,
};

export function register(program: Command, io: KunitIo = PROCESS_IO): void {
  const cmd = program.command("kunit").description("run the KASAN KUnit suite of Linux 6.12 (72 cases) on the model and print KTAP with the reports inline");
  addKernelOptions(cmd, "generic");
  cmd.option("--filter <glob>", 'kunit.filter_glob: "<suite glob>" or "<suite glob>.<test glob>", e.g. "kasan.kmalloc_*"');
  cmd.option("--json", "print per-case status and reports as JSON instead of KTAP");
  cmd.action((opts: KunitCliOptions) => {
    kunitCommand(opts, io);
  });
}

/** The command's work: throws InputError on bad input. */
export function kunitCommand(opts: KunitCliOptions, io: KunitIo = PROCESS_IO): void {
  const filter = opts.filter === undefined ? undefined : parseFilterGlob(opts.filter);
  const { boot, configWarnings } = kernelOptionsToBoot(opts, { defaultMode: "generic", readFile: io.readFile });
  for (const w of configWarnings) io.stderr(`kasan-sim: note: ${w}\n`);
  const k = bootKernel(boot);
  for (const w of k.bootWarnings) io.stderr(`kasan-sim: note: ${w}\n`);
  const progress = io.stderrIsTty
    ? (done: number, total: number) => {
        const width = 30;
        const n = Math.round((done / total) * width);
        io.stderr(`\r[${"#".repeat(n)}${" ".repeat(width - n)}] ${done}/${total}${done === total ? "\n" : ""}`);
      }
    : undefined;
  const r = runKasanKunit(k, {
    filter,
    onLine: opts.json === true ? undefined : (l) => io.stdout(l + "\n"),
    onCase: progress,
  });
  if (opts.json !== true) return;
  const env = reportFormatEnv(k);
  const out = {
    mode: boot.mode,
    seed: boot.seed,
    suite: r.suite,
    initialized: r.initialized,
    ok: r.ok,
    totals: r.counts,
    cases: r.cases.map((c) => ({
      number: c.number,
      name: c.name,
      status: c.status === "success" ? "ok" : c.status === "failure" ? "not ok" : "skip",
      skipReason: c.skipReason ?? null,
      failures: c.failures,
      pid: c.pid,
      reports: c.reports.map((e) => formatKasanReportJson(e, env)),
    })),
  };
  io.stdout(JSON.stringify(out, null, 2) + "\n");
}
