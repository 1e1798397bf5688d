// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of open files: the descriptor table, the files
 * behind it (each written once, see objhash.c), pipes with the data in
 * them, and the file system context (working and root directories,
 * umask).
 *
 * Files with a name are reopened by path with the restarting caller's
 * credentials, and must still be the same file.  Pipes are re-created
 * with their buffered data.  Any other kind of file makes checkpoint fail
 * with EOPNOTSUPP and a line naming the descriptor.
 */

#include <linux/err.h>
#include <linux/eventfd.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/kdev_t.h>
#include <linux/magic.h>
#include <linux/major.h>
#include <linux/memfd.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/net.h>
#include <linux/pid_namespace.h>
#include <linux/proc_fs.h>
#include <linux/pipe_fs_i.h>
#include <linux/rcupdate.h>
#include <linux/sched/task.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/sock.h>

#include "internal.h"

/* Open flags a FILE record may carry. */
#define CKPT_FILE_FLAGS	(O_ACCMODE | O_APPEND | O_NONBLOCK | O_DSYNC | \
			 __O_SYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY | \
			 O_NOFOLLOW | O_NOATIME | O_PATH)

/**
 * struct ckpt_pipe - a pipe re-created by restart
 * @ends: its read and write ends
 * @keeper: for a named pipe, a descriptor that keeps it open during restart
 * @size: its size
 */
struct ckpt_pipe {
	struct file *ends[2];
	struct file *keeper;
	u32 size;
};

