/**
 * Golden reports, HW_TAGS: the asynchronous variant (kasan.mode=async). The harness's
 * kasan_force_async_fault() checks TFSR_EL1 from the test function, so the report's trace is
 * kasan_report_async ← mte_check_tfsr_el1 ← kasan_force_async_fault ← the case.
 */
import { describe, expect, it } from "vitest";
import { dumpHead, frame, KTHREAD, matchLines, runCase, SEP, TAINT_BN, TAINT_N } from "./golden-match.js";

describe("HW_TAGS golden reports", () => {
  it("kmalloc_oob_right, kasan.mode=async: two 'Asynchronous fault' reports, no address details", () => {
    const r = runCase("hw_tags", "kmalloc_oob_right", { cmdline: "kasan.mode=async" });
    // Tag modes run two of the three checks (the byte-precise one is Generic only).
    expect(r.reports).toHaveLength(2);
    const report = (taint: string) => [
      SEP,
      "BUG: KASAN: invalid-access",
      "Asynchronous fault: no details available",
      "",
      ...dumpHead(taint),
      frame("kasan_report_async"),
      frame("mte_check_tfsr_el1"),
      frame("kasan_force_async_fault"),
      frame("kmalloc_oob_right", true),
      ...KTHREAD,
      SEP,
    ];
    matchLines(r.reports[0], report(TAINT_N));
    matchLines(r.reports[1], report(TAINT_BN));
  });
});
