// SPDX-License-Identifier: GPL-2.0
/*
 * TCP and UDP sockets over IPv4 and IPv6 on the loopback interface: a
 * listener, connections with bytes queued both ways (one with its send
 * queue full), UDP sockets bound and connected.  Each test compares what
 * the socket calls show before the checkpoint (names, options, TCP_INFO's
 * agreed options, FIONREAD) with what they show after restart, reads
 * every queued byte, and talks on every restored socket: the connections
 * go on in order with no byte lost or doubled, the listener accepts a new
 * connection.  And the refusals, each with its errno and line, and
 * crafted images whose connections would reach beyond the image.
 */

#define _GNU_SOURCE
#include "ckpt_task.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <linux/capability.h>
#include <linux/sockios.h>

/* What the socket calls show of a TCP or UDP socket. */
struct inet_state {
	struct sockaddr_storage name, peer;
	socklen_t name_len, peer_len;
	int type, sndbuf, rcvbuf, keepalive, reuse, nodelay, keepidle, keepintvl;
	int keepcnt, maxseg_set, listening, v6only, tos, ttl, inq, fl;
	int tcpi_state, tcpi_options, snd_wscale, rcv_wscale;
};

static int getopt_int(int fd, int level, int opt)
{
	socklen_t len = sizeof(int);
	int v = -12345;

	if (getsockopt(fd, level, opt, &v, &len))
		return -errno - 100000;
	return v;
}

static void inet_state(int fd, int family, struct inet_state *s)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(s, 0, sizeof(*s));
	s->name_len = sizeof(s->name);
	getsockname(fd, (struct sockaddr *)&s->name, &s->name_len);
	s->peer_len = sizeof(s->peer);
	if (getpeername(fd, (struct sockaddr *)&s->peer, &s->peer_len))
		s->peer_len = 0;
	s->type = getopt_int(fd, SOL_SOCKET, SO_TYPE);
	s->sndbuf = getopt_int(fd, SOL_SOCKET, SO_SNDBUF);
	s->rcvbuf = getopt_int(fd, SOL_SOCKET, SO_RCVBUF);
	s->keepalive = getopt_int(fd, SOL_SOCKET, SO_KEEPALIVE);
	s->reuse = getopt_int(fd, SOL_SOCKET, SO_REUSEADDR);
	s->listening = getopt_int(fd, SOL_SOCKET, SO_ACCEPTCONN);
	s->fl = fcntl(fd, F_GETFL);
	if (family == AF_INET) {
		s->tos = getopt_int(fd, SOL_IP, IP_TOS);
		s->ttl = getopt_int(fd, SOL_IP, IP_TTL);
	} else {
		s->tos = getopt_int(fd, SOL_IPV6, IPV6_TCLASS);
		s->ttl = getopt_int(fd, SOL_IPV6, IPV6_UNICAST_HOPS);
		s->v6only = getopt_int(fd, SOL_IPV6, IPV6_V6ONLY);
	}
	if (ioctl(fd, SIOCINQ, &s->inq))
		s->inq = -errno;
	if (s->type != SOCK_STREAM)
		return;
	s->nodelay = getopt_int(fd, SOL_TCP, TCP_NODELAY);
	s->keepidle = getopt_int(fd, SOL_TCP, TCP_KEEPIDLE);
	s->keepintvl = getopt_int(fd, SOL_TCP, TCP_KEEPINTVL);
	s->keepcnt = getopt_int(fd, SOL_TCP, TCP_KEEPCNT);
	if (!getsockopt(fd, SOL_TCP, TCP_INFO, &ti, &len)) {
		s->tcpi_state = ti.tcpi_state;
		s->tcpi_options = ti.tcpi_options;
		s->snd_wscale = ti.tcpi_snd_wscale;
		s->rcv_wscale = ti.tcpi_rcv_wscale;
	}
}

#define CHECK_FIELD(fd, f, b)							\
	CHECKF((long long)__n.f == (long long)(b)->f,				\
	       "fd %d: " #f " %lld, was %lld", fd, (long long)__n.f,		\
	       (long long)(b)->f)

/* The same state, field by field, so that a failure names what changed. */
#define CHECK_INET(fd, family, b, inq_too) do {				\
	struct inet_state __n;							\
	inet_state(fd, family, &__n);						\
	CHECKF(__n.name_len == (b)->name_len &&					\
	       !memcmp(&__n.name, &(b)->name, __n.name_len),			\
	       "fd %d: getsockname changed", fd);				\
	CHECKF(__n.peer_len == (b)->peer_len &&					\
	       !memcmp(&__n.peer, &(b)->peer, __n.peer_len),			\
	       "fd %d: getpeername changed", fd);				\
	CHECK_FIELD(fd, type, b); CHECK_FIELD(fd, sndbuf, b);			\
	CHECK_FIELD(fd, rcvbuf, b); CHECK_FIELD(fd, keepalive, b);		\
	CHECK_FIELD(fd, reuse, b); CHECK_FIELD(fd, listening, b);		\
	CHECK_FIELD(fd, fl, b); CHECK_FIELD(fd, tos, b);			\
	CHECK_FIELD(fd, ttl, b); CHECK_FIELD(fd, v6only, b);			\
	CHECK_FIELD(fd, nodelay, b); CHECK_FIELD(fd, keepidle, b);		\
	CHECK_FIELD(fd, keepintvl, b); CHECK_FIELD(fd, keepcnt, b);		\
	CHECK_FIELD(fd, tcpi_state, b); CHECK_FIELD(fd, tcpi_options, b);	\
	CHECK_FIELD(fd, snd_wscale, b); CHECK_FIELD(fd, rcv_wscale, b);		\
	if (inq_too)								\
		CHECK_FIELD(fd, inq, b);					\
} while (0)

