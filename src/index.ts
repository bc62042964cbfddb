/** kasan-sim's public library API. */
export * from "./arch/index.js";
export { bootKernel, Kernel, type BootOptions } from "./kernel/kernel.js";
export * from "./mm/gfp.js";
export { KASAN_MODES, type KasanMode, granuleSize, threadSize } from "./config/mode.js";
export { parseCmdline } from "./config/cmdline.js";
export { defaultBootParams, type BootParams } from "./config/boot-params.js";
export { defaultKernelConfig, type KernelConfig } from "./config/kconfig.js";
export { Counters, CounterSet, COUNTER_NAMES, ORIGINS, type CounterName, type Origin, toRecord } from "./cost/counters.js";
export type { KasanReportEvent, KasanBugType, KasanReportType } from "./kasan/report/event.js";
export { Prng } from "./lib/prng.js";
export { runDemo, type DemoResult } from "./workloads/demo.js";
