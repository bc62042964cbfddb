/**
 * mte_set_mem_tag_range(addr, size, tag, init) (arch/arm64/include/asm/mte-kasan.h), the
 * helper behind KASAN's hw_set_mem_tag_range.
 *
 * The kernel loop, with bs = 4 << DCZID_EL0.BS, curr = addr carrying `tag`,
 * end1 = curr | (bs − 1), end3 = curr + size, end2 = end3 & ~(bs − 1):
 *   if DC G(Z)VA is allowed (DZP = 0) and size ≥ 2·bs:
 *     STG (STZG) one granule at a time, at least once, until curr ≥ end1 — this covers the whole
 *       first block even when addr is block aligned;
 *     DC GVA (GZVA) one block at a time, at least once, until curr ≥ end2;
 *   then STG (STZG) one granule at a time while curr < end3.
 * `init` selects the zeroing forms (STZG + DC GZVA), so data is zeroed in the same pass.
 *
 * Here the instruction counts are computed in closed form and the tags written with one
 * chunked fill; the test suite proves the counts equal the loop's for all sizes/alignments.
 * The first loop ends at the first block boundary strictly above addr, the second at end2, so
 *   DC ops = (end2 − (roundDown(addr, bs) + bs)) / bs      (size ≥ 2·bs, DZP = 0; else 0)
 *   STG ops = (size − DC ops · bs) / 16                    (head granules + tail granules)
 */
import type { Counters } from "../../cost/counters.js";
import { TAG_MUL, USER_BASE, type Ptr } from "../pointer.js";
import { MTE_GRANULE_SIZE } from "./mte-def.js";
import type { MteSysregs } from "./sysregs.js";
import type { TagStorage } from "./tag-storage.js";

// Module-local copies of imported constants used on the hot path (see tag-check.ts).
const K_TAG_MUL = TAG_MUL;
const K_USER_BASE = USER_BASE;
const K_GRANULE = MTE_GRANULE_SIZE;
/** The 44-bit address space in granules: no range can be larger. */
const MAX_GRANULES = K_TAG_MUL / K_GRANULE;

/** Number of DC G(Z)VA instructions mte_set_mem_tag_range executes for [addr, addr+size). */
export function setMemTagRangeDcOps(addr: number, size: number, blockSize: number, dzp: boolean): number {
  if (dzp || size < 2 * blockSize) return 0;
  // Block indices by exact power-of-two division (no `%`: fmod is slow past 2^31).
  const firstBoundaryBlock = Math.floor(addr / blockSize) + 1;
  const end2Block = Math.floor((addr + size) / blockSize);
  return end2Block - firstBoundaryBlock;
}

/** Number of STG (or STZG) instructions mte_set_mem_tag_range executes for [addr, addr+size). */
export function setMemTagRangeStgOps(addr: number, size: number, blockSize: number, dzp: boolean): number {
  return (size - setMemTagRangeDcOps(addr, size, blockSize, dzp) * blockSize) / K_GRANULE;
}

/**
 * Tag [addr, addr+size) with the logical tag of `tag` (a KASAN-format 0xF? byte; only its low
 * nibble reaches memory) and count exactly the instructions the kernel executes. `addr`'s own
 * pointer tag is ignored (the kernel __tag_set()s it). Bad input throws instead of WARNing.
 */
export function mteSetMemTagRange(
  storage: TagStorage,
  regs: MteSysregs,
  counters: Counters,
  addr: Ptr,
  size: number,
  tag: number,
  init: boolean,
): void {
  const off = addr - Math.floor(addr / K_TAG_MUL) * K_TAG_MUL;
  const granules = size / K_GRANULE;
  const offG = off / K_GRANULE;
  // One cheap combined test (fractional granule parts, size range, tag a byte, not NULL) keeps
  // this function small enough to inline; the cold helper says which argument is wrong.
  if (
    offG - Math.floor(offG) + (granules - Math.floor(granules)) !== 0 ||
    !(granules >= 0 && granules <= MAX_GRANULES) ||
    (tag & 0xff) !== tag ||
    off === K_USER_BASE
  ) {
    badSetMemTagRangeArgs(off, size, tag);
  }
  if (size === 0) return;
  const bs = regs.dczidBlockSize;
  // setMemTagRangeDcOps inlined, with block indices by multiplying by the exact 1/bs.
  let dc = 0;
  if (!regs.dczidDzp && size >= 2 * bs) {
    const inv = regs.dczidBlockInv;
    dc = Math.floor((off + size) * inv) - Math.floor(off * inv) - 1;
  }
  const stg = (size - dc * bs) / K_GRANULE;
  const c = counters.cur;
  if (init) {
    c.stzg += stg;
    c.dcGzva += dc;
    c.bytesZeroed += size;
    c.bytesZeroedByTagging += size;
  } else {
    c.stg += stg;
    c.dcGva += dc;
  }
  c.granulesTagged += granules;
  storage.fillTags(off, size, tag & 0xf);
}

function badSetMemTagRangeArgs(off: number, size: number, tag: number): never {
  if (off % K_GRANULE !== 0 || off === K_USER_BASE) {
    throw new Error(`mte_set_mem_tag_range: addr must be non-NULL and ${K_GRANULE}-byte aligned, got offset ${off}`);
  }
  if (!(Number.isInteger(size) && size >= 0 && size % K_GRANULE === 0 && size <= K_TAG_MUL)) {
    throw new Error(`mte_set_mem_tag_range: size must be a non-negative multiple of ${K_GRANULE} within the address space, got ${size}`);
  }
  throw new Error(`mte_set_mem_tag_range: tag must be a byte (0..0xff), got ${tag}`);
}
