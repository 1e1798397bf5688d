// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of TCP and UDP sockets over IPv4 and IPv6: the FILE
 * record, then an INET record with the addresses, the options and, for a
 * TCP connection, its sequence numbers, windows and the options it agreed
 * on, then the bytes of its queues in DATA records: those received and not
 * read, then those written and not acknowledged.
 *
 * A socket that is not connected is made again, bound and, for a TCP one,
 * listening, when its FILE record is read.  A TCP connection is restored
 * only with its peer, another socket of the image: once every record is
 * read, restart puts each one in the kernel's TCP repair mode, binds and
 * connects it without a packet, gives it its sequence numbers, options,
 * windows and queues, then takes them all out of repair mode together, so
 * that neither end ever sees the other missing.  The bytes in flight are
 * sent again; those written and not sent yet are written again.  No
 * packet leaves the two ends, which both belong to the caller, so this
 * needs no privilege.
 *
 * A connection whose peer is outside the image is saved only with
 * CKPT_CHECKPOINT_TCP_ESTABLISHED, and moves to the image: from the moment
 * its state is read, a socket filter that drops every packet keeps its
 * peer's packets from changing it, as if lost on the way; after a
 * successful checkpoint the original is put in repair mode and held here,
 * hashed and silent, so that its port and its peer get nothing from it,
 * not even when its process exits.  Restart with
 * CKPT_RESTART_TCP_ESTABLISHED drops the held socket without a packet,
 * restores the connection alone, with all its queue as sent, its packets
 * still dropped, and lets it go only past the point of no return: its peer
 * sees a pause and sends again what was dropped.  A restart that fails
 * holds the restored socket instead, for another.  A held socket no
 * restart takes over is dropped, without a packet, after
 * CKPT_INET_HOLD_SECONDS.
 *
 * A connection with a half shut down (FIN_WAIT1, FIN_WAIT2, CLOSE_WAIT,
 * shutdown(SHUT_RD)), its peer in the image, is saved without its FIN:
 * restart restores it established and shuts the half down again once it
 * runs, after the data written before; the FIN goes to the peer, which
 * takes it after the data it had not read.  A connection that ended (both
 * FINs, a reset) on a socket still open is a closed socket with the bytes
 * its reader has not read yet and the end of its stream: restart queues
 * them on a new closed socket, whose reads return them, then 0.
 *
 * Refused, with a line: other protocols, a TCP socket connecting or
 * closing both ways (SYN_SENT, CLOSING, LAST_ACK, TIME_WAIT), a listener
 * with connections not accepted yet, a connection whose peer is outside
 * the image without the flag, or with a half shut down, urgent data, and
 * options restart cannot set again.
 *
 * The datagrams queued on a UDP socket follow its INET record, each an
 * INET_DGRAM record with its bytes, its source and its time stamp; restart
 * queues each one again with the IP and UDP headers it came with.
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/filter.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/net.h>
#include <linux/nsproxy.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/sockptr.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/uio.h>
#include <linux/workqueue.h>
#include <net/addrconf.h>
#include <net/inet_connection_sock.h>
#include <net/inet_hashtables.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/route.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/udp.h>
#if IS_BUILTIN(CONFIG_IPV6)
#include <net/inet6_hashtables.h>
#endif

#include "internal.h"

/* The queues of one TCP connection, in bytes: more is refused. */
#define CKPT_INET_QUEUE_MAX	(64U << 20)

/* How long a connection whose peer is outside waits for its restart. */
#define CKPT_INET_HOLD_SECONDS	600

/**
 * struct ckpt_inet_held - a TCP connection whose peer is outside the image,
 * held in repair mode with its packets dropped until a restart takes it
 * over
 * @list: in ckpt_inet_held_list
 * @file: its socket's file, referenced
 * @net: its network namespace, which the socket holds
 * @src: its local address, IPv4 mapped
 * @dst: its peer's address, IPv4 mapped
 * @sport: its local port
 * @dport: its peer's port
 * @expires: when it is dropped, in jiffies
 */
struct ckpt_inet_held {
	struct list_head list;
	struct file *file;
	struct net *net;
	struct in6_addr src, dst;
	u16 sport, dport;
	unsigned long expires;
};

/**
 * struct ckpt_inet_pending - restart: a TCP connection to connect once every
 * socket of the image exists; checkpoint: one whose peer is outside, its
 * packets dropped
 * @file: its file, referenced
 * @cred: restart: the credentials it binds with
 * @h: its INET record
 * @data: restart: the bytes of its queues, @h.inq_len then @h.outq_len
 * @held: its entry in ckpt_inet_held_list if it is to be held, allocated
 *	beforehand; for a connection whose peer is outside
 * @connected: restart: hashed with its addresses, in repair mode
 * @released: restart: out of repair mode, past the point of no return
 */
struct ckpt_inet_pending {
	struct file *file;
	const struct cred *cred;
	struct ckpt_hdr_inet h;
	u8 *data;
	struct ckpt_inet_held *held;
	bool connected;
	bool released;
};

static LIST_HEAD(ckpt_inet_held_list);
static DEFINE_MUTEX(ckpt_inet_held_lock);
static void ckpt_inet_expire(struct work_struct *work);
static DECLARE_DELAYED_WORK(ckpt_inet_expire_work, ckpt_inet_expire);

/* The socket filter that drops every packet, shared; never freed. */
static struct sk_filter *ckpt_inet_drop;
static DEFINE_MUTEX(ckpt_inet_drop_lock);

static struct sk_filter *ckpt_inet_drop_filter(void)
{
	struct sock_filter insns[] = { BPF_STMT(BPF_RET | BPF_K, 0) };
	struct sock_fprog_kern fprog = { .len = ARRAY_SIZE(insns), .filter = insns };
	struct bpf_prog *prog;
	struct sk_filter *fp;

	mutex_lock(&ckpt_inet_drop_lock);
	fp = ckpt_inet_drop;
	if (!fp) {
		fp = kmalloc(sizeof(*fp), GFP_KERNEL);
		if (fp && bpf_prog_create(&prog, &fprog)) {
			kfree(fp);
			fp = NULL;
		}
		if (fp) {
			fp->prog = prog;
			refcount_set(&fp->refcnt, 1);
			ckpt_inet_drop = fp;
		}
	}
	mutex_unlock(&ckpt_inet_drop_lock);
	return fp;
}

/*
 * Drop every packet @sk gets from now on, as lost on the way: its peer
 * sends them again.  Those already queued behind the socket's lock are
 * taken in before this returns, so that its state read next is final.
 */
static int ckpt_inet_freeze(struct sock *sk)
{
	struct sk_filter *fp = ckpt_inet_drop_filter();
	int ret = 0;

	if (!fp)
		return -ENOMEM;
	lock_sock(sk);
	if (rcu_access_pointer(sk->sk_filter))
		ret = -EBUSY;
	else if (!sk_filter_charge(sk, fp))
		ret = -ENOMEM;
	else
		rcu_assign_pointer(sk->sk_filter, fp);
	release_sock(sk);
	return ret;
}

/* Take @sk's packets in again; @sk locked. */
static void ckpt_inet_thaw_locked(struct sock *sk)
{
	struct sk_filter *fp = rcu_dereference_protected(sk->sk_filter,
							 lockdep_sock_is_held(sk));

	if (fp && fp == ckpt_inet_drop) {
		RCU_INIT_POINTER(sk->sk_filter, NULL);
		sk_filter_uncharge(sk, fp);
	}
}

/* Drop a held connection, without a packet: its socket is in repair mode. */
static void ckpt_inet_drop_held(struct ckpt_inet_held *e)
{
	struct sock *sk = sock_from_file(e->file)->sk;

	lock_sock(sk);
	if (tcp_sk(sk)->repair && sk->sk_state != TCP_CLOSE)
		tcp_disconnect(sk, 0);
	release_sock(sk);
	fput(e->file);
	kfree(e);
}

/* Drop the held connections whose time is up. */
static void ckpt_inet_expire(struct work_struct *work)
{
	struct ckpt_inet_held *e, *n;
	unsigned long next = 0;
	LIST_HEAD(done);

	mutex_lock(&ckpt_inet_held_lock);
	list_for_each_entry_safe(e, n, &ckpt_inet_held_list, list) {
		if (time_after_eq(jiffies, e->expires))
			list_move(&e->list, &done);
		else if (!next || time_before(e->expires, next))
			next = e->expires;
	}
	if (next)
		mod_delayed_work(system_wq, &ckpt_inet_expire_work, next - jiffies);
	mutex_unlock(&ckpt_inet_held_lock);
	list_for_each_entry_safe(e, n, &done, list)
		ckpt_inet_drop_held(e);
}

static void ckpt_inet_v6(const struct ckpt_hdr_inet *h, const u8 *addr, struct in6_addr *a);

/*
 * Hold the connection of @file, of record @h, in @e until a restart takes
 * it over: in repair mode, its packets dropped.  Takes the reference of
 * @file.
 */
static void ckpt_inet_hold(struct ckpt_inet_held *e, struct file *file,
			   const struct ckpt_hdr_inet *h)
{
	e->file = file;
	e->net = sock_net(sock_from_file(file)->sk);
	ckpt_inet_v6(h, h->saddr, &e->src);
	ckpt_inet_v6(h, h->daddr, &e->dst);
	e->sport = h->sport;
	e->dport = h->dport;
	e->expires = jiffies + CKPT_INET_HOLD_SECONDS * HZ;
	mutex_lock(&ckpt_inet_held_lock);
	list_add_tail(&e->list, &ckpt_inet_held_list);
	if (!delayed_work_pending(&ckpt_inet_expire_work))
		mod_delayed_work(system_wq, &ckpt_inet_expire_work,
				 CKPT_INET_HOLD_SECONDS * HZ);
	mutex_unlock(&ckpt_inet_held_lock);
}

