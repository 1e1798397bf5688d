// SPDX-License-Identifier: GPL-2.0
/*
 * A structure-aware fuzzer of restart(2).
 *
 * Seed images of varied state are taken of stopped targets (descriptors of
 * every supported kind, memory areas of every kind, signal state and
 * timers, a call interrupted in its sleep, a process of another user).
 * Each is restarted intact first: it must come back and report.  Then
 * copies are mutated with the structure of the stream in view: a field of
 * a record set to a boundary value, a record's type or length changed, a
 * record dropped, duplicated, moved, resized, or spliced in from another
 * seed, bits flipped; most mutants get their counts (nr_fds, nr_vmas,
 * nr_pages, data_len) and their tail (nr_records, image_len, checksum)
 * fixed up, so that they reach past the stream checks.  Each mutant is
 * restarted in a forked child, from a file or from a pipe, by root or, for
 * the other user's seed, by that user, with fds 0-2 inherited.
 *
 * What must hold for every image:
 * - restart(2) fails with an errno and exactly one "restart: " line on its
 *   log, its caller intact; or it fails after its point of no return and
 *   the caller is killed with a line that says so; or it succeeds, logs
 *   nothing, and what runs is the restarted process (which may crash,
 *   loop or exit with anything: its registers may have been mutated);
 * - a restart(2) never hangs: a child still in restart(2) after the
 *   timeout is a failure, and every child must die when killed;
 * - a restarted process that reports (it runs its own code) has no more
 *   privilege than its restarter: the same user and group ids, no
 *   capability the restarter lacks and, on x86_64, no I/O privilege level
 *   (EFLAGS.IOPL), on s390x, a problem-state PSW with key 0;
 * - the kernel log gains no oops, BUG, WARNING, KASAN or lockdep report;
 * - ckptinfo, run on some of the mutants, exits 0 or 1, never crashes.
 * An image that breaks one of these is printed on the console in base64
 * (CKPT-FUZZ-IMAGE lines; harness/run-fuzz.sh turns them into files) to be
 * kept in fuzz-corpus/ARCH/, whose images the "corpus" test restarts with
 * the same checks on every run.
 *
 * The environment sets the round: CKPT_FUZZ_COUNT images (default: as many
 * as CKPT_FUZZ_SECONDS allow, default 30), CKPT_FUZZ_SEED (default: from
 * the clock; printed, the same seed replays the same mutants),
 * CKPT_FUZZ_WORKERS parallel workers (default: the number of CPUs, at most
 * 4), CKPT_FUZZ_SWEEP=1 to start with a deterministic sweep that sets every
 * 4- and 8-byte field of every seed record to each boundary value.  The
 * round prints images per second, the outcomes, the errno histogram and the
 * log lines seen most often.
 */

#include "ckpt_task.h"

#include <dirent.h>
#include <execinfo.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/time.h>
#include <linux/capability.h>

#define FUZZ_TIMEOUT		3.0	/* seconds for one restart and its process */
#define FUZZ_KILL_TIMEOUT	10.0	/* a killed child must be gone by then */
#define FUZZ_MAX_IMAGE		(8u << 20)
#define FUZZ_MAX_RECORDS	4096
#define FUZZ_MAX_WORKERS	4
#define FUZZ_UID		1000
#define FUZZ_GID		1000
#define FUZZ_PAT_SEED		0xf0220000ULL
#define FUZZ_CORPUS		"/tests/fuzz-corpus"
#define FUZZ_EXIT_TREE		90	/* the restored tree seed is not what it was */

/* ------------------------------------------------------------------ */
/* Seeds: targets whose images are mutated.                           */
/* ------------------------------------------------------------------ */

enum seed_kind {
	SEED_FILES,
	SEED_MEMORY,
	SEED_SIGNALS,
	SEED_SLEEPER,
	SEED_USER,
	SEED_TREE,
	NR_SEEDS,
};

static const char *const seed_names[NR_SEEDS] = {
	"files", "memory", "signals", "sleeper", "user", "tree",
};

struct seed {
	struct ckpt_image img;
	bool unprivileged;	/* restarted by FUZZ_UID, not root */
};

static struct seed seeds[NR_SEEDS];
static char seed_path[64];	/* a regular file the targets open and map */

/*
 * What a restarted target writes on fd 1: its ids, capabilities and, where
 * user space can read them, the privilege bits of its PSW or EFLAGS.
 */
static void fuzz_report(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct cap[2] = { 0 };
	uid_t r, e, s;
	gid_t gr, ge, gs;
	unsigned long priv = 0;
	char line[200];
	int len;

#if defined(__x86_64__)
	__asm__ volatile("pushfq; popq %0" : "=r"(priv));
	priv &= 0x3000;				/* IOPL */
#elif defined(__s390x__)
	{
		unsigned long hi = 0, lo = 0;

		/* EPSW: the PSW's first two words, unprivileged. */
		__asm__ volatile("epsw %0,%1" : "=d"(hi), "=d"(lo));
		(void)lo;
		/* Key (bits 8-11), and the problem-state bit (15) clear. */
		priv = (hi & 0x00f00000) | (~hi & 0x00010000);
	}
#endif
	getresuid(&r, &e, &s);
	getresgid(&gr, &ge, &gs);
	syscall(SYS_capget, &hdr, cap);
	len = snprintf(line, sizeof(line), "ok %u %u %u %u %u %u %x %x %x %x %lx\n",
		       r, e, s, gr, ge, gs, cap[0].effective, cap[1].effective,
		       cap[0].permitted, cap[1].permitted, priv);
	if (write(1, line, len) != len)
		_exit(1);
}

static void seed_stop_and_report(void)
{
	if (ckpt_stop()) {
		fuzz_report();
		_exit(0);
	}
}

static void seed_files(void *arg)
{
	struct flock rdlock = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 5, .l_len = 10 };
	struct flock ofdlock = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 20 };
	struct itimerspec its = { { 3600, 0 }, { 1800, 500 } };
	struct sockaddr_in tcp_name;
	socklen_t len = sizeof(tcp_name);
	struct epoll_event ev;
	char ghost[80];
	int p[2], fd, mfd, n;
	sigset_t mask;

	(void)arg;
	SETUP(open(seed_path, O_RDONLY) == 3);
	SETUP(lseek(3, 77, SEEK_SET) == 77);
	SETUP(open(seed_path, O_WRONLY | O_APPEND) == 4);
	SETUP(!pipe(p) && p[0] == 5 && p[1] == 6);
	SETUP(write(6, "some bytes in the pipe", 22) == 22);
	SETUP(open("/dev/null", O_RDWR) == 7);
	mfd = memfd_create("fuzz", MFD_ALLOW_SEALING);
	SETUP(mfd == 8);
	SETUP(write(mfd, "memfd contents", 14) == 14);
	SETUP(!fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK));
	SETUP(eventfd(42, EFD_NONBLOCK) == 9);
	SETUP(open("/tmp", O_RDONLY | O_DIRECTORY) == 10);
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGRTMIN + 2);
	SETUP(signalfd(-1, &mask, SFD_NONBLOCK) == 11);
	SETUP(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK) == 12);
	SETUP(!timerfd_settime(12, 0, &its, NULL));
	/* 13: a deleted file, its data in the image. */
	snprintf(ghost, sizeof(ghost), "%s-deleted", seed_path);
	SETUP(open(ghost, O_RDWR | O_CREAT | O_TRUNC, 0600) == 13);
	SETUP(!unlink(ghost));
	SETUP(pwrite(13, "deleted data", 12, 8192) == 12);
	fd = dup2(3, 40);
	SETUP(fd == 40);
	SETUP(fcntl(40, F_SETFD, FD_CLOEXEC) == 0);
	n = fcntl(5, F_DUPFD_CLOEXEC, 100);
	SETUP(n == 100);
	/* 14: an epoll instance watching the pipe, the eventfd and the timerfd. */
	SETUP(epoll_create1(0) == 14);
	ev.events = EPOLLIN;
	ev.data.u64 = 5;
	SETUP(!epoll_ctl(14, EPOLL_CTL_ADD, 5, &ev));
	ev.events = EPOLLIN | EPOLLET;
	ev.data.u64 = 9;
	SETUP(!epoll_ctl(14, EPOLL_CTL_ADD, 9, &ev));
	ev.events = EPOLLIN | EPOLLONESHOT;
	ev.data.u64 = 12;
	SETUP(!epoll_ctl(14, EPOLL_CTL_ADD, 12, &ev));
	/* 15/16: a unix seqpacket pair, messages both ways, one half shut. */
	SETUP(!socketpair(AF_UNIX, SOCK_SEQPACKET, 0, p) && p[0] == 15 && p[1] == 16);
	SETUP(send(15, "seq one", 7, 0) == 7 && send(15, "seq two", 7, 0) == 7 &&
	      send(16, "back", 4, 0) == 4 && !shutdown(16, SHUT_WR));
	ev.events = EPOLLIN;
	ev.data.u64 = 16;
	SETUP(!epoll_ctl(14, EPOLL_CTL_ADD, 16, &ev));
	/* 17: a unix stream socket whose peer wrote and closed. */
	SETUP(!socketpair(AF_UNIX, SOCK_STREAM, 0, p) && p[0] == 17 && p[1] == 18);
	SETUP(write(18, "last", 4) == 4 && !close(18));
	/*
	 * 19 a TCP listener, 20/21 a connection it accepted with bytes queued
	 * both ways, 22 a UDP socket on the listener's port with datagrams.
	 */
	SETUP(!ckpt_tcp_connection(19, 20, 21));
	SETUP(write(20, "tcp to server", 13) == 13 && write(21, "tcp back", 8) == 8);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	SETUP(!getsockname(19, (struct sockaddr *)&tcp_name, &len) &&
	      ckpt_move_fd(fd, 22) == 22 && !bind(22, (struct sockaddr *)&tcp_name, len) &&
	      !getsockname(22, (struct sockaddr *)&tcp_name, &len));
	/* Two datagrams queued on 22, from itself. */
	SETUP(sendto(22, "dgram", 5, 0, (struct sockaddr *)&tcp_name, len) == 5 &&
	      sendto(22, "", 0, 0, (struct sockaddr *)&tcp_name, len) == 0);
	/* 23: an inotify instance watching the seed file. */
	fd = inotify_init1(IN_NONBLOCK);
	SETUP(ckpt_move_fd(fd, 23) == 23 &&
	      inotify_add_watch(23, seed_path, IN_MODIFY | IN_ATTRIB | IN_ONESHOT) == 1);
	/* 24 a unix listener on an abstract name, 25 a client it has not accepted. */
	{
		struct sockaddr_un un = { .sun_family = AF_UNIX };
		socklen_t ulen = offsetof(struct sockaddr_un, sun_path) + 1 +
				 snprintf(un.sun_path + 1, sizeof(un.sun_path) - 1,
					  "ckpt-fuzz-%d", getpid());

		SETUP(ckpt_move_fd(socket(AF_UNIX, SOCK_STREAM, 0), 24) == 24 &&
		      !bind(24, (struct sockaddr *)&un, ulen) && !listen(24, 2));
		SETUP(ckpt_move_fd(socket(AF_UNIX, SOCK_STREAM, 0), 25) == 25 &&
		      !connect(25, (struct sockaddr *)&un, ulen) && write(25, "pending", 7) == 7);
		/* 26 a datagram server with messages from 27, its client. */
		un.sun_path[1] = 'd';
		SETUP(ckpt_move_fd(socket(AF_UNIX, SOCK_DGRAM, 0), 26) == 26 &&
		      !bind(26, (struct sockaddr *)&un, ulen));
		SETUP(ckpt_move_fd(socket(AF_UNIX, SOCK_DGRAM, 0), 27) == 27 &&
		      !connect(27, (struct sockaddr *)&un, ulen) && send(27, "dg1", 3, 0) == 3 &&
		      send(27, "dg2", 3, 0) == 3);
	}
	/* 28/29: a pty, a line and a half typed on its master, output on its slave. */
	{
		char pts[64];

		fd = posix_openpt(O_RDWR | O_NOCTTY);
		SETUP(ckpt_move_fd(fd, 28) == 28 && !grantpt(28) && !unlockpt(28) &&
		      !ptsname_r(28, pts, sizeof(pts)));
		fd = open(pts, O_RDWR | O_NOCTTY);
		SETUP(ckpt_move_fd(fd, 29) == 29 && write(28, "line\nhalf", 9) == 9 &&
		      write(29, "out\n", 4) == 4);
	}
	/* O_ASYNC on the pipe (through its fd 5), without an owner. */
	SETUP(!fcntl(5, F_SETFL, O_ASYNC) && fcntl(5, F_GETFL) & O_ASYNC);
	/* Two seccomp filters, for system calls nothing here makes. */
	SETUP(!prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) &&
	      !ckpt_seccomp_errno(SYS_acct, EPERM, 0) &&
	      !ckpt_seccomp_errno(SYS_swapoff, EPERM, SECCOMP_FILTER_FLAG_LOG));
	/* Shared locks only: restored copies of the seed may run together. */
	SETUP(!flock(3, LOCK_SH | LOCK_NB));
	SETUP(!fcntl(3, F_SETLK, &rdlock) && !fcntl(3, F_OFD_SETLK, &ofdlock));
	seed_stop_and_report();
}

