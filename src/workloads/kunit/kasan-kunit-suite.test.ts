/**
 * The KASAN KUnit suite run on the model: KTAP structure, the per-mode gates of Linux 6.12,
 * the bug types the cases produce, the multi-report cases, async mode, kasan.stacktrace=off
 * and kunit.filter_glob. Verdicts come from running the cases; the expectations here are
 * derived by hand from kunit-6.12.md and kasan-facts.md §9 / §11b.3.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { defaultKernelConfig, type KernelConfig } from "../../config/kconfig.js";
import type { KasanMode } from "../../config/mode.js";
import type { KasanBugType } from "../../kasan/report/event.js";
import { bootKernel } from "../../kernel/kernel.js";
import { parseFilterGlob } from "./filter-glob.js";
import { type KunitRunResult, runKasanKunit } from "./run-suite.js";
import { KASAN_KUNIT_TEST_CASES } from "./suite.js";

function run(mode: Exclude<KasanMode, "off">, opts: { cmdline?: string; config?: KernelConfig; filter?: string } = {}): KunitRunResult {
  const config = opts.config ?? defaultKernelConfig(mode);
  const k = bootKernel({ mode, cmdline: opts.cmdline ?? "", seed: 1, config });
  return runKasanKunit(k, { filter: opts.filter === undefined ? undefined : parseFilterGlob(opts.filter) });
}

const results: Partial<Record<string, KunitRunResult>> = {};
function get(name: string): KunitRunResult {
  const r = results[name];
  if (r === undefined) throw new Error(`no run ${name}`);
  return r;
}

beforeAll(() => {
  results.generic = run("generic");
  results.sw_tags = run("sw_tags");
  results.hw_tags = run("hw_tags");
  // Clang with stack instrumentation opted in: the global and stack cases all run.
  results.genericClang = run("generic", { config: { ...defaultKernelConfig("generic", "clang"), kasanStack: true } });
});

function caseReports(r: KunitRunResult, name: string) {
  const c = r.cases.find((x) => x.name === name);
  if (c === undefined) throw new Error(`case ${name} did not run`);
  return c.reports;
}

describe("the 72 cases of Linux 6.12", () => {
  it("runs every case, in the table's order", () => {
    // kunit-6.12.md: 72 cases; first kmalloc_oob_right, #38 kmem_cache_rcu_uaf, #64 kasan_atomics, last rust_uaf.
    expect(KASAN_KUNIT_TEST_CASES).toHaveLength(72);
    expect(new Set(KASAN_KUNIT_TEST_CASES.map((c) => c.name)).size).toBe(72);
    const names = get("generic").cases.map((c) => c.name);
    expect(names[0]).toBe("kmalloc_oob_right");
    expect(names[37]).toBe("kmem_cache_rcu_uaf");
    expect(names[63]).toBe("kasan_atomics");
    expect(names[71]).toBe("rust_uaf");
  });
});

describe("KTAP output", () => {
  it("has the executor header, the indented subtest with plan, one result per case and the totals", () => {
    const r = get("sw_tags");
    const l = r.lines;
    expect(l.slice(0, 6)).toEqual(["KTAP version 1", "1..1", "    KTAP version 1", "    # Subtest: kasan", "    # module: kasan_test", "    1..72"]);
    const results = l.filter((x) => /^ {4}(not )?ok \d+ /.test(x));
    expect(results).toHaveLength(72);
    results.forEach((x, i) => expect(x).toMatch(new RegExp(`^ {4}(not ok|ok) ${i + 1} [a-z0-9_]+( # SKIP Test requires CONFIG_[A-Z0-9_]+=[yn])?$`)));
    // sw_tags with the default gcc config skips 8 (derived below in the gates test): 64 pass.
    expect(l.slice(-3)).toEqual(["# kasan: pass:64 fail:0 skip:8 total:72", "# Totals: pass:64 fail:0 skip:8 total:72", "ok 1 kasan"]);
  });

  it("prints the slow case's speed attribute just before its result, and reports unindented between results", () => {
    const l = get("generic").lines;
    const i = l.indexOf("    ok 64 kasan_atomics");
    expect(l[i - 1]).toBe("    # kasan_atomics.speed: slow");
    const bug = l.findIndex((x) => x.startsWith("BUG: KASAN: slab-out-of-bounds in kmalloc_oob_right+"));
    expect(bug).toBeGreaterThan(l.indexOf("    1..72"));
    expect(bug).toBeLessThan(l.indexOf("    ok 1 kmalloc_oob_right"));
  });

  it("every line is either a KTAP line or kernel console text (reports), never blank-indented junk", () => {
    for (const x of get("hw_tags").lines) {
      if (x.startsWith("    ")) expect(x).toMatch(/^ {4}(KTAP version 1|# |1\.\.\d+$|(not )?ok \d+ )|^ {4,}\S/);
    }
  });
});

/** kunit-6.12.md's gates evaluated by hand for defaultKernelConfig(mode) (gcc: KASAN_STACK=y in software modes). */
const EXPECTED_SKIPS: Record<"generic" | "sw_tags" | "hw_tags", Record<string, string>> = {
  generic: {
    page_alloc_oob_right: "CONFIG_KASAN_GENERIC=n",
    kmalloc_uaf3: "CONFIG_KASAN_GENERIC=n",
    kasan_global_oob_left: "CONFIG_CC_IS_CLANG=y",
    kasan_bitops_tags: "CONFIG_KASAN_GENERIC=n",
    vmalloc_helpers_tags: "CONFIG_KASAN_GENERIC=n",
    vmap_tags: "CONFIG_KASAN_SW_TAGS=y",
    vm_map_ram_tags: "CONFIG_KASAN_SW_TAGS=y",
    match_all_not_assigned: "CONFIG_KASAN_GENERIC=n",
    match_all_ptr_tag: "CONFIG_KASAN_GENERIC=n",
    match_all_mem_tag: "CONFIG_KASAN_GENERIC=n",
    rust_uaf: "CONFIG_RUST=y",
  },
  sw_tags: {
    kmalloc_oob_16: "CONFIG_KASAN_GENERIC=y",
    kmalloc_uaf_memset: "CONFIG_KASAN_GENERIC=y",
    kasan_global_oob_right: "CONFIG_KASAN_GENERIC=y",
    kasan_global_oob_left: "CONFIG_CC_IS_CLANG=y",
    kasan_alloca_oob_left: "CONFIG_KASAN_GENERIC=y",
    kasan_alloca_oob_right: "CONFIG_KASAN_GENERIC=y",
    kasan_bitops_generic: "CONFIG_KASAN_GENERIC=y",
    rust_uaf: "CONFIG_RUST=y",
  },
  hw_tags: {
    kmalloc_oob_16: "CONFIG_KASAN_GENERIC=y",
    kmalloc_memmove_negative_size: "CONFIG_KASAN_HW_TAGS=n",
    kmalloc_uaf_memset: "CONFIG_KASAN_GENERIC=y",
    kmem_cache_rcu_uaf: "CONFIG_SLUB_RCU_DEBUG=y",
    kasan_global_oob_right: "CONFIG_KASAN_GENERIC=y",
    kasan_global_oob_left: "CONFIG_CC_IS_CLANG=y",
    kasan_stack_oob: "CONFIG_KASAN_STACK=y",
    kasan_alloca_oob_left: "CONFIG_KASAN_GENERIC=y",
    kasan_alloca_oob_right: "CONFIG_KASAN_GENERIC=y",
    kasan_bitops_generic: "CONFIG_KASAN_GENERIC=y",
    vmap_tags: "CONFIG_KASAN_SW_TAGS=y",
    vm_map_ram_tags: "CONFIG_KASAN_SW_TAGS=y",
    rust_uaf: "CONFIG_RUST=y",
  },
};

