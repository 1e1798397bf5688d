// SPDX-License-Identifier: GPL-2.0
/*
 * Task state across checkpoint(2) and restart(2): command name,
 * personality, resource limits, no_new_privs, the clear_child_tid address
 * and the robust futex list (both shown to work when the restarted process
 * exits), TLS, credentials; self checkpoint; and the refusals: a running
 * target (EBUSY), an unprivileged checkpoint of a root process and an
 * unprivileged restart of a root image (EPERM), a target with a child or a
 * second thread (EOPNOTSUPP).
 */

#include "ckpt_task.h"

#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/utsname.h>
#include <linux/capability.h>
#include <linux/futex.h>
#if defined(__x86_64__)
#include <asm/prctl.h>
#endif

/* ---- command name, personality, limits, no_new_privs ---- */

static void comm_target(void *arg)
{
	char name[16], proc[32];

	(void)arg;
	SETUP(!prctl(PR_SET_NAME, "ckpt-comm-42"));

	ckpt_stop();

	CHECK(!prctl(PR_GET_NAME, name));
	CHECKF(!strcmp(name, "ckpt-comm-42"), "comm \"%s\"", name);
	CHECK(ckpt_read_file("/proc/self/comm", proc, sizeof(proc)) > 0);
	CHECKF(!strcmp(proc, "ckpt-comm-42\n"), "/proc/self/comm \"%s\"", proc);
	/* Not set: stays clear. */
	CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0);
}

TEST(comm)
{
	CKPT_RUN_SIMPLE(comm_target, NULL);
}

#define PERSONA	(PER_LINUX | ADDR_NO_RANDOMIZE | UNAME26 | SHORT_INODE)

static void personality_target(void *arg)
{
	struct utsname before, now;

	(void)arg;
	SETUP(personality(PERSONA) != -1);
	SETUP(personality(0xffffffff) == PERSONA);
	SETUP(!uname(&before));

	ckpt_stop();

	CHECKF(personality(0xffffffff) == PERSONA, "personality %#x",
	       (unsigned int)personality(0xffffffff));
	/* UNAME26 still in effect. */
	CHECK(!uname(&now));
	CHECKF(!strcmp(now.release, before.release), "release \"%s\", was \"%s\"",
	       now.release, before.release);
}

TEST(personality_flags)
{
	CKPT_RUN_SIMPLE(personality_target, NULL);
}

static void rlimits_target(void *arg)
{
	/* Lowered only, so that no privilege is needed; 0: keep the hard limit. */
	static const struct { int res; rlim_t cur, max; } set[] = {
		{ RLIMIT_NOFILE, 200, 0 },
		{ RLIMIT_CORE, 0, 1 << 20 },
		{ RLIMIT_STACK, 4 << 20, 0 },
		{ RLIMIT_CPU, 1000, 2000 },
		{ RLIMIT_MSGQUEUE, 4096, 8192 },
		{ RLIMIT_NPROC, 3000, 4000 },
	};
	struct rlimit before[RLIM_NLIMITS], now;

	(void)arg;
	for (unsigned int i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
		struct rlimit r;

		SETUP(!getrlimit(set[i].res, &r));
		if (set[i].max && set[i].max < r.rlim_max)
			r.rlim_max = set[i].max;
		r.rlim_cur = set[i].cur < r.rlim_max ? set[i].cur : r.rlim_max;
		SETUP(!setrlimit(set[i].res, &r));
	}
	for (int i = 0; i < RLIM_NLIMITS; i++)
		SETUP(!getrlimit(i, &before[i]));

	ckpt_stop();

	for (int i = 0; i < RLIM_NLIMITS; i++) {
		CHECK(!getrlimit(i, &now));
		CHECKF(now.rlim_cur == before[i].rlim_cur && now.rlim_max == before[i].rlim_max,
		       "limit %d: %llu/%llu, was %llu/%llu", i,
		       (unsigned long long)now.rlim_cur, (unsigned long long)now.rlim_max,
		       (unsigned long long)before[i].rlim_cur,
		       (unsigned long long)before[i].rlim_max);
	}
	/* The lowered RLIMIT_NOFILE is enforced. */
	CHECK(dup2(2, 250) == -1 && errno == EBADF);
	CHECK(dup2(2, 150) == 150);
}

