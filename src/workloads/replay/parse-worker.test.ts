import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";
import { defaultKernelConfig } from "../../config/kconfig.js";
import type { KasanMode } from "../../config/mode.js";
import { MessageChannel } from "node:worker_threads";
import { BATCH_EVENTS } from "./event-batch.js";
import { MAX_CHUNKS_IN_FLIGHT } from "./parse-worker-client.js";
import { FIRST_BATCH_EVENTS, runParseWorker, type WorkerMessage } from "./parse-worker.js";
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
    runParseWorker({ port: port2, signal: new SharedArrayBuffer(8), options: {} });
    const sizes: number[] = [];
    const done = new Promise<void>((res) =>
      port1.on("message", (m: WorkerMessage) => {
        if (m.type === "batch") sizes.push(m.n);
        else res();
      }),
    );
    const line = H("1.0") + "kfree: call_site=foo+0x10/0x40 ptr=f4ff000006e16f00\n";
    port1.postMessage({ type: "chunk", data: new Uint8Array(Buffer.from(line.repeat(10_000))), recycle: [] });
    port1.postMessage({ type: "end" });
    await done;
    port1.close();
    // 256 + 512 + 1024 + 2048 = 3840 events in the doubling batches, then full ones of 4096:
    // 3840 + 4096 = 7936; the chunk's end sends the other 2064, the end of input an empty batch.
    expect([FIRST_BATCH_EVENTS, BATCH_EVENTS]).toEqual([256, 4096]);
    expect(sizes).toEqual([256, 512, 1024, 2048, 4096, 2064, 0]);
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
