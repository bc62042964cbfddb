// Issue 3 figures: kmalloc+kfree and order-0 alloc_pages+free pairs per second, in each KASAN
// mode, through the booted kernel (all hooks, tagging/shadow, stack collection and counters
// live). Each mode runs in its own Node process, as a user runs one kernel configuration: the
// shared hook code would otherwise be JIT-compiled for all four backends at once.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const MODES = ["off", "generic", "sw_tags", "hw_tags"];
const self = fileURLToPath(import.meta.url);

async function measure(mode) {
  const { bootKernel } = await import("../dist/kernel/kernel.js");
  const { GFP_KERNEL } = await import("../dist/mm/gfp.js");
  const k = bootKernel({ mode, seed: 1 });
  const rate = (n, fn) => {
    fn(200_000); // warm-up: let the JIT settle before timing
    let best = 0;
    for (let r = 0; r < 5; r++) {
      const t0 = process.cpuUsage();
      fn(n);
      const d = process.cpuUsage(t0);
      best = Math.max(best, n / ((d.user + d.system) / 1e6));
    }
    return best;
  };
  const kmalloc = rate(300_000, (n) => {
    for (let i = 0; i < n; i++) k.slab.kfree(k.slab.kmalloc(64, GFP_KERNEL));
  });
  const pages = rate(300_000, (n) => {
    for (let i = 0; i < n; i++) k.pages.freePages(k.pages.allocPages(GFP_KERNEL, 0), 0);
  });
  return { kmalloc, pages };
}

if (process.argv[2] === "--child") {
  process.stdout.write(JSON.stringify(await measure(process.argv[3])));
}

export async function bench(report) {
  for (const mode of MODES) {
    const r = JSON.parse(execFileSync(process.execPath, [self, "--child", mode], { encoding: "utf8" }));
    const target = mode === "hw_tags" ? { target: 2e6, better: "higher" } : {};
    report({ name: `kmalloc(64)+kfree pairs, ${mode} (best of 5, CPU time)`, value: r.kmalloc, unit: "pairs/s", ...target });
    report({ name: `alloc_pages(order 0)+__free_pages pairs, ${mode} (best of 5, CPU time)`, value: r.pages, unit: "pairs/s", ...target });
  }
}
