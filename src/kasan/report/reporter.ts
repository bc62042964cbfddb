/**
 * The reporting core of mm/kasan/report.c: kasan_report(), kasan_report_invalid_free(),
 * kasan_report_async(), the gating that decides whether a bug is reported at all, the
 * completion of the report info (complete_report_info), and end_report()'s panic decisions.
 * It produces a KasanReportEvent into a KasanReportSink; the text layer formats it later.
 *
 * Gating (report.c):
 *  - report_enabled(): with kasan_multi_shot every bug is reported, otherwise only the first
 *    (test-and-set of KASAN_BIT_REPORTED) — invalid and double frees included;
 *  - report_suppressed_sw(): Generic/SW_TAGS skip *access* reports while current->kasan_depth
 *    is non-zero (kasan_disable_current()); frees and async reports are never suppressed.
 * end_report(): without multi-shot, panic_on_warn panics ("KASAN: panic_on_warn set ...");
 * kasan.fault=panic panics; kasan.fault=panic_on_write panics only for writes (an invalid or
 * double free counts as a write).
 */
import { ptrOffset, ptrTag, type Ptr } from "../../arch/pointer.js";
import type { BootParams } from "../../config/boot-params.js";
import type { KasanMode } from "../../config/mode.js";
import type { Counters } from "../../cost/counters.js";
import type { ExecContext } from "../../lib/context.js";
import type { KasanCacheView } from "../../mm/kasan-hooks.js";
import type { KasanTrack } from "../common/track.js";
import { untaggedPtr } from "../common/untag.js";
import { META_BYTES_PER_ROW, META_ROWS_AROUND_ADDR, roundDown } from "../constants.js";
import { ShadowMemory } from "../shadow/shadow-memory.js";
import type { AddressDescriber } from "./address-describer.js";
import type { KasanBugType, KasanMetadataRow, KasanReportEvent, KasanReportType } from "./event.js";
import type { KasanReportSink } from "./sink.js";

/** struct kasan_report_info while it is being completed. */
export interface ReportInfo {
  type: KasanReportType;
  accessAddr: Ptr;
  accessSize: number;
  isWrite: boolean;
  ip: number;
  /** Untagged offset. */
  firstBadAddr: number;
  cache: KasanCacheView | undefined;
  /** Untagged offset of the object (nearest_obj), if the address is in a slab. */
  object: number | undefined;
  allocSize: number;
  bugType: KasanBugType | undefined;
  allocTrack: KasanTrack | undefined;
  freeTrack: KasanTrack | undefined;
  auxStacks: [number, number] | undefined;
}

/** The mode-specific parts of reporting (report_generic.c, report_sw_tags.c, report_tags.c). */
export interface ReportModeOps {
  readonly granuleSize: number;
  /** kasan_find_first_bad_addr(addr, size): untagged offset. */
  findFirstBadAddr(p: Ptr, size: number): number;
  /** kasan_metadata_fetch_row(): META_BYTES_PER_ROW shadow bytes / tags from `rowOffset`. */
  metadataFetchRow(rowOffset: number, out: number[]): void;
  /** Tag modes: the memory tag of the granule at `offset` (kasan_print_tags); undefined for Generic. */
  memoryTagAt: ((offset: number) => number) | undefined;
  /** kasan_get_alloc_size(object, cache); 0 when it cannot tell. */
  getAllocSize(object: number, cache: KasanCacheView): number;
  /** kasan_complete_mode_report_info(): bug type and alloc/free tracks. */
  completeModeReportInfo(info: ReportInfo): void;
  /**
   * report_suppress_start() / report_suppress_stop() around a printed report (optional): HW_TAGS
   * sets PSTATE.TCO on the reporting CPU (hw_suppress_tag_checks_start/stop).
   */
  reportSuppressStart?(): void;
  reportSuppressStop?(): void;
}

/** Whether an untagged address has KASAN metadata (addr_has_metadata). */
export function addrHasMetadata(offset: number): boolean {
  return ShadowMemory.hasMetadata(offset);
}

export interface KasanReporterDeps {
  mode: Exclude<KasanMode, "off">;
  params: BootParams;
  ctx: ExecContext;
  counters: Counters;
  sink: KasanReportSink;
  describer: () => AddressDescriber | undefined;
}

export class KasanReporter {
  /** KASAN_BIT_MULTI_SHOT. */
  private multiShot: boolean;
  /** KASAN_BIT_REPORTED. */
  private reported = false;
  /** current->kasan_depth per pid (0 = reports allowed). */
  private readonly depth = new Map<number, number>();
  private ops: ReportModeOps | undefined = undefined;
  /** Set by reportingVia(): the KASAN entry functions of the check running now. */
  private via: readonly string[] | undefined = undefined;

  constructor(private readonly deps: KasanReporterDeps) {
    this.multiShot = deps.params.kasanMultiShot;
  }

  /** Attach the mode backend (done once while the KASAN instance is built). */
  attach(ops: ReportModeOps): void {
    this.ops = ops;
  }

