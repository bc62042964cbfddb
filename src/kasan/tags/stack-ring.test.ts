import { describe, expect, it } from "vitest";
import { makePtr } from "../../arch/pointer.js";
import { Counters } from "../../cost/counters.js";
import { StackRing } from "./stack-ring.js";

describe("tag modes' stack ring (save_stack_info / kasan_complete_mode_report_info)", () => {
  it("fills slot pos % size round-robin: the newest entries win after a wrap", () => {
    const counters = new Counters();
    const ring = new StackRing(3, counters);
    const obj = makePtr(0xf4, 0x1000);
    // 7 saves into 3 slots: pos 0..6, slots 0,1,2,0,1,2,0. The survivors are pos 4 (slot 1,
    // alloc by pid 4), pos 5 (slot 2, free by pid 5) and pos 6 (slot 0, alloc by pid 6).
    for (let pos = 0; pos < 7; pos++) ring.saveRecord(obj, 64, pos, 100 + pos, pos % 2 === 1);
    expect(ring.position).toBe(7);
    expect(counters.cur.stackRingInserts).toBe(7);
    // Walking back from pos 6: alloc (pid 6) first ⇒ slab-out-of-bounds, then the free (pid 5).
    const r = ring.lookup(0x1000, 0xf4, 64);
    expect(r.bugType).toBe("slab-out-of-bounds");
    expect(r.allocTrack).toEqual({ pid: 6, stack: 106 });
    expect(r.freeTrack).toEqual({ pid: 5, stack: 105 });
  });

  it("save(track) and saveRecord(pid, stack) store the same entry", () => {
    const a = new StackRing(4, new Counters());
    const b = new StackRing(4, new Counters());
    const obj = makePtr(0xf9, 0x2040);
    a.save(obj, 32, { pid: 17, stack: 0x1234 }, true);
    b.saveRecord(obj, 32, 17, 0x1234, true);
    expect(a.lookup(0x2040, 0xf9, 32)).toEqual(b.lookup(0x2040, 0xf9, 32));
    expect(b.lookup(0x2040, 0xf9, 32)).toEqual({ freeTrack: { pid: 17, stack: 0x1234 }, bugType: "slab-use-after-free" });
  });
});
