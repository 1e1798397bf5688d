// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of the shared memory objects of the kernel's own
 * mount: memfds (memfd_create(2)) and the object behind a MAP_SHARED |
 * MAP_ANONYMOUS mapping.
 *
 * The first FILE record of an object carries its size, its seals and the
 * number of its populated pages, which follow it in PAGES records.  Every
 * other open of the same object (a memfd reopened through /proc/self/fd,
 * shared anonymous memory mapped again through /proc/self/map_files) is a
 * FILE record that refers to the first: restart opens the new object
 * again, so that the views stay one memory.
 *
 * SysV shared memory lives on the same mount and is refused by files.c.
 */

#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/memfd.h>
#include <linux/mount.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"

/* Seals a memfd may have. */
#define CKPT_MEMFD_SEALS	(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | \
				 F_SEAL_WRITE | F_SEAL_FUTURE_WRITE | F_SEAL_EXEC)

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

/**
 * ckpt_is_shmem_object() - is a file a memfd or the object of a shared
 * anonymous mapping (not SysV shared memory, on the same mount)?
 * @file: the file
 *
 * Return: true if it is.
 */
bool ckpt_is_shmem_object(struct file *file)
{
	return ckpt_is_internal_shmem(file) &&
	       strncmp(file->f_path.dentry->d_name.name, "SYSV", 4);
}

static bool ckpt_is_memfd(struct file *file)
{
	return !strncmp(file->f_path.dentry->d_name.name, "memfd:", 6);
}

static bool ckpt_memfd_match(struct ckpt_ctx *ctx, struct file *file)
{
	return ckpt_is_internal_shmem(file) && ckpt_is_memfd(file);
}

static bool ckpt_shmem_match(struct ckpt_ctx *ctx, struct file *file)
{
	return ckpt_is_shmem_object(file) && !ckpt_is_memfd(file);
}

static int ckpt_shmem_checkpoint(struct ckpt_ctx *ctx, struct file *file,
				 struct ckpt_file_rec *r)
{
	struct inode *inode = file_inode(file);
	bool memfd = ckpt_is_memfd(file);

	r->name = memfd ? (const char *)file->f_path.dentry->d_name.name + 6 : "";
	if (memfd)
		r->h->count = SHMEM_I(inode)->seals;
	/* Another open of an object already saved shares its contents. */
	r->h->pipe_ref = ckpt_obj_lookup(ctx, inode);
	if (r->h->pipe_ref)
		return 0;
	return ckpt_write_shmem_pages(ctx, file, &r->h->nr_pages, &r->walk);
}

/* The object's first FILE record is written: it names the object, its pages follow. */
static int ckpt_shmem_checkpoint_after(struct ckpt_ctx *ctx, struct file *file,
				       struct ckpt_file_rec *r)
{
	int ret;

	if (r->h->pipe_ref)
		return 0;
	ret = ckpt_obj_alias(ctx, file_inode(file), r->h->objref);
	if (!ret && r->walk.nr)
		ret = ckpt_write_shmem_pages(ctx, file, &r->h->nr_pages, &r->walk);
	return ret;
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

static struct file *ckpt_shmem_restart(struct ckpt_ctx *ctx, const struct ckpt_hdr_file *h)
{
	bool memfd = h->type == CKPT_FILE_MEMFD;
	struct file *file, *first;

	if (!h->pipe_ref) {
		file = ckpt_new_shmem(ctx, h);
	} else {
		/* Another open of an object re-created by an earlier record. */
		first = ckpt_read_file_ref(ctx, h->pipe_ref);
		if (IS_ERR(first))
			return first;
		if (!ckpt_is_internal_shmem(first) || h->nr_pages ||
		    h->f_flags & O_PATH ||
		    ckpt_is_memfd(first) != memfd)
			return ERR_PTR(-EINVAL);
		file = ckpt_open_again(ctx, first, h->f_flags);
	}
	if (!IS_ERR(file))
		file->f_pos = h->pos;
	return file;
}

const struct ckpt_file_ops ckpt_file_memfd_ops = {
	.type = CKPT_FILE_MEMFD,
	.match = ckpt_memfd_match,
	.checkpoint = ckpt_shmem_checkpoint,
	.checkpoint_after = ckpt_shmem_checkpoint_after,
	.restart = ckpt_shmem_restart,
};

const struct ckpt_file_ops ckpt_file_shmem_ops = {
	.type = CKPT_FILE_SHMEM,
	.match = ckpt_shmem_match,
	.checkpoint = ckpt_shmem_checkpoint,
	.checkpoint_after = ckpt_shmem_checkpoint_after,
	.restart = ckpt_shmem_restart,
};
