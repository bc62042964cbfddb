/**
 * arm64's boot-time stacks from arch_alloc_vmap_stack (arch/arm64/include/asm/vmap_stack.h):
 * __vmalloc_node(stack_size, THREAD_ALIGN, THREADINFO_GFP, node, caller) for each CPU's IRQ stack
 * (init_irq_stacks, IRQ_STACK_SIZE = THREAD_SIZE; only with CONFIG_VMAP_STACK, otherwise they are
 * static per-CPU arrays), the EFI runtime-services stack (arm64_efi_rt_init, when EFI runtime
 * services exist) and the SDEI normal + critical stacks per CPU (when firmware offers SDEI). The
 * sites pass THREADINFO_GFP, so only skip-stacks-all (flag inside THREADINFO_GFP) changes them.
 */
import type { Ptr } from "../arch/pointer.js";
import type { Counters } from "../cost/counters.js";
import type { ExecContext } from "../lib/context.js";
import type { Vmalloc } from "../mm/vmalloc/vmalloc.js";

export interface ArchStackOptions {
  vmapStack: boolean;
  threadSize: number;
  threadinfoGfp: number;
  efi: boolean;
  sdei: boolean;
}

export interface ArchStacks {
  irq: Ptr[];
  efi: Ptr;
  sdeiNormal: Ptr[];
  sdeiCritical: Ptr[];
}

export function allocArchVmapStacks(vmalloc: Vmalloc, counters: Counters, ctx: ExecContext, o: ArchStackOptions): ArchStacks {
  const out: ArchStacks = { irq: [], efi: 0, sdeiNormal: [], sdeiCritical: [] };
  if (!o.vmapStack) return out;
  const alloc = (caller: string): Ptr => {
    const p = vmalloc.vmallocNodeRange(o.threadSize, 2 * o.threadSize, o.threadinfoGfp, "PAGE_KERNEL", 0, -1, caller);
    if (p === 0) throw new Error(`${caller}: arch_alloc_vmap_stack failed`);
    return p;
  };
  counters.enter("threadStack");
  const prevCpu = ctx.cpu;
  try {
    for (let cpu = 0; cpu < ctx.nrCpus; cpu++) {
      ctx.cpu = cpu;
      out.irq.push(alloc("init_irq_stacks"));
      if (o.sdei) {
        out.sdeiNormal.push(alloc("init_sdei_stacks"));
        out.sdeiCritical.push(alloc("init_sdei_stacks"));
      }
    }
    ctx.cpu = 0;
    if (o.efi) out.efi = alloc("arm64_efi_rt_init");
  } finally {
    ctx.cpu = prevCpu;
    counters.leave();
  }
  return out;
}
