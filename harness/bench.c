// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmark of `make bench`, run by /init in the x86_64 guest.
 *
 * A process touches N MiB of anonymous memory and stops.  We time its
 * checkpoint into a tmpfs file and into a pipe drained by a reader, and
 * the restart from the file; against write(2) of the same bytes from user
 * memory to the same file and pipe, and read(2) of them from the file,
 * measured in the same run.  A ratio is the system call's throughput over
 * checkpoint(2)'s or restart(2)'s: 1.0 means as fast as plain I/O.
 *
 * Then trees: a root and its children, each filling memory of its own
 * (mapped after the fork, so nothing is shared copy-on-write), stopped,
 * checkpointed into a tmpfs file, killed, and restarted from the file in a
 * new pid namespace; against write(2)/read(2) of as many bytes.  Every
 * restored task checks its pids and every word of its memory, and the
 * benchmark fails when one is wrong: its last line, CKPT-BENCH-OK, is only
 * printed when every restored tree was right.
 *
 * Then threads: one process of 256 MiB with 1, 8 and 64 threads, each
 * waiting in a futex, the same way; restored, every thread is woken and
 * joined and the memory checked.  The cost of a thread is the difference
 * of the times with 64 and with 1 thread, over 63.
 *
 * Then CRIU side by side (part "criu"): criu dump and criu restore against
 * checkpoint(2) and restart(2) on the same workloads, each tool on a
 * target made the same way in the same round; see part_criu().
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/checkpoint.h>
#include <linux/futex.h>

#define MIB		(1024UL * 1024)
#define CHUNK		MIB
#define ROUNDS		3
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* The trees: 16 tasks of 16 MiB; 16 and 64 tasks of 4 MiB each. */
#define TREE_TASKS	16
#define TREE_MIB	16
#define TREE_FEW	16
#define TREE_MID	32
#define TREE_MANY	64
#define TREE_TASK_MIB	4
#define TREE_MAX	64
#define TREE_ROUNDS	ROUNDS
/* Seconds a round of a tree case may last: then the benchmark fails. */
#define TREE_TIMEOUT	600
#define TREE_RESTART	CKPT_RESTART_NEW_PIDNS

struct tree_times {
	double ckpt, restart;	/* seconds, best of the rounds */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int tmpfile_at(const char *name)
{
	int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		die(name);
	return fd;
}

static double best(double a, double b)
{
	return a < b || !b ? a : b;
}

/*
 * write(2) of @size bytes at @buf to a tmpfs file, then read(2) of them
 * back; the best times so far in @t_write and @t_read.
 */
static void raw_file_io(char *buf, size_t size, double *t_write, double *t_read)
{
	int fd = tmpfile_at("/tmp/raw");
	double t = now();

	for (size_t off = 0; off < size; off += CHUNK)
		if (write(fd, buf + off, CHUNK) != CHUNK)
			die("write");
	*t_write = best(now() - t, *t_write);
	lseek(fd, 0, SEEK_SET);
	t = now();
	for (size_t off = 0; off < size; off += CHUNK)
		if (read(fd, buf + off, CHUNK) != CHUNK)
			die("read");
	*t_read = best(now() - t, *t_read);
	close(fd);
	unlink("/tmp/raw");
}

/* A reader that drains the pipe @p; returns its pid. */
static pid_t drain(int p[2])
{
	static char buf[CHUNK];
	pid_t pid = fork();

	if (pid == 0) {
		close(p[1]);
		while (read(p[0], buf, sizeof(buf)) > 0)
			;
		_exit(0);
	}
	return pid;
}

/*
 * The target: @size bytes touched, then stopped.  Restarted, it writes
 * when it runs again to its standard output, which it inherits from the
 * restarting process.
 */
static pid_t target(size_t size, void *buf)
{
	pid_t pid = fork();

	if (pid == 0) {
		/* Only the target's own memory is measured. */
		munmap(buf, size);
		/* And no fd but 0-2: the benchmark's pipes are outside it. */
		syscall(SYS_close_range, 3, ~0U, 0);
		char *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		pid_t me = getpid();
		double t;

		if (p == MAP_FAILED)
			_exit(1);
		for (size_t i = 0; i < size; i += 4096)
			p[i] = (char)(i >> 12) | 1;
		raise(SIGSTOP);
		t = now();
		if (getpid() != me && write(1, &t, sizeof(t)) != sizeof(t))
			_exit(2);
		_exit(0);
	}
	return pid;
}

static struct tree_times bench(size_t mib)
{
	size_t size = mib * MIB;
	double t, t_ckpt_file = 0, t_ckpt_pipe = 0, t_restart = 0;
	double t_write_file = 0, t_write_pipe = 0, t_read_file = 0;
	char *buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	int report[2], p[2], status, fd;
	struct stat st;
	off_t image = 0;
	pid_t pid, r;

	if (buf == MAP_FAILED || pipe(report))
		die("setup");
	memset(buf, 0x5a, size);
	for (int round = 0; round < ROUNDS; round++) {
		/* write(2) of the bytes to a tmpfs file, then read(2) back. */
		raw_file_io(buf, size, &t_write_file, &t_read_file);

		/* write(2) of the bytes to a pipe drained by a reader. */
		if (pipe(p))
			die("pipe");
		r = drain(p);
		close(p[0]);
		t = now();
		for (size_t off = 0; off < size; off += CHUNK)
			if (write(p[1], buf + off, CHUNK) != CHUNK)
				die("write");
		close(p[1]);
		waitpid(r, NULL, 0);
		t_write_pipe = best(now() - t, t_write_pipe);

		/* checkpoint(2) of the target into a pipe. */
		pid = target(size, buf);
		waitpid(pid, &status, WUNTRACED);
		if (pipe(p))
			die("pipe");
		r = drain(p);
		close(p[0]);
		t = now();
		if (syscall(__NR_checkpoint, pid, p[1], CKPT_CHECKPOINT_INHERIT_STDIO, 2) <= 0)
			die("checkpoint to a pipe");
		close(p[1]);
		waitpid(r, NULL, 0);
		t_ckpt_pipe = best(now() - t, t_ckpt_pipe);

		/* checkpoint(2) of the target into a tmpfs file. */
		fd = tmpfile_at("/tmp/image");
		t = now();
		if (syscall(__NR_checkpoint, pid, fd, CKPT_CHECKPOINT_INHERIT_STDIO, 2) <= 0)
			die("checkpoint to a file");
		t_ckpt_file = best(now() - t, t_ckpt_file);
		fstat(fd, &st);
		image = st.st_size;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);

		/* restart(2) from the file, until the target runs again. */
		t = now();
		r = fork();
		if (r == 0) {
			lseek(fd, 0, SEEK_SET);
			dup2(report[1], 1);
			syscall(__NR_restart, 0, fd, 0, 2);
			die("restart");
		}
		{
			double back;

			if (read(report[0], &back, sizeof(back)) != sizeof(back))
				die("restarted target");
			t_restart = best(back - t, t_restart);
		}
		waitpid(r, &status, 0);
		close(fd);
		unlink("/tmp/image");
	}
	munmap(buf, size);

	printf("%4zu MiB touched, image %.1f MiB (%+.2f%% of the memory)\n", mib,
	       image / (double)MIB, 100.0 * (image - (double)size) / size);
	printf("  checkpoint to tmpfs file : %7.1f MiB/s   write(2) %7.1f MiB/s   ratio %.2f\n",
	       mib / t_ckpt_file, mib / t_write_file, t_write_file / t_ckpt_file);
	printf("  checkpoint to a pipe     : %7.1f MiB/s   write(2) %7.1f MiB/s   ratio %.2f\n",
	       mib / t_ckpt_pipe, mib / t_write_pipe, t_write_pipe / t_ckpt_pipe);
	printf("  restart from tmpfs file  : %7.1f MiB/s   read(2)  %7.1f MiB/s   ratio %.2f\n",
	       mib / t_restart, mib / t_read_file, t_read_file / t_restart);
	return (struct tree_times){ t_ckpt_file, t_restart };
}

