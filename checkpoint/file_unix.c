// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of unix domain sockets (AF_UNIX): stream, datagram
 * and seqpacket sockets made by socketpair(2), and sockets with no peer
 * and no name.
 *
 * A socket and its peer are one UNIX object record, written once before
 * the FILE record of the first of them, with the options of each end and
 * the messages queued on each, one UNIX_MSG record a message (its bytes in
 * DATA records), so that datagram and seqpacket boundaries are kept.  The
 * FILE record of each end names the pair and which end it is.
 *
 * Restart makes the pair again with socketpair(2), as the restoring
 * process with the image's credentials (SO_PEERCRED, the owner of the
 * inode), sends each queued message again from the peer, then sets the
 * options and shuts down what was shut down; an end that its holder had
 * closed is closed last, as it was, so that its peer sees the same end of
 * file or reset.  The process that made the pair, which SO_PEERCRED
 * reports, is set once every task of the image exists.
 *
 * A connection a listener has not accepted yet is a pair too: the socket
 * queued on the listener, which has no file, and its client.  Its record
 * follows the listener's, in the order of the listener's queue, and
 * restart connects a new client to the listener's name again, then sends
 * what the client had sent.
 *
 * Refused, with a line: a peer outside the image, descriptors or
 * credentials in flight (SCM_RIGHTS, SCM_CREDENTIALS), out-of-band data,
 * socket filters and the options restart cannot set again.
 */

#include <linux/cred.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/math64.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/net.h>
#include <linux/security.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/sockptr.h>
#include <net/af_unix.h>
#include <net/sock.h>

#include "internal.h"

/**
 * struct ckpt_unix - restart: a pair of unix sockets re-created
 * @files: the file of each open end, referenced until a FILE record takes
 *	it
 * @peer_pid: the process SO_PEERCRED of each end names, as the image
 *	numbers it
 * @connect_len: %CKPT_UNIX_CONNECT: the length of @connect, else 0
 * @connect: the name of the server end 0 connects to
 */
struct ckpt_unix {
	struct file *files[2];
	pid_t peer_pid[2];
	int connect_len;
	struct sockaddr_un connect;
};

/**
 * ckpt_unix_free() - free a socket pair of the restart object table
 * @ptr: the struct ckpt_unix
 */
void ckpt_unix_free(void *ptr)
{
	struct ckpt_unix *p = ptr;

	if (p->files[0])
		fput(p->files[0]);
	if (p->files[1])
		fput(p->files[1]);
	kfree(p);
}

/* Was @sk bound to its name (bind(2), autobind), not given it by accept(2)? */
static bool ckpt_unix_bound(struct sock *sk)
{
	return READ_ONCE(sk->sk_hash) > UNIX_HASH_MOD || !hlist_unhashed(&sk->sk_bind_node);
}

/* Is @sk a connection queued on a listener, which accept(2) has not taken? */
static bool ckpt_unix_embryo(struct sock *sk)
{
	return !READ_ONCE(sk->sk_socket) && !sock_flag(sk, SOCK_DEAD);
}

/* Is @file a listening unix socket on whose queue @arg, a socket, waits? */
static bool ckpt_unix_queues(struct file *file, void *arg)
{
	struct socket *sock = sock_from_file(file);
	struct sock *sk = sock ? sock->sk : NULL;
	struct sk_buff *skb;
	bool found = false;

	if (!sk || sk->sk_family != AF_UNIX || READ_ONCE(sk->sk_state) != TCP_LISTEN)
		return false;
	spin_lock(&sk->sk_receive_queue.lock);
	skb_queue_walk(&sk->sk_receive_queue, skb)
		if (skb->sk == arg) {
			found = true;
			break;
		}
	spin_unlock(&sk->sk_receive_queue.lock);
	return found;
}

/* Drop the sockets of ckpt_unix_queue_socks() and their array. */
static void ckpt_unix_put_all(struct sock **socks, int n)
{
	while (n > 0)
		if (socks[--n])
			sock_put(socks[n]);
	kfree(socks);
}

/*
 * The sockets of the buffers queued on @sk, oldest first, each referenced,
 * into *@socks (ckpt_unix_put_all() them): a listener's connections not
 * accepted yet, or the senders of a datagram socket's messages.  A sender
 * closed since is NULL: its buffers keep it only through its write
 * allocation, its last reference gone.  Their number, or a negative errno.
 */
static int ckpt_unix_queue_socks(struct sock *sk, struct sock ***socks)
{
	unsigned int n = skb_queue_len_lockless(&sk->sk_receive_queue), i = 0;
	struct sk_buff *skb;
	struct sock **v;

	*socks = NULL;
	if (!n)
		return 0;
	v = kmalloc_array(n, sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	spin_lock(&sk->sk_receive_queue.lock);
	skb_queue_walk(&sk->sk_receive_queue, skb) {
		if (i == n)
			break;
		v[i++] = refcount_inc_not_zero(&skb->sk->sk_refcnt) ? skb->sk : NULL;
	}
	if (skb_queue_len(&sk->sk_receive_queue) != n) {
		ckpt_unix_put_all(v, i);
		v = NULL;
	}
	spin_unlock(&sk->sk_receive_queue.lock);
	if (!v)
		return -EBUSY;
	*socks = v;
	return n;
}

/*
 * The name of @sk into @e, if it has one; a socket bound to a path must be
 * what that path still leads to, an absolute one, owned by its task.
 */
static int ckpt_unix_name(struct ckpt_ctx *ctx, struct sock *sk, const char *who,
			  struct ckpt_unix_end *e)
{
	/* Pairs with the release in bind and accept: the name is complete. */
	struct unix_address *addr = smp_load_acquire(&unix_sk(sk)->addr);
	const struct cred *cred;
	struct inode *inode;
	struct path path;
	bool ok;
	int ret;

	if (!addr)
		return 0;
	e->name_len = addr->len - offsetof(struct sockaddr_un, sun_path);
	if (e->name_len > sizeof(e->name))
		return ckpt_err(ctx, -EINVAL, "%s is a unix socket with a name of %u bytes",
				who, e->name_len);
	memcpy(e->name, addr->name->sun_path, e->name_len);
	if (!ckpt_unix_bound(sk))
		return 0;
	e->flags |= CKPT_UNIX_BOUND;
	if (!e->name_len || !e->name[0])
		return 0;
	/* Bound to a path: the file it made. */
	inode = d_backing_inode(unix_sk(sk)->path.dentry);
	if (e->name[0] != '/' || e->name[e->name_len - 1] ||
	    strlen(e->name) != e->name_len - 1 || !inode)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s is a unix socket bound to a relative name, not supported", who);
	ret = kern_path(e->name, 0, &path);
	ok = !ret && d_backing_inode(path.dentry) == inode;
	if (!ret)
		path_put(&path);
	if (!ok)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s is a unix socket bound to %s, which names another file or none now",
				who, e->name);
	cred = get_task_cred(ctx->task);
	ok = uid_eq(inode->i_uid, cred->fsuid) && gid_eq(inode->i_gid, cred->fsgid);
	put_cred(cred);
	if (!ok)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s is a unix socket bound to %s, a file of another user, not supported",
				who, e->name);
	e->mode = inode->i_mode & S_IALLUGO;
	e->dev = new_encode_dev(inode->i_sb->s_dev);
	e->ino = inode->i_ino;
	return 0;
}

static bool ckpt_unix_match(struct ckpt_ctx *ctx, struct file *file)
{
	struct socket *sock = sock_from_file(file);

	return sock && sock->sk && sock->sk->sk_family == AF_UNIX;
}

/*
 * The messages queued on @sk: count them into @nr and @len when @lens is
 * NULL, else copy their lengths, time stamps and bytes, at most @nr and
 * @len of them, and with @senders their senders, referenced.  @sk is
 * stopped with its peer, but locked all the same.
 */
