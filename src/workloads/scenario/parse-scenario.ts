/**
 * Reading a scenario file (YAML, or JSON — which YAML 1.2 reads as is) into validated steps.
 * Every problem is a ScenarioError whose message names the file, the line, the step number,
 * its op and the field, and says what was expected.
 */
import { isMap, isSeq, LineCounter, parseDocument } from "yaml";
import { gfpFor, parseGfp } from "../../mm/gfp.js";
import {
  SLAB_ACCOUNT, SLAB_CACHE_DMA, SLAB_CACHE_DMA32, SLAB_CONSISTENCY_CHECKS, SLAB_HWCACHE_ALIGN, SLAB_NO_MERGE,
  SLAB_NO_USER_FLAGS, SLAB_NOLEAKTRACE, SLAB_PANIC, SLAB_POISON, SLAB_RECLAIM_ACCOUNT, SLAB_RED_ZONE,
  SLAB_STORE_USER, SLAB_TRACE, SLAB_TYPESAFE_BY_RCU,
} from "../../mm/slab/flags.js";
import {
  DEFAULT_SCENARIO_TASK, type FieldSpec, OPS, type PtrRef, type Scenario, type ScenarioOp, SCENARIO_OPS,
  type ScenarioStep, type ScenarioTask, scenarioFunctionName,
} from "./scenario.js";

/** A scenario file that cannot be run as written. */
export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScenarioError";
  }
}

/** The SLAB_* flags a kmem_cache_create caller may name (include/linux/slab.h). */
const SLAB_FLAG_BY_NAME: Readonly<Record<string, number>> = {
  SLAB_CONSISTENCY_CHECKS, SLAB_RED_ZONE, SLAB_POISON, SLAB_HWCACHE_ALIGN, SLAB_CACHE_DMA, SLAB_CACHE_DMA32,
  SLAB_STORE_USER, SLAB_PANIC, SLAB_TYPESAFE_BY_RCU, SLAB_TRACE, SLAB_NOLEAKTRACE, SLAB_NO_MERGE, SLAB_ACCOUNT,
  SLAB_NO_USER_FLAGS, SLAB_RECLAIM_ACCOUNT,
};

const TOP_FIELDS = ["name", "description", "task", "steps"];
const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Every GFP name any build defines (the hw_tags table has them all). */
const GFP_NAMES = gfpFor("hw_tags");

const EXPECTED: Record<FieldSpec["kind"], string> = {
  ptr: "the name of a pointer bound by an earlier step's `as`",
  cache: "the name of a cache bound by an earlier kmem_cache_create",
  as: "a name (letters, digits, _; not starting with a digit)",
  count: "a non-negative integer",
  int: "an integer",
  gfp: 'a gfp mask like "GFP_KERNEL|__GFP_ZERO"',
  tag: "a tag from 0x00 to 0xff (a number or a \"0x..\" string)",
  byte: "a byte value from 0x00 to 0xff",
  slabFlags: "a list of SLAB_* flag names",
  ident: "a function name (letters, digits, _; not starting with a digit)",
  string: "a non-empty string",
  ctor: "true or the constructor's function name",
};

/** Parse and validate a scenario. `file` names it in messages. */
export function parseScenario(text: string, file: string): Scenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const pos = e.linePos?.[0] ?? (e.pos === undefined ? undefined : lineCounter.linePos(e.pos[0]));
    const where = pos === undefined ? file : `${file}:${pos.line}:${pos.col}`;
    throw new ScenarioError(`${where}: YAML syntax error: ${e.message.split("\n")[0]}`);
  }
  const root: unknown = doc.toJS();
  if (root === null || typeof root !== "object" || Array.isArray(root)) {
    throw new ScenarioError(`${file}: expected a mapping with "name" and "steps" at the top level`);
  }
  const top = root as Record<string, unknown>;
  for (const k of Object.keys(top)) {
    if (!TOP_FIELDS.includes(k)) throw new ScenarioError(`${file}: unknown top-level field "${k}" (expected ${TOP_FIELDS.join(", ")})`);
  }
  if (typeof top.name !== "string" || top.name.trim().length === 0) throw new ScenarioError(`${file}: field "name": expected a non-empty string, got ${show(top.name)}`);
  if (top.description !== undefined && typeof top.description !== "string") throw new ScenarioError(`${file}: field "description": expected a string, got ${show(top.description)}`);
  const task = parseTask(top.task, file);
  if (!Array.isArray(top.steps)) throw new ScenarioError(`${file}: field "steps": expected a list of steps, got ${show(top.steps)}`);

  // Line of each step, for messages.
  const stepsNode = isMap(doc.contents) ? doc.contents.get("steps", true) : undefined;
  const lineOf = (i: number): number => {
    if (!isSeq(stepsNode)) return 0;
    const item = stepsNode.items[i] as { range?: [number, number, number] } | undefined;
    return item?.range === undefined ? 0 : lineCounter.linePos(item.range[0]).line;
  };

  const names = new Map<string, "pointer" | "cache">();
  const steps: ScenarioStep[] = [];
  top.steps.forEach((raw: unknown, i: number) => {
    steps.push(parseStep(raw, i + 1, lineOf(i), file, names));
  });
  return { name: top.name, function: scenarioFunctionName(top.name), description: top.description, task, steps, file };
}

