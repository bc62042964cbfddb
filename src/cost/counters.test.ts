import { describe, expect, it } from "vitest";
import fc from "fast-check";
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

  it("restores the right origin through any nesting, reusing the saved slots after unwinding", () => {
    const origins = ["threadStack", "pageTable", "slab", "vmalloc", "userPage", "other"] as const;
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...origins), fc.constant("leave" as const)), { maxLength: 60 }), (ops) => {
        const c = new Counters();
        const model: (typeof origins)[number][] = ["other"]; // stack of open origins, top = current
        for (const op of ops) {
          if (op === "leave") {
            if (model.length === 1) {
              expect(() => c.leave()).toThrow(/without enter/);
              continue;
            }
            c.leave();
            model.pop();
          } else {
            c.enter(op);
            model.push(op);
          }
          expect(c.cur).toBe(c.byOrigin[model[model.length - 1]]);
        }
      }),
    );
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
