// SPDX-License-Identifier: GPL-2.0
/*
 * Process state a program reads back about itself, set to a value other
 * than the default before the checkpoint and read again after restart:
 * prctl(2) settings, /proc/self files, membarrier(2) registrations, the
 * per-user process count of its credentials, an expired periodic timer.
 * See Documentation/checkpoint/state.rst for the table these tests follow.
 */
#include "ckpt_task.h"

#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/io_uring.h>
#include <linux/membarrier.h>
#include <linux/seccomp.h>
#include <linux/userfaultfd.h>
#include <mqueue.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/resource.h>
#include <sys/time.h>

#ifndef PR_SET_IO_FLUSHER
#define PR_SET_IO_FLUSHER		57
#define PR_GET_IO_FLUSHER		58
#endif
#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK		0x40000000
#endif

#ifndef PR_SET_MDWE
#define PR_SET_MDWE			65
#define PR_GET_MDWE			66
#define PR_MDWE_REFUSE_EXEC_GAIN	(1UL << 0)
#endif

static int read_int(const char *path)
{
	char buf[64];

	if (ckpt_read_file(path, buf, sizeof(buf)) < 0)
		return -99999;
	return atoi(buf);
}

static bool write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok;
}

static unsigned long read_hex(const char *path)
{
	char buf[64];

	if (ckpt_read_file(path, buf, sizeof(buf)) < 0)
		return ~0UL;
	return strtoul(buf, NULL, 16);
}

/* ---- prctl(2) and /proc/self state ---- */

static void prctl_target(void *arg)
{
	int sig = 0;

	(void)arg;
	SETUP(!prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0));
	SETUP(!prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	SETUP(!prctl(PR_SET_PDEATHSIG, SIGUSR2, 0, 0, 0));
	SETUP(!prctl(PR_SET_DUMPABLE, 0, 0, 0, 0));
	SETUP(!prctl(PR_SET_TIMERSLACK, 123457, 0, 0, 0));
	SETUP(write_str("/proc/self/oom_score_adj", "400"));
	SETUP(write_str("/proc/self/coredump_filter", "0x3b"));
	SETUP(read_int("/proc/self/oom_score_adj") == 400);

	ckpt_stop();

	CHECKF(prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) == 1, "thp_disable %d",
	       prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
	CHECK(!prctl(PR_GET_CHILD_SUBREAPER, &sig, 0, 0, 0) && sig == 1);
	sig = 0;
	CHECKF(!prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0) && sig == SIGUSR2, "pdeathsig %d", sig);
	CHECKF(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0, "dumpable %d",
	       prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
	CHECKF(prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0) == 123457, "timerslack %d",
	       prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0));
	CHECKF(read_int("/proc/self/oom_score_adj") == 400, "oom_score_adj %d",
	       read_int("/proc/self/oom_score_adj"));
	CHECKF(read_hex("/proc/self/coredump_filter") == 0x3b, "coredump_filter %#lx",
	       read_hex("/proc/self/coredump_filter"));
	/* PR_SET_TIMERSLACK 0 goes back to the default of the original. */
	CHECK(!prctl(PR_SET_TIMERSLACK, 0, 0, 0, 0));
	CHECK(prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0) == 50000);
}

TEST(prctl_and_proc_state)
{
	CKPT_RUN_SIMPLE(prctl_target, NULL);
}

/* The restarter's own settings must not leak into the restarted process. */
static int restarter_settings(void *arg)
{
	(void)arg;
	if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) ||
	    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) ||
	    !write_str("/proc/self/oom_score_adj", "700") ||
	    !write_str("/proc/self/coredump_filter", "0x1"))
		return -1;
	return 0;
}

static void defaults_target(void *arg)
{
	unsigned long filter = read_hex("/proc/self/coredump_filter");
	int sig = 1;

	(void)arg;
	SETUP(filter != 0x1 && filter != ~0UL);
	SETUP(read_int("/proc/self/oom_score_adj") == 0);
	ckpt_stop();

	CHECK(prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) == 0);
	CHECK(!prctl(PR_GET_CHILD_SUBREAPER, &sig, 0, 0, 0) && sig == 0);
	CHECKF(read_int("/proc/self/oom_score_adj") == 0, "oom_score_adj %d",
	       read_int("/proc/self/oom_score_adj"));
	CHECKF(read_hex("/proc/self/coredump_filter") == filter, "coredump_filter %#lx",
	       read_hex("/proc/self/coredump_filter"));
	CHECK(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 1);
}

