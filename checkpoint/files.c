// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of open files: the descriptor table, the FILE record
 * of each file behind it (written once, see objhash.c), and the file
 * system context (working and root directories, umask).
 *
 * Each kind of file is one &struct ckpt_file_ops in a file of its own
 * (file_regular.c, file_pipe.c, file_shmem.c, file_ghost.c, file_eventfd.c,
 * file_signalfd.c, file_timerfd.c), listed in
 * ckpt_file_kinds[]: here are the fields every FILE record has, the
 * dispatch to the kinds, and the refusal of a file no kind takes, with a
 * line that names the descriptor and what the file is.
 */

#include <linux/cred.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/fdtable.h>
#include <linux/filelock.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/kdev_t.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/net.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/sock.h>

#include "internal.h"

/* Open flags a FILE record may carry. */
#define CKPT_FILE_FLAGS	(O_ACCMODE | O_APPEND | O_NONBLOCK | O_DSYNC | \
			 __O_SYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY | \
			 O_NOFOLLOW | O_NOATIME | O_PATH)

/**
 * ckpt_share_free() - drop a table restart shared between tasks
 * @ptr: the &struct ckpt_share
 */
void ckpt_share_free(void *ptr)
{
	struct ckpt_share *s = ptr;
	bool last = false;

	if (s->files)
		put_files_struct(s->files);
	if (s->fs) {
		spin_lock(&s->fs->lock);
		last = !--s->fs->users;
		spin_unlock(&s->fs->lock);
		if (last)
			free_fs_struct(s->fs);
	}
	kfree(s);
}

/*
 * The table a FILES or FS record names by @objref (0 in images that had no
 * reference): a new reference is a table met for the first time, an old
 * one a table an earlier task of the tree shares.
 */
static int ckpt_share_read(struct ckpt_ctx *ctx, u32 objref, enum ckpt_obj_type type,
			   struct ckpt_share **share)
{
	struct ckpt_share *s;
	int ret;

	*share = NULL;
	if (!objref)
		return 0;
	if (objref <= ctx->last_objref) {
		s = ckpt_obj_fetch(ctx, objref, type);
		if (IS_ERR(s))
			return PTR_ERR(s);
		if (s->first == ctx->rst)
			return ckpt_err(ctx, -EINVAL, "object %u named twice by a task", objref);
		s->users++;
		*share = s;
		return 0;
	}
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	mutex_init(&s->lock);
	s->first = ctx->rst;
	s->users = 1;
	ret = ckpt_obj_insert(ctx, objref, s, type);
	if (!ret)
		*share = s;
	return ret;
}

/**
 * ckpt_write_fs() - write the FS record of a task
 * @ctx: checkpoint context
 * @t: the task
 *
 * Return: 0 or a negative errno.
 */
int ckpt_write_fs(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct path cwd, root, my_root;
	const char *cwd_name, *root_name = "/";
	struct ckpt_hdr_fs *h;
	struct fs_struct *fs;
	char *buf;
	u32 cwd_len, root_len, umask;
	int ret, objref;

	task_lock(t);
	fs = t->fs;
	if (!fs) {
		task_unlock(t);
		return ckpt_err(ctx, -ESRCH, "pid %d is exiting", task_pid_vnr(t));
	}
	get_fs_root(t->fs, &root);
	get_fs_pwd(t->fs, &cwd);
	umask = t->fs->umask;
	task_unlock(t);
	get_fs_root(current->fs, &my_root);

	buf = kmalloc(2 * PATH_MAX, GFP_KERNEL);
	h = kzalloc(sizeof(*h) + 2 * PATH_MAX, GFP_KERNEL);
	ret = -ENOMEM;
	if (!buf || !h)
		goto out;
	ret = ckpt_path_name(ctx, &cwd, buf, PATH_MAX, &cwd_name);
	if (ret) {
		ret = ckpt_err(ctx, ret == -ENOENT ? -EOPNOTSUPP : ret,
			       "pid %d's working directory is deleted or out of reach",
			       task_pid_vnr(t));
		goto out;
	}
	if (!path_equal(&root, &my_root)) {
		ret = ckpt_path_name(ctx, &root, buf + PATH_MAX, PATH_MAX, &root_name);
		if (ret) {
			ret = ckpt_err(ctx, ret == -ENOENT ? -EOPNOTSUPP : ret,
				       "pid %d's root directory is out of reach",
				       task_pid_vnr(t));
			goto out;
		}
	}
	/* Tasks that share it (CLONE_FS) name it by one reference. */
	objref = ckpt_obj_lookup(ctx, fs) ?: ckpt_obj_add(ctx, fs, CKPT_OBJ_FS);
	if (objref < 0) {
		ret = objref;
		goto out;
	}
	cwd_len = strlen(cwd_name) + 1;
	root_len = strlen(root_name) + 1;
	h->objref = objref;
	h->umask = umask;
	h->cwd_len = cwd_len;
	h->root_len = root_len;
	memcpy(h->paths, cwd_name, cwd_len);
	memcpy(h->paths + cwd_len, root_name, root_len);
	ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_FS, sizeof(*h) + cwd_len + root_len);
out:
	kfree(h);
	kfree(buf);
	path_put(&cwd);
	path_put(&root);
	path_put(&my_root);
	return ret;
}

/* Look up a directory of the image, as the caller. */
static int ckpt_lookup_dir(struct ckpt_ctx *ctx, const char *name,
			   const char *what, struct path *path)
{
	int ret = kern_path(name, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, path);

	if (ret)
		return ckpt_err(ctx, ret, "cannot find the %s directory %s (error %d)",
				what, name, ret);
	ret = path_permission(path, MAY_EXEC | MAY_CHDIR);
	if (ret)
		return ckpt_err(ctx, ret, "no permission to use %s as %s directory",
				name, what);
	return 0;
}

