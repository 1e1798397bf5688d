// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart: 32-bit arm hooks.
 *
 * The CPU feature record gives the ISA level, whether the kernel has an
 * MMU, and the VFP variant (number of double registers, NEON).  Restart
 * refuses images of no-MMU kernels, of a higher ISA level, or using VFP
 * registers this CPU lacks.
 *
 * The CPSR keeps only its user bits from an image, in user mode with the
 * kernel's interrupt masks, as sigreturn would leave it.
 *
 * System calls: when a stopped task's call returned -ERESTART*, the signal
 * code has already set its registers up to issue the call again (r0 back
 * to the first argument, pc on the SVC) before the task stopped, and an
 * image holds them so.  Only -ERESTART_RESTARTBLOCK needs more: such an
 * image holds the result and the return address as when the call
 * returned, so that the return from restart(2) goes through the signal
 * code and resumes the call with its restart block.  Since that return is
 * a system call's, an image whose r0 would read as another -ERESTART*
 * code is refused.
 */

#include <linux/array_size.h>
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/checkpoint.h>
#include <linux/errno.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/futex.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/time.h>
#include <asm/hwcap.h>
#include <asm/syscall.h>
#include <asm/tls.h>
#include <asm/unistd.h>
#include <asm/user.h>
#include <asm/vdso.h>

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

/* CPSR bits of user space: N, Z, C, V, Q, GE, E, T and the If-Then state. */
#define CKPT_ARM_USER_PSR	(APSR_MASK | PSR_IT_MASK | PSR_E_BIT | PSR_T_BIT)

/* r0 values the return from restart(2) would take for a system call's. */
static bool ckpt_arm_restart_code(u32 r0)
{
	long v = (s32)r0;

	return v == -ERESTARTSYS || v == -ERESTARTNOINTR || v == -ERESTARTNOHAND ||
	       v == -ERESTART_RESTARTBLOCK;
}

/* Length of the SVC at the pc of @regs, 0 if there is none. */
static unsigned int ckpt_arm_svc_at_pc(struct task_struct *t, struct pt_regs *regs)
{
	u32 insn = 0;

	if (thumb_mode(regs)) {
		u16 half;

		/* Bit 0 of a Thumb pc may be set: the CPU ignores it. */
		if (access_process_vm(t, regs->ARM_pc & ~1UL, &half, 2, FOLL_FORCE) != 2)
			return 0;
		return (half & 0xff00) == 0xdf00 ? 2 : 0;
	}
	if (access_process_vm(t, regs->ARM_pc, &insn, 4, FOLL_FORCE) != 4)
		return 0;
	return (insn & 0x0f000000) == 0x0f000000 ? 4 : 0;
}

/* Does system call @nr with first argument @a0 and @regs return -ERESTART_RESTARTBLOCK? */
static bool ckpt_arm_blocks_restart(int nr, struct pt_regs *regs)
{
	u32 op;

	switch (nr) {
	case __NR_restart_syscall:
	case __NR_nanosleep:
	case __NR_poll:
		return true;
	case __NR_clock_nanosleep:
	case __NR_clock_nanosleep_time64:
		return !(regs->ARM_r1 & TIMER_ABSTIME);
	case __NR_futex:
	case __NR_futex_time64:
		op = regs->ARM_r1 & FUTEX_CMD_MASK;
		return (op == FUTEX_WAIT || op == FUTEX_WAIT_BITSET) && regs->ARM_r3;
	}
	return false;
}

/*
 * Is stopped task @t set up to issue a system call again that returned
 * -ERESTART_RESTARTBLOCK?  The signal code put r0 back to the first
 * argument and the pc on the SVC; the call is one that returns that code.
 * Returns the length of the SVC, 0 if not.
 */
static unsigned int ckpt_arm_prepped_restartblock(struct task_struct *t,
						  struct pt_regs *regs)
{
	if (t == current || regs->ARM_r0 != regs->ARM_ORIG_r0 ||
	    !ckpt_arm_blocks_restart(syscall_get_nr(t, regs), regs))
		return 0;
	return ckpt_arm_svc_at_pc(t, regs);
}

/**
 * ckpt_arch_syscall_error() - the error a stopped arm task's system call
 * returned, as the task will see it
 * @t: the task, stopped
 * @regs: its user registers
 *
 * Return: -ERESTART_RESTARTBLOCK for a call the signal code set up to be
 * issued again, else syscall_get_error().
 */
long ckpt_arch_syscall_error(struct task_struct *t, struct pt_regs *regs)
{
	if (ckpt_arm_prepped_restartblock(t, regs))
		return -ERESTART_RESTARTBLOCK;
	return syscall_get_error(t, regs);
}

