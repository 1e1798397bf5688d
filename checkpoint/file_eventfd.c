// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of eventfds (eventfd(2)): the counter and the
 * EFD_SEMAPHORE mode, in the count and rdev fields of the FILE record.
 * Restart creates a new eventfd with them.  Built with CONFIG_EVENTFD.
 */

#include <linux/err.h>
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/fs.h>

#include "internal.h"

static bool ckpt_eventfd_match(struct ckpt_ctx *ctx, struct file *file)
{
	unsigned int flags;
	u64 count;

	return !eventfd_file_state(file, &count, &flags);
}

static int ckpt_eventfd_checkpoint(struct ckpt_ctx *ctx, struct file *file,
				   struct ckpt_file_rec *r)
{
	unsigned int flags;
	int ret;

	ret = eventfd_file_state(file, &r->h->count, &flags);
	if (ret)
		return ret;
	r->h->rdev = flags & EFD_SEMAPHORE ? 1 : 0;
	r->name = "";
	return 0;
}

static struct file *ckpt_eventfd_restart(struct ckpt_ctx *ctx, const struct ckpt_hdr_file *h)
{
	struct file *file;

	if (h->path[0] || h->rdev & ~1ULL || h->nr_pages || h->pipe_ref ||
	    (h->f_flags & O_ACCMODE) != O_RDWR)
		return ERR_PTR(-EINVAL);
	file = eventfd_file_create(h->count, (h->rdev ? EFD_SEMAPHORE : 0) |
				   (h->f_flags & O_NONBLOCK));
	if (IS_ERR(file))
		ckpt_err(ctx, PTR_ERR(file), "cannot create an eventfd (error %ld)",
			 PTR_ERR(file));
	return file;
}

const struct ckpt_file_ops ckpt_file_eventfd_ops = {
	.type = CKPT_FILE_EVENTFD,
	.match = ckpt_eventfd_match,
	.checkpoint = ckpt_eventfd_checkpoint,
	.restart = ckpt_eventfd_restart,
};
