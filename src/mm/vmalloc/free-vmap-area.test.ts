import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { alignUp, classifyFit, FitType, FreeVmapAreaList, VA_ENOENT, VA_ENOMEM, VA_ERANGE } from "./free-vmap-area.js";

const PAGE = 4096;

function list(): { fl: FreeVmapAreaList; freed: number[] } {
  const freed: number[] = [];
  return { fl: new FreeVmapAreaList((obj) => freed.push(obj)), freed };
}

/** Brute force over every free block: the lowest aligned start at or above vstart that fits, or -1. */
function lowestAlignedFit(fl: FreeVmapAreaList, size: number, align: number, vstart: number): number {
  for (let i = 0; i < fl.count; i++) {
    if (fl.ranges.ends[i] <= vstart) continue;
    const a = alignUp(Math.max(fl.ranges.starts[i], vstart), align);
    if (a + size <= fl.ranges.ends[i]) return a;
  }
  return -1;
}

describe("classify_va_fit_type", () => {
  it("distinguishes full, left-edge, right-edge and no-edge fits", () => {
    expect(classifyFit(0, 4 * PAGE, 0, 4 * PAGE)).toBe(FitType.FlFit);
    expect(classifyFit(0, 4 * PAGE, 0, PAGE)).toBe(FitType.LeFit);
    expect(classifyFit(0, 4 * PAGE, 3 * PAGE, PAGE)).toBe(FitType.ReFit);
    expect(classifyFit(0, 4 * PAGE, PAGE, PAGE)).toBe(FitType.NeFit);
    expect(classifyFit(PAGE, 4 * PAGE, 0, PAGE)).toBe(FitType.NothingFit);
  });
});

