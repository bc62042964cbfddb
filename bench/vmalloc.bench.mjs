// vmalloc model throughput (against the built dist/; `npm run build` first), with trivial
// page/slab/KASAN stand-ins so only the vmalloc bookkeeping is timed:
//  - thread-stack cycles per second: __vmalloc_node(16 KiB, align 32 KiB) + vfree, 2 CPUs
//    (steady state reuses purged areas from the vmap-node pools after the first drain);
//  - the same with 1 CPU (one vmap node: purged areas go back to the free space, first fit);
//  - thread-stack allocations per second with 2000 stacks live (the seed's thread mode keeps
//    that many), i.e. with a fragmented free space (12 KiB alignment holes between stacks).
import { Counters } from "../dist/cost/counters.js";
import { ExecContext } from "../dist/lib/context.js";
import { Vmalloc } from "../dist/mm/vmalloc/vmalloc.js";
import { GFP_KERNEL, __GFP_ZERO } from "../dist/mm/gfp.js";

const THREAD_SIZE = 16384;
const THREAD_ALIGN = 32768;
const GFP = GFP_KERNEL | __GFP_ZERO;
const ROUNDS = 5;

function make(nrCpus) {
  let nextPfn = 0x40000;
  let nextObj = 0x1000_0000;
  const freePfns = [];
  const pages = {
    allocPages: () => (freePfns.length > 0 ? freePfns.pop() : nextPfn++),
    freePages: (pfn) => freePfns.push(pfn),
  };
  const slab = {
    kmalloc: () => (nextObj += 128),
    kfree: () => {},
    kmemCacheCreate: (name) => ({ name }),
    kmemCacheAlloc: () => (nextObj += 128),
    kmemCacheFree: () => {},
  };
  const hooks = {
    enabled: true,
    hwTagsEnabled: true,
    vmallocEnabled: true,
    populateVmalloc: () => {},
    releaseVmalloc: () => {},
    unpoisonVmalloc: (start) => start,
    poisonVmalloc: () => {},
  };
  return new Vmalloc({
    pages,
    slab,
    hooks,
    counters: new Counters(),
    ctx: new ExecContext(nrCpus),
    mode: "hw_tags",
    initOnAlloc: false,
    initOnFree: false,
  });
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function cyclesPerSec(nrCpus, n) {
  const vm = make(nrCpus);
  const rates = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      const p = vm.vmallocNode(THREAD_SIZE, THREAD_ALIGN, GFP, -1, "alloc_thread_stack_node");
      vm.vfree(p);
    }
    rates.push(n / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  return median(rates);
}

function liveAllocsPerSec(live, n) {
  const vm = make(2);
  const ring = [];
  for (let i = 0; i < live; i++) ring.push(vm.vmallocNode(THREAD_SIZE, THREAD_ALIGN, GFP, -1, "s"));
  const rates = [];
  let k = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      vm.vfree(ring[k]);
      ring[k] = vm.vmallocNode(THREAD_SIZE, THREAD_ALIGN, GFP, -1, "s");
      k = (k + 1) % live;
    }
    rates.push(n / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  return median(rates);
}

export async function bench(report) {
  report({ name: "vmalloc: stack vmalloc+vfree cycles/s (2 CPUs, pools)", value: cyclesPerSec(2, 200_000), unit: "cycles/s", better: "higher" });
  report({ name: "vmalloc: stack vmalloc+vfree cycles/s (1 CPU, first fit)", value: cyclesPerSec(1, 200_000), unit: "cycles/s", better: "higher" });
  report({ name: "vmalloc: stack vfree+vmalloc/s with 2000 live stacks", value: liveAllocsPerSec(2000, 200_000), unit: "cycles/s", better: "higher" });
}
