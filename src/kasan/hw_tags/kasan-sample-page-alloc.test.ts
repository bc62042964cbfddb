/**
 * kasan.page_alloc.sample / kasan.page_alloc.sample.order (kasan_sample_page_alloc): the
 * per-CPU kasan_page_alloc_skip starts at 0; an eligible allocation decrements it and is
 * tagged only when it drops below 0, which reloads it with sample − 1.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GFP_KERNEL, __GFP_ZERO } from "../../mm/gfp.js";
import { pfnToOffset } from "../../mm/memory-layout.js";
import { PageAllocSampler } from "./page-alloc-sample.js";
import { granuleTags, makeHwTagsEnv } from "./test-env.js";

describe("kasan_sample_page_alloc", () => {
  it("sample=3, order 3: the 1st, 4th and 7th order-3 allocations are tagged, the rest are not", () => {
    const { pa, pages, mte, counters } = makeHwTagsEnv({ cmdline: "kasan.page_alloc.sample=3" });
    // skip: 0 → −1 (tag, reload 2) → 1 → 0 → −1 (tag, reload 2) → 1 → 0 → −1 (tag).
    const tagged: boolean[] = [];
    for (let i = 0; i < 7; i++) {
      const pfn = pa.allocPages(GFP_KERNEL, 3);
      const t = pages.kasanTag(pfn);
      tagged.push(t !== 0xff);
      if (t === 0xff) {
        // Sampled out: post_alloc_hook reset the page tags, memory keeps its boot tag 0.
        for (let k = 0; k < 8; k++) expect(pages.kasanTag(pfn + k)).toBe(0xff);
        expect(new Set(granuleTags(mte, pfnToOffset(pfn), 8 * 4096))).toEqual(new Set([0xf0]));
      }
    }
    expect(tagged).toEqual([true, false, false, true, false, false, true]);
    expect(counters.cur.irg).toBe(3);
    expect(counters.cur.kasanUnpoisonSampledOut).toBe(4);
  });

  it("orders below sample.order are always tagged and do not move the counter", () => {
    const { pa, pages, b } = makeHwTagsEnv({ cmdline: "kasan.page_alloc.sample=3" });
    for (let i = 0; i < 4; i++) expect(pages.kasanTag(pa.allocPages(GFP_KERNEL, 2))).not.toBe(0xff);
    expect(b.sampler.skipOf(0)).toBe(0);
    // The first order-3 allocation after them is still the first eligible one: tagged.
    expect(pages.kasanTag(pa.allocPages(GFP_KERNEL, 3))).not.toBe(0xff);
    expect(b.sampler.skipOf(0)).toBe(2);
  });

  it("sample.order=1 brings order-1 allocations under sampling; counters are per CPU", () => {
    const { pa, pages, ctx, b } = makeHwTagsEnv({ cmdline: "kasan.page_alloc.sample=2 kasan.page_alloc.sample.order=1" });
    const onCpu = (cpu: number) => {
      ctx.cpu = cpu;
      return pages.kasanTag(pa.allocPages(GFP_KERNEL, 1)) !== 0xff;
    };
    // CPU 0: tagged (skip → 1), not (→ 0); CPU 1 starts fresh: tagged; CPU 0 again: tagged.
    expect([onCpu(0), onCpu(0), onCpu(1), onCpu(0)]).toEqual([true, false, true, true]);
    expect([b.sampler.skipOf(0), b.sampler.skipOf(1)]).toEqual([1, 1]);
    expect(pages.kasanTag(pa.allocPages(GFP_KERNEL, 0))).not.toBe(0xff);
  });

  it("a sampled-out __GFP_ZERO allocation is zeroed by kernel_init_pages and its free is not poisoned", () => {
    const { pa, pages, counters } = makeHwTagsEnv({ cmdline: "kasan.page_alloc.sample=2" });
    pa.allocPages(GFP_KERNEL, 3); // tagged, skip → 1
    const pfn = pa.allocPages(GFP_KERNEL | __GFP_ZERO, 3); // sampled out, skip → 0
    expect(pages.kasanTag(pfn)).toBe(0xff);
    // 2^3 pages cleared by clear_highpage; the first allocation zeroed nothing.
    expect(counters.cur.kernelInitPages).toBe(8);
    expect(counters.cur.bytesZeroed).toBe(8 * 4096);
    const granulesBefore = counters.cur.granulesTagged;
    pa.freePages(pfn, 3);
    expect(counters.cur.kasanSkippedPoison).toBe(1);
    expect(counters.cur.granulesTagged).toBe(granulesBefore);
  });

  it("property: with sample N, the k-th eligible allocation on a CPU (0-based) is tagged iff k mod N = 0", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 60 }), (n, orders) => {
        const s = new PageAllocSampler(n, 3, 1);
        let k = 0;
        for (const order of orders) {
          const got = s.sampleAlloc(0, order);
          if (order < 3) {
            expect(got).toBe(true);
          } else {
            expect(got).toBe(k % n === 0);
            k++;
          }
        }
      }),
    );
  });

  it("rejects a sample below 1 or a bad CPU", () => {
    expect(() => new PageAllocSampler(0, 3, 1)).toThrow(/kasan\.page_alloc\.sample/);
    expect(() => new PageAllocSampler(2, -1, 1)).toThrow(/sample\.order/);
    expect(() => new PageAllocSampler(2, 3, 1).sampleAlloc(5, 3)).toThrow(/cpu/);
  });
});
