// SPDX-License-Identifier: GPL-2.0
/*
 * ckptinfo: decode and check a checkpoint image.
 *
 *   ckptinfo [-s] FILE      (FILE "-" reads standard input)
 *
 * Prints every record of the image, mostly one line each, or with -s only
 * counts.  Checks the length of every record, the PAGES and DATA records
 * against the VMA, FILE and PIPE records they belong to, the REGSET records
 * against the features and the THREAD record, the object references, and
 * the tail with its checksum.  Only images of the byte order of the machine
 * it runs on are decoded; the registers and other architecture records are
 * decoded for the architecture it was built for.
 *
 * Exits 0 for a well-formed image, 1 for a malformed one (or one of the
 * other byte order), 2 on a usage or I/O error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/checkpoint.h>
#include <linux/checkpoint_hdr.h>
#include <asm/checkpoint_hdr.h>

/* The kinds of owner of a file (F_SETOWN_EX), as in <linux/fcntl.h>. */
#ifndef F_OWNER_TID
#define F_OWNER_TID	0
#define F_OWNER_PID	1
#define F_OWNER_PGRP	2
#endif

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Longest string printed from an image; longer ones end with "...". */
#define STR_MAX		512
/* Most supplementary groups printed. */
#define GROUPS_MAX	16

static const char *prog = "ckptinfo";
static bool summary;

static unsigned long long ull(uint64_t v)
{
	return v;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: %s [-s] FILE\n"
		"Decode and check the checkpoint image in FILE (- for standard input).\n"
		"  -s  print a summary (counts of records, VMAs, pages, fds, bytes)\n"
		"      instead of every record\n"
		"Exit status: 0 well-formed image, 1 malformed image, 2 usage or I/O error.\n",
		prog);
}

static __attribute__((format(printf, 2, 3)))
int bad(size_t off, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: malformed image at offset %zu: ", prog, off);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static __attribute__((noreturn)) void out_of_memory(void)
{
	fflush(stdout);
	fprintf(stderr, "%s: out of memory\n", prog);
	exit(2);
}

static uint32_t crc_table[256];

/* Continue a CRC32C (start with ~0, finish with ~). */
static uint32_t crc32c_add(uint32_t crc, const uint8_t *p, size_t len)
{
	if (!crc_table[1]) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = (c >> 1) ^ (0x82f63b78 & -(c & 1));
			crc_table[i] = c;
		}
	}
	while (len--)
		crc = (crc >> 8) ^ crc_table[(crc ^ *p++) & 0xff];
	return crc;
}

