// SPDX-License-Identifier: GPL-2.0
/*
 * Corrupted task images.  One image is taken of a stopped target with a
 * few mappings (one of them a page pattern) and descriptors (a file, a pipe,
 * /dev/null, a signalfd, a timerfd, a deleted file, a unix socket pair with
 * messages queued, a TCP listener and a connection with bytes queued both
 * ways); copies of it
 * are restarted, each in a forked child, with fds 0-2 inherited so that a
 * restarted target reports on fd 1 what it finds in its pattern.
 *
 * flipped_bytes: a byte is flipped at NR_FLIPS positions, one at a time:
 * half of them spread over the bytes the tail checksum covers (all but
 * page contents), left with the checksum as it was: restart(2) must fail
 * cleanly (an errno, one log line, the caller intact); the other half
 * spread over the whole image, with the checksum fixed up (nothing to fix
 * for page contents):
 * - a flip in the pattern's page data must restart and be seen exactly
 *   there, at that offset with that value;
 * - a flip in a record the kernel validates or that does not affect the
 *   run (header, credentials, files, descriptors, pipe data, restart block,
 *   tail, record headers and padding) fails cleanly or restarts and runs
 *   normally;
 * - elsewhere (registers, FPU, signal state, memory layout, other pages)
 *   the restarted process may crash: only the kernel must not.
 * A child killed by SIGKILL is accepted only when the log says that
 * restart(2) had passed its point of no return.
 *
 * truncated_at_records: the image cut at every record boundary must fail
 * cleanly.
 */

#include "ckpt_task.h"

#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#define PAT_PAGES	32
#define PAT_SEED	0xc0440000ULL
#define NR_FLIPS	200
#define RUN_TIMEOUT	5.0

/* The pattern lives in the test process and is inherited by the target. */
static uint8_t *pattern;
static size_t pattern_len;

struct corrupt_arg {
	char path[64];
};

/* After restart: one line on fd 1 about the pattern, then exit 0. */
static void corrupt_target(void *arg)
{
	struct itimerspec its = { { 10, 0 }, { 1000, 0 } };
	struct corrupt_arg *a = arg;
	long first = -1, n = 0;
	sigset_t mask;
	uint8_t want[8], v = 0;
	char line[96], ghost[80];
	int p[2], sv[2], len;
	void *none;

	SETUP(open(a->path, O_RDONLY) == 3);
	SETUP(lseek(3, 100, SEEK_SET) == 100);
	SETUP(!pipe(p) && p[0] == 4 && p[1] == 5);
	SETUP(write(5, "pipe data", 9) == 9);
	SETUP(open("/dev/null", O_RDWR) == 6);
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR2);
	SETUP(signalfd(-1, &mask, SFD_NONBLOCK) == 7);
	SETUP(timerfd_create(CLOCK_MONOTONIC, 0) == 8);
	SETUP(!timerfd_settime(8, 0, &its, NULL));
	/* 9: a deleted file, its data in the image. */
	snprintf(ghost, sizeof(ghost), "%s-deleted", a->path);
	SETUP(open(ghost, O_RDWR | O_CREAT | O_TRUNC, 0600) == 9);
	SETUP(!unlink(ghost));
	SETUP(write(9, "deleted", 7) == 7);
	/* 10/11: a unix datagram pair with messages queued both ways. */
	SETUP(!socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) && sv[0] == 10 && sv[1] == 11);
	SETUP(send(10, "unix data", 9, 0) == 9 && send(10, "", 0, 0) == 0 &&
	      send(11, "back", 4, 0) == 4);
	/* 12 a TCP listener, 13/14 a connection with bytes queued both ways. */
	SETUP(!ckpt_tcp_connection(12, 13, 14));
	SETUP(write(13, "tcp data", 8) == 8 && write(14, "tcp back", 8) == 8);
	none = mmap(NULL, 2 * sysconf(_SC_PAGESIZE), PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SETUP(none != MAP_FAILED);

	ckpt_stop();

	for (size_t i = 0; i < pattern_len / 8; i++) {
		uint64_t w = ckpt_word(PAT_SEED, i);

		if (!memcmp(pattern + i * 8, &w, 8))
			continue;
		memcpy(want, &w, 8);
		for (int b = 0; b < 8; b++) {
			if (pattern[i * 8 + b] == want[b])
				continue;
			if (first < 0) {
				first = i * 8 + b;
				v = pattern[i * 8 + b];
			}
			n++;
		}
	}
	if (!n)
		len = snprintf(line, sizeof(line), "ok\n");
	else if (n == 1)
		len = snprintf(line, sizeof(line), "diff %ld %u\n", first, v);
	else
		len = snprintf(line, sizeof(line), "diffs %ld first %ld\n", n, first);
	if (write(1, line, len) != len)
		return;
}

