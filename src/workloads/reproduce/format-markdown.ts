/**
 * `reproduce` as Markdown: one section per table, predicted rows apart from fitted ones, each with
 * the published figure, the model's, the error and the counts behind it.
 */
import type { ReproduceResult, ReproducedRow, ReproducedTable } from "./reproduce.js";

function num(v: number | null, unit: string): string {
  if (v === null) return "—";
  return unit === "ratio" ? v.toFixed(4) : Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(3);
}

function err(r: ReproducedRow): string {
  if (r.errorPct === null) return "not priced";
  const pct = `${r.errorPct >= 0 ? "+" : ""}${r.errorPct.toFixed(1)} %`;
  return r.errorPp === undefined ? pct : `${r.errorPp >= 0 ? "+" : ""}${r.errorPp.toFixed(2)} pp`;
}

function countsText(r: ReproducedRow): string {
  const e = Object.entries(r.counts);
  if (e.length === 0) return "";
  return e.map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(1)}`).join(", ");
}

function tableMarkdown(t: ReproducedTable): string {
  const out: string[] = [];
  out.push(`## ${t.title}`, "");
  out.push(`\`${t.id}\` · priced with profile \`${t.profile}\``, "");
  out.push(`Source: ${t.source}`, "");
  out.push(`Platform: ${t.platform}`, "");
  const section = (title: string, rows: ReproducedRow[]): void => {
    if (rows.length === 0) return;
    out.push(`**${title}**`, "");
    out.push("| row | published | model | unit | error | how | counts |", "|---|---:|---:|---|---:|---|---|");
    for (const r of rows) {
      const unpriced = r.unpriced === undefined ? "" : `; ${r.unpriced.length} kinds of work unpriced by the profile (--json lists them)`;
      const how = (r.fitted ? `fitted (${r.fittedBy})` : "predicted") + unpriced;
      out.push(`| ${r.label} | ${num(r.published, r.unit)} | ${num(r.model, r.unit)} | ${r.unit} | ${r.fitted ? "(fitted)" : err(r)} | ${how} | ${countsText(r)} |`);
    }
    out.push("");
  };
  section("Predictions (no constant fitted to these figures)", t.rows.filter((r) => !r.fitted));
  section("Fitted rows (match by construction)", t.rows.filter((r) => r.fitted));
  for (const n of t.notes) out.push(`- ${n}`);
  if (t.notes.length > 0) out.push("");
  return out.join("\n");
}

export function formatMarkdown(r: ReproduceResult): string {
  const out: string[] = ["# kasan-sim reproduce", ""];
  for (const [name, desc] of Object.entries(r.profiles)) out.push(`- profile \`${name}\`: ${desc}`);
  out.push("");
  const fitted = Object.entries(r.fitted).flatMap(([p, cs]) => Object.entries(cs).map(([n, v]) => `| ${p} | ${n} | ${v.value.toPrecision(5)} | ${v.unit} | ${v.row} |`));
  if (fitted.length > 0) {
    out.push("Fitted constants (each solved from the one published figure named):", "", "| profile | constant | value | unit | fitted to |", "|---|---|---:|---|---|", ...fitted, "");
  }
  for (const t of r.tables) out.push(tableMarkdown(t));
  return out.join("\n");
}