static int ckpt_unix_queue(struct sock *sk, u32 *nr, u64 *len, u32 *lens,
			   s64 *tstamps, struct sock **senders, u8 *data)
{
	bool stream = sk->sk_type == SOCK_STREAM;
	struct sk_buff *skb;
	u32 n = 0;
	u64 bytes = 0;
	int ret = 0;

	spin_lock(&sk->sk_receive_queue.lock);
	skb_queue_walk(&sk->sk_receive_queue, skb) {
		u32 off = stream ? UNIXCB(skb).consumed : 0;
		u32 size = skb->len - off;

		if (lens) {
			if (n == *nr || bytes + size > *len ||
			    skb_copy_bits(skb, off, data + bytes, size)) {
				ret = -EAGAIN;
				break;
			}
			lens[n] = size;
			tstamps[n] = ktime_to_ns(skb->tstamp);
			/* A sender closed since has no reference left. */
			if (senders)
				senders[n] = refcount_inc_not_zero(&skb->sk->sk_refcnt) ?
					     skb->sk : NULL;
		}
		n++;
		bytes += size;
	}
	spin_unlock(&sk->sk_receive_queue.lock);
	if (!ret && lens && (n != *nr || bytes != *len))
		ret = -EAGAIN;
	*nr = n;
	*len = bytes;
	return ret;
}

/*
 * Whether @from, the sender of a message queued on @sk, is a socket restart
 * can send it from again: an open socket of the image, not @sk itself.
 */
static bool ckpt_unix_sender_ok(struct ckpt_ctx *ctx, struct sock *sk, struct sock *from)
{
	struct socket *sock = READ_ONCE(from->sk_socket);

	return from != sk && from->sk_family == AF_UNIX && !sock_flag(from, SOCK_DEAD) &&
	       sock && sock->file && ckpt_tree_has_file(ctx, sock->file);
}

/*
 * The messages of a datagram socket with no peer in its pair (a server,
 * or a client from its server): restart sends each again from its sender,
 * to the socket's name.  Each sender must be an open socket of the image.
 * When @busy, the check is made again while the records are written: a
 * process outside may have sent meanwhile.
 */
static int ckpt_unix_check_senders(struct ckpt_ctx *ctx, struct sock *sk, const char *who,
				   bool busy)
{
	struct sock **from;
	int n, i, ret = 0;

	n = ckpt_unix_queue_socks(sk, &from);
	if (n <= 0)
		return n;
	if (!ckpt_unix_bound(sk))
		ret = ckpt_err(ctx, -EOPNOTSUPP,
			       "%s is a unix socket with %d messages and no name to send them to again, not supported",
			       who, n);
	for (i = 0; i < n && !ret; i++)
		if (!from[i] || !ckpt_unix_sender_ok(ctx, sk, from[i]))
			ret = busy ? ckpt_err(ctx, -EBUSY,
					      "%s is a unix socket that a process outside the image sent to during checkpoint",
					      who) :
			      ckpt_err(ctx, -EOPNOTSUPP,
				       "%s is a unix socket with a message from %s, not supported",
				       who, from[i] == sk ? "itself" :
				       "a socket closed or outside the image");
	ckpt_unix_put_all(from, n);
	return ret;
}

/* What restart cannot give @sk again, or what it has in flight. */
static int ckpt_unix_check_sock(struct ckpt_ctx *ctx, struct sock *sk,
				const char *who)
{
	const struct cred *cred = NULL;
	struct pid *connector = NULL;
	struct sk_buff *skb;
	int what = 0;
	int ret;

	ret = ckpt_sock_check(ctx, sk, who, "a unix socket");
	if (ret)
		return ret;
#if IS_ENABLED(CONFIG_AF_UNIX_OOB)
	if (READ_ONCE(unix_sk(sk)->oob_skb))
		return ckpt_err(ctx, -EOPNOTSUPP, "%s is a unix socket with out-of-band data",
				who);
#endif
	/* A listener's queue holds connections, checked one by one. */
	if (READ_ONCE(sk->sk_state) == TCP_LISTEN)
		return 0;
	/*
	 * The kernel gives every message to a connection not accepted yet
	 * its sender's credentials, which its receiver may ask for: restart
	 * gives them those of the process that connected, sending as the
	 * task, so they must be those.
	 */
	if (ckpt_unix_embryo(sk)) {
		spin_lock(&sk->sk_peer_lock);
		connector = get_pid(sk->sk_peer_pid);
		spin_unlock(&sk->sk_peer_lock);
		cred = get_task_cred(ctx->task);
	}
	spin_lock(&sk->sk_receive_queue.lock);
	skb_queue_walk(&sk->sk_receive_queue, skb) {
		if (UNIXCB(skb).fp)
			what = 1;
		else if (UNIXCB(skb).pid &&
			 !(connector && UNIXCB(skb).pid == connector &&
			   uid_eq(UNIXCB(skb).uid, cred->uid) &&
			   gid_eq(UNIXCB(skb).gid, cred->gid)))
			what = 2;
		else if (sk->sk_type == SOCK_STREAM && skb->len == UNIXCB(skb).consumed)
			what = 3;
		else if (skb->len > CKPT_UNIX_MSG_MAX)
			what = 4;
		if (what)
			break;
	}
	spin_unlock(&sk->sk_receive_queue.lock);
	put_pid(connector);
	if (cred)
		put_cred(cred);
	switch (what) {
	case 1:
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s is a unix socket with descriptors in flight (SCM_RIGHTS), not supported",
				who);
	case 2:
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s is a unix socket with credentials in flight (SO_PASSCRED), not supported",
				who);
	case 3:
		return ckpt_err(ctx, -EOPNOTSUPP, "%s is a unix socket with out-of-band data",
				who);
	case 4:
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s is a unix socket with a message of more than %u bytes queued",
				who, CKPT_UNIX_MSG_MAX);
	}
	return 0;
}

/*
 * The credentials and process SO_PEERCRED reports (that made the pair,
 * connected, or listens), which restart gives it from the image's task:
 * the ids must be those of the task and the process one of the image.
 * Sets *@nr to its pid in the image, 0 for a socket without.
 */
static int ckpt_unix_check_peercred(struct ckpt_ctx *ctx, struct sock *sk,
				    const char *who, pid_t *nr)
{
	const struct cred *pcred, *cred;
	struct socket *sock = READ_ONCE(sk->sk_socket);
	struct inode *inode = sock ? SOCK_INODE(sock) : NULL;
	struct pid *pid;
	bool same = true;
	int i;

	spin_lock(&sk->sk_peer_lock);
	pid = get_pid(sk->sk_peer_pid);
	pcred = get_cred(sk->sk_peer_cred);
	spin_unlock(&sk->sk_peer_lock);
	cred = get_task_cred(ctx->task);
	*nr = 0;
	/* A connection not accepted has no inode yet. */
	if (inode && (!uid_eq(inode->i_uid, cred->fsuid) || !gid_eq(inode->i_gid, cred->fsgid)))
		same = false;
	if (pcred) {
		const struct group_info *a = pcred->group_info, *b = cred->group_info;

		if (!uid_eq(pcred->euid, cred->euid) || !gid_eq(pcred->egid, cred->egid) ||
		    a->ngroups != b->ngroups)
			same = false;
		for (i = 0; same && i < a->ngroups; i++)
			same = gid_eq(a->gid[i], b->gid[i]);
	}
	put_cred(cred);
	put_cred(pcred);
	if (!same) {
		put_pid(pid);
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s is a unix socket made or connected with other ids than its task's, not supported",
				who);
	}
	if (pid) {
		*nr = ckpt_owner_in_tree(ctx, pid, PIDTYPE_TGID);
		if (*nr <= 0) {
			*nr = pid_vnr(pid);
			put_pid(pid);
			return ckpt_err(ctx, -EOPNOTSUPP,
					"%s is a unix socket made or connected by pid %d, which is not in the image",
					who, *nr);
		}
	}
	put_pid(pid);
	return 0;
}

/*
 * The connections queued on listener @sk: each from a socket of the image
 * or one closed since, with what restart can queue again.
 */