/**
 * ckpt_read_fs() - read the FS record and look up its directories
 * @ctx: restart context
 *
 * A root directory other than the caller's needs CAP_SYS_CHROOT.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_read_fs(struct ckpt_ctx *ctx)
{
	struct ckpt_restart_state *rst = ctx->rst;
	struct ckpt_hdr_fs *h;
	struct path my_root;
	const char *root;
	bool same;
	int ret;

	h = ckpt_read_var(ctx, CKPT_HDR_FS, sizeof(*h) + 4, sizeof(*h) + 2 * PATH_MAX);
	if (IS_ERR(h))
		return PTR_ERR(h);
	ret = -EINVAL;
	if (h->umask & ~0777 ||
	    h->cwd_len < 2 || h->root_len < 2 ||
	    (u64)h->cwd_len + h->root_len != h->h.len - sizeof(*h) ||
	    strnlen(h->paths, h->cwd_len) != h->cwd_len - 1 ||
	    strnlen(h->paths + h->cwd_len, h->root_len) != h->root_len - 1 ||
	    h->paths[0] != '/' || h->paths[h->cwd_len] != '/') {
		ret = ckpt_err(ctx, -EINVAL, "malformed fs record");
		goto out;
	}
	ret = ckpt_share_read(ctx, h->objref, CKPT_OBJ_FS, &rst->fs_share);
	if (ret)
		goto out;
	rst->umask = h->umask;
	root = h->paths + h->cwd_len;
	ret = ckpt_lookup_dir(ctx, root, "root", &rst->root);
	if (ret)
		goto out;
	get_fs_root(current->fs, &my_root);
	same = path_equal(&my_root, &rst->root);
	path_put(&my_root);
	if (!same && !ns_capable(current_user_ns(), CAP_SYS_CHROOT)) {
		ret = ckpt_err(ctx, -EPERM,
			       "the image's root directory %s needs CAP_SYS_CHROOT", root);
		goto out;
	}
	ret = ckpt_lookup_dir(ctx, h->paths, "working", &rst->cwd);
out:
	kvfree(h);
	return ret;
}

/**
 * ckpt_restore_fs() - give current the directories and umask read
 * @ctx: restart context, past the point of no return
 */
void ckpt_restore_fs(struct ckpt_ctx *ctx)
{
	struct ckpt_restart_state *rst = ctx->rst;
	struct ckpt_share *s = rst->fs_share;
	struct fs_struct *fs;
	bool last;

	if (s) {
		mutex_lock(&s->lock);
		if (s->fs) {
			/* Another task built it: take it in place of ours. */
			fs = s->fs;
			/* The last one takes the user held here. */
			if (++s->taken == s->users) {
				s->fs = NULL;
			} else {
				spin_lock(&fs->lock);
				fs->users++;
				spin_unlock(&fs->lock);
			}
			task_lock(current);
			swap(current->fs, fs);
			spin_lock(&fs->lock);
			last = !--fs->users;
			spin_unlock(&fs->lock);
			task_unlock(current);
			mutex_unlock(&s->lock);
			if (last)
				free_fs_struct(fs);
			return;
		}
	}
	/* From the record of the first task that names it. */
	if (s)
		rst = s->first;
	set_fs_root(current->fs, &rst->root);
	set_fs_pwd(current->fs, &rst->cwd);
	current->fs->umask = rst->umask;
	if (s && ++s->taken < s->users) {
		fs = current->fs;
		spin_lock(&fs->lock);
		fs->users++;
		spin_unlock(&fs->lock);
		s->fs = fs;
	}
	if (s)
		mutex_unlock(&s->lock);
}

/**
 * ckpt_file_name() - what the kernel calls a file, for the log
 * @file: the file
 * @buf: room for the name
 * @size: size of @buf
 *
 * Return: "net:[4026531840]", "anon_inode:[eventpoll]", "socket:[123]", or
 * the file's path, in @buf.
 */
const char *ckpt_file_name(struct file *file, char *buf, int size)
{
	char *p = d_path(&file->f_path, buf, size);

	return IS_ERR(p) ? "(no name)" : p;
}

/* A socket's address family, for the log. */
static const char *ckpt_socket_kind(struct file *file)
{
#ifdef CONFIG_NET
	struct socket *sock = sock_from_file(file);

	if (!sock || !sock->sk)
		return "a socket";
	switch (sock->sk->sk_family) {
	case AF_UNIX:
		return "a unix socket";
	case AF_INET:
		return "an IPv4 socket";
	case AF_INET6:
		return "an IPv6 socket";
	case AF_NETLINK:
		return "a netlink socket";
	case AF_PACKET:
		return "a packet socket";
	}
#endif
	return "a socket";
}

/* The s_magic of the mqueue file system, private to ipc/mqueue.c. */
#define CKPT_MQUEUE_MAGIC	0x19800202

/*
 * The kinds of open files, in the order they are tried at checkpoint: the
 * kernel's shared memory objects and pipes before the files reopened by
 * path, which only match what restart can reopen.
 */
static const struct ckpt_file_ops *const ckpt_file_kinds[] = {
	&ckpt_file_memfd_ops,
	&ckpt_file_shmem_ops,
	&ckpt_file_pipe_ops,
	&ckpt_file_fifo_ops,
#ifdef CONFIG_EVENTFD
	&ckpt_file_eventfd_ops,
#endif
#ifdef CONFIG_SIGNALFD
	&ckpt_file_signalfd_ops,
#endif
#ifdef CONFIG_TIMERFD
	&ckpt_file_timerfd_ops,
#endif
#ifdef CONFIG_EPOLL
	&ckpt_file_epoll_ops,
#endif
#ifdef CONFIG_INOTIFY_USER
	&ckpt_file_inotify_ops,
#endif
#if IS_BUILTIN(CONFIG_UNIX)
	&ckpt_file_unix_ops,
#endif
#if IS_BUILTIN(CONFIG_INET)
	&ckpt_file_inet_ops,
#endif
#ifdef CONFIG_TTY
	&ckpt_file_tty_inherited_ops,
	&ckpt_file_pty_ops,
#endif
	&ckpt_file_ghost_ops,
	&ckpt_file_regular_ops,
	&ckpt_file_dir_ops,
	&ckpt_file_chr_ops,
};

/*
 * @file matched no kind: refuse it with a line that says what it is.
 * Return: -EOPNOTSUPP.
 */
static int ckpt_file_refused(struct ckpt_ctx *ctx, struct file *file,
			     const char *who)
{
	struct inode *inode = file_inode(file);
	umode_t mode = inode->i_mode;
	unsigned long magic = inode->i_sb->s_magic;
	char name[64], *buf;

	if (ckpt_is_internal_shmem(file))
		return ckpt_err(ctx, -EOPNOTSUPP, "%s is SysV shared memory", who);
	if (S_ISSOCK(mode))
		return ckpt_err(ctx, -EOPNOTSUPP, "%s is %s (%s), not supported", who,
				ckpt_socket_kind(file),
				ckpt_file_name(file, name, sizeof(name)));
	if (magic == NSFS_MAGIC)
		return ckpt_err(ctx, -EOPNOTSUPP, "%s is a namespace file (%s), not supported",
				who, ckpt_file_name(file, name, sizeof(name)));
	if (magic == ANON_INODE_FS_MAGIC)
		return ckpt_err(ctx, -EOPNOTSUPP, "%s is an %s file, not supported", who,
				ckpt_file_name(file, name, sizeof(name)));
	if (magic == CKPT_MQUEUE_MAGIC)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s is a POSIX message queue (%s), not supported",
				who, ckpt_file_name(file, name, sizeof(name)));
	if (file->f_path.mnt->mnt_sb->s_flags & SB_KERNMOUNT)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s is a kernel-internal file (%s, file system %#lx), not supported",
				who, ckpt_file_name(file, name, sizeof(name)), magic);
	if (ckpt_is_own_proc_file(ctx, file)) {
		buf = kmalloc(PATH_MAX, GFP_KERNEL);
		ckpt_err(ctx, -EOPNOTSUPP,
			 "%s is %s, a /proc file of the process itself, not supported",
			 who, buf ? ckpt_file_name(file, buf, PATH_MAX) : "a file");
		kfree(buf);
		return -EOPNOTSUPP;
	}
	if (S_ISCHR(mode))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s is a character device %u:%u, not supported",
				who, imajor(inode), iminor(inode));
	return ckpt_err(ctx, -EOPNOTSUPP, "%s is a file of type %#o, not supported",
			who, mode & S_IFMT);
}

