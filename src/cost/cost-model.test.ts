import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { estimate, fitConstants, fittedConstants, loadProfile, ProfileError, resolveConstant } from "./cost-model.js";
import { Counters, CounterSet, ORIGINS } from "./counters.js";

const HEADER = "profile: test — a profile for the tests";

function profile(body: string, fileName = "test.profile") {
  return loadProfile(`${HEADER}\n${body}`, fileName);
}

function counters(values: Partial<Record<keyof CounterSet, number>>): CounterSet {
  return Object.assign(new CounterSet(), values);
}

describe("cost profile parsing", () => {
  it("reads the header, constants, comments and blank lines", () => {
    const p = loadProfile(
      ["# a comment", "", HEADER, "stg  2  ns/instruction  measured  a script", "# another", "dcGva  fit  ns/instruction  fitted  seed-x/row-1 and a note", "ldg  n/a  ns/instruction  n/a  no figure"].join("\n"),
      "profiles/test.profile",
    );
    expect(p.name).toBe("test");
    expect(p.description).toBe("a profile for the tests");
    expect([...p.constants.keys()]).toEqual(["stg", "dcGva", "ldg"]);
    expect(p.constants.get("stg")).toMatchObject({ value: { kind: "number", value: 2 }, unit: "ns/instruction", provenance: "measured", source: "a script", line: 4 });
    expect(p.constants.get("dcGva")?.value).toEqual({ kind: "fit", row: "seed-x/row-1" });
    expect(p.constants.get("ldg")?.value).toEqual({ kind: "na" });
  });

  it.each([
    ["stg 2 ns/instruction measured", /test\.profile:2: stg: expected a source/],
    ["stg 2 ns/instruction guessed a hunch", /test\.profile:2: stg: expected provenance measured, documented, derived, fitted or n\/a, got "guessed"/],
    ["stg 2 ns/insn measured a script", /test\.profile:2: stg: expected unit ns\/instruction, got ns\/insn/],
    ["stgg 2 ns/instruction measured a script", /test\.profile:2: "stgg" is not a cost key or workload constant/],
    ["stg two ns/instruction measured a script", /test\.profile:2: stg: measured value: expected a non-negative number, got "two"/],
    ["stg -1 ns/instruction documented a book", /test\.profile:2: stg: documented value: expected a non-negative number, got "-1"/],
    ["stg 3 ns/instruction fitted seed-x/row", /test\.profile:2: stg: fitted value: expected the word fit/],
    ["stg fit ns/instruction fitted the first row", /test\.profile:2: stg: fitted source: expected the row it is fitted to as <table-id>\/<row-label> first, got "the"/],
    ["stg 2*3 ns/instruction derived arithmetic", /test\.profile:2: stg: derived value: expected =<expression>/],
    ["stg =2*(3 ns/instruction derived arithmetic", /test\.profile:2: stg: derived expression "2\*\(3": expected \)/],
    ["stg 0 ns/instruction n/a unknown", /test\.profile:2: stg: n\/a provenance: expected the value n\/a/],
    ["stg@kvm 2 ns/instruction measured a script", /test\.profile:2: name "stg@kvm": expected <key> or <key>@<mode>/],
    ["stg 2", /test\.profile:2: expected "<name> <value> <unit> <provenance> <source…>"/],
  ])("rejects %j naming file:line and what was expected", (line, message) => {
    expect(() => profile(line)).toThrow(ProfileError);
    expect(() => profile(line)).toThrow(message);
  });

  it("rejects a missing or wrong header, duplicates, dangling references, overrides without a base and cycles", () => {
    expect(() => loadProfile("stg 2 ns/instruction measured x", "a.profile")).toThrow(/a\.profile:1: expected the header "profile: <name> — <description>"/);
    expect(() => loadProfile("", "a.profile")).toThrow(/a\.profile:1: expected the header .* got an empty file/);
    expect(() => loadProfile(HEADER, "profiles/other.profile")).toThrow(/profiles\/other\.profile:1: the header names profile "test" but the file is other\.profile/);
    expect(() => profile("stg 2 ns/instruction measured x\nstg 3 ns/instruction measured y")).toThrow(/test\.profile:3: stg is given twice \(first on line 2\)/);
    expect(() => profile("stg =st2g ns/instruction derived same as st2g")).toThrow(/test\.profile:2: derived expression refers to st2g, which has no line/);
    expect(() => profile("stg@hw_tags 2 ns/instruction measured x")).toThrow(/test\.profile:2: stg@hw_tags overrides stg for hw_tags, but stg itself has no line/);
    expect(() => profile("stg =st2g ns/instruction derived a\nst2g =stg ns/instruction derived b")).toThrow(/derived constants form a cycle: stg → st2g → stg/);
  });

  it("evaluates derived expressions with precedence, parentheses, unary minus and mode overrides", () => {
    const p = profile(
      [
        "stg 2 ns/instruction measured a",
        "stg@hw_tags 10 ns/instruction measured b",
        "st2g =1+2*stg ns/instruction derived c",
        "stzg =(1+2)*stg/4 ns/instruction derived d",
        "stz2g =-stg+stg@hw_tags ns/instruction derived e",
        "ldg =stg*irg ns/instruction derived f",
        "irg n/a ns/instruction n/a none",
      ].join("\n"),
    );
    // st2g = 1 + 2·stg: 1 + 4 = 5 in generic; 1 + 20 = 21 under hw_tags (stg@hw_tags applies)
    expect(resolveConstant(p, "st2g", "generic")).toBe(5);
    expect(resolveConstant(p, "st2g", "hw_tags")).toBe(21);
    // stzg = 3·stg/4 = 1.5
    expect(resolveConstant(p, "stzg", "off")).toBe(1.5);
    // stz2g = −stg + stg@hw_tags = −2 + 10 = 8 in a generic run
    expect(resolveConstant(p, "stz2g", "generic")).toBe(8);
    // anything derived from an n/a constant is n/a
    expect(resolveConstant(p, "ldg", "generic")).toBeUndefined();
  });
});

