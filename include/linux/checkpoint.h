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
struct pt_regs;
struct task_struct;

#ifdef CONFIG_CHECKPOINT_RESTART

#include <asm/checkpoint_hdr.h>

/* Record stream, checkpoint/stream.c */
int ckpt_write_obj(struct ckpt_ctx *ctx, struct ckpt_hdr *h, u32 type, u32 len);
int ckpt_read_obj(struct ckpt_ctx *ctx, struct ckpt_hdr *h, u32 type, u32 len);
void *ckpt_read_var(struct ckpt_ctx *ctx, u32 type, u32 min, u32 max);
__printf(3, 4) int ckpt_err(struct ckpt_ctx *ctx, int err, const char *fmt, ...);

/* Task, checkpoint/process.c */
int ckpt_refuse_state(struct ckpt_ctx *ctx, struct task_struct *t, const char *what);
struct mm_struct *ckpt_task_mm(struct ckpt_ctx *ctx);

/* Image header, checkpoint/image.c */
int ckpt_check_features(struct ckpt_ctx *ctx, u64 image, u64 have,
			const char *const *names, unsigned int nr_names);
int ckpt_write_regset(struct ckpt_ctx *ctx, u32 set, const void *data, u32 size);
int ckpt_read_regset(struct ckpt_ctx *ctx, u32 set, void *data, u32 size);

/* Address space, checkpoint/memory.c */
int ckpt_write_vdso(struct ckpt_ctx *ctx, unsigned long text, u32 text_size,
		    u32 vvar_size);
int ckpt_read_vdso(struct ckpt_ctx *ctx, unsigned long want_text,
		   unsigned long want_vvar, int (*map)(unsigned long text));
int ckpt_map_vdso(struct ckpt_ctx *ctx, u64 text, u32 text_size, u32 vvar_size,
		  unsigned long want_text, unsigned long want_vvar,
		  int (*map)(unsigned long text));

/**
 * ckpt_arch_data() - where the architecture keeps its restart state
 * @ctx: restart context
 *
 * The read hooks may store a pointer here; ckpt_arch_free() frees it.
 *
 * Return: the address of the pointer.
 */
void **ckpt_arch_data(struct ckpt_ctx *ctx);
void *ckpt_arch_state(struct ckpt_ctx *ctx, size_t size);

/*
 * Architecture hooks, implemented in arch/<arch>/kernel/checkpoint.c.
 *
 * Checkpoint calls ckpt_arch_check_task() first, then the write hooks,
 * which append records to the image.  Restart calls the read hooks, which
 * read and check their records and keep what they will restore; nothing
 * of the caller changes until ckpt_arch_restore(), past the point of no
 * return, which cannot fail.  ckpt_arch_read_mm_context() runs while the
 * new address space is being built aside, with it as current->mm.
 * The hooks return 0 or a negative errno, after ckpt_err() for a failure
 * the user should know about.
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
 * ckpt_arch_check_task() - refuse a task whose architecture state cannot
 * be saved
 * @ctx: checkpoint context
 * @t: the task, stopped or current
 *
 * Fails with -EOPNOTSUPP, and a log line naming it, when the task uses
 * state the image cannot hold (a 32-bit task, debug registers...).
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_check_task(struct ckpt_ctx *ctx, struct task_struct *t);

/**
 * ckpt_arch_write_cpu() - write the user register state of a task
 * @ctx: checkpoint context
 * @t: the task, stopped or current
 *
 * For the caller itself (a self checkpoint), the register that carries
 * the system call's return value is saved as 0: the restarted process
 * sees checkpoint(2) return 0.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_write_cpu(struct ckpt_ctx *ctx, struct task_struct *t);

/**
 * ckpt_arch_read_cpu() - read and check the user register state
 * @ctx: restart context
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_read_cpu(struct ckpt_ctx *ctx);

/**
 * ckpt_arch_write_thread() - write the thread state of a task (TLS, FPU...)
 * @ctx: checkpoint context
 * @t: the task, stopped or current
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_write_thread(struct ckpt_ctx *ctx, struct task_struct *t);

/**
 * ckpt_arch_read_thread() - read and check the thread state
 * @ctx: restart context
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_read_thread(struct ckpt_ctx *ctx);

/**
 * ckpt_arch_write_mm_context() - write the architecture part of an mm
 * @ctx: checkpoint context
 * @mm: the address space, not locked: the task does not run
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_write_mm_context(struct ckpt_ctx *ctx, struct mm_struct *mm);

/**
 * ckpt_arch_read_mm_context() - read the architecture part of an mm and
 * set it up (the vdso) in the address space being built
 * @ctx: restart context
 * @mm: the new address space, current->mm during the call
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_read_mm_context(struct ckpt_ctx *ctx, struct mm_struct *mm);

/**
 * ckpt_arch_restore() - give current the registers and thread state read
 * @ctx: restart context
 *
 * Called past the point of no return, from restart(2).  An interrupted
 * system call in the saved registers is then handled as after a signal
 * (the caller sets TIF_NOTIFY_SIGNAL).
 *
 * Return: the value restart(2) must return so that the caller's
 * registers are those of the image.
 */
