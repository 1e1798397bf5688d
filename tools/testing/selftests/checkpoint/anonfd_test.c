// SPDX-License-Identifier: GPL-2.0
/*
 * Files without a path that restart re-creates from their records:
 * signalfd (the signals it reads), timerfd (clock, flags, time left
 * or deadline, interval, expirations not read), epoll (its interest
 * list and which items are ready) and inotify (its watches, by path, with
 * their descriptors and masks).  Each test compares what
 * /proc/self/fdinfo, fcntl() and the file's own calls show before the
 * checkpoint with what they show after restart, then uses the file: a
 * signal is read through the signalfd, a timer fires when it must.
 */

#define _GNU_SOURCE
#include "ckpt_task.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

/* The value of the line "@key:" of /proc/self/fdinfo/@fd, in @out. */
static bool fdinfo_line(int fd, const char *key, char *out, size_t size)
{
	char path[64], buf[2048], *p;
	size_t klen = strlen(key);

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if (ckpt_read_file(path, buf, sizeof(buf)) <= 0)
		return false;
	for (p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (!strncmp(p, key, klen) && p[klen] == ':') {
			p += klen + 1;
			while (*p == ' ' || *p == '\t')
				p++;
			snprintf(out, size, "%.*s", (int)strcspn(p, "\n"), p);
			return true;
		}
	}
	return false;
}

struct fd_flags {
	int fl, fdfl;
};

static void get_flags(int fd, struct fd_flags *f)
{
	f->fl = fcntl(fd, F_GETFL);
	f->fdfl = fcntl(fd, F_GETFD);
}

#define CHECK_FLAGS(fd, before) do {						\
	struct fd_flags __now;							\
	get_flags(fd, &__now);							\
	CHECKF(__now.fl == (before)->fl && __now.fdfl == (before)->fdfl,	\
	       "fd %d: F_GETFL %#x F_GETFD %#x, was %#x %#x", fd, __now.fl,	\
	       __now.fdfl, (before)->fl, (before)->fdfl);			\
} while (0)

/* The same fdinfo line before and after. */
#define CHECK_FDINFO(fd, key, before) do {					\
	char __v[128] = "";							\
	CHECKF(fdinfo_line(fd, key, __v, sizeof(__v)) && !strcmp(__v, before),\
	       "fd %d: %s \"%s\", was \"%s\"", fd, key, __v, before);		\
} while (0)

/* ---- signalfd ---- */

static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void signalfd_target(void *arg)
{
	struct signalfd_siginfo si;
	union sigval val = { .sival_int = 77 };
	char mask3[128], mask4[128];
	struct fd_flags f3, f4, f5;
	sigset_t m;

	(void)arg;
	/* Blocked, so that they stay pending for the signalfds to read. */
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	sigaddset(&m, SIGUSR2);
	sigaddset(&m, SIGTERM);
	sigaddset(&m, SIGRTMIN + 1);
	SETUP(!sigprocmask(SIG_BLOCK, &m, NULL));
	sigdelset(&m, SIGTERM);
	SETUP(signalfd(-1, &m, SFD_NONBLOCK | SFD_CLOEXEC) == 3);
	sigemptyset(&m);
	sigaddset(&m, SIGTERM);
	SETUP(signalfd(-1, &m, 0) == 4);
	/* A second descriptor of the first file. */
	SETUP(dup2(3, 5) == 5);
	SETUP(kill(getpid(), SIGUSR1) == 0);
	SETUP(sigqueue(getpid(), SIGRTMIN + 1, val) == 0);
	SETUP(fdinfo_line(3, "sigmask", mask3, sizeof(mask3)));
	SETUP(fdinfo_line(4, "sigmask", mask4, sizeof(mask4)));
	get_flags(3, &f3);
	get_flags(4, &f4);
	get_flags(5, &f5);

	ckpt_stop();

	CHECK_FDINFO(3, "sigmask", mask3);
	CHECK_FDINFO(4, "sigmask", mask4);
	CHECK_FLAGS(3, &f3);
	CHECK_FLAGS(4, &f4);
	CHECK_FLAGS(5, &f5);
	/* The signals pending at checkpoint, through the signalfd. */
	CHECK(readable(3));
	CHECK(!readable(4));
	CHECK(read(3, &si, sizeof(si)) == sizeof(si));
	CHECKF(si.ssi_signo == SIGUSR1, "read signal %u", si.ssi_signo);
	CHECK(read(5, &si, sizeof(si)) == sizeof(si));
	CHECKF(si.ssi_signo == (unsigned int)SIGRTMIN + 1 && si.ssi_int == 77,
	       "read signal %u value %d", si.ssi_signo, si.ssi_int);
	CHECK(read(3, &si, sizeof(si)) == -1 && errno == EAGAIN);
	/* New signals of the restarted process: in the mask or not. */
	CHECK(kill(getpid(), SIGTERM) == 0);
	CHECK(!readable(3));
	CHECK(readable(4));
	CHECK(read(4, &si, sizeof(si)) == sizeof(si) && si.ssi_signo == SIGTERM);
	CHECK(kill(getpid(), SIGUSR2) == 0);
	CHECK(read(3, &si, sizeof(si)) == sizeof(si) && si.ssi_signo == SIGUSR2);
	CHECKF(si.ssi_pid == (uint32_t)getpid(), "ssi_pid %u", si.ssi_pid);
	/* Still one file behind fds 3 and 5: O_NONBLOCK set on one shows on both. */
	CHECK(fcntl(5, F_SETFL, 0) == 0);
	CHECK(!(fcntl(3, F_GETFL) & O_NONBLOCK));
}