void ckpt_pipe_free(void *ptr)
{
	struct ckpt_pipe *p = ptr;

	if (p->ends[0])
		fput(p->ends[0]);
	if (p->ends[1])
		fput(p->ends[1]);
	if (p->keeper)
		fput(p->keeper);
	kfree(p);
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
	char *buf;
	u32 cwd_len, root_len, umask;
	int ret;

	task_lock(t);
	if (!t->fs) {
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
	cwd_len = strlen(cwd_name) + 1;
	root_len = strlen(root_name) + 1;
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
	if (h->__reserved || h->umask & ~0777 ||
	    h->cwd_len < 2 || h->root_len < 2 ||
	    (u64)h->cwd_len + h->root_len != h->h.len - sizeof(*h) ||
	    strnlen(h->paths, h->cwd_len) != h->cwd_len - 1 ||
	    strnlen(h->paths + h->cwd_len, h->root_len) != h->root_len - 1 ||
	    h->paths[0] != '/' || h->paths[h->cwd_len] != '/') {
		ret = ckpt_err(ctx, -EINVAL, "malformed fs record");
		goto out;
	}
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

	set_fs_root(current->fs, &rst->root);
	set_fs_pwd(current->fs, &rst->cwd);
	current->fs->umask = rst->umask;
}

/* Write the PIPE record and the DATA records of the bytes in a pipe. */
static int ckpt_write_pipe(struct ckpt_ctx *ctx, struct pipe_inode_info *pipe,
			   const char *who, u32 *objref)
{
	struct ckpt_hdr_pipe h = { };
	struct ckpt_hdr_data *d = NULL;
	unsigned int i;
	size_t len = 0, off;
	u8 *data;
	int ret;

	BUILD_BUG_ON(sizeof(h) != 24);
	*objref = ckpt_obj_lookup(ctx, pipe);
	if (*objref)
		return 0;

	data = kvmalloc(pipe->max_usage * PAGE_SIZE, GFP_KERNEL);
	if (!data)
		return -ENOMEM;
	pipe_lock(pipe);
	ret = 0;
	if (pipe_has_watch_queue(pipe))
		ret = -EOPNOTSUPP;
	for (i = pipe->tail; !ret && i != pipe->head; i++) {
		struct pipe_buffer *buf = pipe_buf(pipe, i);
		void *p;

		if (buf->flags & PIPE_BUF_FLAG_PACKET ||
		    len + buf->len > pipe->max_usage * PAGE_SIZE) {
			ret = -EOPNOTSUPP;
			break;
		}
		p = kmap_local_page(buf->page);
		memcpy(data + len, p + buf->offset, buf->len);
		kunmap_local(p);
		len += buf->len;
	}
	h.size = pipe->max_usage * PAGE_SIZE;
	pipe_unlock(pipe);
	if (ret) {
		ret = ckpt_err(ctx, ret, "%s is a packet-mode or notification pipe", who);
		goto out;
	}

	ret = ckpt_obj_add(ctx, pipe, CKPT_OBJ_PIPE);
	if (ret < 0)
		goto out;
	*objref = ret;
	h.objref = ret;
	h.data_len = len;
	ret = ckpt_write_obj(ctx, &h.h, CKPT_HDR_PIPE, sizeof(h));
	if (ret || !len)
		goto out;
	d = kmalloc(sizeof(*d) + CKPT_DATA_MAX, GFP_KERNEL);
	if (!d) {
		ret = -ENOMEM;
		goto out;
	}
	for (off = 0; off < len && !ret; off += CKPT_DATA_MAX) {
		size_t n = min_t(size_t, len - off, CKPT_DATA_MAX);

		memcpy(d->data, data + off, n);
		ret = ckpt_write_obj(ctx, &d->h, CKPT_HDR_DATA, sizeof(*d) + n);
	}
out:
	kfree(d);
	kvfree(data);
	return ret;
}

/**
 * ckpt_is_internal_shmem() - is a file a shared memory object of the
 * kernel's own mount (a memfd, the object of a shared anonymous mapping)?
 * @file: the file
 *
 * Return: true if it is.
 */
bool ckpt_is_internal_shmem(struct file *file)
{
	return shmem_mapping(file->f_mapping) &&
	       file->f_path.mnt->mnt_sb->s_flags & SB_KERNMOUNT;
}

/*
 * What the kernel calls @file ("net:[4026531840]", "anon_inode:[eventpoll]",
 * "socket:[123]", or its path), in @buf, for the log.
 */
static const char *ckpt_file_name(struct file *file, char *buf, int size)
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

/*
 * Is @file a /proc file of the task being checkpointed (/proc/PID/maps...)?
 * Restart cannot reopen it: the pid changes, and the same file of the new
 * process would show the restarter's state at the time it was opened.
 */
static bool ckpt_is_own_proc_file(struct ckpt_ctx *ctx, struct file *file)
{
	struct super_block *sb = file->f_path.mnt->mnt_sb;
	struct dentry *d = file->f_path.dentry, *top = NULL;
	struct task_struct *t = ctx->root_task;
	pid_t tgid;
	int nr;

	if (sb->s_magic != PROC_SUPER_MAGIC)
		return false;
	/* The entry right below the root of this proc mount. */
	rcu_read_lock();
	for (; d != sb->s_root && !IS_ROOT(d); d = READ_ONCE(d->d_parent))
		top = d;
	if (top && kstrtoint(top->d_name.name, 10, &nr))
		top = NULL;
	rcu_read_unlock();
	if (!top || d != sb->s_root)
		return false;
	rcu_read_lock();
	tgid = task_tgid_nr_ns(t, proc_pid_ns(sb));
	rcu_read_unlock();
	return tgid && nr == tgid;
}

/* The s_magic of the mqueue file system, private to ipc/mqueue.c. */
#define CKPT_MQUEUE_MAGIC	0x19800202

/* The CKPT_FILE_* type of @file, or -EOPNOTSUPP and a log line. */
static int ckpt_file_type(struct ckpt_ctx *ctx, struct file *file,
			  const char *who)
{
	struct inode *inode = file_inode(file);
	umode_t mode = inode->i_mode;
	unsigned long magic = inode->i_sb->s_magic;
	bool internal = file->f_path.mnt->mnt_sb->s_flags & SB_KERNMOUNT;
	char name[64];

	if (ckpt_is_internal_shmem(file)) {
		const char *name = file->f_path.dentry->d_name.name;

		if (!strncmp(name, "memfd:", 6))
			return CKPT_FILE_MEMFD;
		if (!strncmp(name, "SYSV", 4))
			return ckpt_err(ctx, -EOPNOTSUPP, "%s is SysV shared memory", who);
		return CKPT_FILE_SHMEM;
	}
	if (S_ISFIFO(mode) && get_pipe_info(file, false))
		return magic == PIPEFS_MAGIC ? CKPT_FILE_PIPE : CKPT_FILE_FIFO;
#ifdef CONFIG_EVENTFD
	{
		unsigned int efd_flags;
		u64 count;

		if (!eventfd_file_state(file, &count, &efd_flags))
			return CKPT_FILE_EVENTFD;
	}
#endif
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
	if (internal)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s is a kernel-internal file (%s, file system %#lx), not supported",
				who, ckpt_file_name(file, name, sizeof(name)), magic);
	if (ckpt_is_own_proc_file(ctx, file)) {
		char *buf = kmalloc(PATH_MAX, GFP_KERNEL);

		ckpt_err(ctx, -EOPNOTSUPP,
			 "%s is %s, a /proc file of the process itself, not supported",
			 who, buf ? ckpt_file_name(file, buf, PATH_MAX) : "a file");
		kfree(buf);
		return -EOPNOTSUPP;
	}
	if (S_ISREG(mode))
		return CKPT_FILE_REG;
	if (S_ISDIR(mode))
		return CKPT_FILE_DIR;
	if (S_ISCHR(mode)) {
		if (imajor(inode) != MEM_MAJOR)
			return ckpt_err(ctx, -EOPNOTSUPP,
					"%s is a character device %u:%u, not supported",
					who, imajor(inode), iminor(inode));
		return CKPT_FILE_CHR;
	}
	return ckpt_err(ctx, -EOPNOTSUPP, "%s is a file of type %#o, not supported",
			who, mode & S_IFMT);
}

/**
 * ckpt_write_file_obj() - write the FILE record of a file, once
 * @ctx: checkpoint context
 * @file: the file
 * @who: what holds it, for the log ("fd 5")
 * @objref: set to its object reference
 *
 * Return: 0 or a negative errno.
 */
int ckpt_write_file_obj(struct ckpt_ctx *ctx, struct file *file,
			const char *who, u32 *objref)
{
	struct inode *inode = file_inode(file);
	struct ckpt_walk shmem = { };
	struct ckpt_hdr_file *h;
	const char *name = NULL;
	struct timespec64 mtime;
	u32 pipe_ref = 0;
	char *buf;
	int type, ret;

	BUILD_BUG_ON(sizeof(*h) != 96);
	*objref = ckpt_obj_lookup(ctx, file);
	if (*objref)
		return 0;
	type = ckpt_file_type(ctx, file, who);
	if (type < 0)
		return type;
	if (file->f_flags & FASYNC)
		return ckpt_err(ctx, -EOPNOTSUPP, "%s uses O_ASYNC, not supported", who);

	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	h = kzalloc(sizeof(*h) + PATH_MAX, GFP_KERNEL);
	ret = -ENOMEM;
	if (!buf || !h)
		goto out;
	if (type == CKPT_FILE_PIPE || type == CKPT_FILE_FIFO) {
		ret = ckpt_write_pipe(ctx, get_pipe_info(file, false), who, &pipe_ref);
		if (ret)
			goto out;
	}
	if (type == CKPT_FILE_PIPE || type == CKPT_FILE_EVENTFD) {
		name = "";
#ifdef CONFIG_EVENTFD
		if (type == CKPT_FILE_EVENTFD) {
			unsigned int efd_flags;

			eventfd_file_state(file, &h->count, &efd_flags);
			h->rdev = efd_flags;
		}
#endif
	} else if (type == CKPT_FILE_MEMFD || type == CKPT_FILE_SHMEM) {
		name = type == CKPT_FILE_MEMFD ?
			(const char *)file->f_path.dentry->d_name.name + 6 : "";
		/* Another open of an object already saved shares its contents. */
		pipe_ref = ckpt_obj_lookup(ctx, inode);
		if (!pipe_ref) {
			ret = ckpt_write_shmem_pages(ctx, file, &h->nr_pages, &shmem);
			if (ret)
				goto out;
		}
		if (type == CKPT_FILE_MEMFD)
			h->count = SHMEM_I(inode)->seals;
	} else {
		ret = ckpt_path_name(ctx, &file->f_path, buf, PATH_MAX, &name);
		if (ret) {
			ret = ckpt_err(ctx, ret == -ENOENT ? -EOPNOTSUPP : ret,
				       "%s is a deleted file or out of reach", who);
			goto out;
		}
	}
	ret = ckpt_obj_add(ctx, file, CKPT_OBJ_FILE);
	if (ret < 0)
		goto out;
	h->objref = ret;
	if ((type == CKPT_FILE_MEMFD || type == CKPT_FILE_SHMEM) && !pipe_ref) {
		ret = ckpt_obj_alias(ctx, inode, h->objref);
		if (ret)
			goto out;
	}
	h->type = type;
	h->f_flags = file->f_flags & CKPT_FILE_FLAGS;
	if (file->f_mode & FMODE_PATH)
		h->f_flags |= O_PATH;
	h->mode = inode->i_mode;
	h->pipe_ref = pipe_ref;
	h->pos = file->f_pos;
	h->size = i_size_read(inode);
	h->dev = new_encode_dev(inode->i_sb->s_dev);
	h->ino = inode->i_ino;
	if (type != CKPT_FILE_EVENTFD)
		h->rdev = new_encode_dev(inode->i_rdev);
	mtime = inode_get_mtime(inode);
	h->mtime_sec = mtime.tv_sec;
	h->mtime_nsec = mtime.tv_nsec;
	h->path_len = strlen(name) + 1;
	memcpy(h->path, name, h->path_len);
	ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_FILE, sizeof(*h) + h->path_len);
	if (!ret && shmem.nr)
		ret = ckpt_write_shmem_pages(ctx, file, &h->nr_pages, &shmem);
	if (!ret)
		*objref = h->objref;
out:
	kvfree(shmem.addr);
	kfree(h);
	kfree(buf);
	return ret;
}

