/**
 * The memory a replayed trace costs in one model kernel: what /proc/meminfo would call Slab
 * (slab pages plus page-backed kmalloc) at the end and at its peak, all pages in use, the
 * bytes each live traced object takes beyond what was asked for (size-class rounding;
 * redzones, alignment and KASAN/SLUB metadata in the slot), and KASAN's own memory: shadow
 * (Generic 1/8, SW_TAGS 1/16 of the memory it covers — all RAM at boot, plus the vmalloc shadow
 * pages kasan_populate_vmalloc maps per vmap area), the Generic quarantine, stack depot pools
 * and hash table, and the tag modes' stack ring.
 */
import type { Kernel } from "../../kernel/kernel.js";
import { KASAN_NO_FREE_META } from "../../mm/kasan-hooks.js";
import { PAGE_SIZE, getOrder } from "../../mm/memory-layout.js";
import type { KmemCache } from "../../mm/slab/kmem-cache.js";
import { KMALLOC_MAX_CACHE_SIZE } from "../../mm/slab/sizes.js";
import { DEPOT_POOL_SIZE, STACK_BUCKET_BYTES, STACK_BUCKET_NUMBER_ORDER_MAX } from "../../lib/stackdepot/stack-depot.js";
import { VMALLOC_BASE, ptrOffset } from "../../arch/pointer.js";
import type { LiveObject, ReplayCache } from "./replay-engine.js";

/** sizeof(struct kasan_alloc_meta) / sizeof(struct kasan_free_meta) (64-bit, no EXTRA_INFO). */
const KASAN_ALLOC_META_SIZE = 16;
const KASAN_FREE_META_SIZE = 16;
/** sizeof(void *): SLUB's free pointer when it lives outside the object. */
const FREE_POINTER_SIZE = 8;
/** sizeof(struct kasan_stack_ring_entry): ptr, size_t size, kasan_track (pid, handle), bool. */
export const STACK_RING_ENTRY_SIZE = 32;
/** KASAN_STACK_RING_SIZE_DEFAULT. */
export const STACK_RING_SIZE_DEFAULT = 32 << 10;

export interface ReplayMemory {
  /** /proc/meminfo Slab: slab pages + page-backed kmalloc, in 4 KiB pages. */
  slabPagesEnd: number;
  slabPagesPeak: number;
  /** Every page the model's page allocator has handed out (slab, page tables, user, vmalloc, …). */
  pagesInUseEnd: number;
  pagesInUsePeak: number;
  /** Live traced slab objects at the end and what they take. */
  live: {
    objects: number;
    /** bytes_req of kmalloc objects, object_size of cache objects. */
    requestedBytes: number;
    /** kmalloc size-class rounding (object_size − bytes_req; page rounding for kmalloc_large). */
    roundingBytes: number;
    /** KASAN alloc/free metadata and SLUB free pointers outside the object. */
    metadataBytes: number;
    /** The rest of each slot: redzones (Generic) and alignment padding. */
    redzoneAndPaddingBytes: number;
    /** Whole slots (requested + rounding + metadata + redzone/padding). */
    slotBytes: number;
  };
  shadow: {
    /** RAM the boot-time shadow covers, and the shadow for it (0 outside Generic/SW_TAGS). */
    coveredBytes: number;
    linearShadowBytes: number;
    /** vmalloc shadow pages kasan_populate_vmalloc maps for the replayed areas (released at vfree here; the kernel releases them at purge). */
    vmallocShadowPagesEnd: number;
    vmallocShadowPagesPeak: number;
  };
  quarantine: { bytesEnd: number; bytesPeak: number };
  stackDepot: { pools: number; poolBytes: number; hashTableBytes: number };
  stackRing: { entries: number; bytes: number };
  /** KASAN's own memory at the end: shadow + vmalloc shadow + depot pools and table + stack ring. */
  kasanBytesEnd: number;
  /** pagesInUse · 4 KiB + the KASAN memory not taken from the page allocator (shadow, table, ring). */
  totalBytesEnd: number;
  totalBytesPeak: number;
}

interface QuarantineView {
  globalBytes: number;
  cpuBytes(cpu: number): number;
}

