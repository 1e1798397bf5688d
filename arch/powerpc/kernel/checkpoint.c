// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart: powerpc hooks (64-bit tasks).
 *
 * The CPU feature record names the optional register sets the image may
 * hold: FPU, VMX (AltiVec), VSX and the DAWR.  Restart refuses an image
 * that uses one the running CPU or kernel lacks.  Each set the task has is
 * saved in a REGSET record of its own after the THREAD record.
 *
 * The restored task runs with the kernel's user MSR: the caller's, with
 * only the byte order taken from the image, as sigreturn takes it.  Its
 * system call state (trap, orig_gpr3, CR0.SO) comes back with the
 * registers, so that the return to user space restarts an interrupted
 * call or fails it with EINTR exactly as after a signal; TIF_RESTOREALL
 * makes that return load every register from the frame.
 */

#include <linux/array_size.h>
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/checkpoint.h>
#include <linux/errno.h>
#include <linux/mm.h>
#include <linux/preempt.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/cpu_has_feature.h>
#include <asm/cputable.h>
#include <asm/hw_breakpoint.h>
#include <asm/reg.h>
#include <asm/switch_to.h>
#include <asm/vdso.h>

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

/* The register sets this kernel saves, in the order of their records. */
#define CKPT_PPC_SETS	(CKPT_PPC_FEAT_FPU | CKPT_PPC_FEAT_VMX | CKPT_PPC_FEAT_VSX)

/* What restart keeps between the read hooks and ckpt_arch_restore(). */
struct ckpt_ppc_state {
	struct ckpt_hdr_cpu_ppc cpu;
	struct ckpt_hdr_thread_ppc thread;
	struct ckpt_ppc_fpu fpu;
	struct ckpt_ppc_vmx vmx;
	struct ckpt_ppc_vsx vsx;
};

static bool ckpt_ppc_has_tar(void)
{
	return IS_ENABLED(CONFIG_PPC_BOOK3S_64) && cpu_has_feature(CPU_FTR_ARCH_207S);
}

/* Does @t have a data watchpoint (DABR/DAWR) set? */
static bool ckpt_ppc_watchpoint(struct task_struct *t)
{
	int i;

	for (i = 0; i < nr_wp_slots(); i++)
		if (t->thread.hw_brk[i].address ||
		    t->thread.hw_brk[i].type & HW_BRK_TYPE_RDWR)
			return true;
	return false;
}

/**
 * ckpt_arch_check_task() - refuse powerpc state an image cannot hold
 * @ctx: checkpoint context
 * @t: the task
 *
 * Return: 0 or -EOPNOTSUPP.
 */
int ckpt_arch_check_task(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct mm_struct *mm = ckpt_task_mm(ctx);
	struct pt_regs *regs = task_pt_regs(t);
	const char *what = NULL;

	if (is_32bit_task() || test_tsk_thread_flag(t, TIF_32BIT) ||
	    !(regs->msr & MSR_SF))
		what = "32-bit code";
	else if (test_tsk_thread_flag(t, TIF_SINGLESTEP) ||
		 regs->msr & (MSR_SE | MSR_BE))
		what = "single-stepping";
	else if (ckpt_ppc_watchpoint(t))
		what = "a data watchpoint (DABR/DAWR)";
	else if (regs->msr & MSR_TS_MASK)
		what = "transactional memory";
#ifdef CONFIG_PPC_BOOK3S_64
	else if (t->thread.used_ebb || t->thread.ebbrr || t->thread.ebbhr ||
		 t->thread.bescr)
		what = "event-based branches";
	else if (t->thread.dscr_inherit)
		what = "its own DSCR";
	else if (t->thread.tidr)
		what = "a thread ID register";
	else if (mm && (atomic_read(&mm->context.copros) ||
			atomic_read(&mm->context.vas_windows)))
		what = "coprocessor windows";
#endif
#ifdef CONFIG_PPC_PKEY
	else if (regs->amr != default_amr || regs->iamr != default_iamr)
		what = "memory protection keys";
#endif
	return ckpt_refuse_state(ctx, t, what);
}