long ckpt_arch_restore(struct ckpt_ctx *ctx);

/**
 * ckpt_arch_syscall_error() - the error a stopped task's system call
 * returned, as the task will see it
 * @t: the task, stopped
 * @regs: its user registers
 *
 * syscall_get_error() by default.  An architecture whose signal code
 * prepares the restart of a call before the task stops (the result is
 * gone from the registers) tells it from the registers it left.
 *
 * Return: 0 or a negative errno, -ERESTART* included.
 */
long ckpt_arch_syscall_error(struct task_struct *t, struct pt_regs *regs);

/**
 * sem_undo_pending() - does a task have SysV semaphore undo entries?
 * @tsk: the task, stopped or current
 *
 * Defined in ipc/sem.c with CONFIG_SYSVIPC.
 *
 * Return: true if the undo list of @tsk holds an entry.
 */
bool sem_undo_pending(struct task_struct *tsk);

/**
 * ckpt_arch_mm_tables_end() - the end of the user addresses an mm's page
 * tables cover
 * @mm: an address space restart(2) built
 *
 * Restart frees the page tables below the lowest mapping of the mm it
 * built, over the whole range when it has none.  The default is
 * @mm->task_size; s390x, whose page tables grow with the mappings, has its
 * own.
 *
 * Return: the end address, exclusive.
 */
unsigned long ckpt_arch_mm_tables_end(struct mm_struct *mm);

/**
 * ckpt_arch_prepare_child() - prepare a task that restart(2) created for a
 * process of a tree
 * @p: the task, created by copy_process() as a child of current and not
 *	woken yet
 *
 * The task starts as a fork child and, on its way out of the kernel, runs
 * the restore of its process (a task work) and ckpt_arch_restore().  Its
 * return to user space must then load every register from its frame and
 * handle an interrupted system call of the image as the return from a
 * system call would.  Nothing to do by default.
 */
void ckpt_arch_prepare_child(struct task_struct *p);

/**
 * ckpt_arch_child_restored() - after ckpt_arch_restore() in a task of a tree
 *
 * Runs in the task, on its way out of the kernel after the system call
 * exit work: undo what ckpt_arch_restore() set for the exit of restart(2)
 * that this exit has already passed.  Nothing to do by default.
 */
void ckpt_arch_child_restored(void);

/**
 * ckpt_arch_free() - free what the read hooks kept
 * @ctx: restart context
 */
void ckpt_arch_free(struct ckpt_ctx *ctx);

#endif /* CONFIG_CHECKPOINT_RESTART */

#endif /* _LINUX_CHECKPOINT_H */
