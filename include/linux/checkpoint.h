/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Checkpoint/restart: the interface between the generic core in
 * checkpoint/ and the architectures.
 */
#ifndef _LINUX_CHECKPOINT_H
#define _LINUX_CHECKPOINT_H

#include <linux/compiler_attributes.h>
#include <linux/types.h>
#include <uapi/linux/checkpoint.h>
#include <uapi/linux/checkpoint_hdr.h>

struct ckpt_ctx;
struct mm_struct;
struct task_struct;

#ifdef CONFIG_CHECKPOINT_RESTART

#include <asm/checkpoint_hdr.h>

/* Record stream, checkpoint/stream.c */
int ckpt_write_obj(struct ckpt_ctx *ctx, struct ckpt_hdr *h, u32 type, u32 len);
int ckpt_read_obj(struct ckpt_ctx *ctx, struct ckpt_hdr *h, u32 type, u32 len);
__printf(3, 4) int ckpt_err(struct ckpt_ctx *ctx, int err, const char *fmt, ...);

/* Image header, checkpoint/image.c */
int ckpt_check_features(struct ckpt_ctx *ctx, u64 image, u64 have,
			const char *const *names, unsigned int nr_names);

/*
 * Architecture hooks, implemented in arch/<arch>/kernel/checkpoint.c.
 *
 * The write hooks append records to the image; the read hooks read and
 * validate them and must fail, with ckpt_err(), on anything this kernel
 * and CPU cannot restore.  All of them return 0 or a negative errno.
 *
 * Only the header hooks are called so far; the cpu, thread and mm_context
 * hooks are the interface task checkpoint/restart will call.
 */

/**
 * ckpt_arch_write_header() - write the CPU feature record
 * @ctx: checkpoint context
 *
 * Writes the record of type %CKPT_HDR_HEADER_ARCH that begins with a
 * &struct ckpt_hdr_header_arch.  Its feature bitmask names the optional
 * register sets the image may contain.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_write_header(struct ckpt_ctx *ctx);

/**
 * ckpt_arch_read_header() - read and check the CPU feature record
 * @ctx: restart context
 *
 * Reads the %CKPT_HDR_HEADER_ARCH record and fails with -ENOEXEC when the
 * running CPU or kernel lacks a feature the image uses.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_read_header(struct ckpt_ctx *ctx);

/**
 * ckpt_arch_write_cpu() - write the user register state of a task
 * @ctx: checkpoint context
 * @t: the task, stopped or current
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_write_cpu(struct ckpt_ctx *ctx, struct task_struct *t);

/**
 * ckpt_arch_read_cpu() - read and restore the user register state of current
 * @ctx: restart context
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_read_cpu(struct ckpt_ctx *ctx);

/**
 * ckpt_arch_write_thread() - write the thread state of a task (TLS, ...)
 * @ctx: checkpoint context
 * @t: the task, stopped or current
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_write_thread(struct ckpt_ctx *ctx, struct task_struct *t);

/**
 * ckpt_arch_read_thread() - read and restore the thread state of current
 * @ctx: restart context
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_read_thread(struct ckpt_ctx *ctx);

/**
 * ckpt_arch_write_mm_context() - write the architecture part of an mm
 * @ctx: checkpoint context
 * @mm: the address space
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_write_mm_context(struct ckpt_ctx *ctx, struct mm_struct *mm);

/**
 * ckpt_arch_read_mm_context() - read and restore the architecture part of
 * an mm
 * @ctx: restart context
 * @mm: the address space being restored
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_read_mm_context(struct ckpt_ctx *ctx, struct mm_struct *mm);

#endif /* CONFIG_CHECKPOINT_RESTART */

#endif /* _LINUX_CHECKPOINT_H */
