/**
 * Traced page allocations waiting to learn what they were for (replay-engine.ts: a slab object
 * or kmalloc_large block inside them within the claim window, else replayed as pages), as a
 * FIFO of parallel typed arrays: queueing, claiming and expiring allocate nothing.
 *
 *   const i = q.push(eventIdx, pfn, order, gfp, cpu, pid, hardirq, silent);
 *   for (let i = q.head; i < q.tail; i++) if (q.isLive(i) && …) q.settle(i);
 *   q.advance();   // drop the settled prefix
 */

/** Buckets (pfn mod this) counting live entries: a page free scans the queue only on a hit. */
const PFN_BUCKETS = 4096;
/**
 * Buckets (16-page region mod this) counting live blocks that overlap the region: a claim scans
 * the queue only when the object's page lies in a region some live block touches. Blocks
 * spanning more than REGION_SPAN_MAX regions are counted apart and always scanned for.
 */
const REGION_SHIFT_PAGES = 16;
const REGION_BUCKETS = 4096;
const REGION_SPAN_MAX = 4;
const F_HARDIRQ = 1;
const F_SILENT = 2;
const F_LIVE = 4;

export class PendingPages {
  /** Event index when queued; pfn and end (pfn + 2^order) of the block; gfp; pid. */
  idx: Float64Array = new Float64Array(256);
  pfn: Float64Array = new Float64Array(256);
  end: Float64Array = new Float64Array(256);
  gfp: Float64Array = new Float64Array(256);
  pid: Float64Array = new Float64Array(256);
  order: Int32Array = new Int32Array(256);
  cpu: Int32Array = new Int32Array(256);
  private flags: Uint8Array = new Uint8Array(256);
  /** Entries [head, tail) are queued (settled ones among them until the head passes them). */
  head = 0;
  tail = 0;
  /** Entries not yet settled. */
  live = 0;
  private readonly pfnCount = new Int32Array(PFN_BUCKETS);
  private readonly regionCount = new Int32Array(REGION_BUCKETS);
  /** Live blocks spanning more than REGION_SPAN_MAX regions. */
  private wide = 0;

  push(idx: number, pfn: number, order: number, gfp: number, cpu: number, pid: number, hardirq: boolean, silent: boolean): number {
    if (this.tail === this.idx.length) this.makeRoom();
    const i = this.tail++;
    this.idx[i] = idx;
    this.pfn[i] = pfn;
    this.end[i] = pfn + 2 ** order;
    this.gfp[i] = gfp;
    this.pid[i] = pid;
    this.order[i] = order;
    this.cpu[i] = cpu;
    this.flags[i] = F_LIVE | (hardirq ? F_HARDIRQ : 0) | (silent ? F_SILENT : 0);
    this.live++;
    this.pfnCount[pfn % PFN_BUCKETS]++;
    this.countRegions(pfn, this.end[i], 1);
    return i;
  }

  isLive(i: number): boolean {
    return (this.flags[i] & F_LIVE) !== 0;
  }

  hardirq(i: number): boolean {
    return (this.flags[i] & F_HARDIRQ) !== 0;
  }

  silent(i: number): boolean {
    return (this.flags[i] & F_SILENT) !== 0;
  }

  /** Whether a live entry might have this pfn (no false negatives). */
  mayHavePfn(pfn: number): boolean {
    return this.pfnCount[pfn % PFN_BUCKETS] > 0;
  }

  /** Whether a live block might contain page `pfn` (no false negatives). */
  mayContain(pfn: number): boolean {
    // A region number below 2^53 keeps its residue mod 4096 through ToInt32.
    return this.wide > 0 || this.regionCount[Math.floor(pfn / REGION_SHIFT_PAGES) & (REGION_BUCKETS - 1)] > 0;
  }

  /** Entry i is decided (claimed or replayed). */
  settle(i: number): void {
    this.flags[i] &= ~F_LIVE;
    this.live--;
    this.pfnCount[this.pfn[i] % PFN_BUCKETS]--;
    this.countRegions(this.pfn[i], this.end[i], -1);
  }

  /** Add `d` to the region buckets the block [pfn, end) overlaps (or to `wide`). */
  private countRegions(pfn: number, end: number, d: number): void {
    const r0 = Math.floor(pfn / REGION_SHIFT_PAGES);
    const r1 = Math.floor((end - 1) / REGION_SHIFT_PAGES);
    if (!(r1 - r0 < REGION_SPAN_MAX)) {
      this.wide += d;
      return;
    }
    for (let r = r0; r <= r1; r++) this.regionCount[r & (REGION_BUCKETS - 1)] += d;
  }

  /** Pass the head over settled entries; start over when the queue is empty. */
  advance(): void {
    while (this.head < this.tail && (this.flags[this.head] & F_LIVE) === 0) this.head++;
    if (this.head === this.tail) this.head = this.tail = 0;
  }

  /** Full at the end: slide the queued entries to the front, or grow. */
  private makeRoom(): void {
    const h = this.head;
    const n = this.tail - h;
    if (h > 0 && n <= this.idx.length / 2) {
      for (const a of [this.idx, this.pfn, this.end, this.gfp, this.pid]) a.copyWithin(0, h, this.tail);
      for (const a of [this.order, this.cpu]) a.copyWithin(0, h, this.tail);
      this.flags.copyWithin(0, h, this.tail);
    } else {
      const len = this.idx.length * 2;
      const g64 = (a: Float64Array): Float64Array => {
        const b = new Float64Array(len);
        b.set(a.subarray(h, this.tail));
        return b;
      };
      const g32 = (a: Int32Array): Int32Array => {
        const b = new Int32Array(len);
        b.set(a.subarray(h, this.tail));
        return b;
      };
      this.idx = g64(this.idx);
      this.pfn = g64(this.pfn);
      this.end = g64(this.end);
      this.gfp = g64(this.gfp);
      this.pid = g64(this.pid);
      this.order = g32(this.order);
      this.cpu = g32(this.cpu);
      const f = new Uint8Array(len);
      f.set(this.flags.subarray(h, this.tail));
      this.flags = f;
    }
    this.head = 0;
    this.tail = n;
  }
}
