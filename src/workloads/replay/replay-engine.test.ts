import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { defaultKernelConfig } from "../../config/kconfig.js";
import { KASAN_MODES, type KasanMode } from "../../config/mode.js";
import { markerMatches, pageOrigin, slotAlign } from "./replay-engine.js";
import { replayChunks, replayTraceFile, ReplayError, type ReplayRunResult } from "./replay.js";
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL, GFP_KERNEL_ACCOUNT, __GFP_COMP, __GFP_ZERO } from "../../mm/gfp.js";

const TRACES = new URL("../../../../shared/reference/traces/", import.meta.url);

function runs(modes: readonly KasanMode[]) {
  return modes.map((mode) => ({ mode, policy: "baseline", boot: { mode, config: defaultKernelConfig(mode), seed: 1 } }));
}

function ev(r: ReplayRunResult, event: string) {
  return r.events.find((e) => e.event === event);
}

const H = (task: string, ts: string) => `${task.padStart(16)}       [000] .....     ${ts}: `;

describe("replaying a small hand-written trace", () => {
  it("maps pointers, claims slab pages, counts unplaceable frees, honours the marker window", async () => {
    const text = [
      "# tracer: nop",
      // Before the window: a kmalloc that stays live (built silently).
      H("init-1", "1.0") + "kmalloc: call_site=foo+0x10/0x40 ptr=f4ff000006e16f00 bytes_req=100 bytes_alloc=128 gfp_flags=GFP_KERNEL node=-1 accounted=false",
      H("init-1", "1.1") + "tracing_mark_write: ORACLE_MARK BEGIN",
      // A page allocation followed by a cache object inside it: pfn 0x46e6b ↔ linear 0x6e6b000 (+1 GiB PHYS_OFFSET).
      H("init-1", "1.2") + "mm_page_alloc: page=fffffdffc01b9ac0 pfn=0x46e6b order=0 migratetype=0 gfp_flags=GFP_KERNEL",
      H("init-1", "1.3") + "kmem_cache_alloc: call_site=bar+0x8/0x40 ptr=f3ff000006e6b040 bytes_req=56 bytes_alloc=64 gfp_flags=GFP_KERNEL node=-1 accounted=false",
      H("init-1", "1.4") + "kmem_cache_free: call_site=baz+0x8/0x40 ptr=f3ff000006e6b040 name=my_cache",
      // The pre-window object is freed inside the window (tag differs: stripped).
      H("init-1", "1.5") + "kfree: call_site=foo+0x20/0x40 ptr=f9ff000006e16f00",
      // Never allocated in the trace.
      H("init-1", "1.6") + "kfree: call_site=foo+0x20/0x40 ptr=f9ff000006e16000",
      H("init-1", "1.7") + "sched_switch: prev_comm=init",
      H("init-1", "1.8") + "tracing_mark_write: ORACLE_MARK END",
      H("init-1", "1.9") + "kmalloc: call_site=foo+0x10/0x40 ptr=f4ff000006e17000 bytes_req=8 bytes_alloc=16 gfp_flags=GFP_KERNEL node=-1 accounted=false",
      "",
    ].join("\n");
    const r = await replayChunks([Buffer.from(text)], { runs: runs(["off", "generic"]), fromMark: "BEGIN", toMark: "END" });
    // 10 event lines (the header and the empty line are not events).
    expect(r.trace.events).toBe(10);
    for (const run of r.runs) {
      // Before the window: kmalloc + the BEGIN marker; after: the last kmalloc.
      expect(ev(run, "kmalloc")).toMatchObject({ total: 2, beforeWindow: 1, afterWindow: 1 });
      expect(ev(run, "tracing_mark_write")).toMatchObject({ total: 2, beforeWindow: 1, marker: 1 });
      // The page was the cache object's slab page: derived, not replayed.
      expect(ev(run, "mm_page_alloc")).toMatchObject({ total: 1, derived: 1, replayed: 0 });
      expect(ev(run, "kmem_cache_alloc")).toMatchObject({ total: 1, replayed: 1 });
      expect(ev(run, "kmem_cache_free")).toMatchObject({ total: 1, replayed: 1 });
      expect(ev(run, "kfree")).toMatchObject({ total: 2, replayed: 1, unplaceable: 1 });
      expect(ev(run, "other")).toMatchObject({ total: 1, ignored: 1 });
      expect(run.otherEvents).toEqual({ sched_switch: 1 });
      expect(run.unplaceable).toEqual({ "kfree of an object allocated before tracing started": 1 });
      // The cache took the name its free revealed (56-byte objects, 64-byte traced slots).
      expect(run.caches.map((c) => [c.name, c.objectSize, c.slotSize])).toEqual([["my_cache", 56, 64]]);
      // Everything allocated in the window was freed, and the pre-window object too.
      expect(run.liveObjects).toBe(0);
      const sum = run.events.reduce((a, e) => a + e.total, 0);
      expect(sum).toBe(10);
    }
    // Nothing traced is live at the end, so no live slot bytes; generic did replay slab work.
    const [off, generic] = r.runs;
    expect(off.memory.live.slotBytes).toBe(0);
    expect(generic.total.slabAllocs).toBeGreaterThan(0);
  });

  it("a page freed while its allocation still waits for a claim is replayed, then freed", async () => {
    const text = [
      // pfn 0x41000 and 0x42000 share a pending bucket (both ≡ 0 mod 4096); neither gets a slab object.
      H("init-1", "1.0") + "mm_page_alloc: page=fffffdffc0000000 pfn=0x41000 order=0 migratetype=0 gfp_flags=GFP_KERNEL",
      H("init-1", "1.1") + "mm_page_alloc: page=fffffdffc0000000 pfn=0x42000 order=0 migratetype=0 gfp_flags=GFP_KERNEL",
      H("init-1", "1.2") + "mm_page_free: page=fffffdffc0000000 pfn=0x42000 order=0",
      // Same bucket, never allocated in the trace.
      H("init-1", "1.3") + "mm_page_free: page=fffffdffc0000000 pfn=0x43000 order=0",
      "",
    ].join("\n");
    const r = await replayChunks([Buffer.from(text)], { runs: runs(["off"]) });
    const run = r.runs[0];
    // 0x42000: replayed at its free, then freed; 0x41000 replayed when the input ends.
    expect(ev(run, "mm_page_alloc")).toMatchObject({ total: 2, replayed: 2 });
    expect(ev(run, "mm_page_free")).toMatchObject({ total: 2, replayed: 1, unplaceable: 1 });
  });

  it("a malformed line stops the replay with its line number, or is skipped with --lenient", async () => {
    const bad = H("init-1", "1.0") + "kmalloc: call_site=foo+0x10/0x40 ptr=f4ff000006e16f00 bytes_req=1x0";
    await expect(replayChunks([Buffer.from(`# hdr\n${bad}\n`)], { runs: runs(["off"]) })).rejects.toThrow(new ReplayError(2, 'line 2: kmalloc: field bytes_req: expected a decimal integer, got "1x0"'));
    const r = await replayChunks([Buffer.from(`# hdr\n${bad}\n`)], { runs: runs(["off"]), lenient: true });
    expect([r.trace.events, r.trace.malformedLines]).toEqual([0, 1]);
  });
});

