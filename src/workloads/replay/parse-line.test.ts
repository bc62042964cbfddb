import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { GFP_KERNEL, __GFP_COMP, __GFP_NORETRY, __GFP_NOWARN, __GFP_ZERO } from "../../mm/gfp.js";
import { LineSplitter, LineTooLongError } from "./line-splitter.js";
import { parseTraceLine, TraceLineParser, TraceParseError } from "./parse-line.js";
import { readFileSync } from "node:fs";
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
  TraceRecord,
} from "./trace-record.js";

// Lines copied verbatim from ../shared/reference/traces/trace-boot.txt and trace-thread.txt.
const KMALLOC = "          <idle>-0       [000] d....     0.000000: kmalloc: call_site=tracepoint_add_func+0x10c/0x3e4 ptr=f4ff000006e16f00 bytes_req=64 bytes_alloc=64 gfp_flags=GFP_KERNEL node=-1 accounted=false";
const KMEM_CACHE_ALLOC = "              wl-45      [001] .....     4.946591: kmem_cache_alloc: call_site=copy_process+0x14c/0x12fc ptr=fdff00000e4c3400 bytes_req=3328 bytes_alloc=3328 gfp_flags=GFP_KERNEL node=-1 accounted=false";
const KFREE_NULL = "          <idle>-0       [000] .....     0.033978: kfree: call_site=kfree_const+0x30/0x38 ptr=0000000000000000";
const KMEM_CACHE_FREE = "            init-1       [000] .Ns..     0.182594: kmem_cache_free: call_site=mt_free_rcu+0x18/0x20 ptr=f1ff000006e79000 name=maple_node";
const PAGE_ALLOC = "          <idle>-0       [000] d....     0.000000: mm_page_alloc: page=fffffdffc01b9b00 pfn=0x46e6c order=2 migratetype=0 gfp_flags=__GFP_NOWARN|__GFP_NORETRY|__GFP_NOMEMALLOC";
const PAGE_FREE = "    kworker/u9:0-25      [000] .....     3.470803: mm_page_free: page=fffffdffc0392100 pfn=0x4e484 order=2";
const PAGE_FREE_BATCHED = "         busybox-38      [001] .....     4.407097: mm_page_free_batched: page=fffffdffc038cc00 pfn=0x4e330 order=0";
const VMAP = "          <idle>-0       [000] d....     0.000000: alloc_vmap_area: va_start: 18446603338375266304 size=20480 align=32768 vstart=0xffff800080000000 vend=0xfffffdffbf800000 failed=0";
const VFREE = "     kworker/0:0-8       [000] .....     5.028774: free_vmap_area_noflush: va_start=0xffff8000808c8000 nr_lazy=97 nr_lazy_max=16384";
const MARK = "            init-1       [001] .....     4.850276: tracing_mark_write: ORACLE_MARK BOOT_END";

function parseError(line: string): TraceParseError {
  try {
    parseTraceLine(line, 7);
  } catch (e) {
    if (e instanceof TraceParseError) return e;
    throw e;
  }
  throw new Error("expected a TraceParseError");
}

