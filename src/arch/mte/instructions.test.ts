import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Counters } from "../../cost/counters.js";
import { Prng } from "../../lib/prng.js";
import { makePtr, ptrOffset, ptrTag } from "../pointer.js";
import { chooseNonExcludedTag } from "./instructions.js";
import { KERNEL_GCR_EL1_EXCL } from "./mte-def.js";
import { Mte, type MteOptions } from "./mte.js";

function setup(extra: Partial<MteOptions> = {}): { mte: Mte; counters: Counters } {
  const counters = new Counters();
  const mte = new Mte({ nrCpus: 2, prng: new Prng(1234), counters, ...extra });
  return { mte, counters };
}

describe("IRG (mte_get_random_tag)", () => {
  it("never returns an excluded tag and is uniform over the rest (chi-square, fixed seed)", () => {
    const { mte, counters } = setup();
    const N = 140_000;
    const bins = new Array<number>(16).fill(0);
    for (let i = 0; i < N; i++) bins[ptrTag(mte.insn.irg(makePtr(0xff, 0x1000))) & 0xf]++;
    // KERNEL_GCR_EL1_EXCL excludes 0xE (KASAN_TAG_INVALID) and 0xF (match-all).
    expect(bins[0xe]).toBe(0);
    expect(bins[0xf]).toBe(0);
    // 14 allowed tags, N/14 = 10000 expected each; df = 13, chi-square critical value at
    // p = 0.001 is 34.53 — a biased generator (e.g. modulo bias or an off-by-one) exceeds it.
    const expected = N / 14;
    let chi2 = 0;
    for (let t = 0; t < 14; t++) chi2 += (bins[t] - expected) ** 2 / expected;
    expect(chi2).toBeLessThan(34.53);
    expect(counters.cur.irg).toBe(N);
  });

  it("keeps the pointer's address and top nibble, honours Xm and an all-excluded mask", () => {
    const { mte } = setup();
    const q = mte.insn.irg(makePtr(0xff, 0x12340), 0x3fff & ~(1 << 5)); // Xm leaves only tag 5
    expect(ptrTag(q)).toBe(0xf5);
    expect(ptrOffset(q)).toBe(0x12340);
    mte.regs.setGcrExclude(0xffff);
    expect(ptrTag(mte.insn.irg(makePtr(0xf3, 0)))).toBe(0xf0); // IsOnes(exclude) → tag 0
    expect(() => mte.regs.setGcrExclude(0x10000)).toThrow(/gcrExclude/);
  });

  it("getRandomTag returns KASAN tags 0xF0..0xFD", () => {
    const { mte } = setup();
    for (let i = 0; i < 2000; i++) {
      const t = mte.getRandomTag();
      expect(t).toBeGreaterThanOrEqual(0xf0);
      expect(t).toBeLessThanOrEqual(0xfd);
    }
  });

  it("getRandomTag / getMemTag equal mte_get_ptr_tag of IRG / LDG, one instruction counted each", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 2 ** 30 }), (seed, tag, g) => {
        // Two machines on the same seed: one through the helpers, one through the raw instructions.
        const a = new Mte({ nrCpus: 1, prng: new Prng(seed), counters: new Counters() });
        const b = new Mte({ nrCpus: 1, prng: new Prng(seed), counters: new Counters() });
        const p = makePtr(0xf0 | tag, g * 16);
        a.insn.stg(p);
        b.insn.stg(p);
        expect(a.getRandomTag()).toBe(0xf0 | (ptrTag(b.insn.irg(0)) & 0xf));
        expect(a.getMemTag(makePtr(0xff, g * 16 + 7))).toBe(0xf0 | (ptrTag(b.insn.ldg(makePtr(0xff, g * 16 + 7))) & 0xf));
        expect(a.counters.cur.irg).toBe(1);
        expect(a.counters.cur.ldg).toBe(1);
      }),
    );
  });

  it("the same seed gives the same tags; another seed does not", () => {
    const draw = (seed: number): number[] => {
      const mte = new Mte({ nrCpus: 1, prng: new Prng(seed), counters: new Counters() });
      return Array.from({ length: 64 }, () => mte.getRandomTag());
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });
});

describe("ADDG / SUBG (ChooseNonExcludedTag)", () => {
  it("steps the tag over non-excluded tags and moves the address by uimm6·16", () => {
    const { mte, counters } = setup();
    // tag 3 + 2 steps (none excluded on the way) = 5; address + 32.
    const a = mte.insn.addg(makePtr(0xf3, 0x1000), 32, 2);
    expect(ptrTag(a)).toBe(0xf5);
    expect(ptrOffset(a)).toBe(0x1020);
    // tag 13 + 1 step: 14 and 15 are excluded, wrap to 0.
    expect(ptrTag(mte.insn.addg(makePtr(0xfd, 0x1000), 0, 1))).toBe(0xf0);
    // offset 0 on an excluded tag: advance to the first allowed one (14 → 15 → 0).
    expect(ptrTag(mte.insn.addg(makePtr(0xfe, 0x1000), 0, 0))).toBe(0xf0);
    // SUBG: tag 12 + 3 steps = 13, (skip 14, 15) 0, 1 → 1; address − 1008.
    const s = mte.insn.subg(makePtr(0xfc, 0x2000), 1008, 3);
    expect(ptrTag(s)).toBe(0xf1);
    expect(ptrOffset(s)).toBe(0x2000 - 1008);
    expect(counters.cur.addg).toBe(3);
    expect(counters.cur.subg).toBe(1);
    expect(() => mte.insn.addg(makePtr(0xf0, 0), 8, 0)).toThrow(/offsetBytes/);
    expect(() => mte.insn.subg(makePtr(0xf0, 0), 16, 16)).toThrow(/tagOffset/);
  });

  it("never yields an excluded tag unless everything is excluded", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 0xfffe }), (tag, off, excl) => {
        const t = chooseNonExcludedTag(tag, off, excl);
        expect((excl >> t) & 1).toBe(0);
      }),
    );
    expect(chooseNonExcludedTag(9, 4, 0xffff)).toBe(0);
    expect(chooseNonExcludedTag(13, 0, KERNEL_GCR_EL1_EXCL)).toBe(13);
  });
});

