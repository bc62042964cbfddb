/**
 * `kasan-sim reproduce`: every table the seeds publish, recomputed from the model's counts and a
 * cost profile.
 *
 *   1. runs the workloads behind the tables (seed 001's thread and pgtable modes under baseline
 *      and seed-series; the shipped Linux 6.12 boot trace under each KASAN mode for seed 003 and
 *      under each stack collection flavour for seed 004);
 *   2. solves the profile's fitted constants, each from the one published figure its profile line
 *      names (cost-model.ts fitConstants);
 *   3. prices every row: time = Σ count × cost.
 *
 * A row is "fitted" when a constant was solved from it (its figure then matches by construction)
 * or when it anchors a table of differences (seed 004: the flavour without stack collection is
 * set to the published time and the other flavours add the model's stack-collection cost, since
 * the seed's claims are about those differences). Every other row is a prediction.
 */
import { fitConstants, fittedConstants, estimate, type CostProfile, type Estimate, type EstimateOptions, type FitRow } from "../../cost/cost-model.js";
import { CounterSet, COUNTER_NAMES, fromRecord, type CounterName, type Counters } from "../../cost/counters.js";
import { defaultKernelConfig } from "../../config/kconfig.js";
import { runPolicy, type PolicyRun } from "../bench-run.js";
import { BOOT_TRACE_OUTER_FRAMES, runBoots, type BootRunResult, type BootRunSpec } from "../boot/index.js";
import { pgtableMemoryBytes, pgtableMode } from "../pgtable/pgtable-mode.js";
import { threadMode } from "../thread/thread-mode.js";
import { SEED_001_PGTABLE, SEED_001_THREAD, SEED_003_BOOT, SEED_003_SLAB, SEED_004_DEVIATION_S, SEED_004_FLAVOURS, SEED_004_GENERIC_REMEASURED, seed004Table, PUBLISHED_TABLES, type PublishedRow, type PublishedTable } from "./published.js";

export interface ReproduceOptions {
  /** The cost profile that prices a table (see defaultProfileName). */
  profileFor: (tableId: string) => CostProfile;
  seed: number;
  /** Replays the boot trace from this file instead of the shipped one. */
  bootTrace?: string;
  /** Progress messages (a line per workload). */
  progress?: (what: string) => void;
}

export interface ReproducedRow {
  label: string;
  published: number;
  /** The model's figure (null when the profile prices none of the row's work). */
  model: number | null;
  unit: string;
  /** (model − published) / published, in %. */
  errorPct: number | null;
  /** For ratio rows: model − published in percentage points. */
  errorPp?: number;
  fitted: boolean;
  /** Why the row is fitted (the constant solved from it, or the anchor). */
  fittedBy?: string;
  /** The counts behind the figure (totals of the run; differences for seed 004's rows). */
  counts: Record<string, number>;
  /** Work counted but not priced by the profile (n/a constants). */
  unpriced?: string[];
}

export interface ReproducedTable {
  id: string;
  /** The cost profile its figures are priced with. */
  profile: string;
  title: string;
  source: string;
  platform: string;
  rows: ReproducedRow[];
  /** Derived observations: per-thread/per-fork differences, etc. */
  notes: string[];
}

export interface ReproduceResult {
  /** The profile every table used, or "per-table" (each table names its own). */
  profile: string;
  profiles: Record<string, string>;
  /** Fitted constants by profile, then name. */
  fitted: Record<string, Record<string, { value: number; unit: string; row: string }>>;
  tables: ReproducedTable[];
}

/** The counters a reader checks the tables against (shown per row). */
const ROW_COUNTERS: readonly CounterName[] = [
  "granulesTagged", "stg", "st2g", "stzg", "stz2g", "dcGva", "dcGzva", "irg", "bytesZeroed",
  "pageAllocs", "pageFrees", "vmallocs", "vfrees", "stackCacheHits", "rcuCallbacks", "forks", "threadsCreated",
  "pageTableAllocs", "ptesCopied", "ptesZapped", "slabAllocs", "shadowChecks", "shadowBytesWritten", "stackTracesSaved", "framesUnwound",
  "framesCopiedScs", "depotSaves", "filterIrqStacksEntries", "depotLookups", "depotInserts", "stackRingInserts", "quarantinePuts",
];

