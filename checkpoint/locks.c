// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of file locks: flock(2) locks and open file
 * description (OFD) locks, which belong to an open file, and POSIX record
 * locks (F_SETLK), which belong to a process's descriptor table.
 *
 * Each lock is a LOCK record: those of an open file right after its FILE
 * record, those of a process after the FD record of the first descriptor
 * it has of the locked inode.  Restart takes the locks of a file again as
 * soon as it has re-created or reopened it, before the point of no return,
 * so that a lock another process took meanwhile fails the restart
 * cleanly.  It checks the POSIX locks there too, and takes them once the
 * process has its descriptor table, their owner.  Leases are refused.
 */

#include <linux/cred.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/filelock.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/security.h>
#include <linux/slab.h>

#include "internal.h"

/* The range and type of @flc, a POSIX, OFD or flock lock, into @h. */
static void ckpt_lock_fill(struct ckpt_hdr_lock *h, struct file_lock_core *flc)
{
	struct file_lock *fl = container_of(flc, struct file_lock, c);

	h->type = flc->flc_type == F_WRLCK ? CKPT_LOCK_WRITE : CKPT_LOCK_READ;
	h->start = flc->flc_flags & FL_FLOCK ? 0 : fl->fl_start;
	h->end = flc->flc_flags & FL_FLOCK ? OFFSET_MAX : fl->fl_end;
}

/*
 * Up to @max locks of @file's inode that @match selects, copied into @out
 * under the lock of its lock context; their number.
 */
static unsigned int ckpt_locks_of(struct file *file, struct ckpt_hdr_lock *out,
				  unsigned int max,
				  int (*match)(struct file_lock_core *flc, struct file *file,
					       void *owner),
				  void *owner)
{
	struct file_lock_context *flctx = locks_inode_context(file_inode(file));
	struct file_lock_core *flc;
	unsigned int n = 0, l;
	int kind;

	if (!flctx)
		return 0;
	spin_lock(&flctx->flc_lock);
	/* flock(2) locks, then POSIX and OFD ones; not the leases. */
	for (l = 0; l < 2; l++) {
		list_for_each_entry(flc, l ? &flctx->flc_posix : &flctx->flc_flock, flc_list) {
			kind = match(flc, file, owner);
			if (kind && n < max) {
				out[n].kind = kind;
				ckpt_lock_fill(&out[n], flc);
			}
			n += !!kind;
		}
	}
	spin_unlock(&flctx->flc_lock);
	return n;
}

/* The locks of the open file @file: its flock(2) and OFD locks. */
static int ckpt_match_file(struct file_lock_core *flc, struct file *file, void *owner)
{
	if (flc->flc_file != file)
		return 0;
	if (flc->flc_flags & FL_FLOCK)
		return CKPT_LOCK_FLOCK;
	return flc->flc_flags & FL_OFDLCK ? CKPT_LOCK_OFD : 0;
}

/* The POSIX locks of the descriptor table @owner. */
static int ckpt_match_posix(struct file_lock_core *flc, struct file *file, void *owner)
{
	return flc->flc_flags & FL_POSIX && !(flc->flc_flags & FL_OFDLCK) &&
	       flc->flc_owner == owner ? CKPT_LOCK_POSIX : 0;
}

/* Write the LOCK records of the locks @match selects on @file. */
static int ckpt_write_locks(struct ckpt_ctx *ctx, struct file *file, u32 objref,
			    int (*match)(struct file_lock_core *flc, struct file *file,
					 void *owner),
			    void *owner)
{
	struct ckpt_hdr_lock *v = NULL;
	unsigned int n, max = 0, i;
	int ret = 0;

	BUILD_BUG_ON(sizeof(*v) != 40);
	/* Stopped tasks take no locks, but another process may drop one. */
	for (;;) {
		n = ckpt_locks_of(file, v, max, match, owner);
		if (n <= max)
			break;
		kfree(v);
		max = n + 4;
		v = kcalloc(max, sizeof(*v), GFP_KERNEL);
		if (!v)
			return -ENOMEM;
	}
	for (i = 0; i < n && !ret; i++) {
		v[i].file_ref = objref;
		ret = ckpt_write_obj(ctx, &v[i].h, CKPT_HDR_LOCK, sizeof(v[i]));
	}
	kfree(v);
	return ret;
}

