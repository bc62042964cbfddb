/**
 * Generic bug type from the shadow (report_generic.c get_bug_type / get_shadow_bug_type /
 * get_wild_bug_type, 6.12 names).
 */
import { vaHalves, type Ptr, ptrOffset } from "../../arch/pointer.js";
import { PAGE_SIZE } from "../../mm/memory-layout.js";
import {
  KASAN_ALLOCA_LEFT, KASAN_ALLOCA_RIGHT, KASAN_GLOBAL_REDZONE, KASAN_PAGE_FREE, KASAN_PAGE_REDZONE, KASAN_SLAB_FREE,
  KASAN_SLAB_FREE_META, KASAN_SLAB_REDZONE, KASAN_STACK_LEFT, KASAN_STACK_MID, KASAN_STACK_PARTIAL, KASAN_STACK_RIGHT,
  KASAN_VMALLOC_INVALID,
} from "../constants.js";
import type { KasanBugType } from "../report/event.js";
import { ShadowMemory } from "../shadow/shadow-memory.js";
import { accessWraps } from "../common/wrap.js";

/** Bug type for a shadow value; `next` is the following shadow byte (used for 1..7). */
export function shadowBugType(value: number, next: number): KasanBugType {
  // A partially accessible granule: the next shadow byte tells what lies beyond.
  const v = value > 0 && value <= 7 ? next : value;
  switch (v) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7:
      return "out-of-bounds";
    case KASAN_PAGE_REDZONE:
    case KASAN_SLAB_REDZONE:
      return "slab-out-of-bounds";
    case KASAN_GLOBAL_REDZONE:
      return "global-out-of-bounds";
    case KASAN_STACK_LEFT:
    case KASAN_STACK_MID:
    case KASAN_STACK_RIGHT:
    case KASAN_STACK_PARTIAL:
      return "stack-out-of-bounds";
    case KASAN_PAGE_FREE:
      return "use-after-free";
    case KASAN_SLAB_FREE:
    case KASAN_SLAB_FREE_META:
      return "slab-use-after-free";
    case KASAN_ALLOCA_LEFT:
    case KASAN_ALLOCA_RIGHT:
      return "alloca-out-of-bounds";
    case KASAN_VMALLOC_INVALID:
      return "vmalloc-out-of-bounds";
    default:
      return "unknown-crash";
  }
}

/** get_wild_bug_type(): addresses without shadow, by their 64-bit value. */
export function wildBugType(addr: Ptr): KasanBugType {
  const { hi16, low48 } = vaHalves(addr);
  if (hi16 === 0 && low48 < PAGE_SIZE) return "null-ptr-deref";
  // TASK_SIZE on arm64 is 1 << 48 (vabits_actual = 48).
  if (hi16 === 0) return "user-memory-access";
  return "wild-memory-access";
}

/** get_bug_type(info) for an access report. */
export function genericBugType(sh: ShadowMemory, accessAddr: Ptr, accessSize: number, firstBadAddr: number): KasanBugType {
  if (accessWraps(accessAddr, accessSize)) return "out-of-bounds";
  if (ShadowMemory.hasMetadata(ptrOffset(accessAddr))) {
    return shadowBugType(sh.get(firstBadAddr), sh.get(firstBadAddr + 8));
  }
  return wildBugType(accessAddr);
}
