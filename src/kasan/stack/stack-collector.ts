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

/**
 * Slots of the collector's memo of recent unwinder saves (two-way set associative: a site's
 * alloc and free keys that share a set no longer evict each other on every call), and the
 * longest call stack it keeps.
 */
const MEMO_SLOTS = 1024;
const MEMO_MAX_STACK = 8;

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
  // Memo of recent unwinder saves: the unwound trace is a function of the site's frames and the
  // task's call stack alone, so a save with both identical to a memoised one (whose depot save
  // was repeatable) has the same entries, counts and handle; only the copying and hashing go.
  private readonly memoFrames: (Float64Array | undefined)[] = new Array<Float64Array | undefined>(MEMO_SLOTS).fill(undefined);
  private readonly memoStack = new Float64Array(MEMO_SLOTS * MEMO_MAX_STACK);
  private readonly memoStackLen = new Int32Array(MEMO_SLOTS);
  private readonly memoN = new Int32Array(MEMO_SLOTS);
  private readonly memoHandle = new Float64Array(MEMO_SLOTS);
  /** Entries the depot's filter_irq_stacks() kept of the memoised trace. */
  private readonly memoFiltered = new Int32Array(MEMO_SLOTS);
  /** Per set (slot pair): the way used last (the other one is replaced on a miss). */
  private readonly memoMru = new Uint8Array(MEMO_SLOTS / 2);
  /** The last save was a memo hit in this slot (`buf` not written): lastTrace() rebuilds it. */
  private lastHit = -1;

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
    if (this.lastHit >= 0) this.materialiseHit();
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
    this.lastHit = -1;
    return n;
  }

  save(gfp: number, canAlloc: boolean, site?: KasanStackSite): number {
    if (this.collection === "none") return 0;
    const depot = this.deps.depot;
    if (this.useScs || depot === undefined) {
      const n = this.collect(site);
      return depot === undefined ? 0 : depot.save(this.buf, n, gfp, canAlloc);
    }
    const frames = this.sites.frames(site);
    const st = this.deps.ctx.callStack;
    const len = st.length;
    if (len > MEMO_MAX_STACK) return depot.save(this.buf, this.collect(site), gfp, canAlloc);
    const set = memoSet(frames.length === 0 ? 0 : frames[frames.length - 1], len === 0 ? 0 : st[len - 1]);
    for (let way = 0; way < 2; way++) {
      const slot = 2 * set + way;
      if (this.memoFrames[slot] !== frames || this.memoStackLen[slot] !== len) continue;
      const ms = this.memoStack;
      const base = slot * MEMO_MAX_STACK;
      let i = 0;
      while (i < len && ms[base + i] === st[i]) i++;
      if (i === len) {
        const n = this.memoN[slot];
        const c = this.deps.counters.cur;
        c.framesUnwound += unwindFramesVisited(n);
        c.stackTracesSaved += 1;
        this.lastN = n;
        this.lastHit = slot;
        this.memoMru[set] = way;
        return depot.repeatSave(this.memoHandle[slot], this.memoFiltered[slot]);
      }
    }
    const n = this.collect(site);
    const handle = depot.save(this.buf, n, gfp, canAlloc);
    if (depot.lastSaveRepeatable) {
      // An empty way, else the one not used last.
      const way = this.memoFrames[2 * set] === undefined ? 0 : this.memoFrames[2 * set + 1] === undefined ? 1 : 1 - this.memoMru[set];
      const slot = 2 * set + way;
      this.memoMru[set] = way;
      this.memoFrames[slot] = frames;
      this.memoStackLen[slot] = len;
      const base = slot * MEMO_MAX_STACK;
      for (let i = 0; i < len; i++) this.memoStack[base + i] = st[i];
      this.memoN[slot] = n;
      this.memoHandle[slot] = handle;
      this.memoFiltered[slot] = depot.lastFiltered;
    }
    return handle;
  }

  /** Write the trace of the memo hit `lastHit` into `buf` (as collect() would have). */
  private materialiseHit(): void {
    const slot = this.lastHit;
    const base = slot * MEMO_MAX_STACK;
    const stack = Array.from(this.memoStack.subarray(base, base + this.memoStackLen[slot]));
    this.lastN = stackTraceSaveUnwindEntries(this.memoFrames[slot] as Float64Array, stack, this.buf, KASAN_STACK_DEPTH);
    this.lastHit = -1;
  }
}

/**
 * The memo set of (site frames, innermost call-stack entry): the low bits of the site's
 * outermost frame (the allocator's entry point, so alloc and free sites differ) and of the
 * caller's address, mixed; the top 9 bits of the product pick one of MEMO_SLOTS / 2 sets.
 */
export function memoSet(siteFrame: number, ip: number): number {
  return Math.imul((ip >>> 2) ^ Math.imul(siteFrame >>> 2, 0x85ebca6b), 0x9e3779b1) >>> 23;
}
