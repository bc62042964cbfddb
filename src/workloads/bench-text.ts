/**
 * Text output of `kasan-sim bench`: per policy, every non-zero counter split by origin, then the
 * totals side by side with the difference to the first policy and that difference per unit
 * (per thread / per fork), and a tagged-granules-per-page line per origin (seed 001's "256 tag
 * setting instructions per 4 kB page").
 */
import { COUNTER_NAMES, ORIGINS } from "../cost/counters.js";
import type { ReportJson } from "./report-json.js";

function pad(s: string, n: number): string {
  return s.length >= n ? s : " ".repeat(n - s.length) + s;
}

export function formatBenchText(r: ReportJson, unitName: string, units: number): string {
  const out: string[] = [];
  const names = Object.keys(r.policies);
  const nonZero = COUNTER_NAMES.filter((c) => names.some((n) => r.policies[n].total[c] !== 0));
  for (const n of names) {
    const p = r.policies[n];
    out.push(`== policy ${n}`);
    out.push(["counter".padEnd(22), ...ORIGINS.map((o) => pad(o, 14)), pad("total", 16)].join(""));
    for (const c of nonZero) {
      out.push([c.padEnd(22), ...ORIGINS.map((o) => pad(String(p.byOrigin[o][c]), 14)), pad(String(p.total[c]), 16)].join(""));
    }
    for (const o of ORIGINS) {
      const b = p.byOrigin[o];
      const pages = b.pagesAllocated + b.pagesFreed;
      if (pages > 0) out.push(`  ${o}: ${(b.granulesTagged / pages).toFixed(1)} granules tagged per 4 KiB page allocated or freed (256 = every page tagged on both)`);
    }
    out.push("");
  }
  if (names.length > 1) {
    const base = r.policies[names[0]];
    out.push(`== difference to ${names[0]} (total, and per ${unitName})`);
    out.push(["counter".padEnd(22), ...names.map((n) => pad(n, 20)), ...names.slice(1).map((n) => pad(`Δ ${n}`, 20)), ...names.slice(1).map(() => pad(`Δ/${unitName}`, 14))].join(""));
    for (const c of nonZero) {
      const vals = names.map((n) => r.policies[n].total[c]);
      const d = vals.slice(1).map((v) => v - base.total[c]);
      out.push([c.padEnd(22), ...vals.map((v) => pad(String(v), 20)), ...d.map((v) => pad(String(v), 20)), ...d.map((v) => pad((v / units).toFixed(2), 14))].join(""));
    }
  }
  return out.join("\n") + "\n";
}
