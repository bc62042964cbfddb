/**
 * KTAP as lib/kunit prints one suite run by the executor (kunit-6.12.md): the top-level
 * `KTAP version 1` / `1..<suites>`, then per suite, indented by four spaces, `KTAP version 1`,
 * `# Subtest: <suite>`, the suite attributes (`# module: <module>`), the plan `1..<cases>`, one
 * `ok N name` / `not ok N name` line per case (`# SKIP <reason>` as a directive), each case's
 * non-default attributes just before its result (`# kasan_atomics.speed: slow`); then,
 * unindented, `# <suite>: pass:P fail:F skip:S total:T`, `# Totals: …` and `ok 1 <suite>`.
 */
import type { KunitStatus } from "./kunit-test.js";

export const KUNIT_INDENT = "    ";

export interface KtapCounts {
  pass: number;
  fail: number;
  skip: number;
  total: number;
}

export function ktapHeader(numSuites: number): string[] {
  return ["KTAP version 1", `1..${numSuites}`];
}

export function ktapSuiteHeader(suite: string, module: string, numCases: number): string[] {
  return [`${KUNIT_INDENT}KTAP version 1`, `${KUNIT_INDENT}# Subtest: ${suite}`, `${KUNIT_INDENT}# module: ${module}`, `${KUNIT_INDENT}1..${numCases}`];
}

/** kunit_print_ok_not_ok() for a case. */
export function ktapCaseResult(num: number, name: string, status: KunitStatus, comment: string): string {
  const ok = status === "failure" ? "not ok" : "ok";
  const directive = status === "skipped" ? ` # SKIP ${comment}` : "";
  return `${KUNIT_INDENT}${ok} ${num} ${name}${directive}`;
}

/** kunit_print_attr() for a case whose speed attribute is not the default. */
export function ktapCaseSpeed(name: string): string {
  return `${KUNIT_INDENT}# ${name}.speed: slow`;
}

/** kunit_print_suite_stats() and the suite's own result line. */
export function ktapSuiteEnd(suite: string, c: KtapCounts, num: number): string[] {
  const stats = `pass:${c.pass} fail:${c.fail} skip:${c.skip} total:${c.total}`;
  // A suite with no passes and only skips is itself skipped; any failure fails it.
  const ok = c.fail > 0 ? "not ok" : "ok";
  const skipped = c.fail === 0 && c.pass === 0 && c.skip > 0 ? " # SKIP" : "";
  return [`# ${suite}: ${stats}`, `# Totals: ${stats}`, `${ok} ${num} ${suite}${skipped}`];
}
