// Issue 3 figures: kmalloc+kfree and order-0 alloc_pages+free pairs per second, in each KASAN
// mode, through the booted kernel (all hooks, tagging/shadow and counters live).
import { bootKernel } from "../dist/kernel/kernel.js";
import { GFP_KERNEL } from "../dist/mm/gfp.js";

const MODES = ["off", "generic", "sw_tags", "hw_tags"];

function rate(n, fn) {
  fn(Math.min(n, 20_000)); // warm-up
  const t0 = performance.now();
  fn(n);
  return n / ((performance.now() - t0) / 1000);
}

function best(runs, n, fn) {
  let r = 0;
  for (let i = 0; i < runs; i++) r = Math.max(r, rate(n, fn));
  return r;
}

export async function bench(report) {
  for (const mode of MODES) {
    const k = bootKernel({ mode, seed: 1 });
    const kmallocPairs = best(3, 400_000, (n) => {
      for (let i = 0; i < n; i++) k.slab.kfree(k.slab.kmalloc(64, GFP_KERNEL));
    });
    report({ name: `kmalloc(64)+kfree pairs, ${mode}`, value: kmallocPairs, unit: "pairs/s", ...(mode === "hw_tags" ? { target: 2e6, better: "higher" } : {}) });
    const pagePairs = best(3, 400_000, (n) => {
      for (let i = 0; i < n; i++) k.pages.freePages(k.pages.allocPages(GFP_KERNEL, 0), 0);
    });
    report({ name: `alloc_pages(order 0)+__free_pages pairs, ${mode}`, value: pagePairs, unit: "pairs/s", ...(mode === "hw_tags" ? { target: 2e6, better: "higher" } : {}) });
  }
}
