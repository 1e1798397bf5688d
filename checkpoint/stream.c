// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart: the record stream and the log.
 *
 * Every byte of an image goes through ckpt_write() or ckpt_read(), which
 * keep the running CRC32C that the tail record carries, but for the page
 * contents of PAGES records: those are user data, which the kernel copies
 * without interpreting (as read(2) and write(2) would), and go through
 * ckpt_write_pages() and ckpt_read_pages() outside the checksum.  Failures are
 * reported with ckpt_err(), which writes one line on the log file
 * descriptor of the system call.
 */

#include <linux/align.h>
#include <linux/bvec.h>
#include <linux/crc32.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/uio.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/printk.h>
#include <linux/sizes.h>
#include <linux/sprintf.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"

/* Longest record restart accepts. */
#define CKPT_RECORD_MAX		SZ_1M

static const u8 ckpt_zero_pad[CKPT_ALIGN];

/**
 * ckpt_crc32c() - continue a CRC32C over more bytes of the image
 * @crc: the CRC so far, not finalized (~0 for none)
 * @buf: the bytes
 * @len: their number
 *
 * Return: the updated CRC, not finalized.
 */
u32 ckpt_crc32c(u32 crc, const void *buf, size_t len)
{
	return __crc32c_le(crc, buf, len);
}

static const char *ckpt_op_name(struct ckpt_ctx *ctx)
{
	return ctx->op == CKPT_OP_CHECKPOINT ? "checkpoint" : "restart";
}

static const char *const ckpt_type_names[] = {
	[CKPT_HDR_HEADER] = "header",
	[CKPT_HDR_HEADER_ARCH] = "arch header",
	[CKPT_HDR_TAIL] = "tail",
	[CKPT_HDR_TREE] = "tree",
	[CKPT_HDR_TASK] = "task",
	[CKPT_HDR_CREDS] = "creds",
	[CKPT_HDR_FS] = "fs",
	[CKPT_HDR_SIGHAND] = "sighand",
	[CKPT_HDR_SIGPENDING] = "sigpending",
	[CKPT_HDR_RESTART_BLOCK] = "restart block",
	[CKPT_HDR_AFFINITY] = "affinity",
	[CKPT_HDR_CPU] = "cpu",
	[CKPT_HDR_THREAD] = "thread",
	[CKPT_HDR_MM_CONTEXT] = "mm context",
	[CKPT_HDR_REGSET] = "register set",
	[CKPT_HDR_MM] = "mm",
	[CKPT_HDR_VMA] = "vma",
	[CKPT_HDR_PAGES] = "pages",
	[CKPT_HDR_FILES] = "files",
	[CKPT_HDR_FILE] = "file",
	[CKPT_HDR_PIPE] = "pipe",
	[CKPT_HDR_FD] = "fd",
	[CKPT_HDR_DATA] = "data",
	[CKPT_HDR_TIMERFD] = "timerfd",
	[CKPT_HDR_EPOLL] = "epoll",
	[CKPT_HDR_UNIX] = "unix socket",
	[CKPT_HDR_UNIX_MSG] = "unix socket message",
	[CKPT_HDR_LOCK] = "lock",
	[CKPT_HDR_INET] = "inet socket",
	[CKPT_HDR_INET_DGRAM] = "inet datagram",
	[CKPT_HDR_INOTIFY] = "inotify",
	[CKPT_HDR_INOTIFY_WATCH] = "inotify watch",
	[CKPT_HDR_FILE_ASYNC] = "O_ASYNC",
	[CKPT_HDR_UNIX_QUEUE] = "unix socket queue",
	[CKPT_HDR_PTY] = "pty",
	[CKPT_HDR_PTY_INPUT] = "pty input",
	[CKPT_HDR_TTY_INHERITED] = "inherited terminal",
	[CKPT_HDR_PRECOPY] = "pre-copy pages",
	[CKPT_HDR_STAGED] = "staged pages",
};

