// SPDX-License-Identifier: GPL-2.0
/*
 * Files across checkpoint(2) and restart(2): descriptors keep their
 * numbers, offsets, F_GETFL and FD_CLOEXEC flags and sharing (dup); regular
 * files, directories, /dev/null and /dev/zero, pipes and named pipes with
 * buffered data, eventfds, the working and root directories and the umask
 * come back; fds 0-2 come from the restarting caller exactly when
 * CKPT_CHECKPOINT_INHERIT_STDIO was given; the owner of a file (F_SETOWN,
 * F_SETSIG) is kept, and O_ASYNC with the descriptor its signals carry; a
 * deleted file comes back with its data, unnamed; a netlink socket makes
 * the checkpoint fail with EOPNOTSUPP.
 */

#include "ckpt_task.h"


#include <libgen.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <sys/sysmacros.h>

/* Open @path as descriptor @want. */
static int open_at(int want, const char *path, int flags)
{
	int fd = open(path, flags, 0600);

	if (fd < 0)
		return -1;
	if (fd != want) {
		if (dup2(fd, want) != want)
			return -1;
		close(fd);
	}
	return want;
}

/* The open descriptors below 64, as a bit mask. */
static uint64_t open_fds(void)
{
	uint64_t m = 0;

	for (int fd = 0; fd < 64; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			m |= 1ULL << fd;
	return m;
}

struct fd_state {
	int fl, fdfl;
	off_t pos;
	dev_t dev, rdev;
	ino_t ino;
	mode_t mode;
};

static void get_fd_state(int fd, struct fd_state *s)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	s->fl = fcntl(fd, F_GETFL);
	s->fdfl = fcntl(fd, F_GETFD);
	s->pos = lseek(fd, 0, SEEK_CUR);
	if (!fstat(fd, &st)) {
		s->dev = st.st_dev;
		s->rdev = st.st_rdev;
		s->ino = st.st_ino;
		s->mode = st.st_mode;
	}
}

/* Pipes are new pipes after restart: their inode numbers differ. */
#define CHECK_PIPE_STATE(fd, before) do {					\
	struct fd_state __b = *(before);					\
	struct stat __st;							\
	if (!fstat(fd, &__st))							\
		__b.ino = __st.st_ino;						\
	CHECK_FD_STATE(fd, &__b);						\
} while (0)

#define CHECK_FD_STATE(fd, before) do {						\
	struct fd_state __now;							\
	get_fd_state(fd, &__now);						\
	CHECKF(__now.fl == (before)->fl, "fd %d: F_GETFL %#x, was %#x", fd,	\
	       __now.fl, (before)->fl);						\
	CHECKF(__now.fdfl == (before)->fdfl, "fd %d: F_GETFD %#x, was %#x", fd,\
	       __now.fdfl, (before)->fdfl);					\
	CHECKF(__now.pos == (before)->pos, "fd %d: offset %lld, was %lld", fd,	\
	       (long long)__now.pos, (long long)(before)->pos);			\
	CHECKF(__now.dev == (before)->dev && __now.ino == (before)->ino &&	\
	       __now.rdev == (before)->rdev && __now.mode == (before)->mode,	\
	       "fd %d: another file (ino %llu, was %llu)", fd,			\
	       (unsigned long long)__now.ino,					\
	       (unsigned long long)(before)->ino);				\
} while (0)

/* ---- regular files: offsets, flags, dup ---- */

#define REG_SIZE	8192
#define REG_SEED	0x7e9f11eULL

struct path_arg {
	char path[64];
	char path2[64];
	ino_t ino, ino2;
};

static int make_reg_file(struct path_arg *a)
{
	static uint8_t buf[REG_SIZE];
	int fd = ckpt_named_file(a->path, sizeof(a->path), "reg");

	if (fd < 0)
		return -1;
	ckpt_fill(buf, REG_SIZE, REG_SEED);
	if (write(fd, buf, REG_SIZE) != REG_SIZE)
		return -1;
	close(fd);
	return 0;
}

static const int reg_fds[] = { 3, 4, 7, 10 };

static void regular_target(void *arg)
{
	struct path_arg *a = arg;
	static uint8_t expect[REG_SIZE];
	struct fd_state st[4];
	uint8_t buf[16];
	uint64_t fds;
	struct stat s;

	ckpt_fill(expect, REG_SIZE, REG_SEED);
	SETUP(open_at(3, a->path, O_RDONLY) == 3);
	SETUP(open_at(4, a->path, O_WRONLY | O_APPEND) == 4);
	SETUP(open_at(7, a->path, O_RDWR | O_NONBLOCK) == 7);
	SETUP(!fcntl(7, F_SETFD, FD_CLOEXEC));
	SETUP(dup2(3, 10) == 10);
	SETUP(lseek(3, 1234, SEEK_SET) == 1234);
	SETUP(lseek(7, 4000, SEEK_SET) == 4000);
	SETUP(lseek(4, 100, SEEK_SET) == 100);
	for (int i = 0; i < 4; i++)
		get_fd_state(reg_fds[i], &st[i]);
	fds = open_fds();

	ckpt_stop();

	/* Exactly the same descriptors: nothing of the restarter's. */
	CHECKF(open_fds() == fds, "open fds %#" PRIx64 ", were %#" PRIx64, open_fds(), fds);
	for (int i = 0; i < 4; i++)
		CHECK_FD_STATE(reg_fds[i], &st[i]);
	CHECK(fcntl(7, F_GETFD) & FD_CLOEXEC);
	CHECK(!(fcntl(3, F_GETFD) & FD_CLOEXEC));
	CHECK(fcntl(7, F_GETFL) & O_NONBLOCK);
	CHECK(fcntl(4, F_GETFL) & O_APPEND);
	/* 3 and 10 share their offset, 7 has its own. */
	CHECK(read(3, buf, 10) == 10 && !memcmp(buf, expect + 1234, 10));
	CHECKF(lseek(10, 0, SEEK_CUR) == 1244, "dup'ed fd at %lld",
	       (long long)lseek(10, 0, SEEK_CUR));
	CHECK(read(10, buf, 6) == 6 && !memcmp(buf, expect + 1244, 6));
	CHECK(lseek(3, 0, SEEK_CUR) == 1250);
	CHECK(lseek(7, 0, SEEK_CUR) == 4000);
	CHECK(read(7, buf, 8) == 8 && !memcmp(buf, expect + 4000, 8));
	/* O_APPEND writes go to the end. */
	CHECK(write(4, "xyz", 3) == 3);
	CHECK(!fstat(3, &s) && s.st_size == REG_SIZE + 3);
	CHECK(pread(3, buf, 3, REG_SIZE) == 3 && !memcmp(buf, "xyz", 3));
	CHECK(lseek(4, 0, SEEK_CUR) == REG_SIZE + 3);
}

TEST(regular_files)
{
	struct path_arg a;
	struct ckpt_ctx c;
	int r;

	ASSERT_EQ(0, make_reg_file(&a));
	ckpt_ctx_init(&c);
	r = ckpt_run(_metadata, &c, regular_target, &a);
	unlink(a.path);
	if (r == CKPT_SKIPPED) {
		SKIP(return, "%s", c.skip);
	}
}

