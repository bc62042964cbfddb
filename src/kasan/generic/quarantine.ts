/**
 * Generic KASAN quarantine (mm/kasan/quarantine.c): freed objects are held back from reuse so
 * use-after-free hits poisoned memory. Per-CPU queues spill into a global FIFO of batches once
 * they exceed QUARANTINE_PERCPU_SIZE; kasan_quarantine_reduce() frees the oldest batch back to
 * the slab allocator whenever the global quarantine exceeds its limit. Sizes are accounted in
 * cache->size per object.
 *
 * Queues are singly linked lists over a node pool in typed arrays (no object per entry).
 */
import type { KasanCacheView } from "../../mm/kasan-hooks.js";
import type { Counters } from "../../cost/counters.js";
import { PAGE_SHIFT } from "../../mm/memory-layout.js";

export const QUARANTINE_PERCPU_SIZE = 1 << 20;
export const QUARANTINE_FRACTION = 32;

/** QUARANTINE_BATCHES = max(1024, 4 * CONFIG_NR_CPUS). */
export function quarantineBatches(configNrCpus: number): number {
  return Math.max(1024, 4 * configNrCpus);
}

class QList {
  head = -1;
  tail = -1;
  bytes = 0;
}

export interface QuarantineConfig {
  /** totalram_pages(): RAM managed by the page allocator, in pages. */
  totalRamPages: number;
  /** num_online_cpus(). */
  onlineCpus: number;
  /** CONFIG_NR_CPUS (sizes the batch ring). */
  configNrCpus: number;
}

/** Called for each object leaving the quarantine (qlink_free). */
export type QlinkFree = (cache: KasanCacheView, object: number) => void;

export class Quarantine {
  readonly batches: number;
  private readonly cpuQ: QList[];
  private readonly global: QList[];
  private head = 0;
  private tail = 0;
  /** quarantine_size: bytes in the global batches. */
  private size = 0;
  /** quarantine_max_size / quarantine_batch_size: 0 until the first reduce computes them. */
  private maxSize = 0;
  private batchSize = 0;

  // Node pool.
  private next: Int32Array = new Int32Array(0);
  private obj: Float64Array = new Float64Array(0);
  private cacheId: Int32Array = new Int32Array(0);
  private freeNode = -1;
  private readonly caches: KasanCacheView[] = [];
  private readonly cacheIds = new Map<KasanCacheView, number>();