/* The kind of @file, or an ERR_PTR() after a line saying why it is refused. */
static const struct ckpt_file_ops *ckpt_file_kind(struct ckpt_ctx *ctx,
						  struct file *file, const char *who)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ckpt_file_kinds); i++)
		if (ckpt_file_kinds[i]->match(ctx, file))
			return ckpt_file_kinds[i];
	return ERR_PTR(ckpt_file_refused(ctx, file, who));
}

/**
 * ckpt_next_file() - the next open file of a task's descriptor table
 * @t: the task
 * @fd: in, the first descriptor to look at; out, the one found
 *
 * Return: the file of the lowest open descriptor of @t from *@fd on,
 * referenced, or NULL when there is none.
 */
struct file *ckpt_next_file(struct task_struct *t, unsigned int *fd)
{
	struct file *file;

	rcu_read_lock();
	file = task_lookup_next_fdget_rcu(t, fd);
	rcu_read_unlock();
	return file;
}

/**
 * ckpt_tree_find_file() - a file a descriptor of the tree holds
 * @ctx: checkpoint context, the tree collected and quiet
 * @match: is this the file?  Called without locks.
 * @arg: its argument
 *
 * Return: the first file of a descriptor of a live task of the tree that
 * @match takes, referenced, or NULL.
 */
struct file *ckpt_tree_find_file(struct ckpt_ctx *ctx,
				 bool (*match)(struct file *file, void *arg), void *arg)
{
	struct ckpt_tree *tree = ctx->tree;
	unsigned int i, fd;
	struct file *f;

	for (i = 0; i < tree->nr; i++) {
		struct task_struct *t = tree->tasks[i].task;

		/* A thread's table is its main thread's. */
		if (tree->tasks[i].e.flags & (CKPT_TREE_TASK_ZOMBIE | CKPT_TREE_TASK_THREAD))
			continue;
		for (fd = 0; (f = ckpt_next_file(t, &fd)); fd++) {
			if (match(f, arg))
				return f;
			fput(f);
			cond_resched();
		}
	}
	return NULL;
}

static bool ckpt_same_file(struct file *file, void *arg)
{
	return file == arg;
}

/**
 * ckpt_tree_has_file() - does a descriptor of the tree hold a file?
 * @ctx: checkpoint context, the tree collected and quiet
 * @file: the file
 *
 * Return: true if a descriptor of a live task of the tree is @file.
 */
bool ckpt_tree_has_file(struct ckpt_ctx *ctx, struct file *file)
{
	struct file *f = ckpt_tree_find_file(ctx, ckpt_same_file, file);

	if (f)
		fput(f);
	return f;
}

/**
 * ckpt_owner_in_tree() - the pid of the image that names a struct pid
 * @ctx: checkpoint context, the tree collected
 * @pid: the owner of a file, or the process that made a socket
 * @type: its pid type
 *
 * Return: its number in the image: a task of the tree, or (PIDTYPE_PGID)
 * the process group of one; 0 if none is, -1 for a thread of the tree
 * other than a main thread.
 */
pid_t ckpt_owner_in_tree(struct ckpt_ctx *ctx, struct pid *pid, enum pid_type type)
{
	struct ckpt_tree *tree = ctx->tree;
	pid_t nr = 0;
	unsigned int i;

	if (!tree)
		return 0;
	rcu_read_lock();
	for (i = 0; i < tree->nr && !nr; i++) {
		struct ckpt_tree_member *m = &tree->tasks[i];

		if (type == PIDTYPE_PGID && task_pgrp(m->task) == pid)
			nr = m->e.pgid;
		else if (type != PIDTYPE_PGID && task_pid(m->task) == pid)
			nr = m->e.flags & CKPT_TREE_TASK_THREAD ? -1 : m->e.pid;
	}
	rcu_read_unlock();
	return nr;
}

/*
 * The owner of @file (F_SETOWN, F_SETOWN_EX) and its F_SETSIG signal, into
 * @h: an owner that is the target itself, another task of the tree (or the
 * process group of one) is saved, a dead one reads as none, as F_GETOWN
 * shows it; any other is refused.  With @ids, the ids F_SETOWN recorded
 * (its caller's, which sigio_perm() checks) must be those of ctx->task,
 * whose credentials restart sets them from.
 */
static int ckpt_write_owner(struct ckpt_ctx *ctx, struct file *file,
			    const char *who, struct ckpt_hdr_file *h, bool ids)
{
	struct task_struct *t = ctx->task;
	struct fown_struct *o = file_f_owner(file);
	struct pid *owner = NULL;
	bool self = false, same_ids = true;
	pid_t nr = 0, in_tree = 0;
	enum pid_type type;

	h->fown_type = F_OWNER_TID;
	if (!o)
		return 0;
	read_lock_irq(&o->lock);
	rcu_read_lock();
	type = o->pid_type;
	h->fown_signum = o->signum;
	if (o->pid && pid_task(o->pid, type)) {
		const struct cred *cred = __task_cred(t);

		owner = get_pid(o->pid);
		self = o->pid == (type == PIDTYPE_PGID ? task_pgrp(t) : task_pid(t));
		nr = pid_vnr(o->pid);
		same_ids = uid_eq(o->uid, cred->uid) && uid_eq(o->euid, cred->euid);
	}
	rcu_read_unlock();
	read_unlock_irq(&o->lock);

	switch (type) {
	case PIDTYPE_PID:
		h->fown_type = F_OWNER_TID;
		break;
	case PIDTYPE_TGID:
		h->fown_type = F_OWNER_PID;
		break;
	case PIDTYPE_PGID:
		h->fown_type = F_OWNER_PGRP;
		break;
	default:
		put_pid(owner);
		return ckpt_err(ctx, -EOPNOTSUPP, "%s has an owner of pid type %d, not supported",
				who, type);
	}
	if (self) {
		h->fown_flags = CKPT_FOWN_SELF;
	} else if (owner) {
		in_tree = ckpt_owner_in_tree(ctx, owner, type);
		h->fown_pid = max(in_tree, 0);
		h->fown_flags = CKPT_FOWN_TREE;
	}
	put_pid(owner);
	if (in_tree < 0)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s is owned (F_SETOWN_EX) by thread %d, not a main thread, not supported",
				who, nr);
	if (owner && !self && !h->fown_pid)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s is owned (F_SETOWN) by %s %d, outside the tree, not supported",
				who, type == PIDTYPE_PGID ? "process group" : "pid", nr);
	if (ids && !same_ids)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s: its owner was set (F_SETOWN) by other user ids than pid %d's, not supported",
				who, task_pid_vnr(t));
	return 0;
}

