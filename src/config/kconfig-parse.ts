/**
 * Reading a kernel `.config` as `make olddefconfig` would resolve it for arm64 6.12, restricted
 * to the options the model depends on (the KernelConfig shape in kconfig.ts).
 *
 * Two steps:
 *  1. parseDotConfig(): the file's syntax — `CONFIG_X=y|m|n|"string"|123|0x…`,
 *     `# CONFIG_X is not set`, other `#` comments, blank lines, CRLF line ends. A malformed line
 *     is an error naming the file and line; a repeated option keeps the later value (Kconfig's
 *     "override: reassigning to symbol X") with a warning.
 *  2. resolveKernelConfig(): the Kconfig rules — the KASAN mode choice, `depends on` (an option
 *     whose dependencies are off is n whatever the file says), `select` (forced y), options
 *     without a prompt taking their default, and defaults for absent options. Wherever the file
 *     asked for something Kconfig would not give, the resolved value wins and a warning says why.
 *
 * Dependencies on options the model does not track (KUNIT, TRACEPOINTS, SYSFS, SLUB_TINY,
 * EXPERT, COMPILE_TEST) are honoured only when the file mentions them, so that a hand-written
 * `.config` of a few lines means what it says.
 */
import type { KasanMode } from "./mode.js";
import type { KernelConfig } from "./kconfig.js";

/** A `.config` the parser or the Kconfig rules reject; the message names the file and line. */
export class KconfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KconfigError";
  }
}

export interface DotConfigEntry {
  /** The value as written: `y`, `m`, `n` (also for "is not set"), `"quoted"`, `123`, `0x1f`. */
  value: string;
  /** 1-based line number. */
  line: number;
}

export interface DotConfig {
  /** File name used in messages. */
  file: string;
  /** Options by name without the CONFIG_ prefix. */
  entries: ReadonlyMap<string, DotConfigEntry>;
  /** Repeated options (the later value wins). */
  warnings: string[];
}

const SET_RE = /^CONFIG_([A-Za-z0-9_]+)=(.*)$/;
const NOT_SET_RE = /^# CONFIG_([A-Za-z0-9_]+) is not set$/;
const VALUE_RE = /^(?:[ymn]|"(?:[^"\\]|\\.)*"|-?[0-9]+|0[xX][0-9a-fA-F]+)$/;

/** Parse `.config` text (syntax only). */
export function parseDotConfig(text: string, file: string): DotConfig {
  if (typeof text !== "string") throw new Error(`parseDotConfig: text must be a string, got ${typeof text}`);
  const entries = new Map<string, DotConfigEntry>();
  const warnings: string[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i].replace(/\r$/, "").trim();
    if (line.length === 0) continue;
    let name: string;
    let value: string;
    const notSet = NOT_SET_RE.exec(line);
    if (notSet !== null) {
      name = notSet[1];
      value = "n";
    } else if (line.startsWith("#")) {
      continue;
    } else {
      const set = SET_RE.exec(line);
      if (set === null) {
        throw new KconfigError(`${file}:${lineNo}: expected CONFIG_NAME=value, "# CONFIG_NAME is not set", a # comment or a blank line; got "${clip(line)}"`);
      }
      name = set[1];
      value = set[2];
      if (!VALUE_RE.test(value)) {
        throw new KconfigError(`${file}:${lineNo}: CONFIG_${name}: expected y, m, n, a "quoted string", a decimal or a 0x hex number; got "${clip(value)}"`);
      }
    }
    const prev = entries.get(name);
    if (prev !== undefined) warnings.push(`${file}:${lineNo}: CONFIG_${name} set again (first at line ${prev.line}); the later value ${value} wins`);
    entries.set(name, { value, line: lineNo });
  }
  return { file, entries, warnings };
}

export interface ResolveOverrides {
  /** `--mode`: replaces the file's KASAN mode options (CONFIG_KASAN and the mode choice). */
  mode?: KasanMode;
}

export interface ResolvedKernelConfig {
  config: KernelConfig;
  /** Repeated options and every value the Kconfig rules overrode. */
  warnings: string[];
}