const char *ckpt_type_name(u32 type)
{
	if (type < ARRAY_SIZE(ckpt_type_names) && ckpt_type_names[type])
		return ckpt_type_names[type];
	return "unknown";
}

/* Report a failed read or write of the image. */
static int ckpt_io_err(struct ckpt_ctx *ctx, const char *what, ssize_t err)
{
	if (err == -ERESTARTSYS || err == -ERESTARTNOINTR ||
	    err == -ERESTARTNOHAND || err == -EINTR)
		return ckpt_err(ctx, -EINTR,
				"interrupted by a signal while %s the image at offset %llu",
				what, ctx->image_len);
	return ckpt_err(ctx, err, "%s the image at offset %llu failed (error %zd)",
			what, ctx->image_len, err);
}

static loff_t *ckpt_ppos(struct file *file, loff_t *pos)
{
	return (file->f_mode & FMODE_STREAM) ? NULL : pos;
}

/**
 * ckpt_err() - report the failure of a checkpoint or restart
 * @ctx: the operation
 * @err: the negative errno it fails with
 * @fmt: printf-style description of the cause, without a newline
 *
 * Keeps "checkpoint: <cause>" or "restart: <cause>" as the line that
 * ckpt_log_flush() writes on the log file descriptor, if the caller gave
 * one, when the operation ends.  Only the first report of an operation is
 * kept: it is the most precise one.  Nothing is written here, so a caller
 * may report while it holds any lock (an mmap lock, a spinlock): the log
 * may be a pipe whose writer takes its mutex and faults on its own mm.
 *
 * Return: @err, so that callers can write "return ckpt_err(...)".
 */
int ckpt_err(struct ckpt_ctx *ctx, int err, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;
	int len;

	if (ctx->logged)
		return err;
	ctx->logged = true;
	if (!ctx->logfile)
		return err;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	len = scnprintf(ctx->logline, sizeof(ctx->logline), "%s: %pV\n",
			ckpt_op_name(ctx), &vaf);
	va_end(args);
	if (ctx->logline[len - 1] != '\n')
		ctx->logline[len - 1] = '\n';
	ctx->loglen = len;
	return err;
}

/**
 * ckpt_log_flush() - write the line kept by ckpt_err() on the log
 * @ctx: the operation, ending, with no lock held
 *
 * The log is best effort: its own failure must not hide the operation's.
 */
void ckpt_log_flush(struct ckpt_ctx *ctx)
{
	struct file *log = ctx->logfile;
	loff_t pos;

	if (!log || !ctx->loglen)
		return;
	pos = log->f_pos;
	if (kernel_write(log, ctx->logline, ctx->loglen, ckpt_ppos(log, &pos)) > 0 &&
	    !(log->f_mode & FMODE_STREAM))
		log->f_pos = pos;
	ctx->loglen = 0;
}

/* Write @len bytes at @p to the image file, in as many calls as it takes. */
static int ckpt_write_file(struct ckpt_ctx *ctx, const char *p, size_t len)
{
	while (len) {
		ssize_t n = kernel_write(ctx->file, p, len,
					 ckpt_ppos(ctx->file, &ctx->pos));

		if (n < 0)
			return ckpt_io_err(ctx, "writing", n);
		if (!n)
			return ckpt_err(ctx, -EIO,
					"writing the image at offset %llu made no progress",
					ctx->image_len);
		p += n;
		len -= n;
	}
	return 0;
}

/**
 * ckpt_flush() - write the records kept in the write buffer
 * @ctx: checkpoint context
 *
 * Records are gathered in a buffer (&ckpt_ctx.wbuf), written when it is
 * full, before page contents, and at the end: one write(2) of many small
 * records costs much less than one each.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_flush(struct ckpt_ctx *ctx)
{
	size_t len = ctx->wlen;

	ctx->wlen = 0;
	return len ? ckpt_write_file(ctx, ctx->wbuf, len) : 0;
}

/**
 * ckpt_write() - append bytes to the image
 * @ctx: checkpoint context
 * @buf: the bytes
 * @len: their number
 *
 * Return: 0 or a negative errno.
 */
