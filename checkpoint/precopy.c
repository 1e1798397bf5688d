// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart: pre-copy of the memory of a running tree.
 *
 * With CKPT_CHECKPOINT_PRECOPY, checkpoint(2) takes a tree that runs.  It
 * writes the private pages of each address space of the tree while the
 * tree goes on (round 0), then, round after round, the pages written to
 * since; when a round finds few, or not half as many as the round before,
 * it stops each process of the tree with SIGSTOP and writes the image as
 * usual, where a page that a round wrote and that is unchanged since is
 * only named (a STAGED record), not written again.  The tree is stopped
 * for the last pages and the rest of the image, not for all its memory.
 *
 * How a page written to since a round is found: when a round takes a page,
 * the PTE that maps it is made clean and read-only, as writeback does for
 * a page of a shared file mapping, and the frame and the page's index in
 * its mapping are noted.  Every later write to the page, by the CPU or by
 * the kernel through get_user_pages() (ptrace(2), process_vm_writev(2),
 * O_DIRECT; FOLL_FORCE too), goes through a write fault that makes the
 * PTE writable and dirty, or dirty.  A page is unchanged at the next
 * round, or at the stop, if its PTE is present, read-only and clean and
 * maps the same frame at the same index, and the frame is neither in the
 * swap cache nor maybe pinned for DMA.  A page moved by mremap(2) has
 * another index at its new address; a page migrated has another frame.
 * A page written to, swapped out and read back in has a clean PTE again:
 * a round in which any page of the system went to swap takes every page
 * again.
 *
 * Not soft-dirty, which CRIU uses: 32-bit arm has none, it needs
 * CONFIG_MEM_SOFT_DIRTY, and any process allowed to write
 * /proc/PID/clear_refs would clear the bits in the middle of the rounds,
 * and the writes they recorded would be lost without a trace.  The PTE's
 * dirty and write bits are on every architecture, and a dirty bit this
 * code clears goes to the page (folio_mark_dirty()), as reclaim needs.
 *
 * Only private memory is pre-copied: anonymous memory and the written
 * pages of private file mappings.  Shared memory and files are written at
 * the stop, as without the flag.  Huge pages are split in the first round,
 * to be tracked by the page.
 *
 * Restart keeps the pages of the PRECOPY records in a shmem file per
 * address space, by address, the last one for an address replacing the
 * others; a VMA's STAGED records take their pages from there.
 */

#include <linux/err.h>
#include <linux/mm.h>
#include <linux/huge_mm.h>
#include <linux/mm_inline.h>
#include <linux/mmu_notifier.h>
#include <linux/pagewalk.h>
#include <linux/ptrace.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/swap.h>
#include <linux/vmstat.h>
#include <asm/tlbflush.h>

#include "internal.h"

/* Rounds after round 0, at most. */
#define CKPT_PRECOPY_ROUNDS	8
/* A round that takes no more pages than this is the last one. */
#define CKPT_PRECOPY_FEW	256
/* How long the tree has to stop after SIGSTOP. */
#define CKPT_PRECOPY_STOP_TIMEOUT	(10 * HZ)
/* Restart: the highest address space number of PRECOPY records. */
#define CKPT_PRECOPY_MAX_MMS	65536

/*
 * The address spaces being pre-copied, by address: two pre-copies of one
 * would each clean the page table entries of the pages the other tracks.
 */
static DEFINE_XARRAY(ckpt_pc_busy);

/**
 * struct ckpt_pc_mm - an address space of the tree, tracked
 * @mm: the address space, mmgrab()bed
 * @task: a task of the tree that uses it, referenced
 * @id: its number in the PRECOPY and STAGED records
 * @pfn: page index -> xa_mk_value() of the frame the last round wrote
 * @idx: page index -> xa_mk_value() of the page's index in its mapping then
 * @busy: registered in ckpt_pc_busy
 */