/* ---- directories ---- */

static void directory_target(void *arg)
{
	struct path_arg *a = arg;
	struct fd_state st3, st4;
	struct stat s;
	char buf[8];
	int fd;

	SETUP(open_at(3, a->path, O_RDONLY | O_DIRECTORY) == 3);
	SETUP(open_at(4, "/tmp", O_RDONLY | O_DIRECTORY) == 4);
	SETUP(!fcntl(4, F_SETFD, FD_CLOEXEC));
	get_fd_state(3, &st3);
	get_fd_state(4, &st4);
	SETUP(st3.ino == a->ino);

	ckpt_stop();

	CHECK_FD_STATE(3, &st3);
	CHECK_FD_STATE(4, &st4);
	CHECK(S_ISDIR(st3.mode));
	fd = openat(3, "f", O_RDONLY);
	CHECK(fd >= 0);
	CHECK(read(fd, buf, sizeof(buf)) == 5 && !memcmp(buf, "hello", 5));
	close(fd);
	CHECK(!fstatat(4, basename(a->path), &s, 0) && s.st_ino == a->ino);
}

TEST(directory)
{
	struct path_arg a;
	struct ckpt_ctx c;
	struct stat s;
	int r, fd;

	strcpy(a.path, "/tmp/ckpt-dir-XXXXXX");
	ASSERT_TRUE(mkdtemp(a.path) != NULL);
	snprintf(a.path2, sizeof(a.path2), "%s/f", a.path);
	fd = open(a.path2, O_WRONLY | O_CREAT, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(5, write(fd, "hello", 5));
	close(fd);
	ASSERT_EQ(0, stat(a.path, &s));
	a.ino = s.st_ino;
	ckpt_ctx_init(&c);
	r = ckpt_run(_metadata, &c, directory_target, &a);
	unlink(a.path2);
	rmdir(a.path);
	if (r == CKPT_SKIPPED) {
		SKIP(return, "%s", c.skip);
	}
}

/* ---- character devices ---- */

static void devices_target(void *arg)
{
	struct fd_state st3, st4;
	char buf[64];

	(void)arg;
	SETUP(open_at(3, "/dev/null", O_RDWR) == 3);
	SETUP(open_at(4, "/dev/zero", O_RDONLY) == 4);
	get_fd_state(3, &st3);
	get_fd_state(4, &st4);
	SETUP(S_ISCHR(st3.mode) && st3.rdev == makedev(1, 3));
	SETUP(S_ISCHR(st4.mode) && st4.rdev == makedev(1, 5));

	ckpt_stop();

	CHECK_FD_STATE(3, &st3);
	CHECK_FD_STATE(4, &st4);
	CHECK(write(3, "abc", 3) == 3);
	CHECK(read(3, buf, 1) == 0);
	memset(buf, 0x55, sizeof(buf));
	CHECK(read(4, buf, sizeof(buf)) == sizeof(buf));
	CHECK(ckpt_is_zero(buf, sizeof(buf)));
}

TEST(dev_null_and_zero)
{
	CKPT_RUN_SIMPLE(devices_target, NULL);
}

/* ---- pipes ---- */

#define PIPE_DATA	3000

static uint8_t pipe_byte(size_t i)
{
	return (i * 131 + i / 256 + 7) & 0xff;
}

static void pipe_target(void *arg)
{
	static uint8_t buf[PIPE_DATA];
	struct fd_state st[3];
	int p[2], q[2], n, size;
	char tail[8];

	(void)arg;
	SETUP(!pipe(p) && p[0] == 3 && p[1] == 4);
	SETUP(!fcntl(4, F_SETFL, O_NONBLOCK));
	for (size_t i = 0; i < PIPE_DATA; i++)
		buf[i] = pipe_byte(i);
	SETUP(write(4, buf, PIPE_DATA) == PIPE_DATA);
	/* A second pipe whose writer is gone: data, then end of file. */
	SETUP(!pipe(q) && q[0] == 5 && q[1] == 6);
	SETUP(write(6, "tail!", 5) == 5);
	close(6);
	for (int fd = 3; fd <= 5; fd++)
		get_fd_state(fd, &st[fd - 3]);
	size = fcntl(3, F_GETPIPE_SZ);
	SETUP(size > 0);

	ckpt_stop();

	for (int fd = 3; fd <= 5; fd++)
		CHECK_PIPE_STATE(fd, &st[fd - 3]);
	/* 3 and 4 are the two ends of one pipe, 5 is another one. */
	for (int fd = 3; fd <= 5; fd++)
		get_fd_state(fd, &st[fd - 3]);
	CHECK(st[0].ino == st[1].ino && st[0].ino != st[2].ino);
	CHECK(fcntl(3, F_GETPIPE_SZ) == size);
	CHECK(!ioctl(3, FIONREAD, &n));
	CHECKF(n == PIPE_DATA, "%d bytes buffered", n);
	memset(buf, 0, sizeof(buf));
	CHECK(read(3, buf, PIPE_DATA) == PIPE_DATA);
	for (size_t i = 0; i < PIPE_DATA; i++)
		CHECKF(buf[i] == pipe_byte(i), "byte %zu", i);
	CHECK(!ioctl(3, FIONREAD, &n) && n == 0);
	/* The pipe still works. */
	CHECK(write(4, "hello", 5) == 5);
	CHECK(read(3, buf, sizeof(buf)) == 5 && !memcmp(buf, "hello", 5));
	CHECK(read(5, tail, sizeof(tail)) == 5 && !memcmp(tail, "tail!", 5));
	alarm(10);	/* a missing end of file must not hang the test */
	CHECK(read(5, tail, sizeof(tail)) == 0);
	alarm(0);
}

TEST(pipe_buffered)
{
	CKPT_RUN_SIMPLE(pipe_target, NULL);
}

/* The original, continued, still has all its data: checkpoint read none. */
TEST(pipe_buffered_original_unchanged)
{
	struct ckpt_ctx c;

	ckpt_ctx_init(&c);
	c.continue_original = true;
	CKPT_RUN(&c, pipe_target, NULL);
}

#define BIGPIPE_SIZE	(256 * 1024)
#define BIGPIPE_READ	300
#define BIGPIPE_DATA	150000	/* more than two DATA records */

static void big_pipe_target(void *arg)
{
	static uint8_t buf[BIGPIPE_DATA + BIGPIPE_READ];
	int p[2], n;
	size_t got = 0;
	ssize_t r;

	(void)arg;
	SETUP(!pipe(p) && p[0] == 3 && p[1] == 4);
	SETUP(!fcntl(4, F_SETFL, O_NONBLOCK));
	SETUP(fcntl(3, F_SETPIPE_SZ, BIGPIPE_SIZE) >= BIGPIPE_SIZE);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = pipe_byte(i);
	/* Consume some first, so that the data starts inside a page. */
	SETUP(write(4, buf, 1000) == 1000);
	SETUP(read(3, buf, BIGPIPE_READ) == BIGPIPE_READ);
	for (size_t i = 0; i < BIGPIPE_READ; i++)
		buf[i] = pipe_byte(i);
	SETUP(write(4, buf + 1000, sizeof(buf) - 1000) == (ssize_t)(sizeof(buf) - 1000));
	SETUP(!ioctl(3, FIONREAD, &n) && n == BIGPIPE_DATA);

	ckpt_stop();

	CHECK(fcntl(3, F_GETPIPE_SZ) >= BIGPIPE_SIZE);
	CHECK(!ioctl(3, FIONREAD, &n));
	CHECKF(n == BIGPIPE_DATA, "%d bytes buffered", n);
	memset(buf, 0, sizeof(buf));
	CHECK(!fcntl(3, F_SETFL, O_NONBLOCK));
	while (got < sizeof(buf) && (r = read(3, buf + got, sizeof(buf) - got)) > 0)
		got += r;
	CHECKF(got == BIGPIPE_DATA, "read %zu bytes", got);
	for (size_t i = 0; i < BIGPIPE_DATA; i++)
		CHECKF(buf[i] == pipe_byte(i + BIGPIPE_READ), "byte %zu", i);
}

TEST(pipe_large)
{
	CKPT_RUN_SIMPLE(big_pipe_target, NULL);
}

static void fifo_target(void *arg)
{
	struct path_arg *a = arg;
	struct fd_state st3, st4;
	char buf[16];
	int n;

	SETUP(open_at(3, a->path, O_RDWR) == 3);
	SETUP(open_at(4, a->path, O_RDONLY | O_NONBLOCK) == 4);
	SETUP(write(3, "fifo data", 9) == 9);
	get_fd_state(3, &st3);
	get_fd_state(4, &st4);
	SETUP(S_ISFIFO(st3.mode) && st3.ino == a->ino);

	ckpt_stop();

	CHECK_FD_STATE(3, &st3);
	CHECK_FD_STATE(4, &st4);
	CHECK(!ioctl(4, FIONREAD, &n) && n == 9);
	/* One buffer behind both descriptors. */
	CHECK(read(4, buf, sizeof(buf)) == 9 && !memcmp(buf, "fifo data", 9));
	CHECK(write(3, "again", 5) == 5);
	CHECK(read(4, buf, sizeof(buf)) == 5 && !memcmp(buf, "again", 5));
}

TEST(fifo_buffered)
{
	struct path_arg a;
	struct ckpt_ctx c;
	struct stat s;
	int r;

	strcpy(a.path2, "/tmp/ckpt-fifo-XXXXXX");
	ASSERT_TRUE(mkdtemp(a.path2) != NULL);
	snprintf(a.path, sizeof(a.path), "%s/fifo", a.path2);
	ASSERT_EQ(0, mkfifo(a.path, 0600));
	ASSERT_EQ(0, stat(a.path, &s));
	a.ino = s.st_ino;
	ckpt_ctx_init(&c);
	r = ckpt_run(_metadata, &c, fifo_target, &a);
	unlink(a.path);
	rmdir(a.path2);
	if (r == CKPT_SKIPPED) {
		SKIP(return, "%s", c.skip);
	}
}

/* ---- eventfd ---- */

static void eventfd_target(void *arg)
{
	struct fd_state st;
	uint64_t v = 37;
	int fd;

	(void)arg;
	fd = eventfd(5, EFD_NONBLOCK | EFD_CLOEXEC);
	SETUP(fd == 3);
	SETUP(write(3, &v, sizeof(v)) == sizeof(v));
	get_fd_state(3, &st);

	ckpt_stop();

	CHECK_FD_STATE(3, &st);
	v = 0;
	CHECK(read(3, &v, sizeof(v)) == sizeof(v));
	CHECKF(v == 42, "count %" PRIu64, v);
	CHECK(read(3, &v, sizeof(v)) == -1 && errno == EAGAIN);
}

TEST(eventfd_count)
{
	CKPT_RUN_SIMPLE(eventfd_target, NULL);
}

/* ---- working and root directories, umask ---- */

static void cwd_target(void *arg)
{
	struct path_arg *a = arg;
	char cwd[256];
	struct stat s;
	int fd;

	SETUP(!chdir(a->path));
	umask(027);

	ckpt_stop();

	CHECK(getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, a->path));
	CHECK(!stat(".", &s) && s.st_ino == a->ino);
	CHECK(umask(022) == 027);
	umask(027);
	fd = open("x", O_WRONLY | O_CREAT | O_EXCL, 0666);
	CHECK(fd >= 0);
	CHECK(!fstat(fd, &s) && (s.st_mode & 0777) == 0640);
	close(fd);
	unlink("x");
}

