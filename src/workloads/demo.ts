/**
 * The short demonstration behind `kasan-sim demo`: boot a kernel, kmalloc a 123-byte object,
 * show the pointer tag and the memory tags of its granules, make one in-bounds and one
 * out-of-bounds write, free the object and read it again. Under hw_tags the out-of-bounds write
 * is an MTE tag-check fault that KASAN turns into a report; the other modes catch it through
 * their shadow memory.
 */
import { formatPx, ptrOffset, ptrTag, makePtr, type Ptr } from "../arch/pointer.js";
import type { KasanMode } from "../config/mode.js";
import { toRecord, type CounterName } from "../cost/counters.js";
import type { KasanReportEvent } from "../kasan/report/event.js";
import { formatKasanReport } from "../kasan/report/format/text.js";
import { reportFormatEnv } from "../kernel/report-env.js";
import { HwTagsBackend } from "../kasan/hw_tags/hw-tags-backend.js";
import { bootKernel, type Kernel } from "../kernel/kernel.js";
import { GFP_KERNEL } from "../mm/gfp.js";

export interface DemoStep {
  what: string;
  /** Pointer involved, as %px. */
  ptr: string;
  /** Reports the step raised (indices into `reports`). */
  reports: number[];
}

export interface DemoResult {
  mode: KasanMode;
  seed: number;
  objectSize: number;
  cache: string;
  /** The object's pointer tag and the allocation tags of its slot's granules (tag modes). */
  pointerTag: number;
  memoryTags: number[];
  steps: DemoStep[];
  reports: KasanReportEvent[];
  /** Each report as the kernel prints it, one string per line. */
  reportText: string[][];
  counters: Record<CounterName, number>;
}

/** kmalloc(107): the KUnit kmalloc_oob_right size for the tag modes (128 − 16 − 5), in kmalloc-128. */
const OBJECT_SIZE = 107;

export function runDemo(mode: KasanMode, seed: number, cmdline = ""): DemoResult {
  const k = bootKernel({ mode, seed, cmdline: `kasan_multi_shot ${cmdline}`.trim() });
  const { kallsyms } = k.ctx;
  const demoFn = kallsyms.sym("kasan_sim_demo", 0x1c0, "kasan_sim_demo");
  const steps: DemoStep[] = [];
  const run = (what: string, ptr: Ptr, offset: number, fn: () => void): void => {
    const before = k.reports.events.length;
    k.ctx.call(kallsyms.ip(demoFn, offset), fn);
    const after = k.reports.events.length;
    steps.push({ what, ptr: formatPx(ptr), reports: Array.from({ length: after - before }, (_, i) => before + i) });
  };

  k.ctx.pid = 1;
  k.ctx.comm = "kasan-sim-demo";
  let p: Ptr = 0;
  run(`kmalloc(${OBJECT_SIZE}, GFP_KERNEL)`, 0, 0x28, () => {
    p = k.slab.kmalloc(OBJECT_SIZE, GFP_KERNEL);
  });
  steps[0].ptr = formatPx(p);
  const cache = k.slab.findObject(p)?.cache;
  const slotSize = cache?.objectSize ?? OBJECT_SIZE;
  const memoryTags = memoryTagsOf(k, p, slotSize + 16);
  const end = OBJECT_SIZE;
  const granuleEnd = Math.ceil(OBJECT_SIZE / 16) * 16;
  run(`write 1 byte at offset ${end - 1} (last byte, in bounds)`, p + end - 1, 0x40, () => k.access.write(p + end - 1, 1));
  run(`write 1 byte at offset ${end} (1 past the end)`, p + end, 0x4c, () => k.access.write(p + end, 1));
  rearm(k);
  run(`write 1 byte at offset ${granuleEnd} (next granule)`, p + granuleEnd, 0x58, () => k.access.write(p + granuleEnd, 1));
  rearm(k);
  run("kfree(object)", p, 0x70, () => k.slab.kfree(p));
  run("read 8 bytes at offset 0 after kfree", p, 0x88, () => k.access.read(p, 8));

  const env = reportFormatEnv(k);
  return {
    mode,
    seed,
    objectSize: OBJECT_SIZE,
    cache: cache?.name ?? "?",
    pointerTag: ptrTag(p),
    memoryTags,
    steps,
    reports: k.reports.events,
    reportText: k.reports.events.map((e) => formatKasanReport(e, env)),
    counters: toRecord(k.counters.total()),
  };
}

/**
 * A hw_tags sync fault switches tag checking off on the faulting CPU (do_tag_recovery); re-arm
 * it as the KUnit harness does with kasan_enable_hw_tags(), so the next bug is seen too.
 */
function rearm(k: Kernel): void {
  const b = k.kasan.backend;
  if (b instanceof HwTagsBackend) b.enableHwTags(k.ctx.cpu);
}

/** The allocation tags (hw_tags, via the MTE model) of the granules of [p, p+bytes), as 0xF?. */
function memoryTagsOf(k: Kernel, p: Ptr, bytes: number): number[] {
  if (k.mte === undefined) return [];
  const out: number[] = [];
  for (let off = 0; off < bytes; off += 16) out.push(0xf0 | k.mte.peekTag(makePtr(0xff, ptrOffset(p) + off)));
  return out;
}
