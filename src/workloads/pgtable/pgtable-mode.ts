/**
 * Seed 001's pgtable mode: the parent maps `sizeMb` MiB of anonymous private memory and faults
 * every page, then forks `iterations` times; each child exits at once and the parent waits.
 * Every fork copies the parent's page tables (copy_page_range: the child gets its own PUD/PMD/PTE
 * pages, user pages are shared copy-on-write) and every child exit frees them again.
 *
 * RCU point (documented): wait4 sleeps long enough for all pending callbacks (the child's
 * page-table batches, VMAs, task_struct, pid) to run.
 */
import type { Kernel } from "../../kernel/kernel.js";
import type { Processes } from "../../kernel/processes.js";
import type { WorkloadBody } from "../bench-run.js";

export interface PgtableModeParams {
  iterations: number;
  sizeMb: number;
}

export function pgtableMode(params: PgtableModeParams): (k: Kernel, p: Processes) => WorkloadBody {
  return (k, p) => ({
    iterations: params.iterations,
    // Never estimated: every fork vmallocs the child's stack and the lazily freed vmap areas
    // (and their vmap_area slab objects) pile up until the lazy-purge threshold, about 3300
    // forks with 2 CPUs, so there is no period shorter than a seed-sized run; a fork is cheap
    // enough to simulate them all.
    fastForward: { meanAfter: Infinity },
    setup() {
      const parent = p.spawn("pgtable-bench", 0);
      const mm = parent.mm;
      if (mm === null) throw new Error("pgtable mode: parent has no mm");
      const len = params.sizeMb * 2 ** 20;
      const addr = p.mm.mmapAnon(mm, len);
      p.mm.populate(mm, addr, len);
      const childCpu = 1 % k.ctx.nrCpus;
      return () => {
        const child = p.fork(parent, childCpu);
        p.exit(child);
        p.wait(child);
        p.rcu.gracePeriod();
      };
    },
  });
}

/** RAM the pgtable mode needs: the mapping, plus 1 GiB for the kernel and page tables, in 4 MiB units. */
export function pgtableMemoryBytes(sizeMb: number): number {
  const bytes = sizeMb * 2 ** 20 + 2 ** 30;
  const unit = 4 * 2 ** 20;
  return Math.max(2 * 2 ** 30, Math.ceil(bytes / unit) * unit);
}
