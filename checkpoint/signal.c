// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of the task record and of signals: dispositions,
 * blocked and pending signals with their siginfo, the alternate signal
 * stack, interval timers and resource limits.
 *
 * Pending signals are queued again at restart to the restarted process
 * itself, which may send itself any siginfo: they grant nothing.
 */

#include <linux/compat.h>
#include <linux/mutex.h>
#include <linux/oom.h>
#include <linux/err.h>
#include <linux/futex.h>
#include <linux/posix-timers.h>
#include <linux/posix-timers_checkpoint.h>
#include <linux/resource.h>
#include <linux/rseq.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/time.h>
#include <uapi/linux/rseq.h>

#include "internal.h"

static u64 ckpt_sigset_to_u64(const sigset_t *set)
{
#if _NSIG_WORDS == 1
	return set->sig[0];
#else
	return set->sig[0] | (u64)set->sig[1] << 32;
#endif
}

static void ckpt_u64_to_sigset(u64 v, sigset_t *set)
{
	sigemptyset(set);
	set->sig[0] = v;
#if _NSIG_WORDS > 1
	set->sig[1] = v >> 32;
#endif
}

static void ckpt_write_itimers(struct task_struct *t, struct ckpt_hdr_task *h)
{
	struct itimerspec64 v = { };
	int i;

	for (i = 0; i < ARRAY_SIZE(h->itimer); i++) {
#ifdef CONFIG_POSIX_TIMERS
		itimer_get_task(t, i, &v);
#endif
		h->itimer[i].value_ns = timespec64_to_ns(&v.it_value);
		h->itimer[i].interval_ns = timespec64_to_ns(&v.it_interval);
	}
}

/**
 * ckpt_write_task() - write the TASK and AFFINITY records
 * @ctx: checkpoint context
 * @t: the task
 *
 * Return: 0 or a negative errno.
 */
int ckpt_write_task(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct ckpt_hdr_task h = { };
	int ret;

	BUILD_BUG_ON(sizeof(h) != 464);
	BUILD_BUG_ON(TASK_COMM_LEN != CKPT_COMM_LEN);
	BUILD_BUG_ON(RLIM_NLIMITS != CKPT_RLIM_NLIMITS);
	BUILD_BUG_ON(_NSIG != CKPT_NSIG);
	BUILD_BUG_ON(ITIMER_REAL != 0 || ITIMER_VIRTUAL != 1 || ITIMER_PROF != 2);

	get_task_comm(h.comm, t);
	h.personality = t->personality;
	if (task_no_new_privs(t))
		h.flags |= CKPT_TASK_NO_NEW_PRIVS;
	if (test_tsk_restore_sigmask(t))
		h.flags |= CKPT_TASK_RESTORE_SIGMASK;
	if (t->signal->is_child_subreaper)
		h.flags |= CKPT_TASK_CHILD_SUBREAPER;
	h.pdeath_signal = t->pdeath_signal;
	h.oom_score_adj = READ_ONCE(t->signal->oom_score_adj);
	h.oom_score_adj_min = READ_ONCE(t->signal->oom_score_adj_min);
	h.timer_slack_ns = READ_ONCE(t->timer_slack_ns);
	h.default_timer_slack_ns = READ_ONCE(t->default_timer_slack_ns);
	ret = ckpt_write_sched(ctx, t, &h);
	if (ret)
		return ret;
	h.set_child_tid = (unsigned long)t->set_child_tid;
	h.clear_child_tid = (unsigned long)t->clear_child_tid;
#ifdef CONFIG_FUTEX
	h.robust_list = (unsigned long)t->robust_list;
	if (t->robust_list)
		h.robust_list_len = sizeof(*t->robust_list);
#ifdef CONFIG_COMPAT
	if (t->compat_robust_list)
		return ckpt_err(ctx, -EOPNOTSUPP, "pid %d has a compat robust list",
				task_pid_vnr(t));
#endif
#endif
	h.sas_ss_sp = t->sas_ss_sp;
	h.sas_ss_size = t->sas_ss_size;
	h.sas_ss_flags = t->sas_ss_flags;
	h.blocked = ckpt_sigset_to_u64(&t->blocked);
	h.saved_sigmask = ckpt_sigset_to_u64(&t->saved_sigmask);
#ifdef CONFIG_RSEQ
	h.rseq = (unsigned long)t->rseq;
	h.rseq_len = t->rseq_len;
	h.rseq_sig = t->rseq_sig;
#endif
	ckpt_write_itimers(t, &h);
	task_lock(t->group_leader);
	for (int i = 0; i < RLIM_NLIMITS; i++) {
		struct rlimit *r = &t->signal->rlim[i];

		h.rlim[i].cur = r->rlim_cur == RLIM_INFINITY ? ~0ULL : r->rlim_cur;
		h.rlim[i].max = r->rlim_max == RLIM_INFINITY ? ~0ULL : r->rlim_max;
	}
	task_unlock(t->group_leader);
	ret = ckpt_write_obj(ctx, &h.h, CKPT_HDR_TASK, sizeof(h));
	if (!ret)
		ret = ckpt_write_affinity(ctx, t);
	return ret ?: ckpt_write_seccomp(ctx, t);
}