struct ckpt_pc_mm {
	struct mm_struct *mm;
	struct task_struct *task;
	u32 id;
	bool busy;
	struct xarray pfn;
	struct xarray idx;
};

/**
 * struct ckpt_precopy - the pre-copy of a checkpoint, or the staged pages
 * of a restart
 * @mms: checkpoint: the address spaces of the tree, sorted by @mm
 * @nr: their number
 * @swap_outs: checkpoint: ckpt_swap_outs() before the last round
 * @stale: checkpoint: pages went to swap since the last round
 * @stopped: checkpoint: the processes this checkpoint stopped
 * @nr_stopped: their number
 * @max_stopped: the room in @stopped
 * @staged: restart: address space number -> its shmem file
 */
struct ckpt_precopy {
	struct ckpt_pc_mm *mms;
	unsigned int nr;
	unsigned long swap_outs;
	bool stale;
	struct pid **stopped;
	unsigned int nr_stopped;
	unsigned int max_stopped;
	struct xarray staged;
};

/*
 * A count that grows with every page written to swap since boot.  Without
 * the event counters, a kernel with swap on gives a new value every time:
 * every round then takes every page.
 */
static unsigned long ckpt_swap_outs(void)
{
#ifdef CONFIG_SWAP
	static atomic_long_t unknown;
#ifdef CONFIG_VM_EVENT_COUNTERS
	unsigned long *ev = kcalloc(NR_VM_EVENT_ITEMS, sizeof(*ev), GFP_KERNEL);
	unsigned long n;

	if (ev) {
		all_vm_events(ev);
		n = ev[PSWPOUT];
#ifdef CONFIG_ZSWAP
		n += ev[ZSWPOUT];
#endif
		kfree(ev);
		return n;
	}
#endif
	if (total_swap_pages)
		return atomic_long_inc_return(&unknown) | (1UL << (BITS_PER_LONG - 1));
#endif
	return 0;
}

static int ckpt_pc_mm_cmp(const void *a, const void *b)
{
	const struct ckpt_pc_mm *x = a, *y = b;

	return x->mm < y->mm ? -1 : x->mm > y->mm;
}

static void ckpt_pc_mm_free(struct ckpt_pc_mm *pm)
{
	if (pm->busy)
		xa_erase(&ckpt_pc_busy, (unsigned long)pm->mm);
	xa_destroy(&pm->pfn);
	xa_destroy(&pm->idx);
	mmdrop(pm->mm);
	put_task_struct(pm->task);
}

/**
 * ckpt_precopy_mm() - the tracking of an address space
 * @ctx: checkpoint context
 * @mm: the address space
 *
 * Return: its tracking, or NULL if the checkpoint pre-copied nothing of it
 * (no pre-copy, or an address space the tree got after the first round).
 */
struct ckpt_pc_mm *ckpt_precopy_mm(struct ckpt_ctx *ctx, struct mm_struct *mm)
{
	struct ckpt_precopy *pc = ctx->precopy;
	struct ckpt_pc_mm key = { .mm = mm };

	if (!pc || !pc->mms)
		return NULL;
	return bsearch(&key, pc->mms, pc->nr, sizeof(key), ckpt_pc_mm_cmp);
}

/**
 * ckpt_precopy_mm_id() - the number of a tracked address space
 * @pm: its tracking
 *
 * Return: its &struct ckpt_hdr_precopy.mm_id.
 */
u32 ckpt_precopy_mm_id(const struct ckpt_pc_mm *pm)
{
	return pm->id;
}

/* Is the folio maybe pinned for DMA, a page a write may change unseen? */
static bool ckpt_pc_pinned(struct mm_struct *mm, struct folio *folio)
{
	return test_bit(MMF_HAS_PINNED, &mm->flags) && folio_maybe_dma_pinned(folio);
}

/*
 * Is the page mapped by @pte at @addr of @vma the one the last round
 * wrote, unchanged since?  Under the PTE lock.
 */
