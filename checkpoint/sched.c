// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of a task's scheduling state: its policy, nice value
 * and real-time priority, SCHED_FLAG_RESET_ON_FORK, and the I/O flusher
 * flag of prctl(PR_SET_IO_FLUSHER); and the refusal of what is not saved
 * of the task's state in the CPU and the I/O scheduler: speculation
 * control set by prctl(PR_SET_SPECULATION_CTRL), an I/O priority.
 *
 * Restart grants none of it beyond what the caller could set itself with
 * sched_setattr(2) and prctl(2): a nice value below the caller's needs
 * RLIMIT_NICE or CAP_SYS_NICE (can_nice()), a real-time policy
 * RLIMIT_RTPRIO or CAP_SYS_NICE, the I/O flusher flag CAP_SYS_RESOURCE.
 * SCHED_DEADLINE and utilization clamps are refused at checkpoint.
 */

#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/cpuset.h>
#include <linux/checkpoint.h>
#include <linux/iocontext.h>
#include <linux/ioprio.h>
#include <linux/nospec.h>
#include <linux/prctl.h>
#include <linux/sched.h>
#include <linux/sched/prio.h>
#include <linux/sched/rt.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <uapi/linux/sched.h>
#include <uapi/linux/sched/types.h>

#include "internal.h"

/* The task flags of prctl(PR_SET_IO_FLUSHER), as kernel/sys.c sets them. */
#define CKPT_IO_FLUSHER		(PF_MEMALLOC_NOIO | PF_LOCAL_THROTTLE)

static bool ckpt_rt_policy(u32 policy)
{
	return policy == SCHED_FIFO || policy == SCHED_RR;
}

/* A speculation control that prctl() set, which the image does not hold. */
static int ckpt_check_spec_ctrl(struct ckpt_ctx *ctx, struct task_struct *t)
{
	static const struct {
		unsigned long which;
		int dflt;
		const char *name;
	} ctl[] = {
		{ PR_SPEC_STORE_BYPASS, PR_SPEC_ENABLE, "speculative store bypass" },
		{ PR_SPEC_INDIRECT_BRANCH, PR_SPEC_ENABLE, "indirect branch speculation" },
		{ PR_SPEC_L1D_FLUSH, PR_SPEC_DISABLE, "L1D flush" },
	};
	int i, v;

	for (i = 0; i < ARRAY_SIZE(ctl); i++) {
		v = arch_prctl_spec_ctrl_get(t, ctl[i].which);
		if (v < 0 || !(v & PR_SPEC_PRCTL) || (v & ~PR_SPEC_PRCTL) == ctl[i].dflt)
			continue;
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d has a speculation control set (%s: %#x), not supported",
				task_pid_vnr(t), ctl[i].name, v);
	}
	return 0;
}

/* The I/O priority of ioprio_set(2), only with the block layer. */
static int ckpt_check_ioprio(struct ckpt_ctx *ctx, struct task_struct *t)
{
#ifdef CONFIG_BLOCK
	int ioprio;

	task_lock(t);
	ioprio = t->io_context ? t->io_context->ioprio : IOPRIO_DEFAULT;
	task_unlock(t);
	if (ioprio != IOPRIO_DEFAULT)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d has an I/O priority (ioprio_set %#x), not supported",
				task_pid_vnr(t), ioprio);
#endif
	return 0;
}

/**
 * ckpt_write_sched() - fill the scheduling fields of a TASK record
 * @ctx: checkpoint context
 * @t: the task, stopped
 * @h: its TASK record
 *
 * Return: 0, or -EOPNOTSUPP for a state restart could not give back.
 */
int ckpt_write_sched(struct ckpt_ctx *ctx, struct task_struct *t,
		     struct ckpt_hdr_task *h)
{
	u32 policy = READ_ONCE(t->policy);
	int ret;

	ret = ckpt_check_spec_ctrl(ctx, t);
	if (!ret)
		ret = ckpt_check_ioprio(ctx, t);
	if (ret)
		return ret;
	if (policy != SCHED_NORMAL && policy != SCHED_BATCH && policy != SCHED_IDLE &&
	    !ckpt_rt_policy(policy))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d has scheduling policy %u (SCHED_DEADLINE?), not supported",
				task_pid_vnr(t), policy);
#ifdef CONFIG_UCLAMP_TASK
	if (t->uclamp_req[UCLAMP_MIN].user_defined || t->uclamp_req[UCLAMP_MAX].user_defined)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d has utilization clamps (sched_setattr), not supported",
				task_pid_vnr(t));
