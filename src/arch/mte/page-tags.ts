/**
 * Whole-page tag clearing (arch/arm64/lib/mte.S), used by tag_clear_highpage (__GFP_ZEROTAGS)
 * and when user pages gain PROT_MTE:
 *   mte_zero_clear_page_tags  zero the page and set its tags to 0 in one pass: the page address
 *                             with its pointer tag cleared, then DC GZVA per DCZID block, or,
 *                             when DCZID_EL0.DZP forbids DC GZVA, STZ2G per 32 bytes
 *   mte_clear_page_tags       set the page's tags to 0 without touching data: STGM xzr per
 *                             GMID_EL1 block (4 << GMID_EL1.BS bytes), counted in `stgm`
 */
import type { Counters } from "../../cost/counters.js";
import { ptrOffset, type Ptr } from "../pointer.js";
import { MTE_GRANULE_SIZE, MTE_GRANULES_PER_PAGE, MTE_PAGE_SIZE } from "./mte-def.js";
import type { MteSysregs } from "./sysregs.js";
import type { TagStorage } from "./tag-storage.js";

function requirePageAligned(fn: string, addr: Ptr): number {
  const off = ptrOffset(addr);
  if (off % MTE_PAGE_SIZE !== 0) {
    throw new Error(`${fn}: addr must be page aligned (${MTE_PAGE_SIZE} bytes), got offset ${off}`);
  }
  return off;
}

/** mte_zero_clear_page_tags(addr). */
export function mteZeroClearPageTags(storage: TagStorage, regs: MteSysregs, counters: Counters, addr: Ptr): void {
  const off = requirePageAligned("mte_zero_clear_page_tags", addr);
  const c = counters.cur;
  if (regs.dczidDzp) c.stz2g += MTE_PAGE_SIZE / (2 * MTE_GRANULE_SIZE);
  else c.dcGzva += MTE_PAGE_SIZE / regs.dczidBlockSize;
  c.granulesTagged += MTE_GRANULES_PER_PAGE;
  c.bytesZeroed += MTE_PAGE_SIZE;
  c.bytesZeroedByTagging += MTE_PAGE_SIZE;
  storage.fillTags(off, MTE_PAGE_SIZE, 0);
}

/** mte_clear_page_tags(addr). */
export function mteClearPageTags(storage: TagStorage, regs: MteSysregs, counters: Counters, addr: Ptr): void {
  const off = requirePageAligned("mte_clear_page_tags", addr);
  const c = counters.cur;
  c.stgm += MTE_PAGE_SIZE / regs.gmidBlockSize;
  c.granulesTagged += MTE_GRANULES_PER_PAGE;
  storage.fillTags(off, MTE_PAGE_SIZE, 0);
}
