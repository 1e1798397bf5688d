// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart: the checkpoint(2) and restart(2) system calls.
 *
 * A call sets up a &struct ckpt_ctx, the state of one operation: the image
 * file, the log file and the running checksum.  The image is written or
 * read record by record; see Documentation/checkpoint/.
 */

#include <linux/atomic.h>
#include <linux/errno.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/syscalls.h>

#include "internal.h"

/* Ids of checkpoints, 1 to INT_MAX so that they fit the return value. */
static atomic_t ckpt_last_id = ATOMIC_INIT(0);

static u64 ckpt_new_id(void)
{
	int id;

	do {
		id = atomic_inc_return(&ckpt_last_id) & INT_MAX;
	} while (!id);
	return id;
}

static int ckpt_ctx_open_log(struct ckpt_ctx *ctx, int logfd)
{
	if (logfd == -1)
		return 0;
	ctx->logfile = fget_raw(logfd);
	if (!ctx->logfile)
		return -EBADF;
	if (!(ctx->logfile->f_mode & FMODE_WRITE)) {
		fput(ctx->logfile);
		ctx->logfile = NULL;
		return -EBADF;
	}
	return 0;
}

static int ckpt_ctx_open_image(struct ckpt_ctx *ctx, int fd)
{
	bool writing = ctx->op == CKPT_OP_CHECKPOINT;
	struct file *file;

	/* fget_raw(): an O_PATH fd gets the precise "not open for" message. */
	file = fget_raw(fd);
	if (!file)
		return ckpt_err(ctx, -EBADF, "fd %d is not an open file", fd);
	if (!(file->f_mode & (writing ? FMODE_WRITE : FMODE_READ))) {
		fput(file);
		return ckpt_err(ctx, -EBADF, "fd %d is not open for %s", fd,
				writing ? "writing" : "reading");
	}
	/* One system call's worth of I/O: hold the position as read(2) does. */
	if (file->f_mode & FMODE_ATOMIC_POS)
		mutex_lock(&file->f_pos_lock);
	ctx->pos = file->f_pos;
	ctx->file = file;
	return 0;
}

static int ckpt_ctx_init(struct ckpt_ctx *ctx, enum ckpt_op op,
			 unsigned long flags, int fd, int logfd)
{
	unsigned long valid = op == CKPT_OP_CHECKPOINT ?
		CKPT_CHECKPOINT_FLAGS : CKPT_RESTART_FLAGS;
	int ret;

	ctx->op = op;
	ctx->crc = ~0U;
	ckpt_obj_init(ctx);

	ret = ckpt_ctx_open_log(ctx, logfd);
	if (ret)
		return ret;
	if (flags & ~valid)
		return ckpt_err(ctx, -EINVAL, "unknown flags %#lx", flags & ~valid);
	ctx->flags = flags;
	ret = ckpt_ctx_open_image(ctx, fd);
	if (ret)
		return ret;
	/* Without them, each record is written or read as it comes. */
	if (op == CKPT_OP_CHECKPOINT)
		ctx->wbuf = kvmalloc(CKPT_WBUF_SIZE, GFP_KERNEL);
	else
		ckpt_read_ahead(ctx);
	return 0;
}

static long ckpt_ctx_finish(struct ckpt_ctx *ctx, long ret)
{
	struct file *file = ctx->file;

	/*
	 * Part of the image may be written or consumed: restarting the call
	 * would not resume it, so an interrupted operation fails with EINTR.
	 */
	if (ctx->restarted) {
		/* @ret is the restarted process's register, not an error. */
	} else if (ret == -ERESTARTSYS || ret == -ERESTARTNOINTR ||
		   ret == -ERESTARTNOHAND || ret == -ERESTART_RESTARTBLOCK) {
		ret = ckpt_err(ctx, -EINTR, "interrupted by a signal");
	}
	if (ret < 0 && !ctx->restarted)
		ckpt_err(ctx, ret, "failed with error %ld", ret);
	/* Only now, with no lock of the operation held. */
	ckpt_log_flush(ctx);

	/* Before the tasks of the tree go on. */
	ckpt_inet_finish(ctx, ret > 0);
	ckpt_precopy_finish(ctx, ret > 0);
	ckpt_park_release(ctx);
	ckpt_tree_free(ctx);
	ckpt_restart_state_free(ctx);
	ckpt_arch_free(ctx);
	ckpt_obj_release(ctx);
	ckpt_inet_free(ctx);
	ckpt_inotify_free(ctx);
	ckpt_unix_queues_free(ctx);
	ckpt_pty_free_ctx(ctx);
	kfree(ctx->ghosts);
	kvfree(ctx->wbuf);

	if (file) {
		loff_t pos = ckpt_read_done(ctx);

		if (!(file->f_mode & FMODE_STREAM))
			file->f_pos = pos;
		if (file->f_mode & FMODE_ATOMIC_POS)
			mutex_unlock(&file->f_pos_lock);
		fput(file);
	}
	if (ctx->logfile)
		fput(ctx->logfile);
	if (ctx->root_task)
		put_task_struct(ctx->root_task);
	kfree(ctx);
	return ret;
}

