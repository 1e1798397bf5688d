// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of pseudo-terminals (ptmx(4), pts(4)) and of the
 * controlling terminal of a session.
 *
 * A pty pair whose master a process of the image holds is a PTY object
 * record, written once before the first FILE record of one of its ends:
 * its number, the termios and window size of both ends, its lock and
 * packet mode, the session it controls with its foreground process group,
 * and the path of the ptmx device its master was opened as.  Two
 * PTY_INPUT records follow, the bytes each end has received and not read
 * as its N_TTY line discipline holds them, with the line being edited in
 * canonical mode.  Every FILE record of an end names it: the master, the
 * slave opened as /dev/pts/N, or the slave opened as /dev/tty.
 *
 * Restart opens the ptmx device until it gets the pair of the same number
 * (holding the lower free ones meanwhile, released at the end: devpts
 * gives the lowest free number), gives both ends their termios, window
 * size and input, without echoing or editing it again, then opens each
 * slave file by its path.  A process that had the pair's slave as its
 * controlling terminal (CKPT_TREE_TASK_CTTY in the TREE record) gets it
 * again past the point of no return, its session leader with the
 * foreground process group.
 *
 * With CKPT_CHECKPOINT_INHERIT_STDIO, the terminal of descriptor 0, 1 or 2
 * of the root is the restorer's to give, as a shell gives its terminal to
 * a job: any other open of it (the terminal opened again, /dev/tty) is a
 * FILE record of kind CKPT_FILE_TTY_INHERITED that restart opens again on
 * the terminal of the caller's same descriptor; a session of the tree
 * that has it as controlling terminal is a TTY_INHERITED record (its
 * foreground group and termios), and restart makes the caller's terminal
 * its controlling terminal, which must be no session's yet (a new pty's
 * slave the caller holds the master of, as script(1) does).
 *
 * Refused, with a line: a pair whose master is outside the image, or that
 * a process outside the image holds open; a line discipline other than
 * N_TTY; stopped output (^S), a packet status not read, input or echoes
 * waiting for room; the controlling terminal of a session outside the
 * tree, or of one in the tree that is neither a pty of the image nor an
 * inherited terminal.
 */

#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/major.h>
#include <linux/mnt_idmapping.h>
#include <linux/namei.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tty.h>
#include <linux/tty_checkpoint.h>
#include <linux/tty_driver.h>

#include "internal.h"

/*
 * The numbers of the ptys restored: below 1024, so that a restart opens at
 * most 1024 pairs on its way to one (devpts gives the lowest free number).
 */
#define CKPT_PTY_INDEX_MAX	1024

/**
 * struct ckpt_pty_ref - checkpoint: a pair written
 * @master: its master, referenced
 * @objref: its PTY record's object reference
 * @nr_master: FILE records of its master written
 * @nr_slave: FILE records of its slave written
 */
struct ckpt_pty_ref {
	struct tty_struct *master;
	u32 objref;
	unsigned int nr_master;
	unsigned int nr_slave;
};

/**
 * struct ckpt_pty - restart: a pair made again
 * @master: the file of its master, referenced
 * @tty: its master, referenced
 * @h: its PTY record, but the path
 * @master_taken: the FILE record of the master took @master
 */
struct ckpt_pty {
	struct file *master;
	struct tty_struct *tty;
	struct ckpt_hdr_pty h;
	bool master_taken;
};

/**
 * struct ckpt_pty_spare - restart: a pair opened on the way to a number
 * @file: its master
 * @path: the ptmx device it was opened as
 */
struct ckpt_pty_spare {
	struct file *file;
	char *path;
};

/**
 * struct ckpt_tty_inherited - a session's controlling terminal inherited
 * from the caller of restart
 * @tty: checkpoint: the root's terminal; restart: the caller's, referenced
 * @h: its TTY_INHERITED record
 */
struct ckpt_tty_inherited {
	struct tty_struct *tty;
	struct ckpt_hdr_tty_inherited h;
};

/**
 * struct ckpt_ptys - the ptys of a checkpoint or restart
 * @refs: checkpoint: the pairs written
 * @nr_refs: how many
 * @pairs: restart: the pairs made (owned by the object table)
 * @nr_pairs: how many
 * @spares: restart: the pairs opened on the way, closed at the end
 * @nr_spares: how many
 * @inh: the sessions whose controlling terminal is inherited: one of the
 *	root's (the caller's) descriptors 0 to 2 each
 * @nr_inh: how many
 */
struct ckpt_ptys {
	struct ckpt_pty_ref *refs;
	unsigned int nr_refs;
	struct ckpt_pty **pairs;
	unsigned int nr_pairs;
	struct ckpt_pty_spare *spares;
	unsigned int nr_spares;
	struct ckpt_tty_inherited inh[3];
	unsigned int nr_inh;
};

static struct ckpt_ptys *ckpt_ptys(struct ckpt_ctx *ctx)
{
	if (!ctx->ptys)
		ctx->ptys = kzalloc(sizeof(*ctx->ptys), GFP_KERNEL);
	return ctx->ptys;
}

static bool ckpt_pty_is_master(const struct tty_struct *tty)
{
	return tty->driver->subtype == PTY_TYPE_MASTER;
}

/* The pty of @file, referenced: an end of a Unix 98 pair, or NULL. */
static struct tty_struct *ckpt_pty_get(struct file *file)
{
	struct tty_struct *tty;

	if (!S_ISCHR(file_inode(file)->i_mode))
		return NULL;
	tty = tty_file_tty_get(file);
	if (tty && (tty->driver->type != TTY_DRIVER_TYPE_PTY ||
		    !(tty->driver->flags & TTY_DRIVER_DEVPTS_MEM))) {
		tty_kref_put(tty);
		tty = NULL;
	}
	return tty;
}

static bool ckpt_pty_match(struct ckpt_ctx *ctx, struct file *file)
{
	struct tty_struct *tty = ckpt_pty_get(file);

	tty_kref_put(tty);
	return tty;
}

static int ckpt_pty_check(struct ckpt_ctx *ctx, struct file *file, const char *who)
{
	struct tty_struct *tty = ckpt_pty_get(file);
	int ret = 0;

	if (!tty)
		return ckpt_err(ctx, -EOPNOTSUPP, "%s is a pty hung up, not supported", who);
	if (ckpt_pty_is_master(tty) && (file->f_flags & O_ACCMODE) != O_RDWR)
		ret = ckpt_err(ctx, -EOPNOTSUPP,
			       "%s is the master of pty %d, not open for reading and writing, not supported",
			       who, tty->index);
	else if (tty->termios.c_line != N_TTY || tty->link->termios.c_line != N_TTY)
		ret = ckpt_err(ctx, -EOPNOTSUPP,
			       "%s is an end of pty %d with a line discipline other than N_TTY, not supported",
			       who, tty->index);
	tty_kref_put(tty);
	return ret;
}

static void ckpt_pty_save_termios(struct ckpt_termios *t, struct tty_struct *tty)
{
	struct ktermios k;

	BUILD_BUG_ON(sizeof(t->c_cc) < NCCS);
	down_read(&tty->termios_rwsem);
	k = tty->termios;
	up_read(&tty->termios_rwsem);
	t->c_iflag = k.c_iflag;
	t->c_oflag = k.c_oflag;
	t->c_cflag = k.c_cflag;
	t->c_lflag = k.c_lflag;
	t->c_ispeed = k.c_ispeed;
	t->c_ospeed = k.c_ospeed;
	t->c_line = k.c_line;
	memcpy(t->c_cc, k.c_cc, NCCS);
}

