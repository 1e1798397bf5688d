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
#include <linux/mm.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <asm/cpufeature.h>
#include <asm/desc.h>
#include <asm/fpu/api.h>
#include <asm/fpu/regset.h>
#include <asm/fpu/types.h>
#include <asm/fsgsbase.h>
#include <asm/ldt.h>
#include <asm/mmu_context.h>
#include <asm/prctl.h>
#include <asm/proto.h>
#include <asm/segment.h>
#include <asm/vdso.h>

#include "fpu/internal.h"
#include "fpu/legacy.h"
#include "fpu/xstate.h"
#ifdef CONFIG_IA32_EMULATION
#include "tls.h"
#endif

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

/* EFLAGS bits user space may change, as sigreturn restores them. */
#define CKPT_X86_USER_EFLAGS	(X86_EFLAGS_AC | X86_EFLAGS_OF | X86_EFLAGS_DF | \
				 X86_EFLAGS_TF | X86_EFLAGS_SF | X86_EFLAGS_ZF | \
				 X86_EFLAGS_AF | X86_EFLAGS_PF | X86_EFLAGS_CF | \
				 X86_EFLAGS_RF)

/* What restart keeps between the read hooks and ckpt_arch_restore(). */
struct ckpt_x86_state {
	struct ckpt_hdr_cpu_x86 cpu;
	struct user_desc tls[CKPT_X86_TLS_ENTRIES];
	u32 fpu_format;
	u32 fpu_size;
	void *fpu;
};

/* Seccomp strict mode disables the TSC, and restart(2) disables it again. */
static bool ckpt_tsc_off_by_strict_mode(struct task_struct *t)
{
#ifdef CONFIG_SECCOMP
	return READ_ONCE(t->seccomp.mode) == SECCOMP_MODE_STRICT;
#else
	return false;
#endif
}

/**
 * ckpt_arch_check_task() - refuse x86 state an image cannot hold
 * @ctx: checkpoint context
 * @t: the task
 *
 * Return: 0 or -EOPNOTSUPP.
 */
int ckpt_arch_check_task(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct mm_struct *mm __maybe_unused = ckpt_task_mm(ctx);
	const char *what = NULL;
	int i;

	if (!user_64bit_mode(task_pt_regs(t)) || test_tsk_thread_flag(t, TIF_ADDR32))
		what = "32-bit code";
	else if (test_tsk_thread_flag(t, TIF_SINGLESTEP) ||
		 test_tsk_thread_flag(t, TIF_BLOCKSTEP))
		what = "single-stepping";
	else if ((test_tsk_thread_flag(t, TIF_NOTSC) && !ckpt_tsc_off_by_strict_mode(t)) ||
		 test_tsk_thread_flag(t, TIF_NOCPUID))
		what = "a disabled TSC or CPUID";
#ifdef CONFIG_X86_IOPL_IOPERM
	else if (t->thread.io_bitmap || t->thread.iopl_emul)
		what = "I/O port permissions";
#endif
#ifdef CONFIG_X86_USER_SHADOW_STACK
	else if (t->thread.features)
		what = "a shadow stack";
#endif
#ifdef CONFIG_MODIFY_LDT_SYSCALL
	else if (mm && mm->context.ldt)
		what = "an LDT";
#endif
#ifdef CONFIG_ADDRESS_MASKING
	else if (mm && mm_lam_cr3_mask(mm))
		what = "linear address masking";
#endif
#ifdef CONFIG_X86_INTEL_MEMORY_PROTECTION_KEYS
	else if (mm && mm->context.pkey_allocation_map != 1)
		what = "memory protection keys";
#endif
	for (i = 0; !what && i < HBP_NUM; i++)
		if (t->thread.ptrace_bps[i])
			what = "hardware breakpoints";
	return ckpt_refuse_state(ctx, t, what);
}

