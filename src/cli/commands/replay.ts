/**
 * `kasan-sim replay TRACE`: replay a real kernel's ftrace allocation trace (kmem + vmalloc
 * tracepoints, markers) under each KASAN mode and tagging policy asked for, and print the
 * counters by origin, the memory it costs (Slab, redzones/metadata, shadow, quarantine, stack
 * depot, stack ring) with ratios to KASAN off, and what became of every event.
 */
import type { Command } from "commander";
import { COUNTER_NAMES } from "../../cost/counters.js";
import { isKasanMode, KASAN_MODES, type KasanMode } from "../../config/mode.js";
import { resolvePolicies } from "../../policy/index.js";
import { buildReportJson, type PolicyCounts, type ReportJson } from "../../workloads/report-json.js";
import { OUTCOMES } from "../../workloads/replay/outcomes.js";
import { openTraceSource, TraceSourceError, type TraceSource } from "../../workloads/boot/trace-source.js";
import { memoryRatios, replayChunks, ReplayError, type ReplayResult, type ReplayRunResult, type ReplayRunSpec } from "../../workloads/replay/replay.js";
import { InputError } from "../errors.js";
import { addKernelOptions, kernelOptionsToBoot, parseStackDepot, parseStacks, type KernelCliOptions } from "../kernel-options.js";
import { parsePositiveInt } from "../options.js";

export interface ReplayCliOptions extends KernelCliOptions {
  policy?: string[];
  json?: boolean;
  csv?: boolean;
  lenient?: boolean;
  fromMark?: string;
  toMark?: string;
  maxLineBytes?: string;
}

export interface ReplayIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  stderrIsTty: boolean;
}

const PROCESS_IO: ReplayIo = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  stderrIsTty: process.stderr.isTTY === true,
};

