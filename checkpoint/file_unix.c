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
 * Refused, with a line: a socket with a name (bound, listening, or
 * connected to a named socket), a peer outside the image, descriptors or
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

/* The options of &struct ckpt_unix_end.flags that are bits of sk_flags. */
static const struct {
	u32 ckpt;
	enum sock_flags flag;
} ckpt_unix_sk_flags[] = {
	{ CKPT_UNIX_KEEPALIVE, SOCK_KEEPOPEN },
	{ CKPT_UNIX_OOBINLINE, SOCK_URGINLINE },
	{ CKPT_UNIX_LINGER, SOCK_LINGER },
	{ CKPT_UNIX_BROADCAST, SOCK_BROADCAST },
	{ CKPT_UNIX_DONTROUTE, SOCK_LOCALROUTE },
	{ CKPT_UNIX_RXQ_OVFL, SOCK_RXQ_OVFL },
	{ CKPT_UNIX_SELECT_ERR_QUEUE, SOCK_SELECT_ERR_QUEUE },
	{ CKPT_UNIX_TIMESTAMP, SOCK_RCVTSTAMP },
	{ CKPT_UNIX_TIMESTAMPNS, SOCK_RCVTSTAMPNS },
	{ CKPT_UNIX_TIMESTAMP_NEW, SOCK_TSTAMP_NEW },
};

/* Bits of sk_flags a user sets that restart cannot set again. */
#define CKPT_UNIX_REFUSED_FLAGS	(BIT(SOCK_DBG) | BIT(SOCK_ZEROCOPY) | \
				 BIT(SOCK_TXTIME) | BIT(SOCK_RCVMARK) | \
				 BIT(SOCK_WIFI_STATUS) | BIT(SOCK_NOFCS) | \
				 BIT(SOCK_FILTER_LOCKED))