function parseTask(raw: unknown, file: string): ScenarioTask {
  if (raw === undefined) return { ...DEFAULT_SCENARIO_TASK };
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new ScenarioError(`${file}: field "task": expected a mapping {pid, comm, cpu}, got ${show(raw)}`);
  const t = raw as Record<string, unknown>;
  for (const k of Object.keys(t)) {
    if (k !== "pid" && k !== "comm" && k !== "cpu") throw new ScenarioError(`${file}: field "task": unknown field "${k}" (expected pid, comm, cpu)`);
  }
  const out = { ...DEFAULT_SCENARIO_TASK };
  if (t.pid !== undefined) {
    if (!isInt(t.pid) || t.pid < 0 || t.pid > 4194304) throw new ScenarioError(`${file}: field "task.pid": expected an integer from 0 to 4194304 (PID_MAX_LIMIT), got ${show(t.pid)}`);
    out.pid = t.pid;
  }
  if (t.comm !== undefined) {
    // TASK_COMM_LEN is 16 including the terminating NUL.
    if (typeof t.comm !== "string" || t.comm.length === 0 || t.comm.length > 15) throw new ScenarioError(`${file}: field "task.comm": expected a string of 1 to 15 characters, got ${show(t.comm)}`);
    out.comm = t.comm;
  }
  if (t.cpu !== undefined) {
    if (!isInt(t.cpu) || t.cpu < 0) throw new ScenarioError(`${file}: field "task.cpu": expected a non-negative integer, got ${show(t.cpu)}`);
    out.cpu = t.cpu;
  }
  return out;
}

