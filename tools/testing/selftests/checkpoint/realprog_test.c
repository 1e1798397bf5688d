// SPDX-License-Identifier: GPL-2.0
/*
 * Real programs under checkpoint/restart: Debian's static busybox running
 * a shell script whose loop forks commands, a pipeline and a command
 * substitution at each turn, and Debian's python3.11 running a program
 * that talks to a child python through two pipes (subprocess.Popen), and
 * one whose four worker threads answer the main thread through lists
 * under a condition variable, and python's http.server answering a client
 * on one kept-alive TCP connection; and a real Go program, powser1 of the Go
 * distribution's test suite (power series computed by goroutines that
 * talk through channels, on several threads), run in a loop by busybox sh.
 * The harness packs them into every guest (harness/guest-debs.sh,
 * build-userspace.sh): a missing one fails the test.
 *
 * Each program first runs uninterrupted; its output, to a file, is the
 * reference, which must also be what the test computes itself.  Then it
 * runs again, in its own process group, and when its output shows that it
 * is in the middle of its loop, the test stops the whole tree from
 * outside (SIGSTOP to the group, then to every descendant found in /proc
 * until all of them are stopped), checkpoints it by the root's pid,
 * kills it, and restarts the image, with the same pids or in a new pid
 * namespace.  The restored tree runs to its end (it is not restored
 * stopped) and its output file must then hold exactly the reference,
 * byte for byte.
 *
 * The image does not inherit descriptors 0-2 (no
 * CKPT_CHECKPOINT_INHERIT_STDIO): the root's 0-2 are /dev/null, the output
 * file and a file for stderr, saved and reopened by path (at their
 * offsets), and so are the pipes of the pipelines on the other tasks' 0-2.
 */

#include "ckpt_task.h"

#include <dirent.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/syscall.h>

#define BUSYBOX		"/opt/busybox/bin/busybox"
#define PYTHON		"/usr/bin/python3"
#define POWSER		"/opt/go/bin/powser1"
#define LOOPS		20	/* turns of each program's loop */
#define STR(x)		#x
#define XSTR(x)		STR(x)
#define RUN_TIMEOUT	60	/* seconds for a run of a program */
#define MAX_TASKS	64

/* The shell script: a pipeline and a command substitution per turn. */
static const char sh_script[] =
	"i=0\n"
	"while [ $i -lt " XSTR(LOOPS) " ]; do\n"
	"\t{ echo \"line $i: hello world\"; sleep 0.05; echo \"again $i\"; } |\n"
	"\t\tsed -e 's/hello/HELLO/' -e \"s/\\$/ [$i]/\" | tr a-z A-Z\n"
	"\tsq=$(expr $i \\* $i)\n"
	"\techo \"square $i = $sq\"\n"
	"\ti=$((i + 1))\n"
	"done\n"
	"echo \"done $i\"\n";

/*
 * The python program: a line to the child and its answer back, per turn.
 * It imports only what harness/build-userspace.sh's probe imports.
 */
static const char py_script[] =
	"import subprocess\n"
	"import sys\n"
	"import time\n"
	"\n"
	"CHILD = '''\n"
	"import sys\n"
	"for line in iter(sys.stdin.readline, ''):\n"
	"    n = int(line)\n"
	"    print(n * n + 7, flush=True)\n"
	"'''\n"
	"p = subprocess.Popen([sys.executable, '-c', CHILD],\n"
	"                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)\n"
	"for i in range(" XSTR(LOOPS) "):\n"
	"    p.stdin.write(b'%d\\n' % i)\n"
	"    p.stdin.flush()\n"
	"    print(i, p.stdout.readline().decode().strip(), flush=True)\n"
	"    time.sleep(0.05)\n"
	"p.stdin.close()\n"
	"print('child exit', p.wait(), flush=True)\n";

/*
 * The python program with threads: four workers take the numbers from a
 * list and put their answers in another, under a condition variable; the
 * main thread prints them.  Every thread waits in a futex (the condition,
 * the GIL) most of the time.
 */
