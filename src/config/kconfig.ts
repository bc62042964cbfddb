/**
 * The kernel build configuration options the model depends on (a kernel `.config`), with the
 * defaults the kernel's Kconfig gives them for arm64 when a `.config` does not mention them.
 * Parsing `.config` text lives in kconfig-parse.ts; everything else reads this shape.
 */
import type { KasanMode } from "./mode.js";

export interface KernelConfig {
  /** Derived from CONFIG_KASAN + CONFIG_KASAN_GENERIC / _SW_TAGS / _HW_TAGS. */
  kasanMode: KasanMode;
  /** CONFIG_KASAN_VMALLOC (default y where the arch supports it: arm64 does). */
  kasanVmalloc: boolean;
  /** CONFIG_KASAN_STACK: stack instrumentation (software modes; default y with Clang, n with GCC). */
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
  /** CONFIG_NR_CPUS (arm64 default 256). */
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

/** The defaults for a kernel built with `mode` (as Kconfig resolves them on arm64). */
export function defaultKernelConfig(mode: KasanMode, compiler: "gcc" | "clang" = "gcc"): KernelConfig {
  const software = mode === "generic" || mode === "sw_tags";
  return {
    kasanMode: mode,
    kasanVmalloc: mode !== "off",
    kasanStack: software && compiler === "clang",
    slubDebug: true,
    slubRcuDebug: software,
    vmapStack: true,
    shadowCallStack: false,
    ccIsClang: compiler === "clang",
    rust: false,
    nrCpus: 256,
    stackdepotMaxFrames: 64,
    kasanExtraInfo: false,
    kasanKunitTest: mode === "off" ? "n" : "y",
    raw: {},
  };
}
