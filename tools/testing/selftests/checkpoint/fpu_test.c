// SPDX-License-Identifier: GPL-2.0
/*
 * FPU and vector registers across checkpoint(2) and restart(2) (x86_64):
 * a target holds known values in xmm0-15 (and the upper halves of
 * ymm0-15 with AVX), r12-r15, MXCSR and the x87 control word.
 *
 * - user_loop: it checks them in a loop, counting iterations, and is
 *   stopped from outside in the middle of the loop; after restart it goes
 *   on looping until SIGUSR1.
 * - in_syscall: it loads them, blocks in pause(2) and is stopped there;
 *   after restart pause(2) is resumed, SIGUSR1 ends it and the registers
 *   are checked once.
 *
 * The target exits 0 only if every check saw the values it loaded.
 */

#include "ckpt_task.h"

#include <stddef.h>

#if defined(__x86_64__)

#include <cpuid.h>

struct fpu_blk {
	uint8_t expect[16][32];		/*   0: xmm i, then the upper half of ymm i */
	uint8_t scratch[32];		/* 512 */
	uint64_t iters;			/* 544: loop iterations */
	uint32_t stop;			/* 552: set by the SIGUSR1 handler */
	uint32_t bad;			/* 556: which check failed, see below */
	uint32_t mxcsr_want;		/* 560 */
	uint32_t mxcsr_got;		/* 564 */
	uint16_t fcw_want;		/* 568 */
	uint16_t fcw_got;		/* 570 */
	uint32_t pad;			/* 572 */
	int64_t ret;			/* 576: what pause(2) returned */
} __attribute__((aligned(64)));

_Static_assert(offsetof(struct fpu_blk, scratch) == 512, "layout");
_Static_assert(offsetof(struct fpu_blk, iters) == 544, "layout");
_Static_assert(offsetof(struct fpu_blk, stop) == 552, "layout");
_Static_assert(offsetof(struct fpu_blk, bad) == 556, "layout");
_Static_assert(offsetof(struct fpu_blk, mxcsr_want) == 560, "layout");
_Static_assert(offsetof(struct fpu_blk, fcw_want) == 568, "layout");
_Static_assert(offsetof(struct fpu_blk, ret) == 576, "layout");

/* blk.bad: 1-16 xmm0-15, 17-32 upper ymm0-15, 33-36 r12-r15, 37 MXCSR, 38 x87 CW. */
static struct fpu_blk blk;

#define R12_VAL	"0x1212343456567878"
#define R13_VAL	"0x1313a5a5c3c3e1e1"
#define R14_VAL	"0x14141e1e0f0f7070"
#define R15_VAL	"0x1515deadbeef0bad"
#define MXCSR_VAL	0xff80		/* all masked, round toward zero, FTZ */
#define FCW_VAL		0x0f7f		/* all masked, 64-bit, round toward zero */

#define ALL16(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) \
		 M(8) M(9) M(10) M(11) M(12) M(13) M(14) M(15)

#define LOAD_SSE(i)	"movdqu " #i "*32(%[b]), %%xmm" #i "\n\t"
#define LOAD_AVX(i)	"vmovdqu " #i "*32(%[b]), %%ymm" #i "\n\t"

/* Compare the 16 bytes at 512(b) with @off(b); on a difference, bad = @code. */
#define CMP16(off, code)						\
	"mov 512(%[b]), %%rax\n\t"					\
	"xor " off "(%[b]), %%rax\n\t"					\
	"mov 520(%[b]), %%rdx\n\t"					\
	"xor " off "+8(%[b]), %%rdx\n\t"				\
	"or %%rdx, %%rax\n\t"						\
	"jz 3f\n\t"							\
	"movl $" code ", 556(%[b])\n\t"					\
	"jmp 9f\n"							\
	"3:\n\t"

