// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of seccomp: the mode of each task (strict or filter)
 * and its filters.
 *
 * A filter is a classic BPF program the kernel keeps as seccomp(2) got
 * it, and the filter that was the newest when it was added, which runs
 * too: the filters of the tasks of a tree form a tree of their own, each
 * written once through the object hash (SECCOMP_FILTER records, oldest
 * first), then each task's mode and newest filter (SECCOMP record).
 *
 * Restart creates the filters again with the checks seccomp(2) makes of
 * a program, on top of the filters of the task that restarts them, so
 * that no restored task escapes what confines its restorer, and needs
 * what seccomp(2) needs to add a filter: the restored task's no_new_privs,
 * or CAP_SYS_ADMIN.  Each task gets its mode and filters last, past the
 * point of no return, when nothing can fail that was not checked before.
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <linux/slab.h>

#include "internal.h"

#ifdef CONFIG_SECCOMP_FILTER

/* A filter's state, or a line: no program kept, a listener open. */
static int ckpt_seccomp_info(struct ckpt_ctx *ctx, struct task_struct *t,
			     struct seccomp_filter *f, struct seccomp_filter_info *info)
{
	seccomp_filter_info(f, info);
	if (!info->prog)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d has a seccomp filter whose program the kernel did not keep",
				task_pid_vnr(t));
	if (info->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d has a seccomp filter with a listener of its notifications (SECCOMP_FILTER_FLAG_NEW_LISTENER), not supported",
				task_pid_vnr(t));
	return 0;
}

/**
 * ckpt_check_seccomp() - refuse a task whose seccomp state cannot be saved
 * @ctx: checkpoint context
 * @t: a stopped task of the tree
 *
 * Return: 0, or -EOPNOTSUPP after a line.
 */
int ckpt_check_seccomp(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct seccomp_filter_info info;
	struct seccomp_filter *f;
	int mode = READ_ONCE(t->seccomp.mode);
	int ret;

	if (mode == SECCOMP_MODE_DISABLED || mode == SECCOMP_MODE_STRICT)
		return 0;
	if (mode != SECCOMP_MODE_FILTER)
		return ckpt_err(ctx, -EOPNOTSUPP, "pid %d is in seccomp mode %d, not supported",
				task_pid_vnr(t), mode);
	for (f = t->seccomp.filter; f; f = info.prev) {
		ret = ckpt_seccomp_info(ctx, t, f, &info);
		if (ret)
			return ret;
	}
	return 0;
}

/* The SECCOMP_FILTER record of @f, whose older filters are written. */
static int ckpt_write_seccomp_filter(struct ckpt_ctx *ctx, struct task_struct *t,
				     struct seccomp_filter *f)
{
	struct ckpt_hdr_seccomp_filter *h;
	struct seccomp_filter_info info;
	size_t len;
	int ret;

	BUILD_BUG_ON(sizeof(*h) != 24);
	BUILD_BUG_ON(sizeof(struct sock_filter) != 8);
	ret = ckpt_seccomp_info(ctx, t, f, &info);
	if (ret)
		return ret;
	len = struct_size(h, insns, info.prog->len);
	h = kvzalloc(len, GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	h->len = info.prog->len;
	memcpy(h->insns, info.prog->filter, flex_array_size(h, insns, h->len));
	if (info.flags & SECCOMP_FILTER_FLAG_LOG)
		h->flags |= CKPT_SECCOMP_LOG;
	h->prev_ref = info.prev ? ckpt_obj_lookup(ctx, info.prev) : 0;
	ret = ckpt_obj_add(ctx, f, CKPT_OBJ_SECCOMP);
	if (ret > 0) {
		h->objref = ret;
		ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_SECCOMP_FILTER, len);
	}
	kvfree(h);
	return ret;
}

/**
 * ckpt_write_seccomp() - write the seccomp mode of a task, and those of
 * its filters no task before it had
 * @ctx: checkpoint context
 * @t: the task, stopped, checked by ckpt_check_seccomp()
 *
 * Return: 0 or a negative errno.
 */
int ckpt_write_seccomp(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct ckpt_hdr_seccomp h = { .mode = READ_ONCE(t->seccomp.mode) };
	struct seccomp_filter *f, *top = t->seccomp.filter;
	struct seccomp_filter_info info;
	int ret;

	BUILD_BUG_ON(sizeof(h) != 16);
	BUILD_BUG_ON(SECCOMP_MODE_STRICT != 1 || SECCOMP_MODE_FILTER != 2);
	if (h.mode == SECCOMP_MODE_DISABLED)
		return 0;
	if (h.mode == SECCOMP_MODE_FILTER) {
		/* Oldest first: each time the oldest not written yet. */
		while (top && !ckpt_obj_lookup(ctx, top)) {
			for (f = top; ; f = info.prev) {
				seccomp_filter_info(f, &info);
				if (!info.prev || ckpt_obj_lookup(ctx, info.prev))
					break;
			}
			ret = ckpt_write_seccomp_filter(ctx, t, f);
			if (ret < 0)
				return ret;
		}
		h.filter_ref = ckpt_obj_lookup(ctx, top);
	}
	return ckpt_write_obj(ctx, &h.h, CKPT_HDR_SECCOMP, sizeof(h));
}

