import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runInIrq } from "../../arch/stacktrace/irq-entry.js";
import { inIrqentryText } from "../../arch/stacktrace/irq-entry.js";
import { Counters } from "../../cost/counters.js";
import { ExecContext } from "../../lib/context.js";
import { StackDepot } from "../../lib/stackdepot/stack-depot.js";
import { KasanStackCollector, memoSet, type KasanStackOptions } from "./stack-collector.js";
import { callChain, siteFunctions } from "./sites.js";

function setup(options: KasanStackOptions, mode: "generic" | "hw_tags" = "generic") {
  const ctx = new ExecContext(1);
  const counters = new Counters();
  const depot = options.stackDepot === false ? undefined : new StackDepot({ counters, bucketOrder: 12, isIrqEntry: (ip) => inIrqentryText(ctx.kallsyms, ip) });
  const saver = new KasanStackCollector({ ctx, counters, mode, depot, options });
  const ks = ctx.kallsyms;
  // ret_from_fork → kthread → test_fn (3 frames of the task).
  ctx.callStack.push(ks.callSite("ret_from_fork", "kthread"), ks.callSite("kthread", "test_fn"), ks.callSite("test_fn", "kmalloc"));
  return { ctx, c: counters.cur, depot, saver, ks };
}

describe("kasan_save_stack flavours", () => {
  it("unwinder: Generic kmalloc frames then the caller's; framesUnwound = entries + 1", () => {
    const { saver, depot, c, ks } = setup({});
    const h = saver.save(0xcc0, true, "kmalloc");
    const names = depot!.fetch(h).map((ip) => ks.name(ks.symbolOf(ip)));
    expect(names).toEqual(["kasan_save_stack", "kasan_save_track", "__kasan_kmalloc", "__kmalloc_cache_noprof", "test_fn", "kthread", "ret_from_fork"]);
    // 7 entries + stack_trace_save's own frame.
    expect([c.stackTracesSaved, c.framesUnwound, c.framesCopiedScs]).toEqual([1, 8, 0]);
  });

  it("tags modes: kasan_save_alloc_info instead of the tail-called kasan_save_track", () => {
    expect(siteFunctions("hw_tags", "kfree")).toEqual(["kasan_save_stack", "kasan_save_free_info", "__kasan_slab_free", "kfree"]);
    expect(siteFunctions("generic", "kmem_cache_alloc")).toEqual(["kasan_save_stack", "kasan_save_track", "__kasan_slab_alloc", "kmem_cache_alloc_noprof"]);
  });

  it("scs: the same handle as the unwinder outside IRQs; counted as copied frames", () => {
    const u = setup({});
    const s = setup({ stacks: "scs" });
    const hu = u.saver.save(0, true, "kfree");
    const hs = s.saver.save(0, true, "kfree");
    expect(s.depot!.fetch(hs)).toEqual(u.depot!.fetch(hu));
    // 5 KASAN/mm frames + 3 task frames = 8 copied, none unwound.
    expect([s.c.framesCopiedScs, s.c.framesUnwound, s.c.stackTracesSavedNoscs]).toEqual([8, 0, 0]);
  });

  it("scs in IRQ context: the collected trace lacks the interrupted function, the depot record is the same", () => {
    const u = setup({});
    const s = setup({ stacks: "scs" });
    const run = (t: ReturnType<typeof setup>) =>
      runInIrq(t.ctx, t.ks.callSite("test_fn", "irq_hit"), () => t.ctx.call(t.ks.callSite("my_handler", "kmalloc"), () => {
        const h = t.saver.save(0, true, "kmalloc");
        return { h, raw: t.saver.lastTrace() };
      }));
    const ru = run(u);
    const rs = run(s);
    expect(rs.raw.length).toBe(ru.raw.length - 1);
    // filter_irq_stacks() cuts at gic_handle_irq, above the interrupted frame: identical records.
    expect(s.depot!.fetch(rs.h)).toEqual(u.depot!.fetch(ru.h));
    const names = u.depot!.fetch(ru.h).map((ip) => u.ks.name(u.ks.symbolOf(ip)));
    expect(names[names.length - 1]).toBe("gic_handle_irq");
  });

  it("the depot's filter_irq_stacks is paid only when the depot is called (master-no-stack-depot skips it)", () => {
    const on = setup({});
    const off = setup({ stackDepot: false });
    // Twice from the same place: the second save is the collector's memo hit (repeatSave).
    for (let i = 0; i < 2; i++) {
      on.saver.save(0xcc0, true, "kmalloc");
      off.saver.save(0xcc0, true, "kmalloc");
    }
    // The unwound trace has 7 entries and no IRQ entry: each save's filter examines all 7.
    expect([on.c.depotSaves, on.c.filterIrqStacksEntries]).toEqual([2, 14]);
    expect([off.c.depotSaves, off.c.filterIrqStacksEntries, off.c.stackTracesSaved]).toEqual([0, 0, 2]);
  });

  it("scs-noscs: same frames, counted in stackTracesSavedNoscs", () => {
    const s = setup({ stacks: "scs-noscs" });
    s.saver.save(0, true, "kmalloc");
    expect([s.c.stackTracesSaved, s.c.stackTracesSavedNoscs, s.c.framesCopiedScs]).toEqual([1, 1, 7]);
  });

  it("scs without CONFIG_SHADOW_CALL_STACK falls back to the unwinder", () => {
    const s = setup({ stacks: "scs", shadowCallStack: false });
    s.saver.save(0, true, "kmalloc");
    expect([s.c.framesUnwound, s.c.framesCopiedScs]).toEqual([8, 0]);
  });

  it("none: handle 0, nothing collected; depot off: collected but handle 0", () => {
    const n = setup({ stacks: "none" });
    expect(n.saver.save(0, true, "kmalloc")).toBe(0);
    expect([n.c.stackTracesSaved, n.c.framesUnwound, n.c.depotLookups]).toEqual([0, 0, 0]);
    const d = setup({ stackDepot: false });
    expect(d.saver.save(0, true, "kmalloc")).toBe(0);
    expect([d.c.stackTracesSaved, d.c.framesUnwound, d.c.depotLookups]).toEqual([1, 8, 0]);
  });

  it("rejects an unknown flavour", () => {
    expect(() => setup({ stacks: "fp" as never })).toThrow(/expected one of unwinder, scs, scs-noscs, none/);
  });

  it("a repeated save (same site frames, same call stack) gives the handle, counts and trace of a fresh collection", () => {
    // Reference: collect() then the depot directly, which never takes the collector's memo.
    const sites = ["kmalloc", "kfree", "kmem_cache_alloc", "kmem_cache_free", "aux", undefined] as const;
    const op = fc.record({ site: fc.constantFrom(...sites), stack: fc.nat(5), depth: fc.integer({ min: 0, max: 10 }), irq: fc.boolean() });
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 60 }), fc.integer({ min: 2, max: 12 }), (ops, maxFrames) => {
        const mk = () => {
          const ctx = new ExecContext(1);
          const counters = new Counters();
          const depot = new StackDepot({ counters, bucketOrder: 12, maxFrames, isIrqEntry: (ip) => inIrqentryText(ctx.kallsyms, ip) });
          return { ctx, counters, depot, saver: new KasanStackCollector({ ctx, counters, mode: "hw_tags", depot }) };
        };
        const a = mk();
        const b = mk();
        for (const { site, stack, depth, irq } of ops) {
          // Call stacks: `depth` frames of caller `stack`, some past the memo's 8 entries; with `irq`, an IRQ entry frame
          // (filter_irq_stacks cuts there) in the middle.
          const frames = (t: typeof a) =>
            Array.from({ length: depth }, (_, i) => (irq && i === depth >> 1 ? t.ctx.kallsyms.callSite("gic_handle_irq", "handle_domain_irq") : t.ctx.kallsyms.callSite(`caller${stack}_${i}`, "callee")));
          a.ctx.callStack.splice(0, a.ctx.callStack.length, ...frames(a));
          b.ctx.callStack.splice(0, b.ctx.callStack.length, ...frames(b));
          const ha = a.saver.save(0xcc0, true, site);
          const hb = b.depot.save((b.saver as unknown as { buf: Float64Array }).buf, b.saver.collect(site), 0xcc0, true);
          expect(ha).toBe(hb);
          expect(a.saver.lastTrace()).toEqual(b.saver.lastTrace());
        }
        const pick = (t: typeof a) => {
          const c = t.counters.total();
          return [c.stackTracesSaved, c.framesUnwound, c.depotLookups, c.depotInserts, t.depot.records];
        };
        expect(pick(a)).toEqual(pick(b));
      }),
      { numRuns: 200 },
    );
  });

  it("an alloc key and a free key that share a memo set are both remembered: each collected once", () => {
    const ctx = new ExecContext(1);
    const counters = new Counters();
    const depot = new StackDepot({ counters, bucketOrder: 12, isIrqEntry: (ip) => inIrqentryText(ctx.kallsyms, ip) });
    const saver = new KasanStackCollector({ ctx, counters, mode: "hw_tags", depot });
    const ks = ctx.kallsyms;
    // The memo keys on the site's outermost frame (the allocator entry) and the caller's address.
    const outer = (site: "kmem_cache_alloc" | "kmem_cache_free") => {
      const f = callChain(ks, siteFunctions("hw_tags", site), "stack_trace_save");
      return f[f.length - 1];
    };
    const ipA = ks.callSite("caller_a", "kmem_cache_alloc_noprof");
    const setA = memoSet(outer("kmem_cache_alloc"), ipA);
    // A free call site whose key lands in the same set (a direct-mapped memo would evict one with the other).
    let ipB = 0;
    for (let i = 0; ipB === 0; i++) {
      const ip = ks.callSite(`caller_b${i}`, "kmem_cache_free");
      if (memoSet(outer("kmem_cache_free"), ip) === setA) ipB = ip;
    }
    let collections = 0;
    const collect = saver.collect.bind(saver);
    saver.collect = (site) => (collections++, collect(site));
    const handles = new Set<number>();
    for (let i = 0; i < 10; i++) {
      ctx.callStack.splice(0, ctx.callStack.length, ipA);
      handles.add(saver.save(0xcc0, true, "kmem_cache_alloc"));
      ctx.callStack.splice(0, ctx.callStack.length, ipB);
      handles.add(saver.save(0, true, "kmem_cache_free"));
    }
    // 20 saves, two distinct traces: collected once each, every save counted as a fresh one would
    // be: the two first saves insert (two find_stack()s each, the second under pool_lock), the
    // 18 others find the record once: 2·2 + 18 = 22 lookups.
    expect([collections, handles.size]).toEqual([2, 2]);
    expect([counters.cur.stackTracesSaved, counters.cur.depotLookups, counters.cur.depotInserts, depot.records]).toEqual([20, 22, 2, 2]);
  });
});