/* Re-create a pipe from its PIPE record and the DATA records after it. */
static int ckpt_read_pipe(struct ckpt_ctx *ctx, const struct ckpt_hdr *hdr)
{
	struct ckpt_hdr_pipe h;
	struct ckpt_pipe *p;
	u32 left;
	int ret;

	if (hdr->len != sizeof(h))
		return ckpt_err(ctx, -EINVAL, "pipe record has length %u", hdr->len);
	h.h = *hdr;
	ret = ckpt_read_payload(ctx, &h.h, sizeof(h));
	if (ret)
		return ret;
	if (h.__reserved || h.data_len > h.size || !h.size)
		return ckpt_err(ctx, -EINVAL, "malformed pipe record");
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	ret = create_pipe_files(p->ends, 0);
	if (ret) {
		kfree(p);
		return ret;
	}
	p->size = h.size;
	ret = ckpt_obj_insert(ctx, h.objref, p, CKPT_OBJ_PIPE);
	if (ret)
		return ret;
	if (h.size > PAGE_SIZE * PIPE_DEF_BUFFERS || h.data_len) {
		long size = pipe_fcntl(p->ends[1], F_SETPIPE_SZ, h.size);

		if (size < 0)
			return ckpt_err(ctx, size, "cannot size a pipe to %u bytes (error %ld)",
					h.size, size);
	}
	/* The data fits: it did in a pipe of this size. */
	p->ends[1]->f_flags |= O_NONBLOCK;
	for (left = h.data_len; left; ) {
		struct ckpt_hdr_data *d;
		u32 n;
		ssize_t w;

		d = ckpt_read_var(ctx, CKPT_HDR_DATA, sizeof(*d) + 1,
				  sizeof(*d) + min_t(u32, left, CKPT_DATA_MAX));
		if (IS_ERR(d))
			return PTR_ERR(d);
		n = d->h.len - sizeof(*d);
		w = kernel_write(p->ends[1], d->data, n, NULL);
		kvfree(d);
		if (w != n)
			return ckpt_err(ctx, w < 0 ? w : -EIO,
					"cannot refill a pipe (error %zd)", w);
		left -= n;
	}
	p->ends[1]->f_flags &= ~O_NONBLOCK;
	return 0;
}