/* A SECCOMP_FILTER record: the filter, on top of its older one. */
static int ckpt_read_seccomp_filter(struct ckpt_ctx *ctx, const struct ckpt_hdr *hdr)
{
	struct ckpt_hdr_seccomp_filter *h;
	struct seccomp_filter *prev, *f;
	struct sock_fprog_kern prog;
	int ret;

	h = ckpt_read_rest(ctx, hdr, CKPT_HDR_SECCOMP_FILTER,
			   struct_size(h, insns, 1), struct_size(h, insns, BPF_MAXINSNS));
	if (IS_ERR(h))
		return PTR_ERR(h);
	ret = -EINVAL;
	if (h->flags & ~CKPT_SECCOMP_LOG || !h->len || h->len > BPF_MAXINSNS ||
	    h->h.len != struct_size(h, insns, h->len)) {
		ckpt_err(ctx, ret, "malformed seccomp filter record %u", h->objref);
		goto out;
	}
	if (h->prev_ref) {
		prev = ckpt_obj_fetch(ctx, h->prev_ref, CKPT_OBJ_SECCOMP);
		if (IS_ERR(prev)) {
			ret = PTR_ERR(prev);
			goto out;
		}
	} else {
		/* The restorer's own filters, which its children inherit. */
		prev = current->seccomp.filter;
	}
	prog.len = h->len;
	prog.filter = h->insns;
	f = seccomp_filter_create(&prog, h->flags & CKPT_SECCOMP_LOG ?
				  SECCOMP_FILTER_FLAG_LOG : 0, prev);
	if (IS_ERR(f)) {
		ret = PTR_ERR(f);
		if (ret == -ENOMEM)
			ckpt_err(ctx, ret,
				 "seccomp filter %u: longer than seccomp(2) allows with the filters below it, or no memory",
				 h->objref);
		else
			ckpt_err(ctx, ret, "seccomp filter %u: a program seccomp(2) refuses (error %d)",
				 h->objref, ret);
		goto out;
	}
	ret = ckpt_obj_insert(ctx, h->objref, f, CKPT_OBJ_SECCOMP);
out:
	kvfree(h);
	return ret;
}

/**
 * ckpt_read_seccomp() - read the seccomp mode of a task, and the filters
 * before it, if there are
 * @ctx: restart context, right after the AFFINITY record (if any)
 *
 * Return: 0 or a negative errno, logged.
 */
int ckpt_read_seccomp(struct ckpt_ctx *ctx)
{
	struct ckpt_restart_state *rst = ctx->rst;
	struct ckpt_hdr_seccomp h;
	struct seccomp_filter *f = NULL;
	int ret;

	for (;;) {
		ret = ckpt_read_hdr(ctx, &h.h);
		if (ret)
			return ret;
		if (h.h.type != CKPT_HDR_SECCOMP_FILTER)
			break;
		ret = ckpt_read_seccomp_filter(ctx, &h.h);
		if (ret)
			return ret;
	}
	if (h.h.type != CKPT_HDR_SECCOMP) {
		ckpt_unread_hdr(ctx, &h.h);
		return 0;
	}
	if (h.h.len != sizeof(h))
		return ckpt_err(ctx, -EINVAL, "seccomp record has length %u", h.h.len);
	ret = ckpt_read_payload(ctx, &h.h, sizeof(h));
	if (ret)
		return ret;
	if (h.mode == SECCOMP_MODE_FILTER) {
		f = ckpt_obj_fetch(ctx, h.filter_ref, CKPT_OBJ_SECCOMP);
		if (IS_ERR(f))
			return PTR_ERR(f);
	} else if (h.mode != SECCOMP_MODE_STRICT || h.filter_ref) {
		return ckpt_err(ctx, -EINVAL, "malformed seccomp record (mode %u)", h.mode);
	}
	/* What seccomp(2) asks of a task that adds a filter. */
	if (f && !(rst->task.flags & CKPT_TASK_NO_NEW_PRIVS) &&
	    !ns_capable_noaudit(current_user_ns(), CAP_SYS_ADMIN))
		return ckpt_err(ctx, -EACCES,
				"the image's seccomp filters need no_new_privs in its task or CAP_SYS_ADMIN");
	/* Strict mode cannot follow the restorer's filters, nor stack. */
	if (current->seccomp.mode && current->seccomp.mode != h.mode)
		return ckpt_err(ctx, -EPERM,
				"the caller is in seccomp mode %d, the image in mode %u",
				current->seccomp.mode, h.mode);
	rst->seccomp_mode = h.mode;
	rst->seccomp_filter = f;
	return 0;
}

/**
 * ckpt_restore_seccomp() - give current its seccomp mode and filters
 * @ctx: restart context, past the point of no return, with current's
 *	state; nothing of current's runs after this but its return to user
 *	space
 *
 * Return: 0, or -EPERM if current's mode changed since the image was read.
 */
int ckpt_restore_seccomp(struct ckpt_ctx *ctx)
{
	struct ckpt_restart_state *rst = ctx->rst;

	if (!rst->seccomp_mode)
		return 0;
	return seccomp_restore(rst->seccomp_mode, rst->seccomp_filter);
}

#else /* !CONFIG_SECCOMP_FILTER */

int ckpt_check_seccomp(struct ckpt_ctx *ctx, struct task_struct *t)
{
#ifdef CONFIG_SECCOMP
	if (t->seccomp.mode)
		return ckpt_err(ctx, -EOPNOTSUPP, "pid %d uses seccomp", task_pid_vnr(t));
#endif
	return 0;
}

int ckpt_write_seccomp(struct ckpt_ctx *ctx, struct task_struct *t)
{
	return 0;
}

int ckpt_read_seccomp(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr h;
	int ret = ckpt_read_hdr(ctx, &h);

	if (ret)
		return ret;
	if (h.type == CKPT_HDR_SECCOMP || h.type == CKPT_HDR_SECCOMP_FILTER)
		return ckpt_err(ctx, -ENOEXEC,
				"the image uses seccomp filters, which this kernel lacks");
	ckpt_unread_hdr(ctx, &h);
	return 0;
}

int ckpt_restore_seccomp(struct ckpt_ctx *ctx)
{
	return 0;
}

#endif /* CONFIG_SECCOMP_FILTER */