/*
 * Process trees.  Task i of a tree (0 the root) fills its memory with the
 * words tree_word(i, k), stops, and is checkpointed and killed.  Its
 * restored copy reports on fd 1 when it runs again, waits for a byte on
 * fd 0 (so that the checks of the first tasks do not delay the others),
 * then checks its pids and every word and reports again; fds 0 and 1 are
 * pipes of the restorer, which the image inherits.
 */
struct tree_report {
	int idx;		/* the task, 0 for the root */
	int phase;		/* 1: it runs again; 2: it checked itself */
	int bad;		/* TREE_BAD_* */
	int pad;
	double t;		/* phase 1: when it ran again */
};

#define TREE_BAD_PID	1
#define TREE_BAD_PPID	2
#define TREE_BAD_MEMORY	4
#define TREE_BAD_STATE	8


static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("bench: FAILED: ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	exit(1);
}

static const char *step = "";

/*
 * The part "criu": its targets are restored at the pids they had (by CRIU,
 * and by restart(2) with CKPT_RESTART_SAME_PIDS) and have /dev/null on fds
 * 0-2 (criu refuses the console); a restored task only checks itself and
 * says how it went through its exit status.
 */
static bool same_pids;

static void tree_timeout(int sig)
{
	static const char msg[] = "bench: FAILED: a tree round timed out in ";

	(void)sig;
	if (write(1, msg, sizeof(msg) - 1) < 0 || write(1, step, strlen(step)) < 0 ||
	    write(1, "\n", 1) < 0)
		_exit(2);
	_exit(1);
}

static unsigned long long tree_word(int idx, size_t k)
{
	return ((k + 1) * 0x9e3779b97f4a7c15ULL) ^ ((unsigned long long)idx << 48);
}

/* Memory of its own, mapped and filled after the fork. */
static unsigned long long *tree_fill(int idx, size_t size)
{
	unsigned long long *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		_exit(3);
	for (size_t k = 0; k < size / sizeof(*p); k++)
		p[k] = tree_word(idx, k);
	return p;
}

/*
 * The restored task @idx: report, wait for the go, check that its pid is
 * @pid, its parent's @ppid (unless negative) and its memory @p; report.
 */
static bool tree_resumed(int idx, const unsigned long long *p, size_t size, pid_t pid, pid_t ppid,
			 bool (*check)(void))
{
	struct tree_report r = { .idx = idx, .phase = 1, .t = now() };
	char go;

	if (!same_pids && (write(1, &r, sizeof(r)) != sizeof(r) || read(0, &go, 1) != 1))
		_exit(4);
	r.phase = 2;
	if (getpid() != pid)
		r.bad |= TREE_BAD_PID;
	if (ppid >= 0 && getppid() != ppid)
		r.bad |= TREE_BAD_PPID;
	for (size_t k = 0; k < size / sizeof(*p); k++)
		if (p[k] != tree_word(idx, k)) {
			r.bad |= TREE_BAD_MEMORY;
			break;
		}
	if (check && !check())
		r.bad |= TREE_BAD_STATE;
	if (!same_pids && write(1, &r, sizeof(r)) != sizeof(r))
		_exit(4);
	return !r.bad;
}

/*
 * The root of a tree of @n tasks of @size bytes each, in its own process
 * group: it forks the others, fills its memory, waits until every child
 * has stopped and stops.  Restored, it reaps its children and exits 0 if
 * each of them and itself was right.
 */
static void tree_root(int n, size_t size)
{
	static pid_t kids[TREE_MAX];
	bool newns = TREE_RESTART == CKPT_RESTART_NEW_PIDNS && !same_pids;
	pid_t me = getpid();
	unsigned long long *p;
	bool ok;
	int st;

	setpgid(0, 0);
	syscall(SYS_close_range, 3, ~0U, 0);
	for (int i = 1; i < n; i++) {
		kids[i] = fork();
		if (kids[i] < 0)
			_exit(3);
		if (kids[i] == 0) {
			pid_t pid = getpid();

			p = tree_fill(i, size);
			raise(SIGSTOP);
			_exit(tree_resumed(i, p, size, pid, newns ? 1 : me, NULL) ? 0 : 5);
		}
	}
	p = tree_fill(0, size);
	for (int i = 1; i < n; i++)
		if (waitpid(kids[i], &st, WUNTRACED) != kids[i] || !WIFSTOPPED(st))
			_exit(6);
	raise(SIGSTOP);
	/* The root's parent is the restorer, outside a new pid namespace. */
	ok = tree_resumed(0, p, size, newns ? 1 : me, newns ? 0 : -1, NULL);
	for (int i = 1; i < n; i++)
		if (waitpid(kids[i], &st, 0) != kids[i] || !WIFEXITED(st) || WEXITSTATUS(st))
			ok = false;
	_exit(ok ? 0 : 7);
}

/* Read the @n reports of @phase of a restored tree; the last time. */
static double tree_reports(int fd, int n, int phase)
{
	bool seen[TREE_MAX] = { false };
	double last = 0;

	for (int i = 0; i < n; i++) {
		struct tree_report r;

		if (read(fd, &r, sizeof(r)) != sizeof(r))
			fail("restored tree of %d tasks: %d of its tasks %s", n, i,
			     phase == 1 ? "ran again" : "checked themselves");
		if (r.idx < 0 || r.idx >= n || seen[r.idx] || r.phase != phase)
			fail("restored tree of %d tasks: bad report (task %d, phase %d)",
			     n, r.idx, r.phase);
		if (r.bad)
			fail("restored tree of %d tasks: task %d has a wrong%s%s%s%s", n, r.idx,
			     r.bad & TREE_BAD_PID ? " pid" : "",
			     r.bad & TREE_BAD_PPID ? " parent" : "",
			     r.bad & TREE_BAD_MEMORY ? " memory" : "",
			     r.bad & TREE_BAD_STATE ? " state (mappings or files)" : "");
		seen[r.idx] = true;
		if (r.t > last)
			last = r.t;
	}
	return last;
}

/*
 * Restart the tree in @fd from a new child, the restorer; time it until
 * every restored task runs, then let them check themselves.  The
 * restorer exits with the root's exit code.
 */
static double tree_restart(int fd, int n)
{
	char go[TREE_MAX];
	int rep[2], gp[2], st = 0;
	double t, last;
	pid_t r;

	if (pipe(rep) || pipe(gp))
		die("pipe");
	lseek(fd, 0, SEEK_SET);
	t = now();
	r = fork();
	if (r == 0) {
		long root;

		if (dup2(gp[0], 0) < 0 || dup2(rep[1], 1) < 0 || dup2(fd, 3) < 0)
			_exit(2);
		syscall(SYS_close_range, 4, ~0U, 0);
		root = syscall(__NR_restart, 0, 3, TREE_RESTART, 2);
		if (root <= 0) {
			perror("bench: restart of a tree");
			_exit(2);
		}
		close(0);
		close(1);
		close(3);
		if (waitpid(root, &st, 0) != root)
			_exit(2);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	}
	close(gp[0]);
	close(rep[1]);
	last = tree_reports(rep[0], n, 1);
	memset(go, 1, n);
	if (write(gp[1], go, n) != n)
		die("write");
	tree_reports(rep[0], n, 2);
	close(gp[1]);
	close(rep[0]);
	if (waitpid(r, &st, 0) != r || !WIFEXITED(st) || WEXITSTATUS(st))
		fail("restored tree of %d tasks: its restorer ended with status %#x", n, st);
	return last - t;
}

