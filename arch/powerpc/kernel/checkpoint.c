// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart: powerpc hooks.
 *
 * The CPU feature record names the optional register sets the image may
 * hold: FPU, VMX (AltiVec), VSX and the DAWR.  Restart refuses an image
 * that uses one the running CPU or kernel lacks.
 */

#include <linux/array_size.h>
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/checkpoint.h>
#include <linux/errno.h>
#include <asm/cpu_has_feature.h>
#include <asm/cputable.h>

/* Names of the CKPT_PPC_FEAT_* bits. */
static const char *const ckpt_ppc_feature_names[] = { "FPU", "VMX", "VSX", "DAWR" };

static u64 ckpt_ppc_features(void)
{
	u64 features = 0;

	if (IS_ENABLED(CONFIG_PPC_FPU))
		features |= CKPT_PPC_FEAT_FPU;
	if (IS_ENABLED(CONFIG_ALTIVEC) && cpu_has_feature(CPU_FTR_ALTIVEC))
		features |= CKPT_PPC_FEAT_VMX;
	if (IS_ENABLED(CONFIG_VSX) && cpu_has_feature(CPU_FTR_VSX))
		features |= CKPT_PPC_FEAT_VSX;
	if (cpu_has_feature(CPU_FTR_DAWR))
		features |= CKPT_PPC_FEAT_DAWR;
	return features;
}

/**
 * ckpt_arch_write_header() - write the powerpc CPU feature record
 * @ctx: checkpoint context
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_write_header(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_arch_ppc h = { };

	BUILD_BUG_ON(sizeof(h) != 16);
	h.a.features = ckpt_ppc_features();
	return ckpt_write_obj(ctx, &h.a.h, CKPT_HDR_HEADER_ARCH, sizeof(h));
}

/**
 * ckpt_arch_read_header() - read the powerpc CPU feature record and check
 * that this CPU and kernel have every register set it names
 * @ctx: restart context
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_read_header(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_arch_ppc img;
	int ret;

	BUILD_BUG_ON(BIT_ULL(ARRAY_SIZE(ckpt_ppc_feature_names)) - 1 !=
		     CKPT_PPC_FEAT_ALL);
	ret = ckpt_read_obj(ctx, &img.a.h, CKPT_HDR_HEADER_ARCH, sizeof(img));
	if (ret)
		return ret;
	return ckpt_check_features(ctx, img.a.features, ckpt_ppc_features(),
				   ckpt_ppc_feature_names,
				   ARRAY_SIZE(ckpt_ppc_feature_names));
}
