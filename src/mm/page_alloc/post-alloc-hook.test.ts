/**
 * post_alloc_hook and free_pages_prepare decisions, one row per case of kasan-facts §3.2, §3.3,
 * §3.5 and the page rows of §11b.4: which KASAN hook ran with which `init`, the page tag left
 * behind, and who zeroed (tag_clear_highpage, KASAN's integrated init, kernel_init_pages).
 * Every row allocates an order-1 block, so each per-page count is 2.
 */
import { describe, expect, it } from "vitest";
import type { KasanMode } from "../../config/mode.js";
import { Counters } from "../../cost/counters.js";
import { ExecContext } from "../../lib/context.js";
import type { ArchPageOps } from "../arch-page-ops.js";
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL, __GFP_SKIP_KASAN, __GFP_SKIP_ZERO, __GFP_ZERO, __GFP_ZEROTAGS } from "../gfp.js";
import { PageAllocator } from "./page-allocator.js";
import { RecordingKasanHooks } from "./recording-kasan-hooks.js";

class RecordingArch implements ArchPageOps {
  tagClear = 0;
  clear = 0;
  tagClearHighpage(): void {
    this.tagClear++;
  }
  clearHighpage(): void {
    this.clear++;
  }
}

interface Setup {
  mode: KasanMode;
  hwEnabled?: boolean;
  sampledOut?: boolean;
  initOnAlloc?: boolean;
  initOnFree?: boolean;
}

function setup(s: Setup) {
  const counters = new Counters();
  const arch = new RecordingArch();
  const zero = { kasan: 0 };
  const pagesRef: { pa?: PageAllocator } = {};
  const ctx = new ExecContext(1);
  // The hooks set page tags on the allocator's memmap, as the real KASAN does.
  const pa = new PageAllocator({
    memoryBytes: 8 << 20,
    reservedBytes: 0,
    nrCpus: 1,
    ctx,
    counters,
    hooks: new RecordingKasanHooks({
      mode: s.mode,
      hwEnabled: s.hwEnabled,
      sample: s.sampledOut ? () => false : undefined,
      onZero: () => zero.kasan++,
      get pages() {
        return pagesRef.pa?.pages;
      },
    }),
    arch,
    initOnAlloc: s.initOnAlloc ?? false,
    initOnFree: s.initOnFree ?? false,
    mode: s.mode,
  });
  pagesRef.pa = pa;
  const hooks = pa.hooks as RecordingKasanHooks;
  return { pa, counters, arch, zero, hooks };
}

interface Seen {
  /** `init` passed to the KASAN hook, or "none" when it was not called. */
  hook: boolean | "none";
  tag: number;
  tagClear: number;
  kasanZero: number;
  kernelInit: number;
}

function allocRow(s: Setup, gfp: number): Seen & { skipped: number; sampledOut: number } {
  const { pa, arch, zero, hooks, counters } = setup(s);
  const pfn = pa.allocPages(gfp, 1);
  const calls = hooks.calls.filter((c) => c.hook === "unpoisonPages");
  expect(calls.length).toBeLessThanOrEqual(1);
  if (calls.length === 1) expect([calls[0].pfn, calls[0].order]).toEqual([pfn, 1]);
  expect(pa.pages.kasanTag(pfn + 1)).toBe(pa.pages.kasanTag(pfn));
  return {
    hook: calls.length === 1 ? calls[0].init : "none",
    tag: pa.pages.kasanTag(pfn),
    tagClear: arch.tagClear,
    kasanZero: zero.kasan,
    kernelInit: arch.clear,
    skipped: counters.cur.kasanSkippedUnpoison,
    sampledOut: counters.cur.kasanUnpoisonSampledOut,
  };
}

const HW: Setup = { mode: "hw_tags" };
const T = 0xf3; // the tag the fake KASAN assigns
const none = { tagClear: 0, kasanZero: 0, kernelInit: 0 };

