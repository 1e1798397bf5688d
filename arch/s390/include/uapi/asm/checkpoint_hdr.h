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

#endif /* _UAPI_ASM_S390_CHECKPOINT_HDR_H */
