import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { BATCH_EVENTS, EVENT_STRIDE, EventBatchReader, EventBatchWriter } from "./event-batch.js";
import { TraceLineParser } from "./parse-line.js";
import { EV_KFREE, EV_KMALLOC, EV_KMEM_CACHE_FREE, EV_NONE, EV_OTHER, EV_TRACING_MARK_WRITE, TraceRecord } from "./trace-record.js";

const TRACES = new URL("../../../../shared/reference/traces/", import.meta.url);

describe("the binary event stream between the parse worker and the replay", () => {
  it("gives back every record of the shipped boot trace, field for field", () => {
    const text = readFileSync(new URL("trace-boot.txt", TRACES), "latin1");
    const parser = new TraceLineParser();
    const writer = new EventBatchWriter();
    const reader = new EventBatchReader();
    let sent = 0;
    let pending: TraceRecord[] = [];
    let compared = 0;
    const flush = (): void => {
      const strings: string[] = [];
      for (; sent < parser.internedCount; sent++) strings.push(parser.internedString(sent));
      reader.addStrings(strings);
      const b = writer.take();
      expect(b.n).toBe(pending.length);
      for (let i = 0; i < b.n; i++) {
        // A fresh record each side: fields a kind does not carry stay at their defaults on both.
        const back = new TraceRecord();
        reader.read(b.data, i, b.extra, back);
        expect(back).toEqual(pending[i]);
        compared++;
      }
      pending = [];
    };
    const lines = text.split("\n");
    for (let n = 0; n < lines.length; n++) {
      const buf = Buffer.from(lines[n], "latin1");
      const rec = new TraceRecord();
      if (parser.parse(buf, 0, buf.length, n + 1, rec) === EV_NONE) continue;
      writer.add(rec);
      pending.push(rec);
      if (writer.full) flush();
    }
    flush();
    // Every event line of the trace (the replay test derives the same count from the text).
    expect(compared).toBe(69423);
  });

  it("carries strings outside the interned table (markers, a full interner) in the batch itself", () => {
    const w = new EventBatchWriter();
    const r = new EventBatchReader();
    r.addStrings(["kfree_rcu_work+0x10/0x20", "filp"]);
    const recs: TraceRecord[] = [];
    const mk = (f: (x: TraceRecord) => void): void => {
      const x = new TraceRecord();
      f(x);
      recs.push(x);
      w.add(x);
    };
    mk((x) => Object.assign(x, { kind: EV_KFREE, event: "kfree", callSite: "kfree_rcu_work+0x10/0x20", callSiteId: 0, ptrLow48: 0x6e16f00, ptrHi16: 0xf4ff }));
    mk((x) => Object.assign(x, { kind: EV_KMEM_CACHE_FREE, event: "kmem_cache_free", callSite: "not_interned+0x8/0x10", callSiteId: -1, cacheName: "filp", cacheNameId: 1 }));
    mk((x) => Object.assign(x, { kind: EV_KMEM_CACHE_FREE, event: "kmem_cache_free", callSite: "kfree_rcu_work+0x10/0x20", callSiteId: 0, cacheName: "", cacheNameId: -1 }));
    mk((x) => Object.assign(x, { kind: EV_TRACING_MARK_WRITE, event: "tracing_mark_write", marker: "ORACLE_MARK THREAD_BEGIN" }));
    mk((x) => Object.assign(x, { kind: EV_OTHER, event: "sched_switch", eventId: -1 }));
    const b = w.take();
    // Three strings had no id: the call site, the marker and the other-event name.
    expect(b.extra).toEqual(["not_interned+0x8/0x10", "ORACLE_MARK THREAD_BEGIN", "sched_switch"]);
    for (let i = 0; i < b.n; i++) {
      const back = new TraceRecord();
      r.read(b.data, i, b.extra, back);
      expect(back).toEqual(recs[i]);
    }
    // The writer starts over after take(); a full batch says so.
    expect(w.length).toBe(0);
    for (let i = 0; i < BATCH_EVENTS; i++) w.add(recs[0]);
    expect(w.full).toBe(true);
  });
  it("writes into the buffers it is given (a shared batch slot), and refuses one of the wrong size", () => {
    const slots = [0, 1].map(() => new Float64Array(new SharedArrayBuffer(BATCH_EVENTS * EVENT_STRIDE * 8)));
    const w = new EventBatchWriter(slots[0]);
    const r = new EventBatchReader();
    const x = Object.assign(new TraceRecord(), { kind: EV_KMALLOC, event: "kmalloc", lineNo: 7, callSite: "f+0x1/0x2", callSiteId: 0, ptrHi16: 0xf4ff, ptrLow48: 0xff000e333a40, bytesReq: 64, bytesAlloc: 64, gfp: 0xcc0, node: -1 });
    r.addStrings(["f+0x1/0x2"]);
    w.add(x);
    const first = w.take(slots[1]);
    expect(first.data).toBe(slots[0]);
    w.add(Object.assign(new TraceRecord(), x, { lineNo: 8 }));
    const second = w.take(slots[0]);
    expect(second.data).toBe(slots[1]);
    const back = new TraceRecord();
    r.read(slots[1], 0, second.extra, back);
    expect(back.lineNo).toBe(8);
    r.read(slots[0], 0, first.extra, back);
    expect(back).toEqual(x);
    expect(() => w.take(new Float64Array(10))).toThrow(/a buffer of 10 numbers/);
    expect(() => new EventBatchWriter(new Float64Array(BATCH_EVENTS))).toThrow(/not 49152/);
  });

  it("keeps an event's numbers exact when one does not fit 32 bits (or is -0), next to packed ones", () => {
    const w = new EventBatchWriter();
    const r = new EventBatchReader();
    r.addStrings(["f+0x1/0x2"]);
    const base = { kind: EV_KMALLOC, event: "kmalloc", callSite: "f+0x1/0x2", callSiteId: 0, ptrHi16: 0xf4ff, ptrLow48: 0xff000e333a40, bytesReq: 64, bytesAlloc: 64, gfp: 0xcc0, node: -1 };
    // Packed through the int32 view: every int lane fits. The others each push one lane past
    // int32 (2^40 bytes, gfp bit 31 set, pid 2^31, line 2^31; line 2^31 − 1 still fits) or to -0 (a "node=-0" in the trace), so their
    // events stay all doubles; either way the record read back is the one written.
    const variants: Partial<TraceRecord>[] = [{}, { bytesReq: 2 ** 40 }, { gfp: 0x80000000 }, { pid: 2 ** 31 }, { node: -0 }, { bytesAlloc: 1.5 }, { lineNo: 2 ** 31 }, { lineNo: 2 ** 31 - 1 }];
    const recs = variants.map((v) => Object.assign(new TraceRecord(), base, v));
    for (const x of recs) w.add(x);
    const b = w.take();
    for (let i = 0; i < b.n; i++) {
      const back = new TraceRecord();
      r.read(b.data, i, b.extra, back);
      expect(back).toEqual(recs[i]);
      expect(Object.is(back.node, recs[i].node)).toBe(true);
    }
  });
});
