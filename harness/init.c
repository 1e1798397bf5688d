// SPDX-License-Identifier: GPL-2.0
/*
 * /init of the test guests.
 *
 * Mounts the pseudo file systems, then, with "ckpt.mode=test" on the kernel
 * command line, runs every program listed in /tests/list, echoes its TAP
 * output to the console and counts its results; with "ckpt.mode=demo" it
 * runs /bin/ckpt-demo, with "ckpt.mode=bench" /bin/ckpt-bench, with
 * "ckpt.mode=only:NAME" only /tests/NAME (a developer's run), with
 * "ckpt.mode=fuzz" only /tests/fuzz_test, its round set by the options
 * ckpt.fuzz_count=, ckpt.fuzz_seconds=, ckpt.fuzz_seed=, ckpt.fuzz_sweep=
 * (passed as CKPT_FUZZ_COUNT... in its environment).  After the tests, on
 * a kernel with kmemleak, it has kmemleak scan and prints what it
 * reports, each suspected leak a failure.  Then it powers the guest off.
 *
 * The counts are read from the programs' own output through a pipe, so that
 * kernel messages on the console cannot garble them.  The last line is
 *   CKPT-SUMMARY pass=N fail=N skip=N
 * and the host reads it from the console log.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TEST_TIMEOUT_S	600
#define KMEMLEAK	"/sys/kernel/debug/kmemleak"

struct counts {
	int pass, fail, skip;
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static void mounts(void)
{
	mkdir("/proc", 0755);
	mkdir("/sys", 0755);
	mkdir("/dev", 0755);
	mkdir("/tmp", 01777);
	if (mount("proc", "/proc", "proc", 0, NULL) ||
	    mount("sysfs", "/sys", "sysfs", 0, NULL) ||
	    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) ||
	    (mkdir("/dev/pts", 0755) && errno != EEXIST) ||
	    mount("devpts", "/dev/pts", "devpts", 0, "ptmxmode=0666,mode=0620") ||
	    mount("tmpfs", "/tmp", "tmpfs", 0, "mode=1777"))
		say("init: mount: %s\n", strerror(errno));
}

/* The loopback interface up, with 127.0.0.1 and ::1, for the TCP tests. */
static void loopback_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		goto fail;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		goto fail;
	close(fd);
	return;
fail:
	say("init: loopback: %s\n", strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void power_off(void)
{
	sync();
#ifdef __x86_64__
	/* No ACPI in the guest: reboot, which QEMU's -no-reboot turns into exit. */
	reboot(RB_AUTOBOOT);
#else
	reboot(RB_POWER_OFF);
	reboot(RB_AUTOBOOT);
#endif
	for (;;)
		pause();
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Count one line of TAP output. */
static void tap_line(const char *line, struct counts *c, int *plan)
{
	int n;

	if (!strncmp(line, "not ok ", 7))
		c->fail++;
	else if (!strncmp(line, "ok ", 3) && strstr(line, "# SKIP"))
		c->skip++;
	else if (!strncmp(line, "ok ", 3))
		c->pass++;
	else if (sscanf(line, "1..%d", &n) == 1)
		*plan = n;
}

static int test_timeout = TEST_TIMEOUT_S;

static void run_test(const char *name, struct counts *total)
{
	struct counts c = { 0 };
	char path[256], buf[4096], line[4096];
	size_t len = 0;
	int p[2], plan = -1, status = 0, results;
	double start = now();
	pid_t child;
	bool timed_out = false;

	snprintf(path, sizeof(path), "/tests/%s", name);
	say("CKPT-RUN %s\n", name);
	if (pipe2(p, O_CLOEXEC)) {
		say("init: pipe: %s\n", strerror(errno));
		total->fail++;
		return;
	}
	child = fork();
	if (child == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		if (chdir("/tmp"))
			_exit(126);
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	close(p[1]);

	for (;;) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		int left = (int)(start + test_timeout - now());
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, left * 1000) == 0) {
			say("init: %s timed out after %d s\n", name, test_timeout);
			kill(child, SIGKILL);
			timed_out = true;
			break;
		}
		n = read(p[0], buf, sizeof(buf));
		if (n <= 0)
			break;
		fwrite(buf, 1, n, stdout);
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (len < sizeof(line) - 1)
					line[len++] = buf[i];
				continue;
			}
			line[len] = '\0';
			tap_line(line, &c, &plan);
			len = 0;
		}
	}
	fflush(stdout);
	close(p[0]);
	waitpid(child, &status, 0);

	results = c.pass + c.fail + c.skip;
	if (plan > results) {
		say("init: %s: %d of %d tests reported no result\n", name,
		    plan - results, plan);
		c.fail += plan - results;
	}
	/* 0: all passed, 4: all skipped (KSFT_SKIP). */
	if (timed_out || WIFSIGNALED(status) ||
	    (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 4)) {
		if (!c.fail) {
			say("init: %s ended with status %#x\n", name, status);
			c.fail++;
		}
	}
	say("CKPT-RESULT %s pass=%d fail=%d skip=%d time=%.1fs\n", name,
	    c.pass, c.fail, c.skip, now() - start);
	total->pass += c.pass;
	total->fail += c.fail;
	total->skip += c.skip;
}