TEST(cwd_and_umask)
{
	struct path_arg a;
	struct ckpt_ctx c;
	struct stat s;
	int r;

	strcpy(a.path, "/tmp/ckpt-cwd-XXXXXX");
	ASSERT_TRUE(mkdtemp(a.path) != NULL);
	ASSERT_EQ(0, stat(a.path, &s));
	a.ino = s.st_ino;
	ckpt_ctx_init(&c);
	r = ckpt_run(_metadata, &c, cwd_target, &a);
	rmdir(a.path);
	if (r == CKPT_SKIPPED) {
		SKIP(return, "%s", c.skip);
	}
}

static void root_target(void *arg)
{
	struct path_arg *a = arg;
	char cwd[256];
	struct stat s;

	SETUP(!chroot(a->path));
	SETUP(!chdir("/sub"));
	SETUP(access("/tmp", F_OK));	/* outside the new root */

	ckpt_stop();

	CHECK(!stat("/", &s) && s.st_ino == a->ino);
	CHECK(!stat("/sub", &s) && s.st_ino == a->ino2);
	CHECK(getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, "/sub"));
	CHECK(!stat("..", &s) && s.st_ino == a->ino);
	CHECK(access("/tmp", F_OK));
}

TEST(root_directory)
{
	struct path_arg a;
	struct ckpt_ctx c;
	struct stat s;
	int r;

	if (geteuid()) {
		SKIP(return, "chroot needs root");
	}
	strcpy(a.path, "/tmp/ckpt-root-XXXXXX");
	ASSERT_TRUE(mkdtemp(a.path) != NULL);
	snprintf(a.path2, sizeof(a.path2), "%s/sub", a.path);
	ASSERT_EQ(0, mkdir(a.path2, 0700));
	ASSERT_EQ(0, stat(a.path, &s));
	a.ino = s.st_ino;
	ASSERT_EQ(0, stat(a.path2, &s));
	a.ino2 = s.st_ino;
	ckpt_ctx_init(&c);
	r = ckpt_run(_metadata, &c, root_target, &a);
	rmdir(a.path2);
	rmdir(a.path);
	if (r == CKPT_SKIPPED) {
		SKIP(return, "%s", c.skip);
	}
}

/* ---- fds 0-2 ---- */

/* The restarter's fd 0 is the marker file, so that it can be told apart. */
static int stdin_marker(void *arg)
{
	struct path_arg *a = arg;

	return open_at(0, a->path, O_RDONLY) != 0;
}

