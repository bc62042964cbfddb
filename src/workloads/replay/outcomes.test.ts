import { describe, expect, it } from "vitest";
import { OUT_DERIVED, OUT_REPLAYED, OUT_UNPLACEABLE, OutcomeTable } from "./outcomes.js";
import { EV_KFREE, EV_MM_PAGE_ALLOC, EV_MM_PAGE_FREE } from "./trace-record.js";

describe("the outcome table's derived and unplaceable reasons", () => {
  it("counts each reason, keeps them in first-occurrence order, and clears on reset", () => {
    const t = new OutcomeTable();
    // Reasons built at run time (not the same string objects) must still match by content.
    const slab = ["slab page", "the model's SLUB allocates its own"].join(": ");
    t.derived(EV_MM_PAGE_ALLOC, "slab page: the model's SLUB allocates its own");
    t.derived(EV_MM_PAGE_FREE, "free of a page the model allocates itself");
    t.derived(EV_MM_PAGE_ALLOC, slab);
    t.unplaceable(EV_KFREE, "kfree before tracing");
    t.add(EV_KFREE, OUT_REPLAYED);
    expect([...t.derivedReasons]).toEqual([
      ["slab page: the model's SLUB allocates its own", 2],
      ["free of a page the model allocates itself", 1],
    ]);
    expect([...t.unplaceableReasons]).toEqual([["kfree before tracing", 1]]);
    // 2 derived page allocs, 1 derived page free, 1 unplaceable + 1 replayed kfree: 5 in all.
    expect([t.get(EV_MM_PAGE_ALLOC, OUT_DERIVED), t.get(EV_KFREE, OUT_UNPLACEABLE), t.total()]).toEqual([2, 1, 5]);
    t.reset();
    expect([t.derivedReasons.size, t.unplaceableReasons.size, t.total()]).toEqual([0, 0, 0]);
    t.derived(EV_MM_PAGE_FREE, "free of a page the model allocates itself");
    expect([...t.derivedReasons]).toEqual([["free of a page the model allocates itself", 1]]);
  });
});
