/** lib/string.c helpers as KASAN sees them: which loads are checked, and what they return. */
import { describe, expect, it } from "vitest";
import { bootKernel, type Kernel } from "../kernel.js";
import { GFP_KERNEL, __GFP_ZERO } from "../../mm/gfp.js";
import { MemoryContents } from "./memory-contents.js";
import { E2BIG, KernelStrings, NULL_PTR } from "./string.js";

function setup(mode: "generic" | "sw_tags" | "hw_tags"): { k: Kernel; mem: MemoryContents; s: KernelStrings } {
  const k = bootKernel({ mode, seed: 1, cmdline: "kasan_multi_shot" });
  const mem = new MemoryContents();
  return { k, mem, s: new KernelStrings(k.access, mem, k.ctx, mode === "hw_tags" ? "arm64-asm" : "instrumented-c") };
}

describe("strscpy (6.12, word at a time)", () => {
  it("copies an unaligned source word by word and returns the length without a report (Generic)", () => {
    const { k, mem, s } = setup("generic");
    const src = k.slab.kmalloc(8, GFP_KERNEL | __GFP_ZERO);
    const dst = k.slab.kmalloc(24, GFP_KERNEL | __GFP_ZERO);
    const literal = k.slab.kmalloc(16, GFP_KERNEL);
    mem.writeString(literal, "f0cacc1a0000000");
    // strscpy(src, "f0cacc1a0000000", 8) keeps 7 characters and the NUL.
    expect(s.strscpy(src, literal, 8)).toBe(E2BIG);
    // src+1: one word read, checked on its first byte only; the NUL is at index 6 → 8 - 2.
    expect(s.strscpy(dst, src + 1, 8)).toBe(6);
    expect(k.reports.count).toBe(0);
    // The first byte past the object is checked: one report.
    expect(s.strscpy(dst, src + 8, 8)).toBe(0);
    expect(k.reports.events.map((e) => e.bugType)).toEqual(["slab-out-of-bounds"]);
  });
});

describe("scanning helpers", () => {
  it("Generic: memchr checks each byte and finds the character", () => {
    const { k, mem, s } = setup("generic");
    const p = k.slab.kmalloc(24, GFP_KERNEL | __GFP_ZERO);
    mem.setByte(p + 5, 0x31);
    expect(s.memchr(p, 0x31, 24)).toBe(p + 5);
    expect(s.memchr(p, 0x32, 25)).toBe(NULL_PTR); // byte 24 is the redzone
    expect(k.reports.count).toBe(1);
    expect(k.reports.events[0].accessSize).toBe(1);
  });

  it("HW_TAGS: the assembly strlen loads aligned 16-byte chunks, so a freed string faults on the first", () => {
    const { k, s } = setup("hw_tags");
    const p = k.slab.kmalloc(24, GFP_KERNEL | __GFP_ZERO);
    expect(s.strlen(p)).toBe(0);
    expect(k.reports.count).toBe(0);
    k.slab.kfree(p);
    expect(s.strlen(p + 16)).toBe(0);
    expect(k.reports.events.map((e) => e.type)).toEqual(["access"]);
  });

  it("memcmp compares words then bytes and returns the first difference", () => {
    const { k, mem, s } = setup("sw_tags");
    const a = k.slab.kmalloc(32, GFP_KERNEL);
    const b = k.slab.kmalloc(32, GFP_KERNEL);
    mem.writeString(a, "abcdefghij");
    mem.writeString(b, "abcdefghiz");
    // 'j' (0x6a) − 'z' (0x7a) = −16.
    expect(s.memcmp(a, b, 11)).toBe(-16);
    expect(s.strcmp(a, "abc")).toBe(1);
    expect(s.strncmp(a, "abd", 2)).toBe(0);
    expect(s.strrchr(a, 0x61)).toBe(a);
    expect(s.strchr(a, 0x7a)).toBe(NULL_PTR);
    expect(s.strnlen(a, 4)).toBe(4);
    expect(k.reports.count).toBe(0);
  });
});
