// SPDX-License-Identifier: GPL-2.0
/*
 * Races between checkpoint(2) or restart(2) and the world around them,
 * on two CPUs: a target killed or continued while it is being saved, a
 * restart whose image stream stalls while others read its /proc files.
 */
#include "ckpt_task.h"

#include <pthread.h>

#define RACE_MIB	8

static void race_target(void *arg)
{
	size_t len = (size_t)RACE_MIB << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)arg;
	SETUP(p != MAP_FAILED);
	memset(p, 0x5a, len);
	for (;;) {
		ckpt_stop();
		/* Continued: touch the memory, as a running program would. */
		for (size_t i = 0; i < len; i += 4096)
			p[i]++;
	}
}

/* A third process sends @sig to @pid @delay seconds from now. */
static pid_t fork_signaller(pid_t pid, int sig, double delay)
{
	pid_t s = fork();

	if (s == 0) {
		ckpt_sleep(delay);
		kill(pid, sig);
		_exit(0);
	}
	return s;
}

/*
 * checkpoint(2) of a stopped target that @sig hits at a random moment of
 * the checkpoint: it succeeds, or fails with ESRCH or EBUSY and one line.
 */
static void race_loop(struct __test_metadata *_metadata, int sig, int rounds)
{
	int ok = 0, refused = 0;
	double span = 0.03;

	/* How long one checkpoint of the target takes, undisturbed. */
	{
		struct ckpt_ctx c;
		double t;
		pid_t pid;

		ckpt_ctx_init(&c);
		pid = ckpt_fork_target(&c, race_target, NULL);
		ASSERT_LT(0, pid);
		CKPT_WAIT_STOPPED(pid);
		t = ckpt_now();
		ASSERT_LT(0, ckpt_take(&c, pid)) TH_LOG("log: %s", ckpt_log_text(&c));
		span = 1.5 * (ckpt_now() - t);
		ckpt_kill(pid);
		close(c.img);
		close(c.lp[0]);
		close(c.lp[1]);
	}
	srand(getpid());
	for (int i = 0; i < rounds; i++) {
		struct ckpt_ctx c;
		pid_t pid, s;
		long id;

		ckpt_ctx_init(&c);
		c.continue_original = true;
		pid = ckpt_fork_target(&c, race_target, NULL);
		ASSERT_LT(0, pid);
		CKPT_WAIT_STOPPED(pid);
		/* Delays over 0-30 ms and over the time a checkpoint takes. */
		s = fork_signaller(pid, sig, (rand() % 1000) / 1000.0 * (i % 2 ? span : 0.03));
		ASSERT_LT(0, s);
		id = ckpt_take(&c, pid);
		if (id > 0) {
			ok++;
		} else {
			refused++;
			EXPECT_TRUE(c.err == ESRCH || c.err == EBUSY)
				TH_LOG("round %d: %s; log: %s", i, strerror(c.err),
				       ckpt_log_text(&c));
			EXPECT_TRUE(ckpt_log_ok(c.log, "checkpoint: ", "pid"))
				TH_LOG("round %d: log: %s", i, ckpt_log_text(&c));
		}
		waitpid(s, NULL, 0);
		ckpt_kill(pid);
		close(c.img);
		close(c.lp[0]);
		close(c.lp[1]);
		if (_metadata->exit_code)
			break;
	}
	TH_LOG("%d rounds, delays up to %.0f ms: %d checkpoints, %d refused", rounds,
	       span * 1000, ok, refused);
}

FIXTURE(race) {
	int unused;
};

FIXTURE_SETUP(race)
{
}

FIXTURE_TEARDOWN(race)
{
}

TEST_F_TIMEOUT(race, killed_during_checkpoint, 600)
{
	race_loop(_metadata, SIGKILL, 120);
}

TEST_F_TIMEOUT(race, continued_during_checkpoint, 600)
{
	race_loop(_metadata, SIGCONT, 60);
}

/* ---- a restart whose image stalls ---- */

static void stall_target(void *arg)
{
	size_t len = 4 << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)arg;
	SETUP(p != MAP_FAILED);
	memset(p, 0x33, len);
	ckpt_stop();
}

/* Read /proc/@pid/@file whole in a child; 1 if it finished in @timeout s. */
static int proc_read_within(pid_t pid, const char *file, double timeout)
{
	char path[64];
	int status;
	pid_t r;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	r = fork();
	if (r == 0) {
		static char buf[1 << 16];
		int fd = open(path, O_RDONLY);

		if (fd < 0)
			_exit(2);
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		_exit(0);
	}
	if (!ckpt_wait(r, &status, 0, timeout)) {
		ckpt_kill(r);
		return 0;
	}
	return 1;
}

TEST(stalled_image_stream)
{
	static const char *const files[] = { "maps", "smaps", "status", "stat", "mem" };
	struct ckpt_image img;
	struct ckpt_ctx c;
	size_t off, cut = 0;
	int p[2], status;
	pid_t pid, r, feeder;

	ckpt_ctx_init(&c);
	pid = ckpt_fork_target(&c, stall_target, NULL);
	ASSERT_LT(0, pid);
	CKPT_WAIT_STOPPED(pid);
	CKPT_TAKE(&c, pid);
	ckpt_kill(pid);
	ASSERT_EQ(0, ckpt_slurp(c.img, &img));
	/* The middle of the first PAGES record of the big mapping. */
	for (off = 0; (off = ckpt_next_record(&img, off)); ) {
		const struct ckpt_hdr *h = (const void *)(img.buf + off);

		if (h->type == CKPT_HDR_PAGES && ckpt_page_data_len(&img, off) >= 64 * 4096) {
			cut = off + h->len / 2;
			break;
		}
		if (h->type == CKPT_HDR_TAIL)
			break;
	}
	ASSERT_NE(0, cut);

	ASSERT_EQ(0, pipe(p));
	fflush(NULL);
	r = fork();
	ASSERT_LE(0, r);
	if (r == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(p[1]);
		sys_restart(0, p[0], 0, c.lp[1]);
		_exit(CKPT_EXIT_ERRNO + errno);
	}
	close(p[0]);
	/* Feed it up to @cut, in a child: the pipe holds less. */
	feeder = fork();
	ASSERT_LE(0, feeder);
	if (feeder == 0) {
		size_t done = 0;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		while (done < cut) {
			ssize_t n = write(p[1], img.buf + done, cut - done);

			if (n <= 0)
				_exit(1);
			done += n;
		}
		pause();
		_exit(0);
	}
	/* Let the restart reach the stall. */
	ckpt_sleep(1.0);
	ASSERT_EQ(0, waitpid(r, &status, WNOHANG)) TH_LOG("the restart ended: %#x", status);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		EXPECT_TRUE(proc_read_within(r, files[i], 1.0))
			TH_LOG("reading /proc/%d/%s blocked while the restart waited", (int)r,
			       files[i]);
	}
	/* SIGKILL ends the waiting restart at once. */
	kill(r, SIGKILL);
	EXPECT_TRUE(ckpt_wait(r, &status, 0, 2.0)) TH_LOG("SIGKILL did not end the restart");
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		TH_LOG("status %#x", status);
	close(p[1]);
	ckpt_kill(feeder);
	free(img.buf);
}

TEST_HARNESS_MAIN