/* Drop the connection held with the addresses and ports of @h, if any. */
static void ckpt_inet_take_over(struct net *net, const struct ckpt_hdr_inet *h)
{
	struct ckpt_inet_held *e, *found = NULL;
	struct in6_addr s, d;

	ckpt_inet_v6(h, h->saddr, &s);
	ckpt_inet_v6(h, h->daddr, &d);
	mutex_lock(&ckpt_inet_held_lock);
	list_for_each_entry(e, &ckpt_inet_held_list, list) {
		if (e->net == net && e->sport == h->sport && e->dport == h->dport &&
		    ipv6_addr_equal(&e->src, &s) && ipv6_addr_equal(&e->dst, &d)) {
			list_del(&e->list);
			found = e;
			break;
		}
	}
	mutex_unlock(&ckpt_inet_held_lock);
	if (found)
		ckpt_inet_drop_held(found);
}

static bool ckpt_inet_match(struct ckpt_ctx *ctx, struct file *file)
{
	struct socket *sock = sock_from_file(file);

	return sock && sock->sk &&
	       (sock->sk->sk_family == AF_INET || sock->sk->sk_family == AF_INET6);
}

static bool ckpt_inet_tcp(const struct sock *sk)
{
	return sk->sk_type == SOCK_STREAM && sk->sk_protocol == IPPROTO_TCP;
}

static const char *ckpt_inet_kind(const struct sock *sk)
{
	if (ckpt_inet_tcp(sk))
		return sk->sk_family == AF_INET ? "a TCP socket" : "a TCP socket over IPv6";
	return sk->sk_family == AF_INET ? "a UDP socket" : "a UDP socket over IPv6";
}

/* The IP options a fresh socket has; a socket with others is refused. */
static bool ckpt_inet_default_ip(struct sock *sk)
{
	const unsigned long allowed = BIT(INET_FLAGS_MC_LOOP) | BIT(INET_FLAGS_MC_ALL) |
				      BIT(INET_FLAGS_IS_ICSK) | BIT(INET_FLAGS_MC6_LOOP) |
				      BIT(INET_FLAGS_MC6_ALL) | BIT(INET_FLAGS_REPFLOW);
	struct inet_sock *inet = inet_sk(sk);
	unsigned long flags = READ_ONCE(inet->inet_flags);
	bool ok;

	/* Multicast options: UDP's only (TCP's accept(2) sets its own). */
	bool udp = !ckpt_inet_tcp(sk);

	ok = !(flags & ~allowed) && flags & BIT(INET_FLAGS_MC_LOOP) &&
	     (!udp || (READ_ONCE(inet->mc_ttl) == 1 && !READ_ONCE(inet->mc_index))) &&
	     !READ_ONCE(inet->uc_index) && !rcu_access_pointer(inet->mc_list) &&
	     !rcu_access_pointer(inet->inet_opt) && !READ_ONCE(inet->min_ttl);
#if IS_BUILTIN(CONFIG_IPV6)
	if (ok && sk->sk_family == AF_INET6) {
		struct ipv6_pinfo *np = inet6_sk(sk);

		ok = flags & BIT(INET_FLAGS_MC6_LOOP) && !np->rxopt.all &&
		     !rcu_access_pointer(np->opt) && !rcu_access_pointer(np->ipv6_mc_list) &&
		     (!udp || (!READ_ONCE(np->mcast_oif) &&
			       READ_ONCE(np->mcast_hops) == IPV6_DEFAULT_MCASTHOPS)) &&
		     !READ_ONCE(np->ucast_oif) && READ_ONCE(np->pmtudisc) == IPV6_PMTUDISC_WANT;
	}
#endif
	return ok;
}

static bool ckpt_inet_mapped(struct sock *sk)
{
#if IS_BUILTIN(CONFIG_IPV6)
	return sk->sk_family == AF_INET6 && ipv6_addr_v4mapped(&sk->sk_v6_daddr);
#else
	return false;
#endif
}

/* Is the peer of the TCP connection @sk an open socket of the image? */
static bool ckpt_inet_peer_in_image(struct ckpt_ctx *ctx, struct sock *sk)
{
	struct net *net = sock_net(sk);
	struct inet_hashinfo *hinfo = net->ipv4.tcp_death_row.hashinfo;
	struct sock *peer = NULL;
	bool in = false;

	/* An IPv6 socket with IPv4-mapped addresses is hashed as an IPv4 one. */
	if (sk->sk_family == AF_INET || ckpt_inet_mapped(sk)) {
		peer = inet_lookup_established(net, hinfo, sk->sk_rcv_saddr,
					       sk->sk_num ? htons(sk->sk_num) : 0,
					       sk->sk_daddr, sk->sk_dport, 0);
#if IS_BUILTIN(CONFIG_IPV6)
	} else {
		rcu_read_lock();
		peer = __inet6_lookup_established(net, hinfo, &sk->sk_v6_rcv_saddr,
						  htons(sk->sk_num), &sk->sk_v6_daddr,
						  ntohs(sk->sk_dport), 0, 0);
		rcu_read_unlock();
#endif
	}
	if (!peer)
		return false;
	if (sk_fullsock(peer) && peer != sk && peer->sk_socket && peer->sk_socket->file)
		in = ckpt_tree_has_file(ctx, peer->sk_socket->file);
	sock_gen_put(peer);
	return in;
}

/* TCP-MD5 or TCP-AO keys, which restart does not set again. */
static bool ckpt_inet_tcp_keys(struct tcp_sock *tp)
{
#ifdef CONFIG_TCP_MD5SIG
	if (rcu_access_pointer(tp->md5sig_info))
		return true;
#endif
#ifdef CONFIG_TCP_AO
	if (rcu_access_pointer(tp->ao_info))
		return true;
#endif
	return false;
}

/*
 * TCP options restart does not set again, at other values than a new
 * socket's: TCP_USER_TIMEOUT, TCP_DEFER_ACCEPT, TCP_FASTOPEN,
 * TCP_NOTSENT_LOWAT, TCP_LINGER2, TCP_SYNCNT, TCP_SAVE_SYN, TCP_TX_DELAY,
 * TCP_INQ, TCP_THIN_LINEAR_TIMEOUTS, and an upper layer (TCP_ULP: kTLS).
 */
static bool ckpt_inet_tcp_other_options(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct tcp_sock *tp = tcp_sk(sk);

	return icsk->icsk_user_timeout || icsk->icsk_accept_queue.rskq_defer_accept ||
	       icsk->icsk_accept_queue.fastopenq.max_qlen || tp->notsent_lowat ||
	       tp->linger2 || icsk->icsk_syn_retries || tp->save_syn || tp->tcp_tx_delay ||
	       tp->recvmsg_inq || tp->thin_lto || icsk->icsk_ulp_ops;
}

/*
 * A connection, or one with a shut down half: its own FIN sent
 * (shutdown(SHUT_WR), FIN_WAIT1 and FIN_WAIT2) or its peer's received
 * (CLOSE_WAIT).
 */
static bool ckpt_inet_tcp_conn(int state)
{
	return state == TCP_ESTABLISHED || state == TCP_FIN_WAIT1 || state == TCP_FIN_WAIT2 ||
	       state == TCP_CLOSE_WAIT;
}

/* What restart cannot give a TCP socket again. */
static int ckpt_inet_check_tcp(struct ckpt_ctx *ctx, struct sock *sk, const char *who)
{
	const char *kind = ckpt_inet_kind(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	char ca[TCP_CA_NAME_MAX];
	int state, ret = 0;

	lock_sock(sk);
	state = sk->sk_state;
	tcp_get_default_congestion_control(sock_net(sk), ca);
	if (state != TCP_CLOSE && state != TCP_LISTEN && !ckpt_inet_tcp_conn(state))
		ret = ckpt_err(ctx, -EOPNOTSUPP,
			       "%s is %s in state %d (connecting, or closing both ways), not supported",
			       who, kind, state);
	else if (tp->repair || rcu_access_pointer(tp->fastopen_rsk) || tp->fastopen_req)
		ret = ckpt_err(ctx, -EOPNOTSUPP, "%s is %s in repair mode or fast open",
			       who, kind);
	else if (ckpt_inet_tcp_other_options(sk))
		ret = ckpt_err(ctx, -EOPNOTSUPP,
			       "%s is %s with TCP options restart cannot set (TCP_USER_TIMEOUT, TCP_DEFER_ACCEPT, TCP_FASTOPEN, TCP_NOTSENT_LOWAT, TCP_ULP...)",
			       who, kind);
	else if (ckpt_inet_tcp_keys(tp))
		ret = ckpt_err(ctx, -EOPNOTSUPP,
			       "%s is %s with TCP-MD5 or TCP-AO keys, not supported", who, kind);
	else if (strcmp(inet_csk(sk)->icsk_ca_ops->name, ca))
		ret = ckpt_err(ctx, -EOPNOTSUPP,
			       "%s is %s with congestion control %s, not the default %s",
			       who, kind, inet_csk(sk)->icsk_ca_ops->name, ca);
	else if (state == TCP_LISTEN &&
		 (inet_csk_reqsk_queue_len(sk) || READ_ONCE(sk->sk_ack_backlog)))
		ret = ckpt_err(ctx, -EOPNOTSUPP,
			       "%s is a listening %s with connections not accepted yet, not supported",
			       who, kind + 2);
	else if (ckpt_inet_tcp_conn(state) && tp->urg_data)
		ret = ckpt_err(ctx, -EOPNOTSUPP, "%s is %s with urgent data, not supported",
			       who, kind);
	else if ((ckpt_inet_tcp_conn(state) || state == TCP_CLOSE) &&
		 tp->write_seq - tp->snd_una + tp->rcv_nxt - tp->copied_seq > CKPT_INET_QUEUE_MAX)
		ret = ckpt_err(ctx, -EOPNOTSUPP, "%s is %s with more than %u bytes queued",
			       who, kind, CKPT_INET_QUEUE_MAX);
	release_sock(sk);
	if (ret || !ckpt_inet_tcp_conn(state) || ckpt_inet_peer_in_image(ctx, sk))
		return ret;
	if (state != TCP_ESTABLISHED)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s is %s with a shut down half (state %d) whose peer is outside the image, not supported",
				who, kind, state);
	if (!(ctx->flags & CKPT_CHECKPOINT_TCP_ESTABLISHED))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s is %s whose peer is outside the image, saved only with CKPT_CHECKPOINT_TCP_ESTABLISHED",
				who, kind);
	if (!ns_capable(sock_net(sk)->user_ns, CAP_NET_ADMIN))
		return ckpt_err(ctx, -EPERM,
				"%s is %s whose peer is outside the image: saving it needs CAP_NET_ADMIN",
				who, kind);
	return 0;
}

