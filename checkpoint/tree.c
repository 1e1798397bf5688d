// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of a process tree: the root, its descendants, their
 * pids, process groups and sessions, and their zombies.
 *
 * Checkpoint walks the tree under tasklist_lock, in pre-order (each parent
 * before its children), and takes a reference on every task.  Every task
 * but the caller must be stopped or frozen: a stopped task cannot fork,
 * exit, reap a zombie or change its process group, so the tree cannot
 * change while it is written; each task is checked again at the end, and
 * one that ran meanwhile fails the checkpoint (EBUSY).
 *
 * Restart reads and checks the whole image, builds every address space
 * and opens every file before it creates a task.  Past that point of no
 * return, it forks the root as a child of the caller (in a new pid
 * namespace, or with its own pid), and every task, on its way out of the
 * kernel, forks its own children with their pids (clone3()'s set_tid),
 * takes its session and process group, and restores its state: a task
 * work runs in each new task before it first returns to user space.  The
 * tasks move through the same steps together:
 *
 *  1. created: every task exists, sessions and group leaders are set;
 *  2. joined: every task is in its process group; zombies exit;
 *  3. applied: every task has its state, and all return to user space.
 *
 * A failure in any task kills every task created, which the caller waits
 * for before restart(2) returns the error: no task is left behind.
 */

#include <linux/bsearch.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/key.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/nsproxy.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/syscalls.h>
#include <linux/task_work.h>
#include <linux/wait.h>
#include <uapi/linux/wait.h>

#include "internal.h"

/* The first child of a thread of a process, from thread @th on. */
static struct task_struct *ckpt_first_child(struct task_struct *th)
{
	for (; th; th = __next_thread(th))
		if (!list_empty(&th->children))
			return list_first_entry(&th->children, struct task_struct, sibling);
	return NULL;
}

/**
 * ckpt_tree_next() - the next task of a subtree
 * @root: the root of the subtree, a process's main thread
 * @t: a task of the subtree
 *
 * Pre-order: a process (its main thread), its other threads, then the
 * children of each of its threads in turn.  Called under tasklist_lock.
 *
 * Return: the task after @t, or NULL after the last.
 */
struct task_struct *ckpt_tree_next(struct task_struct *root, struct task_struct *t)
{
	struct task_struct *n = __next_thread(t);

	if (n)
		return n;
	n = ckpt_first_child(t->group_leader);
	if (n)
		return n;
	for (t = t->group_leader; t != root; t = t->real_parent->group_leader) {
		if (!list_is_last(&t->sibling, &t->real_parent->children))
			return list_next_entry(t, sibling);
		n = ckpt_first_child(__next_thread(t->real_parent));
		if (n)
			return n;
	}
	return NULL;
}

/* Drop the references of the tasks found, and their array. */
static void ckpt_tree_put_tasks(struct ckpt_tree *tree)
{
	unsigned int i;

	for (i = 0; tree->tasks && i < tree->nr; i++)
		if (tree->tasks[i].task)
			put_task_struct(tree->tasks[i].task);
	kvfree(tree->tasks);
	tree->tasks = NULL;
	tree->nr = 0;
}

/* A task being reaped is gone already. */
static bool ckpt_tree_skip(struct task_struct *t)
{
	return t->exit_state == EXIT_DEAD;
}

/**
 * ckpt_is_pidns_root() - is a task the init of a pid namespace whose tree
 * is being checkpointed from outside?
 * @ctx: checkpoint context
 * @t: the task
 *
 * Return: true for the root of a container checkpointed from an ancestor
 * pid namespace.
 */
bool ckpt_is_pidns_root(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct pid_namespace *ns = task_active_pid_ns(t);

	return t == ctx->root_task && ns && ns->child_reaper == t &&
	       ns != task_active_pid_ns(current);
}

/* Fill @tree with the tasks of the subtree, if there are @max or fewer. */
static unsigned int ckpt_tree_fill(struct ckpt_ctx *ctx, struct ckpt_tree *tree,
				   unsigned int max)
{
	struct task_struct *root = ctx->root_task, *t, *parent;
	struct pid_namespace *ns = task_active_pid_ns(root);
	unsigned int n = 0;
	int j;

	read_lock(&tasklist_lock);
	for (t = root; t; t = ckpt_tree_next(root, t)) {
		struct ckpt_tree_member *m = &tree->tasks[n];

		if (ckpt_tree_skip(t))
			continue;
		/* Counted until past the limit, which is refused. */
		if (!tree->tasks && n > CKPT_TREE_MAX_TASKS)
			break;
		if (n++ >= max || !tree->tasks)
			continue;
		m->task = get_task_struct(t);
		m->e.pid = task_pid_nr_ns(t, ns);
		m->e.pgid = task_pgrp_nr_ns(t, ns);
		m->e.sid = task_session_nr_ns(t, ns);
		m->e.parent = -1;
		/* A thread names its main thread, a process its parent. */
		parent = t->real_parent;
		if (!thread_group_leader(t)) {
			m->e.flags = CKPT_TREE_TASK_THREAD;
			parent = t->group_leader;
		} else {
			m->e.exit_signal = t->exit_signal;
		}
		for (j = n - 2; t != root && j >= 0; j--)
			if (tree->tasks[j].task == parent) {
				m->e.parent = j;
				break;
			}
		if (t->exit_state == EXIT_ZOMBIE) {
			m->e.flags = CKPT_TREE_TASK_ZOMBIE;
			m->e.exit_code = t->exit_code;
		}
	}
	read_unlock(&tasklist_lock);
	return n;
}

/* Is @nr the pid of a task of the tree? */
static bool ckpt_tree_has(struct ckpt_tree *tree, pid_t nr)
{
	unsigned int i;

	for (i = 0; nr && i < tree->nr; i++)
		if (tree->tasks[i].e.pid == nr)
			return true;
	return false;
}

/* What each task of the tree holds that the tree cannot: sharing, pids. */
static int ckpt_tree_check(struct ckpt_ctx *ctx, struct ckpt_tree *tree)
{
	struct pid_namespace *ns = task_active_pid_ns(ctx->root_task);
	const struct ckpt_tree_task *root = &tree->tasks[0].e;
	unsigned int i, j;

	for (i = 0; i < tree->nr; i++) {
		struct ckpt_tree_member *m = &tree->tasks[i];
		struct task_struct *t = m->task;
		struct pid_namespace *child_ns = NULL;
		pid_t pid = task_pid_vnr(t);

		if (task_active_pid_ns(t) != ns)
			return ckpt_err(ctx, -EOPNOTSUPP,
					"pid %d is in a pid namespace nested in the tree's, not supported",
					pid);
		if (m->e.pgid != root->pgid && !ckpt_tree_has(tree, m->e.pgid))
			return ckpt_err(ctx, -EOPNOTSUPP,
					"pid %d is in process group %d, whose leader is not in the tree",
					pid, m->e.pgid);
		if (m->e.sid != root->sid && !ckpt_tree_has(tree, m->e.sid))
			return ckpt_err(ctx, -EOPNOTSUPP,
					"pid %d is in session %d, whose leader is not in the tree",
					pid, m->e.sid);
		if (m->e.flags & CKPT_TREE_TASK_THREAD) {
			struct task_struct *l;
			const char *what = NULL;

			if (m->e.parent < 0)
				return ckpt_err(ctx, -EBUSY, "thread %d has no main thread", pid);
			l = tree->tasks[m->e.parent].task;

			/* The tables a thread shares with its main thread. */
			task_lock(t);
			if (t->files != l->files)
				what = "file descriptor table";
			else if (t->fs != l->fs)
				what = "working directory and root";
			task_unlock(t);
			if (what)
				return ckpt_err(ctx, -EOPNOTSUPP,
						"thread %d of pid %d has its own %s (unshare()), not supported",
						pid, task_pid_vnr(l), what);
		}
		if (m->e.flags & CKPT_TREE_TASK_ZOMBIE) {
			if (!thread_group_empty(t))
				return ckpt_err(ctx, -EOPNOTSUPP,
						"pid %d has threads that run after it exited, not supported",
						pid);
			if (m->e.exit_signal == SIGKILL || m->e.exit_signal == SIGSTOP)
				return ckpt_err(ctx, -EOPNOTSUPP,
						"zombie pid %d has exit signal %u, not supported",
						pid, m->e.exit_signal);
			continue;
		}
		task_lock(t);
		if (t->nsproxy)
			child_ns = t->nsproxy->pid_ns_for_children;
		task_unlock(t);
		if (child_ns && child_ns != ns)
			return ckpt_err(ctx, -EOPNOTSUPP,
					"pid %d has unshared its pid namespace, not supported",
					pid);
		for (j = 0; j < i; j++) {
			struct task_struct *o = tree->tasks[j].task;
			const char *what = NULL;

			if (tree->tasks[j].e.flags & CKPT_TREE_TASK_ZOMBIE ||
			    same_thread_group(t, o))
				continue;
			/* A files table or fs_struct is written once, shared. */
			if (t->mm && t->mm == o->mm)
				what = "address space (CLONE_VM)";
			else if (t->sighand == o->sighand)
				what = "signal handlers (CLONE_SIGHAND)";
			if (what)
				return ckpt_err(ctx, -EOPNOTSUPP,
						"pid %d shares its %s with pid %d, not supported",
						pid, what, task_pid_vnr(o));
		}
	}
	return 0;
}

/* The checks of every live task before anything is written. */
static int ckpt_tree_check_tasks(struct ckpt_ctx *ctx, struct ckpt_tree *tree)
{
	struct task_struct *task;
	unsigned int i;
	int ret = 0;

	/* The root was checked by the system call. */
	for (i = 1; i < tree->nr; i++)
		if (!ptrace_may_access(tree->tasks[i].task, PTRACE_MODE_ATTACH_REALCREDS))
			return ckpt_err(ctx, -EPERM, "no permission to checkpoint pid %d",
					task_pid_vnr(tree->tasks[i].task));
	for (i = 0; !ret && i < tree->nr; i++) {
		struct ckpt_tree_member *m = &tree->tasks[i];

		if (m->e.flags & CKPT_TREE_TASK_ZOMBIE)
			continue;
		ret = ckpt_check_quiet(ctx, m->task, &m->nsw, false);
		if (!ret)
			ret = ckpt_pin_task(ctx, m->task);
		/* The checks of its files name it. */
		task = ctx->task;
		ctx->task = m->task;
		if (!ret)
			ret = ckpt_check_unsupported(ctx, m->task);
		/* A thread's files and mm are its main thread's. */
		if (!ret && !(m->e.flags & CKPT_TREE_TASK_THREAD))
			ret = ckpt_check_files(ctx, m->task);
		if (!ret && !(m->e.flags & CKPT_TREE_TASK_THREAD))
			ret = ckpt_check_mm(ctx, m->task);
		ctx->task = task;
		ckpt_unpin_task(ctx, m->task);
	}
	return ret;
}

static int ckpt_tree_check_entries(struct ckpt_ctx *ctx, struct ckpt_tree *tree);
static int ckpt_tree_check_groups(struct ckpt_ctx *ctx, struct ckpt_tree *tree, int err);

/**
 * ckpt_collect_tree() - find and check the tasks of the tree to checkpoint
 * @ctx: checkpoint context; @ctx->root_task is the root
 *
 * Return: 0, or a negative errno after a line naming the task refused.
 */
int ckpt_collect_tree(struct ckpt_ctx *ctx)
{
	struct ckpt_tree *tree;
	unsigned int n, max, tries;
	int ret;

	tree = kzalloc(sizeof(*tree), GFP_KERNEL);
	if (!tree)
		return -ENOMEM;
	ctx->tree = tree;
	tree->ctx = ctx;
	/* Count, then fill: a tree of stopped tasks does not change between. */
	n = ckpt_tree_fill(ctx, tree, 0);
	for (tries = 0; ; tries++) {
		if (n > CKPT_TREE_MAX_TASKS)
			return ckpt_err(ctx, -EOPNOTSUPP,
					"the tree of pid %d has %u tasks, more than %u",
					task_pid_vnr(ctx->root_task), n, CKPT_TREE_MAX_TASKS);
		max = n + 16;
		tree->tasks = kvcalloc(max, sizeof(*tree->tasks), GFP_KERNEL);
		if (!tree->tasks)
			return -ENOMEM;
		tree->nr = ckpt_tree_fill(ctx, tree, max);
		if (tree->nr <= max)
			break;
		/* It grew: a task of it runs, which the checks below refuse. */
		n = tree->nr;
		tree->nr = max;
		ckpt_tree_put_tasks(tree);
		if (tries == 2)
			return ckpt_err(ctx, -EBUSY, "the tree of pid %d keeps changing",
					task_pid_vnr(ctx->root_task));
	}
	if (tree->nr && tree->tasks[0].e.flags & CKPT_TREE_TASK_ZOMBIE &&
	    !thread_group_empty(ctx->root_task))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d has threads that run after it exited, not supported",
				task_pid_vnr(ctx->root_task));
	if (!tree->nr || tree->tasks[0].task != ctx->root_task ||
	    tree->tasks[0].e.flags & CKPT_TREE_TASK_ZOMBIE)
		return ckpt_err(ctx, -ESRCH, "pid %d is exiting",
				task_pid_vnr(ctx->root_task));
	if (tree->tasks[0].e.pid == 1 && ckpt_is_pidns_root(ctx, ctx->root_task))
		tree->flags |= CKPT_TREE_PIDNS_INIT;
	ret = ckpt_tree_check_tasks(ctx, tree);
	if (!ret)
		ret = ckpt_tree_check(ctx, tree);
	if (!ret)
		ckpt_pty_tree_ctty(ctx);
	/* What restart would refuse, checkpoint refuses. */
	if (!ret)
		ret = ckpt_tree_check_entries(ctx, tree);
	if (!ret)
		ret = ckpt_tree_check_groups(ctx, tree, -EOPNOTSUPP);
	if (!ret)
		ret = ckpt_check_external(ctx, false);
	/* Nothing of the tree changes until the end, its timers included. */
	if (!ret)
		ret = ckpt_pause_posix_timers(ctx);
	return ret;
}

