// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of inotify instances (inotify_init1(2)): the FILE
 * record, then an INOTIFY record with the descriptor the next watch gets,
 * then one INOTIFY_WATCH record a watch, oldest first, with its descriptor,
 * its mask and the path of the watched file, found through a mount the
 * process holding the instance uses (its root, its working directory, or
 * one of its open files), and checked to lead to the same inode.
 *
 * Restart creates the instance when it reads its records, and adds the
 * watches, each with its descriptor, by path, with the checks
 * inotify_add_watch(2) makes, once every other file of the image is open:
 * restart's own opens of watched files make no event.  The next new watch
 * gets the descriptor it would have got.
 *
 * Refused, with a line: events not read yet, and a watch on a file none of
 * whose mounts the process uses, or that has no name.  Built with
 * CONFIG_INOTIFY_USER.
 */

#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/fsnotify_backend.h>
#include <linux/inotify.h>
#include <linux/kdev_t.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "internal.h"

/**
 * struct ckpt_inotify_pending - restart: a watch to add once every file of
 * the image is open
 * @file: the inotify file, referenced
 * @cred: the credentials it is added with
 * @wd: its descriptor
 * @mask: its mask
 * @dev: the device of the watched file
 * @ino: its inode number
 * @path: its path, allocated
 * @next_wd: for the last watch of its file, the descriptor the next watch
 *	gets; else 0
 */
struct ckpt_inotify_pending {
	struct file *file;
	const struct cred *cred;
	int wd;
	u32 mask;
	u64 dev;
	u64 ino;
	char *path;
	int next_wd;
};

/* A watch as the walk of the instance finds it. */
struct ckpt_inotify_watch {
	int wd;
	u32 mask;
	struct inode *inode;
};

struct ckpt_inotify_walk {
	struct ckpt_inotify_watch *w;
	unsigned int nr;
	int err;
};

static bool ckpt_inotify_match(struct ckpt_ctx *ctx, struct file *file)
{
	unsigned int queued;
	int next;

	return !inotify_file_state(file, NULL, NULL, &next, &queued);
}

static int ckpt_inotify_check(struct ckpt_ctx *ctx, struct file *file, const char *who)
{
	unsigned int queued;
	int next;

	inotify_file_state(file, NULL, NULL, &next, &queued);
	if (queued)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s is an inotify instance with %u events not read, not supported",
				who, queued);
	return 0;
}

static int ckpt_inotify_checkpoint(struct ckpt_ctx *ctx, struct file *file,
				   struct ckpt_file_rec *r)
{
	r->h->rdev = 0;
	r->name = "";
	return 0;
}

/* Under the group's lock: keep the watch, its inode referenced. */
static int ckpt_inotify_one(void *arg, int wd, u32 mask, struct inode *inode)
{
	struct ckpt_inotify_walk *walk = arg;
	struct ckpt_inotify_watch *w;

	w = krealloc_array(walk->w, walk->nr + 1, sizeof(*w), GFP_KERNEL);
	if (!w) {
		walk->err = -ENOMEM;
		return -ENOMEM;
	}
	walk->w = w;
	w += walk->nr++;
	w->wd = wd;
	w->mask = mask;
	w->inode = igrab(inode);
	return 0;
}

/*
 * The name of @inode through @mnt, if it has one there that leads back to
 * it, into @buf; NULL if not.
 */
static const char *ckpt_inotify_name_in(struct ckpt_ctx *ctx, struct inode *inode,
					struct vfsmount *mnt, char *buf)
{
	struct dentry *d;
	struct path path, back;
	const char *name = NULL;
	bool same;

	if (!mnt || mnt->mnt_sb != inode->i_sb)
		return NULL;
	d = d_find_alias(inode);
	if (!d)
		return NULL;
	path.mnt = mnt;
	path.dentry = d;
	if (is_subdir(d, mnt->mnt_root) && !ckpt_path_name(ctx, &path, buf, PATH_MAX, &name) &&
	    !kern_path(name, 0, &back)) {
		same = d_backing_inode(back.dentry) == inode;
		path_put(&back);
		if (!same)
			name = NULL;
	} else {
		name = NULL;
	}
	dput(d);
	return name;
}

/*
 * The name of the watched @inode: through the mount of the root, of the
 * working directory, or of an open file of the task holding the instance.
 */
