/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the checkpoint selftests: system call wrappers, reading an
 * image into memory, walking its records and computing its checksum.
 */
#ifndef _CKPT_UTIL_H
#define _CKPT_UTIL_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/checkpoint.h>
#include <linux/checkpoint_hdr.h>
#include <asm/checkpoint_hdr.h>

static inline long sys_checkpoint(pid_t pid, int fd, unsigned long flags, int logfd)
{
	return syscall(__NR_checkpoint, pid, fd, flags, logfd);
}

static inline long sys_restart(pid_t pid, int fd, unsigned long flags, int logfd)
{
	return syscall(__NR_restart, pid, fd, flags, logfd);
}

/* CRC32C, bit by bit: independent of the kernel's table-driven code. */
static inline uint32_t ckpt_crc32c(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t crc = 0xffffffff;

	while (len--) {
		crc ^= *p++;
		for (int i = 0; i < 8; i++)
			crc = (crc >> 1) ^ (0x82f63b78 & -(crc & 1));
	}
	return ~crc;
}

struct ckpt_image {
	uint8_t *buf;
	size_t len;
};

/* Read everything from @fd (from its current position) into @img. */
static inline int ckpt_slurp(int fd, struct ckpt_image *img)
{
	size_t cap = 4096;
	ssize_t n;

	img->buf = malloc(cap);
	img->len = 0;
	if (!img->buf)
		return -1;
	while ((n = read(fd, img->buf + img->len, cap - img->len)) > 0) {
		img->len += n;
		if (img->len == cap) {
			uint8_t *b = realloc(img->buf, cap *= 2);

			if (!b)
				return -1;
			img->buf = b;
		}
	}
	return n < 0 ? -1 : 0;
}

/* An anonymous temporary file, open for reading and writing. */
static inline int ckpt_tmpfile(void)
{
	char path[] = "/tmp/ckpt-XXXXXX";
	int fd = mkstemp(path);

	if (fd >= 0)
		unlink(path);
	return fd;
}

/* Checkpoint the caller into a temporary file and read the image back. */
static inline long ckpt_self_image(struct ckpt_image *img)
{
	int fd = ckpt_tmpfile();
	long id;

	if (fd < 0)
		return -1;
	id = sys_checkpoint(0, fd, 0, -1);
	if (id > 0 && (lseek(fd, 0, SEEK_SET) || ckpt_slurp(fd, img)))
		id = -1;
	close(fd);
	return id;
}

/* Write @len bytes of @buf to a new temporary file, positioned at 0. */
static inline int ckpt_image_file(const void *buf, size_t len)
{
	int fd = ckpt_tmpfile();

	if (fd < 0)
		return -1;
	if (write(fd, buf, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Walk the records of an image: returns the offset of the next record
 * after the one at @off, or 0 when the record at @off is malformed
 * (bad length, beyond the end, non-zero padding).
 */
static inline size_t ckpt_next_record(const struct ckpt_image *img, size_t off)
{
	const struct ckpt_hdr *h = (const void *)(img->buf + off);
	size_t end;

	if (off % CKPT_ALIGN || off + sizeof(*h) > img->len ||
	    h->len < sizeof(*h))
		return 0;
	end = off + ((h->len + CKPT_ALIGN - 1) & ~(size_t)(CKPT_ALIGN - 1));
	if (end > img->len)
		return 0;
	for (size_t i = off + h->len; i < end; i++)
		if (img->buf[i])
			return 0;
	return end;
}

/* Offset of the tail record, or 0 if the image does not parse. */
static inline size_t ckpt_tail_offset(const struct ckpt_image *img)
{
	size_t off = 0, next;

	while ((next = ckpt_next_record(img, off))) {
		const struct ckpt_hdr *h = (const void *)(img->buf + off);

		if (h->type == CKPT_HDR_TAIL)
			return next == img->len ? off : 0;
		off = next;
	}
	return 0;
}

/* Recompute the tail record of a modified image. */
static inline void ckpt_fix_tail(struct ckpt_image *img)
{
	size_t off = ckpt_tail_offset(img);
	struct ckpt_hdr_tail *t = (void *)(img->buf + off);

	if (off)
		t->crc32c = ckpt_crc32c(img->buf, off);
}

/*
 * A pipe for the log file descriptor.  The read end is non-blocking so that
 * a test can check that nothing was logged.
 */
static inline int ckpt_log_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC))
		return -1;
	return fcntl(fds[0], F_SETFL, O_NONBLOCK);
}

/* Read what was logged into @buf; returns the number of bytes, or -1. */
static inline ssize_t ckpt_log_read(int fd, char *buf, size_t size)
{
	ssize_t n = read(fd, buf, size - 1);

	if (n < 0 && errno == EAGAIN)
		n = 0;
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/*
 * Check a log: exactly one line, starting with @prefix ("checkpoint: " or
 * "restart: ") and containing @word.
 */
static inline bool ckpt_log_ok(const char *log, const char *prefix, const char *word)
{
	size_t n = strlen(log);

	return n && strncmp(log, prefix, strlen(prefix)) == 0 &&
	       strchr(log, '\n') == log + n - 1 && strstr(log, word);
}

#endif /* _CKPT_UTIL_H */
