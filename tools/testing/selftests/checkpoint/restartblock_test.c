// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupted system calls across checkpoint(2) and restart(2).
 *
 * A target blocks in a call that waits RB_WAIT seconds (a sleep, a futex
 * wait, poll, select, ppoll, or a pipe read that an ITIMER_REAL signal
 * ends); it is stopped RB_STOP_AT seconds into the wait, checkpointed,
 * killed and restarted RB_GAP seconds later.  The restarted call must
 * return what it would have returned (0, a timeout, ETIMEDOUT; EINTR only
 * for a read interrupted by a handler without SA_RESTART) and:
 *
 * - relative timeouts resume with the time left at checkpoint: the restarted
 *   process exits that long after the restart, never before its original
 *   deadline counted from the start of the call;
 * - TIMER_ABSTIME sleeps end at their absolute deadline;
 * - ppoll's temporary signal mask is gone afterwards.
 *
 * The time between checkpoint and restart is not counted, so a restart
 * with the full timeout, or with the absolute expiry the interrupted call
 * had, is told apart from the right one.
 */

#include "ckpt_task.h"

#include <poll.h>
#include <sys/select.h>
#include <sys/time.h>
#include <linux/futex.h>

#define RB_WAIT		1.5	/* the timeout of every call, seconds */
#define RB_STOP_AT	0.6	/* when it is stopped, from the start of the call */
#define RB_GAP		0.2	/* from the checkpoint to the restart */
#define RB_EARLY	0.12	/* it may end this much before it should... */
#define RB_LATE		0.45	/* ...or this much after (QEMU TCG is slow) */

enum rb_kind {
	RB_NANOSLEEP,
	RB_CLOCK_REL,
	RB_CLOCK_ABS_MONO,
	RB_CLOCK_ABS_REAL,
	RB_FUTEX,
	RB_POLL,
	RB_SELECT,
	RB_PPOLL,
	RB_READ_RESTART,
	RB_READ_EINTR,
};

struct rb_arg {
	enum rb_kind kind;
	int ready;
};

struct rb_start {
	double mono, real;	/* when the call started */
};

static int rb_pipe[2];
static volatile int alarms;
static uint32_t futex_word = 0xfeed;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
	if (write(rb_pipe[1], "x", 1) != 1)
		alarms += 100;
}

static struct timespec to_ts(double s)
{
	struct timespec t;

	t.tv_sec = (time_t)s;
	t.tv_nsec = (long)((s - t.tv_sec) * 1e9);
	return t;
}

