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

#endif /* _UAPI_ASM_ARM_CHECKPOINT_HDR_H */
