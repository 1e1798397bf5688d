// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of process trees: a pipeline of processes passing
 * data through the checkpoint, zombies and SIGCHLD, process groups and
 * sessions, a container (the init of a pid namespace and its tasks), and
 * the refusals.
 *
 * A tree reports at its end: every task sends the root a struct report with
 * its ids before the checkpoint and after it, and what it measured; the
 * root writes them all on its fd 1, which after restart is the restorer's
 * (the image inherits fds 0-2) and reaches the test.  The original tree is
 * killed after the checkpoint, so every report comes from the restored
 * one.
 */

#include "ckpt_task.h"

#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <linux/capability.h>
#include <linux/futex.h>
#include <linux/sched.h>

#define MAX_TASKS	12

struct report {
	int32_t idx;		/* which task of the tree, 0 for the root */
	int32_t pid0, ppid0, pgid0, sid0;	/* at its start */
	int32_t pid1, ppid1, pgid1, sid1;	/* at its end, after restart */
	int32_t val[4];		/* what the test measured */
};

/* The fds of a tree task, set by tree_start(). */
static int pid_fd = -1;	/* write its pid there, at the start */
static int rep_fd = -1;	/* write its report there, at the end */
static int rep_in = -1;	/* the root reads the reports there */

static void ids(int32_t *p)
{
	p[0] = getpid();
	p[1] = getppid();
	p[2] = getpgrp();
	p[3] = getsid(0);
}

/* The start of every task of a tree: its ids, and its pid to the test. */
static void task_start(struct report *r, int idx)
{
	int32_t pid = getpid();

	memset(r, 0, sizeof(*r));
	r->idx = idx;
	ids(&r->pid0);
	if (write(pid_fd, &pid, sizeof(pid)) != sizeof(pid))
		_exit(90);
}

/* After the fork of every task: the pid fd is the parent's business. */
static void task_started(void)
{
	close(pid_fd);
	pid_fd = -1;
}

static void task_report(struct report *r)
{
	ids(&r->pid1);
	if (write(rep_fd, r, sizeof(*r)) != sizeof(*r))
		_exit(91);
}

/* Sleep @s seconds in all, whatever interrupts it. */
static void nap(double s)
{
	struct timespec t = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	while (nanosleep(&t, &t) && errno == EINTR)
		;
}

/* The root: read @n reports of its descendants, add its own, write all. */
static void root_finish(struct report *r, int n)
{
	struct report all[MAX_TASKS];
	int i;

	for (i = 0; i < n; i++)
		if (read(rep_in, &all[i + 1], sizeof(all[0])) != sizeof(all[0]))
			_exit(92);
	ids(&r->pid1);
	all[0] = *r;
	if (write(1, all, (n + 1) * sizeof(all[0])) != (ssize_t)((n + 1) * sizeof(all[0])))
		_exit(93);
	_exit(0);
}

/* Fork a task of the tree running @fn(@idx); the parent goes on. */
static pid_t tree_fork(void (*fn)(int), int idx)
{
	pid_t pid = fork();

	if (pid == 0) {
		fn(idx);
		_exit(0);
	}
	return pid;
}

/* Wait for child @pid; its exit code, or 100 + the signal that killed it. */
static int reap(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 99;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

struct tree {
	pid_t pids[MAX_TASKS];	/* as the test sees them */
	int n;
	pid_t root;
	int img;
	int lp[2];
	char log[512];
	long id;
	int err;
};

/*
 * Fork the root of a tree of @n tasks running @fn and read their pids.
 * The tree keeps no fd of the test but fds 0-2 and what tree_start() gives.
 */
static int tree_start(struct tree *t, void (*fn)(int), int n)
{
	int pp[2], rp[2], got = 0;

	memset(t, 0, sizeof(*t));
	t->n = n;
	t->img = -1;
	if (pipe(pp) || ckpt_log_pipe(t->lp))
		return -1;
	fflush(NULL);
	t->root = fork();
	if (t->root < 0)
		return -1;
	if (t->root == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (ckpt_drop_shared_anon() || pipe(rp) || dup2(pp[1], 3) < 0 ||
		    dup2(rp[0], 4) < 0 || dup2(rp[1], 5) < 0)
			_exit(94);
		syscall(SYS_close_range, 6, ~0U, 0);
		pid_fd = 3;
		rep_in = 4;
		rep_fd = 5;
		fn(0);
		_exit(0);
	}
	close(pp[1]);
	while (got < n) {
		ssize_t r = read(pp[0], &t->pids[got], sizeof(pid_t));

		if (r != sizeof(pid_t))
			break;
		got++;
	}
	close(pp[0]);
	return got == n ? 0 : -1;
}

/* Is the task of @path (a stat file) stopped (or a zombie)? */
static bool stat_stopped(const char *path)
{
	char buf[512], *p;
	ssize_t n;

	n = ckpt_read_file(path, buf, sizeof(buf));
	if (n <= 0)
		return false;
	p = strrchr(buf, ')');
	return p && (p[2] == 'T' || p[2] == 'Z' || p[2] == 't');
}

/* Is task @pid stopped (or a zombie), with every thread of its process? */
static bool stopped(pid_t pid)
{
	char path[80];
	struct dirent *e;
	bool all = true;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (!stat_stopped(path))
		return false;
	/* A group stop reaches the threads one by one. */
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	while (d && all && (e = readdir(d))) {
		if (atoi(e->d_name) <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, atoi(e->d_name));
		all = stat_stopped(path);
	}
	if (d)
		closedir(d);
	return all;
}

/* SIGSTOP every task of the tree; true when all are stopped. */
static bool tree_stop(struct tree *t)
{
	double end = ckpt_now() + 30;
	int i;

	for (i = 0; i < t->n; i++)
		kill(t->pids[i], SIGSTOP);
	for (i = 0; i < t->n; i++)
		while (!stopped(t->pids[i])) {
			if (ckpt_now() > end)
				return false;
			ckpt_sleep(0.005);
		}
	return true;
}

static long tree_checkpoint_flags(struct tree *t, pid_t pid, unsigned long flags)
{
	if (t->img >= 0)
		close(t->img);
	t->img = ckpt_tmpfile();
	t->id = sys_checkpoint(pid, t->img, flags, t->lp[1]);
	t->err = t->id < 0 ? errno : 0;
	if (ckpt_log_read(t->lp[0], t->log, sizeof(t->log)) < 0)
		t->log[0] = '\0';
	lseek(t->img, 0, SEEK_SET);
	return t->id;
}

static long tree_checkpoint(struct tree *t, pid_t pid)
{
	return tree_checkpoint_flags(t, pid, CKPT_CHECKPOINT_INHERIT_STDIO);
}

/*
 * Kill the original tree and reap it all: the test is a child subreaper,
 * so that the orphans come to it and their pids are free afterwards.
 */
static void tree_kill(struct tree *t)
{
	int i, st;

	for (i = 0; i < t->n; i++)
		kill(t->pids[i], SIGKILL);
	for (i = 0; i < t->n; i++)
		while (waitpid(t->pids[i], &st, __WALL) < 0 && errno == EINTR)
			;
	/* The tasks of a pid namespace go with their init. */
	while (waitpid(-1, &st, __WALL | WNOHANG) > 0)
		;
	/*
	 * A task whose parent was not the test comes to it once its parent
	 * died: reap until every pid is free.
	 */
	for (i = 0; i < t->n; i++) {
		double end = ckpt_now() + 10;

		while (!kill(t->pids[i], 0) && ckpt_now() < end) {
			while (waitpid(-1, &st, __WALL | WNOHANG) > 0)
				;
			ckpt_sleep(0.002);
		}
	}
}

struct restored {
	pid_t restorer;		/* the caller of restart(2) */
	long ret;		/* what restart(2) returned */
	int err;		/* its errno */
	int root_status;	/* the root's exit code (100 + signal) */
	struct report rep[MAX_TASKS];
	int nrep;
	char log[512];
};

/* What every task but the kernel's does, on stderr: for a tree that hangs. */
static void dump_tasks(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char path[300], stat[300] = "", wchan[100] = "", stack[2000] = "";
		int pid = atoi(e->d_name);

		if (pid <= 1)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		ckpt_read_file(path, stat, sizeof(stat));
		if (strstr(stat, "(k") || !strstr(stat, "tree_test"))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/wchan", pid);
		ckpt_read_file(path, wchan, sizeof(wchan));
		snprintf(path, sizeof(path), "/proc/%d/stack", pid);
		ckpt_read_file(path, stack, sizeof(stack));
		for (char *c = stack; *c; c++)
			if (*c == '\n')
				*c = ' ';
		fprintf(stderr, "# task %.80s wchan %s stack %.600s\n", stat, wchan, stack);
		snprintf(path, sizeof(path), "/proc/%d/status", pid);
		if (ckpt_read_file(path, stack, sizeof(stack)) > 0) {
			char *l = strstr(stack, "SigPnd");

			if (l)
				l[strcspn(l, "C")] = '\0';
			fprintf(stderr, "#   %s\n", l ? l : "");
		}
		snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
		if (ckpt_read_file(path, stack, sizeof(stack)) > 0)
			fprintf(stderr, "#   syscall %s", stack);
	}
	if (d)
		closedir(d);
}

/* Wait up to 10 s for @fd to have data or its end; false on timeout. */
static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, 10000) == 1)
		return true;
	dump_tasks();
	return false;
}

/*
 * Restart the image of @t with @flags in a new child, the restorer: its
 * fd 1 is a pipe to the test, where the restored root writes the reports.
 */
static void tree_restart(struct tree *t, unsigned long flags, struct restored *r,
			 void (*hook)(void))
{
	int out[2], info[2];
	ssize_t n;
	char *p;

	memset(r, 0, sizeof(*r));
	lseek(t->img, 0, SEEK_SET);
	if (pipe(out) || pipe(info))
		return;
	ckpt_log_read(t->lp[0], r->log, sizeof(r->log));
	fflush(NULL);
	r->restorer = fork();
	if (r->restorer == 0) {
		long ret;
		int st;

		if (dup2(out[1], 1) < 0)
			_exit(95);
		close(out[0]);
		close(out[1]);
		close(info[0]);
		if (hook)
			hook();
		ret = sys_restart(0, t->img, flags, t->lp[1]);
		st = ret < 0 ? errno : 0;
		if (write(info[1], &ret, sizeof(ret)) != sizeof(ret) ||
		    write(info[1], &st, sizeof(st)) != sizeof(st))
			_exit(96);
		if (ret < 0)
			_exit(97);
		close(1);
		st = reap(ret);
		if (write(info[1], &st, sizeof(st)) != sizeof(st))
			_exit(98);
		_exit(0);
	}
	close(out[1]);
	close(info[1]);
	if (!readable(info[0]) || read(info[0], &r->ret, sizeof(r->ret)) != sizeof(r->ret) ||
	    read(info[0], &r->err, sizeof(r->err)) != sizeof(r->err))
		r->ret = -1;
	p = (char *)r->rep;
	if (r->ret > 0) {
		while (readable(out[0]) &&
		       (n = read(out[0], p, (char *)(r->rep + MAX_TASKS) - p)) > 0)
			p += n;
		r->nrep = (p - (char *)r->rep) / sizeof(r->rep[0]);
		if (!readable(info[0]) ||
		    read(info[0], &r->root_status, sizeof(int)) != sizeof(int))
			r->root_status = -1;
	}
	kill(r->restorer, SIGKILL);
	close(out[0]);
	close(info[0]);
	reap(r->restorer);
	if (ckpt_log_read(t->lp[0], r->log, sizeof(r->log)) < 0)
		r->log[0] = '\0';
}

static const struct report *find_rep(const struct restored *r, int idx)
{
	for (int i = 0; i < r->nrep; i++)
		if (r->rep[i].idx == idx)
			return &r->rep[i];
	return NULL;
}

/* The number a pid of the original tree has after a restart in @mode. */
static int32_t map_pid(int32_t nr, int32_t root0, bool newns)
{
	return newns && nr == root0 ? 1 : nr;
}

/*
 * The ids of every task after restart against its ids before: the same
 * pids (the root's becomes 1 in a new pid namespace, unless it was 1),
 * the same parent (the root's is the restorer), and process groups and
 * sessions of the tree; those of the test seen from a new namespace are 0.
 */
static void check_ids(struct __test_metadata *_metadata, const struct restored *r,
		      int n, bool newns)
{
	const struct report *root = find_rep(r, 0);

	ASSERT_EQ(n, r->nrep) TH_LOG("%d reports of %d tasks", r->nrep, n);
	ASSERT_TRUE(root != NULL);
	for (int i = 0; i < r->nrep; i++) {
		const struct report *e = &r->rep[i];
		int32_t r0 = root->pid0;
		bool outside_sid, outside_pgid;
		int32_t want_pgid, want_sid;
		EXPECT_EQ(map_pid(e->pid0, r0, newns), e->pid1) TH_LOG("task %d", e->idx);
		if (e->idx == 0) {
			/* The restorer, not visible from a new pid namespace. */
			EXPECT_EQ(newns ? 0 : r->restorer, e->ppid1);
		} else {
			EXPECT_EQ(map_pid(e->ppid0, r0, newns), e->ppid1) TH_LOG("task %d", e->idx);
		}
		/* A group or session of a task of the tree, or the test's. */
		outside_sid = true;
		for (int j = 0; j < r->nrep; j++)
			if (r->rep[j].pid0 == e->sid0)
				outside_sid = false;
		want_sid = outside_sid ? (newns ? 0 : e->sid0) : map_pid(e->sid0, r0, newns);
		outside_pgid = true;
		for (int j = 0; j < r->nrep; j++)
			if (r->rep[j].pid0 == e->pgid0)
				outside_pgid = false;
		want_pgid = outside_pgid ? (newns ? 0 : e->pgid0) : map_pid(e->pgid0, r0, newns);
		EXPECT_EQ(want_pgid, e->pgid1) TH_LOG("task %d: pgid %d before", e->idx, e->pgid0);
		EXPECT_EQ(want_sid, e->sid1) TH_LOG("task %d: sid %d before", e->idx, e->sid0);
	}
}

static void setup_subreaper(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
}

/* Start a tree of @n tasks running @fn, let it run @delay s, stop it. */
static void tree_start_stopped(struct __test_metadata *_metadata, struct tree *t,
			       void (*fn)(int), int n, double delay)
{
	ASSERT_EQ(0, tree_start(t, fn, n));
	ckpt_sleep(delay);
	ASSERT_TRUE(tree_stop(t));
}

/* Checkpoint the stopped or frozen tree @t, which logs nothing, and kill it. */
static void tree_save(struct __test_metadata *_metadata, struct tree *t)
{
	ASSERT_LT(0, tree_checkpoint(t, t->root)) TH_LOG("checkpoint: %s; log: %s",
							  strerror(t->err), t->log);
	EXPECT_STREQ("", t->log);
	ckpt_ckptinfo(_metadata, t->img);
	tree_kill(t);
}

/* Restart the image of @t with @flags: the tree runs, its root exits 0. */
static void tree_restore(struct __test_metadata *_metadata, struct tree *t,
			 unsigned long flags, struct restored *r)
{
	tree_restart(t, flags, r, NULL);
	ASSERT_LT(0, r->ret) TH_LOG("restart: %s; log: %s", strerror(r->err), r->log);
	EXPECT_EQ(0, r->root_status);
}

/* ------------------------------------------------------------------ */
/* A pipeline: producer | filter | consumer, under a root, on their    */
/* fds 0 and 1 (saved: not the root's, which are inherited).           */
/* ------------------------------------------------------------------ */

#define PIPE_VALUES	400

static int pipe_a[2], pipe_b[2];

static void producer(int idx)
{
	struct report r;

	task_start(&r, idx);
	task_started();
	close(pipe_a[0]);
	close(pipe_b[0]);
	close(pipe_b[1]);
	/* On its fd 1: the tree's own, saved even with inherited stdio. */
	if (dup2(pipe_a[1], 1) != 1)
		_exit(14);
	close(pipe_a[1]);
	for (int32_t i = 1; i <= PIPE_VALUES; i++) {
		if (write(1, &i, sizeof(i)) != sizeof(i))
			_exit(10);
		nap(0.002);
	}
	close(1);
	task_report(&r);
}

static void filter(int idx)
{
	struct report r;
	int32_t x, y;

	task_start(&r, idx);
	task_started();
	close(pipe_a[1]);
	close(pipe_b[0]);
	if (dup2(pipe_a[0], 0) != 0 || dup2(pipe_b[1], 1) != 1)
		_exit(15);
	close(pipe_a[0]);
	close(pipe_b[1]);
	while (read(0, &x, sizeof(x)) == sizeof(x)) {
		y = 3 * x + 1;
		if (write(1, &y, sizeof(y)) != sizeof(y))
			_exit(11);
	}
	close(1);
	task_report(&r);
}

