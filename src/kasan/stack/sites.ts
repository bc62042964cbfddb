/**
 * The frames above the caller when KASAN saves a stack: what the arm64 unwinder finds between
 * stack_trace_save() and the code that called the allocator (Linux 6.12, innermost first).
 *
 *   Generic kmalloc:  kasan_save_stack, kasan_save_track, __kasan_kmalloc, __kmalloc_cache_noprof
 *                     (generic.c kasan_save_alloc_info() ends in a tail call to kasan_save_track(),
 *                     so its own frame is gone)
 *   Generic free:     kasan_save_stack, kasan_save_track, kasan_save_free_info, __kasan_slab_free, kfree
 *   tags alloc:       kasan_save_stack, kasan_save_alloc_info, __kasan_kmalloc, __kmalloc_cache_noprof
 *                     (tags.c save_stack_info() is inlined into kasan_save_alloc_info())
 *   tags free:        kasan_save_stack, kasan_save_free_info, __kasan_slab_free, kfree
 *   aux (Generic):    kasan_save_stack, __kasan_record_aux_stack
 *
 * kmem_cache_alloc/kmem_cache_free use __kasan_slab_alloc + kmem_cache_alloc_noprof and
 * __kasan_slab_free + kmem_cache_free. Each frame is a deterministic call site inside the
 * function (Kallsyms.callSite), so the same run always prints the same offsets.
 */
import type { Kallsyms } from "../../lib/kallsyms.js";
import type { KasanStackSite } from "../common/track.js";

export type StackSiteMode = "generic" | "sw_tags" | "hw_tags";

/** Function names of each site, innermost first. */
export function siteFunctions(mode: StackSiteMode, site: KasanStackSite): readonly string[] {
  const generic = mode === "generic";
  switch (site) {
    case "kmalloc":
      return generic
        ? ["kasan_save_stack", "kasan_save_track", "__kasan_kmalloc", "__kmalloc_cache_noprof"]
        : ["kasan_save_stack", "kasan_save_alloc_info", "__kasan_kmalloc", "__kmalloc_cache_noprof"];
    case "kmem_cache_alloc":
      return generic
        ? ["kasan_save_stack", "kasan_save_track", "__kasan_slab_alloc", "kmem_cache_alloc_noprof"]
        : ["kasan_save_stack", "kasan_save_alloc_info", "__kasan_slab_alloc", "kmem_cache_alloc_noprof"];
    case "kfree":
      return generic
        ? ["kasan_save_stack", "kasan_save_track", "kasan_save_free_info", "__kasan_slab_free", "kfree"]
        : ["kasan_save_stack", "kasan_save_free_info", "__kasan_slab_free", "kfree"];
    case "kmem_cache_free":
      return generic
        ? ["kasan_save_stack", "kasan_save_track", "kasan_save_free_info", "__kasan_slab_free", "kmem_cache_free"]
        : ["kasan_save_stack", "kasan_save_free_info", "__kasan_slab_free", "kmem_cache_free"];
    case "aux":
      return ["kasan_save_stack", "__kasan_record_aux_stack"];
  }
}

/** Call-site addresses for a chain of functions: each frame is where it called the next. */
export function callChain(kallsyms: Kallsyms, names: readonly string[], innermostCallee: string): Float64Array {
  const out = new Float64Array(names.length);
  for (let i = 0; i < names.length; i++) out[i] = kallsyms.callSite(names[i], i === 0 ? innermostCallee : names[i - 1]);
  return out;
}

/**
 * Per-run cache of the site frames (addresses depend on the run's kallsyms). One field per
 * site rather than a Map: this runs on every slab alloc and free.
 */
export class StackSites {
  private static readonly NONE = new Float64Array(0);
  private kmalloc: Float64Array | undefined = undefined;
  private kmemCacheAlloc: Float64Array | undefined = undefined;
  private kfree: Float64Array | undefined = undefined;
  private kmemCacheFree: Float64Array | undefined = undefined;
  private aux: Float64Array | undefined = undefined;

  constructor(
    private readonly kallsyms: Kallsyms,
    private readonly mode: StackSiteMode,
  ) {}

  frames(site: KasanStackSite | undefined): Float64Array {
    // String tests first and `undefined` last: comparisons that only ever see interned site
    // names compile to pointer compares.
    if (site === "kmalloc") return (this.kmalloc ??= this.chain(site));
    if (site === "kfree") return (this.kfree ??= this.chain(site));
    if (site === "kmem_cache_alloc") return (this.kmemCacheAlloc ??= this.chain(site));
    if (site === "kmem_cache_free") return (this.kmemCacheFree ??= this.chain(site));
    if (site === "aux") return (this.aux ??= this.chain(site));
    return StackSites.NONE;
  }

  private chain(site: KasanStackSite): Float64Array {
    return callChain(this.kallsyms, siteFunctions(this.mode, site), "stack_trace_save");
  }
}
