// SPDX-License-Identifier: GPL-2.0
/*
 * Pre-copy checkpoints (CKPT_CHECKPOINT_PRECOPY) of processes that run.
 *
 * The target has two threads that stamp sequence numbers into pages while
 * checkpoint(2) copies its memory in rounds: one rewrites a small hot set
 * of pages without a pause, the other a page of the rest now and then.
 * Each stamp goes into the page (three words of it) and into a table of
 * the last stamp of each page.  checkpoint(2) returns with the target
 * stopped; its memory is read then (/proc/PID/mem), and the restarted
 * process, which sees its pid or its parent change and stops stamping,
 * sends its own memory back: every page must be the one of the stop, but
 * for the page
 * each thread was stamping (its stamp may be complete after the restart),
 * and every page must hold the stamp its table says.  A page written
 * after the round that copied it and missed by the tracking would hold
 * an older stamp.  The same with a tree of two writers, each with its
 * address space; and a tree that cannot be checkpointed, continued.
 */
#define _GNU_SOURCE
/* /proc/PID/mem at addresses above 2 GiB, on 32 bits. */
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ckpt_util.h"
#include "../kselftest_harness.h"

#define PC_PAGES	256
#define PC_HOT		(PC_PAGES / 8)

/* The writer's state, apart from the pages it stamps. */
struct pc_state {
	uint64_t seq;			/* last stamp given */
	uint64_t cur[2];		/* the page each thread stamps or is to, + 1 */
	uint64_t last[PC_PAGES];	/* the last stamp of each page */
	pid_t me;			/* the pid of the original */
	pid_t parent;			/* and its parent's */
	int done[2];			/* the threads saw a restart */
};

static struct pc_state *st;
static char *pages;
static long pg;

static void pc_stamp(unsigned int i)
{
	uint64_t s = __atomic_add_fetch(&st->seq, 1, __ATOMIC_SEQ_CST);
	uint64_t *w = (uint64_t *)(pages + i * pg);

	w[0] = s;
	w[pg / 16] = s;
	w[pg / 8 - 1] = s;
	__atomic_store_n(&st->last[i], s, __ATOMIC_SEQ_CST);
}

/*
 * Is this process restarted?  In a new pid namespace the root has pid 1
 * and the other processes keep their pids: their parent changes, though.
 */
static bool pc_moved(void)
{
	return syscall(SYS_getpid) != st->me || syscall(SYS_getppid) != st->parent;
}

/*
 * Has thread @thread been restarted, before it stamps page @i?  The page
 * is noted first: stopped after the check, the thread stamps it once
 * after the restart.
 */
static bool pc_restarted(int thread, unsigned int i)
{
	__atomic_store_n(&st->cur[thread], i + 1, __ATOMIC_SEQ_CST);
	return pc_moved();
}

