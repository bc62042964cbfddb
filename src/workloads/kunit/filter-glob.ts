/**
 * kunit.filter_glob (lib/kunit/executor.c): "<suite glob>" or "<suite glob>.<test glob>", matched
 * with glob_match() (lib/glob.c: `*`, `?`, `[...]` classes with ranges and `!` negation).
 */
import { InputError } from "../../cli/errors.js";

export interface KunitFilter {
  suiteGlob: string;
  /** undefined: every test of a matching suite. */
  testGlob: string | undefined;
}

/** Parse `--filter` text (the kernel splits at the first '.'). */
export function parseFilterGlob(text: string): KunitFilter {
  if (text.length === 0) throw new InputError(`--filter: expected "<suite glob>" or "<suite glob>.<test glob>", got an empty string`);
  const dot = text.indexOf(".");
  if (dot < 0) return { suiteGlob: text, testGlob: undefined };
  const suiteGlob = text.slice(0, dot);
  const testGlob = text.slice(dot + 1);
  if (suiteGlob.length === 0 || testGlob.length === 0) {
    throw new InputError(`--filter: expected "<suite glob>.<test glob>" with both parts non-empty, got "${text}"`);
  }
  return { suiteGlob, testGlob };
}

/** glob_match(pat, str). */
export function globMatch(pat: string, str: string): boolean {
  let p = 0;
  let s = 0;
  let backP = -1;
  let backS = -1;
  while (true) {
    if (s < str.length) {
      const c = str[s];
      const d = pat[p];
      if (d === "?") {
        p++;
        s++;
        continue;
      }
      if (d === "*") {
        if (p + 1 === pat.length) return true;
        backP = ++p;
        backS = s;
        continue;
      }
      if (d === "[") {
        const r = matchClass(pat, p + 1, c);
        if (r.end >= 0 && r.match) {
          p = r.end;
          s++;
          continue;
        }
      } else if (d === c && d !== undefined) {
        p++;
        s++;
        continue;
      }
    } else if (p === pat.length) {
      return true;
    } else if (pat[p] === "*") {
      p++;
      continue;
    } else {
      return false;
    }
    if (backP < 0 || backS >= str.length) return false;
    p = backP;
    s = ++backS;
  }
}

/** A `[...]` class starting after '[' at `i`: whether `c` matches and the index after ']'. */
function matchClass(pat: string, i: number, c: string): { match: boolean; end: number } {
  let inverted = false;
  if (pat[i] === "!") {
    inverted = true;
    i++;
  }
  let match = false;
  let first = true;
  while (i < pat.length && (first || pat[i] !== "]")) {
    first = false;
    let a = pat[i];
    let b = a;
    if (pat[i + 1] === "-" && i + 2 < pat.length && pat[i + 2] !== "]") {
      b = pat[i + 2];
      i += 2;
    }
    if (a > b) [a, b] = [b, a];
    if (c >= a && c <= b) match = true;
    i++;
  }
  if (i >= pat.length) return { match: false, end: -1 };
  return { match: match !== inverted, end: i + 1 };
}
