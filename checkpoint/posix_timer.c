// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of the POSIX timers of a process (timer_create(2)):
 * one POSIX_TIMERS record per process that has or had a timer, after its
 * SIGHAND record, with each timer's id, clock, notification, expiry,
 * period and overrun counts, and the id the next timer_create(2) tries.
 *
 * A timer's signal still queued is saved where it is, in the SIGPENDING
 * record of the thread or of the process, marked as the timer's own
 * (CKPT_SIGPENDING_TIMER): restart queues the timer's preallocated signal
 * there again, so that its delivery re-arms a periodic timer and reports
 * the overruns as it would have.  While the tree is checkpointed, its
 * timers are kept from expiring (posix_timer_pause()), so that the timers
 * and the signals they queued are read in one state; a timer whose expiry
 * passes meanwhile expires at the end, when its process is still stopped.
 *
 * The times follow the rules of the restart blocks: a relative timer
 * expires the time it had left at checkpoint after restart, the time in
 * between does not count; an absolute timer keeps its deadline.  The
 * kernel keeps how a timer was armed for CLOCK_REALTIME only: a
 * CLOCK_REALTIME timer armed with TIMER_ABSTIME keeps its deadline, a
 * CLOCK_TAI timer too (the kernel runs it on the wall clock however it
 * was armed), and a CLOCK_MONOTONIC or CLOCK_BOOTTIME timer the time it
 * had left (the two ways to arm those cannot be told apart while the
 * timer runs, and a deadline on those clocks means nothing on another
 * boot).  Time namespaces do not shift CLOCK_REALTIME nor CLOCK_TAI.
 * The timers are created after the dispositions and before the pending
 * signals, and start to run once every thread of the process has its
 * pending signals: nothing they queue is lost or comes before the
 * signals of the image.
 *
 * A timer on the CPU-time clock of its process or of one of its threads
 * (CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID, clock_getcpuclockid())
 * keeps the CPU time it had left: the CPU time of the restarted process
 * starts again from what the restart gave it, the timer counts from
 * there.  Its clock does not run while the process is stopped: it is not
 * paused.  Timers on the CPU-time clock of another process, and on an
 * alarm clock, are refused with a line.  Built with CONFIG_POSIX_TIMERS.
 */

#include <linux/err.h>
#include <linux/posix-timers.h>
#include <linux/posix-timers_checkpoint.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "internal.h"

#ifdef CONFIG_POSIX_TIMERS

/**
 * struct ckpt_timer_ref - a timer of the tree, kept from expiring
 * @sig: the signal_struct of its process, which a task of the tree holds
 * @id: the timer
 * @running: posix_timer_pause() stopped it: it must run again at the end
 */
struct ckpt_timer_ref {
	struct signal_struct *sig;
	timer_t id;
	bool running;
};

/* Whether @notify is one timer_create(2) accepts. */
static bool ckpt_timer_notify_ok(s32 notify)
{
	return notify == SIGEV_SIGNAL || notify == SIGEV_NONE ||
	       notify == SIGEV_THREAD || notify == (SIGEV_SIGNAL | SIGEV_THREAD_ID);
}

/*
 * Does timer @timr of @t's process, on a CPU-time clock, count the CPU time
 * of that process or of one of its threads?  The sighand lock is held.
 */
static bool ckpt_timer_cpu_own(struct k_itimer *timr, struct task_struct *t)
{
	struct task_struct *p;
	bool own;

	if (!CPUCLOCK_PERTHREAD(timr->it_clock))
		return timr->it.cpu.pid == task_tgid(t);
	rcu_read_lock();
	p = pid_task(timr->it.cpu.pid, PIDTYPE_PID);
	own = p && same_thread_group(p, t);
	rcu_read_unlock();
	return own;
}

/**
 * ckpt_check_posix_timers() - refuse a process with a timer an image
 * cannot hold
 * @ctx: checkpoint context
 * @t: a task of the tree
 *
 * Return: 0, or -EOPNOTSUPP after a line naming the timer and its clock.
 */