export class ReplayMemoryMeter {
  private slabPeak = 0;
  private pagesPeak = 0;
  private quarantinePeak = 0;
  private objects = 0;
  private requested = 0;
  private rounding = 0;
  private metadata = 0;
  private slot = 0;
  private vmShadowPages = 0;
  private vmShadowPeak = 0;
  private readonly vmShadowRefs = new Map<number, number>();
  /** Per kmalloc size: object_size, slot size and metadata of the kmalloc cache serving it. */
  private readonly kmallocInfo = new Float64Array((KMALLOC_MAX_CACHE_SIZE + 1) * 3).fill(-1);
  private readonly quarantine: QuarantineView | undefined;
  private readonly shadowScale: number;
  private readonly bytesPerShadowPage: number;

  constructor(private readonly k: Kernel) {
    const backend = k.kasan.backend as { quarantine?: QuarantineView } | undefined;
    this.quarantine = backend?.quarantine;
    this.shadowScale = k.mode === "generic" ? 8 : k.mode === "sw_tags" ? 16 : 0;
    this.bytesPerShadowPage = this.shadowScale === 0 || !k.config.kasanVmalloc ? 0 : PAGE_SIZE * this.shadowScale;
  }

  /** Track peaks (after every replayed event). */
  sample(): void {
    const k = this.k;
    const slab = k.slab.slabPagesInUse();
    if (slab > this.slabPeak) this.slabPeak = slab;
    const used = k.pages.managedPages - k.pages.nrFreePages;
    if (used > this.pagesPeak) this.pagesPeak = used;
    if (this.quarantine !== undefined) {
      const q = this.quarantineBytes();
      if (q > this.quarantinePeak) this.quarantinePeak = q;
    }
  }

  /** The window starts: peaks restart from the current state. */
  reset(): void {
    this.slabPeak = 0;
    this.pagesPeak = 0;
    this.quarantinePeak = 0;
    this.vmShadowPeak = this.vmShadowPages;
    this.sample();
  }

  allocated(obj: LiveObject): void {
    this.account(obj.req, obj.cache, 1);
  }

  freed(obj: LiveObject): void {
    this.account(obj.req, obj.cache, -1);
  }

  /** A live traced object of `req` bytes (from `cache`, or kmalloc when undefined) was replayed. */
  allocatedObject(req: number, cache: ReplayCache | undefined): void {
    this.account(req, cache, 1);
  }

  freedObject(req: number, cache: ReplayCache | undefined): void {
    this.account(req, cache, -1);
  }

  private account(req: number, cache: ReplayCache | undefined, sign: number): void {
    let objectSize: number;
    let slot: number;
    let meta: number;
    if (cache !== undefined) {
      const s = cache.kmem;
      objectSize = s.objectSize;
      slot = s.size;
      meta = cacheMetadataBytes(s);
    } else if (req > KMALLOC_MAX_CACHE_SIZE) {
      objectSize = PAGE_SIZE * 2 ** getOrder(req);
      slot = objectSize;
      meta = 0;
    } else {
      const i = req * 3;
      if (this.kmallocInfo[i] < 0) {
        const s = this.k.slab.kmallocCacheFor(req);
        this.kmallocInfo[i] = s === undefined ? req : s.objectSize;
        this.kmallocInfo[i + 1] = s === undefined ? req : s.size;
        this.kmallocInfo[i + 2] = s === undefined ? 0 : cacheMetadataBytes(s);
      }
      objectSize = this.kmallocInfo[i];
      slot = this.kmallocInfo[i + 1];
      meta = this.kmallocInfo[i + 2];
    }
    this.objects += sign;
    this.requested += sign * req;
    this.rounding += sign * (objectSize - req);
    this.metadata += sign * meta;
    this.slot += sign * slot;
  }

  /** kasan_populate_vmalloc over the area [start, start + size). */
  vmapAllocated(sim: number, size: number): void {
    if (this.bytesPerShadowPage === 0) return;
    const off = ptrOffset(sim) - VMALLOC_BASE;
    const p1 = Math.ceil((off + size) / this.bytesPerShadowPage);
    for (let p = Math.floor(off / this.bytesPerShadowPage); p < p1; p++) {
      const r = this.vmShadowRefs.get(p) ?? 0;
      if (r === 0) this.vmShadowPages++;
      this.vmShadowRefs.set(p, r + 1);
    }
    if (this.vmShadowPages > this.vmShadowPeak) this.vmShadowPeak = this.vmShadowPages;
  }