static void ckpt_x86_segments(struct task_struct *t, u64 *ds, u64 *es,
			      u64 *fs, u64 *gs)
{
	unsigned short sel;

	if (t != current) {
		*ds = t->thread.ds;
		*es = t->thread.es;
		*fs = t->thread.fsindex;
		*gs = t->thread.gsindex;
		return;
	}
	savesegment(ds, sel);
	*ds = sel;
	savesegment(es, sel);
	*es = sel;
	savesegment(fs, sel);
	*fs = sel;
	savesegment(gs, sel);
	*gs = sel;
}

/**
 * ckpt_arch_write_cpu() - write the registers of an x86_64 task
 * @ctx: checkpoint context
 * @t: the task
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_write_cpu(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct pt_regs *regs = task_pt_regs(t);
	struct ckpt_hdr_cpu_x86 h = { };

	BUILD_BUG_ON(sizeof(h) != 8 + 27 * 8);
	h.r15 = regs->r15;
	h.r14 = regs->r14;
	h.r13 = regs->r13;
	h.r12 = regs->r12;
	h.bp = regs->bp;
	h.bx = regs->bx;
	h.r11 = regs->r11;
	h.r10 = regs->r10;
	h.r9 = regs->r9;
	h.r8 = regs->r8;
	h.ax = t == current ? 0 : regs->ax;
	h.cx = regs->cx;
	h.dx = regs->dx;
	h.si = regs->si;
	h.di = regs->di;
	h.orig_ax = regs->orig_ax;
	h.ip = regs->ip;
	h.cs = regs->cs;
	h.flags = regs->flags;
	h.sp = regs->sp;
	h.ss = regs->ss;
	h.fs_base = x86_fsbase_read_task(t);
	h.gs_base = x86_gsbase_read_task(t);
	ckpt_x86_segments(t, &h.ds, &h.es, &h.fs, &h.gs);
	if (h.ds || h.es || h.fs || h.gs)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d uses segment selectors (ds %#llx es %#llx fs %#llx gs %#llx)",
				task_pid_vnr(t), h.ds, h.es, h.fs, h.gs);
	return ckpt_write_obj(ctx, &h.h, CKPT_HDR_CPU, sizeof(h));
}

/**
 * ckpt_arch_read_cpu() - read and check the registers of an x86_64 task
 * @ctx: restart context
 *
 * Code and stack segments must be the 64-bit user ones and the other
 * selectors null; EFLAGS is sanitized at restore.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_read_cpu(struct ckpt_ctx *ctx)
{
	struct ckpt_x86_state *st = ckpt_arch_state(ctx, sizeof(struct ckpt_x86_state));
	struct ckpt_hdr_cpu_x86 *h;
	int ret;

	if (!st)
		return -ENOMEM;
	if (!user_64bit_mode(current_pt_regs()) || in_ia32_syscall() ||
	    test_thread_flag(TIF_ADDR32))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"restart from 32-bit code is not supported");
	h = &st->cpu;
	ret = ckpt_read_obj(ctx, &h->h, CKPT_HDR_CPU, sizeof(*h));
	if (ret)
		return ret;
	if (h->cs != __USER_CS || h->ss != __USER_DS)
		return ckpt_err(ctx, -EINVAL,
				"the image's code or stack segment (cs %#llx ss %#llx) is not a 64-bit user segment",
				h->cs, h->ss);
	if (h->ds || h->es || h->fs || h->gs)
		return ckpt_err(ctx, -EINVAL, "the image has non-null segment selectors");
	if (h->ip >= TASK_SIZE_MAX || h->fs_base >= TASK_SIZE_MAX ||
	    h->gs_base >= TASK_SIZE_MAX)
		return ckpt_err(ctx, -EINVAL,
				"the image's instruction pointer or FS/GS base is not a user address");
	return 0;
}

static void ckpt_x86_tls_to_img(const struct user_desc *u, struct ckpt_x86_tls *t)
{
	t->entry_number = u->entry_number;
	t->base_addr = u->base_addr;
	t->limit = u->limit;
	t->flags = u->seg_32bit | u->contents << 1 | u->read_exec_only << 3 |
		   u->limit_in_pages << 4 | u->seg_not_present << 5 |
		   u->useable << 6 | u->lm << 7;
}

static void ckpt_x86_tls_from_img(const struct ckpt_x86_tls *t, struct user_desc *u)
{
	memset(u, 0, sizeof(*u));
	u->entry_number = t->entry_number;
	u->base_addr = t->base_addr;
	u->limit = t->limit;
	u->seg_32bit = t->flags & 1;
	u->contents = (t->flags >> 1) & 3;
	u->read_exec_only = (t->flags >> 3) & 1;
	u->limit_in_pages = (t->flags >> 4) & 1;
	u->seg_not_present = (t->flags >> 5) & 1;
	u->useable = (t->flags >> 6) & 1;
	u->lm = (t->flags >> 7) & 1;
}

/*
 * TLS descriptors come from set_thread_area(2), a system call of 32-bit
 * code: without IA32 emulation they stay empty.
 */
