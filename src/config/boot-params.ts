/**
 * Boot parameters that KASAN and the allocators read, by their kernel names, with the
 * defaults a 6.12 arm64 kernel has when the command line does not mention them.
 *
 *   kasan=                         on/off            hw_tags only (mm/kasan/hw_tags.c)
 *   kasan.mode=                    sync/async/asymm  hw_tags only
 *   kasan.vmalloc=                 on/off            hw_tags only (software modes: CONFIG_KASAN_VMALLOC)
 *   kasan.page_alloc.sample=       N ≥ 1             hw_tags only
 *   kasan.page_alloc.sample.order= order             hw_tags only
 *   kasan.stacktrace=              on/off            tag modes (mm/kasan/tags.c)
 *   kasan.stack_ring_size=         entries           tag modes; 0 means the default 32768
 *   kasan.fault=                   report/panic/panic_on_write   all KASAN modes (report.c)
 *   kasan_multi_shot               flag              all KASAN modes (report.c, __setup)
 *   panic_on_warn=                 int               kernel/panic.c core_param
 *   init_on_alloc= / init_on_free= bool              mm/mm_init.c early_param
 *   stack_depot_disable=           bool              lib/stackdepot.c early_param
 */
export type KasanHwMode = "sync" | "async" | "asymm";
export type KasanFault = "report" | "panic" | "panic_on_write";

/** KASAN_STACK_RING_SIZE_DEFAULT (mm/kasan/tags.c). */
export const KASAN_STACK_RING_SIZE_DEFAULT = 32 << 10;
/** PAGE_ALLOC_SAMPLE_DEFAULT / PAGE_ALLOC_SAMPLE_ORDER_DEFAULT (mm/kasan/hw_tags.c). */
export const PAGE_ALLOC_SAMPLE_DEFAULT = 1;
export const PAGE_ALLOC_SAMPLE_ORDER_DEFAULT = 3;

export interface BootParams {
  /** kasan=on|off (hw_tags): false disables KASAN at run time. */
  kasan: boolean;
  /** kasan.mode= (hw_tags tag-check mode, TCF). */
  kasanMode: KasanHwMode;
  /** kasan.vmalloc= (hw_tags). */
  kasanVmalloc: boolean;
  /** kasan.stacktrace= (tag modes); Generic always collects stacks. */
  kasanStacktrace: boolean;
  /** kasan.stack_ring_size= as given; 0 = KASAN_STACK_RING_SIZE_DEFAULT at kasan_init_tags(). */
  kasanStackRingSize: number;
  /** kasan.page_alloc.sample= (hw_tags). */
  kasanPageAllocSample: number;
  /** kasan.page_alloc.sample.order= (hw_tags). */
  kasanPageAllocSampleOrder: number;
  /** kasan.fault= (report.c). */
  kasanFault: KasanFault;
  /** kasan_multi_shot (report.c): report every bug, not only the first. */
  kasanMultiShot: boolean;
  /** panic_on_warn= (non-zero: a KASAN report panics unless multi-shot). */
  panicOnWarn: number;
  /** init_on_alloc= (default CONFIG_INIT_ON_ALLOC_DEFAULT_ON, modelled as off). */
  initOnAlloc: boolean;
  /** init_on_free= (default CONFIG_INIT_ON_FREE_DEFAULT_ON, modelled as off). */
  initOnFree: boolean;
  /** stack_depot_disable=. */
  stackDepotDisable: boolean;
}

export function defaultBootParams(): BootParams {
  return {
    kasan: true,
    kasanMode: "sync",
    kasanVmalloc: true,
    kasanStacktrace: true,
    kasanStackRingSize: 0,
    kasanPageAllocSample: PAGE_ALLOC_SAMPLE_DEFAULT,
    kasanPageAllocSampleOrder: PAGE_ALLOC_SAMPLE_ORDER_DEFAULT,
    kasanFault: "report",
    kasanMultiShot: false,
    panicOnWarn: 0,
    initOnAlloc: false,
    initOnFree: false,
    stackDepotDisable: false,
  };
}

/** The ring size kasan_init_tags() ends up using (0 → default). */
export function effectiveStackRingSize(p: BootParams): number {
  return p.kasanStackRingSize === 0 ? KASAN_STACK_RING_SIZE_DEFAULT : p.kasanStackRingSize;
}
