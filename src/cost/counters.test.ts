import { describe, expect, it } from "vitest";
import { COUNTER_NAMES, Counters, toRecord } from "./counters.js";

describe("Counters", () => {
  it("attributes counts to the origin entered, and sums them in total()", () => {
    const c = new Counters();
    c.cur.stg += 2; // other
    c.enter("threadStack");
    c.cur.stg += 3;
    c.enter("pageTable");
    c.cur.stg += 5;
    c.leave();
    c.cur.dcGva += 1; // back in threadStack
    c.leave();
    expect(c.byOrigin.other.stg).toBe(2);
    expect(c.byOrigin.threadStack.stg).toBe(3);
    expect(c.byOrigin.threadStack.dcGva).toBe(1);
    expect(c.byOrigin.pageTable.stg).toBe(5);
    expect(c.total().stg).toBe(10);
  });

  it("refuses an unbalanced leave()", () => {
    expect(() => new Counters().leave()).toThrow(/without enter/);
  });

  it("exposes the counters the bench/replay JSON shape promises", () => {
    for (const k of ["granulesTagged", "stg", "st2g", "stzg", "stz2g", "dcGva", "dcGzva", "irg", "bytesZeroed", "pageAllocs", "pageFrees", "vmallocs", "vfrees", "stackCacheHits", "rcuCallbacks"]) {
      expect(COUNTER_NAMES).toContain(k);
    }
    const r = toRecord(new Counters().total());
    expect(Object.keys(r)).toEqual([...COUNTER_NAMES]);
  });

  it("reset() zeroes every origin", () => {
    const c = new Counters();
    c.enter("slab");
    c.cur.slabAllocs = 4;
    c.leave();
    c.reset();
    expect(c.total().slabAllocs).toBe(0);
  });
});