static void seed_memory(void *arg)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *anon, *priv, *shared, *sanon, *mem;
	int fd, mfd;

	(void)arg;
	anon = mmap(NULL, 16 * pg, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SETUP(anon != MAP_FAILED);
	for (int i = 0; i < 16; i += 3)
		ckpt_fill(anon + i * pg, pg, FUZZ_PAT_SEED + i);
	SETUP(!mprotect(anon + 4 * pg, 2 * pg, PROT_READ));
	SETUP(!mprotect(anon + 8 * pg, pg, PROT_NONE));
	SETUP(!madvise(anon + 10 * pg, 2 * pg, MADV_DONTDUMP));
	SETUP(!madvise(anon + 12 * pg, pg, MADV_WIPEONFORK));
	fd = open(seed_path, O_RDWR);
	SETUP(fd >= 0);
	priv = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	SETUP(priv != MAP_FAILED);
	priv[10] = 'x';
	shared = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SETUP(shared != MAP_FAILED);
	close(fd);
	sanon = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	SETUP(sanon != MAP_FAILED);
	sanon[pg] = 's';
	mfd = memfd_create("fuzzmem", 0);
	SETUP(mfd >= 0 && !ftruncate(mfd, 2 * pg));
	mem = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	SETUP(mem != MAP_FAILED);
	mem[0] = 'm';
	SETUP(mmap(NULL, 3 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		   -1, 0) != MAP_FAILED);
	SETUP(sbrk(5 * pg) != (void *)-1);
	seed_stop_and_report();
}

static void seed_handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
}

static void seed_signals(void *arg)
{
	static char altstack[65536];
	struct sigaction sa = { .sa_sigaction = seed_handler,
				.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK };
	struct itimerval it = { { 5, 0 }, { 100, 0 } };
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct rlimit rl = { 200, 300 };
	union sigval v = { .sival_int = 1234 };
	struct sigevent tev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN + 4,
				.sigev_value.sival_int = 4321 };
	struct itimerspec tits = { { 0, 10000000 }, { 0, 1000000 } };
	struct itimerspec it2 = { { 1, 0 }, { 50, 0 } };
	timer_t tm[2];
	sigset_t set;

	(void)arg;
	SETUP(!sigaltstack(&ss, NULL));
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	SETUP(!sigaction(SIGUSR1, &sa, NULL));
	SETUP(!sigaction(SIGRTMIN + 3, &sa, NULL));
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGRTMIN + 3);
	sigaddset(&set, SIGHUP);
	SETUP(!sigprocmask(SIG_BLOCK, &set, NULL));
	SETUP(!raise(SIGUSR1));
	SETUP(!sigqueue(ckpt_getpid(), SIGRTMIN + 3, v));
	SETUP(!sigqueue(ckpt_getpid(), SIGRTMIN + 3, v));
	SETUP(!raise(SIGHUP));
	SETUP(!setitimer(ITIMER_REAL, &it, NULL));
	SETUP(!setitimer(ITIMER_VIRTUAL, &it, NULL));
	/* POSIX timers: a periodic one whose signal waits, and a silent one. */
	SETUP(!sigaction(SIGRTMIN + 4, &sa, NULL));
	sigaddset(&set, SIGRTMIN + 4);
	SETUP(!sigprocmask(SIG_BLOCK, &set, NULL));
	SETUP(!timer_create(CLOCK_MONOTONIC, &tev, &tm[0]));
	SETUP(!timer_settime(tm[0], 0, &tits, NULL));
	tev.sigev_notify = SIGEV_NONE;
	SETUP(!timer_create(CLOCK_REALTIME, &tev, &tm[1]));
	SETUP(!timer_settime(tm[1], 0, &it2, NULL));
	ckpt_sleep(0.05);
	SETUP(!setrlimit(RLIMIT_NOFILE, &rl));
	umask(027);
	SETUP(!mkdir("/tmp/fuzz-cwd", 0755) || errno == EEXIST);
	SETUP(!chdir("/tmp/fuzz-cwd"));
	SETUP(!prctl(PR_SET_NAME, "fuzz-signals"));
	SETUP(!prctl(PR_SET_PDEATHSIG, SIGTERM));
	seed_stop_and_report();
}

static int sleeper_ready[2];

static void seed_sleeper(void *arg)
{
	struct timespec ts = { 0, 400 * 1000 * 1000 };
	pid_t me = ckpt_getpid();

	(void)arg;
	SETUP(write(sleeper_ready[1], "r", 1) == 1);
	close(sleeper_ready[1]);
	/* Stopped by the test in the middle of this. */
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	if (ckpt_getpid() == me)
		_exit(CKPT_EXIT_NOT_RESTARTED);
	fuzz_report();
	_exit(0);
}

static void seed_user(void *arg)
{
	gid_t groups[] = { FUZZ_GID, FUZZ_GID + 1 };
	int fd;

	(void)arg;
	SETUP(!setgroups(2, groups));
	SETUP(!setresgid(FUZZ_GID, FUZZ_GID, FUZZ_GID));
	SETUP(!setresuid(FUZZ_UID, FUZZ_UID, FUZZ_UID));
	fd = open(seed_path, O_RDONLY);
	SETUP(fd == 3);
	SETUP(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) != MAP_FAILED);
	seed_stop_and_report();
}

/*
 * A tree of three: the root, with a second thread blocked in a read (and a
 * POSIX timer that signals that thread), a
 * zombie child that exited with 7 and a stopped child with a pipe to the
 * root.  Restored (in a new pid namespace: restart(2) returns its root's
 * pid to the restarter), the child writes to the pipe and exits; the root
 * reports once it has read that, reaped both with their statuses and
 * woken and joined its thread.
 */
static int seed_thread_pipe[2];
static volatile int seed_thread_timer;

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id	_sigev_un._tid
#endif

/*
 * The second thread of the tree seed's root: a POSIX timer that signals it
 * alone, then blocked in a read.
 */