static const char pyth_script[] =
	"import threading\n"
	"import time\n"
	"\n"
	"cv = threading.Condition()\n"
	"jobs = []\n"
	"results = []\n"
	"\n"
	"def worker(k):\n"
	"    while True:\n"
	"        with cv:\n"
	"            while not jobs:\n"
	"                cv.wait()\n"
	"            i = jobs.pop(0)\n"
	"            if i is None:\n"
	"                return\n"
	"        r = (i, i * i + 7)\n"
	"        with cv:\n"
	"            results.append(r)\n"
	"            cv.notify_all()\n"
	"\n"
	"threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]\n"
	"for t in threads:\n"
	"    t.start()\n"
	"for i in range(" XSTR(LOOPS) "):\n"
	"    with cv:\n"
	"        jobs.append(i)\n"
	"        cv.notify_all()\n"
	"        while not results:\n"
	"            cv.wait()\n"
	"        j, v = results.pop(0)\n"
	"    print(j, v, flush=True)\n"
	"    time.sleep(0.05)\n"
	"with cv:\n"
	"    jobs.extend([None] * 4)\n"
	"    cv.notify_all()\n"
	"for t in threads:\n"
	"    t.join()\n"
	"print('threads done', threading.active_count(), flush=True)\n";

/*
 * A web server and its client: python's http.server in a child python,
 * single-threaded (socketserver.TCPServer), on a loopback port of its
 * own; the parent asks it on one HTTP/1.1 connection, kept alive, and
 * prints each answer, the number of connections the server took (1), and
 * whether the client's socket is still the one it connected.
 */
static const char http_script[] =
	"import http.client\n"
	"import socket\n"
	"import subprocess\n"
	"import sys\n"
	"import time\n"
	"\n"
	"SERVER = '''\n"
	"import http.server\n"
	"import socketserver\n"
	"class H(http.server.BaseHTTPRequestHandler):\n"
	"    protocol_version = 'HTTP/1.1'\n"
	"    conns = 0\n"
	"    def setup(self):\n"
	"        H.conns += 1\n"
	"        super().setup()\n"
	"    def do_GET(self):\n"
	"        i = int(self.path.split('=')[1])\n"
	"        body = b'%d %d conn %d' % (i, i * i + 7, H.conns)\n"
	"        self.send_response(200)\n"
	"        self.send_header('Content-Length', str(len(body)))\n"
	"        self.end_headers()\n"
	"        self.wfile.write(body)\n"
	"    def log_message(self, *args):\n"
	"        pass\n"
	"socketserver.TCPServer.allow_reuse_address = True\n"
	"s = socketserver.TCPServer(('127.0.0.1', 0), H)\n"
	"print(s.server_address[1], flush=True)\n"
	"s.serve_forever()\n"
	"'''\n"
	"p = subprocess.Popen([sys.executable, '-c', SERVER], stdout=subprocess.PIPE)\n"
	"port = int(p.stdout.readline())\n"
	"# Connected by address: the guest has no name service (getaddrinfo).\n"
	"c = http.client.HTTPConnection('127.0.0.1', port)\n"
	"c.sock = socket.socket()\n"
	"c.sock.connect(('127.0.0.1', port))\n"
	"mine = c.sock.getsockname()\n"
	"for i in range(" XSTR(LOOPS) "):\n"
	"    c.request('GET', '/?i=%d' % i)\n"
	"    r = c.getresponse()\n"
	"    print(r.status, r.read().decode(), c.sock.getsockname() == mine, flush=True)\n"
	"    time.sleep(0.05)\n"
	"c.close()\n"
	"p.terminate()\n"
	"print('server exit', p.wait(), flush=True)\n";

/*
 * The Go program, run by the shell: with an argument, powser1 prints its
 * series (to stderr: Go's print), and it runs on two threads at least
 * (GOMAXPROCS=2, and the runtime's own).
 */
static const char go_script[] =
	"export GOMAXPROCS=2\n"
	"i=0\n"
	"while [ $i -lt " XSTR(LOOPS) " ]; do\n"
	"\t" POWSER " print 2>&1\n"
	"\techo \"turn $i: $?\"\n"
	"\ti=$((i + 1))\n"
	"done\n";

/* What powser1 prints: the first terms of its series, a space after each. */
static const char * const powser_out[] = {
	"Ones: 1 1 1 1 1 1 1 1 1 1 ",
	"Twos: 2 2 2 2 2 2 2 2 2 2 ",
	"Add: 3 3 3 3 3 3 3 3 3 3 ",
	"Diff: 1 2 3 4 5 6 7 8 9 10 ",
	"Integ: 0 1 1/2 1/3 1/4 1/5 1/6 1/7 1/8 1/9 ",
	"CMul: -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 ",
	"Sub: -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 ",
	"Mul: 1 2 3 4 5 6 7 8 9 10 ",
	"Exp: 1 1 3/2 13/6 73/24 167/40 4051/720 37633/5040 43817/4480 4596553/362880 58941091/3628800 274691047/13305600 12470162233/479001600 202976401213/6227020800 1178339174801/29059430400 ",
	"MonSubst: 1 0 -1 0 1 0 -1 0 1 0 ",
	"ATan: 0 1 0 -1/3 0 1/5 0 -1/7 0 1/9 ",
};