TEST(restarter_settings_not_inherited)
{
	struct ckpt_ctx c;

	ckpt_ctx_init(&c);
	c.hook = restarter_settings;
	CKPT_RUN(&c, defaults_target, NULL);
}

/* A lower OOM score floor than the restarter's own needs CAP_SYS_RESOURCE. */
static void oom_target(void *arg)
{
	(void)arg;
	SETUP(write_str("/proc/self/oom_score_adj", "-500"));
	ckpt_stop();
	CHECK(read_int("/proc/self/oom_score_adj") == -500);
}

static int drop_sys_resource(void *arg)
{
	(void)arg;
	/* The restarter's floor is 0 now: it cannot go below it. */
	if (!write_str("/proc/self/oom_score_adj", "0"))
		return -1;
	return prctl(PR_CAPBSET_DROP, CAP_SYS_RESOURCE, 0, 0, 0) ? -1 : 0;
}

static int drop_sys_resource_caps(void *arg)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (drop_sys_resource(arg) || syscall(SYS_capget, &h, d))
		return -1;
	d[0].effective &= ~(1u << CAP_SYS_RESOURCE);
	d[0].permitted &= ~(1u << CAP_SYS_RESOURCE);
	d[0].inheritable &= ~(1u << CAP_SYS_RESOURCE);
	return syscall(SYS_capset, &h, d) ? -1 : 0;
}

TEST(oom_score_adj_floor)
{
	struct ckpt_ctx c;
	pid_t pid;

	if (geteuid()) {
		SKIP(return, "needs root");
	}
	/* As root the floor may go down. */
	CKPT_RUN_SIMPLE(oom_target, NULL);

	/* Without CAP_SYS_RESOURCE, restart refuses it and the caller goes on. */
	ckpt_ctx_init(&c);
	pid = ckpt_fork_target(&c, oom_target, NULL);
	ASSERT_LT(0, pid);
	CKPT_WAIT_STOPPED(pid);
	CKPT_TAKE(&c, pid);
	ckpt_kill(pid);
	c.hook = drop_sys_resource_caps;
	ckpt_expect_restart_refused(_metadata, &c, EPERM, "OOM score");
}

/* ---- memory state of the mm: MDWE, mlockall(MCL_FUTURE) ---- */

static void mm_state_target(void *arg)
{
	long pg = sysconf(_SC_PAGESIZE);
	void *p;

	(void)arg;
	SETUP(!mlockall(MCL_FUTURE));
	SETUP(!prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0));

	ckpt_stop();

	CHECKF(prctl(PR_GET_MDWE, 0, 0, 0, 0) == (int)PR_MDWE_REFUSE_EXEC_GAIN, "mdwe %d",
	       prctl(PR_GET_MDWE, 0, 0, 0, 0));
	/* MDWE: no new mapping that is both writable and executable. */
	p = mmap(NULL, pg, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	CHECK(p == MAP_FAILED);
	/* MCL_FUTURE: a new mapping is locked. */
	p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	CHECKF(ckpt_smaps_kb(p, "Locked:") == pg / 1024, "Locked: %ld kB",
	       ckpt_smaps_kb(p, "Locked:"));
}

TEST(mdwe_and_mlockall_future)
{
	CKPT_RUN_SIMPLE(mm_state_target, NULL);
}

/* ---- membarrier(2) registrations ---- */

static int membarrier(int cmd, unsigned int flags)
{
	return syscall(__NR_membarrier, cmd, flags, 0);
}

static void membarrier_target(void *arg)
{
	(void)arg;
	SETUP(!membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0));
	SETUP(!membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0));
	SETUP(!membarrier(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0));

	ckpt_stop();

	CHECKF(!membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0), "%s", strerror(errno));
	CHECKF(!membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0), "%s", strerror(errno));
}

static void membarrier_none_target(void *arg)
{
	(void)arg;
	ckpt_stop();
	/* Not registered: the command fails as it did before. */
	CHECK(membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0) == -1 && errno == EPERM);
}

static int restarter_membarrier(void *arg)
{
	(void)arg;
	return membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0);
}

