/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the task checkpoint/restart selftests.
 *
 * A test forks a target that sets up some state, records what it expects
 * in its own memory and stops itself with ckpt_stop().  The test process
 * checkpoints the stopped target into an unlinked file in /tmp, kills it,
 * and forks a restarter that calls restart(2): on success the restarter
 * becomes the target and returns from ckpt_stop() (with another pid), checks
 * its state with CHECK() and exits.  Exit status 0 means every check
 * passed; the other codes are below, and a failed check first writes a line
 * naming it to stderr (fd 2, inherited from the restarter with
 * CKPT_CHECKPOINT_INHERIT_STDIO).
 *
 * Targets and restarted processes never use the harness macros: they only
 * run CHECK() and SETUP() and report through their exit status.
 */
#ifndef _CKPT_TASK_H
#define _CKPT_TASK_H

#ifndef _FILE_OFFSET_BITS
#define _FILE_OFFSET_BITS 64
#endif

#include "ckpt_util.h"

#include <inttypes.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stddef.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "../kselftest_harness.h"

/* Exit status of a target, a restarter or a restarted process. */
#define CKPT_EXIT_OK			0
/* 1..99: the CHECK() of that number failed (a line on stderr names it). */
#define CKPT_EXIT_SETUP			100	/* target could not set its state up */
#define CKPT_EXIT_NOT_RESTARTED		101	/* original went on after the checkpoint */
#define CKPT_EXIT_RESTART_RETURNED	102	/* restart(2) returned 0 to its caller */
#define CKPT_EXIT_CALLER_DAMAGED	103	/* a failed restart(2) changed its caller */
#define CKPT_EXIT_HOOK			104	/* restarter set-up hook failed */
#define CKPT_EXIT_ERRNO			128	/* + errno: restart(2) failed cleanly */

/* ------------------------------------------------------------------ */
/* The target side.                                                    */
/* ------------------------------------------------------------------ */

static pid_t ckpt_orig_pid;		/* pid of the target when it stopped */
static bool ckpt_restarted;		/* ckpt_stop() returned in another process */
static bool ckpt_original_goes_on;	/* the test lets the original continue */

static inline pid_t ckpt_getpid(void)
{
	return syscall(SYS_getpid);
}

static inline pid_t ckpt_gettid(void)
{
	return syscall(SYS_gettid);
}

static inline void __attribute__((format(printf, 1, 2))) ckpt_say(const char *fmt, ...)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "# %s %d: ",
			 ckpt_restarted ? "restarted" : "target", (int)ckpt_getpid());
	va_list ap;

	va_start(ap, fmt);
	if (n > 0 && n < (int)sizeof(buf))
		n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf) - 1)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(2, buf, n) < 0)
		return;
}

static inline void __attribute__((noreturn, format(printf, 4, 5)))
ckpt_check_failed(int code, int line, const char *cond, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ckpt_say("check %d failed (line %d): %s%s%s", code, line, cond,
		 msg[0] ? ": " : "", msg);
	_exit(code);
}

/*
 * CHECK(cond): in a target or a restarted process, exit with a code between
 * 1 and 99 identifying the check (and a line on stderr) unless @cond holds.
 */
#define CHECKF(cond, fmt, ...) do {						\
	if (!(cond))								\
		ckpt_check_failed(__COUNTER__ % 99 + 1, __LINE__, #cond,	\
				  fmt, ##__VA_ARGS__);				\
} while (0)
#define CHECK(cond)	CHECKF(cond, "%s", "")

/* SETUP(cond): the target could not build the state to test. */
#define SETUP(cond) do {							\
	if (!(cond)) {								\
		ckpt_say("setup failed (line %d): %s: %s", __LINE__, #cond,	\
			 strerror(errno));					\
		_exit(CKPT_EXIT_SETUP);						\
	}									\
} while (0)

/*
 * Stop for the checkpoint.  Returns true in the restarted process, whose pid
 * differs; the original only returns when the test continues it.
 */
static inline bool ckpt_stop(void)
{
	ckpt_orig_pid = ckpt_getpid();
	kill(ckpt_orig_pid, SIGSTOP);
	ckpt_restarted = ckpt_getpid() != ckpt_orig_pid;
	if (!ckpt_restarted && !ckpt_original_goes_on) {
		ckpt_say("the original process went on after the checkpoint");
		_exit(CKPT_EXIT_NOT_RESTARTED);
	}
	return ckpt_restarted;
}

