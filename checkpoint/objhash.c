// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart: the object hash.
 *
 * An object shared by several holders (a struct file behind dup()ed
 * descriptors and a mapping, a pipe behind its two ends) is written once,
 * with a new object reference, the first time it is met; later holders
 * only name the reference.  Restart keeps the objects it re-creates by
 * reference, so that the holders share them again.
 */

#include <linux/err.h>
#include <linux/file.h>
#include <linux/hash.h>
#include <linux/seccomp.h>
#include <linux/slab.h>

#include "internal.h"

/**
 * struct ckpt_obj - an object met during checkpoint or re-created by restart
 * @node: in &ckpt_ctx.objhash (checkpoint)
 * @ptr: the object
 * @objref: its reference in the image
 * @type: its kind
 */
struct ckpt_obj {
	struct hlist_node node;
	void *ptr;
	u32 objref;
	enum ckpt_obj_type type;
};

void ckpt_obj_init(struct ckpt_ctx *ctx)
{
	hash_init(ctx->objhash);
	xa_init(&ctx->objs);
}

/* Drop what the context holds of an object. */
static void ckpt_obj_drop(void *ptr, enum ckpt_obj_type type, bool restart)
{
	switch (type) {
	case CKPT_OBJ_FILE:
		fput(ptr);
		break;
	case CKPT_OBJ_PIPE:
		/* Checkpoint: the pipe belongs to its files; restart: to us. */
		if (restart)
			ckpt_pipe_free(ptr);
		break;
	case CKPT_OBJ_PTY:
		/* Checkpoint: a pointer only; restart: a struct ckpt_pty. */
		if (restart)
			ckpt_pty_free(ptr);
		break;
	case CKPT_OBJ_UNIX:
		/* Checkpoint: a socket; restart: a struct ckpt_unix. */
		if (restart)
			ckpt_unix_free(ptr);
		break;
	case CKPT_OBJ_FILES:
	case CKPT_OBJ_FS:
		/* Checkpoint: a pointer only; restart: a struct ckpt_share. */
		if (restart)
			ckpt_share_free(ptr);
		break;
	case CKPT_OBJ_SECCOMP:
		/* Checkpoint: a pointer only; restart: a filter created. */
#ifdef CONFIG_SECCOMP_FILTER
		if (restart)
			seccomp_filter_put(ptr);
#endif
		break;
	case CKPT_OBJ_ALIAS:
		break;
	}
}

void ckpt_obj_release(struct ckpt_ctx *ctx)
{
	struct ckpt_obj *obj;
	struct hlist_node *tmp;
	unsigned long idx;
	int bkt;

	hash_for_each_safe(ctx->objhash, bkt, tmp, obj, node) {
		hash_del(&obj->node);
		ckpt_obj_drop(obj->ptr, obj->type, false);
		kfree(obj);
	}
	xa_for_each(&ctx->objs, idx, obj) {
		ckpt_obj_drop(obj->ptr, obj->type, true);
		kfree(obj);
	}
	xa_destroy(&ctx->objs);
}

/**
 * ckpt_obj_lookup() - the reference of an object already written
 * @ctx: checkpoint context
 * @ptr: the object
 *
 * Return: its object reference, or 0 if it was not written yet.
 */
u32 ckpt_obj_lookup(struct ckpt_ctx *ctx, void *ptr)
{
	struct ckpt_obj *obj;

	hash_for_each_possible(ctx->objhash, obj, node, hash_ptr(ptr, 32))
		if (obj->ptr == ptr)
			return obj->objref;
	return 0;
}

/**
 * ckpt_obj_add() - give an object its reference before writing it
 * @ctx: checkpoint context
 * @ptr: the object; a file is referenced until the end of the checkpoint
 * @type: its kind
 *
 * Return: the new object reference or a negative errno.
 */
int ckpt_obj_add(struct ckpt_ctx *ctx, void *ptr, enum ckpt_obj_type type)
{
	struct ckpt_obj *obj = kzalloc(sizeof(*obj), GFP_KERNEL);

	if (!obj)
		return -ENOMEM;
	if (type == CKPT_OBJ_FILE)
		get_file(ptr);
	obj->ptr = ptr;
	obj->type = type;
	obj->objref = ++ctx->last_objref;
	hash_add(ctx->objhash, &obj->node, hash_ptr(ptr, 32));
	return obj->objref;
}

/**
 * ckpt_obj_alias() - find an object written under another one's reference
 * @ctx: checkpoint context
 * @ptr: the object (an inode shared by several files), not referenced: the
 *	object of @objref holds it
 * @objref: the reference ckpt_obj_lookup() will give for @ptr
 *
 * Return: 0 or -ENOMEM.
 */
int ckpt_obj_alias(struct ckpt_ctx *ctx, void *ptr, u32 objref)
{
	struct ckpt_obj *obj = kzalloc(sizeof(*obj), GFP_KERNEL);

	if (!obj)
		return -ENOMEM;
	obj->ptr = ptr;
	obj->type = CKPT_OBJ_ALIAS;
	obj->objref = objref;
	hash_add(ctx->objhash, &obj->node, hash_ptr(ptr, 32));
	return 0;
}

/**
 * ckpt_obj_insert() - keep an object re-created by restart
 * @ctx: restart context
 * @objref: its reference in the image; references are given in order
 * @ptr: the object: a referenced file, or a pipe from ckpt_pipe_alloc()
 * @type: its kind
 *
 * The context owns @ptr from now on, whether this fails or not.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_obj_insert(struct ckpt_ctx *ctx, u32 objref, void *ptr,
		    enum ckpt_obj_type type)
{
	struct ckpt_obj *obj;
	int ret;

	if (objref != ctx->last_objref + 1) {
		ckpt_obj_drop(ptr, type, true);
		return ckpt_err(ctx, -EINVAL,
				"object reference %u out of order at offset %llu",
				objref, ctx->rec_len);
	}
	obj = kzalloc(sizeof(*obj), GFP_KERNEL);
	if (!obj) {
		ckpt_obj_drop(ptr, type, true);
		return -ENOMEM;
	}
	obj->ptr = ptr;
	obj->type = type;
	obj->objref = objref;
	ret = xa_err(xa_store(&ctx->objs, objref, obj, GFP_KERNEL));
	if (ret) {
		ckpt_obj_drop(ptr, type, true);
		kfree(obj);
		return ret;
	}
	ctx->last_objref = objref;
	return 0;
}

/**
 * ckpt_obj_fetch() - an object restart re-created earlier
 * @ctx: restart context
 * @objref: its reference
 * @type: the kind the reader expects
 *
 * Return: the object, still owned by the context, or an ERR_PTR().
 */
void *ckpt_obj_fetch(struct ckpt_ctx *ctx, u32 objref, enum ckpt_obj_type type)
{
	static const char * const names[] = {
		[CKPT_OBJ_FILE] = "file",
		[CKPT_OBJ_PIPE] = "pipe",
		[CKPT_OBJ_FILES] = "descriptor table",
		[CKPT_OBJ_FS] = "fs_struct",
		[CKPT_OBJ_UNIX] = "unix socket",
		[CKPT_OBJ_SECCOMP] = "seccomp filter",
		[CKPT_OBJ_PTY] = "pty",
	};
	struct ckpt_obj *obj = xa_load(&ctx->objs, objref);

	if (!obj || obj->type != type)
		return ERR_PTR(ckpt_err(ctx, -EINVAL,
					"record at offset %llu refers to object %u, which is not a %s",
					ctx->rec_len, objref,
					type < ARRAY_SIZE(names) && names[type] ?
					names[type] : "known object"));
	return obj->ptr;
}
