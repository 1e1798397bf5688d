// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint of a tree: what its tasks share with tasks outside it.
 *
 * A tree is saved alone.  An object a task of the tree holds that a task
 * outside the tree holds too would not be shared any more after restart:
 * the outside task keeps the old one, the restored tree gets a copy of it,
 * and what one writes the other no longer sees.  The checkpoint refuses
 * that, with EOPNOTSUPP and a line naming the task and the object:
 *
 * - an address space, descriptor table, fs_struct or signal handler table
 *   of the tree used by another task of the system (kernel threads aside);
 * - a file the tree holds by a descriptor with more references than the
 *   tree's own (its descriptors, its mappings, the executable of its
 *   address spaces): the rest are held outside;
 * - a pipe or FIFO open outside the tree: more readers or writers than
 *   the tree's open files of it.
 *
 * - a file whose data the image carries, shared memory (a memfd, a
 *   MAP_SHARED | MAP_ANONYMOUS mapping) or a deleted file, that the tree
 *   maps or holds and that is open outside it: its file has more
 *   references than the tree's own, or it has more open files than the
 *   tree's (another open of it through /proc/PID/fd or map_files).
 *
 * Not refused: the descriptors restart gives the restorer's
 * (%CKPT_CHECKPOINT_INHERIT_STDIO, see ckpt_fd_inherited()), the image
 * and log files of the call (both ends, if they are pipes): a process that
 * checkpoints itself holds them; and with %CKPT_CHECKPOINT_EXTERNAL_SHMEM,
 * shared memory, saved as it is.
 * Other files the tree only maps are reopened by path at restart and share
 * nothing that the image saves.
 * The tasks of the tree are stopped, so their references do not move; a
 * task outside the tree can take one meanwhile only with the rights of a
 * tracer (pidfd_getfd(2)), and the check runs again after the tree is
 * written.
 */

#include <linux/bsearch.h>
#include <linux/file.h>
#include <linux/fdtable.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/mm.h>
#include <linux/pipe_fs_i.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "internal.h"

/**
 * struct ckpt_use - a file or a pipe the tree holds
 * @hn: in &ckpt_uses.files, &ckpt_uses.pipes or &ckpt_uses.data
 * @list: in &ckpt_uses.file_list or &ckpt_uses.pipe_list, in the order met
 * @ptr: the file (referenced while the check runs) or the pipe
 * @file: a file of the pipe, for the line
 * @refs: file: the references the tree holds; pipe: its readers in the tree
 * @writers: pipe: its writers in the tree
 * @pid: the first task met that holds it, for the line
 * @fd: and its descriptor, -1 for a mapping, -2 for an executable
 * @addr: the start of the mapping, for @fd -1
 * @checked: held by a descriptor, or its data saved: compared
 * @external: an inherited descriptor or the call's own file: not compared
 * @shmem: shared memory (else a deleted file), for the line
 * @counted: its data saved: counted as an open file of its dentry
 *
 * The use of a dentry whose data the image carries counts in @refs the
 * tree's open files of it, and is @checked once one of them is data.
 */
struct ckpt_use {
	struct ckpt_hnode hn;
	struct list_head list;
	void *ptr;
	struct file *file;
	unsigned long refs;
	unsigned long writers;
	unsigned long addr;
	pid_t pid;
	int fd;
	bool checked;
	bool external;
	bool shmem;
	bool counted;
};

/*
 * What the check met: its files, pipes, the dentries of files whose data
 * the image carries (@refs: the tree's open files of it), and the tables
 * it walked.
 */
struct ckpt_uses {
	struct ckpt_ptr_table files;
	struct ckpt_ptr_table pipes;
	struct ckpt_ptr_table data;
	struct list_head file_list;
	struct list_head pipe_list;
	struct list_head data_list;
	struct pipe_inode_info *own[2];
	const void **walked;
	unsigned int nr_walked;
};

/* An object of a task of the tree, for the walk of the other tasks. */
struct ckpt_held {
	const void *ptr;
	const char *what;
	pid_t pid;
	struct task_struct *task;
};

static struct ckpt_use *ckpt_use_get(struct ckpt_ptr_table *table,
				     struct list_head *list, void *ptr, bool *new)
{
	struct hlist_head *head = ckpt_ptr_table_head(table, ptr);
	struct ckpt_use *u;

	if (head)
		hlist_for_each_entry(u, head, hn.node)
			if (u->ptr == ptr) {
				*new = false;
				return u;
			}
	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u || ckpt_ptr_table_add(table, &u->hn, ptr)) {
		kfree(u);
		return NULL;
	}
	u->ptr = ptr;
	list_add_tail(&u->list, list);
	*new = true;
	return u;
}

