/**
 * The ftrace text line parser: `TASK-PID [CPU] FLAGS TIMESTAMP: EVENT: FIELDS` as
 * kernel/trace/trace_output.c prints it (the irq-info FLAGS column is optional, as with
 * `trace_options=noirq-info`), fields by name as the TP_printk formats of
 * include/trace/events/kmem.h and vmalloc.h spell them. Works on bytes (no regex, no per-line
 * string), one reused TraceRecord per call.
 *
 * Two readers of the fields: the slab and page events are first read in one pass over the
 * exact TP_printk layout of 6.12 (call sites, cache names and gfp texts found in byte interners,
 * numbers decoded while scanning); a line that deviates from that layout in any way — another
 * kernel's field order, extra spaces, a module call site, a value seen for the first time, a
 * malformed value — is read again by name, which gives the same record or the error.
 *
 *   const p = new TraceLineParser();
 *   const kind = p.parse(buf, start, end, lineNo, rec);   // EV_* or EV_NONE; throws TraceParseError
 */
import { gfpFor, parseGfp, type GfpTable } from "../../mm/gfp.js";
import { ByteInterner, byteHash, FNV_OFFSET, FNV_PRIME, fnvFinish } from "./byte-interner.js";
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
  EV_NONE,
  EV_OTHER,
  EV_PURGE_VMAP_AREA_LAZY,
  EV_TRACING_MARK_WRITE,
  TRACE_EVENT_NAMES,
  TraceRecord,
} from "./trace-record.js";

/** A line the parser cannot read: names the line, the event and the field. */
export class TraceParseError extends Error {
  constructor(
    readonly lineNo: number,
    readonly detail: string,
  ) {
    super(`line ${lineNo}: ${detail}`);
    this.name = "TraceParseError";
  }
}

const SPACE = 0x20;
const TAB = 0x09;
const COLON = 0x3a;
const EQ = 0x3d;
const DASH = 0x2d;
const LBRACK = 0x5b;
const RBRACK = 0x5d;
const HASH = 0x23;
const DOT = 0x2e;
const MAX_FIELDS = 24;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** Byte → hex digit value, -1 for anything else. */
const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 256; c++) HEX[c] = hexVal(c);

