/**
 * Byte contents of simulated kernel memory, for the few helpers whose behaviour depends on
 * data (string scans, bit tests, atomics' return values). The model does not store data in
 * general; a run turns this on only where those helpers need it. Keyed by the untagged
 * address; memory never written reads as zero (kzalloc'ed and freshly zeroed buffers).
 */
import { ptrOffset, type Ptr } from "../../arch/pointer.js";
import { SparseBytes } from "../../lib/sparse-bytes.js";

export class MemoryContents {
  private readonly bytes = new SparseBytes(0);

  byte(p: Ptr): number {
    return this.bytes.get(ptrOffset(p));
  }

  setByte(p: Ptr, v: number): void {
    this.bytes.set(ptrOffset(p), v & 0xff);
  }

  /** memset() of the contents. */
  fill(p: Ptr, c: number, len: number): void {
    if (len <= 0) return;
    const o = ptrOffset(p);
    this.bytes.fill(o, o + len, c & 0xff);
  }

  /** A little-endian unsigned value of `size` ≤ 6 bytes, or the low 48 bits of an 8-byte one. */
  load(p: Ptr, size: number): number {
    const o = ptrOffset(p);
    let v = 0;
    for (let i = Math.min(size, 6) - 1; i >= 0; i--) v = v * 256 + this.bytes.get(o + i);
    return v;
  }

  /** Store the low `size` bytes of a non-negative integer (upper bytes of 8-byte values as zero beyond 2^48). */
  store(p: Ptr, size: number, value: number): void {
    const o = ptrOffset(p);
    let v = value < 0 ? 0 : value;
    for (let i = 0; i < size; i++) {
      this.bytes.set(o + i, i < 6 ? v % 256 : 0);
      v = Math.floor(v / 256);
    }
  }

  /** strscpy()/strcpy() source data: a C string with its terminator. */
  writeString(p: Ptr, s: string): void {
    for (let i = 0; i < s.length; i++) this.setByte(p + i, s.charCodeAt(i));
    this.setByte(p + s.length, 0);
  }
}
