// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart: powerpc hooks.
 *
 * The CPU feature record names the optional register sets the image may
 * hold: FPU, VMX (AltiVec), VSX and the DAWR.  Restart refuses an image
 * that uses one the running CPU or kernel lacks.
 */

#include <linux/build_bug.h>
#include <linux/checkpoint.h>
#include <linux/errno.h>
#include <asm/cpu_has_feature.h>
#include <asm/cputable.h>

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
	u64 missing;
	int ret;

	ret = ckpt_read_obj(ctx, &img.a.h, CKPT_HDR_HEADER_ARCH, sizeof(img));
	if (ret)
		return ret;
	if (img.a.features & ~CKPT_PPC_FEAT_ALL)
		return ckpt_err(ctx, -ENOEXEC,
				"image uses powerpc feature bits %#llx this kernel does not know",
				img.a.features & ~CKPT_PPC_FEAT_ALL);
	missing = img.a.features & ~ckpt_ppc_features();
	if (missing)
		return ckpt_err(ctx, -ENOEXEC,
				"image uses powerpc register sets%s%s%s%s that this CPU or kernel lacks",
				missing & CKPT_PPC_FEAT_FPU ? " FPU" : "",
				missing & CKPT_PPC_FEAT_VMX ? " VMX" : "",
				missing & CKPT_PPC_FEAT_VSX ? " VSX" : "",
				missing & CKPT_PPC_FEAT_DAWR ? " DAWR" : "");
	return 0;
}
