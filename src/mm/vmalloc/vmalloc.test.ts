import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatPx, makePtr, ptrOffset, ptrTag, setTag, TAG_KERNEL, type Ptr } from "../../arch/pointer.js";
import type { KasanMode } from "../../config/mode.js";
import { Counters } from "../../cost/counters.js";
import { ExecContext } from "../../lib/context.js";
import {
  __GFP_COMP,
  __GFP_HIGHMEM,
  __GFP_NOWARN,
  __GFP_SKIP_KASAN,
  __GFP_SKIP_ZERO,
  __GFP_ZERO,
  GFP_KERNEL,
  parseGfp,
} from "../gfp.js";
import { KASAN_VMALLOC_INIT, KASAN_VMALLOC_PROT_NORMAL, KASAN_VMALLOC_VM_ALLOC } from "../kasan-hooks.js";
import type { KasanHooks } from "../kasan-hooks.js";
import type { PageAllocator } from "../page_alloc/page-allocator.js";
import type { VmallocKasanHooks, VmallocPageAllocator, VmallocSlab } from "./interfaces.js";
import { NUMA_NO_NODE, VM_NO_GUARD } from "./vm-flags.js";
import { KERNEL_IMAGE_VMALLOC_SPAN, Vmalloc, VMALLOC_START, type SkipKasanHandling, type VmallocProt } from "./vmalloc.js";
import { formatVmallocTrace, type VmallocTraceEvent } from "./vmalloc-trace.js";

const PAGE = 4096;
/** The bulk allocator's page gfp always carries these: __vmalloc_area_node adds __GFP_HIGHMEM, the caller __GFP_NOWARN. */
const PAGE_EXTRA = __GFP_HIGHMEM | __GFP_NOWARN;

// ------------------------------------------------------------------ test doubles

// Compile-time: the real page allocator and KASAN hooks satisfy the interfaces vmalloc uses.
export type PageAllocatorFits = PageAllocator extends VmallocPageAllocator ? true : never;
export type KasanHooksFit = KasanHooks extends VmallocKasanHooks ? true : never;
const _fits: [PageAllocatorFits, KasanHooksFit] = [true, true];
void _fits;

type LogEntry =
  | { kind: "kmalloc"; size: number; gfp: number; site: string; ptr: Ptr }
  | { kind: "kfree"; ptr: Ptr; site: string }
  | { kind: "kmem_cache_alloc"; gfp: number; site: string; ptr: Ptr }
  | { kind: "kmem_cache_free"; ptr: Ptr }
  | { kind: "page_alloc"; gfp: number; pfn: number }
  | { kind: "page_free"; pfn: number }
  | { kind: "trace"; ev: VmallocTraceEvent };

interface Cache {
  name: string;
  size: number;
}

class FakeSlab implements VmallocSlab<Cache> {
  next = 0x0e30_0000;
  failKmallocSize = -1;
  constructor(private readonly log: LogEntry[]) {}
  private ptr(): Ptr {
    const p = makePtr(TAG_KERNEL, this.next);
    this.next += 0x80;
    return p;
  }
  kmalloc(size: number, gfp: number, site = "?"): Ptr {
    if (size === this.failKmallocSize) return 0;
    const ptr = this.ptr();
    this.log.push({ kind: "kmalloc", size, gfp, site, ptr });
    return ptr;
  }
  kfree(ptr: Ptr, site = "?"): void {
    this.log.push({ kind: "kfree", ptr, site });
  }
  kmemCacheCreate(name: string, size: number): Cache {
    return { name, size };
  }
  kmemCacheAlloc(_cache: Cache, gfp: number, site = "?"): Ptr {
    const ptr = this.ptr();
    this.log.push({ kind: "kmem_cache_alloc", gfp, site, ptr });
    return ptr;
  }
  kmemCacheFree(_cache: Cache, ptr: Ptr): void {
    this.log.push({ kind: "kmem_cache_free", ptr });
  }
}

class FakePages implements VmallocPageAllocator {
  next = 0x4e000;
  /** Fail every allocation after this many succeeded. */
  failAfter = Infinity;
  allocated = 0;
  constructor(private readonly log: LogEntry[]) {}
  allocPages(gfp: number, order: number): number {
    if (order !== 0) throw new Error("vmalloc asks for order-0 pages only");
    if (this.allocated >= this.failAfter) return -1;
    this.allocated++;
    const pfn = this.next++;
    this.log.push({ kind: "page_alloc", gfp, pfn });
    return pfn;
  }
  freePages(pfn: number): void {
    this.log.push({ kind: "page_free", pfn });
  }
}

/** Records the vmalloc hooks; unpoisonVmalloc tags like HW_TAGS would (fixed tag 0xf3). */
class FakeHooks implements VmallocKasanHooks {
  unpoisonCalls: { start: Ptr; size: number; flags: number; pfns: number[] }[] = [];
  poisonCalls: { start: Ptr; size: number }[] = [];
  populateCalls: { start: Ptr; size: number }[] = [];
  releaseCalls: { start: Ptr; end: Ptr }[] = [];
  constructor(
    readonly enabled: boolean,
    readonly hwTagsEnabled: boolean,
    readonly vmallocEnabled: boolean,
  ) {}
  populateVmalloc(start: Ptr, size: number): void {
    this.populateCalls.push({ start, size });
  }
  releaseVmalloc(start: Ptr, end: Ptr): void {
    this.releaseCalls.push({ start, end });
  }
  unpoisonVmalloc(start: Ptr, size: number, flags: number, pfns: readonly number[]): Ptr {
    this.unpoisonCalls.push({ start, size, flags, pfns: [...pfns] });
    const tags = this.hwTagsEnabled && this.vmallocEnabled;
    return tags && (flags & KASAN_VMALLOC_VM_ALLOC) !== 0 && (flags & KASAN_VMALLOC_PROT_NORMAL) !== 0 ? setTag(start, 0xf3) : start;
  }
  poisonVmalloc(start: Ptr, size: number): void {
    this.poisonCalls.push({ start, size });
  }
}