static int setopt(int fd, int level, int opt, int v)
{
	return setsockopt(fd, level, opt, &v, sizeof(v));
}

/* The loopback address of @family with @port. */
static socklen_t loopback(int family, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*sin);
	}
	((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
	((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	((struct sockaddr_in6 *)ss)->sin6_addr = in6addr_loopback;
	return sizeof(struct sockaddr_in6);
}

/* A listener on the loopback address at fd @to, with a port of its own. */
static int listener(int family, int to, struct sockaddr_storage *ss, socklen_t *len)
{
	int fd = socket(family, SOCK_STREAM, 0);

	*len = loopback(family, 0, ss);
	if (ckpt_move_fd(fd, to) != to || setopt(to, SOL_SOCKET, SO_REUSEADDR, 1) ||
	    bind(to, (struct sockaddr *)ss, *len) || listen(to, 7) ||
	    getsockname(to, (struct sockaddr *)ss, len))
		return -1;
	return 0;
}

/* A connection to the listener @l: the client at @c, the server at @s. */
static int connection(int family, int l, const struct sockaddr_storage *ss,
		      socklen_t len, int c, int s)
{
	int fd = socket(family, SOCK_STREAM, 0);

	if (ckpt_move_fd(fd, c) != c || connect(c, (const struct sockaddr *)ss, len))
		return -1;
	return ckpt_move_fd(accept(l, NULL, NULL), s) == s ? 0 : -1;
}

/* Read exactly @len bytes from @fd, waiting at most a few seconds. */
static ssize_t read_all(int fd, void *buf, size_t len)
{
	size_t got = 0;
	double end = ckpt_now() + 10;

	while (got < len && ckpt_now() < end) {
		ssize_t n = recv(fd, (char *)buf + got, len - got, MSG_DONTWAIT);

		if (n > 0)
			got += n;
		else if (n == 0)
			break;
		else if (errno == EAGAIN)
			ckpt_sleep(0.001);
		else
			break;
	}
	return got;
}

#define CHECK_READ(fd, want) do {						\
	char __b[256] = { 0 };							\
	ssize_t __n = read_all(fd, __b, strlen(want));				\
	CHECKF(__n == (ssize_t)strlen(want) && !memcmp(__b, want, __n),		\
	       "fd %d: read %zd \"%s\", want \"%s\"", fd, __n, __b, want);	\
} while (0)

#define CHECK_NOTHING(fd) do {							\
	char __c;								\
	ssize_t __n = recv(fd, &__c, 1, MSG_DONTWAIT);				\
	CHECKF(__n == -1 && errno == EAGAIN, "fd %d: read %zd, want EAGAIN",	\
	       fd, __n);							\
} while (0)

#define FIRST	10
#define LAST	18
#define BIG	(4 << 20)

/*
 * 10 listens; 11 connected to 12 (accepted from 10): 12 has "hello from
 * the client" to read, 11 has "3456789" left of "0123456789"; options on
 * both.  13 connected to 14: 13 wrote until its send queue was full, 14
 * read nothing.  15 a UDP socket bound to the loopback address, 16 a UDP
 * socket connected to 15, 17 a UDP socket never bound, 18 a TCP socket
 * never connected, bound with SO_REUSEADDR.
 */
static void tcp_udp_target(void *arg)
{
	int family = *(int *)arg;
	static char big[BIG], back[BIG];
	struct inet_state before[LAST + 1];
	struct sockaddr_storage ls, us, s2;
	socklen_t llen, ulen, len;
	ssize_t n, total = 0;
	char buf[16];
	int fd;

	SETUP(!listener(family, 10, &ls, &llen));
	SETUP(!connection(family, 10, &ls, llen, 11, 12));
	SETUP(!connection(family, 10, &ls, llen, 13, 14));
	SETUP(!setopt(11, SOL_TCP, TCP_NODELAY, 1) && !setopt(11, SOL_SOCKET, SO_KEEPALIVE, 1) &&
	      !setopt(11, SOL_TCP, TCP_KEEPIDLE, 77) && !setopt(11, SOL_TCP, TCP_KEEPINTVL, 9) &&
	      !setopt(11, SOL_TCP, TCP_KEEPCNT, 4) && !setopt(12, SOL_SOCKET, SO_RCVBUF, 100000) &&
	      !setopt(12, SOL_SOCKET, SO_SNDBUF, 70000));
	SETUP(!setopt(12, family == AF_INET ? SOL_IP : SOL_IPV6,
		      family == AF_INET ? IP_TOS : IPV6_TCLASS, 0x10) &&
	      !setopt(11, family == AF_INET ? SOL_IP : SOL_IPV6,
		      family == AF_INET ? IP_TTL : IPV6_UNICAST_HOPS, 33));
	SETUP(write(11, "hello from the client", 21) == 21 &&
	      write(12, "0123456789", 10) == 10 && read_all(11, buf, 3) == 3);
	SETUP(fcntl(11, F_SETFL, O_NONBLOCK) == 0);

	ckpt_fill(big, sizeof(big), 42);
	SETUP(fcntl(13, F_SETFL, O_NONBLOCK) == 0);
	while ((n = write(13, big + total, sizeof(big) - total)) > 0)
		total += n;
	SETUP(total > 65536 && total < BIG && errno == EAGAIN);

	fd = socket(family, SOCK_DGRAM, 0);
	ulen = loopback(family, 0, &us);
	SETUP(ckpt_move_fd(fd, 15) == 15 && !bind(15, (struct sockaddr *)&us, ulen) &&
	      !getsockname(15, (struct sockaddr *)&us, &ulen));
	fd = socket(family, SOCK_DGRAM, 0);
	SETUP(ckpt_move_fd(fd, 16) == 16 && !connect(16, (struct sockaddr *)&us, ulen));
	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	SETUP(ckpt_move_fd(fd, 17) == 17);
	fd = socket(family, SOCK_STREAM, 0);
	len = loopback(family, 0, &s2);
	SETUP(ckpt_move_fd(fd, 18) == 18 && !setopt(18, SOL_SOCKET, SO_REUSEADDR, 1) &&
	      !bind(18, (struct sockaddr *)&s2, len));

	/* Every byte written on the first connection has arrived. */
	ckpt_sleep(0.05);
	for (fd = FIRST; fd <= LAST; fd++)
		inet_state(fd, family, &before[fd]);

	ckpt_stop();

	for (fd = FIRST; fd <= LAST; fd++)
		CHECK_INET(fd, family, &before[fd], fd != 14);

	/* The queues, in order, then both ways again. */
	CHECK_READ(12, "hello from the client");
	CHECK_NOTHING(12);
	CHECK_READ(11, "3456789");
	CHECK_NOTHING(11);
	CHECK(write(11, "ping", 4) == 4);
	CHECK_READ(12, "ping");
	CHECK(write(12, "pong", 4) == 4);
	CHECK_READ(11, "pong");

	/* The full queue: every byte once, in order, then more. */
	n = read_all(14, back, total);
	CHECKF(n == total, "fd 14: read %zd of %zd bytes", n, total);
	CHECKF(!memcmp(back, big, total), "fd 14: the bytes differ");
	CHECK_NOTHING(14);
	CHECK(write(13, "more", 4) == 4);
	CHECK_READ(14, "more");

	/* The listener takes a new connection. */
	CHECK(!connection(family, 10, &ls, llen, 20, 21));
	CHECK(write(20, "new", 3) == 3);
	CHECK_READ(21, "new");

	/* UDP: 16 sends to 15, from its own name; 15 answers it. */
	CHECK(send(16, "dgram", 5, 0) == 5);
	len = sizeof(s2);
	n = recvfrom(15, buf, sizeof(buf), 0, (struct sockaddr *)&s2, &len);
	CHECK(n == 5 && !memcmp(buf, "dgram", 5));
	CHECKF(len == before[16].name_len && !memcmp(&s2, &before[16].name, len),
	       "the datagram's source is not 16's name");
	CHECK(sendto(15, "back", 4, 0, (struct sockaddr *)&s2, len) == 4);
	CHECK_READ(16, "back");
	CHECK(send(17, "x", 1, 0) == -1 && errno == EDESTADDRREQ);
}

TEST(tcp_udp_ipv4)
{
	static int family = AF_INET;

	CKPT_RUN_SIMPLE(tcp_udp_target, &family);
}

TEST(tcp_udp_ipv6)
{
	static int family = AF_INET6;

	CKPT_RUN_SIMPLE(tcp_udp_target, &family);
}

/* ---- refusals ---- */

/* A listener with a connection not accepted yet. */
static void pending_target(void *arg)
{
	struct sockaddr_storage ls;
	socklen_t llen;
	int fd;

	(void)arg;
	SETUP(!listener(AF_INET, 10, &ls, &llen));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	SETUP(ckpt_move_fd(fd, 11) == 11 && !connect(11, (struct sockaddr *)&ls, llen));

	ckpt_stop();

	CHECK(getopt_int(10, SOL_SOCKET, SO_ACCEPTCONN) == 1);
}

TEST(tcp_pending_connection_refused)
{
	CKPT_RUN_REFUSED(pending_target, NULL, EOPNOTSUPP, "fd 10",
			 "connections not accepted yet");
}

/* A TCP option restart does not set again: TCP_USER_TIMEOUT. */
static void user_timeout_target(void *arg)
{
	(void)arg;
	SETUP(!ckpt_tcp_connection(-1, 10, 11) && !setopt(10, SOL_TCP, TCP_USER_TIMEOUT, 5000));

	ckpt_stop();

	CHECK(getopt_int(10, SOL_TCP, TCP_USER_TIMEOUT) == 5000);
}

TEST(tcp_user_timeout_refused)
{
	CKPT_RUN_REFUSED(user_timeout_target, NULL, EOPNOTSUPP, "fd 10",
			 "TCP options restart cannot set");
}

/* ---- a connection whose peer is outside the image ---- */

#define OUT_BEFORE	3000	/* the target wrote before the checkpoint (seed 1) */
#define OUT_TO_TARGET	2000	/* the test wrote before the checkpoint (seed 2) */
#define OUT_GAP		5000	/* the test wrote between checkpoint and restart (seed 3) */
#define OUT_AFTER	4000	/* the restarted target writes (seed 4) */

/* The test's side: a listener, or a connection for the target to accept. */
struct outside {
	int family;
	bool server;		/* the target accepts on the test's listener @l */
	int l;
	struct sockaddr_storage ls;
	socklen_t llen;
};

/* Read exactly @len bytes of @fd within @secs seconds. */
static ssize_t read_full(int fd, void *buf, size_t len, double secs)
{
	double end = ckpt_now() + secs;
	size_t got = 0;

	while (got < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		double left = end - ckpt_now();
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)(left * 1000) + 1) < 0)
			break;
		n = recv(fd, (char *)buf + got, len - got, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN))
			break;
		if (n > 0)
			got += n;
	}
	return got;
}

