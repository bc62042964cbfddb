/**
 * Golden tests of the KASAN report text (mm/kasan/report.c, 6.12) for small hand-derived cases
 * in each mode. Addresses and random tags are matched by pattern; symbol offsets come from the
 * run's kallsyms (deterministic call sites) and are formatted here the same way; every other
 * character is exact.
 */
import { describe, expect, it } from "vitest";
import { type Kernel, bootKernel } from "../../../kernel/kernel.js";
import { reportFormatEnv } from "../../../kernel/report-env.js";
import { GFP_KERNEL } from "../../../mm/gfp.js";
import { userPtr } from "../../../arch/pointer.js";
import type { HwTagsBackend } from "../../hw_tags/hw-tags-backend.js";
import { formatKasanReportJson } from "./json.js";
import { formatKasanReport, REPORT_SEPARATOR } from "./text.js";

const SEP = "=".repeat(66);
const ADDR = "[0-9a-f]{16}";
const TASK = "kunit_try_catch/37";

type Line = string | RegExp;

function expectLines(actual: string[], expected: Line[]): void {
  expect(actual.length, actual.join("\n")).toBe(expected.length);
  expected.forEach((e, i) => {
    if (typeof e === "string") expect(actual[i], `line ${i + 1}`).toBe(e);
    else expect(actual[i], `line ${i + 1}`).toMatch(e);
  });
}

/** A KUnit-like task: ret_from_fork → kthread → kunit_try_run_case → the test function. */
function boot(mode: "generic" | "sw_tags" | "hw_tags", cmdline = "kasan_multi_shot", extra: Parameters<typeof bootKernel>[0] = { mode }) {
  const k = bootKernel({ ...extra, mode, cmdline });
  const ks = k.ctx.kallsyms;
  k.ctx.pid = 37;
  k.ctx.comm = "kunit_try_catch";
  k.ctx.cpu = 0;
  k.ctx.callStack.push(ks.callSite("ret_from_fork", "kthread"), ks.callSite("kthread", "kunit_try_run_case"), ks.callSite("kunit_try_run_case", "test_fn"));
  const fmt = (ip: number) => ks.format(ip);
  /** Code of the test function at a call site / access site. */
  const site = (callee: string) => ks.callSite("test_fn", callee, "kasan_test");
  const callers = [" " + fmt(k.ctx.callStack[2]), " " + fmt(k.ctx.callStack[1]), " " + fmt(k.ctx.callStack[0])];
  const chain = (names: string[], callee0: string) => names.map((n, i) => " " + fmt(ks.callSite(n, i === 0 ? callee0 : names[i - 1])));
  const dumpHead = (taint: string): Line[] => [
    `CPU: 0 UID: 0 PID: 37 Comm: kunit_try_catch ${taint} 6.12.0 #1`,
    "Hardware name: linux,dummy-virt (DT)",
    "Call trace:",
    ...chain(["dump_backtrace", "show_stack", "dump_stack_lvl"], "arch_stack_walk"),
  ];
  const text = (i = 0) => formatKasanReport(k.reports.events[i], reportFormatEnv(k));
  return { k, ks, fmt, site, callers, chain, dumpHead, text };
}

function kmallocAt(k: Kernel, site: number, size: number): number {
  return k.ctx.call(site, () => k.slab.kmalloc(size, GFP_KERNEL));
}

const NOT_TAINTED = "Not tainted";
// print_tainted(): 'G' for a GPL kernel, then F S R M blank, 'B', then 13 blanks for U..N.
const TAINTED_B = "Tainted: G    B             ";