static void consumer(int idx)
{
	struct report r;
	int32_t y, n = 0, bad = 0;
	int own[2];

	task_start(&r, idx);
	task_started();
	close(pipe_a[0]);
	close(pipe_a[1]);
	close(pipe_b[1]);
	if (dup2(pipe_b[0], 0) != 0)
		_exit(16);
	close(pipe_b[0]);
	/* It owns a pipe of its own (F_SETOWN): after restart too. */
	if (pipe(own) || fcntl(own[0], F_SETOWN, getpid()))
		_exit(13);
	while (read(0, &y, sizeof(y)) == sizeof(y)) {
		n++;
		if (y != 3 * n + 1)
			bad++;
	}
	r.val[0] = n;
	r.val[1] = bad;
	r.val[2] = fcntl(own[0], F_GETOWN);
	task_report(&r);
}

static void pipeline_root(int idx)
{
	struct report r;
	pid_t p, f, c;

	task_start(&r, idx);
	if (pipe(pipe_a) || pipe(pipe_b))
		_exit(12);
	p = tree_fork(producer, 1);
	f = tree_fork(filter, 2);
	c = tree_fork(consumer, 3);
	task_started();
	close(pipe_a[0]);
	close(pipe_a[1]);
	close(pipe_b[0]);
	close(pipe_b[1]);
	/* A specific pid each, after restart. */
	r.val[0] = reap(p);
	r.val[1] = reap(f);
	r.val[2] = reap(c);
	root_finish(&r, 3);
}

#define CGROOT		"/sys/fs/cgroup"
#define CGFREEZE	CGROOT "/ckpt-tree-test"

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n = fd < 0 ? -1 : write(fd, s, strlen(s));

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/*
 * Start the tree in a cgroup of its own: the test moves itself there for
 * the fork, so that every task is born in it, and back.
 */
static int tree_start_in_cgroup(struct tree *t, void (*fn)(int), int n)
{
	char pid[32];
	int ret;

	if (mount("cgroup2", CGROOT, "cgroup2", 0, NULL) && errno != EBUSY)
		return -1;
	rmdir(CGFREEZE);
	if (mkdir(CGFREEZE, 0755))
		return -1;
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (write_str(CGFREEZE "/cgroup.procs", pid))
		return -1;
	ret = tree_start(t, fn, n);
	if (write_str(CGROOT "/cgroup.procs", pid))
		return -1;
	return ret;
}

/* Freeze the tree's cgroup; true once the kernel says it is frozen. */
static bool tree_freeze(void)
{
	double end = ckpt_now() + 30;
	char ev[256];

	if (write_str(CGFREEZE "/cgroup.freeze", "1"))
		return false;
	while (ckpt_now() < end) {
		if (ckpt_read_file(CGFREEZE "/cgroup.events", ev, sizeof(ev)) > 0 &&
		    strstr(ev, "frozen 1"))
			return true;
		ckpt_sleep(0.005);
	}
	return false;
}

static void run_pipeline(struct __test_metadata *_metadata, unsigned long flags, bool newns,
			 bool freeze)
{
	struct restored r;
	const struct report *root, *cons;
	struct tree t;

	setup_subreaper(_metadata);
	if (freeze) {
		ASSERT_EQ(0, tree_start_in_cgroup(&t, pipeline_root, 4));
		ckpt_sleep(0.15);
		ASSERT_TRUE(tree_freeze());
		for (int i = 0; i < 4; i++)
			EXPECT_FALSE(stopped(t.pids[i]));
	} else {
		tree_start_stopped(_metadata, &t, pipeline_root, 4, 0.15);
	}
	tree_save(_metadata, &t);

	tree_restore(_metadata, &t, flags, &r);
	if (!newns)
		EXPECT_EQ(t.pids[0], r.ret);
	check_ids(_metadata, &r, 4, newns);
	root = find_rep(&r, 0);
	cons = find_rep(&r, 3);
	ASSERT_TRUE(root != NULL);
	ASSERT_TRUE(cons != NULL);
	EXPECT_EQ(0, root->val[0]);
	EXPECT_EQ(0, root->val[1]);
	EXPECT_EQ(0, root->val[2]);
	EXPECT_EQ(PIPE_VALUES, cons->val[0]) TH_LOG("the consumer got %d values", cons->val[0]);
	EXPECT_EQ(0, cons->val[1]) TH_LOG("%d values out of order", cons->val[1]);
	EXPECT_EQ(cons->pid1, cons->val[2]) TH_LOG("the owner of the consumer's pipe");
	close(t.img);
	if (freeze)
		EXPECT_EQ(0, rmdir(CGFREEZE));
}

/* Restored with the very pids, in the test's pid namespace. */
TEST(pipeline_same_pids)
{
	run_pipeline(_metadata, CKPT_RESTART_SAME_PIDS, false, false);
}

/* Restored in a new pid namespace: the root is its init. */
TEST(pipeline_new_pidns)
{
	run_pipeline(_metadata, 0, true, false);
}

/*
 * Frozen by the cgroup v2 freezer rather than stopped: the tree is
 * checkpointed in its frozen cgroup, killed there, and restored (in the
 * test's cgroup, not frozen).
 */
TEST(pipeline_frozen_by_cgroup)
{
	run_pipeline(_metadata, CKPT_RESTART_SAME_PIDS, false, true);
}

/* ------------------------------------------------------------------ */
/* A descriptor table and an fs_struct shared by two processes.        */
/* ------------------------------------------------------------------ */

static int sync_p[2];
static int null_fd;

/* clone3() of a process that shares @flags with its parent. */
static pid_t clone_sharing(unsigned long flags, void (*fn)(int), int idx)
{
	struct clone_args args = { .flags = flags, .exit_signal = SIGCHLD };
	pid_t pid = syscall(SYS_clone3, &args, sizeof(args));

	if (pid == 0) {
		fn(idx);
		_exit(0);
	}
	return pid;
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static int cwd_is(const char *want)
{
	char buf[64];

	return getcwd(buf, sizeof(buf)) && !strcmp(buf, want);
}

static void sharer(int idx)
{
	struct report r;
	char c = 'x';

	task_start(&r, idx);
	if (write(sync_p[1], &c, 1) != 1)
		_exit(50);
	/* What the other did before the checkpoint, it sees. */
	nap(0.2);
	r.val[0] = fd_open(30);
	r.val[1] = cwd_is("/tmp");
	/* After restart: changes of its own the other must see. */
	nap(1.0);
	if (dup2(null_fd, 31) != 31 || chdir("/proc") || close(30))
		_exit(51);
	umask(0027);
	if (write(sync_p[1], &c, 1) != 1)
		_exit(52);
	task_report(&r);
}

static void shared_root(int idx)
{
	struct report r;
	pid_t a;
	char c;

	task_start(&r, idx);
	null_fd = open("/dev/null", O_RDONLY);
	if (pipe(sync_p) || null_fd < 0)
		_exit(53);
	umask(0022);
	a = clone_sharing(CLONE_FILES | CLONE_FS, sharer, 1);
	/* Its pid is written: the pid fd may go, for both. */
	if (a < 0 || read(sync_p[0], &c, 1) != 1)
		_exit(54);
	task_started();
	if (dup2(null_fd, 30) != 30 || chdir("/tmp"))
		_exit(55);
	if (read(sync_p[0], &c, 1) != 1)
		_exit(56);
	r.val[0] = fd_open(31) && !fd_open(30);
	r.val[1] = cwd_is("/proc");
	r.val[2] = umask(0);
	r.val[3] = reap(a);
	root_finish(&r, 1);
}

/*
 * CLONE_FILES and CLONE_FS between two processes: after restart a dup2(),
 * close(), chdir() and umask() of one are seen by the other.
 */
TEST(files_and_fs_shared)
{
	const struct report *root, *child;
	struct restored r;
	struct tree t;

	setup_subreaper(_metadata);
	tree_start_stopped(_metadata, &t, shared_root, 2, 0.6);
	tree_save(_metadata, &t);

	tree_restore(_metadata, &t, CKPT_RESTART_SAME_PIDS, &r);
	check_ids(_metadata, &r, 2, false);
	root = find_rep(&r, 0);
	child = find_rep(&r, 1);
	ASSERT_TRUE(root != NULL);
	ASSERT_TRUE(child != NULL);
	EXPECT_EQ(1, child->val[0]) TH_LOG("the root's dup2() before the checkpoint");
	EXPECT_EQ(1, child->val[1]) TH_LOG("the root's chdir() before the checkpoint");
	EXPECT_EQ(1, root->val[0]) TH_LOG("the child's dup2() and close() after restart");
	EXPECT_EQ(1, root->val[1]) TH_LOG("the child's chdir() after restart");
	EXPECT_EQ(0027, root->val[2]) TH_LOG("the child's umask() after restart");
	EXPECT_EQ(0, root->val[3]);
	close(t.img);
}

/*
 * Whether descriptors @a and @b of the caller are one open file: a status
 * flag set through one shows through the other.
 */
static int same_open_file(int a, int b)
{
	int fa = fcntl(a, F_GETFL), fb = fcntl(b, F_GETFL), same;

	if (fa < 0 || fb < 0 || (fb & O_NONBLOCK) || fcntl(a, F_SETFL, fa | O_NONBLOCK))
		return 0;
	same = !!(fcntl(b, F_GETFL) & O_NONBLOCK);
	fcntl(a, F_SETFL, fa);
	return same;
}

static int own_p[2], grp_p[2];

static void owned_child(int idx)
{
	struct report r;
	char c = 'x';

	/* Its own process group, and a copy of the inherited fd 1. */
	if (setpgid(0, 0))
		_exit(69);
	task_start(&r, idx);
	if (dup2(1, 41) != 41 || write(sync_p[1], &c, 1) != 1)
		_exit(70);
	nap(1.0);
	/* After restart: the restorer's fd 1 on both. */
	r.val[0] = same_open_file(41, 1);
	task_report(&r);
}

static void owner_root(int idx)
{
	struct f_owner_ex ex;
	struct report r;
	pid_t child;
	char c;

	task_start(&r, idx);
	if (pipe(sync_p) || pipe(own_p) || pipe(grp_p) || dup2(1, 40) != 40)
		_exit(71);
	child = tree_fork(owned_child, 1);
	if (child < 0 || read(sync_p[0], &c, 1) != 1)
		_exit(72);
	task_started();
	/* Files owned by another task of the tree, and by its group. */
	if (fcntl(own_p[0], F_SETOWN, child) || fcntl(grp_p[0], F_SETOWN, -child))
		_exit(73);
	ex.type = F_OWNER_TID;
	ex.pid = child;
	if (fcntl(own_p[1], F_SETOWN_EX, &ex))
		_exit(74);
	nap(1.0);
	r.val[0] = fcntl(own_p[0], F_GETOWN) == child;
	r.val[1] = fcntl(grp_p[0], F_GETOWN) == -child;
	r.val[2] = !fcntl(own_p[1], F_GETOWN_EX, &ex) && ex.type == F_OWNER_TID &&
		   ex.pid == child;
	r.val[3] = reap(child) == 0 && same_open_file(40, 1);
	/* The reports go out through the dup: the restorer's fd 1 too. */
	if (dup2(40, 1) != 1)
		_exit(75);
	root_finish(&r, 1);
}

/*
 * Files owned (F_SETOWN, F_SETOWN_EX) by another task of the tree or by
 * its process group keep their owner; copies of an inherited descriptor
 * (the root's dup of fd 1, a child's) are the restorer's descriptor too.
 */
TEST(owners_and_inherited_dups)
{
	const struct report *root, *child;
	struct restored r;
	struct tree t;

	setup_subreaper(_metadata);
	tree_start_stopped(_metadata, &t, owner_root, 2, 0.6);
	tree_save(_metadata, &t);

	tree_restore(_metadata, &t, CKPT_RESTART_SAME_PIDS, &r);
	check_ids(_metadata, &r, 2, false);
	root = find_rep(&r, 0);
	child = find_rep(&r, 1);
	ASSERT_TRUE(root != NULL);
	ASSERT_TRUE(child != NULL);
	EXPECT_EQ(1, root->val[0]) TH_LOG("F_SETOWN to the child");
	EXPECT_EQ(1, root->val[1]) TH_LOG("F_SETOWN to the child's process group");
	EXPECT_EQ(1, root->val[2]) TH_LOG("F_SETOWN_EX to the child's thread");
	EXPECT_EQ(1, root->val[3]) TH_LOG("the root's fd 40, a dup of its fd 1");
	EXPECT_EQ(1, child->val[0]) TH_LOG("the child's fd 41, a dup of its fd 1");
	close(t.img);
}

/* ------------------------------------------------------------------ */
/* Unix socket pairs between two processes.                            */
/* ------------------------------------------------------------------ */

/* The pid SO_PEERCRED of @fd reports: the process that made the pair. */
static pid_t peer_pid(int fd)
{
	struct ucred c;
	socklen_t len = sizeof(c);

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c, &len) ? -1 : c.pid;
}

/*
 * Read @want from @fd (a message, or exactly so many next bytes of a
 * stream, whatever the other side wrote after them): 1 if so.
 */
static int got(int fd, const char *want, int flags)
{
	char buf[64];
	ssize_t n = recv(fd, buf, strlen(want), flags | MSG_WAITALL);

	return n == (ssize_t)strlen(want) && !memcmp(buf, want, n);
}

/* A unix socket pair of @type on fds @fd and @fd + 1. */
static int pair_at(int type, int fd)
{
	int sv[2];

	if (socketpair(AF_UNIX, type, 0, sv) || dup2(sv[0], fd) != fd ||
	    dup2(sv[1], fd + 1) != fd + 1)
		return -1;
	close(sv[0]);
	close(sv[1]);
	return 0;
}

/* The family of the stream pair of pair_root(): AF_UNIX, or AF_INET (TCP). */
static int pair_family = AF_UNIX;

static int stream_at(int fd)
{
	return pair_family == AF_UNIX ? pair_at(SOCK_STREAM, fd) :
	       ckpt_tcp_connection(-1, fd, fd + 1);
}

static void pair_child(int idx)
{
	struct report r;
	char c = 'x';

	task_start(&r, idx);
	close(40);
	close(42);
	if (send(43, "to root", 7, 0) != 7 || write(sync_p[1], &c, 1) != 1)
		_exit(60);
	nap(1.0);
	r.val[0] = got(41, "to child", 0);
	/* SO_PEERCRED: a unix socket's, not a TCP one's. */
	r.val[1] = pair_family != AF_UNIX || peer_pid(41) == getppid();
	r.val[2] = got(41, "after", 0) && got(43, "dgram after", 0);
	task_report(&r);
}

static void pair_root(int idx)
{
	struct report r;
	pid_t child;
	char c;

	task_start(&r, idx);
	if (pipe(sync_p) || stream_at(40) || pair_at(SOCK_DGRAM, 42))
		_exit(61);
	child = tree_fork(pair_child, 1);
	if (child < 0 || read(sync_p[0], &c, 1) != 1)
		_exit(62);
	task_started();
	close(41);
	close(43);
	if (write(40, "to child", 8) != 8)
		_exit(63);
	nap(1.0);
	r.val[0] = got(42, "to root", MSG_DONTWAIT);
	r.val[1] = (pair_family != AF_UNIX || peer_pid(40) == getpid()) &&
		   peer_pid(42) == getpid();
	r.val[2] = write(40, "after", 5) == 5 && send(42, "dgram after", 11, 0) == 11;
	r.val[3] = reap(child) == 0;
	root_finish(&r, 1);
}

/*
 * A root and its child running @fn: started, stopped, saved, restored with
 * @flags (a new pid namespace if @newns), their ids checked; their
 * reports in *@r, *@root and *@child, or the test fails.
 */
static void two_task_round(struct __test_metadata *_metadata, void (*fn)(int),
			   unsigned long flags, bool newns, struct restored *r,
			   const struct report **root, const struct report **child)
{
	struct tree t;

	setup_subreaper(_metadata);
	tree_start_stopped(_metadata, &t, fn, 2, 0.6);
	tree_save(_metadata, &t);

	tree_restore(_metadata, &t, flags, r);
	close(t.img);
	check_ids(_metadata, r, 2, newns);
	*root = find_rep(r, 0);
	*child = find_rep(r, 1);
	ASSERT_TRUE(*root != NULL);
	ASSERT_TRUE(*child != NULL);
}

/*
 * A stream and a datagram pair made by the root, one end of each in its
 * child, messages queued both ways: after restart each reads what was
 * queued, SO_PEERCRED names the root by its pid now, and they talk.
 */
static void run_unix_pairs(struct __test_metadata *_metadata, unsigned long flags, bool newns)
{
	const struct report *root, *child;
	struct restored r;

	two_task_round(_metadata, pair_root, flags, newns, &r, &root, &child);
	EXPECT_EQ(1, root->val[0]) TH_LOG("the root read the child's datagram");
	EXPECT_EQ(1, root->val[1]) TH_LOG("SO_PEERCRED of the root's ends");
	EXPECT_EQ(1, root->val[2]) TH_LOG("the root wrote after restart");
	EXPECT_EQ(1, root->val[3]) TH_LOG("the child exited 0");
	EXPECT_EQ(1, child->val[0]) TH_LOG("the child read the root's bytes");
	EXPECT_EQ(1, child->val[1]) TH_LOG("SO_PEERCRED of the child's end: its parent");
	EXPECT_EQ(1, child->val[2]) TH_LOG("the child read what the root sent after");
}