/**
 * ckpt_write_tree() - write the TREE record
 * @ctx: checkpoint context, the tree collected
 *
 * Return: 0 or a negative errno.
 */
int ckpt_write_tree(struct ckpt_ctx *ctx)
{
	struct ckpt_tree *tree = ctx->tree;
	struct ckpt_hdr_tree *h;
	unsigned int i;
	u32 len = struct_size(h, tasks, tree->nr);
	int ret;

	BUILD_BUG_ON(sizeof(struct ckpt_tree_task) != 32);
	BUILD_BUG_ON(sizeof(*h) != 16);
	h = kvzalloc(len, GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	h->nr_tasks = tree->nr;
	h->flags = tree->flags;
	for (i = 0; i < tree->nr; i++)
		h->tasks[i] = tree->tasks[i].e;
	ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_TREE, len);
	kvfree(h);
	return ret;
}

/**
 * ckpt_recheck_tree() - check at the end that no task of the tree ran
 * @ctx: checkpoint context, every record written
 *
 * Return: 0, or -EBUSY or -ESRCH after a line naming the task.
 */
int ckpt_recheck_tree(struct ckpt_ctx *ctx)
{
	struct ckpt_tree *tree = ctx->tree;
	unsigned int i;
	int ret = 0;

	struct ckpt_tree count = { };

	/* No task joined it: an orphan adopted by a subreaper of it. */
	if (ckpt_tree_fill(ctx, &count, 0) != tree->nr)
		return ckpt_err(ctx, -EBUSY, "the tree of pid %d changed during the checkpoint",
				task_pid_vnr(ctx->root_task));
	for (i = 0; !ret && i < tree->nr; i++) {
		struct ckpt_tree_member *m = &tree->tasks[i];

		if (!(m->e.flags & CKPT_TREE_TASK_ZOMBIE))
			ret = ckpt_check_quiet(ctx, m->task, &m->nsw, true);
		else if (READ_ONCE(m->task->exit_state) != EXIT_ZOMBIE)
			ret = ckpt_err(ctx, -EBUSY,
				       "zombie pid %d was reaped during the checkpoint",
				       m->e.pid);
	}
	return ret ?: ckpt_check_external(ctx, true);
}