describe("estimate: time = Σ count × cost", () => {
  const p = profile(
    [
      "stg 2 ns/instruction measured a",
      "stg@hw_tags 3 ns/instruction measured a",
      "dcGva 10 ns/instruction measured a",
      "clearPage 1000 ns/page measured a",
      "memsetZero 0.5 ns/byte measured a",
      "dcGzva 7 ns/instruction measured a",
      "memoryAccess 1 ns/access measured a",
      "genericShadowCheck 3 ns/access measured a",
      "swTagsShadowCheck 4 ns/access measured a",
      "hwTagCheck 20 ns/access measured a",
      "hwOrdinaryAccess 15 ns/access measured a",
      "slabAlloc n/a ns/object n/a not benchmarked",
      "bootFixed fit ns/boot fitted seed-003-boot/clean",
      "bootOrdinaryAccesses fit accesses/boot fitted seed-003-boot/generic",
    ].join("\n"),
  );

  it("sums hand-derived products per term, with zeroing split by kind", () => {
    const c = counters({ stg: 4, dcGva: 63, dcGzva: 64, bytesZeroed: 2 * 4096 + 4096 + 100, bytesZeroedByTagging: 4096, bytesZeroedByClearPage: 2 * 4096 });
    const e = estimate(p, c, { mode: "off" });
    // stg 4×2 = 8; dcGva 63×10 = 630; dcGzva 64×7 = 448;
    // clearPage: 8192 bytes / 4096 = 2 pages × 1000 = 2000;
    // memsetZero: 12388 − 4096 (tagging) − 8192 (clear_page) = 100 bytes × 0.5 = 50
    expect(e.byTerm).toEqual({
      stg: { count: 4, costNs: 2, ns: 8 },
      dcGva: { count: 63, costNs: 10, ns: 630 },
      dcGzva: { count: 64, costNs: 7, ns: 448 },
      clearPage: { count: 2, costNs: 1000, ns: 2000 },
      memsetZero: { count: 100, costNs: 0.5, ns: 50 },
    });
    expect(e.totalNs).toBe(8 + 630 + 448 + 2000 + 50);
    expect(e.unpriced).toEqual([]);
    expect(e.byOrigin).toBeUndefined();
  });

  it("takes the mode's override and counts mode-gated terms only in their mode", () => {
    const c = counters({ stg: 4, shadowChecks: 10, tagChecks: 5 });
    // generic: stg 4×2 = 8; memoryAccess (10 + 5)×1 = 15; genericShadowCheck 10×3 = 30
    expect(estimate(p, c, { mode: "generic" }).totalNs).toBe(8 + 15 + 30);
    // sw_tags: 8 + 15 + swTagsShadowCheck 10×4 = 40
    expect(estimate(p, c, { mode: "sw_tags" }).totalNs).toBe(8 + 15 + 40);
    // hw_tags: stg@hw_tags 4×3 = 12 + 15 + hwTagCheck 5×20 = 100
    expect(estimate(p, c, { mode: "hw_tags" }).totalNs).toBe(12 + 15 + 100);
  });

  it("leaves out work a term marks as newer than the priced kernel, and refuses a malformed release", () => {
    const q = profile(["stg 2 ns/instruction measured a", "stackRingInsert 5 ns/insert measured a", "stackCollectionScale 1 x measured a"].join("\n"));
    const c = counters({ stg: 3, stackRingInserts: 10 });
    // The model's own kernel (6.12) and 6.1, where the stack ring arrived: stg 3×2 = 6 + ring 10×5 = 50
    expect(estimate(q, c, { mode: "hw_tags" }).totalNs).toBe(6 + 50);
    expect(estimate(q, c, { mode: "hw_tags", kernel: "6.1" }).totalNs).toBe(6 + 50);
    // 5.18 and 5.11 had no stack ring: only stg's 6, and the ring is neither priced nor unpriced
    for (const kernel of ["5.18", "5.11"]) {
      const e = estimate(q, c, { mode: "hw_tags", kernel });
      expect(e.totalNs).toBe(6);
      expect(e.byTerm.stackRingInsert).toBeUndefined();
      expect(e.unpriced).toEqual([]);
    }
    expect(() => estimate(q, c, { mode: "hw_tags", kernel: "5" })).toThrow(/kernel: expected a kernel release as major\.minor \(e\.g\. 5\.18\), got "5"/);
  });

  it("adds workload counts, given as numbers or as a (fitted) workload constant", () => {
    const c = new CounterSet();
    // generic, 1000 ordinary accesses: memoryAccess 1000×1 + genericShadowCheck 1000×3 + bootFixed 1×500
    const e = estimate(p, c, { mode: "generic", extra: { ordinaryAccesses: 1000, boots: 1 }, fitted: { bootFixed: 500 } });
    expect(e.totalNs).toBe(1000 + 3000 + 500);
    // hw_tags, accesses from bootOrdinaryAccesses = 200: memoryAccess 200 + hwOrdinaryAccess 200×15
    const h = estimate(p, c, { mode: "hw_tags", extra: { ordinaryAccesses: "bootOrdinaryAccesses" }, fitted: { bootOrdinaryAccesses: 200 } });
    expect(h.totalNs).toBe(200 + 3000);
  });

  it("reports counted work without a figure as unpriced, outside the total", () => {
    const e = estimate(p, counters({ slabAllocs: 7, stg: 1 }), { mode: "off" });
    expect(e.totalNs).toBe(2);
    expect(e.byTerm.slabAlloc).toEqual({ count: 7, costNs: undefined, ns: 0 });
    expect(e.unpriced).toEqual([{ term: "slabAlloc", count: 7, reason: "not benchmarked" }]);
  });

  it("leaves a term unpriced when its workload count names a constant that is n/a here", () => {
    const q = profile(
      [
        "memoryAccess 1 ns/access measured a",
        "genericShadowCheck 3 ns/access measured a",
        "bootOrdinaryAccesses n/a accesses/boot n/a no boot time on this platform",
      ].join("\n"),
    );
    // Both access terms take their count from bootOrdinaryAccesses: neither can be priced, and
    // neither is counted as free; no counter of their own is set, so their count is 0.
    const e = estimate(q, new CounterSet(), { mode: "generic", extra: { ordinaryAccesses: "bootOrdinaryAccesses" } });
    expect(e.totalNs).toBe(0);
    expect(e.unpriced.map((u) => u.term)).toEqual(["memoryAccess", "genericShadowCheck"]);
    expect(e.unpriced[0].reason).toBe("workload count ordinaryAccesses is bootOrdinaryAccesses, n/a in this profile: no boot time on this platform");
  });

  it("refuses a fitted constant without its value, naming the row, and a key the profile lacks", () => {
    expect(() => estimate(p, new CounterSet(), { mode: "off", extra: { boots: 1 } })).toThrow(/test\.profile:14: bootFixed is fitted to seed-003-boot\/clean; pass its value/);
    expect(() => estimate(p, counters({ irg: 1 }), { mode: "hw_tags" })).toThrow(/test\.profile: no constant for irg/);
  });

  it("splits the total by origin: the origins' shares add up to the total", () => {
    const names = ["stg", "dcGva", "dcGzva", "shadowChecks", "tagChecks", "bytesZeroedByClearPage"] as const;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...ORIGINS), fc.constantFrom(...names), fc.integer({ min: 0, max: 1000 })), { maxLength: 30 }), fc.constantFrom("generic", "hw_tags", "off") as fc.Arbitrary<"generic" | "hw_tags" | "off">, (adds, mode) => {
        const cs = new Counters();
        for (const [o, name, n] of adds) cs.byOrigin[o][name] += name === "bytesZeroedByClearPage" ? n * 4096 : n;
        // bytesZeroed must cover the clear_page bytes for memsetZero to stay ≥ 0
        for (const o of ORIGINS) cs.byOrigin[o].bytesZeroed = cs.byOrigin[o].bytesZeroedByClearPage;
        const e = estimate(p, cs, { mode, extra: { ordinaryAccesses: 3 } });
        const byOrigin = e.byOrigin as Record<string, number>;
        const sum = Object.values(byOrigin).reduce((a, b) => a + b, 0);
        expect(sum).toBeCloseTo(e.totalNs, 6);
        // the same counts as one CounterSet give the same total
        expect(estimate(p, cs.total(), { mode, extra: { ordinaryAccesses: 3 } }).totalNs).toBeCloseTo(e.totalNs, 6);
        // workload accesses land in "workload": 3 × (memoryAccess 1 + the mode's check)
        const check = mode === "generic" ? 3 : mode === "hw_tags" ? 15 : 0;
        expect(byOrigin.workload).toBe(3 * (1 + check));
      }),
    );
  });
});

