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

/**
 * Lanes (bit k: lane k) an event of each kind carries as int32 (through the Int32Array view),
 * besides lane 0, the kind, which always is: cpu, pid, hardirq and the kind's fields other than
 * the line number, 48-bit addresses and pointer bits.
 */
const HEADER_INTS = (1 << 2) | (1 << 3) | (1 << 4);
const INT_LANES = new Int32Array(EV_LOST + 1);
INT_LANES[EV_KMALLOC] = INT_LANES[EV_KMEM_CACHE_ALLOC] = HEADER_INTS | (1 << 5) | (1 << 6) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11);
INT_LANES[EV_KFREE] = HEADER_INTS | (1 << 5) | (1 << 6);
INT_LANES[EV_KMEM_CACHE_FREE] = HEADER_INTS | (1 << 5) | (1 << 6) | (1 << 8);
INT_LANES[EV_MM_PAGE_ALLOC] = INT_LANES[EV_MM_PAGE_FREE] = INT_LANES[EV_MM_PAGE_FREE_BATCHED] = HEADER_INTS | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8);
INT_LANES[EV_ALLOC_VMAP_AREA] = HEADER_INTS | (1 << 6) | (1 << 7) | (1 << 8);
INT_LANES[EV_FREE_VMAP_AREA_NOFLUSH] = HEADER_INTS | (1 << 6);
INT_LANES[EV_PURGE_VMAP_AREA_LAZY] = HEADER_INTS | (1 << 7);
INT_LANES[EV_TRACING_MARK_WRITE] = INT_LANES[EV_OTHER] = INT_LANES[EV_LOST] = HEADER_INTS | (1 << 5);

/** The lanes of `kind` held as int32 (none past the header for a kind outside the table). */
function intLanes(kind: number): number {
  return kind >= 0 && kind <= EV_LOST ? INT_LANES[kind] : HEADER_INTS;
}

/** x is an int32 other than -0 (so the Int32Array view holds it exactly). */
function isInt32(x: number): boolean {
  return (x | 0) === x && (x !== 0 || 1 / x > 0);
}

/** The Int32Array view of a batch's buffer (lane k of event e is word 2·(e·EVENT_STRIDE + k)). */
function int32View(d: Float64Array): Int32Array {
  return new Int32Array(d.buffer, d.byteOffset, d.length * 2);
}

export class EventBatchWriter {
  private data: Float64Array = new Float64Array(BATCH_EVENTS * EVENT_STRIDE);
  private ints: Int32Array = int32View(this.data);
  private n = 0;
  private extra: string[] = [];

  get length(): number {
    return this.n;
  }

  get full(): boolean {
    return this.n === BATCH_EVENTS;
  }

  /** Append one event (the fields the parser sets for its kind). */
  add(rec: TraceRecord): void {
    const d = this.data;
    const o = this.n++ * EVENT_STRIDE;
    const kind = rec.kind;
    d[o] = kind;
    d[o + 1] = rec.lineNo;
    d[o + 2] = rec.cpu;
    d[o + 3] = rec.pid;
    d[o + 4] = rec.hardirq ? 1 : 0;
    switch (kind) {
      case EV_KMALLOC:
      case EV_KMEM_CACHE_ALLOC:
        d[o + 5] = this.ref(rec.callSiteId, rec.callSite);
        d[o + 6] = rec.ptrHi16;
        d[o + 7] = rec.ptrLow48;
        d[o + 8] = rec.bytesReq;
        d[o + 9] = rec.bytesAlloc;
        d[o + 10] = rec.gfp;
        d[o + 11] = rec.node;
        break;
      case EV_KFREE:
      case EV_KMEM_CACHE_FREE:
        d[o + 5] = this.ref(rec.callSiteId, rec.callSite);
        d[o + 6] = rec.ptrHi16;
        d[o + 7] = rec.ptrLow48;
        if (kind === EV_KMEM_CACHE_FREE) d[o + 8] = this.ref(rec.cacheNameId, rec.cacheName);
        break;
      case EV_MM_PAGE_ALLOC:
      case EV_MM_PAGE_FREE:
      case EV_MM_PAGE_FREE_BATCHED:
        d[o + 5] = rec.pfn;
        d[o + 6] = rec.order;
        d[o + 7] = rec.migratetype;
        d[o + 8] = rec.gfp;
        break;
      case EV_ALLOC_VMAP_AREA:
        d[o + 5] = rec.vaStart;
        d[o + 6] = rec.size;
        d[o + 7] = rec.align;
        d[o + 8] = rec.failed;
        break;
      case EV_FREE_VMAP_AREA_NOFLUSH:
        d[o + 5] = rec.vaStart;
        d[o + 6] = rec.count;
        break;
      case EV_PURGE_VMAP_AREA_LAZY:
        d[o + 5] = rec.start;
        d[o + 6] = rec.end;
        d[o + 7] = rec.count;
        break;
      case EV_TRACING_MARK_WRITE:
        d[o + 5] = this.ref(-1, rec.marker);
        break;
      case EV_OTHER:
        d[o + 5] = this.ref(rec.eventId, rec.event);
        break;
      case EV_LOST:
        d[o + 5] = rec.lost;
        break;
    }
    this.packInts(o, kind);
  }

  /** Rewrite event `o`'s int lanes through the int32 view, or mark it all-doubles when one does not fit. */
  private packInts(o: number, kind: number): void {
    const d = this.data;
    const di = this.ints;
    const lanes = intLanes(kind);
    if (!isInt32(kind)) throw new Error(`event batch: event kind ${kind} is not an EV_* constant`);
    let fits = true;
    for (let k = 2; fits && k < EVENT_STRIDE; k++) if ((lanes >> k) & 1 && !isInt32(d[o + k])) fits = false;
    // Lane 0: word 0 the kind, word 1 set when every other lane stayed a double.
    di[2 * o] = kind;
    di[2 * o + 1] = fits ? 0 : 1;
    if (fits) for (let k = 2; k < EVENT_STRIDE; k++) if ((lanes >> k) & 1) di[2 * (o + k)] = d[o + k];
  }

  /**
   * The batch so far (its buffer changes hands); the writer starts a fresh one, in `reuse`
   * when given (a batch buffer handed back, of BATCH_EVENTS · EVENT_STRIDE numbers).
   */
  take(reuse?: Float64Array): { data: Float64Array; n: number; extra: string[] } {
    const out = { data: this.data, n: this.n, extra: this.extra };
    this.data = reuse !== undefined && reuse.length === BATCH_EVENTS * EVENT_STRIDE ? reuse : new Float64Array(BATCH_EVENTS * EVENT_STRIDE);
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
    rec.lineNo = smi(d[o + 1]);
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
