import { beforeEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import { Counters } from "../../cost/counters.js";
import { Prng } from "../../lib/prng.js";
import { makePtr, USER_BASE, VMALLOC_BASE, type Ptr } from "../pointer.js";
import { Mte, type MteOptions } from "./mte.js";
import { TAG_CHECK_FAULT_ASYNC, TAG_CHECK_FAULT_SYNC, TAG_CHECK_OK } from "./tag-check.js";
import type { AsyncTagFault, SyncTagFault, TagFaultHandler } from "./tag-fault.js";

class RecordingHandler implements TagFaultHandler {
  sync: SyncTagFault[] = [];
  async: AsyncTagFault[] = [];
  syncFault(f: SyncTagFault): void {
    this.sync.push(f);
  }
  asyncFault(f: AsyncTagFault): void {
    this.async.push(f);
  }
}

function setup(mode: "sync" | "async" | "asymm" | "none", extra: Partial<MteOptions> = {}) {
  const counters = new Counters();
  const mte = new Mte({ nrCpus: 2, prng: new Prng(99), counters, ...extra });
  const h = new RecordingHandler();
  mte.setTagFaultHandler(h);
  if (mode !== "none") for (let cpu = 0; cpu < 2; cpu++) mte.enableKernel(cpu, mode);
  return { mte, counters, h };
}

const OBJ = 0x12346000; // a 128-byte "object" in the linear map
const P = (tag: number, off: number): Ptr => makePtr(tag, off);

describe("tag checks: match and mismatch", () => {
  let s: ReturnType<typeof setup>;
  beforeEach(() => {
    s = setup("sync");
    // granules 0..6 tagged 7 (112 bytes), granule 7 tagged 0xE (the kmalloc tail)
    s.mte.setMemTagRange(P(0xff, OBJ), 112, 0xf7, false);
    s.mte.setMemTagRange(P(0xff, OBJ + 112), 16, 0xfe, false);
  });

  it("an in-bounds access with the right tag passes and is counted as checked", () => {
    expect(s.mte.checkAccess(0, P(0xf7, OBJ + 8), 8, false, 0x1)).toBe(TAG_CHECK_OK);
    expect(s.counters.cur.tagChecks).toBe(1);
    expect(s.counters.cur.tagFaultsSync).toBe(0);
    expect(s.h.sync).toEqual([]);
  });

  it("a 1-byte write at offset 112 faults with the KASAN-format address and no size", () => {
    expect(s.mte.checkAccess(0, P(0xf7, OBJ + 112), 1, true, 0xabc)).toBe(TAG_CHECK_FAULT_SYNC);
    expect(s.h.sync).toEqual([{ cpu: 0, addr: P(0xf7, OBJ + 112), isWrite: true, ip: 0xabc }]);
    expect(s.counters.cur.tagFaultsSync).toBe(1);
  });

  it("FAR bits [63:60] are rebuilt as 0xF: a 0x37 top byte is reported as 0xf7", () => {
    s.mte.checkAccess(0, P(0x37, OBJ + 120), 4, false, 0);
    expect(s.h.sync[0].addr).toBe(P(0xf7, OBJ + 120));
  });

  it("a mismatch anywhere in a multi-granule access faults at the first bad granule", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }), // granules in the tagged buffer
        fc.nat(), // which granule is bad (mod n)
        fc.integer({ min: 0, max: 15 }), // start byte inside the first granule
        fc.integer({ min: 0, max: 15 }), // bytes short of the end of the last granule
        fc.boolean(),
        (n, k0, startIn, endShort, isWrite) => {
          const t = setup("sync");
          const base = 0x40000 - 3 * 16; // so buffers cross the 0x40000 page boundary
          const k = k0 % n;
          t.mte.setMemTagRange(P(0xff, base), n * 16, 0xf3, false);
          t.mte.setMemTagRange(P(0xff, base + k * 16), 16, 0xf9, false);
          const start = base + startIn;
          const size = n * 16 - startIn - (n === 1 ? Math.min(endShort, 15 - startIn) : endShort);
          expect(t.mte.checkAccess(1, P(0xf3, start), size, isWrite, 0)).toBe(TAG_CHECK_FAULT_SYNC);
          // The first granule reports the access address, a later one its own start.
          expect(t.h.sync[0].addr).toBe(P(0xf3, k === 0 ? start : base + k * 16));
          expect(t.h.sync[0].cpu).toBe(1);
        },
      ),
    );
  });

  it("an access that stops short of the bad granule does not fault", () => {
    expect(s.mte.checkAccess(0, P(0xf7, OBJ), 112, true, 0)).toBe(TAG_CHECK_OK);
    expect(s.mte.checkAccess(0, P(0xf7, OBJ + 100), 13, true, 0)).toBe(TAG_CHECK_FAULT_SYNC);
  });
});