static bool write_seed(int fd, size_t len, uint64_t seed)
{
	char *b = malloc(len + 8);
	bool ok;

	ckpt_fill(b, len + 8, seed);
	ok = b && send(fd, b, len, MSG_NOSIGNAL) == (ssize_t)len;
	free(b);
	return ok;
}

/* The next @len bytes of @fd must be those of @seed. */
static bool read_seed(int fd, size_t len, uint64_t seed, double secs)
{
	char *b = malloc(len + 8), *want = malloc(len + 8);
	bool ok;

	ckpt_fill(want, len + 8, seed);
	ok = b && want && read_full(fd, b, len, secs) == (ssize_t)len && !memcmp(b, want, len);
	free(b);
	free(want);
	return ok;
}

/* The target's end of the connection: the client (10), or the server (11). */
static int outside_end(int family, struct outside *o)
{
	int fd;

	if (o->server) {
		if (ckpt_move_fd(o->l, 10) != 10)
			return -1;
		return ckpt_move_fd(accept(10, NULL, NULL), 11) == 11 ? 11 : -1;
	}
	fd = socket(family, SOCK_STREAM, 0);
	if (ckpt_move_fd(fd, 10) != 10 || connect(10, (struct sockaddr *)&o->ls, o->llen))
		return -1;
	return 10;
}

