/**
 * One SVG bar chart per reproduced table: for every row, the published figure and the model's
 * side by side on a common axis (rows of the table's main unit only; ratio rows are in the text).
 * Fitted rows are drawn hatched and labelled so a reader never mistakes them for predictions.
 */

export interface ChartRow {
  label: string;
  published: number;
  /** The model's figure; null when the profile cannot price it. */
  model: number | null;
  fitted: boolean;
}

export interface ChartSpec {
  title: string;
  subtitle: string;
  unit: string;
  rows: readonly ChartRow[];
}

const W = 760;
const LABEL_W = 230;
const BAR_H = 12;
const ROW_GAP = 10;
const TOP = 70;
const PLOT_W = W - LABEL_W - 90;

export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A "nice" axis maximum and tick step covering `max`. */
export function niceAxis(max: number): { top: number; step: number } {
  if (!(max > 0)) return { top: 1, step: 0.25 };
  const raw = max / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
  return { top: Math.ceil(max / step) * step, step };
}

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
}

export function renderChart(spec: ChartSpec): string {
  const rows = spec.rows;
  const max = Math.max(...rows.map((r) => Math.max(r.published, r.model ?? 0)));
  const { top, step } = niceAxis(max);
  const x = (v: number): number => LABEL_W + (v / top) * PLOT_W;
  const rowH = 2 * BAR_H + ROW_GAP;
  const H = TOP + rows.length * rowH + 40;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  out.push(`<defs><pattern id="fit" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#4c78a8"/><line x1="0" y1="0" x2="0" y2="6" stroke="#ffffff" stroke-width="2"/></pattern></defs>`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="10" y="20" font-size="14" font-weight="bold">${escapeXml(spec.title)}</text>`);
  out.push(`<text x="10" y="38" fill="#555555">${escapeXml(spec.subtitle)}</text>`);
  // Legend.
  out.push(`<rect x="${LABEL_W}" y="48" width="12" height="10" fill="#bbbbbb"/><text x="${LABEL_W + 16}" y="57">published</text>`);
  out.push(`<rect x="${LABEL_W + 90}" y="48" width="12" height="10" fill="#4c78a8"/><text x="${LABEL_W + 106}" y="57">model (predicted)</text>`);
  out.push(`<rect x="${LABEL_W + 220}" y="48" width="12" height="10" fill="url(#fit)"/><text x="${LABEL_W + 236}" y="57">model (fitted to this row)</text>`);
  // Grid and axis.
  const plotBottom = TOP + rows.length * rowH;
  for (let v = 0; v <= top + step / 2; v += step) {
    const gx = x(v).toFixed(1);
    out.push(`<line x1="${gx}" y1="${TOP - 4}" x2="${gx}" y2="${plotBottom}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${gx}" y="${plotBottom + 14}" text-anchor="middle" fill="#555555">${escapeXml(fmt(v))}</text>`);
  }
  out.push(`<text x="${LABEL_W + PLOT_W / 2}" y="${plotBottom + 30}" text-anchor="middle">${escapeXml(spec.unit)}</text>`);
  rows.forEach((r, i) => {
    const y = TOP + i * rowH;
    out.push(`<g class="row" data-label="${escapeXml(r.label)}">`);
    out.push(`<text x="${LABEL_W - 8}" y="${y + BAR_H + 4}" text-anchor="end">${escapeXml(r.label)}</text>`);
    out.push(`<rect class="published" x="${LABEL_W}" y="${y}" width="${(x(r.published) - LABEL_W).toFixed(1)}" height="${BAR_H}" fill="#bbbbbb" data-value="${r.published}"/>`);
    out.push(`<text x="${(x(r.published) + 4).toFixed(1)}" y="${y + BAR_H - 2}" fill="#333333">${escapeXml(fmt(r.published))}</text>`);
    if (r.model === null) {
      out.push(`<text x="${LABEL_W + 4}" y="${y + 2 * BAR_H - 2}" fill="#aa0000">not priced by this profile</text>`);
    } else {
      const fill = r.fitted ? "url(#fit)" : "#4c78a8";
      out.push(`<rect class="model" x="${LABEL_W}" y="${y + BAR_H}" width="${(x(r.model) - LABEL_W).toFixed(1)}" height="${BAR_H}" fill="${fill}" data-value="${r.model}" data-fitted="${r.fitted}"/>`);
      const err = r.published === 0 ? "" : ` (${r.model >= r.published ? "+" : ""}${((100 * (r.model - r.published)) / r.published).toFixed(1)} %)`;
      out.push(`<text x="${(x(r.model) + 4).toFixed(1)}" y="${y + 2 * BAR_H - 2}" fill="#1f3f66">${escapeXml(fmt(r.model) + (r.fitted ? " fitted" : err))}</text>`);
    }
    out.push(`</g>`);
  });
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}