/* What the script prints, computed here. */
static size_t sh_expected(char *buf, size_t size)
{
	size_t n = 0;

	for (int i = 0; i < LOOPS; i++)
		n += snprintf(buf + n, size - n,
			      "LINE %d: HELLO WORLD [%d]\nAGAIN %d [%d]\nsquare %d = %d\n",
			      i, i, i, i, i, i * i);
	n += snprintf(buf + n, size - n, "done %d\n", LOOPS);
	return n;
}

static size_t py_expected(char *buf, size_t size)
{
	size_t n = 0;

	for (int i = 0; i < LOOPS; i++)
		n += snprintf(buf + n, size - n, "%d %d\n", i, i * i + 7);
	n += snprintf(buf + n, size - n, "child exit 0\n");
	return n;
}

static size_t pyth_expected(char *buf, size_t size)
{
	size_t n = 0;

	for (int i = 0; i < LOOPS; i++)
		n += snprintf(buf + n, size - n, "%d %d\n", i, i * i + 7);
	n += snprintf(buf + n, size - n, "threads done 1\n");
	return n;
}

static size_t http_expected(char *buf, size_t size)
{
	size_t n = 0;

	for (int i = 0; i < LOOPS; i++)
		n += snprintf(buf + n, size - n, "200 %d %d conn 1 True\n", i, i * i + 7);
	n += snprintf(buf + n, size - n, "server exit -15\n");
	return n;
}

static size_t go_expected(char *buf, size_t size)
{
	size_t n = 0;

	for (int i = 0; i < LOOPS; i++) {
		for (size_t l = 0; l < ARRAY_SIZE(powser_out); l++)
			n += snprintf(buf + n, size - n, "%s\n", powser_out[l]);
		n += snprintf(buf + n, size - n, "turn %d: 0\n", i);
	}
	return n;
}

struct prog {
	const char *name;		/* for the file names */
	const char *interp;		/* what runs the script */
	const char *argv0;
	int min_tasks;			/* in the tree when it is checkpointed */
	const char *script;
	size_t (*expected)(char *buf, size_t size);
	int min_threads;		/* of all its tasks, when checkpointed */
};

/* The shell is checkpointed in a pipeline: itself, the { } subshell, sed and tr. */
static const struct prog busybox_sh = { "sh", BUSYBOX, "sh", 4, sh_script, sh_expected };
static const struct prog python = { "py", PYTHON, PYTHON, 2, py_script, py_expected };
/* One process, five threads. */
static const struct prog python_threads = { "pyth", PYTHON, PYTHON, 1, pyth_script,
					    pyth_expected };
/* The client and the server, a TCP connection between them. */
static const struct prog python_http = { "http", PYTHON, PYTHON, 2, http_script, http_expected };
/* The shell and powser1, checkpointed when powser1 runs its threads. */
static const struct prog go_powser = { "go", BUSYBOX, "sh", 2, go_script, go_expected, 3 };

#define OUT_MAX		16384

static void prog_path(char *buf, size_t size, const struct prog *p, const char *what)
{
	snprintf(buf, size, "/tmp/realprog-%s.%s", p->name, what);
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t len = strlen(text);

	if (fd < 0)
		return -1;
	if (write(fd, text, len) != len) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/*
 * Start @p's script in a new process group, its output to the file
 * "realprog-NAME.@out", its stderr to "realprog-NAME.@out.err".
 */
static pid_t prog_start(const struct prog *p, const char *out)
{
	char script[64], path[64], err[80];
	pid_t pid;

	prog_path(script, sizeof(script), p, "script");
	prog_path(path, sizeof(path), p, out);
	snprintf(err, sizeof(err), "%s.err", path);
	/* Not the output of a run before: the new one is polled. */
	unlink(path);
	unlink(err);
	if (write_file(script, p->script))
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		static char * const envp[] = {
			"PATH=/opt/busybox/bin:/usr/bin:/bin", "HOME=/tmp", NULL
		};
		int in = open("/dev/null", O_RDONLY);
		int o = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (setpgid(0, 0) || in < 0 || o < 0 || e < 0 || dup2(in, 0) < 0 ||
		    dup2(o, 1) < 0 || dup2(e, 2) < 0 || chdir("/tmp"))
			_exit(120);
		syscall(SYS_close_range, 3, ~0U, 0);
		execle(p->interp, p->argv0, script, (char *)NULL, envp);
		_exit(121);
	}
	return pid;
}

