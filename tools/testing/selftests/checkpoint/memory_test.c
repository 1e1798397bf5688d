// SPDX-License-Identifier: GPL-2.0
/*
 * Memory across checkpoint(2) and restart(2): each target sets up some
 * mappings, stops, and after restart checks their contents, protections
 * and /proc/self/maps lines against what it recorded before.
 *
 * sparse anonymous memory (holes stay holes), a 64 MiB region, private file
 * mappings with dirty pages, shared file mappings, memfd and shared
 * anonymous memory, PROT_NONE, read-only and locked regions, the heap (brk),
 * a deep stack and the vdso.
 */

#include "ckpt_task.h"

#include <sys/auxv.h>
#include <sys/time.h>

static long pagesz(void)
{
	return sysconf(_SC_PAGESIZE);
}

/* /proc/self/maps of @addr must be the line recorded before. */
#define CHECK_MAPS(addr, before) do {						\
	char __now[256] = "";							\
	int __r = ckpt_maps_line(addr, __now, sizeof(__now));			\
	CHECKF(!__r && !strcmp(__now, before), "maps was \"%s\", now \"%s\"",	\
	       before, __r ? "(no mapping)" : __now);				\
} while (0)

/*
 * A maps line without its inode number: a restarted shared memory object
 * (memfd, MAP_SHARED | MAP_ANONYMOUS) is a new inode.
 */
static void strip_inode(const char *line, char *out, size_t size)
{
	char range[64], perms[8], off[32], dev[16];
	unsigned long ino;
	int n = 0;

	if (sscanf(line, "%63s %7s %31s %15s %lu%n", range, perms, off, dev, &ino, &n) < 5 || !n) {
		snprintf(out, size, "%s", line);
		return;
	}
	line += n;
	while (*line == ' ')
		line++;
	snprintf(out, size, "%s %s %s %s %s", range, perms, off, dev, line);
}

#define CHECK_MAPS_NOINO(addr, before) do {					\
	char __now[256] = "", __a[256], __b[256];				\
	int __r = ckpt_maps_line(addr, __now, sizeof(__now));			\
	strip_inode(__now, __a, sizeof(__a));					\
	strip_inode(before, __b, sizeof(__b));					\
	CHECKF(!__r && !strcmp(__a, __b), "maps was \"%s\", now \"%s\"",	\
	       before, __r ? "(no mapping)" : __now);				\
} while (0)

/*
 * The heap's maps line, allowing the heap to have merged with the private
 * anonymous mapping below it (the program's bss): mmap() re-creates them
 * with the same flags, and the kernel merges such neighbours.  Its end,
 * permissions, offset, device, inode and name must be those of before.
 */
static bool heap_line_same(const char *before, const char *now)
{
	unsigned long b0, b1, n0, n1;
	int bn = 0, nn = 0;

	if (sscanf(before, "%lx-%lx%n", &b0, &b1, &bn) != 2 ||
	    sscanf(now, "%lx-%lx%n", &n0, &n1, &nn) != 2)
		return false;
	return n1 == b1 && n0 <= b0 && !strcmp(before + bn, now + nn);
}

#define CHECK_MAPS_HEAP(addr, before) do {					\
	char __now[256] = "";							\
	int __r = ckpt_maps_line(addr, __now, sizeof(__now));			\
	CHECKF(!__r && heap_line_same(before, __now),				\
	       "maps was \"%s\", now \"%s\"", before,				\
	       __r ? "(no mapping)" : __now);					\
} while (0)

/* ---- sparse anonymous memory ---- */

#define SPARSE_LEN	(4UL << 20)
#define SPARSE_STEP	7
#define SPARSE_SLACK	4	/* pages a restart may populate besides */

static bool sparse_touched[SPARSE_LEN / 4096];

