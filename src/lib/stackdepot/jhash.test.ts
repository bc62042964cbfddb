import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jhash2 } from "./jhash.js";
import { STACK_HASH_SEED } from "./stack-depot.js";

/**
 * An independent byte-wise lookup3 hashlittle() (Jenkins' reference, little-endian byte
 * reads). For a byte length that is a multiple of 4 it equals hashword() = jhash2(): same
 * initial value (0xdeadbeef + bytes + initval), same 12-byte rounds, same final mix.
 */
function hashlittle(bytes: Uint8Array, initval: number): number {
  const rot = (x: number, k: number) => (x << k) | (x >>> (32 - k));
  let a = (0xdeadbeef + bytes.length + initval) | 0;
  let b = a;
  let c = a;
  const w = (i: number) => (bytes[i] ?? 0) | ((bytes[i + 1] ?? 0) << 8) | ((bytes[i + 2] ?? 0) << 16) | ((bytes[i + 3] ?? 0) << 24);
  let off = 0;
  let len = bytes.length;
  while (len > 12) {
    a = (a + w(off)) | 0; b = (b + w(off + 4)) | 0; c = (c + w(off + 8)) | 0;
    a = (a - c) | 0; a ^= rot(c, 4); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rot(a, 6); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rot(b, 8); b = (b + a) | 0;
    a = (a - c) | 0; a ^= rot(c, 16); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rot(a, 19); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rot(b, 4); b = (b + a) | 0;
    len -= 12;
    off += 12;
  }
  if (len === 0) return c >>> 0;
  // Tail: bytes past the end read as zero (the reference masks them off).
  const tail = new Uint8Array(12);
  tail.set(bytes.subarray(off, off + len));
  const t = (i: number) => tail[i] | (tail[i + 1] << 8) | (tail[i + 2] << 16) | (tail[i + 3] << 24);
  if (len > 8) c = (c + t(8)) | 0;
  if (len > 4) b = (b + t(4)) | 0;
  a = (a + t(0)) | 0;
  c ^= b; c = (c - rot(b, 14)) | 0;
  a ^= c; a = (a - rot(c, 11)) | 0;
  b ^= a; b = (b - rot(a, 25)) | 0;
  c ^= b; c = (c - rot(b, 16)) | 0;
  a ^= c; a = (a - rot(c, 4)) | 0;
  b ^= a; b = (b - rot(a, 14)) | 0;
  c ^= b; c = (c - rot(b, 24)) | 0;
  return c >>> 0;
}

describe("jhash2 (include/linux/jhash.h)", () => {
  it("the byte reference reproduces lookup3's published vectors", () => {
    // lookup3.c driver: hashlittle("Four score and seven years ago", 30, 0) = 0x17770551, initval 1: 0xcd628161.
    const s = new TextEncoder().encode("Four score and seven years ago");
    expect(hashlittle(s, 0)).toBe(0x17770551);
    expect(hashlittle(s, 1)).toBe(0xcd628161);
  });

  it("an empty trace hashes to JHASH_INITVAL + seed (no mixing for length 0)", () => {
    // 0xdeadbeef + 0 + 0x9747b28c = 0x175f5717b → low 32 bits 0x75f5717b.
    expect(jhash2([], 0, STACK_HASH_SEED)).toBe(0x75f5717b);
  });

  it("equals hashlittle over the words' little-endian bytes (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 40 }), fc.integer({ min: 0, max: 0xffffffff }), (words, seed) => {
        const bytes = new Uint8Array(new Uint32Array(words).buffer);
        expect(jhash2(words, words.length, seed)).toBe(hashlittle(bytes, seed));
      }),
    );
  });

  it("hashes a window of a longer array from `start`", () => {
    const k = [7, 1, 2, 3, 4, 9];
    expect(jhash2(k, 4, STACK_HASH_SEED, 1)).toBe(jhash2([1, 2, 3, 4], 4, STACK_HASH_SEED));
  });
});
