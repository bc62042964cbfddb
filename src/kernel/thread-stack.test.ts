import { describe, expect, it } from "vitest";
import { bootKernel } from "./kernel.js";
import { Processes } from "./processes.js";
import { resolvePolicies } from "../policy/policies.js";

/** Boot hw_tags with `policy`, spawn a process on CPU 0, then count one thread create+exit twice. */
function twoThreads(policy: string, vmapStack = true) {
  const k = bootKernel({ mode: "hw_tags", seed: 7, policy: resolvePolicies(policy).policy });
  const p = new Processes(k, { vmapStack });
  const parent = p.spawn("wl", 0);
  p.rcu.gracePeriod();
  const run = () => {
    k.counters.reset();
    const t = p.createThread(parent, 0);
    p.exit(t);
    p.rcu.gracePeriod();
    return { ...k.counters.byOrigin.threadStack };
  };
  return { first: run(), second: run(), p };
}

describe("thread stack create+exit (hw_tags, THREAD_SIZE 16 KiB)", () => {
  it("baseline, VMAP: a cache miss vmallocs and tags 1024 granules zeroing; the exit fills the cache; the hit re-tags", () => {
    const { first, second } = twoThreads("baseline");
    // Miss: __vmalloc_node_range(16 KiB, GFP_KERNEL|__GFP_ZERO): backing pages SKIP_KASAN|SKIP_ZERO,
    // kasan_unpoison_vmalloc with INIT: mte_set_mem_tag_range(16 KiB, init) = 4 STZG for the first
    // 64-byte block + 255 DC GZVA, 1024 granules, 16384 bytes zeroed by tagging, one IRG.
    expect(first).toMatchObject({ stackCacheMisses: 1, stackCacheHits: 0, vmallocs: 1, pageAllocs: 4, irg: 1, stzg: 4, dcGzva: 255, granulesTagged: 1024, bytesZeroed: 16384, vfrees: 0 });
    // Hit: kasan_unpoison_range(16 KiB) keeps the tag (4 STG + 255 DC GVA, no IRG), memset 16 KiB.
    expect(second).toMatchObject({ stackCacheHits: 1, stackCacheMisses: 0, vmallocs: 0, pageAllocs: 0, irg: 0, stg: 4, dcGva: 255, granulesTagged: 1024, bytesZeroed: 16384 });
  });

  it("seed-series, VMAP: nothing tagged; the backing pages are zeroed by the page allocator", () => {
    const { first, second } = twoThreads("seed-series");
    // v2 vmalloc: __GFP_SKIP_KASAN reaches the 4 pages (no SKIP_ZERO): kernel_init_pages, 4 × 4096.
    expect(first).toMatchObject({ stackCacheMisses: 1, vmallocs: 1, granulesTagged: 0, kernelInitPages: 4, bytesZeroed: 16384 });
    // Hit: no kasan_unpoison_range with hw tags on; only the memset.
    expect(second).toMatchObject({ stackCacheHits: 1, granulesTagged: 0, bytesZeroed: 16384 });
  });

  it("skip-stacks alone: the vmalloc'd stack is still tagged (6.12 vmalloc ignores the flag), the hit is not", () => {
    const { first, second } = twoThreads("skip-stacks");
    expect(first.granulesTagged).toBe(1024);
    expect(second.granulesTagged).toBe(0);
  });

  it("vmalloc-skip-kasan-v1 + skip-stacks: v1 withholds PROT_NORMAL, so nothing is tagged either", () => {
    const { first } = twoThreads("vmalloc-skip-kasan-v1,skip-stacks");
    expect(first.granulesTagged).toBe(0);
  });

  it("pages variant (no VMAP_STACK): order-2 pages tagged on alloc and poisoned on the RCU-delayed free", () => {
    const { first } = twoThreads("baseline", false);
    // alloc: 1024 granules (THREADINFO_GFP has __GFP_ZERO: STZG/DC GZVA); free: 1024 granules back to 0xFE.
    expect(first).toMatchObject({ pageAllocs: 1, pagesAllocated: 4, pageFrees: 1, granulesTagged: 2048 });
    const skip = twoThreads("skip-stacks", false).first;
    expect(skip).toMatchObject({ pageAllocs: 1, pageFrees: 1, granulesTagged: 0, kernelInitPages: 4 });
  });

  it("a full cache sends the stack to an RCU-delayed vfree: pages poisoned back, area lazily freed", () => {
    const k = bootKernel({ mode: "hw_tags", seed: 7 });
    const p = new Processes(k);
    const parent = p.spawn("wl", 0);
    const ts = [0, 1, 2].map(() => p.createThread(parent, 0));
    k.counters.reset();
    for (const t of ts) p.exit(t);
    p.rcu.gracePeriod();
    const c = k.counters.byOrigin.threadStack;
    // Two stacks fill CPU 0's two cache slots, the third is vfree'd after a grace period:
    // 4 pages freed, each poisoned (256 granules: 4 STG + 63 DC GVA).
    expect(p.stacks.cachedCount).toBe(2);
    expect(c).toMatchObject({ vfrees: 1, pageFrees: 4, granulesTagged: 1024, stg: 16, dcGva: 252 });
  });
});
