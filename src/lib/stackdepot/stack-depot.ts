/**
 * The stack depot of lib/stackdepot.c (Linux 6.12): a deduplicating store of stack traces that
 * hands out 32-bit handles. KASAN saves every alloc/free stack here and keeps only the handle.
 *
 *  - A trace is hashed with jhash2 over its entries viewed as 32-bit words (two per 64-bit
 *    entry, low word first as on little-endian arm64) with seed STACK_HASH_SEED; the bucket is
 *    hash & mask. A hit needs equal hash, equal size and equal frames.
 *  - Records live in 16 KiB pools (DEPOT_POOL_ORDER 2). KASAN's records are persistent (no
 *    STACK_DEPOT_FLAG_GET), so each takes only the frames it stores:
 *    ALIGN(32-byte header + 8 · nr_entries, 16) bytes, bump-allocated in the current pool.
 *  - A handle is pool_index_plus_1 (17 bits) | offset >> 4 (10 bits) << 17 | extra (5 bits) << 27;
 *    0 means "no stack".
 *  - One spare pool is kept preallocated: a lookup miss with STACK_DEPOT_FLAG_CAN_ALLOC
 *    allocates a pool whenever no spare exists; the pool limit WARNs once and yields handle 0.
 *
 * Instruction addresses are the model's numbers (lib/kallsyms.ts); the depot only needs them to
 * be integers below 2^53. Pool pages come from a `DepotPagePool` (the kernel facade wires the
 * buddy allocator in; the default one always succeeds and only counts).
 */
import type { Counters } from "../../cost/counters.js";
import { jhash2 } from "./jhash.js";

export const DEPOT_HANDLE_BITS = 32;
export const DEPOT_POOL_ORDER = 2;
export const DEPOT_POOL_SIZE = 4096 << DEPOT_POOL_ORDER;
export const DEPOT_STACK_ALIGN = 4;
export const DEPOT_OFFSET_BITS = DEPOT_POOL_ORDER + 12 - DEPOT_STACK_ALIGN;
export const STACK_DEPOT_EXTRA_BITS = 5;
export const DEPOT_POOL_INDEX_BITS = DEPOT_HANDLE_BITS - DEPOT_OFFSET_BITS - STACK_DEPOT_EXTRA_BITS;
export const DEPOT_POOLS_CAP = 8192;
/** pool_index is stored plus one, so the largest index is 2^bits − 2. */
export const DEPOT_MAX_POOLS = Math.min(2 ** DEPOT_POOL_INDEX_BITS - 1, DEPOT_POOLS_CAP);
export const STACK_HASH_SEED = 0x9747b28c;
export const STACK_BUCKET_NUMBER_ORDER_MIN = 12;
export const STACK_BUCKET_NUMBER_ORDER_MAX = 20;
/** struct stack_record before entries[]: hash_list (16) + hash + size + handle + count (4 each). */
export const STACK_RECORD_HEADER_BYTES = 32;
/** sizeof(struct list_head): one hash table bucket. */
export const STACK_BUCKET_BYTES = 16;

/** depot_stack_record_size() for a persistent record of `nrEntries` frames. */
export function depotStackRecordSize(nrEntries: number): number {
  const align = 1 << DEPOT_STACK_ALIGN;
  return Math.ceil((STACK_RECORD_HEADER_BYTES + 8 * nrEntries) / align) * align;
}

/** The fields of a depot_stack_handle_t (union handle_parts). */
export function handleParts(handle: number): { poolIndexPlus1: number; offset: number; extra: number } {
  const h = handle >>> 0;
  return {
    poolIndexPlus1: h & (2 ** DEPOT_POOL_INDEX_BITS - 1),
    offset: (h >>> DEPOT_POOL_INDEX_BITS) & (2 ** DEPOT_OFFSET_BITS - 1),
    extra: h >>> (DEPOT_POOL_INDEX_BITS + DEPOT_OFFSET_BITS),
  };
}

function makeHandle(poolIndex: number, byteOffset: number): number {
  return ((poolIndex + 1) | ((byteOffset >>> DEPOT_STACK_ALIGN) << DEPOT_POOL_INDEX_BITS)) >>> 0;
}

