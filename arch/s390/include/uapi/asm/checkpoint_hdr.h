/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Checkpoint image records of s390x.  See <linux/checkpoint_hdr.h>.
 */
#ifndef _UAPI_ASM_S390_CHECKPOINT_HDR_H
#define _UAPI_ASM_S390_CHECKPOINT_HDR_H

#include <linux/const.h>
#include <linux/types.h>
#include <linux/checkpoint_hdr.h>

/* The &enum ckpt_arch_id of images written on this architecture. */
#define CKPT_ARCH_ID		CKPT_ARCH_S390X

/* Bits of &ckpt_hdr_header_arch.features on s390x. */
/* Vector facility: 32 128-bit vector registers (FPRs are their high halves). */
#define CKPT_S390_FEAT_VX	_BITULL(0)

#define CKPT_S390_FEAT_ALL	(CKPT_S390_FEAT_VX)

/**
 * struct ckpt_hdr_arch_s390 - CPU feature record of s390x
 * @a: common part; type %CKPT_HDR_HEADER_ARCH, features CKPT_S390_FEAT_*
 */
struct ckpt_hdr_arch_s390 {
	struct ckpt_hdr_header_arch a;
};

/* Bits of &ckpt_hdr_cpu_s390.flags. */
/* Stopped in a system call: @int_code and @orig_gpr2 are its, @gprs[2] its result. */
#define CKPT_S390_CPU_IN_SYSCALL	_BITUL(0)

#define CKPT_S390_CPU_FLAGS_ALL		(CKPT_S390_CPU_IN_SYSCALL)

/**
 * struct ckpt_hdr_cpu_s390 - user registers of an s390x task
 * @h: type %CKPT_HDR_CPU
 * @psw_mask: PSW mask as sigreturn sees it: the system bits of a user PSW
 *	(DAT, I/O, external, machine check, problem state, key 0) and the
 *	bits user space may change (address space control, condition code,
 *	program mask, addressing mode).  Restart refuses any other value.
 * @psw_addr: PSW address, the next instruction
 * @gprs: general registers 0-15; for a task stopped in a system call,
 *	@gprs[2] is its return value (possibly -ERESTART*), handled at
 *	restart as after a signal
 * @orig_gpr2: first argument of the system call, restored into @gprs[2]
 *	when the call is restarted
 * @acrs: access registers 0-15; 0 and 1 hold the thread pointer (TLS)
 * @int_code: for a task in a system call, the length of its SVC
 *	instruction in bytes (upper 16 bits) and its number (lower 16 bits)
 * @flags: CKPT_S390_CPU_*
 * @restart_addr: where a system call restarted through the vdso
 *	(-ERESTART_RESTARTBLOCK) returns when @psw_addr is in the vdso's
 *	restart_syscall stub; 0 when none is pending
 */
struct ckpt_hdr_cpu_s390 {
	struct ckpt_hdr h;
	__u64 psw_mask;
	__u64 psw_addr;
	__u64 gprs[16];
	__u64 orig_gpr2;
	__u32 acrs[16];
	__u32 int_code;
	__u32 flags;
	__u64 restart_addr;
};

/**
 * struct ckpt_hdr_thread_s390 - floating-point and vector state of an
 * s390x task
 * @h: type %CKPT_HDR_THREAD
 * @fpc: floating-point control register
 * @__reserved: zero
 * @vxrs: vector registers 0-31, each as its high then its low doubleword.
 *	Floating-point register i is the high doubleword of vector register
 *	i.  Without %CKPT_S390_FEAT_VX in the image's CPU feature record,
 *	only those 16 doublewords are state; the rest is zero.
 */
struct ckpt_hdr_thread_s390 {
	struct ckpt_hdr h;
	__u32 fpc;
	__u32 __reserved;
	__u64 vxrs[32][2];
};

#endif /* _UAPI_ASM_S390_CHECKPOINT_HDR_H */