int ckpt_check_posix_timers(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct k_itimer *timr;
	unsigned long flags;
	clockid_t clock = 0;
	timer_t id = 0;
	bool bad = false;

	if (!lock_task_sighand(t, &flags))
		return 0;
	hlist_for_each_entry(timr, &t->signal->posix_timers, list) {
		if (!posix_timer_clock_supported(timr->it_clock) ||
		    !ckpt_timer_notify_ok(timr->it_sigev_notify) ||
		    (timr->it_clock < 0 && !ckpt_timer_cpu_own(timr, t))) {
			bad = true;
			clock = timr->it_clock;
			id = timr->it_id;
			break;
		}
	}
	unlock_task_sighand(t, &flags);
	if (!bad)
		return 0;
	if (clock < 0)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d has POSIX timer %d on the CPU-time clock of another process (clock %d), not supported",
				task_pid_vnr(t), id, clock);
	if (clock == CLOCK_REALTIME_ALARM || clock == CLOCK_BOOTTIME_ALARM)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d has POSIX timer %d on alarm clock %d, not supported",
				task_pid_vnr(t), id, clock);
	return ckpt_err(ctx, -EOPNOTSUPP, "pid %d has POSIX timer %d on clock %d, not supported",
			task_pid_vnr(t), id, clock);
}

/* A timer that went away while the tree is stopped: its process ran. */
static int ckpt_timer_gone(struct ckpt_ctx *ctx, struct task_struct *t, timer_t id)
{
	return ckpt_err(ctx, -EBUSY, "pid %d deleted POSIX timer %d during the checkpoint",
			task_pid_vnr(t), id);
}

/* The ids of the timers of @t's process, into @ids (room for @max). */
static unsigned int ckpt_timer_ids(struct task_struct *t, timer_t *ids, unsigned int max)
{
	struct k_itimer *timr;
	unsigned long flags;
	unsigned int n = 0;

	if (!lock_task_sighand(t, &flags))
		return 0;
	hlist_for_each_entry(timr, &t->signal->posix_timers, list) {
		if (n < max)
			ids[n] = timr->it_id;
		n++;
	}
	unlock_task_sighand(t, &flags);
	return n;
}

/* Add the timers of the process of @t to ctx->timers and pause them. */
static int ckpt_pause_process(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct ckpt_timer_ref *refs;
	unsigned int n, max = 0, i;
	timer_t *ids = NULL;
	int ret = 0;

	for (;;) {
		n = ckpt_timer_ids(t, ids, max);
		if (n <= max)
			break;
		/* Stopped, it creates none; a second count can only shrink. */
		kvfree(ids);
		max = n;
		ids = kvmalloc_array(max, sizeof(*ids), GFP_KERNEL);
		if (!ids)
			return -ENOMEM;
	}
	if (!n)
		goto out;
	refs = kvrealloc(ctx->timers, (ctx->nr_timers + n) * sizeof(*refs), GFP_KERNEL);
	if (!refs) {
		kvfree(ids);
		return -ENOMEM;
	}
	ctx->timers = refs;
	for (i = 0; i < n; i++) {
		struct ckpt_timer_ref *r = &refs[ctx->nr_timers];

		ret = posix_timer_pause(t->signal, ids[i]);
		if (ret == -ENOENT)
			ret = ckpt_timer_gone(ctx, t, ids[i]);
		if (ret < 0)
			break;
		r->sig = t->signal;
		r->id = ids[i];
		r->running = ret;
		ctx->nr_timers++;
		ret = 0;
	}
out:
	kvfree(ids);
	return ret;
}

/**
 * ckpt_pause_posix_timers() - keep the timers of the tree from expiring
 * until the checkpoint ends
 * @ctx: checkpoint context, the tree collected and checked
 *
 * ckpt_resume_posix_timers() starts them again.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_pause_posix_timers(struct ckpt_ctx *ctx)
{
	struct ckpt_tree *tree = ctx->tree;
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < tree->nr; i++) {
		const struct ckpt_tree_member *m = &tree->tasks[i];

		if (!(m->e.flags & (CKPT_TREE_TASK_ZOMBIE | CKPT_TREE_TASK_THREAD)))
			ret = ckpt_pause_process(ctx, m->task);
	}
	return ret;
}

/**
 * ckpt_resume_posix_timers() - let the timers ckpt_pause_posix_timers()
 * paused run again
 * @ctx: checkpoint context, the tasks of the tree still referenced
 */
