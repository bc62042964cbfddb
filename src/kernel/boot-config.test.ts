import { describe, expect, it } from "vitest";
import { defaultKernelConfig } from "../config/kconfig.js";
import { readKernelConfig } from "../config/kconfig-parse.js";
import { GFP_KERNEL } from "../mm/gfp.js";
import { SLAB_TYPESAFE_BY_RCU } from "../mm/slab/flags.js";
import { bootKernel } from "./kernel.js";

describe("bootKernel with a kernel .config", () => {
  it("without one the kernel carries defaultKernelConfig(mode)", () => {
    expect(bootKernel({ mode: "sw_tags" }).config).toEqual(defaultKernelConfig("sw_tags"));
  });

  it("the config's mode must be the boot mode", () => {
    expect(() => bootKernel({ mode: "generic", config: defaultKernelConfig("hw_tags") })).toThrow("bootKernel: mode generic differs from config.kasanMode hw_tags");
  });

  it("online CPUs (a runtime count) cannot exceed CONFIG_NR_CPUS", () => {
    const { config } = readKernelConfig("CONFIG_KASAN=y\nCONFIG_NR_CPUS=2\n", "c");
    expect(bootKernel({ mode: "generic", config, nrCpus: 2 }).ctx.nrCpus).toBe(2);
    expect(() => bootKernel({ mode: "generic", config, nrCpus: 3 })).toThrow("bootKernel: nrCpus 3 exceeds CONFIG_NR_CPUS=2");
  });

  it("CONFIG_SLUB_RCU_DEBUG from the config decides whether TYPESAFE_BY_RCU frees are RCU-delayed", () => {
    // kmem_cache_rcu_uaf: with SLUB_RCU_DEBUG the object is poisoned after the grace period, so the
    // read after rcu_barrier() is a use after free; without it the object stays accessible.
    function rcuUaf(text: string): number {
      const { config } = readKernelConfig(text, "c");
      const k = bootKernel({ mode: config.kasanMode, config });
      const c = k.slab.kmemCacheCreate("test_cache", 200, 0, SLAB_TYPESAFE_BY_RCU);
      const p = k.slab.kmemCacheAlloc(c, GFP_KERNEL);
      k.slab.kmemCacheFree(c, p);
      k.rcu.barrier();
      k.access.read(p, 1);
      return k.reports.count;
    }
    expect(rcuUaf("CONFIG_KASAN=y\nCONFIG_KASAN_GENERIC=y\n")).toBe(1);
    expect(rcuUaf("CONFIG_KASAN=y\nCONFIG_KASAN_GENERIC=y\n# CONFIG_SLUB_RCU_DEBUG is not set\n")).toBe(0);
  });
});