static int ckpt_unix_check_pending(struct ckpt_ctx *ctx, struct sock *sk, const char *who)
{
	struct sock **socks, *client;
	int n, i, ret = 0;
	pid_t pid;

	n = ckpt_unix_queue_socks(sk, &socks);
	if (n < 0)
		return ckpt_err(ctx, n, "%s is a listening unix socket whose queue changed", who);
	for (i = 0; i < n && !ret; i++) {
		client = socks[i] ? unix_peer_get(socks[i]) : NULL;
		if (client && !sock_flag(client, SOCK_DEAD) &&
		    (!client->sk_socket || !client->sk_socket->file ||
		     !ckpt_tree_has_file(ctx, client->sk_socket->file)))
			ret = ckpt_err(ctx, -EOPNOTSUPP,
				       "%s is a listening unix socket with a connection not accepted from a socket outside the image, not supported",
				       who);
		else if (!client)
			ret = ckpt_err(ctx, -EBUSY,
				       "%s is a listening unix socket whose queue changed", who);
		if (client)
			sock_put(client);
		if (!ret)
			ret = ckpt_unix_check_sock(ctx, socks[i], who);
		if (!ret)
			ret = ckpt_unix_check_peercred(ctx, socks[i], who, &pid);
	}
	ckpt_unix_put_all(socks, n);
	return ret;
}

/* The file of the listener of @embryo in the tree, referenced, or NULL. */
static struct file *ckpt_unix_listener(struct ckpt_ctx *ctx, struct sock *embryo)
{
	return ckpt_tree_find_file(ctx, ckpt_unix_queues, embryo);
}

static int ckpt_unix_check(struct ckpt_ctx *ctx, struct file *file, const char *who)
{
	struct sock *sk = sock_from_file(file)->sk, *peer;
	struct ckpt_unix_end e = { };
	pid_t pid;
	int ret = 0;

	if (sk->sk_type != SOCK_STREAM && sk->sk_type != SOCK_DGRAM &&
	    sk->sk_type != SOCK_SEQPACKET)
		return ckpt_err(ctx, -EOPNOTSUPP, "%s is a unix socket of type %d, not supported",
				who, sk->sk_type);
	ret = ckpt_unix_name(ctx, sk, who, &e);
	if (ret)
		return ret;
	if (READ_ONCE(sk->sk_state) == TCP_LISTEN) {
		ret = ckpt_unix_check_sock(ctx, sk, who);
		if (!ret)
			ret = ckpt_unix_check_pending(ctx, sk, who);
		return ret ?: ckpt_unix_check_peercred(ctx, sk, who, &pid);
	}
	peer = unix_peer_get(sk);
	if (peer) {
		struct socket *ps = peer->sk_socket;
		/* A datagram client of a server not connected back to it. */
		bool oneway = !sock_flag(peer, SOCK_DEAD) && unix_peer(peer) != sk;
		struct file *listener;

		if (sock_flag(peer, SOCK_DEAD)) {
			ret = 0;
		} else if (ckpt_unix_embryo(peer)) {
			/* Not accepted yet: its listener saves it. */
			listener = ckpt_unix_listener(ctx, peer);
			if (listener)
				fput(listener);
			else
				ret = ckpt_err(ctx, -EOPNOTSUPP,
					       "%s is a unix socket connected to a listener outside the image, not accepted yet, not supported",
					       who);
		} else if (!ps || !ps->file || !ckpt_tree_has_file(ctx, ps->file)) {
			ret = ckpt_err(ctx, -EOPNOTSUPP,
				       "%s is a unix socket whose peer is outside the image", who);
		} else if (oneway && sk->sk_type != SOCK_DGRAM) {
			ret = ckpt_err(ctx, -EOPNOTSUPP,
				       "%s is a unix socket connected to one not connected back, not supported",
				       who);
		} else if (oneway && !ckpt_unix_bound(peer)) {
			ret = ckpt_err(ctx, -EINVAL, "%s is a unix socket connected to no name",
				       who);
		}
		sock_put(peer);
		/* A client of a datagram server gets messages from it only. */
		if (!ret && oneway)
			ret = ckpt_unix_check_senders(ctx, sk, who, false);
		if (ret)
			return ret;
	} else {
		ret = ckpt_unix_check_senders(ctx, sk, who, false);
		if (ret)
			return ret;
	}
	ret = ckpt_unix_check_sock(ctx, sk, who);
	if (!ret)
		ret = ckpt_unix_check_peercred(ctx, sk, who, &pid);
	return ret;
}

/* The options of an end, as &struct ckpt_unix_end has them. */
static void ckpt_unix_opts_to(struct ckpt_unix_end *e, const struct ckpt_sock_opts *o)
{
	e->flags = (e->flags & ~CKPT_SOCK_OPTIONS) | o->flags;
	e->peek_off = o->peek_off;
	e->sndbuf = o->sndbuf;
	e->rcvbuf = o->rcvbuf;
	e->rcvlowat = o->rcvlowat;
	e->priority = o->priority;
	e->mark = o->mark;
	e->linger = o->linger;
	e->rcvtimeo_us = o->rcvtimeo_us;
	e->sndtimeo_us = o->sndtimeo_us;
}

static void ckpt_unix_opts_from(const struct ckpt_unix_end *e, struct ckpt_sock_opts *o)
{
	o->flags = e->flags & CKPT_SOCK_OPTIONS;
	o->peek_off = e->peek_off;
	o->sndbuf = e->sndbuf;
	o->rcvbuf = e->rcvbuf;
	o->rcvlowat = e->rcvlowat;
	o->priority = e->priority;
	o->mark = e->mark;
	o->linger = e->linger;
	o->rcvtimeo_us = e->rcvtimeo_us;
	o->sndtimeo_us = e->sndtimeo_us;
}

/* The state of one end into @e; @open: a file of the image holds it. */
static void ckpt_unix_end_state(struct sock *sk, struct ckpt_unix_end *e, bool open)
{
	struct ckpt_sock_opts o;

	ckpt_sock_save(sk, &o);
	e->flags = open ? CKPT_UNIX_OPEN : 0;
	ckpt_unix_opts_to(e, &o);
	if (READ_ONCE(sk->sk_state) == TCP_LISTEN) {
		e->flags |= CKPT_UNIX_LISTEN;
		e->backlog = READ_ONCE(sk->sk_max_ack_backlog);
	}
	e->shutdown = READ_ONCE(sk->sk_shutdown) & SHUTDOWN_MASK;
	e->err = READ_ONCE(sk->sk_err);
}

/* Write the UNIX_MSG and DATA records of the messages queued on @sk. */
static int ckpt_unix_write_queue(struct ckpt_ctx *ctx, struct sock *sk,
				 struct ckpt_unix_end *e, bool senders, const char *who)
{
	struct ckpt_hdr_unix_msg m = { };
	struct ckpt_hdr_data *d = NULL;
	u32 nr = e->nr_msgs, i, off, got = 0;
	u64 len = e->data_len, pos = 0;
	struct sock **from = NULL;
	s64 *tstamps = NULL;
	u32 *lens = NULL;
	u8 *data = NULL;
	int ret;

	BUILD_BUG_ON(sizeof(m) != 24);
	if (!nr)
		return 0;
	lens = kvmalloc_array(nr, sizeof(*lens), GFP_KERNEL);
	tstamps = kvmalloc_array(nr, sizeof(*tstamps), GFP_KERNEL);
	if (senders)
		from = kvcalloc(nr, sizeof(*from), GFP_KERNEL);
	data = kvmalloc(len ?: 1, GFP_KERNEL);
	d = kmalloc(sizeof(*d) + CKPT_DATA_MAX, GFP_KERNEL);
	ret = -ENOMEM;
	if (!lens || !tstamps || (senders && !from) || !data || !d)
		goto out;
	ret = ckpt_unix_queue(sk, &nr, &len, lens, tstamps, from, data);
	got = nr;
	if (ret) {
		ret = ckpt_err(ctx, -EBUSY, "%s is a unix socket whose queue changed", who);
		goto out;
	}
	for (i = 0; i < nr && !ret; i++) {
		m.len = lens[i];
		m.tstamp_ns = tstamps[i];
		/* Its sender's FILE record came before, with its task's. */
		if (from) {
			struct socket *sock = from[i] ? READ_ONCE(from[i]->sk_socket) : NULL;

			m.sender = sock && sock->file ? ckpt_obj_lookup(ctx, sock->file) : 0;
			if (!m.sender) {
				ret = ckpt_err(ctx, -EBUSY,
					       "%s is a unix socket that a process outside the image sent to during checkpoint",
					       who);
				break;
			}
		}
		ret = ckpt_write_obj(ctx, &m.h, CKPT_HDR_UNIX_MSG, sizeof(m));
		for (off = 0; off < lens[i] && !ret; off += CKPT_DATA_MAX) {
			u32 n = min_t(u32, lens[i] - off, CKPT_DATA_MAX);

			memcpy(d->data, data + pos + off, n);
			ret = ckpt_write_obj(ctx, &d->h, CKPT_HDR_DATA, sizeof(*d) + n);
		}
		pos += lens[i];
	}
out:
	for (i = 0; from && i < got; i++)
		if (from[i])
			sock_put(from[i]);
	kvfree(from);
	kfree(d);
	kvfree(data);
	kvfree(tstamps);
	kvfree(lens);
	return ret;
}

