import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { PendingPages } from "./pending-pages.js";

describe("the queue of page allocations waiting for a claim", () => {
  it("keeps every live entry's fields, in order, through slides and growth", () => {
    // Reference: a plain array of live entries in queue order. Pushes far outnumber the 256
    // initial slots, and settling at the front or anywhere makes the queue slide or grow.
    // Twice as many pushes as settles: the queue reaches the end of its arrays with a settled
    // prefix (a slide) and, in longer runs of pushes, with no room to slide (growth).
    const op = fc.oneof(
      { arbitrary: fc.constant<["push"]>(["push"]), weight: 4 },
      { arbitrary: fc.tuple(fc.constant("settle" as const), fc.nat()), weight: 1 },
      { arbitrary: fc.constant<["front"]>(["front"]), weight: 1 },
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 300, maxLength: 3000 }), (ops) => {
        const q = new PendingPages();
        let ref: { pfn: number; order: number; idx: number }[] = [];
        let n = 0;
        for (const o of ops) {
          if (o[0] === "push") {
            const e = { pfn: 0x40000 + n * 8, order: n % 4, idx: n };
            q.push(e.idx, e.pfn, e.order, 0x400, n % 2, 100 + n, n % 3 === 0, n % 5 === 0);
            ref.push(e);
            n++;
            continue;
          }
          if (ref.length === 0) continue;
          const victim = o[0] === "front" ? ref[0] : ref[o[1] % ref.length];
          let found = -1;
          for (let i = q.head; i < q.tail; i++) if (q.isLive(i) && q.pfn[i] === victim.pfn) found = i;
          expect(found).toBeGreaterThanOrEqual(0);
          q.settle(found);
          q.advance();
          ref = ref.filter((e) => e !== victim);
        }
        const live: { pfn: number; order: number; idx: number }[] = [];
        for (let i = q.head; i < q.tail; i++) {
          if (!q.isLive(i)) continue;
          const idx = q.idx[i];
          // pfn + 2^order, and the flags pushed for this index.
          expect(q.end[i]).toBe(q.pfn[i] + 2 ** q.order[i]);
          expect([q.hardirq(i), q.silent(i), q.cpu[i], q.pid[i]]).toEqual([idx % 3 === 0, idx % 5 === 0, idx % 2, 100 + idx]);
          expect(q.mayHavePfn(q.pfn[i])).toBe(true);
          live.push({ pfn: q.pfn[i], order: q.order[i], idx });
        }
        expect(live).toEqual(ref);
        expect(q.live).toBe(ref.length);
      }),
      { numRuns: 40 },
    );
  });
});

describe("the pending queue at the end of its arrays", () => {
  it("slides the live entries to the front when at most half are live", () => {
    const q = new PendingPages();
    // 200 pushed, the first 150 settled: head 150, tail 200. 56 more fill the 256 slots; the
    // 257th push finds 106 live ≤ 128, so they slide to 0…105 and it lands at 106.
    for (let n = 0; n < 200; n++) q.push(n, 0x40000 + n, 1, 0, 0, n, false, false);
    for (let i = 0; i < 150; i++) q.settle(i);
    q.advance();
    expect([q.head, q.tail]).toEqual([150, 200]);
    for (let n = 200; n < 257; n++) q.push(n, 0x40000 + n, 1, 0, 0, n, false, false);
    expect([q.head, q.tail, q.idx.length]).toEqual([0, 107, 256]);
    for (let i = 0; i < 107; i++) expect([q.idx[i], q.pfn[i], q.end[i], q.pid[i]]).toEqual([150 + i, 0x40096 + i, 0x40096 + i + 2, 150 + i]);
  });

  it("grows when more than half are live", () => {
    const q = new PendingPages();
    // 256 pushed, 10 settled at the front: 246 live > 128, so the 257th push doubles to 512.
    for (let n = 0; n < 256; n++) q.push(n, n, 0, 0, 0, 0, false, false);
    for (let i = 0; i < 10; i++) q.settle(i);
    q.advance();
    q.push(256, 256, 0, 0, 0, 0, false, false);
    expect([q.head, q.tail, q.idx.length, q.live]).toEqual([0, 247, 512, 247]);
    expect([q.idx[0], q.idx[246], q.end[246]]).toEqual([10, 256, 257]);
  });
});
