/** `kasan-sim coverage`: the bug catalog under baseline and a policy, per mode. */
export type { CatalogEntry, CoverageEnv, EntryGroup, ScenarioEntry } from "./catalog-entry.js";
export { CATALOG, SCENARIO_ENTRIES } from "./catalog.js";
export { combineSeeds, formatOutcome, type Outcome, type SeedResult, type Verdict } from "./outcome.js";
export { COVERAGE_MODES, outcomesDiffer, runCoverage, type CoverageDifference, type CoverageMode, type CoverageOptions, type CoverageResult, type CoverageRow } from "./run-coverage.js";
export { formatCoverageText } from "./coverage-text.js";
export { buildCoverageJson, type CoverageJson } from "./coverage-json.js";
export { strayTags, sweepTags, probeAccess, type TagSweep } from "./tag-probe.js";
