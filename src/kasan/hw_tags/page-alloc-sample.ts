/**
 * kasan_sample_page_alloc(order) (mm/kasan/kasan.h, 6.12): page_alloc sampling of HW_TAGS.
 * With kasan.page_alloc.sample=N > 1 only every Nth allocation of order ≥
 * kasan.page_alloc.sample.order is tagged; the others are left untagged (page tag 0xFF, so their
 * free is not poisoned either). The count is the per-CPU `long kasan_page_alloc_skip`, starting
 * at 0: each eligible allocation decrements it; when it drops below 0 it is reloaded with N − 1
 * and that allocation is tagged — so the 1st, (N+1)th, (2N+1)th … allocations on a CPU are.
 */

export class PageAllocSampler {
  /** kasan_page_alloc_skip, one per CPU (a double: the kernel's long reaches LONG_MAX − 1). */
  private readonly skip: Float64Array;

  constructor(
    /** kasan.page_alloc.sample (kasan_page_alloc_sample). */
    readonly sample: number,
    /** kasan.page_alloc.sample.order (kasan_page_alloc_sample_order). */
    readonly sampleOrder: number,
    nrCpus: number,
  ) {
    if (!Number.isSafeInteger(sample) || sample < 1) {
      throw new Error(`kasan.page_alloc.sample: expected an integer ≥ 1, got ${sample}`);
    }
    if (!Number.isSafeInteger(sampleOrder) || sampleOrder < 0) {
      throw new Error(`kasan.page_alloc.sample.order: expected a non-negative integer, got ${sampleOrder}`);
    }
    if (!Number.isInteger(nrCpus) || nrCpus < 1) throw new Error(`nrCpus: expected a positive integer, got ${nrCpus}`);
    this.skip = new Float64Array(nrCpus);
  }

  /** kasan_sample_page_alloc(order) on `cpu`: true = tag this allocation. */
  sampleAlloc(cpu: number, order: number): boolean {
    // Fast path: sampling disabled.
    if (this.sample === 1) return true;
    if (order < this.sampleOrder) return true;
    const left = this.skip[cpu] - 1;
    if (Number.isNaN(left)) throw new Error(`cpu: expected an integer in [0, ${this.skip.length}), got ${cpu}`);
    if (left < 0) {
      this.skip[cpu] = this.sample - 1;
      return true;
    }
    this.skip[cpu] = left;
    return false;
  }

  /** this_cpu kasan_page_alloc_skip. */
  skipOf(cpu: number): number {
    return this.skip[cpu];
  }
}
