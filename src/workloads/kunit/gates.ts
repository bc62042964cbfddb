/**
 * IS_ENABLED(CONFIG_X) for the options the KASAN suite gates on, answered from the kernel
 * configuration: KASAN_TEST_NEEDS_CONFIG_ON/OFF skip a case with "Test requires CONFIG_X=y|n".
 * Options the model has no field for are read from the raw `.config` entries, with the arm64
 * value of 6.12 when absent (AMD_MEM_ENCRYPT and GENERIC_ENTRY are x86-only/not used by arm64).
 */
import type { KernelConfig } from "../../config/kconfig.js";

export type GateOption =
  | "CONFIG_KASAN_GENERIC"
  | "CONFIG_KASAN_SW_TAGS"
  | "CONFIG_KASAN_HW_TAGS"
  | "CONFIG_KASAN_VMALLOC"
  | "CONFIG_KASAN_STACK"
  | "CONFIG_SLUB_RCU_DEBUG"
  | "CONFIG_CC_IS_CLANG"
  | "CONFIG_RUST"
  | "CONFIG_AMD_MEM_ENCRYPT"
  | "CONFIG_GENERIC_ENTRY"
  | "CONFIG_CC_HAS_KASAN_MEMINTRINSIC_PREFIX";

export function isEnabled(cfg: KernelConfig, opt: GateOption): boolean {
  switch (opt) {
    case "CONFIG_KASAN_GENERIC":
      return cfg.kasanMode === "generic";
    case "CONFIG_KASAN_SW_TAGS":
      return cfg.kasanMode === "sw_tags";
    case "CONFIG_KASAN_HW_TAGS":
      return cfg.kasanMode === "hw_tags";
    case "CONFIG_KASAN_VMALLOC":
      return cfg.kasanVmalloc;
    case "CONFIG_KASAN_STACK":
      return cfg.kasanStack;
    case "CONFIG_SLUB_RCU_DEBUG":
      return cfg.slubRcuDebug;
    case "CONFIG_CC_IS_CLANG":
      return cfg.ccIsClang;
    case "CONFIG_RUST":
      return cfg.rust;
    default: {
      const v = cfg.raw[opt];
      return v === "y" || v === "m";
    }
  }
}
