/**
 * kasan_save_stack() (mm/kasan/common.c): collect the current call stack into a
 * KASAN_STACK_DEPTH-entry buffer and save it in the stack depot. The collection flavours are
 * those measured in seed 004:
 *   unwinder   the frame-pointer unwinder (6.12 as is; `framesUnwound` per frame record)
 *   scs        copy from the Shadow Call Stack (the RFC; `framesCopiedScs` per slot); falls
 *              back to the unwinder without CONFIG_SHADOW_CALL_STACK, as the RFC does on -ENOSYS
 *   scs-noscs  the RFC with its helpers marked __noscs (same frames; counted separately in
 *              `stackTracesSavedNoscs` because the helpers stop being inlined)
 *   none       no stack trace collection (handle 0)
 * and `stackDepot: false` collects but does not save (the seed's master-no-stack-depot): handle 0.
 */
import { interruptedFrameIndices } from "../../arch/stacktrace/irq-entry.js";
import { stackTraceSaveShadow } from "../../arch/stacktrace/scs.js";
import { stackTraceSaveUnwindEntries, unwindFramesVisited } from "../../arch/stacktrace/unwind.js";
import type { Counters } from "../../cost/counters.js";
import type { ExecContext } from "../../lib/context.js";
import type { StackDepot } from "../../lib/stackdepot/stack-depot.js";
import type { KasanStackSaver, KasanStackSite } from "../common/track.js";
import { type StackSiteMode, StackSites } from "./sites.js";

/** KASAN_STACK_DEPTH (mm/kasan/kasan.h): entries of kasan_save_stack()'s buffer. */
export const KASAN_STACK_DEPTH = 64;

export type StackCollection = "unwinder" | "scs" | "scs-noscs" | "none";

/** How stacks are collected and kept (CLI: `--stacks`, `--stack-depot off`). */
export interface KasanStackOptions {
  /** Collection flavour (default "unwinder"). */
  stacks?: StackCollection;
  /** Save traces in the stack depot (default true); off = every handle is 0. */
  stackDepot?: boolean;
  /** CONFIG_SHADOW_CALL_STACK (default true when `stacks` is an SCS flavour). */
  shadowCallStack?: boolean;
}

export const STACK_COLLECTIONS: readonly StackCollection[] = ["unwinder", "scs", "scs-noscs", "none"];

export interface KasanStackCollectorDeps {
  ctx: ExecContext;
  counters: Counters;
  mode: StackSiteMode;
  /** undefined = no depot (handles are 0). */
  depot: StackDepot | undefined;
  options?: KasanStackOptions;
}

export class KasanStackCollector implements KasanStackSaver {
  readonly collection: StackCollection;
  private readonly useScs: boolean;
  private readonly sites: StackSites;
  private readonly buf = new Float64Array(KASAN_STACK_DEPTH);
  private lastN = 0;

  constructor(private readonly deps: KasanStackCollectorDeps) {
    const o = deps.options ?? {};
    this.collection = o.stacks ?? "unwinder";
    if (!STACK_COLLECTIONS.includes(this.collection)) throw new Error(`stack collection: expected one of ${STACK_COLLECTIONS.join(", ")}, got ${String(o.stacks)}`);
    const scs = this.collection === "scs" || this.collection === "scs-noscs";
    this.useScs = scs && (o.shadowCallStack ?? true);
    this.sites = new StackSites(deps.ctx.kallsyms, deps.mode);
  }

  get depot(): StackDepot | undefined {
    return this.deps.depot;
  }

  /** The entries of the last collected trace (innermost first), before the depot. */
  lastTrace(): number[] {
    return Array.from(this.buf.subarray(0, this.lastN));
  }

  /** Collect the current stack (with `site`'s frames above the caller) into the buffer. */
  collect(site?: KasanStackSite): number {
    const ctx = this.deps.ctx;
    const frames = this.sites.frames(site);
    const c = this.deps.counters.cur;
    let n: number;
    if (this.useScs) {
      const w = stackTraceSaveShadow(frames, ctx.callStack, interruptedFrameIndices(ctx), this.buf, KASAN_STACK_DEPTH);
      c.framesCopiedScs += w.framesVisited;
      c.stackTracesSavedScs += 1;
      if (this.collection === "scs-noscs") {
        c.stackTracesSavedNoscs += 1;
        c.framesCopiedScsNoscs += w.framesVisited;
      }
      n = w.nrEntries;
    } else {
      n = stackTraceSaveUnwindEntries(frames, ctx.callStack, this.buf, KASAN_STACK_DEPTH);
      c.framesUnwound += unwindFramesVisited(n);
    }
    c.stackTracesSaved += 1;
    this.lastN = n;
    return n;
  }

  save(gfp: number, canAlloc: boolean, site?: KasanStackSite): number {
    if (this.collection === "none") return 0;
    const n = this.collect(site);
    const depot = this.deps.depot;
    return depot === undefined ? 0 : depot.save(this.buf, n, gfp, canAlloc);
  }
}