TEST(membarrier_registrations)
{
	struct ckpt_ctx c;

	CKPT_RUN_SIMPLE(membarrier_target, NULL);
	ckpt_ctx_init(&c);
	c.hook = restarter_membarrier;
	CKPT_RUN(&c, membarrier_none_target, NULL);
}

/* ---- credentials: the per-user process count ---- */

#define CKPT_TEST_UID	18943

static void uid_change_target(void *arg)
{
	long rounds = (long)arg;

	SETUP(!setresgid(CKPT_TEST_UID, CKPT_TEST_UID, CKPT_TEST_UID));
	SETUP(!setresuid(CKPT_TEST_UID, CKPT_TEST_UID, CKPT_TEST_UID));

	ckpt_stop();

	for (long i = 0; i < rounds; i++) {
		int status = -1;
		pid_t pid = fork();

		CHECK(pid >= 0);
		if (pid == 0)
			_exit(setuid(CKPT_TEST_UID) ? 1 : 0);
		CHECK(waitpid(pid, &status, 0) == pid);
		CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	}
}

/* Restarted as root with another uid: forks, setuid()s and waits (no WARNING). */
TEST(uid_change_fork_setuid_wait)
{
	if (geteuid()) {
		SKIP(return, "needs root");
	}
	CKPT_RUN_SIMPLE(uid_change_target, (void *)50L);
}

static void nproc_target(void *arg)
{
	struct rlimit r = { 1, 1 };
	pid_t pid;

	(void)arg;
	SETUP(!setrlimit(RLIMIT_NPROC, &r));
	SETUP(!setresgid(CKPT_TEST_UID, CKPT_TEST_UID, CKPT_TEST_UID));
	SETUP(!setresuid(CKPT_TEST_UID, CKPT_TEST_UID, CKPT_TEST_UID));
	/* One process of the user, this one: no room for another. */
	pid = fork();
	if (pid == 0)
		_exit(0);
	SETUP(pid == -1 && errno == EAGAIN);

	ckpt_stop();

	/* The restarted process is the user's one process. */
	pid = fork();
	if (pid == 0)
		_exit(0);
	CHECKF(pid == -1 && errno == EAGAIN, "fork returned %d (%s)", (int)pid,
	       strerror(errno));
}

/* RLIMIT_NPROC of the image's user holds for the restarted process. */
TEST(rlimit_nproc_of_the_image_user)
{
	if (geteuid()) {
		SKIP(return, "needs root");
	}
	CKPT_RUN_SIMPLE(nproc_target, NULL);
}

/* ---- scheduling: policy, nice, real-time priority, I/O flusher ---- */

struct sched_arg {
	int policy;		/* with SCHED_RESET_ON_FORK, maybe */
	int prio;		/* real-time priority */
	int nice;
	bool io_flusher;
};

static void sched_target(void *arg)
{
	struct sched_arg *a = arg;
	struct sched_param sp = { .sched_priority = a->prio };

	SETUP(!setpriority(PRIO_PROCESS, 0, a->nice));
	SETUP(!sched_setscheduler(0, a->policy, &sp));
	if (a->io_flusher)
		SETUP(!prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0));
	SETUP(sched_getscheduler(0) == a->policy);

	ckpt_stop();

	CHECKF(sched_getscheduler(0) == a->policy, "policy %#x, was %#x",
	       sched_getscheduler(0), a->policy);
	errno = 0;
	CHECKF(getpriority(PRIO_PROCESS, 0) == a->nice && !errno, "nice %d, was %d",
	       getpriority(PRIO_PROCESS, 0), a->nice);
	sp.sched_priority = -1;
	CHECK(!sched_getparam(0, &sp));
	CHECKF(sp.sched_priority == a->prio, "priority %d, was %d", sp.sched_priority, a->prio);
	CHECKF(prctl(PR_GET_IO_FLUSHER, 0, 0, 0, 0) == a->io_flusher, "io_flusher %d",
	       prctl(PR_GET_IO_FLUSHER, 0, 0, 0, 0));
}

/* The restarter's own: a nice value, SCHED_IDLE, the I/O flusher flag. */
static int restarter_sched(void *arg)
{
	struct sched_param sp = { 0 };

	(void)arg;
	if (setpriority(PRIO_PROCESS, 0, 9) || sched_setscheduler(0, SCHED_IDLE, &sp) ||
	    prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0))
		return -1;
	return 0;
}