static int ckpt_pid_cmp(const void *a, const void *b)
{
	const struct ckpt_tree_pid *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* The index of the task of the image with pid @nr, -1 for none. */
static int ckpt_tree_find(struct ckpt_tree *tree, pid_t nr)
{
	struct ckpt_tree_pid key = { .pid = nr }, *p;

	p = bsearch(&key, tree->pids, tree->nr, sizeof(*p), ckpt_pid_cmp);
	return p ? p->index : -1;
}

/**
 * ckpt_tree_thread() - find a thread of a process of the image
 * @ctx: restart context, the tree read
 * @m: the main thread of the process
 * @nr: a pid of the image
 *
 * Return: the index in the tree of the thread of @m's process (@m
 * included) whose pid is @nr, or -1.
 */
int ckpt_tree_thread(struct ckpt_ctx *ctx, struct ckpt_tree_member *m, pid_t nr)
{
	struct ckpt_tree *tree = ctx->tree;
	int t;

	if (tree->no_pids || nr <= 0)
		return -1;
	if (m->e.pid == nr)
		return m - tree->tasks;
	for (t = m->first_thread; t >= 0; t = tree->tasks[t].next_thread)
		if (tree->tasks[t].e.pid == nr)
			return t;
	return -1;
}

/*
 * Read the TREE record, or make the one task of an image without one (a
 * version 2 image).
 */
static int ckpt_tree_read_record(struct ckpt_ctx *ctx, struct ckpt_tree *tree)
{
	const size_t one = sizeof(struct ckpt_tree_task);
	struct ckpt_hdr_tree *h;
	struct ckpt_hdr hdr;
	unsigned int i;
	int ret;

	ret = ckpt_read_hdr(ctx, &hdr);
	if (ret)
		return ret;
	if (hdr.type != CKPT_HDR_TREE) {
		ckpt_unread_hdr(ctx, &hdr);
		tree->nr = 1;
		tree->no_pids = true;
		tree->tasks = kvcalloc(1, sizeof(*tree->tasks), GFP_KERNEL);
		if (!tree->tasks)
			return -ENOMEM;
		tree->tasks[0].e.parent = -1;
		tree->tasks[0].e.exit_signal = SIGCHLD;
		return 0;
	}
	h = ckpt_read_rest(ctx, &hdr, CKPT_HDR_TREE, sizeof(*h) + one,
			   sizeof(*h) + CKPT_TREE_MAX_TASKS * one);
	if (IS_ERR(h))
		return PTR_ERR(h);
	if (h->nr_tasks < 1 || h->nr_tasks > CKPT_TREE_MAX_TASKS ||
	    h->h.len != sizeof(*h) + (size_t)h->nr_tasks * one ||
	    h->flags & ~CKPT_TREE_FLAGS_ALL) {
		kvfree(h);
		return ckpt_err(ctx, -EINVAL, "malformed tree record");
	}
	tree->nr = h->nr_tasks;
	tree->flags = h->flags;
	tree->tasks = kvcalloc(tree->nr, sizeof(*tree->tasks), GFP_KERNEL);
	if (!tree->tasks) {
		kvfree(h);
		return -ENOMEM;
	}
	for (i = 0; i < tree->nr; i++)
		tree->tasks[i].e = h->tasks[i];
	kvfree(h);
	return 0;
}

/*
 * A zombie's wait status: an exit status, or a signal with the core dump
 * flag; and an exit signal that neither kills nor stops its parent while
 * the tree is restored.
 */
static bool ckpt_exit_code_ok(const struct ckpt_tree_task *e)
{
	u32 code = e->exit_code, sig = code & 0x7f;

	if (e->exit_signal == SIGKILL || e->exit_signal == SIGSTOP || code & ~0xffffU)
		return false;
	return sig ? !(code & 0xff00) && sig != 0x7f && valid_signal(sig) : !(code & 0x80);
}

/* Check each entry on its own, and link children to their parents. */
static int ckpt_tree_check_entries(struct ckpt_ctx *ctx, struct ckpt_tree *tree)
{
	int i, nr = tree->nr, *last;

	last = kvmalloc_array(nr, sizeof(*last), GFP_KERNEL);
	tree->pids = kvmalloc_array(nr, sizeof(*tree->pids), GFP_KERNEL);
	if (!last || !tree->pids) {
		kvfree(last);
		return -ENOMEM;
	}
	for (i = 0; i < nr; i++) {
		struct ckpt_tree_member *m = &tree->tasks[i];
		const struct ckpt_tree_task *e = &m->e;
		bool zombie = e->flags & CKPT_TREE_TASK_ZOMBIE;
		bool thread = e->flags & CKPT_TREE_TASK_THREAD;
		const struct ckpt_tree_task *p = i && e->parent >= 0 && e->parent < i ?
						 &tree->tasks[e->parent].e : NULL;
		int err = 0;

		m->first_child = -1;
		m->next_sibling = -1;
		m->first_thread = -1;
		m->next_thread = -1;
		m->pgrp = -1;
		m->sess = -1;
		last[i] = -1;
		if (e->flags & ~CKPT_TREE_TASK_FLAGS_ALL || e->__reserved ||
		    (!zombie && e->exit_code) || !valid_signal(e->exit_signal) ||
		    (zombie && !ckpt_exit_code_ok(e)) ||
		    (thread && (zombie || e->exit_signal || !i)) ||
		    (e->flags & CKPT_TREE_TASK_CTTY && (zombie || thread)))
			err = ckpt_err(ctx, -EINVAL, "malformed entry %d of the tree", i);
		else if (!tree->no_pids && (e->pid <= 0 || e->pid > PID_MAX_LIMIT))
			err = ckpt_err(ctx, -EINVAL, "bad pid %d in the tree", e->pid);
		else if (!i && (e->parent != -1 || zombie))
			err = ckpt_err(ctx, -EINVAL, "the root of the tree is %s",
				       zombie ? "a zombie" : "not first");
		else if (i && (!p || p->flags & CKPT_TREE_TASK_ZOMBIE ||
			       (thread && p->flags & CKPT_TREE_TASK_THREAD)))
			err = ckpt_err(ctx, -EINVAL, "pid %d of the tree has a bad parent",
				       e->pid);
		else if (thread && (e->pgid != p->pgid || e->sid != p->sid))
			err = ckpt_err(ctx, -EINVAL,
				       "thread %d is not in the group and session of its process",
				       e->pid);
		if (err) {
			kvfree(last);
			return err;
		}
		if (thread) {
			/* The threads of a process, in order. */
			int *link = &tree->tasks[e->parent].first_thread;

			while (*link >= 0)
				link = &tree->tasks[*link].next_thread;
			*link = i;
			tree->nr_threads++;
		} else if (i) {
			/* The main thread creates the children of its threads. */
			int p = e->parent;

			if (tree->tasks[p].e.flags & CKPT_TREE_TASK_THREAD)
				p = tree->tasks[p].e.parent;
			if (last[p] < 0)
				tree->tasks[p].first_child = i;
			else
				tree->tasks[last[p]].next_sibling = i;
			last[p] = i;
		}
		tree->pids[i].pid = e->pid;
		tree->pids[i].index = i;
	}
	kvfree(last);
	sort(tree->pids, nr, sizeof(*tree->pids), ckpt_pid_cmp, NULL);
	for (i = 1; i < nr; i++)
		if (tree->pids[i].pid == tree->pids[i - 1].pid)
			return ckpt_err(ctx, -EINVAL, "pid %d is twice in the tree",
					tree->pids[i].pid);
	return 0;
}

/*
 * Sessions and process groups, as restart re-creates them: a task is born
 * in the session of its parent, or of its parent before that one became a
 * session leader (the parent forks the children of its old session first);
 * it then becomes a session leader, or the leader of its own group, or
 * joins the group of a leader of its session.  A session or group that
 * is not of a task of the tree is the caller's.
 */
static int ckpt_tree_check_groups(struct ckpt_ctx *ctx, struct ckpt_tree *tree, int err)
{
	int i, nr = tree->nr, *before;

	before = kvmalloc_array(nr, sizeof(*before), GFP_KERNEL);
	if (!before)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		struct ckpt_tree_member *m = &tree->tasks[i];
		const struct ckpt_tree_task *e = &m->e;
		int sess = ckpt_tree_find(tree, e->sid);
		int born = -1, pp = e->parent;

		if (e->flags & CKPT_TREE_TASK_THREAD) {
			/* Its process's, checked with its entry. */
			before[i] = before[pp];
			m->sess = tree->tasks[pp].sess;
			continue;
		}
		/* Sessions and groups are named by processes. */
		if (sess >= 0 && tree->tasks[sess].e.flags & CKPT_TREE_TASK_THREAD) {
			kvfree(before);
			return ckpt_err(ctx, err, "the session %d of pid %d is a thread's id",
					e->sid, e->pid);
		}
		if (i) {
			const struct ckpt_tree_member *p;

			/* A child of a thread is born where its process is. */
			if (tree->tasks[pp].e.flags & CKPT_TREE_TASK_THREAD)
				pp = tree->tasks[pp].e.parent;
			p = &tree->tasks[pp];
			born = p->sess == pp && sess != pp ? before[pp] : p->sess;
		}
		before[i] = born;
		m->sess = sess == i ? i : born;
		if ((sess == i && e->pgid != e->pid) || (sess != i && sess != born)) {
			kvfree(before);
			return ckpt_err(ctx, err,
					"the session %d of pid %d cannot be re-created",
					e->sid, e->pid);
		}
	}
	kvfree(before);
	for (i = 0; i < nr; i++) {
		struct ckpt_tree_member *m = &tree->tasks[i];
		int g = ckpt_tree_find(tree, m->e.pgid);

		if (m->e.flags & CKPT_TREE_TASK_THREAD) {
			m->pgrp = tree->tasks[m->e.parent].pgrp;
			continue;
		}
		if (g >= 0 && tree->tasks[g].e.flags & CKPT_TREE_TASK_THREAD)
			return ckpt_err(ctx, err, "the process group %d of pid %d is a thread's id",
					m->e.pgid, m->e.pid);
		m->pgrp = g;
		if (g == i)
			continue;
		if (g < 0 ? m->sess >= 0 :
		    tree->tasks[g].e.pgid != tree->tasks[g].e.pid ||
		    tree->tasks[g].sess != m->sess)
			return ckpt_err(ctx, err,
					"the process group %d of pid %d cannot be re-created",
					m->e.pgid, m->e.pid);
	}
	return 0;
}

