// alloc-costs: timing of the kernel allocator, vmalloc, RCU, page-fault, page-table and KASAN
// quarantine paths that kasan-sim counts, meant to run under qemu-user TCG (`qemu-aarch64 -cpu max`).
// Each routine is our own C written from reading Linux 6.12 (mm/page_alloc.c, mm/slub.c,
// mm/vmalloc.c, kernel/rcu/tree.c, mm/memory.c, include/linux/mm.h, mm/kasan/quarantine.c): it
// does the loads, stores, atomics and branches the kernel does on that path, on data structures of
// realistic size, at the granularity the model's counter counts. What cannot run at EL0 stands in
// as memory traffic (DAIF save/restore as a load/store of a variable, preempt_count in memory).
//
// Build: aarch64-linux-gnu-gcc -O2 -march=armv8.5-a+memtag -static -o alloc-costs alloc-costs.c
// Usage: alloc-costs [mte|nomte|count] [reps] [scale]
//   mte enables tagged addresses + synchronous tag checks (ordinary memory, so every access goes
//   through QEMU's check helper as in an hw_tags kernel); nomte leaves MTE off; count is nomte
//   that also prints `seg <name>` before each timed segment (for count-insns.mjs).
// Output (parsed by measure.mjs --merge-alloc):
//   info <key> <value>
//   raw <bench> <rep> <ns> <calls>   — wall ns of <calls> calls of the routine
// Every repetition runs every bench once, in the same order, so drift hits them alike; measure.mjs
// subtracts the empty call's rate rep by rep and takes medians.
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>

#ifndef PR_SET_TAGGED_ADDR_CTRL
#define PR_SET_TAGGED_ADDR_CTRL 55
#endif
#define PR_TAGGED_ADDR_ENABLE (1UL << 0)
#define PR_MTE_TCF_SYNC (1UL << 1)
#define PR_MTE_TAG_SHIFT 3

#define NOIPA __attribute__((noipa))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define READ_ONCE(x) (*(volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

static uint64_t now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void *xmap(size_t bytes) {
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "mmap %zu: %s\n", bytes, strerror(errno));
		exit(1);
	}
	return p;
}

static void die(const char *what) {
	fprintf(stderr, "alloc-costs: self-check failed: %s\n", what);
	exit(1);
}

// ---------------------------------------------------------------- kernel primitives

struct list_head {
	struct list_head *next, *prev;
};
static inline void INIT_LIST_HEAD(struct list_head *l) { l->next = l->prev = l; }
static inline void __list_add(struct list_head *n, struct list_head *prev, struct list_head *next) {
	next->prev = n;
	n->next = next;
	n->prev = prev;
	WRITE_ONCE(prev->next, n);
}
static inline void list_add(struct list_head *n, struct list_head *h) { __list_add(n, h, h->next); }
static inline void list_add_tail(struct list_head *n, struct list_head *h) { __list_add(n, h->prev, h); }
// CONFIG_LIST_HARDENED (Debian, Android): the neighbours are checked before unlinking.
static inline void list_del(struct list_head *e) {
	struct list_head *prev = e->prev, *next = e->next;
	if (unlikely(prev->next != e || next->prev != e))
		die("list corruption");
	next->prev = prev;
	WRITE_ONCE(prev->next, next);
	e->next = (struct list_head *)0x100;
	e->prev = (struct list_head *)0x122;
}
static inline int list_empty(const struct list_head *h) { return READ_ONCE(h->next) == h; }
#define container_of(p, T, m) ((T *)((char *)(p) - __builtin_offsetof(T, m)))

