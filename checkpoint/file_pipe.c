// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of pipes and named pipes.
 *
 * A pipe is a PIPE object record, written once through the object hash
 * before the first FILE record of one of its ends, followed by DATA
 * records with the bytes buffered in it.  Restart re-creates it with its
 * size and its data; every FILE record of an end is then an open of its
 * own of that pipe, with its own status flags.
 *
 * A named pipe is reopened by path, and must be the same FIFO; the data
 * of its PIPE record goes into it the first time.
 */

#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/kdev_t.h>
#include <linux/magic.h>
#include <linux/pipe_fs_i.h>
#include <linux/slab.h>

#include "internal.h"

/**
 * struct ckpt_pipe - a pipe re-created by restart
 * @ends: its read and write ends
 * @keeper: for a named pipe, a descriptor that keeps it open during restart
 * @size: its size
 */
struct ckpt_pipe {
	struct file *ends[2];
	struct file *keeper;
	u32 size;
};

/**
 * ckpt_pipe_free() - free a pipe of the restart object table
 * @ptr: the struct ckpt_pipe
 */
void ckpt_pipe_free(void *ptr)
{
	struct ckpt_pipe *p = ptr;

	if (p->ends[0])
		fput(p->ends[0]);
	if (p->ends[1])
		fput(p->ends[1]);
	if (p->keeper)
		fput(p->keeper);
	kfree(p);
}

/* Write the PIPE record and the DATA records of the bytes in a pipe. */
static int ckpt_write_pipe(struct ckpt_ctx *ctx, struct pipe_inode_info *pipe,
			   const char *who, u32 *objref)
{
	struct ckpt_hdr_pipe h = { };
	struct ckpt_hdr_data *d = NULL;
	unsigned int i;
	size_t len = 0, off;
	u8 *data;
	int ret;

	BUILD_BUG_ON(sizeof(h) != 24);
	*objref = ckpt_obj_lookup(ctx, pipe);
	if (*objref)
		return 0;

	data = kvmalloc(pipe->max_usage * PAGE_SIZE, GFP_KERNEL);
	if (!data)
		return -ENOMEM;
	pipe_lock(pipe);
	ret = 0;
	if (pipe_has_watch_queue(pipe))
		ret = -EOPNOTSUPP;
	for (i = pipe->tail; !ret && i != pipe->head; i++) {
		struct pipe_buffer *buf = pipe_buf(pipe, i);
		void *p;

		if (buf->flags & PIPE_BUF_FLAG_PACKET ||
		    len + buf->len > pipe->max_usage * PAGE_SIZE) {
			ret = -EOPNOTSUPP;
			break;
		}
		p = kmap_local_page(buf->page);
		memcpy(data + len, p + buf->offset, buf->len);
		kunmap_local(p);
		len += buf->len;
	}
	h.size = pipe->max_usage * PAGE_SIZE;
	pipe_unlock(pipe);
	if (ret) {
		ret = ckpt_err(ctx, ret, "%s is a packet-mode or notification pipe", who);
		goto out;
	}

	ret = ckpt_obj_add(ctx, pipe, CKPT_OBJ_PIPE);
	if (ret < 0)
		goto out;
	*objref = ret;
	h.objref = ret;
	h.data_len = len;
	ret = ckpt_write_obj(ctx, &h.h, CKPT_HDR_PIPE, sizeof(h));
	if (ret || !len)
		goto out;
	d = kmalloc(sizeof(*d) + CKPT_DATA_MAX, GFP_KERNEL);
	if (!d) {
		ret = -ENOMEM;
		goto out;
	}
	for (off = 0; off < len && !ret; off += CKPT_DATA_MAX) {
		size_t n = min_t(size_t, len - off, CKPT_DATA_MAX);

		memcpy(d->data, data + off, n);
		ret = ckpt_write_obj(ctx, &d->h, CKPT_HDR_DATA, sizeof(*d) + n);
	}
out:
	kfree(d);
	kvfree(data);
	return ret;
}

/**
 * ckpt_read_pipe() - re-create a pipe from its PIPE record and the DATA
 * records after it
 * @ctx: restart context
 * @hdr: the header of the PIPE record, already read
 *
 * Return: 0 or a negative errno, logged.
 */
