import { describe, expect, it } from "vitest";
import { SLAB_HWCACHE_ALIGN, SLAB_TYPESAFE_BY_RCU } from "../../mm/slab/flags.js";
import { parseScenario, ScenarioError } from "./parse-scenario.js";
import { DEFAULT_SCENARIO_TASK, scenarioFunctionName } from "./scenario.js";

function err(text: string): string {
  try {
    parseScenario(text, "s.yaml");
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return (e as Error).message;
  }
  throw new Error("expected a ScenarioError");
}

/** A scenario whose steps are the given YAML flow mappings, one per line starting at line 3. */
function steps(...lines: string[]): string {
  return `name: t\nsteps:\n${lines.map((l) => `  - ${l}`).join("\n")}\n`;
}

describe("scenario files: what parses", () => {
  it("reads the issue's example with defaults filled in (gfp GFP_KERNEL, offset 0)", () => {
    const sc = parseScenario(steps("{op: kmalloc, size: 123, as: p}", "{op: write, ptr: p, offset: 123, size: 1}", "{op: kfree, ptr: p}"), "ex.yaml");
    expect(sc.name).toBe("t");
    expect(sc.function).toBe("t");
    expect(sc.task).toEqual(DEFAULT_SCENARIO_TASK);
    expect(sc.steps).toEqual([
      { step: 1, line: 3, op: "kmalloc", size: 123, gfp: "GFP_KERNEL", as: "p" },
      { step: 2, line: 4, op: "write", ptr: { name: "p", offset: 123 }, size: 1 },
      { step: 3, line: 5, op: "kfree", ptr: { name: "p", offset: 0 } },
    ]);
  });

  it("reads JSON too (YAML 1.2 is a superset)", () => {
    const sc = parseScenario('{"name": "j", "steps": [{"op": "vmalloc", "size": 4096, "as": "v"}, {"op": "read", "ptr": "v", "offset": -1, "size": 1}]}', "j.json");
    expect(sc.steps[1]).toMatchObject({ op: "read", ptr: { name: "v", offset: -1 } });
  });

  it("turns the scenario name into a C identifier for its function symbol", () => {
    expect(scenarioFunctionName("oob-write-after-kmalloc")).toBe("oob_write_after_kmalloc");
    expect(scenarioFunctionName("2 bugs")).toBe("_2_bugs");
  });

  it("reads kmem_cache_create's flags list, align and ctor", () => {
    const sc = parseScenario(steps("{op: kmem_cache_create, name: test_cache, size: 200, align: 64, flags: [SLAB_TYPESAFE_BY_RCU, SLAB_HWCACHE_ALIGN], ctor: true, as: c}", "{op: kmem_cache_alloc, cache: c, gfp: GFP_ATOMIC, as: o}"), "c.yaml");
    expect(sc.steps[0]).toEqual({ step: 1, line: 3, op: "kmem_cache_create", name: "test_cache", size: 200, align: 64, flags: SLAB_TYPESAFE_BY_RCU | SLAB_HWCACHE_ALIGN, ctor: "test_cache_ctor", as: "c" });
    expect(sc.steps[1]).toMatchObject({ cache: "c", gfp: "GFP_ATOMIC", as: "o" });
    const named = parseScenario(steps('{op: kmem_cache_create, name: x, size: 8, flags: "SLAB_HWCACHE_ALIGN", ctor: my_ctor, as: c}'), "c.yaml");
    expect(named.steps[0]).toMatchObject({ flags: SLAB_HWCACHE_ALIGN, ctor: "my_ctor" });
  });

  it("set_tag takes a number or a hex string; krealloc/set_tag/reset_tag rebind their pointer without `as`", () => {
    const sc = parseScenario(steps("{op: kmalloc, size: 8, as: p}", "{op: set_tag, ptr: p, tag: 0xff}", '{op: set_tag, ptr: p, tag: "0x3a", as: q}', "{op: krealloc, ptr: p, size: 64}", "{op: reset_tag, ptr: q}"), "t.yaml");
    expect(sc.steps.map((s) => [s.tag, s.as])).toEqual([[undefined, "p"], [0xff, "p"], [0x3a, "q"], [undefined, "p"], [undefined, "q"]]);
  });

  it("memcpy/memmove name dst and src with their own offsets; mem* sizes may be negative", () => {
    const sc = parseScenario(steps("{op: kmalloc, size: 64, as: p}", "{op: memmove, dst: p, src: p, src_offset: 4, size: -2}"), "m.yaml");
    expect(sc.steps[1]).toEqual({ step: 2, line: 4, op: "memmove", dst: { name: "p", offset: 0 }, src: { name: "p", offset: 4 }, size: -2 });
  });

  it("reads the task and a step's fn", () => {
    const sc = parseScenario("name: t\ntask: {pid: 37, comm: kunit_try_catch, cpu: 1}\nsteps:\n  - {op: kmalloc, size: 8, as: p, fn: helper}\n", "t.yaml");
    expect(sc.task).toEqual({ pid: 37, comm: "kunit_try_catch", cpu: 1 });
    expect(sc.steps[0].fn).toBe("helper");
  });
});

