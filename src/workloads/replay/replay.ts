/**
 * `replay`: stream an ftrace text trace once and feed every event to one model kernel per
 * (mode, policy) asked for, plus KASAN off as the baseline the ratios divide by.
 *
 *   const r = await replayTraceFile("trace-boot.txt", { runs: [{ mode: "generic", policy: "baseline", boot }] });
 *   r.runs[0].memory.slabPagesPeak; r.runs[0].events;   // per event kind × outcome
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { ORIGINS, toRecord, type CounterName, type Origin } from "../../cost/counters.js";
import type { KasanMode } from "../../config/mode.js";
import { bootKernel, type BootOptions } from "../../kernel/kernel.js";
import type { EventKindRow } from "./outcomes.js";
import { EventBatchReader } from "./event-batch.js";
import { TraceParsePump, type ParseSummary } from "./parse-pump.js";
import { ParseWorkerClient } from "./parse-worker-client.js";
import type { BatchMessage } from "./parse-worker.js";
import type { ReplayMemory } from "./memory-accounting.js";
import { ReplayEngine, type ReplayEngineOptions } from "./replay-engine.js";
import { TraceRecord } from "./trace-record.js";
import { ReplayError } from "./replay-error.js";

export interface ReplayRunSpec {
  mode: KasanMode;
  /** Policy name as reported (the boot options carry the resolved policy). */
  policy: string;
  boot: BootOptions;
}

export interface ReplayOptions extends ReplayEngineOptions {
  runs: readonly ReplayRunSpec[];
  /** Count and skip malformed lines instead of stopping at the first. */
  lenient?: boolean;
  maxLineBytes?: number;
  /** Called about every 64 Ki lines with bytes read so far. */
  onProgress?: (bytesRead: number, events: number) => void;
  /**
   * Where lines are parsed: "worker" (a worker thread, overlapping the model's work), "inline",
   * or "auto" (default): the worker when its compiled script is present (running from dist/)
   * or `parseWorkerUrl` is given, and the machine has more than one CPU.
   */
  parseIn?: "auto" | "worker" | "inline";
  /** The parse worker's module (default: parse-worker.js beside this one). */
  parseWorkerUrl?: URL;
}

export interface ReplayRunResult {
  mode: KasanMode;
  policy: string;
  total: Record<CounterName, number>;
  byOrigin: Record<Origin, Record<CounterName, number>>;
  memory: ReplayMemory;
  /** Per event kind: how many events ended in each outcome. */
  events: EventKindRow[];
  derived: Record<string, number>;
  unplaceable: Record<string, number>;
  otherEvents: Record<string, number>;
  /** Caches replay created for kmem_cache_alloc call sites (name learned from frees, or provisional). */
  caches: { name: string; objectSize: number; slotSize: number; modelSlotSize: number }[];
  liveObjects: number;
  implicitFrees: number;
  /** The window was never opened (--from-mark not found) or never closed. */
  windowFound: { from: boolean; to: boolean };
  warnings: string[];
}

export interface ReplayResult {
  /** Lines read, events (non-header lines), malformed lines skipped (lenient), events lost by the ring buffer. */
  trace: { bytes: number; lines: number; events: number; malformedLines: number; lostEvents: number; firstMalformed: string[] };
  runs: ReplayRunResult[];
}

export { ReplayError };

/** Traces smaller than this are parsed inline by default (see ReplayOptions.parseIn). */
export const WORKER_MIN_BYTES = 32 << 20;

/** Replay a trace file (streamed in 1 MiB chunks; parsed in the worker from WORKER_MIN_BYTES up). */
export async function replayTraceFile(path: string, opts: ReplayOptions): Promise<ReplayResult> {
  const size = statSync(path).size; // fail early (ENOENT, EISDIR) before booting kernels
  // A small trace parses faster inline than the worker starts.
  const o = opts.parseIn === undefined && opts.parseWorkerUrl === undefined && size < WORKER_MIN_BYTES ? { ...opts, parseIn: "inline" as const } : opts;
  return replayChunks(createReadStream(path, { highWaterMark: 1 << 20 }), o);
}

/** Replay a trace given as chunks of bytes (a stream, or a generator for synthetic traces). */
export async function replayChunks(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, opts: ReplayOptions): Promise<ReplayResult> {
  const replay = new TraceReplay(opts);
  for await (const chunk of source) replay.push(chunk);
  return replay.finish();
}

/** The push-style core of a replay (tests and benches feed it directly). */
export class TraceReplay {
  readonly engines: ReplayEngine[];
  /** Where the lines are parsed ("worker" or "inline"), decided at construction. */
  readonly parseIn: "worker" | "inline";
  private pump: TraceParsePump | undefined;
  private client: ParseWorkerClient | undefined;
  private readonly reader = new EventBatchReader();
  private readonly rec = new TraceRecord();
  private events = 0;
  /** The engine `step` is feeding (-1 outside the engines): which run an error came from. */
  private engineAt = -1;

  constructor(private readonly opts: ReplayOptions) {
    if (opts.runs.length === 0) throw new Error("replay: no runs (mode/policy) to replay into");
    const url = opts.parseWorkerUrl ?? DEFAULT_WORKER_URL;
    const where = opts.parseIn ?? "auto";
    this.parseIn = where === "auto" ? ((opts.parseWorkerUrl !== undefined || workerScriptPresent()) && availableParallelism() > 1 ? "worker" : "inline") : where;
    const parseOpts = { lenient: opts.lenient, maxLineBytes: opts.maxLineBytes };
    // The worker starts first: it loads its modules while this thread boots the kernels.
    if (this.parseIn === "worker") this.client = new ParseWorkerClient(url, parseOpts, (b) => this.batch(b));
    else this.pump = new TraceParsePump((rec) => this.feed(rec, this.pump?.bytes ?? 0), parseOpts);
    try {
      this.engines = opts.runs.map((r) => new ReplayEngine(bootKernel(r.boot), opts));
    } catch (e) {
      this.client?.close();
      throw e;
    }
  }

