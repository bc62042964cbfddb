/**
 * What the report formatters need besides the event: symbols for %pS, the stack depot for the
 * saved stacks, and the pieces of the kernel a report prints but KASAN does not own (the stack
 * dump block, the taint state, dump_page data). The kernel facade builds one with
 * `reportFormatEnv(kernel)` (src/kernel/report-env.ts); tests can pass their own.
 */
import type { Kallsyms } from "../../../lib/kallsyms.js";
import type { KasanReportEvent } from "../event.js";
import type { PageDumpInfo } from "./dump-page.js";

export interface DumpStackRequest {
  cpu: number;
  pid: number;
  comm: string;
  /** tainted_mask at the time the report is printed. */
  taint: number;
  /** Frames below dump_stack_lvl(), innermost first. */
  frames: readonly number[];
}

export interface ReportFormatEnv {
  kallsyms: Kallsyms;
  /** stack_depot_fetch(handle): frames innermost first; empty when unknown. */
  fetchStack(handle: number): readonly number[];
  /** dump_stack_lvl(KERN_ERR): the CPU/PID/Comm/Tainted line, Hardware name, Call trace. */
  dumpStack(req: DumpStackRequest): string[];
  /**
   * tainted_mask when `e` was printed. Default: TAINT_BAD_PAGE once an earlier report was
   * made (end_report() adds it after every report), nothing before.
   */
  taint?(e: KasanReportEvent): number;
  /** dump_page() data of `pfn`; without it the physical page block is left out. */
  describePage?(pfn: number): PageDumpInfo | undefined;
  /** kernel_or_module_addr(): the ` %pS` text of the variable at `addr` (untagged), or undefined. */
  describeVariable?(addr: number): string | undefined;
  /**
   * object_is_on_stack(addr) for the reporting task: the lines kasan_print_address_stack_frame()
   * prints (none outside Generic + KASAN_STACK), or undefined when `addr` is not on that stack.
   */
  describeStackAddress?(addr: number, e: KasanReportEvent): string[] | undefined;
}

/** TAINT_BAD_PAGE ('B'), the taint end_report() adds. */
export const TAINT_BAD_PAGE = 5;

export function taintOf(e: KasanReportEvent, env: ReportFormatEnv): number {
  if (env.taint !== undefined) return env.taint(e);
  return e.seq > 0 ? 1 << TAINT_BAD_PAGE : 0;
}

/** %pS, with the kernel's rendering of a NULL pointer. */
export function formatSymbol(kallsyms: Kallsyms, ip: number): string {
  return ip === 0 ? "0x0" : kallsyms.format(ip);
}