/** Where pool memory comes from: alloc_pages(gfp_nested_mask(gfp), DEPOT_POOL_ORDER). */
export interface DepotPagePool {
  /** Allocate one pool; returns an id (e.g. the pfn), or -1 when the allocation failed. */
  allocPool(gfp: number): number;
  /** free_pages() of a preallocated pool the depot did not need. */
  freePool(id: number): void;
}

/** A pool source that never fails and owns no memory (ids count up). */
export class UnlimitedDepotPagePool implements DepotPagePool {
  private next = 0;
  allocPool(_gfp: number): number {
    return this.next++;
  }
  freePool(_id: number): void {}
}

export interface StackDepotOptions {
  counters: Counters;
  /** CONFIG_STACKDEPOT_MAX_FRAMES (default 64). */
  maxFrames?: number;
  /** stack_bucket_number_order (KASAN forces STACK_BUCKET_NUMBER_ORDER_MAX). */
  bucketOrder?: number;
  /** stack_depot_disable=: every save returns 0. */
  disabled?: boolean;
  pagePool?: DepotPagePool;
  /** in_irqentry_text(ip), for filter_irq_stacks(). */
  isIrqEntry?: (ip: number) => boolean;
  /** WARN()s ("Stack depot reached limit capacity"). */
  warn?: (msg: string) => void;
  /** Test seam: a smaller pool limit than DEPOT_MAX_POOLS, to reach capacity quickly. */
  maxPools?: number;
}

/** new_pool after the last pool was taken (STACK_DEPOT_POISON): no more preallocation. */
const POOL_POISON = -2;
const NO_POOL = -1;

/** Size of the recent-trace memo (a power of two: 2^RECENT_BITS) and the longest trace it keeps. */
const RECENT_BITS = 8;
const RECENT_SLOTS = 1 << RECENT_BITS;
const RECENT_MAX_FRAMES = 64;

export class StackDepot {
  readonly maxFrames: number;
  readonly bucketOrder: number;
  readonly disabled: boolean;
  private readonly counters: Counters;
  private readonly pagePool: DepotPagePool;
  private readonly isIrqEntry: ((ip: number) => boolean) | undefined;
  private readonly warnFn: (msg: string) => void;
  private readonly maxPools: number;
  private readonly mask: number;
  /** Bucket heads: record index or −1. */
  private readonly buckets: Int32Array;
  // Records as parallel typed arrays (index = insertion order).
  private recHash = new Uint32Array(256);
  private recSize = new Int32Array(256);
  private recStart = new Int32Array(256);
  private recNext = new Int32Array(256);
  private recHandle = new Uint32Array(256);
  private nrRecords = 0;
  private entries = new Float64Array(4096);
  private nrEntriesStored = 0;
  private readonly byHandle = new Map<number, number>();
  private readonly words: Uint32Array;
  /** stack_pools[]: ids from the page pool. */
  private readonly pools: number[] = [];
  private newPool = NO_POOL;
  private poolOffset = DEPOT_POOL_SIZE;
  private warnedCapacity = false;
  /** DEPOT_COUNTER_PERSIST_BYTES. */
  persistentBytes = 0;
  /** Pool allocations handed back because the depot did not need them. */
  poolsFreed = 0;

  constructor(opts: StackDepotOptions) {
    this.counters = opts.counters;
    this.maxFrames = opts.maxFrames ?? 64;
    if (!Number.isInteger(this.maxFrames) || this.maxFrames < 1) throw new RangeError(`stack depot: maxFrames must be a positive integer, got ${opts.maxFrames}`);
    this.bucketOrder = opts.bucketOrder ?? STACK_BUCKET_NUMBER_ORDER_MAX;
    if (!Number.isInteger(this.bucketOrder) || this.bucketOrder < STACK_BUCKET_NUMBER_ORDER_MIN || this.bucketOrder > STACK_BUCKET_NUMBER_ORDER_MAX) {
      throw new RangeError(`stack depot: bucketOrder must be ${STACK_BUCKET_NUMBER_ORDER_MIN}..${STACK_BUCKET_NUMBER_ORDER_MAX}, got ${opts.bucketOrder}`);
    }
    this.disabled = opts.disabled ?? false;
    this.pagePool = opts.pagePool ?? new UnlimitedDepotPagePool();
    this.isIrqEntry = opts.isIrqEntry;
    this.warnFn = opts.warn ?? (() => {});
    this.maxPools = opts.maxPools ?? DEPOT_MAX_POOLS;
    this.mask = (1 << this.bucketOrder) - 1;
    this.buckets = new Int32Array(this.disabled ? 0 : 1 << this.bucketOrder).fill(-1);
    this.words = new Uint32Array(2 * Math.max(this.maxFrames, 64) + 2);
  }