static void ckpt_x86_tls_get(struct task_struct *t, struct user_desc *tls)
{
#ifdef CONFIG_IA32_EMULATION
	regset_tls_get(t, NULL, (struct membuf){
		.p = tls, .left = CKPT_X86_TLS_ENTRIES * sizeof(*tls) });
#else
	int i;

	memset(tls, 0, CKPT_X86_TLS_ENTRIES * sizeof(*tls));
	for (i = 0; i < CKPT_X86_TLS_ENTRIES; i++)
		tls[i].entry_number = GDT_ENTRY_TLS_MIN + i;
#endif
}

static void ckpt_x86_tls_set(struct user_desc *tls)
{
#ifdef CONFIG_IA32_EMULATION
	regset_tls_set(current, NULL, 0, CKPT_X86_TLS_ENTRIES * sizeof(*tls), tls, NULL);
#endif
}

/* The checks set_thread_area(2) makes on a TLS descriptor. */
static bool ckpt_x86_tls_ok(const struct user_desc *u)
{
	if (LDT_empty(u) || LDT_zero(u))
		return true;
	if (!IS_ENABLED(CONFIG_IA32_EMULATION))
		return false;
	return u->seg_32bit && u->contents <= 1 && !u->seg_not_present;
}

/**
 * ckpt_arch_write_thread() - write the TLS and FPU state of an x86_64 task
 * @ctx: checkpoint context
 * @t: the task
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_write_thread(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct user_desc tls[CKPT_X86_TLS_ENTRIES];
	struct ckpt_hdr_thread_x86 *h;
	u32 size, format;
	int i, ret;

	BUILD_BUG_ON(sizeof(*h) != 72);
	BUILD_BUG_ON(GDT_ENTRY_TLS_ENTRIES != CKPT_X86_TLS_ENTRIES);
	if (boot_cpu_has(X86_FEATURE_XSAVE)) {
		format = CKPT_X86_FPU_XSAVE;
		size = fpu_user_cfg.max_size;
	} else {
		format = CKPT_X86_FPU_FXSAVE;
		size = sizeof(struct fxregs_state);
	}
	h = kvzalloc(sizeof(*h) + size, GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	ckpt_x86_tls_get(t, tls);
	for (i = 0; i < CKPT_X86_TLS_ENTRIES; i++)
		ckpt_x86_tls_to_img(&tls[i], &h->tls[i]);
	h->fpu_format = format;
	h->fpu_size = size;
	if (format == CKPT_X86_FPU_XSAVE) {
		ret = xstateregs_get(t, NULL, (struct membuf){ .p = h->fpu, .left = size });
		h->xfeatures = ((struct xregs_state *)h->fpu)->header.xfeatures;
	} else {
		ret = xfpregs_get(t, NULL, (struct membuf){ .p = h->fpu, .left = size });
	}
	if (!ret)
		ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_THREAD, sizeof(*h) + size);
	kvfree(h);
	return ret;
}

/* The checks the XSAVE or FXSAVE loader makes, before the point of no return. */
static int ckpt_x86_check_fpu(struct ckpt_ctx *ctx, const struct ckpt_hdr_thread_x86 *h)
{
	const struct fxregs_state *fx = (const void *)h->fpu;
	const struct xregs_state *xs = (const void *)h->fpu;

	if (fx->mxcsr & ~mxcsr_feature_mask)
		return ckpt_err(ctx, -EINVAL, "the image's MXCSR %#x is invalid", fx->mxcsr);
	if (h->fpu_format == CKPT_X86_FPU_FXSAVE) {
		if (h->fpu_size != sizeof(struct fxregs_state) || h->xfeatures ||
		    !boot_cpu_has(X86_FEATURE_FXSR) || boot_cpu_has(X86_FEATURE_XSAVE))
			goto bad;
		return 0;
	}
	if (h->fpu_format != CKPT_X86_FPU_XSAVE || !boot_cpu_has(X86_FEATURE_XSAVE))
		goto bad;
	if (h->fpu_size != fpu_user_cfg.max_size)
		return ckpt_err(ctx, -ENOEXEC,
				"the image's XSAVE area has %u bytes, this CPU's %u",
				h->fpu_size, fpu_user_cfg.max_size);
	if (xs->header.xfeatures != h->xfeatures ||
	    h->xfeatures & ~fpu_user_cfg.max_features)
		return ckpt_err(ctx, -ENOEXEC,
				"the image's XSAVE components %#llx are not all available here",
				h->xfeatures);
	if (xs->header.xcomp_bv || memchr_inv(xs->header.reserved, 0,
					      sizeof(xs->header.reserved)))
		goto bad;
	return 0;
bad:
	return ckpt_err(ctx, -EINVAL, "malformed FPU state (format %u, %u bytes)",
			h->fpu_format, h->fpu_size);
}