/* Was @sk bound to its name (bind(2), autobind), not given it by accept(2)? */
static bool ckpt_unix_bound(struct sock *sk)
{
	return READ_ONCE(sk->sk_hash) > UNIX_HASH_MOD || !hlist_unhashed(&sk->sk_bind_node);
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

/* A timeout in jiffies as getsockopt(2) reports it, in microseconds. */
static s64 ckpt_unix_timeo(long timeo)
{
	/* Longer than this reads back as "none" anyway. */
	s64 sec = min_t(s64, timeo / HZ, U32_MAX);

	if (timeo == MAX_SCHEDULE_TIMEOUT)
		return 0;
	return sec * USEC_PER_SEC + (timeo % HZ) * USEC_PER_SEC / HZ;
}

/*
 * The messages queued on @sk: count them into @nr and @len when @lens is
 * NULL, else copy their lengths, time stamps and bytes, at most @nr and
 * @len of them.  @sk is stopped with its peer, but locked all the same.
 */
static int ckpt_unix_queue(struct sock *sk, u32 *nr, u64 *len, u32 *lens,
			   s64 *tstamps, u8 *data)
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

/* What restart cannot give @sk again, or what it has in flight. */
static int ckpt_unix_check_sock(struct ckpt_ctx *ctx, struct sock *sk,
				const char *who)
{
	struct sk_buff *skb;
	bool filter;
	int what = 0;

	if (sk->sk_flags & CKPT_UNIX_REFUSED_FLAGS)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s is a unix socket with options restart cannot set (flags %#lx)",
				who, sk->sk_flags & CKPT_UNIX_REFUSED_FLAGS);
	rcu_read_lock();
	filter = rcu_access_pointer(sk->sk_filter);
	rcu_read_unlock();
	if (filter)
		return ckpt_err(ctx, -EOPNOTSUPP, "%s is a unix socket with a socket filter",
				who);
	if (READ_ONCE(sk->sk_tsflags) || READ_ONCE(sk->sk_bound_dev_if) ||
	    rcu_access_pointer(sk->sk_user_data))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s is a unix socket with SO_TIMESTAMPING, SO_BINDTOIFINDEX or a BPF map, not supported",
				who);
#if IS_ENABLED(CONFIG_AF_UNIX_OOB)
	if (READ_ONCE(unix_sk(sk)->oob_skb))
		return ckpt_err(ctx, -EOPNOTSUPP, "%s is a unix socket with out-of-band data",
				who);
#endif
	spin_lock(&sk->sk_receive_queue.lock);
	skb_queue_walk(&sk->sk_receive_queue, skb) {
		if (UNIXCB(skb).fp)
			what = 1;
		else if (UNIXCB(skb).pid)
			what = 2;
		else if (sk->sk_type == SOCK_STREAM && skb->len == UNIXCB(skb).consumed)
			what = 3;
		else if (skb->len > CKPT_UNIX_MSG_MAX)
			what = 4;
		if (what)
			break;
	}
	spin_unlock(&sk->sk_receive_queue.lock);
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
	struct inode *inode = SOCK_INODE(sk->sk_socket);
	struct pid *pid;
	bool same = true;
	int i;

	spin_lock(&sk->sk_peer_lock);
	pid = get_pid(sk->sk_peer_pid);
	pcred = get_cred(sk->sk_peer_cred);
	spin_unlock(&sk->sk_peer_lock);
	cred = get_task_cred(ctx->task);
	*nr = 0;
	if (!uid_eq(inode->i_uid, cred->fsuid) || !gid_eq(inode->i_gid, cred->fsgid))
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

static int ckpt_unix_check(struct ckpt_ctx *ctx, struct file *file, const char *who)
{
	struct sock *sk = sock_from_file(file)->sk, *peer;
	struct ckpt_unix_end e = { };
	u32 nr = 0;
	u64 len = 0;
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
		ckpt_unix_queue(sk, &nr, &len, NULL, NULL, NULL);
		if (nr)
			return ckpt_err(ctx, -EOPNOTSUPP,
					"%s is a listening unix socket with connections not accepted yet (%u), not supported",
					who, nr);
		ret = ckpt_unix_check_sock(ctx, sk, who);
		if (!ret)
			ret = ckpt_unix_check_peercred(ctx, sk, who, &pid);
		return ret;
	}
	peer = unix_peer_get(sk);
	if (peer) {
		struct socket *ps = peer->sk_socket;
		/* A datagram client of a server not connected back to it. */
		bool oneway = !sock_flag(peer, SOCK_DEAD) && unix_peer(peer) != sk;

		if (sock_flag(peer, SOCK_DEAD))
			ret = 0;
		else if (!ps || !ps->file || !ckpt_tree_has_file(ctx, ps->file))
			ret = ckpt_err(ctx, -EOPNOTSUPP,
				       "%s is a unix socket whose peer is outside the image", who);
		else if (oneway && sk->sk_type != SOCK_DGRAM)
			ret = ckpt_err(ctx, -EOPNOTSUPP,
				       "%s is a unix socket connected to one not connected back, not supported",
				       who);
		else if (oneway && !ckpt_unix_bound(peer))
			ret = ckpt_err(ctx, -EINVAL, "%s is a unix socket connected to no name",
				       who);
		sock_put(peer);
		if (ret)
			return ret;
		/* A client of a datagram server gets messages from it only. */
		ckpt_unix_queue(sk, &nr, &len, NULL, NULL, NULL);
		if (nr && oneway)
			return ckpt_err(ctx, -EOPNOTSUPP,
					"%s is a unix socket with %u messages from its datagram server, not supported",
					who, nr);
	} else {
		ckpt_unix_queue(sk, &nr, &len, NULL, NULL, NULL);
		if (nr)
			return ckpt_err(ctx, -EOPNOTSUPP,
					"%s is a unix socket with %u messages from sockets it is not connected to, not supported",
					who, nr);
	}
	ret = ckpt_unix_check_sock(ctx, sk, who);
	if (!ret)
		ret = ckpt_unix_check_peercred(ctx, sk, who, &pid);
	return ret;
}