/* Move descriptor @fd to @to (when it is not there already). */
static inline int ckpt_move_fd(int fd, int to)
{
	if (fd < 0 || fd == to)
		return fd;
	if (dup2(fd, to) != to)
		return -1;
	close(fd);
	return to;
}

/*
 * A TCP connection over the IPv4 loopback interface: the client on fd @c,
 * the server's end on @s, accepted from a listener on @l with a port of
 * its own (closed when @l is -1).  0 or -1.
 */
static inline int ckpt_tcp_connection(int l, int c, int s)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool tmp = l < 0;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (tmp)
		l = fd;
	if (ckpt_move_fd(fd, l) != l || bind(l, (struct sockaddr *)&a, len) || listen(l, 4) ||
	    getsockname(l, (struct sockaddr *)&a, &len))
		return -1;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (ckpt_move_fd(fd, c) != c || connect(c, (struct sockaddr *)&a, len))
		return -1;
	if (ckpt_move_fd(accept(l, NULL, NULL), s) != s)
		return -1;
	if (tmp)
		close(l);
	return 0;
}

/*
 * The receive time stamp (SO_TIMESTAMP, in microseconds) of the next
 * message of the socket @fd, peeked; 0 without one, -1 for no message.
 */
static inline long long ckpt_peek_tstamp(int fd)
{
	char data[64], cbuf[CMSG_SPACE(sizeof(struct timeval))];
	struct iovec iov = { data, sizeof(data) };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	struct timeval tv;

	if (recvmsg(fd, &m, MSG_PEEK | MSG_DONTWAIT) < 0)
		return -1;
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMP) {
			memcpy(&tv, CMSG_DATA(c), sizeof(tv));
			return tv.tv_sec * 1000000LL + tv.tv_usec;
		}
	return 0;
}

/*
 * Add a seccomp filter that fails system call @nr with errno @err and lets
 * every other through, with seccomp(2) @flags: its result (a listener's fd
 * with SECCOMP_FILTER_FLAG_NEW_LISTENER).
 */
static inline int ckpt_seccomp_errno(long nr, int err, unsigned int flags)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (__u32)nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (err & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(insns) / sizeof(insns[0]), insns };

	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

/* The errno system call @nr gets with zero arguments, 0 if none. */
static inline int ckpt_syscall_errno(long nr)
{
	errno = 0;
	return syscall(nr, 0L, 0L, 0L) == -1 ? errno : 0;
}

/* A line "Name:\t<number>" of /proc/self/status, or -1. */
static inline long ckpt_status_field(const char *name)
{
	char line[256];
	size_t n = strlen(name);
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, n) && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	fclose(f);
	return v;
}

/* The file descriptors of a target: 0-2 and @keep (-1 for none). */
static inline void ckpt_close_fds(int keep)
{
	for (int fd = 3; fd < 1024; fd++)
		if (fd != keep)
			close(fd);
}

static inline double ckpt_ts(const struct timespec *t)
{
	return t->tv_sec + t->tv_nsec / 1e9;
}

static inline double ckpt_clock(clockid_t clk)
{
	struct timespec t;

	clock_gettime(clk, &t);
	return ckpt_ts(&t);
}

static inline double ckpt_now(void)
{
	return ckpt_clock(CLOCK_MONOTONIC);
}

static inline void ckpt_sleep(double s)
{
	struct timespec t;

	if (s <= 0)
		return;
	t.tv_sec = (time_t)s;
	t.tv_nsec = (long)((s - t.tv_sec) * 1e9);
	while (nanosleep(&t, &t) && errno == EINTR)
		;
}

/* Memory patterns: word @i of a buffer filled with @seed. */
static inline uint64_t ckpt_word(uint64_t seed, uint64_t i)
{
	return seed ^ ((i + 1) * 0x9e3779b97f4a7c15ULL);
}

static inline void ckpt_fill(void *p, size_t len, uint64_t seed)
{
	uint64_t *w = p;

	for (size_t i = 0; i < len / 8; i++)
		w[i] = ckpt_word(seed, i);
}

