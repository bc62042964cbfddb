import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { formatPx, makePtr, ptrOffset, ptrTag } from "../pointer.js";
import { mteGetPtrTag, mteInsertLogicalTag, mteKasanTag, mteLogicalTag } from "./tagged-pointer.js";

describe("MTE tagged pointers (mte_get_ptr_tag, bits [56:60))", () => {
  it("reads the logical tag from bits [56:60) and the KASAN view as 0xF0|x", () => {
    const p = makePtr(0xf7, 0x12346070);
    expect(mteLogicalTag(p)).toBe(7);
    expect(mteGetPtrTag(p)).toBe(0xf7);
    // A software-tag style top byte 0x37 still has logical tag 7; the KASAN HW view forces 0xF.
    expect(mteGetPtrTag(makePtr(0x37, 0x100))).toBe(0xf7);
    expect(mteKasanTag(0xe)).toBe(0xfe);
    expect(formatPx(p)).toBe("f7ff000012346070");
  });

  it("inserting a logical tag keeps bits [60:64) and the address", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 2 ** 44 - 1 }), (top, x, off) => {
        const q = mteInsertLogicalTag(makePtr(top, off), x);
        expect(ptrOffset(q)).toBe(off);
        expect(ptrTag(q)).toBe((top & 0xf0) | x);
      }),
    );
  });
});