/* The state of one end into @e; @open: a file of the image holds it. */
static void ckpt_unix_end_state(struct sock *sk, struct ckpt_unix_end *e, bool open)
{
	struct socket *sock = sk->sk_socket;
	unsigned int i;

	e->flags = open ? CKPT_UNIX_OPEN : 0;
	if (sock && test_bit(SOCK_PASSCRED, &sock->flags))
		e->flags |= CKPT_UNIX_PASSCRED;
	if (sock && test_bit(SOCK_PASSPIDFD, &sock->flags))
		e->flags |= CKPT_UNIX_PASSPIDFD;
	if (sock && test_bit(SOCK_PASSSEC, &sock->flags))
		e->flags |= CKPT_UNIX_PASSSEC;
	if (sk->sk_userlocks & SOCK_SNDBUF_LOCK)
		e->flags |= CKPT_UNIX_SNDBUF;
	if (sk->sk_userlocks & SOCK_RCVBUF_LOCK)
		e->flags |= CKPT_UNIX_RCVBUF;
	if (sk->sk_reuse)
		e->flags |= CKPT_UNIX_REUSEADDR;
	for (i = 0; i < ARRAY_SIZE(ckpt_unix_sk_flags); i++)
		if (sock_flag(sk, ckpt_unix_sk_flags[i].flag))
			e->flags |= ckpt_unix_sk_flags[i].ckpt;
	if (READ_ONCE(sk->sk_state) == TCP_LISTEN) {
		e->flags |= CKPT_UNIX_LISTEN;
		e->backlog = READ_ONCE(sk->sk_max_ack_backlog);
	}
	e->shutdown = READ_ONCE(sk->sk_shutdown) & SHUTDOWN_MASK;
	e->err = READ_ONCE(sk->sk_err);
	e->peek_off = READ_ONCE(sk->sk_peek_off);
	e->sndbuf = READ_ONCE(sk->sk_sndbuf);
	e->rcvbuf = READ_ONCE(sk->sk_rcvbuf);
	e->rcvlowat = READ_ONCE(sk->sk_rcvlowat);
	e->priority = READ_ONCE(sk->sk_priority);
	e->mark = READ_ONCE(sk->sk_mark);
	e->linger = min_t(unsigned long, READ_ONCE(sk->sk_lingertime) / HZ, INT_MAX);
	e->rcvtimeo_us = ckpt_unix_timeo(READ_ONCE(sk->sk_rcvtimeo));
	e->sndtimeo_us = ckpt_unix_timeo(READ_ONCE(sk->sk_sndtimeo));
}

/* Write the UNIX_MSG and DATA records of the messages queued on @sk. */
static int ckpt_unix_write_queue(struct ckpt_ctx *ctx, struct sock *sk,
				 struct ckpt_unix_end *e, const char *who)
{
	struct ckpt_hdr_unix_msg m = { };
	struct ckpt_hdr_data *d = NULL;
	u32 nr = e->nr_msgs, i, off;
	u64 len = e->data_len, pos = 0;
	s64 *tstamps = NULL;
	u32 *lens = NULL;
	u8 *data = NULL;
	int ret;

	BUILD_BUG_ON(sizeof(m) != 24);
	if (!nr)
		return 0;
	lens = kvmalloc_array(nr, sizeof(*lens), GFP_KERNEL);
	tstamps = kvmalloc_array(nr, sizeof(*tstamps), GFP_KERNEL);
	data = kvmalloc(len ?: 1, GFP_KERNEL);
	d = kmalloc(sizeof(*d) + CKPT_DATA_MAX, GFP_KERNEL);
	ret = -ENOMEM;
	if (!lens || !tstamps || !data || !d)
		goto out;
	ret = ckpt_unix_queue(sk, &nr, &len, lens, tstamps, data);
	if (ret) {
		ret = ckpt_err(ctx, -EBUSY, "%s is a unix socket whose queue changed", who);
		goto out;
	}
	for (i = 0; i < nr && !ret; i++) {
		m.len = lens[i];
		m.tstamp_ns = tstamps[i];
		ret = ckpt_write_obj(ctx, &m.h, CKPT_HDR_UNIX_MSG, sizeof(m));
		for (off = 0; off < lens[i] && !ret; off += CKPT_DATA_MAX) {
			u32 n = min_t(u32, lens[i] - off, CKPT_DATA_MAX);

			memcpy(d->data, data + pos + off, n);
			ret = ckpt_write_obj(ctx, &d->h, CKPT_HDR_DATA, sizeof(*d) + n);
		}
		pos += lens[i];
	}
out:
	kfree(d);
	kvfree(data);
	kvfree(tstamps);
	kvfree(lens);
	return ret;
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
	pid_t pid;
	int ret = 0;

