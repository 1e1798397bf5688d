// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart: the image header and tail.
 *
 * The header says which kernel and machine wrote the image, and restart
 * refuses an image this kernel cannot run before it reads anything else.
 * The tail carries the CRC32C of every byte before it.
 */

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/resource.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/sprintf.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/swab.h>
#include <linux/timekeeping.h>
#include <linux/utsname.h>
#include <asm/byteorder.h>
#include <asm/page.h>

#include "internal.h"

#ifdef __BIG_ENDIAN
#define CKPT_ENDIAN	CKPT_ENDIAN_BIG
#else
#define CKPT_ENDIAN	CKPT_ENDIAN_LITTLE
#endif

static void ckpt_check_abi(void)
{
	BUILD_BUG_ON(sizeof(struct ckpt_hdr) != 8);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_header) != 272);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_header_arch) != 16);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_tail) != 32);
	BUILD_BUG_ON(sizeof(CKPT_HEADER_MAGIC) != CKPT_MAGIC_LEN + 1);
	BUILD_BUG_ON(sizeof(CKPT_TAIL_MAGIC) != CKPT_MAGIC_LEN + 1);
	BUILD_BUG_ON(__NEW_UTS_LEN + 1 != CKPT_UTS_LEN);
}

static const char *ckpt_arch_name(u16 arch_id, u8 endian)
{
	switch (arch_id) {
	case CKPT_ARCH_X86_64:
		return "x86_64";
	case CKPT_ARCH_S390X:
		return "s390x";
	case CKPT_ARCH_PPC64:
		return endian == CKPT_ENDIAN_LITTLE ? "ppc64le" : "ppc64";
	case CKPT_ARCH_ARM:
		return "arm";
	default:
		return "unknown";
	}
}

static const char *ckpt_endian_name(u8 endian)
{
	return endian == CKPT_ENDIAN_BIG ? "big" : "little";
}

/**
 * ckpt_write_header() - write the first record of an image
 * @ctx: checkpoint context
 *
 * Return: 0 or a negative errno.
 */
int ckpt_write_header(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_header h = { };
	struct new_utsname *uts = init_utsname();
	struct timespec64 now;

	ckpt_check_abi();

	memcpy(h.magic, CKPT_HEADER_MAGIC, CKPT_MAGIC_LEN);
	h.version = CKPT_VERSION;
	h.arch_id = CKPT_ARCH_ID;
	h.word_size = sizeof(long);
	h.endian = CKPT_ENDIAN;
	h.page_size = PAGE_SIZE;
	h.task_comm_len = TASK_COMM_LEN;
	h.flags = ctx->flags;
	h.ckpt_id = ctx->ckpt_id;
	ktime_get_real_ts64(&now);
	h.time_sec = now.tv_sec;
	h.time_nsec = now.tv_nsec;
	h.nsig = _NSIG;
	h.nr_rlimits = RLIM_NLIMITS;

	down_read(&uts_sem);
	strscpy(h.uts_release, uts->release, sizeof(h.uts_release));
	strscpy(h.uts_version, uts->version, sizeof(h.uts_version));
	strscpy(h.uts_machine, uts->machine, sizeof(h.uts_machine));
	up_read(&uts_sem);

	return ckpt_write_obj(ctx, &h.h, CKPT_HDR_HEADER, sizeof(h));
}

/* Refuse an image written for another architecture, word size or byte order. */
static int ckpt_check_machine(struct ckpt_ctx *ctx, struct ckpt_hdr_header *h)
{
	u16 arch_id = h->arch_id;

	if (h->endian != CKPT_ENDIAN_LITTLE && h->endian != CKPT_ENDIAN_BIG)
		return ckpt_err(ctx, -EINVAL, "bad byte order %u in the image header",
				h->endian);
	if (h->word_size != 4 && h->word_size != 8)
		return ckpt_err(ctx, -EINVAL, "bad word size %u in the image header",
				h->word_size);
	if (h->endian != CKPT_ENDIAN)
		arch_id = swab16(arch_id);

	if (arch_id != CKPT_ARCH_ID || h->endian != CKPT_ENDIAN ||
	    h->word_size != sizeof(long))
		return ckpt_err(ctx, -ENOEXEC,
				"image arch %s (%u-bit %s endian), running %s (%zu-bit %s endian)",
				ckpt_arch_name(arch_id, h->endian),
				h->word_size * 8, ckpt_endian_name(h->endian),
				ckpt_arch_name(CKPT_ARCH_ID, CKPT_ENDIAN),
				sizeof(long) * 8, ckpt_endian_name(CKPT_ENDIAN));
	return 0;
}