/**
 * Seed 001's thread benchmark: its threads return at once, so each is usually gone before the
 * next is created. The shipped trace of that benchmark at small scale (20 × 50 threads,
 * trace-thread.txt) shows 558 thread-stack vmap areas for 1020 new tasks; the model's serial
 * lifetime gives 484 for the same run and overlap 964, so the tables use serial.
 */
const THREAD = { iterations: 2000, threads: 2000, lifetime: "serial" } as const;
const PGTABLE = { iterations: 2000, sizeMb: 2048 } as const;
const CPUS = 2;


/** How a row's figure is computed. */
interface RowModel {
  counts: CounterSet;
  options: Omit<EstimateOptions, "fitted">;
  /** Added to the priced estimate (seed 004's anchor), in ns. */
  offsetNs: number;
  /** When set, the row is a difference of runs; its figure is anchored to this published base. */
  anchoredTo?: string;
}

/** The estimate option naming the kernel release a table's seed measured, if it set one. */
function kernelOf(t: PublishedTable): { kernel?: string } {
  return t.kernel === undefined ? {} : { kernel: t.kernel };
}

function totals(c: Counters | CounterSet): CounterSet {
  return c instanceof CounterSet ? c : c.total();
}

function diff(a: CounterSet, b: CounterSet): CounterSet {
  const s = new CounterSet();
  for (const n of COUNTER_NAMES) s[n] = a[n] - b[n];
  return s;
}

function pickCounts(c: CounterSet): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of ROW_COUNTERS) if (c[n] !== 0) out[n] = c[n];
  return out;
}

/** Run every workload the tables need; returns the row models by `<table-id>/<label>`. */
async function runWorkloads(o: ReproduceOptions): Promise<{ models: Map<string, RowModel>; slab: Map<string, number>; runs: { thread: Record<string, PolicyRun>; pgtable: Record<string, PolicyRun> } }> {
  const models = new Map<string, RowModel>();
  const say = o.progress ?? (() => undefined);
  const thread: Record<string, PolicyRun> = {};
  const pgtable: Record<string, PolicyRun> = {};
  for (const policy of ["baseline", "seed-series"]) {
    say(`thread mode ${THREAD.iterations} × ${THREAD.threads}, ${policy}`);
    thread[policy] = runPolicy({ mode: "hw_tags", seed: o.seed, cpus: CPUS }, policy, threadMode(THREAD));
    models.set(`${SEED_001_THREAD.id}/${policy}`, { counts: totals(thread[policy].counters), options: { mode: "hw_tags" }, offsetNs: 0 });
    say(`pgtable mode ${PGTABLE.sizeMb} MiB × ${PGTABLE.iterations}, ${policy}`);
    pgtable[policy] = runPolicy({ mode: "hw_tags", seed: o.seed, cpus: CPUS, memoryBytes: pgtableMemoryBytes(PGTABLE.sizeMb) }, policy, pgtableMode(PGTABLE));
    models.set(`${SEED_001_PGTABLE.id}/${policy}`, { counts: totals(pgtable[policy].counters), options: { mode: "hw_tags" }, offsetNs: 0 });
  }

  // Boots: seed 003's four modes (default stack collection), seed 004's five flavours × two modes
  // (kernels built with CONFIG_SHADOW_CALL_STACK, as the seed's configs were).
  const specs: { key: string; spec: BootRunSpec }[] = [];
  for (const mode of ["off", "hw_tags", "sw_tags", "generic"] as const) {
    specs.push({ key: `seed-003/${mode}`, spec: { mode, seed: o.seed, outerFrames: BOOT_TRACE_OUTER_FRAMES } });
  }
  for (const mode of ["generic", "hw_tags"] as const) {
    for (const f of SEED_004_FLAVOURS) {
      const config = { ...defaultKernelConfig(mode), shadowCallStack: true };
      specs.push({ key: `seed-004/${mode}/${f.flavour}`, spec: { mode, seed: o.seed, stacks: f.stacks, stackDepot: f.stackDepot, config, outerFrames: BOOT_TRACE_OUTER_FRAMES } });
    }
  }
  say(`boot trace replayed ${specs.length} times (seed 003: 4 modes; seed 004: 5 flavours × 2 modes)`);
  const boots = await runBoots(specs.map((s) => s.spec), o.bootTrace === undefined ? {} : { trace: o.bootTrace });
  const byKey = new Map<string, BootRunResult>(specs.map((s, i) => [s.key, boots[i]]));
  const slab = new Map<string, number>();
  for (const mode of ["off", "hw_tags", "sw_tags", "generic"] as const) {
    const b = byKey.get(`seed-003/${mode}`) as BootRunResult;
    const label = mode === "off" ? "clean" : mode;
    models.set(`${SEED_003_BOOT.id}/${label}`, {
      counts: fromRecord(b.counters.total),
      options: { mode, ...kernelOf(SEED_003_BOOT), extra: { boots: 1, ordinaryAccesses: "bootOrdinaryAccesses" } },
      offsetNs: 0,
    });
    slab.set(label, b.memory.slabPagesEnd);
  }
  for (const mode of ["generic", "hw_tags"] as const) {
    const table = seed004Table(mode);
    const none = byKey.get(`seed-004/${mode}/${SEED_004_FLAVOURS[0].flavour}`) as BootRunResult;
    const base = table.rows[0];
    for (const f of SEED_004_FLAVOURS) {
      const b = byKey.get(`seed-004/${mode}/${f.flavour}`) as BootRunResult;
      // The flavour's extra work over the flavour without stack collection.
      models.set(`${table.id}/${f.flavour}`, {
        counts: diff(fromRecord(b.counters.total), fromRecord(none.counters.total)),
        options: { mode, ...kernelOf(table), extra: {} },
        offsetNs: base.value * 1e9,
        anchoredTo: `${table.id}/${base.label}`,
      });
    }
  }
  return { models, slab, runs: { thread, pgtable } };
}

