// mte-costs: per-instruction timing of the Arm MTE instructions, tag-checked accesses and the
// kernel routines KASAN adds (shadow checks, kasan_save_stack through the unwinder or the SCS,
// stack depot, stack ring, clear_page, memset), meant to run under qemu-user TCG (`qemu-aarch64 -cpu max`).
//
// Build: aarch64-linux-gnu-gcc -O2 -march=armv8.5-a+memtag -static
//        -mbranch-protection=pac-ret+leaf -o mte-costs mte-costs.c
// Usage: mte-costs [mte|nomte] [reps] [iters]
//   mte   (default) enables tagged addresses + synchronous tag checks and maps PROT_MTE memory;
//   nomte leaves MTE off (the process a kernel without hw_tags would be) and times the plain
//         accesses, the loop baselines, the software-mode checks and the kernel
//         routines (those are timed in both runs: the MTE-on figures price an hw_tags kernel).
// Output, one fact per line (parsed by measure.mjs):
//   info <key> <value>
//   check <name> ok|FAIL <detail>
//   raw <bench> <rep> <ns> <insns>   — wall ns of a whole timed loop executing <insns> body insns
// Every loop body is 16 copies of the instruction under test inside a counted loop; the
// baselines (empty body, 16 ADDs, 16 plain STR/LDR) are timed the same way, interleaved with the
// others in every repetition, so measure.mjs can subtract them and take medians.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef PR_SET_TAGGED_ADDR_CTRL
#define PR_SET_TAGGED_ADDR_CTRL 55
#endif
#ifndef PR_TAGGED_ADDR_ENABLE
#define PR_TAGGED_ADDR_ENABLE (1UL << 0)
#endif
#ifndef PR_MTE_TCF_SYNC
#define PR_MTE_TCF_SYNC (1UL << 1)
#endif
#ifndef PR_MTE_TAG_SHIFT
#define PR_MTE_TAG_SHIFT 3
#endif
#ifndef PROT_MTE
#define PROT_MTE 0x20
#endif

#define UNROLL 16
#define TAG 3UL /* logical tag given to the MTE buffer */
#define BUF_BYTES 4096

static uint64_t now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline uint64_t with_tag(void *p, uint64_t tag) {
	return ((uint64_t)(uintptr_t)p & ~(0xffULL << 56)) | (tag << 56);
}

// Offsets for the 16 copies: 16-byte granules, 32-byte granule pairs, 8-byte words.
#define OFFS16 "0,16,32,48,64,80,96,112,128,144,160,176,192,208,224,240"
#define OFFS32 "0,32,64,96,128,160,192,224,256,288,320,352,384,416,448,480"

// A counted loop whose body is INSN (which may use \off, %[p]) repeated for each offset.
#define LOOP_IMM(name, offs, insn)                                                    \
	static void __attribute__((noinline)) name(uint64_t p, long n) {              \
		__asm__ volatile("1:\n"                                               \
				 ".irp off," offs "\n" insn "\n"                      \
				 ".endr\n"                                            \
				 "subs %[n], %[n], #1\n"                              \
				 "b.ne 1b\n"                                          \
				 : [n] "+r"(n)                                        \
				 : [p] "r"(p)                                         \
				 : "x12", "memory", "cc");                            \
	}

// A counted loop walking x11 from p in steps of bs: INSN (using x11) then ADD, 16 times.
#define LOOP_STEP(name, insn)                                                         \
	static void __attribute__((noinline)) name(uint64_t p, long n, uint64_t bs) { \
		__asm__ volatile("1:\n"                                               \
				 "mov x11, %[p]\n"                                    \
				 ".rept 16\n" insn "\n"                               \
				 "add x11, x11, %[bs]\n"                              \
				 ".endr\n"                                            \
				 "subs %[n], %[n], #1\n"                              \
				 "b.ne 1b\n"                                          \
				 : [n] "+r"(n)                                        \
				 : [p] "r"(p), [bs] "r"(bs)                           \
				 : "x11", "memory", "cc");                            \
	}

LOOP_IMM(loop_empty, "0", "")
LOOP_IMM(loop_str, OFFS16, "str xzr, [%[p], #\\off]")
LOOP_IMM(loop_ldr, OFFS16, "ldr x12, [%[p], #\\off]")
LOOP_IMM(loop_stg, OFFS16, "stg %[p], [%[p], #\\off]")
LOOP_IMM(loop_st2g, OFFS32, "st2g %[p], [%[p], #\\off]")
LOOP_IMM(loop_stzg, OFFS16, "stzg %[p], [%[p], #\\off]")
LOOP_IMM(loop_stz2g, OFFS32, "stz2g %[p], [%[p], #\\off]")
LOOP_IMM(loop_ldg, OFFS16, "ldg x12, [%[p], #\\off]")
LOOP_IMM(loop_irg, OFFS16, "irg x12, %[p]")
LOOP_STEP(loop_add, "")
LOOP_STEP(loop_dc_gva, "dc gva, x11")
LOOP_STEP(loop_dc_gzva, "dc gzva, x11")

#define MAX_FRAMES 128
#define FRAME_STRIDE 96 // bytes between frame records, a typical small kernel frame

// ---- kernel routines behind the software modes and stack collection (issue 7 cost profiles) ----

LOOP_IMM(loop_addg, "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15", "addg x12, %[p], #16, #1")
LOOP_STEP(loop_dc_zva, "dc zva, x11")

// arm64 clear_page(): DC ZVA per DCZID block until the page boundary (an assembly routine in
// the kernel, so built without return-address signing).
static void __attribute__((noipa, target("branch-protection=none"))) clear_page(uint64_t p) {
	__asm__ volatile("mrs x9, dczid_el0\n"
			 "and w9, w9, #0xf\n"
			 "mov x10, #4\n"
			 "lsl x9, x10, x9\n"
			 "1: dc zva, %[p]\n"
			 "add %[p], %[p], x9\n"
			 "tst %[p], #4095\n"
			 "b.ne 1b\n"
			 : [p] "+r"(p)
			 :
			 : "x9", "x10", "memory", "cc");
}

// The harness's empty call is built without return-address signing, so "minus an empty call"
// removes the call and loop overhead but leaves a routine's own PACIASP/AUTIASP in its figure
// (the kernel signs every function it calls: -mbranch-protection=pac-ret+leaf).
static void __attribute__((noipa, target("branch-protection=none"))) call_nop(uint64_t p) {
	__asm__ volatile("" : : "r"(p) : "memory");
}
// The same empty function signed as the kernel builds it: the difference is one PACIASP +
// AUTIASP pair, which QEMU's -cpu max computes with the architected QARMA5 cipher.
static void __attribute__((noipa)) call_signed_nop(uint64_t p) {
	__asm__ volatile("" : : "r"(p) : "memory");
}

