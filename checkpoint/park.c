// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart: the other threads of a process that checkpoints
 * itself.
 *
 * checkpoint(0) from one thread of a process with several threads saves
 * every thread, and none of the others may run meanwhile.  Each is sent a
 * task work the way a signal interrupts it (TWA_SIGNAL), and waits in it,
 * "parked", until the checkpoint is over.  The work must run in
 * get_signal(), on the way back to user space, where a stop signal would
 * stop the thread: its registers and its interrupted system call are then
 * those of a stopped thread, which checkpoint saves as it saves a stopped
 * process.  Task works also run elsewhere (with TIF_NOTIFY_SIGNAL still
 * set, since it is set before the work is queued): a work that finds
 * itself there declines and is queued again.
 *
 * The parked threads go on afterwards as after a SIGSTOP and a SIGCONT: an
 * interrupted call is restarted, but those that signal(7) lists as failing
 * with EINTR after a stop (epoll_wait(2), for one) do so.  A thread that
 * is already stopped or frozen is left so, as for any checkpoint.
 */

#include <linux/errno.h>
#include <linux/jiffies.h>
#include <linux/refcount.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/wait.h>

#include "internal.h"

/* How long the other threads have to reach a point where they can park. */
#define CKPT_PARK_TIMEOUT	(10 * HZ)

enum ckpt_park_state {
	CKPT_PARK_QUEUED,	/* its work is queued and has not run */
	CKPT_PARK_PARKED,	/* it waits in its work */
	CKPT_PARK_DECLINED,	/* its work ran elsewhere than in get_signal() */
	CKPT_PARK_EXITING,	/* it exits: its work ran then, or cannot run */
	CKPT_PARK_QUIET,	/* stopped or frozen already: nothing queued */
};

/**
 * struct ckpt_park_thread - one thread to park
 * @work: the task work it runs
 * @park: the parking it belongs to
 * @task: the thread, referenced
 * @state: an &enum ckpt_park_state
 */
struct ckpt_park_thread {
	struct callback_head work;
	struct ckpt_park *park;
	struct task_struct *task;
	int state;
};

/**
 * struct ckpt_park - the other threads of the caller, parked
 * @ref: the caller's reference and one for each queued work
 * @released: set when the checkpoint is over
 * @changes: counts the works that ran, for the caller's wait
 * @arrive: where the caller waits for the threads
 * @release: where the parked threads wait for the end
 * @nr: how many threads
 * @max: room in @threads
 * @threads: the threads
 */
struct ckpt_park {
	refcount_t ref;
	bool released;
	atomic_t changes;
	wait_queue_head_t arrive;
	wait_queue_head_t release;
	unsigned int nr;
	unsigned int max;
	struct ckpt_park_thread threads[];
};

static void ckpt_park_put(struct ckpt_park *park)
{
	unsigned int i;

	if (!refcount_dec_and_test(&park->ref))
		return;
	for (i = 0; i < park->nr; i++)
		put_task_struct(park->threads[i].task);
	kvfree(park);
}

/* Tell the caller where @pt is; a stale state is read again next round. */
static void ckpt_park_tell(struct ckpt_park_thread *pt, int state)
{
	WRITE_ONCE(pt->state, state);
	atomic_inc(&pt->park->changes);
	wake_up(&pt->park->arrive);
}

static void ckpt_park_work(struct callback_head *work)
{
	struct ckpt_park_thread *pt = container_of(work, struct ckpt_park_thread, work);
	struct ckpt_park *park = pt->park;
	bool told = false;
	DEFINE_WAIT(wait);

	if (current->flags & PF_EXITING) {
		ckpt_park_tell(pt, CKPT_PARK_EXITING);
	} else if (test_thread_flag(TIF_NOTIFY_SIGNAL)) {
		ckpt_park_tell(pt, CKPT_PARK_DECLINED);
	} else {
		/*
		 * Parked only once asleep, for wait_task_inactive(); killable
		 * only, so that no other wakeup runs it before the end, and
		 * not counted as load.
		 */
		for (;;) {
			prepare_to_wait(&park->release, &wait, TASK_KILLABLE | TASK_NOLOAD);
			if (READ_ONCE(park->released) || fatal_signal_pending(current))
				break;
			if (!told)
				ckpt_park_tell(pt, CKPT_PARK_PARKED);
			told = true;
			schedule();
		}
		finish_wait(&park->release, &wait);
	}
	ckpt_park_put(park);
}