	BUILD_BUG_ON(sizeof(struct ckpt_unix_end) != 208);
	BUILD_BUG_ON(sizeof(*h) != 440);
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
		struct ckpt_unix_end *e = &h->end[i];
		bool open = !sock_flag(socks[i], SOCK_DEAD);

		ckpt_unix_end_state(socks[i], e, open);
		if (!open)
			continue;
		ret = ckpt_unix_name(ctx, socks[i], who, e);
		if (!ret)
			ret = ckpt_unix_check_peercred(ctx, socks[i], who, &pid);
		if (ret)
			goto out;
		e->peer_pid = pid;
		ckpt_unix_queue(socks[i], &e->nr_msgs, &e->data_len, NULL, NULL, NULL);
	}
	ret = ckpt_obj_add(ctx, socks[0], CKPT_OBJ_UNIX);
	if (ret < 0)
		goto out;
	h->objref = ret;
	*objref = ret;
	ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_UNIX, sizeof(*h));
	for (i = 0; i < h->nr_ends && !ret; i++)
		ret = ckpt_unix_write_queue(ctx, socks[i], &h->end[i], who);
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

static int ckpt_unix_setopt(struct socket *sock, int opt, const void *val,
			    unsigned int len)
{
	return sock_setsockopt(sock, SOL_SOCKET, opt, KERNEL_SOCKPTR((void *)val), len);
}

static int ckpt_unix_setint(struct socket *sock, int opt, int val)
{
	return ckpt_unix_setopt(sock, opt, &val, sizeof(val));
}

/*
 * Set a buffer size as SO_SNDBUF or SO_RCVBUF did; it must come out equal.
 * One never set keeps the default of the restarting system.
 */
static int ckpt_unix_set_buf(struct ckpt_ctx *ctx, struct socket *sock, int opt,
			     u32 size, bool locked)
{
	struct sock *sk = sock->sk;
	u32 now;
	int ret;

	if (!locked)
		return 0;
	ret = ckpt_unix_setint(sock, opt, size / 2);
	if (ret)
		return ckpt_err(ctx, ret, "cannot set the buffer of a unix socket (error %d)",
				ret);
	now = opt == SO_SNDBUF ? READ_ONCE(sk->sk_sndbuf) : READ_ONCE(sk->sk_rcvbuf);
	if (now != size)
		return ckpt_err(ctx, -EPERM,
				"cannot give a unix socket a %s of %u bytes (it gets %u here)",
				opt == SO_SNDBUF ? "SO_SNDBUF" : "SO_RCVBUF", size, now);
	return 0;
}

static int ckpt_unix_set_timeo(struct socket *sock, int opt, s64 us)
{
	struct __kernel_sock_timeval tv;
	s32 rem;

	if (!us)
		return 0;
	tv.tv_sec = div_s64_rem(us, USEC_PER_SEC, &rem);
	tv.tv_usec = rem;
	return ckpt_unix_setopt(sock, opt, &tv, sizeof(tv));
}