/* What restart keeps between the read hooks and ckpt_arch_restore(). */
struct ckpt_arm_state {
	struct ckpt_hdr_cpu_arm cpu;
	struct ckpt_hdr_thread_arm thread;
	struct ckpt_arm_vfp vfp;
};

/**
 * ckpt_arch_check_task() - refuse arm state an image cannot hold
 * @ctx: checkpoint context
 * @t: the task
 *
 * Return: 0 or -EOPNOTSUPP.
 */
int ckpt_arch_check_task(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct pt_regs *regs = task_pt_regs(t);
	const char *what = NULL;

	if (regs->ARM_cpsr & PSR_J_BIT)
		what = "Jazelle or ThumbEE state";
	else if (test_tsk_thread_flag(t, TIF_UPROBE))
		what = "uprobes";
#ifdef CONFIG_HAVE_HW_BREAKPOINT
	for (int i = 0; !what && i < ARM_MAX_HBP_SLOTS; i++)
		if (t->thread.debug.hbp[i])
			what = "hardware breakpoints";
#endif
	return ckpt_refuse_state(ctx, t, what);
}

/**
 * ckpt_arch_write_cpu() - write the registers of an arm task
 * @ctx: checkpoint context
 * @t: the task
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_write_cpu(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct pt_regs *regs = task_pt_regs(t);
	struct thread_info *ti = task_thread_info(t);
	struct ckpt_hdr_cpu_arm h = { };
	unsigned int svc;

	BUILD_BUG_ON(sizeof(h) != 8 + 22 * 4);
	BUILD_BUG_ON(sizeof(h.regs) != sizeof(regs->uregs));
	memcpy(h.regs, regs->uregs, sizeof(h.regs));
	h.tp_value[0] = ti->tp_value[0];
	h.tp_value[1] = t == current ? get_tpuser() : ti->tp_value[1];
	h.syscall = ti->abi_syscall;
	svc = ckpt_arm_prepped_restartblock(t, regs);
	if (t == current) {
		/* A self checkpoint: the restarted process sees checkpoint(2) return 0. */
		h.regs[0] = 0;
	} else if (svc) {
		h.regs[0] = -ERESTART_RESTARTBLOCK;
		h.regs[15] += svc;
		h.flags |= CKPT_ARM_CPU_RESTARTBLOCK;
	} else if (ckpt_arm_restart_code(h.regs[0])) {
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d has r0 %d, which restart would take for a system call's result",
				task_pid_vnr(t), (s32)h.regs[0]);
	}
	return ckpt_write_obj(ctx, &h.h, CKPT_HDR_CPU, sizeof(h));
}

/**
 * ckpt_arch_read_cpu() - read and check the registers of an arm task
 * @ctx: restart context
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_read_cpu(struct ckpt_ctx *ctx)
{
	struct ckpt_arm_state *st = ckpt_arch_state(ctx, sizeof(struct ckpt_arm_state));
	struct ckpt_hdr_cpu_arm *h;
	u32 pc, cpsr;
	int ret;

	if (!st)
		return -ENOMEM;
	h = &st->cpu;
	ret = ckpt_read_obj(ctx, &h->h, CKPT_HDR_CPU, sizeof(*h));
	if (ret)
		return ret;
	pc = h->regs[15];
	cpsr = h->regs[16];
	if (cpsr & PSR_J_BIT)
		return ckpt_err(ctx, -EINVAL, "the image's CPSR %#x has Jazelle or ThumbEE state",
				cpsr);
	/*
	 * In Thumb state bit 0 may be set: the kernel enters a Thumb signal
	 * handler with the handler's address as is, and the CPU ignores it.
	 */
	if (pc >= TASK_SIZE || (!(cpsr & PSR_T_BIT) && pc & 3))
		return ckpt_err(ctx, -EINVAL,
				"the image's pc %#x is not a user instruction address", pc);
	if (h->flags & ~CKPT_ARM_CPU_FLAGS_ALL ||
	    (ckpt_arm_restart_code(h->regs[0]) !=
	     !!(h->flags & CKPT_ARM_CPU_RESTARTBLOCK)) ||
	    (h->flags & CKPT_ARM_CPU_RESTARTBLOCK &&
	     (s32)h->regs[0] != -ERESTART_RESTARTBLOCK))
		return ckpt_err(ctx, -EINVAL,
				"malformed system call state (r0 %d, flags %#x)",
				(s32)h->regs[0], h->flags);
	return 0;
}

