/**
 * The kernel build configuration options the model depends on (a kernel `.config`), with the
 * defaults the kernel's Kconfig gives them for arm64 when a `.config` does not mention them.
 * Parsing `.config` text lives in kconfig-parse.ts; everything else reads this shape.
 */
import type { KasanMode } from "./mode.js";

/** arm64 CONFIG_NR_CPUS default (arch/arm64/Kconfig, 512 since 6.7). */
export const ARM64_NR_CPUS_DEFAULT = 512;

export interface KernelConfig {
  /** Derived from CONFIG_KASAN + CONFIG_KASAN_GENERIC / _SW_TAGS / _HW_TAGS. */
  kasanMode: KasanMode;
  /** CONFIG_KASAN_VMALLOC (arm64 selects it whenever KASAN is on). */
  kasanVmalloc: boolean;
  /** CONFIG_KASAN_STACK: stack instrumentation (software modes; always y with GCC, opt-in (default n) with Clang). */
  kasanStack: boolean;
  /** CONFIG_SLUB_DEBUG (default y). */
  slubDebug: boolean;
  /** CONFIG_SLUB_RCU_DEBUG (default y for KASAN_GENERIC or KASAN_SW_TAGS). */
  slubRcuDebug: boolean;
  /** CONFIG_VMAP_STACK (default y on arm64). */
  vmapStack: boolean;
  /** CONFIG_SHADOW_CALL_STACK (default n). */
  shadowCallStack: boolean;
  /** CONFIG_CC_IS_CLANG / CONFIG_CC_IS_GCC (exactly one is true). */
  ccIsClang: boolean;
  /** CONFIG_RUST (default n). */
  rust: boolean;
  /** CONFIG_NR_CPUS (arm64 default 512 since 6.7; range 2–4096). */
  nrCpus: number;
  /** CONFIG_STACKDEPOT_MAX_FRAMES (default 64). */
  stackdepotMaxFrames: number;
  /** CONFIG_KASAN_EXTRA_INFO (default n): cpu and timestamp in alloc/free tracks. */
  kasanExtraInfo: boolean;
  /** CONFIG_KASAN_KUNIT_TEST built in (y) rather than as a module (m) or absent (n). */
  kasanKunitTest: "y" | "m" | "n";
  /** Every CONFIG_ option the file set, raw (for options not modelled above). */
  raw: Readonly<Record<string, string>>;
}

/**
 * The defaults for a kernel built with `mode` (as Kconfig resolves them on arm64), i.e. what
 * resolveKernelConfig() gives for a `.config` naming only the mode — except `kasanKunitTest`:
 * the simulator's reference build has the KASAN KUnit suite built in (as `kunit.py` builds it),
 * where Kconfig's own default (KUNIT_ALL_TESTS) would leave it out.
 */
export function defaultKernelConfig(mode: KasanMode, compiler: "gcc" | "clang" = "gcc"): KernelConfig {
  const software = mode === "generic" || mode === "sw_tags";
  return {
    kasanMode: mode,
    kasanVmalloc: mode !== "off",
    // lib/Kconfig.kasan: `default y if CC_IS_GCC`, prompt only with Clang (so Clang defaults to n).
    kasanStack: software && compiler === "gcc",
    slubDebug: true,
    slubRcuDebug: software,
    vmapStack: true,
    shadowCallStack: false,
    ccIsClang: compiler === "clang",
    rust: false,
    nrCpus: ARM64_NR_CPUS_DEFAULT,
    stackdepotMaxFrames: 64,
    kasanExtraInfo: false,
    kasanKunitTest: mode === "off" ? "n" : "y",
    raw: {},
  };
}
