// SPDX-License-Identifier: GPL-2.0
/*
 * restart(2) image validation.  A good image restarted in a child turns the
 * child into the checkpointed process.  A bad magic, another arch, byte
 * order or word size, an unknown format version, other kernel constants,
 * malformed records, missing CPU features, a truncated stream, a wrong
 * checksum and wrong tail counts are each refused with their documented
 * errno and one log line, before the point of no return: the caller goes
 * on unharmed.
 *
 * The header checks run on a crafted image (header, CPU feature record and
 * tail, built in user space; see ckpt_craft_image()), so that they run on
 * every architecture, including one whose task checkpoint is not
 * implemented yet.  The tests of a good image, of the checksum and tail
 * and of truncation inside the task records need a real image of the
 * caller, and would be skipped with the kernel's reason on such a port.
 */

#include "ckpt_task.h"

#include <byteswap.h>
#include <stddef.h>
#include <signal.h>
#include <sys/stat.h>

#include "../kselftest_harness.h"

/* How long a restarted child may take to exit. */
#define RESTART_TIMEOUT	60

/* What restart must leave alone in the caller. */
struct caller_state {
	pid_t pid, ppid;
	uid_t uid;
	sigset_t mask;
	dev_t cwd_dev;
	ino_t cwd;
	int nr_fds;
	off_t witness_pos;
	char canary[32];
};

/* The canary as the image has it; the caller changes it afterwards. */
#define CANARY_AT_CHECKPOINT	"checkpoint selftest canary"
#define CANARY_AFTER		"changed after the checkpoint"

static char canary[32] = CANARY_AT_CHECKPOINT;
static struct stat cwd_at_checkpoint;
static int witness_fd = -1;

static int count_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

static void caller_snapshot(struct caller_state *s)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	s->pid = getpid();
	s->ppid = getppid();
	s->uid = getuid();
	sigprocmask(SIG_BLOCK, NULL, &s->mask);
	if (!stat(".", &st)) {
		s->cwd_dev = st.st_dev;
		s->cwd = st.st_ino;
	}
	s->nr_fds = count_fds();
	s->witness_pos = lseek(witness_fd, 0, SEEK_CUR);
	memcpy(s->canary, canary, sizeof(canary));
}

#if defined(__x86_64__)
#define EFLAGS_IOPL		0x3000ULL
#define EFLAGS_NT		0x4000ULL

static uint64_t cpu_flags(void)
{
	uint64_t f;

	__asm__ volatile("pushfq\n\tpopq %0" : "=r"(f));
	return f;
}
#elif defined(__s390x__)
/* PSW mask bits of <asm/ptrace.h> (s390x), not all of them in libc headers. */
#define PSW_MASK_PER		0x4000000000000000ULL
#define PSW_MASK_DAT		0x0400000000000000ULL
#define PSW_MASK_IO		0x0200000000000000ULL
#define PSW_MASK_EXT		0x0100000000000000ULL
#define PSW_MASK_KEY		0x00F0000000000000ULL
#define PSW_MASK_MCHECK		0x0004000000000000ULL
#define PSW_MASK_WAIT		0x0002000000000000ULL
#define PSW_MASK_PSTATE		0x0001000000000000ULL
#define PSW_ASC_HOME		0x0000C00000000000ULL
#define PSW_MASK_RI		0x0000008000000000ULL
#define PSW_MASK_EA		0x0000000100000000ULL
#define PSW_MASK_BA		0x0000000080000000ULL

/* The current PSW mask, by EXTRACT PSW. */
static uint64_t cpu_flags(void)
{
	uint64_t hi = 0, lo = 0;

	__asm__ volatile("epsw %0, %1" : "+d"(hi), "+d"(lo));
	return (hi & 0xffffffffULL) << 32 | (lo & 0xffffffffULL);
}
#elif defined(__powerpc64__) || defined(__arm__)
#include <sys/ptrace.h>

#if defined(__powerpc64__)

/* MSR bits of <asm/reg.h>, which is not uapi. */
#define MSR_SF		(1ULL << 63)
#define MSR_HV		(1ULL << 60)
#define MSR_TS_MASK	(3ULL << 33)
#define MSR_VEC		(1ULL << 25)
#define MSR_VSX		(1ULL << 23)
#define MSR_EE		(1ULL << 15)
#define MSR_PR		(1ULL << 14)
#define MSR_FP		(1ULL << 13)
#define MSR_ME		(1ULL << 12)
#define MSR_FE0		(1ULL << 11)
#define MSR_SE		(1ULL << 10)
#define MSR_BE		(1ULL << 9)
#define MSR_FE1		(1ULL << 8)
#define MSR_IR		(1ULL << 5)
#define MSR_DR		(1ULL << 4)
#define MSR_PMM		(1ULL << 2)
#define MSR_RI		(1ULL << 1)
/* The bits the kernel turns on and off as the task uses its FPU and vectors. */
#define MSR_LAZY	(MSR_FP | MSR_VEC | MSR_VSX | MSR_FE0 | MSR_FE1)
/* PT_MSR of <asm/ptrace.h>, a register index of PTRACE_PEEKUSER. */
#define PT_FLAGS_REG	33
#else
/* CPSR bits of <asm/ptrace.h>. */
#define PSR_MODE_MASK	0x1f
#define PSR_USR_MODE	0x10
#define PSR_SVC_MODE	0x13
#define PSR_T_BIT	0x20
#define PSR_F_BIT	0x40
#define PSR_I_BIT	0x80
#define PSR_A_BIT	0x100
/* The index of ARM_cpsr in struct pt_regs, for PTRACE_PEEKUSER. */
#define PT_FLAGS_REG	16
#endif

