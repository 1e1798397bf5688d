// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of epoll instances (epoll_create(2)): the interest
 * list, each item with the file it watches, the descriptor number it was
 * added with, its events and flags, its user data and whether it is on the
 * ready list.
 *
 * The files watched are written first, each its FILE record through the
 * object hash as any other file, then the FILE record of the instance and
 * an EPOLL record with its items.  Restart creates the instance and adds
 * the items to it as they were (fs/eventpoll.c eventpoll_file_add()): an
 * edge-triggered item already reported is not reported again, a one-shot
 * item that fired stays disarmed.  An instance that watches another one,
 * an item with EPOLLWAKEUP, or a file no descriptor of the tree holds (it
 * would be closed after restart, and its item with it) is refused.  Built
 * with CONFIG_EPOLL.
 */

#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
/* After fs.h and uaccess.h, which it uses. */
#include <linux/eventpoll.h>

#include "internal.h"

/* Most items of one instance an image holds. */
#define CKPT_EPOLL_MAX_ITEMS	(1 << 16)

static bool ckpt_epoll_match(struct ckpt_ctx *ctx, struct file *file)
{
	return eventpoll_is_file(file);
}

/*
 * The items of @file, each referencing its file; free with ckpt_epoll_put().
 * ERR_PTR(-EFBIG) for more than CKPT_EPOLL_MAX_ITEMS.
 */
static struct eventpoll_item *ckpt_epoll_items(struct file *file, int *nr)
{
	struct eventpoll_item *items = NULL;
	int n = eventpoll_file_items(file, NULL, 0), got;

	for (;;) {
		if (n < 0)
			return ERR_PTR(n);
		if (n > CKPT_EPOLL_MAX_ITEMS)
			return ERR_PTR(-EFBIG);
		items = kvcalloc(n ?: 1, sizeof(*items), GFP_KERNEL);
		if (!items)
			return ERR_PTR(-ENOMEM);
		got = eventpoll_file_items(file, items, n);
		if (got <= n) {
			*nr = got;
			return items;
		}
		/* It grew: the tasks are quiet, but another may hold it. */
		while (n--)
			fput(items[n].file);
		kvfree(items);
		n = got;
	}
}

static void ckpt_epoll_put(struct eventpoll_item *items, int nr)
{
	while (nr-- > 0)
		fput(items[nr].file);
	kvfree(items);
}

/* What checkpoint refuses of the items of an instance. */
static int ckpt_epoll_check_items(struct ckpt_ctx *ctx, const struct eventpoll_item *items,
				  int nr, const char *who)
{
	int i, ret = 0;

	for (i = 0; i < nr && !ret; i++) {
		if (eventpoll_is_file(items[i].file))
			ret = ckpt_err(ctx, -EOPNOTSUPP,
				       "%s is an epoll instance that watches another (fd %d), not supported",
				       who, items[i].fd);
		else if (items[i].events & EPOLLWAKEUP)
			ret = ckpt_err(ctx, -EOPNOTSUPP,
				       "%s is an epoll instance that watches fd %d with EPOLLWAKEUP, not supported",
				       who, items[i].fd);
		/* Else it would go with the restored file, unwatched after restart. */
		else if (!ckpt_tree_has_file(ctx, items[i].file))
			ret = ckpt_err(ctx, -EOPNOTSUPP,
				       "%s is an epoll instance that watches fd %d, a file no descriptor of the tree holds, not supported",
				       who, items[i].fd);
	}
	return ret;
}

/* The items of an instance, if checkpoint can save them all. */
static struct eventpoll_item *ckpt_epoll_checked_items(struct ckpt_ctx *ctx, struct file *file,
						       const char *who, int *nr)
{
	struct eventpoll_item *items = ckpt_epoll_items(file, nr);
	int ret;

	if (PTR_ERR_OR_ZERO(items) == -EFBIG) {
		ckpt_err(ctx, -EOPNOTSUPP, "%s is an epoll instance of more than %d items",
			 who, CKPT_EPOLL_MAX_ITEMS);
		return ERR_PTR(-EOPNOTSUPP);
	}
	if (IS_ERR(items))
		return items;
	ret = ckpt_epoll_check_items(ctx, items, *nr, who);
	if (ret) {
		ckpt_epoll_put(items, *nr);
		return ERR_PTR(ret);
	}
	return items;
}

/* What checkpoint refuses of an instance, before anything is written. */
static int ckpt_epoll_check(struct ckpt_ctx *ctx, struct file *file, const char *who)
{
	struct eventpoll_item *items;
	int nr;

	items = ckpt_epoll_checked_items(ctx, file, who, &nr);
	if (IS_ERR(items))
		return PTR_ERR(items);
	ckpt_epoll_put(items, nr);
	return 0;
}

