/**
 * Generic KASAN's shadow checks (mm/kasan/generic.c memory_is_poisoned_*): a shadow byte k in
 * 1..7 means only the first k bytes of the 8-byte granule are accessible; a negative byte
 * (0x80..0xFF as s8) poisons the whole granule. Addresses are untagged offsets with metadata.
 */
import type { ShadowMemory } from "../shadow/shadow-memory.js";
import { isAligned, modPow2 } from "../../lib/align.js";

const G = 8;

/** The shadow byte as the kernel's s8. */
export function s8(v: number): number {
  return v >= 0x80 ? v - 0x100 : v;
}

/** memory_is_poisoned_1(addr). */
export function memoryIsPoisoned1(sh: ShadowMemory, addr: number): boolean {
  const v = s8(sh.get(addr));
  if (v !== 0) return modPow2(addr, G) >= v;
  return false;
}

/** memory_is_poisoned_2_4_8(addr, size): a crossing access also needs the first granule fully valid. */
export function memoryIsPoisoned248(sh: ShadowMemory, addr: number, size: number): boolean {
  if (modPow2(addr + size - 1, G) < size - 1) return sh.get(addr) !== 0 || memoryIsPoisoned1(sh, addr + size - 1);
  return memoryIsPoisoned1(sh, addr + size - 1);
}

/** memory_is_poisoned_16(addr): a u16 load of two shadow bytes, plus the third when unaligned. */
export function memoryIsPoisoned16(sh: ShadowMemory, addr: number): boolean {
  const twoBytesNonZero = sh.get(addr) !== 0 || sh.get(addr + G) !== 0;
  if (!isAligned(addr, G)) return twoBytesNonZero || memoryIsPoisoned1(sh, addr + 15);
  return twoBytesNonZero;
}

/**
 * memory_is_poisoned_n(addr, size): find the first non-zero shadow byte of the range; it is
 * only acceptable if it is the last granule's and the last byte falls inside its valid prefix.
 */
export function memoryIsPoisonedN(sh: ShadowMemory, addr: number, size: number): boolean {
  const last = addr + size - 1;
  const ret = sh.findNotEqual(addr, addr + size, 0);
  if (ret >= 0) {
    if (Math.floor(ret / G) !== Math.floor(last / G) || modPow2(last, G) >= s8(sh.get(last))) return true;
  }
  return false;
}

/** memory_is_poisoned(addr, size) as chosen for a compile-time-constant size. */
export function memoryIsPoisonedConst(sh: ShadowMemory, addr: number, size: number): boolean {
  switch (size) {
    case 1:
      return memoryIsPoisoned1(sh, addr);
    case 2:
    case 4:
    case 8:
      return memoryIsPoisoned248(sh, addr, size);
    case 16:
      return memoryIsPoisoned16(sh, addr);
    default:
      return memoryIsPoisonedN(sh, addr, size);
  }
}
