// SPDX-License-Identifier: GPL-2.0
/*
 * checkpoint(2) and restart(2) argument errors: unknown flags, bad and
 * wrongly opened file descriptors, bad log descriptors, bad pids, and a
 * checkpoint interrupted by a signal.  Each fails with its errno and one
 * log line, and a failed checkpoint writes nothing.
 */

#include "ckpt_util.h"

#include <signal.h>
#include <sys/time.h>

#include "../kselftest_harness.h"

FIXTURE(args) {
	int img;	/* empty temporary file, read-write */
	int lp[2];	/* log pipe */
	char log[512];
};

FIXTURE_SETUP(args)
{
	self->img = ckpt_tmpfile();
	ASSERT_LE(0, self->img);
	ASSERT_EQ(0, ckpt_log_pipe(self->lp));
}

FIXTURE_TEARDOWN(args)
{
	close(self->img);
	close(self->lp[0]);
	close(self->lp[1]);
}

static void expect_log(struct __test_metadata *_metadata, FIXTURE_DATA(args) *self,
		       const char *prefix, const char *word)
{
	ASSERT_LT(0, ckpt_log_read(self->lp[0], self->log, sizeof(self->log)))
		TH_LOG("nothing logged");
	EXPECT_TRUE(ckpt_log_ok(self->log, prefix, word))
		TH_LOG("log \"%s\" lacks \"%s\"", self->log, word);
}

/* Nothing reached the image file. */
static void expect_empty(struct __test_metadata *_metadata, FIXTURE_DATA(args) *self)
{
	EXPECT_EQ(0, lseek(self->img, 0, SEEK_END));
}

TEST_F(args, checkpoint_unknown_flags)
{
	static const unsigned long bad[] = { 1, 1UL << 31, ~0UL };

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-1, sys_checkpoint(0, self->img, bad[i], self->lp[1]));
		EXPECT_EQ(EINVAL, errno);
		expect_log(_metadata, self, "checkpoint: ", "unknown flags");
		expect_empty(_metadata, self);
	}
}

TEST_F(args, restart_unknown_flags)
{
	struct ckpt_image img;
	int fd;

	ASSERT_LT(0, ckpt_self_image(&img));
	fd = ckpt_image_file(img.buf, img.len);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, sys_restart(0, fd, 1, self->lp[1]));
	EXPECT_EQ(EINVAL, errno);
	expect_log(_metadata, self, "restart: ", "unknown flags");
	/* Nothing was consumed: the same image restarts without the flag. */
	EXPECT_EQ(0, lseek(fd, 0, SEEK_CUR));
	EXPECT_EQ(0, sys_restart(0, fd, 0, self->lp[1]));
	close(fd);
	free(img.buf);
}

TEST_F(args, checkpoint_closed_fd)
{
	int fd = dup(self->img);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, close(fd));
	EXPECT_EQ(-1, sys_checkpoint(0, fd, 0, self->lp[1]));
	EXPECT_EQ(EBADF, errno);
	expect_log(_metadata, self, "checkpoint: ", "not an open file");
	EXPECT_EQ(-1, sys_checkpoint(0, -1, 0, self->lp[1]));
	EXPECT_EQ(EBADF, errno);
	expect_log(_metadata, self, "checkpoint: ", "fd -1");
}

TEST_F(args, checkpoint_read_only_fd)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", self->img);
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, sys_checkpoint(0, fd, 0, self->lp[1]));
	EXPECT_EQ(EBADF, errno);
	expect_log(_metadata, self, "checkpoint: ", "not open for writing");
	expect_empty(_metadata, self);
	close(fd);

	/* An O_PATH descriptor cannot be written either. */
	fd = open("/tmp", O_PATH);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, sys_checkpoint(0, fd, 0, self->lp[1]));
	EXPECT_EQ(EBADF, errno);
	expect_log(_metadata, self, "checkpoint: ", "not open for writing");
	close(fd);
}