/**
 * ckpt_write_file_locks() - write the flock(2) and OFD locks of a file
 * @ctx: checkpoint context
 * @file: the file, whose FILE record was just written
 * @objref: its object reference
 *
 * Return: 0 or a negative errno.
 */
int ckpt_write_file_locks(struct ckpt_ctx *ctx, struct file *file, u32 objref)
{
	return ckpt_write_locks(ctx, file, objref, ckpt_match_file, NULL);
}

/**
 * ckpt_write_posix_locks() - write the POSIX record locks a descriptor
 * table holds on the inode of a file
 * @ctx: checkpoint context
 * @files: the table, the owner of the locks
 * @file: the file of its first descriptor of that inode, whose FD record
 *	was just written
 * @objref: the object reference of @file
 *
 * Return: 0 or a negative errno.
 */
int ckpt_write_posix_locks(struct ckpt_ctx *ctx, struct files_struct *files,
			   struct file *file, u32 objref)
{
	return ckpt_write_locks(ctx, file, objref, ckpt_match_posix, files);
}

/**
 * ckpt_check_locks() - what checkpoint refuses of the locks on a file
 * @ctx: checkpoint context
 * @file: a file of the tree
 * @who: what holds it, for the log
 *
 * Locks are saved; a lease (F_SETLEASE) of @file is refused.
 *
 * Return: 0, or -EOPNOTSUPP after a line naming it.
 */
int ckpt_check_locks(struct ckpt_ctx *ctx, struct file *file, const char *who)
{
	struct file_lock_context *flctx = locks_inode_context(file_inode(file));
	struct file_lock_core *flc;
	bool lease = false;

	if (!flctx)
		return 0;
	spin_lock(&flctx->flc_lock);
	list_for_each_entry(flc, &flctx->flc_lease, flc_list)
		if (flc->flc_file == file)
			lease = true;
	spin_unlock(&flctx->flc_lock);
	if (lease)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s holds a lease (F_SETLEASE) on %pD, not supported", who, file);
	return 0;
}

/* A lock of @h on @file, with @owner, as flock(2) or fcntl(2) makes it. */
static void ckpt_lock_make(struct file_lock *fl, const struct ckpt_hdr_lock *h,
			   struct file *file, fl_owner_t owner)
{
	locks_init_lock(fl);
	fl->c.flc_file = file;
	fl->c.flc_owner = owner;
	fl->c.flc_pid = h->kind == CKPT_LOCK_OFD ? -1 : current->tgid;
	fl->c.flc_type = h->type == CKPT_LOCK_WRITE ? F_WRLCK : F_RDLCK;
	fl->c.flc_flags = h->kind == CKPT_LOCK_FLOCK ? FL_FLOCK :
			  h->kind == CKPT_LOCK_OFD ? FL_POSIX | FL_OFDLCK : FL_POSIX;
	fl->fl_start = h->start;
	fl->fl_end = h->end;
}

/* Take a lock of @file without waiting: 0, or -EAGAIN if another holds it. */
static int ckpt_lock_take(struct file *file, struct file_lock *fl)
{
	int ret = security_file_lock(file, fl->c.flc_type);

	if (ret)
		return ret;
	if (fl->c.flc_flags & FL_FLOCK)
		ret = file->f_op->flock ? file->f_op->flock(file, F_SETLK, fl) :
		      locks_lock_file_wait(file, fl);
	else
		ret = vfs_lock_file(file, F_SETLK, fl, NULL);
	locks_release_private(fl);
	return ret;
}

/* A lock not taken again: EBUSY when another process holds it. */
static int ckpt_lock_failed(struct ckpt_ctx *ctx, struct file *file, int err)
{
	if (err == -EAGAIN)
		return ckpt_err(ctx, -EBUSY, "cannot lock %pD again: another process holds it",
				file);
	return ckpt_err(ctx, err, "cannot lock %pD again (error %d)", file, err);
}

