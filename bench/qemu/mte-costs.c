// mte-costs: per-instruction timing of the Arm MTE instructions, tag-checked accesses and a
// frame-pointer walk, meant to run under qemu-user TCG (`qemu-aarch64 -cpu max`).
//
// Build: aarch64-linux-gnu-gcc -O2 -march=armv8.5-a+memtag -static -o mte-costs mte-costs.c
// Usage: mte-costs [mte|nomte] [reps] [iters]
//   mte   (default) enables tagged addresses + synchronous tag checks and maps PROT_MTE memory;
//   nomte leaves MTE off (the process a kernel without hw_tags would be) and times only the
//         plain accesses, the loop baselines and the frame walk.
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

// ---- frame-pointer walk, shaped like arm64's kunwind_next_frame_record + stack_trace_save ----

struct frame_record {
	uint64_t fp;
	uint64_t lr;
};

struct unwind_state {
	uint64_t fp, pc;
	uint64_t low, high; // the accessible stack; low rises as records are consumed
};

struct stack_trace {
	uint64_t *entries;
	unsigned len, cap, skip;
};

static int __attribute__((noinline)) consume_entry(void *cookie, uint64_t pc) {
	struct stack_trace *t = cookie;
	if (t->skip) {
		t->skip--;
		return 1;
	}
	t->entries[t->len++] = pc;
	return t->len < t->cap;
}

static inline uint64_t strip_pac(uint64_t pc) {
	__asm__("xpaci %0" : "+r"(pc));
	return pc;
}

static int __attribute__((noinline)) unwind_next(struct unwind_state *s) {
	uint64_t fp = s->fp;
	if (fp == 0)
		return -ENOENT; // terminal record reached
	if (fp & 0x7)
		return -EINVAL; // misaligned record
	if (fp < s->low || fp + sizeof(struct frame_record) > s->high)
		return -EINVAL; // outside the accessible stack, or going backwards
	s->low = fp + sizeof(struct frame_record);
	const volatile struct frame_record *r = (const volatile struct frame_record *)(uintptr_t)fp;
	s->fp = r->fp;
	s->pc = strip_pac(r->lr);
	return 0;
}

static unsigned __attribute__((noinline))
walk_stack(uint64_t fp, uint64_t pc, uint64_t low, uint64_t high, struct stack_trace *t,
	   int (*consume)(void *, uint64_t)) {
	struct unwind_state s = {fp, pc, low, high};
	for (;;) {
		if (!consume(t, s.pc))
			break;
		if (unwind_next(&s))
			break;
	}
	return t->len;
}

#define MAX_FRAMES 128
#define FRAME_STRIDE 96 // bytes between records, a typical small kernel frame

static struct frame_record *build_chain(char *stack, unsigned frames) {
	// Record i sits at stack + i * FRAME_STRIDE and links to record i + 1; the last links to 0.
	for (unsigned i = 0; i < frames; i++) {
		struct frame_record *r = (struct frame_record *)(stack + (size_t)i * FRAME_STRIDE);
		r->fp = i + 1 < frames ? (uint64_t)(uintptr_t)(stack + (size_t)(i + 1) * FRAME_STRIDE) : 0;
		r->lr = 0xffff800080010000ULL + 4 * i;
	}
	return (struct frame_record *)stack;
}

static uint64_t time_walks(char *stack, size_t stack_bytes, unsigned frames, long walks,
			   unsigned *got) {
	static uint64_t entries[MAX_FRAMES + 2];
	build_chain(stack, frames);
	uint64_t low = (uint64_t)(uintptr_t)stack, high = low + stack_bytes;
	uint64_t t0 = now_ns();
	for (long i = 0; i < walks; i++) {
		struct stack_trace t = {entries, 0, MAX_FRAMES + 2, 0};
		*got = walk_stack(low, 0xffff800080000000ULL, low, high, &t, consume_entry);
	}
	return now_ns() - t0;
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
	size_t stack_bytes = (size_t)(MAX_FRAMES + 1) * FRAME_STRIDE;
	char *stack = mmap(NULL, stack_bytes, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (tagged == MAP_FAILED || plain == MAP_FAILED || stack == MAP_FAILED) {
		fprintf(stderr, "mmap%s: %s\n", mte ? " (PROT_MTE)" : "", strerror(errno));
		return 1;
	}
	uint64_t tp = with_tag(tagged, mte ? TAG : 0);
	uint64_t pp = (uint64_t)(uintptr_t)plain;

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

	// The frame walk: two chain lengths, so measure.mjs can take the slope (per frame) and
	// cancel the fixed cost of a walk.
	const unsigned short_chain = 8, long_chain = 72;
	long walks = iters / 16 > 0 ? iters / 16 : 1;

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
		unsigned got_s = 0, got_l = 0;
		uint64_t ts = time_walks(stack, stack_bytes, short_chain, walks, &got_s);
		uint64_t tl = time_walks(stack, stack_bytes, long_chain, walks, &got_l);
		// entries = records + the starting pc
		if (got_s != short_chain + 1 || got_l != long_chain + 1) {
			fprintf(stderr, "frame walk saw %u/%u entries, expected %u/%u\n", got_s, got_l,
				short_chain + 1, long_chain + 1);
			return 1;
		}
		char label[32];
		snprintf(label, sizeof(label), "fp_walk_%u", short_chain);
		raw(label, rep, ts, walks);
		snprintf(label, sizeof(label), "fp_walk_%u", long_chain);
		raw(label, rep, tl, walks);
	}
	printf("info fp_walk_frames %u %u\n", short_chain, long_chain);
	return 0;
}
