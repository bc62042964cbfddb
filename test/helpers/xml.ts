/**
 * A strict little XML parser for tests that check generated SVG is well-formed and read its
 * elements back: elements, attributes, text, self-closing tags; anything malformed throws.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

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

export function all(e: XmlElement, pred: (x: XmlElement) => boolean, out: XmlElement[] = []): XmlElement[] {
  if (pred(e)) out.push(e);
  for (const c of e.children) all(c, pred, out);
  return out;
}