/*
 * A connection to the test: restarted, the bytes the test sent before the
 * checkpoint and while the original was gone come in order, and what the
 * restarted process writes reaches the test.
 */
static void outside_target(void *arg)
{
	struct outside *o = arg;
	struct inet_state b;
	int fd = outside_end(o->family, o);

	SETUP(fd > 0 && !setopt(fd, SOL_TCP, TCP_NODELAY, 1) &&
	      write_seed(fd, OUT_BEFORE, 1));
	inet_state(fd, o->family, &b);

	ckpt_stop();

	CHECK_INET(fd, o->family, &b, false);
	CHECKF(read_seed(fd, OUT_TO_TARGET, 2, 30), "fd %d: the bytes before the checkpoint", fd);
	CHECKF(read_seed(fd, OUT_GAP, 3, 30), "fd %d: the bytes sent while it was gone", fd);
	CHECK(write_seed(fd, OUT_AFTER, 4));
	if (o->server)
		CHECK(getopt_int(10, SOL_SOCKET, SO_ACCEPTCONN) == 1);
}

static int tcp_state_of(int fd, struct tcp_info *ti)
{
	socklen_t len = sizeof(*ti);

	memset(ti, 0, sizeof(*ti));
	return getsockopt(fd, SOL_TCP, TCP_INFO, ti, &len) ? -1 : ti->tcpi_state;
}

/* Nothing came from the target's side: no byte, no FIN, no reset. */
#define EXPECT_QUIET(s) do {							\
	struct tcp_info __ti;							\
	char __c;								\
	EXPECT_EQ(-1, recv(s, &__c, 1, MSG_DONTWAIT));				\
	EXPECT_EQ(EAGAIN, errno);						\
	EXPECT_EQ(TCP_ESTABLISHED, tcp_state_of(s, &__ti));			\
} while (0)

/*
 * The test's listener (@o->server: and its connection, for the target to
 * accept), and the target @fn connected to it, stopped: the test's end of
 * the connection in *@s, the checkpoint flag set in @c.
 */
static void outside_start(struct __test_metadata *_metadata, struct outside *o,
			  struct ckpt_ctx *c, void (*fn)(void *), pid_t *pid, int *s)
{
	ASSERT_EQ(0, listener(o->family, 20, &o->ls, &o->llen));
	o->l = 20;
	c->flags |= CKPT_CHECKPOINT_TCP_ESTABLISHED;
	*s = -1;
	if (o->server) {
		/* The test connects; the target takes the listener and accepts. */
		*s = socket(o->family, SOCK_STREAM, 0);
		ASSERT_EQ(0, connect(*s, (struct sockaddr *)&o->ls, o->llen));
		c->keep_fd = o->l;
	}
	*pid = ckpt_fork_target(c, fn, o);
	ASSERT_LT(0, *pid);
	CKPT_WAIT_STOPPED(*pid);
	if (!o->server)
		*s = accept(o->l, NULL, NULL);
	close(o->l);
	ASSERT_LE(0, *s);
}

