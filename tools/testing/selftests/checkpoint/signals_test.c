// SPDX-License-Identifier: GPL-2.0
/*
 * Signals across checkpoint(2) and restart(2): dispositions (handler,
 * flags, mask) compared field by field and still working, the blocked
 * mask, pending signals (private, shared, queued real-time ones with their
 * siginfo), the alternate signal stack, the interval timers and the POSIX
 * timers.
 */

#include "ckpt_task.h"

#include <sys/time.h>

#ifndef SS_AUTODISARM
#define SS_AUTODISARM	(1U << 31)
#endif

#define NSIG_KERNEL	64

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id	_sigev_un._tid
#endif

static bool same_set(const sigset_t *a, const sigset_t *b)
{
	for (int s = 1; s <= NSIG_KERNEL; s++)
		if (sigismember(a, s) != sigismember(b, s))
			return false;
	return true;
}

static sigset_t current_mask(void)
{
	sigset_t m;

	sigprocmask(SIG_BLOCK, NULL, &m);
	return m;
}

/* A hexadecimal field ("SigPnd:") of /proc/self/status. */
static uint64_t status_hex(const char *field)
{
	static char buf[4096];
	unsigned long long v = ~0ULL;
	char *p;

	if (ckpt_read_file("/proc/self/status", buf, sizeof(buf)) < 0)
		return ~0ULL;
	p = strstr(buf, field);
	if (!p || sscanf(p + strlen(field), " %llx", &v) != 1)
		return ~0ULL;
	return v;
}

/* ---- dispositions ---- */

static volatile int got[NSIG_KERNEL + 1];
static volatile int usr1_mask_ok, usr1_info_ok, usr2_nodefer_ok;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	sigset_t m = current_mask();

	(void)uc;
	usr1_mask_ok = sigismember(&m, SIGUSR1) && sigismember(&m, SIGUSR2) &&
		       sigismember(&m, SIGTERM) && !sigismember(&m, SIGINT);
	usr1_info_ok = si->si_signo == SIGUSR1 && si->si_code == SI_USER &&
		       si->si_pid == ckpt_getpid();
	got[sig]++;
}

static void on_usr2(int sig)
{
	sigset_t m = current_mask();

	usr2_nodefer_ok = !sigismember(&m, SIGUSR2);
	got[sig]++;
}

static void on_rt(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	got[sig]++;
}

static void set_action(int sig, void (*handler)(int), void (*action)(int, siginfo_t *, void *),
		       int flags, int m1, int m2)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	if (action)
		sa.sa_sigaction = action;
	else
		sa.sa_handler = handler;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	if (m1)
		sigaddset(&sa.sa_mask, m1);
	if (m2)
		sigaddset(&sa.sa_mask, m2);
	SETUP(!sigaction(sig, &sa, NULL));
}

static struct sigaction before[NSIG_KERNEL + 1];
static bool valid[NSIG_KERNEL + 1];