describe("KASAN report text", () => {
  it("Generic slab-out-of-bounds (kmalloc_oob_right's first check, §11b.1)", () => {
    const t = boot("generic");
    const p = kmallocAt(t.k, t.site("__kmalloc_cache_noprof"), 115);
    const ip = t.ks.ip(t.ks.sym("test_fn", undefined, "kasan_test"), 0x84);
    expect(t.k.access.write(p + 115, 1, ip)).toBe(false);
    const obj = p % 2 ** 44;
    const lines = t.text();
    expectLines(lines, [
      SEP,
      `BUG: KASAN: slab-out-of-bounds in ${t.fmt(ip)}`,
      new RegExp(`^Write of size 1 at addr ${ADDR} by task ${TASK}$`),
      "",
      ...t.dumpHead(NOT_TAINTED),
      ...t.chain(["print_report", "kasan_report", "__asan_report_store1_noabort"], "dump_stack_lvl"),
      " " + t.fmt(ip),
      ...t.callers,
      "",
      "Allocated by task 37:",
      ...t.chain(["kasan_save_stack", "kasan_save_track", "__kasan_kmalloc", "__kmalloc_cache_noprof"], "stack_trace_save"),
      " " + t.fmt(t.site("__kmalloc_cache_noprof")),
      ...t.callers,
      "",
      new RegExp(`^The buggy address belongs to the object at ${ADDR}$`),
      " which belongs to the cache kmalloc-128 of size 128",
      // 115 = 14·8 + 3 recovered from the shadow; the access is at obj + 115: 0 bytes to the right.
      "The buggy address is located 0 bytes to the right of",
      new RegExp(`^ allocated 115-byte region \\[${ADDR}, ${ADDR}\\)$`),
      "",
      "The buggy address belongs to the physical page:",
      new RegExp(`^page: refcount:1 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x[0-9a-f]+$`),
      "flags: 0x0(node=0|zone=0)",
      "page_type: f5(slab)",
      "raw: 0000000000000000 0000000000000000 0000000000000000 0000000000000000",
      "raw: 0000000000000000 0000000000000000 00000001f5000000 0000000000000000",
      "page dumped because: kasan: bad access detected",
      "",
      "Memory state around the buggy address:",
      /^ [0-9a-f]{16}: fc fc fc fc fc fc fc fc fc fc fc fc fc fc fc fc$/,
      /^ [0-9a-f]{16}: fc fc fc fc fc fc fc fc fc fc fc fc fc fc fc fc$/,
      // The object's granules: 14 × 00, 03 (112..115), fc (120..128).
      /^>[0-9a-f]{16}: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 03 fc$/,
      // Caret under granule 14: column 3 + 16 + 3·14 + 1 = 62.
      " ".repeat(61) + "^",
      /^ [0-9a-f]{16}: fc fc fc fc fc fc fc fc fc fc fc fc fc fc fc fc$/,
      /^ [0-9a-f]{16}: fc fc fc fc fc fc fc fc fc fc fc fc fc fc fc fc$/,
      SEP,
    ]);
    // The object is kmalloc-128 aligned: obj % 128 = 0 and the region ends at obj + 0x73.
    expect(obj % 128).toBe(0);
    expect(lines[lines.findIndex((l) => l.startsWith(" allocated"))]).toContain(`${(0xffff000000000000n + BigInt(obj) + 115n).toString(16)})`);
  });

  it("HW_TAGS sync: no size, tags line, ring alloc entry, 112-byte region without 'allocated ' (§11b.2)", () => {
    const t = boot("hw_tags");
    const p = kmallocAt(t.k, t.site("__kmalloc_cache_noprof"), 107);
    const ip = t.ks.ip(t.ks.sym("test_fn", undefined, "kasan_test"), 0x90);
    t.k.access.write(p + 112, 1, ip);
    const lines = t.text();
    const tag = Math.floor(p / 2 ** 44).toString(16);
    expectLines(lines.slice(0, 4), [SEP, `BUG: KASAN: slab-out-of-bounds in ${t.fmt(ip)}`, new RegExp(`^Write at addr ${tag}ff${"[0-9a-f]{12}"} by task ${TASK}$`), `Pointer tag: [${tag}], memory tag: [fe]`]);
    const ct = lines.indexOf("Call trace:");
    expect(lines.slice(ct + 4, ct + 12)).toEqual([
      ...t.chain(["print_report", "kasan_report", "__do_kernel_fault", "do_tag_check_fault", "do_mem_abort", "el1_abort", "el1h_64_sync_handler", "el1h_64_sync"], "dump_stack_lvl"),
    ]);
    const a = lines.indexOf("Allocated by task 37:");
    expect(lines.slice(a + 1, a + 5)).toEqual(t.chain(["kasan_save_stack", "kasan_save_alloc_info", "__kasan_kmalloc", "__kmalloc_cache_noprof"], "stack_trace_save"));
    expect(lines).not.toContain("Freed by task 37:");
    expect(lines).toContain("The buggy address is located 0 bytes to the right of");
    expect(lines.find((l) => l.includes("-byte region"))).toMatch(new RegExp(`^ 112-byte region \\[${ADDR}, ${ADDR}\\)$`));
    expect(lines).toContain("flags: 0x0(node=0|zone=0|kasantag=0x0)");
    // Rows 256 bytes apart; the guilty row has 7 granules of the tag, then fe.
    expect(lines.find((l) => l.startsWith(">"))).toMatch(new RegExp(`^>${ADDR}: (${tag} ){7}fe fe fe fe fe fe fe fe fe$`));
    expect(lines[lines.length - 1]).toBe(SEP);
  });

  it("SW_TAGS slab-use-after-free: Allocated and Freed stacks, taint B on the second report", () => {
    const t = boot("sw_tags");
    const p = kmallocAt(t.k, t.site("__kmalloc_cache_noprof"), 64);
    t.k.ctx.call(t.site("kfree"), () => t.k.slab.kfree(p));
    const ip = t.ks.ip(t.ks.sym("test_fn", undefined, "kasan_test"), 0x40);
    t.k.access.read(p, 8, ip);
    t.k.access.read(p + 8, 8, ip);
    const lines = t.text();
    expect(lines[1]).toBe(`BUG: KASAN: slab-use-after-free in ${t.fmt(ip)}`);
    expect(lines[2]).toMatch(new RegExp(`^Read of size 8 at addr ${ADDR} by task ${TASK}$`));
    const f = lines.indexOf("Freed by task 37:");
    expect(lines.slice(f + 1, f + 9)).toEqual([...t.chain(["kasan_save_stack", "kasan_save_free_info", "__kasan_slab_free", "kfree"], "stack_trace_save"), " " + t.fmt(t.site("kfree")), ...t.callers]);
    expect(lines[f - 1]).toBe("");
    expect(lines).toContain("The buggy address is located 0 bytes inside of");
    expect(lines.find((l) => l.includes("-byte region"))).toMatch(/^ 64-byte region \[/);
    expect(lines.find((l) => l.startsWith("CPU:"))).toBe(`CPU: 0 UID: 0 PID: 37 Comm: kunit_try_catch ${NOT_TAINTED} 6.12.0 #1`);
    expect(t.text(1).find((l) => l.startsWith("CPU:"))).toBe(`CPU: 0 UID: 0 PID: 37 Comm: kunit_try_catch ${TAINTED_B} 6.12.0 #1`);
  });

  it("double-free and invalid-free: 'Free of addr', the free path in the trace", () => {
    const t = boot("generic");
    const p = kmallocAt(t.k, t.site("__kmalloc_cache_noprof"), 32);
    const freeIp = t.site("kfree");
    t.k.ctx.call(freeIp, () => t.k.slab.kfree(p, freeIp));
    t.k.ctx.call(freeIp, () => t.k.slab.kfree(p, freeIp));
    const q = kmallocAt(t.k, t.site("__kmalloc_cache_noprof"), 32);
    t.k.ctx.call(freeIp, () => t.k.slab.kfree(q + 1, freeIp));
    const df = t.text(0);
    expect(df.slice(1, 4)).toEqual([`BUG: KASAN: double-free in ${t.fmt(freeIp)}`, expect.stringMatching(new RegExp(`^Free of addr ${ADDR} by task ${TASK}$`)), ""]);
    const ct = df.indexOf("Call trace:");
    // The caller's call site is the innermost chain entry; it is not repeated for the ip.
    expect(df.slice(ct + 4, ct + 11)).toEqual([...t.chain(["print_report", "kasan_report_invalid_free", "__kasan_slab_pre_free", "kfree"], "dump_stack_lvl"), " " + t.fmt(freeIp), ...t.callers.slice(0, 2)]);
    expect(df).toContain("Freed by task 37:");
    expect(df).toContain("The buggy address is located 0 bytes inside of");
    const inv = t.text(1);
    expect(inv[1]).toBe(`BUG: KASAN: invalid-free in ${t.fmt(freeIp)}`);
    expect(inv).toContain("The buggy address is located 1 bytes inside of");
  });

  it("vmalloc-out-of-bounds: the virtual mapping lines and the backing page", () => {
    const t = boot("generic");
    const p = t.k.vmalloc.vmalloc(1000, "test_fn");
    const ip = t.ks.ip(t.ks.sym("test_fn", undefined, "kasan_test"), 0x10);
    t.k.access.read(p + 1000, 1, ip);
    const lines = t.text();
    expect(lines[1]).toBe(`BUG: KASAN: vmalloc-out-of-bounds in ${t.fmt(ip)}`);
    const v = lines.indexOf("The buggy address belongs to the virtual mapping at");
    // 1000 bytes → one page plus the guard page: va->size = 8192.
    const start = BigInt("0x" + lines[v + 1].slice(2, 18));
    const end = BigInt("0x" + lines[v + 1].slice(20, 36));
    expect(end - start).toBe(8192n);
    expect(lines[v + 1]).toMatch(new RegExp(`^ \\[${ADDR}, ${ADDR}\\) created by:$`));
    expect(lines[v + 2]).toBe(" test_fn");
    expect(lines[v + 3]).toBe("");
    expect(lines[v + 4]).toBe("The buggy address belongs to the physical page:");
    expect(lines).not.toContain("Allocated by task 37:");
  });

  it("page use-after-free (Generic): use-after-free and a page dump, no object lines", () => {
    const t = boot("generic");
    const pfn = t.k.pages.allocPages(GFP_KERNEL, 0);
    const p = t.k.pages.pageAddress(pfn);
    t.k.pages.freePages(pfn, 0);
    const ip = t.ks.ip(t.ks.sym("test_fn", undefined, "kasan_test"), 0x20);
    t.k.access.read(p, 1, ip);
    const lines = t.text();
    expect(lines[1]).toBe(`BUG: KASAN: use-after-free in ${t.fmt(ip)}`);
    expect(lines).not.toContain(" which belongs to the cache");
    const pg = lines.indexOf("The buggy address belongs to the physical page:");
    // A freed order-0 page sits on the per-CPU list: refcount 0, no page type, _mapcount −1.
    expect(lines[pg + 1]).toBe(`page: refcount:0 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x${pfn.toString(16)}`);
    expect(lines[pg + 4]).toBe("raw: 0000000000000000 0000000000000000 00000000ffffffff 0000000000000000");
    expect(lines.find((l) => l.startsWith(">"))).toMatch(/^>[0-9a-f]{16}: ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff$/);
  });

  it("HW_TAGS async: no address details, the async path in the trace", () => {
    const t = boot("hw_tags", "kasan_multi_shot kasan.mode=async");
    const p = kmallocAt(t.k, t.site("__kmalloc_cache_noprof"), 64);
    t.k.access.write(p + 64, 1, t.site("store"));
    expect(t.k.reports.count).toBe(0);
    (t.k.kasan.backend as HwTagsBackend).checkTfsr();
    expectLines(t.text(), [
      SEP,
      "BUG: KASAN: invalid-access",
      "Asynchronous fault: no details available",
      "",
      ...t.dumpHead(NOT_TAINTED),
      ...t.chain(["kasan_report_async", "mte_check_tfsr_el1"], "dump_stack_lvl"),
      ...t.callers,
      SEP,
    ]);
  });

  it("no metadata (a user address, Generic): header, blank, stack dump, separator", () => {
    const t = boot("generic");
    const ip = t.ks.ip(t.ks.sym("test_fn", undefined, "kasan_test"), 0x30);
    t.k.access.read(userPtr(16), 8, ip);
    expectLines(t.text(), [
      SEP,
      `BUG: KASAN: null-ptr-deref in ${t.fmt(ip)}`,
      `Read of size 8 at addr 0000000000000010 by task ${TASK}`,
      "",
      ...t.dumpHead(NOT_TAINTED),
      ...t.chain(["print_report", "kasan_report", "__asan_report_load8_noabort"], "dump_stack_lvl"),
      " " + t.fmt(ip),
      ...t.callers,
      SEP,
    ]);
  });

  it("kasan.stacktrace=off (HW_TAGS): no stack sections, the same bug is invalid-access", () => {
    const t = boot("hw_tags", "kasan_multi_shot kasan.stacktrace=off");
    const p = kmallocAt(t.k, t.site("__kmalloc_cache_noprof"), 107);
    t.k.access.write(p + 112, 1, t.site("store"));
    const lines = t.text();
    expect(lines[1]).toMatch(/^BUG: KASAN: invalid-access in /);
    expect(lines.some((l) => l.startsWith("Allocated by") || l.startsWith("Freed by"))).toBe(false);
    expect(lines).toContain(" which belongs to the cache kmalloc-128 of size 128");
  });

  it("--stacks none / --stack-depot off: handle 0, so no Allocated section (6.12 prints none)", () => {
    for (const extra of [{ stacks: "none" as const }, { stackDepot: false }]) {
      const t = boot("generic", "kasan_multi_shot", { mode: "generic", ...extra });
      const p = kmallocAt(t.k, t.site("__kmalloc_cache_noprof"), 16);
      t.k.access.read(p + 16, 1, t.site("load"));
      const lines = t.text();
      expect(lines.some((l) => l.startsWith("Allocated by"))).toBe(false);
      expect(lines).toContain("The buggy address is located 0 bytes to the right of");
      expect(t.k.reports.events[0].object?.allocTrack).toEqual({ pid: 37, stack: 0 });
    }
  });

  it("the separator is 66 '='", () => {
    expect(REPORT_SEPARATOR).toBe(SEP);
  });
});

describe("KASAN report JSON", () => {
  it("carries the facts of the text report", () => {
    const t = boot("generic");
    const p = kmallocAt(t.k, t.site("__kmalloc_cache_noprof"), 115);
    const ip = t.site("store");
    t.k.access.write(p + 120, 2, ip);
    const e = t.k.reports.events[0];
    const env = reportFormatEnv(t.k);
    const j = formatKasanReportJson(e, env);
    expect(j).toMatchObject({
      bugType: "slab-out-of-bounds",
      access: "write",
      size: 2,
      pointerTag: null,
      memoryTag: null,
      // 120 − 115 = 5 bytes to the right of the 115-byte region.
      object: { cache: "kmalloc-128", cacheSize: 128, offsetRelation: "right", offset: 5, regionSize: 115, regionState: "allocated" },
      freeStack: null,
      ip: t.fmt(ip),
    });
    expect(j.address).toMatch(new RegExp(`^${ADDR}$`));
    expect(j.allocStack?.frames.slice(0, 2)).toEqual([t.fmt(t.ks.callSite("kasan_save_stack", "stack_trace_save")), t.fmt(t.ks.callSite("kasan_save_track", "kasan_save_stack"))]);
    expect(j.text.split("\n")).toEqual(formatKasanReport(e, env));
    expect(JSON.parse(JSON.stringify(j))).toEqual(j);
  });

  it("HW_TAGS faults and frees have a null size; async has no address", () => {
    const t = boot("hw_tags");
    const p = kmallocAt(t.k, t.site("__kmalloc_cache_noprof"), 107);
    t.k.access.write(p + 112, 1, t.site("store"));
    const env = reportFormatEnv(t.k);
    const j = formatKasanReportJson(t.k.reports.events[0], env);
    expect([j.size, j.access, j.object?.regionState, j.pointerTag, j.memoryTag]).toEqual([null, "write", null, Math.floor(p / 2 ** 44).toString(16), "fe"]);
  });
});