const MODE_OPTIONS: readonly (readonly [string, Exclude<KasanMode, "off">])[] = [
  ["KASAN_GENERIC", "generic"],
  ["KASAN_SW_TAGS", "sw_tags"],
  ["KASAN_HW_TAGS", "hw_tags"],
];

/** Apply the Kconfig rules of arm64 6.12 to a parsed `.config`. */
export function resolveKernelConfig(dot: DotConfig, overrides: ResolveOverrides = {}): ResolvedKernelConfig {
  const r = new Resolver(dot);
  const mode = overrides.mode ?? r.fileMode();
  const kasan = mode !== "off";
  const generic = mode === "generic";
  const swTags = mode === "sw_tags";
  const software = generic || swTags;
  const modeText = kasan ? `CONFIG_KASAN_${mode.toUpperCase()}=y` : "CONFIG_KASAN=n";

  const ccIsClang = r.compiler();
  const expert = r.bool("EXPERT") === true;
  const compileTest = r.bool("COMPILE_TEST") === true;

  const kasanVmalloc = r.resolveBool("KASAN_VMALLOC", {
    depends: kasan,
    dependsText: "CONFIG_KASAN=y",
    selected: kasan,
    selectText: "arm64 (select KASAN_VMALLOC if KASAN)",
    visible: true,
    def: false,
  });
  const kasanStack = r.resolveBool("KASAN_STACK", {
    depends: software,
    dependsText: "CONFIG_KASAN_GENERIC=y or CONFIG_KASAN_SW_TAGS=y",
    visible: ccIsClang && !compileTest,
    hiddenText: ccIsClang ? "it has no prompt with CONFIG_COMPILE_TEST=y" : "it has no prompt with GCC (always on)",
    def: !ccIsClang,
  });
  const slubDebug = r.resolveBool("SLUB_DEBUG", {
    depends: r.bool("SYSFS") !== false && r.bool("SLUB_TINY") !== true,
    dependsText: "CONFIG_SYSFS=y and CONFIG_SLUB_TINY=n",
    selected: software,
    selectText: modeText,
    visible: expert,
    hiddenText: "it has no prompt without CONFIG_EXPERT=y",
    def: true,
  });
  const slubRcuDebug = r.resolveBool("SLUB_RCU_DEBUG", {
    depends: slubDebug && kasan,
    dependsText: "CONFIG_SLUB_DEBUG=y and CONFIG_KASAN=y",
    visible: true,
    def: software,
  });
  const vmapStack = r.resolveBool("VMAP_STACK", {
    // depends on !KASAN || KASAN_HW_TAGS || KASAN_VMALLOC: always met on arm64.
    depends: !kasan || mode === "hw_tags" || kasanVmalloc,
    dependsText: "CONFIG_KASAN=n, CONFIG_KASAN_HW_TAGS=y or CONFIG_KASAN_VMALLOC=y",
    visible: true,
    def: true,
  });
  const shadowCallStack = r.resolveBool("SHADOW_CALL_STACK", { depends: true, dependsText: "", visible: true, def: false });
  const rust = r.resolveBool("RUST", {
    depends: !swTags,
    dependsText: "CONFIG_KASAN_SW_TAGS=n",
    visible: true,
    def: false,
  });
  const kasanExtraInfo = r.resolveBool("KASAN_EXTRA_INFO", { depends: kasan, dependsText: "CONFIG_KASAN=y", visible: true, def: false });
  const kasanKunitTest = r.resolveKunitTest(kasan);
  const nrCpus = r.int("NR_CPUS", 2, 4096) ?? 512;
  const stackdepotMaxFrames = r.int("STACKDEPOT_MAX_FRAMES", 1, 256) ?? 64;

  if (overrides.mode !== undefined) {
    const fileMode = r.fileModeLenient();
    if (fileMode !== undefined && fileMode !== overrides.mode) {
      r.warnings.push(`${dot.file}: --mode ${overrides.mode} overrides the file's KASAN mode (${fileMode})`);
    }
  }

  const raw: Record<string, string> = {};
  for (const [name, e] of dot.entries) raw[`CONFIG_${name}`] = e.value;
  return {
    config: {
      kasanMode: mode,
      kasanVmalloc,
      kasanStack,
      slubDebug,
      slubRcuDebug,
      vmapStack,
      shadowCallStack,
      ccIsClang,
      rust,
      nrCpus,
      stackdepotMaxFrames,
      kasanExtraInfo,
      kasanKunitTest,
      raw,
    },
    warnings: [...dot.warnings, ...r.warnings],
  };
}