/*
 * The MSR (powerpc) or CPSR (arm) of this process, which it cannot read
 * itself: a child stops it with ptrace and reads it from its saved
 * registers.  0 on failure.
 */
static uint64_t cpu_flags(void)
{
	pid_t self = getpid(), pid;
	uint64_t msr = 0;
	int p[2], st;

	if (pipe(p))
		return 0;
	pid = fork();
	if (pid == 0) {
		if (!ptrace(PTRACE_SEIZE, self, NULL, NULL) &&
		    !ptrace(PTRACE_INTERRUPT, self, NULL, NULL) &&
		    waitpid(self, &st, __WALL) == self) {
			errno = 0;
			msr = (unsigned long)ptrace(PTRACE_PEEKUSER, self,
						    (void *)(PT_FLAGS_REG * sizeof(long)), NULL);
			if (errno)
				msr = 0;
		}
		ptrace(PTRACE_DETACH, self, NULL, NULL);
		_exit(write(p[1], &msr, sizeof(msr)) != sizeof(msr));
	}
	close(p[1]);
	if (pid < 0 || read(p[0], &msr, sizeof(msr)) != sizeof(msr))
		msr = 0;
	if (pid > 0)
		waitpid(pid, &st, 0);
	close(p[0]);
	return msr;
}

#if defined(__powerpc64__)
/* The MSR of this process when it took its image. */
static uint64_t msr_at_checkpoint;
#endif
#endif

/*
 * In a process restarted from the fixture's image: memory, working
 * directory and signal mask are those of the checkpoint, not those the
 * caller changed to afterwards; the CPU runs it with user privileges.
 */
static int restarted_check(void)
{
	struct stat st;
	sigset_t mask;
	uint64_t f = cpu_flags();

	if (strcmp(canary, CANARY_AT_CHECKPOINT)) {
		ckpt_self_say("the canary is \"%.32s\"", canary);
		return 1;
	}
	if (stat(".", &st) || st.st_dev != cwd_at_checkpoint.st_dev ||
	    st.st_ino != cwd_at_checkpoint.st_ino) {
		ckpt_self_say("not in the working directory of the checkpoint");
		return 2;
	}
	if (sigprocmask(SIG_BLOCK, NULL, &mask) || sigismember(&mask, SIGUSR2)) {
		ckpt_self_say("SIGUSR2 is blocked, as in the restarting caller");
		return 3;
	}
#if defined(__x86_64__)
	if (f & (EFLAGS_IOPL | EFLAGS_NT)) {
		ckpt_self_say("EFLAGS %#llx: I/O privilege level or nested task set",
			      (unsigned long long)f);
		return 4;
	}
#elif defined(__s390x__)
	if (!(f & PSW_MASK_PSTATE) || (f & PSW_MASK_KEY) ||
	    (f & (PSW_MASK_DAT | PSW_MASK_IO | PSW_MASK_EXT | PSW_MASK_MCHECK)) !=
	    (PSW_MASK_DAT | PSW_MASK_IO | PSW_MASK_EXT | PSW_MASK_MCHECK)) {
		ckpt_self_say("PSW mask %#llx: not a problem-state PSW with key 0",
			      (unsigned long long)f);
		return 4;
	}
#elif defined(__powerpc64__)
	if (!f || (f & ~MSR_LAZY) != (msr_at_checkpoint & ~MSR_LAZY)) {
		ckpt_self_say("MSR %#llx, the user MSR is %#llx", (unsigned long long)f,
			      (unsigned long long)msr_at_checkpoint);
		return 4;
	}
#elif defined(__arm__)
	if (!f || (f & PSR_MODE_MASK) != PSR_USR_MODE || f & (PSR_I_BIT | PSR_F_BIT | PSR_A_BIT)) {
		ckpt_self_say("CPSR %#llx: not user mode with interrupts on",
			      (unsigned long long)f);
		return 4;
	}
#endif
	return 0;
}

FIXTURE(image) {
	struct ckpt_image img;		/* a real image of the caller, or none */
	struct ckpt_image craft;	/* a crafted image */
	struct ckpt_image bad;		/* the copy each test spoils */
	const struct ckpt_image *base;	/* what bad is a copy of */
	int seq;			/* the self checkpoint number of img */
	char no_img[300];		/* why there is no real image */
	char log[512];
	int lp[2];
	struct caller_state before;
};

/* Make self->bad a fresh copy of @base. */
static void use(FIXTURE_DATA(image) *self, const struct ckpt_image *base)
{
	self->base = base;
	self->bad.len = base->len;
	memcpy(self->bad.buf, base->buf, base->len);
}

static void reset(FIXTURE_DATA(image) *self)
{
	use(self, self->base);
}

/* Restart from @fd in this process; 0 or the errno, log in self->log. */
static int try_restart_fd(struct __test_metadata *_metadata,
			  FIXTURE_DATA(image) *self, int fd)
{
	int err = 0;

	if (sys_restart(0, fd, 0, self->lp[1]))
		err = errno;
	ASSERT_LE(0, ckpt_log_read(self->lp[0], self->log, sizeof(self->log)));
	return err;
}

/* Restart @len bytes of @buf from a file in this process. */
static int try_restart(struct __test_metadata *_metadata,
		       FIXTURE_DATA(image) *self, const void *buf, size_t len)
{
	int fd = ckpt_image_file(buf, len);
	int err;

	ASSERT_LE(0, fd) TH_LOG("cannot make the image file");
	err = try_restart_fd(_metadata, self, fd);
	close(fd);
	return err;
}

