/**
 * The state of a kernel that decides the counts of what it does next (see steady-state.ts):
 * buddy free blocks per order, every CPU's page lists and pcp tuning, each slab cache's slabs,
 * partial lists and objects, vmalloc's areas, free space, pools and lazy pages, the thread-stack
 * and SCS caches, live tasks and pending RCU callbacks. Tag values, addresses and pids are left
 * out on purpose.
 */
import type { Kernel } from "../kernel/kernel.js";
import type { Processes } from "../kernel/processes.js";
import { MAX_ORDER } from "../mm/memory-layout.js";

export function kernelFingerprint(k: Kernel, p: Processes | undefined): string {
  const parts: number[] = [];
  const pa = k.pages;
  for (let o = 0; o <= MAX_ORDER; o++) parts.push(pa.nrFreeBlocks(o));
  for (let cpu = 0; cpu < k.ctx.nrCpus; cpu++) {
    const s = pa.pcpState(cpu);
    parts.push(pa.pcpCount(cpu), s.high, s.allocFactor, s.freeCount, s.batch);
  }
  for (const c of k.slab.caches()) {
    parts.push(c.nrSlabs, c.nrPartial, c.totalObjects);
    for (let cpu = 0; cpu < k.ctx.nrCpus; cpu++) parts.push(c.cpuSlab[cpu] === null ? -1 : c.cpuFreelist[cpu]);
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
