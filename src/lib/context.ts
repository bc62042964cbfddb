/**
 * Execution context: which CPU the simulated kernel code is running on and on behalf of which
 * task (the kernel's smp_processor_id() and `current`). One mutable object per run, owned by
 * the kernel facade and read by subsystems with per-CPU state (page lists, quarantine queues,
 * the software tag LCG, MTE fault state) and by reports.
 */
import { Kallsyms } from "./kallsyms.js";

export class ExecContext {
  cpu = 0;
  pid = 0;
  comm = "swapper/0";
  /** True while simulating hard-IRQ context (affects stack collection and allocation rules). */
  inIrq = false;
  /** Symbols of the simulated kernel, for call stacks and `%pS`. */
  readonly kallsyms = new Kallsyms();
  /**
   * Return addresses of the current task's call chain, outermost first: what a frame-pointer
   * unwind or a Shadow Call Stack copy would find. The kernel facade swaps this array on a
   * context switch; simulated code pushes and pops with `call()`.
   */
  callStack: number[] = [];

  constructor(readonly nrCpus: number) {
    if (!Number.isInteger(nrCpus) || nrCpus < 1) throw new RangeError(`nrCpus must be a positive integer, got ${nrCpus}`);
  }

  /** Run `fn` as a call made from instruction address `ip` (pushed for the duration). */
  call<T>(ip: number, fn: () => T): T {
    const stack = this.callStack;
    stack.push(ip);
    try {
      return fn();
    } finally {
      stack.pop();
    }
  }
}