TEST(sched_policy_nice_and_io_flusher)
{
	struct sched_arg batch = { SCHED_BATCH | SCHED_RESET_ON_FORK, 0, 7, true };
	struct sched_arg fifo = { SCHED_FIFO, 5, -3, false };
	struct sched_arg idle = { SCHED_IDLE, 0, 12, false };
	struct sched_arg normal = { SCHED_OTHER, 0, 0, false };
	struct ckpt_ctx c;

	if (geteuid()) {
		SKIP(return, "needs root");
	}
	CKPT_RUN_SIMPLE(sched_target, &batch);
	CKPT_RUN_SIMPLE(sched_target, &fifo);
	CKPT_RUN_SIMPLE(sched_target, &idle);
	/* A restarter's own settings do not stay. */
	ckpt_ctx_init(&c);
	c.hook = restarter_sched;
	CKPT_RUN(&c, sched_target, &normal);
}

/* Drop capability @arg (an int *) from the restarter. */
static int drop_cap(void *arg)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	int cap = *(int *)arg;

	if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) || syscall(SYS_capget, &h, d))
		return -1;
	d[cap / 32].effective &= ~(1u << cap % 32);
	d[cap / 32].permitted &= ~(1u << cap % 32);
	d[cap / 32].inheritable &= ~(1u << cap % 32);
	return syscall(SYS_capset, &h, d) ? -1 : 0;
}

/* Restart the image of sched_target(@a) without capability @cap: EPERM. */
static void sched_refused(struct __test_metadata *_metadata, struct sched_arg *a, int cap,
			  const char *word)
{
	struct rlimit none = { 0, 0 };
	struct ckpt_ctx c;
	pid_t pid;

	ckpt_ctx_init(&c);
	pid = ckpt_fork_target(&c, sched_target, a);
	ASSERT_LT(0, pid);
	CKPT_WAIT_STOPPED(pid);
	CKPT_TAKE(&c, pid);
	ckpt_kill(pid);
	/* No RLIMIT_NICE or RLIMIT_RTPRIO to fall back on either. */
	ASSERT_EQ(0, setrlimit(RLIMIT_NICE, &none));
	ASSERT_EQ(0, setrlimit(RLIMIT_RTPRIO, &none));
	c.hook = drop_cap;
	c.hook_arg = &cap;
	ckpt_expect_restart_refused(_metadata, &c, EPERM, word);
	close(c.img);
}

/* What sched_setattr(2) and prctl(2) would refuse the caller, restart refuses. */
TEST(sched_above_the_restarter_refused)
{
	struct sched_arg nice = { SCHED_OTHER, 0, -4, false };
	struct sched_arg fifo = { SCHED_FIFO, 3, 0, false };
	struct sched_arg flusher = { SCHED_OTHER, 0, 0, true };

	if (geteuid()) {
		SKIP(return, "needs root");
	}
	sched_refused(_metadata, &nice, CAP_SYS_NICE, "nice value -4");
	sched_refused(_metadata, &fifo, CAP_SYS_NICE, "real-time priority 3");
	sched_refused(_metadata, &flusher, CAP_SYS_RESOURCE, "PR_SET_IO_FLUSHER");
}

/* ---- speculation control: refused ---- */

#ifndef PR_SPEC_L1D_FLUSH
#define PR_SPEC_L1D_FLUSH	2
#endif

struct spec_arg {
	unsigned long which, value;
};

static void spec_target(void *arg)
{
	struct spec_arg *a = arg;

	SETUP(!prctl(PR_SET_SPECULATION_CTRL, a->which, a->value, 0, 0));
	ckpt_stop();
}

/*
 * A speculation control set by prctl() is refused at checkpoint, where the
 * CPU and the kernel offer it; where they do not, no task can have one.
 */