static const char *ckpt_inotify_name(struct ckpt_ctx *ctx, struct inode *inode, char *buf)
{
	struct task_struct *t = ctx->task;
	struct path root = { }, pwd = { };
	const char *name = NULL;
	struct file *file;
	unsigned int fd;

	task_lock(t);
	if (t->fs) {
		get_fs_root(t->fs, &root);
		get_fs_pwd(t->fs, &pwd);
	}
	task_unlock(t);
	name = ckpt_inotify_name_in(ctx, inode, root.mnt, buf) ?:
	       ckpt_inotify_name_in(ctx, inode, pwd.mnt, buf);
	for (fd = 0; !name && (file = ckpt_next_file(t, &fd)); fd++) {
		name = ckpt_inotify_name_in(ctx, inode, file->f_path.mnt, buf);
		fput(file);
	}
	path_put(&root);
	path_put(&pwd);
	return name;
}

static int ckpt_inotify_checkpoint_after(struct ckpt_ctx *ctx, struct file *file,
					 struct ckpt_file_rec *r)
{
	struct ckpt_inotify_walk walk = { };
	struct ckpt_hdr_inotify_watch *h = NULL;
	struct ckpt_hdr_inotify n = { };
	unsigned int queued, i;
	char *buf = NULL;
	int next, ret;

	BUILD_BUG_ON(sizeof(n) != 16);
	BUILD_BUG_ON(sizeof(*h) != 40);
	ret = inotify_file_state(file, ckpt_inotify_one, &walk, &next, &queued);
	ret = ret ?: walk.err;
	if (!ret && queued)
		ret = ckpt_err(ctx, -EBUSY,
			       "%s is an inotify instance that got events during checkpoint",
			       r->who);
	if (ret)
		goto out;
	n.next_wd = next;
	n.nr_watches = walk.nr;
	ret = ckpt_write_obj(ctx, &n.h, CKPT_HDR_INOTIFY, sizeof(n));
	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	h = kzalloc(sizeof(*h) + PATH_MAX, GFP_KERNEL);
	if (!ret && (!buf || !h))
		ret = -ENOMEM;
	for (i = 0; i < walk.nr && !ret; i++) {
		struct ckpt_inotify_watch *w = &walk.w[i];
		const char *name = w->inode ? ckpt_inotify_name(ctx, w->inode, buf) : NULL;

		if (!name) {
			ret = ckpt_err(ctx, -EOPNOTSUPP,
				       "%s is an inotify instance watching inode %lu, which has no name its process can reach",
				       r->who, w->inode ? w->inode->i_ino : 0);
			break;
		}
		memset(h, 0, sizeof(*h));
		h->wd = w->wd;
		h->mask = w->mask;
		h->dev = new_encode_dev(w->inode->i_sb->s_dev);
		h->ino = w->inode->i_ino;
		h->path_len = strlen(name) + 1;
		memcpy(h->path, name, h->path_len);
		ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_INOTIFY_WATCH, sizeof(*h) + h->path_len);
	}
out:
	for (i = 0; i < walk.nr; i++)
		iput(walk.w[i].inode);
	kfree(walk.w);
	kfree(buf);
	kfree(h);
	return ret;
}

/* ---- restart ---- */

/* Keep a watch for ckpt_inotify_watch_all(). */
static int ckpt_inotify_add_pending(struct ckpt_ctx *ctx, struct file *file,
				    const struct ckpt_hdr_inotify_watch *h)
{
	struct ckpt_inotify_pending *p;
	char *path = kstrdup(h->path, GFP_KERNEL);

	if (!path)
		return -ENOMEM;
	p = krealloc_array(ctx->watches, ctx->nr_watches + 1, sizeof(*p), GFP_KERNEL);
	if (!p) {
		kfree(path);
		return -ENOMEM;
	}
	ctx->watches = p;
	p += ctx->nr_watches++;
	p->file = get_file(file);
	p->cred = get_cred(ctx->rst->cred ?: current_cred());
	p->wd = h->wd;
	p->mask = h->mask;
	p->dev = h->dev;
	p->ino = h->ino;
	p->path = path;
	p->next_wd = 0;
	return 0;
}

/* The watches of the instance @file, read and kept. */
static int ckpt_inotify_read_watches(struct ckpt_ctx *ctx, struct file *file,
				     const struct ckpt_hdr_inotify *n, u32 objref)
{
	const u32 known = IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK;
	u32 i;
	int ret;

	for (i = 0; i < n->nr_watches; i++) {
		struct ckpt_hdr_inotify_watch *h;

		h = ckpt_read_var(ctx, CKPT_HDR_INOTIFY_WATCH, sizeof(*h) + 2,
				  sizeof(*h) + PATH_MAX);
		if (IS_ERR(h))
			return PTR_ERR(h);
		ret = 0;
		if (h->wd < 1 || h->mask & ~known || !h->mask || h->__reserved ||
		    h->path_len != h->h.len - sizeof(*h) || h->path[0] != '/' ||
		    strnlen(h->path, h->path_len) != h->path_len - 1)
			ret = ckpt_err(ctx, -EINVAL, "malformed inotify watch record of file %u",
				       objref);
		if (!ret)
			ret = ckpt_inotify_add_pending(ctx, file, h);
		kvfree(h);
		if (ret)
			return ret;
	}
	if (n->nr_watches)
		ctx->watches[ctx->nr_watches - 1].next_wd = n->next_wd;
	return 0;
}