/* Reopen a file by path, and check that it is the file of the image. */
static struct file *ckpt_reopen(struct ckpt_ctx *ctx, const struct ckpt_hdr_file *h)
{
	struct file *file;
	struct inode *inode;
	struct timespec64 mtime;
	int flags = h->f_flags & ~O_NONBLOCK;

	if (h->type == CKPT_FILE_DIR)
		flags |= O_DIRECTORY;
	file = filp_open(h->path, flags | O_NOCTTY, 0);
	if (IS_ERR(file)) {
		ckpt_err(ctx, PTR_ERR(file), "cannot reopen %s (error %ld)",
			 h->path, PTR_ERR(file));
		return file;
	}
	inode = file_inode(file);
	mtime = inode_get_mtime(inode);
	if ((inode->i_mode ^ h->mode) & S_IFMT ||
	    new_encode_dev(inode->i_sb->s_dev) != h->dev || inode->i_ino != h->ino ||
	    (h->type == CKPT_FILE_CHR && new_encode_dev(inode->i_rdev) != h->rdev) ||
	    (h->type == CKPT_FILE_REG &&
	     (i_size_read(inode) != h->size || mtime.tv_sec != h->mtime_sec ||
	      mtime.tv_nsec != h->mtime_nsec))) {
		fput(file);
		ckpt_err(ctx, -ESTALE, "%s is not the file that was checkpointed",
			 h->path);
		return ERR_PTR(-ESTALE);
	}
	return file;
}

