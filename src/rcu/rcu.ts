/**
 * Deterministic RCU (the model of kernel/rcu/tree.c as the rest of the kernel sees it).
 *
 * Time does not pass on its own: a grace period ends only when the simulation says so, either
 * by every CPU reporting a quiescent state (`quiescentState(cpu)`, what a context switch, a
 * return to user space or an idle loop does) or by `advanceGracePeriod()` (all CPUs pass through
 * a quiescent state at once). Workloads call these at documented points, so the same run
 * always frees the same objects at the same moment.
 *
 * Grace periods are numbered like rcu_state.gp_seq: `completed` counts the ones that ended.
 * A callback queued while no grace period is running starts one and needs it to end; a callback
 * queued while one is running needs the *next* one, because readers that started before the
 * callback was queued may still be inside the running one (the kernel's rcu_seq_snap rule).
 * When a grace period ends, every callback whose grace period is complete runs, in the order
 * they were queued (kernel: per-CPU FIFO; here one global FIFO, which is one valid ordering).
 * Callbacks queued by a running callback wait for a later grace period.
 */
import type { Counters } from "../cost/counters.js";

/** What a callback was queued by: call_rcu(), or kvfree_rcu()/kfree_rcu() (kvfree_call_rcu). */
export type RcuCallbackKind = "call_rcu" | "kvfree_rcu";

export interface RcuOptions {
  nrCpus: number;
  counters: Counters;
}

export class Rcu {
  readonly nrCpus: number;
  private readonly counters: Counters;
  /** Grace periods completed so far. */
  private gpCompleted = 0;
  private gpRunning = false;
  /** Per CPU: 1 while the running grace period still waits for this CPU's quiescent state. */
  private readonly qsNeeded: Uint8Array;
  private qsOutstanding = 0;
  /** rcu_read_lock() nesting per CPU. */
  private readonly readDepth: Int32Array;
  // The callback FIFO: parallel arrays from `head` to the end.
  private cbFn: (() => void)[] = [];
  private cbNeed: number[] = [];
  private cbKind: RcuCallbackKind[] = [];
  private head = 0;
  private invoking = false;

  constructor(opts: RcuOptions) {
    if (!Number.isInteger(opts.nrCpus) || opts.nrCpus < 1) {
      throw new Error(`Rcu: nrCpus must be a positive integer, got ${opts.nrCpus}`);
    }
    this.nrCpus = opts.nrCpus;
    this.counters = opts.counters;
    this.qsNeeded = new Uint8Array(opts.nrCpus);
    this.readDepth = new Int32Array(opts.nrCpus);
  }

  /** Number of grace periods that have ended. */
  get completed(): number {
    return this.gpCompleted;
  }

  /** A grace period has started and not yet ended. */
  get gpInProgress(): boolean {
    return this.gpRunning;
  }

  /** Callbacks queued and not yet invoked. */
  get pendingCallbacks(): number {
    return this.cbFn.length - this.head;
  }

  /** call_rcu(head, func): run `fn` after a full grace period. */
  callRcu(fn: () => void, kind: RcuCallbackKind = "call_rcu"): void {
    if (typeof fn !== "function") throw new Error("callRcu: fn must be a function");
    // rcu_seq_snap: the grace period that starts after now must end.
    const need = this.gpRunning ? this.gpCompleted + 2 : this.gpCompleted + 1;
    this.cbFn.push(fn);
    this.cbNeed.push(need);
    this.cbKind.push(kind);
    if (!this.gpRunning && !this.invoking) this.startGp();
  }

  /** rcu_read_lock() on `cpu`: that CPU reports no quiescent state until the matching unlock. */
  readLock(cpu: number): void {
    this.checkCpu(cpu, "readLock");
    this.readDepth[cpu]++;
  }

  /** rcu_read_unlock() on `cpu`. */
  readUnlock(cpu: number): void {
    this.checkCpu(cpu, "readUnlock");
    if (this.readDepth[cpu] === 0) throw new Error(`readUnlock: cpu ${cpu} is not inside rcu_read_lock()`);
    this.readDepth[cpu]--;
  }