/* Where a byte of the image is, and what a flip of it may do. */
enum where {
	W_STRICT,	/* validated by the kernel, or harmless */
	W_LENIENT,	/* may crash the restarted process */
	W_PATTERN,	/* page data of the pattern */
};

/* The offsets of the bytes of @img that its checksum covers. */
static size_t *covered_bytes(const struct ckpt_image *img, size_t *nr)
{
	size_t *v = malloc(img->len * sizeof(*v)), off = 0, next, n = 0;

	if (!v)
		return NULL;
	while ((next = ckpt_next_record(img, off))) {
		const struct ckpt_hdr *h = (const void *)(img->buf + off);
		size_t data_start = off + h->len - ckpt_page_data_len(img, off);

		for (size_t i = off; i < next; i++)
			if (i < data_start || i >= off + h->len)
				v[n++] = i;
		off = next;
	}
	*nr = n;
	return v;
}

static enum where classify(const struct ckpt_image *img, size_t pos, size_t *pat_off)
{
	size_t off = 0, next;
	long pg = sysconf(_SC_PAGESIZE);
	bool after_vma = false;

	while ((next = ckpt_next_record(img, off))) {
		const struct ckpt_hdr *h = (const void *)(img->buf + off);

		if (pos < next) {
			size_t body = pos - off;

			if (body < sizeof(*h) || body >= h->len)
				return W_STRICT;	/* record header, padding */
			switch (h->type) {
			case CKPT_HDR_TASK:
			case CKPT_HDR_SIGHAND:
			case CKPT_HDR_SIGPENDING:
			case CKPT_HDR_MM:
			case CKPT_HDR_MM_CONTEXT:
			case CKPT_HDR_VMA:
			case CKPT_HDR_CPU:
			case CKPT_HDR_THREAD:
			case CKPT_HDR_REGSET:
				return W_LENIENT;
			case CKPT_HDR_PAGES: {
				const struct ckpt_hdr_pages *pp = (const void *)h;
				size_t addrs = sizeof(*pp) + (size_t)pp->nr_pages * 8;
				uint64_t addr;

				if (!after_vma || body < sizeof(*pp))
					return W_STRICT;
				if (body < addrs)
					return W_LENIENT;
				addr = pp->addr[(body - addrs) / pg];
				if (addr < (uintptr_t)pattern || addr >= (uintptr_t)pattern + pattern_len)
					return W_LENIENT;
				*pat_off = addr - (uintptr_t)pattern + (body - addrs) % pg;
				return W_PATTERN;
			}
			default:
				return W_STRICT;
			}
		}
		if (h->type == CKPT_HDR_VMA)
			after_vma = true;
		else if (h->type != CKPT_HDR_PAGES)
			after_vma = false;
		if (h->type == CKPT_HDR_TAIL)
			break;
		off = next;
	}
	return W_STRICT;
}

struct outcome {
	int status;
	bool timed_out, stopped;
	char report[128];
	char log[1024];
};

static int report_to_stdout(void *arg)
{
	return dup2(*(int *)arg, 1) != 1;
}

/* Restart @len bytes of @buf in a child; what happened. */
static void run_copy(struct __test_metadata *_metadata, struct ckpt_ctx *c,
		     const uint8_t *buf, size_t len, struct outcome *o)
{
	int rp[2], w;
	ssize_t n;
	pid_t pid;

	memset(o, 0, sizeof(*o));
	if (c->img >= 0)
		close(c->img);
	c->img = ckpt_image_file(buf, len);
	ASSERT_LE(0, c->img);
	ASSERT_EQ(0, pipe(rp));
	w = rp[1];
	c->hook = report_to_stdout;
	c->hook_arg = &w;
	pid = ckpt_fork_restarter(c);
	ASSERT_LT(0, pid);
	close(rp[1]);
	if (!ckpt_wait(pid, &o->status, WUNTRACED, RUN_TIMEOUT)) {
		o->timed_out = true;
		o->status = ckpt_kill(pid);
	} else if (WIFSTOPPED(o->status)) {
		o->stopped = true;
		o->status = ckpt_kill(pid);
	}
	ckpt_log_collect(c);
	snprintf(o->log, sizeof(o->log), "%s", c->log);
	fcntl(rp[0], F_SETFL, O_NONBLOCK);
	n = read(rp[0], o->report, sizeof(o->report) - 1);
	o->report[n > 0 ? n : 0] = '\0';
	close(rp[0]);
}