int ckpt_read_pipe(struct ckpt_ctx *ctx, const struct ckpt_hdr *hdr)
{
	struct ckpt_hdr_pipe h;
	struct ckpt_pipe *p;
	u32 left;
	int ret;

	if (hdr->len != sizeof(h))
		return ckpt_err(ctx, -EINVAL, "pipe record has length %u", hdr->len);
	h.h = *hdr;
	ret = ckpt_read_payload(ctx, &h.h, sizeof(h));
	if (ret)
		return ret;
	if (h.__reserved || h.data_len > h.size || !h.size)
		return ckpt_err(ctx, -EINVAL, "malformed pipe record");
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	ret = create_pipe_files(p->ends, 0);
	if (ret) {
		kfree(p);
		return ret;
	}
	p->size = h.size;
	ret = ckpt_obj_insert(ctx, h.objref, p, CKPT_OBJ_PIPE);
	if (ret)
		return ret;
	if (h.size > PAGE_SIZE * PIPE_DEF_BUFFERS || h.data_len) {
		long size = pipe_fcntl(p->ends[1], F_SETPIPE_SZ, h.size);

		if (size < 0)
			return ckpt_err(ctx, size, "cannot size a pipe to %u bytes (error %ld)",
					h.size, size);
	}
	/* The data fits: it did in a pipe of this size. */
	p->ends[1]->f_flags |= O_NONBLOCK;
	for (left = h.data_len; left; ) {
		struct ckpt_hdr_data *d;
		u32 n;
		ssize_t w;

		d = ckpt_read_var(ctx, CKPT_HDR_DATA, sizeof(*d) + 1,
				  sizeof(*d) + min_t(u32, left, CKPT_DATA_MAX));
		if (IS_ERR(d))
			return PTR_ERR(d);
		n = d->h.len - sizeof(*d);
		w = kernel_write(p->ends[1], d->data, n, NULL);
		kvfree(d);
		if (w != n)
			return ckpt_err(ctx, w < 0 ? w : -EIO,
					"cannot refill a pipe (error %zd)", w);
		left -= n;
	}
	p->ends[1]->f_flags &= ~O_NONBLOCK;
	return 0;
}

/* ---- an end of a pipe made by pipe(2) ---- */

static bool ckpt_pipe_match(struct ckpt_ctx *ctx, struct file *file)
{
	return S_ISFIFO(file_inode(file)->i_mode) && get_pipe_info(file, false) &&
	       file_inode(file)->i_sb->s_magic == PIPEFS_MAGIC;
}

static int ckpt_pipe_checkpoint(struct ckpt_ctx *ctx, struct file *file,
				struct ckpt_file_rec *r)
{
	r->name = "";
	return ckpt_write_pipe(ctx, get_pipe_info(file, false), r->who, &r->h->pipe_ref);
}

static struct file *ckpt_pipe_restart(struct ckpt_ctx *ctx, const struct ckpt_hdr_file *h)
{
	struct ckpt_pipe *p;

	if (h->path[0] || h->f_flags & O_PATH || h->count || h->nr_pages)
		return ERR_PTR(-EINVAL);
	p = ckpt_obj_fetch(ctx, h->pipe_ref, CKPT_OBJ_PIPE);
	if (IS_ERR(p))
		return ERR_CAST(p);
	/* Each open of the pipe is a file of its own, with its flags. */
	return ckpt_open_again(ctx, p->ends[(h->f_flags & O_ACCMODE) != O_RDONLY],
			       h->f_flags);
}

/* pipe_fasync() adds an entry to both lists of a file open for both. */
static struct fasync_struct **ckpt_pipe_fasync(struct file *file)
{
	struct pipe_inode_info *pipe = file->private_data;

	return file->f_mode & FMODE_READ ? &pipe->fasync_readers : &pipe->fasync_writers;
}

const struct ckpt_file_ops ckpt_file_pipe_ops = {
	.type = CKPT_FILE_PIPE,
	.match = ckpt_pipe_match,
	.checkpoint = ckpt_pipe_checkpoint,
	.restart = ckpt_pipe_restart,
	.fasync = ckpt_pipe_fasync,
};

