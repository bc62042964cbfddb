import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Counters } from "../../cost/counters.js";
import { Prng } from "../../lib/prng.js";
import { makePtr, USER_BASE } from "../pointer.js";
import { Mte } from "./mte.js";
import { setMemTagRangeDcOps, setMemTagRangeStgOps } from "./set-mem-tag-range.js";

function setup(dczidBlockSize = 64, dczidDzp = false): { mte: Mte; counters: Counters } {
  const counters = new Counters();
  return { mte: new Mte({ nrCpus: 1, prng: new Prng(1), counters, dczidBlockSize, dczidDzp }), counters };
}

/**
 * The kernel's loop, instruction by instruction, on 64-bit tagged addresses (BigInt here: this
 * is a test oracle, not a hot path). Returns the instruction counts and every granule address
 * (untagged) each STG or DC block wrote.
 */
function referenceLoop(
  addr: number,
  size: number,
  tag: number,
  bs: number,
  dzp: boolean,
): { stg: number; dc: number; granules: number[] } {
  const PAGE_OFFSET = 0xffff_0000_0000_0000n;
  const tagged = (BigInt(tag) << 56n) | ((PAGE_OFFSET + BigInt(addr)) & ((1n << 56n) - 1n));
  const untag = (v: bigint): number => Number((v & ((1n << 56n) - 1n)) - (PAGE_OFFSET & ((1n << 56n) - 1n)));
  const dczidBs = BigInt(bs);
  const mask = dczidBs - 1n;
  let curr = tagged;
  const end1 = curr | mask;
  const end3 = curr + BigInt(size);
  const end2 = end3 & ~mask;
  let stg = 0;
  let dc = 0;
  const granules: number[] = [];
  const stgPost = (): void => {
    stg++;
    granules.push(untag(curr));
    curr += 16n;
  };
  if (!dzp && BigInt(size) >= 2n * dczidBs) {
    do stgPost();
    while (curr < end1);
    do {
      dc++;
      for (let g = 0n; g < dczidBs; g += 16n) granules.push(untag(curr + g));
      curr += dczidBs;
    } while (curr < end2);
  }
  while (curr < end3) stgPost();
  return { stg, dc, granules };
}

describe("mte_set_mem_tag_range instruction mix (hand-derived, 64-byte DC blocks)", () => {
  const cases: Array<[string, number, number, number, number]> = [
    // [why, addr, size, expected STG, expected DC]
    ["16 bytes: below 2 blocks, one STG", 0x1000, 16, 1, 0],
    ["112 bytes (< 128 = 2 blocks): 7 STGs, no DC", 0x1000, 112, 7, 0],
    ["128 aligned: STG the whole first block (4), DC [0x1040,0x1080) = 1, no tail", 0x1000, 128, 4, 1],
    ["128 at +0x10: STG 0x1010..0x1030 (3), DC 0x1040 (1), tail STG 0x1080 (1)", 0x1010, 128, 4, 1],
    ["144 at +0x30: STG 0x1030 (1), DC 0x1040,0x1080 (2), no tail", 0x1030, 144, 1, 2],
    ["one aligned page: 4 STG, (4096 − 64)/64 = 63 DC", 0x1000, 4096, 4, 63],
    ["one page at +0x10: STG 3 to 0x1040, DC (0x2000 − 0x1040)/64 = 63, tail 1", 0x1010, 4096, 4, 63],
    ["order-4 (64 KiB) aligned: 4 STG, (65536 − 64)/64 = 1023 DC", 0x10000, 65536, 4, 1023],
    ["kmalloc-96 object at 0x...20: 96 < 128 so 6 STG", 0x2020, 96, 6, 0],
  ];
  for (const [why, addr, size, stg, dc] of cases) {
    it(why, () => {
      const { mte, counters } = setup();
      mte.setMemTagRange(makePtr(0xff, addr), size, 0xf5, false);
      const c = counters.cur;
      expect([c.stg, c.dcGva, c.stzg, c.dcGzva]).toEqual([stg, dc, 0, 0]);
      expect(c.granulesTagged).toBe(size / 16);
      expect(c.bytesZeroed).toBe(0);
      expect(stg * 16 + dc * 64).toBe(size);
    });
  }

  it("init selects STZG + DC GZVA and zeroes the range in the same pass", () => {
    const { mte, counters } = setup();
    mte.setMemTagRange(makePtr(0xff, 0x1010), 4096, 0xf5, true);
    const c = counters.cur;
    // Same mix as the non-init case at +0x10: 4 STZG, 63 DC GZVA; 4096 bytes zeroed once.
    expect([c.stg, c.dcGva, c.stzg, c.dcGzva]).toEqual([0, 0, 4, 63]);
    expect(c.bytesZeroed).toBe(4096);
    expect(c.bytesZeroedByTagging).toBe(4096);
  });

  it("DZP set: STG only — a page is 4096/16 = 256 STGs", () => {
    const { mte, counters } = setup(64, true);
    mte.setMemTagRange(makePtr(0xff, 0x1000), 4096, 0xf5, false);
    expect([counters.cur.stg, counters.cur.dcGva]).toEqual([256, 0]);
  });

  it("256-byte DC blocks: a page is 16 STGs for the first block and 15 DC GVAs", () => {
    const { mte, counters } = setup(256);
    mte.setMemTagRange(makePtr(0xff, 0x1000), 4096, 0xf5, false);
    expect([counters.cur.stg, counters.cur.dcGva]).toEqual([16, 15]);
  });

  it("writes the low nibble of the KASAN tag on exactly the range; size 0 does nothing", () => {
    const { mte, counters } = setup();
    mte.setMemTagRange(makePtr(0xf3, 0x1000), 0x200, 0xfe, false);
    expect(mte.peekTag(makePtr(0xff, 0xff0))).toBe(0);
    expect(mte.peekTag(makePtr(0xff, 0x1000))).toBe(0xe);
    expect(mte.peekTag(makePtr(0xff, 0x11f0))).toBe(0xe);
    expect(mte.peekTag(makePtr(0xff, 0x1200))).toBe(0);
    const before = counters.cur.granulesTagged;
    mte.setMemTagRange(makePtr(0xff, 0x1000), 0, 0xf1, true);
    expect(counters.cur.granulesTagged).toBe(before);
  });

  it("rejects misaligned or NULL addresses, bad sizes and non-byte tags", () => {
    const { mte } = setup();
    expect(() => mte.setMemTagRange(makePtr(0xff, 0x1008), 16, 0xf1, false)).toThrow(/addr/);
    expect(() => mte.setMemTagRange(USER_BASE, 16, 0xf1, false)).toThrow(/addr/);
    expect(() => mte.setMemTagRange(makePtr(0xff, 0x1000), 24, 0xf1, false)).toThrow(/size/);
    expect(() => mte.setMemTagRange(makePtr(0xff, 0x1000), 16, 0x100, false)).toThrow(/tag/);
  });
});

