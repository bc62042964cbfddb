/**
 * Run the KASAN KUnit suite on a booted kernel the way lib/kunit does: the executor's KTAP
 * header, suite_init, then for each case (after kunit.filter_glob) a `kunit_try_catch` kthread
 * on CPU 0 that runs the case, and a second one that runs the suite's exit hook
 * (kasan_test_exit), then the result line; suite_exit, the stats lines and the suite result.
 * Every line goes to `out` as it is printed (reports inline, where they happen).
 */
import type { KernelConfig } from "../../config/kconfig.js";
import type { KasanReportEvent } from "../../kasan/report/event.js";
import type { Kernel } from "../../kernel/kernel.js";
import type { KasanKunitCase } from "./cases/case.js";
import { globMatch, type KunitFilter } from "./filter-glob.js";
import { KasanTestContext, KASAN_TEST_MODULE, registerKasanTestGlobals } from "./kasan-test-context.js";
import { KasanTestStatus } from "./kasan-test-status.js";
import { ktapCaseResult, ktapCaseSpeed, ktapHeader, ktapSuiteEnd, ktapSuiteHeader, type KtapCounts, KUNIT_INDENT } from "./ktap.js";
import { KunitAbort, type KunitStatus, KunitTest } from "./kunit-test.js";
import { formatKasanReport } from "../../kasan/report/format/text.js";
import { reportFormatEnv } from "../../kernel/report-env.js";
import { TAINT_TEST } from "../../kernel/dump-stack.js";
import type { ReportFormatEnv } from "../../kasan/report/format/env.js";
import { KASAN_KUNIT_TEST_CASES, KASAN_SUITE_NAME } from "./suite.js";

/** Prints one report as console lines. */
export type ReportFormatter = (e: KasanReportEvent) => string[];

/** pid of the first case's kunit_try_catch kthread (each case uses two: the case and its exit hook). */
export const FIRST_KUNIT_PID = 37;

export interface KunitCaseResult {
  number: number;
  name: string;
  status: KunitStatus;
  /** The `# SKIP` reason. */
  skipReason?: string;
  failures: string[];
  /** pid of the case's kthread. */
  pid: number;
  reports: KasanReportEvent[];
}

export interface KunitRunResult {
  suite: string;
  /** false when suite_init refused (KASAN disabled). */
  initialized: boolean;
  cases: KunitCaseResult[];
  counts: KtapCounts;
  ok: boolean;
  lines: string[];
}

export interface KunitRunOptions {
  /** The build's gates (default: the kernel's own configuration, k.config). */
  config?: KernelConfig;
  filter?: KunitFilter;
  /** Report text printer (default: the kernel-format report, src/kasan/report/format). */
  formatReport?: ReportFormatter;
  /** Called with each console line as it is printed (besides collecting them). */
  onLine?: (line: string) => void;
  /** Called after each case (progress). */
  onCase?: (done: number, total: number) => void;
  /** Cases to run instead of the suite's (tests). */
  cases?: readonly KasanKunitCase[];
}

/** The cases kunit.filter_glob leaves, in order; none if the suite glob does not match. */
export function filterCases(cases: readonly KasanKunitCase[], filter: KunitFilter | undefined): KasanKunitCase[] | undefined {
  if (filter === undefined) return cases.slice();
  if (!globMatch(filter.suiteGlob, KASAN_SUITE_NAME)) return undefined;
  const g = filter.testGlob;
  return g === undefined ? cases.slice() : cases.filter((c) => globMatch(g, c.name));
}

