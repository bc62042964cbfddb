/**
 * Cost profile files (`profiles/<name>.profile`): one constant per line,
 *
 *   profile: qemu-tcg — one-line description          (header, first line that is not a comment)
 *   <name>  <value>  <unit>  <provenance>  <source…>
 *
 * `#` starts a comment line; blank lines are skipped. <name> is a cost key or workload constant
 * of cost-terms.ts, optionally `@<mode>` for a value that only applies to runs of that KASAN mode
 * (e.g. `unwindFrame@hw_tags`: under QEMU every access of an MTE-on kernel is slower).
 *
 *   provenance  value          source
 *   measured    a number       the script in this repository and the platform it ran on
 *   documented  a number       the document (and section) the figure comes from
 *   derived     =<expression>  how (the expression uses other constants' names, numbers, + - * / ( ))
 *   fitted      fit            the table row it is fitted to, `<table-id>/<row-label>` as first word
 *   n/a         n/a            why the profile has no figure (the term is then reported unpriced)
 */
import { isKasanMode, type KasanMode } from "../config/mode.js";
import { unitOf } from "./cost-terms.js";

export class ProfileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProfileError";
  }
}

export const PROVENANCES = ["measured", "documented", "derived", "fitted", "n/a"] as const;
export type Provenance = (typeof PROVENANCES)[number];

/** A parsed arithmetic expression of a derived constant. */
export type Expr =
  | { readonly op: "num"; readonly value: number }
  | { readonly op: "ref"; readonly name: string }
  | { readonly op: "+" | "-" | "*" | "/"; readonly a: Expr; readonly b: Expr }
  | { readonly op: "neg"; readonly a: Expr };

export type ConstantValue =
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "fit"; readonly row: string }
  | { readonly kind: "derived"; readonly expr: Expr; readonly text: string }
  | { readonly kind: "na" };

export interface ProfileConstant {
  /** As written: `key` or `key@mode`. */
  readonly name: string;
  readonly key: string;
  readonly mode: KasanMode | undefined;
  readonly value: ConstantValue;
  readonly unit: string;
  readonly provenance: Provenance;
  readonly source: string;
  readonly line: number;
}

export interface CostProfile {
  readonly name: string;
  readonly description: string;
  readonly fileName: string;
  /** By name (`key` or `key@mode`), in file order. */
  readonly constants: ReadonlyMap<string, ProfileConstant>;
}

const HEADER = /^profile:\s+(\S+)\s+—\s+(\S.*)$/;
const ROW_REF = /^[A-Za-z0-9][\w.-]*\/\S+$/;

/** Parse a profile's text; errors name `fileName:line` and what was expected. */
export function loadProfile(text: string, fileName: string): CostProfile {
  const lines = text.split(/\r?\n/);
  let name: string | undefined;
  let description = "";
  const constants = new Map<string, ProfileConstant>();
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const at = `${fileName}:${lineNo}`;
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    if (name === undefined) {
      const h = HEADER.exec(line);
      if (!h) throw new ProfileError(`${at}: expected the header "profile: <name> — <description>", got ${JSON.stringify(line)}`);
      name = h[1];
      description = h[2].trim();
      const base = /([^/\\]+)\.profile$/.exec(fileName);
      if (base && base[1] !== name) throw new ProfileError(`${at}: the header names profile ${JSON.stringify(name)} but the file is ${base[1]}.profile`);
      return;
    }
    const c = parseConstantLine(line, at, lineNo);
    if (constants.has(c.name)) throw new ProfileError(`${at}: ${c.name} is given twice (first on line ${constants.get(c.name)?.line})`);
    constants.set(c.name, c);
  });
  if (name === undefined) throw new ProfileError(`${fileName}:1: expected the header "profile: <name> — <description>", got an empty file`);
  for (const c of constants.values()) {
    if (c.mode !== undefined && !constants.has(c.key)) {
      throw new ProfileError(`${fileName}:${c.line}: ${c.name} overrides ${c.key} for ${c.mode}, but ${c.key} itself has no line`);
    }
    if (c.value.kind === "derived") checkRefs(c.value.expr, constants, `${fileName}:${c.line}`);
  }
  checkCycles(constants, fileName);
  return { name, description, fileName, constants };
}

function parseConstantLine(line: string, at: string, lineNo: number): ProfileConstant {
  const m = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)(?:\s+(\S.*))?$/.exec(line);
  if (!m) throw new ProfileError(`${at}: expected "<name> <value> <unit> <provenance> <source…>", got ${JSON.stringify(line)}`);
  const [, name, valueText, unit, provText, sourceText] = m;
  const [key, modeText, ...rest] = name.split("@");
  if (rest.length > 0 || (modeText !== undefined && !isKasanMode(modeText))) {
    throw new ProfileError(`${at}: name ${JSON.stringify(name)}: expected <key> or <key>@<mode> with mode generic, sw_tags, hw_tags or off`);
  }
  const mode = modeText as KasanMode | undefined;
  const expectedUnit = unitOf(key);
  if (expectedUnit === undefined) throw new ProfileError(`${at}: ${JSON.stringify(key)} is not a cost key or workload constant (see src/cost/cost-terms.ts)`);
  if (unit !== expectedUnit) throw new ProfileError(`${at}: ${name}: expected unit ${expectedUnit}, got ${unit}`);
  if (!(PROVENANCES as readonly string[]).includes(provText)) {
    throw new ProfileError(`${at}: ${name}: expected provenance measured, documented, derived, fitted or n/a, got ${JSON.stringify(provText)}`);
  }
  const provenance = provText as Provenance;
  const source = (sourceText ?? "").trim();
  if (source === "") throw new ProfileError(`${at}: ${name}: expected a source after the provenance (${provenance === "n/a" ? "the reason" : "where the figure comes from"})`);
  return { name, key, mode, value: parseValue(valueText, provenance, source, `${at}: ${name}`), unit, provenance, source, line: lineNo };
}