TEST_F(args, restart_bad_fds)
{
	int p[2];

	EXPECT_EQ(-1, sys_restart(0, 999, 0, self->lp[1]));
	EXPECT_EQ(EBADF, errno);
	expect_log(_metadata, self, "restart: ", "not an open file");

	ASSERT_EQ(0, pipe(p));
	EXPECT_EQ(-1, sys_restart(0, p[1], 0, self->lp[1]));
	EXPECT_EQ(EBADF, errno);
	expect_log(_metadata, self, "restart: ", "not open for reading");
	close(p[0]);
	close(p[1]);
}

TEST_F(args, bad_log_fd)
{
	/* A closed log descriptor, or one not open for writing: EBADF. */
	EXPECT_EQ(-1, sys_checkpoint(0, self->img, 0, 999));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, sys_checkpoint(0, self->img, 0, -2));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, sys_checkpoint(0, self->img, 0, self->lp[0]));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, sys_restart(0, self->img, 0, self->lp[0]));
	EXPECT_EQ(EBADF, errno);
	expect_empty(_metadata, self);

	/* -1 means no log: errors are still reported by errno. */
	EXPECT_EQ(-1, sys_checkpoint(0, self->img, 1, -1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_LT(0, sys_checkpoint(0, self->img, 0, -1));
	ASSERT_EQ(0, ckpt_log_read(self->lp[0], self->log, sizeof(self->log)));
}

TEST_F(args, success_logs_nothing)
{
	EXPECT_LT(0, sys_checkpoint(0, self->img, 0, self->lp[1]));
	ASSERT_EQ(0, lseek(self->img, 0, SEEK_SET));
	EXPECT_EQ(0, sys_restart(0, self->img, 0, self->lp[1]));
	ASSERT_EQ(0, ckpt_log_read(self->lp[0], self->log, sizeof(self->log)));
	EXPECT_STREQ("", self->log);
}

TEST_F(args, bad_pids)
{
	EXPECT_EQ(-1, sys_checkpoint(-5, self->img, 0, self->lp[1]));
	EXPECT_EQ(EINVAL, errno);
	expect_log(_metadata, self, "checkpoint: ", "invalid pid");
	expect_empty(_metadata, self);

	EXPECT_EQ(-1, sys_restart(getpid(), self->img, 0, self->lp[1]));
	EXPECT_EQ(EINVAL, errno);
	expect_log(_metadata, self, "restart: ", "pid must be 0");
}

static void on_alarm(int sig)
{
}

/*
 * A checkpoint blocked on a full pipe and interrupted by a signal fails with
 * EINTR, even with SA_RESTART: restarting it would write a second image
 * after the part already in the pipe.
 */
TEST_F(args, interrupted_checkpoint)
{
	static const int flags[] = { 0, SA_RESTART };
	struct itimerval it = { .it_value.tv_usec = 200000 };
	long page = sysconf(_SC_PAGESIZE);
	char *fill = calloc(1, page);
	int p[2];

	ASSERT_TRUE(fill != NULL);
	for (unsigned int i = 0; i < 2; i++) {
		struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = flags[i] };
		long ret;

		ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
		ASSERT_EQ(0, pipe(p));
		/* One page of pipe, all but 8 bytes full: the header blocks. */
		ASSERT_EQ(page, fcntl(p[1], F_SETPIPE_SZ, page));
		ASSERT_EQ(page - 8, write(p[1], fill, page - 8));
		ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
		ret = sys_checkpoint(0, p[1], 0, self->lp[1]);
		EXPECT_EQ(-1, ret);
		EXPECT_EQ(EINTR, errno);
		expect_log(_metadata, self, "checkpoint: ", "interrupted");
		close(p[0]);
		close(p[1]);
	}
	signal(SIGALRM, SIG_DFL);
	free(fill);
}

TEST_HARNESS_MAIN
