import { beforeAll, describe, expect, it } from "vitest";
import type { KasanMode } from "../../config/mode.js";
import { BOOT_TRACE_EVENTS } from "./boot-trace.js";
import { runBoot, runBoots, summarise, type BootRunResult } from "./run-boot.js";

/** The four modes of seed 003 on the shipped boot trace, replayed in one pass. */
const MODES: KasanMode[] = ["off", "hw_tags", "sw_tags", "generic"];
let byMode: Record<string, BootRunResult>;

beforeAll(async () => {
  const rs = await runBoots(MODES.map((mode) => ({ mode, seed: 1 })));
  byMode = Object.fromEntries(rs.map((r) => [r.mode, r]));
}, 60_000);

describe("the boot workload: the shipped Linux 6.12 boot trace replayed under each mode", () => {
  it("accounts for every event of the trace in every mode: placed or unplaceable, by kind, adding up to the event count", () => {
    for (const mode of MODES) {
      const r = byMode[mode];
      // 69,423 events: the trace's lines minus its 12-line ftrace header, the last being BOOT_END.
      expect(r.events).toBe(BOOT_TRACE_EVENTS);
      expect(r.trace).toMatchObject({ gzip: true, events: BOOT_TRACE_EVENTS, lines: BOOT_TRACE_EVENTS + 12, lostEvents: 0 });
      // Per kind, the outcomes add up to the kind's total, and the kinds to the event count.
      let sum = 0;
      for (const row of r.outcomes) {
        const { event, total, ...outcomes } = row;
        expect({ event, total: Object.values(outcomes).reduce((a, b) => a + b, 0) }).toEqual({ event, total });
        sum += total;
      }
      expect(sum).toBe(r.events);
      const s = r.summary;
      expect(s.placed + s.unplaceable + s.failed + s.ignored + s.markers).toBe(r.events);
      // The one marker is init's BOOT_END; the unplaceable events are all frees, and their reasons add up.
      expect(s.markers).toBe(1);
      expect(Object.values(r.unplaceable).reduce((a, b) => a + b, 0)).toBe(s.unplaceable);
      for (const row of r.outcomes) if (row.unplaceable > 0) expect(row.event).toMatch(/free/);
    }
  });

  it("every mode places the same events: the allocation history does not depend on KASAN", () => {
    const off = byMode.off.summary;
    for (const mode of MODES) expect(byMode[mode].summary).toEqual(off);
    // Most of the boot is placed: the unplaceable frees are of memory from before tracing started.
    expect(off.placed).toBeGreaterThan(0.95 * BOOT_TRACE_EVENTS);
  });

  it("Slab after boot is ordered as 6.12 would order it: generic above the tag modes, the tag modes at off's level", () => {
    const slab = (m: string): number => byMode[m].memory.slabPagesEnd;
    const slot = (m: string): number => byMode[m].memory.live.slotBytes;
    // Generic: every slot grows by a redzone and the in-object alloc/free metadata (kasan_alloc_meta,
    // kasan_free_meta), and the quarantine keeps freed objects in their slabs. Since 6.1 the tag
    // modes keep no per-object metadata (stacks go to the stack ring) and no redzones: their only
    // layout change is the 16-byte granule (kmalloc-8 folds into kmalloc-16, caches align to 16),
    // so no slot is smaller than off's, and Slab matches off's up to how objects pack into pages.
    // (Seed 003's 9.7 vs 7.0 for the tag modes was 5.10, whose tag modes still kept per-object
    // alloc/free tracks.)
    expect(slab("generic")).toBeGreaterThan(1.5 * slab("hw_tags"));
    expect(slab("generic")).toBeGreaterThan(1.5 * slab("sw_tags"));
    expect(slab("hw_tags")).toBe(slab("sw_tags"));
    for (const m of ["hw_tags", "sw_tags"]) {
      expect(slot(m)).toBeGreaterThanOrEqual(slot("off"));
      expect(Math.abs(slab(m) - slab("off"))).toBeLessThanOrEqual(Math.ceil(0.01 * slab("off")));
    }
    expect(slot("generic")).toBeGreaterThan(slot("hw_tags"));
    expect(byMode.generic.memory.live.metadataBytes).toBeGreaterThan(0);
    expect(byMode.hw_tags.memory.live.metadataBytes).toBe(0);
  });

  it("KASAN off saves no stacks; the KASAN modes save one per replayed slab allocation and free", () => {
    expect(byMode.off.counters.total.stackTracesSaved).toBe(0);
    for (const m of ["generic", "sw_tags", "hw_tags"]) expect(byMode[m].counters.total.stackTracesSaved).toBeGreaterThan(0);
    // The same slab history in each KASAN mode: the same number of saves.
    expect(byMode.generic.counters.total.stackTracesSaved).toBe(byMode.hw_tags.counters.total.stackTracesSaved);
  });

  it("without N_acc the ordinary accesses are 0 and marked as not given", () => {
    expect(byMode.generic.ordinaryAccesses).toEqual({ count: 0, given: false, checkedBy: "shadow", counter: "shadowChecks" });
    expect(byMode.off.ordinaryAccesses.checkedBy).toBe("none");
  });
});

