/** RCU and workqueue use-after-free, frees through aliases, kmem_cache and mempool cases. */
import { ptrOffset, TAG_KERNEL, makePtr } from "../../../arch/pointer.js";
import { Workqueue, WORK_STRUCT_SIZE } from "../../../kernel/workqueue.js";
import { GFP_KERNEL } from "../../../mm/gfp.js";
import { Mempool, type MempoolAllocators } from "../../../mm/mempool/mempool.js";
import { SLAB_ACCOUNT, SLAB_NO_MERGE, SLAB_TYPESAFE_BY_RCU } from "../../../mm/slab/flags.js";
import type { KmemCache } from "../../../mm/slab/kmem-cache.js";
import type { KasanTestContext } from "../kasan-test-context.js";
import { type KasanKunitCase, KMALLOC_MAX_CACHE_SIZE, roundUp } from "./case.js";

/** sizeof(struct kasan_rcu_info): int i; struct rcu_head rcu (16, 8-aligned). */
const KASAN_RCU_INFO_SIZE = 24;
const RCU_HEAD_OFFSET = 8;

/** The kworker draining the test's workqueue. */
const KWORKER = { pid: 28, comm: "kworker/0:1" };

/** Frames of an RCU callback batch running from softirq on this CPU. */
const RCU_BATCH_FRAMES = [
  ["handle_softirqs", "rcu_core_si"],
  ["rcu_core", "rcu_do_batch"],
  ["rcu_do_batch", "rhp->func"],
] as const;

function rcuUaf(t: KasanTestContext): void {
  const ptr = t.kmalloc(KASAN_RCU_INFO_SIZE);
  t.assertNotNull(ptr, "ptr");
  const grp = t.global("global_rcu_ptr");
  t.write(grp, 8, "global_rcu_ptr = ptr");
  t.expectFail("call_rcu(&global_rcu_ptr->rcu, rcu_uaf_reclaim); rcu_barrier()", () => {
    t.read(grp, 8, "global_rcu_ptr->rcu");
    t.call("call_rcu", () => {
      // __call_rcu_common(): kasan_record_aux_stack_noalloc(head).
      t.k.kasan.hooks.recordAuxStack(ptr + RCU_HEAD_OFFSET);
      t.k.rcu.callRcu(() =>
        t.callback("rcu_uaf_reclaim", RCU_BATCH_FRAMES, () => {
          t.kfree(ptr);
          t.read(ptr, 4, "fp->i");
        }),
      );
    });
    t.call("rcu_barrier", () => t.k.rcu.barrier());
  });
}

function workqueueUaf(t: KasanTestContext): void {
  const k = t.k;
  const env = {
    ctx: k.ctx,
    access: k.access,
    hooks: k.kasan.hooks,
    kzalloc: (size: number, gfp: number) => k.slab.kzalloc(size, gfp),
    kfree: (p: number, ip: number) => k.slab.kfree(p, ip),
  };
  const wq = t.call("create_workqueue", () => Workqueue.create(env, "kasan_workqueue_test", KWORKER));
  t.assertNotNull(wq.struct, "workqueue");
  const work = t.kmalloc(WORK_STRUCT_SIZE);
  t.assertNotNull(work, "work");
  Workqueue.initWork(env, work, t.ip("INIT_WORK"));
  t.call("queue_work", () =>
    wq.queueWork(work, (w) => t.callback("workqueue_uaf_work", [], () => t.kfree(w)), t.ip("queue_work")),
  );
  t.call("destroy_workqueue", () => wq.destroy(t.ip("destroy_workqueue")));
  t.expectFail("((volatile struct work_struct *)work)->data", () => t.read(work, 8, "work->data"));
}

function kfreeViaPage(t: KasanTestContext): void {
  const ptr = t.kmalloc(8);
  t.assertNotNull(ptr, "ptr");
  const pfn = t.k.pages.virtToPfn(ptr);
  const offset = ptrOffset(ptr) % 4096;
  t.kfree(t.pageAddress(pfn) + offset);
}

function kfreeViaPhys(t: KasanTestContext): void {
  const ptr = t.kmalloc(8);
  t.assertNotNull(ptr, "ptr");
  // phys_to_virt(virt_to_phys(ptr)): the linear-map address without the tag.
  t.kfree(makePtr(TAG_KERNEL, ptrOffset(ptr)));
}