int ckpt_write(struct ckpt_ctx *ctx, const void *buf, size_t len)
{
	int ret;

	ctx->crc = ckpt_crc32c(ctx->crc, buf, len);
	ctx->image_len += len;
	if (ctx->wbuf && len <= CKPT_WBUF_SIZE) {
		if (ctx->wlen + len > CKPT_WBUF_SIZE) {
			ret = ckpt_flush(ctx);
			if (ret)
				return ret;
		}
		memcpy(ctx->wbuf + ctx->wlen, buf, len);
		ctx->wlen += len;
		return 0;
	}
	ret = ckpt_flush(ctx);
	return ret ?: ckpt_write_file(ctx, buf, len);
}

/**
 * ckpt_write_obj() - append a record to the image
 * @ctx: checkpoint context
 * @h: the record, which starts with its &struct ckpt_hdr
 * @type: the record type, stored into @h
 * @len: the record length, @h included, stored into @h
 *
 * Writes the record and the zero padding up to the next multiple of
 * %CKPT_ALIGN.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_write_obj(struct ckpt_ctx *ctx, struct ckpt_hdr *h, u32 type, u32 len)
{
	u32 pad = ALIGN(len, CKPT_ALIGN) - len;
	int ret;

	h->type = type;
	h->len = len;
	ret = ckpt_write(ctx, h, len);
	if (!ret && pad)
		ret = ckpt_write(ctx, ckpt_zero_pad, pad);
	if (!ret)
		ctx->nr_records++;
	return ret;
}

/*
 * Read up to @len bytes of the image file into @buf; 0 at its end.  The
 * read-ahead buffer (&ckpt_ctx.rbuf) is used up first.
 */
static ssize_t ckpt_read_some(struct ckpt_ctx *ctx, void *buf, size_t len)
{
	ssize_t n;

	if (ctx->rbuf && ctx->rpos == ctx->rlen && len < CKPT_RBUF_SIZE / 2) {
		n = kernel_read(ctx->file, ctx->rbuf, CKPT_RBUF_SIZE, &ctx->pos);
		if (n < 0)
			return n;
		ctx->rpos = 0;
		ctx->rlen = n;
	}
	if (ctx->rpos < ctx->rlen) {
		n = min(len, ctx->rlen - ctx->rpos);
		memcpy(buf, ctx->rbuf + ctx->rpos, n);
		ctx->rpos += n;
		return n;
	}
	return kernel_read(ctx->file, buf, len, ckpt_ppos(ctx->file, &ctx->pos));
}

/*
 * Read exactly @len bytes of the image.  Returns -ENODATA, without a report,
 * when the image ends first.
 */
static int ckpt_read_raw(struct ckpt_ctx *ctx, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = ckpt_read_some(ctx, p, len);

		if (n < 0)
			return ckpt_io_err(ctx, "reading", n);
		if (!n)
			return -ENODATA;
		ctx->crc = ckpt_crc32c(ctx->crc, p, n);
		p += n;
		len -= n;
		ctx->image_len += n;
	}
	return 0;
}

/**
 * ckpt_read_ahead() - read the image by large reads, if it is a file
 * @ctx: restart context
 *
 * A regular file is read by %CKPT_RBUF_SIZE bytes at a time, the records
 * taken from the buffer: one read(2) of many small records costs much
 * less than one each.  Restart ends with the file offset right after the
 * image (ckpt_read_done()).  A pipe or a socket is read as the records
 * come, so that nothing after the image is taken.
 */
void ckpt_read_ahead(struct ckpt_ctx *ctx)
{
	if (S_ISREG(file_inode(ctx->file)->i_mode) && !(ctx->file->f_mode & FMODE_STREAM))
		ctx->rbuf = kvmalloc(CKPT_RBUF_SIZE, GFP_KERNEL);
}