static void outside_round(struct __test_metadata *_metadata, int family, bool server)
{
	static struct outside o;
	struct tcp_info ti;
	struct ckpt_ctx c;
	char why[160];
	int s = -1, status;
	pid_t pid;

	o.family = family;
	o.server = server;
	ckpt_ctx_init(&c);
	outside_start(_metadata, &o, &c, outside_target, &pid, &s);
	ASSERT_TRUE(write_seed(s, OUT_TO_TARGET, 2));
	ckpt_sleep(0.05);

	CKPT_TAKE(&c, pid);
	status = ckpt_kill(pid);
	EXPECT_TRUE(WIFSIGNALED(status)) TH_LOG("the original: %s",
						ckpt_status_str(status, why, sizeof(why)));
	/* What the original sent before; then its exit sent nothing. */
	EXPECT_TRUE(read_seed(s, OUT_BEFORE, 1, 10));
	EXPECT_QUIET(s);
	/* Sent while the original is gone: dropped, sent again later. */
	ASSERT_TRUE(write_seed(s, OUT_GAP, 3));
	ckpt_sleep(0.5);
	EXPECT_QUIET(s);
	tcp_state_of(s, &ti);
	EXPECT_LT(0, ti.tcpi_total_retrans) TH_LOG("nothing dropped: the held socket took it in");

	/* Without the flag of restart(2): refused, and nothing changes. */
	ckpt_expect_restart_refused(_metadata, &c, EOPNOTSUPP, "CKPT_RESTART_TCP_ESTABLISHED");
	EXPECT_QUIET(s);

	c.restart_flags = CKPT_RESTART_TCP_ESTABLISHED;
	if (!ckpt_restart_wait(_metadata, &c, 90)) {
		EXPECT_TRUE(0) TH_LOG("the restarted process did not finish");
	}
	ckpt_expect_ok(_metadata, &c, "the restarted process");
	/* What the restarted process wrote, then its close. */
	EXPECT_TRUE(read_seed(s, OUT_AFTER, 4, 30));
	EXPECT_EQ(0, recv(s, why, 1, 0));
	close(s);
}

/* The peer sends again what was dropped after its backoff: give it time. */
FIXTURE(outside) {};
FIXTURE_SETUP(outside) {}
FIXTURE_TEARDOWN(outside) {}

TEST_F_TIMEOUT(outside, tcp_peer_outside_client_ipv4, 150)
{
	outside_round(_metadata, AF_INET, false);
}

TEST_F_TIMEOUT(outside, tcp_peer_outside_server_ipv6, 150)
{
	outside_round(_metadata, AF_INET6, true);
}

/* Connected to a listener of the test: the peer is outside the image. */
static void outside_plain_target(void *arg)
{
	struct sockaddr_storage *ls = arg;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	SETUP(ckpt_move_fd(fd, 10) == 10 &&
	      !connect(10, (struct sockaddr *)ls, sizeof(struct sockaddr_in)));

	ckpt_stop();

	CHECK(write(10, "x", 1) == 1);
}

TEST(tcp_peer_outside_refused)
{
	static struct sockaddr_storage ls;
	socklen_t llen;
	int l = socket(AF_INET, SOCK_STREAM, 0), s;

	ASSERT_LE(0, l);
	llen = loopback(AF_INET, 0, &ls);
	ASSERT_EQ(0, bind(l, (struct sockaddr *)&ls, llen));
	ASSERT_EQ(0, listen(l, 4));
	ASSERT_EQ(0, getsockname(l, (struct sockaddr *)&ls, &llen));
	/* The target closes its copy of the listener: the test's is outside. */
	CKPT_RUN_REFUSED(outside_plain_target, &ls, EOPNOTSUPP, "fd 10",
			 "peer is outside the image", "CKPT_CHECKPOINT_TCP_ESTABLISHED");
	s = accept(l, NULL, NULL);
	ASSERT_LE(0, s);
	close(s);
	close(l);
}

/* Drop CAP_NET_ADMIN from the effective set: a hook of the restarter too. */
static int drop_net_admin(void *arg)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	(void)arg;
	if (syscall(SYS_capget, &h, d))
		return -1;
	d[CAP_NET_ADMIN / 32].effective &= ~(1U << (CAP_NET_ADMIN % 32));
	return syscall(SYS_capset, &h, d);
}

/*
 * Talks to the test after a checkpoint that failed once the connection's
 * packets were held (a unix message from a closed socket is refused at
 * the very end): what the test sends then must come in.
 */
static void outside_failed_target(void *arg)
{
	struct outside *o = arg;
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	socklen_t alen;
	char buf[4];
	int fd = outside_end(AF_INET, o);

	SETUP(fd == 10);
	alen = offsetof(struct sockaddr_un, sun_path) + 1 +
	       snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "ckpt-ofail-%d", getpid());
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	SETUP(ckpt_move_fd(fd, 11) == 11 && !bind(11, (struct sockaddr *)&a, alen));
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	SETUP(ckpt_move_fd(fd, 12) == 12 &&
	      sendto(12, "x", 1, 0, (struct sockaddr *)&a, alen) == 1 && !close(12));

	ckpt_stop();

	CHECK(read_full(10, buf, 4, 30) == 4 && !memcmp(buf, "ping", 4));
	CHECK(write(10, "pong", 4) == 4);
}

/*
 * A failed checkpoint lets the connection go on; checkpoint(2) and
 * restart(2) of such a connection need CAP_NET_ADMIN.
 */
