// SPDX-License-Identifier: GPL-2.0
/*
 * checkpoint(2) image header, CPU feature record and tail: write an image
 * into a file and into a pipe, parse it with the uapi headers and compare
 * every field with what the running system reports.
 */

#include "ckpt_util.h"

#include <signal.h>
#include <sys/auxv.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>

#include "../kselftest_harness.h"

#if defined(__powerpc__)
#include <asm/cputable.h>
#elif defined(__arm__)
#include <asm/hwcap.h>
#endif

static bool host_big_endian(void)
{
	const uint16_t one = 1;

	return *(const uint8_t *)&one == 0;
}

#if defined(__x86_64__)
static void cpuid_count(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

static void check_arch_header(struct __test_metadata *_metadata,
			      const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_arch_x86 *a = (const void *)h;
	bool xsave;
	uint32_t r[4];

	ASSERT_EQ(sizeof(*a), h->len);
	cpuid_count(1, 0, r);
	EXPECT_EQ(!!(r[3] & (1u << 24)), !!(a->a.features & CKPT_X86_FEAT_FXSR));
	xsave = (r[2] & (1u << 26)) && (r[2] & (1u << 27));
	ASSERT_EQ(xsave, !!(a->a.features & CKPT_X86_FEAT_XSAVE));
	if (xsave) {
		uint32_t lo, hi;

		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		/* The user components are the ones enabled in XCR0. */
		EXPECT_EQ(((uint64_t)hi << 32 | lo), a->xfeatures);
		cpuid_count(0xd, 0, r);
		EXPECT_EQ(r[1], a->xstate_size);
		/* x87 and SSE state are always there. */
		EXPECT_EQ(3, a->xfeatures & 3);
	} else {
		EXPECT_EQ(0, a->xfeatures);
		EXPECT_EQ(0, a->xstate_size);
	}
	EXPECT_EQ(0, a->__reserved);
}
#elif defined(__s390x__)
/* HWCAP_S390_VXRS of the kernel's asm/elf.h, which is not uapi. */
#define CKPT_HWCAP_S390_VXRS	(1UL << 11)

static void check_arch_header(struct __test_metadata *_metadata,
			      const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_arch_s390 *a = (const void *)h;

	ASSERT_EQ(sizeof(*a), h->len);
	EXPECT_EQ(!!(getauxval(AT_HWCAP) & CKPT_HWCAP_S390_VXRS),
		  !!(a->a.features & CKPT_S390_FEAT_VX));
}
#elif defined(__powerpc64__)
static void check_arch_header(struct __test_metadata *_metadata,
			      const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_arch_ppc *a = (const void *)h;
	unsigned long hwcap = getauxval(AT_HWCAP);

	ASSERT_EQ(sizeof(*a), h->len);
	EXPECT_EQ(!!(hwcap & PPC_FEATURE_HAS_FPU), !!(a->a.features & CKPT_PPC_FEAT_FPU));
	EXPECT_EQ(!!(hwcap & PPC_FEATURE_HAS_ALTIVEC),
		  !!(a->a.features & CKPT_PPC_FEAT_VMX));
	EXPECT_EQ(!!(hwcap & PPC_FEATURE_HAS_VSX), !!(a->a.features & CKPT_PPC_FEAT_VSX));
}
#elif defined(__arm__)
static void check_arch_header(struct __test_metadata *_metadata,
			      const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_arch_arm *a = (const void *)h;
	unsigned long hwcap = getauxval(AT_HWCAP);

	ASSERT_EQ(sizeof(*a), h->len);
	EXPECT_EQ(7, a->isa_level);
	EXPECT_EQ(1, a->mmu);
	EXPECT_EQ(!!(hwcap & HWCAP_VFP), !!(a->a.features & CKPT_ARM_FEAT_VFP));
	EXPECT_EQ(!!(hwcap & HWCAP_NEON), !!(a->a.features & CKPT_ARM_FEAT_NEON));
	if (hwcap & HWCAP_VFP) {
		EXPECT_EQ((hwcap & HWCAP_VFPD32) ? 32 : 16, a->vfp_nregs);
	} else {
		EXPECT_EQ(0, a->vfp_nregs);
	}
	EXPECT_EQ(0, a->__reserved);
}
#else
#error "checkpoint selftests: unsupported architecture"
#endif

/*
 * Check an image of the caller: header fields against the running system,
 * the record layout, the CPU feature record and the tail checksum.
 */
static void check_image(struct __test_metadata *_metadata,
			const struct ckpt_image *img, long id,
			const struct timespec *before,
			const struct timespec *after)
{
	const struct ckpt_hdr_header *hh = (const void *)img->buf;
	const struct ckpt_hdr_header_arch *ah;
	const struct ckpt_hdr_tail *t;
	size_t off, next, tail;
	unsigned int nr = 0;
	struct utsname uts;

	ASSERT_GE(img->len, sizeof(*hh));
	ASSERT_EQ(CKPT_HDR_HEADER, hh->h.type);
	ASSERT_EQ(sizeof(*hh), hh->h.len);
	ASSERT_EQ(0, memcmp(hh->magic, CKPT_HEADER_MAGIC, CKPT_MAGIC_LEN));
	EXPECT_EQ(CKPT_VERSION, hh->version);
	EXPECT_EQ(CKPT_ARCH_ID, hh->arch_id);
	EXPECT_EQ(sizeof(long), hh->word_size);
	EXPECT_EQ(host_big_endian() ? CKPT_ENDIAN_BIG : CKPT_ENDIAN_LITTLE, hh->endian);
	EXPECT_EQ(sysconf(_SC_PAGESIZE), hh->page_size);
	EXPECT_EQ(16, hh->task_comm_len);
	EXPECT_EQ(SIGRTMAX, hh->nsig);
	EXPECT_EQ(RLIM_NLIMITS, hh->nr_rlimits);
	EXPECT_EQ(0, hh->flags);
	EXPECT_EQ(id, hh->ckpt_id);
	EXPECT_EQ(0, hh->__reserved);
	EXPECT_LE(before->tv_sec, hh->time_sec);
	EXPECT_GE(after->tv_sec, hh->time_sec);
	EXPECT_LT(hh->time_nsec, 1000000000);
	ASSERT_EQ(0, uname(&uts));
	EXPECT_STREQ(uts.release, hh->uts_release);
	EXPECT_STREQ(uts.version, hh->uts_version);
	EXPECT_STREQ(uts.machine, hh->uts_machine);

	/* Every record is 8-byte aligned with zero padding; the tail is last. */
	tail = 0;
	for (off = 0; off < img->len; off = next) {
		const struct ckpt_hdr *h = (const void *)(img->buf + off);

		ASSERT_EQ(0, off % CKPT_ALIGN);
		next = ckpt_next_record(img, off);
		ASSERT_NE(0, next) TH_LOG("malformed record at offset %zu", off);
		if (h->type == CKPT_HDR_TAIL) {
			tail = off;
			ASSERT_EQ(img->len, next) TH_LOG("data after the tail");
			break;
		}
		nr++;
	}
	ASSERT_NE(0, tail);
	/* Header, CPU feature record, tail: nothing else yet. */
	EXPECT_EQ(2, nr);

	ah = (const void *)(img->buf + sizeof(*hh));
	ASSERT_EQ(CKPT_HDR_HEADER_ARCH, ah->h.type);
	check_arch_header(_metadata, &ah->h);

	t = (const void *)(img->buf + tail);
	ASSERT_EQ(sizeof(*t), t->h.len);
	EXPECT_EQ(0, memcmp(t->magic, CKPT_TAIL_MAGIC, CKPT_MAGIC_LEN));
	EXPECT_EQ(tail, t->image_len);
	EXPECT_EQ(nr, t->nr_records);
	EXPECT_EQ(ckpt_crc32c(img->buf, tail), t->crc32c);
}

TEST(file_round_trip)
{
	struct timespec before, after;
	struct ckpt_image img;
	int fd = ckpt_tmpfile();
	long id;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, clock_gettime(CLOCK_REALTIME, &before));
	id = sys_checkpoint(0, fd, 0, -1);
	ASSERT_EQ(0, clock_gettime(CLOCK_REALTIME, &after));
	ASSERT_LT(0, id) TH_LOG("checkpoint: %s", strerror(errno));

	/* The file position moved past the image, as after write(2). */
	off_t end = lseek(fd, 0, SEEK_CUR);

	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	ASSERT_EQ(0, ckpt_slurp(fd, &img));
	EXPECT_EQ(img.len, end);
	check_image(_metadata, &img, id, &before, &after);

	/* And the kernel reads back what it wrote. */
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	EXPECT_EQ(0, sys_restart(0, fd, 0, -1));
	EXPECT_EQ(end, lseek(fd, 0, SEEK_CUR));
	free(img.buf);
	close(fd);
}

