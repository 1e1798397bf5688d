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
 * @hn: in &ckpt_ctx.objhash (checkpoint)
 * @ptr: the object
 * @objref: its reference in the image
 * @type: its kind
 */
struct ckpt_obj {
	struct ckpt_hnode hn;
	void *ptr;
	u32 objref;
	enum ckpt_obj_type type;
};

/* Fewest buckets; a table grows fourfold when it has twice as many entries. */
#define CKPT_PTR_TABLE_BITS	8

static struct hlist_head *ckpt_ptr_table_alloc(unsigned int bits)
{
	struct hlist_head *heads = kvmalloc_array(1U << bits, sizeof(*heads), GFP_KERNEL);
	unsigned int i;

	for (i = 0; heads && i < 1U << bits; i++)
		INIT_HLIST_HEAD(&heads[i]);
	return heads;
}

/**
 * ckpt_ptr_table_head() - the bucket of an address
 * @t: the table
 * @key: the address
 *
 * Return: the bucket to look @key up in, or NULL if the table is empty.
 */
struct hlist_head *ckpt_ptr_table_head(struct ckpt_ptr_table *t, const void *key)
{
	return t->heads ? &t->heads[hash_ptr(key, t->bits)] : NULL;
}

/* Rehash into four times as many buckets; a failure keeps the old ones. */
static void ckpt_ptr_table_grow(struct ckpt_ptr_table *t)
{
	unsigned int bits = t->bits + 2, i;
	struct hlist_head *heads = ckpt_ptr_table_alloc(bits);
	struct ckpt_hnode *n;
	struct hlist_node *tmp;

	if (!heads)
		return;
	for (i = 0; i < 1U << t->bits; i++)
		hlist_for_each_entry_safe(n, tmp, &t->heads[i], node) {
			hlist_del(&n->node);
			hlist_add_head(&n->node, &heads[hash_ptr(n->key, bits)]);
		}
	kvfree(t->heads);
	t->heads = heads;
	t->bits = bits;
}

/**
 * ckpt_ptr_table_add() - add an entry
 * @t: the table
 * @n: the entry, in its owner
 * @key: the address it is found by
 *
 * Return: 0 or -ENOMEM.
 */
int ckpt_ptr_table_add(struct ckpt_ptr_table *t, struct ckpt_hnode *n, const void *key)
{
	if (!t->heads) {
		t->heads = ckpt_ptr_table_alloc(CKPT_PTR_TABLE_BITS);
		if (!t->heads)
			return -ENOMEM;
		t->bits = CKPT_PTR_TABLE_BITS;
	}
	if (t->nr >= 2U << t->bits)
		ckpt_ptr_table_grow(t);
	n->key = key;
	hlist_add_head(&n->node, &t->heads[hash_ptr(key, t->bits)]);
	t->nr++;
	return 0;
}

/**
 * ckpt_ptr_table_free() - free the buckets of a table, its entries unlinked
 * or freed by their owner
 * @t: the table
 */
void ckpt_ptr_table_free(struct ckpt_ptr_table *t)
{
	kvfree(t->heads);
	t->heads = NULL;
	t->nr = 0;
}

void ckpt_obj_init(struct ckpt_ctx *ctx)
{
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
	struct ckpt_ptr_table *t = &ctx->objhash;
	struct ckpt_obj *obj;
	struct hlist_node *tmp;
	unsigned long idx;
	unsigned int i;

	for (i = 0; t->heads && i < 1U << t->bits; i++)
		hlist_for_each_entry_safe(obj, tmp, &t->heads[i], hn.node) {
			hlist_del(&obj->hn.node);
			ckpt_obj_drop(obj->ptr, obj->type, false);
			kfree(obj);
		}
	ckpt_ptr_table_free(t);
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
	struct hlist_head *head = ckpt_ptr_table_head(&ctx->objhash, ptr);
	struct ckpt_obj *obj;

	if (head)
		hlist_for_each_entry(obj, head, hn.node)
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

	if (!obj || ckpt_ptr_table_add(&ctx->objhash, &obj->hn, ptr)) {
		kfree(obj);
		return -ENOMEM;
	}
	if (type == CKPT_OBJ_FILE)
		get_file(ptr);
	obj->ptr = ptr;
	obj->type = type;
	obj->objref = ++ctx->last_objref;
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

	if (!obj || ckpt_ptr_table_add(&ctx->objhash, &obj->hn, ptr)) {
		kfree(obj);
		return -ENOMEM;
	}
	obj->ptr = ptr;
	obj->type = CKPT_OBJ_ALIAS;
	obj->objref = objref;
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
