/**
 * The state of a kernel that decides the counts of what it does next (see steady-state.ts):
 * free pages in total, every CPU's page lists and pcp tuning, each slab cache's slabs,
 * partial lists and objects, vmalloc's areas, free space, pools and lazy pages, the thread-stack
 * and SCS caches, live tasks and pending RCU callbacks. Tag values, addresses and pids are left
 * out on purpose, and so is the buddy free-list shape (steady-state.ts: layout counters).
 *
 * Also left out: where each CPU's slab freelist stands. When one CPU allocates (the forked child)
 * and another frees (the reaping parent), SLUB's remote frees make each cache's per-CPU position
 * walk through its slab and wrap, with a period of up to twice the objects per slab — different
 * for every cache, so the whole state's period is their LCM, far beyond any run. The position
 * decides which slot comes next (the same size and so the same tagging work within a cache whose
 * object stride keeps granule alignment) and when a refill from the slab's freelist happens, which
 * the model does not count; steady-state.ts demands three identical periods of every other
 * counter, and bench/workloads.bench.mjs checks fast-forwarded against exact runs.
 */
import type { Kernel } from "../kernel/kernel.js";
import type { Processes } from "../kernel/processes.js";

export function kernelFingerprint(k: Kernel, p: Processes | undefined): string {
  const parts: number[] = [];
  const pa = k.pages;
  // Free memory in total, not its split into blocks per order (the layout; see steady-state.ts).
  parts.push(pa.freePagesCount());
  for (let cpu = 0; cpu < k.ctx.nrCpus; cpu++) {
    const s = pa.pcpState(cpu);
    parts.push(pa.pcpCount(cpu), s.high, s.allocFactor, s.freeCount, s.batch);
  }
  for (const c of k.slab.caches()) {
    parts.push(c.nrSlabs, c.nrPartial, c.totalObjects);
  }
  const vm = k.vmalloc;
  const ps = vm.poolStats();
  parts.push(vm.busyCount, vm.freeBlockCount, vm.vmapLazyNr, vm.nrVmallocPages, ps.pooled, ps.lazy, ps.preloaded);
  parts.push(k.rcu.pendingCallbacks, k.rcu.gpInProgress ? 1 : 0);
  if (p !== undefined) {
    parts.push(p.tasks.size, p.stacks.cachedCount);
    if (p.scs !== undefined) for (let i = 0; i < p.scs.cache.length; i++) parts.push(p.scs.cache[i] === 0 ? 0 : 1);
  }
  return parts.join(",");
}