static void sparse_target(void *arg)
{
	long pg = pagesz();
	size_t n = SPARSE_LEN / pg, touched = 0;
	bool have_smaps = !access("/proc/self/smaps", R_OK);
	char line[256];
	uint8_t *p;
	long res, rss;

	(void)arg;
	p = mmap(NULL, SPARSE_LEN, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SETUP(p != MAP_FAILED);
	/* No huge pages: they would populate the holes (may be ENOSYS). */
	madvise(p, SPARSE_LEN, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < n; i++) {
		sparse_touched[i] = i % SPARSE_STEP == 0;
		if (sparse_touched[i]) {
			ckpt_fill(p + i * pg, pg, 0x5a000 + i);
			touched++;
		}
	}
	SETUP(ckpt_resident(p, n, NULL) == (long)touched);
	SETUP(!ckpt_maps_line(p, line, sizeof(line)));

	ckpt_stop();

	/* Holes first: reading them maps the zero page. */
	res = ckpt_resident(p, n, NULL);
	CHECKF(res >= 0 && res <= (long)(touched + SPARSE_SLACK),
	       "%ld pages resident of %zu, %zu touched", res, n, touched);
	if (have_smaps) {
		rss = ckpt_smaps_kb(p, "Rss:");
		CHECKF(rss >= 0 && rss <= (long)((touched + SPARSE_SLACK) * pg / 1024),
		       "Rss %ld kB, %zu pages of %ld kB touched", rss, touched, pg / 1024);
	}
	CHECK_MAPS(p, line);
	for (size_t i = 0; i < n; i++) {
		if (sparse_touched[i]) {
			long bad = ckpt_verify(p + i * pg, pg, 0x5a000 + i);

			CHECKF(bad < 0, "touched page %zu differs at byte %ld", i, bad);
		} else {
			CHECKF(ckpt_is_zero(p + i * pg, pg), "hole %zu is not zero", i);
		}
	}
}

/* Holes are not in the image: it is far smaller than the region. */
static void check_sparse_image(struct __test_metadata *_metadata, struct ckpt_ctx *c)
{
	off_t len = lseek(c->img, 0, SEEK_END);
	long pg = pagesz();

	EXPECT_GT(len, 0);
	EXPECT_LT(len, (off_t)(SPARSE_LEN / pg / SPARSE_STEP + 1) * pg + (2 << 20))
		TH_LOG("image of %lld bytes for %lu touched pages", (long long)len,
		       SPARSE_LEN / pg / SPARSE_STEP + 1);
}

TEST(sparse_anon)
{
	struct ckpt_ctx c;

	ckpt_ctx_init(&c);
	CKPT_RUN(&c, sparse_target, NULL);
	check_sparse_image(_metadata, &c);
}

/* The original, continued after the checkpoint, is unchanged (no hole filled). */
TEST(sparse_anon_original_unchanged)
{
	struct ckpt_ctx c;

	ckpt_ctx_init(&c);
	c.continue_original = true;
	CKPT_RUN(&c, sparse_target, NULL);
}

/* ---- a large region ---- */

#define BIG_LEN		(64UL << 20)
#define BIG_SEED	0xb19b19b19ULL

static void big_target(void *arg)
{
	uint8_t *p = mmap(NULL, BIG_LEN, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long bad;

	(void)arg;
	SETUP(p != MAP_FAILED);
	ckpt_fill(p, BIG_LEN, BIG_SEED);
	ckpt_stop();
	bad = ckpt_verify(p, BIG_LEN, BIG_SEED);
	CHECKF(bad < 0, "differs at offset %ld (page %ld)", bad, bad / pagesz());
}

/* Writing, decoding and reading back 64 MiB takes a while under QEMU. */
FIXTURE(big) {
	int unused;
};

FIXTURE_SETUP(big)
{
}

FIXTURE_TEARDOWN(big)
{
}

TEST_F_TIMEOUT(big, anon_64mib, 180)
{
	CKPT_RUN_SIMPLE(big_target, NULL);
}

/* ---- file mappings ---- */

#define FILE_SEED	0xf11e0000ULL
#define DIRTY_SEED	0xd1270000ULL
#define NEW_SEED	0x0e770000ULL

struct file_arg {
	char path[64];
	size_t npages;
};

/* A file in /tmp whose page i holds the pattern FILE_SEED + i. */
static int make_file(struct file_arg *a, size_t npages)
{
	long pg = pagesz();
	uint8_t *buf = malloc(pg);
	int fd = ckpt_named_file(a->path, sizeof(a->path), "map");

	a->npages = npages;
	if (fd < 0 || !buf)
		return -1;
	for (size_t i = 0; i < npages; i++) {
		ckpt_fill(buf, pg, FILE_SEED + i);
		if (write(fd, buf, pg) != pg)
			return -1;
	}
	free(buf);
	close(fd);
	return 0;
}

/* Page @i of the file at @path holds the pattern @seed. */
static bool file_page_is(const char *path, size_t i, uint64_t seed)
{
	static uint8_t buf[1 << 16];
	long pg = pagesz();
	int fd = open(path, O_RDONLY);
	bool ok;

	if (fd < 0 || pg > (long)sizeof(buf))
		return false;
	ok = pread(fd, buf, pg, i * pg) == pg && ckpt_verify(buf, pg, seed) < 0;
	close(fd);
	return ok;
}

static bool file_page_write(const char *path, size_t i, uint64_t seed)
{
	static uint8_t buf[1 << 16];
	long pg = pagesz();
	int fd = open(path, O_WRONLY);
	bool ok;

	if (fd < 0 || pg > (long)sizeof(buf))
		return false;
	ckpt_fill(buf, pg, seed);
	ok = pwrite(fd, buf, pg, i * pg) == pg;
	close(fd);
	return ok;
}

static bool is_dirty_page(size_t i)
{
	return i == 1 || i == 5 || i == 6 || i == 12;
}

static void private_file_target(void *arg)
{
	struct file_arg *a = arg;
	long pg = pagesz();
	size_t len = a->npages * pg;
	char line[256];
	volatile uint8_t sink;
	uint8_t *p;
	int fd;

	fd = open(a->path, O_RDONLY);
	SETUP(fd >= 0);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	SETUP(p != MAP_FAILED);
	close(fd);
	for (size_t i = 0; i < a->npages; i++) {
		if (is_dirty_page(i))
			ckpt_fill(p + i * pg, pg, DIRTY_SEED + i);
		else
			sink = p[i * pg];	/* clean, but present */
	}
	(void)sink;
	SETUP(!ckpt_maps_line(p, line, sizeof(line)));
	SETUP(strstr(line, a->path) && strstr(line, " rw-p "));

	ckpt_stop();

	CHECK_MAPS(p, line);
	for (size_t i = 0; i < a->npages; i++) {
		long bad = ckpt_verify(p + i * pg, pg,
				       (is_dirty_page(i) ? DIRTY_SEED : FILE_SEED) + i);

		CHECKF(bad < 0, "%s page %zu differs at byte %ld",
		       is_dirty_page(i) ? "modified" : "clean", i, bad);
		/* Private changes never reached the file. */
		CHECKF(file_page_is(a->path, i, FILE_SEED + i), "file page %zu changed", i);
	}
	/*
	 * Clean pages are still the file's: a write to the file shows through
	 * them, and not through the privately modified ones.
	 */
	CHECK(file_page_write(a->path, 3, NEW_SEED + 3));
	CHECKF(ckpt_verify(p + 3 * pg, pg, NEW_SEED + 3) < 0,
	       "a clean page no longer follows the file");
	CHECK(file_page_write(a->path, 5, NEW_SEED + 5));
	CHECKF(ckpt_verify(p + 5 * pg, pg, DIRTY_SEED + 5) < 0,
	       "a modified page follows the file");
}

TEST(private_file_dirty_pages)
{
	struct ckpt_ctx c;
	struct file_arg a;
	int r;

	ASSERT_EQ(0, make_file(&a, 16));
	ckpt_ctx_init(&c);
	r = ckpt_run(_metadata, &c, private_file_target, &a);
	unlink(a.path);
	if (r == CKPT_SKIPPED) {
		SKIP(return, "%s", c.skip);
	}
}

#define BEFORE_SEED	0xbef0e000ULL
#define AFTER_SEED	0xaf7e0000ULL

static void shared_file_target(void *arg)
{
	struct file_arg *a = arg;
	long pg = pagesz();
	size_t len = a->npages * pg;
	char line[256];
	uint8_t *p;
	int fd;

	fd = open(a->path, O_RDWR);
	SETUP(fd >= 0);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SETUP(p != MAP_FAILED);
	close(fd);
	ckpt_fill(p, pg, BEFORE_SEED);
	SETUP(!msync(p, len, MS_SYNC));
	SETUP(!ckpt_maps_line(p, line, sizeof(line)));
	SETUP(strstr(line, " rw-s "));

	ckpt_stop();

	CHECK_MAPS(p, line);
	CHECK(ckpt_verify(p, pg, BEFORE_SEED) < 0);
	CHECK(file_page_is(a->path, 0, BEFORE_SEED));
	for (size_t i = 1; i < a->npages; i++)
		CHECKF(ckpt_verify(p + i * pg, pg, FILE_SEED + i) < 0, "page %zu", i);
	/* Writes through the mapping reach the file, and back. */
	ckpt_fill(p + 2 * pg, pg, AFTER_SEED);
	CHECK(!msync(p, len, MS_SYNC));
	CHECK(file_page_is(a->path, 2, AFTER_SEED));
	CHECK(file_page_write(a->path, 3, NEW_SEED));
	CHECK(ckpt_verify(p + 3 * pg, pg, NEW_SEED) < 0);
}

TEST(shared_file)
{
	struct ckpt_ctx c;
	struct file_arg a;
	bool after;
	int r;

	ASSERT_EQ(0, make_file(&a, 4));
	ckpt_ctx_init(&c);
	r = ckpt_run(_metadata, &c, shared_file_target, &a);
	after = file_page_is(a.path, 2, AFTER_SEED);
	unlink(a.path);
	if (r == CKPT_SKIPPED) {
		SKIP(return, "%s", c.skip);
	}
	/* What the restarted process wrote is in the file. */
	EXPECT_TRUE(after);
}

/* ---- memfd and shared anonymous memory ---- */

#define MEMFD_PAGES	8
#define MEMFD_FD	5

static bool memfd_filled(size_t i)
{
	return i == 0 || i == 3 || i == 7;
}

static void memfd_target(void *arg)
{
	long pg = pagesz();
	size_t len = MEMFD_PAGES * pg;
	char line[256];
	struct stat st0, st1;
	int fd, seals;
	uint8_t *p;

	(void)arg;
	fd = memfd_create("ckpt-selftest", MFD_ALLOW_SEALING);
	SETUP(fd >= 0);
	SETUP(dup2(fd, MEMFD_FD) == MEMFD_FD);
	if (fd != MEMFD_FD)
		close(fd);
	SETUP(!ftruncate(MEMFD_FD, len));
	SETUP(!fcntl(MEMFD_FD, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW));
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, MEMFD_FD, 0);
	SETUP(p != MAP_FAILED);
	for (size_t i = 0; i < MEMFD_PAGES; i++)
		if (memfd_filled(i))
			ckpt_fill(p + i * pg, pg, 0x3e3f0 + i);
	seals = fcntl(MEMFD_FD, F_GET_SEALS);
	SETUP(seals >= 0);
	SETUP(!fstat(MEMFD_FD, &st0));
	SETUP(!ckpt_maps_line(p, line, sizeof(line)));
	SETUP(strstr(line, "memfd:ckpt-selftest"));
	SETUP(lseek(MEMFD_FD, pg, SEEK_DATA) == 3 * pg);

	ckpt_stop();

	CHECK_MAPS_NOINO(p, line);
	CHECK(fcntl(MEMFD_FD, F_GET_SEALS) == seals);
	CHECK(!fstat(MEMFD_FD, &st1));
	CHECK(st1.st_size == st0.st_size && st1.st_mode == st0.st_mode);
	/* Pages never written are still holes. */
	CHECKF(lseek(MEMFD_FD, pg, SEEK_DATA) == 3 * pg, "first data after page 1 at %lld",
	       (long long)lseek(MEMFD_FD, pg, SEEK_DATA));
	for (size_t i = 0; i < MEMFD_PAGES; i++) {
		if (memfd_filled(i)) {
			CHECKF(ckpt_verify(p + i * pg, pg, 0x3e3f0 + i) < 0, "page %zu", i);
		} else {
			CHECKF(ckpt_is_zero(p + i * pg, pg), "page %zu", i);
		}
	}
	/* The descriptor and the mapping are still the same file. */
	{
		static uint8_t buf[1 << 16];

		CHECK(pread(MEMFD_FD, buf, pg, 3 * pg) == pg);
		CHECK(ckpt_verify(buf, pg, 0x3e3f0 + 3) < 0);
		ckpt_fill(p + pg, pg, 0x77);
		CHECK(pread(MEMFD_FD, buf, pg, pg) == pg);
		CHECK(ckpt_verify(buf, pg, 0x77) < 0);
	}
	/* The seals still hold. */
	CHECK(ftruncate(MEMFD_FD, 2 * len) == -1 && errno == EPERM);
}

TEST(memfd_shared)
{
	CKPT_RUN_SIMPLE(memfd_target, NULL);
}

#define SHANON_PAGES	16

static void shared_anon_target(void *arg)
{
	long pg = pagesz();
	size_t len = SHANON_PAGES * pg;
	char line[256];
	uint8_t *p;
	pid_t child;
	int status;

	(void)arg;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	SETUP(p != MAP_FAILED);
	for (size_t i = 0; i < SHANON_PAGES / 2; i++)
		ckpt_fill(p + i * pg, pg, 0x5ba0 + i);
	SETUP(!ckpt_maps_line(p, line, sizeof(line)));
	SETUP(strstr(line, " rw-s "));

	ckpt_stop();

	CHECK_MAPS_NOINO(p, line);
	for (size_t i = 0; i < SHANON_PAGES; i++) {
		if (i < SHANON_PAGES / 2) {
			CHECKF(ckpt_verify(p + i * pg, pg, 0x5ba0 + i) < 0, "page %zu", i);
		} else {
			CHECKF(ckpt_is_zero(p + i * pg, pg), "page %zu", i);
		}
	}
	/* Still shared: a child's write shows in the parent. */
	child = fork();
	CHECK(child >= 0);
	if (child == 0) {
		ckpt_fill(p + 9 * pg, pg, 0xc41d);
		_exit(0);
	}
	CHECK(waitpid(child, &status, 0) == child && status == 0);
	CHECK(ckpt_verify(p + 9 * pg, pg, 0xc41d) < 0);
}

TEST(shared_anon)
{
	CKPT_RUN_SIMPLE(shared_anon_target, NULL);
}

/* ---- protections ---- */

static void prot_none_target(void *arg)
{
	long pg = pagesz();
	char l0[256], l1[256], l2[256];
	uint8_t *p;

	(void)arg;
	p = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SETUP(p != MAP_FAILED);
	for (int i = 0; i < 3; i++)
		ckpt_fill(p + i * pg, pg, 0x9090 + i);
	/* The middle page has contents, then loses all access. */
	SETUP(!mprotect(p + pg, pg, PROT_NONE));
	SETUP(!ckpt_maps_line(p, l0, sizeof(l0)));
	SETUP(!ckpt_maps_line(p + pg, l1, sizeof(l1)));
	SETUP(!ckpt_maps_line(p + 2 * pg, l2, sizeof(l2)));
	SETUP(strstr(l1, " ---p ") && strstr(l0, " rw-p ") && strstr(l2, " rw-p "));

	ckpt_stop();

	CHECK_MAPS(p, l0);
	CHECK_MAPS(p + pg, l1);
	CHECK_MAPS(p + 2 * pg, l2);
	CHECK(ckpt_probe((char *)p + pg, false) == SIGSEGV);
	CHECK(ckpt_probe((char *)p, true) == 0);
	CHECK(ckpt_probe((char *)p + 2 * pg, true) == 0);
	CHECK(ckpt_verify(p, pg, 0x9090) < 0);
	CHECK(ckpt_verify(p + 2 * pg, pg, 0x9092) < 0);
	/* What it held before it lost access is still there. */
	CHECK(!mprotect(p + pg, pg, PROT_READ));
	CHECK(ckpt_verify(p + pg, pg, 0x9091) < 0);
}

TEST(prot_none)
{
	CKPT_RUN_SIMPLE(prot_none_target, NULL);
}

static void readonly_target(void *arg)
{
	long pg = pagesz();
	char line[256];
	uint8_t *p;

	(void)arg;
	p = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SETUP(p != MAP_FAILED);
	ckpt_fill(p, 4 * pg, 0x4ead);
	SETUP(!mprotect(p, 4 * pg, PROT_READ));
	SETUP(!ckpt_maps_line(p, line, sizeof(line)));
	SETUP(strstr(line, " r--p "));

	ckpt_stop();

	CHECK_MAPS(p, line);
	CHECK(ckpt_verify(p, 4 * pg, 0x4ead) < 0);
	CHECK(ckpt_probe((char *)p + pg, false) == 0);
	CHECK(ckpt_probe((char *)p + pg, true) == SIGSEGV);
}

TEST(readonly_region)
{
	CKPT_RUN_SIMPLE(readonly_target, NULL);
}

/*
 * ---- memory far up ----
 * A region above 4 TiB: s390x maps it with more page-table levels than a
 * new address space starts with, which restart must add as mmap() does.
 */

#if UINTPTR_MAX > 0xffffffffUL
/* 32 TiB and 48 TiB: user addresses on every 64-bit arch here (ppc64 4K pages: 64 TiB). */
#define HIGH_ADDR	(1UL << 45)
#define HIGHER_ADDR	(HIGH_ADDR + (1UL << 44))

static void high_target(void *arg)
{
	long pg = pagesz();
	char line[256];
	uint8_t *p;

	(void)arg;
	p = mmap((void *)HIGH_ADDR, 4 * pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	SETUP(p == (void *)HIGH_ADDR);
	ckpt_fill(p, 4 * pg, 0x9147);
	SETUP(!ckpt_maps_line(p, line, sizeof(line)));

	ckpt_stop();

	CHECK_MAPS(p, line);
	CHECK(ckpt_verify(p, 4 * pg, 0x9147) < 0);
	/* The new mm maps more up there. */
	CHECK(mmap((void *)HIGHER_ADDR, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
		   MAP_FIXED_NOREPLACE, -1, 0) == (void *)HIGHER_ADDR);
}

TEST(high_address)
{
	CKPT_RUN_SIMPLE(high_target, NULL);
}
#endif

/*
 * ---- locked memory ----
 * mmap(MAP_LOCKED) populates the region at restart, before its pages are
 * read: restart must then fill the pages that are there, not add new ones.
 */

#define LOCKED_PAGES	8

static void locked_target(void *arg)
{
	long pg = pagesz(), locked;
	bool have_smaps = !access("/proc/self/smaps", R_OK);
	char line[256];
	uint8_t *p;

	(void)arg;
	p = mmap(NULL, LOCKED_PAGES * pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
	SETUP(p != MAP_FAILED);
	ckpt_fill(p, LOCKED_PAGES * pg, 0x10c4);
	SETUP(!ckpt_maps_line(p, line, sizeof(line)));
	if (have_smaps)
		SETUP(ckpt_smaps_kb(p, "Locked:") == LOCKED_PAGES * pg / 1024);

	ckpt_stop();

	CHECK_MAPS(p, line);
	CHECK(ckpt_resident(p, LOCKED_PAGES, NULL) == LOCKED_PAGES);
	CHECK(ckpt_verify(p, LOCKED_PAGES * pg, 0x10c4) < 0);
	if (have_smaps) {
		locked = ckpt_smaps_kb(p, "Locked:");
		CHECKF(locked == LOCKED_PAGES * pg / 1024, "Locked: %ld kB, want %ld",
		       locked, LOCKED_PAGES * pg / 1024);
	}
}

TEST(locked_region)
{
	CKPT_RUN_SIMPLE(locked_target, NULL);
}

/* ---- the heap ---- */

#define HEAP_PAGES	16

static char *kernel_brk(void)
{
	return (char *)syscall(SYS_brk, 0);
}

static void brk_target(void *arg)
{
	long pg = pagesz();
	char line[256], now[256];
	char *heap, *end, *more;

	(void)arg;
	heap = sbrk(HEAP_PAGES * pg);
	SETUP(heap != (void *)-1);
	ckpt_fill(heap, HEAP_PAGES * pg, 0x4ea9);
	end = kernel_brk();
	SETUP(end == heap + HEAP_PAGES * pg);
	SETUP(!ckpt_maps_line(heap, line, sizeof(line)));

	ckpt_stop();

	CHECKF(kernel_brk() == end, "brk %p, was %p", (void *)kernel_brk(), (void *)end);
	CHECK_MAPS_HEAP(heap, line);
	CHECK(ckpt_verify(heap, HEAP_PAGES * pg, 0x4ea9) < 0);
	/* The heap grows on from where it was. */
	more = sbrk(4096 * 10);
	CHECK(more == end);
	CHECK(kernel_brk() == end + 4096 * 10);
	ckpt_fill(more, 4096 * 10, 0x3043);
	CHECK(ckpt_verify(more, 4096 * 10, 0x3043) < 0);
	CHECK(ckpt_verify(heap, HEAP_PAGES * pg, 0x4ea9) < 0);
	CHECK(!ckpt_maps_line(more, now, sizeof(now)));
	CHECKF(!strstr(line, "[heap]") || strstr(now, "[heap]"), "%s", now);
	CHECK(sbrk(-4096 * 10) == end + 4096 * 10);
	CHECK(kernel_brk() == end);
}

TEST(brk_heap)
{
	CKPT_RUN_SIMPLE(brk_target, NULL);
}

/* ---- a deep stack ---- */

#define DEPTH	2000

static char stack_line[256];

/*
 * The stack mapping is still the one recorded: same top, same rest of the
 * line; it may have grown down since.
 */
static bool stack_same(const void *addr)
{
	unsigned long s0, e0, s1, e1;
	char now[256] = "";

	if (ckpt_maps_line(addr, now, sizeof(now)) ||
	    sscanf(stack_line, "%lx-%lx", &s0, &e0) != 2 ||
	    sscanf(now, "%lx-%lx", &s1, &e1) != 2 || e1 != e0 || s1 > s0 ||
	    strcmp(strchr(now, ' '), strchr(stack_line, ' '))) {
		ckpt_say("stack was \"%s\", now \"%s\"", stack_line, now);
		return false;
	}
	return true;
}

static int __attribute__((noinline)) deep(int depth, uint64_t seed)
{
	volatile uint64_t local[6];
	int bad = 0;

	for (int i = 0; i < 6; i++)
		local[i] = ckpt_word(seed + depth, i);
	if (depth == 0) {
		SETUP(!ckpt_maps_line((void *)local, stack_line, sizeof(stack_line)));
		ckpt_stop();
		CHECK(stack_same((void *)local));
	} else {
		bad = deep(depth - 1, seed);
	}
	for (int i = 0; i < 6; i++)
		if (local[i] != ckpt_word(seed + depth, i))
			bad++;
	return bad;
}

static void deep_stack_target(void *arg)
{
	int bad;

	(void)arg;
	bad = deep(DEPTH, 0xdee9);
	CHECKF(bad == 0, "%d words of the %d frames differ", bad, DEPTH);
}

TEST(deep_stack)
{
	CKPT_RUN_SIMPLE(deep_stack_target, NULL);
}

/* ---- the vdso ---- */

/* An entry of the auxiliary vector the kernel keeps (/proc/self/auxv). */
static unsigned long kernel_auxv(unsigned long type)
{
	static char buf[4096];
	ssize_t n = ckpt_read_file("/proc/self/auxv", buf, sizeof(buf));
	unsigned long *v = (unsigned long *)buf;

	for (ssize_t i = 0; n > 0 && (i + 2) * (ssize_t)sizeof(long) <= n; i += 2) {
		if (v[i] == type)
			return v[i + 1];
		if (v[i] == AT_NULL)
			break;
	}
	return 0;
}

static double sys_clock(clockid_t clk)
{
	struct timespec t;

	if (syscall(SYS_clock_gettime, clk, &t))
		return -1;
	return ckpt_ts(&t);
}

static void vdso_target(void *arg)
{
	static const char * const names[] = { "[vdso]", "[vvar]", "[vvar_vclock]" };
	char lines[3][256], now[256];
	unsigned long ehdr = getauxval(AT_SYSINFO_EHDR);
	bool have[3];
	double m0, r0, m1, s1, m2, r1, sr1;
	struct timeval tv;

	(void)arg;
#if !defined(CKPT_ARCH_PORTED)
	if (!ehdr) {
		/* No vdso on this kernel: nothing to check but the round trip. */
		ckpt_stop();
		return;
	}
#endif
	SETUP(ehdr && kernel_auxv(AT_SYSINFO_EHDR) == ehdr);
	for (int i = 0; i < 3; i++)
		have[i] = !ckpt_maps_find(NULL, names[i], lines[i], sizeof(lines[i]));
	SETUP(have[0] && !ckpt_maps_line((void *)ehdr, now, sizeof(now)) &&
	      !strcmp(now, lines[0]));
	m0 = ckpt_clock(CLOCK_MONOTONIC);
	r0 = ckpt_clock(CLOCK_REALTIME);

	ckpt_stop();

	CHECK(getauxval(AT_SYSINFO_EHDR) == ehdr);
	CHECKF(kernel_auxv(AT_SYSINFO_EHDR) == ehdr, "kernel auxv has %#lx, was %#lx",
	       kernel_auxv(AT_SYSINFO_EHDR), ehdr);
	for (int i = 0; i < 3; i++) {
		int r = ckpt_maps_find(NULL, names[i], now, sizeof(now));

		CHECKF(have[i] == !r, "%s %s", names[i], have[i] ? "gone" : "appeared");
		if (have[i])
			CHECKF(!strcmp(now, lines[i]), "was \"%s\", now \"%s\"", lines[i], now);
	}
	/* The vdso's clocks agree with the system call's. */
	m1 = ckpt_clock(CLOCK_MONOTONIC);
	s1 = sys_clock(CLOCK_MONOTONIC);
	m2 = ckpt_clock(CLOCK_MONOTONIC);
	CHECKF(m1 >= m0 && s1 >= m1 && m2 >= s1 && m2 - m1 < 1.0,
	       "monotonic %.6f, then %.6f, system call %.6f, vdso %.6f", m0, m1, s1, m2);
	r1 = ckpt_clock(CLOCK_REALTIME);
	sr1 = sys_clock(CLOCK_REALTIME);
	CHECKF(r1 >= r0 - 1 && sr1 - r1 > -0.5 && sr1 - r1 < 1.0,
	       "realtime %.6f, then %.6f, system call %.6f", r0, r1, sr1);
	CHECK(!gettimeofday(&tv, NULL));
	CHECK(tv.tv_sec >= (time_t)r1 - 1 && tv.tv_sec <= (time_t)sr1 + 2);
	CHECK(time(NULL) >= (time_t)r1 - 1);
}

TEST(vdso)
{
	CKPT_RUN_SIMPLE(vdso_target, NULL);
}

/* ---- VMA flags and boundaries ---- */

/* The restarted process's smaps flags line of @p. */
static bool vmflags(const void *p, char *out, size_t size)
{
	static char smaps[1 << 17];
	char head[32], *e, *vf;

	if (ckpt_read_file("/proc/self/smaps", smaps, sizeof(smaps)) <= 0)
		return false;
	snprintf(head, sizeof(head), "\n%lx-", (unsigned long)p);
	e = strstr(smaps, head);
	vf = e ? strstr(e, "VmFlags:") : NULL;
	if (!vf)
		return false;
	e = strchr(vf, '\n');
	snprintf(out, size, "%.*s", e ? (int)(e - vf) : (int)strlen(vf), vf);
	return true;
}

#if defined(__LP64__)
#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE	0x08
#endif
static void droppable_target(void *arg)
{
	long pg = pagesz();
	char line[256], *p;

	(void)arg;
	p = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_DROPPABLE | MAP_ANONYMOUS, -1, 0);
	SETUP(p != MAP_FAILED);
	memset(p, 0x42, 4 * pg);
	SETUP(ckpt_smaps_kb(p, "Rss:") == 4 * pg / 1024);

	ckpt_stop();

	CHECK(!ckpt_maps_line(p, line, sizeof(line)));
	CHECK(p[0] == 0x42 || p[0] == 0);
	/* Only a droppable mapping is wiped in a child (VM_WIPEONFORK)... */
	{
		pid_t pid = fork();
		int status;

		if (pid == 0)
			_exit(p[0] == 0 ? 0 : 1);
		CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		      WEXITSTATUS(status) == 0);
	}
	/* ...and smaps says it is droppable: wiped on fork, not dumped. */
	{
		char vf[128];

		CHECK(vmflags(p, vf, sizeof(vf)));
		CHECKF(strstr(vf, " wf") && strstr(vf, " dd"), "%s", vf);
	}
}

#ifndef __NR_mseal
#define __NR_mseal	462
#endif

/* A sealed mapping: mprotect(), munmap() and mremap() fail with EPERM. */
static bool sealed(char *p, long pg)
{
	return mprotect(p, pg, PROT_READ) && errno == EPERM &&
	       munmap(p, pg) && errno == EPERM &&
	       mremap(p, pg, 2 * pg, MREMAP_MAYMOVE) == MAP_FAILED && errno == EPERM;
}

static void sealed_target(void *arg)
{
	long pg = pagesz();
	char vf[128], *p, *q;

	(void)arg;
	p = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SETUP(p != MAP_FAILED);
	memset(p, 0x5e, 3 * pg);
	/* The middle page sealed, its neighbours not. */
	SETUP(!syscall(__NR_mseal, p + pg, pg, 0));
	SETUP(sealed(p + pg, pg));
	SETUP(vmflags(p + pg, vf, sizeof(vf)) && strstr(vf, " sl"));
	q = p;

	ckpt_stop();

	CHECK(vmflags(q + pg, vf, sizeof(vf)));
	CHECKF(strstr(vf, " sl"), "VmFlags of the sealed page:%s", vf);
	CHECK(q[pg] == 0x5e);
	CHECK(sealed(q + pg, pg));
	CHECK(vmflags(q, vf, sizeof(vf)) && !strstr(vf, " sl"));
	CHECK(!mprotect(q, pg, PROT_READ));
	CHECK(!munmap(q + 2 * pg, pg));
}

TEST(sealed_mapping)
{
	CKPT_RUN_SIMPLE(sealed_target, NULL);
}

TEST(droppable_mapping)
{
	long pg = pagesz();
	void *p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_DROPPABLE | MAP_ANONYMOUS, -1, 0);

	ASSERT_TRUE(p != MAP_FAILED) TH_LOG("MAP_DROPPABLE: %s", strerror(errno));
	munmap(p, pg);
	CKPT_RUN_SIMPLE(droppable_target, NULL);
}