function parseValue(text: string, provenance: Provenance, source: string, at: string): ConstantValue {
  switch (provenance) {
    case "measured":
    case "documented": {
      const v = Number(text);
      if (!/^[0-9.eE+-]+$/.test(text) || !Number.isFinite(v) || v < 0) throw new ProfileError(`${at}: ${provenance} value: expected a non-negative number, got ${JSON.stringify(text)}`);
      return { kind: "number", value: v };
    }
    case "fitted": {
      if (text !== "fit") throw new ProfileError(`${at}: fitted value: expected the word fit (the value is solved at run time), got ${JSON.stringify(text)}`);
      const row = source.split(/\s+/)[0];
      if (!ROW_REF.test(row)) throw new ProfileError(`${at}: fitted source: expected the row it is fitted to as <table-id>/<row-label> first, got ${JSON.stringify(row)}`);
      return { kind: "fit", row };
    }
    case "derived": {
      if (!text.startsWith("=")) throw new ProfileError(`${at}: derived value: expected =<expression> (no spaces), got ${JSON.stringify(text)}`);
      return { kind: "derived", expr: parseExpr(text.slice(1), at), text: text.slice(1) };
    }
    case "n/a":
      if (text !== "n/a") throw new ProfileError(`${at}: n/a provenance: expected the value n/a, got ${JSON.stringify(text)}`);
      return { kind: "na" };
  }
}

/** Recursive descent over `expr := term (('+'|'-') term)*`, `term := unary (('*'|'/') unary)*`. */
export function parseExpr(text: string, at: string): Expr {
  const toks = text.match(/\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[A-Za-z_][\w@]*|[-+*/()]|\S/g) ?? [];
  let pos = 0;
  const fail = (what: string): never => {
    throw new ProfileError(`${at}: derived expression ${JSON.stringify(text)}: ${what}`);
  };
  const peek = (): string | undefined => toks[pos];
  const primary = (): Expr => {
    const t = toks[pos++];
    if (t === undefined) return fail("expected a number, a name or ( at the end");
    if (t === "(") {
      const e = sum();
      if (toks[pos++] !== ")") fail("expected )");
      return e;
    }
    if (t === "-") return { op: "neg", a: primary() };
    if (/^\d/.test(t)) return { op: "num", value: Number(t) };
    if (/^[A-Za-z_]/.test(t)) return { op: "ref", name: t };
    return fail(`unexpected ${JSON.stringify(t)}`);
  };
  const product = (): Expr => {
    let e = primary();
    while (peek() === "*" || peek() === "/") {
      const op = toks[pos++] as "*" | "/";
      e = { op, a: e, b: primary() };
    }
    return e;
  };
  const sum = (): Expr => {
    let e = product();
    while (peek() === "+" || peek() === "-") {
      const op = toks[pos++] as "+" | "-";
      e = { op, a: e, b: product() };
    }
    return e;
  };
  const e = sum();
  if (pos !== toks.length) fail(`unexpected ${JSON.stringify(toks[pos])}`);
  return e;
}

export function exprRefs(e: Expr, out: string[] = []): string[] {
  if (e.op === "ref") out.push(e.name);
  else if (e.op === "neg") exprRefs(e.a, out);
  else if (e.op !== "num") {
    exprRefs(e.a, out);
    exprRefs(e.b, out);
  }
  return out;
}

function checkRefs(e: Expr, constants: ReadonlyMap<string, ProfileConstant>, at: string): void {
  for (const r of exprRefs(e)) {
    const key = r.split("@")[0];
    if (!constants.has(key)) throw new ProfileError(`${at}: derived expression refers to ${r}, which has no line in this profile`);
  }
}

/** A derived constant may not depend on itself, directly or through others (any mode's override). */
function checkCycles(constants: ReadonlyMap<string, ProfileConstant>, fileName: string): void {
  const deps = (key: string): string[] => {
    const out: string[] = [];
    for (const c of constants.values()) {
      if (c.key !== key || c.value.kind !== "derived") continue;
      for (const r of exprRefs(c.value.expr)) {
        // A reference to one mode's line that is not itself derived cannot lead back here.
        const exact = r.includes("@") ? constants.get(r) : undefined;
        if (exact !== undefined && exact.value.kind !== "derived") continue;
        out.push(r.split("@")[0]);
      }
    }
    return out;
  };
  const state = new Map<string, 1 | 2>();
  const visit = (key: string, path: string[]): void => {
    const s = state.get(key);
    if (s === 2) return;
    if (s === 1) {
      const line = [...constants.values()].find((c) => c.key === key)?.line ?? 1;
      throw new ProfileError(`${fileName}:${line}: derived constants form a cycle: ${[...path, key].join(" → ")}`);
    }
    state.set(key, 1);
    for (const d of deps(key)) visit(d, [...path, key]);
    state.set(key, 2);
  };
  for (const c of constants.values()) visit(c.key, []);
}
