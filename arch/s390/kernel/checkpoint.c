// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart: s390x hooks.
 *
 * The CPU feature record says whether the image may hold vector registers.
 * Restart refuses such an image on a machine without the vector facility.
 *
 * The registers are restored as sigreturn restores them: the PSW keeps
 * the system bits of the caller and takes only the bits user space may
 * change from the image, which must hold a problem-state PSW with the
 * default key.  A task stopped in a system call gets back the system call
 * state (PIF_SYSCALL, its SVC code and first argument), so that the return
 * to user space restarts it or returns EINTR exactly as after a signal.
 */

#include <linux/array_size.h>
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/checkpoint.h>
#include <linux/compat.h>
#include <linux/errno.h>
#include <linux/mm.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/access-regs.h>
#include <asm/fpu.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/ptrace.h>
#include <asm/vdso.h>

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

/* What restart keeps between the read hooks and ckpt_arch_restore(). */
struct ckpt_s390_state {
	struct ckpt_hdr_cpu_s390 cpu;
	struct ckpt_hdr_thread_s390 thread;
};

/**
 * ckpt_arch_check_task() - refuse s390x state an image cannot hold
 * @ctx: checkpoint context
 * @t: the task
 *
 * Return: 0 or -EOPNOTSUPP.
 */
int ckpt_arch_check_task(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct mm_struct *mm = ckpt_task_mm(ctx);
	const struct per_regs *per = &t->thread.per_user;
	const char *what = NULL;

	if (test_tsk_thread_flag(t, TIF_31BIT))
		what = "31-bit code";
	else if (test_tsk_thread_flag(t, TIF_SINGLE_STEP) ||
		 test_tsk_thread_flag(t, TIF_BLOCK_STEP) ||
		 test_tsk_thread_flag(t, TIF_UPROBE_SINGLESTEP) ||
		 test_tsk_thread_flag(t, TIF_PER_TRAP))
		what = "single-stepping";
	else if (per->control || per->start || per->end)
		what = "PER debug events";
	else if (t->thread.per_flags)
		what = "transactional-execution debug controls";
	else if (t->thread.gs_cb || t->thread.gs_bc_cb)
		what = "guarded storage";
	else if (t->thread.ri_cb)
		what = "runtime instrumentation";
	else if (mm && (mm_has_pgste(mm) || mm_uses_skeys(mm) ||
			mm_is_protected(mm) ||
			!list_empty(&mm->context.gmap_list)))
		what = "KVM guest memory";
	return ckpt_refuse_state(ctx, t, what);
}

/**
 * ckpt_arch_write_cpu() - write the registers of an s390x task
 * @ctx: checkpoint context
 * @t: the task
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_write_cpu(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct pt_regs *regs = task_pt_regs(t);
	struct ckpt_hdr_cpu_s390 h = { };

	BUILD_BUG_ON(sizeof(h) != 8 + 19 * 8 + 16 * 4 + 2 * 4 + 8);
	BUILD_BUG_ON(sizeof(h.gprs) != sizeof(regs->gprs));
	BUILD_BUG_ON(sizeof(h.acrs) != sizeof(t->thread.acrs));
	/* The mask as sigreturn and ptrace show it: without PER. */
	h.psw_mask = PSW_USER_BITS | (regs->psw.mask & (PSW_MASK_USER | PSW_MASK_RI));
	h.psw_addr = regs->psw.addr;
	memcpy(h.gprs, regs->gprs, sizeof(h.gprs));
	h.orig_gpr2 = regs->orig_gpr2;
	if (test_pt_regs_flag(regs, PIF_SYSCALL)) {
		h.flags |= CKPT_S390_CPU_IN_SYSCALL;
		h.int_code = regs->int_code;
	}
	/* A self checkpoint: the restarted process sees checkpoint(2) return 0. */
	if (t == current) {
		h.gprs[2] = 0;
		save_access_regs(t->thread.acrs);
	}
	memcpy(h.acrs, t->thread.acrs, sizeof(h.acrs));
	/* An even value is a return address parked by a vdso restart. */
	if (!(t->restart_block.arch_data & 1))
		h.restart_addr = t->restart_block.arch_data;
	return ckpt_write_obj(ctx, &h.h, CKPT_HDR_CPU, sizeof(h));
}

/* Is @addr an instruction address of user space in the addressing mode of @mask? */
static bool ckpt_s390_insn_addr_ok(u64 mask, u64 addr)
{
	u64 limit = TASK_SIZE_MAX;

	if (!(mask & PSW_MASK_EA))
		limit = mask & PSW_MASK_BA ? 1ULL << 31 : 1ULL << 24;
	return !(addr & 1) && addr < limit;
}