/* Whether @ptr, a table of the tree, was walked already; notes it if not. */
static bool ckpt_walked(struct ckpt_uses *uses, const void *ptr, unsigned int max)
{
	unsigned int i;

	for (i = 0; i < uses->nr_walked; i++)
		if (uses->walked[i] == ptr)
			return true;
	if (uses->nr_walked < max)
		uses->walked[uses->nr_walked++] = ptr;
	return false;
}

/* Where @u is held, as the line names it. */
static void ckpt_use_where(struct ckpt_use *u, struct task_struct *t, int fd,
			   unsigned long addr)
{
	u->pid = task_pid_vnr(t);
	u->fd = fd;
	u->addr = addr;
}

/*
 * One reference of the tree to @file: descriptor @fd of @t, a mapping
 * @vma (@fd -1) or the executable (@fd -2).  The data of shared memory is
 * in the image, and that of a deleted file the tree writes or reads by a
 * descriptor or a shared mapping: other open files of them are compared
 * too (a deleted file only executed or mapped privately is not).
 */
static int ckpt_use_file(struct ckpt_ctx *ctx, struct ckpt_uses *uses,
			 struct task_struct *t, struct file *file, int fd,
			 struct vm_area_struct *vma)
{
	unsigned long addr = vma ? vma->vm_start : 0;
	struct pipe_inode_info *pipe;
	struct ckpt_use *u, *p;
	bool new, external, shmem, content, data;

	u = ckpt_use_get(&uses->files, &uses->file_list, file, &new);
	if (!u)
		return -ENOMEM;
	pipe = get_pipe_info(file, false);
	shmem = ckpt_is_shmem_object(file);
	/* Not the file of a stacked file system's mapping: its own is held. */
	content = !(file->f_mode & FMODE_BACKING) && (shmem || ckpt_is_ghost(file));
	data = shmem || (content && (fd >= 0 || (vma && vma->vm_flags & VM_SHARED)));
	external = file == ctx->file || file == ctx->logfile ||
		   (pipe && (pipe == uses->own[0] || pipe == uses->own[1])) ||
		   (shmem && ctx->flags & CKPT_CHECKPOINT_EXTERNAL_SHMEM) ||
		   (fd >= 0 && ckpt_fd_inherited(ctx, t, fd, file) >= 0);
	if (new)
		u->file = get_file(file);
	/* For the line: the first descriptor met, else the first mapping. */
	if (new || (fd >= 0 && u->fd < 0))
		ckpt_use_where(u, t, fd, addr);
	u->refs++;
	if (fd >= 0 || data)
		u->checked = true;
	if (external)
		u->external = true;

	if (content) {
		/* Every open file of the tree on it, compared if one is data. */
		p = ckpt_use_get(&uses->data, &uses->data_list,
				 file->f_path.dentry, &new);
		if (!p)
			return -ENOMEM;
		if (new) {
			p->file = file;
			p->shmem = shmem;
		}
		if (!u->counted) {
			u->counted = true;
			p->refs++;
		}
		if (data && !p->checked) {
			p->checked = true;
			ckpt_use_where(p, t, fd, addr);
		}
	}

	if (!pipe)
		return 0;
	p = ckpt_use_get(&uses->pipes, &uses->pipe_list, pipe, &new);
	if (!p)
		return -ENOMEM;
	if (new) {
		p->file = file;
		p->pid = u->pid;
		p->fd = fd;
	}
	if (u->refs == 1) {
		/* The pipe counts its open files, not their descriptors. */
		p->refs += !!(file->f_mode & FMODE_READ);
		p->writers += !!(file->f_mode & FMODE_WRITE);
	}
	if (external)
		p->external = true;
	return 0;
}

/* The references of task @t of the tree: its descriptors and mappings. */
static int ckpt_use_task(struct ckpt_ctx *ctx, struct ckpt_uses *uses,
			 struct task_struct *t, unsigned int max)
{
	struct files_struct *files;
	struct vm_area_struct *vma;
	struct mm_struct *mm;
	struct file *exe;
	unsigned int fd;
	int ret = 0;