static volatile uint64_t k_daif = 0x3c0, k_preempt_count;
static inline uint64_t local_irq_save(void) {
	uint64_t f = k_daif; // mrs daif
	k_daif = 0x3c0;      // msr daifset, #3
	return f;
}
static inline void local_irq_restore(uint64_t f) { k_daif = f; }
static inline void preempt_disable(void) { k_preempt_count = k_preempt_count + 1; }
static inline void preempt_enable(void) {
	uint64_t c = k_preempt_count - 1;
	k_preempt_count = c;
	if (unlikely(c == 0x80000000ULL)) die("need_resched");
}
// qspinlock fast path: cmpxchg_acquire 0 -> locked, store-release of the locked byte to unlock.
static inline void spin_lock(uint32_t *l) {
	preempt_disable();
	uint32_t exp = 0;
	if (!__atomic_compare_exchange_n(l, &exp, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		die("lock contended");
}
static inline int spin_trylock(uint32_t *l) {
	preempt_disable();
	uint32_t exp = 0;
	if (__atomic_compare_exchange_n(l, &exp, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return 1;
	preempt_enable();
	return 0;
}
static inline void spin_unlock(uint32_t *l) {
	__atomic_store_n((uint8_t *)l, 0, __ATOMIC_RELEASE);
	preempt_enable();
}

// Per-CPU vmstat differential (mod_node_state/mod_zone_state with CONFIG_HAVE_CMPXCHG_LOCAL):
// cmpxchg the per-CPU diff, folding into the node and global atomics past the threshold.
struct vmstat {
	int8_t diff[64];
	int8_t threshold;
	long node[64], global[64];
};
static struct vmstat k_vmstat = {.threshold = 32};
static inline void mod_node_state(int item, long delta) {
	int8_t o, n;
	long z;
	do {
		z = 0;
		o = READ_ONCE(k_vmstat.diff[item]);
		long v = (long)o + delta;
		if (v > k_vmstat.threshold || v < -k_vmstat.threshold) {
			long os = k_vmstat.threshold >> 1;
			z = v + (v > 0 ? os : -os);
			v = v > 0 ? -os : os;
		}
		n = (int8_t)v;
	} while (!__atomic_compare_exchange_n(&k_vmstat.diff[item], &o, n, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	if (z) {
		__atomic_fetch_add(&k_vmstat.node[item], z, __ATOMIC_RELAXED);
		__atomic_fetch_add(&k_vmstat.global[item], z, __ATOMIC_RELAXED);
	}
}
// __mod_lruvec_state with a root memcg: the node counter plus the memcg per-CPU state and the
// rstat-updated test (memcg_rstat_updated: per-CPU pending count, flush threshold).
static long k_memcg_stat[64], k_memcg_pending;
static inline void mod_lruvec_state(int item, long delta) {
	mod_node_state(item, delta);
	k_memcg_stat[item] += delta;
	long p = k_memcg_pending + (delta < 0 ? -delta : delta) / 4096 + 1;
	if (p > 64 * 256)
		p = 0; // the flush itself is not part of this path's typical cost
	k_memcg_pending = p;
}
static uint64_t k_vm_events[32];
static inline void count_vm_event(int i) { k_vm_events[i]++; }

// ---------------------------------------------------------------- page allocator

// A 64-byte struct page as on arm64 (flags, lru/pcp_list/buddy_list, mapping, index, private,
// _mapcount/page_type, _refcount, memcg_data).
struct page {
	unsigned long flags;
	struct list_head lru;
	void *mapping;
	unsigned long index;
	unsigned long private;
	int mapcount;
	int refcount;
	unsigned long memcg_data;
};
_Static_assert(sizeof(struct page) == 64, "struct page is 64 bytes");
#define PG_buddy_type 0xf0000080 // page_type value of PageBuddy (6.12: PGTY_buddy << 24)
#define PAGE_NO_TYPE (-1)
#define PAGE_FLAGS_CHECK_AT_PREP 0x3fffffUL
#define PAGE_FLAGS_CHECK_AT_FREE 0x0ffffUL
#define NR_PAGE_ORDERS 11
#define MIGRATE_TYPES 4
#define NR_PCP_LISTS 12
#define PAGEBLOCK_ORDER 9
#define NPAGES (1 << 16)
#define NR_FREE_PAGES 0
#define NR_SLAB_UNRECLAIMABLE_B 1
#define NR_PAGETABLE 2
#define NR_ANON_MAPPED 3
#define PGALLOC 0
#define PGFREE 1
#define NUMA_HIT 2
#define NUMA_LOCAL 3
#define PGFAULT 4

struct free_area {
	struct list_head free_list[MIGRATE_TYPES];
	unsigned long nr_free;
};
struct per_cpu_pages {
	uint32_t lock;
	int count, high, high_min, high_max, batch;
	uint8_t flags, alloc_factor;
	short free_count;
	struct list_head lists[NR_PCP_LISTS];
};
struct zone {
	unsigned long watermark[3], lowmem_reserve[4];
	long vm_stat_free; // zone_page_state(zone, NR_FREE_PAGES) (atomic in the zone)
	unsigned long flags, nr_isolate_pageblock;
	uint32_t lock;
	struct free_area free_area[NR_PAGE_ORDERS];
};
static struct page *mem_map; // NPAGES struct pages, pfn = index
static uint64_t *pageblock_flags;
static struct zone zone0;
static struct per_cpu_pages pcp0;
static int8_t k_vmstat_zone_free;

static inline unsigned long page_to_pfn(const struct page *p) { return (unsigned long)(p - mem_map); }
static inline int PageBuddy(const struct page *p) { return READ_ONCE(p->mapcount) == (int)PG_buddy_type; }
static inline void set_buddy_order(struct page *p, unsigned order) {
	p->private = order;
	p->mapcount = (int)PG_buddy_type; // __SetPageBuddy
}
static inline int get_pfnblock_migratetype(unsigned long pfn) {
	unsigned long bit = (pfn >> PAGEBLOCK_ORDER) * 4;
	uint64_t w = READ_ONCE(pageblock_flags[bit / 64]);
	return (int)((w >> (bit & 63)) & 7);
}
// account_freepages -> __mod_zone_page_state(NR_FREE_PAGES): per-CPU diff, folded past threshold.
static inline void account_freepages(struct zone *z, long nr) {
	long v = k_vmstat_zone_free + nr;
	if (v > 125 || v < -125) {
		__atomic_fetch_add(&z->vm_stat_free, v, __ATOMIC_RELAXED);
		v = 0;
	}
	k_vmstat_zone_free = (int8_t)v;
}
static inline void add_to_free_list(struct page *p, struct zone *z, unsigned order, int mt, int tail) {
	struct free_area *a = &z->free_area[order];
	if (tail)
		list_add_tail(&p->lru, &a->free_list[mt]);
	else
		list_add(&p->lru, &a->free_list[mt]);
	a->nr_free++;
}
static inline void del_page_from_free_list(struct page *p, struct zone *z, unsigned order, int mt) {
	(void)mt; // account_freepages of a non-isolated, non-CMA migratetype
	list_del(&p->lru);
	p->mapcount = PAGE_NO_TYPE; // __ClearPageBuddy
	p->private = 0;
	z->free_area[order].nr_free--;
	account_freepages(z, -(1L << order));
}

// expand(): split a 2^high block down to 2^low, the upper halves going onto the free lists.
// Inline, as the kernel's static inline expand(): no signed call per page taken.
static inline __attribute__((always_inline)) unsigned expand(struct zone *z, struct page *page, unsigned low, unsigned high, int mt) {
	unsigned long size = 1UL << high, nr_added = 0;
	while (high > low) {
		high--;
		size >>= 1;
		add_to_free_list(&page[size], z, high, mt, 0);
		set_buddy_order(&page[size], high);
		nr_added += size;
	}
	account_freepages(z, (long)nr_added);
	return (unsigned)nr_added;
}

static inline struct page *find_buddy_page_pfn(struct page *page, unsigned long pfn, unsigned order, unsigned long *bpfn) {
	unsigned long buddy_pfn = pfn ^ (1UL << order);
	struct page *buddy = page + (buddy_pfn - pfn);
	if (buddy_pfn >= NPAGES)
		return NULL;
	// page_is_buddy(): PageBuddy, same order, same zone (zone id in page->flags)
	if (!PageBuddy(buddy) || buddy->private != order || ((buddy->flags ^ page->flags) >> 60))
		return NULL;
	if (bpfn)
		*bpfn = buddy_pfn;
	return buddy;
}
static inline int buddy_merge_likely(unsigned long pfn, unsigned long buddy_pfn, struct page *page, unsigned order) {
	if (order >= NR_PAGE_ORDERS - 2)
		return 0;
	unsigned long higher = buddy_pfn & pfn;
	return find_buddy_page_pfn(page + (higher - pfn), higher, order + 1, NULL) != NULL;
}
// __free_one_page(): merge with free buddies while possible, then onto the free list (static
// inline in the kernel: no signed call per page freed).
static inline __attribute__((always_inline)) unsigned free_one_page_merge(struct page *page, unsigned long pfn, struct zone *z, unsigned order, int mt) {
	unsigned long buddy_pfn = 0;
	unsigned merges = 0;
	account_freepages(z, 1L << order);
	while (order < NR_PAGE_ORDERS - 1) {
		struct page *buddy = find_buddy_page_pfn(page, pfn, order, &buddy_pfn);
		if (!buddy)
			goto done;
		if (unlikely(order >= PAGEBLOCK_ORDER)) {
			int bmt = get_pfnblock_migratetype(buddy_pfn);
			if (bmt != mt && (bmt >= 3 || mt >= 3))
				goto done;
		}
		del_page_from_free_list(buddy, z, order, mt);
		unsigned long combined = buddy_pfn & pfn;
		page = page + (combined - pfn);
		pfn = combined;
		order++;
		merges++;
	}
done:
	set_buddy_order(page, order);
	add_to_free_list(page, z, order, mt, buddy_merge_likely(pfn, pfn ^ (1UL << order), page, order));
	return merges;
}

static inline int page_expected_state(const struct page *p, unsigned long check) {
	return !(READ_ONCE(p->mapcount) != PAGE_NO_TYPE || p->mapping != NULL || READ_ONCE(p->refcount) != 0 ||
		 (p->flags & check) || p->memcg_data);
}

// __rmqueue_smallest(): the first non-empty free list of order >= the request, split down.
static inline struct page *rmqueue_smallest(struct zone *z, unsigned order, int mt) {
	for (unsigned cur = order; cur < NR_PAGE_ORDERS; cur++) {
		struct list_head *l = &z->free_area[cur].free_list[mt];
		if (list_empty(l))
			continue;
		struct page *p = container_of(l->next, struct page, lru);
		del_page_from_free_list(p, z, cur, mt);
		expand(z, p, order, cur, mt);
		return p;
	}
	return NULL;
}
// rmqueue_bulk(): under the zone lock, take `count` order-0 blocks onto the pcp list.
static int NOIPA rmqueue_bulk(struct zone *z, unsigned order, int count, struct list_head *list, int mt) {
	uint64_t f = local_irq_save();
	spin_lock(&z->lock);
	int i;
	for (i = 0; i < count; i++) {
		struct page *p = rmqueue_smallest(z, order, mt);
		if (unlikely(!p))
			break;
		list_add_tail(&p->lru, list);
	}
	spin_unlock(&z->lock);
	local_irq_restore(f);
	return i;
}
// free_pcppages_bulk(): `count` pages from the pcp lists (round robin, from the tail) to the buddy.
static void NOIPA free_pcppages_bulk(struct zone *z, int count, struct per_cpu_pages *pcp, int pindex) {
	if (count > pcp->count)
		count = pcp->count;
	uint64_t f = local_irq_save();
	spin_lock(&z->lock);
	int isolated = READ_ONCE(z->nr_isolate_pageblock) != 0;
	while (count > 0) {
		struct list_head *list;
		do {
			if (++pindex > NR_PCP_LISTS - 1)
				pindex = 0;
			list = &pcp->lists[pindex];
		} while (list_empty(list));
		unsigned order = pindex < 3 ? 0 : (unsigned)(pindex - 3 + 1);
		int nr = 1 << order;
		do {
			struct page *p = container_of(list->prev, struct page, lru);
			unsigned long pfn = page_to_pfn(p);
			int mt = get_pfnblock_migratetype(pfn);
			if (unlikely(isolated))
				mt = 3;
			list_del(&p->lru);
			count -= nr;
			pcp->count -= nr;
			free_one_page_merge(p, pfn, z, order, mt);
		} while (count > 0 && !list_empty(list));
	}
	spin_unlock(&z->lock);
	local_irq_restore(f);
}

// alloc_pages() fast path for order 0: gfp and watermark tests, rmqueue_pcplist, check_new_page,
// post_alloc_hook's bookkeeping, vm events (KASAN's hook and init zeroing are priced separately).
static uint8_t gfp_zone_table[16] = {1, 0, 2, 0, 1, 0, 2, 0, 1, 0, 2, 0, 1, 0, 2, 0};
static unsigned gfp_allowed_mask = 0xffffff;
static struct page *NOIPA alloc_pages_fast(unsigned gfp, unsigned order) {
	gfp &= gfp_allowed_mask;
	unsigned highest_zoneidx = gfp_zone_table[gfp & 15];
	int mt = (gfp >> 3) & 1; // gfp_migratetype: MOVABLE/RECLAIMABLE bits
	struct zone *z = &zone0;
	if (highest_zoneidx > 2)
		return NULL;
	// zone_watermark_fast(): order-0 free pages against the low mark plus the lowmem reserve
	long free = READ_ONCE(z->vm_stat_free);
	if (free <= (long)(z->watermark[1] + z->lowmem_reserve[highest_zoneidx]))
		die("watermark");
	// rmqueue_pcplist()
	struct per_cpu_pages *pcp = &pcp0;
	preempt_disable();
	if (!spin_trylock(&pcp->lock))
		die("pcp trylock");
	pcp->free_count >>= 1;
	struct list_head *list = &pcp->lists[order * 3 + (unsigned)mt];
	if (unlikely(list_empty(list)))
		die("pcp list empty");
	struct page *page = container_of(list->next, struct page, lru);
	list_del(&page->lru);
	pcp->count -= 1 << order;
	if (unlikely(!page_expected_state(page, PAGE_FLAGS_CHECK_AT_PREP)))
		die("bad page");
	spin_unlock(&pcp->lock); // includes preempt_enable
	preempt_enable();
	count_vm_event(PGALLOC);
	count_vm_event(NUMA_HIT);
	count_vm_event(NUMA_LOCAL);
	// prep_new_page() / post_alloc_hook()
	page->private = 0;
	WRITE_ONCE(page->refcount, 1);
	page->flags &= ~(1UL << 7); // clear_page_pfmemalloc
	return page;
}
// free_unref_page() for order 0: free_pages_prepare checks and flag reset, pageblock migratetype,
// free_unref_page_commit onto the pcp list, nr_pcp_high; no spill (pcp->count stays below high).
static void NOIPA free_unref_page(struct page *page, unsigned order) {
	if (unlikely(!page_expected_state(page, PAGE_FLAGS_CHECK_AT_FREE)))
		die("bad page at free");
	page->flags &= ~PAGE_FLAGS_CHECK_AT_PREP;
	unsigned long pfn = page_to_pfn(page);
	int mt = get_pfnblock_migratetype(pfn);
	if (unlikely(mt >= 3))
		die("isolated");
	struct per_cpu_pages *pcp = &pcp0;
	preempt_disable();
	if (!spin_trylock(&pcp->lock))
		die("pcp trylock");
	count_vm_event(PGFREE);
	list_add(&page->lru, &pcp->lists[order * 3 + (unsigned)mt]);
	page->private = order;
	pcp->count += 1 << order;
	if (pcp->free_count < (pcp->batch << 5))
		pcp->free_count += 1 << order;
	// nr_pcp_high(): zone not under reclaim, so high stays high_max-bounded
	int high = READ_ONCE(pcp->high);
	if (READ_ONCE(zone0.flags) & 4) // ZONE_RECLAIM_ACTIVE
		high = pcp->high_min;
	if (unlikely(pcp->count >= high))
		die("pcp spill");
	spin_unlock(&pcp->lock);
	preempt_enable();
}

// ---------------------------------------------------------------- SLUB

// struct slab overlays struct page: flags (PG_slab), slab_cache, freelist, counters.
struct kmem_cache;
struct slab {
	unsigned long flags;
	struct kmem_cache *slab_cache;
	void *freelist;
	unsigned inuse : 16, objects : 15, frozen : 1;
	int page_type;
	int refcount;
	unsigned long obj_exts, pad;
	unsigned long compound_head; // pad to the page's 64 bytes; bit 0 set on tail pages
};
_Static_assert(sizeof(struct slab) == 64, "struct slab is a struct page");
#define PG_slab (1UL << 9)
struct kmem_cache_cpu {
	void *freelist;
	unsigned long tid;
	struct slab *slab;
	struct slab *partial;
} __attribute__((aligned(16)));
struct kmem_cache {
	struct kmem_cache_cpu *cpu_slab;
	unsigned long flags, min_partial;
	unsigned size, object_size, offset, oo_objects, oo_order;
	unsigned long random; // CONFIG_SLAB_FREELIST_HARDENED
	long nr_slabs, total_objects; // kmem_cache_node counters
};
#define SLAB_MEM_BYTES (4UL << 20)
static char *slab_mem;    // the "linear map" holding slab memory
static struct slab *slab_vmemmap; // its struct pages
static struct kmem_cache_cpu cpu_slab0;
static struct kmem_cache kmalloc_64 = {.cpu_slab = &cpu_slab0, .size = 64, .object_size = 64, .offset = 32,
				       .oo_objects = 64, .oo_order = 0, .random = 0x9e3779b97f4a7c15ULL};
static struct kmem_cache *kmalloc_caches[14];
static uint8_t size_index[24];

static inline struct slab *virt_to_slab(const void *x) {
	struct slab *s = &slab_vmemmap[((uintptr_t)x - (uintptr_t)slab_mem) >> 12];
	unsigned long head = READ_ONCE(s->compound_head);
	if (head & 1)
		s = (struct slab *)(head - 1);
	return s;
}
// freelist pointer hardening: ptr ^ s->random ^ swab(address of the pointer)
static inline void *freelist_ptr_decode(const struct kmem_cache *s, uint64_t enc, uint64_t addr) {
	return (void *)(enc ^ s->random ^ __builtin_bswap64(addr));
}
static inline uint64_t freelist_ptr_encode(const struct kmem_cache *s, void *p, uint64_t addr) {
	return (uint64_t)p ^ s->random ^ __builtin_bswap64(addr);
}
static inline void *get_freepointer(const struct kmem_cache *s, void *obj) {
	uint64_t addr = (uint64_t)obj + s->offset;
	return freelist_ptr_decode(s, READ_ONCE(*(uint64_t *)addr), addr);
}
static inline void set_freepointer(const struct kmem_cache *s, void *obj, void *fp) {
	uint64_t addr = (uint64_t)obj + s->offset;
	*(uint64_t *)addr = freelist_ptr_encode(s, fp, addr);
}
// this_cpu_try_cmpxchg128 of (freelist, tid): arm64 uses CASP on the per-CPU pair.
static inline int cmpxchg_freelist_tid(struct kmem_cache_cpu *c, void *of, unsigned long ot, void *nf, unsigned long nt) {
	register uint64_t o0 __asm__("x4") = (uint64_t)of, o1 __asm__("x5") = ot;
	register uint64_t n0 __asm__("x6") = (uint64_t)nf, n1 __asm__("x7") = nt;
	uint64_t e0 = (uint64_t)of, e1 = ot;
	__asm__ volatile("casp %[o0], %[o1], %[n0], %[n1], [%[p]]"
			 : [o0] "+r"(o0), [o1] "+r"(o1)
			 : [n0] "r"(n0), [n1] "r"(n1), [p] "r"(c)
			 : "memory");
	return o0 == e0 && o1 == e1;
}
#define TID_STEP 2 // roundup_pow_of_two(NR_CPUS) for 2 CPUs
static inline unsigned kmalloc_index(size_t size) {
	if (size <= 192)
		return size_index[(size - 1) / 8];
	return (unsigned)(64 - __builtin_clzl(size - 1));
}
// __kmalloc_noprof -> kmalloc_slab -> slab_alloc_node fast path (tid/freelist cmpxchg, next
// free pointer decoded and prefetched); the KASAN hook and init zeroing are priced separately.
static void *NOIPA slub_kmalloc(size_t size, unsigned gfp) {
	if (unlikely(size > 8192))
		die("large");
	struct kmem_cache *s = kmalloc_caches[kmalloc_index(size)];
	if (unlikely(READ_ONCE(k_vm_events[31]))) // should_failslab / kfence static keys
		die("failslab");
	struct kmem_cache_cpu *c;
	void *object;
	unsigned long tid;
redo:
	c = s->cpu_slab;
	tid = READ_ONCE(c->tid);
	__asm__ volatile("" ::: "memory");
	object = READ_ONCE(c->freelist);
	struct slab *slab = READ_ONCE(c->slab);
	if (unlikely(!object || !slab))
		die("slow path");
	void *next = get_freepointer(s, object);
	if (unlikely(!cmpxchg_freelist_tid(c, object, tid, next, tid + TID_STEP)))
		goto redo;
	__builtin_prefetch((char *)next + s->offset);
	(void)gfp;
	return object;
}
// kfree -> slab_free -> do_slab_free fast path: virt_to_slab, memcg test, cpu slab test,
// set_freepointer, tid/freelist cmpxchg.
static void NOIPA slub_kfree(void *x) {
	if (unlikely((uintptr_t)x <= 16))
		return;
	struct slab *slab = virt_to_slab(x);
	if (unlikely(!(READ_ONCE(slab->flags) & PG_slab)))
		die("not slab");
	struct kmem_cache *s = slab->slab_cache;
	if (unlikely(READ_ONCE(slab->obj_exts)))
		die("memcg");
	struct kmem_cache_cpu *c;
	unsigned long tid;
	void *freelist;
redo:
	c = s->cpu_slab;
	tid = READ_ONCE(c->tid);
	__asm__ volatile("" ::: "memory");
	if (unlikely(slab != READ_ONCE(c->slab)))
		die("free slow path");
	freelist = READ_ONCE(c->freelist);
	set_freepointer(s, x, freelist);
	if (unlikely(!cmpxchg_freelist_tid(c, freelist, tid, x, tid + TID_STEP)))
		goto redo;
}
// allocate_slab() minus its pages: slab flag and fields, accounting, the freelist threaded
// through every object (no freelist randomisation, no debug), inc_slabs_node.
static struct slab *NOIPA allocate_slab(struct kmem_cache *s, struct slab *slab) {
	slab->flags |= PG_slab;
	slab->objects = s->oo_objects;
	slab->inuse = 0;
	slab->frozen = 0;
	mod_lruvec_state(NR_SLAB_UNRECLAIMABLE_B, 4096L << s->oo_order);
	slab->slab_cache = s;
	char *start = slab_mem + ((size_t)(slab - slab_vmemmap) << 12);
	char *p = start;
	slab->freelist = start;
	for (unsigned idx = 0; idx + 1 < (unsigned)slab->objects; idx++) {
		char *next = p + s->size;
		set_freepointer(s, p, next);
		p = next;
	}
	set_freepointer(s, p, NULL);
	__atomic_fetch_add(&s->nr_slabs, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&s->total_objects, (long)slab->objects, __ATOMIC_RELAXED);
	return slab;
}
// discard_slab() minus its pages: dec_slabs_node, __free_slab's flag/mapping resets, reclaim
// accounting test, unaccount_slab.
static volatile void *k_reclaim_state;
static void NOIPA discard_slab(struct kmem_cache *s, struct slab *slab) {
	__atomic_fetch_sub(&s->nr_slabs, 1, __ATOMIC_RELAXED);
	__atomic_fetch_sub(&s->total_objects, (long)slab->objects, __ATOMIC_RELAXED);
	unsigned order = s->oo_order;
	slab->flags &= ~(1UL << 7); // __slab_clear_pfmemalloc
	slab->slab_cache = NULL;    // folio->mapping = NULL
	slab->flags &= ~PG_slab;
	if (unlikely(k_reclaim_state != NULL))
		die("reclaim");
	if (unlikely(READ_ONCE(slab->obj_exts)))
		die("obj_exts");
	mod_lruvec_state(NR_SLAB_UNRECLAIMABLE_B, -(4096L << order));
}
// __kmalloc_large_node() + free_large_kmalloc() minus the pages: __GFP_COMP, folio address,
// NR_SLAB_UNRECLAIMABLE_B up and down, the order read back from the folio.
static void *NOIPA kmalloc_large_bookkeeping(struct slab *folio, size_t size, unsigned gfp) {
	unsigned order = (unsigned)(64 - __builtin_clzl((size - 1) >> 12));
	gfp |= 0x40000; // __GFP_COMP
	folio->flags = (folio->flags & ~0xffUL) | order; // folio_order, set at prep_compound_page
	void *ptr = slab_mem + ((size_t)(folio - slab_vmemmap) << 12);
	mod_lruvec_state(NR_SLAB_UNRECLAIMABLE_B, 4096L << order);
	// kfree(): not a slab folio, so free_large_kmalloc
	if (READ_ONCE(folio->flags) & PG_slab)
		die("slab");
	unsigned o2 = (unsigned)(READ_ONCE(folio->flags) & 0xff);
	if (unlikely(o2 == 0))
		die("order-0 large kmalloc");
	mod_lruvec_state(NR_SLAB_UNRECLAIMABLE_B, -(4096L << o2));
	(void)gfp;
	return ptr;
}

// ---------------------------------------------------------------- vmalloc

struct rb_node {
	unsigned long parent_color; // parent pointer | colour bit (1 = black)
	struct rb_node *right, *left;
};
struct vmap_area {
	unsigned long va_start, va_end;
	struct rb_node rb_node;
	struct list_head list;
	unsigned long subtree_max_size; // free tree: largest free area below; busy tree: the vm_struct
	unsigned long flags;
};
struct vm_struct {
	void *addr;
	unsigned long size, flags;
	struct page **pages;
	unsigned nr_pages;
	const void *caller;
};
#define RB_BLACK 1UL
#define rb_parent(n) ((struct rb_node *)((n)->parent_color & ~3UL))
#define va_of(n) container_of(n, struct vmap_area, rb_node)
#define PAGE_SIZE 4096UL
#define VMALLOC_START 0xffff800080000000UL
#define VMALLOC_END 0xfffffdffbf800000UL
#define N_HOLES 4096
#define MAX_VA_SIZE_PAGES 256
#define VM_UNINITIALIZED 0x20UL

struct rb_root {
	struct rb_node *rb_node;
};
struct va_pool {
	struct list_head head;
	unsigned long len;
};
struct vmap_node {
	struct {
		uint32_t lock;
		struct rb_root root;
		struct list_head head;
	} busy, lazy;
	struct list_head purge_list;
	struct va_pool pool[MAX_VA_SIZE_PAGES];
	uint32_t pool_lock;
	unsigned long nr_purged;
};
static struct vmap_node vmap_nodes[2];
static struct rb_root free_vmap_area_root;
static struct list_head free_vmap_area_list;
static uint32_t free_vmap_area_lock;
static long vmap_lazy_nr, nr_vmalloc_pages;
static struct vmap_area *ne_fit_preload_node;
static struct vmap_area *va_free_nodes, *va_busy_nodes, *va_spare;
static unsigned long va_top_start; // start of the big free area at the top, restored by the merge

static inline unsigned long va_size(const struct vmap_area *va) { return va->va_end - va->va_start; }
static inline unsigned long get_subtree_max_size(const struct rb_node *n) {
	return n ? va_of(n)->subtree_max_size : 0;
}
static inline unsigned long compute_subtree_max_size(const struct vmap_area *va) {
	unsigned long m = va_size(va), l = get_subtree_max_size(va->rb_node.left), r = get_subtree_max_size(va->rb_node.right);
	if (l > m)
		m = l;
	return r > m ? r : m;
}
static struct rb_node *build_tree(struct vmap_area *v, int lo, int hi, struct rb_node *parent, int augment) {
	if (lo > hi)
		return NULL;
	int mid = (lo + hi) / 2;
	struct rb_node *n = &v[mid].rb_node;
	n->parent_color = (unsigned long)parent | RB_BLACK;
	n->left = build_tree(v, lo, mid - 1, n, augment);
	n->right = build_tree(v, mid + 1, hi, n, augment);
	if (augment)
		v[mid].subtree_max_size = compute_subtree_max_size(&v[mid]);
	return n;
}
static inline int is_within_this_va(const struct vmap_area *va, unsigned long size, unsigned long align, unsigned long vstart) {
	unsigned long nva_start = va->va_start > vstart ? (va->va_start + align - 1) & ~(align - 1) : (vstart + align - 1) & ~(align - 1);
	if (nva_start + size < nva_start || nva_start < vstart)
		return 0;
	return nva_start + size <= va->va_end;
}
// find_vmap_lowest_match(): lowest free area that fits, guided by subtree_max_size, with backtracking.
static struct vmap_area *find_vmap_lowest_match(struct rb_root *root, unsigned long size, unsigned long align, unsigned long vstart) {
	unsigned long length = size + align - 1;
	struct rb_node *node = root->rb_node;
	while (node) {
		struct vmap_area *va = va_of(node);
		if (get_subtree_max_size(node->left) >= length && vstart < va->va_start) {
			node = node->left;
		} else {
			if (is_within_this_va(va, size, align, vstart))
				return va;
			if (get_subtree_max_size(node->right) >= length) {
				node = node->right;
				continue;
			}
			while ((node = rb_parent(node))) {
				va = va_of(node);
				if (is_within_this_va(va, size, align, vstart))
					return va;
				if (get_subtree_max_size(node->right) >= length && vstart <= va->va_start) {
					vstart = va->va_start + 1;
					node = node->right;
					break;
				}
			}
		}
	}
	return NULL;
}
static inline void augment_tree_propagate_from(struct vmap_area *va) {
	struct rb_node *node = &va->rb_node;
	while (node) {
		va = va_of(node);
		unsigned long m = compute_subtree_max_size(va);
		if (va->subtree_max_size == m)
			break;
		va->subtree_max_size = m;
		node = rb_parent(node);
	}
}
// __alloc_vmap_area(): lowest match, classify the fit, shrink the free area (LE_FIT: the request
// fits only the top area since the holes are smaller), propagate subtree_max_size up.
static unsigned long __alloc_vmap_area(unsigned long size, unsigned long align, unsigned long vstart, unsigned long vend) {
	struct vmap_area *va = find_vmap_lowest_match(&free_vmap_area_root, size, align, vstart);
	if (unlikely(!va))
		return 0;
	unsigned long nva = va->va_start > vstart ? (va->va_start + align - 1) & ~(align - 1) : (vstart + align - 1) & ~(align - 1);
	if (nva + size > vend)
		return 0;
	if (nva < va->va_start || nva + size > va->va_end)
		die("NOTHING_FIT");
	if (va->va_start == nva) {
		if (va->va_end == nva + size)
			die("FL_FIT (not exercised)");
		va->va_start += size; // LE_FIT_TYPE
	} else {
		die("RE/NE_FIT (not exercised)");
	}
	augment_tree_propagate_from(va);
	return nva;
}
static volatile unsigned long k_rb_red_parents;
// insert_vmap_area() into a busy/lazy tree: find_va_links by address, link as a red leaf, the
// parent's colour read (rb_insert_color's recolouring/rotations not modelled), list_add in order.
static void insert_vmap_area(struct vmap_area *va, struct rb_root *root, struct list_head *head) {
	struct rb_node **link = &root->rb_node, *parent = NULL;
	while (*link) {
		struct vmap_area *tmp = va_of(*link);
		parent = *link;
		if (va->va_end <= tmp->va_start)
			link = &(*link)->left;
		else if (va->va_start >= tmp->va_end)
			link = &(*link)->right;
		else
			die("overlapping vmap areas");
	}
	struct list_head *prev_list = head;
	if (parent) {
		prev_list = &va_of(parent)->list;
		if (&parent->left == link)
			prev_list = prev_list->prev;
	}
	va->rb_node.parent_color = (unsigned long)parent; // red
	va->rb_node.left = va->rb_node.right = NULL;
	*link = &va->rb_node;
	if (parent && !(READ_ONCE(parent->parent_color) & RB_BLACK))
		k_rb_red_parents++; // rb_insert_color's recolouring/rotations are not modelled
	list_add(&va->list, prev_list);
}
// unlink_va() of a leaf: rb_erase without rebalancing, list_del_init.
static void unlink_va(struct vmap_area *va, struct rb_root *root) {
	struct rb_node *n = &va->rb_node, *parent = rb_parent(n);
	if (n->left || n->right)
		die("erase of a non-leaf: not modelled");
	if (!parent)
		root->rb_node = NULL;
	else if (parent->left == n)
		parent->left = NULL;
	else
		parent->right = NULL;
	list_del(&va->list);
	INIT_LIST_HEAD(&va->list);
}
// addr_to_node(): (addr / vmap_zone_size) % nr_vmap_nodes; the areas timed here lie in node 0's zone.
static inline unsigned addr_to_node_id(unsigned long addr) { return (unsigned)((addr - VMALLOC_START) >> 50) & 1; }

// alloc_vmap_area() through the free tree (node_alloc's pool empty; the vmap_area's own
// kmem_cache_alloc priced as a slab allocation): preload test, free-space search under
// free_vmap_area_lock, busy-tree insert under the node's busy lock.
static struct vmap_area *NOIPA alloc_vmap_area_tree(struct vmap_area *va, unsigned long size) {
	struct vmap_node *vn0 = &vmap_nodes[0];
	struct va_pool *vp = &vn0->pool[size / PAGE_SIZE - 1];
	if (!list_empty(&vp->head))
		die("pool not empty");
	if (unlikely(!READ_ONCE(ne_fit_preload_node)))
		die("preload");
	spin_lock(&free_vmap_area_lock);
	unsigned long addr = __alloc_vmap_area(size, PAGE_SIZE, VMALLOC_START, VMALLOC_END);
	spin_unlock(&free_vmap_area_lock);
	if (unlikely(!addr))
		die("vmap space exhausted");
	va->va_start = addr;
	va->va_end = addr + size;
	va->subtree_max_size = 0;
	va->flags = 1 << 8;
	struct vmap_node *vn = &vmap_nodes[addr_to_node_id(addr)];
	spin_lock(&vn->busy.lock);
	insert_vmap_area(va, &vn->busy.root, &vn->busy.head);
	spin_unlock(&vn->busy.lock);
	return va;
}
// node_alloc() hit: the area comes from this CPU's node pool of its size; then the busy insert.
static struct vmap_area *NOIPA alloc_vmap_area_pool(unsigned long size) {
	struct vmap_node *vn0 = &vmap_nodes[0];
	struct va_pool *vp = &vn0->pool[size / PAGE_SIZE - 1];
	if (list_empty(&vp->head))
		die("pool empty");
	spin_lock(&vn0->pool_lock);
	struct vmap_area *va = container_of(vp->head.next, struct vmap_area, list);
	if ((va->va_start & (PAGE_SIZE - 1)) || va->va_start < VMALLOC_START || va->va_end > VMALLOC_END)
		die("pool area misfit");
	list_del(&va->list);
	INIT_LIST_HEAD(&va->list);
	WRITE_ONCE(vp->len, vp->len - 1);
	spin_unlock(&vn0->pool_lock);
	va->flags = 1 << 8;
	struct vmap_node *vn = &vmap_nodes[addr_to_node_id(va->va_start)];
	spin_lock(&vn->busy.lock);
	insert_vmap_area(va, &vn->busy.root, &vn->busy.head);
	spin_unlock(&vn->busy.lock);
	return va;
}

// Kernel page tables: pgd -> pud -> pmd -> pte tables of 512 descriptors (table address | 3).
static uint64_t *k_pgd;
static inline uint64_t *tbl(uint64_t desc) { return (uint64_t *)(uintptr_t)(desc & ~0xfffUL & 0x0000ffffffffffffUL); }
static uint64_t *pte_offset_kernel(unsigned long addr) {
	uint64_t pgd = READ_ONCE(k_pgd[(addr >> 39) & 511]);
	if (unlikely(!(pgd & 1)))
		die("pgd none");
	uint64_t pud = READ_ONCE(tbl(pgd)[(addr >> 30) & 511]);
	if (unlikely((pud & 3) != 3))
		die("pud none/leaf");
	uint64_t pmd = READ_ONCE(tbl(pud)[(addr >> 21) & 511]);
	if (unlikely((pmd & 3) != 3))
		die("pmd none/leaf");
	return tbl(pmd) + ((addr >> 12) & 511);
}
// __vmalloc_node_range() bookkeeping for an n-page area (area search, pages, page array and
// vm_struct allocations priced separately): size checks, setup_vmalloc_vm, the page array filled,
// vmalloc page accounting (__GFP_ACCOUNT: memcg per page), vmap_pages_range walking the page
// table per PMD and setting one PTE per page, clear_vm_uninitialized_flag.
static void *NOIPA vmalloc_bookkeeping(struct vm_struct *vm, struct vmap_area *va, struct page **pages, struct page **src, unsigned n) {
	unsigned long size = (unsigned long)n * PAGE_SIZE;
	if (unlikely(!size || (size >> 12) > NPAGES))
		die("size");
	vm->flags = 0x22 | VM_UNINITIALIZED; // VM_ALLOC | VM_UNINITIALIZED
	vm->addr = (void *)va->va_start;
	vm->size = va_size(va);
	vm->caller = __builtin_return_address(0);
	va->subtree_max_size = (unsigned long)vm; // va->vm
	vm->pages = pages;
	for (unsigned i = 0; i < n; i++)
		pages[i] = src[i];
	vm->nr_pages = n;
	__atomic_fetch_add(&nr_vmalloc_pages, (long)n, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < n; i++)
		mod_lruvec_state(NR_ANON_MAPPED + 1, 1); // mod_memcg_page_state(MEMCG_VMALLOC)
	unsigned long addr = va->va_start, end = addr + size;
	while (addr < end) {
		uint64_t *pte = pte_offset_kernel(addr);
		unsigned long next = (addr + (1UL << 21)) & ~((1UL << 21) - 1);
		if (next > end)
			next = end;
		for (; addr < next; addr += PAGE_SIZE, pte++) {
			struct page *p = *pages++;
			if (unlikely(READ_ONCE(*pte)))
				die("pte not none");
			WRITE_ONCE(*pte, ((uint64_t)page_to_pfn(p) << 12) | 0x0068000000000f03ULL); // PAGE_KERNEL
			__asm__ volatile("dsb ishst\n\tisb" ::: "memory"); // __set_pte of a valid kernel PTE
		}
	}
	__atomic_thread_fence(__ATOMIC_RELEASE); // smp_wmb
	vm->flags &= ~VM_UNINITIALIZED;
	return vm->addr;
}
// vfree() minus the page and slab frees: remove_vm_area (busy-tree lookup and unlink under the
// node lock), vunmap_range_noflush clearing the PTEs, free_vmap_area_noflush (lazy count, the area
// inserted into the node's lazy tree), nr_vmalloc_pages.
static int NOIPA vfree_bookkeeping(void *addr, unsigned long *lazy_max) {
	if (unlikely(!addr))
		return 0;
	unsigned long a = (unsigned long)addr;
	struct vmap_node *vn = &vmap_nodes[addr_to_node_id(a)];
	spin_lock(&vn->busy.lock);
	struct rb_node *n = vn->busy.root.rb_node;
	struct vmap_area *va = NULL;
	while (n) {
		struct vmap_area *t = va_of(n);
		if (a < t->va_start)
			n = n->left;
		else if (a >= t->va_end)
			n = n->right;
		else {
			va = t;
			break;
		}
	}
	if (unlikely(!va || va->va_start != a))
		die("vfree of a bad address");
	unlink_va(va, &vn->busy.root);
	spin_unlock(&vn->busy.lock);
	struct vm_struct *vm = (struct vm_struct *)va->subtree_max_size;
	va->subtree_max_size = 0;
	unsigned long end = va->va_start + vm->size;
	for (unsigned long x = va->va_start; x < end;) {
		uint64_t *pte = pte_offset_kernel(x);
		unsigned long next = (x + (1UL << 21)) & ~((1UL << 21) - 1);
		if (next > end)
			next = end;
		for (; x < next; x += PAGE_SIZE, pte++)
			(void)__atomic_exchange_n(pte, 0, __ATOMIC_RELAXED); // ptep_get_and_clear
	}
	long nr_lazy = __atomic_add_fetch(&vmap_lazy_nr, (long)(va_size(va) >> 12), __ATOMIC_RELAXED);
	va->flags = 1 << 8;
	struct vmap_node *lvn = &vmap_nodes[addr_to_node_id(va->va_start)];
	spin_lock(&lvn->lazy.lock);
	insert_vmap_area(va, &lvn->lazy.root, &lvn->lazy.head);
	spin_unlock(&lvn->lazy.lock);
	__atomic_fetch_sub(&nr_vmalloc_pages, (long)vm->nr_pages, __ATOMIC_RELAXED);
	return nr_lazy > (long)*lazy_max;
}
// merge_or_add_vmap_area_augment(): find the links in the free tree; the freed area ends where
// the next free area starts, so it merges into that one (va_start moves down), propagate up.
static void merge_or_add_free(struct vmap_area *va) {
	struct rb_node *n = free_vmap_area_root.rb_node, *parent = NULL;
	struct rb_node **link = &free_vmap_area_root.rb_node;
	while (*link) {
		struct vmap_area *t = va_of(*link);
		parent = *link;
		if (va->va_end <= t->va_start)
			link = &(*link)->left;
		else if (va->va_start >= t->va_end)
			link = &(*link)->right;
		else
			die("free overlap");
	}
	(void)n;
	struct list_head *next = &va_of(parent)->list;
	if (&parent->left != link)
		next = next->next; // get_va_next_sibling
	if (next != &free_vmap_area_list) {
		struct vmap_area *sib = container_of(next, struct vmap_area, list);
		if (sib->va_start == va->va_end) {
			sib->va_start = va->va_start;
			struct vmap_area *prev = container_of(next->prev, struct vmap_area, list);
			if (next->prev != &free_vmap_area_list && prev->va_end == va->va_start)
				die("merge with prev not exercised");
			augment_tree_propagate_from(sib);
			return;
		}
	}
	die("insert of an unmerged free area not exercised");
}
// node_pool_add_va(): a purged area kept in its node's pool of that size.
static int node_pool_add_va(struct vmap_node *n, struct vmap_area *va) {
	unsigned long pages = va_size(va) >> 12;
	if (pages > MAX_VA_SIZE_PAGES)
		return 0;
	struct va_pool *vp = &n->pool[pages - 1];
	spin_lock(&n->pool_lock);
	list_add(&va->list, &vp->head);
	WRITE_ONCE(vp->len, vp->len + 1);
	spin_unlock(&n->pool_lock);
	return 1;
}
// __purge_vmap_area_lazy(): per node, decay_va_pool_node's scan of the size pools, the lazy
// tree emptied and its list taken; (flush_tlb_kernel_range: its own term); purge_vmap_node per
// area: lazy count, then pooled (to_pool) or merged back into the free space under the lock.
static unsigned NOIPA purge_vmap_area_lazy(int to_pool) {
	unsigned long start = ~0UL, end = 0;
	unsigned n_total = 0;
	for (unsigned i = 0; i < 2; i++) {
		struct vmap_node *vn = &vmap_nodes[i];
		for (unsigned j = 0; j < MAX_VA_SIZE_PAGES; j++) // decay_va_pool_node
			if (!list_empty(&vn->pool[j].head) && !to_pool)
				die("pool to decay");
		INIT_LIST_HEAD(&vn->purge_list);
		if (list_empty(&vn->lazy.head))
			continue;
		spin_lock(&vn->lazy.lock);
		WRITE_ONCE(vn->lazy.root.rb_node, NULL);
		struct list_head *f = vn->lazy.head.next, *l = vn->lazy.head.prev; // list_replace_init
		vn->purge_list.next = f;
		vn->purge_list.prev = l;
		f->prev = &vn->purge_list;
		l->next = &vn->purge_list;
		INIT_LIST_HEAD(&vn->lazy.head);
		spin_unlock(&vn->lazy.lock);
		unsigned long s = container_of(f, struct vmap_area, list)->va_start, e = container_of(l, struct vmap_area, list)->va_end;
		if (s < start)
			start = s;
		if (e > end)
			end = e;
	}
	for (unsigned i = 0; i < 2; i++) {
		struct vmap_node *vn = &vmap_nodes[i];
		struct list_head local;
		INIT_LIST_HEAD(&local);
		unsigned long nr_pages = 0;
		struct list_head *p = vn->purge_list.next;
		while (p != &vn->purge_list) {
			struct list_head *nx = p->next;
			struct vmap_area *va = container_of(p, struct vmap_area, list);
			nr_pages += va_size(va) >> 12;
			list_del(p);
			if (!(to_pool && (va->flags >> 8) && node_pool_add_va(vn, va)))
				list_add(p, &local);
			n_total++;
			p = nx;
		}
		__atomic_fetch_sub(&vmap_lazy_nr, (long)nr_pages, __ATOMIC_RELAXED);
		vn->nr_purged += nr_pages;
		if (!list_empty(&local)) { // reclaim_list_global
			spin_lock(&free_vmap_area_lock);
			for (p = local.next; p != &local;) {
				struct list_head *nx = p->next;
				merge_or_add_free(container_of(p, struct vmap_area, list));
				p = nx;
			}
			spin_unlock(&free_vmap_area_lock);
		}
	}
	(void)start;
	(void)end;
	return n_total;
}

// ---------------------------------------------------------------- RCU callbacks

struct rcu_head {
	struct rcu_head *next;
	void (*func)(struct rcu_head *);
};
struct rcu_cblist {
	struct rcu_head *head, **tail;
	long len;
};
static volatile unsigned long k_softirq_count = 0x100, k_need_resched;
static void NOIPA rcu_cb_nop(struct rcu_head *h) { (void)h; }
// rcu_do_batch() in softirq context: take the done callbacks (irqs off), then per callback
// rcu_cblist_dequeue, fetch and clear ->func, invoke it, the batch-limit tests; afterwards the
// counts and the segmented list are updated (irqs off). The callback's own work is priced apart.
struct rcu_data {
	struct rcu_cblist done;
	long seglen, len, blimit, n_cbs_invoked;
};
static long NOIPA rcu_do_batch(struct rcu_data *rdp) {
	uint64_t f = local_irq_save();
	struct rcu_cblist rcl = rdp->done; // rcu_segcblist_extract_done_cbs
	rdp->done.head = NULL;
	rdp->done.tail = &rdp->done.head;
	rdp->seglen -= rcl.len;
	long bl = rdp->blimit > 10 ? rdp->blimit : 10;
	local_irq_restore(f);
	long count = 0;
	struct rcu_head *rhp = rcl.head;
	if (rhp) { // rcu_cblist_dequeue
		rcl.head = rhp->next;
		rcl.len--;
	}
	for (; rhp;) {
		count++;
		void (*fn)(struct rcu_head *) = READ_ONCE(rhp->func);
		WRITE_ONCE(rhp->func, NULL);
		fn(rhp);
		if (READ_ONCE(k_softirq_count) & 0xff00) { // in_serving_softirq
			if (count >= bl && READ_ONCE(k_need_resched))
				break;
		}
		rhp = rcl.head;
		if (rhp) {
			rcl.head = rhp->next;
			rcl.len--;
		}
	}
	f = local_irq_save();
	rdp->n_cbs_invoked += count;
	rdp->len -= count; // rcu_segcblist_add_len
	if (rdp->len < rdp->blimit)
		rdp->blimit = 10;
	local_irq_restore(f);
	return count;
}

// ---------------------------------------------------------------- page fault, page tables

struct ptdesc {
	unsigned long flags;
	struct rcu_head pt_rcu_head;
	unsigned long pt_index;
	uint32_t ptl;
	int page_type;
	int refcount, pad;
	unsigned long memcg_data, pad2;
};
_Static_assert(sizeof(struct ptdesc) == 64, "ptdesc is a struct page");
#define PGTY_table ((int)0xf2000000)
struct mt_node {
	unsigned long pivot[15];
	void *slot[16];
};
struct vm_area {
	unsigned long vm_start, vm_end, vm_flags, vm_page_prot, vm_pgoff;
	void *anon_vma;
	unsigned long vm_lock_seq;
	long lock_count;
};
struct mm {
	struct mt_node *mt_root;
	uint64_t *pgd;
	long rss_anon_percpu, rss_anon, nr_ptes, mm_lock_seq;
	long maj_flt, min_flt;
};
struct folio_batch {
	unsigned char nr, i;
	struct page *folios[15];
};
static struct folio_batch k_lru_add;
static struct ptdesc *k_pte_ptdesc;
// mas_walk() over a three-level maple tree of 16-slot nodes: pivot search per level.
static struct vm_area *mas_walk(struct mm *mm, unsigned long addr) {
	struct mt_node *n = mm->mt_root;
	for (int level = 0; level < 3; level++) {
		unsigned i = 0;
		while (i < 15 && READ_ONCE(n->pivot[i]) && addr > n->pivot[i])
			i++;
		void *next = READ_ONCE(n->slot[i]);
		if (level == 2)
			return (struct vm_area *)next;
		n = (struct mt_node *)next;
	}
	return NULL;
}
static uint64_t k_regs[34];
// An anonymous write fault on a present page table, apart from the folio's allocation and
// zeroing: exception entry/exit (pt_regs save/restore), do_page_fault's tests, lock_vma_under_rcu
// (maple tree walk, vma read-lock atomics), handle_mm_fault (vm event, page-table walk,
// pte_none), do_anonymous_page (memcg charge from the per-CPU stock, uptodate, PTE made, PTE lock,
// anon RSS counter, new anon rmap, LRU batch add, set_ptes), vma read-unlock, fault accounting.
static long k_memcg_stock = 1 << 30;
static int NOIPA do_anonymous_fault(struct mm *mm, unsigned long addr, struct page *folio, uint64_t esr) {
	for (int i = 0; i < 34; i++) // kernel_entry: stp of x0..x29, lr, sp, elr, spsr
		WRITE_ONCE(k_regs[i], (uint64_t)i + addr);
	if (unlikely(READ_ONCE(k_preempt_count) & 0xff00)) // faulthandler_disabled
		die("atomic fault");
	unsigned long vm_flags = (esr & (1 << 6)) ? 0x2 : 0x1; // WnR: VM_WRITE else VM_READ
	__atomic_fetch_add(&k_preempt_count, 0, __ATOMIC_RELAXED); // rcu_read_lock (preempt RCU: nesting count)
	struct vm_area *vma = mas_walk(mm, addr);
	if (unlikely(!vma))
		die("no vma");
	if (READ_ONCE(vma->vm_lock_seq) == (unsigned long)READ_ONCE(mm->mm_lock_seq))
		die("vma write-locked");
	long c = READ_ONCE(vma->lock_count);
	if (!__atomic_compare_exchange_n(&vma->lock_count, &c, c + 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) // down_read_trylock
		die("vma lock");
	if (unlikely(addr < vma->vm_start || addr >= vma->vm_end))
		die("addr outside vma");
	if (unlikely(!(vma->vm_flags & vm_flags)))
		die("access error");
	count_vm_event(PGFAULT);
	// __handle_mm_fault: pgd/p4d/pud/pmd, not huge, then the PTE
	uint64_t pgd = READ_ONCE(mm->pgd[(addr >> 39) & 511]);
	uint64_t pud = READ_ONCE(tbl(pgd)[(addr >> 30) & 511]);
	uint64_t *pmdp = &tbl(pud)[(addr >> 21) & 511];
	uint64_t pmd = READ_ONCE(*pmdp);
	if (unlikely((pmd & 3) != 3))
		die("pmd not a table");
	uint64_t *pte = tbl(pmd) + ((addr >> 12) & 511);
	uint64_t orig = READ_ONCE(*pte);
	if (orig)
		die("pte present");
	if (vma->vm_flags & 0x8) // VM_SHARED
		die("shared");
	if (unlikely(!READ_ONCE(vma->anon_vma)))
		die("anon_vma_prepare");
	// mem_cgroup_charge: consume_stock from the per-CPU stock, folio->memcg_data
	uint64_t f = local_irq_save();
	if (k_memcg_stock < 1)
		die("stock");
	k_memcg_stock -= 1;
	local_irq_restore(f);
	folio->memcg_data = 0x1000;
	__atomic_thread_fence(__ATOMIC_RELEASE); // __folio_mark_uptodate: smp_wmb + set bit
	folio->flags |= 1UL << 3;
	uint64_t entry = ((uint64_t)(folio - mem_map) << 12) | 0x00e8000000000f43ULL;
	entry |= (1UL << 51) | (1UL << 55); // pte_mkwrite(pte_mkdirty)
	spin_lock(&k_pte_ptdesc->ptl);
	if (unlikely(READ_ONCE(*pte)))
		die("raced");
	mm->rss_anon_percpu += 1; // add_mm_counter: percpu_counter_add with a batch
	if (mm->rss_anon_percpu >= 64) {
		__atomic_fetch_add(&mm->rss_anon, mm->rss_anon_percpu, __ATOMIC_RELAXED);
		mm->rss_anon_percpu = 0;
	}
	folio->flags |= 1UL << 19;                           // __folio_set_swapbacked
	folio->mapping = (char *)vma->anon_vma + 1;          // __folio_set_anon
	folio->index = (addr - vma->vm_start) >> 12 | vma->vm_pgoff;
	__atomic_store_n(&folio->mapcount, 0, __ATOMIC_RELAXED); // first mapping
	mod_lruvec_state(NR_ANON_MAPPED, 1);
	__atomic_fetch_add(&folio->refcount, 1, __ATOMIC_RELAXED); // folio_add_lru: folio_get
	preempt_disable();                                          // local_lock
	k_lru_add.folios[k_lru_add.nr++] = folio;
	if (k_lru_add.nr == 15)
		k_lru_add.nr = 0; // folio_batch_move_lru: the LRU insertion itself is not timed
	preempt_enable();
	WRITE_ONCE(*pte, entry); // set_ptes of a user PTE: no barrier
	spin_unlock(&k_pte_ptdesc->ptl);
	__atomic_fetch_sub(&vma->lock_count, 1, __ATOMIC_RELEASE); // vma_end_read
	mm->min_flt++;
	uint64_t s = 0;
	for (int i = 0; i < 34; i++) // kernel_exit: ldp of the registers, eret
		s += READ_ONCE(k_regs[i]);
	return (int)(s & 1);
}
// __pte_alloc() minus the page: pagetable_pte_ctor (ptlock_init, page type, NR_PAGETABLE), then
// pmd_install under the PMD lock: nr_ptes, smp_wmb, pmd_populate (valid table entry: dsb, isb).
static uint32_t k_pmd_lock;
static long NOIPA pte_alloc_ctor(struct mm *mm, uint64_t *pmd, struct ptdesc *pt, uint64_t phys) {
	pt->ptl = 0; // spin_lock_init
	pt->page_type = PGTY_table;
	mod_lruvec_state(NR_PAGETABLE, 1);
	spin_lock(&k_pmd_lock);
	long installed = 0;
	if (likely(!READ_ONCE(*pmd))) {
		__atomic_fetch_add(&mm->nr_ptes, 1, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_RELEASE);
		WRITE_ONCE(*pmd, phys | 3);
		__asm__ volatile("dsb ishst\n\tisb" ::: "memory");
		installed = 1;
	}
	spin_unlock(&k_pmd_lock);
	return installed;
}
// free_pte_range() + the table's later release minus the page: pmd_clear (dsb, isb), pte_free_tlb
// into the mmu_gather table batch, nr_ptes, pagetable_pte_dtor (page type, NR_PAGETABLE).
struct mmu_table_batch {
	unsigned nr;
	void *tables[508];
};
static struct mmu_table_batch k_tlb_batch;
static void NOIPA pte_free_dtor(struct mm *mm, uint64_t *pmd, struct ptdesc *pt) {
	uint64_t token = READ_ONCE(*pmd);
	WRITE_ONCE(*pmd, 0);
	__asm__ volatile("dsb ishst\n\tisb" ::: "memory");
	k_tlb_batch.tables[k_tlb_batch.nr++] = (void *)(uintptr_t)token;
	if (k_tlb_batch.nr == 508)
		k_tlb_batch.nr = 0; // tlb_table_flush: the batch's RCU free is priced as an RCU callback
	__atomic_fetch_sub(&mm->nr_ptes, 1, __ATOMIC_RELAXED);
	if (unlikely(pt->page_type != PGTY_table))
		die("not a page table");
	pt->page_type = PAGE_NO_TYPE;
	mod_lruvec_state(NR_PAGETABLE, -1);
}

// ---------------------------------------------------------------- KASAN quarantine (generic)

struct qlist_node {
	struct qlist_node *next;
};
struct qlist_head {
	struct qlist_node *head, *tail;
	size_t bytes;
	long offline;
};
#define QUARANTINE_BATCHES 1024
#define QUARANTINE_PERCPU_SIZE (1UL << 20)
static struct qlist_head cpu_quarantine, global_quarantine[QUARANTINE_BATCHES];
static size_t quarantine_size, quarantine_max_size = 1, quarantine_batch_size = QUARANTINE_PERCPU_SIZE;
static unsigned quarantine_head;
static uint32_t quarantine_lock;
static long k_srcu_lock_count[2];
static unsigned long k_totalram_pages = 1UL << 20;
struct kasan_cache {
	unsigned size, free_meta_offset;
	int init_on_free;
};
static struct kasan_cache k_qcache = {.size = 64, .free_meta_offset = 0};
static inline void qlist_put(struct qlist_head *q, struct qlist_node *qlink, size_t size) {
	if (!q->head)
		q->head = qlink;
	else
		q->tail->next = qlink;
	q->tail = qlink;
	qlink->next = NULL;
	q->bytes += size;
}
// kasan_quarantine_put(): free meta of the object, irqs off, this CPU's queue, offline test,
// qlist_put, the per-CPU size test (the 1 MiB spill into the global ring is not on this path).
static int NOIPA quarantine_put(struct kasan_cache *cache, void *object) {
	struct qlist_node *meta = (struct qlist_node *)((char *)object + cache->free_meta_offset);
	uint64_t f = local_irq_save();
	struct qlist_head *q = &cpu_quarantine;
	if (unlikely(READ_ONCE(q->offline)))
		die("offline");
	qlist_put(q, meta, cache->size);
	if (unlikely(q->bytes > QUARANTINE_PERCPU_SIZE))
		q->bytes = 0; // the spill to the global ring is not timed here
	local_irq_restore(f);
	return 1;
}
static void NOIPA cache_free_stub(void *cache, void *obj) { (void)cache; (void)obj; }
// qlist_free_all(): per object, its cache from its slab, the object from its link, the
// init_on_free test, the free (the slab free itself priced as a slab free).
static void qlist_free_all(struct qlist_head *q) {
	struct qlist_node *qlink = q->head;
	while (qlink) {
		struct slab *slab = virt_to_slab(qlink);
		struct kmem_cache *cache = READ_ONCE(slab->slab_cache);
		struct qlist_node *next = qlink->next;
		void *object = (char *)qlink - k_qcache.free_meta_offset;
		if (unlikely(k_qcache.init_on_free && k_qcache.free_meta_offset == 0))
			memset(qlink, 0, sizeof(*qlink));
		cache_free_stub(cache, object);
		qlink = next;
	}
	q->head = q->tail = NULL;
	q->bytes = 0;
}
// kasan_quarantine_reduce(): size test, srcu_read_lock, quarantine_lock with irqs off, limits
// recomputed from totalram, the head batch taken, head advanced, unlock, qlist_free_all, srcu unlock.
static long NOIPA quarantine_reduce(void) {
	if (likely(READ_ONCE(quarantine_size) <= READ_ONCE(quarantine_max_size)))
		return 0;
	__atomic_fetch_add(&k_srcu_lock_count[0], 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	uint64_t f = local_irq_save();
	spin_lock(&quarantine_lock);
	size_t total = (k_totalram_pages << 12) / 32, percpu = QUARANTINE_PERCPU_SIZE * 2;
	total = total < percpu ? 0 : total - percpu;
	WRITE_ONCE(quarantine_max_size, (size_t)1); // kept tiny so every call reduces (real: total)
	WRITE_ONCE(quarantine_batch_size, total / QUARANTINE_BATCHES > QUARANTINE_PERCPU_SIZE ? total / QUARANTINE_BATCHES : QUARANTINE_PERCPU_SIZE);
	struct qlist_head to_free = {0};
	if (likely(quarantine_size > quarantine_max_size)) {
		struct qlist_head *g = &global_quarantine[quarantine_head];
		to_free = *g; // qlist_move_all
		g->head = g->tail = NULL;
		g->bytes = 0;
		WRITE_ONCE(quarantine_size, quarantine_size - to_free.bytes);
		if (++quarantine_head == QUARANTINE_BATCHES)
			quarantine_head = 0;
	}
	spin_unlock(&quarantine_lock);
	local_irq_restore(f);
	qlist_free_all(&to_free);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_fetch_sub(&k_srcu_lock_count[0], 1, __ATOMIC_RELAXED);
	return (long)to_free.bytes;
}

// ---------------------------------------------------------------- driver

// Built without return-address signing: subtracting it leaves each routine's own PACIASP/AUTIASP
// in its figure (the kernel signs every function: -mbranch-protection=pac-ret+leaf).
static void NOIPA __attribute__((target("branch-protection=none"))) call_nop(void *p) { (void)p; }
static double clock_ovh; // ns of one now_ns() pair, measured per repetition
static int rep_no;
static void raw(const char *bench, uint64_t ns, long segs, long calls) {
	double net = (double)ns - (double)segs * clock_ovh;
	printf("raw %s %d %.0f %ld\n", bench, rep_no, net < 0 ? 0 : net, calls);
}
// seg_begin/seg_end bracket every timed segment so that an instruction trace (count mode, see
// count-insns.mjs) can attribute executed instructions to it; count mode names each segment first.
static int count_mode;
static void NOIPA seg_begin(void) { __asm__ volatile("" ::: "memory"); }
static void NOIPA seg_end(void) { __asm__ volatile("" ::: "memory"); }
#define SEG(acc, stmt)                                  \
	do {                                            \
		if (count_mode)                         \
			printf("seg %s\n", #acc);       \
		uint64_t t0_ = now_ns();                \
		seg_begin();                            \
		stmt;                                   \
		seg_end();                              \
		(acc) += now_ns() - t0_;                \
	} while (0)

#define PCP_PAGES 1024
#define BULK_CALLS 64
#define BULK_BATCH 63
#define SPLIT_BLOCKS 32
#define SLAB_FAST_OBJS 512
#define NEW_SLABS 64
#define VM_AREAS 8
#define VM_PAGES 8 // a 32 KiB KASAN thread stack
#define RCU_BATCHES 64
#define RCU_PER_BATCH 16
#define FAULTS 512
#define Q_OBJS 1024
#define Q_BATCHES 32

int main(int argc, char **argv) {
	count_mode = argc > 1 && strcmp(argv[1], "count") == 0; // MTE off, segments named
	int mte = !(argc > 1 && (strcmp(argv[1], "nomte") == 0 || count_mode));
	int reps = argc > 2 ? atoi(argv[2]) : 7;
	int scale = argc > 3 ? atoi(argv[3]) : 4; // inner repetitions of every bench per rep
	if ((argc > 1 && strcmp(argv[1], "mte") && strcmp(argv[1], "nomte") && !count_mode) || reps < 1 || scale < 1) {
		fprintf(stderr, "usage: %s [mte|nomte|count] [reps>=1] [scale>=1]\n", argv[0]);
		return 2;
	}
	if (mte) {
		unsigned long ctrl = PR_TAGGED_ADDR_ENABLE | PR_MTE_TCF_SYNC | (0xfffeUL << PR_MTE_TAG_SHIFT);
		if (prctl(PR_SET_TAGGED_ADDR_CTRL, ctrl, 0, 0, 0)) {
			fprintf(stderr, "prctl(PR_SET_TAGGED_ADDR_CTRL): %s (is -cpu max set?)\n", strerror(errno));
			return 1;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("info mode %s\ninfo reps %d\ninfo scale %d\n", mte ? "mte" : "nomte", reps, scale);
	printf("info sizes pcp_pages %d bulk_batch %d split_levels 10-2 slab_objs %d new_slab_objs 64 vm_pages %d vm_areas %d rcu_per_batch %d free_tree_holes %d\n",
	       PCP_PAGES, BULK_BATCH, SLAB_FAST_OBJS, VM_PAGES, VM_AREAS, RCU_PER_BATCH, N_HOLES);

	// --- page allocator: mem_map, one zone, pageblocks all MIGRATE_UNMOVABLE (0) ---
	mem_map = xmap(NPAGES * sizeof(struct page));
	pageblock_flags = xmap(4096);
	for (long i = 0; i < NPAGES; i++) {
		mem_map[i].mapcount = PAGE_NO_TYPE;
		mem_map[i].flags = 1UL << 62; // zone id 1 in the top bits
	}
	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
		for (unsigned m = 0; m < MIGRATE_TYPES; m++)
			INIT_LIST_HEAD(&zone0.free_area[o].free_list[m]);
	zone0.watermark[1] = 1024;
	zone0.vm_stat_free = 1L << 30;
	static struct per_cpu_pages pcpB;
	for (unsigned i = 0; i < NR_PCP_LISTS; i++) {
		INIT_LIST_HEAD(&pcp0.lists[i]);
		INIT_LIST_HEAD(&pcpB.lists[i]);
	}
	pcp0.high = pcp0.high_max = 8 * PCP_PAGES;
	pcp0.high_min = PCP_PAGES * 4;
	pcp0.batch = pcpB.batch = BULK_BATCH;
	// pcp0 holds PCP_PAGES pages [0, PCP_PAGES) for the fast paths
	for (int i = 0; i < PCP_PAGES; i++)
		list_add_tail(&mem_map[i].lru, &pcp0.lists[0]);
	pcp0.count = PCP_PAGES;
	// order-0 free list: the odd pfns of [PCP_PAGES, 32768) (their even buddies stay allocated)
	for (long pfn = PCP_PAGES + 1; pfn < 32768; pfn += 2) {
		set_buddy_order(&mem_map[pfn], 0);
		add_to_free_list(&mem_map[pfn], &zone0, 0, 0, 1);
	}
	// order-10 blocks in [32768, 65536) for split/merge
	for (int b = 0; b < SPLIT_BLOCKS; b++) {
		struct page *p = &mem_map[32768 + (long)b * 1024];
		set_buddy_order(p, 10);
		add_to_free_list(p, &zone0, 10, 0, 1);
	}

	// --- SLUB: slab memory + its struct pages; cpu slab of SLAB_FAST_OBJS objects (order 3) ---
	slab_mem = xmap(SLAB_MEM_BYTES);
	slab_vmemmap = xmap((SLAB_MEM_BYTES >> 12) * sizeof(struct slab));
	for (unsigned i = 0; i < 14; i++)
		kmalloc_caches[i] = &kmalloc_64;
	for (unsigned i = 0; i < 24; i++)
		size_index[i] = (uint8_t)(i < 8 ? 6 : 7);
	static struct kmem_cache kmalloc_64_b;
	static struct kmem_cache_cpu cpu_slab_b;
	kmalloc_64_b = kmalloc_64;
	kmalloc_64_b.cpu_slab = &cpu_slab_b;
	struct slab *fast = &slab_vmemmap[1000];
	for (int i = 1; i < 8; i++)
		fast[i].compound_head = (unsigned long)fast | 1;
	kmalloc_64.oo_objects = SLAB_FAST_OBJS;
	kmalloc_64.oo_order = 3;
	allocate_slab(&kmalloc_64, fast);
	cpu_slab0.freelist = fast->freelist;
	cpu_slab0.slab = fast;
	static void *objs[SLAB_FAST_OBJS];

	// --- vmalloc: N_HOLES busy areas with a 1-4 page hole after each, then the top free area ---
	va_free_nodes = xmap((N_HOLES + 1) * sizeof(struct vmap_area));
	va_busy_nodes = xmap(N_HOLES * sizeof(struct vmap_area));
	static struct vmap_area spare, vas[VM_AREAS];
	va_spare = &spare;
	ne_fit_preload_node = &spare;
	INIT_LIST_HEAD(&free_vmap_area_list);
	for (unsigned i = 0; i < 2; i++) {
		INIT_LIST_HEAD(&vmap_nodes[i].busy.head);
		INIT_LIST_HEAD(&vmap_nodes[i].lazy.head);
		INIT_LIST_HEAD(&vmap_nodes[i].purge_list);
		for (unsigned j = 0; j < MAX_VA_SIZE_PAGES; j++)
			INIT_LIST_HEAD(&vmap_nodes[i].pool[j].head);
	}
	uint32_t lcg = 12345;
	unsigned long a = VMALLOC_START;
	for (int i = 0; i < N_HOLES; i++) {
		lcg = lcg * 1664525u + 1013904223u;
		unsigned long busy = (1 + (lcg >> 28)) * PAGE_SIZE, hole = (1 + ((lcg >> 20) & 3)) * PAGE_SIZE;
		va_busy_nodes[i].va_start = a;
		va_busy_nodes[i].va_end = a + busy;
		list_add_tail(&va_busy_nodes[i].list, &vmap_nodes[0].busy.head);
		va_free_nodes[i].va_start = a + busy;
		va_free_nodes[i].va_end = a + busy + hole;
		list_add_tail(&va_free_nodes[i].list, &free_vmap_area_list);
		a += busy + hole;
	}
	// the top free area starts on a 2 MiB boundary one page above the last hole, the last busy
	// area stretched to keep the hole sizes (that page stands for a busy area's guard)
	va_top_start = (a + PAGE_SIZE + (1UL << 21) - 1) & ~((1UL << 21) - 1);
	unsigned long last_hole = va_size(&va_free_nodes[N_HOLES - 1]);
	va_free_nodes[N_HOLES - 1].va_end = va_top_start - PAGE_SIZE;
	va_free_nodes[N_HOLES - 1].va_start = va_top_start - PAGE_SIZE - last_hole;
	va_busy_nodes[N_HOLES - 1].va_end = va_free_nodes[N_HOLES - 1].va_start;
	va_free_nodes[N_HOLES].va_start = va_top_start;
	va_free_nodes[N_HOLES].va_end = VMALLOC_END;
	list_add_tail(&va_free_nodes[N_HOLES].list, &free_vmap_area_list);
	free_vmap_area_root.rb_node = build_tree(va_free_nodes, 0, N_HOLES, NULL, 1);
	vmap_nodes[0].busy.root.rb_node = build_tree(va_busy_nodes, 0, N_HOLES - 1, NULL, 0);
	// kernel page tables covering [va_top_start, +2 MiB)
	k_pgd = xmap(4096);
	uint64_t *pud = xmap(4096), *pmd = xmap(4096), *ptes = xmap(4096);
	k_pgd[(va_top_start >> 39) & 511] = (uint64_t)(uintptr_t)pud | 3;
	pud[(va_top_start >> 30) & 511] = (uint64_t)(uintptr_t)pmd | 3;
	pmd[(va_top_start >> 21) & 511] = (uint64_t)(uintptr_t)ptes | 3;
	static struct vm_struct vms[VM_AREAS];
	static struct page *vpages[VM_AREAS][VM_PAGES], *vsrc[VM_PAGES];
	for (int i = 0; i < VM_PAGES; i++)
		vsrc[i] = &mem_map[40000 + i];
	unsigned long lazy_max = 16384;

	// --- RCU ---
	static struct rcu_head rheads[RCU_BATCHES * RCU_PER_BATCH];
	static struct rcu_data rdps[RCU_BATCHES];

	// --- page fault: maple tree of 3 levels, the vma, user page tables, folios ---
	static struct mt_node mtn[3];
	static struct vm_area vma;
	static struct mm mm;
	static int anon_vma_obj;
	unsigned long ubase = 0x0000aaaa00000000UL;
	vma.vm_start = ubase;
	vma.vm_end = ubase + (1UL << 30);
	vma.vm_flags = 0x73; // VM_READ|VM_WRITE|VM_MAYREAD|VM_MAYWRITE|VM_MAYEXEC
	vma.anon_vma = &anon_vma_obj;
	vma.vm_lock_seq = ~0UL;
	for (int l = 0; l < 3; l++) {
		for (int i = 0; i < 15; i++)
			mtn[l].pivot[i] = ubase - 1 + (unsigned long)(i - 7) * (1UL << (30 - l));
		for (int i = 0; i < 16; i++)
			mtn[l].slot[i] = l < 2 ? (void *)&mtn[l + 1] : (void *)&vma;
	}
	mm.mt_root = &mtn[0];
	mm.pgd = xmap(4096);
	uint64_t *upud = xmap(4096), *upmd = xmap(4096), *upte = xmap(4096);
	mm.pgd[(ubase >> 39) & 511] = (uint64_t)(uintptr_t)upud | 3;
	upud[(ubase >> 30) & 511] = (uint64_t)(uintptr_t)upmd | 3;
	upmd[(ubase >> 21) & 511] = (uint64_t)(uintptr_t)upte | 3;
	static struct ptdesc ptd[FAULTS];
	k_pte_ptdesc = &ptd[0];
	struct page *fpages = xmap(FAULTS * sizeof(struct page));
	uint64_t *pt_pmd = xmap(4096); // the PMD table whose entries the page-table benches install

	// --- quarantine: objects in slab pages [100, 100 + Q_OBJS/64) of kmalloc_64_b ---
	for (int i = 0; i < Q_OBJS / 64; i++) {
		slab_vmemmap[100 + i].flags = PG_slab;
		slab_vmemmap[100 + i].slab_cache = &kmalloc_64_b;
	}
	quarantine_size = 1UL << 40;

	for (int w = -1; w < reps; w++) { // w = -1: untimed warm-up (TCG translation)
		rep_no = w;
		uint64_t ov = 0;
		for (int i = 0; i < 256; i++)
			SEG(ov, (void)0);
		clock_ovh = ov / 256.0;
		uint64_t t_nop = 0, t_pa = 0, t_pf = 0, t_rb = 0, t_fb = 0, t_s10 = 0, t_s2 = 0, t_m10 = 0, t_m2 = 0;
		uint64_t t_sa = 0, t_sf = 0, t_ns = 0, t_ds = 0, t_kl = 0;
		uint64_t t_vt = 0, t_vp = 0, t_vm = 0, t_vf = 0, t_p8m = 0, t_p1m = 0, t_p8p = 0;
		uint64_t t_rcu = 0, t_flt = 0, t_pta = 0, t_ptf = 0, t_qp = 0, t_qr64 = 0, t_qr8 = 0;
		long segs_vm = 0, segs_vf = 0;
		for (int s = 0; s < scale; s++) {
			SEG(t_nop, for (int i = 0; i < 1024; i++) call_nop(objs));
			// pcp fast paths
			static struct page *pg[PCP_PAGES];
			SEG(t_pa, for (int i = 0; i < PCP_PAGES; i++) pg[i] = alloc_pages_fast(0, 0));
			for (int i = 0; i < PCP_PAGES; i++) { // __free_pages drops the reference first
				pg[i]->refcount = 0;
			}
			SEG(t_pf, for (int i = PCP_PAGES - 1; i >= 0; i--) free_unref_page(pg[i], 0));
			// rmqueue_bulk / free_pcppages_bulk, 63 pages per call, no splits or merges
			SEG(t_rb, for (int i = 0; i < BULK_CALLS; i++) pcpB.count += rmqueue_bulk(&zone0, 0, BULK_BATCH, &pcpB.lists[0], 0));
			SEG(t_fb, for (int i = 0; i < BULK_CALLS; i++) free_pcppages_bulk(&zone0, BULK_BATCH, &pcpB, NR_PCP_LISTS - 1));
			if (pcpB.count != 0)
				die("pcp bulk count");
			// splits and merges: 10 levels vs 2 levels
			struct page *blk[SPLIT_BLOCKS];
			for (int b = 0; b < SPLIT_BLOCKS; b++)
				blk[b] = &mem_map[32768 + (long)b * 1024];
			SEG(t_s10, for (int b = 0; b < SPLIT_BLOCKS; b++) {
				del_page_from_free_list(blk[b], &zone0, 10, 0);
				expand(&zone0, blk[b], 0, 10, 0);
			});
			SEG(t_m10, for (int b = 0; b < SPLIT_BLOCKS; b++) {
				if (free_one_page_merge(blk[b], page_to_pfn(blk[b]), &zone0, 0, 0) != 10)
					die("merge count");
			});
			SEG(t_s2, for (int b = 0; b < SPLIT_BLOCKS; b++) {
				del_page_from_free_list(blk[b], &zone0, 10, 0);
				expand(&zone0, blk[b], 8, 10, 0);
			});
			SEG(t_m2, for (int b = 0; b < SPLIT_BLOCKS; b++) {
				if (free_one_page_merge(blk[b], page_to_pfn(blk[b]), &zone0, 8, 0) != 2)
					die("merge count 2");
			});
			// SLUB fast paths
			SEG(t_sa, for (int i = 0; i < SLAB_FAST_OBJS; i++) objs[i] = slub_kmalloc(40 + (i & 15), 0));
			if (cpu_slab0.freelist != NULL)
				die("cpu freelist not exhausted");
			SEG(t_sf, for (int i = SLAB_FAST_OBJS - 1; i >= 0; i--) slub_kfree(objs[i]));
			// new / discarded slabs of 64 objects (order 0), slab pages [200, 264)
			SEG(t_ns, for (int i = 0; i < NEW_SLABS; i++) allocate_slab(&kmalloc_64_b, &slab_vmemmap[200 + i]));
			SEG(t_ds, for (int i = 0; i < NEW_SLABS; i++) discard_slab(&kmalloc_64_b, &slab_vmemmap[200 + i]));
			SEG(t_kl, for (int i = 0; i < NEW_SLABS; i++) kmalloc_large_bookkeeping(&slab_vmemmap[300 + i], 16384, 0));
			// vmalloc cycle through the free tree: 8 areas of 8 pages + guard
			unsigned long vsz = (VM_PAGES + 1) * PAGE_SIZE;
			for (int b = 0; b < VM_AREAS; b++) {
				SEG(t_vt, alloc_vmap_area_tree(&vas[b], vsz));
				SEG(t_vm, vmalloc_bookkeeping(&vms[b], &vas[b], vpages[b], vsrc, VM_PAGES));
				segs_vm++;
			}
			for (int b = VM_AREAS - 1; b >= 0; b--) {
				SEG(t_vf, vfree_bookkeeping(vms[b].addr, &lazy_max));
				segs_vf++;
			}
			SEG(t_p8m, if (purge_vmap_area_lazy(0) != VM_AREAS) die("purge count"));
			if (vas[0].va_start != va_top_start || va_free_nodes[N_HOLES].va_start != va_top_start)
				die("free space not restored");
			// one area
			alloc_vmap_area_tree(&vas[0], vsz);
			vmalloc_bookkeeping(&vms[0], &vas[0], vpages[0], vsrc, VM_PAGES);
			vfree_bookkeeping(vms[0].addr, &lazy_max);
			SEG(t_p1m, if (purge_vmap_area_lazy(0) != 1) die("purge count 1"));
			// the pool cycle: purge into the node pool, then node_alloc hits
			for (int b = 0; b < VM_AREAS; b++) {
				alloc_vmap_area_tree(&vas[b], vsz);
				vmalloc_bookkeeping(&vms[b], &vas[b], vpages[b], vsrc, VM_PAGES);
			}
			for (int b = VM_AREAS - 1; b >= 0; b--)
				vfree_bookkeeping(vms[b].addr, &lazy_max);
			SEG(t_p8p, if (purge_vmap_area_lazy(1) != VM_AREAS) die("purge count pool"));
			struct vmap_area *pv[VM_AREAS];
			for (int b = 0; b < VM_AREAS; b++)
				SEG(t_vp, pv[b] = alloc_vmap_area_pool(vsz));
			for (int b = 0; b < VM_AREAS; b++)
				vmalloc_bookkeeping(&vms[b], pv[b], vpages[b], vsrc, VM_PAGES);
			for (int b = VM_AREAS - 1; b >= 0; b--)
				vfree_bookkeeping(vms[b].addr, &lazy_max);
			if (purge_vmap_area_lazy(0) != VM_AREAS || va_free_nodes[N_HOLES].va_start != va_top_start)
				die("pool areas not merged back");
			// RCU callbacks
			for (int b = 0; b < RCU_BATCHES; b++) {
				struct rcu_head *h = &rheads[b * RCU_PER_BATCH];
				for (int i = 0; i < RCU_PER_BATCH; i++) {
					h[i].next = i + 1 < RCU_PER_BATCH ? &h[i + 1] : NULL;
					h[i].func = rcu_cb_nop;
				}
				rdps[b].done.head = h;
				rdps[b].done.tail = &h[RCU_PER_BATCH - 1].next;
				rdps[b].done.len = RCU_PER_BATCH;
				rdps[b].seglen = rdps[b].len = RCU_PER_BATCH;
				rdps[b].blimit = 1000;
			}
			SEG(t_rcu, for (int b = 0; b < RCU_BATCHES; b++) if (rcu_do_batch(&rdps[b]) != RCU_PER_BATCH) die("rcu count"));
			// anonymous faults over one PTE table
			memset(upte, 0, 4096);
			memset(fpages, 0, FAULTS * sizeof(struct page));
			SEG(t_flt, for (int i = 0; i < FAULTS; i++) do_anonymous_fault(&mm, ubase + (unsigned long)i * PAGE_SIZE, &fpages[i], 1 << 6));
			if (!upte[FAULTS - 1])
				die("fault did not map");
			// page-table ctor/install and clear/dtor, one PMD table's entries
			SEG(t_pta, for (int i = 0; i < FAULTS; i++) if (!pte_alloc_ctor(&mm, &pt_pmd[i], &ptd[i], 0x80000000UL + (uint64_t)i * 4096)) die("pmd populated"));
			SEG(t_ptf, for (int i = 0; i < FAULTS; i++) pte_free_dtor(&mm, &pt_pmd[i], &ptd[i]));
			ptd[0].page_type = PGTY_table;
			// quarantine: puts, then reduces of 64-object and 8-object batches
			cpu_quarantine.head = cpu_quarantine.tail = NULL;
			SEG(t_qp, for (int i = 0; i < Q_OBJS; i++) quarantine_put(&k_qcache, slab_mem + 100 * 4096 + (size_t)i * 64));
			for (int per = 64, k = 0; k < 2; k++, per = 8) {
				unsigned nb = Q_OBJS / per < Q_BATCHES ? Q_OBJS / per : Q_BATCHES;
				quarantine_head = 0;
				for (unsigned b = 0; b < nb; b++) {
					global_quarantine[b].head = global_quarantine[b].tail = NULL;
					global_quarantine[b].bytes = 0;
					for (int i = 0; i < per; i++)
						qlist_put(&global_quarantine[b], (struct qlist_node *)(slab_mem + 100 * 4096 + ((size_t)b * per + i) * 64), 64);
				}
				uint64_t *acc = k == 0 ? &t_qr64 : &t_qr8;
				SEG(*acc, for (unsigned b = 0; b < Q_BATCHES; b++) quarantine_reduce());
				if (quarantine_head != Q_BATCHES % QUARANTINE_BATCHES)
					die("reduce count");
			}
		}
		if (w < 0)
			continue;
		long S = scale;
		raw("call_nop", t_nop, S, S * 1024);
		raw("page_alloc", t_pa, S, S * PCP_PAGES);
		raw("page_free", t_pf, S, S * PCP_PAGES);
		raw("rmqueue_bulk_63", t_rb, S, S * BULK_CALLS);
		raw("free_pcppages_bulk_63", t_fb, S, S * BULK_CALLS);
		raw("split_10", t_s10, S, S * SPLIT_BLOCKS);
		raw("split_2", t_s2, S, S * SPLIT_BLOCKS);
		raw("merge_10", t_m10, S, S * SPLIT_BLOCKS);
		raw("merge_2", t_m2, S, S * SPLIT_BLOCKS);
		raw("slab_alloc", t_sa, S, S * SLAB_FAST_OBJS);
		raw("slab_free", t_sf, S, S * SLAB_FAST_OBJS);
		raw("new_slab_64", t_ns, S, S * NEW_SLABS);
		raw("discard_slab", t_ds, S, S * NEW_SLABS);
		raw("kmalloc_large", t_kl, S, S * NEW_SLABS);
		raw("vmap_area_tree", t_vt, segs_vm, segs_vm);
		raw("vmap_area_pool", t_vp, S * VM_AREAS, S * VM_AREAS);
		raw("vmalloc_8", t_vm, segs_vm, segs_vm);
		raw("vfree_8", t_vf, segs_vf, segs_vf);
		raw("purge_8_merge", t_p8m, S, S);
		raw("purge_1_merge", t_p1m, S, S);
		raw("purge_8_pool", t_p8p, S, S);
		raw("rcu_callback", t_rcu, S, S * RCU_BATCHES * RCU_PER_BATCH);
		raw("page_fault", t_flt, S, S * FAULTS);
		raw("pte_alloc", t_pta, S, S * FAULTS);
		raw("pte_free", t_ptf, S, S * FAULTS);
		raw("quarantine_put", t_qp, S, S * Q_OBJS);
		raw("quarantine_reduce_64", t_qr64, S, S * Q_BATCHES);
		raw("quarantine_reduce_8", t_qr8, S, S * Q_BATCHES);
	}
	printf("info clock_overhead_ns %.1f\ninfo rb_red_parents %lu\n", clock_ovh, k_rb_red_parents);
	return 0;
}
