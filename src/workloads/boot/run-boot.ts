/**
 * The boot workload: the shipped trace of a real Linux 6.12 boot (every kmem and vmalloc
 * tracepoint from early start_kernel() to init, data/traces/) replayed into a model kernel
 * under one KASAN mode, tagging policy and stack collection flavour, plus the ordinary
 * accesses of the boot as a parameter (ordinary-accesses.ts). docs/boot-workload.md says what
 * the replay covers and what it does not.
 *
 *   const [hw, generic] = await runBoots([{ mode: "hw_tags", seed: 1 }, { mode: "generic", seed: 1, stacks: "scs" }]);
 *   hw.memory.slabPagesEnd;  generic.counters.total.framesCopiedScs;
 *
 * runBoots() streams the trace once and feeds every run from it (one kernel per run), so the
 * fourteen boots of seeds 003 and 004 cost one inflate and parse.
 */
import type { KernelConfig } from "../../config/kconfig.js";
import type { KasanMode } from "../../config/mode.js";
import { ORIGINS, type CounterName, type Origin } from "../../cost/counters.js";
import type { StackCollection } from "../../kernel/stack-depot.js";
import type { Kallsyms } from "../../lib/kallsyms.js";
import { resolvePolicies } from "../../policy/policies.js";
import type { ReplayMemory } from "../replay/memory-accounting.js";
import { OUTCOMES, type EventKindRow } from "../replay/outcomes.js";
import { TraceReplay, type ReplayRunResult } from "../replay/replay.js";
import { shippedBootTracePath } from "./boot-trace.js";
import { ordinaryAccesses, type OrdinaryAccesses } from "./ordinary-accesses.js";
import { openTraceSource } from "./trace-source.js";

export interface BootRunSpec {
  mode: KasanMode;
  /** Tagging policy spec as `--policy` takes it (default "baseline"). */
  policy?: string;
  /** KASAN stack collection flavour (seed 004; default "unwinder"). */
  stacks?: StackCollection;
  /** Save stacks in the stack depot (default true). */
  stackDepot?: boolean;
  /** The build's .config (default: the mode's defaults, with SHADOW_CALL_STACK for the SCS flavours). */
  config?: KernelConfig;
  cmdline?: string;
  seed: number;
  /** N_acc, the ordinary loads and stores of the boot (default: not included). */
  ordinaryAccesses?: number;
  /**
   * Return addresses below each traced call site (default 0: the stack is KASAN's own frames,
   * the allocator entry and the traced call_site, as the trace records it). A real boot's
   * allocation stacks run deeper (callers of the call site up to kernel_init or the kthread); this
   * adds that many frames under every replayed operation, so stack collection walks/copies them.
   */
  outerFrames?: number;
}

export interface BootWorkloadOptions {
  /** The trace to replay, plain or gzip (default: the shipped data/traces/trace-boot.txt.gz). */
  trace?: string;
  /** Called per chunk read with the file bytes read so far and the file size. */
  onProgress?: (fileBytesRead: number, fileBytes: number) => void;
}

/** Where every event of the trace went; the fields add up to `events`. */
export interface BootEventSummary {
  /** Replayed into the model, or produced by the model itself (derived: slab pages, vmalloc metadata, depot pools). */
  placed: number;
  /** Frees of memory allocated before tracing started (or without a trace event). */
  unplaceable: number;
  /** Allocations that failed in the traced kernel or in the model. */
  failed: number;
  /** Events replay does not model, and markers. */
  ignored: number;
  markers: number;
}

export interface BootRunResult {
  mode: KasanMode;
  policy: string;
  stacks: StackCollection;
  stackDepot: boolean;
  seed: number;
  trace: { path: string; gzip: boolean; lines: number; events: number; lostEvents: number };
  counters: { total: Record<CounterName, number>; byOrigin: Record<Origin, Record<CounterName, number>> };
  /** Slab at the end and peak, pages in use, redzones/metadata, shadow, quarantine, depot, stack ring. */
  memory: ReplayMemory;
  /** Events in the trace. */
  events: number;
  /** Per event kind: how many ended in each outcome (replayed, derived, unplaceable, …). */
  outcomes: EventKindRow[];
  summary: BootEventSummary;
  /** Reasons of the unplaceable and derived events, and the other event kinds seen. */
  unplaceable: Record<string, number>;
  derived: Record<string, number>;
  otherEvents: Record<string, number>;
  ordinaryAccesses: OrdinaryAccesses;
  warnings: string[];
}

