/**
 * Invariants of a booted kernel, across every KASAN mode, with all real subsystems wired:
 * allocations never hand out a pointer that faults on its own object; freed slab objects are
 * inaccessible through their old pointer except by the documented tag coincidence; memory is
 * zeroed exactly once per allocation whatever the combination of init flags.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ptrTag, type Ptr } from "../arch/pointer.js";
import type { KasanMode } from "../config/mode.js";
import { HwTagsBackend } from "../kasan/hw_tags/hw-tags-backend.js";
import { GFP_KERNEL, __GFP_SKIP_ZERO, __GFP_ZERO, __GFP_ZEROTAGS } from "../mm/gfp.js";
import { PAGE_SIZE } from "../mm/memory-layout.js";
import { Prng } from "../lib/prng.js";
import { bootKernel, type Kernel } from "./kernel.js";

const MODES: KasanMode[] = ["generic", "sw_tags", "hw_tags"];

function rearm(k: Kernel): void {
  const b = k.kasan.backend;
  if (b instanceof HwTagsBackend) b.enableHwTags(k.ctx.cpu);
}

type Op =
  | { kind: "kmalloc"; size: number }
  | { kind: "pages"; order: number }
  | { kind: "vmalloc"; size: number }
  | { kind: "free"; index: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("kmalloc" as const), size: fc.integer({ min: 1, max: 20000 }) }),
  fc.record({ kind: fc.constant("pages" as const), order: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ kind: fc.constant("vmalloc" as const), size: fc.integer({ min: 1, max: 3 * PAGE_SIZE }) }),
  fc.record({ kind: fc.constant("free" as const), index: fc.nat() }),
);

describe("kernel invariants", () => {
  for (const mode of MODES) {
    it(`${mode}: every live allocation is fully accessible through its own pointer`, () => {
      fc.assert(
        fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 1000 }), (ops, seed) => {
          const k = bootKernel({ mode, seed, memoryBytes: 256 * 2 ** 20, cmdline: "kasan_multi_shot" });
          const live: { p: Ptr; size: number; free: () => void }[] = [];
          for (const op of ops) {
            if (op.kind === "kmalloc") {
              const p = k.slab.kmalloc(op.size, GFP_KERNEL);
              live.push({ p, size: op.size, free: () => k.slab.kfree(p) });
            } else if (op.kind === "pages") {
              const pfn = k.pages.allocPages(GFP_KERNEL, op.order);
              live.push({ p: k.pages.pageAddress(pfn), size: PAGE_SIZE << op.order, free: () => k.pages.freePages(pfn, op.order) });
            } else if (op.kind === "vmalloc") {
              const p = k.vmalloc.vmalloc(op.size);
              live.push({ p, size: op.size, free: () => k.vmalloc.vfree(p) });
            } else if (live.length > 0) {
              live.splice(op.index % live.length, 1)[0].free();
            }
            // Every byte of every live object, first and last byte and a whole-object memset.
            for (const o of live) {
              k.access.read(o.p, 1);
              k.access.write(o.p + o.size - 1, 1);
              k.access.memset(o.p, 0, o.size);
            }
          }
          return k.reports.events.length === 0;
        }),
        { numRuns: 25 },
      );
    });
  }

  /*
   * A freed kmalloc-64 slot comes straight back to the next kmalloc(64) on the same CPU (SLUB's
   * LIFO per-CPU freelist), retagged with a fresh random tag. The stale pointer then reaches the
   * object only when the new tag equals the old one. Between free and reuse the slot is tagged
   * 0xFE, which no pointer carries: always caught.
   *
   * In a running kernel other allocations draw tags between the free and the reuse; the test
   * makes j ∈ {0,1,2,3} (seeded, uniform) kmalloc-32 allocations in between. hw_tags: IRG is
   * uniform over 14 tags whatever happened before ⇒ rate 1/14. sw_tags: the per-CPU LCG
   * (state·1664525 + 1013904223 mod 2^32, tag = state mod 254) flips the state's parity on every
   * draw and 254 is even, so tags j+1 draws apart have equal parity only for odd j: the
   * coincidence chance is 0 for even j and 1/127 for odd j ⇒ 1/254 averaged over j.
   * N = 14000 trials; expected coincidences 1000 (hw) and 55.1 (sw); a ±5σ band keeps the test
   * deterministic (seeded) yet meaningful: σ = sqrt(N·p·(1−p)) = 30.4 (hw), 7.4 (sw).
   */
  for (const [mode, tags] of [
    ["hw_tags", 14],
    ["sw_tags", 254],
  ] as const) {
    it(`${mode}: a stale pointer reaches a reused slot only by tag coincidence (1/${tags})`, () => {
      const k = bootKernel({ mode, seed: 42, cmdline: "kasan_multi_shot" });
      const between = new Prng(7);
      const N = 14000;
      let coincidences = 0;
      let caughtBeforeReuse = 0;
      for (let i = 0; i < N; i++) {
        const old = k.slab.kmalloc(64, GFP_KERNEL);
        k.slab.kfree(old);
        const before = k.reports.events.length;
        k.access.read(old, 8);
        if (k.reports.events.length > before) caughtBeforeReuse++;
        rearm(k);
        const others = Array.from({ length: between.nextInt(4) }, () => k.slab.kmalloc(32, GFP_KERNEL));
        const fresh = k.slab.kmalloc(64, GFP_KERNEL);
        expect(fresh % 2 ** 44).toBe(old % 2 ** 44); // the same slot came back
        const seen = k.reports.events.length;
        k.access.read(old, 8);
        const caught = k.reports.events.length > seen;
        rearm(k);
        if (!caught) {
          coincidences++;
          expect(ptrTag(fresh)).toBe(ptrTag(old)); // a miss is exactly a tag coincidence
        }
        k.slab.kfree(fresh);
        for (const o of others) k.slab.kfree(o);
      }
      expect(caughtBeforeReuse).toBe(N);
      const p = 1 / tags;
      const sigma = Math.sqrt(N * p * (1 - p));
      expect(Math.abs(coincidences - N * p)).toBeLessThan(5 * sigma);
    });
  }

  it("sw_tags: the kernel's LCG never repeats a tag on the very next draw (parity alternates)", () => {
    const k = bootKernel({ mode: "sw_tags", seed: 3, cmdline: "kasan_multi_shot" });
    let prev = -1;
    for (let i = 0; i < 5000; i++) {
      const p = k.slab.kmalloc(64, GFP_KERNEL);
      if (prev >= 0) expect(ptrTag(p) % 2).toBe(1 - (prev % 2)); // one draw per kmalloc: parity flips
      prev = ptrTag(p);
      k.slab.kfree(p);
    }
  });

  it("generic: a freed object stays inaccessible while it sits in the quarantine", () => {
    const k = bootKernel({ mode: "generic", seed: 1, cmdline: "kasan_multi_shot" });
    const freed: Ptr[] = [];
    for (let i = 0; i < 200; i++) {
      const p = k.slab.kmalloc(64, GFP_KERNEL);
      k.slab.kfree(p);
      freed.push(p);
    }
    // 200 × 64-byte slots (cache->size 128 with Generic redzones) is far below the per-CPU 1 MiB
    // quarantine batch, so none has been recycled: every stale read is reported.
    for (const p of freed) k.access.read(p, 8);
    expect(k.reports.events.length).toBe(200);
    expect(k.reports.events.every((e) => e.bugType === "slab-use-after-free")).toBe(true);
  });

  /*
   * Zero exactly once: for a page allocation, bytes zeroed = PAGE_SIZE·2^order when zeroing was
   * requested (__GFP_ZERO or init_on_alloc, unless init_on_free already zeroed on free, or the
   * caller passed __GFP_SKIP_ZERO under hw_tags), else 0 — whoever does it (STZG/DC GZVA while
   * tagging, tag_clear_highpage for __GFP_ZEROTAGS, or plain clear_page).
   */
  it("page allocations are zeroed exactly once under every init combination and mode", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<KasanMode>("generic", "sw_tags", "hw_tags", "off"),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: 3 }),
        (mode, zero, initOnAlloc, initOnFree, zerotags, skipZero, order) => {
          const k = bootKernel({ mode, seed: 5, memoryBytes: 64 * 2 ** 20, cmdline: `init_on_alloc=${+initOnAlloc} init_on_free=${+initOnFree}` });
          const gfp = GFP_KERNEL | (zero ? __GFP_ZERO : 0) | (zerotags ? __GFP_ZEROTAGS : 0) | (skipZero ? __GFP_SKIP_ZERO : 0);
          const before = k.counters.total().bytesZeroed;
          const pfn = k.pages.allocPages(gfp, order);
          const zeroed = k.counters.total().bytesZeroed - before;
          const skipHonoured = skipZero && mode === "hw_tags";
          const want = !initOnFree && (zero || initOnAlloc) && !skipHonoured;
          expect(zeroed).toBe(want ? PAGE_SIZE << order : 0);
          // init_on_free: the free path zeroes once, on the way out.
          const b2 = k.counters.total().bytesZeroed;
          k.pages.freePages(pfn, order);
          expect(k.counters.total().bytesZeroed - b2).toBe(initOnFree ? PAGE_SIZE << order : 0);
        },
      ),
      { numRuns: 200 },
    );
  });
});