#endif
	h->sched_policy = policy;
	h->sched_nice = task_nice(t);
	h->sched_priority = ckpt_rt_policy(policy) ? READ_ONCE(t->rt_priority) : 0;
	if (t->sched_reset_on_fork)
		h->flags |= CKPT_TASK_SCHED_RESET_ON_FORK;
	if ((t->flags & CKPT_IO_FLUSHER) == CKPT_IO_FLUSHER)
		h->flags |= CKPT_TASK_IO_FLUSHER;
	return 0;
}

/**
 * ckpt_check_sched() - check the scheduling fields of a TASK record
 * @ctx: restart context
 * @h: the TASK record
 *
 * Checks that the fields are valid and that the caller could set them.
 *
 * Return: 0, -EINVAL for a malformed record, -EPERM for a state the caller
 * could not set itself.
 */
int ckpt_check_sched(struct ckpt_ctx *ctx, const struct ckpt_hdr_task *h)
{
	unsigned long rtprio = task_rlimit(current, RLIMIT_RTPRIO);
	u32 policy = h->sched_policy;

	if ((policy != SCHED_NORMAL && policy != SCHED_BATCH && policy != SCHED_IDLE &&
	     !ckpt_rt_policy(policy)) ||
	    h->sched_nice < MIN_NICE || h->sched_nice > MAX_NICE || h->__pad ||
	    (ckpt_rt_policy(policy) ?
	     h->sched_priority < 1 || h->sched_priority > MAX_RT_PRIO - 1 :
	     h->sched_priority))
		return ckpt_err(ctx, -EINVAL, "bad scheduling policy %u (nice %d, priority %u)",
				policy, h->sched_nice, h->sched_priority);
	if (capable(CAP_SYS_NICE))
		goto io_flusher;
	/* As sched_setattr(2) and setpriority(2) check an unprivileged caller. */
	if (h->sched_nice < task_nice(current) && !can_nice(current, h->sched_nice))
		return ckpt_err(ctx, -EPERM,
				"the image's nice value %d is below the caller's %d (RLIMIT_NICE, CAP_SYS_NICE)",
				h->sched_nice, task_nice(current));
	if (ckpt_rt_policy(policy) && h->sched_priority > rtprio &&
	    !(ckpt_rt_policy(current->policy) && h->sched_priority <= current->rt_priority))
		return ckpt_err(ctx, -EPERM,
				"the image's real-time priority %u is above the caller's RLIMIT_RTPRIO %lu",
				h->sched_priority, rtprio);
	if (current->policy == SCHED_IDLE && policy != SCHED_IDLE &&
	    !can_nice(current, task_nice(current)))
		return ckpt_err(ctx, -EPERM,
				"the caller is SCHED_IDLE and may not leave it for the image's policy %u",
				policy);
	if (current->sched_reset_on_fork && !(h->flags & CKPT_TASK_SCHED_RESET_ON_FORK))
		return ckpt_err(ctx, -EPERM,
				"the caller's SCHED_FLAG_RESET_ON_FORK cannot be cleared");
io_flusher:
	if (h->flags & CKPT_TASK_IO_FLUSHER && !capable(CAP_SYS_RESOURCE))
		return ckpt_err(ctx, -EPERM,
				"the image's PR_SET_IO_FLUSHER needs CAP_SYS_RESOURCE");
	return 0;
}

/**
 * ckpt_restore_sched() - give current the scheduling state of the image
 * @ctx: restart context, past the point of no return
 *
 * Return: 0 or a negative errno (then the caller is killed).
 */
int ckpt_restore_sched(struct ckpt_ctx *ctx)
{
	const struct ckpt_hdr_task *h = &ctx->rst->task;
	struct sched_attr attr = {
		.size = sizeof(attr),
		.sched_policy = SCHED_NORMAL,
		.sched_nice = h->sched_nice,
	};
	int ret;

	if (h->flags & CKPT_TASK_SCHED_RESET_ON_FORK)
		attr.sched_flags = SCHED_FLAG_RESET_ON_FORK;
	/*
	 * The nice value first, under SCHED_NORMAL: SCHED_IDLE and the
	 * real-time policies keep a nice value but do not set it.
	 */
	ret = sched_setattr_nocheck(current, &attr);
	if (!ret && h->sched_policy != SCHED_NORMAL) {
		attr.sched_policy = h->sched_policy;
		attr.sched_priority = h->sched_priority;
		ret = sched_setattr_nocheck(current, &attr);
	}
	if (ret)
		return ckpt_err(ctx, ret, "cannot restore the scheduling policy %u (error %d)",
				h->sched_policy, ret);
	/* As sched_setaffinity(2) by the task, with the mask read. */
	if (ctx->rst->affinity) {
		ret = sched_setaffinity(0, ctx->rst->affinity);
		if (ret)
			return ckpt_err(ctx, ret, "cannot set the CPU affinity %*pbl (error %d)",
					cpumask_pr_args(ctx->rst->affinity), ret);
	}
	if (h->flags & CKPT_TASK_IO_FLUSHER)
		current->flags |= CKPT_IO_FLUSHER;
	else
		current->flags &= ~CKPT_IO_FLUSHER;
#ifdef CONFIG_BLOCK
	/* Not the caller's I/O priority: the image's, the default. */
	if (current->io_context && current->io_context->ioprio != IOPRIO_DEFAULT) {
		ret = set_task_ioprio(current, IOPRIO_DEFAULT);
		if (ret)
			return ckpt_err(ctx, ret, "cannot reset the I/O priority (error %d)", ret);
	}
#endif
	return 0;
}

