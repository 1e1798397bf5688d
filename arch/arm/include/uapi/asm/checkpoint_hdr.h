/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Checkpoint image records of 32-bit arm.  See <linux/checkpoint_hdr.h>.
 */
#ifndef _UAPI_ASM_ARM_CHECKPOINT_HDR_H
#define _UAPI_ASM_ARM_CHECKPOINT_HDR_H

#include <linux/const.h>
#include <linux/types.h>
#include <linux/checkpoint_hdr.h>

/* The &enum ckpt_arch_id of images written on this architecture. */
#define CKPT_ARCH_ID		CKPT_ARCH_ARM

/* Bits of &ckpt_hdr_header_arch.features on arm. */
/* VFP: d0-d15 (or d0-d31, see &ckpt_hdr_arch_arm.vfp_nregs) and FPSCR. */
#define CKPT_ARM_FEAT_VFP	_BITULL(0)
/* Advanced SIMD (NEON); implies 32 VFP double registers. */
#define CKPT_ARM_FEAT_NEON	_BITULL(1)

#define CKPT_ARM_FEAT_ALL	(CKPT_ARM_FEAT_VFP | CKPT_ARM_FEAT_NEON)

/**
 * struct ckpt_hdr_arch_arm - CPU feature record of arm
 * @a: common part; type %CKPT_HDR_HEADER_ARCH, features CKPT_ARM_FEAT_*
 * @isa_level: ISA level of the checkpointing kernel (__LINUX_ARM_ARCH__, 7
 *	for ARMv7)
 * @mmu: 1 if the checkpointing kernel has an MMU; images of no-MMU kernels
 *	are refused
 * @vfp_nregs: number of VFP double registers, 16 or 32; 0 without
 *	%CKPT_ARM_FEAT_VFP
 * @__reserved: zero
 */
struct ckpt_hdr_arch_arm {
	struct ckpt_hdr_header_arch a;
	__u32 isa_level;
	__u32 mmu;
	__u32 vfp_nregs;
	__u32 __reserved;
};

/* Register sets, each in a %CKPT_HDR_REGSET record after the THREAD record. */
#define CKPT_ARM_SET_VFP	0	/* &struct ckpt_arm_vfp, NEON included */

/* Bits of &ckpt_hdr_cpu_arm.flags. */
/*
 * Stopped in a system call that returned -ERESTART_RESTARTBLOCK: @regs
 * hold that result and the address after the SVC, as when the call
 * returned, and restart resumes the call through its restart block.
 */
#define CKPT_ARM_CPU_RESTARTBLOCK	_BITUL(0)

#define CKPT_ARM_CPU_FLAGS_ALL		(CKPT_ARM_CPU_RESTARTBLOCK)

/**
 * struct ckpt_hdr_cpu_arm - user registers of a 32-bit arm task
 * @h: type %CKPT_HDR_CPU
 * @regs: r0-r15, CPSR and ORIG_r0, as in struct pt_regs.  The CPSR keeps
 *	only its user bits at restart (N, Z, C, V, Q, GE, E, T and the
 *	If-Then state), the mode is always user mode and the interrupt masks
 *	are the kernel's
 * @tp_value: TLS registers: TPIDRURO (set_tls) and TPIDRURW
 * @syscall: the task's system call number (thread_info->abi_syscall)
 * @flags: CKPT_ARM_CPU_*
 */
struct ckpt_hdr_cpu_arm {
	struct ckpt_hdr h;
	__u32 regs[18];
	__u32 tp_value[2];
	__u32 syscall;
	__u32 flags;
};

/**
 * struct ckpt_hdr_thread_arm - thread state of a 32-bit arm task
 * @h: type %CKPT_HDR_THREAD
 * @sets: bits (1 << CKPT_ARM_SET_*) of the register sets that follow, one
 *	%CKPT_HDR_REGSET record each, in the order of their bits
 */
struct ckpt_hdr_thread_arm {
	struct ckpt_hdr h;
	__u64 sets;
};

/**
 * struct ckpt_arm_vfp - the VFP and NEON registers, set %CKPT_ARM_SET_VFP
 * @nregs: the number of double registers that are state, 16 or 32 (the
 *	image's &ckpt_hdr_arch_arm.vfp_nregs); the others are zero
 * @fpscr: floating-point status and control register
 * @fpexc: floating-point exception register, as user space sees it in a
 *	signal frame
 * @fpinst: the instruction of a pending VFP exception
 * @fpinst2: the next one
 * @__reserved: zero
 * @d: d0-d31 (q0-q15 with NEON)
 */
struct ckpt_arm_vfp {
	__u32 nregs;
	__u32 fpscr;
	__u32 fpexc;
	__u32 fpinst;
	__u32 fpinst2;
	__u32 __reserved;
	__u64 d[32];
};

/**
 * struct ckpt_hdr_mm_context_arm - architecture part of an arm mm
 * @h: type %CKPT_HDR_MM_CONTEXT
 * @sigpage: address of the signal return page ([sigpage]), 0 for none
 * @vdso: address of the vdso text, 0 for none; the vvar page sits right
 *	below it
 * @vdso_size: size of the vdso text
 * @vvar_size: size of the vvar area below it
 */
struct ckpt_hdr_mm_context_arm {
	struct ckpt_hdr h;
	__u32 sigpage;
	__u32 vdso;
	__u32 vdso_size;
	__u32 vvar_size;
};

#endif /* _UAPI_ASM_ARM_CHECKPOINT_HDR_H */
