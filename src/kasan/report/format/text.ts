/**
 * A KASAN report as the kernel prints it (mm/kasan/report.c print_report() and friends, 6.12),
 * one string per line, without the printk prefix:
 *
 *   ==================================================================
 *   BUG: KASAN: slab-out-of-bounds in kmalloc_oob_right+0x…/0x… [kasan_test]
 *   Write of size 1 at addr ffff000012345f73 by task kunit_try_catch/37
 *   Pointer tag: [f7], memory tag: [fe]                  (tag modes)
 *
 *   CPU: 0 UID: 0 PID: 37 Comm: kunit_try_catch Not tainted 6.12.0 #1
 *   Hardware name: linux,dummy-virt (DT)
 *   Call trace:
 *    …
 *
 *   Allocated by task 37:                                (alloc track with a stack)
 *    kasan_save_stack+0x…/0x…
 *    …
 *
 *   Freed by task 37: …                                  (free track with a stack)
 *   Last potentially related work creation: …            (Generic aux stacks)
 *   The buggy address belongs to the object at ffff000012345f00
 *    which belongs to the cache kmalloc-128 of size 128
 *   The buggy address is located 0 bytes to the right of
 *    allocated 115-byte region [ffff000012345f00, ffff000012345f73)
 *
 *   The buggy address belongs to the virtual mapping at  (vmalloc)
 *    [start, end) created by:
 *    caller+0x…/0x…
 *
 *   The buggy address belongs to the physical page:
 *   page: refcount:… (dump_page)
 *
 *   Memory state around the buggy address:
 *    ffff000012345e00: 00 00 …
 *   >ffff000012345f00: 00 … 03 fc
 *                                                                ^
 *   ==================================================================
 *
 * Allocated/Freed sections appear only for a track whose stack handle is non-zero (6.12's
 * describe_object_stacks()); print_track()'s "(stack is not available)" is kept for a
 * direct caller but unreachable from a report. The global-variable and stack-frame blocks
 * come from the env (describeVariable / describeStackAddress) when it knows them. Not
 * modelled: EXTRA_INFO tracks.
 */
import { formatPx, type Ptr } from "../../../arch/pointer.js";
import type { KasanTrack } from "../../common/track.js";
import type { KasanReportEvent } from "../event.js";
import { dumpPageLines } from "./dump-page.js";
import { formatSymbol, type ReportFormatEnv, taintOf } from "./env.js";
import { reportCallTrace } from "./report-frames.js";

export const REPORT_SEPARATOR = "=".repeat(66);
const GRANULE: Record<KasanReportEvent["mode"], number> = { generic: 8, sw_tags: 16, hw_tags: 16 };

function hex2(v: number): string {
  return (v & 0xff).toString(16).padStart(2, "0");
}

/** stack_trace_print(entries, n, 0): one ` %pS` line per frame. */
export function stackTraceLines(frames: readonly number[], env: ReportFormatEnv): string[] {
  return frames.map((ip) => ` ${formatSymbol(env.kallsyms, ip)}`);
}

/** print_track(track, prefix). */
export function printTrack(track: KasanTrack, prefix: string, env: ReportFormatEnv): string[] {
  const lines = [`${prefix} by task ${track.pid}:`];
  const frames = track.stack !== 0 ? env.fetchStack(track.stack) : [];
  if (frames.length > 0) lines.push(...stackTraceLines(frames, env));
  else if (track.stack === 0) lines.push("(stack is not available)");
  return lines;
}

/** print_error_description(). */
function errorDescription(e: KasanReportEvent, env: ReportFormatEnv): string[] {
  const lines = [`BUG: KASAN: ${e.bugType} in ${formatSymbol(env.kallsyms, e.ip)}`];
  const who = `by task ${e.comm}/${e.pid}`;
  if (e.type !== "access") lines.push(`Free of addr ${formatPx(e.accessAddr)} ${who}`);
  else if (e.accessSize !== 0) lines.push(`${e.isWrite ? "Write" : "Read"} of size ${sizeT(e.accessSize)} at addr ${formatPx(e.accessAddr)} ${who}`);
  else lines.push(`${e.isWrite ? "Write" : "Read"} at addr ${formatPx(e.accessAddr)} ${who}`);
  return lines;
}

/** %zu of a size the caller may have passed negative (size_t wraps). */
function sizeT(n: number): string {
  return n >= 0 ? String(n) : (2n ** 64n + BigInt(n)).toString();
}

function dumpStack(e: KasanReportEvent, env: ReportFormatEnv): string[] {
  return env.dumpStack({ cpu: e.cpu, pid: e.pid, comm: e.comm, taint: taintOf(e, env), frames: reportCallTrace(e, env.kallsyms) });
}