TEST(pipe_round_trip)
{
	struct timespec before, after;
	struct ckpt_image img;
	int p[2], q[2];
	long id;

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, clock_gettime(CLOCK_REALTIME, &before));
	id = sys_checkpoint(0, p[1], 0, -1);
	ASSERT_EQ(0, clock_gettime(CLOCK_REALTIME, &after));
	ASSERT_LT(0, id) TH_LOG("checkpoint: %s", strerror(errno));
	close(p[1]);
	ASSERT_EQ(0, ckpt_slurp(p[0], &img));
	close(p[0]);
	check_image(_metadata, &img, id, &before, &after);

	/* Restart reads the same stream from a pipe. */
	ASSERT_EQ(0, pipe(q));
	ASSERT_EQ(img.len, write(q[1], img.buf, img.len));
	close(q[1]);
	EXPECT_EQ(0, sys_restart(0, q[0], 0, -1));
	close(q[0]);
	free(img.buf);
}

/* A reader that drains the pipe slowly: the kernel writes in pieces. */
TEST(pipe_small_reads)
{
	struct timespec before, after;
	struct ckpt_image img = { malloc(65536), 0 };
	int p[2], r[2];
	pid_t child;
	long id;

	ASSERT_TRUE(img.buf != NULL);
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, pipe(r));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		char c[7];
		ssize_t n;

		close(p[1]);
		close(r[0]);
		while ((n = read(p[0], c, sizeof(c))) > 0) {
			usleep(1000);
			if (write(r[1], c, n) != n)
				_exit(1);
		}
		_exit(n < 0);
	}
	close(p[0]);
	close(r[1]);
	ASSERT_EQ(0, clock_gettime(CLOCK_REALTIME, &before));
	id = sys_checkpoint(0, p[1], 0, -1);
	ASSERT_EQ(0, clock_gettime(CLOCK_REALTIME, &after));
	ASSERT_LT(0, id);
	close(p[1]);
	ASSERT_EQ(0, ckpt_slurp(r[0], &img));
	check_image(_metadata, &img, id, &before, &after);
	free(img.buf);
}

