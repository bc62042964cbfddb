import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { defaultKernelConfig } from "../config/kconfig.js";
import { bootKernel } from "../kernel/kernel.js";
import { InputError } from "./errors.js";
import { GFP_KERNEL } from "../mm/gfp.js";
import { addKernelOptions, addStackOptions, kernelOptionsToBoot, parseStackDepot, parseStacks } from "./kernel-options.js";

const FILES: Record<string, string> = {
  "generic.config": "CONFIG_KASAN=y\nCONFIG_KASAN_GENERIC=y\nCONFIG_NR_CPUS=4\n",
  "nokasan.config": "# CONFIG_KASAN is not set\nCONFIG_SLUB=y\n",
  "bad.config": "CONFIG_KASAN=y\nCONFIG_KASAN_GENERIC=y\nCONFIG_KASAN_HW_TAGS=y\n",
  "syntax.config": "CONFIG_KASAN=y\nthis is not a config line\n",
};

function readFile(p: string): string {
  const t = FILES[p];
  if (t === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: "ENOENT" });
  return t;
}

const env = { readFile };

describe("the kernel options every booting command takes", () => {
  it("adds --config, --mode, --cmdline, --seed, --stacks and --stack-depot to a command", () => {
    const cmd = addKernelOptions(new Command("x"));
    expect(cmd.options.map((o) => o.long)).toEqual(["--config", "--mode", "--cmdline", "--seed", "--stacks", "--stack-depot"]);
    cmd.parse(["--config", "a.config", "--mode", "hw_tags", "--cmdline", "kasan_multi_shot", "--seed", "7", "--stacks", "scs", "--stack-depot", "off"], { from: "user" });
    expect(cmd.opts()).toEqual({ config: "a.config", mode: "hw_tags", cmdline: "kasan_multi_shot", seed: "7", stacks: "scs", stackDepot: "off" });
  });

  it("no options: the default mode with its default config, seed 1, empty command line, unwinder stacks saved in the depot", () => {
    expect(kernelOptionsToBoot({}, env)).toEqual({
      boot: { mode: "generic", config: defaultKernelConfig("generic"), cmdline: "", seed: 1, stacks: "unwinder", stackDepot: true },
      configWarnings: [],
    });
    expect(kernelOptionsToBoot({}, { ...env, defaultMode: "hw_tags" }).boot.mode).toBe("hw_tags");
  });

  it("--mode alone picks the mode's default config", () => {
    const { boot } = kernelOptionsToBoot({ mode: "sw_tags", seed: "42", cmdline: "kasan.stacktrace=off" }, env);
    expect(boot).toEqual({ mode: "sw_tags", config: defaultKernelConfig("sw_tags"), cmdline: "kasan.stacktrace=off", seed: 42, stacks: "unwinder", stackDepot: true });
  });

  it("--config alone: the file's mode and options", () => {
    const { boot, configWarnings } = kernelOptionsToBoot({ config: "generic.config" }, env);
    expect(boot.mode).toBe("generic");
    expect(boot.config?.nrCpus).toBe(4);
    expect(configWarnings).toEqual([]);
  });

  it("a .config without KASAN means mode off", () => {
    expect(kernelOptionsToBoot({ config: "nokasan.config" }, env).boot.mode).toBe("off");
  });

  it("--mode overrides the file's mode; the other options are resolved for the new mode", () => {
    const { boot, configWarnings } = kernelOptionsToBoot({ config: "generic.config", mode: "hw_tags" }, env);
    expect(boot.mode).toBe("hw_tags");
    expect(boot.config).toMatchObject({ kasanMode: "hw_tags", nrCpus: 4, slubRcuDebug: false });
    expect(configWarnings).toEqual(["generic.config: --mode hw_tags overrides the file's KASAN mode (generic)"]);
    // --mode also settles a file whose own mode options conflict.
    expect(kernelOptionsToBoot({ config: "bad.config", mode: "generic" }, env).boot.mode).toBe("generic");
  });

  it("the result boots: bootKernel takes the config", () => {
    const { boot } = kernelOptionsToBoot({ config: "generic.config" }, env);
    const k = bootKernel(boot);
    expect(k.config.nrCpus).toBe(4);
    expect(k.mode).toBe("generic");
  });

  it("bad input is an InputError naming the option, file and line", () => {
    expect(() => kernelOptionsToBoot({ mode: "mte" }, env)).toThrow(new InputError('--mode: expected one of generic, sw_tags, hw_tags, off, got "mte"'));
    expect(() => kernelOptionsToBoot({ seed: "-1" }, env)).toThrow(InputError);
    expect(() => kernelOptionsToBoot({ config: "missing.config" }, env)).toThrow(new InputError('--config: cannot read "missing.config": no such file'));
    expect(() => kernelOptionsToBoot({ config: "bad.config" }, env)).toThrow(
      new InputError("--config: bad.config: CONFIG_KASAN_GENERIC=y (line 2) and CONFIG_KASAN_HW_TAGS=y (line 3) conflict: the KASAN mode is a choice, set exactly one"),
    );
    expect(() => kernelOptionsToBoot({ config: "syntax.config" }, env)).toThrow(/^--config: syntax\.config:2: expected CONFIG_NAME=value/);
  });
});