interface Setup {
  vm: Vmalloc<Cache>;
  log: LogEntry[];
  slab: FakeSlab;
  pages: FakePages;
  hooks: FakeHooks;
  counters: Counters;
  ctx: ExecContext;
  warnings: string[];
}

function setup(
  o: {
    mode?: KasanMode;
    nrCpus?: number;
    hwTagsEnabled?: boolean;
    vmallocEnabled?: boolean;
    initOnAlloc?: boolean;
    initOnFree?: boolean;
    policy?: SkipKasanHandling;
    gfpCheck?: boolean;
  } = {},
): Setup {
  const mode = o.mode ?? "hw_tags";
  const log: LogEntry[] = [];
  const slab = new FakeSlab(log);
  const pages = new FakePages(log);
  const hooks = new FakeHooks(mode !== "off", mode === "hw_tags" && (o.hwTagsEnabled ?? true), o.vmallocEnabled ?? true);
  const counters = new Counters();
  const ctx = new ExecContext(o.nrCpus ?? 1);
  const warnings: string[] = [];
  const vm = new Vmalloc<Cache>({
    pages,
    slab,
    hooks,
    counters,
    ctx,
    mode,
    initOnAlloc: o.initOnAlloc ?? false,
    initOnFree: o.initOnFree ?? false,
    skipKasanHandling: o.policy,
    warn: (m) => warnings.push(m),
    gfpVmallocSupportedCheck: o.gfpCheck,
    trace: (ev) => log.push({ kind: "trace", ev }),
  });
  log.length = 0; // drop vmalloc_init's allocations
  return { vm, log, slab, pages, hooks, counters, ctx, warnings };
}

const va = (p: Ptr): string => formatPx(makePtr(TAG_KERNEL, ptrOffset(p)));

// ------------------------------------------------------------------ layout

