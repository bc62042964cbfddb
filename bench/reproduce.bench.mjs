// Issue 7: `kasan-sim reproduce` (all tables, default per-table profiles) must finish in under
// 60 s on this 2-core machine. Runs the built CLI in a child process, as a user would, and
// reports its wall time and peak RSS (the child reports its own, see lib/report-rss.mjs).
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, "../dist/cli/main.js");
const preload = pathToFileURL(join(here, "lib/report-rss.mjs")).href;

export async function bench(report) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ["--import", preload, cli, "reproduce", "--json"], { encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`reproduce failed (exit ${r.status}): ${r.stderr}`);
  const tables = JSON.parse(r.stdout).tables.length;
  const { rssMiB } = JSON.parse(r.stderr.trim().split("\n").pop());
  report({ name: `reproduce (${tables} tables): wall time`, value: wall, unit: "s", target: 60, better: "lower" });
  report({ name: "reproduce: peak RSS", value: rssMiB, unit: "MiB", better: "lower" });
}
