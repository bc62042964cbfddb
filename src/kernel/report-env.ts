/**
 * The ReportFormatEnv of a booted kernel: its symbols, its stack depot, dump_stack() with the
 * kernel's taint state, and dump_page() data read from the memmap.
 *
 *   const env = reportFormatEnv(k);
 *   for (const e of k.reports.events) console.log(formatKasanReport(e, env).join("\n"));
 */
import type { ReportFormatEnv } from "../kasan/report/format/env.js";
import type { PageDumpInfo } from "../kasan/report/format/dump-page.js";
import { PGTY_buddy, PG_head, pageFlagName, __NR_PAGEFLAGS } from "../mm/page_alloc/page-flags.js";
import { STATE_ORDER_MASK, STATE_PCP, STATE_TAIL } from "../mm/page_alloc/page-array.js";
import { type DumpStackArch, dumpStackLines } from "./dump-stack.js";
import type { Kernel } from "./kernel.js";

export interface ReportEnvOptions extends DumpStackArch {
  /** Taint flags set before the first report (e.g. 1 << TAINT_TEST while KUnit runs). */
  baseTaint?: number;
}

/** dump_page() data of the head page of `pfn`'s allocation (virt_to_head_page). */
export function describePage(k: Pick<Kernel, "memmap" | "mode" | "pages">, pfn: number): PageDumpInfo | undefined {
  const m = k.memmap;
  if (!m.isValidPfn(pfn)) return undefined;
  let head = pfn;
  if ((m.state[m.index(pfn)] & STATE_TAIL) !== 0) head = k.pages.compoundHead(pfn);
  const i = m.index(head);
  const flagBits = m.flagsArr[i] & ((1 << __NR_PAGEFLAGS) - 1);
  const names: string[] = [];
  for (let b = 0; b < __NR_PAGEFLAGS; b++) if ((flagBits & (1 << b)) !== 0) names.push(pageFlagName(b));
  const type = m.type[i];
  const st = m.state[i];
  const free = type === PGTY_buddy || (st & STATE_PCP) !== 0;
  const isHead = (flagBits & (1 << PG_head)) !== 0;
  const info: PageDumpInfo = {
    pfn: head,
    refcount: free ? 0 : 1,
    mapcount: 0,
    flagBits,
    flagNames: names,
    node: 0,
    zone: 0,
    pageType: type,
    order: isHead ? st & STATE_ORDER_MASK : 0,
  };
  if (type === PGTY_buddy) info.private = st & STATE_ORDER_MASK;
  if (k.mode === "sw_tags" || k.mode === "hw_tags") info.kasanTag = m.kasanTag(head);
  return info;
}

export function reportFormatEnv(k: Kernel, opts: ReportEnvOptions = {}): ReportFormatEnv {
  const kallsyms = k.ctx.kallsyms;
  const base = opts.baseTaint ?? 0;
  return {
    kallsyms,
    fetchStack: (h) => k.stackDepot?.fetch(h) ?? [],
    dumpStack: (req) => dumpStackLines(req, kallsyms, opts),
    taint: (e) => base | (e.seq > 0 ? 1 << 5 : 0),
    describePage: (pfn) => describePage(k, pfn),
  };
}
