// SPDX-License-Identifier: GPL-2.0
/*
 * FPU and vector registers across checkpoint(2) and restart(2): a target
 * holds known values in them.
 *
 * - x86_64: xmm0-15 (and the upper halves of ymm0-15 with AVX), r12-r15,
 *   MXCSR and the x87 control word.
 * - s390x: the 32 vector registers with the vector facility, else the 16
 *   floating-point registers; r6-r10, access registers 4-7 and the FPC.
 * - arm: d0-d31 (d0-d15 without VFPD32; q0-q15 with NEON), r4-r6, r8 and
 *   the FPSCR.
 * - ppc64le: the 64 VSX registers (the FPRs and the VMX registers are
 *   parts of them), r14-r18, FPSCR, VSCR, VRSAVE; CTR and XER in the loop.
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


/* Fill in the values; the kind of registers checked: 'A' (AVX) or 'S' (SSE). */
static char fpu_prepare(void)
{
	for (int i = 0; i < 16; i++)
		for (int j = 0; j < 32; j++)
			blk.expect[i][j] = (uint8_t)(i * 37 + j * 11 + 0x5a);
	blk.mxcsr_want = MXCSR_VAL;
	blk.fcw_want = FCW_VAL;
	return have_avx() ? 'A' : 'S';
}

/* Load, then check in a loop or once after pause(2); defaults after. */
static void fpu_run(char kind, bool in_syscall)
{
	uint16_t fcw = 0x037f;
	uint32_t mxcsr = 0x1f80;

	if (in_syscall) {
		if (kind == 'A')
			pause_avx();
		else
			pause_sse();
	} else {
		if (kind == 'A')
			loop_avx();
		else
			loop_sse();
	}
	__asm__ volatile("ldmxcsr %0\n\tfldcw %1" : : "m"(mxcsr), "m"(fcw));
}

static const char *fpu_kind_name(char kind)
{
	return kind == 'A' ? "SSE and AVX" : "SSE";
}

static void fpu_bad_str(char *buf, size_t size)
{
	snprintf(buf, size, "register check %u failed (1-16 xmm, 17-32 upper ymm, "
		 "33-36 r12-r15, 37 MXCSR %#x, 38 x87 CW %#x)",
		 blk.bad, blk.mxcsr_got, blk.fcw_got);
}

#elif defined(__s390x__)

#include <sys/auxv.h>

struct fpu_blk {
	uint8_t expect[32][16];		/*   0: vector register i; FPR i is its first 8 bytes */
	uint8_t scratch[16];		/* 512 */
	uint64_t iters;			/* 528: loop iterations */
	uint32_t stop;			/* 536: set by the SIGUSR1 handler */
	uint32_t bad;			/* 540: which check failed, see below */
	uint32_t fpc_want;		/* 544 */
	uint32_t fpc_got;		/* 548 */
	int64_t ret;			/* 552: what pause(2) returned */
	uint64_t gpr[5];		/* 560: r6-r10 */
	uint32_t acr[4];		/* 600: access registers 4-7 */
} __attribute__((aligned(16)));

_Static_assert(offsetof(struct fpu_blk, scratch) == 512, "layout");
_Static_assert(offsetof(struct fpu_blk, iters) == 528, "layout");
_Static_assert(offsetof(struct fpu_blk, stop) == 536, "layout");
_Static_assert(offsetof(struct fpu_blk, bad) == 540, "layout");
_Static_assert(offsetof(struct fpu_blk, fpc_want) == 544, "layout");
_Static_assert(offsetof(struct fpu_blk, ret) == 552, "layout");
_Static_assert(offsetof(struct fpu_blk, gpr) == 560, "layout");
_Static_assert(offsetof(struct fpu_blk, acr) == 600, "layout");

/*
 * blk.bad: 1-32 vector register (or FPR) i-1, 33-37 r6-r10, 38-41 access
 * registers 4-7, 42 FPC.
 */
static struct fpu_blk blk;

/* Round toward -infinity, the inexact flag set. */
#define FPC_VAL		0x00080003

/* HWCAP_S390_VXRS of the kernel's asm/elf.h, which is not uapi. */
#define FPU_HWCAP_S390_VXRS	(1UL << 11)

