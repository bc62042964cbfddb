import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Prng, hashString } from "./prng.js";

describe("Prng", () => {
  it("gives the same sequence for the same seed and different ones for different seeds", () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);
    const sa = Array.from({ length: 16 }, () => a.nextU32());
    const sb = Array.from({ length: 16 }, () => b.nextU32());
    const sc = Array.from({ length: 16 }, () => c.nextU32());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
  });

  it("accepts string seeds deterministically", () => {
    expect(new Prng("run-1").nextU32()).toBe(new Prng("run-1").nextU32());
    expect(new Prng("run-1").nextU32()).not.toBe(new Prng("run-2").nextU32());
  });

  it("nextInt stays in range for any bound", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0xffffffff }), fc.integer(), (n, seed) => {
        const r = new Prng(seed);
        for (let i = 0; i < 8; i++) {
          const v = r.nextInt(n);
          if (!(Number.isInteger(v) && v >= 0 && v < n)) return false;
        }
        return true;
      }),
    );
  });

  it("nextInt(n) is the first draw below the rejection limit, reduced modulo n (exact for bounds up to 2^32)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 2 ** 32 }), (seed, n) => {
        const r = new Prng(seed);
        const ref = new Prng(seed);
        // Reference: limit = 2^32 − (2^32 mod n); draws at or above it are rejected (BigInt: exact).
        const limit = 2n ** 32n - (2n ** 32n % BigInt(n));
        for (let k = 0; k < 4; k++) {
          let v = BigInt(ref.nextU32());
          while (v >= limit) v = BigInt(ref.nextU32());
          expect(r.nextInt(n)).toBe(Number(v % BigInt(n)));
        }
      }),
    );
  });

  it("nextInt(14) is uniform: chi-square below the 0.999 quantile (13 dof: 34.53)", () => {
    const r = new Prng(7);
    const n = 14;
    const draws = 140_000;
    const counts = new Array<number>(n).fill(0);
    for (let i = 0; i < draws; i++) counts[r.nextInt(n)]++;
    const expected = draws / n;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(34.53);
  });

  it("fork gives independent, reproducible streams", () => {
    const a = new Prng(1).fork("mte");
    const b = new Prng(1).fork("mte");
    const c = new Prng(1).fork("lcg");
    expect(a.nextU32()).toBe(b.nextU32());
    expect(new Prng(1).fork("mte").nextU32()).not.toBe(c.nextU32());
  });

  it("rejects a non-positive bound", () => {
    expect(() => new Prng(1).nextInt(0)).toThrow(/positive/);
  });

  it("hashString is FNV-1a (empty string hashes to the offset basis 0x811c9dc5)", () => {
    expect(hashString("")).toBe(0x811c9dc5);
    // FNV-1a of "a": (0x811c9dc5 ^ 0x61) * 0x01000193 mod 2^32 = 0xe40c292c
    expect(hashString("a")).toBe(0xe40c292c);
  });
});
