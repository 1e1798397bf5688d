// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of an address space.
 *
 * Checkpoint saves every VMA and, for private mappings, the pages that
 * are populated: all of them for anonymous memory, the privately modified
 * ones for private file mappings.  Holes stay holes.  Kernel-provided
 * mappings ([vdso], [vvar]) are saved by name and re-created by the
 * architecture at the same address.
 *
 * Restart builds the new address space aside, as execve() does: the new
 * mm briefly becomes the caller's while mmap() re-creates the VMAs (so
 * every check mmap() does applies, with the caller's credentials and
 * limits), and the saved pages are read into new pages that are then
 * mapped where they belong (vm_insert_anon_folio()), never zeroed first.  The
 * caller gets its own mm back until the point of no return, where the new
 * one replaces it as in execve().
 */

#include <linux/binfmts.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/huge_mm.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mmu_context.h>
#include <linux/pagewalk.h>
#include <linux/sched/coredump.h>
#include <linux/security.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include <asm/mmu_context.h>
#include <asm/tlb.h>

#include "internal.h"

/* VMA flags a checkpoint cannot save. */
#define CKPT_VM_UNSUPPORTED	(VM_IO | VM_PFNMAP | VM_MIXEDMAP | VM_HUGETLB | \
				 VM_UFFD_MISSING | VM_UFFD_WP | VM_LOCKONFAULT | \
				 VM_SHADOW_STACK | VM_DONTEXPAND)

/* Room for the pages of one page table, taken before its lock. */
int ckpt_walk_reserve(struct ckpt_walk *w)
{
	unsigned int max;
	u64 *a;

	if (w->max - w->nr >= PTRS_PER_PTE)
		return 0;
	max = max(2 * w->max, (unsigned int)PTRS_PER_PTE * 2);
	a = kvrealloc(w->addr, max * sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	w->addr = a;
	w->max = max;
	return 0;
}

void ckpt_walk_add(struct ckpt_walk *w, u64 addr)
{
	w->addr[w->nr++] = addr;
}

static int ckpt_pmd_entry(pmd_t *pmd, unsigned long addr, unsigned long end,
			  struct mm_walk *walk)
{
	struct ckpt_walk *w = walk->private;
	struct vm_area_struct *vma = walk->vma;
	pte_t *start, *pte;
	spinlock_t *ptl;	/* the lock of the PTE table */

	w->err = ckpt_walk_reserve(w);
	if (!w->err && w->pc)
		w->err = ckpt_walk_reserve(w->staged);
	if (w->err)
		return w->err;
	ptl = pmd_trans_huge_lock(pmd, vma);
	if (ptl) {
		pmd_t pmdval = *pmd;

		if (pmd_present(pmdval) && !is_huge_zero_pmd(pmdval))
			for (; addr < end; addr += PAGE_SIZE)
				ckpt_walk_add(w, addr);
		spin_unlock(ptl);
		walk->action = ACTION_CONTINUE;
		return w->err;
	}
	start = pte_offset_map_lock(walk->mm, pmd, addr, &ptl);
	if (!start) {
		walk->action = ACTION_AGAIN;
		return 0;
	}
	for (pte = start; addr < end; pte++, addr += PAGE_SIZE) {
		pte_t ptent = ptep_get(pte);

		if (pte_none(ptent))
			continue;
		if (pte_present(ptent)) {
			struct folio *folio;

			if (is_zero_pfn(pte_pfn(ptent)))
				continue;
			folio = vm_normal_folio(vma, addr, ptent);
			if (w->only_anon && (!folio || !folio_test_anon(folio)))
				continue;
			/* Pre-copied and unchanged since: named, not written. */
			if (w->pc && folio && folio_test_anon(folio) &&
			    ckpt_precopy_unchanged(w->pc, vma, addr, ptent, folio)) {
				ckpt_walk_add(w->staged, addr);
				continue;
			}
		} else if (is_pte_marker(ptent)) {
			continue;
		}
		ckpt_walk_add(w, addr);
	}
	pte_unmap_unlock(start, ptl);
	walk->action = ACTION_CONTINUE;
	return w->err;
}

static const struct mm_walk_ops ckpt_walk_ops = {
	.pmd_entry = ckpt_pmd_entry,
	.walk_lock = PGWALK_RDLOCK,
};

/**
 * struct ckpt_page_source - where the pages of PAGES records go or come from
 * @get: fill @ctx->pages with the @n pages for @addr[0..@n), referenced:
 *	the pages there to read them (checkpoint), or pages to fill (restart);
 *	return how many it got, or a negative errno for the first one
 * @commit: restart: the pages in @ctx->pages are filled, put them in place;
 *	a page whose reference it consumes is replaced by NULL; return 0 or a
 *	negative errno, logged
 * @arg: the mm or the shmem file
 */
struct ckpt_page_source {
	long (*get)(struct ckpt_ctx *ctx, void *arg, const u64 *addr,
		    unsigned int n);
	int (*commit)(struct ckpt_ctx *ctx, void *arg, const u64 *addr,
		      unsigned int n);
	void *arg;
};

/* Checkpoint: the pages of @arg, an mm, taken by runs of adjacent pages. */
static long ckpt_get_mm_pages(struct ckpt_ctx *ctx, void *arg, const u64 *addr,
			      unsigned int n)
{
	struct mm_struct *mm = arg;
	unsigned int i, run;
	long got = 0;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	for (i = 0; i < n; i += got) {
		for (run = 1; i + run < n; run++)
			if (addr[i + run] != addr[i] + (u64)run * PAGE_SIZE)
				break;
		got = get_user_pages_remote(mm, addr[i], run, FOLL_FORCE,
					    &ctx->pages[i], NULL);
		if (got <= 0)
			break;
	}
	mmap_read_unlock(mm);
	if (i < n && !i)
		return got < 0 ? got : -EFAULT;
	return i;
}

/* Restart: new pages for the private pages of the mm being built. */
static long ckpt_alloc_anon_pages(struct ckpt_ctx *ctx, void *arg, const u64 *addr,
				  unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct folio *folio = folio_alloc(GFP_HIGHUSER_MOVABLE, 0);

		if (!folio)
			return i ?: -ENOMEM;
		ctx->pages[i] = &folio->page;
	}
	return n;
}

/* Copy @page into the page mapped at @addr of @mm, read-locked. */
static int ckpt_copy_to_mm_page(struct mm_struct *mm, u64 addr, struct page *page)
{
	struct page *dst;
	long got;

	got = get_user_pages_remote(mm, addr, 1, FOLL_WRITE | FOLL_FORCE, &dst, NULL);
	if (got != 1)
		return got < 0 ? got : -EFAULT;
	copy_highpage(dst, page);
	flush_dcache_page(dst);
	set_page_dirty_lock(dst);
	put_page(dst);
	return 0;
}

/*
 * Restart: map the filled pages as the anonymous pages of the mm @arg.
 * Where mmap() populated the mapping already (MAP_LOCKED), the contents
 * are copied into the page there.
 */
static int ckpt_map_anon_pages(struct ckpt_ctx *ctx, void *arg, const u64 *addr,
			       unsigned int n)
{
	struct vm_area_struct *vma = NULL;
	struct mm_struct *mm = arg;
	unsigned int i;
	int ret = 0;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	for (i = 0; i < n; i++) {
		struct folio *folio = page_folio(ctx->pages[i]);

		if (!vma || addr[i] >= vma->vm_end)
			vma = vma_lookup(mm, addr[i]);
		if (!vma) {
			ret = -EFAULT;
			break;
		}
		flush_dcache_folio(folio);
		ret = vm_insert_anon_folio(vma, addr[i], folio);
		if (!ret)
			ctx->pages[i] = NULL;
		else if (ret == -EEXIST)
			ret = ckpt_copy_to_mm_page(mm, addr[i], ctx->pages[i]);
		if (ret)
			break;
	}
	mmap_read_unlock(mm);
	if (ret)
		return ckpt_err(ctx, ret, "cannot fill the page at %#llx (error %d)",
				addr[i], ret);
	return 0;
}

/* Both directions: the pages of @arg, a shmem file, at the offsets @addr. */
static long ckpt_get_shmem_pages(struct ckpt_ctx *ctx, void *arg, const u64 *addr,
				 unsigned int n)
{
	struct address_space *mapping = ((struct file *)arg)->f_mapping;
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct page *page = shmem_read_mapping_page(mapping, addr[i] >> PAGE_SHIFT);

		if (IS_ERR(page))
			return i ?: PTR_ERR(page);
		ctx->pages[i] = page;
	}
	return n;
}