describe("vmap area layout", () => {
  it("places the first areas above the kernel image, with a guard page, lowest address first", () => {
    const { vm } = setup({ nrCpus: 1 });
    // vmalloc(4096): one page + guard page = 8 KiB at the first free byte, VMALLOC_START + 0x641000.
    const a = vm.vmalloc(PAGE);
    expect(va(a)).toBe("ffff800080641000");
    expect(vm.findVmArea(a)?.size).toBe(2 * PAGE);
    // A thread stack (16 KiB, align 32 KiB): ALIGN(0x643000, 0x8000) = 0x648000.
    const s1 = vm.vmallocNode(16384, 32768, GFP_KERNEL | __GFP_ZERO, NUMA_NO_NODE, "alloc_thread_stack_node");
    expect(va(s1)).toBe("ffff800080648000");
    // Next: its end 0x648000 + 0x5000 = 0x64d000, aligned up to 0x650000.
    const s2 = vm.vmallocNode(16384, 32768, GFP_KERNEL | __GFP_ZERO, NUMA_NO_NODE, "alloc_thread_stack_node");
    expect(va(s2)).toBe("ffff800080650000");
    // A 1-page area (8 KiB with guard) takes the lowest hole: 0x643000..0x648000, below s1.
    const b = vm.vmalloc(PAGE);
    expect(va(b)).toBe("ffff800080643000");
    // The next 8 KiB area still fits in that hole: 0x645000 + 0x2000 ≤ 0x648000.
    const c = vm.vmalloc(PAGE);
    expect(va(c)).toBe("ffff800080645000");
    // A third 8 KiB area: 0x647000 + 0x2000 > 0x648000, so the 12 KiB hole 0x64d000..0x650000.
    const d = vm.vmalloc(PAGE);
    expect(va(d)).toBe("ffff80008064d000");
    expect(ptrOffset(a)).toBe(VMALLOC_START + KERNEL_IMAGE_VMALLOC_SPAN);
  });

  it("omits the guard page with VM_NO_GUARD", () => {
    const { vm } = setup({ nrCpus: 1 });
    const a = vm.vmallocNodeRange(2 * PAGE, 1, GFP_KERNEL, "PAGE_KERNEL", VM_NO_GUARD, NUMA_NO_NODE, "t");
    const b = vm.vmalloc(PAGE);
    expect(vm.findVmArea(a)?.size).toBe(2 * PAGE);
    expect(ptrOffset(b) - ptrOffset(a)).toBe(2 * PAGE);
  });

  it("does not reuse a lazily freed area until a purge, then reuses it first-fit (single vmap node)", () => {
    const { vm, counters } = setup({ nrCpus: 1 });
    const a = vm.vmalloc(4 * PAGE);
    const b = vm.vmalloc(4 * PAGE);
    vm.vfree(a);
    // a's range sits on the lazy list: c goes above b (b ends at a + 2·5 pages).
    const c = vm.vmalloc(4 * PAGE);
    expect(ptrOffset(c)).toBe(ptrOffset(a) + 10 * PAGE);
    expect(vm.vmapLazyNr).toBe(5);
    vm.purgeLazy();
    expect(vm.vmapLazyNr).toBe(0);
    expect(counters.byOrigin.vmalloc.tlbFlushes).toBe(1);
    expect(counters.byOrigin.vmalloc.vmapPurges).toBe(1);
    const d = vm.vmalloc(4 * PAGE);
    expect(ptrOffset(d)).toBe(ptrOffset(a));
    expect(ptrOffset(b)).toBe(ptrOffset(a) + 5 * PAGE);
  });

  it("reuses purged areas from this CPU's vmap-node pool without allocating a vmap_area (2 CPUs)", () => {
    const { vm, log, counters, ctx } = setup({ nrCpus: 2 });
    // 255 pages + guard = 256 pages → pool index 255 (< MAX_VA_SIZE_PAGES 256).
    // lazy_max_pages = fls(2) × 8192 = 16384 = 64 areas; the 65th vfree pushes nr_lazy to
    // 16640 > 16384 and drain_vmap_work purges (no full decay: areas go to node 0's pool).
    const size = 255 * PAGE;
    const ptrs: Ptr[] = [];
    for (let i = 0; i < 65; i++) ptrs.push(vm.vmalloc(size));
    for (let i = 0; i < 64; i++) vm.vfree(ptrs[i]);
    expect(vm.vmapLazyNr).toBe(16384);
    expect(counters.byOrigin.vmalloc.vmapPurges).toBe(0);
    vm.vfree(ptrs[64]);
    expect(vm.vmapLazyNr).toBe(0);
    expect(counters.byOrigin.vmalloc.vmapPurges).toBe(1);
    log.length = 0;
    // CPU 0 → node 0: the pool's head is the last area pooled, the highest address.
    const p = vm.vmalloc(size);
    expect(ptrOffset(p)).toBe(ptrOffset(ptrs[64]));
    expect(log.filter((e) => e.kind === "kmem_cache_alloc")).toHaveLength(0);
    // CPU 1 → node 1 has an empty pool: a fresh area above all others, with its vmap_area.
    ctx.cpu = 1;
    log.length = 0;
    const q = vm.vmalloc(size);
    expect(ptrOffset(q)).toBe(ptrOffset(ptrs[64]) + 256 * PAGE);
    expect(log.filter((e) => e.kind === "kmem_cache_alloc").length).toBeGreaterThanOrEqual(1);
  });

  it("computes lazy_max_pages from the number of CPUs", () => {
    // fls(n) × 32 MiB / 4 KiB: fls(1)=1, fls(2)=fls(3)=2, fls(4)=3, fls(8)=4.
    const want: [number, number][] = [
      [1, 8192],
      [2, 16384],
      [3, 16384],
      [4, 24576],
      [8, 32768],
    ];
    for (const [cpus, pages] of want) expect(setup({ nrCpus: cpus }).vm.lazyMaxPages).toBe(pages);
  });

  it("purges past the lazy threshold and merges everything back into one free block (1 CPU)", () => {
    const { vm, log, counters, hooks } = setup({ nrCpus: 1 });
    // lazy_max_pages = 8192 = 32 areas of 256 pages (255 + guard); the 33rd vfree purges.
    const ptrs: Ptr[] = [];
    for (let i = 0; i < 33; i++) ptrs.push(vm.vmalloc(255 * PAGE));
    // 33 vmap_areas + 1 preload (all fits are left-edge, so the preloaded node is never used).
    expect(log.filter((e) => e.kind === "kmem_cache_alloc")).toHaveLength(34);
    log.length = 0;
    for (let i = 0; i < 32; i++) vm.vfree(ptrs[i]);
    expect(counters.byOrigin.vmalloc.vmapPurges).toBe(0);
    vm.vfree(ptrs[32]);
    expect(counters.byOrigin.vmalloc.vmapPurges).toBe(1);
    expect(counters.byOrigin.vmalloc.tlbFlushes).toBe(1);
    // Each of the 33 areas merges into a neighbour, so each one's vmap_area is freed; the 33
    // contiguous areas and the block above them become one free block again.
    expect(log.filter((e) => e.kind === "kmem_cache_free")).toHaveLength(33);
    expect(vm.freeBlockCount).toBe(1);
    expect(hooks.releaseCalls).toHaveLength(33);
  });
});

// ------------------------------------------------------------------ gfp and KASAN flags

interface Case {
  name: string;
  mode: KasanMode;
  hwTagsEnabled?: boolean;
  vmallocEnabled?: boolean;
  prot: VmallocProt;
  gfp: number;
  initOnAlloc?: boolean;
  initOnFree?: boolean;
  policy: SkipKasanHandling;
  /** gfp of every backing page. */
  pageGfp: number;
  /** kasan_unpoison_vmalloc flags, or null when it must not be called. */
  kasanFlags: number | null;
  prot2: string;
  tagged: boolean;
}

const K = GFP_KERNEL;
const Z = __GFP_ZERO;
const SK = __GFP_SKIP_KASAN;
const SZ = __GFP_SKIP_ZERO;
const NORMAL = KASAN_VMALLOC_PROT_NORMAL;
const VMA = KASAN_VMALLOC_VM_ALLOC;
const INIT = KASAN_VMALLOC_INIT;