/* ---- an end of a named pipe (mkfifo(3)) ---- */

static bool ckpt_fifo_match(struct ckpt_ctx *ctx, struct file *file)
{
	return S_ISFIFO(file_inode(file)->i_mode) && get_pipe_info(file, false) &&
	       file_inode(file)->i_sb->s_magic != PIPEFS_MAGIC;
}

static int ckpt_fifo_checkpoint(struct ckpt_ctx *ctx, struct file *file,
				struct ckpt_file_rec *r)
{
	int ret = ckpt_write_pipe(ctx, get_pipe_info(file, false), r->who, &r->h->pipe_ref);

	if (ret)
		return ret;
	ret = ckpt_path_name(ctx, &file->f_path, r->buf, PATH_MAX, &r->name);
	if (ret)
		return ckpt_err(ctx, ret == -ENOENT ? -EOPNOTSUPP : ret,
				"%s is a deleted named pipe or out of reach", r->who);
	return 0;
}

/*
 * Reopen a named pipe.  The first time, a descriptor open for reading and
 * writing keeps the pipe alive while its ends are opened without blocking,
 * and the data of its PIPE record moves into it.
 */
static struct file *ckpt_fifo_restart(struct ckpt_ctx *ctx, const struct ckpt_hdr_file *h)
{
	struct ckpt_pipe *p;
	struct file *file;
	struct inode *inode;
	char *buf;
	ssize_t n;

	if (h->path[0] != '/' || h->f_flags & O_PATH || h->count || h->nr_pages)
		return ERR_PTR(-EINVAL);
	p = ckpt_obj_fetch(ctx, h->pipe_ref, CKPT_OBJ_PIPE);
	if (IS_ERR(p))
		return ERR_CAST(p);
	if (!p->keeper) {
		file = filp_open(h->path, O_RDWR | O_NONBLOCK | O_NOCTTY, 0);
		if (IS_ERR(file)) {
			ckpt_err(ctx, PTR_ERR(file), "cannot reopen the named pipe %s (error %ld)",
				 h->path, PTR_ERR(file));
			return file;
		}
		inode = file_inode(file);
		if (!S_ISFIFO(inode->i_mode) || inode->i_ino != h->ino ||
		    new_encode_dev(inode->i_sb->s_dev) != h->dev) {
			fput(file);
			ckpt_err(ctx, -ESTALE, "%s is not the named pipe that was checkpointed",
				 h->path);
			return ERR_PTR(-ESTALE);
		}
		p->keeper = file;
		pipe_fcntl(file, F_SETPIPE_SZ, p->size);
		buf = kvmalloc(p->size, GFP_KERNEL);
		if (!buf)
			return ERR_PTR(-ENOMEM);
		p->ends[0]->f_flags |= O_NONBLOCK;
		n = kernel_read(p->ends[0], buf, p->size, NULL);
		if (n > 0 && kernel_write(file, buf, n, NULL) != n)
			n = -EIO;
		kvfree(buf);
		if (n < 0 && n != -EAGAIN) {
			ckpt_err(ctx, n, "cannot refill the named pipe %s (error %zd)", h->path, n);
			return ERR_PTR(n);
		}
	}
	file = filp_open(h->path, h->f_flags | O_NONBLOCK | O_NOCTTY, 0);
	if (IS_ERR(file)) {
		ckpt_err(ctx, PTR_ERR(file), "cannot reopen the named pipe %s (error %ld)",
			 h->path, PTR_ERR(file));
		return file;
	}
	if (file_inode(file) != file_inode(p->keeper)) {
		fput(file);
		ckpt_err(ctx, -ESTALE, "%s changed during restart", h->path);
		return ERR_PTR(-ESTALE);
	}
	return file;
}

const struct ckpt_file_ops ckpt_file_fifo_ops = {
	.type = CKPT_FILE_FIFO,
	.match = ckpt_fifo_match,
	.checkpoint = ckpt_fifo_checkpoint,
	.restart = ckpt_fifo_restart,
	.fasync = ckpt_pipe_fasync,
};