/* Queue the work of @pt; TIF_NOTIFY_SIGNAL first, see the top. */
static int ckpt_park_queue(struct ckpt_park_thread *pt)
{
	int ret;

	refcount_inc(&pt->park->ref);
	WRITE_ONCE(pt->state, CKPT_PARK_QUEUED);
	set_notify_signal(pt->task);
	ret = task_work_add(pt->task, &pt->work, TWA_SIGNAL);
	if (ret) {
		/* It exits. */
		WRITE_ONCE(pt->state, CKPT_PARK_EXITING);
		ckpt_park_put(pt->park);
	}
	return ret;
}

/* Is @t stopped or frozen by other means? */
static bool ckpt_park_quiet(struct task_struct *t)
{
	unsigned long flags;
	bool quiet = false;

	if (lock_task_sighand(t, &flags)) {
		quiet = ckpt_task_quiet(t);
		unlock_task_sighand(t, &flags);
	}
	return quiet;
}

/* Is @t in @park? */
static bool ckpt_park_has(struct ckpt_park *park, struct task_struct *t)
{
	unsigned int i;

	for (i = 0; i < park->nr; i++)
		if (park->threads[i].task == t)
			return true;
	return false;
}

/*
 * Add the threads of current that @park does not have, and queue their
 * works.  A thread that clone(2) attaches meanwhile is found by the next
 * scan: once every thread found is parked, none can clone.
 *
 * Return: how many were added, or a negative errno after a line.
 */
static int ckpt_park_scan(struct ckpt_ctx *ctx, struct ckpt_park *park)
{
	unsigned int i, first = park->nr;
	struct task_struct *t;
	bool full = false;

	read_lock(&tasklist_lock);
	for_each_thread(current, t) {
		struct ckpt_park_thread *pt;

		if (t == current || t->exit_state || ckpt_park_has(park, t))
			continue;
		if (park->nr == park->max) {
			full = true;
			break;
		}
		pt = &park->threads[park->nr++];
		pt->task = get_task_struct(t);
		pt->park = park;
		init_task_work(&pt->work, ckpt_park_work);
	}
	read_unlock(&tasklist_lock);
	if (full)
		return ckpt_err(ctx, -EBUSY, "the threads of pid %d keep changing",
				task_tgid_vnr(current));
	for (i = first; i < park->nr; i++) {
		struct ckpt_park_thread *pt = &park->threads[i];

		/* io_uring runs task works in its waits, not only on the way out. */
		if (pt->task->flags & PF_IO_WORKER)
			return ckpt_err(ctx, -EOPNOTSUPP, "pid %d uses io_uring",
					task_tgid_vnr(current));
#ifdef CONFIG_IO_URING
		if (pt->task->io_uring)
			return ckpt_err(ctx, -EOPNOTSUPP, "pid %d uses io_uring",
					task_tgid_vnr(current));
#endif
		if (ckpt_park_quiet(pt->task))
			WRITE_ONCE(pt->state, CKPT_PARK_QUIET);
		else
			ckpt_park_queue(pt);
	}
	return park->nr - first;
}

/* Is @pt where the checkpoint can read it, or gone? */
static bool ckpt_park_settled(struct ckpt_park_thread *pt)
{
	switch (READ_ONCE(pt->state)) {
	case CKPT_PARK_DECLINED:
		if (ckpt_park_queue(pt))
			return false;
		fallthrough;
	case CKPT_PARK_QUEUED:
		return ckpt_park_quiet(pt->task);
	case CKPT_PARK_EXITING:
		/* Until it has left the thread group. */
		return READ_ONCE(pt->task->exit_state);
	default:
		return true;
	}
}

