/**
 * Parsed trace events as a compact binary stream, for handing them from the parsing thread to
 * the replaying one: fixed-stride records in a Float64Array (every TraceRecord field is a
 * number a double holds exactly), the lanes that normally hold 32-bit integers written through
 * an Int32Array view of the same buffer (the low word of the lane: the reader gets small
 * integers without converting doubles; an event with a value outside int32, or -0, keeps every
 * lane a double and says so), strings as references into a table both sides grow the same
 * way (the parser's interned strings, sent once each) or into the batch's own list (markers,
 * strings past the interner's limits).
 *
 *   const w = new EventBatchWriter();
 *   w.add(rec); …; const { data, n, extra } = w.take();         // parsing side
 *   reader.addStrings(newStrings); reader.read(data, i, extra, rec);   // replaying side
 */
import {
  EV_ALLOC_VMAP_AREA,
  EV_FREE_VMAP_AREA_NOFLUSH,
  EV_KFREE,
  EV_KMALLOC,
  EV_KMEM_CACHE_ALLOC,
  EV_KMEM_CACHE_FREE,
  EV_LOST,
  EV_MM_PAGE_ALLOC,
  EV_MM_PAGE_FREE,
  EV_MM_PAGE_FREE_BATCHED,
  EV_OTHER,
  EV_PURGE_VMAP_AREA_LAZY,
  EV_TRACING_MARK_WRITE,
  TRACE_EVENT_NAMES,
  type TraceRecord,
} from "./trace-record.js";

/** Numbers per event: kind, line, cpu, pid, hardirq, then up to seven fields of the kind. */
export const EVENT_STRIDE = 12;
/** Events per batch. */
export const BATCH_EVENTS = 4096;

/** A string reference: ≥ 0 an interned id, -1 the empty string, ≤ -2 the batch's extra[-ref - 2]. */
const REF_EMPTY = -1;

/*
 * Lanes an event carries as int32 (through the Int32Array view), besides lane 0, the kind,
 * which always is: the line number, cpu, pid, hardirq and the kind's fields other than 48-bit
 * addresses and pointer bits (EventBatchWriter.add spells them out per kind; the reader's
 * readInts reads the same ones).
 */

/** x is an int32 other than -0 (so the Int32Array view holds it exactly). */
function isInt32(x: number): boolean {
  return (x | 0) === x && (x !== 0 || 1 / x > 0);
}

function checkedBatch(d: Float64Array): Float64Array {
  if (d.length !== BATCH_EVENTS * EVENT_STRIDE) throw new Error(`event batch: a buffer of ${d.length} numbers, not ${BATCH_EVENTS * EVENT_STRIDE}`);
  return d;
}

/** The Int32Array view of a batch's buffer (lane k of event e is word 2·(e·EVENT_STRIDE + k)). */
function int32View(d: Float64Array): Int32Array {
  return new Int32Array(d.buffer, d.byteOffset, d.length * 2);
}

/** A batch's buffer: BATCH_EVENTS events of EVENT_STRIDE numbers. */
export function newBatchBuffer(): Float64Array {
  return new Float64Array(BATCH_EVENTS * EVENT_STRIDE);
}

export class EventBatchWriter {
  private data: Float64Array;
  private ints: Int32Array;
  private n = 0;
  private extra: string[] = [];

  /** `data`: where the first batch goes (a buffer of BATCH_EVENTS · EVENT_STRIDE numbers, e.g. shared). */
  constructor(data: Float64Array = newBatchBuffer()) {
    this.data = checkedBatch(data);
    this.ints = int32View(this.data);
  }

  get length(): number {
    return this.n;
  }

  get full(): boolean {
    return this.n === BATCH_EVENTS;
  }

