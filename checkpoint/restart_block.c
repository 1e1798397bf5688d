// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of an interrupted system call's restart block.
 *
 * A task stopped inside a system call has its return value in its saved
 * registers: -ERESTARTSYS and friends are handled at restart as after a
 * signal.  -ERESTART_RESTARTBLOCK also needs the restart block, which
 * resumes the call: nanosleep, poll and futex waits are saved with the
 * time that remained for relative timeouts, so that the restarted call
 * waits for what was left, whenever it is restarted.
 */

#include <linux/mutex.h>
#include <linux/futex.h>
#include <linux/hrtimer.h>
#include <linux/poll.h>
#include <linux/restart_block.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/time_namespace.h>
#include <linux/timekeeping.h>
#include <asm/syscall.h>
#include <uapi/linux/futex.h>

#include "internal.h"

/* Now, on a clock nanosleep can sleep on. */
static int ckpt_clock_now(clockid_t clockid, s64 *now)
{
	switch (clockid) {
	case CLOCK_REALTIME:
		*now = ktime_get_real();
		return 0;
	case CLOCK_MONOTONIC:
		*now = ktime_get();
		return 0;
	case CLOCK_BOOTTIME:
		*now = ktime_get_boottime();
		return 0;
	case CLOCK_TAI:
		*now = ktime_get_clocktai();
		return 0;
	}
	return -EINVAL;
}

static u64 ckpt_left(s64 expires, s64 now)
{
	return expires > now ? expires - now : 0;
}

/* Was the interrupted futex call a relative FUTEX_WAIT? */
static bool ckpt_futex_relative(struct task_struct *t, struct pt_regs *regs)
{
	unsigned long args[6];
	int nr = syscall_get_nr(t, regs);

	syscall_get_arguments(t, regs, args);
#ifdef __NR_futex
	if (nr == __NR_futex)
		return (args[1] & FUTEX_CMD_MASK) == FUTEX_WAIT;
#endif
#ifdef __NR_futex_time64
	if (nr == __NR_futex_time64)
		return (args[1] & FUTEX_CMD_MASK) == FUTEX_WAIT;
#endif
	return false;
}

static int ckpt_save_futex(struct ckpt_ctx *ctx, struct task_struct *t,
			   struct ckpt_hdr_restart_block *h)
{
	struct futex_restart_info fi;
	int ret = futex_wait_restart_get(&t->restart_block, &fi);

	if (ret)
		return ret;
	h->kind = CKPT_RESTART_FUTEX;
	h->addr = (unsigned long)fi.uaddr;
	h->val = fi.val;
	h->bitset = fi.bitset;
	if (fi.shared)
		h->flags |= CKPT_RESTART_SHARED;
	if (fi.clock_realtime)
		h->flags |= CKPT_RESTART_CLOCK_REALTIME;
	if (fi.has_timeout) {
		h->flags |= CKPT_RESTART_HAS_TIMEOUT;
		h->timeout_ns = fi.time;
		if (ckpt_futex_relative(t, task_pt_regs(t))) {
			h->flags |= CKPT_RESTART_RELATIVE;
			h->timeout_ns = ckpt_left(fi.time, fi.clock_realtime ?
						  ktime_get_real() : ktime_get());
		}
	}
	return 0;
}

/**
 * ckpt_write_restart_block() - write the RESTART_BLOCK record
 * @ctx: checkpoint context
 * @t: the task
 *
 * Return: 0 or a negative errno; -EOPNOTSUPP for a restart block this
 * version cannot re-create.
 */
int ckpt_write_restart_block(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct ckpt_hdr_restart_block h = { };
	struct restart_block *rb = &t->restart_block;
	struct pt_regs *regs = task_pt_regs(t);
	int ret;
	s64 now;

	BUILD_BUG_ON(sizeof(h) != 48);
	if (t == current || syscall_get_nr(t, regs) < 0 ||
	    ckpt_arch_syscall_error(t, regs) != -ERESTART_RESTARTBLOCK)
		goto write;

	if (rb->fn == hrtimer_nanosleep_restart) {
		h.kind = CKPT_RESTART_NANOSLEEP;
		h.clockid = rb->nanosleep.clockid;
		h.flags = CKPT_RESTART_RELATIVE;
		if (rb->nanosleep.type == TT_NATIVE) {
			h.addr = (unsigned long)rb->nanosleep.rmtp;
		} else if (rb->nanosleep.type == TT_COMPAT) {
			h.addr = (unsigned long)rb->nanosleep.compat_rmtp;
			h.flags |= CKPT_RESTART_COMPAT;
		}
		if (ckpt_clock_now(h.clockid, &now))
			goto unsupported;
		h.timeout_ns = ckpt_left(rb->nanosleep.expires, now);
	} else if (rb->fn == do_restart_poll) {
		h.kind = CKPT_RESTART_POLL;
		h.addr = (unsigned long)rb->poll.ufds;
		h.nfds = rb->poll.nfds;
		if (rb->poll.has_timeout) {
			struct timespec64 end = {
				.tv_sec = rb->poll.tv_sec,
				.tv_nsec = rb->poll.tv_nsec,
			};

			h.flags = CKPT_RESTART_HAS_TIMEOUT | CKPT_RESTART_RELATIVE;
			h.timeout_ns = ckpt_left(timespec64_to_ns(&end), ktime_get());
		}
	} else {
		ret = ckpt_save_futex(ctx, t, &h);
		if (ret)
			goto unsupported;
	}
write:
	return ckpt_write_obj(ctx, &h.h, CKPT_HDR_RESTART_BLOCK, sizeof(h));
unsupported:
	return ckpt_err(ctx, -EOPNOTSUPP,
			"pid %d is in system call %ld, whose restart is not supported",
			task_pid_vnr(t), (long)syscall_get_nr(t, regs));
}

