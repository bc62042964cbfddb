/**
 * Remainder and alignment tests for non-negative addresses up to 2^53 by a power of two.
 * `x % a` on doubles beyond 2^31 compiles to a slow fmod call; subtracting the floored multiple
 * is exact for these operands and several times faster on the simulator's hot paths.
 */
export function modPow2(x: number, a: number): number {
  return x - Math.floor(x / a) * a;
}

export function isAligned(x: number, a: number): boolean {
  return x - Math.floor(x / a) * a === 0;
}

/** round_up(x, a) / ALIGN(x, a): the next multiple of `a` at or above `x`. */
export function roundUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

/** round_down(x, a): the multiple of `a` at or below `x`. */
export function roundDown(x: number, a: number): number {
  return Math.floor(x / a) * a;
}