/*
 * The files watched, before the FILE record of the instance; its EPOLL
 * record, ready to write, in @r->priv.
 */
static int ckpt_epoll_checkpoint(struct ckpt_ctx *ctx, struct file *file,
				 struct ckpt_file_rec *r)
{
	struct eventpoll_item *items;
	struct ckpt_hdr_epoll *h;
	char who[64];
	int nr, i, ret;

	BUILD_BUG_ON(sizeof(*h) != 16);
	BUILD_BUG_ON(sizeof(h->items[0]) != 24);
	/* The items written are the items checked. */
	items = ckpt_epoll_checked_items(ctx, file, r->who, &nr);
	if (IS_ERR(items))
		return PTR_ERR(items);
	h = kvzalloc(struct_size(h, items, nr), GFP_KERNEL);
	ret = h ? 0 : -ENOMEM;
	for (i = 0; i < nr && !ret; i++) {
		struct ckpt_epoll_item *e = &h->items[i];

		snprintf(who, sizeof(who), "the file of fd %d an epoll instance watches",
			 items[i].fd);
		ret = ckpt_write_file_obj(ctx, items[i].file, who, &e->file_ref);
		e->fd = items[i].fd;
		e->events = (__force u32)items[i].events;
		e->flags = items[i].ready ? CKPT_EPOLL_READY : 0;
		e->data = items[i].data;
	}
	ckpt_epoll_put(items, nr);
	if (ret) {
		kvfree(h);
		return ret;
	}
	h->nr = nr;
	r->priv = h;
	r->name = "";
	return 0;
}

static int ckpt_epoll_checkpoint_after(struct ckpt_ctx *ctx, struct file *file,
				       struct ckpt_file_rec *r)
{
	struct ckpt_hdr_epoll *h = r->priv;

	return ckpt_write_obj(ctx, &h->h, CKPT_HDR_EPOLL, struct_size(h, items, h->nr));
}

static struct file *ckpt_epoll_restart(struct ckpt_ctx *ctx, const struct ckpt_hdr_file *h)
{
	struct ckpt_hdr_epoll *e;
	struct file *file;
	u32 i;
	int ret;

	if (h->path[0] || h->rdev || h->nr_pages || h->pipe_ref || h->count ||
	    (h->f_flags & O_ACCMODE) != O_RDWR)
		return ERR_PTR(-EINVAL);
	e = ckpt_read_var(ctx, CKPT_HDR_EPOLL, sizeof(*e),
			  struct_size(e, items, CKPT_EPOLL_MAX_ITEMS));
	if (IS_ERR(e))
		return ERR_CAST(e);
	if (e->h.len != struct_size(e, items, e->nr) || e->__reserved) {
		ckpt_err(ctx, -EINVAL, "malformed epoll record of file %u", h->objref);
		kvfree(e);
		return ERR_PTR(-EINVAL);
	}
	file = eventpoll_file_create();
	if (IS_ERR(file)) {
		ckpt_err(ctx, PTR_ERR(file), "cannot create an epoll instance (error %ld)",
			 PTR_ERR(file));
		kvfree(e);
		return file;
	}
	for (i = 0, ret = 0; i < e->nr && !ret; i++) {
		const struct ckpt_epoll_item *it = &e->items[i];
		struct eventpoll_item item = {
			.fd = it->fd,
			.events = (__force __poll_t)it->events,
			.data = it->data,
			.ready = it->flags & CKPT_EPOLL_READY,
		};

		item.file = ckpt_read_file_ref(ctx, it->file_ref);
		if (IS_ERR(item.file)) {
			ret = PTR_ERR(item.file);
			break;
		}
		ret = it->flags & ~CKPT_EPOLL_READY ? -EINVAL : eventpoll_file_add(file, &item);
		if (ret == -ENOMEM || ret == -ENOSPC)
			ckpt_err(ctx, ret, "cannot watch fd %d in epoll file %u (error %d)",
				 it->fd, h->objref, ret);
		else if (ret)
			ckpt_err(ctx, -EINVAL, "malformed epoll item %u of file %u (fd %d)",
				 i, h->objref, it->fd);
	}
	kvfree(e);
	if (ret) {
		fput(file);
		return ERR_PTR(ret == -ENOMEM || ret == -ENOSPC ? ret : -EINVAL);
	}
	return file;
}

const struct ckpt_file_ops ckpt_file_epoll_ops = {
	.type = CKPT_FILE_EPOLL,
	.match = ckpt_epoll_match,
	.check = ckpt_epoll_check,
	.checkpoint = ckpt_epoll_checkpoint,
	.checkpoint_after = ckpt_epoll_checkpoint_after,
	.restart = ckpt_epoll_restart,
};
