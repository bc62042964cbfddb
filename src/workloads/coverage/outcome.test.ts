import { describe, expect, it } from "vitest";
import { combineSeeds, formatOutcome } from "./outcome.js";
import { describeSweep, strayTags, sweepChance } from "./tag-probe.js";

describe("combining a catalog entry's seeds", () => {
  it("a bug caught with chance 1 in every seed is caught, 0 everywhere is missed", () => {
    expect(combineSeeds([{ kind: "bug", chance: 1, detail: "a" }, { kind: "bug", chance: 1, detail: "a" }])).toEqual({ verdict: "caught", chance: 1, seeds: 2, detail: "a" });
    expect(combineSeeds([{ kind: "bug", chance: 0, detail: "a" }]).verdict).toBe("missed");
  });

  it("a tag coincidence makes it probabilistic with the mean chance", () => {
    // Seed 1 caught, seed 2 hid it: (1 + 0) / 2 = 0.5.
    const o = combineSeeds([{ kind: "bug", chance: 1, detail: "x" }, { kind: "bug", chance: 0, detail: "y" }]);
    expect(o.verdict).toBe("probabilistic");
    expect(o.chance).toBe(0.5);
    expect(o.detail).toBe("x [first seed; 2 distinct details over 2 seeds]");
    expect(formatOutcome(o)).toBe("probabilistic (50%)");
  });

  it("a claim holds only if it holds in every seed", () => {
    expect(combineSeeds([{ kind: "claim", holds: true, detail: "" }, { kind: "claim", holds: false, detail: "" }]).verdict).toBe("fails");
    expect(combineSeeds([{ kind: "claim", holds: true, detail: "" }]).verdict).toBe("holds");
    expect(combineSeeds([{ kind: "n/a", detail: "skipped" }]).verdict).toBe("n/a");
  });

  it("rejects an empty list and mixed kinds", () => {
    expect(() => combineSeeds([])).toThrow(/no results/);
    expect(() => combineSeeds([{ kind: "bug", chance: 1, detail: "" }, { kind: "n/a", detail: "" }])).toThrow(/mixed/);
  });
});

describe("stray pointer tags per mode", () => {
  it("hw_tags draws 0xF0..0xFD (14), sw_tags 0x00..0xFD (254), generic has only 0xFF", () => {
    const hw = strayTags("hw_tags");
    expect(hw.length).toBe(14);
    expect([hw[0], hw[13]]).toEqual([0xf0, 0xfd]);
    expect(strayTags("sw_tags").length).toBe(254);
    expect(strayTags("generic")).toEqual([0xff]);
  });

  it("the chance of a sweep is the share of stray tags that fault", () => {
    // One of 14 tags (the memory's own) passes: 13/14.
    const s = { tags: strayTags("hw_tags"), passed: [0xf4], poisonFaults: true, matchAllFaults: false };
    expect(sweepChance(s)).toBe(13 / 14);
    expect(describeSweep(s)).toBe("0xF4 pass, 13 of 14 fault; 0xFE faults; 0xFF passes");
  });
});