/**
 * ckpt_check_file() - the kind of a file, if it and its state can be saved
 * @ctx: checkpoint context
 * @file: a file of the tree
 * @who: what holds it, for the line ("pid 5 fd 3")
 *
 * Return: its kind, or an ERR_PTR() after a line if it, one of its locks
 * or its O_ASYNC is refused.
 */
const struct ckpt_file_ops *ckpt_check_file(struct ckpt_ctx *ctx, struct file *file,
					    const char *who)
{
	const struct ckpt_file_ops *ops = ckpt_file_kind(ctx, file, who);
	int ret;

	if (IS_ERR(ops))
		return ops;
	ret = ops->check ? ops->check(ctx, file, who) : 0;
	if (ret)
		return ERR_PTR(ret);
	/* Before O_ASYNC: a lease sets it on its file, for its SIGIO. */
	ret = ckpt_check_locks(ctx, file, who);
	if (!ret && file->f_flags & FASYNC && !(file->f_op->fasync && ops->fasync))
		ret = ckpt_err(ctx, -EOPNOTSUPP,
			       "%s uses O_ASYNC, whose signals this kind of file keeps out of reach, not supported",
			       who);
	return ret ? ERR_PTR(ret) : ops;
}

/**
 * ckpt_check_files() - refuse, before anything is written, a descriptor
 * of a task whose file cannot be saved
 * @ctx: checkpoint context, @ctx->task = @t
 * @t: a live task of the tree, quiet
 *
 * The checks ckpt_write_file_obj() makes of the file of each descriptor
 * it writes: its kind, its locks, its O_ASYNC, an owner outside the tree.
 * Those its writing finds (its data, its path) still come later.
 *
 * Return: 0, or -EOPNOTSUPP after a line naming @t and the descriptor.
 */
int ckpt_check_files(struct ckpt_ctx *ctx, struct task_struct *t)
{
	const struct ckpt_file_ops *ops;
	struct ckpt_hdr_file h;
	struct file *file;
	unsigned int fd;
	char who[40];
	int ret = 0;

	for (fd = 0; (file = ckpt_next_file(t, &fd)); fd++) {
		/* Not written: see ckpt_write_files(). */
		if (ckpt_fd_inherited(ctx, t, fd, file) >= 0 ||
		    (same_thread_group(t, current) && file == ctx->file)) {
			fput(file);
			continue;
		}
		snprintf(who, sizeof(who), "pid %d fd %u", task_pid_vnr(t), fd);
		ops = ckpt_check_file(ctx, file, who);
		ret = PTR_ERR_OR_ZERO(ops);
		if (!ret) {
			memset(&h, 0, sizeof(h));
			ret = ckpt_write_owner(ctx, file, who, &h, false);
		}
		fput(file);
		if (ret)
			break;
	}
	return ret;
}

/* The descriptor in @file's entry of the fasync list at @head, or -1. */
static int ckpt_fasync_fd(struct fasync_struct **head, struct file *file)
{
	struct fasync_struct *fa;
	int fd = -1;

	rcu_read_lock();
	for (fa = rcu_dereference(*head); fa && fd < 0; fa = rcu_dereference(fa->fa_next)) {
		read_lock_irq(&fa->fa_lock);
		if (fa->fa_file == file)
			fd = fa->fa_fd;
		read_unlock_irq(&fa->fa_lock);
	}
	rcu_read_unlock();
	return fd;
}

/*
 * The FILE_ASYNC record of @file, if it has O_ASYNC: the descriptor its
 * kind's ->fasync() was given, which its SIGIO signals carry in si_fd.
 */
static int ckpt_write_file_async(struct ckpt_ctx *ctx, struct file *file,
				 const struct ckpt_file_ops *ops, const char *who,
				 u32 objref)
{
	struct ckpt_hdr_file_async a = { .file_ref = objref };

	BUILD_BUG_ON(sizeof(a) != 16);
	/* Set with the entry; ckpt_check_file() checked ops->fasync. */
	if (!(READ_ONCE(file->f_flags) & FASYNC))
		return 0;
	a.fd = ckpt_fasync_fd(ops->fasync(file), file);
	/* Only a process outside the tree can have changed it. */
	if (a.fd < 0)
		return ckpt_err(ctx, -EBUSY, "%s: its O_ASYNC changed while it was saved", who);
	return ckpt_write_obj(ctx, &a.h, CKPT_HDR_FILE_ASYNC, sizeof(a));
}

/**
 * ckpt_write_file_obj() - write the FILE record of a file, once
 * @ctx: checkpoint context
 * @file: the file
 * @who: what holds it, for the log ("fd 5")
 * @objref: set to its object reference
 *
 * The fields every kind has are filled here, the others by the kind's
 * &struct ckpt_file_ops.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_write_file_obj(struct ckpt_ctx *ctx, struct file *file,
			const char *who, u32 *objref)
{
	struct inode *inode = file_inode(file);
	const struct ckpt_file_ops *ops;
	struct ckpt_file_rec r = { .who = who };
	struct ckpt_hdr_file *h;
	struct timespec64 mtime;
	int ret;

	BUILD_BUG_ON(sizeof(*h) != 112);
	*objref = ckpt_obj_lookup(ctx, file);
	if (*objref)
		return 0;
	ops = ckpt_check_file(ctx, file, who);
	if (IS_ERR(ops))
		return PTR_ERR(ops);

	r.buf = kmalloc(PATH_MAX, GFP_KERNEL);
	h = kzalloc(sizeof(*h) + PATH_MAX, GFP_KERNEL);
	r.h = h;
	ret = -ENOMEM;
	if (!r.buf || !h)
		goto out;
	/* The fields every kind has, read once: a kind may use them. */
	h->type = ops->type;
	h->rdev = new_encode_dev(inode->i_rdev);
	h->f_flags = file->f_flags & CKPT_FILE_FLAGS;
	if (file->f_mode & FMODE_PATH)
		h->f_flags |= O_PATH;
	h->mode = inode->i_mode;
	h->pos = file->f_pos;
	h->size = i_size_read(inode);
	h->dev = new_encode_dev(inode->i_sb->s_dev);
	h->ino = inode->i_ino;
	mtime = inode_get_mtime(inode);
	h->mtime_sec = mtime.tv_sec;
	h->mtime_nsec = mtime.tv_nsec;
	r.name = "";
	ret = ops->checkpoint(ctx, file, &r);
	if (!ret)
		ret = ckpt_write_owner(ctx, file, who, h, true);
	if (ret)
		goto out;
	ret = ckpt_obj_add(ctx, file, CKPT_OBJ_FILE);
	if (ret < 0)
		goto out;
	h->objref = ret;
	h->path_len = strlen(r.name) + 1;
	memmove(h->path, r.name, h->path_len);
	ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_FILE, sizeof(*h) + h->path_len);
	if (!ret && ops->checkpoint_after)
		ret = ops->checkpoint_after(ctx, file, &r);
	if (!ret)
		ret = ckpt_write_file_locks(ctx, file, h->objref);
	if (!ret)
		ret = ckpt_write_file_async(ctx, file, ops, who, h->objref);
	if (!ret)
		*objref = h->objref;
