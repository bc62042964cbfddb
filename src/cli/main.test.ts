import { afterEach, describe, expect, it, vi } from "vitest";
import { captureStdio } from "../../test/helpers/capture-stdio.js";
import { main } from "./main.js";

const capture = captureStdio;

afterEach(() => vi.restoreAllMocks());

describe("kasan-sim CLI", () => {
  it("--help lists the demo command and exits 0", async () => {
    const c = capture();
    expect(await main(["--help"])).toBe(0);
    expect(c.out()).toMatch(/Usage: kasan-sim/);
    expect(c.out()).toMatch(/demo/);
  });

  it("demo --json prints the counters and the tag-check fault report", async () => {
    const c = capture();
    expect(await main(["demo", "--json", "--seed", "7"])).toBe(0);
    const r = JSON.parse(c.out());
    expect(r.mode).toBe("hw_tags");
    // kmalloc(107) in kmalloc-128 under hw_tags: the offset-112 write hits the 0xFE tail granule
    // (slab-out-of-bounds from the stack ring's alloc entry); the read after kfree hits the
    // re-tagged object (slab-use-after-free). Offset 107 is inside granule 6 and goes unseen.
    expect(r.reports.map((e: { bugType: string }) => e.bugType)).toEqual(["slab-out-of-bounds", "slab-use-after-free"]);
    expect(r.reports[0].accessSize).toBe(0); // tag faults carry no size
    expect(r.counters.irg).toBeGreaterThan(0);
    expect(r.counters.tagFaultsSync).toBe(2);
    // 7 granules of 0xF? then the 0xFE tail granule (112..128), then the next object's granule
    expect(r.memoryTags.slice(0, 8).every((t: number, i: number) => (i < 7 ? t === r.pointerTag : t === 0xfe))).toBe(true);
  });

  it("demo is deterministic for a seed and varies with it", async () => {
    const a = capture();
    await main(["demo", "--json", "--seed", "3"]);
    const first = a.out();
    vi.restoreAllMocks();
    const b = capture();
    await main(["demo", "--json", "--seed", "3"]);
    expect(b.out()).toBe(first);
  });

  it("generic catches the 1-byte overflow the tag modes cannot see", async () => {
    const c = capture();
    await main(["demo", "--json", "--mode", "generic"]);
    const r = JSON.parse(c.out());
    expect(r.reports.map((e: { bugType: string }) => e.bugType)).toEqual(["slab-out-of-bounds", "slab-out-of-bounds", "slab-use-after-free"]);
  });

  it("bad input exits 2 with a message naming the option", async () => {
    const c = capture();
    expect(await main(["demo", "--mode", "bogus"])).toBe(2);
    expect(c.err()).toMatch(/--mode: expected one of generic, sw_tags, hw_tags, off, got "bogus"/);
    expect(await main(["demo", "--seed", "-1"])).toBe(2);
    expect(await main(["no-such-command"])).toBe(2);
  });
});