TEST(unix_pairs_same_pids)
{
	run_unix_pairs(_metadata, CKPT_RESTART_SAME_PIDS, false);
}

TEST(unix_pairs_new_pidns)
{
	run_unix_pairs(_metadata, 0, true);
}

/* The same with a TCP connection over the loopback interface as the stream. */
TEST(tcp_connection_same_pids)
{
	pair_family = AF_INET;
	run_unix_pairs(_metadata, CKPT_RESTART_SAME_PIDS, false);
}

TEST(tcp_connection_new_pidns)
{
	pair_family = AF_INET;
	run_unix_pairs(_metadata, 0, true);
}

/* ------------------------------------------------------------------ */
/* Zombies and SIGCHLD.                                                */
/* ------------------------------------------------------------------ */

static volatile sig_atomic_t sigchld_count;

static void on_sigchld(int sig)
{
	(void)sig;
	sigchld_count++;
}

static void zombie(int idx)
{
	struct report r;

	task_start(&r, idx);
	task_started();
	_exit(7);
}

static void late_child(int idx)
{
	struct report r;

	task_start(&r, idx);
	task_started();
	nap(3);
	task_report(&r);
	_exit(3);
}

static void zombie_root(int idx)
{
	struct sigaction sa = { .sa_handler = on_sigchld, .sa_flags = SA_NOCLDSTOP };
	struct report r;
	pid_t z, s;
	int st;

	task_start(&r, idx);
	sigaction(SIGCHLD, &sa, NULL);
	z = tree_fork(zombie, 1);
	s = tree_fork(late_child, 2);
	task_started();
	nap(4);
	/* The zombie's status; the late child's, which exited after restart. */
	r.val[0] = waitpid(z, &st, WNOHANG) == z ? st : -1;
	r.val[1] = reap(s);
	r.val[2] = sigchld_count;
	root_finish(&r, 1);
}

/*
 * A zombie child keeps its exit status through the checkpoint, without a
 * new SIGCHLD; a child that exits after restart sends one.
 */
TEST(zombie_and_sigchld)
{
	struct restored r;
	const struct report *root;
	struct tree t;

	setup_subreaper(_metadata);
	/* After 0.3 s the zombie is one; the late child still sleeps. */
	tree_start_stopped(_metadata, &t, zombie_root, 3, 0.3);
	tree_save(_metadata, &t);

	tree_restore(_metadata, &t, CKPT_RESTART_SAME_PIDS, &r);
	root = find_rep(&r, 0);
	ASSERT_TRUE(root != NULL);
	ASSERT_EQ(2, r.nrep);
	EXPECT_TRUE(WIFEXITED(root->val[0]) && WEXITSTATUS(root->val[0]) == 7)
		TH_LOG("the zombie's status after restart: %#x", root->val[0]);
	EXPECT_EQ(3, root->val[1]);
	/* One SIGCHLD for the zombie before, one for the late child after. */
	EXPECT_EQ(2, root->val[2]);
	check_ids(_metadata, &r, 2, false);
	close(t.img);
}

/* ------------------------------------------------------------------ */
/* Process groups and sessions.                                        */
/* ------------------------------------------------------------------ */

static volatile sig_atomic_t usr1_count;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_count++;
}

static void grp_member(int idx)
{
	struct report r;

	task_start(&r, idx);
	task_started();
	/* Its ids once every setpgid() of the tree is done. */
	nap(0.1);
	ids(&r.pid0);
	nap(2.9);
	r.val[0] = usr1_count;
	task_report(&r);
}

static void group_parent(int idx)
{
	struct report r;
	pid_t c;

	task_start(&r, idx);
	if (idx == 3)
		setpgid(0, 0);
	c = tree_fork(grp_member, idx + 1);
	task_started();
	nap(0.1);
	ids(&r.pid0);
	nap(2.9);
	r.val[0] = usr1_count;
	r.val[1] = reap(c);
	task_report(&r);
}

static void groups_root(int idx)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct report r;
	pid_t a, b, j;

	if (setsid() < 0)
		_exit(20);
	sigaction(SIGUSR1, &sa, NULL);
	task_start(&r, idx);
	a = tree_fork(group_parent, 1);		/* and its child 2, in the root's group */
	b = tree_fork(group_parent, 3);		/* its own group, with its child 4 */
	setpgid(b, b);
	j = tree_fork(grp_member, 5);		/* joins the group of 3 */
	setpgid(j, b);
	task_started();
	nap(2);
	kill(-b, SIGUSR1);
	r.val[0] = reap(a);
	r.val[1] = reap(b);
	r.val[2] = reap(j);
	root_finish(&r, 5);
}

static void run_groups(struct __test_metadata *_metadata, unsigned long flags, bool newns)
{
	struct restored r;
	struct tree t;

	setup_subreaper(_metadata);
	tree_start_stopped(_metadata, &t, groups_root, 6, 0.5);
	tree_save(_metadata, &t);

	tree_restore(_metadata, &t, flags, &r);
	check_ids(_metadata, &r, 6, newns);
	for (int i = 0; i < r.nrep; i++) {
		const struct report *e = &r.rep[i];

		/* kill(-pgid) after restart reached the group of task 3, only it. */
		if (e->idx >= 3) {
			EXPECT_EQ(1, e->val[0]) TH_LOG("task %d got %d SIGUSR1", e->idx, e->val[0]);
		} else if (e->idx) {
			EXPECT_EQ(0, e->val[0]) TH_LOG("task %d got %d SIGUSR1", e->idx, e->val[0]);
		}
		if (e->idx == 0) {
			EXPECT_EQ(e->pid0, e->sid0);
			EXPECT_EQ(e->pid1, e->sid1);
		}
		if (e->idx == 5) {
			EXPECT_EQ(find_rep(&r, 3)->pid1, e->pgid1);
		}
	}
	close(t.img);
}

/* A session, the root's group and another one, joined by a sibling. */
TEST(groups_and_sessions)
{
	run_groups(_metadata, CKPT_RESTART_SAME_PIDS, false);
}

TEST(groups_and_sessions_new_pidns)
{
	run_groups(_metadata, CKPT_RESTART_NEW_PIDNS, true);
}

/* ------------------------------------------------------------------ */
/* A container: the init of a pid namespace and its tasks.             */
/* ------------------------------------------------------------------ */

static void container_consumer(int idx)
{
	pid_t f = tree_fork(filter, 2);

	consumer(idx);
	if (reap(f))
		_exit(31);
}

static void container_init(int idx)
{
	struct report r;
	int32_t mark = -1;
	pid_t p, c;

	task_start(&r, idx);
	if (pipe(pipe_a) || pipe(pipe_b))
		_exit(30);
	p = tree_fork(producer, 1);
	c = tree_fork(container_consumer, 3);
	close(pipe_a[0]);
	close(pipe_a[1]);
	close(pipe_b[0]);
	close(pipe_b[1]);
	nap(0.15);
	/* Stop the others; the test stops this one, from outside. */
	kill(-1, SIGSTOP);
	if (write(pid_fd, &mark, sizeof(mark)) != sizeof(mark))
		_exit(32);
	task_started();
	nap(3);
	r.val[0] = reap(p);
	r.val[1] = reap(c);
	root_finish(&r, 3);
}

/* The parent of the container: a new pid namespace, its init. */
static void container_parent(int idx)
{
	int32_t code;
	pid_t init;

	(void)idx;
	if (unshare(CLONE_NEWPID))
		_exit(33);
	init = fork();
	if (init == 0)
		container_init(0);
	/* The init's pid out here, told apart from the pids inside. */
	code = -init - 2;
	if (write(pid_fd, &code, sizeof(code)) != sizeof(code))
		_exit(34);
	close(pid_fd);
	close(rep_fd);
	close(rep_in);
	_exit(reap(init));
}

/*
 * A container checkpointed from outside by the pid of its init: restored
 * in a new pid namespace (the rule for the image of an init), the init is
 * pid 1 and every task has its pid; data flows through a pipe between two
 * of them across the checkpoint.
 */
TEST(container)
{
	struct restored r;
	const struct report *init, *cons;
	pid_t init_pid = 0, parent;
	struct tree t;
	int st;

	setup_subreaper(_metadata);
	/* The init's pid out here, the four pids inside, the init's mark. */
	ASSERT_EQ(0, tree_start(&t, container_parent, 6));
	parent = t.root;
	for (int i = 0; i < t.n; i++)
		if (t.pids[i] <= -3)
			init_pid = -t.pids[i] - 2;
	ASSERT_LT(0, init_pid);
	kill(init_pid, SIGSTOP);
	while (!stopped(init_pid))
		ckpt_sleep(0.005);
	/* The others stop on the init's kill(-1, SIGSTOP): wait for them. */
	for (int tries = 0; tries < 500; tries++) {
		if (tree_checkpoint(&t, init_pid) > 0 || t.err != EBUSY)
			break;
		ckpt_sleep(0.02);
	}
	ASSERT_LT(0, t.id) TH_LOG("checkpoint: %s; log: %s", strerror(t.err), t.log);
	ckpt_ckptinfo(_metadata, t.img);
	kill(init_pid, SIGKILL);
	ASSERT_EQ(parent, waitpid(parent, &st, 0));

	tree_restart(&t, 0, &r, NULL);
	ASSERT_LT(0, r.ret) TH_LOG("restart: %s; log: %s", strerror(r.err), r.log);
	EXPECT_EQ(0, r.root_status);
	check_ids(_metadata, &r, 4, true);
	init = find_rep(&r, 0);
	cons = find_rep(&r, 3);
	ASSERT_TRUE(init != NULL);
	ASSERT_TRUE(cons != NULL);
	EXPECT_EQ(1, init->pid0);
	EXPECT_EQ(1, init->pid1);
	EXPECT_EQ(0, init->val[0]);
	EXPECT_EQ(0, init->val[1]);
	EXPECT_EQ(PIPE_VALUES, cons->val[0]);
	EXPECT_EQ(0, cons->val[1]);
	close(t.img);
}

/* ------------------------------------------------------------------ */
/* A subreaper and its orphan; exit and parent death signals.          */
/* ------------------------------------------------------------------ */

static volatile sig_atomic_t usr2_count;
static pid_t subreaper_pid;

static void on_usr2(int sig)
{
	(void)sig;
	usr2_count++;
}

static void orphan(int idx)
{
	struct report r;

	task_start(&r, idx);
	task_started();
	/* Its parent exits: the subreaper above becomes its parent. */
	while (getppid() != subreaper_pid)
		nap(0.01);
	ids(&r.pid0);
	nap(3);
	task_report(&r);
}

static void middle(int idx)
{
	tree_fork(orphan, idx + 1);
	task_started();
	_exit(0);
}

static void signalled_child(int idx)
{
	struct report r;

	task_start(&r, idx);
	task_started();
	prctl(PR_SET_PDEATHSIG, SIGUSR2);
	nap(3);
	prctl(PR_GET_PDEATHSIG, &r.val[0]);
	task_report(&r);
}

static void subreaper_root(int idx)
{
	struct sigaction sa = { .sa_handler = on_usr2, .sa_flags = SA_RESTART };
	struct report r;
	pid_t m, c;
	int st;

	task_start(&r, idx);
	subreaper_pid = getpid();
	sigaction(SIGUSR2, &sa, NULL);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	m = tree_fork(middle, 1);
	reap(m);
	/* A child whose exit sends SIGUSR2, not SIGCHLD. */
	fflush(NULL);
#if defined(__s390x__)
	c = syscall(SYS_clone, 0, SIGUSR2, 0, 0, 0);
#else
	c = syscall(SYS_clone, SIGUSR2, 0, 0, 0, 0);
#endif
	if (c == 0) {
		signalled_child(3);
		_exit(5);
	}
	task_started();
	nap(4);
	prctl(PR_GET_CHILD_SUBREAPER, &r.val[0]);
	r.val[1] = waitpid(c, &st, __WCLONE) == c && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	r.val[2] = usr2_count;
	/* The orphan is a child of this one: a wait for any child finds it. */
	r.val[3] = waitpid(-1, &st, 0);
	if (r.val[1] != 5 || r.val[3] <= 0)
		dprintf(2, "# subreaper root: child %d status %d, orphan wait %d\n",
			c, r.val[1], r.val[3]);
	root_finish(&r, 2);
}

/*
 * An orphan stays the child of the subreaper it was reparented to; a
 * child keeps its exit signal (SIGUSR2 to its parent) and its parent
 * death signal.
 */
TEST(subreaper_orphan_and_signals)
{
	const struct report *root, *orph, *sig;
	struct restored r;
	struct tree t;

	setup_subreaper(_metadata);
	/* Root, middle (exits at once), orphan, signalled child. */
	/* After 0.5 s the middle one is gone: its pid is not among the three read. */
	tree_start_stopped(_metadata, &t, subreaper_root, 3, 0.5);
	tree_save(_metadata, &t);
	tree_restore(_metadata, &t, CKPT_RESTART_SAME_PIDS, &r);
	root = find_rep(&r, 0);
	orph = find_rep(&r, 2);
	sig = find_rep(&r, 3);
	ASSERT_TRUE(root != NULL);
	ASSERT_TRUE(orph != NULL);
	ASSERT_TRUE(sig != NULL);
	EXPECT_EQ(root->pid0, orph->ppid0);
	EXPECT_EQ(root->pid1, orph->ppid1);
	EXPECT_EQ(1, root->val[0]);
	EXPECT_EQ(5, root->val[1]);
	EXPECT_EQ(1, root->val[2]) TH_LOG("%d SIGUSR2 from the child's exit", root->val[2]);
	EXPECT_EQ(orph->pid1, root->val[3]);
	EXPECT_EQ(SIGUSR2, sig->val[0]);
	EXPECT_EQ(root->pid1, sig->ppid1);
	close(t.img);
}

/* ------------------------------------------------------------------ */
/* Refusals.                                                           */
/* ------------------------------------------------------------------ */

static void busy_child(int idx)
{
	struct report r;

	task_start(&r, idx);
	task_started();
	for (;;)
		nap(0.001);
}

static void busy_root(int idx)
{
	struct report r;
	pid_t c;

	task_start(&r, idx);
	c = tree_fork(busy_child, 1);
	task_started();
	r.val[0] = reap(c);
	root_finish(&r, 0);
}

/* A child that runs: EBUSY naming it, nothing written. */
TEST(running_child_refused)
{
	struct tree t;
	struct stat st;
	char want[64];

	setup_subreaper(_metadata);
	ASSERT_EQ(0, tree_start(&t, busy_root, 2));
	kill(t.pids[0], SIGSTOP);
	while (!stopped(t.pids[0]))
		ckpt_sleep(0.005);
	EXPECT_EQ(-1, tree_checkpoint(&t, t.root));
	EXPECT_EQ(EBUSY, t.err);
	snprintf(want, sizeof(want), "pid %d is running", t.pids[1]);
	EXPECT_TRUE(ckpt_log_ok(t.log, "checkpoint: ", want)) TH_LOG("log: %s", t.log);
	ASSERT_EQ(0, fstat(t.img, &st));
	EXPECT_EQ(0, st.st_size);
	/* Both go on. */
	EXPECT_EQ(0, kill(t.pids[1], 0));
	EXPECT_FALSE(stopped(t.pids[1]));
	tree_kill(&t);
	close(t.img);
}

/* What the grandchild holds that cannot be saved. */
enum deep_kind { DEEP_TIMER, DEEP_SOCKET, DEEP_SYSV_SHM };
static enum deep_kind deep_kind;

static void timer_child(int idx)
{
	struct report r;
	clockid_t clk;
	timer_t tid;
	void *p;
	int id;

	task_start(&r, idx);
	switch (deep_kind) {
	case DEEP_TIMER:
		/* On its parent's CPU-time clock. */
		if (clock_getcpuclockid(getppid(), &clk) || timer_create(clk, NULL, &tid))
			_exit(40);
		break;
	case DEEP_SOCKET:
		id = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE);
		if (id < 0 || dup2(id, 20) != 20 || close(id))
			_exit(41);
		break;
	case DEEP_SYSV_SHM:
		id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
		p = id < 0 ? (void *)-1 : shmat(id, NULL, 0);
		if (p == (void *)-1 || shmctl(id, IPC_RMID, NULL))
			_exit(42);
		break;
	}
	task_started();
	nap(1.5);
	task_report(&r);
}

static void timer_parent(int idx)
{
	struct report r;
	pid_t c;

	task_start(&r, idx);
	c = tree_fork(timer_child, idx + 1);
	task_started();
	nap(1.5);
	r.val[0] = reap(c);
	task_report(&r);
}