TEST(signalfd_mask_and_pending)
{
	CKPT_RUN_SIMPLE(signalfd_target, NULL);
}

/* ---- timerfd ---- */

static double ts_d(const struct timespec *t)
{
	return t->tv_sec + t->tv_nsec / 1e9;
}

static struct timespec d_ts(double d)
{
	struct timespec t = { (time_t)d, (long)((d - (time_t)d) * 1e9) };

	return t;
}

static double left(int fd)
{
	struct itimerspec its;

	if (timerfd_gettime(fd, &its))
		return -1;
	return ts_d(&its.it_value);
}

static double interval(int fd)
{
	struct itimerspec its;

	if (timerfd_gettime(fd, &its))
		return -1;
	return ts_d(&its.it_interval);
}

#define TFD_GAP		4.0	/* seconds from checkpoint to restart */
#define TFD_VALUE	6.0	/* the relative timers */
#define TFD_SLACK	3.0	/* stop, checkpoint and restart take less */
#define TFD_PERIOD	0.1	/* the periodic timer that expired */

struct tfd_before {
	char clock[32], flags[32], interval[64];
	struct fd_flags fl;
};

static void tfd_get(int fd, struct tfd_before *b)
{
	SETUP(fdinfo_line(fd, "clockid", b->clock, sizeof(b->clock)));
	SETUP(fdinfo_line(fd, "settime flags", b->flags, sizeof(b->flags)));
	SETUP(fdinfo_line(fd, "it_interval", b->interval, sizeof(b->interval)));
	get_flags(fd, &b->fl);
}

static void tfd_check(int fd, const struct tfd_before *b)
{
	CHECK_FDINFO(fd, "clockid", b->clock);
	CHECK_FDINFO(fd, "settime flags", b->flags);
	CHECK_FDINFO(fd, "it_interval", b->interval);
	CHECK_FLAGS(fd, &b->fl);
}