/**
 * ckpt_read_done() - give back what was read ahead of the image
 * @ctx: restart context
 *
 * Return: the file offset after the last byte of the image read.
 */
loff_t ckpt_read_done(struct ckpt_ctx *ctx)
{
	loff_t pos = ctx->pos - (ctx->rlen - ctx->rpos);

	kvfree(ctx->rbuf);
	ctx->rbuf = NULL;
	ctx->rpos = 0;
	ctx->rlen = 0;
	return pos;
}

/**
 * ckpt_read() - read bytes of the current record
 * @ctx: restart context
 * @buf: where to store them
 * @len: their number
 *
 * Return: 0, -ENODATA if the image is truncated, or another negative errno.
 */
int ckpt_read(struct ckpt_ctx *ctx, void *buf, size_t len)
{
	int ret = ckpt_read_raw(ctx, buf, len);

	if (ret == -ENODATA)
		return ckpt_err(ctx, ret,
				"image truncated at offset %llu, inside a record of type %u (%s)",
				ctx->image_len, ctx->rec_type,
				ckpt_type_name(ctx->rec_type));
	return ret;
}

/**
 * ckpt_read_hdr() - read the &struct ckpt_hdr of the next record
 * @ctx: restart context
 * @h: where to store it
 *
 * Notes where the record starts, for the tail checks, and checks that its
 * length is plausible.  The payload is left for ckpt_read_payload().
 *
 * Return: 0 or a negative errno.
 */
int ckpt_read_hdr(struct ckpt_ctx *ctx, struct ckpt_hdr *h)
{
	int ret;

	if (ctx->unread) {
		/* Given back by ckpt_unread_hdr(): the rec_* fields are its. */
		*h = ctx->unread_hdr;
		ctx->unread = false;
		return 0;
	}

	ctx->rec_len = ctx->image_len;
	ctx->rec_crc = ctx->crc;
	ctx->rec_nr = ctx->nr_records;
	ctx->rec_type = 0;

	ret = ckpt_read_raw(ctx, h, sizeof(*h));
	if (ret == -ENODATA)
		return ckpt_err(ctx, ret,
				"image truncated at offset %llu, where a record should start",
				ctx->image_len);
	if (ret)
		return ret;
	ctx->rec_type = h->type;
	if (h->len < sizeof(*h) || h->len > CKPT_RECORD_MAX)
		return ckpt_err(ctx, -EINVAL,
				"record of type %u at offset %llu has a bad length %u",
				h->type, ctx->rec_len, h->len);
	return 0;
}

/**
 * ckpt_unread_hdr() - give back the record header just read
 * @ctx: restart context
 * @h: the header ckpt_read_hdr() returned last, its payload not read
 *
 * The next ckpt_read_hdr() returns it again: for an optional record that
 * is not there.
 */
void ckpt_unread_hdr(struct ckpt_ctx *ctx, const struct ckpt_hdr *h)
{
	ctx->unread_hdr = *h;
	ctx->unread = true;
}

/**
 * ckpt_read_each() - read the records of one type that come next, if any
 * @ctx: restart context
 * @type: their type
 * @fn: reads the rest of one, whose header is given
 *
 * Stops at the first record of another type, which is left unread.
 *
 * Return: 0, or the first negative errno of ckpt_read_hdr() or @fn.
 */
int ckpt_read_each(struct ckpt_ctx *ctx, u32 type,
		   int (*fn)(struct ckpt_ctx *ctx, const struct ckpt_hdr *h))
{
	struct ckpt_hdr h;
	int ret;

	for (;;) {
		ret = ckpt_read_hdr(ctx, &h);
		if (ret)
			return ret;
		if (h.type != type)
			break;
		ret = fn(ctx, &h);
		if (ret)
			return ret;
	}
	ckpt_unread_hdr(ctx, &h);
	return 0;
}

