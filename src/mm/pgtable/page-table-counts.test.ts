import { describe, expect, it } from "vitest";
import { bootKernel } from "../../kernel/kernel.js";
import { Processes } from "../../kernel/processes.js";

const MiB = 2 ** 20;

/** Map `sizeMb` MiB in a fresh process, fault every page, return the table counts and the counters. */
function faulted(sizeMb: number) {
  const k = bootKernel({ mode: "hw_tags", seed: 3, memoryBytes: 3 * 2 ** 30 });
  const p = new Processes(k);
  const t = p.spawn("pt");
  const mm = t.mm!;
  k.counters.reset();
  const addr = p.mm.mmapAnon(mm, sizeMb * MiB);
  p.mm.populate(mm, addr, sizeMb * MiB);
  return { addr, pt: mm.pt, k };
}

describe("page-table pages for a faulted anonymous mapping (4 levels, 4 KiB, 48-bit VA)", () => {
  // mmap_base = 2^48 − 128 MiB; a mapping of S MiB is placed at [2^48 − 128 MiB − S, 2^48 − 128 MiB).
  it("4 KiB: one PTE, one PMD, one PUD table", () => {
    const { pt, k } = faulted(4 / 1024);
    expect([pt.pte.size, pt.pmd.size, pt.pud.size]).toEqual([1, 1, 1]);
    // 3 table pages allocated by the fault (the PGD came with the mm), one user page.
    expect(k.counters.byOrigin.pageTable.pageTableAllocs).toBe(3);
    expect(k.counters.byOrigin.userPage.pageAllocs).toBe(1);
  });

  it("3 MiB below a 2 MiB boundary spans two PTE tables", () => {
    // [2^48 − 131 MiB, 2^48 − 128 MiB): 2 MiB regions [−132, −130) and [−130, −128) MiB → 2 PTE tables.
    const { pt } = faulted(3);
    expect([pt.pte.size, pt.pmd.size, pt.pud.size]).toEqual([2, 1, 1]);
  });

  it("2048 MiB needs exactly 1024 PTE tables and three PMD tables", () => {
    // Start 2^48 − 2176 MiB is 2 MiB aligned: 2048 / 2 = 1024 PTE tables. In GiB units the range
    // is [2^18 − 2.125, 2^18 − 0.125): it touches GiB regions 2^18−3, 2^18−2, 2^18−1 → 3 PMD tables;
    // all inside the last 512 GiB → 1 PUD table.
    const { pt, k } = faulted(2048);
    expect([pt.pte.size, pt.pmd.size, pt.pud.size]).toEqual([1024, 3, 1]);
    expect(k.counters.byOrigin.pageTable.pageTableAllocs).toBe(1028);
    // Seed 001: a page-table page is tagged like any page (256 granules), a user page never is.
    expect(k.counters.byOrigin.pageTable.granulesTagged).toBe(1028 * 256);
    expect(k.counters.byOrigin.userPage.granulesTagged).toBe(0);
    expect(k.counters.byOrigin.userPage.pageAllocs).toBe(2048 * 256);
  });
});

describe("fork of a process with a small mapping (copy_page_range, COW)", () => {
  it("the child gets its own PGD/PUD/PMD/PTE pages; exit frees them after the RCU batch", () => {
    const k = bootKernel({ mode: "hw_tags", seed: 5 });
    const p = new Processes(k);
    const parent = p.spawn("parent");
    const addr = p.mm.mmapAnon(parent.mm!, 64 * 1024);
    p.mm.populate(parent.mm!, addr, 64 * 1024);
    p.rcu.gracePeriod();
    k.counters.reset();
    const child = p.fork(parent, 0);
    const pt = k.counters.byOrigin.pageTable;
    // 64 KiB at [2^48 − 128 MiB − 64 KiB, …): one 2 MiB region → PGD + PUD + PMD + PTE = 4 pages.
    expect(pt.pageTableAllocs).toBe(4);
    // hw_tags baseline: each gets a random tag with integrated zeroing (GFP_PGTABLE_USER has __GFP_ZERO).
    expect(pt.granulesTagged).toBe(4 * 256);
    expect(k.counters.byOrigin.userPage.pageAllocs).toBe(0); // 16 pages shared copy-on-write
    // The mapping ends at the 2 MiB-aligned mmap_base: its pages are PTE entries 496..511.
    const table = [...child.mm!.pt.pte.values()][0];
    expect(table.present).toBe(16);
    expect(p.mm.mapcountOf(table.entries[511])).toBe(2);
    p.exit(child);
    p.wait(child);
    p.rcu.gracePeriod();
    expect(pt.pageTableFrees).toBe(4);
    // Freed pages still carry their random tag, so free_pages_prepare poisons all 4 (256 granules each).
    expect(pt.granulesTagged).toBe(8 * 256);
    expect(k.counters.byOrigin.userPage.pageFrees).toBe(0); // the parent still maps them
  });

  it("skip-pgtables leaves page-table pages untagged: zeroed by clear_page instead", async () => {
    const { resolvePolicies } = await import("../../policy/policies.js");
    const k = bootKernel({ mode: "hw_tags", seed: 5, policy: resolvePolicies("skip-pgtables").policy });
    const p = new Processes(k);
    const parent = p.spawn("parent");
    const addr = p.mm.mmapAnon(parent.mm!, 64 * 1024);
    p.mm.populate(parent.mm!, addr, 64 * 1024);
    k.counters.reset();
    const child = p.fork(parent, 0);
    p.exit(child);
    p.wait(child);
    p.rcu.gracePeriod();
    const pt = k.counters.byOrigin.pageTable;
    expect(pt.pageTableAllocs).toBe(4);
    expect(pt.granulesTagged).toBe(0);
    expect(pt.kernelInitPages).toBe(4);
    expect(pt.bytesZeroed).toBe(4 * 4096);
    expect(pt.kasanSkippedPoison).toBe(4);
  });
});