/* Restart: the shmem pages are filled. */
static int ckpt_dirty_shmem_pages(struct ckpt_ctx *ctx, void *arg, const u64 *addr,
				  unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		flush_dcache_page(ctx->pages[i]);
		set_page_dirty_lock(ctx->pages[i]);
	}
	return 0;
}

/**
 * ckpt_read_shmem_at() - read the contents of pages of the current record
 * into a shmem file
 * @ctx: restart context
 * @file: the file
 * @off: the offset in @file of each page, @n of them, at most
 *	%CKPT_PAGES_BATCH
 * @n: how many
 *
 * Return: 0 or a negative errno.
 */
int ckpt_read_shmem_at(struct ckpt_ctx *ctx, struct file *file, const u64 *off,
		       unsigned int n)
{
	long got = ckpt_get_shmem_pages(ctx, file, off, n);
	unsigned int i;
	int ret;

	if (got < 0)
		return ckpt_err(ctx, got, "cannot keep the page at %#llx (error %ld)",
				off[0], got);
	ret = got == n ? ckpt_read_pages(ctx, ctx->pages, n) : -ENOMEM;
	if (!ret)
		ckpt_dirty_shmem_pages(ctx, file, off, n);
	for (i = 0; i < got; i++)
		put_page(ctx->pages[i]);
	return ret;
}

/* Write the PAGES records of the @nr pages at @addr. */
static int ckpt_write_page_list(struct ckpt_ctx *ctx, const struct ckpt_page_source *src,
				const u64 *addr, unsigned int nr)
{
	struct ckpt_hdr_pages *h;
	unsigned int i, n, done;
	long got;
	int ret = 0;

	h = kmalloc(struct_size(h, addr, CKPT_PAGES_BATCH), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	for (done = 0; done < nr && !ret; done += n) {
		n = min_t(unsigned int, nr - done, CKPT_PAGES_BATCH);
		got = src->get(ctx, src->arg, addr + done, n);
		if (got != n) {
			ret = ckpt_err(ctx, got < 0 ? got : -EFAULT,
				       "cannot read the page at %#llx (error %ld)",
				       addr[done + max(got, 0L)], got);
			n = max(got, 0L);
		} else {
			h->h.type = CKPT_HDR_PAGES;
			h->h.len = struct_size(h, addr, n) + n * PAGE_SIZE;
			h->nr_pages = n;
			h->__reserved = 0;
			memcpy(h->addr, addr + done, n * sizeof(*addr));
			ret = ckpt_write_page_record(ctx, &h->h, struct_size(h, addr, n), n);
		}
		for (i = 0; i < n; i++)
			put_page(ctx->pages[i]);
	}
	kfree(h);
	return ret;
}

static u32 ckpt_vma_flags(vm_flags_t f)
{
	u32 flags = 0;

	if (f & VM_MAYSHARE)
		flags |= CKPT_VMA_SHARED;
	if (f & VM_GROWSDOWN)
		flags |= CKPT_VMA_GROWSDOWN;
	if (f & VM_NORESERVE)
		flags |= CKPT_VMA_NORESERVE;
	if (f & VM_LOCKED)
		flags |= CKPT_VMA_LOCKED;
	if (f & VM_DONTCOPY)
		flags |= CKPT_VMA_DONTFORK;
	if (f & VM_WIPEONFORK)
		flags |= CKPT_VMA_WIPEONFORK;
	if (f & VM_DONTDUMP)
		flags |= CKPT_VMA_DONTDUMP;
	if (f & VM_SEQ_READ)
		flags |= CKPT_VMA_SEQ_READ;
	if (f & VM_RAND_READ)
		flags |= CKPT_VMA_RAND_READ;
	if (f & VM_HUGEPAGE)
		flags |= CKPT_VMA_HUGEPAGE;
	if (f & VM_NOHUGEPAGE)
		flags |= CKPT_VMA_NOHUGEPAGE;
	if (f & VM_DROPPABLE)
		flags |= CKPT_VMA_DROPPABLE;
	if (f & VM_ACCOUNT)
		flags |= CKPT_VMA_ACCOUNT;
#ifdef VM_SEALED
	if (f & VM_SEALED)
		flags |= CKPT_VMA_SEALED;
#endif
	return flags;
}

/**
 * struct ckpt_vma - a VMA seen under the mmap lock, written after it
 * @h: its record, but for the file reference
 * @file: the mapped file, referenced, or NULL
 * @vm_flags: its flags
 * @pages: its populated pages, for private mappings
 * @staged: those of a pre-copy round unchanged since, not in @pages
 */
struct ckpt_vma {
	struct ckpt_hdr_vma h;
	struct file *file;
	vm_flags_t vm_flags;
	struct ckpt_walk pages;
	struct ckpt_walk staged;
};

static bool ckpt_vma_skipped(struct vm_area_struct *vma)
{
	const char *name;

	if (!vma->vm_ops || !vma->vm_ops->name)
		return false;
	name = vma->vm_ops->name(vma);
	return name && !strcmp(name, "[uprobes]");
}

/* What the first flag of CKPT_VM_UNSUPPORTED in @f is, for the log. */
static const char *ckpt_vm_unsupported_name(vm_flags_t f)
{
	if (f & (VM_UFFD_MISSING | VM_UFFD_WP))
		return "registered with userfaultfd";
	if (f & VM_HUGETLB)
		return "a hugetlb mapping";
	if (f & VM_LOCKONFAULT)
		return "locked on fault (mlock2 MLOCK_ONFAULT)";
	if (f & VM_SHADOW_STACK)
		return "a shadow stack";
	if (f & (VM_IO | VM_PFNMAP | VM_MIXEDMAP))
		return "a device or I/O mapping";
	return "a mapping the kernel does not let grow (VM_DONTEXPAND)";
}

/* Describe one VMA; @mm is read-locked.  The caller writes it. */
static int ckpt_scan_vma(struct ckpt_ctx *ctx, struct mm_struct *mm,
			 struct vm_area_struct *vma, struct ckpt_vma *v,
			 struct ckpt_pc_mm *pm)
{
	struct ckpt_hdr_vma *h = &v->h;
	int ret;

	if (vma->vm_ops && vma->vm_ops->name) {
		const char *name = vma->vm_ops->name(vma);

		h->type = CKPT_VMA_SPECIAL;
		strscpy(h->name, name ?: "", sizeof(h->name));
	} else if (vma->vm_flags & CKPT_VM_UNSUPPORTED) {
		return ckpt_err(ctx, -EOPNOTSUPP,
				"the mapping at %#lx is %s (flags %#lx), not supported",
				vma->vm_start, ckpt_vm_unsupported_name(vma->vm_flags),
				vma->vm_flags & CKPT_VM_UNSUPPORTED);
	} else if (!vma->vm_file) {
		h->type = CKPT_VMA_ANON;
	} else if (ckpt_is_internal_shmem(vma->vm_file) && vma->vm_flags & VM_MAYSHARE) {
		h->type = CKPT_VMA_SHMEM;
		h->pgoff = vma->vm_pgoff;
		v->file = get_file(vma->vm_file);
	} else {
		h->type = CKPT_VMA_FILE;
		h->pgoff = vma->vm_pgoff;
		v->file = get_file(vma->vm_file);
	}
	h->start = vma->vm_start;
	h->end = vma->vm_end;
	if (vma->vm_flags & VM_READ)
		h->prot |= PROT_READ;
	if (vma->vm_flags & VM_WRITE)
		h->prot |= PROT_WRITE;
	if (vma->vm_flags & VM_EXEC)
		h->prot |= PROT_EXEC;
	h->flags = ckpt_vma_flags(vma->vm_flags);
	v->vm_flags = vma->vm_flags;

	if (h->type == CKPT_VMA_ANON ||
	    (h->type == CKPT_VMA_FILE && !(vma->vm_flags & VM_MAYSHARE))) {
		v->pages.only_anon = h->type == CKPT_VMA_FILE;
		v->pages.pc = pm;
		v->pages.staged = &v->staged;
		ret = walk_page_range(mm, vma->vm_start, vma->vm_end,
				      &ckpt_walk_ops, &v->pages);
		if (ret || v->pages.err)
			return ckpt_err(ctx, ret ?: v->pages.err,
					"cannot walk the mapping at %#lx (error %d)",
					vma->vm_start, ret ?: v->pages.err);
		h->nr_pages = v->pages.nr;
		h->nr_staged = v->staged.nr;
	}
	return 0;
}

/* Most runs in one STAGED record. */
#define CKPT_STAGED_RUNS	4096

/* Write the STAGED records of the @nr increasing addresses @addr. */
static int ckpt_write_staged(struct ckpt_ctx *ctx, u32 mm_id, const u64 *addr,
			     unsigned int nr)
{
	struct ckpt_hdr_staged *h;
	unsigned int i = 0, n;
	int ret = 0;

	h = kvmalloc(struct_size(h, runs, CKPT_STAGED_RUNS), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	while (i < nr && !ret) {
		for (n = 0; i < nr && n < CKPT_STAGED_RUNS; n++) {
			h->runs[n].addr = addr[i];
			h->runs[n].nr_pages = 1;
			while (++i < nr && addr[i] == addr[i - 1] + PAGE_SIZE)
				h->runs[n].nr_pages++;
		}
		h->mm_id = mm_id;
		h->nr_runs = n;
		ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_STAGED, struct_size(h, runs, n));
	}
	kvfree(h);
	return ret;
}

/* Write one VMA, its file first, and its pages; @mm is not locked. */
static int ckpt_write_vma(struct ckpt_ctx *ctx, struct mm_struct *mm,
			  struct ckpt_vma *v)
{
	char who[48];
	int ret;

	BUILD_BUG_ON(sizeof(v->h) != 72);
	if (v->file) {
		snprintf(who, sizeof(who), "the mapping at %#llx", v->h.start);
		ret = ckpt_write_file_obj(ctx, v->file, who, &v->h.file_ref);
		if (ret)
			return ret;
	}
	ret = ckpt_write_obj(ctx, &v->h.h, CKPT_HDR_VMA, sizeof(v->h));
	if (!ret && v->pages.nr) {
		struct ckpt_page_source src = { .get = ckpt_get_mm_pages, .arg = mm };

		ret = ckpt_write_page_list(ctx, &src, v->pages.addr, v->pages.nr);
	}
	if (!ret && v->staged.nr)
		ret = ckpt_write_staged(ctx, ckpt_precopy_mm_id(v->pages.pc), v->staged.addr,
					v->staged.nr);
	return ret;
}

static void ckpt_free_vmas(struct ckpt_vma *vmas, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		if (vmas[i].file)
			fput(vmas[i].file);
		kvfree(vmas[i].pages.addr);
		kvfree(vmas[i].staged.addr);
	}
	kvfree(vmas);
}