static bool ckpt_pc_same(struct ckpt_pc_mm *pm, struct vm_area_struct *vma,
			 unsigned long addr, pte_t pte, struct folio *folio)
{
	unsigned long i = addr >> PAGE_SHIFT;
	void *pfn, *idx;

	if (pte_write(pte) || pte_dirty(pte) || folio_test_swapcache(folio) ||
	    ckpt_pc_pinned(vma->vm_mm, folio))
		return false;
	pfn = xa_load(&pm->pfn, i);
	idx = xa_load(&pm->idx, i);
	return pfn && idx && xa_to_value(pfn) == pte_pfn(pte) &&
	       xa_to_value(idx) == linear_page_index(vma, addr);
}

/**
 * ckpt_precopy_unchanged() - at the stop: is a page of a VMA the one a
 * round wrote, unchanged since?
 * @pm: the tracking of the VMA's address space, or NULL
 * @vma: the VMA, its mm read-locked
 * @addr: the page's address
 * @pte: its PTE, present, under the PTE lock
 * @folio: the anonymous folio it maps
 *
 * Return: true if the STAGED records may name it.
 */
bool ckpt_precopy_unchanged(struct ckpt_pc_mm *pm, struct vm_area_struct *vma,
			    unsigned long addr, pte_t pte, struct folio *folio)
{
	return pm && ckpt_pc_same(pm, vma, addr, pte, folio);
}

/**
 * ckpt_precopy_stale() - at the stop: did pages go to swap since the last
 * round?  Then no page is taken from the rounds.
 * @ctx: checkpoint context
 *
 * Return: true if the rounds' pages may not be trusted.
 */
bool ckpt_precopy_stale(struct ckpt_ctx *ctx)
{
	return ctx->precopy && ckpt_swap_outs() != ctx->precopy->swap_outs;
}

/* One round's walk of one address space. */
struct ckpt_pc_walk {
	struct ckpt_walk w;	/* the pages to take */
	struct ckpt_pc_mm *pm;
	bool all;		/* take every page */
};

static void ckpt_pc_forget(struct ckpt_pc_mm *pm, unsigned long first, unsigned long last)
{
	XA_STATE(xas, &pm->pfn, first);
	void *e;

	if (first > last)
		return;
	/* Erasing from an xarray only frees: no allocation, under a spinlock. */
	xas_lock(&xas);
	xas_for_each(&xas, e, last)
		xas_store(&xas, NULL);
	xas_unlock(&xas);
	xas.xa = &pm->idx;
	xas_set(&xas, first);
	xas_lock(&xas);
	xas_for_each(&xas, e, last)
		xas_store(&xas, NULL);
	xas_unlock(&xas);
}

/*
 * Mark @pte, of a page to take, clean and read-only, as writeback does;
 * a write from now on faults, and makes it writable or dirty again.
 */
static void ckpt_pc_clean(struct vm_area_struct *vma, unsigned long addr, pte_t *pte,
			  struct folio *folio)
{
	pte_t old = ptep_modify_prot_start(vma, addr, pte);

	ptep_modify_prot_commit(vma, addr, pte, old, pte_mkclean(pte_wrprotect(old)));
	/* Reclaim drops a clean lazily freed (MADV_FREE) page: keep it. */
	if (pte_dirty(old))
		folio_mark_dirty(folio);
}

static int ckpt_pc_pmd_entry(pmd_t *pmd, unsigned long addr, unsigned long end,
			     struct mm_walk *walk)
{
	struct ckpt_pc_walk *pw = walk->private;
	struct vm_area_struct *vma = walk->vma;
	struct ckpt_pc_mm *pm = pw->pm;
	pte_t *start, *pte;
	spinlock_t *ptl;	/* the lock of the PTE table */