/**
 * ckpt_arch_write_cpu() - write the registers of a powerpc task
 * @ctx: checkpoint context
 * @t: the task
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_write_cpu(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct pt_regs *regs = task_pt_regs(t);
	struct ckpt_hdr_cpu_ppc h = { };

	BUILD_BUG_ON(sizeof(h) != 8 + 43 * 8);
	BUILD_BUG_ON(sizeof(h.gpr) != sizeof(regs->gpr));
	memcpy(h.gpr, regs->gpr, sizeof(h.gpr));
	h.nip = regs->nip;
	h.msr = regs->msr;
	h.orig_gpr3 = regs->orig_gpr3;
	h.ctr = regs->ctr;
	h.link = regs->link;
	h.xer = regs->xer;
	h.ccr = regs->ccr;
	h.trap = regs->trap;
	h.dar = regs->dar;
	h.dsisr = regs->dsisr;
	h.result = regs->result;
	/* A self checkpoint: the restarted process sees checkpoint(2) return 0. */
	if (t == current) {
		h.gpr[3] = 0;
		h.result = 0;
		if (!trap_is_scv(regs))
			h.ccr &= ~0x10000000UL;
	}
	return ckpt_write_obj(ctx, &h.h, CKPT_HDR_CPU, sizeof(h));
}

/* Is @trap a vector a user task enters the kernel by, with the restart flag? */
static bool ckpt_ppc_trap_ok(u64 trap)
{
	u64 vec = trap & ~(u64)TRAP_FLAGS_MASK;

	return vec && vec < 0x8000 && !(vec & 0x1f) && vec != 0x7ff0;
}

/**
 * ckpt_arch_read_cpu() - read and check the registers of a powerpc task
 * @ctx: restart context
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_read_cpu(struct ckpt_ctx *ctx)
{
	struct ckpt_ppc_state *st = ckpt_arch_state(ctx, sizeof(struct ckpt_ppc_state));
	struct ckpt_hdr_cpu_ppc *h;
	int ret;

	if (!st)
		return -ENOMEM;
	if (is_32bit_task())
		return ckpt_err(ctx, -EOPNOTSUPP, "restart from 32-bit code is not supported");
	h = &st->cpu;
	ret = ckpt_read_obj(ctx, &h->h, CKPT_HDR_CPU, sizeof(*h));
	if (ret)
		return ret;
	/* The MSR is the kernel's: only a 64-bit user task fits it. */
	if (!(h->msr & MSR_SF))
		return ckpt_err(ctx, -EINVAL,
				"the image's MSR %#llx is not a 64-bit task's", h->msr);
	if (h->nip >= TASK_SIZE || h->nip & 3)
		return ckpt_err(ctx, -EINVAL,
				"the image's instruction address %#llx is not a user one",
				h->nip);
	if (!ckpt_ppc_trap_ok(h->trap) || h->ccr >> 32)
		return ckpt_err(ctx, -EINVAL,
				"malformed system call state (trap %#llx, ccr %#llx)",
				h->trap, h->ccr);
	return 0;
}

/**
 * ckpt_arch_write_thread() - write the TAR, FP exception mode and register
 * sets of a powerpc task
 * @ctx: checkpoint context
 * @t: the task
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_write_thread(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct ckpt_hdr_thread_ppc h = { };
	struct thread_struct *th = &t->thread;
	struct ckpt_ppc_state *buf;
	int i, ret;

	BUILD_BUG_ON(sizeof(h) != 32);
	BUILD_BUG_ON(sizeof(struct ckpt_ppc_fpu) != 33 * 8);
	BUILD_BUG_ON(sizeof(struct ckpt_ppc_vmx) != 33 * 16 + 8);
	BUILD_BUG_ON(sizeof(struct ckpt_ppc_vsx) != 32 * 8);
	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	h.sets = ckpt_ppc_features() & CKPT_PPC_SETS;
	h.fpexc_mode = th->fpexc_mode;
	if (ckpt_ppc_has_tar())
		h.tar = t == current ? mfspr(SPRN_TAR) : th->tar;

	/*
	 * Only the caller's own registers need flushing: another target was
	 * off its CPU, its state saved in its thread struct, when the
	 * checkpoint began, and flush_*_to_thread() must not run on a task
	 * that a SIGCONT or SIGKILL put back on a CPU meanwhile (BUG_ON); such
	 * a target makes the checkpoint fail at its end.
	 */
	if (h.sets & CKPT_PPC_FEAT_FPU) {
		if (t == current)
			flush_fp_to_thread(t);
		for (i = 0; i < 32; i++)
			buf->fpu.fpr[i] = th->fp_state.fpr[i][TS_FPROFFSET];
		buf->fpu.fpscr = th->fp_state.fpscr;
	}
