/**
 * Golden-report helpers: run one KUnit case of the KASAN suite on a freshly booted kernel and
 * compare each printed report line by line with an expectation. Expected lines are exact text
 * except for placeholders: `{px}` (a %px address, 16 hex digits), `{tag}` (2 hex digits),
 * `{hex}` (hex digits), `{n}` (decimal). A named placeholder (`{px:obj}`) is captured; the same
 * name used twice must match the same text, so consistency (pointer tag = object tag, one
 * symbol size per function) is checked by the matcher itself.
 */
import { expect } from "vitest";
import { defaultKernelConfig, type KernelConfig } from "../../../config/kconfig.js";
import { bootKernel } from "../../../kernel/kernel.js";
import { parseFilterGlob } from "../filter-glob.js";
import { type KunitRunResult, runKasanKunit } from "../run-suite.js";

export type TagMode = "generic" | "sw_tags" | "hw_tags";
export const SEP = "=".repeat(66);

const PATTERNS: Record<string, string> = { px: "[0-9a-f]{16}", tag: "[0-9a-f]{2}", hex: "[0-9a-f]+", n: "[0-9]+" };
const PLACEHOLDER = /\{(px|tag|hex|n)(?::([A-Za-z0-9_]+))?\}/g;

export interface GoldenRun {
  result: KunitRunResult;
  /** Each printed report: the lines from one separator to the next, both included. */
  reports: string[][];
}

/** Boot `mode` (seed 1) and run the single case `name` through the suite. */
export function runCase(mode: TagMode, name: string, opts: { cmdline?: string; config?: KernelConfig } = {}): GoldenRun {
  const config = opts.config ?? defaultKernelConfig(mode);
  const k = bootKernel({ mode, cmdline: opts.cmdline ?? "", seed: 1, config });
  const result = runKasanKunit(k, { filter: parseFilterGlob(`kasan.${name}`) });
  const reports: string[][] = [];
  let cur: string[] | undefined;
  for (const l of result.lines) {
    if (cur === undefined) {
      if (l === SEP) cur = [l];
    } else {
      cur.push(l);
      if (l === SEP) {
        reports.push(cur);
        cur = undefined;
      }
    }
  }
  expect(result.cases.map((c) => [c.name, c.status])).toEqual([[name, "success"]]);
  return { result, reports };
}