/* Thread 0: the hot pages, without a pause. */
static void *pc_hot(void *arg)
{
	unsigned int i = 0;

	(void)arg;
	while (!pc_restarted(0, i)) {
		pc_stamp(i);
		i = (i + 1) % PC_HOT;
	}
	__atomic_store_n(&st->done[0], 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Thread 1: one of the other pages every millisecond. */
static void *pc_cold(void *arg)
{
	struct timespec ms = { 0, 1000000 };
	unsigned int i = 0;

	(void)arg;
	while (!pc_restarted(1, PC_HOT + i)) {
		pc_stamp(PC_HOT + i);
		i = (i * 7 + 3) % (PC_PAGES - PC_HOT);
		nanosleep(&ms, NULL);
	}
	__atomic_store_n(&st->done[1], 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/*
 * The target: stamps every page once, writes its pid to @out, then stamps
 * until it finds itself restarted, and then writes its state and pages to
 * @out; with a child (@child), waits for it and fails if it failed.
 */
static void __attribute__((noreturn)) pc_writer(int out, bool child)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	pid_t me = getpid();
	pthread_t th[2];
	int status;

	st->me = me;
	st->parent = getppid();
	for (unsigned int i = 0; i < PC_PAGES; i++)
		pc_stamp(i);
	if (pthread_create(&th[0], NULL, pc_hot, NULL) ||
	    pthread_create(&th[1], NULL, pc_cold, NULL) ||
	    write(out, &me, sizeof(me)) != sizeof(me))
		_exit(2);
	while (!pc_moved())
		nanosleep(&tick, NULL);
	if (pthread_join(th[0], NULL) || pthread_join(th[1], NULL))
		_exit(3);
	if (write(out, st, sizeof(*st)) != sizeof(*st))
		_exit(4);
	for (size_t off = 0; off < (size_t)(PC_PAGES * pg); ) {
		ssize_t n = write(out, pages + off, PC_PAGES * pg - off);

		if (n <= 0)
			_exit(4);
		off += n;
	}
	if (child && (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)))
		_exit(5);
	_exit(0);
}

/* The writer's state and pages, of process @pid, stopped. */
static int pc_snapshot(pid_t pid, struct pc_state *state, char *buf)
{
	char path[64];
	int mem, ret = -1;

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	mem = open(path, O_RDONLY);
	if (mem >= 0 &&
	    pread(mem, state, sizeof(*state), (uintptr_t)st) == (ssize_t)sizeof(*state) &&
	    pread(mem, buf, PC_PAGES * pg, (uintptr_t)pages) == (ssize_t)(PC_PAGES * pg))
		ret = 0;
	if (mem >= 0)
		close(mem);
	return ret;
}

/*
 * The memory a restored writer sent back against its memory at the stop:
 * each page holds the stamp its table says, and is the page of the stop,
 * but for the one each thread was to stamp (it may have, restarted).
 */
static void pc_compare(struct __test_metadata *_metadata, const char *who,
		       const struct pc_state *orig, const char *orig_pages,
		       const struct pc_state *back, const char *back_pages)
{
	for (unsigned int i = 0; i < PC_PAGES; i++) {
		const uint64_t *w = (const uint64_t *)(back_pages + i * pg);

		ASSERT_TRUE(w[0] == back->last[i] && w[pg / 16] == back->last[i] &&
			    w[pg / 8 - 1] == back->last[i])
			TH_LOG("%s: page %u holds stamp %llu, its table %llu", who, i,
			       (unsigned long long)w[0], (unsigned long long)back->last[i]);
	}
	TH_LOG("%s: stamps %llu at the stop, %llu restarted; pages being stamped %lld %lld",
	       who, (unsigned long long)orig->seq, (unsigned long long)back->seq,
	       (long long)orig->cur[0] - 1, (long long)orig->cur[1] - 1);
	for (unsigned int i = 0; i < PC_PAGES; i++) {
		if (i + 1 == orig->cur[0] || i + 1 == orig->cur[1])
			continue;
		ASSERT_EQ(0, memcmp(orig_pages + i * pg, back_pages + i * pg, pg))
			TH_LOG("%s: page %u: stamp %llu at the stop, %llu restarted", who, i,
			       (unsigned long long)*(const uint64_t *)(orig_pages + i * pg),
			       (unsigned long long)*(const uint64_t *)(back_pages + i * pg));
		ASSERT_EQ(orig->last[i], back->last[i]);
	}
	ASSERT_GE(back->seq, orig->seq);
	ASSERT_LE(back->seq, orig->seq + 2);
}

/* The writer's state and pages, at the same addresses in its children. */
static int pc_map(void)
{
	pg = sysconf(_SC_PAGESIZE);
	if (pg > 65536)
		return -1;
	char *area = mmap(NULL, (PC_PAGES + 2) * pg, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	/* The state, a guard page, the pages: two mappings. */
	if (sizeof(*st) > (size_t)pg || area == MAP_FAILED || mprotect(area + pg, pg, PROT_NONE))
		return -1;
	st = (struct pc_state *)area;
	pages = area + 2 * pg;
	return 0;
}

static int read_full(int fd, void *buf, size_t len)
{
	for (size_t off = 0; off < len; ) {
		ssize_t n = read(fd, (char *)buf + off, len - off);

		if (n <= 0)
			return -1;
		off += n;
	}
	return 0;
}

/* What the image says of the pre-copy: rounds, pages pre-copied, staged. */
struct pc_counts {
	unsigned int records, rounds;
	uint64_t precopied, staged;
	uint64_t fresh_in_region;	/* pages of the writer's written at the stop */
};

static void pc_count(const struct ckpt_image *img, struct pc_counts *c)
{
	size_t off = 0, next;

	memset(c, 0, sizeof(*c));
	while ((next = ckpt_next_record(img, off))) {
		const struct ckpt_hdr *h = (const void *)(img->buf + off);

		if (h->type == CKPT_HDR_PRECOPY) {
			const struct ckpt_hdr_precopy *p = (const void *)h;

			c->records++;
			c->precopied += p->nr_pages;
			if (p->round + 1 > c->rounds)
				c->rounds = p->round + 1;
		} else if (h->type == CKPT_HDR_VMA) {
			const struct ckpt_hdr_vma *v = (const void *)h;

			c->staged += v->nr_staged;
		} else if (h->type == CKPT_HDR_PAGES) {
			const struct ckpt_hdr_pages *p = (const void *)h;

			for (uint32_t i = 0; i < p->nr_pages; i++)
				c->fresh_in_region += p->addr[i] >= (uintptr_t)pages &&
						      p->addr[i] < (uintptr_t)pages + PC_PAGES * pg;
		}
		off = next;
	}
}

TEST(precopy_running_writer)
{
	static char orig_pages[PC_PAGES * 65536], back_pages[PC_PAGES * 65536];
	struct pc_state *orig = malloc(sizeof(*orig)), *back = malloc(sizeof(*back));
	int rep[2], rep2[2], lp[2], img, status;
	struct ckpt_image image;
	struct pc_counts c;
	char log[1024];
	pid_t pid, restorer, r;
	long id;

	ASSERT_EQ(0, pc_map());
	ASSERT_NE(NULL, orig);
	ASSERT_NE(NULL, back);
	ASSERT_EQ(0, pipe(rep2));
	ASSERT_EQ(0, ckpt_log_pipe(lp));
	img = ckpt_tmpfile();
	ASSERT_GE(img, 0);

	/*
	 * The writer must have written to pages after round 0 for the
	 * tracking to be tried: either a later round took some, or the stop
	 * did.  Under TCG it may not have run meanwhile: try again then.
	 */
	for (int attempt = 1;; attempt++) {
		ASSERT_EQ(0, pipe(rep));
		pid = fork();
		ASSERT_GE(pid, 0);
		if (pid == 0) {
			if (dup2(rep[1], 1) != 1 || ckpt_drop_shared_anon())
				_exit(1);
			syscall(SYS_close_range, 3, ~0U, 0);
			pc_writer(1, false);
		}
		close(rep[1]);
		ASSERT_EQ((ssize_t)sizeof(r), read(rep[0], &r, sizeof(r)));
		close(rep[0]);
		usleep(200 * 1000);

		ASSERT_EQ(0, ftruncate(img, 0));
		ASSERT_EQ(0, lseek(img, 0, SEEK_SET));
		id = sys_checkpoint(pid, img, CKPT_CHECKPOINT_PRECOPY | CKPT_CHECKPOINT_INHERIT_STDIO,
				    lp[1]);
		ckpt_log_read(lp[0], log, sizeof(log));
		ASSERT_GT(id, 0) TH_LOG("checkpoint: %s; log: %s", strerror(errno), log);
		/* Left stopped, by a SIGSTOP. */
		ASSERT_EQ(pid, waitpid(pid, &status, WUNTRACED | WNOHANG));
		ASSERT_TRUE(WIFSTOPPED(status));
		ASSERT_EQ(SIGSTOP, WSTOPSIG(status));

		/* The memory at the stop. */
		ASSERT_EQ(0, pc_snapshot(pid, orig, orig_pages));
		kill(pid, SIGKILL);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));

		ASSERT_EQ(0, lseek(img, 0, SEEK_SET));
		ASSERT_EQ(0, ckpt_slurp(img, &image));
		pc_count(&image, &c);
		TH_LOG("%u pre-copy records in %u rounds, %llu pages; %llu staged, %llu of %d written at the stop",
		       c.records, c.rounds, (unsigned long long)c.precopied,
		       (unsigned long long)c.staged, (unsigned long long)c.fresh_in_region,
		       PC_PAGES);
		if (c.rounds >= 2 || c.fresh_in_region)
			break;
		free(image.buf);
		ASSERT_LT(attempt, 5) TH_LOG("no page written after round 0 was found, 5 times");
	}
	/* Pages of the last round named, not written again. */
	ASSERT_GE(c.precopied, PC_PAGES);
	ASSERT_GE(c.staged, PC_PAGES / 2);
	ASSERT_LT(c.fresh_in_region, PC_PAGES);
	free(image.buf);
	ASSERT_EQ(0, lseek(img, 0, SEEK_SET));

	/* Restart: the restored writer reports to the restorer's fd 1. */
	restorer = fork();
	ASSERT_GE(restorer, 0);
	if (restorer == 0) {
		long root;

		if (dup2(rep2[1], 1) != 1)
			_exit(1);
		/* A process of several threads is restored as a tree, under us. */
		root = sys_restart(0, img, 0, lp[1]);
		if (root <= 0)
			_exit(CKPT_CHILD_ERRNO + errno);
		if (waitpid(root, &status, 0) != root)
			_exit(1);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	}
	close(rep2[1]);
	ASSERT_EQ(0, read_full(rep2[0], back, sizeof(*back))) {
		waitpid(restorer, &status, 0);
		ckpt_log_read(lp[0], log, sizeof(log));
		TH_LOG("restart status %#x, log: %s", status, log);
	}
	ASSERT_EQ(0, read_full(rep2[0], back_pages, PC_PAGES * pg));
	ASSERT_EQ(restorer, waitpid(restorer, &status, 0));
	ckpt_log_read(lp[0], log, sizeof(log));
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("status %#x, log: %s", status, log);

	pc_compare(_metadata, "the writer", orig, orig_pages, back, back_pages);
	free(orig);
	free(back);
	close(img);
}

/* The state letter of /proc/PID/stat ('T': stopped), or 0. */
static char pc_proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/*
 * A tree: a writer and its child, another writer with an address space of
 * its own.  checkpoint(2) stops both; restarted, each sends its memory
 * back on its own pipe (fd 1 for the root, fd 2 for the child), and each
 * is as it was at the stop.
 */
TEST(precopy_running_tree)
{
	struct pc_state *orig[2], *back[2];
	char *orig_pages[2], *back_pages[2], log[1024];
	int rep[2][2], rep2[2][2], lp[2], img, status;
	pid_t pid[2], restorer;
	struct ckpt_image image;
	struct pc_counts c;
	long id;

	ASSERT_EQ(0, pc_map());
	for (int k = 0; k < 2; k++) {
		orig[k] = malloc(sizeof(*orig[k]));
		back[k] = malloc(sizeof(*back[k]));
		orig_pages[k] = malloc(PC_PAGES * pg);
		back_pages[k] = malloc(PC_PAGES * pg);
		ASSERT_TRUE(orig[k] && back[k] && orig_pages[k] && back_pages[k]);
		ASSERT_EQ(0, pipe(rep[k]));
		ASSERT_EQ(0, pipe(rep2[k]));
	}
	ASSERT_EQ(0, ckpt_log_pipe(lp));
	img = ckpt_tmpfile();
	ASSERT_GE(img, 0);

	pid[0] = fork();
	ASSERT_GE(pid[0], 0);
	if (pid[0] == 0) {
		pid_t child;

		if (dup2(rep[0][1], 1) != 1 || dup2(rep[1][1], 2) != 2 || ckpt_drop_shared_anon())
			_exit(1);
		syscall(SYS_close_range, 3, ~0U, 0);
		child = fork();
		if (child < 0)
			_exit(1);
		if (child == 0)
			pc_writer(2, false);
		pc_writer(1, true);
	}
	for (int k = 0; k < 2; k++) {
		pid_t p;

		close(rep[k][1]);
		ASSERT_EQ((ssize_t)sizeof(p), read(rep[k][0], &p, sizeof(p)));
		if (k)
			pid[1] = p;
		else
			ASSERT_EQ(pid[0], p);
	}
	usleep(200 * 1000);

	id = sys_checkpoint(pid[0], img, CKPT_CHECKPOINT_PRECOPY | CKPT_CHECKPOINT_INHERIT_STDIO,
			    lp[1]);
	ckpt_log_read(lp[0], log, sizeof(log));
	ASSERT_GT(id, 0) TH_LOG("checkpoint: %s; log: %s", strerror(errno), log);
	/* Both stopped by the checkpoint, and left so. */
	ASSERT_EQ(pid[0], waitpid(pid[0], &status, WUNTRACED | WNOHANG));
	ASSERT_TRUE(WIFSTOPPED(status));
	ASSERT_EQ('T', pc_proc_state(pid[1]));
	for (int k = 0; k < 2; k++)
		ASSERT_EQ(0, pc_snapshot(pid[k], orig[k], orig_pages[k]));
	kill(pid[1], SIGKILL);
	kill(pid[0], SIGKILL);
	ASSERT_EQ(pid[0], waitpid(pid[0], &status, 0));

	ASSERT_EQ(0, lseek(img, 0, SEEK_SET));
	ASSERT_EQ(0, ckpt_slurp(img, &image));
	pc_count(&image, &c);
	TH_LOG("%u pre-copy records in %u rounds, %llu pages; %llu staged",
	       c.records, c.rounds, (unsigned long long)c.precopied,
	       (unsigned long long)c.staged);
	/* Both address spaces pre-copied, and mostly named at the stop. */
	ASSERT_GE(c.precopied, 2 * PC_PAGES);
	ASSERT_GE(c.staged, PC_PAGES);
	free(image.buf);
	ASSERT_EQ(0, lseek(img, 0, SEEK_SET));

	restorer = fork();
	ASSERT_GE(restorer, 0);
	if (restorer == 0) {
		long root;

		if (dup2(rep2[0][1], 1) != 1 || dup2(rep2[1][1], 2) != 2)
			_exit(1);
		root = sys_restart(0, img, 0, lp[1]);
		if (root <= 0)
			_exit(CKPT_CHILD_ERRNO + errno);
		if (waitpid(root, &status, 0) != root)
			_exit(1);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	}
	for (int k = 0; k < 2; k++)
		close(rep2[k][1]);
	/* The root's report, then the child's: the root waits for its child. */
	for (int k = 0; k < 2; k++) {
		ASSERT_EQ(0, read_full(rep2[k][0], back[k], sizeof(*back[k]))) {
			waitpid(restorer, &status, 0);
			ckpt_log_read(lp[0], log, sizeof(log));
			TH_LOG("restart status %#x, log: %s", status, log);
		}
		ASSERT_EQ(0, read_full(rep2[k][0], back_pages[k], PC_PAGES * pg));
	}
	ASSERT_EQ(restorer, waitpid(restorer, &status, 0));
	ckpt_log_read(lp[0], log, sizeof(log));
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("status %#x, log: %s", status, log);
	pc_compare(_metadata, "the root", orig[0], orig_pages[0], back[0], back_pages[0]);
	pc_compare(_metadata, "its child", orig[1], orig_pages[1], back[1], back_pages[1]);
	close(img);
}

/* A target that cannot be checkpointed: a SysV semaphore undo. */
TEST(precopy_refused_continues)
{
	int rep[2], lp[2], img, status;
	char log[1024], r;
	pid_t pid;

	ASSERT_EQ(0, pipe(rep));
	ASSERT_EQ(0, ckpt_log_pipe(lp));
	img = ckpt_tmpfile();
	ASSERT_GE(img, 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct sembuf up = { .sem_num = 0, .sem_op = 1, .sem_flg = SEM_UNDO };
		int id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);

		if (id < 0 || semop(id, &up, 1) || dup2(rep[1], 1) != 1)
			_exit(1);
		syscall(SYS_close_range, 3, ~0U, 0);
		/* Says it runs, every 10 ms. */
		for (;;) {
			if (write(1, "r", 1) != 1)
				_exit(2);
			usleep(10 * 1000);
		}
	}
	close(rep[1]);
	ASSERT_EQ(1, read(rep[0], &r, 1));
	ASSERT_EQ(-1, sys_checkpoint(pid, img, CKPT_CHECKPOINT_PRECOPY |
				     CKPT_CHECKPOINT_INHERIT_STDIO, lp[1]));
	ASSERT_EQ(EOPNOTSUPP, errno);
	ckpt_log_read(lp[0], log, sizeof(log));
	ASSERT_TRUE(ckpt_log_ok(log, "checkpoint: ", "SysV semaphore undo")) TH_LOG("log: %s", log);
	/* Stopped for the last round, continued after the failure: it runs. */
	ASSERT_EQ(pid, waitpid(pid, &status, WCONTINUED));
	ASSERT_TRUE(WIFCONTINUED(status));
	ASSERT_EQ(0, fcntl(rep[0], F_SETFL, O_NONBLOCK));
	while (read(rep[0], &r, 1) == 1)
		;
	ASSERT_EQ(0, fcntl(rep[0], F_SETFL, 0));
	ASSERT_EQ(1, read(rep[0], &r, 1));
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));

	/* The caller itself cannot be stopped for the last round. */
	ASSERT_EQ(-1, sys_checkpoint(0, img, CKPT_CHECKPOINT_PRECOPY, lp[1]));
	ASSERT_EQ(EINVAL, errno);
	ckpt_log_read(lp[0], log, sizeof(log));
	ASSERT_TRUE(ckpt_log_ok(log, "checkpoint: ", "cannot stop its caller")) TH_LOG("log: %s", log);
	close(img);
}

TEST_HARNESS_MAIN
