// SPDX-License-Identifier: GPL-2.0
/*
 * checkpoint: save a stopped process into a checkpoint image.
 *
 *   checkpoint [-i] [-p] [-s] [-t] [-v] [-o FILE] PID
 *
 * Calls checkpoint(2) on process PID, which must already be stopped
 * (SIGSTOP, ptrace) or frozen: the tool does not stop it.  With -p
 * (--precopy) the process may run: its memory is copied while it runs,
 * and checkpoint(2) stops it (SIGSTOP) for the rest.  The image goes
 * to FILE, or to standard output, never to a terminal.  A failure is
 * reported with the line the kernel wrote on the log pipe.
 *
 * Exits 0 on success, 1 if the checkpoint failed, 2 on a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/checkpoint.h>

#include "ckpt_log.h"

static const char *prog = "checkpoint";

static void usage(FILE *f)
{
	fprintf(f, "usage: %s [-i] [-p] [-s] [-t] [-v] [-o FILE] PID\n"
		"Checkpoint process PID, which must be stopped or frozen, into FILE\n"
		"(default: standard output, which must not be a terminal).\n"
		"  -i       fds 0, 1 and 2 are inherited from whoever restarts the image\n"
		"  -o FILE  write the image to FILE (created with mode 0600)\n"
		"  -p, --precopy\n"
		"           PID may run: its memory is copied while it runs, in rounds,\n"
		"           then it is stopped (SIGSTOP) for the last pages and the rest,\n"
		"           and stays stopped\n"
		"  -s       shared memory also used outside the tree is saved as it is\n"
		"  -t       TCP connections to peers outside the tree are saved and held\n"
		"           for restart -t (needs CAP_NET_ADMIN)\n"
		"  -v       print the checkpoint id on standard error\n"
		"Exit status: 0 success, 1 checkpoint failed, 2 usage error.\n",
		prog);
}

/*
 * Report a failed checkpoint(2): the line the kernel wrote on the log pipe,
 * which already starts with "checkpoint: ", or else the error number.
 */
static void report(int logfd, int err, long pid)
{
	if (ckpt_print_log(logfd, prog, "checkpoint: "))
		return;
	if (err == ENOSYS)
		fprintf(stderr, "%s: this kernel has no checkpoint(2) system call\n", prog);
	else
		fprintf(stderr, "%s: pid %ld: %s\n", prog, pid, strerror(err));
}

int main(int argc, char **argv)
{
	unsigned long flags = 0;
	const char *out = NULL;
	bool verbose = false, created = false;
	int opt, fd, lp[2], err;
	long pid, id;
	char *end;

	static const struct option longopts[] = {
		{ "precopy", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};

	while ((opt = getopt_long(argc, argv, "hio:pstv", longopts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			flags |= CKPT_CHECKPOINT_INHERIT_STDIO;
			break;
		case 'p':
			flags |= CKPT_CHECKPOINT_PRECOPY;
			break;
		case 's':
			flags |= CKPT_CHECKPOINT_EXTERNAL_SHMEM;
			break;
		case 't':
			flags |= CKPT_CHECKPOINT_TCP_ESTABLISHED;
			break;
		case 'o':
			out = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	errno = 0;
	pid = strtol(argv[optind], &end, 10);
	if (errno || end == argv[optind] || *end || pid <= 0 || pid > INT_MAX) {
		fprintf(stderr, "%s: bad pid '%s'\n", prog, argv[optind]);
		usage(stderr);
		return 2;
	}
	if (out && !*out) {
		fprintf(stderr, "%s: empty output file name\n", prog);
		return 2;
	}

	if (out) {
		/* Remember whether the file is ours to remove on failure. */
		fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0)
			created = true;
		else if (errno == EEXIST)
			fd = open(out, O_WRONLY | O_TRUNC | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, out, strerror(errno));
			return 1;
		}
	} else {
		fd = STDOUT_FILENO;
		if (fcntl(fd, F_GETFD) < 0) {
			fprintf(stderr, "%s: standard output is closed; use -o FILE\n", prog);
			return 2;
		}
	}
	if (isatty(fd)) {
		fprintf(stderr, "%s: refusing to write an image to a terminal%s\n", prog,
			out ? "" : "; redirect standard output or use -o FILE");
		return 2;
	}
	if (pipe2(lp, O_CLOEXEC)) {
		fprintf(stderr, "%s: pipe: %s\n", prog, strerror(errno));
		goto fail;
	}

	id = syscall(__NR_checkpoint, pid, (long)fd, flags, (long)lp[1]);
	err = id < 0 ? errno : 0;
	close(lp[1]);
	if (id < 0) {
		report(lp[0], err, pid);
		close(lp[0]);
		goto fail;
	}
	close(lp[0]);
	if (out && close(fd)) {
		fprintf(stderr, "%s: %s: %s\n", prog, out, strerror(errno));
		goto fail_closed;
	}
	if (verbose)
		fprintf(stderr, "checkpoint id %ld\n", id);
	return 0;

fail:
	if (out)
		close(fd);
fail_closed:
	if (created)
		unlink(out);
	return 1;
}