export function register(program: Command, io: ReplayIo = PROCESS_IO): void {
  const cmd = program
    .command("replay")
    .description("replay a kernel ftrace allocation trace (kmem/vmalloc tracepoints) under each KASAN mode and policy: counters by origin, memory overhead vs KASAN off, and what became of every event")
    .argument("<trace>", "ftrace text (/sys/kernel/tracing/trace or trace_pipe output), plain or gzip-compressed (recognised by its magic bytes)");
  addKernelOptions(cmd, "hw_tags");
  cmd
    .option("--policy <spec>", "tagging policy (a comma list combines switches); repeat to compare several", collect, [])
    .option("--from-mark <name>", "replay from the tracing_mark_write marker with this text (or last word); earlier events build the state silently")
    .option("--to-mark <name>", "stop at this marker")
    .option("--lenient", "count and skip malformed lines instead of stopping at the first")
    .option("--max-line-bytes <n>", "refuse lines longer than this (default 1048576)")
    .option("--json", "print the shared report JSON (one document per mode; several modes: {\"modes\": {...}})")
    .option("--csv", "print the per-event-kind table as CSV")
    .action(async (trace: string, opts: ReplayCliOptions) => {
      await replayCommand(trace, opts, io);
    });
  cmd.addHelpText("after", "\n--mode also takes a comma list (e.g. generic,sw_tags,hw_tags). KASAN off always runs as the baseline for the ratios.");
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

export async function replayCommand(trace: string, opts: ReplayCliOptions, io: ReplayIo = PROCESS_IO): Promise<void> {
  const modes = parseModes(opts.mode);
  const policySpecs = opts.policy === undefined || opts.policy.length === 0 ? ["baseline"] : opts.policy;
  const notes: string[] = [];
  const policies = policySpecs.map((spec) => {
    try {
      const r = resolvePolicies(spec);
      notes.push(...r.warnings);
      return r.policy;
    } catch (e) {
      throw new InputError(`--policy: ${(e as Error).message}`);
    }
  });
  const runs: ReplayRunSpec[] = [];
  const withOff = modes.includes("off") ? modes : ["off" as KasanMode, ...modes];
  for (const mode of withOff) {
    const { boot, configWarnings } = kernelOptionsToBoot({ ...opts, mode });
    notes.push(...configWarnings);
    // Policies change nothing without KASAN: off runs once, as the baseline.
    const ps = mode === "off" ? [policies[0]] : policies;
    for (const p of ps) runs.push({ mode, policy: mode === "off" ? "baseline" : p.name, boot: { ...boot, policy: p } });
  }
  let src: TraceSource;
  try {
    src = openTraceSource(trace);
  } catch (e) {
    if (e instanceof TraceSourceError) throw new InputError(e.message);
    throw e;
  }
  const total = src.fileBytes;
  let lastDraw = 0;
  const onProgress = io.stderrIsTty
    ? (_bytes: number, events: number): void => {
        const now = Date.now();
        if (now - lastDraw < 200) return;
        lastDraw = now;
        // Bytes of the file read (the compressed bytes for a gzip trace).
        const pct = total === 0 ? 100 : Math.min(100, Math.floor((src.fileBytesRead() / total) * 100));
        const bar = "#".repeat(Math.floor(pct / 5)).padEnd(20, ".");
        io.stderr(`\rreplay [${bar}] ${String(pct).padStart(3)}%  ${events} events`);
      }
    : undefined;
  let result: ReplayResult;
  try {
    result = await replayChunks(src.chunks, {
      runs,
      lenient: opts.lenient,
      fromMark: opts.fromMark,
      toMark: opts.toMark,
      maxLineBytes: opts.maxLineBytes === undefined ? undefined : parsePositiveInt("--max-line-bytes", opts.maxLineBytes),
      onProgress,
    });
  } catch (e) {
    if (e instanceof ReplayError) throw new InputError(`${trace}: ${e.message.startsWith("line ") ? e.message : `line ${e.lineNo}: ${e.message}`}`);
    if (e instanceof TraceSourceError) throw new InputError(e.message);
    throw e;
  } finally {
    if (onProgress !== undefined) io.stderr("\r" + " ".repeat(60) + "\r");
  }
  const off = result.runs.find((r) => r.mode === "off") as ReplayRunResult;
  for (const r of result.runs) {
    if (!r.windowFound.from) throw new InputError(`${trace}: --from-mark "${opts.fromMark}": no tracing_mark_write marker with that text`);
    if (!r.windowFound.to) notes.push(`--to-mark "${opts.toMark}": marker not found; replayed to the end of the trace`);
  }
  for (const n of new Set(notes)) io.stderr(`kasan-sim: note: ${n}\n`);
  if (result.trace.malformedLines > 0) io.stderr(`kasan-sim: note: ${result.trace.malformedLines} malformed line(s) skipped (--lenient); first: ${result.trace.firstMalformed[0]}\n`);
  const shown = result.runs.filter((r) => modes.includes(r.mode));
  if (opts.csv) {
    io.stdout(eventCsv(shown));
    return;
  }
  if (opts.json) {
    const docs = modes.map((m) => replayJson(trace, result, m, shown.filter((r) => r.mode === m), off, opts));
    io.stdout(JSON.stringify(docs.length === 1 ? docs[0] : { workload: docs[0].workload, modes: Object.fromEntries(modes.map((m, i) => [m, docs[i]])) }, null, 2) + "\n");
    return;
  }
  io.stdout(replayText(trace, result, shown, off));
}

function parseModes(text: string | undefined): KasanMode[] {
  if (text === undefined) return ["hw_tags"];
  const out: KasanMode[] = [];
  for (const m of text.split(",").map((s) => s.trim())) {
    if (!isKasanMode(m)) throw new InputError(`--mode: expected one or more of ${KASAN_MODES.join(", ")} (comma-separated), got "${m}"`);
    if (!out.includes(m)) out.push(m);
  }
  return out;
}

function replayJson(trace: string, result: ReplayResult, mode: KasanMode, runs: ReplayRunResult[], off: ReplayRunResult, opts: ReplayCliOptions): ReportJson {
  const policies: Record<string, PolicyCounts> = {};
  for (const r of runs) {
    policies[r.policy] = {
      total: r.total,
      byOrigin: r.byOrigin,
      memory: r.memory,
      ratiosToOff: memoryRatios(r.memory, off.memory),
      events: r.events,
      derived: r.derived,
      unplaceable: r.unplaceable,
      otherEvents: r.otherEvents,
      caches: r.caches,
      liveObjects: r.liveObjects,
      implicitFrees: r.implicitFrees,
      warnings: r.warnings,
    };
  }
  const stacks = { stacks: parseStacks(opts.stacks), stackDepot: parseStackDepot(opts.stackDepot) };
  const workload = { name: "replay", trace, fromMark: opts.fromMark ?? null, toMark: opts.toMark ?? null, ...stacks, ...result.trace };
  return buildReportJson(workload, mode, policies);
}

/** The per-event-kind table: one row per mode, policy and event kind. */
export function eventCsv(runs: readonly ReplayRunResult[]): string {
  const lines = [["mode", "policy", "event", "total", ...OUTCOMES].join(",")];
  for (const r of runs) for (const e of r.events) lines.push([r.mode, r.policy, e.event, e.total, ...OUTCOMES.map((o) => e[o])].join(","));
  return lines.join("\n") + "\n";
}

function mib(b: number): string {
  return `${(b / 2 ** 20).toFixed(1)} MiB`;
}

function replayText(trace: string, result: ReplayResult, runs: ReplayRunResult[], off: ReplayRunResult): string {
  const t = result.trace;
  const out: string[] = [`replay ${trace}: ${t.events} events in ${t.lines} lines${t.lostEvents > 0 ? `, ${t.lostEvents} lost by the ring buffer` : ""}`];
  for (const r of runs) {
    const m = r.memory;
    const ratio = memoryRatios(m, off.memory);
    const x = (v: number | null): string => (v === null ? "n/a" : `×${v}`);
    out.push("", `== mode ${r.mode}, policy ${r.policy}`);
    out.push(`events:`);
    for (const e of r.events) {
      const parts = OUTCOMES.filter((o) => e[o] > 0).map((o) => `${o} ${e[o]}`);
      out.push(`  ${e.event.padEnd(24)} ${String(e.total).padStart(8)}  ${parts.join(", ")}`);
    }
    for (const [why, n] of Object.entries(r.unplaceable)) out.push(`  unplaceable: ${n} × ${why}`);
    out.push(`memory:`);
    out.push(`  Slab (meminfo)      end ${m.slabPagesEnd * 4} kB (${x(ratio.slabPagesEnd)}), peak ${m.slabPagesPeak * 4} kB (${x(ratio.slabPagesPeak)})`);
    out.push(`  pages in use        end ${mib(m.pagesInUseEnd * 4096)}, peak ${mib(m.pagesInUsePeak * 4096)} (${x(ratio.pagesInUsePeak)})`);
    out.push(`  live objects        ${m.live.objects}: asked ${m.live.requestedBytes} B, rounding ${m.live.roundingBytes} B, metadata ${m.live.metadataBytes} B, redzone+padding ${m.live.redzoneAndPaddingBytes} B`);
    if (m.shadow.linearShadowBytes > 0) out.push(`  shadow              ${mib(m.shadow.linearShadowBytes)} for ${mib(m.shadow.coveredBytes)} of RAM; vmalloc shadow ${m.shadow.vmallocShadowPagesEnd} pages (peak ${m.shadow.vmallocShadowPagesPeak})`);
    if (r.mode === "generic") out.push(`  quarantine          end ${mib(m.quarantine.bytesEnd)}, peak ${mib(m.quarantine.bytesPeak)}`);
    if (m.stackDepot.hashTableBytes > 0 || m.stackDepot.pools > 0) out.push(`  stack depot         ${m.stackDepot.pools} pools (${mib(m.stackDepot.poolBytes)}), hash table ${mib(m.stackDepot.hashTableBytes)}`);
    if (m.stackRing.entries > 0) out.push(`  stack ring          ${m.stackRing.entries} entries (${mib(m.stackRing.bytes)})`);
    out.push(`  total               end ${mib(m.totalBytesEnd)} (${x(ratio.totalBytesEnd)}), peak ${mib(m.totalBytesPeak)} (${x(ratio.totalBytesPeak)})`);
    out.push(`counters (total; nonzero):`);
    const nz = COUNTER_NAMES.filter((c) => r.total[c] !== 0).map((c) => `${c} ${r.total[c]}`);
    for (let i = 0; i < nz.length; i += 6) out.push("  " + nz.slice(i, i + 6).join(", "));
  }
  return out.join("\n") + "\n";
}
