/**
 * Golden reports, Generic KASAN (granule 8, shadow bytes in the memory state): KUnit cases run
 * through the suite, each report compared line by line with an expectation derived from
 * mm/kasan/report.c, report_generic.c and the case's parameters (kasan-facts §7, §9.2).
 * Taint: kunit_run_tests() sets TAINT_TEST (N) before the first case; every report adds
 * TAINT_BAD_PAGE (B) for the next one.
 */
import { describe, expect, it } from "vitest";
import { defaultKernelConfig } from "../../../config/kconfig.js";
import { dumpHead, expectRows, frame, KTHREAD, matchLines, memoryState, px, rep, runCase, SEP, slabPage, TAINT_BN, TAINT_N, track } from "./golden-match.js";

const G = 8;
const CLANG_STACK = { config: { ...defaultKernelConfig("generic", "clang"), kasanStack: true } };
/** Generic compiler-inserted check → kasan_report (outline report stubs). */
const accessPath = (stub: string) => [frame("print_report"), frame("kasan_report"), frame(stub)];
const KMALLOC_ALLOC = ["kasan_save_stack", "kasan_save_track", "__kasan_kmalloc", "__kmalloc_cache_noprof"];

describe("Generic golden reports", () => {
  it("kmalloc_oob_right: 3 reports, byte-precise first check, partial granule 03", () => {
    const r = runCase("generic", "kmalloc_oob_right");
    expect(r.reports).toHaveLength(3);
    // kmalloc(128 − 8 − 5 = 115) → kmalloc-128. Shadow of the object: 14 × 00 (112 bytes), 03 (112..115), fc (120..128).
    const alloc = track("Allocated by task 37:", KMALLOC_ALLOC, "kmalloc_oob_right");
    const obj = (rel: string) => [
      "The buggy address belongs to the object at {px:obj}",
      " which belongs to the cache kmalloc-128 of size 128",
      `The buggy address is located ${rel} bytes to the right of`,
      // alloc_size = 14·8 + 3 = 115 recovered from the shadow; region [obj, obj+115); 'allocated ' because slab-out-of-bounds.
      " allocated 115-byte region [{px:obj}, {px:end})",
      "",
    ];
    const objRow = `${rep("00", 14)} 03 fc`;
    const fcRow = rep("fc", 16);
    const report = (access: string, stub: string, taint: string, rel: string, rows: [string, string, string, string, string], g: number) => [
      SEP,
      "BUG: KASAN: slab-out-of-bounds in kmalloc_oob_right+0x{hex}/0x{hex:size_kmalloc_oob_right} [kasan_test]",
      `${access} at addr {px:addr} by task kunit_try_catch/37`,
      "",
      ...dumpHead(taint),
      ...accessPath(stub),
      frame("kmalloc_oob_right", true),
      ...KTHREAD,
      "",
      ...alloc,
      ...obj(rel),
      ...slabPage(false),
      ...memoryState(rows, g),
      SEP,
    ];
    // 1st: ptr[115] write 1 → shadow 03 with byte index 3 ≥ 3 → poisoned; the next shadow byte fc ⇒ slab-out-of-bounds.
    // 0 bytes right of obj+115. The object (128-aligned) starts a row: caret under granule 14.
    // Rows before: the previous slot's redzone / unused slab (fc); after: kmalloc-128's redzone (stride 256).
    let c = matchLines(r.reports[0], report("Write of size 1", "__asan_report_store1_noabort", TAINT_N, "0", [fcRow, fcRow, objRow, fcRow, fcRow], 14));
    expect(px(c, "addr") - px(c, "obj")).toBe(115n);
    expect(px(c, "end") - px(c, "obj")).toBe(115n);
    expectRows(c, G, px(c, "addr"));
    // 2nd: ptr[size + 5] = ptr[120]: shadow fc, 120 − 115 = 5 bytes to the right; granule 15 of the same row.
    c = matchLines(r.reports[1], report("Write of size 1", "__asan_report_store1_noabort", TAINT_BN, "5", [fcRow, fcRow, objRow, fcRow, fcRow], 15));
    expect(px(c, "addr") - px(c, "obj")).toBe(120n);
    expectRows(c, G, px(c, "addr"));
    // 3rd: read ptr[size + 8 + 5] = ptr[128]: 13 bytes right, first granule of the next row.
    c = matchLines(r.reports[2], report("Read of size 1", "__asan_report_load1_noabort", TAINT_BN, "13", [fcRow, objRow, fcRow, fcRow, fcRow], 0));
    expect(px(c, "addr") - px(c, "obj")).toBe(128n);
    expectRows(c, G, px(c, "addr"));
  });

  it("kmalloc_uaf: slab-use-after-free, alloc and free stacks, fa/fb shadow", () => {
    const r = runCase("generic", "kmalloc_uaf");
    expect(r.reports).toHaveLength(1);
    // kmalloc(10) → kmalloc-16; kfree → first shadow byte fa (free meta valid), the rest fb;
    // read ptr[8]: granule 1 (fb) ⇒ slab-use-after-free; alloc_size from shadow = 0 → fallback 16.
    const c = matchLines(r.reports[0], [
      SEP,
      "BUG: KASAN: slab-use-after-free in kmalloc_uaf+0x{hex}/0x{hex} [kasan_test]",
      "Read of size 1 at addr {px:addr} by task kunit_try_catch/37",
      "",
      ...dumpHead(TAINT_N),
      ...accessPath("__asan_report_load1_noabort"),
      frame("kmalloc_uaf", true),
      ...KTHREAD,
      "",
      ...track("Allocated by task 37:", KMALLOC_ALLOC, "kmalloc_uaf"),
      ...track("Freed by task 37:", ["kasan_save_stack", "kasan_save_track", "kasan_save_free_info", "__kasan_slab_free", "kfree"], "kmalloc_uaf"),
      "The buggy address belongs to the object at {px:obj}",
      " which belongs to the cache kmalloc-16 of size 16",
      "The buggy address is located 8 bytes inside of",
      " freed 16-byte region [{px:obj}, {px:end})",
      "",
      ...slabPage(false),
      // fa: KASAN_SLAB_FREE_META in the object's first shadow byte, fb for the rest of the object,
      // then its 16-byte redzone and the never-allocated rest of the slab (fc). The object opens
      // the row in this run: ptr[8] is granule 1 (checked below: obj = row2).
      ...memoryState([rep("fc", 16), rep("fc", 16), `fa fb ${rep("fc", 14)}`, rep("fc", 16), rep("fc", 16)], 1),
      SEP,
    ]);
    expect(px(c, "obj")).toBe(px(c, "row2"));
    expectRows(c, G, px(c, "addr"));
    expect(px(c, "addr") - px(c, "obj")).toBe(8n);
    expect(px(c, "end") - px(c, "obj")).toBe(16n);
  });

  it("kasan_global_oob_right: global-out-of-bounds with the variable line, no page", () => {
    const r = runCase("generic", "kasan_global_oob_right");
    expect(r.reports).toHaveLength(1);
    // global_array[10] padded by clang's ASan to 64 bytes (10 + 54): shadow 00 02 f9×6.
    // Read array[13] → granule 1 (02: bytes 8..9 valid; index 5 ≥ 2), next shadow f9 ⇒ global-out-of-bounds.
    // A module address: the variable block (%pS: +0xd/0x40), not linear-map → no page, no object.
    const c = matchLines(r.reports[0], [
      SEP,
      "BUG: KASAN: global-out-of-bounds in kasan_global_oob_right+0x{hex}/0x{hex} [kasan_test]",
      "Read of size 1 at addr {px:addr} by task kunit_try_catch/37",
      "",
      ...dumpHead(TAINT_N),
      ...accessPath("__asan_report_load1_noabort"),
      frame("kasan_global_oob_right", true),
      ...KTHREAD,
      "",
      "The buggy address belongs to the variable:",
      " global_array+0xd/0x40 [kasan_test]",
      "",
      "Memory state around the buggy address:",
      " {px:row0}: {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex}",
      " {px:row1}: {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex}",
      // global_array opens this row (its base is 64-aligned at row offset 0 in this layout): 00 02 f9×6, then what follows the module's globals.
      `>{px:row2}: 00 02 ${rep("f9", 6)} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex}`,
      " ".repeat(3 + 16 + 3 * 1) + "^",
      " {px:row3}: {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex}",
      " {px:row4}: {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex} {hex}",
      SEP,
    ]);
    expect(px(c, "addr") - px(c, "row2")).toBe(13n);
    expectRows(c, G, px(c, "addr"));
  });

  it("kasan_stack_oob (clang, KASAN_STACK): stack-out-of-bounds with the frame description", () => {
    const r = runCase("generic", "kasan_stack_oob", CLANG_STACK);
    expect(r.reports).toHaveLength(1);
    // Frame: 32-byte left redzone (f1×4), stack_array [32, 42) (00 02), mid redzone f2 f2,
    // the volatile pointer 'array' [64, 72) (00), right redzone f3×3. Read stack_array[10] = frame+42 ⇒ 02 → next f2 ⇒ stack-out-of-bounds.
    const c = matchLines(r.reports[0], [
      SEP,
      "BUG: KASAN: stack-out-of-bounds in kasan_stack_oob+0x{hex}/0x{hex:size_kasan_stack_oob} [kasan_test]",
      "Read of size 1 at addr {px:addr} by task kunit_try_catch/37",
      "",
      ...dumpHead(TAINT_N),
      ...accessPath("__asan_report_load1_noabort"),
      frame("kasan_stack_oob", true),
      ...KTHREAD,
      "",
      "The buggy address belongs to stack of task kunit_try_catch/37",
      " and is located at offset 42 in frame:",
      " kasan_stack_oob+0x0/0x{hex:size_kasan_stack_oob} [kasan_test]",
      "",
      "This frame has 2 objects:",
      " [32, 42) 'stack_array'",
      " [64, 72) 'array'",
      "",
      // VMAP stack: THREAD_SIZE 32 KiB + guard page = 0x9000, created in dup_task_struct.
      "The buggy address belongs to the virtual mapping at",
      " [{px:vm}, {px:vmend}) created by:",
      frame("dup_task_struct"),
      "",
      "The buggy address belongs to the physical page:",
      "page: refcount:1 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x{hex}",
      "flags: 0x{hex}(node=0|zone=0)",
      "raw: {px} {px} {px} {px}",
      "raw: {px} {px} 00000001ffffffff {px}",
      "page dumped because: kasan: bad access detected",
      "",
      "Memory state around the buggy address:",
      ` {px:row0}: ${rep("00", 16)}`,
      ` {px:row1}: ${rep("00", 16)}`,
      `>{px:row2}: 00 00 00 00 f1 f1 f1 f1 00 02 f2 f2 00 f3 f3 f3`,
      // frame base at granule 4; +42 → granule 4 + 5 = 9.
      " ".repeat(3 + 16 + 3 * 9) + "^",
      ` {px:row3}: ${rep("00", 16)}`,
      ` {px:row4}: ${rep("00", 16)}`,
      SEP,
    ]);
    expect(px(c, "vmend") - px(c, "vm")).toBe(0x9000n);
    expect(px(c, "addr") - px(c, "row2")).toBe(32n + 42n);
    expectRows(c, G, px(c, "addr"));
  });
});