describe("stack collection flavours on the boot trace (seed 004)", () => {
  let runs: Record<string, BootRunResult>;
  beforeAll(async () => {
    const specs = [
      { key: "unwinder", spec: { mode: "generic" as const, seed: 1 } },
      { key: "none", spec: { mode: "generic" as const, seed: 1, stacks: "none" as const } },
      { key: "nodepot", spec: { mode: "generic" as const, seed: 1, stackDepot: false } },
      { key: "scs", spec: { mode: "generic" as const, seed: 1, stacks: "scs" as const } },
      { key: "deep", spec: { mode: "generic" as const, seed: 1, outerFrames: 10 } },
      { key: "hw-none", spec: { mode: "hw_tags" as const, seed: 1, stacks: "none" as const, ordinaryAccesses: 1000 } },
    ];
    const rs = await runBoots(specs.map((s) => s.spec));
    runs = Object.fromEntries(rs.map((r, i) => [specs[i].key, r]));
  }, 60_000);

  it("none saves 0 stacks: no traces collected, nothing in the depot, no depot pools", () => {
    for (const r of [runs.none, runs["hw-none"]]) {
      const c = r.counters.total;
      expect([c.stackTracesSaved, c.framesUnwound, c.framesCopiedScs, c.depotInserts, c.depotLookups]).toEqual([0, 0, 0, 0, 0]);
      expect(r.memory.stackDepot.pools).toBe(0);
    }
    // … while the unwinder saved every one of them and filled depot pools.
    expect(runs.unwinder.counters.total.stackTracesSaved).toBeGreaterThan(0);
    expect(runs.unwinder.memory.stackDepot.pools).toBeGreaterThan(0);
  });

  it("--stack-depot off collects every trace (same frames unwound) but saves none", () => {
    const a = runs.unwinder.counters.total;
    const b = runs.nodepot.counters.total;
    expect([b.stackTracesSaved, b.framesUnwound]).toEqual([a.stackTracesSaved, a.framesUnwound]);
    expect([b.depotInserts, runs.nodepot.memory.stackDepot.pools]).toEqual([0, 0]);
  });

  it("scs copies exactly the slots the unwinder stores: frames copied = frames unwound − one skipped frame per trace", () => {
    const u = runs.unwinder.counters.total;
    const s = runs.scs.counters.total;
    // The unwinder visits nrEntries + 1 frame records per trace; the SCS copy nrEntries slots
    // (the replay runs no hard-IRQ context with an interrupted frame to leave out).
    expect(s.framesUnwound).toBe(0);
    expect(s.framesCopiedScs).toBe(u.framesUnwound - u.stackTracesSaved);
    expect(s.stackTracesSaved).toBe(u.stackTracesSaved);
    expect(s.depotInserts).toBe(u.depotInserts);
    expect(runs.scs.warnings.filter((w) => w.includes("SHADOW_CALL_STACK"))).toEqual([]);
  });

  it("outerFrames adds that many frames to every trace (10 per save) and nothing else", () => {
    const u = runs.unwinder.counters.total;
    const d = runs.deep.counters.total;
    expect(d.stackTracesSaved).toBe(u.stackTracesSaved);
    expect(d.framesUnwound).toBe(u.framesUnwound + 10 * u.stackTracesSaved);
    expect(runs.deep.memory.slabPagesEnd).toBe(runs.unwinder.memory.slabPagesEnd);
  });

  it("N_acc passes through as the count a hw_tags boot's CPU checks", () => {
    expect(runs["hw-none"].ordinaryAccesses).toEqual({ count: 1000, given: true, checkedBy: "mte", counter: "tagChecks" });
  });
});

describe("runBoot", () => {
  it("rejects bad parameters before replaying", async () => {
    await expect(runBoot({ mode: "generic", seed: 1, outerFrames: 59 })).rejects.toThrow("runBoots: outerFrames: expected an integer from 0 to 58, got 59");
    await expect(runBoot({ mode: "generic", seed: 1, ordinaryAccesses: -1 })).rejects.toThrow(RangeError);
    await expect(runBoot({ mode: "generic", seed: 1, policy: "bogus" })).rejects.toThrow(/unknown policy "bogus"/);
    await expect(runBoot({ mode: "generic", seed: 1 }, { trace: "/nonexistent/trace.txt" })).rejects.toThrow("/nonexistent/trace.txt: cannot read the trace (no such file)");
  });

  it("summarise puts every outcome in one field", () => {
    const row = { event: "kfree", total: 45, replayed: 1, derived: 2, unplaceable: 3, failedInTrace: 4, failedInModel: 5, ignored: 6, marker: 7, beforeWindow: 8, afterWindow: 9 };
    // placed = replayed + derived + beforeWindow = 1 + 2 + 8; failed = 4 + 5; ignored = ignored + afterWindow = 6 + 9.
    expect(summarise([row])).toEqual({ placed: 11, unplaceable: 3, failed: 9, ignored: 15, markers: 7 });
  });
});
