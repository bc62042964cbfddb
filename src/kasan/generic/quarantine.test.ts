import { describe, expect, it } from "vitest";
import { Counters } from "../../cost/counters.js";
import { fakeCache } from "../testing/fakes.js";
import { Quarantine, QUARANTINE_PERCPU_SIZE, quarantineBatches } from "./quarantine.js";

const KiB = 1024;
const MiB = 1024 * KiB;

function make(totalRamPages: number, onlineCpus = 1) {
  const freed: number[] = [];
  const counters = new Counters();
  const q = new Quarantine({ totalRamPages, onlineCpus, configNrCpus: 256 }, counters, (_c, o) => freed.push(o));
  return { q, freed, counters };
}

describe("kasan quarantine constants", () => {
  it("QUARANTINE_BATCHES = max(1024, 4·NR_CPUS), per-CPU limit 1 MiB", () => {
    expect(quarantineBatches(256)).toBe(1024);
    expect(quarantineBatches(512)).toBe(2048);
    expect(QUARANTINE_PERCPU_SIZE).toBe(MiB);
  });
});

describe("kasan_quarantine_put / kasan_quarantine_reduce", () => {
  // 128 MiB of RAM: total = 128 MiB / 32 = 4 MiB; max = 4 MiB − 1 MiB·1 CPU = 3 MiB;
  // batch = max(1 MiB, 2·4 MiB / 1024) = 1 MiB.
  const RAM_PAGES = (128 * MiB) / 4096;
  const big = fakeCache({ objectSize: 256 * KiB, size: 256 * KiB });

  it("the per-CPU queue spills to the global FIFO only when it exceeds 1 MiB", () => {
    const { q } = make(RAM_PAGES);
    for (let i = 0; i < 4; i++) q.put(big, i, 0);
    // 4 × 256 KiB = 1 MiB is not more than 1 MiB: still per-CPU.
    expect(q.cpuBytes(0)).toBe(MiB);
    expect(q.globalBytes).toBe(0);
    q.put(big, 4, 0);
    // 1.25 MiB > 1 MiB: the whole queue moves to batch 0; batch size is still 0, so tail → 1.
    expect(q.cpuBytes(0)).toBe(0);
    expect(q.globalBytes).toBe(5 * 256 * KiB);
    expect(q.tailIndex).toBe(1);
  });

  it("reduce computes the limits and frees the oldest batch once over 3 MiB, FIFO", () => {
    const { q, freed, counters } = make(RAM_PAGES);
    for (let i = 0; i < 5; i++) q.put(big, i, 0); // batch 0: objects 0..4 (1.25 MiB)
    q.reduce(); // 1.25 MiB > 0 (initial max) → recompute: max 3 MiB, batch 1 MiB; nothing freed
    expect(q.maxBytes).toBe(3 * MiB);
    expect(q.batchBytes).toBe(MiB);
    expect(freed).toEqual([]);
    for (let i = 5; i < 15; i++) q.put(big, i, 0); // batches 1 and 2: 1.25 MiB each ≥ 1 MiB
    expect(q.globalBytes).toBe(15 * 256 * KiB); // 3.75 MiB
    expect(q.tailIndex).toBe(3);
    q.reduce(); // 3.75 MiB > 3 MiB → batch 0 (objects 0..4) goes back to the slab allocator
    expect(freed).toEqual([0, 1, 2, 3, 4]);
    expect(q.globalBytes).toBe(10 * 256 * KiB);
    expect(q.headIndex).toBe(1);
    expect(counters.cur.quarantineObjectsFreed).toBe(5);
    expect(counters.cur.quarantineReduces).toBe(1);
    q.reduce(); // 2.5 MiB ≤ 3 MiB: nothing
    expect(freed.length).toBe(5);
    expect(q.contents()).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  });

  it("accounts cache->size, not the object size", () => {
    const { q, counters } = make(RAM_PAGES);
    q.put(fakeCache({ objectSize: 100, size: 192 }), 0, 0);
    expect(q.cpuBytes(0)).toBe(192);
    expect(counters.cur.quarantineBytesPut).toBe(192);
  });

  it("per-CPU queues are separate", () => {
    const { q } = make(RAM_PAGES, 2);
    q.put(big, 1, 0);
    q.put(big, 2, 1);
    expect([q.cpuBytes(0), q.cpuBytes(1)]).toEqual([256 * KiB, 256 * KiB]);
  });

  it("kasan_quarantine_remove_cache frees only that cache's objects", () => {
    const { q, freed } = make(RAM_PAGES);
    const a = fakeCache({ name: "a", objectSize: 64, size: 64 });
    const b = fakeCache({ name: "b", objectSize: 64, size: 64 });
    q.put(a, 10, 0);
    q.put(b, 20, 0);
    q.put(a, 30, 0);
    q.removeCache(a);
    expect(freed).toEqual([10, 30]);
    expect(q.contents()).toEqual([20]);
    expect(q.cpuBytes(0)).toBe(64);
  });

  it("rejects a non-positive configuration", () => {
    expect(() => new Quarantine({ totalRamPages: 0, onlineCpus: 1, configNrCpus: 1 }, new Counters(), () => {})).toThrow(/totalRamPages must be a positive integer/);
  });
});