const CASES: Case[] = [
  // HW tags, PAGE_KERNEL: pages skip KASAN and zeroing; KASAN tags (and zeroes if asked).
  { name: "hw normal", mode: "hw_tags", prot: "PAGE_KERNEL", gfp: K, policy: "none", pageGfp: K | SK | SZ, kasanFlags: NORMAL | VMA, prot2: "PAGE_KERNEL_TAGGED", tagged: true },
  { name: "hw __GFP_ZERO ⇒ INIT", mode: "hw_tags", prot: "PAGE_KERNEL", gfp: K | Z, policy: "none", pageGfp: K | Z | SK | SZ, kasanFlags: NORMAL | VMA | INIT, prot2: "PAGE_KERNEL_TAGGED", tagged: true },
  { name: "hw init_on_alloc ⇒ INIT", mode: "hw_tags", prot: "PAGE_KERNEL", gfp: K, initOnAlloc: true, policy: "none", pageGfp: K | SK | SZ, kasanFlags: NORMAL | VMA | INIT, prot2: "PAGE_KERNEL_TAGGED", tagged: true },
  // init_on_free zeroes at free time, so nobody zeroes at allocation.
  { name: "hw init_on_free wins", mode: "hw_tags", prot: "PAGE_KERNEL", gfp: K | Z, initOnFree: true, policy: "none", pageGfp: K | Z | SK | SZ, kasanFlags: NORMAL | VMA, prot2: "PAGE_KERNEL_TAGGED", tagged: true },
  // Executable: no tagged prot, page_alloc zeroes, KASAN returns early (no PROT_NORMAL).
  { name: "hw exec", mode: "hw_tags", prot: "PAGE_KERNEL_EXEC", gfp: K | Z, policy: "none", pageGfp: K | Z, kasanFlags: VMA, prot2: "PAGE_KERNEL_EXEC", tagged: false },
  // kasan=off at boot: kasan_hw_tags_enabled() is false.
  { name: "hw disabled", mode: "hw_tags", hwTagsEnabled: false, prot: "PAGE_KERNEL", gfp: K | Z, policy: "none", pageGfp: K | Z, kasanFlags: NORMAL | VMA, prot2: "PAGE_KERNEL", tagged: false },
  // kasan.vmalloc=off: vmalloc still hands zeroing to KASAN; the hook zeroes without tagging.
  { name: "hw kasan.vmalloc=off", mode: "hw_tags", vmallocEnabled: false, prot: "PAGE_KERNEL", gfp: K | Z, policy: "none", pageGfp: K | Z | SK | SZ, kasanFlags: NORMAL | VMA | INIT, prot2: "PAGE_KERNEL_TAGGED", tagged: false },
  // Software modes: page_alloc zeroes; the SKIP bits do not exist (a caller's SKIP_KASAN is 0).
  { name: "generic", mode: "generic", prot: "PAGE_KERNEL", gfp: K | Z, policy: "none", pageGfp: K | Z, kasanFlags: NORMAL | VMA, prot2: "PAGE_KERNEL", tagged: false },
  { name: "sw_tags v2 SKIP_KASAN is 0", mode: "sw_tags", prot: "PAGE_KERNEL", gfp: K | Z | SK, policy: "v2", pageGfp: K | Z, kasanFlags: NORMAL | VMA, prot2: "PAGE_KERNEL", tagged: false },
  { name: "off", mode: "off", prot: "PAGE_KERNEL", gfp: K, policy: "none", pageGfp: K, kasanFlags: NORMAL | VMA, prot2: "PAGE_KERNEL", tagged: false },
  // Caller asks for __GFP_SKIP_KASAN (seed GFP_VMAP_STACK) under HW tags:
  // 6.12 ignores it — the area is tagged as usual.
  { name: "hw caller SKIP, none", mode: "hw_tags", prot: "PAGE_KERNEL", gfp: K | Z | SK, policy: "none", pageGfp: K | Z | SK | SZ, kasanFlags: NORMAL | VMA | INIT, prot2: "PAGE_KERNEL_TAGGED", tagged: true },
  // v1: no tagged prot, no SKIP_ZERO (page_alloc zeroes), PROT_NORMAL withheld ⇒ early return.
  { name: "hw caller SKIP, v1", mode: "hw_tags", prot: "PAGE_KERNEL", gfp: K | Z | SK, policy: "v1", pageGfp: K | Z | SK, kasanFlags: VMA, prot2: "PAGE_KERNEL", tagged: false },
  // v2: the same pages, and kasan_unpoison_vmalloc is not called at all.
  { name: "hw caller SKIP, v2", mode: "hw_tags", prot: "PAGE_KERNEL", gfp: K | Z | SK, policy: "v2", pageGfp: K | Z | SK, kasanFlags: null, prot2: "PAGE_KERNEL", tagged: false },
  // v2 with an executable mapping: the flag was stripped on entry and is only given back for
  // PAGE_KERNEL, so the pages go through KASAN page_alloc handling; still no unpoison call.
  { name: "hw caller SKIP exec, v2", mode: "hw_tags", prot: "PAGE_KERNEL_EXEC", gfp: K | Z | SK, policy: "v2", pageGfp: K | Z, kasanFlags: null, prot2: "PAGE_KERNEL_EXEC", tagged: false },
  // v1 keeps the caller's flag for the pages of an executable mapping too.
  { name: "hw caller SKIP exec, v1", mode: "hw_tags", prot: "PAGE_KERNEL_EXEC", gfp: K | Z | SK, policy: "v1", pageGfp: K | Z | SK, kasanFlags: VMA, prot2: "PAGE_KERNEL_EXEC", tagged: false },
];

