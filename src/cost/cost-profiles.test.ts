import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { COST_TERMS, EXTRA_COUNT_NAMES, NOT_COSTED, WORKLOAD_CONSTANTS } from "./cost-terms.js";
import { fittedConstants, listProfiles, readProfile, resolveConstant } from "./cost-model.js";
import { COUNTER_NAMES } from "./counters.js";
import { KASAN_MODES } from "../config/mode.js";
import { profilesDir } from "./profile-files.js";

const SHIPPED = listProfiles();
const KEYS = [...COST_TERMS.map((t) => t.key), ...WORKLOAD_CONSTANTS.map((w) => w.key)];

describe("cost terms", () => {
  it("cost every counter or exclude it with a reason, never both", () => {
    // a counter is costed when some term counts it with a positive coefficient (a negative one only
    // carves it out of another counter, as bytesZeroedByTagging out of memsetZero)
    const costed = new Set(COST_TERMS.flatMap((t) => Object.entries(t.counters).filter(([, coef]) => coef > 0).map(([n]) => n)));
    for (const name of COUNTER_NAMES) {
      const excluded = NOT_COSTED[name] !== undefined;
      expect({ name, costedOrExcluded: costed.has(name) !== excluded }).toEqual({ name, costedOrExcluded: true });
    }
    for (const reason of Object.values(NOT_COSTED)) expect(reason?.length).toBeGreaterThan(5);
  });

  it("have unique keys, a unit and a description, and read only known workload counts", () => {
    expect(new Set(KEYS).size).toBe(KEYS.length);
    for (const t of COST_TERMS) {
      expect(t.unit).toMatch(/^ns\/[a-z-]+$/);
      expect(t.description.length).toBeGreaterThan(10);
      for (const x of Object.keys(t.extra ?? {})) expect(EXTRA_COUNT_NAMES).toContain(x);
    }
  });
});

describe.each(SHIPPED)("shipped profile %s", (name) => {
  const p = readProfile(name);
  const text = readFileSync(`${profilesDir()}/${name}.profile`, "utf8");

  it("has one parsed constant per non-comment line, each with value, unit, provenance and source", () => {
    const lines = text.split("\n").filter((l) => l.trim() !== "" && !l.trim().startsWith("#") && !l.startsWith("profile:"));
    expect(p.constants.size).toBe(lines.length);
    for (const c of p.constants.values()) {
      expect(c.unit.length).toBeGreaterThan(0);
      expect(c.source.length).toBeGreaterThan(10);
      if (c.provenance === "fitted") expect(c.value.kind).toBe("fit");
      if (c.provenance === "n/a") expect(c.value.kind).toBe("na");
      if (c.provenance === "derived") expect(c.value.kind).toBe("derived");
      if (c.provenance === "measured" || c.provenance === "documented") expect(c.value.kind).toBe("number");
    }
  });

  it("gives every cost key and workload constant a line, resolvable in every mode", () => {
    const fitted = Object.fromEntries(fittedConstants(p).map((f) => [f.name, 1]));
    for (const key of KEYS) {
      expect({ key, present: p.constants.has(key) }).toEqual({ key, present: true });
      for (const mode of KASAN_MODES) {
        const v = resolveConstant(p, key, mode, fitted);
        if (v !== undefined) expect(v).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it("names the row of every fitted constant as <table-id>/<row-label>, one constant per row", () => {
    const fits = fittedConstants(p);
    for (const f of fits) expect(f.row).toMatch(/^seed-00[134]-[\w-]+\/[\w.-]+$/);
    expect(new Set(fits.map((f) => f.row)).size).toBe(fits.length);
  });
});

describe("qemu-tcg profile", () => {
  const p = readProfile("qemu-tcg");
  const results = JSON.parse(readFileSync(new URL("../../bench/qemu/results.json", import.meta.url), "utf8")) as { constants: Record<string, { value: number }> };

  it("matches bench/qemu/results.json for every figure it takes from it by name", () => {
    let checked = 0;
    for (const c of p.constants.values()) {
      const m = /^bench\/qemu\/measure\.mjs (\w+):/.exec(c.source);
      if (c.provenance !== "measured" || !m || c.value.kind !== "number") continue;
      expect({ name: c.name, value: c.value.value }).toEqual({ name: c.name, value: results.constants[m[1]].value });
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });

  it("sums the composite figures as their sources say", () => {
    const r = (k: string) => results.constants[k].value;
    const num = (name: string) => {
      const v = p.constants.get(name)?.value;
      return v?.kind === "number" ? v.value : NaN;
    };
    // memoryAccess = mean of the MTE-off LDR and STR; the hw figures are the MTE-on accesses minus it
    expect(num("memoryAccess")).toBeCloseTo((r("ldr_mte_off") + r("str_mte_off")) / 2, 2);
    expect(num("hwTagCheck")).toBeCloseTo((r("ldr_checked") + r("str_checked")) / 2 - num("memoryAccess"), 2);
    expect(num("hwTagCheckSkipped")).toBeCloseTo((r("ldr_untagged_mte_on") + r("str_untagged_mte_on")) / 2 - num("memoryAccess"), 2);
  });

  it("prices an MTE-on kernel's stack walk with the MTE-on figure", () => {
    // Generic: the instrumented build with MTE off; hw_tags: the uninstrumented build with MTE on.
    // The depot's filter_irq_stacks step is priced apart (filterIrqStacksEntry), so the frame's
    // figure is the measured walk less that step: together they give the measured figure back.
    for (const [mode, key] of [["generic", "ksave_unwind_asan_frame"], ["hw_tags", "ksave_unwind_frame_mte_on"]] as const) {
      const frame = resolveConstant(p, "unwindFrame", mode) as number;
      const filterStep = resolveConstant(p, "filterIrqStacksEntry", mode) as number;
      expect(frame).toBeLessThan(results.constants[key].value);
      expect(frame + filterStep).toBeCloseTo(results.constants[key].value, 6);
    }
  });
});