static int ckpt_read_rlimits(struct ckpt_ctx *ctx, struct ckpt_hdr_task *h)
{
	unsigned long cur, max, old_max;
	int i;

	for (i = 0; i < RLIM_NLIMITS; i++) {
		cur = h->rlim[i].cur == ~0ULL ? RLIM_INFINITY : h->rlim[i].cur;
		max = h->rlim[i].max == ~0ULL ? RLIM_INFINITY : h->rlim[i].max;
		if (cur != h->rlim[i].cur && h->rlim[i].cur != ~0ULL)
			cur = RLIM_INFINITY - 1;
		if (max != h->rlim[i].max && h->rlim[i].max != ~0ULL)
			max = RLIM_INFINITY - 1;
		if (cur > max)
			return ckpt_err(ctx, -EINVAL,
					"resource limit %d: soft limit above the hard limit", i);
		if (i == RLIMIT_NOFILE && max > sysctl_nr_open)
			return ckpt_err(ctx, -EPERM,
					"RLIMIT_NOFILE %lu exceeds fs.nr_open", max);
		task_lock(current->group_leader);
		old_max = current->signal->rlim[i].rlim_max;
		task_unlock(current->group_leader);
		if (max > old_max && !capable(CAP_SYS_RESOURCE))
			return ckpt_err(ctx, -EPERM,
					"resource limit %d: hard limit %lu exceeds the caller's %lu",
					i, max, old_max);
	}
	return 0;
}

/*
 * The OOM score adjustment as /proc/PID/oom_score_adj takes it: below the
 * caller's own floor needs CAP_SYS_RESOURCE.
 */
static int ckpt_check_oom_score_adj(struct ckpt_ctx *ctx, const struct ckpt_hdr_task *h)
{
	short floor = READ_ONCE(current->signal->oom_score_adj_min);

	if (h->oom_score_adj < OOM_SCORE_ADJ_MIN || h->oom_score_adj > OOM_SCORE_ADJ_MAX ||
	    h->oom_score_adj_min < OOM_SCORE_ADJ_MIN ||
	    h->oom_score_adj_min > h->oom_score_adj)
		return ckpt_err(ctx, -EINVAL, "bad OOM score adjustment %d (floor %d)",
				h->oom_score_adj, h->oom_score_adj_min);
	if (h->oom_score_adj_min < floor && !capable(CAP_SYS_RESOURCE))
		return ckpt_err(ctx, -EPERM,
				"the image's OOM score adjustment %d is below the caller's %d",
				h->oom_score_adj_min, floor);
	return 0;
}

/**
 * ckpt_read_task() - read and check the TASK record
 * @ctx: restart context
 *
 * Return: 0 or a negative errno.
 */