/* A tree of @n tasks touching @mib MiB each; returns the best times. */
static struct tree_times bench_tree(int n, size_t mib)
{
	size_t size = mib * MIB, total = n * size;
	struct tree_times best_t = { 0, 0 };
	double t, t_write_file = 0, t_read_file = 0;
	char *buf = mmap(NULL, total, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	size_t all_mib = n * mib;
	off_t image = 0;
	struct stat st;
	int status = 0, fd;
	pid_t root;

	/* Not in the tree, nor in the restorer: forks do not copy it. */
	if (buf == MAP_FAILED || madvise(buf, total, MADV_DONTFORK))
		die("setup");
	memset(buf, 0x5a, total);
	for (int round = 0; round < TREE_ROUNDS; round++) {
		alarm(TREE_TIMEOUT);
		/* write(2) of as many bytes to a tmpfs file, then read(2) back. */
		step = "write(2) and read(2)";
		raw_file_io(buf, total, &t_write_file, &t_read_file);

		/* The tree, stopped when its root is. */
		step = "the start of the tree";
		fflush(NULL);
		root = fork();
		if (root < 0)
			die("fork");
		if (root == 0)
			tree_root(n, size);
		setpgid(root, root);
		if (waitpid(root, &status, WUNTRACED) != root || !WIFSTOPPED(status))
			fail("tree of %d tasks: the root ended before it stopped (status %#x)",
			     n, status);

		/* checkpoint(2) of the tree into a tmpfs file. */
		step = "checkpoint(2)";
		fd = tmpfile_at("/tmp/image");
		t = now();
		if (syscall(__NR_checkpoint, root, fd, CKPT_CHECKPOINT_INHERIT_STDIO, 2) <= 0)
			die("checkpoint of a tree");
		best_t.ckpt = best(now() - t, best_t.ckpt);
		fstat(fd, &st);
		image = st.st_size;

		/* Kill the original tree; its orphans come to us to be reaped. */
		step = "the kill of the original tree";
		kill(-root, SIGKILL);
		for (int i = 0; i < n; i++)
			if (waitpid(-1, NULL, __WALL) < 0)
				die("waitpid");

		step = "restart(2)";
		best_t.restart = best(tree_restart(fd, n), best_t.restart);
		close(fd);
		unlink("/tmp/image");
		alarm(0);
	}
	munmap(buf, total);

	printf("%2d tasks x %3zu MiB = %3zu MiB touched, image %.1f MiB (%+.2f%% of the memory)\n",
	       n, mib, all_mib, image / (double)MIB, 100.0 * (image - (double)total) / total);
	printf("  checkpoint to tmpfs file : %7.1f MiB/s   write(2) %7.1f MiB/s   ratio %.2f\n",
	       all_mib / best_t.ckpt, all_mib / t_write_file, t_write_file / best_t.ckpt);
	printf("  restart from tmpfs file  : %7.1f MiB/s   read(2)  %7.1f MiB/s   ratio %.2f\n",
	       all_mib / best_t.restart, all_mib / t_read_file, t_read_file / best_t.restart);
	printf("  time, in all             : checkpoint %7.1f ms   restart %7.1f ms\n",
	       1e3 * best_t.ckpt, 1e3 * best_t.restart);
	printf("  time, per task           : checkpoint %7.2f ms   restart %7.2f ms\n",
	       1e3 * best_t.ckpt / n, 1e3 * best_t.restart / n);
	return best_t;
}

/*
 * One round of a one-process case: fork the process, which runs
 * @start(@n, @arg) and stops; checkpoint it into a tmpfs file, kill it,
 * restart it in a new pid namespace and wait until it checked itself
 * (tree_restart()).  The best times so far in @best_t, the image's size
 * in @image.
 */
static void process_round(void (*start)(int n, size_t arg), int n, size_t arg,
			  const char *what, struct tree_times *best_t, off_t *image)
{
	int status = 0, fd;
	struct stat st;
	pid_t root;
	double t;

	step = "the start of the process";
	fflush(NULL);
	root = fork();
	if (root < 0)
		die("fork");
	if (root == 0)
		start(n, arg);
	setpgid(root, root);
	if (waitpid(root, &status, WUNTRACED) != root || !WIFSTOPPED(status))
		fail("%s (%d): it ended before it stopped (status %#x)", what, n, status);

	step = "checkpoint(2)";
	fd = tmpfile_at("/tmp/image");
	t = now();
	if (syscall(__NR_checkpoint, root, fd, CKPT_CHECKPOINT_INHERIT_STDIO, 2) <= 0)
		die("checkpoint of a process");
	best_t->ckpt = best(now() - t, best_t->ckpt);
	fstat(fd, &st);
	*image = st.st_size;

	step = "the kill of the original process";
	kill(root, SIGKILL);
	if (waitpid(root, NULL, 0) != root)
		die("waitpid");

	step = "restart(2)";
	best_t->restart = best(tree_restart(fd, 1), best_t->restart);
	close(fd);
	unlink("/tmp/image");
}

/* Threads: one process of 256 MiB with 1, 8 and 64 threads. */
#define THREADS_MIB	256
#define THREADS_MAX	64

static uint32_t threads_go;
static int threads_done;

static void *bench_thread(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&threads_go, __ATOMIC_ACQUIRE))
		syscall(SYS_futex, &threads_go, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	__atomic_add_fetch(&threads_done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/*
 * A process of @n threads and @size bytes: stopped once every thread
 * exists; restored, it checks its pid and memory (phase 1 and 2 reports,
 * as a tree of one task), wakes and joins its threads and exits 0 if all
 * were there.
 */
static void threads_root(int n, size_t size)
{
	static pthread_t th[THREADS_MAX];
	pid_t me = getpid();
	unsigned long long *p;
	bool ok;

	setpgid(0, 0);
	syscall(SYS_close_range, 3, ~0U, 0);
	p = tree_fill(0, size);
	for (int i = 1; i < n; i++)
		if (pthread_create(&th[i], NULL, bench_thread, NULL))
			_exit(3);
	raise(SIGSTOP);
	ok = tree_resumed(0, p, size, same_pids ? me : 1, same_pids ? -1 : 0, NULL);
	__atomic_store_n(&threads_go, 1, __ATOMIC_RELEASE);
	syscall(SYS_futex, &threads_go, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL, NULL, 0);
	for (int i = 1; i < n; i++)
		if (pthread_join(th[i], NULL))
			ok = false;
	_exit(ok && threads_done == n - 1 ? 0 : 8);
}

/* A process of @n threads touching @mib MiB; returns the best times. */
static struct tree_times bench_threads(int n, size_t mib)
{
	size_t size = mib * MIB;
	struct tree_times best_t = { 0, 0 };
	double t_write_file = 0, t_read_file = 0;
	char *buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	off_t image = 0;

	if (buf == MAP_FAILED || madvise(buf, size, MADV_DONTFORK))
		die("setup");
	memset(buf, 0x5a, size);
	for (int round = 0; round < TREE_ROUNDS; round++) {
		alarm(TREE_TIMEOUT);
		step = "write(2) and read(2)";
		raw_file_io(buf, size, &t_write_file, &t_read_file);
		process_round(threads_root, n, size, "process of threads", &best_t, &image);
		alarm(0);
	}
	munmap(buf, size);

	printf("%2d thread%s, %3zu MiB touched, image %.1f MiB\n", n, n == 1 ? " " : "s", mib,
	       image / (double)MIB);
	printf("  checkpoint to tmpfs file : %7.1f MiB/s   write(2) %7.1f MiB/s   ratio %.2f\n",
	       mib / best_t.ckpt, mib / t_write_file, t_write_file / best_t.ckpt);
	printf("  restart from tmpfs file  : %7.1f MiB/s   read(2)  %7.1f MiB/s   ratio %.2f\n",
	       mib / best_t.restart, mib / t_read_file, t_read_file / best_t.restart);
	printf("  time                     : checkpoint %7.1f ms   restart %7.1f ms\n",
	       1e3 * best_t.ckpt, 1e3 * best_t.restart);
	return best_t;
}

/*
 * Sweeps: one process with N mappings (VMAs) or N open files more than a
 * process with none.  The mappings are one page each, read-write and
 * read-only in turn so that none merges, each page stamped; the files
 * are N opens of one tmpfs file, fd 3 + i at offset i.  Restored, the
 * process checks every stamp and its count of mappings, or every offset.
 */
#define SWEEP_VMAS	0
#define SWEEP_FDS	1
#define SWEEP_FILE_VMAS	2
#define SWEEP_FILE	"/tmp/sweep"

static int sweep_n, sweep_maps;
static char *sweep_mem;

static int count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	int c, n = 0;

	if (!f)
		return -1;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static bool sweep_vmas_ok(void)
{
	long pg = sysconf(_SC_PAGESIZE);

	for (int i = 0; i < sweep_n; i++)
		if (*(unsigned long long *)(sweep_mem + i * pg) != tree_word(1, i))
			return false;
	return count_maps() == sweep_maps;
}

static bool sweep_fds_ok(void)
{
	for (int i = 0; i < sweep_n; i++)
		if (lseek(3 + i, 0, SEEK_CUR) != i)
			return false;
	return true;
}

static void sweep_root(int n, size_t kind)
{
	long pg = sysconf(_SC_PAGESIZE);
	pid_t me = getpid();

	setpgid(0, 0);
	syscall(SYS_close_range, 3, ~0U, 0);
	sweep_n = n;
	if ((kind == SWEEP_VMAS || kind == SWEEP_FILE_VMAS) && n) {
		int fd = kind == SWEEP_VMAS ? -1 : open(SWEEP_FILE, O_RDWR);

		/* A file mapping: private, of one file, each page COWed. */
		if (fd >= 0 && ftruncate(fd, n * pg))
			_exit(3);
		sweep_mem = mmap(NULL, n * pg, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | (fd < 0 ? MAP_ANONYMOUS : 0), fd, 0);
		if (sweep_mem == MAP_FAILED)
			_exit(3);
		if (fd >= 0)
			close(fd);
		for (int i = 0; i < n; i++)
			*(unsigned long long *)(sweep_mem + i * pg) = tree_word(1, i);
		for (int i = 1; i < n; i += 2)
			if (mprotect(sweep_mem + i * pg, pg, PROT_READ))
				_exit(3);
	} else if (kind == SWEEP_FDS) {
		struct rlimit rl = { n + 64, n + 64 };

		if (setrlimit(RLIMIT_NOFILE, &rl))
			_exit(3);
		for (int i = 0; i < n; i++)
			if (open(SWEEP_FILE, O_RDWR) != 3 + i || lseek(3 + i, i, SEEK_SET) != i)
				_exit(3);
	}
	sweep_maps = count_maps();
	raise(SIGSTOP);
	_exit(tree_resumed(0, NULL, 0, same_pids ? me : 1, same_pids ? -1 : 0,
			   kind == SWEEP_FDS ? sweep_fds_ok : sweep_vmas_ok) ? 0 : 8);
}

/* The best times of a process with @n mappings or files (@kind). */
static struct tree_times bench_sweep(size_t kind, int n)
{
	struct tree_times best_t = { 0, 0 };
	off_t image = 0;

	for (int round = 0; round < TREE_ROUNDS; round++) {
		alarm(TREE_TIMEOUT);
		process_round(sweep_root, n, kind, kind == SWEEP_FDS ? "process of files" :
			      "process of mappings", &best_t, &image);
		alarm(0);
	}
	return best_t;
}

/*
 * A sweep of @kind (@what, one of the things it adds): the process with
 * none, then with each of @sizes; the cost of one thing is the time over
 * the time with none, divided by how many; doubling them must at most
 * double the difference of the times, plus 5%.
 */
static void sweep(size_t kind, const char *what, const int *sizes, int nr)
{
	struct tree_times none = bench_sweep(kind, 0), t[8];

	printf("  %-6s  checkpoint ms  restart ms   per %s: checkpoint us  restart us\n",
	       "N", what);
	printf("  %-6d  %13.1f  %10.1f\n", 0, 1e3 * none.ckpt, 1e3 * none.restart);
	for (int i = 0; i < nr; i++) {
		t[i] = bench_sweep(kind, sizes[i]);
		printf("  %-6d  %13.1f  %10.1f   %*s  %13.2f  %10.2f\n", sizes[i],
		       1e3 * t[i].ckpt, 1e3 * t[i].restart, (int)strlen(what) + 4, "",
		       1e6 * (t[i].ckpt - none.ckpt) / sizes[i],
		       1e6 * (t[i].restart - none.restart) / sizes[i]);
	}
	for (int i = 1; i < nr; i++) {
		if (sizes[i] != 2 * sizes[i - 1])
			continue;
		printf("  %d vs %d %ss: checkpoint x%.2f, restart x%.2f (linear: at most x2.10)\n",
		       sizes[i], sizes[i - 1], what,
		       (t[i].ckpt - none.ckpt) / (t[i - 1].ckpt - none.ckpt),
		       (t[i].restart - none.restart) / (t[i - 1].restart - none.restart));
	}
}

/*
 * CRIU side by side: for each workload, `criu dump -t PID -D DIR` against
 * checkpoint(2) into the same tmpfs, `criu restore -D DIR -d` against
 * restart(2), on the same target made twice in the same round (the
 * same memory, mappings, files, tasks and threads).  The target is a
 * session leader with /dev/null on fds 0-2, as criu needs; both restore
 * it at its own pids (CKPT_RESTART_SAME_PIDS), stopped or not, and the
 * bench continues it and reaps it: it checks its pids, memory, mappings
 * or offsets and exits 0 only if all were right (else the bench fails).
 */
#ifndef CRIU
#define CRIU		"/usr/sbin/criu"
#endif
#define CRIU_DIR	"/tmp/criu-images"
#define CRIU_IMAGE	"/tmp/image"

/* Wall, own CPU and guest CPU time of an operation, seconds. */
struct cr_time {
	double wall, cpu, guest;
};

/* What CRIU says of its dump and restore (stats-dump, stats-restore), us. */
struct criu_stats {
	double frozen, memdump, memwrite, restore, forking;
	unsigned long long pages_written, pages_restored;
};

struct cr_case {
	const char *name;
	void (*start)(int n, size_t arg);
	int n;			/* threads, tasks, mappings or files */
	size_t arg;		/* bytes, or the kind of sweep */
	int tasks;		/* processes to reap when it is killed */
	int rounds;
	size_t raw;		/* bytes of write(2)/read(2) to compare with, or 0 */
};

/* Per case, the best figures of the rounds. */
struct cr_result {
	struct cr_time dump, ckpt, criu_rst, rst;
	struct criu_stats st;
	off_t criu_image, image;
	double t_write, t_read;
	char dump_err[160], rst_err[160];
};

/* Busy time of the guest's CPUs so far (/proc/stat), in seconds. */
static double guest_busy(void)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (!f)
		return 0;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
		   &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n < 8)
		return 0;
	/* All but idle (3) and iowait (4). */
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / sysconf(_SC_CLK_TCK);
}