#endif

/*
 * The madvise(2) flags of a VMA, each on a page of its own between plain
 * pages: the VmFlags of smaps name them, and after restart a child of the
 * restarted process sees what they promise (a DONTFORK page is not
 * there, a WIPEONFORK page is zero).
 */
static const struct {
	int advice;
	const char *flag;	/* its VmFlags name */
	bool thp;		/* needs CONFIG_TRANSPARENT_HUGEPAGE */
} advices[] = {
	{ MADV_DONTFORK,	" dc", false },
	{ MADV_WIPEONFORK,	" wf", false },
	{ MADV_DONTDUMP,	" dd", false },
	{ MADV_SEQUENTIAL,	" sr", false },
	{ MADV_RANDOM,		" rr", false },
	{ MADV_HUGEPAGE,	" hg", true },
	{ MADV_NOHUGEPAGE,	" nh", true },
};

#define NR_ADVICES	ARRAY_SIZE(advices)

/* Which advices this kernel takes: THP ones only with THP. */
static bool advice_taken[NR_ADVICES];

static void madvise_target(void *arg)
{
	long pg = pagesz();
	char vf[160], *p;

	(void)arg;
	p = mmap(NULL, (2 * NR_ADVICES + 1) * pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SETUP(p != MAP_FAILED);
	memset(p, 0x6b, (2 * NR_ADVICES + 1) * pg);
	for (size_t i = 0; i < NR_ADVICES; i++) {
		char *q = p + (2 * i + 1) * pg;

		if (!advice_taken[i])
			continue;
		SETUP(!madvise(q, pg, advices[i].advice));
		SETUP(vmflags(q, vf, sizeof(vf)) && strstr(vf, advices[i].flag));
	}

	ckpt_stop();

	for (size_t i = 0; i < NR_ADVICES; i++) {
		char *q = p + (2 * i + 1) * pg;

		if (!advice_taken[i])
			continue;
		/* The plain page before starts a VMA of its own if it follows one. */
		if (!i || advice_taken[i - 1]) {
			CHECK(vmflags(q - pg, vf, sizeof(vf)));
			CHECKF(!strstr(vf, advices[i].flag), "plain page before %s:%s",
			       advices[i].flag, vf);
		}
		CHECKF(vmflags(q, vf, sizeof(vf)) && strstr(vf, advices[i].flag),
		       "VmFlags of the%s page: %s", advices[i].flag, vf);
		CHECK(q[0] == 0x6b && q[pg - 1] == 0x6b);
	}
	/* What a child of the restarted process gets. */
	{
		pid_t pid = fork();
		int status;

		if (pid == 0) {
			/* advices[0]: DONTFORK, not in the child. */
			if (ckpt_probe(p + pg, false) != SIGSEGV)
				_exit(1);
			/* advices[1]: WIPEONFORK, zero in the child. */
			if (p[3 * pg] != 0 || p[3 * pg + pg - 1] != 0)
				_exit(2);
			/* The rest is copied. */
			if (p[0] != 0x6b || p[5 * pg] != 0x6b)
				_exit(3);
			_exit(0);
		}
		CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
		CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x",
		       status);
	}
	CHECK(p[3 * pg] == 0x6b);
}

