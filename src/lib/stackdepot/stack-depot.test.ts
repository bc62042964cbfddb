import { describe, expect, it } from "vitest";
import { Counters } from "../../cost/counters.js";
import {
  DEPOT_MAX_POOLS,
  DEPOT_POOL_SIZE,
  depotStackRecordSize,
  handleParts,
  StackDepot,
  STACK_BUCKET_BYTES,
  type DepotPagePool,
} from "./stack-depot.js";

function depot(opts: Partial<ConstructorParameters<typeof StackDepot>[0]> = {}) {
  const counters = new Counters();
  const d = new StackDepot({ counters, bucketOrder: 12, ...opts });
  return { d, c: counters.cur, counters };
}

/** A distinct n-frame trace: frames base, base+1, … */
function trace(base: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => base + i);
}

describe("stack depot (lib/stackdepot.c)", () => {
  it("constants: 16 KiB pools, 10 offset bits, 17 pool-index bits, 8192 pools", () => {
    // DEPOT_OFFSET_BITS = 2 + 12 − 4 = 10; index bits = 32 − 10 − 5 = 17; 2^17 − 1 > 8192 → cap 8192.
    expect(DEPOT_POOL_SIZE).toBe(16384);
    expect(DEPOT_MAX_POOLS).toBe(8192);
  });

  it("record size: 32-byte header + 8 per frame, aligned to 16", () => {
    expect(depotStackRecordSize(1)).toBe(48); // 40 → 48
    expect(depotStackRecordSize(3)).toBe(64); // 56 → 64
    expect(depotStackRecordSize(10)).toBe(112); // 112
    expect(depotStackRecordSize(64)).toBe(544); // 544
  });

  it("deduplicates: the same trace twice is one record and one handle", () => {
    const { d, c } = depot();
    const h1 = d.save(trace(100, 5), 5, 0, true);
    const h2 = d.save(trace(100, 5), 5, 0, true);
    expect(h1).toBe(h2);
    expect(d.records).toBe(1);
    // First save: fast lookup miss + locked re-lookup = 2; second save: one hit = 1.
    expect([c.depotLookups, c.depotInserts]).toEqual([3, 1]);
    expect(d.fetch(h1)).toEqual(trace(100, 5));
  });

  it("a different frame or a different length is a different record", () => {
    const { d } = depot();
    const a = d.save([1, 2, 3], 3, 0, true);
    const b = d.save([1, 2, 4], 3, 0, true);
    const c = d.save([1, 2], 2, 0, true);
    expect(new Set([a, b, c]).size).toBe(3);
  });

  it("handles: pool_index+1 | offset>>4 << 17, records bump-allocated", () => {
    const { d } = depot();
    // First record (3 frames, 64 bytes) at pool 0 offset 0: handle = 1.
    const h1 = d.save(trace(0, 3), 3, 0, true);
    expect(h1).toBe(1);
    // Second record at offset 64: 64 >> 4 = 4 → 1 | 4 << 17 = 0x80001.
    const h2 = d.save(trace(10, 1), 1, 0, true);
    expect(h2).toBe(0x80001);
    expect(handleParts(h2)).toEqual({ poolIndexPlus1: 1, offset: 4, extra: 0 });
    // 64 + 48 bytes used.
    expect(d.currentPoolOffset).toBe(112);
  });

  it("pools: one in use plus one spare; the 31st 64-frame record opens pool 1", () => {
    const { d, c } = depot();
    // 64 frames → 544-byte records; floor(16384 / 544) = 30 per pool (30 · 544 = 16320).
    for (let i = 0; i < 30; i++) d.save(trace(1000 * i, 64), 64, 0, true);
    // Save 1 allocates pool 0 and uses it; save 2 allocates the spare; saves 3..30 allocate nothing.
    expect([d.poolsNum, d.hasSparePool, c.depotPoolsAllocated]).toEqual([1, true, 2]);
    const h31 = d.save(trace(999_999, 64), 64, 0, true);
    // Record 31 takes the spare as pool 1 (offset 0): handle = 2.
    expect(h31).toBe(2);
    expect([d.poolsNum, d.hasSparePool, c.depotPoolsAllocated]).toEqual([2, false, 2]);
    d.save(trace(2_000_000, 64), 64, 0, true);
    // The next miss finds no spare and preallocates one again.
    expect([d.poolsNum, d.hasSparePool, c.depotPoolsAllocated]).toEqual([2, true, 3]);
    // Memory: 2^12 buckets · 16 bytes + 3 pools · 16 KiB.
    expect(d.memoryBytes).toBe(4096 * STACK_BUCKET_BYTES + 3 * 16384);
    expect(d.persistentBytes).toBe(32 * 544);
  });

  it("without STACK_DEPOT_FLAG_CAN_ALLOC and no pool, nothing can be stored (handle 0)", () => {
    const { d, c } = depot();
    expect(d.save([1, 2], 2, 0, false)).toBe(0);
    expect([c.depotPoolsAllocated, d.poolsNum]).toEqual([0, 0]);
    // Once a can-alloc save made pool 0, a no-alloc save fits into it.
    d.save([5], 1, 0, true);
    expect(d.save([1, 2], 2, 0, false)).not.toBe(0);
  });

  it("pool pages come from the page pool with the caller's gfp; failures give handle 0", () => {
    const calls: number[] = [];
    let fail = true;
    const pool: DepotPagePool = {
      allocPool: (gfp) => {
        calls.push(gfp);
        return fail ? -1 : calls.length;
      },
      freePool: () => {},
    };
    const { d } = depot({ pagePool: pool });
    expect(d.save([1], 1, 0xcc0, true)).toBe(0);
    fail = false;
    expect(d.save([1], 1, 0xcc0, true)).toBe(1);
    expect(calls).toEqual([0xcc0, 0xcc0]);
  });

  it("capacity: WARN once, then handle 0 (pool limit lowered to 1 for the test)", () => {
    const warnings: string[] = [];
    const { d } = depot({ maxPools: 1, warn: (m) => warnings.push(m) });
    for (let i = 0; i < 30; i++) expect(d.save(trace(1000 * i, 64), 64, 0, true)).not.toBe(0);
    expect(d.save(trace(100_000, 64), 64, 0, true)).toBe(0);
    expect(d.save(trace(200_000, 64), 64, 0, true)).toBe(0);
    expect(warnings).toEqual(["Stack depot reached limit capacity"]);
  });

  it("filter_irq_stacks keeps frames up to and including the IRQ entry", () => {
    const { d } = depot({ isIrqEntry: (ip) => ip === 50 });
    const h = d.save([10, 20, 50, 60, 70], 5, 0, true);
    expect(d.fetch(h)).toEqual([10, 20, 50]);
    // Different task frames below the IRQ entry dedup to the same record.
    expect(d.save([10, 20, 50, 99], 4, 0, true)).toBe(h);
  });

  it("every save runs filter_irq_stacks first: one call and the entries it examines are counted, hits included", () => {
    const { d, c } = depot({ isIrqEntry: (ip) => ip === 50 });
    d.save([10, 20, 50, 60, 70], 5, 0, true); // cut after 50: 3 entries examined
    d.save([10, 20, 50, 60, 70], 5, 0, true); // the same trace again (a find_stack hit): 3 again
    d.save([1, 2, 3, 4], 4, 0, true); // no IRQ entry: all 4 examined
    const h = d.save([1, 2, 3, 4], 4, 0, true);
    d.repeatSave(h, 4); // a caller's memoised repeat of that save
    // 5 saves; 3 + 3 + 4 + 4 + 4 = 18 entries.
    expect([c.depotSaves, c.filterIrqStacksEntries]).toEqual([5, 18]);
    expect(d.lastFiltered).toBe(4);
  });

  it("a disabled depot still filters (the kernel filters before it tests stack_depot_disabled)", () => {
    const { d, c } = depot({ disabled: true });
    expect(d.save([1, 2, 3], 3, 0, true)).toBe(0);
    expect([c.depotSaves, c.filterIrqStacksEntries, c.depotLookups]).toEqual([1, 3, 0]);
  });

  it("CONFIG_STACKDEPOT_MAX_FRAMES truncates, and a truncated trace never matches itself again", () => {
    const { d, c } = depot({ maxFrames: 4 });
    const h1 = d.save(trace(1, 6), 6, 0, true);
    expect(d.fetch(h1)).toEqual([1, 2, 3, 4]);
    // find_stack compares the stored size (4) with the untruncated one (6): a new record each time.
    const h2 = d.save(trace(1, 6), 6, 0, true);
    expect(h2).not.toBe(h1);
    expect(c.depotInserts).toBe(2);
  });

  it("stack_depot_disable: every handle is 0 and no table is allocated", () => {
    const { d, c } = depot({ disabled: true });
    expect(d.save([1, 2, 3], 3, 0, true)).toBe(0);
    expect([d.memoryBytes, c.depotLookups]).toEqual([0, 0]);
  });

  it("KASAN's 2^20 buckets account 16 MiB of hash table", () => {
    const { d } = depot({ bucketOrder: 20 });
    expect(d.memoryBytes).toBe(2 ** 20 * 16);
  });
});