/**
 * ckpt_read_tree() - read and check the TREE record
 * @ctx: restart context, the header records read
 *
 * Return: 0 or a negative errno, after a line.
 */
int ckpt_read_tree(struct ckpt_ctx *ctx)
{
	struct ckpt_tree *tree;
	int ret;

	tree = kzalloc(sizeof(*tree), GFP_KERNEL);
	if (!tree)
		return -ENOMEM;
	ctx->tree = tree;
	tree->ctx = ctx;
	tree->new_pidns = !(ctx->flags & CKPT_RESTART_SAME_PIDS);
	mutex_init(&tree->lock);
	init_waitqueue_head(&tree->wq);
	ret = ckpt_tree_read_record(ctx, tree);
	if (!ret)
		ret = ckpt_tree_check_entries(ctx, tree);
	if (!ret && !tree->no_pids)
		ret = ckpt_tree_check_groups(ctx, tree, -EINVAL);
	if (ret)
		return ret;
	if (tree->no_pids && (ctx->flags & CKPT_RESTART_SAME_PIDS))
		return ckpt_err(ctx, -EINVAL,
				"an image without a tree record holds no pid to restore");
	if (tree->new_pidns && tree->nr > 1 && ckpt_tree_find(tree, 1) > 0)
		return ckpt_err(ctx, -EINVAL,
				"pid 1 of the tree is not its root, which a new pid namespace makes pid 1");
	return 0;
}

