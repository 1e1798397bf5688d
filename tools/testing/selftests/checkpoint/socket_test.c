// SPDX-License-Identifier: GPL-2.0
/*
 * Unix domain sockets: pairs made by socketpair(2) of every type, with
 * messages queued both ways, a partial read, options, shut down halves, a
 * closed peer, and a socket with no peer.  Each test compares what the
 * socket calls show before the checkpoint (getsockopt(2), FIONREAD, a
 * peeked message and its time stamp, fstat(2), F_GETFL) with what they
 * show after restart, then reads every queued message, checks its bytes
 * and boundaries, and sends both ways on the restored pairs; and named
 * sockets, listeners with the connections they have not accepted.  And
 * the refusals, each with its errno and the line that names the cause.
 */

#define _GNU_SOURCE
#include "ckpt_task.h"

#include <ctype.h>
#include <poll.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <linux/sockios.h>

/* What getsockopt(2), ioctl(2), fstat(2) and fcntl(2) show of a socket. */
struct sock_state {
	int type, sndbuf, rcvbuf, passcred, peek_off, rcvlowat, keepalive;
	int priority, reuse, timestamp, err_queue;
	struct linger linger;
	struct timeval rcvtimeo, sndtimeo;
	struct ucred cred;
	int inq, fl;
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

static int getint(int fd, int opt)
{
	socklen_t len = sizeof(int);
	int v = -12345;

	if (getsockopt(fd, SOL_SOCKET, opt, &v, &len))
		return -errno - 100000;
	return v;
}

static void sock_state(int fd, struct sock_state *s)
{
	socklen_t len;
	struct stat st;

	memset(s, 0, sizeof(*s));
	s->type = getint(fd, SO_TYPE);
	s->sndbuf = getint(fd, SO_SNDBUF);
	s->rcvbuf = getint(fd, SO_RCVBUF);
	s->passcred = getint(fd, SO_PASSCRED);
	s->peek_off = getint(fd, SO_PEEK_OFF);
	s->rcvlowat = getint(fd, SO_RCVLOWAT);
	s->keepalive = getint(fd, SO_KEEPALIVE);
	s->priority = getint(fd, SO_PRIORITY);
	s->reuse = getint(fd, SO_REUSEADDR);
	s->timestamp = getint(fd, SO_TIMESTAMP);
	s->err_queue = getint(fd, SO_SELECT_ERR_QUEUE);
	len = sizeof(s->linger);
	getsockopt(fd, SOL_SOCKET, SO_LINGER, &s->linger, &len);
	len = sizeof(s->rcvtimeo);
	getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &s->rcvtimeo, &len);
	len = sizeof(s->sndtimeo);
	getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &s->sndtimeo, &len);
	len = sizeof(s->cred);
	getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &s->cred, &len);
	if (ioctl(fd, SIOCINQ, &s->inq))
		s->inq = -errno;
	s->fl = fcntl(fd, F_GETFL);
	if (!fstat(fd, &st)) {
		s->mode = st.st_mode;
		s->uid = st.st_uid;
		s->gid = st.st_gid;
	}
}

/* The same state, field by field, so that a failure names what changed. */
#define CHECK_SOCK(fd, b) do {							\
	struct sock_state __n;							\
	sock_state(fd, &__n);							\
	CHECK_FIELD(fd, type, b); CHECK_FIELD(fd, sndbuf, b);			\
	CHECK_FIELD(fd, rcvbuf, b); CHECK_FIELD(fd, passcred, b);		\
	CHECK_FIELD(fd, peek_off, b); CHECK_FIELD(fd, rcvlowat, b);		\
	CHECK_FIELD(fd, keepalive, b); CHECK_FIELD(fd, priority, b);		\
	CHECK_FIELD(fd, reuse, b); CHECK_FIELD(fd, timestamp, b);		\
	CHECK_FIELD(fd, err_queue, b);	CHECK_FIELD(fd, linger.l_onoff, b);	\
	CHECK_FIELD(fd, linger.l_linger, b);					\
	CHECK_FIELD(fd, rcvtimeo.tv_sec, b);					\
	CHECK_FIELD(fd, rcvtimeo.tv_usec, b);					\
	CHECK_FIELD(fd, sndtimeo.tv_sec, b);					\
	CHECK_FIELD(fd, sndtimeo.tv_usec, b);					\
	CHECK_FIELD(fd, cred.uid, b); CHECK_FIELD(fd, cred.gid, b);		\
	CHECK_FIELD(fd, inq, b); CHECK_FIELD(fd, fl, b);			\
	CHECK_FIELD(fd, mode, b); CHECK_FIELD(fd, uid, b);			\
	CHECK_FIELD(fd, gid, b);						\
	/* The process that made the pair: this one, by its pid now. */	\
	CHECKF(__n.cred.pid == ((b)->cred.pid ? ckpt_getpid() : 0),		\
	       "fd %d: SO_PEERCRED pid %d, want %d", fd, __n.cred.pid,		\
	       (b)->cred.pid ? ckpt_getpid() : 0);				\
} while (0)