int ckpt_read_task(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_task *h = &ctx->rst->task;
	int ret, i;

	ret = ckpt_read_obj(ctx, &h->h, CKPT_HDR_TASK, sizeof(*h));
	if (ret)
		return ret;
	if (strnlen(h->comm, sizeof(h->comm)) == sizeof(h->comm) ||
	    h->flags & ~CKPT_TASK_FLAGS_ALL || h->__reserved)
		return ckpt_err(ctx, -EINVAL, "malformed task record");
	if (task_no_new_privs(current) && !(h->flags & CKPT_TASK_NO_NEW_PRIVS))
		return ckpt_err(ctx, -EPERM,
				"the caller has no_new_privs and the image does not");
	if ((h->robust_list && h->robust_list_len != sizeof(struct robust_list_head)) ||
	    (!h->robust_list && h->robust_list_len))
		return ckpt_err(ctx, -EINVAL, "bad robust list length %llu",
				h->robust_list_len);
	if ((h->sas_ss_flags & ~SS_FLAG_BITS) > SS_DISABLE ||
	    (h->sas_ss_size && h->sas_ss_sp + h->sas_ss_size < h->sas_ss_sp))
		return ckpt_err(ctx, -EINVAL, "bad alternate signal stack");
	if (h->rseq && (h->rseq_len < offsetofend(struct rseq, flags) ||
			!IS_ALIGNED(h->rseq, __alignof__(struct rseq)) ||
			h->rseq >= TASK_SIZE))
		return ckpt_err(ctx, -EINVAL, "bad rseq area %#llx", h->rseq);
#ifndef CONFIG_RSEQ
	if (h->rseq)
		return ckpt_err(ctx, -ENOEXEC, "the image uses rseq, which this kernel lacks");
#endif
	for (i = 0; i < ARRAY_SIZE(h->itimer); i++)
		if (!IS_ENABLED(CONFIG_POSIX_TIMERS) &&
		    (h->itimer[i].value_ns || h->itimer[i].interval_ns))
			return ckpt_err(ctx, -ENOEXEC,
					"the image uses interval timers, which this kernel lacks");
	if (h->pdeath_signal && !valid_signal(h->pdeath_signal))
		return ckpt_err(ctx, -EINVAL, "bad parent death signal %u", h->pdeath_signal);
	if (h->timer_slack_ns > ULONG_MAX || h->default_timer_slack_ns > ULONG_MAX)
		return ckpt_err(ctx, -EINVAL, "bad timer slack");
	ret = ckpt_check_oom_score_adj(ctx, h);
	if (!ret)
		ret = ckpt_check_sched(ctx, h);
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(h->itimer); i++)
		if (h->itimer[i].value_ns > KTIME_SEC_MAX * NSEC_PER_SEC ||
		    h->itimer[i].interval_ns > KTIME_SEC_MAX * NSEC_PER_SEC)
			return ckpt_err(ctx, -EINVAL, "bad interval timer %d", i);
	ret = ckpt_read_rlimits(ctx, h);
	if (!ret)
		ret = ckpt_read_affinity(ctx);
	return ret ?: ckpt_read_seccomp(ctx);
}

static void ckpt_restore_rlimits(const struct ckpt_hdr_task *h)
{
	struct rlimit *r;
	int i;

	for (i = 0; i < RLIM_NLIMITS; i++) {
		u64 cur = h->rlim[i].cur, max = h->rlim[i].max;

		r = &current->signal->rlim[i];
		task_lock(current->group_leader);
		r->rlim_cur = cur == ~0ULL ? RLIM_INFINITY : min_t(u64, cur, RLIM_INFINITY);
		r->rlim_max = max == ~0ULL ? RLIM_INFINITY : min_t(u64, max, RLIM_INFINITY);
		task_unlock(current->group_leader);
	}
	r = &current->signal->rlim[RLIMIT_CPU];
	if (r->rlim_cur != RLIM_INFINITY)
		update_rlimit_cpu(current, r->rlim_cur);
}

/**
 * ckpt_restore_task_thread() - give current the state of the TASK record
 * that is its own as a thread
 * @ctx: restart context, past the point of no return
 *
 * Name, robust list, alternate signal stack, rseq area, timer slack: what
 * each thread of a process has.
 */