describe("LDG / STG / ST2G / STZG / STZ2G / DC GVA / DC GZVA", () => {
  it("STG tags exactly one granule and LDG reads it back (address aligned down)", () => {
    const { mte, counters } = setup();
    mte.insn.stg(makePtr(0xf6, 0x2010));
    expect(mte.peekTag(makePtr(0xff, 0x200f))).toBe(0);
    expect(mte.peekTag(makePtr(0xff, 0x2010))).toBe(6);
    expect(mte.peekTag(makePtr(0xff, 0x201f))).toBe(6);
    expect(mte.peekTag(makePtr(0xff, 0x2020))).toBe(0);
    // LDG on an unaligned address reads the containing granule; result keeps the top nibble.
    expect(ptrTag(mte.insn.ldg(makePtr(0xff, 0x2017)))).toBe(0xf6);
    expect(mte.getMemTag(makePtr(0xf1, 0x2018))).toBe(0xf6);
    expect(counters.cur.stg).toBe(1);
    expect(counters.cur.granulesTagged).toBe(1);
    expect(counters.cur.ldg).toBe(2);
    expect(counters.cur.bytesZeroed).toBe(0);
  });

  it("tag stores need a granule-aligned address (alignment fault)", () => {
    const { mte, counters } = setup();
    expect(() => mte.insn.stg(makePtr(0xf1, 0x2008))).toThrow(/aligned/);
    expect(() => mte.insn.st2g(makePtr(0xf1, 0x2001))).toThrow(/aligned/);
    expect(() => mte.insn.stzg(makePtr(0xf1, 0x2004))).toThrow(/aligned/);
    expect(() => mte.insn.stz2g(makePtr(0xf1, 0x200c))).toThrow(/aligned/);
    expect(counters.cur.granulesTagged).toBe(0);
  });

  it("ST2G tags two granules; STZG and STZ2G also zero 16 and 32 bytes", () => {
    const { mte, counters } = setup();
    mte.insn.st2g(makePtr(0xf2, 0x3010)); // granules 0x3010, 0x3020
    mte.insn.stzg(makePtr(0xf3, 0x3040)); // granule 0x3040, 16 bytes zeroed
    mte.insn.stz2g(makePtr(0xf4, 0x3050)); // granules 0x3050, 0x3060, 32 bytes zeroed
    const tags = [0x3000, 0x3010, 0x3020, 0x3030, 0x3040, 0x3050, 0x3060, 0x3070].map((o) => mte.peekTag(makePtr(0xff, o)));
    expect(tags).toEqual([0, 2, 2, 0, 3, 4, 4, 0]);
    const c = counters.cur;
    expect([c.st2g, c.stzg, c.stz2g]).toEqual([1, 1, 1]);
    expect(c.granulesTagged).toBe(2 + 1 + 2);
    expect(c.bytesZeroed).toBe(16 + 32);
    expect(c.bytesZeroedByTagging).toBe(16 + 32);
  });

  it("DC GVA / DC GZVA tag the whole DCZID block containing an unaligned address", () => {
    const { mte, counters } = setup(); // 64-byte blocks
    mte.insn.dcGva(makePtr(0xf9, 0x4050)); // block [0x4040, 0x4080)
    expect(mte.peekTag(makePtr(0xff, 0x403f))).toBe(0);
    expect(mte.peekTag(makePtr(0xff, 0x4040))).toBe(9);
    expect(mte.peekTag(makePtr(0xff, 0x407f))).toBe(9);
    expect(mte.peekTag(makePtr(0xff, 0x4080))).toBe(0);
    mte.insn.dcGzva(makePtr(0xfa, 0x4080)); // block [0x4080, 0x40c0), zeroed
    expect(mte.peekTag(makePtr(0xff, 0x40bf))).toBe(0xa);
    const c = counters.cur;
    expect([c.dcGva, c.dcGzva]).toEqual([1, 1]);
    expect(c.granulesTagged).toBe(4 + 4); // 64 / 16 granules per block, two blocks
    expect(c.bytesZeroed).toBe(64);
    expect(c.bytesZeroedByTagging).toBe(64);
  });

  it("DC GVA follows the configured block size and is UNDEFINED when DZP is set", () => {
    const big = setup({ dczidBlockSize: 256 });
    big.mte.insn.dcGva(makePtr(0xf5, 0x51f0)); // block [0x5100, 0x5200)
    expect(big.mte.peekTag(makePtr(0xff, 0x5100))).toBe(5);
    expect(big.mte.peekTag(makePtr(0xff, 0x51ff))).toBe(5);
    expect(big.mte.peekTag(makePtr(0xff, 0x50ff))).toBe(0);
    expect(big.counters.cur.granulesTagged).toBe(16);
    expect(big.mte.regs.dczid).toBe(6); // 256 = 4 << 6
    const dzp = setup({ dczidDzp: true });
    expect(() => dzp.mte.insn.dcGzva(makePtr(0xf5, 0x5000))).toThrow(/DZP/);
    expect(dzp.mte.regs.dczid).toBe(0x14); // BS 4 (64 bytes) | DZP
    expect(() => setup({ dczidBlockSize: 48 })).toThrow(/dczidBlockSize/);
  });
});
