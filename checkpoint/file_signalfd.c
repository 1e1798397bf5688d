// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of signalfds (signalfd(2)): the signals the file
 * reads, in the count field of the FILE record, bit n - 1 for signal n.
 * Restart creates a new signalfd with them; it reads the signals of the
 * restarted process as the original read those of its process.  Built
 * with CONFIG_SIGNALFD.
 */

#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/signal.h>
#include <linux/signalfd.h>

#include "internal.h"

static bool ckpt_signalfd_match(struct ckpt_ctx *ctx, struct file *file)
{
	sigset_t mask;

	return !signalfd_file_mask(file, &mask);
}

static int ckpt_signalfd_checkpoint(struct ckpt_ctx *ctx, struct file *file,
				    struct ckpt_file_rec *r)
{
	sigset_t mask;
	int sig, ret;

	/* The 64 bits of the record hold every signal of these arches. */
	BUILD_BUG_ON(_NSIG != 64);
	ret = signalfd_file_mask(file, &mask);
	if (ret)
		return ret;
	r->h->count = 0;
	for (sig = 1; sig <= _NSIG; sig++)
		if (sigismember(&mask, sig))
			r->h->count |= 1ULL << (sig - 1);
	r->h->rdev = 0;
	r->name = "";
	return 0;
}

static struct file *ckpt_signalfd_restart(struct ckpt_ctx *ctx, const struct ckpt_hdr_file *h)
{
	struct file *file;
	sigset_t mask;
	int sig;

	if (h->path[0] || h->rdev || h->nr_pages || h->pipe_ref ||
	    (h->f_flags & O_ACCMODE) != O_RDWR)
		return ERR_PTR(-EINVAL);
	sigemptyset(&mask);
	for (sig = 1; sig <= _NSIG; sig++)
		if (h->count & (1ULL << (sig - 1)))
			sigaddset(&mask, sig);
	file = signalfd_file_create(&mask, h->f_flags & O_NONBLOCK);
	if (IS_ERR(file))
		ckpt_err(ctx, PTR_ERR(file), "cannot create a signalfd (error %ld)",
			 PTR_ERR(file));
	return file;
}

const struct ckpt_file_ops ckpt_file_signalfd_ops = {
	.type = CKPT_FILE_SIGNALFD,
	.match = ckpt_signalfd_match,
	.checkpoint = ckpt_signalfd_checkpoint,
	.restart = ckpt_signalfd_restart,
};