/* Offset of the first byte that differs from the pattern, or -1. */
static inline long ckpt_verify(const void *p, size_t len, uint64_t seed)
{
	const uint64_t *w = p;

	for (size_t i = 0; i < len / 8; i++) {
		if (w[i] != ckpt_word(seed, i)) {
			uint64_t want = ckpt_word(seed, i);

			for (int b = 0; b < 8; b++)
				if (((const uint8_t *)&w[i])[b] != ((uint8_t *)&want)[b])
					return i * 8 + b;
		}
	}
	return -1;
}

static inline bool ckpt_is_zero(const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

/* Read a whole (small) file into @buf, NUL-terminated, without malloc. */
static inline ssize_t ckpt_read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n = 0;

	if (fd < 0)
		return -1;
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return n < 0 ? -1 : (ssize_t)len;
}

static char ckpt_maps_buf[1 << 18];

/*
 * The /proc/self/maps line of the mapping containing @addr, or with @name
 * (when @addr is NULL), without its newline.  Returns 0, or -1 if none.
 */
static inline int ckpt_maps_find(const void *addr, const char *name, char *out, size_t size)
{
	char *line, *next;

	if (ckpt_read_file("/proc/self/maps", ckpt_maps_buf, sizeof(ckpt_maps_buf)) < 0)
		return -1;
	for (line = ckpt_maps_buf; *line; line = next) {
		unsigned long start, end;
		size_t len;

		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		len = next - line;
		if (len && line[len - 1] == '\n')
			len--;
		if (sscanf(line, "%lx-%lx", &start, &end) != 2)
			continue;
		if (addr && ((uintptr_t)addr < start || (uintptr_t)addr >= end))
			continue;
		if (!addr && (len < strlen(name) ||
			      strncmp(line + len - strlen(name), name, strlen(name))))
			continue;
		if (len >= size)
			len = size - 1;
		memcpy(out, line, len);
		out[len] = '\0';
		return 0;
	}
	return -1;
}

static inline int ckpt_maps_line(const void *addr, char *out, size_t size)
{
	return ckpt_maps_find(addr, NULL, out, size);
}

/*
 * A field ("Rss:") of the /proc/self/smaps entry starting at @addr, in kB;
 * -1 if there is no smaps (CONFIG_PROC_PAGE_MONITOR=n) or no such entry.
 */
static inline long ckpt_smaps_kb(const void *addr, const char *field)
{
	bool in = false;
	char *line, *next;

	if (ckpt_read_file("/proc/self/smaps", ckpt_maps_buf, sizeof(ckpt_maps_buf)) < 0)
		return -1;
	for (line = ckpt_maps_buf; *line; line = next) {
		unsigned long start, end;
		long kb;

		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		/* Entry headers start with the address range, in lower case hex. */
		if (((line[0] >= '0' && line[0] <= '9') || (line[0] >= 'a' && line[0] <= 'f')) &&
		    sscanf(line, "%lx-%lx", &start, &end) == 2) {
			in = start == (uintptr_t)addr;
			continue;
		}
		if (in && !strncmp(line, field, strlen(field)) &&
		    sscanf(line + strlen(field), " %ld", &kb) == 1)
			return kb;
	}
	return -1;
}

/* Number of resident pages of [p, p + npages pages) by mincore(2), or -1. */
static inline long ckpt_resident(void *p, size_t npages, const bool *which)
{
	static unsigned char vec[1 << 16];
	long pg = sysconf(_SC_PAGESIZE), n = 0;

	if (npages > sizeof(vec) || mincore(p, npages * pg, vec))
		return -1;
	for (size_t i = 0; i < npages; i++)
		if ((vec[i] & 1) && (!which || which[i]))
			n++;
	return n;
}

/* Does reading (or writing) *@p fault?  Catches SIGSEGV and SIGBUS. */
static sigjmp_buf ckpt_probe_env;

static inline void ckpt_probe_handler(int sig)
{
	siglongjmp(ckpt_probe_env, sig);
}

static inline int ckpt_probe(volatile char *p, bool store)
{
	struct sigaction sa = { .sa_handler = ckpt_probe_handler }, old_segv, old_bus;
	int sig;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	sig = sigsetjmp(ckpt_probe_env, 1);
	if (!sig) {
		if (store)
			*p = *p;
		else
			(void)*p;
	}
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	return sig;
}

