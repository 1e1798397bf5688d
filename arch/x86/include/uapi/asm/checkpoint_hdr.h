/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Checkpoint image records of x86_64.  See <linux/checkpoint_hdr.h>.
 */
#ifndef _UAPI_ASM_X86_CHECKPOINT_HDR_H
#define _UAPI_ASM_X86_CHECKPOINT_HDR_H

#include <linux/const.h>
#include <linux/types.h>
#include <linux/checkpoint_hdr.h>

/* The &enum ckpt_arch_id of images written on this architecture. */
#define CKPT_ARCH_ID		CKPT_ARCH_X86_64

/* Bits of &ckpt_hdr_header_arch.features on x86_64. */
/* FXSAVE (x87 and SSE) register state. */
#define CKPT_X86_FEAT_FXSR	_BITULL(0)
/* XSAVE register state; its components are in &ckpt_hdr_arch_x86.xfeatures. */
#define CKPT_X86_FEAT_XSAVE	_BITULL(1)

#define CKPT_X86_FEAT_ALL	(CKPT_X86_FEAT_FXSR | CKPT_X86_FEAT_XSAVE)

/**
 * struct ckpt_hdr_arch_x86 - CPU feature record of x86_64
 * @a: common part; type %CKPT_HDR_HEADER_ARCH, features CKPT_X86_FEAT_*
 * @xfeatures: the user XSAVE components (XCR0 bits) the image's FPU state
 *	may hold; 0 without %CKPT_X86_FEAT_XSAVE
 * @xstate_size: size in bytes of the non-compacted (user ABI) XSAVE buffer
 *	for @xfeatures; 0 without %CKPT_X86_FEAT_XSAVE
 * @__reserved: zero
 */
struct ckpt_hdr_arch_x86 {
	struct ckpt_hdr_header_arch a;
	__u64 xfeatures;
	__u32 xstate_size;
	__u32 __reserved;
};

#endif /* _UAPI_ASM_X86_CHECKPOINT_HDR_H */
