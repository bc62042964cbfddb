import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";
import { defaultKernelConfig } from "../../config/kconfig.js";
import type { KasanMode } from "../../config/mode.js";
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import { BATCH_EVENTS, EventBatchReader } from "./event-batch.js";
import { CHUNK_SLOT_BYTES, MAX_CHUNKS_IN_FLIGHT } from "./parse-worker-client.js";
import { BATCH_SLOTS, FIRST_BATCH_EVENTS, runParseWorker, SIG_CLIENT_WAITING, SIG_POSTED, SIG_RELEASED, SIG_WORKER_WAITING, SIGNAL_BYTES, type BatchMessage, type ChunkMessage, type WorkerMessage } from "./parse-worker.js";
import { TraceRecord } from "./trace-record.js";
import { replayChunks, ReplayError, TraceReplay, type ReplayOptions, type ReplayResult } from "./replay.js";

const TRACES = new URL("../../../../shared/reference/traces/", import.meta.url);
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * The worker runs outside Vitest's TypeScript transform, so the tests compile the worker's
 * import closure (TypeScript → ESM, one file at a time) into a temporary directory first.
 */
function compileWorker(dir: string): URL {
  const todo = [resolve(SRC, "workloads/replay/parse-worker.ts")];
  const done = new Set<string>();
  while (todo.length > 0) {
    const file = todo.pop() as string;
    if (done.has(file)) continue;
    done.add(file);
    const source = readFileSync(file, "utf8");
    const out = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false } });
    const target = join(dir, relative(SRC, file)).replace(/\.ts$/, ".js");
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, out.outputText);
    for (const m of source.matchAll(/^import (?!type )[^;]*? from "(\.{1,2}\/[^"]+)\.js";/gms)) todo.push(resolve(dirname(file), `${m[1]}.ts`));
  }
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }');
  return pathToFileURL(join(dir, "workloads/replay/parse-worker.js"));
}