static struct file *ckpt_inotify_restart(struct ckpt_ctx *ctx, const struct ckpt_hdr_file *h)
{
	struct ckpt_hdr_inotify n;
	struct file *file;
	int ret;

	if (h->path[0] || h->rdev || h->nr_pages || h->pipe_ref || h->count ||
	    (h->f_flags & O_ACCMODE) != O_RDONLY)
		return ERR_PTR(-EINVAL);
	ret = ckpt_read_obj(ctx, &n.h, CKPT_HDR_INOTIFY, sizeof(n));
	if (ret)
		return ERR_PTR(ret);
	if (n.next_wd < 1 || n.nr_watches > INT_MAX) {
		ckpt_err(ctx, -EINVAL, "malformed inotify record of file %u", h->objref);
		return ERR_PTR(-EINVAL);
	}
	file = inotify_file_create(h->f_flags & O_NONBLOCK);
	if (IS_ERR(file)) {
		ckpt_err(ctx, PTR_ERR(file), "cannot create an inotify instance (error %ld)",
			 PTR_ERR(file));
		return file;
	}
	inotify_file_set_next_wd(file, n.next_wd);
	ret = ckpt_inotify_read_watches(ctx, file, &n, h->objref);
	if (ret) {
		fput(file);
		return ERR_PTR(ret);
	}
	return file;
}

/* Add one watch again: the path must still lead to the file it watched. */
static int ckpt_inotify_add(struct ckpt_ctx *ctx, const struct ckpt_inotify_pending *p)
{
	struct inode *inode;
	struct path path;
	int ret;

	ret = kern_path(p->path, 0, &path);
	if (ret)
		return ckpt_err(ctx, ret,
				"cannot find %s, watched by an inotify instance (error %d)",
				p->path, ret);
	inode = d_backing_inode(path.dentry);
	if (inode->i_ino != p->ino || new_encode_dev(inode->i_sb->s_dev) != p->dev)
		ret = ckpt_err(ctx, -ESTALE,
			       "%s, watched by an inotify instance, is not the file it was",
			       p->path);
	else
		ret = inotify_file_add_watch(p->file, &path, p->mask, p->wd);
	path_put(&path);
	if (ret == -ESTALE)
		return ret;
	if (ret)
		return ckpt_err(ctx, ret, "cannot watch %s again (error %d)", p->path, ret);
	if (p->next_wd)
		inotify_file_set_next_wd(p->file, p->next_wd);
	return 0;
}

/**
 * ckpt_inotify_watch_all() - add the watches of the inotify instances of
 * the image
 * @ctx: restart context, every record read (every other file open), before
 *	the point of no return
 *
 * Return: 0 or a negative errno, logged.
 */
int ckpt_inotify_watch_all(struct ckpt_ctx *ctx)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < ctx->nr_watches && !ret; i++) {
		const struct cred *old = override_creds(ctx->watches[i].cred);

		ret = ckpt_inotify_add(ctx, &ctx->watches[i]);
		revert_creds(old);
	}
	return ret;
}

/**
 * ckpt_inotify_free() - drop the watches kept for a restart
 * @ctx: restart context
 */
void ckpt_inotify_free(struct ckpt_ctx *ctx)
{
	unsigned int i;

	for (i = 0; i < ctx->nr_watches; i++) {
		fput(ctx->watches[i].file);
		put_cred(ctx->watches[i].cred);
		kfree(ctx->watches[i].path);
	}
	kfree(ctx->watches);
	ctx->watches = NULL;
	ctx->nr_watches = 0;
}

static struct fasync_struct **ckpt_inotify_fasync(struct file *file)
{
	struct fsnotify_group *group = file->private_data;

	return &group->fsn_fa;
}

const struct ckpt_file_ops ckpt_file_inotify_ops = {
	.type = CKPT_FILE_INOTIFY,
	.match = ckpt_inotify_match,
	.check = ckpt_inotify_check,
	.checkpoint = ckpt_inotify_checkpoint,
	.checkpoint_after = ckpt_inotify_checkpoint_after,
	.restart = ckpt_inotify_restart,
	.fasync = ckpt_inotify_fasync,
};