static void *seed_thread(void *arg)
{
	struct sigevent ev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGRTMIN + 7 };
	struct itimerspec its = { .it_value = { 100, 0 } };
	timer_t tm;
	char b = 0;

	(void)arg;
	ev.sigev_notify_thread_id = ckpt_gettid();
	seed_thread_timer = timer_create(CLOCK_BOOTTIME, &ev, &tm) ||
			    timer_settime(tm, 0, &its, NULL) ? -1 : 1;
	if (read(seed_thread_pipe[0], &b, 1) != 1 || b != 't')
		return NULL;
	return (void *)1L;
}

static void seed_tree(void *arg)
{
	pid_t zombie, child;
	void *thread_ok = NULL;
	pthread_t th;
	int p[2], st;
	char b;

	(void)arg;
	SETUP(!pipe(p) && !pipe(seed_thread_pipe));
	SETUP(!pthread_create(&th, NULL, seed_thread, NULL));
	while (!seed_thread_timer)
		ckpt_sleep(0.001);
	SETUP(seed_thread_timer == 1);
	zombie = fork();
	if (zombie == 0)
		_exit(7);
	SETUP(zombie > 0);
	child = fork();
	if (child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(p[0]);
		kill(getpid(), SIGSTOP);
		_exit(write(p[1], "c", 1) == 1 ? 0 : 1);
	}
	SETUP(child > 0);
	close(p[1]);
	SETUP(waitpid(child, &st, WUNTRACED) == child && WIFSTOPPED(st));
	SETUP(waitid(P_PID, zombie, &(siginfo_t){ 0 }, WEXITED | WNOWAIT) == 0);
	if (!ckpt_stop())
		return;
	if (read(p[0], &b, 1) != 1 || b != 'c' ||
	    waitpid(child, &st, 0) != child || !WIFEXITED(st) || WEXITSTATUS(st) ||
	    waitpid(zombie, &st, 0) != zombie || !WIFEXITED(st) || WEXITSTATUS(st) != 7 ||
	    write(seed_thread_pipe[1], "t", 1) != 1 || pthread_join(th, &thread_ok) ||
	    !thread_ok)
		_exit(FUZZ_EXIT_TREE);
	fuzz_report();
	_exit(0);
}

static void (*const seed_fns[NR_SEEDS])(void *) = {
	seed_files, seed_memory, seed_signals, seed_sleeper, seed_user, seed_tree,
};

/* Take the seed images; returns NULL or what went wrong. */
static const char *make_seeds(char *why, size_t size)
{
	static bool made;
	pid_t pids[NR_SEEDS];
	struct ckpt_ctx c;
	int fd;

	if (made)
		return NULL;
	snprintf(seed_path, sizeof(seed_path), "/tmp/fuzz-seed-file");
	fd = open(seed_path, O_RDWR | O_CREAT | O_TRUNC, 0666);
	if (fd < 0 || fchmod(fd, 0666))
		return "cannot create the seed file";
	for (int i = 0; i < 8; i++)
		if (write(fd, "0123456789abcdef0123456789ABCDEF", 32) != 32)
			return "cannot write the seed file";
	if (ftruncate(fd, 8192))
		return "cannot size the seed file";
	close(fd);

	/*
	 * Every target first, then their checkpoints: a target forked after
	 * a seed was read would carry it in its memory.
	 */
	ckpt_ctx_init(&c);
	for (int k = 0; k < NR_SEEDS; k++) {
		int st;

		if (k == SEED_SLEEPER) {
			if (pipe(sleeper_ready))
				return "pipe";
			c.keep_fd = sleeper_ready[1];
		}
		pids[k] = ckpt_fork_target(&c, seed_fns[k], NULL);
		c.keep_fd = -1;
		if (pids[k] < 0)
			return "fork";
		if (k == SEED_SLEEPER) {
			char b;

			close(sleeper_ready[1]);
			if (read(sleeper_ready[0], &b, 1) != 1)
				return "the sleeper did not start";
			close(sleeper_ready[0]);
			ckpt_sleep(0.1);
			kill(pids[k], SIGSTOP);
		}
		if (!ckpt_wait(pids[k], &st, WUNTRACED, 60) || !WIFSTOPPED(st)) {
			snprintf(why, size, "seed %s: the target did not stop", seed_names[k]);
			return why;
		}
	}
	for (int k = 0; k < NR_SEEDS; k++) {
		/* The memory seed is a pre-copy image: PRECOPY and STAGED records. */
		c.flags = CKPT_CHECKPOINT_INHERIT_STDIO |
			  (k == SEED_MEMORY ? CKPT_CHECKPOINT_PRECOPY : 0);
		if (ckpt_take(&c, pids[k]) <= 0 || ckpt_slurp(c.img, &seeds[k].img) ||
		    !ckpt_tail_offset(&seeds[k].img)) {
			snprintf(why, size, "seed %s: checkpoint: %s; log: %s", seed_names[k],
				 strerror(c.err), ckpt_log_text(&c));
			return why;
		}
		ckpt_kill(pids[k]);
		pids[k] = 0;
		seeds[k].unprivileged = k == SEED_USER;
	}
	close(c.img);
	close(c.lp[0]);
	close(c.lp[1]);
	made = true;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Running one image.                                                  */
/* ------------------------------------------------------------------ */

enum outcome_kind {
	O_FAILED,	/* restart(2) failed cleanly */
	O_KILLED,	/* killed after the point of no return, as logged */
	O_REPORTED,	/* restarted, ran its own code and reported */
	O_RAN,		/* restarted, then exited or died without a report */
	O_LOOPED,	/* restarted, still running at the timeout: killed */
	O_BAD,		/* a violation: see why */
	NR_OUTCOMES,
};

static const char *const outcome_names[NR_OUTCOMES] = {
	"failed cleanly", "killed after the point of no return",
	"restarted and reported", "restarted and ended without a report",
	"restarted and still running at the timeout", "VIOLATION",
};

struct outcome {
	enum outcome_kind kind;
	int err;		/* O_FAILED: the errno */
	char why[1400];		/* O_BAD: what broke */
	char log[1024];
};

static int fuzz_kmsg = -1;
static pid_t *cur_child;	/* where run_image() says its child */

/* Did the kernel log gain a report since the last call?  Copies it. */
static bool kernel_report(char *out, size_t size)
{
	static const char *const bad[] = {
		"cut here", "WARNING:", "BUG:", "Oops", "Kernel panic", "kernel BUG",
		"UBSAN:", "KASAN:", "possible recursive locking",
		"possible circular locking", "inconsistent lock state",
		"INFO: possible", "INFO: task", "Call Trace:",
		"Unable to handle kernel", "general protection fault",
		"kmemleak:",
	};
	char rec[2048];
	bool found = false;
	ssize_t n;

	if (fuzz_kmsg < 0)
		return false;
	for (;;) {
		n = read(fuzz_kmsg, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			break;
		rec[n] = '\0';
		/* A user-space fault the kernel only mentions. */
		if (strstr(rec, "traps: ") || strstr(rec, " segfault at "))
			continue;
		for (size_t i = 0; !found && i < ARRAY_SIZE(bad); i++) {
			if (strstr(rec, bad[i])) {
				char *msg = strchr(rec, ';');

				msg = msg ? msg + 1 : rec;
				snprintf(out, size, "kernel: %.*s", (int)strcspn(msg, "\n"), msg);
				found = true;
			}
		}
	}
	return found;
}

struct restarter_arg {
	int img, log, report;	/* the image, restart(2)'s log, fd 1 */
	bool unprivileged;	/* become FUZZ_UID first */
};

/*
 * The restarter: calls restart(2) and, if the call returns, says so on fd
 * 1 ("R code errno") and exits with the code of ckpt_task.h.
 */
static pid_t fork_restarter(const struct restarter_arg *a)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct ckpt_caller before, after;
		int null = open("/dev/null", O_RDWR), code, err;
		char line[64];
		long ret;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (null < 0 || dup2(null, 0) || dup2(a->report, 1) != 1 || dup2(null, 2) != 2)
			_exit(CKPT_EXIT_HOOK);
		close(null);
		/* Out of the fuzzer's group: a mutant's kill(0, ...) stays its own. */
		setsid();
		if (a->unprivileged) {
			gid_t g[] = { FUZZ_GID, FUZZ_GID + 1 };

			/* The user seed's groups. */
			if (setgroups(2, g) || setresgid(FUZZ_GID, FUZZ_GID, FUZZ_GID) ||
			    setresuid(FUZZ_UID, FUZZ_UID, FUZZ_UID))
				_exit(CKPT_EXIT_HOOK);
		}
		ckpt_caller_snap(&before);
		/* A mutant's TCP connection "with its peer outside" is taken too. */
		ret = sys_restart(0, a->img, CKPT_RESTART_TCP_ESTABLISHED, a->log);
		err = errno;
		ckpt_caller_snap(&after);
		if (ret > 0 && !memcmp(&before, &after, sizeof(before))) {
			/* A tree under the caller: its root reports on fd 1. */
			int st;

			if (!ckpt_wait(ret, &st, 0, FUZZ_TIMEOUT - 0.5))
				ckpt_kill(ret);
			_exit(0);
		}
		if (ret == 0)
			code = CKPT_EXIT_RESTART_RETURNED;
		else if (memcmp(&before, &after, sizeof(before)))
			code = CKPT_EXIT_CALLER_DAMAGED;
		else
			code = CKPT_EXIT_ERRNO + (err > 0 && err < 127 ? err : 127);
		ret = snprintf(line, sizeof(line), "R %d %d\n", code, err);
		if (write(1, line, ret) != ret)
			_exit(CKPT_EXIT_HOOK);
		_exit(code);
	}
	return pid;
}

