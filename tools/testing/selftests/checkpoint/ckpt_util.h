/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the checkpoint selftests: system call wrappers, reading an
 * image into memory, walking its records and computing its checksum.
 */
#ifndef _CKPT_UTIL_H
#define _CKPT_UTIL_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/checkpoint.h>
#include <linux/checkpoint_hdr.h>
#include <asm/checkpoint_hdr.h>

#if defined(__powerpc__)
#include <asm/cputable.h>
#elif defined(__arm__)
#include <asm/hwcap.h>
#endif

static inline long sys_checkpoint(pid_t pid, int fd, unsigned long flags, int logfd)
{
	return syscall(__NR_checkpoint, pid, fd, flags, logfd);
}

static inline long sys_restart(pid_t pid, int fd, unsigned long flags, int logfd)
{
	return syscall(__NR_restart, pid, fd, flags, logfd);
}

/*
 * CRC32C, bit by bit (independent of the kernel's table-driven code),
 * continued over @len more bytes: start with ~0, finish with ~.
 */
static inline uint32_t ckpt_crc32c_add(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len--) {
		crc ^= *p++;
		for (int i = 0; i < 8; i++)
			crc = (crc >> 1) ^ (0x82f63b78 & -(crc & 1));
	}
	return crc;
}

static inline uint32_t ckpt_crc32c(const void *buf, size_t len)
{
	return ~ckpt_crc32c_add(~0U, buf, len);
}

struct ckpt_image {
	uint8_t *buf;
	size_t len;
};

/* Read everything from @fd (from its current position) into @img. */
static inline int ckpt_slurp(int fd, struct ckpt_image *img)
{
	size_t cap = 4096;
	ssize_t n;

	img->buf = malloc(cap);
	img->len = 0;
	if (!img->buf)
		return -1;
	while ((n = read(fd, img->buf + img->len, cap - img->len)) > 0) {
		img->len += n;
		if (img->len == cap) {
			uint8_t *b = realloc(img->buf, cap *= 2);

			if (!b)
				return -1;
			img->buf = b;
		}
	}
	return n < 0 ? -1 : 0;
}

/* An anonymous temporary file, open for reading and writing. */
static inline int ckpt_tmpfile(void)
{
	char path[] = "/tmp/ckpt-XXXXXX";
	int fd = mkstemp(path);

	if (fd >= 0)
		unlink(path);
	return fd;
}

/*
 * Unmap the shared anonymous memory the caller inherited: the pages the
 * kselftest harness shares between a test's process and the runner (its
 * results, _metadata), and any a test mapped before it forked.  A target
 * forked by a test calls it first: shared with the test process, outside
 * the target's tree, such memory refuses checkpoint(2) (EOPNOTSUPP).  A
 * process that calls it must not use the harness's macros any more (its
 * ASSERT and EXPECT write _metadata): it reports by its exit status.
 * Returns 0, or -1 with errno set.
 */
static inline int ckpt_drop_shared_anon(void)
{
	unsigned long start[64], end[64];
	int n = 0, ret = 0;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f) && n < 64) {
		char perms[8] = "", path[256] = "";

		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %255[^\n]",
			   &start[n], &end[n], perms, path) < 3)
			continue;
		if (perms[3] == 's' && !strcmp(path, "/dev/zero (deleted)"))
			n++;
	}
	fclose(f);
	/* Unmapped after the walk, which reads the list it would change. */
	while (n--)
		if (munmap((void *)start[n], end[n] - start[n]))
			ret = -1;
	return ret;
}

/*
 * Self checkpoints.
 *
 * ckpt_self_checkpoint() checkpoints the calling process with
 * CKPT_CHECKPOINT_INHERIT_STDIO, so that descriptors 0-2 (often a console,
 * which checkpoint(2) cannot save) are taken from whoever restarts the
 * image, and CKPT_CHECKPOINT_EXTERNAL_SHMEM: a test's process shares the
 * harness's pages with the runner, which the restarted process (it only
 * exits) gets a copy of.  The caller must be single-threaded, without children, and hold no
 * descriptor checkpoint(2) refuses (a deleted file such as ckpt_tmpfile()
 * makes, a socket...) other than @fd, the image, which a self checkpoint
 * does not save.
 *
 * In a process restarted from such an image, checkpoint(2) returns 0 and
 * ckpt_self_checkpoint() does not return: the process checks that it is a
 * restarted one (another pid than the one that took the image, @fd not
 * open), runs ckpt_self_hook if set, and exits with
 * CKPT_SELF_EXIT + n, n being the number of the self checkpoint in the
 * process that took the image (1 for its first one): its exit status tells
 * which image was restarted.  A failed check exits with a code below,
 * after a line on fd 2.
 */
