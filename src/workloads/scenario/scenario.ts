/**
 * A scenario: a named list of steps one task runs against a booted simulated kernel — the
 * kernel API calls and memory accesses a piece of kernel code would make. Pointers and caches
 * are named with `as` and used by name; a pointer use may add a byte `offset` (negative too).
 *
 *   name: oob-write-after-kmalloc
 *   steps:
 *     - {op: kmalloc, size: 123, as: p}
 *     - {op: write, ptr: p, offset: 123, size: 1}
 *     - {op: kfree, ptr: p}
 *
 * OPS below is the one table of every operation, its fields and their defaults; the parser
 * validates against it and the runner executes the validated steps.
 */

/** The kind of value a step field holds. */
export type FieldKind =
  /** A name bound by an earlier step's `as` to a pointer (optionally with `<field>_offset` / `offset`). */
  | "ptr"
  /** A name bound by an earlier kmem_cache_create. */
  | "cache"
  /** A name this step binds (`as`). */
  | "as"
  /** A non-negative integer (sizes, orders, alignments). */
  | "count"
  /** Any integer (mem* sizes may be negative: a size_t underflow, as in kmalloc_memmove_negative_size). */
  | "int"
  /** A gfp mask as the kernel prints it: `GFP_KERNEL|__GFP_ZERO`, `GFP_ATOMIC`, `0x400`. */
  | "gfp"
  /** A pointer tag 0x00–0xff (number or "0x.." string). */
  | "tag"
  /** A byte value 0x00–0xff for memset. */
  | "byte"
  /** A list of SLAB_* flag names (or one string joined by "|"). */
  | "slabFlags"
  /** A C identifier (function names). */
  | "ident"
  /** A non-empty string. */
  | "string"
  /** true, or the name of the constructor function. */
  | "ctor";

export interface FieldSpec {
  kind: FieldKind;
  required?: boolean;
  /** The value when absent (as the kernel API's usual caller passes it). */
  default?: number | string | boolean;
  /** Smallest value a count accepts (default 0). */
  min?: number;
}

export const SCENARIO_OPS = [
  "kmalloc", "kzalloc", "kmalloc_node", "krealloc", "kfree", "kfree_sensitive", "ksize",
  "kmem_cache_create", "kmem_cache_alloc", "kmem_cache_free", "kmem_cache_destroy",
  "alloc_pages", "free_pages", "vmalloc", "__vmalloc", "vfree",
  "read", "write", "memset", "memcpy", "memmove", "set_tag", "reset_tag",
  "call_rcu_kfree", "synchronize_rcu", "rcu_barrier", "enable_checks",
] as const;
export type ScenarioOp = (typeof SCENARIO_OPS)[number];

const AS_REQUIRED: FieldSpec = { kind: "as", required: true };
const AS_OPTIONAL: FieldSpec = { kind: "as" };
const PTR: FieldSpec = { kind: "ptr", required: true };
const GFP_KERNEL: FieldSpec = { kind: "gfp", default: "GFP_KERNEL" };
const SIZE: FieldSpec = { kind: "count", required: true };