/**
 * ckpt_read_payload() - read the rest of a record after its header
 * @ctx: restart context
 * @h: the record, whose &struct ckpt_hdr ckpt_read_hdr() filled in
 * @len: size of the buffer at @h; must equal h->len
 *
 * Reads the payload into the bytes following @h, then the padding, which
 * must be zero.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_read_payload(struct ckpt_ctx *ctx, struct ckpt_hdr *h, u32 len)
{
	u32 pad = ALIGN(h->len, CKPT_ALIGN) - h->len;
	u8 padding[CKPT_ALIGN];
	int ret;

	if (WARN_ON_ONCE(len != h->len))
		return -EINVAL;
	ret = ckpt_read(ctx, h + 1, len - sizeof(*h));
	if (!ret && pad)
		ret = ckpt_read(ctx, padding, pad);
	if (ret)
		return ret;
	if (pad && memcmp(padding, ckpt_zero_pad, pad))
		return ckpt_err(ctx, -EINVAL,
				"record of type %u at offset %llu has non-zero padding",
				h->type, ctx->rec_len);
	ctx->nr_records++;
	return 0;
}

/**
 * ckpt_read_obj() - read a record of a known type and size
 * @ctx: restart context
 * @h: where to store the record, which starts with its &struct ckpt_hdr
 * @type: the record type the image must have here
 * @len: the record length the image must have
 *
 * Fails with -EINVAL and a log line naming the offset when the next record
 * is of another type or length.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_read_obj(struct ckpt_ctx *ctx, struct ckpt_hdr *h, u32 type, u32 len)
{
	int ret = ckpt_read_hdr(ctx, h);

	if (ret)
		return ret;
	if (h->type != type)
		return ckpt_err(ctx, -EINVAL,
				"record at offset %llu has type %u (%s), expected %u (%s)",
				ctx->rec_len, h->type, ckpt_type_name(h->type),
				type, ckpt_type_name(type));
	if (h->len != len)
		return ckpt_err(ctx, -EINVAL,
				"%s record at offset %llu has length %u, expected %u",
				ckpt_type_name(type), ctx->rec_len, h->len, len);
	return ckpt_read_payload(ctx, h, len);
}

/**
 * ckpt_read_var() - read a record of variable length
 * @ctx: restart context
 * @type: the expected record type
 * @min: the shortest acceptable length, header included
 * @max: the longest acceptable length
 *
 * Return: a kvmalloc()ed copy of the whole record, to be freed with
 * kvfree(), or an ERR_PTR().
 */
void *ckpt_read_var(struct ckpt_ctx *ctx, u32 type, u32 min, u32 max)
{
	struct ckpt_hdr h;
	int ret;

	ret = ckpt_read_hdr(ctx, &h);
	if (ret)
		return ERR_PTR(ret);
	return ckpt_read_rest(ctx, &h, type, min, max);
}

/**
 * ckpt_read_rest() - read the payload of a record whose header was read
 * @ctx: restart context
 * @h: the header, from ckpt_read_hdr()
 * @type: the expected record type
 * @min: the shortest acceptable length, header included
 * @max: the longest acceptable length
 *
 * Return: a kvmalloc()ed copy of the whole record or an ERR_PTR().
 */
