/**
 * The MTE system-register state the model needs, per run and per CPU:
 *   GCR_EL1.Exclude   IRG/ADDG/SUBG exclude mask (the kernel programs the same value on every CPU)
 *   TCR_EL1.TCMA1     logical tag 0xF on a TTBR1 address is never checked (set with HW_TAGS)
 *   DCZID_EL0         DC G(Z)VA block size (BS field) and DZP (DC ZVA/GVA/GZVA prohibited)
 *   GMID_EL1.BS       LDGM/STGM block size
 *   SCTLR_EL1.TCF     per-CPU EL1 tag check fault mode (NONE/SYNC/ASYNC/ASYMM)
 *   SCTLR_EL1.TCSO    per-CPU store-only checking (FEAT_MTE_STORE_ONLY, kasan.write_only; post-6.12)
 *   PSTATE.TCO        per-CPU tag check override (checks suppressed while set)
 *   TFSR_EL1.TF1      per-CPU sticky asynchronous tag fault flag for TTBR1 addresses
 * Per-CPU state lives in typed arrays indexed by CPU number so the tag check path reads one
 * byte per register.
 */
import {
  DEFAULT_DCZID_BLOCK_SIZE,
  DEFAULT_GMID_BLOCK_SIZE,
  KERNEL_GCR_EL1_EXCL,
  MTE_GRANULE_SIZE,
  SYS_GCR_EL1_EXCL_MASK,
} from "./mte-def.js";

/** SCTLR_EL1.TCF encodings (SCTLR_EL1_TCF_NONE/SYNC/ASYNC/ASYMM). */
export const TCF_NONE = 0;
export const TCF_SYNC = 1;
export const TCF_ASYNC = 2;
export const TCF_ASYMM = 3;

export const TCF_MODES = ["none", "sync", "async", "asymm"] as const;
export type TcfMode = (typeof TCF_MODES)[number];

export function tcfFromMode(mode: TcfMode): number {
  const i = TCF_MODES.indexOf(mode);
  if (i < 0) throw new Error(`tcf: expected one of ${TCF_MODES.join("/")}, got ${String(mode)}`);
  return i;
}

export function tcfToMode(tcf: number): TcfMode {
  const m = TCF_MODES[tcf];
  if (m === undefined) throw new Error(`tcf: expected 0..3, got ${tcf}`);
  return m;
}

export interface MteSysregsOptions {
  nrCpus: number;
  /** DC GVA/GZVA block size in bytes (4 << DCZID_EL0.BS): a power of two in [16, 2048]. */
  dczidBlockSize?: number;
  /** DCZID_EL0.DZP: DC ZVA/GVA/GZVA prohibited (the kernel falls back to STG/STZ2G loops). */
  dczidDzp?: boolean;
  /** LDGM/STGM block size in bytes (4 << GMID_EL1.BS): a power of two in [16, 256]. */
  gmidBlockSize?: number;
  /** Initial GCR_EL1.Exclude (default KERNEL_GCR_EL1_EXCL: tags 0xE, 0xF). */
  gcrExclude?: number;
  /** TCR_EL1.TCMA1 (default true: the kernel sets it whenever KASAN_HW_TAGS is built in). */
  tcma1?: boolean;
  /** ARM64_MTE_ASYMM capability (FEAT_MTE3); without it asymm falls back to sync. Default true. */
  asymmSupported?: boolean;
  /** ARM64_MTE_STORE_ONLY capability (FEAT_MTE_STORE_ONLY). Default false. */
  storeOnlySupported?: boolean;
}

function log2Exact(v: number, field: string, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max || (v & (v - 1)) !== 0) {
    throw new Error(`${field}: expected a power of two in [${min}, ${max}] bytes, got ${v}`);
  }
  return Math.log2(v);
}

export class MteSysregs {
  readonly nrCpus: number;
  /** GCR_EL1.Exclude bit per logical tag. */
  gcrExclude: number;
  /** TCR_EL1.TCMA1. */
  tcma1: boolean;
  /** DC G(Z)VA block size in bytes, from DCZID_EL0.BS. */
  readonly dczidBlockSize: number;
  /** 1 / dczidBlockSize (exact: a power of two), so block indices need no division. */
  readonly dczidBlockInv: number;
  /** DCZID_EL0.DZP. */
  readonly dczidDzp: boolean;
  /** LDGM/STGM block size in bytes, from GMID_EL1.BS. */
  readonly gmidBlockSize: number;
  readonly asymmSupported: boolean;
  readonly storeOnlySupported: boolean;
  /** SCTLR_EL1.TCF per CPU (TCF_* values). MTE checks are off (NONE) until a CPU is enabled. */
  readonly tcf: Uint8Array;
  /** SCTLR_EL1.TCSO per CPU. */
  readonly tcso: Uint8Array;
  /** PSTATE.TCO per CPU. */
  readonly tco: Uint8Array;
  /** TFSR_EL1.TF1 per CPU. */
  readonly tfsrTf1: Uint8Array;
  /** The mte_async_or_asymm_mode static key: set by the first CPU that enables async/asymm. */
  asyncOrAsymmMode = false;

  constructor(o: MteSysregsOptions) {
    if (!Number.isInteger(o.nrCpus) || o.nrCpus < 1) {
      throw new Error(`nrCpus: expected a positive integer, got ${o.nrCpus}`);
    }
    this.nrCpus = o.nrCpus;
    const bs = o.dczidBlockSize ?? DEFAULT_DCZID_BLOCK_SIZE;
    log2Exact(bs, "dczidBlockSize", MTE_GRANULE_SIZE, 2048);
    this.dczidBlockSize = bs;
    this.dczidBlockInv = 1 / bs;
    this.dczidDzp = o.dczidDzp ?? false;
    const gm = o.gmidBlockSize ?? DEFAULT_GMID_BLOCK_SIZE;
    log2Exact(gm, "gmidBlockSize", MTE_GRANULE_SIZE, 256);
    this.gmidBlockSize = gm;
    this.gcrExclude = KERNEL_GCR_EL1_EXCL;
    if (o.gcrExclude !== undefined) this.setGcrExclude(o.gcrExclude);
    this.tcma1 = o.tcma1 ?? true;
    this.asymmSupported = o.asymmSupported ?? true;
    this.storeOnlySupported = o.storeOnlySupported ?? false;
    this.tcf = new Uint8Array(o.nrCpus);
    this.tcso = new Uint8Array(o.nrCpus);
    this.tco = new Uint8Array(o.nrCpus);
    this.tfsrTf1 = new Uint8Array(o.nrCpus);
  }

  /** DCZID_EL0 as read by the kernel: BS in bits [3:0], DZP in bit 4. */
  get dczid(): number {
    return (Math.log2(this.dczidBlockSize / 4) | 0) | (this.dczidDzp ? 0x10 : 0);
  }

  setGcrExclude(mask: number): void {
    if (!Number.isInteger(mask) || mask < 0 || mask > SYS_GCR_EL1_EXCL_MASK) {
      throw new Error(`gcrExclude: expected a 16-bit mask (0..0xffff), got ${mask}`);
    }
    this.gcrExclude = mask;
  }

  checkCpu(cpu: number): void {
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.nrCpus) {
      throw new Error(`cpu: expected an integer in [0, ${this.nrCpus}), got ${cpu}`);
    }
  }
}
