/**
 * `coverage --policy P`: run the catalog under baseline and under P in each mode, several seeds
 * each, and list where the two differ.
 *
 *   const r = runCoverage({ policy: "seed-series", modes: ["hw_tags"], seeds: [1, 2] });
 *   r.rows.find((x) => x.id === "stack.stray-write")?.outcomes.hw_tags   // { baseline, policy }
 *   r.differences                                                          // where they differ
 */
import type { KasanMode } from "../../config/mode.js";
import type { StackCollection } from "../../kernel/stack-depot.js";
import { BASELINE_POLICY, resolvePolicies, type TaggingPolicy } from "../../policy/policies.js";
import type { CatalogEntry, CoverageEnv } from "./catalog-entry.js";
import { CATALOG, SCENARIO_ENTRIES } from "./catalog.js";
import { runKunitEntries } from "./kunit-entries.js";
import { combineSeeds, type Outcome, type SeedResult } from "./outcome.js";

export type CoverageMode = Exclude<KasanMode, "off">;
export const COVERAGE_MODES: readonly CoverageMode[] = ["generic", "sw_tags", "hw_tags"];

export interface CoverageOptions {
  /** Policy spec as `--policy` takes it (resolvePolicies; throws on a bad spec). */
  policy: string;
  modes: readonly CoverageMode[];
  seeds: readonly number[];
  /** KASAN stack collection flavour of every kernel (default unwinder). */
  stacks?: StackCollection;
  /** Save stacks in the stack depot (default true). */
  stackDepot?: boolean;
  /** Entries to run (default the whole catalog; tests pass a subset by id). */
  only?: (e: CatalogEntry) => boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface CoveragePair {
  baseline: Outcome;
  policy: Outcome;
}

export interface CoverageRow extends CatalogEntry {
  outcomes: Partial<Record<CoverageMode, CoveragePair>>;
}

export interface CoverageDifference {
  id: string;
  mode: CoverageMode;
  baseline: Outcome;
  policy: Outcome;
}

export interface CoverageResult {
  policy: string;
  /** resolvePolicies' notes on the combination. */
  warnings: string[];
  modes: CoverageMode[];
  seeds: number[];
  rows: CoverageRow[];
  differences: CoverageDifference[];
}

/** Two outcomes differ when the verdict or the chance of catching differs. */
export function outcomesDiffer(a: Outcome, b: Outcome): boolean {
  return a.verdict !== b.verdict || (a.chance ?? -1) !== (b.chance ?? -1);
}

export function runCoverage(o: CoverageOptions): CoverageResult {
  if (o.seeds.length === 0) throw new Error("runCoverage: at least one seed");
  if (o.modes.length === 0) throw new Error("runCoverage: at least one mode");
  const { policy, warnings } = resolvePolicies(o.policy);
  const entries = CATALOG.filter(o.only ?? (() => true));
  const scenarios = SCENARIO_ENTRIES.filter((e) => entries.includes(e));
  const wantKunit = entries.some((e) => e.group === "kunit");
  const rows: CoverageRow[] = entries.map((e) => ({ id: e.id, group: e.group, title: e.title, claim: e.claim, outcomes: {} }));
  const total = o.modes.length * 2 * o.seeds.length * (scenarios.length + (wantKunit ? 1 : 0));
  let done = 0;
  const tick = (): void => {
    done++;
    o.onProgress?.(done, total);
  };
  const differences: CoverageDifference[] = [];
  for (const mode of o.modes) {
    const per = (p: TaggingPolicy): Map<string, SeedResult[]> => {
      const acc = new Map<string, SeedResult[]>(entries.map((e) => [e.id, []]));
      for (const seed of o.seeds) {
        const env: CoverageEnv = { mode, policy: p, seed, stacks: o.stacks, stackDepot: o.stackDepot };
        if (wantKunit) {
          for (const [id, r] of runKunitEntries(env)) acc.get(id)?.push(r);
          tick();
        }
        for (const s of scenarios) {
          (acc.get(s.id) as SeedResult[]).push(s.run(env));
          tick();
        }
      }
      return acc;
    };
    const base = per(BASELINE_POLICY);
    const pol = per(policy);
    for (const row of rows) {
      const b = base.get(row.id) as SeedResult[];
      const q = pol.get(row.id) as SeedResult[];
      if (b.length === 0 || q.length === 0) continue;
      const pair = { baseline: combineSeeds(b), policy: combineSeeds(q) };
      row.outcomes[mode] = pair;
      if (outcomesDiffer(pair.baseline, pair.policy)) differences.push({ id: row.id, mode, ...pair });
    }
  }
  return { policy: policy.name, warnings, modes: [...o.modes], seeds: [...o.seeds], rows, differences };
}