  /** Append one event (the fields the parser sets for its kind). */
  add(rec: TraceRecord): void {
    const kind = rec.kind;
    if (!isInt32(kind)) throw new Error(`event batch: event kind ${kind} is not an EV_* constant`);
    const d = this.data;
    const o = this.n++ * EVENT_STRIDE;
    const line = rec.lineNo;
    // Lane 0: word 0 the kind, word 1 set when every other lane stays a double.
    const di = this.ints;
    const q = 2 * o;
    di[q] = kind;
    const cpu = rec.cpu;
    const pid = rec.pid;
    const irq = rec.hardirq ? 1 : 0;
    // The header's int lanes (line number, cpu, pid) all fit, checked once for every kind.
    const hdr = isInt32(line) && isInt32(cpu) && isInt32(pid);
    // Each kind's int lanes (INT_LANES) written straight through the int32 view when they all
    // fit, else every lane as a double (packed() / spilled()).
    switch (kind) {
      case EV_KMALLOC:
      case EV_KMEM_CACHE_ALLOC: {
        const site = this.ref(rec.callSiteId, rec.callSite);
        const hi = rec.ptrHi16;
        const req = rec.bytesReq;
        const alloc = rec.bytesAlloc;
        const gfp = rec.gfp;
        const node = rec.node;
        d[o + 7] = rec.ptrLow48;
        if (hdr && isInt32(site) && isInt32(hi) && isInt32(req) && isInt32(alloc) && isInt32(gfp) && isInt32(node)) {
          this.packed(q, line, cpu, pid, irq);
          di[q + 10] = site;
          di[q + 12] = hi;
          di[q + 16] = req;
          di[q + 18] = alloc;
          di[q + 20] = gfp;
          di[q + 22] = node;
        } else {
          this.spilled(o, line, cpu, pid, irq);
          d[o + 5] = site;
          d[o + 6] = hi;
          d[o + 8] = req;
          d[o + 9] = alloc;
          d[o + 10] = gfp;
          d[o + 11] = node;
        }
        return;
      }
      case EV_KFREE:
      case EV_KMEM_CACHE_FREE: {
        const site = this.ref(rec.callSiteId, rec.callSite);
        const hi = rec.ptrHi16;
        const name = kind === EV_KMEM_CACHE_FREE ? this.ref(rec.cacheNameId, rec.cacheName) : 0;
        d[o + 7] = rec.ptrLow48;
        if (hdr && isInt32(site) && isInt32(hi) && isInt32(name)) {
          this.packed(q, line, cpu, pid, irq);
          di[q + 10] = site;
          di[q + 12] = hi;
          if (kind === EV_KMEM_CACHE_FREE) di[q + 16] = name;
        } else {
          this.spilled(o, line, cpu, pid, irq);
          d[o + 5] = site;
          d[o + 6] = hi;
          if (kind === EV_KMEM_CACHE_FREE) d[o + 8] = name;
        }
        return;
      }
      case EV_MM_PAGE_ALLOC:
      case EV_MM_PAGE_FREE:
      case EV_MM_PAGE_FREE_BATCHED: {
        const pfn = rec.pfn;
        const order = rec.order;
        const mt = rec.migratetype;
        const gfp = rec.gfp;
        if (hdr && isInt32(pfn) && isInt32(order) && isInt32(mt) && isInt32(gfp)) {
          this.packed(q, line, cpu, pid, irq);
          di[q + 10] = pfn;
          di[q + 12] = order;
          di[q + 14] = mt;
          di[q + 16] = gfp;
        } else {
          this.spilled(o, line, cpu, pid, irq);
          d[o + 5] = pfn;
          d[o + 6] = order;
          d[o + 7] = mt;
          d[o + 8] = gfp;
        }
        return;
      }
      case EV_ALLOC_VMAP_AREA: {
        const size = rec.size;
        const align = rec.align;
        const failed = rec.failed;
        d[o + 5] = rec.vaStart;
        if (hdr && isInt32(size) && isInt32(align) && isInt32(failed)) {
          this.packed(q, line, cpu, pid, irq);
          di[q + 12] = size;
          di[q + 14] = align;
          di[q + 16] = failed;
        } else {
          this.spilled(o, line, cpu, pid, irq);
          d[o + 6] = size;
          d[o + 7] = align;
          d[o + 8] = failed;
        }
        return;
      }
      case EV_FREE_VMAP_AREA_NOFLUSH: {
        const count = rec.count;
        d[o + 5] = rec.vaStart;
        if (hdr && isInt32(count)) {
          this.packed(q, line, cpu, pid, irq);
          di[q + 12] = count;
        } else {
          this.spilled(o, line, cpu, pid, irq);
          d[o + 6] = count;
        }
        return;
      }
      case EV_PURGE_VMAP_AREA_LAZY: {
        const count = rec.count;
        d[o + 5] = rec.start;
        d[o + 6] = rec.end;
        if (hdr && isInt32(count)) {
          this.packed(q, line, cpu, pid, irq);
          di[q + 14] = count;
        } else {
          this.spilled(o, line, cpu, pid, irq);
          d[o + 7] = count;
        }
        return;
      }
      case EV_TRACING_MARK_WRITE:
      case EV_OTHER:
      case EV_LOST: {
        const v = kind === EV_TRACING_MARK_WRITE ? this.ref(-1, rec.marker) : kind === EV_OTHER ? this.ref(rec.eventId, rec.event) : rec.lost;
        if (hdr && isInt32(v)) {
          this.packed(q, line, cpu, pid, irq);
          di[q + 10] = v;
        } else {
          this.spilled(o, line, cpu, pid, irq);
          d[o + 5] = v;
        }
        return;
      }
      default:
        if (hdr) this.packed(q, line, cpu, pid, irq);
        else this.spilled(o, line, cpu, pid, irq);
    }
  }

