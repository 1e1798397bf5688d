/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Checkpoint/restart: state private to the generic core.
 */
#ifndef _CHECKPOINT_INTERNAL_H
#define _CHECKPOINT_INTERNAL_H

#include <linux/checkpoint.h>
#include <linux/fs.h>
#include <linux/types.h>

/* Valid flags of checkpoint(2) and restart(2). */
#define CKPT_CHECKPOINT_FLAGS	0UL
#define CKPT_RESTART_FLAGS	0UL

/* Longest line written to the log file descriptor. */
#define CKPT_LOG_LINE_MAX	256

enum ckpt_op {
	CKPT_OP_CHECKPOINT,
	CKPT_OP_RESTART,
};

/**
 * struct ckpt_ctx - the state of one checkpoint or restart operation
 * @op: checkpoint or restart
 * @ckpt_id: id of the checkpoint, written into or read from the image
 * @flags: the flags of the system call
 * @file: the image, open for writing (checkpoint) or reading (restart)
 * @pos: file position in @file; unused for streams (pipes, sockets)
 * @logfile: where failures are reported, or NULL
 * @logged: a failure has already been reported on @logfile
 * @root_task: the task being checkpointed, with a reference held
 * @image_len: bytes written or read so far
 * @nr_records: records written or read so far
 * @crc: running CRC32C (not finalized) of the bytes written or read so far
 * @rec_len: @image_len at the start of the last record read
 * @rec_crc: @crc at the start of the last record read
 * @rec_nr: @nr_records at the start of the last record read
 * @rec_type: type of the last record read
 */
struct ckpt_ctx {
	enum ckpt_op op;
	u64 ckpt_id;
	unsigned long flags;
	struct file *file;
	loff_t pos;
	struct file *logfile;
	bool logged;
	struct task_struct *root_task;

	u64 image_len;
	u32 nr_records;
	u32 crc;

	u64 rec_len;
	u32 rec_crc;
	u32 rec_nr;
	u32 rec_type;
};

/* stream.c */
int ckpt_write(struct ckpt_ctx *ctx, const void *buf, size_t len);
int ckpt_read(struct ckpt_ctx *ctx, void *buf, size_t len);
int ckpt_read_hdr(struct ckpt_ctx *ctx, struct ckpt_hdr *h);
int ckpt_read_payload(struct ckpt_ctx *ctx, struct ckpt_hdr *h, u32 len);
u32 ckpt_crc32c(u32 crc, const void *buf, size_t len);

/* image.c */
int ckpt_write_header(struct ckpt_ctx *ctx);
int ckpt_read_header(struct ckpt_ctx *ctx);
int ckpt_write_tail(struct ckpt_ctx *ctx);
int ckpt_read_tail(struct ckpt_ctx *ctx);

#endif /* _CHECKPOINT_INTERNAL_H */