TEST(madvise_flags)
{
	long pg = pagesz();
	char *p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int taken = 0;

	ASSERT_TRUE(p != MAP_FAILED);
	for (size_t i = 0; i < NR_ADVICES; i++) {
		int r = madvise(p, pg, advices[i].advice);

		/* Only the THP advices may be missing, and only without THP. */
		if (r && errno == EINVAL && advices[i].thp) {
			ASSERT_NE(0, access("/sys/kernel/mm/transparent_hugepage", F_OK))
				TH_LOG("THP is there but madvise(%d) fails", advices[i].advice);
			continue;
		}
		ASSERT_EQ(0, r) TH_LOG("madvise(%d): %s", advices[i].advice, strerror(errno));
		advice_taken[i] = true;
		taken++;
	}
	munmap(p, pg);
#ifdef __x86_64__
	/* The x86_64 test kernel has THP: every advice is there. */
	ASSERT_EQ((int)NR_ADVICES, taken);
#endif
	TH_LOG("%d of %zu advices are in this kernel", taken, NR_ADVICES);
	CKPT_RUN_SIMPLE(madvise_target, NULL);
}

static char vma_lines[8][256];

/* The /proc/self/maps lines of the 3 mappings from @p on, pages of @pg. */
static int maps_lines(char *p, long pg, char lines[][256])
{
	for (int i = 0; i < 3; i++)
		if (ckpt_maps_line(p + i * 2 * pg, lines[i], 256))
			return -1;
	return 0;
}

