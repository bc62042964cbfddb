/**
 * The parse worker: runs a TraceParsePump on its own thread and hands the events back as
 * binary batches (event-batch.ts), so parsing overlaps with the model's work on the replaying
 * thread. Every message it posts bumps a shared counter and wakes the replaying thread, which
 * reads the port synchronously (parse-worker-client.ts).
 *
 * Both directions move their bytes through fixed pools of shared memory, so no message
 * transfers a buffer (a transfer detaches it on one side and wraps it in a new ArrayBuffer on
 * the other, every time, on the replaying thread too):
 * - chunks: the replaying thread copies each chunk into one of MAX_CHUNKS_IN_FLIGHT shared chunk
 *   slots, in turn, and reuses a slot once a batch reports its chunk parsed (chunksDone);
 * - batches: the worker writes the events straight into BATCH_SLOTS shared batch slots, in
 *   turn, and fills a slot again only after the replaying thread counted it released in the
 *   signal's SIG_RELEASED word (it sleeps on that word while every slot is held).
 * A slot's SharedArrayBuffer travels once, with the first message that uses the slot.
 *
 * Messages in: { type: "chunks", chunks: [{ slot, length, buffer? }, …] } (one or more chunks,
 * in order), { type: "end" }.
 * Messages out: batches after each chunk (and whenever 4096 events are ready; 256, 512, … for
 * the first ones), then
 * { type: "done", summary } — or { type: "error", lineNo, message } after the batch holding the
 * events before the failing line, and nothing more.
 */
import type { MessagePort } from "node:worker_threads";
import { BATCH_EVENTS, EVENT_STRIDE, EventBatchWriter } from "./event-batch.js";
import { TraceParsePump, type ParsePumpOptions, type ParseSummary } from "./parse-pump.js";
import { ReplayError } from "./replay-error.js";

// The shared signal's Int32 words (SIG_*).
/** Messages the worker posted so far (the replaying thread sleeps on it). */
export const SIG_POSTED = 0;
/** The replaying thread sleeps on SIG_POSTED (so a post must wake it). */
export const SIG_CLIENT_WAITING = 1;
/** Batches (with events) the replaying thread is done with: their slots may be filled again. */
export const SIG_RELEASED = 2;
/** Non-zero: the worker sleeps on SIG_RELEASED until it reaches this count. */
export const SIG_WORKER_WAITING = 3;
/** Chunks the worker has parsed (it is idle, or about to be, once this reaches those posted). */
export const SIG_CHUNKS_PARSED = 4;
export const SIGNAL_BYTES = 20;

/**
 * Shared batch slots (≥ 4, even): the batches posted and not yet released, plus the one filling
 * (3 MiB). The worker is the faster side, so running at most this far ahead costs the replay
 * nothing (16 measured no faster).
 */
export const BATCH_SLOTS = 8;

export interface ParseWorkerData {
  port: MessagePort;
  /** SIGNAL_BYTES of Int32 words, SIG_*. */
  signal: SharedArrayBuffer;
  options: ParsePumpOptions;
}

/** Bytes [0, length) of chunk slot `slot`; `buffer`: the slot's memory, when new. */
export interface ChunkPiece {
  slot: number;
  length: number;
  buffer?: SharedArrayBuffer;
}

/** The next chunks, in order. */
export interface ChunkMessage {
  type: "chunks";
  chunks: ChunkPiece[];
}

export interface BatchMessage {
  type: "batch";
  /**
   * n events of EVENT_STRIDE numbers (null when n is 0). Posted as null: the events are in
   * batch slot `slot`; the replaying thread points this at the slot while it handles the batch
   * (the worker refills the slot once it is released).
   */
  data: Float64Array | null;
  n: number;
  /** The batch slot holding the events (-1 when n is 0). */
  slot: number;
  /** The slot's memory, with the first batch that uses it. */
  buffer?: SharedArrayBuffer;
  /** Strings the parser interned since the previous batch (ids continue the table). */
  strings: string[];
  extra: string[];
  /** Bytes the parser had consumed when the batch was sent. */
  bytes: number;
  /** Chunks fully parsed before this batch was sent (their slots may be filled again). */
  chunksDone: number;
}

export type WorkerMessage = BatchMessage | { type: "done"; summary: ParseSummary } | { type: "error"; lineNo: number; message: string };

/** Events in the worker's first batch (then twice as many per batch, up to BATCH_EVENTS). */
export const FIRST_BATCH_EVENTS = 256;

