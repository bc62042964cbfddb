export { BOOT_TRACE_EVENTS, BOOT_TRACE_OUTER_FRAMES, BOOT_TRACE_SHA256, shippedBootTracePath } from "./boot-trace.js";
export { ordinaryAccessCheck, ordinaryAccesses, type OrdinaryAccessCheck, type OrdinaryAccesses } from "./ordinary-accesses.js";
export { runBoot, runBoots, summarise, type BootEventSummary, type BootRunResult, type BootRunSpec, type BootWorkloadOptions } from "./run-boot.js";
export { GZIP_MAGIC, isGzip, openTraceSource, TraceSourceError, type TraceSource } from "./trace-source.js";
