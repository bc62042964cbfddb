/**
 * The MTE tag instructions with their architectural effects, each counted in its own field:
 *   IRG     insert a random tag, honouring GCR_EL1.Exclude (and an optional extra mask, Xm)
 *   ADDG    address + uimm6·16, tag advanced uimm4 times over non-excluded tags
 *   SUBG    address − uimm6·16, tag advanced the same way
 *   LDG     read the allocation tag of the granule containing the address into the pointer
 *   STG / ST2G    set the allocation tag of one / two granules from the pointer's tag
 *   STZG / STZ2G  the same and zero the granules' data
 *   DC GVA / DC GZVA  tag (and zero) the whole DCZID block containing the address
 * None of these is itself tag-checked. Data is not stored; zeroing is counted in bytes.
 */
import type { Counters } from "../../cost/counters.js";
import type { Prng } from "../../lib/prng.js";
import { ptrOffset, TAG_MUL, type Ptr } from "../pointer.js";
import { MTE_GRANULE_SIZE, SYS_GCR_EL1_EXCL_MASK } from "./mte-def.js";
import type { MteSysregs } from "./sysregs.js";
import type { TagStorage } from "./tag-storage.js";
import { mteInsertLogicalTag, mteLogicalTag } from "./tagged-pointer.js";
import { isAligned } from "../../lib/align.js";

/**
 * The architecture's ChooseNonExcludedTag(tag, offset, exclude): with offset 0, the first
 * non-excluded tag at or after `tag`; otherwise step `offset` non-excluded tags forward
 * (wrapping mod 16). Everything excluded yields 0.
 */
export function chooseNonExcludedTag(tag: number, offset: number, exclude: number): number {
  if ((exclude & SYS_GCR_EL1_EXCL_MASK) === SYS_GCR_EL1_EXCL_MASK) return 0;
  let t = tag & 0xf;
  if (offset === 0) {
    while ((exclude >> t) & 1) t = (t + 1) & 0xf;
    return t;
  }
  for (let n = offset; n > 0; n--) {
    t = (t + 1) & 0xf;
    while ((exclude >> t) & 1) t = (t + 1) & 0xf;
  }
  return t;
}

function requireGranuleAligned(insn: string, p: Ptr): number {
  const off = ptrOffset(p);
  if (!isAligned(off, MTE_GRANULE_SIZE)) {
    throw new Error(`${insn}: address offset ${off} must be ${MTE_GRANULE_SIZE}-byte aligned (alignment fault)`);
  }
  return off;
}

export class MteInstructions {
  /** Non-excluded tags for the exclude mask in `inclMask`, rebuilt when the mask changes. */
  private inclMask = -1;
  private readonly incl = new Uint8Array(16);
  private inclN = 0;

  constructor(
    private readonly storage: TagStorage,
    private readonly regs: MteSysregs,
    private readonly prng: Prng,
    private readonly counters: Counters,
  ) {}

  /** IRG Xd, Xn{, Xm}: Xn with a random logical tag not in GCR_EL1.Exclude | Xm. */
  irg(p: Ptr, excludeExtra = 0): Ptr {
    this.counters.cur.irg += 1;
    return mteInsertLogicalTag(p, this.randomTag(this.regs.gcrExclude | (excludeExtra & SYS_GCR_EL1_EXCL_MASK)));
  }

  /** IRG on a pointer whose tag the caller discards: just the random logical tag (0..15), counted as one IRG. */
  irgLogicalTag(): number {
    this.counters.cur.irg += 1;
    return this.randomTag(this.regs.gcrExclude);
  }

  /** ChooseRandomNonExcludedTag: uniform over the included tags (GCR_EL1.RRND = 1). */
  private randomTag(exclude: number): number {
    if (exclude !== this.inclMask) {
      let n = 0;
      for (let t = 0; t < 16; t++) if (((exclude >> t) & 1) === 0) this.incl[n++] = t;
      this.inclN = n;
      this.inclMask = exclude;
    }
    if (this.inclN === 0) return 0;
    return this.incl[this.prng.nextInt(this.inclN)];
  }

  /** ADDG Xd, Xn, #offsetBytes, #tagOffset (offsetBytes = uimm6·16, tagOffset = uimm4). */
  addg(p: Ptr, offsetBytes: number, tagOffset: number): Ptr {
    checkTagImmediates("addg", offsetBytes, tagOffset);
    this.counters.cur.addg += 1;
    const off = ptrOffset(p) + offsetBytes;
    if (off >= TAG_MUL) throw new Error(`addg: result offset ${off} leaves the 44-bit address space`);
    const tag = chooseNonExcludedTag(mteLogicalTag(p), tagOffset, this.regs.gcrExclude);
    return mteInsertLogicalTag(p - ptrOffset(p) + off, tag);
  }