static void timerfd_target(void *arg)
{
	struct itimerspec rel = { d_ts(0.5), d_ts(TFD_VALUE) };
	struct itimerspec per = { d_ts(TFD_PERIOD), d_ts(TFD_PERIOD) };
	struct itimerspec once = { { 0, 0 }, d_ts(0.01) };
	struct itimerspec abs = { { 0, 0 }, { 0, 0 } };
	struct itimerspec alarm = { { 0, 0 }, d_ts(100.0) };
	struct tfd_before b[6];
	double left3, t_armed, deadline, now;
	uint64_t ticks = 0;
	struct timespec ts;

	(void)arg;
	/* 3: relative periodic, CLOCK_MONOTONIC, blocking. */
	SETUP(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC) == 3);
	SETUP(!timerfd_settime(3, 0, &rel, NULL));
	/* 4: periodic, expired many times, nothing read. */
	SETUP(timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK) == 4);
	t_armed = ckpt_now();
	SETUP(!timerfd_settime(4, 0, &per, NULL));
	/* 5: absolute deadline on CLOCK_REALTIME, cancelled if the clock is set. */
	SETUP(timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK) == 5);
	SETUP(!clock_gettime(CLOCK_REALTIME, &ts));
	deadline = ts_d(&ts) + TFD_GAP + TFD_VALUE;
	abs.it_value = d_ts(deadline);
	SETUP(!timerfd_settime(5, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &abs, NULL));
	/* 6: a one-shot timer that expired once, not read. */
	SETUP(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK) == 6);
	SETUP(!timerfd_settime(6, 0, &once, NULL));
	/* 7: never armed; 8: another descriptor of 3. */
	SETUP(timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK | TFD_CLOEXEC) == 7);
	SETUP(dup2(3, 8) == 8);
	/* 9: an alarm clock (the test runs with CAP_WAKE_ALARM). */
	SETUP(timerfd_create(CLOCK_BOOTTIME_ALARM, TFD_NONBLOCK) == 9);
	SETUP(!timerfd_settime(9, 0, &alarm, NULL));
	ckpt_sleep(10 * TFD_PERIOD + 0.05);
	for (int fd = 3; fd <= 7; fd++)
		tfd_get(fd, &b[fd - 3]);
	tfd_get(9, &b[5]);
	left3 = left(3);

	ckpt_stop();

	now = ckpt_now();
	for (int fd = 3; fd <= 7; fd++)
		tfd_check(fd, &b[fd - 3]);
	tfd_check(9, &b[5]);
	CHECKF(left(9) <= 100.0 && left(9) > 100.0 - 1.1 - TFD_SLACK, "fd 9: %.3f s left",
	       left(9));
	/*
	 * 3: the time left at checkpoint, the gap not counted: at most what
	 * was left at the stop, and far more than what would be left had
	 * the gap counted.
	 */
	CHECKF(left(3) <= left3 && left(3) > left3 - TFD_SLACK,
	       "fd 3: %.3f s left, %.3f s before the stop", left(3), left3);
	CHECK(interval(3) == 0.5);
	CHECK(left(8) <= left3 && left(8) > left3 - TFD_SLACK);
	/*
	 * 4: the expirations due before the stop at least, but none of the
	 * gap: ten periods of 0.1 s before the stop, then no more than the
	 * time from the stop to now, less the gap.
	 */
	CHECK(read(4, &ticks, sizeof(ticks)) == sizeof(ticks));
	CHECKF(ticks >= 10 && ticks <= (now - t_armed - TFD_GAP) / TFD_PERIOD + 1,
	       "fd 4: %llu expirations, %.3f s since armed", (unsigned long long)ticks,
	       now - t_armed);
	CHECK(read(4, &ticks, sizeof(ticks)) == -1 && errno == EAGAIN);
	CHECK(interval(4) == TFD_PERIOD && left(4) > 0 && left(4) <= TFD_PERIOD);
	/* 5: the same deadline on the clock. */
	SETUP(!clock_gettime(CLOCK_REALTIME, &ts));
	CHECKF(ts_d(&ts) + left(5) - deadline < 0.05 && ts_d(&ts) + left(5) - deadline > -0.05,
	       "fd 5: deadline moved by %.3f s", ts_d(&ts) + left(5) - deadline);
	CHECK(!readable(5));
	/* 6: fired once, disarmed. */
	CHECK(left(6) == 0 && interval(6) == 0);
	CHECK(read(6, &ticks, sizeof(ticks)) == sizeof(ticks) && ticks == 1);
	CHECK(read(6, &ticks, sizeof(ticks)) == -1 && errno == EAGAIN);
	/* 7: still disarmed. */
	CHECK(left(7) == 0 && !readable(7));
	/* 3 fires on time: a blocking read returns when the time left is up. */
	now = ckpt_now();
	left3 = left(3);
	CHECK(read(3, &ticks, sizeof(ticks)) == sizeof(ticks) && ticks == 1);
	CHECKF(ckpt_now() - now >= left3 - 0.002, "fd 3 fired %.3f s early",
	       left3 - (ckpt_now() - now));
	/* 3 and 8 are one file. */
	CHECK(left(8) > 0 && left(8) <= 0.5);
	CHECK(!readable(8));
}

