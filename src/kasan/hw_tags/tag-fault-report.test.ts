/**
 * Tag check faults becoming KASAN reports under HW_TAGS: the sync path (report_tag_fault →
 * kasan_report(addr, 0, is_write, pc), then TCF = NONE on that CPU until kasan_enable_hw_tags),
 * the async path (TFSR_EL1, reported only at mte_check_tfsr_el1 check points through
 * kasan_report_async), asymm (loads sync, stores async), TCO while a report prints, and
 * kasan.fault.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatPx, makePtr, ptrTag, TAG_KERNEL } from "../../arch/pointer.js";
import { GFP_KERNEL } from "../../mm/gfp.js";
import { untaggedPtr } from "../common/untag.js";
import { makeSlabEnv } from "./slab-env.js";

/** kmalloc(size) from slot 0 of a kmalloc-128 slab. */
function kmalloc128(cmdline = "kasan_multi_shot", size = 107, extra: { asymmSupported?: boolean } = {}) {
  const env = makeSlabEnv({ objectSize: 128 }, { cmdline, ...extra });
  const p = env.kasan.hooks.slabAlloc(env.cache, env.slot(0), GFP_KERNEL, false);
  env.kasan.hooks.kmalloc(env.cache, p, size, GFP_KERNEL);
  return { ...env, p, t: ptrTag(p) };
}

