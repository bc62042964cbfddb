/** Compiler instrumentation: global redzones (__asan_register_globals) and stack frames. */
import { describe, expect, it } from "vitest";
import { makePtr, ptrOffset, ptrTag, TAG_KERNEL, VMALLOC_BASE } from "../../arch/pointer.js";
import { bootKernel } from "../../kernel/kernel.js";
import type { ShadowMemory } from "../shadow/shadow-memory.js";
import { globalRedzone, registerGlobals } from "./globals.js";
import { InstrumentedFrame, TaskStackPointer } from "./stack-frame.js";

function shadowOf(k: ReturnType<typeof bootKernel>): ShadowMemory {
  return (k.kasan.backend as unknown as { shadow: ShadowMemory }).shadow;
}

describe("global redzones", () => {
  it("pads a global to a 32-byte multiple plus at least 32 bytes", () => {
    // 10 → 32 + (32 − 10) = 54; 32 → 32; 100 → 32 + 28 = 60.
    expect(globalRedzone(10)).toBe(54);
    expect(globalRedzone(32)).toBe(32);
    expect(globalRedzone(100)).toBe(60);
  });

  it("Generic: the variable is accessible, its redzone is F9", () => {
    const k = bootKernel({ mode: "generic", seed: 1 });
    const base = makePtr(TAG_KERNEL, VMALLOC_BASE + 0x100000);
    const g = registerGlobals(k.kasan.backend, base, [{ name: "a", size: 8 }, { name: "b", size: 10 }]);
    const b = g.get("b");
    if (b === undefined) throw new Error("b");
    // a: 8 + 56 = 64 bytes, so b starts at base + 64; shadow of b: 00 02 then F9 up to 64 bytes.
    expect(b.addr).toBe(base + 64);
    const sh = shadowOf(k);
    const o = ptrOffset(b.addr);
    expect([0, 8, 16, 56].map((d) => sh.get(o + d))).toEqual([0x00, 0x02, 0xf9, 0xf9]);
    expect(k.access.read(b.addr + 9, 1)).toBe(true);
    expect(k.access.read(b.addr + 13, 1)).toBe(false);
    expect(k.reports.events[0].bugType).toBe("global-out-of-bounds");
  });
});

describe("stack frames", () => {
  function stack(k: ReturnType<typeof bootKernel>): TaskStackPointer {
    const vm = k.vmalloc.vmallocNode(32768, 65536, 0xcc0, -1, "dup_task_struct");
    const base = makePtr(TAG_KERNEL, ptrOffset(vm));
    return new TaskStackPointer(base, 32768, base + 32768 - 0x100);
  }

  it("Generic: F1 left redzone, the local's partial granule, F3 after the last local, cleared on leave", () => {
    const k = bootKernel({ mode: "generic", seed: 1, cmdline: "kasan_multi_shot" });
    const sp = stack(k);
    const f = new InstrumentedFrame(k.kasan.backend, sp, "fn", [{ name: "arr", size: 10 }], true);
    const arr = f.object("arr");
    const sh = shadowOf(k);
    const o = ptrOffset(arr.addr);
    // [F1 ×4][00 02 F3 F3]
    expect([-32, -8, 0, 8, 16, 24].map((d) => sh.get(o + d))).toEqual([0xf1, 0xf1, 0x00, 0x02, 0xf3, 0xf3]);
    const dyn = f.alloca(10);
    // __asan_alloca_poison: CA ×4 below, 00 02 CB … (16 + 32 bytes of CB).
    const d = ptrOffset(dyn);
    expect([-8, 0, 8, 16, 56].map((x) => sh.get(d + x))).toEqual([0xca, 0x00, 0x02, 0xcb, 0xcb]);
    expect(k.access.read(dyn + 10, 1)).toBe(false);
    expect(k.reports.events[0].bugType).toBe("alloca-out-of-bounds");
    f.leave(0);
    expect([o - 32, o + 16, d - 8, d + 16].map((x) => sh.get(x))).toEqual([0, 0, 0, 0]);
  });

  it("SW_TAGS: the local gets its own tag, unlike the granule after it", () => {
    const k = bootKernel({ mode: "sw_tags", seed: 1 });
    const sp = stack(k);
    const f = new InstrumentedFrame(k.kasan.backend, sp, "fn", [{ name: "arr", size: 10 }], true);
    const p = f.object("arr").addr;
    expect(ptrTag(p)).not.toBe(TAG_KERNEL);
    expect(k.access.read(p + 9, 1)).toBe(true);
    expect(k.access.read(p + 26, 1)).toBe(false);
    expect(k.reports.events[0].bugType).toBe("invalid-access");
  });
});
