import { describe, expect, it } from "vitest";
import { escapeXml, niceAxis, renderChart } from "./svg-chart.js";

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/** A strict little XML parser: elements, attributes, text, self-closing tags; throws on anything malformed. */
export function parseXml(src: string): XmlElement {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`XML at ${i}: ${why}`);
  };
  const ws = (): void => {
    while (i < src.length && /\s/.test(src[i])) i++;
  };
  const entity = (t: string): string => {
    if (/&(?!(amp|lt|gt|quot|apos);)/.test(t)) fail(`bad entity in ${JSON.stringify(t.slice(0, 40))}`);
    return t.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");
  };
  const element = (): XmlElement => {
    if (src[i] !== "<") fail("expected <");
    i++;
    const name = /^[A-Za-z][\w:.-]*/.exec(src.slice(i))?.[0] ?? fail("expected a tag name");
    i += name.length;
    const attrs: Record<string, string> = {};
    for (;;) {
      ws();
      if (src.startsWith("/>", i)) {
        i += 2;
        return { name, attrs, children: [], text: "" };
      }
      if (src[i] === ">") {
        i++;
        break;
      }
      const m = /^([A-Za-z][\w:.-]*)="([^"<]*)"/.exec(src.slice(i)) ?? fail(`bad attribute in <${name}>`);
      if (m[1] in attrs) fail(`attribute ${m[1]} twice in <${name}>`);
      attrs[m[1]] = entity(m[2]);
      i += m[0].length;
    }
    const children: XmlElement[] = [];
    let text = "";
    for (;;) {
      if (i >= src.length) fail(`unclosed <${name}>`);
      if (src.startsWith("</", i)) {
        i += 2;
        if (!src.startsWith(name, i)) fail(`</${name}> expected`);
        i += name.length;
        ws();
        if (src[i] !== ">") fail("expected >");
        i++;
        return { name, attrs, children, text: entity(text) };
      }
      if (src[i] === "<") children.push(element());
      else text += src[i++];
    }
  };
  ws();
  const root = element();
  ws();
  if (i !== src.length) fail("content after the root element");
  return root;
}

function all(e: XmlElement, pred: (x: XmlElement) => boolean, out: XmlElement[] = []): XmlElement[] {
  if (pred(e)) out.push(e);
  for (const c of e.children) all(c, pred, out);
  return out;
}

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