describe("__vmalloc_node_range gfp and KASAN_VMALLOC_* flags", () => {
  for (const c of CASES) {
    it(c.name, () => {
      const s = setup({
        mode: c.mode,
        hwTagsEnabled: c.hwTagsEnabled,
        vmallocEnabled: c.vmallocEnabled,
        initOnAlloc: c.initOnAlloc,
        initOnFree: c.initOnFree,
        policy: c.policy,
      });
      const p = s.vm.vmallocNodeRange(3 * PAGE, 1, c.gfp, c.prot, 0, NUMA_NO_NODE, "test");
      const pageAllocs = s.log.filter((e) => e.kind === "page_alloc");
      expect(pageAllocs).toHaveLength(3);
      for (const e of pageAllocs) expect(formatGfpHex(e.gfp)).toBe(formatGfpHex(c.pageGfp | PAGE_EXTRA));
      if (c.kasanFlags === null) {
        expect(s.hooks.unpoisonCalls).toHaveLength(0);
      } else {
        expect(s.hooks.unpoisonCalls).toHaveLength(1);
        const call = s.hooks.unpoisonCalls[0];
        expect(call.flags).toBe(c.kasanFlags);
        expect(call.size).toBe(3 * PAGE);
        expect(call.pfns).toEqual(pageAllocs.map((e) => (e.kind === "page_alloc" ? e.pfn : -1)));
      }
      expect(s.vm.findVmArea(p)?.prot).toBe(c.prot2);
      expect(ptrTag(p)).toBe(c.tagged ? 0xf3 : TAG_KERNEL);
      // Metadata never sees __GFP_SKIP_KASAN: GFP_RECLAIM_MASK strips it (and __GFP_ZERO for
      // the vmap_area), kzalloc/the pages array add __GFP_ZERO back.
      for (const e of s.log) {
        if (e.kind === "kmalloc") expect(e.gfp).toBe(GFP_KERNEL | __GFP_ZERO);
        if (e.kind === "kmem_cache_alloc") expect(e.gfp).toBe(GFP_KERNEL);
      }
    });
  }

  it("zeroes exactly once when init is wanted: page_alloc or KASAN_VMALLOC_INIT (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<KasanMode>("generic", "sw_tags", "hw_tags", "off"),
        fc.constantFrom<VmallocProt>("PAGE_KERNEL", "PAGE_KERNEL_EXEC"),
        fc.constantFrom<SkipKasanHandling>("none", "v1", "v2"),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        (mode, prot, policy, zero, callerSkip, initOnAlloc, initOnFree, hwOn) => {
          const s = setup({ mode, policy, initOnAlloc, initOnFree, hwTagsEnabled: hwOn });
          const gfp = GFP_KERNEL | (zero ? __GFP_ZERO : 0) | (callerSkip ? __GFP_SKIP_KASAN : 0);
          s.vm.vmallocNodeRange(PAGE, 1, gfp, prot, 0, NUMA_NO_NODE, "prop");
          const pg = s.log.find((e) => e.kind === "page_alloc");
          if (pg === undefined || pg.kind !== "page_alloc") throw new Error("no page allocated");
          // post_alloc_hook: init = !init_on_free && want_init_on_alloc && !(HW on && SKIP_ZERO).
          const hwOnNow = mode === "hw_tags" && hwOn;
          const wantInit = !initOnFree && (initOnAlloc || (pg.gfp & __GFP_ZERO) !== 0);
          const pageAllocZeroes = wantInit && !(hwOnNow && (pg.gfp & __GFP_SKIP_ZERO) !== 0);
          const kasanZeroes = s.hooks.unpoisonCalls.some((c) => (c.flags & KASAN_VMALLOC_INIT) !== 0);
          expect(pageAllocZeroes && kasanZeroes).toBe(false);
          if (!initOnFree && (initOnAlloc || zero)) expect(pageAllocZeroes || kasanZeroes).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

function formatGfpHex(v: number): string {
  return "0x" + v.toString(16);
}

// ------------------------------------------------------------------ trace sequence

/** trace-thread.txt lines 368–372 and 580–586 (Linux 6.12.117, hw_tags, 2 CPUs). */
const TRACE_ALLOC = [
  "kmalloc: call_site=__get_vm_area_node+0x8c/0x1a8 ptr=fcff00000e33c660 bytes_req=72 bytes_alloc=96 gfp_flags=GFP_KERNEL|__GFP_ZERO node=-1 accounted=false",
  "kmem_cache_alloc: call_site=alloc_vmap_area+0x214/0xe24 ptr=f0ff00000e316460 bytes_req=72 bytes_alloc=80 gfp_flags=GFP_KERNEL node=-1 accounted=false",
  "kmem_cache_alloc: call_site=alloc_vmap_area+0x840/0xe24 ptr=fcff00000e3164b0 bytes_req=72 bytes_alloc=80 gfp_flags=GFP_KERNEL node=-1 accounted=false",
  "alloc_vmap_area: va_start: 18446603338377822208 size=20480 align=32768 vstart=0xffff800080000000 vend=0xfffffdffbf800000 failed=0",
  "kmalloc: call_site=__vmalloc_node_range_noprof+0x168/0x738 ptr=f7ff00000e3131c0 bytes_req=32 bytes_alloc=32 gfp_flags=GFP_KERNEL|__GFP_ZERO node=-1 accounted=false",
];
const TRACE_FREE = [
  "free_vmap_area_noflush: va_start=0xffff8000808c8000 nr_lazy=97 nr_lazy_max=16384",
  "mm_page_free: page=fffffdffc038eb80 pfn=0x4e3ae order=0",
  "mm_page_free: page=fffffdffc038cd80 pfn=0x4e336 order=0",
  "mm_page_free: page=fffffdffc03821c0 pfn=0x4e087 order=0",
  "mm_page_free: page=fffffdffc038cd40 pfn=0x4e335 order=0",
  "kfree: call_site=kvfree+0x34/0x40 ptr=f4ff00000e313180",
  "kfree: call_site=vfree+0x190/0x314 ptr=f4ff00000e33c720",
];

/** Reduce a trace line to the fields the model reproduces: event, call site function, size, gfp. */
function traceKey(line: string): string {
  const ev = line.slice(0, line.indexOf(":"));
  const site = /call_site=([A-Za-z0-9_]+)/.exec(line)?.[1];
  const req = /bytes_req=(\d+)/.exec(line)?.[1];
  const gfp = /gfp_flags=([A-Z_|]+)/.exec(line)?.[1];
  if (ev === "alloc_vmap_area") {
    const size = /size=(\d+)/.exec(line)?.[1];
    const align = /align=(\d+)/.exec(line)?.[1];
    return `alloc_vmap_area size=${size} align=${align} failed=${/failed=(\d)/.exec(line)?.[1]}`;
  }
  if (ev === "free_vmap_area_noflush") return `free_vmap_area_noflush nr_lazy_max=${/nr_lazy_max=(\d+)/.exec(line)?.[1]}`;
  if (ev === "mm_page_free") return "mm_page_free order=0";
  return [ev, site, req, gfp === undefined ? undefined : "0x" + parseGfp(gfp).toString(16)].filter((x) => x !== undefined).join(" ");
}

function modelKey(e: LogEntry): string | null {
  switch (e.kind) {
    case "kmalloc":
      return `kmalloc ${e.site} ${e.size} 0x${e.gfp.toString(16)}`;
    case "kmem_cache_alloc":
      return `kmem_cache_alloc ${e.site} 72 0x${e.gfp.toString(16)}`;
    case "kfree":
      return `kfree ${e.site}`;
    case "page_free":
      return "mm_page_free order=0";
    case "trace": {
      const line = formatVmallocTrace(e.ev);
      return traceKey(line);
    }
    default:
      // Backing pages come from the bulk allocator, which emits no mm_page_alloc event.
      return null;
  }
}

describe("metadata allocations per thread-stack vmalloc (6.12 trace)", () => {
  it("reproduces the trace's allocation and free sequence for a 16 KiB, 32 KiB-aligned stack", () => {
    const s = setup({ mode: "hw_tags", nrCpus: 2 });
    s.counters.enter("threadStack");
    // One stack first, so the measured one is a steady-state allocation like trace line 368.
    s.vm.vmallocNode(16384, 32768, GFP_KERNEL | __GFP_ZERO, NUMA_NO_NODE, "alloc_thread_stack_node");
    s.log.length = 0;
    const p = s.vm.vmallocNode(16384, 32768, GFP_KERNEL | __GFP_ZERO, NUMA_NO_NODE, "alloc_thread_stack_node");
    const got = s.log.map(modelKey).filter((k): k is string => k !== null);
    expect(got).toEqual(TRACE_ALLOC.map(traceKey));
    // Both vmap_area objects come from the allocation path; the second is the per-CPU preload
    // that the NE_FIT split (aligned start in the middle of the free block) then consumes.
    s.log.length = 0;
    s.vm.vfree(p);
    const gotFree = s.log.map(modelKey).filter((k): k is string => k !== null);
    expect(gotFree).toEqual(TRACE_FREE.map(traceKey));
    // Attributed to the caller's origin, not to "vmalloc".
    expect(s.counters.byOrigin.threadStack.vmallocs).toBe(2);
    expect(s.counters.byOrigin.threadStack.vfrees).toBe(1);
    expect(s.counters.byOrigin.vmalloc.vmallocs).toBe(0);
    s.counters.leave();
  });

  it("prints alloc_vmap_area as ftrace does (first stack of trace-boot.txt line 39)", () => {
    const s = setup({ mode: "hw_tags", nrCpus: 2 });
    s.vm.vmallocNode(16384, 32768, GFP_KERNEL | __GFP_ZERO, NUMA_NO_NODE, "alloc_thread_stack_node");
    const ev = s.log.find((e) => e.kind === "trace");
    if (ev === undefined || ev.kind !== "trace") throw new Error("no trace event");
    // Our VMALLOC_END is the modelled region's end, 2^42 above VMALLOC_START.
    expect(formatVmallocTrace(ev.ev)).toBe(
      "alloc_vmap_area: va_start: 18446603338375266304 size=20480 align=32768 vstart=0xffff800080000000 vend=0xffff840080000000 failed=0",
    );
    s.vm.vfree(ptrOfFirstArea());
    const fr = s.log.filter((e) => e.kind === "trace").map((e) => (e.kind === "trace" ? formatVmallocTrace(e.ev) : ""));
    expect(fr[1]).toBe("free_vmap_area_noflush: va_start=0xffff800080648000 nr_lazy=5 nr_lazy_max=16384");
  });
});

function ptrOfFirstArea(): Ptr {
  return makePtr(TAG_KERNEL, VMALLOC_START + 0x648000);
}

// ------------------------------------------------------------------ lookups

describe("vmalloc_to_page, find_vm_area, is_vmalloc_addr", () => {
  it("maps each page of the area to its backing pfn, not the guard page", () => {
    const s = setup({ mode: "hw_tags" });
    const p = s.vm.vmalloc(3 * PAGE);
    expect(ptrTag(p)).toBe(0xf3);
    const area = s.vm.findVmArea(p);
    expect(area?.pages).toHaveLength(3);
    expect(area?.nrPages).toBe(3);
    expect(area?.caller).toBe("vmalloc");
    for (let i = 0; i < 3; i++) {
      expect(s.vm.vmallocToPage(p + i * PAGE)).toBe(area?.pages[i]);
      expect(s.vm.vmallocToPage(p + i * PAGE + 123)).toBe(area?.pages[i]);
    }
    // Same with the untagged pointer: lookups ignore the tag.
    expect(s.vm.vmallocToPage(setTag(p, TAG_KERNEL) + PAGE)).toBe(area?.pages[1]);
    expect(s.vm.vmallocToPage(p + 3 * PAGE)).toBe(-1); // guard page
    expect(s.vm.findVmArea(p + 3 * PAGE)).toBe(area); // still inside the vmap area
    expect(s.vm.isVmallocAddr(p)).toBe(true);
    expect(s.vm.isVmallocAddr(makePtr(TAG_KERNEL, 0x1000))).toBe(false);
    expect(s.vm.vmallocToPage(makePtr(TAG_KERNEL, 0x1000))).toBe(-1);
    s.vm.vfree(p);
    expect(s.vm.vmallocToPage(p)).toBe(-1);
    expect(s.vm.findVmArea(p)).toBeUndefined();
    // vfree poisoned the area without its guard page and freed every backing page.
    expect(s.hooks.poisonCalls).toEqual([{ start: p, size: 3 * PAGE }]);
    expect(s.log.filter((e) => e.kind === "page_free")).toHaveLength(3);
  });
});

describe("taggedPfnAt (MTE's page-table walk for vmalloc tags)", () => {
  it("agrees with find_vm_area + vmalloc_to_page through frees, purges and address reuse", () => {
    // Reference: the area must be mapped Normal-Tagged (vmalloc under hw_tags; vmap is not)
    // and the page one of its backing pages. Queries walk areas page by page (as tagging
    // does), then jump elsewhere; a freed area's range is reused after a purge, so an
    // answer remembered from the freed area would be caught.
    const reference = (vm: Vmalloc<Cache>, off: number): number => {
      const p = makePtr(TAG_KERNEL, off);
      const area = vm.findVmArea(p);
      return area === undefined || area.prot !== "PAGE_KERNEL_TAGGED" ? -1 : vm.vmallocToPage(p);
    };
    const op = fc.oneof(
      fc.tuple(fc.constant("vmalloc" as const), fc.integer({ min: 1, max: 5 })),
      fc.tuple(fc.constant("vmap" as const), fc.integer({ min: 1, max: 3 })),
      fc.tuple(fc.constant("vfree" as const), fc.nat()),
      fc.tuple(fc.constant("purge" as const), fc.constant(0)),
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), (ops) => {
        const s = setup({ mode: "hw_tags" });
        const live: Ptr[] = [];
        const seen: number[] = [];
        const check = (): void => {
          for (const base of seen) for (let i = -1; i <= 6; i++) expect(s.vm.taggedPfnAt(base + i * PAGE)).toBe(reference(s.vm, base + i * PAGE));
        };
        for (const [what, n] of ops) {
          if (what === "vmalloc" || what === "vmap") {
            const p = what === "vmalloc" ? s.vm.vmalloc(n * PAGE) : s.vm.vmap(Array.from({ length: n }, (_, i) => 0x9000 + i), 0);
            live.push(p);
            if (!seen.includes(ptrOffset(p))) seen.push(ptrOffset(p));
          } else if (what === "vfree" && live.length > 0) {
            const p = live.splice(n % live.length, 1)[0];
            if (s.vm.findVmArea(p)?.prot === "PAGE_KERNEL") s.vm.vunmap(p);
            else s.vm.vfree(p);
          } else if (what === "purge") s.vm.purgeLazy();
          check();
        }
      }),
      { numRuns: 60 },
    );
  });
});

// ------------------------------------------------------------------ warnings and errors

describe("GFP_VMALLOC_SUPPORTED and other warnings", () => {
  it("is off by default (6.12): unsupported bits reach the page allocator", () => {
    const s = setup({ mode: "hw_tags" });
    s.vm.__vmalloc(PAGE, GFP_KERNEL | __GFP_COMP);
    expect(s.warnings).toEqual([]);
    const pg = s.log.find((e) => e.kind === "page_alloc");
    expect(pg?.kind === "page_alloc" && (pg.gfp & __GFP_COMP) !== 0).toBe(true);
  });

  it("warns and masks like vmalloc_fix_flags when enabled", () => {
    const s = setup({ mode: "hw_tags", gfpCheck: true });
    s.vm.__vmalloc(PAGE, GFP_KERNEL | __GFP_COMP);
    expect(s.warnings).toEqual(["Unexpected gfp: 0x40000 (__GFP_COMP). Fixing up to gfp: 0xcc0 (GFP_KERNEL). Fix your code!"]);
    const pg = s.log.find((e) => e.kind === "page_alloc");
    expect(pg?.kind === "page_alloc" && (pg.gfp & __GFP_COMP) === 0).toBe(true);
  });

  it("accepts __GFP_SKIP_KASAN only with seed v2, and never sees it outside hw_tags", () => {
    const msg = "Unexpected gfp: 0x2000000 (__GFP_SKIP_KASAN). Fixing up to gfp: 0xcc0 (GFP_KERNEL). Fix your code!";
    for (const policy of ["none", "v1"] as const) {
      const s = setup({ mode: "hw_tags", gfpCheck: true, policy });
      s.vm.__vmalloc(PAGE, GFP_KERNEL | __GFP_SKIP_KASAN);
      expect(s.warnings).toEqual([msg]);
    }
    const v2 = setup({ mode: "hw_tags", gfpCheck: true, policy: "v2" });
    v2.vm.__vmalloc(PAGE, GFP_KERNEL | __GFP_SKIP_KASAN);
    expect(v2.warnings).toEqual([]);
    const gen = setup({ mode: "generic", gfpCheck: true });
    gen.vm.__vmalloc(PAGE, GFP_KERNEL | __GFP_SKIP_KASAN);
    expect(gen.warnings).toEqual([]);
  });

  it("warns on vfree of a nonexistent area and of a misaligned address", () => {
    const s = setup();
    const p = s.vm.vmalloc(PAGE);
    s.vm.vfree(p + 8);
    expect(s.warnings).toEqual([
      `Trying to vfree() bad address (${formatPx(p + 8)})`,
      `Trying to vfree() nonexistent vm area (${formatPx(p + 8)})`,
    ]);
    s.vm.vfree(p);
    s.vm.vfree(p);
    expect(s.warnings[2]).toBe(`Trying to vfree() nonexistent vm area (${formatPx(p)})`);
    expect(s.counters.byOrigin.vmalloc.vfrees).toBe(1);
  });

  it("unwinds a failed page allocation: pages, pages array and vm_struct are freed", () => {
    const s = setup();
    s.ctx.comm = "wl";
    s.pages.failAfter = 1;
    expect(s.vm.vmalloc(2 * PAGE)).toBe(0);
    // One page was allocated before the failure. warn_alloc reports the area's gfp (without
    // the bulk allocator's __GFP_NOWARN):
    // GFP_KERNEL 0xcc0 | __GFP_HIGHMEM 0x2 | __GFP_SKIP_ZERO 0x1000000 | __GFP_SKIP_KASAN 0x2000000.
    expect(s.warnings[0]).toBe(
      "wl: vmalloc error: size 4096, failed to allocate pages, " +
        "mode:0x3000cc2(GFP_KERNEL|__GFP_HIGHMEM|__GFP_SKIP_ZERO|__GFP_SKIP_KASAN), nodemask=(null)",
    );
    expect(s.log.filter((e) => e.kind === "page_free")).toHaveLength(1);
    expect(s.log.filter((e) => e.kind === "kfree").map((e) => (e.kind === "kfree" ? e.site : ""))).toEqual(["kvfree", "vfree"]);
    expect(s.vm.busyCount).toBe(0);
    expect(s.vm.vmapLazyNr).toBe(3);
  });

  it("vmallocs the pages array itself when it exceeds a page", () => {
    const s = setup({ nrCpus: 1 });
    // 600 pages × 8 bytes = 4800 > 4096 ⇒ a nested 4800-byte vmalloc (2 pages, 16-byte array).
    const p = s.vm.vmalloc(600 * PAGE);
    expect(s.vm.busyCount).toBe(2);
    expect(s.counters.byOrigin.vmalloc.vmallocs).toBe(2);
    expect(s.log.filter((e) => e.kind === "kmalloc" && e.site === "__vmalloc_node_range_noprof").map((e) => (e.kind === "kmalloc" ? e.size : 0))).toEqual([16]);
    s.vm.vfree(p);
    expect(s.vm.busyCount).toBe(0);
    expect(s.counters.byOrigin.vmalloc.vfrees).toBe(2);
    expect(s.log.filter((e) => e.kind === "page_free")).toHaveLength(602);
  });

  it("defers vfree from IRQ context to the vfree_deferred work", () => {
    const s = setup();
    const p = s.vm.vmalloc(PAGE);
    s.ctx.inIrq = true;
    s.vm.vfree(p);
    expect(s.vm.busyCount).toBe(1);
    s.ctx.inIrq = false;
    s.vm.runPendingWork();
    expect(s.vm.busyCount).toBe(0);
    expect(s.counters.byOrigin.vmalloc.vfrees).toBe(1);
  });

  it("rejects bad arguments with the field's name", () => {
    const s = setup();
    expect(() => s.vm.vmallocNode(PAGE, 3, GFP_KERNEL, NUMA_NO_NODE, "t")).toThrow(/align/);
    expect(() => s.vm.vmallocNode(-1, 1, GFP_KERNEL, NUMA_NO_NODE, "t")).toThrow(/size/);
    expect(() => s.vm.vmallocNodeRange(PAGE, 1, GFP_KERNEL, "PAGE_RO" as VmallocProt, 0, -1, "t")).toThrow(/prot/);
    expect(() => setupBadPolicy()).toThrow(/skipKasanHandling/);
    // size 0 is the kernel's WARN_ON_ONCE + NULL, not an exception.
    expect(s.vm.vmalloc(0)).toBe(0);
    expect(s.warnings).toHaveLength(1);
  });
});

function setupBadPolicy(): void {
  const log: LogEntry[] = [];
  new Vmalloc<Cache>({
    pages: new FakePages(log),
    slab: new FakeSlab(log),
    hooks: new FakeHooks(true, true, true),
    counters: new Counters(),
    ctx: new ExecContext(1),
    mode: "hw_tags",
    initOnAlloc: false,
    initOnFree: false,
    skipKasanHandling: "v3" as SkipKasanHandling,
  });
}