/* The state, name, peer's process and queue of an end @sk, into @e. */
static int ckpt_unix_save_end(struct ckpt_ctx *ctx, struct sock *sk,
			      struct ckpt_unix_end *e, const char *who)
{
	bool open = !sock_flag(sk, SOCK_DEAD);
	pid_t pid;
	int ret;

	ckpt_unix_end_state(sk, e, open);
	if (!open)
		return 0;
	ret = ckpt_unix_name(ctx, sk, who, e);
	if (!ret)
		ret = ckpt_unix_check_peercred(ctx, sk, who, &pid);
	if (ret)
		return ret;
	e->peer_pid = pid;
	/* A listener's queue: its connections, with records of their own. */
	if (!(e->flags & CKPT_UNIX_LISTEN))
		ckpt_unix_queue(sk, &e->nr_msgs, &e->data_len, NULL, NULL, NULL, NULL);
	return 0;
}

/*
 * The UNIX record of a connection @embryo not accepted yet (end 0, named by
 * its listener's name) and its client (end 1), and what the client sent.
 */
static int ckpt_unix_write_pending(struct ckpt_ctx *ctx, struct sock *embryo,
				   const char *who)
{
	struct sock *client = unix_peer_get(embryo), *socks[2] = { embryo, client };
	struct ckpt_hdr_unix *h;
	unsigned int i;
	int ret;

	if (!client)
		return ckpt_err(ctx, -EBUSY, "%s is a listening unix socket whose queue changed",
				who);
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	ret = -ENOMEM;
	if (!h)
		goto out;
	h->type = embryo->sk_type;
	h->nr_ends = 2;
	h->flags = CKPT_UNIX_PENDING;
	/* Since the check, a process outside may have connected. */
	if (!sock_flag(client, SOCK_DEAD) &&
	    (!client->sk_socket || !client->sk_socket->file ||
	     !ckpt_tree_has_file(ctx, client->sk_socket->file))) {
		ret = ckpt_err(ctx, -EBUSY,
			       "%s is a unix socket that a process outside the image connected to during checkpoint",
			       who);
		goto out;
	}
	for (i = 0, ret = 0; i < 2 && !ret; i++)
		ret = ckpt_unix_save_end(ctx, socks[i], &h->end[i], who);
	if (ret)
		goto out;
	/* Nothing reaches the client before accept(2). */
	if (h->end[1].nr_msgs) {
		ret = ckpt_err(ctx, -EBUSY, "%s: a unix socket's queue changed", who);
		goto out;
	}
	ret = ckpt_obj_add(ctx, embryo, CKPT_OBJ_UNIX);
	if (ret < 0)
		goto out;
	h->objref = ret;
	ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_UNIX, sizeof(*h));
	if (!ret)
		ret = ckpt_unix_write_queue(ctx, embryo, &h->end[0], false, who);
out:
	kfree(h);
	sock_put(client);
	return ret;
}

/* After listener @sk's record, those of its connections, in order. */
static int ckpt_unix_write_pending_all(struct ckpt_ctx *ctx, struct sock *sk,
				       const char *who)
{
	struct sock **socks;
	int n, i, ret = 0;

	n = ckpt_unix_queue_socks(sk, &socks);
	if (n < 0)
		return ckpt_err(ctx, n, "%s is a listening unix socket whose queue changed", who);
	for (i = 0; i < n && !ret; i++)
		if (!socks[i])
			ret = ckpt_err(ctx, -EBUSY,
				       "%s is a listening unix socket whose queue changed", who);
		else if (!ckpt_obj_lookup(ctx, socks[i]))
			ret = ckpt_unix_write_pending(ctx, socks[i], who);
	ckpt_unix_put_all(socks, n);
	return ret;
}

/* The FILE record of the listener of @embryo, with those of its queue. */
static int ckpt_unix_write_listener(struct ckpt_ctx *ctx, struct sock *embryo,
				    const char *who)
{
	struct file *listener = ckpt_unix_listener(ctx, embryo);
	u32 objref;
	int ret;

	if (!listener)
		return ckpt_err(ctx, -EBUSY, "%s is a unix socket whose listener is gone",
				who);
	ret = ckpt_write_file_obj(ctx, listener, who, &objref);
	fput(listener);
	return ret;
}

/*
 * Keep @sk, a datagram socket with no peer, for ckpt_unix_write_queues():
 * the socket, not its file, whose holders the end of the checkpoint counts.
 */
static int ckpt_unix_defer_queue(struct ckpt_ctx *ctx, struct sock *sk)
{
	struct sock **v;

	v = krealloc_array(ctx->unix_queues, ctx->nr_unix_queues + 1, sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	ctx->unix_queues = v;
	sock_hold(sk);
	v[ctx->nr_unix_queues++] = sk;
	return 0;
}

/**
 * ckpt_unix_write_queues() - write the messages of the datagram sockets
 * with no peer, each with its sender
 * @ctx: checkpoint context, the records of every task written
 *
 * A UNIX_QUEUE record names the socket's FILE record; the UNIX_MSG
 * records after it name the FILE record of the socket that sent each.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_unix_write_queues(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_unix_queue q = { };
	unsigned int i;
	char who[32];
	int ret = 0;

	BUILD_BUG_ON(sizeof(q) != 24);
	for (i = 0; i < ctx->nr_unix_queues && !ret; i++) {
		struct sock *sk = ctx->unix_queues[i];
		struct socket *sock = READ_ONCE(sk->sk_socket);
		struct ckpt_unix_end e = { };

		q.file_ref = sock && sock->file ? ckpt_obj_lookup(ctx, sock->file) : 0;
		if (!q.file_ref) {
			ret = ckpt_err(ctx, -ESRCH,
				       "a unix socket of the image was closed during checkpoint");
			break;
		}
		snprintf(who, sizeof(who), "file %u", q.file_ref);
		ret = ckpt_unix_check_senders(ctx, sk, who, true);
		if (ret)
			break;
		ckpt_unix_queue(sk, &e.nr_msgs, &e.data_len, NULL, NULL, NULL, NULL);
		q.nr_msgs = e.nr_msgs;
		q.data_len = e.data_len;
		ret = ckpt_write_obj(ctx, &q.h, CKPT_HDR_UNIX_QUEUE, sizeof(q));
		if (!ret)
			ret = ckpt_unix_write_queue(ctx, sk, &e, true, who);
	}
	return ret;
}

/**
 * ckpt_unix_queues_free() - drop the sockets ckpt_unix_write_queues() kept
 * @ctx: checkpoint context
 */
void ckpt_unix_queues_free(struct ckpt_ctx *ctx)
{
	unsigned int i;

	for (i = 0; i < ctx->nr_unix_queues; i++)
		sock_put(ctx->unix_queues[i]);
	kfree(ctx->unix_queues);
	ctx->unix_queues = NULL;
	ctx->nr_unix_queues = 0;
}

/*
 * Write the UNIX record of @sk and its peer, once, and the messages queued
 * on each.  Sets *@objref, and *@end to the end @sk is.
 */
static int ckpt_unix_write_pair(struct ckpt_ctx *ctx, struct socket *sock,
				const char *who, u32 *objref, u32 *end)
{
	struct sock *sk = sock->sk, *peer = unix_peer_get(sk), *socks[2];
	struct ckpt_hdr_unix *h;
	unsigned int i;
	bool oneway;
	int ret = 0;

	BUILD_BUG_ON(sizeof(struct ckpt_unix_end) != 208);
	BUILD_BUG_ON(sizeof(*h) != 440);
	/* A client not accepted yet: written with its listener's record. */
	if (peer && ckpt_unix_embryo(peer)) {
		ret = ckpt_unix_write_listener(ctx, peer, who);
		*objref = ckpt_obj_lookup(ctx, peer);
		*end = 1;
		if (!ret && !*objref)
			ret = ckpt_err(ctx, -EBUSY,
				       "%s is a unix socket whose listener's queue changed", who);
		sock_put(peer);
		return ret;
	}
	/* A datagram client of a server: the server has a record of its own. */
	oneway = peer && !sock_flag(peer, SOCK_DEAD) && unix_peer(peer) != sk;
	/* A pair is known by its live end of lower address. */
	socks[0] = sk;
	socks[1] = oneway ? NULL : peer;
	if (socks[1] && !sock_flag(peer, SOCK_DEAD) && peer < sk)
		swap(socks[0], socks[1]);
	*end = socks[1] == sk;
	*objref = ckpt_obj_lookup(ctx, socks[0]);
	if (*objref)
		goto out_peer;

	h = kzalloc(sizeof(*h), GFP_KERNEL);
	ret = -ENOMEM;
	if (!h)
		goto out;
	h->type = sk->sk_type;
	h->nr_ends = socks[1] ? 2 : 1;
	if (oneway) {
		/* A bound server's name, complete (the release of bind). */
		struct unix_address *addr = smp_load_acquire(&unix_sk(peer)->addr);

		h->flags = CKPT_UNIX_CONNECT;
		h->end[1].name_len = addr->len - offsetof(struct sockaddr_un, sun_path);
		memcpy(h->end[1].name, addr->name->sun_path, h->end[1].name_len);
	}
	for (i = 0; i < h->nr_ends; i++) {
		ret = ckpt_unix_save_end(ctx, socks[i], &h->end[i], who);
		if (ret)
			goto out;
	}
	/*
	 * A socket with no peer: its messages come from other sockets, which
	 * restart makes before it sends them again: at the end of the image.
	 */
	if (h->nr_ends == 1 && h->end[0].nr_msgs) {
		ret = ckpt_unix_defer_queue(ctx, sk);
		if (ret)
			goto out;
		h->end[0].nr_msgs = 0;
		h->end[0].data_len = 0;
	}
	ret = ckpt_obj_add(ctx, socks[0], CKPT_OBJ_UNIX);
	if (ret < 0)
		goto out;
	h->objref = ret;
	*objref = ret;
	ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_UNIX, sizeof(*h));
	for (i = 0; i < h->nr_ends && !ret; i++)
		ret = ckpt_unix_write_queue(ctx, socks[i], &h->end[i], false, who);
	if (!ret && h->end[0].flags & CKPT_UNIX_LISTEN)
		ret = ckpt_unix_write_pending_all(ctx, sk, who);
out:
	kfree(h);
	if (peer)
		sock_put(peer);
	return ret;
out_peer:
	if (peer)
		sock_put(peer);
	return 0;
}