static void stdio_inherited_target(void *arg)
{
	struct path_arg *a = arg;
	struct stat s;

	SETUP(open_at(0, "/dev/null", O_RDONLY) == 0);

	ckpt_stop();

	/* The restarting caller's fd 0, not the checkpointed /dev/null. */
	CHECK(!fstat(0, &s));
	CHECKF(s.st_ino == a->ino && S_ISREG(s.st_mode), "fd 0 is ino %llu mode %o",
	       (unsigned long long)s.st_ino, s.st_mode);
	CHECK(fcntl(1, F_GETFD) >= 0 && fcntl(2, F_GETFD) >= 0);
}

/* FD records of fds 0-2: inherited, without a file, exactly when @inherited. */
static void check_stdio_records(struct __test_metadata *_metadata, int img, bool inherited)
{
	struct ckpt_image im;

	ASSERT_EQ(0, lseek(img, 0, SEEK_SET));
	ASSERT_EQ(0, ckpt_slurp(img, &im));
	for (unsigned int fd = 0; fd < 3; fd++) {
		const struct ckpt_hdr_fd *r = ckpt_find_fd(&im, fd);

		ASSERT_TRUE(r != NULL) TH_LOG("no FD record for fd %u", fd);
		EXPECT_EQ(inherited, !!(r->flags & CKPT_FD_INHERITED)) TH_LOG("fd %u", fd);
		EXPECT_EQ(inherited, r->objref == 0) TH_LOG("fd %u: objref %u", fd, r->objref);
	}
	free(im.buf);
}

TEST(stdio_inherited)
{
	struct path_arg a;
	struct ckpt_ctx c;
	struct stat s;
	int r, fd;

	fd = ckpt_named_file(a.path, sizeof(a.path), "stdin");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &s));
	close(fd);
	a.ino = s.st_ino;
	ckpt_ctx_init(&c);
	c.hook = stdin_marker;
	c.hook_arg = &a;
	r = ckpt_run(_metadata, &c, stdio_inherited_target, &a);
	unlink(a.path);
	if (r == CKPT_SKIPPED) {
		SKIP(return, "%s", c.skip);
	}
	check_stdio_records(_metadata, c.img, true);
}

static void stdio_own_target(void *arg)
{
	struct path_arg *a = arg;
	struct fd_state st[3];
	int fd;

	SETUP(open_at(0, "/dev/null", O_RDONLY) == 0);
	fd = open(a->path2, O_WRONLY | O_APPEND);
	SETUP(fd >= 0 && dup2(fd, 1) == 1 && dup2(fd, 2) == 2);
	close(fd);
	for (int i = 0; i < 3; i++)
		get_fd_state(i, &st[i]);

	ckpt_stop();

	/* Its own fds 0-2 (failed checks go to the log file). */
	for (int i = 0; i < 3; i++)
		CHECK_FD_STATE(i, &st[i]);
	CHECK(st[0].rdev == makedev(1, 3));
	CHECK(st[1].ino == a->ino2 && st[2].ino == a->ino2);
	CHECK(write(1, "restarted\n", 10) == 10);
}

TEST(stdio_not_inherited)
{
	static char log[4096];
	struct path_arg a;
	struct ckpt_ctx c;
	struct stat s;
	int r, fd;

	fd = ckpt_named_file(a.path, sizeof(a.path), "stdin");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &s));
	close(fd);
	a.ino = s.st_ino;
	fd = ckpt_named_file(a.path2, sizeof(a.path2), "stdout");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &s));
	close(fd);
	a.ino2 = s.st_ino;
	ckpt_ctx_init(&c);
	c.flags = 0;
	c.hook = stdin_marker;
	c.hook_arg = &a;
	r = ckpt_run(_metadata, &c, stdio_own_target, &a);
	ckpt_read_file(a.path2, log, sizeof(log));
	unlink(a.path);
	unlink(a.path2);
	if (r == CKPT_SKIPPED) {
		SKIP(return, "%s", c.skip);
	}
	EXPECT_STREQ("restarted\n", log) TH_LOG("the restarted process wrote: %s", log);
	check_stdio_records(_metadata, c.img, false);
}

/* ---- unsupported files ---- */

static void socket_target(void *arg)
{
	int s, type = 0;
	socklen_t len = sizeof(type);

	(void)arg;
	s = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE);
	SETUP(s >= 0 && dup2(s, 5) == 5);
	close(s);

	ckpt_stop();

	/* The original, after the refused checkpoint: the socket is intact. */
	CHECK(!getsockopt(5, SOL_SOCKET, SO_TYPE, &type, &len) && type == SOCK_DGRAM);
}

/* A kind of socket not saved (unix sockets are: socket_test). */
TEST(socket_refused)
{
	CKPT_RUN_REFUSED(socket_target, NULL, EOPNOTSUPP, "fd 5", "is a netlink socket");
}

/* ---- deleted files: their data saved, re-created unnamed ---- */

static void deleted_target(void *arg)
{
	struct timespec times[2] = { { 0, UTIME_OMIT }, { 1234567890, 123456789 } };
	long pg = sysconf(_SC_PAGESIZE);
	char path[64], link[128], buf[16];
	char *shared, *priv;
	struct stat s;
	int fd;

	(void)arg;
	fd = ckpt_named_file(path, sizeof(path), "deleted");
	SETUP(fd >= 0 && dup2(fd, 6) == 6);
	close(fd);
	/* 7: another open of the same file, read-only, with its own offset. */
	fd = open(path, O_RDONLY);
	SETUP(fd >= 0 && dup2(fd, 7) == 7);
	close(fd);
	SETUP(!unlink(path));
	/* Data in pages 0 and 3, a hole between them. */
	SETUP(write(6, "gone", 4) == 4);
	SETUP(pwrite(6, "tail", 4, 3 * pg) == 4);
	SETUP(ftruncate(6, 3 * pg + 100) == 0);
	shared = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, 6, 0);
	SETUP(shared != MAP_FAILED);
	shared[1] = 'X';
	priv = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, 6, 3 * pg);
	SETUP(priv != MAP_FAILED);
	priv[0] = 'P';
	SETUP(msync(shared, pg, MS_SYNC) == 0);
	SETUP(!fchmod(6, 0640));
	SETUP(!futimens(6, times));
	SETUP(dup2(6, 8) == 8);
	SETUP(lseek(6, 2, SEEK_SET) == 2);

	ckpt_stop();

	CHECK(!fstat(6, &s) && s.st_nlink == 0 && s.st_size == 3 * pg + 100);
	CHECKF((s.st_mode & 07777) == 0640 && S_ISREG(s.st_mode), "mode %o", s.st_mode);
	CHECKF(s.st_mtim.tv_sec == 1234567890 && s.st_mtim.tv_nsec == 123456789,
	       "mtime %lld.%09ld", (long long)s.st_mtim.tv_sec, s.st_mtim.tv_nsec);
	CHECK(readlink("/proc/self/fd/6", link, sizeof(link)) > 0);
	CHECKF(!strncmp(link, "/tmp/", 5) && strstr(link, " (deleted)"), "fd 6 is %s", link);
	/* Offsets: 6 and 8 share one, 7 has its own; 7 is still read-only. */
	CHECK(lseek(8, 0, SEEK_CUR) == 2 && lseek(7, 0, SEEK_CUR) == 0);
	CHECK((fcntl(7, F_GETFL) & O_ACCMODE) == O_RDONLY);
	CHECK((fcntl(6, F_GETFL) & O_ACCMODE) == O_RDWR);
	/* The data, the write through the shared mapping included; the hole. */
	CHECK(pread(7, buf, 4, 0) == 4 && !memcmp(buf, "gXne", 4));
	CHECK(pread(7, buf, 4, 3 * pg) == 4 && !memcmp(buf, "tail", 4));
	CHECK(pread(7, buf, 4, pg) == 4 && !memcmp(buf, "\0\0\0\0", 4));
	CHECKF(lseek(7, pg, SEEK_DATA) == 3 * pg, "SEEK_DATA from page 1: %lld",
	       (long long)lseek(7, pg, SEEK_DATA));
	/* The mappings: the shared one is the file, the private one its copy. */
	CHECK(shared[0] == 'g' && shared[1] == 'X' && priv[0] == 'P' && priv[1] == 'a');
	/* One file behind 6, 7 and the shared mapping. */
	CHECK(pwrite(6, "Z", 1, 2) == 1);
	CHECK(pread(7, buf, 4, 0) == 4 && !memcmp(buf, "gXZe", 4) && shared[2] == 'Z');
	shared[3] = 'Y';
	CHECK(pread(7, buf, 4, 0) == 4 && !memcmp(buf, "gXZY", 4));
}