/* The caller is intact after a failed restart. */
static void check_caller(struct __test_metadata *_metadata,
			 FIXTURE_DATA(image) *self)
{
	struct caller_state now;

	caller_snapshot(&now);
	EXPECT_EQ(self->before.pid, now.pid);
	EXPECT_EQ(self->before.ppid, now.ppid);
	EXPECT_EQ(self->before.uid, now.uid);
	EXPECT_EQ(0, memcmp(&self->before.mask, &now.mask, sizeof(now.mask)));
	EXPECT_EQ(self->before.cwd_dev, now.cwd_dev);
	EXPECT_EQ(self->before.cwd, now.cwd);
	EXPECT_EQ(self->before.nr_fds, now.nr_fds);
	EXPECT_EQ(self->before.witness_pos, now.witness_pos);
	EXPECT_EQ(0, memcmp(self->before.canary, now.canary, sizeof(canary)));
}

/* Restart self->bad and expect @err with a log line containing @word. */
static void expect_refused(struct __test_metadata *_metadata,
			   FIXTURE_DATA(image) *self, int err, const char *word)
{
	int got = try_restart(_metadata, self, self->bad.buf, self->bad.len);

	EXPECT_EQ(err, got) TH_LOG("errno %d (%s), log: %s", got, strerror(got), self->log);
	EXPECT_TRUE(ckpt_log_ok(self->log, "restart: ", word))
		TH_LOG("log \"%s\" lacks \"%s\"", self->log, word);
	check_caller(_metadata, self);
}

/*
 * A crafted image whose header and CPU feature record pass gets as far as
 * the task record, where it has its tail.
 */
static void expect_header_accepted(struct __test_metadata *_metadata,
				   FIXTURE_DATA(image) *self)
{
	char want[64];

	snprintf(want, sizeof(want), "offset %zu has type %u (tail), expected %u (task)",
		 (size_t)CKPT_CRAFT_TAIL_OFF, CKPT_HDR_TAIL, CKPT_HDR_TASK);
	expect_refused(_metadata, self, EINVAL, want);
}

static struct ckpt_hdr_header *bad_header(FIXTURE_DATA(image) *self)
{
	return (struct ckpt_hdr_header *)self->bad.buf;
}

static struct ckpt_hdr_header_arch *bad_arch(FIXTURE_DATA(image) *self)
{
	return (struct ckpt_hdr_header_arch *)(self->bad.buf +
					       sizeof(struct ckpt_hdr_header));
}

static struct ckpt_hdr_tail *bad_tail(FIXTURE_DATA(image) *self)
{
	return (struct ckpt_hdr_tail *)(self->bad.buf + ckpt_tail_offset(&self->bad));
}

/*
 * The kernel writes the header and the CPU feature record the crafted
 * image has: same machine, constants and features.
 */
static void compare_crafted(struct __test_metadata *_metadata,
			    const struct ckpt_image *real, const struct ckpt_image *craft)
{
	const struct ckpt_hdr_header *r = (const void *)real->buf;
	const struct ckpt_hdr_header *c = (const void *)craft->buf;

	ASSERT_LE(CKPT_CRAFT_TAIL_OFF, real->len);
	EXPECT_EQ(0, memcmp(r, c, offsetof(struct ckpt_hdr_header, ckpt_id)))
		TH_LOG("the crafted header differs from the kernel's");
	EXPECT_EQ(r->nsig, c->nsig);
	EXPECT_EQ(r->nr_rlimits, c->nr_rlimits);
	EXPECT_EQ(r->__reserved, c->__reserved);
	EXPECT_STREQ(r->uts_release, c->uts_release);
	EXPECT_STREQ(r->uts_version, c->uts_version);
	EXPECT_STREQ(r->uts_machine, c->uts_machine);
	EXPECT_EQ(0, memcmp(real->buf + CKPT_CRAFT_ARCH_OFF, craft->buf + CKPT_CRAFT_ARCH_OFF,
			    CKPT_CRAFT_TAIL_OFF - CKPT_CRAFT_ARCH_OFF))
		TH_LOG("the crafted CPU feature record differs from the kernel's");
}

FIXTURE_SETUP(image)
{
	sigset_t usr2;
	int err;

	ASSERT_EQ(0, ckpt_log_pipe(self->lp));
	ASSERT_EQ(0, ckpt_craft_image(&self->craft));
	ASSERT_EQ(0, stat(".", &cwd_at_checkpoint));

	/* A real image of this process, if the architecture can make one. */
	ckpt_self_hook = restarted_check;
#if defined(__powerpc64__)
	msr_at_checkpoint = cpu_flags();
	ASSERT_EQ(MSR_SF | MSR_PR, msr_at_checkpoint & (MSR_SF | MSR_PR | MSR_HV))
		TH_LOG("the MSR read through ptrace is %#llx",
		       (unsigned long long)msr_at_checkpoint);
#endif
	if (ckpt_self_image(&self->img, self->lp[1]) <= 0) {
		err = errno;
		ASSERT_LE(0, ckpt_log_read(self->lp[0], self->log, sizeof(self->log)));
		ASSERT_TRUE(ckpt_arch_unsupported(err, self->log))
			TH_LOG("checkpoint: %s; log: %s", strerror(err), self->log);
		snprintf(self->no_img, sizeof(self->no_img), "%.*s",
			 (int)strcspn(self->log, "\n"), self->log);
		free(self->img.buf);
		self->img.buf = NULL;
		self->img.len = 0;
	} else {
		self->seq = ckpt_self_seq;
		ASSERT_EQ(0, ckpt_log_read(self->lp[0], self->log, sizeof(self->log)))
			TH_LOG("a successful checkpoint logged: %s", self->log);
		ASSERT_NE(0, ckpt_tail_offset(&self->img));
		compare_crafted(_metadata, &self->img, &self->craft);
	}
	self->bad.buf = malloc(self->img.len > self->craft.len ? self->img.len :
			       self->craft.len);
	ASSERT_TRUE(self->bad.buf != NULL);
	use(self, &self->craft);

	/*
	 * After the checkpoint, change what a restart would bring back: a
	 * restart that fails must keep the new values.
	 */
	strcpy(canary, CANARY_AFTER);
	ASSERT_EQ(0, chdir("/"));
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, &usr2, NULL));
	witness_fd = ckpt_tmpfile();
	ASSERT_LE(0, witness_fd);
	ASSERT_EQ(5, write(witness_fd, "12345", 5));
	caller_snapshot(&self->before);

	/* The crafted image is good up to where the task should start. */
	expect_header_accepted(_metadata, self);
}

