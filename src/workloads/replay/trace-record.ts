/**
 * One parsed line of an ftrace text trace (`/sys/kernel/tracing/trace` or `trace_pipe`), as the
 * kmem and vmalloc tracepoints of Linux 6.12 print it (include/trace/events/kmem.h, vmalloc.h)
 * plus `tracing_mark_write` markers. The parser fills one reused record per line so the hot
 * path allocates nothing but the few strings a line carries (call site, cache name).
 */

/** Event kinds, numbered for the hot path; `TRACE_EVENT_NAMES[kind]` is the tracepoint name. */
export const EV_KMALLOC = 0;
export const EV_KFREE = 1;
export const EV_KMEM_CACHE_ALLOC = 2;
export const EV_KMEM_CACHE_FREE = 3;
export const EV_MM_PAGE_ALLOC = 4;
export const EV_MM_PAGE_FREE = 5;
export const EV_MM_PAGE_FREE_BATCHED = 6;
export const EV_ALLOC_VMAP_AREA = 7;
export const EV_FREE_VMAP_AREA_NOFLUSH = 8;
export const EV_PURGE_VMAP_AREA_LAZY = 9;
export const EV_TRACING_MARK_WRITE = 10;
/** Any other event: counted by name and ignored. */
export const EV_OTHER = 11;
/** `CPU:N [LOST M EVENTS]`: the ring buffer overran; M events are missing from the text. */
export const EV_LOST = 12;
/** Header, comment (`#`) or blank line: not an event. */
export const EV_NONE = -1;

export const TRACE_EVENT_NAMES = [
  "kmalloc",
  "kfree",
  "kmem_cache_alloc",
  "kmem_cache_free",
  "mm_page_alloc",
  "mm_page_free",
  "mm_page_free_batched",
  "alloc_vmap_area",
  "free_vmap_area_noflush",
  "purge_vmap_area_lazy",
  "tracing_mark_write",
  "other",
  "lost",
] as const;
export type TraceEventName = (typeof TRACE_EVENT_NAMES)[number];

/** The tracepoints replay understands (the ones `trace_event=` should enable). */
export const REPLAYED_EVENTS: readonly TraceEventName[] = TRACE_EVENT_NAMES.slice(0, EV_OTHER);

export class TraceRecord {
  /** EV_* constant. */
  kind = EV_NONE;
  /** 1-based line number in the trace file. */
  lineNo = 0;
  /** Tracepoint name as printed (for EV_OTHER the unknown name). */
  event = "";
  /** EV_OTHER: the parser's id for `event`, or -1 when not interned. */
  eventId = -1;
  pid = 0;
  cpu = 0;
  /** The irq-info column says hard-IRQ context ('h' or 'H'). */
  hardirq = false;

  // kmalloc, kmem_cache_alloc, kfree, kmem_cache_free
  /** `call_site=` as printed by %pS (`func+0x10c/0x3e4`, maybe with ` [module]`). */
  callSite = "";
  /** The parser's small id for callSite (equal sites, equal ids), or -1 when not interned. */
  callSiteId = -1;
  /** High 16 bits of `ptr=` (tag byte and sign byte) and the exact low 48 bits. */
  ptrHi16 = 0;
  ptrLow48 = 0;
  bytesReq = 0;
  bytesAlloc = 0;
  /** gfp_flags as a value of the hw_tags build's table (src/mm/gfp.ts). */
  gfp = 0;
  node = -1;
  /** kmem_cache_free `name=` ("" when the kernel does not print it). */
  cacheName = "";
  /** The parser's id for cacheName, or -1 when not interned (or absent). */
  cacheNameId = -1;

  // mm_page_alloc, mm_page_free, mm_page_free_batched
  pfn = 0;
  order = 0;
  migratetype = 0;

  // alloc_vmap_area, free_vmap_area_noflush, purge_vmap_area_lazy (addresses as low 48 bits)
  vaStart = 0;
  size = 0;
  align = 0;
  failed = 0;
  /** nr_lazy (free_vmap_area_noflush) or num_purged (purge_vmap_area_lazy). */
  count = 0;
  start = 0;
  end = 0;

  /** tracing_mark_write: the marker text; EV_LOST: the number of events lost. */
  marker = "";
  lost = 0;
}