static void *(*volatile memset_fn)(void *, int, size_t) = memset;
static volatile uint64_t sink;

// Calls fn(buf + i * stride) for i over `calls` distinct slots, `n` rounds.
#define TIME_CALLS(label, expr, calls, n)                               \
	do {                                                            \
		uint64_t t0 = now_ns();                                 \
		for (long r_ = 0; r_ < (n); r_++)                       \
			for (long i = 0; i < (calls); i++) { expr; }    \
		raw(label, rep, now_ns() - t0, (long)(n) * (calls));    \
	} while (0)

// Generic KASAN's inline check of an 8-byte load (what -fsanitize=kernel-address emits with
// KASAN_INLINE): shadow byte at (addr >> 3) + offset must be 0, else branch to the report.
// 16 copies per iteration; `bad` says whether any shadow byte was non-zero (it must not be).
static long __attribute__((noinline)) loop_generic_check(uint64_t p, long n, uint64_t so) {
	long bad = 0;
	__asm__ volatile("1:\n"
			 ".irp off," OFFS16 "\n"
			 "add x13, %[p], #\\off\n"
			 "lsr x14, x13, #3\n"
			 "ldrb w14, [x14, %[so]]\n"
			 "cbnz w14, 9f\n"
			 "ldr x12, [x13]\n"
			 ".endr\n"
			 "subs %[n], %[n], #1\n"
			 "b.ne 1b\n"
			 "b 8f\n"
			 "9: mov %[bad], #1\n"
			 "8:\n"
			 : [n] "+r"(n), [bad] "+r"(bad)
			 : [p] "r"(p), [so] "r"(so)
			 : "x12", "x13", "x14", "memory", "cc");
	return bad;
}

// SW_TAGS' inline check of an 8-byte load (clang's kernel HWASan, inline): pointer tag from the
// top byte, memory tag from the shadow at ((addr with the top byte cleared) >> 4) + offset,
// compare, branch to the report on a mismatch.
static long __attribute__((noinline)) loop_sw_tags_check(uint64_t p, long n, uint64_t so) {
	long bad = 0;
	__asm__ volatile("1:\n"
			 ".irp off," OFFS16 "\n"
			 "add x13, %[p], #\\off\n"
			 "ubfx x14, x13, #4, #52\n"
			 "ldrb w14, [x14, %[so]]\n"
			 "lsr x15, x13, #56\n"
			 "cmp w15, w14\n"
			 "b.ne 9f\n"
			 "ldr x12, [x13]\n"
			 ".endr\n"
			 "subs %[n], %[n], #1\n"
			 "b.ne 1b\n"
			 "b 8f\n"
			 "9: mov %[bad], #1\n"
			 "8:\n"
			 : [n] "+r"(n), [bad] "+r"(bad)
			 : [p] "r"(p), [so] "r"(so)
			 : "x12", "x13", "x14", "x15", "memory", "cc");
	return bad;
}

// Generic KASAN's outline check (KASAN_OUTLINE: a call to __asan_load8_noabort per access):
// check_region_inline's wrap-around and has-metadata tests, then the 8-byte shadow test.
static uint64_t shadow_offset, meta_lo;
static volatile long asan_reports;
static void __attribute__((noipa)) asan_report(uint64_t addr) {
	asan_reports += (long)(addr & 1) + 1;
}
static void __attribute__((noipa)) asan_load8(uint64_t addr) {
	if (addr + 8 < addr || addr < meta_lo) {
		asan_report(addr);
		return;
	}
	if (*(const int8_t *)(uintptr_t)((addr >> 3) + shadow_offset))
		asan_report(addr);
}

static void __attribute__((noinline)) loop_c_ldr(uint64_t p, long n) {
	uint64_t acc = 0;
	for (long i = 0; i < n; i++)
		for (int k = 0; k < UNROLL; k++)
			acc += *(volatile uint64_t *)(uintptr_t)(p + 16 * k);
	sink = acc;
}

static void __attribute__((noinline)) loop_outline_check(uint64_t p, long n) {
	uint64_t acc = 0;
	for (long i = 0; i < n; i++)
		for (int k = 0; k < UNROLL; k++) {
			asan_load8(p + 16 * k);
			acc += *(volatile uint64_t *)(uintptr_t)(p + 16 * k);
		}
	sink = acc;
}

// ptrauth_strip_insn_pac() on a kernel pc (bit 55 set): OR in the PAC bits.
#define PAC_MASK 0xff7f000000000000ULL

// jhash2() (Bob Jenkins' lookup3 hashword, as include/linux/jhash.h uses it), written out here.
#define ROL32(x, k) (((x) << (k)) | ((x) >> (32 - (k))))
#define JMIX(a, b, c)                        \
	do {                                 \
		a -= c; a ^= ROL32(c, 4); c += b;  \
		b -= a; b ^= ROL32(a, 6); a += c;  \
		c -= b; c ^= ROL32(b, 8); b += a;  \
		a -= c; a ^= ROL32(c, 16); c += b; \
		b -= a; b ^= ROL32(a, 19); a += c; \
		c -= b; c ^= ROL32(b, 4); b += a;  \
	} while (0)
#define JFINAL(a, b, c)                      \
	do {                                 \
		c ^= b; c -= ROL32(b, 14);         \
		a ^= c; a -= ROL32(c, 11);         \
		b ^= a; b -= ROL32(a, 25);         \
		c ^= b; c -= ROL32(b, 16);         \
		a ^= c; a -= ROL32(c, 4);          \
		b ^= a; b -= ROL32(a, 14);         \
		c ^= b; c -= ROL32(b, 24);         \
	} while (0)
static inline __attribute__((always_inline)) uint32_t jhash2(const uint32_t *k, uint32_t len, uint32_t initval) {
	uint32_t a, b, c;
	a = b = c = 0xdeadbeef + (len << 2) + initval;
	while (len > 3) {
		a += k[0]; b += k[1]; c += k[2];
		JMIX(a, b, c);
		len -= 3;
		k += 3;
	}
	switch (len) {
	case 3: c += k[2]; /* fall through */
	case 2: b += k[1]; /* fall through */
	case 1: a += k[0];
		JFINAL(a, b, c);
		break;
	default:
		break;
	}
	return c;
}
#define DEPOT_FRAMES 16

