import { describe, expect, it } from "vitest";
import { all, parseXml } from "../../../test/helpers/xml.js";
import { escapeXml, niceAxis, renderChart } from "./svg-chart.js";

describe("reproduce's SVG charts", () => {
  const svg = renderChart({
    title: "Seed 004 <generic> & co",
    subtitle: "published vs model",
    unit: "seconds",
    rows: [
      { label: "master-no-stack-traces", published: 8.03, model: 8.03, fitted: true },
      { label: "master", published: 11.55, model: 10.2, fitted: false },
      { label: "up-scs-stacks-v3", published: 8.31, model: null, fitted: false },
    ],
  });

  it("is well-formed XML with an <svg> root and one group per row", () => {
    const root = parseXml(svg);
    expect(root.name).toBe("svg");
    expect(root.attrs.xmlns).toBe("http://www.w3.org/2000/svg");
    const rows = all(root, (e) => e.name === "g" && e.attrs.class === "row");
    expect(rows.map((r) => r.attrs["data-label"])).toEqual(["master-no-stack-traces", "master", "up-scs-stacks-v3"]);
    // The title's < > & survive escaping.
    expect(all(root, (e) => e.name === "text").some((t) => t.text === "Seed 004 <generic> & co")).toBe(true);
  });

  it("draws the published and model bars to scale, hatches fitted rows and marks unpriced ones", () => {
    const root = parseXml(svg);
    const pub = all(root, (e) => e.attrs.class === "published");
    const mod = all(root, (e) => e.attrs.class === "model");
    expect(pub.map((b) => Number(b.attrs["data-value"]))).toEqual([8.03, 11.55, 8.31]);
    // The unpriced row has no model bar.
    expect(mod.map((b) => Number(b.attrs["data-value"]))).toEqual([8.03, 10.2]);
    expect(mod[0].attrs.fill).toBe("url(#fit)");
    expect(mod[1].attrs.fill).toBe("#4c78a8");
    // Axis top: max 11.55 → step nice(11.55 / 5 = 2.31) = 5 → top 15; bar widths are
    // value / 15 of the plot width, so 11.55 is drawn 11.55/8.03 times as long as 8.03.
    const w = pub.map((b) => Number(b.attrs.width));
    expect(w[1] / w[0]).toBeCloseTo(11.55 / 8.03, 2);
    expect(all(root, (e) => e.name === "text").some((t) => t.text === "not priced by this profile")).toBe(true);
  });

  it("chooses a 1-2-5 axis that covers the largest value", () => {
    // 11.55/5 = 2.31 → 5; 0.9/5 = 0.18 → 0.2, top 1; 41.3/5 = 8.26 → 10, top 50.
    expect(niceAxis(11.55)).toEqual({ top: 15, step: 5 });
    expect(niceAxis(0.9)).toEqual({ top: 1, step: 0.2 });
    expect(niceAxis(41.3)).toEqual({ top: 50, step: 10 });
    expect(escapeXml('a<b>&"c"')).toBe("a&lt;b&gt;&amp;&quot;c&quot;");
  });

  it("the parser refuses malformed XML (so the test above can fail)", () => {
    expect(() => parseXml("<svg><g></svg>")).toThrow();
    expect(() => parseXml('<svg a="1" a="2"/>')).toThrow();
    expect(() => parseXml("<svg>&bogus;</svg>")).toThrow();
  });
});