static void ckpt_pty_save_winsize(struct ckpt_winsize *w, struct tty_struct *tty)
{
	mutex_lock(&tty->winsize_mutex);
	w->ws_row = tty->winsize.ws_row;
	w->ws_col = tty->winsize.ws_col;
	w->ws_xpixel = tty->winsize.ws_xpixel;
	w->ws_ypixel = tty->winsize.ws_ypixel;
	mutex_unlock(&tty->winsize_mutex);
}

/* Is @sid the session of a live process of the tree, which leads it? */
static bool ckpt_pty_session_in_tree(struct ckpt_tree *tree, pid_t sid)
{
	unsigned int i;

	for (i = 0; sid > 0 && i < tree->nr; i++) {
		const struct ckpt_tree_task *e = &tree->tasks[i].e;

		if (e->pid == sid && e->sid == sid &&
		    !(e->flags & (CKPT_TREE_TASK_THREAD | CKPT_TREE_TASK_ZOMBIE)))
			return true;
	}
	return false;
}

/* Is @pgid the group of a task of the tree in session @sid? */
static bool ckpt_pty_group_in_session(struct ckpt_tree *tree, pid_t pgid, pid_t sid)
{
	unsigned int i;

	for (i = 0; pgid > 0 && i < tree->nr; i++)
		if (tree->tasks[i].e.pgid == pgid && tree->tasks[i].e.sid == sid)
			return true;
	return false;
}

/* The session the slave of @h controls, and its foreground group. */
static int ckpt_pty_session(struct ckpt_ctx *ctx, struct tty_struct *slave,
			    struct ckpt_hdr_pty *h, const char *who)
{
	struct pid_namespace *ns = task_active_pid_ns(ctx->root_task);
	struct pid *session, *pgrp;
	pid_t sid, pgid = 0;
	int ret = 0;

	spin_lock_irq(&slave->ctrl.lock);
	session = get_pid(slave->ctrl.session);
	pgrp = get_pid(slave->ctrl.pgrp);
	spin_unlock_irq(&slave->ctrl.lock);
	if (!session)
		goto out;
	sid = pid_nr_ns(session, ns);
	if (pgrp)
		pgid = pid_nr_ns(pgrp, ns);
	if (!ckpt_pty_session_in_tree(ctx->tree, sid))
		ret = ckpt_err(ctx, -EOPNOTSUPP,
			       "%s: pty %d is the controlling terminal of a session outside the tree, not supported",
			       who, slave->index);
	else if (pgrp && !ckpt_pty_group_in_session(ctx->tree, pgid, sid))
		ret = ckpt_err(ctx, -EOPNOTSUPP,
			       "%s: the foreground process group of pty %d is not a group of the tree, not supported",
			       who, slave->index);
	h->flags |= CKPT_PTY_CTTY;
	h->session = sid;
	h->fg_pgrp = pgid;
out:
	put_pid(session);
	put_pid(pgrp);
	return ret;
}

/* The mode and owner of /dev/pts/N, which chmod(2) and chown(2) change. */
static int ckpt_pty_save_node(struct ckpt_ctx *ctx, struct tty_struct *master,
			      struct ckpt_hdr_pty *h, const char *who)
{
	struct user_namespace *ns = current_user_ns();
	struct dentry *dentry = master->link->driver_data;
	struct inode *inode = dentry ? d_inode(dentry) : NULL;

	if (!inode)
		return ckpt_err(ctx, -EOPNOTSUPP, "%s: pty %d has no /dev/pts node, not supported",
				who, master->index);
	h->slave_mode = inode->i_mode & 07777;
	h->slave_uid = from_kuid_munged(ns, inode->i_uid);
	h->slave_gid = from_kgid_munged(ns, inode->i_gid);
	return 0;
}

/* The state of both ends that is not their input. */
static int ckpt_pty_state(struct ckpt_ctx *ctx, struct tty_struct *master,
			  struct ckpt_hdr_pty *h, const char *who)
{
	struct tty_struct *slave = master->link;
	bool stopped, status;
	int ret;

	spin_lock_irq(&master->flow.lock);
	stopped = master->flow.stopped || master->flow.tco_stopped;
	spin_unlock_irq(&master->flow.lock);
	spin_lock_irq(&slave->flow.lock);
	stopped |= slave->flow.stopped || slave->flow.tco_stopped;
	spin_unlock_irq(&slave->flow.lock);
	spin_lock_irq(&master->ctrl.lock);
	status = master->ctrl.pktstatus;
	if (master->ctrl.packet)
		h->flags |= CKPT_PTY_PACKET;
	spin_unlock_irq(&master->ctrl.lock);
	if (stopped || status)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s: pty %d has its output stopped (^S) or a packet status not read, not supported",
				who, master->index);
	if (master->index >= CKPT_PTY_INDEX_MAX)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s: pty %d: ptys from %d up are not restored, not supported",
				who, master->index, CKPT_PTY_INDEX_MAX);
	if (test_bit(TTY_PTY_LOCK, &master->flags))
		h->flags |= CKPT_PTY_LOCKED;
	if (test_bit(TTY_OTHER_CLOSED, &master->flags))
		h->flags |= CKPT_PTY_SLAVE_CLOSED;
	h->index = master->index;
	ret = ckpt_pty_save_node(ctx, master, h, who);
	if (ret)
		return ret;
	ckpt_pty_save_termios(&h->termios[0], master);
	ckpt_pty_save_termios(&h->termios[1], slave);
	ckpt_pty_save_winsize(&h->winsize[0], master);
	ckpt_pty_save_winsize(&h->winsize[1], slave);
	return ckpt_pty_session(ctx, slave, h, who);
}

/* The path of the ptmx device the master of @master was opened as. */
static int ckpt_pty_master_path(struct ckpt_ctx *ctx, struct tty_struct *master,
				char *buf, const char **name)
{
	struct tty_file_private *priv;
	struct file *file = NULL;
	int ret;

	spin_lock(&master->files_lock);
	priv = list_first_entry_or_null(&master->tty_files, struct tty_file_private, list);
	if (priv)
		file = get_file(priv->file);
	spin_unlock(&master->files_lock);
	if (!file)
		return -ENOENT;
	ret = ckpt_path_name(ctx, &file->f_path, buf, PATH_MAX, name);
	fput(file);
	return ret;
}

/* Write the input of one end, as its line discipline holds it. */
static int ckpt_pty_write_input(struct ckpt_ctx *ctx, const struct n_tty_state *st)
{
	struct ckpt_hdr_pty_input *in;
	u32 i;
	int ret;

	in = kzalloc(sizeof(*in) + st->len, GFP_KERNEL);
	if (!in)
		return -ENOMEM;
	in->len = st->len;
	in->canon_len = st->canon_len;
	in->column = st->column;
	in->canon_column = st->canon_column;
	in->flags = (st->lnext ? CKPT_PTY_INPUT_LNEXT : 0) |
		    (st->erasing ? CKPT_PTY_INPUT_ERASING : 0) |
		    (st->push ? CKPT_PTY_INPUT_PUSH : 0);
	for (i = 0; i < st->len; i++)
		if (test_bit(i, st->eol))
			in->eol[i / 8] |= 1 << (i % 8);
	memcpy(in->data, st->buf, st->len);
	ret = ckpt_write_obj(ctx, &in->h, CKPT_HDR_PTY_INPUT, sizeof(*in) + st->len);
	kfree(in);
	return ret;
}