TEST(speculation_control_refused)
{
	struct spec_arg ctl[] = {
		{ PR_SPEC_STORE_BYPASS, PR_SPEC_DISABLE },
		{ PR_SPEC_INDIRECT_BRANCH, PR_SPEC_DISABLE },
		{ PR_SPEC_L1D_FLUSH, PR_SPEC_ENABLE },
	};
	int settable = 0;

	for (size_t i = 0; i < ARRAY_SIZE(ctl); i++) {
		int status, v;
		pid_t pid = fork();

		if (pid == 0)
			_exit(prctl(PR_SET_SPECULATION_CTRL, ctl[i].which, ctl[i].value, 0, 0) ?
			      1 : 0);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			CKPT_RUN_REFUSED(spec_target, &ctl[i], EOPNOTSUPP, "speculation control");
			settable++;
			continue;
		}
		v = prctl(PR_GET_SPECULATION_CTRL, ctl[i].which, 0, 0, 0);
		EXPECT_TRUE(v < 0 || !(v & PR_SPEC_PRCTL))
			TH_LOG("control %lu reads %#x but cannot be set", ctl[i].which, v);
	}
	TH_LOG("%d of %zu speculation controls can be set here", settable, ARRAY_SIZE(ctl));
}

/*
 * ---- seccomp filters ----
 * Two filters, the second with SECCOMP_FILTER_FLAG_LOG: after restart the
 * process is in filter mode with two filters, each still fails its system
 * call with its errno and lets the others through, and a child forked
 * after restart inherits them.
 */
static void seccomp_filters_target(void *arg)
{
	pid_t child;
	int st;

	(void)arg;
	SETUP(!prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	SETUP(!ckpt_seccomp_errno(SYS_uname, EDOM, 0));
	SETUP(!ckpt_seccomp_errno(SYS_getpriority, ERANGE, SECCOMP_FILTER_FLAG_LOG));
	SETUP(ckpt_syscall_errno(SYS_uname) == EDOM &&
	      ckpt_syscall_errno(SYS_getpriority) == ERANGE);
	SETUP(ckpt_status_field("Seccomp") == SECCOMP_MODE_FILTER &&
	      ckpt_status_field("Seccomp_filters") == 2);

	ckpt_stop();

	CHECK(prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == SECCOMP_MODE_FILTER);
	CHECKF(ckpt_status_field("Seccomp_filters") == 2, "%ld filters",
	       ckpt_status_field("Seccomp_filters"));
	CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);
	CHECKF(ckpt_syscall_errno(SYS_uname) == EDOM, "uname: errno %d",
	       ckpt_syscall_errno(SYS_uname));
	CHECKF(ckpt_syscall_errno(SYS_getpriority) == ERANGE, "getpriority: errno %d",
	       ckpt_syscall_errno(SYS_getpriority));
	CHECK(getppid() > 0 && ckpt_syscall_errno(SYS_getpid) == 0);
	child = fork();
	if (child == 0)
		_exit(ckpt_syscall_errno(SYS_uname) == EDOM &&
		      ckpt_syscall_errno(SYS_getpriority) == ERANGE &&
		      ckpt_status_field("Seccomp_filters") == 2 ? 0 : 1);
	CHECK(child > 0 && waitpid(child, &st, 0) == child && WIFEXITED(st) &&
	      WEXITSTATUS(st) == 0);
}

TEST(seccomp_filters_kept)
{
	CKPT_RUN_SIMPLE(seccomp_filters_target, NULL);
}

/*
 * ---- state refused at checkpoint ----
 * Each row of Documentation/checkpoint/state.rst left "refused": the test
 * kernels have every one of these features (harness/configs/), the target
 * sets the state up, and checkpoint(2) must fail with EOPNOTSUPP and a
 * line naming it; the original, continued, goes on unharmed.
 */

/* A seccomp filter whose notifications a listener (its fd 3) takes. */
static void seccomp_listener_target(void *arg)
{
	int fd;

	(void)arg;
	SETUP(!prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	fd = ckpt_seccomp_errno(SYS_uname, EDOM, SECCOMP_FILTER_FLAG_NEW_LISTENER);
	SETUP(ckpt_move_fd(fd, 3) == 3);
	ckpt_stop();
	CHECK(prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == SECCOMP_MODE_FILTER);
}

TEST(seccomp_listener_refused)
{
	CKPT_RUN_REFUSED(seccomp_listener_target, NULL, EOPNOTSUPP, "seccomp");
}

#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE	67
#define PR_GET_MEMORY_MERGE	68
#endif

/* KSM: one region with MADV_MERGEABLE (@arg NULL), or the whole process. */
static void ksm_target(void *arg)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *p;

	p = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SETUP(p != MAP_FAILED);
	memset(p, 0x3c, 4 * pg);
	if (arg)
		SETUP(!prctl(PR_SET_MEMORY_MERGE, 1, 0, 0, 0));
	else
		SETUP(!madvise(p, 4 * pg, MADV_MERGEABLE));
	ckpt_stop();
	CHECK(p[0] == 0x3c && p[4 * pg - 1] == 0x3c);
}