/*
 * Reopen a named pipe.  The first time, a descriptor open for reading and
 * writing keeps the pipe alive while its ends are opened without blocking,
 * and the data of its PIPE record moves into it.
 */
static struct file *ckpt_reopen_fifo(struct ckpt_ctx *ctx, const struct ckpt_hdr_file *h)
{
	struct ckpt_pipe *p = ckpt_obj_fetch(ctx, h->pipe_ref, CKPT_OBJ_PIPE);
	struct file *file;
	struct inode *inode;
	char *buf;
	ssize_t n;

	if (IS_ERR(p))
		return ERR_CAST(p);
	if (!p->keeper) {
		file = filp_open(h->path, O_RDWR | O_NONBLOCK | O_NOCTTY, 0);
		if (IS_ERR(file)) {
			ckpt_err(ctx, PTR_ERR(file), "cannot reopen the named pipe %s (error %ld)",
				 h->path, PTR_ERR(file));
			return file;
		}
		inode = file_inode(file);
		if (!S_ISFIFO(inode->i_mode) || inode->i_ino != h->ino ||
		    new_encode_dev(inode->i_sb->s_dev) != h->dev) {
			fput(file);
			ckpt_err(ctx, -ESTALE, "%s is not the named pipe that was checkpointed",
				 h->path);
			return ERR_PTR(-ESTALE);
		}
		p->keeper = file;
		pipe_fcntl(file, F_SETPIPE_SZ, p->size);
		buf = kvmalloc(p->size, GFP_KERNEL);
		if (!buf)
			return ERR_PTR(-ENOMEM);
		p->ends[0]->f_flags |= O_NONBLOCK;
		n = kernel_read(p->ends[0], buf, p->size, NULL);
		if (n > 0 && kernel_write(file, buf, n, NULL) != n)
			n = -EIO;
		kvfree(buf);
		if (n < 0 && n != -EAGAIN) {
			ckpt_err(ctx, n, "cannot refill the named pipe %s (error %zd)", h->path, n);
			return ERR_PTR(n);
		}
	}
	file = filp_open(h->path, h->f_flags | O_NONBLOCK | O_NOCTTY, 0);
	if (IS_ERR(file)) {
		ckpt_err(ctx, PTR_ERR(file), "cannot reopen the named pipe %s (error %ld)",
			 h->path, PTR_ERR(file));
		return file;
	}
	if (file_inode(file) != file_inode(p->keeper)) {
		fput(file);
		ckpt_err(ctx, -ESTALE, "%s changed during restart", h->path);
		return ERR_PTR(-ESTALE);
	}
	return file;
}

