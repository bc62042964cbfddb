/**
 * MTE views of a simulated pointer (src/arch/pointer.ts keeps the full top byte).
 *
 * Hardware compares only bits [56:60) (the logical tag); TBI makes the whole top byte ignored
 * for translation. The KASAN view of an MTE pointer tag is always 0xF0|x (mte_get_ptr_tag),
 * because with HW_TAGS kernel pointers keep 0xF in bits [60:64).
 */
import { ptrOffset, ptrTag, TAG_MUL, type Ptr } from "../pointer.js";

/** The pointer's logical MTE tag: bits [56:60), 0..15. */
export function mteLogicalTag(p: Ptr): number {
  return Math.floor(p / TAG_MUL) & 0xf;
}

/** mte_get_ptr_tag(): the KASAN-format tag 0xF0 | logical tag. */
export function mteGetPtrTag(p: Ptr): number {
  return 0xf0 | (Math.floor(p / TAG_MUL) & 0xf);
}

/** The KASAN-format tag (0xF0|x) of a logical tag x. */
export function mteKasanTag(logical: number): number {
  return 0xf0 | (logical & 0xf);
}

/** Replace only bits [56:60) of the pointer (what IRG/ADDG/SUBG/LDG write), keeping [60:64). */
export function mteInsertLogicalTag(p: Ptr, logical: number): Ptr {
  const top = ptrTag(p);
  return ((top & 0xf0) | (logical & 0xf)) * TAG_MUL + ptrOffset(p);
}
