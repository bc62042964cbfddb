/**
 * Execution context: which CPU the simulated kernel code is running on and on behalf of which
 * task (the kernel's smp_processor_id() and `current`). One mutable object per run, owned by
 * the kernel facade and read by subsystems with per-CPU state (page lists, quarantine queues,
 * the software tag LCG, MTE fault state) and by reports.
 */
export class ExecContext {
  cpu = 0;
  pid = 0;
  comm = "swapper/0";
  /** True while simulating hard-IRQ context (affects stack collection and allocation rules). */
  inIrq = false;

  constructor(readonly nrCpus: number) {
    if (!Number.isInteger(nrCpus) || nrCpus < 1) throw new RangeError(`nrCpus must be a positive integer, got ${nrCpus}`);
  }
}