  /** Pools in stack_pools[] (pools_num). */
  get poolsNum(): number {
    return this.pools.length;
  }

  /** Whether a spare pool is held (new_pool). */
  get hasSparePool(): boolean {
    return this.newPool >= 0;
  }

  /** Distinct traces stored. */
  get records(): number {
    return this.nrRecords;
  }

  /** Offset of the unused space in the current pool (pool_offset). */
  get currentPoolOffset(): number {
    return this.poolOffset;
  }

  /** Memory the depot holds: the hash table plus every pool page (the spare included). */
  get memoryBytes(): number {
    return this.buckets.length * STACK_BUCKET_BYTES + (this.pools.length + (this.newPool >= 0 ? 1 : 0)) * DEPOT_POOL_SIZE;
  }

  /** filter_irq_stacks(): cut after the first frame in .irqentry.text. */
  filterIrqStacks(entries: ArrayLike<number>, n: number): number {
    const irq = this.isIrqEntry;
    if (irq === undefined) return n;
    for (let i = 0; i < n; i++) if (irq(entries[i])) return i + 1;
    return n;
  }

  /** The save's filter_irq_stacks() step: entries kept (= examined), remembered and counted. */
  private filterForSave(entries: ArrayLike<number>, nrEntries: number): number {
    const n = this.filterIrqStacks(entries, nrEntries);
    this.lastFiltered = n;
    this.counters.cur.filterIrqStacksEntries += n;
    return n;
  }

  /**
   * stack_depot_save_flags(entries, n, gfp, canAlloc ? STACK_DEPOT_FLAG_CAN_ALLOC : 0):
   * the handle of the (deduplicated) trace, or 0.
   */
  save(entries: ArrayLike<number>, nrEntries: number, gfp: number, canAlloc: boolean): number {
    const c = this.counters.cur;
    c.depotSaves += 1;
    if (this.disabled) {
      // The filter runs before the disabled test.
      this.filterForSave(entries, nrEntries);
      this.lastSaveRepeatable = false;
      return 0;
    }
    const cached = this.recentLookup(entries, nrEntries);
    if (cached !== 0) {
      // Same trace as a recent save that found its record: the kernel's find_stack() hits again.
      c.depotLookups += 1;
      c.filterIrqStacksEntries += this.lastFiltered;
      this.lastSaveRepeatable = true;
      return cached;
    }
    const handle = this.saveUncached(entries, nrEntries, gfp, canAlloc);
    const repeatable = handle !== 0 && nrEntries <= RECENT_MAX_FRAMES && this.lastFiltered <= this.maxFrames;
    if (repeatable) this.recentInsert(entries, nrEntries, handle, this.lastFiltered);
    this.lastSaveRepeatable = repeatable;
    return handle;
  }

  /** Entries filter_irq_stacks() kept (= examined) in the last save(). */
  lastFiltered = 0;

  /**
   * Whether the last save()'s handle is the one a save of the identical trace gets again, after
   * exactly one find_stack() (the record exists, holds the whole filtered trace and is never
   * removed): such a save may go through repeatSave() instead.
   */
  lastSaveRepeatable = false;

  /**
   * save() of a trace identical to one whose save() was repeatable and returned `handle`, of
   * which filter_irq_stacks() kept `filtered` entries.
   */
  repeatSave(handle: number, filtered: number): number {
    const c = this.counters.cur;
    c.depotSaves += 1;
    c.filterIrqStacksEntries += filtered;
    c.depotLookups += 1;
    this.lastFiltered = filtered;
    return handle;
  }

