/**
 * The instrumented atomics (include/linux/atomic/atomic-instrumented.h) and the READ_ONCE /
 * WRITE_ONCE / smp_load_acquire / smp_store_release accessors, as KASAN sees them: each checks
 * its operand — `int` (4 bytes) for atomic_t, `long` (8) for atomic_long_t — as an atomic
 * read, an atomic write or an atomic read-modify-write (checked like a write). try_cmpxchg
 * additionally reads and may write `*old` (instrument_read_write). The operations act on the
 * stored contents so conditional ones behave as the kernel's would.
 */
import type { Ptr } from "../../arch/pointer.js";
import type { KasanAccess } from "../../kasan/common/access.js";
import type { MemoryContents } from "./memory-contents.js";

export type AtomicWidth = 4 | 8;

/** One operation of kasan_atomics_helper(): how it touches `v` (and `old` for try_cmpxchg). */
export interface AtomicOp {
  /** Name with `atomic_` / `atomic_long_` prefix filled in by `atomicOps()`. */
  name: string;
  /** The C expression of the test, for failure messages. */
  expr: string;
  run(a: AtomicsContext, unsafe: Ptr, safe: Ptr): number;
}

export interface AtomicsContext {
  access: KasanAccess;
  mem: MemoryContents;
  ip: number;
}

function load(a: AtomicsContext, v: Ptr, w: AtomicWidth): number {
  a.access.read(v, w, a.ip);
  return signed(a.mem.load(v, w), w);
}

function store(a: AtomicsContext, v: Ptr, w: AtomicWidth, x: number): void {
  a.access.write(v, w, a.ip);
  a.mem.store(v, w, unsigned(x, w));
}

/** A read-modify-write: one write-checked access, then the update. Returns the old value. */
function rmw(a: AtomicsContext, v: Ptr, w: AtomicWidth, f: (old: number) => number | undefined): number {
  a.access.write(v, w, a.ip);
  const old = signed(a.mem.load(v, w), w);
  const nv = f(old);
  if (nv !== undefined) a.mem.store(v, w, unsigned(nv, w));
  return old;
}

function signed(x: number, w: AtomicWidth): number {
  return w === 4 ? x | 0 : x;
}

function unsigned(x: number, w: AtomicWidth): number {
  return w === 4 ? x >>> 0 : Math.max(0, x);
}

/** The 23 atomic operations of the test for one width, in the test's order. */
export function atomicOps(w: AtomicWidth): AtomicOp[] {
  const p = w === 4 ? "atomic_" : "atomic_long_";
  const op = (n: string, args: string, run: AtomicOp["run"]): AtomicOp => ({ name: p + n, expr: `${p}${n}(${args})`, run });
  const tryCmpxchg = (a: AtomicsContext, v: Ptr, old: Ptr): number => {
    a.access.write(v, w, a.ip);
    a.access.write(old, w, a.ip);
    const cur = signed(a.mem.load(v, w), w);
    const expected = signed(a.mem.load(old, w), w);
    if (cur === expected) {
      a.mem.store(v, w, unsigned(42, w));
      return 1;
    }
    a.mem.store(old, w, unsigned(cur, w));
    return 0;
  };
  return [
    op("read", "unsafe", (a, u) => load(a, u, w)),
    op("set", "unsafe, 42", (a, u) => (store(a, u, w, 42), 0)),
    op("add", "42, unsafe", (a, u) => (rmw(a, u, w, (o) => o + 42), 0)),
    op("sub", "42, unsafe", (a, u) => (rmw(a, u, w, (o) => o - 42), 0)),
    op("inc", "unsafe", (a, u) => (rmw(a, u, w, (o) => o + 1), 0)),
    op("dec", "unsafe", (a, u) => (rmw(a, u, w, (o) => o - 1), 0)),
    op("and", "42, unsafe", (a, u) => (rmw(a, u, w, (o) => o & 42), 0)),
    op("andnot", "42, unsafe", (a, u) => (rmw(a, u, w, (o) => o & ~42), 0)),
    op("or", "42, unsafe", (a, u) => (rmw(a, u, w, (o) => o | 42), 0)),
    op("xor", "42, unsafe", (a, u) => (rmw(a, u, w, (o) => o ^ 42), 0)),
    op("xchg", "unsafe, 42", (a, u) => rmw(a, u, w, () => 42)),
    op("cmpxchg", "unsafe, 21, 42", (a, u) => rmw(a, u, w, (o) => (o === 21 ? 42 : undefined))),
    op("try_cmpxchg", "unsafe, safe, 42", (a, u, s) => tryCmpxchg(a, u, s)),
    op("try_cmpxchg", "safe, unsafe, 42", (a, u, s) => tryCmpxchg(a, s, u)),
    op("sub_and_test", "42, unsafe", (a, u) => (rmw(a, u, w, (o) => o - 42) - 42 === 0 ? 1 : 0)),
    op("dec_and_test", "unsafe", (a, u) => (rmw(a, u, w, (o) => o - 1) - 1 === 0 ? 1 : 0)),
    op("inc_and_test", "unsafe", (a, u) => (rmw(a, u, w, (o) => o + 1) + 1 === 0 ? 1 : 0)),
    op("add_negative", "42, unsafe", (a, u) => (rmw(a, u, w, (o) => o + 42) + 42 < 0 ? 1 : 0)),
    op("add_unless", "unsafe, 21, 42", (a, u) => (rmw(a, u, w, (o) => (o !== 42 ? o + 21 : undefined)) !== 42 ? 1 : 0)),
    op("inc_not_zero", "unsafe", (a, u) => (rmw(a, u, w, (o) => (o !== 0 ? o + 1 : undefined)) !== 0 ? 1 : 0)),
    op("inc_unless_negative", "unsafe", (a, u) => (rmw(a, u, w, (o) => (o >= 0 ? o + 1 : undefined)) >= 0 ? 1 : 0)),
    op("dec_unless_positive", "unsafe", (a, u) => (rmw(a, u, w, (o) => (o <= 0 ? o - 1 : undefined)) <= 0 ? 1 : 0)),
    op("dec_if_positive", "unsafe", (a, u) => rmw(a, u, w, (o) => (o - 1 >= 0 ? o - 1 : undefined)) - 1),
  ];
}

/** READ_ONCE, WRITE_ONCE, smp_load_acquire, smp_store_release of an `int`. */
export function onceOps(): AtomicOp[] {
  return [
    { name: "READ_ONCE", expr: "READ_ONCE(*i_unsafe)", run: (a, u) => load(a, u, 4) },
    { name: "WRITE_ONCE", expr: "WRITE_ONCE(*i_unsafe, 42)", run: (a, u) => (store(a, u, 4, 42), 0) },
    { name: "smp_load_acquire", expr: "smp_load_acquire(i_unsafe)", run: (a, u) => load(a, u, 4) },
    { name: "smp_store_release", expr: "smp_store_release(i_unsafe, 42)", run: (a, u) => (store(a, u, 4, 42), 0) },
  ];
}
