// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of credentials.
 *
 * Ids are saved as the checkpointing caller sees them (its user
 * namespace) and read back in the restarting caller's.  Restart grants
 * nothing: every id, group and capability of the image must be one the
 * caller could set itself with setresuid(2), setgroups(2), capset(2) and
 * prctl(2); otherwise it fails with EPERM before the point of no return.
 * As with setresuid(2), the restarted process counts against the per-user
 * limits (RLIMIT_NPROC...) of its own user, not of its restarter's.
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/sched/user.h>
#include <linux/securebits.h>
#include <linux/slab.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>

#include "internal.h"

/**
 * ckpt_write_creds() - write the CREDS record of a task
 * @ctx: checkpoint context
 * @t: the task
 *
 * Return: 0 or a negative errno.
 */
int ckpt_write_creds(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct user_namespace *ns = current_user_ns();
	const struct cred *c = get_task_cred(t);
	struct ckpt_hdr_creds *h;
	int i, ngroups = c->group_info->ngroups;
	u32 len = struct_size(h, groups, ngroups);
	int ret;

	h = kvzalloc(len, GFP_KERNEL);
	if (!h) {
		put_cred(c);
		return -ENOMEM;
	}
	h->uid = from_kuid_munged(ns, c->uid);
	h->euid = from_kuid_munged(ns, c->euid);
	h->suid = from_kuid_munged(ns, c->suid);
	h->fsuid = from_kuid_munged(ns, c->fsuid);
	h->gid = from_kgid_munged(ns, c->gid);
	h->egid = from_kgid_munged(ns, c->egid);
	h->sgid = from_kgid_munged(ns, c->sgid);
	h->fsgid = from_kgid_munged(ns, c->fsgid);
	h->securebits = c->securebits;
	h->ngroups = ngroups;
	h->cap_inheritable = c->cap_inheritable.val;
	h->cap_permitted = c->cap_permitted.val;
	h->cap_effective = c->cap_effective.val;
	h->cap_bset = c->cap_bset.val;
	h->cap_ambient = c->cap_ambient.val;
	for (i = 0; i < ngroups; i++)
		h->groups[i] = from_kgid_munged(ns, c->group_info->gid[i]);
	put_cred(c);
	ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_CREDS, len);
	kvfree(h);
	return ret;
}

static bool ckpt_uid_allowed(const struct cred *old, kuid_t uid)
{
	return uid_eq(uid, old->uid) || uid_eq(uid, old->euid) ||
	       uid_eq(uid, old->suid) || uid_eq(uid, old->fsuid);
}

static bool ckpt_gid_allowed(const struct cred *old, kgid_t gid)
{
	return gid_eq(gid, old->gid) || gid_eq(gid, old->egid) ||
	       gid_eq(gid, old->sgid) || gid_eq(gid, old->fsgid);
}

static bool ckpt_groups_equal(const struct group_info *a,
			      const struct group_info *b)
{
	int i;

	for (i = 0; i < a->ngroups; i++)
		if (!groups_search(b, a->gid[i]))
			return false;
	for (i = 0; i < b->ngroups; i++)
		if (!groups_search(a, b->gid[i]))
			return false;
	return true;
}

/* Ids of the image, in the caller's user namespace, into @new. */
static int ckpt_creds_ids(struct ckpt_ctx *ctx, const struct ckpt_hdr_creds *h,
			  struct cred *new)
{
	struct user_namespace *ns = current_user_ns();

	new->uid = make_kuid(ns, h->uid);
	new->euid = make_kuid(ns, h->euid);
	new->suid = make_kuid(ns, h->suid);
	new->fsuid = make_kuid(ns, h->fsuid);
	new->gid = make_kgid(ns, h->gid);
	new->egid = make_kgid(ns, h->egid);
	new->sgid = make_kgid(ns, h->sgid);
	new->fsgid = make_kgid(ns, h->fsgid);
	if (!uid_valid(new->uid) || !uid_valid(new->euid) ||
	    !uid_valid(new->suid) || !uid_valid(new->fsuid) ||
	    !gid_valid(new->gid) || !gid_valid(new->egid) ||
	    !gid_valid(new->sgid) || !gid_valid(new->fsgid))
		return ckpt_err(ctx, -EINVAL,
				"the image's user or group ids have no mapping in the caller's user namespace");
	return 0;
}

static int ckpt_creds_groups(struct ckpt_ctx *ctx, const struct ckpt_hdr_creds *h,
			     struct cred *new)
{
	struct user_namespace *ns = current_user_ns();
	struct group_info *gi;
	u32 i;

	gi = groups_alloc(h->ngroups);
	if (!gi)
		return -ENOMEM;
	for (i = 0; i < h->ngroups; i++) {
		gi->gid[i] = make_kgid(ns, h->groups[i]);
		if (!gid_valid(gi->gid[i])) {
			put_group_info(gi);
			return ckpt_err(ctx, -EINVAL,
					"supplementary group %u has no mapping in the caller's user namespace",
					h->groups[i]);
		}
	}
	groups_sort(gi);
	set_groups(new, gi);
	put_group_info(gi);
	return 0;
}