void ckpt_restore_task_thread(struct ckpt_ctx *ctx)
{
	const struct ckpt_hdr_task *h = &ctx->rst->task;
	struct task_struct *t = current;

	__set_task_comm(t, h->comm, false);
	t->personality = h->personality;
	if (h->flags & CKPT_TASK_NO_NEW_PRIVS)
		task_set_no_new_privs(t);
	t->set_child_tid = (int __user *)(unsigned long)h->set_child_tid;
	t->clear_child_tid = (int __user *)(unsigned long)h->clear_child_tid;
#ifdef CONFIG_FUTEX
	t->robust_list = (struct robust_list_head __user *)(unsigned long)h->robust_list;
#ifdef CONFIG_COMPAT
	t->compat_robust_list = NULL;
#endif
#endif
	t->sas_ss_sp = h->sas_ss_sp;
	t->sas_ss_size = h->sas_ss_size;
	t->sas_ss_flags = h->sas_ss_flags;
#ifdef CONFIG_RSEQ
	t->rseq = (struct rseq __user *)(unsigned long)h->rseq;
	t->rseq_len = h->rseq ? h->rseq_len : 0;
	t->rseq_sig = h->rseq_sig;
	if (t->rseq)
		rseq_set_notify_resume(t);
#endif
	t->timer_slack_ns = h->timer_slack_ns;
	t->default_timer_slack_ns = h->default_timer_slack_ns;
}

/**
 * ckpt_restore_task() - give current the state of the TASK record read
 * @ctx: restart context, past the point of no return
 *
 * The thread's own state (ckpt_restore_task_thread()) and that of its
 * process: resource limits, interval timers, OOM score.
 */
void ckpt_restore_task(struct ckpt_ctx *ctx)
{
	const struct ckpt_hdr_task *h = &ctx->rst->task;
	struct task_struct *t = current;
	struct itimerspec64 v;
	int i;

	ckpt_restore_task_thread(ctx);
	ckpt_restore_rlimits(h);
	t->signal->is_child_subreaper = !!(h->flags & CKPT_TASK_CHILD_SUBREAPER);
	mutex_lock(&oom_adj_mutex);
	t->signal->oom_score_adj = h->oom_score_adj;
	t->signal->oom_score_adj_min = h->oom_score_adj_min;
	mutex_unlock(&oom_adj_mutex);
#ifdef CONFIG_POSIX_TIMERS
	/* The caller's POSIX timers go, as in execve(). */
	exit_itimers(t);
	for (i = 0; i < ARRAY_SIZE(h->itimer); i++) {
		v.it_value = ns_to_timespec64(h->itimer[i].value_ns);
		v.it_interval = ns_to_timespec64(h->itimer[i].interval_ns);
		itimer_set_current(i, &v);
	}
	/*
	 * A periodic ITIMER_REAL that expired reads as 0 until the dequeue of
	 * its SIGALRM re-arms it with its interval (dequeue_signal()): keep the
	 * interval of such a timer, which setitimer() would drop, so that the
	 * pending SIGALRM restored below re-arms it the same way.
	 */
	if (!h->itimer[ITIMER_REAL].value_ns && h->itimer[ITIMER_REAL].interval_ns) {
		spin_lock_irq(&t->sighand->siglock);
		t->signal->it_real_incr = ns_to_ktime(h->itimer[ITIMER_REAL].interval_ns);
		spin_unlock_irq(&t->sighand->siglock);
	}
#endif
}

/**
 * ckpt_write_sighand() - write the signal dispositions
 * @ctx: checkpoint context
 * @t: the task
 *
 * Return: 0 or a negative errno.
 */