/** Every operation's fields (besides `op` and the optional `fn` every step takes). */
export const OPS: Readonly<Record<ScenarioOp, Readonly<Record<string, FieldSpec>>>> = {
  kmalloc: { size: SIZE, gfp: GFP_KERNEL, as: AS_REQUIRED },
  kzalloc: { size: SIZE, gfp: GFP_KERNEL, as: AS_REQUIRED },
  kmalloc_node: { size: SIZE, gfp: GFP_KERNEL, node: { kind: "int", default: -1 }, as: AS_REQUIRED },
  // krealloc(p, size, gfp); without `as` the result is bound to the same name (p = krealloc(p, …)).
  krealloc: { ptr: PTR, size: SIZE, gfp: GFP_KERNEL, as: AS_OPTIONAL },
  kfree: { ptr: PTR },
  kfree_sensitive: { ptr: PTR },
  ksize: { ptr: PTR },
  kmem_cache_create: {
    name: { kind: "string", required: true },
    size: SIZE,
    align: { kind: "count", default: 0 },
    flags: { kind: "slabFlags" },
    ctor: { kind: "ctor" },
    as: AS_REQUIRED,
  },
  kmem_cache_alloc: { cache: { kind: "cache", required: true }, gfp: GFP_KERNEL, as: AS_REQUIRED },
  kmem_cache_free: { cache: { kind: "cache", required: true }, ptr: PTR },
  kmem_cache_destroy: { cache: { kind: "cache", required: true } },
  alloc_pages: { order: { kind: "count", default: 0 }, gfp: GFP_KERNEL, as: AS_REQUIRED },
  // free_pages(addr, order): order defaults to the one alloc_pages used for that name.
  free_pages: { ptr: PTR, order: { kind: "count" } },
  vmalloc: { size: SIZE, as: AS_REQUIRED },
  __vmalloc: { size: SIZE, gfp: GFP_KERNEL, as: AS_REQUIRED },
  vfree: { ptr: PTR },
  read: { ptr: PTR, size: { kind: "count", required: true, min: 1 } },
  write: { ptr: PTR, size: { kind: "count", required: true, min: 1 } },
  memset: { ptr: PTR, size: { kind: "int", required: true }, value: { kind: "byte", default: 0 } },
  memcpy: { dst: PTR, src: PTR, size: { kind: "int", required: true } },
  memmove: { dst: PTR, src: PTR, size: { kind: "int", required: true } },
  // ptr = set_tag(ptr, tag) / kasan_reset_tag(ptr); without `as` the name is rebound.
  set_tag: { ptr: PTR, tag: { kind: "tag", required: true }, as: AS_OPTIONAL },
  reset_tag: { ptr: PTR, as: AS_OPTIONAL },
  // call_rcu(&obj->rcu, cb) where cb kfree()s the object.
  call_rcu_kfree: { ptr: PTR },
  synchronize_rcu: {},
  rcu_barrier: {},
  enable_checks: {},
};

/** A pointer use: the name an earlier step bound, plus a byte offset. */
export interface PtrRef {
  name: string;
  offset: number;
}

/** One validated step. Only the fields of its op are set (defaults filled in). */
export interface ScenarioStep {
  /** 1-based position in `steps`. */
  step: number;
  /** 1-based line of the step in the file (0 when unknown). */
  line: number;
  op: ScenarioOp;
  /** The function the step runs in, called from the scenario's function (optional). */
  fn?: string;
  as?: string;
  ptr?: PtrRef;
  dst?: PtrRef;
  src?: PtrRef;
  cache?: string;
  size?: number;
  order?: number;
  align?: number;
  node?: number;
  /** The gfp text (validated); turned into a mask with the booted kernel's GFP table. */
  gfp?: string;
  tag?: number;
  value?: number;
  /** SLAB_* flag bits. */
  flags?: number;
  /** kmem_cache_create: the cache name; ctor: the constructor's function name. */
  name?: string;
  ctor?: string;
}

/** The task that runs a scenario (`current` in its reports). */
export interface ScenarioTask {
  pid: number;
  comm: string;
  cpu: number;
}

export const DEFAULT_SCENARIO_TASK: ScenarioTask = { pid: 100, comm: "scenario", cpu: 0 };

export interface Scenario {
  name: string;
  /** The scenario's function: its name as a C identifier (non-identifier characters become `_`). */
  function: string;
  description?: string;
  task: ScenarioTask;
  steps: ScenarioStep[];
  /** File name used in messages. */
  file: string;
}

/** `oob-write-after-kmalloc` → `oob_write_after_kmalloc` (a symbol name kallsyms can print). */
export function scenarioFunctionName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_]/g, "_");
  return /^[0-9]/.test(s) ? `_${s}` : s;
}
