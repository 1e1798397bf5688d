// SPDX-License-Identifier: GPL-2.0
/*
 * The demo of `make run`, run by /init in the x86_64 guest: a process
 * checkpoints itself, ckptinfo decodes the image, restart(2) accepts it,
 * and refuses a corrupted and a foreign copy with the kernel's log line.
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
#include <linux/checkpoint_hdr.h>

static char image[65536];
static ssize_t image_len;

static void run(const char *prog, const char *arg)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		execlp(prog, prog, arg, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	printf("  (%s exited with %d)\n", prog, WEXITSTATUS(status));
}

/* restart(2) a copy of the image and show the result and the log line. */
static void try_restart(const char *what, const void *buf, size_t len)
{
	char log[512] = "";
	int lp[2], fd = open("/tmp/try.img", O_RDWR | O_CREAT | O_TRUNC, 0600);
	long ret;
	ssize_t n;

	if (fd < 0 || pipe(lp) || write(fd, buf, len) != (ssize_t)len ||
	    lseek(fd, 0, SEEK_SET)) {
		perror("demo");
		exit(1);
	}
	ret = syscall(__NR_restart, 0, fd, 0, lp[1]);
	printf("restart(%s) = %ld%s%s\n", what, ret, ret ? ", errno " : "",
	       ret ? strerrorname_np(errno) : "");
	close(lp[1]);
	n = read(lp[0], log, sizeof(log) - 1);
	if (n > 0) {
		log[n] = '\0';
		printf("  log: %s", log);
	}
	close(lp[0]);
	close(fd);
}

int main(void)
{
	struct ckpt_hdr_header *h = (void *)image;
	int fd = open("/tmp/demo.img", O_RDWR | O_CREAT | O_TRUNC, 0600);
	long id;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("== checkpoint(2) of this process (pid %d) into /tmp/demo.img\n", getpid());
	id = syscall(__NR_checkpoint, 0, fd, 0, 2);
	if (id <= 0) {
		perror("checkpoint");
		return 1;
	}
	image_len = lseek(fd, 0, SEEK_CUR);
	printf("checkpoint id %ld, %zd bytes\n", id, image_len);
	if (lseek(fd, 0, SEEK_SET) || read(fd, image, sizeof(image)) != image_len) {
		perror("read");
		return 1;
	}

	printf("\n== ckptinfo /tmp/demo.img\n");
	run("ckptinfo", "/tmp/demo.img");

	printf("\n== restart(2) checks that this kernel and CPU can run the image\n");
	try_restart("the image", image, image_len);

	image[sizeof(*h) - 70] ^= 1;	/* a byte of uts_version */
	try_restart("one byte flipped", image, image_len);
	image[sizeof(*h) - 70] ^= 1;

	h->arch_id = CKPT_ARCH_ARM;
	h->word_size = 4;
	try_restart("image claiming arm", image, image_len);

	printf("\n(Task state is not saved yet: images hold the header, the CPU\n"
	       " feature record and the checksummed tail.)\n");
	return 0;
}
