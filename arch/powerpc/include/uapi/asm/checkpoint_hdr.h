/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Checkpoint image records of 64-bit powerpc.  See <linux/checkpoint_hdr.h>.
 */
#ifndef _UAPI_ASM_POWERPC_CHECKPOINT_HDR_H
#define _UAPI_ASM_POWERPC_CHECKPOINT_HDR_H

#include <linux/const.h>
#include <linux/types.h>
#include <linux/checkpoint_hdr.h>

/* The &enum ckpt_arch_id of images written on this architecture. */
#define CKPT_ARCH_ID		CKPT_ARCH_PPC64

/* Bits of &ckpt_hdr_header_arch.features on powerpc. */
/* Floating point: 32 FPRs and the FPSCR. */
#define CKPT_PPC_FEAT_FPU	_BITULL(0)
/* AltiVec (VMX): 32 vector registers, VSCR and VRSAVE. */
#define CKPT_PPC_FEAT_VMX	_BITULL(1)
/* VSX: the low doublewords of VSR0-31. */
#define CKPT_PPC_FEAT_VSX	_BITULL(2)
/* DAWR: data address watchpoint register. */
#define CKPT_PPC_FEAT_DAWR	_BITULL(3)

#define CKPT_PPC_FEAT_ALL	(CKPT_PPC_FEAT_FPU | CKPT_PPC_FEAT_VMX | \
				 CKPT_PPC_FEAT_VSX | CKPT_PPC_FEAT_DAWR)

/**
 * struct ckpt_hdr_arch_ppc - CPU feature record of powerpc
 * @a: common part; type %CKPT_HDR_HEADER_ARCH, features CKPT_PPC_FEAT_*
 */
struct ckpt_hdr_arch_ppc {
	struct ckpt_hdr_header_arch a;
};

/*
 * Register sets, each in a %CKPT_HDR_REGSET record after the THREAD
 * record; &ckpt_hdr_regset.set is the bit number of its feature.
 */
#define CKPT_PPC_SET_FPU	0	/* &struct ckpt_ppc_fpu */
#define CKPT_PPC_SET_VMX	1	/* &struct ckpt_ppc_vmx */
#define CKPT_PPC_SET_VSX	2	/* &struct ckpt_ppc_vsx */

/**
 * struct ckpt_hdr_cpu_ppc - user registers of a 64-bit powerpc task, as
 * in struct user_pt_regs
 * @h: type %CKPT_HDR_CPU
 * @gpr: general registers 0-31; r1 is the stack pointer, r13 the thread
 *	pointer (TLS).  For a task stopped in a system call, r3 holds its
 *	result as user space sees it (a positive errno with CR0.SO set after
 *	``sc``, a negative one after ``scv``), handled at restart as after a
 *	signal
 * @nip: next instruction address
 * @msr: machine state register, informative: restart gives the task the
 *	kernel's user MSR, with only the byte order (MSR_LE) of the image
 * @orig_gpr3: first argument of the system call, restored into r3 when the
 *	call is restarted
 * @ctr: count register
 * @link: link register
 * @xer: fixed-point exception register
 * @ccr: condition register (low 32 bits)
 * @trap: the interrupt the task entered the kernel by (0xc00 ``sc``,
 *	0x3000 ``scv`` for a system call), bit 0 set when the system call
 *	must not be restarted
 * @dar: data address of the last storage interrupt
 * @dsisr: its cause
 * @result: the kernel's result of the system call (a negative errno)
 */
struct ckpt_hdr_cpu_ppc {
	struct ckpt_hdr h;
	__u64 gpr[32];
	__u64 nip;
	__u64 msr;
	__u64 orig_gpr3;
	__u64 ctr;
	__u64 link;
	__u64 xer;
	__u64 ccr;
	__u64 trap;
	__u64 dar;
	__u64 dsisr;
	__u64 result;
};

/**
 * struct ckpt_hdr_thread_ppc - thread state of a 64-bit powerpc task
 * @h: type %CKPT_HDR_THREAD
 * @sets: CKPT_PPC_FEAT_* bits of the register sets that follow, one
 *	%CKPT_HDR_REGSET record each, in the order of their bits
 * @tar: target address register
 * @fpexc_mode: floating-point exception mode of prctl(PR_SET_FPEXC), as
 *	its MSR_FE0 and MSR_FE1 bits
 * @__reserved: zero
 */
struct ckpt_hdr_thread_ppc {
	struct ckpt_hdr h;
	__u64 sets;
	__u64 tar;
	__u32 fpexc_mode;
	__u32 __reserved;
};

/**
 * struct ckpt_ppc_fpu - the floating-point registers, set %CKPT_PPC_SET_FPU
 * @fpr: FPR 0-31
 * @fpscr: floating-point status and control register
 */
struct ckpt_ppc_fpu {
	__u64 fpr[32];
	__u64 fpscr;
};

/**
 * struct ckpt_ppc_vmx - the vector registers, set %CKPT_PPC_SET_VMX
 * @vr: VR 0-31, each as its 16 bytes in memory order (as stvx stores it)
 * @vscr: vector status and control register, in the 16 bytes stvx stores
 *	from it (mfvscr)
 * @vrsave: VRSAVE register
 * @__reserved: zero
 */
struct ckpt_ppc_vmx {
	__u8 vr[32][16];
	__u8 vscr[16];
	__u32 vrsave;
	__u32 __reserved;
};

/**
 * struct ckpt_ppc_vsx - the VSX registers, set %CKPT_PPC_SET_VSX
 * @vsr_low: the doublewords of VSR 0-31 that the FPRs are not (VSR i is
 *	FPR i and this doubleword); VSR 32-63 are the vector registers
 */
struct ckpt_ppc_vsx {
	__u64 vsr_low[32];
};

#endif /* _UAPI_ASM_POWERPC_CHECKPOINT_HDR_H */