static double tv(struct timeval t)
{
	return t.tv_sec + t.tv_usec / 1e6;
}

static double thread_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return tv(ru.ru_utime) + tv(ru.ru_stime);
}

static void best_time(struct cr_time *b, struct cr_time t)
{
	b->wall = best(t.wall, b->wall);
	b->cpu = best(t.cpu, b->cpu);
	b->guest = best(t.guest, b->guest);
}

/* Kill what is left of the target's session @sid, and reap every child. */
static void reap_all(pid_t sid)
{
	if (sid > 0)
		kill(-sid, SIGKILL);
	while (waitpid(-1, NULL, __WALL) > 0)
		;
}

/*
 * The target of @c: a session leader (criu refuses a root in session 0)
 * with /dev/null on 0-2 (and the kernel-opened /dev/console), stopped.
 */
static pid_t cr_target(const struct cr_case *c)
{
	int st = 0;
	pid_t pid;

	step = "the start of the target";
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		if (fd < 0 || setsid() < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 ||
		    dup2(fd, 2) < 0)
			_exit(3);
		c->start(c->n, c->arg);
		_exit(3);
	}
	if (waitpid(pid, &st, WUNTRACED) != pid || !WIFSTOPPED(st))
		fail("criu part, %s: the target ended before it stopped (status %#x)",
		     c->name, st);
	return pid;
}

/* Continue the restored target @pid, our child again, and check it. */
static void cr_check_restored(const struct cr_case *c, pid_t pid, const char *by)
{
	int st = 0;

	step = "the check of a restored target";
	/* CRIU restores a stopped task stopped. */
	kill(pid, SIGCONT);
	kill(-pid, SIGCONT);
	if (waitpid(pid, &st, 0) != pid)
		fail("criu part, %s: the target restored by %s is not our child", c->name, by);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fail("criu part, %s: the target restored by %s found itself wrong (status %#x)",
		     c->name, by, st);
	reap_all(0);
}