TEST(rlimits)
{
	CKPT_RUN_SIMPLE(rlimits_target, NULL);
}

static void nnp_target(void *arg)
{
	(void)arg;
	SETUP(!prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));

	ckpt_stop();

	CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);
}

TEST(no_new_privs)
{
	CKPT_RUN_SIMPLE(nnp_target, NULL);
}

/* ---- clear_child_tid and the robust list ---- */

struct tid_arg {
	char path[64];
};

static struct robust_list_head rhead;
static struct robust_list rentry;
static volatile uint32_t *words;	/* a shared file mapping */
static char watcher_stack[64 * 1024] __attribute__((aligned(16)));

#define TID_MARK	0x7777u

/*
 * Runs in a thread of the restarted process while its main thread exits:
 * the kernel must clear the main thread's clear_child_tid word and mark
 * the robust futex it holds as owner-died.
 */
static int watcher(void *arg)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	int code = 0;

	(void)arg;
	for (int i = 0; i < 50 && __atomic_load_n(&words[1], __ATOMIC_SEQ_CST); i++)
		syscall(SYS_futex, &words[1], FUTEX_WAIT, TID_MARK, &ts, NULL, 0);
	if (words[1] != 0)
		code = 60;	/* clear_child_tid not honoured */
	else if (words[0] != FUTEX_OWNER_DIED)
		code = 61;	/* robust list not walked */
	syscall(SYS_exit_group, code);
	return 0;
}