/* Seals a memfd may have. */
#define CKPT_MEMFD_SEALS	(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | \
				 F_SEAL_WRITE | F_SEAL_FUTURE_WRITE | F_SEAL_EXEC)

/*
 * Status flags a file re-created or reopened gets from its record, as
 * open(2) or fcntl(F_SETFL) would set them.  O_DIRECT comes with the
 * open of a file reopened by path, and is refused on the others.
 */
#define CKPT_STATUS_FLAGS	(O_APPEND | O_NONBLOCK | O_DSYNC | __O_SYNC | \
				 O_NOATIME | O_LARGEFILE)

/*
 * Another open of a file restart created (a pipe, a memfd): a struct file
 * of its own, as an open of /proc/self/fd/N gives.
 */
static struct file *ckpt_open_again(struct ckpt_ctx *ctx, struct file *first,
				    u32 f_flags)
{
	int flags = (f_flags & (O_ACCMODE | CKPT_STATUS_FLAGS)) | O_NONBLOCK | O_NOCTTY;
	struct file *file = dentry_open(&first->f_path, flags, current_cred());

	if (IS_ERR(file))
		ckpt_err(ctx, PTR_ERR(file), "cannot open %pD again (error %ld)",
			 first, PTR_ERR(file));
	return file;
}

/* Re-create a memfd or the object of a shared anonymous mapping. */
static struct file *ckpt_new_shmem(struct ckpt_ctx *ctx, const struct ckpt_hdr_file *h)
{
	bool memfd = h->type == CKPT_FILE_MEMFD;
	struct file *file;
	char *name;
	int ret;