  /** The header's int lanes through the int32 view (word q: lane 0), and the packed flag cleared. */
  private packed(q: number, line: number, cpu: number, pid: number, irq: number): void {
    const di = this.ints;
    di[q + 1] = 0;
    di[q + 2] = line;
    di[q + 4] = cpu;
    di[q + 6] = pid;
    di[q + 8] = irq;
  }

  /** The header's lanes as doubles (event offset o), and the all-doubles flag set. */
  private spilled(o: number, line: number, cpu: number, pid: number, irq: number): void {
    const d = this.data;
    d[o + 1] = line;
    d[o + 2] = cpu;
    d[o + 3] = pid;
    d[o + 4] = irq;
    this.ints[2 * o + 1] = 1;
  }

  /**
   * The batch so far (its buffer changes hands); the writer starts the next one in `next` (a
   * buffer of BATCH_EVENTS · EVENT_STRIDE numbers free for writing), else in a fresh buffer.
   */
  take(next?: Float64Array): { data: Float64Array; n: number; extra: string[] } {
    const out = { data: this.data, n: this.n, extra: this.extra };
    this.data = next === undefined ? newBatchBuffer() : checkedBatch(next);
    this.ints = int32View(this.data);
    this.n = 0;
    this.extra = [];
    return out;
  }

  private ref(id: number, s: string): number {
    if (id >= 0) return id;
    if (s === "") return REF_EMPTY;
    this.extra.push(s);
    return -1 - this.extra.length;
  }
}

/**
 * A whole number that fits 32 bits as such (the engine's arithmetic and array indexing stay on
 * V8's small-integer paths, as with the parser's own records), anything else unchanged.
 */
function smi(x: number): number {
  const i = x | 0;
  // (-0 stays -0: a "-0" in the trace parses to it.)
  return i === x && (i !== 0 || 1 / x > 0) ? i : x;
}

export class EventBatchReader {
  /** The interned strings, by id, as the parsing side numbered them. */
  private readonly strings: string[] = [];

  /** Strings the parser interned since the last batch (their ids continue the table). */
  addStrings(s: readonly string[]): void {
    for (let i = 0; i < s.length; i++) this.strings.push(s[i]);
  }

  /** The batch whose int32 view `di` is. */
  private viewOf: Float64Array | undefined;
  private di: Int32Array = new Int32Array(0);

  /** Event `i` of a batch into `rec`. */
  read(d: Float64Array, i: number, extra: readonly string[], rec: TraceRecord): void {
    if (d !== this.viewOf) {
      this.viewOf = d;
      this.di = int32View(d);
    }
    const di = this.di;
    const o = i * EVENT_STRIDE;
    const q = 2 * o;
    if (di[q + 1] === 0) {
      this.readInts(d, di, o, extra, rec);
      return;
    }
    const kind = di[q];
    rec.kind = kind;
    rec.lineNo = smi(d[o + 1]);
    rec.cpu = smi(d[o + 2]);
    rec.pid = smi(d[o + 3]);
    rec.hardirq = d[o + 4] !== 0;
    rec.event = kind < EV_OTHER || kind === EV_LOST ? TRACE_EVENT_NAMES[kind] : rec.event;
    switch (kind) {
      case EV_KMALLOC:
      case EV_KMEM_CACHE_ALLOC:
        this.callSite(smi(d[o + 5]), extra, rec);
        rec.ptrHi16 = smi(d[o + 6]);
        rec.ptrLow48 = d[o + 7];
        rec.bytesReq = smi(d[o + 8]);
        rec.bytesAlloc = smi(d[o + 9]);
        rec.gfp = smi(d[o + 10]);
        rec.node = smi(d[o + 11]);
        break;
      case EV_KFREE:
      case EV_KMEM_CACHE_FREE:
        this.callSite(smi(d[o + 5]), extra, rec);
        rec.ptrHi16 = smi(d[o + 6]);
        rec.ptrLow48 = d[o + 7];
        if (kind === EV_KMEM_CACHE_FREE) {
          const r = smi(d[o + 8]);
          rec.cacheNameId = r >= 0 ? r : -1;
          rec.cacheName = this.str(r, extra);
        }
        break;
      case EV_MM_PAGE_ALLOC:
      case EV_MM_PAGE_FREE:
      case EV_MM_PAGE_FREE_BATCHED:
        rec.pfn = smi(d[o + 5]);
        rec.order = smi(d[o + 6]);
        rec.migratetype = smi(d[o + 7]);
        rec.gfp = smi(d[o + 8]);
        break;
      case EV_ALLOC_VMAP_AREA:
        rec.vaStart = d[o + 5];
        rec.size = smi(d[o + 6]);
        rec.align = smi(d[o + 7]);
        rec.failed = smi(d[o + 8]);
        break;
      case EV_FREE_VMAP_AREA_NOFLUSH:
        rec.vaStart = d[o + 5];
        rec.count = smi(d[o + 6]);
        break;
      case EV_PURGE_VMAP_AREA_LAZY:
        rec.start = d[o + 5];
        rec.end = d[o + 6];
        rec.count = smi(d[o + 7]);
        break;
      case EV_TRACING_MARK_WRITE:
        rec.marker = this.str(smi(d[o + 5]), extra);
        break;
      case EV_OTHER: {
        const r = smi(d[o + 5]);
        rec.eventId = r >= 0 ? r : -1;
        rec.event = this.str(r, extra);
        break;
      }
      case EV_LOST:
        rec.lost = smi(d[o + 5]);
        break;
    }
  }