describe("free vmap space (va_clip, merge_or_add_vmap_area)", () => {
  it("splits in the middle with the supplied node, which describes the left remainder", () => {
    const { fl } = list();
    fl.mergeOrAdd(0x1000, 0x100000, 7);
    // align 0x8000: ALIGN(0x1000) = 0x8000 — free on both sides ⇒ NE_FIT, needs a node.
    const addr = fl.alloc(0x5000, 0x8000, 0, 0x100000, () => 9);
    expect(addr).toBe(0x8000);
    expect(fl.count).toBe(2);
    expect([fl.ranges.starts[0], fl.ranges.ends[0], fl.ranges.items[0]]).toEqual([0x1000, 0x8000, 9]);
    expect([fl.ranges.starts[1], fl.ranges.ends[1], fl.ranges.items[1]]).toEqual([0xd000, 0x100000, 7]);
  });

  it("fails NE_FIT with ENOMEM when no spare node can be had", () => {
    const { fl } = list();
    fl.mergeOrAdd(0x1000, 0x100000, 7);
    expect(fl.alloc(0x5000, 0x8000, 0, 0x100000, () => 0)).toBe(VA_ENOMEM);
    // Nothing was carved out.
    expect(fl.totalFree()).toBe(0x100000 - 0x1000);
  });

  it("frees the block's object on a full fit and reports ENOENT/ERANGE", () => {
    const { fl, freed } = list();
    fl.mergeOrAdd(0x10000, 0x12000, 5);
    expect(fl.alloc(0x3000, 1, 0, 0x100000, () => 1)).toBe(VA_ENOENT);
    expect(fl.alloc(0x2000, 1, 0, 0x11000, () => 1)).toBe(VA_ERANGE);
    expect(fl.alloc(0x2000, 1, 0, 0x100000, () => 1)).toBe(0x10000);
    expect(fl.count).toBe(0);
    expect(freed).toEqual([5]);
  });

  it("merges with both neighbours, freeing two objects and keeping the lower one", () => {
    const { fl, freed } = list();
    fl.mergeOrAdd(0x0, 0x1000, 1);
    fl.mergeOrAdd(0x2000, 0x3000, 3);
    fl.mergeOrAdd(0x1000, 0x2000, 2);
    // The middle range first merges into the next block (object 2 freed), then the previous
    // block absorbs it (object 3, the next block's, freed). One block [0, 0x3000) with object 1.
    expect(fl.count).toBe(1);
    expect(freed).toEqual([2, 3]);
    expect([fl.ranges.starts[0], fl.ranges.ends[0], fl.ranges.items[0]]).toEqual([0, 0x3000, 1]);
  });

  it("refuses an overlapping range", () => {
    const { fl } = list();
    fl.mergeOrAdd(0x0, 0x2000, 1);
    const msgs: string[] = [];
    expect(fl.mergeOrAdd(0x1000, 0x3000, 2, (m) => msgs.push(m))).toBe(false);
    expect(msgs[0]).toMatch(/overlaps/);
  });

  it("keeps blocks sorted, disjoint, coalesced and returns the lowest aligned fit (property)", () => {
    const SPACE = 256 * PAGE;
    const op = fc.oneof(
      fc.record({ kind: fc.constant("alloc" as const), pages: fc.integer({ min: 1, max: 12 }), alignShift: fc.integer({ min: 0, max: 5 }) }),
      fc.record({ kind: fc.constant("free" as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const { fl } = list();
        let nextObj = 1;
        fl.mergeOrAdd(0, SPACE, nextObj++);
        const live: [number, number][] = [];
        for (const o of ops) {
          if (o.kind === "alloc") {
            const size = o.pages * PAGE;
            const align = PAGE << o.alignShift;
            const expected = lowestAlignedFit(fl, size, align, 0);
            const got = fl.alloc(size, align, 0, SPACE, () => nextObj++);
            expect(got).toBe(expected < 0 ? VA_ENOENT : expected);
            if (got >= 0) live.push([got, got + size]);
          } else if (live.length > 0) {
            const [s, e] = live.splice(o.pick % live.length, 1)[0];
            expect(fl.mergeOrAdd(s, e, nextObj++)).toBe(true);
          }
          // Invariants: sorted, disjoint and never touching (adjacent blocks would have merged).
          for (let i = 1; i < fl.count; i++) expect(fl.ranges.starts[i]).toBeGreaterThan(fl.ranges.ends[i - 1]);
          const used = live.reduce((t, [s, e]) => t + (e - s), 0);
          expect(fl.totalFree() + used).toBe(SPACE);
        }
      }),
      { numRuns: 200 },
    );
  });
  it("finds a block that grew downwards by merging below an earlier search's first fit", () => {
    const { fl } = list();
    fl.mergeOrAdd(0, 64 * PAGE, 1);
    const a = fl.alloc(PAGE, PAGE, 0, 64 * PAGE, () => 2);
    const b = fl.alloc(PAGE, PAGE, 0, 64 * PAGE, () => 3);
    expect([a, b]).toEqual([0, PAGE]);
    expect(fl.mergeOrAdd(0, PAGE, 4)).toBe(true);
    // Free: [0, 1) and [2, 64) pages. Four pages skip the one-page block: first fit at page 2.
    expect(fl.alloc(4 * PAGE, PAGE, 0, 64 * PAGE, () => 5)).toBe(2 * PAGE);
    // Freeing page 1 grows the block at page 0 to [0, 2) (pages 2–5 are taken); freeing
    // pages 2–5 then joins it to [6, 64): the block at page 0, below the earlier fit, grew.
    expect(fl.mergeOrAdd(PAGE, 2 * PAGE, 6)).toBe(true);
    expect(fl.mergeOrAdd(2 * PAGE, 6 * PAGE, 7)).toBe(true);
    // Now [0, 64) is one block again: the lowest fit for four pages is page 0.
    expect(fl.count).toBe(1);
    expect(fl.alloc(4 * PAGE, PAGE, 0, 64 * PAGE, () => 8)).toBe(0);
  });

  it("returns the lowest fit for repeated request shapes above varying vstarts, the search floors kept per shape (property)", () => {
    const SPACE = 256 * PAGE;
    // Few sizes and starts so shapes repeat (their remembered floors are used), and up to
    // 3 × 4 × 3 = 36 shapes, more than the 16 remembered (slots get reused).
    const op = fc.oneof(
      fc.record({
        kind: fc.constant("alloc" as const),
        pages: fc.constantFrom(1, 3, 4),
        alignShift: fc.integer({ min: 0, max: 3 }),
        vstartPages: fc.constantFrom(0, 17, 64),
      }),
      fc.record({ kind: fc.constant("free" as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const { fl } = list();
        let nextObj = 1;
        fl.mergeOrAdd(0, SPACE, nextObj++);
        const live: [number, number][] = [];
        for (const o of ops) {
          if (o.kind === "alloc") {
            const size = o.pages * PAGE;
            const align = PAGE << o.alignShift;
            const vstart = o.vstartPages * PAGE;
            const expected = lowestAlignedFit(fl, size, align, vstart);
            const got = fl.alloc(size, align, vstart, SPACE, () => nextObj++);
            expect(got).toBe(expected < 0 ? VA_ENOENT : expected);
            if (got >= 0) live.push([got, got + size]);
          } else if (live.length > 0) {
            const [s, e] = live.splice(o.pick % live.length, 1)[0];
            expect(fl.mergeOrAdd(s, e, nextObj++)).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