int ckpt_write_sighand(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct ckpt_hdr_sighand *h;
	unsigned long flags;
	int i, ret;

	BUILD_BUG_ON(sizeof(*h) != 8 + 32 * CKPT_NSIG);
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	if (!lock_task_sighand(t, &flags)) {
		kfree(h);
		return ckpt_err(ctx, -ESRCH, "pid %d is exiting", task_pid_vnr(t));
	}
	for (i = 0; i < _NSIG; i++) {
		const struct k_sigaction *k = &t->sighand->action[i];

		h->action[i].handler = (unsigned long)k->sa.sa_handler;
		h->action[i].flags = k->sa.sa_flags;
#ifdef __ARCH_HAS_SA_RESTORER
		h->action[i].restorer = (unsigned long)k->sa.sa_restorer;
#endif
		h->action[i].mask = ckpt_sigset_to_u64(&k->sa.sa_mask);
	}
	unlock_task_sighand(t, &flags);
	ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_SIGHAND, sizeof(*h));
	kfree(h);
	return ret;
}

/**
 * ckpt_read_sighand() - read and check the signal dispositions
 * @ctx: restart context
 *
 * Return: 0 or a negative errno.
 */
int ckpt_read_sighand(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_sighand *h = &ctx->rst->sighand;
	int ret, i;

	ret = ckpt_read_obj(ctx, &h->h, CKPT_HDR_SIGHAND, sizeof(*h));
	if (ret)
		return ret;
	for (i = 0; i < _NSIG; i++) {
		const struct ckpt_sigaction *a = &h->action[i];

		/*
		 * sigaction(2) takes any restorer: glibc leaves it unset where
		 * it does not use it (powerpc, for its SIGCANCEL and SIGSETXID).
		 */
		if (a->flags & ~(u64)UAPI_SA_FLAGS || a->handler >= TASK_SIZE)
			return ckpt_err(ctx, -EINVAL, "bad disposition of signal %d", i + 1);
#ifndef __ARCH_HAS_SA_RESTORER
		if (a->restorer)
			return ckpt_err(ctx, -EINVAL, "bad disposition of signal %d", i + 1);
#endif
		if (sig_kernel_only(i + 1) && a->handler != (unsigned long)SIG_DFL)
			return ckpt_err(ctx, -EINVAL, "signal %d must have the default action",
					i + 1);
	}
	return 0;
}

static int ckpt_write_queue(struct ckpt_hdr_sigpending *h, u32 max,
			    struct sigpending *pending, bool shared)
{
	struct sigqueue *q;

	list_for_each_entry(q, &pending->list, list) {
		struct ckpt_sigpending_entry *e;
		siginfo_t info;

		if (h->nr == max)
			return -EAGAIN;
		e = &h->entries[h->nr++];
		copy_siginfo_to_external(&info, &q->info);
		BUILD_BUG_ON(sizeof(info) != sizeof(e->info));
		e->signo = q->info.si_signo;
		e->flags = shared ? CKPT_SIGPENDING_SHARED : 0;
		/* The preallocated signal of a POSIX timer, which re-arms it. */
		if (q->flags & SIGQUEUE_PREALLOC)
			e->flags |= CKPT_SIGPENDING_TIMER;
		memcpy(e->info, &info, sizeof(info));
	}
	return 0;
}

/**
 * ckpt_write_sigpending() - write the pending signals
 * @ctx: checkpoint context
 * @t: the task; a main thread writes those of its process too
 *
 * Return: 0 or a negative errno.
 */
int ckpt_write_sigpending(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct ckpt_hdr_sigpending *h;
	unsigned long flags;
	u32 max = 64;
	int ret;

	BUILD_BUG_ON(sizeof(*h) != 32);
	BUILD_BUG_ON(sizeof(struct ckpt_sigpending_entry) != 136);
again:
	h = kvzalloc(struct_size(h, entries, max), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	if (!lock_task_sighand(t, &flags)) {
		kvfree(h);
		return ckpt_err(ctx, -ESRCH, "pid %d is exiting", task_pid_vnr(t));
	}
	h->pending = ckpt_sigset_to_u64(&t->pending.signal);
	ret = ckpt_write_queue(h, max, &t->pending, false);
	/* Those of the process, with its main thread. */
	if (!ret && thread_group_leader(t)) {
		h->shared_pending = ckpt_sigset_to_u64(&t->signal->shared_pending.signal);
		ret = ckpt_write_queue(h, max, &t->signal->shared_pending, true);
	}
	unlock_task_sighand(t, &flags);
	if (ret == -EAGAIN) {
		kvfree(h);
		max *= 2;
		goto again;
	}
	ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_SIGPENDING,
			     struct_size(h, entries, h->nr));
	kvfree(h);
	return ret;
}

