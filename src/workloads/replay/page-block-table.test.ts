import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { PageBlockTable } from "./page-block-table.js";

describe("the traced page blocks table", () => {
  it("gets, sets and deletes like a Map, through growth and colliding probe runs", () => {
    // Keys from a pool of 600 pfns (LCG-scattered below 2^36, plus a run of adjacent ones),
    // so sets, deletes and re-sets of one pfn interleave; up to 600 live keys in 1024 slots
    // pushes the load to one half and forces growth and backward-shift deletes.
    const pool: number[] = [];
    for (let i = 0, x = 777; i < 500; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      pool.push((x % 0x1000_0000) * 16 + 0x4_0000);
    }
    for (let i = 0; i < 100; i++) pool.push(0x40000 + i);
    const op = fc.tuple(fc.constantFrom("set", "set", "delete", "get"), fc.constantFrom(...pool), fc.integer({ min: -1, max: 1 << 30 }));
    fc.assert(
      fc.property(fc.array(op, { minLength: 500, maxLength: 3000 }), (ops) => {
        const t = new PageBlockTable();
        const ref = new Map<number, number>();
        for (const [what, pfn, v] of ops) {
          if (what === "set") {
            t.set(pfn, v);
            ref.set(pfn, v);
          } else if (what === "delete") expect(t.delete(pfn)).toBe(ref.delete(pfn));
          else expect(t.get(pfn)).toBe(ref.get(pfn) ?? NaN);
        }
        expect(t.size).toBe(ref.size);
        for (const pfn of pool) {
          expect(t.has(pfn)).toBe(ref.has(pfn));
          expect(t.get(pfn)).toBe(ref.get(pfn) ?? NaN);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("take returns what get would and removes it, as get then delete would", () => {
    // Adjacent pfns share probe runs in a 1024-slot table: taking one shifts the others back.
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0x40000, max: 0x40000 + 63 }), fc.nat()), { minLength: 1, maxLength: 400 }), (ops) => {
        const t = new PageBlockTable();
        const ref = new Map<number, number>();
        for (const [isSet, pfn, v] of ops) {
          if (isSet) {
            t.set(pfn, v);
            ref.set(pfn, v);
          } else {
            expect(t.take(pfn)).toBe(ref.get(pfn) ?? NaN);
            ref.delete(pfn);
          }
        }
        expect(t.size).toBe(ref.size);
        for (let pfn = 0x40000; pfn < 0x40000 + 64; pfn++) expect(t.get(pfn)).toBe(ref.get(pfn) ?? NaN);
      }),
      { numRuns: 100 },
    );
  });

  it("refuses pfn 0 as a key and never finds it", () => {
    const t = new PageBlockTable();
    expect(() => t.set(0, 1)).toThrow(/pfn 0 cannot be a key/);
    expect(() => t.set(NaN, 1)).toThrow(/cannot be a key/);
    t.set(0x40000, 0x51234 * 256 + 5 * 16 + 3);
    expect([t.get(0), t.has(0), t.delete(0), t.size]).toEqual([NaN, false, false, 1]);
    // The value packs model pfn · 256 + origin · 16 + order and reads back exactly.
    expect(t.get(0x40000)).toBe(0x51234 * 256 + 83);
  });
});
