// SPDX-License-Identifier: GPL-2.0
/*
 * What every kind of socket shares: the options set at SOL_SOCKET, saved
 * into a &struct ckpt_sock_opts and set again through sock_setsockopt(),
 * so that its permission checks apply, and the state no kind restores
 * (socket filters, SO_TIMESTAMPING, a device binding, a BPF map), which
 * checkpoint refuses.
 */

#include <linux/filter.h>
#include <linux/math64.h>
#include <linux/net.h>
#include <linux/sockptr.h>
#include <net/sock.h>

#include "internal.h"

/* The options of &struct ckpt_sock_opts.flags that are bits of sk_flags. */
static const struct {
	u32 ckpt;
	enum sock_flags flag;
} ckpt_sock_flags[] = {
	{ CKPT_SOCK_KEEPALIVE, SOCK_KEEPOPEN },
	{ CKPT_SOCK_OOBINLINE, SOCK_URGINLINE },
	{ CKPT_SOCK_LINGER, SOCK_LINGER },
	{ CKPT_SOCK_BROADCAST, SOCK_BROADCAST },
	{ CKPT_SOCK_DONTROUTE, SOCK_LOCALROUTE },
	{ CKPT_SOCK_RXQ_OVFL, SOCK_RXQ_OVFL },
	{ CKPT_SOCK_SELECT_ERR_QUEUE, SOCK_SELECT_ERR_QUEUE },
	{ CKPT_SOCK_TIMESTAMP, SOCK_RCVTSTAMP },
	{ CKPT_SOCK_TIMESTAMPNS, SOCK_RCVTSTAMPNS },
	{ CKPT_SOCK_TIMESTAMP_NEW, SOCK_TSTAMP_NEW },
};

/* Bits of sk_flags a user sets that restart cannot set again. */
#define CKPT_SOCK_REFUSED_FLAGS	(BIT(SOCK_DBG) | BIT(SOCK_ZEROCOPY) | \
				 BIT(SOCK_TXTIME) | BIT(SOCK_RCVMARK) | \
				 BIT(SOCK_WIFI_STATUS) | BIT(SOCK_NOFCS) | \
				 BIT(SOCK_FILTER_LOCKED))

/**
 * ckpt_sock_check() - refuse what restart cannot give a socket again
 * @ctx: checkpoint context
 * @sk: the socket
 * @who: names its descriptor for the log
 * @kind: "a unix socket", "a TCP socket"...
 *
 * Return: 0 or -EOPNOTSUPP, logged.
 */
int ckpt_sock_check(struct ckpt_ctx *ctx, struct sock *sk, const char *who,
		    const char *kind)
{
	bool filter;

	if (sk->sk_flags & CKPT_SOCK_REFUSED_FLAGS)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s is %s with options restart cannot set (flags %#lx)",
				who, kind, sk->sk_flags & CKPT_SOCK_REFUSED_FLAGS);
	rcu_read_lock();
	filter = rcu_access_pointer(sk->sk_filter);
	rcu_read_unlock();
	if (filter)
		return ckpt_err(ctx, -EOPNOTSUPP, "%s is %s with a socket filter", who, kind);
	if (READ_ONCE(sk->sk_tsflags) || READ_ONCE(sk->sk_bound_dev_if) ||
	    rcu_access_pointer(sk->sk_user_data))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s is %s with SO_TIMESTAMPING, SO_BINDTOIFINDEX or a BPF map, not supported",
				who, kind);
	return 0;
}

/* A timeout in jiffies as getsockopt(2) reports it, in microseconds. */
static s64 ckpt_sock_timeo(long timeo)
{
	/* Longer than this reads back as "none" anyway. */
	s64 sec = min_t(s64, timeo / HZ, U32_MAX);

	if (timeo == MAX_SCHEDULE_TIMEOUT)
		return 0;
	return sec * USEC_PER_SEC + (timeo % HZ) * USEC_PER_SEC / HZ;
}

/**
 * ckpt_sock_save() - the %SOL_SOCKET options of a socket
 * @sk: the socket
 * @o: filled
 */