static bool clean_failure(const struct outcome *o)
{
	return !o->timed_out && !o->stopped && WIFEXITED(o->status) &&
	       WEXITSTATUS(o->status) > CKPT_EXIT_ERRNO &&
	       ckpt_log_ok(o->log, "restart: ", "");
}

static bool ran(const struct outcome *o, const char *report)
{
	return !o->timed_out && !o->stopped && WIFEXITED(o->status) &&
	       WEXITSTATUS(o->status) == 0 && !o->log[0] &&
	       (!report || !strcmp(o->report, report));
}

static bool killed_after_point_of_no_return(const struct outcome *o)
{
	return WIFSIGNALED(o->status) && WTERMSIG(o->status) == SIGKILL && !o->timed_out &&
	       !o->stopped && strstr(o->log, "point of no return");
}

static const char *describe(const struct outcome *o, char *buf, size_t size)
{
	char st[128];

	if (o->timed_out)
		snprintf(st, sizeof(st), "did not finish in %.0f s", RUN_TIMEOUT);
	else if (o->stopped)
		snprintf(st, sizeof(st), "stopped");
	else
		ckpt_status_str(o->status, st, sizeof(st));
	snprintf(buf, size, "%s; report \"%.*s\"; log \"%.*s\"", st,
		 (int)strcspn(o->report, "\n"), o->report, (int)strcspn(o->log, "\n"), o->log);
	return buf;
}

FIXTURE(corrupt) {
	struct ckpt_ctx c;
	struct ckpt_image img;
	size_t tail;
	struct corrupt_arg a;
};