static void deep_root(int idx)
{
	struct report r;
	pid_t c;

	task_start(&r, idx);
	c = tree_fork(timer_parent, 1);
	task_started();
	r.val[0] = reap(c);
	root_finish(&r, 2);
}

/*
 * A grandchild with state that cannot be saved (a POSIX timer on a CPU-time
 * clock, a socket,
 * a SysV shared memory mapping): the checkpoint names it, writes nothing,
 * and the tree goes on to its normal end when continued.
 */
static void deep_refused(struct __test_metadata *_metadata, enum deep_kind kind,
			 const char *fmt)
{
	struct restored r = { };
	struct tree t;
	struct stat st;
	char want[64], buf[sizeof(r.rep)];
	int status, out[2], saved;
	ssize_t n;

	setup_subreaper(_metadata);
	deep_kind = kind;
	/* The root reports on fd 1: a pipe to the test. */
	ASSERT_EQ(0, pipe(out));
	saved = dup(1);
	dup2(out[1], 1);
	close(out[1]);
	ASSERT_EQ(0, tree_start(&t, deep_root, 3));
	dup2(saved, 1);
	close(saved);
	ckpt_sleep(0.2);
	ASSERT_TRUE(tree_stop(&t));
	EXPECT_EQ(-1, tree_checkpoint(&t, t.root));
	EXPECT_EQ(EOPNOTSUPP, t.err);
	snprintf(want, sizeof(want), fmt, t.pids[2]);
	EXPECT_TRUE(ckpt_log_ok(t.log, "checkpoint: ", want)) TH_LOG("log: %s", t.log);
	ASSERT_EQ(0, fstat(t.img, &st));
	EXPECT_EQ(0, st.st_size);
	for (int i = 0; i < t.n; i++)
		kill(t.pids[i], SIGCONT);
	n = read(out[0], buf, sizeof(buf));
	EXPECT_EQ((ssize_t)(3 * sizeof(struct report)), n);
	close(out[0]);
	ASSERT_EQ(t.root, waitpid(t.root, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(t.img);
}

TEST(unsupported_state_deep_in_tree)
{
	deep_refused(_metadata, DEEP_TIMER,
		     "pid %d has POSIX timer 0 on the CPU-time clock of another process");
}

TEST(socket_deep_in_tree)
{
	deep_refused(_metadata, DEEP_SOCKET, "pid %d fd 20 is a netlink socket");
}

TEST(sysv_shm_deep_in_tree)
{
	deep_refused(_metadata, DEEP_SYSV_SHM, "pid %d: the mapping at 0x");
}

static char *leak_shm;

static void leak_child(int idx)
{
	struct report r;
	char c = 'x';

	task_start(&r, idx);
	if (idx == 1 && write(sync_p[1], &c, 1) != 1)
		_exit(60);
	if (idx == 2)
		task_started();
	nap(1.5);
	r.val[0] = leak_shm[0];
	task_report(&r);
}

static void leak_root(int idx)
{
	struct report r;
	pid_t a, b;
	int p[2];
	char c;

	task_start(&r, idx);
	leak_shm = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (leak_shm == MAP_FAILED || pipe(sync_p) || pipe(p) ||
	    dup2(p[0], 20) != 20 || dup2(p[1], 21) != 21 || close(p[0]) || close(p[1]))
		_exit(61);
	a = clone_sharing(CLONE_FILES, leak_child, 1);
	if (a < 0 || read(sync_p[0], &c, 1) != 1)
		_exit(62);
	b = tree_fork(leak_child, 2);
	task_started();
	nap(1.5);
	r.val[0] = reap(a);
	r.val[1] = reap(b);
	root_finish(&r, 2);
}

/* The one shared anonymous mapping of @pid. */
static int shared_anon_range(pid_t pid, unsigned long *start, unsigned long *end)
{
	char path[64], line[256];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, " rw-s ") && strstr(line, "/dev/zero (deleted)") &&
		    sscanf(line, "%lx-%lx", start, end) == 2)
			found++;
	fclose(f);
	return found == 1 ? 0 : -1;
}

/*
 * Objects a task of the tree shares with a task outside it: a descriptor
 * table (CLONE_FILES), an open file, a pipe, shared memory.  Each is
 * refused with EOPNOTSUPP and a line naming the task and the object,
 * nothing written, and the tasks go on; the whole tree, which holds them
 * all, is saved.
 */
TEST(objects_shared_outside_refused)
{
	unsigned long shm_start, shm_end;
	int status, out[2], saved, fd;
	struct report rep[3];
	char want[128], path[80];
	void *outside;
	struct tree t;
	struct stat st;

	setup_subreaper(_metadata);
	/* The root reports on fd 1: a pipe to the test. */
	ASSERT_EQ(0, pipe(out));
	saved = dup(1);
	dup2(out[1], 1);
	close(out[1]);
	ASSERT_EQ(0, tree_start(&t, leak_root, 3));
	dup2(saved, 1);
	close(saved);
	ckpt_sleep(0.2);
	ASSERT_TRUE(tree_stop(&t));

	/* A subtree whose descriptor table its parent shares. */
	EXPECT_EQ(-1, tree_checkpoint(&t, t.pids[1]));
	EXPECT_EQ(EOPNOTSUPP, t.err);
	snprintf(want, sizeof(want),
		 "pid %d shares its file descriptor table with pid %d outside the tree",
		 t.pids[1], t.pids[0]);
	EXPECT_TRUE(ckpt_log_ok(t.log, "checkpoint: ", want)) TH_LOG("log: %s", t.log);
	ASSERT_EQ(0, fstat(t.img, &st));
	EXPECT_EQ(0, st.st_size);

	/* A subtree that holds files its parent holds too: fd 4 first. */
	EXPECT_EQ(-1, tree_checkpoint(&t, t.pids[2]));
	EXPECT_EQ(EOPNOTSUPP, t.err);
	snprintf(want, sizeof(want), "pid %d fd 4: pipe:[", t.pids[2]);
	EXPECT_TRUE(ckpt_log_ok(t.log, "checkpoint: ", want)) TH_LOG("log: %s", t.log);
	EXPECT_TRUE(strstr(t.log, "is also held outside the tree") != NULL) TH_LOG("log: %s", t.log);
	ASSERT_EQ(0, fstat(t.img, &st));
	EXPECT_EQ(0, st.st_size);

	/* The whole tree, while the test has its pipe open too. */
	snprintf(path, sizeof(path), "/proc/%d/fd/20", t.pids[0]);
	fd = open(path, O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, tree_checkpoint(&t, t.root));
	EXPECT_EQ(EOPNOTSUPP, t.err);
	snprintf(want, sizeof(want), "pid %d fd 20: pipe:[", t.pids[0]);
	EXPECT_TRUE(ckpt_log_ok(t.log, "checkpoint: ", want)) TH_LOG("log: %s", t.log);
	EXPECT_TRUE(strstr(t.log, "is a pipe also open outside the tree") != NULL) TH_LOG("log: %s", t.log);
	ASSERT_EQ(0, fstat(t.img, &st));
	EXPECT_EQ(0, st.st_size);
	close(fd);

	/*
	 * The root's shared memory opened by the test through map_files,
	 * then only mapped by it: refused, unless the caller says it is
	 * external (saved as it is).
	 */
	ASSERT_EQ(0, shared_anon_range(t.pids[0], &shm_start, &shm_end));
	snprintf(path, sizeof(path), "/proc/%d/map_files/%lx-%lx", t.pids[0], shm_start, shm_end);
	fd = open(path, O_RDWR);
	ASSERT_LE(0, fd) TH_LOG("%s: %s", path, strerror(errno));
	snprintf(want, sizeof(want), "pid %d mapping at %#lx: /dev/zero (deleted)",
		 t.pids[0], shm_start);
	for (int mapped = 0; mapped < 2; mapped++) {
		EXPECT_EQ(-1, tree_checkpoint(&t, t.root));
		EXPECT_EQ(EOPNOTSUPP, t.err);
		EXPECT_TRUE(ckpt_log_ok(t.log, "checkpoint: ", want)) TH_LOG("log: %s", t.log);
		EXPECT_TRUE(strstr(t.log, "is shared memory also open outside the tree") != NULL)
			TH_LOG("log: %s", t.log);
		ASSERT_EQ(0, fstat(t.img, &st));
		EXPECT_EQ(0, st.st_size);
		if (!mapped) {
			outside = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
			ASSERT_TRUE(outside != MAP_FAILED);
			close(fd);
		}
	}
	EXPECT_LT(0, tree_checkpoint_flags(&t, t.root, CKPT_CHECKPOINT_INHERIT_STDIO |
					   CKPT_CHECKPOINT_EXTERNAL_SHMEM))
		TH_LOG("log: %s", t.log);
	EXPECT_STREQ("", t.log);
	munmap(outside, 4096);

	/* Without the test's end, the tree holds all it shares: saved. */
	EXPECT_LT(0, tree_checkpoint(&t, t.root)) TH_LOG("log: %s", t.log);
	EXPECT_STREQ("", t.log);

	/* Every task goes on to its normal end. */
	for (int i = 0; i < t.n; i++)
		kill(t.pids[i], SIGCONT);
	EXPECT_EQ((ssize_t)sizeof(rep), read(out[0], rep, sizeof(rep)));
	close(out[0]);
	ASSERT_EQ(t.root, waitpid(t.root, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(0, rep[0].val[0]);
	EXPECT_EQ(0, rep[0].val[1]);
	close(t.img);
}

/*
 * The test's own process shares the harness's pages (MAP_SHARED) with the
 * runner, outside: its checkpoint is refused, naming the mapping, unless
 * the caller takes shared memory as external.
 */
TEST(harness_pages_refused)
{
	int img = ckpt_tmpfile(), lp[2];
	struct stat st;
	char log[512];
	long id;

	ASSERT_LE(0, img);
	ASSERT_EQ(0, ckpt_log_pipe(lp));
	EXPECT_EQ(-1, sys_checkpoint(0, img, CKPT_CHECKPOINT_INHERIT_STDIO, lp[1]));
	EXPECT_EQ(EOPNOTSUPP, errno);
	ASSERT_LE(0, ckpt_log_read(lp[0], log, sizeof(log)));
	EXPECT_TRUE(ckpt_log_ok(log, "checkpoint: ", " mapping at 0x")) TH_LOG("log: %s", log);
	EXPECT_TRUE(strstr(log, ": /dev/zero (deleted) is also held outside the tree") != NULL)
		TH_LOG("log: %s", log);
	ASSERT_EQ(0, fstat(img, &st));
	EXPECT_EQ(0, st.st_size);
	id = ckpt_self_checkpoint(img, lp[1]);
	EXPECT_LT(0, id) TH_LOG("with CKPT_CHECKPOINT_EXTERNAL_SHMEM: %s", strerror(errno));
	close(lp[0]);
	close(lp[1]);
	close(img);
}

static int lock_fd = -1;

static void locker(int idx)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 1 };
	struct report r;

	task_start(&r, idx);
	task_started();
	if (fcntl(lock_fd, F_SETLK, &fl))
		_exit(80);
	nap(1.5);
	task_report(&r);
}

static void lock_root(int idx)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 1 };
	struct report r;
	pid_t a;

	task_start(&r, idx);
	lock_fd = ckpt_tmpfile();
	if (lock_fd < 0)
		_exit(81);
	a = tree_fork(locker, 1);
	if (a < 0)
		_exit(82);
	task_started();
	nap(0.9);
	/* The child's lock, seen through the root's descriptor of the file. */
	r.val[1] = !fcntl(lock_fd, F_GETLK, &fl) && fl.l_type == F_WRLCK && fl.l_pid == a;
	r.val[0] = reap(a);
	root_finish(&r, 1);
}

/*
 * A POSIX record lock belongs to a descriptor table: one a child took on
 * a file the root holds too (inherited through fork), the root's FILE
 * record first, is the child's again after restart.
 */
TEST(child_lock_on_shared_file)
{
	const struct report *root;
	struct restored r;
	struct tree t;

	setup_subreaper(_metadata);
	tree_start_stopped(_metadata, &t, lock_root, 2, 0.4);
	tree_save(_metadata, &t);

	tree_restore(_metadata, &t, CKPT_RESTART_SAME_PIDS, &r);
	check_ids(_metadata, &r, 2, false);
	root = find_rep(&r, 0);
	ASSERT_TRUE(root != NULL);
	EXPECT_EQ(0, root->val[0]) TH_LOG("the child exited %d", root->val[0]);
	EXPECT_EQ(1, root->val[1]) TH_LOG("the child's lock, seen by the root");
	close(t.img);
}

/* ------------------------------------------------------------------ */
/* A connection a child made to its parent's listener, not accepted    */
/* ------------------------------------------------------------------ */

static struct sockaddr_un pending_name;
static socklen_t pending_len;

static void pending_child(int idx)
{
	struct report r;
	char c = 'x';

	task_start(&r, idx);
	task_started();
	close(45);
	if (connect(44, (struct sockaddr *)&pending_name, pending_len) ||
	    send(44, "from child", 10, 0) != 10 || write(sync_p[1], &c, 1) != 1)
		_exit(64);
	nap(1.0);
	r.val[0] = got(44, "welcome", 0);
	task_report(&r);
}

/* The sender's credentials of the next message on @fd, or a pid of -1. */
static pid_t sender_pid(int fd, char *buf, size_t size)
{
	char cbuf[CMSG_SPACE(sizeof(struct ucred))];
	struct iovec iov = { buf, size };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	struct ucred uc = { .pid = -1 };
	int on = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) ||
	    recvmsg(fd, &m, MSG_DONTWAIT) <= 0)
		return -1;
	for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS)
			memcpy(&uc, CMSG_DATA(cm), sizeof(uc));
	return uc.pid;
}

static void pending_root(int idx)
{
	struct report r;
	char buf[32] = "";
	pid_t child;
	int acc;
	char c;

	task_start(&r, idx);
	memset(&pending_name, 0, sizeof(pending_name));
	pending_name.sun_family = AF_UNIX;
	pending_len = offsetof(struct sockaddr_un, sun_path) + 1 +
		      snprintf(pending_name.sun_path + 1, sizeof(pending_name.sun_path) - 1,
			       "ckpt-tree-pending-%d", getpid());
	if (pipe(sync_p) || ckpt_move_fd(socket(AF_UNIX, SOCK_STREAM, 0), 45) != 45 ||
	    bind(45, (struct sockaddr *)&pending_name, pending_len) || listen(45, 2) ||
	    ckpt_move_fd(socket(AF_UNIX, SOCK_STREAM, 0), 44) != 44)
		_exit(65);
	child = tree_fork(pending_child, 1);
	if (child < 0 || read(sync_p[0], &c, 1) != 1)
		_exit(66);
	task_started();
	close(44);
	nap(1.0);
	/* Accepted after restart: the child's, with what it sent. */
	acc = accept(45, NULL, NULL);
	r.val[0] = acc >= 0 && peer_pid(acc) == child;
	r.val[1] = sender_pid(acc, buf, sizeof(buf) - 1) == child && !strcmp(buf, "from child");
	r.val[2] = send(acc, "welcome", 7, 0) == 7;
	r.val[3] = reap(child);
	root_finish(&r, 1);
}

/*
 * The child's connection waits on the root's listener when the tree is
 * checkpointed: after restart the root accepts it, SO_PEERCRED and the
 * credentials of what it sent name the child by its pid, and they talk.
 */
static void run_pending(struct __test_metadata *_metadata, unsigned long flags, bool newns)
{
	const struct report *root, *child;
	struct restored r;

	two_task_round(_metadata, pending_root, flags, newns, &r, &root, &child);
	EXPECT_EQ(1, root->val[0]) TH_LOG("SO_PEERCRED of the accepted connection");
	EXPECT_EQ(1, root->val[1]) TH_LOG("the sender's credentials of its message");
	EXPECT_EQ(1, root->val[2]) TH_LOG("the root's answer");
	EXPECT_EQ(0, root->val[3]) TH_LOG("the child exited %d", root->val[3]);
	EXPECT_EQ(1, child->val[0]) TH_LOG("the child read the answer");
}

TEST(unix_pending_connection_same_pids)
{
	run_pending(_metadata, CKPT_RESTART_SAME_PIDS, false);
}

TEST(unix_pending_connection_new_pidns)
{
	run_pending(_metadata, 0, true);
}

/* ------------------------------------------------------------------ */
/* seccomp: filters shared through fork, and strict mode               */
/* ------------------------------------------------------------------ */

static void seccomp_child(int idx)
{
	struct report r;

	task_start(&r, idx);
	task_started();
	/* Its own filter, above the one it shares with the root. */
	if (ckpt_seccomp_errno(SYS_getpriority, ERANGE, 0))
		_exit(70);
	nap(1.0);
	r.val[0] = ckpt_syscall_errno(SYS_uname) == EDOM;
	r.val[1] = ckpt_syscall_errno(SYS_getpriority) == ERANGE;
	r.val[2] = ckpt_status_field("Seccomp_filters");
	task_report(&r);
}

