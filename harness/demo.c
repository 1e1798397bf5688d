// SPDX-License-Identifier: GPL-2.0
/*
 * The demo of `make run`, run by /init in the x86_64 guest.
 *
 * A counter prints ticks; it is stopped, checkpointed into a file with
 * the checkpoint tool, and killed; ckptinfo summarises the image; the
 * restart tool turns a new process into the counter, which goes on from
 * where it was.  Then a program checkpoints itself and is restarted from
 * its own image.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/checkpoint.h>

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Run a tool of /bin and wait for it; returns its exit status. */
static int run(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The counter: one tick every 200 ms, up to 10. */
static void counter(void)
{
	for (int tick = 1; tick <= 10; tick++) {
		printf("  counter (pid %d): tick %d\n", getpid(), tick);
		pause_ms(200);
	}
	printf("  counter (pid %d): done\n", getpid());
	exit(0);
}

static void counter_demo(void)
{
	char pidstr[16];
	int status;
	pid_t pid;

	printf("== checkpoint(2) of a running counter, from outside\n");
	pid = fork();
	if (pid == 0)
		counter();
	pause_ms(900);
	kill(pid, SIGSTOP);
	waitpid(pid, &status, WUNTRACED);
	printf("$ kill -STOP %d; checkpoint -i -o /tmp/counter.img %d; kill -KILL %d\n",
	       pid, pid, pid);
	snprintf(pidstr, sizeof(pidstr), "%d", pid);
	status = run((char *[]){ "/bin/checkpoint", "-i", "-o", "/tmp/counter.img",
				 pidstr, NULL });
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	if (status) {
		printf("checkpoint failed (%d)\n", status);
		exit(1);
	}

	printf("\n$ ckptinfo -s /tmp/counter.img\n");
	run((char *[]){ "/bin/ckptinfo", "-s", "/tmp/counter.img", NULL });

	printf("\n$ restart -i /tmp/counter.img    (a new process becomes the counter)\n");
	status = run((char *[]){ "/bin/restart", "-i", "/tmp/counter.img", NULL });
	printf("  (the restarted counter exited with status %d)\n", status);
}

static void self_demo(void)
{
	int fd, status;
	long id;
	pid_t pid;
	static int work = 6;

	printf("\n== a program that checkpoints itself\n");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		fd = open("/tmp/self.img", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		work *= 7;
		id = syscall(__NR_checkpoint, 0, fd, CKPT_CHECKPOINT_INHERIT_STDIO, 2);
		if (id < 0) {
			perror("checkpoint");
			_exit(1);
		}
		if (id > 0) {
			printf("  self (pid %d): checkpoint() returned id %ld; work = %d; exiting\n",
			       getpid(), id, work);
			_exit(0);
		}
		printf("  self (pid %d): checkpoint() returned 0: I was restarted; work = %d\n",
		       getpid(), work);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	printf("$ restart -i /tmp/self.img\n");
	status = run((char *[]){ "/bin/restart", "-i", "/tmp/self.img", NULL });
	printf("  (exit status %d)\n", status);

	printf("\n$ truncate -s 4096 /tmp/self.img; restart -i /tmp/self.img\n");
	truncate("/tmp/self.img", 4096);
	status = run((char *[]){ "/bin/restart", "-i", "/tmp/self.img", NULL });
	printf("  (exit status %d: the caller was left intact)\n", status);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	counter_demo();
	self_demo();
	return 0;
}