describe("sync tag check fault → kasan_report (kasan-facts §11b.2, kmalloc_oob_right 2nd check)", () => {
  it("Write at addr (no size), Pointer tag T / memory tag fe, slab-out-of-bounds from the ring, 112-byte region", () => {
    const { kasan, p, t, base, events, counters } = kmalloc128();
    const ldgBefore = counters.cur.ldg;
    expect(kasan.access.write(p + 112, 1, 0xabc)).toBe(false);
    expect(events).toHaveLength(1);
    const e = events[0];
    expect(e).toMatchObject({
      type: "access",
      bugType: "slab-out-of-bounds",
      accessAddr: p + 112,
      accessSize: 0, // "Write at addr …", ESR's size is not trusted for tag faults
      isWrite: true,
      ip: 0xabc,
      firstBadAddr: untaggedPtr(base + 112),
      pointerTag: t,
      memoryTag: 0xfe,
      pid: 42,
      comm: "kunit_try_catch",
      cpu: 0,
    });
    // The %px of the access address carries the tag in its top byte: "f?ff0000…".
    expect(formatPx(e.accessAddr)).toBe(t.toString(16) + "ff" + (base + 112).toString(16).padStart(12, "0"));
    // kasan_get_alloc_size walks LDG until the first 0xfe: 7 granules → 112.
    expect(e.object).toEqual({ cacheName: "kmalloc-128", objectSize: 128, objectStart: untaggedPtr(base), allocSize: 112, allocTrack: { pid: 42, stack: 0 } });
    // Rows: round_down(base + 112, 256) − 2·256 = base − 512, 256 bytes apart, guilty row third.
    const rows = e.metadata ?? [];
    expect(rows.map((r) => r.addr)).toEqual([-512, -256, 0, 256, 512].map((d) => untaggedPtr(base + d)));
    expect(rows.map((r) => r.guilty)).toEqual([false, false, true, false, false]);
    expect(rows[2].values).toEqual([...Array(7).fill(t), ...Array(9).fill(0xfe)]);
    expect(rows[3].values).toEqual(Array(16).fill(0xfe));
    for (const r of rows) for (const v of r.values) expect(v & 0xf0).toBe(0xf0); // LDG values are always f?
    // LDGs while reporting: get_alloc_size 8 (7 tagged + the 0xfe that stops it),
    // kasan_print_tags 1, memory rows 5·16 = 80.
    expect(counters.cur.ldg - ldgBefore).toBe(89);
  });

  it("after the fault TCF is NONE on that CPU only; kasan_enable_hw_tags re-arms it", () => {
    const { kasan, b, mte, ctx, p, events, counters } = kmalloc128();
    kasan.access.write(p + 112, 1);
    expect(mte.tcf(0)).toBe("none");
    expect(mte.tcf(1)).toBe("sync");
    // Same CPU: not checked any more (counted as skipped), the access goes ahead.
    const skipped = counters.cur.tagChecksSkipped;
    expect(kasan.access.write(p + 112, 1)).toBe(true);
    expect(counters.cur.tagChecksSkipped).toBe(skipped + 1);
    expect(events).toHaveLength(1);
    // Another CPU still faults.
    ctx.cpu = 1;
    expect(kasan.access.read(p + 120, 1)).toBe(false);
    expect(events[1]).toMatchObject({ cpu: 1, isWrite: false });
    ctx.cpu = 0;
    expect(b.enableHwTags()).toBe("sync");
    expect(kasan.access.write(p + 112, 1)).toBe(false);
    expect(events).toHaveLength(3);
  });

  it("PSTATE.TCO is set on the faulting CPU while the report prints, and cleared afterwards", () => {
    const { kasan, mte, p } = kmalloc128();
    const tcoSeen: number[] = [];
    kasan.reports.listener = () => tcoSeen.push(mte.regs.tco[0], mte.regs.tco[1]);
    kasan.access.write(p + 112, 1);
    expect(tcoSeen).toEqual([1, 0]);
    expect([mte.regs.tco[0], mte.regs.tco[1]]).toEqual([0, 0]);
  });

  it("invalid-free reports (common hooks) also print with TCO set", () => {
    const { kasan, mte, cache, p } = kmalloc128();
    const tcoSeen: number[] = [];
    kasan.reports.listener = () => tcoSeen.push(mte.regs.tco[0]);
    kasan.hooks.slabPreFree(cache, p + 16, 0);
    expect(tcoSeen).toEqual([1]);
    expect(mte.regs.tco[0]).toBe(0);
  });

  it("one-shot (no kasan_multi_shot): after the first report a re-armed fault reports nothing", () => {
    const { kasan, b, p, events, counters } = kmalloc128("");
    expect(kasan.access.write(p + 112, 1)).toBe(false);
    b.enableHwTags(0);
    // The CPU faults again (and turns checks off again) but kasan_report declines.
    expect(kasan.access.write(p + 112, 1)).toBe(true);
    expect(events).toHaveLength(1);
    expect(counters.cur.tagFaultsSync).toBe(2);
    expect(counters.cur.reportsSuppressed).toBe(1);
  });

  it("kasan.stacktrace=off: no ring, the same bug is invalid-access without tracks", () => {
    const { kasan, p, events, counters, b } = kmalloc128("kasan_multi_shot kasan.stacktrace=off");
    expect(b.stackRing).toBeUndefined();
    kasan.access.write(p + 112, 1);
    expect(events[0].bugType).toBe("invalid-access");
    expect(events[0].object?.allocTrack).toBeUndefined();
    expect(counters.cur.stackRingInserts).toBe(0);
  });

  it("property: kmalloc(size) in kmalloc-128 — offsets below round_up(size, 16) pass, the rest of the slot faults", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 128 }), fc.integer({ min: 0, max: 127 }), (size, off) => {
        const { kasan, p, events } = kmalloc128("kasan_multi_shot", size);
        const ok = kasan.access.read(p + off, 1);
        expect(ok).toBe(off < Math.ceil(size / 16) * 16);
        expect(events).toHaveLength(ok ? 0 : 1);
      }),
      { numRuns: 60 },
    );
  });

  it("property: a match-all (0xFF) pointer never faults, whatever the memory tags", () => {
    const { kasan, base, events, mte } = kmalloc128();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4095 }), fc.integer({ min: 1, max: 64 }), fc.boolean(), (off, size, write) => {
        const q = makePtr(TAG_KERNEL, base + off);
        expect(write ? kasan.access.write(q, size) : kasan.access.read(q, size)).toBe(true);
      }),
    );
    expect(events).toHaveLength(0);
    expect(mte.tcf(0)).toBe("sync");
  });
});