out:
	kvfree(r.walk.addr);
	kvfree(r.priv);
	kfree(h);
	kfree(r.buf);
	return ret;
}

/*
 * Status flags a file re-created or reopened gets from its record, as
 * open(2) or fcntl(F_SETFL) would set them.  O_DIRECT comes with the
 * open of a file reopened by path, and is refused on the others.
 */
#define CKPT_STATUS_FLAGS	(O_APPEND | O_NONBLOCK | O_DSYNC | __O_SYNC | \
				 O_NOATIME | O_LARGEFILE)

/**
 * ckpt_open_again() - another open of a file restart created (a pipe, a
 * memfd): a struct file of its own, as an open of /proc/self/fd/N gives
 * @ctx: restart context
 * @first: the file created
 * @f_flags: the open flags of the new file's record
 *
 * Return: the new file, or an ERR_PTR() after a log line.
 */
struct file *ckpt_open_again(struct ckpt_ctx *ctx, struct file *first,
			     u32 f_flags)
{
	int flags = (f_flags & (O_ACCMODE | CKPT_STATUS_FLAGS)) | O_NONBLOCK | O_NOCTTY;
	struct file *file = dentry_open(&first->f_path, flags, current_cred());

	if (IS_ERR(file))
		ckpt_err(ctx, PTR_ERR(file), "cannot open %pD again (error %ld)",
			 first, PTR_ERR(file));
	return file;
}

static int ckpt_set_flags(struct ckpt_ctx *ctx, struct file *file, u32 f_flags)
{
	struct inode *inode = file_inode(file);

	if ((f_flags ^ file->f_flags) & O_DIRECT)
		return ckpt_err(ctx, -EINVAL, "cannot give %pD O_DIRECT", file);
	if ((f_flags ^ file->f_flags) & O_NOATIME &&
	    !inode_owner_or_capable(file_mnt_idmap(file), inode))
		return ckpt_err(ctx, -EPERM, "no permission to give %pD O_NOATIME", file);
	spin_lock(&file->f_lock);
	file->f_flags = (file->f_flags & ~CKPT_STATUS_FLAGS) | (f_flags & CKPT_STATUS_FLAGS);
	spin_unlock(&file->f_lock);
	return 0;
}

/* The kinds a kernel may be built without (a Kconfig option each). */
static const char *const ckpt_file_optional[] = {
	[CKPT_FILE_EVENTFD] = "an eventfd",
	[CKPT_FILE_PTY] = "a pty",
	[CKPT_FILE_TTY_INHERITED] = "a terminal",
	[CKPT_FILE_SIGNALFD] = "a signalfd",
	[CKPT_FILE_TIMERFD] = "a timerfd",
	[CKPT_FILE_EPOLL] = "an epoll instance",
	[CKPT_FILE_UNIX] = "a unix socket",
	[CKPT_FILE_INET] = "a TCP or UDP socket",
	[CKPT_FILE_INOTIFY] = "an inotify instance",
};

/* Is @nr, the owner of a file of type @type, a task or group of the tree? */
static bool ckpt_owner_known(struct ckpt_ctx *ctx, pid_t nr, enum pid_type type)
{
	struct ckpt_tree *tree = ctx->tree;
	unsigned int i;

	if (!tree || tree->no_pids || nr <= 0)
		return false;
	for (i = 0; i < tree->nr; i++) {
		const struct ckpt_tree_task *e = &tree->tasks[i].e;

		/* A thread is created after the owners are set: not one. */
		if (type == PIDTYPE_PGID ? e->pgid == nr :
		    e->pid == nr && !(e->flags & CKPT_TREE_TASK_THREAD))
			return true;
	}
	return false;
}

/* Set the owner of @file once every task exists: ckpt_restore_owners(). */
/* @file's owner, or @sk's maker, is task @nr of the image, once it exists. */
static int ckpt_add_owner(struct ckpt_ctx *ctx, struct file *file, struct sock *sk,
			  enum pid_type type, pid_t nr)
{
	struct ckpt_owner *o;

	o = krealloc_array(ctx->rst->owners, ctx->rst->nr_owners + 1,
			   sizeof(*o), GFP_KERNEL);
	if (!o)
		return -ENOMEM;
	ctx->rst->owners = o;
	o += ctx->rst->nr_owners++;
	o->file = file ? get_file(file) : NULL;
	o->sk = sk;
	if (sk)
		sock_hold(sk);
	o->type = type;
	o->nr = nr;
	return 0;
}

/**
 * ckpt_restore_peer_pid() - make a restored task the process a unix
 * socket names as the one that made it (SO_PEERCRED), once it exists
 * @ctx: restart context
 * @sk: the socket
 * @nr: the process, as the image numbers it
 *
 * Return: 0 or a negative errno, logged.
 */
int ckpt_restore_peer_pid(struct ckpt_ctx *ctx, struct sock *sk, pid_t nr)
{
	if (!ckpt_owner_known(ctx, nr, PIDTYPE_TGID))
		return ckpt_err(ctx, -EINVAL,
				"a unix socket names pid %d, which is not a process of the image",
				nr);
	return ckpt_add_owner(ctx, NULL, sk, PIDTYPE_TGID, nr);
}