	pw->w.err = ckpt_walk_reserve(&pw->w);
	if (pw->w.err)
		return pw->w.err;
	/* Tracked by the page: a huge page is split. */
	if (pmd_trans_huge(pmdp_get_lockless(pmd)))
		split_huge_pmd(vma, pmd, addr);
	start = pte_offset_map_lock(walk->mm, pmd, addr, &ptl);
	if (!start) {
		walk->action = ACTION_AGAIN;
		return 0;
	}
	for (pte = start; addr < end; pte++, addr += PAGE_SIZE) {
		pte_t ptent = ptep_get(pte);
		struct folio *folio = NULL;
		unsigned long i = addr >> PAGE_SHIFT;

		if (pte_present(ptent))
			folio = vm_normal_folio(vma, addr, ptent);
		/*
		 * A hole, the zero page, a page of the file, a page in swap
		 * or being migrated: the stop takes it if it is then one
		 * to take.
		 */
		if (!folio || !folio_test_anon(folio)) {
			ckpt_pc_forget(pm, i, i);
			continue;
		}
		if (!pw->all && ckpt_pc_same(pm, vma, addr, ptent, folio))
			continue;
		if (!ckpt_pc_pinned(walk->mm, folio))
			ckpt_pc_clean(vma, addr, pte, folio);
		ckpt_walk_add(&pw->w, addr);
	}
	pte_unmap_unlock(start, ptl);
	walk->action = ACTION_CONTINUE;
	return 0;
}

static const struct mm_walk_ops ckpt_pc_walk_ops = {
	.pmd_entry = ckpt_pc_pmd_entry,
	.walk_lock = PGWALK_RDLOCK,
};

/* Private memory, the only kind pre-copied. */
static bool ckpt_pc_vma(struct vm_area_struct *vma)
{
	return !(vma->vm_flags & (VM_MAYSHARE | VM_IO | VM_PFNMAP | VM_MIXEDMAP |
				  VM_HUGETLB | VM_UFFD_MISSING | VM_UFFD_WP |
				  VM_SHADOW_STACK)) &&
	       !(vma->vm_ops && vma->vm_ops->name);
}

/*
 * Find the pages of @pm to take this round, and mark them clean and
 * read-only; forget what the mm no longer maps.
 */
static int ckpt_pc_scan(struct ckpt_pc_walk *pw)
{
	struct mm_struct *mm = pw->pm->mm;
	struct mmu_notifier_range range;
	struct vm_area_struct *vma;
	unsigned long prev = 0;
	struct vma_iterator vmi;
	int ret;

	vma_iter_init(&vmi, mm, 0);
	ret = mmap_read_lock_killable(mm);
	if (ret)
		return ret;
	inc_tlb_flush_pending(mm);
	mmu_notifier_range_init(&range, MMU_NOTIFY_PROTECTION_PAGE, 0, mm, 0, -1UL);
	mmu_notifier_invalidate_range_start(&range);
	for_each_vma(vmi, vma) {
		ckpt_pc_forget(pw->pm, prev >> PAGE_SHIFT, (vma->vm_start >> PAGE_SHIFT) - 1);
		prev = vma->vm_end;
		if (!ckpt_pc_vma(vma)) {
			ckpt_pc_forget(pw->pm, vma->vm_start >> PAGE_SHIFT,
				       (vma->vm_end >> PAGE_SHIFT) - 1);
			continue;
		}
		ret = walk_page_range(mm, vma->vm_start, vma->vm_end, &ckpt_pc_walk_ops, pw);
		ret = ret ?: pw->w.err;
		if (ret)
			break;
	}
	if (!ret)
		ckpt_pc_forget(pw->pm, prev >> PAGE_SHIFT, ULONG_MAX >> PAGE_SHIFT);
	mmu_notifier_invalidate_range_end(&range);
	/* Before any page is read: a write through a stale TLB entry is in. */
	flush_tlb_mm(mm);
	dec_tlb_flush_pending(mm);
	mmap_read_unlock(mm);
	return ret;
}

