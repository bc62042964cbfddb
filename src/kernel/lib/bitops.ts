/**
 * The instrumented bit operations (include/asm-generic/bitops/instrumented-{atomic,non-atomic,
 * lock}.h): each checks the whole unsigned long holding bit `nr` — 8 bytes at
 * addr + BIT_WORD(nr) · 8 — before the arch operation runs, as an atomic or plain write
 * (set/clear/change), a read-write (test_and_*) or a read (test_bit). Under HW_TAGS the same
 * 8-byte access is what the CPU tag-checks. Software modes report a read-write as a write
 * (kasan_check_write). `ip` is the caller's address (the wrappers are inlined into it).
 */
import type { Ptr } from "../../arch/pointer.js";
import type { KasanAccess } from "../../kasan/common/access.js";
import type { MemoryContents } from "./memory-contents.js";

export const BITS_PER_LONG = 64;
export const BITS_PER_BYTE = 8;

export type BitopKind = "write" | "read-write" | "read";

export interface Bitop {
  name: string;
  kind: BitopKind;
  /** What the operation does to the bit: set it, clear it, flip it, or leave it. */
  effect: "set" | "clear" | "change" | "none";
}

/** kasan_bitops_modify()'s operations, in the test's order. */
export const MODIFY_BITOPS: readonly Bitop[] = [
  { name: "set_bit", kind: "write", effect: "set" },
  { name: "__set_bit", kind: "write", effect: "set" },
  { name: "clear_bit", kind: "write", effect: "clear" },
  { name: "__clear_bit", kind: "write", effect: "clear" },
  { name: "clear_bit_unlock", kind: "write", effect: "clear" },
  { name: "__clear_bit_unlock", kind: "write", effect: "clear" },
  { name: "change_bit", kind: "write", effect: "change" },
  { name: "__change_bit", kind: "write", effect: "change" },
];

/** kasan_bitops_test_and_modify()'s operations (xor_unlock_is_negative_byte only runs for nr < 7). */
export const TEST_AND_MODIFY_BITOPS: readonly Bitop[] = [
  { name: "test_and_set_bit", kind: "read-write", effect: "set" },
  { name: "__test_and_set_bit", kind: "read-write", effect: "set" },
  { name: "test_and_set_bit_lock", kind: "read-write", effect: "set" },
  { name: "test_and_clear_bit", kind: "read-write", effect: "clear" },
  { name: "__test_and_clear_bit", kind: "read-write", effect: "clear" },
  { name: "test_and_change_bit", kind: "read-write", effect: "change" },
  { name: "__test_and_change_bit", kind: "read-write", effect: "change" },
  { name: "test_bit", kind: "read", effect: "none" },
];

/** Run bit operation `op` on bit `nr` of the bitmap at `addr`; returns the old bit value. */
export function runBitop(access: KasanAccess, mem: MemoryContents, op: Bitop, nr: number, addr: Ptr, ip: number): number {
  const word = addr + Math.floor(nr / BITS_PER_LONG) * 8;
  if (op.kind === "read") access.read(word, 8, ip);
  else access.write(word, 8, ip);
  const byteAddr = word + Math.floor((nr % BITS_PER_LONG) / BITS_PER_BYTE);
  const mask = 1 << (nr % BITS_PER_BYTE);
  const old = mem.byte(byteAddr);
  if (op.effect === "set") mem.setByte(byteAddr, old | mask);
  else if (op.effect === "clear") mem.setByte(byteAddr, old & ~mask);
  else if (op.effect === "change") mem.setByte(byteAddr, old ^ mask);
  return (old & mask) !== 0 ? 1 : 0;
}