void ckpt_resume_posix_timers(struct ckpt_ctx *ctx)
{
	unsigned int i;

	for (i = 0; i < ctx->nr_timers; i++)
		if (ctx->timers[i].running)
			posix_timer_resume(ctx->timers[i].sig, ctx->timers[i].id);
	kvfree(ctx->timers);
	ctx->timers = NULL;
	ctx->nr_timers = 0;
}

/* The pid in the image of the thread of @t's process that @pid names, or 0. */
static pid_t ckpt_timer_thread(struct ckpt_ctx *ctx, struct task_struct *t, struct pid *pid)
{
	struct ckpt_tree *tree = ctx->tree;
	unsigned int i;

	for (i = 0; i < tree->nr; i++) {
		const struct ckpt_tree_member *m = &tree->tasks[i];

		if (!(m->e.flags & CKPT_TREE_TASK_ZOMBIE) && task_pid(m->task) == pid &&
		    same_thread_group(m->task, t))
			return m->e.pid;
	}
	return 0;
}

/* Fill @e from the state of timer @r of @t's process. */
static int ckpt_save_timer(struct ckpt_ctx *ctx, struct task_struct *t,
			   const struct ckpt_timer_ref *r, struct ckpt_posix_timer *e)
{
	struct posix_timer_state st;
	int ret;

	ret = posix_timer_get_state(r->sig, r->id, &st);
	if (ret == -ENOENT)
		return ckpt_timer_gone(ctx, t, r->id);
	if (ret)
		return ret;
	e->id = st.id;
	e->clockid = st.clock;
	e->notify = st.sigev_notify;
	e->signo = st.signo;
	if (st.sigev_notify & SIGEV_THREAD_ID) {
		e->tid = ckpt_timer_thread(ctx, t, st.pid);
		if (!e->tid)
			ret = ckpt_err(ctx, -EOPNOTSUPP,
				       "pid %d has POSIX timer %d whose thread exited, not supported",
				       task_pid_vnr(t), st.id);
	}
	if (st.clock < 0 && CPUCLOCK_PERTHREAD(st.clock)) {
		e->cpu_tid = ckpt_timer_thread(ctx, t, st.cpu_pid);
		if (!e->cpu_tid && !ret)
			ret = ckpt_err(ctx, -EOPNOTSUPP,
				       "pid %d has POSIX timer %d on the CPU-time clock of a thread that exited, not supported",
				       task_pid_vnr(t), st.id);
	}
	if (st.clock < 0 && CPUCLOCK_PID(st.clock))
		e->flags |= CKPT_POSIX_TIMER_CLOCK_PID;
	put_pid(st.pid);
	put_pid(st.cpu_pid);
	if (ret)
		return ret;
	e->value = (u64)(unsigned long)st.value.sival_ptr;
	if (st.absolute) {
		e->flags |= CKPT_POSIX_TIMER_ABSTIME;
		e->value_ns = st.expires;
	} else {
		e->value_ns = ktime_sub(st.expires, st.now);
	}
	if (st.active)
		e->flags |= CKPT_POSIX_TIMER_ACTIVE;
	if (r->running)
		e->flags |= CKPT_POSIX_TIMER_RUNNING;
	e->interval_ns = st.interval;
	e->overrun = st.overrun;
	e->overrun_last = st.overrun_last;
	e->requeue = st.requeue_pending;
	return 0;
}

