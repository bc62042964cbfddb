import { describe, expect, it } from "vitest";
import { Counters } from "../../cost/counters.js";
import { Prng } from "../../lib/prng.js";
import { makePtr } from "../pointer.js";
import { Mte, type MteOptions } from "./mte.js";

function setup(extra: Partial<MteOptions> = {}): { mte: Mte; counters: Counters } {
  const counters = new Counters();
  return { mte: new Mte({ nrCpus: 1, prng: new Prng(3), counters, ...extra }), counters };
}

function pageTags(mte: Mte, off: number): number[] {
  const out: number[] = [];
  for (let a = off; a < off + 4096; a += 16) out.push(mte.peekTag(makePtr(0xff, a)));
  return out;
}

describe("mte_zero_clear_page_tags (tag_clear_highpage)", () => {
  it("zeroes the page with DC GZVA per 64-byte block and sets every tag to 0", () => {
    const { mte, counters } = setup();
    mte.storage.fillTags(0x7000, 3 * 4096, 9); // the page and both neighbours tagged 9
    mte.zeroClearPageTags(makePtr(0xf4, 0x8000)); // the pointer tag is cleared first: tag 0
    expect(pageTags(mte, 0x8000)).toEqual(new Array(256).fill(0));
    expect(mte.peekTag(makePtr(0xff, 0x7ff0))).toBe(9);
    expect(mte.peekTag(makePtr(0xff, 0x9000))).toBe(9);
    const c = counters.cur;
    expect(c.dcGzva).toBe(4096 / 64); // 64 blocks
    expect(c.stz2g).toBe(0);
    expect(c.granulesTagged).toBe(256);
    expect(c.bytesZeroed).toBe(4096);
    expect(c.bytesZeroedByTagging).toBe(4096);
  });

  it("falls back to STZ2G per 32 bytes when DZP forbids DC GZVA", () => {
    const { mte, counters } = setup({ dczidDzp: true });
    mte.zeroClearPageTags(makePtr(0xff, 0x8000));
    expect(counters.cur.stz2g).toBe(4096 / 32); // 128
    expect(counters.cur.dcGzva).toBe(0);
  });

  it("requires a page-aligned address", () => {
    const { mte } = setup();
    expect(() => mte.zeroClearPageTags(makePtr(0xff, 0x8010))).toThrow(/page aligned/);
  });
});

describe("mte_clear_page_tags", () => {
  it("clears tags with STGM per GMID block and zeroes no data", () => {
    const { mte, counters } = setup(); // GMID block 256 bytes
    mte.storage.fillTags(0x8000, 4096, 5);
    mte.clearPageTags(makePtr(0xff, 0x8000));
    expect(pageTags(mte, 0x8000)).toEqual(new Array(256).fill(0));
    expect(counters.cur.stgm).toBe(4096 / 256); // 16
    expect(counters.cur.granulesTagged).toBe(256);
    expect(counters.cur.bytesZeroed).toBe(0);
    const small = setup({ gmidBlockSize: 64 });
    small.mte.clearPageTags(makePtr(0xff, 0));
    expect(small.counters.cur.stgm).toBe(4096 / 64); // 64
  });
});