	task_lock(t);
	files = t->files;
	task_unlock(t);
	if (files && !ckpt_walked(uses, files, max)) {
		struct file *file;

		for (fd = 0; (file = ckpt_next_file(t, &fd)); fd++) {
			ret = ckpt_use_file(ctx, uses, t, file, fd, NULL);
			fput(file);
			if (ret)
				break;
		}
	}
	mm = get_task_mm(t);
	if (!mm || ret || ckpt_walked(uses, mm, max))
		goto out;
	exe = get_mm_exe_file(mm);
	if (exe) {
		ret = ckpt_use_file(ctx, uses, t, exe, -2, NULL);
		fput(exe);
	}
	if (!ret)
		ret = mmap_read_lock_killable(mm);
	if (!ret) {
		VMA_ITERATOR(vmi, mm, 0);

		for_each_vma(vmi, vma) {
			if (!vma->vm_file)
				continue;
			ret = ckpt_use_file(ctx, uses, t, vma->vm_file, -1, vma);
			if (ret)
				break;
		}
		mmap_read_unlock(mm);
	}
out:
	if (mm)
		mmput(mm);
	return ret;
}

/* A line for the file of @u, held outside the tree. */
static int ckpt_use_refused(struct ckpt_ctx *ctx, const struct ckpt_use *u,
			    const char *how)
{
	char *buf = kmalloc(PATH_MAX, GFP_KERNEL);
	const char *name = "a file";
	int ret;

	if (buf)
		name = ckpt_file_name(u->file, buf, PATH_MAX);
	if (u->fd >= 0)
		ret = ckpt_err(ctx, -EOPNOTSUPP,
			       "pid %d fd %d: %s %s outside the tree, not supported",
			       u->pid, u->fd, name, how);
	else if (u->fd == -1)
		ret = ckpt_err(ctx, -EOPNOTSUPP,
			       "pid %d mapping at %#lx: %s %s outside the tree, not supported",
			       u->pid, u->addr, name, how);
	else
		ret = ckpt_err(ctx, -EOPNOTSUPP,
			       "pid %d executable: %s %s outside the tree, not supported",
			       u->pid, name, how);
	kfree(buf);
	return ret;
}

/* Compare the references counted with the objects' own counts. */
static int ckpt_uses_compare(struct ckpt_ctx *ctx, struct ckpt_uses *uses, bool written)
{
	struct ckpt_use *u;

	/* In the order met: the first task, its lowest descriptor, first. */
	list_for_each_entry(u, &uses->file_list, list) {
		/*
		 * Ours: the check's, and the object hash's once written, and
		 * that of a TCP connection whose packets are held.
		 */
		long ours = 1 + (written && ckpt_obj_lookup(ctx, u->ptr) ? 1 : 0) +
			    (written && ckpt_inet_holds(ctx, u->file) ? 1 : 0);

		if (u->checked && !u->external &&
		    file_count(u->file) - ours > u->refs)
			return ckpt_use_refused(ctx, u, "is also held");
	}
	list_for_each_entry(u, &uses->pipe_list, list) {
		struct pipe_inode_info *pipe = u->ptr;
		bool outside;

		if (u->external)
			continue;
		pipe_lock(pipe);
		outside = pipe->readers > u->refs || pipe->writers > u->writers;
		pipe_unlock(pipe);
		if (outside)
			return ckpt_use_refused(ctx, u, "is a pipe also open");
	}
	/* An open file of it that is not compared exempts the data. */
	list_for_each_entry(u, &uses->file_list, list) {
		struct ckpt_use *d;
		bool new;

		if (!u->counted || !u->external)
			continue;
		d = ckpt_use_get(&uses->data, &uses->data_list, u->file->f_path.dentry, &new);
		if (d)
			d->external = true;
	}
	list_for_each_entry(u, &uses->data_list, list) {
		struct dentry *dentry = u->ptr;

		if (u->checked && !u->external && d_count(dentry) > u->refs)
			return ckpt_use_refused(ctx, u, u->shmem ? "is shared memory also open" :
						"is a deleted file also open");
	}
	return 0;
}

static int ckpt_held_cmp(const void *a, const void *b)
{
	const struct ckpt_held *x = a, *y = b;

	return x->ptr < y->ptr ? -1 : x->ptr > y->ptr;
}

static const struct ckpt_held *ckpt_held_find(const struct ckpt_held *held,
					      unsigned int nr, const void *ptr)
{
	struct ckpt_held key = { .ptr = ptr };

	if (!ptr)
		return NULL;
	return bsearch(&key, held, nr, sizeof(*held), ckpt_held_cmp);
}

/* Is @p one of the tasks of the tree or a thread of one? */
static bool ckpt_in_tree(struct ckpt_tree *tree, struct task_struct *p)
{
	unsigned int i;

	for (i = 0; i < tree->nr; i++)
		if (same_thread_group(tree->tasks[i].task, p))
			return true;
	return false;
}