/** parseDotConfig + resolveKernelConfig. */
export function readKernelConfig(text: string, file: string, overrides: ResolveOverrides = {}): ResolvedKernelConfig {
  return resolveKernelConfig(parseDotConfig(text, file), overrides);
}

interface BoolRule {
  /** The `depends on` expression's value. */
  depends: boolean;
  dependsText: string;
  /** Forced y by a `select` whose condition holds. */
  selected?: boolean;
  selectText?: string;
  /** The prompt is shown (otherwise the default applies whatever the file says). */
  visible: boolean;
  hiddenText?: string;
  def: boolean;
}

class Resolver {
  readonly warnings: string[] = [];

  constructor(private readonly dot: DotConfig) {}

  private where(name: string): string {
    const e = this.dot.entries.get(name);
    return e === undefined ? this.dot.file : `${this.dot.file}:${e.line}`;
  }

  /** A bool option's value in the file (undefined when absent). */
  bool(name: string): boolean | undefined {
    const e = this.dot.entries.get(name);
    if (e === undefined) return undefined;
    if (e.value === "y") return true;
    if (e.value === "n") return false;
    throw new KconfigError(`${this.dot.file}:${e.line}: CONFIG_${name} is a bool option: expected y or n ("# CONFIG_${name} is not set"), got ${e.value}`);
  }

  /** A tristate option's value in the file. */
  tristate(name: string): "y" | "m" | "n" | undefined {
    const e = this.dot.entries.get(name);
    if (e === undefined) return undefined;
    if (e.value === "y" || e.value === "m" || e.value === "n") return e.value;
    throw new KconfigError(`${this.dot.file}:${e.line}: CONFIG_${name} is a tristate option: expected y, m or n, got ${e.value}`);
  }

  /** An int option in [min, max] (decimal or 0x hex). */
  int(name: string, min: number, max: number): number | undefined {
    const e = this.dot.entries.get(name);
    if (e === undefined) return undefined;
    const v = /^-?[0-9]+$/.test(e.value) ? Number(e.value) : /^0[xX][0-9a-fA-F]+$/.test(e.value) ? parseInt(e.value.slice(2), 16) : NaN;
    if (!Number.isSafeInteger(v) || v < min || v > max) {
      throw new KconfigError(`${this.dot.file}:${e.line}: CONFIG_${name} is an int option in the range ${min}–${max}, got ${e.value}`);
    }
    return v;
  }

  /** The KASAN mode the file selects (errors on conflicts). */
  fileMode(): KasanMode {
    const kasan = this.bool("KASAN");
    const chosen = MODE_OPTIONS.filter(([opt]) => this.bool(opt) === true);
    if (chosen.length > 1) {
      const list = chosen.map(([opt]) => `CONFIG_${opt}=y (line ${this.dot.entries.get(opt)?.line})`).join(" and ");
      throw new KconfigError(`${this.dot.file}: ${list} conflict: the KASAN mode is a choice, set exactly one`);
    }
    if (kasan !== true) {
      if (chosen.length === 1) {
        const [opt] = chosen[0];
        const why = kasan === false ? `line ${this.dot.entries.get("KASAN")?.line} says CONFIG_KASAN is not set` : "CONFIG_KASAN is absent (default n)";
        throw new KconfigError(`${this.where(opt)}: CONFIG_${opt}=y needs CONFIG_KASAN=y, but ${why}`);
      }
      return "off";
    }
    if (chosen.length === 1) return chosen[0][1];
    // The mode choice defaults to KASAN_GENERIC.
    if (MODE_OPTIONS.every(([opt]) => this.bool(opt) === false)) {
      this.warnings.push(`${this.where("KASAN")}: CONFIG_KASAN=y but every KASAN mode is not set; the choice's default CONFIG_KASAN_GENERIC=y applies`);
    }
    return "generic";
  }

