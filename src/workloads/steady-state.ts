/**
 * Fast-forwarding a workload that repeats the same iteration many times.
 *
 * Periodic (exact). Iterations are simulated exactly until the system is periodic: for some
 * period p, the state fingerprint after iteration k equals the ones after k − p, k − 2p and
 * k − 3p, and the counter deltas of the last three periods are identical; the check goes on until
 * at least `minSimulated` iterations ran. From then on each further period leaves the same state
 * and adds the same counts, so the remaining whole periods are added as multiples of the last
 * period's delta and only the leftover (< p) iterations are simulated.
 *
 * Why no count depends on what is not in the fingerprint: tag values (IRG/LCG draws) and exact
 * addresses or pids never decide a branch the counters see — how many granules get tagged, which
 * instruction sequence mte_set_mem_tag_range uses, whether a page is poisoned (page tag 0xFF or
 * not; a random tag is never 0xFF), whether a per-CPU cache or pool has room — those depend only
 * on sizes, alignments, list lengths and occupancies, which the fingerprint holds.
 *
 * Layout counters. Which physical pages the buddy allocator hands out, and so how many blocks it
 * splits and merges, depends on the shape of its free lists, which drifts slowly and does not
 * repeat within a practical number of iterations (the free lists of 2 GiB of memory are a very
 * large state). That shape decides nothing else the model counts as long as every request is
 * served at its order (no compaction or fallback is modelled), so the layout counters
 * (`LAYOUT_COUNTERS`) are left out of the period test and the fingerprint, and for the skipped
 * iterations they are extrapolated from their mean over the simulated periods. The result lists
 * them with the per-iteration range seen, so a reader knows those figures are estimates; every
 * other counter stays exact.
 *
 * Mean (estimate). Some workloads never become periodic within a practical run: thresholds
 * crossed at a rate that is not a whole number of iterations (vmalloc's lazy-purge threshold
 * against the stack areas freed per iteration, Generic's quarantine size limit, pcp tuning) make
 * the state's period very long. When no period has been found after `meanAfter` iterations, the
 * remaining iterations are extrapolated from the mean per-iteration delta of the last
 * `meanWindow`; every counter that varied inside that window is listed as estimated, with its
 * range, and the method is reported as "mean". `--exact` simulates everything.
 */
import { COUNTER_NAMES, ORIGINS, type CounterName, type Counters } from "../cost/counters.js";

/** Counters that depend on the buddy allocator's physical layout (see the header). */
export const LAYOUT_COUNTERS: readonly CounterName[] = ["buddySplits", "buddyMerges"];

export interface SteadyStateOptions {
  /** Total iterations. */
  iterations: number;
  /** Simulate everything (no fast-forward). */
  exact: boolean;
  /** Longest period looked for (default 8). */
  maxPeriod?: number;
  /**
   * Iterations to simulate at least before extrapolating a period (default 24), so the layout
   * counters' mean is taken over several periods.
   */
  minSimulated?: number;
  /** Iterations after which, with no period found, the mean is used (default 48). */
  meanAfter?: number;
  /** Iterations the mean is taken over (default 32). */
  meanWindow?: number;
  /** Called after every simulated or skipped iteration count change (progress bars). */
  progress?: (done: number, total: number) => void;
}

/** A counter whose share of the extrapolated iterations is an estimate. */
export interface EstimatedCounter {
  counter: CounterName;
  /** Mean per iteration over the averaging window (all origins summed). */
  meanPerIteration: number;
  /** Smallest and largest per-iteration value in the window. */
  min: number;
  max: number;
  /** Iterations the mean was taken over. */
  window: number;
}

export type FastForwardMethod = "exact" | "periodic" | "mean";