/* The mm's own state: prctl(2), coredump_filter, membarrier(2)... */
static int ckpt_scan_mm_state(struct ckpt_ctx *ctx, struct task_struct *t,
			      struct mm_struct *mm, struct ckpt_hdr_mm *h)
{
	unsigned long f = mm->flags;

	BUILD_BUG_ON(CKPT_MEMBARRIER_PRIVATE_EXPEDITED_READY !=
		     MEMBARRIER_STATE_PRIVATE_EXPEDITED_READY);
	BUILD_BUG_ON(CKPT_MEMBARRIER_GLOBAL_EXPEDITED != MEMBARRIER_STATE_GLOBAL_EXPEDITED);
	BUILD_BUG_ON(CKPT_MEMBARRIER_SYNC_CORE != MEMBARRIER_STATE_PRIVATE_EXPEDITED_SYNC_CORE);
	BUILD_BUG_ON(CKPT_MEMBARRIER_RSEQ != MEMBARRIER_STATE_PRIVATE_EXPEDITED_RSEQ);
	if (f & (BIT(MMF_VM_MERGEABLE) | BIT(MMF_VM_MERGE_ANY)))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d uses KSM page merging, not supported",
				task_pid_vnr(t));
	if (mm->def_flags & ~(VM_LOCKED | VM_LOCKONFAULT))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d has default mapping flags %#lx, not supported",
				task_pid_vnr(t), mm->def_flags);
	h->dumpable = __get_dumpable(f);
	h->coredump_filter = (f & MMF_DUMP_FILTER_MASK) >> MMF_DUMP_FILTER_SHIFT;
	if (f & MMF_DISABLE_THP_MASK)
		h->flags |= CKPT_MM_THP_DISABLE;
	if (f & MMF_HAS_MDWE_MASK)
		h->flags |= CKPT_MM_MDWE;
	if (f & BIT(MMF_HAS_MDWE_NO_INHERIT))
		h->flags |= CKPT_MM_MDWE_NO_INHERIT;
	if (f & MMF_TOPDOWN_MASK)
		h->flags |= CKPT_MM_TOPDOWN;
	if (mm->def_flags & VM_LOCKED)
		h->flags |= CKPT_MM_LOCK_FUTURE;
	if (mm->def_flags & VM_LOCKONFAULT)
		h->flags |= CKPT_MM_LOCK_ONFAULT;
#ifdef CONFIG_MEMBARRIER
	h->membarrier = atomic_read(&mm->membarrier_state) & CKPT_MEMBARRIER_ALL;
#endif
	return 0;
}

/*
 * Describe the mm and its VMAs under the mmap lock.  Nothing is written
 * with the lock held: writing to a pipe can fault on another mm.
 */
static int ckpt_scan_mm(struct ckpt_ctx *ctx, struct task_struct *t,
			struct mm_struct *mm, struct ckpt_hdr_mm *h,
			struct ckpt_vma **vmasp)
{
	struct ckpt_pc_mm *pm = ckpt_precopy_mm(ctx, mm);
	struct ckpt_vma *vmas = NULL;
	struct vm_area_struct *vma;
	struct vma_iterator vmi;
	unsigned int nr = 0;
	int ret, i;

	/* Pages went to swap since the last round: take none from the rounds. */
	if (pm && ckpt_precopy_stale(ctx))
		pm = NULL;
	ret = mmap_read_lock_killable(mm);
	if (ret)
		return ret;
#ifdef CONFIG_AIO
	if (rcu_access_pointer(mm->ioctx_table)) {
		ret = ckpt_err(ctx, -EOPNOTSUPP, "pid %d uses AIO", task_pid_vnr(t));
		goto unlock;
	}
#endif
	spin_lock(&mm->arg_lock);
	h->start_code = mm->start_code;
	h->end_code = mm->end_code;
	h->start_data = mm->start_data;
	h->end_data = mm->end_data;
	h->start_brk = mm->start_brk;
	h->brk = mm->brk;
	h->start_stack = mm->start_stack;
	h->arg_start = mm->arg_start;
	h->arg_end = mm->arg_end;
	h->env_start = mm->env_start;
	h->env_end = mm->env_end;
	spin_unlock(&mm->arg_lock);
	h->mmap_base = mm->mmap_base;
	for (i = 0; i < AT_VECTOR_SIZE; i++)
		h->auxv[i] = mm->saved_auxv[i];
	ret = ckpt_scan_mm_state(ctx, t, mm, h);
	if (ret)
		goto unlock;

	vmas = kvcalloc(mm->map_count ?: 1, sizeof(*vmas), GFP_KERNEL);
	ret = -ENOMEM;
	if (!vmas)
		goto unlock;
	ret = 0;
	vma_iter_init(&vmi, mm, 0);
	for_each_vma(vmi, vma) {
		if (ckpt_vma_skipped(vma))
			continue;
		if (WARN_ON_ONCE(nr == mm->map_count)) {
			ret = -EINVAL;
			break;
		}
		ret = ckpt_scan_vma(ctx, mm, vma, &vmas[nr++], pm);
		if (ret)
			break;
	}
	h->nr_vmas = nr;
unlock:
	mmap_read_unlock(mm);
	if (ret && vmas) {
		ckpt_free_vmas(vmas, nr);
		vmas = NULL;
	}
	*vmasp = vmas;
	return ret;
}

/**
 * ckpt_check_mm() - refuse, before anything is written, an address space
 * that cannot be saved
 * @ctx: checkpoint context, @t pinned (ckpt_pin_task())
 * @t: a live task of the tree, quiet
 *
 * The checks ckpt_write_mm() makes: AIO, the mm's own state, the flags of
 * each mapping, and the kind and state of each mapped file and of the
 * executable.  The files are checked with the mmap lock dropped, as they
 * are written.
 *
 * Return: 0, or a negative errno after a line naming @t.
 */
