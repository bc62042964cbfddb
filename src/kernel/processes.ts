/**
 * Processes and threads on a booted kernel: copy_process for a new process (fork) and for a
 * thread (clone with CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD), exit and
 * reaping (kernel/fork.c, kernel/exit.c, Linux 6.12). Construction is the boot part: the
 * fork-related caches (fork_init/proc_caches_init), the arm64 IRQ (/EFI/SDEI) stacks and, with
 * CONFIG_SHADOW_CALL_STACK, the per-CPU IRQ shadow stacks.
 *
 * copy_process allocates, in the order of the 6.12 trace (call sites in parentheses):
 *   task_struct (dup_task_struct), the thread stack (alloc_thread_stack_node), the SCS
 *   (scs_prepare); for a process also cred (prepare_creds), files_struct (dup_fd), fs_struct
 *   (copy_fs_struct), sighand_struct, signal_struct (zeroed), and dup_mm; finally struct pid
 *   (alloc_pid). A thread shares all of the per-process objects and takes an mm reference.
 * exit (do_exit): mmput, put_files_struct / free_fs_struct for the last user; a thread is
 *   reaped at once (release_task: free_pid and the task_struct go through call_rcu —
 *   delayed_put_pid, delayed_put_task_struct → free_task → scs_release, free_task_struct); a
 *   process stays a zombie until its parent waits. The final context switch away from the dead
 *   task frees its stack (finish_task_switch → put_task_stack → free_thread_stack).
 *
 * Not modelled: the maple tree copy, nsproxy/io/uts, user namespaces, rlimits, perf, cgroups,
 * the pthread user-space stacks (mmap + guard) the seed's benchmark threads would also have.
 */
import type { Ptr } from "../arch/pointer.js";
import { threadSize as modeThreadSize } from "../config/mode.js";
import { GFP_KERNEL, __GFP_ZERO } from "../mm/gfp.js";
import { MmManager, type MmStruct } from "../mm/mmap/mm.js";
import { PagetableAllocator } from "../mm/pgtable/pgalloc.js";
import type { KmemCache } from "../mm/slab/kmem-cache.js";
import { SLAB_ACCOUNT, SLAB_HWCACHE_ALIGN, SLAB_PANIC, SLAB_TYPESAFE_BY_RCU } from "../mm/slab/flags.js";
import { allocArchVmapStacks, type ArchStacks } from "./arch-vmap-stacks.js";
import type { Kernel } from "./kernel.js";
import { ShadowCallStacks } from "./scs.js";
import { SoftirqRcu } from "./softirq-rcu.js";
import { Task, TaskTable, type ProcessObjects } from "./task.js";
import { ThreadStacks } from "./thread-stack.js";

/** Object sizes of the 6.12 arm64 trace kernel (bytes_req of each call site). */
export const TASK_STRUCT_SIZE = 3328;
export const CRED_SIZE = 136;
export const FILES_STRUCT_SIZE = 704;
export const FS_STRUCT_SIZE = 56;
export const SIGHAND_SIZE = 2080;
export const SIGNAL_SIZE = 952;
export const PID_SIZE = 128;

export interface ProcessOptions {
  /** CONFIG_VMAP_STACK (default true, arm64 default). */
  vmapStack?: boolean;
  /** CONFIG_SHADOW_CALL_STACK (default false). */
  shadowCallStack?: boolean;
  /** THREAD_SIZE override (model-only, to reach the kmem_cache variant); default per mode. */
  threadSize?: number;
  /** EFI runtime services present (their stack is allocated at boot); default false (QEMU -kernel). */
  efi?: boolean;
  /** SDEI firmware present (two stacks per CPU at boot); default false. */
  sdei?: boolean;
}

export class Processes {
  readonly tasks: TaskTable;
  readonly stacks: ThreadStacks;
  readonly scs: ShadowCallStacks | undefined;
  readonly mm: MmManager;
  readonly pgtable: PagetableAllocator;
  readonly rcu: SoftirqRcu;
  readonly archStacks: ArchStacks;
  /** Per-CPU IRQ shadow call stacks (init_irq_scs). */
  readonly irqScs: Ptr[] = [];
  private readonly caches: Record<"task" | "cred" | "files" | "fs" | "sighand" | "signal" | "pid", KmemCache>;