export function runKasanKunit(k: Kernel, opts: KunitRunOptions): KunitRunResult {
  const cfg = opts.config ?? k.config;
  const lines: string[] = [];
  const log = (line: string): void => {
    lines.push(line);
    opts.onLine?.(line);
  };
  // kunit_run_tests() taints the kernel (TAINT_TEST, 'N') before the first case runs.
  let live: KasanTestContext | undefined;
  const module: { globals?: ReturnType<typeof registerKasanTestGlobals> } = {};
  const env: ReportFormatEnv = {
    ...reportFormatEnv(k, { baseTaint: 1 << TAINT_TEST }),
    describeVariable: (addr) => (module.globals === undefined ? undefined : KasanTestContext.describeVariable(module.globals, addr)),
    describeStackAddress: (addr) => live?.describeStackAddress(addr),
  };
  const format = opts.formatReport ?? ((e: KasanReportEvent) => formatKasanReport(e, env));
  const selected = filterCases(opts.cases ?? KASAN_KUNIT_TEST_CASES, opts.filter);
  const counts: KtapCounts = { pass: 0, fail: 0, skip: 0, total: 0 };
  const results: KunitCaseResult[] = [];
  if (selected === undefined) {
    // No suite left after filtering: the executor prints an empty plan.
    for (const l of ktapHeader(0)) log(l);
    return { suite: KASAN_SUITE_NAME, initialized: false, cases: results, counts, ok: true, lines };
  }
  for (const l of ktapHeader(1)) log(l);
  for (const l of ktapSuiteHeader(KASAN_SUITE_NAME, KASAN_TEST_MODULE, selected.length)) log(l);

  const status = new KasanTestStatus(k, (e) => {
    for (const l of format(e)) log(l);
  });
  if (!status.suiteInit(log)) {
    log(`${KUNIT_INDENT}# failed to initialize (-1)`);
    log(`not ok 1 ${KASAN_SUITE_NAME}`);
    return { suite: KASAN_SUITE_NAME, initialized: false, cases: results, counts, ok: false, lines };
  }
  // Module init of kasan_test (built in: at boot) registered its globals.
  const registered = registerKasanTestGlobals(k);
  module.globals = registered;
  const ctx = k.ctx;
  const saved = { pid: ctx.pid, comm: ctx.comm, cpu: ctx.cpu, stack: ctx.callStack };
  let pid = FIRST_KUNIT_PID;
  try {
    selected.forEach((c, i) => {
      const test = new KunitTest(c.name, log);
      status.current = test;
      const first = k.reports.count;
      const casePid = pid;
      runInKthread(k, casePid, () => runCase(k, cfg, test, status, registered, c, (t) => (live = t)));
      live = undefined;
      // kunit_run_case_cleanup(): the suite's exit hook in its own kthread.
      runInKthread(k, casePid + 1, () => status.testExit(test));
      pid += 2;
      if (c.slow === true) log(ktapCaseSpeed(c.name));
      log(ktapCaseResult(i + 1, c.name, test.status, test.statusComment));
      counts.total++;
      if (test.status === "success") counts.pass++;
      else if (test.status === "failure") counts.fail++;
      else counts.skip++;
      const r: KunitCaseResult = { number: i + 1, name: c.name, status: test.status, failures: test.failures, pid: casePid, reports: k.reports.events.slice(first) };
      if (test.status === "skipped") r.skipReason = test.statusComment;
      results.push(r);
      opts.onCase?.(i + 1, selected.length);
    });
  } finally {
    status.current = undefined;
    status.suiteExit();
    ctx.pid = saved.pid;
    ctx.comm = saved.comm;
    ctx.cpu = saved.cpu;
    ctx.callStack = saved.stack;
  }
  for (const l of ktapSuiteEnd(KASAN_SUITE_NAME, counts, 1)) log(l);
  return { suite: KASAN_SUITE_NAME, initialized: true, cases: results, counts, ok: counts.fail === 0, lines };
}

/** A kunit_try_catch kthread on CPU 0: kthread → kunit_generic_run_threadfn_adapter → kunit_try_run_case. */
function runInKthread(k: Kernel, pid: number, fn: () => void): void {
  const ctx = k.ctx;
  const ks = ctx.kallsyms;
  ctx.pid = pid;
  ctx.comm = "kunit_try_catch";
  ctx.cpu = 0;
  ctx.callStack = [
    ks.callSite("ret_from_fork", "kthread"),
    ks.callSite("kthread", "threadfn"),
    ks.callSite("kunit_generic_run_threadfn_adapter", "threadfn"),
    ks.callSite("kunit_try_run_case", "run_case"),
  ];
  fn();
}

function runCase(
  k: Kernel,
  cfg: KernelConfig,
  test: KunitTest,
  status: KasanTestStatus,
  globals: ReturnType<typeof registerKasanTestGlobals>,
  c: KasanKunitCase,
  /** The case's context while it runs (the report printer describes its stack). */
  onContext: (t: KasanTestContext) => void,
): void {
  k.ctx.kallsyms.sym(c.name, undefined, KASAN_TEST_MODULE);
  const t = new KasanTestContext(k, cfg, test, status, globals);
  onContext(t);
  try {
    c.run(t);
  } catch (e) {
    if (!(e instanceof KunitAbort)) {
      // The kthread oopsed: kunit reports the case as failed (try faulted).
      test.fail(`try faulted: ${e instanceof Error ? e.message : String(e)}`);
    }
  } finally {
    t.release();
  }
}
