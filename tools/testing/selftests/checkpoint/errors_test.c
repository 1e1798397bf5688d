// SPDX-License-Identifier: GPL-2.0
/*
 * checkpoint(2) and restart(2) argument errors: unknown flags, bad and
 * wrongly opened file descriptors, bad log descriptors, bad pids, and a
 * checkpoint interrupted by a signal.  Each fails with its errno and one
 * log line, and a failed checkpoint writes nothing.
 *
 * Arguments are checked before anything depends on the architecture, so
 * the argument tests run on every architecture; where a test needs a
 * checkpoint that succeeds and the architecture's task checkpoint is not
 * implemented yet, that part is skipped with the kernel's reason.
 */

#include "ckpt_task.h"

#include <signal.h>
#include <sys/time.h>

#include "../kselftest_harness.h"

/* How long a restarted child may take to exit. */
#define RESTART_TIMEOUT	60

FIXTURE(args) {
	/*
	 * An empty file, read-write: named, since the process may be
	 * checkpointed while it is open (a deleted file would be saved in the image).
	 */
	char path[64];
	int img;
	int lp[2];	/* log pipe */
	char log[512];
};

FIXTURE_SETUP(args)
{
	self->img = ckpt_named_file(self->path, sizeof(self->path), "errors");
	ASSERT_LE(0, self->img);
	ASSERT_EQ(0, ckpt_log_pipe(self->lp));
}

FIXTURE_TEARDOWN(args)
{
	unlink(self->path);
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

/* Wait for a restarting child; kill it after RESTART_TIMEOUT seconds. */
static int wait_restarted(pid_t pid)
{
	int status = 0;

	if (!ckpt_wait(pid, &status, 0, RESTART_TIMEOUT))
		status = ckpt_kill(pid);
	return status;
}

/*
 * Restart the image at the position of @fd in a child, which must become
 * the process of self checkpoint @seq, and log nothing.
 */
static void expect_restarted(struct __test_metadata *_metadata, FIXTURE_DATA(args) *self,
			     int fd, int seq)
{
	char why[128];
	int status;
	pid_t pid;

	pid = ckpt_restart_child(fd, self->lp[1], -1);
	ASSERT_LT(0, pid);
	status = wait_restarted(pid);
	ASSERT_LE(0, ckpt_log_read(self->lp[0], self->log, sizeof(self->log)));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == CKPT_SELF_EXIT + seq)
		TH_LOG("restarting child: %s, not restarted from self checkpoint %d; log: %s",
		       ckpt_self_status_str(status, why, sizeof(why)), seq, self->log);
	EXPECT_STREQ("", self->log);
}

TEST_F(args, checkpoint_unknown_flags)
{
	static const unsigned long bad[] = {
		1UL << 4, 1UL << 31, ~0UL,
		/* A known flag does not hide an unknown one. */
		CKPT_CHECKPOINT_INHERIT_STDIO | CKPT_CHECKPOINT_EXTERNAL_SHMEM |
		CKPT_CHECKPOINT_TCP_ESTABLISHED | CKPT_CHECKPOINT_PRECOPY | 1UL << 4,
	};
	char want[32];

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-1, sys_checkpoint(0, self->img, bad[i], self->lp[1]));
		EXPECT_EQ(EINVAL, errno);
		expect_log(_metadata, self, "checkpoint: ", "unknown flags");
		/* The log names the unknown bits only. */
		snprintf(want, sizeof(want), "flags %#lx",
			 bad[i] & ~(unsigned long)(CKPT_CHECKPOINT_INHERIT_STDIO |
					   CKPT_CHECKPOINT_EXTERNAL_SHMEM |
					   CKPT_CHECKPOINT_TCP_ESTABLISHED |
					   CKPT_CHECKPOINT_PRECOPY));
		EXPECT_TRUE(strstr(self->log, want) != NULL)
			TH_LOG("log \"%s\" lacks \"%s\"", self->log, want);
		expect_empty(_metadata, self);
	}
}