static void tid_target(void *arg)
{
	struct tid_arg *a = arg;
	struct robust_list_head *head;
	size_t len;
	int fd;

	fd = open(a->path, O_RDWR);
	SETUP(fd >= 0);
	words = mmap(NULL, sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SETUP(words != MAP_FAILED);
	close(fd);
	words[0] = 0;
	words[1] = TID_MARK;
	rhead.list.next = &rentry;
	rentry.next = &rhead.list;
	rhead.futex_offset = (char *)&words[0] - (char *)&rentry;
	rhead.list_op_pending = NULL;
	SETUP(!syscall(SYS_set_robust_list, &rhead, sizeof(rhead)));
	SETUP(syscall(SYS_set_tid_address, &words[1]) == ckpt_gettid());
	SETUP(!syscall(SYS_get_robust_list, 0, &head, &len));
	SETUP(head == &rhead && len == sizeof(rhead));

	ckpt_stop();

	CHECK(!syscall(SYS_get_robust_list, 0, &head, &len));
	CHECKF(head == &rhead && len == sizeof(rhead), "robust list %p+%zu, was %p+%zu",
	       (void *)head, len, (void *)&rhead, sizeof(rhead));
	CHECK(words[1] == TID_MARK);
	/* Hold the robust futex, start the watcher, and leave. */
	words[0] = ckpt_gettid();
	CHECK(clone(watcher, watcher_stack + sizeof(watcher_stack),
		    CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
		    CLONE_SYSVSEM, NULL) > 0);
	syscall(SYS_exit, 0);
}

TEST(tid_address_and_robust_list)
{
	uint32_t w[2] = { 1, 1 };
	struct ckpt_ctx c;
	struct tid_arg a;
	char *page;
	long pg = sysconf(_SC_PAGESIZE);
	int r, fd;

	fd = ckpt_named_file(a.path, sizeof(a.path), "tid");
	ASSERT_LE(0, fd);
	page = calloc(1, pg);
	ASSERT_TRUE(page != NULL);
	ASSERT_EQ(pg, write(fd, page, pg));
	ckpt_ctx_init(&c);
	r = ckpt_run(_metadata, &c, tid_target, &a);
	EXPECT_EQ(sizeof(w), pread(fd, w, sizeof(w), 0));
	close(fd);
	unlink(a.path);
	free(page);
	if (r == CKPT_SKIPPED) {
		SKIP(return, "%s", c.skip);
	}
	EXPECT_EQ(FUTEX_OWNER_DIED, w[0]);
	EXPECT_EQ(0, w[1]);
}

/* ---- TLS ---- */

static __thread uint64_t tls_var = 0x7151;

static void tls_target(void *arg)
{
	uint64_t *addr = &tls_var;
#if defined(__x86_64__)
	unsigned long fs_before = 0, fs_now = 0;

	SETUP(!syscall(SYS_arch_prctl, ARCH_GET_FS, &fs_before));
#elif defined(__s390x__) || defined(__powerpc64__) || defined(__arm__)
	/* The thread pointer: access registers 0 and 1, r13, TPIDRURO. */
	void *tp_before = __builtin_thread_pointer(), *tp_now;
#endif
#if defined(__arm__)
	/* TPIDRURW, the TLS register user space writes itself. */
	unsigned long rw = 0x7e57c0de, rw_now;

	__asm__ volatile("mcr p15, 0, %0, c13, c0, 2" : : "r"(rw));
#endif
	(void)arg;
	tls_var = 0xdeadbeef12345678ULL;

	ckpt_stop();

	CHECK(&tls_var == addr);
	CHECK(tls_var == 0xdeadbeef12345678ULL);
	errno = 0;
	CHECK(close(-1) == -1 && errno == EBADF);
#if defined(__x86_64__)
	CHECK(!syscall(SYS_arch_prctl, ARCH_GET_FS, &fs_now));
	CHECKF(fs_now == fs_before, "fs base %#lx, was %#lx", fs_now, fs_before);
#elif defined(__s390x__) || defined(__powerpc64__) || defined(__arm__)
	tp_now = __builtin_thread_pointer();
	CHECKF(tp_now == tp_before, "thread pointer %p, was %p", tp_now, tp_before);
#endif
#if defined(__arm__)
	__asm__ volatile("mrc p15, 0, %0, c13, c0, 2" : "=r"(rw_now));
	CHECKF(rw_now == rw, "TPIDRURW %#lx, was %#lx", rw_now, rw);
#endif
}

/*
 * Restart through the restart tool: another program, whose thread pointer
 * is not the target's, as the restarter forked from this test's would be.
 */
static int restart_by_tool(void *arg)
{
	struct ckpt_ctx *c = arg;
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", c->img);
	if (fcntl(c->img, F_SETFD, 0))
		return 1;
	execl("/bin/restart", "restart", "-i", path, (char *)NULL);
	return 1;
}

TEST(tls)
{
	struct ckpt_ctx c;

	ckpt_ctx_init(&c);
	c.hook = restart_by_tool;
	c.hook_arg = &c;
	CKPT_RUN(&c, tls_target, NULL);
}

/* ---- credentials ---- */

struct creds {
	uid_t r, e, s;
	gid_t rg, eg, sg;
	gid_t groups[8];
	int ngroups;
	struct __user_cap_data_struct caps[2];
	int keepcaps, securebits, bset_boot, ambient_bind;
};

static void get_creds(struct creds *c)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };

	memset(c, 0, sizeof(*c));
	getresuid(&c->r, &c->e, &c->s);
	getresgid(&c->rg, &c->eg, &c->sg);
	c->ngroups = getgroups(8, c->groups);
	syscall(SYS_capget, &h, c->caps);
	c->keepcaps = prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0);
	c->securebits = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
	c->bset_boot = prctl(PR_CAPBSET_READ, CAP_SYS_BOOT, 0, 0, 0);
	c->ambient_bind = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_BIND_SERVICE, 0, 0);
}

static void creds_target(void *arg)
{
	static const gid_t groups[3] = { 100, 200, 300 };
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	struct creds before, now;

	(void)arg;
	SETUP(!setgroups(3, groups));
	SETUP(!setresgid(1000, 1001, 1002));
	SETUP(!prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
	SETUP(!prctl(PR_CAPBSET_DROP, CAP_SYS_BOOT, 0, 0, 0));
	SETUP(!syscall(SYS_capget, &h, d));
	d[0].inheritable |= 1u << CAP_NET_BIND_SERVICE;
	SETUP(!syscall(SYS_capset, &h, d));
	SETUP(!prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0));
	SETUP(!setresuid(1000, 0, 0));
	get_creds(&before);
	SETUP(before.ngroups == 3 && before.bset_boot == 0 && before.ambient_bind == 1);

	ckpt_stop();

	get_creds(&now);
	CHECKF(now.r == before.r && now.e == before.e && now.s == before.s,
	       "uids %u %u %u", now.r, now.e, now.s);
	CHECKF(now.rg == before.rg && now.eg == before.eg && now.sg == before.sg,
	       "gids %u %u %u", now.rg, now.eg, now.sg);
	CHECKF(now.ngroups == 3 && !memcmp(now.groups, before.groups, sizeof(groups)),
	       "%d groups", now.ngroups);
	CHECK(!memcmp(now.caps, before.caps, sizeof(now.caps)));
	CHECK(now.keepcaps == 1 && now.securebits == before.securebits);
	CHECK(now.bset_boot == 0);
	CHECK(now.ambient_bind == 1);
}