static void rb_target(void *arg)
{
	struct rb_arg *a = arg;
	struct timespec wait = to_ts(RB_WAIT), rem = { 0, 0 }, abs;
	struct pollfd pfd;
	struct rb_start st;
	sigset_t orig, tmp, now;
	fd_set rfds;
	struct timeval tv;
	char ch = 0;
	long r = -2;
	int err = 0;

	SETUP(!pipe(rb_pipe));
	pfd.fd = rb_pipe[0];
	pfd.events = POLLIN;
	/* ppoll: its mask unblocks SIGUSR2 and blocks SIGUSR1, for the call only. */
	sigemptyset(&orig);
	sigaddset(&orig, SIGUSR2);
	sigaddset(&orig, SIGWINCH);
	SETUP(!sigprocmask(SIG_SETMASK, &orig, NULL));
	sigemptyset(&tmp);
	sigaddset(&tmp, SIGUSR1);
	if (a->kind == RB_READ_RESTART || a->kind == RB_READ_EINTR) {
		struct sigaction sa = { .sa_handler = on_alarm };

		sigemptyset(&sa.sa_mask);
		sa.sa_flags = a->kind == RB_READ_RESTART ? SA_RESTART : 0;
		SETUP(!sigaction(SIGALRM, &sa, NULL));
	}

	ckpt_orig_pid = ckpt_getpid();
	st.mono = ckpt_clock(CLOCK_MONOTONIC);
	st.real = ckpt_clock(CLOCK_REALTIME);
	if (a->kind == RB_READ_RESTART || a->kind == RB_READ_EINTR) {
		struct itimerval it = { .it_value = { (time_t)RB_WAIT,
			(suseconds_t)((RB_WAIT - (time_t)RB_WAIT) * 1e6) } };

		SETUP(!setitimer(ITIMER_REAL, &it, NULL));
	}
	SETUP(write(a->ready, &st, sizeof(st)) == sizeof(st));
	close(a->ready);

	switch (a->kind) {
	case RB_NANOSLEEP:
		/* The nanosleep system call itself (the C library's uses clock_nanosleep). */
		r = syscall(SYS_nanosleep, &wait, &rem);
		break;
	case RB_CLOCK_REL:
		r = clock_nanosleep(CLOCK_MONOTONIC, 0, &wait, &rem);
		break;
	case RB_CLOCK_ABS_MONO:
		abs = to_ts(st.mono + RB_WAIT);
		r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL);
		break;
	case RB_CLOCK_ABS_REAL:
		abs = to_ts(st.real + RB_WAIT);
		r = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &abs, NULL);
		break;
	case RB_FUTEX:
		r = syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0xfeed, &wait, NULL, 0);
		break;
	case RB_POLL:
		r = poll(&pfd, 1, (int)(RB_WAIT * 1000));
		break;
	case RB_SELECT:
		FD_ZERO(&rfds);
		FD_SET(rb_pipe[0], &rfds);
		tv.tv_sec = (time_t)RB_WAIT;
		tv.tv_usec = (suseconds_t)((RB_WAIT - tv.tv_sec) * 1e6);
		r = select(rb_pipe[0] + 1, &rfds, NULL, NULL, &tv);
		break;
	case RB_PPOLL:
		r = ppoll(&pfd, 1, &wait, &tmp);
		break;
	case RB_READ_RESTART:
	case RB_READ_EINTR:
		r = read(rb_pipe[0], &ch, 1);
		break;
	}
	err = errno;
	ckpt_restarted = ckpt_getpid() != ckpt_orig_pid;

	switch (a->kind) {
	case RB_FUTEX:
		CHECKF(r == -1 && err == ETIMEDOUT, "futex returned %ld, %s", r, strerror(err));
		break;
	case RB_READ_RESTART:
		CHECKF(r == 1 && ch == 'x', "read returned %ld, %s", r, strerror(err));
		CHECK(alarms == 1);
		break;
	case RB_READ_EINTR:
		CHECKF(r == -1 && err == EINTR, "read returned %ld, %s", r, strerror(err));
		CHECK(alarms == 1);
		CHECK(read(rb_pipe[0], &ch, 1) == 1 && ch == 'x');
		break;
	default:
		/* 0: slept its time (clock_nanosleep returns the error number); timed out. */
		CHECKF(r == 0, "returned %ld, %s", r, strerror(r > 0 ? r : err));
		break;
	}
	if (a->kind == RB_CLOCK_ABS_REAL) {
		double now_real = ckpt_clock(CLOCK_REALTIME);

		CHECKF(now_real >= st.real + RB_WAIT - 0.002, "woke %.3f s before its deadline",
		       st.real + RB_WAIT - now_real);
	} else {
		double now_mono = ckpt_now();

		/* Never before the deadline counted from the start of the call. */
		CHECKF(now_mono >= st.mono + RB_WAIT - 0.002,
		       "returned %.3f s into a %.3f s wait", now_mono - st.mono, RB_WAIT);
	}
	if (a->kind == RB_PPOLL) {
		CHECK(!sigprocmask(SIG_BLOCK, NULL, &now));
		CHECKF(sigismember(&now, SIGUSR2) && sigismember(&now, SIGWINCH) &&
		       !sigismember(&now, SIGUSR1), "ppoll's mask was left in place");
	}
	CHECK(ckpt_restarted);
}

FIXTURE(restart_block) {
	int unused;
};

FIXTURE_VARIANT(restart_block) {
	enum rb_kind kind;
	bool absolute;		/* an absolute deadline */
	bool written_back;	/* the time left was written back at the stop */
};

FIXTURE_VARIANT_ADD(restart_block, nanosleep) { .kind = RB_NANOSLEEP };
FIXTURE_VARIANT_ADD(restart_block, clock_nanosleep_monotonic) { .kind = RB_CLOCK_REL };
FIXTURE_VARIANT_ADD(restart_block, clock_nanosleep_abstime_monotonic) {
	.kind = RB_CLOCK_ABS_MONO, .absolute = true };
FIXTURE_VARIANT_ADD(restart_block, clock_nanosleep_abstime_realtime) {
	.kind = RB_CLOCK_ABS_REAL, .absolute = true };
