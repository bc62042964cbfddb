/**
 * Bug type and alloc/free tracks for the tag modes (mm/kasan/report_tags.c): a wrapping access
 * is out-of-bounds; a slab object is looked up in the stack ring (newest matching entry
 * decides); anything else, or no ring entry, is invalid-access.
 */
import { ptrTag } from "../../arch/pointer.js";
import { accessWraps } from "../common/wrap.js";
import type { KasanBugType } from "../report/event.js";
import type { ReportInfo } from "../report/reporter.js";
import type { StackRing } from "./stack-ring.js";

/** get_common_bug_type(). */
export function tagsCommonBugType(info: ReportInfo): KasanBugType {
  if (accessWraps(info.accessAddr, info.accessSize)) return "out-of-bounds";
  return "invalid-access";
}

/** kasan_complete_mode_report_info() for SW_TAGS / HW_TAGS. `ring` is undefined with kasan.stacktrace=off. */
export function completeTagsReportInfo(info: ReportInfo, ring: StackRing | undefined): void {
  if (info.cache === undefined || info.object === undefined) {
    if (info.bugType === undefined) info.bugType = tagsCommonBugType(info);
    return;
  }
  if (ring !== undefined) {
    const r = ring.lookup(info.object, ptrTag(info.accessAddr), info.cache.objectSize);
    info.allocTrack = r.allocTrack;
    info.freeTrack = r.freeTrack;
    if (info.bugType === undefined) info.bugType = r.bugType;
  }
  if (info.bugType === undefined) info.bugType = tagsCommonBugType(info);
}
