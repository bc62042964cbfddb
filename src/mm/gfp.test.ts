import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  GFP_ATOMIC,
  GFP_HIGHUSER_MOVABLE,
  GFP_KERNEL,
  GFP_KERNEL_ACCOUNT,
  GFP_NOWAIT,
  GFP_TRANSHUGE,
  GFP_TRANSHUGE_LIGHT,
  __GFP_COMP,
  __GFP_SKIP_KASAN,
  __GFP_SKIP_ZERO,
  __GFP_ZERO,
  formatGfp,
  gfpFor,
  gfpForMode,
  gfpMigratetype,
  gfpTable,
  gfpflagsAllowBlocking,
  parseGfp,
} from "./gfp.js";

const hw = gfpFor("hw_tags");
const generic = gfpFor("generic");

describe("gfp_types.h values (6.12)", () => {
  it("composites have the kernel's well-known values", () => {
    // __GFP_RECLAIM = DIRECT 0x400 | KSWAPD 0x800; IO 0x40, FS 0x80 → GFP_KERNEL 0xcc0.
    expect(GFP_KERNEL).toBe(0xcc0);
    // + __GFP_ACCOUNT (bit 22).
    expect(GFP_KERNEL_ACCOUNT).toBe(0x400cc0);
    // __GFP_HIGH 0x20 | __GFP_KSWAPD_RECLAIM 0x800.
    expect(GFP_ATOMIC).toBe(0x820);
    // 6.12: GFP_NOWAIT is only __GFP_KSWAPD_RECLAIM.
    expect(GFP_NOWAIT).toBe(0x800);
    // GFP_USER 0x100cc0 | __GFP_HIGHMEM 0x2 | __GFP_MOVABLE 0x8 = 0x100cca, plus SKIP_KASAN (bit 25).
    expect(GFP_HIGHUSER_MOVABLE).toBe(0x2100cca);
  });

  it("GFP_HIGHUSER_MOVABLE carries __GFP_SKIP_KASAN only in a hw_tags build", () => {
    expect(hw.value.__GFP_SKIP_KASAN).toBe(0x2000000);
    expect(hw.value.GFP_HIGHUSER_MOVABLE & hw.value.__GFP_SKIP_KASAN).toBe(0x2000000);
    for (const mode of ["generic", "sw_tags", "off"] as const) {
      const t = gfpFor(mode);
      expect(t.value.__GFP_SKIP_KASAN).toBe(0);
      expect(t.value.__GFP_SKIP_ZERO).toBe(0);
      expect(t.value.GFP_HIGHUSER_MOVABLE).toBe(0x100cca);
    }
  });

  it("THP masks drop reclaim and add COMP|NOMEMALLOC|NOWARN", () => {
    // (0x100cca | COMP 0x40000 | NOMEMALLOC 0x80000 | NOWARN 0x2000) & ~0xc00 = 0x1c20ca.
    expect(generic.value.GFP_TRANSHUGE_LIGHT).toBe(0x1c20ca);
    expect(generic.value.GFP_TRANSHUGE).toBe(0x1c24ca);
    expect(GFP_TRANSHUGE_LIGHT).toBe(0x21c20ca);
    expect(GFP_TRANSHUGE).toBe(0x21c24ca);
  });

  it("config-dependent bits take the next enum numbers in order and set __GFP_BITS_MASK", () => {
    // HW_TAGS: SKIP_ZERO 24, SKIP_KASAN 25, then LOCKDEP 26, then SLAB_OBJ_EXT 27.
    const all = gfpTable({ kasanHwTags: true, lockdep: true, slabObjExt: true });
    expect(all.value.__GFP_NOLOCKDEP).toBe(1 << 26);
    expect(all.value.__GFP_NO_OBJ_EXT).toBe(1 << 27);
    expect(all.bitsMask).toBe(2 ** 28 - 1);
    // Without HW_TAGS the later bits move down two places.
    const noHw = gfpTable({ kasanHwTags: false, lockdep: true, slabObjExt: true });
    expect(noHw.value.__GFP_NOLOCKDEP).toBe(1 << 24);
    expect(noHw.value.__GFP_NO_OBJ_EXT).toBe(1 << 25);
    expect(gfpFor("generic").bitsMask).toBe(2 ** 24 - 1);
  });

  it("gfpForMode drops the SKIP bits unless hw_tags", () => {
    const m = GFP_HIGHUSER_MOVABLE | __GFP_SKIP_ZERO | __GFP_ZERO;
    expect(gfpForMode(m, "hw_tags")).toBe(m);
    expect(gfpForMode(m, "generic")).toBe(0x100cca | __GFP_ZERO);
    expect(gfpForMode(__GFP_SKIP_KASAN, "sw_tags")).toBe(0);
  });

  it("gfp_migratetype and gfpflags_allow_blocking", () => {
    expect(gfpMigratetype(GFP_KERNEL)).toBe(0);
    expect(gfpMigratetype(GFP_HIGHUSER_MOVABLE)).toBe(1);
    expect(gfpMigratetype(GFP_KERNEL | hw.value.__GFP_RECLAIMABLE)).toBe(2);
    expect(gfpflagsAllowBlocking(GFP_KERNEL)).toBe(true);
    expect(gfpflagsAllowBlocking(GFP_ATOMIC)).toBe(false);
  });
});