int ckpt_check_mm(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct mm_struct *mm = ckpt_task_mm(ctx);
	struct vm_area_struct *vma;
	struct ckpt_hdr_mm *h;
	struct vma_iterator vmi;
	unsigned long *addr = NULL;
	struct file **files = NULL;
	unsigned int nr = 0, i;
	pid_t pid = task_pid_vnr(t);
	char who[64];
	struct file *exe;
	int ret;

	if (!mm)
		return ckpt_err(ctx, -ESRCH, "pid %d has no address space", pid);
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	ret = mmap_read_lock_killable(mm);
	if (ret)
		goto out;
#ifdef CONFIG_AIO
	if (rcu_access_pointer(mm->ioctx_table)) {
		ret = ckpt_err(ctx, -EOPNOTSUPP, "pid %d uses AIO", pid);
		goto unlock;
	}
#endif
	ret = ckpt_scan_mm_state(ctx, t, mm, h);
	if (ret)
		goto unlock;
	files = kvcalloc(mm->map_count ?: 1, sizeof(*files), GFP_KERNEL);
	addr = kvcalloc(mm->map_count ?: 1, sizeof(*addr), GFP_KERNEL);
	ret = -ENOMEM;
	if (!files || !addr)
		goto unlock;
	ret = 0;
	vma_iter_init(&vmi, mm, 0);
	for_each_vma(vmi, vma) {
		if (ckpt_vma_skipped(vma) || (vma->vm_ops && vma->vm_ops->name))
			continue;
		if (vma->vm_flags & CKPT_VM_UNSUPPORTED) {
			ret = ckpt_err(ctx, -EOPNOTSUPP,
				       "pid %d: the mapping at %#lx is %s (flags %#lx), not supported",
				       pid, vma->vm_start,
				       ckpt_vm_unsupported_name(vma->vm_flags),
				       vma->vm_flags & CKPT_VM_UNSUPPORTED);
			break;
		}
		if (vma->vm_file && nr < mm->map_count) {
			addr[nr] = vma->vm_start;
			files[nr++] = get_file(vma->vm_file);
		}
	}
unlock:
	mmap_read_unlock(mm);
	exe = ret ? NULL : get_mm_exe_file(mm);
	if (exe) {
		snprintf(who, sizeof(who), "pid %d: the executable", pid);
		ret = PTR_ERR_OR_ZERO(ckpt_check_file(ctx, exe, who));
		fput(exe);
	}
	for (i = 0; i < nr; i++) {
		if (!ret) {
			snprintf(who, sizeof(who), "pid %d: the mapping at %#lx", pid, addr[i]);
			ret = PTR_ERR_OR_ZERO(ckpt_check_file(ctx, files[i], who));
		}
		fput(files[i]);
	}
out:
	kvfree(files);
	kvfree(addr);
	kfree(h);
	return ret;
}

/**
 * ckpt_write_mm() - write the address space of a task
 * @ctx: checkpoint context
 * @t: the task
 *
 * Return: 0 or a negative errno.
 */
int ckpt_write_mm(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct ckpt_vma *vmas = NULL;
	struct ckpt_hdr_mm *h;
	struct mm_struct *mm;
	struct file *exe;
	unsigned int i;
	int ret;

	BUILD_BUG_ON(sizeof(*h) != 1152);
	BUILD_BUG_ON(AT_VECTOR_SIZE > CKPT_AUXV_WORDS);
	mm = ckpt_task_mm(ctx);
	if (!mm)
		return ckpt_err(ctx, -ESRCH, "pid %d has no address space", task_pid_vnr(t));
	mmget(mm);
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h) {
		mmput(mm);
		return -ENOMEM;
	}
	exe = get_mm_exe_file(mm);
	if (exe) {
		ret = ckpt_write_file_obj(ctx, exe, "the executable", &h->exe_ref);
		fput(exe);
		if (ret)
			goto out;
	}
	ret = ckpt_scan_mm(ctx, t, mm, h, &vmas);
	if (ret)
		goto out;
	ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_MM, sizeof(*h));
	if (!ret)
		ret = ckpt_arch_write_mm_context(ctx, mm);
	for (i = 0; i < h->nr_vmas && !ret; i++)
		ret = ckpt_write_vma(ctx, mm, &vmas[i]);
	ckpt_free_vmas(vmas, h->nr_vmas);
out:
	kfree(h);
	mmput(mm);
	return ret;
}

/* Make @mm current->mm, without any of the release execve() does. */
static struct mm_struct *ckpt_switch_mm(struct mm_struct *mm)
{
	struct task_struct *tsk = current;
	struct mm_struct *prev;

	sched_mm_cid_before_execve(tsk);
	task_lock(tsk);
	local_irq_disable();
	prev = tsk->active_mm;
	tsk->active_mm = mm;
	tsk->mm = mm;
	membarrier_update_current_mm(mm);
	if (!IS_ENABLED(CONFIG_ARCH_WANT_IRQS_OFF_ACTIVATE_MM))
		local_irq_enable();
	activate_mm(prev, mm);
	if (IS_ENABLED(CONFIG_ARCH_WANT_IRQS_OFF_ACTIVATE_MM))
		local_irq_enable();
	task_unlock(tsk);
	sched_mm_cid_after_execve(tsk);
	return prev;
}

static unsigned long ckpt_prot(u32 prot)
{
	return prot & (PROT_READ | PROT_WRITE | PROT_EXEC);
}

/*
 * Read @nr pages from PAGES records into the pages @src gives, at
 * increasing addresses in [@start, @end).
 */
static int ckpt_read_page_list(struct ckpt_ctx *ctx, const struct ckpt_page_source *src,
			       u32 nr, u64 start, u64 end)
{
	struct ckpt_hdr_pages *h;
	u64 last = 0;
	u32 left = nr;
	long got;
	int ret = 0;

	h = kmalloc(struct_size(h, addr, CKPT_PAGES_BATCH), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	while (left && !ret) {
		unsigned int i, n;

		ret = ckpt_read_hdr(ctx, &h->h);
		if (ret)
			break;
		if (h->h.type != CKPT_HDR_PAGES || h->h.len < sizeof(*h)) {
			ret = ckpt_err(ctx, -EINVAL,
				       "record at offset %llu: expected pages of %#llx-%#llx",
				       ctx->rec_len, start, end);
			break;
		}
		ret = ckpt_read(ctx, &h->nr_pages, sizeof(*h) - sizeof(h->h));
		if (ret)
			break;
		n = h->nr_pages;
		if (!n || n > CKPT_PAGES_BATCH || n > left || h->__reserved ||
		    h->h.len != struct_size(h, addr, n) + (size_t)n * PAGE_SIZE) {
			ret = ckpt_err(ctx, -EINVAL, "malformed pages record at offset %llu",
				       ctx->rec_len);
			break;
		}
		ret = ckpt_read(ctx, h->addr, n * sizeof(h->addr[0]));
		if (ret)
			break;
		for (i = 0; i < n; i++) {
			if (!PAGE_ALIGNED(h->addr[i]) || h->addr[i] < start ||
			    h->addr[i] >= end || (last && h->addr[i] <= last)) {
				ret = ckpt_err(ctx, -EINVAL,
					       "page address %#llx out of order or out of range",
					       h->addr[i]);
				break;
			}
			last = h->addr[i] ?: 1;
		}
		if (ret)
			break;
		got = src->get(ctx, src->arg, h->addr, n);
		if (got != n) {
			ret = ckpt_err(ctx, got < 0 ? got : -EFAULT,
				       "cannot fill the page at %#llx (error %ld)",
				       h->addr[max(got, 0L)], got);
			n = max(got, 0L);
		} else {
			ret = ckpt_read_pages(ctx, ctx->pages, n);
			if (!ret)
				ret = src->commit(ctx, src->arg, h->addr, n);
		}
		for (i = 0; i < n; i++)
			if (ctx->pages[i])
				put_page(ctx->pages[i]);
		if (!ret)
			ctx->nr_records++;
		left -= n;
	}
	kfree(h);
	return ret;
}

/**
 * ckpt_write_shmem_pages() - write the populated pages of a shmem file
 * @ctx: checkpoint context
 * @file: the file
 * @nr: set to the number of pages, for the FILE record; the pages are
 *	written by a second call with @nr pointing to that number
 * @walk: the page list, kept between the two calls
 *
 * Return: 0 or a negative errno.
 */
int ckpt_write_shmem_pages(struct ckpt_ctx *ctx, struct file *file, u32 *nr,
			   struct ckpt_walk *walk)
{
	struct ckpt_page_source src = { .get = ckpt_get_shmem_pages, .arg = file };
	struct address_space *mapping = file->f_mapping;
	pgoff_t idx = 0, end;

	if (walk->addr)
		return ckpt_write_page_list(ctx, &src, walk->addr, walk->nr);
	end = DIV_ROUND_UP(i_size_read(file_inode(file)), PAGE_SIZE);
	while (idx < end) {
		if (ckpt_walk_reserve(walk))
			return -ENOMEM;
		if (!xa_find(&mapping->i_pages, &idx, end - 1, XA_PRESENT))
			break;
		ckpt_walk_add(walk, (u64)idx << PAGE_SHIFT);
		idx++;
	}
	if (walk->nr > U32_MAX / 2)
		return ckpt_err(ctx, -EFBIG, "shared memory object too large");
	*nr = walk->nr;
	return 0;
}

/**
 * ckpt_read_shmem_pages() - read the pages of a shmem file re-created
 * @ctx: restart context
 * @file: the file
 * @nr: how many pages its FILE record announced
 *
 * Return: 0 or a negative errno.
 */
int ckpt_read_shmem_pages(struct ckpt_ctx *ctx, struct file *file, u32 nr)
{
	struct ckpt_page_source src = {
		.get = ckpt_get_shmem_pages,
		.commit = ckpt_dirty_shmem_pages,
		.arg = file,
	};

	return ckpt_read_page_list(ctx, &src, nr, 0,
				   PAGE_ALIGN(i_size_read(file_inode(file))));
}

/* Checkpoint: the pages at @addr of a file of a disk or tmpfs, read into new pages. */
static long ckpt_get_file_pages(struct ckpt_ctx *ctx, void *arg, const u64 *addr,
				unsigned int n)
{
	struct file *file = arg;
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct page *page = alloc_page(GFP_KERNEL | __GFP_ZERO);
		loff_t pos = addr[i];
		ssize_t got;

		if (!page)
			return i ?: -ENOMEM;
		got = kernel_read(file, page_address(page), PAGE_SIZE, &pos);
		if (got < 0) {
			put_page(page);
			return i ?: got;
		}
		ctx->pages[i] = page;
	}
	return n;
}

