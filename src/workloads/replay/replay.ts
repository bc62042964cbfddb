/**
 * `replay`: stream an ftrace text trace once and feed every event to one model kernel per
 * (mode, policy) asked for, plus KASAN off as the baseline the ratios divide by.
 *
 *   const r = await replayTraceFile("trace-boot.txt", { runs: [{ mode: "generic", policy: "baseline", boot }] });
 *   r.runs[0].memory.slabPagesPeak; r.runs[0].events;   // per event kind × outcome
 */
import { createReadStream, statSync } from "node:fs";
import { ORIGINS, toRecord, type CounterName, type Origin } from "../../cost/counters.js";
import type { KasanMode } from "../../config/mode.js";
import { bootKernel, type BootOptions } from "../../kernel/kernel.js";
import { LineSplitter, LineTooLongError } from "./line-splitter.js";
import type { EventKindRow } from "./outcomes.js";
import { TraceLineParser, TraceParseError } from "./parse-line.js";
import type { ReplayMemory } from "./memory-accounting.js";
import { ReplayEngine, type ReplayEngineOptions } from "./replay-engine.js";
import { EV_NONE, TraceRecord } from "./trace-record.js";

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

/** A problem with the trace or with replaying it, with the line it happened on. */
export class ReplayError extends Error {
  constructor(
    readonly lineNo: number,
    message: string,
  ) {
    super(message);
    this.name = "ReplayError";
  }
}

/** Replay a trace file (streamed in 1 MiB chunks). */
export async function replayTraceFile(path: string, opts: ReplayOptions): Promise<ReplayResult> {
  statSync(path); // fail early (ENOENT, EISDIR) before booting kernels
  return replayChunks(createReadStream(path, { highWaterMark: 1 << 20 }), opts);
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
  private readonly parser = new TraceLineParser();
  private readonly rec = new TraceRecord();
  private readonly splitter: LineSplitter;
  private events = 0;
  private malformed = 0;
  private readonly firstMalformed: string[] = [];

  constructor(private readonly opts: ReplayOptions) {
    if (opts.runs.length === 0) throw new Error("replay: no runs (mode/policy) to replay into");
    this.engines = opts.runs.map((r) => new ReplayEngine(bootKernel(r.boot), opts));
    const lenient = opts.lenient ?? false;
    this.splitter = new LineSplitter((buf, s, e, lineNo) => this.line(buf, s, e, lineNo), {
      maxLineBytes: opts.maxLineBytes,
      onTooLong: lenient ? (lineNo) => this.malformedLine(new LineTooLongError(lineNo, this.splitter.maxLineBytes).message) : undefined,
    });
  }

  push(chunk: Uint8Array): void {
    try {
      this.splitter.push(chunk);
    } catch (e) {
      if (e instanceof LineTooLongError) throw new ReplayError(e.lineNo, e.message);
      throw e;
    }
  }

  finish(): ReplayResult {
    this.splitter.end();
    for (const e of this.engines) e.finish();
    return {
      trace: {
        bytes: this.splitter.bytes,
        lines: this.splitter.lines,
        events: this.events,
        malformedLines: this.malformed,
        lostEvents: this.engines[0].lostEvents,
        firstMalformed: this.firstMalformed,
      },
      runs: this.engines.map((e, i) => runResult(e, this.opts.runs[i], this.opts)),
    };
  }

  private line(buf: Uint8Array, s: number, e: number, lineNo: number): void {
    const rec = this.rec;
    try {
      if (this.parser.parse(buf, s, e, lineNo, rec) === EV_NONE) return;
    } catch (err) {
      if (!(err instanceof TraceParseError)) throw err;
      if (this.opts.lenient) {
        this.malformedLine(err.message);
        return;
      }
      throw new ReplayError(lineNo, err.message);
    }
    this.events++;
    const engines = this.engines;
    for (let i = 0; i < engines.length; i++) {
      try {
        engines[i].feed(rec);
      } catch (err) {
        throw new ReplayError(lineNo, `line ${lineNo}: ${rec.event}: the ${engines[i].k.mode} model failed to replay it: ${(err as Error).message}`);
      }
    }
    if ((this.events & 0xffff) === 0) this.opts.onProgress?.(this.splitter.bytes, this.events);
  }

  private malformedLine(msg: string): void {
    this.malformed++;
    if (this.firstMalformed.length < 10) this.firstMalformed.push(msg);
  }
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


