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
 *   --stacks F      how KASAN collects alloc/free stacks, seed 004's flavours: unwinder (6.12 as
 *                   is), scs, scs-noscs (the RFC copying the Shadow Call Stack; implies
 *                   CONFIG_SHADOW_CALL_STACK=y unless --config says otherwise, in which case the
 *                   RFC's stack_trace_save_shadow() returns -ENOSYS and KASAN falls back to the
 *                   unwinder), none (collection removed).
 *   --stack-depot on|off   off: collect but do not save in the stack depot (handles are 0).
 *
 * With neither --config nor --mode the mode is the command's default (Kconfig's own default
 * choice is KASAN_GENERIC) with defaultKernelConfig().
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { defaultKernelConfig } from "../config/kconfig.js";
import { KconfigError, readKernelConfig } from "../config/kconfig-parse.js";
import type { KasanMode } from "../config/mode.js";
import { STACK_COLLECTIONS, type StackCollection } from "../kasan/stack/stack-collector.js";
import type { BootOptions } from "../kernel/kernel.js";
import { InputError } from "./errors.js";
import { parseMode, parseSeed } from "./options.js";

/** The raw option values commander hands the action. */
export interface KernelCliOptions {
  config?: string;
  mode?: string;
  cmdline?: string;
  seed?: string;
  stacks?: string;
  stackDepot?: string;
}

export interface KernelBoot {
  /** What to pass to bootKernel(). */
  boot: BootOptions & { mode: KasanMode; seed: number; cmdline: string; stacks: StackCollection; stackDepot: boolean };
  /** Notes about the .config: repeated options, values Kconfig overrode, --mode overriding the file. */
  configWarnings: string[];
}

/** Add --config, --mode, --cmdline, --seed, --stacks and --stack-depot to `cmd`. */
export function addKernelOptions(cmd: Command, defaultMode: KasanMode = "generic"): Command {
  cmd
    .option("--config <file>", "kernel .config to model (KASAN mode, KASAN_VMALLOC, KASAN_STACK, SLUB_RCU_DEBUG, NR_CPUS, …); without KASAN the mode is off")
    .option("--mode <mode>", `KASAN mode: generic, sw_tags, hw_tags or off; shorthand for the .config's mode options and overrides them (default ${defaultMode} without --config)`)
    .option("--cmdline <params>", 'kernel command line (boot parameters), e.g. "kasan_multi_shot kasan.mode=async"')
    .option("--seed <n>", "seed of every random choice (default 1)");
  return addStackOptions(cmd);
}

/** Add --stacks and --stack-depot alone (commands that take their other kernel options their own way). */
export function addStackOptions(cmd: Command): Command {
  return cmd
    .option(
      "--stacks <flavour>",
      "how KASAN collects alloc/free stacks (seed 004): unwinder (default, 6.12's frame-pointer unwinder), scs (copy the Shadow Call Stack; " +
        "implies CONFIG_SHADOW_CALL_STACK=y unless --config leaves it unset, in which case KASAN falls back to the unwinder as the RFC does on -ENOSYS), " +
        "scs-noscs (scs with the helpers marked __noscs, no longer inlined), none (no collection)",
    )
    .option("--stack-depot <on|off>", "save collected stacks in the stack depot (default on); off collects but saves nothing (seed 004's master-no-stack-depot)");
}

/** --stacks: one of STACK_COLLECTIONS (default unwinder). */
export function parseStacks(text: string | undefined): StackCollection {
  if (text === undefined) return "unwinder";
  if (!(STACK_COLLECTIONS as readonly string[]).includes(text)) throw new InputError(`--stacks: expected one of ${STACK_COLLECTIONS.join(", ")}, got "${text}"`);
  return text as StackCollection;
}

/** --stack-depot: on or off (default on). */
export function parseStackDepot(text: string | undefined): boolean {
  if (text === undefined || text === "on") return true;
  if (text === "off") return false;
  throw new InputError(`--stack-depot: expected on or off, got "${text}"`);
}

/** Whether a collection flavour reads the Shadow Call Stack. */
export function stacksUseScs(stacks: StackCollection): boolean {
  return stacks === "scs" || stacks === "scs-noscs";
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
  const stacks = parseStacks(opts.stacks);
  const stackDepot = parseStackDepot(opts.stackDepot);
  const scs = stacksUseScs(stacks);
  if (opts.config === undefined) {
    const m = mode ?? env.defaultMode ?? "generic";
    // Seed 004's SCS kernels are defconfig + SHADOW_CALL_STACK + KASAN.
    const config = { ...defaultKernelConfig(m), shadowCallStack: scs };
    return { boot: { mode: m, config, cmdline, seed, stacks, stackDepot }, configWarnings: [] };
  }
  const text = readConfigFile(opts.config, env.readFile);
  try {
    const { config, warnings } = readKernelConfig(text, opts.config, mode === undefined ? {} : { mode });
    if (scs && !config.shadowCallStack && config.kasanMode !== "off") {
      warnings.push(`${opts.config}: --stacks ${stacks} without CONFIG_SHADOW_CALL_STACK: stack_trace_save_shadow() returns -ENOSYS and KASAN falls back to the unwinder`);
    }
    return { boot: { mode: config.kasanMode, config, cmdline, seed, stacks, stackDepot }, configWarnings: warnings };
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