/*
 * The checks ptrace makes when it sets a PSW mask: the system bits are
 * those of a user PSW, the home space and 64-bit addressing without the
 * 31-bit bit are invalid.  Runtime instrumentation is refused at
 * checkpoint, so its bit is never valid in an image.
 */
static int ckpt_s390_check_psw(struct ckpt_ctx *ctx, u64 mask, u64 addr)
{
	const char *what = NULL;

	if (!(mask & PSW_MASK_PSTATE))
		what = "supervisor state";
	else if (mask & PSW_MASK_KEY)
		what = "a storage key other than 0";
	else if ((mask ^ PSW_USER_BITS) & ~PSW_MASK_USER)
		what = "system bits user space cannot set";
	else if ((mask & PSW_MASK_ASC) == PSW_ASC_HOME)
		what = "home-space mode";
	else if ((mask & PSW_MASK_EA) && !(mask & PSW_MASK_BA))
		what = "an invalid addressing mode";
	else if (!ckpt_s390_insn_addr_ok(mask, addr))
		return ckpt_err(ctx, -EINVAL,
				"the image's PSW address %#llx is not an instruction address of its addressing mode",
				addr);
	if (what)
		return ckpt_err(ctx, -EINVAL, "the image's PSW mask %#llx has %s",
				mask, what);
	return 0;
}

/**
 * ckpt_arch_read_cpu() - read and check the registers of an s390x task
 * @ctx: restart context
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_read_cpu(struct ckpt_ctx *ctx)
{
	struct ckpt_s390_state *st = ckpt_arch_state(ctx, sizeof(struct ckpt_s390_state));
	struct ckpt_hdr_cpu_s390 *h;
	unsigned int ilc;
	int ret;

	if (!st)
		return -ENOMEM;
	if (is_compat_task())
		return ckpt_err(ctx, -EOPNOTSUPP,
				"restart from 31-bit code is not supported");
	h = &st->cpu;
	ret = ckpt_read_obj(ctx, &h->h, CKPT_HDR_CPU, sizeof(*h));
	if (ret)
		return ret;
	ret = ckpt_s390_check_psw(ctx, h->psw_mask, h->psw_addr);
	if (ret)
		return ret;
	ilc = h->int_code >> 16;
	if (h->flags & ~CKPT_S390_CPU_FLAGS_ALL ||
	    (h->flags & CKPT_S390_CPU_IN_SYSCALL ?
	     ilc != 2 && ilc != 4 && ilc != 6 : h->int_code != 0))
		return ckpt_err(ctx, -EINVAL,
				"malformed system call state (flags %#x, code %#x)",
				h->flags, h->int_code);
	if (h->restart_addr &&
	    !ckpt_s390_insn_addr_ok(h->psw_mask, h->restart_addr))
		return ckpt_err(ctx, -EINVAL,
				"the image's system call return address %#llx is not an instruction address",
				h->restart_addr);
	return 0;
}

/**
 * ckpt_arch_write_thread() - write the floating-point and vector
 * registers of an s390x task
 * @ctx: checkpoint context
 * @t: the task
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_write_thread(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct ckpt_hdr_thread_s390 h = { };
	const struct fpu *fpu = &t->thread.ufpu;
	bool vx = cpu_has_vx();
	int i;

	BUILD_BUG_ON(sizeof(h) != 8 + 8 + 32 * 16);
	BUILD_BUG_ON(ARRAY_SIZE(h.vxrs) != ARRAY_SIZE(fpu->vxrs));
	/* A stopped task's registers were saved when it left its CPU. */
	if (t == current)
		save_user_fpu_regs();
	h.fpc = fpu->fpc;
	for (i = 0; i < ARRAY_SIZE(h.vxrs); i++) {
		if (i < __NUM_FPRS || vx)
			h.vxrs[i][0] = fpu->vxrs[i].high;
		if (vx)
			h.vxrs[i][1] = fpu->vxrs[i].low;
	}
	return ckpt_write_obj(ctx, &h.h, CKPT_HDR_THREAD, sizeof(h));
}

/*
 * Would loading @fpc raise a specification exception?  The kernel would
 * load 0 instead: refuse the image rather than lose its FPC.  The bits
 * reserved by the architecture must be 0, and the binary rounding modes
 * 4-6 are invalid.
 */
static bool ckpt_s390_fpc_ok(u32 fpc)
{
	u32 rm = fpc & 7;

	return !(fpc & 0x03030088) && (rm < 4 || rm > 6);
}