describe("ftrace text lines of the kmem and vmalloc tracepoints", () => {
  it("kmalloc: call site, pointer halves, sizes, gfp, node, task pid and CPU", () => {
    const r = parseTraceLine(KMALLOC);
    expect(r.kind).toBe(EV_KMALLOC);
    expect(r.callSite).toBe("tracepoint_add_func+0x10c/0x3e4");
    // ptr=f4ff000006e16f00: high 16 bits 0xf4ff (tag 0xf4), low 48 bits 0x000006e16f00.
    expect(r.ptrHi16).toBe(0xf4ff);
    expect(r.ptrLow48).toBe(0x06e16f00);
    expect([r.bytesReq, r.bytesAlloc, r.node, r.pid, r.cpu]).toEqual([64, 64, -1, 0, 0]);
    expect(r.gfp).toBe(GFP_KERNEL);
  });

  it("kmem_cache_alloc, kfree(NULL), kmem_cache_free with name=", () => {
    const a = parseTraceLine(KMEM_CACHE_ALLOC);
    expect([a.kind, a.pid, a.cpu, a.bytesReq, a.bytesAlloc]).toEqual([EV_KMEM_CACHE_ALLOC, 45, 1, 3328, 3328]);
    const f = parseTraceLine(KFREE_NULL);
    expect([f.kind, f.ptrHi16, f.ptrLow48]).toEqual([EV_KFREE, 0, 0]);
    const c = parseTraceLine(KMEM_CACHE_FREE);
    expect([c.kind, c.cacheName, c.ptrLow48]).toEqual([EV_KMEM_CACHE_FREE, "maple_node", 0x06e79000]);
  });

  it("mm_page_alloc with a composite-free gfp, mm_page_free and the batched variant", () => {
    const a = parseTraceLine(PAGE_ALLOC);
    expect([a.kind, a.pfn, a.order, a.migratetype]).toEqual([EV_MM_PAGE_ALLOC, 0x46e6c, 2, 0]);
    // __GFP_NOMEMALLOC is bit 19 (1 << 19).
    expect(a.gfp).toBe(__GFP_NOWARN | __GFP_NORETRY | (1 << 19));
    const f = parseTraceLine(PAGE_FREE);
    expect([f.kind, f.pfn, f.order, f.pid]).toEqual([EV_MM_PAGE_FREE, 0x4e484, 2, 25]);
    expect(parseTraceLine(PAGE_FREE_BATCHED).kind).toBe(EV_MM_PAGE_FREE_BATCHED);
  });

  it("composite gfp names parse through parseGfp", () => {
    const r = parseTraceLine(PAGE_ALLOC.replace(/gfp_flags=.*/, "gfp_flags=GFP_KERNEL|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP|__GFP_ZERO"));
    expect(r.gfp).toBe(GFP_KERNEL | __GFP_NOWARN | __GFP_NORETRY | __GFP_COMP | __GFP_ZERO);
  });

  it("alloc_vmap_area's decimal va_start keeps its exact low 48 bits", () => {
    const r = parseTraceLine(VMAP);
    // 18446603338375266304 = 0xffff800080648000 → low 48 bits 0x800080648000.
    expect(r.kind).toBe(EV_ALLOC_VMAP_AREA);
    expect(r.vaStart).toBe(0x800080648000);
    expect([r.size, r.align, r.failed]).toEqual([20480, 32768, 0]);
  });

  it("free_vmap_area_noflush, purge_vmap_area_lazy and markers", () => {
    const f = parseTraceLine(VFREE);
    expect([f.kind, f.vaStart, f.count]).toEqual([EV_FREE_VMAP_AREA_NOFLUSH, 0x8000808c8000, 97]);
    const p = parseTraceLine("     kworker/0:0-8       [000] .....     5.1: purge_vmap_area_lazy: start=0xffff800080648000 end=0xffff8000808c8000 num_purged=3");
    expect([p.kind, p.start, p.end, p.count]).toEqual([EV_PURGE_VMAP_AREA_LAZY, 0x800080648000, 0x8000808c8000, 3]);
    const m = parseTraceLine(MARK);
    expect([m.kind, m.marker]).toEqual([EV_TRACING_MARK_WRITE, "ORACLE_MARK BOOT_END"]);
  });

  it("headers, blank lines and lost-event notes", () => {
    expect(parseTraceLine("# tracer: nop").kind).toBe(EV_NONE);
    expect(parseTraceLine("   ").kind).toBe(EV_NONE);
    const l = parseTraceLine("CPU:1 [LOST 42 EVENTS]");
    expect([l.kind, l.cpu, l.lost]).toEqual([EV_LOST, 1, 42]);
  });

  it("a comm with spaces and dashes, no irq-info column, a module call site", () => {
    const r = parseTraceLine("  (udev-worker)-123  [001]   12.5: kfree: call_site=ext4_foo+0x10/0x20 [ext4] ptr=ffff000006e16f00");
    expect([r.kind, r.pid, r.cpu, r.callSite, r.ptrHi16]).toEqual([EV_KFREE, 123, 1, "ext4_foo+0x10/0x20 [ext4]", 0xffff]);
  });

  it("an unknown event is counted as other, by name", () => {
    const r = parseTraceLine("            init-1       [001] .....     4.85: sched_switch: prev_comm=init prev_pid=1");
    expect([r.kind, r.event]).toEqual([EV_OTHER, "sched_switch"]);
  });

  it("event names are whole words: a known name followed by more characters is another event", () => {
    // The reader first tries the known names sharing the first four bytes, accepting one only
    // when ':' follows it; these extend kmalloc, kfree, mm_page_free and kmem_cache_free.
    const head = "            init-1       [001] .....     4.85: ";
    for (const name of ["kmalloc_node", "kfree_skb", "mm_page_free_batched_x", "kmem_cache_free2", "kmal"]) {
      const r = parseTraceLine(`${head}${name}: a=1`);
      expect([r.kind, r.event], name).toEqual([EV_OTHER, name]);
    }
    // A known name followed by a space before the ':' is no event name at all.
    expect(parseError(`${head}kmalloc : call_site=x`).message).toBe('line 7: expected "EVENT:" after the timestamp (truncated line?)');
    // A known name ending the line, without its ':'.
    expect(parseError(`${head}kmalloc`).message).toBe('line 7: expected "EVENT:" after the timestamp (truncated line?)');
  });

  it("CRLF line endings are accepted", () => {
    const r = parseTraceLine(KMALLOC + "\r");
    expect([r.kind, r.bytesReq]).toEqual([EV_KMALLOC, 64]);
  });

  it("malformed lines give an error naming the line, event and field", () => {
    // Truncated in the middle of the fields: bytes_alloc and gfp_flags are missing.
    expect(parseError(KMALLOC.slice(0, KMALLOC.indexOf(" bytes_alloc"))).message).toBe("line 7: kmalloc: missing field bytes_alloc= (truncated line?)");
    // Truncated before the event name.
    expect(parseError("          <idle>-0       [000] d....     0.0000").message).toMatch(/^line 7: expected "TIMESTAMP:"/);
    expect(parseError(KMALLOC.replace("GFP_KERNEL", "GFP_KERNEL|__GFP_BOGUS")).message).toBe(
      'line 7: kmalloc: field gfp_flags: unknown gfp flag name "__GFP_BOGUS" in "GFP_KERNEL|__GFP_BOGUS" (expected a GFP_*/__GFP_* name or 0x hex)',
    );
    expect(parseError(KMALLOC.replace("bytes_req=64", "bytes_req=6x4")).message).toBe('line 7: kmalloc: field bytes_req: expected a decimal integer, got "6x4"');
    expect(parseError(KMALLOC.replace("ptr=f4ff000006e16f00", "ptr=zz")).message).toBe('line 7: kmalloc: field ptr: expected a pointer of up to 16 hex digits, got "zz"');
    expect(parseError(PAGE_FREE.replace(" pfn=0x4e484", "")).message).toBe("line 7: mm_page_free: missing field pfn= (truncated line?)");
    expect(parseError("garbage without columns").message).toMatch(/^line 7: expected "TASK-PID \[CPU\]/);
  });
});

describe("LineSplitter", () => {
  function lines(chunks: Uint8Array[], max?: number): string[] {
    const out: string[] = [];
    const s = new LineSplitter((b, st, e) => out.push(Buffer.from(b.subarray(st, e)).toString("latin1")), { maxLineBytes: max });
    for (const c of chunks) s.push(c);
    s.end();
    return out;
  }

  it("gives the same lines however the stream is chunked (LF, CRLF left to the parser, no final newline)", () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z \r]{0,20}$/), { maxLength: 12 }), fc.array(fc.nat(200), { maxLength: 6 }), (ls, cuts) => {
        const text = ls.join("\n");
        const buf = Buffer.from(text, "latin1");
        const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
        const chunks: Uint8Array[] = [];
        let prev = 0;
        for (const p of points) {
          chunks.push(buf.subarray(prev, p));
          prev = p;
        }
        chunks.push(buf.subarray(prev));
        // "a\nb" is two lines; "" is no line; a trailing "\n" ends a line but starts none.
        const expected = text.split("\n");
        if (expected[expected.length - 1] === "") expected.pop();
        expect(lines(chunks)).toEqual(expected);
      }),
    );
  });

  it("refuses a 10 MB line with its line number, without buffering it", () => {
    const big = Buffer.alloc(10 * 2 ** 20, 0x61);
    const chunks = [Buffer.from("ok\n"), ...Array.from({ length: 10 }, (_, i) => big.subarray(i * 2 ** 20, (i + 1) * 2 ** 20)), Buffer.from("\nafter\n")];
    let err: unknown;
    try {
      lines(chunks);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LineTooLongError);
    expect((err as Error).message).toBe("line 2: longer than 1048576 bytes (not an ftrace event line; is this a trace file?)");
    // Tolerated: the line is skipped and reported, the next one still arrives as line 3.
    const seen: number[] = [];
    const out: number[] = [];
    const s = new LineSplitter((_b, _s, _e, n) => out.push(n), { onTooLong: (n) => seen.push(n) });
    for (const c of chunks) s.push(c);
    s.end();
    expect(seen).toEqual([2]);
    expect(out).toEqual([1, 3]);
  });
});

