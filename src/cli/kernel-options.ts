/**
 * The options every command that boots a simulated kernel takes, and how they combine:
 *
 *   --config FILE   a kernel .config: the KASAN mode and the other CONFIG_* options the model
 *                   reads (src/config/kconfig-parse.ts). A .config without KASAN is mode off.
 *   --mode MODE     generic | sw_tags | hw_tags | off: shorthand for the mode options
 *                   (CONFIG_KASAN + the mode choice); overrides the file's mode, and the
 *                   file's other options are resolved again for it (e.g. SLUB_RCU_DEBUG's default).
 *   --cmdline "…"   kernel command line (boot parameters), parsed as the booted mode's kernel would.
 *   --seed N        seed of every random choice (default 1).
 *
 * With neither --config nor --mode the mode is the command's default (Kconfig's own default
 * choice is KASAN_GENERIC) with defaultKernelConfig().
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { defaultKernelConfig } from "../config/kconfig.js";
import { KconfigError, readKernelConfig } from "../config/kconfig-parse.js";
import type { KasanMode } from "../config/mode.js";
import type { BootOptions } from "../kernel/kernel.js";
import { InputError } from "./errors.js";
import { parseMode, parseSeed } from "./options.js";

/** The raw option values commander hands the action. */
export interface KernelCliOptions {
  config?: string;
  mode?: string;
  cmdline?: string;
  seed?: string;
}

export interface KernelBoot {
  /** What to pass to bootKernel(). */
  boot: BootOptions & { mode: KasanMode; seed: number; cmdline: string };
  /** Notes about the .config: repeated options, values Kconfig overrode, --mode overriding the file. */
  configWarnings: string[];
}

/** Add --config, --mode, --cmdline and --seed to `cmd`. */
export function addKernelOptions(cmd: Command, defaultMode: KasanMode = "generic"): Command {
  return cmd
    .option("--config <file>", "kernel .config to model (KASAN mode, KASAN_VMALLOC, KASAN_STACK, SLUB_RCU_DEBUG, NR_CPUS, …); without KASAN the mode is off")
    .option("--mode <mode>", `KASAN mode: generic, sw_tags, hw_tags or off; shorthand for the .config's mode options and overrides them (default ${defaultMode} without --config)`)
    .option("--cmdline <params>", 'kernel command line (boot parameters), e.g. "kasan_multi_shot kasan.mode=async"')
    .option("--seed <n>", "seed of every random choice (default 1)");
}

export interface KernelOptionsEnv {
  /** Mode when neither --mode nor --config is given. */
  defaultMode?: KasanMode;
  /** Reads the --config file (tests pass a fake). */
  readFile?: (path: string) => string;
}

/** Turn the parsed options into BootOptions; bad input is an InputError naming the option, file and line. */
export function kernelOptionsToBoot(opts: KernelCliOptions, env: KernelOptionsEnv = {}): KernelBoot {
  const mode = opts.mode === undefined ? undefined : parseMode(opts.mode);
  const seed = opts.seed === undefined ? 1 : parseSeed(opts.seed);
  const cmdline = opts.cmdline ?? "";
  if (opts.config === undefined) {
    const m = mode ?? env.defaultMode ?? "generic";
    return { boot: { mode: m, config: defaultKernelConfig(m), cmdline, seed }, configWarnings: [] };
  }
  const text = readConfigFile(opts.config, env.readFile);
  try {
    const { config, warnings } = readKernelConfig(text, opts.config, mode === undefined ? {} : { mode });
    return { boot: { mode: config.kasanMode, config, cmdline, seed }, configWarnings: warnings };
  } catch (e) {
    if (e instanceof KconfigError) throw new InputError(`--config: ${e.message}`);
    throw e;
  }
}

function readConfigFile(path: string, readFile?: (path: string) => string): string {
  try {
    return readFile === undefined ? readFileSync(path, "utf8") : readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : code === "EACCES" ? "permission denied" : (e as Error).message;
    throw new InputError(`--config: cannot read "${path}": ${why}`);
  }
}
