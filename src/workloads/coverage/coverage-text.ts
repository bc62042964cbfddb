/**
 * The coverage table as text: one row per catalog entry, two columns per mode (baseline and
 * the policy), then the differences with what the model showed on each side.
 */
import { formatOutcome, type Outcome } from "./outcome.js";
import type { CoverageResult } from "./run-coverage.js";

function cell(o: Outcome | undefined): string {
  if (o === undefined) return "-";
  if (o.verdict === "probabilistic" && o.chance !== undefined) return `${(o.chance * 100).toFixed(o.chance > 0.99 ? 1 : 0)}%`;
  return o.verdict === "fails" ? "FAILS" : o.verdict;
}

export function formatCoverageText(r: CoverageResult): string {
  const out: string[] = [];
  const seeds = r.seeds.length === 1 ? `seed ${r.seeds[0]}` : `seeds ${r.seeds.join(",")}`;
  out.push(`coverage: baseline vs ${r.policy} in ${r.modes.join(", ")} (${seeds}; kasan_multi_shot)`);
  for (const w of r.warnings) out.push(`warning: ${w}`);
  out.push("caught / missed / n% = chance a random-tag pointer is reported (a tag coincidence hides it) / n/a = not applicable in the mode; claims: holds / FAILS");
  out.push("");
  const idW = Math.max(5, ...r.rows.map((x) => x.id.length));
  const colW = 14;
  const head1 = ["entry".padEnd(idW), ...r.modes.map((m) => m.padEnd(2 * colW + 1))].join(" | ");
  const head2 = ["".padEnd(idW), ...r.modes.map(() => `${"baseline".padEnd(colW)} ${r.policy.slice(0, colW).padEnd(colW)}`)].join(" | ");
  out.push(head1, head2, "-".repeat(head2.length));
  for (const row of r.rows) {
    const cells = r.modes.map((m) => {
      const p = row.outcomes[m];
      const b = cell(p?.baseline);
      const q = cell(p?.policy);
      const mark = p !== undefined && b !== q ? "*" : " ";
      return `${b.padEnd(colW)}${mark}${q.padEnd(colW)}`;
    });
    out.push([row.id.padEnd(idW), ...cells].join(" | "));
  }
  out.push("");
  if (r.differences.length === 0) {
    out.push(`differences: none — coverage under ${r.policy} is the same as baseline's in ${r.modes.join(", ")}`);
  } else {
    out.push(`differences (${r.differences.length}) — where coverage under ${r.policy} is not baseline's:`);
    for (const d of r.differences) {
      const title = r.rows.find((x) => x.id === d.id)?.title ?? d.id;
      out.push(`  ${d.mode} ${d.id}: ${formatOutcome(d.baseline)} → ${formatOutcome(d.policy)}`);
      out.push(`    ${title}`);
      out.push(`    baseline: ${d.baseline.detail}`);
      out.push(`    ${r.policy}: ${d.policy.detail}`);
    }
  }
  return out.join("\n") + "\n";
}
