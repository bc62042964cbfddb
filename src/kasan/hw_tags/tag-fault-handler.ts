/**
 * What arm64 does with an MTE tag check fault taken in the kernel, from the KASAN side — the
 * TagFaultHandler registered on the arch model:
 *   sync   do_tag_recovery → report_tag_fault → kasan_report(addr, 0, is_write, pc): size 0
 *          because ESR_EL1's access size is not reliable for tag check faults, so the report
 *          reads "Write at addr …" without "of size N"; the arch then sets TCF = NONE on this CPU
 *   async  mte_check_tfsr_el1 found TFSR_EL1.TF1 set (and cleared it) → kasan_report_async()
 * While a report runs, `reportingCpu` names the CPU it runs on (preemption is disabled there),
 * so the backend can set PSTATE.TCO on that CPU for the duration of the report.
 */
import type { Ptr } from "../../arch/pointer.js";
import type { AsyncTagFault, SyncTagFault, TagFaultHandler } from "../../arch/index.js";

/** The reporting entry points the handler calls (KasanReporter satisfies it). */
export interface HwTagsReportTarget {
  /** kasan_report(): true if a report was produced. */
  report(addr: Ptr, size: number, isWrite: boolean, ip: number): boolean;
  /** kasan_report_async(). */
  reportAsync(): void;
}

export class HwTagsFaultHandler implements TagFaultHandler {
  /** The CPU whose fault is being reported, or −1 outside a fault report. */
  reportingCpu = -1;
  /** Whether the last synchronous fault produced a report (kasan_report's return value). */
  lastSyncReported = false;

  constructor(private readonly reporter: HwTagsReportTarget) {}

  /** report_tag_fault(). */
  syncFault(fault: SyncTagFault): void {
    this.reportingCpu = fault.cpu;
    try {
      this.lastSyncReported = this.reporter.report(fault.addr, 0, fault.isWrite, fault.ip);
    } finally {
      this.reportingCpu = -1;
    }
  }

  /** The kasan_report_async() call of mte_check_tfsr_el1(). */
  asyncFault(fault: AsyncTagFault): void {
    this.reportingCpu = fault.cpu;
    try {
      this.reporter.reportAsync();
    } finally {
      this.reportingCpu = -1;
    }
  }
}