function priced(profile: CostProfile, m: RowModel, fitted: Record<string, number>): Estimate {
  return estimate(profile, m.counts, { ...m.options, fitted });
}

/** A priced figure in the row's unit (time rows are in seconds). */
function toUnit(ns: number, unit: string): number {
  if (unit !== "s") throw new Error(`reproduce: a priced row must be in seconds, got ${unit}`);
  return ns / 1e9;
}

/** Reproduce every table under `o.profile`. */
export async function reproduce(o: ReproduceOptions): Promise<ReproduceResult> {
  const { models, slab, runs } = await runWorkloads(o);
  const tableIds = PUBLISHED_TABLES.map((t) => t.id);
  const profiles = new Map<string, CostProfile>();
  for (const id of tableIds) profiles.set(id, o.profileFor(id));
  const distinct = [...new Set(profiles.values())];

  // 2. Fit, per profile: one row per fitted constant, as the profile names it. A constant
  // fitted to a row of a table this profile does not price stays unfitted (rows that need it
  // report it as unpriced).
  const fittedByProfile = new Map<CostProfile, Record<string, number>>();
  const fittedBy = new Map<string, string>();
  const fittedOut: ReproduceResult["fitted"] = {};
  for (const profile of distinct) {
    const rows: FitRow[] = [];
    for (const f of fittedConstants(profile)) {
      const tableId = f.row.slice(0, f.row.indexOf("/"));
      if (profiles.get(tableId) !== profile) continue;
      const m = models.get(f.row);
      if (m === undefined) throw new Error(`${profile.fileName}: ${f.name} is fitted to ${f.row}, which is not a row reproduce computes`);
      rows.push({ constant: f.name, row: f.row, counts: m.counts, options: m.options, publishedNs: publishedRow(f.row).value * 1e9 - m.offsetNs });
      fittedBy.set(f.row, f.name);
    }
    const values = rows.length === 0 ? {} : fitConstants(profile, rows);
    fittedByProfile.set(profile, values);
    fittedOut[profile.name] = Object.fromEntries(rows.map((r) => [r.constant, { value: values[r.constant], unit: profile.constants.get(r.constant)?.unit ?? "", row: r.row }]));
  }

  // 3. Price every row.
  const timeTable = (t: PublishedTable): ReproducedTable => {
    const profile = profiles.get(t.id) as CostProfile;
    const fitted = fittedByProfile.get(profile) ?? {};
    const rows: ReproducedRow[] = [];
    for (const p of t.rows) {
      if (p.unit === "ratio") continue;
      const key = `${t.id}/${p.label}`;
      const m = models.get(key) as RowModel;
      const e = priced(profile, m, fitted);
      const pricedAny = Object.values(e.byTerm).some((x) => x.costNs !== undefined) || m.offsetNs !== 0;
      const model = pricedAny ? toUnit(e.totalNs + m.offsetNs, p.unit) : null;
      const isAnchor = m.anchoredTo === key;
      const by = fittedBy.get(key) ?? (isAnchor ? "anchor: the flavour without stack collection is set to the published time" : undefined);
      rows.push({
        label: p.label,
        published: p.value,
        model,
        unit: p.unit,
        errorPct: model === null ? null : (100 * (model - p.value)) / p.value,
        fitted: by !== undefined,
        ...(by === undefined ? {} : { fittedBy: by }),
        counts: pickCounts(m.counts),
        ...(e.unpriced.length === 0 ? {} : { unpriced: e.unpriced.map((u) => u.term) }),
      });
    }
    for (const p of t.rows) {
      if (p.unit !== "ratio") continue;
      // "<after>/<before>" of two rows above.
      const [a, b] = p.label.split("/");
      const ra = rows.find((r) => r.label === a);
      const rb = rows.find((r) => r.label === b);
      const model = ra?.model == null || rb?.model == null ? null : ra.model / rb.model;
      rows.push({
        label: p.label,
        published: p.value,
        model,
        unit: "ratio",
        errorPct: model === null ? null : (100 * (model - p.value)) / p.value,
        ...(model === null ? {} : { errorPp: 100 * (model - p.value) }),
        fitted: false,
        counts: {},
      });
    }
    const notes: string[] = [];
    for (const [name, v] of Object.entries(fittedOut[profile.name] ?? {})) {
      if (v.row.startsWith(`${t.id}/`) && v.value < 0) notes.push(`${name} fitted to ${v.row} came out negative (${v.value.toPrecision(4)} ${v.unit}): the profile's priced work alone exceeds the published figure, so ${profile.name} cannot describe this platform`);
    }
    return { id: t.id, profile: profile.name, title: t.title, source: t.source, platform: t.platform, rows, notes };
  };

  const tables: ReproducedTable[] = [];
  const thread = timeTable(SEED_001_THREAD);
  thread.notes.push(...perUnitDifference(models, SEED_001_THREAD.id, "thread", THREAD.iterations * THREAD.threads));
  thread.notes.push(...fastForwardNotes(runs.thread));
  tables.push(thread);
  const pg = timeTable(SEED_001_PGTABLE);
  pg.notes.push(...perUnitDifference(models, SEED_001_PGTABLE.id, "fork", PGTABLE.iterations));
  pg.notes.push(...fastForwardNotes(runs.pgtable));
  tables.push(pg);
  tables.push(timeTable(SEED_003_BOOT));
  tables.push(slabTable(slab, (profiles.get(SEED_003_SLAB.id) as CostProfile).name));
  for (const mode of ["generic", "hw_tags"] as const) {
    const t = timeTable(seed004Table(mode));
    const base = t.rows[0];
    for (const r of t.rows.slice(1)) {
      if (r.model === null || base.model === null) continue;
      const pubDelta = r.published - base.published;
      const modelDelta = r.model - base.model;
      // Two times each ±SEED_004_DEVIATION_S, taken as independent: their difference is ±√2 of it.
      const spread = Math.SQRT2 * SEED_004_DEVIATION_S;
      t.notes.push(
        `${r.label}: delta over ${base.label} published ${pubDelta.toFixed(2)} ± ${spread.toFixed(2)} s (± ${((100 * spread) / pubDelta).toFixed(0)} % from the seed's stated deviation), model ${modelDelta.toFixed(2)} s (${((100 * (modelDelta - pubDelta)) / pubDelta).toFixed(1)} %)`,
      );
    }
    if (mode === "generic") t.notes.push(...remeasuredNotes(t));
    t.notes.push(...traceVolumeNotes(models, t.id, mode, profiles.get(t.id) as CostProfile, fittedByProfile.get(profiles.get(t.id) as CostProfile) ?? {}));
    tables.push(t);
  }

  const names = new Set(distinct.map((p) => p.name));
  return {
    profile: names.size === 1 ? distinct[0].name : "per-table",
    profiles: Object.fromEntries(distinct.map((p) => [p.name, p.description])),
    fitted: fittedOut,
    tables,
  };
}

