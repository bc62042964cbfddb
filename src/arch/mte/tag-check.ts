/**
 * Tag checks on loads and stores (the CPU side of HW_TAGS KASAN).
 *
 * An access of `size` bytes at pointer p, on a CPU, is checked against every granule it
 * touches (it may span granules and pages). It is skipped (counted in tagChecksSkipped) when
 *   - p's logical tag is 0xF and TCR_EL1.TCMA1 is set (match-all; all modelled kernel addresses
 *     are TTBR1 addresses),
 *   - PSTATE.TCO is set on the CPU (checks suppressed, e.g. while KASAN prints a report),
 *   - the CPU's SCTLR_EL1.TCF is NONE (MTE not enabled yet, or disabled by a sync fault),
 *   - it is a load and SCTLR_EL1.TCSO (store-only checking) is set.
 * Only linear-map and vmalloc addresses are Normal-Tagged memory here; user-region (TTBR0)
 * addresses are not checked by this model at all (not counted either), and vmalloc pages that
 * mm reports as untagged are never mismatches.
 *
 * A mismatch is a tag check fault, handled per the CPU's TCF:
 *   SYNC            → tagFaultsSync, do_tag_recovery: the handler's syncFault, then TCF = NONE on
 *                     this CPU only ("disabled lazily on the other CPUs when they fault")
 *   ASYNC           → tagFaultsAsync, TFSR_EL1.TF1 set; the access completes and nothing is
 *                     reported until a check point calls checkTfsr (counted per faulting access)
 *   ASYMM           → loads as SYNC, stores as ASYNC
 * In all cases the access itself completes (after recovery the kernel re-executes it with
 * checks off), so callers go on; the return value says what happened.
 *
 * The check path allocates nothing and reads per-CPU state from typed arrays; it is the hot
 * path of every simulated hw_tags access.
 */
import type { Counters } from "../../cost/counters.js";
import { TAG_MUL, USER_BASE, VMALLOC_BASE, type Ptr } from "../pointer.js";
import { MTE_GRANULE_SIZE } from "./mte-def.js";
import { TCF_ASYMM, TCF_NONE, TCF_SYNC, type MteSysregs } from "./sysregs.js";
import type { TagFaultHandler } from "./tag-fault.js";
import type { TagStorage } from "./tag-storage.js";
import type { SparseBytes } from "../../lib/sparse-bytes.js";

// Module-local copies of imported constants: V8 re-checks imported bindings for the TDZ on
// every use in optimised code, which measurably slows this per-access path.
const K_TAG_MUL = TAG_MUL;
const K_USER_BASE = USER_BASE;
const K_VMALLOC_BASE = VMALLOC_BASE;
const K_GRANULE = MTE_GRANULE_SIZE;
const K_TCF_NONE = TCF_NONE;
const K_TCF_SYNC = TCF_SYNC;
const K_TCF_ASYMM = TCF_ASYMM;

const R_OK = 0;
const R_SYNC = 1;
const R_ASYNC = 2;
/** checkAccess results: passed or not checked. */
export const TAG_CHECK_OK = R_OK;
/** A synchronous tag check fault was taken (and reported through the handler). */
export const TAG_CHECK_FAULT_SYNC = R_SYNC;
/** An asynchronous tag check fault was recorded in TFSR_EL1.TF1. */
export const TAG_CHECK_FAULT_ASYNC = R_ASYNC;

export class TagChecker {
  private readonly tags: SparseBytes;
  // The per-CPU register arrays, held directly so the hot path does one load for each.
  private readonly tcf: Uint8Array;
  private readonly tco: Uint8Array;
  private readonly tcso: Uint8Array;
  handler: TagFaultHandler | undefined = undefined;

  constructor(
    private readonly storage: TagStorage,
    private readonly regs: MteSysregs,
    private readonly counters: Counters,
  ) {
    this.tags = storage.tags;
    this.tcf = regs.tcf;
    this.tco = regs.tco;
    this.tcso = regs.tcso;
  }

  /**
   * A load (isWrite false) or store of `size` bytes (≥ 1) through pointer p on `cpu`, from
   * instruction `ip`. Returns TAG_CHECK_OK, TAG_CHECK_FAULT_SYNC or TAG_CHECK_FAULT_ASYNC.
   */
  checkAccess(cpu: number, p: Ptr, size: number, isWrite: boolean, ip: number): number {
    const tcf = this.tcf[cpu];
    if (tcf === undefined || !(size >= 1)) badAccessArgs(this.regs.nrCpus, cpu, size);
    const top = Math.floor(p / K_TAG_MUL);
    const off = p - top * K_TAG_MUL;
    if (off >= K_USER_BASE) return R_OK;
    const c = this.counters.cur;
    const logical = top & 0xf;
    if (
      tcf === K_TCF_NONE ||
      this.tco[cpu] !== 0 ||
      (logical === 0xf && this.regs.tcma1) ||
      (!isWrite && this.tcso[cpu] !== 0)
    ) {
      c.tagChecksSkipped += 1;
      return R_OK;
    }
    c.tagChecks += 1;
    const g0 = Math.floor(off / K_GRANULE);
    let bad: number;
    if (off < K_VMALLOC_BASE && off - g0 * K_GRANULE + size <= K_GRANULE) {
      // The common case: one granule of the linear map.
      if (this.tags.get(g0) === logical) return R_OK;
      bad = off;
    } else {
      const m = this.storage.findMismatch(off, size, logical);
      if (m < 0) return R_OK;
      bad = m < off ? off : m;
    }
    return this.tagCheckFault(cpu, (0xf0 | logical) * K_TAG_MUL + bad, isWrite, ip);
  }

  private tagCheckFault(cpu: number, addr: Ptr, isWrite: boolean, ip: number): number {
    const regs = this.regs;
    const tcf = regs.tcf[cpu];
    const c = this.counters.cur;
    if (tcf === K_TCF_SYNC || (tcf === K_TCF_ASYMM && !isWrite)) {
      c.tagFaultsSync += 1;
      this.doTagRecovery(cpu, addr, isWrite, ip);
      return R_SYNC;
    }
    c.tagFaultsAsync += 1;
    regs.tfsrTf1[cpu] = 1;
    return R_ASYNC;
  }

  /** do_tag_recovery: report_tag_fault, then TCF = NONE on the local CPU. */
  private doTagRecovery(cpu: number, addr: Ptr, isWrite: boolean, ip: number): void {
    if (this.handler !== undefined) this.handler.syncFault({ cpu, addr, isWrite, ip });
    this.regs.tcf[cpu] = K_TCF_NONE;
  }

  /**
   * mte_check_tfsr_el1 on `cpu` (context switch, kernel entry/exit, suspend, or explicit): if
   * TFSR_EL1.TF1 is set, clear it and report the async fault once. Returns whether it did.
   */
  checkTfsr(cpu: number): boolean {
    const regs = this.regs;
    if (regs.tfsrTf1[cpu] === 0) return false;
    regs.tfsrTf1[cpu] = 0;
    if (this.handler !== undefined) this.handler.asyncFault({ cpu });
    return true;
  }
}

function badAccessArgs(nrCpus: number, cpu: number, size: number): never {
  if (!(Number.isInteger(cpu) && cpu >= 0 && cpu < nrCpus)) {
    throw new Error(`checkAccess: cpu must be an integer in [0, ${nrCpus}), got ${cpu}`);
  }
  throw new Error(`checkAccess: size must be a positive byte count, got ${size}`);
}
