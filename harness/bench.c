// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmark of `make bench`, run by /init in the x86_64 guest.
 *
 * A process touches N MiB of anonymous memory and stops.  We time its
 * checkpoint into a tmpfs file and into a pipe drained by a reader, and
 * the restart from the file; against write(2) of the same bytes from user
 * memory to the same file and pipe, and read(2) of them from the file,
 * measured in the same run.  A ratio is the system call's throughput over
 * checkpoint(2)'s or restart(2)'s: 1.0 means as fast as plain I/O.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/checkpoint.h>

#define MIB		(1UL << 20)
#define CHUNK		MIB
#define ROUNDS		3

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int tmpfile_at(const char *name)
{
	int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		die(name);
	return fd;
}

/* A reader that drains the pipe @p; returns its pid. */
static pid_t drain(int p[2])
{
	static char buf[CHUNK];
	pid_t pid = fork();

	if (pid == 0) {
		close(p[1]);
		while (read(p[0], buf, sizeof(buf)) > 0)
			;
		_exit(0);
	}
	return pid;
}

/*
 * The target: @size bytes touched, then stopped.  Restarted, it writes
 * when it runs again to its standard output, which it inherits from the
 * restarting process.
 */
static pid_t target(size_t size, void *buf)
{
	pid_t pid = fork();

	if (pid == 0) {
		/* Only the target's own memory is measured. */
		munmap(buf, size);
		char *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		pid_t me = getpid();
		double t;

		if (p == MAP_FAILED)
			_exit(1);
		for (size_t i = 0; i < size; i += 4096)
			p[i] = (char)(i >> 12) | 1;
		raise(SIGSTOP);
		t = now();
		if (getpid() != me && write(1, &t, sizeof(t)) != sizeof(t))
			_exit(2);
		_exit(0);
	}
	return pid;
}

static double best(double a, double b)
{
	return a < b || !b ? a : b;
}

static void bench(size_t mib)
{
	size_t size = mib * MIB;
	double t, t_ckpt_file = 0, t_ckpt_pipe = 0, t_restart = 0;
	double t_write_file = 0, t_write_pipe = 0, t_read_file = 0;
	char *buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	int report[2], p[2], status, fd;
	struct stat st;
	off_t image = 0;
	pid_t pid, r;

	if (buf == MAP_FAILED || pipe(report))
		die("setup");
	memset(buf, 0x5a, size);
	for (int round = 0; round < ROUNDS; round++) {
		/* write(2) of the bytes to a tmpfs file, then read(2) back. */
		fd = tmpfile_at("/tmp/raw");
		t = now();
		for (size_t off = 0; off < size; off += CHUNK)
			if (write(fd, buf + off, CHUNK) != CHUNK)
				die("write");
		t_write_file = best(now() - t, t_write_file);
		lseek(fd, 0, SEEK_SET);
		t = now();
		for (size_t off = 0; off < size; off += CHUNK)
			if (read(fd, buf + off, CHUNK) != CHUNK)
				die("read");
		t_read_file = best(now() - t, t_read_file);
		close(fd);
		unlink("/tmp/raw");

		/* write(2) of the bytes to a pipe drained by a reader. */
		if (pipe(p))
			die("pipe");
		r = drain(p);
		close(p[0]);
		t = now();
		for (size_t off = 0; off < size; off += CHUNK)
			if (write(p[1], buf + off, CHUNK) != CHUNK)
				die("write");
		close(p[1]);
		waitpid(r, NULL, 0);
		t_write_pipe = best(now() - t, t_write_pipe);

		/* checkpoint(2) of the target into a pipe. */
		pid = target(size, buf);
		waitpid(pid, &status, WUNTRACED);
		if (pipe(p))
			die("pipe");
		r = drain(p);
		close(p[0]);
		t = now();
		if (syscall(__NR_checkpoint, pid, p[1], CKPT_CHECKPOINT_INHERIT_STDIO, 2) <= 0)
			die("checkpoint to a pipe");
		close(p[1]);
		waitpid(r, NULL, 0);
		t_ckpt_pipe = best(now() - t, t_ckpt_pipe);

		/* checkpoint(2) of the target into a tmpfs file. */
		fd = tmpfile_at("/tmp/image");
		t = now();
		if (syscall(__NR_checkpoint, pid, fd, CKPT_CHECKPOINT_INHERIT_STDIO, 2) <= 0)
			die("checkpoint to a file");
		t_ckpt_file = best(now() - t, t_ckpt_file);
		fstat(fd, &st);
		image = st.st_size;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);

		/* restart(2) from the file, until the target runs again. */
		t = now();
		r = fork();
		if (r == 0) {
			lseek(fd, 0, SEEK_SET);
			dup2(report[1], 1);
			syscall(__NR_restart, 0, fd, 0, 2);
			die("restart");
		}
		{
			double back;

			if (read(report[0], &back, sizeof(back)) != sizeof(back))
				die("restarted target");
			t_restart = best(back - t, t_restart);
		}
		waitpid(r, &status, 0);
		close(fd);
		unlink("/tmp/image");
	}
	munmap(buf, size);

	printf("%4zu MiB touched, image %.1f MiB (%+.2f%% of the memory)\n", mib,
	       image / (double)MIB, 100.0 * (image - (double)size) / size);
	printf("  checkpoint to tmpfs file : %7.1f MiB/s   write(2) %7.1f MiB/s   ratio %.2f\n",
	       mib / t_ckpt_file, mib / t_write_file, t_write_file / t_ckpt_file);
	printf("  checkpoint to a pipe     : %7.1f MiB/s   write(2) %7.1f MiB/s   ratio %.2f\n",
	       mib / t_ckpt_pipe, mib / t_write_pipe, t_write_pipe / t_ckpt_pipe);
	printf("  restart from tmpfs file  : %7.1f MiB/s   read(2)  %7.1f MiB/s   ratio %.2f\n",
	       mib / t_restart, mib / t_read_file, t_read_file / t_restart);
}

int main(void)
{
	static const size_t sizes[] = { 16, 64, 256 };

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("== checkpoint/restart benchmark (best of %d rounds; ratio = plain I/O time / c/r time)\n",
	       ROUNDS);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		bench(sizes[i]);
	return 0;
}
