import { describe, expect, it } from "vitest";
import { buildCoverageJson } from "./coverage-json.js";
import { formatCoverageText } from "./coverage-text.js";
import { runCoverage } from "./run-coverage.js";

const scenariosOnly = { only: (e: { group: string }) => e.group !== "kunit" };

describe("coverage: baseline vs a policy", () => {
  const r = runCoverage({ policy: "seed-series", modes: ["hw_tags"], seeds: [1], ...scenariosOnly });

  it("lists exactly the entries whose coverage seed-series changes in hw_tags", () => {
    // From the derivations in coverage-scenarios.test.ts: the stack at its vmalloc address and
    // the vfree'd stack (untagged mapping), the recycled PTE page (poison tag kept: better),
    // the PTE use-after-free through ptdesc_address, the two GFP_HIGHUSER_MOVABLE vmalloc bugs,
    // and three claims (non-match at the stack, poison tag on recycled stack/PTE pages).
    expect(r.differences.map((d) => d.id)).toEqual([
      "stack.stray-write",
      "stack.stale-vfree-reused",
      "pgtable.forged-read-recycled",
      "pgtable.uaf-ptdesc",
      "vmalloc.highuser-oob",
      "vmalloc.highuser-uaf-reused",
      "claim.non-match-stack",
      "claim.poison-tag-stack-linear",
      "claim.poison-tag-pgtable",
    ]);
    const oob = r.differences.find((d) => d.id === "vmalloc.highuser-oob");
    expect([oob?.baseline.verdict, oob?.policy.verdict]).toEqual(["caught", "missed"]);
  });

  it("baseline against itself has no differences", () => {
    const same = runCoverage({ policy: "baseline", modes: ["hw_tags"], seeds: [1], ...scenariosOnly });
    expect(same.differences).toEqual([]);
    expect(formatCoverageText(same)).toContain("differences: none");
  });

  it("untagged-by-default loses the KUnit page-allocator cases in hw_tags only", () => {
    const u = runCoverage({ policy: "untagged-by-default", modes: ["generic", "hw_tags"], seeds: [1], only: (e) => e.group === "kunit" });
    // alloc_pages(GFP_KERNEL) does not opt in with __GFP_TAGGED: the page stays untagged, so the
    // out-of-bounds and use-after-free go unseen, and match_all_not_assigned sees 0xFF tags.
    expect(u.differences.map((d) => `${d.mode} ${d.id}`)).toEqual(["hw_tags kunit.page_alloc_oob_right", "hw_tags kunit.page_alloc_uaf", "hw_tags kunit.match_all_not_assigned"]);
  });

  it("prints a row per entry with both sides and the differences with their details", () => {
    const text = formatCoverageText(r);
    expect(text).toMatch(/vmalloc\.highuser-oob\s+\| caught\s+\*missed/);
    expect(text).toContain("differences (9)");
    expect(text).toContain("seed-series: pointer tag 0xFF, area untagged: write at +3584 not reported");
  });

  it("JSON follows report-json's conventions: workload, mode, policies keyed by name", () => {
    const j = JSON.parse(JSON.stringify(buildCoverageJson(r))) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual(["workload", "mode", "policies", "catalog", "differences", "warnings"]);
    expect(j.workload).toEqual({ name: "coverage", policy: "seed-series", modes: ["hw_tags"], seeds: [1], entries: 20 });
    expect(j.mode).toBe("hw_tags");
    const pol = j.policies as Record<string, { coverage: Record<string, Record<string, { verdict: string; chance?: number }>> }>;
    expect(Object.keys(pol)).toEqual(["baseline", "seed-series"]);
    expect(pol.baseline.coverage.hw_tags["stack.stray-write"]).toMatchObject({ verdict: "probabilistic", chance: 13 / 14, seeds: 1 });
    expect(pol["seed-series"].coverage.hw_tags["stack.stray-write"]).toMatchObject({ verdict: "missed", chance: 0 });
    expect((j.differences as unknown[]).length).toBe(9);
  });

  it("rejects a bad policy, no seeds or no modes", () => {
    expect(() => runCoverage({ policy: "nope", modes: ["hw_tags"], seeds: [1] })).toThrow(/unknown policy "nope"/);
    expect(() => runCoverage({ policy: "baseline", modes: ["hw_tags"], seeds: [] })).toThrow(/seed/);
    expect(() => runCoverage({ policy: "baseline", modes: [], seeds: [1] })).toThrow(/mode/);
  });
});
