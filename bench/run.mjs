// Runs every bench/*.bench.mjs (against the built dist/) and prints one table of figures.
// Each bench module exports `async function bench(report)`; `report({ name, value, unit,
// target, better })` records a figure, where `better` is "higher" or "lower" and `target` is
// the threshold (optional).
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.mjs"))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const rows = [];
let failed = 0;
for (const f of files) {
  const mod = await import(pathToFileURL(join(here, f)).href);
  process.stderr.write(`bench: ${f}\n`);
  await mod.bench((r) => {
    const ok =
      r.target === undefined ? undefined : r.better === "lower" ? r.value <= r.target : r.value >= r.target;
    if (ok === false) failed++;
    rows.push({ file: f, ...r, ok });
    const t = r.target === undefined ? "" : `  (target ${r.better === "lower" ? "≤" : "≥"} ${fmt(r.target)}: ${ok ? "met" : "MISSED"})`;
    console.log(`${r.name.padEnd(58)} ${fmt(r.value).padStart(14)} ${r.unit}${t}`);
  });
}
console.log(`\n${rows.length} figures, ${failed} below target`);

function fmt(v) {
  if (Math.abs(v) >= 1e6) return v.toExponential(3);
  if (Number.isInteger(v)) return String(v);
  return v.toFixed(3);
}