describe("stack depot memo of recent traces", () => {
  it("a trace saved again after hundreds of others costs one find_stack(), memo hit or not", () => {
    // Lookup counts the kernel would make: a new trace 2 (find, then find again under the
    // lock before inserting), a known one 1. Whether the model's memo still holds a trace must
    // not show in the counters.
    const { d, c } = depot();
    const first = trace(0x1000, 6);
    const h = d.save(first, 6, 0, true);
    expect(c.depotLookups).toBe(2);
    // Right away: certainly still in the memo.
    expect(d.save(first, 6, 0, true)).toBe(h);
    expect(c.depotLookups).toBe(3);
    // 600 other traces (more than the memo's slots): whichever slot `first` had may be taken.
    for (let i = 1; i <= 600; i++) d.save(trace(0x1000 + i * 64, 6), 6, 0, true);
    expect(c.depotLookups).toBe(3 + 600 * 2);
    expect(d.records).toBe(601);
    // Each of the 601 traces once more: known, one lookup each, same handles.
    expect(d.save(first, 6, 0, true)).toBe(h);
    for (let i = 1; i <= 600; i++) d.save(trace(0x1000 + i * 64, 6), 6, 0, true);
    expect(c.depotLookups).toBe(3 + 1200 + 601);
    expect(d.records).toBe(601);
  });
});