static int ckpt_unix_checkpoint(struct ckpt_ctx *ctx, struct file *file,
				struct ckpt_file_rec *r)
{
	u32 end;
	int ret;

	ret = ckpt_unix_write_pair(ctx, sock_from_file(file), r->who, &r->h->pipe_ref, &end);
	r->h->rdev = end;
	r->name = "";
	return ret;
}

/* ---- restart ---- */

/*
 * The socket that sent a message to @to, a datagram socket with no peer in
 * its record: that of the FILE record @objref, which restart has made.
 */
static struct socket *ckpt_unix_sender(struct ckpt_ctx *ctx, struct sock *to, u32 objref)
{
	struct file *file = ckpt_obj_fetch(ctx, objref, CKPT_OBJ_FILE);
	struct socket *sock;

	if (IS_ERR(file))
		return ERR_CAST(file);
	sock = sock_from_file(file);
	if (!sock || !sock->sk || sock->sk->sk_family != AF_UNIX ||
	    sock->sk->sk_type != to->sk_type || sock->sk == to) {
		ckpt_err(ctx, -EINVAL, "a unix socket message's sender %u is not a socket of its kind",
			 objref);
		return ERR_PTR(-EINVAL);
	}
	return sock;
}

/*
 * Read the next message of a queue and send it again from @from, the peer;
 * with @name, to that name from the sender the record names.
 */