/* The last line of @path that says "Error", else its last line, in @buf. */
static void last_error(const char *path, char *buf, size_t size)
{
	char line[512], last[512] = "", err[512] = "";
	FILE *f = fopen(path, "r");

	if (f) {
		while (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = 0;
			/* Its probe of iptables, which the guest lacks, is harmless. */
			if (!*line || strstr(line, "exited, status=1"))
				continue;
			snprintf(last, sizeof(last), "%s", line);
			if (strstr(line, "Error"))
				snprintf(err, sizeof(err), "%s", line);
		}
		fclose(f);
	}
	snprintf(buf, size, "%s", *err ? err : *last ? last : "(no message)");
}

/*
 * Run criu with @argv, its output into @out: fork, exec, wait4.  Wall
 * time from the fork to the end of wait4; CPU time, user and system of
 * criu and of the children it waited for; the guest's busy CPU time
 * meanwhile.  Returns its exit status (127: no criu).
 */
static int run_criu(char *const argv[], const char *out, struct cr_time *t)
{
	double t0 = now(), g0 = guest_busy();
	struct rusage ru;
	int st = 0;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		/*
		 * A process group of its own: /init's is 0, which criu's
		 * check of autofs passes to mount(2) as its pgrp= (and fails).
		 */
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0 || setpgid(0, 0))
			_exit(127);
		close(fd);
		execv(CRIU, argv);
		perror(CRIU);
		_exit(127);
	}
	if (wait4(pid, &st, 0, &ru) != pid)
		die("wait4");
	t->wall = now() - t0;
	t->guest = guest_busy() - g0;
	t->cpu = tv(ru.ru_utime) + tv(ru.ru_stime);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int varint(const unsigned char **p, const unsigned char *end, unsigned long long *v)
{
	*v = 0;
	for (int shift = 0; *p < end && shift < 64; shift += 7) {
		unsigned char b = *(*p)++;

		*v |= (unsigned long long)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return 0;
	}
	return -1;
}

/*
 * CRIU's stats-dump or stats-restore file (@field 1 or 2 of its
 * stats_entry): fields 1-15 of the inner message into @v.  The file: u32
 * 0x55105940 (a service image), u32 0x57093306 (stats), u32 size, then
 * size bytes of protobuf; the inner message's fields are all varints.
 */
static bool criu_stats_file(const char *path, unsigned int field, unsigned long long v[16])
{
	unsigned char buf[1024];
	const unsigned char *p, *end;
	unsigned long long key, len;
	unsigned int hdr[3];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	memcpy(hdr, buf, sizeof(hdr));
	if (n < sizeof(hdr) || hdr[0] != 0x55105940 || hdr[1] != 0x57093306 ||
	    hdr[2] > n - sizeof(hdr))
		return false;
	p = buf + sizeof(hdr);
	end = p + hdr[2];
	while (p < end) {
		if (varint(&p, end, &key) || (key & 7) != 2 || varint(&p, end, &len) ||
		    len > (unsigned long long)(end - p))
			return false;
		if (key >> 3 == field)
			break;
		p += len;
	}
	if (p >= end)
		return false;
	end = p + len;
	while (p < end) {
		unsigned long long x;

		if (varint(&p, end, &key) || (key & 7) != 0 || varint(&p, end, &x))
			return false;
		if (key >> 3 < 16)
			v[key >> 3] = x;
	}
	return true;
}

/* The bytes of CRIU's images in CRIU_DIR: all files but its logs and stats. */
static off_t criu_image_size(void)
{
	char path[512];
	off_t sum = 0;
	struct dirent *e;
	struct stat st;
	DIR *d = opendir(CRIU_DIR);

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    strstr(e->d_name, ".log") || strstr(e->d_name, ".out") ||
		    !strncmp(e->d_name, "stats-", 6))
			continue;
		snprintf(path, sizeof(path), "%s/%s", CRIU_DIR, e->d_name);
		if (!stat(path, &st))
			sum += st.st_size;
	}
	closedir(d);
	return sum;
}

static void criu_dir_clean(void)
{
	struct dirent *e;
	char path[512];
	DIR *d = opendir(CRIU_DIR);

	if (d) {
		while ((e = readdir(d))) {
			snprintf(path, sizeof(path), "%s/%s", CRIU_DIR, e->d_name);
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				unlink(path);
		}
		closedir(d);
	}
	if (mkdir(CRIU_DIR, 0700) && errno != EEXIST)
		die(CRIU_DIR);
}

/* One round of CRIU on @c: dump, restore, check.  False if criu failed. */
static bool criu_round(const struct cr_case *c, struct cr_result *res)
{
	char pid_s[16];
	char *dump[] = { CRIU, "dump", "-t", pid_s, "-D", CRIU_DIR, "-o", "dump.log", "-v1", NULL };
	char *restore[] = { CRIU, "restore", "-D", CRIU_DIR, "-d", "-o", "restore.log", "-v1",
			    NULL };
	unsigned long long v[16] = { 0 };
	struct cr_time t;
	pid_t pid;
	int rc;

	criu_dir_clean();
	pid = cr_target(c);
	snprintf(pid_s, sizeof(pid_s), "%d", pid);
	step = "criu dump";
	rc = run_criu(dump, CRIU_DIR "/dump.out", &t);
	if (rc) {
		last_error(rc == 127 ? CRIU_DIR "/dump.out" : CRIU_DIR "/dump.log",
			   res->dump_err, sizeof(res->dump_err));
		reap_all(pid);
		return false;
	}
	best_time(&res->dump, t);
	res->criu_image = criu_image_size();
	if (criu_stats_file(CRIU_DIR "/stats-dump", 1, v)) {
		res->st.frozen = best(v[2], res->st.frozen);
		res->st.memdump = best(v[3], res->st.memdump);
		res->st.memwrite = best(v[4], res->st.memwrite);
		res->st.pages_written = v[7];
	}
	/* criu killed the target: reap it, so that its pids are free again. */
	reap_all(pid);

	step = "criu restore";
	rc = run_criu(restore, CRIU_DIR "/restore.out", &t);
	if (rc) {
		last_error(CRIU_DIR "/restore.log", res->rst_err, sizeof(res->rst_err));
		reap_all(pid);
		return false;
	}
	best_time(&res->criu_rst, t);
	memset(v, 0, sizeof(v));
	if (criu_stats_file(CRIU_DIR "/stats-restore", 2, v)) {
		res->st.forking = best(v[3], res->st.forking);
		res->st.restore = best(v[4], res->st.restore);
		res->st.pages_restored = v[5];
	}
	criu_dir_clean();
	cr_check_restored(c, pid, "criu restore");
	return true;
}

/* One round of checkpoint(2) and restart(2) on @c, the same way. */
static void ours_round(const struct cr_case *c, struct cr_result *res)
{
	struct cr_time t;
	struct stat st;
	double t0, c0, g0;
	int fd, rep[2];
	pid_t pid, r;

	pid = cr_target(c);
	step = "checkpoint(2)";
	fd = tmpfile_at(CRIU_IMAGE);
	g0 = guest_busy();
	c0 = thread_cpu();
	t0 = now();
	if (syscall(__NR_checkpoint, pid, fd, 0, 2) <= 0)
		fail("criu part, %s: checkpoint(2): %s", c->name, strerror(errno));
	t.wall = now() - t0;
	t.cpu = thread_cpu() - c0;
	t.guest = guest_busy() - g0;
	best_time(&res->ckpt, t);
	fstat(fd, &st);
	res->image = st.st_size;
	reap_all(pid);

	/*
	 * restart(2) from a child, the restorer, which times the call and
	 * its own CPU time, and exits: the restored tree, its child, is then
	 * ours (PR_SET_CHILD_SUBREAPER) as with criu restore -d.
	 */
	step = "restart(2)";
	if (pipe(rep))
		die("pipe");
	lseek(fd, 0, SEEK_SET);
	g0 = guest_busy();
	fflush(NULL);
	r = fork();
	if (r < 0)
		die("fork");
	if (r == 0) {
		long root;

		close(rep[0]);
		c0 = thread_cpu();
		t0 = now();
		root = syscall(__NR_restart, 0, fd, CKPT_RESTART_SAME_PIDS, 2);
		t.wall = now() - t0;
		t.cpu = thread_cpu() - c0;
		if (root != pid) {
			perror("bench: restart(2)");
			_exit(2);
		}
		if (write(rep[1], &t, sizeof(t)) != sizeof(t))
			_exit(2);
		_exit(0);
	}
	close(rep[1]);
	if (read(rep[0], &t, sizeof(t)) != sizeof(t))
		fail("criu part, %s: restart(2) failed", c->name);
	t.guest = guest_busy() - g0;
	close(rep[0]);
	if (waitpid(r, NULL, 0) != r)
		die("waitpid");
	best_time(&res->rst, t);
	close(fd);
	unlink(CRIU_IMAGE);
	cr_check_restored(c, pid, "restart(2)");
}

