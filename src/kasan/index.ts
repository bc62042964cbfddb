/**
 * Public surface of the KASAN layer. mm sees only src/mm/kasan-hooks.ts; the kernel facade,
 * workloads and the report formatters use what is exported here; the hw_tags backend builds on
 * KasanBackend, KasanEnv, the tag-mode stack ring and report helpers, and on the arch MTE model.
 */
export { createKasan, type Kasan, type KasanBackendFactory, type KasanDeps } from "./kasan.js";
export { InstrumentedAccess, type KasanAccess, UNCHECKED_ACCESS } from "./common/access.js";
export type { KasanBackend, KasanBackendMode } from "./common/backend.js";
export { KasanEnv, type QuarantineRelease } from "./common/env.js";
export { KasanCommonHooks, ZERO_SIZE_PTR } from "./common/hooks.js";
export { type KasanStackSaver, type KasanTrack, NO_STACK_DEPOT } from "./common/track.js";
export { untaggedPtr } from "./common/untag.js";
export { accessWraps } from "./common/wrap.js";
export * from "./constants.js";
export { GenericBackend, optimalRedzone } from "./generic/generic-backend.js";
export { HwTagsBackend, HwTagsFaultHandler, type HwTagsOptions, PageAllocSampler } from "./hw_tags/index.js";
export { Quarantine, QUARANTINE_PERCPU_SIZE, quarantineBatches } from "./generic/quarantine.js";
export { KASAN_OFF_HOOKS, KasanOffHooks } from "./off/off-hooks.js";
export type { PageTags } from "./page-tags.js";
export type { AddressDescriber, AddressDescription, PageAddress, SlabAddress, VmallocAddress } from "./report/address-describer.js";
export type { KasanBugType, KasanMetadataRow, KasanReportEvent, KasanReportObject, KasanReportType } from "./report/event.js";
export { addrHasMetadata, KasanReporter, type ReportInfo, type ReportModeOps } from "./report/reporter.js";
export { KasanReportSink, type KasanReportListener } from "./report/sink.js";
export { ShadowMemory } from "./shadow/shadow-memory.js";
export { SwTagsBackend } from "./sw_tags/sw-tags-backend.js";
export { SwTagsLcg } from "./sw_tags/lcg.js";
export { completeTagsReportInfo, tagsCommonBugType } from "./tags/report-tags.js";
export { StackRing } from "./tags/stack-ring.js";
export * from "./report/format/index.js";
export * from "./stack/index.js";
export type { KasanStackSite } from "./common/track.js";
