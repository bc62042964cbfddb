/**
 * One KASAN instance for a run: the mode's backend behind the common hooks (what mm calls),
 * instrumented accesses (what workloads call), the reporter with its gating state and the
 * report sink. Built from a mode and the parsed boot parameters:
 *
 *   const { params } = parseCmdline("generic", "kasan_multi_shot");
 *   const kasan = createKasan("generic", params, { counters, ctx, prng, totalRamPages });
 *   kasan.setAddressDescriber(mm.describer);           // once mm exists
 *   kasan.setQuarantineRelease((c, o) => slub.freeFromQuarantine(c, o));
 *   mm uses kasan.hooks; workloads use kasan.access; the run reads kasan.reports.events.
 *
 * hw_tags is built on the arch MTE model passed as `deps.mte` (a `backendFactory` still
 * overrides the built-in backend of any mode); everything else is shared.
 */
import type { BootParams } from "../config/boot-params.js";
import { ARM64_NR_CPUS_DEFAULT } from "../config/kconfig.js";
import type { KasanMode } from "../config/mode.js";
import type { Mte } from "../arch/index.js";
import type { Counters } from "../cost/counters.js";
import type { ExecContext } from "../lib/context.js";
import type { Prng } from "../lib/prng.js";
import type { KasanHooks } from "../mm/kasan-hooks.js";
import { InstrumentedAccess, type KasanAccess, UNCHECKED_ACCESS } from "./common/access.js";
import type { KasanBackend } from "./common/backend.js";
import { KasanEnv, type QuarantineRelease } from "./common/env.js";
import { KasanCommonHooks } from "./common/hooks.js";
import type { KasanStackSaver } from "./common/track.js";
import { GenericBackend } from "./generic/generic-backend.js";
import { HwTagsBackend } from "./hw_tags/hw-tags-backend.js";
import { KASAN_OFF_HOOKS } from "./off/off-hooks.js";
import type { PageTags } from "./page-tags.js";
import type { AddressDescriber } from "./report/address-describer.js";
import { KasanReporter } from "./report/reporter.js";
import { KasanReportSink } from "./report/sink.js";
import { SwTagsBackend } from "./sw_tags/sw-tags-backend.js";

export interface KasanDeps {
  counters: Counters;
  ctx: ExecContext;
  /** Seeds the SW_TAGS per-CPU LCGs (and any other random choice of the backend). */
  prng: Prng;
  /** Page tags of the page allocator (tag modes; required for sw_tags and hw_tags). */
  pageTags?: PageTags;
  /** totalram_pages() for the Generic quarantine limit (default: 1 GiB of RAM). */
  totalRamPages?: number;
  /** CONFIG_NR_CPUS for QUARANTINE_BATCHES (default: arm64 Kconfig default, 512). */
  configNrCpus?: number;
  /** CONFIG_KASAN_VMALLOC for the software modes (default true). */
  kasanVmalloc?: boolean;
  /** slub_debug enabled (Generic metadata placement for tiny objects). */
  slubDebug?: boolean;
  /** The run's Arm MTE machine (required for hw_tags; must share `counters`). */
  mte?: Mte;
  /** hw_tags: system_supports_mte() (default true; false leaves KASAN disabled). */
  systemSupportsMte?: boolean;
}

export type KasanBackendFactory = (env: KasanEnv, deps: KasanDeps) => KasanBackend;

export interface Kasan {
  readonly mode: KasanMode;
  readonly params: BootParams;
  /** The seam mm calls (include/linux/kasan.h). */
  readonly hooks: KasanHooks;
  /** Instrumented and uninstrumented accesses. */
  readonly access: KasanAccess;
  readonly reports: KasanReportSink;
  /** Gating state: multi-shot, kasan_depth (undefined when KASAN is off). */
  readonly reporter: KasanReporter | undefined;
  /** The mode backend (undefined when off). */
  readonly backend: KasanBackend | undefined;
  /** WARN()s hit inside KASAN. */
  readonly warnings: readonly string[];
  setAddressDescriber(d: AddressDescriber): void;
  setQuarantineRelease(release: QuarantineRelease): void;
  setStackSaver(s: KasanStackSaver): void;
}

const DEFAULT_TOTAL_RAM_PAGES = (1 << 30) / 4096;

export function createKasan(mode: KasanMode, params: BootParams, deps: KasanDeps, backendFactory?: KasanBackendFactory): Kasan {
  const reports = new KasanReportSink();
  if (mode === "off") {
    return {
      mode,
      params,
      hooks: KASAN_OFF_HOOKS,
      access: UNCHECKED_ACCESS,
      reports,
      reporter: undefined,
      backend: undefined,
      warnings: [],
      setAddressDescriber: () => {},
      setQuarantineRelease: () => {},
      setStackSaver: () => {},
    };
  }
  const env: { current?: KasanEnv } = {};
  const reporter = new KasanReporter({
    mode,
    params,
    ctx: deps.ctx,
    counters: deps.counters,
    sink: reports,
    describer: () => env.current?.describer,
  });
  const e = new KasanEnv(deps.counters, deps.ctx, params, reporter);
  env.current = e;
  let backend: KasanBackend;
  if (backendFactory !== undefined) {
    backend = backendFactory(e, deps);
  } else if (mode === "generic") {
    backend = new GenericBackend(e, {
      vmalloc: deps.kasanVmalloc,
      slubDebug: deps.slubDebug,
      quarantine: {
        totalRamPages: deps.totalRamPages ?? DEFAULT_TOTAL_RAM_PAGES,
        onlineCpus: deps.ctx.nrCpus,
        configNrCpus: deps.configNrCpus ?? ARM64_NR_CPUS_DEFAULT,
      },
    });
  } else if (mode === "sw_tags") {
    if (deps.pageTags === undefined) throw new Error("createKasan: deps.pageTags is required for sw_tags (page_kasan_tag storage)");
    backend = new SwTagsBackend(e, deps.prng, deps.pageTags, { vmalloc: deps.kasanVmalloc });
  } else {
    if (deps.mte === undefined) throw new Error("createKasan: deps.mte is required for hw_tags (the Arm MTE model)");
    if (deps.pageTags === undefined) throw new Error("createKasan: deps.pageTags is required for hw_tags (page_kasan_tag storage)");
    backend = new HwTagsBackend(e, deps.mte, deps.pageTags, { systemSupportsMte: deps.systemSupportsMte });
  }
  reporter.attach(backend);
  return {
    mode,
    params,
    hooks: new KasanCommonHooks(backend, e),
    access: new InstrumentedAccess(backend, mode === "hw_tags" ? undefined : reporter),
    reports,
    reporter,
    backend,
    warnings: e.warnings,
    setAddressDescriber: (d) => {
      e.describer = d;
    },
    setQuarantineRelease: (r) => {
      e.freeFromQuarantine = r;
    },
    setStackSaver: (s) => {
      e.stackSaver = s;
    },
  };
}