TEST_F(args, restart_unknown_flags)
{
	struct ckpt_image img;
	char want[80];
	int fd, err, seq;
	long id;

	/*
	 * A crafted image (header and CPU feature record, then the tail):
	 * refused for the flag before anything is read, so that the same
	 * image without the flag gets as far as where the task should start.
	 */
	ASSERT_EQ(0, ckpt_craft_image(&img));
	fd = ckpt_image_file(img.buf, img.len);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, sys_restart(0, fd, 1UL << 3, self->lp[1]));
	EXPECT_EQ(EINVAL, errno);
	expect_log(_metadata, self, "restart: ", "unknown flags");
	EXPECT_EQ(0, lseek(fd, 0, SEEK_CUR));
	EXPECT_EQ(-1, sys_restart(0, fd, CKPT_RESTART_NEW_PIDNS | CKPT_RESTART_SAME_PIDS,
				  self->lp[1]));
	EXPECT_EQ(EINVAL, errno);
	expect_log(_metadata, self, "restart: ", "exclude each other");
	EXPECT_EQ(0, lseek(fd, 0, SEEK_CUR));
	EXPECT_EQ(-1, sys_restart(0, fd, 0, self->lp[1]));
	EXPECT_EQ(EINVAL, errno);
	snprintf(want, sizeof(want), "offset %zu has type %u (tail), expected %u (task)",
		 (size_t)CKPT_CRAFT_TAIL_OFF, CKPT_HDR_TAIL, CKPT_HDR_TASK);
	expect_log(_metadata, self, "restart: ", want);
	close(fd);
	free(img.buf);

	/* A real image: the child restarting it without the flag becomes us. */
	id = ckpt_self_image(&img, self->lp[1]);
	err = errno;
	seq = ckpt_self_seq;
	ASSERT_LE(0, ckpt_log_read(self->lp[0], self->log, sizeof(self->log)));
	if (id <= 0) {
		ASSERT_TRUE(ckpt_arch_unsupported(err, self->log))
			TH_LOG("checkpoint: %s; log: %s", strerror(err), self->log);
		TH_LOG("no real image: %.*s", (int)strcspn(self->log, "\n"), self->log);
		return;
	}
	fd = ckpt_image_file(img.buf, img.len);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, sys_restart(0, fd, 1UL << 3, self->lp[1]));
	EXPECT_EQ(EINVAL, errno);
	expect_log(_metadata, self, "restart: ", "unknown flags");
	EXPECT_EQ(0, lseek(fd, 0, SEEK_CUR));
	EXPECT_EQ(-1, sys_restart(0, fd, CKPT_RESTART_NEW_PIDNS | CKPT_RESTART_SAME_PIDS,
				  self->lp[1]));
	EXPECT_EQ(EINVAL, errno);
	expect_log(_metadata, self, "restart: ", "exclude each other");
	/* Nothing was consumed: the same image restarts without the flag. */
	EXPECT_EQ(0, lseek(fd, 0, SEEK_CUR));
	expect_restarted(_metadata, self, fd, seq);
	EXPECT_EQ(img.len, lseek(fd, 0, SEEK_CUR));
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
	long id;
	int err;

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
	EXPECT_EQ(-1, sys_checkpoint(0, self->img, 1UL << 4, -1));
	EXPECT_EQ(EINVAL, errno);
	id = ckpt_self_checkpoint(self->img, -1);
	err = errno;
	ASSERT_EQ(0, ckpt_log_read(self->lp[0], self->log, sizeof(self->log)));
	if (id > 0) {
		EXPECT_LT(0, lseek(self->img, 0, SEEK_END));
		return;
	}
	/*
	 * Where task checkpoint is not implemented yet, that is the error,
	 * with or without a log.
	 */
	EXPECT_EQ(-1, ckpt_self_checkpoint(self->img, self->lp[1]));
	EXPECT_EQ(err, errno);
	expect_log(_metadata, self, "checkpoint: ", "");
	EXPECT_TRUE(ckpt_arch_unsupported(err, self->log))
		TH_LOG("checkpoint without a log: %s; with one: %s", strerror(err), self->log);
	expect_empty(_metadata, self);
}

TEST_F(args, success_logs_nothing)
{
	long id;
	int seq;

	id = ckpt_self_checkpoint(self->img, self->lp[1]);
	seq = ckpt_self_seq;
	ASSERT_LE(0, ckpt_log_read(self->lp[0], self->log, sizeof(self->log)));
	if (id <= 0 && ckpt_arch_unsupported(errno, self->log)) {
		SKIP(return, "%.*s", (int)strcspn(self->log, "\n"), self->log);
	}
	EXPECT_LT(0, id) TH_LOG("checkpoint: %s; log: %s", strerror(errno), self->log);
	EXPECT_STREQ("", self->log);
	/* A successful restart logs nothing either. */
	ASSERT_EQ(0, lseek(self->img, 0, SEEK_SET));
	expect_restarted(_metadata, self, self->img, seq);
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
		int err;

		ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
		ASSERT_EQ(0, pipe(p));
		/* One page of pipe, all but 8 bytes full: the header blocks. */
		ASSERT_EQ(page, fcntl(p[1], F_SETPIPE_SZ, page));
		ASSERT_EQ(page - 8, write(p[1], fill, page - 8));
		ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
		ret = ckpt_self_checkpoint(p[1], self->lp[1]);
		err = errno;
		ASSERT_LT(0, ckpt_log_read(self->lp[0], self->log, sizeof(self->log)))
			TH_LOG("nothing logged");
		if (ret == -1 && ckpt_arch_unsupported(err, self->log)) {
			/* Refused before it writes: nothing to interrupt. */
			struct itimerval off = { };

			setitimer(ITIMER_REAL, &off, NULL);
			signal(SIGALRM, SIG_DFL);
			SKIP(return, "%.*s", (int)strcspn(self->log, "\n"), self->log);
		}
		EXPECT_EQ(-1, ret);
		EXPECT_EQ(EINTR, err);
		EXPECT_TRUE(ckpt_log_ok(self->log, "checkpoint: ", "interrupted"))
			TH_LOG("log \"%s\" lacks \"interrupted\"", self->log);
		close(p[0]);
		close(p[1]);
	}
	signal(SIGALRM, SIG_DFL);
	free(fill);
}

TEST_HARNESS_MAIN