TEST(ids_differ_and_images_follow_each_other)
{
	struct timespec before, after;
	struct ckpt_image img, first, second;
	int fd = ckpt_tmpfile();
	long id1, id2;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, clock_gettime(CLOCK_REALTIME, &before));
	id1 = sys_checkpoint(0, fd, 0, -1);
	id2 = sys_checkpoint(0, fd, 0, -1);
	ASSERT_EQ(0, clock_gettime(CLOCK_REALTIME, &after));
	ASSERT_LT(0, id1);
	ASSERT_LT(0, id2);
	EXPECT_NE(id1, id2);

	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	ASSERT_EQ(0, ckpt_slurp(fd, &img));
	ASSERT_EQ(0, img.len % 2);
	first.buf = img.buf;
	first.len = img.len / 2;
	second.buf = img.buf + first.len;
	second.len = first.len;
	check_image(_metadata, &first, id1, &before, &after);
	check_image(_metadata, &second, id2, &before, &after);

	/* Two restarts read the two images one after the other. */
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	EXPECT_EQ(0, sys_restart(0, fd, 0, -1));
	EXPECT_EQ(first.len, lseek(fd, 0, SEEK_CUR));
	EXPECT_EQ(0, sys_restart(0, fd, 0, -1));
	EXPECT_EQ(img.len, lseek(fd, 0, SEEK_CUR));
	free(img.buf);
	close(fd);
}

TEST(o_append_file)
{
	struct ckpt_image img;
	char path[] = "/tmp/ckpt-append-XXXXXX";
	int fd = mkstemp(path);
	int afd;

	ASSERT_LE(0, fd);
	ASSERT_EQ(4, write(fd, "abcd", 4));
	afd = open(path, O_WRONLY | O_APPEND);
	ASSERT_LE(0, afd);
	unlink(path);
	ASSERT_LT(0, sys_checkpoint(0, afd, 0, -1));
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	ASSERT_EQ(0, ckpt_slurp(fd, &img));
	ASSERT_LT(4, img.len);
	EXPECT_EQ(0, memcmp(img.buf, "abcd", 4));
	EXPECT_EQ(0, memcmp(img.buf + 4 + 8, CKPT_HEADER_MAGIC, CKPT_MAGIC_LEN));
	free(img.buf);
	close(afd);
	close(fd);
}

TEST(no_such_process)
{
	char log[256];
	int lp[2], fd = ckpt_tmpfile();
	pid_t child;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ckpt_log_pipe(lp));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0)
		_exit(0);
	ASSERT_EQ(child, waitpid(child, NULL, 0));
	EXPECT_EQ(-1, sys_checkpoint(child, fd, 0, lp[1]));
	EXPECT_EQ(ESRCH, errno);
	ASSERT_LT(0, ckpt_log_read(lp[0], log, sizeof(log)));
	EXPECT_TRUE(ckpt_log_ok(log, "checkpoint: ", "no process")) TH_LOG("log: %s", log);
	EXPECT_EQ(0, lseek(fd, 0, SEEK_END)) TH_LOG("a failed checkpoint wrote data");
	close(fd);
}

TEST(other_user_gets_eperm)
{
	int status;
	pid_t child;

	if (geteuid() != 0)
		SKIP(return, "needs root to switch to another user");
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		char log[256];
		int lp[2], fd = ckpt_tmpfile();

		if (fd < 0 || ckpt_log_pipe(lp) || setgid(65534) || setuid(65534))
			_exit(10);
		/* The parent runs as root: ptrace access is denied. */
		if (sys_checkpoint(getppid(), fd, 0, lp[1]) != -1 || errno != EPERM)
			_exit(11);
		if (ckpt_log_read(lp[0], log, sizeof(log)) <= 0 ||
		    !ckpt_log_ok(log, "checkpoint: ", "permission"))
			_exit(12);
		if (lseek(fd, 0, SEEK_END) != 0)
			_exit(13);
		/* Its own process it may checkpoint. */
		if (sys_checkpoint(0, fd, 0, -1) <= 0)
			_exit(14);
		_exit(0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