/* ------------------------------------------------------------------ */
/* The test side.                                                      */
/* ------------------------------------------------------------------ */

struct ckpt_ctx {
	int img;		/* the image: an unlinked file in /tmp */
	int lp[2];		/* log pipe, the read end non-blocking */
	char log[1024];		/* what the last call logged */
	char logtext[1024];	/* the same without its newline, for messages */
	long id;		/* what the last checkpoint returned */
	int err;		/* its errno */
	unsigned long flags;	/* checkpoint flags (INHERIT_STDIO by default) */
	unsigned long restart_flags;	/* restart flags (none by default) */
	bool continue_original;	/* SIGCONT the original after the checkpoint */
	int keep_fd;		/* an fd the target keeps open, -1 for none */
	/* Run in the restarter just before restart(2); non-zero: failure. */
	int (*hook)(void *arg);
	void *hook_arg;
	double gap;		/* seconds to wait between checkpoint and restart */
	double t_restart;	/* ckpt_now() when the restarter was forked */
	double t_exit;		/* ckpt_now() when the restarted process ended */
	int status;		/* wait status of the restarted process */
	char skip[300];		/* why the test is skipped */
};

#define CKPT_SKIPPED	1

static inline void ckpt_ctx_init(struct ckpt_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->img = -1;
	c->keep_fd = -1;
	c->flags = CKPT_CHECKPOINT_INHERIT_STDIO;
	if (ckpt_log_pipe(c->lp))
		c->lp[0] = c->lp[1] = -1;
}

/* The log without its newline, for messages. */
static inline const char *ckpt_log_text(struct ckpt_ctx *c)
{
	size_t n = strlen(c->log);

	memcpy(c->logtext, c->log, n + 1);
	if (n && c->logtext[n - 1] == '\n')
		c->logtext[n - 1] = '\0';
	return c->logtext[0] ? c->logtext : "(nothing logged)";
}

static inline void ckpt_log_collect(struct ckpt_ctx *c)
{
	if (ckpt_log_read(c->lp[0], c->log, sizeof(c->log)) < 0)
		c->log[0] = '\0';
}

static inline void ckpt_log_drain(struct ckpt_ctx *c)
{
	char junk[256];

	while (ckpt_log_read(c->lp[0], junk, sizeof(junk)) > 0)
		;
	c->log[0] = '\0';
}

/*
 * Did the call fail because task checkpoint/restart is not implemented for
 * this architecture yet?  Never: every architecture here has its port.
 */
/* Every architecture of the selftests has its port. */
#define CKPT_ARCH_PORTED	1

static inline bool ckpt_arch_unsupported(int err, const char *log)
{
#if defined(CKPT_ARCH_PORTED)
	(void)err;
	(void)log;
	return false;
#else
	return err == EOPNOTSUPP && strstr(log, "not supported on") && strstr(log, "yet");
#endif
}