static void cr_print(const char *what, struct cr_time t, const char *extra)
{
	printf("    %-15s %9.1f %9.1f %9.1f   %s\n", what, 1e3 * t.wall, 1e3 * t.cpu,
	       1e3 * t.guest, extra);
}

static void cr_ratio(struct cr_time a, struct cr_time b)
{
	printf("    %-15s %8.2fx %8.2fx %8.2fx\n", "criu / ours", a.wall / b.wall,
	       b.cpu ? a.cpu / b.cpu : 0, b.guest ? a.guest / b.guest : 0);
}

static void cr_case_run(const struct cr_case *c, struct cr_result *res)
{
	bool criu_ok = true;
	char extra[160];

	memset(res, 0, sizeof(*res));
	if (c->raw) {
		/* write(2)/read(2) of as many bytes, then the buffer is gone. */
		char *buf = mmap(NULL, c->raw, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

		if (buf == MAP_FAILED)
			die("mmap");
		memset(buf, 0x5a, c->raw);
		/* Its first round is often a slow one (tmpfs grows): two at least. */
		for (int round = 0; round < c->rounds || round < 2; round++)
			raw_file_io(buf, c->raw, &res->t_write, &res->t_read);
		munmap(buf, c->raw);
	}
	for (int round = 0; round < c->rounds; round++) {
		alarm(TREE_TIMEOUT);
		ours_round(c, res);
		if (criu_ok)
			criu_ok = criu_round(c, res);
		alarm(0);
	}

	if (*res->dump_err)
		snprintf(extra, sizeof(extra), "-");
	else
		snprintf(extra, sizeof(extra), "%.1f MiB", res->criu_image / (double)MIB);
	printf("  %s: image criu %s, ours %.1f MiB (best of %d round%s)\n", c->name, extra,
	       res->image / (double)MIB, c->rounds, c->rounds > 1 ? "s" : "");
	printf("    %-15s %9s %9s %9s\n", "", "wall ms", "cpu ms", "guest ms");
	if (*res->dump_err) {
		printf("    %-15s CRIU cannot: %s\n", "criu dump", res->dump_err);
	} else {
		snprintf(extra, sizeof(extra),
			 "stats: frozen %.1f, memdump %.1f (memwrite %.1f of it), %llu pages",
			 res->st.frozen / 1e3, res->st.memdump / 1e3, res->st.memwrite / 1e3,
			 res->st.pages_written);
		cr_print("criu dump", res->dump, extra);
	}
	snprintf(extra, sizeof(extra), c->raw ? "write(2) %.1f ms: ratio %.2f" : "",
		 1e3 * res->t_write, res->t_write / res->ckpt.wall);
	cr_print("checkpoint(2)", res->ckpt, extra);
	if (!*res->dump_err)
		cr_ratio(res->dump, res->ckpt);
	if (*res->dump_err) {
		printf("    %-15s not run: no dump\n", "criu restore");
	} else if (*res->rst_err) {
		printf("    %-15s CRIU cannot: %s\n", "criu restore", res->rst_err);
	} else {
		snprintf(extra, sizeof(extra), "stats: restore %.1f, forking %.1f, %llu pages",
			 res->st.restore / 1e3, res->st.forking / 1e3, res->st.pages_restored);
		cr_print("criu restore", res->criu_rst, extra);
	}
	snprintf(extra, sizeof(extra), c->raw ? "read(2) %.1f ms: ratio %.2f" : "",
		 1e3 * res->t_read, res->t_read / res->rst.wall);
	cr_print("restart(2)", res->rst, extra);
	if (!*res->dump_err && !*res->rst_err)
		cr_ratio(res->criu_rst, res->rst);
}

/* The features criu 3.17.1's check --feature knows (criu check --help). */
static const char *const criu_features[] = {
	"mnt_id", "mem_dirty_track", "aio_remap", "timerfd", "tun", "tun_ns", "userns",
	"fdinfo_lock", "seccomp_suspend", "seccomp_filters", "loginuid", "cgroupns", "autofs",
	"tcp_half_closed", "compat_cr", "uffd", "uffd-noncoop", "can_map_vdso", "sk_ns",
	"sk_unix_file", "net_diag_raw", "nsid", "link_nsid", "kcmp_epoll", "timens",
	"external_net_ns", "clone3_set_tid", "newifindex", "nftables", "has_ipt_legacy",
	"pidfd_store", "ns_pid", "apparmor_stacking", "network_lock_nftables",
	"sockopt_buf_lock", "memfd_hugetlb", "move_mount_set_group", "openat2", "get_rseq_conf",
};

/* Print what criu check --all says of this kernel, and fill its kdat cache. */
static void criu_check(void)
{
	char *check[] = { CRIU, "check", NULL };
	char *all[] = { CRIU, "check", "--all", NULL };
	char line[512];
	struct cr_time t;
	FILE *f;
	int rc;

	criu_dir_clean();
	rc = run_criu(check, CRIU_DIR "/check.out", &t);
	printf("  criu check: exit %d in %.1f ms (it fills /run/criu.kdat)\n", rc, 1e3 * t.wall);
	rc = run_criu(all, CRIU_DIR "/check.out", &t);
	printf("  criu check --all: exit %d, says:\n", rc);
	f = fopen(CRIU_DIR "/check.out", "r");
	while (f && fgets(line, sizeof(line), f))
		printf("    %s", line);
	if (f)
		fclose(f);
	/* 1: some failed.  Some of its checks fail without a word: ask for each. */
	if (rc != 1)
		return;
	printf("  criu check --feature NAME, of the features it knows, fails for:\n");
	for (size_t i = 0; i < ARRAY_SIZE(criu_features); i++) {
		char *one[] = { CRIU, "check", "--feature", (char *)criu_features[i], NULL };
		char why[160];

		if (!run_criu(one, CRIU_DIR "/check.out", &t))
			continue;
		last_error(CRIU_DIR "/check.out", why, sizeof(why));
		printf("    %s: %s\n", criu_features[i], why);
	}
	/*
	 * What is left out on purpose: AppArmor's hooks would run in every
	 * system call measured here, for a feature that none of the
	 * workloads uses.
	 */
	printf("  (apparmor_stacking needs the AppArmor LSM, left out of the bench kernel: its\n"
	       "  hooks would be in every system call measured; has_ipt_legacy, iptables\n"
	       "  binaries, not in the guest; none of the workloads below needs either)\n");
}

/*
 * The guest's clock: under TCG the kernel may fail to calibrate the TSC
 * and keep refined-jiffies, whose steps (4 ms) every figure would be a
 * multiple of.  Say which clock it is, its kernel lines and its step.
 */
static void clock_report(void)
{
	static int fd = -2;
	char line[512], name[64] = "?";
	double t0, t, step = 1;
	FILE *f;
	ssize_t n;

	/* The kernel's lines of it since the last call. */
	if (fd == -2)
		fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	while (fd >= 0 && (n = read(fd, line, sizeof(line) - 1)) > 0) {
		line[n] = 0;
		if (strstr(line, "clocksource") || strstr(line, "tsc:") || strstr(line, "TSC"))
			printf("  kernel: %s", strchr(line, ';') ? strchr(line, ';') + 1 : line);
	}
	f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
	if (f && fgets(name, sizeof(name), f))
		name[strcspn(name, "\n")] = 0;
	if (f)
		fclose(f);
	/* From one change of the clock to the next. */
	t0 = now();
	for (int i = 0, changes = 0; i < 10000000 && changes < 2; i++) {
		if ((t = now()) == t0)
			continue;
		if (changes++)
			step = t - t0;
		t0 = t;
	}
	printf("  clock: %s, CLOCK_MONOTONIC moves in steps of %.3f ms or less%s\n", name, 1e3 * step,
	       step > 1e-3 ? " (times are multiples of it)" : "");
}

static void part_criu(void)
{
	static const struct cr_case cases[] = {
		{ "1 process,   64 MiB", threads_root, 1, 64 * MIB, 1, ROUNDS, 64 * MIB },
		{ "1 process,  256 MiB", threads_root, 1, 256 * MIB, 1, 2, 256 * MIB },
		{ "1 process, 1024 MiB", threads_root, 1, 1024 * MIB, 1, 1, 1024 * MIB },
		{ " 1000 mappings", sweep_root, 1000, SWEEP_VMAS, 1, ROUNDS, 0 },
		{ "10000 mappings", sweep_root, 10000, SWEEP_VMAS, 1, ROUNDS, 0 },
		{ " 1000 files", sweep_root, 1000, SWEEP_FDS, 1, ROUNDS, 0 },
		{ "10000 files", sweep_root, 10000, SWEEP_FDS, 1, ROUNDS, 0 },
		{ "16 tasks x 4 MiB", tree_root, 16, 4 * MIB, 16, ROUNDS, 0 },
		{ "64 tasks x 4 MiB", tree_root, 64, 4 * MIB, 64, ROUNDS, 0 },
		{ " 1 thread,  64 MiB", threads_root, 1, 64 * MIB, 1, ROUNDS, 0 },
		{ " 8 threads, 64 MiB", threads_root, 8, 64 * MIB, 1, ROUNDS, 0 },
		{ "64 threads, 64 MiB", threads_root, 64, 64 * MIB, 1, ROUNDS, 0 },
	};
	static struct cr_result res[ARRAY_SIZE(cases)];
	double start = now();

	printf("== CRIU side by side: criu dump -D DIR against checkpoint(2) into a file of\n");
	printf("   the same tmpfs, criu restore -d -D DIR against restart(2) at the same pids,\n");
	printf("   on the same target (a session leader, fds 0-2 on /dev/null) in each round;\n");
	printf("   restored, the target checks its pids, memory, mappings or offsets.\n");
	printf("   wall: criu's fork to wait4, around the system call for ours; cpu: user+sys\n");
	printf("   of criu and its waited-for children (wait4), of the calling thread for\n");
	printf("   ours (RUSAGE_THREAD: the bench for checkpoint(2), the restorer for\n");
	printf("   restart(2)); guest: busy time of all the guest's CPUs meanwhile\n");
	printf("   (/proc/stat, in ticks), the only figure that also counts what runs in\n");
	printf("   the restored tasks' own context; stats: CRIU's stats-dump/-restore, ms\n");
	criu_check();
	clock_report();
	same_pids = true;
	close(tmpfile_at(SWEEP_FILE));
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		cr_case_run(&cases[i], &res[i]);
	unlink(SWEEP_FILE);
	same_pids = false;

	printf("== CRIU side by side, summary (wall ms; ratio = criu / ours)\n");
	printf("  %-20s %10s %10s %6s   %10s %10s %6s   %s\n", "workload", "criu dump",
	       "checkpoint", "ratio", "criu rstr", "restart", "ratio", "image criu/ours MiB");
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct cr_result *r = &res[i];

		if (*r->dump_err || *r->rst_err) {
			printf("  %-20s %10s %10.1f %6s   %10s %10.1f %6s   CRIU cannot: %s\n",
			       cases[i].name, "-", 1e3 * r->ckpt.wall, "-", "-", 1e3 * r->rst.wall,
			       "-", *r->dump_err ? r->dump_err : r->rst_err);
			continue;
		}
		printf("  %-20s %10.1f %10.1f %6.2f   %10.1f %10.1f %6.2f   %.1f / %.1f\n",
		       cases[i].name, 1e3 * r->dump.wall, 1e3 * r->ckpt.wall,
		       r->dump.wall / r->ckpt.wall, 1e3 * r->criu_rst.wall, 1e3 * r->rst.wall,
		       r->criu_rst.wall / r->rst.wall, r->criu_image / (double)MIB,
		       r->image / (double)MIB);
	}
	printf("  (the part took %.0f s)\n", now() - start);
	clock_report();
}