let dir = "";
let workerUrl: URL;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "kasan-sim-parse-worker-"));
  workerUrl = compileWorker(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runs(modes: readonly KasanMode[]) {
  return modes.map((mode) => ({ mode, policy: "baseline", boot: { mode, config: defaultKernelConfig(mode), seed: 1 } }));
}

/** The same replay parsed in the worker and on this thread, fed in `chunk`-byte pieces. */
async function both(text: Buffer, opts: Omit<ReplayOptions, "parseIn" | "parseWorkerUrl">, chunk = 1 << 16): Promise<[ReplayResult | string, ReplayResult | string]> {
  const pieces: Buffer[] = [];
  for (let off = 0; off < text.length; off += chunk) pieces.push(text.subarray(off, off + chunk));
  const one = async (o: ReplayOptions) => replayChunks(pieces, o).catch((e: Error) => `${e.name}: ${e.message}`);
  return [await one({ ...opts, parseIn: "worker", parseWorkerUrl: workerUrl }), await one({ ...opts, parseIn: "inline" })];
}

const H = (ts: string) => `          init-1       [000] .....     ${ts}: `;

describe("parsing in a worker thread", () => {
  it("replays trace-boot.txt to the same result as parsing inline, in any chunking", async () => {
    const text = readFileSync(new URL("trace-boot.txt", TRACES));
    // 4 KiB chunks: many lines straddle chunks, and far more chunks than MAX_CHUNKS_IN_FLIGHT.
    const [w, i] = await both(text, { runs: runs(["off", "hw_tags"]) }, 4096);
    expect(text.length / 4096).toBeGreaterThan(10 * MAX_CHUNKS_IN_FLIGHT);
    expect(typeof w).toBe("object");
    expect(w).toEqual(i);
    expect((w as ReplayResult).trace.events).toBe(69423);
  });

  it("sends small batches first, so replay starts while the parser warms up: 256, 512, … then BATCH_EVENTS", async () => {
    // The worker's loop on this thread, through a message channel (no Worker needed).
    const { port1, port2 } = new MessageChannel();
    runParseWorker({ port: port2, signal: new SharedArrayBuffer(SIGNAL_BYTES), options: {} });
    const sizes: number[] = [];
    const done = new Promise<void>((res) =>
      port1.on("message", (m: WorkerMessage) => {
        if (m.type === "batch") sizes.push(m.n);
        else res();
      }),
    );
    const line = H("1.0") + "kfree: call_site=foo+0x10/0x40 ptr=f4ff000006e16f00\n";
    // (6 batches with events: fewer than BATCH_SLOTS, so the worker never waits for a release.)
    const bytes = Buffer.from(line.repeat(10_000));
    const buffer = new SharedArrayBuffer(bytes.length);
    new Uint8Array(buffer).set(bytes);
    port1.postMessage({ type: "chunks", chunks: [{ slot: 0, length: bytes.length, buffer }] } satisfies ChunkMessage);
    port1.postMessage({ type: "end" });
    await done;
    port1.close();
    // 256 + 512 + 1024 + 2048 = 3840 events in the doubling batches, then full ones of 4096:
    // 3840 + 4096 = 7936; the chunk's end sends the other 2064, the end of input an empty batch.
    expect([FIRST_BATCH_EVENTS, BATCH_EVENTS]).toEqual([256, 4096]);
    expect(sizes).toEqual([256, 512, 1024, 2048, 4096, 2064, 0]);
  });

  it("replays a chunk longer than a chunk slot in pieces, to the same result", async () => {
    const text = readFileSync(new URL("trace-boot.txt", TRACES));
    expect(text.length).toBeGreaterThan((MAX_CHUNKS_IN_FLIGHT + 2) * CHUNK_SLOT_BYTES);
    const opts = { runs: runs(["generic"]) };
    // A small chunk first (its slot starts small and must grow), then all the rest in one.
    const w = await replayChunks([text.subarray(0, 1000), text.subarray(1000)], { ...opts, parseIn: "worker", parseWorkerUrl: workerUrl });
    const i = await replayChunks([text], { ...opts, parseIn: "inline" });
    expect(w).toEqual(i);
  });

  it("fills a batch slot again only once the replaying thread released it", () => {
    // The worker on its own thread, driven by hand: one chunk of more events than the slots hold.
    const { port1, port2 } = new MessageChannel();
    const signal = new SharedArrayBuffer(SIGNAL_BYTES);
    const sig = new Int32Array(signal);
    const worker = new Worker(`const { workerData } = require("node:worker_threads"); import(workerData.url).then((m) => m.runParseWorker(workerData));`, {
      eval: true,
      workerData: { port: port2, signal, options: {}, url: workerUrl.href },
      transferList: [port2],
    });
    try {
      const lines = 3840 + (BATCH_SLOTS + 10) * BATCH_EVENTS;
      const line = (n: number) => H("1.0") + `kfree: call_site=foo+0x10/0x40 ptr=f4ff0000${(0x1000000 + n).toString(16)}\n`;
      const bytes = Buffer.from(Array.from({ length: lines }, (_, n) => line(n)).join(""));
      const buffer = new SharedArrayBuffer(bytes.length);
      new Uint8Array(buffer).set(bytes);
      port1.postMessage({ type: "chunks", chunks: [{ slot: 0, length: bytes.length, buffer }] } satisfies ChunkMessage);
      const slots: Float64Array[] = [];
      const held: BatchMessage[] = [];
      let received = 0;
      let firstLine = 1;
      const reader = new EventBatchReader();
      const rec = new TraceRecord();
      /** Batch `m`'s events are still lines firstLine… of the trace. */
      const intact = (b: BatchMessage) => {
        const m = b as BatchMessage & { firstLine: number };
        for (let i = 0; i < m.n; i++) {
          reader.read(slots[m.slot], i, m.extra, rec);
          if (rec.lineNo !== m.firstLine + i) return false;
        }
        return true;
      };
      /** The next message, or undefined after `ms` without one. */
      const next = (port: MessagePort, ms: number): WorkerMessage | undefined => {
        const deadline = Date.now() + ms;
        for (;;) {
          const m = receiveMessageOnPort(port);
          if (m !== undefined) {
            received++;
            return m.message as WorkerMessage;
          }
          const left = deadline - Date.now();
          if (left <= 0) return undefined;
          Atomics.store(sig, SIG_CLIENT_WAITING, 1);
          Atomics.wait(sig, SIG_POSTED, received, left);
          Atomics.store(sig, SIG_CLIENT_WAITING, 0);
        }
      };
      const take = (ms: number) => {
        const m = next(port1, ms) as (BatchMessage & { firstLine: number }) | undefined;
        if (m === undefined) return undefined;
        expect(m.type).toBe("batch");
        if (m.buffer !== undefined) slots[m.slot] = new Float64Array(m.buffer);
        reader.addStrings(m.strings);
        m.firstLine = firstLine;
        firstLine += m.n;
        held.push(m);
        return m;
      };
      // Every slot filled and posted, none released: the worker sleeps rather than write one.
      while (held.length < BATCH_SLOTS) expect(take(10_000)).toBeDefined();
      expect(take(300)).toBeUndefined();
      expect(Atomics.load(sig, SIG_WORKER_WAITING)).toBeGreaterThan(0);
      expect(new Set(held.map((m) => m.slot)).size).toBe(BATCH_SLOTS);
      expect(held.every(intact)).toBe(true);
      // Released one at a time: it sleeps on until half the slots are free, then refills exactly those.
      const release = () => {
        Atomics.add(sig, SIG_RELEASED, 1);
        Atomics.notify(sig, SIG_RELEASED);
      };
      for (let k = 1; k < BATCH_SLOTS / 2; k++) {
        release();
        expect(take(100)).toBeUndefined();
      }
      release();
      for (let k = 0; k < BATCH_SLOTS / 2; k++) expect(take(10_000)?.slot).toBe(held[k].slot);
      expect(take(300)).toBeUndefined();
      // The batches still held kept their events while the freed slots were written again.
      expect(held.slice(BATCH_SLOTS / 2).every(intact)).toBe(true);
      // Released all along from now on, the rest of the chunk comes through.
      for (let k = BATCH_SLOTS / 2; k < held.length; k++) release();
      for (let m = take(10_000); m !== undefined && m.n > 0; m = take(10_000)) {
        expect(intact(m)).toBe(true);
        release();
      }
      expect(firstLine - 1).toBe(lines);
    } finally {
      port1.close();
      void worker.terminate();
    }
  });

  it("replays a marked window of trace-thread.txt the same way", async () => {
    const text = readFileSync(new URL("trace-thread.txt", TRACES));
    const [w, i] = await both(text, { runs: runs(["generic"]), fromMark: "THREAD_BEGIN", toMark: "THREAD_END" });
    expect(w).toEqual(i);
  });

  it("stops at a malformed line with the same error, after replaying the lines before it", async () => {
    const good = H("1.0") + "kmalloc: call_site=foo+0x10/0x40 ptr=f4ff000006e16f00 bytes_req=100 bytes_alloc=128 gfp_flags=GFP_KERNEL node=-1 accounted=false";
    const bad = H("1.1") + "kmalloc: call_site=foo+0x10/0x40 ptr=f4ff000006e17000 bytes_req=1x0";
    const text = Buffer.from(`# hdr\n${good}\n`.repeat(5000) + `${bad}\n${good}\n`);
    const [w, i] = await both(text, { runs: runs(["off"]) });
    // 5000 × (a header and a kmalloc) = 10000 lines before it: the bad one is line 10001.
    expect(w).toBe('ReplayError: line 10001: kmalloc: field bytes_req: expected a decimal integer, got "1x0"');
    expect(w).toEqual(i);
    // --lenient: counted and skipped the same way; 5000 + 1 good kmallocs are events.
    const [wl, il] = await both(text, { runs: runs(["off"]), lenient: true });
    expect(wl).toEqual(il);
    expect([(wl as ReplayResult).trace.events, (wl as ReplayResult).trace.malformedLines]).toEqual([5001, 1]);
  });

  it("refuses an over-long line with its line number, or skips it with --lenient", async () => {
    const text = Buffer.from(`# hdr\n${"x".repeat(5000)}\n${H("1.0")}sched_switch: prev_comm=init\n`);
    const [w, i] = await both(text, { runs: runs(["off"]), maxLineBytes: 1000 }, 700);
    expect(w).toBe("ReplayError: line 2: longer than 1000 bytes (not an ftrace event line; is this a trace file?)");
    expect(w).toEqual(i);
    const [wl, il] = await both(text, { runs: runs(["off"]), maxLineBytes: 1000, lenient: true }, 700);
    expect(wl).toEqual(il);
    expect((wl as ReplayResult).trace.malformedLines).toBe(1);
  });

  it("a model failure names the line even though parsing ran ahead", async () => {
    const r = new TraceReplay({ runs: runs(["off"]), parseIn: "worker", parseWorkerUrl: workerUrl });
    // Break the model after boot so the first replayed kmalloc throws.
    r.engines[0].k.slab.kmalloc = () => {
      throw new Error("boom");
    };
    const line = H("1.0") + "kmalloc: call_site=foo+0x10/0x40 ptr=f4ff000006e16f00 bytes_req=100 bytes_alloc=128 gfp_flags=GFP_KERNEL node=-1 accounted=false";
    expect(() => {
      r.push(Buffer.from(`# hdr\n${line}\n${line}\n`));
      r.finish();
    }).toThrow(new ReplayError(2, "line 2: kmalloc: the off model failed to replay it: boom"));
    // The replay is over: further input gets the same error rather than a hang.
    expect(() => r.push(Buffer.from(line))).toThrow("boom");
  });

  it("a worker module that does not load is an error, not a hang", () => {
    const r = new TraceReplay({ runs: runs(["off"]), parseIn: "worker", parseWorkerUrl: pathToFileURL(join(dir, "no-such-worker.js")) });
    r.push(Buffer.from("# nothing\n"));
    expect(() => r.finish()).toThrow(/parse worker failed to start/);
  });
});