/* The first @size - 1 bytes of file @what of @p, NUL-terminated. */
static ssize_t prog_read(const struct prog *p, const char *what, char *buf, size_t size)
{
	char path[80];
	ssize_t n;

	prog_path(path, sizeof(path), p, what);
	n = ckpt_read_file(path, buf, size);
	if (n < 0)
		buf[0] = '\0';
	return n;
}

static off_t prog_out_size(const struct prog *p, const char *what)
{
	char path[64];
	struct stat st;

	prog_path(path, sizeof(path), p, what);
	return stat(path, &st) ? -1 : st.st_size;
}

/* The tasks of the system: pid, parent and state, from /proc. */
struct task {
	pid_t pid, ppid;
	char state;
};

static int scan_tasks(struct task *t, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	while (d && n < max && (e = readdir(d))) {
		char path[300], buf[512], *c;
		int pid = atoi(e->d_name);

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		if (ckpt_read_file(path, buf, sizeof(buf)) <= 0)
			continue;
		c = strrchr(buf, ')');
		if (!c || sscanf(c + 2, "%c %d", &t[n].state, &t[n].ppid) != 2)
			continue;
		t[n++].pid = pid;
	}
	if (d)
		closedir(d);
	return n;
}

/* The pids of @root and its descendants into @pids; *@stopped: all stopped. */
static int tree_pids(pid_t root, pid_t *pids, int max, bool *stopped)
{
	static struct task t[4096];
	int nt = scan_tasks(t, 4096), n = 1;

	pids[0] = root;
	*stopped = true;
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < nt; j++) {
			if (t[j].pid == pids[i]) {
				if (!strchr("TtZX", t[j].state))
					*stopped = false;
			} else if (t[j].ppid == pids[i] && n < max) {
				pids[n++] = t[j].pid;
			}
		}
	}
	return n;
}

/*
 * Stop the tree of @root: SIGSTOP to its process group, then to every
 * descendant not stopped yet, until all are, twice in a row with the
 * same tasks.  Returns the number of tasks, 0 on timeout.
 */
static int tree_stop(pid_t root, pid_t *pids)
{
	double end = ckpt_now() + 20;
	int n, last = 0;
	bool stopped;

	kill(-root, SIGSTOP);
	while (ckpt_now() < end) {
		n = tree_pids(root, pids, MAX_TASKS, &stopped);
		if (stopped && n == last)
			return n;
		last = stopped ? n : 0;
		for (int i = 0; i < n; i++)
			kill(pids[i], SIGSTOP);
		ckpt_sleep(0.005);
	}
	return 0;
}

/* The threads of the @n tasks @pids, from /proc. */
static int tree_threads(const pid_t *pids, int n)
{
	int threads = 0;

	for (int i = 0; i < n; i++) {
		char path[64], buf[4096], *c;

		snprintf(path, sizeof(path), "/proc/%d/status", pids[i]);
		if (ckpt_read_file(path, buf, sizeof(buf)) <= 0)
			continue;
		c = strstr(buf, "\nThreads:");
		if (c)
			threads += atoi(c + strlen("\nThreads:"));
	}
	return threads;
}

