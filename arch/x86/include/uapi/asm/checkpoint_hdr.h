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

/**
 * struct ckpt_hdr_cpu_x86 - user registers of an x86_64 task
 * @h: type %CKPT_HDR_CPU
 * @r15: general registers, in the order of struct user_regs_struct
 * @r14: see @r15
 * @r13: see @r15
 * @r12: see @r15
 * @bp: see @r15
 * @bx: see @r15
 * @r11: see @r15
 * @r10: see @r15
 * @r9: see @r15
 * @r8: see @r15
 * @ax: see @r15; for a task stopped in a system call, its return value
 *	(possibly -ERESTART*), handled as after a signal at restart
 * @cx: see @r15
 * @dx: see @r15
 * @si: see @r15
 * @di: see @r15
 * @orig_ax: the system call number, -1 outside a system call
 * @ip: instruction pointer
 * @cs: code segment selector, __USER_CS
 * @flags: EFLAGS; restart only restores the bits user space may change
 * @sp: stack pointer
 * @ss: stack segment selector, __USER_DS
 * @fs_base: FS base (TLS of the C library)
 * @gs_base: GS base
 * @ds: data segment selector, 0
 * @es: extra segment selector, 0
 * @fs: FS selector, 0
 * @gs: GS selector, 0
 */
struct ckpt_hdr_cpu_x86 {
	struct ckpt_hdr h;
	__u64 r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	__u64 ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
	__u64 fs_base, gs_base, ds, es, fs, gs;
};

/* Number of TLS descriptors (set_thread_area(2) entries). */
#define CKPT_X86_TLS_ENTRIES	3

/**
 * struct ckpt_x86_tls - a TLS descriptor, as struct user_desc describes it
 * @entry_number: GDT entry
 * @base_addr: segment base
 * @limit: segment limit
 * @flags: the bit fields of struct user_desc, in their order from bit 0:
 *	seg_32bit, contents (2 bits), read_exec_only, limit_in_pages,
 *	seg_not_present, useable, lm
 */
struct ckpt_x86_tls {
	__u32 entry_number;
	__u32 base_addr;
	__u32 limit;
	__u32 flags;
};

/* Kinds of &ckpt_hdr_thread_x86.fpu_format. */
#define CKPT_X86_FPU_FXSAVE	1	/* 512-byte FXSAVE area */
#define CKPT_X86_FPU_XSAVE	2	/* non-compacted (user ABI) XSAVE area */

/**
 * struct ckpt_hdr_thread_x86 - thread state of an x86_64 task
 * @h: type %CKPT_HDR_THREAD; len covers @fpu
 * @tls: the TLS descriptors
 * @fpu_format: CKPT_X86_FPU_*
 * @fpu_size: size of @fpu in bytes
 * @xfeatures: XSAVE components present in @fpu (its XSTATE_BV)
 * @fpu: FPU, SSE, AVX... state in @fpu_format
 */
struct ckpt_hdr_thread_x86 {
	struct ckpt_hdr h;
	struct ckpt_x86_tls tls[CKPT_X86_TLS_ENTRIES];
	__u32 fpu_format;
	__u32 fpu_size;
	__u64 xfeatures;
	__u8 fpu[];
};

#endif /* _UAPI_ASM_X86_CHECKPOINT_HDR_H */
