import { describe, expect, it } from "vitest";
import { parsePx } from "../../arch/pointer.js";
import type { KasanMode } from "../../config/mode.js";
import { bootKernel, type Kernel } from "../../kernel/kernel.js";
import { parseScenario, ScenarioError } from "./parse-scenario.js";
import { runScenario, type ScenarioRun } from "./run-scenario.js";

function scenario(lines: string[], extra = "") {
  return parseScenario(`name: op-test\n${extra}steps:\n${lines.map((l) => `  - ${l}`).join("\n")}\n`, "op.yaml");
}

function go(mode: KasanMode, lines: string[], cmdline = "kasan_multi_shot", extra = ""): { k: Kernel; r: ScenarioRun } {
  const k = bootKernel({ mode, cmdline });
  return { k, r: runScenario(k, scenario(lines, extra)) };
}

/** [step, bug type] of every report. */
function bugs(r: ScenarioRun): [number, string][] {
  return r.steps.flatMap((s) => s.reports.map((i): [number, string] => [s.step, r.reports[i].bugType]));
}

describe("scenario ops on a booted kernel", () => {
  it("kmalloc / kzalloc / kmalloc_node bind pointers; ksize returns the cache's object size", () => {
    // kmalloc(123), kzalloc(60), kmalloc_node(20, node 0) come from kmalloc-128, -64 and -32.
    const { r } = go("generic", ["{op: kmalloc, size: 123, as: a}", "{op: kzalloc, size: 60, as: b}", "{op: kmalloc_node, size: 20, node: 0, as: c}", "{op: ksize, ptr: a}", "{op: ksize, ptr: b}", "{op: ksize, ptr: c}"]);
    expect(r.steps.slice(0, 3).every((s) => /^ffff0000[0-9a-f]{8}$/.test(s.ptr ?? ""))).toBe(true);
    expect(r.steps.slice(3).map((s) => s.value)).toEqual([128, 64, 32]);
    expect(r.reports).toEqual([]);
  });

  it("krealloc to a bigger size moves the object: the old pointer is then freed", () => {
    // 123 → 201 no longer fits kmalloc-128, so krealloc copies into kmalloc-256 and frees the old one.
    const { r } = go("generic", ["{op: kmalloc, size: 123, as: p}", "{op: krealloc, ptr: p, size: 201, as: q}", "{op: read, ptr: q, offset: 200, size: 1}", "{op: read, ptr: p, size: 1}", "{op: read, ptr: q, offset: 201, size: 1}"]);
    expect(r.steps[1].ptr).not.toBe(r.steps[0].ptr);
    // q+200 is in bounds; p is freed (slab-use-after-free); q+201 is past the 201-byte region.
    expect(bugs(r)).toEqual([[4, "slab-use-after-free"], [5, "slab-out-of-bounds"]]);
  });

  it("kfree and kfree_sensitive free; ksize on a freed object reports (kasan_check_byte)", () => {
    const { r } = go("generic", ["{op: kmalloc, size: 16, as: p}", "{op: kfree_sensitive, ptr: p}", "{op: ksize, ptr: p}", "{op: kmalloc, size: 16, as: q}", "{op: kfree, ptr: q}", "{op: write, ptr: q, offset: 15, size: 1}"]);
    expect(bugs(r)).toEqual([[3, "slab-use-after-free"], [6, "slab-use-after-free"]]);
    expect(r.steps[2].value).toBe(0);
  });

  it("kmem_cache_create / _alloc / _free / _destroy", () => {
    // A 200-byte cache: +199 is in bounds, +200 is the redzone; after kmem_cache_free the object is freed.
    const { k, r } = go("generic", [
      "{op: kmem_cache_create, name: test_cache, size: 200, flags: [SLAB_HWCACHE_ALIGN], as: c}",
      "{op: kmem_cache_alloc, cache: c, as: o}",
      "{op: read, ptr: o, offset: 199, size: 1}",
      "{op: read, ptr: o, offset: 200, size: 1}",
      "{op: kmem_cache_free, cache: c, ptr: o}",
      "{op: read, ptr: o, size: 1}",
      "{op: kmem_cache_destroy, cache: c}",
    ]);
    expect(bugs(r)).toEqual([[4, "slab-out-of-bounds"], [6, "slab-use-after-free"]]);
    expect(r.reports[0].object?.cacheName).toBe("test_cache");
    expect(k.slab.caches().some((c) => c.name === "test_cache")).toBe(false);
  });

  it("kmem_cache_create with a ctor: objects keep their tag across reuse in the tag modes", () => {
    // A cache with a constructor preassigns each slot's tag once (assign_tag): the same slot
    // comes back with the same pointer tag after free + alloc.
    const { r } = go("sw_tags", ["{op: kmem_cache_create, name: ctor_cache, size: 64, ctor: true, as: c}", "{op: kmem_cache_alloc, cache: c, as: a}", "{op: kmem_cache_free, cache: c, ptr: a}", "{op: kmem_cache_alloc, cache: c, as: b}"]);
    expect(r.steps[3].ptr).toBe(r.steps[1].ptr);
  });

  it("alloc_pages yields page_address (tagged in hw_tags); free_pages frees the order it was allocated with", () => {
    const { r } = go("hw_tags", ["{op: alloc_pages, order: 2, as: pg}", "{op: free_pages, ptr: pg}", "{op: enable_checks}", "{op: read, ptr: pg, offset: 12288, size: 8}"]);
    // IRG tags are 0xF0–0xFD.
    expect(r.steps[0].ptr).toMatch(/^f[0-9a-d]ff0000/);
    // The last of the 4 pages (+3·4096) was freed too (tag 0xFE): the default order is 2, not 0.
    expect(bugs(r)).toEqual([[4, "invalid-access"]]);
  });

  it("the gfp string is read with the booted mode's GFP table: __GFP_SKIP_KASAN leaves hw_tags pages untagged", () => {
    // post_alloc_hook skips kasan_unpoison_pages: page tag stays 0xFF, so page_address is a match-all pointer.
    const { r } = go("hw_tags", ["{op: alloc_pages, gfp: GFP_KERNEL|__GFP_SKIP_KASAN, as: pg}"]);
    expect(r.steps[0].ptr).toMatch(/^ffff0000/);
  });

  it("vmalloc / __vmalloc / vfree: the area's caller is the step's %pS", () => {
    const { k, r } = go("generic", ["{op: vmalloc, size: 100, as: v}", "{op: __vmalloc, size: 100, gfp: GFP_KERNEL|__GFP_ZERO, as: w}", "{op: vfree, ptr: v}", "{op: read, ptr: v, size: 1}", "{op: read, ptr: w, offset: 100, size: 1}"]);
    const w = k.vmalloc.findVmArea(parsePx(r.steps[1].ptr ?? "") ?? 0);
    // %pS of an address inside the scenario's function op_test.
    expect(w?.caller).toMatch(/^op_test\+0x[0-9a-f]+\/0x[0-9a-f]+$/);
    expect(bugs(r)).toEqual([[4, "vmalloc-out-of-bounds"], [5, "vmalloc-out-of-bounds"]]);
  });

  it("memset / memcpy / memmove check whole ranges; a negative size is a size_t underflow (out-of-bounds)", () => {
    const { r } = go("generic", [
      "{op: kmalloc, size: 64, as: p}",
      "{op: memset, ptr: p, offset: 60, size: 4, value: 0xaa}",
      "{op: memset, ptr: p, offset: 60, size: 8}",
      "{op: memcpy, dst: p, src: p, src_offset: 32, size: 33}",
      "{op: memmove, dst: p, src: p, src_offset: 4, size: -2}",
    ]);
    // [60,64) is in bounds; [60,68) and the source [32,65) cross the end at 64.
    expect(bugs(r)).toEqual([[3, "slab-out-of-bounds"], [4, "slab-out-of-bounds"], [5, "out-of-bounds"]]);
    expect(r.reports[1].isWrite).toBe(false);
  });

  it("set_tag forges a pointer tag, reset_tag gives the match-all pointer (tag modes)", () => {
    const { r } = go("sw_tags", ["{op: kmalloc, size: 64, as: p}", "{op: set_tag, ptr: p, tag: 0x42, as: bad}", "{op: reset_tag, ptr: p, as: any}", "{op: read, ptr: bad, size: 1}", "{op: read, ptr: any, size: 1}"]);
    expect(r.steps[1].ptr).toMatch(/^42ff/);
    expect(r.steps[2].ptr).toMatch(/^ffff/);
    // Unless the LCG happened to give the object tag 0x42, the forged pointer faults; 0xFF never does.
    // The stack ring holds no entry for this object with tag 0x42, so the type is the common
    // fallback, invalid-access.
    const tag = Number.parseInt((r.steps[0].ptr ?? "").slice(0, 2), 16);
    expect(bugs(r)).toEqual(tag === 0x42 ? [] : [[4, "invalid-access"]]);
  });

  it("call_rcu_kfree frees only after a grace period (rcu_barrier)", () => {
    const { r } = go("generic", ["{op: kmalloc, size: 32, as: p}", "{op: call_rcu_kfree, ptr: p}", "{op: read, ptr: p, size: 1}", "{op: rcu_barrier}", "{op: read, ptr: p, size: 1}"]);
    expect(bugs(r)).toEqual([[5, "slab-use-after-free"]]);
  });

  it("enable_checks re-arms hw tag checks after a sync fault (kasan_enable_hw_tags)", () => {
    const twoFaults = ["{op: kmalloc, size: 64, as: p}", "{op: write, ptr: p, offset: 64, size: 1}", "{op: write, ptr: p, offset: 64, size: 1}"];
    // After the first sync fault the CPU's TCF is NONE: the second write goes unchecked.
    expect(bugs(go("hw_tags", twoFaults).r).map(([s]) => s)).toEqual([2]);
    const rearmed = go("hw_tags", [...twoFaults.slice(0, 2), "{op: enable_checks}", "{op: write, ptr: p, offset: 64, size: 1}"]).r;
    expect(bugs(rearmed).map(([s]) => s)).toEqual([2, 4]);
    // The software modes have nothing to re-arm: enable_checks is a no-op there.
    expect(bugs(go("generic", [...twoFaults.slice(0, 2), "{op: enable_checks}"]).r).map(([s]) => s)).toEqual([2]);
  });

  it("reports name the scenario's function (or the step's fn) and the scenario's task", () => {
    const { k, r } = go("generic", ["{op: kmalloc, size: 8, as: p}", "{op: read, ptr: p, offset: 8, size: 1}", "{op: read, ptr: p, offset: 8, size: 1, fn: helper}"], "kasan_multi_shot", "task: {pid: 37, comm: kunit_try_catch, cpu: 1}\n");
    expect(r.reports.map((e) => k.ctx.kallsyms.format(e.ip).split("+")[0])).toEqual(["op_test", "helper"]);
    expect(r.reports.map((e) => [e.pid, e.comm, e.cpu])).toEqual([[37, "kunit_try_catch", 1], [37, "kunit_try_catch", 1]]);
    // Nothing is left on the call stack after the run.
    expect(k.ctx.callStack).toEqual([]);
  });

  it("one-shot by default: only the first report without kasan_multi_shot", () => {
    const { r } = go("generic", ["{op: kmalloc, size: 8, as: p}", "{op: read, ptr: p, offset: 8, size: 1}", "{op: read, ptr: p, offset: 8, size: 1}"], "");
    expect(bugs(r)).toEqual([[2, "slab-out-of-bounds"]]);
  });

  it("kasan.fault=panic stops the run at the step whose report panicked", () => {
    const { r } = go("generic", ["{op: kmalloc, size: 8, as: p}", "{op: read, ptr: p, offset: 8, size: 1}", "{op: kfree, ptr: p}"], "kasan.fault=panic");
    expect(r.panic?.step).toBe(2);
    expect(r.steps.map((s) => s.step)).toEqual([1, 2]);
  });

  it("values only the booted kernel can reject are ScenarioErrors naming step and field", () => {
    expect(() => go("generic", ["{op: kmalloc_node, size: 8, node: 1, as: p}"])).toThrow(new ScenarioError('op.yaml:3: step 1 (kmalloc_node): field "node": expected 0 or NUMA_NO_NODE (-1): the model has one node, got 1'));
    expect(() => go("generic", ["{op: kmem_cache_create, name: c, size: 8, align: 24, as: c}"])).toThrow('op.yaml:3: step 1 (kmem_cache_create): field "align": expected 0 or a power of two, got 24');
    expect(() => go("generic", ["{op: kmalloc, size: 8, as: p}", "{op: read, ptr: p, offset: -99999999999, size: 1}"])).toThrow(/^op\.yaml:4: step 2 \(read\): field "ptr": p-99999999999 leaves the 2\^44-byte address space/);
    expect(() => go("generic", ["{op: synchronize_rcu}"], "", "task: {cpu: 5}\n")).toThrow('op.yaml: field "task.cpu": CPU 5 is not online (the kernel has 2 CPUs: 0–1)');
  });
});