/* Kill and reap a child; returns its wait status. */
static inline int ckpt_kill(pid_t pid)
{
	int status = 0;

	if (pid <= 0)
		return 0;
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

/*
 * Wait for @pid to exit (or stop, with WUNTRACED in @options), up to
 * @timeout seconds.  Returns 1 on a state change, 0 on timeout.
 */
static inline int ckpt_wait(pid_t pid, int *status, int options, double timeout)
{
	double end = ckpt_now() + timeout;

	for (;;) {
		pid_t r = waitpid(pid, status, options | WNOHANG);

		if (r == pid)
			return 1;
		if (r < 0 && errno != EINTR)
			return 1;
		if (ckpt_now() > end)
			return 0;
		ckpt_sleep(0.002);
	}
}

/* What a wait status means, in words. */
static inline const char *ckpt_status_str(int status, char *buf, size_t size)
{
	if (WIFEXITED(status)) {
		int code = WEXITSTATUS(status);

		if (code == 0)
			snprintf(buf, size, "exited 0");
		else if (code < CKPT_EXIT_SETUP)
			snprintf(buf, size, "check %d failed (exit %d, see the line above)",
				 code, code);
		else if (code == CKPT_EXIT_SETUP)
			snprintf(buf, size, "target set-up failed");
		else if (code == CKPT_EXIT_NOT_RESTARTED)
			snprintf(buf, size, "the original went on after the checkpoint");
		else if (code == CKPT_EXIT_RESTART_RETURNED)
			snprintf(buf, size, "restart(2) returned 0 to its caller");
		else if (code == CKPT_EXIT_CALLER_DAMAGED)
			snprintf(buf, size, "a failed restart(2) damaged its caller");
		else if (code == CKPT_EXIT_HOOK)
			snprintf(buf, size, "restarter set-up failed");
		else if (code > CKPT_EXIT_ERRNO)
			snprintf(buf, size, "the call failed: %s",
				 strerror(code - CKPT_EXIT_ERRNO));
		else
			snprintf(buf, size, "exited %d", code);
	} else if (WIFSIGNALED(status)) {
		snprintf(buf, size, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	} else if (WIFSTOPPED(status)) {
		snprintf(buf, size, "stopped by signal %d", WSTOPSIG(status));
	} else {
		snprintf(buf, size, "wait status %#x", status);
	}
	return buf;
}

/* Run /bin/ckptinfo on the image, if it is there: it must decode it. */
static inline void ckpt_ckptinfo(struct __test_metadata *_metadata, int fd)
{
	static const char tool[] = "/bin/ckptinfo";
	char path[64], why[128];
	int status = 0;

	if (access(tool, X_OK))
		return;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	for (int verbose = 0; verbose < 2; verbose++) {
		pid_t pid;

		fflush(NULL);
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			int null = open("/dev/null", O_WRONLY);

			/* Quietly first; again on stderr if it fails. */
			if (dup2(verbose ? 2 : null, 1) < 0)
				_exit(126);
			execl(tool, "ckptinfo", path, (char *)NULL);
			_exit(127);
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			return;
		if (!verbose)
			TH_LOG("ckptinfo does not decode the image (%s); its output:",
			       ckpt_status_str(status, why, sizeof(why)));
	}
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("ckptinfo: %s", ckpt_status_str(status, why, sizeof(why)));
}

/* Fork a target running @fn(@arg); it exits 0 if @fn returns. */
static inline pid_t ckpt_fork_target(struct ckpt_ctx *c, void (*fn)(void *), void *arg)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		sigset_t none;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		ckpt_close_fds(c->keep_fd);
		if (ckpt_drop_shared_anon())
			_exit(CKPT_EXIT_SETUP);
		ckpt_original_goes_on = c->continue_original;
		fn(arg);
		_exit(CKPT_EXIT_OK);
	}
	return pid;
}

/* Checkpoint @pid (0: the caller) into a new image file. */
static inline long ckpt_take(struct ckpt_ctx *c, pid_t pid)
{
	if (c->img >= 0)
		close(c->img);
	ckpt_log_drain(c);
	c->img = ckpt_tmpfile();
	if (c->img < 0) {
		c->err = errno;
		c->id = -1;
		return -1;
	}
	c->id = sys_checkpoint(pid, c->img, c->flags, c->lp[1]);
	c->err = c->id < 0 ? errno : 0;
	ckpt_log_collect(c);
	lseek(c->img, 0, SEEK_SET);
	return c->id;
}

/*
 * Checkpoint the stopped target @pid into c->img.  A checkpoint refused
 * because the architecture's port is not done kills the target and skips
 * the test; any other failure fails it.  Then ckptinfo must decode it.
 */
#define CKPT_TAKE(c, pid) do {							\
	if (ckpt_take(c, pid) <= 0) {						\
		ckpt_kill(pid);							\
		if (ckpt_arch_unsupported((c)->err, (c)->log)) {		\
			SKIP(return, "%s", ckpt_log_text(c));			\
		}								\
		ASSERT_LT(0, (c)->id)						\
			TH_LOG("checkpoint of pid %d: %s; log: %s", (int)(pid),	\
			       strerror((c)->err), ckpt_log_text(c));		\
	}									\
	EXPECT_STREQ("", (c)->log) TH_LOG("a successful checkpoint logged");	\
	ckpt_ckptinfo(_metadata, (c)->img);					\
} while (0)

/* Wait until the target stops itself; fails the test if it does not. */
#define CKPT_WAIT_STOPPED(pid) do {						\
	int __st = 0;								\
	char __why[128];							\
	int __r = ckpt_wait(pid, &__st, WUNTRACED, 60);			\
	if (!__r)								\
		ckpt_kill(pid);							\
	ASSERT_TRUE(__r && WIFSTOPPED(__st))					\
		TH_LOG("the target did not stop: %s",				\
		       __r ? ckpt_status_str(__st, __why, sizeof(__why)) :	\
		       "timed out");						\
} while (0)

