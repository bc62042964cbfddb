/**
 * What became of each traced event: every event ends in exactly one outcome, so the table of
 * a replay adds up to the number of events in the trace (or in the marked window).
 */
import { TRACE_EVENT_NAMES } from "./trace-record.js";

export const OUTCOMES = [
  /** Replayed into the model as the operation it records. */
  "replayed",
  /** A consequence of another replayed event that the model produces itself (slab pages, vmalloc metadata, …). */
  "derived",
  /** Cannot be placed: a free of something allocated before tracing started, or not traced. */
  "unplaceable",
  /** The traced kernel's own allocation failed (nothing to replay). */
  "failedInTrace",
  /** The model could not satisfy an allocation the traced kernel satisfied. */
  "failedInModel",
  /** An event replay does not model (counted by name). */
  "ignored",
  /** tracing_mark_write markers. */
  "marker",
  /** Before --from-mark: replayed silently to build the state. */
  "beforeWindow",
  /** After --to-mark: not replayed. */
  "afterWindow",
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const OUT_REPLAYED = 0;
export const OUT_DERIVED = 1;
export const OUT_UNPLACEABLE = 2;
export const OUT_FAILED_IN_TRACE = 3;
export const OUT_FAILED_IN_MODEL = 4;
export const OUT_IGNORED = 5;
export const OUT_MARKER = 6;
export const OUT_BEFORE_WINDOW = 7;
export const OUT_AFTER_WINDOW = 8;

const NK = TRACE_EVENT_NAMES.length;
const NO = OUTCOMES.length;

/**
 * Counts per reason, in the order reasons first occurred. The engine passes a handful of
 * constant strings, so a short scan by identity beats hashing the string per event.
 */
class ReasonCounts {
  private readonly names: string[] = [];
  private readonly counts: number[] = [];

  add(reason: string): void {
    const names = this.names;
    for (let i = 0; i < names.length; i++) {
      if (names[i] === reason) {
        this.counts[i]++;
        return;
      }
    }
    names.push(reason);
    this.counts.push(1);
  }

  toMap(): Map<string, number> {
    return new Map(this.names.map((n, i) => [n, this.counts[i]]));
  }

  clear(): void {
    this.names.length = 0;
    this.counts.length = 0;
  }
}

/** Event kind × outcome counts, plus the reasons behind the derived and unplaceable ones. */
export class OutcomeTable {
  readonly counts = new Float64Array(NK * NO);
  private readonly derivedBy = new ReasonCounts();
  private readonly unplaceableBy = new ReasonCounts();
  readonly otherEvents = new Map<string, number>();

  /** Derived events per reason (first occurrence first). */
  get derivedReasons(): Map<string, number> {
    return this.derivedBy.toMap();
  }

  /** Unplaceable events per reason (first occurrence first). */
  get unplaceableReasons(): Map<string, number> {
    return this.unplaceableBy.toMap();
  }

  add(kind: number, outcome: number): void {
    this.counts[kind * NO + outcome]++;
  }

  derived(kind: number, reason: string): void {
    this.counts[kind * NO + OUT_DERIVED]++;
    this.derivedBy.add(reason);
  }

  unplaceable(kind: number, reason: string): void {
    this.counts[kind * NO + OUT_UNPLACEABLE]++;
    this.unplaceableBy.add(reason);
  }

  get(kind: number, outcome: number): number {
    return this.counts[kind * NO + outcome];
  }

  /** Events of `kind` over all outcomes. */
  kindTotal(kind: number): number {
    let t = 0;
    for (let o = 0; o < NO; o++) t += this.counts[kind * NO + o];
    return t;
  }

  total(): number {
    let t = 0;
    for (let i = 0; i < this.counts.length; i++) t += this.counts[i];
    return t;
  }

  reset(): void {
    this.counts.fill(0);
    this.derivedBy.clear();
    this.unplaceableBy.clear();
    this.otherEvents.clear();
  }

  /** Plain rows for JSON/CSV: one per event kind that occurred. */
  rows(): EventKindRow[] {
    const out: EventKindRow[] = [];
    for (let k = 0; k < NK; k++) {
      const total = this.kindTotal(k);
      if (total === 0) continue;
      const row = { event: TRACE_EVENT_NAMES[k], total } as EventKindRow;
      for (let o = 0; o < NO; o++) row[OUTCOMES[o]] = this.counts[k * NO + o];
      out.push(row);
    }
    return out;
  }
}

export type EventKindRow = { event: string; total: number } & Record<Outcome, number>;