/**
 * ckpt_arch_read_thread() - read and check the TLS and FPU state
 * @ctx: restart context
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_read_thread(struct ckpt_ctx *ctx)
{
	struct ckpt_x86_state *st = ckpt_arch_state(ctx, sizeof(struct ckpt_x86_state));
	struct ckpt_hdr_thread_x86 *h;
	int i, ret;

	if (!st)
		return -ENOMEM;
	h = ckpt_read_var(ctx, CKPT_HDR_THREAD, sizeof(*h) + sizeof(struct fxregs_state),
			  sizeof(*h) + SZ_64K);
	if (IS_ERR(h))
		return PTR_ERR(h);
	ret = -EINVAL;
	if (h->fpu_size != h->h.len - sizeof(*h)) {
		ret = ckpt_err(ctx, -EINVAL, "malformed thread record");
		goto out;
	}
	for (i = 0; i < CKPT_X86_TLS_ENTRIES; i++) {
		ckpt_x86_tls_from_img(&h->tls[i], &st->tls[i]);
		if (h->tls[i].flags & ~0xffU ||
		    h->tls[i].entry_number != GDT_ENTRY_TLS_MIN + i ||
		    !ckpt_x86_tls_ok(&st->tls[i])) {
			ret = ckpt_err(ctx, -EINVAL, "bad TLS descriptor %d", i);
			goto out;
		}
	}
	ret = ckpt_x86_check_fpu(ctx, h);
	if (ret)
		goto out;
	st->fpu = kvmemdup(h->fpu, h->fpu_size, GFP_KERNEL);
	if (!st->fpu) {
		ret = -ENOMEM;
		goto out;
	}
	st->fpu_format = h->fpu_format;
	st->fpu_size = h->fpu_size;
out:
	kvfree(h);
	return ret;
}

/**
 * ckpt_arch_write_mm_context() - write where the vdso of an x86_64 mm is
 * @ctx: checkpoint context
 * @mm: the address space
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_write_mm_context(struct ckpt_ctx *ctx, struct mm_struct *mm)
{
	const struct vdso_image *image = mm->context.vdso_image;

	if (mm->context.vdso && image != &vdso_image_64)
		return ckpt_err(ctx, -EOPNOTSUPP, "the process has a 32-bit vdso");
	return ckpt_write_vdso(ctx, (unsigned long)mm->context.vdso,
			       vdso_image_64.size, -vdso_image_64.sym_vvar_start);
}

/* Map the 64-bit vdso of current->mm with its text at @text. */
static int ckpt_x86_map_vdso(unsigned long text)
{
	const struct vdso_image *image = &vdso_image_64;
	int ret = map_vdso_once(image, text + image->sym_vvar_start);

	/* It is only a hint. */
	if (!ret && (unsigned long)current->mm->context.vdso != text)
		ret = -EEXIST;
	return ret;
}

