// Issue 6 figures: replay throughput (events per second through parser + engine + model) and
// peak RSS, on a synthetic trace built by repeating the shipped trace-thread.txt window
// (its events between the markers) — ≥ 5 million events at 5×, pushed from memory so no file is
// written. The copies are verbatim: an address a copy allocates while the previous copy's object
// there is still live frees that object first (counted as an implicit free), so the live state
// stays bounded by one copy's. RSS is measured in a child process per size so the 1× and 5×
// figures do not share a heap.
import { execFileSync } from "node:child_process";
import { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const TRACE = join(here, "../../shared/reference/traces/trace-thread.txt");

/** Run one replay of `reps` repetitions in `mode` and report {events, seconds, rssMiB}. */
async function child(mode, reps) {
  const { TraceReplay } = await import("../dist/workloads/replay/replay.js");
  const { defaultKernelConfig } = await import("../dist/config/kconfig.js");
  const lines = readFileSync(TRACE, "latin1").split("\n").filter((l) => l.length > 0 && !l.startsWith("#") && !l.includes("tracing_mark_write"));
  const replay = new TraceReplay({ runs: [{ mode, policy: "baseline", boot: { mode, config: defaultKernelConfig(mode), seed: 1 } }] });
  const copy = Buffer.from(lines.join("\n") + "\n", "latin1");
  let peak = process.memoryUsage().rss;
  const t0 = performance.now();
  for (let r = 0; r < reps; r++) {
    const buf = copy;
    for (let off = 0; off < buf.length; off += 1 << 20) replay.push(buf.subarray(off, Math.min(buf.length, off + (1 << 20))));
    const rss = process.memoryUsage().rss;
    if (rss > peak) peak = rss;
  }
  const res = replay.finish();
  const dt = (performance.now() - t0) / 1000;
  return { events: res.trace.events, seconds: dt, rssMiB: peak / 2 ** 20 };
}

if (process.argv[2] === "--child") {
  const r = await child(process.argv[3], Number(process.argv[4]));
  process.stdout.write(JSON.stringify(r));
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // Allow running directly: node bench/replay.bench.mjs
  await bench((r) => console.log(r.name, r.value, r.unit));
}

export async function bench(report) {
  const lineCount = readFileSync(TRACE, "latin1").split("\n").filter((l) => l.length > 0 && !l.startsWith("#")).length;
  // 46,304 events per copy (markers dropped) ⇒ 108 copies ≈ 5.0 million events.
  const reps5x = Math.ceil(5e6 / (lineCount - 2));
  const reps1x = Math.ceil(reps5x / 5);
  for (const mode of ["off", "hw_tags", "generic"]) {
    const sizes = mode === "hw_tags" ? [reps1x, reps5x] : [reps1x];
    for (const reps of sizes) {
      const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), "--child", mode, String(reps)], { encoding: "utf8", maxBuffer: 1 << 20 });
      const r = JSON.parse(out);
      const tag = `${mode}, ${(r.events / 1e6).toFixed(2)}M events`;
      report({ name: `replay events/s, ${tag}`, value: r.events / r.seconds, unit: "events/s", ...(mode === "hw_tags" ? { target: 2e6, better: "higher" } : {}) });
      report({ name: `replay peak RSS, ${tag}`, value: Math.round(r.rssMiB), unit: "MiB" });
    }
  }
}
