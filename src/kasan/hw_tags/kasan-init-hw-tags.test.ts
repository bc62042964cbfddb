/**
 * Boot of HW_TAGS (kasan_init_hw_tags_cpu on every CPU, kasan_init_hw_tags once, kasan_init_tags)
 * and `kasan=off`: what the allocators and the CPU see afterwards.
 */
import { describe, expect, it } from "vitest";
import { Mte } from "../../arch/index.js";
import { makePtr, ptrTag, setTag } from "../../arch/pointer.js";
import { defaultBootParams } from "../../config/boot-params.js";
import { Counters } from "../../cost/counters.js";
import { ExecContext } from "../../lib/context.js";
import { Prng } from "../../lib/prng.js";
import { GFP_KERNEL, __GFP_ZERO } from "../../mm/gfp.js";
import { pfnToOffset } from "../../mm/memory-layout.js";
import { createKasan } from "../kasan.js";
import { fakeCache, FakePageTags, kptr, TEST_PFN } from "../testing/fakes.js";
import type { HwTagsBackend } from "./hw-tags-backend.js";
import { granuleTags, makeHwTagsEnv } from "./test-env.js";

describe("kasan_init_hw_tags", () => {
  it("default: every CPU in sync mode, banner, integrated init, stack ring of 32768", () => {
    const { b, mte, kasan } = makeHwTagsEnv({ nrCpus: 3 });
    expect(b.bootLog).toEqual([
      "MTE: enabled in synchronous mode at EL1",
      "kasan: KernelAddressSanitizer initialized (hw-tags, mode=sync, vmalloc=on, stacktrace=on)",
    ]);
    expect([0, 1, 2].map((c) => mte.tcf(c))).toEqual(["sync", "sync", "sync"]);
    expect([kasan.hooks.enabled, kasan.hooks.hwTagsEnabled, kasan.hooks.hasIntegratedInit, kasan.hooks.vmallocEnabled, kasan.hooks.granuleSize]).toEqual([true, true, true, true, 16]);
    expect(b.stackRing?.size).toBe(32768);
    expect(mte.regs.asyncOrAsymmMode).toBe(false);
  });

  it("kasan.mode=async kasan.stacktrace=off kasan.vmalloc=off", () => {
    const { b, mte } = makeHwTagsEnv({ cmdline: "kasan.mode=async kasan.stacktrace=off kasan.vmalloc=off" });
    expect(b.bootLog).toEqual([
      "MTE: enabled in asynchronous mode at EL1",
      "kasan: KernelAddressSanitizer initialized (hw-tags, mode=async, vmalloc=off, stacktrace=off)",
    ]);
    expect([mte.tcf(0), mte.tcf(1)]).toEqual(["async", "async"]);
    expect(mte.regs.asyncOrAsymmMode).toBe(true);
    expect([b.stackCollectionEnabled, b.stackRing, b.vmallocEnabled]).toEqual([false, undefined, false]);
    expect([b.syncFaultPossible, b.asyncFaultPossible]).toEqual([false, true]);
  });

  it("kasan.stack_ring_size too large for memblock: WARN, stack collection off", () => {
    const { b, kasan } = makeHwTagsEnv({ cmdline: "kasan.stack_ring_size=16777217" });
    expect(b.stackCollectionEnabled).toBe(false);
    expect(kasan.warnings).toHaveLength(1);
    expect(b.bootLog[1]).toContain("stacktrace=off");
  });

  it("kasan.stack_ring_size=4: a 4-entry ring", () => {
    const { b } = makeHwTagsEnv({ cmdline: "kasan.stack_ring_size=4" });
    expect(b.stackRing?.size).toBe(4);
  });

  it("kasan_poison / kasan_unpoison WARN and bail on a misaligned address or size", () => {
    const { b, kasan, mte, counters } = makeHwTagsEnv();
    mte.storage.fillTags(0x10000, 64, 0x3);
    b.poison(makePtr(0xff, 0x10008), 16, 0xfe, false);
    b.poison(makePtr(0xff, 0x10000), 24, 0xfe, false);
    b.unpoison(makePtr(0xf5, 0x10004), 16, false);
    expect(kasan.warnings).toHaveLength(3);
    expect(counters.cur.kasanWarnings).toBe(3);
    // Nothing reached mte_set_mem_tag_range (storage.fillTags above is not an instruction).
    expect(counters.cur.granulesTagged).toBe(0);
    expect(granuleTags(mte, 0x10000, 64)).toEqual([0xf3, 0xf3, 0xf3, 0xf3]);
  });

  it("random tags are IRG's 0xF0..0xFD, never 0xFE/0xFF", () => {
    const { b, counters } = makeHwTagsEnv();
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) seen.add(b.randomTag());
    expect(Math.min(...seen)).toBe(0xf0);
    expect(Math.max(...seen)).toBe(0xfd);
    expect(seen.size).toBe(14);
    expect(counters.cur.irg).toBe(500);
  });
});

