/**
 * Per-CPU page lists (struct per_cpu_pages, mm/page_alloc.c 6.12): orders 0..3 and the THP order
 * are cached per CPU, per migratetype. An empty list is refilled from the zone with a batch in
 * pfn order (`rmqueue_bulk`, sized by `nr_pcp_alloc`); a freed page goes to the list head
 * (`free_unref_page_commit`), so it is the next one that CPU allocates; above pcp->high the
 * oldest pages (list tails) go back to the zone (`free_pcppages_bulk`). pcp->high auto-tunes
 * between high_min and high_max as in 6.7+ (no time-based decay; PCPF_FREE_HIGH_BATCH unset).
 */
import type { Counters } from "../../cost/counters.js";
import { NR_PCP_LISTS, PAGE_ALLOC_COSTLY_ORDER, orderToPindex, pindexToOrder } from "./migratetype.js";
import { STATE_PCP, type PageArray } from "./page-array.js";
import type { PageLists } from "./page-lists.js";
import type { Zone } from "./zone.js";
import { PCP_BATCH_SCALE_MAX, type PcpParams } from "./zone-params.js";

/** PCPF_PREV_FREE_HIGH_ORDER: the previous free on this CPU was of order 1..3. */
const PCPF_PREV_FREE_HIGH_ORDER = 1;
/** PCPF_FREE_HIGH_BATCH: keep a batch when freeing high orders (needs a big LLC slice; unset). */
const PCPF_FREE_HIGH_BATCH = 2;

export class PerCpuPages {
  /** pcp->count per CPU, in pages. */
  readonly count: Int32Array;
  /** pcp->high per CPU (tuned between highMin and highMax). */
  readonly high: Int32Array;
  readonly highMin: number;
  readonly highMax: number;
  readonly batch: number;
  readonly flags: Int32Array;
  readonly allocFactor: Int32Array;
  readonly freeCount: Int32Array;
  private readonly pages: PageArray;
  private readonly lists: PageLists;
  private readonly counters: Counters;

  constructor(
    readonly zone: Zone,
    readonly nrCpus: number,
    params: PcpParams,
    /** Index of the first pcp list in the shared `PageLists`. */
    private readonly listBase: number,
  ) {
    this.pages = zone.pages;
    this.lists = zone.lists;
    this.counters = zone.counters;
    this.batch = params.batch;
    this.highMin = params.highMin;
    this.highMax = params.highMax;
    this.count = new Int32Array(nrCpus);
    this.high = new Int32Array(nrCpus).fill(params.highMin);
    this.flags = new Int32Array(nrCpus);
    this.allocFactor = new Int32Array(nrCpus);
    this.freeCount = new Int32Array(nrCpus);
  }

  /** rmqueue_pcplist() + __rmqueue_pcplist(). */
  rmqueue(cpu: number, order: number, mt: number): number {
    this.freeCount[cpu] >>= 1;
    const list = this.list(cpu, orderToPindex(mt, order));
    const lists = this.lists;
    if (lists.empty(list)) {
      const batch = this.nrPcpAlloc(cpu, order);
      const alloced = this.rmqueueBulk(order, batch, list, mt);
      this.count[cpu] += alloced << order;
      this.counters.cur.pcpRefills++;
      this.counters.cur.pcpPagesRefilled += alloced << order;
      if (lists.empty(list)) return -1;
    } else {
      this.counters.cur.pcpHits++;
    }
    const i = lists.first(list);
    lists.del(i);
    this.pages.state[i] &= ~STATE_PCP;
    this.count[cpu] -= 1 << order;
    return i;
  }

  /** nr_pcp_alloc(): how many blocks to move from the buddy lists into an empty pcp list. */
  private nrPcpAlloc(cpu: number, order: number): number {
    const baseBatch = this.batch;
    const highMin = this.highMin;
    const highMax = this.highMax;
    let high = clamp(this.high[cpu], highMin, highMax);
    this.high[cpu] = high;
    if (high < baseBatch) return 1;
    let batch = order !== 0 ? baseBatch : baseBatch << this.allocFactor[cpu];
    // A larger pcp->high would have avoided going to the zone.
    if (highMin !== highMax && !this.zone.belowHigh) {
      high = Math.min(high + batch, highMax);
      this.high[cpu] = high;
    }
    if (order === 0) {
      const maxNrAlloc = Math.max(high - this.count[cpu] - baseBatch, baseBatch);
      // Consecutive order-0 refills without frees double the batch.
      if (batch <= maxNrAlloc && this.allocFactor[cpu] < PCP_BATCH_SCALE_MAX) this.allocFactor[cpu]++;
      batch = Math.min(batch, maxNrAlloc);
    }
    if (batch > 1) batch = Math.max(batch >> order, 2);
    return batch;
  }