#define CHECK_SSE(i)	"movdqu %%xmm" #i ", 512(%[b])\n\t" CMP16(#i "*32", #i "+1")
#define CHECK_AVX(i)	"vmovdqu %%xmm" #i ", 512(%[b])\n\t" CMP16(#i "*32", #i "+1")
#define CHECK_HI(i)	"vextractf128 $1, %%ymm" #i ", 512(%[b])\n\t"		\
			CMP16(#i "*32+16", #i "+17")

#define CHECK_GPR(reg, val, code)					\
	"movabs $" val ", %%rax\n\t"					\
	"cmp %%rax, %%" reg "\n\t"					\
	"je 3f\n\t"							\
	"movl $" code ", 556(%[b])\n\t"					\
	"jmp 9f\n"							\
	"3:\n\t"

#define PROLOGUE							\
	"ldmxcsr 560(%[b])\n\t"						\
	"fldcw 568(%[b])\n\t"						\
	"movabs $" R12_VAL ", %%r12\n\t"				\
	"movabs $" R13_VAL ", %%r13\n\t"				\
	"movabs $" R14_VAL ", %%r14\n\t"				\
	"movabs $" R15_VAL ", %%r15\n\t"

#define CHECK_MISC							\
	CHECK_GPR("r12", R12_VAL, "33")					\
	CHECK_GPR("r13", R13_VAL, "34")					\
	CHECK_GPR("r14", R14_VAL, "35")					\
	CHECK_GPR("r15", R15_VAL, "36")					\
	"stmxcsr 564(%[b])\n\t"						\
	"mov 564(%[b]), %%eax\n\t"					\
	"cmp 560(%[b]), %%eax\n\t"					\
	"je 3f\n\t"							\
	"movl $37, 556(%[b])\n\t"					\
	"jmp 9f\n"							\
	"3:\n\t"							\
	"fnstcw 570(%[b])\n\t"						\
	"movzwl 570(%[b]), %%eax\n\t"					\
	"movzwl 568(%[b]), %%edx\n\t"					\
	"cmp %%edx, %%eax\n\t"						\
	"je 3f\n\t"							\
	"movl $38, 556(%[b])\n\t"					\
	"jmp 9f\n"							\
	"3:\n\t"

#define LOOP_TAIL							\
	"incq 544(%[b])\n\t"						\
	"cmpl $0, 552(%[b])\n\t"					\
	"je 1b\n"							\
	"9:\n\t"

#define PAUSE_CALL							\
	"mov $34, %%eax\n\t"	/* __NR_pause */			\
	"syscall\n\t"							\
	"mov %%rax, 576(%[b])\n\t"

#define CLOBBERS "rax", "rcx", "rdx", "r11", "r12", "r13", "r14", "r15",	\
	"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",		\
	"xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15",	\
	"memory", "cc"

static void loop_sse(void)
{
	__asm__ volatile(PROLOGUE ALL16(LOAD_SSE) "1:\n\t" ALL16(CHECK_SSE) CHECK_MISC
			 LOOP_TAIL : : [b] "r"(&blk) : CLOBBERS);
}

static void loop_avx(void)
{
	__asm__ volatile(PROLOGUE ALL16(LOAD_AVX) "1:\n\t" ALL16(CHECK_AVX) ALL16(CHECK_HI)
			 CHECK_MISC LOOP_TAIL "vzeroupper\n\t" : : [b] "r"(&blk) : CLOBBERS);
}

static void pause_sse(void)
{
	__asm__ volatile(PROLOGUE ALL16(LOAD_SSE) PAUSE_CALL ALL16(CHECK_SSE) CHECK_MISC
			 "incq 544(%[b])\n" "9:\n\t" : : [b] "r"(&blk) : CLOBBERS);
}

static void pause_avx(void)
{
	__asm__ volatile(PROLOGUE ALL16(LOAD_AVX) PAUSE_CALL ALL16(CHECK_AVX) ALL16(CHECK_HI)
			 CHECK_MISC "incq 544(%[b])\n" "9:\n\t" "vzeroupper\n\t"
			 : : [b] "r"(&blk) : CLOBBERS);
}

static bool have_avx(void)
{
	unsigned int a, b, c, d, lo, hi;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return false;
	if (!(c & bit_AVX) || !(c & bit_OSXSAVE))
		return false;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 6) == 6;
}

static void on_usr1(int sig)
{
	(void)sig;
	__atomic_store_n(&blk.stop, 1, __ATOMIC_SEQ_CST);
}

struct fpu_arg {
	int ready;		/* write end of the pipe saying "about to start" */
	bool in_syscall;
};

static void fpu_target(void *arg)
{
	struct fpu_arg *a = arg;
	struct sigaction sa = { .sa_handler = on_usr1 };
	bool avx = have_avx();
	uint16_t fcw = 0x037f;
	uint32_t mxcsr = 0x1f80;

	sigemptyset(&sa.sa_mask);
	SETUP(!sigaction(SIGUSR1, &sa, NULL));
	SETUP(!prctl(PR_SET_NAME, "ckpt-fpu"));
	for (int i = 0; i < 16; i++)
		for (int j = 0; j < 32; j++)
			blk.expect[i][j] = (uint8_t)(i * 37 + j * 11 + 0x5a);
	blk.mxcsr_want = MXCSR_VAL;
	blk.fcw_want = FCW_VAL;
	ckpt_orig_pid = ckpt_getpid();
	SETUP(write(a->ready, avx ? "A" : "S", 1) == 1);
	close(a->ready);

	if (a->in_syscall) {
		if (avx)
			pause_avx();
		else
			pause_sse();
	} else {
		if (avx)
			loop_avx();
		else
			loop_sse();
	}
	__asm__ volatile("ldmxcsr %0\n\tfldcw %1" : : "m"(mxcsr), "m"(fcw));

	ckpt_restarted = ckpt_getpid() != ckpt_orig_pid;
	CHECKF(blk.bad == 0, "register check %u failed (1-16 xmm, 17-32 upper ymm, "
	       "33-36 r12-r15, 37 MXCSR %#x, 38 x87 CW %#x), %s",
	       blk.bad, blk.mxcsr_got, blk.fcw_got, avx ? "AVX" : "SSE");
	CHECK(blk.iters > 0);
	CHECK(ckpt_restarted);
	if (a->in_syscall)
		CHECKF(blk.ret == -EINTR, "pause returned %lld", (long long)blk.ret);
}