  /** The file's mode for the --mode note, without throwing on conflicts. */
  fileModeLenient(): KasanMode | undefined {
    const n = this.warnings.length;
    try {
      return this.fileMode();
    } catch {
      return undefined;
    } finally {
      this.warnings.length = n;
    }
  }

  /** CONFIG_CC_IS_CLANG / CONFIG_CC_IS_GCC: exactly one compiler (GCC when neither is given). */
  compiler(): boolean {
    const clang = this.bool("CC_IS_CLANG");
    const gcc = this.bool("CC_IS_GCC");
    if (clang === true && gcc === true) {
      throw new KconfigError(`${this.dot.file}: CONFIG_CC_IS_CLANG=y (line ${this.dot.entries.get("CC_IS_CLANG")?.line}) and CONFIG_CC_IS_GCC=y (line ${this.dot.entries.get("CC_IS_GCC")?.line}) conflict: a kernel is built by one compiler`);
    }
    if (clang === false && gcc === false) {
      throw new KconfigError(`${this.dot.file}: CONFIG_CC_IS_CLANG and CONFIG_CC_IS_GCC are both not set (lines ${this.dot.entries.get("CC_IS_CLANG")?.line} and ${this.dot.entries.get("CC_IS_GCC")?.line}): one compiler must be y`);
    }
    return clang === true || (clang === undefined && gcc === false);
  }

  resolveBool(name: string, rule: BoolRule): boolean {
    const file = this.bool(name);
    const opt = `CONFIG_${name}`;
    if (!rule.depends) {
      if (file === true) this.warnings.push(`${this.where(name)}: ${opt}=y ignored: it depends on ${rule.dependsText}`);
      return false;
    }
    if (rule.selected === true) {
      if (file === false) this.warnings.push(`${this.where(name)}: ${opt}=n ignored: it is selected by ${rule.selectText}`);
      return true;
    }
    if (!rule.visible) {
      if (file !== undefined && file !== rule.def) {
        this.warnings.push(`${this.where(name)}: ${opt}=${file ? "y" : "n"} ignored: ${rule.hiddenText ?? "it has no prompt"}, so its default ${rule.def ? "y" : "n"} applies`);
      }
      return rule.def;
    }
    return file ?? rule.def;
  }

  /** KASAN_KUNIT_TEST: tristate, depends on KASAN && KUNIT && TRACEPOINTS, default KUNIT_ALL_TESTS. */
  resolveKunitTest(kasan: boolean): "y" | "m" | "n" {
    const file = this.tristate("KASAN_KUNIT_TEST");
    const kunit = this.tristate("KUNIT");
    const tracepoints = this.bool("TRACEPOINTS");
    const missing = !kasan ? "CONFIG_KASAN=y" : kunit === "n" ? "CONFIG_KUNIT=y or m" : tracepoints === false ? "CONFIG_TRACEPOINTS=y" : undefined;
    if (missing !== undefined) {
      if (file !== undefined && file !== "n") this.warnings.push(`${this.where("KASAN_KUNIT_TEST")}: CONFIG_KASAN_KUNIT_TEST=${file} ignored: it depends on ${missing}`);
      return "n";
    }
    const allTests = this.tristate("KUNIT_ALL_TESTS") ?? "n";
    // The prompt is hidden when KUNIT_ALL_TESTS is set: the option then follows it.
    if (allTests !== "n") {
      if (file !== undefined && file !== allTests) this.warnings.push(`${this.where("KASAN_KUNIT_TEST")}: CONFIG_KASAN_KUNIT_TEST=${file} ignored: with CONFIG_KUNIT_ALL_TESTS=${allTests} it follows that option`);
      return kunit === "m" && allTests === "y" ? "m" : allTests;
    }
    // Built-in code cannot depend on a modular KUNIT: y is limited to m.
    if (file === "y" && kunit === "m") {
      this.warnings.push(`${this.where("KASAN_KUNIT_TEST")}: CONFIG_KASAN_KUNIT_TEST=y limited to m by CONFIG_KUNIT=m`);
      return "m";
    }
    return file ?? "n";
  }
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