/*
 * How many tasks @count must reach: steps 1 and 2 are those of the
 * processes, before their other threads exist.
 */
static unsigned int ckpt_tree_target(struct ckpt_tree *tree, unsigned int *count)
{
	if (count == &tree->started || count == &tree->joined)
		return tree->nr - tree->nr_threads;
	return tree->nr;
}

/* Has every task reached @count, or has one failed? */
static bool ckpt_tree_reached(struct ckpt_tree *tree, unsigned int *count)
{
	bool done;

	spin_lock_irq(&tree->wq.lock);
	done = tree->error || *count == ckpt_tree_target(tree, count);
	spin_unlock_irq(&tree->wq.lock);
	return done;
}

/* Has a task failed? */
static bool ckpt_tree_reached_error(struct ckpt_tree *tree)
{
	bool err;

	spin_lock_irq(&tree->wq.lock);
	err = tree->error;
	spin_unlock_irq(&tree->wq.lock);
	return err;
}

/* Has every task created left the operation? */
static bool ckpt_tree_all_left(struct ckpt_tree *tree)
{
	bool all;

	spin_lock_irq(&tree->wq.lock);
	all = tree->left == tree->created;
	spin_unlock_irq(&tree->wq.lock);
	return all;
}

/* One more task reached @count; a failure @err kills the tree. */
static void ckpt_tree_count(struct ckpt_tree *tree, unsigned int *count, int err)
{
	spin_lock_irq(&tree->wq.lock);
	(*count)++;
	if (err && !tree->error)
		tree->error = err;
	wake_up_all_locked(&tree->wq);
	spin_unlock_irq(&tree->wq.lock);
}