/**
 * ckpt_write_posix_timers() - write the POSIX_TIMERS record of a process
 * @ctx: checkpoint context, the timers paused
 * @t: its main thread
 *
 * Nothing is written for a process that never had a timer.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_write_posix_timers(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct ckpt_hdr_posix_timers *h;
	unsigned int i, n = 0;
	u32 next_id;
	int ret = 0;

	BUILD_BUG_ON(sizeof(*h) != 16);
	BUILD_BUG_ON(sizeof(struct ckpt_posix_timer) != 72);
	for (i = 0; i < ctx->nr_timers; i++)
		n += ctx->timers[i].sig == t->signal;
	next_id = READ_ONCE(t->signal->next_posix_timer_id);
	if (!n && !next_id)
		return 0;
	h = kvzalloc(struct_size(h, timers, n), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	h->next_id = next_id;
	for (i = 0; !ret && i < ctx->nr_timers; i++)
		if (ctx->timers[i].sig == t->signal)
			ret = ckpt_save_timer(ctx, t, &ctx->timers[i], &h->timers[h->nr++]);
	if (!ret)
		ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_POSIX_TIMERS, struct_size(h, timers, n));
	kvfree(h);
	return ret;
}

/* The checks of one timer of the record, against the tree. */
static int ckpt_check_timer(struct ckpt_ctx *ctx, const struct ckpt_hdr_posix_timers *h,
			    u32 i)
{
	const struct ckpt_posix_timer *e = &h->timers[i];
	struct ckpt_tree_member *m = ctx->rst->member;
	u32 j;

	if (e->id < 0 || !posix_timer_clock_supported(e->clockid) ||
	    !ckpt_timer_notify_ok(e->notify) || e->flags & ~CKPT_POSIX_TIMER_FLAGS_ALL ||
	    e->interval_ns < 0 || e->overrun < -1 || e->overrun_last < -1 ||
	    e->value_ns < -KTIME_MAX / 4 || e->value_ns > KTIME_MAX / 4 ||
	    e->interval_ns > KTIME_MAX / 4 ||
	    (e->flags & CKPT_POSIX_TIMER_ABSTIME && e->value_ns < 0) ||
	    (e->notify == SIGEV_NONE && e->flags & CKPT_POSIX_TIMER_RUNNING) ||
	    (e->notify != SIGEV_NONE && (e->signo <= 0 || e->signo > SIGRTMAX)))
		return ckpt_err(ctx, -EINVAL, "malformed POSIX timer %d", e->id);
	if (e->notify & SIGEV_THREAD_ID ?
	    !m || ckpt_tree_thread(ctx, m, e->tid) < 0 : e->tid)
		return ckpt_err(ctx, -EINVAL,
				"POSIX timer %d signals %d, not a thread of its process",
				e->id, e->tid);
	/* A CPU-time clock: the CPU time left, of the process or a thread of it. */
	if (e->clockid < 0 ?
	    e->value_ns < 0 || e->flags & CKPT_POSIX_TIMER_ABSTIME ||
	    !CPUCLOCK_PID(e->clockid) != !(e->flags & CKPT_POSIX_TIMER_CLOCK_PID) ||
	    (CPUCLOCK_PERTHREAD(e->clockid) ?
	     !m || ckpt_tree_thread(ctx, m, e->cpu_tid) < 0 : e->cpu_tid) :
	    e->cpu_tid || e->flags & CKPT_POSIX_TIMER_CLOCK_PID)
		return ckpt_err(ctx, -EINVAL,
				"malformed POSIX timer %d (its CPU-time clock %d, thread %d)",
				e->id, e->clockid, e->cpu_tid);
	for (j = 0; j < i; j++)
		if (h->timers[j].id == e->id)
			return ckpt_err(ctx, -EINVAL, "POSIX timer %d is in the image twice",
					e->id);
	return 0;
}

/**
 * ckpt_read_posix_timers() - read and check the POSIX_TIMERS record of a
 * process, if it has one
 * @ctx: restart context, after the SIGHAND record of a main thread
 *
 * Return: 0 or a negative errno, logged.
 */
int ckpt_read_posix_timers(struct ckpt_ctx *ctx)
{
	struct ckpt_restart_state *rst = ctx->rst;
	struct ckpt_hdr_posix_timers *h;
	struct ckpt_hdr hdr;
	u32 i;
	int ret;

	ret = ckpt_read_hdr(ctx, &hdr);
	if (ret)
		return ret;
	if (hdr.type != CKPT_HDR_POSIX_TIMERS) {
		ckpt_unread_hdr(ctx, &hdr);
		return 0;
	}
	h = ckpt_read_rest(ctx, &hdr, CKPT_HDR_POSIX_TIMERS, sizeof(*h), 1 << 20);
	if (IS_ERR(h))
		return PTR_ERR(h);
	rst->timers = h;
	if (h->h.len != struct_size(h, timers, h->nr) || h->next_id > INT_MAX)
		return ckpt_err(ctx, -EINVAL, "malformed POSIX timers record");
	for (i = 0; i < h->nr; i++) {
		ret = ckpt_check_timer(ctx, h, i);
		if (ret)
			return ret;
	}
	rst->timer_queued = kcalloc(h->nr, sizeof(*rst->timer_queued), GFP_KERNEL);
	rst->timer_alloc = kcalloc(h->nr, sizeof(*rst->timer_alloc), GFP_KERNEL);
	if (!rst->timer_queued || !rst->timer_alloc)
		return -ENOMEM;
	/* Charged to the caller, within its RLIMIT_SIGPENDING, as timer_create(2). */
	for (i = 0; i < h->nr; i++) {
		struct k_itimer *timr = posix_timer_alloc();

		if (IS_ERR(timr))
			return ckpt_err(ctx, PTR_ERR(timr),
					"cannot allocate %u POSIX timers: RLIMIT_SIGPENDING or memory",
					h->nr);
		rst->timer_alloc[i] = timr;
	}
	return 0;
}

