import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { LIVE_DERIVED, LIVE_KMALLOC, LiveObjectTable } from "./live-objects.js";

describe("the live traced objects table", () => {
  it("finds, replaces and removes like a Map, through growth and colliding probe runs", () => {
    // Keys from a small pool of slab-like addresses (48-bit, low bits zero) so that inserts,
    // removals and re-inserts of the same address interleave; the Map is the reference.
    // Up to 500 live keys in 1024 slots: load near one half, so probe runs are long and
    // removals must shift entries back for later finds to succeed.
    // (An arithmetic run of addresses would spread evenly under Fibonacci hashing and never
    // collide, so the pool is 500 scattered 16-byte-aligned 40-bit addresses from an LCG.)
    const pool: number[] = [];
    for (let i = 0, x = 12345; i < 500; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      pool.push((x % 0x1000_0000) * 16 + 0x10_0000_0000);
    }
    const addr = fc.constantFrom(...pool);
    const what = fc.constantFrom("insert", "insert", "insert", "remove", "find");
    const op = fc.tuple(what, addr, fc.integer({ min: 0, max: 1 << 20 }));
    fc.assert(
      fc.property(fc.array(op, { minLength: 500, maxLength: 3000 }), (ops) => {
        const t = new LiveObjectTable();
        const ref = new Map<number, number>();
        for (const [what, key, v] of ops) {
          const slot = t.find(key);
          expect(slot >= 0).toBe(ref.has(key));
          if (what === "insert") {
            if (slot >= 0) t.sim[slot] = v;
            else t.insert(key, v, v + 1, LIVE_KMALLOC, 7);
            ref.set(key, v);
          } else if (what === "remove" && slot >= 0) {
            t.removeAt(slot);
            ref.delete(key);
          }
        }
        expect(t.size).toBe(ref.size);
        for (const [key, v] of ref) {
          const slot = t.find(key);
          expect(t.sim[slot]).toBe(v);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("keeps every field of a slot and never stores or finds address 0", () => {
    const t = new LiveObjectTable();
    // 0xf4ff000006e16f00's low 48 bits (the tag stripped) as the key.
    const key = 0x0000_06e1_6f00;
    const slot = t.insert(key, 0xffff_0000_1234_5000, 100, LIVE_DERIVED, 3);
    expect(t.find(key)).toBe(slot);
    expect([t.sim[slot], t.req[slot], t.cache[slot], t.site[slot]]).toEqual([0xffff_0000_1234_5000, 100, LIVE_DERIVED, 3]);
    expect(t.find(0)).toBe(-1);
    // 2000 keys force the table from 1024 slots through two doublings (load ≤ 1/2).
    for (let i = 1; i <= 2000; i++) t.insert(key + i * 16, i, i, LIVE_KMALLOC, 0);
    expect(t.size).toBe(2001);
    expect(t.sim[t.find(key + 1999 * 16)]).toBe(1999);
    expect(t.sim[t.find(key)]).toBe(0xffff_0000_1234_5000);
  });
});