static int ckpt_unix_refill_one(struct ckpt_ctx *ctx, struct socket *from,
				struct sock *to, struct sockaddr_un *name, int name_len,
				u64 *left)
{
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
	struct ckpt_hdr_unix_msg *m;
	struct ckpt_hdr_data *d;
	struct kvec iov;
	u8 *buf = NULL;
	u32 len, off, sender;
	s64 tstamp;
	int ret;

	m = ckpt_read_var(ctx, CKPT_HDR_UNIX_MSG, sizeof(*m), sizeof(*m));
	if (IS_ERR(m))
		return PTR_ERR(m);
	len = m->len;
	tstamp = m->tstamp_ns;
	sender = m->sender;
	ret = !sender != !name || len > *left || len > CKPT_UNIX_MSG_MAX || tstamp < 0 ||
	      (!len && to->sk_type == SOCK_STREAM);
	kvfree(m);
	if (ret)
		return ckpt_err(ctx, -EINVAL, "malformed unix socket message record");
	if (name) {
		from = ckpt_unix_sender(ctx, to, sender);
		if (IS_ERR(from))
			return PTR_ERR(from);
		msg.msg_name = name;
		msg.msg_namelen = name_len;
	}
	*left -= len;
	if (len) {
		buf = kvmalloc(len, GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
	}
	for (off = 0; off < len; ) {
		u32 n;

		d = ckpt_read_var(ctx, CKPT_HDR_DATA, sizeof(*d) + 1,
				  sizeof(*d) + min_t(u32, len - off, CKPT_DATA_MAX));
		if (IS_ERR(d)) {
			ret = PTR_ERR(d);
			goto out;
		}
		n = d->h.len - sizeof(*d);
		memcpy(buf + off, d->data, n);
		kvfree(d);
		off += n;
	}
	iov.iov_base = buf;
	iov.iov_len = len;
	ret = kernel_sendmsg(from, &msg, &iov, 1, len);
	if (ret != len) {
		ret = ckpt_err(ctx, ret < 0 ? ret : -ENOBUFS,
			       "cannot queue a message of %u bytes on a unix socket again (error %d)",
			       len, ret);
		goto out;
	}
	ret = 0;
	if (tstamp) {
		struct sk_buff *skb;

		spin_lock(&to->sk_receive_queue.lock);
		skb = skb_peek_tail(&to->sk_receive_queue);
		if (skb)
			skb->tstamp = ns_to_ktime(tstamp);
		spin_unlock(&to->sk_receive_queue.lock);
	}
out:
	kvfree(buf);
	return ret;
}

/* The name of an end, its listening state and what goes with them. */
static int ckpt_unix_valid_name(const struct ckpt_hdr_unix *h, const struct ckpt_unix_end *e)
{
	bool path = e->name_len && e->name[0];

	if (e->name_len > sizeof(e->name) ||
	    memchr_inv(e->name + e->name_len, 0, sizeof(e->name) - e->name_len))
		return -EINVAL;
	/* A closed end is not bound again: its name does not matter. */
	if (!(e->flags & CKPT_UNIX_OPEN) && (e->name_len || e->flags & CKPT_UNIX_LISTEN))
		return -EINVAL;
	if (path && (e->name[0] != '/' || e->name[e->name_len - 1] ||
		     strlen(e->name) != e->name_len - 1))
		return -EINVAL;
	if (!path || !(e->flags & CKPT_UNIX_BOUND)) {
		if (e->mode || e->dev || e->ino)
			return -EINVAL;
	} else if (e->mode & ~S_IALLUGO) {
		return -EINVAL;
	}
	if ((e->flags & CKPT_UNIX_BOUND) && !e->name_len)
		return -EINVAL;
	/* A name given by accept(2): a connected stream or seqpacket end. */
	if (e->name_len && !(e->flags & CKPT_UNIX_BOUND) &&
	    (h->nr_ends != 2 || h->type == SOCK_DGRAM))
		return -EINVAL;
	if (e->flags & CKPT_UNIX_LISTEN)
		return !(e->flags & CKPT_UNIX_BOUND) || h->nr_ends != 1 ||
		       h->type == SOCK_DGRAM || e->nr_msgs || e->backlog > INT_MAX ||
		       e->shutdown ? -EINVAL : 0;
	return e->backlog ? -EINVAL : 0;
}

/* The record's own checks, before anything is made. */
static int ckpt_unix_valid(const struct ckpt_hdr_unix *h)
{
	const u32 known = CKPT_UNIX_OPEN | CKPT_SOCK_OPTIONS | CKPT_UNIX_BOUND |
			  CKPT_UNIX_LISTEN;
	struct ckpt_sock_opts o;
	unsigned int i;

	if (h->type != SOCK_STREAM && h->type != SOCK_DGRAM && h->type != SOCK_SEQPACKET)
		return -EINVAL;
	if (h->nr_ends < 1 || h->nr_ends > 2 || !(h->end[0].flags & CKPT_UNIX_OPEN) ||
	    h->flags & ~(CKPT_UNIX_CONNECT | CKPT_UNIX_PENDING) ||
	    h->flags == (CKPT_UNIX_CONNECT | CKPT_UNIX_PENDING))
		return -EINVAL;
	/*
	 * Not accepted yet: end 0 has its listener's name, not bound, and
	 * what the client sent; the client nothing, and no listener.
	 */
	if (h->flags & CKPT_UNIX_PENDING &&
	    (h->nr_ends != 2 || h->type == SOCK_DGRAM || !h->end[0].name_len ||
	     h->end[0].flags & (CKPT_UNIX_BOUND | CKPT_UNIX_LISTEN) || h->end[1].nr_msgs ||
	     h->end[1].flags & CKPT_UNIX_LISTEN))
		return -EINVAL;
	if (h->flags & CKPT_UNIX_CONNECT) {
		struct ckpt_unix_end server = { };
		const struct ckpt_unix_end *e = &h->end[1];

		/* A client of a server: end 1 is only the server's name. */
		server.name_len = e->name_len;
		if (e->name_len > sizeof(e->name))
			return -EINVAL;
		memcpy(server.name, e->name, e->name_len);
		if (h->nr_ends != 1 || h->type != SOCK_DGRAM || h->end[0].nr_msgs ||
		    !e->name_len || memcmp(e, &server, sizeof(server)) ||
		    (e->name[0] && (e->name[0] != '/' || e->name[e->name_len - 1] ||
				    strlen(e->name) != e->name_len - 1)))
			return -EINVAL;
	}
	for (i = 0; i < 2; i++) {
		const struct ckpt_unix_end *e = &h->end[i];

		if (i >= h->nr_ends) {
			if (!(h->flags & CKPT_UNIX_CONNECT) && memchr_inv(e, 0, sizeof(*e)))
				return -EINVAL;
			continue;
		}
		if (ckpt_unix_valid_name(h, e))
			return -EINVAL;
		ckpt_unix_opts_from(e, &o);
		if (e->flags & ~known || e->shutdown & ~(CKPT_UNIX_SHUT_RD | CKPT_UNIX_SHUT_WR) ||
		    e->err < 0 || e->err >= MAX_ERRNO || e->peer_pid < 0 ||
		    !ckpt_sock_opts_valid(&o) ||
		    (e->nr_msgs && (h->nr_ends < 2 || !(e->flags & CKPT_UNIX_OPEN))) ||
		    e->data_len > (u64)e->nr_msgs * CKPT_UNIX_MSG_MAX)
			return -EINVAL;
	}
	return 0;
}

/*
 * The socket file the image's socket left at the path of @e, if it is
 * still there: removed, so that the socket can bind it again.  Any other
 * file there is left alone, and restart fails.
 */
static int ckpt_unix_unlink_stale(struct ckpt_ctx *ctx, const struct ckpt_unix_end *e)
{
	struct path path, parent;
	struct inode *inode;
	struct dentry *d;
	int ret;

	ret = kern_path(e->name, 0, &path);
	if (ret)
		return ret == -ENOENT ? 0 :
		       ckpt_err(ctx, ret, "cannot look up %s (error %d)", e->name, ret);
	inode = d_backing_inode(path.dentry);
	if (!S_ISSOCK(inode->i_mode) || inode->i_ino != e->ino ||
	    new_encode_dev(inode->i_sb->s_dev) != e->dev) {
		path_put(&path);
		return ckpt_err(ctx, -ESTALE, "%s is not the unix socket that was checkpointed",
				e->name);
	}
	/* Write access to the mount before the directory's lock. */
	ret = mnt_want_write(path.mnt);
	if (ret)
		goto out;
	d = kern_path_locked(e->name, &parent);
	if (IS_ERR(d)) {
		ret = PTR_ERR(d);
		goto out_write;
	}
	if (d_backing_inode(d) == inode && parent.mnt == path.mnt)
		ret = vfs_unlink(mnt_idmap(parent.mnt), d_inode(parent.dentry), d, NULL);
	else if (d_backing_inode(d))
		ret = -ESTALE;
	inode_unlock(d_inode(parent.dentry));
	dput(d);
	path_put(&parent);
out_write:
	mnt_drop_write(path.mnt);
out:
	path_put(&path);
	if (ret)
		ckpt_err(ctx, ret, "cannot remove the old socket %s (error %d)", e->name, ret);
	return ret;
}

/* Give the file of a socket bound to a path the permission bits of @e. */
static int ckpt_unix_chmod(struct ckpt_ctx *ctx, struct socket *sock,
			   const struct ckpt_unix_end *e)
{
	const struct path *path = &unix_sk(sock->sk)->path;
	struct inode *inode = d_inode(path->dentry);
	struct iattr ia = {
		.ia_valid = ATTR_MODE | ATTR_CTIME,
		.ia_mode = S_IFSOCK | e->mode,
	};
	int ret;

	if ((inode->i_mode & S_IALLUGO) == e->mode)
		return 0;
	ret = mnt_want_write(path->mnt);
	if (!ret) {
		inode_lock(inode);
		ret = notify_change(mnt_idmap(path->mnt), path->dentry, &ia, NULL);
		inode_unlock(inode);
		mnt_drop_write(path->mnt);
	}
	if (ret)
		ckpt_err(ctx, ret, "cannot give %s mode %#o (error %d)", e->name, e->mode, ret);
	return ret;
}

/*
 * Bind an end again to its name, as the image's user; a listening one
 * listens again.  The stale file of a name in the file system goes first.
 */
static int ckpt_unix_bind(struct ckpt_ctx *ctx, struct socket *sock,
			  const struct ckpt_unix_end *e)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int len = offsetof(struct sockaddr_un, sun_path) + e->name_len;
	bool path = e->name[0];
	int ret;

	memcpy(sun.sun_path, e->name, e->name_len);
	ret = path ? ckpt_unix_unlink_stale(ctx, e) : 0;
	if (ret)
		return ret;
	ret = kernel_bind(sock, (struct sockaddr *)&sun, len);
	if (ret)
		return ckpt_err(ctx, ret, "cannot bind a unix socket to %s (error %d)",
				path ? (const char *)e->name : "its abstract name", ret);
	if (path)
		ret = ckpt_unix_chmod(ctx, sock, e);
	if (ret || !(e->flags & CKPT_UNIX_LISTEN))
		return ret;
	ret = kernel_listen(sock, e->backlog);
	if (!ret && READ_ONCE(sock->sk->sk_max_ack_backlog) != e->backlog)
		ret = -EPERM;
	if (ret)
		ckpt_err(ctx, ret, "cannot listen with a backlog of %u (error %d)", e->backlog,
			 ret);
	return ret;
}

/* The name an accepted end reports: its listener's, not bound again. */
static int ckpt_unix_give_name(struct socket *sock, const struct ckpt_unix_end *e)
{
	int len = offsetof(struct sockaddr_un, sun_path) + e->name_len;
	struct unix_address *addr = kmalloc(sizeof(*addr) + len, GFP_KERNEL);

	if (!addr)
		return -ENOMEM;
	refcount_set(&addr->refcnt, 1);
	addr->len = len;
	addr->name->sun_family = AF_UNIX;
	memcpy(addr->name->sun_path, e->name, e->name_len);
	/* Freed with the socket, as a name accept(2) gives. */
	smp_store_release(&unix_sk(sock->sk)->addr, addr);
	return 0;
}

/* The names of the open ends of @h, as the image's user. */
static int ckpt_unix_names(struct ckpt_ctx *ctx, const struct ckpt_hdr_unix *h,
			   struct socket **socks)
{
	const struct cred *old = NULL;
	unsigned int i;
	int ret = 0;