describe("--stacks and --stack-depot: seed 004's stack collection flavours", () => {
  it("each flavour and on/off reach the boot options", () => {
    for (const stacks of ["unwinder", "scs", "scs-noscs", "none"] as const) {
      expect(kernelOptionsToBoot({ stacks }, env).boot.stacks).toBe(stacks);
    }
    expect(kernelOptionsToBoot({ stackDepot: "off" }, env).boot.stackDepot).toBe(false);
    expect(kernelOptionsToBoot({ stackDepot: "on" }, env).boot.stackDepot).toBe(true);
  });

  it("without --config the SCS flavours imply CONFIG_SHADOW_CALL_STACK=y (seed 004's defconfig + SCS + KASAN); the others leave it at n", () => {
    expect(kernelOptionsToBoot({ stacks: "scs" }, env).boot.config?.shadowCallStack).toBe(true);
    expect(kernelOptionsToBoot({ stacks: "scs-noscs", mode: "hw_tags" }, env).boot.config?.shadowCallStack).toBe(true);
    expect(kernelOptionsToBoot({ stacks: "none" }, env).boot.config?.shadowCallStack).toBe(false);
  });

  it("with a .config that leaves SHADOW_CALL_STACK unset, scs falls back to the unwinder and says so", () => {
    const { boot, configWarnings } = kernelOptionsToBoot({ config: "generic.config", stacks: "scs" }, env);
    expect(boot.config?.shadowCallStack).toBe(false);
    expect(configWarnings).toEqual(["generic.config: --stacks scs without CONFIG_SHADOW_CALL_STACK: stack_trace_save_shadow() returns -ENOSYS and KASAN falls back to the unwinder"]);
    // The booted collector really uses the unwinder: its flavour is scs, but SCS copying is off.
    const k = bootKernel(boot);
    const before = k.counters.total();
    const p = k.slab.kmalloc(8, GFP_KERNEL);
    const after = k.counters.total();
    expect(p).not.toBe(0);
    expect(after.framesCopiedScs - before.framesCopiedScs).toBe(0);
    expect(after.framesUnwound - before.framesUnwound).toBeGreaterThan(0);
  });

  it("bad values are InputErrors naming the option and the accepted values", () => {
    expect(() => kernelOptionsToBoot({ stacks: "fp" }, env)).toThrow(new InputError('--stacks: expected one of unwinder, scs, scs-noscs, none, got "fp"'));
    expect(() => kernelOptionsToBoot({ stackDepot: "no" }, env)).toThrow(new InputError('--stack-depot: expected on or off, got "no"'));
    expect(() => parseStacks("SCS")).toThrow(InputError);
    expect(parseStacks(undefined)).toBe("unwinder");
    expect(parseStackDepot(undefined)).toBe(true);
  });

  it("addStackOptions adds only the two stack options", () => {
    expect(addStackOptions(new Command("y")).options.map((o) => o.long)).toEqual(["--stacks", "--stack-depot"]);
  });
});
