// Issue 6 figures: replay throughput (events per second through parser + engine + model) and
// peak RSS, on a synthetic trace built by repeating the shipped trace-thread.txt window
// (its events between the markers) — ≥ 5 million events at 5×, pushed from memory through
// TraceReplay.push so no file is written. The copies are verbatim: an address a copy allocates
// while the previous copy's object there is still live frees that object first (counted as an
// implicit free), so the live state stays bounded by one copy's.
//
// Replays run as `kasan-sim replay` does from dist/: lines are parsed in a worker thread
// (parse-worker.ts) while the main thread runs the replay engine and the model, so wall time is
// about max(parse, engine + model), not their sum. Each size runs in a child process of its own
// so the 1× and 5× RSS figures do not share a heap. Per run:
//   events/s           wall clock (the target: ≥ 2 M/s for hw_tags at 5×, the median of
//                      three runs, with the slowest and fastest beside it)
//   events/CPU-s       over the whole process's CPU time (both threads; steadier on a shared machine)
//   events/main-CPU-s  over the main thread's CPU time only (Linux /proc; the pipeline's ceiling
//                      when the main thread is the slower stage and the machine is otherwise idle)
//   peak RSS           sampled after every copy
// "parse only" is the line splitter + parser on one thread, no model (the worker's work).
import { execFileSync } from "node:child_process";
import { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const TRACE = join(here, "../../shared/reference/traces/trace-thread.txt");

/**
 * Run one replay of `reps` repetitions in `mode` ("parse": splitter and parser only) and report
 * {events, seconds, cpuSeconds, rssMiB}.
 */
async function child(mode, reps) {
  const lines = readFileSync(TRACE, "latin1").split("\n").filter((l) => l.length > 0 && !l.startsWith("#") && !l.includes("tracing_mark_write"));
  const copy = Buffer.from(lines.join("\n") + "\n", "latin1");
  let push;
  let finish;
  if (mode === "parse") {
    const { LineSplitter } = await import("../dist/workloads/replay/line-splitter.js");
    const { TraceLineParser } = await import("../dist/workloads/replay/parse-line.js");
    const { TraceRecord } = await import("../dist/workloads/replay/trace-record.js");
    const parser = new TraceLineParser();
    const rec = new TraceRecord();
    let events = 0;
    const splitter = new LineSplitter((buf, s, e, lineNo) => {
      if (parser.parse(buf, s, e, lineNo, rec) >= 0) events++;
    });
    push = (chunk) => splitter.push(chunk);
    finish = () => (splitter.end(), events);
  } else {
    const { TraceReplay } = await import("../dist/workloads/replay/replay.js");
    const { defaultKernelConfig } = await import("../dist/config/kconfig.js");
    const replay = new TraceReplay({ runs: [{ mode, policy: "baseline", boot: { mode, config: defaultKernelConfig(mode), seed: 1 } }] });
    push = (chunk) => replay.push(chunk);
    finish = () => replay.finish().trace.events;
  }
  let peak = process.memoryUsage().rss;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const m0 = mainThreadCpuSeconds();
  for (let r = 0; r < reps; r++) {
    for (let off = 0; off < copy.length; off += 1 << 20) push(copy.subarray(off, Math.min(copy.length, off + (1 << 20))));
    const rss = process.memoryUsage().rss;
    if (rss > peak) peak = rss;
  }
  const events = finish();
  const dt = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const m1 = mainThreadCpuSeconds();
  return { events, seconds: dt, cpuSeconds: (cpu.user + cpu.system) / 1e6, mainCpuSeconds: m0 === undefined || m1 === undefined ? undefined : m1 - m0, rssMiB: peak / 2 ** 20 };
}

/** utime + stime of the main thread (/proc/self/task/PID/stat, in clock ticks of 1/100 s); undefined off Linux. */
function mainThreadCpuSeconds() {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "latin1");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 14 and 15 of proc(5), counted after the ")" that ends the comm (field 3 is f[0]).
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return undefined;
  }
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
  for (const mode of ["parse", "off", "hw_tags", "generic"]) {
    const sizes = mode === "generic" ? [reps1x] : mode === "parse" ? [reps5x] : [reps1x, reps5x];
    for (const reps of sizes) {
      const targeted = mode === "hw_tags" && reps === reps5x;
      // The target figure is the median of three runs (each in its own process): on a shared
      // machine one run can lose a few hundred ms to other jobs; the spread is printed beside it.
      const runs = [];
      for (let i = 0; i < (targeted ? 3 : 1); i++) {
        const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), "--child", mode, String(reps)], { encoding: "utf8", maxBuffer: 1 << 20 });
        runs.push(JSON.parse(out));
      }
      runs.sort((a, b) => b.events / b.seconds - a.events / a.seconds);
      const r = runs[runs.length >> 1];
      const what = mode === "parse" ? "parse only" : `replay ${mode}`;
      const tag = `${(r.events / 1e6).toFixed(2)}M events`;
      const target = targeted ? { target: 2e6, better: "higher" } : {};
      report({ name: `${what} events/s, ${tag}${targeted ? ", median of 3" : ""}`, value: r.events / r.seconds, unit: "events/s", ...target });
      if (targeted) {
        report({ name: `${what} events/s, ${tag}, slowest of 3`, value: runs[runs.length - 1].events / runs[runs.length - 1].seconds, unit: "events/s" });
        report({ name: `${what} events/s, ${tag}, fastest of 3`, value: runs[0].events / runs[0].seconds, unit: "events/s" });
      }
      report({ name: `${what} events/CPU-s, ${tag}`, value: r.events / r.cpuSeconds, unit: "events/s" });
      if (mode !== "parse" && r.mainCpuSeconds !== undefined && r.mainCpuSeconds > 0) report({ name: `${what} events/main-CPU-s, ${tag}`, value: r.events / r.mainCpuSeconds, unit: "events/s" });
      report({ name: `${what} peak RSS, ${tag}`, value: Math.round(Math.max(...runs.map((x) => x.rssMiB))), unit: "MiB" });
    }
  }
}
