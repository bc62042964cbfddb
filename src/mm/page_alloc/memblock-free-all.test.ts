import { describe, expect, it } from "vitest";
import { Counters } from "../../cost/counters.js";
import { ExecContext } from "../../lib/context.js";
import { CountingArchPageOps } from "../arch-page-ops.js";
import { GFP_KERNEL } from "../gfp.js";
import { MIGRATE_MOVABLE } from "./migratetype.js";
import { PageAllocator, createPageArray, defaultReservedBytes, type PageAllocatorOptions } from "./page-allocator.js";
import { PG_reserved } from "./page-flags.js";
import { RecordingKasanHooks } from "./recording-kasan-hooks.js";

function make(over: Partial<PageAllocatorOptions> = {}): { pa: PageAllocator; counters: Counters } {
  const counters = new Counters();
  const nrCpus = over.nrCpus ?? 2;
  const pa = new PageAllocator({
    nrCpus,
    ctx: new ExecContext(nrCpus),
    counters,
    hooks: new RecordingKasanHooks({ mode: "hw_tags", record: false }),
    arch: new CountingArchPageOps(counters),
    initOnAlloc: false,
    initOnFree: false,
    mode: "hw_tags",
    ...over,
  });
  return { pa, counters };
}

describe("memblock_free_all and the boot-time zone sizes", () => {
  it("derives the kernel's numbers for the default 2 GiB machine with 2 CPUs", () => {
    const { pa, counters } = make();
    // Reserved: 16 MiB image + 524288 pages × 64 B memmap (32 MiB) = 48 MiB = 12288 pages.
    expect(defaultReservedBytes(2 ** 31)).toBe(48 << 20);
    expect([pa.minPfn, pa.maxPfn]).toEqual([0x40000, 0x40000 + 524288]);
    // managed = 524288 − 12288 = 512000 pages, all free in 500 order-10 blocks on the movable list.
    expect(pa.managedPages).toBe(512000);
    expect(pa.freePagesCount()).toBe(512000);
    expect(pa.nrFreeBlocks(10)).toBe(500);
    expect(pa.freeListPfns(10, MIGRATE_MOVABLE)[0]).toBe(0x43000);
    // min_free_kbytes = int_sqrt(512000·4·16) = int_sqrt(32768000) = 5724; min = 5724/4 = 1431 pages;
    // tmp = max(1431/4 = 357, 512000·10/10000 = 512) = 512; low = 1943; high = 2455.
    expect(pa.watermarks).toEqual({ minFreeKbytes: 5724, min: 1431, low: 1943, high: 2455 });
    // batch: min(512000/1024, 256) = 256, /4 = 64, rounddown_pow_of_two(64 + 32) − 1 = 63.
    // high_min = max(low 1943 / 2 CPUs, 63·4) = 971; high_max = max(512000/8/2, 252) = 32000.
    const s = pa.pcpState(0);
    expect([s.batch, s.highMin, s.highMax, s.high]).toEqual([63, 971, 32000, 971]);
    // Boot memory carries page tag 0xFF and reserved pages are PG_reserved; boot calls no hook.
    expect(pa.pages.kasanTag(0x43000)).toBe(0xff);
    expect(pa.pages.testFlag(0x42fff, PG_reserved)).toBe(true);
    expect(pa.pages.testFlag(0x43000, PG_reserved)).toBe(false);
    expect(counters.cur.kasanPoisonPages + counters.cur.kasanSkippedPoison + counters.cur.buddyMerges).toBe(0);
  });

  it("frees unaligned ranges as maximal aligned blocks (__free_pages_memory)", () => {
    // 12 MiB = 3072 pages, first 3 reserved: [3] o0, [4] o2, [8] o3, ..., [512] o9,
    // [1024] o10, [2048] o10 — nothing of order 1.
    const { pa } = make({ memoryBytes: 12 << 20, reservedBytes: 3 * 4096, nrCpus: 1 });
    expect(pa.freePagesCount()).toBe(3069);
    const counts = Array.from({ length: 11 }, (_, o) => pa.nrFreeBlocks(o));
    expect(counts).toEqual([1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2]);
    expect(pa.freeListPfns(0, MIGRATE_MOVABLE)).toEqual([0x40003]);
    expect(pa.allocPages(GFP_KERNEL, 10)).toBe(0x40400);
  });

  it("simulates 64 GiB with typed-array metadata", () => {
    const { pa } = make({ memoryBytes: 64 * 2 ** 30, nrCpus: 8 });
    // 16M pages; reserved 16 MiB + 16M × 64 B = 1040 MiB = 266240 pages.
    expect(pa.maxPfn - pa.minPfn).toBe(16 * 2 ** 20);
    expect(pa.managedPages).toBe(16 * 2 ** 20 - 266240);
    const p = pa.allocPages(GFP_KERNEL, 0);
    expect(p).toBe(0x40000 + 266240);
    pa.freePages(p, 0);
    expect(pa.freePagesCount()).toBe(pa.managedPages);
  });

  it("rejects bad configuration naming the field", () => {
    expect(() => make({ memoryBytes: 5 << 20 })).toThrow(/memoryBytes must be a positive multiple of 4194304/);
    expect(() => make({ reservedBytes: 100 })).toThrow(/reservedBytes must be a multiple of 4096/);
    expect(() => make({ nrCpus: 0 })).toThrow(/nrCpus must be a positive integer/);
    const counters = new Counters();
    expect(
      () =>
        new PageAllocator({
          nrCpus: 2,
          ctx: new ExecContext(4),
          counters,
          hooks: new RecordingKasanHooks({ mode: "off" }),
          arch: new CountingArchPageOps(counters),
          initOnAlloc: false,
          initOnFree: false,
          mode: "off",
        }),
    ).toThrow(/nrCpus \(2\) must equal ctx.nrCpus \(4\)/);
    expect(() => make({ memoryBytes: 8 << 20, reservedBytes: 0, pages: createPageArray(12 << 20) })).toThrow(/pages must be a memmap of memoryBytes/);
  });

  it("rejects bad allocation arguments and an out-of-range CPU", () => {
    const { pa } = make({ memoryBytes: 8 << 20, reservedBytes: 0, nrCpus: 1 });
    expect(() => pa.allocPages(GFP_KERNEL, -1)).toThrow(/order must be a non-negative integer/);
    expect(() => pa.allocPages(-5, 0)).toThrow(/gfp must be a 32-bit unsigned integer/);
    expect(() => pa.allocPages(0x8 | 0x10, 0)).toThrow(/both __GFP_MOVABLE and __GFP_RECLAIMABLE/);
    pa.ctx.cpu = 3;
    expect(() => pa.allocPages(GFP_KERNEL, 0)).toThrow(/ctx.cpu must be in \[0, 1\)/);
  });

  it("a memmap built first can be shared with KASAN before the allocator exists", () => {
    const pages = createPageArray(8 << 20);
    const { pa } = make({ memoryBytes: 8 << 20, reservedBytes: 0, nrCpus: 1, pages, hooks: new RecordingKasanHooks({ mode: "hw_tags", pages, tag: 0xf9 }) });
    const p = pa.allocPages(GFP_KERNEL, 0);
    expect(pages.kasanTag(p)).toBe(0xf9);
    expect(pa.pages).toBe(pages);
  });
});