TEST(credentials)
{
	if (geteuid()) {
		SKIP(return, "needs root");
	}
	CKPT_RUN_SIMPLE(creds_target, NULL);
}

/* ---- self checkpoint ---- */

struct self_arg {
	char path[64];
	int logfd;
};

static void __attribute__((noinline)) self_target(void *arg)
{
	struct self_arg *a = arg;
	volatile uint64_t magic = 0x1122334455667788ULL;
	volatile double d = 3.25;
	char local[64];
	struct ckpt_hdr_header h;
	pid_t me = ckpt_getpid();
	struct stat st;
	long id;
	int fd;

	for (int i = 0; i < 64; i++)
		local[i] = i * 3;
	fd = open(a->path, O_RDWR | O_TRUNC);
	SETUP(fd >= 0);
	id = sys_checkpoint(0, fd, CKPT_CHECKPOINT_INHERIT_STDIO, a->logfd);
	if (id < 0)
		_exit(CKPT_EXIT_ERRNO + (errno < 127 ? errno : 127));
	if (id > 0) {
		/* The original: the image is in the file, with this id. */
		CHECK(ckpt_getpid() == me);
		CHECK(pread(fd, &h, sizeof(h), 0) == sizeof(h));
		CHECKF(h.ckpt_id == (uint64_t)id, "id %ld, header says %llu", id,
		       (unsigned long long)h.ckpt_id);
		CHECK(h.flags == CKPT_CHECKPOINT_INHERIT_STDIO);
		CHECK(!fstat(fd, &st) && lseek(fd, 0, SEEK_CUR) == st.st_size);
		return;
	}
	/* The restarted process: 0 from the same call, locals intact. */
	ckpt_restarted = true;
	CHECK(ckpt_getpid() != me);
	CHECK(magic == 0x1122334455667788ULL);
	CHECK(d == 3.25);
	for (int i = 0; i < 64; i++)
		CHECKF(local[i] == (char)(i * 3), "local[%d]", i);
	/* A self checkpoint does not save the descriptor of its image. */
	CHECK(fcntl(fd, F_GETFD) < 0 && errno == EBADF);
}

TEST(self_checkpoint)
{
	struct ckpt_hdr_header h;
	struct self_arg a;
	struct ckpt_ctx c;
	char why[160];
	int status, fd;
	pid_t pid;

	fd = ckpt_named_file(a.path, sizeof(a.path), "self");
	ASSERT_LE(0, fd);
	close(fd);
	ckpt_ctx_init(&c);
	ASSERT_LE(0, c.lp[1]);
	a.logfd = c.lp[1];
	c.keep_fd = c.lp[1];
	pid = ckpt_fork_target(&c, self_target, &a);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(ckpt_wait(pid, &status, 0, 60));
	ckpt_log_collect(&c);
	if (WIFEXITED(status) && WEXITSTATUS(status) > CKPT_EXIT_ERRNO &&
	    ckpt_arch_unsupported(WEXITSTATUS(status) - CKPT_EXIT_ERRNO, c.log)) {
		unlink(a.path);
		SKIP(return, "%s", ckpt_log_text(&c));
	}
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("self checkpoint: %s; log: %s",
		       ckpt_status_str(status, why, sizeof(why)), ckpt_log_text(&c));
	EXPECT_STREQ("", c.log);

	c.img = open(a.path, O_RDONLY);
	ASSERT_LE(0, c.img);
	ASSERT_EQ(sizeof(h), pread(c.img, &h, sizeof(h), 0));
	EXPECT_LT(0, h.ckpt_id);
	ckpt_ckptinfo(_metadata, c.img);

	/* Twice from the same image. */
	for (int i = 0; i < 2; i++) {
		EXPECT_TRUE(ckpt_restart_wait(_metadata, &c, 60));
		if (ckpt_restart_unsupported(&c)) {
			unlink(a.path);
			SKIP(return, "%s", ckpt_log_text(&c));
		}
		ckpt_expect_ok(_metadata, &c, "the restarted process");
	}
	unlink(a.path);
}