/*
 * Write the pages @addr[0..@nr) of @pm as PRECOPY records of @round, and
 * note the frame and index of each.  A page gone since the scan (unmapped,
 * swapped out) is left to the stop.  Nothing is faulted in.
 */
static int ckpt_pc_copy(struct ckpt_ctx *ctx, struct ckpt_pc_mm *pm, u32 round,
			const u64 *addr, unsigned int nr, u64 *written)
{
	struct mm_struct *mm = pm->mm;
	struct ckpt_hdr_precopy *h;
	unsigned int done = 0, n, i;
	int ret = 0;

	h = kmalloc(struct_size(h, addr, CKPT_PAGES_BATCH), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	while (done < nr && !ret) {
		struct vm_area_struct *vma = NULL;

		ret = mmap_read_lock_killable(mm);
		if (ret)
			break;
		for (n = 0; done < nr && n < CKPT_PAGES_BATCH && !ret; done++) {
			unsigned long a = addr[done];
			struct page *page;

			if (!vma || a < vma->vm_start || a >= vma->vm_end)
				vma = vma_lookup(mm, a);
			if (!vma || !ckpt_pc_vma(vma) ||
			    get_user_pages_remote(mm, a, 1, FOLL_FORCE | FOLL_NOFAULT,
						  &page, NULL) != 1) {
				ckpt_pc_forget(pm, a >> PAGE_SHIFT, a >> PAGE_SHIFT);
				continue;
			}
			ret = xa_err(xa_store(&pm->pfn, a >> PAGE_SHIFT,
					      xa_mk_value(page_to_pfn(page)), GFP_KERNEL));
			if (!ret)
				ret = xa_err(xa_store(&pm->idx, a >> PAGE_SHIFT,
						      xa_mk_value(linear_page_index(vma, a)),
						      GFP_KERNEL));
			if (ret) {
				put_page(page);
				break;
			}
			ctx->pages[n] = page;
			h->addr[n++] = a;
		}
		mmap_read_unlock(mm);
		if (n && !ret) {
			h->h.type = CKPT_HDR_PRECOPY;
			h->h.len = struct_size(h, addr, n) + n * PAGE_SIZE;
			h->mm_id = pm->id;
			h->round = round;
			h->nr_pages = n;
			h->__reserved = 0;
			ret = ckpt_write_page_record(ctx, &h->h, struct_size(h, addr, n), n);
		}
		for (i = 0; i < n; i++)
			put_page(ctx->pages[i]);
		*written += n;
	}
	kfree(h);
	return ret;
}

/* Take this round's pages of @pm: scan, then write them. */
static int ckpt_pc_round_mm(struct ckpt_ctx *ctx, struct ckpt_pc_mm *pm, u32 round,
			    bool all, u64 *taken)
{
	struct ckpt_pc_walk pw = { .pm = pm, .all = all };
	bool live;
	int ret;

	/* Checked again each round: a process may change its credentials. */
	if (!ptrace_may_access(pm->task, PTRACE_MODE_ATTACH_REALCREDS))
		return ckpt_err(ctx, -EPERM, "no permission to checkpoint pid %d",
				task_pid_vnr(pm->task));
	/* Gone (exit, execve()): the stop takes what is left. */
	task_lock(pm->task);
	live = pm->task->mm == pm->mm;
	task_unlock(pm->task);
	if (!live || !mmget_not_zero(pm->mm))
		return 0;
	ret = ckpt_pc_scan(&pw);
	if (!ret)
		ret = ckpt_pc_copy(ctx, pm, round, pw.w.addr, pw.w.nr, taken);
	mmput(pm->mm);
	kvfree(pw.w.addr);
	return ret;
}

/*
 * The address spaces of the running tree of @ctx, one tracking each, in
 * @pc->mms sorted by mm.
 */
static int ckpt_pc_collect(struct ckpt_ctx *ctx, struct ckpt_precopy *pc)
{
	struct task_struct *root = ctx->root_task, *t;
	unsigned int max = 16, n, i, j;
	struct ckpt_pc_mm *mms;
	bool full, self;

	for (;;) {
		mms = kvcalloc(max, sizeof(*mms), GFP_KERNEL);
		if (!mms)
			return -ENOMEM;
		n = 0;
		full = false;
		self = false;
		read_lock(&tasklist_lock);
		for (t = root; t && !full && !self; t = ckpt_tree_next(root, t)) {
			if (t->exit_state || t->flags & PF_KTHREAD)
				continue;
			self = same_thread_group(t, current);
			task_lock(t);
			if (t->mm && n == max) {
				full = true;
			} else if (t->mm) {
				mmgrab(t->mm);
				mms[n].mm = t->mm;
				mms[n++].task = get_task_struct(t);
			}
			task_unlock(t);
		}
		read_unlock(&tasklist_lock);
		if (!full || self)
			break;
		for (i = 0; i < n; i++) {
			mmdrop(mms[i].mm);
			put_task_struct(mms[i].task);
		}
		kvfree(mms);
		max *= 4;
	}
	sort(mms, n, sizeof(*mms), ckpt_pc_mm_cmp, NULL);
	for (i = j = 0; i < n; i++) {
		if (j && mms[j - 1].mm == mms[i].mm) {
			mmdrop(mms[i].mm);
			put_task_struct(mms[i].task);
			continue;
		}
		mms[j] = mms[i];
		mms[j].id = j + 1;
		xa_init(&mms[j].pfn);
		xa_init(&mms[j].idx);
		j++;
	}
	pc->mms = mms;
	pc->nr = j;
	if (self)
		return ckpt_err(ctx, -EINVAL,
				"a pre-copy checkpoint cannot stop its caller: the caller is in the tree");
	for (i = 0; i < pc->nr; i++) {
		int ret = xa_insert(&ckpt_pc_busy, (unsigned long)mms[i].mm, mms[i].mm,
				    GFP_KERNEL);

		if (ret == -EBUSY)
			ret = ckpt_err(ctx, -EBUSY,
				       "pid %d is being pre-copied by another checkpoint",
				       task_pid_vnr(mms[i].task));
		if (ret)
			return ret;
		mms[i].busy = true;
	}
	return 0;
}

/* Rounds until few pages are written to, or no fewer than before. */
static int ckpt_pc_rounds(struct ckpt_ctx *ctx, struct ckpt_precopy *pc)
{
	u64 prev = 0, taken;
	unsigned long swap_outs;
	unsigned int i;
	u32 round;
	int ret = 0;

	for (round = 0; !ret; round++) {
		swap_outs = ckpt_swap_outs();
		pc->stale = round && swap_outs != pc->swap_outs;
		pc->swap_outs = swap_outs;
		taken = 0;
		for (i = 0; i < pc->nr && !ret; i++)
			ret = ckpt_pc_round_mm(ctx, &pc->mms[i], round, !round || pc->stale,
					       &taken);
		if (!ret && fatal_signal_pending(current))
			ret = -EINTR;
		if (round == CKPT_PRECOPY_ROUNDS || taken <= CKPT_PRECOPY_FEW ||
		    (round && taken * 2 > prev))
			break;
		prev = taken;
	}
	return ret;
}

static bool ckpt_pc_stopped_by_us(struct ckpt_precopy *pc, struct pid *pid)
{
	unsigned int i;

	for (i = 0; i < pc->nr_stopped; i++)
		if (pc->stopped[i] == pid)
			return true;
	return false;
}

/* Stop (SIGSTOP) each process of the tree that runs, and wait for it. */
static int ckpt_pc_stop(struct ckpt_ctx *ctx, struct ckpt_precopy *pc)
{
	unsigned long deadline = jiffies + CKPT_PRECOPY_STOP_TIMEOUT;
	struct task_struct *root = ctx->root_task;

	for (;;) {
		struct task_struct *t;
		struct pid *send = NULL;
		pid_t busy = 0;

		read_lock(&tasklist_lock);
		for (t = root; t && !send; t = ckpt_tree_next(root, t)) {
			unsigned long flags;
			bool quiet;

			if (t->exit_state || !lock_task_sighand(t, &flags))
				continue;
			quiet = ckpt_task_quiet(t) || t->flags & PF_EXITING;
			unlock_task_sighand(t, &flags);
			if (quiet)
				continue;
			if (!ckpt_pc_stopped_by_us(pc, task_tgid(t)))
				send = get_pid(task_tgid(t));
			else
				busy = task_pid_vnr(t);
		}
		read_unlock(&tasklist_lock);
		if (send) {
			if (pc->nr_stopped == pc->max_stopped) {
				unsigned int max = max(2 * pc->max_stopped, 16U);
				struct pid **p = krealloc_array(pc->stopped, max, sizeof(*p),
								GFP_KERNEL);

				if (!p) {
					put_pid(send);
					return -ENOMEM;
				}
				pc->stopped = p;
				pc->max_stopped = max;
			}
			pc->stopped[pc->nr_stopped++] = send;
			kill_pid(send, SIGSTOP, 1);
			continue;
		}
		if (!busy)
			return 0;
		if (time_after(jiffies, deadline))
			return ckpt_err(ctx, -EBUSY,
					"pid %d did not stop within %d s of the SIGSTOP of the pre-copy",
					busy, CKPT_PRECOPY_STOP_TIMEOUT / HZ);
		if (schedule_timeout_killable(1) && fatal_signal_pending(current))
			return -EINTR;
		if (fatal_signal_pending(current))
			return -EINTR;
	}
}

/**
 * ckpt_precopy() - pre-copy the memory of a running tree, then stop it
 * @ctx: checkpoint context, with %CKPT_CHECKPOINT_PRECOPY
 *
 * Writes the header records and the PRECOPY records of the rounds, then
 * stops each process of the tree.  The rest of the image is written as for
 * a stopped tree, with the pages unchanged since their round named in
 * STAGED records (ckpt_precopy_unchanged()).
 *
 * Return: 0 or a negative errno; ckpt_precopy_finish() continues the
 * processes stopped if the checkpoint fails.
 */
int ckpt_precopy(struct ckpt_ctx *ctx)
{
	struct ckpt_precopy *pc;
	int ret;

	BUILD_BUG_ON(sizeof(struct ckpt_hdr_precopy) != 24);
	BUILD_BUG_ON(sizeof(struct ckpt_staged_run) != 16);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_staged) != 16);
	if (same_thread_group(ctx->root_task, current))
		return ckpt_err(ctx, -EINVAL,
				"a pre-copy checkpoint cannot stop its caller: checkpoint another process");
	pc = kzalloc(sizeof(*pc), GFP_KERNEL);
	if (!pc)
		return -ENOMEM;
	xa_init(&pc->staged);
	ctx->precopy = pc;
	ret = ckpt_pc_collect(ctx, pc);
	if (!ret)
		ret = ckpt_write_header(ctx);
	if (!ret)
		ret = ckpt_arch_write_header(ctx);
	if (!ret)
		ret = ckpt_pc_rounds(ctx, pc);
	if (!ret)
		ret = ckpt_pc_stop(ctx, pc);
	return ret;
}

