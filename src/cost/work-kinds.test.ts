import { describe, expect, it } from "vitest";
import { bootKernel } from "../kernel/kernel.js";
import { GFP_KERNEL, __GFP_ZERO } from "../mm/gfp.js";
import { costTerm } from "./cost-terms.js";
import { counterCount } from "./cost-model.js";

// The counters the cost terms split work by, checked on a booted kernel: zeroing by kind, and
// the SCS slots of the __noscs flavour.
describe("zeroing by kind", () => {
  const clearPage = costTerm("clearPage");
  const memsetZero = costTerm("memsetZero");
  if (clearPage === undefined || memsetZero === undefined) throw new Error("cost terms clearPage/memsetZero missing");

  it("generic: a __GFP_ZERO page is one clear_page, not memset", () => {
    const k = bootKernel({ mode: "generic", seed: 1 });
    const before = k.counters.total();
    k.pages.allocPages(GFP_KERNEL | __GFP_ZERO, 0);
    const after = k.counters.total();
    // kernel_init_pages → clear_highpage: 4096 bytes by clear_page, nothing left for memset
    expect(counterCount(clearPage, after) - counterCount(clearPage, before)).toBe(1);
    expect(counterCount(memsetZero, after) - counterCount(memsetZero, before)).toBe(0);
  });

  it("hw_tags: a __GFP_ZERO page is zeroed by the tagging (DC GZVA), neither clear_page nor memset", () => {
    const k = bootKernel({ mode: "hw_tags", seed: 1 });
    const before = k.counters.total();
    k.pages.allocPages(GFP_KERNEL | __GFP_ZERO, 0);
    const after = k.counters.total();
    // kasan_unpoison_pages with init: STZG/DC GZVA over the page; 4096 bytes zeroed by tagging
    expect(after.bytesZeroedByTagging - before.bytesZeroedByTagging).toBe(4096);
    expect(counterCount(clearPage, after) - counterCount(clearPage, before)).toBe(0);
    expect(counterCount(memsetZero, after) - counterCount(memsetZero, before)).toBe(0);
  });

  it("generic: kzalloc's object is a memset", () => {
    const k = bootKernel({ mode: "generic", seed: 1 });
    const before = k.counters.total();
    k.slab.kmalloc(100, GFP_KERNEL | __GFP_ZERO);
    const after = k.counters.total();
    // slab_post_alloc_hook: memset of the cache's object size (kmalloc-128 → 128 bytes), no clear_page
    expect(counterCount(memsetZero, after) - counterCount(memsetZero, before)).toBe(128);
  });
});

describe("seed 004's __noscs flavour", () => {
  it("counts its SCS slots in framesCopiedScsNoscs as well as framesCopiedScs", () => {
    const k = bootKernel({ mode: "generic", seed: 1, stacks: "scs-noscs" });
    const before = k.counters.total();
    k.slab.kmalloc(64, GFP_KERNEL);
    const after = k.counters.total();
    const slots = after.framesCopiedScs - before.framesCopiedScs;
    expect(slots).toBeGreaterThan(0);
    expect(after.framesCopiedScsNoscs - before.framesCopiedScsNoscs).toBe(slots);
  });

  it("does not count them with the plain scs flavour", () => {
    const k = bootKernel({ mode: "generic", seed: 1, stacks: "scs" });
    k.slab.kmalloc(64, GFP_KERNEL);
    const t = k.counters.total();
    expect(t.framesCopiedScs).toBeGreaterThan(0);
    expect(t.framesCopiedScsNoscs).toBe(0);
  });
});