/* Read what both ends hold: their line disciplines take their ports' bytes. */
static int ckpt_pty_inputs(struct ckpt_ctx *ctx, struct tty_struct *master,
			   struct n_tty_state *st, const char *who)
{
	int ret, i;

	for (i = 0; i < 2; i++) {
		struct tty_struct *tty = i ? master->link : master;

		if (!tty_buffer_drain(tty->port))
			return ckpt_err(ctx, -EBUSY,
					"%s: pty %d has input its reader has no room for, not supported",
					who, master->index);
		ret = n_tty_save_state(tty, &st[i]);
		if (ret == -EOPNOTSUPP)
			return ckpt_err(ctx, ret,
					"%s is an end of pty %d with a line discipline other than N_TTY, not supported",
					who, master->index);
		if (ret)
			return ckpt_err(ctx, ret,
					"%s: pty %d has echoes waiting for room to be written, not supported",
					who, master->index);
	}
	return 0;
}

/* The PTY record of the pair of @master, once; its reference in *@ref. */
static int ckpt_pty_write_pair(struct ckpt_ctx *ctx, struct tty_struct *master,
			       const char *who, struct ckpt_pty_ref **ref)
{
	struct ckpt_ptys *ptys = ckpt_ptys(ctx);
	struct n_tty_state *st = NULL;
	struct ckpt_pty_ref *refs;
	struct ckpt_hdr_pty *h;
	const char *path;
	char *buf = NULL;
	unsigned int i;
	int ret;

	BUILD_BUG_ON(sizeof(struct ckpt_termios) != 56);
	BUILD_BUG_ON(sizeof(struct ckpt_winsize) != 8);
	BUILD_BUG_ON(sizeof(*h) != 176);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_pty_input) != 544);
	BUILD_BUG_ON(sizeof(st->buf) != CKPT_PTY_INPUT_MAX + 1);
	if (!ptys)
		return -ENOMEM;
	for (i = 0; i < ptys->nr_refs; i++)
		if (ptys->refs[i].master == master) {
			*ref = &ptys->refs[i];
			return 0;
		}
	refs = krealloc_array(ptys->refs, ptys->nr_refs + 1, sizeof(*refs), GFP_KERNEL);
	if (!refs)
		return -ENOMEM;
	ptys->refs = refs;
	h = kzalloc(sizeof(*h) + PATH_MAX, GFP_KERNEL);
	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	st = kvmalloc_array(2, sizeof(*st), GFP_KERNEL);
	ret = -ENOMEM;
	if (!h || !buf || !st)
		goto out;
	ret = ckpt_pty_master_path(ctx, master, buf, &path);
	if (ret) {
		ret = ckpt_err(ctx, ret == -ENOENT ? -EOPNOTSUPP : ret,
			       "%s: the master of pty %d is out of reach", who, master->index);
		goto out;
	}
	ret = ckpt_pty_state(ctx, master, h, who);
	if (!ret)
		ret = ckpt_pty_inputs(ctx, master, st, who);
	if (ret)
		goto out;
	ret = ckpt_obj_add(ctx, master, CKPT_OBJ_PTY);
	if (ret < 0)
		goto out;
	h->objref = ret;
	h->path_len = strlen(path) + 1;
	memcpy(h->path, path, h->path_len);
	ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_PTY, sizeof(*h) + h->path_len);
	if (!ret)
		ret = ckpt_pty_write_input(ctx, &st[0]);
	if (!ret)
		ret = ckpt_pty_write_input(ctx, &st[1]);
	if (ret)
		goto out;
	*ref = &ptys->refs[ptys->nr_refs++];
	memset(*ref, 0, sizeof(**ref));
	(*ref)->master = tty_kref_get(master);
	(*ref)->objref = h->objref;
out:
	kvfree(st);
	kfree(buf);
	kfree(h);
	return ret;
}

static int ckpt_pty_checkpoint(struct ckpt_ctx *ctx, struct file *file,
			       struct ckpt_file_rec *r)
{
	struct tty_struct *tty = ckpt_pty_get(file);
	struct ckpt_pty_ref *ref;
	bool master;
	int ret;

	if (!tty)
		return ckpt_err(ctx, -EOPNOTSUPP, "%s is a pty hung up, not supported", r->who);
	master = ckpt_pty_is_master(tty);
	ret = ckpt_pty_write_pair(ctx, master ? tty : tty->link, r->who, &ref);
	tty_kref_put(tty);
	if (ret)
		return ret;
	ret = ckpt_path_name(ctx, &file->f_path, r->buf, PATH_MAX, &r->name);
	if (ret)
		return ckpt_err(ctx, ret == -ENOENT ? -EOPNOTSUPP : ret,
				"%s is a pty out of reach", r->who);
	r->h->pipe_ref = ref->objref;
	if (master)
		r->h->rdev = CKPT_PTY_MASTER;
	else if (file_inode(file)->i_rdev == MKDEV(TTYAUX_MAJOR, 0))
		r->h->rdev = CKPT_PTY_DEV_TTY;
	else
		r->h->rdev = CKPT_PTY_SLAVE;
	if (master)
		ref->nr_master++;
	else
		ref->nr_slave++;
	return 0;
}

/* Has task @t a controlling terminal?  Which, referenced, if @tty. */
static bool ckpt_pty_task_tty(struct task_struct *t, struct tty_struct **tty)
{
	struct tty_struct *ctty = NULL;
	unsigned long flags;

	if (lock_task_sighand(t, &flags)) {
		ctty = tty_kref_get(t->signal->tty);
		unlock_task_sighand(t, &flags);
	}
	if (tty)
		*tty = ctty;
	else
		tty_kref_put(ctty);
	return ctty;
}

/**
 * ckpt_pty_tree_ctty() - mark the processes of the tree that have a
 *	controlling terminal of a session of the tree
 * @ctx: checkpoint context, the tree collected and quiet
 *
 * A process whose session's leader is outside the tree has no flag: at
 * restart it joins the caller's session and has its controlling terminal.
 */
void ckpt_pty_tree_ctty(struct ckpt_ctx *ctx)
{
	struct ckpt_tree *tree = ctx->tree;
	unsigned int i;

	for (i = 0; i < tree->nr; i++) {
		struct ckpt_tree_member *m = &tree->tasks[i];

		if (m->e.flags & (CKPT_TREE_TASK_THREAD | CKPT_TREE_TASK_ZOMBIE))
			continue;
		if (ckpt_pty_session_in_tree(tree, m->e.sid) && ckpt_pty_task_tty(m->task, NULL))
			m->e.flags |= CKPT_TREE_TASK_CTTY;
	}
}

/*
 * With CKPT_CHECKPOINT_INHERIT_STDIO: the descriptor of the root, 0 to 2,
 * that is an open of @tty (the lowest), or -1.
 */
static int ckpt_tty_inherited_fd(struct ckpt_ctx *ctx, struct tty_struct *tty)
{
	int fd;

	if (!(ctx->flags & CKPT_CHECKPOINT_INHERIT_STDIO) || !tty)
		return -1;
	for (fd = 0; fd <= 2; fd++) {
		struct file *file = fget_task(ctx->root_task, fd);
		struct tty_struct *its = NULL;

		if (file && S_ISCHR(file_inode(file)->i_mode))
			its = tty_file_tty_get(file);
		if (file)
			fput(file);
		tty_kref_put(its);
		if (its == tty)
			return fd;
	}
	return -1;
}