/**
 * ckpt_inet_holds() - is @file a TCP connection this checkpoint drops the
 *	packets of, and holds a reference to?
 * @ctx: checkpoint context
 * @file: a file of the tree
 *
 * Return: true if it is.
 */
bool ckpt_inet_holds(struct ckpt_ctx *ctx, struct file *file)
{
	unsigned int i;

	if (ctx->op != CKPT_OP_CHECKPOINT)
		return false;
	for (i = 0; i < ctx->nr_inets; i++)
		if (ctx->inets[i].file == file)
			return true;
	return false;
}

static int ckpt_inet_check(struct ckpt_ctx *ctx, struct file *file, const char *who)
{
	struct sock *sk = sock_from_file(file)->sk;
	const char *kind;
	int ret;

	/* Checked already: its filter is the one that drops its packets. */
	if (ckpt_inet_holds(ctx, file))
		return 0;

	if (!ckpt_inet_tcp(sk) && (sk->sk_type != SOCK_DGRAM || sk->sk_protocol != IPPROTO_UDP))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s is an %s socket of type %d and protocol %d, not supported",
				who, sk->sk_family == AF_INET ? "IPv4" : "IPv6", sk->sk_type,
				sk->sk_protocol);
	kind = ckpt_inet_kind(sk);
	if (sk->sk_family == AF_INET6 && !IS_BUILTIN(CONFIG_IPV6))
		return ckpt_err(ctx, -EOPNOTSUPP, "%s is %s, and IPv6 is a module", who, kind);
	ret = ckpt_sock_check(ctx, sk, who, kind);
	if (ret)
		return ret;
	if (READ_ONCE(sk->sk_err) || !ckpt_inet_default_ip(sk))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s is %s with a pending error or IP options restart cannot set",
				who, kind);
	if (ckpt_inet_tcp(sk))
		return ckpt_inet_check_tcp(ctx, sk, who);
	if (udp_test_bit(CORK, sk) || READ_ONCE(udp_sk(sk)->pending) ||
	    READ_ONCE(udp_sk(sk)->encap_type) || READ_ONCE(udp_sk(sk)->gso_size) ||
	    udp_test_bit(GRO_ENABLED, sk) || READ_ONCE(sk->sk_shutdown))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s is %s with UDP options or a shut down half, not supported",
				who, kind);
	return 0;
}

static int ckpt_inet_checkpoint(struct ckpt_ctx *ctx, struct file *file,
				struct ckpt_file_rec *r)
{
	r->h->rdev = 0;
	r->name = "";
	return 0;
}

/*
 * Copy the bytes [@from, @from + @len) of sequence space that @skb holds
 * part of into @buf, which starts at @from.  Returns the bytes copied.
 */
static u32 ckpt_inet_copy_skb(struct sk_buff *skb, u32 from, u32 len, u8 *buf)
{
	u32 seq = TCP_SKB_CB(skb)->seq;
	u32 start, end, off;

	if (TCP_SKB_CB(skb)->tcp_flags & TCPHDR_SYN)
		seq++;
	start = after(from, seq) ? from : seq;
	end = seq + skb->len;
	if (after(end, from + len))
		end = from + len;
	if (!after(end, start))
		return 0;
	off = start - seq;
	if (skb_copy_bits(skb, off, buf + (start - from), end - start))
		return 0;
	return end - start;
}

/* The TCP state and queues of @sk into @h and @data; @sk locked. */
/*
 * A closed TCP socket: never connected, or a connection that ended (both
 * FINs, or a reset) while its file stays open, with the bytes it received
 * and its reader has not read yet, its shut down halves, the end of its
 * stream.
 */
