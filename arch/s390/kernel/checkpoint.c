// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart: s390x hooks.
 *
 * The CPU feature record says whether the image may hold vector registers.
 * Restart refuses such an image on a machine without the vector facility.
 */

#include <linux/array_size.h>
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/checkpoint.h>
#include <linux/errno.h>
#include <asm/fpu.h>

/* Names of the CKPT_S390_FEAT_* bits. */
static const char *const ckpt_s390_feature_names[] = { "the vector facility" };

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
	int ret;

	BUILD_BUG_ON(BIT_ULL(ARRAY_SIZE(ckpt_s390_feature_names)) - 1 !=
		     CKPT_S390_FEAT_ALL);
	ret = ckpt_read_obj(ctx, &img.a.h, CKPT_HDR_HEADER_ARCH, sizeof(img));
	if (ret)
		return ret;
	return ckpt_check_features(ctx, img.a.features, ckpt_s390_features(),
				   ckpt_s390_feature_names,
				   ARRAY_SIZE(ckpt_s390_feature_names));
}
