// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of files reopened by path: regular files,
 * directories and the memory character devices (/dev/null, /dev/zero,
 * /dev/full, /dev/random, /dev/urandom...).
 *
 * The FILE record carries the path, the device and inode numbers, and
 * for a regular file its size and modification time.  Restart reopens the
 * path with the restarting caller's credentials, checks that it is still
 * the same file, unchanged, and seeks it to the saved position.
 *
 * Only a file that restart can reopen matches: files of the kernel's own
 * mounts (sockets, anonymous inodes, namespace files...) and the /proc
 * files of the process itself are refused by files.c with a line naming
 * them.
 */

#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/magic.h>
#include <linux/major.h>
#include <linux/mount.h>
#include <linux/pid_namespace.h>
#include <linux/proc_fs.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/string.h>

#include "internal.h"

/**
 * ckpt_is_own_proc_file() - is @file a /proc file of the task being
 * checkpointed (/proc/PID/maps...)?
 * @ctx: checkpoint context
 * @file: the file
 *
 * Restart cannot reopen it: the pid changes, and the same file of the new
 * process would show the restarter's state at the time it was opened.
 *
 * Return: true if it is.
 */
bool ckpt_is_own_proc_file(struct ckpt_ctx *ctx, struct file *file)
{
	struct super_block *sb = file->f_path.mnt->mnt_sb;
	struct dentry *d = file->f_path.dentry, *top = NULL;
	pid_t tgid;
	int nr;

	if (sb->s_magic != PROC_SUPER_MAGIC)
		return false;
	/* The entry right below the root of this proc mount. */
	rcu_read_lock();
	for (; d != sb->s_root && !IS_ROOT(d); d = READ_ONCE(d->d_parent))
		top = d;
	if (top && kstrtoint(top->d_name.name, 10, &nr))
		top = NULL;
	rcu_read_unlock();
	if (!top || d != sb->s_root)
		return false;
	rcu_read_lock();
	tgid = task_tgid_nr_ns(ctx->task, proc_pid_ns(sb));
	rcu_read_unlock();
	return tgid && nr == tgid;
}

/* A file of a mount of user space, which restart can reopen by path. */
static bool ckpt_reopenable(struct ckpt_ctx *ctx, struct file *file)
{
	return !(file->f_path.mnt->mnt_sb->s_flags & SB_KERNMOUNT) &&
	       !ckpt_is_own_proc_file(ctx, file);
}

static bool ckpt_regular_match(struct ckpt_ctx *ctx, struct file *file)
{
	return S_ISREG(file_inode(file)->i_mode) && ckpt_reopenable(ctx, file);
}

static bool ckpt_dir_match(struct ckpt_ctx *ctx, struct file *file)
{
	return S_ISDIR(file_inode(file)->i_mode) && ckpt_reopenable(ctx, file);
}

static bool ckpt_chr_match(struct ckpt_ctx *ctx, struct file *file)
{
	struct inode *inode = file_inode(file);

	return S_ISCHR(inode->i_mode) && imajor(inode) == MEM_MAJOR &&
	       ckpt_reopenable(ctx, file);
}

static int ckpt_path_checkpoint(struct ckpt_ctx *ctx, struct file *file,
				struct ckpt_file_rec *r)
{
	int ret = ckpt_path_name(ctx, &file->f_path, r->buf, PATH_MAX, &r->name);

	if (ret)
		return ckpt_err(ctx, ret == -ENOENT ? -EOPNOTSUPP : ret,
				"%s is a deleted file or out of reach", r->who);
	return 0;
}

/* Reopen a file by path, and check that it is the file of the image. */
static struct file *ckpt_reopen(struct ckpt_ctx *ctx, const struct ckpt_hdr_file *h)
{
	struct file *file;
	struct inode *inode;
	struct timespec64 mtime;
	int flags = h->f_flags & ~O_NONBLOCK;

	if (h->path[0] != '/' || h->pipe_ref || h->count || h->nr_pages)
		return ERR_PTR(-EINVAL);
	if (h->type == CKPT_FILE_DIR)
		flags |= O_DIRECTORY;
	file = filp_open(h->path, flags | O_NOCTTY, 0);
	if (IS_ERR(file)) {
		ckpt_err(ctx, PTR_ERR(file), "cannot reopen %s (error %ld)",
			 h->path, PTR_ERR(file));
		return file;
	}
	inode = file_inode(file);
	mtime = inode_get_mtime(inode);
	if ((inode->i_mode ^ h->mode) & S_IFMT ||
	    new_encode_dev(inode->i_sb->s_dev) != h->dev || inode->i_ino != h->ino ||
	    (h->type == CKPT_FILE_CHR && new_encode_dev(inode->i_rdev) != h->rdev) ||
	    (h->type == CKPT_FILE_REG &&
	     (i_size_read(inode) != h->size || mtime.tv_sec != h->mtime_sec ||
	      mtime.tv_nsec != h->mtime_nsec))) {
		fput(file);
		ckpt_err(ctx, -ESTALE, "%s is not the file that was checkpointed",
			 h->path);
		return ERR_PTR(-ESTALE);
	}
	if (h->pos && !(file->f_mode & FMODE_PATH)) {
		loff_t pos = vfs_llseek(file, h->pos, SEEK_SET);

		if (pos != h->pos) {
			fput(file);
			ckpt_err(ctx, pos < 0 ? pos : -EINVAL, "cannot seek %s to %lld",
				 h->path, h->pos);
			return ERR_PTR(pos < 0 ? pos : -EINVAL);
		}
	}
	return file;
}

const struct ckpt_file_ops ckpt_file_regular_ops = {
	.type = CKPT_FILE_REG,
	.match = ckpt_regular_match,
	.checkpoint = ckpt_path_checkpoint,
	.restart = ckpt_reopen,
};

const struct ckpt_file_ops ckpt_file_dir_ops = {
	.type = CKPT_FILE_DIR,
	.match = ckpt_dir_match,
	.checkpoint = ckpt_path_checkpoint,
	.restart = ckpt_reopen,
};

const struct ckpt_file_ops ckpt_file_chr_ops = {
	.type = CKPT_FILE_CHR,
	.match = ckpt_chr_match,
	.checkpoint = ckpt_path_checkpoint,
	.restart = ckpt_reopen,
};
