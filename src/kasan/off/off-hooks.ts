/**
 * KASAN off (no CONFIG_KASAN): the include/linux/kasan.h stubs. Nothing is poisoned, tagged or
 * checked; allocation hooks return the pointer they were given; kasan_unpoison_pages() returns
 * false, so the page allocator falls back to its own zeroing. Allocator tests use this.
 */
import type { Ptr } from "../../arch/pointer.js";
import type { KasanCacheCreateArgs, KasanCacheView, KasanHooks } from "../../mm/kasan-hooks.js";

export class KasanOffHooks implements KasanHooks {
  readonly enabled = false;
  readonly hwTagsEnabled = false;
  readonly hasIntegratedInit = false;
  /** Used for alignment only when KASAN is off. */
  readonly granuleSize = 8;
  readonly vmallocEnabled = false;

  unpoisonPages(_pfn: number, _order: number, _init: boolean): boolean {
    return false;
  }
  poisonPages(_pfn: number, _order: number, _init: boolean): void {}
  cacheCreate(_args: KasanCacheCreateArgs): void {}
  poisonSlab(_firstPfn: number, _order: number): void {}
  initSlabObj(_cache: KasanCacheView, object: Ptr): Ptr {
    return object;
  }
  unpoisonNewObject(_cache: KasanCacheView, _object: Ptr): void {}
  poisonNewObject(_cache: KasanCacheView, _object: Ptr): void {}
  slabAlloc(_cache: KasanCacheView, object: Ptr, _gfp: number, _init: boolean): Ptr {
    return object;
  }
  kmalloc(_cache: KasanCacheView, object: Ptr, _size: number, _gfp: number): Ptr {
    return object;
  }
  kmallocLarge(ptr: Ptr, _size: number, _gfp: number): Ptr {
    return ptr;
  }
  krealloc(_cache: KasanCacheView | undefined, object: Ptr, _newSize: number, _gfp: number): Ptr {
    return object;
  }
  slabPreFree(_cache: KasanCacheView, _object: Ptr, _ip: number): boolean {
    return false;
  }
  slabFree(_cache: KasanCacheView, _object: Ptr, _init: boolean, _stillAccessible: boolean): boolean {
    return false;
  }
  kfreeLarge(_ptr: Ptr, _headPfn: number, _ip: number): boolean {
    return false;
  }
  checkByte(_ptr: Ptr, _ip: number): boolean {
    return true;
  }
  unpoisonRange(_ptr: Ptr, _size: number): void {}
  mempoolPoisonObject(_ptr: Ptr, _ip: number): boolean {
    return true;
  }
  mempoolUnpoisonObject(_ptr: Ptr, _size: number, _ip: number): void {}
  mempoolPoisonPages(_pfn: number, _order: number, _ip: number): boolean {
    return true;
  }
  mempoolUnpoisonPages(_pfn: number, _order: number, _ip: number): void {}
  recordAuxStack(_ptr: Ptr): void {}
  quarantineReduce(): void {}
  cacheShutdown(_cache: KasanCacheView): void {}
  populateVmalloc(_start: Ptr, _size: number): void {}
  releaseVmalloc(_start: Ptr, _end: Ptr): void {}
  unpoisonVmalloc(start: Ptr, _size: number, _flags: number, _backingPfns: readonly number[]): Ptr {
    return start;
  }
  poisonVmalloc(_start: Ptr, _size: number): void {}
  resetTag(ptr: Ptr): Ptr {
    return ptr;
  }
}

/** A shared instance (the hooks are stateless). */
export const KASAN_OFF_HOOKS: KasanHooks = new KasanOffHooks();
