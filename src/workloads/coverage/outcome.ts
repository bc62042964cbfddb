/**
 * What one catalog entry gives under one kernel (mode × policy), and how per-seed results
 * combine. A bug entry is caught with some chance: 1 (every seed, every stray tag), 0, or in
 * between when a tag coincidence can hide it (the pointer's tag happens to equal the memory's).
 * A claim entry (the seeds' "match-all pointers still work", …) holds or fails.
 */
export type Verdict = "caught" | "missed" | "probabilistic" | "n/a" | "holds" | "fails";

/** One seed's result of one entry. */
export type SeedResult =
  | { kind: "bug"; chance: number; detail: string }
  | { kind: "claim"; holds: boolean; detail: string }
  | { kind: "n/a"; detail: string };

export interface Outcome {
  verdict: Verdict;
  /** Bugs: the probability KASAN reports it (mean over the seeds); claims and n/a: undefined. */
  chance?: number;
  /** Seeds run. */
  seeds: number;
  /** What the model showed (the first seed's detail; how many seeds differed is noted). */
  detail: string;
}

/** Combine the seeds' results of one entry (all of one kind, as an entry always returns). */
export function combineSeeds(results: readonly SeedResult[]): Outcome {
  if (results.length === 0) throw new Error("combineSeeds: no results");
  const first = results[0];
  const seeds = results.length;
  const distinct = new Set(results.map((r) => r.detail)).size;
  // Seeds usually differ only in the random tags drawn; the first seed stands for them.
  const detail = distinct === 1 ? first.detail : `${first.detail} [first seed; ${distinct} distinct details over ${seeds} seeds]`;
  if (first.kind === "n/a") return { verdict: "n/a", seeds, detail };
  if (first.kind === "claim") {
    const holds = results.every((r) => r.kind === "claim" && r.holds);
    return { verdict: holds ? "holds" : "fails", seeds, detail };
  }
  let sum = 0;
  for (const r of results) {
    if (r.kind !== "bug") throw new Error("combineSeeds: an entry mixed bug and non-bug results");
    sum += r.chance;
  }
  const chance = sum / seeds;
  const verdict = chance === 1 ? "caught" : chance === 0 ? "missed" : "probabilistic";
  return { verdict, chance, seeds, detail };
}

/** "caught", "missed", "probabilistic (93%)", "holds", … as the table prints it. */
export function formatOutcome(o: Outcome): string {
  if (o.verdict === "probabilistic" && o.chance !== undefined) return `probabilistic (${(o.chance * 100).toFixed(o.chance > 0.99 ? 1 : 0)}%)`;
  return o.verdict;
}