describe("show_gfp_flags formatting and parsing", () => {
  const traces: [string, number, number][] = [
    // [trace text, hw_tags value, generic value]
    ["GFP_KERNEL_ACCOUNT|__GFP_COMP|__GFP_ZERO", 0x400cc0 | 0x40000 | 0x100, 0x400cc0 | 0x40000 | 0x100],
    ["__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP", 0x2000 | 0x10000 | 0x40000, 0x52000],
    ["GFP_NOWAIT", 0x800, 0x800],
    ["GFP_ATOMIC|__GFP_NOWARN", 0x2820, 0x2820],
    ["GFP_HIGHUSER_MOVABLE|__GFP_ZERO", 0x2100dca, 0x100dca],
    ["GFP_KERNEL", 0xcc0, 0xcc0],
    ["GFP_TRANSHUGE", 0x21c24ca, 0x1c24ca],
    ["GFP_NOFS|__GFP_NOFAIL", 0x8c00 | 0x40, 0x8c40],
  ];

  it.each(traces)("%s parses and prints back identically", (text, hwValue, genericValue) => {
    expect(parseGfp(text, hw)).toBe(hwValue);
    expect(formatGfp(hwValue, hw)).toBe(text);
    expect(parseGfp(text, generic)).toBe(genericValue);
    expect(formatGfp(genericValue, generic)).toBe(text);
  });

  it("a user-page mask without SKIP_KASAN does not print as GFP_HIGHUSER_MOVABLE under hw_tags", () => {
    // 0x100cca lacks bit 25, so the greedy match stops at GFP_HIGHUSER and leaves __GFP_MOVABLE.
    expect(formatGfp(0x100cca, hw)).toBe("GFP_HIGHUSER|__GFP_MOVABLE");
    expect(formatGfp(0x100cca, generic)).toBe("GFP_HIGHUSER_MOVABLE");
  });

  it("kasan names print only in a hw_tags build; leftover bits print as 0x%lx", () => {
    expect(formatGfp(GFP_KERNEL | __GFP_SKIP_ZERO | __GFP_SKIP_KASAN, hw)).toBe("GFP_KERNEL|__GFP_SKIP_ZERO|__GFP_SKIP_KASAN");
    // Bit 24 is not a name in the generic table: printed as hex after the names.
    expect(formatGfp(GFP_KERNEL | 0x1000000, generic)).toBe("GFP_KERNEL|0x1000000");
    // 0x200 is the unused bit.
    expect(formatGfp(0x200, hw)).toBe("0x200");
    expect(formatGfp(0, hw)).toBe("none");
  });

  it("parses none, hex and names a build sets to 0", () => {
    expect(parseGfp("none", hw)).toBe(0);
    expect(parseGfp("GFP_KERNEL|0x4000000", hw)).toBe(0xcc0 | 0x4000000);
    expect(parseGfp("0x400cc0", generic)).toBe(GFP_KERNEL_ACCOUNT);
    expect(parseGfp("GFP_KERNEL|__GFP_SKIP_KASAN", generic)).toBe(0xcc0);
    expect(parseGfp("GFP_KERNEL | __GFP_ZERO", hw)).toBe(0xdc0);
    expect(parseGfp("__GFP_COMP", hw)).toBe(__GFP_COMP);
  });

  it("rejects an unknown name, naming it", () => {
    expect(() => parseGfp("GFP_KERNEL|__GFP_BOGUS", hw)).toThrow(/"__GFP_BOGUS"/);
    // __GFP_ATOMIC was removed in 6.4.
    expect(() => parseGfp("__GFP_ATOMIC", hw)).toThrow(/"__GFP_ATOMIC"/);
    expect(() => parseGfp("toString", hw)).toThrow(/"toString"/);
    expect(() => parseGfp("", hw)).toThrow(/non-empty/);
  });

  it("parse(format(x)) = x for every mask of the build's bits", () => {
    for (const table of [hw, generic, gfpTable({ kasanHwTags: true, lockdep: true, slabObjExt: true })]) {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 0xffffffff }), (raw) => {
          const x = (raw & table.bitsMask) >>> 0;
          return parseGfp(formatGfp(x, table), table) === x;
        }),
      );
    }
  });

  it("format never prints a name whose bits are not all set", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: hw.bitsMask }), (x) => {
        const text = formatGfp(x, hw);
        if (text === "none") return x === 0;
        let covered = 0;
        for (const part of text.split("|")) {
          const v = part.startsWith("0x") ? parseInt(part, 16) : hw.value[part as keyof typeof hw.value];
          if ((x & v) >>> 0 !== v) return false;
          covered = (covered | v) >>> 0;
        }
        return covered === x;
      }),
    );
  });
});