/* Restart: new pages to read the image into. */
static long ckpt_new_pages(struct ckpt_ctx *ctx, void *arg, const u64 *addr,
			   unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		ctx->pages[i] = alloc_page(GFP_KERNEL);
		if (!ctx->pages[i])
			return i ?: -ENOMEM;
	}
	return n;
}

/* Restart: the pages are filled, write them into the file at their offsets. */
static int ckpt_write_file_pages(struct ckpt_ctx *ctx, void *arg, const u64 *addr,
				 unsigned int n)
{
	struct file *file = arg;
	unsigned int i;

	for (i = 0; i < n; i++) {
		loff_t pos = addr[i];
		ssize_t done = kernel_write(file, page_address(ctx->pages[i]), PAGE_SIZE, &pos);

		if (done != PAGE_SIZE)
			return ckpt_err(ctx, done < 0 ? done : -EIO,
					"cannot write the data of %pD at %#llx (error %zd)",
					file, addr[i], done);
	}
	return 0;
}

/*
 * An open of @file of our own, to read it whatever its access mode.  It
 * is released with __fput_sync(), not when the call returns: the check of
 * the tree's references after writing (external.c) must not meet it.
 */
static struct file *ckpt_open_for_reading(struct file *file)
{
	return dentry_open(&file->f_path, O_RDONLY | O_LARGEFILE, current_cred());
}

/**
 * ckpt_write_file_data() - write the data of a regular file, page by page
 * @ctx: checkpoint context
 * @file: the file, a regular file of a disk or tmpfs
 * @size: its size, as the FILE record has it
 * @nr: set to the number of pages, for the FILE record; the pages are
 *	written by a second call with @nr pointing to that number
 * @walk: the page list, kept between the two calls
 *
 * The pages are those of the file's data (SEEK_DATA), up to its size; the
 * holes stay holes (where the file system cannot tell, every page up to
 * @size counts as data).  The file is read through an open of its own, so that
 * its position and access mode do not matter.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_write_file_data(struct ckpt_ctx *ctx, struct file *file, loff_t size, u32 *nr,
			 struct ckpt_walk *walk)
{
	struct ckpt_page_source src = { .get = ckpt_get_file_pages };
	loff_t pos = 0, data, hole;
	struct file *priv = ckpt_open_for_reading(file);
	int ret = 0;

	if (IS_ERR(priv))
		return ckpt_err(ctx, PTR_ERR(priv), "cannot read %pD (error %ld)",
				file, PTR_ERR(priv));
	if (walk->addr) {
		src.arg = priv;
		ret = ckpt_write_page_list(ctx, &src, walk->addr, walk->nr);
		__fput_sync(priv);
		return ret;
	}
	while (pos < size && !ret) {
		data = vfs_llseek(priv, pos, SEEK_DATA);
		if (data == -ENXIO || data >= size)
			break;
		/* A file system that cannot tell: all of the rest is data. */
		if (data < pos)
			data = pos;
		hole = vfs_llseek(priv, data, SEEK_HOLE);
		if (hole <= data || hole > size)
			hole = size;
		for (pos = round_down(data, PAGE_SIZE); pos < hole; pos += PAGE_SIZE) {
			if (walk->nr && walk->addr[walk->nr - 1] >= pos)
				continue;
			ret = ckpt_walk_reserve(walk);
			if (ret)
				break;
			ckpt_walk_add(walk, pos);
		}
		pos = max(hole, data + 1);
	}
	__fput_sync(priv);
	*nr = walk->nr;
	return ret;
}

/**
 * ckpt_read_file_data() - write the pages of a FILE record into a file
 * @ctx: restart context
 * @file: the file, open for writing
 * @nr: how many pages its FILE record announced
 * @size: its size: the pages are below it, rounded up to a page
 *
 * Return: 0 or a negative errno.
 */
int ckpt_read_file_data(struct ckpt_ctx *ctx, struct file *file, u32 nr, loff_t size)
{
	struct ckpt_page_source src = {
		.get = ckpt_new_pages,
		.commit = ckpt_write_file_pages,
		.arg = file,
	};

	return ckpt_read_page_list(ctx, &src, nr, 0, PAGE_ALIGN(size));
}

static const struct {
	u32 flag;
	int advice;
} ckpt_vma_advice[] = {
	{ CKPT_VMA_DONTFORK, MADV_DONTFORK },
	{ CKPT_VMA_WIPEONFORK, MADV_WIPEONFORK },
	{ CKPT_VMA_DONTDUMP, MADV_DONTDUMP },
	{ CKPT_VMA_SEQ_READ, MADV_SEQUENTIAL },
	{ CKPT_VMA_RAND_READ, MADV_RANDOM },
	{ CKPT_VMA_HUGEPAGE, MADV_HUGEPAGE },
	{ CKPT_VMA_NOHUGEPAGE, MADV_NOHUGEPAGE },
};

/**
 * ckpt_write_vdso() - write where the vdso of an address space is
 * @ctx: checkpoint context
 * @text: address of the vdso text, 0 for none
 * @text_size: size of the vdso text
 * @vvar_size: size of the vvar area right below the text
 *
 * The MM_CONTEXT record of the architectures whose mm context is the vdso
 * position, for their ckpt_arch_write_mm_context().
 *
 * Return: 0 or a negative errno.
 */
int ckpt_write_vdso(struct ckpt_ctx *ctx, unsigned long text, u32 text_size,
		    u32 vvar_size)
{
	struct ckpt_hdr_vdso h = { };

	BUILD_BUG_ON(sizeof(h) != 24);
	if (text) {
		h.vdso = text;
		h.vdso_size = text_size;
		h.vvar_size = vvar_size;
	}
	return ckpt_write_obj(ctx, &h.h, CKPT_HDR_MM_CONTEXT, sizeof(h));
}

/**
 * ckpt_read_vdso() - map the vdso where the image had it
 * @ctx: restart context
 * @want_text: size of this kernel's vdso text
 * @want_vvar: size of this kernel's vvar area
 * @map: the architecture's: map the vdso into current->mm with its text at
 *	the given address, or fail (-EEXIST where it cannot be there)
 *
 * Reads the MM_CONTEXT record ckpt_write_vdso() writes, for the
 * architectures' ckpt_arch_read_mm_context(), with current->mm the new
 * address space.  The VMA records that follow check that the vdso and
 * vvar mappings are where the image has them.
 *
 * Return: 0 or a negative errno, after a log line.
 */
int ckpt_read_vdso(struct ckpt_ctx *ctx, unsigned long want_text,
		   unsigned long want_vvar, int (*map)(unsigned long text))
{
	struct ckpt_hdr_vdso h;
	int ret;

	ret = ckpt_read_obj(ctx, &h.h, CKPT_HDR_MM_CONTEXT, sizeof(h));
	if (ret)
		return ret;
	return ckpt_map_vdso(ctx, h.vdso, h.vdso_size, h.vvar_size, want_text,
			     want_vvar, map);
}

