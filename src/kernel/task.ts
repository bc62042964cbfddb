/**
 * Tasks (struct task_struct as the rest of the model sees it) and the scheduler's context
 * switch: pid, comm, CPU, the task's own call-stack array (what `ctx.callStack` points at while it
 * runs), its kernel stack, shadow call stack and mm. `TaskTable.switchTo` is the context switch:
 * it makes `ctx.cpu/pid/comm/callStack` those of the task, as `current` would be.
 *
 * Context switches do not report RCU quiescent states by themselves: grace periods advance only
 * at the workloads' documented points (see src/workloads/*), so runs are reproducible.
 */
import type { Ptr } from "../arch/pointer.js";
import type { ExecContext } from "../lib/context.js";
import type { MmStruct } from "../mm/mmap/mm.js";
import type { ThreadStack } from "./thread-stack.js";

/** PID_MAX_DEFAULT: pids wrap after 32767 (alloc_pid cycles through the idr). */
export const PID_MAX_DEFAULT = 0x8000;
/** First pid handed out after boot's own tasks (the trace's workload starts around 45). */
export const FIRST_USER_PID = 2;

export type TaskState = "running" | "zombie" | "dead";

/** The per-process objects a thread shares and a process owns (slab pointers, 0 = none). */
export interface ProcessObjects {
  cred: Ptr;
  files: Ptr;
  fs: Ptr;
  sighand: Ptr;
  signal: Ptr;
}

export class Task {
  state: TaskState = "running";
  /** Return addresses of the task's call chain, outermost first. */
  readonly callStack: number[] = [];
  stack: ThreadStack | null = null;
  /** Shadow call stack base (reset-tagged), 0 without CONFIG_SHADOW_CALL_STACK. */
  scs: Ptr = 0;
  mm: MmStruct | null = null;
  /** struct pid object. */
  pidObj: Ptr = 0;
  /** Threads of a process share the leader's objects. */
  readonly threads: Task[] = [];

  constructor(
    readonly pid: number,
    public comm: string,
    public cpu: number,
    /** task_struct object (slab pointer); 0 for boot's static init_task. */
    readonly obj: Ptr,
    /** Thread group leader (itself for a process). */
    readonly leader: Task | null,
    readonly owned: ProcessObjects,
  ) {}

  get isThread(): boolean {
    return this.leader !== null && this.leader !== this;
  }
}

export class TaskTable {
  private nextPid = FIRST_USER_PID;
  private readonly live = new Map<number, Task>();
  /** The task running on each CPU (undefined: the CPU's idle task). */
  readonly current: (Task | undefined)[];

  constructor(private readonly ctx: ExecContext) {
    this.current = new Array<Task | undefined>(ctx.nrCpus).fill(undefined);
  }

  /** alloc_pid's number: the next free pid, cyclically below PID_MAX_DEFAULT. */
  allocPidNr(): number {
    for (let tries = 0; tries < PID_MAX_DEFAULT; tries++) {
      const nr = this.nextPid;
      this.nextPid = nr + 1 >= PID_MAX_DEFAULT ? FIRST_USER_PID : nr + 1;
      if (!this.live.has(nr)) return nr;
    }
    throw new Error("alloc_pid: no free pid below pid_max (32768 tasks alive)");
  }

  add(t: Task): void {
    this.live.set(t.pid, t);
  }

  remove(t: Task): void {
    this.live.delete(t.pid);
  }

  get size(): number {
    return this.live.size;
  }

  get(pid: number): Task | undefined {
    return this.live.get(pid);
  }

  /** context_switch(): `t` becomes current on its CPU, and the simulation runs there as it. */
  switchTo(t: Task): void {
    const ctx = this.ctx;
    if (!(t.cpu >= 0 && t.cpu < ctx.nrCpus)) throw new Error(`switchTo: task ${t.pid} has cpu ${t.cpu}, expected 0..${ctx.nrCpus - 1}`);
    this.current[t.cpu] = t;
    ctx.cpu = t.cpu;
    ctx.pid = t.pid;
    ctx.comm = t.comm;
    ctx.callStack = t.callStack;
  }
}