/* The owner of @file and its F_SETSIG signal, from @h. */
static int ckpt_restore_owner(struct ckpt_ctx *ctx, struct file *file,
			      const struct ckpt_hdr_file *h)
{
	const struct cred *old;
	enum pid_type type;
	int ret;

	switch (h->fown_type) {
	case F_OWNER_TID:
		type = PIDTYPE_PID;
		break;
	case F_OWNER_PID:
		type = PIDTYPE_TGID;
		break;
	case F_OWNER_PGRP:
		type = PIDTYPE_PGID;
		break;
	default:
		return -EINVAL;
	}
	if (h->fown_flags & ~(CKPT_FOWN_SELF | CKPT_FOWN_TREE) ||
	    h->fown_flags == (CKPT_FOWN_SELF | CKPT_FOWN_TREE) ||
	    !valid_signal(h->fown_signum))
		return -EINVAL;
	if (h->fown_flags & CKPT_FOWN_TREE ? !ckpt_owner_known(ctx, h->fown_pid, type) :
	    h->fown_pid)
		return -EINVAL;
	/* What a file has before F_SETOWN or F_SETSIG. */
	if (type == PIDTYPE_PID && !h->fown_flags && !h->fown_signum)
		return 0;
	if (!ctx->rst->cred)
		return -EINVAL;
	ret = file_f_owner_allocate(file);
	if (ret)
		return ckpt_err(ctx, ret, "cannot set the owner of file %u (error %d)",
				h->objref, ret);
	WRITE_ONCE(file_f_owner(file)->signum, h->fown_signum);
	if (h->fown_flags)
		/* Once the tasks exist: ckpt_restore_owners(). */
		return ckpt_add_owner(ctx, file, NULL, type,
				      h->fown_flags & CKPT_FOWN_TREE ? h->fown_pid : 0);
	/* No owner, its type kept; sigio_perm() would check these ids. */
	old = override_creds(ctx->rst->cred);
	__f_setown(file, NULL, type, 1);
	revert_creds(old);
	return 0;
}

/* The restored task an owner names: pid @nr of the image, 0 for current. */
static struct task_struct *ckpt_owner_task(struct ckpt_ctx *ctx, pid_t nr,
					   enum pid_type type)
{
	struct ckpt_tree *tree = ctx->tree;
	unsigned int i;

	if (!nr)
		return current;
	for (i = 0; i < tree->nr; i++) {
		struct ckpt_tree_member *m = &tree->tasks[i];

		/* Threads are created after the owners are set. */
		if (m->e.flags & CKPT_TREE_TASK_THREAD)
			continue;
		if (type == PIDTYPE_PGID ? m->e.pgid == nr : m->e.pid == nr)
			/* An image restored into the caller has no other task. */
			return m->task ?: current;
	}
	return NULL;
}

/**
 * ckpt_restore_owners() - make the restored tasks the owners of the files
 * they owned
 * @ctx: restart context, past the point of no return, in the process;
 *	the image's credentials not committed yet; every task of the tree
 *	created and in its process group
 */
void ckpt_restore_owners(struct ckpt_ctx *ctx)
{
	struct ckpt_restart_state *rst = ctx->rst;
	const struct cred *old;
	unsigned int i;

	for (i = 0; i < rst->nr_owners; i++) {
		struct ckpt_owner *o = &rst->owners[i];
		struct task_struct *t = ckpt_owner_task(ctx, o->nr, o->type);
		struct pid *pid;

		if (WARN_ON_ONCE(!t))
			continue;
		pid = get_task_pid(t, o->type == PIDTYPE_PGID ? PIDTYPE_PGID : PIDTYPE_PID);
		if (o->sk) {
			ckpt_unix_set_peer_pid(o->sk, pid);
			put_pid(pid);
			continue;
		}
		/* The owner's ids, which sigio_perm() checks, are the image's. */
		old = override_creds(rst->cred);
		__f_setown(o->file, pid, o->type, 1);
		revert_creds(old);
		put_pid(pid);
	}
}

/* The kind of FILE records of type @type in this kernel, or NULL. */
static const struct ckpt_file_ops *ckpt_file_ops_of(u32 type)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ckpt_file_kinds); i++)
		if (ckpt_file_kinds[i]->type == type)
			return ckpt_file_kinds[i];
	return NULL;
}

static int ckpt_read_file(struct ckpt_ctx *ctx, const struct ckpt_hdr *hdr)
{
	const struct ckpt_file_ops *ops;
	struct ckpt_hdr_file *h;
	struct file *file;
	int ret;

	h = ckpt_read_rest(ctx, hdr, CKPT_HDR_FILE, sizeof(*h) + 1,
			   sizeof(*h) + PATH_MAX);
	if (IS_ERR(h))
		return PTR_ERR(h);
	if (h->path_len != h->h.len - sizeof(*h) ||
	    strnlen(h->path, h->path_len) != h->path_len - 1 ||
	    h->f_flags & ~CKPT_FILE_FLAGS ||
	    (h->f_flags & O_ACCMODE) == O_ACCMODE || h->pos < 0) {
		ret = ckpt_err(ctx, -EINVAL, "malformed file record %u", h->objref);
		goto out;
	}
	ops = ckpt_file_ops_of(h->type);
	if (!ops) {
		if (h->type < ARRAY_SIZE(ckpt_file_optional) && ckpt_file_optional[h->type])
			ret = ckpt_err(ctx, -ENOEXEC, "the image has %s, which this kernel lacks",
				       ckpt_file_optional[h->type]);
		else
			ret = ckpt_err(ctx, -EINVAL, "malformed file record %u (type %u)",
				       h->objref, h->type);
		goto out;
	}
	file = ops->restart(ctx, h);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		/* A kind's check of its own fields fails with EINVAL, unlogged. */
		if (ret == -EINVAL)
			ckpt_err(ctx, ret, "malformed file record %u (type %u)",
				 h->objref, h->type);
		goto out;
	}
	ret = ckpt_set_flags(ctx, file, h->f_flags);
	if (!ret) {
		ret = ckpt_restore_owner(ctx, file, h);
		if (ret == -EINVAL)
			ckpt_err(ctx, ret, "malformed file record %u (owner)", h->objref);
	}
	if (ret) {
		fput(file);
		goto out;
	}
	ret = ckpt_obj_insert(ctx, h->objref, file, CKPT_OBJ_FILE);
out:
	kvfree(h);
	return ret;
}

/*
 * A FILE_ASYNC record: O_ASYNC on a file restart opened, as fcntl(F_SETFL)
 * sets it through the descriptor of the record, which the file's signals
 * carry: the file's ->fasync() adds its entry and sets the flag, which
 * __fput() undoes if restart fails.  The signals go to the file's owner,
 * which is set once the tasks exist.
 */