void ckpt_sock_save(struct sock *sk, struct ckpt_sock_opts *o)
{
	struct socket *sock = sk->sk_socket;
	unsigned int i;

	memset(o, 0, sizeof(*o));
	if (sock && test_bit(SOCK_PASSCRED, &sock->flags))
		o->flags |= CKPT_SOCK_PASSCRED;
	if (sock && test_bit(SOCK_PASSPIDFD, &sock->flags))
		o->flags |= CKPT_SOCK_PASSPIDFD;
	if (sock && test_bit(SOCK_PASSSEC, &sock->flags))
		o->flags |= CKPT_SOCK_PASSSEC;
	if (sk->sk_userlocks & SOCK_SNDBUF_LOCK)
		o->flags |= CKPT_SOCK_SNDBUF;
	if (sk->sk_userlocks & SOCK_RCVBUF_LOCK)
		o->flags |= CKPT_SOCK_RCVBUF;
	if (sk->sk_reuse)
		o->flags |= CKPT_SOCK_REUSEADDR;
	for (i = 0; i < ARRAY_SIZE(ckpt_sock_flags); i++)
		if (sock_flag(sk, ckpt_sock_flags[i].flag))
			o->flags |= ckpt_sock_flags[i].ckpt;
	o->peek_off = READ_ONCE(sk->sk_peek_off);
	o->sndbuf = READ_ONCE(sk->sk_sndbuf);
	o->rcvbuf = READ_ONCE(sk->sk_rcvbuf);
	o->rcvlowat = READ_ONCE(sk->sk_rcvlowat);
	o->priority = READ_ONCE(sk->sk_priority);
	o->mark = READ_ONCE(sk->sk_mark);
	o->linger = min_t(unsigned long, READ_ONCE(sk->sk_lingertime) / HZ, INT_MAX);
	o->rcvtimeo_us = ckpt_sock_timeo(READ_ONCE(sk->sk_rcvtimeo));
	o->sndtimeo_us = ckpt_sock_timeo(READ_ONCE(sk->sk_sndtimeo));
}

/**
 * ckpt_sock_opts_valid() - the checks of a record's socket options
 * @o: the options
 *
 * Return: true if restart may set them.
 */
bool ckpt_sock_opts_valid(const struct ckpt_sock_opts *o)
{
	return !(o->flags & ~CKPT_SOCK_OPTIONS) && o->peek_off >= -1 &&
	       o->rcvlowat <= INT_MAX && o->rcvtimeo_us >= 0 && o->sndtimeo_us >= 0 &&
	       o->sndbuf <= INT_MAX && o->rcvbuf <= INT_MAX && o->linger <= INT_MAX;
}

static int ckpt_sock_setopt(struct socket *sock, int opt, const void *val,
			    unsigned int len)
{
	return sock_setsockopt(sock, SOL_SOCKET, opt, KERNEL_SOCKPTR((void *)val), len);
}

static int ckpt_sock_setint(struct socket *sock, int opt, int val)
{
	return ckpt_sock_setopt(sock, opt, &val, sizeof(val));
}

/*
 * Set a buffer size as SO_SNDBUF or SO_RCVBUF did; it must come out equal.
 * One never set keeps the default of the restarting system.
 */
static int ckpt_sock_set_buf(struct ckpt_ctx *ctx, struct socket *sock, int opt,
			     u32 size, bool locked)
{
	struct sock *sk = sock->sk;
	u32 now;
	int ret;

	if (!locked)
		return 0;
	ret = ckpt_sock_setint(sock, opt, size / 2);
	if (ret)
		return ckpt_err(ctx, ret, "cannot set the buffer of a socket (error %d)", ret);
	now = opt == SO_SNDBUF ? READ_ONCE(sk->sk_sndbuf) : READ_ONCE(sk->sk_rcvbuf);
	if (now != size)
		return ckpt_err(ctx, -EPERM,
				"cannot give a socket a %s of %u bytes (it gets %u here)",
				opt == SO_SNDBUF ? "SO_SNDBUF" : "SO_RCVBUF", size, now);
	return 0;
}

/**
 * ckpt_sock_set_bufs() - give a socket the buffer sizes its user set
 * @ctx: restart context
 * @sock: the socket, before its queues are filled again
 * @o: its options
 *
 * Return: 0 or a negative errno, logged.
 */
int ckpt_sock_set_bufs(struct ckpt_ctx *ctx, struct socket *sock,
		       const struct ckpt_sock_opts *o)
{
	int ret;

	ret = ckpt_sock_set_buf(ctx, sock, SO_SNDBUF, o->sndbuf, o->flags & CKPT_SOCK_SNDBUF);
	if (!ret)
		ret = ckpt_sock_set_buf(ctx, sock, SO_RCVBUF, o->rcvbuf,
					o->flags & CKPT_SOCK_RCVBUF);
	return ret;
}