  /** SUBG Xd, Xn, #offsetBytes, #tagOffset: the address goes down, the tag still steps forward. */
  subg(p: Ptr, offsetBytes: number, tagOffset: number): Ptr {
    checkTagImmediates("subg", offsetBytes, tagOffset);
    this.counters.cur.subg += 1;
    const off = ptrOffset(p) - offsetBytes;
    if (off < 0) throw new Error(`subg: result offset ${off} is below the address space`);
    const tag = chooseNonExcludedTag(mteLogicalTag(p), tagOffset, this.regs.gcrExclude);
    return mteInsertLogicalTag(p - ptrOffset(p) + off, tag);
  }

  /** LDG Xt, [Xn]: Xt with bits [56:60) replaced by the allocation tag of Xn's granule. */
  ldg(p: Ptr): Ptr {
    this.counters.cur.ldg += 1;
    return mteInsertLogicalTag(p, this.storage.readTag(ptrOffset(p)));
  }

  /** LDG when only the loaded logical tag (0..15) is wanted, counted as one LDG. */
  ldgLogicalTag(p: Ptr): number {
    this.counters.cur.ldg += 1;
    return this.storage.readTag(ptrOffset(p)) & 0xf;
  }

  /** STG Xt, [Xn]: tag one granule with Xt's logical tag. */
  stg(p: Ptr): void {
    const off = requireGranuleAligned("stg", p);
    const c = this.counters.cur;
    c.stg += 1;
    c.granulesTagged += 1;
    this.storage.fillTags(off, MTE_GRANULE_SIZE, mteLogicalTag(p));
  }

  /** ST2G: tag two consecutive granules. */
  st2g(p: Ptr): void {
    const off = requireGranuleAligned("st2g", p);
    const c = this.counters.cur;
    c.st2g += 1;
    c.granulesTagged += 2;
    this.storage.fillTags(off, 2 * MTE_GRANULE_SIZE, mteLogicalTag(p));
  }

  /** STZG: tag one granule and zero its 16 data bytes. */
  stzg(p: Ptr): void {
    const off = requireGranuleAligned("stzg", p);
    const c = this.counters.cur;
    c.stzg += 1;
    c.granulesTagged += 1;
    c.bytesZeroed += MTE_GRANULE_SIZE;
    c.bytesZeroedByTagging += MTE_GRANULE_SIZE;
    this.storage.fillTags(off, MTE_GRANULE_SIZE, mteLogicalTag(p));
  }

  /** STZ2G: tag two granules and zero their 32 data bytes. */
  stz2g(p: Ptr): void {
    const off = requireGranuleAligned("stz2g", p);
    const c = this.counters.cur;
    c.stz2g += 1;
    c.granulesTagged += 2;
    c.bytesZeroed += 2 * MTE_GRANULE_SIZE;
    c.bytesZeroedByTagging += 2 * MTE_GRANULE_SIZE;
    this.storage.fillTags(off, 2 * MTE_GRANULE_SIZE, mteLogicalTag(p));
  }

  /** DC GVA, Xt: tag the whole DCZID block containing Xt (the address is aligned down). */
  dcGva(p: Ptr): void {
    const base = this.dcBlockBase("dc gva", p);
    const bs = this.regs.dczidBlockSize;
    const c = this.counters.cur;
    c.dcGva += 1;
    c.granulesTagged += bs / MTE_GRANULE_SIZE;
    this.storage.fillTags(base, bs, mteLogicalTag(p));
  }

  /** DC GZVA, Xt: tag and zero the whole DCZID block containing Xt. */
  dcGzva(p: Ptr): void {
    const base = this.dcBlockBase("dc gzva", p);
    const bs = this.regs.dczidBlockSize;
    const c = this.counters.cur;
    c.dcGzva += 1;
    c.granulesTagged += bs / MTE_GRANULE_SIZE;
    c.bytesZeroed += bs;
    c.bytesZeroedByTagging += bs;
    this.storage.fillTags(base, bs, mteLogicalTag(p));
  }

  private dcBlockBase(insn: string, p: Ptr): number {
    if (this.regs.dczidDzp) throw new Error(`${insn}: DCZID_EL0.DZP is set, the instruction is prohibited (UNDEFINED)`);
    const off = ptrOffset(p);
    return off - (off % this.regs.dczidBlockSize);
  }
}

function checkTagImmediates(insn: string, offsetBytes: number, tagOffset: number): void {
  if (!Number.isInteger(offsetBytes) || offsetBytes < 0 || offsetBytes > 1008 || offsetBytes % MTE_GRANULE_SIZE !== 0) {
    throw new Error(`${insn}: offsetBytes must be uimm6·16 (a multiple of 16 in [0, 1008]), got ${offsetBytes}`);
  }
  if (!Number.isInteger(tagOffset) || tagOffset < 0 || tagOffset > 15) {
    throw new Error(`${insn}: tagOffset must be uimm4 (an integer in [0, 15]), got ${tagOffset}`);
  }
}