#define CHECK_FIELD(fd, f, b)							\
	CHECKF((long long)__n.f == (long long)(b)->f,				\
	       "fd %d: " #f " %lld, was %lld", fd, (long long)__n.f,		\
	       (long long)(b)->f)

/* Move a new descriptor to @to. */
static int move_fd(int fd, int to)
{
	if (fd < 0 || dup2(fd, to) != to)
		return -1;
	close(fd);
	return to;
}

static int pair(int type, int a, int b)
{
	int sv[2];

	if (socketpair(AF_UNIX, type, 0, sv))
		return -1;
	return move_fd(sv[0], a) == a && move_fd(sv[1], b) == b ? 0 : -1;
}

/* One message, its bytes as a string, -1 when none; MSG_DONTWAIT. */
static ssize_t recv_str(int fd, char *buf, size_t size, int flags)
{
	ssize_t n = recv(fd, buf, size - 1, flags | MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = 0;
	return n;
}

#define CHECK_RECV(fd, want) do {						\
	char __b[256];								\
	ssize_t __n = recv_str(fd, __b, sizeof(__b), 0);			\
	CHECKF(__n == (ssize_t)strlen(want) && !strcmp(__b, want),		\
	       "fd %d: read %zd \"%s\", want \"%s\"", fd, __n, __b, want);	\
} while (0)

#define CHECK_EMPTY(fd) do {							\
	char __b[16];								\
	ssize_t __n = recv_str(fd, __b, sizeof(__b), 0);			\
	CHECKF(__n == -1 && errno == EAGAIN, "fd %d: read %zd (%s), want EAGAIN",\
	       fd, __n, __n < 0 ? strerror(errno) : __b);			\
} while (0)

static int setint(int fd, int opt, int v)
{
	return setsockopt(fd, SOL_SOCKET, opt, &v, sizeof(v));
}

#define FIRST	20
#define LAST	31

/*
 * 20/21 stream: 21 has "abc" (2 bytes read) and "defgh" to read, 20 has
 * "0123456789"; options on both.  22/23 datagram: 23 has "one", "" and
 * "three33" with time stamps, 22 has "back".  24/25 seqpacket: 25 has
 * "alpha" and "beta", 24 shut down for writing.  26: stream whose peer
 * wrote "last words" and closed.  27: a datagram socket with no peer.
 * 28: datagram whose peer sent "bye" and closed.  29: stream whose peer
 * closed with data unread (ECONNRESET).  30/31: seqpacket, 30 shut down
 * for reading.
 */