static void seccomp_root(int idx)
{
	struct report r;
	pid_t child;

	task_start(&r, idx);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || ckpt_seccomp_errno(SYS_uname, EDOM, 0))
		_exit(71);
	child = tree_fork(seccomp_child, 1);
	task_started();
	nap(1.0);
	r.val[0] = ckpt_syscall_errno(SYS_uname) == EDOM;
	r.val[1] = ckpt_syscall_errno(SYS_getpriority) == 0;
	r.val[2] = ckpt_status_field("Seccomp_filters");
	r.val[3] = reap(child);
	root_finish(&r, 1);
}

/*
 * The root's filter, which its child inherited, and the child's own on
 * top of it: after restart each task runs exactly its filters.
 */
static void run_seccomp_tree(struct __test_metadata *_metadata, unsigned long flags, bool newns)
{
	const struct report *root, *child;
	struct restored r;

	two_task_round(_metadata, seccomp_root, flags, newns, &r, &root, &child);
	EXPECT_EQ(1, root->val[0]) TH_LOG("the root's filter fails uname");
	EXPECT_EQ(1, root->val[1]) TH_LOG("the child's filter is not the root's");
	EXPECT_EQ(1, root->val[2]) TH_LOG("Seccomp_filters of the root");
	EXPECT_EQ(0, root->val[3]) TH_LOG("the child exited %d", root->val[3]);
	EXPECT_EQ(1, child->val[0]) TH_LOG("the child kept the root's filter");
	EXPECT_EQ(1, child->val[1]) TH_LOG("the child kept its own filter");
	EXPECT_EQ(2, child->val[2]) TH_LOG("Seccomp_filters of the child");
}

TEST(seccomp_filters_shared_same_pids)
{
	run_seccomp_tree(_metadata, CKPT_RESTART_SAME_PIDS, false);
}

TEST(seccomp_filters_shared_new_pidns)
{
	run_seccomp_tree(_metadata, 0, true);
}

static volatile sig_atomic_t strict_alarms;

static void strict_on_alarm(int sig)
{
	(void)sig;
	strict_alarms++;
}

static void strict_on_alarm_info(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	strict_on_alarm(sig);
}

/*
 * The return from the handler must be the sigreturn strict mode allows:
 * rt_sigreturn, which glibc uses for an SA_SIGINFO handler, but on s390x
 * sigreturn, which it uses for the others.
 */
#ifdef __s390x__
#define STRICT_SA_FLAGS		0
#else
#define STRICT_SA_FLAGS		SA_SIGINFO
#endif

/*
 * In strict mode, blocked in read(2) when stopped: only read, write, exit
 * and sigreturn are allowed.  A periodic alarm interrupts the read after
 * restart; the root writes its report, then makes a system call strict
 * mode forbids, which kills it with SIGKILL.
 */
static void strict_root(int idx)
{
	struct sigaction sa = { .sa_flags = STRICT_SA_FLAGS };
	struct itimerval it = { .it_interval = { 1, 0 }, .it_value = { 2, 0 } };
	struct report r;
	ssize_t n;
	int p[2];
	char c;

	task_start(&r, idx);
	task_started();
	ids(&r.pid1);
	if (STRICT_SA_FLAGS & SA_SIGINFO)
		sa.sa_sigaction = strict_on_alarm_info;
	else
		sa.sa_handler = strict_on_alarm;
	if (pipe(p) || sigaction(SIGALRM, &sa, NULL) || setitimer(ITIMER_REAL, &it, NULL))
		_exit(72);
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0))
		_exit(73);
	n = read(p[0], &c, 1);
	r.val[0] = n == -1 && errno == EINTR;
	r.val[1] = strict_alarms > 0;
	if (write(1, &r, sizeof(r)) != sizeof(r))
		syscall(SYS_exit, 74);
	syscall(SYS_getppid);
	syscall(SYS_exit, 75);
}

TEST(seccomp_strict_kept)
{
	const struct report *root;
	struct restored r;
	struct tree t;

	setup_subreaper(_metadata);
	tree_start_stopped(_metadata, &t, strict_root, 1, 0.6);
	tree_save(_metadata, &t);

	tree_restart(&t, CKPT_RESTART_SAME_PIDS, &r, NULL);
	ASSERT_LT(0, r.ret) TH_LOG("restart: %s; log: %s", strerror(r.err), r.log);
	root = find_rep(&r, 0);
	ASSERT_TRUE(root != NULL) TH_LOG("no report; the root's status %d", r.root_status);
	EXPECT_EQ(1, root->val[0]) TH_LOG("the alarm interrupted the read");
	EXPECT_EQ(1, root->val[1]) TH_LOG("the alarm's handler ran");
	EXPECT_EQ(100 + SIGKILL, r.root_status)
		TH_LOG("strict mode must kill the root at getppid(): status %d", r.root_status);
	EXPECT_STREQ("", r.log);
	close(t.img);
}

/* The very pids, while the original tree has them: EBUSY, no task made. */
TEST(taken_pid_refused)
{
	struct restored r;
	struct tree t;
	char want[64];

	setup_subreaper(_metadata);
	ASSERT_EQ(0, tree_start(&t, pipeline_root, 4));
	ASSERT_TRUE(tree_stop(&t));
	ASSERT_LT(0, tree_checkpoint(&t, t.root)) TH_LOG("%s", t.log);
	tree_restart(&t, CKPT_RESTART_SAME_PIDS, &r, NULL);
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EBUSY, r.err);
	snprintf(want, sizeof(want), "pid %d is taken", t.pids[0]);
	EXPECT_TRUE(ckpt_log_ok(r.log, "restart: ", want)) TH_LOG("log: %s", r.log);
	/* The restorer had no child: restart(2) made none (it exited 97). */
	tree_kill(&t);
	close(t.img);
}

/* Drop the capabilities that let restart(2) choose pids or namespaces. */
static void drop_caps(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		_exit(50);
	for (int i = 0; i < 2; i++) {
		int a = CAP_SYS_ADMIN, b = CAP_CHECKPOINT_RESTORE;

		if (a / 32 == i)
			d[i].effective &= ~(1U << (a % 32)), d[i].permitted &= ~(1U << (a % 32));
		if (b / 32 == i)
			d[i].effective &= ~(1U << (b % 32)), d[i].permitted &= ~(1U << (b % 32));
	}
	if (syscall(SYS_capset, &h, d))
		_exit(51);
}

static void nocap_root(int idx)
{
	drop_caps();
	pipeline_root(idx);
}

/* Without the capabilities: EPERM naming the one missing, no task made. */
TEST(no_capability_refused)
{
	struct restored r;
	struct tree t;

	setup_subreaper(_metadata);
	ASSERT_EQ(0, tree_start(&t, nocap_root, 4));
	ckpt_sleep(0.1);
	ASSERT_TRUE(tree_stop(&t));
	ASSERT_LT(0, tree_checkpoint(&t, t.root)) TH_LOG("%s", t.log);
	tree_kill(&t);
	tree_restart(&t, CKPT_RESTART_SAME_PIDS, &r, drop_caps);
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EPERM, r.err);
	EXPECT_TRUE(ckpt_log_ok(r.log, "restart: ", "CAP_CHECKPOINT_RESTORE"))
		TH_LOG("log: %s", r.log);
	tree_restart(&t, CKPT_RESTART_NEW_PIDNS, &r, drop_caps);
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EPERM, r.err);
	EXPECT_TRUE(ckpt_log_ok(r.log, "restart: ", "CAP_SYS_ADMIN"))
		TH_LOG("log: %s", r.log);
	close(t.img);
}

/*
 * An image whose last task's record is bad fails before any task is
 * created: the restorer has no child, the pids are free.
 */
TEST(bad_last_task_leaves_nothing)
{
	struct ckpt_image img = { };
	struct restored r;
	struct tree t;
	size_t off = 0, next, last = 0;

	setup_subreaper(_metadata);
	ASSERT_EQ(0, tree_start(&t, pipeline_root, 4));
	ckpt_sleep(0.1);
	ASSERT_TRUE(tree_stop(&t));
	ASSERT_LT(0, tree_checkpoint(&t, t.root)) TH_LOG("%s", t.log);
	tree_kill(&t);
	ASSERT_EQ(0, ckpt_slurp(t.img, &img));
	while ((next = ckpt_next_record(&img, off))) {
		const struct ckpt_hdr *h = (const void *)(img.buf + off);

		if (h->type == CKPT_HDR_TASK)
			last = off;
		off = next;
	}
	ASSERT_NE(0UL, (unsigned long)last);
	((struct ckpt_hdr_task *)(img.buf + last))->flags |= 1U << 31;
	ckpt_fix_tail(&img);
	close(t.img);
	t.img = ckpt_image_file(img.buf, img.len);
	ASSERT_LE(0, t.img);
	tree_restart(&t, CKPT_RESTART_SAME_PIDS, &r, NULL);
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EINVAL, r.err);
	EXPECT_TRUE(ckpt_log_ok(r.log, "restart: ", "malformed task record")) TH_LOG("log: %s", r.log);
	for (int i = 0; i < t.n; i++) {
		EXPECT_EQ(-1, kill(t.pids[i], 0));
		EXPECT_EQ(ESRCH, errno);
	}
	EXPECT_EQ(-1, waitpid(-1, NULL, WNOHANG));
	free(img.buf);
	close(t.img);
}

/*
 * Restart @buf (a tree image) in a new pid namespace, in a child: 0 when a
 * tree was restored (then killed), 1 for a clean failure (an errno and one
 * log line), 2 for a failure that left a task behind or logged nothing.
 */
static int try_image(struct tree *t, const uint8_t *buf, size_t len, char *log, size_t size)
{
	int fd = ckpt_image_file(buf, len), st;
	pid_t pid;

	if (fd < 0)
		return 3;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		long ret;
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		ret = sys_restart(0, fd, CKPT_RESTART_NEW_PIDNS, t->lp[1]);
		if (ret > 0) {
			kill(ret, SIGKILL);
			waitpid(ret, &st, __WALL);
			_exit(0);
		}
		/* Nothing created: no child to wait for. */
		if (waitpid(-1, &st, __WALL | WNOHANG) != -1 || errno != ECHILD)
			_exit(2);
		_exit(1);
	}
	close(fd);
	if (!ckpt_wait(pid, &st, 0, 20)) {
		ckpt_kill(pid);
		return 4;
	}
	if (ckpt_log_read(t->lp[0], log, size) < 0)
		log[0] = '\0';
	if (!WIFEXITED(st))
		return 5;
	if (WEXITSTATUS(st) == 1 && !ckpt_log_ok(log, "restart: ", ""))
		return 2;
	return WEXITSTATUS(st);
}

/* ------------------------------------------------------------------ */
/* Threads: a process of 9 threads, each in another state.            */
/* ------------------------------------------------------------------ */

#define NTHR		9
#define THR_OK		0x7e57

static volatile int thr_go;		/* set by the main thread after restart */
static volatile int thr_ready;
static pid_t thr_tid0[NTHR + 1], thr_tid1[NTHR + 1];
static int thr_ok[NTHR + 1], thr_why[NTHR + 1];
static int thr_pipe[2], thr_poll_pipe[2];
static pthread_mutex_t thr_held = PTHREAD_MUTEX_INITIALIZER;
static uint32_t thr_futex;
static pthread_mutex_t thr_mx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t thr_cv = PTHREAD_COND_INITIALIZER;
static int thr_cv_flag;
static unsigned long thr_fp_n;
static double thr_fp_a, thr_fp_b;
static volatile int thr_sig_tid;
static volatile int thr_sig_onstack;
static char thr_altstack[64 * 1024];

/* FUTEX_WAIT with a relative timeout, whatever the size of time_t. */
static long futex_wait_timeout(uint32_t *f, uint32_t val, const struct timespec *ts)
{
#ifdef SYS_futex_time64
	if (sizeof(ts->tv_sec) == 8 && sizeof(long) == 4)
		return syscall(SYS_futex_time64, f, FUTEX_WAIT_PRIVATE, val, ts, NULL, 0);
#endif
	return syscall(SYS_futex, f, FUTEX_WAIT_PRIVATE, val, ts, NULL, 0);
}

/* The floating-point work: a loop with its values in registers. */
static __attribute__((noinline)) unsigned long fp_loop(volatile int *stop, unsigned long max,
						       double *pa, double *pb)
{
	double a = 1.0, b = 0.5, c = 1.0000001, d = 0.9999997;
	unsigned long n;

	for (n = 0; (!stop || !*stop) && n < max; n++) {
		a = a * c + b * 1e-7;
		b = b * d + a * 1e-9;
	}
	*pa = a;
	*pb = b;
	return n;
}

static void thr_name(int k)
{
	char name[16];

	snprintf(name, sizeof(name), "thr%d", k);
	prctl(PR_SET_NAME, name);
}

static int thr_name_ok(int k)
{
	char name[16] = "", want[16];

	snprintf(want, sizeof(want), "thr%d", k);
	prctl(PR_GET_NAME, name);
	return !strcmp(name, want);
}

static void thr_enter(int k)
{
	thr_name(k);
	thr_tid0[k] = ckpt_gettid();
	__atomic_add_fetch(&thr_ready, 1, __ATOMIC_SEQ_CST);
}

static void thr_leave(int k, bool ok, int why)
{
	thr_tid1[k] = ckpt_gettid();
	thr_ok[k] = ok && thr_name_ok(k) ? THR_OK : 0;
	thr_why[k] = why;
}

static void thr_on_usr2(int sig)
{
	char here;

	(void)sig;
	thr_sig_tid = ckpt_gettid();
	thr_sig_onstack = &here >= thr_altstack && &here < thr_altstack + sizeof(thr_altstack);
}

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id	_sigev_un._tid
#endif

static timer_t thr_timer;
static volatile int thr_timer_n, thr_timer_overrun, thr_timer_value;
static volatile pid_t thr_timer_tid;

/* The first signal of the timer counts the periods missed before the checkpoint. */
static void thr_on_timer(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (si->si_code != SI_TIMER || si->si_timerid != (int)(intptr_t)thr_timer)
		return;
	if (!thr_timer_n)
		thr_timer_overrun = si->si_overrun;
	thr_timer_value = si->si_value.sival_int;
	thr_timer_tid = ckpt_gettid();
	thr_timer_n++;
}

/* The signals pending for the calling thread alone. */
static uint64_t thread_sigpnd(void)
{
	char buf[2048], *p;

	if (ckpt_read_file("/proc/thread-self/status", buf, sizeof(buf)) <= 0 ||
	    !(p = strstr(buf, "SigPnd:")))
		return 0;
	return strtoull(p + 7, NULL, 16);
}

