/**
 * Wiring of the stack depot and KASAN's stack collector into a booted kernel:
 * stack_depot_early_init() with KASAN's 2^20 buckets, depot pools from the buddy allocator
 * (alloc_pages(gfp_nested_mask(gfp), DEPOT_POOL_ORDER) — the 6.12 traces show them as order-2
 * `GFP_KERNEL|__GFP_NOWARN|__GFP_NORETRY|__GFP_NOMEMALLOC` allocations), filter_irq_stacks()
 * on the IRQ entry text, and kasan_save_stack() in the chosen collection flavour.
 */
import { inIrqentryText } from "../arch/stacktrace/irq-entry.js";
import { type DepotPagePool, DEPOT_POOL_ORDER, StackDepot } from "../lib/stackdepot/stack-depot.js";
import { KasanStackCollector, type KasanStackOptions, type StackCollection } from "../kasan/stack/stack-collector.js";
import { GFP_ATOMIC, GFP_KERNEL, __GFP_NOMEMALLOC, __GFP_NORETRY, __GFP_NOWARN } from "../mm/gfp.js";
import type { Kernel } from "./kernel.js";

export type { StackCollection };

/** gfp_nested_mask(): keep the context bits, never retry, never dip into reserves, never warn. */
export function gfpNestedMask(gfp: number): number {
  return ((gfp & (GFP_KERNEL | GFP_ATOMIC)) | __GFP_NORETRY | __GFP_NOMEMALLOC | __GFP_NOWARN) >>> 0;
}

/** Depot pools as order-2 pages of the kernel's page allocator. */
export function buddyDepotPagePool(k: Pick<Kernel, "pages">): DepotPagePool {
  return {
    allocPool: (gfp) => k.pages.allocPages(gfpNestedMask(gfp), DEPOT_POOL_ORDER),
    freePool: (pfn) => k.pages.freePages(pfn, DEPOT_POOL_ORDER),
  };
}

export function createStackDepot(
  k: Pick<Kernel, "mode" | "ctx" | "counters" | "pages" | "warnings">,
  options: KasanStackOptions,
  maxFrames = 64,
): { depot: StackDepot | undefined; saver: KasanStackCollector | undefined } {
  if (k.mode === "off") return { depot: undefined, saver: undefined };
  const kallsyms = k.ctx.kallsyms;
  const depot =
    options.stackDepot === false
      ? undefined
      : new StackDepot({
          counters: k.counters,
          maxFrames,
          pagePool: buddyDepotPagePool(k),
          isIrqEntry: (ip) => inIrqentryText(kallsyms, ip),
          warn: (msg) => k.warnings.push(msg),
        });
  const saver = new KasanStackCollector({ ctx: k.ctx, counters: k.counters, mode: k.mode, depot, options });
  return { depot, saver };
}