describe("replay helpers", () => {
  it("slotAlign finds the alignment that turns bytes_req into bytes_alloc", () => {
    // 56 → 64: ceil(56/8)·8 = 56, ceil(56/16)·16 = 64 ⇒ 16.
    // 96 → 112: 8, 16, 32 keep 96, 64 gives 128 > 112 ⇒ no power of two fits ⇒ 0 (cache default).
    expect(slotAlign(56, 64)).toBe(16);
    expect(slotAlign(64, 64)).toBe(8);
    expect(slotAlign(96, 112)).toBe(0);
    // 3328 = 13·256 ⇒ align 8 already gives 3328.
    expect(slotAlign(3328, 3328)).toBe(8);
  });

  it("markers match by full text or last word", () => {
    expect(markerMatches("ORACLE_MARK THREAD_BEGIN", "THREAD_BEGIN")).toBe(true);
    expect(markerMatches("ORACLE_MARK THREAD_BEGIN", "ORACLE_MARK THREAD_BEGIN")).toBe(true);
    expect(markerMatches("ORACLE_MARK THREAD_BEGIN", "BEGIN")).toBe(false);
  });

  it("page origins: user pages by __GFP_HARDWALL, page tables by GFP_PGTABLE_* at order 0", () => {
    expect(pageOrigin(GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_ZERO, 0)).toBe("userPage");
    expect(pageOrigin(GFP_KERNEL_ACCOUNT | __GFP_COMP | __GFP_ZERO, 0)).toBe("pageTable");
    expect(pageOrigin(GFP_KERNEL_ACCOUNT | __GFP_COMP | __GFP_ZERO, 1)).toBe("other");
    expect(pageOrigin(GFP_KERNEL, 0)).toBe("other");
  });
});

describe("replaying trace-boot.txt", () => {
  it("accounts for every event under every mode", async () => {
    const path = new URL("trace-boot.txt", TRACES);
    // The event count, derived from the file itself: lines with ": <event>: " after the timestamp.
    const text = readFileSync(path, "latin1");
    const expected = text.split("\n").filter((l) => /^\s*\S.*\[\d+\] \S+\s+[\d.]+: [a-z_0-9]+: /.test(l)).length;
    expect(expected).toBe(69423);
    const r = await replayTraceFile(path.pathname, { runs: runs(KASAN_MODES) });
    expect(r.trace.events).toBe(expected);
    for (const run of r.runs) {
      const sum = run.events.reduce((a, e) => a + e.total, 0);
      expect(sum).toBe(expected);
      // Outcomes add up per kind too.
      for (const e of run.events) {
        const parts = e.replayed + e.derived + e.unplaceable + e.failedInTrace + e.failedInModel + e.ignored + e.marker + e.beforeWindow + e.afterWindow;
        expect(parts).toBe(e.total);
      }
      expect(run.memory.slabPagesPeak).toBeGreaterThanOrEqual(run.memory.slabPagesEnd);
    }
    const slab = Object.fromEntries(r.runs.map((x) => [x.mode, x.memory.slabPagesEnd]));
    // Generic's redzones, metadata and quarantine make its slab larger than without KASAN.
    expect(slab.generic).toBeGreaterThan(slab.off);
  });
});