TEST(deleted_file_saved)
{
	CKPT_RUN_SIMPLE(deleted_target, NULL);
}

/*
 * A deleted executable, as after a package upgrade: the target runs a copy
 * of this program, which removes itself and stops (the constructor below
 * runs before the harness when CKPT_DELETED_EXE names the copy).
 */
__attribute__((constructor)) static void deleted_exe_main(void)
{
	const char *path = getenv("CKPT_DELETED_EXE");
	char link[128];
	ssize_t n;

	if (!path)
		return;
	SETUP(!unlink(path));

	ckpt_stop();

	n = readlink("/proc/self/exe", link, sizeof(link) - 1);
	CHECK(n > 0);
	link[n > 0 ? n : 0] = '\0';
	CHECKF(!strncmp(link, "/tmp/", 5) && strstr(link, " (deleted)"), "exe is %s", link);
	/* The code runs from the re-created file. */
	CHECK(ckpt_getpid() != ckpt_orig_pid);
	_exit(CKPT_EXIT_OK);
}

static void deleted_exe_target(void *arg)
{
	char path[64], buf[65536], env[96];
	char *argv[] = { "deleted-exe", NULL }, *envp[] = { env, NULL };
	ssize_t n;
	int in, out;

	(void)arg;
	out = ckpt_named_file(path, sizeof(path), "exe");
	in = open("/proc/self/exe", O_RDONLY);
	SETUP(out >= 0 && in >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		SETUP(write(out, buf, n) == n);
	SETUP(n == 0 && !fchmod(out, 0755));
	close(in);
	close(out);
	snprintf(env, sizeof(env), "CKPT_DELETED_EXE=%s", path);
	execve(path, argv, envp);
	SETUP(0);
}

TEST(deleted_executable)
{
	CKPT_RUN_SIMPLE(deleted_exe_target, NULL);
}

static void deleted_large_target(void *arg)
{
	char path[64];
	int fd;

	(void)arg;
	fd = ckpt_named_file(path, sizeof(path), "deleted-large");
	SETUP(fd >= 0 && dup2(fd, 6) == 6);
	close(fd);
	SETUP(!unlink(path));
	/* Sparse: the size alone is over the limit. */
	SETUP(!ftruncate(6, (64 << 20) + 1));

	ckpt_stop();

	CHECK(lseek(6, 0, SEEK_END) == (64 << 20) + 1);
}

TEST(deleted_file_too_large_refused)
{
	CKPT_RUN_REFUSED(deleted_large_target, NULL, EOPNOTSUPP, "fd 6", "deleted file of 67108865 bytes",
			 "64 MiB");
}

/* ---- status flags and separate opens ---- */

/* @fd as descriptor @want. */
static int move_fd(int fd, int want)
{
	if (fd < 0 || fd == want)
		return fd;
	if (dup2(fd, want) != want)
		return -1;
	close(fd);
	return want;
}

static int fl_before[9];

static void append_target(void *arg)
{
	char *sh, mf[64], buf[8];
	int fl[2], r, w;

	(void)arg;
	/* Descriptors 0-2 taken, so that new ones come above them. */
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			SETUP(open("/dev/null", O_RDONLY) == fd);
	SETUP(move_fd(memfd_create("ckpt-append", 0), 3) == 3);
	SETUP(write(3, "abc", 3) == 3);
	SETUP(fcntl(3, F_SETFL, O_APPEND) == 0);
	/* A second open of the memfd, without O_APPEND, its own offset. */
	SETUP(move_fd(open("/proc/self/fd/3", O_RDWR), 4) == 4);
	SETUP(lseek(4, 1, SEEK_SET) == 1);
	/* The shmem file of shared anonymous memory, opened with O_APPEND. */
	sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	SETUP(sh != MAP_FAILED);
	snprintf(mf, sizeof(mf), "/proc/self/map_files/%lx-%lx", (unsigned long)sh,
		 (unsigned long)sh + 4096);
	SETUP(move_fd(open(mf, O_RDWR | O_APPEND), 8) == 8);
	/* Two opens of one pipe end: one O_NONBLOCK, one not. */
	SETUP(!pipe(fl));
	SETUP(move_fd(fl[0], 5) == 5 && move_fd(fl[1], 6) == 6);
	SETUP(move_fd(open("/proc/self/fd/5", O_RDONLY | O_NONBLOCK), 7) == 7);
	SETUP(fcntl(6, F_SETFL, O_APPEND) == 0);
	for (int fd = 3; fd <= 8; fd++)
		fl_before[fd] = fcntl(fd, F_GETFL);
	SETUP((fl_before[3] & (O_ACCMODE | O_APPEND)) == (O_RDWR | O_APPEND));
	SETUP((fl_before[4] & (O_ACCMODE | O_APPEND)) == O_RDWR);
	SETUP(fl_before[8] & O_APPEND);

	ckpt_stop();

	/* Every open keeps its own flags, O_LARGEFILE included. */
	for (int fd = 3; fd <= 8; fd++)
		CHECKF(fcntl(fd, F_GETFL) == fl_before[fd], "fd %d: flags %#x, were %#x", fd,
		       fcntl(fd, F_GETFL), fl_before[fd]);
	CHECK(lseek(4, 0, SEEK_CUR) == 1 && lseek(3, 0, SEEK_CUR) == 3);
	/* The two opens are still one memfd: a write through 3 appends. */
	CHECK(write(3, "d", 1) == 1);
	CHECK(pread(4, buf, 4, 0) == 4 && !memcmp(buf, "abcd", 4));
	r = fcntl(5, F_GETFL);
	w = fcntl(7, F_GETFL);
	CHECKF(!(r & O_NONBLOCK) && (w & O_NONBLOCK), "fd 5 %#x, fd 7 %#x", r, w);
	CHECKF(fcntl(6, F_GETFL) & O_APPEND, "fd 6 %#x", fcntl(6, F_GETFL));
	/* Both read the one pipe. */
	CHECK(read(7, buf, 1) == -1 && errno == EAGAIN);
	CHECK(write(6, "xy", 2) == 2);
	CHECK(read(7, buf, 1) == 1 && buf[0] == 'x');
	CHECK(read(5, buf, 1) == 1 && buf[0] == 'y');
}

TEST(status_flags_and_separate_opens)
{
	CKPT_RUN_SIMPLE(append_target, NULL);
}

/*
 * A memfd only open for reading (the first of its files the checkpoint
 * meets) and for writing: each comes back with its access mode, one memfd.
 */
static void memfd_modes_target(void *arg)
{
	char buf[8];

	(void)arg;
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			SETUP(open("/dev/null", O_RDONLY) == fd);
	SETUP(move_fd(memfd_create("ckpt-modes", 0), 3) == 3);
	SETUP(write(3, "hello", 5) == 5);
	SETUP(move_fd(open("/proc/self/fd/3", O_RDONLY), 4) == 4);
	SETUP(move_fd(open("/proc/self/fd/3", O_WRONLY), 5) == 5);
	SETUP(close(3) == 0);

	ckpt_stop();

	CHECKF((fcntl(4, F_GETFL) & O_ACCMODE) == O_RDONLY, "fd 4 %#x", fcntl(4, F_GETFL));
	CHECKF((fcntl(5, F_GETFL) & O_ACCMODE) == O_WRONLY, "fd 5 %#x", fcntl(5, F_GETFL));
	CHECK(write(4, "x", 1) == -1 && errno == EBADF);
	CHECK(read(5, buf, 1) == -1 && errno == EBADF);
	CHECK(pwrite(5, "J", 1, 0) == 1);
	CHECK(pread(4, buf, 5, 0) == 5 && !memcmp(buf, "Jello", 5));
	/* Closing them must balance the inode's reader and writer counts. */
	CHECK(close(4) == 0 && close(5) == 0);
}

TEST(memfd_read_only_and_write_only)
{
	CKPT_RUN_SIMPLE(memfd_modes_target, NULL);
}

/* ---- /proc files of the process itself, namespace files ---- */

static void proc_self_target(void *arg)
{
	char path[64];
	int fd;

	(void)arg;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)getpid());
	fd = open(path, O_RDONLY);
	SETUP(fd >= 0 && dup2(fd, 5) == 5);
	close(fd);

	ckpt_stop();

	CHECK(fcntl(5, F_GETFD) >= 0);
}

