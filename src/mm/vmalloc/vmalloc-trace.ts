/**
 * The vmalloc tracepoints (include/trace/events/vmalloc.h): events carry untagged offsets;
 * `formatVmallocTrace` renders them as ftrace prints them (the only place 64-bit values are
 * built, with BigInt, at the output edge).
 */
import { makePtr, TAG_KERNEL, toBigInt } from "../../arch/pointer.js";

export type VmallocTraceEvent =
  | {
      readonly event: "alloc_vmap_area";
      /** va_start offset, or a negative errno when failed. */
      readonly addr: number;
      readonly size: number;
      readonly align: number;
      readonly vstart: number;
      readonly vend: number;
      readonly failed: boolean;
    }
  | { readonly event: "free_vmap_area_noflush"; readonly vaStart: number; readonly nrLazy: number; readonly nrLazyMax: number }
  | {
      readonly event: "purge_vmap_area_lazy";
      /** Flushed range; -1/-1 when there was nothing lazy (the kernel prints ULONG_MAX and 0). */
      readonly start: number;
      readonly end: number;
      readonly npurged: number;
    };

function va(offset: number): bigint {
  return toBigInt(makePtr(TAG_KERNEL, offset));
}

/** An exclusive end (may be the first byte past the modelled region). */
function vaEnd(offset: number): bigint {
  return va(offset - 1) + 1n;
}

/** The text after `name: ` in an ftrace line, e.g. `va_start: 18446603338377822208 size=20480 …`. */
export function formatVmallocTrace(ev: VmallocTraceEvent): string {
  switch (ev.event) {
    case "alloc_vmap_area": {
      // A failed allocation prints the errno as an unsigned long.
      const start = ev.failed ? (1n << 64n) + BigInt(ev.addr) : va(ev.addr);
      return (
        `alloc_vmap_area: va_start: ${start.toString()} size=${ev.size} align=${ev.align} ` +
        `vstart=0x${va(ev.vstart).toString(16)} vend=0x${vaEnd(ev.vend).toString(16)} failed=${ev.failed ? 1 : 0}`
      );
    }
    case "free_vmap_area_noflush":
      return `free_vmap_area_noflush: va_start=0x${va(ev.vaStart).toString(16)} nr_lazy=${ev.nrLazy} nr_lazy_max=${ev.nrLazyMax}`;
    case "purge_vmap_area_lazy": {
      const start = ev.start < 0 ? "ffffffffffffffff" : va(ev.start).toString(16);
      const end = ev.end < 0 ? "0" : vaEnd(ev.end).toString(16);
      return `purge_vmap_area_lazy: start=0x${start} end=0x${end} num_purged=${ev.npurged}`;
    }
  }
}
