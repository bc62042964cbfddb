// Issue 7: `kasan-sim reproduce` (all tables, default per-table profiles) must finish in under
// 60 s on this 2-core machine. Runs the built CLI in a child process and reports its wall time
// and peak RSS (GNU time is not assumed: the child reports its own resource usage).
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, "../dist/cli/main.js");

export async function bench(report) {
  const probe = `
    process.argv = [process.argv[0], ${JSON.stringify(cli)}, "reproduce", "--json"];
    const t0 = performance.now();
    process.stdout.write = (() => true);
    await import(${JSON.stringify(cli)});
    process.on("exit", () => {
      process.stderr.write(JSON.stringify({ wall: (performance.now() - t0) / 1000, rssMiB: process.resourceUsage().maxRSS / 1024 }) + "\\n");
    });`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", probe], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`reproduce failed: ${r.stderr}`);
  const m = JSON.parse(r.stderr.trim().split("\n").pop());
  report({ name: "reproduce (all tables): wall time", value: m.wall, unit: "s", target: 60, better: "lower" });
  report({ name: "reproduce: peak RSS", value: m.rssMiB, unit: "MiB", better: "lower" });
}