TEST_F_TIMEOUT(outside, tcp_peer_outside_failed_and_unprivileged, 150)
{
	static struct outside o;
	struct ckpt_ctx c;
	char buf[8], why[160];
	int s, status, img;
	pid_t pid, child;

	o.family = AF_INET;
	ckpt_ctx_init(&c);
	c.continue_original = true;
	outside_start(_metadata, &o, &c, outside_failed_target, &pid, &s);

	/* Without CAP_NET_ADMIN. */
	img = ckpt_tmpfile();
	ASSERT_LE(0, img);
	ckpt_log_drain(&c);
	child = fork();
	if (child == 0) {
		long r = drop_net_admin(NULL) ? -2 :
			 sys_checkpoint(pid, img, c.flags, c.lp[1]);

		_exit(r == -1 ? errno : 100);
	}
	ASSERT_TRUE(ckpt_wait(child, &status, 0, 60));
	ckpt_log_collect(&c);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == EPERM)
		TH_LOG("checkpoint without CAP_NET_ADMIN: %s; log: %s",
		       ckpt_status_str(status, why, sizeof(why)), ckpt_log_text(&c));
	EXPECT_TRUE(ckpt_log_ok(c.log, "checkpoint: ", "needs CAP_NET_ADMIN"))
		TH_LOG("log: %s", ckpt_log_text(&c));
	close(img);

	/* Fails after the connection's packets were held: they come again. */
	EXPECT_EQ(-1, ckpt_take(&c, pid));
	EXPECT_EQ(EOPNOTSUPP, c.err);
	EXPECT_TRUE(ckpt_log_ok(c.log, "checkpoint: ", "closed or outside the image"))
		TH_LOG("log: %s", ckpt_log_text(&c));
	ASSERT_EQ(4, send(s, "ping", 4, 0));
	kill(pid, SIGCONT);
	if (!ckpt_wait(pid, &status, 0, 60))
		status = ckpt_kill(pid);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("the original after the failed checkpoint: %s",
		       ckpt_status_str(status, why, sizeof(why)));
	EXPECT_EQ(4, read_full(s, buf, 4, 10));
	EXPECT_EQ(0, memcmp(buf, "pong", 4));
	close(s);
}

/* Restart of such a connection without CAP_NET_ADMIN: refused. */
TEST_F_TIMEOUT(outside, tcp_peer_outside_restart_unprivileged, 150)
{
	static struct outside o;
	struct ckpt_ctx c;
	int s;
	pid_t pid;

	o.family = AF_INET;
	ckpt_ctx_init(&c);
	c.restart_flags = CKPT_RESTART_TCP_ESTABLISHED;
	c.hook = drop_net_admin;
	outside_start(_metadata, &o, &c, outside_target, &pid, &s);
	CKPT_TAKE(&c, pid);
	ckpt_kill(pid);
	ckpt_expect_restart_refused(_metadata, &c, EPERM, "needs CAP_NET_ADMIN");
	EXPECT_TRUE(read_seed(s, OUT_BEFORE, 1, 10));
	EXPECT_QUIET(s);
	close(s);
}

/* The next datagram of @fd must be @want, from @from (a name, @len bytes). */
#define CHECK_DGRAM(fd, want, wlen, from, flen) do {				\
	struct sockaddr_storage __a;						\
	socklen_t __l = sizeof(__a);						\
	char __b[2048];								\
	ssize_t __n = recvfrom(fd, __b, sizeof(__b), MSG_DONTWAIT,		\
			       (struct sockaddr *)&__a, &__l);			\
	CHECKF(__n == (ssize_t)(wlen) && !memcmp(__b, want, wlen),		\
	       "fd %d: datagram of %zd bytes, want %zu", fd, __n, (size_t)(wlen));\
	CHECKF(__l == (flen) && !memcmp(&__a, from, flen),			\
	       "fd %d: the datagram's source changed", fd);			\
} while (0)

/*
 * 10 a UDP socket with datagrams queued from itself, from 11 (connected to
 * it) and from 12, of 0, 5 and 1500 bytes, with time stamps (SO_TIMESTAMP);
 * the first peeked, which moves them to recvmsg(2)'s own queue, then one
 * more from 12 on the socket's queue.
 */
/* ---- connections with a half shut down ---- */

/* The end of the stream of @fd comes within 5 s. */
static bool read_eof(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	return poll(&p, 1, 5000) == 1 && recv(fd, &c, 1, MSG_DONTWAIT) == 0;
}

/* Wait up to 5 s for the TCP state of @fd to be @state. */
static bool tcp_state_is(int fd, int state)
{
	double end = ckpt_now() + 5;
	struct tcp_info ti;

	while (tcp_state_of(fd, &ti) != state && ckpt_now() < end)
		ckpt_sleep(0.01);
	return tcp_state_of(fd, &ti) == state;
}

/*
 * Both ends in the image: 20/21 a client that sent its request and shut
 * its sending half (FIN_WAIT2), the server not having read it (CLOSE_WAIT);
 * 22/23 a server that read the request and the end of the stream and
 * answered, the client not having read it; 24/25 a client that shut its
 * reading half (SHUT_RD) with bytes to read; 26/27 a connection that
 * ended both ways, each socket still open with bytes it did not read.
 * After restart each reads what it had to and then the end of the stream,
 * and the open halves still carry data.
 */