static void unix_pairs_target(void *arg)
{
	struct linger lg = { 1, 7 };
	struct timeval tv = { 1, 500000 }, tv2 = { 0, 250000 };
	struct sock_state before[LAST + 1];
	long long ts23;
	char buf[16];
	int sv[2], fd;

	(void)arg;
	SETUP(!pair(SOCK_STREAM, 20, 21) && !pair(SOCK_DGRAM, 22, 23) &&
	      !pair(SOCK_SEQPACKET, 24, 25) && !pair(SOCK_SEQPACKET, 30, 31));
	SETUP(write(20, "abc", 3) == 3 && write(20, "defgh", 5) == 5 &&
	      write(21, "0123456789", 10) == 10 && read(21, buf, 2) == 2);
	SETUP(!setint(20, SO_SNDBUF, 65536) && !setint(21, SO_RCVBUF, 50000) &&
	      !setsockopt(21, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) &&
	      !setsockopt(20, SOL_SOCKET, SO_SNDTIMEO, &tv2, sizeof(tv2)) &&
	      !setint(21, SO_PASSCRED, 1) && !setint(20, SO_PEEK_OFF, 3) &&
	      !setint(21, SO_KEEPALIVE, 1) && !setint(20, SO_PRIORITY, 3) &&
	      !setint(21, SO_RCVLOWAT, 2) && !setint(21, SO_REUSEADDR, 1) &&
	      !setsockopt(20, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	SETUP(fcntl(21, F_SETFL, O_NONBLOCK) == 0);

	SETUP(!setint(23, SO_TIMESTAMP, 1) && !setint(22, SO_SELECT_ERR_QUEUE, 1));
	SETUP(send(22, "one", 3, 0) == 3 && send(22, "", 0, 0) == 0 &&
	      send(22, "three33", 7, 0) == 7 && send(23, "back", 4, 0) == 4);
	ts23 = ckpt_peek_tstamp(23);
	SETUP(ts23 > 0);

	SETUP(send(24, "alpha", 5, 0) == 5 && send(24, "beta", 4, 0) == 4 &&
	      !shutdown(24, SHUT_WR) && !shutdown(30, SHUT_RD));

	SETUP(!socketpair(AF_UNIX, SOCK_STREAM, 0, sv) &&
	      write(sv[1], "last words", 10) == 10 && !close(sv[1]) && move_fd(sv[0], 26) == 26);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	SETUP(move_fd(fd, 27) == 27);
	SETUP(!socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) &&
	      send(sv[1], "bye", 3, 0) == 3 && !close(sv[1]) && move_fd(sv[0], 28) == 28);
	SETUP(!socketpair(AF_UNIX, SOCK_STREAM, 0, sv) &&
	      write(sv[0], "unread", 6) == 6 && !close(sv[1]) && move_fd(sv[0], 29) == 29);

	for (fd = FIRST; fd <= LAST; fd++)
		sock_state(fd, &before[fd]);

	ckpt_stop();

	for (fd = FIRST; fd <= LAST; fd++)
		CHECK_SOCK(fd, &before[fd]);
	CHECKF(ckpt_peek_tstamp(23) == ts23, "fd 23: time stamp %lld, was %lld",
	       ckpt_peek_tstamp(23), ts23);

	/* The queues, in order, with their boundaries. */
	CHECK_RECV(21, "cdefgh");
	CHECK_EMPTY(21);
	/* SO_PEEK_OFF 3 on 20: a peek starts 3 bytes in. */
	CHECK(recv_str(20, buf, sizeof(buf), MSG_PEEK) == 7 && !strcmp(buf, "3456789"));
	CHECK_RECV(20, "0123456789");
	CHECK_RECV(23, "one");
	CHECK_RECV(23, "");
	CHECK_RECV(23, "three33");
	CHECK_EMPTY(23);
	CHECK_RECV(22, "back");
	CHECK_RECV(25, "alpha");
	CHECK_RECV(25, "beta");
	CHECK_RECV(25, "");	/* end of file: 24 shut down for writing */
	CHECK(send(24, "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE);
	CHECK(send(31, "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE);
	CHECK_RECV(26, "last words");
	CHECK_RECV(26, "");
	CHECK(send(26, "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE);
	CHECK(send(27, "x", 1, 0) == -1 && errno == ENOTCONN);
	CHECK_RECV(28, "bye");
	CHECK(send(28, "x", 1, 0) == -1 && errno == ECONNREFUSED);
	CHECKF(getint(29, SO_ERROR) == ECONNRESET, "fd 29: SO_ERROR %d", getint(29, SO_ERROR));

	/* The pairs still talk, both ways. */
	CHECK(write(20, "ping", 4) == 4);
	CHECK_RECV(21, "ping");
	CHECK(write(21, "pong", 4) == 4);
	CHECK_RECV(20, "pong");
	CHECK(send(23, "d1", 2, 0) == 2 && send(23, "d22", 3, 0) == 3);
	CHECK_RECV(22, "d1");
	CHECK_RECV(22, "d22");
	CHECK(send(25, "s1", 2, 0) == 2);
	CHECK_RECV(24, "s1");
	CHECK(send(30, "s2", 2, 0) == 2);
	CHECK_RECV(31, "s2");
}

TEST(unix_pairs_queues_and_options)
{
	CKPT_RUN_SIMPLE(unix_pairs_target, NULL);
}

/* A full stream queue (the peer's send buffer) comes back whole. */
static void unix_full_queue_target(void *arg)
{
	static char big[1 << 20], back[1 << 20];
	ssize_t n, total = 0, got = 0;
	struct sock_state b10, b11;

	(void)arg;
	ckpt_fill(big, sizeof(big), 77);
	SETUP(!pair(SOCK_STREAM, 10, 11) && fcntl(10, F_SETFL, O_NONBLOCK) == 0);
	while ((n = write(10, big + total, sizeof(big) - total)) > 0)
		total += n;
	SETUP(total > 4096 && errno == EAGAIN);
	sock_state(10, &b10);
	sock_state(11, &b11);

	ckpt_stop();

	CHECK_SOCK(10, &b10);
	CHECK_SOCK(11, &b11);
	while (got < total && (n = recv(11, back + got, total - got, MSG_DONTWAIT)) > 0)
		got += n;
	CHECKF(got == total, "read %zd of %zd bytes", got, total);
	CHECK(!memcmp(back, big, total));
	CHECK_EMPTY(11);
}

TEST(unix_full_stream_queue)
{
	CKPT_RUN_SIMPLE(unix_full_queue_target, NULL);
}

/* ---- refusals ---- */

static void scm_rights_target(void *arg)
{
	char c = 'x', cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &c, 1 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	int fd = 0;

	(void)arg;
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
	SETUP(!pair(SOCK_STREAM, 10, 11) && sendmsg(10, &m, 0) == 1);

	ckpt_stop();

	CHECK(recv(11, &c, 1, 0) == 1);
}

TEST(unix_fds_in_flight_refused)
{
	CKPT_RUN_REFUSED(scm_rights_target, NULL, EOPNOTSUPP, "fd 11",
			 "descriptors in flight (SCM_RIGHTS)");
}

static void creds_target(void *arg)
{
	char c;

	(void)arg;
	SETUP(!pair(SOCK_DGRAM, 10, 11) && !setint(11, SO_PASSCRED, 1) &&
	      send(10, "x", 1, 0) == 1);

	ckpt_stop();

	CHECK(recv(11, &c, 1, 0) == 1);
}

TEST(unix_creds_in_flight_refused)
{
	CKPT_RUN_REFUSED(creds_target, NULL, EOPNOTSUPP, "fd 11",
			 "credentials in flight (SO_PASSCRED)");
}

/* The bytes of a name (getsockname or getpeername) as a printable string. */
static void name_str(const struct sockaddr_un *a, socklen_t len, char *out, size_t size)
{
	size_t n = len > offsetof(struct sockaddr_un, sun_path) ?
		   len - offsetof(struct sockaddr_un, sun_path) : 0;
	size_t o = snprintf(out, size, "%u:", (unsigned int)len);

	for (size_t i = 0; i < n && o + 4 < size; i++)
		o += snprintf(out + o, size - o, isprint(a->sun_path[i]) ? "%c" : "\\%o",
			      a->sun_path[i]);
}

static void sock_name(int fd, bool peer, char *out, size_t size)
{
	struct sockaddr_un a;
	socklen_t len = sizeof(a);

	memset(&a, 0, sizeof(a));
	if ((peer ? getpeername : getsockname)(fd, (struct sockaddr *)&a, &len))
		snprintf(out, size, "error %d", errno);
	else
		name_str(&a, len, out, size);
}

/* A name of the test's own: a path in /tmp, or an abstract name. */
static socklen_t test_name(struct sockaddr_un *a, bool path, const char *what)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (path) {
		snprintf(a->sun_path, sizeof(a->sun_path), "/tmp/ckpt-%s-%d", what, getpid());
		unlink(a->sun_path);
		return offsetof(struct sockaddr_un, sun_path) + strlen(a->sun_path) + 1;
	}
	return offsetof(struct sockaddr_un, sun_path) + 1 +
	       snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "ckpt-%s-%d", what, getpid());
}

#define CHECK_NAME(fd, peer, before) do {					\
	char __n[256];								\
	sock_name(fd, peer, __n, sizeof(__n));					\
	CHECKF(!strcmp(__n, before), "fd %d: %s \"%s\", was \"%s\"", fd,	\
	       peer ? "getpeername" : "getsockname", __n, before);		\
} while (0)

/*
 * 20: a stream socket listening on a name (a path or an abstract one),
 * backlog 7; 21: a client connected to it, 22: the connection it accepted,
 * data queued both ways; 23: a datagram socket bound to another name.
 * After restart: the same names, the data, and the listener accepts a new
 * connection on its name; the datagram socket gets what is sent to its.
 */
static void named_target(void *arg)
{
	bool path = *(bool *)arg;
	char n20[256], n22[256], p21[256], n23[256], n21[256];
	struct sockaddr_un a, d;
	socklen_t alen, dlen;
	struct sock_state before[24];
	struct stat st0, st;
	int fd, acc;

	alen = test_name(&a, path, "listen");
	dlen = test_name(&d, path, "dgram");
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	SETUP(move_fd(fd, 20) == 20 && !bind(20, (struct sockaddr *)&a, alen) &&
	      !listen(20, 7));
	if (path)
		SETUP(!chmod(a.sun_path, 0640) && !stat(a.sun_path, &st0));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	SETUP(move_fd(fd, 21) == 21 && !connect(21, (struct sockaddr *)&a, alen));
	acc = accept(20, NULL, NULL);
	SETUP(move_fd(acc, 22) == 22);
	SETUP(write(21, "hello server", 12) == 12 && write(22, "hello client", 12) == 12);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	SETUP(move_fd(fd, 23) == 23 && !bind(23, (struct sockaddr *)&d, dlen));
	sock_name(20, false, n20, sizeof(n20));
	sock_name(21, false, n21, sizeof(n21));
	sock_name(22, false, n22, sizeof(n22));
	sock_name(21, true, p21, sizeof(p21));
	sock_name(23, false, n23, sizeof(n23));
	for (fd = 20; fd <= 23; fd++)
		sock_state(fd, &before[fd]);

	ckpt_stop();

	for (fd = 20; fd <= 23; fd++)
		CHECK_SOCK(fd, &before[fd]);
	CHECK_NAME(20, false, n20);
	CHECK_NAME(21, false, n21);
	CHECK_NAME(22, false, n22);
	CHECK_NAME(21, true, p21);
	CHECK_NAME(23, false, n23);
	CHECK(getint(20, SO_ACCEPTCONN) == 1 && getint(21, SO_ACCEPTCONN) == 0);
	if (path)
		CHECKF(!stat(a.sun_path, &st) && st.st_mode == st0.st_mode &&
		       st.st_uid == st0.st_uid, "%s: mode %o, was %o", a.sun_path,
		       st.st_mode, st0.st_mode);
	CHECK_RECV(21, "hello client");
	CHECK_RECV(22, "hello server");
	CHECK(write(21, "again", 5) == 5);
	CHECK_RECV(22, "again");
	/* The listener's name leads to it again. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(fd >= 0 && !connect(fd, (struct sockaddr *)&a, alen));
	acc = accept(20, NULL, NULL);
	CHECK(acc >= 0 && write(fd, "new", 3) == 3);
	CHECK_RECV(acc, "new");
	close(fd);
	close(acc);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(fd >= 0 && sendto(fd, "datagram", 8, 0, (struct sockaddr *)&d, dlen) == 8);
	CHECK_RECV(23, "datagram");
	close(fd);
	if (path) {
		unlink(a.sun_path);
		unlink(d.sun_path);
	}
}

TEST(unix_named_abstract)
{
	static bool path;

	CKPT_RUN_SIMPLE(named_target, &path);
}

TEST(unix_named_path)
{
	static bool path = true;

	CKPT_RUN_SIMPLE(named_target, &path);
}

/*
 * Connections a listener (fd 10, on a name) has not accepted: 11 sent two
 * messages, 12 sent one and shut its writing half, a third sent one and
 * closed, 13 sent nothing and has a send buffer of its own.  After restart
 * the clients are as they were, and accept(2) takes the connections in
 * their order, each with what its client sent, its end of file, and its
 * SO_PEERCRED naming this process; each still talks to its client.
 */
struct pending_arg {
	int type;
	bool path;
};

static int accept_nb(int l)
{
	return accept4(l, NULL, NULL, SOCK_NONBLOCK);
}

/* Read a message into @buf with the credentials of its sender, or -1. */
static ssize_t recv_creds(int fd, char *buf, size_t size, struct ucred *uc)
{
	char cbuf[CMSG_SPACE(sizeof(*uc))];
	struct iovec iov = { buf, size - 1 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	ssize_t n = recvmsg(fd, &m, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = 0;
	memset(uc, 0, sizeof(*uc));
	for (c = CMSG_FIRSTHDR(&m); n >= 0 && c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
			memcpy(uc, CMSG_DATA(c), sizeof(*uc));
	return n;
}

static void pending_target(void *arg)
{
	const struct pending_arg *pa = arg;
	struct sock_state before[14];
	char n10[256], p11[256];
	struct sockaddr_un a;
	socklen_t len = test_name(&a, pa->path, "pending");
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	char buf[16];
	int fd, acc;

	fd = socket(AF_UNIX, pa->type, 0);
	SETUP(move_fd(fd, 10) == 10 && !bind(10, (struct sockaddr *)&a, len) && !listen(10, 6));
	for (fd = 11; fd <= 13; fd++)
		SETUP(move_fd(socket(AF_UNIX, pa->type, 0), fd) == fd);
	SETUP(!setint(13, SO_SNDBUF, 20000));
	SETUP(!connect(11, (struct sockaddr *)&a, len) &&
	      send(11, "one", 3, 0) == 3 && send(11, "uno", 3, 0) == 3);
	SETUP(!connect(12, (struct sockaddr *)&a, len) &&
	      send(12, "two", 3, 0) == 3 && !shutdown(12, SHUT_WR));
	fd = socket(AF_UNIX, pa->type, 0);
	SETUP(fd >= 0 && !connect(fd, (struct sockaddr *)&a, len) &&
	      send(fd, "three", 5, 0) == 5 && !close(fd));
	SETUP(!connect(13, (struct sockaddr *)&a, len));
	for (fd = 11; fd <= 13; fd++)
		sock_state(fd, &before[fd]);
	sock_state(10, &before[10]);
	sock_name(10, false, n10, sizeof(n10));
	sock_name(11, true, p11, sizeof(p11));
	SETUP(poll(&(struct pollfd){ .fd = 10, .events = POLLIN }, 1, 0) == 1);

	ckpt_stop();

	CHECK(poll(&(struct pollfd){ .fd = 10, .events = POLLIN }, 1, 0) == 1);

	for (fd = 10; fd <= 13; fd++)
		CHECK_SOCK(fd, &before[fd]);
	CHECK_NAME(10, false, n10);
	CHECK_NAME(11, true, p11);
	CHECK(getint(10, SO_ACCEPTCONN) == 1);
	/* In their order: 11's, 12's, the closed one's, 13's; then none. */
	acc = accept_nb(10);
	CHECK(acc >= 0);
	CHECK_NAME(acc, false, n10);
	CHECK(!getsockopt(acc, SOL_SOCKET, SO_PEERCRED, &cred, &clen) &&
	      cred.pid == ckpt_getpid() && cred.uid == getuid());
	/* The sender's credentials, which the kernel gave the messages. */
	CHECK(!setint(acc, SO_PASSCRED, 1));
	CHECKF(recv_creds(acc, buf, sizeof(buf), &cred) > 0 && cred.pid == ckpt_getpid() &&
	       cred.uid == getuid() && cred.gid == getgid(),
	       "\"%s\" from pid %d uid %d", buf, cred.pid, cred.uid);
	if (pa->type == SOCK_SEQPACKET) {
		CHECK(!strcmp(buf, "one"));
		CHECK_RECV(acc, "uno");
	} else {
		CHECK(!strcmp(buf, "oneuno"));
	}
	CHECK_EMPTY(acc);
	CHECK(send(acc, "r1", 2, 0) == 2);
	CHECK_RECV(11, "r1");
	CHECK(send(11, "more", 4, 0) == 4);
	CHECK_RECV(acc, "more");
	close(acc);
	acc = accept_nb(10);
	CHECK(acc >= 0);
	CHECK_RECV(acc, "two");
	CHECK(recv(acc, buf, sizeof(buf), MSG_DONTWAIT) == 0);
	CHECK(send(acc, "r2", 2, 0) == 2);
	CHECK_RECV(12, "r2");
	close(acc);
	acc = accept_nb(10);
	CHECK(acc >= 0);
	CHECK_RECV(acc, "three");
	CHECK(recv(acc, buf, sizeof(buf), MSG_DONTWAIT) == 0);
	close(acc);
	acc = accept_nb(10);
	CHECK(acc >= 0);
	CHECK_EMPTY(acc);
	CHECK(send(13, "late", 4, 0) == 4);
	CHECK_RECV(acc, "late");
	close(acc);
	/* No other connection: the listener is not readable. */
	CHECK(poll(&(struct pollfd){ .fd = 10, .events = POLLIN }, 1, 0) == 0);
	if (pa->path)
		unlink(a.sun_path);
}

TEST(unix_pending_connections_stream)
{
	static struct pending_arg a = { SOCK_STREAM, false };

	CKPT_RUN_SIMPLE(pending_target, &a);
}

TEST(unix_pending_connections_seqpacket_path)
{
	static struct pending_arg a = { SOCK_SEQPACKET, true };

	CKPT_RUN_SIMPLE(pending_target, &a);
}

/* The test keeps the client of a connection the target has not accepted. */
static void pending_outside_target(void *arg)
{
	(void)arg;
	ckpt_stop();

	CHECK(getint(10, SO_ACCEPTCONN) == 1);
}

TEST(unix_pending_from_outside_refused)
{
	static const char *const words[] = {
		"fd 10", "not accepted from a socket outside the image", NULL
	};
	struct sockaddr_un a;
	socklen_t len = test_name(&a, false, "outside-pending");
	struct ckpt_ctx c;
	int l, cl;

	l = move_fd(socket(AF_UNIX, SOCK_STREAM, 0), 10);
	ASSERT_EQ(10, l);
	ASSERT_EQ(0, bind(l, (struct sockaddr *)&a, len));
	ASSERT_EQ(0, listen(l, 2));
	cl = socket(AF_UNIX, SOCK_STREAM, 0);
	ASSERT_EQ(0, connect(cl, (struct sockaddr *)&a, len));
	ckpt_ctx_init(&c);
	c.keep_fd = l;
	if (ckpt_run_refused(_metadata, &c, pending_outside_target, NULL, EOPNOTSUPP, words) ==
	    CKPT_SKIPPED)
		SKIP(return, "%s", c.skip);
	close(l);
	close(cl);
}

/* Bound to a name relative to its directory. */
static void relative_target(void *arg)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	(void)arg;
	snprintf(a.sun_path, sizeof(a.sun_path), "ckpt-rel-%d", getpid());
	SETUP(!chdir("/tmp") && move_fd(fd, 10) == 10 &&
	      !bind(10, (struct sockaddr *)&a, sizeof(a)));

	ckpt_stop();

	CHECK(getint(10, SO_TYPE) == SOCK_DGRAM);
	unlink(a.sun_path);
}

TEST(unix_relative_name_refused)
{
	CKPT_RUN_REFUSED(relative_target, NULL, EOPNOTSUPP, "fd 10",
			 "bound to a relative name");
}

/* Bound to a path, which was then removed. */
static void removed_target(void *arg)
{
	struct sockaddr_un a;
	socklen_t len = test_name(&a, true, "removed");
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	(void)arg;
	SETUP(move_fd(fd, 10) == 10 && !bind(10, (struct sockaddr *)&a, len) &&
	      !unlink(a.sun_path));

	ckpt_stop();

	CHECK(getint(10, SO_TYPE) == SOCK_DGRAM);
}

TEST(unix_removed_name_refused)
{
	CKPT_RUN_REFUSED(removed_target, NULL, EOPNOTSUPP, "fd 10",
			 "names another file or none now");
}

/*
 * 10: a datagram server bound to a path, 11: its client, connected to it
 * (one way: the server is not connected back), SO_PASSCRED set after the
 * connect, so unbound.  After restart the client is connected to the
 * server's name again and what it sends arrives there.
 */
static void dgram_client_target(void *arg)
{
	struct sockaddr_un a, from;
	socklen_t len = test_name(&a, true, "dserver"), flen;
	char p11[256], n11[256], buf[16];
	struct sock_state b10, b11;
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	(void)arg;
	SETUP(move_fd(fd, 10) == 10 && !bind(10, (struct sockaddr *)&a, len));
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	SETUP(move_fd(fd, 11) == 11 && !connect(11, (struct sockaddr *)&a, len) &&
	      !setint(11, SO_PASSCRED, 1));
	sock_name(11, true, p11, sizeof(p11));
	sock_name(11, false, n11, sizeof(n11));
	sock_state(10, &b10);
	sock_state(11, &b11);

	ckpt_stop();

	CHECK_SOCK(10, &b10);
	CHECK_SOCK(11, &b11);
	CHECK_NAME(11, true, p11);
	CHECK_NAME(11, false, n11);
	CHECK(send(11, "after", 5, 0) == 5);
	flen = sizeof(from);
	CHECK(recvfrom(10, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &flen) == 5 &&
	      !memcmp(buf, "after", 5));
	unlink(a.sun_path);
}

TEST(unix_dgram_client_of_server)
{
	CKPT_RUN_SIMPLE(dgram_client_target, NULL);
}

/* The next message on @fd: its bytes and its sender's name, "" for none. */
static int recv_from(int fd, char *buf, size_t size, char *from, size_t from_size)
{
	struct sockaddr_un a;
	socklen_t len = sizeof(a);
	ssize_t n;

	memset(&a, 0, sizeof(a));
	n = recvfrom(fd, buf, size - 1, MSG_DONTWAIT, (struct sockaddr *)&a, &len);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	name_str(&a, len, from, from_size);
	return n;
}

/*
 * 10: a datagram server with a name (a path or an abstract one); messages
 * queued on it from 11, a socket bound to a name (sendto), from 12, a
 * client bound to another and connected to the server, twice, and from 13,
 * an end of a socket pair with 14, with no name (sendto, past its peer);
 * 12 has the server's reply queued.  After restart each message is there,
 * in order, with its bytes and its sender's name (none for 13), and the
 * client's connection still works.
 */
static void dgram_server_target(void *arg)
{
	bool path = arg;
	struct sockaddr_un a, c;
	struct sockaddr_un b;
	socklen_t len = test_name(&a, path, "dqueue"), clen = test_name(&c, false, "dq-c12");
	socklen_t blen = test_name(&b, false, "dq-c11");
	static const char *const want[] = { "one", "two", "three", "four" };
	char n10[256], n11[256], n12[256], n13[256], buf[64], from[256];
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	SETUP(move_fd(fd, 10) == 10 && !bind(10, (struct sockaddr *)&a, len));
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	SETUP(move_fd(fd, 11) == 11 && !bind(11, (struct sockaddr *)&b, blen) &&
	      sendto(11, "one", 3, 0, (struct sockaddr *)&a, len) == 3);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	SETUP(move_fd(fd, 12) == 12 && !bind(12, (struct sockaddr *)&c, clen) &&
	      !connect(12, (struct sockaddr *)&a, len) && send(12, "two", 3, 0) == 3 &&
	      send(12, "three", 5, 0) == 5);
	SETUP(!pair(SOCK_DGRAM, 13, 14) &&
	      sendto(13, "four", 4, 0, (struct sockaddr *)&a, len) == 4);
	SETUP(sendto(10, "reply", 5, 0, (struct sockaddr *)&c, clen) == 5);
	sock_name(10, false, n10, sizeof(n10));
	sock_name(11, false, n11, sizeof(n11));
	sock_name(12, false, n12, sizeof(n12));
	/* What recvfrom(2) says of a sender with no name. */
	snprintf(n13, sizeof(n13), "0:");

	ckpt_stop();

	for (int i = 0; i < 4; i++) {
		const char *sender = i == 0 ? n11 : i == 3 ? n13 : n12;

		CHECKF(recv_from(10, buf, sizeof(buf), from, sizeof(from)) == (int)strlen(want[i]) &&
		       !strcmp(buf, want[i]) && !strcmp(from, sender),
		       "message %d: \"%s\" from \"%s\", was \"%s\" from \"%s\"", i, buf, from,
		       want[i], sender);
	}
	CHECK(recv_from(10, buf, sizeof(buf), from, sizeof(from)) == -1 && errno == EAGAIN);
	CHECKF(recv_from(12, buf, sizeof(buf), from, sizeof(from)) == 5 &&
	       !strcmp(buf, "reply") && !strcmp(from, n10),
	       "reply: \"%s\" from \"%s\"", buf, from);
	CHECK(recv_from(12, buf, sizeof(buf), from, sizeof(from)) == -1 && errno == EAGAIN);
	/* Still connected: what it sends goes to the server, which answers. */
	CHECK(send(12, "after", 5, 0) == 5);
	CHECK(recv_from(10, buf, sizeof(buf), from, sizeof(from)) == 5 &&
	      !strcmp(buf, "after") && !strcmp(from, n12));
	CHECK(sendto(10, "back", 4, 0, (struct sockaddr *)&c, clen) == 4);
	CHECK(recv_from(12, buf, sizeof(buf), from, sizeof(from)) == 4 && !strcmp(buf, "back"));
	/* The pair still works. */
	CHECK(send(14, "p", 1, 0) == 1 && recv(13, buf, 1, MSG_DONTWAIT) == 1 && buf[0] == 'p');
	if (path)
		unlink(a.sun_path);
}

TEST(unix_dgram_server_queue_abstract)
{
	CKPT_RUN_SIMPLE(dgram_server_target, (void *)0);
}

TEST(unix_dgram_server_queue_path)
{
	CKPT_RUN_SIMPLE(dgram_server_target, (void *)1);
}

/* A message from a socket closed since: nothing to send it from again. */
static void dgram_closed_sender_target(void *arg)
{
	struct sockaddr_un a;
	socklen_t len = test_name(&a, false, "dclosed");
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	(void)arg;
	SETUP(move_fd(fd, 10) == 10 && !bind(10, (struct sockaddr *)&a, len));
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	SETUP(move_fd(fd, 11) == 11 && sendto(11, "x", 1, 0, (struct sockaddr *)&a, len) == 1 &&
	      !close(11));

	ckpt_stop();

	CHECK(getint(10, SO_TYPE) == SOCK_DGRAM);
}

TEST(unix_dgram_message_from_closed_socket_refused)
{
	CKPT_RUN_REFUSED(dgram_closed_sender_target, NULL, EOPNOTSUPP, "fd 10",
			 "a message from a socket closed or outside the image");
}

/* A datagram client of a server outside the image (the test's). */
static void outside_server_target(void *arg)
{
	const struct sockaddr_un *a = arg;
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	SETUP(move_fd(fd, 10) == 10 &&
	      !connect(10, (const struct sockaddr *)a, offsetof(struct sockaddr_un, sun_path) +
		       1 + strlen(a->sun_path + 1)));

	ckpt_stop();

	CHECK(send(10, "x", 1, 0) == 1);
}

TEST(unix_dgram_server_outside_refused)
{
	struct sockaddr_un a;
	socklen_t len = test_name(&a, false, "outside");
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, bind(fd, (struct sockaddr *)&a, len));
	CKPT_RUN_REFUSED(outside_server_target, &a, EOPNOTSUPP, "fd 10",
			 "peer is outside the image");
	close(fd);
}

/* The test keeps the other end: the peer is outside the image. */
static void outside_target(void *arg)
{
	int *sv = arg;

	SETUP(move_fd(sv[0], 10) == 10);

	ckpt_stop();

	CHECK(write(10, "x", 1) == 1);
}

TEST(unix_peer_outside_refused)
{
	static const char *const words[] = { "fd 10", "peer is outside the image", NULL };
	struct ckpt_ctx c;
	int sv[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	ckpt_ctx_init(&c);
	c.keep_fd = sv[0];
	if (ckpt_run_refused(_metadata, &c, outside_target, sv, EOPNOTSUPP, words) ==
	    CKPT_SKIPPED)
		SKIP(return, "%s", c.skip);
	close(sv[0]);
	close(sv[1]);
}


TEST_HARNESS_MAIN