/*
 * Skip the test right away when a task checkpoint is refused because the
 * architecture's port is not done: for tests that take time before their
 * checkpoint.  Nothing to do where the port is done.
 */
#if defined(CKPT_ARCH_PORTED)
#define CKPT_PROBE_OR_SKIP() do { } while (0)
#else
static inline void ckpt_probe_target(void *arg)
{
	(void)arg;
	ckpt_stop();
}

#define CKPT_PROBE_OR_SKIP() do {						\
	struct ckpt_ctx __c;							\
	pid_t __pid;								\
	ckpt_ctx_init(&__c);							\
	__pid = ckpt_fork_target(&__c, ckpt_probe_target, NULL);		\
	ASSERT_LT(0, __pid);							\
	CKPT_WAIT_STOPPED(__pid);						\
	if (ckpt_take(&__c, __pid) <= 0 &&					\
	    ckpt_arch_unsupported(__c.err, __c.log)) {				\
		ckpt_kill(__pid);						\
		SKIP(return, "%s", ckpt_log_text(&__c));			\
	}									\
	ckpt_kill(__pid);							\
	close(__c.img);								\
	close(__c.lp[0]);							\
	close(__c.lp[1]);							\
} while (0)
#endif

/* What a failed restart(2) must leave alone in its caller. */
struct ckpt_caller {
	pid_t pid, ppid;
	uid_t uid;
	ino_t cwd;
	int nr_fds;
	uint64_t canary;
};

static volatile uint64_t ckpt_canary = 0x0123456789abcdefULL;

static inline void ckpt_caller_snap(struct ckpt_caller *s)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	s->pid = ckpt_getpid();
	s->ppid = getppid();
	s->uid = getuid();
	s->cwd = stat(".", &st) ? 0 : st.st_ino;
	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			s->nr_fds++;
	s->canary = ckpt_canary;
}

/*
 * Fork a restarter: it calls restart(2) on c->img.  On success it is the
 * restarted process; on failure it checks it is intact and exits with
 * CKPT_EXIT_ERRNO + errno.
 */
static inline pid_t ckpt_fork_restarter(struct ckpt_ctx *c)
{
	pid_t pid;

	ckpt_log_drain(c);
	fflush(NULL);
	c->t_restart = ckpt_now();
	pid = fork();
	if (pid == 0) {
		struct ckpt_caller before, after;
		long ret;
		int err;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (c->hook && c->hook(c->hook_arg))
			_exit(CKPT_EXIT_HOOK);
		if (lseek(c->img, 0, SEEK_SET))
			_exit(CKPT_EXIT_HOOK);
		ckpt_caller_snap(&before);
		ret = sys_restart(0, c->img, c->restart_flags, c->lp[1]);
		err = errno;
		if (ret == 0)
			_exit(CKPT_EXIT_RESTART_RETURNED);
		ckpt_caller_snap(&after);
		if (memcmp(&before, &after, sizeof(before)))
			_exit(CKPT_EXIT_CALLER_DAMAGED);
		_exit(CKPT_EXIT_ERRNO + (err > 0 && err < 127 ? err : 127));
	}
	return pid;
}

/*
 * Restart c->img in a new child and wait for it (at most @timeout seconds):
 * sets c->status, c->t_exit and c->log.  Returns 0 on timeout (the child
 * is killed), 1 otherwise.  A restarted process that comes up stopped is a
 * failure: it is continued so that its checks still run.
 */
static inline int ckpt_restart_wait(struct __test_metadata *_metadata, struct ckpt_ctx *c,
			     double timeout)
{
	double end;
	pid_t pid = ckpt_fork_restarter(c);
	int ok = 1;

	ASSERT_LT(0, pid);
	end = ckpt_now() + timeout;
	for (;;) {
		if (!ckpt_wait(pid, &c->status, WUNTRACED, end - ckpt_now())) {
			c->status = ckpt_kill(pid);
			ok = 0;
			break;
		}
		if (!WIFSTOPPED(c->status))
			break;
		EXPECT_TRUE(0) TH_LOG("the restarted process came up stopped (signal %d)",
				      WSTOPSIG(c->status));
		kill(pid, SIGCONT);
	}
	c->t_exit = ckpt_now();
	ckpt_log_collect(c);
	return ok;
}