/* The options of an end, after its queue is full again. */
static int ckpt_unix_set_options(struct ckpt_ctx *ctx, struct socket *sock,
				 const struct ckpt_unix_end *e)
{
	struct linger lg = { .l_onoff = 1, .l_linger = e->linger };
	int ts = 0, ret = 0;

	if (e->flags & CKPT_UNIX_PASSCRED)
		ret = ckpt_unix_setint(sock, SO_PASSCRED, 1);
	if (!ret && e->flags & CKPT_UNIX_PASSPIDFD)
		ret = ckpt_unix_setint(sock, SO_PASSPIDFD, 1);
	if (!ret && e->flags & CKPT_UNIX_PASSSEC)
		ret = ckpt_unix_setint(sock, SO_PASSSEC, 1);
	if (!ret && e->flags & CKPT_UNIX_KEEPALIVE)
		ret = ckpt_unix_setint(sock, SO_KEEPALIVE, 1);
	if (!ret && e->flags & CKPT_UNIX_OOBINLINE)
		ret = ckpt_unix_setint(sock, SO_OOBINLINE, 1);
	if (!ret && e->flags & CKPT_UNIX_REUSEADDR)
		ret = ckpt_unix_setint(sock, SO_REUSEADDR, 1);
	if (!ret && e->flags & CKPT_UNIX_BROADCAST)
		ret = ckpt_unix_setint(sock, SO_BROADCAST, 1);
	if (!ret && e->flags & CKPT_UNIX_DONTROUTE)
		ret = ckpt_unix_setint(sock, SO_DONTROUTE, 1);
	if (!ret && e->flags & CKPT_UNIX_RXQ_OVFL)
		ret = ckpt_unix_setint(sock, SO_RXQ_OVFL, 1);
	if (!ret && e->flags & CKPT_UNIX_SELECT_ERR_QUEUE)
		ret = ckpt_unix_setint(sock, SO_SELECT_ERR_QUEUE, 1);
	/* SO_LINGER off keeps the time it was given. */
	if (!ret && (e->linger || e->flags & CKPT_UNIX_LINGER))
		ret = ckpt_unix_setopt(sock, SO_LINGER, &lg, sizeof(lg));
	if (!ret && e->linger && !(e->flags & CKPT_UNIX_LINGER)) {
		lg.l_onoff = 0;
		ret = ckpt_unix_setopt(sock, SO_LINGER, &lg, sizeof(lg));
	}
	if (e->flags & CKPT_UNIX_TIMESTAMPNS)
		ts = e->flags & CKPT_UNIX_TIMESTAMP_NEW ? SO_TIMESTAMPNS_NEW : SO_TIMESTAMPNS_OLD;
	else if (e->flags & CKPT_UNIX_TIMESTAMP)
		ts = e->flags & CKPT_UNIX_TIMESTAMP_NEW ? SO_TIMESTAMP_NEW : SO_TIMESTAMP_OLD;
	if (!ret && ts)
		ret = ckpt_unix_setint(sock, ts, 1);
	if (!ret && e->peek_off != -1)
		ret = ckpt_unix_setint(sock, SO_PEEK_OFF, e->peek_off);
	if (!ret && e->rcvlowat != 1)
		ret = ckpt_unix_setint(sock, SO_RCVLOWAT, e->rcvlowat);
	if (!ret && e->priority)
		ret = ckpt_unix_setint(sock, SO_PRIORITY, e->priority);
	if (!ret && e->mark)
		ret = ckpt_unix_setint(sock, SO_MARK, e->mark);
	if (!ret)
		ret = ckpt_unix_set_timeo(sock, SO_RCVTIMEO_NEW, e->rcvtimeo_us);
	if (!ret)
		ret = ckpt_unix_set_timeo(sock, SO_SNDTIMEO_NEW, e->sndtimeo_us);
	if (ret)
		return ckpt_err(ctx, ret, "cannot set the options of a unix socket (error %d)",
				ret);
	return 0;
}

/* Read the next message of a queue and send it again from @from. */
static int ckpt_unix_refill_one(struct ckpt_ctx *ctx, struct socket *from,
				struct sock *to, u64 *left)
{
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
	struct ckpt_hdr_unix_msg *m;
	struct ckpt_hdr_data *d;
	struct kvec iov;
	u8 *buf = NULL;
	u32 len, off;
	s64 tstamp;
	int ret;

	m = ckpt_read_var(ctx, CKPT_HDR_UNIX_MSG, sizeof(*m), sizeof(*m));
	if (IS_ERR(m))
		return PTR_ERR(m);
	len = m->len;
	tstamp = m->tstamp_ns;
	ret = m->__reserved || len > *left || len > CKPT_UNIX_MSG_MAX || tstamp < 0 ||
	      (!len && to->sk_type == SOCK_STREAM);
	kvfree(m);
	if (ret)
		return ckpt_err(ctx, -EINVAL, "malformed unix socket message record");
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
	const u32 known = CKPT_UNIX_OPEN | CKPT_UNIX_SNDBUF | CKPT_UNIX_RCVBUF |
			  CKPT_UNIX_PASSCRED | CKPT_UNIX_PASSPIDFD | CKPT_UNIX_PASSSEC |
			  CKPT_UNIX_KEEPALIVE | CKPT_UNIX_OOBINLINE | CKPT_UNIX_LINGER |
			  CKPT_UNIX_REUSEADDR | CKPT_UNIX_BROADCAST | CKPT_UNIX_DONTROUTE |
			  CKPT_UNIX_RXQ_OVFL | CKPT_UNIX_SELECT_ERR_QUEUE |
			  CKPT_UNIX_TIMESTAMP | CKPT_UNIX_TIMESTAMPNS | CKPT_UNIX_TIMESTAMP_NEW |
			  CKPT_UNIX_BOUND | CKPT_UNIX_LISTEN;
	unsigned int i;

