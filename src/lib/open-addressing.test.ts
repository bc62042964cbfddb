import { describe, expect, it } from "vitest";
import { claimSlot, findSlot, homeSlot, removeSlot } from "./open-addressing.js";

describe("open-addressing probing", () => {
  it("homes every key inside the table", () => {
    for (const bits of [3, 10, 20]) {
      for (const key of [1, 0x1000, 0xffff_ffff, 2 ** 40 + 16, 2 ** 52 + 1]) {
        const h = homeSlot(key, bits);
        expect(h >= 0 && h < 1 << bits).toBe(true);
      }
    }
  });

  it("shifts a probe run back over a removed entry, keeping every later key findable, across the wrap", () => {
    // A table of 2^3 = 8 slots. Pick three keys sharing the home slot of the last slot (7):
    // they land in 7, 0 and 1 (the run wraps). Removing the one in 7 must move the key in 0 to
    // 7 and the key in 1 to 0 (both homes are 7, outside the cyclic range (hole, i]), and each
    // move carries its value.
    const bits = 3;
    const same: number[] = [];
    for (let k = 1; same.length < 3; k++) if (homeSlot(k, bits) === 7) same.push(k);
    const keys = new Float64Array(8);
    const vals = new Float64Array(8);
    for (const k of same) vals[claimSlot(keys, bits, k)] = k * 10;
    expect(same.map((k) => findSlot(keys, bits, k))).toEqual([7, 0, 1]);
    removeSlot(keys, bits, 7, (from, to) => {
      vals[to] = vals[from];
    });
    expect(findSlot(keys, bits, same[0])).toBe(-1);
    expect([findSlot(keys, bits, same[1]), findSlot(keys, bits, same[2])]).toEqual([7, 0]);
    expect([vals[7], vals[0]]).toEqual([same[1] * 10, same[2] * 10]);
    // Slot 1 is empty again: the run ends one earlier.
    expect(keys[1]).toBe(0);
  });

  it("never finds the empty-slot marker 0", () => {
    expect(findSlot(new Float64Array(8), 3, 0)).toBe(-1);
  });
});
