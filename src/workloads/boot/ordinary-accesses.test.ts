import { describe, expect, it } from "vitest";
import { ordinaryAccessCheck, ordinaryAccesses } from "./ordinary-accesses.js";

describe("the ordinary accesses of a boot (N_acc)", () => {
  it("are checked by the shadow in the software modes, by MTE in hw_tags, not at all with KASAN off", () => {
    expect(ordinaryAccessCheck("generic")).toBe("shadow");
    expect(ordinaryAccessCheck("sw_tags")).toBe("shadow");
    expect(ordinaryAccessCheck("hw_tags")).toBe("mte");
    expect(ordinaryAccessCheck("off")).toBe("none");
  });

  it("carry the given count unchanged in every mode, with the counter that prices one check", () => {
    expect(ordinaryAccesses("sw_tags", 3e8)).toEqual({ count: 3e8, given: true, checkedBy: "shadow", counter: "shadowChecks" });
    expect(ordinaryAccesses("hw_tags", 3e8)).toEqual({ count: 3e8, given: true, checkedBy: "mte", counter: "tagChecks" });
    expect(ordinaryAccesses("off", 3e8)).toEqual({ count: 3e8, given: true, checkedBy: "none", counter: null });
  });

  it("are 0 and marked not given without a count; a bad count is a RangeError", () => {
    expect(ordinaryAccesses("generic", undefined)).toEqual({ count: 0, given: false, checkedBy: "shadow", counter: "shadowChecks" });
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => ordinaryAccesses("generic", bad)).toThrow(RangeError);
  });
});
