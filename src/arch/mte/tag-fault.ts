/**
 * What the CPU hands to the kernel when a tag check fails — the seam arch → KASAN. The KASAN
 * layer registers one TagFaultHandler on the Mte instance:
 *   syncFault   do_tag_recovery → report_tag_fault → kasan_report(addr, size 0, is_write, pc);
 *               after it returns the CPU's checks are already off (TCF = NONE, see tag-check.ts)
 *   asyncFault  mte_check_tfsr_el1 → kasan_report_async() at a check point
 */
import type { Ptr } from "../pointer.js";

export interface SyncTagFault {
  /** The CPU that took the fault (its TCF becomes NONE right after the handler returns). */
  readonly cpu: number;
  /**
   * The faulting address as the kernel reconstructs it from FAR_EL1: the accessed pointer's
   * logical tag in KASAN form (top byte 0xF0|x, since FAR bits [63:60] are UNKNOWN and
   * report_tag_fault fills them with 0xF). For an access spanning granules it is the access
   * address when the first granule mismatches, else the start of the first mismatching
   * granule (as QEMU reports it). The access size is not known: KASAN reports size 0.
   */
  readonly addr: Ptr;
  /** ESR_EL1.WNR: the access was a store. */
  readonly isWrite: boolean;
  /** regs->pc: the instruction that faulted, as passed by the caller of the access. */
  readonly ip: number;
}

export interface AsyncTagFault {
  /** The CPU whose TFSR_EL1.TF1 was found set. No address: async faults carry none. */
  readonly cpu: number;
}

export interface TagFaultHandler {
  syncFault(fault: SyncTagFault): void;
  asyncFault(fault: AsyncTagFault): void;
}