/**
 * Seed 004's Generic deltas as a share of the `master` delta, beside the same shares from a
 * second measurement of the same flavours (a different host, so only shares compare): how far
 * two measurements of one delta agree bounds how closely any model can be expected to match it.
 */
function remeasuredNotes(t: ReproducedTable): string[] {
  const again = SEED_004_GENERIC_REMEASURED.times;
  const base = t.rows[0];
  const master = t.rows.find((r) => r.label === "master");
  if (master === undefined || master.model === null || base.model === null) return [];
  const againBase = again[base.label];
  const againMaster = again.master - againBase;
  const out: string[] = [];
  for (const r of t.rows.slice(2)) {
    const a = again[r.label];
    if (a === undefined || r.model === null) continue;
    const seed = (r.published - base.published) / (master.published - base.published);
    const other = (a - againBase) / againMaster;
    const model = (r.model - base.model) / (master.model - base.model);
    out.push(`${r.label} delta as a share of master's: seed ${seed.toFixed(3)}, re-measured ${other.toFixed(3)}, model ${model.toFixed(3)} (${SEED_004_GENERIC_REMEASURED.source})`);
  }
  return out;
}

function publishedRow(rowId: string): PublishedRow {
  const slash = rowId.indexOf("/");
  const tableId = rowId.slice(0, slash);
  const label = rowId.slice(slash + 1);
  const t = PUBLISHED_TABLES.find((x) => x.id === tableId);
  const r = t?.rows.find((x) => x.label === label);
  if (r === undefined) throw new Error(`no published row ${rowId}`);
  return r;
}