  /** read() for an event whose int lanes are in the int32 view (the same fields, no conversions). */
  private readInts(d: Float64Array, di: Int32Array, o: number, extra: readonly string[], rec: TraceRecord): void {
    const q = 2 * o;
    const kind = di[q];
    rec.kind = kind;
    rec.lineNo = di[q + 2];
    rec.cpu = di[q + 4];
    rec.pid = di[q + 6];
    rec.hardirq = di[q + 8] !== 0;
    rec.event = kind < EV_OTHER || kind === EV_LOST ? TRACE_EVENT_NAMES[kind] : rec.event;
    switch (kind) {
      case EV_KMALLOC:
      case EV_KMEM_CACHE_ALLOC:
        this.callSite(di[q + 10], extra, rec);
        rec.ptrHi16 = di[q + 12];
        rec.ptrLow48 = d[o + 7];
        rec.bytesReq = di[q + 16];
        rec.bytesAlloc = di[q + 18];
        rec.gfp = di[q + 20];
        rec.node = di[q + 22];
        break;
      case EV_KFREE:
      case EV_KMEM_CACHE_FREE:
        this.callSite(di[q + 10], extra, rec);
        rec.ptrHi16 = di[q + 12];
        rec.ptrLow48 = d[o + 7];
        if (kind === EV_KMEM_CACHE_FREE) {
          const r = di[q + 16];
          rec.cacheNameId = r >= 0 ? r : -1;
          rec.cacheName = this.str(r, extra);
        }
        break;
      case EV_MM_PAGE_ALLOC:
      case EV_MM_PAGE_FREE:
      case EV_MM_PAGE_FREE_BATCHED:
        rec.pfn = di[q + 10];
        rec.order = di[q + 12];
        rec.migratetype = di[q + 14];
        rec.gfp = di[q + 16];
        break;
      case EV_ALLOC_VMAP_AREA:
        rec.vaStart = d[o + 5];
        rec.size = di[q + 12];
        rec.align = di[q + 14];
        rec.failed = di[q + 16];
        break;
      case EV_FREE_VMAP_AREA_NOFLUSH:
        rec.vaStart = d[o + 5];
        rec.count = di[q + 12];
        break;
      case EV_PURGE_VMAP_AREA_LAZY:
        rec.start = d[o + 5];
        rec.end = d[o + 6];
        rec.count = di[q + 14];
        break;
      case EV_TRACING_MARK_WRITE:
        rec.marker = this.str(di[q + 10], extra);
        break;
      case EV_OTHER: {
        const r = di[q + 10];
        rec.eventId = r >= 0 ? r : -1;
        rec.event = this.str(r, extra);
        break;
      }
      case EV_LOST:
        rec.lost = di[q + 10];
        break;
    }
  }

  private callSite(r: number, extra: readonly string[], rec: TraceRecord): void {
    rec.callSiteId = r >= 0 ? r : -1;
    rec.callSite = this.str(r, extra);
  }

  private str(r: number, extra: readonly string[]): string {
    if (r >= 0) return this.strings[r];
    return r === REF_EMPTY ? "" : extra[-r - 2];
  }
}
