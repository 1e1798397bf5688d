// SPDX-License-Identifier: GPL-2.0
/*
 * restart(2) image validation: a good image is accepted; a bad magic,
 * another arch, byte order or word size, an unknown format version, other
 * kernel constants, malformed records, a truncated stream and a wrong
 * checksum are each refused with their documented errno and one log line,
 * and the caller goes on unharmed.
 */

#include "ckpt_util.h"

#include <byteswap.h>
#include <signal.h>
#include <sys/stat.h>

#include "../kselftest_harness.h"

/* What restart must leave alone in the caller. */
struct caller_state {
	pid_t pid, ppid;
	uid_t uid;
	sigset_t mask;
	ino_t cwd;
	int nr_fds;
	off_t witness_pos;
	char canary[32];
};

static char canary[32] = "checkpoint selftest canary";
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
	s->cwd = stat(".", &st) ? 0 : st.st_ino;
	s->nr_fds = count_fds();
	s->witness_pos = lseek(witness_fd, 0, SEEK_CUR);
	memcpy(s->canary, canary, sizeof(canary));
}

FIXTURE(image) {
	struct ckpt_image img;	/* a good image of the caller */
	struct ckpt_image bad;	/* the copy each test spoils */
	char log[512];
	int lp[2];
	struct caller_state before;
};

FIXTURE_SETUP(image)
{
	ASSERT_LT(0, ckpt_self_image(&self->img));
	ASSERT_NE(0, ckpt_tail_offset(&self->img));
	self->bad.len = self->img.len;
	self->bad.buf = malloc(self->img.len);
	ASSERT_TRUE(self->bad.buf != NULL);
	memcpy(self->bad.buf, self->img.buf, self->img.len);
	ASSERT_EQ(0, ckpt_log_pipe(self->lp));
	witness_fd = ckpt_tmpfile();
	ASSERT_LE(0, witness_fd);
	ASSERT_EQ(5, write(witness_fd, "12345", 5));
	caller_snapshot(&self->before);
}

FIXTURE_TEARDOWN(image)
{
	free(self->img.buf);
	free(self->bad.buf);
	close(self->lp[0]);
	close(self->lp[1]);
	close(witness_fd);
}

/*
 * Restart @len bytes of @buf from a file.  Returns 0 or the errno, and leaves
 * the log line in self->log.
 */