static int ckpt_check_const(struct ckpt_ctx *ctx, const char *what,
			    u32 image, u32 running)
{
	if (image == running)
		return 0;
	return ckpt_err(ctx, -ENOEXEC, "image %s %u, running kernel %u",
			what, image, running);
}

/*
 * Read the record header and the magic, 16 bytes.  A shorter stream is a
 * truncated one; a longer one with another magic is no image at all.
 */
static int ckpt_read_magic(struct ckpt_ctx *ctx, struct ckpt_hdr_header *h)
{
	int ret = ckpt_read(ctx, h, 16);

	if (!ret && memcmp(h->magic, CKPT_HEADER_MAGIC, CKPT_MAGIC_LEN))
		return ckpt_err(ctx, -ENOEXEC, "bad magic: not a checkpoint image");
	return ret;
}

static bool ckpt_str_ok(const char *s, size_t size)
{
	return strnlen(s, size) < size;
}

/**
 * ckpt_read_header() - read and check the first record of an image
 * @ctx: restart context
 *
 * Fails with -ENOEXEC when the image is not a checkpoint image or this
 * kernel cannot run it, with -EINVAL when the header is malformed.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_read_header(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_header h;
	int ret;

	/*
	 * The magic is checked first, so that a stream that is not an image
	 * is called so even when it is shorter than a header.  The machine is checked before the
	 * record header: in an image of the other byte order, type and length
	 * are swapped, and the message should say so rather than call them bad.
	 */
	ctx->rec_type = CKPT_HDR_HEADER;
	BUILD_BUG_ON(offsetof(struct ckpt_hdr_header, magic) + CKPT_MAGIC_LEN != 16);
	ret = ckpt_read_magic(ctx, &h);
	if (ret)
		return ret;
	ret = ckpt_read(ctx, (u8 *)&h + 16, sizeof(h) - 16);
	if (ret)
		return ret;
	ret = ckpt_check_machine(ctx, &h);
	if (ret)
		return ret;
	if (h.version != CKPT_VERSION && h.version != CKPT_VERSION_NO_TREE)
		return ckpt_err(ctx, -ENOEXEC,
				"image format version %u, this kernel reads versions %u and %u",
				h.version, CKPT_VERSION_NO_TREE, CKPT_VERSION);
	if (h.h.type != CKPT_HDR_HEADER || h.h.len != sizeof(h))
		return ckpt_err(ctx, -EINVAL,
				"header record has type %u and length %u, expected %u and %zu",
				h.h.type, h.h.len, CKPT_HDR_HEADER, sizeof(h));

	ret = ckpt_check_const(ctx, "page size", h.page_size, PAGE_SIZE);
	if (!ret)
		ret = ckpt_check_const(ctx, "TASK_COMM_LEN", h.task_comm_len,
				       TASK_COMM_LEN);
	if (!ret)
		ret = ckpt_check_const(ctx, "number of signals", h.nsig, _NSIG);
	if (!ret)
		ret = ckpt_check_const(ctx, "number of rlimits", h.nr_rlimits,
				       RLIM_NLIMITS);
	if (ret)
		return ret;

	if (h.flags & ~(u64)CKPT_CHECKPOINT_FLAGS)
		return ckpt_err(ctx, -ENOEXEC,
				"image made with checkpoint flags %#llx this kernel does not know",
				h.flags & ~(u64)CKPT_CHECKPOINT_FLAGS);
	if (h.__reserved || memchr_inv(h.__pad, 0, sizeof(h.__pad)))
		return ckpt_err(ctx, -EINVAL, "reserved header fields are not zero");
	if (!ckpt_str_ok(h.uts_release, sizeof(h.uts_release)) ||
	    !ckpt_str_ok(h.uts_version, sizeof(h.uts_version)) ||
	    !ckpt_str_ok(h.uts_machine, sizeof(h.uts_machine)))
		return ckpt_err(ctx, -EINVAL, "unterminated kernel name in the image header");
	if (!h.ckpt_id)
		return ckpt_err(ctx, -EINVAL, "checkpoint id 0 in the image header");

	ctx->ckpt_id = h.ckpt_id;
	ctx->image_flags = h.flags;
	ctx->nr_records++;
	return 0;
}

/**
 * ckpt_check_features() - refuse an image using CPU features this machine
 * lacks
 * @ctx: restart context
 * @image: the feature bits of the image's CPU feature record
 * @have: the feature bits of the running CPU and kernel
 * @names: the name of each feature bit this kernel knows, indexed by bit
 * @nr_names: the number of entries of @names
 *
 * For the architectures' ckpt_arch_read_header().  A bit this kernel does
 * not know comes from a newer kernel: the image cannot run here either.
 *
 * Return: 0, or -ENOEXEC after a log line naming the features.
 */
