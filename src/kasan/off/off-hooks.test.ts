import { describe, expect, it } from "vitest";
import { Counters } from "../../cost/counters.js";
import { defaultBootParams } from "../../config/boot-params.js";
import { ExecContext } from "../../lib/context.js";
import { Prng } from "../../lib/prng.js";
import { createKasan } from "../kasan.js";
import { fakeCache, kptr, TEST_OFF, TEST_PFN } from "../testing/fakes.js";
import { KASAN_OFF_HOOKS } from "./off-hooks.js";

describe("KASAN off: the include/linux/kasan.h stubs", () => {
  it("never tags, poisons, reports or keeps objects", () => {
    const h = KASAN_OFF_HOOKS;
    const cache = fakeCache({ objectSize: 32 });
    expect(h.enabled).toBe(false);
    expect(h.unpoisonPages(TEST_PFN, 0, true)).toBe(false); // page allocator zeroes by itself
    expect(h.slabAlloc(cache, kptr(TEST_OFF), 0, false)).toBe(kptr(TEST_OFF));
    expect(h.slabFree(cache, kptr(TEST_OFF), false, false)).toBe(false);
    expect(h.slabPreFree(cache, kptr(TEST_OFF + 1), 0)).toBe(false);
    expect(h.checkByte(kptr(TEST_OFF), 0)).toBe(true);
  });

  it("createKasan('off') gives unchecked accesses and no reports", () => {
    const counters = new Counters();
    const k = createKasan("off", defaultBootParams(), { counters, ctx: new ExecContext(1), prng: new Prng(1) });
    expect(k.access.read(kptr(TEST_OFF), 8)).toBe(true);
    expect(k.access.memmove(kptr(TEST_OFF), kptr(TEST_OFF), -2)).toBe(true);
    expect(k.reports.count).toBe(0);
    expect(counters.cur.shadowChecks).toBe(0);
  });

  it("createKasan rejects sw_tags without page tags and hw_tags without the MTE model", () => {
    const deps = { counters: new Counters(), ctx: new ExecContext(1), prng: new Prng(1) };
    expect(() => createKasan("sw_tags", defaultBootParams(), deps)).toThrow(/pageTags is required/);
    expect(() => createKasan("hw_tags", defaultBootParams(), deps)).toThrow(/deps\.mte is required/);
  });
});