/*
 * Did the restarter fail because restart(2) of a task is not implemented for
 * this architecture yet?  Never where the port is done (CKPT_ARCH_PORTED).
 */
static inline bool ckpt_restart_unsupported(struct ckpt_ctx *c)
{
	return WIFEXITED(c->status) &&
	       WEXITSTATUS(c->status) == CKPT_EXIT_ERRNO + EOPNOTSUPP &&
	       ckpt_arch_unsupported(EOPNOTSUPP, c->log);
}

#define CKPT_SKIP_IF_RESTART_UNSUPPORTED(c) do {				\
	if (ckpt_restart_unsupported(c)) {					\
		SKIP(return, "%s", ckpt_log_text(c));				\
	}									\
} while (0)

/* The restarted process must have run its checks and exited 0. */
static inline void ckpt_expect_ok(struct __test_metadata *_metadata, struct ckpt_ctx *c,
			   const char *who)
{
	char why[160];

	EXPECT_TRUE(WIFEXITED(c->status) && WEXITSTATUS(c->status) == 0)
		TH_LOG("%s: %s; log: %s", who,
		       ckpt_status_str(c->status, why, sizeof(why)), ckpt_log_text(c));
	if (WIFEXITED(c->status) && WEXITSTATUS(c->status) == 0) {
		EXPECT_STREQ("", c->log) TH_LOG("a successful restart logged");
	}
}

/*
 * The whole round: fork the target running @fn(@arg), wait for it to stop,
 * checkpoint it, let the original go on (c->continue_original: it must pass
 * the same checks) or kill it, then restart the image in a new child, which
 * must pass its checks.  Returns CKPT_SKIPPED when the architecture cannot
 * checkpoint tasks yet.
 */
static inline int ckpt_run(struct __test_metadata *_metadata, struct ckpt_ctx *c,
		    void (*fn)(void *), void *arg)
{
	char why[160];
	pid_t pid;
	int status;

	ASSERT_LE(0, c->lp[0]);
	pid = ckpt_fork_target(c, fn, arg);
	ASSERT_LT(0, pid);
	CKPT_WAIT_STOPPED(pid);
	if (ckpt_take(c, pid) <= 0) {
		if (ckpt_arch_unsupported(c->err, c->log)) {
			ckpt_kill(pid);
			snprintf(c->skip, sizeof(c->skip), "%s", ckpt_log_text(c));
			return CKPT_SKIPPED;
		}
		ckpt_kill(pid);
		ASSERT_LT(0, c->id) TH_LOG("checkpoint: %s; log: %s", strerror(c->err),
					   ckpt_log_text(c));
	}
	EXPECT_STREQ("", c->log) TH_LOG("a successful checkpoint logged");
	ckpt_ckptinfo(_metadata, c->img);

	if (c->continue_original) {
		kill(pid, SIGCONT);
		if (!ckpt_wait(pid, &status, 0, 60))
			status = ckpt_kill(pid);
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("the original, continued after the checkpoint: %s",
			       ckpt_status_str(status, why, sizeof(why)));
	} else {
		status = ckpt_kill(pid);
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			TH_LOG("the original: %s", ckpt_status_str(status, why, sizeof(why)));
	}

	ckpt_sleep(c->gap);
	if (!ckpt_restart_wait(_metadata, c, 60)) {
		EXPECT_TRUE(0) TH_LOG("the restarted process did not finish");
	}
	if (ckpt_restart_unsupported(c)) {
		snprintf(c->skip, sizeof(c->skip), "%s", ckpt_log_text(c));
		return CKPT_SKIPPED;
	}
	ckpt_expect_ok(_metadata, c, "the restarted process");
	return 0;
}

#define CKPT_RUN(c, fn, arg) do {						\
	if (ckpt_run(_metadata, c, fn, arg) == CKPT_SKIPPED) {			\
		SKIP(return, "%s", (c)->skip);					\
	}									\
} while (0)

/* The common case: default options. */
#define CKPT_RUN_SIMPLE(fn, arg) do {						\
	struct ckpt_ctx __c;							\
	ckpt_ctx_init(&__c);							\
	CKPT_RUN(&__c, fn, arg);						\
} while (0)

