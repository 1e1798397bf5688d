// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of deleted files: a regular file that has no name
 * left (unlinked, its link count 0) but is still open or mapped.
 *
 * Its data cannot be reopened by path, so it is saved in the image: the
 * FILE record carries the path the file had, its size, permissions and
 * modification time and the number of its pages of data, which follow in
 * PAGES records (holes stay holes).  Every other open of the same file is
 * a FILE record that refers to the first.  Restart creates an unnamed file
 * (O_TMPFILE) in the directory the file was in, with the credentials of the
 * image (so that its owner is the image's user), writes the data, sets the
 * size, permissions (never set-user-ID or set-group-ID) and modification
 * time, and opens it again for the other records: the process finds a
 * deleted file with the same contents.
 *
 * A deleted file larger than CKPT_GHOST_MAX_SIZE is refused: the image
 * would hold all of it.
 */

#include <linux/cred.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"

/* The largest deleted file saved in an image. */
#define CKPT_GHOST_MAX_SIZE	SZ_64M

/* The suffix d_path() gives the path of an unlinked dentry. */
#define CKPT_DELETED		" (deleted)"

/**
 * ckpt_is_ghost() - is a file a deleted regular file, whose data an image
 * carries?
 * @file: the file
 *
 * Return: true if it is.
 */
bool ckpt_is_ghost(struct file *file)
{
	struct inode *inode = file_inode(file);

	return S_ISREG(inode->i_mode) && !inode->i_nlink &&
	       d_unlinked(file->f_path.dentry) &&
	       !(file->f_path.mnt->mnt_sb->s_flags & SB_KERNMOUNT);
}

static bool ckpt_ghost_match(struct ckpt_ctx *ctx, struct file *file)
{
	return ckpt_is_ghost(file);
}

static int ckpt_ghost_checkpoint(struct ckpt_ctx *ctx, struct file *file,
				 struct ckpt_file_rec *r)
{
	struct inode *inode = file_inode(file);
	loff_t size = r->h->size;
	char *p;
	size_t len;

	if (file->f_mode & FMODE_PATH || file->f_flags & O_DIRECT)
		return ckpt_err(ctx, -EOPNOTSUPP, "%s is an %s open of a deleted file",
				r->who, file->f_flags & O_DIRECT ? "O_DIRECT" : "O_PATH");
	p = d_path(&file->f_path, r->buf, PATH_MAX);
	if (IS_ERR(p) || *p != '/')
		return ckpt_err(ctx, -EOPNOTSUPP, "%s is a deleted file out of reach", r->who);
	len = strlen(p);
	if (len > strlen(CKPT_DELETED) && !strcmp(p + len - strlen(CKPT_DELETED), CKPT_DELETED))
		p[len - strlen(CKPT_DELETED)] = '\0';
	r->name = p;
	/* Another open of a file already saved: restart opens it again. */
	r->h->pipe_ref = ckpt_obj_lookup(ctx, inode);
	if (r->h->pipe_ref)
		return 0;
	if (size > CKPT_GHOST_MAX_SIZE)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s is a deleted file of %lld bytes (%s), larger than the %d MiB saved",
				r->who, size, p, CKPT_GHOST_MAX_SIZE >> 20);
	/* Its data goes into the image: only what the checkpointer may read. */
	if (!(file->f_mode & FMODE_READ) &&
	    inode_permission(file_mnt_idmap(file), inode, MAY_READ))
		return ckpt_err(ctx, -EACCES,
				"%s is a deleted file (%s) open for writing only, which the caller cannot read",
				r->who, p);
	return ckpt_write_file_data(ctx, file, size, &r->h->nr_pages, &r->walk);
}

/* The first FILE record of the file is written: its pages follow. */
static int ckpt_ghost_checkpoint_after(struct ckpt_ctx *ctx, struct file *file,
				       struct ckpt_file_rec *r)
{
	int ret;

	if (r->h->pipe_ref)
		return 0;
	ret = ckpt_obj_alias(ctx, file_inode(file), r->h->objref);
	if (!ret && r->walk.nr)
		ret = ckpt_write_file_data(ctx, file, r->h->size, &r->h->nr_pages, &r->walk);
	return ret;
}

/*
 * The inodes of the deleted files this restart created: only these may be
 * opened again by a later record, without a permission check.
 */