/**
 * Seed 004's own consistency check on the trace volume. `-noscs` only adds signed calls to the
 * SCS flavour's work (one per trace and one per slot), in code no KASAN mode instruments, so
 * `noscs − scs` is the same work in both modes: priced unscaled (stackCollectionScale = 1) per
 * model trace, the published difference gives how many traces the seed's boot collected. At
 * that volume, the published `master` delta gives the seed kernel's cost per unwound trace, to
 * compare with the microbenchmarks' (unscaled) one.
 */
function traceVolumeNotes(models: Map<string, RowModel>, tableId: string, mode: "generic" | "hw_tags", profile: CostProfile, fitted: Record<string, number>): string[] {
  const row = (f: string): RowModel | undefined => models.get(`${tableId}/${f}`);
  const scs = row("up-scs-stacks-v3");
  const noscs = row("up-scs-stacks-v3-noscs");
  const master = row("master");
  if (scs === undefined || noscs === undefined || master === undefined) return [];
  const unscaled = { ...fitted, [`stackCollectionScale@${mode}`]: 1 };
  const ns = (m: RowModel): number => estimate(profile, m.counts, { ...m.options, fitted: unscaled }).totalNs;
  const traces = noscs.counts.stackTracesSaved;
  if (!(traces > 0)) return [];
  const pub = (f: string): number => publishedRow(`${tableId}/${f}`).value;
  const extraPerTrace = (ns(noscs) - ns(scs)) / traces;
  const pubExtra = pub("up-scs-stacks-v3-noscs") - pub("up-scs-stacks-v3");
  if (!(extraPerTrace > 0) || !(pubExtra > 0)) return [];
  const seedTraces = (pubExtra * 1e9) / extraPerTrace;
  // Each published time is ± SEED_004_DEVIATION_S; a difference of two is ± √2 of it.
  const spread = (Math.SQRT2 * SEED_004_DEVIATION_S * 1e9) / extraPerTrace;
  const slots = noscs.counts.framesCopiedScs / traces;
  const pubMasterNs = (pub("master") - pub("master-no-stack-traces")) * 1e9;
  const modelMasterPerTrace = ns(master) / master.counts.stackTracesSaved;
  const k = (x: number): string => `${(x / 1000).toFixed(1)} k`;
  const us = (x: number): string => `${(x / 1000).toFixed(1)} µs`;
  return [
    `trace volume check: noscs − scs is the same extra signed calls in every mode; published ${pubExtra.toFixed(2)} ± ${(Math.SQRT2 * SEED_004_DEVIATION_S).toFixed(2)} s, the microbenchmarks' unscaled price ${us(extraPerTrace)} per trace (${slots.toFixed(1)} SCS slots) ⇒ the seed's boot collected ${k(seedTraces)} ± ${k(spread)} traces, against ${k(traces)} in the replayed 6.12 boot`,
    `at that volume the published master delta is ${us(pubMasterNs / seedTraces)} per unwound trace; the microbenchmarks price ${us(modelMasterPerTrace)} (${(modelMasterPerTrace / (pubMasterNs / seedTraces)).toFixed(2)}×) for the replayed boot's ${(master.counts.framesUnwound / master.counts.stackTracesSaved).toFixed(1)} frames per trace`,
  ];
}

