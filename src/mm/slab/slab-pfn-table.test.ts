import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { SlabPfnTable } from "./slab-pfn-table.js";
import type { Slab } from "./slab.js";

// Stand-ins: the table only stores and returns references.
const slabA = { name: "A" } as unknown as Slab;
const slabB = { name: "B" } as unknown as Slab;

describe("virt_to_slab pfn table", () => {
  it("finds the slab of every page it was set on, across a block boundary", () => {
    const t = new SlabPfnTable();
    // An order-1 slab straddling the 4096-page block boundary: pfns 4095 and 4096.
    t.set(4095, slabA);
    t.set(4096, slabA);
    expect(t.get(4095)).toBe(slabA);
    expect(t.get(4096)).toBe(slabA);
    expect(t.get(4094)).toBeUndefined();
    expect(t.get(4097)).toBeUndefined();
  });

  it("answers undefined for virt_to_pfn's -1 and for pages never set", () => {
    const t = new SlabPfnTable();
    t.set(0x40000, slabA);
    expect(t.get(-1)).toBeUndefined();
    expect(t.get(0x80000)).toBeUndefined(); // a block never created
  });

  it("forgets a page on delete and lets another slab take it", () => {
    const t = new SlabPfnTable();
    t.set(7, slabA);
    t.delete(7);
    expect(t.get(7)).toBeUndefined();
    t.set(7, slabB);
    expect(t.get(7)).toBe(slabB);
  });

  it("refuses a pfn that is not a non-negative integer", () => {
    const t = new SlabPfnTable();
    expect(() => t.set(-1, slabA)).toThrow(/pfn must be an integer/);
    expect(() => t.set(1.5, slabA)).toThrow(/pfn must be an integer/);
  });

  it("agrees with a Map after any sequence of sets and deletes", () => {
    const op = fc.record({ pfn: fc.integer({ min: 0, max: 3 * 4096 }), del: fc.boolean(), b: fc.boolean() });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const t = new SlabPfnTable();
        const m = new Map<number, Slab>();
        for (const o of ops) {
          if (o.del) {
            t.delete(o.pfn);
            m.delete(o.pfn);
          } else {
            const s = o.b ? slabA : slabB;
            t.set(o.pfn, s);
            m.set(o.pfn, s);
          }
        }
        for (const o of ops) expect(t.get(o.pfn)).toBe(m.get(o.pfn));
      }),
    );
  });
});