export interface SteadyStateResult {
  /** How the iterations that were not simulated were accounted for. */
  method: FastForwardMethod;
  simulated: number;
  extrapolated: number;
  /** Period found (0 unless method is "periodic"). */
  period: number;
  /**
   * Periodic: iterations simulated when the period was confirmed (the pattern began 3 periods
   * earlier). Mean: iterations simulated when the mean was taken.
   */
  confirmedAfter: number;
  /** Counters whose share of the extrapolated iterations is an estimate. */
  estimated: EstimatedCounter[];
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

/** counters += m · delta, each field rounded to a whole count. */
export function addScaled(c: Counters, delta: Float64Array, m: number): void {
  for (let o = 0; o < ORIGINS.length; o++) {
    const set = c.byOrigin[ORIGINS[o]];
    for (let i = 0; i < NC; i++) {
      const d = delta[o * NC + i];
      if (d !== 0) set[COUNTER_NAMES[i]] = Math.round(set[COUNTER_NAMES[i]] + d * m);
    }
  }
}

/** True at the vector positions of the layout counters (every origin). */
function layoutMask(): Uint8Array {
  const mask = new Uint8Array(ORIGINS.length * NC);
  for (const name of LAYOUT_COUNTERS) {
    const i = COUNTER_NAMES.indexOf(name);
    for (let o = 0; o < ORIGINS.length; o++) mask[o * NC + i] = 1;
  }
  return mask;
}

function equalExceptLayout(a: Float64Array, b: Float64Array, mask: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (mask[i] === 0 && a[i] !== b[i]) return false;
  return true;
}

/** Per-iteration deltas of the last `w` iterations, averaged (positions where `use` is 1). */
function meanDelta(deltas: Float64Array[], w: number, use: (j: number) => boolean): Float64Array {
  const n = deltas.length;
  const out = new Float64Array(deltas[0].length);
  for (let j = 0; j < out.length; j++) {
    if (!use(j)) continue;
    let s = 0;
    for (let k = n - w; k < n; k++) s += deltas[k][j];
    out[j] = s / w;
  }
  return out;
}

/** Counter `i` (all origins summed) over the last `w` deltas: mean, min and max. */
function describe(counter: CounterName, deltas: Float64Array[], w: number): EstimatedCounter {
  const i = COUNTER_NAMES.indexOf(counter);
  const n = deltas.length;
  let min = Infinity;
  let max = -Infinity;
  let s = 0;
  for (let k = n - w; k < n; k++) {
    let v = 0;
    for (let o = 0; o < ORIGINS.length; o++) v += deltas[k][o * NC + i];
    s += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { counter, meanPerIteration: s / w, min, max, window: w };
}

/** Counters (any origin) whose per-iteration delta varied over the last `w` iterations. */
function varyingCounters(deltas: Float64Array[], w: number): CounterName[] {
  const n = deltas.length;
  const out: CounterName[] = [];
  for (let i = 0; i < NC; i++) {
    let varies = false;
    for (let o = 0; o < ORIGINS.length && !varies; o++) {
      const j = o * NC + i;
      for (let k = n - w + 1; k < n && !varies; k++) varies = deltas[k][j] !== deltas[n - w][j];
    }
    if (varies) out.push(COUNTER_NAMES[i]);
  }
  return out;
}

/**
 * Run `step` `iterations` times, fast-forwarding once periodic (or, failing that, by the mean).
 * `fingerprint` summarises the state that decides future counts (allocator occupancy, slab usage,
 * vmap areas, caches, RCU), leaving out the buddy free-list shape (see the header).
 */
export function runWithFastForward(counters: Counters, step: (i: number) => void, fingerprint: () => string, o: SteadyStateOptions): SteadyStateResult {
  const maxP = o.maxPeriod ?? 8;
  const minSimulated = o.minSimulated ?? 24;
  const meanAfter = o.meanAfter ?? 48;
  const meanWindow = o.meanWindow ?? 32;
  const mask = layoutMask();
  const fps: string[] = [];
  const deltas: Float64Array[] = [];
  const keep = Math.max(4 * maxP + 4, minSimulated + 3 * maxP, meanWindow);
  let prev = snapshotCounters(counters);
  let done = 0;
  // Start of the periodic pattern, and the iteration count when it was confirmed.
  let confirmed = 0;
  let detectedAt = 0;
  let period = 0;

  /** Account for the iterations after `done` by `perPeriod` (a delta over `p` iterations), then simulate the leftover. */
  const finish = (perPeriod: Float64Array, p: number): number => {
    const remaining = o.iterations - done;
    const periods = Math.floor(remaining / p);
    if (periods > 0) addScaled(counters, perPeriod, periods);
    const extrapolated = periods * p;
    for (let r = 0; r < remaining - extrapolated; r++) step(done + extrapolated + r);
    o.progress?.(o.iterations, o.iterations);
    return extrapolated;
  };

  while (done < o.iterations) {
    step(done);
    done++;
    const now = snapshotCounters(counters);
    const d = new Float64Array(now.length);
    for (let i = 0; i < d.length; i++) d[i] = now[i] - prev[i];
    prev = now;
    fps.push(fingerprint());
    deltas.push(d);
    if (fps.length > keep) {
      fps.shift();
      deltas.shift();
    }
    o.progress?.(done, o.iterations);
    if (o.exact) continue;
    const n = fps.length;
    const last = n - 1;
    if (period > 0 && (fps[last] !== fps[last - period] || !equalExceptLayout(deltas[last], deltas[last - period], mask))) {
      // The pattern broke while still simulating up to minSimulated: look again.
      period = 0;
      confirmed = 0;
    }
    for (let p = 1; period === 0 && p <= maxP && 3 * p < n; p++) {
      if (fps[last] !== fps[last - p] || fps[last] !== fps[last - 2 * p] || fps[last] !== fps[last - 3 * p]) continue;
      let same = true;
      for (let i = 0; i < 2 * p && same; i++) same = equalExceptLayout(deltas[last - i], deltas[last - p - i], mask);
      if (!same) continue;
      period = p;
      confirmed = done - 3 * p;
      detectedAt = done;
    }
    if (period > 0 && done >= minSimulated) {
      const p = period;
      // Averaging window for the layout counters: every whole period since the pattern began.
      const w = Math.floor(Math.min(n, done - confirmed) / p) * p;
      const perPeriod = new Float64Array(d.length);
      for (let i = 0; i < p; i++) {
        const di = deltas[last - i];
        for (let j = 0; j < perPeriod.length; j++) if (mask[j] === 0) perPeriod[j] += di[j];
      }
      const layoutMean = meanDelta(deltas, w, (j) => mask[j] === 1);
      for (let j = 0; j < perPeriod.length; j++) if (mask[j] === 1) perPeriod[j] = layoutMean[j] * p;
      const extrapolated = finish(perPeriod, p);
      const estimated = extrapolated > 0 ? LAYOUT_COUNTERS.map((c) => describe(c, deltas, w)) : [];
      return { method: extrapolated > 0 ? "periodic" : "exact", simulated: o.iterations - extrapolated, extrapolated, period: p, confirmedAfter: detectedAt, estimated };
    }
    if (period === 0 && done >= meanAfter && n >= meanWindow) {
      const w = meanWindow;
      const mean = meanDelta(deltas, w, () => true);
      const estimated = varyingCounters(deltas, w).map((c) => describe(c, deltas, w));
      const extrapolated = finish(mean, 1);
      return { method: extrapolated > 0 ? "mean" : "exact", simulated: o.iterations - extrapolated, extrapolated, period: 0, confirmedAfter: done, estimated };
    }
  }
  return { method: "exact", simulated: done, extrapolated: 0, period: 0, confirmedAfter: 0, estimated: [] };
}