/* Kill the tree of @root and reap it all (the test is a subreaper). */
static void tree_kill(pid_t root)
{
	pid_t pids[MAX_TASKS];
	bool stopped;
	int n = tree_pids(root, pids, MAX_TASKS, &stopped);

	kill(-root, SIGKILL);
	for (int i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	while (waitpid(-1, NULL, __WALL) > 0 || errno == EINTR)
		;
}

/* Each task of the tree of @root, its state and where it sleeps, on stderr. */
static void tree_dump(pid_t root)
{
	pid_t pids[MAX_TASKS];
	bool stopped;
	int n = tree_pids(root, pids, MAX_TASKS, &stopped);

	for (int i = 0; i < n; i++) {
		char path[64], stat[300] = "", wchan[64] = "";

		snprintf(path, sizeof(path), "/proc/%d/stat", pids[i]);
		ckpt_read_file(path, stat, sizeof(stat));
		snprintf(path, sizeof(path), "/proc/%d/wchan", pids[i]);
		ckpt_read_file(path, wchan, sizeof(wchan));
		fprintf(stderr, "# task %.120s wchan %s\n", stat, wchan);
	}
}

/* What a test keeps: the output computed, the log pipe, the image. */
struct run {
	char want[OUT_MAX];
	size_t want_len;
	int lp[2];
	int img;
};

/* Run @p uninterrupted: its output must be the one computed. */
static void reference_run(struct __test_metadata *_metadata, struct run *self,
			  const struct prog *p)
{
	char out[OUT_MAX], err[512], why[128];
	int status = 0;
	double t0;
	pid_t pid;

	ASSERT_EQ(0, access(p->interp, X_OK)) TH_LOG("%s is missing from the guest", p->interp);
	self->want_len = p->expected(self->want, sizeof(self->want));
	t0 = ckpt_now();
	pid = prog_start(p, "ref");
	ASSERT_LT(0, pid);
	if (!ckpt_wait(pid, &status, 0, RUN_TIMEOUT)) {
		tree_dump(pid);
		tree_kill(pid);
	}
	prog_read(p, "ref.err", err, sizeof(err));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("the uninterrupted run: %s; stderr: %s",
		       ckpt_status_str(status, why, sizeof(why)), err);
	prog_read(p, "ref", out, sizeof(out));
	ASSERT_STREQ(self->want, out) TH_LOG("the uninterrupted run's output; stderr: %s", err);
	TH_LOG("%s ran uninterrupted in %.1f s", p->interp, ckpt_now() - t0);
}

/* Wait up to @timeout seconds for @fd to have data or its end. */
static bool readable(int fd, int timeout)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, timeout * 1000) == 1;
}

/*
 * Restart the image of @self with @flags from a new child, the restorer,
 * and wait for the restored root's end.  Return what restart(2) returned
 * (its errno in *@err_no), the root's wait status in *@status (-1 if it
 * did not end within RUN_TIMEOUT: its tree is dumped).  The restorer, and
 * the restored tree if it hangs, are killed.
 */
static long restart_and_wait(struct run *self, unsigned long flags, int *err_no, int *status)
{
	long ret = -1;
	pid_t restorer;
	int info[2];

	*status = -1;
	*err_no = 0;
	if (pipe(info))
		return -1;
	lseek(self->img, 0, SEEK_SET);
	fflush(NULL);
	restorer = fork();
	if (restorer == 0) {
		int st;

		close(info[0]);
		ret = sys_restart(0, self->img, flags, self->lp[1]);
		st = ret < 0 ? errno : 0;
		if (write(info[1], &ret, sizeof(ret)) != sizeof(ret) ||
		    write(info[1], &st, sizeof(st)) != sizeof(st))
			_exit(1);
		if (ret < 0)
			_exit(2);
		while (waitpid(ret, &st, 0) < 0)
			if (errno != EINTR)
				_exit(3);
		_exit(write(info[1], &st, sizeof(st)) == sizeof(st) ? 0 : 4);
	}
	close(info[1]);
	if (restorer < 0 || !readable(info[0], 20) ||
	    read(info[0], &ret, sizeof(ret)) != sizeof(ret) ||
	    read(info[0], err_no, sizeof(*err_no)) != sizeof(*err_no))
		ret = -1;
	if (ret > 0) {
		if (!readable(info[0], RUN_TIMEOUT) ||
		    read(info[0], status, sizeof(*status)) != sizeof(*status)) {
			tree_dump(ret);
			*status = -1;
		}
	}
	close(info[0]);
	if (restorer > 0)
		tree_kill(restorer);
	return ret;
}

/*
 * Run @p, checkpoint it in the middle of its loop, kill it, restart it
 * with @flags: the output must be the uninterrupted run's.
 */
