import { describe, expect, it } from "vitest";
import { Counters } from "../../cost/counters.js";
import { Prng } from "../../lib/prng.js";
import { makePtr } from "../pointer.js";
import { MteArchPageOps } from "./arch-page-ops.js";
import { Mte } from "./mte.js";

const PHYS_PFN_OFFSET = 0x40000; // RAM at 1 GiB (QEMU virt)

describe("tag_clear_highpage / clear_highpage on MTE", () => {
  it("tag_clear_highpage zeroes the page and its tags with DC GZVA", () => {
    const counters = new Counters();
    const mte = new Mte({ nrCpus: 1, prng: new Prng(5), counters });
    const ops = new MteArchPageOps(mte, PHYS_PFN_OFFSET);
    mte.storage.fillTags(3 * 4096, 4096, 0xb); // pfn PHYS_PFN_OFFSET + 3
    ops.tagClearHighpage(PHYS_PFN_OFFSET + 3);
    expect(mte.peekTag(makePtr(0xff, 3 * 4096))).toBe(0);
    expect(mte.peekTag(makePtr(0xff, 4 * 4096 - 16))).toBe(0);
    const c = counters.cur;
    expect(c.tagClearHighpage).toBe(1);
    expect(c.bytesZeroed).toBe(4096);
    expect(c.dcGzva).toBe(4096 / 64);
    expect(c.kernelInitPages).toBe(0);
  });

  it("clear_highpage zeroes data only", () => {
    const counters = new Counters();
    const mte = new Mte({ nrCpus: 1, prng: new Prng(5), counters });
    const ops = new MteArchPageOps(mte, PHYS_PFN_OFFSET);
    mte.storage.fillTags(0, 4096, 0xb);
    ops.clearHighpage(PHYS_PFN_OFFSET);
    expect(mte.peekTag(makePtr(0xff, 0))).toBe(0xb);
    expect([counters.cur.kernelInitPages, counters.cur.bytesZeroed, counters.cur.granulesTagged]).toEqual([1, 4096, 0]);
    expect(() => ops.clearHighpage(PHYS_PFN_OFFSET - 1)).toThrow(/pfn/);
  });
});