function cacheOrSkip(t: KasanTestContext, flags: number): { cache: KmemCache; p: number } | undefined {
  const cache = t.kmemCacheCreate("test_cache", 200, flags);
  t.assertNotNull(cache === undefined ? 0 : 1, "cache");
  const p = t.kmemCacheAlloc(cache);
  if (p === 0) {
    t.kmemCacheDestroy(cache);
    return undefined;
  }
  return { cache, p };
}

function kmemCacheOob(t: KasanTestContext): void {
  const c = cacheOrSkip(t, 0);
  if (c === undefined) return;
  t.expectFail("*p = p[size + OOB_TAG_OFF]", () => {
    t.read(c.p + 200 + t.oobTagOff, 1, "p[size + OOB_TAG_OFF]");
    t.write(c.p, 1, "*p");
  });
  t.kmemCacheFree(c.cache, c.p);
  t.kmemCacheDestroy(c.cache);
}

function kmemCacheDoubleFree(t: KasanTestContext): void {
  const c = cacheOrSkip(t, 0);
  if (c === undefined) return;
  t.kmemCacheFree(c.cache, c.p);
  t.expectFail("kmem_cache_free(cache, p)", () => t.kmemCacheFree(c.cache, c.p, "kmem_cache_free#2"));
  t.kmemCacheDestroy(c.cache);
}

function kmemCacheInvalidFree(t: KasanTestContext): void {
  const c = cacheOrSkip(t, SLAB_TYPESAFE_BY_RCU);
  if (c === undefined) return;
  t.expectFail("kmem_cache_free(cache, p + 1)", () => t.kmemCacheFree(c.cache, c.p + 1, "kmem_cache_free(p + 1)"));
  t.kmemCacheFree(c.cache, c.p);
  t.kmemCacheDestroy(c.cache);
}

function kmemCacheRcuUaf(t: KasanTestContext): void {
  t.needsConfigOn("CONFIG_SLUB_RCU_DEBUG");
  const c = cacheOrSkip(t, SLAB_TYPESAFE_BY_RCU);
  if (c === undefined) return;
  t.write(c.p, 1, "*p = 1");
  const cpu = t.k.ctx.cpu;
  t.k.rcu.readLock(cpu);
  t.kmemCacheFree(c.cache, c.p);
  // Still inside the read-side section that began before the free: a legal access.
  t.read(c.p, 1, "READ_ONCE(*p)#1");
  t.k.rcu.readUnlock(cpu);
  t.call("rcu_barrier", () => t.k.rcu.barrier());
  t.expectFail("READ_ONCE(*p)", () => t.read(c.p, 1, "READ_ONCE(*p)"));
  t.kmemCacheDestroy(c.cache);
}

function kmemCacheDoubleDestroy(t: KasanTestContext): void {
  const cache = t.kmemCacheCreate("test_cache", 200, SLAB_NO_MERGE);
  t.kmemCacheDestroy(cache);
  t.expectFail("kmem_cache_destroy(cache)", () => t.kmemCacheDestroy(cache, "kmem_cache_destroy#2"));
}

function kmemCacheAccounted(t: KasanTestContext): void {
  const cache = t.kmemCacheCreate("test_cache", 200, SLAB_ACCOUNT);
  for (let i = 0; i < 5; i++) {
    const p = t.kmemCacheAlloc(cache);
    if (p === 0) break;
    t.kmemCacheFree(cache, p);
    // msleep(100): time passes; RCU grace periods complete meanwhile.
    t.k.rcu.synchronizeRcu();
  }
  t.kmemCacheDestroy(cache);
}

function kmemCacheBulk(t: KasanTestContext): void {
  const size = 200;
  const cache = t.kmemCacheCreate("test_cache", size, 0);
  const p = t.call("kmem_cache_alloc_bulk", () => t.k.slab.kmemCacheAllocBulk(cache, GFP_KERNEL, 10));
  if (p.length === 0) {
    t.kmemCacheDestroy(cache);
    return;
  }
  for (const obj of p) {
    t.write(obj + size - 1, 1, "p[i][size - 1]");
    t.write(obj, 1, "p[i][0]");
  }
  t.call("kmem_cache_free_bulk", () => t.k.slab.kmemCacheFreeBulk(cache, p));
  t.kmemCacheDestroy(cache);
}