static int ckpt_get_target(struct ckpt_ctx *ctx, pid_t pid)
{
	struct task_struct *t;

	if (pid < 0)
		return ckpt_err(ctx, -EINVAL, "invalid pid %d", pid);
	/* The root of a process of several threads is its main thread. */
	if (!pid) {
		ctx->root_task = get_task_struct(current->group_leader);
		return 0;
	}

	rcu_read_lock();
	t = find_task_by_vpid(pid);
	if (t)
		get_task_struct(t);
	rcu_read_unlock();
	if (!t)
		return ckpt_err(ctx, -ESRCH, "no process with pid %d", pid);
	ctx->root_task = t;
	if (!ptrace_may_access(t, PTRACE_MODE_ATTACH_REALCREDS))
		return ckpt_err(ctx, -EPERM, "no permission to checkpoint pid %d", pid);
	if (!thread_group_leader(t))
		return ckpt_err(ctx, -EINVAL,
				"%d is a thread of process %d: checkpoint the process",
				pid, task_tgid_vnr(t));
	return 0;
}

static long do_checkpoint(struct ckpt_ctx *ctx, pid_t pid)
{
	int ret;

	ret = ckpt_get_target(ctx, pid);
	if (ret)
		return ret;
	ctx->ckpt_id = ckpt_new_id();
	/* The tree runs meanwhile: before the locks of the checkpoint. */
	if (ctx->flags & CKPT_CHECKPOINT_PRECOPY)
		ret = ckpt_precopy(ctx);
	/* The caller's other threads wait while it saves them. */
	if (!ret && same_thread_group(ctx->root_task, current))
		ret = ckpt_park_threads(ctx);
	if (!ret)
		ret = ckpt_checkpoint_task(ctx);
	ckpt_park_release(ctx);
	if (!ret)
		ret = ckpt_write_tail(ctx);
	if (!ret)
		ret = ckpt_flush(ctx);
	return ret ?: ctx->ckpt_id;
}

static long do_restart(struct ckpt_ctx *ctx, pid_t pid)
{
	int ret;

	if (pid)
		return ckpt_err(ctx, -EINVAL, "pid must be 0, not %d", pid);
	if ((ctx->flags & CKPT_RESTART_NEW_PIDNS) && (ctx->flags & CKPT_RESTART_SAME_PIDS))
		return ckpt_err(ctx, -EINVAL,
				"CKPT_RESTART_NEW_PIDNS and CKPT_RESTART_SAME_PIDS exclude each other");
	ret = ckpt_read_header(ctx);
	if (!ret)
		ret = ckpt_arch_read_header(ctx);
	if (ret)
		return ret;
	return ckpt_restart(ctx);
}

void **ckpt_arch_data(struct ckpt_ctx *ctx)
{
	return &ctx->arch;
}

/**
 * ckpt_arch_state() - the architecture's restart state, allocated zeroed on
 * first use
 * @ctx: restart context
 * @size: its size in bytes, the same at every call
 *
 * Kept in ckpt_arch_data(); ckpt_arch_free() frees it.
 *
 * Return: the state, or NULL when out of memory.
 */
void *ckpt_arch_state(struct ckpt_ctx *ctx, size_t size)
{
	void **p = ckpt_arch_data(ctx);

	if (!*p)
		*p = kzalloc(size, GFP_KERNEL);
	return *p;
}

static long ckpt_syscall(enum ckpt_op op, pid_t pid, int fd,
			 unsigned long flags, int logfd)
{
	struct ckpt_ctx *ctx;
	long ret;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	ret = ckpt_ctx_init(ctx, op, flags, fd, logfd);
	if (!ret)
		ret = op == CKPT_OP_CHECKPOINT ? do_checkpoint(ctx, pid) :
						 do_restart(ctx, pid);
	return ckpt_ctx_finish(ctx, ret);
}

/**
 * sys_checkpoint - save the state of a process and its descendants into an
 * image
 * @pid: the process, 0 for the caller (all its threads: the others are
 *	held during the call); every other process of the tree must be
 *	stopped or frozen, and the caller must be allowed to ptrace the root
 * @fd: where to write the image; must be open for writing
 * @flags: 0 or %CKPT_CHECKPOINT_INHERIT_STDIO
 * @logfd: where to write one line describing a failure, or -1
 *
 * Return: the positive id of the checkpoint, or a negative errno.  A
 * process restarted from an image of itself sees 0.
 */
SYSCALL_DEFINE4(checkpoint, pid_t, pid, int, fd, unsigned long, flags,
		int, logfd)
{
	return ckpt_syscall(CKPT_OP_CHECKPOINT, pid, fd, flags, logfd);
}

/**
 * sys_restart - restore the processes of an image
 * @pid: must be 0
 * @fd: where to read the image from; must be open for reading
 * @flags: 0, %CKPT_RESTART_NEW_PIDNS or %CKPT_RESTART_SAME_PIDS
 * @logfd: where to write one line describing a failure, or -1
 *
 * An image of one process, without a flag, turns the caller into it; a
 * tree, or any image with a flag, is created as a child of the caller.
 * The whole image is read and checked, and every new address space built,
 * before anything changes; a failure after that kills the caller (one
 * process) or every task created (a tree).
 *
 * Return: for one process, does not return to the caller but to the
 * restarted process, where the image says; for a tree, the pid of its root;
 * a negative errno otherwise.
 */
SYSCALL_DEFINE4(restart, pid_t, pid, int, fd, unsigned long, flags,
		int, logfd)
{
	return ckpt_syscall(CKPT_OP_RESTART, pid, fd, flags, logfd);
}