describe("async and asymm: reports only at TFSR check points", () => {
  it("async: the bad store completes, TFSR_EL1.TF1 is set; kasan_force_async_fault reports once", () => {
    const { kasan, b, mte, p, events, counters } = kmalloc128("kasan_multi_shot kasan.mode=async");
    expect(kasan.access.write(p + 112, 1)).toBe(true);
    expect(kasan.access.read(p + 120, 8)).toBe(true);
    expect(events).toHaveLength(0);
    expect(counters.cur.tagFaultsAsync).toBe(2);
    expect(mte.tfsrPending(0)).toBe(true);
    expect(mte.tcf(0)).toBe("async"); // async faults do not turn checking off
    expect(b.checkTfsr(1)).toBe(false); // nothing pending on CPU 1
    expect(b.forceAsyncFault(0)).toBe(true);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "async", bugType: "invalid-access", accessAddr: 0, accessSize: 0, hasMetadata: false, cpu: 0 });
    expect(mte.tfsrPending(0)).toBe(false);
    expect(b.forceAsyncFault(0)).toBe(false);
    expect(events).toHaveLength(1);
  });

  it("async: a context-switch check (mte_check_tfsr_el1) reports too, with TCO set while printing", () => {
    const { kasan, b, mte, p, events, ctx } = kmalloc128("kasan_multi_shot kasan.mode=async");
    ctx.cpu = 1;
    kasan.access.write(p + 112, 1);
    const tco: number[] = [];
    kasan.reports.listener = () => tco.push(mte.regs.tco[1]);
    ctx.cpu = 0; // the check runs on CPU 1 regardless of who asks
    expect(b.checkTfsr(1)).toBe(true);
    expect(events).toHaveLength(1);
    expect(tco).toEqual([1]);
    expect(mte.regs.tco[1]).toBe(0);
  });

  it("asymm: a bad load is reported synchronously (checks then off), a bad store only at the check point", () => {
    const { kasan, b, mte, p, events } = kmalloc128("kasan_multi_shot kasan.mode=asymm");
    expect(mte.tcf(0)).toBe("asymm");
    expect(kasan.access.read(p + 112, 1)).toBe(false);
    expect(events[0]).toMatchObject({ type: "access", isWrite: false, bugType: "slab-out-of-bounds" });
    expect(mte.tcf(0)).toBe("none");
    expect(b.enableHwTags(0)).toBe("asymm");
    expect(kasan.access.write(p + 112, 1)).toBe(true);
    expect(events).toHaveLength(1);
    expect(b.forceAsyncFault(0)).toBe(true);
    expect(events[1]).toMatchObject({ type: "async", bugType: "invalid-access" });
  });

  it("asymm without FEAT_MTE3 falls back to sync on the CPU; kasan_mode stays asymm", () => {
    const { kasan, b, mte, p, events } = kmalloc128("kasan_multi_shot kasan.mode=asymm", 107, { asymmSupported: false });
    expect(b.bootLog[0]).toBe("MTE: enabled in synchronous mode at EL1");
    expect(b.bootLog[1]).toContain("mode=asymm");
    expect(mte.tcf(1)).toBe("sync");
    expect([b.syncFaultPossible, b.asyncFaultPossible]).toEqual([true, true]);
    expect(kasan.access.write(p + 112, 1)).toBe(false); // stores are sync too
    expect(events[0].type).toBe("access");
    // No CPU runs async/asymm, so the exit-path TFSR check is compiled out (static key off).
    expect(b.forceAsyncFault(0)).toBe(false);
  });
});

describe("kasan.fault through the common reporter", () => {
  it("panic_on_write: a sync read report does not panic, a sync write does", () => {
    const a = kmalloc128("kasan_multi_shot kasan.fault=panic_on_write");
    a.kasan.access.read(a.p + 112, 1);
    expect(a.events[0].panic).toBeUndefined();
    a.b.enableHwTags(0);
    a.kasan.access.write(a.p + 112, 1);
    expect(a.events[1].panic).toBe("kasan.fault=panic_on_write set ...");
  });

  it("panic_on_write: an async report counts as a write (no details), so it panics", () => {
    const { kasan, b, p, events } = kmalloc128("kasan.mode=async kasan.fault=panic_on_write");
    kasan.access.read(p + 112, 1);
    b.forceAsyncFault(0);
    expect(events[0]).toMatchObject({ type: "async", panic: "kasan.fault=panic_on_write set ..." });
    expect(kasan.reports.panicked).toBe("kasan.fault=panic_on_write set ...");
  });
});