  get sink(): KasanReportSink {
    return this.deps.sink;
  }

  /** Whether a report has been printed (KASAN_BIT_REPORTED). */
  get hasReported(): boolean {
    return this.reported;
  }

  get multiShotEnabled(): boolean {
    return this.multiShot;
  }

  /** kasan_save_enable_multi_shot(): enable, returning the previous state (KUnit suite start). */
  saveEnableMultiShot(): boolean {
    const prev = this.multiShot;
    this.multiShot = true;
    return prev;
  }

  /** kasan_restore_multi_shot(enabled). */
  restoreMultiShot(enabled: boolean): void {
    if (!enabled) this.multiShot = false;
  }

  /** kasan_disable_current(): current->kasan_depth-- (non-zero depth suppresses reports). */
  disableCurrent(): void {
    const pid = this.deps.ctx.pid;
    this.depth.set(pid, (this.depth.get(pid) ?? 0) - 1);
  }

  /** kasan_enable_current(): current->kasan_depth++. */
  enableCurrent(): void {
    const pid = this.deps.ctx.pid;
    this.depth.set(pid, (this.depth.get(pid) ?? 0) + 1);
  }

  /** current->kasan_depth. */
  currentDepth(): number {
    return this.depth.get(this.deps.ctx.pid) ?? 0;
  }

  private reportSuppressedSw(): boolean {
    return this.deps.mode !== "hw_tags" && this.currentDepth() !== 0;
  }

  private reportEnabled(): boolean {
    if (this.multiShot) return true;
    if (this.reported) return false;
    this.reported = true;
    return true;
  }

  /**
   * kasan_report(addr, size, is_write, ip): returns true if a report was produced (so the
   * instrumented access is treated as bad and, for mem* helpers, not performed).
   */
  report(addr: Ptr, size: number, isWrite: boolean, ip: number): boolean {
    if (this.deps.sink.panicked !== undefined) return false;
    if (this.reportSuppressedSw() || !this.reportEnabled()) {
      this.deps.counters.cur.reportsSuppressed += 1;
      return false;
    }
    this.suppressed(() => this.emit("access", addr, size, isWrite, ip, isWrite));
    return true;
  }

  /**
   * Run `fn`, a check made by a KASAN entry point rather than by compiler instrumentation, so
   * that an access report it produces records `via` (innermost first) as the functions between
   * kasan_report() and the caller: kasan_check_range ← __asan_memset for the mem* interceptors,
   * __kasan_check_byte ← ksize for kasan_check_byte().
   */
  reportingVia<T>(via: readonly string[], fn: () => T): T {
    const saved = this.via;
    this.via = via;
    try {
      return fn();
    } finally {
      this.via = saved;
    }
  }

  /** kasan_report_invalid_free(ptr, ip, type): never suppressed by kasan_depth. */
  reportInvalidFree(ptr: Ptr, ip: number, type: "invalid-free" | "double-free"): void {
    if (this.deps.sink.panicked !== undefined) return;
    if (!this.reportEnabled()) {
      this.deps.counters.cur.reportsSuppressed += 1;
      return;
    }
    this.suppressed(() => this.emit(type, ptr, 0, false, ip, true));
  }

  /** kasan_report_async() (hw_tags async/asymm): no address, bug type invalid-access. */
  reportAsync(): void {
    if (this.deps.sink.panicked !== undefined) return;
    if (!this.reportEnabled()) {
      this.deps.counters.cur.reportsSuppressed += 1;
      return;
    }
    const ctx = this.deps.ctx;
    const e: KasanReportEvent = {
      seq: this.deps.sink.count,
      mode: this.deps.mode,
      type: "async",
      bugType: "invalid-access",
      accessAddr: 0,
      accessSize: 0,
      isWrite: true,
      ip: 0,
      firstBadAddr: 0,
      hasMetadata: false,
      pid: ctx.pid,
      comm: ctx.comm,
      cpu: ctx.cpu,
      callStack: ctx.callStack.slice(),
      inIrq: ctx.inIrq,
    };
    this.suppressed(() => this.finish(e, true));
  }

  /** start_report() … end_report(): the mode's report_suppress_start/stop bracket the report. */
  private suppressed(print: () => void): void {
    const ops = this.ops;
    ops?.reportSuppressStart?.();
    try {
      print();
    } finally {
      ops?.reportSuppressStop?.();
    }
  }

  private requireOps(): ReportModeOps {
    if (this.ops === undefined) throw new Error("KasanReporter: no mode backend attached (attach() was not called)");
    return this.ops;
  }

