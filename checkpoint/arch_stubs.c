// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart: the task hooks of an architecture not ported yet.
 *
 * An architecture gets the image header by implementing its header hooks;
 * until it implements the task hooks too, checkpoint and restart of a
 * task fail with EOPNOTSUPP and a line naming the architecture.  A port
 * defines every hook of include/linux/checkpoint.h, replacing these.
 */

#include <linux/checkpoint.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/mm_types.h>
#include <linux/utsname.h>
#include <asm/syscall.h>

static int ckpt_arch_unsupported(struct ckpt_ctx *ctx)
{
	return ckpt_err(ctx, -EOPNOTSUPP,
			"task checkpoint/restart is not supported on %s yet",
			init_utsname()->machine);
}

int __weak ckpt_arch_check_task(struct ckpt_ctx *ctx, struct task_struct *t)
{
	return ckpt_arch_unsupported(ctx);
}

int __weak ckpt_arch_write_cpu(struct ckpt_ctx *ctx, struct task_struct *t)
{
	return ckpt_arch_unsupported(ctx);
}

int __weak ckpt_arch_read_cpu(struct ckpt_ctx *ctx)
{
	return ckpt_arch_unsupported(ctx);
}

int __weak ckpt_arch_write_thread(struct ckpt_ctx *ctx, struct task_struct *t)
{
	return ckpt_arch_unsupported(ctx);
}

int __weak ckpt_arch_read_thread(struct ckpt_ctx *ctx)
{
	return ckpt_arch_unsupported(ctx);
}

int __weak ckpt_arch_write_mm_context(struct ckpt_ctx *ctx, struct mm_struct *mm)
{
	return ckpt_arch_unsupported(ctx);
}

int __weak ckpt_arch_read_mm_context(struct ckpt_ctx *ctx, struct mm_struct *mm)
{
	return ckpt_arch_unsupported(ctx);
}

long __weak ckpt_arch_restore(struct ckpt_ctx *ctx)
{
	return -EOPNOTSUPP;
}

void __weak ckpt_arch_prepare_child(struct task_struct *p)
{
}

void __weak ckpt_arch_child_restored(void)
{
}

void __weak ckpt_arch_free(struct ckpt_ctx *ctx)
{
}

unsigned long __weak ckpt_arch_mm_tables_end(struct mm_struct *mm)
{
	return mm->task_size;
}

long __weak ckpt_arch_syscall_error(struct task_struct *t, struct pt_regs *regs)
{
	return syscall_get_error(t, regs);
}