static void *thr_main(void *arg)
{
	int k = (int)(long)arg;
	bool ok = false;
	int why = 0;

	switch (k) {
	case 1: {	/* floating point, running at the checkpoint */
		thr_enter(k);
		thr_fp_n = fp_loop(&thr_go, ~0UL, &thr_fp_a, &thr_fp_b);
		ok = thr_fp_n > 0;
		break;
	}
	case 2: {	/* nanosleep with time left */
		struct timespec ts = { 3, 0 };
		double t0;

		thr_enter(k);
		t0 = ckpt_now();
		why = nanosleep(&ts, NULL) ? errno : 0;
		ok = !why && ckpt_now() - t0 >= 3.0;
		break;
	}
	case 3: {	/* a futex wait with a timeout */
		struct timespec ts = { 60, 0 };
		long r;

		thr_enter(k);
		do {
			r = futex_wait_timeout(&thr_futex, 0, &ts);
		} while (r && errno == EINTR);
		why = r ? errno : 0;
		ok = __atomic_load_n(&thr_futex, __ATOMIC_SEQ_CST) == 1 &&
		     (!r || errno == EAGAIN);
		break;
	}
	case 4:		/* a condition variable */
		pthread_mutex_lock(&thr_mx);
		thr_enter(k);
		while (!thr_cv_flag)
			pthread_cond_wait(&thr_cv, &thr_mx);
		ok = thr_cv_flag == 1;
		pthread_mutex_unlock(&thr_mx);
		break;
	case 5: {	/* a blocking read, on the last CPU only */
		cpu_set_t set, now;
		int cpu = 0;
		char c = 0;

		if (sched_getaffinity(0, sizeof(set), &set))
			break;
		for (int i = 0; i < CPU_SETSIZE; i++)
			if (CPU_ISSET(i, &set))
				cpu = i;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			break;
		thr_enter(k);
		why = read(thr_pipe[0], &c, 1) == 1 ? 0 : errno;
		ok = c == 'r' && !sched_getaffinity(0, sizeof(now), &now) && CPU_EQUAL(&set, &now);
		break;
	}
	case 7: {	/* poll */
		struct pollfd p = { .fd = thr_poll_pipe[0], .events = POLLIN };
		char c = 0;
		int n;

		thr_enter(k);
		n = poll(&p, 1, 60000);
		why = n < 0 ? errno : 0;
		ok = n == 1 && read(thr_poll_pipe[0], &c, 1) == 1 && c == 'p';
		break;
	}
	case 8:		/* a mutex the main thread holds */
		thr_enter(k);
		ok = !pthread_mutex_lock(&thr_held) && thr_go;
		pthread_mutex_unlock(&thr_held);
		break;
	case 9: {	/* a POSIX timer that signals this thread, its signal waiting */
		struct sigevent ev = { .sigev_notify = SIGEV_THREAD_ID,
				       .sigev_signo = SIGRTMIN + 6,
				       .sigev_value.sival_int = 909 };
		struct itimerspec its = { .it_interval = { 0, 20000000 },
					  .it_value = { 0, 1000000 } };
		struct sigaction sa = { .sa_sigaction = thr_on_timer, .sa_flags = SA_SIGINFO };
		sigset_t set;
		double end;

		sigemptyset(&set);
		sigaddset(&set, SIGRTMIN + 6);
		ev.sigev_notify_thread_id = ckpt_gettid();
		if (pthread_sigmask(SIG_BLOCK, &set, NULL) || sigaction(SIGRTMIN + 6, &sa, NULL) ||
		    timer_create(CLOCK_MONOTONIC, &ev, &thr_timer) ||
		    timer_settime(thr_timer, 0, &its, NULL))
			break;
		while (!(thread_sigpnd() & 1ULL << (SIGRTMIN + 6 - 1)))
			ckpt_sleep(0.005);
		thr_enter(k);
		while (!thr_go)
			ckpt_sleep(0.005);
		/* Still pending here, then delivered here, re-arming the timer. */
		ok = thread_sigpnd() & 1ULL << (SIGRTMIN + 6 - 1) && !thr_timer_n;
		pthread_sigmask(SIG_UNBLOCK, &set, NULL);
		end = ckpt_now() + 5;
		while (thr_timer_n < 3 && ckpt_now() < end)
			ckpt_sleep(0.005);
		why = thr_timer_n * 1000 + thr_timer_overrun;
		ok = ok && thr_timer_n >= 3 && thr_timer_tid == ckpt_gettid() &&
		     thr_timer_value == 909 && thr_timer_overrun >= 2 &&
		     !timer_delete(thr_timer);
		break;
	}
	case 6: {	/* its own mask and alternate stack, a signal after restart */
		stack_t ss = { .ss_sp = thr_altstack, .ss_size = sizeof(thr_altstack) };
		struct sigaction sa = { .sa_handler = thr_on_usr2, .sa_flags = SA_ONSTACK };
		sigset_t set, now;

		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		if (sigaltstack(&ss, NULL) || sigaction(SIGUSR2, &sa, NULL) ||
		    pthread_sigmask(SIG_BLOCK, &set, NULL))
			break;
		thr_enter(k);
		while (!thr_sig_tid)
			pause();
		pthread_sigmask(SIG_BLOCK, NULL, &now);
		ok = thr_sig_tid == ckpt_gettid() && thr_sig_onstack &&
		     sigismember(&now, SIGUSR1) && !sigismember(&now, SIGUSR2);
		break;
	}
	}
	thr_leave(k, ok, why);
	return NULL;
}

/* Is the set of tids in /proc/self/task that of @tids? */
static int same_task_list(const pid_t *tids, int n)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int found = 0, total = 0;

	while (d && (e = readdir(d))) {
		pid_t tid = atoi(e->d_name);

		if (tid <= 0)
			continue;
		total++;
		for (int i = 0; i < n; i++)
			if (tids[i] == tid)
				found++;
	}
	if (d)
		closedir(d);
	return found == n && total == n;
}

static void threads_root(int idx)
{
	struct report all[NTHR + 1];
	pthread_t th[NTHR + 1];
	double a, b;
	int k;

	(void)idx;
	if (pipe(thr_pipe) || pipe(thr_poll_pipe) || pthread_mutex_lock(&thr_held))
		_exit(80);
	for (k = 1; k <= NTHR; k++)
		if (pthread_create(&th[k], NULL, thr_main, (void *)(long)k))
			_exit(81);
	while (__atomic_load_n(&thr_ready, __ATOMIC_SEQ_CST) < NTHR)
		ckpt_sleep(0.005);
	ckpt_sleep(0.1);
	thr_tid0[0] = ckpt_gettid();
	task_start(&all[0], 0);
	/* Checkpointed, killed and restarted in this nap. */
	nap(1.5);
	/* Every thread is still there (not seen from a new pid namespace). */
	all[0].val[0] = getpid() == 1 ? 2 : same_task_list(thr_tid0, NTHR + 1);

	thr_go = 1;
	pthread_mutex_unlock(&thr_held);
	__atomic_store_n(&thr_futex, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &thr_futex, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	pthread_mutex_lock(&thr_mx);
	thr_cv_flag = 1;
	pthread_cond_signal(&thr_cv);
	pthread_mutex_unlock(&thr_mx);
	if (write(thr_pipe[1], "r", 1) != 1 || write(thr_poll_pipe[1], "p", 1) != 1)
		_exit(82);
	while (!thr_tid1[6] && !thr_sig_tid) {
		pthread_kill(th[6], SIGUSR2);
		ckpt_sleep(0.01);
	}
	thr_tid1[0] = ckpt_gettid();
	for (k = 1; k <= NTHR; k++)
		pthread_join(th[k], NULL);
	/* The same loop run here, as many times: the same bits. */
	fp_loop(NULL, thr_fp_n, &a, &b);
	all[0].val[1] = !memcmp(&a, &thr_fp_a, sizeof(a)) && !memcmp(&b, &thr_fp_b, sizeof(b));
	all[0].val[2] = thr_fp_n > 0;
	ids(&all[0].pid1);
	for (k = 1; k <= NTHR; k++) {
		memset(&all[k], 0, sizeof(all[k]));
		all[k].idx = k;
		all[k].pid0 = thr_tid0[k];
		all[k].pid1 = thr_tid1[k];
		all[k].val[0] = thr_ok[k];
		all[k].val[1] = thr_why[k];
	}
	if (write(1, all, sizeof(all)) != sizeof(all))
		_exit(93);
	_exit(0);
}

/*
 * Every thread keeps its tid, its registers (a floating-point loop that
 * gives the bits of an uninterrupted run), its name, blocked mask and
 * alternate stack, and resumes its blocking call: nanosleep with the time
 * left, a futex wait with a timeout, a condition variable, a read (on a
 * CPU of its own: its affinity), a poll and a mutex the main thread
 * holds, all woken after restart; /proc/self/task lists the same tids.
 * A POSIX timer signals one thread (SIGEV_THREAD_ID): its signal, waiting
 * in that thread's queue, is delivered there after restart with the
 * periods it missed before the checkpoint, and re-arms the timer.
 */
static void run_threads(struct __test_metadata *_metadata, unsigned long flags, bool newns)
{
	struct restored r;
	struct tree t;

	setup_subreaper(_metadata);
	tree_start_stopped(_metadata, &t, threads_root, 1, 0.4);
	tree_save(_metadata, &t);
	tree_restore(_metadata, &t, flags, &r);
	ASSERT_EQ(NTHR + 1, r.nrep) TH_LOG("%d reports", r.nrep);
	EXPECT_EQ(map_pid(r.rep[0].pid0, r.rep[0].pid0, newns), r.rep[0].pid1);
	EXPECT_EQ(newns ? 2 : 1, r.rep[0].val[0]) TH_LOG("/proc/self/task");
	EXPECT_EQ(1, r.rep[0].val[1]) TH_LOG("floating point bits after %d iterations",
					    r.rep[0].val[2]);
	for (int k = 1; k <= NTHR; k++) {
		const struct report *e = find_rep(&r, k);

		ASSERT_TRUE(e != NULL);
		EXPECT_EQ(e->pid0, e->pid1) TH_LOG("thread %d", k);
		EXPECT_EQ(THR_OK, e->val[0]) TH_LOG("thread %d: error %d", k, e->val[1]);
	}
	close(t.img);
}

TEST(threads_same_tids)
{
	run_threads(_metadata, CKPT_RESTART_SAME_PIDS, false);
}

/* In a new pid namespace: the process is pid 1, its threads keep their tids. */
TEST(threads_new_pidns)
{
	run_threads(_metadata, CKPT_RESTART_NEW_PIDNS, true);
}

/*
 * A PI mutex held by one thread with another blocked on it, a robust
 * mutex whose owner thread exited, and a child of two threads forked by a
 * thread that is not the main thread.
 */
static pthread_mutex_t pi_mx, robust_mx;
static volatile int pi_release, pi_got, pi_holding;
static pid_t child_thr_tid;
static int child_go[2], child_back[2];
static volatile int child_ppid_ok, child_wait_ok, child_forked;

static void *pi_holder(void *arg)
{
	(void)arg;
	if (pthread_mutex_lock(&pi_mx))
		return NULL;
	pi_holding = 1;
	while (!pi_release)
		ckpt_sleep(0.01);
	pthread_mutex_unlock(&pi_mx);
	return NULL;
}

static void *pi_waiter(void *arg)
{
	(void)arg;
	if (!pthread_mutex_lock(&pi_mx)) {
		pi_got = pi_release;
		pthread_mutex_unlock(&pi_mx);
	}
	return NULL;
}

static void *robust_owner(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&robust_mx);
	return NULL;	/* exits holding it */
}

/* The second thread of the child: it waits for the go. */
static void *child_thread(void *arg)
{
	char b;

	(void)arg;
	return read(child_go[0], &b, 1) == 1 && b == 'g' ? (void *)1L : NULL;
}

static void *child_forker(void *arg)
{
	struct report r;
	pid_t c;
	int st;

	(void)arg;
	child_thr_tid = ckpt_gettid();
	c = fork();
	if (c == 0) {
		void *got = NULL;
		pthread_t th;
		pid_t ppid;

		/* A process of two threads in the tree. */
		if (pthread_create(&th, NULL, child_thread, NULL))
			_exit(69);
		task_start(&r, 1);
		if (pthread_join(th, &got) || !got)
			_exit(70);
		ppid = getppid();
		_exit(write(child_back[1], &ppid, sizeof(ppid)) == sizeof(ppid) ? 0 : 71);
	}
	child_forked = 1;
	if (c < 0)
		return NULL;
	{
		pid_t ppid = 0;

		if (read(child_back[0], &ppid, sizeof(ppid)) == sizeof(ppid))
			child_ppid_ok = ppid == getpid() && ckpt_gettid() == child_thr_tid;
	}
	/* Its own child: __WNOTHREAD finds it. */
	child_wait_ok = waitpid(c, &st, __WNOTHREAD) == c && WIFEXITED(st) && !WEXITSTATUS(st);
	return NULL;
}

static void pi_root(int idx)
{
	pthread_mutexattr_t a;
	pthread_t hold, wait, fork_th, rob;
	struct report r;
	int ret;

	if (pipe(child_go) || pipe(child_back) || pthread_mutexattr_init(&a) ||
	    pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT) ||
	    pthread_mutex_init(&pi_mx, &a) ||
	    pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_NONE) ||
	    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST) ||
	    pthread_mutex_init(&robust_mx, &a))
		_exit(80);
	if (pthread_create(&rob, NULL, robust_owner, NULL) || pthread_join(rob, NULL) ||
	    pthread_create(&hold, NULL, pi_holder, NULL))
		_exit(81);
	while (!pi_holding)
		ckpt_sleep(0.005);
	if (pthread_create(&wait, NULL, pi_waiter, NULL) ||
	    pthread_create(&fork_th, NULL, child_forker, NULL))
		_exit(82);
	while (!child_forked)
		ckpt_sleep(0.005);
	ckpt_sleep(0.2);
	task_start(&r, idx);
	task_started();
	/* Checkpointed, killed and restarted in this nap. */
	nap(1.2);

	pi_release = 1;
	if (write(child_go[1], "g", 1) != 1)
		_exit(83);
	pthread_join(hold, NULL);
	pthread_join(wait, NULL);
	pthread_join(fork_th, NULL);
	r.val[0] = pi_got;
	r.val[1] = child_ppid_ok;
	r.val[2] = child_wait_ok;
	ret = pthread_mutex_lock(&robust_mx);
	r.val[3] = ret == EOWNERDEAD;
	ids(&r.pid1);
	if (write(1, &r, sizeof(r)) != sizeof(r))
		_exit(93);
	_exit(0);
}

TEST(threads_pi_robust_and_thread_child)
{
	struct restored r;
	struct tree t;

	setup_subreaper(_metadata);
	tree_start_stopped(_metadata, &t, pi_root, 2, 0.3);
	tree_save(_metadata, &t);
	tree_restore(_metadata, &t, CKPT_RESTART_SAME_PIDS, &r);
	ASSERT_EQ(1, r.nrep);
	EXPECT_EQ(r.rep[0].pid0, r.rep[0].pid1);
	EXPECT_EQ(1, r.rep[0].val[0]) TH_LOG("the PI mutex was not handed over");
	EXPECT_EQ(1, r.rep[0].val[1]) TH_LOG("the child's parent process, the thread's tid");
	EXPECT_EQ(1, r.rep[0].val[2]) TH_LOG("waitpid(__WNOTHREAD) in that thread");
	EXPECT_EQ(1, r.rep[0].val[3]) TH_LOG("the robust mutex is not EOWNERDEAD");
	close(t.img);
}

static void *spinner(void *arg)
{
	(void)arg;
	for (;;)
		__asm__ volatile("" ::: "memory");
	return NULL;
}

static void spin_root(int idx)
{
	struct report r;
	pthread_t th;

	if (pthread_create(&th, NULL, spinner, NULL))
		_exit(81);
	task_start(&r, idx);
	for (;;)
		pause();
}

/* The tid of the thread of @pid that is not its main thread, or 0. */
static pid_t other_thread(pid_t pid)
{
	char path[64];
	struct dirent *e;
	pid_t tid = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	while (d && (e = readdir(d)))
		if (atoi(e->d_name) > 0 && atoi(e->d_name) != pid)
			tid = atoi(e->d_name);
	if (d)
		closedir(d);
	return tid;
}

/*
 * Only the main thread stopped (a ptrace interrupt), the other runs:
 * EBUSY naming the running thread, nothing written, both go on.
 */
TEST(running_thread_refused)
{
	struct tree t;
	struct stat st;
	char want[64];
	pid_t tid;
	int status;

	setup_subreaper(_metadata);
	ASSERT_EQ(0, tree_start(&t, spin_root, 1));
	tid = other_thread(t.root);
	ASSERT_LT(0, tid);
	ASSERT_EQ(0, ptrace(PTRACE_SEIZE, t.root, 0, 0));
	ASSERT_EQ(0, ptrace(PTRACE_INTERRUPT, t.root, 0, 0));
	ASSERT_EQ(t.root, waitpid(t.root, &status, __WALL));
	EXPECT_EQ(-1, tree_checkpoint(&t, t.root));
	EXPECT_EQ(EBUSY, t.err);
	snprintf(want, sizeof(want), "pid %d is running", tid);
	EXPECT_TRUE(ckpt_log_ok(t.log, "checkpoint: ", want)) TH_LOG("log: %s", t.log);
	ASSERT_EQ(0, fstat(t.img, &st));
	EXPECT_EQ(0, st.st_size);
	EXPECT_FALSE(stopped(tid));
	EXPECT_EQ(0, ptrace(PTRACE_DETACH, t.root, 0, 0));
	tree_kill(&t);
	close(t.img);
}

