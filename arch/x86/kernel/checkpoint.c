// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart: x86_64 hooks.
 *
 * The CPU feature record names the FPU state formats the image may hold:
 * FXSAVE, and XSAVE with the user components (XCR0 bits) this kernel
 * exposes.  Restart refuses an image that uses a component the running
 * CPU or kernel lacks.
 */

#include <linux/array_size.h>
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/checkpoint.h>
#include <linux/errno.h>
#include <asm/cpufeature.h>
#include <asm/fpu/types.h>

/* Names of the CKPT_X86_FEAT_* bits. */
static const char *const ckpt_x86_feature_names[] = { "FXSR", "XSAVE" };

static void ckpt_x86_features(struct ckpt_hdr_arch_x86 *h)
{
	if (boot_cpu_has(X86_FEATURE_FXSR))
		h->a.features |= CKPT_X86_FEAT_FXSR;
	if (boot_cpu_has(X86_FEATURE_XSAVE)) {
		h->a.features |= CKPT_X86_FEAT_XSAVE;
		h->xfeatures = fpu_user_cfg.max_features;
		h->xstate_size = fpu_user_cfg.max_size;
	}
}

/**
 * ckpt_arch_write_header() - write the x86_64 CPU feature record
 * @ctx: checkpoint context
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_write_header(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_arch_x86 h = { };

	BUILD_BUG_ON(sizeof(h) != 32);
	ckpt_x86_features(&h);
	return ckpt_write_obj(ctx, &h.a.h, CKPT_HDR_HEADER_ARCH, sizeof(h));
}

/**
 * ckpt_arch_read_header() - read the x86_64 CPU feature record and check
 * that this CPU has every feature it names
 * @ctx: restart context
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_read_header(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_arch_x86 img, cpu = { };
	u64 missing;
	int ret;

	ret = ckpt_read_obj(ctx, &img.a.h, CKPT_HDR_HEADER_ARCH, sizeof(img));
	if (ret)
		return ret;
	BUILD_BUG_ON(BIT_ULL(ARRAY_SIZE(ckpt_x86_feature_names)) - 1 !=
		     CKPT_X86_FEAT_ALL);
	ckpt_x86_features(&cpu);
	ret = ckpt_check_features(ctx, img.a.features, cpu.a.features,
				  ckpt_x86_feature_names,
				  ARRAY_SIZE(ckpt_x86_feature_names));
	if (ret)
		return ret;
	if (img.__reserved ||
	    (!(img.a.features & CKPT_X86_FEAT_XSAVE) &&
	     (img.xfeatures || img.xstate_size)))
		return ckpt_err(ctx, -EINVAL, "malformed x86 arch header");

	missing = img.xfeatures & ~cpu.xfeatures;
	if (missing)
		return ckpt_err(ctx, -ENOEXEC,
				"image uses XSAVE components %#llx that this CPU or kernel lacks",
				missing);
	if (img.xstate_size > cpu.xstate_size)
		return ckpt_err(ctx, -ENOEXEC,
				"image XSAVE size %u exceeds this CPU's %u",
				img.xstate_size, cpu.xstate_size);
	return 0;
}