// Tag-mode stack ring insert (mm/kasan/tags.c save_stack_info): reader lock, claim a slot with
// an atomic add on the position, mark it busy with a cmpxchg, fill it, publish with a release.
#define RING_SIZE 32768
#define RING_BUSY 1ULL
struct ring_entry {
	uint64_t ptr;
	uint64_t size;
	uint32_t pid, stack;
	uint8_t is_free;
};
static struct {
	uint64_t pos;
	int readers;
	struct ring_entry e[RING_SIZE];
} ring;
static void __attribute__((noipa)) ring_insert(uint64_t obj, uint64_t size, uint32_t stack, int is_free) {
	__atomic_fetch_add(&ring.readers, 1, __ATOMIC_ACQUIRE);
	for (;;) {
		uint64_t pos = __atomic_fetch_add(&ring.pos, 1, __ATOMIC_RELAXED);
		struct ring_entry *e = &ring.e[pos % RING_SIZE];
		uint64_t old = __atomic_load_n(&e->ptr, __ATOMIC_RELAXED);
		if (old == RING_BUSY)
			continue;
		if (!__atomic_compare_exchange_n(&e->ptr, &old, RING_BUSY, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			continue;
		e->size = size;
		e->is_free = (uint8_t)is_free;
		e->pid = 1;
		e->stack = stack;
		__atomic_store_n(&e->ptr, obj, __ATOMIC_RELEASE);
		break;
	}
	__atomic_fetch_sub(&ring.readers, 1, __ATOMIC_RELEASE);
}

// sw_tags' kasan_random_tag(): the per-CPU LCG and the reduction to 254 tags.
static uint32_t lcg_state = 12345;
static uint8_t __attribute__((noipa)) random_tag(void) {
	lcg_state = 1664525u * lcg_state + 1013904223u;
	return (uint8_t)(lcg_state % 254);
}

// ---- stack collection as Linux 6.12 arm64 does it for kasan_save_stack() (issue 7) ----
// Written from reading arch/arm64/kernel/stacktrace.c, arch/arm64/include/asm/stacktrace{,/common}.h,
// kernel/stacktrace.c, mm/kasan/common.c and lib/stackdepot.c (6.12); own code, same work.
// Two builds of the instrumented parts: `plain` (HW_TAGS kernel: no compiler instrumentation;
// priced in the MTE-on process, where QEMU checks every access) and `asan` (Generic KASAN with
// KASAN_OUTLINE, the Kconfig default: a call to a __asan_{load,store}N_noabort-like function
// before every access the compiler instruments). arch_stack_walk() is noinstr, mm/kasan/ and
// lib/stackdepot.c are built with KASAN_SANITIZE := n: those parts are plain in both builds.

#define THREAD_BYTES (32 * 1024) // arm64 THREAD_SIZE with KASAN (KASAN_THREAD_SHIFT 1)
#define KFRAMES_MAX 80

struct k_task {
	uint64_t stack; // task_stack_page()
	uint64_t *scs_base;
	int pid;
};
// Per-CPU and context state the walk setup reads (preempt_count, DAIF, per-CPU stack pointers).
static volatile uint64_t k_preempt_count, k_daif = 0x3c0, k_percpu_irq_stack, k_percpu_ovf_stack;
static volatile uint64_t k_sdei_normal, k_sdei_critical, k_efi_rt_stack;
static struct k_task *volatile k_current;
static uint64_t k_kretprobe_trampoline = 0xffff800080f00000ULL;
// Section bounds in_irqentry_text() compares against.
static uint64_t k_irqentry_start = 0xffff800081000000ULL, k_irqentry_end = 0xffff800081001000ULL;
static uint64_t k_softirqentry_start = 0xffff800081002000ULL, k_softirqentry_end = 0xffff800081003000ULL;

struct k_stack_info {
	uint64_t low, high;
};
struct k_unwind_state {
	uint64_t fp, pc;
	struct k_stack_info stack;
	struct k_stack_info *stacks;
	int nr_stacks;
};
enum { K_SRC_UNKNOWN, K_SRC_FRAME, K_SRC_CALLER, K_SRC_TASK, K_SRC_REGS_PC };
struct kunwind_state {
	struct k_unwind_state common;
	const struct k_task *task;
	int graph_idx;
	int source;
	uint64_t flags;
	void *regs;
};
typedef int (*k_consume_fn)(void *cookie, uint64_t pc);
struct k_consume_data {
	k_consume_fn consume_entry;
	void *cookie;
};
struct stacktrace_cookie {
	uint64_t *store;
	uint32_t size, skip, len;
};

// Outline checks: check_region_inline() for a 4- or 8-byte access (memory_is_poisoned_2_4_8).
#define ASAN_CHECK_FN(name, bytes)                                                              \
	static void __attribute__((noipa)) name(uint64_t addr) {                                \
		if (addr + (bytes) < addr || addr < meta_lo) {                                  \
			asan_report(addr);                                                      \
			return;                                                                 \
		}                                                                               \
		const int8_t *s = (const int8_t *)(uintptr_t)((addr >> 3) + shadow_offset);      \
		uint64_t last = addr + (bytes) - 1;                                             \
		int8_t v = *(const int8_t *)(uintptr_t)((last >> 3) + shadow_offset);            \
		if (((last & 7) < (bytes) - 1 && *s) || (v && (int8_t)(last & 7) >= v))         \
			asan_report(addr);                                                      \
	}
ASAN_CHECK_FN(asan_load4, 4)
ASAN_CHECK_FN(asan_load8n, 8)
ASAN_CHECK_FN(asan_store4, 4)
ASAN_CHECK_FN(asan_store8, 8)

// stack_trace_consume_entry() (kernel/stacktrace.c), reached through a function pointer.
static int __attribute__((noipa)) stack_trace_consume_entry(void *cookie, uint64_t addr) {
	struct stacktrace_cookie *c = cookie;
	uint32_t len = c->len, size = c->size;
	if (len >= size)
		return 0;
	if (c->skip > 0) {
		c->skip--;
		return 1;
	}
	c->store[len] = addr;
	c->len = ++len;
	return len < size;
}
// The same with Generic's outline check before each instrumented access.
static int __attribute__((noipa)) stack_trace_consume_entry_asan(void *cookie, uint64_t addr) {
	struct stacktrace_cookie *c = cookie;
	asan_load4((uint64_t)(uintptr_t)&c->len);
	uint32_t len = c->len;
	asan_load4((uint64_t)(uintptr_t)&c->size);
	uint32_t size = c->size;
	if (len >= size)
		return 0;
	asan_load4((uint64_t)(uintptr_t)&c->skip);
	if (c->skip > 0) {
		asan_store4((uint64_t)(uintptr_t)&c->skip);
		c->skip--;
		return 1;
	}
	asan_load8n((uint64_t)(uintptr_t)&c->store);
	uint64_t *store = c->store;
	asan_store8((uint64_t)(uintptr_t)&store[len]);
	store[len] = addr;
	asan_store4((uint64_t)(uintptr_t)&c->len);
	c->len = ++len;
	return len < size;
}

static inline int k_on_stack(const struct k_stack_info *info, uint64_t sp, uint64_t size) {
	if (!info->low)
		return 0;
	return !(sp < info->low || sp + size < sp || sp + size > info->high);
}
// unwind_consume_stack(): the current stack first, else the list; a stack left behind is
// blanked so the walk can never return to it; the current stack's floor rises past the record.
static inline int k_consume_stack(struct k_unwind_state *s, uint64_t sp, uint64_t size) {
	if (!k_on_stack(&s->stack, sp, size)) {
		struct k_stack_info *next = NULL;
		for (int i = 0; i < s->nr_stacks; i++)
			if (k_on_stack(&s->stacks[i], sp, size)) {
				next = &s->stacks[i];
				break;
			}
		if (!next)
			return -EINVAL;
		s->stack = *next;
		next->low = next->high = 0;
	}
	s->stack.low = sp + size;
	return 0;
}
// ptrauth_strip_kernel_insn_pac() with kernel pointer auth: XPACLRI, which works on x30 only.
static inline uint64_t k_strip_kernel_pac(uint64_t pc) {
	register uint64_t lr __asm__("x30") = pc;
	__asm__("xpaclri" : "+r"(lr));
	return lr;
}
// task_pt_regs(tsk)->stackframe: the final frame record at the top of the task stack.
static inline uint64_t k_final_record(const struct k_task *t) {
	return t->stack + THREAD_BYTES - 32;
}
// kunwind_next(): final-record test, frame record read (uninstrumented), PAC strip,
// return-address recovery (kretprobe trampoline test; no function-graph tracer in defconfig).
static inline int kunwind_next(struct kunwind_state *st) {
	uint64_t fp = st->common.fp;
	st->flags = 0;
	if (fp == k_final_record(st->task))
		return -ENOENT;
	if (fp & 0x7)
		return -EINVAL;
	if (k_consume_stack(&st->common, fp, 16))
		return -EINVAL;
	const volatile uint64_t *rec = (const volatile uint64_t *)(uintptr_t)fp;
	st->common.fp = rec[0];
	st->common.pc = rec[1];
	st->source = K_SRC_FRAME;
	st->common.pc = k_strip_kernel_pac(st->common.pc);
	if (st->common.pc == k_kretprobe_trampoline)
		return -EINVAL; // kretprobe_find_ret_addr() never needed here
	return 0;
}
static inline int k_preemptible(void) {
	return k_preempt_count == 0 && !(k_daif & 0x80);
}
static inline struct k_stack_info k_cpu_stack(const struct k_task *task, volatile uint64_t *ptr, uint64_t bytes) {
	struct k_stack_info si = {0, 0};
	if (task == k_current && !k_preemptible()) {
		si.low = *ptr;
		si.high = si.low + bytes;
	}
	return si;
}
static inline struct k_stack_info k_nmi_stack(const struct k_task *task, volatile uint64_t *ptr) {
	struct k_stack_info si = {0, 0};
	if (task == k_current && (k_preempt_count & 0xf00000)) {
		si.low = *ptr;
		si.high = si.low + 4096;
	}
	return si;
}
// arch_stack_walk() (noinline noinstr) with kunwind_stack_walk() and do_kunwind() inlined: the
// six candidate stacks (task, irq, overflow, SDEI normal/critical, EFI runtime), the walk from
// the caller's frame, and the callback through a pointer for every pc.
static void __attribute__((noinline)) arch_stack_walk(k_consume_fn consume_entry, void *cookie,
						      const struct k_task *task, uint64_t fp, uint64_t pc) {
	struct k_consume_data data = {consume_entry, cookie};
	struct k_stack_info stacks[6] = {
		{task->stack, task->stack + THREAD_BYTES},
		k_cpu_stack(task, &k_percpu_irq_stack, 16384),
		k_cpu_stack(task, &k_percpu_ovf_stack, 4096),
		k_nmi_stack(task, &k_sdei_normal),
		k_nmi_stack(task, &k_sdei_critical),
		k_cpu_stack(task, &k_efi_rt_stack, 16384),
	};
	struct kunwind_state st = {{fp, pc, {0, 0}, stacks, 6}, task, 0, K_SRC_CALLER, 0, NULL};
	if (st.common.pc == k_kretprobe_trampoline)
		return;
	for (;;) {
		if (!data.consume_entry(data.cookie, st.common.pc))
			return;
		if (kunwind_next(&st))
			return;
	}
}
// stack_trace_save() (kernel/stacktrace.c): the cookie on its stack, skip of 1 for itself. The
// asan build also poisons and unpoisons the cookie's stack redzones (gcc KASAN_STACK).
static uint64_t *k_redzone_shadow;
static unsigned __attribute__((noinline)) stack_trace_save(uint64_t *store, unsigned size, unsigned skip,
							   int asan, uint64_t fp, uint64_t pc) {
	struct stacktrace_cookie *c = (struct stacktrace_cookie *)(uintptr_t)(meta_lo + 1024);
	if (asan) {
		((volatile uint64_t *)k_redzone_shadow)[0] = 0xf1f1f1f1f1f1f1f1ULL;
		((volatile uint64_t *)k_redzone_shadow)[1] = 0xf3f3f3f300000000ULL;
	}
	c->store = store;
	c->size = size;
	c->skip = skip + 1;
	c->len = 0;
	arch_stack_walk(asan ? stack_trace_consume_entry_asan : stack_trace_consume_entry, c, k_current, fp, pc);
	unsigned len = c->len;
	if (asan) {
		((volatile uint64_t *)k_redzone_shadow)[0] = 0;
		((volatile uint64_t *)k_redzone_shadow)[1] = 0;
	}
	return len;
}
// filter_irq_stacks() (kernel/stacktrace.c, instrumented): cut the trace after the first entry
// inside the irqentry or softirqentry text.
static inline int in_irqentry_text(uint64_t p) {
	return (p >= k_irqentry_start && p < k_irqentry_end) || (p >= k_softirqentry_start && p < k_softirqentry_end);
}
static unsigned __attribute__((noinline)) filter_irq_stacks(const uint64_t *entries, unsigned n) {
	for (unsigned i = 0; i < n; i++)
		if (in_irqentry_text(entries[i]))
			return i + 1;
	return n;
}
static unsigned __attribute__((noinline)) filter_irq_stacks_asan(const uint64_t *entries, unsigned n) {
	for (unsigned i = 0; i < n; i++) {
		asan_load8n((uint64_t)(uintptr_t)&entries[i]);
		if (in_irqentry_text(entries[i]))
			return i + 1;
	}
	return n;
}
#define KASAN_STACK_DEPTH 64
// kasan_save_stack() (mm/kasan/common.c, uninstrumented) up to the depot's hash: collect with
// the unwinder, then stack_depot_save_flags()'s filter_irq_stacks(). Returns the entries kept.
static unsigned __attribute__((noipa)) kasan_save_stack_unwind(uint64_t *entries, int asan, uint64_t fp) {
	unsigned n = stack_trace_save(entries, KASAN_STACK_DEPTH, 0, asan, fp, 0xffff800080000000ULL);
	return asan ? filter_irq_stacks_asan(entries, n) : filter_irq_stacks(entries, n);
}

// Seed 004's stack_trace_save_shadow(): SCS pointer from x18 (here a global: user space owns
// x18), the context test (no NMI; task SCS in task context), then from the newest slot down to
// the SCS base: READ_ONCE_NOCHECK, ptrauth_strip_insn_pac, store, stop at the size limit.
// v3's cover letter moves it into mm/kasan/common.c beside its one caller: taken as inlined there
// (the patch itself is not at hand to check whether it is static).
static uint64_t *volatile k_x18;
static inline uint64_t k_strip_insn_pac(uint64_t a) {
	return (a & (1ULL << 55)) ? (a | PAC_MASK) : (a & ~PAC_MASK);
}
static inline __attribute__((always_inline)) unsigned stack_trace_save_shadow(uint64_t *store, unsigned size) {
	uint64_t *sp = k_x18;
	if (k_preempt_count & 0xf00000)
		return 0; // -ENOSYS in NMI/SDEI context
	if (k_preempt_count & 0xff00)
		return 0; // hardirq/softirq: the per-CPU IRQ SCS (not taken at boot in these benches)
	const uint64_t *base = k_current->scs_base;
	unsigned len = 0;
	for (const uint64_t *f = sp - 1; f >= base; f--) {
		store[len++] = k_strip_insn_pac(*(const volatile uint64_t *)f);
		if (len >= size)
			break;
	}
	return len;
}
// The __noscs flavour: a __noscs function cannot be inlined into kasan_save_stack (their
// sanitizer attributes differ), nor can its helpers into it, so it and its per-slot helper are
// real, signed calls.
static uint64_t __attribute__((noipa)) scs_read_frame(const uint64_t *f) {
	return k_strip_insn_pac(*(const volatile uint64_t *)f);
}
static unsigned __attribute__((noinline)) stack_trace_save_shadow_noscs(uint64_t *store, unsigned size) {
	uint64_t *sp = k_x18;
	if (k_preempt_count & 0xf00000)
		return 0;
	if (k_preempt_count & 0xff00)
		return 0;
	const uint64_t *base = k_current->scs_base;
	unsigned len = 0;
	for (const uint64_t *f = sp - 1; f >= base; f--) {
		store[len++] = scs_read_frame(f);
		if (len >= size)
			break;
	}
	return len;
}
static unsigned __attribute__((noipa)) kasan_save_stack_scs(uint64_t *entries, int asan, int noscs) {
	unsigned n = noscs ? stack_trace_save_shadow_noscs(entries, KASAN_STACK_DEPTH)
			   : stack_trace_save_shadow(entries, KASAN_STACK_DEPTH);
	return asan ? filter_irq_stacks_asan(entries, n) : filter_irq_stacks(entries, n);
}

// Stack depot as 6.12 keeps it: 2^20 list_head buckets (KASAN's size), variable-size records
// carved from 16 KiB pools, lock-free lookup under RCU (preempt count), insert under pool_lock.
struct k_list {
	struct k_list *next, *prev;
};
struct k_stack_record {
	struct k_list hash_list;
	uint32_t hash, size;
	uint32_t handle;
	int32_t count;
	uint64_t entries[]; // up to CONFIG_STACKDEPOT_MAX_FRAMES (64)
};
#define K_BUCKETS (1u << 20)
#define K_POOL_BYTES (16 * 1024)
static struct k_list *k_table;
static char *k_pool;
static uint32_t k_pool_offset, k_pools_num = 1, k_pool_lock, k_printk_ctx;
static uint64_t k_depot_counters[2];
// stackdepot_memcmp(): word by word, no libc memcmp.
static inline int k_depot_memcmp(const uint64_t *u1, const uint64_t *u2, unsigned n) {
	for (; n--; u1++, u2++)
		if (*u1 != *u2)
			return 1;
	return 0;
}
static inline __attribute__((always_inline)) struct k_stack_record *k_find_stack(struct k_list *bucket, const uint64_t *entries,
								       unsigned size, uint32_t hash) {
	struct k_stack_record *ret = NULL;
	k_preempt_count++; // rcu_read_lock_sched_notrace()
	__asm__ volatile("" ::: "memory");
	for (struct k_list *l = __atomic_load_n(&bucket->next, __ATOMIC_RELAXED); l != bucket;
	     l = __atomic_load_n(&l->next, __ATOMIC_RELAXED)) {
		struct k_stack_record *s = (struct k_stack_record *)l;
		if (s->hash != hash || s->size != size)
			continue;
		if (k_depot_memcmp(entries, s->entries, size))
			continue;
		ret = s;
		break;
	}
	__asm__ volatile("" ::: "memory");
	k_preempt_count--; // rcu_read_unlock_sched_notrace()
	return ret;
}
static inline uint32_t k_record_size(unsigned n) {
	return (uint32_t)((sizeof(struct k_stack_record) + n * sizeof(uint64_t) + 15) & ~15UL);
}
// stack_depot_save_flags() up to a hit: the flags/size tests, jhash2 of the entries as u32 words,
// the bucket, find_stack(); returns the handle (0 on a miss).
static uint32_t __attribute__((noipa)) k_depot_lookup(const uint64_t *entries, unsigned n, unsigned flags) {
	if (flags & ~3u)
		return 0;
	if (n == 0)
		return 0;
	uint32_t hash = jhash2((const uint32_t *)entries, 2 * n, 0x9747b28c); // hash_stack(), inlined
	struct k_list *bucket = &k_table[hash & (K_BUCKETS - 1)];
	struct k_stack_record *found = k_find_stack(bucket, entries, n, hash);
	return found ? found->handle : 0;
}
// The insert after both lookups missed: pool_lock (irqsave + cmpxchg acquire), printk deferral,
// depot_alloc_stack() from the current pool (handle, hash, size, memcpy of the entries,
// refcount, counters), list_add_rcu() into the bucket, unlock (store-release).
static struct k_stack_record *__attribute__((noipa)) k_depot_insert(struct k_list *bucket, const uint64_t *entries,
								      unsigned n, uint32_t hash) {
	uint64_t daif = k_daif;
	k_daif = daif | 0x80;
	uint32_t unlocked = 0;
	while (!__atomic_compare_exchange_n(&k_pool_lock, &unlocked, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		unlocked = 0;
	k_printk_ctx++;
	if (n > 64)
		n = 64;
	uint32_t rsize = k_record_size(n);
	if (k_pool_offset + rsize > K_POOL_BYTES)
		k_pool_offset = 0; // depot_update_pools(): the new pool itself is not timed here
	struct k_stack_record *s = (struct k_stack_record *)(k_pool + k_pool_offset);
	s->handle = (k_pools_num << 17) | (k_pool_offset >> 4);
	s->hash_list.next = s->hash_list.prev = &s->hash_list;
	k_pool_offset += rsize;
	s->hash = hash;
	s->size = n;
	memcpy(s->entries, entries, n * sizeof(uint64_t));
	s->count = 0x40000000; // REFCOUNT_SATURATED: KASAN saves without STACK_DEPOT_FLAG_GET
	k_depot_counters[0]++;
	k_depot_counters[1]++;
	struct k_list *next = bucket->next;
	s->hash_list.next = next;
	s->hash_list.prev = bucket;
	__atomic_store_n(&bucket->next, &s->hash_list, __ATOMIC_RELEASE);
	next->prev = &s->hash_list;
	k_printk_ctx--;
	__atomic_store_n(&k_pool_lock, 0, __ATOMIC_RELEASE);
	k_daif = daif;
	return s;
}

// ---- sanity checks: the numbers mean nothing unless MTE is really on ----

#ifndef SEGV_MTESERR
#define SEGV_MTESERR 9
#endif

static void on_segv(int sig, siginfo_t *si, void *uc) {
	(void)sig;
	(void)uc;
	_exit(si->si_code == SEGV_MTESERR ? 42 : 43);
}

// A load through a pointer whose tag differs from the memory's must raise a synchronous tag
// check fault (SIGSEGV with si_code SEGV_MTESERR); tried in a child so the parent survives.
static int mismatch_faults(uint64_t tp) {
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_segv;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGSEGV, &sa, NULL);
		volatile uint64_t *q = (volatile uint64_t *)(uintptr_t)with_tag((void *)(uintptr_t)tp, TAG + 1);
		(void)*q;
		_exit(0);
	}
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return 0;
	return WIFEXITED(st) && WEXITSTATUS(st) == 42;
}

static uint64_t ldg_tag(uint64_t p) {
	uint64_t x = p & ~(0xffULL << 56);
	__asm__ volatile("ldg %0, [%1]" : "+r"(x) : "r"(p) : "memory");
	return x >> 56 & 0xf;
}

static uint64_t irg_tag(uint64_t p) {
	uint64_t x;
	__asm__ volatile("irg %0, %1" : "=r"(x) : "r"(p));
	return x >> 56 & 0xf;
}

static void raw(const char *bench, int rep, uint64_t ns, long insns) {
	if (rep < 0)
		return; // warm-up pass: translation of every loop by TCG happens here, untimed
	printf("raw %s %d %llu %ld\n", bench, rep, (unsigned long long)ns, insns);
}

#define TIME_IMM(fn, label, p)                                  \
	do {                                                    \
		uint64_t t0 = now_ns();                         \
		fn(p, iters);                                   \
		raw(label, rep, now_ns() - t0, iters * UNROLL); \
	} while (0)

#define TIME_STEP(fn, label, p, bs)                             \
	do {                                                    \
		uint64_t t0 = now_ns();                         \
		fn(p, iters, bs);                               \
		raw(label, rep, now_ns() - t0, iters * UNROLL); \
	} while (0)

int main(int argc, char **argv) {
	int mte = !(argc > 1 && strcmp(argv[1], "nomte") == 0);
	int reps = argc > 2 ? atoi(argv[2]) : 7;
	long iters = argc > 3 ? atol(argv[3]) : 100000;
	if ((argc > 1 && strcmp(argv[1], "mte") && strcmp(argv[1], "nomte")) || reps < 1 || iters < 1) {
		fprintf(stderr, "usage: %s [mte|nomte] [reps>=1] [iters>=1]\n", argv[0]);
		return 2;
	}
	printf("info mode %s\ninfo reps %d\ninfo iters %ld\ninfo unroll %d\n", mte ? "mte" : "nomte",
	       reps, iters, UNROLL);

	uint64_t dczid;
	__asm__("mrs %0, dczid_el0" : "=r"(dczid));
	uint64_t bs = 4ULL << (dczid & 0xf);
	printf("info dczid_block_bytes %llu\n", (unsigned long long)bs);

	if (mte) {
		unsigned long ctrl = PR_TAGGED_ADDR_ENABLE | PR_MTE_TCF_SYNC | (0xfffeUL << PR_MTE_TAG_SHIFT);
		if (prctl(PR_SET_TAGGED_ADDR_CTRL, ctrl, 0, 0, 0)) {
			fprintf(stderr, "prctl(PR_SET_TAGGED_ADDR_CTRL): %s (is -cpu max set?)\n", strerror(errno));
			return 1;
		}
		if ((dczid >> 4) & 1) {
			fprintf(stderr, "DCZID_EL0.DZP set: DC GVA/GZVA prohibited\n");
			return 1;
		}
	}
	int prot = PROT_READ | PROT_WRITE;
	char *tagged = mmap(NULL, 4 * BUF_BYTES, prot | (mte ? PROT_MTE : 0), MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *plain = mmap(NULL, BUF_BYTES, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (tagged == MAP_FAILED || plain == MAP_FAILED) {
		fprintf(stderr, "mmap%s: %s\n", mte ? " (PROT_MTE)" : "", strerror(errno));
		return 1;
	}
	uint64_t tp = with_tag(tagged, mte ? TAG : 0);
	uint64_t pp = (uint64_t)(uintptr_t)plain;

	// Buffers of the kernel-routine loops: 16 pages to clear/memset, shadow bytes for the two
	// software checks (all zero = accessible for generic; the pointer's tag for sw_tags).
	char *zbuf = mmap(NULL, 16 * 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int8_t *gshadow = mmap(NULL, 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *sshadow = mmap(NULL, 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (zbuf == MAP_FAILED || gshadow == MAP_FAILED || sshadow == MAP_FAILED) {
		fprintf(stderr, "mmap: %s\n", strerror(errno));
		return 1;
	}
	uint64_t zp = (uint64_t)(uintptr_t)zbuf;
	shadow_offset = (uint64_t)(uintptr_t)gshadow - (pp >> 3);
	meta_lo = pp;
	const uint64_t SW_TAG = 0x5a;
	uint64_t swp = pp | (SW_TAG << 56);
	uint64_t sw_offset = (uint64_t)(uintptr_t)sshadow - (pp >> 4);
	memset(sshadow, (int)SW_TAG, 64);
	// A 72-slot Shadow Call Stack of kernel return addresses carrying a PAC in bits 48..54.
	static uint64_t scs[72];
	for (unsigned i = 0; i < 72; i++)
		scs[i] = (0xffff800080010000ULL + 4 * i) ^ (0x5aULL << 48);
	long calls = iters / 4 > 0 ? iters / 4 : 1; // per timed call-loop
	// Stack collection (kasan_save_stack) setup: a 32 KiB-aligned task stack holding a chain of
	// 56 frame records 96 bytes apart that ends at the final record below pt_regs; the 2-record
	// trace starts at record 54 of the same chain. Return addresses carry a PAC in bits 48..54.
	const unsigned kshort = 2, klong = 56;
	char *tstack_map = mmap(NULL, 2 * THREAD_BYTES, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	k_table = mmap(NULL, K_BUCKETS * sizeof(struct k_list), prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *k_pools = mmap(NULL, 2 * K_POOL_BYTES, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (tstack_map == MAP_FAILED || k_table == MAP_FAILED || k_pools == MAP_FAILED) {
		fprintf(stderr, "mmap: %s\n", strerror(errno));
		return 1;
	}
	static struct k_task ktask;
	ktask.stack = ((uint64_t)(uintptr_t)tstack_map + THREAD_BYTES - 1) & ~(uint64_t)(THREAD_BYTES - 1);
	ktask.scs_base = scs;
	ktask.pid = 1;
	k_current = &ktask;
	k_redzone_shadow = (uint64_t *)(uintptr_t)(gshadow + 2048);
	for (unsigned i = 0; i < klong; i++) {
		uint64_t *r = (uint64_t *)(uintptr_t)(ktask.stack + 4096 + (uint64_t)i * FRAME_STRIDE);
		r[0] = i + 1 < klong ? ktask.stack + 4096 + (uint64_t)(i + 1) * FRAME_STRIDE : k_final_record(&ktask);
		r[1] = (0xffff800080010000ULL + 4 * i) ^ (0x5aULL << 48);
	}
	uint64_t kfp_long = ktask.stack + 4096, kfp_short = ktask.stack + 4096 + (uint64_t)(klong - kshort) * FRAME_STRIDE;
	uint64_t *kentries = (uint64_t *)(uintptr_t)(pp + 2048); // shadow-covered for the asan build
	// Depot: 64 distinct 16-frame traces, each the only record in its bucket (lookup pool); the
	// timed inserts go into a scratch bucket from a second pool that wraps.
	static uint64_t dtraces[64][DEPOT_FRAMES];
	static struct k_list scratch_bucket;
	scratch_bucket.next = scratch_bucket.prev = &scratch_bucket;
	k_pool = k_pools;
	for (unsigned t = 0; t < 64; t++) {
		for (unsigned j = 0; j < DEPOT_FRAMES; j++)
			dtraces[t][j] = 0xffff800080010000ULL + 0x40 * j + 0x10000 * t;
		uint32_t h = jhash2((const uint32_t *)dtraces[t], 2 * DEPOT_FRAMES, 0x9747b28c);
		struct k_list *b = &k_table[h & (K_BUCKETS - 1)];
		if (b->next) {
			fprintf(stderr, "depot setup: two traces share a bucket\n");
			return 1;
		}
		b->next = b->prev = b;
		k_depot_insert(b, dtraces[t], DEPOT_FRAMES, h);
	}
	k_pool = k_pools + K_POOL_BYTES;
	k_pool_offset = 0;
	uint32_t dhash0 = jhash2((const uint32_t *)dtraces[0], 2 * DEPOT_FRAMES, 0x9747b28c);
	long tcalls = iters / 32 > 0 ? iters / 32 : 1; // per timed trace loop

	if (mte) {
		loop_stg(tp, 1); // first 256 bytes now carry TAG
		loop_dc_gva(tp, 1, bs); // and the first 16 blocks
		uint64_t got = ldg_tag(tp + 128);
		printf("check ldg_reads_stg %s tag=%llu\n", got == TAG ? "ok" : "FAIL", (unsigned long long)got);
		uint64_t seen = 0;
		for (int i = 0; i < 64; i++)
			seen |= 1ULL << irg_tag(tp);
		printf("check irg_excludes_tag0 %s seen_mask=0x%llx\n", (seen & 1) ? "FAIL" : "ok",
		       (unsigned long long)seen);
		int f = mismatch_faults(tp);
		printf("check mismatch_faults %s\n", f ? "ok" : "FAIL");
		if (got != TAG || (seen & 1) || !f)
			return 1;
	}

	for (int rep = -1; rep < reps; rep++) {
		TIME_IMM(loop_empty, "empty", pp);
		TIME_STEP(loop_add, "add", pp, bs);
		TIME_IMM(loop_str, "str_plain", pp);
		TIME_IMM(loop_ldr, "ldr_plain", pp);
		if (mte) {
			TIME_IMM(loop_str, "str_checked", tp);
			TIME_IMM(loop_ldr, "ldr_checked", tp);
			TIME_IMM(loop_stg, "stg", tp);
			TIME_IMM(loop_st2g, "st2g", tp);
			TIME_IMM(loop_stzg, "stzg", tp);
			TIME_IMM(loop_stz2g, "stz2g", tp);
			TIME_STEP(loop_dc_gva, "dc_gva", tp, bs);
			TIME_STEP(loop_dc_gzva, "dc_gzva", tp, bs);
			TIME_IMM(loop_ldg, "ldg", tp);
			TIME_IMM(loop_irg, "irg", tp);
		}
		if (mte) {
			TIME_IMM(loop_addg, "addg", tp);
		} else {
			uint64_t t0 = now_ns();
			long bad = loop_generic_check(pp, iters, shadow_offset);
			raw("generic_check", rep, now_ns() - t0, iters * UNROLL);
			t0 = now_ns();
			bad |= loop_sw_tags_check(swp, iters, sw_offset);
			raw("sw_tags_check", rep, now_ns() - t0, iters * UNROLL);
			if (bad) {
				fprintf(stderr, "software check loop took its report branch\n");
				return 1;
			}
			TIME_IMM(loop_c_ldr, "c_ldr", pp);
			TIME_IMM(loop_outline_check, "outline_check", pp);
			if (asan_reports) {
				fprintf(stderr, "outline check reported %ld times\n", asan_reports);
				return 1;
			}
		}
		TIME_STEP(loop_dc_zva, "dc_zva", zp, bs);
		TIME_CALLS("call_nop", call_nop(zp + 4096 * (i & 15)), 1, calls);
		TIME_CALLS("call_signed_nop", call_signed_nop(zp + 4096 * (i & 15)), 1, calls);
		TIME_CALLS("clear_page", clear_page(zp + 4096 * (i & 15)), 1, calls);
		TIME_CALLS("memset_256", memset_fn((void *)(uintptr_t)(zp + 1024 * (i & 63)), 0, 256), 1, calls);
		TIME_CALLS("memset_1024", memset_fn((void *)(uintptr_t)(zp + 1024 * (i & 63)), 0, 1024), 1, calls);
		{
			TIME_CALLS("ring_insert", ring_insert(zp + 64 * (uint64_t)i, 64, (uint32_t)i, (int)(i & 1)), 1, calls);
			uint32_t acc = 0;
			TIME_CALLS("random_tag", acc += random_tag(), 1, calls);
			sink = acc;
		}
		{
			// kasan_save_stack() flavours, interleaved: unwinder, SCS copy, SCS __noscs; each
			// as the HW_TAGS kernel builds it (plain) and, MTE off, as Generic (asan).
			unsigned nu[2][2] = {{0}}, ns[2][2] = {{0}}, nn[2][2] = {{0}};
			for (int asan = 0; asan < (mte ? 1 : 2); asan++) {
				const char *sfx = asan ? "_asan" : "";
				char l0[48], l1[48], l2[48];
				unsigned z0 = 1, z1 = 1;
				// no frame record at all (fp at the final record; SCS pointer at its base): the
				// per-trace work alone
				snprintf(l0, sizeof(l0), "ksave_unwind%s_0", sfx);
				TIME_CALLS(l0, z0 = kasan_save_stack_unwind(kentries, asan, k_final_record(&ktask)), 1, tcalls);
				snprintf(l0, sizeof(l0), "ksave_scs%s_0", sfx);
				TIME_CALLS(l0, (k_x18 = scs, z1 = kasan_save_stack_scs(kentries, asan, 0)), 1, tcalls);
				snprintf(l0, sizeof(l0), "ksave_noscs%s_0", sfx);
				TIME_CALLS(l0, (k_x18 = scs, z1 |= kasan_save_stack_scs(kentries, asan, 1)), 1, tcalls);
				if (z0 || z1) {
					fprintf(stderr, "empty kasan_save_stack%s kept %u (unwind) %u (scs) entries\n", sfx, z0, z1);
					return 1;
				}
				snprintf(l1, sizeof(l1), "ksave_unwind%s_%u", sfx, kshort);
				snprintf(l2, sizeof(l2), "ksave_unwind%s_%u", sfx, klong);
				TIME_CALLS(l1, nu[asan][0] = kasan_save_stack_unwind(kentries, asan, kfp_short), 1, tcalls);
				TIME_CALLS(l2, nu[asan][1] = kasan_save_stack_unwind(kentries, asan, kfp_long), 1, tcalls);
				if (kentries[0] != 0xffff800080010000ULL || kentries[klong - 1] != 0xffff800080010000ULL + 4 * (klong - 1))
					nu[asan][1] = 0;
				snprintf(l1, sizeof(l1), "ksave_scs%s_%u", sfx, kshort);
				snprintf(l2, sizeof(l2), "ksave_scs%s_%u", sfx, klong);
				TIME_CALLS(l1, (k_x18 = scs + kshort, ns[asan][0] = kasan_save_stack_scs(kentries, asan, 0)), 1, tcalls);
				TIME_CALLS(l2, (k_x18 = scs + klong, ns[asan][1] = kasan_save_stack_scs(kentries, asan, 0)), 1, tcalls);
				snprintf(l1, sizeof(l1), "ksave_noscs%s_%u", sfx, kshort);
				snprintf(l2, sizeof(l2), "ksave_noscs%s_%u", sfx, klong);
				TIME_CALLS(l1, (k_x18 = scs + kshort, nn[asan][0] = kasan_save_stack_scs(kentries, asan, 1)), 1, tcalls);
				TIME_CALLS(l2, (k_x18 = scs + klong, nn[asan][1] = kasan_save_stack_scs(kentries, asan, 1)), 1, tcalls);
				if (kentries[klong - 1] != 0xffff800080010000ULL)
					nn[asan][1] = 0;
				if (nu[asan][0] != kshort || nu[asan][1] != klong || ns[asan][0] != kshort || ns[asan][1] != klong ||
				    nn[asan][0] != kshort || nn[asan][1] != klong) {
					fprintf(stderr, "kasan_save_stack%s kept %u/%u (unwind) %u/%u (scs) %u/%u (noscs) entries, expected %u/%u\n",
						sfx, nu[asan][0], nu[asan][1], ns[asan][0], ns[asan][1], nn[asan][0], nn[asan][1], kshort, klong);
					return 1;
				}
			}
			if (asan_reports) {
				fprintf(stderr, "outline checks reported %ld times in the stack collection\n", asan_reports);
				return 1;
			}
			uint32_t hs = 0;
			TIME_CALLS("kdepot_lookup_16", hs += k_depot_lookup(dtraces[i & 63], DEPOT_FRAMES, 1), 1, calls);
			if (hs == 0) {
				fprintf(stderr, "depot lookup missed every record\n");
				return 1;
			}
			struct k_stack_record *ins = NULL;
			TIME_CALLS("kdepot_insert_16", ins = k_depot_insert(&scratch_bucket, dtraces[i & 63], DEPOT_FRAMES, dhash0), 1, calls);
			sink = hs + ins->hash;
		}
	}
	printf("info ksave_frames %u %u\n", kshort, klong);
	return 0;
}
