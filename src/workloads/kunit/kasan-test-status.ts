/**
 * The KASAN suite's harness (mm/kasan/kasan_test_c.c): test_status fed by a console probe —
 * `report_found` when a line contains "BUG: KASAN: ", `async_fault` when one contains
 * "Asynchronous fault: " — and KUNIT_EXPECT_KASAN_FAIL():
 *   expect no pending report → run the expression → if async faults are possible,
 *   kasan_force_async_fault() (check TFSR_EL1 now) → fail the case if no report was seen →
 *   under HW_TAGS with sync faults possible, re-arm tag checking on this CPU
 *   (kasan_enable_hw_tags()) if the report was not an async one → clear both flags.
 * suite_init (kasan_suite_init) refuses to run without KASAN and enables multi-shot for the
 * suite (kasan_save_enable_multi_shot); suite_exit restores it.
 */
import { HwTagsBackend } from "../../kasan/hw_tags/hw-tags-backend.js";
import type { KasanReportEvent } from "../../kasan/report/event.js";
import type { KasanReportListener } from "../../kasan/report/sink.js";
import type { Kernel } from "../../kernel/kernel.js";
import type { KunitTest } from "./kunit-test.js";

export class KasanTestStatus {
  reportFound = false;
  asyncFault = false;
  /** Every report of the run, in order, with the case it happened in. */
  readonly events: { test: string; event: KasanReportEvent }[] = [];
  private multishot = false;
  private prevListener: KasanReportListener | undefined = undefined;
  current: KunitTest | undefined = undefined;

  constructor(
    private readonly k: Kernel,
    /** Prints a report's lines into the console, where the kernel prints them. */
    private readonly printReport: (e: KasanReportEvent) => void,
  ) {}

  /** kasan_suite_init(): false (and the kernel's pr_err) when KASAN is disabled. */
  suiteInit(log: (line: string) => void): boolean {
    const reporter = this.k.kasan.reporter;
    if (!this.k.kasan.hooks.enabled || reporter === undefined) {
      log("kasan: test: Can't run KASAN tests with KASAN disabled");
      return false;
    }
    // kasan_kunit_test_suite_start(): reports no longer fail whichever KUnit test is running.
    this.multishot = reporter.saveEnableMultiShot();
    const sink = this.k.reports;
    this.prevListener = sink.listener;
    sink.listener = (e) => {
      this.prevListener?.(e);
      this.printReport(e);
      this.events.push({ test: this.current?.name ?? "", event: e });
      // probe_console(): the "BUG: KASAN: " line, then for async reports "Asynchronous fault: ".
      this.reportFound = true;
      if (e.type === "async") this.asyncFault = true;
    };
    return true;
  }

  /** kasan_suite_exit(). */
  suiteExit(): void {
    this.k.kasan.reporter?.restoreMultiShot(this.multishot);
    this.k.reports.listener = this.prevListener;
  }

  private hwTags(): HwTagsBackend | undefined {
    const b = this.k.kasan.backend;
    return b instanceof HwTagsBackend ? b : undefined;
  }

  /** KUNIT_EXPECT_KASAN_FAIL(test, expression). */
  expectKasanFail(test: KunitTest, exprText: string, expression: () => unknown, asyncCheckSite?: number): void {
    const hw = this.hwTags();
    const syncPossible = hw !== undefined && hw.syncFaultPossible;
    test.expect(!this.reportFound, "Expected READ_ONCE(test_status.report_found) to be false, but is true");
    expression();
    if (hw !== undefined && hw.asyncFaultPossible) {
      // kasan_force_async_fault() → mte_check_tfsr_el1(), called from the test function.
      const ctx = this.k.ctx;
      const check = () => ctx.call(ctx.kallsyms.callSite("kasan_force_async_fault", "mte_check_tfsr_el1"), () => hw.forceAsyncFault(ctx.cpu));
      if (asyncCheckSite !== undefined) ctx.call(asyncCheckSite, check);
      else check();
    }
    if (!this.reportFound) test.fail(`${"    "}KASAN failure expected in "${exprText}", but none occurred`);
    if (hw !== undefined && syncPossible && this.reportFound && !this.asyncFault) hw.enableHwTags(this.k.ctx.cpu);
    this.reportFound = false;
    this.asyncFault = false;
  }

  /** kasan_test_exit(): no report may be left over when a case ends. */
  testExit(test: KunitTest): void {
    test.expect(!this.reportFound, "Expected READ_ONCE(test_status.report_found) to be false, but is true");
  }
}
