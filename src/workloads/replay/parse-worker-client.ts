/**
 * The replaying thread's side of the parse worker (parse-worker.ts): copies the trace's chunks
 * into shared chunk slots for it and takes its event batches back synchronously
 * (receiveMessageOnPort, sleeping in Atomics.wait until the worker signals), so TraceReplay
 * keeps its synchronous push/finish. At most MAX_CHUNKS_IN_FLIGHT chunks (of at most
 * CHUNK_SLOT_BYTES; a longer one goes in pieces) are posted ahead of the batches handled, and
 * the worker fills at most BATCH_SLOTS batches ahead of the ones released, which bounds the
 * memory between the threads whatever the trace's length; batches are handled when a push
 * needs room for its chunk (so the worker's queue stays full) and at finish.
 *
 *   const c = new ParseWorkerClient(url, { lenient }, (batch) => …);
 *   c.push(chunk); …; const summary = c.finish();
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import type { ParsePumpOptions, ParseSummary } from "./parse-pump.js";
import { ReplayError } from "./replay-error.js";
import { SIG_CHUNKS_PARSED, SIG_CLIENT_WAITING, SIG_POSTED, SIG_RELEASED, SIG_WORKER_WAITING, SIGNAL_BYTES } from "./parse-worker.js";
import type { BatchMessage, ChunkMessage, ChunkPiece, ParseWorkerData, WorkerMessage } from "./parse-worker.js";

/** Chunks posted to the worker and not yet parsed: the chunk slots. */
export const MAX_CHUNKS_IN_FLIGHT = 4;
/** The most bytes a chunk slot holds (a trace file is read in chunks of this size). */
export const CHUNK_SLOT_BYTES = 1 << 20;
/** The least a chunk slot is created with (it grows up to CHUNK_SLOT_BYTES as chunks need). */
const MIN_CHUNK_SLOT_BYTES = 64 << 10;
/**
 * Chunks an idle worker is woken for at once. Waking a sleeping thread costs this one tens of
 * µs (more on a loaded machine), so chunks wait for company unless the worker is still busy.
 */
const CHUNKS_PER_WAKE = 2;
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
  /** Chunk slots, created on first use (chunk k goes in slot k % MAX_CHUNKS_IN_FLIGHT). */
  private readonly chunkSlots: Uint8Array[] = [];
  /** Batch slots, as the worker announced them. */
  private readonly batchSlots: Float64Array[] = [];
  /** Chunks copied into their slots and not yet posted; `sent`: chunks posted. */
  private unsent: ChunkPiece[] = [];
  private sent = 0;

  constructor(
    workerUrl: URL,
    options: ParsePumpOptions,
    private readonly onBatch: (b: BatchMessage) => void,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const signal = new SharedArrayBuffer(SIGNAL_BYTES);
    this.sig = new Int32Array(signal);
    const data: ParseWorkerData & { url: string } = { port: port2, signal, options: { lenient: options.lenient, maxLineBytes: options.maxLineBytes }, url: workerUrl.href };
    this.worker = new Worker(BOOTSTRAP, { eval: true, workerData: data, transferList: [port2] });
    this.worker.unref();
  }

  push(chunk: Uint8Array): void {
    this.check();
    if (chunk.length <= CHUNK_SLOT_BYTES) this.post(chunk);
    else for (let off = 0; off < chunk.length; off += CHUNK_SLOT_BYTES) this.post(chunk.subarray(off, off + CHUNK_SLOT_BYTES));
  }

  /** Copy `piece` into the next chunk slot (once the worker is done with it) and post it. */
  private post(piece: Uint8Array): void {
    // Batches are taken only to make room for the next chunk: the worker keeps a full queue
    // while this thread replays, rather than idling while it drains everything ready.
    while (this.posted - this.chunksDone >= MAX_CHUNKS_IN_FLIGHT) this.handle(this.next());
    const slot = this.posted % MAX_CHUNKS_IN_FLIGHT;
    let dst = this.chunkSlots[slot];
    let buffer: SharedArrayBuffer | undefined;
    if (dst === undefined || dst.length < piece.length) {
      let size = MIN_CHUNK_SLOT_BYTES;
      while (size < piece.length) size *= 2;
      buffer = new SharedArrayBuffer(Math.min(size, CHUNK_SLOT_BYTES));
      dst = this.chunkSlots[slot] = new Uint8Array(buffer);
    }
    dst.set(piece);
    this.unsent.push({ slot, length: piece.length, buffer });
    this.posted++;
    // Post now to a worker still parsing (no wake-up needed), else once there are enough.
    if (this.unsent.length >= CHUNKS_PER_WAKE || Atomics.load(this.sig, SIG_CHUNKS_PARSED) < this.sent) this.send();
  }

  /** Post the chunks not yet posted. */
  private send(): void {
    const m: ChunkMessage = { type: "chunks", chunks: this.unsent };
    this.port.postMessage(m);
    this.sent += this.unsent.length;
    this.unsent = [];
  }

  /** End of input: handle the remaining batches; the parse summary. */
  finish(): ParseSummary {
    this.check();
    if (this.unsent.length > 0) this.send();
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
      // Nothing to handle: the worker needs every chunk there is.
      if (this.unsent.length > 0) {
        this.send();
        continue;
      }
      Atomics.store(this.sig, SIG_CLIENT_WAITING, 1);
      const r = Atomics.wait(this.sig, SIG_POSTED, this.received, STALL_MS);
      Atomics.store(this.sig, SIG_CLIENT_WAITING, 0);
      if (r === "timed-out") {
        this.fail(new Error(`replay: the parse worker sent nothing for ${STALL_MS / 1000} s`));
      }
    }
  }

  private handle(m: WorkerMessage): void {
    if (m.type === "batch") {
      this.chunksDone = m.chunksDone;
      if (m.slot >= 0) {
        if (m.buffer !== undefined) this.batchSlots[m.slot] = new Float64Array(m.buffer);
        m.data = this.batchSlots[m.slot];
      }
      try {
        this.onBatch(m);
      } catch (e) {
        this.fail(e as Error);
      }
      // Done with the slot: the worker may fill it again (and sleeps for it when all are held).
      if (m.slot >= 0) {
        const released = Atomics.add(this.sig, SIG_RELEASED, 1) + 1;
        const until = Atomics.load(this.sig, SIG_WORKER_WAITING);
        if (until !== 0 && released >= until) Atomics.notify(this.sig, SIG_RELEASED);
      }
    } else if (m.type === "done") this.summary = m.summary;
    else this.fail(m.lineNo >= 0 ? new ReplayError(m.lineNo, m.message) : new Error(m.message));
  }

  private fail(e: Error): never {
    this.failure = e;
    this.close();
    throw e;
  }
}
