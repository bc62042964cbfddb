/**
 * The shipped example scenarios (examples/scenarios/), one per bug class, run in every mode:
 * each produces the bug type the kernel's rules give for that mode, at the step that does the
 * bad access. Expected values are derived per scenario in the comments below.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { KasanMode } from "../../config/mode.js";
import { bootKernel } from "../../kernel/kernel.js";
import { parseScenario } from "./parse-scenario.js";
import { runScenario } from "./run-scenario.js";

const DIR = new URL("../../../examples/scenarios/", import.meta.url);

function run(file: string, mode: KasanMode, seed = 1) {
  const sc = parseScenario(readFileSync(new URL(file, DIR), "utf8"), file);
  return runScenario(bootKernel({ mode, seed }), sc);
}

/** [step, bug type] of every report, or [] for none. */
function outcome(file: string, mode: KasanMode, seed = 1): [number, string][] {
  const r = run(file, mode, seed);
  return r.steps.flatMap((s) => s.reports.map((i): [number, string] => [s.step, r.reports[i].bugType]));
}

type Expect = Record<KasanMode, [number, string][]>;

const CASES: [string, Expect][] = [
  // kmalloc(123) in kmalloc-128, 1-byte write at +123. Generic: shadow of granule [120,128) is 3
  // (bytes 120..122 valid), byte 123 is poisoned, next shadow byte is 0xFC ⇒ slab-out-of-bounds.
  // Tags: round_up(123, 16) = 128 ⇒ the whole slot carries the object's tag ⇒ no report.
  ["slab-oob-byte-precise.yaml", { generic: [[2, "slab-out-of-bounds"]], sw_tags: [], hw_tags: [], off: [] }],
  // kmalloc(100), write at +112: Generic shadow 0xFC there; tags: [112,128) is 0xFE and the ring's
  // first matching entry for this object and tag is its allocation ⇒ slab-out-of-bounds for all.
  ["slab-oob.yaml", { generic: [[2, "slab-out-of-bounds"]], sw_tags: [[2, "slab-out-of-bounds"]], hw_tags: [[2, "slab-out-of-bounds"]], off: [] }],
  // Read after kfree: Generic shadow 0xFA/0xFB (quarantined); tags: 0xFE and the ring's first
  // match is the free ⇒ slab-use-after-free everywhere.
  ["slab-uaf.yaml", { generic: [[3, "slab-use-after-free"]], sw_tags: [[3, "slab-use-after-free"]], hw_tags: [[3, "slab-use-after-free"]], off: [] }],
  // Second kfree: kasan_slab_pre_free finds the object inaccessible ⇒ double-free.
  ["double-free.yaml", { generic: [[3, "double-free"]], sw_tags: [[3, "double-free"]], hw_tags: [[3, "double-free"]], off: [] }],
  // kfree(p + 1): nearest_obj(p + 1) = p ≠ p + 1 ⇒ invalid-free.
  ["invalid-free.yaml", { generic: [[2, "invalid-free"]], sw_tags: [[2, "invalid-free"]], hw_tags: [[2, "invalid-free"]], off: [] }],
  // vmalloc(5000), read at +5008: Generic shadow 0xF8 (KASAN_VMALLOC_INVALID) ⇒
  // vmalloc-out-of-bounds; tags: tail granule 0xFE, no slab object ⇒ the common type invalid-access.
  ["vmalloc-oob.yaml", { generic: [[2, "vmalloc-out-of-bounds"]], sw_tags: [[2, "invalid-access"]], hw_tags: [[2, "invalid-access"]], off: [] }],
  // Read of a freed order-1 block: Generic shadow 0xFF (KASAN_PAGE_FREE) ⇒ use-after-free; tags:
  // 0xFE and no slab object ⇒ invalid-access.
  ["page-uaf.yaml", { generic: [[3, "use-after-free"]], sw_tags: [[3, "invalid-access"]], hw_tags: [[3, "invalid-access"]], off: [] }],
  // Read of a freed object through a 0xFF pointer: tag modes skip the check; Generic ignores tags.
  ["match-all-pointer.yaml", { generic: [[4, "slab-use-after-free"]], sw_tags: [], hw_tags: [], off: [] }],
  // call_rcu + synchronize_rcu frees the object; the read at +8 is a use after free.
  ["rcu-uaf.json", { generic: [[4, "slab-use-after-free"]], sw_tags: [[4, "slab-use-after-free"]], hw_tags: [[4, "slab-use-after-free"]], off: [] }],
];

describe("example scenarios: bug type per mode", () => {
  for (const [file, expected] of CASES) {
    for (const mode of ["generic", "sw_tags", "hw_tags"] as const) {
      it(`${file} in ${mode}`, () => {
        expect(outcome(file, mode)).toEqual(expected[mode]);
      });
    }
  }

  it("every example runs to completion without KASAN when the bug does not corrupt SLUB", () => {
    for (const [file, expected] of CASES) {
      if (file === "double-free.yaml" || file === "invalid-free.yaml") continue;
      const r = run(file, "off");
      expect([file, r.reports.length, r.bug]).toEqual([file, expected.off.length, undefined]);
      expect(r.steps.length).toBe(r.scenario.steps.length);
    }
  });

  it("without KASAN a bad kfree corrupts SLUB: the run stops with a kernel BUG at that step", () => {
    // invalid-free: SLUB sees a pointer that is not an object start, which KASAN would have caught.
    const inv = run("invalid-free.yaml", "off");
    expect(inv.bug?.step).toBe(2);
    expect(inv.bug?.message).toContain("not the start of an object");
    const dbl = run("double-free.yaml", "off");
    expect(dbl.bug?.step).toBe(3);
    expect(dbl.bug?.message).toContain("double free of object");
  });

  it("the tag modes' verdicts do not depend on the seed (kasan_random_tag() never returns 0xFE, the freed tag)", () => {
    for (const seed of [2, 3, 17, 12345]) {
      expect(outcome("slab-uaf.yaml", "sw_tags", seed)).toEqual([[3, "slab-use-after-free"]]);
      expect(outcome("slab-uaf.yaml", "hw_tags", seed)).toEqual([[3, "slab-use-after-free"]]);
      expect(outcome("match-all-pointer.yaml", "hw_tags", seed)).toEqual([]);
    }
  });
});
