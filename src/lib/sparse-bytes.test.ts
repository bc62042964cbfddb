import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { CHUNK_UNITS, SparseBytes } from "./sparse-bytes.js";

describe("SparseBytes", () => {
  it("reads the default value where nothing was written, without allocating", () => {
    const s = new SparseBytes(0xfe);
    expect(s.get(0)).toBe(0xfe);
    expect(s.get(2 ** 40)).toBe(0xfe);
    s.fill(10, 1_000_000, 0xfe); // writing the default over untouched memory allocates nothing
    expect(s.chunkCount).toBe(0);
  });

  it("fills across chunk boundaries and materialises only the touched chunks", () => {
    const s = new SparseBytes(0);
    const from = CHUNK_UNITS - 3;
    const to = 2 * CHUNK_UNITS + 5; // touches chunks 0, 1 and 2
    s.fill(from, to, 7);
    expect(s.chunkCount).toBe(3);
    expect(s.get(from - 1)).toBe(0);
    expect(s.get(from)).toBe(7);
    expect(s.get(to - 1)).toBe(7);
    expect(s.get(to)).toBe(0);
    expect(s.bytesAllocated).toBe(3 * CHUNK_UNITS);
  });

  it("findNotEqual finds the first differing unit, including untouched default ones", () => {
    const s = new SparseBytes(0);
    s.fill(100, 200, 3);
    expect(s.findNotEqual(100, 200, 3)).toBe(-1);
    s.set(150, 4);
    expect(s.findNotEqual(100, 200, 3)).toBe(150);
    expect(s.findNotEqual(190, 210, 3)).toBe(200); // 200 is untouched (default 0)
    expect(s.findNotEqual(5 * CHUNK_UNITS, 5 * CHUNK_UNITS + 10, 1)).toBe(5 * CHUNK_UNITS);
  });

  it("behaves like a dense array under random fills (model-based)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(3 * CHUNK_UNITS), fc.nat(2000), fc.integer({ min: 0, max: 255 })), { maxLength: 20 }),
        (ops) => {
          const size = 3 * CHUNK_UNITS + 2000;
          const dense = new Uint8Array(size).fill(9);
          const s = new SparseBytes(9);
          for (const [from, len, v] of ops) {
            dense.fill(v, from, from + len);
            s.fill(from, from + len, v);
          }
          for (const [from, len] of ops) {
            for (const i of [from - 1, from, from + len - 1, from + len]) {
              if (i >= 0 && i < size && s.get(i) !== dense[i]) return false;
            }
          }
          return true;
        },
      ),
    );
  });
});