static void handlers_target(void *arg)
{
	union sigval v = { .sival_int = 5 };
	struct sigaction now;

	(void)arg;
	set_action(SIGUSR1, NULL, on_usr1, SA_SIGINFO | SA_RESTART, SIGUSR2, SIGTERM);
	set_action(SIGUSR2, on_usr2, NULL, SA_NODEFER | SA_RESETHAND, 0, 0);
	set_action(SIGHUP, SIG_IGN, NULL, 0, 0, 0);
	set_action(SIGPIPE, SIG_IGN, NULL, SA_RESTART, SIGHUP, 0);
	set_action(SIGTERM, SIG_DFL, NULL, SA_RESTART, SIGINT, 0);
	set_action(SIGCHLD, SIG_DFL, NULL, SA_NOCLDSTOP | SA_NOCLDWAIT, 0, 0);
	set_action(SIGRTMIN + 3, NULL, on_rt, SA_SIGINFO | SA_ONSTACK, SIGRTMIN + 4, 0);
	set_action(SIGRTMAX, NULL, on_rt, SA_SIGINFO | SA_NODEFER, SIGUSR1, SIGRTMIN);
	for (int s = 1; s <= NSIG_KERNEL; s++)
		valid[s] = !sigaction(s, NULL, &before[s]);

	ckpt_stop();

	for (int s = 1; s <= NSIG_KERNEL; s++) {
		if (!valid[s])
			continue;
		CHECKF(!sigaction(s, NULL, &now), "signal %d", s);
		CHECKF(now.sa_handler == before[s].sa_handler, "signal %d: handler %p, was %p",
		       s, (void *)now.sa_handler, (void *)before[s].sa_handler);
		CHECKF(now.sa_flags == before[s].sa_flags, "signal %d: flags %#x, was %#x", s,
		       (unsigned int)now.sa_flags, (unsigned int)before[s].sa_flags);
		CHECKF(same_set(&now.sa_mask, &before[s].sa_mask), "signal %d: mask", s);
	}
	/* And they work: handler, siginfo, sa_mask, SA_NODEFER, SA_RESETHAND. */
	CHECK(!kill(ckpt_getpid(), SIGUSR1));
	CHECK(got[SIGUSR1] == 1 && usr1_mask_ok && usr1_info_ok);
	{
		sigset_t m = current_mask();

		CHECK(!sigismember(&m, SIGUSR1) && !sigismember(&m, SIGUSR2));
	}
	CHECK(!kill(ckpt_getpid(), SIGUSR2));
	CHECK(got[SIGUSR2] == 1 && usr2_nodefer_ok);
	CHECK(!sigaction(SIGUSR2, NULL, &now) && now.sa_handler == SIG_DFL);
	CHECK(!kill(ckpt_getpid(), SIGHUP));
	CHECK(!sigqueue(ckpt_getpid(), SIGRTMIN + 3, v));
	CHECK(got[SIGRTMIN + 3] == 1);
	CHECK(!sigqueue(ckpt_getpid(), SIGRTMAX, v));
	CHECK(got[SIGRTMAX] == 1);
}

TEST(handlers)
{
	CKPT_RUN_SIMPLE(handlers_target, NULL);
}

/* ---- the blocked mask ---- */

static void count_handler(int sig)
{
	got[sig]++;
}

static void blocked_target(void *arg)
{
	sigset_t set, m;
	uint64_t blk;

	(void)arg;
	set_action(SIGUSR1, count_handler, NULL, 0, 0, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGWINCH);
	sigaddset(&set, SIGRTMIN + 5);
	sigaddset(&set, SIGRTMAX);
	SETUP(!sigprocmask(SIG_SETMASK, &set, NULL));
	blk = status_hex("SigBlk:");

	ckpt_stop();

	m = current_mask();
	CHECK(same_set(&m, &set));
	CHECKF(status_hex("SigBlk:") == blk, "SigBlk %" PRIx64 ", was %" PRIx64,
	       status_hex("SigBlk:"), blk);
	/* Still blocked: a SIGUSR1 waits until it is unblocked. */
	CHECK(!kill(ckpt_getpid(), SIGUSR1));
	CHECK(got[SIGUSR1] == 0);
	CHECK(!sigpending(&m) && sigismember(&m, SIGUSR1));
	CHECK(!sigprocmask(SIG_UNBLOCK, &set, NULL));
	CHECK(got[SIGUSR1] == 1);
}

TEST(blocked_mask)
{
	CKPT_RUN_SIMPLE(blocked_target, NULL);
}

/* ---- pending signals ---- */

struct delivery {
	int signo, code, value;
	pid_t pid;
	uid_t uid;
};

static struct delivery deliveries[16];
static volatile int nr_deliveries;

static void record(int sig, siginfo_t *si, void *uc)
{
	int i = __atomic_fetch_add(&nr_deliveries, 1, __ATOMIC_SEQ_CST);

	(void)uc;
	if (i < 16)
		deliveries[i] = (struct delivery){ sig, si->si_code, si->si_value.sival_int,
						   si->si_pid, si->si_uid };
}

/* Index of the @nth delivery of @sig, or -1. */
static int find_delivery(int sig, int nth)
{
	for (int i = 0; i < nr_deliveries && i < 16; i++)
		if (deliveries[i].signo == sig && nth-- == 0)
			return i;
	return -1;
}