static void run_restarted(struct __test_metadata *_metadata, struct run *self,
			  const struct prog *p, unsigned long flags)
{
	char out[OUT_MAX], err[512], log[512] = "", why[128];
	int status = 0, tries, n = 0, threads = 0, err_no = 0;
	double t0, end;
	pid_t pid, pids[MAX_TASKS];
	off_t at = 0;
	long id = -1, ret = -1;

	self->img = -1;
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	ASSERT_EQ(0, ckpt_log_pipe(self->lp));
	reference_run(_metadata, self, p);

	/* In the middle of the loop: a third of the output is there. */
	pid = prog_start(p, "ckpt");
	ASSERT_LT(0, pid);
	t0 = ckpt_now();
	end = t0 + RUN_TIMEOUT;
	while (ckpt_now() < end && prog_out_size(p, "ckpt") < (off_t)self->want_len / 3)
		ckpt_sleep(0.005);
	/*
	 * Stopped with all its tasks there (the shell in its pipeline): else,
	 * or if a task was still leaving its CPU (EBUSY), it is continued and
	 * stopped again a little later.  The stop comes at once, the count
	 * of the tasks after it: a slow walk of /proc does not miss them.
	 */
	for (tries = 0; tries < 200 && ckpt_now() < end; tries++) {
		n = tree_stop(pid, pids);
		ASSERT_LT(0, n) TH_LOG("the tree of %s did not stop", p->interp);
		threads = tree_threads(pids, n);
		if (n >= p->min_tasks && threads >= p->min_threads) {
			at = prog_out_size(p, "ckpt");
			if (self->img >= 0)
				close(self->img);
			self->img = ckpt_tmpfile();
			ASSERT_LE(0, self->img);
			id = sys_checkpoint(pid, self->img, 0, self->lp[1]);
			err_no = errno;
			ckpt_log_read(self->lp[0], log, sizeof(log));
			if (id > 0 || err_no != EBUSY)
				break;
		}
		kill(-pid, SIGCONT);
		for (int i = 0; i < n; i++)
			kill(pids[i], SIGCONT);
		ckpt_sleep(0.003 * (tries % 7));
	}
	ASSERT_LE(p->min_tasks, n) TH_LOG("%s never stopped with %d tasks (%d tries)",
					  p->interp, p->min_tasks, tries);
	ASSERT_LE(p->min_threads, threads) TH_LOG("%s never stopped with %d threads (%d tries)",
						  p->interp, p->min_threads, tries);
	ASSERT_LT(0, id) TH_LOG("checkpoint of the %d tasks of %s: %s; log: %s", n,
				p->interp, strerror(err_no), log);
	EXPECT_STREQ("", log);
	ASSERT_LT(0, at);
	ASSERT_GT((off_t)self->want_len, at) TH_LOG("the program ended before its checkpoint");
	TH_LOG("%s checkpointed, %d tasks, %d threads, after %lld of %zu bytes (%.1f s, try %d)",
	       p->interp, n, threads, (long long)at, self->want_len, ckpt_now() - t0, tries + 1);
	lseek(self->img, 0, SEEK_SET);
	ckpt_ckptinfo(_metadata, self->img);
	tree_kill(pid);

	/* The restorer: restart(2), then the root's exit status. */
	t0 = ckpt_now();
	ret = restart_and_wait(self, flags, &err_no, &status);
	TH_LOG("restarted and ran to its end in %.1f s", ckpt_now() - t0);
	ckpt_log_read(self->lp[0], log, sizeof(log));
	ASSERT_LT(0, ret) TH_LOG("restart: %s; log: %s", strerror(err_no), log);
	if (flags & CKPT_RESTART_SAME_PIDS)
		EXPECT_EQ(pid, ret);
	prog_read(p, "ckpt.err", err, sizeof(err));
	prog_read(p, "ckpt", out, sizeof(out));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("the restored %s: %s; stderr: %s", p->interp,
		       status == -1 ? "did not end" : ckpt_status_str(status, why, sizeof(why)),
		       err);
	EXPECT_STREQ(self->want, out) TH_LOG("the output after restart; stderr: %s", err);
	EXPECT_STREQ("", err);
}

/*
 * An interactive shell under script(1)-like control: busybox sh -i on the
 * slave of a pty, a session of its own with job control and line editing,
 * the pty its controlling terminal; a "script" (this program, forked)
 * holds the master, types commands and records what the shell writes.
 * The tree is checkpointed while a command is half typed (in the shell's
 * line editor, the terminal in raw mode); after restart the script types
 * the rest, and the shell runs the whole command and exits.  (The line
 * editor asks the terminal where its cursor is, "\e[6n", which nobody
 * answers here: a prompt and the echo after it are not side by side.)
 */
#define PTY_OUT		"/tmp/realprog-pty.out"
#define PTY_PROMPT	"ckpt$ "

