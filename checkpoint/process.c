// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of one process: the order of the records, the checks
 * on the target, and the point of no return of restart.
 *
 * Checkpoint reads a target that cannot change under it: the caller itself,
 * or a task that is stopped or frozen and stays so (its context switch
 * count is checked again at the end).  Restart reads and checks the whole
 * image, builds the new address space aside and opens every file before
 * it changes anything of the caller; past that point a failure kills the
 * caller.
 */

#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/freezer.h>
#include <linux/fs_struct.h>
#include <linux/io_uring.h>
#include <linux/path.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/sock.h>

#include "internal.h"

/**
 * ckpt_path_name() - the name of a path for the image
 * @ctx: checkpoint context
 * @path: the path
 * @buf: where to build the name
 * @size: size of @buf
 * @name: set to the name, inside @buf
 *
 * The name is absolute, seen from the caller's root, so that restart can
 * reopen it.  A path the caller cannot reach or that was deleted has no
 * such name.
 *
 * Return: 0, -ENOENT for a path without a name (the caller logs it) or
 * another negative errno.
 */
int ckpt_path_name(struct ckpt_ctx *ctx, const struct path *path, char *buf,
		   int size, const char **name)
{
	char *p;

	if (d_unlinked(path->dentry))
		return -ENOENT;
	p = d_path(path, buf, size);
	if (IS_ERR(p))
		return PTR_ERR(p) == -ENAMETOOLONG ? -ENAMETOOLONG : -ENOENT;
	if (*p != '/')
		return -ENOENT;
	*name = p;
	return 0;
}

/*
 * Is @t in a ptrace stop at system call entry or exit?  Its registers are
 * then the tracer's view of a call under way, not a user state to resume
 * from.  last_siginfo is set and cleared under the siglock.
 */
static bool ckpt_in_syscall_stop(struct task_struct *t)
{
	unsigned long flags;
	bool stop;

	if (!t->ptrace || !lock_task_sighand(t, &flags))
		return false;
	stop = t->last_siginfo && (t->last_siginfo->si_code & 0x7f) == SIGTRAP &&
	       (t->ptrace_message == PTRACE_EVENTMSG_SYSCALL_ENTRY ||
		t->ptrace_message == PTRACE_EVENTMSG_SYSCALL_EXIT);
	unlock_task_sighand(t, &flags);
	return stop;
}

/**
 * ckpt_check_unsupported() - refuse a task holding what this version
 * cannot save
 * @ctx: checkpoint context, @t pinned (ckpt_pin_task())
 * @t: a task of the tree
 *
 * Return: 0, or a negative errno after a line naming @t and what it holds.
 */
int ckpt_check_unsupported(struct ckpt_ctx *ctx, struct task_struct *t)
{
	pid_t pid = task_pid_vnr(t);
	bool traced;
	int ret;

	if (t->flags & (PF_KTHREAD | PF_IO_WORKER))
		return ckpt_err(ctx, -EINVAL, "pid %d is a kernel thread", pid);
	read_lock(&tasklist_lock);
	traced = !list_empty(&t->ptraced);
	read_unlock(&tasklist_lock);
	if (traced)
		return ckpt_err(ctx, -EOPNOTSUPP, "pid %d traces other processes", pid);
	if (ckpt_in_syscall_stop(t))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d is in a ptrace system call stop", pid);
#ifdef CONFIG_IO_URING
	if (t->io_uring)
		return ckpt_err(ctx, -EOPNOTSUPP, "pid %d uses io_uring", pid);
#endif
#ifdef CONFIG_SYSVIPC
	if (sem_undo_pending(t))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d has SysV semaphore undo state", pid);
#endif
	ret = ckpt_check_posix_timers(ctx, t);
	if (ret)
		return ret;
	ret = ckpt_check_seccomp(ctx, t);
	if (ret)
		return ret;
	if (t->signal->flags & SIGNAL_UNKILLABLE && !ckpt_is_pidns_root(ctx, t))
		return ckpt_err(ctx, -EOPNOTSUPP, "pid %d is the init of its pid namespace",
				pid);
	if (t->signal->flags & SIGNAL_GROUP_EXIT || t->flags & PF_EXITING)
		return ckpt_err(ctx, -ESRCH, "pid %d is exiting", pid);
	return ckpt_arch_check_task(ctx, t);
}