/* ---- refusals ---- */

static void spin_target(void *arg)
{
	volatile unsigned long n = 0;

	(void)arg;
	for (;;)
		n++;
}

static void sleep_target(void *arg)
{
	(void)arg;
	for (;;)
		pause();
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

/* A target that is running, or sleeping, but not stopped: EBUSY. */
TEST(running_target_refused)
{
	void (*const fns[2])(void *) = { spin_target, sleep_target };
	const char states[2] = { 'R', 'S' };

	for (int i = 0; i < 2; i++) {
		struct ckpt_ctx c;
		double end;
		pid_t pid;
		int status;

		ckpt_ctx_init(&c);
		pid = ckpt_fork_target(&c, fns[i], NULL);
		ASSERT_LT(0, pid);
		end = ckpt_now() + 10;
		while (proc_state(pid) != states[i] && ckpt_now() < end)
			ckpt_sleep(0.005);
		ckpt_take(&c, pid);
		if (c.id <= 0 && ckpt_arch_unsupported(c.err, c.log)) {
			ckpt_kill(pid);
			SKIP(return, "%s", ckpt_log_text(&c));
		}
		EXPECT_EQ(-1, c.id) TH_LOG("checkpoint of a target in state %c succeeded",
					   proc_state(pid));
		EXPECT_EQ(EBUSY, c.err) TH_LOG("%s; log: %s", strerror(c.err), ckpt_log_text(&c));
		EXPECT_TRUE(ckpt_log_ok(c.log, "checkpoint: ", ""))
			TH_LOG("log: %s", ckpt_log_text(&c));
		EXPECT_EQ(0, lseek(c.img, 0, SEEK_END)) TH_LOG("a refused checkpoint wrote data");
		/* The target goes on. */
		EXPECT_EQ(0, waitpid(pid, &status, WNOHANG));
		EXPECT_NE('T', proc_state(pid));
		ckpt_kill(pid);
	}
}

static void stop_target(void *arg)
{
	(void)arg;
	ckpt_stop();
}

static void drop_privileges(void)
{
	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534))
		_exit(CKPT_EXIT_HOOK);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* nobody may not checkpoint a root process: EPERM, nothing written. */
TEST(unprivileged_checkpoint_refused)
{
	struct ckpt_ctx c;
	char why[160];
	pid_t pid, checker;
	int status;

	if (geteuid()) {
		SKIP(return, "needs root");
	}
	ckpt_ctx_init(&c);
	pid = ckpt_fork_target(&c, stop_target, NULL);
	ASSERT_LT(0, pid);
	CKPT_WAIT_STOPPED(pid);
	c.img = ckpt_tmpfile();
	ASSERT_LE(0, c.img);
	checker = fork();
	ASSERT_LE(0, checker);
	if (checker == 0) {
		drop_privileges();
		if (sys_checkpoint(pid, c.img, c.flags, c.lp[1]) != -1)
			_exit(1);
		_exit(CKPT_EXIT_ERRNO + errno);
	}
	ASSERT_TRUE(ckpt_wait(checker, &status, 0, 60));
	ckpt_log_collect(&c);
	if (WIFEXITED(status) && WEXITSTATUS(status) > CKPT_EXIT_ERRNO &&
	    ckpt_arch_unsupported(WEXITSTATUS(status) - CKPT_EXIT_ERRNO, c.log)) {
		ckpt_kill(pid);
		SKIP(return, "%s", ckpt_log_text(&c));
	}
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == CKPT_EXIT_ERRNO + EPERM)
		TH_LOG("checkpoint by nobody: %s", ckpt_status_str(status, why, sizeof(why)));
	EXPECT_TRUE(ckpt_log_ok(c.log, "checkpoint: ", "permission"))
		TH_LOG("log: %s", ckpt_log_text(&c));
	EXPECT_EQ(0, lseek(c.img, 0, SEEK_END)) TH_LOG("a refused checkpoint wrote data");
	/* The target is unchanged: root can still checkpoint it. */
	CKPT_TAKE(&c, pid);
	ckpt_kill(pid);
}