static void half_closed_target(void *arg)
{
	char buf[16];
	int n;

	(void)arg;
	SETUP(!ckpt_tcp_connection(-1, 20, 21) && !ckpt_tcp_connection(-1, 22, 23) &&
	      !ckpt_tcp_connection(-1, 24, 25) && !ckpt_tcp_connection(-1, 26, 27));
	SETUP(write(20, "request", 7) == 7 && !shutdown(20, SHUT_WR));
	SETUP(write(22, "query", 5) == 5 && !shutdown(22, SHUT_WR));
	SETUP(read_all(23, buf, 5) == 5 && read_eof(23) && write(23, "late", 4) == 4);
	SETUP(write(25, "unread", 6) == 6 && !shutdown(24, SHUT_RD));
	SETUP(write(26, "bye", 3) == 3 && !shutdown(26, SHUT_WR) && tcp_state_is(27, TCP_CLOSE_WAIT));
	SETUP(write(27, "ciao", 4) == 4 && !shutdown(27, SHUT_WR));
	SETUP(tcp_state_is(20, TCP_FIN_WAIT2) && tcp_state_is(21, TCP_CLOSE_WAIT) &&
	      tcp_state_is(22, TCP_FIN_WAIT2) && tcp_state_is(23, TCP_CLOSE_WAIT) &&
	      tcp_state_is(26, TCP_CLOSE) && tcp_state_is(27, TCP_CLOSE));

	ckpt_stop();

	CHECK(tcp_state_is(20, TCP_FIN_WAIT2) && tcp_state_is(21, TCP_CLOSE_WAIT));
	CHECK(tcp_state_is(22, TCP_FIN_WAIT2) && tcp_state_is(23, TCP_CLOSE_WAIT));
	CHECK(tcp_state_is(24, TCP_ESTABLISHED) && tcp_state_is(25, TCP_ESTABLISHED));
	/* The request, then the end; the answer goes back, then its end. */
	CHECK_READ(21, "request");
	CHECK(read_eof(21));
	CHECK(write(21, "answer", 6) == 6 && !shutdown(21, SHUT_WR));
	CHECK_READ(20, "answer");
	CHECK(read_eof(20));
	/* The server read the end already: it reads it again. */
	CHECK(read_eof(23));
	CHECK_READ(22, "late");
	/* Shut for reading: its bytes, then the end at once, not EAGAIN. */
	CHECK_READ(24, "unread");
	CHECK(recv(24, buf, sizeof(buf), MSG_DONTWAIT) == 0);
	CHECK(write(24, "still", 5) == 5);
	CHECK_READ(25, "still");
	/* Ended: what each did not read, then the end; no more sending. */
	CHECK(tcp_state_is(26, TCP_CLOSE) && tcp_state_is(27, TCP_CLOSE));
	CHECK(ioctl(27, SIOCINQ, &n) == 0 && n == 3);
	CHECK_READ(27, "bye");
	CHECK(read_eof(27));
	CHECK_READ(26, "ciao");
	CHECK(read_eof(26));
	CHECK(send(26, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT) == -1 && errno == EPIPE);
}

TEST(tcp_half_closed_connections)
{
	CKPT_RUN_SIMPLE(half_closed_target, NULL);
}

static void udp_queue_target(void *arg)
{
	int family = *(int *)arg;
	struct sockaddr_storage a10, a11, a12;
	socklen_t l10, l11 = sizeof(a11), l12 = sizeof(a12);
	static char big[1500];
	struct inet_state b10;
	long long ts;
	int fd;

	ckpt_fill(big, sizeof(big), 7);
	l10 = loopback(family, 0, &a10);
	fd = socket(family, SOCK_DGRAM, 0);
	SETUP(ckpt_move_fd(fd, 10) == 10 && !bind(10, (struct sockaddr *)&a10, l10) &&
	      !getsockname(10, (struct sockaddr *)&a10, &l10) &&
	      !setopt(10, SOL_SOCKET, SO_TIMESTAMP, 1));
	fd = socket(family, SOCK_DGRAM, 0);
	SETUP(ckpt_move_fd(fd, 11) == 11 && !connect(11, (struct sockaddr *)&a10, l10) &&
	      !getsockname(11, (struct sockaddr *)&a11, &l11));
	fd = socket(family, SOCK_DGRAM, 0);
	l12 = loopback(family, 0, &a12);
	SETUP(ckpt_move_fd(fd, 12) == 12 && !bind(12, (struct sockaddr *)&a12, l12) &&
	      !getsockname(12, (struct sockaddr *)&a12, &l12));
	SETUP(sendto(10, "self", 4, 0, (struct sockaddr *)&a10, l10) == 4 &&
	      send(11, "", 0, 0) == 0 && send(11, "hello", 5, 0) == 5 &&
	      sendto(12, big, sizeof(big), 0, (struct sockaddr *)&a10, l10) == sizeof(big));
	ckpt_sleep(0.02);
	/* recvmsg(2) moves the queue to a queue of its own: both are saved. */
	ts = ckpt_peek_tstamp(10);
	SETUP(ts > 0);
	SETUP(sendto(12, "later", 5, 0, (struct sockaddr *)&a10, l10) == 5);
	ckpt_sleep(0.02);
	inet_state(10, family, &b10);

	ckpt_stop();

	CHECK_INET(10, family, &b10, true);
	CHECKF(ckpt_peek_tstamp(10) == ts, "time stamp %lld, was %lld", ckpt_peek_tstamp(10), ts);
	CHECK_DGRAM(10, "self", 4, &a10, l10);
	CHECK_DGRAM(10, "", 0, &a11, l11);
	CHECK_DGRAM(10, "hello", 5, &a11, l11);
	CHECK_DGRAM(10, big, sizeof(big), &a12, l12);
	CHECK_DGRAM(10, "later", 5, &a12, l12);
	CHECK_NOTHING(10);
	CHECK(send(11, "after", 5, 0) == 5);
	CHECK_DGRAM(10, "after", 5, &a11, l11);
}