describe("post_alloc_hook decisions", () => {
  const rows: [string, Setup, number, Seen & { skipped: number; sampledOut: number }][] = [
    ["hw_tags GFP_KERNEL: tagged, nobody zeroes", HW, GFP_KERNEL, { hook: false, tag: T, ...none, skipped: 0, sampledOut: 0 }],
    ["hw_tags __GFP_ZERO: KASAN zeroes while tagging", HW, GFP_KERNEL | __GFP_ZERO, { hook: true, tag: T, ...none, kasanZero: 2, skipped: 0, sampledOut: 0 }],
    ["hw_tags init_on_alloc: KASAN zeroes while tagging", { ...HW, initOnAlloc: true }, GFP_KERNEL, { hook: true, tag: T, ...none, kasanZero: 2, skipped: 0, sampledOut: 0 }],
    ["hw_tags GFP_HIGHUSER_MOVABLE: SKIP_KASAN, tag 0xFF", HW, GFP_HIGHUSER_MOVABLE, { hook: "none", tag: 0xff, ...none, skipped: 1, sampledOut: 0 }],
    ["hw_tags user page + __GFP_ZERO: kernel_init_pages zeroes", HW, GFP_HIGHUSER_MOVABLE | __GFP_ZERO, { hook: "none", tag: 0xff, ...none, kernelInit: 2, skipped: 1, sampledOut: 0 }],
    ["hw_tags user page + ZERO + ZEROTAGS: tag_clear_highpage only", HW, GFP_HIGHUSER_MOVABLE | __GFP_ZERO | __GFP_ZEROTAGS, { hook: "none", tag: 0xff, ...none, tagClear: 2, skipped: 1, sampledOut: 0 }],
    ["hw_tags ZERO + ZEROTAGS without SKIP_KASAN: tag_clear_highpage, then unpoison with init=false", HW, GFP_KERNEL | __GFP_ZERO | __GFP_ZEROTAGS, { hook: false, tag: T, ...none, tagClear: 2, skipped: 0, sampledOut: 0 }],
    ["hw_tags ZEROTAGS without init: no tag clearing", HW, GFP_KERNEL | __GFP_ZEROTAGS, { hook: false, tag: T, ...none, skipped: 0, sampledOut: 0 }],
    ["hw_tags vmalloc backing (ZERO|SKIP_ZERO|SKIP_KASAN): nobody zeroes", HW, GFP_KERNEL | __GFP_ZERO | __GFP_SKIP_ZERO | __GFP_SKIP_KASAN, { hook: "none", tag: 0xff, ...none, skipped: 1, sampledOut: 0 }],
    ["hw_tags init_on_alloc + SKIP_ZERO: should_skip_init", { ...HW, initOnAlloc: true }, GFP_KERNEL | __GFP_SKIP_ZERO, { hook: false, tag: T, ...none, skipped: 0, sampledOut: 0 }],
    ["hw_tags sampled out + __GFP_ZERO: tag reset, kernel_init_pages zeroes", { ...HW, sampledOut: true }, GFP_KERNEL | __GFP_ZERO, { hook: true, tag: 0xff, ...none, kernelInit: 2, skipped: 0, sampledOut: 1 }],
    ["hw_tags init_on_free + __GFP_ZERO: no alloc-side zeroing", { ...HW, initOnFree: true }, GFP_KERNEL | __GFP_ZERO, { hook: false, tag: T, ...none, skipped: 0, sampledOut: 0 }],
    ["hw_tags disabled (kasan=off): SKIP_ZERO ignored, kernel_init_pages zeroes", { ...HW, hwEnabled: false }, GFP_KERNEL | __GFP_ZERO | __GFP_SKIP_ZERO, { hook: "none", tag: 0xff, ...none, kernelInit: 2, skipped: 1, sampledOut: 0 }],
    ["generic __GFP_ZERO: unpoison (init ignored), kernel_init_pages zeroes", { mode: "generic" }, GFP_KERNEL | __GFP_ZERO, { hook: true, tag: 0xff, ...none, kernelInit: 2, skipped: 0, sampledOut: 0 }],
    ["generic GFP_HIGHUSER_MOVABLE: software modes never skip", { mode: "generic" }, GFP_HIGHUSER_MOVABLE, { hook: false, tag: 0xff, ...none, skipped: 0, sampledOut: 0 }],
    ["generic ZERO + ZEROTAGS: tag_clear_highpage still zeroes (arch), no kernel_init", { mode: "generic" }, GFP_KERNEL | __GFP_ZERO | __GFP_ZEROTAGS, { hook: false, tag: 0xff, ...none, tagClear: 2, skipped: 0, sampledOut: 0 }],
    ["sw_tags __GFP_ZERO: tagged, kernel_init_pages zeroes", { mode: "sw_tags" }, GFP_KERNEL | __GFP_ZERO, { hook: true, tag: T, ...none, kernelInit: 2, skipped: 0, sampledOut: 0 }],
    ["KASAN off __GFP_ZERO: no hook, kernel_init_pages zeroes", { mode: "off" }, GFP_KERNEL | __GFP_ZERO, { hook: "none", tag: 0xff, ...none, kernelInit: 2, skipped: 1, sampledOut: 0 }],
  ];

  it.each(rows)("%s", (_name, s, gfp, expected) => {
    expect(allocRow(s, gfp)).toEqual(expected);
  });
});