/* Wait until every task reached @count: 0, or the failure of the tree. */
static int ckpt_tree_wait(struct ckpt_tree *tree, unsigned int *count)
{
	int ret;

	if (wait_event_killable(tree->wq, ckpt_tree_reached(tree, count)))
		return -EINTR;
	spin_lock_irq(&tree->wq.lock);
	ret = tree->error;
	spin_unlock_irq(&tree->wq.lock);
	return ret;
}

/* Has the caller let every task go, or has one failed? */
static bool ckpt_tree_released(struct ckpt_tree *tree)
{
	return READ_ONCE(tree->released) || ckpt_tree_reached_error(tree);
}

/* Wait until the caller let every task go (ckpt_restart_tree()). */
static int ckpt_tree_wait_released(struct ckpt_tree *tree)
{
	int ret;

	if (wait_event_killable(tree->wq, ckpt_tree_released(tree)))
		return -EINTR;
	spin_lock_irq(&tree->wq.lock);
	ret = tree->error;
	spin_unlock_irq(&tree->wq.lock);
	return ret;
}

/* Put current in the process group @pgrp, as setpgid(2). */
static int ckpt_set_pgrp(struct pid *pgrp)
{
	struct task_struct *g;
	int ret = 0;

	write_lock_irq(&tasklist_lock);
	if (task_pgrp(current) == pgrp)
		goto out;
	ret = -EPERM;
	if (current->signal->leader)
		goto out;
	if (pgrp != task_pid(current)) {
		g = pid_task(pgrp, PIDTYPE_PGID);
		if (!g || task_session(g) != task_session(current))
			goto out;
	}
	change_pid(current, PIDTYPE_PGID, pgrp);
	ret = 0;
out:
	write_unlock_irq(&tasklist_lock);
	return ret;
}

static void ckpt_tree_task_work(struct callback_head *work);

/* What a thread of a process shares with the others. */
#define CKPT_CLONE_THREAD	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | \
				 CLONE_THREAD | CLONE_SYSVSEM)

/*
 * Create the task @i of the tree as a child of current, or a thread of
 * current's process, with its pid; it restores itself in
 * ckpt_tree_task_work() before it first returns to user space.  Called
 * with @tree->lock held.
 */
static int ckpt_tree_fork(struct ckpt_tree *tree, int i)
{
	struct ckpt_tree_member *m = &tree->tasks[i];
	bool thread = m->e.flags & CKPT_TREE_TASK_THREAD;
	pid_t tid = m->e.pid;
	struct kernel_clone_args args = {
		/*
		 * A process: a copy of current's mm until its own replaces it,
		 * not CLONE_VM, which would leave its marks (MMF_MULTIPROCESS,
		 * a shadow stack) in the caller's.  A thread: current's, which
		 * is its process's already.
		 */
		.flags = CLONE_UNTRACED | (thread ? CKPT_CLONE_THREAD : 0),
		.exit_signal = m->e.exit_signal,
		.set_tid = &tid,
		.set_tid_size = 1,
	};
	struct task_struct *p;

	if (!i && tree->new_pidns) {
		args.flags |= CLONE_NEWPID;
		args.set_tid_size = 0;
	}
	p = copy_process(NULL, 0, NUMA_NO_NODE, &args);
	if (IS_ERR(p))
		return ckpt_err(tree->ctx, PTR_ERR(p), "creating pid %d failed (error %ld)",
				m->e.pid, PTR_ERR(p));
	m->task = get_task_struct(p);
	m->tree = tree;
	init_task_work(&m->work, ckpt_tree_task_work);
	/* A task that has not run yet takes task work. */
	if (WARN_ON_ONCE(task_work_add(p, &m->work, TWA_RESUME))) {
		/* Dies before it reaches user space; not counted. */
		send_sig(SIGKILL, p, 1);
		wake_up_new_task(p);
		return -ESRCH;
	}
	ckpt_arch_prepare_child(p);
	if (IS_ENABLED(CONFIG_LRU_GEN_WALKS_MMU) && !thread) {
		/* As kernel_clone() does for a new mm. */
		task_lock(p);
		lru_gen_add_mm(p->mm);
		task_unlock(p);
	}
	spin_lock_irq(&tree->wq.lock);
	tree->created++;
	spin_unlock_irq(&tree->wq.lock);
	wake_up_new_task(p);
	return 0;
}

/**
 * ckpt_tree_spawn_threads() - create the other threads of the process
 * being restored
 * @ctx: restart context, past the point of no return; current is the main
 *	thread, with its new mm, files and fs_struct, and not yet its
 *	credentials (creating a thread with its tid needs the caller's)
 *
 * Each thread restores its own state in its task work, after this one's.
 * The children of the threads, which the main thread created in step 1,
 * are then given to the thread that forked them.
 *
 * Return: 0 or a negative errno, after a line.
 */
int ckpt_tree_spawn_threads(struct ckpt_ctx *ctx)
{
	struct ckpt_tree_member *m = ctx->rst->member;
	struct ckpt_tree *tree = ctx->tree;
	int t, c, ret = 0;

	if (!m || m->first_thread < 0)
		return 0;
	for (t = m->first_thread; !ret && t >= 0; t = tree->tasks[t].next_thread)
		ret = ckpt_tree_fork(tree, t);
	if (ret)
		return ret;
	write_lock_irq(&tasklist_lock);
	for (c = m->first_child; c >= 0; c = tree->tasks[c].next_sibling) {
		struct task_struct *child = tree->tasks[c].task;
		struct task_struct *p = tree->tasks[tree->tasks[c].e.parent].task;

		if (p == current)
			continue;
		child->real_parent = p;
		if (!child->ptrace)
			child->parent = p;
		list_move_tail(&child->sibling, &p->children);
	}
	write_unlock_irq(&tasklist_lock);
	return 0;
}

/*
 * Step 1, in task @i: its session or own process group, and its children.
 * A session leader forks the children born in its former session before
 * it calls setsid().
 */
