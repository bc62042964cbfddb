/**
 * Enough of kernel/workqueue.c for work items that outlive their queue's caller:
 * alloc_workqueue/create_workqueue allocate the workqueue_struct, queue_work() marks the work
 * pending (test_and_set_bit on work->data), records the queueing stack as a KASAN auxiliary
 * stack (insert_work → kasan_record_aux_stack_noalloc) and links it; destroy_workqueue() drains
 * the queue — each item runs in a kworker task, which reads work->func and calls it — and frees
 * the structure.
 *
 * struct work_struct on arm64: data (atomic_long_t, 8) · entry (list_head, 16) · func (8) = 32.
 */
import type { Ptr } from "../arch/pointer.js";
import type { KasanAccess } from "../kasan/common/access.js";
import type { ExecContext } from "../lib/context.js";
import { GFP_KERNEL } from "../mm/gfp.js";
import type { KasanHooks } from "../mm/kasan-hooks.js";

export const WORK_STRUCT_SIZE = 32;
/** offsetof(struct work_struct, func). */
const WORK_FUNC_OFFSET = 24;
/** sizeof(struct workqueue_struct) as kzalloc'ed by alloc_workqueue (6.12, arm64, no lockdep). */
export const WORKQUEUE_STRUCT_SIZE = 320;

export type WorkFunc = (work: Ptr) => void;

/** The kernel services a workqueue uses. */
export interface WorkqueueEnv {
  ctx: ExecContext;
  access: KasanAccess;
  hooks: KasanHooks;
  kzalloc(size: number, gfp: number): Ptr;
  kfree(ptr: Ptr, ip: number): void;
}

/** The kworker that runs drained work items (comm and pid as `ps` would show them). */
export interface Kworker {
  pid: number;
  comm: string;
}

export class Workqueue {
  private readonly pending: { work: Ptr; func: WorkFunc }[] = [];
  private destroyed = false;

  constructor(
    private readonly env: WorkqueueEnv,
    readonly name: string,
    /** The workqueue_struct allocation. */
    readonly struct: Ptr,
    private readonly worker: Kworker,
  ) {}

  /** create_workqueue(name) = alloc_workqueue("%s", __WQ_LEGACY | WQ_MEM_RECLAIM, 1, name). */
  static create(env: WorkqueueEnv, name: string, worker: Kworker): Workqueue {
    if (name.length === 0) throw new Error("create_workqueue: name must not be empty");
    const s = env.kzalloc(WORKQUEUE_STRUCT_SIZE, GFP_KERNEL);
    if (s === 0) throw new Error(`create_workqueue(${name}): out of memory`);
    return new Workqueue(env, name, s, worker);
  }

  /** INIT_WORK(work, func): writes data, entry and func (instrumented stores of the whole struct). */
  static initWork(env: WorkqueueEnv, work: Ptr, ip: number): void {
    env.access.write(work, 8, ip);
    env.access.write(work + 8, 16, ip);
    env.access.write(work + WORK_FUNC_OFFSET, 8, ip);
  }

  /** queue_work(wq, work): false if it was already pending. */
  queueWork(work: Ptr, func: WorkFunc, ip: number): boolean {
    if (this.destroyed) throw new Error(`queue_work: workqueue ${this.name} has been destroyed`);
    // test_and_set_bit(WORK_STRUCT_PENDING_BIT, work_data_bits(work)): an atomic RMW of work->data.
    this.env.access.write(work, 8, ip);
    if (this.pending.some((w) => w.work === work)) return false;
    // insert_work(): remember who queued it, for a later use-after-free report. The aux stack is
    // taken inside queue_work_on → __queue_work → insert_work (kasan_record_aux_stack_noalloc
    // tail-calls __kasan_record_aux_stack, so it leaves no frame of its own).
    const ctx = this.env.ctx;
    const ks = ctx.kallsyms;
    ctx.call(ks.callSite("queue_work_on", "__queue_work"), () =>
      ctx.call(ks.callSite("__queue_work", "insert_work"), () => ctx.call(ks.callSite("insert_work", "kasan_record_aux_stack_noalloc"), () => this.env.hooks.recordAuxStack(work))),
    );
    this.pending.push({ work, func });
    return true;
  }

  /** drain_workqueue() + free: every pending item runs in the kworker, then the struct is freed. */
  destroy(ip: number): void {
    if (this.destroyed) throw new Error(`destroy_workqueue: workqueue ${this.name} already destroyed`);
    const ctx = this.env.ctx;
    while (this.pending.length > 0) {
      const item = this.pending.shift();
      if (item === undefined) break;
      const saved = { pid: ctx.pid, comm: ctx.comm, stack: ctx.callStack };
      ctx.pid = this.worker.pid;
      ctx.comm = this.worker.comm;
      const ks = ctx.kallsyms;
      ctx.callStack = [ks.callSite("ret_from_fork", "kthread"), ks.callSite("kthread", "worker_thread"), ks.callSite("worker_thread", "process_one_work")];
      try {
        // process_one_work(): reads work->func, clears PENDING in work->data, calls it.
        const pw = ks.callSite("process_one_work", "func");
        this.env.access.read(item.work + WORK_FUNC_OFFSET, 8, pw);
        this.env.access.write(item.work, 8, pw);
        ctx.call(pw, () => item.func(item.work));
      } finally {
        ctx.pid = saved.pid;
        ctx.comm = saved.comm;
        ctx.callStack = saved.stack;
      }
    }
    this.env.kfree(this.struct, ip);
    this.destroyed = true;
  }
}