	if (ctx->rst->cred)
		old = override_creds(ctx->rst->cred);
	for (i = 0; i < h->nr_ends && !ret; i++) {
		const struct ckpt_unix_end *e = &h->end[i];

		/* A connection not accepted gets its name by connecting. */
		if (!e->name_len || !socks[i])
			continue;
		if (e->flags & CKPT_UNIX_BOUND)
			ret = ckpt_unix_bind(ctx, socks[i], e);
		else
			ret = ckpt_unix_give_name(socks[i], e);
	}
	if (old)
		revert_creds(old);
	return ret;
}

/*
 * Connect the client of a connection not accepted (@sock, end 1) to its
 * listener's name (end 0's), which queues the connection (end 0) on it.
 */
static int ckpt_unix_connect_pending(struct ckpt_ctx *ctx, const struct ckpt_hdr_unix *h,
				     struct socket *sock, struct sock **embryo)
{
	const struct ckpt_unix_end *e = &h->end[0];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int len = offsetof(struct sockaddr_un, sun_path) + e->name_len;
	const struct cred *old = NULL;
	struct sock *peer;
	int ret;

	memcpy(sun.sun_path, e->name, e->name_len);
	if (ctx->rst->cred)
		old = override_creds(ctx->rst->cred);
	ret = kernel_connect(sock, (struct sockaddr *)&sun, len, O_NONBLOCK);
	if (old)
		revert_creds(old);
	if (ret)
		return ckpt_err(ctx, ret,
				"cannot connect a unix socket to its listener %s again (error %d)",
				e->name[0] ? (const char *)e->name : "(abstract)", ret);
	peer = unix_peer_get(sock->sk);
	if (!peer || !ckpt_unix_embryo(peer)) {
		if (peer)
			sock_put(peer);
		return ckpt_err(ctx, -EBUSY, "a unix socket's listener accepted it during restart");
	}
	*embryo = peer;
	return 0;
}

/* Make the sockets of @h as the restoring process, with the image's ids. */
static int ckpt_unix_make(struct ckpt_ctx *ctx, const struct ckpt_hdr_unix *h,
			  struct socket **socks)
{
	const struct cred *old = NULL;
	int ret;

	if (ctx->rst->cred)
		old = override_creds(ctx->rst->cred);
	/* Not accepted yet: the client alone, connected once named. */
	if (h->flags & CKPT_UNIX_PENDING)
		ret = sock_create(AF_UNIX, h->type, 0, &socks[1]);
	else
		ret = sock_create(AF_UNIX, h->type, 0, &socks[0]);
	if (!ret && h->nr_ends == 2 && !(h->flags & CKPT_UNIX_PENDING)) {
		ret = sock_create(AF_UNIX, h->type, 0, &socks[1]);
		if (!ret)
			ret = security_socket_socketpair(socks[0], socks[1]);
		if (!ret)
			ret = socks[0]->ops->socketpair(socks[0], socks[1]);
	}
	if (old)
		revert_creds(old);
	if (ret)
		ckpt_err(ctx, ret, "cannot make a unix socket pair (error %d)", ret);
	return ret;
}

/**
 * ckpt_read_unix() - re-create a unix socket and its peer from a UNIX
 * record and the records of their queues after it
 * @ctx: restart context
 * @hdr: the header of the UNIX record, already read
 *
 * Return: 0 or a negative errno, logged.
 */
int ckpt_read_unix(struct ckpt_ctx *ctx, const struct ckpt_hdr *hdr)
{
	struct socket *socks[2] = { };
	const struct cred *old;
	struct sock *embryo = NULL;
	struct ckpt_sock_opts o;
	struct ckpt_hdr_unix *h;
	struct ckpt_unix *p = NULL;
	unsigned int i;
	int ret;

	h = ckpt_read_rest(ctx, hdr, CKPT_HDR_UNIX, sizeof(*h), sizeof(*h));
	if (IS_ERR(h))
		return PTR_ERR(h);
	ret = ckpt_unix_valid(h);
	if (ret) {
		ret = ckpt_err(ctx, ret, "malformed unix socket record %u", h->objref);
		goto out;
	}
	ret = ckpt_unix_make(ctx, h, socks);
	if (!ret)
		ret = ckpt_unix_names(ctx, h, socks);
	if (ret)
		goto out;
	for (i = 0; i < h->nr_ends && !ret; i++) {
		if (!socks[i])
			continue;
		ckpt_unix_opts_from(&h->end[i], &o);
		ret = ckpt_sock_set_bufs(ctx, socks[i], &o);
	}
	if (!ret && h->flags & CKPT_UNIX_PENDING)
		ret = ckpt_unix_connect_pending(ctx, h, socks[1], &embryo);
	/*
	 * What each end had to read, sent again by its peer, as the task: a
	 * connection not accepted gets the sender's credentials with each.
	 */
	old = ctx->rst->cred ? override_creds(ctx->rst->cred) : NULL;
	for (i = 0; i < h->nr_ends && !ret; i++) {
		struct sock *to = socks[i] ? socks[i]->sk : embryo;
		u64 left = h->end[i].data_len;
		u32 n;

		for (n = 0; n < h->end[i].nr_msgs && !ret; n++)
			ret = ckpt_unix_refill_one(ctx, socks[!i], to, NULL, 0, &left);
		if (!ret && left)
			ret = ckpt_err(ctx, -EINVAL, "malformed unix socket record %u (data)",
				       h->objref);
	}
	if (old)
		revert_creds(old);
	for (i = 0; i < h->nr_ends && !ret; i++) {
		const struct ckpt_unix_end *e = &h->end[i];
		int how = (e->shutdown & CKPT_UNIX_SHUT_RD ? 1 : 0) +
			  (e->shutdown & CKPT_UNIX_SHUT_WR ? 2 : 0);

		/* Not accepted: what it has comes from its listener and client. */
		if (!socks[i])
			continue;
		ckpt_unix_opts_from(e, &o);
		ret = ckpt_sock_restore(ctx, socks[i], &o, 0);
		/* SHUT_RD 0, SHUT_WR 1, SHUT_RDWR 2 */
		if (!ret && how)
			ret = kernel_sock_shutdown(socks[i], how - 1);
	}
	if (ret)
		goto out;
	if (h->nr_ends == 2 && !(h->end[1].flags & CKPT_UNIX_OPEN)) {
		sock_release(socks[1]);
		socks[1] = NULL;
	}
	for (i = 0; i < h->nr_ends; i++) {
		struct sock *sk = socks[i] ? socks[i]->sk : i ? NULL : embryo;

		if (!sk)
			continue;
		/* What the peer's shutdown or close gave it must be the image's. */
		if ((READ_ONCE(sk->sk_shutdown) & SHUTDOWN_MASK) != h->end[i].shutdown) {
			ret = ckpt_err(ctx, -EINVAL,
				       "malformed unix socket record %u (shutdown)", h->objref);
			goto out;
		}
		WRITE_ONCE(sk->sk_err, h->end[i].err);
	}

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	ret = -ENOMEM;
	if (!p)
		goto out;
	p->peer_pid[0] = h->end[0].peer_pid;
	p->peer_pid[1] = h->end[1].peer_pid;
	/* The process that connected, which SO_PEERCRED names after accept. */
	if (embryo && h->end[0].peer_pid) {
		ret = ckpt_restore_peer_pid(ctx, embryo, h->end[0].peer_pid);
		if (ret) {
			ckpt_unix_free(p);
			goto out;
		}
	}
	if (h->flags & CKPT_UNIX_CONNECT) {
		p->connect.sun_family = AF_UNIX;
		memcpy(p->connect.sun_path, h->end[1].name, h->end[1].name_len);
		p->connect_len = offsetof(struct sockaddr_un, sun_path) + h->end[1].name_len;
	}
	for (i = 0; i < 2; i++) {
		struct file *file;

		if (!socks[i])
			continue;
		file = sock_alloc_file(socks[i], O_RDWR, NULL);
		socks[i] = NULL;
		if (IS_ERR(file)) {
			ret = PTR_ERR(file);
			ckpt_unix_free(p);
			goto out;
		}
		p->files[i] = file;
	}
	ret = ckpt_obj_insert(ctx, h->objref, p, CKPT_OBJ_UNIX);
out:
	for (i = 0; i < 2; i++)
		if (socks[i])
			sock_release(socks[i]);
	if (embryo)
		sock_put(embryo);
	kvfree(h);
	return ret;
}

