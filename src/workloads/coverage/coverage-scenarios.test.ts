/**
 * Issue 5's catalog scenarios under baseline and seed-series in hw_tags, each expectation
 * derived from the kernel paths (seed 1; the derivations hold for any seed), and the software
 * modes unchanged by every policy (__GFP_SKIP_KASAN is 0 there).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BASELINE_POLICY, resolvePolicies } from "../../policy/policies.js";
import type { CoverageEnv } from "./catalog-entry.js";
import { SCENARIO_ENTRIES } from "./catalog.js";
import type { SeedResult } from "./outcome.js";

const SEED_SERIES = resolvePolicies("seed-series").policy;

function run(id: string, env: CoverageEnv): SeedResult {
  const e = SCENARIO_ENTRIES.find((x) => x.id === id);
  if (e === undefined) throw new Error(`no entry ${id}`);
  return e.run(env);
}

function chance(id: string, policy = BASELINE_POLICY, seed = 1): number {
  const r = run(id, { mode: "hw_tags", policy, seed });
  if (r.kind !== "bug") throw new Error(`${id} is not a bug entry`);
  return r.chance;
}

function holds(id: string, policy = BASELINE_POLICY): boolean {
  const r = run(id, { mode: "hw_tags", policy, seed: 1 });
  if (r.kind !== "claim") throw new Error(`${id} is not a claim`);
  return r.holds;
}

describe("thread stacks in hw_tags", () => {
  it("a stray write into a live stack: 13/14 under baseline, never under seed-series", () => {
    // Baseline: __vmalloc_node_range maps the stack Normal-Tagged and kasan_unpoison_vmalloc
    // tags it with one IRG tag T; of the 14 stray tags only T passes → 13/14.
    expect(chance("stack.stray-write")).toBe(13 / 14);
    // seed-series (v2): skip_kasan keeps prot PAGE_KERNEL (not tagged): no access is checked.
    expect(chance("stack.stray-write", SEED_SERIES)).toBe(0);
  });

  it("through the linear alias both catch 13/14: the frames carry T, or the boot tag 0 (0xF0)", () => {
    // Baseline: tags live with the frame, so the alias reads T. seed-series: the backing pages
    // were allocated with __GFP_SKIP_KASAN and never tagged; the model's tag RAM starts at 0,
    // which is the valid random tag 0xF0: it alone passes.
    expect(chance("stack.stray-write-linear")).toBe(13 / 14);
    const r = run("stack.stray-write-linear", { mode: "hw_tags", policy: SEED_SERIES, seed: 1 });
    expect(r.kind === "bug" && r.chance).toBe(13 / 14);
    expect(r.detail).toContain("0xF0 pass");
  });

  it("a stale pointer to a cached stack is missed even under baseline", () => {
    // Parked: free_thread_stack puts the area in cached_stacks without poisoning (tag T stays).
    // Reused: the cache hit's kasan_unpoison_range(vm->addr) re-tags with vm->addr's own tag T.
    for (const id of ["stack.stale-parked", "stack.stale-cache-reused"]) {
      expect(chance(id)).toBe(0);
      expect(chance(id, SEED_SERIES)).toBe(0);
    }
  });

  it("a stale pointer to a vfree'd and reused stack: 13/14 under baseline, missed under seed-series", () => {
    // Baseline: the new area gets a fresh IRG tag, independent of the old T: caught unless equal.
    expect(chance("stack.stale-vfree-reused")).toBe(13 / 14);
    // seed-series: vmalloc returned a 0xFF pointer for the old stack, and the new one is untagged.
    expect(chance("stack.stale-vfree-reused", SEED_SERIES)).toBe(0);
  });
});

describe("page-table pages in hw_tags", () => {
  it("a forged-tag read of a fresh PTE page: 13/14 either way", () => {
    // Baseline: post_alloc_hook tags the page with T. skip-pgtables: untagged, boot tag 0xF0.
    expect(chance("pgtable.forged-read")).toBe(13 / 14);
    expect(chance("pgtable.forged-read", SEED_SERIES)).toBe(13 / 14);
  });

  it("on a recycled page seed-series catches every stray tag: the page keeps the poison tag", () => {
    // The recycled frames were poisoned with 0xFE when a GFP_KERNEL allocation freed them;
    // with __GFP_SKIP_KASAN nothing re-tags them, so all 14 random tags mismatch.
    expect(chance("pgtable.forged-read-recycled")).toBe(13 / 14);
    expect(chance("pgtable.forged-read-recycled", SEED_SERIES)).toBe(1);
  });

  it("a use-after-free through ptdesc_address(): caught under baseline, missed under seed-series", () => {
    // Baseline: page tag T ≠ 0xFF, so free_pages_prepare poisons it 0xFE; the stale T pointer
    // faults. skip-pgtables: page_address() is 0xFF (page tag reset) and the free is not
    // poisoned (should_skip_kasan_poison): the match-all stale pointer never faults.
    expect(chance("pgtable.uaf-ptdesc")).toBe(1);
    expect(chance("pgtable.uaf-ptdesc", SEED_SERIES)).toBe(0);
  });

  it("through __va() (what page-table walkers use) it is missed either way", () => {
    expect(chance("pgtable.uaf-va")).toBe(0);
    expect(chance("pgtable.uaf-va", SEED_SERIES)).toBe(0);
  });
});

describe("__vmalloc(GFP_HIGHUSER_MOVABLE) in hw_tags (seed 002's review case)", () => {
  it("out of bounds: 6.12 catches it in the in-page redzone; vmalloc-skip-kasan leaves it untagged", () => {
    // 6.12 ignores the caller's __GFP_SKIP_KASAN: Normal-Tagged, [3584, 4096) tagged 0xFE.
    expect(chance("vmalloc.highuser-oob")).toBe(1);
    // v2: skip_kasan → PAGE_KERNEL mapping, no kasan_unpoison_vmalloc, 0xFF pointer.
    expect(chance("vmalloc.highuser-oob", SEED_SERIES)).toBe(0);
    expect(chance("vmalloc.highuser-oob", resolvePolicies("vmalloc-skip-kasan-v1").policy)).toBe(0);
  });

  it("use after free and reuse: 13/14 → missed; in-bounds accesses keep working either way", () => {
    expect(chance("vmalloc.highuser-uaf-reused")).toBe(13 / 14);
    expect(chance("vmalloc.highuser-uaf-reused", SEED_SERIES)).toBe(0);
    expect(holds("vmalloc.highuser-inbounds")).toBe(true);
    expect(holds("vmalloc.highuser-inbounds", SEED_SERIES)).toBe(true);
  });
});

describe("the seed's claims in hw_tags", () => {
  it("non-match tags fault at a live stack only under baseline (the vmalloc'd stack is untagged under v2)", () => {
    expect(holds("claim.non-match-stack")).toBe(true);
    expect(holds("claim.non-match-stack", SEED_SERIES)).toBe(false);
    expect(holds("claim.non-match-pgtable-recycled", SEED_SERIES)).toBe(true);
  });

  it("the poison tag 0xFE passes on recycled pages under seed-series (the seed's parenthetical)", () => {
    for (const id of ["claim.poison-tag-pgtable", "claim.poison-tag-stack-linear"]) {
      expect(holds(id)).toBe(true);
      expect(holds(id, SEED_SERIES)).toBe(false);
    }
  });

  it("a match-all pointer never faults on stacks or page tables, under any policy and seed", () => {
    const specs = ["baseline", "seed-series", "skip-stacks-all,vmalloc-skip-kasan", "untagged-by-default", "vmalloc-skip-kasan-v1,skip-stacks"];
    fc.assert(
      fc.property(fc.constantFrom(...specs), fc.integer({ min: 1, max: 1000 }), fc.constantFrom("claim.match-all-stack", "claim.match-all-pgtable"), (spec, seed, id) => {
        const r = run(id, { mode: "hw_tags", policy: resolvePolicies(spec).policy, seed });
        return r.kind === "claim" && r.holds;
      }),
      { numRuns: 20 },
    );
  });
});

describe("software modes", () => {
  it("every scenario gives the same result under baseline and seed-series (__GFP_SKIP_KASAN is 0)", () => {
    for (const mode of ["generic", "sw_tags"] as const) {
      for (const e of SCENARIO_ENTRIES) {
        const b = e.run({ mode, policy: BASELINE_POLICY, seed: 3 });
        const p = e.run({ mode, policy: SEED_SERIES, seed: 3 });
        expect(p, `${mode} ${e.id}`).toEqual(b);
      }
    }
  });

  it("sw_tags catches a stray write into a live stack with chance 253/254", () => {
    // One LCG tag of 0x00..0xFD is the stack's own.
    const r = run("stack.stray-write", { mode: "sw_tags", policy: BASELINE_POLICY, seed: 1 });
    expect(r.kind === "bug" && r.chance).toBe(253 / 254);
  });
});
