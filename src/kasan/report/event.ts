/**
 * The structured result of a KASAN report (struct kasan_report_info after
 * complete_report_info(), plus what print_report() would show): everything the text report
 * layer needs to print the kernel's report, as plain JSON-able data.
 */
import type { Ptr } from "../../arch/pointer.js";
import type { KasanMode } from "../../config/mode.js";
import type { KasanTrack } from "../common/track.js";

/** enum kasan_report_type. */
export type KasanReportType = "access" | "invalid-free" | "double-free" | "async";

/** Bug-type strings (report_generic.c / report_tags.c / report.c). */
export type KasanBugType =
  | "out-of-bounds"
  | "slab-out-of-bounds"
  | "slab-use-after-free"
  | "use-after-free"
  | "global-out-of-bounds"
  | "stack-out-of-bounds"
  | "alloca-out-of-bounds"
  | "vmalloc-out-of-bounds"
  | "unknown-crash"
  | "null-ptr-deref"
  | "user-memory-access"
  | "wild-memory-access"
  | "invalid-access"
  | "double-free"
  | "invalid-free";

/** The slab object the address lies in (describe_object_addr / describe_object_stacks). */
export interface KasanReportObject {
  cacheName: string;
  /** cache->object_size. */
  objectSize: number;
  /** Untagged pointer of the object (nearest_obj). */
  objectStart: Ptr;
  /** kasan_get_alloc_size(), falling back to object_size. */
  allocSize: number;
  allocTrack?: KasanTrack;
  freeTrack?: KasanTrack;
  /** Generic aux stacks ("Last/Second to last potentially related work creation"). */
  auxStacks?: [number, number];
}

/** One row of "Memory state around the buggy address": 16 shadow bytes / tags. */
export interface KasanMetadataRow {
  /** Untagged pointer of the first granule of the row. */
  addr: Ptr;
  values: number[];
  /** The row holding first_bad_addr (printed with '>' and a caret line). */
  guilty: boolean;
}

export interface KasanReportEvent {
  /** Position in the sink (0-based). */
  seq: number;
  mode: Exclude<KasanMode, "off">;
  type: KasanReportType;
  bugType: KasanBugType;
  /** info->access_addr as passed (tagged); for frees the freed pointer. */
  accessAddr: Ptr;
  /** Access size (negative sizes are kept: the kernel prints them as size_t). 0 for frees. */
  accessSize: number;
  isWrite: boolean;
  /** Return address the report names ("in <ip>"); the caller's own identifier. */
  ip: number;
  /** Untagged first bad address (report_*.c kasan_find_first_bad_addr). */
  firstBadAddr: Ptr;
  /** addr_has_metadata(): otherwise no tags line, object description or memory state. */
  hasMetadata: boolean;
  /** Tag modes: "Pointer tag: [xx], memory tag: [yy]". */
  pointerTag?: number;
  memoryTag?: number;
  /** The task and CPU that hit the bug (current). */
  pid: number;
  comm: string;
  cpu: number;
  object?: KasanReportObject;
  /** The page (dump_page) and vmalloc area, when the address has them. */
  pagePfn?: number;
  vmalloc?: { start: Ptr; size: number; caller: string };
  /** Five rows of shadow bytes / tags around firstBadAddr. */
  metadata?: KasanMetadataRow[];
  /**
   * The current task's call chain when the report was made (ExecContext.callStack, outermost
   * first): the Call trace of the report's stack dump below the buggy function (`ip`).
   */
  callStack?: number[];
  /**
   * The functions between kasan_report() and the caller (`ip`), innermost first, when the check
   * was a KASAN entry point rather than compiler instrumentation or a tag fault: a mem*
   * interceptor (["kasan_check_range", "__asan_memset"]) or kasan_check_byte()
   * (["__kasan_check_byte", "ksize"]).
   */
  via?: string[];
  /** The report was made in hard-IRQ context. */
  inIrq?: boolean;
  /** Set when end_report() panicked the kernel after this report: the panic message. */
  panic?: string;
}