FIXTURE_SETUP(corrupt)
{
	struct outcome o;
	char why[1400];
	pid_t pid;
	int fd;

	pattern_len = PAT_PAGES * sysconf(_SC_PAGESIZE);
	pattern = mmap(NULL, pattern_len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(pattern != MAP_FAILED);
	ckpt_fill(pattern, pattern_len, PAT_SEED);
	fd = ckpt_named_file(self->a.path, sizeof(self->a.path), "corrupt");
	ASSERT_LE(0, fd);
	ASSERT_EQ(512, write(fd, pattern, 512));
	close(fd);

	ckpt_ctx_init(&self->c);
	pid = ckpt_fork_target(&self->c, corrupt_target, &self->a);
	ASSERT_LT(0, pid);
	CKPT_WAIT_STOPPED(pid);
	CKPT_TAKE(&self->c, pid);
	ckpt_kill(pid);
	ASSERT_EQ(0, ckpt_slurp(self->c.img, &self->img));
	self->tail = ckpt_tail_offset(&self->img);
	ASSERT_NE(0, self->tail) TH_LOG("the image does not parse");

	/* The image as written restarts and finds its pattern intact. */
	run_copy(_metadata, &self->c, self->img.buf, self->img.len, &o);
	if (WIFEXITED(o.status) && WEXITSTATUS(o.status) == CKPT_EXIT_ERRNO + EOPNOTSUPP &&
	    ckpt_arch_unsupported(EOPNOTSUPP, o.log)) {
		SKIP(return, "%.*s", (int)strcspn(o.log, "\n"), o.log);
	}
	ASSERT_TRUE(ran(&o, "ok\n")) TH_LOG("the intact image: %s", describe(&o, why, sizeof(why)));
}

FIXTURE_TEARDOWN(corrupt)
{
	unlink(self->a.path);
}

TEST_F_TIMEOUT(corrupt, flipped_bytes, 400)
{
	struct ckpt_image bad = { malloc(self->img.len), self->img.len };
	int refused = 0, ran_ok = 0, exact = 0, crashed = 0, fixed_n = 0;
	char why[1400], want[64];
	size_t nr_cov, *cov = covered_bytes(&self->img, &nr_cov);
	struct outcome o;

	ASSERT_TRUE(bad.buf != NULL);
	ASSERT_TRUE(cov != NULL);
	ASSERT_LT(NR_FLIPS, nr_cov);
	for (int k = 0; k < NR_FLIPS; k++) {
		bool fix = k % 2;
		size_t pos, pat_off = 0;
		enum where w;
		uint8_t nv;

		if (fix) {
			pos = (size_t)k * self->img.len / NR_FLIPS + k % 8;
			if (pos >= self->img.len)
				pos = self->img.len - 1;
		} else {
			pos = (size_t)k * nr_cov / NR_FLIPS + k % 8;
			pos = cov[pos < nr_cov ? pos : nr_cov - 1];
			ASSERT_FALSE(ckpt_in_page_data(&self->img, pos));
		}
		memcpy(bad.buf, self->img.buf, bad.len);
		nv = bad.buf[pos] ^= 0xff;
		if (fix) {
			ckpt_fix_tail(&bad);
			/* A flip that breaks the record walk cannot be fixed up. */
			if (ckpt_tail_offset(&bad) != self->tail)
				fix = false;
		}
		w = classify(&self->img, pos, &pat_off);
		run_copy(_metadata, &self->c, bad.buf, bad.len, &o);
		describe(&o, why, sizeof(why));

		EXPECT_FALSE(WIFEXITED(o.status) &&
			     (WEXITSTATUS(o.status) == CKPT_EXIT_CALLER_DAMAGED ||
			      WEXITSTATUS(o.status) == CKPT_EXIT_RESTART_RETURNED))
			TH_LOG("byte %zu: %s", pos, why);
		if (!fix) {
			EXPECT_TRUE(clean_failure(&o))
				TH_LOG("byte %zu flipped, checksum not fixed: %s", pos, why);
			refused++;
			continue;
		}
		fixed_n++;
		if (clean_failure(&o)) {
			refused++;
			continue;
		}
		if (killed_after_point_of_no_return(&o)) {
			crashed++;
			continue;
		}
		switch (w) {
		case W_PATTERN:
			snprintf(want, sizeof(want), "diff %zu %u\n", pat_off, nv);
			EXPECT_TRUE(ran(&o, want))
				TH_LOG("byte %zu (pattern offset %zu, now %#x): %s", pos,
				       pat_off, nv, why);
			exact++;
			break;
		case W_STRICT:
			EXPECT_TRUE(ran(&o, NULL) && (!o.report[0] || !strcmp(o.report, "ok\n")))
				TH_LOG("byte %zu, in a validated record: %s", pos, why);
			ran_ok++;
			break;
		case W_LENIENT:
			if (ran(&o, NULL))
				ran_ok++;
			else
				crashed++;
			if (o.timed_out || o.stopped)
				TH_LOG("byte %zu: %s", pos, why);
			break;
		}
	}
	TH_LOG("%d flips (%d with the checksum fixed): %d refused, %d ran, %d seen exactly "
	       "in the pattern, %d crashed", NR_FLIPS, fixed_n, refused, ran_ok, exact, crashed);
	EXPECT_LT(0, exact) TH_LOG("no flip landed in the pattern's pages");
	free(cov);
	free(bad.buf);
}

TEST_F_TIMEOUT(corrupt, truncated_at_records, 300)
{
	int cuts = 0, enodata = 0;
	size_t off = 0, next;
	char why[1400];
	struct outcome o;

	for (;;) {
		run_copy(_metadata, &self->c, self->img.buf, off, &o);
		cuts++;
		EXPECT_TRUE(clean_failure(&o))
			TH_LOG("image cut at %zu of %zu bytes: %s", off, self->img.len,
			       describe(&o, why, sizeof(why)));
		if (WIFEXITED(o.status) && WEXITSTATUS(o.status) == CKPT_EXIT_ERRNO + ENODATA)
			enodata++;
		else if (clean_failure(&o))
			TH_LOG("image cut at %zu: %s", off, describe(&o, why, sizeof(why)));
		if (off == self->tail)
			break;
		next = ckpt_next_record(&self->img, off);
		ASSERT_NE(0, next);
		off = next;
	}
	TH_LOG("%d cuts, %d with ENODATA", cuts, enodata);
	EXPECT_LT(cuts / 2, enodata) TH_LOG("truncations should mostly be ENODATA");
}

TEST_HARNESS_MAIN
