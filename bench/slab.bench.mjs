// SLUB fast path: kmalloc(64) + kfree pairs per second with KASAN off (the no-op hooks of the
// slab test double) over the page allocator double. Per-mode variants belong to the KASAN bench.
import { makeSlabTestEnv } from "../dist/mm/slab/slab-test-env.js";
import { GFP_KERNEL } from "../dist/mm/gfp.js";

function rate(n, fn) {
  const t0 = performance.now();
  fn(n);
  const ms = performance.now() - t0;
  return (n / ms) * 1000;
}

export async function bench(report) {
  const env = makeSlabTestEnv({ mode: "off" });
  env.kasan.record = false;
  env.pages.logAllocations = false;
  const { slab } = env;

  const pairs = (n) => {
    for (let i = 0; i < n; i++) slab.kfree(slab.kmalloc(64, GFP_KERNEL));
  };
  pairs(200_000); // warm-up (JIT)
  report({ name: "slab: kmalloc(64)+kfree pairs, KASAN off", value: Math.round(rate(2_000_000, pairs)), unit: "pairs/s", better: "higher" });

  // 1000 live objects at a time: crosses slab boundaries, exercising the refill and partial paths.
  const ptrs = new Array(1000);
  const batches = (n) => {
    for (let b = 0; b < n / 1000; b++) {
      for (let i = 0; i < 1000; i++) ptrs[i] = slab.kmalloc(64, GFP_KERNEL);
      for (let i = 0; i < 1000; i++) slab.kfree(ptrs[i]);
    }
  };
  batches(100_000);
  report({ name: "slab: kmalloc(64) x1000 then kfree x1000, KASAN off", value: Math.round(rate(1_000_000, batches)), unit: "pairs/s", better: "higher" });
}
