import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { defaultBootParams } from "./boot-params.js";
import { parseCmdline, tokenizeCmdline } from "./cmdline.js";

describe("kernel command line: next_arg() tokenizing", () => {
  it("splits on spaces, keeps param=value, bare flags and quoted values", () => {
    const { tokens } = tokenizeCmdline('  a=1   b  c="x y z" "d=e f"  ');
    expect(tokens).toEqual([
      { param: "a", val: "1" },
      { param: "b", val: undefined },
      { param: "c", val: "x y z" },
      { param: "d", val: "e f" },
    ]);
  });

  it("everything after a bare -- is for init", () => {
    const r = parseCmdline("generic", "kasan_multi_shot -- foo bar=1");
    expect(r.params.kasanMultiShot).toBe(true);
    expect(r.initArgs).toEqual(["foo", "bar=1"]);
    expect(r.warnings).toEqual([]);
  });

  it("unquoted space-free words come back one token each, in order (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z_.]{1,8}(=[a-z0-9]{0,4})?$/), { maxLength: 6 }), (words) => {
        const { tokens } = tokenizeCmdline(words.join(" "));
        // Unquoted words without spaces come back one token each, in order.
        expect(tokens.map((t) => (t.val === undefined ? t.param : `${t.param}=${t.val}`))).toEqual(words);
      }),
    );
  });
});

describe("kernel command line: defaults", () => {
  it("an empty command line gives the kernel defaults and no warnings", () => {
    for (const mode of ["generic", "sw_tags", "hw_tags", "off"] as const) {
      const r = parseCmdline(mode, "");
      expect(r.params).toEqual(defaultBootParams());
      expect(r.warnings).toEqual([]);
    }
    const d = defaultBootParams();
    expect(d.kasanPageAllocSample).toBe(1);
    expect(d.kasanPageAllocSampleOrder).toBe(3);
    expect(d.kasanStackRingSize).toBe(0);
    expect(d.kasanFault).toBe("report");
    expect(d.kasanMode).toBe("sync");
  });
});

describe("kernel command line: hw_tags parameters (mm/kasan/hw_tags.c)", () => {
  it("parses each hw_tags parameter", () => {
    const r = parseCmdline(
      "hw_tags",
      "kasan=off kasan.mode=asymm kasan.vmalloc=off kasan.page_alloc.sample=10 kasan.page_alloc.sample.order=2 kasan.stacktrace=off kasan.stack_ring_size=0x100",
    );
    expect(r.warnings).toEqual([]);
    expect(r.params.kasan).toBe(false);
    expect(r.params.kasanMode).toBe("asymm");
    expect(r.params.kasanVmalloc).toBe(false);
    expect(r.params.kasanPageAllocSample).toBe(10);
    expect(r.params.kasanPageAllocSampleOrder).toBe(2);
    expect(r.params.kasanStacktrace).toBe(false);
    expect(r.params.kasanStackRingSize).toBe(256);
  });

  it("kasan.page_alloc.sample=0 is rejected and stays 1; a later good value still applies", () => {
    const r = parseCmdline("hw_tags", "kasan.page_alloc.sample=0");
    expect(r.params.kasanPageAllocSample).toBe(1);
    expect(r.warnings).toEqual(["Malformed early option 'kasan.page_alloc.sample'"]);
    // 5 then 0: the rejected 0 resets to the default 1 (the handler writes the default back).
    expect(parseCmdline("hw_tags", "kasan.page_alloc.sample=5 kasan.page_alloc.sample=0").params.kasanPageAllocSample).toBe(1);
    // > LONG_MAX (2^63 − 1) is rejected the same way.
    expect(parseCmdline("hw_tags", "kasan.page_alloc.sample=9223372036854775808").params.kasanPageAllocSample).toBe(1);
    // Non-numeric: kstrtoul fails, the value is untouched (5 stays).
    const bad = parseCmdline("hw_tags", "kasan.page_alloc.sample=5 kasan.page_alloc.sample=abc");
    expect(bad.params.kasanPageAllocSample).toBe(5);
    expect(bad.warnings).toEqual(["Malformed early option 'kasan.page_alloc.sample'"]);
  });

  it("kasan.mode=bogus returns -EINVAL: the default sync stays", () => {
    const r = parseCmdline("hw_tags", "kasan.mode=bogus");
    expect(r.params.kasanMode).toBe("sync");
    expect(r.warnings).toEqual(["Malformed early option 'kasan.mode'"]);
  });

  it("a flag-only kasan.stacktrace (no value) is malformed", () => {
    const r = parseCmdline("hw_tags", "kasan.stacktrace");
    expect(r.params.kasanStacktrace).toBe(true);
    expect(r.warnings).toEqual(["Malformed early option 'kasan.stacktrace'"]);
  });

  it("kasan.page_alloc.sample.order above INT_MAX resets to 3; above UINT_MAX keeps the old value", () => {
    expect(parseCmdline("hw_tags", "kasan.page_alloc.sample.order=2147483648").params.kasanPageAllocSampleOrder).toBe(3);
    expect(parseCmdline("hw_tags", "kasan.page_alloc.sample.order=1 kasan.page_alloc.sample.order=4294967296").params.kasanPageAllocSampleOrder).toBe(1);
  });

  it("dashes and underscores are interchangeable in names (parameq)", () => {
    expect(parseCmdline("hw_tags", "kasan.page-alloc.sample=4").params.kasanPageAllocSample).toBe(4);
  });
});

