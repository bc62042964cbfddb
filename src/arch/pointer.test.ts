import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  LINEAR_SIZE,
  USER_BASE,
  VMALLOC_BASE,
  formatPx,
  makePtr,
  parsePx,
  ptrOffset,
  ptrTag,
  regionOf,
  resetTag,
  setTag,
  toBigInt,
  userPtr,
} from "./pointer.js";

describe("pointer representation", () => {
  it("prints a tagged linear-map pointer as the kernel's %px does", () => {
    // Linear offset 0x12346070, tag 0xf7 → f7 | ff (sign-extension byte) | 0000_1234_6070
    expect(formatPx(makePtr(0xf7, 0x12346070))).toBe("f7ff000012346070");
    expect(formatPx(makePtr(0xff, 0x6e16f00))).toBe("ffff000006e16f00");
  });

  it("prints vmalloc addresses from VMALLOC_START 0xffff800080000000", () => {
    // The first thread stack in the 6.12 trace: va_start 18446603338378444800 = 0xffff800080950000
    const p = makePtr(0xff, VMALLOC_BASE + 0x950000);
    expect(formatPx(p)).toBe("ffff800080950000");
    expect(toBigInt(p)).toBe(18446603338378444800n);
  });

  it("prints user addresses without the kernel sign-extension byte", () => {
    expect(formatPx(userPtr(0x10))).toBe("0000000000000010");
    expect(regionOf(ptrOffset(userPtr(0)))).toBe("user");
  });

  it("parses what it prints (round trip over all regions and tags)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.oneof(
          fc.integer({ min: 0, max: LINEAR_SIZE - 1 }),
          fc.integer({ min: VMALLOC_BASE, max: USER_BASE - 1 }),
        ),
        (tag, off) => parsePx(formatPx(makePtr(tag, off))) === makePtr(tag, off),
      ),
    );
    expect(parsePx("0xf3ff000006e16f40")).toBe(makePtr(0xf3, 0x6e16f40));
  });

  it("rejects non-hex and unmodelled addresses", () => {
    expect(parsePx("xyz")).toBeUndefined();
    expect(parsePx("")).toBeUndefined();
    expect(parsePx("12345678901234567")).toBeUndefined();
    // 0xfffffdffc0000000 (vmemmap) is outside the modelled vmalloc span
    expect(parsePx("fffffdffc0000000")).toBeUndefined();
  });

  it("tag helpers change only the top byte", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 2 ** 44 - 1 }), (t1, t2, off) => {
        const p = makePtr(t1, off);
        return ptrTag(p) === t1 && ptrOffset(p) === off && ptrTag(setTag(p, t2)) === t2 && ptrOffset(setTag(p, t2)) === off && ptrTag(resetTag(p)) === 0xff;
      }),
    );
  });
});