	if (h->type != SOCK_STREAM && h->type != SOCK_DGRAM && h->type != SOCK_SEQPACKET)
		return -EINVAL;
	if (h->nr_ends < 1 || h->nr_ends > 2 || !(h->end[0].flags & CKPT_UNIX_OPEN) ||
	    h->flags & ~CKPT_UNIX_CONNECT)
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
		if (e->flags & ~known || e->shutdown & ~(CKPT_UNIX_SHUT_RD | CKPT_UNIX_SHUT_WR) ||
		    e->err < 0 || e->err >= MAX_ERRNO || e->peek_off < -1 || e->peer_pid < 0 ||
		    e->rcvlowat > INT_MAX || e->rcvtimeo_us < 0 || e->sndtimeo_us < 0 ||
		    e->sndbuf > INT_MAX || e->rcvbuf > INT_MAX || e->linger > INT_MAX ||
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

		if (!e->name_len)
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

/* Make the sockets of @h as the restoring process, with the image's ids. */
static int ckpt_unix_make(struct ckpt_ctx *ctx, const struct ckpt_hdr_unix *h,
			  struct socket **socks)
{
	const struct cred *old = NULL;
	int ret;

	if (ctx->rst->cred)
		old = override_creds(ctx->rst->cred);
	ret = sock_create(AF_UNIX, h->type, 0, &socks[0]);
	if (!ret && h->nr_ends == 2) {
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
		ret = ckpt_unix_set_buf(ctx, socks[i], SO_SNDBUF, h->end[i].sndbuf,
					h->end[i].flags & CKPT_UNIX_SNDBUF);
		if (!ret)
			ret = ckpt_unix_set_buf(ctx, socks[i], SO_RCVBUF, h->end[i].rcvbuf,
						h->end[i].flags & CKPT_UNIX_RCVBUF);
	}
	/* What each end had to read, sent again by its peer. */
	for (i = 0; i < h->nr_ends && !ret; i++) {
		u64 left = h->end[i].data_len;
		u32 n;

		for (n = 0; n < h->end[i].nr_msgs && !ret; n++)
			ret = ckpt_unix_refill_one(ctx, socks[!i], socks[i]->sk, &left);
		if (!ret && left)
			ret = ckpt_err(ctx, -EINVAL, "malformed unix socket record %u (data)",
				       h->objref);
	}
	for (i = 0; i < h->nr_ends && !ret; i++) {
		const struct ckpt_unix_end *e = &h->end[i];
		int how = (e->shutdown & CKPT_UNIX_SHUT_RD ? 1 : 0) +
			  (e->shutdown & CKPT_UNIX_SHUT_WR ? 2 : 0);

		ret = ckpt_unix_set_options(ctx, socks[i], e);
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
		struct sock *sk = socks[i] ? socks[i]->sk : NULL;

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
	kvfree(h);
	return ret;
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

/**
 * ckpt_unix_connect_all() - connect the datagram clients of the process to
 * their servers again
 * @ctx: restart context, past the point of no return; every socket of the
 *	image made and bound; the image's credentials not committed yet
 *
 * Return: 0 or a negative errno, logged.
 */
int ckpt_unix_connect_all(struct ckpt_ctx *ctx)
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
		ret = ckpt_restore_peer_pid(ctx, file, p->peer_pid[h->rdev]);
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
};

/**
 * ckpt_unix_set_peer_pid() - set the process SO_PEERCRED reports
 * @file: a unix socket restart made
 * @pid: the process that made it, as restored
 */
void ckpt_unix_set_peer_pid(struct file *file, struct pid *pid)
{
	struct sock *sk = sock_from_file(file)->sk;
	struct pid *old;

	spin_lock(&sk->sk_peer_lock);
	old = sk->sk_peer_pid;
	sk->sk_peer_pid = get_pid(pid);
	spin_unlock(&sk->sk_peer_lock);
	put_pid(old);
}