FIXTURE_TEARDOWN(image)
{
	free(self->img.buf);
	free(self->craft.buf);
	free(self->bad.buf);
	close(self->lp[0]);
	close(self->lp[1]);
	close(witness_fd);
}

/* Tests of a real image skip where the kernel cannot make one. */
#define NEED_IMAGE(self) do {							\
	if (!(self)->img.buf) {							\
		SKIP(return, "%s", (self)->no_img);				\
	}									\
} while (0)

/* The rest of a test needs a real image: skip it, unless it failed already. */
#define REST_NEEDS_IMAGE(self) do {						\
	if (!(self)->img.buf) {							\
		if (_metadata->exit_code == KSFT_PASS) {			\
			SKIP(return, "rest of the test: %s", (self)->no_img);	\
		}								\
		return;								\
	}									\
} while (0)

static const char *arch_name(unsigned int id, unsigned int endian)
{
	switch (id) {
	case CKPT_ARCH_X86_64:
		return "x86_64";
	case CKPT_ARCH_S390X:
		return "s390x";
	case CKPT_ARCH_PPC64:
		return endian == CKPT_ENDIAN_LITTLE ? "ppc64le" : "ppc64";
	case CKPT_ARCH_ARM:
		return "arm";
	}
	return "unknown";
}

/*
 * Rewrite the header as another machine would have written it: every
 * multi-byte field in @endian byte order.
 */
static void foreign_header(struct ckpt_hdr_header *h, unsigned int arch_id,
			   unsigned int endian, unsigned int word_size)
{
	bool swap = endian != h->endian;

	h->arch_id = arch_id;
	h->endian = endian;
	h->word_size = word_size;
	if (!swap)
		return;
	h->h.type = bswap_32(h->h.type);
	h->h.len = bswap_32(h->h.len);
	h->version = bswap_32(h->version);
	h->arch_id = bswap_16(h->arch_id);
	h->page_size = bswap_32(h->page_size);
	h->task_comm_len = bswap_32(h->task_comm_len);
	h->ckpt_id = bswap_64(h->ckpt_id);
	h->time_sec = bswap_64(h->time_sec);
	h->time_nsec = bswap_32(h->time_nsec);
	h->nsig = bswap_32(h->nsig);
	h->nr_rlimits = bswap_32(h->nr_rlimits);
}

/* Wait for a restarting child; kill it after RESTART_TIMEOUT seconds. */
static int wait_restarted(pid_t pid)
{
	int status = 0;

	if (!ckpt_wait(pid, &status, 0, RESTART_TIMEOUT))
		status = ckpt_kill(pid);
	return status;
}

/* The restarting child became the process of the fixture's image. */
static void expect_restarted(struct __test_metadata *_metadata,
			     FIXTURE_DATA(image) *self, int status)
{
	char why[128];

	ASSERT_LE(0, ckpt_log_read(self->lp[0], self->log, sizeof(self->log)));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == CKPT_SELF_EXIT + self->seq)
		TH_LOG("restarting child: %s, not restarted from self checkpoint %d; log: %s",
		       ckpt_self_status_str(status, why, sizeof(why)), self->seq, self->log);
	EXPECT_STREQ("", self->log);
}

TEST_F(image, good_image_is_accepted)
{
	int fd;
	pid_t pid;

	NEED_IMAGE(self);
	fd = ckpt_image_file(self->img.buf, self->img.len);
	ASSERT_LE(0, fd);
	pid = ckpt_restart_child(fd, self->lp[1], -1);
	ASSERT_LT(0, pid);
	expect_restarted(_metadata, self, wait_restarted(pid));
	/* It read the whole image, no more. */
	EXPECT_EQ(self->img.len, lseek(fd, 0, SEEK_CUR));
	close(fd);
	check_caller(_metadata, self);
}

TEST_F(image, good_image_from_a_pipe)
{
	size_t done = 0;
	int p[2];
	pid_t pid;

	NEED_IMAGE(self);
	ASSERT_EQ(0, pipe(p));
	pid = ckpt_restart_child(p[0], self->lp[1], p[1]);
	ASSERT_LT(0, pid);
	close(p[0]);
	/* The image does not fit in the pipe: written while restart reads. */
	signal(SIGPIPE, SIG_IGN);
	while (done < self->img.len) {
		ssize_t n = write(p[1], self->img.buf + done, self->img.len - done);

		if (n <= 0)
			break;
		done += n;
	}
	close(p[1]);
	signal(SIGPIPE, SIG_DFL);
	expect_restarted(_metadata, self, wait_restarted(pid));
	EXPECT_EQ(self->img.len, done);
}

TEST_F(image, bad_magic)
{
	bad_header(self)->magic[1] ^= 0x20;
	expect_refused(_metadata, self, ENOEXEC, "bad magic");
}

