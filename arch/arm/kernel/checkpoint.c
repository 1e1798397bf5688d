// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart: 32-bit arm hooks.
 *
 * The CPU feature record gives the ISA level, whether the kernel has an
 * MMU, and the VFP variant (number of double registers, NEON).  Restart
 * refuses images of no-MMU kernels, of a higher ISA level, or using VFP
 * registers this CPU lacks.
 */

#include <linux/array_size.h>
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/checkpoint.h>
#include <linux/errno.h>
#include <asm/hwcap.h>

/* Names of the CKPT_ARM_FEAT_* bits. */
static const char *const ckpt_arm_feature_names[] = { "VFP", "NEON" };

static void ckpt_arm_features(struct ckpt_hdr_arch_arm *h)
{
	h->isa_level = __LINUX_ARM_ARCH__;
	h->mmu = IS_ENABLED(CONFIG_MMU);
	if (elf_hwcap & HWCAP_VFP) {
		h->a.features |= CKPT_ARM_FEAT_VFP;
		h->vfp_nregs = (elf_hwcap & HWCAP_VFPD32) ? 32 : 16;
	}
	if (elf_hwcap & HWCAP_NEON)
		h->a.features |= CKPT_ARM_FEAT_NEON;
}

/**
 * ckpt_arch_write_header() - write the arm CPU feature record
 * @ctx: checkpoint context
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_write_header(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_arch_arm h = { };

	BUILD_BUG_ON(sizeof(h) != 32);
	ckpt_arm_features(&h);
	return ckpt_write_obj(ctx, &h.a.h, CKPT_HDR_HEADER_ARCH, sizeof(h));
}

/**
 * ckpt_arch_read_header() - read the arm CPU feature record and check that
 * this CPU and kernel can run the image
 * @ctx: restart context
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_read_header(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_arch_arm img, cpu = { };
	int ret;

	BUILD_BUG_ON(BIT_ULL(ARRAY_SIZE(ckpt_arm_feature_names)) - 1 !=
		     CKPT_ARM_FEAT_ALL);
	ret = ckpt_read_obj(ctx, &img.a.h, CKPT_HDR_HEADER_ARCH, sizeof(img));
	if (ret)
		return ret;
	ckpt_arm_features(&cpu);
	if (img.mmu != 1)
		return ckpt_err(ctx, -ENOEXEC, "image of a no-MMU kernel");
	if (img.isa_level > cpu.isa_level)
		return ckpt_err(ctx, -ENOEXEC, "image ISA level ARMv%u, this kernel ARMv%u",
				img.isa_level, cpu.isa_level);
	ret = ckpt_check_features(ctx, img.a.features, cpu.a.features,
				  ckpt_arm_feature_names,
				  ARRAY_SIZE(ckpt_arm_feature_names));
	if (ret)
		return ret;
	if (img.__reserved ||
	    (img.a.features & CKPT_ARM_FEAT_VFP ?
	     img.vfp_nregs != 16 && img.vfp_nregs != 32 : img.vfp_nregs) ||
	    ((img.a.features & CKPT_ARM_FEAT_NEON) && img.vfp_nregs != 32))
		return ckpt_err(ctx, -EINVAL, "malformed arm arch header");
	if (img.vfp_nregs > cpu.vfp_nregs)
		return ckpt_err(ctx, -ENOEXEC, "image uses %u VFP registers, this CPU has %u",
				img.vfp_nregs, cpu.vfp_nregs);
	return 0;
}
