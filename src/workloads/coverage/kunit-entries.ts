/**
 * The KUnit-equivalent suite as catalog entries: one per case of Linux 6.12's KASAN suite. A
 * case that passes saw the report it expects (the bug is caught), a failing case did not (or
 * saw an unexpected one), a skipped case does not apply to the mode. The suite runs once per
 * kernel (mode × policy × seed), on a fresh kernel like the other entries.
 */
import { bootKernel } from "../../kernel/kernel.js";
import { KASAN_KUNIT_TEST_CASES } from "../kunit/suite.js";
import { runKasanKunit } from "../kunit/run-suite.js";
import type { CatalogEntry, CoverageEnv } from "./catalog-entry.js";
import type { SeedResult } from "./outcome.js";

export const KUNIT_ENTRIES: readonly CatalogEntry[] = KASAN_KUNIT_TEST_CASES.map((c) => ({
  id: `kunit.${c.name}`,
  group: "kunit",
  claim: false,
  title: `KASAN KUnit case ${c.name}`,
}));

/** Run the suite on one kernel; results keyed by entry id. */
export function runKunitEntries(env: CoverageEnv): Map<string, SeedResult> {
  const k = bootKernel({ mode: env.mode, policy: env.policy, seed: env.seed, stacks: env.stacks, stackDepot: env.stackDepot });
  const r = runKasanKunit(k, {});
  const out = new Map<string, SeedResult>();
  for (const c of r.cases) {
    const id = `kunit.${c.name}`;
    if (c.status === "skipped") out.set(id, { kind: "n/a", detail: `skipped: ${c.skipReason ?? ""}`.trim() });
    else if (c.status === "success") out.set(id, { kind: "bug", chance: 1, detail: `passed (${c.reports.length} report${c.reports.length === 1 ? "" : "s"})` });
    else out.set(id, { kind: "bug", chance: 0, detail: `failed: ${c.failures[0] ?? "no failure message"}` });
  }
  return out;
}