/* Copy what the master has to fd 1 for @secs seconds, or until @want. */
static bool pty_copy(int master, double secs, const char *want, char *seen, size_t *len,
		     size_t size)
{
	double end = ckpt_now() + secs;

	while (ckpt_now() < end) {
		struct pollfd pfd = { .fd = master, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 50) != 1)
			continue;
		n = read(master, seen + *len, size - 1 - *len);
		if (n <= 0)
			return false;
		if (write(1, seen + *len, n) != n)
			return false;
		*len += n;
		seen[*len] = '\0';
		if (want && strstr(seen, want))
			return true;
	}
	return !want;
}

/* The script: exits 0 if the shell ran what was typed across the restart. */
static void pty_script(void)
{
	static char seen[OUT_MAX];
	static char * const envp[] = {
		"PATH=/opt/busybox/bin:/usr/bin:/bin", "HOME=/tmp", "TERM=dumb",
		"PS1=" PTY_PROMPT, NULL
	};
	char name[64];
	size_t len = 0, mark;
	int master, st;
	pid_t sh;

	/* An open of the slave of its own: its master reads EIO without one. */
	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) || unlockpt(master) ||
	    ptsname_r(master, name, sizeof(name)) || open(name, O_RDWR | O_NOCTTY) < 0)
		_exit(10);
	sh = fork();
	if (sh == 0) {
		int fd;

		if (setsid() < 0)
			_exit(11);
		fd = open(name, O_RDWR);
		if (fd < 0 || dup2(fd, 0) || dup2(fd, 1) != 1 || dup2(fd, 2) != 2 || chdir("/tmp"))
			_exit(12);
		syscall(SYS_close_range, 3, ~0U, 0);
		execle(BUSYBOX, "sh", "-i", (char *)NULL, envp);
		_exit(13);
	}
	if (!pty_copy(master, 20, PTY_PROMPT, seen, &len, sizeof(seen)) ||
	    write(master, "echo one\n", 9) != 9 ||
	    !pty_copy(master, 20, "one\r\n" PTY_PROMPT, seen, &len, sizeof(seen)) ||
	    write(master, "echo tw", 7) != 7 ||
	    !pty_copy(master, 20, "echo tw", seen, &len, sizeof(seen)))
		_exit(14);
	/* Checkpointed and restarted in these seconds, the line half typed. */
	pty_copy(master, 3, NULL, seen, &len, sizeof(seen));
	mark = len;
	/* A pipeline: the shell makes it the terminal's foreground group. */
	if (write(master, "o | cat; exit 0\n", 16) != 16)
		_exit(15);
	pty_copy(master, 20, "two\r\n", seen, &len, sizeof(seen));
	while (waitpid(sh, &st, 0) < 0)
		if (errno != EINTR)
			_exit(16);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		_exit(17);
	/* The rest of the line echoed, then the whole command's output. */
	if (!strstr(seen + mark, "o | cat; exit 0\r\ntwo\r\n"))
		_exit(18);
	_exit(0);
}

/* Run the script and its shell, checkpoint them mid-line, restart them. */
static void run_pty_shell(struct __test_metadata *_metadata, struct run *self,
			  unsigned long flags)
{
	char out[OUT_MAX], log[512] = "", why[128];
	int status = -1, n, err_no = 0;
	pid_t pid, pids[MAX_TASKS];
	long id, ret = -1;
	double end;

	self->img = -1;
	ASSERT_EQ(0, access(BUSYBOX, X_OK)) TH_LOG("%s is missing from the guest", BUSYBOX);
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	ASSERT_EQ(0, ckpt_log_pipe(self->lp));
	unlink(PTY_OUT);
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int o = open(PTY_OUT, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		/* Not the harness's result pages: the image would share them. */
		if (ckpt_drop_shared_anon() || setpgid(0, 0) || in < 0 || o < 0 ||
		    dup2(in, 0) || dup2(o, 1) != 1 || dup2(o, 2) != 2)
			_exit(9);
		syscall(SYS_close_range, 3, ~0U, 0);
		pty_script();
	}
	/* The command half typed: the shell's line editor echoed it. */
	end = ckpt_now() + RUN_TIMEOUT;
	do {
		ckpt_sleep(0.01);
		ckpt_read_file(PTY_OUT, out, sizeof(out));
	} while (!strstr(out, "echo tw") && ckpt_now() < end);
	if (!strstr(out, "echo tw")) {
		int st = 0;

		if (waitpid(pid, &st, WNOHANG) == pid)
			TH_LOG("the script: %s", ckpt_status_str(st, why, sizeof(why)));
		tree_dump(pid);
	}
	ASSERT_TRUE(strstr(out, "echo tw") != NULL) TH_LOG("the shell wrote \"%s\"", out);
	n = tree_stop(pid, pids);
	ASSERT_LE(2, n) TH_LOG("the script and its shell did not stop");
	self->img = ckpt_tmpfile();
	ASSERT_LE(0, self->img);
	id = sys_checkpoint(pid, self->img, 0, self->lp[1]);
	err_no = errno;
	ckpt_log_read(self->lp[0], log, sizeof(log));
	ASSERT_LT(0, id) TH_LOG("checkpoint of the script and its shell: %s; log: %s",
				strerror(err_no), log);
	EXPECT_STREQ("", log);
	lseek(self->img, 0, SEEK_SET);
	ckpt_ckptinfo(_metadata, self->img);
	tree_kill(pid);

	ret = restart_and_wait(self, flags, &err_no, &status);
	ckpt_log_read(self->lp[0], log, sizeof(log));
	ASSERT_LT(0, ret) TH_LOG("restart: %s; log: %s", strerror(err_no), log);
	ckpt_read_file(PTY_OUT, out, sizeof(out));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("the restored script: %s; the shell wrote \"%s\"",
		       status == -1 ? "did not end" : ckpt_status_str(status, why, sizeof(why)),
		       out);
}