  constructor(
    readonly k: Kernel,
    opts: ProcessOptions = {},
  ) {
    const vmapStack = opts.vmapStack ?? true;
    const size = opts.threadSize ?? modeThreadSize(k.mode);
    this.tasks = new TaskTable(k.ctx);
    this.rcu = new SoftirqRcu(k.rcu, k.ctx, k.counters, k.vmalloc);
    const s = k.slab;
    this.caches = {
      task: s.kmemCacheCreate("task_struct", TASK_STRUCT_SIZE, 64, SLAB_PANIC | SLAB_ACCOUNT),
      cred: s.kmemCacheCreate("cred_jar", CRED_SIZE, 0, SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_ACCOUNT),
      files: s.kmemCacheCreate("files_cache", FILES_STRUCT_SIZE, 0, SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_ACCOUNT),
      fs: s.kmemCacheCreate("fs_cache", FS_STRUCT_SIZE, 0, SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_ACCOUNT),
      sighand: s.kmemCacheCreate("sighand_cache", SIGHAND_SIZE, 0, SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_TYPESAFE_BY_RCU | SLAB_ACCOUNT, () => {}),
      signal: s.kmemCacheCreate("signal_cache", SIGNAL_SIZE, 0, SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_ACCOUNT),
      pid: s.kmemCacheCreate("pid", PID_SIZE, 0, SLAB_HWCACHE_ALIGN | SLAB_ACCOUNT),
    };
    this.pgtable = new PagetableAllocator(k.pages, k.counters, k.policy);
    this.mm = new MmManager({ pages: k.pages, slab: s, rcu: k.rcu, counters: k.counters, pgtable: this.pgtable });
    this.stacks = new ThreadStacks({
      mode: k.mode,
      threadSize: size,
      vmapStack,
      policy: k.policy,
      counters: k.counters,
      ctx: k.ctx,
      hooks: k.kasan.hooks,
      pages: k.pages,
      slab: s,
      vmalloc: k.vmalloc,
      rcu: this.rcu,
    });
    this.archStacks = allocArchVmapStacks(k.vmalloc, k.counters, k.ctx, {
      vmapStack,
      threadSize: size,
      threadinfoGfp: this.stacks.threadinfoGfp,
      efi: opts.efi ?? false,
      sdei: opts.sdei ?? false,
    });
    if (opts.shadowCallStack === true) {
      this.scs = new ShadowCallStacks(k.vmalloc, k.kasan.hooks, k.counters, k.ctx, k.policy);
      const prev = k.ctx.cpu;
      for (let cpu = 0; cpu < k.ctx.nrCpus; cpu++) {
        k.ctx.cpu = cpu;
        this.irqScs.push(this.scs.alloc());
      }
      k.ctx.cpu = prev;
    }
  }

  /**
   * A user process that already exists (what exec left behind), with an empty address space,
   * created through the same copy_process path as a fork so its objects are real.
   */
  spawn(comm: string, cpu = 0): Task {
    this.k.ctx.cpu = cpu;
    const t = this.copyProcess(null, comm, cpu, false);
    this.tasks.switchTo(t);
    return t;
  }

  /** fork(): a new process (own mm, copy-on-write), placed on `cpu`; runs on the caller's CPU. */
  fork(parent: Task, cpu: number = parent.cpu): Task {
    this.tasks.switchTo(parent);
    const t = this.copyProcess(parent, parent.comm, cpu, false);
    this.k.counters.cur.forks++;
    return t;
  }

  /** clone(CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|…): a thread of `parent`'s process. */
  createThread(parent: Task, cpu: number = parent.cpu): Task {
    this.tasks.switchTo(parent);
    const t = this.copyProcess(parent, parent.comm, cpu, true);
    this.k.counters.cur.threadsCreated++;
    return t;
  }

  /**
   * do_exit() of `t` on its CPU, then the final context switch away from it (its stack is freed
   * there). A thread is reaped at once; a process becomes a zombie until `wait`.
   */
  exit(t: Task): void {
    if (t.state !== "running") throw new Error(`exit: task ${t.pid} is already ${t.state}`);
    this.tasks.switchTo(t);
    const k = this.k;
    k.counters.cur.exits++;
    if (t.mm !== null) {
      const mm = t.mm;
      t.mm = null;
      this.mm.mmput(mm);
    }
    const leader = t.leader ?? t;
    if (!t.isThread) {
      // exit_files / exit_fs: the process was the last user.
      const o = t.owned;
      if (o.files !== 0) k.slab.kmemCacheFree(this.caches.files, o.files);
      if (o.fs !== 0) k.slab.kmemCacheFree(this.caches.fs, o.fs);
      o.files = 0;
      o.fs = 0;
    }
    t.state = "zombie";
    if (t.isThread) {
      leader.threads.splice(leader.threads.indexOf(t), 1);
      this.releaseTask(t);
    }
    // finish_task_switch → put_task_stack → release_task_stack → free_thread_stack.
    if (t.stack !== null) {
      const st = t.stack;
      t.stack = null;
      this.stacks.free(st);
    }
  }

