/** The bug catalog: the KUnit-equivalent suite, then the scenarios and claims of issue 5. */
import type { CatalogEntry, ScenarioEntry } from "./catalog-entry.js";
import { KUNIT_ENTRIES } from "./kunit-entries.js";
import { CLAIM_ENTRIES } from "./scenarios/claims.js";
import { PGTABLE_ENTRIES } from "./scenarios/pgtables.js";
import { STACK_ENTRIES } from "./scenarios/stacks.js";
import { VMALLOC_ENTRIES } from "./scenarios/vmalloc-highuser.js";

export const SCENARIO_ENTRIES: readonly ScenarioEntry[] = [...STACK_ENTRIES, ...PGTABLE_ENTRIES, ...VMALLOC_ENTRIES, ...CLAIM_ENTRIES];

export const CATALOG: readonly CatalogEntry[] = [...KUNIT_ENTRIES, ...SCENARIO_ENTRIES];
