import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Counters } from "../cost/counters.js";
import { Rcu } from "./rcu.js";

function make(nrCpus = 2): { rcu: Rcu; counters: Counters; ran: string[] } {
  const counters = new Counters();
  return { rcu: new Rcu({ nrCpus, counters }), counters, ran: [] };
}

describe("RCU grace periods", () => {
  it("runs call_rcu callbacks in queue order once a grace period ends", () => {
    const { rcu, counters, ran } = make();
    rcu.callRcu(() => ran.push("a"));
    rcu.callRcu(() => ran.push("b"));
    // "a" found RCU idle and started GP 1, so it needs GP 1; "b" arrived while GP 1 was
    // running (readers from before "b" may be inside it), so it needs GP 2.
    rcu.advanceGracePeriod();
    expect(ran).toEqual(["a"]);
    rcu.advanceGracePeriod();
    expect(ran).toEqual(["a", "b"]);
    expect(counters.byOrigin.other.rcuCallbacks).toBe(2);
    expect(rcu.completed).toBe(2);
  });

  it("ends a grace period when every CPU has reported a quiescent state, not before", () => {
    const { rcu, ran } = make(3);
    rcu.callRcu(() => ran.push("x"));
    rcu.quiescentState(0);
    rcu.quiescentState(0);
    rcu.quiescentState(2);
    expect(ran).toEqual([]);
    rcu.quiescentState(1);
    expect(ran).toEqual(["x"]);
    expect(rcu.gpInProgress).toBe(false);
  });

  it("holds a grace period open while a CPU is inside rcu_read_lock()", () => {
    const { rcu, ran } = make(2);
    rcu.readLock(1);
    rcu.callRcu(() => ran.push("x"));
    rcu.quiescentState(0);
    rcu.quiescentState(1); // ignored: CPU 1 is a reader
    expect(ran).toEqual([]);
    expect(() => rcu.advanceGracePeriod()).toThrow(/rcu_read_lock/);
    rcu.readUnlock(1);
    rcu.quiescentState(1);
    expect(ran).toEqual(["x"]);
    expect(() => rcu.readUnlock(1)).toThrow(/not inside/);
  });

  it("makes callbacks queued by a callback wait for a later grace period", () => {
    const { rcu, ran } = make();
    rcu.callRcu(() => {
      ran.push("outer");
      rcu.callRcu(() => ran.push("inner"));
    });
    rcu.advanceGracePeriod();
    expect(ran).toEqual(["outer"]);
    expect(rcu.gpInProgress).toBe(true); // the pending callback started the next one
    rcu.advanceGracePeriod();
    expect(ran).toEqual(["outer", "inner"]);
  });

  it("synchronize_rcu waits for a grace period that starts after the call", () => {
    const { rcu } = make();
    rcu.synchronizeRcu(); // idle: one grace period
    expect(rcu.completed).toBe(1);
    rcu.callRcu(() => {}); // starts GP 2
    rcu.synchronizeRcu(); // GP 2 was already running: needs GP 3 to end
    expect(rcu.completed).toBe(3);
  });

  it("rcu_barrier waits for every queued callback; kvfree_rcu_barrier only for kvfree ones", () => {
    const { rcu, ran } = make();
    rcu.callRcu(() => ran.push("c1")); // needs GP 1
    rcu.callRcu(() => ran.push("k1"), "kvfree_rcu"); // needs GP 2
    rcu.callRcu(() => ran.push("c2")); // needs GP 2
    rcu.kvfreeBarrier();
    expect(ran).toEqual(["c1", "k1", "c2"]);
    rcu.callRcu(() => ran.push("c3"));
    rcu.kvfreeBarrier(); // nothing kvfree pending: returns at once
    expect(ran.length).toBe(3);
    rcu.barrier();
    expect(ran).toEqual(["c1", "k1", "c2", "c3"]);
    expect(rcu.pendingCallbacks).toBe(0);
  });

  it("refuses to wait for a grace period from inside a callback, and bad CPUs", () => {
    const { rcu } = make();
    let err: unknown;
    rcu.callRcu(() => {
      try {
        rcu.synchronizeRcu();
      } catch (e) {
        err = e;
      }
    });
    rcu.advanceGracePeriod();
    expect(String(err)).toMatch(/inside an RCU callback/);
    expect(() => rcu.quiescentState(2)).toThrow(/cpu must be/);
    expect(() => new Rcu({ nrCpus: 0, counters: new Counters() })).toThrow(/nrCpus/);
  });

  it("runs each callback exactly once, in order, whatever the quiescent-state schedule (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 2 })), { maxLength: 200 }), (steps) => {
        const { rcu, ran } = make(3);
        let queued = 0;
        for (const s of steps) {
          if (s < 0) {
            const id = queued++;
            rcu.callRcu(() => ran.push(String(id)));
          } else {
            rcu.quiescentState(s);
          }
        }
        rcu.barrier();
        expect(ran).toEqual(Array.from({ length: queued }, (_, i) => String(i)));
      }),
    );
  });
});