/**
 * ckpt_read_lock() - a LOCK record: take the lock of an open file, or
 * check and keep a POSIX lock of the process for ckpt_restore_locks()
 * @ctx: restart context
 * @hdr: the header of the LOCK record, already read
 *
 * Return: 0 or a negative errno, logged.
 */
int ckpt_read_lock(struct ckpt_ctx *ctx, const struct ckpt_hdr *hdr)
{
	struct ckpt_restart_state *rst = ctx->rst;
	struct ckpt_hdr_lock h;
	struct file_lock fl;
	struct file *file;
	fmode_t need;
	int ret;

	if (hdr->len != sizeof(h))
		return ckpt_err(ctx, -EINVAL, "lock record has length %u", hdr->len);
	h.h = *hdr;
	ret = ckpt_read_payload(ctx, &h.h, sizeof(h));
	if (ret)
		return ret;
	if (h.kind < CKPT_LOCK_FLOCK || h.kind > CKPT_LOCK_POSIX ||
	    h.type > CKPT_LOCK_WRITE || h.__reserved || h.start < 0 || h.end < h.start ||
	    (h.kind == CKPT_LOCK_FLOCK && (h.start || h.end != OFFSET_MAX)))
		return ckpt_err(ctx, -EINVAL, "malformed lock record");
	file = ckpt_read_file_ref(ctx, h.file_ref);
	if (IS_ERR(file))
		return PTR_ERR(file);
	/* What fcntl(2) and flock(2) ask of the file's open mode. */
	need = h.kind == CKPT_LOCK_FLOCK ? FMODE_READ | FMODE_WRITE :
	       h.type == CKPT_LOCK_WRITE ? FMODE_WRITE : FMODE_READ;
	if (!(file->f_mode & need))
		return ckpt_err(ctx, -EBADF, "a lock of %pD, not open for it", file);
	if (h.kind != CKPT_LOCK_POSIX) {
		ckpt_lock_make(&fl, &h, file, file);
		ret = ckpt_lock_take(file, &fl);
		return ret ? ckpt_lock_failed(ctx, file, ret) : 0;
	}
	/* Its owner, the descriptor table, comes after the point of no return. */
	ckpt_lock_make(&fl, &h, file, (fl_owner_t)ctx);
	ret = vfs_test_lock(file, &fl);
	if (!ret && fl.c.flc_type != F_UNLCK)
		ret = -EAGAIN;
	locks_release_private(&fl);
	if (ret)
		return ckpt_lock_failed(ctx, file, ret);
	if (rst->nr_locks % 16 == 0) {
		struct ckpt_lock *v = krealloc_array(rst->locks, rst->nr_locks + 16,
						     sizeof(*v), GFP_KERNEL);

		if (!v)
			return -ENOMEM;
		rst->locks = v;
	}
	rst->locks[rst->nr_locks].file = get_file(file);
	rst->locks[rst->nr_locks++].h = h;
	return 0;
}

/**
 * ckpt_restore_locks() - take the POSIX record locks of the process
 * @ctx: restart context, past the point of no return, current with its
 *	descriptor table
 * @rst: the state whose records had the locks (the first task that names
 *	a shared table)
 *
 * Return: 0 or a negative errno (another process took a lock since it was
 * checked), logged.
 */
int ckpt_restore_locks(struct ckpt_ctx *ctx, struct ckpt_restart_state *rst)
{
	struct file_lock fl;
	unsigned int i;
	int ret;

	for (i = 0; i < rst->nr_locks; i++) {
		struct ckpt_lock *l = &rst->locks[i];

		ckpt_lock_make(&fl, &l->h, l->file, current->files);
		ret = ckpt_lock_take(l->file, &fl);
		if (ret)
			return ckpt_lock_failed(ctx, l->file, ret);
	}
	return 0;
}

/**
 * ckpt_locks_free() - drop the POSIX locks kept for a process
 * @rst: its restart state
 */
void ckpt_locks_free(struct ckpt_restart_state *rst)
{
	unsigned int i;

	for (i = 0; i < rst->nr_locks; i++)
		fput(rst->locks[i].file);
	kfree(rst->locks);
	rst->locks = NULL;
	rst->nr_locks = 0;
}