describe("gates per mode", () => {
  for (const mode of ["generic", "sw_tags", "hw_tags"] as const) {
    it(`${mode}: skips exactly the gated cases with the kernel's reason; every other case passes`, () => {
      const r = get(mode);
      const skipped: Record<string, string> = {};
      for (const c of r.cases) {
        if (c.status === "skipped") skipped[c.name] = c.skipReason ?? "";
        else expect({ name: c.name, status: c.status, failures: c.failures }).toEqual({ name: c.name, status: "success", failures: [] });
      }
      const expected = Object.fromEntries(Object.entries(EXPECTED_SKIPS[mode]).map(([n, opt]) => [n, `Test requires ${opt}`]));
      expect(skipped).toEqual(expected);
    });
  }

  it("Clang with KASAN_STACK: the left global overflow and the stack/alloca cases run and pass", () => {
    const r = get("genericClang");
    for (const n of ["kasan_global_oob_left", "kasan_stack_oob", "kasan_alloca_oob_left", "kasan_alloca_oob_right"]) {
      expect(r.cases.find((c) => c.name === n)?.status).toBe("success");
    }
    expect(r.counts).toEqual({ pass: 62, fail: 0, skip: 10, total: 72 });
  });
});

describe("bug types (kasan-facts §7.3, §11b.3)", () => {
  const firstType = (mode: string, name: string): KasanBugType => caseReports(get(mode), name)[0].bugType;

  it("Generic names the poison it hit", () => {
    expect(firstType("generic", "kmalloc_oob_right")).toBe("slab-out-of-bounds"); // FC redzone after the 115-byte object
    expect(firstType("generic", "kmalloc_uaf")).toBe("slab-use-after-free"); // FA/FB
    expect(firstType("generic", "kmalloc_large_uaf")).toBe("use-after-free"); // FF: freed pages
    expect(firstType("generic", "kmalloc_large_oob_right")).toBe("slab-out-of-bounds"); // FE: page redzone
    expect(firstType("generic", "kmalloc_memmove_negative_size")).toBe("out-of-bounds"); // size wraps
    expect(firstType("generic", "kasan_global_oob_right")).toBe("global-out-of-bounds"); // F9
    expect(firstType("genericClang", "kasan_stack_oob")).toBe("stack-out-of-bounds"); // F2/F3
    expect(firstType("genericClang", "kasan_alloca_oob_left")).toBe("alloca-out-of-bounds"); // CA
    expect(firstType("genericClang", "kasan_alloca_oob_right")).toBe("alloca-out-of-bounds"); // CB
    expect(firstType("generic", "vmalloc_oob")).toBe("vmalloc-out-of-bounds"); // F8
    expect(firstType("generic", "kmem_cache_double_free")).toBe("double-free");
    expect(firstType("generic", "kmalloc_large_invalid_free")).toBe("invalid-free");
    expect(firstType("generic", "mempool_kmalloc_invalid_free")).toBe("invalid-free");
  });

  it("tag modes: the stack ring decides slab types; everything else is invalid-access", () => {
    for (const m of ["sw_tags", "hw_tags"]) {
      expect(firstType(m, "kmalloc_uaf")).toBe("slab-use-after-free");
      expect(firstType(m, "kmalloc_oob_right")).toBe("slab-out-of-bounds");
      expect(firstType(m, "page_alloc_uaf")).toBe("invalid-access");
      expect(firstType(m, "mempool_page_alloc_double_free")).toBe("double-free");
    }
    expect(firstType("sw_tags", "kasan_stack_oob")).toBe("invalid-access");
    // report_tags.c consults the ring before the wrapped-size rule: the object's alloc entry wins.
    expect(firstType("sw_tags", "kmalloc_memmove_negative_size")).toBe("slab-out-of-bounds");
  });

  it("every bug type a KUnit case can reach is produced somewhere", () => {
    const seen = new Set<string>();
    for (const r of Object.values(results)) for (const c of r?.cases ?? []) for (const e of c.reports) seen.add(e.bugType);
    // §7.3 minus the wild-pointer types (null-ptr-deref, user/wild-memory-access) and unknown-crash,
    // which no case of the suite provokes.
    for (const t of [
      "out-of-bounds", "slab-out-of-bounds", "slab-use-after-free", "use-after-free", "global-out-of-bounds", "stack-out-of-bounds",
      "alloca-out-of-bounds", "vmalloc-out-of-bounds", "invalid-access", "double-free", "invalid-free",
    ]) expect(seen.has(t), t).toBe(true);
  });
});