/*
 * Have kmemleak scan (twice: an object must look leaked in both) and print
 * its report; returns the number of suspected leaks.
 */
static int kmemleak_check(void)
{
	char line[512];
	int leaks = 0;
	FILE *f;

	mkdir("/sys/kernel/debug", 0755);
	mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	for (int i = 0; i < 2; i++) {
		int fd = open(KMEMLEAK, O_WRONLY);

		if (fd < 0)
			return 0;	/* no kmemleak in this kernel */
		if (write(fd, "scan", 4) != 4) {
			say("init: kmemleak scan: %s\n", strerror(errno));
			close(fd);
			return 1;
		}
		close(fd);
	}
	f = fopen(KMEMLEAK, "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "unreferenced object", 19))
			leaks++;
		say("kmemleak: %s", line);
	}
	if (f)
		fclose(f);
	say("init: kmemleak: %d suspected leaks\n", leaks);
	return leaks;
}

/* kernel command line options ckpt.fuzz_X=V into the environment. */
static void fuzz_env(const char *cmdline)
{
	const char *p = cmdline;

	while ((p = strstr(p, "ckpt.fuzz_"))) {
		char name[64] = "CKPT_FUZZ_", *v;
		size_t n = strcspn(p += 10, "= \n");

		for (size_t i = 0; i < n && i < 40; i++)
			name[10 + i] = p[i] >= 'a' && p[i] <= 'z' ? p[i] - 32 : p[i];
		name[10 + (n < 40 ? n : 40)] = '\0';
		p += n;
		if (*p != '=')
			continue;
		v = strndup(p + 1, strcspn(p + 1, " \n"));
		if (v)
			setenv(name, v, 1);
		free(v);
	}
}

static void run_tests(const char *only)
{
	struct counts total = { 0 };
	char name[256];
	FILE *list = only ? NULL : fopen("/tests/list", "re");

	if (only) {
		run_test(only, &total);
	} else if (!list) {
		say("init: /tests/list: %s\n", strerror(errno));
		total.fail++;
	}
	while (list && fgets(name, sizeof(name), list)) {
		name[strcspn(name, "\n")] = '\0';
		if (name[0])
			run_test(name, &total);
	}
	total.fail += kmemleak_check();
	say("CKPT-SUMMARY pass=%d fail=%d skip=%d\n", total.pass, total.fail,
	    total.skip);
}

/* Run /bin/ckpt-NAME in /tmp and mark its end on the console. */
static void run_program(const char *name, const char *end)
{
	char path[64];
	pid_t child = fork();

	if (child == 0) {
		snprintf(path, sizeof(path), "/bin/ckpt-%s", name);
		if (chdir("/tmp"))
			_exit(126);
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	waitpid(child, NULL, 0);
	say("%s\n", end);
}

static char cmdline[4096];

static const char *mode(void)
{
	int fd = open("/proc/cmdline", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, cmdline, sizeof(cmdline) - 1);
	char *m;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return "test";
	cmdline[n] = '\0';
	m = strstr(cmdline, "ckpt.mode=");
	if (!m)
		return "test";
	m += strlen("ckpt.mode=");
	return strndup(m, strcspn(m, " \n")) ?: "test";
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	mounts();
	loopback_up();
	setenv("PATH", "/bin", 1);
	if (!strcmp(mode(), "demo")) {
		run_program("demo", "CKPT-DEMO-END");
	} else if (!strcmp(mode(), "bench")) {
		/* ckpt.bench=PARTS: only those parts of the benchmark. */
		const char *b = strstr(cmdline, "ckpt.bench=");

		if (b) {
			char *parts = strndup(b + 11, strcspn(b + 11, " \n"));

			if (parts)
				setenv("CKPT_BENCH", parts, 1);
			free(parts);
		}
		/*
		 * CRIU, which the benchmark compares with, keeps what it
		 * probed of the kernel in /run/criu.kdat, and only on a
		 * tmpfs: without it every criu command probes again.
		 */
		if ((mkdir("/run", 0755) && errno != EEXIST) ||
		    mount("tmpfs", "/run", "tmpfs", 0, "mode=0755"))
			say("init: mount /run: %s\n", strerror(errno));
		run_program("bench", "CKPT-BENCH-END");
	} else if (!strcmp(mode(), "fuzz")) {
		fuzz_env(cmdline);
		test_timeout = 24 * 3600;
		run_tests("fuzz_test");
	} else if (!strncmp(mode(), "only:", 5)) {
		/* A developer's run of one test program: ckpt.mode=only:NAME. */
		run_tests(mode() + 5);
	} else {
		run_tests(NULL);
	}
	power_off();
	return 0;
}