/**
 * ckpt_refuse_state() - refuse a task whose architecture state an image
 * cannot hold
 * @ctx: checkpoint context
 * @t: the task
 * @what: what the task uses, or NULL when there is nothing to refuse
 *
 * For the architectures' ckpt_arch_check_task(): one log line naming it.
 *
 * Return: 0 if @what is NULL, else -EOPNOTSUPP.
 */
int ckpt_refuse_state(struct ckpt_ctx *ctx, struct task_struct *t, const char *what)
{
	if (!what)
		return 0;
	return ckpt_err(ctx, -EOPNOTSUPP, "pid %d uses %s, not supported",
			task_pid_vnr(t), what);
}

/**
 * ckpt_task_quiet() - is a task stopped or frozen?
 * @t: the task, whose siglock is held
 *
 * Return: true if @t is in a stop, a ptrace stop or frozen.
 */
bool ckpt_task_quiet(struct task_struct *t)
{
	bool quiet = task_is_stopped_or_traced(t) || frozen(t);

#ifdef CONFIG_CGROUPS
	quiet |= t->frozen;
#endif
	return quiet;
}

/* The states wait_task_inactive() accepts for a stopped or frozen target. */
#define CKPT_QUIET_STATES	(__TASK_STOPPED | __TASK_TRACED | TASK_FROZEN | \
				 TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE)

/**
 * ckpt_check_quiet() - check that a task of the tree is stopped or frozen
 * @ctx: checkpoint context
 * @t: the task; the caller itself passes
 * @nsw: its context switch count, set on the first check
 * @again: the check at the end: @t must still be stopped, with the same
 *	count, so that it did not run since
 *
 * Return: 0, or -EBUSY or -ESRCH after a line naming @t.
 */
int ckpt_check_quiet(struct ckpt_ctx *ctx, struct task_struct *t,
		     unsigned long *nsw, bool again)
{
	pid_t pid = task_pid_vnr(t);
	unsigned long flags, now;
	bool quiet, dying;

	if (t == current)
		return 0;
	if (!lock_task_sighand(t, &flags))
		return ckpt_err(ctx, -ESRCH, "pid %d exited%s", pid,
				again ? " during the checkpoint" : "");
	quiet = ckpt_task_quiet(t) || ckpt_parked(ctx, t);
	dying = t->flags & PF_EXITING || t->signal->flags & SIGNAL_GROUP_EXIT ||
		__fatal_signal_pending(t);
	unlock_task_sighand(t, &flags);
	if (dying)
		return ckpt_err(ctx, -ESRCH, "pid %d is being killed%s", pid,
				again ? " during the checkpoint" : "");
	if (!quiet)
		return ckpt_err(ctx, -EBUSY, again ?
				"pid %d was continued during the checkpoint" :
				"pid %d is running: stop it (SIGSTOP, ptrace) or freeze it first",
				pid);
	now = wait_task_inactive(t, CKPT_QUIET_STATES);
	if (!now || (again && now != *nsw))
		return ckpt_err(ctx, -EBUSY, "pid %d ran during the checkpoint", pid);
	*nsw = now;
	return 0;
}

/**
 * ckpt_task_mm() - the address space of the task being checkpointed
 * @ctx: checkpoint context
 *
 * The target's mm, referenced by the context for the whole checkpoint:
 * valid even if the target exits meanwhile (the checkpoint then fails).
 * The architectures' hooks use it rather than the task's own pointer.
 *
 * Return: the mm.
 */
struct mm_struct *ckpt_task_mm(struct ckpt_ctx *ctx)
{
	return ctx->mm;
}

/**
 * ckpt_pin_task() - hold what the records of a task are read from
 * @ctx: checkpoint context
 * @t: the task, whose records are written next
 *
 * A target that is killed meanwhile frees its kernel stack (its user
 * registers) and drops its mm as it exits, while the checkpoint may still
 * read them: both are referenced until ckpt_unpin_task().
 *
 * Return: 0, or -ESRCH after a line.
 */
int ckpt_pin_task(struct ckpt_ctx *ctx, struct task_struct *t)
{
	if (t != current) {
		if (!try_get_task_stack(t))
			return ckpt_err(ctx, -ESRCH, "pid %d is exiting", task_pid_vnr(t));
		ctx->stack_pinned = true;
	}
	ctx->mm = get_task_mm(t);
	if (!ctx->mm)
		return ckpt_err(ctx, -ESRCH, "pid %d has no address space",
				task_pid_vnr(t));
	return 0;
}

