/**
 * Where reports go: an in-order list the run can read afterwards plus an optional listener
 * (report formatters, the web UI, KUnit expectations). `panicked` records the first panic a
 * report caused (kasan.fault=panic, panic_on_warn); the kernel facade decides what to do.
 */
import type { KasanReportEvent } from "./event.js";

export type KasanReportListener = (e: KasanReportEvent) => void;

export class KasanReportSink {
  readonly events: KasanReportEvent[] = [];
  listener: KasanReportListener | undefined = undefined;
  panicked: string | undefined = undefined;

  push(e: KasanReportEvent): void {
    this.events.push(e);
    if (e.panic !== undefined && this.panicked === undefined) this.panicked = e.panic;
    if (this.listener !== undefined) this.listener(e);
  }

  /** Number of reports so far. */
  get count(): number {
    return this.events.length;
  }

  clear(): void {
    this.events.length = 0;
    this.panicked = undefined;
  }
}