/** Baseline − seed-series per thread / per fork, in the counters seed 001's explanation names. */
function perUnitDifference(models: Map<string, RowModel>, tableId: string, unit: string, n: number): string[] {
  const a = models.get(`${tableId}/baseline`)?.counts;
  const b = models.get(`${tableId}/seed-series`)?.counts;
  if (a === undefined || b === undefined) return [];
  const per = (c: CounterName): string => ((a[c] - b[c]) / n).toFixed(2);
  const tagInsns = (c: CounterSet): number => c.stg + c.st2g + c.stzg + c.stz2g + c.dcGva + c.dcGzva;
  const pages = (a.pagesAllocated + a.pagesFreed - b.pagesAllocated - b.pagesFreed) / n;
  return [
    `per ${unit}, baseline − seed-series: ${per("granulesTagged")} granules tagged, ${((tagInsns(a) - tagInsns(b)) / n).toFixed(2)} tag-setting instructions (STG ${per("stg")}, ST2G ${per("st2g")}, STZG ${per("stzg")}, STZ2G ${per("stz2g")}, DC GVA ${per("dcGva")}, DC GZVA ${per("dcGzva")}), IRG ${per("irg")}`,
    `seed 001 says "256 tag setting instruction per 4 kB page": 256 granules per 4 KiB page tagged at allocation and again at free; the model's granules tagged per ${unit} ÷ 256 = ${((a.granulesTagged - b.granulesTagged) / n / 256).toFixed(2)} page-taggings per ${unit}${pages !== 0 ? ` (page allocations + frees differ by ${pages.toFixed(2)})` : ""}; the kernel issues them as DC GVA/GZVA blocks where a range is block-aligned, so the instruction count is lower than 256 per page`,
  ];
}

/** How each policy's run was simulated (steady-state.ts), and which counts are estimates. */
function fastForwardNotes(runs: Record<string, PolicyRun>): string[] {
  return Object.entries(runs).map(([policy, r]) => {
    const f = r.fastForward;
    if (f.method === "exact") return `${policy}: all ${f.simulated} iterations simulated`;
    const est = f.estimated.map((e) => `${e.counter} (range ${e.min}–${e.max} per iteration)`).join(", ");
    return `${policy}: ${f.simulated} iterations simulated, ${f.extrapolated} ${f.method === "periodic" ? `added period by period (period ${f.period})` : "extrapolated from the mean of the last ones"}; estimated: ${est || "none"}; ${f.method === "periodic" ? "every other count exact" : "every other count was constant per iteration"}`;
  });
}

function slabTable(slab: Map<string, number>, profile: string): ReproducedTable {
  const rows: ReproducedRow[] = SEED_003_SLAB.rows.map((p) => {
    const pages = slab.get(p.label) as number;
    // meminfo's Slab line is in kB (KiB): pages × 4; the seed's figures are thousands of those.
    const model = (pages * 4) / 1000;
    return { label: p.label, published: p.value, model, unit: p.unit, errorPct: (100 * (model - p.value)) / p.value, fitted: false, counts: { slabPagesEnd: pages } };
  });
  const off = rows.find((r) => r.label === "clean") as ReproducedRow;
  const notes = rows
    .filter((r) => r.label !== "clean")
    .map((r) => `${r.label}/clean: published ${(r.published / off.published).toFixed(2)}×, model ${((r.model as number) / (off.model as number)).toFixed(2)}×`);
  notes.unshift("Memory is counted, not costed: no constant is fitted to these rows.");
  return { id: SEED_003_SLAB.id, profile, title: SEED_003_SLAB.title, source: SEED_003_SLAB.source, platform: SEED_003_SLAB.platform, rows, notes };
}