/**
 * ckpt_map_vdso() - check the vdso position of an image and map the vdso
 * there
 * @ctx: restart context
 * @text: address of the vdso text in the image, 0 for none
 * @text_size: size of the vdso text in the image
 * @vvar_size: size of the vvar area right below it in the image
 * @want_text: size of this kernel's vdso text
 * @want_vvar: size of this kernel's vvar area
 * @map: as for ckpt_read_vdso()
 *
 * Return: 0 or a negative errno, after a log line.
 */
int ckpt_map_vdso(struct ckpt_ctx *ctx, u64 text, u32 text_size, u32 vvar_size,
		  unsigned long want_text, unsigned long want_vvar,
		  int (*map)(unsigned long text))
{
	int ret;

	if (!text)
		return 0;
	if (text_size != want_text || vvar_size != want_vvar)
		return ckpt_err(ctx, -ENOEXEC,
				"the image's vdso (%u bytes) is not this kernel's (%lu bytes)",
				text_size, want_text);
	if (!PAGE_ALIGNED(text) || text < vvar_size || text > TASK_SIZE - text_size)
		return ckpt_err(ctx, -EINVAL, "bad vdso address %#llx", text);
	ret = map(text);
	if (ret)
		return ckpt_err(ctx, ret, "cannot map the vdso at %#llx (error %d)",
				text, ret);
	return 0;
}

/* Is there a kernel mapping named like @v where @v says? */
static bool ckpt_special_present(struct mm_struct *mm, const struct ckpt_hdr_vma *v)
{
	struct vm_area_struct *vma;
	const char *name = NULL;

	mmap_read_lock(mm);
	vma = find_vma(mm, v->start);
	if (vma && vma->vm_start == v->start && vma->vm_end == v->end &&
	    vma->vm_ops && vma->vm_ops->name)
		name = vma->vm_ops->name(vma);
	mmap_read_unlock(mm);
	return name && !strcmp(name, v->name);
}

/*
 * Make the VMA just mapped at @v the one of the image: charged to the
 * commit limit as it was, and kept apart from its neighbours.  The VMA
 * records are what /proc/PID/maps showed; mmap() would merge a VMA with a
 * compatible neighbour that had stayed apart (one mprotect()ed from
 * read-write to read-only keeps its charge, its neighbour has none...).
 * Every VMA is VM_DONTEXPAND, which no merge takes, until the whole
 * address space is built (ckpt_unmark_vmas()).
 */
static int ckpt_keep_vma(struct ckpt_ctx *ctx, struct mm_struct *mm,
			 const struct ckpt_hdr_vma *v)
{
	long pages = (v->end - v->start) >> PAGE_SHIFT;
	struct vm_area_struct *vma;
	int ret = 0;

	if (mmap_write_lock_killable(mm))
		return -EINTR;
	vma = vma_lookup(mm, v->start);
	if (!vma || vma->vm_start != v->start || vma->vm_end != v->end) {
		ret = ckpt_err(ctx, -EEXIST, "the mapping at %#llx-%#llx did not stay apart",
			       v->start, v->end);
		goto out;
	}
	if (v->flags & CKPT_VMA_ACCOUNT && !(vma->vm_flags & VM_ACCOUNT)) {
		ret = security_vm_enough_memory_mm(mm, pages);
		if (ret) {
			ret = ckpt_err(ctx, ret, "no memory to commit for %#llx-%#llx",
				       v->start, v->end);
			goto out;
		}
		vm_flags_set(vma, VM_ACCOUNT);
	} else if (!(v->flags & CKPT_VMA_ACCOUNT) && vma->vm_flags & VM_ACCOUNT) {
		vm_unacct_memory(pages);
		vm_flags_clear(vma, VM_ACCOUNT);
	}
	vm_flags_set(vma, VM_DONTEXPAND);
out:
	mmap_write_unlock(mm);
	return ret;
}

/* The VMAs of the image are built: they may merge from now on. */
static void ckpt_unmark_vmas(struct mm_struct *mm)
{
	VMA_ITERATOR(vmi, mm, 0);
	struct vm_area_struct *vma;

	mmap_write_lock(mm);
	for_each_vma(vmi, vma)
		if (!vma->vm_ops || !vma->vm_ops->name)
			vm_flags_clear(vma, VM_DONTEXPAND);
	mmap_write_unlock(mm);
}

/*
 * mseal(2) the VMA at @v, built and filled: from now on it cannot be
 * unmapped, moved, resized or mprotect()ed, as before the checkpoint.
 */
static int ckpt_seal_vma(struct ckpt_ctx *ctx, struct mm_struct *mm,
			 const struct ckpt_hdr_vma *v)
{
#ifdef VM_SEALED
	struct vm_area_struct *vma;

	if (mmap_write_lock_killable(mm))
		return -EINTR;
	vma = vma_lookup(mm, v->start);
	if (vma && vma->vm_start == v->start && vma->vm_end == v->end)
		vm_flags_set(vma, VM_SEALED);
	mmap_write_unlock(mm);
	if (!vma)
		return ckpt_err(ctx, -EEXIST, "the sealed mapping at %#llx is gone", v->start);
	return 0;
#else
	return ckpt_err(ctx, -ENOEXEC,
			"the image has a sealed mapping (mseal), which this kernel lacks");
#endif
}

/*
 * New anonymous pages filled from the kept pages of @file at @addr[0..@n),
 * into ctx->pages, for ckpt_map_anon_pages().
 */
static int ckpt_staged_pages(struct ckpt_ctx *ctx, struct file *file, const u64 *addr,
			     unsigned int n)
{
	struct inode *inode = file_inode(file);
	unsigned int i;
	int ret = 0;

	for (i = 0; i < n; i++) {
		pgoff_t index = addr[i] >> PAGE_SHIFT;
		struct folio *src = NULL, *dst;

		ret = shmem_get_folio(inode, index, 0, &src, SGP_READ);
		if (!ret && !src)
			ret = -ENOENT;
		if (ret) {
			ret = ckpt_err(ctx, ret == -ENOENT ? -EINVAL : ret,
				       "the page at %#llx is in no pre-copy record", addr[i]);
			break;
		}
		dst = folio_alloc(GFP_HIGHUSER_MOVABLE, 0);
		if (dst)
			copy_highpage(&dst->page, folio_file_page(src, index));
		folio_unlock(src);
		folio_put(src);
		if (!dst) {
			ret = -ENOMEM;
			break;
		}
		ctx->pages[i] = &dst->page;
	}
	if (!ret)
		ret = ckpt_map_anon_pages(ctx, current->mm, addr, n);
	else
		n = i;
	/* Those mapped are NULL; a page copied into one there is not. */
	for (i = 0; i < n; i++)
		if (ctx->pages[i])
			put_page(ctx->pages[i]);
	return ret;
}

/*
 * Read the STAGED records of the VMA @v and map the pages they name, from
 * the pre-copy records' pages.
 */
static int ckpt_read_staged(struct ckpt_ctx *ctx, const struct ckpt_hdr_vma *v)
{
	struct ckpt_hdr_staged *h;
	u64 next = v->start, *addr;
	u32 left = v->nr_staged;
	int ret = 0;

	addr = kmalloc_array(CKPT_PAGES_BATCH, sizeof(*addr), GFP_KERNEL);
	if (!addr)
		return -ENOMEM;
	while (left && !ret) {
		struct file *file;
		u32 r;

		h = ckpt_read_var(ctx, CKPT_HDR_STAGED, struct_size(h, runs, 1),
				  struct_size(h, runs, CKPT_STAGED_RUNS));
		if (IS_ERR(h)) {
			ret = PTR_ERR(h);
			break;
		}
		file = ckpt_precopy_staged(ctx, h->mm_id);
		if (!h->nr_runs || h->h.len != struct_size(h, runs, h->nr_runs) || !file)
			ret = ckpt_err(ctx, -EINVAL, "malformed staged pages record at offset %llu",
				       ctx->rec_len);
		for (r = 0; r < h->nr_runs && !ret; r++) {
			const struct ckpt_staged_run *run = &h->runs[r];
			u64 a = run->addr, i;
			unsigned int n = 0;

			if (!PAGE_ALIGNED(a) || a < next || a >= v->end || !run->nr_pages ||
			    run->nr_pages > left ||
			    run->nr_pages > (v->end - a) >> PAGE_SHIFT) {
				ret = ckpt_err(ctx, -EINVAL,
					       "staged pages at %#llx out of order or out of range",
					       a);
				break;
			}
			for (i = 0; i < run->nr_pages && !ret; i++) {
				addr[n++] = a + i * PAGE_SIZE;
				if (n == CKPT_PAGES_BATCH || i + 1 == run->nr_pages) {
					ret = ckpt_staged_pages(ctx, file, addr, n);
					n = 0;
				}
			}
			next = a + run->nr_pages * PAGE_SIZE;
			left -= run->nr_pages;
		}
		kvfree(h);
	}
	kfree(addr);
	return ret;
}