#define ALL16(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) \
		 M(8) M(9) M(10) M(11) M(12) M(13) M(14) M(15)
#define ALL32(M) ALL16(M) M(16) M(17) M(18) M(19) M(20) M(21) M(22) M(23) \
		 M(24) M(25) M(26) M(27) M(28) M(29) M(30) M(31)

/* On a difference (condition code not 0), bad = @code. */
#define FAIL_UNLESS_EQ(code)						\
	"je 3f\n\t"							\
	"lhi %%r0, " code "\n\t"					\
	"st %%r0, 540(%[b])\n\t"					\
	"j 9f\n"							\
	"3:\n\t"

#define LOAD_FPR(i)	"ld %%f" #i ", " #i "*16(%[b])\n\t"
#define LOAD_VR(i)	"vl %%v" #i ", " #i "*16(%[b])\n\t"
#define CHECK_FPR(i)	"std %%f" #i ", 512(%[b])\n\t"			\
			"clc 512(8,%[b]), " #i "*16(%[b])\n\t"		\
			FAIL_UNLESS_EQ(#i "+1")
#define CHECK_VR(i)	"vst %%v" #i ", 512(%[b])\n\t"			\
			"clc 512(16,%[b]), " #i "*16(%[b])\n\t"		\
			FAIL_UNLESS_EQ(#i "+1")

#define PROLOGUE							\
	"lfpc 544(%[b])\n\t"						\
	"lmg %%r6, %%r10, 560(%[b])\n\t"				\
	"lam %%a4, %%a7, 600(%[b])\n\t"

#define CHECK_GPR(r, off, code)	"cg %%r" #r ", " #off "(%[b])\n\t"	\
				FAIL_UNLESS_EQ(#code)
#define CHECK_ACR(a, off, code)	"ear %%r0, %%a" #a "\n\t"		\
				"c %%r0, " #off "(%[b])\n\t"		\
				FAIL_UNLESS_EQ(#code)

#define CHECK_MISC							\
	CHECK_GPR(6, 560, 33) CHECK_GPR(7, 568, 34) CHECK_GPR(8, 576, 35)	\
	CHECK_GPR(9, 584, 36) CHECK_GPR(10, 592, 37)			\
	CHECK_ACR(4, 600, 38) CHECK_ACR(5, 604, 39) CHECK_ACR(6, 608, 40)	\
	CHECK_ACR(7, 612, 41)						\
	"stfpc 548(%[b])\n\t"						\
	"l %%r0, 548(%[b])\n\t"					\
	"c %%r0, 544(%[b])\n\t"					\
	FAIL_UNLESS_EQ("42")

#define COUNT								\
	"lg %%r0, 528(%[b])\n\t"					\
	"aghi %%r0, 1\n\t"						\
	"stg %%r0, 528(%[b])\n\t"

#define LOOP_TAIL							\
	COUNT								\
	"l %%r0, 536(%[b])\n\t"					\
	"ltr %%r0, %%r0\n\t"						\
	"je 1b\n"							\
	"9:\n\t"

#define PAUSE_CALL							\
	"svc %[nr]\n\t"							\
	"stg %%r2, 552(%[b])\n\t"

#define VX_BEGIN	".machine push\n\t.machine z13\n\t"
#define VX_END		".machine pop\n\t"

#define ARGS	[b] "a"(&blk), [nr] "i"(__NR_pause)
#ifdef __VX__
#define VX_CLOBBERS , "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23",	\
	"v24", "v25", "v26", "v27", "v28", "v29", "v30", "v31"
#else
#define VX_CLOBBERS
#endif
#define CLOBBERS "r0", "r2", "r6", "r7", "r8", "r9", "r10",			\
	"f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7",				\
	"f8", "f9", "f10", "f11", "f12", "f13", "f14", "f15",			\
	"memory", "cc" VX_CLOBBERS

static void loop_fpr(void)
{
	__asm__ volatile(PROLOGUE ALL16(LOAD_FPR) "1:\n\t" ALL16(CHECK_FPR) CHECK_MISC
			 LOOP_TAIL : : ARGS : CLOBBERS);
}

static void loop_vr(void)
{
	__asm__ volatile(VX_BEGIN PROLOGUE ALL32(LOAD_VR) "1:\n\t" ALL32(CHECK_VR)
			 CHECK_MISC LOOP_TAIL VX_END : : ARGS : CLOBBERS);
}

static void pause_fpr(void)
{
	__asm__ volatile(PROLOGUE ALL16(LOAD_FPR) PAUSE_CALL ALL16(CHECK_FPR) CHECK_MISC
			 COUNT "9:\n\t" : : ARGS : CLOBBERS);
}

static void pause_vr(void)
{
	__asm__ volatile(VX_BEGIN PROLOGUE ALL32(LOAD_VR) PAUSE_CALL ALL32(CHECK_VR)
			 CHECK_MISC COUNT "9:\n\t" VX_END : : ARGS : CLOBBERS);
}

/* Fill in the values; the kind of registers checked: 'V' (vector) or 'F'. */
static char fpu_prepare(void)
{
	for (int i = 0; i < 32; i++)
		for (int j = 0; j < 16; j++)
			blk.expect[i][j] = (uint8_t)(i * 37 + j * 11 + 0x5a);
	for (int i = 0; i < 5; i++)
		blk.gpr[i] = 0x0606a5a5c3c3e1e1ULL + i * 0x0101010101010101ULL;
	for (int i = 0; i < 4; i++)
		blk.acr[i] = 0x44a5c3e1u + i * 0x01010101u;
	blk.fpc_want = FPC_VAL;
	return getauxval(AT_HWCAP) & FPU_HWCAP_S390_VXRS ? 'V' : 'F';
}

/* Load, then check in a loop or once after pause(2); default FPC after. */
static void fpu_run(char kind, bool in_syscall)
{
	uint32_t fpc = 0;

	if (in_syscall) {
		if (kind == 'V')
			pause_vr();
		else
			pause_fpr();
	} else {
		if (kind == 'V')
			loop_vr();
		else
			loop_fpr();
	}
	__asm__ volatile("lfpc %0" : : "Q"(fpc));
}

static const char *fpu_kind_name(char kind)
{
	return kind == 'V' ? "vector" : "floating-point";
}

static void fpu_bad_str(char *buf, size_t size)
{
	snprintf(buf, size, "register check %u failed (1-32 v0-v31 or f0-f15, "
		 "33-37 r6-r10, 38-41 a4-a7, 42 FPC %#x)", blk.bad, blk.fpc_got);
}

#elif defined(__powerpc64__)

#include <sys/auxv.h>

struct fpu_blk {
	uint8_t expect[64][16];		/*    0: VSR i (VSR 0-31: FPR i and its low half; 32-63: VR i-32) */
	uint8_t scratch[16];		/* 1024 */
	uint64_t iters;			/* 1040: loop iterations */
	uint32_t stop;			/* 1048: set by the SIGUSR1 handler */
	uint32_t bad;			/* 1052: which check failed, see below */
	uint64_t gpr[5];		/* 1056: r14-r18 */
	uint64_t fpscr_want;		/* 1096 */
	uint64_t fpscr_got;		/* 1104 */
	uint64_t pad;			/* 1112: lvx and stvx need 16-byte alignment */
	uint32_t vscr_want[4];		/* 1120: then as mfvscr and stvx show it */
	uint32_t vscr_got[4];		/* 1136 */
	uint32_t vrsave_want;		/* 1152 */
	uint32_t vrsave_got;		/* 1156 */
	uint64_t ctr;			/* 1160 */
	uint64_t xer;			/* 1168 */
	int64_t ret;			/* 1176: what pause(2) returned in r3 */
	uint64_t cr;			/* 1184: CR after it (SO: r3 is an errno) */
} __attribute__((aligned(16)));

_Static_assert(offsetof(struct fpu_blk, scratch) == 1024, "layout");
_Static_assert(offsetof(struct fpu_blk, iters) == 1040, "layout");
_Static_assert(offsetof(struct fpu_blk, stop) == 1048, "layout");
_Static_assert(offsetof(struct fpu_blk, bad) == 1052, "layout");
_Static_assert(offsetof(struct fpu_blk, gpr) == 1056, "layout");
_Static_assert(offsetof(struct fpu_blk, fpscr_want) == 1096, "layout");
_Static_assert(offsetof(struct fpu_blk, vscr_want) == 1120, "layout");
_Static_assert(offsetof(struct fpu_blk, vscr_got) == 1136, "layout");
_Static_assert(offsetof(struct fpu_blk, vrsave_want) == 1152, "layout");
_Static_assert(offsetof(struct fpu_blk, ctr) == 1160, "layout");
_Static_assert(offsetof(struct fpu_blk, ret) == 1176, "layout");
_Static_assert(offsetof(struct fpu_blk, cr) == 1184, "layout");

/*
 * blk.bad: 1-64 VSR 0-63, 65-69 r14-r18, 70 FPSCR, 71 VSCR, 72 VRSAVE,
 * 73 CTR, 74 XER (the last two in the loop only: a system call clobbers
 * them).
 */
static struct fpu_blk blk;

/* Round toward zero, the inexact exception enabled, no exception pending. */
#define FPSCR_VAL	0x0000000000000009ULL
/* Non-Java mode: denormals flushed. */
#define VSCR_VAL	0x00010000U
#define VRSAVE_VAL	0xa5c3e1f0U

#define CTR_VAL		"0x7e57"
#define XER_VAL		0x20000000ULL	/* CA */

#define ALL64(M)	M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) \
			M(8) M(9) M(10) M(11) M(12) M(13) M(14) M(15) \
			M(16) M(17) M(18) M(19) M(20) M(21) M(22) M(23) \
			M(24) M(25) M(26) M(27) M(28) M(29) M(30) M(31) \
			M(32) M(33) M(34) M(35) M(36) M(37) M(38) M(39) \
			M(40) M(41) M(42) M(43) M(44) M(45) M(46) M(47) \
			M(48) M(49) M(50) M(51) M(52) M(53) M(54) M(55) \
			M(56) M(57) M(58) M(59) M(60) M(61) M(62) M(63)
#define STR_(x)		#x
#define STR(x)		STR_(x)

/* r11 = &blk.expect[i] */
#define LOAD_VSR(i)	"addi 11, %[b], " #i "*16\n\t"			\
			"lxvd2x " #i ", 0, 11\n\t"

/* On a difference of the 16 bytes at @off with scratch: bad = @code. */
#define CMP16(off, code)						\
	"ld 9, 1024(%[b])\n\t"						\
	"ld 10, " off "(%[b])\n\t"					\
	"xor 9, 9, 10\n\t"						\
	"ld 10, 1032(%[b])\n\t"						\
	"ld 12, " off "+8(%[b])\n\t"					\
	"xor 10, 10, 12\n\t"						\
	"or. 9, 9, 10\n\t"						\
	FAIL_IF_NE(code)

#define FAIL_IF_NE(code)						\
	"beq 3f\n\t"							\
	"li 9, " code "\n\t"						\
	"stw 9, 1052(%[b])\n\t"						\
	"b 9f\n"							\
	"3:\n\t"

#define CHECK_VSR(i)	"addi 11, %[b], 1024\n\t"			\
			"stxvd2x " #i ", 0, 11\n\t"			\
			CMP16(#i "*16", #i "+1")

#define CHECK_GPR(r, off, code)						\
	"ld 9, " #off "(%[b])\n\t"					\
	"cmpd 9, " #r "\n\t"						\
	FAIL_IF_NE(#code)

#define PROLOGUE							\
	"lfd 0, 1096(%[b])\n\t"						\
	"mtfsf 0xff, 0\n\t"						\
	"addi 11, %[b], 1120\n\t"					\
	"lvx 0, 0, 11\n\t"						\
	"mtvscr 0\n\t"							\
	"mfvscr 0\n\t"	/* the VSCR as mfvscr shows it, to compare */	\
	"stvx 0, 0, 11\n\t"						\
	"lwz 9, 1152(%[b])\n\t"						\
	"mtspr 256, 9\n\t"						\
	"ld 14, 1056(%[b])\n\t"						\
	"ld 15, 1064(%[b])\n\t"						\
	"ld 16, 1072(%[b])\n\t"						\
	"ld 17, 1080(%[b])\n\t"						\
	"ld 18, 1088(%[b])\n\t"

/* Loaded after the VSRs, which the prologue's lfd/lvx use as scratch. */
#define LOOP_PROLOGUE							\
	"li 9, " CTR_VAL "\n\t"						\
	"mtctr 9\n\t"							\
	"ld 9, 1168(%[b])\n\t"						\
	"mtxer 9\n\t"

#define CHECK_MISC							\
	CHECK_GPR(14, 1056, 65) CHECK_GPR(15, 1064, 66) CHECK_GPR(16, 1072, 67) \
	CHECK_GPR(17, 1080, 68) CHECK_GPR(18, 1088, 69)			\
	"mffs 0\n\t"	/* vs0 and vs32 are checked: scratch now */	\
	"stfd 0, 1104(%[b])\n\t"					\
	"ld 9, 1104(%[b])\n\t"						\
	"ld 10, 1096(%[b])\n\t"						\
	"cmpd 9, 10\n\t"						\
	FAIL_IF_NE("70")						\
	"mfvscr 0\n\t"							\
	"addi 11, %[b], 1136\n\t"					\
	"stvx 0, 0, 11\n\t"						\
	"ld 9, 1136(%[b])\n\t"						\
	"ld 10, 1120(%[b])\n\t"						\
	"cmpd 9, 10\n\t"						\
	FAIL_IF_NE("71")						\
	"ld 9, 1144(%[b])\n\t"						\
	"ld 10, 1128(%[b])\n\t"						\
	"cmpd 9, 10\n\t"						\
	FAIL_IF_NE("71")						\
	"mfspr 9, 256\n\t"						\
	"stw 9, 1156(%[b])\n\t"						\
	"lwz 10, 1152(%[b])\n\t"					\
	"cmpw 9, 10\n\t"						\
	FAIL_IF_NE("72")						\
	"addi 11, %[b], 0\n\t"						\
	"lxvd2x 0, 0, 11\n\t"	/* vs0 and vs32 back */			\
	"addi 11, %[b], 512\n\t"					\
	"lxvd2x 32, 0, 11\n\t"

#define CHECK_LOOP_SPRS							\
	"mfctr 9\n\t"							\
	"cmpdi 9, " CTR_VAL "\n\t"					\
	FAIL_IF_NE("73")						\
	"mfxer 9\n\t"							\
	"ld 10, 1168(%[b])\n\t"						\
	"cmpd 9, 10\n\t"						\
	FAIL_IF_NE("74")

#define COUNT								\
	"ld 9, 1040(%[b])\n\t"						\
	"addi 9, 9, 1\n\t"						\
	"std 9, 1040(%[b])\n\t"

#define LOOP_TAIL							\
	COUNT								\
	"lwz 9, 1048(%[b])\n\t"						\
	"cmpwi 9, 0\n\t"						\
	"beq 1b\n"							\
	"9:\n\t"

#define PAUSE_CALL							\
	"li 0, %[nr]\n\t"						\
	"sc\n\t"							\
	"std 3, 1176(%[b])\n\t"						\
	"mfcr 9\n\t"							\
	"std 9, 1184(%[b])\n\t"

#define VS_CLOBBERS(i) "vs" STR(i),
#define CLOBBERS "r0", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11",	\
	"r12", "r14", "r15", "r16", "r17", "r18", "ctr", "xer", "cr0",		\
	"memory"

static void loop_vsx(void)
{
	__asm__ volatile(PROLOGUE ALL64(LOAD_VSR) LOOP_PROLOGUE "1:\n\t" ALL64(CHECK_VSR)
			 CHECK_MISC CHECK_LOOP_SPRS LOOP_TAIL
			 : : [b] "b"(&blk), [nr] "i"(__NR_pause)
			 : ALL64(VS_CLOBBERS) CLOBBERS);
}

static void pause_vsx(void)
{
	__asm__ volatile(PROLOGUE ALL64(LOAD_VSR) PAUSE_CALL ALL64(CHECK_VSR) CHECK_MISC
			 COUNT "9:\n\t"
			 : : [b] "b"(&blk), [nr] "i"(__NR_pause)
			 : ALL64(VS_CLOBBERS) CLOBBERS);
}

/* Fill in the values; the kind of registers checked: 'X' (VSX). */
static char fpu_prepare(void)
{
	for (int i = 0; i < 64; i++)
		for (int j = 0; j < 16; j++)
			blk.expect[i][j] = (uint8_t)(i * 37 + j * 11 + 0x5a);
	for (int i = 0; i < 5; i++)
		blk.gpr[i] = 0x1414a5a5c3c3e1e1ULL + i * 0x0101010101010101ULL;
	blk.fpscr_want = FPSCR_VAL;
	/* mtvscr takes one word of the vector: have it in each. */
	for (int i = 0; i < 4; i++)
		blk.vscr_want[i] = VSCR_VAL;
	blk.vrsave_want = VRSAVE_VAL;
	blk.xer = XER_VAL;
	/* Every ppc64le CPU has VSX (POWER8 and later). */
	return getauxval(AT_HWCAP) & PPC_FEATURE_HAS_VSX ? 'X' : '-';
}

/* Load, then check in a loop or once after pause(2); defaults after. */
static void fpu_run(char kind, bool in_syscall)
{
	double zero = 0;

	if (kind != 'X')
		return;
	if (in_syscall)
		pause_vsx();
	else
		loop_vsx();
	__asm__ volatile("lfd 0, %0\n\tmtfsf 0xff, 0" : : "m"(zero) : "fr0");
	/* The VSCR compared with was the one loaded. */
	if (!blk.bad && blk.vscr_want[0] != VSCR_VAL && blk.vscr_want[3] != VSCR_VAL)
		blk.bad = 71;
	/* The system call's result as the C library returns it. */
	if (in_syscall && blk.cr & 0x10000000)
		blk.ret = -blk.ret;
}

static const char *fpu_kind_name(char kind)
{
	return kind == 'X' ? "VSX, VMX and floating-point" : "no VSX (not a ppc64le CPU)";
}

static void fpu_bad_str(char *buf, size_t size)
{
	snprintf(buf, size, "register check %u failed (1-64 vs0-vs63, 65-69 r14-r18, "
		 "70 FPSCR %#llx, 71 VSCR %#x, 72 VRSAVE %#x, 73 CTR, 74 XER)", blk.bad,
		 (unsigned long long)blk.fpscr_got, blk.vscr_got[0] | blk.vscr_got[3], blk.vrsave_got);
}

#elif defined(__arm__)

#include <sys/auxv.h>

struct fpu_blk {
	uint64_t expect[32];		/*   0: d0-d31 */
	uint64_t scratch[32];		/* 256 */
	uint64_t iters;			/* 512: loop iterations (low word counted) */
	uint32_t stop;			/* 520: set by the SIGUSR1 handler */
	uint32_t bad;			/* 524: which check failed, see below */
	uint32_t fpscr_want;		/* 528 */
	uint32_t fpscr_got;		/* 532 */
	uint32_t gpr[4];		/* 536: r4, r5, r6, r8 */
	int32_t ret;			/* 552: what pause(2) returned */
	uint32_t pad;			/* 556 */
} __attribute__((aligned(8)));

_Static_assert(offsetof(struct fpu_blk, scratch) == 256, "layout");
_Static_assert(offsetof(struct fpu_blk, iters) == 512, "layout");
_Static_assert(offsetof(struct fpu_blk, stop) == 520, "layout");
_Static_assert(offsetof(struct fpu_blk, bad) == 524, "layout");
_Static_assert(offsetof(struct fpu_blk, fpscr_want) == 528, "layout");
_Static_assert(offsetof(struct fpu_blk, gpr) == 536, "layout");
_Static_assert(offsetof(struct fpu_blk, ret) == 552, "layout");

/* blk.bad: 1-32 d0-d31 (q0-q15 with NEON), 33-36 r4-r6, r8, 37 FPSCR. */
static struct fpu_blk blk;

/* Flush to zero, default NaN, round toward zero. */
#define FPSCR_VAL	0x03c00000

/* HWCAP_VFPD32 and HWCAP_NEON of <asm/hwcap.h>. */
#define FPU_HWCAP_VFPD32	(1UL << 19)
#define FPU_HWCAP_NEON		(1UL << 12)

#define LOAD_D16	"vldmia %[b], {d0-d15}\n\t"
#define LOAD_D32	LOAD_D16 "add r1, %[b], #128\n\t" "vldmia r1, {d16-d31}\n\t"
#define STORE_D16	"add r1, %[b], #256\n\t" "vstmia r1, {d0-d15}\n\t"
#define STORE_D32	STORE_D16 "add r1, %[b], #384\n\t" "vstmia r1, {d16-d31}\n\t"

/* Compare @words words of scratch with expect; bad = 1 + the register. */
#define CMP_WORDS(words)						\
	"mov r0, #0\n\t"						\
	"2:\n\t"							\
	"add r2, r0, #64\n\t"						\
	"ldr r1, [%[b], r2, lsl #2]\n\t"				\
	"ldr r2, [%[b], r0, lsl #2]\n\t"				\
	"cmp r1, r2\n\t"						\
	"bne 8f\n\t"							\
	"add r0, r0, #1\n\t"						\
	"cmp r0, #" words "\n\t"					\
	"blt 2b\n\t"							\
	"b 3f\n"							\
	"8:\n\t"							\
	"lsr r0, r0, #1\n\t"						\
	"add r0, r0, #1\n\t"						\
	"str r0, [%[b], #524]\n\t"					\
	"b 9f\n"							\
	"3:\n\t"

#define FAIL_IF_NE(code)						\
	"beq 3f\n\t"							\
	"mov r0, #" code "\n\t"						\
	"str r0, [%[b], #524]\n\t"					\
	"b 9f\n"							\
	"3:\n\t"

#define CHECK_GPR(r, off, code)						\
	"ldr r0, [%[b], #" #off "]\n\t"					\
	"cmp " #r ", r0\n\t"						\
	FAIL_IF_NE(#code)

#define PROLOGUE							\
	"ldr r0, [%[b], #528]\n\t"					\
	"vmsr fpscr, r0\n\t"						\
	"ldr r4, [%[b], #536]\n\t"					\
	"ldr r5, [%[b], #540]\n\t"					\
	"ldr r6, [%[b], #544]\n\t"					\
	"ldr r8, [%[b], #548]\n\t"

#define CHECK_MISC							\
	CHECK_GPR(r4, 536, 33) CHECK_GPR(r5, 540, 34)			\
	CHECK_GPR(r6, 544, 35) CHECK_GPR(r8, 548, 36)			\
	"vmrs r0, fpscr\n\t"						\
	"str r0, [%[b], #532]\n\t"					\
	"ldr r1, [%[b], #528]\n\t"					\
	"cmp r0, r1\n\t"						\
	FAIL_IF_NE("37")

#define COUNT								\
	"ldr r0, [%[b], #512]\n\t"					\
	"add r0, r0, #1\n\t"						\
	"str r0, [%[b], #512]\n\t"

#define LOOP_TAIL							\
	COUNT								\
	"ldr r0, [%[b], #520]\n\t"					\
	"cmp r0, #0\n\t"						\
	"beq 1b\n"							\
	"9:\n\t"

/* r7 may be the frame pointer: saved around the call. */
#define PAUSE_CALL							\
	"push {r7}\n\t"							\
	"mov r7, #29\n\t"	/* __NR_pause */			\
	"svc #0\n\t"							\
	"pop {r7}\n\t"							\
	"str r0, [%[b], #552]\n\t"

#define CLOBBERS "r0", "r1", "r2", "r4", "r5", "r6", "r8", "memory", "cc",	\
	"d0", "d1", "d2", "d3", "d4", "d5", "d6", "d7",				\
	"d8", "d9", "d10", "d11", "d12", "d13", "d14", "d15"
#define CLOBBERS_D32 CLOBBERS,							\
	"d16", "d17", "d18", "d19", "d20", "d21", "d22", "d23",			\
	"d24", "d25", "d26", "d27", "d28", "d29", "d30", "d31"

#define VFP_ASM(body, clobbers)						\
	__asm__ volatile(".fpu neon\n\t" body : : [b] "r"(&blk) : clobbers)

static void loop_d16(void)
{
	VFP_ASM(PROLOGUE LOAD_D16 "1:\n\t" STORE_D16 CMP_WORDS("32") CHECK_MISC LOOP_TAIL,
		CLOBBERS);
}

static void loop_d32(void)
{
	VFP_ASM(PROLOGUE LOAD_D32 "1:\n\t" STORE_D32 CMP_WORDS("64") CHECK_MISC LOOP_TAIL,
		CLOBBERS_D32);
}

static void pause_d16(void)
{
	VFP_ASM(PROLOGUE LOAD_D16 PAUSE_CALL STORE_D16 CMP_WORDS("32") CHECK_MISC COUNT "9:\n\t",
		CLOBBERS);
}

static void pause_d32(void)
{
	VFP_ASM(PROLOGUE LOAD_D32 PAUSE_CALL STORE_D32 CMP_WORDS("64") CHECK_MISC COUNT "9:\n\t",
		CLOBBERS_D32);
}

/* Fill in the values; the kind of registers checked: 'N' (D32, NEON) or 'V' (D16). */
static char fpu_prepare(void)
{
	uint8_t *e = (uint8_t *)blk.expect;

	for (int i = 0; i < 32 * 8; i++)
		e[i] = (uint8_t)(i * 37 + 0x5a);
	for (int i = 0; i < 4; i++)
		blk.gpr[i] = 0x04a5c3e1u + i * 0x01010101u;
	blk.fpscr_want = FPSCR_VAL;
	return getauxval(AT_HWCAP) & FPU_HWCAP_VFPD32 ? 'N' : 'V';
}

/* Load, then check in a loop or once after pause(2); default FPSCR after. */
static void fpu_run(char kind, bool in_syscall)
{
	uint32_t fpscr = 0;

	if (in_syscall) {
		if (kind == 'N')
			pause_d32();
		else
			pause_d16();
	} else {
		if (kind == 'N')
			loop_d32();
		else
			loop_d16();
	}
	__asm__ volatile(".fpu vfp\n\tvmsr fpscr, %0" : : "r"(fpscr));
}

static const char *fpu_kind_name(char kind)
{
	return kind == 'N' ? "VFP d0-d31 (NEON q0-q15)" : "VFP d0-d15";
}

static void fpu_bad_str(char *buf, size_t size)
{
	snprintf(buf, size, "register check %u failed (1-32 d0-d31, 33-36 r4-r6 r8, "
		 "37 FPSCR %#x)", blk.bad, blk.fpscr_got);
}

#endif

#if defined(__x86_64__) || defined(__s390x__) || defined(__powerpc64__) || \
	defined(__arm__)

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
	char kind, why[200];

	sigemptyset(&sa.sa_mask);
	SETUP(!sigaction(SIGUSR1, &sa, NULL));
	SETUP(!prctl(PR_SET_NAME, "ckpt-fpu"));
	kind = fpu_prepare();
	ckpt_orig_pid = ckpt_getpid();
	SETUP(write(a->ready, &kind, 1) == 1);
	close(a->ready);

	fpu_run(kind, a->in_syscall);

	ckpt_restarted = ckpt_getpid() != ckpt_orig_pid;
	fpu_bad_str(why, sizeof(why));
	CHECKF(blk.bad == 0, "%s, %s registers", why, fpu_kind_name(kind));
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
	char path[64], buf[256], nr[16];

	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	snprintf(nr, sizeof(nr), "%d ", __NR_pause);
	return ckpt_read_file(path, buf, sizeof(buf)) > 0 && !strncmp(buf, nr, strlen(nr));
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
	TH_LOG("checking %s registers", fpu_kind_name(kind));

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

#else /* no register test for this architecture yet */

TEST(user_loop)
{
	SKIP(return, "the register test is not written for this architecture yet");
}

TEST(in_syscall)
{
	SKIP(return, "the register test is not written for this architecture yet");
}

#endif

TEST_HARNESS_MAIN