  /**
   * A memo of recent (trace → handle) results, direct-mapped by a cheap hash of the trace.
   * Records are never removed, so a trace that resolved to a stored record (not longer than
   * the record limit, which the kernel would never match again) resolves to it again; the memo
   * only spares the model re-hashing it. (Allocated on first use: most depots of short runs
   * never need it.)
   */
  private recentEntries: Float64Array | undefined;
  private readonly recentLen = new Int32Array(RECENT_SLOTS);
  private readonly recentHandle = new Uint32Array(RECENT_SLOTS);
  private readonly recentFiltered = new Int32Array(RECENT_SLOTS);

  /** The memo slot of a trace: low 32 bits of each entry, multiplicatively mixed. */
  private static recentSlot(entries: ArrayLike<number>, n: number): number {
    let h = n;
    for (let i = 0; i < n; i++) h = Math.imul(h ^ (entries[i] >>> 0), 0x9e3779b1);
    return h >>> (32 - RECENT_BITS);
  }

  private recentLookup(entries: ArrayLike<number>, n: number): number {
    const buf = this.recentEntries;
    if (n > RECENT_MAX_FRAMES || buf === undefined) return 0;
    const slot = StackDepot.recentSlot(entries, n);
    if (this.recentLen[slot] !== n) return 0;
    const base = slot * RECENT_MAX_FRAMES;
    let i = 0;
    while (i < n && buf[base + i] === entries[i]) i++;
    if (i !== n) return 0;
    this.lastFiltered = this.recentFiltered[slot];
    return this.recentHandle[slot];
  }

  private recentInsert(entries: ArrayLike<number>, n: number, handle: number, filtered: number): void {
    this.recentEntries ??= new Float64Array(RECENT_SLOTS * RECENT_MAX_FRAMES);
    const slot = StackDepot.recentSlot(entries, n);
    const base = slot * RECENT_MAX_FRAMES;
    for (let i = 0; i < n; i++) this.recentEntries[base + i] = entries[i];
    this.recentLen[slot] = n;
    this.recentHandle[slot] = handle;
    this.recentFiltered[slot] = filtered;
  }

  private saveUncached(entries: ArrayLike<number>, nrEntries: number, gfp: number, canAlloc: boolean): number {
    let n = this.filterForSave(entries, nrEntries);
    if (n === 0) return 0;
    // depot_alloc_stack() stores at most CONFIG_STACKDEPOT_MAX_FRAMES; the hash covers all.
    const hash = this.hashStack(entries, n);
    const bucket = hash & this.mask;
    const c = this.counters.cur;
    c.depotLookups += 1;
    let found = this.findStack(bucket, entries, n, hash);
    if (found >= 0) return this.recHandle[found];

    let prealloc = NO_POOL;
    if (canAlloc && this.newPool === NO_POOL) {
      const id = this.pagePool.allocPool(gfp);
      if (id >= 0) {
        prealloc = id;
        c.depotPoolsAllocated += 1;
      }
    }
    c.depotLookups += 1; // the second find_stack() under pool_lock
    found = this.findStack(bucket, entries, n, hash);
    if (found < 0) {
      if (n > this.maxFrames) n = this.maxFrames;
      const r = this.allocStack(entries, n, hash, prealloc);
      if (r.record >= 0) {
        this.recNext[r.record] = this.buckets[bucket];
        this.buckets[bucket] = r.record;
        found = r.record;
        c.depotInserts += 1;
      }
      prealloc = r.prealloc;
    }
    if (prealloc >= 0 && this.newPool === NO_POOL) {
      // depot_keep_new_pool()
      this.newPool = prealloc;
      prealloc = NO_POOL;
    }
    if (prealloc >= 0) {
      this.pagePool.freePool(prealloc);
      this.poolsFreed += 1;
    }
    return found >= 0 ? this.recHandle[found] : 0;
  }

  /** stack_depot_fetch(): the stored frames (innermost first), empty for 0 or an unknown handle. */
  fetch(handle: number): number[] {
    if (handle === 0 || this.disabled) return [];
    const r = this.byHandle.get(handle >>> 0);
    if (r === undefined) return [];
    const start = this.recStart[r];
    return Array.from(this.entries.subarray(start, start + this.recSize[r]));
  }