function parseStep(raw: unknown, n: number, line: number, file: string, names: Map<string, "pointer" | "cache">): ScenarioStep {
  const at = line > 0 ? `${file}:${line}` : file;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ScenarioError(`${at}: step ${n}: expected a mapping like {op: kmalloc, size: 8, as: p}, got ${show(raw)}`);
  }
  const s = raw as Record<string, unknown>;
  if (s.op === undefined) throw new ScenarioError(`${at}: step ${n}: field "op": missing (expected one of ${SCENARIO_OPS.join(", ")})`);
  if (typeof s.op !== "string" || !(SCENARIO_OPS as readonly string[]).includes(s.op)) {
    throw new ScenarioError(`${at}: step ${n}: field "op": unknown operation ${show(s.op)} (expected one of ${SCENARIO_OPS.join(", ")})`);
  }
  const op = s.op as ScenarioOp;
  const spec = OPS[op];
  const prefix = `${at}: step ${n} (${op})`;
  const fail = (field: string, what: string): never => {
    throw new ScenarioError(`${prefix}: field "${field}": ${what}`);
  };

  // Which keys the op takes: its fields, `<ptr field>` offsets, and `fn`.
  const allowed = new Set<string>(["op", "fn", ...Object.keys(spec)]);
  for (const [f, fs] of Object.entries(spec)) if (fs.kind === "ptr") allowed.add(offsetField(f));
  for (const k of Object.keys(s)) {
    if (!allowed.has(k)) throw new ScenarioError(`${prefix}: unknown field "${k}" (${op} takes ${[...allowed].filter((a) => a !== "op").join(", ")})`);
  }

  const step: ScenarioStep = { step: n, line, op };
  if (s.fn !== undefined) {
    if (typeof s.fn !== "string" || !IDENT_RE.test(s.fn)) fail("fn", `expected ${EXPECTED.ident}, got ${show(s.fn)}`);
    step.fn = s.fn as string;
  }
  let bind: string | undefined;
  for (const [field, fs] of Object.entries(spec)) {
    let v = s[field];
    if (v === undefined || v === null) {
      if (fs.required) fail(field, `missing (expected ${EXPECTED[fs.kind]})`);
      if (fs.default === undefined) continue;
      v = fs.default;
    }
    switch (fs.kind) {
      case "ptr": {
        if (typeof v !== "string") fail(field, `expected ${EXPECTED.ptr}, got ${show(v)}`);
        const name = v as string;
        const kind = names.get(name);
        if (kind === undefined) fail(field, `unknown pointer name ${show(name)} (${definedSoFar(names, "pointer")})`);
        if (kind === "cache") fail(field, `${show(name)} names a kmem_cache, expected a pointer`);
        const of = offsetField(field);
        const off = s[of] ?? 0;
        if (!isInt(off)) fail(of, `expected an integer byte offset (may be negative), got ${show(off)}`);
        const ref: PtrRef = { name, offset: off as number };
        if (field === "ptr") step.ptr = ref;
        else if (field === "dst") step.dst = ref;
        else step.src = ref;
        break;
      }
      case "cache": {
        if (typeof v !== "string") fail(field, `expected ${EXPECTED.cache}, got ${show(v)}`);
        const kind = names.get(v as string);
        if (kind === undefined) fail(field, `unknown cache name ${show(v)} (${definedSoFar(names, "cache")})`);
        if (kind === "pointer") fail(field, `${show(v)} names a pointer, expected a kmem_cache`);
        step.cache = v as string;
        break;
      }
      case "as":
        if (typeof v !== "string" || !IDENT_RE.test(v)) fail(field, `expected ${EXPECTED.as}, got ${show(v)}`);
        bind = v as string;
        step.as = bind;
        break;
      case "count": {
        const min = fs.min ?? 0;
        if (!isInt(v) || (v as number) < min) fail(field, `expected ${min === 0 ? "a non-negative integer" : `an integer ≥ ${min}`}, got ${show(v)}`);
        assignNumber(step, field, v as number);
        break;
      }
      case "int":
        if (!isInt(v)) fail(field, `expected ${EXPECTED.int}, got ${show(v)}`);
        assignNumber(step, field, v as number);
        break;
      case "gfp": {
        if (typeof v !== "string") fail(field, `expected ${EXPECTED.gfp}, got ${show(v)}`);
        try {
          parseGfp(v as string, GFP_NAMES);
        } catch (e) {
          fail(field, (e as Error).message.replace(/^parseGfp: /, ""));
        }
        step.gfp = v as string;
        break;
      }
      case "tag":
      case "byte": {
        const b = typeof v === "string" && /^0x[0-9a-f]{1,2}$/i.test(v) ? parseInt(v.slice(2), 16) : v;
        if (!isInt(b) || (b as number) < 0 || (b as number) > 0xff) fail(field, `expected ${EXPECTED[fs.kind]}, got ${show(v)}`);
        if (fs.kind === "tag") step.tag = b as number;
        else step.value = b as number;
        break;
      }
      case "slabFlags": {
        const list = typeof v === "string" ? v.split("|").map((x) => x.trim()) : v;
        if (!Array.isArray(list)) fail(field, `expected ${EXPECTED.slabFlags}, got ${show(v)}`);
        let flags = 0;
        for (const f of list as unknown[]) {
          const bit = typeof f === "string" ? SLAB_FLAG_BY_NAME[f] : undefined;
          if (bit === undefined) fail(field, `unknown flag ${show(f)} (expected ${Object.keys(SLAB_FLAG_BY_NAME).join(", ")})`);
          flags |= bit as number;
        }
        step.flags = flags >>> 0;
        break;
      }
      case "string":
        if (typeof v !== "string" || v.length === 0) fail(field, `expected ${EXPECTED.string}, got ${show(v)}`);
        step.name = v as string;
        break;
      case "ctor":
        if (v === false) break;
        if (v === true) step.ctor = `${scenarioFunctionName(String(s.name ?? "cache"))}_ctor`;
        else if (typeof v === "string" && IDENT_RE.test(v)) step.ctor = v;
        else fail(field, `expected ${EXPECTED.ctor}, got ${show(v)}`);
        break;
      case "ident":
        if (typeof v !== "string" || !IDENT_RE.test(v)) fail(field, `expected ${EXPECTED.ident}, got ${show(v)}`);
        step.name = v as string;
        break;
    }
  }
  // Ops that rebind their input pointer when no `as` is given (p = krealloc(p, …)).
  if (bind === undefined && (op === "krealloc" || op === "set_tag" || op === "reset_tag")) step.as = step.ptr?.name;
  if (step.as !== undefined) names.set(step.as, op === "kmem_cache_create" ? "cache" : "pointer");
  return step;
}

/** The offset field of a pointer field: `offset` for `ptr`, `<field>_offset` otherwise. */
export function offsetField(field: string): string {
  return field === "ptr" ? "offset" : `${field}_offset`;
}

function assignNumber(step: ScenarioStep, field: string, v: number): void {
  switch (field) {
    case "size":
      step.size = v;
      break;
    case "order":
      step.order = v;
      break;
    case "align":
      step.align = v;
      break;
    case "node":
      step.node = v;
      break;
    default:
      throw new Error(`scenario: no numeric field ${field}`);
  }
}

function definedSoFar(names: Map<string, "pointer" | "cache">, kind: "pointer" | "cache"): string {
  const list = [...names].filter(([, k]) => k === kind).map(([n]) => n);
  return list.length === 0 ? `no ${kind} is defined before this step` : `defined so far: ${list.join(", ")}`;
}

function isInt(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v);
}

function show(v: unknown): string {
  if (v === undefined) return "nothing";
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