describe("kasan=off (and no MTE)", () => {
  for (const [name, opts] of [
    ["kasan=off", { cmdline: "kasan=off" }],
    ["!system_supports_mte()", { systemSupportsMte: false }],
  ] as const) {
    it(`${name}: hooks are no-ops, no CPU checks tags, allocations are not tagged`, () => {
      const { b, kasan, mte, pa, pages, counters, events } = makeHwTagsEnv(opts);
      expect([b.enabled, kasan.hooks.enabled, kasan.hooks.hwTagsEnabled, kasan.hooks.hasIntegratedInit]).toEqual([false, false, false, false]);
      expect(b.bootLog).toEqual([]);
      expect([mte.tcf(0), mte.tcf(1)]).toEqual(["none", "none"]);
      // should_skip_kasan_unpoison() is true when HW tags are disabled: page tag 0xFF, no IRG,
      // and __GFP_ZERO falls back to kernel_init_pages.
      const pfn = pa.allocPages(GFP_KERNEL | __GFP_ZERO, 0);
      expect(pages.kasanTag(pfn)).toBe(0xff);
      expect([counters.cur.irg, counters.cur.granulesTagged, counters.cur.kernelInitPages]).toEqual([0, 0, 1]);
      const cache = fakeCache({ objectSize: 64 });
      const obj = kptr(pfnToOffset(pfn));
      expect(kasan.hooks.slabAlloc(cache, obj, GFP_KERNEL, false)).toBe(obj);
      // A pointer whose tag does not match memory is not checked by the CPU.
      expect(kasan.access.write(makePtr(0xf3, pfnToOffset(pfn)), 8)).toBe(true);
      expect(counters.cur.tagChecks).toBe(0);
      expect(counters.cur.tagChecksSkipped).toBe(1);
      expect(events).toHaveLength(0);
    });
  }
});

describe("createKasan('hw_tags') inputs", () => {
  const base = () => {
    const counters = new Counters();
    const ctx = new ExecContext(2);
    const prng = new Prng(3);
    return { counters, ctx, prng, pageTags: new FakePageTags() };
  };

  it("requires deps.mte and deps.pageTags", () => {
    const d = base();
    expect(() => createKasan("hw_tags", defaultBootParams(), d)).toThrow(/deps\.mte is required/);
    const mte = new Mte({ nrCpus: 2, prng: d.prng, counters: d.counters });
    expect(() => createKasan("hw_tags", defaultBootParams(), { ...d, pageTags: undefined, mte })).toThrow(/deps\.pageTags is required/);
  });

  it("rejects an Mte with other counters or another CPU count", () => {
    const d = base();
    const other = new Mte({ nrCpus: 2, prng: d.prng, counters: new Counters() });
    expect(() => createKasan("hw_tags", defaultBootParams(), { ...d, mte: other })).toThrow(/counters/);
    const fewer = new Mte({ nrCpus: 1, prng: d.prng, counters: d.counters });
    expect(() => createKasan("hw_tags", defaultBootParams(), { ...d, mte: fewer })).toThrow(/nrCpus/);
  });

  it("works with the KASAN layer's fake page tags too", () => {
    const d = base();
    const mte = new Mte({ nrCpus: 2, prng: d.prng, counters: d.counters });
    const k = createKasan("hw_tags", defaultBootParams(), { ...d, mte });
    expect(k.hooks.unpoisonPages(TEST_PFN, 0, false)).toBe(true);
    const p = (k.backend as HwTagsBackend).pageAddress(TEST_PFN);
    const t = ptrTag(p);
    expect(d.pageTags.kasanTag(TEST_PFN)).toBe(t);
    expect(k.access.read(p + 4095, 1)).toBe(true);
    // Any other random tag on the same page mismatches.
    expect(k.access.read(setTag(p, t === 0xf1 ? 0xf2 : 0xf1), 1)).toBe(false);
    expect(k.reports.events).toHaveLength(1);
  });
});