  /** complete_report_info(). */
  completeReportInfo(type: KasanReportType, addr: Ptr, size: number, isWrite: boolean, ip: number): ReportInfo {
    const ops = this.requireOps();
    const off = ptrOffset(addr);
    const info: ReportInfo = {
      type,
      accessAddr: addr,
      accessSize: size,
      isWrite,
      ip,
      firstBadAddr: type === "access" ? ops.findFirstBadAddr(addr, size) : off,
      cache: undefined,
      object: undefined,
      allocSize: 0,
      bugType: type === "invalid-free" ? "invalid-free" : type === "double-free" ? "double-free" : undefined,
      allocTrack: undefined,
      freeTrack: undefined,
      auxStacks: undefined,
    };
    const d = addrHasMetadata(off) ? this.deps.describer()?.describe(off) : undefined;
    if (d !== undefined && d.kind === "slab") {
      info.cache = d.cache;
      info.object = d.objectStart;
      info.allocSize = ops.getAllocSize(d.objectStart, d.cache) || d.cache.objectSize;
    }
    ops.completeModeReportInfo(info);
    return info;
  }

  private emit(type: KasanReportType, addr: Ptr, size: number, isWrite: boolean, ipArg: number, panicAsWrite: boolean): void {
    const ops = this.requireOps();
    // No explicit ip: the bad access happened in the function running now, at the address its
    // innermost frame records (what the compiler's instrumentation or the fault PC would name).
    const stack = this.deps.ctx.callStack;
    const ip = ipArg !== 0 || stack.length === 0 ? ipArg : stack[stack.length - 1];
    const info = this.completeReportInfo(type, addr, size, isWrite, ip);
    const off = ptrOffset(addr);
    const ctx = this.deps.ctx;
    const hasMetadata = addrHasMetadata(off);
    const e: KasanReportEvent = {
      seq: this.deps.sink.count,
      mode: this.deps.mode,
      type,
      bugType: info.bugType ?? "unknown-crash",
      accessAddr: addr,
      accessSize: size,
      isWrite,
      ip,
      firstBadAddr: resetTagForMode(info.firstBadAddr),
      hasMetadata,
      pid: ctx.pid,
      comm: ctx.comm,
      cpu: ctx.cpu,
      callStack: ctx.callStack.slice(),
      inIrq: ctx.inIrq,
    };
    if (type === "access" && this.via !== undefined) e.via = this.via.slice();
    if (hasMetadata && ops.memoryTagAt !== undefined) {
      e.pointerTag = ptrTag(addr);
      e.memoryTag = ops.memoryTagAt(info.firstBadAddr);
    }
    if (info.cache !== undefined && info.object !== undefined) {
      e.object = {
        cacheName: info.cache.name,
        objectSize: info.cache.objectSize,
        objectStart: resetTagForMode(info.object),
        allocSize: info.allocSize,
      };
      if (info.allocTrack !== undefined) e.object.allocTrack = info.allocTrack;
      if (info.freeTrack !== undefined) e.object.freeTrack = info.freeTrack;
      if (info.auxStacks !== undefined) e.object.auxStacks = info.auxStacks;
    }
    if (hasMetadata) {
      const d = this.deps.describer()?.describe(off);
      if (d !== undefined) {
        if (d.kind === "vmalloc") {
          e.vmalloc = { start: resetTagForMode(d.start), size: d.size, caller: d.caller };
          if (d.pfn !== undefined) e.pagePfn = d.pfn;
        } else {
          e.pagePfn = d.pfn;
        }
      }
      e.metadata = this.metadataRows(info.firstBadAddr);
    }
    this.finish(e, panicAsWrite);
  }

  /** print_memory_metadata(): rows of 16 granules, two either side of the guilty row. */
  private metadataRows(firstBad: number): KasanMetadataRow[] {
    const ops = this.requireOps();
    const rowBytes = META_BYTES_PER_ROW * ops.granuleSize;
    let row = roundDown(firstBad, rowBytes) - META_ROWS_AROUND_ADDR * rowBytes;
    const rows: KasanMetadataRow[] = [];
    for (let i = -META_ROWS_AROUND_ADDR; i <= META_ROWS_AROUND_ADDR; i++) {
      const values = new Array<number>(META_BYTES_PER_ROW).fill(0);
      ops.metadataFetchRow(row, values);
      rows.push({ addr: resetTagForMode(row), values, guilty: row <= firstBad && firstBad < row + rowBytes });
      row += rowBytes;
    }
    return rows;
  }

  /** end_report(): panic decisions, then hand the event to the sink. */
  private finish(e: KasanReportEvent, isWrite: boolean): void {
    const p = this.deps.params;
    if (!this.multiShot && p.panicOnWarn !== 0) e.panic = "KASAN: panic_on_warn set ...";
    else if (p.kasanFault === "panic") e.panic = "kasan.fault=panic set ...";
    else if (p.kasanFault === "panic_on_write" && isWrite) e.panic = "kasan.fault=panic_on_write set ...";
    this.deps.counters.cur.reports += 1;
    this.deps.sink.push(e);
  }
}

/** Untagged pointers in events carry the native tag (how %px prints an untagged address). */
function resetTagForMode(offset: number): Ptr {
  return offset < 0 ? offset : untaggedPtr(offset);
}