/** Compile one expected line into a regex and the capture names of its groups. */
function compile(line: string): { re: RegExp; names: (string | undefined)[] } {
  const names: (string | undefined)[] = [];
  let src = "";
  let last = 0;
  for (const m of line.matchAll(PLACEHOLDER)) {
    src += escape(line.slice(last, m.index)) + `(${PATTERNS[m[1]]})`;
    names.push(m[2]);
    last = m.index + m[0].length;
  }
  src += escape(line.slice(last));
  return { re: new RegExp(`^${src}$`), names };
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Match `actual` against `expected` line by line (same number of lines); returns the captures.
 * `caps` carries captures across reports (e.g. a symbol size seen in an earlier report).
 */
export function matchLines(actual: readonly string[], expected: readonly string[], caps: Record<string, string> = {}): Record<string, string> {
  const n = Math.min(actual.length, expected.length);
  for (let i = 0; i < n; i++) {
    const { re, names } = compile(expected[i]);
    const m = re.exec(actual[i]);
    expect(m, `line ${i + 1}: expected ${JSON.stringify(expected[i])}\n   got ${JSON.stringify(actual[i])}`).not.toBeNull();
    if (m === null) break;
    names.forEach((name, j) => {
      if (name === undefined) return;
      const v = m[j + 1];
      if (caps[name] !== undefined) expect(v, `line ${i + 1}: {${name}} differs from its earlier value`).toBe(caps[name]);
      caps[name] = v;
    });
  }
  expect(actual.length, `report has ${actual.length} lines, expected ${expected.length}:\n${actual.join("\n")}`).toBe(expected.length);
  return caps;
}

/** A captured %px value as a number (offsets below 2^53 are exact). */
export function px(caps: Record<string, string>, name: string): bigint {
  const v = caps[name];
  if (v === undefined) throw new Error(`no capture ${name}`);
  return BigInt(`0x${v}`);
}

/**
 * The memory-state rows: five rows `16·G` bytes apart, the guilty (third) row is
 * round_down(firstBad, 16·G) (print_memory_metadata()).
 */
export function expectRows(caps: Record<string, string>, granule: number, firstBad: bigint): void {
  const step = BigInt(16 * granule);
  const r = [0, 1, 2, 3, 4].map((i) => px(caps, `row${i}`));
  for (let i = 1; i < 5; i++) expect(r[i] - r[i - 1]).toBe(step);
  expect(r[2]).toBe(firstBad - (firstBad % step));
}

/** The caret line: `^` at column 3 + 16 + 3·granule_index + 1 (meta_pointer_offset()). */
export function caret(granuleIndex: number): string {
  return " ".repeat(3 + 16 + 3 * granuleIndex) + "^";
}

/** Five memory-state rows (values as text, may hold {tag:..} placeholders); `g` is the guilty row's caret granule. */
export function memoryState(rows: readonly [string, string, string, string, string], g: number): string[] {
  return [
    "Memory state around the buggy address:",
    ` {px:row0}: ${rows[0]}`,
    ` {px:row1}: ${rows[1]}`,
    `>{px:row2}: ${rows[2]}`,
    caret(g),
    ` {px:row3}: ${rows[3]}`,
    ` {px:row4}: ${rows[4]}`,
  ];
}

/** `n` copies of a shadow/tag value, space separated. */
export function rep(v: string, n: number): string {
  return Array.from({ length: n }, () => v).join(" ");
}

/** ` name+0x…/0x…` (%pS); module code ends with ` [kasan_test]`; one size per symbol. */
export function frame(name: string, module = false): string {
  return ` ${name}+0x{hex}/0x{hex:size_${name}}${module ? " [kasan_test]" : ""}`;
}

/** The kunit_try_catch kthread's frames under the case function. */
export const KTHREAD = ["kunit_try_run_case", "kunit_generic_run_threadfn_adapter", "kthread", "ret_from_fork"].map((f) => frame(f));

/**
 * print_tainted() for 6.12's 19 flags: 'G', then F S R M, B (TAINT_BAD_PAGE, set by every
 * earlier report), U … T, N (TAINT_TEST, set by kunit_run_tests()).
 */
export const TAINT_N = "Tainted: G                 N";
export const TAINT_BN = "Tainted: G    B            N";

/** dump_stack_lvl(): task line, hardware name, and the dump's own three frames. */
export function dumpHead(taint: string, pid = 37): string[] {
  return [`CPU: 0 UID: 0 PID: ${pid} Comm: kunit_try_catch ${taint} 6.12.0 #1`, "Hardware name: linux,dummy-virt (DT)", "Call trace:", frame("dump_backtrace"), frame("show_stack"), frame("dump_stack_lvl")];
}

/** A saved stack (print_track): title, KASAN's saving frames, the allocator, the case, the kthread; blank. */
export function track(title: string, frames: readonly string[], caseFn: string): string[] {
  return [title, ...frames.map((f) => frame(f)), frame(caseFn, true), ...KTHREAD, ""];
}

/** dump_page() of a slab page: refcount 1, page_type f5 (PGTY_slab) in _mapcount's word. */
export function slabPage(tagMode: boolean): string[] {
  return [
    "The buggy address belongs to the physical page:",
    "page: refcount:1 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x{hex}",
    tagMode ? "flags: 0x{hex}(node=0|zone=0|kasantag=0x{hex})" : "flags: 0x{hex}(node=0|zone=0)",
    "page_type: f5(slab)",
    "raw: {px} {px} {px} {px}",
    "raw: {px} {px} 00000001f5000000 {px}",
    "page dumped because: kasan: bad access detected",
    "",
  ];
}

/**
 * dump_page() of the head page of a page-backed kmalloc (order ≥ 1, allocated): PG_head (bit 6)
 * in flags, _refcount 1 with _mapcount −1 in word 6, then the folio's second struct page as
 * prep_compound_page() leaves it in 6.12 — _flags_1 = order, _head_1 = &head | 1 (captured as
 * `head1`), _large_mapcount and _entire_mapcount −1, _nr_pages_mapped and _pincount 0,
 * _folio_nr_pages = 2^order, the tail's _mapcount −1. List and mapping words are patterns.
 */
export function compoundPage(order: number): string[] {
  return [
    "The buggy address belongs to the physical page:",
    "page: refcount:1 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x{hex:pfn}",
    `head: order:${order} mapcount:0 entire_mapcount:0 nr_pages_mapped:0 pincount:0`,
    "flags: 0x40(head|node=0|zone=0)",
    "raw: 0000000000000040 {px} {px} {px}",
    "raw: {px} {px} 00000001ffffffff {px}",
    "head: 0000000000000040 {px} {px} {px}",
    "head: {px} {px} 00000001ffffffff {px}",
    `head: ${order.toString(16).padStart(16, "0")} {px:head1} ffffffffffffffff 0000000000000000`,
    `head: ${(2 ** order).toString(16).padStart(16, "0")} 0000000000000000 00000000ffffffff 0000000000000000`,
    "page dumped because: kasan: bad access detected",
    "",
  ];
}

/** dump_page() of an order-0, untyped, allocated page (a vmalloc or stack page): refcount 1, _mapcount −1. */
export function plainPage(): string[] {
  return [
    "The buggy address belongs to the physical page:",
    "page: refcount:1 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x{hex}",
    "flags: 0x0(node=0|zone=0)",
    "raw: 0000000000000000 {px} {px} {px}",
    "raw: {px} {px} 00000001ffffffff {px}",
    "page dumped because: kasan: bad access detected",
    "",
  ];
}

/**
 * The struct page address of `pfn` (arm64 vmemmap): VMEMMAP_START 0xfffffdffc0000000 minus
 * (memstart_addr >> PAGE_SHIFT) · 64 for QEMU virt's RAM at 1 GiB (pfn 0x40000), plus pfn · 64.
 */
export function structPage(pfn: bigint): bigint {
  return 0xfffffdffc0000000n - 0x40000n * 64n + pfn * 64n;
}