static void boundaries_target(void *arg)
{
	struct file_arg *a = arg;
	long pg = pagesz();
	char now[8][256];
	char *p;
	int fd;

	fd = open(a->path, O_RDONLY);
	SETUP(fd >= 0);
	/* As a static binary's text, its RELRO and its data: r, rw then r, rw. */
	p = mmap(NULL, 6 * pg, PROT_READ, MAP_PRIVATE, fd, 0);
	SETUP(p != MAP_FAILED);
	SETUP(mmap(p + 2 * pg, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED,
		   fd, 2 * pg) == p + 2 * pg);
	p[2 * pg] = 1;
	p[4 * pg] = 2;
	SETUP(!mprotect(p + 2 * pg, 2 * pg, PROT_READ));
	close(fd);
	SETUP(!maps_lines(p, pg, vma_lines));
	/* Three lines: the RELRO one stays apart from the text before it. */
	{
		unsigned long s0, e0;

		SETUP(sscanf(vma_lines[0], "%lx-%lx", &s0, &e0) == 2);
		SETUP(s0 == (unsigned long)p && e0 == (unsigned long)p + 2 * pg);
	}

	ckpt_stop();

	CHECK(!maps_lines(p, pg, now));
	for (int i = 0; i < 3; i++)
		CHECKF(!strcmp(now[i], vma_lines[i]), "mapping %d: \"%s\", was \"%s\"", i,
		       now[i], vma_lines[i]);
	{
		char f0[128], f1[128];

		/* The RELRO mapping is still charged as the writable one it was. */
		CHECK(vmflags(p, f0, sizeof(f0)) && vmflags(p + 2 * pg, f1, sizeof(f1)));
		CHECKF(!strstr(f0, " ac") && strstr(f1, " ac"), "%s / %s", f0, f1);
	}
	CHECK(p[2 * pg] == 1 && p[4 * pg] == 2);
}

TEST(vma_boundaries)
{
	struct file_arg a;

	ASSERT_EQ(0, make_file(&a, 6));
	CKPT_RUN_SIMPLE(boundaries_target, &a);
	unlink(a.path);
}

/* ---- one shmem object mapped through two files ---- */

static void two_views_target(void *arg)
{
	long pg = pagesz();
	char mf[64];
	char *a, *b;
	int fd;

	(void)arg;
	a = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	SETUP(a != MAP_FAILED);
	a[0] = 'a';
	snprintf(mf, sizeof(mf), "/proc/self/map_files/%lx-%lx", (unsigned long)a,
		 (unsigned long)a + 2 * pg);
	fd = open(mf, O_RDWR);
	SETUP(fd >= 0);
	b = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	SETUP(b != MAP_FAILED && b[0] == 'a');
	close(fd);

	ckpt_stop();

	CHECK(a[0] == 'a' && b[0] == 'a');
	a[pg] = 'x';
	CHECKF(b[pg] == 'x', "a write through one view is not seen through the other");
	b[1] = 'y';
	CHECK(a[1] == 'y');
}

TEST(shared_memory_two_views)
{
	CKPT_RUN_SIMPLE(two_views_target, NULL);
}

TEST_HARNESS_MAIN