/**
 * ckpt_arch_read_mm_context() - map the vdso where the image had it
 * @ctx: restart context
 * @mm: the new address space, current->mm
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_read_mm_context(struct ckpt_ctx *ctx, struct mm_struct *mm)
{
	return ckpt_read_vdso(ctx, vdso_image_64.size, -vdso_image_64.sym_vvar_start,
			      ckpt_x86_map_vdso);
}

/**
 * ckpt_arch_restore() - give current the registers, TLS and FPU state read
 * @ctx: restart context, past the point of no return
 *
 * Return: the value of %rax, which restart(2) returns.
 */
long ckpt_arch_restore(struct ckpt_ctx *ctx)
{
	struct ckpt_x86_state *st = *ckpt_arch_data(ctx);
	struct ckpt_hdr_cpu_x86 *h = &st->cpu;
	struct pt_regs *regs = current_pt_regs();
	struct fpu *fpu = &current->thread.fpu;

	regs->r15 = h->r15;
	regs->r14 = h->r14;
	regs->r13 = h->r13;
	regs->r12 = h->r12;
	regs->bp = h->bp;
	regs->bx = h->bx;
	regs->r11 = h->r11;
	regs->r10 = h->r10;
	regs->r9 = h->r9;
	regs->r8 = h->r8;
	regs->ax = h->ax;
	regs->cx = h->cx;
	regs->dx = h->dx;
	regs->si = h->si;
	regs->di = h->di;
	regs->orig_ax = h->orig_ax;
	regs->ip = h->ip;
	regs->sp = h->sp;
	regs->cs = __USER_CS;
	regs->ss = __USER_DS;
	regs->flags = (regs->flags & ~CKPT_X86_USER_EFLAGS) |
		      (h->flags & CKPT_X86_USER_EFLAGS);
	do_arch_prctl_64(current, ARCH_SET_FS, h->fs_base);
	do_arch_prctl_64(current, ARCH_SET_GS, h->gs_base);
	ckpt_x86_tls_set(st->tls);

	/* Leave the registers to the state in memory, reloaded on return. */
	kernel_fpu_begin();
	kernel_fpu_end();
	fpregs_lock();
	if (st->fpu_format == CKPT_X86_FPU_XSAVE)
		copy_uabi_from_kernel_to_xstate(fpu->fpstate, st->fpu,
						&current->thread.pkru);
	else
		memcpy(&fpu->fpstate->regs.fxsave, st->fpu, sizeof(struct fxregs_state));
	fpregs_unlock();
	return regs->ax;
}

/**
 * ckpt_arch_free() - free the state the x86 read hooks kept
 * @ctx: restart context
 */
void ckpt_arch_free(struct ckpt_ctx *ctx)
{
	struct ckpt_x86_state *st = *ckpt_arch_data(ctx);

	if (!st)
		return;
	kvfree(st->fpu);
	kfree(st);
}