/**
 * ckpt_unpin_task() - drop what ckpt_pin_task() held
 * @ctx: checkpoint context
 * @t: the task
 */
void ckpt_unpin_task(struct ckpt_ctx *ctx, struct task_struct *t)
{
	if (ctx->mm)
		mmput(ctx->mm);
	ctx->mm = NULL;
	if (ctx->stack_pinned)
		put_task_stack(t);
	ctx->stack_pinned = false;
}

/*
 * The records of one live task of the tree; a thread that is not the main
 * thread of its process (@thread) shares its fs, handlers, files and mm
 * with it, written there.
 */
static int ckpt_write_one(struct ckpt_ctx *ctx, struct task_struct *t, bool thread)
{
	int ret;

	ctx->task = t;
	ret = ckpt_pin_task(ctx, t);
	if (!ret)
		ret = ckpt_write_task(ctx, t);
	if (!ret)
		ret = ckpt_write_creds(ctx, t);
	if (!ret && !thread)
		ret = ckpt_write_fs(ctx, t);
	if (!ret && !thread)
		ret = ckpt_write_sighand(ctx, t);
	if (!ret && !thread)
		ret = ckpt_write_posix_timers(ctx, t);
	if (!ret && !thread)
		ret = ckpt_write_files(ctx, t);
	if (!ret && !thread)
		ret = ckpt_write_mm(ctx, t);
	if (!ret)
		ret = ckpt_arch_write_cpu(ctx, t);
	if (!ret)
		ret = ckpt_arch_write_thread(ctx, t);
	if (!ret)
		ret = ckpt_write_restart_block(ctx, t);
	if (!ret)
		ret = ckpt_write_sigpending(ctx, t);
	ckpt_unpin_task(ctx, t);
	return ret;
}

/**
 * ckpt_checkpoint_task() - write the header and the records of a tree
 * @ctx: checkpoint context; @ctx->root_task is its root
 *
 * Every task of the tree must be stopped or frozen (the caller itself
 * excepted) and is checked before anything is written.  A task that is
 * continued or killed while it is being written makes the checkpoint fail
 * (EBUSY or ESRCH): each must still be stopped, without having run, at the
 * end.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_checkpoint_task(struct ckpt_ctx *ctx)
{
	struct task_struct *root = ctx->root_task;
	unsigned int i;
	int ret;

	ret = down_read_killable(&root->signal->exec_update_lock);
	if (ret)
		return ret;
	/* Nothing is written for a tree that cannot be checkpointed. */
	ret = ckpt_collect_tree(ctx);
	/* A pre-copy wrote them before its rounds. */
	if (!ret && !ctx->precopy)
		ret = ckpt_write_header(ctx);
	if (!ret && !ctx->precopy)
		ret = ckpt_arch_write_header(ctx);
	if (!ret)
		ret = ckpt_write_tree(ctx);
	for (i = 0; !ret && i < ctx->tree->nr; i++) {
		const struct ckpt_tree_member *m = &ctx->tree->tasks[i];

		if (!(m->e.flags & CKPT_TREE_TASK_ZOMBIE))
			ret = ckpt_write_one(ctx, m->task,
					     m->e.flags & CKPT_TREE_TASK_THREAD);
	}
	if (!ret)
		ret = ckpt_unix_write_queues(ctx);
	if (!ret)
		ret = ckpt_pty_check_end(ctx);
	if (!ret)
		ret = ckpt_recheck_tree(ctx);
	up_read(&root->signal->exec_update_lock);
	return ret;
}

/**
 * ckpt_restart_state_free() - drop what restart read but did not apply
 * @ctx: restart context
 */
