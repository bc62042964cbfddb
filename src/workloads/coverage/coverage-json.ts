/**
 * `coverage --json`, in report-json's conventions (src/workloads/report-json.ts): a
 * "workload" object with the run's parameters, "mode", and "policies" keyed by policy name —
 * here with no counters: each policy entry holds the outcomes per mode and entry id.
 *
 *   {"workload": {"name": "coverage", "policy": P, "modes": [...], "seeds": [...], "entries": n},
 *    "mode": "generic,sw_tags,hw_tags",
 *    "policies": {"baseline": {"coverage": {"<mode>": {"<id>": Outcome}}}, "<P>": {...}},
 *    "catalog": [{"id", "group", "title", "claim"}],
 *    "differences": [{"id", "mode", "baseline": Outcome, "policy": Outcome}],
 *    "warnings": [...]}
 * Outcome = {"verdict": caught|missed|probabilistic|n/a|holds|fails, "chance"?: 0..1, "seeds": n, "detail": "…"}.
 * When P is "baseline" the one policy entry serves both sides.
 */
import type { Outcome } from "./outcome.js";
import type { CoverageDifference, CoverageResult } from "./run-coverage.js";

export interface CoverageJson {
  workload: { name: "coverage"; policy: string; modes: string[]; seeds: number[]; entries: number };
  mode: string;
  policies: Record<string, { coverage: Record<string, Record<string, Outcome>> }>;
  catalog: { id: string; group: string; title: string; claim: boolean }[];
  differences: CoverageDifference[];
  warnings: string[];
}

export function buildCoverageJson(r: CoverageResult): CoverageJson {
  const side = (which: "baseline" | "policy"): { coverage: Record<string, Record<string, Outcome>> } => {
    const coverage: Record<string, Record<string, Outcome>> = {};
    for (const m of r.modes) {
      const byId: Record<string, Outcome> = {};
      for (const row of r.rows) {
        const p = row.outcomes[m];
        if (p !== undefined) byId[row.id] = p[which];
      }
      coverage[m] = byId;
    }
    return { coverage };
  };
  const policies: CoverageJson["policies"] = { baseline: side("baseline") };
  if (r.policy !== "baseline") policies[r.policy] = side("policy");
  return {
    workload: { name: "coverage", policy: r.policy, modes: [...r.modes], seeds: [...r.seeds], entries: r.rows.length },
    mode: r.modes.join(","),
    policies,
    catalog: r.rows.map((x) => ({ id: x.id, group: x.group, title: x.title, claim: x.claim })),
    differences: r.differences,
    warnings: r.warnings,
  };
}
