/**
 * A KASAN report as JSON (the `--json` form of the CLI): the report's facts as fields, plus
 * the kernel text. Shape (null where the kernel prints nothing):
 *
 *   { seq, mode, type, bugType, access: "read"|"write"|"free", size: number|null,
 *     address: "ffff…"|null, ip: "fn+0x…/0x…"|null, task: {comm, pid, cpu},
 *     pointerTag: "f7"|null, memoryTag: "fe"|null,
 *     object: {cache, cacheSize, start, offsetRelation: "inside"|"right"|"left", offset,
 *              regionSize, regionState: "allocated"|"freed"|null} | null,
 *     allocStack: {pid, frames: ["kasan_save_stack+0x…/0x…", …]} | null, freeStack: … | null,
 *     auxStacks: [[frames…], …], vmalloc: {start, end, caller} | null, pfn: number|null,
 *     panic: string|null, text: "=====…\n…" }
 *
 * `size` is null for frees, async faults and HW_TAGS sync faults (printed without a size);
 * a stack is null when the report prints no section for it.
 */
import { formatPx } from "../../../arch/pointer.js";
import type { KasanTrack } from "../../common/track.js";
import type { KasanReportEvent } from "../event.js";
import { formatSymbol, type ReportFormatEnv } from "./env.js";
import { formatKasanReport, objectRelation, type OffsetRelation } from "./text.js";

export interface KasanReportStackJson {
  pid: number;
  frames: string[];
}

export interface KasanReportJson {
  seq: number;
  mode: KasanReportEvent["mode"];
  type: KasanReportEvent["type"];
  bugType: KasanReportEvent["bugType"];
  access: "read" | "write" | "free";
  size: number | null;
  address: string | null;
  ip: string | null;
  task: { comm: string; pid: number; cpu: number };
  pointerTag: string | null;
  memoryTag: string | null;
  object: {
    cache: string;
    cacheSize: number;
    start: string;
    offsetRelation: OffsetRelation;
    offset: number;
    regionSize: number;
    regionState: "allocated" | "freed" | null;
  } | null;
  allocStack: KasanReportStackJson | null;
  freeStack: KasanReportStackJson | null;
  auxStacks: string[][];
  vmalloc: { start: string; end: string; caller: string } | null;
  pfn: number | null;
  panic: string | null;
  text: string;
}

function tag(v: number | undefined): string | null {
  return v === undefined ? null : (v & 0xff).toString(16).padStart(2, "0");
}

function stack(t: KasanTrack | undefined, env: ReportFormatEnv): KasanReportStackJson | null {
  if (t === undefined || t.stack === 0) return null;
  return { pid: t.pid, frames: env.fetchStack(t.stack).map((ip) => formatSymbol(env.kallsyms, ip)) };
}

export function formatKasanReportJson(e: KasanReportEvent, env: ReportFormatEnv): KasanReportJson {
  const isAsync = e.type === "async";
  const o = e.object;
  let object: KasanReportJson["object"] = null;
  if (o !== undefined) {
    const rel = objectRelation(e);
    object = {
      cache: o.cacheName,
      cacheSize: o.objectSize,
      start: formatPx(o.objectStart),
      offsetRelation: rel.relation,
      offset: rel.bytes,
      regionSize: o.allocSize,
      regionState: rel.state === "allocated " ? "allocated" : rel.state === "freed " ? "freed" : null,
    };
  }
  const aux = (o?.auxStacks ?? []).filter((h) => h !== 0).map((h) => env.fetchStack(h).map((ip) => formatSymbol(env.kallsyms, ip)));
  return {
    seq: e.seq,
    mode: e.mode,
    type: e.type,
    bugType: e.bugType,
    access: e.type === "access" || isAsync ? (e.isWrite ? "write" : "read") : "free",
    size: e.type === "access" && e.accessSize !== 0 ? e.accessSize : null,
    address: isAsync ? null : formatPx(e.accessAddr),
    ip: isAsync ? null : formatSymbol(env.kallsyms, e.ip),
    task: { comm: e.comm, pid: e.pid, cpu: e.cpu },
    pointerTag: tag(e.pointerTag),
    memoryTag: tag(e.memoryTag),
    object,
    allocStack: stack(o?.allocTrack, env),
    freeStack: stack(o?.freeTrack, env),
    auxStacks: aux,
    vmalloc: e.vmalloc === undefined ? null : { start: formatPx(e.vmalloc.start), end: formatPx(e.vmalloc.start + e.vmalloc.size), caller: e.vmalloc.caller },
    pfn: e.pagePfn ?? null,
    panic: e.panic ?? null,
    text: formatKasanReport(e, env).join("\n"),
  };
}