const TRACES = new URL("../../../../shared/reference/traces/", import.meta.url);

/** A record's fields, or the error message: what a reader made of one line. */
function readWith(p: TraceLineParser, line: string): Record<string, unknown> | string {
  const buf = Buffer.from(line, "latin1");
  const rec = new TraceRecord();
  try {
    p.parse(buf, 0, buf.length, 7, rec);
  } catch (e) {
    if (e instanceof TraceParseError) return e.message;
    throw e;
  }
  // Ids are each parser's own numbering; the strings they stand for are compared.
  const { callSiteId: _id, cacheNameId: _c, eventId: _e, ...fields } = rec;
  return fields;
}

describe("the one-pass reader of the 6.12 slab/page layouts agrees with the by-name reader", () => {
  it("on every line of the shipped traces, and takes nearly all of them", () => {
    const onePass = new TraceLineParser();
    const byName = new TraceLineParser(undefined, { onePass: false });
    let lines = 0;
    for (const f of ["trace-boot.txt", "trace-thread.txt"]) {
      for (const line of readFileSync(new URL(f, TRACES), "latin1").split("\n")) {
        const a = readWith(onePass, line);
        const b = readWith(byName, line);
        // Cheap comparison first: expect() on 115k lines would dominate the test's time.
        if (JSON.stringify(a) !== JSON.stringify(b)) expect(a).toEqual(b);
        lines++;
      }
    }
    expect(byName.fastLines).toBe(0);
    // Only first sightings of a call site, cache name or gfp text, the vmalloc events and
    // markers go by name: far under 5 % of the 115,780 lines.
    expect(onePass.fastLines + onePass.namedLines).toBeGreaterThan(115_000);
    expect(onePass.namedLines).toBeLessThan(lines * 0.05);
  });

  it("on damaged copies of real lines: the same record or the same error", () => {
    const real = [KMALLOC, KMEM_CACHE_ALLOC, KFREE_NULL, KMEM_CACHE_FREE, PAGE_ALLOC, PAGE_FREE, PAGE_FREE_BATCHED];
    const onePass = new TraceLineParser();
    const byName = new TraceLineParser(undefined, { onePass: false });
    // Seen once intact, so the one-pass reader knows their call sites and gfp texts.
    for (const l of real) readWith(onePass, l);
    // Damage lands anywhere, or right after a '=' or a space (where the readers decide most).
    const snippets = ["9", "99", "0", "-", "0x", " [m]", " [", "]", "  ", "=", ":", " x=1", "|__GFP_ZERO", "|__GFP_BOGUS", "(null)", "\r", "fffffffffffffffff"];
    const damage = fc.record({
      line: fc.constantFrom(...real),
      at: fc.nat(),
      atBoundary: fc.boolean(),
      cut: fc.oneof(fc.constant(0), fc.nat(3)),
      insert: fc.oneof(fc.constantFrom(...snippets), fc.stringMatching(/^[ =[\]:x0-9a-fA-Z_|-]{0,3}$/)),
    });
    fc.assert(
      fc.property(damage, ({ line, at, atBoundary, cut, insert }) => {
        const fields = line.indexOf(": ", line.indexOf(": ") + 2) + 2;
        const bounds = [...line].flatMap((c, i) => (i >= fields && (c === "=" || c === " ") ? [i + 1] : []));
        const p = atBoundary ? bounds[at % bounds.length] : at % (line.length + 1);
        const damaged = line.slice(0, p) + insert + line.slice(p + cut);
        expect(readWith(onePass, damaged)).toEqual(readWith(byName, damaged));
      }),
      { numRuns: 5000 },
    );
  });

  it("lines just outside the one-pass layout go by name: same record or same error", () => {
    const onePass = new TraceLineParser();
    const byName = new TraceLineParser(undefined, { onePass: false });
    for (const l of [KMALLOC, KFREE_NULL, KMEM_CACHE_FREE, PAGE_ALLOC, PAGE_FREE]) readWith(onePass, l);
    const variants = [
      PAGE_FREE.replace("order=2", "order=32"), // out of range: an error
      PAGE_FREE.replace("order=2", "order=31"),
      PAGE_FREE.replace("pfn=0x4e484", "pfn=0x1000000000000"), // 13 hex digits: low 48 bits kept
      PAGE_FREE.replace("pfn=0x4e484", "pfn=4e484"), // no 0x: still hex
      PAGE_FREE + " extra=1",
      PAGE_ALLOC.replace("migratetype=0 ", ""), // migratetype is optional
      KMALLOC.replace("tracepoint_add_func+0x10c/0x3e4", "tracepoint_add_func+0x10c/0x3e4 [mod]"), // module call site
      KMALLOC.replace("ptr=f4ff000006e16f00", "ptr=6e16f00"), // short pointer
      KMALLOC.replace("ptr=f4ff000006e16f00", "ptr=(null)"),
      KMALLOC.replace("bytes_req=64", "bytes_req=1234567890123456"), // 16 digits
      KMALLOC.replace("bytes_req=64", "bytes_req=99999999999999999999"), // above 2^53: an error
      KMALLOC.replace(" accounted=false", " accounted=maybe"),
      KMALLOC.replace(" accounted=false", " [x]"), // taken into node's value: an error
      KMEM_CACHE_FREE + " [x]", // taken into the name
      KFREE_NULL + " [x]", // taken into the pointer: an error
      PAGE_ALLOC + " [x]", // taken into the gfp text: an error
      PAGE_FREE + " [x]",
      KMALLOC.replace(" accounted=false", ""),
      KMALLOC.replace(" node=-1", ""),
      KMALLOC.replace("bytes_req=64 bytes_alloc=64", "bytes_alloc=64 bytes_req=64"), // another field order
      KMALLOC.replace("ptr=", "ptr= "),
      KMEM_CACHE_FREE.replace(" name=maple_node", " name="),
      KMEM_CACHE_FREE.replace(" name=maple_node", ""),
    ];
    for (const v of variants) expect(readWith(onePass, v), v).toEqual(readWith(byName, v));
    expect(readWith(onePass, variants[0])).toBe("line 7: mm_page_free: field order: expected 0..31, got 32");
    expect(readWith(onePass, variants[2])).toMatchObject({ pfn: 0 });
    expect(readWith(onePass, variants[6])).toMatchObject({ callSite: "tracepoint_add_func+0x10c/0x3e4 [mod]" });
  });

  it("reads a line the same at any byte offset inside a larger buffer (literals compared four bytes at a time)", () => {
    const p = new TraceLineParser();
    const expected = readWith(p, KMALLOC); // by name: interns the call site and gfp text
    const line = Buffer.from(KMALLOC, "latin1");
    for (let pad = 0; pad < 8; pad++) {
      // The line sits at offset pad of a view that itself starts 3 bytes into its ArrayBuffer.
      const backing = new Uint8Array(3 + pad + line.length + 5);
      backing.set(line, 3 + pad);
      const buf = backing.subarray(3);
      const rec = new TraceRecord();
      p.parse(buf, pad, pad + line.length, 7, rec);
      const { callSiteId: _id, cacheNameId: _c, eventId: _e, ...fields } = rec;
      expect(fields).toEqual(expected);
    }
    // Each of those went through the one-pass reader (same layout, known call site and gfp).
    expect(p.fastLines).toBe(8);
  });

  it("a pointer with any byte value at any of its 16 digits: the same record or the same error (digits read four at a time)", () => {
    const onePass = new TraceLineParser();
    const byName = new TraceLineParser(undefined, { onePass: false });
    readWith(onePass, KMALLOC);
    const at = KMALLOC.indexOf("ptr=") + 4;
    let fast = 0;
    for (let d = 0; d < 16; d++) {
      for (let c = 0; c < 256; c++) {
        if (c === 0x0a) continue;
        const line = KMALLOC.slice(0, at + d) + String.fromCharCode(c) + KMALLOC.slice(at + d + 1);
        const before = onePass.fastLines;
        const a = readWith(onePass, line);
        if (onePass.fastLines > before) fast++;
        if (JSON.stringify(a) !== JSON.stringify(readWith(byName, line))) expect(a).toEqual(readWith(byName, line));
      }
    }
    // Lowercase hex digits (16 of 256 values per position) take the one-pass reader; 16 × 16.
    expect(fast).toBe(256);
  });

  it("equal call sites get equal ids, from either reader", () => {
    const p = new TraceLineParser();
    const a = parseTraceLine(KMALLOC, 1, p);
    const b = parseTraceLine(KMALLOC.replace("ptr=f4ff000006e16f00", "ptr=f4ff000006e17000"), 2, p);
    const c = parseTraceLine(KMEM_CACHE_ALLOC, 3, p);
    // The first sighting went by name and interned the site; the second took the one-pass reader.
    expect([p.namedLines, p.fastLines]).toEqual([2, 1]);
    expect(a.callSiteId).toBeGreaterThanOrEqual(0);
    expect(b.callSiteId).toBe(a.callSiteId);
    expect(c.callSiteId).not.toBe(a.callSiteId);
  });
});

