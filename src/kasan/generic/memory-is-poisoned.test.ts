import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Counters } from "../../cost/counters.js";
import { ShadowMemory } from "../shadow/shadow-memory.js";
import { TEST_OFF } from "../testing/fakes.js";
import { memoryIsPoisoned1, memoryIsPoisoned16, memoryIsPoisoned248, memoryIsPoisonedConst, memoryIsPoisonedN } from "./memory-is-poisoned.js";

/** Shadow where [O, O+size) is accessible (kasan_unpoison) and everything after is 0xFC. */
function layout(size: number): { sh: ShadowMemory; O: number } {
  const sh = new ShadowMemory(3, 0xff, 0xf8, new Counters());
  const O = TEST_OFF;
  sh.fill(O, 256, 0xfc);
  sh.fill(O, Math.floor(size / 8) * 8, 0x00);
  if (size % 8) sh.set(O + size, size % 8);
  return { sh, O };
}

describe("memory_is_poisoned_1", () => {
  it("partial granule 05 allows bytes 0..4 only", () => {
    const { sh, O } = layout(13); // shadow: 00 05 fc …
    expect(memoryIsPoisoned1(sh, O + 12)).toBe(false); // byte index 4 < 5
    expect(memoryIsPoisoned1(sh, O + 13)).toBe(true); // byte index 5 >= 5
    expect(memoryIsPoisoned1(sh, O + 16)).toBe(true); // 0xfc is negative as s8
  });
});

describe("memory_is_poisoned_2_4_8", () => {
  it("non-crossing access checks only its last byte", () => {
    const { sh, O } = layout(13);
    expect(memoryIsPoisoned248(sh, O + 11, 2)).toBe(false); // bytes 11,12: last is index 4 of 05
    expect(memoryIsPoisoned248(sh, O + 12, 2)).toBe(true); // byte 13 is index 5
  });

  it("crossing access also needs the first granule fully valid", () => {
    const { sh, O } = layout(13);
    expect(memoryIsPoisoned248(sh, O + 6, 4)).toBe(false); // 6..9: granule 0 is 00, byte 9 index 1 < 5
    // Hand-made shadow 03 00: a 2-byte access at 7..8 ends in a valid granule but starts in a
    // partial one, so the first shadow byte (03 != 0) poisons it.
    const sh2 = new ShadowMemory(3, 0xff, 0xf8, new Counters());
    sh2.fill(TEST_OFF, 16, 0);
    sh2.set(TEST_OFF, 3);
    expect(memoryIsPoisoned1(sh2, TEST_OFF + 8)).toBe(false);
    expect(memoryIsPoisoned248(sh2, TEST_OFF + 7, 2)).toBe(true);
  });

  it("8-byte load of a 5-byte object is poisoned (byte 7 >= 5)", () => {
    const { sh, O } = layout(5);
    expect(memoryIsPoisoned248(sh, O, 8)).toBe(true);
    expect(memoryIsPoisoned248(sh, O, 4)).toBe(false);
  });
});

describe("memory_is_poisoned_16", () => {
  it("aligned: both shadow bytes must be zero", () => {
    expect(memoryIsPoisoned16(layout(16).sh, TEST_OFF)).toBe(false);
    expect(memoryIsPoisoned16(layout(13).sh, TEST_OFF)).toBe(true); // second byte 05
  });

  it("unaligned: two shadow bytes plus the third granule's last byte", () => {
    expect(memoryIsPoisoned16(layout(24).sh, TEST_OFF + 1)).toBe(false); // 00 00 00
    expect(memoryIsPoisoned16(layout(17).sh, TEST_OFF + 1)).toBe(false); // 00 00 01: byte 16 is index 0 < 1
    expect(memoryIsPoisoned16(layout(16).sh, TEST_OFF + 1)).toBe(true); // 00 00 fc
  });
});

describe("memory_is_poisoned_n", () => {
  it("accepts a non-zero shadow byte only in the last granule with the last byte inside its prefix", () => {
    const { sh, O } = layout(13);
    expect(memoryIsPoisonedN(sh, O + 10, 3)).toBe(false); // 10..12, last index 4 < 5
    expect(memoryIsPoisonedN(sh, O + 11, 3)).toBe(true); // 11..13, last index 5
    expect(memoryIsPoisonedN(sh, O, 13)).toBe(false);
    expect(memoryIsPoisonedN(sh, O, 14)).toBe(true);
    expect(memoryIsPoisonedN(sh, O, 24)).toBe(true); // granule 1 (05) is not the last one
  });

  it("agrees with the fixed-size checks on every 1/2/4/8/16-byte access around an object", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 0, max: 80 }), fc.constantFrom(1, 2, 4, 8, 16), (size, at, n) => {
        const { sh, O } = layout(size);
        expect(memoryIsPoisonedConst(sh, O + at, n)).toBe(memoryIsPoisonedN(sh, O + at, n));
        // Byte precision: accessible iff the whole access lies inside [0, size).
        expect(memoryIsPoisonedN(sh, O + at, n)).toBe(at + n > size);
      }),
    );
  });
});