TEST(ksm_refused)
{
	static int whole = 1;

	CKPT_RUN_REFUSED(ksm_target, NULL, EOPNOTSUPP, "KSM");
	CKPT_RUN_REFUSED(ksm_target, &whole, EOPNOTSUPP, "KSM");
}

static void userfaultfd_target(void *arg)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	char *p;
	int fd;

	(void)arg;
	p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SETUP(p != MAP_FAILED);
	fd = syscall(__NR_userfaultfd, O_CLOEXEC);
	SETUP(fd >= 0);
	SETUP(!ioctl(fd, UFFDIO_API, &api));
	reg.range.start = (uintptr_t)p;
	reg.range.len = 2 * pg;
	SETUP(!ioctl(fd, UFFDIO_REGISTER, &reg));
	ckpt_stop();
	CHECK(!ioctl(fd, UFFDIO_UNREGISTER, &reg.range));
}

TEST(userfaultfd_refused)
{
	CKPT_RUN_REFUSED(userfaultfd_target, NULL, EOPNOTSUPP, "userfaultfd");
}

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT	0x01
#endif

static void lock_onfault_target(void *arg)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *p;

	(void)arg;
	p = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SETUP(p != MAP_FAILED);
	SETUP(!syscall(__NR_mlock2, p, 4 * pg, MLOCK_ONFAULT));
	p[0] = 1;
	ckpt_stop();
	CHECK(p[0] == 1);
}

TEST(mlock_onfault_refused)
{
	CKPT_RUN_REFUSED(lock_onfault_target, NULL, EOPNOTSUPP, "MLOCK_ONFAULT");
}

struct ckpt_sched_attr {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
};

#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE	6
#endif

static void deadline_target(void *arg)
{
	struct ckpt_sched_attr a = {
		.size = sizeof(a), .sched_policy = SCHED_DEADLINE,
		.sched_runtime = 2000000, .sched_deadline = 50000000,
		.sched_period = 50000000,
	};

	(void)arg;
	SETUP(!syscall(__NR_sched_setattr, 0, &a, 0));
	SETUP(sched_getscheduler(0) == SCHED_DEADLINE);
	ckpt_stop();
	CHECK(sched_getscheduler(0) == SCHED_DEADLINE);
}

TEST(sched_deadline_refused)
{
	if (geteuid()) {
		SKIP(return, "needs root");
	}
	CKPT_RUN_REFUSED(deadline_target, NULL, EOPNOTSUPP, "scheduling policy 6");
}

static void cpu_timer_target(void *arg)
{
	struct sigevent ev = { .sigev_notify = SIGEV_NONE };
	struct itimerspec its = { .it_value = { 100, 0 } }, now;
	timer_t t, cpu, own;
	clockid_t parent;

	(void)arg;
	SETUP(!timer_create(CLOCK_MONOTONIC, &ev, &t));
	SETUP(!timer_create(CLOCK_THREAD_CPUTIME_ID, &ev, &own));
	SETUP(!clock_getcpuclockid(getppid(), &parent));
	SETUP(!timer_create(parent, &ev, &cpu));
	SETUP(!timer_settime(cpu, 0, &its, NULL));
	ckpt_stop();
	CHECK(!timer_gettime(cpu, &now) && now.it_value.tv_sec > 0);
}

/*
 * A POSIX timer on the CPU-time clock of another process is named; those
 * on its own clocks are not the cause.
 */
TEST(posix_timer_cpu_clock_refused)
{
	CKPT_RUN_REFUSED(cpu_timer_target, NULL, EOPNOTSUPP,
			 "has POSIX timer 2 on the CPU-time clock of another process");
}

static void io_uring_target(void *arg)
{
	struct io_uring_params p = { };
	int fd;

	(void)arg;
	fd = syscall(__NR_io_uring_setup, 4, &p);
	SETUP(fd >= 0);
	ckpt_stop();
	CHECK(!close(fd));
}

TEST(io_uring_refused)
{
	CKPT_RUN_REFUSED(io_uring_target, NULL, EOPNOTSUPP, "io_uring");
}