  push(chunk: Uint8Array): void {
    if (this.client !== undefined) this.client.push(chunk);
    else (this.pump as TraceParsePump).push(chunk);
  }

  finish(): ReplayResult {
    let parsed: ParseSummary;
    if (this.client !== undefined) parsed = this.client.finish();
    else {
      const pump = this.pump as TraceParsePump;
      pump.end();
      parsed = pump.summary();
    }
    for (const e of this.engines) e.finish();
    return {
      trace: {
        bytes: parsed.bytes,
        lines: parsed.lines,
        events: this.events,
        malformedLines: parsed.malformedLines,
        lostEvents: this.engines[0].lostEvents,
        firstMalformed: parsed.firstMalformed,
      },
      runs: this.engines.map((e, i) => runResult(e, this.opts.runs[i], this.opts)),
    };
  }

  /** Stop the parse worker without finishing (after an error, or to abandon the replay). */
  close(): void {
    this.client?.close();
  }

  /** A batch from the parse worker: every event in it, in order (one try for the batch). */
  private batch(b: BatchMessage): void {
    this.reader.addStrings(b.strings);
    const d = b.data;
    if (d === null) return;
    const rec = this.rec;
    const reader = this.reader;
    const n = b.n;
    const extra = b.extra;
    try {
      for (let i = 0; i < n; i++) {
        reader.read(d, i, extra, rec);
        this.step(rec, b.bytes);
      }
    } catch (err) {
      throw this.failure(rec, err);
    }
  }

  /** An event parsed on this thread. */
  private feed(rec: TraceRecord, bytes: number): void {
    try {
      this.step(rec, bytes);
    } catch (err) {
      throw this.failure(rec, err);
    }
  }

  /**
   * One event into every run's engine, and progress every 65 536 events. An engine's error
   * propagates as is, with `engineAt` naming the engine (-1 outside the engines).
   */
  private step(rec: TraceRecord, bytes: number): void {
    const ev = ++this.events;
    const engines = this.engines;
    for (let e = 0; e < engines.length; e++) {
      this.engineAt = e;
      engines[e].feed(rec);
    }
    this.engineAt = -1;
    if ((ev & 0xffff) === 0) this.opts.onProgress?.(bytes, ev);
  }

  /** What `step` threw, as the replay reports it: an engine's failure gets the line and the run. */
  private failure(rec: TraceRecord, err: unknown): unknown {
    const e = this.engineAt;
    this.engineAt = -1;
    if (e < 0) return err;
    return new ReplayError(rec.lineNo, `line ${rec.lineNo}: ${rec.event}: the ${this.engines[e].k.mode} model failed to replay it: ${(err as Error).message}`);
  }
}

/** The compiled parse worker beside this module (absent when running from the TypeScript sources). */
const DEFAULT_WORKER_URL = new URL("./parse-worker.js", import.meta.url);
let workerPresent: boolean | undefined;
function workerScriptPresent(): boolean {
  workerPresent ??= existsSync(fileURLToPath(DEFAULT_WORKER_URL));
  return workerPresent;
}

function runResult(e: ReplayEngine, spec: ReplayRunSpec, opts: ReplayOptions): ReplayRunResult {
  const k = e.k;
  const byOrigin = {} as Record<Origin, Record<CounterName, number>>;
  for (const o of ORIGINS) byOrigin[o] = toRecord(k.counters.byOrigin[o]);
  const warnings = [...k.warnings, ...k.slab.warnings, ...k.kasan.warnings].slice(0, 20);
  if (e.lostEvents > 0) warnings.unshift(`the trace lost ${e.lostEvents} events (ring buffer overrun): frees of objects allocated in the gap show up as unplaceable`);
  return {
    mode: spec.mode,
    policy: spec.policy,
    total: toRecord(k.counters.total()),
    byOrigin,
    memory: e.meter.result(),
    events: e.table.rows(),
    derived: Object.fromEntries(e.table.derivedReasons),
    unplaceable: Object.fromEntries(e.table.unplaceableReasons),
    otherEvents: Object.fromEntries(e.table.otherEvents),
    caches: e.caches.map((c) => ({ name: c.name ?? c.kmem.name, objectSize: c.objectSize, slotSize: c.slotSize, modelSlotSize: c.kmem.size })),
    liveObjects: e.liveObjects,
    implicitFrees: e.implicitFrees,
    windowFound: { from: opts.fromMark === undefined || e.phase !== "before", to: opts.toMark === undefined || e.phase === "after" },
    warnings,
  };
}

/** Ratios of a run's memory to the same trace under KASAN off (1 when equal; null when off has 0). */
export function memoryRatios(run: ReplayMemory, off: ReplayMemory): Record<string, number | null> {
  const r = (a: number, b: number): number | null => (b === 0 ? null : Math.round((a / b) * 1000) / 1000);
  return {
    slabPagesEnd: r(run.slabPagesEnd, off.slabPagesEnd),
    slabPagesPeak: r(run.slabPagesPeak, off.slabPagesPeak),
    pagesInUseEnd: r(run.pagesInUseEnd, off.pagesInUseEnd),
    pagesInUsePeak: r(run.pagesInUsePeak, off.pagesInUsePeak),
    liveSlotBytes: r(run.live.slotBytes, off.live.slotBytes),
    totalBytesEnd: r(run.totalBytesEnd, off.totalBytesEnd),
    totalBytesPeak: r(run.totalBytesPeak, off.totalBytesPeak),
  };
}