TEST(own_proc_file_refused)
{
	CKPT_RUN_REFUSED(proc_self_target, NULL, EOPNOTSUPP, "fd 5", "/maps",
			 "the process itself");
}

static void proc_other_target(void *arg)
{
	char buf[64];
	int fd;

	(void)arg;
	/* /proc/1 is not the process: reopened by path, it is the same file. */
	fd = open("/proc/1/cmdline", O_RDONLY);
	SETUP(fd >= 0 && dup2(fd, 5) == 5);
	close(fd);

	ckpt_stop();

	CHECK(read(5, buf, sizeof(buf)) > 0 && !strcmp(buf, "/init"));
}

TEST(other_proc_file)
{
	CKPT_RUN_SIMPLE(proc_other_target, NULL);
}

static void nsfs_target(void *arg)
{
	int fd;

	(void)arg;
	fd = open("/proc/self/ns/net", O_RDONLY);
	SETUP(fd >= 0 && dup2(fd, 4) == 4);
	close(fd);

	ckpt_stop();

	CHECK(fcntl(4, F_GETFD) >= 0);
}

TEST(namespace_file_refused)
{
	CKPT_RUN_REFUSED(nsfs_target, NULL, EOPNOTSUPP, "fd 4", "namespace file", "net:[");
}

static void userfaultfd_target(void *arg)
{
	int fd;

	(void)arg;
	fd = syscall(SYS_userfaultfd, O_CLOEXEC);
	SETUP(fd >= 0 && dup2(fd, 4) == 4);
	close(fd);

	ckpt_stop();

	CHECK(fcntl(4, F_GETFD) >= 0);
}

TEST(anon_inode_refused_by_name)
{
	CKPT_RUN_REFUSED(userfaultfd_target, NULL, EOPNOTSUPP, "fd 4", "[userfaultfd]");
}

/* ---- the owner of a file: F_SETOWN, F_SETOWN_EX, F_SETSIG ---- */

static bool owner_is(int fd, int type, pid_t pid)
{
	struct f_owner_ex o = { -1, -1 };

	return !fcntl(fd, F_GETOWN_EX, &o) && o.type == type && o.pid == pid;
}

static void owner_target(void *arg)
{
	struct f_owner_ex tid = { F_OWNER_TID, (pid_t)syscall(SYS_gettid) };
	int p[2];

	(void)arg;
	SETUP(!pipe(p) && p[0] == 3 && p[1] == 4);
	SETUP(!fcntl(3, F_SETOWN, getpid()));
	SETUP(!fcntl(3, F_SETSIG, SIGRTMIN + 3));
	SETUP(!fcntl(4, F_SETOWN_EX, &tid));
	SETUP(open("/dev/null", O_RDONLY) == 5);
	SETUP(!fcntl(5, F_SETOWN, -getpgrp()));
	SETUP(eventfd(0, 0) == 6);
	SETUP(!fcntl(6, F_SETSIG, SIGUSR1));
	SETUP(memfd_create("owner", 0) == 7);
	SETUP(!fcntl(7, F_SETOWN, 0));
	SETUP(owner_is(3, F_OWNER_PID, getpid()) && owner_is(4, F_OWNER_TID, tid.pid));
	SETUP(owner_is(5, F_OWNER_PGRP, getpgrp()) && owner_is(6, F_OWNER_TID, 0));
	SETUP(owner_is(7, F_OWNER_PID, 0));
	SETUP(open("/dev/zero", O_RDONLY) == 8);

	ckpt_stop();

	/* The process itself: its new pid, tid and process group. */
	CHECKF(fcntl(3, F_GETOWN) == getpid(), "fd 3: owner %d, pid %d", fcntl(3, F_GETOWN),
	       getpid());
	CHECK(owner_is(3, F_OWNER_PID, getpid()));
	CHECKF(fcntl(3, F_GETSIG) == SIGRTMIN + 3, "fd 3: F_GETSIG %d", fcntl(3, F_GETSIG));
	CHECK(owner_is(4, F_OWNER_TID, (pid_t)syscall(SYS_gettid)));
	CHECK(fcntl(4, F_GETSIG) == 0);
	CHECKF(fcntl(5, F_GETOWN) == -getpgrp(), "fd 5: owner %d, process group %d",
	       fcntl(5, F_GETOWN), getpgrp());
	CHECK(owner_is(5, F_OWNER_PGRP, getpgrp()));
	/* A signal and no owner; an owner set to none. */
	CHECK(owner_is(6, F_OWNER_TID, 0) && fcntl(6, F_GETSIG) == SIGUSR1);
	CHECK(owner_is(7, F_OWNER_PID, 0) && fcntl(7, F_GETSIG) == 0);
	/* A file whose owner was never set. */
	CHECK(owner_is(8, F_OWNER_TID, 0) && fcntl(8, F_GETSIG) == 0);
}

