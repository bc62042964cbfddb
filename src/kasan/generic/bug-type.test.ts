import { describe, expect, it } from "vitest";
import {
  KASAN_ALLOCA_LEFT, KASAN_ALLOCA_RIGHT, KASAN_GLOBAL_REDZONE, KASAN_PAGE_FREE, KASAN_PAGE_REDZONE, KASAN_SLAB_FREE,
  KASAN_SLAB_FREE_META, KASAN_SLAB_REDZONE, KASAN_STACK_LEFT, KASAN_STACK_MID, KASAN_STACK_PARTIAL, KASAN_STACK_RIGHT,
  KASAN_VMALLOC_INVALID,
} from "../constants.js";
import { kptr, makeTestKasan, TEST_OFF } from "../testing/fakes.js";
import { shadowBugType } from "./bug-type.js";
import type { GenericBackend } from "./generic-backend.js";

describe("Generic get_shadow_bug_type: every shadow code", () => {
  const table: [number, string][] = [
    [KASAN_PAGE_FREE, "use-after-free"],
    [KASAN_PAGE_REDZONE, "slab-out-of-bounds"],
    [KASAN_SLAB_REDZONE, "slab-out-of-bounds"],
    [KASAN_SLAB_FREE, "slab-use-after-free"],
    [KASAN_SLAB_FREE_META, "slab-use-after-free"],
    [KASAN_GLOBAL_REDZONE, "global-out-of-bounds"],
    [KASAN_VMALLOC_INVALID, "vmalloc-out-of-bounds"],
    [KASAN_STACK_LEFT, "stack-out-of-bounds"],
    [KASAN_STACK_MID, "stack-out-of-bounds"],
    [KASAN_STACK_RIGHT, "stack-out-of-bounds"],
    [KASAN_STACK_PARTIAL, "stack-out-of-bounds"],
    [KASAN_ALLOCA_LEFT, "alloca-out-of-bounds"],
    [KASAN_ALLOCA_RIGHT, "alloca-out-of-bounds"],
    [0xf5, "unknown-crash"], // stack-after-return marker has no case in the switch
    [0x80, "unknown-crash"],
  ];

  it.each(table)("shadow %s → %s, as seen through a real access report", (code, bugType) => {
    expect(shadowBugType(code, 0)).toBe(bugType);
    const { kasan } = makeTestKasan("generic");
    const g = kasan.backend as GenericBackend;
    g.shadow.fill(TEST_OFF, 8, code);
    kasan.access.read(kptr(TEST_OFF), 1);
    expect(kasan.reports.events[0].bugType).toBe(bugType);
  });

  it("a partial granule (1..7) is classified by the next shadow byte", () => {
    expect(shadowBugType(3, KASAN_SLAB_REDZONE)).toBe("slab-out-of-bounds");
    expect(shadowBugType(3, KASAN_VMALLOC_INVALID)).toBe("vmalloc-out-of-bounds");
    expect(shadowBugType(3, 0)).toBe("out-of-bounds"); // racy shadow: 0..7 after the skip
    expect(shadowBugType(0, 0)).toBe("out-of-bounds");
  });
});