/**
 * ckpt_write_affinity() - write the AFFINITY record of a task
 * @ctx: checkpoint context
 * @t: the task, stopped or current
 *
 * Return: 0 or a negative errno.
 */
int ckpt_write_affinity(struct ckpt_ctx *ctx, struct task_struct *t)
{
	unsigned int words = BITS_TO_U64(nr_cpu_ids), cpu;
	struct ckpt_hdr_affinity *h;
	unsigned long flags;
	u32 len;
	int ret;

	BUILD_BUG_ON(sizeof(*h) != 16);
	if (words * 64 > CKPT_AFFINITY_MAX_CPUS)
		return ckpt_err(ctx, -EOPNOTSUPP, "this machine has more than %u CPUs",
				CKPT_AFFINITY_MAX_CPUS);
	len = struct_size(h, mask, words);
	h = kzalloc(len, GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	h->nr_cpus = words * 64;
	raw_spin_lock_irqsave(&t->pi_lock, flags);
	for_each_cpu(cpu, &t->cpus_mask)
		h->mask[cpu / 64] |= BIT_ULL(cpu % 64);
	raw_spin_unlock_irqrestore(&t->pi_lock, flags);
	ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_AFFINITY, len);
	kfree(h);
	return ret;
}

/**
 * ckpt_read_affinity() - read the AFFINITY record, if there is one
 * @ctx: restart context, right after the TASK record
 *
 * The mask is clamped to the CPUs that are active and that the caller's
 * cpuset allows, or made all of them when it has none: what
 * ckpt_restore_sched() sets.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_read_affinity(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_affinity *h;
	struct cpumask *allowed;
	struct ckpt_hdr hdr;
	unsigned int cpu;
	int ret;

	ret = ckpt_read_hdr(ctx, &hdr);
	if (ret)
		return ret;
	if (hdr.type != CKPT_HDR_AFFINITY) {
		ckpt_unread_hdr(ctx, &hdr);
		return 0;
	}
	h = ckpt_read_rest(ctx, &hdr, CKPT_HDR_AFFINITY, sizeof(*h) + sizeof(u64),
			   sizeof(*h) + CKPT_AFFINITY_MAX_CPUS / 8);
	if (IS_ERR(h))
		return PTR_ERR(h);
	ret = -EINVAL;
	if (h->__reserved || !h->nr_cpus || h->nr_cpus % 64 ||
	    h->nr_cpus > CKPT_AFFINITY_MAX_CPUS ||
	    h->h.len != struct_size(h, mask, h->nr_cpus / 64)) {
		ckpt_err(ctx, -EINVAL, "malformed affinity record");
		goto out;
	}
	ret = -ENOMEM;
	ctx->rst->affinity = kzalloc(cpumask_size(), GFP_KERNEL);
	allowed = kzalloc(cpumask_size(), GFP_KERNEL);
	if (!ctx->rst->affinity || !allowed)
		goto free;
	for (cpu = 0; cpu < min(h->nr_cpus, nr_cpu_ids); cpu++)
		if (h->mask[cpu / 64] & BIT_ULL(cpu % 64))
			cpumask_set_cpu(cpu, ctx->rst->affinity);
	cpuset_cpus_allowed(current, allowed);
	cpumask_and(allowed, allowed, cpu_active_mask);
	if (!cpumask_and(ctx->rst->affinity, ctx->rst->affinity, allowed))
		cpumask_copy(ctx->rst->affinity, allowed);
	ret = 0;
free:
	kfree(allowed);
out:
	kvfree(h);
	return ret;
}