/* Session @sid of the tree has the inherited terminal @tty: its record. */
static int ckpt_tty_inherit_session(struct ckpt_ctx *ctx, struct tty_struct *tty, pid_t sid)
{
	struct pid_namespace *ns = task_active_pid_ns(ctx->root_task);
	struct ckpt_ptys *ptys = ckpt_ptys(ctx);
	struct ckpt_tty_inherited *inh;
	struct pid *session, *pgrp;
	pid_t pgid = 0, tty_sid;
	unsigned int i;
	bool fg;

	BUILD_BUG_ON(sizeof(inh->h) != 80);
	if (!ptys)
		return -ENOMEM;
	for (i = 0; i < ptys->nr_inh; i++)
		if (ptys->inh[i].tty == tty && ptys->inh[i].h.session == sid)
			return 0;
	spin_lock_irq(&tty->ctrl.lock);
	session = get_pid(tty->ctrl.session);
	pgrp = get_pid(tty->ctrl.pgrp);
	spin_unlock_irq(&tty->ctrl.lock);
	tty_sid = session ? pid_nr_ns(session, ns) : 0;
	if (pgrp)
		pgid = pid_nr_ns(pgrp, ns);
	fg = pgrp;
	put_pid(session);
	put_pid(pgrp);
	if (tty_sid != sid || i == ARRAY_SIZE(ptys->inh))
		return ckpt_err(ctx, -EBUSY,
				"the controlling terminal %s of session %d changed during the checkpoint",
				tty->name, sid);
	if (fg && !ckpt_pty_group_in_session(ctx->tree, pgid, sid))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"the foreground process group of %s, the controlling terminal of session %d, is not a group of the tree, not supported",
				tty->name, sid);
	inh = &ptys->inh[ptys->nr_inh];
	memset(inh, 0, sizeof(*inh));
	inh->h.session = sid;
	inh->h.fg_pgrp = pgid;
	inh->h.fd = ckpt_tty_inherited_fd(ctx, tty);
	ckpt_pty_save_termios(&inh->h.termios, tty);
	inh->tty = tty_kref_get(tty);
	ptys->nr_inh++;
	return 0;
}

/**
 * ckpt_pty_check_end() - the checks of the ptys once every file is written
 * @ctx: checkpoint context
 *
 * Every pair written must have its master in the image, and no open of an
 * end outside it; every process marked with a controlling terminal must
 * have one of these, or the terminal of one of the root's descriptors 0
 * to 2 with %CKPT_CHECKPOINT_INHERIT_STDIO: the TTY_INHERITED records of
 * those are written here.
 *
 * Return: 0 or a negative errno, logged.
 */