/**
 * ckpt_precopy_finish() - end the pre-copy of a checkpoint, or free the
 * staged pages of a restart
 * @ctx: checkpoint or restart context
 * @ok: checkpoint: it succeeded, the tree stays stopped; otherwise the
 *	processes the pre-copy stopped are continued
 */
void ckpt_precopy_finish(struct ckpt_ctx *ctx, bool ok)
{
	struct ckpt_precopy *pc = ctx->precopy;
	unsigned long i;
	struct file *file;

	if (!pc)
		return;
	for (i = 0; i < pc->nr_stopped; i++) {
		if (!ok)
			kill_pid(pc->stopped[i], SIGCONT, 1);
		put_pid(pc->stopped[i]);
	}
	kfree(pc->stopped);
	for (i = 0; i < pc->nr; i++)
		ckpt_pc_mm_free(&pc->mms[i]);
	kvfree(pc->mms);
	xa_for_each(&pc->staged, i, file)
		fput(file);
	xa_destroy(&pc->staged);
	kfree(pc);
	ctx->precopy = NULL;
}

/* Restart: keep the pages of one PRECOPY record, by address. */
static int ckpt_precopy_read_one(struct ckpt_ctx *ctx, const struct ckpt_hdr *hdr)
{
	struct ckpt_precopy *pc = ctx->precopy;
	u64 limit = min_t(u64, TASK_SIZE, MAX_LFS_FILESIZE) & ~(u64)(PAGE_SIZE - 1);
	struct ckpt_hdr_precopy *h;
	struct file *file;
	unsigned int i, n;
	int ret;

	h = kmalloc(struct_size(h, addr, CKPT_PAGES_BATCH), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	h->h = *hdr;
	ret = ckpt_read(ctx, &h->mm_id, sizeof(*h) - sizeof(h->h));
	if (ret)
		goto out;
	n = h->nr_pages;
	if (!n || n > CKPT_PAGES_BATCH || h->__reserved || !h->mm_id ||
	    h->mm_id > CKPT_PRECOPY_MAX_MMS ||
	    h->h.len != struct_size(h, addr, n) + (size_t)n * PAGE_SIZE) {
		ret = ckpt_err(ctx, -EINVAL, "malformed pre-copy record at offset %llu",
			       ctx->rec_len);
		goto out;
	}
	ret = ckpt_read(ctx, h->addr, n * sizeof(h->addr[0]));
	if (ret)
		goto out;
	for (i = 0; i < n; i++) {
		if (!PAGE_ALIGNED(h->addr[i]) || h->addr[i] >= limit ||
		    (i && h->addr[i] <= h->addr[i - 1])) {
			ret = ckpt_err(ctx, -EINVAL,
				       "pre-copy page address %#llx out of order or out of range",
				       h->addr[i]);
			goto out;
		}
	}
	file = xa_load(&pc->staged, h->mm_id);
	if (!file) {
		file = shmem_kernel_file_setup("ckpt-precopy", limit, VM_NORESERVE);
		if (IS_ERR(file)) {
			ret = PTR_ERR(file);
			goto out;
		}
		ret = xa_err(xa_store(&pc->staged, h->mm_id, file, GFP_KERNEL));
		if (ret) {
			fput(file);
			goto out;
		}
	}
	ret = ckpt_read_shmem_at(ctx, file, h->addr, n);
	if (!ret)
		ctx->nr_records++;
out:
	kfree(h);
	return ret;
}

/**
 * ckpt_precopy_read() - read the PRECOPY records of an image, if any
 * @ctx: restart context, after the header records
 *
 * Return: 0 or a negative errno; the pages are kept until
 * ckpt_precopy_finish().
 */
int ckpt_precopy_read(struct ckpt_ctx *ctx)
{
	struct ckpt_precopy *pc;

	pc = kzalloc(sizeof(*pc), GFP_KERNEL);
	if (!pc)
		return -ENOMEM;
	xa_init(&pc->staged);
	ctx->precopy = pc;
	return ckpt_read_each(ctx, CKPT_HDR_PRECOPY, ckpt_precopy_read_one);
}

/**
 * ckpt_precopy_staged() - restart: the pages a PRECOPY record kept
 * @ctx: restart context
 * @mm_id: the address space's number in the records
 *
 * Return: the shmem file holding them by address, or NULL if no PRECOPY
 * record has that number.
 */
struct file *ckpt_precopy_staged(struct ckpt_ctx *ctx, u32 mm_id)
{
	return ctx->precopy ? xa_load(&ctx->precopy->staged, mm_id) : NULL;
}