describe("tag checks: what is never checked", () => {
  it("a match-all pointer (logical tag 0xF, TCMA1) never faults", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 15 }),
        fc.integer({ min: 0, max: 2 ** 30 }),
        fc.integer({ min: 1, max: 300 }),
        fc.boolean(),
        fc.constantFrom("sync" as const, "async" as const, "asymm" as const),
        fc.constantFrom(0xff, 0x0f, 0x5f),
        (memTag, off, size, isWrite, mode, top) => {
          const t = setup(mode);
          const base = off - (off % 16);
          t.mte.storage.fillTags(base, Math.ceil((off + size - base) / 16) * 16, memTag);
          expect(t.mte.checkAccess(0, P(top, off), size, isWrite, 0)).toBe(TAG_CHECK_OK);
          expect(t.mte.checkTfsr(0)).toBe(false);
          expect(t.h.sync.length + t.h.async.length).toBe(0);
          expect(t.counters.cur.tagChecksSkipped).toBe(1);
          expect(t.counters.cur.tagChecks).toBe(0);
        },
      ),
    );
  });

  it("without TCMA1 the 0xFF pointer is an ordinary tag 0xF and faults on tag-0 memory", () => {
    const t = setup("sync", { tcma1: false });
    expect(t.mte.checkAccess(0, P(0xff, 0x5000), 8, false, 0)).toBe(TAG_CHECK_FAULT_SYNC);
  });

  it("TCF none never faults (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 14 }), fc.integer({ min: 0, max: 2 ** 30 }), fc.integer({ min: 1, max: 300 }), fc.boolean(), (ptrTag, off, size, isWrite) => {
        const t = setup("none");
        const base = off - (off % 16);
        t.mte.storage.fillTags(base, Math.ceil((off + size - base) / 16) * 16, (ptrTag + 1) & 0xf); // all mismatch
        expect(t.mte.checkAccess(0, P(0xf0 | ptrTag, off), size, isWrite, 0)).toBe(TAG_CHECK_OK);
        expect(t.mte.checkTfsr(0)).toBe(false);
        expect(t.h.sync).toEqual([]);
        expect(t.counters.cur.tagChecksSkipped).toBe(1);
      }),
    );
  });

  it("PSTATE.TCO suppresses checks on its CPU only", () => {
    const t = setup("sync");
    t.mte.suppressTagChecksStart(0);
    expect(t.mte.checkAccess(0, P(0xf2, 0x5000), 8, true, 0)).toBe(TAG_CHECK_OK);
    expect(t.mte.checkAccess(1, P(0xf2, 0x5000), 8, true, 0)).toBe(TAG_CHECK_FAULT_SYNC);
    t.mte.suppressTagChecksStop(0);
    expect(t.mte.checkAccess(0, P(0xf2, 0x5000), 8, true, 0)).toBe(TAG_CHECK_FAULT_SYNC);
  });

  it("user-region (TTBR0) addresses are not tag-checked and not counted", () => {
    const t = setup("sync");
    expect(t.mte.checkAccess(0, makePtr(0x03, USER_BASE + 0x1000), 8, true, 0)).toBe(TAG_CHECK_OK);
    expect(t.counters.cur.tagChecks + t.counters.cur.tagChecksSkipped).toBe(0);
  });

  it("store-only checking (TCSO) skips loads, checks stores", () => {
    const t = setup("sync", { storeOnlySupported: true });
    expect(t.mte.enableKernelStoreOnly(0)).toBe(true);
    expect(t.mte.checkAccess(0, P(0xf2, 0x5000), 8, false, 0)).toBe(TAG_CHECK_OK);
    expect(t.mte.checkAccess(0, P(0xf2, 0x5000), 8, true, 0)).toBe(TAG_CHECK_FAULT_SYNC);
    expect(setup("sync").mte.enableKernelStoreOnly(0)).toBe(false); // no FEAT_MTE_STORE_ONLY
  });

  it("vmalloc pages mm reports as untagged never fault; tagged ones follow their frame", () => {
    const t = setup("sync");
    t.mte.setMappingLookup({ vmallocTaggedPhys: (page) => (page === VMALLOC_BASE ? 0x9000 : -1) });
    t.mte.setMemTagRange(P(0xff, 0x9000), 4096, 0xf6, false); // tag the frame via the linear map
    expect(t.mte.checkAccess(0, P(0xf6, VMALLOC_BASE + 8), 8, false, 0)).toBe(TAG_CHECK_OK);
    expect(t.mte.checkAccess(0, P(0xf5, VMALLOC_BASE + 8), 8, false, 0)).toBe(TAG_CHECK_FAULT_SYNC);
    t.mte.enableKernel(0, "sync");
    expect(t.mte.checkAccess(0, P(0xf5, VMALLOC_BASE + 4096), 8, false, 0)).toBe(TAG_CHECK_OK);
    // An access spanning the tagged page's end and the untagged page: only the first is checked.
    expect(t.mte.checkAccess(0, P(0xf6, VMALLOC_BASE + 4090), 16, true, 0)).toBe(TAG_CHECK_OK);
  });

  it("rejects a bad size or CPU", () => {
    const t = setup("sync");
    expect(() => t.mte.checkAccess(0, P(0xf1, 0x1000), 0, false, 0)).toThrow(/size/);
    expect(() => t.mte.checkAccess(2, P(0xf1, 0x1000), 8, false, 0)).toThrow(/cpu/);
  });
});