/* Re-create one VMA in the new mm, current->mm, and fill its pages. */
static int ckpt_read_vma(struct ckpt_ctx *ctx, const struct ckpt_hdr_vma *v,
			 u64 *prev_end)
{
	struct ckpt_page_source src = {
		.get = ckpt_alloc_anon_pages,
		.commit = ckpt_map_anon_pages,
		.arg = current->mm,
	};
	struct mm_struct *mm = current->mm;
	unsigned long len = v->end - v->start, flags, addr, off = 0;
	struct file *file = NULL;
	int i, ret;

	if (!PAGE_ALIGNED(v->start) || !PAGE_ALIGNED(v->end) ||
	    v->start >= v->end || v->end > TASK_SIZE || v->start < *prev_end ||
	    v->prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC) ||
	    v->flags & ~CKPT_VMA_FLAGS_ALL || v->nr_pages > len >> PAGE_SHIFT ||
	    v->nr_staged > (len >> PAGE_SHIFT) - v->nr_pages ||
	    (v->nr_staged && (!ctx->precopy || v->flags & CKPT_VMA_SHARED ||
			      (v->type != CKPT_VMA_ANON && v->type != CKPT_VMA_FILE))) ||
	    strnlen(v->name, sizeof(v->name)) == sizeof(v->name) ||
	    (v->type != CKPT_VMA_SPECIAL && v->name[0]) ||
	    (v->type != CKPT_VMA_FILE && v->type != CKPT_VMA_SHMEM &&
	     (v->file_ref || v->pgoff)))
		return ckpt_err(ctx, -EINVAL, "malformed VMA record at %#llx", v->start);
	*prev_end = v->end;

	flags = MAP_FIXED_NOREPLACE;
	flags |= v->flags & CKPT_VMA_SHARED ? MAP_SHARED : MAP_PRIVATE;
	if (v->flags & CKPT_VMA_DROPPABLE) {
		if (VM_DROPPABLE == VM_NONE)
			return ckpt_err(ctx, -ENOEXEC,
					"the image has a MAP_DROPPABLE mapping, which this kernel lacks");
		if (v->type != CKPT_VMA_ANON || v->flags & CKPT_VMA_LOCKED)
			return ckpt_err(ctx, -EINVAL, "malformed VMA record at %#llx",
					v->start);
		flags = MAP_FIXED_NOREPLACE | MAP_DROPPABLE;
	}
	if (v->flags & CKPT_VMA_ACCOUNT && v->flags & CKPT_VMA_SHARED)
		return ckpt_err(ctx, -EINVAL, "malformed VMA record at %#llx", v->start);
	if (v->flags & CKPT_VMA_GROWSDOWN)
		flags |= MAP_GROWSDOWN;
	if (v->flags & CKPT_VMA_NORESERVE)
		flags |= MAP_NORESERVE;
	if (v->flags & CKPT_VMA_LOCKED)
		flags |= MAP_LOCKED;

	switch (v->type) {
	case CKPT_VMA_SPECIAL:
		if (v->nr_pages || v->flags & ~CKPT_VMA_DONTDUMP & CKPT_VMA_FLAGS_ALL ||
		    !ckpt_special_present(mm, v))
			return ckpt_err(ctx, -EINVAL,
					"the image's %s at %#llx-%#llx cannot be re-created here",
					v->name, v->start, v->end);
		return 0;
	case CKPT_VMA_ANON:
		if (v->flags & CKPT_VMA_SHARED)
			return ckpt_err(ctx, -EINVAL, "malformed VMA record at %#llx",
					v->start);
		flags |= MAP_ANONYMOUS;
		break;
	case CKPT_VMA_SHMEM:
		if (!(v->flags & CKPT_VMA_SHARED) || v->nr_pages)
			return ckpt_err(ctx, -EINVAL, "malformed VMA record at %#llx",
					v->start);
		fallthrough;
	case CKPT_VMA_FILE:
		file = ckpt_read_file_ref(ctx, v->file_ref);
		if (IS_ERR(file))
			return PTR_ERR(file);
		if (v->pgoff > (ULONG_MAX >> PAGE_SHIFT) ||
		    (v->flags & CKPT_VMA_SHARED && v->nr_pages))
			return ckpt_err(ctx, -EINVAL, "malformed VMA record at %#llx",
					v->start);
		off = v->pgoff << PAGE_SHIFT;
		break;
	default:
		return ckpt_err(ctx, -EINVAL, "VMA at %#llx has unknown type %u",
				v->start, v->type);
	}
	addr = vm_mmap(file, v->start, len, ckpt_prot(v->prot), flags, off);
	if (IS_ERR_VALUE(addr) || addr != v->start)
		return ckpt_err(ctx, IS_ERR_VALUE(addr) ? (long)addr : -EEXIST,
				"cannot map %#llx-%#llx (error %ld)", v->start, v->end,
				IS_ERR_VALUE(addr) ? (long)addr : -EEXIST);
	ret = ckpt_keep_vma(ctx, mm, v);
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(ckpt_vma_advice); i++) {
		if (!(v->flags & ckpt_vma_advice[i].flag))
			continue;
		if (!IS_ENABLED(CONFIG_ADVISE_SYSCALLS))
			return ckpt_err(ctx, -ENOEXEC,
					"the image uses madvise(2), which this kernel lacks");
		ret = do_madvise(mm, v->start, len, ckpt_vma_advice[i].advice);
		if (ret)
			return ckpt_err(ctx, ret,
					"cannot restore the advice of %#llx-%#llx (error %d)",
					v->start, v->end, ret);
	}
	ret = ckpt_read_page_list(ctx, &src, v->nr_pages, v->start, v->end);
	if (!ret && v->nr_staged)
		ret = ckpt_read_staged(ctx, v);
	if (ret || !(v->flags & CKPT_VMA_SEALED))
		return ret;
	return ckpt_seal_vma(ctx, mm, v);
}

static int ckpt_check_mm_record(struct ckpt_ctx *ctx, const struct ckpt_hdr_mm *h)
{
	const u64 *f = &h->start_code;
	int i;

	for (i = 0; i < 12; i++)
		if (f[i] > TASK_SIZE)
			return ckpt_err(ctx, -EINVAL, "mm record: address %#llx out of range",
					f[i]);
	if (h->start_code > h->end_code || h->start_data > h->end_data ||
	    h->start_brk > h->brk || h->arg_start > h->arg_end ||
	    h->env_start > h->env_end || !PAGE_ALIGNED(h->mmap_base) ||
	    h->nr_vmas > sysctl_max_map_count)
		return ckpt_err(ctx, -EINVAL, "malformed mm record");
	for (i = AT_VECTOR_SIZE; i < CKPT_AUXV_WORDS; i++)
		if (h->auxv[i])
			return ckpt_err(ctx, -EINVAL, "mm record: auxiliary vector too long");
	if (h->dumpable > SUID_DUMP_ROOT ||
	    h->coredump_filter >= 1U << MMF_DUMP_FILTER_BITS ||
	    h->flags & ~CKPT_MM_FLAGS_ALL || h->membarrier & ~CKPT_MEMBARRIER_ALL ||
	    (h->flags & CKPT_MM_LOCK_ONFAULT && !(h->flags & CKPT_MM_LOCK_FUTURE)) ||
	    (h->flags & CKPT_MM_MDWE_NO_INHERIT && !(h->flags & CKPT_MM_MDWE)))
		return ckpt_err(ctx, -EINVAL, "malformed mm record");
	if ((h->membarrier && !IS_ENABLED(CONFIG_MEMBARRIER)) ||
	    (h->membarrier & (CKPT_MEMBARRIER_SYNC_CORE | CKPT_MEMBARRIER_SYNC_CORE_READY) &&
	     !IS_ENABLED(CONFIG_ARCH_HAS_MEMBARRIER_SYNC_CORE)) ||
	    (h->membarrier & (CKPT_MEMBARRIER_RSEQ | CKPT_MEMBARRIER_RSEQ_READY) &&
	     !IS_ENABLED(CONFIG_RSEQ)))
		return ckpt_err(ctx, -ENOEXEC,
				"the image has membarrier(2) registrations %#x this kernel lacks",
				h->membarrier);
	/* mlockall(MCL_FUTURE) needs what can_do_mlock() asks, with the image's limit. */
	if (h->flags & CKPT_MM_LOCK_FUTURE && !ctx->rst->task.rlim[RLIMIT_MEMLOCK].cur &&
	    !capable(CAP_IPC_LOCK))
		return ckpt_err(ctx, -EPERM,
				"the image's mlockall(MCL_FUTURE) needs RLIMIT_MEMLOCK or CAP_IPC_LOCK");
	return 0;
}

