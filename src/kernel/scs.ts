/**
 * Shadow Call Stack (kernel/scs.c, CONFIG_SHADOW_CALL_STACK, 6.12): a 1 KiB per-task stack of
 * return addresses (x18 on arm64). scs_alloc takes from a per-CPU cache of NR_CACHED_SCS = 2
 * (re-unpoisoning with kasan_unpoison_vmalloc(…, KASAN_VMALLOC_PROT_NORMAL) and memset), else
 * __vmalloc_node_range(SCS_SIZE, 1, GFP_SCS, PAGE_KERNEL); the pointer is reset-tagged, the end
 * magic written, and the whole SCS poisoned (kasan_poison_vmalloc) so only the uninstrumented
 * push/pop code touches it. scs_free puts it back in an empty cache slot, else unpoisons it and
 * vfree_atomic()s it. Counted under origin "threadStack". The seed patches do not touch it;
 * untagged-by-default gives it __GFP_SKIP_KASAN (it never opts in).
 */
import { resetTag, type Ptr } from "../arch/pointer.js";
import type { Counters } from "../cost/counters.js";
import type { ExecContext } from "../lib/context.js";
import { GFP_KERNEL, __GFP_SKIP_KASAN, __GFP_ZERO } from "../mm/gfp.js";
import { KASAN_VMALLOC_PROT_NORMAL, type KasanHooks } from "../mm/kasan-hooks.js";
import type { Vmalloc } from "../mm/vmalloc/vmalloc.js";
import { NUMA_NO_NODE } from "../mm/vmalloc/vm-flags.js";
import type { TaggingPolicy } from "../policy/policies.js";

export const SCS_SIZE = 1024;
export const NR_CACHED_SCS = 2;
export const GFP_SCS = GFP_KERNEL | __GFP_ZERO;

export class ShadowCallStacks {
  /** scs_cache[cpu * 2 + i]: the cached SCS as vmalloc returned it, 0 = empty. */
  readonly cache: Float64Array;
  private readonly gfp: number;

  constructor(
    private readonly vmalloc: Vmalloc,
    private readonly hooks: KasanHooks,
    private readonly counters: Counters,
    private readonly ctx: ExecContext,
    policy: TaggingPolicy,
  ) {
    this.cache = new Float64Array(ctx.nrCpus * NR_CACHED_SCS);
    this.gfp = GFP_SCS | (policy.untaggedByDefault ? __GFP_SKIP_KASAN : 0);
  }

  /** scs_alloc(node): the reset-tagged base; throws on OOM. */
  alloc(): Ptr {
    const c = this.counters;
    c.enter("threadStack");
    try {
      let s: Ptr = 0;
      const cpu = this.ctx.cpu;
      for (let i = 0; i < NR_CACHED_SCS && s === 0; i++) {
        const slot = cpu * NR_CACHED_SCS + i;
        if (this.cache[slot] === 0) continue;
        s = this.cache[slot];
        this.cache[slot] = 0;
        s = this.hooks.unpoisonVmalloc(s, SCS_SIZE, KASAN_VMALLOC_PROT_NORMAL, this.backing(s));
        c.cur.bytesZeroed += SCS_SIZE;
      }
      if (s === 0) s = this.vmalloc.vmallocNodeRange(SCS_SIZE, 1, this.gfp, "PAGE_KERNEL", 0, NUMA_NO_NODE, "scs_alloc");
      if (s === 0) throw new Error("scs_alloc: out of memory");
      s = resetTag(s);
      this.hooks.poisonVmalloc(s, SCS_SIZE);
      return s;
    } finally {
      c.leave();
    }
  }

  /** scs_free(s) on the current CPU (may run in softirq context). */
  free(s: Ptr): void {
    const c = this.counters;
    c.enter("threadStack");
    try {
      const cpu = this.ctx.cpu;
      for (let i = 0; i < NR_CACHED_SCS; i++) {
        const slot = cpu * NR_CACHED_SCS + i;
        if (this.cache[slot] !== 0) continue;
        this.cache[slot] = s;
        return;
      }
      this.hooks.unpoisonVmalloc(s, SCS_SIZE, KASAN_VMALLOC_PROT_NORMAL, this.backing(s));
      this.vmalloc.vfreeAtomic(s);
    } finally {
      c.leave();
    }
  }

  private backing(s: Ptr): readonly number[] {
    return this.vmalloc.findVmArea(s)?.pages ?? [];
  }
}