describe("multi-report cases", () => {
  it("kmalloc_double_kzfree: ksize()'s check byte reports the use-after-free, then kfree() the double free", () => {
    for (const m of ["generic", "sw_tags", "hw_tags"]) {
      expect(caseReports(get(m), "kmalloc_double_kzfree").map((e) => e.bugType)).toEqual(["slab-use-after-free", "double-free"]);
    }
  });

  it("kasan_atomics: 50 expectations, each with its report (try_cmpxchg checks v and old)", () => {
    // 4 plain accessors + 2 × 23 atomics; each touches the redzone once.
    for (const m of ["generic", "sw_tags", "hw_tags"]) expect(caseReports(get(m), "kasan_atomics")).toHaveLength(50);
    // Generic: every access lands in kmalloc-64's redzone at offset 48 (shadow FC).
    expect(new Set(caseReports(get("generic"), "kasan_atomics").map((e) => e.bugType))).toEqual(new Set(["slab-out-of-bounds"]));
  });
});

describe("boot parameters", () => {
  it("kasan.mode=async: faults are reported at the harness's forced TFSR check, as async reports", () => {
    const r = run("hw_tags", { cmdline: "kasan.mode=async", filter: "kasan.kmalloc_oob_right" });
    expect(r.cases[0].status).toBe("success");
    // Two expectations in tag modes (the byte-precise one is Generic only): two async reports.
    expect(r.cases[0].reports.map((e) => e.type)).toEqual(["async", "async"]);
    expect(r.lines).toContain("Asynchronous fault: no details available");
  });

  it("kasan.stacktrace=off: reports carry no alloc/free stacks and the suite still passes", () => {
    const r = run("sw_tags", { cmdline: "kasan.stacktrace=off", filter: "kasan.kmalloc_uaf" });
    const e = r.cases[0].reports[0];
    expect(r.cases[0].status).toBe("success");
    expect(e.object?.allocTrack).toBeUndefined();
    expect(e.object?.freeTrack).toBeUndefined();
    // Without the ring no entry can classify the access.
    expect(e.bugType).toBe("invalid-access");
  });
});

describe("--filter (kunit.filter_glob)", () => {
  it("keeps the matching cases, renumbered", () => {
    const r = run("generic", { filter: "kasan.kmalloc_oob_memset_*" });
    expect(r.cases.map((c) => `${c.number} ${c.name}`)).toEqual(["1 kmalloc_oob_memset_2", "2 kmalloc_oob_memset_4", "3 kmalloc_oob_memset_8", "4 kmalloc_oob_memset_16"]);
    expect(r.lines).toContain("    1..4");
    expect(r.lines.at(-2)).toBe("# Totals: pass:4 fail:0 skip:0 total:4");
  });

  it("a suite glob that does not match leaves no suite", () => {
    const r = run("generic", { filter: "slub*" });
    expect(r.lines).toEqual(["KTAP version 1", "1..0"]);
  });
});
