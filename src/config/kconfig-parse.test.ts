import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { defaultKernelConfig } from "./kconfig.js";
import { KconfigError, parseDotConfig, readKernelConfig, resolveKernelConfig } from "./kconfig-parse.js";
import { KASAN_MODES } from "./mode.js";

function read(text: string, mode?: (typeof KASAN_MODES)[number]) {
  return readKernelConfig(text, "test.config", mode === undefined ? {} : { mode });
}

function err(text: string, mode?: (typeof KASAN_MODES)[number]): string {
  try {
    read(text, mode);
  } catch (e) {
    expect(e).toBeInstanceOf(KconfigError);
    return (e as Error).message;
  }
  throw new Error("expected a KconfigError");
}

describe(".config syntax (parseDotConfig)", () => {
  it("reads y/m/n, not-set lines, strings, decimal and hex, skipping comments and blank lines", () => {
    const dot = parseDotConfig(
      ["#", "# Automatically generated file; DO NOT EDIT.", "", "CONFIG_KASAN=y", "# CONFIG_KASAN_SW_TAGS is not set", 'CONFIG_LOCALVERSION="-kasan \\"x\\""', "CONFIG_NR_CPUS=8", "CONFIG_FOO=0x1F", "CONFIG_BAR=m", "CONFIG_NEG=-3"].join("\n"),
      "a.config",
    );
    expect([...dot.entries.entries()]).toEqual([
      ["KASAN", { value: "y", line: 4 }],
      ["KASAN_SW_TAGS", { value: "n", line: 5 }],
      ["LOCALVERSION", { value: '"-kasan \\"x\\""', line: 6 }],
      ["NR_CPUS", { value: "8", line: 7 }],
      ["FOO", { value: "0x1F", line: 8 }],
      ["BAR", { value: "m", line: 9 }],
      ["NEG", { value: "-3", line: 10 }],
    ]);
    expect(dot.warnings).toEqual([]);
  });

  it("accepts CRLF line ends (line numbers unchanged)", () => {
    const dot = parseDotConfig("CONFIG_KASAN=y\r\n# CONFIG_RUST is not set\r\nCONFIG_NR_CPUS=4\r\n", "w.config");
    expect(dot.entries.get("KASAN")).toEqual({ value: "y", line: 1 });
    expect(dot.entries.get("RUST")).toEqual({ value: "n", line: 2 });
    expect(dot.entries.get("NR_CPUS")).toEqual({ value: "4", line: 3 });
  });

  it("rejects a line that is neither an assignment, a not-set line, a comment nor blank, naming file and line", () => {
    expect(() => parseDotConfig("CONFIG_KASAN=y\nKASAN=y\n", "x.config")).toThrow(
      'x.config:2: expected CONFIG_NAME=value, "# CONFIG_NAME is not set", a # comment or a blank line; got "KASAN=y"',
    );
  });

  it("rejects a malformed value, naming the option", () => {
    expect(() => parseDotConfig("\n\nCONFIG_KASAN=yes\n", "x.config")).toThrow('x.config:3: CONFIG_KASAN: expected y, m, n, a "quoted string", a decimal or a 0x hex number; got "yes"');
    expect(() => parseDotConfig('CONFIG_S="unterminated\n', "x.config")).toThrow("x.config:1: CONFIG_S:");
    expect(() => parseDotConfig("CONFIG_S=\n", "x.config")).toThrow('x.config:1: CONFIG_S: expected');
  });

  it("keeps the later value of a repeated option and warns", () => {
    const dot = parseDotConfig("CONFIG_NR_CPUS=4\nCONFIG_NR_CPUS=8\n", "r.config");
    expect(dot.entries.get("NR_CPUS")).toEqual({ value: "8", line: 2 });
    expect(dot.warnings).toEqual(["r.config:2: CONFIG_NR_CPUS set again (first at line 1); the later value 8 wins"]);
  });

  it("property: any sequence of well-formed lines parses, and each option keeps its last value", () => {
    const name = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,10}$/);
    const value = fc.oneof(fc.constantFrom("y", "m", "n"), fc.integer({ min: -5, max: 5000 }).map(String), fc.stringMatching(/^[a-z ]{0,6}$/).map((s) => `"${s}"`));
    const line = fc.oneof(
      fc.tuple(name, value).map(([n, v]) => ({ text: `CONFIG_${n}=${v}`, n, v })),
      name.map((n) => ({ text: `# CONFIG_${n} is not set`, n, v: "n" })),
      fc.constantFrom({ text: "", n: "", v: "" }, { text: "# comment", n: "", v: "" }),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.boolean(), (lines, crlf) => {
        const dot = parseDotConfig(lines.map((l) => l.text).join(crlf ? "\r\n" : "\n"), "p.config");
        const last = new Map<string, string>();
        for (const l of lines) if (l.n !== "") last.set(l.n, l.v);
        expect(new Map([...dot.entries].map(([k, e]) => [k, e.value]))).toEqual(last);
      }),
    );
  });
});