/*
 * nobody may not restart an image of a root process: EPERM and a log line,
 * and it goes on as itself (exit 42 after printing).
 */
#define RESTART_REFUSED_EXIT	42

TEST(unprivileged_restart_refused)
{
	struct ckpt_ctx c;
	char why[160];
	pid_t pid;
	int status;

	if (geteuid()) {
		SKIP(return, "needs root");
	}
	ckpt_ctx_init(&c);
	pid = ckpt_fork_target(&c, stop_target, NULL);
	ASSERT_LT(0, pid);
	CKPT_WAIT_STOPPED(pid);
	CKPT_TAKE(&c, pid);
	ckpt_kill(pid);

	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		long ret;
		int err;

		drop_privileges();
		ret = sys_restart(0, c.img, 0, c.lp[1]);
		err = errno;
		if (ret != -1)
			_exit(CKPT_EXIT_RESTART_RETURNED);
		if (err != EPERM)
			_exit(CKPT_EXIT_ERRNO + err);
		if (dprintf(2, "# restart refused to uid %d, which goes on\n", (int)getuid()) <= 0 ||
		    getuid() != 65534 || geteuid() != 65534)
			_exit(CKPT_EXIT_CALLER_DAMAGED);
		_exit(RESTART_REFUSED_EXIT);
	}
	ASSERT_TRUE(ckpt_wait(pid, &status, 0, 60));
	ckpt_log_collect(&c);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == RESTART_REFUSED_EXIT)
		TH_LOG("restart by nobody: %s; log: %s",
		       ckpt_status_str(status, why, sizeof(why)), ckpt_log_text(&c));
	EXPECT_TRUE(ckpt_log_ok(c.log, "restart: ", "")) TH_LOG("log: %s", ckpt_log_text(&c));
}

static void child_target(void *arg)
{
	pid_t child;
	int status;

	(void)arg;
	child = fork();
	SETUP(child >= 0);
	if (child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}

	ckpt_stop();

	CHECK(!kill(child, SIGKILL));
	CHECK(waitpid(child, &status, 0) == child);
}

/*
 * A child belongs to the tree that checkpoint(2) saves: stopped alone, the
 * target is refused because its child runs (tree_test has the trees).
 */
TEST(unstopped_child_refused)
{
	CKPT_RUN_REFUSED(child_target, NULL, EBUSY, "is running");
}

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static void thread_target(void *arg)
{
	pthread_t t;

	(void)arg;
	SETUP(!pthread_create(&t, NULL, sleeper, NULL));

	ckpt_stop();

	CHECK(!pthread_kill(t, 0));
}

TEST(thread_refused)
{
	CKPT_RUN_REFUSED(thread_target, NULL, EOPNOTSUPP, "thread");
}

#if defined(__arm__)
/*
 * ---- ARM and Thumb instruction sets ----
 * The target stops itself with a kill(2) SVC issued from an ARM or a
 * Thumb function: it is saved in that instruction set (CPSR.T, the SVC's
 * length for the return) and must go on in it, with the values it holds
 * in r4 and r5 across the stop.
 */
#define ISA_R4		0x56781234UL
#define ISA_R5		0xdef09abcUL

#define ISA_STOP(name, isa)						\
static __attribute__((target(isa), noinline)) unsigned long name(unsigned long pid) \
{									\
	register unsigned long a0 asm("r0") = pid;			\
	register unsigned long a1 asm("r1") = SIGSTOP;			\
	unsigned long out;						\
									\
	__asm__ volatile("movw r4, #0x1234\n\t"				\
			 "movt r4, #0x5678\n\t"				\
			 "movw r5, #0x9abc\n\t"				\
			 "movt r5, #0xdef0\n\t"				\
			 "push {r7}\n\t"				\
			 "mov r7, #37\n\t"	/* __NR_kill */		\
			 "svc #0\n\t"					\
			 "pop {r7}\n\t"					\
			 "eor %[out], r4, r5\n\t"			\
			 : [out] "=&r"(out), "+r"(a0) : "r"(a1)		\
			 : "r4", "r5", "memory");			\
	return out;							\
}

ISA_STOP(stop_in_thumb, "thumb")
ISA_STOP(stop_in_arm, "arm")