/* One line of what a stuck task is doing: its state, wchan and stack. */
static void describe_task(pid_t pid, char *out, size_t size)
{
	char path[64], stat[512] = "", wchan[128] = "", stack[1024] = "";
	int p[2];
	pid_t reader;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	ckpt_read_file(path, stat, sizeof(stat));
	snprintf(path, sizeof(path), "/proc/%d/wchan", pid);
	ckpt_read_file(path, wchan, sizeof(wchan));
	/* /proc/PID/stack may wait for a lock the task holds: in a child. */
	if (!pipe(p)) {
		reader = fork();
		if (reader == 0) {
			char b[1024];
			ssize_t n;

			alarm(5);
			snprintf(path, sizeof(path), "/proc/%d/stack", pid);
			n = ckpt_read_file(path, b, sizeof(b));
			if (n > 0 && write(p[1], b, n) != n)
				_exit(1);
			_exit(0);
		}
		close(p[1]);
		if (reader > 0) {
			ssize_t n;

			ckpt_wait(reader, &(int){ 0 }, 0, 6);
			fcntl(p[0], F_SETFL, O_NONBLOCK);
			n = read(p[0], stack, sizeof(stack) - 1);
			stack[n > 0 ? n : 0] = '\0';
			ckpt_kill(reader);
		}
		close(p[0]);
	}
	for (char *c = stack; *c; c++)
		if (*c == '\n')
			*c = ' ';
	stat[strcspn(stat, "\n")] = '\0';
	snprintf(out, size, "pid %d stat \"%.60s\" wchan %s stack %s", pid, stat, wchan, stack);
}

/* Check a report line against what the restarter could have. */
static bool report_ok(const char *rep, bool unprivileged, char *why, size_t size)
{
	unsigned int id[6], ce0, ce1, cp0, cp1;
	unsigned long priv;

	if (sscanf(rep, "ok %u %u %u %u %u %u %x %x %x %x %lx", &id[0], &id[1], &id[2],
		   &id[3], &id[4], &id[5], &ce0, &ce1, &cp0, &cp1, &priv) != 11)
		return true;	/* its own code was mutated: not the kernel's doing */
	if (priv) {
		snprintf(why, size, "the restarted process has privileged PSW/EFLAGS bits %#lx",
			 priv);
		return false;
	}
	if (!unprivileged)
		return true;
	for (int i = 0; i < 6; i++) {
		if (id[i] != (i < 3 ? FUZZ_UID : FUZZ_GID)) {
			snprintf(why, size, "restarted by uid %d, the process has ids %.60s",
				 FUZZ_UID, rep + 3);
			return false;
		}
	}
	if (ce0 || ce1 || cp0 || cp1) {
		snprintf(why, size, "restarted by uid %d, the process has capabilities (%.60s)",
			 FUZZ_UID, rep + 3);
		return false;
	}
	return true;
}

/* Wait for @pid at most @t seconds; false if it is still there. */
static bool reap(pid_t pid, int *status, double t)
{
	return ckpt_wait(pid, status, 0, t);
}

static void bad(struct outcome *o, const char *fmt, ...)
{
	va_list ap;

	o->kind = O_BAD;
	va_start(ap, fmt);
	vsnprintf(o->why, sizeof(o->why), fmt, ap);
	va_end(ap);
}

/*
 * Restart @len bytes at @buf in a child, from a pipe if @via_pipe, and
 * judge what happened.
 */
static void run_image(struct ckpt_ctx *c, const uint8_t *buf, size_t len, bool unprivileged,
		      bool via_pipe, struct outcome *o)
{
	struct restarter_arg a = { .img = -1, .log = c->lp[1], .unprivileged = unprivileged };
	char rep[256] = "", why[160];
	int rp[2], status = 0, ip[2], code, err;
	bool timed_out = false;
	ssize_t n;
	pid_t pid;

	memset(o, 0, sizeof(*o));
	if (via_pipe && !pipe(ip)) {
		if (fcntl(ip[1], F_SETPIPE_SZ, 1 << 20) >= (int)len &&
		    write(ip[1], buf, len) == (ssize_t)len)
			a.img = ip[0];
		else
			close(ip[0]);
		close(ip[1]);
	}
	if (a.img < 0)
		a.img = ckpt_image_file(buf, len);
	if (a.img < 0 || pipe2(rp, O_CLOEXEC)) {
		bad(o, "cannot set the image up: %s", strerror(errno));
		if (a.img >= 0)
			close(a.img);
		return;
	}
	a.report = rp[1];
	ckpt_log_drain(c);
	pid = fork_restarter(&a);
	if (cur_child)
		__atomic_store_n(cur_child, pid, __ATOMIC_RELAXED);
	close(rp[1]);
	close(a.img);
	if (pid < 0) {
		close(rp[0]);
		bad(o, "fork: %s", strerror(errno));
		return;
	}
	for (;;) {
		if (!ckpt_wait(pid, &status, WUNTRACED, FUZZ_TIMEOUT)) {
			timed_out = true;
			kill(pid, SIGKILL);
			/* A child that does not die is left: waiting would hang. */
			if (!reap(pid, &status, FUZZ_KILL_TIMEOUT)) {
				char d[240];

				describe_task(pid, d, sizeof(d));
				bad(o, "the child did not die of SIGKILL in %.0f s: %s",
				    FUZZ_KILL_TIMEOUT, d);
			}
			break;
		}
		if (!WIFSTOPPED(status))
			break;
		/* A restarted process may stop itself (its registers...). */
		kill(pid, SIGKILL);
		kill(pid, SIGCONT);
	}
	ckpt_log_collect(c);
	snprintf(o->log, sizeof(o->log), "%s", c->log);
	fcntl(rp[0], F_SETFL, O_NONBLOCK);
	n = read(rp[0], rep, sizeof(rep) - 1);
	rep[n > 0 ? n : 0] = '\0';
	close(rp[0]);
	if (o->kind == O_BAD)
		return;

	if (sscanf(rep, "R %d %d", &code, &err) == 2) {
		/* restart(2) returned to its caller. */
		if (code == CKPT_EXIT_RESTART_RETURNED)
			bad(o, "restart(2) returned 0 to its caller");
		else if (code == CKPT_EXIT_CALLER_DAMAGED)
			bad(o, "a failed restart(2) (%s) changed its caller", strerror(err));
		else if (!ckpt_log_ok(o->log, "restart: ", ""))
			bad(o, "restart(2) failed (%s) without one \"restart: \" line on its log",
			    strerror(err));
		else if (strstr(o->log, "point of no return"))
			bad(o, "restart(2) returned after its point of no return");
		else if (!WIFEXITED(status) || WEXITSTATUS(status) != code)
			bad(o, "the restarter, after restart(2) failed: %s",
			    ckpt_status_str(status, why, sizeof(why)));
		else
			o->kind = O_FAILED, o->err = err;
		return;
	}
	if (o->log[0]) {
		/* Logged and did not return: failed after its point of no return. */
		if (!ckpt_log_ok(o->log, "restart: ", "point of no return"))
			bad(o, "restart(2) did not return, and its log is not one line about its point of no return");
		else if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL || timed_out)
			bad(o, "after the point of no return the caller must be killed: %s",
			    ckpt_status_str(status, why, sizeof(why)));
		else
			o->kind = O_KILLED;
		return;
	}
	/* Nothing logged: restart(2) succeeded and what ran is the restarted process. */
	if (!strncmp(rep, "ok ", 3)) {
		o->kind = report_ok(rep, unprivileged, o->why, sizeof(o->why)) ?
			  O_REPORTED : O_BAD;
		return;
	}
	o->kind = timed_out ? O_LOOPED : O_RAN;
}

/* Run ckptinfo on an image: it may refuse it, never crash. */
static bool ckptinfo_ok(const uint8_t *buf, size_t len, char *why, size_t size)
{
	static const char tool[] = "/bin/ckptinfo";
	char path[64];
	int fd, status = 0;
	pid_t pid;

	if (access(tool, X_OK))
		return true;
	fd = ckpt_image_file(buf, len);
	if (fd < 0)
		return true;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		alarm(20);
		execl(tool, "ckptinfo", path, (char *)NULL);
		_exit(127);
	}
	close(fd);
	if (pid < 0 || !reap(pid, &status, 30)) {
		ckpt_kill(pid);
		snprintf(why, size, "ckptinfo did not finish");
		return false;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) <= 1)
		return true;
	snprintf(why, size, "ckptinfo: %s", ckpt_status_str(status, path, sizeof(path)));
	return false;
}

/* Print an image on stdout, in base64, for harness/run-fuzz.sh. */
static void print_image(const char *name, const uint8_t *buf, size_t len)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char line[80];
	size_t i = 0;

	printf("CKPT-FUZZ-IMAGE %s begin %zu\n", name, len);
	while (i < len) {
		int n = 0;

		for (int g = 0; g < 16 && i < len; g++, i += 3) {
			uint32_t v = buf[i] << 16;

			v |= (i + 1 < len ? buf[i + 1] : 0) << 8;
			v |= i + 2 < len ? buf[i + 2] : 0;
			line[n++] = b64[v >> 18 & 63];
			line[n++] = b64[v >> 12 & 63];
			line[n++] = i + 1 < len ? b64[v >> 6 & 63] : '=';
			line[n++] = i + 2 < len ? b64[v & 63] : '=';
		}
		line[n] = '\0';
		printf("CKPT-FUZZ-IMAGE %s %s\n", name, line);
	}
	printf("CKPT-FUZZ-IMAGE %s end\n", name);
	fflush(stdout);
}