static int ckpt_read_file_async(struct ckpt_ctx *ctx, const struct ckpt_hdr *hdr)
{
	struct ckpt_hdr_file_async a;
	struct file *file;
	int ret;

	if (hdr->len != sizeof(a))
		return ckpt_err(ctx, -EINVAL, "O_ASYNC record has length %u", hdr->len);
	a.h = *hdr;
	ret = ckpt_read_payload(ctx, &a.h, sizeof(a));
	if (ret)
		return ret;
	file = ckpt_read_file_ref(ctx, a.file_ref);
	if (IS_ERR(file))
		return PTR_ERR(file);
	if (file->f_flags & FASYNC || file->f_mode & FMODE_PATH || !file->f_op->fasync ||
	    a.fd < 0)
		return ckpt_err(ctx, -EINVAL, "malformed O_ASYNC record of file %u", a.file_ref);
	ret = file->f_op->fasync(a.fd, file, 1);
	if (ret < 0)
		return ckpt_err(ctx, ret, "cannot set O_ASYNC on %pD (error %d)", file, ret);
	return 0;
}

/**
 * ckpt_read_object() - read an object record met before its first use
 * @ctx: restart context
 * @h: its header, already read
 *
 * Return: 0, -ENOENT if @h is not an object record (nothing was read
 * past it), or a negative errno.
 */
int ckpt_read_object(struct ckpt_ctx *ctx, const struct ckpt_hdr *h)
{
	switch (h->type) {
	case CKPT_HDR_FILE:
		return ckpt_read_file(ctx, h);
	case CKPT_HDR_PIPE:
		return ckpt_read_pipe(ctx, h);
#ifdef CONFIG_TTY
	case CKPT_HDR_PTY:
		return ckpt_read_pty(ctx, h);
#endif
	case CKPT_HDR_LOCK:
		return ckpt_read_lock(ctx, h);
	case CKPT_HDR_FILE_ASYNC:
		return ckpt_read_file_async(ctx, h);
#if IS_BUILTIN(CONFIG_UNIX)
	case CKPT_HDR_UNIX:
		return ckpt_read_unix(ctx, h);
#endif
	}
	return -ENOENT;
}

/**
 * ckpt_read_file_ref() - the file of an object reference
 * @ctx: restart context
 * @objref: the reference
 *
 * Return: the file, still owned by the context, or an ERR_PTR().
 */
struct file *ckpt_read_file_ref(struct ckpt_ctx *ctx, u32 objref)
{
	return ckpt_obj_fetch(ctx, objref, CKPT_OBJ_FILE);
}

/**
 * ckpt_fd_inherited() - is a descriptor one restart gives the restorer's?
 * @ctx: checkpoint context
 * @t: a task of the tree
 * @fd: its descriptor
 * @file: the open file behind it
 *
 * With %CKPT_CHECKPOINT_INHERIT_STDIO, descriptors 0 to 2 of the root,
 * whatever they are, and every other descriptor of the tree that is the
 * same open file as one of them (a dup(2) of it, a child's copy): it gets
 * the restorer's descriptor of that number, the same number if it can.  A
 * pipe between two tasks of the tree on another task's 0 or 1 is the
 * tree's own and saved.
 *
 * Return: the restorer's descriptor it gets (0 to 2), or -1 if it is saved.
 */
int ckpt_fd_inherited(struct ckpt_ctx *ctx, struct task_struct *t,
		      unsigned int fd, struct file *file)
{
	struct file *root_file;
	int i;

	if (!(ctx->flags & CKPT_CHECKPOINT_INHERIT_STDIO))
		return -1;
	if (t == ctx->root_task && fd <= 2)
		return fd;
	for (i = -1; i <= 2; i++) {
		/* Its own number first. */
		unsigned int k = i < 0 ? fd : i;

		if (k > 2 || (i >= 0 && k == fd))
			continue;
		root_file = fget_task(ctx->root_task, k);
		if (root_file)
			fput(root_file);
		if (root_file == file)
			return k;
	}
	return -1;
}

/*
 * Is descriptor @i of @fds, of task @t, the first saved one of its inode,
 * which has POSIX locks?  The POSIX locks of a process are written once
 * an inode.
 */
static bool ckpt_first_of_locked_inode(struct ckpt_ctx *ctx, struct task_struct *t,
				       const struct ckpt_fd_entry *fds, unsigned int i)
{
	struct inode *inode = file_inode(fds[i].file);
	struct file_lock_context *flctx = locks_inode_context(inode);
	unsigned int j;

	if (!flctx || list_empty_careful(&flctx->flc_posix))
		return false;
	for (j = 0; j < i; j++)
		if (file_inode(fds[j].file) == inode &&
		    ckpt_fd_inherited(ctx, t, fds[j].fd, fds[j].file) < 0)
			return false;
	return true;
}

/**
 * ckpt_write_files() - write the descriptor table of a task
 * @ctx: checkpoint context
 * @t: the task
 *
 * Return: 0 or a negative errno.
 */
int ckpt_write_files(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct ckpt_hdr_files h = { };
	struct ckpt_fd_entry *fds;
	struct files_struct *files;
	unsigned int fd, nr = 0, max;
	char who[32];
	int ret = 0, i;

	BUILD_BUG_ON(sizeof(h) != 16);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_fd) != 24);
	rcu_read_lock();
	task_lock(t);
	files = t->files;
	max = files ? files_fdtable(files)->max_fds : 0;
	task_unlock(t);
	rcu_read_unlock();
	/*
	 * Tasks that share it (CLONE_FILES) name it by one reference; its
	 * descriptors follow the first record only.
	 */
	if (files) {
		h.objref = ckpt_obj_lookup(ctx, files);
		if (h.objref)
			return ckpt_write_obj(ctx, &h.h, CKPT_HDR_FILES, sizeof(h));
		ret = ckpt_obj_add(ctx, files, CKPT_OBJ_FILES);
		if (ret < 0)
			return ret;
		h.objref = ret;
		ret = 0;
	}
	fds = kvcalloc(max ?: 1, sizeof(*fds), GFP_KERNEL);
	if (!fds)
		return -ENOMEM;

	for (fd = 0; nr < max; fd++) {
		struct file *file = ckpt_next_file(t, &fd);

		if (!file)
			break;
		rcu_read_lock();
		task_lock(t);
		fds[nr].cloexec = t->files && fd < files_fdtable(t->files)->max_fds &&
				  close_on_exec(fd, t->files);
		task_unlock(t);
		rcu_read_unlock();
		/* A self checkpoint does not save the file of its own image. */
		if (same_thread_group(t, current) && file == ctx->file &&
		    ckpt_fd_inherited(ctx, t, fd, file) < 0) {
			fput(file);
			continue;
		}
		fds[nr].fd = fd;
		fds[nr++].file = file;
	}

	h.nr_fds = nr;
	ret = ckpt_write_obj(ctx, &h.h, CKPT_HDR_FILES, sizeof(h));
	for (i = 0; i < nr && !ret; i++) {
		struct ckpt_hdr_fd f = { .fd = fds[i].fd };
		int from = ckpt_fd_inherited(ctx, t, fds[i].fd, fds[i].file);

		if (fds[i].cloexec)
			f.flags |= CKPT_FD_CLOEXEC;
		if (from >= 0) {
			f.flags |= CKPT_FD_INHERITED;
			/* 0 for its own number, as older kernels read it. */
			if (from != fds[i].fd)
				f.inherit_from = from + 1;
		} else {
			snprintf(who, sizeof(who), "fd %u", fds[i].fd);
			ret = ckpt_write_file_obj(ctx, fds[i].file, who, &f.objref);
			if (ret)
				break;
		}
		ret = ckpt_write_obj(ctx, &f.h, CKPT_HDR_FD, sizeof(f));
		if (!ret && from < 0 && ckpt_first_of_locked_inode(ctx, t, fds, i))
			ret = ckpt_write_posix_locks(ctx, files, fds[i].file, f.objref);
	}
	for (i = 0; i < nr; i++)
		fput(fds[i].file);
	kvfree(fds);
	return ret;
}