	if (h->size < 0 || h->size > MAX_LFS_FILESIZE ||
	    (u64)h->nr_pages > DIV_ROUND_UP(h->size, PAGE_SIZE) ||
	    h->count & ~CKPT_MEMFD_SEALS || (!memfd && (h->count || h->path[0])) ||
	    h->f_flags & O_PATH || !S_ISREG(h->mode)) {
		ckpt_err(ctx, -EINVAL, "malformed shared memory file record %u", h->objref);
		return ERR_PTR(-EINVAL);
	}
	if (memfd) {
		name = kasprintf(GFP_KERNEL, "memfd:%s", h->path);
		if (!name)
			return ERR_PTR(-ENOMEM);
		file = shmem_file_setup(name, h->size, VM_NORESERVE);
		kfree(name);
	} else {
		file = shmem_kernel_file_setup("dev/zero", h->size, VM_NORESERVE);
	}
	if (IS_ERR(file)) {
		ckpt_err(ctx, PTR_ERR(file), "cannot create a shared memory object (error %ld)",
			 PTR_ERR(file));
		return file;
	}
	file->f_mode |= FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
	file->f_flags |= O_LARGEFILE;
	ret = ckpt_read_shmem_pages(ctx, file, h->nr_pages);
	if (ret) {
		fput(file);
		return ERR_PTR(ret);
	}
	if (memfd) {
		struct inode *inode = file_inode(file);

		inode->i_mode = (inode->i_mode & S_IFMT) | (h->mode & 0777);
		SHMEM_I(inode)->seals = h->count;
	}
	/*
	 * The object is created read-write, to be filled; a file open for
	 * reading or writing only is a new open of it, whose f_mode (and the
	 * inode's reader and writer counts) is that of its access mode.
	 */
	if ((h->f_flags & O_ACCMODE) != O_RDWR) {
		struct file *again = ckpt_open_again(ctx, file, h->f_flags);

		fput(file);
		return again;
	}
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

static int ckpt_read_file(struct ckpt_ctx *ctx, const struct ckpt_hdr *hdr)
{
	struct ckpt_hdr_file *h;
	struct file *file;
	int ret;

	h = ckpt_read_rest(ctx, hdr, CKPT_HDR_FILE, sizeof(*h) + 1,
			   sizeof(*h) + PATH_MAX);
	if (IS_ERR(h))
		return PTR_ERR(h);
	ret = -EINVAL;
	if (h->path_len != h->h.len - sizeof(*h) ||
	    strnlen(h->path, h->path_len) != h->path_len - 1 ||
	    h->f_flags & ~CKPT_FILE_FLAGS ||
	    (h->f_flags & O_ACCMODE) == O_ACCMODE || h->pos < 0 ||
	    ((h->nr_pages || h->count) && h->type != CKPT_FILE_MEMFD &&
	     h->type != CKPT_FILE_SHMEM && h->type != CKPT_FILE_EVENTFD)) {
		ret = ckpt_err(ctx, -EINVAL, "malformed file record %u", h->objref);
		goto out;
	}
	switch (h->type) {
	case CKPT_FILE_REG:
	case CKPT_FILE_DIR:
	case CKPT_FILE_CHR:
		if (h->path[0] != '/' || h->pipe_ref)
			goto bad;
		file = ckpt_reopen(ctx, h);
		if (IS_ERR(file)) {
			ret = PTR_ERR(file);
			goto out;
		}
		if (h->pos && !(file->f_mode & FMODE_PATH)) {
			loff_t pos = vfs_llseek(file, h->pos, SEEK_SET);

			if (pos != h->pos) {
				fput(file);
				ret = ckpt_err(ctx, pos < 0 ? pos : -EINVAL,
					       "cannot seek %s to %lld", h->path, h->pos);
				goto out;
			}
		}
		break;
	case CKPT_FILE_FIFO:
		if (h->path[0] != '/' || h->f_flags & O_PATH)
			goto bad;
		file = ckpt_reopen_fifo(ctx, h);
		if (IS_ERR(file)) {
			ret = PTR_ERR(file);
			goto out;
		}
		break;
	case CKPT_FILE_EVENTFD:
#ifdef CONFIG_EVENTFD
		if (h->path[0] || h->rdev & ~1ULL || (h->f_flags & O_ACCMODE) != O_RDWR)
			goto bad;
		file = eventfd_file_create(h->count, (h->rdev ? EFD_SEMAPHORE : 0) |
					   (h->f_flags & O_NONBLOCK));
		if (IS_ERR(file)) {
			ret = ckpt_err(ctx, PTR_ERR(file), "cannot create an eventfd (error %ld)",
				       PTR_ERR(file));
			goto out;
		}
		break;
#else
		ret = ckpt_err(ctx, -ENOEXEC, "the image has an eventfd, which this kernel lacks");
		goto out;
#endif
	case CKPT_FILE_MEMFD:
	case CKPT_FILE_SHMEM:
		if (h->pipe_ref) {
			struct file *first = ckpt_read_file_ref(ctx, h->pipe_ref);
			bool want_memfd = h->type == CKPT_FILE_MEMFD, memfd;

			if (IS_ERR(first)) {
				ret = PTR_ERR(first);
				goto out;
			}
			memfd = !strncmp(first->f_path.dentry->d_name.name, "memfd:", 6);
			if (!ckpt_is_internal_shmem(first) || h->nr_pages ||
			    h->f_flags & O_PATH || memfd != want_memfd)
				goto bad;
			file = ckpt_open_again(ctx, first, h->f_flags);
		} else {
			file = ckpt_new_shmem(ctx, h);
		}
		if (IS_ERR(file)) {
			ret = PTR_ERR(file);
			goto out;
		}
		file->f_pos = h->pos;
		break;
	case CKPT_FILE_PIPE: {
		struct ckpt_pipe *p = ckpt_obj_fetch(ctx, h->pipe_ref, CKPT_OBJ_PIPE);
		u32 acc = h->f_flags & O_ACCMODE;

		if (IS_ERR(p)) {
			ret = PTR_ERR(p);
			goto out;
		}
		if (h->path[0] || h->f_flags & O_PATH)
			goto bad;
		/* Each open of the pipe is a file of its own, with its flags. */
		file = ckpt_open_again(ctx, p->ends[acc != O_RDONLY], h->f_flags);
		if (IS_ERR(file)) {
			ret = PTR_ERR(file);
			goto out;
		}
		break;
	}
	default:
		goto bad;
	}
	ret = ckpt_set_flags(ctx, file, h->f_flags);
	if (ret) {
		fput(file);
		goto out;
	}
	ret = ckpt_obj_insert(ctx, h->objref, file, CKPT_OBJ_FILE);
	goto out;
bad:
	ret = ckpt_err(ctx, -EINVAL, "malformed file record %u (type %u)",
		       h->objref, h->type);
out:
	kvfree(h);
	return ret;
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
	unsigned int fd, nr = 0, max;
	char who[32];
	int ret = 0, i;

	BUILD_BUG_ON(sizeof(h) != 16);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_fd) != 24);
	rcu_read_lock();
	task_lock(t);
	max = t->files ? files_fdtable(t->files)->max_fds : 0;
	task_unlock(t);
	rcu_read_unlock();
	fds = kvcalloc(max ?: 1, sizeof(*fds), GFP_KERNEL);
	if (!fds)
		return -ENOMEM;

	for (fd = 0; nr < max; fd++) {
		struct file *file;

		rcu_read_lock();
		file = task_lookup_next_fdget_rcu(t, &fd);
		if (file) {
			task_lock(t);
			fds[nr].cloexec = t->files && fd < files_fdtable(t->files)->max_fds &&
					  close_on_exec(fd, t->files);
			task_unlock(t);
		}
		rcu_read_unlock();
		if (!file)
			break;
		/* A self checkpoint does not save the file of its own image. */
		if (t == current && file == ctx->file &&
		    !(fd <= 2 && ctx->flags & CKPT_CHECKPOINT_INHERIT_STDIO)) {
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

		if (fds[i].cloexec)
			f.flags |= CKPT_FD_CLOEXEC;
		if (fds[i].fd <= 2 && ctx->flags & CKPT_CHECKPOINT_INHERIT_STDIO) {
			f.flags |= CKPT_FD_INHERITED;
		} else {
			snprintf(who, sizeof(who), "fd %u", fds[i].fd);
			ret = ckpt_write_file_obj(ctx, fds[i].file, who, &f.objref);
			if (ret)
				break;
		}
		ret = ckpt_write_obj(ctx, &f.h, CKPT_HDR_FD, sizeof(f));
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
	if (h.__reserved || h.nr_fds > sysctl_nr_open || h.nr_fds > nofile)
		return ckpt_err(ctx, -EINVAL, "malformed files record (%u fds)", h.nr_fds);
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
		if (f.flags & ~(CKPT_FD_CLOEXEC | CKPT_FD_INHERITED) || f.__reserved ||
		    f.fd >= nofile ||
		    (rst->nr_fds && f.fd <= rst->fds[rst->nr_fds - 1].fd))
			return ckpt_err(ctx, -EINVAL, "bad fd record (fd %u)", f.fd);
		e->fd = f.fd;
		e->cloexec = f.flags & CKPT_FD_CLOEXEC;
		if (f.flags & CKPT_FD_INHERITED) {
			if (f.fd > 2 || f.objref)
				return ckpt_err(ctx, -EINVAL,
						"fd %u cannot be inherited", f.fd);
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