function bytesOf(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

function latin1(buf: Uint8Array, s: number, e: number): string {
  // Short values: String.fromCharCode over the bytes beats a Buffer round trip.
  let out = "";
  for (let i = s; i < e; i++) out += String.fromCharCode(buf[i]);
  return out;
}

const F_CALL_SITE = bytesOf("call_site");
const F_PTR = bytesOf("ptr");
const F_BYTES_REQ = bytesOf("bytes_req");
const F_BYTES_ALLOC = bytesOf("bytes_alloc");
const F_GFP_FLAGS = bytesOf("gfp_flags");
const F_NODE = bytesOf("node");
const F_NAME = bytesOf("name");
const F_PFN = bytesOf("pfn");
const F_ORDER = bytesOf("order");
const F_MIGRATETYPE = bytesOf("migratetype");
const F_VA_START = bytesOf("va_start");
const F_SIZE = bytesOf("size");
const F_ALIGN = bytesOf("align");
const F_FAILED = bytesOf("failed");
const F_NR_LAZY = bytesOf("nr_lazy");
const F_START = bytesOf("start");
const F_END = bytesOf("end");
const F_NUM_PURGED = bytesOf("num_purged");

/** Event names as bytes, indexed like TRACE_EVENT_NAMES (up to tracing_mark_write). */
const EVENT_BYTES = TRACE_EVENT_NAMES.slice(0, EV_OTHER).map((name) => literal(name));
/** Event kinds by the length of their name (candidates to compare). */
const EVENTS_BY_LENGTH: number[][] = [];
for (let k = 0; k < EVENT_BYTES.length; k++) (EVENTS_BY_LENGTH[EVENT_BYTES[k].bytes.length] ??= []).push(k);
/** For the slab and page events: the name, ": " and the first field's name, as the 6.12 layout prints them. */
const EVENT_HEADS = TRACE_EVENT_NAMES.slice(0, EV_MM_PAGE_FREE_BATCHED + 1).map((name, k) => literal(`${name}: ${k <= EV_KMEM_CACHE_FREE ? "call_site=" : "page="}`));
/**
 * Event kinds by a hash of the line's words at the name's bytes 0–3 and 9–12 (for the slab and
 * page events in their head, for the others inside the name): one candidate to compare in full,
 * -1 for none. The known names give distinct slots (checked here).
 */
const EVENT_BY_KEY = new Int8Array(64).fill(-1);
for (let k = 0; k < EVENT_BYTES.length; k++) {
  const b = k <= EV_MM_PAGE_FREE_BATCHED ? EVENT_HEADS[k].bytes : EVENT_BYTES[k].bytes;
  const slot = eventKeySlot(wordAt(b, 0), wordAt(b, 9));
  if (b.length < 13 || EVENT_BY_KEY[slot] >= 0) throw new Error(`parse-line: event key of ${TRACE_EVENT_NAMES[k]} is not unique`);
  EVENT_BY_KEY[slot] = k;
}

function eventKeySlot(w0: number, w9: number): number {
  return Math.imul(w0 ^ Math.imul(w9, 0x85ebca6b), 0x9e3779b1) >>> 26;
}

/**
 * A literal of the expected layout (at least four bytes): its bytes, the same as little-endian
 * 32-bit words, and its last four bytes as one word (overlapping the last whole word when the
 * length is not a multiple of four), so it is compared a word at a time without a byte loop.
 * Up to 16 bytes also as four words at offsets 0, o1, o2, o3 (each word at min(4i, length − 4)):
 * four compares, no loop.
 */
interface Literal {
  bytes: Uint8Array;
  n: number;
  /** n when lit() may compare it (at most 16 bytes), else a length no line reaches. */
  short: number;
  words: Int32Array;
  tail: number;
  w0: number;
  w1: number;
  w2: number;
  w3: number;
  o1: number;
  o2: number;
  o3: number;
}

function wordAt(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
}

function literal(s: string): Literal {
  const bytes = bytesOf(s);
  if (bytes.length < 4) throw new Error(`parse-line: literal "${s}" is shorter than a word`);
  const words = new Int32Array(bytes.length >> 2);
  for (let i = 0; i < words.length; i++) words[i] = wordAt(bytes, 4 * i);
  const n = bytes.length;
  const o1 = Math.min(4, n - 4);
  const o2 = Math.min(8, n - 4);
  const o3 = Math.min(12, n - 4);
  // Longer literals are for litLong(); lit() never matches them (no line is 2^30 bytes long).
  if (n > 16) return { bytes, n, short: 1 << 30, words, tail: wordAt(bytes, n - 4), w0: 0, w1: 0, w2: 0, w3: 0, o1: 0, o2: 0, o3: 0 };
  return { bytes, n, short: n, words, tail: wordAt(bytes, n - 4), w0: words[0], w1: wordAt(bytes, o1), w2: wordAt(bytes, o2), w3: wordAt(bytes, o3), o1, o2, o3 };
}

/** The low n bytes of a word as a mask (none for n ≤ 0, all for n ≥ 4). */
function lowBytes(n: number): number {
  return n <= 0 ? 0 : n >= 4 ? -1 : (1 << (8 * n)) - 1;
}

/** All four bytes of the little-endian word w are ASCII digits. */
function isDigits4(w: number): boolean {
  // Per byte b < 0x80, b + (0x80 − x) sets the byte's top bit iff b ≥ x (no carry between bytes).
  return ((w | ~((w + 0x50505050) & ~(w + 0x46464646))) & 0x80808080) === 0;
}

/** Some byte of the int32 x is zero (the usual word-at-a-time test). */
function hasZeroByte(x: number): boolean {
  return ((x - 0x01010101) & ~x & 0x80808080) !== 0;
}

/**
 * Four ASCII bytes (little-endian word w, first byte most significant) that are all lowercase
 * hex digits, as %p and %lx print them: their value 0…0xffff; -1 for anything else.
 */
function hex4(w: number): number {
  if ((w & 0x80808080) !== 0) return -1;
  // Per byte b < 0x80, b + (0x80 − x) sets the byte's top bit iff b ≥ x (no carry between bytes).
  const digit = (w + 0x50505050) & ~(w + 0x46464646);
  const letter = (w + 0x1f1f1f1f) & ~(w + 0x19191919);
  if (((digit | letter) & 0x80808080) !== (0x80808080 | 0)) return -1;
  // A digit's value is its low nibble, a letter's the low nibble + 9.
  const nib = (w & 0x0f0f0f0f) + ((letter >>> 7) & 0x01010101) * 9;
  const m = ((nib & 0x000f000f) << 4) | ((nib >>> 8) & 0x000f000f);
  return ((m & 0xff) << 8) | ((m >>> 16) & 0xff);
}

// The 6.12 TP_printk layouts the one-pass reader expects (include/trace/events/kmem.h).
const L_CALL_SITE = literal("call_site=");
const L_PTR = literal(" ptr=");
const L_BYTES_REQ = literal(" bytes_req=");
const L_BYTES_ALLOC = literal(" bytes_alloc=");
const L_GFP_FLAGS = literal(" gfp_flags=");
const L_NODE = literal(" node=");
const L_NAME = literal(" name=");
const L_PAGE = literal("page=");
const L_PFN = literal(" pfn=0x");
const L_ORDER = literal(" order=");
const L_MIGRATETYPE = literal(" migratetype=");
const L_ACCOUNTED_FALSE = literal(" accounted=false");
const L_ACCOUNTED_TRUE = literal(" accounted=true");


export class TraceLineParser {
  /** Lines whose fields the one-pass reader took, and lines read by field name. */
  fastLines = 0;
  namedLines = 0;
  /** Lines whose header the fixed-column reader took. */
  fixedHeaders = 0;
  /** Call sites, cache names and other-event names: id → the string. */
  private readonly strings = new ByteInterner<string>();
  /** gfp texts → their value. */
  private readonly gfps = new ByteInterner<number>({ maxEntries: 1 << 16, maxBytes: 4 << 20 });
  /** The value the last one-pass number scan decoded. */
  private num = 0;
  /** Set by intern(): the id of the string it returned (-1 when the table is full). */
  private internedId = -1;
  /** Read the slab and page events in one pass when they follow the 6.12 layout. */
  private readonly onePass: boolean;
  /** Try the fixed-column header reader before the column-by-column one. */
  private readonly fixedColumns: boolean;
  // Field table of the current line: name [ns, ne), value [vs, ve).
  private readonly ns = new Int32Array(MAX_FIELDS);
  private readonly ne = new Int32Array(MAX_FIELDS);
  private readonly vs = new Int32Array(MAX_FIELDS);
  private readonly ve = new Int32Array(MAX_FIELDS);
  private nf = 0;
  private buf: Uint8Array = new Uint8Array(0);
  /** `buf` as a DataView, for comparing literals four bytes at a time. */
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  private lineNo = 0;
  private ev = "";

  /**
   * `gfpTable`: the build whose flag names the trace prints (the traced kernel's; default
   * hw_tags). `onePass: false` reads every line by field name, `fixedHeader: false` every header
   * column by column (tests compare the readers).
   */
  constructor(
    private readonly gfpTable: GfpTable = gfpFor("hw_tags"),
    opts: { onePass?: boolean; fixedHeader?: boolean } = {},
  ) {
    this.onePass = opts.onePass ?? true;
    this.fixedColumns = opts.fixedHeader ?? true;
  }

  /** Parse `buf[start, end)` (no line terminator; a trailing CR is ignored) into `rec`. */
  parse(buf: Uint8Array, start: number, end: number, lineNo: number, rec: TraceRecord): number {
    if (buf !== this.buf) {
      this.buf = buf;
      this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    this.lineNo = lineNo;
    this.ev = "";
    if (end > start && buf[end - 1] === 0x0d) end--;
    rec.lineNo = lineNo;
    let j = this.fixedColumns ? this.fixedHeader(start, end, rec) : -1;
    if (j >= 0) {
      this.fixedHeaders++;
      if (this.onePass) {
        const kind = this.fastEvent(j, end, rec);
        if (kind >= 0) return kind;
      }
    } else j = this.header(start, end, rec);
    if (j < 0) return rec.kind;
    return this.afterHeader(j, end, rec);
  }

  /**
   * The common case in few steps: one space, a slab or page event's head (name, ": ", first
   * field's name) and its fields in the 6.12 layout. Its kind, or -1 for anything else, which
   * afterHeader() then reads from `j` (rec's fields may have been written; it rewrites them).
   */
  private fastEvent(j: number, end: number, rec: TraceRecord): number {
    if (j + 14 > end || this.buf[j] !== SPACE) return -1;
    j++;
    const view = this.view;
    const kind = EVENT_BY_KEY[eventKeySlot(view.getInt32(j, true), view.getInt32(j + 9, true))];
    if (kind < 0 || kind > EV_MM_PAGE_FREE_BATCHED) return -1;
    const p = this.litLong(j, end, EVENT_HEADS[kind]);
    if (p < 0) return -1;
    rec.kind = kind;
    rec.event = TRACE_EVENT_NAMES[kind];
    if (!this.readOnePass(kind, p, end, rec)) return -1;
    this.fastLines++;
    return kind;
  }

  /**
   * The header in trace_output.c's usual layout, `%16s-%-7d [%03d] FFFFF %5lu.%06lu: `: fixed
   * columns up to the flags, checked byte by byte (the event name's position on success, -1 for
   * anything else, which header() then reads). Accepts only lines header() reads the same way: no
   * '[' among the comm's bytes, a comm not starting with '#' or 'C', pid digits then spaces.
   */
  private fixedHeader(start: number, end: number, rec: TraceRecord): number {
    const buf = this.buf;
    if (end - start < 40 || buf[start + 16] !== DASH || buf[start + 24] !== SPACE || buf[start + 25] !== LBRACK) return -1;
    // The comm, a word at a time: no '[' in it; its first byte other than a space not a tab
    // (left to header()), '#' or 'C'.
    const view = this.view;
    let first = -1;
    for (let c = start; c < start + 16; c += 4) {
      const w = view.getInt32(c, true);
      if (hasZeroByte(w ^ 0x5b5b5b5b)) return -1;
      // The lowest non-zero byte of w ^ spaces is the first byte other than a space.
      const x = w ^ 0x20202020;
      if (first < 0 && x !== 0) first = ((x >>> ((31 - Math.clz32(x & -x)) & ~7)) & 0xff) ^ SPACE;
    }
    if (first < 0 || first === TAB || first === HASH || first === 0x43) return -1;
    let k = start + 17;
    let pid = 0;
    while (k < start + 24 && isDigit(buf[k])) pid = pid * 10 + (buf[k++] - 0x30);
    const digits = k - start - 17;
    if (digits === 0) return -1;
    // Spaces after the pid up to byte 23: the words at 17 and 20 with the digits masked out.
    if (((view.getInt32(start + 17, true) ^ 0x20202020) & ~lowBytes(digits)) !== 0) return -1;
    if (((view.getInt32(start + 20, true) ^ 0x20202020) & ~lowBytes(digits - 3)) !== 0) return -1;
    // The usual widths, `ddd] FFFFF SSSSS.UUUUUU: ` at bytes 26–50, checked a word at a time.
    if (end - start > 51) {
      const cw = view.getInt32(start + 26, true); // d d d ]
      const f0 = view.getInt32(start + 30, true); // ' ' F F F
      const f1 = view.getInt32(start + 33, true); // F F F ' ' (overlapping)
      const t0 = view.getInt32(start + 37, true); // seconds, right-aligned: spaces then digits (the spaces OR 0x10 make 0s)
      const t1 = view.getInt32(start + 41, true); // S . U U
      const t2 = view.getInt32(start + 45, true); // U U U U
      const t3 = view.getInt32(start + 47, true); // U U : ' ' (overlapping)
      const tx = t0 ^ 0x20202020;
      if (
        cw >>> 24 === RBRACK &&
        isDigits4((cw & 0xffffff) | 0x30000000) &&
        (f0 & 0xff) === SPACE &&
        f1 >>> 24 === SPACE &&
        ((f1 >>> 16) & 0xff) !== COLON &&
        !hasZeroByte((f0 ^ 0x20202020) | 0xff) &&
        !hasZeroByte((f1 ^ 0x20202020) | 0xff000000) &&
        ((t1 >>> 8) & 0xff) === DOT &&
        isDigits4((t1 & ~0xff00) | 0x3000) &&
        isDigits4(t2) &&
        t3 >>> 16 === 0x203a &&
        isDigits4((t3 & 0xffff) | 0x30300000) &&
        (tx === 0 || isDigits4(t0 | (0x10101010 & lowBytes((31 - Math.clz32(tx & -tx)) >> 3))))
      ) {
        rec.pid = pid;
        rec.cpu = (cw & 0xff) * 100 + ((cw >>> 8) & 0xff) * 10 + ((cw >>> 16) & 0xff) - 0x30 * 111;
        const irq = f0 >>> 24;
        rec.hardirq = irq === 0x68 || irq === 0x48; // 'h' / 'H'
        return start + 50;
      }
    }
    // Other widths of cpu and seconds, byte by byte.
    k = start + 26;
    let cpu = 0;
    while (k < end && isDigit(buf[k])) cpu = cpu * 10 + (buf[k++] - 0x30);
    // The flags: five bytes other than space, the last not ':' (else header() reads it as the timestamp).
    if (k === start + 26 || k + 8 > end || buf[k] !== RBRACK || buf[k + 1] !== SPACE || buf[k + 7] !== SPACE || buf[k + 6] === COLON || buf[k + 6] === SPACE) return -1;
    if (hasZeroByte(view.getInt32(k + 2, true) ^ 0x20202020)) return -1;
    const irq = buf[k + 4];
    k += 8;
    while (k < end && buf[k] === SPACE) k++;
    // SECONDS.MICROS: then a space.
    const ts = k;
    while (k < end && isDigit(buf[k])) k++;
    if (k === ts || k >= end || buf[k] !== DOT) return -1;
    k++;
    while (k < end && isDigit(buf[k])) k++;
    if (k + 1 >= end || buf[k] !== COLON || buf[k + 1] !== SPACE) return -1;
    rec.pid = pid;
    rec.cpu = cpu;
    rec.hardirq = irq === 0x68 || irq === 0x48; // 'h' / 'H'
    return k + 1;
  }

  /** The header read column by column: the position after the timestamp's ':', or -1 with rec.kind set (no event). */
  private header(start: number, end: number, rec: TraceRecord): number {
    const buf = this.buf;
    // The task column is right-aligned in 16 characters: skip its padding four spaces at a time.
    let i = this.skipSpaceWords(start, end);
    while (i < end && (buf[i] === SPACE || buf[i] === TAB)) i++;
    if (i === end || buf[i] === HASH) {
      rec.kind = EV_NONE;
      return -1;
    }
    // "CPU:1 [LOST 42 EVENTS]" from trace_output.c when the buffer overran.
    if (buf[i] === 0x43 && end - i > 4 && buf[i + 1] === 0x50 && buf[i + 2] === 0x55 && buf[i + 3] === COLON) {
      this.parseLost(i, end, rec);
      return -1;
    }

    // TASK-PID: the comm may contain '-' and spaces, so find the " [CPU]" column first.
    let b = i;
    let cpuStart = -1;
    while (b < end) {
      if (buf[b] === LBRACK && b > i && buf[b - 1] === SPACE && b + 1 < end && isDigit(buf[b + 1])) {
        let j = b + 1;
        while (j < end && isDigit(buf[j])) j++;
        if (j < end && buf[j] === RBRACK) {
          cpuStart = b;
          break;
        }
      }
      b++;
    }
    if (cpuStart < 0) this.fail(`expected "TASK-PID [CPU] FLAGS TIMESTAMP: EVENT: FIELDS", found no [CPU] column`);
    let te = cpuStart - 1;
    while (te > i && buf[te - 1] === SPACE) te--;
    let dash = te - 1;
    while (dash > i && buf[dash] !== DASH) dash--;
    if (buf[dash] !== DASH || dash + 1 >= te) this.fail(`expected "TASK-PID" before the [CPU] column`);
    rec.pid = this.decimal(dash + 1, te, "pid");
    let j = cpuStart + 1;
    let cpu = 0;
    while (buf[j] !== RBRACK) cpu = cpu * 10 + (buf[j++] - 0x30);
    rec.cpu = cpu;
    j++;
    // Optional irq-info flags column, then the timestamp ending in ':'.
    while (j < end && buf[j] === SPACE) j++;
    let tokEnd = j;
    while (tokEnd < end && buf[tokEnd] !== SPACE) tokEnd++;
    rec.hardirq = false;
    if (tokEnd > j && buf[tokEnd - 1] !== COLON) {
      if (tokEnd - j >= 3) rec.hardirq = buf[j + 2] === 0x68 || buf[j + 2] === 0x48; // 'h' / 'H'
      j = this.skipSpaceWords(tokEnd, end);
      while (j < end && buf[j] === SPACE) j++;
      tokEnd = j;
      while (tokEnd < end && buf[tokEnd] !== SPACE) tokEnd++;
    }
    if (tokEnd === j || buf[tokEnd - 1] !== COLON) this.fail(`expected "TIMESTAMP:" after the [CPU] column (truncated line?)`);
    for (let k = j; k < tokEnd - 1; k++) {
      if (!isDigit(buf[k]) && buf[k] !== DOT) this.fail(`timestamp: expected seconds like 4.850276, got "${latin1(buf, j, tokEnd - 1)}"`);
    }
    return tokEnd;
  }

  /** The event name from `j` (spaces before it skipped), then the fields. */
  private afterHeader(j: number, end: number, rec: TraceRecord): number {
    const buf = this.buf;
    // Event name up to ':'.
    while (j < end && buf[j] === SPACE) j++;
    // A known name followed by ':' (names hold no ':' or space, so the scan below would stop
    // there too); anything else is scanned for.
    let kind = -1;
    let ee = -1;
    let onePassTried = false;
    const k = j + 13 <= end ? EVENT_BY_KEY[eventKeySlot(this.view.getInt32(j, true), this.view.getInt32(j + 9, true))] : -1;
    if (k >= 0 && k <= EV_MM_PAGE_FREE_BATCHED) {
      // Name, ": " and the first field's name in one compare; the one-pass reader goes on from there.
      const p = this.litLong(j, end, EVENT_HEADS[k]);
      if (p >= 0) {
        rec.kind = k;
        rec.event = TRACE_EVENT_NAMES[k];
        if (this.onePass && this.readOnePass(k, p, end, rec)) {
          this.fastLines++;
          return k;
        }
        onePassTried = true;
        kind = k;
        ee = j + EVENT_BYTES[k].bytes.length;
      }
    } else if (k >= 0) {
      const e = this.litLong(j, end, EVENT_BYTES[k]);
      if (e >= 0 && e < end && buf[e] === COLON) {
        kind = k;
        ee = e;
      }
    }
    if (kind < 0) {
      ee = j;
      while (ee < end && buf[ee] !== COLON && buf[ee] !== SPACE) ee++;
      if (ee === j || ee >= end || buf[ee] !== COLON) this.fail(`expected "EVENT:" after the timestamp (truncated line?)`);
      kind = this.eventKind(j, ee);
    }
    const fs = ee + 1 < end && buf[ee + 1] === SPACE ? ee + 2 : ee + 1;
    rec.kind = kind;
    if (kind === EV_OTHER) {
      rec.event = this.intern(j, ee);
      rec.eventId = this.internedId;
      return kind;
    }
    rec.event = TRACE_EVENT_NAMES[kind];
    if (kind <= EV_MM_PAGE_FREE_BATCHED && this.onePass && !onePassTried) {
      const p = this.lit(fs, end, kind <= EV_KMEM_CACHE_FREE ? L_CALL_SITE : L_PAGE);
      if (p >= 0 && this.readOnePass(kind, p, end, rec)) {
        this.fastLines++;
        return kind;
      }
    }
    this.namedLines++;
    this.ev = rec.event;
    if (kind === EV_TRACING_MARK_WRITE) {
      let me = end;
      while (me > fs && buf[me - 1] === SPACE) me--;
      rec.marker = latin1(buf, fs, me);
      return kind;
    }
    this.splitFields(fs, end);
    switch (kind) {
      case EV_KMALLOC:
      case EV_KMEM_CACHE_ALLOC: {
        this.callSite(rec);
        this.pointer(this.need(F_PTR), rec);
        rec.bytesReq = this.decimal(this.vs[this.need(F_BYTES_REQ)], this.ve[this.lastField], "bytes_req");
        rec.bytesAlloc = this.decimal(this.vs[this.need(F_BYTES_ALLOC)], this.ve[this.lastField], "bytes_alloc");
        rec.gfp = this.gfp(this.need(F_GFP_FLAGS));
        const n = this.find(F_NODE);
        rec.node = n < 0 ? -1 : this.signedDecimal(this.vs[n], this.ve[n], "node");
        return kind;
      }
      case EV_KFREE:
        this.callSite(rec);
        this.pointer(this.need(F_PTR), rec);
        return kind;
      case EV_KMEM_CACHE_FREE: {
        this.callSite(rec);
        this.pointer(this.need(F_PTR), rec);
        const n = this.find(F_NAME);
        rec.cacheName = n < 0 ? "" : this.intern(this.vs[n], this.ve[n]);
        rec.cacheNameId = n < 0 ? -1 : this.internedId;
        return kind;
      }
      case EV_MM_PAGE_ALLOC: {
        rec.pfn = this.hex(this.need(F_PFN), "pfn");
        rec.order = this.order(this.need(F_ORDER));
        rec.gfp = this.gfp(this.need(F_GFP_FLAGS));
        const m = this.find(F_MIGRATETYPE);
        rec.migratetype = m < 0 ? 0 : this.signedDecimal(this.vs[m], this.ve[m], "migratetype");
        return kind;
      }
      case EV_MM_PAGE_FREE:
      case EV_MM_PAGE_FREE_BATCHED: {
        rec.pfn = this.hex(this.need(F_PFN), "pfn");
        const o = kind === EV_MM_PAGE_FREE ? this.need(F_ORDER) : this.find(F_ORDER);
        rec.order = o < 0 ? 0 : this.order(o);
        return kind;
      }
      case EV_ALLOC_VMAP_AREA: {
        // "va_start: %lu" — a decimal unsigned long above 2^53: split it exactly.
        const f = this.need(F_VA_START);
        rec.vaStart = this.decimalLow48(this.vs[f], this.ve[f], "va_start");
        rec.size = this.decimal(this.vs[this.need(F_SIZE)], this.ve[this.lastField], "size");
        rec.align = this.decimal(this.vs[this.need(F_ALIGN)], this.ve[this.lastField], "align");
        const fl = this.find(F_FAILED);
        rec.failed = fl < 0 ? 0 : this.signedDecimal(this.vs[fl], this.ve[fl], "failed");
        return kind;
      }
      case EV_FREE_VMAP_AREA_NOFLUSH: {
        rec.vaStart = this.hex(this.need(F_VA_START), "va_start");
        const n = this.find(F_NR_LAZY);
        rec.count = n < 0 ? 0 : this.decimal(this.vs[n], this.ve[n], "nr_lazy");
        return kind;
      }
      case EV_PURGE_VMAP_AREA_LAZY: {
        rec.start = this.hex(this.need(F_START), "start");
        rec.end = this.hex(this.need(F_END), "end");
        const n = this.find(F_NUM_PURGED);
        rec.count = n < 0 ? 0 : this.decimal(this.vs[n], this.ve[n], "num_purged");
        return kind;
      }
    }
    return kind;
  }

  private lastField = 0;

  /** Strings interned so far (call sites, cache names, other-event names): ids 0 … count − 1. */
  get internedCount(): number {
    return this.strings.size;
  }

  /** The string with interned id `id` (TraceRecord.callSiteId, cacheNameId, eventId). */
  internedString(id: number): string {
    return this.strings.value(id);
  }

  // ------------------------------------------------------------------ one-pass reader

  /**
   * The fields of a slab or page event in the exact 6.12 layout, decoded while scanning, from
   * `p` just past the first field's `call_site=` or `page=`.
   * False as soon as anything differs (nothing thrown): the by-name reader then decides.
   */
  private readOnePass(kind: number, p: number, end: number, rec: TraceRecord): boolean {
    switch (kind) {
      case EV_KMALLOC:
      case EV_KMEM_CACHE_ALLOC:
        return this.onePassAlloc(p, end, rec);
      case EV_KFREE:
        // call_site=%pS ptr=%p
        if ((p = this.onePassCallSite(p, end, rec)) < 0) return false;
        return this.onePassPtr(p, end, rec) === end;
      case EV_KMEM_CACHE_FREE:
        return this.onePassCacheFree(p, end, rec);
      case EV_MM_PAGE_ALLOC:
      case EV_MM_PAGE_FREE:
      case EV_MM_PAGE_FREE_BATCHED:
        return this.onePassPage(kind, p, end, rec);
    }
    return false;
  }

  private onePassAlloc(p: number, end: number, rec: TraceRecord): boolean {
    // call_site=%pS ptr=%p bytes_req=%zu bytes_alloc=%zu gfp_flags=%s node=%d accounted=%s
    if ((p = this.onePassCallSite(p, end, rec)) < 0) return false;
    if ((p = this.onePassPtr(p, end, rec)) < 0) return false;
    if ((p = this.onePassDecimal(this.lit(p, end, L_BYTES_REQ), end)) < 0) return false;
    rec.bytesReq = this.num;
    if ((p = this.onePassDecimal(this.lit(p, end, L_BYTES_ALLOC), end)) < 0) return false;
    rec.bytesAlloc = this.num;
    if ((p = this.onePassGfp(p, end, rec)) < 0) return false;
    if ((p = this.onePassSigned(this.lit(p, end, L_NODE), end)) < 0) return false;
    rec.node = this.num;
    return p === end || this.lit(p, end, L_ACCOUNTED_FALSE) === end || this.lit(p, end, L_ACCOUNTED_TRUE) === end;
  }

  private onePassCacheFree(p: number, end: number, rec: TraceRecord): boolean {
    // call_site=%pS ptr=%p name=%s
    if ((p = this.onePassCallSite(p, end, rec)) < 0) return false;
    if ((p = this.lit(this.onePassPtr(p, end, rec), end, L_NAME)) < 0) return false;
    const id = this.onePassFind(this.strings, p, end);
    if (id < 0 || this.num !== end) return false;
    rec.cacheName = this.strings.value(id);
    rec.cacheNameId = id;
    return true;
  }

  private onePassPage(kind: number, p: number, end: number, rec: TraceRecord): boolean {
    // page=%p pfn=0x%lx order=%d [migratetype=%d gfp_flags=%s]
    // %p's 16 digits (no space among them, one after), else byte by byte.
    const v = this.view;
    if (p + 16 < end && this.buf[p + 16] === SPACE && !hasZeroByte(v.getInt32(p, true) ^ 0x20202020) && !hasZeroByte(v.getInt32(p + 4, true) ^ 0x20202020) && !hasZeroByte(v.getInt32(p + 8, true) ^ 0x20202020) && !hasZeroByte(v.getInt32(p + 12, true) ^ 0x20202020)) p += 16;
    else while (p < end && this.buf[p] !== SPACE) p++;
    if ((p = this.onePassHex48(this.lit(p, end, L_PFN), end)) < 0) return false;
    rec.pfn = this.num;
    if ((p = this.onePassDecimal(this.lit(p, end, L_ORDER), end)) < 0 || this.num > 31) return false;
    rec.order = this.num;
    if (kind !== EV_MM_PAGE_ALLOC) return p === end;
    if ((p = this.onePassSigned(this.lit(p, end, L_MIGRATETYPE), end)) < 0) return false;
    rec.migratetype = this.num;
    return this.onePassGfp(p, end, rec) === end;
  }

  /** Past the whole words of four spaces from p (the bytes after are the caller's to check). */
  private skipSpaceWords(p: number, end: number): number {
    const view = this.view;
    while (p + 4 <= end && view.getInt32(p, true) === 0x20202020) p += 4;
    return p;
  }

  /** Past the literal `l` (at most 16 bytes) at p, or -1 (also for p < 0). */
  private lit(p: number, end: number, l: Literal): number {
    const v = this.view;
    // Four compares whatever the length up to 16 (overlapping words for shorter literals).
    return p >= 0 && p + l.short <= end && v.getInt32(p, true) === l.w0 && v.getInt32(p + l.o1, true) === l.w1 && v.getInt32(p + l.o2, true) === l.w2 && v.getInt32(p + l.o3, true) === l.w3 ? p + l.n : -1;
  }

  /** lit() for literals of any length (event names and heads). */
  private litLong(p: number, end: number, l: Literal): number {
    const n = l.n;
    if (p < 0 || p + n > end) return -1;
    const words = l.words;
    const view = this.view;
    for (let w = 0; w < words.length; w++) if (view.getInt32(p + 4 * w, true) !== words[w]) return -1;
    return view.getInt32(p + n - 4, true) === l.tail ? p + n : -1;
  }

  /** 1–15 decimal digits up to a space or the end: the value in `num`, the position after; -1 otherwise. */
  private onePassDecimal(p: number, end: number): number {
    if (p < 0) return -1;
    const buf = this.buf;
    const s = p;
    let v = 0;
    for (; p < end; p++) {
      const d = buf[p] - 0x30;
      if (d < 0 || d > 9) {
        if (buf[p] !== SPACE) return -1;
        break;
      }
      v = v * 10 + d;
    }
    if (p === s || p - s > 15) return -1;
    this.num = v;
    return p;
  }

  private onePassSigned(p: number, end: number): number {
    if (p >= 0 && p < end && this.buf[p] === DASH) {
      p = this.onePassDecimal(p + 1, end);
      this.num = -this.num;
      return p;
    }
    return this.onePassDecimal(p, end);
  }

  /** 1–12 hex digits up to a space or the end (the value exact in `num`). */
  private onePassHex48(p: number, end: number): number {
    if (p < 0) return -1;
    const buf = this.buf;
    const s = p;
    let v = 0;
    for (; p < end; p++) {
      const d = HEX[buf[p]];
      if (d < 0) {
        if (buf[p] !== SPACE) return -1;
        break;
      }
      v = v * 16 + d;
    }
    if (p === s || p - s > 12) return -1;
    this.num = v;
    return p;
  }

  /** ` ptr=` and %p's 16 hex digits: the top 4 into ptrHi16, the low 12 into ptrLow48. */
  private onePassPtr(p: number, end: number, rec: TraceRecord): number {
    if ((p = this.lit(p, end, L_PTR)) < 0 || p + 16 > end || (p + 16 < end && this.buf[p + 16] !== SPACE)) return -1;
    // Four digits a word (uppercase digits are left to the by-name reader).
    const view = this.view;
    const hi = hex4(view.getInt32(p, true));
    const a = hex4(view.getInt32(p + 4, true));
    const b = hex4(view.getInt32(p + 8, true));
    const c = hex4(view.getInt32(p + 12, true));
    if ((hi | a | b | c) < 0) return -1;
    rec.ptrHi16 = hi;
    rec.ptrLow48 = a * 0x100000000 + b * 0x10000 + c;
    return p + 16;
  }

  /** A value up to a space or the end, already in interner `t`: its id (end in `num`), or -1. */
  private onePassFind<T>(t: ByteInterner<T>, p: number, end: number): number {
    const buf = this.buf;
    const view = this.view;
    const s = p;
    let h = FNV_OFFSET;
    // Whole words while none of their bytes is a space (x has a zero byte iff w has a space).
    for (; p + 4 <= end; p += 4) {
      const w = view.getInt32(p, true);
      const x = w ^ 0x20202020;
      if (((x - 0x01010101) & ~x & 0x80808080) !== 0) break;
      h = Math.imul(h ^ w, FNV_PRIME);
    }
    for (; p < end; p++) {
      const c = buf[p];
      if (c === SPACE) break;
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    if (p === s) return -1;
    this.num = p;
    return t.find(buf, s, p, fnvFinish(h, p - s), view);
  }

  /** After `call_site=`: a symbol seen before (a ` [module]` after it fails the next field's literal). */
  private onePassCallSite(p: number, end: number, rec: TraceRecord): number {
    const id = this.onePassFind(this.strings, p, end);
    if (id < 0) return -1;
    p = this.num;
    rec.callSite = this.strings.value(id);
    rec.callSiteId = id;
    return p;
  }

  /** ` gfp_flags=` with a text seen before. */
  private onePassGfp(p: number, end: number, rec: TraceRecord): number {
    if ((p = this.lit(p, end, L_GFP_FLAGS)) < 0) return -1;
    const id = this.onePassFind(this.gfps, p, end);
    if (id < 0) return -1;
    rec.gfp = this.gfps.value(id);
    return this.num;
  }

  // ------------------------------------------------------------------ by field name

  private fail(msg: string): never {
    throw new TraceParseError(this.lineNo, this.ev === "" ? msg : `${this.ev}: ${msg}`);
  }

  private parseLost(i: number, end: number, rec: TraceRecord): number {
    const text = latin1(this.buf, i, end);
    const m = /^CPU:(\d+) \[LOST (\d+) EVENTS\]/.exec(text);
    if (m === null) this.fail(`expected "CPU:N [LOST M EVENTS]", got "${text.slice(0, 60)}"`);
    rec.kind = EV_LOST;
    rec.event = "lost";
    rec.cpu = Number(m[1]);
    rec.lost = Number(m[2]);
    return EV_LOST;
  }

  private eventKind(s: number, e: number): number {
    const candidates = EVENTS_BY_LENGTH[e - s];
    if (candidates === undefined) return EV_OTHER;
    for (let c = 0; c < candidates.length; c++) {
      const k = candidates[c];
      if (this.litLong(s, e, EVENT_BYTES[k]) === e) return k;
    }
    return EV_OTHER;
  }

  /** Tokens `name=value`, or `name:` followed by a value token (alloc_vmap_area's va_start). */
  private splitFields(s: number, end: number): void {
    const buf = this.buf;
    let n = 0;
    let i = s;
    while (i < end) {
      while (i < end && buf[i] === SPACE) i++;
      if (i >= end) break;
      const ts = i;
      while (i < end && buf[i] !== SPACE && buf[i] !== EQ) i++;
      if (n === MAX_FIELDS) this.fail(`more than ${MAX_FIELDS} fields`);
      if (i < end && buf[i] === EQ) {
        this.ns[n] = ts;
        this.ne[n] = i;
        const v = ++i;
        while (i < end && buf[i] !== SPACE) i++;
        // %pS of module code: "func+0x10/0x20 [module]" — keep the module with the symbol.
        if (i + 1 < end && buf[i + 1] === LBRACK) {
          let k = i + 2;
          while (k < end && buf[k] !== RBRACK && buf[k] !== SPACE && buf[k] !== EQ) k++;
          if (k < end && buf[k] === RBRACK) i = k + 1;
        }
        this.vs[n] = v;
        this.ve[n] = i;
        n++;
      } else if (i > ts && buf[i - 1] === COLON) {
        this.ns[n] = ts;
        this.ne[n] = i - 1;
        while (i < end && buf[i] === SPACE) i++;
        const v = i;
        while (i < end && buf[i] !== SPACE) i++;
        this.vs[n] = v;
        this.ve[n] = i;
        n++;
      }
      // Other bare words are not fields; skip them.
    }
    this.nf = n;
  }

  private find(name: Uint8Array): number {
    const buf = this.buf;
    const len = name.length;
    for (let f = 0; f < this.nf; f++) {
      const s = this.ns[f];
      if (this.ne[f] - s !== len) continue;
      let x = 0;
      while (x < len && buf[s + x] === name[x]) x++;
      if (x === len) return f;
    }
    return -1;
  }

  private need(name: Uint8Array): number {
    const f = this.find(name);
    if (f < 0) this.fail(`missing field ${latin1(name, 0, name.length)}= (truncated line?)`);
    if (this.ve[f] === this.vs[f]) this.fail(`field ${latin1(name, 0, name.length)}= is empty`);
    this.lastField = f;
    return f;
  }

  private fieldName(f: number): string {
    return latin1(this.buf, this.ns[f], this.ne[f]);
  }

  private decimal(s: number, e: number, field: string): number {
    const buf = this.buf;
    if (e === s) this.fail(`field ${field}: expected a decimal integer, got ""`);
    let v = 0;
    for (let i = s; i < e; i++) {
      const c = buf[i];
      if (c < 0x30 || c > 0x39) this.fail(`field ${field}: expected a decimal integer, got "${latin1(buf, s, e)}"`);
      v = v * 10 + (c - 0x30);
    }
    if (v > Number.MAX_SAFE_INTEGER) this.fail(`field ${field}: ${latin1(buf, s, e)} is too large`);
    return v;
  }

  private signedDecimal(s: number, e: number, field: string): number {
    if (e > s && this.buf[s] === DASH) return -this.decimal(s + 1, e, field);
    return this.decimal(s, e, field);
  }

  /** A decimal unsigned long (up to 2^64 − 1): its low 48 bits, exactly. */
  private decimalLow48(s: number, e: number, field: string): number {
    const buf = this.buf;
    if (e === s || e - s > 20) this.fail(`field ${field}: expected a decimal unsigned long, got "${latin1(buf, s, e)}"`);
    // Two limbs of 24 bits each; carries beyond 48 bits are dropped.
    let lo = 0;
    let hi = 0;
    for (let i = s; i < e; i++) {
      const c = buf[i];
      if (c < 0x30 || c > 0x39) this.fail(`field ${field}: expected a decimal integer, got "${latin1(buf, s, e)}"`);
      lo = lo * 10 + (c - 0x30);
      hi = hi * 10 + Math.floor(lo / 0x1000000);
      lo %= 0x1000000;
      hi %= 0x1000000;
    }
    return hi * 0x1000000 + lo;
  }

  /** `0x…` hex (or bare hex): the low 48 bits. */
  private hex(f: number, field: string): number {
    const buf = this.buf;
    let s = this.vs[f];
    const e = this.ve[f];
    if (e - s > 2 && buf[s] === 0x30 && (buf[s + 1] | 0x20) === 0x78) s += 2;
    if (e === s || e - s > 16) this.fail(`field ${field}: expected a hex number, got "${latin1(buf, this.vs[f], e)}"`);
    const lowStart = Math.max(s, e - 12);
    let v = 0;
    for (let i = s; i < e; i++) {
      const d = hexVal(buf[i]);
      if (d < 0) this.fail(`field ${field}: expected a hex number, got "${latin1(buf, this.vs[f], e)}"`);
      if (i >= lowStart) v = v * 16 + d;
    }
    return v;
  }

  /** `ptr=` / `%p`: 16 hex digits (or "(null)"); tag byte and sign byte in ptrHi16. */
  private pointer(f: number, rec: TraceRecord): void {
    const buf = this.buf;
    const s = this.vs[f];
    const e = this.ve[f];
    if (e - s === 6 && buf[s] === 0x28) {
      // "(null)"
      rec.ptrHi16 = 0;
      rec.ptrLow48 = 0;
      return;
    }
    if (e === s || e - s > 16) this.fail(`field ptr: expected a pointer of up to 16 hex digits, got "${latin1(buf, s, e)}"`);
    const lowStart = Math.max(s, e - 12);
    let hi = 0;
    let lo = 0;
    for (let i = s; i < e; i++) {
      const d = hexVal(buf[i]);
      if (d < 0) this.fail(`field ptr: expected a pointer of up to 16 hex digits, got "${latin1(buf, s, e)}"`);
      if (i < lowStart) hi = hi * 16 + d;
      else lo = lo * 16 + d;
    }
    rec.ptrHi16 = hi;
    rec.ptrLow48 = lo;
  }

  private order(f: number): number {
    const o = this.signedDecimal(this.vs[f], this.ve[f], "order");
    if (o < 0 || o > 31) this.fail(`field order: expected 0..31, got ${o}`);
    return o;
  }

  private callSite(rec: TraceRecord): void {
    const f = this.need(F_CALL_SITE);
    rec.callSite = this.intern(this.vs[f], this.ve[f]);
    rec.callSiteId = this.internedId;
  }

  private gfp(f: number): number {
    const s = this.vs[f];
    const e = this.ve[f];
    const h = byteHash(this.buf, s, e);
    const id = this.gfps.find(this.buf, s, e, h);
    if (id >= 0) return this.gfps.value(id);
    let v: number;
    try {
      v = parseGfp(latin1(this.buf, s, e), this.gfpTable);
    } catch (err) {
      this.fail(`field ${this.fieldName(f)}: ${(err as Error).message.replace(/^parseGfp: /, "")}`);
    }
    this.gfps.add(this.buf, s, e, h, v);
    return v;
  }

  /**
   * The same string object for equal values (call sites, cache names, event names), found by
   * a hash of the bytes so a value seen before costs no new string; its id in `internedId`.
   */
  private intern(s: number, e: number): string {
    const buf = this.buf;
    const h = byteHash(buf, s, e);
    let id = this.strings.find(buf, s, e, h);
    if (id >= 0) {
      this.internedId = id;
      return this.strings.value(id);
    }
    const str = latin1(buf, s, e);
    id = this.strings.add(buf, s, e, h, str);
    this.internedId = id;
    return str;
  }
}

/** Parse one line of text (tests, tools): a fresh record, EV_NONE for headers and blank lines. */
export function parseTraceLine(text: string, lineNo = 1, parser = new TraceLineParser()): TraceRecord {
  const buf = Buffer.from(text, "latin1");
  const rec = new TraceRecord();
  parser.parse(buf, 0, buf.length, lineNo, rec);
  return rec;
}