int ckpt_check_features(struct ckpt_ctx *ctx, u64 image, u64 have,
			const char *const *names, unsigned int nr_names)
{
	u64 known = nr_names < 64 ? BIT_ULL(nr_names) - 1 : ~0ULL;
	char list[128] = "";
	unsigned int bit, len = 0;
	u64 missing;

	if (image & ~known)
		return ckpt_err(ctx, -ENOEXEC,
				"image uses CPU feature bits %#llx this kernel does not know",
				image & ~known);
	missing = image & ~have;
	if (!missing)
		return 0;
	for (bit = 0; bit < nr_names; bit++)
		if (missing & BIT_ULL(bit))
			len += scnprintf(list + len, sizeof(list) - len, " %s",
					 names[bit]);
	return ckpt_err(ctx, -ENOEXEC,
			"image uses%s, which this CPU or kernel lacks", list);
}

/**
 * ckpt_write_regset() - write an optional register set of the architecture
 * @ctx: checkpoint context
 * @set: the bit number of the set's feature in the CPU feature record
 * @data: the registers
 * @size: their size in bytes
 *
 * For the architectures' ckpt_arch_write_thread(), after the THREAD record.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_write_regset(struct ckpt_ctx *ctx, u32 set, const void *data, u32 size)
{
	struct ckpt_hdr_regset *h;
	int ret;

	BUILD_BUG_ON(sizeof(*h) != 16);
	h = kvzalloc(sizeof(*h) + size, GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	h->set = set;
	h->size = size;
	memcpy(h->data, data, size);
	ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_REGSET, sizeof(*h) + size);
	kvfree(h);
	return ret;
}

/**
 * ckpt_read_regset() - read an optional register set of the architecture
 * @ctx: restart context
 * @set: the set the next record must hold
 * @data: where its registers go
 * @size: the size of the set in bytes, which the record must have
 *
 * For the architectures' ckpt_arch_read_thread().
 *
 * Return: 0 or a negative errno.
 */
int ckpt_read_regset(struct ckpt_ctx *ctx, u32 set, void *data, u32 size)
{
	struct ckpt_hdr_regset *h;
	int ret = 0;

	h = ckpt_read_var(ctx, CKPT_HDR_REGSET, sizeof(*h), sizeof(*h) + size);
	if (IS_ERR(h))
		return PTR_ERR(h);
	if (h->set != set || h->size != size || h->h.len != sizeof(*h) + size)
		ret = ckpt_err(ctx, -EINVAL,
			       "register set %u of %u bytes where set %u of %u bytes was expected",
			       h->set, h->size, set, size);
	else
		memcpy(data, h->data, size);
	kvfree(h);
	return ret;
}

/**
 * ckpt_write_tail() - write the last record of an image
 * @ctx: checkpoint context
 *
 * Return: 0 or a negative errno.
 */
int ckpt_write_tail(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_tail t = { };

	memcpy(t.magic, CKPT_TAIL_MAGIC, CKPT_MAGIC_LEN);
	t.crc32c = ~ctx->crc;
	t.nr_records = ctx->nr_records;
	t.image_len = ctx->image_len;
	return ckpt_write_obj(ctx, &t.h, CKPT_HDR_TAIL, sizeof(t));
}

/**
 * ckpt_read_tail() - read and check the last record of an image
 * @ctx: restart context
 *
 * Fails with -EBADMSG when the checksum, the length or the record count
 * of the image do not match what was read.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_read_tail(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_tail t;
	u32 crc;
	int ret;

	ret = ckpt_read_obj(ctx, &t.h, CKPT_HDR_TAIL, sizeof(t));
	if (ret)
		return ret;
	if (memcmp(t.magic, CKPT_TAIL_MAGIC, CKPT_MAGIC_LEN))
		return ckpt_err(ctx, -EINVAL, "bad magic in the tail record at offset %llu",
				ctx->rec_len);
	if (t.image_len != ctx->rec_len)
		return ckpt_err(ctx, -EBADMSG,
				"tail record says the image has %llu bytes before it, read %llu",
				t.image_len, ctx->rec_len);
	if (t.nr_records != ctx->rec_nr)
		return ckpt_err(ctx, -EBADMSG,
				"tail record says the image has %u records before it, read %u",
				t.nr_records, ctx->rec_nr);
	crc = ~ctx->rec_crc;
	if (t.crc32c != crc)
		return ckpt_err(ctx, -EBADMSG,
				"checksum mismatch: image says %#010x, computed %#010x",
				t.crc32c, crc);
	return 0;
}