// --- mempool ---

function allocators(t: KasanTestContext): MempoolAllocators<KmemCache> {
  const k = t.k;
  return {
    kmalloc: (size, gfp) => k.slab.kmalloc(size, gfp),
    kfree: (p, ip) => k.slab.kfree(p, ip),
    kmemCacheAlloc: (c, gfp) => k.slab.kmemCacheAlloc(c, gfp),
    kmemCacheFree: (c, p, ip) => k.slab.kmemCacheFree(c, p, ip),
    kmemCacheSize: (c) => c.objectSize,
    allocPages: (gfp, order) => k.pages.allocPages(gfp, order),
    freePages: (pfn, order) => k.pages.freePages(pfn, order),
    hooks: k.kasan.hooks,
  };
}

type Pool = Mempool<KmemCache>;

function poolFree(t: KasanTestContext, pool: Pool, elem: number, label = "mempool_free"): void {
  t.call(label, () => pool.free(elem, t.ip(label)));
}

function allocPreallocated(t: KasanTestContext, pool: Pool): number {
  const e = t.call("mempool_alloc_preallocated", () => pool.allocPreallocated()) ?? 0;
  t.assertNotNull(e === 0 ? 0 : 1, "elem");
  return e;
}

function prepareKmalloc(t: KasanTestContext, size: number): { pool: Pool; extra: number } {
  const pool = t.call("mempool_init_kmalloc_pool", () => Mempool.initKmallocPool(allocators(t), 4, size));
  // One element held back so frees go into the pool (add_element) rather than to kfree().
  const extra = t.helper("mempool_prepare_kmalloc", () => allocPreallocated(t, pool));
  return { pool, extra };
}

function prepareSlab(t: KasanTestContext, size: number): { pool: Pool; cache: KmemCache } {
  return t.helper("mempool_prepare_slab", () => {
    const cache = t.kmemCacheCreate("test_cache", size, 0);
    const pool = t.call("mempool_init_slab_pool", () => Mempool.initSlabPool(allocators(t), 4, cache));
    return { pool, cache };
  });
}

function preparePage(t: KasanTestContext, order: number): { pool: Pool; extra: number } {
  return t.helper("mempool_prepare_page", () => {
    const pool = t.call("mempool_init_page_pool", () => Mempool.initPagePool(allocators(t), 4, order));
    return { pool, extra: allocPreallocated(t, pool) };
  });
}

function oobRightHelper(t: KasanTestContext, pool: Pool, size: number): void {
  t.helper("mempool_oob_right_helper", () => {
    const elem = allocPreallocated(t, pool);
    if (t.generic) t.expectFail("((volatile char *)&elem[size])[0]", () => t.read(elem + size, 1, "elem[size]"));
    else t.expectFail("((volatile char *)&elem[round_up(size, KASAN_GRANULE_SIZE)])[0]", () => t.read(elem + roundUp(size, t.G), 1, "elem[round_up(size)]"));
    poolFree(t, pool, elem);
  });
}

function uafHelper(t: KasanTestContext, pool: Pool, page: boolean): void {
  t.helper("mempool_uaf_helper", () => {
    const elem = allocPreallocated(t, pool);
    poolFree(t, pool, elem);
    const ptr = page ? t.pageAddress(elem) : elem;
    t.expectFail("((volatile char *)ptr)[0]", () => t.read(ptr, 1, "ptr[0]"));
  });
}

function doubleFreeHelper(t: KasanTestContext, pool: Pool): void {
  t.helper("mempool_double_free_helper", () => {
    const elem = allocPreallocated(t, pool);
    poolFree(t, pool, elem);
    t.expectFail("mempool_free(elem, pool)", () => poolFree(t, pool, elem, "mempool_free#2"));
  });
}

function invalidFreeHelper(t: KasanTestContext, pool: Pool): void {
  t.helper("mempool_kmalloc_invalid_free_helper", () => {
    const elem = allocPreallocated(t, pool);
    t.expectFail("mempool_free(elem + 1, pool)", () => poolFree(t, pool, elem + 1, "mempool_free(elem + 1)"));
    poolFree(t, pool, elem);
  });
}