TEST_F(image, not_an_image)
{
	memset(self->bad.buf, 'x', self->bad.len);
	expect_refused(_metadata, self, ENOEXEC, "not a checkpoint image");
	/* Shorter than a header, but long enough to hold a magic. */
	self->bad.len = 16;
	expect_refused(_metadata, self, ENOEXEC, "not a checkpoint image");
}

TEST_F(image, other_arch)
{
	static const struct { unsigned int id, endian, word; } others[] = {
		{ CKPT_ARCH_X86_64, CKPT_ENDIAN_LITTLE, 8 },
		{ CKPT_ARCH_S390X, CKPT_ENDIAN_BIG, 8 },
		{ CKPT_ARCH_PPC64, CKPT_ENDIAN_LITTLE, 8 },
		{ CKPT_ARCH_ARM, CKPT_ENDIAN_LITTLE, 4 },
	};
	const struct ckpt_hdr_header *good = (const void *)self->craft.buf;
	char want[64];
	int tried = 0;

	for (unsigned int i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		if (others[i].id == CKPT_ARCH_ID)
			continue;
		reset(self);
		foreign_header(bad_header(self), others[i].id, others[i].endian,
			       others[i].word);
		snprintf(want, sizeof(want), "image arch %s",
			 arch_name(others[i].id, others[i].endian));
		expect_refused(_metadata, self, ENOEXEC, want);
		snprintf(want, sizeof(want), "running %s",
			 arch_name(CKPT_ARCH_ID, good->endian));
		EXPECT_TRUE(strstr(self->log, want) != NULL) TH_LOG("log: %s", self->log);
		tried++;
	}
	EXPECT_EQ(3, tried);
}

TEST_F(image, other_byte_order)
{
	const struct ckpt_hdr_header *good = (const void *)self->craft.buf;
	unsigned int other = good->endian == CKPT_ENDIAN_BIG ?
		CKPT_ENDIAN_LITTLE : CKPT_ENDIAN_BIG;

	foreign_header(bad_header(self), CKPT_ARCH_ID, other, good->word_size);
	expect_refused(_metadata, self, ENOEXEC,
		       other == CKPT_ENDIAN_BIG ? "big endian" : "little endian");
}

TEST_F(image, other_word_size)
{
	bad_header(self)->word_size = sizeof(long) == 8 ? 4 : 8;
	expect_refused(_metadata, self, ENOEXEC, sizeof(long) == 8 ? "32-bit" : "64-bit");
}

TEST_F(image, bad_word_size_and_byte_order)
{
	bad_header(self)->word_size = 3;
	expect_refused(_metadata, self, EINVAL, "word size");
	reset(self);
	bad_header(self)->endian = 7;
	expect_refused(_metadata, self, EINVAL, "byte order");
}

TEST_F(image, unknown_version)
{
	bad_header(self)->version = CKPT_VERSION + 1;
	expect_refused(_metadata, self, ENOEXEC, "version");
	reset(self);
	bad_header(self)->version = 0;
	expect_refused(_metadata, self, ENOEXEC, "version");
}

TEST_F(image, other_page_size)
{
	bad_header(self)->page_size *= 4;
	expect_refused(_metadata, self, ENOEXEC, "page size");
}

TEST_F(image, other_kernel_constants)
{
	bad_header(self)->task_comm_len = 32;
	expect_refused(_metadata, self, ENOEXEC, "TASK_COMM_LEN");
	reset(self);
	bad_header(self)->nsig = 128;
	expect_refused(_metadata, self, ENOEXEC, "signals");
	reset(self);
	bad_header(self)->nr_rlimits = 17;
	expect_refused(_metadata, self, ENOEXEC, "rlimits");
}

TEST_F(image, malformed_header)
{
	bad_header(self)->h.len += 8;
	expect_refused(_metadata, self, EINVAL, "header record");
	reset(self);
	bad_header(self)->h.type = CKPT_HDR_TAIL;
	expect_refused(_metadata, self, EINVAL, "header record");
	reset(self);
	bad_header(self)->__reserved = 1;
	expect_refused(_metadata, self, EINVAL, "reserved");
	reset(self);
	memset(bad_header(self)->uts_machine, 'm', CKPT_UTS_LEN);
	expect_refused(_metadata, self, EINVAL, "unterminated");
	reset(self);
	/* What a newer kernel may write is refused as not runnable here. */
	bad_header(self)->flags = 1ULL << 40;
	expect_refused(_metadata, self, ENOEXEC, "flags");
	reset(self);
	bad_header(self)->ckpt_id = 0;
	expect_refused(_metadata, self, EINVAL, "id 0");
}

TEST_F(image, malformed_arch_header)
{
	bad_arch(self)->h.len += 8;
	expect_refused(_metadata, self, EINVAL, "length");
	reset(self);
	bad_arch(self)->h.type = 77;
	expect_refused(_metadata, self, EINVAL, "type 77");
	reset(self);
	bad_arch(self)->features |= 1ULL << 63;
	expect_refused(_metadata, self, ENOEXEC, "does not know");
}

