import { beforeAll, describe, expect, it } from "vitest";
import { readProfile } from "../../cost/cost-model.js";
import { all, parseXml } from "../../../test/helpers/xml.js";
import { reproduce, type ReproduceResult } from "./reproduce.js";
import { tableChart } from "./table-chart.js";

// One full run (seed 001 at 2000 × 2000 and 2048 MB × 2000 forks, fourteen boot replays), shared.
let r: ReproduceResult;
beforeAll(async () => {
  const hw = readProfile("arm64-hw");
  const q = readProfile("qemu-tcg");
  r = await reproduce({ profileFor: (id) => (id.startsWith("seed-001") ? hw : q), seed: 1 });
}, 120_000);

describe("kasan-sim reproduce", () => {
  it("has every table of the seeds, each with at least one genuine prediction", () => {
    expect(r.tables.map((t) => t.id)).toEqual(["seed-001-thread", "seed-001-pgtable", "seed-003-boot", "seed-003-slab", "seed-004-generic", "seed-004-hw_tags"]);
    for (const t of r.tables) {
      const predicted = t.rows.filter((x) => !x.fitted && x.model !== null);
      expect([t.id, predicted.length > 0]).toEqual([t.id, true]);
    }
    expect(r.profile).toBe("per-table");
  });

  it("fitted rows match their published figure by construction; no fitted constant sits on a predicted row", () => {
    const fittedRows = new Set(Object.values(r.fitted).flatMap((cs) => Object.values(cs).map((c) => c.row)));
    for (const t of r.tables) {
      for (const row of t.rows) {
        if (fittedRows.has(`${t.id}/${row.label}`)) expect(row.fitted).toBe(true);
        if (row.fitted) expect(row.model as number).toBeCloseTo(row.published, 9);
      }
    }
  });

  it("ratio rows are the model's after/before, with the error in percentage points", () => {
    for (const id of ["seed-001-thread", "seed-001-pgtable"]) {
      const t = r.tables.find((x) => x.id === id);
      const base = t?.rows.find((x) => x.label === "baseline");
      const series = t?.rows.find((x) => x.label === "seed-series");
      const ratio = t?.rows.find((x) => x.unit === "ratio");
      expect(ratio?.model).toBeCloseTo((series?.model as number) / (base?.model as number), 12);
      expect(ratio?.errorPp).toBeCloseTo(100 * ((ratio?.model as number) - (ratio?.published as number)), 9);
    }
  });

  it("counts behind seed 001 follow from the benchmark's parameters", () => {
    const thread = r.tables.find((x) => x.id === "seed-001-thread")?.rows.find((x) => x.label === "baseline");
    // 2000 iterations × 2000 threads; one fork per iteration.
    expect(thread?.counts.threadsCreated).toBe(4_000_000);
    expect(thread?.counts.forks).toBe(2000);
    const pg = r.tables.find((x) => x.id === "seed-001-pgtable")?.rows.find((x) => x.label === "baseline");
    // 2048 MiB faulted = 2048·2^20 / 4096 = 524288 present PTEs, copied by each of the 2000 forks
    // and zapped by each child's exit.
    expect(pg?.counts.ptesCopied).toBe(2000 * 524288);
    expect(pg?.counts.ptesZapped).toBe(2000 * 524288);
  });

  it("seed 004 rows above the anchor differ only by stack-collection work", () => {
    for (const id of ["seed-004-generic", "seed-004-hw_tags"]) {
      const rows = r.tables.find((x) => x.id === id)?.rows ?? [];
      const none = rows[0];
      expect(none.label).toBe("master-no-stack-traces");
      expect(none.fitted).toBe(true);
      // The anchor row is the difference of a run with itself: no counts.
      expect(none.counts).toEqual({});
      const noDepot = rows.find((x) => x.label === "master-no-stack-depot");
      // Collection without saving: traces and frames, no depot lookups.
      expect(noDepot?.counts.stackTracesSaved ?? 0).toBeGreaterThan(0);
      expect(noDepot?.counts.depotLookups).toBeUndefined();
    }
  });

  it("seed 004's delta notes carry the published spread of a difference of two times", () => {
    const notes = r.tables.find((x) => x.id === "seed-004-generic")?.notes ?? [];
    const scs = notes.find((n) => n.startsWith("up-scs-stacks-v3:"));
    // 8.31 − 8.03 = 0.28 s; each time ±0.05 s, independent: ±0.05·√2 = ±0.0707 s = ±25 % of 0.28.
    expect(scs).toMatch(/published 0\.28 ± 0\.07 s \(± 25 % from the seed's stated deviation\)/);
  });

  it("seed 004's Generic table sets each delta's share of master's beside the re-measurement's and the model's", () => {
    const t = r.tables.find((x) => x.id === "seed-004-generic");
    const notes = t?.notes ?? [];
    // scs: seed (8.31 − 8.03) / (11.55 − 8.03) = 0.28 / 3.52 = 0.0795; re-measured (13.54 − 12.66) / (18.39 − 12.66) = 0.88 / 5.73 = 0.1536
    expect(notes.find((n) => n.startsWith("up-scs-stacks-v3 delta as a share"))).toMatch(/seed 0\.080, re-measured 0\.154, model /);
    // no-depot: seed 3.50 / 3.52 = 0.9943; re-measured (17.85 − 12.66) / 5.73 = 5.19 / 5.73 = 0.9058
    expect(notes.find((n) => n.startsWith("master-no-stack-depot delta as a share"))).toMatch(/seed 0\.994, re-measured 0\.906, model /);
    // The model's share is its own rows' deltas: (scs − none) / (master − none).
    const row = (label: string) => t?.rows.find((x) => x.label === label)?.model ?? NaN;
    const share = (row("up-scs-stacks-v3") - row("master-no-stack-traces")) / (row("master") - row("master-no-stack-traces"));
    expect(notes.find((n) => n.startsWith("up-scs-stacks-v3 delta as a share"))).toContain(`model ${share.toFixed(3)} `);
    // No re-measurement exists for HW_TAGS or for the noscs flavour.
    expect(r.tables.find((x) => x.id === "seed-004-hw_tags")?.notes.some((n) => n.includes("as a share"))).toBe(false);
    expect(notes.some((n) => n.startsWith("up-scs-stacks-v3-noscs delta as a share"))).toBe(false);
  });

  it("seed 004's trace-volume check follows from the noscs − scs rows and the fitted scale", () => {
    for (const mode of ["generic", "hw_tags"] as const) {
      const t = r.tables.find((x) => x.id === `seed-004-${mode}`);
      const row = (label: string) => t?.rows.find((x) => x.label === label);
      const scs = row("up-scs-stacks-v3");
      const noscs = row("up-scs-stacks-v3-noscs");
      const scale = r.fitted["qemu-tcg"][`stackCollectionScale@${mode}`].value;
      // The two rows differ only by the __noscs calls, every one of them scaled: unscaled extra
      // per trace = (noscs − scs) / scale / traces; the seed's traces = its published
      // difference (9.11 − 8.31 Generic, 4.27 − 3.49 HW_TAGS) over that.
      const perTraceS = ((noscs?.model as number) - (scs?.model as number)) / scale / (noscs?.counts.stackTracesSaved as number);
      const expected = ((noscs?.published as number) - (scs?.published as number)) / perTraceS;
      const note = t?.notes.find((n) => n.startsWith("trace volume check:")) ?? "";
      const m = /collected ([\d.]+) k ± ([\d.]+) k traces/.exec(note);
      expect(Number(m?.[1])).toBeCloseTo(expected / 1000, 1);
      // ± √2 · 0.05 s over the same per-trace price.
      expect(Number(m?.[2])).toBeCloseTo((Math.SQRT2 * 0.05) / perTraceS / 1000, 1);
    }
  });

  it("Slab after boot is counted, never fitted: generic above the tag modes", () => {
    const rows = r.tables.find((x) => x.id === "seed-003-slab")?.rows ?? [];
    expect(rows.every((x) => !x.fitted)).toBe(true);
    const by = Object.fromEntries(rows.map((x) => [x.label, x.model as number]));
    expect(by.generic).toBeGreaterThan(1.5 * by.hw_tags);
  });

  it("each table's SVG chart parses, with one published and one model bar per priced row", () => {
    for (const t of r.tables) {
      const root = parseXml(tableChart(t));
      expect(root.name).toBe("svg");
      const rows = t.rows.filter((x) => x.unit !== "ratio");
      const pub = all(root, (e) => e.attrs.class === "published").map((e) => Number(e.attrs["data-value"]));
      const mod = all(root, (e) => e.attrs.class === "model").map((e) => Number(e.attrs["data-value"]));
      expect(pub).toEqual(rows.map((x) => x.published));
      expect(mod).toEqual(rows.filter((x) => x.model !== null).map((x) => x.model));
    }
  });
});