/**
 * ckpt_arch_read_thread() - read and check the floating-point and vector
 * registers
 * @ctx: restart context
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_read_thread(struct ckpt_ctx *ctx)
{
	struct ckpt_s390_state *st = ckpt_arch_state(ctx, sizeof(struct ckpt_s390_state));
	struct ckpt_hdr_thread_s390 *h;
	int i, ret;

	if (!st)
		return -ENOMEM;
	h = &st->thread;
	ret = ckpt_read_obj(ctx, &h->h, CKPT_HDR_THREAD, sizeof(*h));
	if (ret)
		return ret;
	if (h->__reserved)
		return ckpt_err(ctx, -EINVAL, "malformed thread record");
	if (!ckpt_s390_fpc_ok(h->fpc))
		return ckpt_err(ctx, -EINVAL, "the image's FPC %#x is invalid", h->fpc);
	if (cpu_has_vx())
		return 0;
	for (i = 0; i < ARRAY_SIZE(h->vxrs); i++)
		if (h->vxrs[i][1] || (i >= __NUM_FPRS && h->vxrs[i][0]))
			return ckpt_err(ctx, -ENOEXEC,
					"the image holds vector registers and this machine has no vector facility");
	return 0;
}

/**
 * ckpt_arch_write_mm_context() - write where the vdso of an s390x mm is
 * @ctx: checkpoint context
 * @mm: the address space
 *
 * Return: 0 or a negative errno.
 */
int ckpt_arch_write_mm_context(struct ckpt_ctx *ctx, struct mm_struct *mm)
{
	unsigned long base = mm->context.vdso_base;
	struct vm_area_struct *vma;
	const char *name = NULL;
	u32 size = 0;

	mmap_read_lock(mm);
	vma = base ? find_vma(mm, base) : NULL;
	if (vma && vma->vm_start == base && vma->vm_ops && vma->vm_ops->name)
		name = vma->vm_ops->name(vma);
	/* vdso_base is left behind when the vdso is unmapped. */
	if (name && !strcmp(name, "[vdso]"))
		size = vma->vm_end - vma->vm_start;
	mmap_read_unlock(mm);
	return ckpt_write_vdso(ctx, size ? base : 0, size, __VVAR_PAGES * PAGE_SIZE);
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
	return ckpt_read_vdso(ctx, vdso_text_size(), __VVAR_PAGES * PAGE_SIZE,
			      vdso_map_fixed);
}

/**
 * ckpt_arch_mm_tables_end() - the end of what the page tables of an s390x
 * mm cover
 * @mm: an address space restart(2) built
 *
 * Its top table grows with the mappings, from 3 levels (4 TiB) up; no
 * walk may go past it.
 *
 * Return: the limit of its address space control element.
 */
unsigned long ckpt_arch_mm_tables_end(struct mm_struct *mm)
{
	return mm->context.asce_limit;
}

/**
 * ckpt_arch_restore() - give current the registers read
 * @ctx: restart context, past the point of no return
 *
 * Return: the value of general register 2, which restart(2) returns.
 */
long ckpt_arch_restore(struct ckpt_ctx *ctx)
{
	struct ckpt_s390_state *st = *ckpt_arch_data(ctx);
	const struct ckpt_hdr_cpu_s390 *h = &st->cpu;
	struct pt_regs *regs = current_pt_regs();
	struct thread_struct *thread = &current->thread;
	int i;

	/* As sigreturn: the system bits and PER stay the kernel's. */
	regs->psw.mask = (regs->psw.mask & ~(PSW_MASK_USER | PSW_MASK_RI)) |
			 (h->psw_mask & PSW_MASK_USER);
	regs->psw.addr = h->psw_addr;
	memcpy(regs->gprs, h->gprs, sizeof(regs->gprs));
	regs->orig_gpr2 = h->orig_gpr2;
	/*
	 * The exit to user space sees the system call of the image, or none:
	 * it restarts that call (-ERESTART*) as after a signal.
	 */
	regs->int_code = h->int_code;
	regs->flags = h->flags & CKPT_S390_CPU_IN_SYSCALL ? _PIF_SYSCALL : 0;
	current->restart_block.arch_data = h->restart_addr ?: 1;

	/* The access registers are live: load them too, on this CPU. */
	preempt_disable();
	memcpy(thread->acrs, h->acrs, sizeof(thread->acrs));
	restore_access_regs(thread->acrs);
	preempt_enable();

	/* Leave the FPU registers to the copy in memory, loaded on return. */
	save_user_fpu_regs();
	thread->ufpu.fpc = st->thread.fpc;
	for (i = 0; i < ARRAY_SIZE(st->thread.vxrs); i++) {
		thread->ufpu.vxrs[i].high = st->thread.vxrs[i][0];
		thread->ufpu.vxrs[i].low = st->thread.vxrs[i][1];
	}
	return regs->gprs[2];
}

/**
 * ckpt_arch_free() - free the state the s390x read hooks kept
 * @ctx: restart context
 */
void ckpt_arch_free(struct ckpt_ctx *ctx)
{
	kfree(*ckpt_arch_data(ctx));
}