static void pending_target(void *arg)
{
	int rt2 = SIGRTMIN + 2, rt3 = SIGRTMIN + 3, i, j;
	uint64_t pnd, shd;
	siginfo_t si;
	sigset_t set, pending;

	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, rt2);
	sigaddset(&set, rt3);
	SETUP(!sigprocmask(SIG_BLOCK, &set, NULL));
	set_action(SIGUSR1, NULL, record, SA_SIGINFO, 0, 0);
	set_action(SIGUSR2, NULL, record, SA_SIGINFO, 0, 0);
	set_action(rt2, NULL, record, SA_SIGINFO, 0, 0);
	set_action(rt3, NULL, record, SA_SIGINFO, 0, 0);

	/* Private, shared, and two queued instances of a real-time signal. */
	SETUP(!syscall(SYS_tgkill, ckpt_getpid(), ckpt_gettid(), SIGUSR1));
	SETUP(!kill(ckpt_getpid(), SIGUSR2));
	SETUP(!sigqueue(ckpt_getpid(), rt2, (union sigval){ .sival_int = 0x1234abcd }));
	SETUP(!sigqueue(ckpt_getpid(), rt2, (union sigval){ .sival_int = 0x5678 }));
	memset(&si, 0, sizeof(si));
	si.si_signo = rt3;
	si.si_code = SI_QUEUE;
	si.si_pid = ckpt_getpid();
	si.si_uid = getuid();
	si.si_value.sival_int = 77;
	SETUP(!syscall(SYS_rt_tgsigqueueinfo, ckpt_getpid(), ckpt_gettid(), rt3, &si));
	pnd = status_hex("SigPnd:");
	shd = status_hex("ShdPnd:");
	SETUP(pnd == ((1ULL << (SIGUSR1 - 1)) | (1ULL << (rt3 - 1))));
	SETUP(shd == ((1ULL << (SIGUSR2 - 1)) | (1ULL << (rt2 - 1))));

	ckpt_stop();

	CHECKF(status_hex("SigPnd:") == pnd, "SigPnd %" PRIx64 ", was %" PRIx64,
	       status_hex("SigPnd:"), pnd);
	CHECKF(status_hex("ShdPnd:") == shd, "ShdPnd %" PRIx64 ", was %" PRIx64,
	       status_hex("ShdPnd:"), shd);
	CHECK(!sigpending(&pending));
	CHECK(same_set(&pending, &set));
	CHECK(nr_deliveries == 0);

	CHECK(!sigprocmask(SIG_UNBLOCK, &set, NULL));

	CHECKF(nr_deliveries == 5, "%d signals delivered", nr_deliveries);
	i = find_delivery(SIGUSR1, 0);
	CHECK(i >= 0 && deliveries[i].code == SI_TKILL && deliveries[i].pid == ckpt_orig_pid);
	i = find_delivery(SIGUSR2, 0);
	CHECK(i >= 0 && deliveries[i].code == SI_USER && deliveries[i].pid == ckpt_orig_pid);
	CHECK(deliveries[i].uid == getuid());
	/* Queued real-time signals keep their order and their values. */
	i = find_delivery(rt2, 0);
	j = find_delivery(rt2, 1);
	CHECK(i >= 0 && j > i);
	CHECKF(deliveries[i].code == SI_QUEUE && deliveries[i].value == 0x1234abcd,
	       "code %d value %#x", deliveries[i].code, deliveries[i].value);
	CHECKF(deliveries[j].code == SI_QUEUE && deliveries[j].value == 0x5678,
	       "code %d value %#x", deliveries[j].code, deliveries[j].value);
	CHECK(deliveries[i].pid == ckpt_orig_pid);
	i = find_delivery(rt3, 0);
	CHECK(i >= 0 && deliveries[i].code == SI_QUEUE && deliveries[i].value == 77);
	CHECK(!sigpending(&pending));
	sigemptyset(&set);
	CHECK(same_set(&pending, &set));
}

TEST(pending_signals)
{
	CKPT_RUN_SIMPLE(pending_target, NULL);
}

/* Checkpoint does not consume them: the original still gets them all. */
TEST(pending_signals_original_unchanged)
{
	struct ckpt_ctx c;

	ckpt_ctx_init(&c);
	c.continue_original = true;
	CKPT_RUN(&c, pending_target, NULL);
}

/* ---- the alternate signal stack ---- */

#define ALTSTACK_SIZE	(64 * 1024)

static stack_t alt;
static volatile int on_alt, disarmed;