  constructor(
    private readonly cfg: QuarantineConfig,
    private readonly counters: Counters,
    private readonly qlinkFree: QlinkFree,
  ) {
    for (const [k, v] of Object.entries(cfg)) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`Quarantine: ${k} must be a positive integer, got ${v}`);
    }
    this.batches = quarantineBatches(cfg.configNrCpus);
    this.cpuQ = Array.from({ length: cfg.onlineCpus }, () => new QList());
    this.global = Array.from({ length: this.batches }, () => new QList());
  }

  /** Bytes in the global quarantine (quarantine_size). */
  get globalBytes(): number {
    return this.size;
  }

  /** quarantine_max_size as last computed by reduce. */
  get maxBytes(): number {
    return this.maxSize;
  }

  get batchBytes(): number {
    return this.batchSize;
  }

  get headIndex(): number {
    return this.head;
  }

  get tailIndex(): number {
    return this.tail;
  }

  /** Bytes waiting in `cpu`'s per-CPU queue. */
  cpuBytes(cpu: number): number {
    return this.cpuQ[cpu].bytes;
  }

  /** Objects (untagged offsets) in FIFO order: global batches from head, then per-CPU queues. */
  contents(): number[] {
    const out: number[] = [];
    for (let i = 0, b = this.head; i < this.batches; i++, b = (b + 1) % this.batches) this.walk(this.global[b], out);
    for (const q of this.cpuQ) this.walk(q, out);
    return out;
  }

  private walk(q: QList, out: number[]): void {
    for (let n = q.head; n >= 0; n = this.next[n]) out.push(this.obj[n]);
  }

  private idOf(cache: KasanCacheView): number {
    let id = this.cacheIds.get(cache);
    if (id === undefined) {
      id = this.caches.length;
      this.caches.push(cache);
      this.cacheIds.set(cache, id);
    }
    return id;
  }

  private allocNode(): number {
    if (this.freeNode < 0) {
      const old = this.next.length;
      const n = Math.max(256, old * 2);
      const nx = new Int32Array(n);
      nx.set(this.next);
      const ob = new Float64Array(n);
      ob.set(this.obj);
      const ci = new Int32Array(n);
      ci.set(this.cacheId);
      for (let i = old; i < n; i++) nx[i] = i + 1 < n ? i + 1 : -1;
      this.next = nx;
      this.obj = ob;
      this.cacheId = ci;
      this.freeNode = old;
    }
    const node = this.freeNode;
    this.freeNode = this.next[node];
    return node;
  }

  private qlistPut(q: QList, node: number, size: number): void {
    if (q.head < 0) q.head = node;
    else this.next[q.tail] = node;
    q.tail = node;
    this.next[node] = -1;
    q.bytes += size;
  }

  private static moveAll(from: QList, to: QList, next: Int32Array): void {
    if (from.head < 0) return;
    if (to.head < 0) {
      to.head = from.head;
      to.tail = from.tail;
      to.bytes = from.bytes;
    } else {
      next[to.tail] = from.head;
      to.tail = from.tail;
      to.bytes += from.bytes;
    }
    from.head = from.tail = -1;
    from.bytes = 0;
  }

  /** kasan_quarantine_put() after the free-meta check: queue on `cpu`, spill when over 1 MiB. */
  put(cache: KasanCacheView, object: number, cpu: number): boolean {
    const q = this.cpuQ[cpu];
    const node = this.allocNode();
    this.obj[node] = object;
    this.cacheId[node] = this.idOf(cache);
    this.qlistPut(q, node, cache.size);
    this.counters.cur.quarantinePuts += 1;
    this.counters.cur.quarantineBytesPut += cache.size;
    if (q.bytes > QUARANTINE_PERCPU_SIZE) {
      const temp = new QList();
      Quarantine.moveAll(q, temp, this.next);
      this.size += temp.bytes;
      Quarantine.moveAll(temp, this.global[this.tail], this.next);
      if (this.global[this.tail].bytes >= this.batchSize) {
        let newTail = this.tail + 1;
        if (newTail === this.batches) newTail = 0;
        if (newTail !== this.head) this.tail = newTail;
      }
    }
    return true;
  }

  /** kasan_quarantine_reduce(). */
  reduce(): void {
    if (this.size <= this.maxSize) return;
    const totalSize = Math.floor((this.cfg.totalRamPages * 2 ** PAGE_SHIFT) / QUARANTINE_FRACTION);
    const percpu = QUARANTINE_PERCPU_SIZE * this.cfg.onlineCpus;
    this.maxSize = totalSize < percpu ? 0 : totalSize - percpu;
    // Aim at consuming at most half of the batch slots.
    this.batchSize = Math.max(QUARANTINE_PERCPU_SIZE, Math.floor((2 * totalSize) / this.batches));
    if (this.size > this.maxSize) {
      const toFree = new QList();
      Quarantine.moveAll(this.global[this.head], toFree, this.next);
      this.size -= toFree.bytes;
      this.head++;
      if (this.head === this.batches) this.head = 0;
      this.counters.cur.quarantineReduces += 1;
      this.freeAll(toFree);
    }
  }

  /** kasan_quarantine_remove_cache(): free every quarantined object of `cache`. */
  removeCache(cache: KasanCacheView): void {
    const id = this.cacheIds.get(cache);
    if (id === undefined) return;
    const toFree = new QList();
    for (const q of this.cpuQ) this.moveCache(q, toFree, id);
    this.freeAll(toFree);
    for (const q of this.global) if (q.head >= 0) this.moveCache(q, toFree, id);
    // As in the kernel, quarantine_size is not reduced for objects taken from global batches.
    this.freeAll(toFree);
  }

  /** Drop everything (cpu offline of every CPU; used when tearing a run down). */
  drain(): void {
    for (const q of this.global) this.freeAll(q);
    for (const q of this.cpuQ) this.freeAll(q);
    this.size = 0;
  }

  private moveCache(from: QList, to: QList, id: number): void {
    let cur = from.head;
    from.head = from.tail = -1;
    from.bytes = 0;
    while (cur >= 0) {
      const nx = this.next[cur];
      const c = this.caches[this.cacheId[cur]];
      this.qlistPut(this.cacheId[cur] === id ? to : from, cur, c.size);
      cur = nx;
    }
  }

  private freeAll(q: QList): void {
    let cur = q.head;
    let n = 0;
    while (cur >= 0) {
      const nx = this.next[cur];
      const cache = this.caches[this.cacheId[cur]];
      const object = this.obj[cur];
      this.next[cur] = this.freeNode;
      this.freeNode = cur;
      this.qlinkFree(cache, object);
      n++;
      cur = nx;
    }
    q.head = q.tail = -1;
    q.bytes = 0;
    this.counters.cur.quarantineObjectsFreed += n;
  }
}