function finishKmalloc(t: KasanTestContext, p: { pool: Pool; extra: number }): void {
  poolFree(t, p.pool, p.extra, "mempool_free(extra_elem)");
  t.call("mempool_exit", () => p.pool.exit());
}

function finishSlab(t: KasanTestContext, p: { pool: Pool; cache: KmemCache }): void {
  t.call("mempool_exit", () => p.pool.exit());
  t.kmemCacheDestroy(p.cache);
}

const LARGE = KMALLOC_MAX_CACHE_SIZE + 1;

export const OBJECT_CASES: readonly KasanKunitCase[] = [
  { name: "rcu_uaf", run: rcuUaf },
  { name: "workqueue_uaf", run: workqueueUaf },
  { name: "kfree_via_page", run: kfreeViaPage },
  { name: "kfree_via_phys", run: kfreeViaPhys },
  { name: "kmem_cache_oob", run: kmemCacheOob },
  { name: "kmem_cache_double_free", run: kmemCacheDoubleFree },
  { name: "kmem_cache_invalid_free", run: kmemCacheInvalidFree },
  { name: "kmem_cache_rcu_uaf", run: kmemCacheRcuUaf },
  { name: "kmem_cache_double_destroy", run: kmemCacheDoubleDestroy },
  { name: "kmem_cache_accounted", run: kmemCacheAccounted },
  { name: "kmem_cache_bulk", run: kmemCacheBulk },
  {
    name: "mempool_kmalloc_oob_right",
    run: (t) => {
      const size = 128 - t.G - 5;
      const p = prepareKmalloc(t, size);
      oobRightHelper(t, p.pool, size);
      finishKmalloc(t, p);
    },
  },
  {
    name: "mempool_kmalloc_large_oob_right",
    run: (t) => {
      const p = prepareKmalloc(t, LARGE);
      oobRightHelper(t, p.pool, LARGE);
      finishKmalloc(t, p);
    },
  },
  {
    name: "mempool_slab_oob_right",
    run: (t) => {
      const p = prepareSlab(t, 123);
      oobRightHelper(t, p.pool, 123);
      finishSlab(t, p);
    },
  },
  {
    name: "mempool_kmalloc_uaf",
    run: (t) => {
      const p = prepareKmalloc(t, 128);
      uafHelper(t, p.pool, false);
      finishKmalloc(t, p);
    },
  },
  {
    name: "mempool_kmalloc_large_uaf",
    run: (t) => {
      const p = prepareKmalloc(t, LARGE);
      uafHelper(t, p.pool, false);
      finishKmalloc(t, p);
    },
  },
  {
    name: "mempool_slab_uaf",
    run: (t) => {
      const p = prepareSlab(t, 123);
      uafHelper(t, p.pool, false);
      finishSlab(t, p);
    },
  },
  {
    name: "mempool_page_alloc_uaf",
    run: (t) => {
      const p = preparePage(t, 2);
      uafHelper(t, p.pool, true);
      finishKmalloc(t, p);
    },
  },
  {
    name: "mempool_kmalloc_double_free",
    run: (t) => {
      const p = prepareKmalloc(t, 128);
      doubleFreeHelper(t, p.pool);
      finishKmalloc(t, p);
    },
  },
  {
    name: "mempool_kmalloc_large_double_free",
    run: (t) => {
      const p = prepareKmalloc(t, LARGE);
      doubleFreeHelper(t, p.pool);
      finishKmalloc(t, p);
    },
  },
  {
    name: "mempool_page_alloc_double_free",
    run: (t) => {
      const p = preparePage(t, 2);
      doubleFreeHelper(t, p.pool);
      finishKmalloc(t, p);
    },
  },
  {
    name: "mempool_kmalloc_invalid_free",
    run: (t) => {
      const p = prepareKmalloc(t, 128);
      invalidFreeHelper(t, p.pool);
      finishKmalloc(t, p);
    },
  },
  {
    name: "mempool_kmalloc_large_invalid_free",
    run: (t) => {
      const p = prepareKmalloc(t, LARGE);
      invalidFreeHelper(t, p.pool);
      finishKmalloc(t, p);
    },
  },
];