  /** True while `cpu` is inside an RCU read-side critical section. */
  inReadSection(cpu: number): boolean {
    this.checkCpu(cpu, "inReadSection");
    return this.readDepth[cpu] > 0;
  }

  /**
   * `cpu` passes through a quiescent state (context switch, user mode, idle). Ignored inside a
   * read-side critical section. The last CPU the running grace period waited for ends it.
   */
  quiescentState(cpu: number): void {
    this.checkCpu(cpu, "quiescentState");
    if (!this.gpRunning || this.readDepth[cpu] > 0 || this.qsNeeded[cpu] === 0) return;
    this.qsNeeded[cpu] = 0;
    if (--this.qsOutstanding === 0) this.endGp();
  }

  /**
   * Let one full grace period elapse: every CPU passes through a quiescent state. Ends the
   * running grace period, or starts and ends one when none is running. Callbacks that became
   * ready run before this returns.
   */
  advanceGracePeriod(): void {
    this.checkNotInCallback("advanceGracePeriod");
    for (let cpu = 0; cpu < this.nrCpus; cpu++) {
      if (this.readDepth[cpu] > 0) {
        throw new Error(`advanceGracePeriod: cpu ${cpu} is inside rcu_read_lock(); the grace period cannot end`);
      }
    }
    if (!this.gpRunning) this.startGp();
    this.endGp();
  }

  /** synchronize_rcu(): returns once a grace period that started after the call has ended. */
  synchronizeRcu(): void {
    this.checkNotInCallback("synchronizeRcu");
    const target = this.gpRunning ? this.gpCompleted + 2 : this.gpCompleted + 1;
    while (this.gpCompleted < target) this.advanceGracePeriod();
  }

  /** rcu_barrier(): returns once every callback queued before the call has run. */
  barrier(): void {
    this.checkNotInCallback("barrier");
    this.waitFor(() => true);
  }

  /** kvfree_rcu_barrier(): returns once every kvfree_rcu()/kfree_rcu() queued before has run. */
  kvfreeBarrier(): void {
    this.checkNotInCallback("kvfreeBarrier");
    this.waitFor((k) => k === "kvfree_rcu");
  }

  private waitFor(match: (kind: RcuCallbackKind) => boolean): void {
    let target = -1;
    for (let i = this.head; i < this.cbFn.length; i++) if (match(this.cbKind[i])) target = Math.max(target, this.cbNeed[i]);
    while (this.gpCompleted < target) this.advanceGracePeriod();
  }

  private startGp(): void {
    this.gpRunning = true;
    this.qsNeeded.fill(1);
    this.qsOutstanding = this.nrCpus;
  }

  private endGp(): void {
    this.gpRunning = false;
    this.qsOutstanding = 0;
    this.qsNeeded.fill(0);
    this.gpCompleted++;
    this.invokeReady();
    if (this.pendingCallbacks > 0) this.startGp();
  }

  /** rcu_do_batch(): run every callback whose grace period has ended, oldest first. */
  private invokeReady(): void {
    this.invoking = true;
    try {
      while (this.head < this.cbFn.length && this.cbNeed[this.head] <= this.gpCompleted) {
        const fn = this.cbFn[this.head];
        this.head++;
        this.counters.cur.rcuCallbacks++;
        fn();
      }
    } finally {
      this.invoking = false;
      this.compact();
    }
  }

  private compact(): void {
    if (this.head === this.cbFn.length) {
      this.cbFn = [];
      this.cbNeed = [];
      this.cbKind = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.cbFn.length) {
      this.cbFn = this.cbFn.slice(this.head);
      this.cbNeed = this.cbNeed.slice(this.head);
      this.cbKind = this.cbKind.slice(this.head);
      this.head = 0;
    }
  }

  private checkCpu(cpu: number, fn: string): void {
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.nrCpus) {
      throw new Error(`${fn}: cpu must be an integer in [0, ${this.nrCpus}), got ${cpu}`);
    }
  }

  private checkNotInCallback(fn: string): void {
    if (this.invoking) throw new Error(`${fn}: cannot wait for a grace period from inside an RCU callback`);
  }
}
