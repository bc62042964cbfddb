/**
 * Fast-forwarding a workload that repeats the same iteration many times.
 *
 * Iterations are simulated exactly until the system is periodic: for some period p, the state
 * fingerprint after iteration k equals the one after k − p and after k − 2p, and the counter
 * deltas of the last p iterations equal those of the p before (two consecutive identical
 * periods). From then on each further period would leave the same state and add the same
 * counts, so the remaining whole periods are added as multiples of the last period's delta and
 * only the leftover (< p) iterations are simulated.
 *
 * Why no count depends on what is not in the fingerprint: tag values (IRG/LCG draws) and exact
 * addresses or pids never decide a branch the counters see — how many granules get tagged, which
 * instruction sequence mte_set_mem_tag_range uses, whether a page is poisoned (page tag 0xFF or
 * not; a random tag is never 0xFF), whether a per-CPU cache or pool has room — those depend only
 * on sizes, alignments, list lengths and occupancies, which the fingerprint holds. The test
 * `fast-forward.test.ts` checks it: exact and fast-forwarded runs give identical counters.
 */
import { COUNTER_NAMES, ORIGINS, type Counters } from "../cost/counters.js";

export interface SteadyStateOptions {
  /** Total iterations. */
  iterations: number;
  /** Simulate everything (no fast-forward). */
  exact: boolean;
  /** Longest period looked for (default 8). */
  maxPeriod?: number;
  /** Called after every simulated or skipped iteration count change (progress bars). */
  progress?: (done: number, total: number) => void;
}

export interface SteadyStateResult {
  simulated: number;
  extrapolated: number;
  /** Period found (0 when none was used). */
  period: number;
  /** Iteration after which the period was confirmed (0-based count of simulated ones). */
  confirmedAfter: number;
}

const NC = COUNTER_NAMES.length;

/** All counters of every origin as one flat vector (origin-major). */
export function snapshotCounters(c: Counters): Float64Array {
  const v = new Float64Array(ORIGINS.length * NC);
  for (let o = 0; o < ORIGINS.length; o++) {
    const set = c.byOrigin[ORIGINS[o]];
    for (let i = 0; i < NC; i++) v[o * NC + i] = set[COUNTER_NAMES[i]];
  }
  return v;
}

/** counters += m · delta. */
export function addScaled(c: Counters, delta: Float64Array, m: number): void {
  for (let o = 0; o < ORIGINS.length; o++) {
    const set = c.byOrigin[ORIGINS[o]];
    for (let i = 0; i < NC; i++) {
      const d = delta[o * NC + i];
      if (d !== 0) set[COUNTER_NAMES[i]] += d * m;
    }
  }
}

function equalVec(a: Float64Array, b: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Run `step` `iterations` times, fast-forwarding once periodic. `fingerprint` summarises the
 * state that decides future counts (allocator free lists, slab usage, vmap areas, caches, RCU).
 */
export function runWithFastForward(counters: Counters, step: (i: number) => void, fingerprint: () => string, o: SteadyStateOptions): SteadyStateResult {
  const maxP = o.maxPeriod ?? 8;
  const fps: string[] = [];
  const deltas: Float64Array[] = [];
  let prev = snapshotCounters(counters);
  let done = 0;
  while (done < o.iterations) {
    step(done);
    done++;
    const now = snapshotCounters(counters);
    const d = new Float64Array(now.length);
    for (let i = 0; i < d.length; i++) d[i] = now[i] - prev[i];
    prev = now;
    fps.push(fingerprint());
    deltas.push(d);
    o.progress?.(done, o.iterations);
    if (o.exact) continue;
    const n = fps.length;
    for (let p = 1; p <= maxP && 2 * p < n; p++) {
      const last = n - 1;
      if (fps[last] !== fps[last - p] || fps[last] !== fps[last - 2 * p]) continue;
      let same = true;
      for (let i = 0; i < p && same; i++) same = equalVec(deltas[last - i], deltas[last - p - i]);
      if (!same) continue;
      const remaining = o.iterations - done;
      const periods = Math.floor(remaining / p);
      if (periods > 0) {
        const sum = new Float64Array(d.length);
        for (let i = 0; i < p; i++) {
          const di = deltas[last - i];
          for (let j = 0; j < sum.length; j++) sum[j] += di[j];
        }
        addScaled(counters, sum, periods);
      }
      const extrapolated = periods * p;
      const confirmedAfter = done;
      // The leftover iterations start from the same state: simulate them exactly.
      for (let r = 0; r < remaining - extrapolated; r++) step(done + extrapolated + r);
      o.progress?.(o.iterations, o.iterations);
      return { simulated: o.iterations - extrapolated, extrapolated, period: p, confirmedAfter };
    }
    // Bound the history kept.
    if (fps.length > 4 * maxP + 4) {
      fps.shift();
      deltas.shift();
    }
  }
  return { simulated: done, extrapolated: 0, period: 0, confirmedAfter: 0 };
}
