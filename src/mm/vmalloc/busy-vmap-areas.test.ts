import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BusyVmapAreas } from "./busy-vmap-areas.js";

const PAGE = 4096;

describe("busy vmap areas (find_vmap_area by any address inside)", () => {
  it("finds an area by its start, an interior address and not by its end or a guard gap", () => {
    const b = new BusyVmapAreas<string>();
    // Two 16 KiB stacks with a guard page between them: [0x10000, 0x14000) and [0x15000, 0x19000).
    b.insert(0x15000, 0x19000, "second");
    b.insert(0x10000, 0x14000, "first");
    expect(b.containing(0x10000)).toBe("first");
    expect(b.containing(0x13fff)).toBe("first");
    expect(b.containing(0x14000)).toBeUndefined(); // end is exclusive: the guard page
    expect(b.containing(0x18000)).toBe("second");
    expect(b.removeContaining(0x14800)).toBeUndefined();
    expect(b.n).toBe(2);
    expect(b.removeContaining(0x16000)).toBe("second");
    expect([...b.entries()]).toEqual([[0x10000, 0x14000, "first"]]);
  });

  it("keeps address order across block splits and emptied blocks (1000 areas, 64 per block)", () => {
    const b = new BusyVmapAreas<number>();
    // Insert pages 0..999 in a scrambled order (k·7 mod 1000 visits each once since gcd(7,1000) = 1).
    for (let k = 0; k < 1000; k++) {
      const p = (k * 7) % 1000;
      b.insert(p * PAGE, (p + 1) * PAGE, p);
    }
    expect([...b.entries()].map((e) => e[2])).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    // Remove everything below page 900: whole blocks empty out; the rest stay findable.
    for (let p = 0; p < 900; p++) expect(b.removeContaining(p * PAGE + 5)).toBe(p);
    expect(b.n).toBe(100);
    expect(b.containing(899 * PAGE)).toBeUndefined();
    expect(b.containing(950 * PAGE + 1)).toBe(950);
  });

  it("answers like a linear scan over the same areas (random inserts, lookups, removals)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1, max: 4 })), { maxLength: 600 }), (ops) => {
        const b = new BusyVmapAreas<number>();
        const ref: [number, number, number][] = [];
        const find = (a: number): number => ref.findIndex(([s, e]) => s <= a && a < e);
        ops.forEach(([op, page, pages], id) => {
          const a = page * PAGE;
          if (op === 0) {
            const e = a + pages * PAGE;
            if (ref.some(([s, en]) => s < e && a < en)) return; // busy areas never overlap
            b.insert(a, e, id);
            ref.push([a, e, id]);
          } else if (op === 1) {
            const i = find(a + 1);
            expect(b.containing(a + 1)).toBe(i < 0 ? undefined : ref[i][2]);
          } else {
            const i = find(a);
            expect(b.removeContaining(a)).toBe(i < 0 ? undefined : ref[i][2]);
            if (i >= 0) ref.splice(i, 1);
          }
        });
        expect([...b.entries()]).toEqual([...ref].sort((x, y) => x[0] - y[0]));
        expect(b.n).toBe(ref.length);
      }),
    );
  });
});