describe("scenario files: each kind of error names the file, line, step, op and field", () => {
  it("YAML syntax error with its line and column", () => {
    expect(err("name: t\nsteps:\n  - {op: kmalloc, size: 8\n")).toMatch(/^s\.yaml:4:1: YAML syntax error: /);
  });

  it("top-level shape", () => {
    expect(err("- 1\n- 2\n")).toBe('s.yaml: expected a mapping with "name" and "steps" at the top level');
    expect(err("steps: []\n")).toBe('s.yaml: field "name": expected a non-empty string, got nothing');
    expect(err("name: t\n")).toBe('s.yaml: field "steps": expected a list of steps, got nothing');
    expect(err("name: t\nsteps: []\nstpes: []\n")).toBe('s.yaml: unknown top-level field "stpes" (expected name, description, task, steps)');
    expect(err("name: t\ntask: {comm: this-name-is-too-long}\nsteps: []\n")).toBe('s.yaml: field "task.comm": expected a string of 1 to 15 characters, got "this-name-is-too-long"');
  });

  it("a step that is not a mapping, or has no op", () => {
    expect(err(steps("kmalloc"))).toBe('s.yaml:3: step 1: expected a mapping like {op: kmalloc, size: 8, as: p}, got "kmalloc"');
    expect(err(steps("{size: 8}"))).toMatch(/^s\.yaml:3: step 1: field "op": missing \(expected one of kmalloc, kzalloc, /);
  });

  it("unknown op", () => {
    expect(err(steps("{op: kmalloc, size: 8, as: p}", "{op: kmallok, size: 8}"))).toMatch(/^s\.yaml:4: step 2: field "op": unknown operation "kmallok" \(expected one of kmalloc, /);
  });

  it("unknown field, listing the op's fields", () => {
    expect(err(steps("{op: kmalloc, sise: 8, as: p}"))).toBe('s.yaml:3: step 1 (kmalloc): unknown field "sise" (kmalloc takes fn, size, gfp, as)');
  });

  it("missing field", () => {
    expect(err(steps("{op: kmalloc, as: p}"))).toBe('s.yaml:3: step 1 (kmalloc): field "size": missing (expected a non-negative integer)');
    expect(err(steps("{op: kmalloc, size: 8}"))).toBe('s.yaml:3: step 1 (kmalloc): field "as": missing (expected a name (letters, digits, _; not starting with a digit))');
  });

  it("wrong type", () => {
    expect(err(steps("{op: kmalloc, size: big, as: p}"))).toBe('s.yaml:3: step 1 (kmalloc): field "size": expected a non-negative integer, got "big"');
    expect(err(steps("{op: kmalloc, size: -1, as: p}"))).toBe('s.yaml:3: step 1 (kmalloc): field "size": expected a non-negative integer, got -1');
    expect(err(steps("{op: kmalloc, size: 8, as: p}", "{op: read, ptr: p, size: 0}"))).toBe('s.yaml:4: step 2 (read): field "size": expected an integer ≥ 1, got 0');
    expect(err(steps("{op: kmalloc, size: 8, as: p}", "{op: read, ptr: p, offset: 1.5, size: 1}"))).toBe('s.yaml:4: step 2 (read): field "offset": expected an integer byte offset (may be negative), got 1.5');
    expect(err(steps("{op: kmalloc, size: 8, as: p}", "{op: set_tag, ptr: p, tag: 256}"))).toBe('s.yaml:4: step 2 (set_tag): field "tag": expected a tag from 0x00 to 0xff (a number or a "0x.." string), got 256');
    expect(err(steps("{op: kmalloc, size: 8, as: 1p}"))).toBe('s.yaml:3: step 1 (kmalloc): field "as": expected a name (letters, digits, _; not starting with a digit), got "1p"');
    expect(err(steps("{op: kmem_cache_create, name: c, size: 8, flags: [SLAB_BOGUS], as: c}"))).toMatch(/^s\.yaml:3: step 1 \(kmem_cache_create\): field "flags": unknown flag "SLAB_BOGUS" \(expected SLAB_CONSISTENCY_CHECKS, /);
  });

  it("unknown pointer or cache name, and a name of the wrong kind", () => {
    expect(err(steps("{op: kfree, ptr: p}"))).toBe('s.yaml:3: step 1 (kfree): field "ptr": unknown pointer name "p" (no pointer is defined before this step)');
    expect(err(steps("{op: kmalloc, size: 8, as: p}", "{op: memcpy, dst: p, src: q, size: 8}"))).toBe('s.yaml:4: step 2 (memcpy): field "src": unknown pointer name "q" (defined so far: p)');
    expect(err(steps("{op: kmem_cache_create, name: c, size: 8, as: c}", "{op: kfree, ptr: c}"))).toBe('s.yaml:4: step 2 (kfree): field "ptr": "c" names a kmem_cache, expected a pointer');
    expect(err(steps("{op: kmalloc, size: 8, as: p}", "{op: kmem_cache_alloc, cache: p, as: o}"))).toBe('s.yaml:4: step 2 (kmem_cache_alloc): field "cache": "p" names a pointer, expected a kmem_cache');
    expect(err(steps("{op: kmem_cache_destroy, cache: c}"))).toBe('s.yaml:3: step 1 (kmem_cache_destroy): field "cache": unknown cache name "c" (no cache is defined before this step)');
  });

  it("bad gfp", () => {
    expect(err(steps("{op: kmalloc, size: 8, gfp: GFP_KERNAL, as: p}"))).toBe(
      's.yaml:3: step 1 (kmalloc): field "gfp": unknown gfp flag name "GFP_KERNAL" in "GFP_KERNAL" (expected a GFP_*/__GFP_* name or 0x hex)',
    );
    expect(err(steps("{op: alloc_pages, gfp: 3, as: p}"))).toBe('s.yaml:3: step 1 (alloc_pages): field "gfp": expected a gfp mask like "GFP_KERNEL|__GFP_ZERO", got 3');
  });
});
