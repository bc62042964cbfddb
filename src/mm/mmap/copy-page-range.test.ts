import { describe, expect, it } from "vitest";
import { bootKernel } from "../../kernel/kernel.js";
import { Processes } from "../../kernel/processes.js";

const KiB = 1024;

/** A parent with 64 KiB faulted just below mmap_base (PTE entries 496..511 of one table). */
function parentWithMapping() {
  const k = bootKernel({ mode: "hw_tags", seed: 7 });
  const p = new Processes(k);
  const parent = p.spawn("parent");
  const mm = parent.mm!;
  // 128 KiB mapped, only the upper 64 KiB faulted: entries 480..495 stay empty for the child.
  const addr = p.mm.mmapAnon(mm, 128 * KiB);
  p.mm.populate(mm, addr + 64 * KiB, 64 * KiB);
  return { k, p, parent, addr };
}

describe("copy_page_range: COW sharing of user pages between parent and child", () => {
  it("every mapped page counts both mappings until one side goes", () => {
    const { p, parent } = parentWithMapping();
    const child = p.fork(parent, 0);
    const pt = [...parent.mm!.pt.pte.values()][0];
    const ct = [...child.mm!.pt.pte.values()][0];
    // The child's table is a page of its own but maps the same 16 pages.
    expect(ct.pfn).not.toBe(pt.pfn);
    expect(ct.present).toBe(16);
    for (let i = 496; i < 512; i++) {
      expect(ct.entries[i]).toBe(pt.entries[i]);
      expect(p.mm.mapcountOf(pt.entries[i])).toBe(2);
    }
    p.exit(child);
    p.wait(child);
    for (let i = 496; i < 512; i++) expect(p.mm.mapcountOf(pt.entries[i])).toBe(1);
  });

  it("a fault in the child after fork maps a page only the child has; its exit frees just that one", () => {
    const { k, p, parent, addr } = parentWithMapping();
    const child = p.fork(parent, 0);
    // addr is entry 480 (2^48 − 128 MiB − 128 KiB: 32 pages below the 2 MiB boundary → 512 − 32).
    expect(p.mm.fault(child.mm!, addr)).toBe(true);
    const pt = [...parent.mm!.pt.pte.values()][0];
    const ct = [...child.mm!.pt.pte.values()][0];
    expect(pt.entries[480]).toBe(0);
    expect(pt.present).toBe(16);
    expect(ct.present).toBe(17);
    const own = ct.entries[480];
    expect(p.mm.mapcountOf(own)).toBe(1);
    // The 16 shared pages are still mapped twice.
    expect(p.mm.mapcountOf(pt.entries[511])).toBe(2);
    const frees = k.counters.byOrigin.userPage.pageFrees;
    p.exit(child);
    p.wait(child);
    // zap_pte_range drops 17 mappings; only the child's own page reaches mapcount 0.
    expect(k.counters.byOrigin.userPage.pageFrees - frees).toBe(1);
    expect(p.mm.mapcountOf(own)).toBe(0);
    expect(p.mm.mapcountOf(pt.entries[511])).toBe(1);
  });

  it("the parent exiting first leaves the pages to the child; the child's exit frees all 16", () => {
    const { k, p, parent } = parentWithMapping();
    const child = p.fork(parent, 0);
    const ct = [...child.mm!.pt.pte.values()][0];
    const frees0 = k.counters.byOrigin.userPage.pageFrees;
    p.exit(parent);
    // Each page loses one of its two mappings: none is freed.
    expect(k.counters.byOrigin.userPage.pageFrees - frees0).toBe(0);
    expect(p.mm.mapcountOf(ct.entries[500])).toBe(1);
    p.exit(child);
    expect(k.counters.byOrigin.userPage.pageFrees - frees0).toBe(16);
  });

  it("two forks share with the parent: three mappings per page, each exit drops one", () => {
    const { p, parent } = parentWithMapping();
    const a = p.fork(parent, 0);
    const b = p.fork(parent, 0);
    const pt = [...parent.mm!.pt.pte.values()][0];
    expect(p.mm.mapcountOf(pt.entries[496])).toBe(3);
    p.exit(a);
    expect(p.mm.mapcountOf(pt.entries[496])).toBe(2);
    // A fault in the parent's table after the forks (entry 481) is the parent's alone.
    expect(p.mm.fault(parent.mm!, 2 ** 48 - 128 * 2 ** 20 - 31 * 4096)).toBe(true);
    const mine = [...parent.mm!.pt.pte.values()][0].entries[481];
    expect(p.mm.mapcountOf(mine)).toBe(1);
    expect([...b.mm!.pt.pte.values()][0].entries[481]).toBe(0);
    expect(p.mm.mapcountOf(pt.entries[496])).toBe(2);
  });
});