/**
 * ckpt_read_files() - read the descriptor table and open its files
 * @ctx: restart context
 *
 * Return: 0 or a negative errno.
 */
int ckpt_read_files(struct ckpt_ctx *ctx)
{
	struct ckpt_restart_state *rst = ctx->rst;
	unsigned long nofile = rst->task.rlim[RLIMIT_NOFILE].cur;
	struct ckpt_hdr_files h;
	int ret;

	ret = ckpt_read_obj(ctx, &h.h, CKPT_HDR_FILES, sizeof(h));
	if (ret)
		return ret;
	if (h.nr_fds > sysctl_nr_open || h.nr_fds > nofile)
		return ckpt_err(ctx, -EINVAL, "malformed files record (%u fds)", h.nr_fds);
	ret = ckpt_share_read(ctx, h.objref, CKPT_OBJ_FILES, &rst->files_share);
	if (ret)
		return ret;
	if (rst->files_share && rst->files_share->first != rst && h.nr_fds)
		return ckpt_err(ctx, -EINVAL,
				"the files record of a shared table has %u fds", h.nr_fds);
	rst->fds = kvcalloc(h.nr_fds ?: 1, sizeof(*rst->fds), GFP_KERNEL);
	if (!rst->fds)
		return -ENOMEM;

	while (rst->nr_fds < h.nr_fds) {
		struct ckpt_fd_entry *e = &rst->fds[rst->nr_fds];
		struct ckpt_hdr_fd f;
		struct file *file;

		ret = ckpt_read_hdr(ctx, &f.h);
		if (ret)
			return ret;
		ret = ckpt_read_object(ctx, &f.h);
		if (ret != -ENOENT) {
			if (ret)
				return ret;
			continue;
		}
		if (f.h.type != CKPT_HDR_FD || f.h.len != sizeof(f))
			return ckpt_err(ctx, -EINVAL,
					"record at offset %llu: expected an fd, a file or a pipe",
					ctx->rec_len);
		ret = ckpt_read_payload(ctx, &f.h, sizeof(f));
		if (ret)
			return ret;
		if (f.flags & ~(CKPT_FD_CLOEXEC | CKPT_FD_INHERITED) ||
		    (f.inherit_from && !(f.flags & CKPT_FD_INHERITED)) ||
		    f.fd >= nofile ||
		    (rst->nr_fds && f.fd <= rst->fds[rst->nr_fds - 1].fd))
			return ckpt_err(ctx, -EINVAL, "bad fd record (fd %u)", f.fd);
		e->fd = f.fd;
		e->cloexec = f.flags & CKPT_FD_CLOEXEC;
		if (f.flags & CKPT_FD_INHERITED) {
			unsigned int from = f.inherit_from ? f.inherit_from - 1 : f.fd;

			if (from > 2 || f.objref)
				return ckpt_err(ctx, -EINVAL,
						"fd %u cannot be inherited", f.fd);
			/* Another descriptor of the caller: taken now. */
			if (from != f.fd) {
				e->file = fget_raw(from);
				if (!e->file)
					return ckpt_err(ctx, -EBADF,
							"fd %u is the caller's fd %u, which is not open",
							f.fd, from);
			}
		} else {
			file = ckpt_read_file_ref(ctx, f.objref);
			if (IS_ERR(file))
				return PTR_ERR(file);
			e->file = get_file(file);
		}
		rst->nr_fds++;
	}
	return 0;
}

/* Make the descriptor table of current the one @rst read. */
static int ckpt_build_files(struct ckpt_restart_state *rst)
{
	bool keep[3] = { };
	unsigned int i;
	int ret;

	ret = unshare_files();
	if (ret)
		return ret;
	for (i = 0; i < rst->nr_fds; i++)
		if (!rst->fds[i].file)
			keep[rst->fds[i].fd] = true;
	for (i = 0; i < 3; i++)
		if (!keep[i])
			close_fd(i);
	__close_range(3, ~0U, 0);
	for (i = 0; i < rst->nr_fds; i++) {
		struct ckpt_fd_entry *e = &rst->fds[i];

		if (!e->file) {
			struct files_struct *files = current->files;
			struct fdtable *fdt;

			spin_lock(&files->file_lock);
			fdt = files_fdtable(files);
			if (e->fd < fdt->max_fds) {
				if (e->cloexec)
					__set_bit(e->fd, fdt->close_on_exec);
				else
					__clear_bit(e->fd, fdt->close_on_exec);
			}
			spin_unlock(&files->file_lock);
			continue;
		}
		ret = replace_fd(e->fd, e->file, e->cloexec ? O_CLOEXEC : 0);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/**
 * ckpt_restore_files() - give current the descriptor table read
 * @ctx: restart context, past the point of no return
 *
 * Every descriptor of the caller is closed but those the image inherits.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_restore_files(struct ckpt_ctx *ctx)
{
	struct ckpt_restart_state *rst = ctx->rst;
	struct ckpt_share *s = rst->files_share;
	int ret;

	if (!s) {
		ret = ckpt_build_files(rst);
		return ret ?: ckpt_restore_locks(ctx, rst);
	}
	mutex_lock(&s->lock);
	if (s->files) {
		/* Another task built it: take it in place of ours. */
		struct files_struct *files = s->files, *old;

		/* The last one takes the reference held here. */
		if (++s->taken == s->users)
			s->files = NULL;
		else
			atomic_inc(&files->count);
		task_lock(current);
		old = current->files;
		current->files = files;
		task_unlock(current);
		put_files_struct(old);
		ret = 0;
	} else {
		/* From the record of the first task that names it. */
		ret = ckpt_build_files(s->first);
		if (!ret)
			ret = ckpt_restore_locks(ctx, s->first);
		if (!ret && ++s->taken < s->users) {
			s->files = current->files;
			atomic_inc(&s->files->count);
		}
	}
	mutex_unlock(&s->lock);
	return ret;
}
