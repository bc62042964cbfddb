/** The SVG chart of one reproduced table. */
import type { ReproducedTable } from "./reproduce.js";
import { renderChart } from "./svg-chart.js";

/** The chart of one table: rows of its main unit (ratio rows stay in the text). */
export function tableChart(t: ReproducedTable): string {
  const rows = t.rows.filter((r) => r.unit !== "ratio");
  const unit = rows[0]?.unit ?? "";
  return renderChart({
    title: t.title,
    subtitle: `${t.id} · profile ${t.profile} · published vs model`,
    unit: unit === "s" ? "seconds" : unit,
    rows: rows.map((r) => ({ label: r.label, published: r.published, model: r.model, fitted: r.fitted })),
  });
}