/* Is @part of the benchmark asked for (CKPT_BENCH, a list; all if unset)? */
static bool part(const char *part)
{
	const char *parts = getenv("CKPT_BENCH");
	size_t n = strlen(part);

	for (const char *p = parts; p && *p; p += strcspn(p, ",") + !!p[strcspn(p, ",")])
		if (!strncmp(p, part, n) && (p[n] == ',' || !p[n]))
			return true;
	return !parts || !*parts;
}

/* The guest's clock: under TCG it may fall back to jiffies (4 ms steps). */
static void print_clocksource(void)
{
	char cs[64] = "unknown";
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");

	if (f && fgets(cs, sizeof(cs), f))
		cs[strcspn(cs, "\n")] = '\0';
	if (f)
		fclose(f);
	printf("   (clocksource: %s)\n", cs);
}

/*
 * Pre-copy: a process of 256 MiB that writes to 1% of its pages every
 * 100 ms, each page stamped with a sequence number also kept in a table.
 * Its downtime (the time it is stopped) under a plain checkpoint (stopped
 * first, as checkpoint(2) needs) against a pre-copy one
 * (CKPT_CHECKPOINT_PRECOPY: checkpoint(2) stops it itself after the rounds;
 * a thread of ours sees it stop, waitid(WSTOPPED | WNOWAIT)).  The
 * pre-copy image is restarted, and the restarted process checks that each
 * page holds the stamp of its table, but for the one it was writing.
 */
#define PRECOPY_MIB	256
#define PRECOPY_PERIOD	0.1	/* seconds */
#define PRECOPY_SHARE	100	/* 1 page in 100 per period */

static double precopy_stop_time;

static void *precopy_watch(void *arg)
{
	pid_t pid = *(pid_t *)arg;
	siginfo_t si;

	if (!waitid(P_PID, pid, &si, WSTOPPED | WNOWAIT))
		precopy_stop_time = now();
	return NULL;
}

static void precopy_writer(int n, size_t size)
{
	size_t pages = size / 4096, burst = pages / PRECOPY_SHARE, cur = 0, busy = 0;
	unsigned long long *last = calloc(pages, sizeof(*last)), seq = 0;
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pid_t me = getpid();
	bool ok = true;

	(void)n;
	setpgid(0, 0);
	if (!last || p == MAP_FAILED)
		_exit(3);
	for (size_t i = 0; i < pages; i++)
		*(unsigned long long *)(p + i * 4096) = last[i] = ++seq;
	if (write(1, "R", 1) != 1)
		_exit(3);
	while (getpid() == me) {
		double next = now() + PRECOPY_PERIOD;

		for (size_t k = 0; k < burst && getpid() == me; k++) {
			busy = cur;
			*(unsigned long long *)(p + cur * 4096) = ++seq;
			last[cur] = seq;
			cur = (cur + 1) % pages;
		}
		while (now() < next && getpid() == me)
			usleep(1000);
	}
	/* Restarted: every page holds its stamp, but maybe the one being written. */
	for (size_t i = 0; i < pages; i++)
		if (i != busy && *(unsigned long long *)(p + i * 4096) != last[i])
			ok = false;
	_exit(ok ? 0 : 9);
}