static void on_altstack(int sig, siginfo_t *si, void *uc)
{
	char here;
	stack_t cur;

	(void)si;
	(void)uc;
	on_alt = (char *)&here >= (char *)alt.ss_sp &&
		 (char *)&here < (char *)alt.ss_sp + alt.ss_size;
	disarmed = !sigaltstack(NULL, &cur) && (cur.ss_flags & SS_DISABLE);
	got[sig]++;
}

static void altstack_target(void *arg)
{
	stack_t now;

	(void)arg;
	alt.ss_sp = mmap(NULL, ALTSTACK_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SETUP(alt.ss_sp != MAP_FAILED);
	alt.ss_size = ALTSTACK_SIZE;
	alt.ss_flags = SS_AUTODISARM;
	SETUP(!sigaltstack(&alt, NULL));
	/*
	 * SA_SIGINFO: only rt_sigreturn() gives back the stack the frame
	 * saved (s390 uses a frame without it for the other handlers).
	 */
	set_action(SIGUSR1, NULL, on_altstack, SA_SIGINFO | SA_ONSTACK, 0, 0);

	ckpt_stop();

	CHECK(!sigaltstack(NULL, &now));
	CHECKF(now.ss_sp == alt.ss_sp && now.ss_size == alt.ss_size,
	       "%p+%zu, was %p+%zu", now.ss_sp, now.ss_size, alt.ss_sp, alt.ss_size);
	CHECKF(now.ss_flags == SS_AUTODISARM, "flags %#x", now.ss_flags);
	CHECK(!kill(ckpt_getpid(), SIGUSR1));
	CHECK(got[SIGUSR1] == 1 && on_alt && disarmed);
	/* Re-armed when the handler returned. */
	CHECK(!sigaltstack(NULL, &now) && now.ss_sp == alt.ss_sp &&
	      now.ss_flags == SS_AUTODISARM);
}

TEST(alternate_signal_stack)
{
	CKPT_RUN_SIMPLE(altstack_target, NULL);
}

#if !defined(__x86_64__)
/*
 * ---- a handler that returns through the kernel's trampoline ----
 * Installed without SA_RESTORER (the C library always gives one), its
 * return goes through the sigreturn code the kernel maps: the vdso on
 * s390x and powerpc, the [sigpage] on arm.  It must be where the restarted
 * process has it.  (x86_64 requires SA_RESTORER.)
 */
struct raw_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

static volatile int raw_got;

static void on_raw(int sig)
{
	(void)sig;
	raw_got++;
}

static void raw_handler_target(void *arg)
{
	struct raw_sigaction sa = { .handler = on_raw };
	struct raw_sigaction rt = { .handler = on_raw, .flags = SA_SIGINFO };

	(void)arg;
	SETUP(!syscall(SYS_rt_sigaction, SIGUSR1, &sa, NULL, sizeof(sa.mask)));
	SETUP(!syscall(SYS_rt_sigaction, SIGUSR2, &rt, NULL, sizeof(rt.mask)));
	SETUP(!kill(ckpt_getpid(), SIGUSR1) && raw_got == 1);

	ckpt_stop();

	CHECK(!kill(ckpt_getpid(), SIGUSR1));
	CHECKF(raw_got == 2, "handler ran %d times", raw_got);
	CHECK(!kill(ckpt_getpid(), SIGUSR2));
	CHECKF(raw_got == 3, "handler ran %d times", raw_got);
}

TEST(handler_without_restorer)
{
	CKPT_RUN_SIMPLE(raw_handler_target, NULL);
}
#endif

/* ---- interval timers ---- */

static double tv(const struct timeval *t)
{
	return t->tv_sec + t->tv_usec / 1e6;
}

static long long tv_us(const struct timeval *t)
{
	return t->tv_sec * 1000000LL + t->tv_usec;
}

static void itimers_target(void *arg)
{
	static const int which[3] = { ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF };
	static const struct itimerval set[3] = {
		{ .it_value = { 0, 500000 }, .it_interval = { 0, 200000 } },
		{ .it_value = { 100, 0 }, .it_interval = { 50, 0 } },
		{ .it_value = { 200, 0 }, .it_interval = { 60, 250000 } },
	};
	struct itimerval old[3], now;
	double end;

	(void)arg;
	set_action(SIGALRM, count_handler, NULL, SA_RESTART, 0, 0);
	for (int i = 0; i < 3; i++)
		SETUP(!setitimer(which[i], &set[i], NULL));
	for (int i = 0; i < 3; i++)
		SETUP(!getitimer(which[i], &old[i]));

	ckpt_stop();

	for (int i = 0; i < 3; i++) {
		CHECK(!getitimer(which[i], &now));
		/*
		 * Counting down from where it was, not reset, not disarmed;
		 * setting it again may round it up by a 100 Hz tick.
		 */
		CHECKF(tv_us(&now.it_value) > 0 &&
		       tv_us(&now.it_value) <= tv_us(&old[i].it_value) + 10000,
		       "timer %d: %.6f s left, %.6f s at checkpoint", which[i],
		       tv(&now.it_value), tv(&old[i].it_value));
		CHECKF(now.it_interval.tv_sec == set[i].it_interval.tv_sec &&
		       now.it_interval.tv_usec == set[i].it_interval.tv_usec,
		       "timer %d: interval %.6f s", which[i], tv(&now.it_interval));
	}
	/* ITIMER_REAL fires, then again after its interval. */
	end = ckpt_now() + 5;
	while (got[SIGALRM] < 2 && ckpt_now() < end)
		ckpt_sleep(0.01);
	CHECKF(got[SIGALRM] >= 2, "SIGALRM came %d times", got[SIGALRM]);
}

TEST(itimers)
{
	CKPT_RUN_SIMPLE(itimers_target, NULL);
}

/* ---- POSIX timers ---- */

#define NR_PTIMERS	4
#define PTIMER_GAP	1.0

static timer_t ptimer[NR_PTIMERS];
static volatile int ptimer_n[NR_PTIMERS], ptimer_overrun[NR_PTIMERS];
static volatile int ptimer_first_overrun[NR_PTIMERS], ptimer_value[NR_PTIMERS];
static volatile pid_t ptimer_tid[NR_PTIMERS];
static volatile double ptimer_at[NR_PTIMERS];

static void on_ptimer(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	for (int i = 0; i < NR_PTIMERS; i++) {
		if (si->si_code != SI_TIMER || si->si_timerid != (int)(intptr_t)ptimer[i])
			continue;
		if (!ptimer_n[i])
			ptimer_first_overrun[i] = si->si_overrun;
		ptimer_overrun[i] = si->si_overrun;
		ptimer_value[i] = si->si_value.sival_int;
		ptimer_tid[i] = ckpt_gettid();
		ptimer_at[i] = ckpt_clock(CLOCK_REALTIME);
		ptimer_n[i]++;
	}
}

static double its_value(const struct itimerspec *its)
{
	return ckpt_ts(&its->it_value);
}

static void posix_timers_target(void *arg)
{
	int rt4 = SIGRTMIN + 4, rt5 = SIGRTMIN + 5;
	struct sigevent ev[NR_PTIMERS] = {
		{ .sigev_notify = SIGEV_SIGNAL, .sigev_signo = rt4, .sigev_value.sival_int = 0x1111 },
		{ .sigev_notify = SIGEV_SIGNAL, .sigev_signo = rt5, .sigev_value.sival_int = 0x2222 },
		{ .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = rt5, .sigev_value.sival_int = 0x3333 },
		{ .sigev_notify = SIGEV_NONE },
	};
	static const clockid_t clk[NR_PTIMERS] = {
		CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME, CLOCK_MONOTONIC,
	};
	struct itimerspec set[NR_PTIMERS] = {
		/* Periodic, expired: its signal waits, blocked, to re-arm it. */
		{ .it_interval = { 0, 20000000 }, .it_value = { 0, 1000000 } },
		/* A deadline on the wall clock, 6 s ahead (set below). */
		{ },
		/* One-shot, to this thread. */
		{ .it_value = { 3, 0 } },
		/* No signal, periodic. */
		{ .it_interval = { 2, 0 }, .it_value = { 10, 0 } },
	};
	struct itimerspec old[NR_PTIMERS], now;
	struct sigevent none = { .sigev_notify = SIGEV_NONE };
	struct timespec rt;
	timer_t gone, next;
	double deadline, moved, end, t0, t1;
	sigset_t set_rt, pending;

	(void)arg;
	set_action(rt4, NULL, on_ptimer, SA_SIGINFO | SA_RESTART, 0, 0);
	set_action(rt5, NULL, on_ptimer, SA_SIGINFO | SA_RESTART, 0, 0);
	sigemptyset(&set_rt);
	sigaddset(&set_rt, rt4);
	sigaddset(&set_rt, rt5);
	SETUP(!sigprocmask(SIG_BLOCK, &set_rt, NULL));
	ev[2].sigev_notify_thread_id = ckpt_gettid();
	SETUP(!clock_gettime(CLOCK_REALTIME, &rt));
	set[1].it_value.tv_sec = rt.tv_sec + 6;
	set[1].it_value.tv_nsec = rt.tv_nsec;
	deadline = ckpt_ts(&set[1].it_value);
	for (int i = 0; i < NR_PTIMERS; i++) {
		SETUP(!timer_create(clk[i], &ev[i], &ptimer[i]));
		SETUP(!timer_settime(ptimer[i], i == 1 ? TIMER_ABSTIME : 0, &set[i], NULL));
	}
	/* A timer deleted: the next timer_create() does not take its id. */
	SETUP(!timer_create(CLOCK_MONOTONIC, &none, &gone));
	SETUP(!timer_delete(gone));
	ckpt_sleep(0.1);
	for (int i = 0; i < NR_PTIMERS; i++)
		SETUP(!timer_gettime(ptimer[i], &old[i]));
	SETUP(!sigpending(&pending) && sigismember(&pending, rt4));

	ckpt_stop();

	/* The same ids (the signals below carry them), the deleted one gone. */
	CHECK(timer_gettime(gone, &now) == -1 && errno == EINVAL);
	for (int i = 0; i < NR_PTIMERS; i++) {
		CHECKF(!timer_gettime(ptimer[i], &now), "timer %d: %s", i, strerror(errno));
		CHECKF(now.it_interval.tv_sec == set[i].it_interval.tv_sec &&
		       now.it_interval.tv_nsec == set[i].it_interval.tv_nsec,
		       "timer %d: interval %.6f s", i, ckpt_ts(&now.it_interval));
		if (i == 1)
			continue;
		/*
		 * Counting down from where it was: the time between is not
		 * counted.  A periodic timer past its first expiry reads the
		 * time to its next period, which comes round again.
		 */
		if (its_value(&old[i]) <= ckpt_ts(&set[i].it_interval))
			CHECKF(its_value(&now) > 0 &&
			       its_value(&now) <= ckpt_ts(&set[i].it_interval) + 0.01,
			       "timer %d: %.6f s left, period %.6f s", i, its_value(&now),
			       ckpt_ts(&set[i].it_interval));
		else
			CHECKF(its_value(&now) > 0 &&
			       its_value(&now) <= its_value(&old[i]) + 0.01,
			       "timer %d: %.6f s left, %.6f s at checkpoint", i,
			       its_value(&now), its_value(&old[i]));
		if (ckpt_restarted && !set[i].it_interval.tv_nsec)
			CHECKF(its_value(&now) >= its_value(&old[i]) - PTIMER_GAP / 2,
			       "timer %d: %.6f s left, %.6f s at checkpoint: the gap counted",
			       i, its_value(&now), its_value(&old[i]));
	}
	/* The deadline is kept: between the two clock reads around the timer's. */
	t0 = ckpt_clock(CLOCK_REALTIME);
	CHECK(!timer_gettime(ptimer[1], &now));
	t1 = ckpt_clock(CLOCK_REALTIME);
	/*
	 * Restarted after it (the original ran first), it expired: 0 left, or
	 * 1 ns until it queues its signal.
	 */
	if (t1 < deadline)
		CHECKF(t0 + its_value(&now) > deadline - 0.01 &&
		       t1 + its_value(&now) < deadline + 0.01,
		       "deadline moved by %.6f to %.6f s", t0 + its_value(&now) - deadline,
		       t1 + its_value(&now) - deadline);
	else
		CHECKF(!now.it_value.tv_sec && now.it_value.tv_nsec <= 1,
		       "%.9f s left, %.6f s after the deadline", its_value(&now), t1 - deadline);
	CHECK(!sigpending(&pending) && sigismember(&pending, rt4));
	CHECK(!ptimer_n[0] && !ptimer_n[1] && !ptimer_n[2]);
	CHECK(!timer_create(CLOCK_MONOTONIC, &none, &next));
	CHECKF((intptr_t)next == (intptr_t)gone + 1, "new timer %d after %d",
	       (int)(intptr_t)next, (int)(intptr_t)gone);
	CHECK(!timer_delete(next));

	/*
	 * The periodic timer's signal counts the periods it missed before
	 * the checkpoint, and its delivery re-arms the timer; the one-shot
	 * timer fires at this thread with the time it had left.  SIGEV_NONE
	 * sends nothing.
	 */
	t0 = ckpt_clock(CLOCK_REALTIME);
	CHECK(!sigprocmask(SIG_UNBLOCK, &set_rt, NULL));
	end = ckpt_now() + 8;
	while ((ptimer_n[0] < 3 || !ptimer_n[1] || !ptimer_n[2]) && ckpt_now() < end)
		ckpt_sleep(0.005);
	CHECKF(ptimer_n[0] >= 3, "the periodic timer's signal came %d times", ptimer_n[0]);
	CHECKF(ptimer_first_overrun[0] >= 3, "first overrun %d", ptimer_first_overrun[0]);
	CHECK(ptimer_value[0] == 0x1111);
	CHECK(timer_getoverrun(ptimer[0]) >= 0);
	CHECKF(ptimer_n[2] == 1 && ptimer_value[2] == 0x3333 && ptimer_tid[2] == ckpt_gettid(),
	       "one-shot: %d signals, value %#x, tid %d", ptimer_n[2], ptimer_value[2],
	       ptimer_tid[2]);
	/* The wall-clock timer at its deadline (or at once if it passed), with its value. */
	moved = ptimer_at[1] - (t0 > deadline ? t0 : deadline);
	CHECKF(ptimer_n[1] == 1 && ptimer_value[1] == 0x2222 && moved > -0.01 && moved < 2,
	       "deadline timer: %d signals, value %#x, %.3f s late", ptimer_n[1],
	       ptimer_value[1], moved);
	for (int i = 0; i < NR_PTIMERS; i++)
		CHECK(!timer_delete(ptimer[i]));
}

/* Restarted PTIMER_GAP s after the checkpoint, which relative timers do not count. */
TEST(posix_timers)
{
	struct ckpt_ctx c;

	ckpt_ctx_init(&c);
	c.gap = PTIMER_GAP;
	CKPT_RUN(&c, posix_timers_target, NULL);
}

/*
 * Timers on CPU-time clocks: a one-shot on the process's, a periodic one
 * on the thread's, and one without a signal on the process's clock named
 * by its pid (clock_getcpuclockid()).  CPU time does not pass while the
 * process is stopped or restarted: each has the CPU time left it had, and
 * fires once the restarted process has spent it.
 */
#define NR_CPU_TIMERS	3

static volatile int cpu_fired[NR_CPU_TIMERS];
static volatile double cpu_fired_at[NR_CPU_TIMERS];

static void on_cpu_timer(int sig, siginfo_t *si, void *uc)
{
	int i = si->si_value.sival_int;

	(void)sig;
	(void)uc;
	if (si->si_code != SI_TIMER || i < 0 || i >= NR_CPU_TIMERS)
		return;
	if (!cpu_fired[i])
		cpu_fired_at[i] = ckpt_clock(CLOCK_PROCESS_CPUTIME_ID);
	cpu_fired[i]++;
}

/* Spend @secs of CPU time, or until @done() holds. */
static void spin_cpu(double secs, bool (*done)(void))
{
	double end = ckpt_clock(CLOCK_THREAD_CPUTIME_ID) + secs;

	while (ckpt_clock(CLOCK_THREAD_CPUTIME_ID) < end && !(done && done()))
		;
}

static bool cpu_timers_done(void)
{
	return cpu_fired[0] && cpu_fired[1] >= 3;
}

static void cpu_timers_target(void *arg)
{
	int rt6 = SIGRTMIN + 6;
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = rt6 };
	struct sigevent none = { .sigev_notify = SIGEV_NONE };
	struct itimerspec set[NR_CPU_TIMERS] = {
		{ .it_value = { 0, 400000000 } },
		{ .it_value = { 0, 300000000 }, .it_interval = { 0, 100000000 } },
		{ .it_value = { 100, 0 } },
	};
	struct itimerspec old[NR_CPU_TIMERS], now;
	clockid_t clk[NR_CPU_TIMERS] = { CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID };
	timer_t tm[NR_CPU_TIMERS];
	double t0;

	(void)arg;
	set_action(rt6, NULL, on_cpu_timer, SA_SIGINFO | SA_RESTART, 0, 0);
	SETUP(!clock_getcpuclockid(getpid(), &clk[2]));
	/* CPU time on the clocks before the timers: their old base is far. */
	spin_cpu(0.5, NULL);
	for (int i = 0; i < NR_CPU_TIMERS; i++) {
		ev.sigev_value.sival_int = i;
		SETUP(!timer_create(clk[i], i == 2 ? &none : &ev, &tm[i]));
		SETUP(!timer_settime(tm[i], 0, &set[i], NULL));
	}
	spin_cpu(0.1, NULL);
	for (int i = 0; i < NR_CPU_TIMERS; i++)
		SETUP(!timer_gettime(tm[i], &old[i]));
	SETUP(!cpu_fired[0] && !cpu_fired[1]);

	ckpt_stop();

	t0 = ckpt_clock(CLOCK_PROCESS_CPUTIME_ID);
	for (int i = 0; i < NR_CPU_TIMERS; i++) {
		CHECKF(!timer_gettime(tm[i], &now), "timer %d: %s", i, strerror(errno));
		CHECKF(its_value(&now) <= its_value(&old[i]) + 0.01 &&
		       its_value(&now) > its_value(&old[i]) - 0.2,
		       "timer %d: %.6f s of CPU time left, %.6f s at checkpoint", i,
		       its_value(&now), its_value(&old[i]));
		CHECKF(ckpt_ts(&now.it_interval) == ckpt_ts(&set[i].it_interval),
		       "timer %d: interval %.6f s", i, ckpt_ts(&now.it_interval));
	}
	spin_cpu(3, cpu_timers_done);
	CHECKF(cpu_fired[0] == 1 && cpu_fired[1] >= 3, "fired %d and %d times", cpu_fired[0],
	       cpu_fired[1]);
	/* Each fired once the CPU time it had left was spent (ticks apart). */
	for (int i = 0; i < 2; i++)
		CHECKF(cpu_fired_at[i] - t0 >= its_value(&old[i]) - 0.2 &&
		       cpu_fired_at[i] - t0 <= its_value(&old[i]) + 0.15,
		       "timer %d fired after %.3f s of CPU time, %.3f s were left", i,
		       cpu_fired_at[i] - t0, its_value(&old[i]));
	CHECK(!timer_gettime(tm[2], &now) && its_value(&now) > 99);
}