TEST(file_owner_and_signal)
{
	CKPT_RUN_SIMPLE(owner_target, NULL);
}

static void owner_other_target(void *arg)
{
	(void)arg;
	SETUP(open("/dev/null", O_RDONLY) == 3);
	SETUP(!fcntl(3, F_SETOWN, getppid()));

	ckpt_stop();

	CHECK(fcntl(3, F_GETOWN) == getppid());
}

TEST(file_owner_other_refused)
{
	CKPT_RUN_REFUSED(owner_other_target, NULL, EOPNOTSUPP, "fd 3", "F_SETOWN", "pid");
}

/*
 * F_SETOWN records its caller's user ids, which the signal's permission
 * check uses; restart takes them from the process's: a process that
 * changed its ids since is refused, not given other ids.
 */
static void owner_ids_target(void *arg)
{
	(void)arg;
	SETUP(open("/dev/null", O_RDONLY) == 3);
	SETUP(!fcntl(3, F_SETOWN, getpid()));
	SETUP(!setresuid(1000, 1000, 1000));

	ckpt_stop();

	CHECK(fcntl(3, F_GETOWN) == getpid());
}

TEST(file_owner_set_by_other_ids_refused)
{
	CKPT_RUN_REFUSED(owner_ids_target, NULL, EOPNOTSUPP, "fd 3", "other user ids");
}

/* ---- O_ASYNC: the I/O signals, and the descriptor they carry ---- */

#define ASYNC_SIGS	4

static int async_sig(int i)
{
	return SIGRTMIN + 1 + i;
}

/* The si_fd of the next I/O signal @sig, within 2 s, or -1 (-2: no POLL_IN). */
static int async_fd_of(int sig)
{
	struct timespec ts = { 2, 0 };
	siginfo_t si;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	if (sigtimedwait(&set, &si, &ts) != sig)
		return -1;
	return si.si_code == POLL_IN ? si.si_fd : -2;
}

/* How many of the test's signals (and SIGIO) are pending. */
static int async_pending(void)
{
	sigset_t pend;
	int i, n = 0;

	if (sigpending(&pend))
		return -1;
	for (i = 0; i < ASYNC_SIGS; i++)
		n += sigismember(&pend, async_sig(i));
	return n + sigismember(&pend, SIGIO);
}

/*
 * Make each watched file ready: a byte into the pipe (write end 21), a byte
 * to the unix socket 23 (from 24), a datagram to UDP socket 25 (from 26),
 * a change of the file inotify 27 watches.
 */
static bool async_poke(const char *path, const struct sockaddr_in *udp)
{
	int fd = open(path, O_WRONLY | O_APPEND);
	bool ok = fd >= 0 && write(fd, "m", 1) == 1;

	if (fd >= 0)
		close(fd);
	return ok && write(21, "p", 1) == 1 && send(24, "u", 1, 0) == 1 &&
	       sendto(26, "d", 1, 0, (const struct sockaddr *)udp, sizeof(*udp)) == 1;
}

/* The si_fd each of the four signals carries, in @fd[]. */
static void async_fds(int fd[ASYNC_SIGS])
{
	int i;

	for (i = 0; i < ASYNC_SIGS; i++)
		fd[i] = async_fd_of(async_sig(i));
}

static void o_async_target(void *arg)
{
	struct sockaddr_in udp = { .sin_family = AF_INET };
	const int want[ASYNC_SIGS] = { 20, 23, 25, 27 };
	int p[2], fd[ASYNC_SIGS], i, fl;
	socklen_t len = sizeof(udp);
	char path[64], buf[64];
	sigset_t set;

	(void)arg;
	sigemptyset(&set);
	for (i = 0; i < ASYNC_SIGS; i++)
		sigaddset(&set, async_sig(i));
	sigaddset(&set, SIGIO);
	SETUP(!sigprocmask(SIG_BLOCK, &set, NULL));
	snprintf(path, sizeof(path), "/tmp/ckpt-async-%d", getpid());
	fl = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	SETUP(fl >= 0 && !close(fl));

	/* The pipe's O_ASYNC set through fd 20, which is since dup2()'d to 22. */
	SETUP(!pipe(p) && ckpt_move_fd(p[0], 20) == 20 && ckpt_move_fd(p[1], 21) == 21);
	SETUP(!socketpair(AF_UNIX, SOCK_STREAM, 0, p) && ckpt_move_fd(p[0], 23) == 23 &&
	      ckpt_move_fd(p[1], 24) == 24);
	udp.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	SETUP(ckpt_move_fd(socket(AF_INET, SOCK_DGRAM, 0), 25) == 25 &&
	      !bind(25, (struct sockaddr *)&udp, len) &&
	      !getsockname(25, (struct sockaddr *)&udp, &len));
	SETUP(ckpt_move_fd(socket(AF_INET, SOCK_DGRAM, 0), 26) == 26);
	SETUP(ckpt_move_fd(inotify_init1(IN_NONBLOCK), 27) == 27 &&
	      inotify_add_watch(27, path, IN_MODIFY) == 1);
	/* A memfd has no ->fasync(): F_SETFL leaves O_ASYNC off. */
	SETUP(ckpt_move_fd(memfd_create("async", 0), 28) == 28);
	for (i = 0; i < ASYNC_SIGS; i++) {
		SETUP(!fcntl(want[i], F_SETOWN, getpid()));
		SETUP(!fcntl(want[i], F_SETSIG, async_sig(i)));
		fl = fcntl(want[i], F_GETFL);
		SETUP(fl >= 0 && !fcntl(want[i], F_SETFL, fl | O_ASYNC | O_NONBLOCK));
	}
	SETUP(!fcntl(28, F_SETFL, O_ASYNC) && !(fcntl(28, F_GETFL) & O_ASYNC));
	SETUP(dup2(20, 22) == 22 && !close(20));
	for (i = 1; i < ASYNC_SIGS; i++)
		SETUP(fcntl(want[i], F_GETFL) & O_ASYNC);
	SETUP(fcntl(22, F_GETFL) & O_ASYNC);

	/*
	 * The signals work; the bytes stay queued (inotify's event is read:
	 * checkpoint refuses one), the signals are taken.
	 */
	SETUP(async_poke(path, &udp));
	async_fds(fd);
	for (i = 0; i < ASYNC_SIGS; i++)
		SETUP(fd[i] == want[i]);
	SETUP(read(27, buf, sizeof(buf)) > 0);
	SETUP(async_pending() == 0);

	ckpt_stop();

	CHECKF(async_pending() == 0, "%d I/O signals pending after restart", async_pending());
	for (i = 1; i < ASYNC_SIGS; i++)
		CHECKF(fcntl(want[i], F_GETFL) & O_ASYNC, "fd %d lost O_ASYNC", want[i]);
	CHECKF(fcntl(22, F_GETFL) & O_ASYNC, "the pipe's F_GETFL: %#x", fcntl(22, F_GETFL));
	CHECK(!(fcntl(21, F_GETFL) & O_ASYNC) && !(fcntl(24, F_GETFL) & O_ASYNC) &&
	      !(fcntl(26, F_GETFL) & O_ASYNC) && !(fcntl(28, F_GETFL) & O_ASYNC));
	/* The bytes queued before, each once, and no signal for them. */
	CHECK(read(22, buf, sizeof(buf)) == 1 && buf[0] == 'p');
	CHECK(recv(23, buf, sizeof(buf), 0) == 1 && buf[0] == 'u');
	CHECK(recv(25, buf, sizeof(buf), 0) == 1 && buf[0] == 'd');
	CHECK(read(27, buf, sizeof(buf)) == -1 && errno == EAGAIN);
	CHECK(async_pending() == 0);

	/* New I/O signals, each with the descriptor F_SETFL was given. */
	CHECK(async_poke(path, &udp));
	async_fds(fd);
	for (i = 0; i < ASYNC_SIGS; i++)
		CHECKF(fd[i] == want[i], "signal %d: si_fd %d, want %d", i, fd[i], want[i]);
	CHECK(async_pending() == 0);
	unlink(path);
}