static int ckpt_tree_create(struct ckpt_tree *tree, int i)
{
	struct ckpt_tree_member *m = &tree->tasks[i];
	bool leader = m->sess == i;
	sigset_t blocked;
	int c, ret = 0;

	mutex_lock(&tree->lock);
	/*
	 * No handler of the caller's, nor SA_NOCLDWAIT: zombies must stay.
	 * Every signal blocked until the image's mask is set, so that none
	 * (a child's exit signal, one sent from outside) stops or kills the
	 * task, or fails its forks, before its state is restored; its
	 * pending signals are then the image's.
	 */
	flush_signal_handlers(current, 1);
	sigfillset(&blocked);
	set_current_blocked(&blocked);
	if (m->rst && m->rst->task.flags & CKPT_TASK_CHILD_SUBREAPER)
		current->signal->is_child_subreaper = 1;
	for (c = m->first_child; leader && !ret && c >= 0; c = tree->tasks[c].next_sibling)
		if (tree->tasks[c].sess != i)
			ret = ckpt_tree_fork(tree, c);
	if (!ret && leader) {
		ret = ksys_setsid();
		if (ret > 0)
			ret = 0;
	} else if (!ret && m->pgrp == i) {
		ret = ckpt_set_pgrp(task_pid(current));
	}
	if (ret)
		ckpt_err(tree->ctx, ret, "pid %d could not take its session or group", m->e.pid);
	for (c = m->first_child; !ret && c >= 0; c = tree->tasks[c].next_sibling)
		if (!leader || tree->tasks[c].sess == i)
			ret = ckpt_tree_fork(tree, c);
	mutex_unlock(&tree->lock);
	return ret;
}

/* Step 2, in task @i: join the process group of another task, or the caller's. */
static int ckpt_tree_join(struct ckpt_tree *tree, int i)
{
	struct ckpt_tree_member *m = &tree->tasks[i];
	struct pid *pgrp;
	int ret;

	if (m->pgrp == i)
		return 0;
	pgrp = m->pgrp < 0 ? tree->outside_pgrp : task_pid(tree->tasks[m->pgrp].task);
	ret = ckpt_set_pgrp(pgrp);
	if (ret) {
		mutex_lock(&tree->lock);
		ckpt_err(tree->ctx, ret, "pid %d could not join process group %d",
			 m->e.pid, m->e.pgid);
		mutex_unlock(&tree->lock);
	}
	return ret;
}

/*
 * Before its pending signals are set, task @i waits for its zombies' exit.
 * A child's exit wakes only interruptible waiters of wait_chldexit, and
 * this task must not be interrupted but by a fatal signal: it polls.
 */
static int ckpt_tree_wait_zombies(struct ckpt_tree *tree, int i)
{
	int c;

	for (c = tree->tasks[i].first_child; c >= 0; c = tree->tasks[c].next_sibling) {
		struct task_struct *z = tree->tasks[c].task;

		if (!(tree->tasks[c].e.flags & CKPT_TREE_TASK_ZOMBIE))
			continue;
		while (!READ_ONCE(z->exit_state)) {
			if (fatal_signal_pending(current))
				return -EINTR;
			schedule_timeout_killable(1);
		}
	}
	/* exit_notify() sets exit_state and notifies under this lock. */
	read_lock(&tasklist_lock);
	read_unlock(&tasklist_lock);
	return 0;
}

/* Step 3, in task @i: its state, as restart(2) gives it to one process. */
static int ckpt_tree_apply(struct ckpt_tree *tree, int i)
{
	struct ckpt_tree_member *m = &tree->tasks[i];
	struct ckpt_ctx *ctx = tree->ctx;
	long ret;

	mutex_lock(&tree->lock);
	ctx->rst = m->rst;
	ctx->arch = m->arch;
#ifdef CONFIG_KEYS
	/* As fork() gives a new process: the caller's keyrings stay its own. */
	key_put(m->rst->cred->thread_keyring);
	m->rst->cred->thread_keyring = NULL;
	key_put(m->rst->cred->process_keyring);
	m->rst->cred->process_keyring = NULL;
#endif
	mutex_lock(&current->signal->cred_guard_mutex);
	if (m->e.flags & CKPT_TREE_TASK_THREAD)
		ret = ckpt_restore_thread(ctx);
	else
		ret = ckpt_restore_current(ctx);
	mutex_unlock(&current->signal->cred_guard_mutex);
	if (!ret) {
		ckpt_arch_restore(ctx);
		ckpt_arch_child_restored();
	} else {
		ckpt_err(ctx, ret, "pid %d could not be restored (error %ld)", m->e.pid, ret);
	}
	/* The state given is gone from @m; what is left is freed with it. */
	m->rst = ctx->rst;
	m->arch = ctx->arch;
	ctx->rst = NULL;
	ctx->arch = NULL;
	mutex_unlock(&tree->lock);
	return ret;
}

/*
 * The restore of one task of the tree, run by the task itself on its way
 * out to user space, before it runs any code of its own.
 */
static void ckpt_tree_task_work(struct callback_head *work)
{
	struct ckpt_tree_member *m = container_of(work, struct ckpt_tree_member, work);
	struct ckpt_tree *tree = m->tree;
	int i = m - tree->tasks;
	bool zombie = m->e.flags & CKPT_TREE_TASK_ZOMBIE;
	long code = m->e.exit_code;
	int ret = -EINTR;

	/* Killed before it ran: its exit runs this work. */
	if (current->flags & PF_EXITING) {
		ckpt_tree_count(tree, &tree->left, ret);
		return;
	}
	/* A thread, created in step 3, has only that step. */
	if (m->e.flags & CKPT_TREE_TASK_THREAD) {
		ret = ckpt_tree_reached_error(tree) ? -EINTR : ckpt_tree_apply(tree, i);
		ckpt_tree_count(tree, &tree->applied, ret);
		if (!ret)
			goto restored;
		goto out;
	}
	ret = ckpt_tree_create(tree, i);
	ckpt_tree_count(tree, &tree->started, ret);
	if (!ret)
		ret = ckpt_tree_wait(tree, &tree->started);
	if (!ret)
		ret = ckpt_tree_join(tree, i);
	ckpt_tree_count(tree, &tree->joined, ret);
	if (!ret)
		ret = ckpt_tree_wait(tree, &tree->joined);
	if (!ret && zombie) {
		ckpt_tree_count(tree, &tree->applied, 0);
		/* The last use of @tree: the caller may free it from now. */
		ckpt_tree_count(tree, &tree->left, 0);
		do_exit(code);
	}
	if (!ret)
		ret = ckpt_tree_wait_zombies(tree, i);
	if (!ret)
		ret = ckpt_tree_apply(tree, i);
	ckpt_tree_count(tree, &tree->applied, ret);
	if (ret)
		goto out;
restored:
	/*
	 * Restored: the tree succeeds once every task is.  A fatal signal
	 * of the image (pending, not blocked) ends this task as it would
	 * have ended the original, not the others.
	 */
	ret = ckpt_tree_wait(tree, &tree->applied);
	if (!ret)
		ret = ckpt_tree_wait_released(tree);
	if (ret == -EINTR && !ckpt_tree_reached_error(tree))
		ret = 0;
out:
	ckpt_tree_count(tree, &tree->left, ret);
	if (ret)
		force_fatal_sig(SIGKILL);
}