describe("the fixed-column header reader (6.12's `%16s-%-7d [%03d] FFFFF %5lu.%06lu: `) agrees with the column-by-column one", () => {
  it("on every line of the shipped traces, and takes all their event lines", () => {
    const fixed = new TraceLineParser();
    const columns = new TraceLineParser(undefined, { fixedHeader: false });
    let events = 0;
    for (const f of ["trace-boot.txt", "trace-thread.txt"]) {
      for (const line of readFileSync(new URL(f, TRACES), "latin1").split("\n")) {
        const a = readWith(fixed, line);
        const b = readWith(columns, line);
        if (JSON.stringify(a) !== JSON.stringify(b)) expect(a).toEqual(b);
        if (typeof a !== "string" && a.kind !== EV_NONE) events++;
      }
    }
    expect(columns.fixedHeaders).toBe(0);
    // Every event line of both traces is in the usual layout (comms of at most 16 bytes).
    expect(fixed.fixedHeaders).toBe(events);
  });

  it("on headers damaged anywhere before the event name: the same record or the same error", () => {
    const real = [KMALLOC, KMEM_CACHE_ALLOC, KFREE_NULL, PAGE_FREE, PAGE_FREE_BATCHED];
    const fixed = new TraceLineParser();
    const columns = new TraceLineParser(undefined, { fixedHeader: false });
    // What the fixed reader must not misread: a '[' in the comm, '#' / "CPU:" first, a tab,
    // another width of pid, cpu, flags or timestamp, a ':' ending the flags.
    const snippets = [" [1]", "[", "]", " [", "-", "-7", "#", "C", "CPU:", "\t", " ", "  ", "h", "H", ":", ".", "9", "12345678", "x", "\r"];
    const damage = fc.record({
      line: fc.constantFrom(...real),
      at: fc.nat(),
      cut: fc.oneof(fc.constant(0), fc.nat(3)),
      // Overwrite as many bytes as inserted (the columns stay where they were), or not.
      overwrite: fc.boolean(),
      insert: fc.oneof(fc.constantFrom(...snippets), fc.stringMatching(/^[ #C[\]:.hH0-9a-z\t-]{0,3}$/)),
    });
    fc.assert(
      fc.property(damage, ({ line, at, cut, overwrite, insert }) => {
        // Up to and including the event name's ':'.
        const header = line.indexOf(": ", line.indexOf(": ") + 2) + 1;
        const p = at % (header + 1);
        const damaged = line.slice(0, p) + insert + line.slice(p + (overwrite ? insert.length : cut));
        expect(readWith(fixed, damaged)).toEqual(readWith(columns, damaged));
      }),
      { numRuns: 5000 },
    );
    // Some damaged lines still had the fixed layout (a digit into the comm, say) and were read by it.
    expect(fixed.fixedHeaders).toBeGreaterThan(0);
  });

  it("reads a hardirq flag and a long comm the same way", () => {
    const fixed = new TraceLineParser();
    const columns = new TraceLineParser(undefined, { fixedHeader: false });
    const lines = [
      KFREE_NULL.replace("] .....", "] d.h.."), // hardirq: 'h' third
      KFREE_NULL.replace(/^ +\S+-/, "a-comm-longer-than-16-"), // the comm overflows its column
      KFREE_NULL.replace(/^ +\S+-/, "   a-1 [7] x-"), // " [7]" inside the comm is taken for the cpu column
      // Comms of exactly 16 bytes, so every column is where the fixed reader looks:
      KFREE_NULL.replace("          <idle>", "  a-1 [7] xyzwvu"), // again a cpu column inside the comm: an error
      KFREE_NULL.replace("          <idle>", "          CPU:12"), // "CPU:" first: a lost-events line, malformed
      KFREE_NULL.replace("          <idle>", "         #comm12"), // '#' first: a comment
    ];
    for (const l of lines) expect(readWith(fixed, l), l).toEqual(readWith(columns, l));
    // Only the first is in the fixed layout.
    expect(fixed.fixedHeaders).toBe(1);
    expect(readWith(fixed, lines[0])).toMatchObject({ hardirq: true });
    // …so "x-0" reads as the flags and "[000]" as the timestamp: an error, from both readers.
    expect(readWith(fixed, lines[2])).toBe('line 7: expected "TIMESTAMP:" after the [CPU] column (truncated line?)');
    // "xyzwvu-0" is read as the flags, "[000]" as the timestamp.
    expect(readWith(fixed, lines[3])).toBe('line 7: expected "TIMESTAMP:" after the [CPU] column (truncated line?)');
    expect(readWith(fixed, lines[4])).toMatch(/^line 7: expected "CPU:N \[LOST M EVENTS\]"/);
    expect(readWith(fixed, lines[5])).toMatchObject({ kind: EV_NONE });
  });
});
