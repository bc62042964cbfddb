/** `kasan-sim kunit`: Linux 6.12's KASAN KUnit suite run on the model. */
export { parseFilterGlob, globMatch, type KunitFilter } from "./filter-glob.js";
export { isEnabled, type GateOption } from "./gates.js";
export { KASAN_KUNIT_TEST_CASES, KASAN_SUITE_NAME } from "./suite.js";
export { runKasanKunit, filterCases, FIRST_KUNIT_PID, type KunitCaseResult, type KunitRunOptions, type KunitRunResult, type ReportFormatter } from "./run-suite.js";
export type { KasanKunitCase } from "./cases/case.js";
