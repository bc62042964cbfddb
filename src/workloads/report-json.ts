/**
 * The stable `--json` shape shared by `bench`, `replay` and `coverage`:
 *   {"workload": {...params}, "mode": "...",
 *    "policies": {"<policy>": {"total": {<counter>: n}, "byOrigin": {"<origin>": {<counter>: n}}, ...}}}
 * Origins: threadStack, pageTable, slab, vmalloc, userPage, other. Counters: every CounterSet
 * field (granulesTagged, stg, st2g, stzg, stz2g, dcGva, dcGzva, irg, bytesZeroed, pageAllocs,
 * pageFrees, vmallocs, vfrees, stackCacheHits, rcuCallbacks, …); fields are only ever added.
 * A policy entry may carry extra keys (e.g. `fastForward`) next to total/byOrigin.
 */
import { ORIGINS, toRecord, type CounterName, type Counters, type Origin } from "../cost/counters.js";

export interface PolicyCounts {
  total: Record<CounterName, number>;
  byOrigin: Record<Origin, Record<CounterName, number>>;
  [extra: string]: unknown;
}

export interface ReportJson {
  workload: Record<string, unknown>;
  mode: string;
  policies: Record<string, PolicyCounts>;
}

/** The counts of one run in the shared shape (`extra` keys are merged into the policy entry). */
export function policyCounts(c: Counters, extra: Record<string, unknown> = {}): PolicyCounts {
  const byOrigin = {} as Record<Origin, Record<CounterName, number>>;
  for (const o of ORIGINS) byOrigin[o] = toRecord(c.byOrigin[o]);
  return { ...extra, total: toRecord(c.total()), byOrigin };
}

export function buildReportJson(workload: Record<string, unknown>, mode: string, policies: Record<string, PolicyCounts>): ReportJson {
  return { workload, mode, policies };
}