describe("KASAN mode from CONFIG_KASAN and the mode choice", () => {
  it("derives each mode", () => {
    expect(read("CONFIG_KASAN=y\nCONFIG_KASAN_GENERIC=y\n").config.kasanMode).toBe("generic");
    expect(read("CONFIG_KASAN=y\nCONFIG_KASAN_SW_TAGS=y\n").config.kasanMode).toBe("sw_tags");
    expect(read("CONFIG_KASAN=y\nCONFIG_KASAN_HW_TAGS=y\n").config.kasanMode).toBe("hw_tags");
  });

  it("a .config without KASAN (absent or not set) means mode off", () => {
    expect(read("CONFIG_SLUB=y\n").config.kasanMode).toBe("off");
    expect(read("# CONFIG_KASAN is not set\n").config.kasanMode).toBe("off");
  });

  it("CONFIG_KASAN=y alone takes the choice's default, Generic", () => {
    expect(read("CONFIG_KASAN=y\n")).toMatchObject({ config: { kasanMode: "generic" }, warnings: [] });
    const r = read("CONFIG_KASAN=y\n# CONFIG_KASAN_GENERIC is not set\n# CONFIG_KASAN_SW_TAGS is not set\n# CONFIG_KASAN_HW_TAGS is not set\n");
    expect(r.config.kasanMode).toBe("generic");
    expect(r.warnings).toEqual(["test.config:1: CONFIG_KASAN=y but every KASAN mode is not set; the choice's default CONFIG_KASAN_GENERIC=y applies"]);
  });

  it("two modes conflict", () => {
    expect(err("CONFIG_KASAN=y\nCONFIG_KASAN_GENERIC=y\nCONFIG_KASAN_HW_TAGS=y\n")).toBe(
      "test.config: CONFIG_KASAN_GENERIC=y (line 2) and CONFIG_KASAN_HW_TAGS=y (line 3) conflict: the KASAN mode is a choice, set exactly one",
    );
  });

  it("a mode without CONFIG_KASAN=y is an error", () => {
    expect(err("# CONFIG_KASAN is not set\nCONFIG_KASAN_SW_TAGS=y\n")).toBe("test.config:2: CONFIG_KASAN_SW_TAGS=y needs CONFIG_KASAN=y, but line 1 says CONFIG_KASAN is not set");
    expect(err("CONFIG_KASAN_HW_TAGS=y\n")).toBe("test.config:1: CONFIG_KASAN_HW_TAGS=y needs CONFIG_KASAN=y, but CONFIG_KASAN is absent (default n)");
  });

  it("a bool option given m or a string is an error naming the line", () => {
    expect(err("\nCONFIG_KASAN=m\n")).toBe('test.config:2: CONFIG_KASAN is a bool option: expected y or n ("# CONFIG_KASAN is not set"), got m');
    expect(err('CONFIG_KASAN=y\nCONFIG_KASAN_STACK="y"\n')).toContain("test.config:2: CONFIG_KASAN_STACK is a bool option");
  });

  it("--mode replaces the file's mode options and notes the difference", () => {
    const r = read("CONFIG_KASAN=y\nCONFIG_KASAN_GENERIC=y\n", "hw_tags");
    expect(r.config.kasanMode).toBe("hw_tags");
    // SLUB_RCU_DEBUG's default follows the overriding mode: n for HW_TAGS.
    expect(r.config.slubRcuDebug).toBe(false);
    expect(r.warnings).toEqual(["test.config: --mode hw_tags overrides the file's KASAN mode (generic)"]);
    expect(read("CONFIG_KASAN=y\nCONFIG_KASAN_GENERIC=y\n", "off").config.kasanMode).toBe("off");
    // Even a conflicting file mode is replaced by --mode.
    expect(read("CONFIG_KASAN=y\nCONFIG_KASAN_GENERIC=y\nCONFIG_KASAN_SW_TAGS=y\n", "sw_tags")).toMatchObject({ config: { kasanMode: "sw_tags" }, warnings: [] });
  });
});

