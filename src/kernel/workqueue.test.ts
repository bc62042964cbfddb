/** workqueue: queue_work records the aux stack; destroy_workqueue runs items in a kworker. */
import { describe, expect, it } from "vitest";
import { bootKernel } from "./kernel.js";
import { WORK_STRUCT_SIZE, Workqueue } from "./workqueue.js";
import { GFP_KERNEL } from "../mm/gfp.js";

describe("workqueue", () => {
  it("runs a queued work in the kworker on destroy, and a freed work is then a use-after-free", () => {
    const k = bootKernel({ mode: "generic", seed: 1 });
    const env = { ctx: k.ctx, access: k.access, hooks: k.kasan.hooks, kzalloc: (s: number, g: number) => k.slab.kzalloc(s, g), kfree: (p: number, ip: number) => k.slab.kfree(p, ip) };
    const wq = Workqueue.create(env, "kasan_workqueue_test", { pid: 28, comm: "kworker/0:1" });
    const work = k.slab.kmalloc(WORK_STRUCT_SIZE, GFP_KERNEL);
    Workqueue.initWork(env, work, 0);
    const ran: { pid: number; comm: string }[] = [];
    expect(wq.queueWork(work, (w) => (ran.push({ pid: k.ctx.pid, comm: k.ctx.comm }), k.slab.kfree(w)), 0)).toBe(true);
    expect(wq.queueWork(work, () => undefined, 0)).toBe(false); // already pending
    expect(ran).toEqual([]);
    wq.destroy(0);
    expect(ran).toEqual([{ pid: 28, comm: "kworker/0:1" }]);
    expect(k.ctx.pid).toBe(0);
    expect(k.access.read(work, 8)).toBe(false);
    const e = k.reports.events[0];
    expect(e.bugType).toBe("slab-use-after-free");
    // Generic keeps queue_work's stack as the first auxiliary stack of the object.
    expect(e.object?.auxStacks?.[0]).not.toBe(0);
    expect(() => wq.queueWork(work, () => undefined, 0)).toThrow(/destroyed/);
  });
});
