/**
 * The parse worker: runs a TraceParsePump on its own thread and posts the events back as
 * binary batches (event-batch.ts), so parsing overlaps with the model's work on the replaying
 * thread. Every message it posts bumps a shared counter and wakes the replaying thread, which
 * reads the port synchronously (parse-worker-client.ts).
 *
 * Messages in: { type: "chunk", data, recycle } (bytes, transferred, handed back with the batch
 * ending it; batch buffers handed back for reuse), { type: "end" }.
 * Messages out: batches after each chunk (and whenever 4096 events are ready; 256, 512, … for
 * the first ones), then
 * { type: "done", summary } — or { type: "error", lineNo, message } after the batch holding the
 * events before the failing line, and nothing more.
 */
import type { MessagePort } from "node:worker_threads";
import { BATCH_EVENTS, EventBatchWriter } from "./event-batch.js";
import { TraceParsePump, type ParsePumpOptions, type ParseSummary } from "./parse-pump.js";
import { ReplayError } from "./replay-error.js";

export interface ParseWorkerData {
  port: MessagePort;
  /** Int32 [0]: messages posted so far (the replaying thread waits on it); [1]: it is waiting. */
  signal: SharedArrayBuffer;
  options: ParsePumpOptions;
}

export interface BatchMessage {
  type: "batch";
  /** n events of EVENT_STRIDE numbers (null when n is 0). */
  data: Float64Array | null;
  n: number;
  /** Strings the parser interned since the previous batch (ids continue the table). */
  strings: string[];
  extra: string[];
  /** Bytes the parser had consumed when the batch was sent. */
  bytes: number;
  /** Chunks fully parsed before this batch was sent. */
  chunksDone: number;
  /** The chunk parsed last, handed back for reuse (with the batch that ends it). */
  chunk?: Uint8Array;
}

export type WorkerMessage = BatchMessage | { type: "done"; summary: ParseSummary } | { type: "error"; lineNo: number; message: string };

/** Events in the worker's first batch (then twice as many per batch, up to BATCH_EVENTS). */
export const FIRST_BATCH_EVENTS = 256;

/** The worker's main: serve `data.port` until the end of input or the first error. */
export function runParseWorker(data: ParseWorkerData): void {
  const port = data.port;
  const sig = new Int32Array(data.signal);
  const writer = new EventBatchWriter();
  let stringsSent = 0;
  let chunksDone = 0;
  let stopped = false;
  /** Batch buffers the replaying thread handed back. */
  const spare: Float64Array[] = [];
  // The first batches are small (doubling up to BATCH_EVENTS): the replaying thread starts on
  // them while this thread's code is still warming up, instead of waiting for 4096 events.
  let flushAt = FIRST_BATCH_EVENTS;
  const pump = new TraceParsePump(
    (rec) => {
      writer.add(rec);
      if (writer.length >= flushAt) {
        flush();
        if (flushAt < BATCH_EVENTS) flushAt *= 2;
      }
    },
    data.options,
  );

  const post = (msg: WorkerMessage, transfer: ArrayBuffer[] = []): void => {
    port.postMessage(msg, transfer);
    Atomics.add(sig, 0, 1);
    // Wake the replaying thread only when it sleeps (it raises [1] before waiting).
    if (Atomics.load(sig, 1) !== 0) Atomics.notify(sig, 0);
  };

  /** Send the events so far; `chunk`: the chunk just parsed, handed back for reuse. */
  function flush(chunk?: Uint8Array): void {
    const parser = pump.parser;
    const count = parser.internedCount;
    const strings: string[] = [];
    for (let id = stringsSent; id < count; id++) strings.push(parser.internedString(id));
    stringsSent = count;
    const transfer: ArrayBuffer[] = chunk === undefined ? [] : [chunk.buffer as ArrayBuffer];
    if (writer.length === 0) {
      post({ type: "batch", data: null, n: 0, strings, extra: [], bytes: pump.bytes, chunksDone, chunk }, transfer);
      return;
    }
    const b = writer.take(spare.pop());
    transfer.push(b.data.buffer as ArrayBuffer);
    post({ type: "batch", data: b.data, n: b.n, strings, extra: b.extra, bytes: pump.bytes, chunksDone, chunk }, transfer);
  }

  port.on("message", (m: { type: "chunk"; data: Uint8Array; recycle: Float64Array[] } | { type: "end" }) => {
    if (m.type === "chunk") for (const b of m.recycle) if (spare.length < 8) spare.push(b);
    if (stopped) return;
    try {
      if (m.type === "chunk") {
        pump.push(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength));
        chunksDone++;
        // Nothing keeps a reference into the chunk (the splitter copies a line it carries over).
        flush(m.data);
      } else {
        pump.end();
        flush();
        stopped = true;
        post({ type: "done", summary: pump.summary() });
        port.close();
      }
    } catch (e) {
      stopped = true;
      try {
        flush();
      } finally {
        post(e instanceof ReplayError ? { type: "error", lineNo: e.lineNo, message: e.message } : { type: "error", lineNo: -1, message: `parse worker: ${(e as Error)?.stack ?? String(e)}` });
        port.close();
      }
    }
  });
}