static void *forever(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/* The main thread exits, its other thread runs on. */
static void exited_main_root(int idx)
{
	struct report r;
	pthread_t th;

	if (pthread_create(&th, NULL, forever, NULL))
		_exit(81);
	task_start(&r, idx);
	pthread_exit(NULL);
}

/* A main thread that exited while its other thread runs: refused, named. */
TEST(exited_main_thread_refused)
{
	struct tree t;
	struct stat st;
	char want[80];

	setup_subreaper(_metadata);
	tree_start_stopped(_metadata, &t, exited_main_root, 1, 0.2);
	EXPECT_EQ(-1, tree_checkpoint(&t, t.root));
	EXPECT_EQ(EOPNOTSUPP, t.err);
	snprintf(want, sizeof(want), "pid %d has threads that run after it exited", t.root);
	EXPECT_TRUE(ckpt_log_ok(t.log, "checkpoint: ", want)) TH_LOG("log: %s", t.log);
	ASSERT_EQ(0, fstat(t.img, &st));
	EXPECT_EQ(0, st.st_size);
	tree_kill(&t);
	close(t.img);
}

static void *unshare_files(void *arg)
{
	(void)arg;
	if (unshare(CLONE_FILES))
		_exit(83);
	__atomic_add_fetch(&thr_ready, 1, __ATOMIC_SEQ_CST);
	for (;;)
		pause();
	return NULL;
}

static void unshared_root(int idx)
{
	struct report r;
	pthread_t th;

	if (pthread_create(&th, NULL, unshare_files, NULL))
		_exit(81);
	while (!__atomic_load_n(&thr_ready, __ATOMIC_SEQ_CST))
		ckpt_sleep(0.005);
	task_start(&r, idx);
	for (;;)
		pause();
}

/* A thread with a descriptor table of its own: refused, naming it. */
TEST(thread_own_files_refused)
{
	struct tree t;
	struct stat st;

	setup_subreaper(_metadata);
	tree_start_stopped(_metadata, &t, unshared_root, 1, 0.1);
	EXPECT_EQ(-1, tree_checkpoint(&t, t.root));
	EXPECT_EQ(EOPNOTSUPP, t.err);
	EXPECT_TRUE(ckpt_log_ok(t.log, "checkpoint: ", "has its own file descriptor table"))
		TH_LOG("log: %s", t.log);
	ASSERT_EQ(0, fstat(t.img, &st));
	EXPECT_EQ(0, st.st_size);
	tree_kill(&t);
	close(t.img);
}

/* ------------------------------------------------------------------ */
/* checkpoint(0) from a thread that is not the main thread.           */
/* ------------------------------------------------------------------ */

#define SELF_NTHR	3	/* besides the main thread */
#define SELF_IMG_FD	6
#define SELF_SLEEP	2.0

static volatile int self_go;
static pid_t self_tid0[SELF_NTHR + 1], self_tid1[SELF_NTHR + 1];
static int self_ok[SELF_NTHR + 1], self_why[SELF_NTHR + 1];
static long self_ret;
static int self_pipe[2];
static unsigned long self_fp_n;
static double self_fp_a, self_fp_b;

/*
 * 1: a floating-point loop, running; 2: nanosleep with time left; 3: the
 * checkpoint, then a byte to the main thread, blocked in a read.
 */
static void *self_thread(void *arg)
{
	int k = (int)(long)arg;
	struct timespec ts = { (time_t)SELF_SLEEP, 0 };
	bool ok = false;
	double t0;
	int why = 0;

	self_tid0[k] = ckpt_gettid();
	__atomic_add_fetch(&thr_ready, 1, __ATOMIC_SEQ_CST);
	switch (k) {
	case 1:
		self_fp_n = fp_loop(&self_go, ~0UL, &self_fp_a, &self_fp_b);
		ok = self_fp_n > 0;
		break;
	case 2:
		t0 = ckpt_now();
		why = nanosleep(&ts, NULL) ? errno : 0;
		ok = !why && ckpt_now() - t0 >= SELF_SLEEP;
		break;
	case 3:
		while (__atomic_load_n(&thr_ready, __ATOMIC_SEQ_CST) < SELF_NTHR)
			ckpt_sleep(0.005);
		ckpt_sleep(0.2);
		self_ret = sys_checkpoint(0, SELF_IMG_FD, CKPT_CHECKPOINT_INHERIT_STDIO, 2);
		why = self_ret < 0 ? errno : 0;
		/* Even on failure: the main thread reports it. */
		ok = write(self_pipe[1], "c", 1) == 1 && self_ret >= 0;
		break;
	}
	/* Listed in /proc/self/task until the main thread looked. */
	while (!self_go)
		ckpt_sleep(0.005);
	self_tid1[k] = ckpt_gettid();
	self_ok[k] = ok ? THR_OK : 0;
	self_why[k] = why;
	return NULL;
}

/*
 * The process, run twice from the same point: by the test, where thread 3
 * gets the id of the checkpoint, and restarted from the image, where it
 * gets 0.  The main thread reports on fd 1 once every thread is done.
 */
static void self_root(void)
{
	struct report all[SELF_NTHR + 1];
	pthread_t th[SELF_NTHR + 1];
	char c = 0;
	double a, b;
	int k;

	if (pipe(self_pipe))
		_exit(80);
	self_tid0[0] = ckpt_gettid();
	memset(all, 0, sizeof(all));
	ids(&all[0].pid0);
	for (k = 1; k <= SELF_NTHR; k++)
		if (pthread_create(&th[k], NULL, self_thread, (void *)(long)k))
			_exit(81);
	/* Saved in this read: the byte comes after the checkpoint. */
	if (read(self_pipe[0], &c, 1) != 1 || c != 'c')
		_exit(82);
	all[0].val[0] = getpid() == 1 ? 2 : same_task_list(self_tid0, SELF_NTHR + 1);
	self_go = 1;
	for (k = 1; k <= SELF_NTHR; k++)
		pthread_join(th[k], NULL);
	fp_loop(NULL, self_fp_n, &a, &b);
	all[0].val[1] = !memcmp(&a, &self_fp_a, sizeof(a)) && !memcmp(&b, &self_fp_b, sizeof(b));
	all[0].val[2] = self_ret > 0 ? 1 : self_ret == 0 ? 0 : -1;
	ids(&all[0].pid1);
	for (k = 1; k <= SELF_NTHR; k++) {
		all[k].idx = k;
		all[k].pid0 = self_tid0[k];
		all[k].pid1 = self_tid1[k];
		all[k].val[0] = self_ok[k];
		all[k].val[1] = self_why[k];
	}
	if (write(1, all, sizeof(all)) != sizeof(all))
		_exit(93);
	_exit(0);
}

/* The reports of a run of self_root(): every thread did its work. */
static void check_self_run(struct __test_metadata *_metadata, const struct report *rep,
			   int nrep, int task_list, const char *run)
{
	ASSERT_EQ(SELF_NTHR + 1, nrep) TH_LOG("%s: %d reports", run, nrep);
	EXPECT_EQ(task_list, rep[0].val[0]) TH_LOG("%s: /proc/self/task", run);
	EXPECT_EQ(1, rep[0].val[1]) TH_LOG("%s: floating point bits", run);
	for (int k = 1; k <= SELF_NTHR; k++) {
		EXPECT_EQ(k, rep[k].idx);
		EXPECT_EQ(rep[k].pid0, rep[k].pid1) TH_LOG("%s: thread %d", run, k);
		EXPECT_EQ(THR_OK, rep[k].val[0]) TH_LOG("%s: thread %d: error %d", run, k,
							rep[k].val[1]);
	}
}

/*
 * A process of 4 threads checkpoints itself from its third thread while
 * the others run a floating-point loop, sleep and read: they are held
 * for the checkpoint and go on, and checkpoint(2) returns the id in the
 * caller.  Restarted, the same thread returns 0, the others resume where
 * they were held (the sleep with its time left, the read), every tid is
 * the saved one and the loop gives the bits of an uninterrupted run.
 */
static void run_thread_self(struct __test_metadata *_metadata, unsigned long flags, bool newns)
{
	struct report orig[SELF_NTHR + 1];
	struct restored r;
	struct tree t;
	int out[2];
	ssize_t n;

	setup_subreaper(_metadata);
	memset(&t, 0, sizeof(t));
	t.n = 1;
	t.img = ckpt_tmpfile();
	ASSERT_LE(0, t.img);
	ASSERT_EQ(0, ckpt_log_pipe(t.lp));
	ASSERT_EQ(0, pipe(out));
	fflush(NULL);
	t.root = fork();
	ASSERT_LE(0, t.root);
	if (t.root == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(out[0]);
		if (ckpt_drop_shared_anon() || dup2(out[1], 1) != 1 ||
		    dup2(t.img, SELF_IMG_FD) != SELF_IMG_FD)
			_exit(94);
		syscall(SYS_close_range, 3, SELF_IMG_FD - 1, 0);
		syscall(SYS_close_range, SELF_IMG_FD + 1, ~0U, 0);
		self_root();
	}
	t.pids[0] = t.root;
	close(out[1]);
	ASSERT_TRUE(readable(out[0]));
	n = read(out[0], orig, sizeof(orig));
	close(out[0]);
	EXPECT_EQ(0, reap(t.root));
	ASSERT_EQ((ssize_t)sizeof(orig), n);
	check_self_run(_metadata, orig, SELF_NTHR + 1, 1, "original");
	EXPECT_EQ(1, orig[0].val[2]) TH_LOG("checkpoint(2) in the original");
	EXPECT_EQ(t.root, orig[0].pid1);
	tree_kill(&t);

	ckpt_ckptinfo(_metadata, t.img);
	tree_restore(_metadata, &t, flags, &r);
	check_self_run(_metadata, r.rep, r.nrep, newns ? 2 : 1, "restarted");
	EXPECT_EQ(0, r.rep[0].val[2]) TH_LOG("checkpoint(2) after restart");
	EXPECT_EQ(map_pid(t.root, t.root, newns), r.rep[0].pid1);
	for (int k = 1; k <= SELF_NTHR; k++) {
		EXPECT_EQ(orig[k].pid0, r.rep[k].pid0) TH_LOG("thread %d", k);
	}
	close(t.img);
}

TEST(thread_self_checkpoint)
{
	run_thread_self(_metadata, CKPT_RESTART_SAME_PIDS, false);
}

TEST(thread_self_checkpoint_new_pidns)
{
	run_thread_self(_metadata, CKPT_RESTART_NEW_PIDNS, true);
}

/* ------------------------------------------------------------------ */
/* checkpoint(0) while the other threads are busy and come and go.    */
/* ------------------------------------------------------------------ */

#define BUSY_THREADS	5
#define BUSY_ROUNDS	8
#define BUSY_IMG_FD	3
#define BUSY_RESTARTED	42

static volatile int busy_stop;
static int busy_pipe[2];

static void *busy_self_short(void *arg)
{
	return arg;
}

/*
 * In a loop until told to stop: 0 system calls, 1 a write and a read of
 * a pipe (the bytes must come back in order), 2 short sleeps, 3 threads
 * created and joined, 4 sched_yield().  Its count of rounds, or 0 when
 * something went wrong.
 */
static void *busy_self_thread(void *arg)
{
	int k = (int)(long)arg;
	unsigned long n;

	for (n = 1; !busy_stop; n++) {
		struct timespec ts = { 0, 1000000 };
		uint32_t v = n, w = 0;
		pthread_t t;

		switch (k) {
		case 0:
			syscall(SYS_getppid);
			break;
		case 1:
			if (write(busy_pipe[1], &v, sizeof(v)) != sizeof(v) ||
			    read(busy_pipe[0], &w, sizeof(w)) != sizeof(w) || w != v)
				return NULL;
			break;
		case 2:
			nanosleep(&ts, NULL);
			break;
		case 3:
			if (pthread_create(&t, NULL, busy_self_short, NULL) || pthread_join(t, NULL))
				return NULL;
			break;
		default:
			sched_yield();
			break;
		}
	}
	return (void *)n;
}

/*
 * BUSY_ROUNDS self checkpoints of the main thread into fd BUSY_IMG_FD;
 * exits 0 when all succeeded and every thread went on, BUSY_RESTARTED
 * when it is the process restarted from the last image and its threads
 * did so, another code on failure.
 */
static void busy_self_root(void)
{
	pthread_t th[BUSY_THREADS];
	bool restarted = false;
	void *n;
	int k, i;

	if (pipe(busy_pipe))
		_exit(80);
	for (k = 0; k < BUSY_THREADS; k++)
		if (pthread_create(&th[k], NULL, busy_self_thread, (void *)(long)k))
			_exit(81);
	ckpt_sleep(0.1);
	for (i = 0; i < BUSY_ROUNDS && !restarted; i++) {
		long id;

		if (lseek(BUSY_IMG_FD, 0, SEEK_SET) || ftruncate(BUSY_IMG_FD, 0))
			_exit(82);
		id = sys_checkpoint(0, BUSY_IMG_FD, CKPT_CHECKPOINT_INHERIT_STDIO, 2);
		if (id < 0)
			_exit(10 + i);
		restarted = id == 0;
		ckpt_sleep(0.02);
	}
	busy_stop = 1;
	for (k = 0; k < BUSY_THREADS; k++)
		if (pthread_join(th[k], &n) || !n)
			_exit(30 + k);
	_exit(restarted ? BUSY_RESTARTED : 0);
}

/*
 * The main thread checkpoints itself 8 times while its other threads
 * make system calls, pass bytes through a pipe, sleep, create threads
 * that exit at once, and yield: every checkpoint succeeds, the threads
 * go on unharmed, and the last image restarts with its threads, which
 * finish their loops.
 */
TEST(thread_self_checkpoint_busy)
{
	struct restored r;
	struct tree t;
	pid_t pid;

	setup_subreaper(_metadata);
	memset(&t, 0, sizeof(t));
	t.img = ckpt_tmpfile();
	ASSERT_LE(0, t.img);
	ASSERT_EQ(0, ckpt_log_pipe(t.lp));
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (ckpt_drop_shared_anon() || dup2(t.img, BUSY_IMG_FD) != BUSY_IMG_FD)
			_exit(94);
		syscall(SYS_close_range, BUSY_IMG_FD + 1, ~0U, 0);
		busy_self_root();
	}
	ASSERT_EQ(0, reap(pid));
	tree_restart(&t, CKPT_RESTART_SAME_PIDS, &r, NULL);
	ASSERT_LT(0, r.ret) TH_LOG("restart: %s; log: %s", strerror(r.err), r.log);
	EXPECT_EQ(BUSY_RESTARTED, r.root_status);
	close(t.img);
}

FIXTURE(slow) {};
FIXTURE_SETUP(slow) {}
FIXTURE_TEARDOWN(slow) {}

/*
 * The image of a tree, truncated at every record boundary and with bytes
 * flipped in its tree and task records (with and without the checksum
 * fixed): restart(2) fails cleanly and leaves no task, or restores a tree;
 * the kernel does not crash (the console is checked for that).
 */
static void corrupt_images(struct __test_metadata *_metadata, void (*fn)(int), int n)
{
	struct ckpt_image img = { }, bad = { };
	unsigned int cut = 0, flips = 0, restored = 0, refused = 0;
	size_t off = 0, next, tree_off = 0, tail;
	char log[512];
	struct tree t;
	int r;

	setup_subreaper(_metadata);
	ASSERT_EQ(0, tree_start(&t, fn, n));
	ckpt_sleep(0.3);
	ASSERT_TRUE(tree_stop(&t));
	ASSERT_LT(0, tree_checkpoint(&t, t.root)) TH_LOG("%s", t.log);
	tree_kill(&t);
	ASSERT_EQ(0, ckpt_slurp(t.img, &img));
	tail = ckpt_tail_offset(&img);
	ASSERT_NE(0UL, (unsigned long)tail);
	bad.buf = malloc(img.len);
	ASSERT_TRUE(bad.buf != NULL);

	/* Every prefix that ends at a record boundary, and in the tree record. */
	while ((next = ckpt_next_record(&img, off))) {
		const struct ckpt_hdr *h = (const void *)(img.buf + off);

		if (h->type == CKPT_HDR_TREE)
			tree_off = off;
		for (size_t end = off; end < next; end += end == off ? 4 : next - off) {
			if (h->type != CKPT_HDR_TREE && end != off)
				break;
			r = try_image(&t, img.buf, end, log, sizeof(log));
			EXPECT_EQ(1, r) TH_LOG("cut at %zu: outcome %d, log: %s", end, r, log);
			cut++;
		}
		if (h->type == CKPT_HDR_TAIL)
			break;
		off = next;
	}
	ASSERT_NE(0UL, (unsigned long)tree_off);

	/* Flips: every byte of the tree record, then spread over the image. */
	for (size_t i = 0; i < 2 * 200; i++) {
		size_t tree_len = ((const struct ckpt_hdr *)(img.buf + tree_off))->len;
		bool fix = i & 1;
		size_t pos = i / 2 < tree_len ? tree_off + i / 2 :
			     (i * 7919) % tail;

		if (!fix && ckpt_in_page_data(&img, pos))
			continue;
		memcpy(bad.buf, img.buf, img.len);
		bad.len = img.len;
		bad.buf[pos] ^= 0xff;
		if (fix)
			ckpt_fix_tail(&bad);
		r = try_image(&t, bad.buf, bad.len, log, sizeof(log));
		if (fix) {
			EXPECT_TRUE(r == 0 || r == 1)
				TH_LOG("byte %zu flipped, checksum fixed: outcome %d, log: %s",
				       pos, r, log);
		} else {
			EXPECT_EQ(1, r) TH_LOG("byte %zu flipped: outcome %d, log: %s", pos, r, log);
		}
		restored += r == 0;
		refused += r == 1;
		flips++;
	}
	TH_LOG("%u prefixes refused; %u flips: %u refused, %u restored", cut, flips,
	       refused, restored);
	free(bad.buf);
	free(img.buf);
	close(t.img);
}

/* Processes: a root, a zombie and a child. */
TEST_F_TIMEOUT(slow, corrupt_tree_images, 400)
{
	corrupt_images(_metadata, zombie_root, 3);
}

/* One process of 9 threads, each in another state. */
TEST_F_TIMEOUT(slow, corrupt_thread_images, 400)
{
	corrupt_images(_metadata, threads_root, 1);
}

/* ------------------------------------------------------------------ */
/* A terminal: a "script" that holds the master of a pty, and a shell, */
/* a session on its slave, its controlling terminal, reading a line    */
/* being typed; each end has output queued for the other.              */
/* ------------------------------------------------------------------ */