/**
 * ckpt_arch_write_thread() - write the VFP registers of an arm task
 * @ctx: checkpoint context
 * @t: the task
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_write_thread(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct ckpt_hdr_thread_arm h = { };
	struct ckpt_hdr_arch_arm cpu = { };
	int ret;

	BUILD_BUG_ON(sizeof(h) != 16);
	BUILD_BUG_ON(sizeof(struct ckpt_arm_vfp) != 24 + 32 * 8);
	ckpt_arm_features(&cpu);
	if (IS_ENABLED(CONFIG_VFP) && cpu.a.features & CKPT_ARM_FEAT_VFP)
		h.sets |= BIT_ULL(CKPT_ARM_SET_VFP);
	ret = ckpt_write_obj(ctx, &h.h, CKPT_HDR_THREAD, sizeof(h));
#ifdef CONFIG_VFP
	if (!ret && h.sets) {
		struct thread_info *ti = task_thread_info(t);
		const struct vfp_hard_struct *hard = &ti->vfpstate.hard;
		struct ckpt_arm_vfp v = { };

		vfp_sync_hwstate(ti);
		v.nregs = cpu.vfp_nregs;
		BUILD_BUG_ON(ARRAY_SIZE(hard->fpregs) > ARRAY_SIZE(v.d));
		memcpy(v.d, hard->fpregs, v.nregs * sizeof(v.d[0]));
		v.fpscr = hard->fpscr;
		v.fpexc = hard->fpexc;
		v.fpinst = hard->fpinst;
		v.fpinst2 = hard->fpinst2;
		ret = ckpt_write_regset(ctx, CKPT_ARM_SET_VFP, &v, sizeof(v));
	}
#endif
	return ret;
}

/**
 * ckpt_arch_read_thread() - read and check the VFP registers
 * @ctx: restart context
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_read_thread(struct ckpt_ctx *ctx)
{
	struct ckpt_arm_state *st = ckpt_arch_state(ctx, sizeof(struct ckpt_arm_state));
	struct ckpt_hdr_arch_arm cpu = { };
	struct ckpt_arm_vfp *v;
	int ret, i;

	if (!st)
		return -ENOMEM;
	ret = ckpt_read_obj(ctx, &st->thread.h, CKPT_HDR_THREAD, sizeof(st->thread));
	if (ret)
		return ret;
	ckpt_arm_features(&cpu);
	if (st->thread.sets & ~BIT_ULL(CKPT_ARM_SET_VFP))
		return ckpt_err(ctx, -EINVAL, "malformed thread record");
	if (!st->thread.sets)
		return 0;
	if (!IS_ENABLED(CONFIG_VFP) || !(cpu.a.features & CKPT_ARM_FEAT_VFP))
		return ckpt_err(ctx, -ENOEXEC, "the image holds VFP registers, this CPU has none");
	v = &st->vfp;
	ret = ckpt_read_regset(ctx, CKPT_ARM_SET_VFP, v, sizeof(*v));
	if (ret)
		return ret;
	if ((v->nregs != 16 && v->nregs != 32) || v->__reserved)
		return ckpt_err(ctx, -EINVAL, "malformed VFP register set");
	if (v->nregs > cpu.vfp_nregs)
		return ckpt_err(ctx, -ENOEXEC, "the image uses %u VFP registers, this CPU has %u",
				v->nregs, cpu.vfp_nregs);
	for (i = v->nregs; i < ARRAY_SIZE(v->d); i++)
		if (v->d[i])
			return ckpt_err(ctx, -EINVAL, "malformed VFP register set");
	return 0;
}

/* Is there a special mapping named @name at @addr in @mm?  Its size, or 0. */
static unsigned long ckpt_arm_special(struct mm_struct *mm, unsigned long addr,
				      const char *name)
{
	struct vm_area_struct *vma = addr ? find_vma(mm, addr) : NULL;
	const char *n = NULL;

	if (vma && vma->vm_start == addr && vma->vm_ops && vma->vm_ops->name)
		n = vma->vm_ops->name(vma);
	return n && !strcmp(n, name) ? vma->vm_end - vma->vm_start : 0;
}

/**
 * ckpt_arch_write_mm_context() - write where the sigpage and the vdso of an
 * arm mm are
 * @ctx: checkpoint context
 * @mm: the address space
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_write_mm_context(struct ckpt_ctx *ctx, struct mm_struct *mm)
{
	struct ckpt_hdr_mm_context_arm h = { };
	unsigned long size;

	BUILD_BUG_ON(sizeof(h) != 24);
	/* Both addresses stay behind when their page is unmapped. */
	mmap_read_lock(mm);
	if (ckpt_arm_special(mm, mm->context.sigpage, "[sigpage]"))
		h.sigpage = mm->context.sigpage;
	size = ckpt_arm_special(mm, mm->context.vdso, "[vdso]");
	if (size) {
		h.vdso = mm->context.vdso;
		h.vdso_size = size;
		h.vvar_size = PAGE_SIZE;
	}
	mmap_read_unlock(mm);
	return ckpt_write_obj(ctx, &h.h, CKPT_HDR_MM_CONTEXT, sizeof(h));
}