/* The address spaces and tables of the tree that other tasks use. */
static int ckpt_check_tables(struct ckpt_ctx *ctx, struct ckpt_tree *tree)
{
	const struct ckpt_held *hit = NULL;
	struct task_struct *g, *p;
	struct ckpt_held *held;
	unsigned int i, nr = 0;
	pid_t other = 0;
	int ret;

	held = kvcalloc(4 * tree->nr, sizeof(*held), GFP_KERNEL);
	if (!held)
		return -ENOMEM;
	for (i = 0; i < tree->nr; i++) {
		struct task_struct *t = tree->tasks[i].task;
		pid_t pid = task_pid_vnr(t);

		if (tree->tasks[i].e.flags & CKPT_TREE_TASK_ZOMBIE)
			continue;
		task_lock(t);
		held[nr++] = (struct ckpt_held){ t->mm, "address space", pid, t };
		held[nr++] = (struct ckpt_held){ t->files, "file descriptor table", pid, t };
		held[nr++] = (struct ckpt_held){ t->fs, "working directory and root", pid, t };
		held[nr++] = (struct ckpt_held){ rcu_access_pointer(t->sighand),
						 "signal handlers", pid, t };
		task_unlock(t);
	}
	sort(held, nr, sizeof(*held), ckpt_held_cmp, NULL);

	rcu_read_lock();
	for_each_process_thread(g, p) {
		if (p->flags & PF_KTHREAD)
			continue;
		hit = ckpt_held_find(held, nr, READ_ONCE(p->mm)) ?:
		      ckpt_held_find(held, nr, READ_ONCE(p->files)) ?:
		      ckpt_held_find(held, nr, READ_ONCE(p->fs)) ?:
		      ckpt_held_find(held, nr, rcu_access_pointer(p->sighand));
		/* The tasks of the tree, and their threads, meet their own. */
		if (hit && !same_thread_group(hit->task, p) && !ckpt_in_tree(tree, p)) {
			other = task_pid_vnr(p);
			goto found;
		}
		hit = NULL;
	}
found:
	rcu_read_unlock();
	if (hit && other)
		ret = ckpt_err(ctx, -EOPNOTSUPP,
			       "pid %d shares its %s with pid %d outside the tree, not supported",
			       hit->pid, hit->what, other);
	else if (hit)
		ret = ckpt_err(ctx, -EOPNOTSUPP,
			       "pid %d shares its %s with a task outside the tree and its pid namespace, not supported",
			       hit->pid, hit->what);
	else
		ret = 0;
	kvfree(held);
	return ret;
}

/**
 * ckpt_check_external() - refuse a tree that shares objects with others
 * @ctx: checkpoint context, with the tree collected and every task quiet
 * @written: the tree is written: the object hash holds its files
 *
 * Return: 0, or -EOPNOTSUPP after a line naming the task and the object.
 */
int ckpt_check_external(struct ckpt_ctx *ctx, bool written)
{
	struct ckpt_tree *tree = ctx->tree;
	struct ckpt_uses *uses;
	struct ckpt_use *u, *tmp;
	unsigned int i, max = 2 * tree->nr;
	int ret;

	ret = ckpt_check_tables(ctx, tree);
	if (ret)
		return ret;
	uses = kzalloc(sizeof(*uses), GFP_KERNEL);
	if (!uses)
		return -ENOMEM;
	INIT_LIST_HEAD(&uses->file_list);
	INIT_LIST_HEAD(&uses->pipe_list);
	INIT_LIST_HEAD(&uses->data_list);
	uses->own[0] = get_pipe_info(ctx->file, false);
	if (ctx->logfile)
		uses->own[1] = get_pipe_info(ctx->logfile, false);
	uses->walked = kvcalloc(max, sizeof(*uses->walked), GFP_KERNEL);
	ret = uses->walked ? 0 : -ENOMEM;
	/* A thread's files and mm are its main thread's. */
	for (i = 0; !ret && i < tree->nr; i++)
		if (!(tree->tasks[i].e.flags &
		      (CKPT_TREE_TASK_ZOMBIE | CKPT_TREE_TASK_THREAD)))
			ret = ckpt_use_task(ctx, uses, tree->tasks[i].task, max);
	if (!ret)
		ret = ckpt_uses_compare(ctx, uses, written);

	list_for_each_entry_safe(u, tmp, &uses->pipe_list, list)
		kfree(u);
	list_for_each_entry_safe(u, tmp, &uses->data_list, list)
		kfree(u);
	list_for_each_entry_safe(u, tmp, &uses->file_list, list) {
		fput(u->file);
		kfree(u);
	}
	ckpt_ptr_table_free(&uses->files);
	ckpt_ptr_table_free(&uses->pipes);
	ckpt_ptr_table_free(&uses->data);
	kvfree(uses->walked);
	kfree(uses);
	return ret;
}
