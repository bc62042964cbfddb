/**
 * Report text for the CLI: the kernel-format report when the formatter is available, else a
 * compact summary of the event.
 */
import { formatPx } from "../arch/pointer.js";
import type { KasanReportEvent } from "../kasan/report/event.js";

export function formatReportLines(r: KasanReportEvent): string[] {
  const lines = [
    "==================================================================",
    `BUG: KASAN: ${r.bugType}`,
    `${r.type === "access" ? (r.isWrite ? "Write" : "Read") : "Free"} at addr ${formatPx(r.accessAddr)} by task ${r.comm}/${r.pid}`,
  ];
  if (r.pointerTag !== undefined && r.memoryTag !== undefined) {
    lines.push(`Pointer tag: [${r.pointerTag.toString(16).padStart(2, "0")}], memory tag: [${r.memoryTag.toString(16).padStart(2, "0")}]`);
  }
  lines.push("==================================================================");
  return lines;
}
