/**
 * Turning counts into time: time = Σ count × cost over the cost terms of cost-terms.ts, with the
 * costs of one profile. Pure functions: the profile is parsed text, the counts a CounterSet (or
 * the per-origin Counters), no I/O here. Fitted constants are not in the profile; the caller
 * passes their values, or solves for them with `fitConstants` (one published figure per fitted
 * constant: time is linear in each, so the figures give a linear system).
 */
import type { KasanMode } from "../config/mode.js";
import { COST_TERMS, type CostTerm, type ExtraCountName, type KasanInstrumentation } from "./cost-terms.js";
import { Counters, ORIGINS, type CounterSet, type Origin } from "./counters.js";
import { ProfileError, type CostProfile, type Expr, type ProfileConstant } from "./profile.js";

export { loadProfile, ProfileError, type CostProfile, type ProfileConstant } from "./profile.js";
export { listProfiles, readProfile } from "./profile-files.js";

export interface EstimateOptions {
  /** The KASAN mode active in the run ("off" for a kernel without KASAN or booted with it off). */
  mode: KasanMode;
  /** How the software modes' checks were compiled (default "outline", Kconfig's default choice). */
  instrumentation?: KasanInstrumentation;
  /**
   * The release ("major.minor") of the kernel whose run is being priced, when it is not the one
   * the model follows (6.12): work a term marks as introduced later (CostTerm.since) is left out.
   */
  kernel?: string;
  /** Workload counts: a number, or the name of a workload constant of the profile (which may be fitted). */
  extra?: Readonly<Partial<Record<ExtraCountName, number | string>>>;
  /** Values of the profile's fitted constants, by constant name (`key` or `key@mode`). */
  fitted?: Readonly<Record<string, number>>;
}

export interface TermEstimate {
  count: number;
  /** The constant (ns per unit); undefined when the profile has it as n/a. */
  costNs: number | undefined;
  ns: number;
}

export interface Estimate {
  totalNs: number;
  /** Every term with a non-zero count. */
  byTerm: Record<string, TermEstimate>;
  /** Per origin (only when per-origin Counters were given); workload counts under "workload". */
  byOrigin: Record<Origin | "workload", number> | undefined;
  /** Terms with work counted but no figure in the profile (n/a): not in totalNs. */
  unpriced: { term: string; count: number; reason: string }[];
}

/** The constant line that applies to `key` in `mode`: `key@mode` if present, else `key`. */
export function constantFor(profile: CostProfile, key: string, mode: KasanMode): ProfileConstant {
  const c = profile.constants.get(`${key}@${mode}`) ?? profile.constants.get(key);
  if (c === undefined) throw new ProfileError(`${profile.fileName}: no constant for ${key} (every cost key needs a line, n/a with a reason if unknown)`);
  return c;
}

/** The value of a constant in `mode`; undefined when it is n/a (or derived from an n/a one). */
export function resolveConstant(profile: CostProfile, key: string, mode: KasanMode, fitted: Readonly<Record<string, number>> = {}): number | undefined {
  return resolveLine(profile, constantFor(profile, key, mode), mode, fitted, []);
}

function resolveLine(profile: CostProfile, c: ProfileConstant, mode: KasanMode, fitted: Readonly<Record<string, number>>, path: string[]): number | undefined {
  const v = c.value;
  switch (v.kind) {
    case "number":
      return v.value;
    case "na":
      return undefined;
    case "fit": {
      const x = fitted[c.name];
      if (x === undefined || !Number.isFinite(x)) {
        throw new ProfileError(`${profile.fileName}:${c.line}: ${c.name} is fitted to ${v.row}; pass its value as fitted["${c.name}"] (or solve it with fitConstants)`);
      }
      return x;
    }
    case "derived": {
      if (path.includes(c.name)) throw new ProfileError(`${profile.fileName}:${c.line}: derived constants form a cycle: ${[...path, c.name].join(" → ")}`);
      return evalExpr(v.expr, (ref) => {
        const [key, m] = ref.split("@") as [string, KasanMode | undefined];
        const line = m !== undefined ? profile.constants.get(ref) : constantFor(profile, key, mode);
        if (line === undefined) throw new ProfileError(`${profile.fileName}:${c.line}: ${c.name} refers to ${ref}, which has no line`);
        return resolveLine(profile, line, mode, fitted, [...path, c.name]);
      }, `${profile.fileName}:${c.line}: ${c.name}`);
    }
  }
}

