import { describe, expect, it } from "vitest";
import { makePtr } from "../../arch/pointer.js";
import { fakeCache, kptr, makeTestKasan, TEST_OFF, TEST_PFN } from "../testing/fakes.js";

/** Two bad accesses and one double free against freed page memory (Generic shadow ff). */
function badSequence(cmdline: string) {
  const t = makeTestKasan("generic", cmdline);
  const cache = fakeCache({ objectSize: 32, size: 64 });
  t.describer.addSlab(cache, TEST_PFN + 1, 0);
  const a = t.kasan.access.read(kptr(TEST_OFF), 1); // boot page: KASAN_PAGE_FREE
  const b = t.kasan.access.write(kptr(TEST_OFF + 8), 1);
  return { ...t, a, b, cache };
}

describe("report_enabled(): one-shot vs kasan_multi_shot", () => {
  it("without kasan_multi_shot only the first bug is reported; later accesses proceed", () => {
    const { kasan, counters, a, b } = badSequence("");
    expect(kasan.reports.count).toBe(1);
    expect(a).toBe(false);
    // kasan_report() returned false (not reported), so check_region_inline lets it through.
    expect(b).toBe(true);
    expect(counters.cur.reports).toBe(1);
    expect(counters.cur.reportsSuppressed).toBe(1);
    expect(kasan.reporter?.hasReported).toBe(true);
  });

  it("frees are gated by the same one-shot bit", () => {
    const { kasan, cache } = badSequence("");
    kasan.hooks.slabPreFree(cache, kptr(TEST_OFF + 4096 + 1), 0);
    expect(kasan.reports.count).toBe(1);
  });

  it("with kasan_multi_shot every bug is reported", () => {
    const { kasan, a, b } = badSequence("kasan_multi_shot");
    expect([a, b]).toEqual([false, false]);
    expect(kasan.reports.events.map((e) => [e.seq, e.isWrite])).toEqual([
      [0, false],
      [1, true],
    ]);
  });

  it("kasan_save_enable_multi_shot / kasan_restore_multi_shot bracket a test suite", () => {
    const { kasan } = makeTestKasan("generic");
    const r = kasan.reporter!;
    const prev = r.saveEnableMultiShot();
    expect(prev).toBe(false);
    kasan.access.read(kptr(TEST_OFF), 1);
    kasan.access.read(kptr(TEST_OFF), 1);
    r.restoreMultiShot(prev);
    expect(r.multiShotEnabled).toBe(false);
    // Multi-shot never sets KASAN_BIT_REPORTED, so the first one-shot report still goes out…
    kasan.access.read(kptr(TEST_OFF), 1);
    expect(kasan.reports.count).toBe(3);
    // …and only then are further bugs suppressed.
    kasan.access.read(kptr(TEST_OFF), 1);
    expect(kasan.reports.count).toBe(3);
  });
});

describe("report_suppressed_sw(): kasan_disable_current()", () => {
  it("suppresses access reports of the current task only, never invalid frees", () => {
    const t = makeTestKasan("generic", "kasan_multi_shot");
    const cache = fakeCache({ objectSize: 32, size: 64 });
    t.describer.addSlab(cache, TEST_PFN, 0);
    const r = t.kasan.reporter!;
    r.disableCurrent();
    expect(r.currentDepth()).toBe(-1);
    expect(t.kasan.access.read(kptr(TEST_OFF), 1)).toBe(true);
    t.kasan.hooks.slabPreFree(cache, kptr(TEST_OFF + 1), 0); // invalid free still reported
    t.ctx.pid = 7; // another task is not suppressed
    expect(t.kasan.access.read(kptr(TEST_OFF), 1)).toBe(false);
    t.ctx.pid = 42;
    r.enableCurrent();
    expect(t.kasan.access.read(kptr(TEST_OFF), 1)).toBe(false);
    expect(t.kasan.reports.events.map((e) => [e.type, e.pid])).toEqual([
      ["invalid-free", 42],
      ["access", 7],
      ["access", 42],
    ]);
  });
});

describe("end_report(): panic decisions", () => {
  it("panic_on_warn panics after the first report unless multi-shot", () => {
    const { kasan } = badSequence("panic_on_warn=1");
    expect(kasan.reports.events[0].panic).toBe("KASAN: panic_on_warn set ...");
    expect(kasan.reports.panicked).toBe("KASAN: panic_on_warn set ...");
    const multi = badSequence("panic_on_warn=1 kasan_multi_shot");
    expect(multi.kasan.reports.panicked).toBeUndefined();
    expect(multi.kasan.reports.count).toBe(2);
  });

  it("kasan.fault=panic_on_write ignores reads, panics on writes and on bad frees", () => {
    const { kasan, cache } = badSequence("kasan.fault=panic_on_write kasan_multi_shot");
    expect(kasan.reports.events.map((e) => e.panic)).toEqual([undefined, "kasan.fault=panic_on_write set ..."]);
    // The kernel is dead after a panic: nothing more is reported.
    kasan.hooks.slabPreFree(cache, kptr(TEST_OFF + 4096 + 1), 0);
    expect(kasan.reports.count).toBe(2);
    const free = makeTestKasan("generic", "kasan.fault=panic_on_write");
    const c = fakeCache({ objectSize: 32, size: 64 });
    free.describer.addSlab(c, TEST_PFN, 0);
    free.kasan.hooks.slabPreFree(c, kptr(TEST_OFF + 1), 0);
    expect(free.kasan.reports.events[0].panic).toBe("kasan.fault=panic_on_write set ...");
  });

  it("kasan.fault=panic panics on a read too", () => {
    const { kasan } = badSequence("kasan.fault=panic");
    expect(kasan.reports.panicked).toBe("kasan.fault=panic set ...");
  });

  it("a listener sees each event as it is produced", () => {
    const t = makeTestKasan("sw_tags", "kasan_multi_shot");
    const seen: string[] = [];
    t.kasan.reports.listener = (e) => seen.push(`${e.bugType}@${e.seq}`);
    t.kasan.access.read(makePtr(0xef, TEST_OFF), 1); // tag ef on boot memory (shadow fe)
    expect(seen).toEqual(["invalid-access@0"]);
  });
});
