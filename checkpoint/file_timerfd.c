// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of timerfds (timerfd_create(2)): the FILE record,
 * then a TIMERFD record with the clock, the flags the timer was armed
 * with, its next expiry, its interval and the expirations not read yet.
 *
 * The times follow the rules of the restart blocks: a relative timer
 * keeps the time that was left at checkpoint, counted again from
 * restart (the time in between does not count); an absolute timer
 * (TFD_TIMER_ABSTIME) keeps its deadline on its clock, as the process sees
 * it in its time namespace.  The expirations
 * of a periodic timer that were due at checkpoint are counted as read(2)
 * would count them.  Built with CONFIG_TIMERFD.
 */

#include <linux/capability.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/nsproxy.h>
#include <linux/sched/task.h>
#include <linux/time.h>
#include <linux/time_namespace.h>
#include <linux/timerfd.h>

#include "internal.h"

#define CKPT_TIMERFD_FLAGS	(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET | \
				 CKPT_TIMERFD_CANCELED)

static bool ckpt_timerfd_match(struct ckpt_ctx *ctx, struct file *file)
{
	struct timerfd_state st;

	return !timerfd_file_state(file, &st);
}

static int ckpt_timerfd_checkpoint(struct ckpt_ctx *ctx, struct file *file,
				   struct ckpt_file_rec *r)
{
	r->h->rdev = 0;
	r->name = "";
	return 0;
}

/*
 * The offset of @clockid in the time namespace of @t: an absolute deadline
 * is saved as the process sees its clock, as restart reads it back.
 */
static ktime_t ckpt_timens_offset(struct task_struct *t, int clockid)
{
#ifdef CONFIG_TIME_NS
	struct timens_offsets off = { };

	task_lock(t);
	if (t->nsproxy)
		off = t->nsproxy->time_ns->offsets;
	task_unlock(t);
	switch (clockid) {
	case CLOCK_MONOTONIC:
		return timespec64_to_ktime(off.monotonic);
	case CLOCK_BOOTTIME:
	case CLOCK_BOOTTIME_ALARM:
		return timespec64_to_ktime(off.boottime);
	}
#endif
	return 0;
}

static int ckpt_timerfd_checkpoint_after(struct ckpt_ctx *ctx, struct file *file,
					 struct ckpt_file_rec *r)
{
	struct ckpt_hdr_timerfd h = { };
	struct timerfd_state st;
	int ret;

	BUILD_BUG_ON(sizeof(h) != 40);
	BUILD_BUG_ON(CKPT_TIMERFD_CANCELED & TFD_SETTIME_FLAGS);
	ret = timerfd_file_state(file, &st);
	if (ret)
		return ret;
	if (st.flags & TFD_TIMER_ABSTIME && st.value)
		st.value = ktime_add_safe(st.value, ckpt_timens_offset(ctx->task, st.clockid));
	h.clockid = st.clockid;
	h.flags = st.flags | (st.canceled ? CKPT_TIMERFD_CANCELED : 0);
	h.value_ns = ktime_to_ns(st.value);
	h.interval_ns = ktime_to_ns(st.interval);
	h.ticks = st.ticks;
	return ckpt_write_obj(ctx, &h.h, CKPT_HDR_TIMERFD, sizeof(h));
}

static struct file *ckpt_timerfd_restart(struct ckpt_ctx *ctx, const struct ckpt_hdr_file *h)
{
	struct ckpt_hdr_timerfd t;
	struct timerfd_state st;
	struct file *file;
	int ret;

	if (h->path[0] || h->rdev || h->nr_pages || h->pipe_ref || h->count ||
	    (h->f_flags & O_ACCMODE) != O_RDWR)
		return ERR_PTR(-EINVAL);
	ret = ckpt_read_obj(ctx, &t.h, CKPT_HDR_TIMERFD, sizeof(t));
	if (ret)
		return ERR_PTR(ret);
	if (t.flags & ~CKPT_TIMERFD_FLAGS || t.value_ns < 0 || t.interval_ns < 0 ||
	    (t.clockid != CLOCK_REALTIME && t.clockid != CLOCK_MONOTONIC &&
	     t.clockid != CLOCK_BOOTTIME && t.clockid != CLOCK_REALTIME_ALARM &&
	     t.clockid != CLOCK_BOOTTIME_ALARM)) {
		ckpt_err(ctx, -EINVAL, "malformed timerfd record of file %u", h->objref);
		return ERR_PTR(-EINVAL);
	}
	st.clockid = t.clockid;
	st.flags = t.flags & TFD_SETTIME_FLAGS;
	st.canceled = t.flags & CKPT_TIMERFD_CANCELED;
	st.value = ns_to_ktime(t.value_ns);
	st.interval = ns_to_ktime(t.interval_ns);
	st.ticks = t.ticks;
	file = timerfd_file_create(&st, h->f_flags & O_NONBLOCK);
	if (PTR_ERR_OR_ZERO(file) == -EPERM)
		ckpt_err(ctx, -EPERM,
			 "a timerfd on clock %u needs CAP_WAKE_ALARM, which the caller lacks",
			 t.clockid);
	else if (PTR_ERR_OR_ZERO(file) == -EINVAL)
		ckpt_err(ctx, -EINVAL, "malformed timerfd record of file %u", h->objref);
	else if (IS_ERR(file))
		ckpt_err(ctx, PTR_ERR(file), "cannot create a timerfd (error %ld)",
			 PTR_ERR(file));
	return file;
}

const struct ckpt_file_ops ckpt_file_timerfd_ops = {
	.type = CKPT_FILE_TIMERFD,
	.match = ckpt_timerfd_match,
	.checkpoint = ckpt_timerfd_checkpoint,
	.checkpoint_after = ckpt_timerfd_checkpoint_after,
	.restart = ckpt_timerfd_restart,
};