/* The state of the process whose thread restart reads, or NULL. */
static struct ckpt_restart_state *ckpt_process_rst(struct ckpt_ctx *ctx)
{
	struct ckpt_tree_member *m = ctx->rst->member;

	if (!ctx->rst->thread)
		return ctx->rst;
	return m ? ctx->tree->tasks[m->e.parent].rst : NULL;
}

/**
 * ckpt_check_timer_signal() - check a pending signal the image says a
 * POSIX timer of the process queued
 * @ctx: restart context, reading the SIGPENDING record of a task
 * @e: the signal, with %CKPT_SIGPENDING_TIMER
 *
 * The timer must be one of the process, with that signal, pending where
 * its notification sends it, and queued once.
 *
 * Return: 0, or -EINVAL after a line.
 */
int ckpt_check_timer_signal(struct ckpt_ctx *ctx, const struct ckpt_sigpending_entry *e)
{
	const kernel_siginfo_t *ki = (const void *)e->info;
	struct ckpt_restart_state *prst = ckpt_process_rst(ctx);
	const struct ckpt_hdr_posix_timers *h = prst ? prst->timers : NULL;
	u32 i;

	for (i = 0; h && i < h->nr; i++) {
		const struct ckpt_posix_timer *t = &h->timers[i];
		bool thread = t->notify & SIGEV_THREAD_ID;

		if (t->id != ki->si_tid)
			continue;
		if (ki->si_code != SI_TIMER || t->notify == SIGEV_NONE || t->signo != e->signo ||
		    thread == !!(e->flags & CKPT_SIGPENDING_SHARED) || prst->timer_queued[i])
			break;
		prst->timer_queued[i] = true;
		return 0;
	}
	return ckpt_err(ctx, -EINVAL, "pending signal %u of POSIX timer %d does not match a timer",
			e->signo, ki->si_tid);
}

/* The pid of thread @tid of the process of @m, current or another. */
static struct pid *ckpt_timer_task_pid(struct ckpt_ctx *ctx, struct ckpt_tree_member *m,
				       pid_t tid)
{
	int t = ckpt_tree_thread(ctx, m, tid);

	return t == m - ctx->tree->tasks ? task_pid(current) : task_pid(ctx->tree->tasks[t].task);
}

/*
 * The CPU-time clock of timer @e of current's process: that of a thread
 * of it, or of the process, named by its pid again if it was.
 */
static void ckpt_timer_cpu_clock(struct ckpt_ctx *ctx, struct ckpt_tree_member *m,
				 const struct ckpt_posix_timer *e, struct posix_timer_state *st)
{
	clockid_t which = e->clockid & (CPUCLOCK_PERTHREAD_MASK | CPUCLOCK_CLOCK_MASK);
	pid_t nr;

	if (CPUCLOCK_PERTHREAD(e->clockid))
		st->cpu_pid = ckpt_timer_task_pid(ctx, m, e->cpu_tid);
	if (!(e->flags & CKPT_POSIX_TIMER_CLOCK_PID))
		return;
	nr = st->cpu_pid ? pid_vnr(st->cpu_pid) : task_tgid_vnr(current);
	st->clock = make_process_cpuclock(nr, which);
}

/**
 * ckpt_restore_posix_timers() - give current's process its timers, not
 * running yet
 * @ctx: restart context, past the point of no return, in the main thread,
 *	the dispositions set, the pending signals not yet
 *
 * Return: 0, or a negative errno the checks before make impossible.
 */