/*
 * A UNIX_QUEUE record: the messages of a datagram socket with no peer,
 * sent again each from its sender to the socket's name.
 */
static int ckpt_unix_read_queue(struct ckpt_ctx *ctx, const struct ckpt_hdr *hdr)
{
	struct ckpt_hdr_unix_queue q;
	struct sockaddr_un name = { .sun_family = AF_UNIX };
	struct unix_address *addr = NULL;
	struct socket *sock;
	struct file *file;
	u64 left;
	u32 n;
	int ret;

	if (hdr->len != sizeof(q))
		return ckpt_err(ctx, -EINVAL, "malformed unix socket queue record");
	q.h = *hdr;
	ret = ckpt_read_payload(ctx, &q.h, sizeof(q));
	if (ret)
		return ret;
	if (!q.nr_msgs || q.data_len > (u64)q.nr_msgs * CKPT_UNIX_MSG_MAX)
		return ckpt_err(ctx, -EINVAL, "malformed unix socket queue record");
	file = ckpt_obj_fetch(ctx, q.file_ref, CKPT_OBJ_FILE);
	if (IS_ERR(file))
		return PTR_ERR(file);
	sock = sock_from_file(file);
	if (sock && sock->sk && sock->sk->sk_family == AF_UNIX &&
	    sock->sk->sk_type == SOCK_DGRAM)
		/* Pairs with the release in bind: the name is complete. */
		addr = smp_load_acquire(&unix_sk(sock->sk)->addr);
	if (!addr)
		return ckpt_err(ctx, -EINVAL,
				"unix socket queue record of file %u, not a datagram socket with a name",
				q.file_ref);
	memcpy(&name, addr->name, addr->len);
	left = q.data_len;
	for (n = 0; n < q.nr_msgs && !ret; n++)
		ret = ckpt_unix_refill_one(ctx, NULL, sock->sk, &name, addr->len, &left);
	if (!ret && left)
		ret = ckpt_err(ctx, -EINVAL, "malformed unix socket queue record (data)");
	return ret;
}

/**
 * ckpt_unix_read_queues() - read the messages of the datagram sockets with
 * no peer, and send them again
 * @ctx: restart context, every task's records read, before the tail
 *
 * Every socket of the image exists: each message is sent again from its
 * sender to its socket's name, as the caller.
 *
 * Return: 0 or a negative errno, logged.
 */
int ckpt_unix_read_queues(struct ckpt_ctx *ctx)
{
	return ckpt_read_each(ctx, CKPT_HDR_UNIX_QUEUE, ckpt_unix_read_queue);
}

/* Connect @file to its server once every socket of the image exists. */
static int ckpt_unix_add_connect(struct ckpt_ctx *ctx, struct file *file,
				 const struct ckpt_unix *p)
{
	struct ckpt_restart_state *rst = ctx->rst;
	struct ckpt_unix_connect *c;

	c = krealloc_array(rst->connects, rst->nr_connects + 1, sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	rst->connects = c;
	c += rst->nr_connects++;
	c->file = get_file(file);
	c->len = p->connect_len;
	c->addr = p->connect;
	return 0;
}

/*
 * Connect the datagram clients of the process of ctx->rst to their servers
 * again, with its credentials.
 */
static int ckpt_unix_connect_all(struct ckpt_ctx *ctx)
{
	struct ckpt_restart_state *rst = ctx->rst;
	const struct cred *old;
	unsigned int i;
	int ret = 0;

	old = override_creds(rst->cred);
	for (i = 0; i < rst->nr_connects && !ret; i++) {
		struct ckpt_unix_connect *c = &rst->connects[i];
		struct socket *sock = sock_from_file(c->file);
		bool cred = test_bit(SOCK_PASSCRED, &sock->flags);
		bool pidfd = test_bit(SOCK_PASSPIDFD, &sock->flags);

		/* Not bound: no automatic name, which these would give it. */
		clear_bit(SOCK_PASSCRED, &sock->flags);
		clear_bit(SOCK_PASSPIDFD, &sock->flags);
		ret = kernel_connect(sock, (struct sockaddr *)&c->addr, c->len, 0);
		assign_bit(SOCK_PASSCRED, &sock->flags, cred);
		assign_bit(SOCK_PASSPIDFD, &sock->flags, pidfd);
		if (ret)
			ckpt_err(ctx, ret, "cannot connect a unix socket to its server again (error %d)",
				 ret);
	}
	revert_creds(old);
	return ret;
}

/**
 * ckpt_unix_connect_tree() - connect the datagram clients of the image to
 * their servers again
 * @ctx: restart context, every record read and every socket of the image
 *	made, bound and given its messages; before the point of no return,
 *	so that a server that is not there fails the restart cleanly
 *
 * Return: 0 or a negative errno, logged.
 */
int ckpt_unix_connect_tree(struct ckpt_ctx *ctx)
{
	struct ckpt_tree *tree = ctx->tree;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < tree->nr && !ret; i++) {
		ctx->rst = tree->tasks[i].rst;
		if (ctx->rst)
			ret = ckpt_unix_connect_all(ctx);
	}
	ctx->rst = NULL;
	return ret;
}

/**
 * ckpt_unix_connects_free() - drop the connections kept for a process
 * @rst: its restart state
 */
void ckpt_unix_connects_free(struct ckpt_restart_state *rst)
{
	unsigned int i;

	for (i = 0; i < rst->nr_connects; i++)
		fput(rst->connects[i].file);
	kfree(rst->connects);
	rst->connects = NULL;
	rst->nr_connects = 0;
}

static struct file *ckpt_unix_restart(struct ckpt_ctx *ctx, const struct ckpt_hdr_file *h)
{
	struct ckpt_unix *p;
	struct file *file;
	int ret;

	if (h->path[0] || h->count || h->nr_pages || h->rdev > 1 ||
	    (h->f_flags & O_ACCMODE) != O_RDWR || !S_ISSOCK(h->mode))
		return ERR_PTR(-EINVAL);
	p = ckpt_obj_fetch(ctx, h->pipe_ref, CKPT_OBJ_UNIX);
	if (IS_ERR(p))
		return ERR_CAST(p);
	/* One file an end: another FILE record of it is malformed. */
	file = p->files[h->rdev];
	if (!file)
		return ERR_PTR(-EINVAL);
	p->files[h->rdev] = NULL;
	ret = 0;
	if (p->peer_pid[h->rdev])
		ret = ckpt_restore_peer_pid(ctx, sock_from_file(file)->sk, p->peer_pid[h->rdev]);
	if (!ret && p->connect_len)
		ret = ckpt_unix_add_connect(ctx, file, p);
	if (ret) {
		fput(file);
		return ERR_PTR(ret);
	}
	return file;
}

const struct ckpt_file_ops ckpt_file_unix_ops = {
	.type = CKPT_FILE_UNIX,
	.match = ckpt_unix_match,
	.check = ckpt_unix_check,
	.checkpoint = ckpt_unix_checkpoint,
	.restart = ckpt_unix_restart,
	.fasync = ckpt_sock_fasync,
};

/**
 * ckpt_unix_set_peer_pid() - set the process SO_PEERCRED reports
 * @sk: a unix socket restart made
 * @pid: the process that made it, or connected, as restored
 */
void ckpt_unix_set_peer_pid(struct sock *sk, struct pid *pid)
{
	struct sk_buff *skb;
	struct pid *old;

	/* And the sender of what a connection not accepted has queued. */
	if (ckpt_unix_embryo(sk)) {
		spin_lock(&sk->sk_receive_queue.lock);
		skb_queue_walk(&sk->sk_receive_queue, skb) {
			old = UNIXCB(skb).pid;
			UNIXCB(skb).pid = get_pid(pid);
			put_pid(old);
		}
		spin_unlock(&sk->sk_receive_queue.lock);
	}

	spin_lock(&sk->sk_peer_lock);
	old = sk->sk_peer_pid;
	sk->sk_peer_pid = get_pid(pid);
	spin_unlock(&sk->sk_peer_lock);
	put_pid(old);
}