/*
 * A checkpoint the kernel must refuse: the target stops, checkpoint(2) fails
 * with @err and logs one "checkpoint: " line containing each of @words
 * (NULL-terminated), and the original, continued, still passes its checks.
 */
static inline int ckpt_run_refused(struct __test_metadata *_metadata, struct ckpt_ctx *c,
				   void (*fn)(void *), void *arg, int err,
				   const char *const *words)
{
	char why[160];
	pid_t pid;
	int status;

	ASSERT_LE(0, c->lp[0]);
	c->continue_original = true;
	pid = ckpt_fork_target(c, fn, arg);
	ASSERT_LT(0, pid);
	CKPT_WAIT_STOPPED(pid);
	ckpt_take(c, pid);
	if (c->id <= 0 && ckpt_arch_unsupported(c->err, c->log)) {
		ckpt_kill(pid);
		snprintf(c->skip, sizeof(c->skip), "%s", ckpt_log_text(c));
		return CKPT_SKIPPED;
	}
	EXPECT_EQ(-1, c->id) TH_LOG("checkpoint succeeded");
	EXPECT_EQ(err, c->err) TH_LOG("errno %d (%s), log: %s", c->err, strerror(c->err),
				      ckpt_log_text(c));
	for (; *words; words++) {
		EXPECT_TRUE(ckpt_log_ok(c->log, "checkpoint: ", *words))
			TH_LOG("log \"%s\" lacks \"%s\"", ckpt_log_text(c), *words);
	}
	kill(pid, SIGCONT);
	if (!ckpt_wait(pid, &status, 0, 60))
		status = ckpt_kill(pid);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("the target after the refused checkpoint: %s",
		       ckpt_status_str(status, why, sizeof(why)));
	return 0;
}

#define CKPT_RUN_REFUSED(fn, arg, err, ...) do {				\
	static const char *const __words[] = { __VA_ARGS__, NULL };		\
	struct ckpt_ctx __c;							\
	ckpt_ctx_init(&__c);							\
	if (ckpt_run_refused(_metadata, &__c, fn, arg, err, __words) ==	\
	    CKPT_SKIPPED) {							\
		SKIP(return, "%s", __c.skip);					\
	}									\
} while (0)

/*
 * A restart the kernel must refuse before its point of no return: the
 * image of @c, restarted by a child that first runs @c->hook, fails with
 * @err and logs a "restart: " line containing @why; the restarter goes on
 * and exits with CKPT_EXIT_ERRNO + errno.
 */
static inline void ckpt_expect_restart_refused(struct __test_metadata *_metadata,
					       struct ckpt_ctx *c, int err, const char *why)
{
	char st[160];

	ASSERT_TRUE(ckpt_restart_wait(_metadata, c, 60));
	EXPECT_TRUE(WIFEXITED(c->status) && WEXITSTATUS(c->status) == CKPT_EXIT_ERRNO + err)
		TH_LOG("restart: %s; log: %s", ckpt_status_str(c->status, st, sizeof(st)),
		       ckpt_log_text(c));
	EXPECT_TRUE(ckpt_log_ok(c->log, "restart: ", why)) TH_LOG("log: %s", ckpt_log_text(c));
}

/* A named file in /tmp for a test (the target may not use deleted files). */
static inline int ckpt_named_file(char *path, size_t size, const char *what)
{
	int fd;

	snprintf(path, size, "/tmp/ckpt-%s-XXXXXX", what);
	fd = mkstemp(path);
	return fd;
}

/* Find the FD record of descriptor @fd in an image; NULL if none. */
static inline const struct ckpt_hdr_fd *ckpt_find_fd(const struct ckpt_image *img, unsigned int fd)
{
	size_t off = 0, next;

	while ((next = ckpt_next_record(img, off))) {
		const struct ckpt_hdr *h = (const void *)(img->buf + off);

		if (h->type == CKPT_HDR_FD && h->len >= sizeof(struct ckpt_hdr_fd) &&
		    ((const struct ckpt_hdr_fd *)h)->fd == fd)
			return (const void *)h;
		if (h->type == CKPT_HDR_TAIL)
			break;
		off = next;
	}
	return NULL;
}

#endif /* _CKPT_TASK_H */
