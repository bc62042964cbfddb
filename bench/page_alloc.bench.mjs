// Page allocator throughput (against the built dist/; `npm run build` first), default 2 GiB
// machine with 2 CPUs and a no-op KASAN (mode "off"), CountingArchPageOps:
//  - order-0 alloc_pages + __free_pages pairs per second (per-CPU list hit path, steady state);
//  - order-0 pages per second in bursts of 1000 allocations then 1000 frees (pcp refills from and
//    spills to the buddy lists, with splits and merges);
//  - order-4 pairs per second (no per-CPU list: buddy split on alloc, merge on free).
// Another mode's KASAN is measured by passing its hooks: `measure({ hooks, mode, ... })`.
import { Counters } from "../dist/cost/counters.js";
import { ExecContext } from "../dist/lib/context.js";
import { CountingArchPageOps } from "../dist/mm/arch-page-ops.js";
import { GFP_KERNEL } from "../dist/mm/gfp.js";
import { PageAllocator, RecordingKasanHooks } from "../dist/mm/page_alloc/index.js";

const ROUNDS = 5;

/** A PageAllocator with the given KASAN hooks (default: none, mode "off"). */
export function makeAllocator({ hooks, mode = "off", nrCpus = 2, memoryBytes, initOnAlloc = false, initOnFree = false } = {}) {
  const counters = new Counters();
  const pa = new PageAllocator({
    memoryBytes,
    nrCpus,
    ctx: new ExecContext(nrCpus),
    counters,
    hooks: hooks ?? new RecordingKasanHooks({ mode, record: false }),
    arch: new CountingArchPageOps(counters),
    initOnAlloc,
    initOnFree,
    mode,
  });
  return { pa, counters };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Alloc+free pairs per second of `order` with `gfp` (median of ROUNDS). */
export function measurePairs(opts = {}, { order = 0, gfp = GFP_KERNEL, n = 2_000_000 } = {}) {
  const { pa } = makeAllocator(opts);
  for (let i = 0; i < 1000; i++) pa.freePages(pa.allocPages(gfp, order), order);
  const rates = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) pa.freePages(pa.allocPages(gfp, order), order);
    rates.push(n / ((performance.now() - t0) / 1000));
  }
  return median(rates);
}

/** Order-0 pages per second allocated and freed in bursts of `burst`. */
export function measureBursts(opts = {}, { burst = 1000, rounds = 400, gfp = GFP_KERNEL } = {}) {
  const { pa } = makeAllocator(opts);
  const live = new Float64Array(burst);
  const rates = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (let k = 0; k < rounds; k++) {
      for (let i = 0; i < burst; i++) live[i] = pa.allocPages(gfp, 0);
      for (let i = 0; i < burst; i++) pa.freePages(live[i], 0);
    }
    rates.push((rounds * burst) / ((performance.now() - t0) / 1000));
  }
  return median(rates);
}

export async function bench(report) {
  report({ name: "page_alloc: order-0 alloc+free pairs/s (KASAN off)", value: measurePairs(), unit: "pairs/s", better: "higher" });
  report({ name: "page_alloc: order-0 pages/s in 1000-page bursts (KASAN off)", value: measureBursts(), unit: "pages/s", better: "higher" });
  report({
    name: "page_alloc: order-4 alloc+free pairs/s, buddy path (KASAN off)",
    value: measurePairs({}, { order: 4, n: 500_000 }),
    unit: "pairs/s",
    better: "higher",
  });
}