#ifdef CONFIG_ALTIVEC
	if (h.sets & CKPT_PPC_FEAT_VMX) {
		BUILD_BUG_ON(sizeof(buf->vmx.vr) + sizeof(buf->vmx.vscr) !=
			     sizeof(th->vr_state));
		if (t == current)
			flush_altivec_to_thread(t);
		memcpy(buf->vmx.vr, &th->vr_state, sizeof(th->vr_state));
		buf->vmx.vrsave = t == current ? mfspr(SPRN_VRSAVE) : th->vrsave;
	}
#endif
#ifdef CONFIG_VSX
	if (h.sets & CKPT_PPC_FEAT_VSX) {
		if (t == current)
			flush_vsx_to_thread(t);
		for (i = 0; i < 32; i++)
			buf->vsx.vsr_low[i] = th->fp_state.fpr[i][TS_VSRLOWOFFSET];
	}
#endif
	ret = ckpt_write_obj(ctx, &h.h, CKPT_HDR_THREAD, sizeof(h));
	if (!ret && h.sets & CKPT_PPC_FEAT_FPU)
		ret = ckpt_write_regset(ctx, CKPT_PPC_SET_FPU, &buf->fpu, sizeof(buf->fpu));
	if (!ret && h.sets & CKPT_PPC_FEAT_VMX)
		ret = ckpt_write_regset(ctx, CKPT_PPC_SET_VMX, &buf->vmx, sizeof(buf->vmx));
	if (!ret && h.sets & CKPT_PPC_FEAT_VSX)
		ret = ckpt_write_regset(ctx, CKPT_PPC_SET_VSX, &buf->vsx, sizeof(buf->vsx));
	kfree(buf);
	return ret;
}

/**
 * ckpt_arch_read_thread() - read and check the thread state and register
 * sets
 * @ctx: restart context
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_read_thread(struct ckpt_ctx *ctx)
{
	struct ckpt_ppc_state *st = ckpt_arch_state(ctx, sizeof(struct ckpt_ppc_state));
	struct ckpt_hdr_thread_ppc *h;
	u64 missing;
	int ret;

	if (!st)
		return -ENOMEM;
	h = &st->thread;
	ret = ckpt_read_obj(ctx, &h->h, CKPT_HDR_THREAD, sizeof(*h));
	if (ret)
		return ret;
	if (h->__reserved || h->sets & ~CKPT_PPC_SETS ||
	    h->fpexc_mode & ~(MSR_FE0 | MSR_FE1))
		return ckpt_err(ctx, -EINVAL, "malformed thread record");
	/* The CPU feature record was checked: this can only be a crafted image. */
	missing = h->sets & ~ckpt_ppc_features();
	if (missing)
		return ckpt_err(ctx, -ENOEXEC,
				"the image holds register sets %#llx that this CPU or kernel lacks",
				missing);
	if (h->tar && !ckpt_ppc_has_tar())
		return ckpt_err(ctx, -ENOEXEC, "the image uses the TAR, which this CPU lacks");

	if (h->sets & CKPT_PPC_FEAT_FPU)
		ret = ckpt_read_regset(ctx, CKPT_PPC_SET_FPU, &st->fpu, sizeof(st->fpu));
	if (!ret && h->sets & CKPT_PPC_FEAT_VMX)
		ret = ckpt_read_regset(ctx, CKPT_PPC_SET_VMX, &st->vmx, sizeof(st->vmx));
	if (!ret && h->sets & CKPT_PPC_FEAT_VSX)
		ret = ckpt_read_regset(ctx, CKPT_PPC_SET_VSX, &st->vsx, sizeof(st->vsx));
	if (!ret && st->vmx.__reserved)
		ret = ckpt_err(ctx, -EINVAL, "malformed VMX register set");
	return ret;
}

/**
 * ckpt_arch_write_mm_context() - write where the vdso of a powerpc mm is
 * @ctx: checkpoint context
 * @mm: the address space
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_write_mm_context(struct ckpt_ctx *ctx, struct mm_struct *mm)
{
	/* Cleared when the vdso is unmapped, moved with it by mremap(). */
	return ckpt_write_vdso(ctx, (unsigned long)mm->context.vdso, vdso_text_size(),
			       vdso_vvar_size());
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
	return ckpt_read_vdso(ctx, vdso_text_size(), vdso_vvar_size(), vdso_map_fixed);
}