void *ckpt_read_rest(struct ckpt_ctx *ctx, const struct ckpt_hdr *h, u32 type,
		     u32 min, u32 max)
{
	struct ckpt_hdr *buf;
	int ret;

	if (h->type != type)
		return ERR_PTR(ckpt_err(ctx, -EINVAL,
					"record at offset %llu has type %u (%s), expected %u (%s)",
					ctx->rec_len, h->type, ckpt_type_name(h->type),
					type, ckpt_type_name(type)));
	if (h->len < min || h->len > max)
		return ERR_PTR(ckpt_err(ctx, -EINVAL,
					"%s record at offset %llu has a bad length %u",
					ckpt_type_name(type), ctx->rec_len, h->len));
	buf = kvmalloc(h->len, GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	*buf = *h;
	ret = ckpt_read_payload(ctx, buf, h->len);
	if (ret) {
		kvfree(buf);
		return ERR_PTR(ret);
	}
	return buf;
}

/*
 * Move the contents of @nr pages to (@dir ITER_SOURCE) or from (ITER_DEST)
 * the image, in as many calls as the file takes.
 */
static int ckpt_pages_io(struct ckpt_ctx *ctx, struct page **pages,
			 unsigned int nr, unsigned int dir)
{
	bool writing = dir == ITER_SOURCE;
	struct iov_iter iter;
	unsigned int i;

	if (WARN_ON_ONCE(nr > CKPT_PAGES_BATCH))
		return -EINVAL;
	if (writing) {
		int ret = ckpt_flush(ctx);

		if (ret)
			return ret;
	}
	for (i = 0; i < nr; i++)
		bvec_set_page(&ctx->bvec[i], pages[i], PAGE_SIZE, 0);
	iov_iter_bvec(&iter, dir, ctx->bvec, nr, (size_t)nr * PAGE_SIZE);
	/* What was read ahead comes first. */
	if (!writing && ctx->rpos < ctx->rlen) {
		size_t n = copy_to_iter(ctx->rbuf + ctx->rpos,
					min(ctx->rlen - ctx->rpos, iov_iter_count(&iter)), &iter);

		ctx->rpos += n;
		ctx->image_len += n;
	}
	while (iov_iter_count(&iter)) {
		loff_t *ppos = ckpt_ppos(ctx->file, &ctx->pos);
		ssize_t n = writing ? vfs_iter_write(ctx->file, &iter, ppos, 0) :
				      vfs_iter_read(ctx->file, &iter, ppos, 0);

		if (n < 0)
			return ckpt_io_err(ctx, writing ? "writing" : "reading", n);
		if (!n && writing)
			return ckpt_err(ctx, -EIO,
					"writing the image at offset %llu made no progress",
					ctx->image_len);
		if (!n)
			return ckpt_err(ctx, -ENODATA,
					"image truncated at offset %llu, inside page data",
					ctx->image_len);
		ctx->image_len += n;
	}
	return 0;
}

/**
 * ckpt_write_pages() - append the contents of pages to the image
 * @ctx: checkpoint context
 * @pages: the pages
 * @nr: how many
 *
 * The contents are not part of the image checksum.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_write_pages(struct ckpt_ctx *ctx, struct page **pages, unsigned int nr)
{
	return ckpt_pages_io(ctx, pages, nr, ITER_SOURCE);
}

/**
 * ckpt_write_page_record() - append a record of pages: its header, then
 * the contents of the pages of &ckpt_ctx.pages
 * @ctx: checkpoint context
 * @h: the record's header, its type and length set: the length covers
 *	the contents of the pages too
 * @hlen: the size of the header, the addresses of the pages included
 * @nr: how many pages
 *
 * Return: 0 or a negative errno.
 */
int ckpt_write_page_record(struct ckpt_ctx *ctx, const struct ckpt_hdr *h, size_t hlen,
			   unsigned int nr)
{
	int ret = ckpt_write(ctx, h, hlen);

	if (!ret)
		ret = ckpt_write_pages(ctx, ctx->pages, nr);
	if (!ret)
		ctx->nr_records++;
	return ret;
}

/**
 * ckpt_read_pages() - read page contents from the image into pages
 * @ctx: restart context
 * @pages: the pages to fill
 * @nr: how many
 *
 * The contents are not part of the image checksum.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_read_pages(struct ckpt_ctx *ctx, struct page **pages, unsigned int nr)
{
	return ckpt_pages_io(ctx, pages, nr, ITER_DEST);
}