TEST(udp_queued_datagrams_ipv4)
{
	static int family = AF_INET;

	CKPT_RUN_SIMPLE(udp_queue_target, &family);
}

TEST(udp_queued_datagrams_ipv6)
{
	static int family = AF_INET6;

	CKPT_RUN_SIMPLE(udp_queue_target, &family);
}

/* An IPv4 client of a listener on every IPv6 address: its end is mapped. */
static void dual_stack_target(void *arg)
{
	struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	struct sockaddr_storage ss;
	struct inet_state b11, b12;
	socklen_t len = sizeof(any);
	int fd = socket(AF_INET6, SOCK_STREAM, 0);

	(void)arg;
	SETUP(ckpt_move_fd(fd, 10) == 10 && !setopt(10, SOL_IPV6, IPV6_V6ONLY, 0) &&
	      !bind(10, (struct sockaddr *)&any, len) && !listen(10, 3) &&
	      !getsockname(10, (struct sockaddr *)&any, &len));
	len = loopback(AF_INET, ntohs(any.sin6_port), &ss);
	SETUP(!connection(AF_INET, 10, &ss, len, 11, 12));
	SETUP(write(11, "to mapped", 9) == 9 && write(12, "to v4", 5) == 5);
	ckpt_sleep(0.05);
	inet_state(11, AF_INET, &b11);
	inet_state(12, AF_INET6, &b12);

	ckpt_stop();

	CHECK_INET(11, AF_INET, &b11, true);
	CHECK_INET(12, AF_INET6, &b12, true);
	CHECK_READ(12, "to mapped");
	CHECK_READ(11, "to v4");
	CHECK(write(12, "again", 5) == 5);
	CHECK_READ(11, "again");
}

TEST(tcp_ipv4_client_of_dual_stack_server)
{
	CKPT_RUN_SIMPLE(dual_stack_target, NULL);
}

/* ---- crafted images ---- */

static void lone_target(void *arg)
{
	(void)arg;
	/* No listener: only the connection is in the image. */
	SETUP(!ckpt_tcp_connection(-1, 11, 12));

	ckpt_stop();
}

/*
 * Restart the image of lone_target() with @edit applied to the INET
 * records of its two connected ends: restart(2) must fail with @err and
 * @line, before anything runs.
 */
static void crafted(struct __test_metadata *_metadata,
		    void (*edit)(struct ckpt_hdr_inet *h, int nth), int err, const char *line)
{
	struct ckpt_image img = { };
	size_t off = 0, next;
	struct ckpt_ctx c;
	int n = 0, fd, st;
	char log[512] = "";
	pid_t pid;

	ckpt_ctx_init(&c);
	pid = ckpt_fork_target(&c, lone_target, NULL);
	ASSERT_LT(0, pid);
	CKPT_WAIT_STOPPED(pid);
	ASSERT_LT(0, ckpt_take(&c, pid)) TH_LOG("%s", c.log);
	ckpt_kill(pid);
	ASSERT_EQ(0, ckpt_slurp(c.img, &img));
	while ((next = ckpt_next_record(&img, off))) {
		struct ckpt_hdr_inet *h = (void *)(img.buf + off);

		if (h->h.type == CKPT_HDR_INET && h->state == CKPT_INET_ESTABLISHED)
			edit(h, n++);
		off = next;
	}
	ASSERT_EQ(2, n);
	ckpt_fix_tail(&img);
	fd = ckpt_image_file(img.buf, img.len);
	ASSERT_LE(0, fd);
	pid = ckpt_restart_child(fd, c.lp[1], -1);
	ASSERT_LT(0, pid);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ckpt_log_read(c.lp[0], log, sizeof(log));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == CKPT_CHILD_ERRNO + err)
		TH_LOG("restart: status %#x, log: %s", st, log);
	EXPECT_TRUE(ckpt_log_ok(log, "restart: ", line)) TH_LOG("log: %s", log);
	close(fd);
	free(img.buf);
}

/* The first end names a port no socket of the image has. */
static void other_port(struct ckpt_hdr_inet *h, int nth)
{
	if (!nth)
		h->dport ^= 1;
}

/* Both ends between addresses that are not this machine's. */
static void not_local(struct ckpt_hdr_inet *h, int nth)
{
	(void)nth;
	h->saddr[0] = 10;
	h->daddr[0] = 10;
}

TEST(tcp_crafted_peer_not_in_image)
{
	crafted(_metadata, other_port, EINVAL, "has no peer in the image");
}

TEST(tcp_crafted_addresses_not_local)
{
	crafted(_metadata, not_local, EADDRNOTAVAIL, "not between addresses of this machine");
}

TEST_HARNESS_MAIN
