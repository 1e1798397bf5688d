// SPDX-License-Identifier: GPL-2.0
/*
 * restart: become the process saved in a checkpoint image, or restore a
 * process tree under this one.
 *
 *   restart [-n | -p] [-t] [-i FILE]
 *
 * Calls restart(2) on the image in FILE (default: standard input).  An
 * image of one process, without option, is restarted in this very process:
 * on success it does not return, the process keeps its pid and goes on as
 * the checkpointed one.  An image of a tree, or any image with -n
 * (CKPT_RESTART_NEW_PIDNS) or -p (CKPT_RESTART_SAME_PIDS), is restored as
 * a child of this process, which prints the pid of its root, waits for it
 * and exits as it does.  A failure is reported with the line the kernel
 * wrote on the log pipe.
 *
 * Exits 1 if the restart failed, 2 on a usage error; after a tree was
 * restored, with the root's exit status (128 + the signal that killed it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/checkpoint.h>

#include "ckpt_log.h"

static const char *prog = "restart";

static void usage(FILE *f)
{
	fprintf(f, "usage: %s [-n | -p] [-t] [-i FILE]\n"
		"Restart the checkpoint image in FILE (default: standard input).\n"
		"An image of one process is restarted in this process, which becomes the\n"
		"checkpointed one and keeps its pid.  An image of a process tree, or any\n"
		"image with -n or -p, is restored as a child of this process, which prints\n"
		"the pid of its root, waits for it and exits with its status.\n"
		"  -n  in a new pid namespace: the root is pid 1, the others keep their pids\n"
		"      (the default for a tree; needs CAP_SYS_ADMIN)\n"
		"  -p  with the very pids they had, in this pid namespace (needs\n"
		"      CAP_CHECKPOINT_RESTORE; fails if one is taken)\n"
		"  -t  take over the TCP connections to peers outside the tree that\n"
		"      checkpoint -t held (needs CAP_NET_ADMIN)\n"
		"If the image inherits stdio (checkpoint -i), the restarted processes get\n"
		"this process's fds 0, 1 and 2: give the image with -i to keep stdin free.\n"
		"Exit status: 1 restart failed, 2 usage error; else the root's.\n",
		prog);
}

/*
 * Move @fd to a number of 3 or more, close-on-exec.  restart(2) replaces
 * the whole fd table, except fds 0, 1 and 2 when the image inherits them
 * from its caller: no descriptor of this tool may sit there.
 */
static int above_stdio(int fd)
{
	int nfd;

	if (fd > STDERR_FILENO)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	close(fd);
	return nfd;
}

/*
 * Report a failed restart(2): the line the kernel wrote on the log pipe,
 * which already starts with "restart: ", or else the error number.
 */
static void report(int logfd, int err)
{
	if (ckpt_print_log(logfd, prog, "restart: "))
		return;
	if (err == ENOSYS)
		fprintf(stderr, "%s: this kernel has no restart(2) system call\n", prog);
	else
		fprintf(stderr, "%s: %s\n", prog, strerror(err));
}

int main(int argc, char **argv)
{
	const char *in = NULL;
	int opt, fd, lp[2], err, status;
	unsigned long flags = 0;
	long ret;

	while ((opt = getopt(argc, argv, "hi:npt")) != -1) {
		switch (opt) {
		case 'i':
			in = optarg;
			break;
		case 'n':
			flags |= CKPT_RESTART_NEW_PIDNS;
			break;
		case 'p':
			flags |= CKPT_RESTART_SAME_PIDS;
			break;
		case 't':
			flags |= CKPT_RESTART_TCP_ESTABLISHED;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || flags == (CKPT_RESTART_NEW_PIDNS | CKPT_RESTART_SAME_PIDS)) {
		usage(stderr);
		return 2;
	}
	if (in && !*in) {
		fprintf(stderr, "%s: empty image file name\n", prog);
		return 2;
	}

	if (in) {
		fd = open(in, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			fd = above_stdio(fd);
		if (fd < 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, in, strerror(errno));
			return 1;
		}
	} else {
		fd = STDIN_FILENO;
		if (fcntl(fd, F_GETFD) < 0) {
			fprintf(stderr, "%s: standard input is closed; use -i FILE\n", prog);
			return 2;
		}
	}
	if (isatty(fd)) {
		fprintf(stderr, "%s: refusing to read an image from a terminal%s\n", prog,
			in ? "" : "; redirect standard input or use -i FILE");
		return 2;
	}

	/*
	 * The log pipe.  O_CLOEXEC does not keep it out of the restarted
	 * process (restart is no exec); being above fd 2 does, as the
	 * restarted process gets the fds of the image, and at most fds 0-2
	 * of this one.
	 */
	if (pipe2(lp, O_CLOEXEC)) {
		fprintf(stderr, "%s: pipe: %s\n", prog, strerror(errno));
		return 1;
	}
	lp[0] = above_stdio(lp[0]);
	lp[1] = above_stdio(lp[1]);
	if (lp[0] < 0 || lp[1] < 0) {
		fprintf(stderr, "%s: pipe: %s\n", prog, strerror(errno));
		return 1;
	}

	ret = syscall(__NR_restart, 0L, (long)fd, flags, (long)lp[1]);
	/* Still here: a tree was restored, or the restart failed. */
	err = ret < 0 ? errno : 0;
	close(lp[1]);
	if (ret < 0) {
		report(lp[0], err);
		return 1;
	}
	close(lp[0]);
	if (fd != STDIN_FILENO)
		close(fd);
	fprintf(stderr, "%s: restored the tree, root pid %ld\n", prog, ret);
	while (waitpid((pid_t)ret, &status, __WALL) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "%s: waitpid: %s\n", prog, strerror(errno));
			return 1;
		}
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