int ckpt_pty_check_end(struct ckpt_ctx *ctx)
{
	struct ckpt_ptys *ptys = ctx->ptys;
	struct ckpt_tree *tree = ctx->tree;
	unsigned int i, j;
	int ret;

	for (i = 0; ptys && i < ptys->nr_refs; i++) {
		struct ckpt_pty_ref *ref = &ptys->refs[i];
		struct tty_struct *master = ref->master;

		if (!ref->nr_master)
			return ckpt_err(ctx, -EOPNOTSUPP,
					"/dev/pts/%d: its master is outside the image, not supported",
					master->index);
		/* The master holds a count of its slave. */
		if (READ_ONCE(master->count) != ref->nr_master ||
		    READ_ONCE(master->link->count) != ref->nr_slave + 1)
			return ckpt_err(ctx, -EOPNOTSUPP,
					"pty %d is also open outside the image, not supported",
					master->index);
	}
	for (i = 0; i < tree->nr; i++) {
		struct ckpt_tree_member *m = &tree->tasks[i];
		struct tty_struct *tty;
		bool found = false;

		if (!(m->e.flags & CKPT_TREE_TASK_CTTY))
			continue;
		ckpt_pty_task_tty(m->task, &tty);
		for (j = 0; tty && ptys && j < ptys->nr_refs; j++)
			found |= ptys->refs[j].master->link == tty;
		ret = 0;
		if (!found && ckpt_tty_inherited_fd(ctx, tty) >= 0)
			ret = ckpt_tty_inherit_session(ctx, tty, m->e.sid);
		else if (!found)
			ret = ckpt_err(ctx, -EOPNOTSUPP,
				       "pid %d has a controlling terminal (%s) that is neither a pty whose master is in the image nor the terminal of its root's fd 0 to 2 (CKPT_CHECKPOINT_INHERIT_STDIO), not supported",
				       m->e.pid, tty ? tty->name : "gone");
		tty_kref_put(tty);
		if (ret)
			return ret;
	}
	ptys = ctx->ptys;
	for (i = 0; ptys && i < ptys->nr_inh; i++) {
		ret = ckpt_write_obj(ctx, &ptys->inh[i].h.h, CKPT_HDR_TTY_INHERITED,
				     sizeof(ptys->inh[i].h));
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- restart ---- */

/**
 * ckpt_pty_free() - free a pair of the restart object table
 * @ptr: the struct ckpt_pty
 */
void ckpt_pty_free(void *ptr)
{
	struct ckpt_pty *p = ptr;

	if (p->master)
		fput(p->master);
	tty_kref_put(p->tty);
	kfree(p);
}

/**
 * ckpt_pty_free_ctx() - drop what a checkpoint or restart keeps of ptys
 * @ctx: the context
 */
void ckpt_pty_free_ctx(struct ckpt_ctx *ctx)
{
	struct ckpt_ptys *ptys = ctx->ptys;
	unsigned int i;

	if (!ptys)
		return;
	for (i = 0; i < ptys->nr_refs; i++)
		tty_kref_put(ptys->refs[i].master);
	for (i = 0; i < ptys->nr_spares; i++) {
		fput(ptys->spares[i].file);
		kfree(ptys->spares[i].path);
	}
	for (i = 0; i < ptys->nr_inh; i++)
		tty_kref_put(ptys->inh[i].tty);
	kfree(ptys->refs);
	kfree(ptys->pairs);
	kfree(ptys->spares);
	kfree(ptys);
	ctx->ptys = NULL;
}

/* The master of a Unix 98 pair that @file is, referenced, or NULL. */
static struct tty_struct *ckpt_pty_master_of(struct file *file)
{
	struct tty_struct *tty = ckpt_pty_get(file);

	if (tty && !ckpt_pty_is_master(tty)) {
		tty_kref_put(tty);
		tty = NULL;
	}
	return tty;
}

/* Take the spare pair @index opened as @path, if there is one. */
static struct file *ckpt_pty_spare(struct ckpt_ptys *ptys, const char *path, u32 index)
{
	unsigned int i;

	for (i = 0; i < ptys->nr_spares; i++) {
		struct ckpt_pty_spare *s = &ptys->spares[i];
		struct tty_struct *tty = ckpt_pty_master_of(s->file);
		struct file *file = s->file;
		bool same = tty && tty->index == index && !strcmp(s->path, path);

		tty_kref_put(tty);
		if (same) {
			kfree(s->path);
			*s = ptys->spares[--ptys->nr_spares];
			return file;
		}
	}
	return NULL;
}

/*
 * Open the ptmx device @path until it gives pair @index: devpts gives the
 * lowest free number, so the lower free ones are kept as spares meanwhile.
 */
static struct file *ckpt_pty_open_master(struct ckpt_ctx *ctx, const char *path, u32 index)
{
	struct ckpt_ptys *ptys = ckpt_ptys(ctx);
	struct ckpt_pty_spare *s;
	struct tty_struct *tty;
	struct file *file;
	unsigned int n;
	int got;

	if (!ptys)
		return ERR_PTR(-ENOMEM);
	file = ckpt_pty_spare(ptys, path, index);
	if (file)
		return file;
	for (n = 0; n <= index; n++) {
		file = filp_open(path, O_RDWR | O_NOCTTY, 0);
		if (IS_ERR(file)) {
			ckpt_err(ctx, PTR_ERR(file), "cannot open %s (error %ld)", path,
				 PTR_ERR(file));
			return file;
		}
		tty = ckpt_pty_master_of(file);
		got = tty ? tty->index : -1;
		tty_kref_put(tty);
		if (got == index)
			return file;
		if (got < 0 || got > index) {
			fput(file);
			break;
		}
		s = krealloc_array(ptys->spares, ptys->nr_spares + 1, sizeof(*s), GFP_KERNEL);
		if (s)
			ptys->spares = s;
		s = s ? &ptys->spares[ptys->nr_spares] : NULL;
		if (s)
			s->path = kstrdup(path, GFP_KERNEL);
		if (!s || !s->path) {
			fput(file);
			return ERR_PTR(-ENOMEM);
		}
		s->file = file;
		ptys->nr_spares++;
	}
	ckpt_err(ctx, -EBUSY, "pty %u of %s is taken, or %s is not a ptmx device", index,
		 path, path);
	return ERR_PTR(-EBUSY);
}

static void ckpt_pty_load_termios(struct ktermios *k, const struct ckpt_termios *t)
{
	memset(k, 0, sizeof(*k));
	k->c_iflag = t->c_iflag;
	k->c_oflag = t->c_oflag;
	k->c_cflag = t->c_cflag;
	k->c_lflag = t->c_lflag;
	k->c_ispeed = t->c_ispeed;
	k->c_ospeed = t->c_ospeed;
	k->c_line = t->c_line;
	memcpy(k->c_cc, t->c_cc, NCCS);
}

/* Read a PTY_INPUT record into @st. */
static int ckpt_pty_read_input(struct ckpt_ctx *ctx, struct n_tty_state *st)
{
	const u32 known = CKPT_PTY_INPUT_LNEXT | CKPT_PTY_INPUT_ERASING | CKPT_PTY_INPUT_PUSH;
	struct ckpt_hdr_pty_input *in;
	int ret = 0;
	u32 i;

	in = ckpt_read_var(ctx, CKPT_HDR_PTY_INPUT, sizeof(*in),
			   sizeof(*in) + CKPT_PTY_INPUT_MAX);
	if (IS_ERR(in))
		return PTR_ERR(in);
	if (in->len != in->h.len - sizeof(*in) || in->canon_len > in->len ||
	    in->flags & ~known || in->__reserved || in->column > INT_MAX ||
	    in->canon_column > INT_MAX) {
		ret = ckpt_err(ctx, -EINVAL, "malformed pty input record");
		goto out;
	}
	for (i = in->len; i < CKPT_PTY_INPUT_MAX + 1; i++)
		if (in->eol[i / 8] & (1 << (i % 8))) {
			ret = ckpt_err(ctx, -EINVAL, "malformed pty input record");
			goto out;
		}
	memset(st, 0, sizeof(*st));
	st->len = in->len;
	st->canon_len = in->canon_len;
	st->column = in->column;
	st->canon_column = in->canon_column;
	st->lnext = in->flags & CKPT_PTY_INPUT_LNEXT;
	st->erasing = in->flags & CKPT_PTY_INPUT_ERASING;
	st->push = in->flags & CKPT_PTY_INPUT_PUSH;
	memcpy(st->buf, in->data, in->len);
	for (i = 0; i < in->len; i++)
		if (in->eol[i / 8] & (1 << (i % 8)))
			__set_bit(i, st->eol);
out:
	kvfree(in);
	return ret;
}

/* The record's own checks. */
static bool ckpt_pty_valid(const struct ckpt_hdr_pty *h)
{
	const u32 known = CKPT_PTY_LOCKED | CKPT_PTY_PACKET | CKPT_PTY_CTTY |
			  CKPT_PTY_SLAVE_CLOSED;
	unsigned int i;

	if (h->flags & ~known || h->index >= CKPT_PTY_INDEX_MAX || h->path[0] != '/' ||
	    h->slave_mode & ~07777 || h->__reserved ||
	    strnlen(h->path, h->path_len) != h->path_len - 1 ||
	    h->path_len != h->h.len - sizeof(*h))
		return false;
	if (h->flags & CKPT_PTY_CTTY ? h->session <= 0 || h->fg_pgrp < 0 :
	    h->session || h->fg_pgrp)
		return false;
	for (i = 0; i < 2; i++)
		if (h->termios[i].c_line != N_TTY ||
		    memchr_inv(h->termios[i].c_cc + NCCS, 0, sizeof(h->termios[i].c_cc) - NCCS))
			return false;
	return true;
}

/* Give the new pair @p the state of its record, and its input @st. */
static int ckpt_pty_set(struct ckpt_ctx *ctx, struct ckpt_pty *p, const struct n_tty_state *st)
{
	struct tty_struct *ends[2] = { p->tty, p->tty->link };
	struct ktermios k;
	int i, ret;

	for (i = 0; i < 2; i++) {
		struct ckpt_termios now = { };

		/*
		 * The termios calls on a master set its slave's: a master keeps
		 * the termios it was made with, which a new one has.
		 */
		if (!i) {
			ckpt_pty_save_termios(&now, ends[0]);
			if (memcmp(&now, &p->h.termios[0], sizeof(now)))
				return ckpt_err(ctx, -EINVAL,
						"malformed pty record %u (the termios of its master)",
						p->h.objref);
		} else {
			ckpt_pty_load_termios(&k, &p->h.termios[1]);
			ret = tty_set_termios(ends[1], &k);
			if (ret)
				return ckpt_err(ctx, ret,
						"cannot set the termios of pty %u (error %d)",
						p->h.index, ret);
		}
		mutex_lock(&ends[i]->winsize_mutex);
		ends[i]->winsize.ws_row = p->h.winsize[i].ws_row;
		ends[i]->winsize.ws_col = p->h.winsize[i].ws_col;
		ends[i]->winsize.ws_xpixel = p->h.winsize[i].ws_xpixel;
		ends[i]->winsize.ws_ypixel = p->h.winsize[i].ws_ypixel;
		mutex_unlock(&ends[i]->winsize_mutex);
		ret = n_tty_restore_state(ends[i], &st[i]);
		if (ret)
			return ckpt_err(ctx, ret == -EINVAL ? -EINVAL : ret,
					"cannot give pty %u its input again (error %d)",
					p->h.index, ret);
	}
	spin_lock_irq(&p->tty->ctrl.lock);
	p->tty->ctrl.packet = p->h.flags & CKPT_PTY_PACKET;
	spin_unlock_irq(&p->tty->ctrl.lock);
	/* Locked again once every slave is open (ckpt_pty_check_restart()). */
	clear_bit(TTY_PTY_LOCK, &p->tty->flags);
	return 0;
}

/*
 * Give the slave's node the mode and owner it had, as chmod(2) and chown(2)
 * would to the process of the image (the caller has its credentials).
 */
static int ckpt_pty_set_node(struct ckpt_ctx *ctx, struct ckpt_pty *p)
{
	struct user_namespace *ns = current_user_ns();
	struct dentry *dentry = p->tty->link->driver_data;
	kuid_t uid = make_kuid(ns, p->h.slave_uid);
	kgid_t gid = make_kgid(ns, p->h.slave_gid);
	struct iattr attr = { };
	struct inode *inode;
	int ret;

	if (!dentry || !d_inode(dentry))
		return ckpt_err(ctx, -ENOENT, "pty %u has no /dev/pts node", p->h.index);
	if (!uid_valid(uid) || !gid_valid(gid))
		return ckpt_err(ctx, -EINVAL,
				"the owner %u:%u of /dev/pts/%u has no id in the caller's user namespace",
				p->h.slave_uid, p->h.slave_gid, p->h.index);
	inode = d_inode(dentry);
	inode_lock(inode);
	if (!uid_eq(uid, inode->i_uid)) {
		attr.ia_valid |= ATTR_UID;
		attr.ia_uid = uid;
	}
	if (!gid_eq(gid, inode->i_gid)) {
		attr.ia_valid |= ATTR_GID;
		attr.ia_gid = gid;
	}
	if ((inode->i_mode & 07777) != p->h.slave_mode) {
		attr.ia_valid |= ATTR_MODE;
		attr.ia_mode = (inode->i_mode & S_IFMT) | p->h.slave_mode;
	}
	ret = attr.ia_valid ? notify_change(&nop_mnt_idmap, dentry, &attr, NULL) : 0;
	inode_unlock(inode);
	if (ret)
		return ckpt_err(ctx, ret,
				"cannot give /dev/pts/%u its mode %#o and owner %u:%u (error %d)",
				p->h.index, p->h.slave_mode, p->h.slave_uid, p->h.slave_gid, ret);
	return 0;
}

/**
 * ckpt_read_pty() - re-create a pty pair from its PTY record and the two
 *	PTY_INPUT records after it
 * @ctx: restart context
 * @hdr: the header of the PTY record, already read
 *
 * Return: 0 or a negative errno, logged.
 */
int ckpt_read_pty(struct ckpt_ctx *ctx, const struct ckpt_hdr *hdr)
{
	const struct cred *old = NULL;
	struct n_tty_state *st = NULL;
	struct ckpt_ptys *ptys = ckpt_ptys(ctx);
	struct ckpt_pty **pairs;
	struct ckpt_hdr_pty *h;
	struct ckpt_pty *p;
	int ret;

	if (!ptys)
		return -ENOMEM;
	h = ckpt_read_rest(ctx, hdr, CKPT_HDR_PTY, sizeof(*h) + 2, sizeof(*h) + PATH_MAX);
	if (IS_ERR(h))
		return PTR_ERR(h);
	st = kvmalloc_array(2, sizeof(*st), GFP_KERNEL);
	ret = -ENOMEM;
	if (!st)
		goto out;
	if (!ckpt_pty_valid(h)) {
		ret = ckpt_err(ctx, -EINVAL, "malformed pty record %u", h->objref);
		goto out;
	}
	ret = ckpt_pty_read_input(ctx, &st[0]);
	if (!ret)
		ret = ckpt_pty_read_input(ctx, &st[1]);
	if (ret)
		goto out;
	pairs = krealloc_array(ptys->pairs, ptys->nr_pairs + 1, sizeof(*pairs), GFP_KERNEL);
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (pairs)
		ptys->pairs = pairs;
	ret = -ENOMEM;
	if (!pairs || !p) {
		kfree(p);
		goto out;
	}
	memcpy(&p->h, h, sizeof(*h));
	/* The slave's inode belongs to its opener, as the original's did. */
	if (ctx->rst && ctx->rst->cred)
		old = override_creds(ctx->rst->cred);
	p->master = ckpt_pty_open_master(ctx, h->path, h->index);
	if (old)
		revert_creds(old);
	old = NULL;
	if (IS_ERR(p->master)) {
		ret = PTR_ERR(p->master);
		kfree(p);
		goto out;
	}
	p->tty = ckpt_pty_master_of(p->master);
	ret = ckpt_obj_insert(ctx, h->objref, p, CKPT_OBJ_PTY);
	if (ret)
		goto out;
	ptys->pairs[ptys->nr_pairs++] = p;
	ret = ckpt_pty_set(ctx, p, st);
	if (!ret && ctx->rst && ctx->rst->cred)
		old = override_creds(ctx->rst->cred);
	if (!ret)
		ret = ckpt_pty_set_node(ctx, p);
	if (old)
		revert_creds(old);
out:
	kvfree(st);
	kvfree(h);
	return ret;
}

/*
 * Open /dev/tty at @path as a process whose controlling terminal is @tty
 * would: the caller has that terminal for the time of the open.
 */
static struct file *ckpt_pty_open_dev_tty(const char *path, int flags, struct tty_struct *tty)
{
	struct tty_struct *own;
	struct file *file;

	spin_lock_irq(&current->sighand->siglock);
	own = current->signal->tty;
	current->signal->tty = tty_kref_get(tty);
	spin_unlock_irq(&current->sighand->siglock);
	file = filp_open(path, flags, 0);
	spin_lock_irq(&current->sighand->siglock);
	current->signal->tty = own;
	spin_unlock_irq(&current->sighand->siglock);
	tty_kref_put(tty);
	return file;
}

static struct file *ckpt_pty_restart(struct ckpt_ctx *ctx, const struct ckpt_hdr_file *h)
{
	int flags = (h->f_flags & O_ACCMODE) | O_NOCTTY | O_NONBLOCK;
	struct tty_struct *tty;
	struct ckpt_pty *p;
	struct file *file;

	if (h->path[0] != '/' || h->count || h->nr_pages || h->f_flags & O_PATH ||
	    h->rdev > CKPT_PTY_DEV_TTY)
		return ERR_PTR(-EINVAL);
	p = ckpt_obj_fetch(ctx, h->pipe_ref, CKPT_OBJ_PTY);
	if (IS_ERR(p))
		return ERR_CAST(p);
	if (h->rdev == CKPT_PTY_MASTER) {
		if (p->master_taken || (h->f_flags & O_ACCMODE) != O_RDWR)
			return ERR_PTR(-EINVAL);
		p->master_taken = true;
		return get_file(p->master);
	}
	if (h->rdev == CKPT_PTY_DEV_TTY)
		file = ckpt_pty_open_dev_tty(h->path, flags, p->tty->link);
	else
		file = filp_open(h->path, flags, 0);
	if (IS_ERR(file)) {
		ckpt_err(ctx, PTR_ERR(file), "cannot open %s again (error %ld)", h->path,
			 PTR_ERR(file));
		return file;
	}
	tty = ckpt_pty_get(file);
	tty_kref_put(tty);
	if (tty != p->tty->link) {
		fput(file);
		ckpt_err(ctx, -ESTALE, "%s is not the slave of pty %u", h->path, p->h.index);
		return ERR_PTR(-ESTALE);
	}
	return file;
}

/* The pair that controls session @sid. */
static struct ckpt_pty *ckpt_pty_of_session(struct ckpt_ctx *ctx, pid_t sid)
{
	struct ckpt_ptys *ptys = ctx->ptys;
	unsigned int i;

	for (i = 0; ptys && i < ptys->nr_pairs; i++)
		if (ptys->pairs[i]->h.flags & CKPT_PTY_CTTY && ptys->pairs[i]->h.session == sid)
			return ptys->pairs[i];
	return NULL;
}

/* The inherited terminal that controls session @sid. */
static struct ckpt_tty_inherited *ckpt_tty_of_session(struct ckpt_ctx *ctx, pid_t sid)
{
	struct ckpt_ptys *ptys = ctx->ptys;
	unsigned int i;

	for (i = 0; ptys && i < ptys->nr_inh; i++)
		if (ptys->inh[i].h.session == sid)
			return &ptys->inh[i];
	return NULL;
}

/* Read one TTY_INHERITED record: the caller's terminal it names. */
static int ckpt_tty_read_one(struct ckpt_ctx *ctx, const struct ckpt_hdr *hdr)
{
	struct ckpt_ptys *ptys = ckpt_ptys(ctx);
	struct ckpt_tty_inherited *inh;
	struct tty_struct *tty = NULL;
	struct file *file;
	unsigned int i;
	int ret;

	if (!ptys)
		return -ENOMEM;
	if (hdr->len != sizeof(inh->h) || ptys->nr_inh == ARRAY_SIZE(ptys->inh))
		return ckpt_err(ctx, -EINVAL, "malformed inherited terminal record");
	inh = &ptys->inh[ptys->nr_inh];
	memset(inh, 0, sizeof(*inh));
	inh->h.h = *hdr;
	ret = ckpt_read_payload(ctx, &inh->h.h, sizeof(inh->h));
	if (ret)
		return ret;
	if (inh->h.fd > 2 || inh->h.__reserved || inh->h.session <= 0 || inh->h.fg_pgrp < 0 ||
	    memchr_inv(inh->h.termios.c_cc + NCCS, 0, sizeof(inh->h.termios.c_cc) - NCCS))
		return ckpt_err(ctx, -EINVAL, "malformed inherited terminal record");
	for (i = 0; i < ptys->nr_inh; i++)
		if (ptys->inh[i].h.session == inh->h.session || ptys->inh[i].h.fd == inh->h.fd)
			return ckpt_err(ctx, -EINVAL,
					"malformed inherited terminal record (session %d twice)",
					inh->h.session);
	file = fget(inh->h.fd);
	if (file && S_ISCHR(file_inode(file)->i_mode))
		tty = tty_file_tty_get(file);
	if (file)
		fput(file);
	if (!tty)
		return ckpt_err(ctx, -ENOTTY,
				"the image's session %d has the terminal of the caller's fd %u as its controlling terminal, and that fd is not a terminal",
				inh->h.session, inh->h.fd);
	inh->tty = tty;
	ptys->nr_inh++;
	return 0;
}

/**
 * ckpt_tty_read_inherited() - read the TTY_INHERITED records of an image
 * @ctx: restart context, every task's records and the UNIX_QUEUE ones read
 *
 * Each takes the terminal of the caller's descriptor it names.
 *
 * Return: 0 or a negative errno, logged.
 */
int ckpt_tty_read_inherited(struct ckpt_ctx *ctx)
{
	return ckpt_read_each(ctx, CKPT_HDR_TTY_INHERITED, ckpt_tty_read_one);
}

/* The checks of the inherited terminals before the point of no return. */
static int ckpt_tty_check_inherited(struct ckpt_ctx *ctx, bool self)
{
	struct ckpt_ptys *ptys = ctx->ptys;
	unsigned int i;

	for (i = 0; ptys && i < ptys->nr_inh; i++) {
		const struct ckpt_tty_inherited *inh = &ptys->inh[i];
		struct tty_struct *tty = inh->tty;
		bool taken;

		if (!ckpt_pty_session_in_tree(ctx->tree, inh->h.session) ||
		    (inh->h.fg_pgrp &&
		     !ckpt_pty_group_in_session(ctx->tree, inh->h.fg_pgrp, inh->h.session)) ||
		    ckpt_pty_of_session(ctx, inh->h.session))
			return ckpt_err(ctx, -EINVAL,
					"malformed inherited terminal record (session %d)",
					inh->h.session);
		if (self)
			return ckpt_err(ctx, -EOPNOTSUPP,
					"the image's session has an inherited controlling terminal: restart it as a tree (CKPT_RESTART_NEW_PIDNS or CKPT_RESTART_SAME_PIDS)");
		if (tty->driver->type == TTY_DRIVER_TYPE_PTY && ckpt_pty_is_master(tty))
			return ckpt_err(ctx, -ENOTTY,
					"the caller's fd %u is the master of pty %d: the image's session %d needs a terminal to control",
					inh->h.fd, tty->index, inh->h.session);
		spin_lock_irq(&tty->ctrl.lock);
		taken = tty->ctrl.session;
		spin_unlock_irq(&tty->ctrl.lock);
		if (taken)
			return ckpt_err(ctx, -EBUSY,
					"the caller's fd %u (%s) is already the controlling terminal of a session: the image's session %d needs a terminal of its own (a new pty's slave)",
					inh->h.fd, tty->name, inh->h.session);
	}
	return 0;
}

/**
 * ckpt_pty_check_restart() - the checks of the controlling terminals of
 *	an image, every record read, before the point of no return
 * @ctx: restart context
 * @self: the caller becomes the one process of the image, in its own
 *	session
 *
 * Checks the terminals inherited from the caller too: each must be no
 * session's controlling terminal.  Locks again the pairs that were
 * locked, their slaves open, and closes again the slaves that were.
 *
 * Return: 0 or a negative errno, logged.
 */
int ckpt_pty_check_restart(struct ckpt_ctx *ctx, bool self)
{
	struct ckpt_ptys *ptys = ctx->ptys;
	struct ckpt_tree *tree = ctx->tree;
	unsigned int i;
	int ret;

	for (i = 0; ptys && i < ptys->nr_pairs; i++) {
		const struct ckpt_hdr_pty *h = &ptys->pairs[i]->h;

		if (!(h->flags & CKPT_PTY_CTTY))
			continue;
		if (!ckpt_pty_session_in_tree(tree, h->session) ||
		    (h->fg_pgrp && !ckpt_pty_group_in_session(tree, h->fg_pgrp, h->session)) ||
		    ckpt_pty_of_session(ctx, h->session) != ptys->pairs[i])
			return ckpt_err(ctx, -EINVAL, "malformed pty record %u (its session)",
					h->objref);
		if (self)
			return ckpt_err(ctx, -EOPNOTSUPP,
					"pty %u is the controlling terminal of the image's session: restart it as a tree (CKPT_RESTART_NEW_PIDNS or CKPT_RESTART_SAME_PIDS)",
					h->index);
	}
	ret = ckpt_tty_check_inherited(ctx, self);
	if (ret)
		return ret;
	for (i = 0; i < tree->nr; i++) {
		const struct ckpt_tree_task *e = &tree->tasks[i].e;

		if (e->flags & CKPT_TREE_TASK_CTTY && !ckpt_pty_of_session(ctx, e->sid) &&
		    !ckpt_tty_of_session(ctx, e->sid))
			return ckpt_err(ctx, -EINVAL,
					"malformed tree record: pid %d has a controlling terminal no pty record has",
					e->pid);
	}
	for (i = 0; ptys && i < ptys->nr_pairs; i++) {
		struct tty_struct *master = ptys->pairs[i]->tty;
		u32 flags = ptys->pairs[i]->h.flags;

		if (flags & CKPT_PTY_LOCKED)
			set_bit(TTY_PTY_LOCK, &master->flags);
		/* As the last close of a slave leaves them: the master reads EIO. */
		if (flags & CKPT_PTY_SLAVE_CLOSED) {
			set_bit(TTY_IO_ERROR, &master->link->flags);
			set_bit(TTY_OTHER_CLOSED, &master->flags);
		}
	}
	return 0;
}

/**
 * ckpt_pty_restore_ctty() - give current its controlling terminal again
 * @ctx: restart context, past the point of no return, @ctx->rst current's,
 *	its files restored, its session and group made
 */
void ckpt_pty_restore_ctty(struct ckpt_ctx *ctx)
{
	const struct ckpt_tree_task *e = &ctx->rst->member->e;
	struct ckpt_tty_inherited *inh = NULL;
	struct ckpt_tree *tree = ctx->tree;
	struct tty_struct *tty = NULL;
	struct pid *pgrp = NULL;
	struct ckpt_pty *p;
	pid_t fg_pgrp = 0;
	struct ktermios k;
	unsigned int i;

	if (!(e->flags & CKPT_TREE_TASK_CTTY))
		return;
	/* Checked before the point of no return. */
	p = ckpt_pty_of_session(ctx, e->sid);
	if (p) {
		tty = p->tty->link;
		fg_pgrp = p->h.fg_pgrp;
	} else {
		inh = ckpt_tty_of_session(ctx, e->sid);
		if (WARN_ON_ONCE(!inh))
			return;
		tty = inh->tty;
		fg_pgrp = inh->h.fg_pgrp;
	}
	/* The group a task of it is in now: its number may have changed. */
	for (i = 0; fg_pgrp && !pgrp && i < tree->nr; i++) {
		const struct ckpt_tree_member *m = &tree->tasks[i];

		if (m->e.pgid == fg_pgrp && m->e.sid == e->sid && m->task &&
		    !(m->e.flags & CKPT_TREE_TASK_ZOMBIE)) {
			rcu_read_lock();
			pgrp = get_pid(task_pgrp(m->task));
			rcu_read_unlock();
		}
	}
	tty_restore_ctty(tty, pgrp);
	put_pid(pgrp);
	/* The session's leader takes the terminal over with its modes. */
	if (inh && e->pid == e->sid) {
		ckpt_pty_load_termios(&k, &inh->h.termios);
		down_read(&tty->termios_rwsem);
		k.c_line = tty->termios.c_line;
		up_read(&tty->termios_rwsem);
		tty_set_termios(tty, &k);
	}
}

/* ---- another open of an inherited terminal ---- */

static bool ckpt_tty_inherited_match(struct ckpt_ctx *ctx, struct file *file)
{
	struct tty_struct *tty;
	int fd;

	if (!(ctx->flags & CKPT_CHECKPOINT_INHERIT_STDIO) || !S_ISCHR(file_inode(file)->i_mode))
		return false;
	tty = tty_file_tty_get(file);
	fd = ckpt_tty_inherited_fd(ctx, tty);
	tty_kref_put(tty);
	return fd >= 0;
}

static int ckpt_tty_inherited_checkpoint(struct ckpt_ctx *ctx, struct file *file,
					 struct ckpt_file_rec *r)
{
	struct tty_struct *tty = tty_file_tty_get(file);
	int fd = ckpt_tty_inherited_fd(ctx, tty), ret;

	tty_kref_put(tty);
	if (fd < 0)
		return ckpt_err(ctx, -EBUSY, "%s: the terminal hung up during the checkpoint",
				r->who);
	r->h->count = fd;
	r->h->pipe_ref = 0;
	if (file_inode(file)->i_rdev != MKDEV(TTYAUX_MAJOR, 0)) {
		r->h->rdev = CKPT_PTY_SLAVE;
		return 0;
	}
	r->h->rdev = CKPT_PTY_DEV_TTY;
	ret = ckpt_path_name(ctx, &file->f_path, r->buf, PATH_MAX, &r->name);
	if (ret)
		return ckpt_err(ctx, ret == -ENOENT ? -EOPNOTSUPP : ret,
				"%s is /dev/tty out of reach", r->who);
	return 0;
}

/*
 * Open again the terminal of the caller's descriptor @h->count: as that
 * descriptor's file is, or as /dev/tty at @h->path of a process whose
 * controlling terminal it is.
 */
static struct file *ckpt_tty_inherited_restart(struct ckpt_ctx *ctx,
					       const struct ckpt_hdr_file *h)
{
	int flags = (h->f_flags & O_ACCMODE) | O_NOCTTY | O_NONBLOCK;
	struct tty_struct *tty = NULL, *got;
	struct file *from, *file;
	int ret;

	if (h->count > 2 || h->pipe_ref || h->nr_pages || h->f_flags & O_PATH ||
	    (h->rdev != CKPT_PTY_SLAVE && h->rdev != CKPT_PTY_DEV_TTY) ||
	    (h->rdev == CKPT_PTY_DEV_TTY && h->path[0] != '/'))
		return ERR_PTR(-EINVAL);
	from = fget(h->count);
	if (from && S_ISCHR(file_inode(from)->i_mode))
		tty = tty_file_tty_get(from);
	if (!tty) {
		if (from)
			fput(from);
		ckpt_err(ctx, -ENOTTY,
			 "file %u is an open of the terminal of the caller's fd %llu, which is not a terminal",
			 h->objref, h->count);
		return ERR_PTR(-ENOTTY);
	}
	if (h->rdev == CKPT_PTY_DEV_TTY) {
		file = ckpt_pty_open_dev_tty(h->path, flags, tty);
	} else {
		/* The caller may open its terminal as the image's file did. */
		ret = inode_permission(file_mnt_idmap(from), file_inode(from),
				       ACC_MODE(h->f_flags & O_ACCMODE));
		file = ret ? ERR_PTR(ret) : dentry_open(&from->f_path, flags, current_cred());
	}
	fput(from);
	if (IS_ERR(file)) {
		ckpt_err(ctx, PTR_ERR(file),
			 "cannot open the terminal %s of the caller's fd %llu again (error %ld)",
			 tty->name, h->count, PTR_ERR(file));
		tty_kref_put(tty);
		return file;
	}
	got = tty_file_tty_get(file);
	tty_kref_put(got);
	if (got != tty) {
		ckpt_err(ctx, -ESTALE, "%s is not the terminal %s of the caller's fd %llu",
			 h->path, tty->name, h->count);
		fput(file);
		file = ERR_PTR(-ESTALE);
	}
	tty_kref_put(tty);
	return file;
}

/* Before the pty ops: a slave whose master is outside is one of these. */
const struct ckpt_file_ops ckpt_file_tty_inherited_ops = {
	.type = CKPT_FILE_TTY_INHERITED,
	.match = ckpt_tty_inherited_match,
	.checkpoint = ckpt_tty_inherited_checkpoint,
	.restart = ckpt_tty_inherited_restart,
};

const struct ckpt_file_ops ckpt_file_pty_ops = {
	.type = CKPT_FILE_PTY,
	.match = ckpt_pty_match,
	.check = ckpt_pty_check,
	.checkpoint = ckpt_pty_checkpoint,
	.restart = ckpt_pty_restart,
};