/** The worker's main: serve `data.port` until the end of input or the first error. */
export function runParseWorker(data: ParseWorkerData): void {
  const port = data.port;
  const sig = new Int32Array(data.signal);
  /** Batch slots, created on first use; `announced`: the slot's buffer went out already. */
  const slots: Float64Array[] = [];
  const announced: boolean[] = [];
  /** Batches with events posted so far: the writer fills batch number batchesPosted. */
  let batchesPosted = 0;
  /** The writer's slot may still be held by the replaying thread (checked before writing). */
  let slotHeld = false;
  const chunks: Buffer[] = [];
  let stringsSent = 0;
  let chunksDone = 0;
  let stopped = false;
  // The first batches are small (doubling up to BATCH_EVENTS): the replaying thread starts on
  // them while this thread's code is still warming up, instead of waiting for 4096 events.
  let flushAt = FIRST_BATCH_EVENTS;
  const writer = new EventBatchWriter(slot(0));
  const pump = new TraceParsePump(
    (rec) => {
      if (slotHeld) awaitSlot();
      writer.add(rec);
      if (writer.length >= flushAt) {
        flush();
        if (flushAt < BATCH_EVENTS) flushAt *= 2;
      }
    },
    data.options,
  );

  const post = (msg: WorkerMessage): void => {
    port.postMessage(msg);
    Atomics.add(sig, SIG_POSTED, 1);
    // Wake the replaying thread only when it sleeps (it raises the flag before waiting).
    if (Atomics.load(sig, SIG_CLIENT_WAITING) !== 0) Atomics.notify(sig, SIG_POSTED);
  };

  /** Batch slot k's memory (created on first use). */
  function slot(k: number): Float64Array {
    return (slots[k] ??= new Float64Array(new SharedArrayBuffer(BATCH_EVENTS * EVENT_STRIDE * 8)));
  }

  /**
   * Wait until the replaying thread released the batch that used the writer's slot before
   * (number batchesPosted - BATCH_SLOTS), that is, until fewer than BATCH_SLOTS are held.
   */
  function awaitSlot(): void {
    if (batchesPosted - Atomics.load(sig, SIG_RELEASED) >= BATCH_SLOTS) {
      // Sleep until half the slots are free: one wake-up per BATCH_SLOTS / 2 batches rather
      // than one per batch. The replaying thread gets there: it waits for a message only
      // after releasing every batch posted.
      const until = batchesPosted - BATCH_SLOTS / 2;
      Atomics.store(sig, SIG_WORKER_WAITING, until);
      for (let released = Atomics.load(sig, SIG_RELEASED); released < until; released = Atomics.load(sig, SIG_RELEASED)) Atomics.wait(sig, SIG_RELEASED, released);
      Atomics.store(sig, SIG_WORKER_WAITING, 0);
    }
    slotHeld = false;
  }

  /** Send the events so far. */
  function flush(): void {
    const parser = pump.parser;
    const count = parser.internedCount;
    const strings: string[] = [];
    for (let id = stringsSent; id < count; id++) strings.push(parser.internedString(id));
    stringsSent = count;
    if (writer.length === 0) {
      post({ type: "batch", data: null, n: 0, slot: -1, strings, extra: [], bytes: pump.bytes, chunksDone });
      return;
    }
    const k = batchesPosted % BATCH_SLOTS;
    const buffer = announced[k] === true ? undefined : (slots[k].buffer as SharedArrayBuffer);
    announced[k] = true;
    // The writer goes on in the next slot, once it is free (awaitSlot, before the next event).
    const b = writer.take(slot((batchesPosted + 1) % BATCH_SLOTS));
    post({ type: "batch", data: null, n: b.n, slot: k, buffer, strings, extra: b.extra, bytes: pump.bytes, chunksDone });
    batchesPosted++;
    slotHeld = batchesPosted >= BATCH_SLOTS;
  }

  port.on("message", (m: ChunkMessage | { type: "end" }) => {
    if (stopped) return;
    try {
      if (m.type === "chunks") {
        for (const c of m.chunks) {
          if (c.buffer !== undefined) chunks[c.slot] = Buffer.from(c.buffer);
          // The slot is the replaying thread's again once chunksDone counts it: nothing keeps a
          // reference into it (the splitter copies a line it carries over).
          pump.push(chunks[c.slot].subarray(0, c.length));
          chunksDone++;
          flush();
          Atomics.store(sig, SIG_CHUNKS_PARSED, chunksDone);
        }
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