#define CKPT_SELF_EXIT		110	/* + n: restarted from self checkpoint n */
#define CKPT_SELF_MAX		15	/* n is capped to this */
#define CKPT_SELF_SAME_PID	105	/* checkpoint(2) returned 0 in the process that called it */
#define CKPT_SELF_FD_SAVED	106	/* the image descriptor was saved */
/* The codes of ckpt_restart_child(), as in ckpt_task.h. */
#define CKPT_CHILD_RETURNED	102	/* restart(2) returned 0 to its caller */
#define CKPT_CHILD_ERRNO	128	/* + errno: restart(2) failed */

/* Number of self checkpoints the process took (or tried). */
static int ckpt_self_seq;
/*
 * Run by a process restarted from a self checkpoint: 0 if its state is as
 * expected, else an exit code from 1 to 99 (after a line on fd 2).
 */
static int (*ckpt_self_hook)(void);

static inline void __attribute__((format(printf, 1, 2))) ckpt_self_say(const char *fmt, ...)
{
	char buf[300];
	int n = snprintf(buf, sizeof(buf), "# restarted pid %d: ", (int)syscall(SYS_getpid));
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

static inline int ckpt_self_restarted(pid_t pid, int seq, int fd)
{
	int code;

	if (syscall(SYS_getpid) == pid) {
		ckpt_self_say("checkpoint(2) returned 0 in the process that called it "
			      "(or restart(2) of its own image succeeded in it)");
		return CKPT_SELF_SAME_PID;
	}
	if (fd > 2 && fcntl(fd, F_GETFD) >= 0) {
		ckpt_self_say("the image fd %d of the self checkpoint is open", fd);
		return CKPT_SELF_FD_SAVED;
	}
	if (ckpt_self_hook) {
		code = ckpt_self_hook();
		if (code)
			return code;
	}
	return CKPT_SELF_EXIT + (seq < CKPT_SELF_MAX ? seq : CKPT_SELF_MAX);
}

/*
 * Checkpoint the caller into @fd, logging into @logfd (-1: no log).
 * Returns the checkpoint id, or -1 with errno set.
 */
static inline long ckpt_self_checkpoint(int fd, int logfd)
{
	pid_t pid = syscall(SYS_getpid);
	int seq = ++ckpt_self_seq;
	long id = sys_checkpoint(0, fd, CKPT_CHECKPOINT_INHERIT_STDIO |
				 CKPT_CHECKPOINT_EXTERNAL_SHMEM, logfd);
	int err = errno;

	if (id == 0)
		_exit(ckpt_self_restarted(pid, seq, fd));
	errno = err;
	return id;
}

/*
 * Checkpoint the caller into an unlinked file in /tmp and read the image
 * back into @img.  Returns the id, or -1 with errno set (and, for a failed
 * checkpoint, a line on @logfd).
 */
static inline long ckpt_self_image(struct ckpt_image *img, int logfd)
{
	int fd = ckpt_tmpfile(), err;
	long id;

	img->buf = NULL;
	img->len = 0;
	if (fd < 0)
		return -1;
	id = ckpt_self_checkpoint(fd, logfd);
	err = errno;
	if (id > 0 && (lseek(fd, 0, SEEK_SET) || ckpt_slurp(fd, img))) {
		err = errno;
		id = -1;
	}
	close(fd);
	errno = err;
	return id;
}

/*
 * Fork a child that restarts the image at the current position of @fd,
 * after closing @close_fd (-1: none).  If restart(2) succeeds, the child
 * is the restarted process; else it exits with CKPT_CHILD_ERRNO + errno,
 * or CKPT_CHILD_RETURNED if restart(2) returned 0.
 */
static inline pid_t ckpt_restart_child(int fd, int logfd, int close_fd)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		long ret;
		int err;

		if (close_fd >= 0)
			close(close_fd);
		ret = sys_restart(0, fd, 0, logfd);
		err = errno;
		if (ret == 0)
			_exit(CKPT_CHILD_RETURNED);
		_exit(CKPT_CHILD_ERRNO + (err > 0 && err < 127 ? err : 127));
	}
	return pid;
}