int ckpt_restore_posix_timers(struct ckpt_ctx *ctx)
{
	struct ckpt_restart_state *rst = ctx->rst;
	const struct ckpt_hdr_posix_timers *h = rst->timers;
	struct ckpt_tree_member *m = rst->member;
	int i, ret;

	if (!h)
		return 0;
	/* Oldest first: each is added at the head of the process's list. */
	for (i = h->nr - 1; i >= 0; i--) {
		const struct ckpt_posix_timer *e = &h->timers[i];
		struct posix_timer_state st = {
			.id = e->id,
			.clock = e->clockid,
			.sigev_notify = e->notify,
			.signo = e->signo,
			.value.sival_ptr = (void __user *)(unsigned long)e->value,
			.pid = task_tgid(current),
			.interval = e->interval_ns,
			.overrun = e->overrun,
			.overrun_last = e->overrun_last,
			.requeue_pending = e->requeue,
			.active = e->flags & CKPT_POSIX_TIMER_ACTIVE,
			.absolute = e->flags & CKPT_POSIX_TIMER_ABSTIME,
		};

		if (e->notify & SIGEV_THREAD_ID)
			st.pid = ckpt_timer_task_pid(ctx, m, e->tid);
		if (e->clockid < 0)
			ckpt_timer_cpu_clock(ctx, m, e, &st);
		st.expires = e->value_ns;
		/* Checked and allocated before the point of no return: it cannot fail. */
		ret = posix_timer_restore(rst->timer_alloc[i], &st);
		rst->timer_alloc[i] = NULL;
		if (ret)
			return ret;
	}
	current->signal->next_posix_timer_id = h->next_id;
	rst->timer_threads = 0;
	if (m)
		for (i = m->first_thread; i >= 0; i = ctx->tree->tasks[i].next_thread)
			rst->timer_threads++;
	return 0;
}

/**
 * ckpt_start_posix_timers() - start the timers of current's process that
 * ran, once the last of its threads has its pending signals
 * @ctx: restart context, past the point of no return, at the end of the
 *	restore of the signals of a thread of the process
 */
void ckpt_start_posix_timers(struct ckpt_ctx *ctx)
{
	struct ckpt_restart_state *prst = ckpt_process_rst(ctx);
	const struct ckpt_hdr_posix_timers *h = prst ? prst->timers : NULL;
	u32 i;

	if (!h)
		return;
	if (ctx->rst->thread && prst->timer_threads)
		prst->timer_threads--;
	if (prst->timer_threads)
		return;
	for (i = 0; i < h->nr; i++)
		if (h->timers[i].flags & CKPT_POSIX_TIMER_RUNNING)
			posix_timer_resume(current->signal, h->timers[i].id);
}

/**
 * ckpt_posix_timers_free() - drop the timers restart read
 * @rst: the state of a task
 */
void ckpt_posix_timers_free(struct ckpt_restart_state *rst)
{
	u32 i;

	for (i = 0; rst->timer_alloc && i < rst->timers->nr; i++)
		if (rst->timer_alloc[i])
			posix_timer_discard(rst->timer_alloc[i]);
	kfree(rst->timer_alloc);
	kvfree(rst->timers);
	kfree(rst->timer_queued);
}

#else /* !CONFIG_POSIX_TIMERS */

int ckpt_check_posix_timers(struct ckpt_ctx *ctx, struct task_struct *t)
{
	return 0;
}

int ckpt_pause_posix_timers(struct ckpt_ctx *ctx)
{
	return 0;
}

void ckpt_resume_posix_timers(struct ckpt_ctx *ctx)
{
}

int ckpt_write_posix_timers(struct ckpt_ctx *ctx, struct task_struct *t)
{
	return 0;
}

int ckpt_read_posix_timers(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr h;
	int ret = ckpt_read_hdr(ctx, &h);

	if (ret)
		return ret;
	if (h.type == CKPT_HDR_POSIX_TIMERS)
		return ckpt_err(ctx, -ENOEXEC,
				"the image has POSIX timers, which this kernel lacks");
	ckpt_unread_hdr(ctx, &h);
	return 0;
}

int ckpt_check_timer_signal(struct ckpt_ctx *ctx, const struct ckpt_sigpending_entry *e)
{
	return ckpt_err(ctx, -EINVAL, "pending signal %u of a POSIX timer, which this kernel lacks",
			e->signo);
}

int ckpt_restore_posix_timers(struct ckpt_ctx *ctx)
{
	return 0;
}

void ckpt_start_posix_timers(struct ckpt_ctx *ctx)
{
}

void ckpt_posix_timers_free(struct ckpt_restart_state *rst)
{
}

#endif /* CONFIG_POSIX_TIMERS */