TEST(posix_timers_cpu_clocks)
{
	CKPT_RUN_SIMPLE(cpu_timers_target, NULL);
}

/* A restarter with no room left under its RLIMIT_SIGPENDING. */
static int no_sigpending(void *arg)
{
	struct rlimit none = { 0, 0 };

	(void)arg;
	return setrlimit(RLIMIT_SIGPENDING, &none);
}

/*
 * Restart allocates the timers before its point of no return, charged to
 * its caller within its RLIMIT_SIGPENDING as timer_create(2) would: over
 * it, EAGAIN and a line, and the caller goes on.
 */
TEST(posix_timers_over_rlimit_refused)
{
	struct ckpt_ctx c;
	pid_t pid;

	ckpt_ctx_init(&c);
	pid = ckpt_fork_target(&c, posix_timers_target, NULL);
	ASSERT_LT(0, pid);
	CKPT_WAIT_STOPPED(pid);
	CKPT_TAKE(&c, pid);
	ckpt_kill(pid);
	c.hook = no_sigpending;
	ckpt_expect_restart_refused(_metadata, &c, EAGAIN, "cannot allocate 4 POSIX timers");
	close(c.img);
}

/* Checkpoint pauses them, and lets them run again: the original still has them. */
TEST(posix_timers_original_unchanged)
{
	struct ckpt_ctx c;

	ckpt_ctx_init(&c);
	c.continue_original = true;
	CKPT_RUN(&c, posix_timers_target, NULL);
}

TEST_HARNESS_MAIN
