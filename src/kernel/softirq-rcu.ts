/**
 * call_rcu as kernel code on a CPU sees it: the callback later runs on the CPU that queued it, in
 * softirq context (RCU_SOFTIRQ; `ctx.inIrq` is set, so e.g. vfree defers to vfree_atomic), and
 * its work is attributed to the origin the caller names. Grace periods end only where a workload
 * says so (`k.rcu.advanceGracePeriod()`), after which `runDeferredWork` runs the work items
 * softirq callbacks queued (vfree_atomic's free_work), as a kworker would.
 */
import type { Counters, Origin } from "../cost/counters.js";
import type { ExecContext } from "../lib/context.js";
import type { Vmalloc } from "../mm/vmalloc/vmalloc.js";
import type { Rcu } from "../rcu/rcu.js";

export class SoftirqRcu {
  constructor(
    private readonly rcu: Rcu,
    private readonly ctx: ExecContext,
    private readonly counters: Counters,
    private readonly vmalloc: Vmalloc,
  ) {}

  callRcu(origin: Origin, fn: () => void): void {
    const cpu = this.ctx.cpu;
    const ctx = this.ctx;
    const counters = this.counters;
    this.rcu.callRcu(() => {
      const prevCpu = ctx.cpu;
      const prevIrq = ctx.inIrq;
      ctx.cpu = cpu;
      ctx.inIrq = true;
      counters.enter(origin);
      try {
        fn();
      } finally {
        counters.leave();
        ctx.cpu = prevCpu;
        ctx.inIrq = prevIrq;
      }
    });
  }

  /**
   * The task sleeps long enough for every callback queued so far to run (rcu_barrier semantics:
   * as many grace periods as they need end), then the deferred vfree work they queued runs. In the modelled workloads only kernel stacks (thread
   * stacks and shadow call stacks) are vfree_atomic'ed, so that work counts as "threadStack".
   */
  gracePeriod(): void {
    this.rcu.barrier();
    this.runDeferredWork();
  }

  runDeferredWork(): void {
    this.counters.enter("threadStack");
    try {
      this.vmalloc.runPendingWork();
    } finally {
      this.counters.leave();
    }
  }

  get pending(): number {
    return this.rcu.pendingCallbacks;
  }
}