static int ckpt_sock_set_timeo(struct socket *sock, int opt, s64 us)
{
	struct __kernel_sock_timeval tv;
	s32 rem;

	if (!us)
		return 0;
	tv.tv_sec = div_s64_rem(us, USEC_PER_SEC, &rem);
	tv.tv_usec = rem;
	return ckpt_sock_setopt(sock, opt, &tv, sizeof(tv));
}

/* The boolean options, each set by its SO_* option. */
static const struct {
	u32 ckpt;
	int opt;
} ckpt_sock_bools[] = {
	{ CKPT_SOCK_PASSCRED, SO_PASSCRED },
	{ CKPT_SOCK_PASSPIDFD, SO_PASSPIDFD },
	{ CKPT_SOCK_PASSSEC, SO_PASSSEC },
	{ CKPT_SOCK_KEEPALIVE, SO_KEEPALIVE },
	{ CKPT_SOCK_OOBINLINE, SO_OOBINLINE },
	{ CKPT_SOCK_REUSEADDR, SO_REUSEADDR },
	{ CKPT_SOCK_BROADCAST, SO_BROADCAST },
	{ CKPT_SOCK_DONTROUTE, SO_DONTROUTE },
	{ CKPT_SOCK_RXQ_OVFL, SO_RXQ_OVFL },
	{ CKPT_SOCK_SELECT_ERR_QUEUE, SO_SELECT_ERR_QUEUE },
};

/**
 * ckpt_sock_restore() - set the %SOL_SOCKET options of a socket again
 * @ctx: restart context
 * @sock: the socket, its queues full again
 * @o: its options
 * @skip: CKPT_SOCK_* bits the caller sets itself
 *
 * Return: 0 or a negative errno, logged.
 */
int ckpt_sock_restore(struct ckpt_ctx *ctx, struct socket *sock,
		      const struct ckpt_sock_opts *o, u32 skip)
{
	struct linger lg = { .l_onoff = 1, .l_linger = o->linger };
	u32 flags = o->flags & ~skip;
	unsigned int i;
	int ts = 0, ret = 0;

	for (i = 0; i < ARRAY_SIZE(ckpt_sock_bools) && !ret; i++)
		if (flags & ckpt_sock_bools[i].ckpt)
			ret = ckpt_sock_setint(sock, ckpt_sock_bools[i].opt, 1);
	/* SO_LINGER off keeps the time it was given. */
	if (!ret && (o->linger || flags & CKPT_SOCK_LINGER))
		ret = ckpt_sock_setopt(sock, SO_LINGER, &lg, sizeof(lg));
	if (!ret && o->linger && !(flags & CKPT_SOCK_LINGER)) {
		lg.l_onoff = 0;
		ret = ckpt_sock_setopt(sock, SO_LINGER, &lg, sizeof(lg));
	}
	if (flags & CKPT_SOCK_TIMESTAMPNS)
		ts = flags & CKPT_SOCK_TIMESTAMP_NEW ? SO_TIMESTAMPNS_NEW : SO_TIMESTAMPNS_OLD;
	else if (flags & CKPT_SOCK_TIMESTAMP)
		ts = flags & CKPT_SOCK_TIMESTAMP_NEW ? SO_TIMESTAMP_NEW : SO_TIMESTAMP_OLD;
	if (!ret && ts)
		ret = ckpt_sock_setint(sock, ts, 1);
	if (!ret && o->peek_off != -1)
		ret = ckpt_sock_setint(sock, SO_PEEK_OFF, o->peek_off);
	if (!ret && o->rcvlowat != 1)
		ret = ckpt_sock_setint(sock, SO_RCVLOWAT, o->rcvlowat);
	if (!ret && o->priority)
		ret = ckpt_sock_setint(sock, SO_PRIORITY, o->priority);
	if (!ret && o->mark)
		ret = ckpt_sock_setint(sock, SO_MARK, o->mark);
	if (!ret)
		ret = ckpt_sock_set_timeo(sock, SO_RCVTIMEO_NEW, o->rcvtimeo_us);
	if (!ret)
		ret = ckpt_sock_set_timeo(sock, SO_SNDTIMEO_NEW, o->sndtimeo_us);
	if (ret)
		return ckpt_err(ctx, ret, "cannot set the options of a socket (error %d)", ret);
	return 0;
}

/**
 * ckpt_sock_fasync() - the fasync list of a socket's file
 * @file: a socket's file
 *
 * Return: the head of the list sock_fasync() adds O_ASYNC entries to.
 */
struct fasync_struct **ckpt_sock_fasync(struct file *file)
{
	return &sock_from_file(file)->wq.fasync_list;
}
