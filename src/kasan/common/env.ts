/**
 * What every KASAN piece of one run shares: counters, the current CPU/task, boot parameters,
 * the reporter, and the late-bound links to mm (address describer, quarantine release) and to
 * the stack depot. The kernel facade builds mm after KASAN (mm calls the hooks), so those links
 * are settable after construction.
 */
import type { Ptr } from "../../arch/pointer.js";
import type { BootParams } from "../../config/boot-params.js";
import type { Counters } from "../../cost/counters.js";
import type { ExecContext } from "../../lib/context.js";
import type { KasanCacheView } from "../../mm/kasan-hooks.js";
import type { AddressDescriber } from "../report/address-describer.js";
import type { KasanReporter } from "../report/reporter.js";
import { type KasanStackSaver, type KasanStackSite, NO_STACK_DEPOT } from "./track.js";

/** ___cache_free(cache, object): the slab allocator takes an object back from the quarantine. */
export type QuarantineRelease = (cache: KasanCacheView, object: Ptr) => void;

export class KasanEnv {
  describer: AddressDescriber | undefined = undefined;
  stackSaver: KasanStackSaver = NO_STACK_DEPOT;
  freeFromQuarantine: QuarantineRelease | undefined = undefined;
  /** WARN()s KASAN hit (misaligned poison arguments and the like), in order. */
  readonly warnings: string[] = [];

  constructor(
    readonly counters: Counters,
    readonly ctx: ExecContext,
    readonly params: BootParams,
    readonly reporter: KasanReporter,
  ) {}

  warn(msg: string): void {
    this.warnings.push(msg);
    this.counters.cur.kasanWarnings += 1;
  }

  /** kasan_save_track(): pid of current and a depot handle. */
  saveTrack(gfp: number, canAlloc: boolean, site?: KasanStackSite): { pid: number; stack: number } {
    return { pid: this.ctx.pid, stack: this.stackSaver.save(gfp, canAlloc, site) };
  }

  /** kasan_save_stack(): the depot handle alone (the tag modes' ring stores pid beside it). */
  saveStack(gfp: number, canAlloc: boolean, site?: KasanStackSite): number {
    return this.stackSaver.save(gfp, canAlloc, site);
  }
}
