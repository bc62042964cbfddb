import { describe, expect, it } from "vitest";
import { POLICY_INFO, resolvePolicies } from "./policies.js";

describe("tagging policies", () => {
  it("lists every switch and preset with the seed it models", () => {
    expect(POLICY_INFO.map((p) => p.name)).toEqual([
      "baseline", "vmalloc-skip-kasan", "vmalloc-skip-kasan-v1", "skip-stacks", "skip-stacks-all", "skip-pgtables", "untagged-by-default", "seed-series",
    ]);
    for (const p of POLICY_INFO) expect(p.seed.length).toBeGreaterThan(0);
  });

  it("seed-series expands to the three patches of seed 001", () => {
    const { policy, warnings } = resolvePolicies("seed-series");
    expect(policy).toMatchObject({ vmallocSkipKasan: "v2", skipStacks: true, skipStacksAll: false, skipPgtables: true, untaggedByDefault: false });
    expect(warnings).toEqual([]);
  });

  it("warns when skip-stacks comes without vmalloc-skip-kasan (6.12 vmalloc ignores the flag)", () => {
    const { policy, warnings } = resolvePolicies("skip-stacks");
    expect(policy.vmallocSkipKasan).toBe("none");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("without vmalloc-skip-kasan");
  });

  it("skip-stacks-all implies skip-stacks; combinations are comma lists", () => {
    const { policy } = resolvePolicies("vmalloc-skip-kasan-v1,skip-stacks-all");
    expect(policy).toMatchObject({ vmallocSkipKasan: "v1", skipStacks: true, skipStacksAll: true });
  });

  it("refuses unknown names and both vmalloc versions at once", () => {
    expect(() => resolvePolicies("skip-everything")).toThrow(/unknown policy "skip-everything"/);
    expect(() => resolvePolicies("vmalloc-skip-kasan,vmalloc-skip-kasan-v1")).toThrow(/pick one/);
    expect(() => resolvePolicies(" , ")).toThrow(/expected one or more/);
  });
});
