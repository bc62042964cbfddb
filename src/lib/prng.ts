/**
 * Seeded pseudo-random number generator (xoshiro128**, seeded through splitmix32).
 *
 * Every random choice in a run (MTE IRG tags, the software tag LCG's seed, workload choices)
 * comes from one of these, so the same seed gives byte-identical output. Streams for separate
 * consumers are derived with `fork(label)`, so adding a consumer does not perturb the others.
 */
export class Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** The rejection limit of the last bound nextInt() saw (bounds repeat on hot paths). */
  private lastN = Number.NaN; // NaN matches no bound, so the first call always validates
  private lastLimit = 0;

  constructor(seed: number | string) {
    let x = typeof seed === "number" ? seed >>> 0 : hashString(seed);
    const next = (): number => {
      // splitmix32
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next uniformly distributed unsigned 32-bit integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform integer in [0, n), without modulo bias (n ≤ 2^32). */
  nextInt(n: number): number {
    if (n !== this.lastN) {
      if (n <= 0) throw new RangeError(`Prng.nextInt: n must be positive, got ${n}`);
      this.lastN = n;
      this.lastLimit = 0x1_0000_0000 - (0x1_0000_0000 % n);
    }
    const limit = this.lastLimit;
    for (;;) {
      const v = this.nextU32();
      // v % n without `%`: on a uint32 that compiles to x87 fprem; floor(v / n) is exact here.
      if (v < limit) return v - Math.floor(v / n) * n;
    }
  }

  /** Uniform float in [0, 1). */
  nextFloat(): number {
    return this.nextU32() / 0x1_0000_0000;
  }

  /** An independent stream derived from this one's seed state and a label. */
  fork(label: string): Prng {
    return new Prng((hashString(label) ^ this.s0 ^ rotl(this.s2, 13)) >>> 0);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** FNV-1a over the UTF-16 code units of a string. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
