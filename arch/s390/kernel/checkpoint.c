// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart: s390x hooks.
 *
 * The CPU feature record says whether the image may hold vector registers.
 * Restart refuses such an image on a machine without the vector facility.
 */

#include <linux/build_bug.h>
#include <linux/checkpoint.h>
#include <linux/errno.h>
#include <asm/fpu.h>

static u64 ckpt_s390_features(void)
{
	return cpu_has_vx() ? CKPT_S390_FEAT_VX : 0;
}

/**
 * ckpt_arch_write_header() - write the s390x CPU feature record
 * @ctx: checkpoint context
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_write_header(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_arch_s390 h = { };

	BUILD_BUG_ON(sizeof(h) != 16);
	h.a.features = ckpt_s390_features();
	return ckpt_write_obj(ctx, &h.a.h, CKPT_HDR_HEADER_ARCH, sizeof(h));
}

/**
 * ckpt_arch_read_header() - read the s390x CPU feature record and check
 * that this machine has every facility it names
 * @ctx: restart context
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_read_header(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_arch_s390 img;
	u64 missing;
	int ret;

	ret = ckpt_read_obj(ctx, &img.a.h, CKPT_HDR_HEADER_ARCH, sizeof(img));
	if (ret)
		return ret;
	if (img.a.features & ~CKPT_S390_FEAT_ALL)
		return ckpt_err(ctx, -ENOEXEC,
				"image uses s390 feature bits %#llx this kernel does not know",
				img.a.features & ~CKPT_S390_FEAT_ALL);
	missing = img.a.features & ~ckpt_s390_features();
	if (missing & CKPT_S390_FEAT_VX)
		return ckpt_err(ctx, -ENOEXEC,
				"image uses the vector facility, which this machine lacks");
	return 0;
}