static int ckpt_ghost_add(struct ckpt_ctx *ctx, struct inode *inode)
{
	struct inode **a;

	a = krealloc_array(ctx->ghosts, ctx->nr_ghosts + 1, sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	a[ctx->nr_ghosts++] = inode;
	ctx->ghosts = a;
	return 0;
}

static bool ckpt_ghost_created(struct ckpt_ctx *ctx, struct inode *inode)
{
	unsigned int i;

	for (i = 0; i < ctx->nr_ghosts; i++)
		if (ctx->ghosts[i] == inode)
			return true;
	return false;
}

/* Size, permissions and modification time of a file re-created. */
static int ckpt_ghost_attrs(struct ckpt_ctx *ctx, struct file *file,
			    const struct ckpt_hdr_file *h)
{
	struct timespec64 times[2] = {
		{ .tv_nsec = UTIME_OMIT },
		{ .tv_sec = h->mtime_sec, .tv_nsec = h->mtime_nsec },
	};
	int ret;

	/* No set-user-ID or set-group-ID bit: the file is the restarter's. */
	ret = do_truncate(file_mnt_idmap(file), file->f_path.dentry, h->size, 0, file);
	if (!ret)
		ret = vfs_fchmod(file, h->mode & 0777);
	if (!ret)
		ret = vfs_utimes(&file->f_path, times);
	if (ret)
		ckpt_err(ctx, ret, "cannot set the size, mode and time of the deleted file %s (error %d)",
			 h->path, ret);
	return ret;
}

/* Re-create the deleted file of a first FILE record, with its data. */
static struct file *ckpt_new_ghost(struct ckpt_ctx *ctx, const struct ckpt_hdr_file *h)
{
	struct file *file;
	char *dir, *slash;
	int ret;

	if (h->size < 0 || h->size > CKPT_GHOST_MAX_SIZE ||
	    (u64)h->nr_pages > DIV_ROUND_UP(h->size, PAGE_SIZE) ||
	    h->f_flags & O_PATH || !S_ISREG(h->mode) || h->path[0] != '/' ||
	    h->mtime_nsec >= NSEC_PER_SEC || h->count) {
		ckpt_err(ctx, -EINVAL, "malformed deleted file record %u", h->objref);
		return ERR_PTR(-EINVAL);
	}
	dir = kstrdup(h->path, GFP_KERNEL);
	if (!dir)
		return ERR_PTR(-ENOMEM);
	slash = strrchr(dir, '/');
	slash[slash == dir ? 1 : 0] = '\0';
	/* Unnamed from the start, in the directory the file was in. */
	file = filp_open(dir, O_TMPFILE | O_RDWR | O_LARGEFILE, 0600);
	if (!IS_ERR(file) && ckpt_ghost_add(ctx, file_inode(file))) {
		fput(file);
		file = ERR_PTR(-ENOMEM);
	}
	if (IS_ERR(file)) {
		ckpt_err(ctx, PTR_ERR(file),
			 "cannot create the deleted file %s again in %s (error %ld)",
			 h->path, dir, PTR_ERR(file));
		kfree(dir);
		return file;
	}
	kfree(dir);
	ret = ckpt_read_file_data(ctx, file, h->nr_pages, h->size);
	if (!ret)
		ret = ckpt_ghost_attrs(ctx, file, h);
	if (ret) {
		fput(file);
		return ERR_PTR(ret);
	}
	/*
	 * Open again with the access mode of the record, as for a memfd.  The
	 * read-write file is released now, not when the call returns: an
	 * executable must have no writer left.
	 */
	if ((h->f_flags & O_ACCMODE) != O_RDWR) {
		struct file *again = ckpt_open_again(ctx, file, h->f_flags);

		__fput_sync(file);
		return again;
	}
	return file;
}

static struct file *ckpt_ghost_restart(struct ckpt_ctx *ctx, const struct ckpt_hdr_file *h)
{
	const struct cred *old;
	struct file *file, *first;

	if (!ctx->rst->cred)
		return ERR_PTR(-EINVAL);
	if (!h->pipe_ref) {
		/* Created as the restarted process: its owner is the image's user. */
		old = override_creds(ctx->rst->cred);
		file = ckpt_new_ghost(ctx, h);
		revert_creds(old);
	} else {
		/* Another open of a deleted file re-created by an earlier record. */
		first = ckpt_read_file_ref(ctx, h->pipe_ref);
		if (IS_ERR(first))
			return first;
		if (!ckpt_ghost_created(ctx, file_inode(first)) || h->nr_pages ||
		    h->f_flags & O_PATH)
			return ERR_PTR(-EINVAL);
		file = ckpt_open_again(ctx, first, h->f_flags);
	}
	if (!IS_ERR(file))
		file->f_pos = h->pos;
	return file;
}

const struct ckpt_file_ops ckpt_file_ghost_ops = {
	.type = CKPT_FILE_GHOST,
	.match = ckpt_ghost_match,
	.checkpoint = ckpt_ghost_checkpoint,
	.checkpoint_after = ckpt_ghost_checkpoint_after,
	.restart = ckpt_ghost_restart,
};
