/**
 * A KasanHooks for page-allocator tests and benches: it records every page hook call and can
 * stand in for any mode's page behaviour (hw_tags with or without sampling, the software modes,
 * KASAN off). Only the page hooks are implemented; the slab and vmalloc hooks throw, because
 * nothing under src/mm/page_alloc calls them.
 */
import type { Ptr } from "../../arch/pointer.js";
import type { KasanMode } from "../../config/mode.js";
import type { KasanCacheCreateArgs, KasanCacheView, KasanHooks } from "../kasan-hooks.js";
import type { PageArray } from "./page-array.js";

export interface PageHookCall {
  hook: "unpoisonPages" | "poisonPages";
  pfn: number;
  order: number;
  init: boolean;
}

export interface RecordingKasanHooksOptions {
  mode: KasanMode;
  /** hw_tags only: false models kasan=off / no MTE (configured but disabled). Default true. */
  hwEnabled?: boolean;
  /** Tag the pages get when unpoisoned in a tag mode (default 0xF3). */
  tag?: number;
  /** hw_tags page_alloc sampling: decide per call whether the allocation is tagged. */
  sample?: (order: number) => boolean;
  /** Memmap whose page tags to set, as the real hooks do (optional). */
  pages?: PageArray;
  /** Keep a log of the calls (default true; set false in benches). */
  record?: boolean;
  /** Called for every zeroing done by KASAN itself (integrated init), per page. */
  onZero?: (pfn: number) => void;
}

export class RecordingKasanHooks implements KasanHooks {
  readonly enabled: boolean;
  readonly hwTagsEnabled: boolean;
  readonly hasIntegratedInit: boolean;
  readonly granuleSize: number;
  readonly vmallocEnabled: boolean;
  readonly calls: PageHookCall[] = [];
  private readonly tagModes: boolean;

  constructor(private readonly opts: RecordingKasanHooksOptions) {
    const hw = opts.mode === "hw_tags" && (opts.hwEnabled ?? true);
    this.enabled = opts.mode === "generic" || opts.mode === "sw_tags" || hw;
    this.hwTagsEnabled = hw;
    this.hasIntegratedInit = hw;
    this.granuleSize = opts.mode === "generic" || opts.mode === "off" ? 8 : 16;
    this.vmallocEnabled = this.enabled;
    this.tagModes = opts.mode === "sw_tags" || hw;
  }

  unpoisonPages(pfn: number, order: number, init: boolean): boolean {
    if (this.opts.record !== false) this.calls.push({ hook: "unpoisonPages", pfn, order, init });
    if (this.hwTagsEnabled && this.opts.sample !== undefined && !this.opts.sample(order)) return false;
    const nr = 2 ** order;
    if (this.tagModes && this.opts.pages !== undefined) this.opts.pages.setKasanTagRange(pfn, nr, this.opts.tag ?? 0xf3);
    if (init && this.hasIntegratedInit && this.opts.onZero !== undefined) {
      for (let k = 0; k < nr; k++) this.opts.onZero(pfn + k);
    }
    return true;
  }

  poisonPages(pfn: number, order: number, init: boolean): void {
    if (this.opts.record !== false) this.calls.push({ hook: "poisonPages", pfn, order, init });
    if (init && this.hasIntegratedInit && this.opts.onZero !== undefined) {
      for (let k = 0; k < 2 ** order; k++) this.opts.onZero(pfn + k);
    }
  }

  cacheCreate(_args: KasanCacheCreateArgs): void {
    unused("cacheCreate");
  }
  poisonSlab(_firstPfn: number, _order: number): void {
    unused("poisonSlab");
  }
  initSlabObj(_cache: KasanCacheView, _object: Ptr): Ptr {
    return unused("initSlabObj");
  }
  unpoisonNewObject(_cache: KasanCacheView, _object: Ptr): void {
    unused("unpoisonNewObject");
  }
  poisonNewObject(_cache: KasanCacheView, _object: Ptr): void {
    unused("poisonNewObject");
  }
  slabAlloc(_cache: KasanCacheView, _object: Ptr, _gfp: number, _init: boolean): Ptr {
    return unused("slabAlloc");
  }
  kmalloc(_cache: KasanCacheView, _object: Ptr, _size: number, _gfp: number): Ptr {
    return unused("kmalloc");
  }
  kmallocLarge(_ptr: Ptr, _size: number, _gfp: number): Ptr {
    return unused("kmallocLarge");
  }
  krealloc(_cache: KasanCacheView | undefined, _object: Ptr, _newSize: number, _gfp: number): Ptr {
    return unused("krealloc");
  }
  slabPreFree(_cache: KasanCacheView, _object: Ptr, _ip: number): boolean {
    return unused("slabPreFree");
  }
  slabFree(_cache: KasanCacheView, _object: Ptr, _init: boolean, _stillAccessible: boolean): boolean {
    return unused("slabFree");
  }
  kfreeLarge(_ptr: Ptr, _headPfn: number, _ip: number): boolean {
    return unused("kfreeLarge");
  }
  checkByte(_ptr: Ptr, _ip: number): boolean {
    return unused("checkByte");
  }
  unpoisonRange(_ptr: Ptr, _size: number): void {
    unused("unpoisonRange");
  }
  mempoolPoisonObject(_ptr: Ptr, _ip: number): boolean {
    return unused("mempoolPoisonObject");
  }
  mempoolUnpoisonObject(_ptr: Ptr, _size: number, _ip: number): void {
    unused("mempoolUnpoisonObject");
  }
  mempoolPoisonPages(_pfn: number, _order: number, _ip: number): boolean {
    return unused("mempoolPoisonPages");
  }
  mempoolUnpoisonPages(_pfn: number, _order: number, _ip: number): void {
    unused("mempoolUnpoisonPages");
  }
  recordAuxStack(_ptr: Ptr): void {
    unused("recordAuxStack");
  }
  quarantineReduce(): void {
    unused("quarantineReduce");
  }
  cacheShutdown(_cache: KasanCacheView): void {
    unused("cacheShutdown");
  }
  populateVmalloc(_start: Ptr, _size: number): void {
    unused("populateVmalloc");
  }
  releaseVmalloc(_start: Ptr, _end: Ptr): void {
    unused("releaseVmalloc");
  }
  unpoisonVmalloc(_start: Ptr, _size: number, _flags: number, _backingPfns: readonly number[]): Ptr {
    return unused("unpoisonVmalloc");
  }
  poisonVmalloc(_start: Ptr, _size: number): void {
    unused("poisonVmalloc");
  }
  resetTag(_ptr: Ptr): Ptr {
    return unused("resetTag");
  }
}

function unused(hook: string): never {
  throw new Error(`RecordingKasanHooks.${hook}: not a page allocator hook (only unpoisonPages/poisonPages are modelled)`);
}
