/**
 * Memory initialisation happens exactly once (kasan-facts §11 invariant 3): for every
 * combination of __GFP_ZERO, __GFP_ZEROTAGS, __GFP_SKIP_ZERO, __GFP_SKIP_KASAN, init_on_alloc,
 * init_on_free and KASAN mode / sampling, each page of an allocation is zeroed once on the
 * allocation side when the caller wants initialised memory (and not when it does not), or
 * once on the free side under init_on_free — by exactly one of tag_clear_highpage, KASAN's
 * integrated init or kernel_init_pages. Invariant 2's page-tag part is checked alongside.
 */
import { describe, it } from "vitest";
import fc from "fast-check";
import type { KasanMode } from "../../config/mode.js";
import { Counters } from "../../cost/counters.js";
import { ExecContext } from "../../lib/context.js";
import type { ArchPageOps } from "../arch-page-ops.js";
import { GFP_KERNEL, __GFP_MOVABLE, __GFP_SKIP_KASAN, __GFP_SKIP_ZERO, __GFP_ZERO, __GFP_ZEROTAGS } from "../gfp.js";
import { PageAllocator } from "./page-allocator.js";
import { RecordingKasanHooks } from "./recording-kasan-hooks.js";

const BASE = 0x40000;
const NR = 4096; // 16 MiB

type Kasan = { mode: KasanMode; hwEnabled: boolean; sample: "all" | "none" | "alternate" };

const kasanArb: fc.Arbitrary<Kasan> = fc.oneof(
  fc.record({ mode: fc.constant<KasanMode>("hw_tags"), hwEnabled: fc.boolean(), sample: fc.constantFrom<Kasan["sample"]>("all", "none", "alternate") }),
  fc.record({ mode: fc.constantFrom<KasanMode>("generic", "sw_tags", "off"), hwEnabled: fc.constant(false), sample: fc.constant<Kasan["sample"]>("all") }),
);

const opArb = fc.record({
  alloc: fc.boolean(),
  order: fc.integer({ min: 0, max: 4 }),
  zero: fc.boolean(),
  zeroTags: fc.boolean(),
  skipZero: fc.boolean(),
  skipKasan: fc.boolean(),
  movable: fc.boolean(),
  pick: fc.nat(),
});

describe("init_on_alloc / init_on_free / __GFP_ZERO: pages are zeroed exactly once", () => {
  it("holds for every flag combination, mode and sampling decision", () => {
    fc.assert(
      fc.property(kasanArb, fc.boolean(), fc.boolean(), fc.array(opArb, { minLength: 1, maxLength: 40 }), (k, initOnAlloc, initOnFree, ops) => {
        const zeroed = new Int32Array(NR);
        const zeroAt = (pfn: number): void => {
          zeroed[pfn - BASE]++;
        };
        const arch: ArchPageOps = { tagClearHighpage: zeroAt, clearHighpage: zeroAt };
        let sampleCalls = 0;
        const sample =
          k.sample === "all" ? undefined : k.sample === "none" ? () => false : () => sampleCalls++ % 2 === 0;
        const ref: { pa?: PageAllocator } = {};
        const counters = new Counters();
        const pa = new PageAllocator({
          memoryBytes: NR * 4096,
          reservedBytes: 0,
          nrCpus: 1,
          ctx: new ExecContext(1),
          counters,
          arch,
          hooks: new RecordingKasanHooks({
            mode: k.mode,
            hwEnabled: k.hwEnabled,
            sample,
            onZero: zeroAt,
            record: false,
            get pages() {
              return ref.pa?.pages;
            },
          }),
          initOnAlloc,
          initOnFree,
          mode: k.mode,
        });
        ref.pa = pa;
        const hwOn = k.mode === "hw_tags" && k.hwEnabled;
        const live: [number, number][] = [];
        for (const op of ops) {
          if (op.alloc || live.length === 0) {
            let gfp = GFP_KERNEL;
            if (op.zero) gfp |= __GFP_ZERO;
            if (op.zeroTags) gfp |= __GFP_ZEROTAGS;
            if (op.skipZero) gfp |= __GFP_SKIP_ZERO;
            if (op.skipKasan) gfp |= __GFP_SKIP_KASAN;
            if (op.movable) gfp |= __GFP_MOVABLE;
            const sampledBefore = counters.cur.kasanUnpoisonSampledOut;
            const unpoisonBefore = counters.cur.kasanUnpoisonPages;
            const pfn = pa.allocPages(gfp, op.order);
            if (pfn < 0) continue;
            const wantInit = (initOnAlloc || op.zero) && !(hwOn && op.skipZero);
            const expected = !initOnFree && wantInit ? 1 : 0;
            const unpoisoned = counters.cur.kasanUnpoisonPages > unpoisonBefore && counters.cur.kasanUnpoisonSampledOut === sampledBefore;
            // kasan_unpoison_pages runs in the software modes always, in enabled hw_tags unless
            // __GFP_SKIP_KASAN (and then sampling may still decline); never otherwise.
            const mayUnpoison = k.mode === "generic" || k.mode === "sw_tags" || (hwOn && !op.skipKasan);
            const mustUnpoison = mayUnpoison && !(hwOn && k.sample !== "all");
            if ((unpoisoned && !mayUnpoison) || (!unpoisoned && mustUnpoison)) return false;
            // Only the tag modes store a page tag; anything not unpoisoned keeps 0xFF.
            const wantTag = unpoisoned && k.mode !== "generic" ? 0xf3 : 0xff;
            for (let j = 0; j < 2 ** op.order; j++) {
              if (zeroed[pfn - BASE + j] !== expected) return false;
              if (pa.pages.kasanTag(pfn + j) !== wantTag) return false;
              zeroed[pfn - BASE + j] = 0;
            }
            live.push([pfn, op.order]);
          } else {
            const [pfn, order] = live.splice(op.pick % live.length, 1)[0];
            pa.freePages(pfn, order);
            for (let j = 0; j < 2 ** order; j++) {
              if (zeroed[pfn - BASE + j] !== (initOnFree ? 1 : 0)) return false;
              zeroed[pfn - BASE + j] = 0;
            }
          }
          // No page outside the one just handled was zeroed.
          if (zeroed.some((z) => z !== 0)) return false;
        }
        return true;
      }),
      { numRuns: 400 },
    );
  });
});
