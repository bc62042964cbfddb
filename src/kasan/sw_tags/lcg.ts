/**
 * SW_TAGS random tags (mm/kasan/sw_tags.c kasan_random_tag): a per-CPU linear congruential
 * generator, state = 1664525 · state + 1013904223 (mod 2^32), tag = state mod (KASAN_TAG_MAX+1)
 * = state mod 254, so tags are 0x00..0xFD. Each CPU's state is seeded at kasan_init_sw_tags()
 * from get_cycles(); here from the run's seeded Prng.
 */
import type { Counters } from "../../cost/counters.js";
import type { Prng } from "../../lib/prng.js";
import { KASAN_TAG_MAX } from "../constants.js";

export const LCG_MULTIPLIER = 1664525;
export const LCG_INCREMENT = 1013904223;

export class SwTagsLcg {
  private readonly state: Uint32Array;

  constructor(nrCpus: number, prng: Prng, private readonly counters: Counters) {
    if (!Number.isInteger(nrCpus) || nrCpus < 1) throw new Error(`SwTagsLcg: nrCpus must be a positive integer, got ${nrCpus}`);
    this.state = new Uint32Array(nrCpus);
    for (let cpu = 0; cpu < nrCpus; cpu++) this.state[cpu] = prng.nextU32(); // (u32)get_cycles()
  }

  /** Overwrite one CPU's state (tests, trace replay). */
  seed(cpu: number, state: number): void {
    this.state[cpu] = state >>> 0;
  }

  stateOf(cpu: number): number {
    return this.state[cpu];
  }

  /** kasan_random_tag() on `cpu`. */
  next(cpu: number): number {
    const s = (Math.imul(LCG_MULTIPLIER, this.state[cpu]) + LCG_INCREMENT) >>> 0;
    this.state[cpu] = s;
    this.counters.cur.lcgTags += 1;
    // s % (KASAN_TAG_MAX + 1) without `%` (fprem on a uint32); the floored quotient is exact.
    return s - Math.floor(s / (KASAN_TAG_MAX + 1)) * (KASAN_TAG_MAX + 1);
  }
}