  /** rmqueue_bulk(): `count` blocks to the tail of `list`, so they come out in pfn order. */
  private rmqueueBulk(order: number, count: number, list: number, mt: number): number {
    const lists = this.lists;
    const state = this.pages.state;
    let k = 0;
    for (; k < count; k++) {
      const i = this.zone.rmqueue(order, mt);
      if (i < 0) break;
      lists.addTail(list, i);
      state[i] |= STATE_PCP;
    }
    return k;
  }

  /** free_unref_page_commit(): onto the pcp list head; spill a batch when above pcp->high. */
  freeCommit(cpu: number, i: number, mt: number, order: number): void {
    this.allocFactor[cpu] >>= 1;
    const pindex = orderToPindex(mt, order);
    this.lists.add(this.list(cpu, pindex), i);
    this.pages.state[i] |= STATE_PCP;
    this.count[cpu] += 1 << order;
    const batch = this.batch;
    let freeHigh = false;
    let flags = this.flags[cpu];
    if (order > 0 && order <= PAGE_ALLOC_COSTLY_ORDER) {
      freeHigh =
        this.freeCount[cpu] >= batch &&
        (flags & PCPF_PREV_FREE_HIGH_ORDER) !== 0 &&
        ((flags & PCPF_FREE_HIGH_BATCH) === 0 || this.count[cpu] >= batch);
      flags |= PCPF_PREV_FREE_HIGH_ORDER;
    } else if ((flags & PCPF_PREV_FREE_HIGH_ORDER) !== 0) {
      flags &= ~PCPF_PREV_FREE_HIGH_ORDER;
    }
    this.flags[cpu] = flags;
    if (this.freeCount[cpu] < batch << PCP_BATCH_SCALE_MAX) this.freeCount[cpu] += 1 << order;
    const high = this.nrPcpHigh(cpu, batch, freeHigh);
    if (this.count[cpu] >= high) {
      this.freeBulk(cpu, this.nrPcpFree(cpu, batch, high, freeHigh), pindex);
      if (this.zone.belowHigh && this.zone.watermarkOk(0, this.zone.watermarks.high)) this.zone.belowHigh = false;
    }
  }

  /** nr_pcp_high(): the current high mark, tuning pcp->high on the way. */
  private nrPcpHigh(cpu: number, batch: number, freeHigh: boolean): number {
    const highMin = this.highMin;
    const highMax = this.highMax;
    let high = clamp(this.high[cpu], highMin, highMax);
    this.high[cpu] = high;
    if (high === 0) return 0;
    if (freeHigh) {
      this.high[cpu] = Math.max(high - (batch << PCP_BATCH_SCALE_MAX), highMin);
      return 0;
    }
    if (highMin === highMax) return high;
    if (this.zone.belowHigh) {
      const freeCount = Math.max(this.freeCount[cpu], batch);
      this.high[cpu] = Math.max(high - freeCount, highMin);
      high = Math.max(this.count[cpu], highMin);
    } else if (this.count[cpu] >= high) {
      const needHigh = this.freeCount[cpu] + batch;
      if (this.high[cpu] < needHigh) this.high[cpu] = clamp(needHigh, highMin, highMax);
    }
    return high;
  }

  /** nr_pcp_free(): how many pages to spill. */
  private nrPcpFree(cpu: number, batch: number, high: number, freeHigh: boolean): number {
    if (freeHigh) return Math.min(this.count[cpu], batch << PCP_BATCH_SCALE_MAX);
    if (high < batch) return 1;
    return clamp(this.freeCount[cpu], batch, high - batch);
  }

  /** free_pcppages_bulk(): oldest pages (list tails) back to the buddy lists, lists round-robin. */
  freeBulk(cpu: number, count: number, pindex: number): void {
    count = Math.min(this.count[cpu], count);
    pindex = pindex - 1;
    const lists = this.lists;
    const state = this.pages.state;
    const before = this.count[cpu];
    this.counters.cur.pcpBulkFrees++;
    while (count > 0) {
      let list: number;
      do {
        if (++pindex > NR_PCP_LISTS - 1) pindex = 0;
        list = this.list(cpu, pindex);
      } while (lists.empty(list));
      const order = pindexToOrder(pindex);
      const nr = 1 << order;
      do {
        const i = lists.last(list);
        lists.del(i);
        state[i] &= ~STATE_PCP;
        count -= nr;
        this.count[cpu] -= nr;
        this.zone.freeOneBlock(i, order, this.zone.migratetype(i), false);
      } while (count > 0 && !lists.empty(list));
    }
    this.counters.cur.pcpPagesBulkFreed += before - this.count[cpu];
  }

  /** List index of pcp->lists[pindex] of `cpu`. */
  list(cpu: number, pindex: number): number {
    return this.listBase + cpu * NR_PCP_LISTS + pindex;
  }

  /** drain_pages_zone(cpu): in chunks of batch << CONFIG_PCP_BATCH_SCALE_MAX. */
  drain(cpu: number): void {
    let count = this.count[cpu];
    while (count > 0) {
      this.freeBulk(cpu, Math.min(count, this.batch << PCP_BATCH_SCALE_MAX), 0);
      count = this.count[cpu];
    }
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
