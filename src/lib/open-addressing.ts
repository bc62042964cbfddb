/**
 * Probing for open-addressing tables keyed by non-zero numbers (integers up to 2^53) in a
 * Float64Array of 2^bits slots, 0 marking an empty slot: linear probing from a Fibonacci-hashed
 * home slot, deletion by backward shift (no tombstones, so a search never walks dead slots).
 * The tables that use it keep their values in parallel typed arrays of their own.
 */

/** The home slot of `key`: Fibonacci hashing of its two 32-bit halves (addresses and pfns of one burst are close). */
export function homeSlot(key: number, bits: number): number {
  const lo = key >>> 0;
  const hi = (key / 4294967296) | 0;
  return Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> (32 - bits);
}

/** The slot holding `key`, or -1 (0 is never a key). */
export function findSlot(keys: Float64Array, bits: number, key: number): number {
  const mask = (1 << bits) - 1;
  for (let i = homeSlot(key, bits); ; i = (i + 1) & mask) {
    const k = keys[i];
    if (k === key) return k === 0 ? -1 : i;
    if (k === 0) return -1;
  }
}

/** The first empty slot on `key`'s probe run (the table must have one), with `key` written there. */
export function claimSlot(keys: Float64Array, bits: number, key: number): number {
  const mask = (1 << bits) - 1;
  let i = homeSlot(key, bits);
  while (keys[i] !== 0) i = (i + 1) & mask;
  keys[i] = key;
  return i;
}

/**
 * Empty `slot`, moving later entries of its probe run back so that no search stops short;
 * `move(from, to)` copies an entry's values as its key moves.
 */
export function removeSlot(keys: Float64Array, bits: number, slot: number, move: (from: number, to: number) => void): void {
  const mask = (1 << bits) - 1;
  let hole = slot;
  for (let i = (slot + 1) & mask; keys[i] !== 0; i = (i + 1) & mask) {
    const h = homeSlot(keys[i], bits);
    // Entry i may fill the hole if its home is not cyclically inside (hole, i].
    if (((i - h) & mask) >= ((i - hole) & mask)) {
      keys[hole] = keys[i];
      move(i, hole);
      hole = i;
    }
  }
  keys[hole] = 0;
}