/* Give current the register sets read; its MSR has no facility bit on. */
static void ckpt_ppc_restore_math(const struct ckpt_ppc_state *st)
{
	struct thread_struct *th = &current->thread;
	u64 sets = st->thread.sets;
	int i;

	th->fpexc_mode = st->thread.fpexc_mode;
	for (i = 0; i < 32; i++) {
		th->fp_state.fpr[i][TS_FPROFFSET] = st->fpu.fpr[i];
#ifdef CONFIG_VSX
		th->fp_state.fpr[i][TS_VSRLOWOFFSET] = st->vsx.vsr_low[i];
#endif
	}
	th->fp_state.fpscr = st->fpu.fpscr;
#ifdef CONFIG_ALTIVEC
	memcpy(&th->vr_state, st->vmx.vr, sizeof(th->vr_state));
	th->used_vr = !!(sets & CKPT_PPC_FEAT_VMX);
	th->vrsave = st->vmx.vrsave;
	if (cpu_has_feature(CPU_FTR_ALTIVEC))
		mtspr(SPRN_VRSAVE, th->vrsave);
#endif
#ifdef CONFIG_VSX
	th->used_vsr = !!(sets & CKPT_PPC_FEAT_VSX);
#endif
	/* Load them on the way out, as after a context switch. */
	th->load_fp = 1;
#ifdef CONFIG_ALTIVEC
	th->load_vec = th->used_vr;
#endif
}

/**
 * ckpt_arch_restore() - give current the registers and thread state read
 * @ctx: restart context, past the point of no return
 *
 * Return: the kernel's result of the image's system call, which restart(2)
 * leaves in regs->result; r3 is the image's.
 */
long ckpt_arch_restore(struct ckpt_ctx *ctx)
{
	struct ckpt_ppc_state *st = *ckpt_arch_data(ctx);
	const struct ckpt_hdr_cpu_ppc *h = &st->cpu;
	struct pt_regs *regs = current_pt_regs();

	/*
	 * The caller's user MSR with its facilities off, so that nothing
	 * saves the live registers over the state written below; the byte
	 * order is the image's, as sigreturn takes it.
	 */
	regs_set_return_msr(regs, (regs->msr & ~(MSR_LE | MSR_FP | MSR_FE0 | MSR_FE1 |
						 MSR_VEC | MSR_VSX | MSR_TS_MASK)) |
				  (h->msr & MSR_LE));
	ckpt_ppc_restore_math(st);
	if (ckpt_ppc_has_tar()) {
		preempt_disable();
		current->thread.tar = st->thread.tar;
		mtspr(SPRN_TAR, st->thread.tar);
		preempt_enable();
	}

	memcpy(regs->gpr, h->gpr, sizeof(regs->gpr));
	regs_set_return_ip(regs, h->nip);
	regs->orig_gpr3 = h->orig_gpr3;
	regs->ctr = h->ctr;
	regs->link = h->link;
	regs->xer = h->xer;
	regs->ccr = h->ccr;
	regs->trap = h->trap;
	regs->dar = h->dar;
	regs->dsisr = h->dsisr;
	/* What restart(2) returns, and a task of a tree keeps (no return). */
	regs->result = h->result;
	/* Return with every register of the frame, not a system call's. */
	set_thread_flag(TIF_RESTOREALL);
	return h->result;
}

/**
 * ckpt_arch_prepare_child() - make a task of a tree return with every
 * register of its frame
 * @p: the task, not woken yet
 *
 * Its return from fork runs its restore on the way out, after the system
 * call exit has read the flags: TIF_RESTOREALL must already be set there.
 */
void ckpt_arch_prepare_child(struct task_struct *p)
{
	set_tsk_thread_flag(p, TIF_RESTOREALL);
}

/**
 * ckpt_arch_child_restored() - drop the TIF_RESTOREALL of restart(2)'s exit
 *
 * The exit of a task of a tree read it before its restore: left set, it
 * would make the task's next system call return without its result.
 */
void ckpt_arch_child_restored(void)
{
	clear_thread_flag(TIF_RESTOREALL);
}

/**
 * ckpt_arch_free() - free the state the powerpc read hooks kept
 * @ctx: restart context
 */
void ckpt_arch_free(struct ckpt_ctx *ctx)
{
	kfree(*ckpt_arch_data(ctx));
}