static void part_precopy(void)
{
	size_t size = PRECOPY_MIB * MIB;
	double t, t_plain = 0, t_down = 0, t_total = 0, t_write = 0, t_read = 0;
	char *buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	off_t image_plain = 0, image_pre = 0;
	int rep[2], status, fd;
	struct stat st;
	pthread_t th;
	pid_t pid, r;
	char c;

	printf("== pre-copy (best of %d rounds): a process of %d MiB writing to 1%% of its\n",
	       ROUNDS, PRECOPY_MIB);
	printf("   pages every 100 ms; downtime = the time it is stopped\n");
	if (buf == MAP_FAILED || madvise(buf, size, MADV_DONTFORK))
		die("setup");
	memset(buf, 0x5a, size);
	for (int round = 0; round < ROUNDS; round++) {
		alarm(TREE_TIMEOUT);
		raw_file_io(buf, size, &t_write, &t_read);
		for (int pre = 0; pre < 2; pre++) {
			if (pipe(rep))
				die("pipe");
			fflush(NULL);
			pid = fork();
			if (pid == 0) {
				dup2(rep[1], 1);
				syscall(SYS_close_range, 3, ~0U, 0);
				precopy_writer(0, size);
			}
			close(rep[1]);
			if (read(rep[0], &c, 1) != 1)
				fail("pre-copy: the writer did not start");
			usleep(300 * 1000);
			fd = tmpfile_at("/tmp/image");
			if (!pre) {
				/* Stop-and-copy: stopped, then checkpointed. */
				t = now();
				kill(pid, SIGSTOP);
				if (waitpid(pid, &status, WUNTRACED) != pid || !WIFSTOPPED(status))
					fail("pre-copy: the writer did not stop");
				if (syscall(__NR_checkpoint, pid, fd, CKPT_CHECKPOINT_INHERIT_STDIO, 2) <= 0)
					die("checkpoint of the writer");
				t_plain = best(now() - t, t_plain);
				fstat(fd, &st);
				image_plain = st.st_size;
			} else {
				precopy_stop_time = 0;
				if (pthread_create(&th, NULL, precopy_watch, &pid))
					die("pthread_create");
				t = now();
				if (syscall(__NR_checkpoint, pid, fd, CKPT_CHECKPOINT_INHERIT_STDIO |
					    CKPT_CHECKPOINT_PRECOPY, 2) <= 0)
					die("pre-copy checkpoint of the writer");
				t_total = best(now() - t, t_total);
				t = now();
				pthread_join(th, NULL);
				if (!precopy_stop_time)
					fail("pre-copy: the writer was not seen stopped");
				t_down = best(t - precopy_stop_time, t_down);
				fstat(fd, &st);
				image_pre = st.st_size;
			}
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			close(rep[0]);
			if (pre) {
				/* The pre-copy image restarts, its memory as at the stop. */
				lseek(fd, 0, SEEK_SET);
				r = fork();
				if (r == 0) {
					long root = syscall(__NR_restart, 0, fd, CKPT_RESTART_NEW_PIDNS, 2);

					if (root <= 0 || waitpid(root, &status, 0) != root)
						_exit(2);
					_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128);
				}
				if (waitpid(r, &status, 0) != r || !WIFEXITED(status) ||
				    WEXITSTATUS(status))
					fail("pre-copy: the restarted writer found its memory wrong (status %#x)",
					     status);
			}
			close(fd);
			unlink("/tmp/image");
		}
		alarm(0);
	}
	munmap(buf, size);
	printf("  stop-and-copy : downtime %7.1f ms, image %.1f MiB (write(2) of %d MiB: %.1f ms)\n",
	       1e3 * t_plain, image_plain / (double)MIB, PRECOPY_MIB, 1e3 * t_write);
	printf("  pre-copy      : downtime %7.1f ms (%.1f%% of stop-and-copy), whole checkpoint %.1f ms, image %.1f MiB\n",
	       1e3 * t_down, 100 * t_down / t_plain, 1e3 * t_total, image_pre / (double)MIB);
	printf("  the restarted process found every page as at the stop\n");
}

/* One process touching 16, 64 and 256 MiB. */
static void part_memory(void)
{
	static const size_t sizes[] = { 16, 64, 128, 256 };
	struct tree_times t[ARRAY_SIZE(sizes)];

	printf("== one process touching memory, stopped (best of %d rounds)\n", ROUNDS);
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
		t[i] = bench(sizes[i]);
	printf("256 vs 128 MiB: checkpoint x%.2f, restart x%.2f (linear: at most x2.10)\n",
	       t[3].ckpt / t[2].ckpt, t[3].restart / t[2].restart);
}

static void part_trees(void)
{
	struct tree_times few, mid, many;

	printf("== process trees (best of %d rounds): a root and its children, each touching\n",
	       TREE_ROUNDS);
	printf("   memory of its own mapped after fork(2); restart in a new pid namespace,\n");
	printf("   timed from the fork(2) of the restorer until every restored task runs;\n");
	printf("   then every restored task checks its pids and all its memory\n");
	bench_tree(TREE_TASKS, TREE_MIB);
	few = bench_tree(TREE_FEW, TREE_TASK_MIB);
	mid = bench_tree(TREE_MID, TREE_TASK_MIB);
	many = bench_tree(TREE_MANY, TREE_TASK_MIB);
	printf("%d vs %d tasks of %d MiB: checkpoint x%.2f, restart x%.2f (linear: at most x2.10)\n",
	       TREE_MID, TREE_FEW, TREE_TASK_MIB, mid.ckpt / few.ckpt, mid.restart / few.restart);
	printf("%d vs %d tasks of %d MiB: checkpoint x%.2f, restart x%.2f (linear: at most x2.10)\n",
	       TREE_MANY, TREE_MID, TREE_TASK_MIB, many.ckpt / mid.ckpt,
	       many.restart / mid.restart);
}

static void part_threads(void)
{
	struct tree_times one, sixty_four;
	double ckpt_cost, restart_cost;

	printf("== threads (best of %d rounds): one process of %d MiB with 1, 8 and 64\n",
	       TREE_ROUNDS, THREADS_MIB);
	printf("   threads waiting in a futex; restart in a new pid namespace, timed until\n");
	printf("   it runs; then it checks its memory and wakes and joins every thread\n");
	one = bench_threads(1, THREADS_MIB);
	bench_threads(8, THREADS_MIB);
	sixty_four = bench_threads(THREADS_MAX, THREADS_MIB);
	ckpt_cost = 1e3 * (sixty_four.ckpt - one.ckpt) / (THREADS_MAX - 1);
	restart_cost = 1e3 * (sixty_four.restart - one.restart) / (THREADS_MAX - 1);
	/* Below the noise of the best of a few rounds, the difference is < 0. */
	printf("cost of a thread (64 vs 1, over 63): checkpoint %.3f ms%s, restart %.3f ms%s;\n",
	       ckpt_cost, ckpt_cost < 0 ? " (below the noise)" : "",
	       restart_cost, restart_cost < 0 ? " (below the noise)" : "");
	printf("  the memory's: checkpoint %.1f ms, restart %.1f ms\n",
	       1e3 * one.ckpt, 1e3 * one.restart);
}

static void part_sweeps(void)
{
	static const int vmas[] = { 1000, 2000, 10000, 20000 };
	static const int fds[] = { 1000, 2000, 10000, 20000 };

	printf("== sweeps (best of %d rounds): one process with N mappings of a page each,\n",
	       TREE_ROUNDS);
	printf("   or N open files; restarted as above, it checks each page and offset\n");
	print_clocksource();
	close(tmpfile_at(SWEEP_FILE));
	printf(" - anonymous mappings\n");
	sweep(SWEEP_VMAS, "mapping", vmas, ARRAY_SIZE(vmas));
	printf(" - private mappings of a file, each page written\n");
	sweep(SWEEP_FILE_VMAS, "mapping", vmas, ARRAY_SIZE(vmas));
	printf(" - opens of a file\n");
	sweep(SWEEP_FDS, "file", fds, ARRAY_SIZE(fds));
	unlink(SWEEP_FILE);
}

int main(void)
{
	static const struct {
		const char *name;
		void (*run)(void);
	} parts[] = {
		{ "memory", part_memory },
		{ "trees", part_trees },
		{ "threads", part_threads },
		{ "sweeps", part_sweeps },
		{ "precopy", part_precopy },
		{ "criu", part_criu },
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("== checkpoint/restart benchmark (ratio = plain I/O time / c/r time)\n");
	/* The orphans of the trees come to us, to be reaped. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1))
		die("PR_SET_CHILD_SUBREAPER");
	signal(SIGALRM, tree_timeout);
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++)
		if (part(parts[i].name))
			parts[i].run();
	printf("CKPT-BENCH-OK\n");
	return 0;
}