/* The checks of the caller's rights and of the pids, before any change. */
static int ckpt_tree_check_caller(struct ckpt_ctx *ctx, struct ckpt_tree *tree)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	unsigned int i;
	bool taken;

	for (i = tree->new_pidns ? 1 : 0; i < tree->nr; i++)
		if (tree->tasks[i].e.pid >= READ_ONCE(pid_max))
			return ckpt_err(ctx, -EINVAL, "pid %d is not below pid_max",
					tree->tasks[i].e.pid);
	if (tree->new_pidns) {
		if (!ns_capable(current_user_ns(), CAP_SYS_ADMIN))
			return ckpt_err(ctx, -EPERM,
					"restoring into a new pid namespace needs CAP_SYS_ADMIN");
		if (ns->level + 1 >= MAX_PID_NS_LEVEL)
			return ckpt_err(ctx, -ENOSPC, "pid namespaces nest too deep");
		return 0;
	}
	if (current->nsproxy->pid_ns_for_children != ns)
		return ckpt_err(ctx, -EINVAL,
				"the caller's children go to another pid namespace (unshare(CLONE_NEWPID))");
	if (!checkpoint_restore_ns_capable(ns->user_ns))
		return ckpt_err(ctx, -EPERM,
				"restoring the same pids needs CAP_CHECKPOINT_RESTORE");
	for (i = 0; i < tree->nr; i++) {
		pid_t nr = tree->tasks[i].e.pid;

		rcu_read_lock();
		taken = find_pid_ns(nr, ns);
		rcu_read_unlock();
		if (taken)
			return ckpt_err(ctx, -EBUSY, "pid %d is taken", nr);
	}
	return 0;
}

/**
 * ckpt_restart_tree() - create the tasks of the image as a child of the
 * caller
 * @ctx: restart context, every record read and checked
 *
 * Return: the pid of the root in the caller's pid namespace, or a negative
 * errno; the tasks of a tree that failed are killed and waited for.
 */
long ckpt_restart_tree(struct ckpt_ctx *ctx)
{
	struct ckpt_tree *tree = ctx->tree;
	struct task_struct *root;
	pid_t nr = 0;
	unsigned int i;
	int ret;

	ret = ckpt_tree_check_caller(ctx, tree);
	if (ret)
		return ret;
	if (fatal_signal_pending(current))
		return -EINTR;

	/* The point of no return. */
	tree->outside_pgrp = get_pid(task_pgrp(current));
	mutex_lock(&tree->lock);
	ret = ckpt_tree_fork(tree, 0);
	mutex_unlock(&tree->lock);
	if (ret)
		return ret;
	root = tree->tasks[0].task;
	nr = task_pid_vnr(root);
	if (wait_event_killable(tree->wq, ckpt_tree_reached(tree, &tree->applied))) {
		spin_lock_irq(&tree->wq.lock);
		if (!tree->error)
			tree->error = -EINTR;
		wake_up_all_locked(&tree->wq);
		spin_unlock_irq(&tree->wq.lock);
	}

	spin_lock_irq(&tree->wq.lock);
	ret = tree->error;
	spin_unlock_irq(&tree->wq.lock);
	/* Every task restored: what they share goes on, then they do. */
	if (!ret) {
		ckpt_inet_release(ctx);
		spin_lock_irq(&tree->wq.lock);
		WRITE_ONCE(tree->released, true);
		wake_up_all_locked(&tree->wq);
		spin_unlock_irq(&tree->wq.lock);
	}
	if (ret) {
		for (i = 0; i < tree->nr; i++)
			if (tree->tasks[i].task)
				send_sig(SIGKILL, tree->tasks[i].task, 1);
	}
	/* The tasks use @ctx until they leave it: wait for every one. */
	wait_event(tree->wq, ckpt_tree_all_left(tree));
	if (ret) {
		long r;

		/* Reap the root, child of the caller, and the pid it held. */
		do {
			r = kernel_wait4(nr, NULL, __WALL, NULL);
			cond_resched();
		} while (r == -ERESTARTSYS && !fatal_signal_pending(current));
		return ret;
	}
	return nr;
}

/**
 * ckpt_tree_free() - free the tree of a checkpoint or restart
 * @ctx: the context
 */
void ckpt_tree_free(struct ckpt_ctx *ctx)
{
	struct ckpt_tree *tree = ctx->tree;
	struct ckpt_restart_state *rst = ctx->rst;
	void *arch = ctx->arch;
	unsigned int i;

	if (!tree)
		return;
	ckpt_resume_posix_timers(ctx);
	for (i = 0; tree->tasks && i < tree->nr; i++) {
		struct ckpt_tree_member *m = &tree->tasks[i];

		if (m->rst) {
			ctx->rst = m->rst;
			ckpt_restart_state_free(ctx);
		}
		if (m->arch) {
			ctx->arch = m->arch;
			ckpt_arch_free(ctx);
		}
	}
	ctx->rst = rst;
	ctx->arch = arch;
	ckpt_tree_put_tasks(tree);
	put_pid(tree->outside_pgrp);
	kvfree(tree->pids);
	kfree(tree);
	ctx->tree = NULL;
}