function evalExpr(e: Expr, ref: (name: string) => number | undefined, at: string): number | undefined {
  switch (e.op) {
    case "num":
      return e.value;
    case "ref":
      return ref(e.name);
    case "neg": {
      const a = evalExpr(e.a, ref, at);
      return a === undefined ? undefined : -a;
    }
    default: {
      const a = evalExpr(e.a, ref, at);
      const b = evalExpr(e.b, ref, at);
      if (a === undefined || b === undefined) return undefined;
      if (e.op === "+") return a + b;
      if (e.op === "-") return a - b;
      if (e.op === "*") return a * b;
      if (b === 0) throw new ProfileError(`${at}: derived expression divides by zero`);
      return a / b;
    }
  }
}

/** The kernel release the model follows, for terms priced without EstimateOptions.kernel. */
export const MODEL_KERNEL = "6.12";

/** "major.minor" as a number that orders releases (5.18 < 6.1 < 6.12). */
function releaseOrder(release: string, what: string): number {
  const m = /^(\d+)\.(\d+)$/.exec(release);
  if (m === null) throw new ProfileError(`${what}: expected a kernel release as major.minor (e.g. 5.18), got "${release}"`);
  return Number(m[1]) * 1000 + Number(m[2]);
}

/** Whether a term counts in `mode`, for a kernel built with `instrumentation`, of release `kernel`. */
function active(t: CostTerm, mode: KasanMode, instrumentation: KasanInstrumentation = "outline", kernel: string = MODEL_KERNEL): boolean {
  return (
    (t.modes === undefined || t.modes.includes(mode)) &&
    (t.instrumentation === undefined || t.instrumentation === instrumentation) &&
    (t.since === undefined || releaseOrder(kernel, "kernel") >= releaseOrder(t.since, `cost term ${t.key}: since`))
  );
}

/** The term's count from one counter set (workload counts not included). */
export function counterCount(t: CostTerm, c: CounterSet): number {
  let n = 0;
  for (const [name, coef] of Object.entries(t.counters) as [keyof CounterSet, number][]) n += coef * c[name];
  return n;
}

/**
 * The term's workload count, or the reason it has none: a workload count may name a profile
 * constant (e.g. bootOrdinaryAccesses), and where that constant is n/a the term cannot be priced.
 */
function extraCount(profile: CostProfile, t: CostTerm, opts: EstimateOptions): { n: number } | { unknown: string } {
  if (t.extra === undefined || opts.extra === undefined) return { n: 0 };
  let n = 0;
  for (const [name, coef] of Object.entries(t.extra) as [ExtraCountName, number][]) {
    const v = opts.extra[name];
    if (v === undefined) continue;
    let x: number | undefined;
    if (typeof v === "number") x = v;
    else {
      x = resolveConstant(profile, v, opts.mode, opts.fitted);
      if (x === undefined) return { unknown: `workload count ${name} is ${v}, n/a in this profile: ${constantFor(profile, v, opts.mode).source}` };
    }
    if (!Number.isFinite(x) || x < 0) throw new ProfileError(`extra count ${name}: expected a non-negative number, got ${x}`);
    n += coef * x;
  }
  return { n };
}

/** time = Σ count × cost over the cost terms, for the counts of one run. */
export function estimate(profile: CostProfile, counts: CounterSet | Counters, opts: EstimateOptions): Estimate {
  const perOrigin = counts instanceof Counters;
  const total = perOrigin ? counts.total() : counts;
  const byTerm: Record<string, TermEstimate> = {};
  const byOrigin = perOrigin ? (Object.fromEntries([...ORIGINS, "workload"].map((o) => [o, 0])) as Record<Origin | "workload", number>) : undefined;
  const unpriced: Estimate["unpriced"] = [];
  let totalNs = 0;
  for (const t of COST_TERMS) {
    if (!active(t, opts.mode, opts.instrumentation, opts.kernel)) continue;
    const fromCounters = counterCount(t, total);
    const extra = extraCount(profile, t, opts);
    if ("unknown" in extra) {
      // The amount of work is itself unknown here: unpriced, never counted as free.
      byTerm[t.key] = { count: fromCounters, costNs: undefined, ns: 0 };
      unpriced.push({ term: t.key, count: fromCounters, reason: extra.unknown });
      continue;
    }
    const fromExtra = extra.n;
    const count = fromCounters + fromExtra;
    if (count === 0) continue;
    const base = resolveConstant(profile, t.key, opts.mode, opts.fitted);
    const scale = base === undefined || t.scaledBy === undefined ? 1 : resolveConstant(profile, t.scaledBy, opts.mode, opts.fitted);
    const cost = base === undefined || scale === undefined ? undefined : base * scale;
    if (cost === undefined) {
      byTerm[t.key] = { count, costNs: undefined, ns: 0 };
      unpriced.push({ term: t.key, count, reason: constantFor(profile, t.key, opts.mode).source });
      continue;
    }
    const ns = count * cost;
    byTerm[t.key] = { count, costNs: cost, ns };
    totalNs += ns;
    if (byOrigin !== undefined && perOrigin) {
      for (const o of ORIGINS) byOrigin[o] += counterCount(t, counts.byOrigin[o]) * cost;
      byOrigin.workload += fromExtra * cost;
    }
  }
  return { totalNs, byTerm, byOrigin, unpriced };
}