TEST(o_async_signals)
{
	CKPT_RUN_SIMPLE(o_async_target, NULL);
}

/* ---- file locks: taken again at restart; leases refused ---- */

enum lock_kind { LK_FLOCK, LK_POSIX, LK_OFD, LK_LEASE };

struct lock_arg {
	char path[64];
	enum lock_kind kind;
};

/*
 * What another process sees of the lock on bytes 10-14 of @path (or the
 * whole file, for flock): 0 if it is the lock of @kind that @owner took.
 */
static int lock_probe(const char *path, enum lock_kind kind, pid_t owner)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 12, .l_len = 1 };
	int st, fd;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		fd = open(path, O_RDONLY);
		if (fd < 0)
			_exit(1);
		switch (kind) {
		case LK_FLOCK:
			/* Shared: another shared lock is granted, an exclusive one not. */
			if (!flock(fd, LOCK_EX | LOCK_NB) || errno != EWOULDBLOCK)
				_exit(2);
			_exit(flock(fd, LOCK_SH | LOCK_NB) ? 3 : 0);
		case LK_POSIX:
			if (fcntl(fd, F_GETLK, &fl) || fl.l_type != F_RDLCK || fl.l_pid != owner ||
			    fl.l_start != 10 || fl.l_len != 5)
				_exit(4);
			break;
		case LK_OFD:
			if (fcntl(fd, F_OFD_GETLK, &fl) || fl.l_type != F_RDLCK || fl.l_pid != -1 ||
			    fl.l_start != 10 || fl.l_len != 5)
				_exit(5);
			break;
		default:
			_exit(6);
		}
		/* Nothing outside the range. */
		fl.l_type = F_WRLCK;
		fl.l_start = 15;
		fl.l_len = 0;
		_exit(fcntl(fd, F_GETLK, &fl) || fl.l_type != F_UNLCK ? 7 : 0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void lock_target(void *arg)
{
	struct lock_arg *a = arg;
	struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 10, .l_len = 5 };
	int probe;

	SETUP(open(a->path, O_RDONLY) == 3);
	/* The POSIX lock is taken through another open of the same file. */
	SETUP(open(a->path, O_RDONLY) == 4);
	switch (a->kind) {
	case LK_FLOCK:
		SETUP(!flock(3, LOCK_SH | LOCK_NB));
		break;
	case LK_POSIX:
		SETUP(!fcntl(4, F_SETLK, &fl));
		break;
	case LK_OFD:
		SETUP(!fcntl(3, F_OFD_SETLK, &fl));
		break;
	case LK_LEASE:
		SETUP(!fcntl(3, F_SETLEASE, F_RDLCK));
		break;
	}
	if (a->kind != LK_LEASE) {
		probe = lock_probe(a->path, a->kind, getpid());
		SETUP(probe == 0);
	}

	ckpt_stop();

	CHECK(fcntl(3, F_GETFD) >= 0);
	if (a->kind == LK_LEASE)
		return;
	/* The same lock, of this process (its pid now) or of its open file. */
	probe = lock_probe(a->path, a->kind, ckpt_getpid());
	CHECKF(probe == 0, "another process sees the lock differently (%d)", probe);
	/* Given up, it is gone. */
	fl.l_type = F_UNLCK;
	CHECK(a->kind == LK_FLOCK ? !flock(3, LOCK_UN) :
	      !fcntl(a->kind == LK_OFD ? 3 : 4, a->kind == LK_OFD ? F_OFD_SETLK : F_SETLK, &fl));
	CHECK(lock_probe(a->path, a->kind, ckpt_getpid()) != 0);
}

FIXTURE(lock) {
	struct lock_arg a;
};

FIXTURE_VARIANT(lock) {
	enum lock_kind kind;
};

FIXTURE_VARIANT_ADD(lock, flock) { .kind = LK_FLOCK };
FIXTURE_VARIANT_ADD(lock, posix) { .kind = LK_POSIX };
FIXTURE_VARIANT_ADD(lock, ofd) { .kind = LK_OFD };

FIXTURE_SETUP(lock)
{
	int fd = ckpt_named_file(self->a.path, sizeof(self->a.path), "lock");

	ASSERT_LE(0, fd);
	ASSERT_EQ(20, write(fd, "0123456789abcdefghij", 20));
	/* No writer left: a read lease needs none. */
	close(fd);
	self->a.kind = variant->kind;
}

FIXTURE_TEARDOWN(lock)
{
	unlink(self->a.path);
}

/* flock(2), POSIX and OFD locks are held again after restart. */
TEST_F(lock, kept)
{
	CKPT_RUN_SIMPLE(lock_target, &self->a);
}

/* A lease is refused, with a line. */
TEST(lease_refused)
{
	struct lock_arg a = { .kind = LK_LEASE };
	const char *words[] = { "fd 3", "lease (F_SETLEASE)", NULL, NULL };
	struct ckpt_ctx c;
	int fd = ckpt_named_file(a.path, sizeof(a.path), "lease");
	int r;

	ASSERT_LE(0, fd);
	/* No writer left: a read lease needs none. */
	close(fd);
	words[2] = strrchr(a.path, '/') + 1;
	ckpt_ctx_init(&c);
	r = ckpt_run_refused(_metadata, &c, lock_target, &a, EOPNOTSUPP, words);
	unlink(a.path);
	if (r == CKPT_SKIPPED)
		SKIP(return, "%s", c.skip);
}

TEST_HARNESS_MAIN