void ckpt_restart_state_free(struct ckpt_ctx *ctx)
{
	struct ckpt_restart_state *rst = ctx->rst;
	unsigned int i;

	if (!rst)
		return;
	if (rst->cred)
		abort_creds(rst->cred);
	path_put(&rst->cwd);
	path_put(&rst->root);
	kvfree(rst->sigpending);
	ckpt_posix_timers_free(rst);
	kfree(rst->affinity);
	for (i = 0; i < rst->nr_fds; i++)
		if (rst->fds[i].file)
			fput(rst->fds[i].file);
	kvfree(rst->fds);
	for (i = 0; i < rst->nr_owners; i++) {
		if (rst->owners[i].file)
			fput(rst->owners[i].file);
#ifdef CONFIG_NET
		if (rst->owners[i].sk)
			sock_put(rst->owners[i].sk);
#endif
	}
	kfree(rst->owners);
	ckpt_locks_free(rst);
	ckpt_unix_connects_free(rst);
	if (rst->mm)
		mmput(rst->mm);
	if (rst->exe_file)
		fput(rst->exe_file);
	kfree(rst);
	ctx->rst = NULL;
}

/*
 * Read and check the records of one task; change nothing of the caller.
 * A thread that is not a main thread (ctx->rst->thread) has no fs,
 * handlers, files nor mm of its own.
 */
static int ckpt_read_one(struct ckpt_ctx *ctx)
{
	bool thread = ctx->rst->thread;
	int ret;

	ret = ckpt_read_task(ctx);
	if (!ret)
		ret = ckpt_read_creds(ctx);
	if (!ret && !thread)
		ret = ckpt_read_fs(ctx);
	if (!ret && !thread)
		ret = ckpt_read_sighand(ctx);
	if (!ret && !thread)
		ret = ckpt_read_posix_timers(ctx);
	if (!ret && !thread)
		ret = ckpt_read_files(ctx);
	if (!ret && !thread)
		ret = ckpt_read_mm(ctx);
	if (!ret)
		ret = ckpt_arch_read_cpu(ctx);
	if (!ret)
		ret = ckpt_arch_read_thread(ctx);
	if (!ret)
		ret = ckpt_read_restart_block(ctx);
	if (!ret)
		ret = ckpt_read_sigpending(ctx);
	return ret;
}

/*
 * Read the records of every live task of the tree, the messages of the
 * datagram sockets with no peer, and the tail.
 */
static int ckpt_read_tasks(struct ckpt_ctx *ctx)
{
	struct ckpt_tree *tree = ctx->tree;
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < tree->nr; i++) {
		struct ckpt_tree_member *m = &tree->tasks[i];

		if (m->e.flags & CKPT_TREE_TASK_ZOMBIE)
			continue;
		m->rst = kzalloc(sizeof(*m->rst), GFP_KERNEL);
		if (!m->rst)
			return -ENOMEM;
		m->rst->member = m;
		m->rst->thread = m->e.flags & CKPT_TREE_TASK_THREAD;
		ctx->rst = m->rst;
		ctx->arch = NULL;
		ret = ckpt_read_one(ctx);
		m->arch = ctx->arch;
		ctx->rst = NULL;
		ctx->arch = NULL;
	}
	if (!ret)
		ret = ckpt_unix_read_queues(ctx);
	if (!ret)
		ret = ckpt_tty_read_inherited(ctx);
	return ret ?: ckpt_read_tail(ctx);
}

/**
 * ckpt_restore_current() - give the caller the state of one task read
 * @ctx: restart context, past the point of no return; @ctx->rst and
 *	@ctx->arch are the task's, the cred_guard_mutex of current is held
 *
 * Everything but the registers, which ckpt_arch_restore() sets last.
 *
 * Return: 0 or a negative errno, after which current must be killed.
 */
long ckpt_restore_current(struct ckpt_ctx *ctx)
{
	long ret;

	ret = ckpt_restore_mm(ctx);
	if (ret)
		return ret;
	/* What execve() drops of the caller, restart drops too. */
	io_uring_task_cancel();
	ckpt_restore_task(ctx);
	ret = ckpt_restore_sched(ctx);
	if (!ret)
		ret = ckpt_restore_files(ctx);
	if (ret)
		return ret;
	ckpt_restore_fs(ctx);
	/* Its session and group are made: its terminal may control them. */
	ckpt_pty_restore_ctty(ctx);
	/* Its other threads share what it has now, before its credentials. */
	ret = ckpt_tree_spawn_threads(ctx);
	if (ret)
		return ret;
	ckpt_restore_owners(ctx);
	commit_creds(ctx->rst->cred);
	ctx->rst->cred = NULL;
	/* What commit_creds() resets when the ids change, the image sets. */
	current->pdeath_signal = ctx->rst->task.pdeath_signal;
	ckpt_restore_mm_creds(ctx);
	ret = ckpt_restore_signals(ctx);
	if (ret)
		return ret;
	ckpt_restore_restart_block(ctx);
	return ckpt_restore_seccomp(ctx);
}