/** describe_object(): stacks (if any) and the object/region lines. */
function describeObject(e: KasanReportEvent, env: ReportFormatEnv): string[] {
  const o = e.object;
  if (o === undefined) return [];
  const lines: string[] = [];
  if (o.allocTrack !== undefined && o.allocTrack.stack !== 0) lines.push(...printTrack(o.allocTrack, "Allocated", env), "");
  if (o.freeTrack !== undefined && o.freeTrack.stack !== 0) lines.push(...printTrack(o.freeTrack, "Freed", env), "");
  if (o.auxStacks !== undefined) {
    const titles = ["Last potentially related work creation:", "Second to last potentially related work creation:"];
    for (let i = 0; i < 2; i++) {
      const h = o.auxStacks[i];
      if (h === 0) continue;
      lines.push(titles[i], ...stackTraceLines(env.fetchStack(h), env), "");
    }
  }
  const rel = objectRelation(e);
  lines.push(`The buggy address belongs to the object at ${formatPx(o.objectStart)}`);
  lines.push(` which belongs to the cache ${o.cacheName} of size ${o.objectSize}`);
  lines.push(`The buggy address is located ${rel.bytes} bytes ${rel.text} of`);
  const end: Ptr = o.objectStart + o.allocSize;
  lines.push(` ${rel.state}${o.allocSize}-byte region [${formatPx(o.objectStart)}, ${formatPx(end)})`);
  return lines;
}

export type OffsetRelation = "inside" | "right" | "left";

/** describe_object_addr()'s relation of the (untagged) access address to the object. */
export function objectRelation(e: KasanReportEvent): { relation: OffsetRelation; text: string; bytes: number; state: string } {
  const o = e.object;
  if (o === undefined) throw new Error("objectRelation: the report has no slab object");
  const addr = untagged(e.accessAddr);
  const obj = untagged(o.objectStart);
  let relation: OffsetRelation;
  let bytes: number;
  if (addr < obj) {
    relation = "left";
    bytes = obj - addr;
  } else if (addr >= obj + o.allocSize) {
    relation = "right";
    bytes = addr - (obj + o.allocSize);
  } else {
    relation = "inside";
    bytes = addr - obj;
  }
  let state = "";
  if (e.mode === "generic") {
    if (e.bugType === "slab-out-of-bounds") state = "allocated ";
    else if (e.bugType === "slab-use-after-free") state = "freed ";
  }
  const text = relation === "inside" ? "inside" : relation === "right" ? "to the right" : "to the left";
  return { relation, text, bytes, state };
}

function untagged(p: Ptr): number {
  return p % 2 ** 44;
}

/** print_memory_metadata(). */
function memoryState(e: KasanReportEvent): string[] {
  const rows = e.metadata;
  if (rows === undefined) return [];
  const g = GRANULE[e.mode];
  const lines = ["Memory state around the buggy address:"];
  const bad = untagged(e.firstBadAddr);
  for (const row of rows) {
    lines.push(`${row.guilty ? ">" : " "}${formatPx(row.addr)}: ${row.values.map(hex2).join(" ")}`);
    if (row.guilty) {
      const col = 3 + 16 + Math.floor((bad - untagged(row.addr)) / g) * 3 + 1;
      lines.push("^".padStart(col));
    }
  }
  return lines;
}

/** The whole report, line by line. */
export function formatKasanReport(e: KasanReportEvent, env: ReportFormatEnv): string[] {
  const lines = [REPORT_SEPARATOR];
  if (e.type === "async") {
    lines.push("BUG: KASAN: invalid-access", "Asynchronous fault: no details available", "");
    lines.push(...dumpStack(e, env), REPORT_SEPARATOR);
    return lines;
  }
  lines.push(...errorDescription(e, env));
  if (e.hasMetadata && e.pointerTag !== undefined && e.memoryTag !== undefined) {
    lines.push(`Pointer tag: [${hex2(e.pointerTag)}], memory tag: [${hex2(e.memoryTag)}]`);
  }
  lines.push("");
  lines.push(...dumpStack(e, env));
  if (e.hasMetadata) {
    lines.push("");
    if (e.object !== undefined) lines.push(...describeObject(e, env), "");
    const variable = env.describeVariable?.(untagged(e.accessAddr));
    if (variable !== undefined) lines.push("The buggy address belongs to the variable:", ` ${variable}`, "");
    const frame = env.describeStackAddress?.(untagged(e.accessAddr), e);
    if (frame !== undefined) lines.push(...frame, "");
    if (e.vmalloc !== undefined) {
      const v = e.vmalloc;
      lines.push("The buggy address belongs to the virtual mapping at", ` [${formatPx(v.start)}, ${formatPx(v.start + v.size)}) created by:`, ` ${v.caller}`, "");
    }
    const page = e.pagePfn !== undefined ? env.describePage?.(e.pagePfn) : undefined;
    if (page !== undefined) lines.push("The buggy address belongs to the physical page:", ...dumpPageLines(page, "kasan: bad access detected"), "");
    lines.push(...memoryState(e));
  }
  lines.push(REPORT_SEPARATOR);
  return lines;
}