/* What the wait status of a restarting child or a restarted process means. */
static inline const char *ckpt_self_status_str(int status, char *buf, size_t size)
{
	if (WIFEXITED(status)) {
		int code = WEXITSTATUS(status);

		if (code > CKPT_SELF_EXIT && code <= CKPT_SELF_EXIT + CKPT_SELF_MAX)
			snprintf(buf, size, "restarted from self checkpoint %d", code - CKPT_SELF_EXIT);
		else if (code == CKPT_SELF_SAME_PID)
			snprintf(buf, size, "checkpoint(2) returned 0 in the process that called it");
		else if (code == CKPT_SELF_FD_SAVED)
			snprintf(buf, size, "the restarted process has the image fd");
		else if (code == CKPT_CHILD_RETURNED)
			snprintf(buf, size, "restart(2) returned 0 to its caller");
		else if (code > CKPT_CHILD_ERRNO)
			snprintf(buf, size, "restart(2) failed: %s", strerror(code - CKPT_CHILD_ERRNO));
		else if (code > 0 && code < 100)
			snprintf(buf, size, "check %d of the restarted process failed", code);
		else
			snprintf(buf, size, "exited %d", code);
	} else if (WIFSIGNALED(status)) {
		snprintf(buf, size, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	} else {
		snprintf(buf, size, "wait status %#x", status);
	}
	return buf;
}

/* Write @len bytes of @buf to a new temporary file, positioned at 0. */
static inline int ckpt_image_file(const void *buf, size_t len)
{
	int fd = ckpt_tmpfile();

	if (fd < 0)
		return -1;
	if (write(fd, buf, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Walk the records of an image: returns the offset of the next record
 * after the one at @off, or 0 when the record at @off is malformed
 * (bad length, beyond the end, non-zero padding).
 */
static inline size_t ckpt_next_record(const struct ckpt_image *img, size_t off)
{
	const struct ckpt_hdr *h = (const void *)(img->buf + off);
	uint64_t end;

	/* In 64 bits: a length near 4 GiB must not wrap around (32-bit size_t). */
	if (off % CKPT_ALIGN || (uint64_t)off + sizeof(*h) > img->len ||
	    h->len < sizeof(*h))
		return 0;
	end = (uint64_t)off + (((uint64_t)h->len + CKPT_ALIGN - 1) & ~(uint64_t)(CKPT_ALIGN - 1));
	if (end > img->len)
		return 0;
	for (size_t i = off + h->len; i < end; i++)
		if (img->buf[i])
			return 0;
	return end;
}

/* Offset of the tail record, or 0 if the image does not parse. */
static inline size_t ckpt_tail_offset(const struct ckpt_image *img)
{
	size_t off = 0, next;

	while ((next = ckpt_next_record(img, off))) {
		const struct ckpt_hdr *h = (const void *)(img->buf + off);

		if (h->type == CKPT_HDR_TAIL)
			return next == img->len ? off : 0;
		off = next;
	}
	return 0;
}

/*
 * The page contents at the end of the record at @off, if it is a
 * well-formed PAGES or PRECOPY record: their length, which the image
 * checksum does not cover; else 0.
 */
static inline size_t ckpt_page_data_len(const struct ckpt_image *img, size_t off)
{
	const struct ckpt_hdr_pages *p = (const void *)(img->buf + off);
	const struct ckpt_hdr_precopy *pc = (const void *)p;
	uint64_t pg = sysconf(_SC_PAGESIZE);

	/* A pre-copy round's record: the same, with a longer header. */
	if (pc->h.type == CKPT_HDR_PRECOPY && off + sizeof(*pc) <= img->len &&
	    pc->h.len == sizeof(*pc) + (uint64_t)pc->nr_pages * (sizeof(pc->addr[0]) + pg))
		return pc->nr_pages * pg;
	if (p->h.type != CKPT_HDR_PAGES || p->h.len < sizeof(*p) ||
	    p->h.len != sizeof(*p) + (uint64_t)p->nr_pages * (sizeof(p->addr[0]) + pg))
		return 0;
	return p->nr_pages * pg;
}

/* Is byte @pos of @img page contents, outside the checksum? */
static inline bool ckpt_in_page_data(const struct ckpt_image *img, size_t pos)
{
	size_t off = 0, next;

	while ((next = ckpt_next_record(img, off))) {
		if (pos < next) {
			const struct ckpt_hdr *h = (const void *)(img->buf + off);

			return pos < off + h->len &&
			       pos >= off + h->len - ckpt_page_data_len(img, off);
		}
		off = next;
	}
	return false;
}

/*
 * The checksum of the first @end bytes of @img, as its tail carries it:
 * the CRC32C of every byte but the page contents of PAGES and PRECOPY
 * records.
 */
static inline uint32_t ckpt_image_crc32c(const struct ckpt_image *img, size_t end)
{
	size_t off = 0, from = 0, next;
	uint32_t crc = ~0U;

	while (off < end && (next = ckpt_next_record(img, off))) {
		const struct ckpt_hdr *h = (const void *)(img->buf + off);
		size_t data = ckpt_page_data_len(img, off);

		if (data && off + h->len <= end) {
			crc = ckpt_crc32c_add(crc, img->buf + from, off + h->len - data - from);
			from = off + h->len;
		}
		off = next;
	}
	return ~ckpt_crc32c_add(crc, img->buf + from, end - from);
}

/* Recompute the tail record of a modified image. */
static inline void ckpt_fix_tail(struct ckpt_image *img)
{
	size_t off = ckpt_tail_offset(img);
	struct ckpt_hdr_tail *t = (void *)(img->buf + off);

	if (off)
		t->crc32c = ckpt_image_crc32c(img, off);
}

/*
 * A crafted image: the header and the CPU feature record this kernel would
 * write, computed in user space, then the tail.  Restart accepts both
 * records and then fails at the tail, where the task record should be:
 * enough to test the header checks on an architecture whose task
 * checkpoint is not implemented yet.
 */
#if defined(__x86_64__)
typedef struct ckpt_hdr_arch_x86 ckpt_arch_rec_t;

static inline void ckpt_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

static inline void ckpt_craft_arch(ckpt_arch_rec_t *a)
{
	uint32_t r[4];

	ckpt_cpuid(1, 0, r);
	if (r[3] & (1u << 24))
		a->a.features |= CKPT_X86_FEAT_FXSR;
	/* XSAVE, enabled by the kernel (OSXSAVE). */
	if ((r[2] & (1u << 26)) && (r[2] & (1u << 27))) {
		uint32_t lo, hi;

		a->a.features |= CKPT_X86_FEAT_XSAVE;
		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		a->xfeatures = (uint64_t)hi << 32 | lo;
		ckpt_cpuid(0xd, 0, r);
		a->xstate_size = r[1];
	}
}
#elif defined(__s390x__)
typedef struct ckpt_hdr_arch_s390 ckpt_arch_rec_t;

static inline void ckpt_craft_arch(ckpt_arch_rec_t *a)
{
	/* HWCAP_S390_VXRS of the kernel's asm/elf.h, which is not uapi. */
	if (getauxval(AT_HWCAP) & (1UL << 11))
		a->a.features |= CKPT_S390_FEAT_VX;
}
#elif defined(__powerpc64__)
typedef struct ckpt_hdr_arch_ppc ckpt_arch_rec_t;

/* User space cannot tell whether the kernel has the DAWR: left out. */
static inline void ckpt_craft_arch(ckpt_arch_rec_t *a)
{
	unsigned long hwcap = getauxval(AT_HWCAP);

	if (hwcap & PPC_FEATURE_HAS_FPU)
		a->a.features |= CKPT_PPC_FEAT_FPU;
	if (hwcap & PPC_FEATURE_HAS_ALTIVEC)
		a->a.features |= CKPT_PPC_FEAT_VMX;
	if (hwcap & PPC_FEATURE_HAS_VSX)
		a->a.features |= CKPT_PPC_FEAT_VSX;
}
#elif defined(__arm__)
typedef struct ckpt_hdr_arch_arm ckpt_arch_rec_t;

static inline void ckpt_craft_arch(ckpt_arch_rec_t *a)
{
	unsigned long hwcap = getauxval(AT_HWCAP);

	a->isa_level = 7;
	a->mmu = 1;
	if (hwcap & HWCAP_VFP) {
		a->a.features |= CKPT_ARM_FEAT_VFP;
		a->vfp_nregs = (hwcap & HWCAP_VFPD32) ? 32 : 16;
	}
	if (hwcap & HWCAP_NEON)
		a->a.features |= CKPT_ARM_FEAT_NEON;
}
#else
#error "checkpoint selftests: unsupported architecture"
#endif

/* Offsets of the records of a crafted image. */
#define CKPT_CRAFT_ARCH_OFF	sizeof(struct ckpt_hdr_header)
#define CKPT_CRAFT_TAIL_OFF	(CKPT_CRAFT_ARCH_OFF + \
				 ((sizeof(ckpt_arch_rec_t) + CKPT_ALIGN - 1) & ~(size_t)(CKPT_ALIGN - 1)))

/* Build a crafted image into @img (malloc()ed).  Returns 0 or -1. */
static inline int ckpt_craft_image(struct ckpt_image *img)
{
	const uint16_t one = 1;
	struct ckpt_hdr_header *h;
	ckpt_arch_rec_t *a;
	struct ckpt_hdr_tail *t;
	struct utsname uts;
	struct timespec now;

	img->len = CKPT_CRAFT_TAIL_OFF + sizeof(*t);
	img->buf = calloc(1, img->len);
	if (!img->buf || uname(&uts) || clock_gettime(CLOCK_REALTIME, &now))
		return -1;
	h = (void *)img->buf;
	h->h.type = CKPT_HDR_HEADER;
	h->h.len = sizeof(*h);
	memcpy(h->magic, CKPT_HEADER_MAGIC, CKPT_MAGIC_LEN);
	h->version = CKPT_VERSION;
	h->arch_id = CKPT_ARCH_ID;
	h->word_size = sizeof(long);
	h->endian = *(const uint8_t *)&one ? CKPT_ENDIAN_LITTLE : CKPT_ENDIAN_BIG;
	h->page_size = sysconf(_SC_PAGESIZE);
	h->task_comm_len = CKPT_COMM_LEN;
	/* As ckpt_self_checkpoint() writes it. */
	h->flags = CKPT_CHECKPOINT_INHERIT_STDIO | CKPT_CHECKPOINT_EXTERNAL_SHMEM;
	h->ckpt_id = 0x7ffffffe;
	h->time_sec = now.tv_sec;
	h->time_nsec = now.tv_nsec;
	h->nsig = CKPT_NSIG;
	h->nr_rlimits = CKPT_RLIM_NLIMITS;
	snprintf(h->uts_release, sizeof(h->uts_release), "%s", uts.release);
	snprintf(h->uts_version, sizeof(h->uts_version), "%s", uts.version);
	snprintf(h->uts_machine, sizeof(h->uts_machine), "%s", uts.machine);

	a = (void *)(img->buf + CKPT_CRAFT_ARCH_OFF);
	a->a.h.type = CKPT_HDR_HEADER_ARCH;
	a->a.h.len = sizeof(*a);
	ckpt_craft_arch(a);

	t = (void *)(img->buf + CKPT_CRAFT_TAIL_OFF);
	t->h.type = CKPT_HDR_TAIL;
	t->h.len = sizeof(*t);
	memcpy(t->magic, CKPT_TAIL_MAGIC, CKPT_MAGIC_LEN);
	t->nr_records = 2;
	t->image_len = CKPT_CRAFT_TAIL_OFF;
	t->crc32c = ckpt_crc32c(img->buf, CKPT_CRAFT_TAIL_OFF);
	return 0;
}

/*
 * A pipe for the log file descriptor.  The read end is non-blocking so that
 * a test can check that nothing was logged.
 */
static inline int ckpt_log_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC))
		return -1;
	return fcntl(fds[0], F_SETFL, O_NONBLOCK);
}

/* Read what was logged into @buf; returns the number of bytes, or -1. */
static inline ssize_t ckpt_log_read(int fd, char *buf, size_t size)
{
	ssize_t n = read(fd, buf, size - 1);

	if (n < 0 && errno == EAGAIN)
		n = 0;
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/*
 * Check a log: exactly one line, starting with @prefix ("checkpoint: " or
 * "restart: ") and containing @word.
 */
static inline bool ckpt_log_ok(const char *log, const char *prefix, const char *word)
{
	size_t n = strlen(log);

	return n && strncmp(log, prefix, strlen(prefix)) == 0 &&
	       strchr(log, '\n') == log + n - 1 && strstr(log, word);
}

#endif /* _CKPT_UTIL_H */