  vmapFreed(sim: number, size: number): void {
    if (this.bytesPerShadowPage === 0) return;
    const off = ptrOffset(sim) - VMALLOC_BASE;
    const p1 = Math.ceil((off + size) / this.bytesPerShadowPage);
    for (let p = Math.floor(off / this.bytesPerShadowPage); p < p1; p++) {
      const r = this.vmShadowRefs.get(p) ?? 0;
      if (r <= 1) {
        if (r === 1) this.vmShadowPages--;
        this.vmShadowRefs.delete(p);
      } else this.vmShadowRefs.set(p, r - 1);
    }
  }

  private quarantineBytes(): number {
    const q = this.quarantine as QuarantineView;
    let b = q.globalBytes;
    for (let c = 0; c < this.k.ctx.nrCpus; c++) b += q.cpuBytes(c);
    return b;
  }

  result(): ReplayMemory {
    const k = this.k;
    this.sample();
    const ramBytes = k.pages.pages.nrPages * PAGE_SIZE;
    const linearShadow = this.shadowScale === 0 ? 0 : ramBytes / this.shadowScale;
    const params = k.params;
    const stacks = k.mode === "generic" || ((k.mode === "sw_tags" || k.mode === "hw_tags") && params.kasanStacktrace);
    const depotOn = stacks && !params.stackDepotDisable;
    const pools = k.counters.total().depotPoolsAllocated;
    const hashTableBytes = depotOn ? 2 ** STACK_BUCKET_NUMBER_ORDER_MAX * STACK_BUCKET_BYTES : 0;
    const ringEntries = stacks && k.mode !== "generic" ? params.kasanStackRingSize || STACK_RING_SIZE_DEFAULT : 0;
    const ringBytes = ringEntries * STACK_RING_ENTRY_SIZE;
    const vmShadowEnd = this.vmShadowPages * PAGE_SIZE;
    const outsidePageAlloc = linearShadow + vmShadowEnd + hashTableBytes + ringBytes;
    const pagesEnd = k.pages.managedPages - k.pages.nrFreePages;
    return {
      slabPagesEnd: k.slab.slabPagesInUse(),
      slabPagesPeak: this.slabPeak,
      pagesInUseEnd: pagesEnd,
      pagesInUsePeak: this.pagesPeak,
      live: {
        objects: this.objects,
        requestedBytes: this.requested,
        roundingBytes: this.rounding,
        metadataBytes: this.metadata,
        redzoneAndPaddingBytes: this.slot - this.requested - this.rounding - this.metadata,
        slotBytes: this.slot,
      },
      shadow: {
        coveredBytes: this.shadowScale === 0 ? 0 : ramBytes,
        linearShadowBytes: linearShadow,
        vmallocShadowPagesEnd: this.vmShadowPages,
        vmallocShadowPagesPeak: this.vmShadowPeak,
      },
      quarantine: {
        bytesEnd: this.quarantine === undefined ? 0 : this.quarantineBytes(),
        bytesPeak: this.quarantinePeak,
      },
      stackDepot: { pools, poolBytes: pools * DEPOT_POOL_SIZE, hashTableBytes },
      stackRing: { entries: ringEntries, bytes: ringBytes },
      kasanBytesEnd: outsidePageAlloc + pools * DEPOT_POOL_SIZE,
      totalBytesEnd: pagesEnd * PAGE_SIZE + outsidePageAlloc,
      totalBytesPeak: this.pagesPeak * PAGE_SIZE + linearShadow + this.vmShadowPeak * PAGE_SIZE + hashTableBytes + ringBytes,
    };
  }
}

/** Bytes of a slot outside the object that hold metadata: KASAN alloc/free meta, SLUB free pointer. */
export function cacheMetadataBytes(s: KmemCache): number {
  let meta = 0;
  const info = s.kasanInfo;
  if (info.allocMetaOffset !== 0) meta += KASAN_ALLOC_META_SIZE;
  if (info.freeMetaOffset !== KASAN_NO_FREE_META) meta += Math.max(0, Math.min(KASAN_FREE_META_SIZE, info.freeMetaOffset + KASAN_FREE_META_SIZE - s.objectSize));
  if (s.offset >= s.inuse) meta += FREE_POINTER_SIZE;
  return meta;
}