FIXTURE_VARIANT_ADD(restart_block, futex_wait) { .kind = RB_FUTEX };
FIXTURE_VARIANT_ADD(restart_block, poll) { .kind = RB_POLL };
FIXTURE_VARIANT_ADD(restart_block, select) { .kind = RB_SELECT, .written_back = true };
FIXTURE_VARIANT_ADD(restart_block, ppoll) { .kind = RB_PPOLL, .written_back = true };
FIXTURE_VARIANT_ADD(restart_block, pipe_read_sa_restart) { .kind = RB_READ_RESTART };
FIXTURE_VARIANT_ADD(restart_block, pipe_read_eintr) { .kind = RB_READ_EINTR };

FIXTURE_SETUP(restart_block)
{
}

FIXTURE_TEARDOWN(restart_block)
{
}

static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (ckpt_read_file(path, buf, sizeof(buf)) <= 0)
		return '?';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

static void sleep_until(double mono)
{
	ckpt_sleep(mono - ckpt_now());
}

TEST_F(restart_block, resumes)
{
	struct rb_arg a = { .kind = variant->kind };
	double t_kill, t_stop, t_ckpt0, t_ckpt1, lo, hi, elapsed, end;
	struct rb_start st;
	struct ckpt_ctx c;
	pid_t pid;
	int p[2];

	CKPT_PROBE_OR_SKIP();
	ASSERT_EQ(0, pipe(p));
	a.ready = p[1];
	ckpt_ctx_init(&c);
	c.keep_fd = p[1];
	pid = ckpt_fork_target(&c, rb_target, &a);
	ASSERT_LT(0, pid);
	close(p[1]);
	ASSERT_EQ(sizeof(st), read(p[0], &st, sizeof(st))) {
		ckpt_kill(pid);
	}
	close(p[0]);

	/* In the call, RB_STOP_AT seconds into it. */
	end = ckpt_now() + 10;
	while (proc_state(pid) != 'S' && ckpt_now() < end)
		ckpt_sleep(0.002);
	ASSERT_EQ('S', proc_state(pid)) {
		ckpt_kill(pid);
	}
	sleep_until(st.mono + RB_STOP_AT);
	t_kill = ckpt_now();
	ASSERT_EQ(0, kill(pid, SIGSTOP));
	CKPT_WAIT_STOPPED(pid);
	t_stop = ckpt_now();
	ASSERT_LT(t_stop, st.mono + RB_WAIT - 0.3) TH_LOG("stopped too late to tell");
	t_ckpt0 = ckpt_now();
	CKPT_TAKE(&c, pid);
	t_ckpt1 = ckpt_now();
	ckpt_kill(pid);

	sleep_until(t_ckpt1 + RB_GAP);
	ASSERT_TRUE(ckpt_restart_wait(_metadata, &c, 30));
	CKPT_SKIP_IF_RESTART_UNSUPPORTED(&c);
	ckpt_expect_ok(_metadata, &c, "the restarted process");

	elapsed = c.t_exit - c.t_restart;
	if (variant->absolute) {
		/* Ends at its deadline: same offset on both clocks. */
		EXPECT_TRUE(c.t_exit >= st.mono + RB_WAIT - 0.01 &&
			    c.t_exit <= st.mono + RB_WAIT + RB_LATE)
			TH_LOG("ended %.3f s after its absolute deadline",
			       c.t_exit - (st.mono + RB_WAIT));
		return;
	}
	/*
	 * The time left was taken during the checkpoint (or at the stop when
	 * the call wrote it back itself): between these bounds.
	 */
	if (variant->written_back) {
		lo = RB_WAIT - (t_stop - st.mono);
		hi = RB_WAIT - (t_kill - st.mono);
	} else {
		lo = RB_WAIT - (t_ckpt1 - st.mono);
		hi = RB_WAIT - (t_ckpt0 - st.mono);
	}
	EXPECT_TRUE(elapsed >= lo - RB_EARLY && elapsed <= hi + RB_LATE)
		TH_LOG("ended %.3f s after the restart; %.3f to %.3f s were left "
		       "(full timeout %.3f s, %.3f s from checkpoint to restart)",
		       elapsed, lo, hi, RB_WAIT, c.t_restart - t_ckpt1);
}

TEST_HARNESS_MAIN
