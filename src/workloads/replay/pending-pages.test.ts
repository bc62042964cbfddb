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

describe("the claim filter over pending blocks (mayContain)", () => {
  it("never says no for a page inside a live block, and says no once nothing live is near", () => {
    // Blocks of order 0–10 anywhere in the first 2^20 pages (orders above 2 span more than
    // four 16-page regions and are counted as wide); random settles. For every page of every
    // live block mayContain must be true (a false negative would lose a claim).
    const block = fc.tuple(fc.integer({ min: 1, max: 1 << 20 }), fc.integer({ min: 0, max: 10 }));
    const op = fc.oneof({ arbitrary: block.map((b) => ["push", ...b] as const), weight: 3 }, { arbitrary: fc.nat().map((n) => ["settle", n] as const), weight: 2 });
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 200 }), (ops) => {
        const q = new PendingPages();
        for (const o of ops) {
          if (o[0] === "push") q.push(0, o[1], o[2], 0, 0, 0, false, false);
          else if (q.live > 0) {
            const live: number[] = [];
            for (let i = q.head; i < q.tail; i++) if (q.isLive(i)) live.push(i);
            q.settle(live[o[1] % live.length]);
          }
        }
        for (let i = q.head; i < q.tail; i++) {
          if (!q.isLive(i)) continue;
          for (let p = q.pfn[i]; p < q.end[i]; p += 7) expect(q.mayContain(p)).toBe(true);
          expect(q.mayContain(q.end[i] - 1)).toBe(true);
        }
        if (q.live === 0) expect(q.mayContain(ops.length > 0 && ops[0][0] === "push" ? ops[0][1] : 1)).toBe(false);
      }),
      { numRuns: 100 },
    );
  });

  it("rejects a page whose 16-page region no narrow block touches, unless a wide block is live", () => {
    const q = new PendingPages();
    // pfn 0x40010, order 3: pages 0x40010–0x40017, region 0x4001 only.
    q.push(0, 0x40010, 3, 0, 0, 0, false, false);
    expect([q.mayContain(0x40017), q.mayContain(0x4000f), q.mayContain(0x40018 + 8)]).toEqual([true, false, false]);
    // Region 0x4001 + 4096 lands in the same bucket (4096 buckets): a harmless false positive.
    expect(q.mayContain(0x40010 + 4096 * 16)).toBe(true);
    // order 9 spans 32 regions (> 4): counted as wide, so every page may be claimed.
    q.push(1, 0x80000, 9, 0, 0, 0, false, false);
    expect(q.mayContain(0x4000f)).toBe(true);
    q.settle(1);
    expect(q.mayContain(0x4000f)).toBe(false);
    q.settle(0);
    expect(q.mayContain(0x40017)).toBe(false);
  });
});