/* Each optional register set this CPU lacks is refused. */
TEST_F(image, missing_cpu_features)
{
	uint64_t have = bad_arch(self)->features;

#if defined(__x86_64__)
	struct ckpt_hdr_arch_x86 *a = (void *)bad_arch(self);

	/* XSAVE component 40 is reserved: no CPU has it. */
	a->xfeatures |= 1ULL << 40;
	expect_refused(_metadata, self, ENOEXEC, "XSAVE components");
#elif defined(__arm__)
	struct ckpt_hdr_arch_arm *a = (void *)bad_arch(self);

	a->isa_level = 9;
	expect_refused(_metadata, self, ENOEXEC, "ISA level");
	reset(self);
	a->mmu = 0;
	expect_refused(_metadata, self, ENOEXEC, "no-MMU");
#endif
	for (int bit = 0; bit < 64; bit++) {
#if defined(__x86_64__)
		uint64_t all = CKPT_X86_FEAT_ALL;
#elif defined(__s390x__)
		uint64_t all = CKPT_S390_FEAT_ALL;
#elif defined(__powerpc64__)
		uint64_t all = CKPT_PPC_FEAT_ALL;
#elif defined(__arm__)
		uint64_t all = CKPT_ARM_FEAT_ALL;
#endif
		if (!(all & (1ULL << bit)) || (have & (1ULL << bit)))
			continue;
		reset(self);
		bad_arch(self)->features |= 1ULL << bit;
#if defined(__arm__)
		if ((1ULL << bit) == CKPT_ARM_FEAT_VFP)
			((struct ckpt_hdr_arch_arm *)bad_arch(self))->vfp_nregs = 16;
#elif defined(__powerpc64__)
		/*
		 * Whether the kernel has the DAWR is not visible to user space,
		 * so the crafted record never claims it: the bit may be refused
		 * or not, but nothing else.
		 */
		if ((1ULL << bit) == CKPT_PPC_FEAT_DAWR) {
			int got = try_restart(_metadata, self, self->bad.buf, self->bad.len);

			if (got == ENOEXEC) {
				EXPECT_TRUE(ckpt_log_ok(self->log, "restart: ", "DAWR, which"))
					TH_LOG("log: %s", self->log);
			} else {
				TH_LOG("the kernel has the DAWR");
				expect_header_accepted(_metadata, self);
			}
			check_caller(_metadata, self);
			continue;
		}
#endif
		TH_LOG("feature bit %d, which this CPU lacks", bit);
		expect_refused(_metadata, self, ENOEXEC, "lacks");
	}
}

/*
 * A record of an unknown type where the task record should be (crafted
 * image), and where the tail should be (real image).
 */
TEST_F(image, unexpected_record)
{
	bad_tail(self)->h.type = 99;
	expect_refused(_metadata, self, EINVAL, "type 99");
	if (!self->img.buf) {
		TH_LOG("no real image: %s", self->no_img);
		return;
	}
	use(self, &self->img);
	bad_tail(self)->h.type = 99;
	expect_refused(_metadata, self, EINVAL, "type 99");
	EXPECT_TRUE(strstr(self->log, "expected 3 (tail)") != NULL) TH_LOG("log: %s", self->log);
}

/*
 * The tail is checked once the whole image is read and the new process
 * built aside: still before the point of no return.
 */
TEST_F(image, wrong_checksum)
{
	NEED_IMAGE(self);
	use(self, &self->img);
	bad_tail(self)->crc32c ^= 1;
	expect_refused(_metadata, self, EBADMSG, "checksum");
}

/* A flipped byte the header checks cannot see is caught by the checksum. */
TEST_F(image, corrupt_byte)
{
	char *v;

	NEED_IMAGE(self);
	use(self, &self->img);
	v = bad_header(self)->uts_version;
	ASSERT_NE(0, v[0]);
	v[0] = v[0] == 'Z' ? 'Y' : 'Z';
	expect_refused(_metadata, self, EBADMSG, "checksum");
}

TEST_F(image, wrong_tail_counts)
{
	NEED_IMAGE(self);
	use(self, &self->img);
	bad_tail(self)->image_len += 8;
	ckpt_fix_tail(&self->bad);
	expect_refused(_metadata, self, EBADMSG, "bytes");
	reset(self);
	bad_tail(self)->nr_records++;
	expect_refused(_metadata, self, EBADMSG, "records");
	reset(self);
	bad_tail(self)->magic[0] = 0;
	expect_refused(_metadata, self, EINVAL, "magic");
}

#define MAX_CUTS	8192

/*
 * Where to cut a real image: at every byte of the header, the CPU feature
 * record, the tail and records of up to 64 bytes; in longer records, in
 * and after the record header, halfway, in the padding and at the last
 * byte; in PAGES records also around the start of the page data and the
 * first page boundaries.  Every record boundary is a cut.  Increasing.
 */
static int cut_points(const struct ckpt_image *img, size_t *cuts)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t off = 0, next;
	int n = 0;

#define CUT(x) do {								\
	size_t __x = (x);							\
	if (__x >= off && __x < next && (!n || __x > cuts[n - 1]) && n < MAX_CUTS) \
		cuts[n++] = __x;						\
} while (0)
	while ((next = ckpt_next_record(img, off))) {
		const struct ckpt_hdr *h = (const void *)(img->buf + off);

		if (h->type == CKPT_HDR_HEADER || h->type == CKPT_HDR_HEADER_ARCH ||
		    h->type == CKPT_HDR_TAIL || next - off <= 64) {
			for (size_t x = off; x < next; x++)
				CUT(x);
		} else {
			CUT(off);
			CUT(off + 1);
			CUT(off + 4);
			CUT(off + 7);
			CUT(off + 8);
			CUT(off + 9);
			if (h->type == CKPT_HDR_PAGES) {
				const struct ckpt_hdr_pages *p = (const void *)h;
				size_t data = off + sizeof(*p) + 8 * (size_t)p->nr_pages;

				CUT(off + sizeof(*p));
				CUT(data - 1);
				CUT(data);
				CUT(data + 1);
				for (int i = 1; i <= 2; i++) {
					CUT(data + i * page - 1);
					CUT(data + i * page);
				}
			}
			CUT(off + h->len / 2);
			CUT(off + h->len - 1);
			CUT(off + h->len);
			CUT(next - 1);
		}
		if (h->type == CKPT_HDR_TAIL)
			break;
		off = next;
	}
