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

#endif /* _UAPI_ASM_POWERPC_CHECKPOINT_HDR_H */