function freeRow(s: Setup, gfp: number): Seen & { skipped: number } {
  const { pa, arch, zero, hooks, counters } = setup(s);
  const pfn = pa.allocPages(gfp, 1);
  const tagBefore = pa.pages.kasanTag(pfn);
  hooks.calls.length = 0;
  arch.clear = arch.tagClear = zero.kasan = 0;
  pa.freePages(pfn, 1);
  const calls = hooks.calls;
  expect(calls.length).toBeLessThanOrEqual(1);
  if (calls.length === 1) expect(calls[0]).toMatchObject({ hook: "poisonPages", pfn, order: 1 });
  // free_pages_prepare leaves the page tag alone (KASAN changes memory tags, not the page tag).
  expect(pa.pages.kasanTag(pfn)).toBe(tagBefore);
  return {
    hook: calls.length === 1 ? calls[0].init : "none",
    tag: tagBefore,
    tagClear: arch.tagClear,
    kasanZero: zero.kasan,
    kernelInit: arch.clear,
    skipped: counters.cur.kasanSkippedPoison,
  };
}

describe("free_pages_prepare decisions (should_skip_kasan_poison)", () => {
  const rows: [string, Setup, number, Seen & { skipped: number }][] = [
    ["hw_tags tagged page: poisoned", HW, GFP_KERNEL, { hook: false, tag: T, ...none, skipped: 0 }],
    ["hw_tags page tag 0xFF (SKIP_KASAN): poisoning skipped", HW, GFP_HIGHUSER_MOVABLE, { hook: "none", tag: 0xff, ...none, skipped: 1 }],
    ["hw_tags sampled-out page (tag 0xFF): poisoning skipped", { ...HW, sampledOut: true }, GFP_KERNEL, { hook: "none", tag: 0xff, ...none, skipped: 1 }],
    ["hw_tags init_on_free, tagged: KASAN zeroes while poisoning", { ...HW, initOnFree: true }, GFP_KERNEL, { hook: true, tag: T, ...none, kasanZero: 2, skipped: 0 }],
    ["hw_tags init_on_free, tag 0xFF: kernel_init_pages zeroes", { ...HW, initOnFree: true }, GFP_HIGHUSER_MOVABLE, { hook: "none", tag: 0xff, ...none, kernelInit: 2, skipped: 1 }],
    ["hw_tags disabled: nothing to poison", { ...HW, hwEnabled: false }, GFP_KERNEL, { hook: "none", tag: 0xff, ...none, skipped: 1 }],
    ["generic: always poisoned, whatever the page tag", { mode: "generic" }, GFP_HIGHUSER_MOVABLE, { hook: false, tag: 0xff, ...none, skipped: 0 }],
    ["generic init_on_free: poisoned and kernel_init_pages zeroes", { mode: "generic", initOnFree: true }, GFP_KERNEL, { hook: true, tag: 0xff, ...none, kernelInit: 2, skipped: 0 }],
    ["sw_tags tagged page: poisoned", { mode: "sw_tags" }, GFP_KERNEL, { hook: false, tag: T, ...none, skipped: 0 }],
    ["KASAN off: skipped", { mode: "off" }, GFP_KERNEL, { hook: "none", tag: 0xff, ...none, skipped: 1 }],
  ];

  it.each(rows)("%s", (_name, s, gfp, expected) => {
    expect(freeRow(s, gfp)).toEqual(expected);
  });

  it("counts hook calls per allocation and free", () => {
    const { pa, counters } = setup(HW);
    const a = pa.allocPages(GFP_KERNEL, 1);
    const b = pa.allocPages(GFP_HIGHUSER_MOVABLE, 1);
    pa.freePages(a, 1);
    pa.freePages(b, 1);
    // a: unpoisoned then poisoned; b: both skipped.
    expect([counters.cur.kasanUnpoisonPages, counters.cur.kasanSkippedUnpoison]).toEqual([1, 1]);
    expect([counters.cur.kasanPoisonPages, counters.cur.kasanSkippedPoison]).toEqual([1, 1]);
  });

  it("page_address carries the page tag; virt_to_page ignores it", () => {
    const { pa } = setup(HW);
    const a = pa.allocPages(GFP_KERNEL, 0);
    const ptr = pa.pageAddress(a);
    // Linear offset of pfn a = (a − 0x40000) · 4096, tag 0xF3 in the top byte.
    expect(ptr).toBe(T * 2 ** 44 + (a - 0x40000) * 4096);
    expect(pa.virtToPfn(ptr + 123)).toBe(a);
    expect(pa.virtToPfn(0xff * 2 ** 44 + (a - 0x40000) * 4096)).toBe(a);
    expect(pa.virtToPfn(2 ** 42 + 5)).toBe(-1);
    expect(pa.virtToPfn(0xff * 2 ** 44 + 2048 * 4096)).toBe(-1);
  });
});