#undef CUT
	return n;
}

/* Every proper prefix of the image is refused, record boundaries included. */
TEST_F_TIMEOUT(image, truncated_everywhere, 300)
{
	static size_t cuts[MAX_CUTS];
	size_t off, next, tail;
	int n, fd, boundaries = 0, records = 0;

	/* The crafted image: every prefix up to the record after the arch one. */
	for (size_t len = 0; len < CKPT_CRAFT_TAIL_OFF + sizeof(struct ckpt_hdr); len++) {
		int err = try_restart(_metadata, self, self->craft.buf, len);

		ASSERT_EQ(ENODATA, err) TH_LOG("crafted, prefix of %zu bytes: %s", len, self->log);
		ASSERT_TRUE(ckpt_log_ok(self->log, "restart: ", "truncated"))
			TH_LOG("crafted, prefix of %zu bytes: log \"%s\"", len, self->log);
	}
	check_caller(_metadata, self);
	REST_NEEDS_IMAGE(self);

	/* The real image, cut at many places, from the end down. */
	n = cut_points(&self->img, cuts);
	tail = ckpt_tail_offset(&self->img);
	ASSERT_LT(0, n);
	ASSERT_GT(MAX_CUTS, n);
	ASSERT_EQ(self->img.len - 1, cuts[n - 1]);
	fd = ckpt_image_file(self->img.buf, self->img.len);
	ASSERT_LE(0, fd);
	for (int i = n - 1; i >= 0; i--) {
		int err;

		ASSERT_EQ(0, ftruncate(fd, cuts[i]));
		ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
		err = try_restart_fd(_metadata, self, fd);
		ASSERT_EQ(ENODATA, err) TH_LOG("prefix of %zu bytes: %s", cuts[i], self->log);
		ASSERT_TRUE(ckpt_log_ok(self->log, "restart: ", "truncated"))
			TH_LOG("prefix of %zu bytes: log \"%s\"", cuts[i], self->log);
	}
	close(fd);

	/* Each record boundary was one of the cuts. */
	for (off = 0; off <= tail; off = next) {
		records++;
		for (int i = 0; i < n; i++)
			if (cuts[i] == off)
				boundaries++;
		next = ckpt_next_record(&self->img, off);
		ASSERT_NE(0, next);
	}
	EXPECT_EQ(records, boundaries);
	TH_LOG("%d prefixes of the %zu-byte image, %d of them at record boundaries",
	       n, self->img.len, boundaries);
	check_caller(_metadata, self);
}

