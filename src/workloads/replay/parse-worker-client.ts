/**
 * The replaying thread's side of the parse worker (parse-worker.ts): posts the trace's chunks
 * to it and takes its event batches back synchronously (receiveMessageOnPort, sleeping in
 * Atomics.wait until the worker signals), so TraceReplay keeps its synchronous push/finish.
 * At most MAX_CHUNKS_IN_FLIGHT chunks are posted ahead of the batches handled, which bounds
 * the memory between the threads whatever the trace's length; batches are handled when a push
 * needs room for its chunk (so the worker's queue stays full) and at finish.
 *
 *   const c = new ParseWorkerClient(url, { lenient }, (batch) => …);
 *   c.push(chunk); …; const summary = c.finish();
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import type { ParsePumpOptions, ParseSummary } from "./parse-pump.js";
import { ReplayError } from "./replay-error.js";
import type { BatchMessage, ParseWorkerData, WorkerMessage } from "./parse-worker.js";

/** Chunks posted to the worker and not yet parsed and handed back. */
export const MAX_CHUNKS_IN_FLIGHT = 4;
/** Batch buffers held for handing back (the worker keeps at most 8 spare). */
const MAX_RECYCLED = 8;
/** A worker silent this long (ms) with work outstanding is taken for dead. */
const STALL_MS = 120_000;

// Loads the worker module and reports a failure to load it like any other worker error.
const BOOTSTRAP = `
const { workerData } = require("node:worker_threads");
import(workerData.url).then((m) => m.runParseWorker(workerData)).catch((e) => {
  workerData.port.postMessage({ type: "error", lineNo: -1, message: "parse worker failed to start: " + ((e && e.stack) || e) });
  const s = new Int32Array(workerData.signal);
  Atomics.add(s, 0, 1);
  Atomics.notify(s, 0);
});
`;

export class ParseWorkerClient {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly sig: Int32Array;
  private received = 0;
  private posted = 0;
  private chunksDone = 0;
  private summary: ParseSummary | undefined;
  private failure: Error | undefined;
  private closed = false;
  /** Chunk buffers the worker handed back. */
  private readonly spareChunks: ArrayBuffer[] = [];
  /** Batch buffers replayed and not yet handed back (they travel with the next chunk). */
  private recycle: Float64Array[] = [];

  constructor(
    workerUrl: URL,
    options: ParsePumpOptions,
    private readonly onBatch: (b: BatchMessage) => void,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const signal = new SharedArrayBuffer(8);
    this.sig = new Int32Array(signal);
    const data: ParseWorkerData & { url: string } = { port: port2, signal, options: { lenient: options.lenient, maxLineBytes: options.maxLineBytes }, url: workerUrl.href };
    this.worker = new Worker(BOOTSTRAP, { eval: true, workerData: data, transferList: [port2] });
    this.worker.unref();
  }

  push(chunk: Uint8Array): void {
    this.check();
    while (this.posted - this.chunksDone >= MAX_CHUNKS_IN_FLIGHT) this.handle(this.next());
    // A copy the worker owns (posting a view would clone its whole underlying buffer), in a
    // buffer the worker handed back when one is large enough.
    let buf = this.spareChunks.pop();
    if (buf === undefined || buf.byteLength < chunk.length) buf = new ArrayBuffer(Math.max(chunk.length, 64 << 10));
    const copy = new Uint8Array(buf, 0, chunk.length);
    copy.set(chunk);
    // Replayed batch buffers ride along: one message per chunk instead of one more per batch.
    const recycle = this.recycle;
    const transfer: ArrayBuffer[] = [buf];
    for (let i = 0; i < recycle.length; i++) transfer.push(recycle[i].buffer as ArrayBuffer);
    this.port.postMessage({ type: "chunk", data: copy, recycle }, transfer);
    this.recycle = [];
    this.posted++;
    // Batches are taken only to make room for the next chunk: the worker keeps a full queue
    // while this thread replays, rather than idling while it drains everything ready.
  }

  /** End of input: handle the remaining batches; the parse summary. */
  finish(): ParseSummary {
    this.check();
    this.port.postMessage({ type: "end" });
    while (this.summary === undefined) this.handle(this.next());
    this.close();
    return this.summary;
  }

  /** Stop the worker (after an error, or when done). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.port.close();
    void this.worker.terminate();
  }

  private check(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.closed) throw new Error("replay: the parse worker is closed");
  }

  private next(): WorkerMessage {
    for (;;) {
      const m = receiveMessageOnPort(this.port);
      if (m !== undefined) {
        this.received++;
        return m.message as WorkerMessage;
      }
      Atomics.store(this.sig, 1, 1);
      const r = Atomics.wait(this.sig, 0, this.received, STALL_MS);
      Atomics.store(this.sig, 1, 0);
      if (r === "timed-out") {
        this.fail(new Error(`replay: the parse worker sent nothing for ${STALL_MS / 1000} s`));
      }
    }
  }

  private handle(m: WorkerMessage): void {
    if (m.type === "batch") {
      this.chunksDone = m.chunksDone;
      if (m.chunk !== undefined && this.spareChunks.length < MAX_CHUNKS_IN_FLIGHT) this.spareChunks.push(m.chunk.buffer as ArrayBuffer);
      try {
        this.onBatch(m);
      } catch (e) {
        this.fail(e as Error);
      }
      // Hand the buffer back (with the next chunk): the worker fills it again instead of
      // allocating another.
      if (m.data !== null && !this.closed && this.recycle.length < MAX_RECYCLED) this.recycle.push(m.data);
    } else if (m.type === "done") this.summary = m.summary;
    else this.fail(m.lineNo >= 0 ? new ReplayError(m.lineNo, m.message) : new Error(m.message));
  }

  private fail(e: Error): never {
    this.failure = e;
    this.close();
    throw e;
  }
}