/* ------------------------------------------------------------------ */
/* Mutations.                                                          */
/* ------------------------------------------------------------------ */

static uint64_t rng_next(uint64_t *s)
{
	/* splitmix64 */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd(uint64_t *s, uint64_t n)
{
	return n ? rng_next(s) % n : 0;
}

/* An image as a list of records, each a copy of its bytes with padding. */
struct rec {
	uint8_t *p;
	size_t size;	/* with padding */
};

struct recs {
	struct rec r[FUZZ_MAX_RECORDS];
	int n;
};

static int split(const struct ckpt_image *img, struct recs *rs)
{
	size_t off = 0, next;

	rs->n = 0;
	while (rs->n < FUZZ_MAX_RECORDS && (next = ckpt_next_record(img, off))) {
		rs->r[rs->n].p = img->buf + off;
		rs->r[rs->n].size = next - off;
		rs->n++;
		off = next;
	}
	return off == img->len ? 0 : -1;
}

/* The mutant being built: records own their bytes. */
struct mutant {
	struct rec r[FUZZ_MAX_RECORDS];
	int n;
	char what[200];	/* the mutations, for the report */
	size_t wlen;
};

static void mutant_note(struct mutant *m, const char *fmt, ...)
{
	va_list ap;

	if (m->wlen >= sizeof(m->what) - 1)
		return;
	va_start(ap, fmt);
	m->wlen += vsnprintf(m->what + m->wlen, sizeof(m->what) - m->wlen, fmt, ap);
	va_end(ap);
	if (m->wlen > sizeof(m->what) - 1)
		m->wlen = sizeof(m->what) - 1;
}

static void mutant_free(struct mutant *m)
{
	for (int i = 0; i < m->n; i++)
		free(m->r[i].p);
	m->n = 0;
	m->wlen = 0;
	m->what[0] = '\0';
}

static bool rec_copy(struct rec *dst, const struct rec *src)
{
	dst->p = malloc(src->size);
	if (!dst->p)
		return false;
	memcpy(dst->p, src->p, src->size);
	dst->size = src->size;
	return true;
}

static bool mutant_from(struct mutant *m, const struct recs *rs)
{
	m->n = 0;
	m->wlen = 0;
	m->what[0] = '\0';
	for (int i = 0; i < rs->n; i++) {
		if (!rec_copy(&m->r[i], &rs->r[i]))
			return false;
		m->n++;
	}
	return true;
}

static struct ckpt_hdr *hdr(const struct rec *r)
{
	return (struct ckpt_hdr *)r->p;
}

/* Does record @r hold @size bytes, by its length and by its buffer? */
static bool rec_has(const struct rec *r, size_t size)
{
	return r->size >= size && hdr(r)->len >= size;
}

/* Bytes of a record that are not page contents (the checksum's). */
static size_t rec_meta_len(const struct rec *r)
{
	struct ckpt_image one = { r->p, r->size };
	size_t data = rec_has(r, sizeof(struct ckpt_hdr_pages)) ? ckpt_page_data_len(&one, 0) : 0;
	size_t len = data ? hdr(r)->len - data : hdr(r)->len;

	return len < r->size ? len : r->size;
}

static const uint32_t types[] = {
	CKPT_HDR_HEADER, CKPT_HDR_HEADER_ARCH, CKPT_HDR_TAIL, CKPT_HDR_TASK,
	CKPT_HDR_CREDS, CKPT_HDR_FS, CKPT_HDR_SIGHAND, CKPT_HDR_SIGPENDING,
	CKPT_HDR_RESTART_BLOCK, CKPT_HDR_AFFINITY, CKPT_HDR_CPU, CKPT_HDR_THREAD,
	CKPT_HDR_MM_CONTEXT,
	CKPT_HDR_REGSET, CKPT_HDR_MM, CKPT_HDR_VMA, CKPT_HDR_PAGES, CKPT_HDR_FILES,
	CKPT_HDR_FILE, CKPT_HDR_PIPE, CKPT_HDR_FD, CKPT_HDR_DATA, CKPT_HDR_TIMERFD,
	CKPT_HDR_EPOLL, CKPT_HDR_UNIX, CKPT_HDR_UNIX_MSG, CKPT_HDR_LOCK, CKPT_HDR_INET,
	CKPT_HDR_INET_DGRAM, CKPT_HDR_INOTIFY, CKPT_HDR_INOTIFY_WATCH, CKPT_HDR_FILE_ASYNC,
	CKPT_HDR_SECCOMP, CKPT_HDR_SECCOMP_FILTER, CKPT_HDR_POSIX_TIMERS, CKPT_HDR_UNIX_QUEUE,
	CKPT_HDR_PTY, CKPT_HDR_PTY_INPUT, CKPT_HDR_TTY_INHERITED, CKPT_HDR_PRECOPY,
	CKPT_HDR_STAGED,
};

static uint64_t boundary(uint64_t *s, int width, uint64_t old)
{
	uint64_t top = width == 8 ? ~0ULL : (1ULL << (width * 8)) - 1;
	const uint64_t v[] = {
		0, 1, top, top >> 1, (top >> 1) + 1, old + 1, old - 1,
		old ^ (1ULL << rnd(s, width * 8)), old * 2, 4096 + rnd(s, 3) - 1,
		rnd(s, 256),
		0x00007ffffffff000ULL,	/* the top of user space */
		0xffff800000000000ULL,	/* kernel addresses */
		(uint64_t)-4096, old + 4096, rng_next(s),
	};

	return v[rnd(s, ARRAY_SIZE(v))] & top;
}

/* Store the low @width bytes of @v at @p, in the machine's byte order. */
static void put(uint8_t *p, int width, uint64_t v)
{
	uint8_t b1 = v;
	uint16_t b2 = v;
	uint32_t b4 = v;

	if (width == 1)
		memcpy(p, &b1, 1);
	else if (width == 2)
		memcpy(p, &b2, 2);
	else if (width == 4)
		memcpy(p, &b4, 4);
	else
		memcpy(p, &v, 8);
}

static uint64_t get(const uint8_t *p, int width)
{
	uint8_t b1;
	uint16_t b2;
	uint32_t b4;
	uint64_t b8;

	memcpy(&b1, p, 1);
	if (width == 1)
		return b1;
	memcpy(&b2, p, 2);
	if (width == 2)
		return b2;
	memcpy(&b4, p, 4);
	if (width == 4)
		return b4;
	memcpy(&b8, p, 8);
	return b8;
}

/* Resize record @i to @len bytes (its header's len), zero-extended. */
static bool resize(struct rec *r, size_t len)
{
	size_t size = (len + CKPT_ALIGN - 1) & ~(size_t)(CKPT_ALIGN - 1);
	size_t keep = hdr(r)->len < len ? hdr(r)->len : len;
	uint8_t *p = calloc(1, size < 8 ? 8 : size);

	if (!p)
		return false;
	memcpy(p, r->p, keep < r->size ? keep : r->size);
	free(r->p);
	r->p = p;
	r->size = size < 8 ? 8 : size;
	hdr(r)->len = len;
	return true;
}

static bool insert(struct mutant *m, int at, const struct rec *src)
{
	if (m->n >= FUZZ_MAX_RECORDS)
		return false;
	memmove(&m->r[at + 1], &m->r[at], (m->n - at) * sizeof(m->r[0]));
	m->n++;
	if (!rec_copy(&m->r[at], src)) {
		memmove(&m->r[at], &m->r[at + 1], (m->n - at - 1) * sizeof(m->r[0]));
		m->n--;
		return false;
	}
	return true;
}

static void drop(struct mutant *m, int at)
{
	free(m->r[at].p);
	memmove(&m->r[at], &m->r[at + 1], (m->n - at - 1) * sizeof(m->r[0]));
	m->n--;
}

/* Pick a record of the mutant, most of the time not the tail. */
static int pick(struct mutant *m, uint64_t *s)
{
	return m->n > 1 && rnd(s, 8) ? rnd(s, m->n - 1) : rnd(s, m->n);
}

static void mutate_one(struct mutant *m, uint64_t *s, const struct recs *donors, int nr_donors)
{
	int i = pick(m, s), j, w;
	struct rec *r = &m->r[i];
	size_t meta, off;
	uint64_t v;

	if (!m->n)
		return;
	switch (rnd(s, 20)) {
	case 0 ... 7:	/* a field to a boundary value */
		meta = rec_meta_len(r);
		if (meta <= 8)
			break;
		w = 1 << rnd(s, 4);
		off = 8 + rnd(s, (meta - 8) / w) * w;
		if (off + w > meta)
			break;
		v = boundary(s, w, get(r->p + off, w));
		put(r->p + off, w, v);
		mutant_note(m, " field(%d,%u@%zu/%d=%#llx)", i, hdr(r)->type, off, w,
			    (unsigned long long)v);
		break;
	case 8:		/* the type */
		v = rnd(s, 4) ? types[rnd(s, ARRAY_SIZE(types))] : boundary(s, 4, hdr(r)->type);
		mutant_note(m, " type(%d,%u=%u)", i, hdr(r)->type, (unsigned int)v);
		hdr(r)->type = v;
		break;
	case 9:		/* the length, the bytes as they are */
		v = hdr(r)->len + 8 * ((int)rnd(s, 5) - 2);
		if (rnd(s, 2))
			v = boundary(s, 4, hdr(r)->len);
		mutant_note(m, " len(%d,%u=%u)", i, hdr(r)->len, (unsigned int)v);
		hdr(r)->len = v;
		break;
	case 10:	/* the record resized to fit a new length */
		v = rnd(s, 2) ? hdr(r)->len + ((int)rnd(s, 33) - 16) : rnd(s, 2 * hdr(r)->len + 16);
		if (v < 8 || v > 1 << 20)
			break;
		mutant_note(m, " resize(%d,%u=%u)", i, hdr(r)->len, (unsigned int)v);
		resize(r, v);
		break;
	case 11:
	case 12:	/* drop */
		mutant_note(m, " drop(%d,%u)", i, hdr(r)->type);
		drop(m, i);
		break;
	case 13:	/* duplicate */
		mutant_note(m, " dup(%d,%u)", i, hdr(r)->type);
		insert(m, i, r);
		break;
	case 14: {	/* move elsewhere */
		struct rec t = *r;

		j = rnd(s, m->n);
		mutant_note(m, " move(%d,%u->%d)", i, hdr(r)->type, j);
		memmove(&m->r[i], &m->r[i + 1], (m->n - i - 1) * sizeof(m->r[0]));
		memmove(&m->r[j + 1], &m->r[j], (m->n - 1 - j) * sizeof(m->r[0]));
		m->r[j] = t;
		break;
	}
	case 15: {	/* swap with a neighbour */
		struct rec t;

		if (i + 1 >= m->n)
			break;
		t = m->r[i];
		m->r[i] = m->r[i + 1];
		m->r[i + 1] = t;
		mutant_note(m, " swap(%d)", i);
		break;
	}
	case 16:
	case 17: {	/* splice: a record of another seed, inserted or replacing */
		const struct recs *d = &donors[rnd(s, nr_donors)];
		const struct rec *src = &d->r[rnd(s, d->n)];
		struct rec tmp;

		if (rnd(s, 2)) {
			/* The same type from the donor, if it has one. */
			for (j = 0; j < d->n; j++)
				if (hdr(&d->r[j])->type == hdr(r)->type && rnd(s, 2))
					break;
			if (j == d->n)
				break;
			if (!rec_copy(&tmp, &d->r[j]))
				break;
			free(r->p);
			*r = tmp;
			mutant_note(m, " replace(%d,%u)", i, hdr(r)->type);
		} else {
			mutant_note(m, " splice(%d,%u)", i, hdr(src)->type);
			insert(m, i, src);
		}
		break;
	}
	default:	/* a few bits flipped */
		meta = rec_meta_len(r);
		for (int k = 1 + rnd(s, 4); k > 0; k--) {
			off = rnd(s, meta);
			r->p[off] ^= 1 << rnd(s, 8);
		}
		mutant_note(m, " flip(%d,%u)", i, hdr(r)->type);
		break;
	}
}

/* The counts that say how many records follow, recomputed. */
static void fix_counts(struct mutant *m)
{
	for (int i = 0; i < m->n; i++) {
		struct ckpt_hdr *h = hdr(&m->r[i]);
		uint64_t sum = 0;
		int j;

		switch (h->type) {
		case CKPT_HDR_FILES:
			if (!rec_has(&m->r[i], sizeof(struct ckpt_hdr_files)))
				break;
			for (j = i + 1; j < m->n; j++) {
				uint32_t t = hdr(&m->r[j])->type;

				if (t == CKPT_HDR_FD)
					sum++;
				else if (t != CKPT_HDR_FILE && t != CKPT_HDR_PIPE &&
					 t != CKPT_HDR_DATA && t != CKPT_HDR_PAGES)
					break;
			}
			((struct ckpt_hdr_files *)h)->nr_fds = sum;
			break;
		case CKPT_HDR_MM:
			if (!rec_has(&m->r[i], sizeof(struct ckpt_hdr_mm)))
				break;
			for (j = i + 1; j < m->n; j++) {
				uint32_t t = hdr(&m->r[j])->type;

				if (t == CKPT_HDR_VMA)
					sum++;
				else if (t != CKPT_HDR_MM_CONTEXT && t != CKPT_HDR_FILE &&
					 t != CKPT_HDR_PAGES)
					break;
			}
			((struct ckpt_hdr_mm *)h)->nr_vmas = sum;
			break;
		case CKPT_HDR_VMA:
		case CKPT_HDR_FILE:
			for (j = i + 1; j < m->n && hdr(&m->r[j])->type == CKPT_HDR_PAGES; j++)
				if (rec_has(&m->r[j], sizeof(struct ckpt_hdr_pages)))
					sum += ((struct ckpt_hdr_pages *)m->r[j].p)->nr_pages;
			if (h->type == CKPT_HDR_VMA &&
			    rec_has(&m->r[i], sizeof(struct ckpt_hdr_vma)))
				((struct ckpt_hdr_vma *)h)->nr_pages = sum;
			else if (h->type == CKPT_HDR_FILE && sum &&
				 rec_has(&m->r[i], sizeof(struct ckpt_hdr_file)))
				((struct ckpt_hdr_file *)h)->nr_pages = sum;
			break;
		case CKPT_HDR_PIPE:
			if (!rec_has(&m->r[i], sizeof(struct ckpt_hdr_pipe)))
				break;
			for (j = i + 1; j < m->n && hdr(&m->r[j])->type == CKPT_HDR_DATA; j++)
				sum += hdr(&m->r[j])->len - sizeof(struct ckpt_hdr);
			((struct ckpt_hdr_pipe *)h)->data_len = sum;
			break;
		}
	}
}

/* Lay the mutant out in @out; fix its tail (nr_records, image_len, crc). */
static size_t flatten(const struct mutant *m, uint8_t *out, size_t cap, bool fix_tail)
{
	struct ckpt_image img = { out, 0 };
	size_t off = 0, tail = 0;
	int nr = -1;

	for (int i = 0; i < m->n; i++) {
		if (off + m->r[i].size > cap)
			break;
		if (hdr(&m->r[i])->type == CKPT_HDR_TAIL && nr < 0 &&
		    rec_has(&m->r[i], sizeof(struct ckpt_hdr_tail))) {
			tail = off;
			nr = i;
		}
		memcpy(out + off, m->r[i].p, m->r[i].size);
		off += m->r[i].size;
	}
	img.len = off;
	if (fix_tail && nr >= 0) {
		struct ckpt_hdr_tail *t = (void *)(out + tail);

		t->nr_records = nr;
		t->image_len = tail;
		t->crc32c = ckpt_image_crc32c(&img, tail);
	}
	return off;
}

/* ------------------------------------------------------------------ */
/* The round.                                                          */
/* ------------------------------------------------------------------ */

#define FUZZ_NR_ERRNO	134
#define FUZZ_NR_LOGS	24

struct stats {
	unsigned long images, outcomes[NR_OUTCOMES], errnos[FUZZ_NR_ERRNO];
	unsigned long via_pipe, unprivileged, ckptinfo, reports, swept;
	struct {
		char text[72];
		unsigned long n;
	} logs[FUZZ_NR_LOGS];
	char first_bad[400];
	/* Where the worker is, for the watchdog of run_round() (atomics). */
	pid_t child;		/* its restarter, or 0 */
	double since;		/* when it began the current image */
	char what[200];		/* the current image's mutations */
};

#define FUZZ_STUCK	120.0	/* a worker on one image that long is stuck */
#define FUZZ_PROGRESS	300.0	/* seconds between two progress lines */

/* Count a log line, its numbers blanked, among the most frequent. */
static void count_log(struct stats *st, const char *log)
{
	char t[72];
	size_t n = 0;
	int i, least = 0;

	for (const char *p = log; *p && *p != '\n' && n < sizeof(t) - 1; p++) {
		if (isdigit((unsigned char)*p)) {
			if (n && t[n - 1] == '#')
				continue;
			t[n++] = '#';
		} else {
			t[n++] = *p;
		}
	}
	t[n] = '\0';
	for (i = 0; i < FUZZ_NR_LOGS; i++) {
		if (!strcmp(st->logs[i].text, t)) {
			st->logs[i].n++;
			return;
		}
		if (st->logs[i].n < st->logs[least].n)
			least = i;
	}
	/* Replace the rarest (a rough top list). */
	snprintf(st->logs[least].text, sizeof(st->logs[least].text), "%s", t);
	st->logs[least].n = 1;
}

struct round {
	unsigned long count;	/* 0: bounded by time only */
	double seconds;
	uint64_t seed;
	int workers;
	bool sweep;
};

static struct recs seed_recs[NR_SEEDS];
static uint8_t *flat;

/* One image: run it, judge it, count it; false on a violation. */
static bool one_image(struct ckpt_ctx *c, struct stats *st, int worker, const uint8_t *buf,
		      size_t len, int seed, uint64_t *rs, const char *what)
{
	bool unpriv = seeds[seed].unprivileged, via_pipe = rnd(rs, 4) == 0;
	char kwhy[300], name[64];
	struct outcome o;
	double since;

	since = ckpt_now();
	__atomic_store(&st->since, &since, __ATOMIC_RELAXED);
	snprintf(st->what, sizeof(st->what), "seed %s:%s", seed_names[seed], what);
	cur_child = &st->child;
	alarm(60);
	run_image(c, buf, len, unpriv, via_pipe, &o);
	cur_child = NULL;
	st->images++;
	st->via_pipe += via_pipe;
	st->unprivileged += unpriv;
	if (o.kind == O_FAILED)
		st->errnos[o.err < FUZZ_NR_ERRNO ? o.err : 0]++;
	if (o.log[0])
		count_log(st, o.log);
	if (kernel_report(kwhy, sizeof(kwhy))) {
		o.kind = O_BAD;
		snprintf(o.why, sizeof(o.why), "%s", kwhy);
	}
	if (o.kind != O_BAD && rnd(rs, 16) == 0) {
		st->ckptinfo++;
		if (!ckptinfo_ok(buf, len, o.why, sizeof(o.why)))
			o.kind = O_BAD;
	}
	st->outcomes[o.kind]++;
	if (o.kind != O_BAD)
		return true;
	st->reports++;
	snprintf(name, sizeof(name), "w%d-%lu-%s", worker, st->images, seed_names[seed]);
	printf("# fuzz: image %s (%zu bytes, seed %s,%s):%s: %s; log: %.*s\n", name, len,
	       seed_names[seed], via_pipe ? " from a pipe" : "", what, o.why,
	       (int)strcspn(o.log, "\n"), o.log);
	if (!st->first_bad[0])
		snprintf(st->first_bad, sizeof(st->first_bad), "%s: %.300s", name, o.why);
	print_image(name, buf, len);
	return false;
}

/*
 * The deterministic sweep: every 4-byte field (and every aligned 8-byte
 * one) of every seed's records, set to each boundary value.  There are
 * more of these than a round has images, so the items are visited in a
 * strided order (a step coprime with their number): any prefix of the
 * sweep touches every seed, every kind of record and every part of a
 * record evenly, the unprivileged seed included.  The sweep takes at
 * most half of the round; the random mutants take the rest.
 */
struct sweep_item {
	uint8_t seed, value;
	uint16_t rec;
	uint32_t off;
};

static const uint64_t sweep_v4[] = { 0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 4095 };
static const uint64_t sweep_v8[] = { ~0ULL, 1ULL << 63, 0x00007ffffffff000ULL, 0x1000 };

/* Fill @items (NULL: only count them); returns how many there are. */
static size_t sweep_items(struct sweep_item *items)
{
	size_t n = 0;

	for (int s = 0; s < NR_SEEDS; s++) {
		for (int i = 0; i < seed_recs[s].n; i++) {
			size_t meta = rec_meta_len(&seed_recs[s].r[i]);

			for (size_t off = 0; off + 4 <= meta; off += 4) {
				for (size_t v = 0; v < ARRAY_SIZE(sweep_v4) + ARRAY_SIZE(sweep_v8);
				     v++) {
					if (v >= ARRAY_SIZE(sweep_v4) && (off % 8 || off + 8 > meta))
						continue;
					if (items)
						items[n] = (struct sweep_item){ s, v, i, off };
					n++;
				}
			}
		}
	}
	return n;
}

static size_t gcd(size_t a, size_t b)
{
	while (b) {
		size_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

static void sweep(struct ckpt_ctx *c, struct stats *st, int worker, int workers,
		  uint64_t *rs, double end, unsigned long share)
{
	size_t n = sweep_items(NULL), step = 7919;
	struct mutant *m = calloc(1, sizeof(*m));
	struct sweep_item *items = calloc(n ?: 1, sizeof(*items));

	if (!m || !items || !n)
		goto out;
	sweep_items(items);
	while (gcd(step, n) != 1)
		step++;
	if (worker == 0)
		printf("# fuzz: the sweep has %zu images, visited with a step of %zu\n", n, step);
	for (size_t j = worker; j < n; j += workers) {
		const struct sweep_item *it = &items[(j * step) % n];
		bool wide = it->value >= ARRAY_SIZE(sweep_v4);
		uint64_t v = wide ? sweep_v8[it->value - ARRAY_SIZE(sweep_v4)] :
				    sweep_v4[it->value];
		char what[80];
		size_t len;

		if (ckpt_now() > end || (share && st->images >= share))
			break;
		if (!mutant_from(m, &seed_recs[it->seed]))
			break;
		put(m->r[it->rec].p + it->off, wide ? 8 : 4, v);
		len = flatten(m, flat, FUZZ_MAX_IMAGE, true);
		snprintf(what, sizeof(what), " sweep(%u,%u@%u=%#llx)", it->rec,
			 hdr(&seed_recs[it->seed].r[it->rec])->type, it->off,
			 (unsigned long long)v);
		one_image(c, st, worker, flat, len, it->seed, rs, what);
		mutant_free(m);
		st->swept++;
	}
out:
	mutant_free(m);
	free(m);
	free(items);
}

/* A worker that spends a minute on one image says where it is. */
static void worker_stuck(int sig)
{
	static const char msg[] = "# fuzz: a worker spent 60 s on one image, in:\n";
	void *pcs[32];
	int n = backtrace(pcs, ARRAY_SIZE(pcs));

	(void)sig;
	if (write(1, msg, sizeof(msg) - 1) < 0)
		return;
	backtrace_symbols_fd(pcs, n, 1);
}

static void worker_run(const struct round *rd, int worker, struct stats *st, double end)
{
	uint64_t rs = rd->seed * 0x100000001b3ULL + worker;
	unsigned long share = rd->count / rd->workers + (worker < (int)(rd->count % rd->workers));
	struct mutant *m = calloc(1, sizeof(*m));
	struct ckpt_ctx c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ckpt_ctx_init(&c);
	flat = malloc(FUZZ_MAX_IMAGE);
	fuzz_kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (fuzz_kmsg >= 0)
		lseek(fuzz_kmsg, 0, SEEK_END);
	if (!m || !flat)
		return;
	signal(SIGALRM, worker_stuck);
	/* The sweep first, for at most half of the round. */
	if (rd->sweep)
		sweep(&c, st, worker, rd->workers, &rs, ckpt_now() + (end - ckpt_now()) / 2,
		      share / 2);
	while (ckpt_now() < end && (!rd->count || st->images < share)) {
		int s = rnd(&rs, NR_SEEDS), nmut = 1;
		size_t len;

		if (!mutant_from(m, &seed_recs[s]))
			break;
		while (nmut < 8 && rnd(&rs, 2))
			nmut++;
		for (int k = 0; k < nmut; k++)
			mutate_one(m, &rs, seed_recs, NR_SEEDS);
		if (rnd(&rs, 10))
			fix_counts(m);
		len = flatten(m, flat, FUZZ_MAX_IMAGE, rnd(&rs, 20) != 0);
		/* Now and then a mutant cut short. */
		if (len > 8 && rnd(&rs, 50) == 0)
			len = rnd(&rs, len);
		one_image(&c, st, worker, flat, len, s, &rs, m->what);
		mutant_free(m);
		alarm(60);
	}
	alarm(0);
	free(m);
}

static void print_stats(const struct stats *st, double secs)
{
	printf("# fuzz: %lu images in %.1f s: %.1f images/s (%lu from the sweep, %lu from a "
	       "pipe, %lu restarted by uid %d, %lu also through ckptinfo)\n", st->images, secs,
	       secs > 0 ? st->images / secs : 0.0, st->swept, st->via_pipe, st->unprivileged,
	       FUZZ_UID, st->ckptinfo);
	for (int i = 0; i < NR_OUTCOMES; i++)
		printf("# fuzz:   %8lu %s\n", st->outcomes[i], outcome_names[i]);
	printf("# fuzz: errno histogram of the clean failures:\n");
	for (int e = 0; e < FUZZ_NR_ERRNO; e++)
		if (st->errnos[e])
			printf("# fuzz:   %8lu %s (%d)\n", st->errnos[e],
			       strerrorname_np(e) ?: "?", e);
	printf("# fuzz: the log lines seen most (numbers as #):\n");
	for (int i = 0; i < FUZZ_NR_LOGS; i++)
		if (st->logs[i].n > 1)
			printf("# fuzz:   %8lu %s\n", st->logs[i].n, st->logs[i].text);
}

static double env_num(const char *name, double def)
{
	const char *v = getenv(name);

	return v && *v ? strtod(v, NULL) : def;
}

static struct stats *run_round(struct __test_metadata *_metadata, const struct round *rd)
{
	struct stats *st = mmap(NULL, sizeof(*st) * FUZZ_MAX_WORKERS, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	double start = ckpt_now(), end = start + rd->seconds, next_progress = start + FUZZ_PROGRESS;
	pid_t pids[FUZZ_MAX_WORKERS];

	if (st == MAP_FAILED)
		return NULL;
	memset(st, 0, sizeof(*st) * FUZZ_MAX_WORKERS);
	fflush(NULL);
	for (int w = 0; w < rd->workers; w++) {
		pids[w] = fork();
		if (pids[w] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			worker_run(rd, w, &st[w], end);
			fflush(NULL);
			_exit(0);
		}
	}
	for (int alive = rd->workers; alive;) {
		if (ckpt_now() >= next_progress) {
			unsigned long images = 0, bad = 0, unpriv = 0;

			for (int w = 0; w < rd->workers; w++) {
				images += __atomic_load_n(&st[w].images, __ATOMIC_RELAXED);
				bad += __atomic_load_n(&st[w].reports, __ATOMIC_RELAXED);
				unpriv += __atomic_load_n(&st[w].unprivileged, __ATOMIC_RELAXED);
			}
			printf("# fuzz: progress: %lu images in %.0f s (%lu by uid %d), %lu broke a "
			       "rule\n", images, ckpt_now() - start, unpriv, FUZZ_UID, bad);
			fflush(stdout);
			next_progress += FUZZ_PROGRESS;
		}
		alive = 0;
		for (int w = 0; w < rd->workers; w++) {
			char d1[1400], d2[1400];
			int status = 0;
			double since;

			if (pids[w] <= 0)
				continue;
			if (waitpid(pids[w], &status, WNOHANG) == pids[w]) {
				EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
					TH_LOG("fuzz worker %d: wait status %#x", w, status);
				pids[w] = 0;
				continue;
			}
			alive++;
			__atomic_load(&st[w].since, &since, __ATOMIC_RELAXED);
			if (!since || ckpt_now() - since < FUZZ_STUCK)
				continue;
			/* Stuck: say where, then stop it. */
			describe_task(pids[w], d1, sizeof(d1));
			describe_task(__atomic_load_n(&st[w].child, __ATOMIC_RELAXED), d2,
				      sizeof(d2));
			EXPECT_TRUE(0) TH_LOG("fuzz worker %d stuck for %.0f s on image %lu (%s); "
					      "worker: %s; its child: %s", w, FUZZ_STUCK,
					      st[w].images + 1, st[w].what, d1, d2);
			st[w].reports++;
			kill(pids[w], SIGKILL);
			kill(st[w].child, SIGKILL);
			since = 0;
			__atomic_store(&st[w].since, &since, __ATOMIC_RELAXED);
		}
		if (alive)
			ckpt_sleep(0.5);
	}
	/* The workers' counts, added into the first. */
	for (int w = 1; w < rd->workers; w++) {
		st[0].images += st[w].images;
		st[0].via_pipe += st[w].via_pipe;
		st[0].unprivileged += st[w].unprivileged;
		st[0].swept += st[w].swept;
		st[0].ckptinfo += st[w].ckptinfo;
		st[0].reports += st[w].reports;
		for (int i = 0; i < NR_OUTCOMES; i++)
			st[0].outcomes[i] += st[w].outcomes[i];
		for (int e = 0; e < FUZZ_NR_ERRNO; e++)
			st[0].errnos[e] += st[w].errnos[e];
		for (int i = 0; i < FUZZ_NR_LOGS; i++)
			for (unsigned long n = 0; n < st[w].logs[i].n; n++)
				count_log(&st[0], st[w].logs[i].text);
		if (!st[0].first_bad[0])
			memcpy(st[0].first_bad, st[w].first_bad, sizeof(st[0].first_bad));
	}
	print_stats(&st[0], ckpt_now() - start);
	return st;
}

FIXTURE(fuzz) {
	int unused;
};

FIXTURE_SETUP(fuzz)
{
}

FIXTURE_TEARDOWN(fuzz)
{
}

/* Every seed restarts intact and reports what its restarter has. */
TEST_F_TIMEOUT(fuzz, seeds_restart, 300)
{
	char why[400];
	const char *err = make_seeds(why, sizeof(why));
	struct ckpt_ctx c;

	ASSERT_TRUE(err == NULL) TH_LOG("%s", err);
	ckpt_ctx_init(&c);
	for (int k = 0; k < NR_SEEDS; k++) {
		for (int via_pipe = 0; via_pipe < 2; via_pipe++) {
			struct outcome o;

			run_image(&c, seeds[k].img.buf, seeds[k].img.len, seeds[k].unprivileged,
				  via_pipe, &o);
			EXPECT_EQ(O_REPORTED, o.kind)
				TH_LOG("seed %s%s: %s; %s; log: %s", seed_names[k],
				       via_pipe ? " from a pipe" : "", outcome_names[o.kind],
				       o.why, o.log);
		}
	}
	/* The oracle sees a privileged report for what it is. */
	EXPECT_FALSE(report_ok("ok 0 0 0 0 0 0 0 0 0 0 0", true, why, sizeof(why)));
	EXPECT_FALSE(report_ok("ok 1000 1000 1000 1000 1000 1000 20 0 0 0 0", true, why,
			       sizeof(why)));
	EXPECT_FALSE(report_ok("ok 0 0 0 0 0 0 1ff 0 1ff 0 3000", false, why, sizeof(why)));
	EXPECT_TRUE(report_ok("ok 1000 1000 1000 1000 1000 1000 0 0 0 0 0", true, why,
			      sizeof(why)));
}

/* The fuzzing round, its size from the environment. */
TEST_F_TIMEOUT(fuzz, round, 100000)
{
	struct round rd = {
		.count = env_num("CKPT_FUZZ_COUNT", 0),
		.seconds = env_num("CKPT_FUZZ_SECONDS", 0),
		.seed = env_num("CKPT_FUZZ_SEED", 0),
		.workers = env_num("CKPT_FUZZ_WORKERS", sysconf(_SC_NPROCESSORS_ONLN)),
		.sweep = env_num("CKPT_FUZZ_SWEEP", 0) != 0,
	};
	char why[400];
	const char *err = make_seeds(why, sizeof(why));
	struct stats *st;

	ASSERT_TRUE(err == NULL) TH_LOG("%s", err);
	if (!rd.seconds)
		rd.seconds = rd.count ? 1e9 : 30;
	if (!rd.seed)
		rd.seed = (uint64_t)(ckpt_now() * 1000);
	if (rd.workers < 1)
		rd.workers = 1;
	if (rd.workers > FUZZ_MAX_WORKERS)
		rd.workers = FUZZ_MAX_WORKERS;
	for (int k = 0; k < NR_SEEDS; k++)
		ASSERT_EQ(0, split(&seeds[k].img, &seed_recs[k]));
	printf("# fuzz: seed %llu, %d workers, %s%s\n", (unsigned long long)rd.seed, rd.workers,
	       rd.count ? "count-bound" : "time-bound", rd.sweep ? ", with the field sweep" : "");
	for (int k = 0; k < NR_SEEDS; k++)
		printf("# fuzz: seed image %s: %zu bytes, %d records\n", seed_names[k],
		       seeds[k].img.len, seed_recs[k].n);
	st = run_round(_metadata, &rd);
	ASSERT_TRUE(st != NULL);
	EXPECT_LT(0, st->images);
	EXPECT_EQ(0, st->reports) TH_LOG("%lu images broke a rule; the first: %s", st->reports,
					 st->first_bad);
	if (rd.count)
		EXPECT_EQ(rd.count, st->images) TH_LOG("the round ended early");
	/* The mutants must reach past the stream checks. */
	EXPECT_LT(0, st->outcomes[O_REPORTED]) TH_LOG("no mutant restarted and reported");
}

/*
 * An image kept from a round of format version 1 is converted to the
 * current version, so that it still reaches the check it once broke:
 * version 2 only added record and file types, and 16 bytes of owner
 * fields, zero for no owner, before the path of the FILE record.  The
 * tail's length is updated, and its checksum too if it was right.
 */
#define FUZZ_FILE_V1_LEN	96

static void upgrade_image(struct ckpt_image *img)
{
	struct ckpt_hdr_header *h = (void *)img->buf;
	size_t tail = ckpt_tail_offset(img), off = 0, next, out = 0;
	struct ckpt_hdr_tail *t;
	struct ckpt_image n;
	bool crc_ok;

	if (img->len < sizeof(*h) || h->version != 1 || !tail)
		return;
	t = (void *)(img->buf + tail);
	crc_ok = t->crc32c == ckpt_image_crc32c(img, tail);
	n.buf = calloc(1, img->len + 16 * (img->len / FUZZ_FILE_V1_LEN + 1));
	if (!n.buf)
		return;
	while ((next = ckpt_next_record(img, off))) {
		const struct ckpt_hdr *r = (const void *)(img->buf + off);
		struct ckpt_hdr *w = (void *)(n.buf + out);

		if (r->type == CKPT_HDR_FILE && r->len >= FUZZ_FILE_V1_LEN) {
			memcpy(w, r, FUZZ_FILE_V1_LEN);
			memcpy((uint8_t *)w + FUZZ_FILE_V1_LEN + 16,
			       (const uint8_t *)r + FUZZ_FILE_V1_LEN, r->len - FUZZ_FILE_V1_LEN);
			w->len = r->len + 16;
		} else {
			memcpy(w, r, next - off);
		}
		out += (w->len + CKPT_ALIGN - 1) & ~(size_t)(CKPT_ALIGN - 1);
		if (r->type == CKPT_HDR_TAIL)
			break;
		off = next;
	}
	n.len = out;
	h = (void *)n.buf;
	h->version = CKPT_VERSION;
	tail = ckpt_tail_offset(&n);
	if (tail) {
		t = (void *)(n.buf + tail);
		t->image_len = tail;
		if (crc_ok)
			ckpt_fix_tail(&n);
	}
	free(img->buf);
	*img = n;
}

/* The images kept from earlier rounds, restarted with the same checks. */
TEST_F_TIMEOUT(fuzz, corpus, 600)
{
	char dir[128], path[400], kwhy[300];
	struct ckpt_ctx c;
	struct dirent *e;
	int nr = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s", FUZZ_CORPUS);
	ckpt_ctx_init(&c);
	fuzz_kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (fuzz_kmsg >= 0)
		lseek(fuzz_kmsg, 0, SEEK_END);
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		struct ckpt_image img;
		struct outcome o;
		int fd;

		if (!strstr(e->d_name, ".img"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		fd = open(path, O_RDONLY);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, ckpt_slurp(fd, &img));
		close(fd);
		upgrade_image(&img);
		for (int via_pipe = 0; via_pipe < 2; via_pipe++) {
			run_image(&c, img.buf, img.len, strstr(e->d_name, "-user"),
				  via_pipe, &o);
			if (kernel_report(kwhy, sizeof(kwhy))) {
				o.kind = O_BAD;
				snprintf(o.why, sizeof(o.why), "%s", kwhy);
			}
			EXPECT_NE(O_BAD, o.kind)
				TH_LOG("%s%s: %s; log: %s", e->d_name,
				       via_pipe ? " from a pipe" : "", o.why, o.log);
		}
		free(img.buf);
		nr++;
	}
	if (d)
		closedir(d);
	TH_LOG("%d images of the corpus restarted", nr);
}

TEST_HARNESS_MAIN