/*
 * Wait until every thread is parked, stopped, frozen or gone, scanning
 * again for threads created meanwhile.
 */
static int ckpt_park_wait(struct ckpt_ctx *ctx, struct ckpt_park *park)
{
	unsigned long end = jiffies + CKPT_PARK_TIMEOUT;
	struct task_struct *late;
	unsigned int i;
	int ret;

	for (;;) {
		int seen = atomic_read(&park->changes);

		late = NULL;
		for (i = 0; i < park->nr; i++)
			if (!ckpt_park_settled(&park->threads[i]))
				late = park->threads[i].task;
		if (!late) {
			ret = ckpt_park_scan(ctx, park);
			if (ret <= 0)
				return ret;
			continue;
		}
		if (time_after(jiffies, end))
			return ckpt_err(ctx, -EBUSY,
					"thread %d did not stop for the checkpoint in %d s",
					task_pid_vnr(late), CKPT_PARK_TIMEOUT / HZ);
		if (wait_event_killable_timeout(park->arrive,
						atomic_read(&park->changes) != seen,
						HZ / 50) < 0)
			return -EINTR;
	}
}

/**
 * ckpt_park_threads() - stop the other threads of the caller for a self
 * checkpoint
 * @ctx: checkpoint context
 *
 * Each other thread of current that is not stopped or frozen already waits
 * in a task work run from get_signal(), where its state is that of a
 * stopped thread, until ckpt_park_release().  Nothing happens for a
 * process of one thread.
 *
 * Return: 0, or a negative errno after a line: a thread that does not
 * reach that point within 10 seconds (in an uninterruptible sleep) fails
 * with -EBUSY, a thread of io_uring with -EOPNOTSUPP, and a fatal signal
 * with -EINTR.  ckpt_park_release() must be called in every case.
 */
int ckpt_park_threads(struct ckpt_ctx *ctx)
{
	struct ckpt_park *park;
	unsigned int max;
	int ret;

	if (thread_group_empty(current))
		return 0;
	max = min_t(unsigned int, get_nr_threads(current) + 64, CKPT_TREE_MAX_TASKS);
	park = kvzalloc(struct_size(park, threads, max), GFP_KERNEL);
	if (!park)
		return -ENOMEM;
	park->max = max;
	refcount_set(&park->ref, 1);
	init_waitqueue_head(&park->arrive);
	init_waitqueue_head(&park->release);
	ctx->park = park;
	ret = ckpt_park_scan(ctx, park);
	if (ret >= 0)
		ret = ckpt_park_wait(ctx, park);
	return ret;
}

/**
 * ckpt_parked() - is a thread parked for the checkpoint?
 * @ctx: checkpoint context
 * @t: the thread
 *
 * Return: true if @t waits in its task work until ckpt_park_release().
 */
bool ckpt_parked(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct ckpt_park *park = ctx->park;
	unsigned int i;

	for (i = 0; park && i < park->nr; i++)
		if (park->threads[i].task == t)
			return READ_ONCE(park->threads[i].state) == CKPT_PARK_PARKED;
	return false;
}

/**
 * ckpt_park_release() - let the threads that ckpt_park_threads() parked go
 * @ctx: checkpoint context
 *
 * Works not run yet are cancelled.
 */
void ckpt_park_release(struct ckpt_ctx *ctx)
{
	struct ckpt_park *park = ctx->park;
	unsigned int i;

	if (!park)
		return;
	ctx->park = NULL;
	WRITE_ONCE(park->released, true);
	wake_up_all(&park->release);
	for (i = 0; i < park->nr; i++) {
		struct ckpt_park_thread *pt = &park->threads[i];

		if (READ_ONCE(pt->state) == CKPT_PARK_QUEUED &&
		    task_work_cancel(pt->task, &pt->work))
			ckpt_park_put(park);
	}
	ckpt_park_put(park);
}