static void isa_target(void *arg)
{
	unsigned long (*stop)(unsigned long) = arg;
	unsigned long got;

	ckpt_orig_pid = ckpt_getpid();
	got = stop(ckpt_orig_pid);
	ckpt_restarted = ckpt_getpid() != ckpt_orig_pid;
	CHECK(ckpt_restarted);
	CHECKF(got == (ISA_R4 ^ ISA_R5), "r4 ^ r5 %#lx, was %#lx", got, ISA_R4 ^ ISA_R5);
}

TEST(thumb_state)
{
	CKPT_RUN_SIMPLE(isa_target, (void *)stop_in_thumb);
}

TEST(arm_state)
{
	CKPT_RUN_SIMPLE(isa_target, (void *)stop_in_arm);
}
#endif

/* ---- tracees in states an image cannot hold ---- */

static volatile unsigned long spin_count;

/* A child that lets this process trace it and stops; then exits 42 or spins. */
static pid_t fork_tracee(struct __test_metadata *_metadata, bool spin)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
			_exit(1);
		raise(SIGSTOP);
		while (spin)
			spin_count++;
		_exit(getppid() > 0 ? 42 : 43);
	}
	if (pid < 0)
		return pid;
	EXPECT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP);
	return pid;
}

/* checkpoint(2) of @pid fails with EOPNOTSUPP, a line with @word, nothing written. */
static void expect_tracee_refused(struct __test_metadata *_metadata, pid_t pid,
				  const char *word)
{
	struct ckpt_ctx c;
	int fd;

	ckpt_ctx_init(&c);
	fd = ckpt_tmpfile();
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, sys_checkpoint(pid, fd, 0, c.lp[1]));
	EXPECT_EQ(EOPNOTSUPP, errno);
	ckpt_log_collect(&c);
	EXPECT_TRUE(ckpt_log_ok(c.log, "checkpoint: ", word))
		TH_LOG("log: %s", ckpt_log_text(&c));
	EXPECT_EQ(0, lseek(fd, 0, SEEK_END)) TH_LOG("a refused checkpoint wrote to the image");
	close(fd);
}

/*
 * A task in a ptrace stop at system call entry has the registers of a call
 * under way, not a state to resume from: the checkpoint is refused, and
 * the task goes on.
 */
TEST(syscall_stop_refused)
{
	int status;
	pid_t pid = fork_tracee(_metadata, false);

	ASSERT_LT(0, pid);
	ASSERT_EQ(0, ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)PTRACE_O_TRACESYSGOOD));
	ASSERT_EQ(0, ptrace(PTRACE_SYSCALL, pid, NULL, NULL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSTOPPED(status) && WSTOPSIG(status) == (SIGTRAP | 0x80))
		TH_LOG("not at a system call stop: status %#x", status);

	expect_tracee_refused(_metadata, pid, "system call stop");

	/* Untouched: its call completes once it is let go. */
	EXPECT_EQ(0, ptrace(PTRACE_DETACH, pid, NULL, NULL));
	EXPECT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 42)
		TH_LOG("status %#x", status);
}

/* arm has no ptrace single-step: debuggers plant breakpoints instead. */
#if !defined(__arm__)
/*
 * A task single-stepped by its tracer has debug state in the CPU that an
 * image cannot carry: the checkpoint is refused, and the task goes on.
 */
TEST(single_stepped_refused)
{
	int status;
	pid_t pid = fork_tracee(_metadata, true);

	ASSERT_LT(0, pid);
	ASSERT_EQ(0, ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSTOPPED(status) && WSTOPSIG(status) == SIGTRAP)
		TH_LOG("after a single step: status %#x", status);

	expect_tracee_refused(_metadata, pid, "single-stepping");

	/* Untouched: it steps on, and runs on once continued. */
	EXPECT_EQ(0, ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL));
	EXPECT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSTOPPED(status) && WSTOPSIG(status) == SIGTRAP);
	EXPECT_EQ(0, ptrace(PTRACE_DETACH, pid, NULL, NULL));
	ckpt_sleep(0.05);
	EXPECT_EQ(0, waitpid(pid, &status, WNOHANG));
	ckpt_kill(pid);
}
#endif

TEST_HARNESS_MAIN
