/**
 * Probing simulated memory the way a buggy kernel path would: one access through a pointer
 * (did KASAN report it?), and a sweep of forged pointer tags over one address (which tags
 * fault?). After a synchronous hw_tags fault the arch turns tag checks off on the CPU
 * (do_tag_recovery); the probe re-arms them as the KUnit harness does (kasan_enable_hw_tags),
 * so the next probe is checked again. Kernels are booted with kasan_multi_shot.
 */
import { makePtr, ptrTag, TAG_INVALID, TAG_KERNEL, type Ptr } from "../../arch/pointer.js";
import type { KasanMode } from "../../config/mode.js";
import { HwTagsBackend } from "../../kasan/hw_tags/hw-tags-backend.js";
import type { Kernel } from "../../kernel/kernel.js";

/** One access of `size` bytes through `p`; true when KASAN reported it. */
export function probeAccess(k: Kernel, p: Ptr, size: number, write: boolean): boolean {
  const before = k.reports.count;
  if (write) k.access.write(p, size);
  else k.access.read(p, size);
  const reported = k.reports.count > before;
  const b = k.kasan.backend;
  if (reported && b instanceof HwTagsBackend) b.enableHwTags(k.ctx.cpu);
  return reported;
}

/**
 * The tags a stray (wild or forged) pointer can carry in `mode`: a random tag of the mode's
 * range (hw_tags 0xF0–0xFD, sw_tags 0x00–0xFD). Generic KASAN has no pointer tags: a stray
 * pointer is a plain kernel address (0xFF).
 */
export function strayTags(mode: KasanMode): number[] {
  const lo = mode === "hw_tags" ? 0xf0 : mode === "sw_tags" ? 0x00 : -1;
  if (lo < 0) return [TAG_KERNEL];
  const tags: number[] = [];
  for (let t = lo; t <= 0xfd; t++) tags.push(t);
  return tags;
}

export interface TagSweep {
  /** The stray-tag range swept (strayTags(mode)). */
  tags: number[];
  /** Of those, the ones whose access was not reported. */
  passed: number[];
  /** Whether a 0xFE (KASAN_TAG_INVALID) and a 0xFF (match-all) pointer faulted. */
  poisonFaults: boolean;
  matchAllFaults: boolean;
}

/** Access `offset` (an untagged address) once with every stray tag, then with 0xFE and 0xFF. */
export function sweepTags(k: Kernel, offset: number, size: number, write: boolean): TagSweep {
  const tags = strayTags(k.mode);
  const passed = tags.filter((t) => !probeAccess(k, makePtr(t, offset), size, write));
  const poisonFaults = probeAccess(k, makePtr(TAG_INVALID, offset), size, write);
  const matchAllFaults = probeAccess(k, makePtr(TAG_KERNEL, offset), size, write);
  return { tags, passed, poisonFaults, matchAllFaults };
}

/** Probability that a stray pointer with a uniformly random tag is reported. */
export function sweepChance(s: TagSweep): number {
  return (s.tags.length - s.passed.length) / s.tags.length;
}

export function hex2(t: number): string {
  return "0x" + t.toString(16).toUpperCase().padStart(2, "0");
}

/** "all 14 fault", "0xF4 passes, 13 of 14 fault", "none of 14 fault", for the detail text. */
export function describeSweep(s: TagSweep): string {
  const n = s.tags.length;
  const f = n - s.passed.length;
  const head =
    s.passed.length === 0 ? `all ${n} stray tags fault` : f === 0 ? `none of ${n} stray tags fault` : `${s.passed.length <= 3 ? s.passed.map(hex2).join(",") : s.passed.length + " tags"} pass, ${f} of ${n} fault`;
  return `${head}; 0xFE ${s.poisonFaults ? "faults" : "passes"}; 0xFF ${s.matchAllFaults ? "faults" : "passes"}`;
}

/**
 * Chance that a stale pointer is reported. When its tag is a random one drawn independently of
 * the tag the memory carries now (`independent`), that is the share of random tags that fault
 * at the address; otherwise the access itself decides.
 */
export function staleChance(k: Kernel, p: Ptr, size: number, write: boolean, independent: boolean, offset: number): { chance: number; reported: boolean; sweep: TagSweep } {
  const reported = probeAccess(k, p, size, write);
  const sweep = sweepTags(k, offset, size, write);
  const random = strayTags(k.mode).includes(ptrTag(p)) && k.mode !== "generic";
  return { chance: independent && random ? sweepChance(sweep) : reported ? 1 : 0, reported, sweep };
}
