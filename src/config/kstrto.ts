/**
 * The kernel's string-to-number helpers used by boot parameter handlers (lib/kstrtox.c):
 * `kstrtoul`/`kstrtouint` with base 0 (0x… hex, 0… octal, else decimal; one trailing newline
 * allowed; no sign for unsigned) and `kstrtobool` (first character y/Y/1/n/N/0, or on/off).
 * Each returns `undefined` where the kernel returns -EINVAL or -ERANGE, so the caller can keep
 * the previous value exactly as the kernel's handlers do.
 */

/** ULONG_MAX on arm64 (64-bit). */
export const ULONG_MAX = (1n << 64n) - 1n;
/** LONG_MAX on arm64. */
export const LONG_MAX = (1n << 63n) - 1n;
/** UINT_MAX / INT_MAX (32-bit int). */
export const UINT_MAX = 0xffff_ffffn;
export const INT_MAX = 0x7fff_ffffn;

/**
 * Parse an unsigned integer the way `_kstrtoull(s, 0, …)` does. Returns a BigInt (boot-time
 * only, never on a hot path) so values up to ULONG_MAX compare exactly; undefined on error.
 */
export function kstrtoull(s: string | undefined): bigint | undefined {
  if (s === undefined) return undefined;
  let t = s;
  if (t.startsWith("+")) t = t.slice(1);
  if (t.endsWith("\n")) t = t.slice(0, -1);
  let base = 10;
  if (/^0[xX]/.test(t)) {
    base = 16;
    t = t.slice(2);
  } else if (t.length > 1 && t.startsWith("0")) {
    base = 8;
    t = t.slice(1);
  }
  if (t.length === 0) return undefined;
  const digits = base === 16 ? /^[0-9a-fA-F]+$/ : base === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!digits.test(t)) return undefined;
  const v = BigInt((base === 16 ? "0x" : base === 8 ? "0o" : "") + t);
  return v > ULONG_MAX ? undefined : v; // -ERANGE
}

/** kstrtouint(s, 0, &v): 32-bit unsigned, undefined on error or overflow (-ERANGE). */
export function kstrtouint(s: string | undefined): number | undefined {
  const v = kstrtoull(s);
  if (v === undefined || v > UINT_MAX) return undefined;
  return Number(v);
}

/** kstrtoint(s, 0, &v): 32-bit signed with optional leading '-'. */
export function kstrtoint(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  if (s.startsWith("-")) {
    const v = kstrtoull(s.slice(1));
    if (v === undefined || v > INT_MAX + 1n) return undefined;
    return -Number(v);
  }
  const v = kstrtoull(s);
  if (v === undefined || v > INT_MAX) return undefined;
  return Number(v);
}

/** kstrtobool(s, &v): y/Y/1 → true, n/N/0 → false, on/off (o followed by n/f); else undefined. */
export function kstrtobool(s: string | undefined): boolean | undefined {
  if (s === undefined || s.length === 0) return undefined;
  switch (s[0]) {
    case "y":
    case "Y":
    case "1":
      return true;
    case "n":
    case "N":
    case "0":
      return false;
    case "o":
    case "O":
      switch (s[1]) {
        case "n":
        case "N":
          return true;
        case "f":
        case "F":
          return false;
        default:
          return undefined;
      }
    default:
      return undefined;
  }
}
