import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { PageArray } from "./page-array.js";
import { KASAN_TAG_PGSHIFT, PGTY_slab, PGTY_table, PG_head, PG_mte_tagged, PG_reserved } from "./page-flags.js";

const MIN = 0x40000;

describe("struct page KASAN tag (page_kasan_tag)", () => {
  it("reads 0xFF from zeroed flags because the tag is stored XOR 0xFF", () => {
    const pa = new PageArray(MIN, MIN + 16);
    expect(pa.flags(MIN)).toBe(0);
    expect(pa.kasanTag(MIN)).toBe(0xff);
    pa.setKasanTag(MIN, 0xf3);
    // 0xf3 ^ 0xff = 0x0c in bits [24, 32).
    expect(pa.flags(MIN) >>> KASAN_TAG_PGSHIFT).toBe(0x0c);
    expect(pa.kasanTag(MIN)).toBe(0xf3);
    pa.resetKasanTag(MIN);
    expect(pa.flags(MIN)).toBe(0);
  });

  it("tag and PG_* bits never disturb each other", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xff }), fc.integer({ min: 0, max: 22 }), (tag, bit) => {
        const pa = new PageArray(MIN, MIN + 1);
        pa.setFlag(MIN, bit);
        pa.setKasanTag(MIN, tag);
        const ok1 = pa.testFlag(MIN, bit) && pa.kasanTag(MIN) === tag;
        pa.clearFlag(MIN, bit);
        return ok1 && !pa.testFlag(MIN, bit) && pa.kasanTag(MIN) === tag;
      }),
    );
  });

  it("range set/reset covers exactly the pages asked for", () => {
    const pa = new PageArray(MIN, MIN + 8);
    pa.setFlag(MIN + 2, PG_mte_tagged);
    pa.setKasanTagRange(MIN + 1, 4, 0xf7);
    expect([0, 1, 2, 3, 4, 5].map((k) => pa.kasanTag(MIN + k))).toEqual([0xff, 0xf7, 0xf7, 0xf7, 0xf7, 0xff]);
    expect(pa.testFlag(MIN + 2, PG_mte_tagged)).toBe(true);
    pa.resetKasanTagRange(MIN + 2, 2);
    expect([1, 2, 3, 4].map((k) => pa.kasanTag(MIN + k))).toEqual([0xf7, 0xff, 0xff, 0xf7]);
  });
});

describe("struct page types and slab ownership", () => {
  it("PageSlab / PageTable via page_type; one type at a time", () => {
    const pa = new PageArray(MIN, MIN + 4);
    pa.setPageType(MIN, PGTY_slab);
    expect(pa.pageSlab(MIN)).toBe(true);
    expect(pa.pageTable(MIN)).toBe(false);
    expect(() => pa.setPageType(MIN, PGTY_table)).toThrow(/already has page type 0xf5/);
    pa.clearPageType(MIN);
    pa.setPageType(MIN, PGTY_table);
    expect(pa.pageTable(MIN)).toBe(true);
  });

  it("slab cache id defaults to -1 and round-trips", () => {
    const pa = new PageArray(MIN, MIN + 4);
    expect(pa.slabCacheId(MIN + 3)).toBe(-1);
    pa.setSlabCacheId(MIN + 3, 41);
    expect(pa.slabCacheId(MIN + 3)).toBe(41);
    pa.clearSlabCacheIdRange(MIN, 4);
    expect(pa.slabCacheId(MIN + 3)).toBe(-1);
    expect(() => pa.setSlabCacheId(MIN, -2)).toThrow(/id must be/);
  });
});

describe("bad input", () => {
  it("names the field and the expected range", () => {
    const pa = new PageArray(MIN, MIN + 4);
    expect(() => pa.kasanTag(MIN + 4)).toThrow(/pfn must be an integer in \[0x40000, 0x40004\)/);
    expect(() => pa.setKasanTag(MIN, 256)).toThrow(/page tag must be an integer in \[0, 0xff\]/);
    expect(() => pa.setFlag(MIN, 23)).toThrow(/PG_\* bit number/);
    expect(pa.testFlag(MIN, PG_reserved)).toBe(false);
    expect(() => new PageArray(5, 5)).toThrow(/minPfn < maxPfn/);
  });

  it("compound_head of a page that is not a tail is the page itself", () => {
    const pa = new PageArray(MIN, MIN + 4);
    pa.setFlag(MIN, PG_head);
    expect(pa.compoundHead(MIN + 1)).toBe(MIN + 1);
    expect(pa.compoundOrder(MIN + 1)).toBe(0);
  });
});