/**
 * ckpt_read_restart_block() - read and check the RESTART_BLOCK record
 * @ctx: restart context
 *
 * Return: 0 or a negative errno.
 */
int ckpt_read_restart_block(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_restart_block *h = &ctx->rst->restart_block;
	s64 now;
	int ret;

	ret = ckpt_read_obj(ctx, &h->h, CKPT_HDR_RESTART_BLOCK, sizeof(*h));
	if (ret)
		return ret;
	if (h->flags & ~CKPT_RESTART_FLAGS_ALL || h->addr >= TASK_SIZE ||
	    h->timeout_ns > KTIME_MAX / 2)
		goto bad;
	switch (h->kind) {
	case CKPT_RESTART_NONE:
		if (h->flags || h->addr || h->timeout_ns || h->clockid || h->val ||
		    h->bitset || h->nfds)
			goto bad;
		return 0;
	case CKPT_RESTART_NANOSLEEP:
		if (ckpt_clock_now(h->clockid, &now) ||
		    !(h->flags & CKPT_RESTART_RELATIVE) ||
		    h->flags & ~(CKPT_RESTART_RELATIVE | CKPT_RESTART_COMPAT))
			goto bad;
#ifndef CONFIG_COMPAT_32BIT_TIME
		if (h->flags & CKPT_RESTART_COMPAT)
			goto bad;
#endif
		return 0;
	case CKPT_RESTART_POLL:
		if (h->nfds > rlimit(RLIMIT_NOFILE) ||
		    h->flags & ~(CKPT_RESTART_RELATIVE | CKPT_RESTART_HAS_TIMEOUT))
			goto bad;
		return 0;
	case CKPT_RESTART_FUTEX:
		if (!IS_ENABLED(CONFIG_FUTEX) || h->flags & CKPT_RESTART_COMPAT ||
		    !h->bitset || !IS_ALIGNED(h->addr, sizeof(u32)))
			goto bad;
		return 0;
	}
bad:
	return ckpt_err(ctx, -EINVAL, "bad restart block (kind %u)", h->kind);
}

/**
 * ckpt_restore_restart_block() - give current the restart block of the
 * image
 * @ctx: restart context, past the point of no return
 */
void ckpt_restore_restart_block(struct ckpt_ctx *ctx)
{
	const struct ckpt_hdr_restart_block *h = &ctx->rst->restart_block;
	struct restart_block *rb = &current->restart_block;
	struct timespec64 end;
	s64 now;

	set_restart_fn(rb, do_no_restart_syscall);
	switch (h->kind) {
	case CKPT_RESTART_NANOSLEEP:
		ckpt_clock_now(h->clockid, &now);
		rb->nanosleep.clockid = h->clockid;
		rb->nanosleep.expires = now + h->timeout_ns;
		rb->nanosleep.type = TT_NONE;
		if (h->addr && (h->flags & CKPT_RESTART_COMPAT)) {
			rb->nanosleep.type = TT_COMPAT;
			rb->nanosleep.compat_rmtp = (void __user *)(unsigned long)h->addr;
		} else if (h->addr) {
			rb->nanosleep.type = TT_NATIVE;
			rb->nanosleep.rmtp = (void __user *)(unsigned long)h->addr;
		}
		set_restart_fn(rb, hrtimer_nanosleep_restart);
		break;
	case CKPT_RESTART_POLL:
		rb->poll.ufds = (struct pollfd __user *)(unsigned long)h->addr;
		rb->poll.nfds = h->nfds;
		rb->poll.has_timeout = !!(h->flags & CKPT_RESTART_HAS_TIMEOUT);
		end = ns_to_timespec64(ktime_get() + h->timeout_ns);
		rb->poll.tv_sec = end.tv_sec;
		rb->poll.tv_nsec = end.tv_nsec;
		set_restart_fn(rb, do_restart_poll);
		break;
#ifdef CONFIG_FUTEX
	case CKPT_RESTART_FUTEX: {
		bool rt = h->flags & CKPT_RESTART_CLOCK_REALTIME;
		struct futex_restart_info fi = {
			.uaddr = (u32 __user *)(unsigned long)h->addr,
			.val = h->val,
			.bitset = h->bitset,
			.time = h->timeout_ns,
			.shared = !!(h->flags & CKPT_RESTART_SHARED),
			.clock_realtime = rt,
			.has_timeout = !!(h->flags & CKPT_RESTART_HAS_TIMEOUT),
		};

		if (h->flags & CKPT_RESTART_RELATIVE)
			fi.time += rt ? ktime_get_real() : ktime_get();
		futex_wait_restart_set(rb, &fi);
		break;
	}
#endif
	}
}
