/**
 * kasan_reset_tag() as a full pointer: arm64 __tag_reset() sign-extends bit 55, so a kernel
 * (TTBR1) address gets top byte 0xFF and a user (TTBR0) address top byte 0x00.
 */
import { makePtr, type Ptr, TAG_KERNEL, USER_BASE } from "../../arch/pointer.js";

export function untaggedPtr(offset: number): Ptr {
  return makePtr(offset < USER_BASE ? TAG_KERNEL : 0, offset);
}