describe("the options the model reads, with arm64 6.12 defaults and rules", () => {
  it("an empty .config is a KASAN-off GCC kernel with every default", () => {
    const c = read("").config;
    expect(c).toEqual({
      kasanMode: "off",
      kasanVmalloc: false,
      kasanStack: false,
      slubDebug: true,
      slubRcuDebug: false,
      vmapStack: true,
      shadowCallStack: false,
      ccIsClang: false,
      rust: false,
      nrCpus: 512,
      stackdepotMaxFrames: 64,
      kasanExtraInfo: false,
      kasanKunitTest: "n",
      raw: {},
    });
  });

  it("defaultKernelConfig(mode, compiler) is what a .config naming only the mode resolves to (KUnit aside)", () => {
    for (const mode of KASAN_MODES) {
      for (const compiler of ["gcc", "clang"] as const) {
        const text = (mode === "off" ? "" : `CONFIG_KASAN=y\nCONFIG_KASAN_${mode.toUpperCase()}=y\n`) + (compiler === "clang" ? "CONFIG_CC_IS_CLANG=y\n" : "CONFIG_CC_IS_GCC=y\n");
        const { config } = read(text);
        expect({ ...config, raw: {}, kasanKunitTest: "n" }).toEqual({ ...defaultKernelConfig(mode, compiler), kasanKunitTest: "n" });
      }
    }
  });

  it("KASAN_VMALLOC is selected by arm64 whenever KASAN is on; off without KASAN", () => {
    const r = read("CONFIG_KASAN=y\nCONFIG_KASAN_SW_TAGS=y\n# CONFIG_KASAN_VMALLOC is not set\n");
    expect(r.config.kasanVmalloc).toBe(true);
    expect(r.warnings).toEqual(["test.config:3: CONFIG_KASAN_VMALLOC=n ignored: it is selected by arm64 (select KASAN_VMALLOC if KASAN)"]);
    const off = read("CONFIG_KASAN_VMALLOC=y\n");
    expect(off.config.kasanVmalloc).toBe(false);
    expect(off.warnings).toEqual(["test.config:1: CONFIG_KASAN_VMALLOC=y ignored: it depends on CONFIG_KASAN=y"]);
  });

  it("KASAN_STACK: always y with GCC in the software modes; a Clang opt-in (default n); never for HW_TAGS", () => {
    const gcc = read("CONFIG_KASAN=y\nCONFIG_CC_IS_GCC=y\n# CONFIG_KASAN_STACK is not set\n");
    expect(gcc.config.kasanStack).toBe(true);
    expect(gcc.warnings).toEqual(["test.config:3: CONFIG_KASAN_STACK=n ignored: it has no prompt with GCC (always on), so its default y applies"]);
    expect(read("CONFIG_KASAN=y\nCONFIG_CC_IS_CLANG=y\n").config.kasanStack).toBe(false);
    expect(read("CONFIG_KASAN=y\nCONFIG_CC_IS_CLANG=y\nCONFIG_KASAN_STACK=y\n").config.kasanStack).toBe(true);
    // COMPILE_TEST hides the Clang prompt: the default n wins.
    expect(read("CONFIG_KASAN=y\nCONFIG_CC_IS_CLANG=y\nCONFIG_COMPILE_TEST=y\nCONFIG_KASAN_STACK=y\n").config.kasanStack).toBe(false);
    const hw = read("CONFIG_KASAN=y\nCONFIG_KASAN_HW_TAGS=y\nCONFIG_KASAN_STACK=y\n");
    expect(hw.config.kasanStack).toBe(false);
    expect(hw.warnings).toEqual(["test.config:3: CONFIG_KASAN_STACK=y ignored: it depends on CONFIG_KASAN_GENERIC=y or CONFIG_KASAN_SW_TAGS=y"]);
  });

  it("SLUB_DEBUG: selected by Generic and SW_TAGS, hidden without EXPERT, off without SYSFS", () => {
    const g = read("CONFIG_KASAN=y\nCONFIG_EXPERT=y\n# CONFIG_SLUB_DEBUG is not set\n");
    expect(g.config.slubDebug).toBe(true);
    expect(g.warnings).toEqual(["test.config:3: CONFIG_SLUB_DEBUG=n ignored: it is selected by CONFIG_KASAN_GENERIC=y"]);
    expect(read("CONFIG_KASAN=y\nCONFIG_KASAN_HW_TAGS=y\nCONFIG_EXPERT=y\n# CONFIG_SLUB_DEBUG is not set\n").config.slubDebug).toBe(false);
    const hidden = read("CONFIG_KASAN=y\nCONFIG_KASAN_HW_TAGS=y\n# CONFIG_SLUB_DEBUG is not set\n");
    expect(hidden.config.slubDebug).toBe(true);
    expect(hidden.warnings).toEqual(["test.config:3: CONFIG_SLUB_DEBUG=n ignored: it has no prompt without CONFIG_EXPERT=y, so its default y applies"]);
    expect(read("# CONFIG_SYSFS is not set\n").config.slubDebug).toBe(false);
  });

  it("SLUB_RCU_DEBUG depends on SLUB_DEBUG && KASAN and defaults to KASAN_GENERIC || KASAN_SW_TAGS", () => {
    expect(read("CONFIG_KASAN=y\nCONFIG_KASAN_GENERIC=y\n").config.slubRcuDebug).toBe(true);
    expect(read("CONFIG_KASAN=y\nCONFIG_KASAN_SW_TAGS=y\n").config.slubRcuDebug).toBe(true);
    expect(read("CONFIG_KASAN=y\nCONFIG_KASAN_HW_TAGS=y\n").config.slubRcuDebug).toBe(false);
    expect(read("CONFIG_KASAN=y\nCONFIG_KASAN_HW_TAGS=y\nCONFIG_SLUB_RCU_DEBUG=y\n").config.slubRcuDebug).toBe(true);
    expect(read("CONFIG_KASAN=y\nCONFIG_KASAN_GENERIC=y\n# CONFIG_SLUB_RCU_DEBUG is not set\n").config.slubRcuDebug).toBe(false);
    const noDebug = read("CONFIG_KASAN=y\nCONFIG_KASAN_HW_TAGS=y\nCONFIG_EXPERT=y\n# CONFIG_SLUB_DEBUG is not set\nCONFIG_SLUB_RCU_DEBUG=y\n");
    expect(noDebug.config.slubRcuDebug).toBe(false);
    expect(noDebug.warnings).toEqual(["test.config:5: CONFIG_SLUB_RCU_DEBUG=y ignored: it depends on CONFIG_SLUB_DEBUG=y and CONFIG_KASAN=y"]);
    expect(read("CONFIG_SLUB_RCU_DEBUG=y\n").config.slubRcuDebug).toBe(false);
  });

  it("VMAP_STACK, SHADOW_CALL_STACK, KASAN_EXTRA_INFO follow the file within their dependencies", () => {
    const c = read("CONFIG_KASAN=y\nCONFIG_KASAN_HW_TAGS=y\n# CONFIG_VMAP_STACK is not set\nCONFIG_SHADOW_CALL_STACK=y\nCONFIG_KASAN_EXTRA_INFO=y\n").config;
    expect([c.vmapStack, c.shadowCallStack, c.kasanExtraInfo]).toEqual([false, true, true]);
    expect(read("CONFIG_KASAN_EXTRA_INFO=y\n").config.kasanExtraInfo).toBe(false);
  });

  it("RUST depends on !KASAN_SW_TAGS", () => {
    expect(read("CONFIG_KASAN=y\nCONFIG_KASAN_HW_TAGS=y\nCONFIG_RUST=y\n").config.rust).toBe(true);
    const sw = read("CONFIG_KASAN=y\nCONFIG_KASAN_SW_TAGS=y\nCONFIG_RUST=y\n");
    expect(sw.config.rust).toBe(false);
    expect(sw.warnings).toEqual(["test.config:3: CONFIG_RUST=y ignored: it depends on CONFIG_KASAN_SW_TAGS=n"]);
  });

  it("CC_IS_CLANG / CC_IS_GCC: one compiler; both or neither is an error", () => {
    expect(read("CONFIG_CC_IS_CLANG=y\n").config.ccIsClang).toBe(true);
    expect(read("CONFIG_CC_IS_GCC=y\n").config.ccIsClang).toBe(false);
    expect(read("# CONFIG_CC_IS_GCC is not set\n").config.ccIsClang).toBe(true);
    expect(err("CONFIG_CC_IS_CLANG=y\nCONFIG_CC_IS_GCC=y\n")).toBe("test.config: CONFIG_CC_IS_CLANG=y (line 1) and CONFIG_CC_IS_GCC=y (line 2) conflict: a kernel is built by one compiler");
    expect(err("# CONFIG_CC_IS_CLANG is not set\n# CONFIG_CC_IS_GCC is not set\n")).toBe(
      "test.config: CONFIG_CC_IS_CLANG and CONFIG_CC_IS_GCC are both not set (lines 1 and 2): one compiler must be y",
    );
  });

  it("NR_CPUS (2–4096, default 512) and STACKDEPOT_MAX_FRAMES (1–256, default 64), decimal or hex", () => {
    expect(read("CONFIG_NR_CPUS=8\nCONFIG_STACKDEPOT_MAX_FRAMES=0x20\n").config).toMatchObject({ nrCpus: 8, stackdepotMaxFrames: 32 });
    expect(err("CONFIG_NR_CPUS=1\n")).toBe("test.config:1: CONFIG_NR_CPUS is an int option in the range 2–4096, got 1");
    expect(err("CONFIG_NR_CPUS=4097\n")).toContain("range 2–4096, got 4097");
    expect(err('CONFIG_NR_CPUS="8"\n')).toContain('got "8"');
    expect(err("CONFIG_STACKDEPOT_MAX_FRAMES=257\n")).toBe("test.config:1: CONFIG_STACKDEPOT_MAX_FRAMES is an int option in the range 1–256, got 257");
  });

  it("KASAN_KUNIT_TEST: tristate, default KUNIT_ALL_TESTS, needs KASAN (and KUNIT/TRACEPOINTS when the file says)", () => {
    const on = "CONFIG_KASAN=y\nCONFIG_KASAN_HW_TAGS=y\n";
    expect(read(on).config.kasanKunitTest).toBe("n");
    expect(read(on + "CONFIG_KASAN_KUNIT_TEST=y\n").config.kasanKunitTest).toBe("y");
    expect(read(on + "CONFIG_KASAN_KUNIT_TEST=m\n").config.kasanKunitTest).toBe("m");
    expect(read(on + "CONFIG_KUNIT=y\nCONFIG_KUNIT_ALL_TESTS=m\n").config.kasanKunitTest).toBe("m");
    expect(read(on + "CONFIG_KUNIT=m\nCONFIG_KASAN_KUNIT_TEST=y\n")).toMatchObject({
      config: { kasanKunitTest: "m" },
      warnings: ["test.config:4: CONFIG_KASAN_KUNIT_TEST=y limited to m by CONFIG_KUNIT=m"],
    });
    expect(read(on + "# CONFIG_KUNIT is not set\nCONFIG_KASAN_KUNIT_TEST=y\n")).toMatchObject({
      config: { kasanKunitTest: "n" },
      warnings: ["test.config:4: CONFIG_KASAN_KUNIT_TEST=y ignored: it depends on CONFIG_KUNIT=y or m"],
    });
    expect(read("CONFIG_KASAN_KUNIT_TEST=y\n").config.kasanKunitTest).toBe("n");
    expect(err(on + "CONFIG_KASAN_KUNIT_TEST=1\n")).toBe("test.config:3: CONFIG_KASAN_KUNIT_TEST is a tristate option: expected y, m or n, got 1");
  });

  it("keeps every option of the file in raw, as written, under its CONFIG_ name", () => {
    const { config } = read('CONFIG_KASAN=y\n# CONFIG_FOO is not set\nCONFIG_LOCALVERSION="-x"\nCONFIG_HZ=250\n');
    expect(config.raw).toEqual({ CONFIG_KASAN: "y", CONFIG_FOO: "n", CONFIG_LOCALVERSION: '"-x"', CONFIG_HZ: "250" });
  });

  it("repeated-option warnings come first, then Kconfig overrides", () => {
    const r = resolveKernelConfig(parseDotConfig("CONFIG_RUST=n\nCONFIG_KASAN=y\nCONFIG_KASAN_SW_TAGS=y\nCONFIG_RUST=y\n", "o.config"));
    expect(r.warnings).toEqual(["o.config:4: CONFIG_RUST set again (first at line 1); the later value y wins", "o.config:4: CONFIG_RUST=y ignored: it depends on CONFIG_KASAN_SW_TAGS=n"]);
  });
});