static void sem_undo_target(void *arg)
{
	struct sembuf up = { .sem_num = 0, .sem_op = 1, .sem_flg = SEM_UNDO };
	int id;

	(void)arg;
	id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	SETUP(id >= 0);
	SETUP(!semop(id, &up, 1));
	ckpt_stop();
	CHECK(semctl(id, 0, GETVAL) == 1);
	CHECK(!semctl(id, 0, IPC_RMID));
}

TEST(sysv_semaphore_undo_refused)
{
	CKPT_RUN_REFUSED(sem_undo_target, NULL, EOPNOTSUPP, "SysV semaphore undo");
}

static void sysv_shm_target(void *arg)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *p;
	int id;

	(void)arg;
	id = shmget(IPC_PRIVATE, pg, IPC_CREAT | 0600);
	SETUP(id >= 0);
	p = shmat(id, NULL, 0);
	SETUP(p != (void *)-1);
	/* Gone from the namespace, alive while attached. */
	SETUP(!shmctl(id, IPC_RMID, NULL));
	p[0] = 0x71;
	ckpt_stop();
	CHECK(p[0] == 0x71);
	CHECK(!shmdt(p));
}

TEST(sysv_shm_refused)
{
	CKPT_RUN_REFUSED(sysv_shm_target, NULL, EOPNOTSUPP, "SysV shared memory");
}

static void mqueue_target(void *arg)
{
	struct mq_attr attr = { .mq_maxmsg = 4, .mq_msgsize = 16 }, now;
	mqd_t q;

	(void)arg;
	q = mq_open("/ckpt-state-test", O_CREAT | O_RDWR, 0600, &attr);
	SETUP(q != (mqd_t)-1);
	SETUP(!mq_unlink("/ckpt-state-test"));
	SETUP(!mq_send(q, "queued", 6, 1));
	ckpt_stop();
	CHECK(!mq_getattr(q, &now) && now.mq_curmsgs == 1);
}

TEST(posix_message_queue_refused)
{
	CKPT_RUN_REFUSED(mqueue_target, NULL, EOPNOTSUPP, "POSIX message queue");
}

/* /dev/urandom's O_ASYNC entry is on a list private to its driver. */
static void o_async_target(void *arg)
{
	int fd;

	(void)arg;
	fd = open("/dev/urandom", O_RDONLY);
	SETUP(fd >= 0);
	SETUP(!fcntl(fd, F_SETFL, O_ASYNC));
	ckpt_stop();
	CHECK(fcntl(fd, F_GETFL) & O_ASYNC);
}

TEST(o_async_refused)
{
	CKPT_RUN_REFUSED(o_async_target, NULL, EOPNOTSUPP, "O_ASYNC", "not supported");
}

/* ---- an expired periodic ITIMER_REAL ---- */

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void expired_itimer_target(void *arg)
{
	struct itimerval it = { { 0, 40000 }, { 0, 10000 } }, now;
	struct sigaction sa = { .sa_handler = on_alarm };
	sigset_t set, pending;
	double end;

	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	SETUP(!sigaction(SIGALRM, &sa, NULL));
	SETUP(!sigprocmask(SIG_BLOCK, &set, NULL));
	SETUP(!setitimer(ITIMER_REAL, &it, NULL));
	ckpt_sleep(0.1);
	/* Expired, its SIGALRM pending: it reads as 0 until that is taken. */
	SETUP(!getitimer(ITIMER_REAL, &now));
	SETUP(!now.it_value.tv_sec && !now.it_value.tv_usec && now.it_interval.tv_usec == 40000);
	SETUP(!sigpending(&pending) && sigismember(&pending, SIGALRM));

	ckpt_stop();

	CHECK(!sigpending(&pending) && sigismember(&pending, SIGALRM));
	CHECK(!sigprocmask(SIG_UNBLOCK, &set, NULL));
	/* The pending SIGALRM, then one every 40 ms. */
	end = ckpt_now() + 5;
	while (alarms < 4 && ckpt_now() < end)
		ckpt_sleep(0.01);
	CHECKF(alarms >= 4, "%d SIGALRMs in 5 s", (int)alarms);
	CHECK(!getitimer(ITIMER_REAL, &now) && now.it_interval.tv_usec == 40000);
}

TEST(expired_periodic_itimer)
{
	CKPT_RUN_SIMPLE(expired_itimer_target, NULL);
}

TEST_HARNESS_MAIN