static int ckpt_inet_tcp_ended(struct sock *sk, struct ckpt_hdr_inet *h, u8 **data)
{
	struct tcp_sock *tp = tcp_sk(sk);
	u32 copied = tp->copied_seq, inq = 0, n = 0;
	struct sk_buff *skb;
	u8 *buf;

	if (sk->sk_shutdown & RCV_SHUTDOWN)
		h->flags |= CKPT_INET_SHUT_RD;
	if (sk->sk_shutdown & SEND_SHUTDOWN)
		h->flags |= CKPT_INET_FIN_SENT;
	if (sock_flag(sk, SOCK_DONE))
		h->flags |= CKPT_INET_ENDED;
	/*
	 * Its peer's name is gone (getpeername(2) fails), its port too unless
	 * bind(2) chose it: a closed socket has no peer to restore.
	 */
	memset(h->daddr, 0, sizeof(h->daddr));
	h->dport = 0;
	skb_queue_walk(&sk->sk_receive_queue, skb) {
		u32 end = TCP_SKB_CB(skb)->seq + skb->len;

		if (after(end, copied + inq))
			inq = end - copied;
	}
	/* The end of the stream came as a FIN, counted after the bytes. */
	if (tp->rcv_nxt - copied == inq + 1)
		h->flags |= CKPT_INET_FIN_RCVD;
	else if (tp->rcv_nxt - copied != inq)
		return -EBUSY;
	if (!inq)
		return 0;
	if (inq > CKPT_INET_QUEUE_MAX)
		return -EBUSY;
	buf = kvmalloc(inq, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	*data = buf;
	h->inq_len = inq;
	skb_queue_walk(&sk->sk_receive_queue, skb)
		n += ckpt_inet_copy_skb(skb, copied, inq, buf);
	return n == inq ? 0 : -EBUSY;
}

static int ckpt_inet_tcp_state(struct sock *sk, struct ckpt_hdr_inet *h, u8 **data)
{
	struct tcp_sock *tp = tcp_sk(sk);
	u32 copied, inq, outq, n = 0;
	bool fin_sent, fin_rcvd;
	struct sk_buff *skb;
	u8 *buf;

	h->keepidle = tp->keepalive_time / HZ;
	h->keepintvl = tp->keepalive_intvl / HZ;
	h->keepcnt = tp->keepalive_probes;
	h->user_mss = READ_ONCE(tp->rx_opt.user_mss);
	if (tp->nonagle & TCP_NAGLE_OFF)
		h->flags |= CKPT_INET_NODELAY;
	if (tp->nonagle & TCP_NAGLE_CORK)
		h->flags |= CKPT_INET_CORK;
	if (sk->sk_state == TCP_CLOSE)
		return ckpt_inet_tcp_ended(sk, h, data);
	if (!ckpt_inet_tcp_conn(sk->sk_state))
		return 0;
	/* Checked established; its peer's FIN came before its packets were held. */
	if (h->flags & CKPT_INET_PEER_OUTSIDE && sk->sk_state != TCP_ESTABLISHED)
		return -EBUSY;
	h->flags |= CKPT_INET_CONNECTED;
	/*
	 * A FIN sent or received is not saved as a byte of its sequence: the
	 * restored end sends its FIN again once restored, its peer takes it.
	 */
	fin_sent = sk->sk_state == TCP_FIN_WAIT1 || sk->sk_state == TCP_FIN_WAIT2;
	fin_rcvd = sk->sk_state == TCP_CLOSE_WAIT;
	if (fin_sent)
		h->flags |= CKPT_INET_FIN_SENT;
	if (fin_rcvd)
		h->flags |= CKPT_INET_FIN_RCVD;
	else if (sk->sk_shutdown & RCV_SHUTDOWN)
		h->flags |= CKPT_INET_SHUT_RD;
	h->write_seq = tp->write_seq - fin_sent;
	h->snd_una = after(tp->snd_una, h->write_seq) ? h->write_seq : tp->snd_una;
	h->snd_nxt = after(tp->snd_nxt, h->write_seq) ? h->write_seq : tp->snd_nxt;
	h->rcv_nxt = tp->rcv_nxt - fin_rcvd;
	h->snd_wl1 = tp->snd_wl1;
	h->snd_wnd = tp->snd_wnd;
	h->max_window = tp->max_window;
	h->rcv_wnd = tp->rcv_wnd;
	h->rcv_wup = after(tp->rcv_wup, h->rcv_nxt) ? h->rcv_nxt : tp->rcv_wup;
	h->mss_clamp = tp->rx_opt.mss_clamp;
	if (tp->rx_opt.wscale_ok) {
		h->flags |= CKPT_INET_WSCALE;
		h->snd_wscale = tp->rx_opt.snd_wscale;
		h->rcv_wscale = tp->rx_opt.rcv_wscale;
	}
	if (tp->rx_opt.sack_ok)
		h->flags |= CKPT_INET_SACK;
	if (tp->rx_opt.tstamp_ok) {
		h->flags |= CKPT_INET_TSTAMP;
		h->tsval = tcp_clock_ts(tp->tcp_usec_ts) + tp->tsoffset;
		h->tsval = (h->tsval & ~1U) | tp->tcp_usec_ts;
	}
	/* A reader that read the end of the stream took the FIN in. */
	copied = after(tp->copied_seq, h->rcv_nxt) ? h->rcv_nxt : tp->copied_seq;
	inq = h->rcv_nxt - copied;
	outq = h->write_seq - h->snd_una;
	if (inq + outq > CKPT_INET_QUEUE_MAX)
		return -EBUSY;
	h->inq_len = inq;
	h->outq_len = outq;
	buf = kvmalloc(inq + outq ?: 1, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	*data = buf;
	skb_queue_walk(&sk->sk_receive_queue, skb)
		n += ckpt_inet_copy_skb(skb, copied, inq, buf);
	if (n != inq)
		return -EBUSY;
	n = 0;
	skb_rbtree_walk(skb, &sk->tcp_rtx_queue)
		n += ckpt_inet_copy_skb(skb, h->snd_una, outq, buf + inq);
	skb_queue_walk(&sk->sk_write_queue, skb)
		n += ckpt_inet_copy_skb(skb, h->snd_una, outq, buf + inq);
	return n == outq ? 0 : -EBUSY;
}

/* The addresses of @sk into @h. */
static void ckpt_inet_addrs(struct sock *sk, struct ckpt_hdr_inet *h)
{
	if (sk->sk_family == AF_INET) {
		memcpy(h->saddr, &sk->sk_rcv_saddr, 4);
		memcpy(h->daddr, &sk->sk_daddr, 4);
		h->tos = READ_ONCE(inet_sk(sk)->tos);
		h->ttl = READ_ONCE(inet_sk(sk)->uc_ttl);
#if IS_BUILTIN(CONFIG_IPV6)
	} else {
		memcpy(h->saddr, &sk->sk_v6_rcv_saddr, 16);
		memcpy(h->daddr, &sk->sk_v6_daddr, 16);
		h->tos = READ_ONCE(inet6_sk(sk)->tclass);
		h->ttl = READ_ONCE(inet6_sk(sk)->hop_limit);
		if (sk->sk_ipv6only)
			h->flags |= CKPT_INET_V6ONLY;
#endif
	}
	h->sport = sk->sk_num;
	h->dport = ntohs(sk->sk_dport);
	if (sk->sk_userlocks & SOCK_BINDPORT_LOCK)
		h->flags |= CKPT_INET_BOUND;
	if (sk->sk_userlocks & SOCK_BINDADDR_LOCK)
		h->flags |= CKPT_INET_BOUND_ADDR;
	if (sk->sk_reuseport)
		h->flags |= CKPT_INET_REUSEPORT;
}

/* Write @len bytes of @buf in DATA records. */
static int ckpt_inet_write_data(struct ckpt_ctx *ctx, const u8 *buf, u32 len)
{
	struct ckpt_hdr_data *d;
	u32 off;
	int ret = 0;

	if (!len)
		return 0;
	d = kmalloc(sizeof(*d) + CKPT_DATA_MAX, GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	for (off = 0; off < len && !ret; off += CKPT_DATA_MAX) {
		u32 n = min_t(u32, len - off, CKPT_DATA_MAX);

		memcpy(d->data, buf + off, n);
		ret = ckpt_write_obj(ctx, &d->h, CKPT_HDR_DATA, sizeof(*d) + n);
	}
	kfree(d);
	return ret;
}

/*
 * The datagrams queued on the UDP socket @sk, oldest first (those
 * recvmsg(2) took to its own queue, then the others): count them into
 * *@nr and *@len when @d is NULL, else describe them in @d and copy their
 * bytes to @data, exactly as many as counted.
 */
static int ckpt_inet_udp_queue(struct sock *sk, u32 *nr, u32 *len,
			       struct ckpt_hdr_inet_dgram *d, u8 *data)
{
	struct sk_buff_head *queues[2] = { &udp_sk(sk)->reader_queue, &sk->sk_receive_queue };
	struct sk_buff *skb;
	u32 n = 0, bytes = 0;
	int i, ret = 0;

	/* The order of recvmsg(2): its own queue, then the socket's. */
	spin_lock_bh(&queues[0]->lock);
	spin_lock(&queues[1]->lock);
	for (i = 0; i < 2 && !ret; i++) {
		skb_queue_walk(queues[i], skb) {
			if (d) {
				struct ckpt_hdr_inet_dgram *g = &d[n];

				if (n == *nr || skb->len > CKPT_INET_DGRAM_MAX ||
				    bytes + skb->len > *len ||
				    skb_copy_bits(skb, 0, data + bytes, skb->len)) {
					ret = -EBUSY;
					break;
				}
				memset(g, 0, sizeof(*g));
				g->len = skb->len;
				g->sport = ntohs(udp_hdr(skb)->source);
				g->tstamp_ns = ktime_to_ns(skb->tstamp);
				if (skb->protocol == htons(ETH_P_IP)) {
					g->family = AF_INET;
					memcpy(g->saddr, &ip_hdr(skb)->saddr, 4);
				} else {
					g->family = AF_INET6;
					memcpy(g->saddr, &ipv6_hdr(skb)->saddr, 16);
				}
			}
			n++;
			bytes += skb->len;
		}
	}
	spin_unlock(&queues[1]->lock);
	spin_unlock_bh(&queues[0]->lock);
	if (!ret && d && (n != *nr || bytes != *len))
		ret = -EBUSY;
	*nr = n;
	*len = bytes;
	return ret;
}

/* The datagrams of the UDP socket @sk: their records into @h, @d, @data. */
static int ckpt_inet_udp_state(struct sock *sk, struct ckpt_hdr_inet *h,
			       struct ckpt_hdr_inet_dgram **d, u8 **data)
{
	u32 nr = 0, len = 0;

	ckpt_inet_udp_queue(sk, &nr, &len, NULL, NULL);
	if (!nr)
		return 0;
	if (len > CKPT_INET_QUEUE_MAX)
		return -EBUSY;
	*d = kvmalloc_array(nr, sizeof(**d), GFP_KERNEL);
	*data = kvmalloc(len ?: 1, GFP_KERNEL);
	if (!*d || !*data)
		return -ENOMEM;
	h->outq_len = nr;
	h->inq_len = len;
	return ckpt_inet_udp_queue(sk, &nr, &len, *d, *data);
}

/*
 * A connection whose peer is outside: from now on its packets are dropped,
 * until the end of the checkpoint (ckpt_inet_finish()).
 */
static int ckpt_inet_freeze_outside(struct ckpt_ctx *ctx, struct file *file, const char *who)
{
	struct ckpt_inet_pending *p;
	struct ckpt_inet_held *e;
	int ret;

	if (!(ctx->flags & CKPT_CHECKPOINT_TCP_ESTABLISHED))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s is a TCP connection whose peer is outside the image, saved only with CKPT_CHECKPOINT_TCP_ESTABLISHED",
				who);
	p = krealloc_array(ctx->inets, ctx->nr_inets + 1, sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	ctx->inets = p;
	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	ret = ckpt_inet_freeze(sock_from_file(file)->sk);
	if (ret) {
		kfree(e);
		return ckpt_err(ctx, ret,
				"%s: cannot hold the packets of its TCP connection (error %d)",
				who, ret);
	}
	p = &ctx->inets[ctx->nr_inets++];
	memset(p, 0, sizeof(*p));
	p->file = get_file(file);
	p->held = e;
	return 0;
}

static int ckpt_inet_checkpoint_after(struct ckpt_ctx *ctx, struct file *file,
				      struct ckpt_file_rec *r)
{
	struct sock *sk = sock_from_file(file)->sk;
	struct ckpt_hdr_inet_dgram *dgrams = NULL;
	struct ckpt_hdr_inet h = { };
	u8 *data = NULL;
	u32 i, off;
	int ret = 0;

	BUILD_BUG_ON(sizeof(struct ckpt_sock_opts) != 48);
	BUILD_BUG_ON(sizeof(h) != 192);
	BUILD_BUG_ON(sizeof(*dgrams) != 40);
	if (ckpt_inet_tcp(sk) && ckpt_inet_tcp_conn(READ_ONCE(sk->sk_state)) &&
	    !ckpt_inet_peer_in_image(ctx, sk)) {
		ret = ckpt_inet_freeze_outside(ctx, file, r->who);
		if (ret)
			return ret;
		h.flags |= CKPT_INET_PEER_OUTSIDE;
	}
	h.family = sk->sk_family;
	h.type = sk->sk_type;
	h.protocol = sk->sk_protocol;
	lock_sock(sk);
	h.state = sk->sk_state == TCP_LISTEN ? CKPT_INET_LISTEN :
		  ckpt_inet_tcp(sk) && ckpt_inet_tcp_conn(sk->sk_state) ?
		  CKPT_INET_ESTABLISHED : CKPT_INET_CLOSED;
	if (sk->sk_state == TCP_LISTEN)
		h.backlog = READ_ONCE(sk->sk_max_ack_backlog);
	/* Only the image's tasks are stopped: one outside may connect. */
	if (sk->sk_state == TCP_LISTEN &&
	    (inet_csk_reqsk_queue_len(sk) || READ_ONCE(sk->sk_ack_backlog)))
		ret = -EBUSY;
	if (!ckpt_inet_tcp(sk) && sk->sk_state == TCP_ESTABLISHED)
		h.flags |= CKPT_INET_CONNECTED;
	ckpt_inet_addrs(sk, &h);
	ckpt_sock_save(sk, &h.opts);
	if (!ret && ckpt_inet_tcp(sk))
		ret = ckpt_inet_tcp_state(sk, &h, &data);
	else if (!ret)
		ret = ckpt_inet_udp_state(sk, &h, &dgrams, &data);
	/* A peer outside: its record holds where the held socket is. */
	if (!ret && h.flags & CKPT_INET_PEER_OUTSIDE)
		ctx->inets[ctx->nr_inets - 1].h = h;
	release_sock(sk);
	if (ret) {
		ret = ckpt_err(ctx, ret, "%s is %s whose state changed during checkpoint",
			       r->who, ckpt_inet_kind(sk));
		goto out;
	}
	ret = ckpt_write_obj(ctx, &h.h, CKPT_HDR_INET, sizeof(h));
	if (ret)
		goto out;
	if (ckpt_inet_tcp(sk)) {
		ret = ckpt_inet_write_data(ctx, data, h.inq_len + h.outq_len);
		goto out;
	}
	for (i = 0, off = 0; i < h.outq_len && !ret; off += dgrams[i++].len) {
		ret = ckpt_write_obj(ctx, &dgrams[i].h, CKPT_HDR_INET_DGRAM, sizeof(dgrams[i]));
		if (!ret)
			ret = ckpt_inet_write_data(ctx, data + off, dgrams[i].len);
	}
out:
	kvfree(dgrams);
	kvfree(data);
	return ret;
}

/* ---- restart ---- */

static int ckpt_inet_setint(struct socket *sock, int level, int opt, int val)
{
	return sock->ops->setsockopt(sock, level, opt, KERNEL_SOCKPTR(&val), sizeof(val));
}

/* The sockaddr of the address and port @addr and @port of @h. */
static int ckpt_inet_sockaddr(const struct ckpt_hdr_inet *h, const u8 *addr, u16 port,
			      struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (h->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, addr, 4);
		return sizeof(*sin);
	}
	((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
	((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	memcpy(&((struct sockaddr_in6 *)ss)->sin6_addr, addr, 16);
	return sizeof(struct sockaddr_in6);
}

/* The record's own checks, before anything is made. */
static bool ckpt_inet_valid(const struct ckpt_hdr_inet *h)
{
	const u32 known = CKPT_INET_BOUND | CKPT_INET_BOUND_ADDR | CKPT_INET_CONNECTED |
			  CKPT_INET_V6ONLY | CKPT_INET_REUSEPORT | CKPT_INET_NODELAY |
			  CKPT_INET_CORK | CKPT_INET_WSCALE | CKPT_INET_SACK | CKPT_INET_TSTAMP |
			  CKPT_INET_PEER_OUTSIDE | CKPT_INET_FIN_SENT | CKPT_INET_FIN_RCVD |
			  CKPT_INET_SHUT_RD | CKPT_INET_ENDED;
	const u32 shut = CKPT_INET_FIN_SENT | CKPT_INET_FIN_RCVD | CKPT_INET_SHUT_RD |
			 CKPT_INET_ENDED;
	bool tcp = h->type == SOCK_STREAM && h->protocol == IPPROTO_TCP;
	bool est = h->state == CKPT_INET_ESTABLISHED;
	bool conn = h->flags & CKPT_INET_CONNECTED;

	if ((h->family != AF_INET && (h->family != AF_INET6 || !IS_BUILTIN(CONFIG_IPV6))) ||
	    (!tcp && (h->type != SOCK_DGRAM || h->protocol != IPPROTO_UDP)) ||
	    h->flags & ~known || h->__reserved || !ckpt_sock_opts_valid(&h->opts) ||
	    (h->family == AF_INET && (memchr_inv(h->saddr + 4, 0, 12) ||
				      memchr_inv(h->daddr + 4, 0, 12) ||
				      h->flags & CKPT_INET_V6ONLY)) ||
	    h->tos > 255 || h->ttl < -1 || h->ttl > 255 || h->ttl == 0)
		return false;
	if (h->state != CKPT_INET_CLOSED && (!tcp || (h->state != CKPT_INET_LISTEN && !est)))
		return false;
	if ((h->state != CKPT_INET_LISTEN && h->backlog) || h->backlog > INT_MAX)
		return false;
	if (h->state == CKPT_INET_LISTEN && (!h->sport || conn))
		return false;
	/* A TCP socket is connected if and only if established. */
	if ((tcp && conn != est) || (h->flags & CKPT_INET_PEER_OUTSIDE && !est))
		return false;
	/*
	 * A shut down half: a connection whose peer is in the image, one way;
	 * or a closed socket, whose connection ended.
	 */
	if (h->flags & shut &&
	    (!tcp || (est ? h->flags & (CKPT_INET_PEER_OUTSIDE | CKPT_INET_ENDED) ||
			    (h->flags & CKPT_INET_FIN_RCVD &&
			     h->flags & (CKPT_INET_FIN_SENT | CKPT_INET_SHUT_RD)) :
			    h->state != CKPT_INET_CLOSED)))
		return false;
	if (conn && (!h->sport || !h->dport))
		return false;
	if (!conn && (h->dport || memchr_inv(h->daddr, 0, 16)))
		return false;
	/* UDP: @inq_len bytes in @outq_len datagrams. */
	if (!tcp && (h->inq_len > CKPT_INET_QUEUE_MAX ||
		     h->inq_len > (u64)h->outq_len * CKPT_INET_DGRAM_MAX ||
		     h->outq_len > CKPT_INET_QUEUE_MAX))
		return false;
	if (!tcp || !est)
		return !h->snd_una && !h->snd_nxt && !h->write_seq && !h->rcv_nxt &&
		       !h->snd_wl1 && !h->snd_wnd && !h->max_window && !h->rcv_wnd &&
		       !h->rcv_wup && !h->mss_clamp && !h->snd_wscale && !h->rcv_wscale &&
		       !h->tsval && (!tcp || !h->outq_len) &&
		       (!tcp || (h->flags & shut ? h->inq_len <= CKPT_INET_QUEUE_MAX :
					      !h->inq_len)) &&
		       !(h->flags & (CKPT_INET_WSCALE | CKPT_INET_SACK | CKPT_INET_TSTAMP)) &&
		       (tcp || !(h->flags & (CKPT_INET_NODELAY | CKPT_INET_CORK) ||
				 h->keepidle || h->keepintvl || h->keepcnt || h->user_mss));
	/* Sequence numbers: the queues are what lies between them. */
	return h->write_seq - h->snd_una == h->outq_len &&
	       h->snd_nxt - h->snd_una <= h->outq_len &&
	       (u64)h->inq_len + h->outq_len <= CKPT_INET_QUEUE_MAX &&
	       h->snd_wscale <= TCP_MAX_WSCALE && h->rcv_wscale <= TCP_MAX_WSCALE &&
	       h->mss_clamp >= TCP_MIN_SND_MSS && h->mss_clamp <= U16_MAX &&
	       h->max_window >= h->snd_wnd &&
	       !after(h->rcv_wup, h->rcv_nxt) && !after(h->snd_wl1, h->rcv_nxt + h->rcv_wnd) &&
	       h->keepidle <= MAX_TCP_KEEPIDLE && h->keepintvl <= MAX_TCP_KEEPINTVL &&
	       h->keepcnt <= MAX_TCP_KEEPCNT &&
	       (!h->user_mss || (h->user_mss >= TCP_MIN_MSS && h->user_mss <= MAX_TCP_WINDOW));
}

/* Options of the IP level and of TCP, but those of a connection. */
static int ckpt_inet_set_options(struct socket *sock, const struct ckpt_hdr_inet *h)
{
	bool v4 = h->family == AF_INET;
	int ret = 0;

	if (h->tos)
		ret = ckpt_inet_setint(sock, v4 ? SOL_IP : SOL_IPV6, v4 ? IP_TOS : IPV6_TCLASS,
				       h->tos);
	if (!ret && h->ttl != -1)
		ret = ckpt_inet_setint(sock, v4 ? SOL_IP : SOL_IPV6,
				       v4 ? IP_TTL : IPV6_UNICAST_HOPS, h->ttl);
	if (!ret && h->flags & CKPT_INET_REUSEPORT) {
		int one = 1;

		ret = sock_setsockopt(sock, SOL_SOCKET, SO_REUSEPORT, KERNEL_SOCKPTR(&one),
				      sizeof(one));
	}
	if (h->type != SOCK_STREAM)
		return ret;
	if (!ret && h->flags & CKPT_INET_NODELAY)
		ret = ckpt_inet_setint(sock, SOL_TCP, TCP_NODELAY, 1);
	if (!ret && h->keepidle)
		ret = ckpt_inet_setint(sock, SOL_TCP, TCP_KEEPIDLE, h->keepidle);
	if (!ret && h->keepintvl)
		ret = ckpt_inet_setint(sock, SOL_TCP, TCP_KEEPINTVL, h->keepintvl);
	if (!ret && h->keepcnt)
		ret = ckpt_inet_setint(sock, SOL_TCP, TCP_KEEPCNT, h->keepcnt);
	if (!ret && h->user_mss)
		ret = ckpt_inet_setint(sock, SOL_TCP, TCP_MAXSEG, h->user_mss);
	return ret;
}

/* Bind @sock to the address and port of @h; keep the locks it had. */
static int ckpt_inet_bind(struct ckpt_ctx *ctx, struct socket *sock,
			  const struct ckpt_hdr_inet *h)
{
	static const u8 any[16];
	struct sockaddr_storage ss;
	struct sock *sk = sock->sk;
	int len, ret;

	if (!h->sport)
		return 0;
	len = ckpt_inet_sockaddr(h, h->flags & CKPT_INET_BOUND_ADDR ||
				 h->state == CKPT_INET_ESTABLISHED ? h->saddr : any,
				 h->sport, &ss);
	/*
	 * A listener whose old connections linger in TIME_WAIT on its port
	 * binds again only with SO_REUSEADDR (set already), as a server
	 * started again would.
	 */
	ret = kernel_bind(sock, (struct sockaddr *)&ss, len);
	if (ret)
		return ckpt_err(ctx, ret, "cannot bind %s to port %u again (error %d)",
				ckpt_inet_kind(sk), h->sport, ret);
	lock_sock(sk);
	/* What bind(2) set that connect(2) would not have. */
	if (h->family == AF_INET6)
		sk->sk_ipv6only = !!(h->flags & CKPT_INET_V6ONLY);
	if (!(h->flags & CKPT_INET_BOUND))
		sk->sk_userlocks &= ~SOCK_BINDPORT_LOCK;
	if (!(h->flags & CKPT_INET_BOUND_ADDR))
		sk->sk_userlocks &= ~SOCK_BINDADDR_LOCK;
	release_sock(sk);
	return 0;
}

/* A socket not connected, or a UDP one: made whole now. */
static int ckpt_inet_make(struct ckpt_ctx *ctx, struct socket *sock,
			  const struct ckpt_hdr_inet *h)
{
	struct sockaddr_storage ss;
	int len, ret;

	ret = ckpt_inet_bind(ctx, sock, h);
	if (!ret && h->state == CKPT_INET_LISTEN) {
		ret = kernel_listen(sock, h->backlog);
		if (!ret && READ_ONCE(sock->sk->sk_max_ack_backlog) != h->backlog)
			ret = -EPERM;
		if (ret)
			return ckpt_err(ctx, ret, "cannot listen with a backlog of %u (error %d)",
					h->backlog, ret);
	}
	if (!ret && h->flags & CKPT_INET_CONNECTED) {
		len = ckpt_inet_sockaddr(h, h->daddr, h->dport, &ss);
		ret = kernel_connect(sock, (struct sockaddr *)&ss, len, 0);
		if (ret)
			return ckpt_err(ctx, ret, "cannot connect %s again (error %d)",
					ckpt_inet_kind(sock->sk), ret);
	}
	return ret;
}

/*
 * A closed TCP socket whose connection ended: the bytes its reader has not
 * read yet, as received (and the FIN after them), its halves shut down,
 * the end of its stream.
 */
static int ckpt_inet_restore_ended(struct ckpt_ctx *ctx, struct socket *sock,
				   const struct ckpt_hdr_inet *h, const u8 *data)
{
	struct sock *sk = sock->sk;
	struct tcp_sock *tp = tcp_sk(sk);
	u32 done = 0;
	int ret = 0;

	lock_sock(sk);
	while (done < h->inq_len) {
		struct msghdr msg = { };
		struct kvec iov = { .iov_base = (void *)(data + done),
				    .iov_len = h->inq_len - done };

		iov_iter_kvec(&msg.msg_iter, ITER_SOURCE, &iov, 1, iov.iov_len);
		ret = tcp_send_rcvq(sk, &msg, iov.iov_len);
		if (ret <= 0) {
			ret = ret ?: -ENOBUFS;
			break;
		}
		done += ret;
		ret = 0;
	}
	if (!ret && h->flags & CKPT_INET_FIN_RCVD)
		WRITE_ONCE(tp->rcv_nxt, tp->rcv_nxt + 1);
	if (h->flags & CKPT_INET_SHUT_RD)
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | RCV_SHUTDOWN);
	if (h->flags & CKPT_INET_FIN_SENT)
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | SEND_SHUTDOWN);
	if (h->flags & CKPT_INET_ENDED)
		sock_set_flag(sk, SOCK_DONE);
	release_sock(sk);
	if (ret)
		return ckpt_err(ctx, ret,
				"cannot queue the %u bytes a closed TCP socket had to read (error %d)",
				h->inq_len, ret);
	return 0;
}

/*
 * The buffer sizes TCP grew by itself (not set by SO_SNDBUF or SO_RCVBUF),
 * up to the system's limits: the queues must fit in them again.
 */
static void ckpt_inet_grown_bufs(struct sock *sk, const struct ckpt_sock_opts *o)
{
	struct net *net = sock_net(sk);

	lock_sock(sk);
	if (!(o->flags & CKPT_SOCK_SNDBUF))
		WRITE_ONCE(sk->sk_sndbuf, clamp_t(u32, o->sndbuf, SOCK_MIN_SNDBUF,
						  READ_ONCE(net->ipv4.sysctl_tcp_wmem[2])));
	if (!(o->flags & CKPT_SOCK_RCVBUF))
		WRITE_ONCE(sk->sk_rcvbuf, clamp_t(u32, o->rcvbuf, SOCK_MIN_RCVBUF,
						  READ_ONCE(net->ipv4.sysctl_tcp_rmem[2])));
	release_sock(sk);
}

/* Keep a TCP connection for ckpt_inet_connect_all(). */
static int ckpt_inet_add_pending(struct ckpt_ctx *ctx, struct file *file,
				 const struct ckpt_hdr_inet *h, u8 *data)
{
	struct ckpt_inet_held *e = NULL;
	struct ckpt_inet_pending *p;

	p = krealloc_array(ctx->inets, ctx->nr_inets + 1, sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	ctx->inets = p;
	if (h->flags & CKPT_INET_PEER_OUTSIDE) {
		e = kzalloc(sizeof(*e), GFP_KERNEL);
		if (!e)
			return -ENOMEM;
	}
	p += ctx->nr_inets++;
	memset(p, 0, sizeof(*p));
	p->file = get_file(file);
	p->cred = get_cred(ctx->rst->cred ?: current_cred());
	p->h = *h;
	p->data = data;
	p->held = e;
	return 0;
}

/* Read @len bytes from DATA records into @buf. */
static int ckpt_inet_read_into(struct ckpt_ctx *ctx, u8 *buf, u32 len)
{
	u32 off = 0;

	while (off < len) {
		struct ckpt_hdr_data *d;
		u32 n;

		d = ckpt_read_var(ctx, CKPT_HDR_DATA, sizeof(*d) + 1,
				  sizeof(*d) + min_t(u32, len - off, CKPT_DATA_MAX));
		if (IS_ERR(d))
			return PTR_ERR(d);
		n = d->h.len - sizeof(*d);
		memcpy(buf + off, d->data, n);
		kvfree(d);
		off += n;
	}
	return 0;
}

/* Read the bytes of the queues of the TCP socket of @h. */
static u8 *ckpt_inet_read_data(struct ckpt_ctx *ctx, const struct ckpt_hdr_inet *h)
{
	u32 len = h->inq_len + h->outq_len;
	u8 *buf = kvmalloc(len ?: 1, GFP_KERNEL);
	int ret;

	if (!buf)
		return ERR_PTR(-ENOMEM);
	ret = ckpt_inet_read_into(ctx, buf, len);
	if (ret) {
		kvfree(buf);
		return ERR_PTR(ret);
	}
	return buf;
}

/*
 * Queue the next datagram of the image on @sk again, as the network would
 * have: its IP and UDP headers in front of its bytes, from its address
 * and port to the socket's.  The socket's receive buffer bounds them.
 */
static int ckpt_inet_udp_one(struct ckpt_ctx *ctx, struct sock *sk, u32 *left)
{
	const unsigned int room = MAX_HEADER + sizeof(struct ipv6hdr) + sizeof(struct udphdr);
	struct ckpt_hdr_inet_dgram g;
	struct sk_buff *skb;
	struct udphdr *uh;
	bool v4;
	int ret;

	ret = ckpt_read_obj(ctx, &g.h, CKPT_HDR_INET_DGRAM, sizeof(g));
	if (ret)
		return ret;
	v4 = g.family == AF_INET;
	if (g.len > CKPT_INET_DGRAM_MAX || g.len > *left || g.tstamp_ns < 0 ||
	    (v4 && memchr_inv(g.saddr + 4, 0, 12)) ||
	    (!v4 && (g.family != AF_INET6 || sk->sk_family != AF_INET6)))
		return ckpt_err(ctx, -EINVAL, "malformed UDP datagram record");
	*left -= g.len;
	skb = alloc_skb(room + g.len, GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	skb_reserve(skb, room);
	ret = ckpt_inet_read_into(ctx, skb_put(skb, g.len), g.len);
	if (ret)
		goto out;
	uh = skb_push(skb, sizeof(*uh));
	skb_reset_transport_header(skb);
	uh->source = htons(g.sport);
	uh->dest = htons(sk->sk_num);
	uh->len = htons(g.len + sizeof(*uh));
	uh->check = 0;
	if (v4) {
		struct iphdr *iph = skb_push(skb, sizeof(*iph));

		memset(iph, 0, sizeof(*iph));
		iph->version = 4;
		iph->ihl = sizeof(*iph) / 4;
		iph->ttl = 64;
		iph->protocol = IPPROTO_UDP;
		iph->tot_len = htons(skb->len);
		memcpy(&iph->saddr, g.saddr, 4);
		iph->daddr = sk->sk_rcv_saddr;
		skb->protocol = htons(ETH_P_IP);
	} else {
#if IS_BUILTIN(CONFIG_IPV6)
		struct ipv6hdr *ip6 = skb_push(skb, sizeof(*ip6));

		memset(ip6, 0, sizeof(*ip6));
		ip6->version = 6;
		ip6->nexthdr = IPPROTO_UDP;
		ip6->hop_limit = 64;
		ip6->payload_len = htons(g.len + sizeof(*uh));
		memcpy(&ip6->saddr, g.saddr, 16);
		ip6->daddr = sk->sk_v6_rcv_saddr;
		skb->protocol = htons(ETH_P_IPV6);
#endif
	}
	skb_reset_network_header(skb);
	__skb_pull(skb, skb_network_header_len(skb) + sizeof(*uh));
	memset(skb->cb, 0, sizeof(skb->cb));
	UDP_SKB_CB(skb)->cscov = g.len;
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	skb->tstamp = ns_to_ktime(g.tstamp_ns);
	local_bh_disable();
	ret = __udp_enqueue_schedule_skb(sk, skb);
	local_bh_enable();
	if (ret >= 0)
		return 0;
	ckpt_err(ctx, ret, "cannot queue a datagram of %u bytes on a UDP socket again (error %d)",
		 g.len, ret);
out:
	kfree_skb(skb);
	return ret;
}

/* The datagrams of the UDP socket of @h, queued again on @sk. */
static int ckpt_inet_udp_refill(struct ckpt_ctx *ctx, struct sock *sk,
				const struct ckpt_hdr_inet *h)
{
	u32 i, left = h->inq_len;
	int ret = 0;

	for (i = 0; i < h->outq_len && !ret; i++)
		ret = ckpt_inet_udp_one(ctx, sk, &left);
	if (!ret && left)
		ret = ckpt_err(ctx, -EINVAL, "malformed inet socket record (%u bytes missing)",
			       left);
	return ret;
}

static struct file *ckpt_inet_restart(struct ckpt_ctx *ctx, const struct ckpt_hdr_file *h)
{
	const struct cred *old = NULL;
	struct ckpt_hdr_inet r;
	struct socket *sock;
	struct file *file;
	u8 *data;
	int ret;

	if (h->path[0] || h->count || h->nr_pages || h->rdev || h->pipe_ref ||
	    (h->f_flags & O_ACCMODE) != O_RDWR || !S_ISSOCK(h->mode))
		return ERR_PTR(-EINVAL);
	ret = ckpt_read_obj(ctx, &r.h, CKPT_HDR_INET, sizeof(r));
	if (ret)
		return ERR_PTR(ret);
	if (!ckpt_inet_valid(&r)) {
		ckpt_err(ctx, -EINVAL, "malformed inet socket record of file %u", h->objref);
		return ERR_PTR(-EINVAL);
	}
	data = r.type == SOCK_STREAM ? ckpt_inet_read_data(ctx, &r) : NULL;
	if (IS_ERR(data))
		return ERR_CAST(data);

	if (ctx->rst->cred)
		old = override_creds(ctx->rst->cred);
	ret = sock_create(r.family, r.type, r.protocol, &sock);
	if (ret) {
		ckpt_err(ctx, ret, "cannot make a socket of family %u (error %d)", r.family,
			 ret);
		goto out_creds;
	}
	ret = ckpt_sock_set_bufs(ctx, sock, &r.opts);
	if (!ret)
		ret = ckpt_sock_restore(ctx, sock, &r.opts, 0);
	/* Whatever net.ipv6.bindv6only says here. */
	if (!ret && r.family == AF_INET6)
		ret = ckpt_inet_setint(sock, SOL_IPV6, IPV6_V6ONLY, !!(r.flags & CKPT_INET_V6ONLY));
	if (!ret) {
		ret = ckpt_inet_set_options(sock, &r);
		if (ret)
			ckpt_err(ctx, ret, "cannot set the options of %s (error %d)",
				 ckpt_inet_kind(sock->sk), ret);
	}
	if (!ret && r.type == SOCK_STREAM)
		ckpt_inet_grown_bufs(sock->sk, &r.opts);
	if (!ret && r.state != CKPT_INET_ESTABLISHED)
		ret = ckpt_inet_make(ctx, sock, &r);
	if (!ret && r.state == CKPT_INET_CLOSED && r.type == SOCK_STREAM)
		ret = ckpt_inet_restore_ended(ctx, sock, &r, data);
	if (!ret && r.type == SOCK_DGRAM)
		ret = ckpt_inet_udp_refill(ctx, sock->sk, &r);
	if (ret) {
		sock_release(sock);
		goto out_creds;
	}
	file = sock_alloc_file(sock, O_RDWR, NULL);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto out_creds;
	}
	if (r.state == CKPT_INET_ESTABLISHED) {
		ret = ckpt_inet_add_pending(ctx, file, &r, data);
		if (!ret)
			data = NULL;
	}
	if (ret) {
		fput(file);
		goto out_creds;
	}
	if (old)
		revert_creds(old);
	kvfree(data);
	return file;

out_creds:
	if (old)
		revert_creds(old);
	kvfree(data);
	return ERR_PTR(ret);
}

/* ---- the connections, once every socket exists ---- */

static int ckpt_inet_setseq(struct socket *sock, int queue, u32 seq)
{
	int ret = ckpt_inet_setint(sock, SOL_TCP, TCP_REPAIR_QUEUE, queue);

	return ret ?: ckpt_inet_setint(sock, SOL_TCP, TCP_QUEUE_SEQ, seq);
}

/* Queue @len bytes of @buf on @sock, in repair mode on @queue or not. */
static int ckpt_inet_send(struct socket *sock, int queue, const u8 *buf, u32 len)
{
	int ret = 0;

	if (queue != TCP_NO_QUEUE)
		ret = ckpt_inet_setint(sock, SOL_TCP, TCP_REPAIR_QUEUE, queue);
	while (!ret && len) {
		struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
		struct kvec iov = { .iov_base = (void *)buf, .iov_len = len };

		ret = kernel_sendmsg(sock, &msg, &iov, 1, len);
		if (ret <= 0)
			return ret ?: -ENOBUFS;
		buf += ret;
		len -= ret;
		ret = 0;
	}
	return ret;
}

/*
 * Enter repair mode, as TCP_REPAIR does, without its capability check:
 * the socket is not connected yet, and is connected only to its peer.
 */
static void ckpt_inet_repair_on(struct sock *sk)
{
	lock_sock(sk);
	tcp_sk(sk)->repair = 1;
	tcp_sk(sk)->repair_queue = TCP_NO_QUEUE;
	sk->sk_reuse = SK_FORCE_REUSE;
	release_sock(sk);
}

/* Restore one connection in repair mode, all but what it sends. */
static int ckpt_inet_restore_tcp(struct ckpt_ctx *ctx, struct ckpt_inet_pending *p)
{
	const struct ckpt_hdr_inet *h = &p->h;
	struct socket *sock = sock_from_file(p->file);
	struct tcp_repair_window w = {
		.snd_wl1 = h->snd_wl1,
		.snd_wnd = h->snd_wnd,
		.max_window = h->max_window,
		.rcv_wnd = h->rcv_wnd,
		.rcv_wup = h->rcv_wup,
	};
	bool outside = h->flags & CKPT_INET_PEER_OUTSIDE;
	struct tcp_repair_opt opts[4];
	struct sockaddr_storage ss;
	unsigned int n = 0;
	int len, ret;

	ckpt_inet_repair_on(sock->sk);
	ret = ckpt_inet_setseq(sock, TCP_SEND_QUEUE, h->snd_una);
	if (!ret)
		ret = ckpt_inet_setseq(sock, TCP_RECV_QUEUE, h->rcv_nxt - h->inq_len);
	if (!ret)
		ret = ckpt_inet_bind(ctx, sock, h);
	/* Its peer's packets wait until the point of no return. */
	if (!ret && outside) {
		ret = ckpt_inet_freeze(sock->sk);
		if (ret)
			return ckpt_err(ctx, ret,
					"cannot hold the packets of a TCP connection (error %d)",
					ret);
	}
	if (ret)
		return ret;
	if (outside)
		ckpt_inet_take_over(sock_net(sock->sk), h);
	len = ckpt_inet_sockaddr(h, h->daddr, h->dport, &ss);
	ret = kernel_connect(sock, (struct sockaddr *)&ss, len, 0);
	if (ret)
		return ckpt_err(ctx, ret, "cannot connect %s to port %u again (error %d)",
				ckpt_inet_kind(sock->sk), h->dport, ret);
	p->connected = true;
	ckpt_inet_grown_bufs(sock->sk, &h->opts);
	opts[n].opt_code = TCPOPT_MSS;
	opts[n++].opt_val = h->mss_clamp;
	if (h->flags & CKPT_INET_WSCALE) {
		opts[n].opt_code = TCPOPT_WINDOW;
		opts[n++].opt_val = h->snd_wscale | (h->rcv_wscale << 16);
	}
	if (h->flags & CKPT_INET_SACK) {
		opts[n].opt_code = TCPOPT_SACK_PERM;
		opts[n++].opt_val = 0;
	}
	if (h->flags & CKPT_INET_TSTAMP) {
		opts[n].opt_code = TCPOPT_TIMESTAMP;
		opts[n++].opt_val = 0;
	}
	ret = sock->ops->setsockopt(sock, SOL_TCP, TCP_REPAIR_OPTIONS,
				    KERNEL_SOCKPTR(opts), n * sizeof(opts[0]));
	if (!ret && h->flags & CKPT_INET_TSTAMP)
		ret = ckpt_inet_setint(sock, SOL_TCP, TCP_TIMESTAMP, h->tsval);
	if (!ret)
		ret = ckpt_inet_send(sock, TCP_RECV_QUEUE, p->data, h->inq_len);
	if (!ret)
		ret = sock->ops->setsockopt(sock, SOL_TCP, TCP_REPAIR_WINDOW,
					    KERNEL_SOCKPTR(&w), sizeof(w));
	/*
	 * What was sent and not acknowledged, as sent: it goes again.  With a
	 * peer outside, what was not sent yet too: it goes once the
	 * connection is let go, past the point of no return, which nothing
	 * may fail after.
	 */
	if (!ret)
		ret = ckpt_inet_send(sock, TCP_SEND_QUEUE, p->data + h->inq_len,
				     (outside ? h->write_seq : h->snd_nxt) - h->snd_una);
	if (!ret && outside && h->flags & CKPT_INET_CORK)
		ret = ckpt_inet_setint(sock, SOL_TCP, TCP_CORK, 1);
	if (ret)
		return ckpt_err(ctx, ret, "cannot restore the state of %s (error %d)",
				ckpt_inet_kind(sock->sk), ret);
	return 0;
}

/* An address of @h as IPv6, an IPv4 one mapped (::ffff:a.b.c.d). */
static void ckpt_inet_v6(const struct ckpt_hdr_inet *h, const u8 *addr, struct in6_addr *a)
{
	if (h->family == AF_INET)
		ipv6_addr_set_v4mapped(*(const __be32 *)addr, a);
	else
		memcpy(a, addr, sizeof(*a));
}

/* Is the peer of connection @i of the image too? */
static bool ckpt_inet_has_peer(struct ckpt_ctx *ctx, unsigned int i)
{
	const struct ckpt_hdr_inet *a = &ctx->inets[i].h;
	struct in6_addr as, ad, bs, bd;
	unsigned int j;

	ckpt_inet_v6(a, a->saddr, &as);
	ckpt_inet_v6(a, a->daddr, &ad);
	for (j = 0; j < ctx->nr_inets; j++) {
		const struct ckpt_hdr_inet *b = &ctx->inets[j].h;

		if (j == i || a->sport != b->dport || a->dport != b->sport)
			continue;
		ckpt_inet_v6(b, b->saddr, &bs);
		ckpt_inet_v6(b, b->daddr, &bd);
		if (ipv6_addr_equal(&as, &bd) && ipv6_addr_equal(&ad, &bs))
			return true;
	}
	return false;
}

/*
 * Is @addr (as ckpt_inet_v6() has it) an address of this machine, so that
 * nothing sent to it leaves it?
 */
static bool ckpt_inet_local(struct net *net, const struct in6_addr *addr)
{
	if (ipv6_addr_v4mapped(addr))
		return inet_addr_type(net, addr->s6_addr32[3]) == RTN_LOCAL;
#if IS_BUILTIN(CONFIG_IPV6)
	return ipv6_addr_loopback(addr) || ipv6_chk_addr(net, addr, NULL, 0);
#else
	return false;
#endif
}

/* The checks of the connections of the image, before any is restored. */
static int ckpt_inet_check_pairs(struct ckpt_ctx *ctx)
{
	struct net *net = current->nsproxy->net_ns;
	struct in6_addr s, d;
	unsigned int i;

	for (i = 0; i < ctx->nr_inets; i++) {
		const struct ckpt_hdr_inet *h = &ctx->inets[i].h;

		if (h->flags & CKPT_INET_PEER_OUTSIDE) {
			ckpt_inet_v6(h, h->saddr, &s);
			ckpt_inet_v6(h, h->daddr, &d);
			if (!(ctx->flags & CKPT_RESTART_TCP_ESTABLISHED))
				return ckpt_err(ctx, -EOPNOTSUPP,
						"a TCP connection from port %u to %pI6c port %u has its peer outside the image: restart it with CKPT_RESTART_TCP_ESTABLISHED",
						h->sport, &d, h->dport);
			if (!ns_capable(net->user_ns, CAP_NET_ADMIN))
				return ckpt_err(ctx, -EPERM,
						"restoring a TCP connection whose peer is outside the image needs CAP_NET_ADMIN");
			if (!ckpt_inet_local(net, &s))
				return ckpt_err(ctx, -EADDRNOTAVAIL,
						"a TCP connection from %pI6c port %u: not an address of this machine",
						&s, h->sport);
			continue;
		}
		if (!ckpt_inet_has_peer(ctx, i))
			return ckpt_err(ctx, -EINVAL,
					"a TCP connection from port %u to port %u has no peer in the image",
					h->sport, h->dport);
		ckpt_inet_v6(h, h->saddr, &s);
		ckpt_inet_v6(h, h->daddr, &d);
		if (!ckpt_inet_local(net, &s) || !ckpt_inet_local(net, &d))
			return ckpt_err(ctx, -EADDRNOTAVAIL,
					"a TCP connection from %pI6c port %u to %pI6c port %u is not between addresses of this machine",
					&s, h->sport, &d, h->dport);
	}
	return 0;
}

/* Take a restored connection out of repair mode: it runs. */
static void ckpt_inet_let_go(struct ckpt_inet_pending *p)
{
	struct sock *sk = sock_from_file(p->file)->sk;

	lock_sock(sk);
	ckpt_inet_thaw_locked(sk);
	tcp_sk(sk)->repair = 0;
	tcp_sk(sk)->repair_queue = TCP_NO_QUEUE;
	sk->sk_reuse = p->h.opts.flags & CKPT_SOCK_REUSEADDR ? SK_CAN_REUSE : SK_NO_REUSE;
	tcp_send_window_probe(sk);
	release_sock(sk);
	p->released = true;
}

/**
 * ckpt_inet_connect_all() - connect the TCP connections of the image again
 * @ctx: restart context, every record read, before the point of no return
 *
 * Each connection is restored in repair mode, then all leave it together
 * and write again what they had not sent yet, then shut down the halves
 * that were: a FIN sent goes to its peer, which takes it as its FIN
 * received; but those whose peer is outside, which wait for
 * ckpt_inet_release().
 *
 * Return: 0 or a negative errno, logged.
 */
int ckpt_inet_connect_all(struct ckpt_ctx *ctx)
{
	unsigned int i;
	int ret = 0;

	ret = ckpt_inet_check_pairs(ctx);
	if (ret)
		return ret;
	for (i = 0; i < ctx->nr_inets && !ret; i++) {
		const struct cred *old = override_creds(ctx->inets[i].cred);

		ret = ckpt_inet_restore_tcp(ctx, &ctx->inets[i]);
		revert_creds(old);
	}
	if (ret)
		return ret;
	for (i = 0; i < ctx->nr_inets; i++)
		if (!ctx->inets[i].held)
			ckpt_inet_let_go(&ctx->inets[i]);
	for (i = 0; i < ctx->nr_inets && !ret; i++) {
		struct ckpt_inet_pending *p = &ctx->inets[i];
		const struct ckpt_hdr_inet *h = &p->h;
		struct socket *sock = sock_from_file(p->file);

		if (p->held)
			continue;

		ret = ckpt_inet_send(sock, TCP_NO_QUEUE,
				     p->data + h->inq_len + h->snd_nxt - h->snd_una,
				     h->write_seq - h->snd_nxt);
		if (!ret && h->flags & CKPT_INET_CORK)
			ret = ckpt_inet_setint(sock, SOL_TCP, TCP_CORK, 1);
		if (ret)
			ckpt_err(ctx, ret, "cannot queue %u bytes on a TCP socket again (error %d)",
				 h->write_seq - h->snd_nxt, ret);
	}
	/* The halves shut down, after their data: the FINs go to the peers. */
	for (i = 0; i < ctx->nr_inets && !ret; i++) {
		const struct ckpt_hdr_inet *h = &ctx->inets[i].h;
		struct socket *sock = sock_from_file(ctx->inets[i].file);

		if (h->flags & CKPT_INET_FIN_SENT)
			ret = kernel_sock_shutdown(sock, SHUT_WR);
		if (!ret && h->flags & CKPT_INET_SHUT_RD)
			ret = kernel_sock_shutdown(sock, SHUT_RD);
		if (ret)
			ckpt_err(ctx, ret, "cannot shut down a half of a TCP connection again (error %d)",
				 ret);
	}
	return ret;
}

/**
 * ckpt_inet_release() - let the restored TCP connections whose peer is
 *	outside the image go
 * @ctx: restart context, past the point of no return, every task restored
 *	and none back in user space yet
 *
 * Their peer's packets are taken in again and they leave repair mode: what
 * they had queued is sent.  Nothing here can fail.
 */
void ckpt_inet_release(struct ckpt_ctx *ctx)
{
	unsigned int i;

	for (i = 0; i < ctx->nr_inets; i++)
		if (ctx->inets[i].held && ctx->inets[i].connected)
			ckpt_inet_let_go(&ctx->inets[i]);
}

/**
 * ckpt_inet_finish() - the end of a checkpoint or restart, before the tasks
 *	of the tree go on: hold or let go the connections whose peer is outside
 * @ctx: checkpoint or restart context
 * @ok: checkpoint: it succeeded
 *
 * A successful checkpoint puts the original sockets in repair mode and
 * holds them, their packets still dropped, until a restart takes them
 * over; a failed one lets them go on.  A restart that did not let its
 * connections go (ckpt_inet_release()) holds them, for another.
 */
void ckpt_inet_finish(struct ckpt_ctx *ctx, bool ok)
{
	unsigned int i;

	for (i = 0; i < ctx->nr_inets; i++) {
		struct ckpt_inet_pending *p = &ctx->inets[i];
		struct sock *sk = sock_from_file(p->file)->sk;

		if (!p->held)
			continue;
		if (ctx->op == CKPT_OP_CHECKPOINT && !ok) {
			lock_sock(sk);
			ckpt_inet_thaw_locked(sk);
			release_sock(sk);
			continue;
		}
		if (ctx->op == CKPT_OP_CHECKPOINT) {
			lock_sock(sk);
			tcp_sk(sk)->repair = 1;
			tcp_sk(sk)->repair_queue = TCP_NO_QUEUE;
			release_sock(sk);
		} else if (!p->connected || p->released) {
			continue;
		}
		ckpt_inet_hold(p->held, p->file, &p->h);
		p->held = NULL;
		p->file = NULL;
	}
}

/**
 * ckpt_inet_free() - drop the TCP connections kept for a restart, or held
 *	by a checkpoint
 * @ctx: checkpoint or restart context
 */
void ckpt_inet_free(struct ckpt_ctx *ctx)
{
	unsigned int i;

	for (i = 0; i < ctx->nr_inets; i++) {
		struct ckpt_inet_pending *p = &ctx->inets[i];

		/* One left in repair mode is closed without a packet. */
		if (p->file)
			fput(p->file);
		if (p->cred)
			put_cred(p->cred);
		kvfree(p->data);
		kfree(p->held);
	}
	kfree(ctx->inets);
	ctx->inets = NULL;
	ctx->nr_inets = 0;
}

const struct ckpt_file_ops ckpt_file_inet_ops = {
	.type = CKPT_FILE_INET,
	.match = ckpt_inet_match,
	.check = ckpt_inet_check,
	.checkpoint = ckpt_inet_checkpoint,
	.checkpoint_after = ckpt_inet_checkpoint_after,
	.restart = ckpt_inet_restart,
	.fasync = ckpt_sock_fasync,
};