static int ckpt_arm_map_vdso(unsigned long text)
{
#ifdef CONFIG_VDSO
	return arm_vdso_map_fixed(text);
#else
	return -ENOEXEC;
#endif
}

/**
 * ckpt_arch_read_mm_context() - map the sigpage and the vdso where the
 * image had them
 * @ctx: restart context
 * @mm: the new address space, current->mm
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_read_mm_context(struct ckpt_ctx *ctx, struct mm_struct *mm)
{
	struct ckpt_hdr_mm_context_arm h;
	int ret;

	ret = ckpt_read_obj(ctx, &h.h, CKPT_HDR_MM_CONTEXT, sizeof(h));
	if (ret)
		return ret;
	if (h.sigpage) {
		if (!PAGE_ALIGNED(h.sigpage) || h.sigpage > TASK_SIZE - PAGE_SIZE)
			return ckpt_err(ctx, -EINVAL, "bad sigpage address %#x", h.sigpage);
		ret = arm_sigpage_map_fixed(h.sigpage);
		if (ret)
			return ckpt_err(ctx, ret, "cannot map the sigpage at %#x (error %d)",
					h.sigpage, ret);
	}
	return ckpt_map_vdso(ctx, h.vdso, h.vdso_size, h.vvar_size,
			     IS_ENABLED(CONFIG_VDSO) ? (vdso_total_pages - 1) << PAGE_SHIFT : 0,
			     PAGE_SIZE, ckpt_arm_map_vdso);
}

/**
 * ckpt_arch_restore() - give current the registers, TLS and VFP state read
 * @ctx: restart context, past the point of no return
 *
 * Return: r0, which restart(2) returns.
 */
long ckpt_arch_restore(struct ckpt_ctx *ctx)
{
	struct ckpt_arm_state *st = *ckpt_arch_data(ctx);
	const struct ckpt_hdr_cpu_arm *h = &st->cpu;
	struct pt_regs *regs = current_pt_regs();
	struct thread_info *ti = current_thread_info();
	u32 cpsr = h->regs[16];

	memcpy(regs->uregs, h->regs, sizeof(regs->uregs));
	/*
	 * The bits user space may hold (flags, GE, E, Thumb and If-Then
	 * state), in user mode with interrupts and aborts on, as sigreturn.
	 */
	regs->ARM_cpsr = (cpsr & CKPT_ARM_USER_PSR) | USR_MODE;
	ti->abi_syscall = h->syscall;
	set_tls(h->tp_value[0]);
	ti->tp_value[1] = h->tp_value[1];
	set_tpuser(h->tp_value[1]);
#ifdef CONFIG_VFP
	if (st->thread.sets) {
		struct user_vfp uv = { .fpscr = st->vfp.fpscr };
		struct user_vfp_exc ue = {
			.fpexc = st->vfp.fpexc,
			.fpinst = st->vfp.fpinst,
			.fpinst2 = st->vfp.fpinst2,
		};

		BUILD_BUG_ON(sizeof(uv.fpregs) != sizeof(st->vfp.d));
		memcpy(uv.fpregs, st->vfp.d, sizeof(uv.fpregs));
		vfp_restore_user_hwstate(&uv, &ue);
	}
#endif
	return regs->ARM_r0;
}

/**
 * ckpt_arch_prepare_child() - make a task of a tree return as from a
 * system call
 * @p: the task, not woken yet
 *
 * ret_from_fork ends in ret_slow_syscall, whose "why" register (r8, also
 * the system call table pointer) comes from the task's switch frame and
 * is 0 for a fork child: the signal code would then not resume a call of
 * the image with -ERESTART_RESTARTBLOCK, nor could it restart one.  A
 * system call's value makes that return the same as from restart(2).
 */
void ckpt_arch_prepare_child(struct task_struct *p)
{
	task_thread_info(p)->cpu_context.r8 = (unsigned long)sys_call_table;
}

/**
 * ckpt_arch_free() - free the state the arm read hooks kept
 * @ctx: restart context
 */
void ckpt_arch_free(struct ckpt_ctx *ctx)
{
	kfree(*ckpt_arch_data(ctx));
}
