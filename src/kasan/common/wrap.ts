/**
 * `addr + size < addr` on 64-bit values: the access range wraps past the top of the address
 * space. A negative `size` stands for the size_t the kernel would see (2^64 + size), which
 * wraps for any address ≥ −size — e.g. memmove() with a negative length.
 */
import { type Ptr, vaHalves } from "../../arch/pointer.js";

export function accessWraps(p: Ptr, size: number): boolean {
  const { hi16, low48 } = vaHalves(p);
  if (size < 0) {
    // 2^64 + size wraps iff addr ≥ −size; every address with a non-zero top 16 bits qualifies.
    return hi16 !== 0 || low48 >= -size;
  }
  // 2^64 − addr, computed from the two exact halves.
  const room = (0x10000 - hi16) * 2 ** 48 - low48;
  return size >= room;
}