static int pty_master = -1;
static char pty_name[64];

#define PTY_PROMPT	"prompt> "
/* Typed before the checkpoint: a line being edited, one byte erased. */
#define PTY_TYPED	"hello worx\x7f"
/* Its echo, with ECHOE. */
#define PTY_ECHO	"hello worx\b \b"
/* Typed after restart; then what the master reads: its echo and output. */
#define PTY_REST	"ld\n"
#define PTY_AFTER	"ld\r\nvia /dev/tty\r\ngot: hello world\r\n"

/* Read from @fd until @len bytes came, or 10 s passed. */
static ssize_t read_upto(int fd, char *buf, size_t len)
{
	double end = ckpt_now() + 10;
	size_t got = 0;

	while (got < len && ckpt_now() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 100) != 1)
			continue;
		n = read(fd, buf + got, len - got);
		if (n <= 0)
			break;
		got += n;
	}
	return got;
}

/* The shell: a session of its own on the slave, opened as its terminal. */
static void pty_shell(int idx)
{
	struct termios t0, t1;
	struct report r;
	struct winsize ws;
	char line[64], *name;
	struct stat st;
	ssize_t n;
	int fd, tty;

	/* Compared whole: their padding too. */
	memset(&t0, 0, sizeof(t0));
	memset(&t1, 0, sizeof(t1));
	task_start(&r, idx);
	task_started();
	close(pty_master);
	if (setsid() < 0)
		_exit(30);
	fd = open(pty_name, O_RDWR);
	if (fd < 0 || dup2(fd, 0) || dup2(fd, 1) != 1 || dup2(fd, 2) != 2)
		_exit(31);
	close(fd);
	tty = open("/dev/tty", O_RDWR);
	/* As mesg(1) does: a mode devpts does not give. */
	if (tty < 0 || tcgetattr(0, &t0) || fchmod(0, 0640))
		_exit(32);
	ids(&r.pid0);
	if (write(1, PTY_PROMPT, strlen(PTY_PROMPT)) != strlen(PTY_PROMPT))
		_exit(33);
	/* Blocked here through the checkpoint: the line is being typed. */
	n = read(0, line, sizeof(line));
	r.val[0] = n == 12 && !memcmp(line, "hello world\n", 12);
	r.val[1] = tcgetsid(0) == getpid() && getsid(0) == getpid() &&
		   tcgetpgrp(0) == getpgrp() && tcgetpgrp(tty) == getpgrp();
	r.val[2] = !ioctl(0, TIOCGWINSZ, &ws) && ws.ws_row == 33 && ws.ws_col == 101 &&
		   ws.ws_xpixel == 7 && !fstat(0, &st) && (st.st_mode & 07777) == 0640 &&
		   st.st_uid == geteuid();
	name = ttyname(0);
	r.val[3] = !tcgetattr(0, &t1) && !memcmp(&t0, &t1, sizeof(t0)) && name &&
		   !strcmp(name, pty_name) && !fstat(tty, &st) && st.st_rdev == makedev(5, 0);
	if (write(tty, "via /dev/tty\n", 13) != 13 || n <= 0 ||
	    dprintf(1, "got: %.*s", (int)n, line) != 5 + n)
		r.val[3] = 0;
	task_report(&r);
}

static void pty_root(int idx)
{
	struct winsize ws = { .ws_row = 33, .ws_col = 101, .ws_xpixel = 7 };
	char buf[128], name[64];
	struct report r;
	pid_t c;
	size_t len;

	task_start(&r, idx);
	pty_master = posix_openpt(O_RDWR | O_NOCTTY);
	if (pty_master < 0 || grantpt(pty_master) || unlockpt(pty_master) ||
	    ptsname_r(pty_master, pty_name, sizeof(pty_name)) ||
	    ioctl(pty_master, TIOCSWINSZ, &ws))
		_exit(21);
	c = tree_fork(pty_shell, 1);
	task_started();
	nap(0.3);
	if (write(pty_master, PTY_TYPED, strlen(PTY_TYPED)) != strlen(PTY_TYPED))
		_exit(22);
	/* Stopped, checkpointed and restarted in this sleep. */
	nap(2.7);
	len = strlen(PTY_PROMPT PTY_ECHO);
	r.val[0] = read_upto(pty_master, buf, len) == len &&
		   !memcmp(buf, PTY_PROMPT PTY_ECHO, len);
	if (write(pty_master, PTY_REST, strlen(PTY_REST)) != strlen(PTY_REST))
		_exit(23);
	len = strlen(PTY_AFTER);
	memset(buf, 0, sizeof(buf));
	r.val[1] = read_upto(pty_master, buf, len) == len && !memcmp(buf, PTY_AFTER, len);
	if (!r.val[1])
		fprintf(stderr, "# the master read \"%.*s\"\n", (int)len, buf);
	r.val[2] = reap(c);
	r.val[3] = !ptsname_r(pty_master, name, sizeof(name)) && !strcmp(name, pty_name);
	root_finish(&r, 1);
}

static void run_pty(struct __test_metadata *_metadata, unsigned long flags, bool newns)
{
	const struct report *root, *shell;
	struct restored r;
	struct tree t;

	setup_subreaper(_metadata);
	tree_start_stopped(_metadata, &t, pty_root, 2, 1.0);
	tree_save(_metadata, &t);
	tree_restore(_metadata, &t, flags, &r);
	check_ids(_metadata, &r, 2, newns);
	root = find_rep(&r, 0);
	shell = find_rep(&r, 1);
	ASSERT_TRUE(root && shell);
	EXPECT_EQ(1, root->val[0]) TH_LOG("the master read the prompt and the echo");
	EXPECT_EQ(1, root->val[1]) TH_LOG("the master read the echo and the shell's output");
	EXPECT_EQ(0, root->val[2]) TH_LOG("the shell's exit");
	EXPECT_EQ(1, root->val[3]) TH_LOG("the pty has its number");
	EXPECT_EQ(1, shell->val[0]) TH_LOG("the shell read the line typed across the restart");
	EXPECT_EQ(1, shell->val[1]) TH_LOG("the terminal controls the shell's session, its group in the foreground");
	EXPECT_EQ(1, shell->val[2]) TH_LOG("the window size, the mode and owner of /dev/pts/N");
	EXPECT_EQ(1, shell->val[3]) TH_LOG("termios, ttyname, /dev/tty");
	close(t.img);
}

TEST(pty_session_same_pids)
{
	run_pty(_metadata, CKPT_RESTART_SAME_PIDS, false);
}

TEST(pty_session_new_pidns)
{
	run_pty(_metadata, CKPT_RESTART_NEW_PIDNS, true);
}

/* A session on a pty whose master the test holds: outside the image. */
static char outside_pty[64];
static bool outside_pty_close;

static void pty_outside_root(int idx)
{
	struct report r;
	int fd;

	if (setsid() < 0)
		_exit(20);
	task_start(&r, idx);
	fd = open(outside_pty, O_RDWR);
	if (fd < 0 || (outside_pty_close && close(fd)))
		_exit(21);
	task_started();
	nap(5);
	root_finish(&r, 0);
}

static void run_pty_outside(struct __test_metadata *_metadata, bool close_it, const char *why)
{
	struct tree t;
	int m = posix_openpt(O_RDWR | O_NOCTTY);

	ASSERT_LE(0, m);
	ASSERT_EQ(0, grantpt(m));
	ASSERT_EQ(0, unlockpt(m));
	ASSERT_EQ(0, ptsname_r(m, outside_pty, sizeof(outside_pty)));
	outside_pty_close = close_it;
	setup_subreaper(_metadata);
	tree_start_stopped(_metadata, &t, pty_outside_root, 1, 0.3);
	EXPECT_EQ(-1, tree_checkpoint(&t, t.root));
	EXPECT_EQ(EOPNOTSUPP, t.err);
	EXPECT_TRUE(ckpt_log_ok(t.log, "checkpoint: ", why)) TH_LOG("log: %s", t.log);
	tree_kill(&t);
	close(m);
}

TEST(pty_master_outside_refused)
{
	run_pty_outside(_metadata, false, "its master is outside the image");
}

TEST(pty_controlling_terminal_outside_refused)
{
	run_pty_outside(_metadata, true,
			"neither a pty whose master is in the image nor the terminal of its root's fd 0 to 2");
}

/* ------------------------------------------------------------------ */
/* A session on a terminal the test holds the master of, as script(1)   */
/* or sshd: inherited (CKPT_CHECKPOINT_INHERIT_STDIO).  Restart hands   */
/* the session a new terminal, a new pty's slave on the restorer's fds  */
/* 0 and 2; its foreground job reads it through /dev/tty and through    */
/* another open of the terminal.                                        */
/* ------------------------------------------------------------------ */

static char inh_pty[64];	/* the terminal of the tree before the checkpoint */
static char inh_new[64];	/* the one the restorer hands over */
/* How the restorer hands it: as it should, its own ctty, or /dev/null. */
static enum { INH_NEW, INH_OWN_CTTY, INH_NULL } inh_how;

/* The foreground job: its own group, reading the terminal in raw mode. */
static void inh_job(int idx)
{
	struct termios t0, t1;
	struct stat s0, s1, s2;
	struct report r;
	char c = 0;
	int tty, again;

	memset(&t0, 0, sizeof(t0));
	memset(&t1, 0, sizeof(t1));
	setpgid(0, 0);
	task_start(&r, idx);
	task_started();
	tty = open("/dev/tty", O_RDWR);
	again = open(inh_pty, O_RDWR | O_NOCTTY);
	if (tty < 0 || again < 0 || tcgetattr(again, &t0))
		_exit(40);
	/* Blocked here through the checkpoint. */
	if (read(tty, &c, 1) != 1)
		_exit(41);
	r.val[0] = c == 'x';
	r.val[1] = tcgetsid(tty) == getsid(0) && tcgetpgrp(tty) == getpgrp() &&
		   tcgetpgrp(again) == getpgrp() && tcgetsid(0) == getsid(0);
	r.val[2] = !tcgetattr(again, &t1) && !memcmp(&t0, &t1, sizeof(t0));
	r.val[3] = !fstat(tty, &s0) && s0.st_rdev == makedev(5, 0) && !fstat(again, &s1) &&
		   !fstat(0, &s2) && s1.st_rdev == s2.st_rdev;
	if (write(tty, "via /dev/tty\n", 13) != 13 || write(again, "via again\n", 10) != 10)
		r.val[3] = 0;
	task_report(&r);
}

/* The session's leader: the terminal raw, its job in the foreground. */
static void inh_root(int idx)
{
	struct termios t;
	struct report r;
	pid_t c;
	int fd;

	if (setsid() < 0)
		_exit(20);
	task_start(&r, idx);
	fd = open(inh_pty, O_RDWR);
	if (fd < 0 || dup2(fd, 0) || dup2(fd, 2) != 2 || close(fd) || tcgetattr(0, &t))
		_exit(21);
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(0, TCSANOW, &t))
		_exit(22);
	c = tree_fork(inh_job, 1);
	setpgid(c, c);
	if (tcsetpgrp(0, c))
		_exit(23);
	task_started();
	r.val[0] = reap(c);
	r.val[1] = tcgetsid(0) == getpid() && tcgetpgrp(0) == c;
	root_finish(&r, 1);
}

/* The restorer: a session of its own with the new terminal on fds 0 and 2. */
static void inh_hook(void)
{
	int fd;

	if (setsid() < 0)
		_exit(70);
	fd = open(inh_how == INH_NULL ? "/dev/null" : inh_new,
		  O_RDWR | (inh_how == INH_OWN_CTTY ? 0 : O_NOCTTY));
	if (fd < 0 || dup2(fd, 0) || dup2(fd, 2) != 2 || close(fd))
		_exit(71);
}

/* The test's ptys: the tree's, then the one restart hands over. */
static int inh_open(struct __test_metadata *_metadata, char *name)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);

	EXPECT_LE(0, m);
	EXPECT_EQ(0, grantpt(m));
	EXPECT_EQ(0, unlockpt(m));
	EXPECT_EQ(0, ptsname_r(m, name, 64));
	return m;
}

#define INH_OUT	"via /dev/tty\r\nvia again\r\n"

/*
 * Restart @t with @flags, the restorer handing over the new terminal,
 * whose master @m a typist holds: once the session has its terminal raw,
 * it types "x" and reads the job's output into @out.
 */
static void inh_restart(struct tree *t, unsigned long flags, struct restored *r, int m,
			char *out)
{
	int p[2] = { -1, -1 };
	pid_t typist;

	out[0] = '\0';
	if (pipe(p))
		return;
	fflush(NULL);
	typist = fork();
	if (typist == 0) {
		char buf[64] = "";
		double end = ckpt_now() + 8;
		struct termios tm;
		ssize_t n;

		close(p[0]);
		while (ckpt_now() < end && (tcgetattr(m, &tm) || tm.c_lflag & ICANON))
			ckpt_sleep(0.01);
		if (write(m, "x", 1) != 1)
			_exit(1);
		n = read_upto(m, buf, strlen(INH_OUT));
		_exit(write(p[1], buf, n) != n);
	}
	close(p[1]);
	inh_how = INH_NEW;
	tree_restart(t, flags, r, inh_hook);
	if (r->ret > 0 && readable(p[0]))
		out[read_upto(p[0], out, strlen(INH_OUT))] = '\0';
	kill(typist, SIGKILL);
	reap(typist);
	close(p[0]);
}

static void inh_save(struct __test_metadata *_metadata, struct tree *t)
{
	int m = inh_open(_metadata, inh_pty);

	setup_subreaper(_metadata);
	tree_start_stopped(_metadata, t, inh_root, 2, 1.0);
	tree_save(_metadata, t);
	close(m);
}

static void run_pty_inherited(struct __test_metadata *_metadata, unsigned long flags,
			      bool newns)
{
	const struct report *root, *job;
	char out[64];
	struct restored r;
	struct tree t;
	int m;

	inh_save(_metadata, &t);
	m = inh_open(_metadata, inh_new);
	inh_restart(&t, flags, &r, m, out);
	ASSERT_LT(0, r.ret) TH_LOG("restart: %s; log: %s", strerror(r.err), r.log);
	/* Raw and without echo, as the session left its terminal. */
	EXPECT_STREQ(INH_OUT, out);
	EXPECT_EQ(0, r.root_status);
	check_ids(_metadata, &r, 2, newns);
	root = find_rep(&r, 0);
	job = find_rep(&r, 1);
	ASSERT_TRUE(root && job);
	EXPECT_EQ(0, root->val[0]) TH_LOG("the job's exit");
	EXPECT_EQ(1, root->val[1]) TH_LOG("the new terminal controls the session, the job in the foreground");
	EXPECT_EQ(1, job->val[0]) TH_LOG("the job read the byte typed on the new terminal");
	EXPECT_EQ(1, job->val[1]) TH_LOG("tcgetsid, tcgetpgrp through /dev/tty and the other open");
	EXPECT_EQ(1, job->val[2]) TH_LOG("the termios of the terminal");
	EXPECT_EQ(1, job->val[3]) TH_LOG("/dev/tty, and the other open on the new terminal");
	close(m);
	close(t.img);
}

TEST(pty_inherited_terminal_same_pids)
{
	run_pty_inherited(_metadata, CKPT_RESTART_SAME_PIDS, false);
}

TEST(pty_inherited_terminal_new_pidns)
{
	run_pty_inherited(_metadata, CKPT_RESTART_NEW_PIDNS, true);
}

/*
 * The terminal handed over must be no session's yet, and a terminal: else
 * restart fails before the point of no return, the restorer intact.
 */
TEST(pty_inherited_terminal_refused)
{
	struct restored r;
	char out[64];
	struct tree t;
	int m;

	inh_save(_metadata, &t);
	m = inh_open(_metadata, inh_new);
	inh_how = INH_OWN_CTTY;
	tree_restart(&t, CKPT_RESTART_NEW_PIDNS, &r, inh_hook);
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EBUSY, r.err);
	EXPECT_TRUE(ckpt_log_ok(r.log, "restart: ", "is already the controlling terminal of a session"))
		TH_LOG("log: %s", r.log);
	/* Not a terminal. */
	inh_how = INH_NULL;
	tree_restart(&t, CKPT_RESTART_NEW_PIDNS, &r, inh_hook);
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(ENOTTY, r.err);
	EXPECT_TRUE(ckpt_log_ok(r.log, "restart: ", "which is not a terminal"))
		TH_LOG("log: %s", r.log);
	/* The image is intact: with a terminal of its own it restarts. */
	inh_restart(&t, CKPT_RESTART_NEW_PIDNS, &r, m, out);
	EXPECT_LT(0, r.ret) TH_LOG("restart: %s; log: %s", strerror(r.err), r.log);
	EXPECT_STREQ(INH_OUT, out);
	EXPECT_EQ(0, r.root_status);
	close(m);
	close(t.img);
}

TEST_HARNESS_MAIN