/* Restart from a pipe whose writer goes away after @cut bytes of @img. */
static void restart_cut_stream(struct __test_metadata *_metadata,
			       FIXTURE_DATA(image) *self, const struct ckpt_image *img,
			       size_t cut)
{
	int p[2], status;
	pid_t writer;

	ASSERT_EQ(0, pipe(p));
	fflush(NULL);
	writer = fork();
	ASSERT_LE(0, writer);
	if (writer == 0) {
		close(p[0]);
		_exit(write(p[1], img->buf, cut) != (ssize_t)cut);
	}
	close(p[1]);
	EXPECT_EQ(-1, sys_restart(0, p[0], 0, self->lp[1]));
	EXPECT_EQ(ENODATA, errno);
	close(p[0]);
	ASSERT_EQ(writer, waitpid(writer, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ASSERT_LT(0, ckpt_log_read(self->lp[0], self->log, sizeof(self->log)));
	EXPECT_TRUE(ckpt_log_ok(self->log, "restart: ", "truncated")) TH_LOG("%s", self->log);
	check_caller(_metadata, self);
}

/* The same through a pipe whose writer goes away early, inside a tail. */
TEST_F(image, truncated_stream)
{
	restart_cut_stream(_metadata, self, &self->craft, CKPT_CRAFT_TAIL_OFF + 4);
	if (!self->img.buf) {
		TH_LOG("no real image: %s", self->no_img);
		return;
	}
	restart_cut_stream(_metadata, self, &self->img, ckpt_tail_offset(&self->img) + 4);
}

/* The CPU record of self->bad. */
static void *bad_cpu(FIXTURE_DATA(image) *self)
{
	size_t off = 0, next;

	while ((next = ckpt_next_record(&self->bad, off))) {
		struct ckpt_hdr *h = (void *)(self->bad.buf + off);

		if (h->type == CKPT_HDR_CPU)
			return h;
		if (h->type == CKPT_HDR_TAIL)
			break;
		off = next;
	}
	return NULL;
}

/* Restart @img in a child, which becomes the process of the fixture's image. */
static void expect_restart_ok(struct __test_metadata *_metadata,
			      FIXTURE_DATA(image) *self, const struct ckpt_image *img)
{
	int fd = ckpt_image_file(img->buf, img->len);
	pid_t pid;

	ASSERT_LE(0, fd);
	pid = ckpt_restart_child(fd, self->lp[1], -1);
	ASSERT_LT(0, pid);
	expect_restarted(_metadata, self, wait_restarted(pid));
	close(fd);
}

#if defined(__x86_64__)
/*
 * EFLAGS bits user space cannot set (I/O privilege level, nested task) in
 * the CPU record are dropped at restart, as sigreturn drops them: the
 * restarted process runs without them (restarted_check()).
 */
TEST_F(image, privileged_cpu_state)
{
	struct ckpt_hdr_cpu_x86 *cpu;

	NEED_IMAGE(self);
	use(self, &self->img);
	cpu = bad_cpu(self);
	ASSERT_NE(NULL, cpu);
	ASSERT_EQ(sizeof(*cpu), cpu->h.len);
	ASSERT_EQ(0, cpu->flags & (EFLAGS_IOPL | EFLAGS_NT));
	cpu->flags |= EFLAGS_IOPL | EFLAGS_NT;
	ckpt_fix_tail(&self->bad);
	expect_restart_ok(_metadata, self, &self->bad);
	check_caller(_metadata, self);
}
#elif defined(__s390x__)
/*
 * A PSW mask in the CPU record that user space could not hold is refused
 * before the point of no return, each with a line naming the cause:
 * supervisor state, a storage key, the system bits of a user PSW changed,
 * the home space, an invalid addressing mode or an instruction address
 * outside the addressing mode.  The image as written restarts in problem
 * state with key 0 (restarted_check()).
 */
TEST_F(image, privileged_cpu_state)
{
	static const struct {
		uint64_t set, clear, addr;
		const char *word;
	} bad[] = {
		{ 0, PSW_MASK_PSTATE, 0, "supervisor state" },
		{ PSW_MASK_KEY & 0x0090000000000000ULL, 0, 0, "storage key" },
		{ PSW_MASK_KEY, PSW_MASK_PSTATE, 0, "supervisor state" },
		{ PSW_MASK_KEY, 0, 0, "storage key" },
		{ PSW_MASK_WAIT, 0, 0, "system bits" },
		{ PSW_MASK_PER, 0, 0, "system bits" },
		{ PSW_MASK_RI, 0, 0, "system bits" },
		{ 0, PSW_MASK_DAT, 0, "system bits" },
		{ 0, PSW_MASK_IO | PSW_MASK_EXT, 0, "system bits" },
		{ 0, PSW_MASK_MCHECK, 0, "system bits" },
		{ PSW_ASC_HOME, 0, 0, "home-space mode" },
		{ 0, PSW_MASK_BA, 0, "invalid addressing mode" },
		{ 0, PSW_MASK_EA, 1ULL << 31, "not an instruction address" },
		{ 0, 0, 1, "not an instruction address" },
	};
	struct ckpt_hdr_cpu_s390 *cpu;

	NEED_IMAGE(self);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		use(self, &self->img);
		cpu = bad_cpu(self);
		ASSERT_NE(NULL, cpu);
		ASSERT_EQ(sizeof(*cpu), cpu->h.len);
		ASSERT_EQ(PSW_MASK_PSTATE, cpu->psw_mask & (PSW_MASK_PSTATE | PSW_MASK_KEY));
		cpu->psw_mask = (cpu->psw_mask | bad[i].set) & ~bad[i].clear;
		cpu->psw_addr |= bad[i].addr;
		ckpt_fix_tail(&self->bad);
		expect_refused(_metadata, self, EINVAL, bad[i].word);
	}
	expect_restart_ok(_metadata, self, &self->img);
}
#elif defined(__powerpc64__)
/*
 * The restarted process runs with the kernel's user MSR whatever the CPU
 * record says: a crafted MSR with privileged state, the hypervisor bit,
 * translation or interrupts off, single-stepping or a transaction is not
 * taken (restarted_check()).  An MSR that is not a 64-bit task's is
 * refused.
 */
TEST_F(image, privileged_cpu_state)
{
	struct ckpt_hdr_cpu_ppc *cpu;

	NEED_IMAGE(self);
	use(self, &self->img);
	cpu = bad_cpu(self);
	ASSERT_NE(NULL, cpu);
	ASSERT_EQ(sizeof(*cpu), cpu->h.len);
	ASSERT_EQ(MSR_SF | MSR_PR, cpu->msr & (MSR_SF | MSR_PR | MSR_HV));
	cpu->msr &= ~MSR_SF;
	ckpt_fix_tail(&self->bad);
	expect_refused(_metadata, self, EINVAL, "not a 64-bit task's");

	use(self, &self->img);
	cpu = bad_cpu(self);
	cpu->msr &= ~(MSR_PR | MSR_EE | MSR_IR | MSR_DR | MSR_ME | MSR_RI);
	cpu->msr |= MSR_HV | MSR_SE | MSR_BE | MSR_TS_MASK | MSR_PMM;
	ckpt_fix_tail(&self->bad);
	expect_restart_ok(_metadata, self, &self->bad);
	check_caller(_metadata, self);
}
#elif defined(__arm__)
/*
 * The restarted process runs in user mode with interrupts on whatever the
 * CPU record says: a crafted CPSR in supervisor mode with the IRQ, FIQ and
 * abort masks set keeps only its user bits (restarted_check()).
 */
TEST_F(image, privileged_cpu_state)
{
	struct ckpt_hdr_cpu_arm *cpu;

	NEED_IMAGE(self);
	use(self, &self->img);
	cpu = bad_cpu(self);
	ASSERT_TRUE(cpu != NULL);
	ASSERT_EQ(sizeof(*cpu), cpu->h.len);
	ASSERT_EQ(PSR_USR_MODE, cpu->regs[16] & (PSR_MODE_MASK | PSR_I_BIT | PSR_F_BIT));
	cpu->regs[16] = (cpu->regs[16] & ~PSR_MODE_MASK) | PSR_SVC_MODE |
			PSR_I_BIT | PSR_F_BIT | PSR_A_BIT;
	ckpt_fix_tail(&self->bad);
	expect_restart_ok(_metadata, self, &self->bad);
	check_caller(_metadata, self);
}
#endif

TEST_HARNESS_MAIN