static int try_restart(struct __test_metadata *_metadata,
		       FIXTURE_DATA(image) *self, const void *buf, size_t len)
{
	int fd = ckpt_image_file(buf, len);
	int err = 0;

	ASSERT_LE(0, fd) TH_LOG("cannot make the image file");
	if (sys_restart(0, fd, 0, self->lp[1]))
		err = errno;
	close(fd);
	ASSERT_LE(0, ckpt_log_read(self->lp[0], self->log, sizeof(self->log)));
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

TEST_F(image, good_image_is_accepted)
{
	EXPECT_EQ(0, try_restart(_metadata, self, self->img.buf, self->img.len));
	EXPECT_STREQ("", self->log);
	check_caller(_metadata, self);
}

TEST_F(image, good_image_from_a_pipe)
{
	int p[2];

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(self->img.len, write(p[1], self->img.buf, self->img.len));
	close(p[1]);
	EXPECT_EQ(0, sys_restart(0, p[0], 0, self->lp[1]));
	close(p[0]);
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
	const struct ckpt_hdr_header *good = (const void *)self->img.buf;
	char want[64];
	int tried = 0;

	for (unsigned int i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		if (others[i].id == CKPT_ARCH_ID)
			continue;
		memcpy(self->bad.buf, self->img.buf, self->img.len);
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
	const struct ckpt_hdr_header *good = (const void *)self->img.buf;
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
	memcpy(self->bad.buf, self->img.buf, self->img.len);
	bad_header(self)->endian = 7;
	expect_refused(_metadata, self, EINVAL, "byte order");
}

TEST_F(image, unknown_version)
{
	bad_header(self)->version = CKPT_VERSION + 1;
	expect_refused(_metadata, self, ENOEXEC, "version");
	memcpy(self->bad.buf, self->img.buf, self->img.len);
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
	memcpy(self->bad.buf, self->img.buf, self->img.len);
	bad_header(self)->nsig = 128;
	expect_refused(_metadata, self, ENOEXEC, "signals");
	memcpy(self->bad.buf, self->img.buf, self->img.len);
	bad_header(self)->nr_rlimits = 17;
	expect_refused(_metadata, self, ENOEXEC, "rlimits");
}

TEST_F(image, malformed_header)
{
	bad_header(self)->h.len += 8;
	expect_refused(_metadata, self, EINVAL, "header record");
	memcpy(self->bad.buf, self->img.buf, self->img.len);
	bad_header(self)->h.type = CKPT_HDR_TAIL;
	expect_refused(_metadata, self, EINVAL, "header record");
	memcpy(self->bad.buf, self->img.buf, self->img.len);
	bad_header(self)->__reserved = 1;
	expect_refused(_metadata, self, EINVAL, "reserved");
	memcpy(self->bad.buf, self->img.buf, self->img.len);
	memset(bad_header(self)->uts_machine, 'm', CKPT_UTS_LEN);
	expect_refused(_metadata, self, EINVAL, "unterminated");
	memcpy(self->bad.buf, self->img.buf, self->img.len);
	/* What a newer kernel may write is refused as not runnable here. */
	bad_header(self)->flags = 1ULL << 40;
	expect_refused(_metadata, self, ENOEXEC, "flags");
	memcpy(self->bad.buf, self->img.buf, self->img.len);
	bad_header(self)->ckpt_id = 0;
	expect_refused(_metadata, self, EINVAL, "id 0");
}

TEST_F(image, malformed_arch_header)
{
	bad_arch(self)->h.len += 8;
	expect_refused(_metadata, self, EINVAL, "length");
	memcpy(self->bad.buf, self->img.buf, self->img.len);
	bad_arch(self)->h.type = 77;
	expect_refused(_metadata, self, EINVAL, "type 77");
	memcpy(self->bad.buf, self->img.buf, self->img.len);
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
	memcpy(self->bad.buf, self->img.buf, self->img.len);
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
		memcpy(self->bad.buf, self->img.buf, self->img.len);
		bad_arch(self)->features |= 1ULL << bit;
#if defined(__arm__)
		if ((1ULL << bit) == CKPT_ARM_FEAT_VFP)
			((struct ckpt_hdr_arch_arm *)bad_arch(self))->vfp_nregs = 16;
#endif
		TH_LOG("feature bit %d, which this CPU lacks", bit);
		expect_refused(_metadata, self, ENOEXEC, "lacks");
	}
}

TEST_F(image, unexpected_record)
{
	bad_tail(self)->h.type = 99;
	expect_refused(_metadata, self, EINVAL, "type 99");
}

TEST_F(image, wrong_checksum)
{
	bad_tail(self)->crc32c ^= 1;
	expect_refused(_metadata, self, EBADMSG, "checksum");
}

/* A flipped byte the header checks cannot see is caught by the checksum. */
TEST_F(image, corrupt_byte)
{
	char *v = bad_header(self)->uts_version;

	ASSERT_NE(0, v[0]);
	v[0] = v[0] == 'Z' ? 'Y' : 'Z';
	expect_refused(_metadata, self, EBADMSG, "checksum");
}

TEST_F(image, wrong_tail_counts)
{
	bad_tail(self)->image_len += 8;
	ckpt_fix_tail(&self->bad);
	expect_refused(_metadata, self, EBADMSG, "bytes");
	memcpy(self->bad.buf, self->img.buf, self->img.len);
	bad_tail(self)->nr_records++;
	expect_refused(_metadata, self, EBADMSG, "records");
	memcpy(self->bad.buf, self->img.buf, self->img.len);
	bad_tail(self)->magic[0] = 0;
	expect_refused(_metadata, self, EINVAL, "magic");
}

/* Every proper prefix of the image is refused, record boundaries included. */
TEST_F(image, truncated_everywhere)
{
	int boundaries = 0;

	for (size_t len = 0; len < self->img.len; len++) {
		int err = try_restart(_metadata, self, self->img.buf, len);

		ASSERT_EQ(ENODATA, err) TH_LOG("prefix of %zu bytes: %s", len, self->log);
		ASSERT_TRUE(ckpt_log_ok(self->log, "restart: ", "truncated"))
			TH_LOG("prefix of %zu bytes: log \"%s\"", len, self->log);
		if (len % CKPT_ALIGN == 0 &&
		    (len == 0 || len == sizeof(struct ckpt_hdr_header) ||
		     len == (size_t)((uint8_t *)bad_tail(self) - self->bad.buf)))
			boundaries++;
	}
	EXPECT_EQ(3, boundaries);
	check_caller(_metadata, self);
}

/* The same through a pipe whose writer goes away early. */
TEST_F(image, truncated_stream)
{
	size_t cut = ckpt_tail_offset(&self->img) + 4;
	int p[2];

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(cut, write(p[1], self->img.buf, cut));
	close(p[1]);
	EXPECT_EQ(-1, sys_restart(0, p[0], 0, self->lp[1]));
	EXPECT_EQ(ENODATA, errno);
	close(p[0]);
	ASSERT_LT(0, ckpt_log_read(self->lp[0], self->log, sizeof(self->log)));
	EXPECT_TRUE(ckpt_log_ok(self->log, "restart: ", "truncated")) TH_LOG("%s", self->log);
	check_caller(_metadata, self);
}

TEST_HARNESS_MAIN