describe("kernel command line: mode gating", () => {
  it("hw_tags-only parameters do not exist in Generic/SW_TAGS: dotted ones are dropped, kasan= goes to init", () => {
    for (const mode of ["generic", "sw_tags"] as const) {
      const r = parseCmdline(mode, "kasan=off kasan.mode=async kasan.page_alloc.sample=0");
      expect(r.params.kasan).toBe(true);
      expect(r.params.kasanMode).toBe("sync");
      expect(r.params.kasanPageAllocSample).toBe(1);
      expect(r.warnings).toEqual(['Unknown kernel command line parameters "kasan=off", will be passed to user space.']);
      expect(r.initEnv).toEqual(["kasan=off"]);
    }
  });

  it("kasan.stacktrace/stack_ring_size exist in the tag modes only", () => {
    expect(parseCmdline("sw_tags", "kasan.stacktrace=off").params.kasanStacktrace).toBe(false);
    expect(parseCmdline("generic", "kasan.stacktrace=off").params.kasanStacktrace).toBe(true);
    expect(parseCmdline("sw_tags", "kasan.stack_ring_size=1024").params.kasanStackRingSize).toBe(1024);
  });

  it("kasan.fault and kasan_multi_shot exist in every KASAN mode, not without KASAN", () => {
    for (const mode of ["generic", "sw_tags", "hw_tags"] as const) {
      const r = parseCmdline(mode, "kasan.fault=panic_on_write kasan_multi_shot");
      expect(r.params.kasanFault).toBe("panic_on_write");
      expect(r.params.kasanMultiShot).toBe(true);
      expect(r.warnings).toEqual([]);
    }
    const off = parseCmdline("off", "kasan.fault=panic kasan_multi_shot");
    expect(off.params.kasanFault).toBe("report");
    expect(off.params.kasanMultiShot).toBe(false);
    expect(off.warnings).toEqual(['Unknown kernel command line parameters "kasan_multi_shot", will be passed to user space.']);
  });

  it("kasan.fault=bogus is malformed and the default report stays", () => {
    const r = parseCmdline("generic", "kasan.fault=bogus");
    expect(r.params.kasanFault).toBe("report");
    expect(r.warnings).toEqual(["Malformed early option 'kasan.fault'"]);
  });

  it("kasan_multi_shot is a __setup prefix match that ignores its argument", () => {
    expect(parseCmdline("generic", "kasan_multi_shot=0").params.kasanMultiShot).toBe(true);
  });
});

describe("kernel command line: common parameters", () => {
  it("init_on_alloc / init_on_free / stack_depot_disable use kstrtobool", () => {
    const r = parseCmdline("generic", "init_on_alloc=1 init_on_free=on stack_depot_disable=y");
    expect(r.params.initOnAlloc).toBe(true);
    expect(r.params.initOnFree).toBe(true);
    expect(r.params.stackDepotDisable).toBe(true);
    expect(r.warnings).toEqual([]);
    const off = parseCmdline("generic", "init_on_alloc=1 init_on_alloc=off");
    expect(off.params.initOnAlloc).toBe(false);
    const bad = parseCmdline("generic", "init_on_free=maybe init_on_alloc");
    expect(bad.params.initOnFree).toBe(false);
    expect(bad.warnings).toEqual(["Malformed early option 'init_on_free'", "Malformed early option 'init_on_alloc'"]);
  });

  it("panic_on_warn is an int core_param: needs a value", () => {
    expect(parseCmdline("generic", "panic_on_warn=1").params.panicOnWarn).toBe(1);
    const bare = parseCmdline("generic", "panic_on_warn");
    expect(bare.params.panicOnWarn).toBe(0);
    expect(bare.warnings).toEqual(["Booting kernel: `' invalid for parameter `panic_on_warn'"]);
    const junk = parseCmdline("generic", "panic_on_warn=yes");
    expect(junk.warnings).toEqual(["Booting kernel: `yes' invalid for parameter `panic_on_warn'"]);
  });
});

describe("kernel command line: unknown parameters", () => {
  it("lists bare words (argv) before name=value (envp), later envp values replace earlier", () => {
    const r = parseCmdline("generic", 'foo=1 bar nokaslr foo=2 console=ttyAMA0 some.module_param=3 baz="a b"');
    expect(r.warnings).toEqual(['Unknown kernel command line parameters "bar nokaslr foo=2 baz=a b", will be passed to user space.']);
    expect(r.initArgs).toEqual(["bar", "nokaslr"]);
    expect(r.initEnv).toEqual(["foo=2", "baz=a b"]);
  });

  it("TERM= replaces init's default environment entry and is not reported", () => {
    const r = parseCmdline("generic", "TERM=vt100");
    expect(r.warnings).toEqual([]);
  });

  it("rejects a mode that does not exist", () => {
    expect(() => parseCmdline("bogus" as "generic", "")).toThrow(/mode must be one of/);
  });
});