/**
 * ckpt_read_sigpending() - read and check the pending signals
 * @ctx: restart context
 *
 * Return: 0 or a negative errno.
 */
int ckpt_read_sigpending(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_sigpending *h;
	u32 i;

	h = ckpt_read_var(ctx, CKPT_HDR_SIGPENDING, sizeof(*h), 1 << 20);
	if (IS_ERR(h))
		return PTR_ERR(h);
	ctx->rst->sigpending = h;
	if (h->h.len != struct_size(h, entries, h->nr) || h->__reserved ||
	    (ctx->rst->thread && h->shared_pending))
		return ckpt_err(ctx, -EINVAL, "malformed sigpending record");
	for (i = 0; i < h->nr; i++) {
		const struct ckpt_sigpending_entry *e = &h->entries[i];
		const kernel_siginfo_t *ki = (const void *)e->info;
		bool shared = e->flags & CKPT_SIGPENDING_SHARED;
		u64 set = shared ? h->shared_pending : h->pending;
		int ret;

		if (!valid_signal(e->signo) || e->signo < 1 ||
		    e->flags & ~CKPT_SIGPENDING_FLAGS_ALL ||
		    ki->si_signo != e->signo || !(set & BIT_ULL(e->signo - 1)) ||
		    memchr_inv(e->info + sizeof(*ki), 0, sizeof(e->info) - sizeof(*ki)))
			return ckpt_err(ctx, -EINVAL, "bad pending signal %u", e->signo);
		if (e->flags & CKPT_SIGPENDING_TIMER) {
			ret = ckpt_check_timer_signal(ctx, e);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* Queue the signals of @set without a siginfo of their own in @h. */
static void ckpt_queue_bare(const struct ckpt_hdr_sigpending *h, u64 set,
			    bool shared)
{
	struct kernel_siginfo info;
	u32 i;
	int sig;

	for (i = 0; i < h->nr; i++)
		if (!!(h->entries[i].flags & CKPT_SIGPENDING_SHARED) == shared)
			set &= ~BIT_ULL(h->entries[i].signo - 1);
	for (sig = 1; sig <= _NSIG; sig++) {
		if (!(set & BIT_ULL(sig - 1)) || sig_kernel_only(sig))
			continue;
		clear_siginfo(&info);
		info.si_signo = sig;
		info.si_code = SI_KERNEL;
		send_signal_locked(sig, &info, current,
				   shared ? PIDTYPE_TGID : PIDTYPE_PID);
	}
}

/* The blocked mask and the pending signals: of the thread, or all. */
static void ckpt_restore_pending(struct ckpt_ctx *ctx, bool process)
{
	struct ckpt_restart_state *rst = ctx->rst;
	const struct ckpt_hdr_sigpending *h = rst->sigpending;
	struct sighand_struct *sighand = current->sighand;
	struct kernel_siginfo info;
	sigset_t set;
	u32 i;

	ckpt_u64_to_sigset(rst->task.blocked, &set);
	sigdelsetmask(&set, sigmask(SIGKILL) | sigmask(SIGSTOP));
	set_current_blocked(&set);
	if (rst->task.flags & CKPT_TASK_RESTORE_SIGMASK) {
		ckpt_u64_to_sigset(rst->task.saved_sigmask, &current->saved_sigmask);
		sigdelsetmask(&current->saved_sigmask,
			      sigmask(SIGKILL) | sigmask(SIGSTOP));
		set_restore_sigmask();
	}

	spin_lock_irq(&sighand->siglock);
	for (i = 0; i < h->nr; i++) {
		const struct ckpt_sigpending_entry *e = &h->entries[i];
		bool shared = e->flags & CKPT_SIGPENDING_SHARED;

		if (sig_kernel_only(e->signo) || (shared && !process))
			continue;
		memcpy(&info, e->info, sizeof(info));
		if (e->flags & CKPT_SIGPENDING_TIMER) {
			/* Its timer's own signal, which takes the siglock. */
			spin_unlock_irq(&sighand->siglock);
			if (IS_ENABLED(CONFIG_POSIX_TIMERS))
				posix_timer_queue_saved(info.si_tid, &info, !shared);
			spin_lock_irq(&sighand->siglock);
			continue;
		}
		/* A timer's signal that is not its own any more re-arms none. */
		if (info.si_code == SI_TIMER)
			info.si_sys_private = 0;
		send_signal_locked(e->signo, &info, current,
				   shared ? PIDTYPE_TGID : PIDTYPE_PID);
	}
	ckpt_queue_bare(h, h->pending, false);
	if (process)
		ckpt_queue_bare(h, h->shared_pending, true);
	spin_unlock_irq(&sighand->siglock);

	set_notify_signal(current);
}

/**
 * ckpt_restore_signals() - give current the dispositions, the blocked
 * mask and the pending signals of the image
 * @ctx: restart context, past the point of no return
 *
 * The caller's own pending signals are dropped, as the image replaces its
 * state, unless one is fatal.  TIF_NOTIFY_SIGNAL is set so that the way
 * back to user space goes through the signal code, which restarts an
 * interrupted system call of the image or makes it fail with EINTR.  The
 * POSIX timers of the process are created between the dispositions and
 * the pending signals, some of which are theirs.
 *
 * Return: 0, or a negative errno after a line if a timer could not be
 * created.
 */
int ckpt_restore_signals(struct ckpt_ctx *ctx)
{
	struct ckpt_restart_state *rst = ctx->rst;
	struct sighand_struct *sighand = current->sighand;
	int sig, ret;

	spin_lock_irq(&sighand->siglock);
	if (!fatal_signal_pending(current)) {
		flush_sigqueue(&current->pending);
		flush_sigqueue(&current->signal->shared_pending);
		clear_thread_flag(TIF_SIGPENDING);
	}
	spin_unlock_irq(&sighand->siglock);

	for (sig = 1; sig <= _NSIG; sig++) {
		const struct ckpt_sigaction *a = &rst->sighand.action[sig - 1];
		struct k_sigaction ka = { };

		if (sig_kernel_only(sig))
			continue;
		ka.sa.sa_handler = (__sighandler_t)(unsigned long)a->handler;
		ka.sa.sa_flags = a->flags;
#ifdef __ARCH_HAS_SA_RESTORER
		ka.sa.sa_restorer = (__sigrestore_t)(unsigned long)a->restorer;
#endif
		ckpt_u64_to_sigset(a->mask, &ka.sa.sa_mask);
		sigdelsetmask(&ka.sa.sa_mask, sigmask(SIGKILL) | sigmask(SIGSTOP));
		do_sigaction(sig, &ka, NULL);
	}
	ret = ckpt_restore_posix_timers(ctx);
	if (ret)
		return ret;
	ckpt_restore_pending(ctx, true);
	ckpt_start_posix_timers(ctx);
	return 0;
}

/**
 * ckpt_restore_thread_signals() - give a thread that is not the main
 * thread its blocked mask and its own pending signals
 * @ctx: restart context, past the point of no return
 *
 * The dispositions and the signals pending for the process are the main
 * thread's, restored by ckpt_restore_signals() before this thread existed.
 */
void ckpt_restore_thread_signals(struct ckpt_ctx *ctx)
{
	spin_lock_irq(&current->sighand->siglock);
	if (!fatal_signal_pending(current)) {
		flush_sigqueue(&current->pending);
		clear_thread_flag(TIF_SIGPENDING);
	}
	spin_unlock_irq(&current->sighand->siglock);
	ckpt_restore_pending(ctx, false);
	ckpt_start_posix_timers(ctx);
}
