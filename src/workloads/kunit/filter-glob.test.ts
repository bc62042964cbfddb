/** kunit.filter_glob parsing and lib/glob.c's glob_match(). */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InputError } from "../../cli/errors.js";
import { globMatch, parseFilterGlob } from "./filter-glob.js";

describe("glob_match", () => {
  it("matches *, ? and [] classes like lib/glob.c", () => {
    expect(globMatch("kmalloc_*", "kmalloc_oob_right")).toBe(true);
    expect(globMatch("kmalloc_*", "krealloc_uaf")).toBe(false);
    expect(globMatch("*_uaf", "mempool_slab_uaf")).toBe(true);
    expect(globMatch("kasan_?itops_*", "kasan_bitops_tags")).toBe(true);
    expect(globMatch("kmalloc_oob_memset_[24]", "kmalloc_oob_memset_4")).toBe(true);
    expect(globMatch("kmalloc_oob_memset_[!24]", "kmalloc_oob_memset_8")).toBe(true);
    expect(globMatch("kmalloc_oob_memset_[a-z]", "kmalloc_oob_memset_8")).toBe(false);
    expect(globMatch("kasan", "kasan")).toBe(true);
    expect(globMatch("kasan", "kasan_x")).toBe(false);
  });

  it("a literal pattern matches exactly itself; '*' matches everything", () => {
    const word = fc.stringMatching(/^[a-z0-9_]{0,12}$/);
    fc.assert(fc.property(word, word, (a, b) => globMatch(a, b) === (a === b) && globMatch("*", b) && globMatch(`${a}*`, a + b)));
  });
});

describe("parseFilterGlob", () => {
  it("splits at the first dot into suite and test globs", () => {
    expect(parseFilterGlob("kasan")).toEqual({ suiteGlob: "kasan", testGlob: undefined });
    expect(parseFilterGlob("kas*.kmalloc_*")).toEqual({ suiteGlob: "kas*", testGlob: "kmalloc_*" });
  });

  it("rejects empty parts with an InputError naming --filter", () => {
    expect(() => parseFilterGlob("")).toThrow(InputError);
    expect(() => parseFilterGlob("kasan.")).toThrow(/--filter/);
    expect(() => parseFilterGlob(".x")).toThrow(/--filter/);
  });
});