/* May the caller set @new itself?  @old is its credentials. */
static int ckpt_creds_allowed(struct ckpt_ctx *ctx, const struct cred *old,
			      const struct cred *new)
{
	u64 all = CAP_VALID_MASK;
	u64 pp = new->cap_permitted.val, pi = new->cap_inheritable.val;

	if (!ns_capable(old->user_ns, CAP_SETUID) &&
	    (!ckpt_uid_allowed(old, new->uid) || !ckpt_uid_allowed(old, new->euid) ||
	     !ckpt_uid_allowed(old, new->suid) || !ckpt_uid_allowed(old, new->fsuid)))
		return ckpt_err(ctx, -EPERM,
				"the image's user ids (uid %u euid %u) are not the caller's",
				from_kuid_munged(old->user_ns, new->uid),
				from_kuid_munged(old->user_ns, new->euid));
	if (!ns_capable(old->user_ns, CAP_SETGID) &&
	    (!ckpt_gid_allowed(old, new->gid) || !ckpt_gid_allowed(old, new->egid) ||
	     !ckpt_gid_allowed(old, new->sgid) || !ckpt_gid_allowed(old, new->fsgid)))
		return ckpt_err(ctx, -EPERM,
				"the image's group ids (gid %u egid %u) are not the caller's",
				from_kgid_munged(old->user_ns, new->gid),
				from_kgid_munged(old->user_ns, new->egid));
	if (!ns_capable(old->user_ns, CAP_SETGID) &&
	    !ckpt_groups_equal(old->group_info, new->group_info))
		return ckpt_err(ctx, -EPERM,
				"the image's supplementary groups are not the caller's");
	if ((pp | pi | new->cap_effective.val | new->cap_bset.val |
	     new->cap_ambient.val) & ~all)
		return ckpt_err(ctx, -EINVAL, "the image has unknown capabilities");
	if (pp & ~old->cap_permitted.val)
		return ckpt_err(ctx, -EPERM,
				"the image's permitted capabilities %#llx exceed the caller's %#llx",
				pp, old->cap_permitted.val);
	if (new->cap_effective.val & ~pp ||
	    new->cap_ambient.val & ~(pp & pi))
		return ckpt_err(ctx, -EINVAL,
				"the image's effective or ambient capabilities are not permitted");
	if (pi & ~(old->cap_inheritable.val | old->cap_permitted.val) ||
	    pi & ~(old->cap_inheritable.val | old->cap_bset.val))
		return ckpt_err(ctx, -EPERM,
				"the image's inheritable capabilities %#llx exceed the caller's",
				pi);
	if (new->cap_bset.val & ~old->cap_bset.val)
		return ckpt_err(ctx, -EPERM,
				"the image's capability bounding set exceeds the caller's");
	if (new->securebits != old->securebits) {
		unsigned int locked = old->securebits & SECURE_ALL_LOCKS;

		if (new->securebits & ~(SECURE_ALL_BITS | SECURE_ALL_LOCKS))
			return ckpt_err(ctx, -EINVAL, "the image has unknown securebits");
		if (!ns_capable(old->user_ns, CAP_SETPCAP) ||
		    (new->securebits ^ old->securebits) & ((locked >> 1) | locked))
			return ckpt_err(ctx, -EPERM,
					"the image's securebits %#x are not the caller's %#x",
					new->securebits, old->securebits);
	}
	return 0;
}

/*
 * What setresuid(2) does besides setting the ids: the process is counted
 * as one of its new user's (cred->user, cred->ucounts), and a user at its
 * RLIMIT_NPROC (the image's) gets no new process, as in fork(2).
 */
static int ckpt_creds_user(struct ckpt_ctx *ctx, struct cred *new)
{
	const struct cred *old = current_cred();
	u64 nproc = ctx->rst->task.rlim[RLIMIT_NPROC].cur;
	int ret;

	if (!uid_eq(new->uid, old->uid)) {
		struct user_struct *user = alloc_uid(new->uid);

		if (!user)
			return -ENOMEM;
		free_uid(new->user);
		new->user = user;
	}
	ret = set_cred_ucounts(new);
	if (ret)
		return ret;
	if (new->ucounts == old->ucounts || new->user == INIT_USER ||
	    nproc >= RLIM_INFINITY ||
	    (nproc && !is_rlimit_overlimit(new->ucounts, UCOUNT_RLIMIT_NPROC, nproc - 1)))
		return 0;
	if (capable(CAP_SYS_RESOURCE) || capable(CAP_SYS_ADMIN))
		return 0;
	return ckpt_err(ctx, -EAGAIN,
			"user %u has reached its process limit (RLIMIT_NPROC %llu)",
			from_kuid_munged(old->user_ns, new->uid), nproc);
}

/**
 * ckpt_read_creds() - read the CREDS record and prepare the credentials
 * @ctx: restart context
 *
 * Return: 0 or a negative errno; -EPERM if the image asks for more than
 * the caller could set itself.
 */
int ckpt_read_creds(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_creds *h;
	struct cred *new;
	int ret;

	h = ckpt_read_var(ctx, CKPT_HDR_CREDS, sizeof(*h),
			  struct_size(h, groups, NGROUPS_MAX));
	if (IS_ERR(h))
		return PTR_ERR(h);
	if (h->h.len != struct_size(h, groups, h->ngroups)) {
		ret = ckpt_err(ctx, -EINVAL, "creds record has %u groups but length %u",
			       h->ngroups, h->h.len);
		goto out;
	}
	new = prepare_creds();
	if (!new) {
		ret = -ENOMEM;
		goto out;
	}
	ctx->rst->cred = new;
	ret = ckpt_creds_ids(ctx, h, new);
	if (!ret)
		ret = ckpt_creds_groups(ctx, h, new);
	if (ret)
		goto out;
	new->securebits = h->securebits;
	new->cap_inheritable.val = h->cap_inheritable;
	new->cap_permitted.val = h->cap_permitted;
	new->cap_effective.val = h->cap_effective;
	new->cap_bset.val = h->cap_bset;
	new->cap_ambient.val = h->cap_ambient;
	ret = ckpt_creds_allowed(ctx, current_cred(), new);
	if (!ret)
		ret = ckpt_creds_user(ctx, new);
out:
	kvfree(h);
	return ret;
}