describe("fault modes (SCTLR_EL1.TCF) and recovery", () => {
  const BAD = P(0xf4, 0x6000); // memory tag is 0

  it("sync: the fault is reported at the access, then checks are off on that CPU only", () => {
    const t = setup("sync");
    expect(t.mte.checkAccess(0, BAD, 8, false, 0x10)).toBe(TAG_CHECK_FAULT_SYNC);
    expect(t.mte.tcf(0)).toBe("none");
    expect(t.mte.tcf(1)).toBe("sync");
    // CPU 0 now misses the next bug; CPU 1 still catches it.
    expect(t.mte.checkAccess(0, BAD, 8, true, 0x11)).toBe(TAG_CHECK_OK);
    expect(t.mte.checkAccess(1, BAD, 8, true, 0x12)).toBe(TAG_CHECK_FAULT_SYNC);
    expect(t.h.sync.map((f) => [f.cpu, f.ip, f.isWrite])).toEqual([
      [0, 0x10, false],
      [1, 0x12, true],
    ]);
    // kasan_enable_hw_tags on CPU 0 re-arms it.
    expect(t.mte.enableKernel(0, "sync")).toBe("sync");
    expect(t.mte.checkAccess(0, BAD, 8, true, 0x13)).toBe(TAG_CHECK_FAULT_SYNC);
    expect(t.counters.cur.tagFaultsSync).toBe(3);
    expect(t.counters.cur.tagChecksSkipped).toBe(1);
  });

  it("async: nothing is reported until a check point, which reports once and clears TF1", () => {
    const t = setup("async");
    expect(t.mte.checkAccess(0, BAD, 8, true, 0)).toBe(TAG_CHECK_FAULT_ASYNC);
    expect(t.mte.checkAccess(0, BAD, 8, false, 0)).toBe(TAG_CHECK_FAULT_ASYNC);
    expect(t.h.async).toEqual([]);
    expect(t.h.sync).toEqual([]);
    expect(t.mte.tfsrPending(0)).toBe(true);
    expect(t.mte.tfsrPending(1)).toBe(false);
    expect(t.mte.tcf(0)).toBe("async"); // checks stay on
    expect(t.mte.checkTfsr(1)).toBe(false);
    expect(t.mte.checkTfsr(0)).toBe(true);
    expect(t.mte.checkTfsr(0)).toBe(false);
    expect(t.h.async).toEqual([{ cpu: 0 }]);
    // Two faulting accesses, one report.
    expect(t.counters.cur.tagFaultsAsync).toBe(2);
    expect(t.mte.regs.asyncOrAsymmMode).toBe(true);
  });

  it("asymm: loads fault synchronously, stores asynchronously", () => {
    const t = setup("asymm");
    expect(t.mte.checkAccess(0, BAD, 8, true, 0)).toBe(TAG_CHECK_FAULT_ASYNC);
    expect(t.h.sync).toEqual([]);
    expect(t.mte.tcf(0)).toBe("asymm");
    expect(t.mte.checkAccess(0, BAD, 8, false, 0x20)).toBe(TAG_CHECK_FAULT_SYNC);
    expect(t.h.sync).toEqual([{ cpu: 0, addr: BAD, isWrite: false, ip: 0x20 }]);
    expect(t.mte.tcf(0)).toBe("none");
    expect(t.mte.checkTfsr(0)).toBe(true);
    expect([t.counters.cur.tagFaultsSync, t.counters.cur.tagFaultsAsync]).toEqual([1, 1]);
  });

  it("asymm without ARM64_MTE_ASYMM falls back to sync", () => {
    const t = setup("none", { asymmSupported: false });
    expect(t.mte.enableKernel(0, "asymm")).toBe("sync");
    expect(t.mte.checkAccess(0, BAD, 8, true, 0)).toBe(TAG_CHECK_FAULT_SYNC);
    expect(t.mte.regs.asyncOrAsymmMode).toBe(false);
  });

  it("checks are off until a CPU is enabled", () => {
    const t = setup("none");
    expect(t.mte.tcf(0)).toBe("none");
    expect(t.mte.checkAccess(0, BAD, 8, true, 0)).toBe(TAG_CHECK_OK);
    expect(() => t.mte.enableKernel(0, "fast" as "sync")).toThrow(/mode/);
  });
});
