/**
 * The KASAN / init decisions the page allocator takes on every allocation and free
 * (mm/page_alloc.c, 6.12): post_alloc_hook, free_pages_prepare and their predicates
 * should_skip_init, should_skip_kasan_unpoison, should_skip_kasan_poison, kernel_init_pages.
 *
 * Zeroing happens at most once per allocation: __GFP_ZEROTAGS' tag_clear_highpage, KASAN's
 * integrated init (hw_tags: STZG / DC GZVA while tagging, requested through `init`), or
 * kernel_init_pages — each path that zeroes turns `init` off for the ones after it. With
 * init_on_free the zeroing moves to the free side and the allocation skips it.
 */
import type { KasanMode } from "../../config/mode.js";
import type { Counters } from "../../cost/counters.js";
import type { ArchPageOps } from "../arch-page-ops.js";
import { __GFP_SKIP_KASAN, __GFP_SKIP_ZERO, __GFP_ZERO, __GFP_ZEROTAGS } from "../gfp.js";
import type { KasanHooks } from "../kasan-hooks.js";
import { __GFP_TAGGED } from "../../policy/gfp-tagged.js";
import { resetTagsAt, type PageArray } from "./page-array.js";

/** What the hooks need from the allocator (the allocator itself implements it). */
export interface PageHookEnv {
  readonly pages: PageArray;
  readonly hooks: KasanHooks;
  readonly arch: ArchPageOps;
  readonly counters: Counters;
  /** init_on_alloc= boot parameter (static key). */
  readonly initOnAlloc: boolean;
  /** init_on_free= boot parameter (static key). */
  readonly initOnFree: boolean;
  /** The KASAN mode the kernel is built with (IS_ENABLED(CONFIG_KASAN_*)). */
  readonly mode: KasanMode;
  /** mode is generic or sw_tags, and mode is generic (precomputed: no string compares per page). */
  readonly softwareKasanMode: boolean;
  readonly genericKasanMode: boolean;
  /** Policy "untagged-by-default" (src/policy): only __GFP_TAGGED allocations are unpoisoned. */
  readonly untaggedByDefault?: boolean;
}

/** want_init_on_alloc(flags): init_on_alloc, or __GFP_ZERO. */
export function wantInitOnAlloc(env: PageHookEnv, gfp: number): boolean {
  return env.initOnAlloc || (gfp & __GFP_ZERO) !== 0;
}

/** should_skip_init(flags): only hw_tags (enabled) honours __GFP_SKIP_ZERO. */
export function shouldSkipInit(env: PageHookEnv, gfp: number): boolean {
  if (!env.hooks.hwTagsEnabled) return false;
  return (gfp & __GFP_SKIP_ZERO) !== 0;
}

/**
 * should_skip_kasan_unpoison(flags): never for the software modes; always when hw_tags is not
 * enabled (KASAN off, kasan=off, no MTE); else when __GFP_SKIP_KASAN is set.
 */
export function shouldSkipKasanUnpoison(env: PageHookEnv, gfp: number): boolean {
  if (env.softwareKasanMode) return false;
  if (!env.hooks.hwTagsEnabled) return true;
  // --- policy hook (untagged-by-default, seed 001 review): allocations that do not opt in skip.
  if (env.untaggedByDefault === true && (gfp & __GFP_TAGGED) === 0) return true;
  return (gfp & __GFP_SKIP_KASAN) !== 0;
}

/**
 * should_skip_kasan_poison(page): generic skips only during deferred struct-page init (over by
 * the time anything runs here); the tag modes skip pages whose page tag is KASAN_TAG_KERNEL —
 * never unpoisoned (__GFP_SKIP_KASAN, sampled out, boot memory), so nothing to poison.
 */
export function shouldSkipKasanPoison(env: PageHookEnv, pfn: number): boolean {
  if (env.genericKasanMode) return false;
  return env.pages.kasanTag(pfn) === 0xff;
}

/** kernel_init_pages(page, numpages): clear_highpage on each page, KASAN checks off. */
export function kernelInitPages(env: PageHookEnv, pfn: number, nr: number): void {
  const arch = env.arch;
  for (let k = 0; k < nr; k++) arch.clearHighpage(pfn + k);
}

/** kasan_unpoison_pages() wrapper: the hook runs only when kasan_enabled(). */
function kasanUnpoisonPages(env: PageHookEnv, pfn: number, order: number, init: boolean): boolean {
  if (!env.hooks.enabled) return false;
  const c = env.counters.cur;
  c.kasanUnpoisonPages++;
  const done = env.hooks.unpoisonPages(pfn, order, init);
  if (!done) c.kasanUnpoisonSampledOut++;
  return done;
}

/** post_alloc_hook(page, order, gfp_flags): the KASAN and zeroing part. */
export function postAllocHook(env: PageHookEnv, pfn: number, order: number, gfp: number): void {
  const nr = 2 ** order;
  let init = !env.initOnFree && wantInitOnAlloc(env, gfp) && !shouldSkipInit(env, gfp);
  const zeroTags = init && (gfp & __GFP_ZEROTAGS) !== 0;

  if (zeroTags) {
    // Data and tags zeroed together; nothing later may zero again.
    for (let k = 0; k < nr; k++) env.arch.tagClearHighpage(pfn + k);
    init = false;
  }
  const skipUnpoison = shouldSkipKasanUnpoison(env, gfp);
  if (skipUnpoison) env.counters.cur.kasanSkippedUnpoison++;
  if (!skipUnpoison && kasanUnpoisonPages(env, pfn, order, init)) {
    // hw_tags zeroed while tagging.
    if (env.hooks.hasIntegratedInit) init = false;
  } else {
    // Untagged by KASAN: page_address() must carry the match-all tag.
    const pages = env.pages;
    resetTagsAt(pages.flagsArr, pfn - pages.minPfn, nr);
  }
  if (init) kernelInitPages(env, pfn, nr);
}

/**
 * free_pages_prepare(page, order): the KASAN and zeroing part. The page-state clearing is
 * done by the allocator before calling this; returns true (the page may be freed).
 */
export function freePagesPrepareKasan(env: PageHookEnv, pfn: number, order: number): boolean {
  const skipKasanPoison = shouldSkipKasanPoison(env, pfn);
  let init = env.initOnFree;
  const c = env.counters.cur;
  if (!skipKasanPoison) {
    if (env.hooks.enabled) {
      c.kasanPoisonPages++;
      env.hooks.poisonPages(pfn, order, init);
    }
    if (env.hooks.hasIntegratedInit) init = false;
  } else {
    c.kasanSkippedPoison++;
  }
  if (init) kernelInitPages(env, pfn, 2 ** order);
  return true;
}