/** The profile's fitted constants and the row each is fitted to. */
export function fittedConstants(profile: CostProfile): { name: string; row: string }[] {
  const out: { name: string; row: string }[] = [];
  for (const c of profile.constants.values()) if (c.value.kind === "fit") out.push({ name: c.name, row: c.value.row });
  return out;
}

export interface FitRow {
  /** The fitted constant this row determines. */
  constant: string;
  /** The row, `<table-id>/<row-label>`: must be the one the profile names for the constant. */
  row: string;
  counts: CounterSet | Counters;
  options: Omit<EstimateOptions, "fitted">;
  /** The published figure, in ns. */
  publishedNs: number;
}

/**
 * Solve for fitted constants: one row per constant, time linear in each, so
 * totalNs_r(θ) = a_r + Σ_j B_rj θ_j; evaluated at θ = 0 and at each unit vector, then solved.
 * `known` holds fitted values decided elsewhere.
 */
export function fitConstants(profile: CostProfile, rows: readonly FitRow[], known: Readonly<Record<string, number>> = {}): Record<string, number> {
  const names = rows.map((r) => r.constant);
  for (const r of rows) {
    const c = profile.constants.get(r.constant);
    if (c === undefined || c.value.kind !== "fit") throw new ProfileError(`${profile.fileName}: ${r.constant} is not a fitted constant of this profile`);
    if (c.value.row !== r.row) throw new ProfileError(`${profile.fileName}:${c.line}: ${r.constant} is fitted to ${c.value.row}, not ${r.row}`);
    if (!Number.isFinite(r.publishedNs)) throw new ProfileError(`fit of ${r.constant}: published figure must be a finite number of ns, got ${r.publishedNs}`);
  }
  if (new Set(names).size !== names.length) throw new ProfileError(`fit: each fitted constant needs exactly one row; got ${names.join(", ")}`);
  const at = (theta: readonly number[]): number[] => {
    const fitted: Record<string, number> = { ...known };
    names.forEach((n, j) => (fitted[n] = theta[j]));
    return rows.map((r) => estimate(profile, r.counts, { ...r.options, fitted }).totalNs);
  };
  const n = names.length;
  const zero = new Array<number>(n).fill(0);
  const a = at(zero);
  const B = rows.map(() => new Array<number>(n).fill(0));
  for (let j = 0; j < n; j++) {
    const e = zero.slice();
    e[j] = 1;
    const f = at(e);
    for (let r = 0; r < n; r++) B[r][j] = f[r] - a[r];
  }
  const theta = solveLinear(B, rows.map((r, i) => r.publishedNs - a[i]), names);
  const check = at(theta);
  rows.forEach((r, i) => {
    if (Math.abs(check[i] - r.publishedNs) > 1e-6 * Math.max(1, Math.abs(r.publishedNs))) {
      throw new ProfileError(`fit: ${r.row} is not linear in the fitted constants (do two fitted constants multiply each other?)`);
    }
  });
  return Object.fromEntries(names.map((nm, j) => [nm, theta[j]]));
}

/** Gaussian elimination with partial pivoting. */
function solveLinear(B: number[][], y: number[], names: readonly string[]): number[] {
  const n = y.length;
  const m = B.map((row, i) => [...row, y[i]]);
  for (let col = 0; col < n; col++) {
    let p = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r][col]) > Math.abs(m[p][col])) p = r;
    if (Math.abs(m[p][col]) < 1e-12) throw new ProfileError(`fit: ${names[col]} is not determined by the rows given (its count is zero in them, or the rows are not independent)`);
    [m[col], m[p]] = [m[p], m[col]];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r][col] / m[col][col];
      for (let k = col; k <= n; k++) m[r][k] -= f * m[col][k];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
}