TEST(timerfd_times_and_expirations)
{
	struct ckpt_ctx c;

	ckpt_ctx_init(&c);
	c.gap = TFD_GAP;
	CKPT_RUN(&c, timerfd_target, NULL);
}

/* ---- epoll ---- */

static int cmp_line(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The "tfd: N events: E data: D" of the items of epoll @fd, sorted. */
static int epoll_items(int fd, char *out, size_t size)
{
	char path[64], buf[4096], lines[16][64], *p;
	int n = 0, len = 0;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if (ckpt_read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	for (p = strstr(buf, "tfd:"); p && n < 16; p = strstr(p + 1, "tfd:")) {
		int tfd;
		unsigned int ev;
		unsigned long long data;

		if (sscanf(p, "tfd: %d events: %x data: %llx", &tfd, &ev, &data) != 3)
			return -1;
		snprintf(lines[n++], sizeof(lines[0]), "%d:%x:%llx ", tfd, ev, data);
	}
	qsort(lines, n, sizeof(lines[0]), cmp_line);
	out[0] = '\0';
	for (int i = 0; i < n; i++)
		len += snprintf(out + len, size - len, "%s", lines[i]);
	return n;
}

/* The data of the ready items, sorted, and their events, as one string. */
static int epoll_ready(int ep, char *out, size_t size)
{
	struct epoll_event ev[16];
	unsigned long long d[16];
	int n = epoll_wait(ep, ev, 16, 0), len = 0;

	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++)
		d[i] = ev[i].data.u64 << 16 | (ev[i].events & 0xffff);
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (d[j] < d[i]) {
				unsigned long long t = d[i];

				d[i] = d[j];
				d[j] = t;
			}
	out[0] = '\0';
	for (int i = 0; i < n; i++)
		len += snprintf(out + len, size - len, "%llx/%llx ", d[i] >> 16, d[i] & 0xffff);
	return n;
}

static int epoll_add(int ep, int fd, unsigned int events, unsigned long long data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/*
 * An epoll instance on fd 30 watching: a pipe with data (level-triggered,
 * ready), another whose edge-triggered event was read already (not
 * ready, though it has data), an eventfd whose one-shot item fired
 * (disarmed), the write end of a pipe (ready), and the first pipe again
 * as fd 35, since closed (its item stays, keyed by 35).
 */
static void epoll_target(void *arg)
{
	char items[512], ready[256], now[512];
	struct epoll_event ev[8];
	struct fd_flags f30;
	int a[2], b[2], c[2], e, ep;
	uint64_t one = 1;

	(void)arg;
	SETUP(!pipe(a) && !pipe(b) && !pipe(c));
	e = eventfd(0, 0);
	ep = epoll_create1(0);
	SETUP(e >= 0 && ep >= 0);
	SETUP(dup2(ep, 30) == 30 && dup2(a[0], 31) == 31 && dup2(b[0], 32) == 32 &&
	      dup2(e, 33) == 33 && dup2(c[1], 34) == 34 && dup2(a[0], 35) == 35);
	SETUP(!close(ep) && !close(a[0]) && !close(b[0]) && !close(e) && !close(c[1]));
	SETUP(fcntl(30, F_SETFD, FD_CLOEXEC) == 0);
	SETUP(!epoll_add(30, 31, EPOLLIN, 0x1111));
	SETUP(!epoll_add(30, 32, EPOLLIN | EPOLLET, 0x2222));
	SETUP(!epoll_add(30, 33, EPOLLIN | EPOLLONESHOT, 0x3333));
	SETUP(!epoll_add(30, 34, EPOLLOUT, 0x4444));
	SETUP(!epoll_add(30, 35, EPOLLIN | EPOLLRDHUP, 0x5555));
	SETUP(!close(35));
	SETUP(write(a[1], "a", 1) == 1 && write(b[1], "b", 1) == 1 &&
	      write(33, &one, sizeof(one)) == sizeof(one));
	/* Reports all five: the edge and the one-shot are consumed. */
	SETUP(epoll_wait(30, ev, 8, 0) == 5);
	SETUP(epoll_items(30, items, sizeof(items)) == 5);
	SETUP(epoll_ready(30, ready, sizeof(ready)) == 3);
	get_flags(30, &f30);

	ckpt_stop();

	CHECK_FLAGS(30, &f30);
	CHECKF(epoll_items(30, now, sizeof(now)) == 5 && !strcmp(now, items),
	       "interest list \"%s\", was \"%s\"", now, items);
	CHECKF(epoll_ready(30, now, sizeof(now)) == 3 && !strcmp(now, ready),
	       "ready \"%s\", was \"%s\"", now, ready);
	/* The edge-triggered item reports new data. */
	CHECK(write(b[1], "b", 1) == 1);
	CHECKF(epoll_wait(30, ev, 8, 0) == 4, "%s", "after the edge");
	/* The one-shot item, armed again, reports the eventfd. */
	ev[0].events = EPOLLIN | EPOLLONESHOT;
	ev[0].data.u64 = 0x3333;
	CHECK(!epoll_ctl(30, EPOLL_CTL_MOD, 33, ev));
	CHECKF(epoll_wait(30, ev, 8, 0) == 4, "%s", "after the rearm");
	/* The item of the closed fd 35, removed by that number. */
	CHECK(dup2(31, 35) == 35);
	CHECK(!epoll_ctl(30, EPOLL_CTL_DEL, 35, NULL));
	CHECK(epoll_ctl(30, EPOLL_CTL_DEL, 35, NULL) == -1 && errno == ENOENT);
	CHECK(epoll_items(30, now, sizeof(now)) == 4);
	/* Closing the last descriptor of a file removes its item. */
	CHECK(!close(34));
	CHECK(epoll_items(30, now, sizeof(now)) == 3);
}

TEST(epoll_interest_list_and_ready)
{
	CKPT_RUN_SIMPLE(epoll_target, NULL);
}

static void epoll_nested_target(void *arg)
{
	int a = epoll_create1(0), b = epoll_create1(0);
	struct epoll_event ev;

	(void)arg;
	SETUP(a == 3 && b == 4 && !epoll_add(4, 3, EPOLLIN, 1));

	ckpt_stop();

	CHECK(epoll_wait(4, &ev, 1, 0) == 0);
}

TEST(epoll_nested_refused)
{
	CKPT_RUN_REFUSED(epoll_nested_target, NULL, EOPNOTSUPP, "fd 4",
			 "epoll instance that watches another (fd 3)");
}

/* ---- inotify ---- */

/* The whole of /proc/self/fdinfo/@fd but its first lines (pos, flags...). */
static void fdinfo_watches(int fd, char *out, size_t size)
{
	char path[64], buf[4096], *p;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	out[0] = 0;
	if (ckpt_read_file(path, buf, sizeof(buf)) <= 0)
		return;
	p = strstr(buf, "inotify wd:");
	snprintf(out, size, "%s", p ? p : "");
}

/* What read(2) gave of an inotify instance, taken one event at a time. */
struct ino_reader {
	char buf[4096] __attribute__((aligned(8)));
	ssize_t len, off;
};

/* The next event of the inotify instance @fd, NULL for none. */
static const struct inotify_event *next_event(int fd, struct ino_reader *r)
{
	const struct inotify_event *e;

	if (r->off >= r->len) {
		r->len = read(fd, r->buf, sizeof(r->buf));
		r->off = 0;
		if (r->len < (ssize_t)sizeof(*e)) {
			r->len = 0;
			return NULL;
		}
	}
	e = (const void *)(r->buf + r->off);
	r->off += sizeof(*e) + e->len;
	return e;
}

static char ino_dir[64];

/*
 * 3: an inotify instance watching a directory (creations, deletions,
 * opens) and a file in it (one modification, IN_ONESHOT); a third watch
 * was removed, so the next one gets descriptor 4.  4 is the file, open:
 * restart reopens it before the watches are back, which makes no event.
 */
static void inotify_target(void *arg)
{
	char f[96], g[96], before[1024], after[1024];
	static struct ino_reader buf;
	const struct inotify_event *e;
	int wd;

	(void)arg;
	snprintf(f, sizeof(f), "%s/f", ino_dir);
	snprintf(g, sizeof(g), "%s/g", ino_dir);
	SETUP(inotify_init1(IN_NONBLOCK) == 3);
	SETUP(open(f, O_RDWR) == 4);
	SETUP(inotify_add_watch(3, ino_dir, IN_CREATE | IN_DELETE | IN_OPEN) == 1);
	SETUP(inotify_add_watch(3, f, IN_MODIFY | IN_ONESHOT) == 2);
	wd = inotify_add_watch(3, g, IN_ATTRIB);
	SETUP(wd == 3 && !inotify_rm_watch(3, wd) && !unlink(g));
	/* Read what that made: IN_IGNORED of 3, IN_DELETE of "g" on 1. */
	e = next_event(3, &buf);
	SETUP(e && e->wd == 3 && e->mask & IN_IGNORED);
	e = next_event(3, &buf);
	SETUP(e && e->wd == 1 && e->mask == IN_DELETE && !strcmp(e->name, "g"));
	SETUP(!next_event(3, &buf));
	fdinfo_watches(3, before, sizeof(before));
	SETUP(strstr(before, "wd:2"));

	ckpt_stop();

	fdinfo_watches(3, after, sizeof(after));
	CHECKF(!strcmp(before, after), "fdinfo: \"%s\", was \"%s\"", after, before);
	CHECKF(fcntl(3, F_GETFL) == (O_RDONLY | O_NONBLOCK), "flags %#x", fcntl(3, F_GETFL));
	/* Restart's own opens made no event. */
	e = next_event(3, &buf);
	CHECKF(!e, "an event after restart: wd %d mask %#x", e ? e->wd : 0, e ? e->mask : 0);
	/* The watches see what they watch. */
	CHECK(close(open(g, O_RDWR | O_CREAT, 0600)) == 0);
	e = next_event(3, &buf);
	CHECK(e && e->wd == 1 && e->mask == IN_CREATE && !strcmp(e->name, "g"));
	e = next_event(3, &buf);
	CHECK(e && e->wd == 1 && e->mask == IN_OPEN && !strcmp(e->name, "g"));
	CHECK(!next_event(3, &buf));
	CHECK(write(4, "x", 1) == 1);
	e = next_event(3, &buf);
	CHECK(e && e->wd == 2 && e->mask == IN_MODIFY);
	e = next_event(3, &buf);
	CHECK(e && e->wd == 2 && e->mask == IN_IGNORED);
	/* The next watch gets the descriptor it would have got. */
	CHECKF((wd = inotify_add_watch(3, g, IN_ATTRIB)) == 4, "new watch %d, want 4", wd);
	CHECK(!unlink(g));
}

static void inotify_setup(void)
{
	char f[96];

	/* f and g in a directory of their own. */
	snprintf(ino_dir, sizeof(ino_dir), "/tmp/ckpt-inotify-%d", getpid());
	mkdir(ino_dir, 0700);
	snprintf(f, sizeof(f), "%s/f", ino_dir);
	close(open(f, O_RDWR | O_CREAT | O_TRUNC, 0600));
	snprintf(f, sizeof(f), "%s/g", ino_dir);
	close(open(f, O_RDWR | O_CREAT | O_TRUNC, 0600));
}

TEST(inotify_watches)
{
	inotify_setup();
	CKPT_RUN_SIMPLE(inotify_target, NULL);
}

/* An event not read yet. */
static void inotify_events_target(void *arg)
{
	(void)arg;
	SETUP(inotify_init1(0) == 3);
	SETUP(inotify_add_watch(3, ino_dir, IN_ATTRIB) == 1);
	SETUP(!chmod(ino_dir, 0755));

	ckpt_stop();
}

TEST(inotify_events_refused)
{
	inotify_setup();
	CKPT_RUN_REFUSED(inotify_events_target, NULL, EOPNOTSUPP, "fd 3",
			 "1 events not read");
}

/*
 * A watch on a file of a mount (/tmp) that the process has no other use of:
 * its root and working directory are elsewhere, and no file of it is open.
 */
static void inotify_reach_target(void *arg)
{
	(void)arg;
	SETUP(!chdir("/"));
	SETUP(inotify_init1(0) == 3);
	SETUP(inotify_add_watch(3, ino_dir, IN_MODIFY) == 1);

	ckpt_stop();
}

TEST(inotify_watch_out_of_reach_refused)
{
	inotify_setup();
	CKPT_RUN_REFUSED(inotify_reach_target, NULL, EOPNOTSUPP, "fd 3",
			 "which has no name its process can reach");
}

TEST_HARNESS_MAIN