describe("fitting: one published figure per fitted constant", () => {
  const p = profile(
    [
      "memoryAccess 1 ns/access measured a",
      "genericShadowCheck 3 ns/access measured a",
      "hwOrdinaryAccess 15 ns/access measured a",
      "stg 2 ns/instruction measured a",
      "bootFixed fit ns/boot fitted seed-003-boot/clean",
      "bootOrdinaryAccesses fit accesses/boot fitted seed-003-boot/generic",
    ].join("\n"),
  );

  it("lists the fitted constants with their rows", () => {
    expect(fittedConstants(p)).toEqual([
      { name: "bootFixed", row: "seed-003-boot/clean" },
      { name: "bootOrdinaryAccesses", row: "seed-003-boot/generic" },
    ]);
  });

  it("solves a coupled pair exactly (hand-derived)", () => {
    const extra = { boots: 1, ordinaryAccesses: "bootOrdinaryAccesses" };
    // clean (off): F + N·memoryAccess            = F + N       = 5000
    // generic:     F + N·(1 + 3) + 100 stg × 2   = F + 4N + 200 = 14200
    // subtracting: 3N + 200 = 9200 ⇒ N = 3000, F = 2000
    const fit = fitConstants(p, [
      { constant: "bootFixed", row: "seed-003-boot/clean", counts: new CounterSet(), options: { mode: "off", extra }, publishedNs: 5000 },
      { constant: "bootOrdinaryAccesses", row: "seed-003-boot/generic", counts: counters({ stg: 100 }), options: { mode: "generic", extra }, publishedNs: 14200 },
    ]);
    expect(fit.bootFixed).toBeCloseTo(2000, 9);
    expect(fit.bootOrdinaryAccesses).toBeCloseTo(3000, 9);
    // and the hw_tags row is then a prediction: 2000 + 3000·(1 + 15) = 50000
    expect(estimate(p, new CounterSet(), { mode: "hw_tags", extra, fitted: fit }).totalNs).toBeCloseTo(50000, 6);
  });

  it("refuses a row other than the one the profile names, and an undetermined constant", () => {
    const row = { counts: new CounterSet(), options: { mode: "off" as const, extra: { boots: 1 } }, publishedNs: 1 };
    expect(() => fitConstants(p, [{ ...row, constant: "bootFixed", row: "seed-003-boot/generic" }])).toThrow(/bootFixed is fitted to seed-003-boot\/clean, not seed-003-boot\/generic/);
    expect(() => fitConstants(p, [{ ...row, constant: "stg", row: "x/y" }])).toThrow(/stg is not a fitted constant/);
    // no boots in the row: bootFixed's count is 0, nothing determines it
    expect(() => fitConstants(p, [{ ...row, options: { mode: "off" }, constant: "bootFixed", row: "seed-003-boot/clean" }])).toThrow(/bootFixed is not determined by the rows given/);
  });
});
