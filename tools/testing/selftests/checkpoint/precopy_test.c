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
 * process, which sees its pid change and stops stamping, sends its own
 * memory back: every page must be the one of the stop, but for the page
 * each thread was stamping (its stamp may be complete after the restart),
 * and every page must hold the stamp its table says.  A page written
 * after the round that copied it and missed by the tracking would hold
 * an older stamp.
 */
#define _GNU_SOURCE
/* /proc/PID/mem at addresses above 2 GiB, on 32 bits. */
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
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
 * Has thread @thread been restarted, before it stamps page @i?  The page
 * is noted first: stopped after the check, the thread stamps it once
 * after the restart.
 */
static bool pc_restarted(int thread, unsigned int i)
{
	__atomic_store_n(&st->cur[thread], i + 1, __ATOMIC_SEQ_CST);
	return syscall(SYS_getpid) != st->me;
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
 * The target: stamps every page once, says so on fd 1, then stamps until
 * it finds itself restarted, and then writes its state and pages to fd 1.
 */
static void __attribute__((noreturn)) pc_writer(void)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	pthread_t th[2];

	st->me = getpid();
	for (unsigned int i = 0; i < PC_PAGES; i++)
		pc_stamp(i);
	if (pthread_create(&th[0], NULL, pc_hot, NULL) ||
	    pthread_create(&th[1], NULL, pc_cold, NULL) || write(1, "R", 1) != 1)
		_exit(2);
	while (syscall(SYS_getpid) == st->me)
		nanosleep(&tick, NULL);
	if (pthread_join(th[0], NULL) || pthread_join(th[1], NULL))
		_exit(3);
	if (write(1, st, sizeof(*st)) != sizeof(*st))
		_exit(4);
	for (size_t off = 0; off < PC_PAGES * pg; ) {
		ssize_t n = write(1, pages + off, PC_PAGES * pg - off);

		if (n <= 0)
			_exit(4);
		off += n;
	}
	_exit(0);
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
	uint64_t precopied, staged, fresh_in_region;
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
			if (v->start <= (uintptr_t)pages && (uintptr_t)pages < v->end)
				c->fresh_in_region = v->nr_pages;
		}
		off = next;
	}
}

TEST(precopy_running_writer)
{
	static char orig_pages[PC_PAGES * 65536], back_pages[PC_PAGES * 65536];
	struct pc_state *orig = malloc(sizeof(*orig)), *back = malloc(sizeof(*back));
	int rep[2], rep2[2], lp[2], img, status, mem;
	char path[64];
	struct ckpt_image image;
	struct pc_counts c;
	char log[1024], r;
	pid_t pid, restorer;
	long id;

	pg = sysconf(_SC_PAGESIZE);
	ASSERT_LE(pg, 65536);
	ASSERT_NE(NULL, orig);
	ASSERT_NE(NULL, back);
	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pages = mmap(NULL, PC_PAGES * pg, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, st);
	ASSERT_NE(MAP_FAILED, pages);
	ASSERT_EQ(0, pipe(rep));
	ASSERT_EQ(0, pipe(rep2));
	ASSERT_EQ(0, ckpt_log_pipe(lp));
	img = ckpt_tmpfile();
	ASSERT_GE(img, 0);

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (dup2(rep[1], 1) != 1 || ckpt_drop_shared_anon())
			_exit(1);
		syscall(SYS_close_range, 3, ~0U, 0);
		pc_writer();
	}
	close(rep[1]);
	ASSERT_EQ(1, read(rep[0], &r, 1));
	usleep(200 * 1000);

	id = sys_checkpoint(pid, img, CKPT_CHECKPOINT_PRECOPY | CKPT_CHECKPOINT_INHERIT_STDIO,
			    lp[1]);
	ckpt_log_read(lp[0], log, sizeof(log));
	ASSERT_GT(id, 0) TH_LOG("checkpoint: %s; log: %s", strerror(errno), log);
	/* Left stopped, by a SIGSTOP. */
	ASSERT_EQ(pid, waitpid(pid, &status, WUNTRACED | WNOHANG));
	ASSERT_TRUE(WIFSTOPPED(status));
	ASSERT_EQ(SIGSTOP, WSTOPSIG(status));

	/* The memory at the stop. */
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	mem = open(path, O_RDONLY);
	ASSERT_GE(mem, 0);
	ASSERT_EQ((ssize_t)sizeof(*orig), pread(mem, orig, sizeof(*orig), (uintptr_t)st));
	ASSERT_EQ((ssize_t)(PC_PAGES * pg), pread(mem, orig_pages, PC_PAGES * pg, (uintptr_t)pages));
	close(mem);
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));

	/* Rounds were written, and pages of the last one named, not written again. */
	ASSERT_EQ(0, lseek(img, 0, SEEK_SET));
	ASSERT_EQ(0, ckpt_slurp(img, &image));
	pc_count(&image, &c);
	TH_LOG("%u pre-copy records in %u rounds, %llu pages; %llu staged, %llu of %d written at the stop",
	       c.records, c.rounds, (unsigned long long)c.precopied,
	       (unsigned long long)c.staged, (unsigned long long)c.fresh_in_region, PC_PAGES);
	ASSERT_GE(c.rounds, 2);
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

	/* Each page holds the stamp its table says. */
	for (unsigned int i = 0; i < PC_PAGES; i++) {
		uint64_t *w = (uint64_t *)(back_pages + i * pg);

		ASSERT_TRUE(w[0] == back->last[i] && w[pg / 16] == back->last[i] &&
			    w[pg / 8 - 1] == back->last[i])
			TH_LOG("page %u holds stamp %llu, its table %llu", i,
			       (unsigned long long)w[0], (unsigned long long)back->last[i]);
	}
	TH_LOG("stamps: %llu at the stop, %llu restarted; pages being stamped %lld %lld",
	       (unsigned long long)orig->seq, (unsigned long long)back->seq,
	       (long long)orig->cur[0] - 1, (long long)orig->cur[1] - 1);
	/* And is the page of the stop, but for one stamp a thread was in. */
	for (unsigned int i = 0; i < PC_PAGES; i++) {
		if (i + 1 == orig->cur[0] || i + 1 == orig->cur[1])
			continue;
		ASSERT_EQ(0, memcmp(orig_pages + i * pg, back_pages + i * pg, pg))
			TH_LOG("page %u: stamp %llu at the stop, %llu restarted", i,
			       (unsigned long long)*(uint64_t *)(orig_pages + i * pg),
			       (unsigned long long)*(uint64_t *)(back_pages + i * pg));
		ASSERT_EQ(orig->last[i], back->last[i]);
	}
	ASSERT_GE(back->seq, orig->seq);
	ASSERT_LE(back->seq, orig->seq + 2);
	free(orig);
	free(back);
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