/* Read @len bytes at @addr in @pid. */
static int peek(pid_t pid, const void *addr, void *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = pread(fd, buf, len, (off_t)(uintptr_t)addr);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

static uint64_t peek_iters(pid_t pid)
{
	uint64_t v = 0;

	if (peek(pid, &blk.iters, &v, sizeof(v)))
		return 0;
	return v;
}

/* Is @pid blocked in pause(2)?  /proc/PID/syscall starts with its number. */
static bool in_pause(pid_t pid)
{
	char path[64], buf[256];

	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	return ckpt_read_file(path, buf, sizeof(buf)) > 0 && !strncmp(buf, "34 ", 3);
}

/* Has the target made @n more iterations than @from, or blocked in pause? */
static bool target_ready(pid_t pid, bool in_syscall, uint64_t from)
{
	uint64_t a, b;

	if (in_syscall)
		return in_pause(pid);
	/*
	 * Running its loop: past @from and still counting.  A process in the
	 * middle of restart(2) shows the memory of its image being built,
	 * which does not count.
	 */
	a = peek_iters(pid);
	if (a <= from + 20000)
		return false;
	ckpt_sleep(0.01);
	b = peek_iters(pid);
	return b > a;
}

static void run_fpu(struct __test_metadata *_metadata, bool in_syscall)
{
	struct fpu_arg a = { .in_syscall = in_syscall };
	uint64_t at_ckpt;
	uint32_t bad = ~0u;
	struct ckpt_ctx c;
	double end;
	char kind;
	pid_t pid;
	int p[2], status;

	ASSERT_EQ(0, pipe(p));
	a.ready = p[1];
	ckpt_ctx_init(&c);
	c.keep_fd = p[1];
	pid = ckpt_fork_target(&c, fpu_target, &a);
	ASSERT_LT(0, pid);
	close(p[1]);
	ASSERT_EQ(1, read(p[0], &kind, 1)) {
		ckpt_kill(pid);
	}
	close(p[0]);
	TH_LOG("checking %s registers", kind == 'A' ? "SSE and AVX" : "SSE");

	/* Stop it in the middle of its loop (or in pause). */
	end = ckpt_now() + 20;
	while (!target_ready(pid, in_syscall, 0) && ckpt_now() < end)
		ckpt_sleep(0.005);
	ASSERT_TRUE(target_ready(pid, in_syscall, 0)) {
		ckpt_kill(pid);
	}
	ASSERT_EQ(0, kill(pid, SIGSTOP));
	CKPT_WAIT_STOPPED(pid);
	at_ckpt = peek_iters(pid);
	EXPECT_EQ(0, peek(pid, &blk.bad, &bad, sizeof(bad)));
	EXPECT_EQ(0, bad) TH_LOG("register check %u failed before the checkpoint", bad);
	CKPT_TAKE(&c, pid);
	ckpt_kill(pid);

	/* Restart it, let it run on, then end it. */
	pid = ckpt_fork_restarter(&c);
	ASSERT_LT(0, pid);
	end = ckpt_now() + 30;
	while (!target_ready(pid, in_syscall, at_ckpt) && ckpt_now() < end &&
	       waitpid(pid, &status, WNOHANG) == 0)
		ckpt_sleep(0.005);
	if (waitpid(pid, &status, WNOHANG) == 0) {
		EXPECT_TRUE(target_ready(pid, in_syscall, at_ckpt))
			TH_LOG("the restarted process does not run its %s",
			       in_syscall ? "pause" : "loop");
		kill(pid, SIGUSR1);
		if (!ckpt_wait(pid, &status, 0, 30))
			status = ckpt_kill(pid);
	}
	c.status = status;
	ckpt_log_collect(&c);
	ckpt_expect_ok(_metadata, &c, "the restarted process");
}

TEST(user_loop)
{
	run_fpu(_metadata, false);
}

TEST(in_syscall)
{
	run_fpu(_metadata, true);
}

#else /* !__x86_64__ */

TEST(user_loop)
{
	SKIP(return, "the register test is x86_64 only");
}

TEST(in_syscall)
{
	SKIP(return, "the register test is x86_64 only");
}

#endif

TEST_HARNESS_MAIN
