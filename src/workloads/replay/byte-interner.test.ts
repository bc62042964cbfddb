import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ByteInterner, byteHash, FNV_OFFSET, fnvFinish, fnvStep } from "./byte-interner.js";

/** Place `values` one after another in one buffer (as values sit in a line), with their ranges. */
function layout(values: Uint8Array[]): { buf: Uint8Array; ranges: [number, number][] } {
  const total = values.reduce((a, v) => a + v.length + 1, 0);
  const buf = new Uint8Array(total);
  const ranges: [number, number][] = [];
  let p = 0;
  for (const v of values) {
    buf.set(v, p);
    ranges.push([p, p + v.length]);
    p += v.length + 1;
  }
  return { buf, ranges };
}

const key = (v: Uint8Array): string => Array.from(v).join(",");

describe("byte interner (call sites, cache names, gfp texts found by their bytes)", () => {
  it("byteHash is FNV-1a over the whole 32-bit words, then the tail bytes, with the length mixed in last", () => {
    // "ab": no whole word; h0 = 0x811c9dc5; h1 = (h0 ^ 0x61)·0x01000193; h2 = (h1 ^ 0x62)·0x01000193;
    // h3 = (h2 ^ 2)·0x01000193 (mod 2^32); h = h3 ^ (h3 >>> 16).
    const b = new Uint8Array([0x61, 0x62]);
    const h = fnvFinish(fnvStep(fnvStep(FNV_OFFSET, 0x61), 0x62), 2);
    const h3 = Math.imul(Math.imul(Math.imul(FNV_OFFSET ^ 0x61, 0x01000193) ^ 0x62, 0x01000193) ^ 2, 0x01000193);
    expect(h).toBe(h3 ^ (h3 >>> 16));
    expect(byteHash(b, 0, 2)).toBe(h);
    // "abcde": one little-endian word 0x64636261, then the byte 0x65, then the length 5.
    const w = new Uint8Array([0x61, 0x62, 0x63, 0x64, 0x65]);
    expect(byteHash(w, 0, 5)).toBe(fnvFinish(fnvStep(fnvStep(FNV_OFFSET, 0x64636261), 0x65), 5));
    // The same bytes elsewhere in a buffer hash the same.
    expect(byteHash(new Uint8Array([0x20, 0x61, 0x62, 0x20]), 1, 3)).toBe(h);
    expect(byteHash(new Uint8Array([0x20, 0x20, 0x61, 0x62, 0x63, 0x64, 0x65]), 2, 7)).toBe(byteHash(w, 0, 5));
    // Empty and one-NUL values differ only by the length step.
    expect(byteHash(new Uint8Array([0]), 0, 0)).not.toBe(byteHash(new Uint8Array([0]), 0, 1));
  });

  it("equal bytes get the same id and value, different bytes different ids, unseen bytes -1", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 12 }), { maxLength: 400 }), (values) => {
        const t = new ByteInterner<string>();
        const { buf, ranges } = layout(values);
        const idOf = new Map<string, number>();
        values.forEach((v, i) => {
          const [s, e] = ranges[i];
          const h = byteHash(buf, s, e);
          const found = t.find(buf, s, e, h);
          const k = key(v);
          if (idOf.has(k)) {
            expect(found).toBe(idOf.get(k));
          } else {
            expect(found).toBe(-1);
            const id = t.add(buf, s, e, h, k);
            // Ids are handed out densely in first-seen order.
            expect(id).toBe(idOf.size);
            idOf.set(k, id);
          }
        });
        expect(t.size).toBe(idOf.size);
        // Every value is still found after the table grew, and maps back to its own value.
        values.forEach((v, i) => {
          const [s, e] = ranges[i];
          const id = t.find(buf, s, e, byteHash(buf, s, e));
          expect(t.value(id)).toBe(key(v));
        });
      }),
    );
  });

  it("stops adding at its entry and byte limits (the caller then keeps the value unshared)", () => {
    const t = new ByteInterner<number>({ maxEntries: 2, maxBytes: 5 });
    const buf = new Uint8Array([1, 2, 3, 4, 5, 6, 7]);
    expect(t.add(buf, 0, 2, byteHash(buf, 0, 2), 12)).toBe(0);
    // 2 + 4 bytes > maxBytes 5: refused.
    expect(t.add(buf, 2, 6, byteHash(buf, 2, 6), 3456)).toBe(-1);
    expect(t.add(buf, 2, 5, byteHash(buf, 2, 5), 345)).toBe(1);
    // maxEntries 2 reached.
    expect(t.add(buf, 6, 7, byteHash(buf, 6, 7), 7)).toBe(-1);
    expect(t.size).toBe(2);
    expect(t.value(t.find(buf, 2, 5, byteHash(buf, 2, 5)))).toBe(345);
  });

  it("find with a DataView (four bytes at a time) answers as the byte-by-byte find, at any alignment", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.uint8Array({ minLength: 1, maxLength: 13 }), { minLength: 1, maxLength: 20, selector: key }), fc.nat(7), (values, shift) => {
        const t = new ByteInterner<number>();
        const { buf, ranges } = layout(values);
        ranges.forEach(([s, e], i) => t.add(buf, s, e, byteHash(buf, s, e), i));
        // Probes: every value, and each with its first or last byte changed (same length and often same hash bucket).
        const probes = values.flatMap((v) => [v, Uint8Array.from(v, (b, j) => (j === 0 ? b ^ 1 : b)), Uint8Array.from(v, (b, j) => (j === v.length - 1 ? b ^ 0x80 : b))]);
        const backing = new Uint8Array(shift + probes.reduce((a, v) => a + v.length, 0) + 3);
        const view = new DataView(backing.buffer, shift);
        const pbuf = backing.subarray(shift);
        let p = 0;
        for (const v of probes) {
          pbuf.set(v, p);
          const h = byteHash(pbuf, p, p + v.length);
          expect(t.find(pbuf, p, p + v.length, h, view)).toBe(t.find(pbuf, p, p + v.length, h));
          p += v.length;
        }
      }),
    );
  });
});