FIXTURE(realprog) {
	struct run run;
};

FIXTURE_SETUP(realprog)
{
	self->run.img = -1;
}

FIXTURE_TEARDOWN(realprog)
{
	if (self->run.img >= 0)
		close(self->run.img);
}

/* busybox sh, restored with the pids it had. */
TEST_F_TIMEOUT(realprog, busybox_sh_same_pids, 300)
{
	run_restarted(_metadata, &self->run, &busybox_sh, CKPT_RESTART_SAME_PIDS);
}

/* busybox sh, restored in a new pid namespace: the shell is its init. */
TEST_F_TIMEOUT(realprog, busybox_sh_new_pidns, 300)
{
	run_restarted(_metadata, &self->run, &busybox_sh, CKPT_RESTART_NEW_PIDNS);
}

/* python3 and its child, restored with the pids they had. */
TEST_F_TIMEOUT(realprog, python_pipe_same_pids, 300)
{
	run_restarted(_metadata, &self->run, &python, CKPT_RESTART_SAME_PIDS);
}

/* python3 and its child in a new pid namespace: the parent is its init. */
TEST_F_TIMEOUT(realprog, python_pipe_new_pidns, 300)
{
	run_restarted(_metadata, &self->run, &python, CKPT_RESTART_NEW_PIDNS);
}

TEST_F_TIMEOUT(realprog, python_threads_same_pids, 300)
{
	run_restarted(_metadata, &self->run, &python_threads, CKPT_RESTART_SAME_PIDS);
}

TEST_F_TIMEOUT(realprog, python_threads_new_pidns, 300)
{
	run_restarted(_metadata, &self->run, &python_threads, CKPT_RESTART_NEW_PIDNS);
}

/*
 * python's web server and its client, with the pids they had: after
 * restart the client's next request on the same connection is answered.
 */
TEST_F_TIMEOUT(realprog, python_http_same_pids, 300)
{
	run_restarted(_metadata, &self->run, &python_http, CKPT_RESTART_SAME_PIDS);
}

TEST_F_TIMEOUT(realprog, python_http_new_pidns, 300)
{
	run_restarted(_metadata, &self->run, &python_http, CKPT_RESTART_NEW_PIDNS);
}

/* The shell and the Go program with its threads, with the pids they had. */
TEST_F_TIMEOUT(realprog, go_powser_same_pids, 300)
{
	run_restarted(_metadata, &self->run, &go_powser, CKPT_RESTART_SAME_PIDS);
}

/* The shell and the Go program in a new pid namespace: the shell is its init. */
TEST_F_TIMEOUT(realprog, go_powser_new_pidns, 300)
{
	run_restarted(_metadata, &self->run, &go_powser, CKPT_RESTART_NEW_PIDNS);
}

/* busybox sh -i on a pty, a line half typed, with the pids it had. */
TEST_F_TIMEOUT(realprog, busybox_sh_on_pty_same_pids, 300)
{
	run_pty_shell(_metadata, &self->run, CKPT_RESTART_SAME_PIDS);
}

TEST_F_TIMEOUT(realprog, busybox_sh_on_pty_new_pidns, 300)
{
	run_pty_shell(_metadata, &self->run, CKPT_RESTART_NEW_PIDNS);
}

TEST_HARNESS_MAIN