  /** wait4() for a zombie child process: release_task. */
  wait(child: Task): void {
    if (child.state !== "zombie") throw new Error(`wait: task ${child.pid} is ${child.state}, not a zombie`);
    if (child.isThread) throw new Error(`wait: task ${child.pid} is a thread`);
    this.releaseTask(child);
  }

  // ------------------------------------------------------------------ internals

  private copyProcess(parent: Task | null, comm: string, cpu: number, thread: boolean): Task {
    const k = this.k;
    const s = k.slab;
    if (!(Number.isInteger(cpu) && cpu >= 0 && cpu < k.ctx.nrCpus)) throw new Error(`copy_process: cpu must be 0..${k.ctx.nrCpus - 1}, got ${cpu}`);
    if (thread && (parent === null || parent.mm === null)) throw new Error("copy_process: CLONE_VM needs a parent with an mm");
    // dup_task_struct.
    const obj = s.kmemCacheAlloc(this.caches.task, GFP_KERNEL);
    if (obj === 0) throw new Error("dup_task_struct: out of memory");
    const stack = this.stacks.alloc();
    const scs = this.scs !== undefined ? this.scs.alloc() : 0;
    let owned: ProcessObjects;
    let leader: Task | null = null;
    let mm: MmStruct;
    if (thread) {
      const p = parent as Task;
      leader = p.leader ?? p;
      owned = { cred: 0, files: 0, fs: 0, sighand: 0, signal: 0 };
      mm = p.mm as MmStruct;
      mm.users++;
    } else {
      owned = {
        cred: s.kmemCacheAlloc(this.caches.cred, GFP_KERNEL),
        files: s.kmemCacheAlloc(this.caches.files, GFP_KERNEL),
        fs: s.kmemCacheAlloc(this.caches.fs, GFP_KERNEL),
        sighand: s.kmemCacheAlloc(this.caches.sighand, GFP_KERNEL),
        signal: s.kmemCacheAlloc(this.caches.signal, GFP_KERNEL | __GFP_ZERO),
      };
      mm = parent !== null && parent.mm !== null ? this.mm.dupMm(parent.mm) : this.mm.mmAlloc();
    }
    const pidObj = s.kmemCacheAlloc(this.caches.pid, GFP_KERNEL);
    const t = new Task(this.tasks.allocPidNr(), comm, cpu, obj, null, owned);
    (t as { leader: Task | null }).leader = leader ?? t;
    t.stack = stack;
    t.scs = scs;
    t.mm = mm;
    t.pidObj = pidObj;
    if (thread) (leader as Task).threads.push(t);
    this.tasks.add(t);
    return t;
  }

  /** release_task: free_pid and put_task_struct through RCU; a process also drops its shared objects. */
  private releaseTask(t: Task): void {
    const k = this.k;
    const s = k.slab;
    t.state = "dead";
    this.tasks.remove(t);
    const caches = this.caches;
    if (!t.isThread) {
      const o = t.owned;
      // __exit_signal → __cleanup_sighand (SLAB_TYPESAFE_BY_RCU: freed at once).
      if (o.sighand !== 0) s.kmemCacheFree(caches.sighand, o.sighand);
    }
    const pidObj = t.pidObj;
    this.rcu.callRcu("slab", () => s.kmemCacheFree(caches.pid, pidObj));
    const scs = t.scs;
    this.rcu.callRcu("slab", () => {
      // delayed_put_task_struct → __put_task_struct → free_task.
      if (scs !== 0 && this.scs !== undefined) this.scs.free(scs);
      if (!t.isThread) {
        const o = t.owned;
        if (o.signal !== 0) s.kmemCacheFree(caches.signal, o.signal);
        if (o.cred !== 0) s.kmemCacheFree(caches.cred, o.cred);
      }
      s.kmemCacheFree(caches.task, t.obj);
    });
  }
}
