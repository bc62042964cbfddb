/**
 * Tagging policies: named switches, each mirroring one patch of the seed series (or a reviewer's
 * alternative), combinable as `a,b,c`. A policy is data: mm/ and kernel/ read the resolved
 * `TaggingPolicy` switches at the points the patches touch.
 *
 *   resolvePolicies("vmalloc-skip-kasan,skip-stacks")  → { policy, warnings }
 *   resolvePolicies("seed-series")                      → the three patches of seed 001
 */

/** The resolved switches one kernel boots with. */
export interface TaggingPolicy {
  /** Canonical name (the spec as given, normalised: presets kept, sorted otherwise as given). */
  readonly name: string;
  /** __vmalloc_node_range's treatment of a caller's __GFP_SKIP_KASAN (seed 002). */
  readonly vmallocSkipKasan: "none" | "v1" | "v2";
  /** Seed 000: vmalloc'd stacks ask for __GFP_SKIP_KASAN, no kasan_unpoison_range on reuse with hw tags, page variant too. */
  readonly skipStacks: boolean;
  /** Ryan Roberts' alternative: THREADINFO_GFP itself carries __GFP_SKIP_KASAN (every stack site). */
  readonly skipStacksAll: boolean;
  /** Seed 001 patch 3: GFP_PGTABLE_KERNEL / GFP_PGTABLE_USER carry __GFP_SKIP_KASAN. */
  readonly skipPgtables: boolean;
  /** David Hildenbrand's thought experiment: untagged unless the allocation opts in (__GFP_TAGGED). */
  readonly untaggedByDefault: boolean;
}

export interface PolicyInfo {
  readonly name: string;
  /** Which seed text (or kernel) the switch models. */
  readonly seed: string;
  readonly description: string;
  /** For presets: the policies they expand to. */
  readonly expandsTo?: readonly string[];
}

export const POLICY_INFO: readonly PolicyInfo[] = [
  { name: "baseline", seed: "Linux 6.12 as released", description: "no change: every stack and page-table page is tagged on allocation and poisoned on free (hw_tags)" },
  {
    name: "vmalloc-skip-kasan",
    seed: "seed 002: [PATCH v2 1/3] vmalloc: add __GFP_SKIP_KASAN support, with Ryan Roberts' rework",
    description: "__vmalloc_node_range strips a caller's __GFP_SKIP_KASAN before the area/metadata allocations, passes it to the backing pages and does not call kasan_unpoison_vmalloc; GFP_VMALLOC_SUPPORTED gains __GFP_SKIP_KASAN",
  },
  {
    name: "vmalloc-skip-kasan-v1",
    seed: "seed 002: the v1 hunk Ryan Roberts reviewed",
    description: "the caller's __GFP_SKIP_KASAN passes through unchanged and KASAN_VMALLOC_PROT_NORMAL is withheld so kasan_unpoison_vmalloc returns early (not combinable with vmalloc-skip-kasan)",
  },
  {
    name: "skip-stacks",
    seed: "seed 000 / 001: [PATCH 2/3] fork: skip MTE tagging for kernel stacks",
    description: "GFP_VMAP_STACK | __GFP_SKIP_KASAN for vmalloc'd stacks, no kasan_unpoison_range on cached reuse when hw tags are on, THREADINFO_GFP | __GFP_SKIP_KASAN for the page-allocator variant (needs vmalloc-skip-kasan for the vmalloc'd stacks)",
  },
  {
    name: "skip-stacks-all",
    seed: "seed 000: Ryan Roberts' review (define THREADINFO_GFP to include __GFP_SKIP_KASAN)",
    description: "skip-stacks, and THREADINFO_GFP carries the flag so every stack site skips: the kmem_cache variant and arm64's irq/efi/sdei stacks (arch_alloc_vmap_stack) too",
  },
  {
    name: "skip-pgtables",
    seed: "seed 001: [PATCH 3/3] mm: SKIP KASAN for page table allocations",
    description: "GFP_PGTABLE_KERNEL and GFP_PGTABLE_USER carry __GFP_SKIP_KASAN (include/asm-generic/pgalloc.h)",
  },
  {
    name: "untagged-by-default",
    seed: "seed 001 review: David Hildenbrand's __GFP_TAGGED thought experiment",
    description: "page allocations are untagged unless they opt in with __GFP_TAGGED; slab objects, kmalloc (incl. kmalloc_large) and VM_ALLOC vmalloc data opt in; stacks, page tables, the SCS and other direct page allocations do not",
  },
  {
    name: "seed-series",
    seed: "seed 001: the whole series (v2)",
    description: "preset: vmalloc-skip-kasan + skip-stacks + skip-pgtables",
    expandsTo: ["vmalloc-skip-kasan", "skip-stacks", "skip-pgtables"],
  },
];

export const BASELINE_POLICY: TaggingPolicy = {
  name: "baseline",
  vmallocSkipKasan: "none",
  skipStacks: false,
  skipStacksAll: false,
  skipPgtables: false,
  untaggedByDefault: false,
};

export interface ResolvedPolicy {
  policy: TaggingPolicy;
  /** Combinations that do not do what their names suggest (printed, not fatal). */
  warnings: string[];
}

/**
 * Resolve a comma list of policy names (presets expand). Throws an Error naming the unknown or
 * conflicting item; the CLI turns it into an InputError.
 */
export function resolvePolicies(spec: string): ResolvedPolicy {
  const items = spec
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (items.length === 0) throw new Error(`policy: expected one or more of ${POLICY_INFO.map((p) => p.name).join(", ")} (comma-separated), got "${spec}"`);
  const names = new Set<string>();
  for (const it of items) {
    const info = POLICY_INFO.find((p) => p.name === it);
    if (info === undefined) throw new Error(`policy: unknown policy "${it}" (expected one of ${POLICY_INFO.map((p) => p.name).join(", ")})`);
    for (const n of info.expandsTo ?? [info.name]) names.add(n);
  }
  if (names.has("vmalloc-skip-kasan") && names.has("vmalloc-skip-kasan-v1")) {
    throw new Error(`policy "${spec}": vmalloc-skip-kasan and vmalloc-skip-kasan-v1 are two versions of the same patch; pick one`);
  }
  const warnings: string[] = [];
  const skipStacksAll = names.has("skip-stacks-all");
  const skipStacks = skipStacksAll || names.has("skip-stacks");
  const untagged = names.has("untagged-by-default");
  let vm: TaggingPolicy["vmallocSkipKasan"] = names.has("vmalloc-skip-kasan") ? "v2" : names.has("vmalloc-skip-kasan-v1") ? "v1" : "none";
  if (skipStacks && vm === "none" && !untagged) {
    warnings.push(
      `policy "${spec}": skip-stacks without vmalloc-skip-kasan — 6.12's __vmalloc_node_range ignores the caller's __GFP_SKIP_KASAN, so vmalloc'd stacks are still tagged (only the cached-reuse kasan_unpoison_range and the page-allocator variant change)`,
    );
  }
  // Opting out of tagging at vmalloc call sites needs vmalloc to honour the flag.
  if (untagged && vm === "none") vm = "v2";
  const canonical = items.length === 1 ? items[0] : items.join(",");
  return {
    policy: {
      name: names.has("baseline") && names.size === 1 ? "baseline" : canonical,
      vmallocSkipKasan: vm,
      skipStacks,
      skipStacksAll,
      skipPgtables: names.has("skip-pgtables"),
      untaggedByDefault: untagged,
    },
    warnings,
  };
}

/** Every policy and preset name, in listing order. */
export function policyNames(): string[] {
  return POLICY_INFO.map((p) => p.name);
}
