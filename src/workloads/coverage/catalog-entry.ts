/**
 * One entry of the bug catalog: a KUnit case of the KASAN suite, a scenario for the memory the
 * seed series stops tagging (thread stacks, page tables, __vmalloc with __GFP_SKIP_KASAN), or a
 * check of one of the seed's claims. Scenarios boot their own kernel per seed (see boot.ts).
 */
import type { KasanMode } from "../../config/mode.js";
import type { StackCollection } from "../../kernel/stack-depot.js";
import type { TaggingPolicy } from "../../policy/policies.js";
import type { SeedResult } from "./outcome.js";

export type EntryGroup = "kunit" | "stack" | "pgtable" | "vmalloc" | "claim";

export interface CoverageEnv {
  mode: Exclude<KasanMode, "off">;
  policy: TaggingPolicy;
  seed: number;
  /** KASAN stack collection flavour (`--stacks`; default unwinder). */
  stacks?: StackCollection;
  /** Save stacks in the stack depot (`--stack-depot`; default true). */
  stackDepot?: boolean;
}

export interface CatalogEntry {
  /** Stable id: "kunit.<case>" or "<group>.<name>". */
  id: string;
  group: EntryGroup;
  /** One line: the bug (or claim) in kernel terms. */
  title: string;
  /** Whether the verdict is a claim (holds/fails) rather than a bug (caught/missed). */
  claim: boolean;
}

/** A scenario or claim entry: runs on a kernel it boots itself. */
export interface ScenarioEntry extends CatalogEntry {
  run(env: CoverageEnv): SeedResult;
}