/* Print a string of at most @max bytes, quoted, non-printable bytes escaped. */
static void put_str(const char *s, size_t max)
{
	size_t i;

	putchar('"');
	for (i = 0; i < max && s[i]; i++) {
		unsigned char c = s[i];

		if (i == STR_MAX) {
			fputs("...", stdout);
			break;
		}
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	putchar('"');
}

struct bit_name {
	uint64_t bit;
	const char *name;
};

/* Print the names of the bits set in @v, separated by commas. */
static void put_bits(uint64_t v, const struct bit_name *t, size_t n)
{
	const char *sep = "";

	for (size_t i = 0; i < n; i++) {
		if (v & t[i].bit) {
			printf("%s%s", sep, t[i].name);
			sep = ",";
			v &= ~t[i].bit;
		}
	}
	if (v)
		printf("%s%#llx", sep, ull(v));
}

/* Print @v in hex, with the names of its bits in parentheses. */
static void put_flags(uint64_t v, const struct bit_name *t, size_t n)
{
	printf("%#llx", ull(v));
	if (v) {
		fputs(" (", stdout);
		put_bits(v, t, n);
		putchar(')');
	}
}

/* The signal numbers of x86, s390, powerpc and arm. */
static const char *const sig_names[32] = {
	NULL, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE",
	"KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT",
	"CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU",
	"XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
};

static void put_sig(unsigned int sig)
{
	if (sig && sig < ARRAY_SIZE(sig_names))
		printf("SIG%s", sig_names[sig]);
	else if (sig >= 32 && sig <= CKPT_NSIG)
		printf("SIGRTMIN+%u", sig - 32);
	else
		printf("signal %u", sig);
}

/* Print a signal set (bit n-1 is signal n): hex, and names if few. */
static void put_sigset(uint64_t set)
{
	const char *sep = "";

	printf("%#llx", ull(set));
	if (!set || __builtin_popcountll(set) > 8)
		return;
	fputs(" (", stdout);
	for (unsigned int sig = 1; sig <= 64; sig++) {
		if (!(set & (1ULL << (sig - 1))))
			continue;
		fputs(sep, stdout);
		if (sig < ARRAY_SIZE(sig_names))
			fputs(sig_names[sig], stdout);
		else
			printf("RTMIN+%u", sig - 32);
		sep = ",";
	}
	putchar(')');
}

/* Print a duration in nanoseconds as seconds. */
static void put_ns(uint64_t ns)
{
	printf("%llu.%09llus", ull(ns / 1000000000), ull(ns % 1000000000));
}

/* new_encode_dev() encoding. */
static void put_dev(uint64_t dev)
{
	printf("%llu:%llu", ull((dev & 0xfff00) >> 8),
	       ull((dev & 0xff) | ((dev >> 12) & 0xfff00)));
}

/* An object a FILE or PIPE record defines, or a reference to one. */
struct obj {
	uint32_t ref;
	uint32_t type;		/* CKPT_HDR_FILE or CKPT_HDR_PIPE */
	size_t off;		/* offset of the defining or referring record */
};

struct obj_list {
	struct obj *v;
	size_t nr, cap;
};

static void obj_add(struct obj_list *l, uint32_t ref, uint32_t type, size_t off)
{
	if (l->nr == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			out_of_memory();
	}
	l->v[l->nr++] = (struct obj){ ref, type, off };
}

static int obj_cmp(const void *a, const void *b)
{
	const struct obj *x = a, *y = b;

	return x->ref < y->ref ? -1 : x->ref > y->ref;
}

/* The state of the walk through an image. */
struct walk {
	const uint8_t *buf;
	size_t len;
	const struct ckpt_hdr_header *hdr;
	bool native;		/* written on the architecture of this tool */

	/* Counts for the summary and the checks of the tail. */
	unsigned int nr_records;
	/* The checksum, up to @crc_end: page contents are not part of it. */
	uint32_t crc;
	size_t crc_end;
	uint64_t nr_vmas, nr_pages, nr_fds;
	uint64_t want_vmas, want_fds;
	bool seen_mm, seen_files;
	const char *comm;

	/* The VMA or FILE record whose PAGES records come next. */
	struct {
		size_t off;
		const char *what;
		uint64_t left;
		uint64_t next;		/* lowest acceptable next address */
		uint64_t end;		/* end of the range of the addresses */
	} pages;
	/* The PIPE record whose DATA records come next. */
	struct {
		size_t off;
		uint64_t left;
	} data;
	/* The UNIX record whose UNIX_MSG records come next. */
	struct {
		size_t off;
		uint64_t left;
	} msgs;
	/* The FILE record of a timerfd whose TIMERFD record comes next, or 0. */
	size_t timerfd_file;
	size_t epoll_file;
	size_t inet_file;
	size_t inotify_file;
	/* The PTY_INPUT records a PTY record still wants. */
	unsigned int pty_inputs;
	/* The INOTIFY record whose INOTIFY_WATCH records come next. */
	struct {
		size_t off;
		uint64_t left;
	} watches;
	/* The INET record of a UDP socket whose INET_DGRAM records come next. */
	struct {
		size_t off;
		uint64_t left;		/* datagrams */
		uint64_t bytes;
	} dgrams;
	/* The features of the arch header: the register sets there may be. */
	uint64_t features;
	/* The THREAD record whose REGSET records come next. */
	struct {
		size_t off;
		uint64_t left;		/* the sets it announced still to come */
		uint32_t next;		/* lowest acceptable next set */
	} regsets;

	struct obj_list defs, uses;
};

static const struct {
	const char *name;
	size_t size;		/* the smallest valid length */
} rec_types[] = {
	[CKPT_HDR_HEADER] = { "header", sizeof(struct ckpt_hdr_header) },
	[CKPT_HDR_HEADER_ARCH] = { "arch header", sizeof(struct ckpt_hdr_header_arch) },
	[CKPT_HDR_TAIL] = { "tail", sizeof(struct ckpt_hdr_tail) },
	[CKPT_HDR_TREE] = { "tree", sizeof(struct ckpt_hdr_tree) },
	[CKPT_HDR_TASK] = { "task", sizeof(struct ckpt_hdr_task) },
	[CKPT_HDR_CREDS] = { "creds", sizeof(struct ckpt_hdr_creds) },
	[CKPT_HDR_FS] = { "fs", sizeof(struct ckpt_hdr_fs) },
	[CKPT_HDR_SIGHAND] = { "sighand", sizeof(struct ckpt_hdr_sighand) },
	[CKPT_HDR_SIGPENDING] = { "sigpending", sizeof(struct ckpt_hdr_sigpending) },
	[CKPT_HDR_RESTART_BLOCK] = { "restart block", sizeof(struct ckpt_hdr_restart_block) },
	[CKPT_HDR_AFFINITY] = { "affinity", sizeof(struct ckpt_hdr_affinity) },
	[CKPT_HDR_SECCOMP] = { "seccomp", sizeof(struct ckpt_hdr_seccomp) },
	[CKPT_HDR_SECCOMP_FILTER] = { "seccomp filter", sizeof(struct ckpt_hdr_seccomp_filter) },
	[CKPT_HDR_POSIX_TIMERS] = { "posix timers", sizeof(struct ckpt_hdr_posix_timers) },
	[CKPT_HDR_CPU] = { "cpu", sizeof(struct ckpt_hdr) },
	[CKPT_HDR_THREAD] = { "thread", sizeof(struct ckpt_hdr) },
	[CKPT_HDR_MM_CONTEXT] = { "mm context", sizeof(struct ckpt_hdr) },
	[CKPT_HDR_REGSET] = { "register set", sizeof(struct ckpt_hdr_regset) },
	[CKPT_HDR_MM] = { "mm", sizeof(struct ckpt_hdr_mm) },
	[CKPT_HDR_VMA] = { "vma", sizeof(struct ckpt_hdr_vma) },
	[CKPT_HDR_PAGES] = { "pages", sizeof(struct ckpt_hdr_pages) },
	[CKPT_HDR_FILES] = { "files", sizeof(struct ckpt_hdr_files) },
	[CKPT_HDR_FILE] = { "file", sizeof(struct ckpt_hdr_file) },
	[CKPT_HDR_PIPE] = { "pipe", sizeof(struct ckpt_hdr_pipe) },
	[CKPT_HDR_FD] = { "fd", sizeof(struct ckpt_hdr_fd) },
	[CKPT_HDR_DATA] = { "data", sizeof(struct ckpt_hdr_data) },
	[CKPT_HDR_TIMERFD] = { "timerfd", sizeof(struct ckpt_hdr_timerfd) },
	[CKPT_HDR_EPOLL] = { "epoll", sizeof(struct ckpt_hdr_epoll) },
	[CKPT_HDR_UNIX] = { "unix socket", sizeof(struct ckpt_hdr_unix) },
	[CKPT_HDR_UNIX_MSG] = { "unix message", sizeof(struct ckpt_hdr_unix_msg) },
	[CKPT_HDR_UNIX_QUEUE] = { "unix queue", sizeof(struct ckpt_hdr_unix_queue) },
	[CKPT_HDR_LOCK] = { "lock", sizeof(struct ckpt_hdr_lock) },
	[CKPT_HDR_FILE_ASYNC] = { "O_ASYNC", sizeof(struct ckpt_hdr_file_async) },
	[CKPT_HDR_INET] = { "inet socket", sizeof(struct ckpt_hdr_inet) },
	[CKPT_HDR_INET_DGRAM] = { "datagram", sizeof(struct ckpt_hdr_inet_dgram) },
	[CKPT_HDR_INOTIFY] = { "inotify", sizeof(struct ckpt_hdr_inotify) },
	[CKPT_HDR_INOTIFY_WATCH] = { "inotify watch", sizeof(struct ckpt_hdr_inotify_watch) },
	[CKPT_HDR_PTY] = { "pty", sizeof(struct ckpt_hdr_pty) },
	[CKPT_HDR_PTY_INPUT] = { "pty input", sizeof(struct ckpt_hdr_pty_input) },
	[CKPT_HDR_TTY_INHERITED] = { "inherited terminal",
				     sizeof(struct ckpt_hdr_tty_inherited) },
};

static const char *rec_name(uint32_t type)
{
	if (type < ARRAY_SIZE(rec_types) && rec_types[type].name)
		return rec_types[type].name;
	return "unknown";
}

/* Check that a record has exactly the length its contents call for. */
static int check_len(size_t off, const struct ckpt_hdr *h, uint64_t want)
{
	if (h->len != want)
		return bad(off, "%s record of length %u, expected %llu",
			   rec_name(h->type), h->len, ull(want));
	return 0;
}

/* Start the line of a record. */
static void put_rec(size_t off, const struct ckpt_hdr *h)
{
	printf("@%zu %s (len %u)", off, rec_name(h->type), h->len);
}

static const char *arch_name(unsigned int id, unsigned int endian)
{
	switch (id) {
	case CKPT_ARCH_X86_64:
		return "x86_64";
	case CKPT_ARCH_S390X:
		return "s390x";
	case CKPT_ARCH_PPC64:
		return endian == CKPT_ENDIAN_LITTLE ? "ppc64le" : "ppc64";
	case CKPT_ARCH_ARM:
		return "arm";
	}
	return "unknown";
}

static int do_header(struct walk *w)
{
	const struct ckpt_hdr_header *h = (const void *)w->buf;
	const uint16_t one = 1;
	unsigned int native = *(const uint8_t *)&one ? CKPT_ENDIAN_LITTLE : CKPT_ENDIAN_BIG;
	struct tm *tm;
	time_t t;
	char when[64];

	if (!w->len)
		return bad(0, "empty image");
	/* The magic comes first: tell a non-image from a truncated one. */
	if (w->len < offsetof(struct ckpt_hdr_header, magic) + CKPT_MAGIC_LEN ||
	    memcmp(h->magic, CKPT_HEADER_MAGIC, CKPT_MAGIC_LEN))
		return bad(0, "bad magic: not a checkpoint image");
	if (w->len < sizeof(*h))
		return bad(0, "truncated header record (%zu bytes)", w->len);
	if (h->endian != CKPT_ENDIAN_LITTLE && h->endian != CKPT_ENDIAN_BIG)
		return bad(0, "bad byte order %u", h->endian);
	if (h->endian != native) {
		fprintf(stderr, "%s: image of the other byte order (%s endian); "
			"decode it on such a machine\n", prog,
			h->endian == CKPT_ENDIAN_BIG ? "big" : "little");
		return 1;
	}
	if (h->h.type != CKPT_HDR_HEADER)
		return bad(0, "first record is not a header (type %u)", h->h.type);
	if (h->version != CKPT_VERSION && h->version != 2)
		return bad(0, "format version %u, this tool reads versions 2 and %u",
			   h->version, CKPT_VERSION);
	if (check_len(0, &h->h, sizeof(*h)))
		return 1;
	if (h->word_size != 4 && h->word_size != 8)
		return bad(0, "bad word size %u", h->word_size);
	if (h->page_size < 1024 || h->page_size > (1U << 24) ||
	    (h->page_size & (h->page_size - 1)))
		return bad(0, "bad page size %u", h->page_size);

	w->hdr = h;
	w->native = h->arch_id == CKPT_ARCH_ID;
	if (summary)
		return 0;

	t = h->time_sec;
	tm = (int64_t)t == h->time_sec ? gmtime(&t) : NULL;
	if (!tm || !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", tm))
		snprintf(when, sizeof(when), "%lld s", (long long)h->time_sec);
	printf("@0 header (len %u)\n", h->h.len);
	printf("  format version  %u\n", h->version);
	printf("  arch            %s (id %u), %u-bit, %s endian\n",
	       arch_name(h->arch_id, h->endian), h->arch_id, h->word_size * 8,
	       h->endian == CKPT_ENDIAN_BIG ? "big" : "little");
	printf("  page size       %u\n", h->page_size);
	printf("  kernel          ");
	put_str(h->uts_release, CKPT_UTS_LEN);
	putchar(' ');
	put_str(h->uts_machine, CKPT_UTS_LEN);
	putchar(' ');
	put_str(h->uts_version, CKPT_UTS_LEN);
	putchar('\n');
	printf("  checkpoint id   %llu\n", ull(h->ckpt_id));
	printf("  time            %s (+%u ns)\n", when, h->time_nsec);
	printf("  flags           %#llx%s%s%s\n", ull(h->flags),
	       h->flags & CKPT_CHECKPOINT_INHERIT_STDIO ? " (inherit stdio)" : "",
	       h->flags & CKPT_CHECKPOINT_EXTERNAL_SHMEM ? " (external shared memory)" : "",
	       h->flags & CKPT_CHECKPOINT_TCP_ESTABLISHED ? " (TCP peers outside)" : "");
	printf("  constants       TASK_COMM_LEN %u, signals %u, rlimits %u\n",
	       h->task_comm_len, h->nsig, h->nr_rlimits);
	return 0;
}

static int do_arch(struct walk *w, size_t off, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_header_arch *a = (const void *)h;

#if defined(CKPT_X86_FEAT_FXSR)
	const struct ckpt_hdr_arch_x86 *x = (const void *)h;

	if (w->native && check_len(off, h, sizeof(*x)))
		return 1;
#elif defined(CKPT_ARM_FEAT_VFP)
	const struct ckpt_hdr_arch_arm *r = (const void *)h;

	if (w->native && check_len(off, h, sizeof(*r)))
		return 1;
#elif defined(CKPT_S390_FEAT_VX)
	if (w->native && check_len(off, h, sizeof(struct ckpt_hdr_arch_s390)))
		return 1;
#elif defined(CKPT_PPC_FEAT_FPU)
	if (w->native && check_len(off, h, sizeof(struct ckpt_hdr_arch_ppc)))
		return 1;
#endif
	w->features = a->features;
	if (summary)
		return 0;
	put_rec(off, h);
	printf(": features %#llx", ull(a->features));
	if (!w->native) {
		putchar('\n');
		return 0;
	}
#if defined(CKPT_X86_FEAT_FXSR)
	printf("%s%s, xfeatures %#llx, xstate %u bytes",
	       a->features & CKPT_X86_FEAT_FXSR ? " FXSR" : "",
	       a->features & CKPT_X86_FEAT_XSAVE ? " XSAVE" : "",
	       ull(x->xfeatures), x->xstate_size);
#elif defined(CKPT_ARM_FEAT_VFP)
	printf(", ARMv%u, %s, %u VFP registers%s", r->isa_level,
	       r->mmu ? "MMU" : "no MMU", r->vfp_nregs,
	       a->features & CKPT_ARM_FEAT_NEON ? ", NEON" : "");
#elif defined(CKPT_S390_FEAT_VX)
	printf("%s", a->features & CKPT_S390_FEAT_VX ? " VX" : "");
#elif defined(CKPT_PPC_FEAT_FPU)
	printf("%s%s%s%s",
	       a->features & CKPT_PPC_FEAT_FPU ? " FPU" : "",
	       a->features & CKPT_PPC_FEAT_VMX ? " VMX" : "",
	       a->features & CKPT_PPC_FEAT_VSX ? " VSX" : "",
	       a->features & CKPT_PPC_FEAT_DAWR ? " DAWR" : "");
#endif
	putchar('\n');
	return 0;
}

static const char *const rlim_names[CKPT_RLIM_NLIMITS] = {
	"cpu", "fsize", "data", "stack", "core", "rss", "nproc", "nofile",
	"memlock", "as", "locks", "sigpending", "msgqueue", "nice", "rtprio",
	"rttime",
};

static void put_rlim(uint64_t v)
{
	if (v == ~0ULL)
		fputs("inf", stdout);
	else
		printf("%llu", ull(v));
}

/* The process tree, one line per task, indented under its parent. */
static int do_tree(size_t off, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_tree *t = (const void *)h;
	unsigned int *depth;

	if (h->len < sizeof(*t))
		return bad(off, "tree record of length %u", h->len);
	if (t->nr_tasks < 1 || t->nr_tasks > CKPT_TREE_MAX_TASKS ||
	    h->len != sizeof(*t) + (size_t)t->nr_tasks * sizeof(t->tasks[0]))
		return bad(off, "tree record of %u tasks has length %u", t->nr_tasks, h->len);
	if (t->flags & ~CKPT_TREE_FLAGS_ALL)
		return bad(off, "tree record with unknown flags %#x", t->flags);
	depth = calloc(t->nr_tasks, sizeof(*depth));
	if (!depth)
		return bad(off, "out of memory");
	for (uint32_t i = 0; i < t->nr_tasks; i++) {
		const struct ckpt_tree_task *e = &t->tasks[i];

		if (i ? e->parent < 0 || (uint32_t)e->parent >= i : e->parent != -1) {
			free(depth);
			return bad(off, "task %u of the tree has a bad parent %d", i, e->parent);
		}
		if (e->flags & ~CKPT_TREE_TASK_FLAGS_ALL) {
			free(depth);
			return bad(off, "task %u of the tree has unknown flags %#x", i, e->flags);
		}
		depth[i] = i ? depth[e->parent] + 1 : 0;
	}
	if (!summary) {
		put_rec(off, h);
		printf(": %u task%s%s\n", t->nr_tasks, t->nr_tasks == 1 ? "" : "s",
		       t->flags & CKPT_TREE_PIDNS_INIT ? ", the root is the init of its pid namespace" : "");
		for (uint32_t i = 0; i < t->nr_tasks; i++) {
			const struct ckpt_tree_task *e = &t->tasks[i];

			if (e->flags & CKPT_TREE_TASK_THREAD) {
				printf("  %*sthread %d of pid %d\n", (int)depth[i] * 2, "",
				       e->pid, t->tasks[e->parent].pid);
				continue;
			}
			printf("  %*spid %d pgid %d sid %d exit_signal %u", (int)depth[i] * 2, "",
			       e->pid, e->pgid, e->sid, e->exit_signal);
			if (e->flags & CKPT_TREE_TASK_ZOMBIE)
				printf(", zombie, wait status %#x", (unsigned int)e->exit_code);
			if (e->flags & CKPT_TREE_TASK_CTTY)
				fputs(", has its session's controlling terminal", stdout);
			putchar('\n');
		}
	}
	free(depth);
	return 0;
}

static int do_task(struct walk *w, size_t off, const struct ckpt_hdr *h)
{
	static const struct bit_name flags[] = {
		{ CKPT_TASK_NO_NEW_PRIVS, "no_new_privs" },
		{ CKPT_TASK_RESTORE_SIGMASK, "restore_sigmask" },
		{ CKPT_TASK_CHILD_SUBREAPER, "child_subreaper" },
		{ CKPT_TASK_IO_FLUSHER, "io_flusher" },
		{ CKPT_TASK_SCHED_RESET_ON_FORK, "sched_reset_on_fork" },
	};
	static const char *const policies[] = {
		"normal", "fifo", "rr", "batch", "iso", "idle", "deadline",
	};
	static const char *const itimer_names[3] = { "real", "virtual", "prof" };
	const struct ckpt_hdr_task *t = (const void *)h;
	bool armed = false, unlimited = true;

	if (check_len(off, h, sizeof(*t)))
		return 1;
	w->comm = t->comm;
	if (summary)
		return 0;
	put_rec(off, h);
	fputs(": comm ", stdout);
	put_str(t->comm, CKPT_COMM_LEN);
	printf(", personality %#x, flags ", t->personality);
	put_flags(t->flags, flags, ARRAY_SIZE(flags));
	printf("\n  tids set_child %#llx clear_child %#llx, robust_list %#llx len %llu",
	       ull(t->set_child_tid), ull(t->clear_child_tid),
	       ull(t->robust_list), ull(t->robust_list_len));
	fputs(", sigaltstack ", stdout);
	if (t->sas_ss_size)
		printf("%#llx size %llu flags %#x", ull(t->sas_ss_sp),
		       ull(t->sas_ss_size), t->sas_ss_flags);
	else
		fputs("none", stdout);
	fputs("\n  blocked ", stdout);
	put_sigset(t->blocked);
	fputs(", saved_sigmask ", stdout);
	put_sigset(t->saved_sigmask);
	fputs(", itimers", stdout);
	for (int i = 0; i < 3; i++) {
		if (!t->itimer[i].value_ns && !t->itimer[i].interval_ns)
			continue;
		printf(" %s ", itimer_names[i]);
		put_ns(t->itimer[i].value_ns);
		fputs(" every ", stdout);
		put_ns(t->itimer[i].interval_ns);
		armed = true;
	}
	if (!armed)
		fputs(" none", stdout);
	fputs("\n  rlimits", stdout);
	for (int i = 0; i < CKPT_RLIM_NLIMITS; i++) {
		if (t->rlim[i].cur == ~0ULL && t->rlim[i].max == ~0ULL)
			continue;
		printf(" %s ", rlim_names[i]);
		put_rlim(t->rlim[i].cur);
		putchar('/');
		put_rlim(t->rlim[i].max);
		unlimited = false;
	}
	puts(unlimited ? " all inf" : ", others inf");
	printf("  sched %s", t->sched_policy < ARRAY_SIZE(policies) ?
	       policies[t->sched_policy] : "unknown");
	if (t->sched_priority)
		printf(" priority %u", t->sched_priority);
	printf(" nice %d, pdeath_signal %u, oom_score_adj %d (min %d), timer_slack %llu ns "
	       "(default %llu ns)\n", t->sched_nice, t->pdeath_signal, t->oom_score_adj,
	       t->oom_score_adj_min, ull(t->timer_slack_ns), ull(t->default_timer_slack_ns));
	return 0;
}

static int do_creds(size_t off, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_creds *c = (const void *)h;

	if (check_len(off, h, sizeof(*c) + (uint64_t)c->ngroups * sizeof(c->groups[0])))
		return 1;
	if (summary)
		return 0;
	put_rec(off, h);
	printf(": uid %u/%u/%u/%u, gid %u/%u/%u/%u, groups",
	       c->uid, c->euid, c->suid, c->fsuid,
	       c->gid, c->egid, c->sgid, c->fsgid);
	for (uint32_t i = 0; i < c->ngroups && i < GROUPS_MAX; i++)
		printf("%c%u", i ? ',' : ' ', c->groups[i]);
	if (c->ngroups > GROUPS_MAX)
		printf(",... (%u)", c->ngroups);
	else if (!c->ngroups)
		fputs(" none", stdout);
	printf("\n  securebits %#x, caps inh %#llx prm %#llx eff %#llx bnd %#llx amb %#llx\n",
	       c->securebits, ull(c->cap_inheritable), ull(c->cap_permitted),
	       ull(c->cap_effective), ull(c->cap_bset), ull(c->cap_ambient));
	return 0;
}

static int do_fs(size_t off, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_fs *f = (const void *)h;

	if (check_len(off, h, sizeof(*f) + (uint64_t)f->cwd_len + f->root_len))
		return 1;
	if (!f->cwd_len || f->paths[f->cwd_len - 1] ||
	    !f->root_len || f->paths[f->cwd_len + f->root_len - 1])
		return bad(off, "fs record: paths not NUL-terminated");
	if (summary)
		return 0;
	put_rec(off, h);
	printf(": #%u, umask %04o, cwd ", f->objref, f->umask);
	put_str(f->paths, f->cwd_len);
	fputs(", root ", stdout);
	put_str(f->paths + f->cwd_len, f->root_len);
	putchar('\n');
	return 0;
}

/* SA_* flags of x86, s390, powerpc and arm. */
static const struct bit_name sa_flags[] = {
	{ 0x00000001, "nocldstop" },
	{ 0x00000002, "nocldwait" },
	{ 0x00000004, "siginfo" },
	{ 0x00000400, "unsupported" },
	{ 0x00000800, "expose_tagbits" },
	{ 0x04000000, "restorer" },
	{ 0x08000000, "onstack" },
	{ 0x10000000, "restart" },
	{ 0x40000000, "nodefer" },
	{ 0x80000000, "resethand" },
};

static int do_sighand(size_t off, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_sighand *s = (const void *)h;
	unsigned int nr = 0;

	if (check_len(off, h, sizeof(*s)))
		return 1;
	if (summary)
		return 0;
	for (int i = 0; i < CKPT_NSIG; i++) {
		const struct ckpt_sigaction *a = &s->action[i];

		nr += a->handler || a->flags || a->restorer || a->mask;
	}
	put_rec(off, h);
	printf(": %u non-default action%s\n", nr, nr == 1 ? "" : "s");
	for (int i = 0; i < CKPT_NSIG; i++) {
		const struct ckpt_sigaction *a = &s->action[i];

		if (!a->handler && !a->flags && !a->restorer && !a->mask)
			continue;
		fputs("  ", stdout);
		put_sig(i + 1);
		printf(" (%d): ", i + 1);
		if (a->handler <= 1)
			fputs(a->handler ? "SIG_IGN" : "SIG_DFL", stdout);
		else
			printf("handler %#llx", ull(a->handler));
		fputs(", flags ", stdout);
		put_flags(a->flags, sa_flags, ARRAY_SIZE(sa_flags));
		fputs(", mask ", stdout);
		put_sigset(a->mask);
		printf(", restorer %#llx\n", ull(a->restorer));
	}
	return 0;
}

static int do_sigpending(struct walk *w, size_t off, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_sigpending *s = (const void *)h;
	/* si_pid and si_uid follow si_signo, si_errno, si_code and padding. */
	size_t pid_off = w->hdr->word_size == 8 ? 16 : 12;

	if (check_len(off, h, sizeof(*s) + (uint64_t)s->nr * sizeof(s->entries[0])))
		return 1;
	if (summary)
		return 0;
	put_rec(off, h);
	fputs(": thread ", stdout);
	put_sigset(s->pending);
	fputs(", shared ", stdout);
	put_sigset(s->shared_pending);
	printf(", %u queued\n", s->nr);
	for (uint32_t i = 0; i < s->nr; i++) {
		const struct ckpt_sigpending_entry *e = &s->entries[i];
		int32_t code, pid;
		uint32_t uid;

		memcpy(&code, e->info + 8, sizeof(code));
		memcpy(&pid, e->info + pid_off, sizeof(pid));
		memcpy(&uid, e->info + pid_off + 4, sizeof(uid));
		fputs("  ", stdout);
		put_sig(e->signo);
		printf(" (%u) %s, si_code %d", e->signo,
		       e->flags & CKPT_SIGPENDING_SHARED ? "shared" : "thread", code);
		/* For SI_TIMER, the timer's id and overrun count are there. */
		if (code == SI_TIMER)
			printf(", POSIX timer %d, overrun %u%s", pid, uid,
			       e->flags & CKPT_SIGPENDING_TIMER ? ", its own" : "");
		/* SI_USER, SI_QUEUE, SI_TKILL... : sent by a process. */
		else if (code <= 0)
			printf(", from pid %d uid %u", pid, uid);
		putchar('\n');
	}
	return 0;
}

static const char *clock_name(int32_t clockid)
{
	switch (clockid) {
	case CLOCK_REALTIME:
		return "realtime";
	case CLOCK_MONOTONIC:
		return "monotonic";
	case CLOCK_BOOTTIME:
		return "boottime";
	case CLOCK_TAI:
		return "tai";
	}
	/* The kernel's encoding of a CPU-time clock: ~pid << 3 | thread | which. */
	if (clockid < 0 && (clockid & 3) < 3) {
		static const char *const names[2][3] = {
			{ "process cpu prof", "process cpu virt", "process cpu" },
			{ "thread cpu prof", "thread cpu virt", "thread cpu" },
		};

		return names[!!(clockid & 4)][clockid & 3];
	}
	return "?";
}

static const char *notify_name(int32_t notify)
{
	switch (notify) {
	case SIGEV_SIGNAL:
		return "signal";
	case SIGEV_NONE:
		return "none";
	case SIGEV_THREAD:
		return "thread";
	case SIGEV_SIGNAL | SIGEV_THREAD_ID:
		return "thread id";
	}
	return "?";
}

static int do_posix_timers(size_t off, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_posix_timers *p = (const void *)h;

	if (check_len(off, h, sizeof(*p) + (uint64_t)p->nr * sizeof(p->timers[0])))
		return 1;
	if (summary)
		return 0;
	put_rec(off, h);
	printf(": %u timers, next id %u\n", p->nr, p->next_id);
	for (uint32_t i = 0; i < p->nr; i++) {
		const struct ckpt_posix_timer *t = &p->timers[i];

		printf("  timer %d: clock %s (%d), notify %s", t->id, clock_name(t->clockid),
		       t->clockid, notify_name(t->notify));
		if (t->notify != SIGEV_NONE) {
			fputs(" ", stdout);
			put_sig(t->signo);
		}
		if (t->notify & SIGEV_THREAD_ID)
			printf(" to thread %d", t->tid);
		if (t->cpu_tid)
			printf(", the CPU time of thread %d", t->cpu_tid);
		if (t->flags & CKPT_POSIX_TIMER_CLOCK_PID)
			printf(", clock of pid %d", (int)~(t->clockid >> 3));
		printf(", value %#llx, %s %lld ns, interval %lld ns%s%s, overrun %lld/%lld, requeue %u\n",
		       ull(t->value), t->flags & CKPT_POSIX_TIMER_ABSTIME ? "deadline" : "left",
		       (long long)t->value_ns, (long long)t->interval_ns,
		       t->flags & CKPT_POSIX_TIMER_ACTIVE ? ", active" : "",
		       t->flags & CKPT_POSIX_TIMER_RUNNING ? ", running" : "",
		       (long long)t->overrun, (long long)t->overrun_last, t->requeue);
	}
	return 0;
}

static int do_seccomp(struct walk *w, size_t off, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_seccomp *s = (const void *)h;

	if (check_len(off, h, sizeof(*s)))
		return 1;
	if (s->mode == 2 && !s->filter_ref)
		return bad(off, "seccomp record in filter mode without a filter");
	if (s->mode != 2 && (s->mode != 1 || s->filter_ref))
		return bad(off, "seccomp record of mode %u", s->mode);
	if (s->filter_ref)
		obj_add(&w->uses, s->filter_ref, CKPT_HDR_SECCOMP_FILTER, off);
	if (summary)
		return 0;
	put_rec(off, h);
	if (s->mode == 1)
		printf(": strict mode\n");
	else
		printf(": filter mode, newest filter #%u\n", s->filter_ref);
	return 0;
}

static int do_seccomp_filter(struct walk *w, size_t off, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_seccomp_filter *f = (const void *)h;

	if (h->len < sizeof(*f) + sizeof(f->insns[0]) || !f->len || f->len > BPF_MAXINSNS)
		return bad(off, "seccomp filter record of %u instructions",
			   h->len >= sizeof(*f) ? f->len : 0);
	if (check_len(off, h, sizeof(*f) + f->len * sizeof(f->insns[0])))
		return 1;
	if (!f->objref)
		return bad(off, "seccomp filter record with object reference 0");
	if (f->flags & ~CKPT_SECCOMP_LOG)
		return bad(off, "seccomp filter record with flags %#x", f->flags);
	obj_add(&w->defs, f->objref, CKPT_HDR_SECCOMP_FILTER, off);
	if (f->prev_ref)
		obj_add(&w->uses, f->prev_ref, CKPT_HDR_SECCOMP_FILTER, off);
	if (summary)
		return 0;
	put_rec(off, h);
	printf(": #%u, %u instructions", f->objref, f->len);
	if (f->prev_ref)
		printf(", above #%u", f->prev_ref);
	printf("%s\n", f->flags & CKPT_SECCOMP_LOG ? ", log" : "");
	return 0;
}

static int do_affinity(size_t off, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_affinity *a = (const void *)h;
	const char *sep = "";
	uint32_t cpu, first;

	if (h->len < sizeof(*a) + 8 || a->nr_cpus % 64 || !a->nr_cpus ||
	    a->nr_cpus > CKPT_AFFINITY_MAX_CPUS)
		return bad(off, "affinity record of %u CPUs", a->nr_cpus);
	if (check_len(off, h, sizeof(*a) + a->nr_cpus / 8))
		return 1;
	if (summary)
		return 0;
	put_rec(off, h);
	fputs(": cpus ", stdout);
	for (cpu = 0; cpu < a->nr_cpus; cpu++) {
		if (!(a->mask[cpu / 64] >> (cpu % 64) & 1))
			continue;
		first = cpu;
		while (cpu + 1 < a->nr_cpus && a->mask[(cpu + 1) / 64] >> ((cpu + 1) % 64) & 1)
			cpu++;
		if (cpu == first)
			printf("%s%u", sep, first);
		else
			printf("%s%u-%u", sep, first, cpu);
		sep = ",";
	}
	fputs(*sep ? "\n" : "none\n", stdout);
	return 0;
}

static int do_restart_block(size_t off, const struct ckpt_hdr *h)
{
	static const struct bit_name flags[] = {
		{ CKPT_RESTART_RELATIVE, "relative" },
		{ CKPT_RESTART_HAS_TIMEOUT, "has_timeout" },
		{ CKPT_RESTART_CLOCK_REALTIME, "clock_realtime" },
		{ CKPT_RESTART_SHARED, "shared" },
		{ CKPT_RESTART_COMPAT, "compat" },
	};
	const struct ckpt_hdr_restart_block *r = (const void *)h;
	bool timeout = true;

	if (check_len(off, h, sizeof(*r)))
		return 1;
	if (summary)
		return 0;
	put_rec(off, h);
	switch (r->kind) {
	case CKPT_RESTART_NONE:
		fputs(": none\n", stdout);
		return 0;
	case CKPT_RESTART_NANOSLEEP:
		printf(": nanosleep, clock %d, rmtp %#llx", r->clockid, ull(r->addr));
		break;
	case CKPT_RESTART_FUTEX:
		printf(": futex %#llx, val %u, bitset %#x", ull(r->addr), r->val,
		       r->bitset);
		timeout = r->flags & CKPT_RESTART_HAS_TIMEOUT;
		break;
	case CKPT_RESTART_POLL:
		printf(": poll %#llx, nfds %u", ull(r->addr), r->nfds);
		timeout = r->flags & CKPT_RESTART_HAS_TIMEOUT;
		break;
	default:
		printf(": kind %u, addr %#llx", r->kind, ull(r->addr));
		break;
	}
	if (timeout) {
		fputs(", timeout ", stdout);
		put_ns(r->timeout_ns);
		fputs(r->flags & CKPT_RESTART_RELATIVE ? " left" : " absolute", stdout);
	}
	fputs(", flags ", stdout);
	put_flags(r->flags, flags, ARRAY_SIZE(flags));
	putchar('\n');
	return 0;
}

#if defined(CKPT_PPC_SET_FPU) || defined(CKPT_ARM_SET_VFP)
/*
 * The thread record of an architecture with register sets: the sets at
 * @sets (read once the length is checked) must be among @known, and the
 * REGSET records that follow must hold them.  Prints the record up to its
 * sets.  Returns 1 after an error, 0 when there is nothing more to print
 * (summary), 2 when the caller goes on printing the line.
 */
static int put_thread_sets(struct walk *w, size_t off, const struct ckpt_hdr *h, size_t len,
			   const uint64_t *sets, uint64_t known, const struct bit_name *names,
			   size_t nr_names)
{
	if (check_len(off, h, len))
		return 1;
	if (*sets & ~known)
		return bad(off, "thread record with unknown register sets %#llx",
			   ull(*sets & ~known));
	w->regsets.left = *sets;
	if (summary)
		return 0;
	put_rec(off, h);
	fputs(": sets ", stdout);
	put_flags(*sets, names, nr_names);
	return 2;
}
#endif

#if defined(CKPT_X86_TLS_ENTRIES) || defined(CKPT_S390_FEAT_VX) || defined(CKPT_PPC_SET_FPU) || \
	defined(CKPT_ARM_SET_VFP)
/*
 * Print the register of a task that holds the result of a system call: if
 * @in_syscall, an error as a negative number (with the name of an ERESTART*
 * code), else in hex.
 */
static void put_sysret(uint64_t ret, bool in_syscall)
{
	int64_t v = ret;

	if (in_syscall && v < 0 && v >= -4095) {
		printf("%lld", (long long)v);
		switch (v) {
		case -512:
			fputs(" (ERESTARTSYS)", stdout);
			break;
		case -513:
			fputs(" (ERESTARTNOINTR)", stdout);
			break;
		case -514:
			fputs(" (ERESTARTNOHAND)", stdout);
			break;
		case -516:
			fputs(" (ERESTART_RESTARTBLOCK)", stdout);
			break;
		}
	} else {
		printf("%#llx", ull(ret));
	}
}
#endif

#if defined(CKPT_X86_TLS_ENTRIES)
#define HAVE_ARCH_RECS

/* Registers and thread state of x86_64. */
static int do_arch_regs(struct walk *w, size_t off, const struct ckpt_hdr *h)
{
	(void)w;
	switch (h->type) {
	case CKPT_HDR_CPU: {
		const struct ckpt_hdr_cpu_x86 *c = (const void *)h;

		if (check_len(off, h, sizeof(*c)))
			return 1;
		if (summary)
			return 0;
		put_rec(off, h);
		printf(": ip %#llx, sp %#llx, orig_ax %lld, ax ", ull(c->ip),
		       ull(c->sp), (long long)c->orig_ax);
		put_sysret(c->ax, c->orig_ax != ~0ULL);
		printf(", flags %#llx, fs_base %#llx, gs_base %#llx\n",
		       ull(c->flags), ull(c->fs_base), ull(c->gs_base));
		return 0;
	}
	case CKPT_HDR_THREAD: {
		const struct ckpt_hdr_thread_x86 *t = (const void *)h;
		unsigned int nr_tls = 0;

		if (h->len < sizeof(*t))
			return bad(off, "thread record of length %u, expected at least %zu",
				   h->len, sizeof(*t));
		if (check_len(off, h, sizeof(*t) + (uint64_t)t->fpu_size))
			return 1;
		if (summary)
			return 0;
		for (int i = 0; i < CKPT_X86_TLS_ENTRIES; i++)
			nr_tls += t->tls[i].base_addr || t->tls[i].limit ||
				  t->tls[i].flags;
		put_rec(off, h);
		printf(": %u TLS entr%s, fpu %s %u bytes, xfeatures %#llx\n",
		       nr_tls, nr_tls == 1 ? "y" : "ies",
		       t->fpu_format == CKPT_X86_FPU_FXSAVE ? "fxsave" :
		       t->fpu_format == CKPT_X86_FPU_XSAVE ? "xsave" : "(unknown format)",
		       t->fpu_size, ull(t->xfeatures));
		return 0;
	}
	}
	return 0;
}
#elif defined(CKPT_S390_FEAT_VX)
#define HAVE_ARCH_RECS

/* Registers and thread state of s390x. */
static int do_arch_regs(struct walk *w, size_t off, const struct ckpt_hdr *h)
{
	(void)w;
	switch (h->type) {
	case CKPT_HDR_CPU: {
		static const struct bit_name flags[] = {
			{ CKPT_S390_CPU_IN_SYSCALL, "in_syscall" },
		};
		const struct ckpt_hdr_cpu_s390 *c = (const void *)h;
		bool in_syscall = c->flags & CKPT_S390_CPU_IN_SYSCALL;

		if (check_len(off, h, sizeof(*c)))
			return 1;
		if (summary)
			return 0;
		put_rec(off, h);
		/* The thread pointer is in access registers 0 (high) and 1 (low). */
		printf(": psw mask %#llx addr %#llx, tls %#llx, flags ", ull(c->psw_mask),
		       ull(c->psw_addr), ((unsigned long long)c->acrs[0] << 32) | c->acrs[1]);
		put_flags(c->flags, flags, ARRAY_SIZE(flags));
		fputs("\n  ", stdout);
		if (in_syscall)
			printf("svc %u ilc %u, ", c->int_code & 0xffff, c->int_code >> 16);
		else if (c->int_code)
			printf("int_code %#x, ", c->int_code);
		printf("orig_gpr2 %#llx, gpr2 ", ull(c->orig_gpr2));
		put_sysret(c->gprs[2], in_syscall);
		if (c->restart_addr)
			printf(", restart_addr %#llx", ull(c->restart_addr));
		putchar('\n');
		for (int i = 0; i < 16; i += 4)
			printf("  gpr %2d-%-2d %016llx %016llx %016llx %016llx\n", i, i + 3,
			       ull(c->gprs[i]), ull(c->gprs[i + 1]), ull(c->gprs[i + 2]),
			       ull(c->gprs[i + 3]));
		for (int i = 2; i < 16; i += 7)
			printf("  acr %2d-%-2d %08x %08x %08x %08x %08x %08x %08x\n", i, i + 6,
			       c->acrs[i], c->acrs[i + 1], c->acrs[i + 2], c->acrs[i + 3],
			       c->acrs[i + 4], c->acrs[i + 5], c->acrs[i + 6]);
		return 0;
	}
	case CKPT_HDR_THREAD: {
		const struct ckpt_hdr_thread_s390 *t = (const void *)h;
		bool vx = false;

		if (check_len(off, h, sizeof(*t)))
			return 1;
		if (summary)
			return 0;
		/* Floating-point register i is the high half of vector register i. */
		for (int i = 0; i < 32; i++)
			vx |= t->vxrs[i][1] || (i >= 16 && t->vxrs[i][0]);
		put_rec(off, h);
		printf(": fpc %#010x", t->fpc);
		if (t->__reserved)
			printf(", reserved %#x", t->__reserved);
		puts(vx ? ", vector registers" : ", floating-point registers only");
		if (!vx) {
			for (int i = 0; i < 16; i += 4)
				printf("  fpr %2d-%-2d %016llx %016llx %016llx %016llx\n",
				       i, i + 3, ull(t->vxrs[i][0]), ull(t->vxrs[i + 1][0]),
				       ull(t->vxrs[i + 2][0]), ull(t->vxrs[i + 3][0]));
			return 0;
		}
		for (int i = 0; i < 32; i += 2)
			printf("  vr %2d-%-2d %016llx%016llx %016llx%016llx\n", i, i + 1,
			       ull(t->vxrs[i][0]), ull(t->vxrs[i][1]),
			       ull(t->vxrs[i + 1][0]), ull(t->vxrs[i + 1][1]));
		return 0;
	}
	}
	return 0;
}
#elif defined(CKPT_PPC_SET_FPU)
#define HAVE_ARCH_RECS

/* The register sets of powerpc, as in the thread record. */
static const struct bit_name ppc_sets[] = {
	{ CKPT_PPC_FEAT_FPU, "FPU" },
	{ CKPT_PPC_FEAT_VMX, "VMX" },
	{ CKPT_PPC_FEAT_VSX, "VSX" },
};

/* Check that register set @r has the size of its layout. */
static int check_set_size(size_t off, const struct ckpt_hdr_regset *r, size_t want)
{
	if (r->size != want)
		return bad(off, "register set %u (%s) of %u bytes, expected %zu", r->set,
			   ppc_sets[r->set].name, r->size, want);
	return 0;
}

/* Print @n bytes in hex, in memory order. */
static void put_hex(const uint8_t *p, size_t n)
{
	while (n--)
		printf("%02x", *p++);
}

/* Registers, thread state and register sets of 64-bit powerpc. */
static int do_arch_regs(struct walk *w, size_t off, const struct ckpt_hdr *h)
{
	switch (h->type) {
	case CKPT_HDR_CPU: {
		const struct ckpt_hdr_cpu_ppc *c = (const void *)h;
		/* Bit 0 of the trap is the "norestart" flag of a system call. */
		uint64_t vec = c->trap & ~1ULL;
		bool in_syscall = vec == 0xc00 || vec == 0x3000;

		if (check_len(off, h, sizeof(*c)))
			return 1;
		if (summary)
			return 0;
		put_rec(off, h);
		/* r1 is the stack pointer, r13 the thread pointer. */
		printf(": nip %#llx, msr %#llx, sp %#llx, tls %#llx\n  trap %#llx",
		       ull(c->nip), ull(c->msr), ull(c->gpr[1]), ull(c->gpr[13]),
		       ull(c->trap));
		if (in_syscall)
			printf(" (%s%s)", vec == 0x3000 ? "scv" : "sc",
			       c->trap & 1 ? ", norestart" : "");
		printf(", orig_gpr3 %#llx, result ", ull(c->orig_gpr3));
		put_sysret(c->result, in_syscall);
		printf("\n  ctr %#llx, link %#llx, xer %#llx, ccr %#010llx", ull(c->ctr),
		       ull(c->link), ull(c->xer), ull(c->ccr));
		if (c->dar || c->dsisr)
			printf(", dar %#llx dsisr %#llx", ull(c->dar), ull(c->dsisr));
		putchar('\n');
		for (int i = 0; i < 32; i += 4)
			printf("  gpr %2d-%-2d %016llx %016llx %016llx %016llx\n", i, i + 3,
			       ull(c->gpr[i]), ull(c->gpr[i + 1]), ull(c->gpr[i + 2]),
			       ull(c->gpr[i + 3]));
		return 0;
	}
	case CKPT_HDR_THREAD: {
		const struct ckpt_hdr_thread_ppc *t = (const void *)h;
		int ret = put_thread_sets(w, off, h, sizeof(*t), &t->sets,
					  CKPT_PPC_FEAT_FPU | CKPT_PPC_FEAT_VMX | CKPT_PPC_FEAT_VSX,
					  ppc_sets, ARRAY_SIZE(ppc_sets));

		if (ret != 2)
			return ret;
		printf(", tar %#llx, fpexc_mode %#x", ull(t->tar), t->fpexc_mode);
		if (t->__reserved)
			printf(", reserved %#x", t->__reserved);
		putchar('\n');
		return 0;
	}
	case CKPT_HDR_REGSET: {
		const struct ckpt_hdr_regset *r = (const void *)h;

		switch (r->set) {
		case CKPT_PPC_SET_FPU: {
			const struct ckpt_ppc_fpu *f = (const void *)r->data;

			if (check_set_size(off, r, sizeof(*f)))
				return 1;
			if (summary)
				return 0;
			put_rec(off, h);
			printf(": FPU, fpscr %#llx\n", ull(f->fpscr));
			for (int i = 0; i < 32; i += 4)
				printf("  fpr %2d-%-2d %016llx %016llx %016llx %016llx\n",
				       i, i + 3, ull(f->fpr[i]), ull(f->fpr[i + 1]),
				       ull(f->fpr[i + 2]), ull(f->fpr[i + 3]));
			return 0;
		}
		case CKPT_PPC_SET_VMX: {
			const struct ckpt_ppc_vmx *v = (const void *)r->data;

			if (check_set_size(off, r, sizeof(*v)))
				return 1;
			if (summary)
				return 0;
			put_rec(off, h);
			/* The vector registers as stvx stores them. */
			fputs(": VMX, vscr ", stdout);
			put_hex(v->vscr, sizeof(v->vscr));
			printf(", vrsave %#x", v->vrsave);
			if (v->__reserved)
				printf(", reserved %#x", v->__reserved);
			putchar('\n');
			for (int i = 0; i < 32; i += 2) {
				printf("  vr %2d-%-2d ", i, i + 1);
				put_hex(v->vr[i], sizeof(v->vr[i]));
				putchar(' ');
				put_hex(v->vr[i + 1], sizeof(v->vr[i + 1]));
				putchar('\n');
			}
			return 0;
		}
		case CKPT_PPC_SET_VSX: {
			const struct ckpt_ppc_vsx *v = (const void *)r->data;

			if (check_set_size(off, r, sizeof(*v)))
				return 1;
			if (summary)
				return 0;
			put_rec(off, h);
			puts(": VSX, the low doublewords of VSR 0-31");
			for (int i = 0; i < 32; i += 4)
				printf("  vsr %2d-%-2d %016llx %016llx %016llx %016llx\n",
				       i, i + 3, ull(v->vsr_low[i]), ull(v->vsr_low[i + 1]),
				       ull(v->vsr_low[i + 2]), ull(v->vsr_low[i + 3]));
			return 0;
		}
		}
		return bad(off, "unknown register set %u", r->set);
	}
	}
	return 0;
}
#elif defined(CKPT_ARM_SET_VFP)
#define HAVE_ARCH_RECS
#define HAVE_ARCH_MM_CONTEXT

/* The register sets of arm, as in the thread record. */
static const struct bit_name arm_sets[] = {
	{ 1ULL << CKPT_ARM_SET_VFP, "VFP" },
};

/* The processor modes of the CPSR (bits 0-4). */
static const char *const arm_modes[32] = {
	[0x10] = "usr", [0x11] = "fiq", [0x12] = "irq", [0x13] = "svc", [0x16] = "mon",
	[0x17] = "abt", [0x1a] = "hyp", [0x1b] = "und", [0x1f] = "sys",
};

/* The state and mask bits of the CPSR. */
static const struct bit_name arm_cpsr_bits[] = {
	{ 1U << 5, "T" },	/* Thumb */
	{ 1U << 24, "J" },	/* Jazelle */
	{ 1U << 7, "I" },	/* IRQs masked */
	{ 1U << 6, "F" },	/* FIQs masked */
	{ 1U << 8, "A" },	/* asynchronous aborts masked */
};

/* Print a CPSR: in hex, with its mode and the bits of arm_cpsr_bits. */
static void put_cpsr(uint32_t cpsr)
{
	uint32_t shown = 0;

	for (size_t i = 0; i < ARRAY_SIZE(arm_cpsr_bits); i++)
		shown |= arm_cpsr_bits[i].bit;
	printf("0x%08x (", cpsr);
	if (arm_modes[cpsr & 0x1f])
		fputs(arm_modes[cpsr & 0x1f], stdout);
	else
		printf("mode %#x", cpsr & 0x1f);
	if (cpsr & shown) {
		putchar(',');
		put_bits(cpsr & shown, arm_cpsr_bits, ARRAY_SIZE(arm_cpsr_bits));
	}
	putchar(')');
}

/* Registers, thread state and register sets of 32-bit arm. */
static int do_arch_regs(struct walk *w, size_t off, const struct ckpt_hdr *h)
{
	switch (h->type) {
	case CKPT_HDR_CPU: {
		static const struct bit_name flags[] = {
			{ CKPT_ARM_CPU_RESTARTBLOCK, "restartblock" },
		};
		const struct ckpt_hdr_cpu_arm *c = (const void *)h;
		uint32_t r0 = c->regs[0], orig_r0 = c->regs[17];
		/* Entries other than a system call's set ORIG_r0 to -1. */
		bool in_syscall = orig_r0 != ~0U || (c->flags & CKPT_ARM_CPU_RESTARTBLOCK);

		if (check_len(off, h, sizeof(*c)))
			return 1;
		if (summary)
			return 0;
		put_rec(off, h);
		/* r13 is the stack pointer, r14 the link register. */
		printf(": pc %#x, sp %#x, lr %#x, cpsr ", c->regs[15], c->regs[13],
		       c->regs[14]);
		put_cpsr(c->regs[16]);
		printf("\n  orig_r0 %#x, syscall %d, r0 ", orig_r0, (int32_t)c->syscall);
		/* Sign-extend an error for put_sysret(). */
		put_sysret(in_syscall && r0 >= -4095U ? (uint64_t)(int32_t)r0 : r0, in_syscall);
		fputs(", flags ", stdout);
		put_flags(c->flags, flags, ARRAY_SIZE(flags));
		/* tp_value: TPIDRURO (set_tls) and TPIDRURW. */
		printf("\n  tpidruro %#x, tpidrurw %#x\n", c->tp_value[0], c->tp_value[1]);
		for (int i = 0; i < 16; i += 4)
			printf("  r %2d-%-2d %08x %08x %08x %08x\n", i, i + 3, c->regs[i],
			       c->regs[i + 1], c->regs[i + 2], c->regs[i + 3]);
		return 0;
	}
	case CKPT_HDR_THREAD: {
		const struct ckpt_hdr_thread_arm *t = (const void *)h;
		int ret = put_thread_sets(w, off, h, sizeof(*t), &t->sets,
					  1ULL << CKPT_ARM_SET_VFP, arm_sets,
					  ARRAY_SIZE(arm_sets));

		if (ret != 2)
			return ret;
		putchar('\n');
		return 0;
	}
	case CKPT_HDR_REGSET: {
		const struct ckpt_hdr_regset *r = (const void *)h;

		switch (r->set) {
		case CKPT_ARM_SET_VFP: {
			const struct ckpt_arm_vfp *v = (const void *)r->data;

			if (r->size != sizeof(*v))
				return bad(off, "register set %u (VFP) of %u bytes, expected %zu",
					   r->set, r->size, sizeof(*v));
			if (v->nregs != 16 && v->nregs != 32)
				return bad(off, "VFP register set with nregs %u, not 16 or 32",
					   v->nregs);
			if (summary)
				return 0;
			put_rec(off, h);
			printf(": VFP, nregs %u, fpscr 0x%08x, fpexc 0x%08x", v->nregs, v->fpscr,
			       v->fpexc);
			printf(", fpinst 0x%08x fpinst2 0x%08x", v->fpinst, v->fpinst2);
			if (v->__reserved)
				printf(", reserved %#x", v->__reserved);
			putchar('\n');
			for (uint32_t i = 0; i < v->nregs; i += 4)
				printf("  d %2u-%-2u %016llx %016llx %016llx %016llx\n",
				       i, i + 3, ull(v->d[i]), ull(v->d[i + 1]),
				       ull(v->d[i + 2]), ull(v->d[i + 3]));
			return 0;
		}
		}
		return bad(off, "unknown register set %u", r->set);
	}
	}
	return 0;
}

/* Where the sigpage and the vdso are: a record of its own on arm. */
static int do_mm_context(size_t off, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_mm_context_arm *m = (const void *)h;

	if (check_len(off, h, sizeof(*m)))
		return 1;
	if (summary)
		return 0;
	put_rec(off, h);
	printf(": sigpage %#x, vdso %#x, %u bytes, vvar %u bytes\n", m->sigpage,
	       m->vdso, m->vdso_size, m->vvar_size);
	return 0;
}
#endif

#if defined(HAVE_ARCH_RECS) && !defined(HAVE_ARCH_MM_CONTEXT)
/* Where the vdso is: the same record on x86_64, s390x and powerpc. */
static int do_mm_context(size_t off, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_vdso *m = (const void *)h;

	if (check_len(off, h, sizeof(*m)))
		return 1;
	if (summary)
		return 0;
	put_rec(off, h);
	printf(": vdso %#llx, %u bytes, vvar %u bytes\n", ull(m->vdso),
	       m->vdso_size, m->vvar_size);
	return 0;
}
#endif

/*
 * What holds for a REGSET record on every architecture: its length, a set
 * of the arch header's features, sets in the order of their bits and,
 * where the THREAD record is decoded, the sets it announced.
 */
static int check_regset(struct walk *w, size_t off, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_regset *r = (const void *)h;

	if (check_len(off, h, sizeof(*r) + (uint64_t)r->size))
		return 1;
	if (r->set >= 64 || !(w->features & (1ULL << r->set)))
		return bad(off, "register set %u, not among the features %#llx of the arch header",
			   r->set, ull(w->features));
	if (r->set < w->regsets.next)
		return bad(off, "register set %u after register set %u", r->set,
			   w->regsets.next - 1);
	w->regsets.next = r->set + 1;
#ifdef HAVE_ARCH_RECS
	if (w->native && !(w->regsets.left & (1ULL << r->set)))
		return bad(off, "register set %u, not announced by the thread record @%zu",
			   r->set, w->regsets.off);
	w->regsets.left &= ~(1ULL << r->set);
#endif
	return 0;
}

/*
 * The architecture's records, decoded in an image of this architecture
 * where their layouts are known; elsewhere type and length only (and the
 * set of a REGSET record).
 */
static int do_arch_rec(struct walk *w, size_t off, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_regset *r = (const void *)h;

	if (h->type == CKPT_HDR_THREAD) {
		w->regsets.off = off;
		w->regsets.next = 0;
	}
	if (h->type == CKPT_HDR_REGSET && check_regset(w, off, h))
		return 1;
#ifdef HAVE_ARCH_RECS
	if (w->native)
		return h->type == CKPT_HDR_MM_CONTEXT ? do_mm_context(off, h) :
							do_arch_regs(w, off, h);
#endif
	if (summary)
		return 0;
	put_rec(off, h);
	if (h->type == CKPT_HDR_REGSET)
		printf(": register set %u, %u bytes", r->set, r->size);
	putchar('\n');
	return 0;
}

static int do_mm(struct walk *w, size_t off, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_mm *m = (const void *)h;
	unsigned int nr_auxv = 0;

	if (check_len(off, h, sizeof(*m)))
		return 1;
	w->seen_mm = true;
	w->want_vmas += m->nr_vmas;
	if (m->exe_ref)
		obj_add(&w->uses, m->exe_ref, CKPT_HDR_FILE, off);
	if (summary)
		return 0;
	while (nr_auxv < CKPT_AUXV_WORDS / 2 && m->auxv[2 * nr_auxv])
		nr_auxv++;
	put_rec(off, h);
	printf(": %u vmas, exe ", m->nr_vmas);
	if (m->exe_ref)
		printf("file #%u", m->exe_ref);
	else
		fputs("none", stdout);
	printf(", code %#llx-%#llx, data %#llx-%#llx, brk %#llx-%#llx\n",
	       ull(m->start_code), ull(m->end_code), ull(m->start_data),
	       ull(m->end_data), ull(m->start_brk), ull(m->brk));
	printf("  stack %#llx, args %#llx-%#llx, env %#llx-%#llx, mmap_base %#llx",
	       ull(m->start_stack), ull(m->arg_start), ull(m->arg_end),
	       ull(m->env_start), ull(m->env_end), ull(m->mmap_base));
	printf(", %u auxv entries\n", nr_auxv);
	return 0;
}

static int do_vma(struct walk *w, size_t off, const struct ckpt_hdr *h)
{
	static const char *const types[] = {
		[CKPT_VMA_ANON] = "anon",
		[CKPT_VMA_FILE] = "file",
		[CKPT_VMA_SHMEM] = "shmem",
		[CKPT_VMA_SPECIAL] = "special",
	};
	static const struct bit_name flags[] = {
		{ CKPT_VMA_GROWSDOWN, "growsdown" },
		{ CKPT_VMA_NORESERVE, "noreserve" },
		{ CKPT_VMA_LOCKED, "locked" },
		{ CKPT_VMA_LOCKONFAULT, "lockonfault" },
		{ CKPT_VMA_DONTFORK, "dontfork" },
		{ CKPT_VMA_WIPEONFORK, "wipeonfork" },
		{ CKPT_VMA_DONTDUMP, "dontdump" },
		{ CKPT_VMA_SEQ_READ, "seq_read" },
		{ CKPT_VMA_RAND_READ, "rand_read" },
		{ CKPT_VMA_HUGEPAGE, "hugepage" },
		{ CKPT_VMA_NOHUGEPAGE, "nohugepage" },
		{ CKPT_VMA_DROPPABLE, "droppable" },
		{ CKPT_VMA_ACCOUNT, "account" },
		{ CKPT_VMA_SEALED, "sealed" },
	};
	const struct ckpt_hdr_vma *v = (const void *)h;
	uint64_t psize = w->hdr->page_size;
	bool has_file = v->type == CKPT_VMA_FILE || v->type == CKPT_VMA_SHMEM;

	if (check_len(off, h, sizeof(*v)))
		return 1;
	if (v->start >= v->end)
		return bad(off, "vma %#llx-%#llx: empty range", ull(v->start), ull(v->end));
	if (v->nr_pages > (v->end - v->start) / psize)
		return bad(off, "vma %#llx-%#llx: %u pages do not fit", ull(v->start),
			   ull(v->end), v->nr_pages);
	if (has_file && !v->file_ref)
		return bad(off, "vma %#llx-%#llx: no file reference", ull(v->start),
			   ull(v->end));
	if (has_file)
		obj_add(&w->uses, v->file_ref, CKPT_HDR_FILE, off);
	w->nr_vmas++;
	w->pages.off = off;
	w->pages.what = "vma";
	w->pages.left = v->nr_pages;
	w->pages.end = v->end;
	w->pages.next = v->start;
	if (summary)
		return 0;
	put_rec(off, h);
	printf(": %08llx-%08llx %c%c%c%c ", ull(v->start), ull(v->end),
	       v->prot & 1 ? 'r' : '-', v->prot & 2 ? 'w' : '-',
	       v->prot & 4 ? 'x' : '-', v->flags & CKPT_VMA_SHARED ? 's' : 'p');
	if (v->type < ARRAY_SIZE(types) && types[v->type])
		fputs(types[v->type], stdout);
	else
		printf("type %u", v->type);
	if (has_file)
		printf(" #%u pgoff %#llx", v->file_ref, ull(v->pgoff));
	printf(", %u page%s", v->nr_pages, v->nr_pages == 1 ? "" : "s");
	if (v->prot & ~7U)
		printf(", prot %#x", v->prot);
	if (v->flags & ~CKPT_VMA_SHARED) {
		fputs(", ", stdout);
		put_bits(v->flags & ~CKPT_VMA_SHARED, flags, ARRAY_SIZE(flags));
	}
	if (v->name[0]) {
		putchar(' ');
		put_str(v->name, CKPT_VMA_NAME_LEN);
	}
	putchar('\n');
	return 0;
}

static int do_pages(struct walk *w, size_t off, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_pages *p = (const void *)h;
	uint64_t psize = w->hdr->page_size;

	if (check_len(off, h, sizeof(*p) + (uint64_t)p->nr_pages * (8 + psize)))
		return 1;
	if (!w->pages.left)
		return bad(off, "pages record after no vma or file record expecting pages");
	if (p->nr_pages > w->pages.left)
		return bad(off, "%u pages, but the %s record at offset %zu expects %llu more",
			   p->nr_pages, w->pages.what, w->pages.off, ull(w->pages.left));
	for (uint32_t i = 0; i < p->nr_pages; i++) {
		uint64_t a = p->addr[i];

		if (a % psize || a < w->pages.next || a >= w->pages.end ||
		    w->pages.end - a < psize)
			return bad(off, "page %u at %#llx: unaligned, unordered or out of %s @%zu",
				   i, ull(a), w->pages.what, w->pages.off);
		w->pages.next = a + psize;
	}
	w->pages.left -= p->nr_pages;
	w->nr_pages += p->nr_pages;
	w->crc = crc32c_add(w->crc, w->buf + w->crc_end,
			    off + h->len - p->nr_pages * psize - w->crc_end);
	w->crc_end = off + h->len;
	if (summary)
		return 0;
	put_rec(off, h);
	printf(": %u page%s", p->nr_pages, p->nr_pages == 1 ? "" : "s");
	if (p->nr_pages)
		printf(" %#llx", ull(p->addr[0]));
	if (p->nr_pages > 1)
		printf("..%#llx", ull(p->addr[p->nr_pages - 1]));
	putchar('\n');
	return 0;
}

static int do_files(struct walk *w, size_t off, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_files *f = (const void *)h;

	if (check_len(off, h, sizeof(*f)))
		return 1;
	w->seen_files = true;
	w->want_fds += f->nr_fds;
	if (summary)
		return 0;
	put_rec(off, h);
	printf(": #%u, %u fds\n", f->objref, f->nr_fds);
	return 0;
}

/* The fields of a FILE record that only the kind of file @f has. */
static void file_chr(const struct ckpt_hdr_file *f)
{
	fputs(", rdev ", stdout);
	put_dev(f->rdev);
}

static void file_eventfd(const struct ckpt_hdr_file *f)
{
	printf(", count %llu%s", ull(f->count), f->rdev ? ", semaphore" : "");
}

static void file_unix(const struct ckpt_hdr_file *f)
{
	printf(", end %llu", ull(f->rdev));
}

static void file_pty(const struct ckpt_hdr_file *f)
{
	static const char *const ends[] = {
		[CKPT_PTY_MASTER] = "master", [CKPT_PTY_SLAVE] = "slave",
		[CKPT_PTY_DEV_TTY] = "slave as /dev/tty",
	};

	printf(", %s %s", f->rdev < 3 ? ends[f->rdev] : "bad end", f->path);
}

static void file_tty_inherited(const struct ckpt_hdr_file *f)
{
	printf(", the terminal of the restorer's fd %llu%s%s", ull(f->count),
	       f->rdev == CKPT_PTY_DEV_TTY ? ", as " : f->rdev == CKPT_PTY_SLAVE ? "" : ", bad end ",
	       f->rdev == CKPT_PTY_DEV_TTY ? f->path : "");
}

static void file_signalfd(const struct ckpt_hdr_file *f)
{
	const char *sep = "";

	fputs(", signals ", stdout);
	if (!f->count)
		fputs("none", stdout);
	for (int sig = 1; sig <= 64; sig++) {
		if (f->count & (1ULL << (sig - 1))) {
			printf("%s%d", sep, sig);
			sep = ",";
		}
	}
}

static void file_memfd(const struct ckpt_hdr_file *f)
{
	printf(", seals %#llx", ull(f->count));
}

/*
 * One entry per kind of open file (CKPT_FILE_*), as the kernel's table
 * in checkpoint/files.c.
 * @name: how it is printed
 * @by_path: reopened by path: its device and inode numbers are shown
 * @shm: a shared memory object: pipe_ref names an earlier FILE record
 *	of the same object instead of a PIPE record
 * @name_label: what its path field is (", name " for a memfd)
 * @fields: prints the fields of its own, or NULL
 */
static const struct file_kind {
	const char *name;
	bool by_path;
	bool shm;
	const char *name_label;
	void (*fields)(const struct ckpt_hdr_file *f);
} file_kinds[] = {
	[CKPT_FILE_REG] = { "reg", true },
	[CKPT_FILE_DIR] = { "dir", true },
	[CKPT_FILE_CHR] = { "chr", true, false, NULL, file_chr },
	[CKPT_FILE_PIPE] = { "pipe" },
	[CKPT_FILE_FIFO] = { "fifo", true },
	[CKPT_FILE_MEMFD] = { "memfd", false, true, ", name ", file_memfd },
	[CKPT_FILE_SHMEM] = { "shmem", false, true },
	[CKPT_FILE_EVENTFD] = { "eventfd", false, false, NULL, file_eventfd },
	[CKPT_FILE_SIGNALFD] = { "signalfd", false, false, NULL, file_signalfd },
	[CKPT_FILE_TIMERFD] = { "timerfd" },
	[CKPT_FILE_GHOST] = { "deleted", false, true },
	[CKPT_FILE_EPOLL] = { "epoll" },
	[CKPT_FILE_UNIX] = { "unix", false, false, NULL, file_unix },
	[CKPT_FILE_INET] = { "inet" },
	[CKPT_FILE_INOTIFY] = { "inotify" },
	[CKPT_FILE_PTY] = { "pty", false, false, NULL, file_pty },
	[CKPT_FILE_TTY_INHERITED] = { "inherited tty", false, false, NULL, file_tty_inherited },
};

static int do_file(struct walk *w, size_t off, const struct ckpt_hdr *h)
{
	static const char *const acc[4] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };
	const struct ckpt_hdr_file *f = (const void *)h;
	static const struct file_kind unknown;
	const struct file_kind *k = &unknown;

	if (check_len(off, h, sizeof(*f) + (uint64_t)f->path_len))
		return 1;
	if (f->path_len && f->path[f->path_len - 1])
		return bad(off, "file record: path not NUL-terminated");
	if (!f->objref)
		return bad(off, "file record with object reference 0");
	if (f->type < ARRAY_SIZE(file_kinds) && file_kinds[f->type].name)
		k = &file_kinds[f->type];
	obj_add(&w->defs, f->objref, CKPT_HDR_FILE, off);
	if (f->pipe_ref)
		obj_add(&w->uses, f->pipe_ref, k->shm ? CKPT_HDR_FILE :
			f->type == CKPT_FILE_UNIX ? CKPT_HDR_UNIX :
			f->type == CKPT_FILE_PTY ? CKPT_HDR_PTY : CKPT_HDR_PIPE, off);
	if (f->type == CKPT_FILE_TIMERFD)
		w->timerfd_file = off;
	if (f->type == CKPT_FILE_EPOLL)
		w->epoll_file = off;
	if (f->type == CKPT_FILE_INET)
		w->inet_file = off;
	if (f->type == CKPT_FILE_INOTIFY)
		w->inotify_file = off;
	w->pages.off = off;
	w->pages.what = "file";
	w->pages.left = f->nr_pages;
	w->pages.end = ~0ULL;
	w->pages.next = 0;
	if (summary)
		return 0;
	put_rec(off, h);
	printf(": #%u ", f->objref);
	if (k->name)
		fputs(k->name, stdout);
	else
		printf("type %u", f->type);
	printf(" %s flags %#x, mode 0%o, pos %lld, size %lld", acc[f->f_flags & 3],
	       f->f_flags, f->mode, (long long)f->pos, (long long)f->size);
	if (k->by_path) {
		fputs(", dev ", stdout);
		put_dev(f->dev);
		printf(" ino %llu", ull(f->ino));
	}
	if (k->fields)
		k->fields(f);
	if (f->pipe_ref)
		printf(k->shm ? ", the object of #%u" : f->type == CKPT_FILE_UNIX ?
		       ", socket #%u" : f->type == CKPT_FILE_PTY ? ", pair #%u" : ", pipe #%u",
		       f->pipe_ref);
	if (f->nr_pages)
		printf(", %u page%s", f->nr_pages, f->nr_pages == 1 ? "" : "s");
	if (f->fown_flags & CKPT_FOWN_TREE)
		printf(", owner pid %u", f->fown_pid);
	if (f->fown_type != F_OWNER_TID || f->fown_flags || f->fown_signum)
		printf(", owner %s%s%s, signal %u",
		       f->fown_flags & CKPT_FOWN_SELF ? "the process" :
		       f->fown_flags & CKPT_FOWN_TREE ? "in the tree" : "none",
		       f->fown_flags & ~(CKPT_FOWN_SELF | CKPT_FOWN_TREE) ? " (bad flags)" : "",
		       f->fown_type == F_OWNER_TID ? " (thread)" :
		       f->fown_type == F_OWNER_PID ? "" :
		       f->fown_type == F_OWNER_PGRP ? " (process group)" : " (bad type)",
		       f->fown_signum);
	if (f->path_len) {
		fputs(k->name_label ?: ", ", stdout);
		put_str(f->path, f->path_len);
	}
	putchar('\n');
	return 0;
}

static int do_epoll(struct walk *w, size_t off, const struct ckpt_hdr *h)
{
	static const struct bit_name flags[] = {
		{ CKPT_EPOLL_READY, "ready" },
	};
	const struct ckpt_hdr_epoll *e = (const void *)h;
	uint32_t i;

	if (check_len(off, h, sizeof(*e) + (uint64_t)e->nr * sizeof(e->items[0])))
		return 1;
	if (!w->epoll_file)
		return bad(off, "epoll record not after the file record of an epoll instance");
	w->epoll_file = 0;
	for (i = 0; i < e->nr; i++) {
		if (!e->items[i].file_ref)
			return bad(off, "epoll item %u: no object reference", i);
		obj_add(&w->uses, e->items[i].file_ref, CKPT_HDR_FILE, off);
	}
	if (summary)
		return 0;
	put_rec(off, h);
	printf(": %u item%s\n", e->nr, e->nr == 1 ? "" : "s");
	for (i = 0; i < e->nr; i++) {
		const struct ckpt_epoll_item *it = &e->items[i];

		printf("      fd %d -> file #%u, events %#x, data %#llx", it->fd, it->file_ref,
		       it->events, ull(it->data));
		if (it->flags) {
			fputs(", ", stdout);
			put_bits(it->flags, flags, ARRAY_SIZE(flags));
		}
		putchar('\n');
	}
	return 0;
}

static int do_timerfd(struct walk *w, size_t off, const struct ckpt_hdr *h)
{
	static const struct bit_name flags[] = {
		{ 1, "abstime" },
		{ 2, "cancel_on_set" },
		{ CKPT_TIMERFD_CANCELED, "canceled" },
	};
	static const char *const clocks[] = {
		[0] = "realtime", [1] = "monotonic", [7] = "boottime",
		[8] = "realtime_alarm", [9] = "boottime_alarm",
	};
	const struct ckpt_hdr_timerfd *t = (const void *)h;

	if (check_len(off, h, sizeof(*t)))
		return 1;
	if (!w->timerfd_file)
		return bad(off, "timerfd record not after the file record of a timerfd");
	w->timerfd_file = 0;
	if (summary)
		return 0;
	put_rec(off, h);
	if (t->clockid < ARRAY_SIZE(clocks) && clocks[t->clockid])
		printf(": clock %s, flags ", clocks[t->clockid]);
	else
		printf(": clock %u, flags ", t->clockid);
	put_bits(t->flags, flags, ARRAY_SIZE(flags));
	printf(", value %lld ns, interval %lld ns, %llu expirations unread\n",
	       (long long)t->value_ns, (long long)t->interval_ns, ull(t->ticks));
	return 0;
}

/* An address of an INET record, as inet_ntop(3) writes it. */
static const char *inet_str(uint16_t family, const uint8_t *a, char *buf, size_t size)
{
	if (!inet_ntop(family == AF_INET ? AF_INET : AF_INET6, a, buf, size))
		snprintf(buf, size, "?");
	return buf;
}

static int do_inet(struct walk *w, size_t off, const struct ckpt_hdr *h)
{
	static const struct bit_name flags[] = {
		{ CKPT_INET_BOUND, "bound" },
		{ CKPT_INET_BOUND_ADDR, "bound_addr" },
		{ CKPT_INET_CONNECTED, "connected" },
		{ CKPT_INET_V6ONLY, "v6only" },
		{ CKPT_INET_REUSEPORT, "reuseport" },
		{ CKPT_INET_NODELAY, "nodelay" },
		{ CKPT_INET_CORK, "cork" },
		{ CKPT_INET_WSCALE, "wscale" },
		{ CKPT_INET_SACK, "sack" },
		{ CKPT_INET_TSTAMP, "tstamp" },
		{ CKPT_INET_PEER_OUTSIDE, "peer_outside" },
		{ CKPT_INET_FIN_SENT, "fin_sent" },
		{ CKPT_INET_FIN_RCVD, "fin_rcvd" },
		{ CKPT_INET_SHUT_RD, "shut_rd" },
		{ CKPT_INET_ENDED, "ended" },
	};
	const struct ckpt_hdr_inet *r = (const void *)h;
	char sa[64], da[64];

	if (check_len(off, h, sizeof(*r)))
		return 1;
	if (!w->inet_file)
		return bad(off, "inet record not after the file record of an inet socket");
	w->inet_file = 0;
	if (r->protocol == 17) {
		w->dgrams.off = off;
		w->dgrams.left = r->outq_len;
		w->dgrams.bytes = r->inq_len;
	} else if ((uint64_t)r->inq_len + r->outq_len) {
		w->data.off = off;
		w->data.left = (uint64_t)r->inq_len + r->outq_len;
	}
	if (summary)
		return 0;
	put_rec(off, h);
	printf(": %s %s, state %u, %s port %u", r->family == AF_INET ? "IPv4" : "IPv6",
	       r->protocol == 6 ? "TCP" : r->protocol == 17 ? "UDP" : "?", r->state,
	       inet_str(r->family, r->saddr, sa, sizeof(sa)), r->sport);
	if (r->flags & CKPT_INET_CONNECTED)
		printf(" to %s port %u", inet_str(r->family, r->daddr, da, sizeof(da)),
		       r->dport);
	printf(", flags ");
	put_bits(r->flags, flags, ARRAY_SIZE(flags));
	if (r->backlog)
		printf(", backlog %u", r->backlog);
	if (r->state == CKPT_INET_ESTABLISHED)
		printf(", snd_una %u snd_nxt %u write_seq %u rcv_nxt %u, mss %u, %u bytes to read, %u to send",
		       r->snd_una, r->snd_nxt, r->write_seq, r->rcv_nxt, r->mss_clamp,
		       r->inq_len, r->outq_len);
	printf("\n");
	return 0;
}

static int do_inet_dgram(struct walk *w, size_t off, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_inet_dgram *g = (const void *)h;
	char sa[64];

	if (check_len(off, h, sizeof(*g)))
		return 1;
	if (!w->dgrams.left)
		return bad(off, "datagram record not after the inet record of a UDP socket");
	if (g->len > CKPT_INET_DGRAM_MAX || g->len > w->dgrams.bytes)
		return bad(off, "datagram record of %u bytes, but %llu left", g->len,
			   ull(w->dgrams.bytes));
	w->dgrams.left--;
	w->dgrams.bytes -= g->len;
	w->data.off = off;
	w->data.left = g->len;
	if (summary)
		return 0;
	put_rec(off, h);
	printf(": %u bytes from %s port %u, time stamp %lld\n", g->len,
	       inet_str(g->family, g->saddr, sa, sizeof(sa)), g->sport,
	       (long long)g->tstamp_ns);
	return 0;
}

static int do_inotify(struct walk *w, size_t off, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_inotify *n = (const void *)h;

	if (check_len(off, h, sizeof(*n)))
		return 1;
	if (!w->inotify_file)
		return bad(off, "inotify record not after the file record of an inotify instance");
	w->inotify_file = 0;
	w->watches.off = off;
	w->watches.left = n->nr_watches;
	if (summary)
		return 0;
	put_rec(off, h);
	printf(": %u watches, next descriptor %d\n", n->nr_watches, n->next_wd);
	return 0;
}

static int do_inotify_watch(struct walk *w, size_t off, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_inotify_watch *a = (const void *)h;

	if (h->len < sizeof(*a) + 2)
		return bad(off, "inotify watch record of %u bytes, too short", h->len);
	if (!w->watches.left)
		return bad(off, "inotify watch record not after an inotify record");
	if (a->path_len != h->len - sizeof(*a) || a->path[a->path_len - 1] ||
	    strlen(a->path) != a->path_len - 1)
		return bad(off, "inotify watch record: path not NUL-terminated or of another length");
	w->watches.left--;
	if (summary)
		return 0;
	put_rec(off, h);
	printf(": wd %d, mask %#x, %s (dev %#llx, ino %llu)\n", a->wd, a->mask, a->path,
	       ull(a->dev), ull(a->ino));
	return 0;
}

static int do_pipe(struct walk *w, size_t off, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_pipe *p = (const void *)h;

	if (check_len(off, h, sizeof(*p)))
		return 1;
	if (!p->objref)
		return bad(off, "pipe record with object reference 0");
	obj_add(&w->defs, p->objref, CKPT_HDR_PIPE, off);
	w->data.off = off;
	w->data.left = p->data_len;
	if (summary)
		return 0;
	put_rec(off, h);
	printf(": #%u, size %u, %u bytes buffered\n", p->objref, p->size,
	       p->data_len);
	return 0;
}

static int do_unix(struct walk *w, size_t off, const struct ckpt_hdr *h)
{
	static const struct bit_name flags[] = {
		{ CKPT_UNIX_OPEN, "open" },
		{ CKPT_UNIX_SNDBUF, "sndbuf" },
		{ CKPT_UNIX_RCVBUF, "rcvbuf" },
		{ CKPT_UNIX_PASSCRED, "passcred" },
		{ CKPT_UNIX_PASSPIDFD, "passpidfd" },
		{ CKPT_UNIX_PASSSEC, "passsec" },
		{ CKPT_UNIX_KEEPALIVE, "keepalive" },
		{ CKPT_UNIX_OOBINLINE, "oobinline" },
		{ CKPT_UNIX_LINGER, "linger" },
		{ CKPT_UNIX_REUSEADDR, "reuseaddr" },
		{ CKPT_UNIX_BROADCAST, "broadcast" },
		{ CKPT_UNIX_DONTROUTE, "dontroute" },
		{ CKPT_UNIX_RXQ_OVFL, "rxq_ovfl" },
		{ CKPT_UNIX_SELECT_ERR_QUEUE, "select_err_queue" },
		{ CKPT_UNIX_TIMESTAMP, "timestamp" },
		{ CKPT_UNIX_TIMESTAMPNS, "timestampns" },
		{ CKPT_UNIX_TIMESTAMP_NEW, "timestamp_new" },
		{ CKPT_UNIX_BOUND, "bound" },
		{ CKPT_UNIX_LISTEN, "listen" },
	};
	static const char *const types[] = { [1] = "stream", [2] = "dgram", [5] = "seqpacket" };
	const struct ckpt_hdr_unix *u = (const void *)h;
	uint32_t i;

	if (check_len(off, h, sizeof(*u)))
		return 1;
	if (!u->objref)
		return bad(off, "unix socket record with object reference 0");
	if (u->nr_ends < 1 || u->nr_ends > 2)
		return bad(off, "unix socket record with %u ends", u->nr_ends);
	obj_add(&w->defs, u->objref, CKPT_HDR_UNIX, off);
	w->msgs.off = off;
	w->msgs.left = 0;
	for (i = 0; i < u->nr_ends; i++)
		w->msgs.left += u->end[i].nr_msgs;
	if (summary)
		return 0;
	put_rec(off, h);
	if (u->type < ARRAY_SIZE(types) && types[u->type])
		printf(": #%u %s", u->objref, types[u->type]);
	else
		printf(": #%u type %u", u->objref, u->type);
	printf(", %u end%s", u->nr_ends, u->nr_ends == 1 ? "" : "s");
	if (u->flags & CKPT_UNIX_PENDING)
		printf(", a connection not accepted (end 0) and its client");
	if (u->flags & CKPT_UNIX_CONNECT) {
		printf(", connects to ");
		if (u->end[1].name_len && u->end[1].name[0])
			put_str((const char *)u->end[1].name, u->end[1].name_len);
		else
			printf("an abstract name of %u bytes", u->end[1].name_len);
	}
	putchar('\n');
	for (i = 0; i < u->nr_ends; i++) {
		const struct ckpt_unix_end *e = &u->end[i];

		printf("      end %u: ", i);
		put_bits(e->flags, flags, ARRAY_SIZE(flags));
		printf(", shutdown %#x, error %d, peek_off %d, sndbuf %u, rcvbuf %u",
		       e->shutdown, e->err, e->peek_off, e->sndbuf, e->rcvbuf);
		printf(", rcvlowat %u, priority %u, mark %#x, linger %u s", e->rcvlowat,
		       e->priority, e->mark, e->linger);
		printf(", rcvtimeo %lld us, sndtimeo %lld us, %u messages, %llu bytes",
		       (long long)e->rcvtimeo_us, (long long)e->sndtimeo_us, e->nr_msgs,
		       ull(e->data_len));
		printf(", peer pid %d", e->peer_pid);
		if (e->flags & CKPT_UNIX_LISTEN)
			printf(", backlog %u", e->backlog);
		if (e->name_len && e->name[0]) {
			printf(", name ");
			put_str((const char *)e->name, e->name_len);
			printf(", mode 0%o, dev ", e->mode);
			put_dev(e->dev);
			printf(" ino %llu", ull(e->ino));
		} else if (e->name_len) {
			printf(", abstract name of %u bytes", e->name_len);
		}
		putchar('\n');
	}
	return 0;
}

static int do_unix_msg(struct walk *w, size_t off, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_unix_msg *m = (const void *)h;

	if (check_len(off, h, sizeof(*m)))
		return 1;
	if (!w->msgs.left)
		return bad(off, "unix message record not announced by a unix socket record");
	w->msgs.left--;
	w->data.off = off;
	w->data.left = m->len;
	if (m->sender)
		obj_add(&w->uses, m->sender, CKPT_HDR_FILE, off);
	if (summary)
		return 0;
	put_rec(off, h);
	printf(": %u bytes, time stamp %lld ns", m->len, (long long)m->tstamp_ns);
	if (m->sender)
		printf(", from the socket of file #%u", m->sender);
	putchar('\n');
	return 0;
}

static void put_termios(const char *end, const struct ckpt_termios *t,
			const struct ckpt_winsize *ws)
{
	printf("  %s: iflag %#x oflag %#x cflag %#x lflag %#x speed %u/%u line %u, %ux%u (%ux%u px), cc",
	       end, t->c_iflag, t->c_oflag, t->c_cflag, t->c_lflag, t->c_ispeed, t->c_ospeed,
	       t->c_line, ws->ws_col, ws->ws_row, ws->ws_xpixel, ws->ws_ypixel);
	for (size_t i = 0; i < sizeof(t->c_cc); i++)
		printf(" %02x", t->c_cc[i]);
	putchar('\n');
}

static int do_pty(struct walk *w, size_t off, const struct ckpt_hdr *h)
{
	static const struct bit_name flags[] = {
		{ CKPT_PTY_LOCKED, "locked" },
		{ CKPT_PTY_PACKET, "packet" },
		{ CKPT_PTY_CTTY, "ctty" },
		{ CKPT_PTY_SLAVE_CLOSED, "slave_closed" },
	};
	const struct ckpt_hdr_pty *p = (const void *)h;

	if (h->len < sizeof(*p) || check_len(off, h, sizeof(*p) + (uint64_t)p->path_len))
		return h->len < sizeof(*p) ? bad(off, "pty record too short") : 1;
	if (!p->path_len || p->path[p->path_len - 1])
		return bad(off, "pty record: path not NUL-terminated");
	if (!p->objref)
		return bad(off, "pty record with object reference 0");
	obj_add(&w->defs, p->objref, CKPT_HDR_PTY, off);
	w->pty_inputs = 2;
	if (summary)
		return 0;
	put_rec(off, h);
	printf(": #%u, /dev/pts/%u of %s, mode %04o, owner %u:%u, flags ", p->objref, p->index,
	       p->path, p->slave_mode, p->slave_uid, p->slave_gid);
	put_flags(p->flags, flags, ARRAY_SIZE(flags));
	if (p->flags & CKPT_PTY_CTTY)
		printf(", controls session %d, foreground group %d", p->session, p->fg_pgrp);
	putchar('\n');
	put_termios("master", &p->termios[0], &p->winsize[0]);
	put_termios("slave", &p->termios[1], &p->winsize[1]);
	return 0;
}

static int do_tty_inherited(size_t off, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_tty_inherited *t = (const void *)h;
	static const struct ckpt_winsize none;

	if (check_len(off, h, sizeof(*t)))
		return 1;
	if (t->fd > 2)
		return bad(off, "inherited terminal record: fd %u", t->fd);
	if (summary)
		return 0;
	put_rec(off, h);
	printf(": session %d, foreground group %d, the terminal of the restorer's fd %u\n",
	       t->session, t->fg_pgrp, t->fd);
	put_termios("terminal", &t->termios, &none);
	return 0;
}

static int do_pty_input(struct walk *w, size_t off, const struct ckpt_hdr *h)
{
	static const struct bit_name flags[] = {
		{ CKPT_PTY_INPUT_LNEXT, "lnext" },
		{ CKPT_PTY_INPUT_ERASING, "erasing" },
		{ CKPT_PTY_INPUT_PUSH, "push" },
	};
	const struct ckpt_hdr_pty_input *in = (const void *)h;

	if (h->len < sizeof(*in) || check_len(off, h, sizeof(*in) + (uint64_t)in->len))
		return h->len < sizeof(*in) ? bad(off, "pty input record too short") : 1;
	if (!w->pty_inputs)
		return bad(off, "pty input record not after a pty record");
	w->pty_inputs--;
	if (in->len > CKPT_PTY_INPUT_MAX || in->canon_len > in->len)
		return bad(off, "pty input record of %u bytes, %u of them lines", in->len,
			   in->canon_len);
	if (summary)
		return 0;
	put_rec(off, h);
	printf(": the %s's, %u bytes, %u of them complete lines, column %u (line from %u), flags",
	       w->pty_inputs ? "master" : "slave", in->len, in->canon_len, in->column,
	       in->canon_column);
	putchar(' ');
	put_flags(in->flags, flags, ARRAY_SIZE(flags));
	fputs(": \"", stdout);
	for (uint32_t i = 0; i < in->len; i++) {
		uint8_t c = in->data[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			putchar(c);
		else
			printf("\\x%02x", c);
		if (in->eol[i / 8] & (1 << (i % 8)))
			fputs("|", stdout);
	}
	fputs("\"\n", stdout);
	return 0;
}

static int do_unix_queue(struct walk *w, size_t off, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_unix_queue *q = (const void *)h;

	if (check_len(off, h, sizeof(*q)))
		return 1;
	if (!q->nr_msgs)
		return bad(off, "unix queue record of no message");
	obj_add(&w->uses, q->file_ref, CKPT_HDR_FILE, off);
	w->msgs.off = off;
	w->msgs.left = q->nr_msgs;
	if (summary)
		return 0;
	put_rec(off, h);
	printf(": file #%u, %u messages, %llu bytes\n", q->file_ref, q->nr_msgs,
	       ull(q->data_len));
	return 0;
}

static int do_lock(struct walk *w, size_t off, const struct ckpt_hdr *h)
{
	static const char *const kinds[] = {
		[CKPT_LOCK_FLOCK] = "flock", [CKPT_LOCK_OFD] = "ofd", [CKPT_LOCK_POSIX] = "posix",
	};
	const struct ckpt_hdr_lock *l = (const void *)h;

	if (check_len(off, h, sizeof(*l)))
		return 1;
	if (!l->file_ref)
		return bad(off, "lock record with object reference 0");
	obj_add(&w->uses, l->file_ref, CKPT_HDR_FILE, off);
	if (summary)
		return 0;
	put_rec(off, h);
	printf(": file #%u, %s %s lock, bytes %lld to %lld\n", l->file_ref,
	       l->kind < ARRAY_SIZE(kinds) && kinds[l->kind] ? kinds[l->kind] : "unknown",
	       l->type == CKPT_LOCK_WRITE ? "write" : l->type == CKPT_LOCK_READ ? "read" : "bad",
	       (long long)l->start, (long long)l->end);
	return 0;
}

static int do_file_async(struct walk *w, size_t off, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_file_async *a = (const void *)h;

	if (check_len(off, h, sizeof(*a)))
		return 1;
	if (!a->file_ref)
		return bad(off, "O_ASYNC record with object reference 0");
	if (a->fd < 0)
		return bad(off, "O_ASYNC record with descriptor %d", a->fd);
	obj_add(&w->uses, a->file_ref, CKPT_HDR_FILE, off);
	if (summary)
		return 0;
	put_rec(off, h);
	printf(": file #%u, O_ASYNC, its signals carry fd %d\n", a->file_ref, a->fd);
	return 0;
}

static int do_fd(struct walk *w, size_t off, const struct ckpt_hdr *h)
{
	static const struct bit_name flags[] = {
		{ CKPT_FD_CLOEXEC, "cloexec" },
		{ CKPT_FD_INHERITED, "inherited" },
	};
	const struct ckpt_hdr_fd *f = (const void *)h;

	if (check_len(off, h, sizeof(*f)))
		return 1;
	if (f->flags & CKPT_FD_INHERITED) {
		if (f->objref)
			return bad(off, "fd %u: inherited, but with object reference %u",
				   f->fd, f->objref);
		if (f->inherit_from > 3)
			return bad(off, "fd %u: inherited from fd %u", f->fd, f->inherit_from - 1);
	} else {
		if (f->inherit_from)
			return bad(off, "fd %u: not inherited, but with inherit_from %u",
				   f->fd, f->inherit_from);
		if (!f->objref)
			return bad(off, "fd %u: no object reference", f->fd);
		obj_add(&w->uses, f->objref, CKPT_HDR_FILE, off);
	}
	w->nr_fds++;
	if (summary)
		return 0;
	put_rec(off, h);
	printf(": fd %u", f->fd);
	if (f->objref)
		printf(" -> file #%u", f->objref);
	if (f->inherit_from)
		printf(" <- the restorer's fd %u", f->inherit_from - 1);
	if (f->flags) {
		fputs(", ", stdout);
		put_bits(f->flags, flags, ARRAY_SIZE(flags));
	}
	putchar('\n');
	return 0;
}

static int do_data(struct walk *w, size_t off, const struct ckpt_hdr *h)
{
	uint32_t n = h->len - sizeof(struct ckpt_hdr_data);

	if (n > CKPT_DATA_MAX)
		return bad(off, "data record of %u bytes, more than %u", n, CKPT_DATA_MAX);
	if (n > w->data.left)
		return bad(off, "data record of %u bytes, but %llu expected", n,
			   ull(w->data.left));
	w->data.left -= n;
	if (summary)
		return 0;
	put_rec(off, h);
	printf(": %u bytes\n", n);
	return 0;
}

/* Check that every object reference has its record, of the right type. */
static int check_refs(struct walk *w)
{
	struct obj_list *d = &w->defs;

	if (d->nr)
		qsort(d->v, d->nr, sizeof(*d->v), obj_cmp);
	for (size_t i = 1; i < d->nr; i++)
		if (d->v[i].ref == d->v[i - 1].ref)
			return bad(d->v[i].off > d->v[i - 1].off ? d->v[i].off : d->v[i - 1].off,
				   "object reference %u defined twice", d->v[i].ref);
	for (size_t i = 0; i < w->uses.nr; i++) {
		const struct obj *u = &w->uses.v[i];
		const struct obj *o = d->nr ? bsearch(u, d->v, d->nr, sizeof(*u), obj_cmp) : NULL;

		if (!o)
			return bad(u->off, "reference to object %u, which has no record", u->ref);
		if (o->type != u->type)
			return bad(u->off, "object %u is a %s, not a %s", u->ref,
				   rec_name(o->type), rec_name(u->type));
	}
	return 0;
}

static int do_tail(struct walk *w, size_t off, const struct ckpt_hdr *h, size_t next)
{
	const struct ckpt_hdr_tail *t = (const void *)h;
	uint32_t crc;

	if (check_len(off, h, sizeof(*t)))
		return 1;
	if (memcmp(t->magic, CKPT_TAIL_MAGIC, CKPT_MAGIC_LEN))
		return bad(off, "bad tail magic");
	crc = ~crc32c_add(w->crc, w->buf + w->crc_end, off - w->crc_end);
	if (!summary) {
		put_rec(off, h);
		putchar('\n');
		printf("  records         %u before the tail (counted %u)\n",
		       t->nr_records, w->nr_records);
		printf("  length          %llu bytes before the tail (counted %zu)\n",
		       ull(t->image_len), off);
		printf("  checksum        %#010x, computed %#010x: %s\n",
		       t->crc32c, crc, t->crc32c == crc ? "OK" : "MISMATCH");
	}
	if (next != w->len)
		return bad(next, "%zu bytes of data after the tail", w->len - next);
	if (t->nr_records != w->nr_records)
		return bad(off, "tail counts %u records, the image has %u",
			   t->nr_records, w->nr_records);
	if (t->image_len != off)
		return bad(off, "tail gives length %llu, the tail is at %zu",
			   ull(t->image_len), off);
	if (t->crc32c != crc)
		return bad(off, "checksum mismatch: tail %#010x, computed %#010x",
			   t->crc32c, crc);
	if (w->seen_files && w->nr_fds != w->want_fds)
		return bad(off, "%llu fd records, the files record announced %llu",
			   ull(w->nr_fds), ull(w->want_fds));
	if (w->seen_mm && w->nr_vmas != w->want_vmas)
		return bad(off, "%llu vma records, the mm record announced %llu",
			   ull(w->nr_vmas), ull(w->want_vmas));
	if (check_refs(w))
		return 1;

	if (!summary) {
		printf("image OK: %zu bytes, %u records\n", w->len, w->nr_records + 1);
		return 0;
	}
	printf("image OK: %s", arch_name(w->hdr->arch_id, w->hdr->endian));
	if (w->comm) {
		fputs(", comm ", stdout);
		put_str(w->comm, CKPT_COMM_LEN);
	}
	printf(", %u records, %llu VMAs, %llu pages, %llu fds, %zu bytes\n",
	       w->nr_records + 1, ull(w->nr_vmas), ull(w->nr_pages),
	       ull(w->nr_fds), w->len);
	return 0;
}

static int decode(struct walk *w)
{
	size_t off, next;
	uint32_t prev = CKPT_HDR_HEADER;
	int ret;

	ret = do_header(w);
	if (ret)
		return ret;
	w->crc = ~0U;
	off = sizeof(struct ckpt_hdr_header);
	for (w->nr_records = 1; ; w->nr_records++, off = next) {
		const struct ckpt_hdr *h = (const void *)(w->buf + off);
		uint64_t end;

		if (off == w->len)
			return bad(off, "truncated: no tail record");
		if (w->len - off < sizeof(*h))
			return bad(off, "truncated record header");
		if (h->type >= ARRAY_SIZE(rec_types) || !rec_types[h->type].name)
			return bad(off, "unknown record type %u", h->type);
		if (h->len < rec_types[h->type].size)
			return bad(off, "%s record of length %u, shorter than %zu",
				   rec_name(h->type), h->len, rec_types[h->type].size);
		if (h->len > w->len - off)
			return bad(off, "truncated %s record: length %u, %zu bytes left",
				   rec_name(h->type), h->len, w->len - off);
		end = off + (((uint64_t)h->len + CKPT_ALIGN - 1) & ~(uint64_t)(CKPT_ALIGN - 1));
		if (end > w->len)
			return bad(off, "truncated padding after the %s record",
				   rec_name(h->type));
		next = end;
		for (size_t i = off + h->len; i < next; i++)
			if (w->buf[i])
				return bad(i, "non-zero padding");

		if (w->nr_records == 1 && h->type != CKPT_HDR_HEADER_ARCH)
			return bad(off, "second record is not the arch header but a %s record",
				   rec_name(h->type));
		if (h->type != CKPT_HDR_PAGES && w->pages.left)
			return bad(off, "%llu pages of the %s record at offset %zu are missing",
				   ull(w->pages.left), w->pages.what, w->pages.off);
		if (h->type != CKPT_HDR_DATA && w->data.left)
			return bad(off, "%llu bytes of the record at offset %zu are missing",
				   ull(w->data.left), w->data.off);
		if (h->type != CKPT_HDR_DATA && h->type != CKPT_HDR_UNIX_MSG && w->msgs.left)
			return bad(off, "%llu messages of the unix record at offset %zu are missing",
				   ull(w->msgs.left), w->msgs.off);
		if (h->type != CKPT_HDR_TIMERFD && w->timerfd_file)
			return bad(off, "the timerfd record of the file record at offset %zu is missing",
				   w->timerfd_file);
		if (h->type != CKPT_HDR_DATA && h->type != CKPT_HDR_INET_DGRAM && w->dgrams.left)
			return bad(off, "%llu datagrams of the inet record at offset %zu are missing",
				   ull(w->dgrams.left), w->dgrams.off);
		if (h->type != CKPT_HDR_INOTIFY && w->inotify_file)
			return bad(off, "the inotify record of the file record at offset %zu is missing",
				   w->inotify_file);
		if (h->type != CKPT_HDR_INOTIFY_WATCH && w->watches.left)
			return bad(off, "%llu watches of the inotify record at offset %zu are missing",
				   ull(w->watches.left), w->watches.off);
		if (h->type != CKPT_HDR_INET && w->inet_file)
			return bad(off, "the inet record of the file record at offset %zu is missing",
				   w->inet_file);
		if (h->type != CKPT_HDR_EPOLL && w->epoll_file)
			return bad(off,
				   "the epoll record of the file record at offset %zu is missing",
				   w->epoll_file);
		if (h->type == CKPT_HDR_REGSET && prev != CKPT_HDR_THREAD &&
		    prev != CKPT_HDR_REGSET)
			return bad(off, "register set record after a %s record, not a thread one",
				   rec_name(prev));
		if (h->type != CKPT_HDR_REGSET && w->regsets.left)
			return bad(off, "register sets %#llx of the thread record @%zu are missing",
				   ull(w->regsets.left), w->regsets.off);

		switch (h->type) {
		case CKPT_HDR_HEADER:
			return bad(off, "second header record");
		case CKPT_HDR_HEADER_ARCH:
			if (w->nr_records != 1)
				return bad(off, "second arch header record");
			ret = do_arch(w, off, h);
			break;
		case CKPT_HDR_TAIL:
			return do_tail(w, off, h, next);
		case CKPT_HDR_TREE:
			if (w->nr_records != 2)
				return bad(off, "tree record not right after the arch header");
			ret = do_tree(off, h);
			break;
		case CKPT_HDR_TASK:
			ret = do_task(w, off, h);
			break;
		case CKPT_HDR_CREDS:
			ret = do_creds(off, h);
			break;
		case CKPT_HDR_FS:
			ret = do_fs(off, h);
			break;
		case CKPT_HDR_SIGHAND:
			ret = do_sighand(off, h);
			break;
		case CKPT_HDR_SIGPENDING:
			ret = do_sigpending(w, off, h);
			break;
		case CKPT_HDR_RESTART_BLOCK:
			ret = do_restart_block(off, h);
			break;
		case CKPT_HDR_AFFINITY:
			ret = do_affinity(off, h);
			break;
		case CKPT_HDR_SECCOMP:
			ret = do_seccomp(w, off, h);
			break;
		case CKPT_HDR_SECCOMP_FILTER:
			ret = do_seccomp_filter(w, off, h);
			break;
		case CKPT_HDR_POSIX_TIMERS:
			ret = do_posix_timers(off, h);
			break;
		case CKPT_HDR_CPU:
		case CKPT_HDR_THREAD:
		case CKPT_HDR_MM_CONTEXT:
		case CKPT_HDR_REGSET:
			ret = do_arch_rec(w, off, h);
			break;
		case CKPT_HDR_MM:
			ret = do_mm(w, off, h);
			break;
		case CKPT_HDR_VMA:
			ret = do_vma(w, off, h);
			break;
		case CKPT_HDR_PAGES:
			ret = do_pages(w, off, h);
			break;
		case CKPT_HDR_FILES:
			ret = do_files(w, off, h);
			break;
		case CKPT_HDR_FILE:
			ret = do_file(w, off, h);
			break;
		case CKPT_HDR_PIPE:
			ret = do_pipe(w, off, h);
			break;
		case CKPT_HDR_FD:
			ret = do_fd(w, off, h);
			break;
		case CKPT_HDR_DATA:
			ret = do_data(w, off, h);
			break;
		case CKPT_HDR_TIMERFD:
			ret = do_timerfd(w, off, h);
			break;
		case CKPT_HDR_EPOLL:
			ret = do_epoll(w, off, h);
			break;
		case CKPT_HDR_UNIX:
			ret = do_unix(w, off, h);
			break;
		case CKPT_HDR_UNIX_MSG:
			ret = do_unix_msg(w, off, h);
			break;
		case CKPT_HDR_UNIX_QUEUE:
			ret = do_unix_queue(w, off, h);
			break;
		case CKPT_HDR_PTY:
			ret = do_pty(w, off, h);
			break;
		case CKPT_HDR_PTY_INPUT:
			ret = do_pty_input(w, off, h);
			break;
		case CKPT_HDR_TTY_INHERITED:
			ret = do_tty_inherited(off, h);
			break;
		case CKPT_HDR_LOCK:
			ret = do_lock(w, off, h);
			break;
		case CKPT_HDR_FILE_ASYNC:
			ret = do_file_async(w, off, h);
			break;
		case CKPT_HDR_INET:
			ret = do_inet(w, off, h);
			break;
		case CKPT_HDR_INET_DGRAM:
			ret = do_inet_dgram(w, off, h);
			break;
		case CKPT_HDR_INOTIFY:
			ret = do_inotify(w, off, h);
			break;
		case CKPT_HDR_INOTIFY_WATCH:
			ret = do_inotify_watch(w, off, h);
			break;
		}
		if (ret)
			return ret;
		prev = h->type;
	}
}

int main(int argc, char **argv)
{
	struct walk w = { 0 };
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	const char *path;
	ssize_t n;
	int fd, opt, ret;

	while ((opt = getopt(argc, argv, "sh")) != -1) {
		switch (opt) {
		case 's':
			summary = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || !argv[optind][0]) {
		usage(stderr);
		return 2;
	}
	path = argv[optind];
	fd = strcmp(path, "-") ? open(path, O_RDONLY) : 0;
	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return 2;
	}
	do {
		if (len == cap) {
			uint8_t *b;

			cap = cap ? cap * 2 : 65536;
			b = cap > len ? realloc(buf, cap) : NULL;
			if (!b) {
				fprintf(stderr, "%s: %s: out of memory\n", prog, path);
				return 2;
			}
			buf = b;
		}
		n = read(fd, buf + len, cap - len);
		if (n > 0)
			len += n;
	} while (n > 0 || (n < 0 && errno == EINTR));
	if (n < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return 2;
	}
	if (fd)
		close(fd);

	w.buf = buf;
	w.len = len;
	ret = decode(&w);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: writing the output: %s\n", prog, strerror(errno));
		ret = 2;
	}
	free(w.defs.v);
	free(w.uses.v);
	free(buf);
	return ret;
}