/* The mm's own state of the image, on the new mm built. */
static void ckpt_set_mm_state(struct ckpt_ctx *ctx, struct mm_struct *mm,
			      const struct ckpt_hdr_mm *h)
{
	unsigned long set = (unsigned long)h->coredump_filter << MMF_DUMP_FILTER_SHIFT;

	if (h->flags & CKPT_MM_THP_DISABLE)
		set |= MMF_DISABLE_THP_MASK;
	if (h->flags & CKPT_MM_MDWE)
		set |= MMF_HAS_MDWE_MASK;
	if (h->flags & CKPT_MM_MDWE_NO_INHERIT)
		set |= BIT(MMF_HAS_MDWE_NO_INHERIT);
	if (h->flags & CKPT_MM_TOPDOWN)
		set |= MMF_TOPDOWN_MASK;
	mm->flags = (mm->flags & ~(MMF_DUMP_FILTER_MASK | MMF_DISABLE_THP_MASK |
				   MMF_HAS_MDWE_MASK | BIT(MMF_HAS_MDWE_NO_INHERIT) |
				   MMF_TOPDOWN_MASK)) | set;
	mm->def_flags = (h->flags & CKPT_MM_LOCK_FUTURE ? VM_LOCKED : 0) |
			(h->flags & CKPT_MM_LOCK_ONFAULT ? VM_LOCKONFAULT : 0);
	ctx->rst->dumpable = h->dumpable;
	ctx->rst->membarrier = h->membarrier;
}

/* Build the new mm from the MM_CONTEXT and VMA records; it is current. */
static int ckpt_build_mm(struct ckpt_ctx *ctx, struct mm_struct *mm,
			 const struct ckpt_hdr_mm *h)
{
	struct ckpt_hdr_vma v;
	u64 prev_end = 0;
	u32 done = 0;
	int ret;

	ret = ckpt_arch_read_mm_context(ctx, mm);
	while (!ret && done < h->nr_vmas) {
		ret = ckpt_read_hdr(ctx, &v.h);
		if (ret)
			break;
		ret = ckpt_read_object(ctx, &v.h);
		if (ret != -ENOENT)
			continue;
		if (v.h.type != CKPT_HDR_VMA || v.h.len != sizeof(v)) {
			ret = ckpt_err(ctx, -EINVAL,
				       "record at offset %llu: expected a VMA, a file or a pipe",
				       ctx->rec_len);
			break;
		}
		ret = ckpt_read_payload(ctx, &v.h, sizeof(v));
		if (!ret)
			ret = ckpt_read_vma(ctx, &v, &prev_end);
		done++;
	}
	return ret;
}

/*
 * Free the page tables below the lowest mapping of @mm, as munmap() of the
 * last mapping there would have.  On s390x the top table of a new mm covers
 * the first 4 TiB; mapping above that (the vdso, a mapping of the image)
 * makes it a lower-level table, which exit_mmap() walks only where there are
 * mappings: an image with none below 4 TiB, or a restart that fails before
 * it maps them, would leak it.  Elsewhere there is nothing to free.
 */
static void ckpt_free_low_tables(struct mm_struct *mm)
{
	unsigned long end, ceiling = USER_PGTABLES_CEILING;
	struct vm_area_struct *vma;
	struct mmu_gather tlb;

	mmap_write_lock(mm);
	vma = find_vma(mm, FIRST_USER_ADDRESS);
	end = vma ? vma->vm_start : ckpt_arch_mm_tables_end(mm);
	if (vma)
		ceiling = end;
	if (end > FIRST_USER_ADDRESS) {
		tlb_gather_mmu(&tlb, mm);
		free_pgd_range(&tlb, FIRST_USER_ADDRESS, end, FIRST_USER_ADDRESS, ceiling);
		tlb_finish_mmu(&tlb);
	}
	mmap_write_unlock(mm);
}

/**
 * ckpt_read_mm() - read the address space and build it aside
 * @ctx: restart context
 *
 * Return: 0 or a negative errno; the caller's own mm is untouched.
 */
int ckpt_read_mm(struct ckpt_ctx *ctx)
{
	struct ckpt_restart_state *rst = ctx->rst;
	struct mm_struct *mm, *prev;
	struct ckpt_hdr_mm *h;
	struct rlimit rlim_stack;
	struct file *exe = NULL;
	int ret;

	/* The executable's FILE record may come first. */
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	for (;;) {
		ret = ckpt_read_hdr(ctx, &h->h);
		if (ret)
			goto out;
		ret = ckpt_read_object(ctx, &h->h);
		if (ret == -ENOENT)
			break;
		if (ret)
			goto out;
	}
	if (h->h.type != CKPT_HDR_MM || h->h.len != sizeof(*h)) {
		ret = ckpt_err(ctx, -EINVAL, "record at offset %llu: expected the mm",
			       ctx->rec_len);
		goto out;
	}
	ret = ckpt_read_payload(ctx, &h->h, sizeof(*h));
	if (!ret)
		ret = ckpt_check_mm_record(ctx, h);
	if (ret)
		goto out;
	if (h->exe_ref) {
		exe = ckpt_read_file_ref(ctx, h->exe_ref);
		if (IS_ERR(exe)) {
			ret = PTR_ERR(exe);
			goto out;
		}
	}

	mm = mm_alloc();
	ret = -ENOMEM;
	if (!mm)
		goto out;
	rst->mm = mm;
	mm->task_size = TASK_SIZE;
	task_lock(current->group_leader);
	rlim_stack = current->signal->rlim[RLIMIT_STACK];
	task_unlock(current->group_leader);
	arch_pick_mmap_layout(mm, &rlim_stack);
	if (h->mmap_base && h->mmap_base < TASK_SIZE)
		mm->mmap_base = h->mmap_base;
	if (exe) {
		ret = set_mm_exe_file(mm, exe);
		if (ret) {
			ret = ckpt_err(ctx, ret, "cannot make the executable %pD the mm's",
				       exe);
			goto out;
		}
	}

	/* mm_alloc() copied the caller's mm flags and default VMA flags. */
	mm->def_flags = 0;
	prev = ckpt_switch_mm(mm);
	ret = ckpt_build_mm(ctx, mm, h);
	ckpt_switch_mm(prev);
	ckpt_free_low_tables(mm);
	if (ret)
		goto out;
	ckpt_unmark_vmas(mm);
	ckpt_set_mm_state(ctx, mm, h);

	mm->start_code = h->start_code;
	mm->end_code = h->end_code;
	mm->start_data = h->start_data;
	mm->end_data = h->end_data;
	mm->start_brk = h->start_brk;
	mm->brk = h->brk;
	mm->start_stack = h->start_stack;
	mm->arg_start = h->arg_start;
	mm->arg_end = h->arg_end;
	mm->env_start = h->env_start;
	mm->env_end = h->env_end;
	for (int i = 0; i < AT_VECTOR_SIZE; i++)
		mm->saved_auxv[i] = h->auxv[i];
out:
	kfree(h);
	return ret;
}

/**
 * ckpt_restore_mm() - make the new address space the caller's
 * @ctx: restart context, past the point of no return
 *
 * Return: 0 or a negative errno.
 */
int ckpt_restore_mm(struct ckpt_ctx *ctx)
{
	struct mm_struct *mm = ctx->rst->mm;
	int ret = exec_replace_mm(mm);

	if (ret)
		return ret;
	ctx->rst->mm = NULL;
#ifdef CONFIG_MEMCG
	/* Built by the caller of restart(2), which may be another task. */
	WRITE_ONCE(mm->owner, current);
#endif
	flush_thread();
#ifdef CONFIG_MEMBARRIER
	/* exec_mmap() cleared the registrations; the image's come back. */
	atomic_set(&mm->membarrier_state, ctx->rst->membarrier);
	preempt_disable();
	membarrier_update_current_mm(mm);
	preempt_enable();
#endif
	return 0;
}

/**
 * ckpt_restore_mm_creds() - the state of the new mm that the credentials
 * reset
 * @ctx: restart context, past the point of no return, the credentials
 *	committed
 *
 * commit_creds() makes a process whose ids change undumpable; the image's
 * dumpable flag comes back after it.
 */
void ckpt_restore_mm_creds(struct ckpt_ctx *ctx)
{
	set_dumpable(current->mm, ctx->rst->dumpable);
}