/**
 * ckpt_restore_thread() - give a thread of a restored process its state
 * @ctx: restart context, past the point of no return; @ctx->rst and
 *	@ctx->arch are the thread's, the cred_guard_mutex of current is held
 *
 * Current is a thread its main thread created (ckpt_tree_spawn_threads()),
 * which shares the mm, the files, the fs_struct and the signal handlers
 * restored there; this restores the thread's own state but its registers,
 * which ckpt_arch_restore() sets last.
 *
 * Return: 0 or a negative errno, after which current must be killed.
 */
long ckpt_restore_thread(struct ckpt_ctx *ctx)
{
	int dumpable;
	long ret;

	ckpt_restore_task_thread(ctx);
	ret = ckpt_restore_sched(ctx);
	if (ret)
		return ret;
	/* Its credentials are its own; the mm's dumpable flag is the process's. */
	dumpable = get_dumpable(current->mm);
	commit_creds(ctx->rst->cred);
	ctx->rst->cred = NULL;
	set_dumpable(current->mm, dumpable);
	current->pdeath_signal = ctx->rst->task.pdeath_signal;
	ckpt_restore_thread_signals(ctx);
	ckpt_restore_restart_block(ctx);
	return ckpt_restore_seccomp(ctx);
}

/* Turn the caller into the one process of the image. */
static long ckpt_restart_self(struct ckpt_ctx *ctx)
{
	struct ckpt_tree_member *m = &ctx->tree->tasks[0];
	long ret;

	ctx->rst = m->rst;
	ctx->arch = m->arch;
	m->rst = NULL;
	m->arch = NULL;
	if (fatal_signal_pending(current))
		return -EINTR;

	ret = mutex_lock_interruptible(&current->signal->cred_guard_mutex);
	if (ret)
		return ret;

	/* The point of no return. */
	ret = ckpt_restore_current(ctx);
	if (ret)
		goto kill;
	mutex_unlock(&current->signal->cred_guard_mutex);
	ckpt_inet_release(ctx);
	ctx->restarted = true;
	return ckpt_arch_restore(ctx);

kill:
	mutex_unlock(&current->signal->cred_guard_mutex);
	ckpt_err(ctx, (int)ret, "failed after the point of no return (error %ld): killed",
		 ret);
	force_fatal_sig(SIGKILL);
	return ret;
}

/**
 * ckpt_restart() - restore the tasks of an image
 * @ctx: restart context, the header records already read
 *
 * An image of one process without a restart(2) flag turns the caller into
 * it; otherwise the tree is created as a child of the caller (tree.c).
 *
 * Return: for the caller turned into the process, the value the restart(2)
 * call must return so that its registers are those of the image; for a
 * tree, the pid of its root; or a negative errno before the point of no
 * return.  Past it, a failure kills the caller (one process) or every task
 * created (a tree).
 */
long ckpt_restart(struct ckpt_ctx *ctx)
{
	bool self;
	long ret;

	/* The pages of a pre-copy's rounds come first, kept aside. */
	ret = ctx->image_flags & CKPT_CHECKPOINT_PRECOPY ? ckpt_precopy_read(ctx) : 0;
	if (!ret)
		ret = ckpt_read_tree(ctx);
	if (ret)
		return ret;
	self = ctx->tree->nr == 1 &&
	       !(ctx->flags & (CKPT_RESTART_NEW_PIDNS | CKPT_RESTART_SAME_PIDS));
	/* The new address spaces are built in the caller's context. */
	if (get_nr_threads(current) > 1)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"the caller has %d threads; restart needs a single-threaded caller",
				get_nr_threads(current));
	ret = ckpt_read_tasks(ctx);
	if (!ret)
		ret = ckpt_inet_connect_all(ctx);
	if (!ret)
		ret = ckpt_unix_connect_tree(ctx);
	if (!ret)
		ret = ckpt_inotify_watch_all(ctx);
	if (!ret)
		ret = ckpt_pty_check_restart(ctx, self);
	if (ret)
		return ret;
	return self ? ckpt_restart_self(ctx) : ckpt_restart_tree(ctx);
}