/** Replay the boot trace once for each spec (one pass over the trace). */
export async function runBoots(specs: readonly BootRunSpec[], opts: BootWorkloadOptions = {}): Promise<BootRunResult[]> {
  if (specs.length === 0) throw new Error("runBoots: no runs");
  const resolved = specs.map((s) => {
    const n = s.outerFrames ?? 0;
    if (!Number.isInteger(n) || n < 0 || n > MAX_OUTER_FRAMES) throw new RangeError(`runBoots: outerFrames: expected an integer from 0 to ${MAX_OUTER_FRAMES}, got ${n}`);
    const { policy, warnings } = resolvePolicies(s.policy ?? "baseline");
    const access = ordinaryAccesses(s.mode, s.ordinaryAccesses);
    return { spec: s, policy, warnings, access };
  });
  // Open the trace before booting kernels: a missing file fails at once.
  const src = openTraceSource(opts.trace ?? shippedBootTracePath());
  const replay = new TraceReplay({
    runs: resolved.map(({ spec, policy }) => ({
      mode: spec.mode,
      policy: spec.policy ?? "baseline",
      boot: { mode: spec.mode, config: spec.config, cmdline: spec.cmdline, seed: spec.seed, policy, stacks: spec.stacks, stackDepot: spec.stackDepot },
    })),
  });
  let r: ReturnType<TraceReplay["finish"]>;
  try {
    resolved.forEach(({ spec }, i) => {
      const ctx = replay.engines[i].k.ctx;
      ctx.callStack = outerCallChain(ctx.kallsyms, spec.outerFrames ?? 0);
    });
    for await (const chunk of src.chunks) {
      replay.push(chunk);
      opts.onProgress?.(src.fileBytesRead(), src.fileBytes);
    }
    r = replay.finish();
  } catch (e) {
    // Stop a parse worker the replay may run (TraceReplay.close where the replay has one).
    (replay as { close?: () => void }).close?.();
    throw e;
  }
  return r.runs.map((run, i) => {
    const { spec, warnings, access } = resolved[i];
    const k = replay.engines[i].k;
    const stacks = spec.stacks ?? "unwinder";
    const notes = [...warnings, ...k.bootWarnings, ...run.warnings];
    if ((stacks === "scs" || stacks === "scs-noscs") && !k.config.shadowCallStack && spec.mode !== "off") {
      notes.push(`--stacks ${stacks} without CONFIG_SHADOW_CALL_STACK: KASAN falls back to the unwinder`);
    }
    return {
      mode: spec.mode,
      policy: run.policy,
      stacks,
      stackDepot: spec.stackDepot ?? true,
      seed: spec.seed,
      trace: { path: src.path, gzip: src.gzip, lines: r.trace.lines, events: r.trace.events, lostEvents: r.trace.lostEvents },
      counters: countersOf(run),
      memory: run.memory,
      events: r.trace.events,
      outcomes: run.events,
      summary: summarise(run.events),
      unplaceable: run.unplaceable,
      derived: run.derived,
      otherEvents: run.otherEvents,
      ordinaryAccesses: access,
      warnings: notes,
    };
  });
}

/** Most outer frames: KASAN_STACK_DEPTH (64) less the deepest KASAN site (5) and the call site. */
export const MAX_OUTER_FRAMES = 58;

/** The chain every boot-time allocation from an initcall runs under, outermost first. */
const INITCALL_CHAIN = ["ret_from_fork", "kernel_init", "kernel_init_freeable", "do_initcalls", "do_initcall_level", "do_one_initcall"];

/**
 * `n` return addresses, outermost first: the initcall chain, then (past its 6 functions) a
 * chain of stand-in callers `boot_caller_1`, `boot_caller_2`, … — the trace does not say who
 * called the call site, only that someone did.
 */
export function outerCallChain(kallsyms: Kallsyms, n: number): number[] {
  const names: string[] = [];
  for (let i = 0; i < n; i++) names.push(i < INITCALL_CHAIN.length ? INITCALL_CHAIN[i] : `boot_caller_${i - INITCALL_CHAIN.length + 1}`);
  return names.map((name, i) => kallsyms.callSite(name, i + 1 < names.length ? names[i + 1] : "<traced call site>"));
}

/** Replay the boot trace for one spec. */
export async function runBoot(spec: BootRunSpec, opts: BootWorkloadOptions = {}): Promise<BootRunResult> {
  const [r] = await runBoots([spec], opts);
  return r;
}

function countersOf(run: ReplayRunResult): BootRunResult["counters"] {
  const byOrigin = {} as Record<Origin, Record<CounterName, number>>;
  for (const o of ORIGINS) byOrigin[o] = { ...run.byOrigin[o] };
  return { total: { ...run.total }, byOrigin };
}

/** Fold the outcome table into the summary (every outcome lands in exactly one field). */
export function summarise(rows: readonly EventKindRow[]): BootEventSummary {
  const s: BootEventSummary = { placed: 0, unplaceable: 0, failed: 0, ignored: 0, markers: 0 };
  for (const row of rows) {
    for (const o of OUTCOMES) {
      const n = row[o];
      if (o === "replayed" || o === "derived" || o === "beforeWindow") s.placed += n;
      else if (o === "unplaceable") s.unplaceable += n;
      else if (o === "failedInTrace" || o === "failedInModel") s.failed += n;
      else if (o === "marker") s.markers += n;
      else s.ignored += n;
    }
  }
  return s;
}