  /** Record size in bytes of the trace behind `handle` (0 if unknown). */
  recordBytes(handle: number): number {
    const r = this.byHandle.get(handle >>> 0);
    return r === undefined ? 0 : depotStackRecordSize(this.recSize[r]);
  }

  private hashStack(entries: ArrayLike<number>, n: number): number {
    let w = this.words;
    if (w.length < 2 * n) w = new Uint32Array(2 * n);
    for (let i = 0; i < n; i++) {
      const e = entries[i];
      w[2 * i] = e >>> 0;
      w[2 * i + 1] = Math.floor(e / 4294967296) >>> 0;
    }
    return jhash2(w, 2 * n, STACK_HASH_SEED);
  }

  /**
   * find_stack(): like the kernel, compares against the untruncated length, so a trace longer
   * than CONFIG_STACKDEPOT_MAX_FRAMES never matches its stored (truncated) copy.
   */
  private findStack(bucket: number, entries: ArrayLike<number>, n: number, hash: number): number {
    for (let r = this.buckets[bucket]; r >= 0; r = this.recNext[r]) {
      if (this.recHash[r] !== hash || this.recSize[r] !== n) continue;
      const s = this.recStart[r];
      let i = 0;
      while (i < n && this.entries[s + i] === entries[i]) i++;
      if (i === n) return r;
    }
    return -1;
  }

  /** depot_alloc_stack() → depot_pop_free_pool() (→ depot_init_pool()). */
  private allocStack(entries: ArrayLike<number>, n: number, hash: number, prealloc: number): { record: number; prealloc: number } {
    const size = depotStackRecordSize(n);
    if (this.poolOffset + size > DEPOT_POOL_SIZE) {
      const init = this.initPool(prealloc);
      prealloc = init.prealloc;
      if (!init.ok) return { record: -1, prealloc };
    }
    const poolIndex = this.pools.length - 1;
    const handle = makeHandle(poolIndex, this.poolOffset);
    this.poolOffset += size;
    this.persistentBytes += size;
    const r = this.nrRecords++;
    if (r === this.recHash.length) this.growRecords();
    if (this.nrEntriesStored + n > this.entries.length) {
      const e = new Float64Array(Math.max(this.entries.length * 2, this.nrEntriesStored + n));
      e.set(this.entries);
      this.entries = e;
    }
    const start = this.nrEntriesStored;
    for (let i = 0; i < n; i++) this.entries[start + i] = entries[i];
    this.nrEntriesStored += n;
    this.recHash[r] = hash;
    this.recSize[r] = n;
    this.recStart[r] = start;
    this.recHandle[r] = handle;
    this.byHandle.set(handle, r);
    return { record: r, prealloc };
  }

  /** depot_init_pool(): make the spare (or the fresh preallocation) the current pool. */
  private initPool(prealloc: number): { ok: boolean; prealloc: number } {
    if (this.pools.length >= this.maxPools) {
      if (!this.warnedCapacity) {
        this.warnedCapacity = true;
        this.warnFn("Stack depot reached limit capacity");
      }
      return { ok: false, prealloc };
    }
    if (this.newPool === NO_POOL && prealloc >= 0) {
      this.newPool = prealloc;
      prealloc = NO_POOL;
    }
    if (this.newPool < 0) return { ok: false, prealloc };
    this.pools.push(this.newPool);
    this.newPool = this.pools.length < this.maxPools ? NO_POOL : POOL_POISON;
    this.poolOffset = 0;
    return { ok: true, prealloc };
  }

  private growRecords(): void {
    const n = this.recHash.length * 2;
    const grow = <T extends Uint32Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.recHash = grow(this.recHash, (k) => new Uint32Array(k));
    this.recSize = grow(this.recSize, (k) => new Int32Array(k));
    this.recStart = grow(this.recStart, (k) => new Int32Array(k));
    this.recNext = grow(this.recNext, (k) => new Int32Array(k));
    this.recHandle = grow(this.recHandle, (k) => new Uint32Array(k));
  }
}