describe("mte_set_mem_tag_range closed form equals the kernel loop (property)", () => {
  it("same counts and same granules for any alignment, size up to 5 pages, block size and DZP", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1023 }), // page index
        fc.integer({ min: 0, max: 255 }), // granule offset inside the page
        fc.integer({ min: 0, max: 1280 }), // size in granules (≤ 5 pages)
        fc.constantFrom(16, 32, 64, 128, 256, 512, 2048),
        fc.boolean(),
        fc.integer({ min: 0, max: 15 }),
        fc.boolean(),
        (page, g, n, bs, dzp, tag, init) => {
          const addr = 0x100000 + page * 4096 + g * 16;
          const size = n * 16;
          const ref = referenceLoop(addr, size, 0xf0 | tag, bs, dzp);
          expect(setMemTagRangeDcOps(addr, size, bs, dzp)).toBe(ref.dc);
          expect(setMemTagRangeStgOps(addr, size, bs, dzp)).toBe(ref.stg);

          // The model's effect: counts per instruction kind and the tags it leaves behind.
          const { mte, counters } = setup(bs, dzp);
          const background = (tag + 1) & 0xf;
          const lo = addr - 4096;
          const hi = addr + size + 4096;
          mte.storage.fillTags(lo, hi - lo, background);
          mte.setMemTagRange(makePtr(0xff, addr), size, 0xf0 | tag, init);
          const c = counters.cur;
          expect(init ? [c.stzg, c.dcGzva, c.stg, c.dcGva] : [c.stg, c.dcGva, c.stzg, c.dcGzva]).toEqual([ref.stg, ref.dc, 0, 0]);
          expect(c.granulesTagged).toBe(ref.granules.length);
          expect(c.bytesZeroed).toBe(init ? ref.granules.length * 16 : 0);
          // The reference writes each granule of [addr, addr+size) exactly once and nothing else.
          const written = new Set(ref.granules);
          expect(written.size).toBe(ref.granules.length);
          const wrong: number[] = [];
          for (let a = lo; a < hi; a += 16) {
            if (mte.peekTag(makePtr(0xff, a)) !== (written.has(a) ? tag : background)) wrong.push(a);
          }
          expect(wrong).toEqual([]);
          expect(written.size === 0 || (Math.min(...written) === addr && Math.max(...written) === addr + size - 16)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
