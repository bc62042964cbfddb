/**
 * The frames of a report's "Call trace:" between print_report() and the buggy code — the path
 * from the bad access (or free) into kasan_report() on arm64 in 6.12:
 *   Generic (inline instrumentation): __asan_report_{load,store}{1,2,4,8,16}_noabort, or
 *     __asan_report_{load,store}_n_noabort for other sizes
 *   SW_TAGS (inline): kasan_tag_mismatch ← __hwasan_tag_mismatch (fixed sizes), or
 *     kasan_check_range ← __hwasan_{load,store}N_noabort
 *   HW_TAGS sync: the tag check fault: __do_kernel_fault ← do_tag_check_fault ← do_mem_abort ←
 *     el1_abort ← el1h_64_sync_handler ← el1h_64_sync
 *   invalid/double free of a slab object: kasan_report_invalid_free ← __kasan_slab_pre_free ←
 *     kfree (kmem_cache_free for non-kmalloc caches); of a page-backed block: ← __kasan_kfree_large
 *     ← free_large_kmalloc ← kfree
 *   HW_TAGS async: kasan_report_async ← mte_check_tfsr_el1
 *   checks made by KASAN entry points (event.via): the mem* interceptors of the software modes,
 *     kasan_check_range ← __asan_memset/__asan_memcpy/__asan_memmove (mm/kasan/shadow.c; the
 *     SW_TAGS __hwasan_mem* names are aliases), and __kasan_check_byte ← the function the inline
 *     kasan_check_byte() sits in (ksize, krealloc_noprof, kmem_cache_destroy)
 * The stack dump's own frames (dump_backtrace, show_stack, dump_stack_lvl) are added by
 * dump_stack (src/kernel/dump-stack.ts).
 */
import type { Kallsyms } from "../../../lib/kallsyms.js";
import type { KasanReportEvent } from "../event.js";

function isFixed(size: number): boolean {
  return size === 1 || size === 2 || size === 4 || size === 8 || size === 16;
}

/** Function names from print_report down to (not including) the buggy function, innermost first. */
export function reportPathFunctions(e: KasanReportEvent): string[] {
  if (e.type === "async") return ["kasan_report_async", "mte_check_tfsr_el1"];
  if (e.type !== "access") {
    if (e.object !== undefined) {
      const entry = e.object.cacheName.startsWith("kmalloc-") ? "kfree" : "kmem_cache_free";
      return ["print_report", "kasan_report_invalid_free", "__kasan_slab_pre_free", entry];
    }
    return ["print_report", "kasan_report_invalid_free", "__kasan_kfree_large", "free_large_kmalloc", "kfree"];
  }
  const rw = e.isWrite ? "store" : "load";
  const head = ["print_report", "kasan_report"];
  if (e.via !== undefined) return [...head, ...e.via];
  if (e.mode === "hw_tags") return [...head, "__do_kernel_fault", "do_tag_check_fault", "do_mem_abort", "el1_abort", "el1h_64_sync_handler", "el1h_64_sync"];
  if (e.mode === "sw_tags") {
    return isFixed(e.accessSize) ? [...head, "kasan_tag_mismatch", "__hwasan_tag_mismatch"] : [...head, "kasan_check_range", `__hwasan_${rw}N_noabort`];
  }
  return [...head, isFixed(e.accessSize) ? `__asan_report_${rw}${e.accessSize}_noabort` : `__asan_report_${rw}_n_noabort`];
}

/**
 * The report's call trace below dump_stack_lvl, innermost first: the KASAN path (each frame a
 * deterministic call site), the buggy instruction `ip` (unless the caller's call site already
 * is it), then the task's call chain.
 */
export function reportCallTrace(e: KasanReportEvent, kallsyms: Kallsyms): number[] {
  const names = reportPathFunctions(e);
  const frames: number[] = [];
  for (let i = 0; i < names.length; i++) frames.push(kallsyms.callSite(names[i], i === 0 ? "dump_stack_lvl" : names[i - 1]));
  const cs = e.callStack ?? [];
  const innermost = cs.length > 0 ? cs[cs.length - 1] : undefined;
  // The ip is a frame already when the report came from a KASAN entry point's caller (kfree
  // for free_large_kmalloc's inlined kasan_kfree_large()) or from the running function's call.
  if (e.type !== "async" && e.ip !== 0 && e.ip !== innermost && e.ip !== frames[frames.length - 1]) frames.push(e.ip);
  for (let i = cs.length - 1; i >= 0; i--) frames.push(cs[i]);
  return frames;
}
