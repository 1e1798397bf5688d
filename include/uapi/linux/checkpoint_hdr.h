/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Checkpoint image format.
 *
 * An image is a stream of records.  Every record starts with a
 * &struct ckpt_hdr giving its type and its length; the next record starts
 * at the following multiple of 8 bytes, and the padding bytes in between
 * are zero.  Fields have fixed sizes and the byte order of the machine that
 * wrote the image (recorded in the header).
 *
 * An image opens with a &struct ckpt_hdr_header, then the architecture's
 * CPU feature record (CKPT_HDR_HEADER_ARCH, see <asm/checkpoint_hdr.h>),
 * and closes with a &struct ckpt_hdr_tail that carries a CRC32C of every
 * byte before it.
 *
 * See Documentation/checkpoint/image-format.rst.
 */
#ifndef _UAPI_LINUX_CHECKPOINT_HDR_H
#define _UAPI_LINUX_CHECKPOINT_HDR_H

#include <linux/filter.h>
#include <linux/types.h>

/*
 * Version of the image format this header describes: 3 added the process
 * tree (%CKPT_HDR_TREE, then the records of each live task in its order).
 * 2 added signalfds and timerfds (%CKPT_FILE_SIGNALFD, %CKPT_FILE_TIMERFD,
 * %CKPT_HDR_TIMERFD), deleted files (%CKPT_FILE_GHOST) and the owner of a
 * file (F_SETOWN, F_SETSIG) to &struct ckpt_hdr_file.  Restart also reads
 * version 2 images.  The TREE record is optional: an image without it
 * holds one process, whose pid it does not know.  Epoll instances
 * (%CKPT_FILE_EPOLL, %CKPT_HDR_EPOLL) came later in version 3: a kernel
 * without them refuses such an image for its unknown file type.
 */
#define CKPT_VERSION		3

/* Records start at multiples of this many bytes. */
#define CKPT_ALIGN		8

/* Length of the magic strings of the header and tail records. */
#define CKPT_MAGIC_LEN		8
/* Magic of &struct ckpt_hdr_header: "\177LINUXCR". */
#define CKPT_HEADER_MAGIC	"\177LINUXCR"
/* Magic of &struct ckpt_hdr_tail: "\177CKPTEND". */
#define CKPT_TAIL_MAGIC		"\177CKPTEND"

/* Size of the utsname strings in the header (__NEW_UTS_LEN + 1). */
#define CKPT_UTS_LEN		65

/**
 * struct ckpt_hdr - the header of every record
 * @type: record type, one of &enum ckpt_hdr_type
 * @len: length of the record in bytes, this header included and the
 *	padding to the next multiple of %CKPT_ALIGN excluded
 */
struct ckpt_hdr {
	__u32 type;
	__u32 len;
};

/**
 * enum ckpt_hdr_type - record types
 * @CKPT_HDR_HEADER: &struct ckpt_hdr_header, first record of an image
 * @CKPT_HDR_HEADER_ARCH: architecture CPU feature record, second record;
 *	its layout is in <asm/checkpoint_hdr.h>
 * @CKPT_HDR_TAIL: &struct ckpt_hdr_tail, last record of an image
 * @CKPT_HDR_TREE: &struct ckpt_hdr_tree, the tasks of the image
 * @CKPT_HDR_TASK: &struct ckpt_hdr_task
 * @CKPT_HDR_CREDS: &struct ckpt_hdr_creds
 * @CKPT_HDR_FS: &struct ckpt_hdr_fs
 * @CKPT_HDR_SIGHAND: &struct ckpt_hdr_sighand
 * @CKPT_HDR_SIGPENDING: &struct ckpt_hdr_sigpending
 * @CKPT_HDR_RESTART_BLOCK: &struct ckpt_hdr_restart_block
 * @CKPT_HDR_AFFINITY: &struct ckpt_hdr_affinity, after TASK
 * @CKPT_HDR_CPU: user registers; layout in <asm/checkpoint_hdr.h>
 * @CKPT_HDR_THREAD: thread state (TLS, FPU); layout in <asm/checkpoint_hdr.h>
 * @CKPT_HDR_MM_CONTEXT: architecture part of an address space: the vdso,
 *	&struct ckpt_hdr_vdso on x86_64, s390x and powerpc
 * @CKPT_HDR_REGSET: &struct ckpt_hdr_regset, an optional register set of
 *	the architecture; after THREAD, where it names them
 * @CKPT_HDR_MM: &struct ckpt_hdr_mm
 * @CKPT_HDR_VMA: &struct ckpt_hdr_vma
 * @CKPT_HDR_PAGES: &struct ckpt_hdr_pages
 * @CKPT_HDR_FILES: &struct ckpt_hdr_files
 * @CKPT_HDR_FILE: &struct ckpt_hdr_file
 * @CKPT_HDR_PIPE: &struct ckpt_hdr_pipe
 * @CKPT_HDR_FD: &struct ckpt_hdr_fd
 * @CKPT_HDR_DATA: &struct ckpt_hdr_data
 * @CKPT_HDR_TIMERFD: &struct ckpt_hdr_timerfd
 * @CKPT_HDR_EPOLL: &struct ckpt_hdr_epoll
 * @CKPT_HDR_UNIX: &struct ckpt_hdr_unix, a unix socket and its peer
 * @CKPT_HDR_UNIX_MSG: &struct ckpt_hdr_unix_msg, a message queued on one
 *	of them, after the UNIX record
 * @CKPT_HDR_LOCK: &struct ckpt_hdr_lock, a file lock, after the FILE
 *	record of its file (flock(2), OFD) or the FD record of a descriptor
 *	of it (a POSIX record lock of the process)
 * @CKPT_HDR_INET: &struct ckpt_hdr_inet, a TCP or UDP socket, after its
 *	FILE record; the bytes of its queues follow in DATA records
 * @CKPT_HDR_INET_DGRAM: &struct ckpt_hdr_inet_dgram, a datagram queued on
 *	a UDP socket, after its INET record
 * @CKPT_HDR_INOTIFY: &struct ckpt_hdr_inotify, an inotify instance, after
 *	its FILE record
 * @CKPT_HDR_INOTIFY_WATCH: &struct ckpt_hdr_inotify_watch, one of its
 *	watches, after the INOTIFY record
 * @CKPT_HDR_FILE_ASYNC: &struct ckpt_hdr_file_async, O_ASYNC of a file,
 *	after its FILE record and the records that follow it
 * @CKPT_HDR_SECCOMP: &struct ckpt_hdr_seccomp, the seccomp mode of a task
 *	that has one, after its AFFINITY record
 * @CKPT_HDR_SECCOMP_FILTER: &struct ckpt_hdr_seccomp_filter, a seccomp
 *	filter, before the first SECCOMP record or filter that refers to it
 * @CKPT_HDR_POSIX_TIMERS: &struct ckpt_hdr_posix_timers, the POSIX timers
 *	of a process that has or had one, after its SIGHAND record
 * @CKPT_HDR_UNIX_QUEUE: &struct ckpt_hdr_unix_queue, the messages queued
 *	on a datagram unix socket with no peer in its record, after the
 *	records of every task
 * @CKPT_HDR_PTY: &struct ckpt_hdr_pty, a pseudo-terminal pair, before the
 *	first FILE record of one of its ends
 * @CKPT_HDR_PTY_INPUT: &struct ckpt_hdr_pty_input, what one end of a pty
 *	has received and not read; two follow a PTY record
 * @CKPT_HDR_TTY_INHERITED: &struct ckpt_hdr_tty_inherited, a session of the
 *	tree whose controlling terminal is one restart inherits from its
 *	caller, after the UNIX_QUEUE records
 * @CKPT_HDR_PRECOPY: &struct ckpt_hdr_precopy, pages of a pre-copy round,
 *	after the CPU feature record
 * @CKPT_HDR_STAGED: &struct ckpt_hdr_staged, pages of a VMA a pre-copy
 *	round holds, after its PAGES records
 *
 * An image holds, in this order: HEADER, HEADER_ARCH, TREE, then for each
 * task of the tree that is not a zombie, in the order of the TREE record:
 * TASK, AFFINITY, CREDS, FS, SIGHAND, FILES (then FILE, PIPE, UNIX,
 * UNIX_MSG, DATA and LOCK records as objects are first referenced, and one
 * FD record per descriptor), MM, MM_CONTEXT, one VMA per memory area each
 * followed by its PAGES records, CPU, THREAD (with its REGSET records, if
 * any), RESTART_BLOCK and SIGPENDING; then the UNIX_QUEUE records, each
 * with its UNIX_MSG and DATA records; then the TTY_INHERITED records; and
 * last TAIL.  An object (a file, a pipe) is written once, with the first
 * task that holds it; the later ones refer to it.  A thread other than
 * the main thread of its process (%CKPT_TREE_TASK_THREAD) has only TASK,
 * AFFINITY, CREDS, CPU, THREAD, RESTART_BLOCK and SIGPENDING, the last
 * without the signals pending for the process: it shares the rest with
 * its main thread.
 */
enum ckpt_hdr_type {
	CKPT_HDR_HEADER = 1,
	CKPT_HDR_HEADER_ARCH = 2,
	CKPT_HDR_TAIL = 3,

	CKPT_HDR_TREE = 9,
	CKPT_HDR_TASK = 10,
	CKPT_HDR_CREDS = 11,
	CKPT_HDR_FS = 12,
	CKPT_HDR_SIGHAND = 13,
	CKPT_HDR_SIGPENDING = 14,
	CKPT_HDR_RESTART_BLOCK = 15,
	CKPT_HDR_AFFINITY = 16,
	CKPT_HDR_SECCOMP = 17,
	CKPT_HDR_SECCOMP_FILTER = 18,
	CKPT_HDR_POSIX_TIMERS = 19,

	CKPT_HDR_CPU = 20,
	CKPT_HDR_THREAD = 21,
	CKPT_HDR_MM_CONTEXT = 22,
	CKPT_HDR_REGSET = 23,

	CKPT_HDR_MM = 30,
	CKPT_HDR_VMA = 31,
	CKPT_HDR_PAGES = 32,

	CKPT_HDR_FILES = 40,
	CKPT_HDR_FILE = 41,
	CKPT_HDR_PIPE = 42,
	CKPT_HDR_FD = 43,
	CKPT_HDR_DATA = 44,
	CKPT_HDR_TIMERFD = 45,
	CKPT_HDR_EPOLL = 46,
	CKPT_HDR_UNIX = 47,
	CKPT_HDR_UNIX_MSG = 48,
	CKPT_HDR_LOCK = 49,
	CKPT_HDR_INET = 50,
	CKPT_HDR_INET_DGRAM = 51,
	CKPT_HDR_INOTIFY = 52,
	CKPT_HDR_INOTIFY_WATCH = 53,
	CKPT_HDR_FILE_ASYNC = 54,
	CKPT_HDR_UNIX_QUEUE = 55,
	CKPT_HDR_PTY = 56,
	CKPT_HDR_PTY_INPUT = 57,
	CKPT_HDR_TTY_INHERITED = 58,
	CKPT_HDR_PRECOPY = 59,
	CKPT_HDR_STAGED = 60,
};

/**
 * enum ckpt_arch_id - architecture of an image
 * @CKPT_ARCH_X86_64: x86_64 (64-bit little endian)
 * @CKPT_ARCH_S390X: s390x (64-bit big endian)
 * @CKPT_ARCH_PPC64: 64-bit powerpc (the byte order is in the header)
 * @CKPT_ARCH_ARM: 32-bit arm (ARMv7)
 */
enum ckpt_arch_id {
	CKPT_ARCH_X86_64 = 1,
	CKPT_ARCH_S390X = 2,
	CKPT_ARCH_PPC64 = 3,
	CKPT_ARCH_ARM = 4,
};

/* Values of &ckpt_hdr_header.endian. */
#define CKPT_ENDIAN_LITTLE	1
#define CKPT_ENDIAN_BIG		2

/**
 * struct ckpt_hdr_header - the first record of an image
 * @h: type %CKPT_HDR_HEADER, len sizeof(struct ckpt_hdr_header)
 * @magic: %CKPT_HEADER_MAGIC, without its terminating NUL
 * @version: image format version, %CKPT_VERSION
 * @arch_id: architecture, one of &enum ckpt_arch_id
 * @word_size: size of a C long of the checkpointing kernel, in bytes
 * @endian: byte order of every field of the image, %CKPT_ENDIAN_LITTLE
 *	or %CKPT_ENDIAN_BIG
 * @page_size: page size of the checkpointing kernel, in bytes
 * @task_comm_len: TASK_COMM_LEN of the checkpointing kernel
 * @flags: the flags checkpoint(2) was called with
 * @ckpt_id: checkpoint id, as returned by checkpoint(2)
 * @time_sec: CLOCK_REALTIME at checkpoint, seconds
 * @time_nsec: CLOCK_REALTIME at checkpoint, nanoseconds
 * @nsig: number of signals (_NSIG) of the checkpointing kernel
 * @nr_rlimits: number of resource limits (RLIM_NLIMITS)
 * @__reserved: zero
 * @uts_release: utsname release of the checkpointing kernel, NUL-terminated
 * @uts_version: utsname version, NUL-terminated
 * @uts_machine: utsname machine, NUL-terminated
 * @__pad: zero
 *
 * The magic, @word_size and @endian are single bytes, so that a reader can
 * tell an image of another byte order from a corrupt one.
 */
struct ckpt_hdr_header {
	struct ckpt_hdr h;
	__u8 magic[CKPT_MAGIC_LEN];
	__u32 version;
	__u16 arch_id;
	__u8 word_size;
	__u8 endian;
	__u32 page_size;
	__u32 task_comm_len;
	__u64 flags;
	__u64 ckpt_id;
	__s64 time_sec;
	__u32 time_nsec;
	__u32 nsig;
	__u32 nr_rlimits;
	__u32 __reserved;
	char uts_release[CKPT_UTS_LEN];
	char uts_version[CKPT_UTS_LEN];
	char uts_machine[CKPT_UTS_LEN];
	__u8 __pad[5];
};

/**
 * struct ckpt_hdr_header_arch - the common start of the architecture's
 * CPU feature record
 * @h: type %CKPT_HDR_HEADER_ARCH; len is the size of the architecture's
 *	record (&struct ckpt_hdr_arch_x86 and the like in <asm/checkpoint_hdr.h>)
 * @features: bitmask of the optional register sets the image may contain,
 *	CKPT_<ARCH>_FEAT_* of <asm/checkpoint_hdr.h>.  Restart fails when the
 *	running CPU or kernel lacks one of them.
 */
struct ckpt_hdr_header_arch {
	struct ckpt_hdr h;
	__u64 features;
};

/**
 * struct ckpt_hdr_regset - an optional register set of the architecture
 * @h: type %CKPT_HDR_REGSET; len covers @data
 * @set: the bit number of the set's feature in
 *	&ckpt_hdr_header_arch.features, which the image must have
 * @size: size of @data in bytes, the size of the set's layout in
 *	<asm/checkpoint_hdr.h>
 * @data: the registers, in that layout
 *
 * The THREAD record of an architecture that has such sets says which
 * follow it, one record each, in the order of their bits.
 */
struct ckpt_hdr_regset {
	struct ckpt_hdr h;
	__u32 set;
	__u32 size;
	__u8 data[];
};

/**
 * struct ckpt_hdr_vdso - where the vdso of an address space is: the
 * %CKPT_HDR_MM_CONTEXT record of x86_64, s390x and powerpc
 * @h: type %CKPT_HDR_MM_CONTEXT
 * @vdso: address of the vdso text (AT_SYSINFO_EHDR), 0 for none; the vvar
 *	pages sit right below it
 * @vdso_size: size of the vdso text
 * @vvar_size: size of the vvar area below it
 */
struct ckpt_hdr_vdso {
	struct ckpt_hdr h;
	__u64 vdso;
	__u32 vdso_size;
	__u32 vvar_size;
};

/**
 * struct ckpt_hdr_tail - the last record of an image
 * @h: type %CKPT_HDR_TAIL, len sizeof(struct ckpt_hdr_tail)
 * @magic: %CKPT_TAIL_MAGIC, without its terminating NUL
 * @crc32c: CRC32C (Castagnoli, reflected, initial value and final xor
 *	0xffffffff) of every byte of the image before this record, but for
 *	the page contents that end each %CKPT_HDR_PAGES record
 * @nr_records: number of records before this one
 * @image_len: number of bytes before this record
 */
struct ckpt_hdr_tail {
	struct ckpt_hdr h;
	__u8 magic[CKPT_MAGIC_LEN];
	__u32 crc32c;
	__u32 nr_records;
	__u64 image_len;
};

/* Length of &ckpt_hdr_task.comm (TASK_COMM_LEN). */
#define CKPT_COMM_LEN		16
/* Number of resource limits in &ckpt_hdr_task.rlim (RLIM_NLIMITS). */
#define CKPT_RLIM_NLIMITS	16
/* Number of signals in a signal set and in &ckpt_hdr_sighand (_NSIG). */
#define CKPT_NSIG		64
/* Number of words in &ckpt_hdr_mm.auxv. */
#define CKPT_AUXV_WORDS		128
/* Size of a siginfo in &struct ckpt_sigpending_entry. */
#define CKPT_SIGINFO_SIZE	128

/**
 * struct ckpt_rlimit - one resource limit
 * @cur: soft limit, ~0 for RLIM_INFINITY
 * @max: hard limit, ~0 for RLIM_INFINITY
 */
struct ckpt_rlimit {
	__u64 cur;
	__u64 max;
};

/**
 * struct ckpt_itimer - one interval timer
 * @value_ns: time left until the next expiry, 0 when disarmed
 * @interval_ns: reload value
 */
struct ckpt_itimer {
	__u64 value_ns;
	__u64 interval_ns;
};

/* Bits of &ckpt_hdr_task.flags. */
/* prctl(PR_SET_NO_NEW_PRIVS) is in effect. */
#define CKPT_TASK_NO_NEW_PRIVS		(1U << 0)
/* @saved_sigmask is restored when the interrupted call returns (ppoll(2)...). */
#define CKPT_TASK_RESTORE_SIGMASK	(1U << 1)
/* prctl(PR_SET_CHILD_SUBREAPER) is in effect. */
#define CKPT_TASK_CHILD_SUBREAPER	(1U << 2)
/* prctl(PR_SET_IO_FLUSHER) is in effect. */
#define CKPT_TASK_IO_FLUSHER		(1U << 3)
/* sched_setattr(2) SCHED_FLAG_RESET_ON_FORK is in effect. */
#define CKPT_TASK_SCHED_RESET_ON_FORK	(1U << 4)
#define CKPT_TASK_FLAGS_ALL		(CKPT_TASK_NO_NEW_PRIVS | \
					 CKPT_TASK_RESTORE_SIGMASK | \
					 CKPT_TASK_CHILD_SUBREAPER | \
					 CKPT_TASK_IO_FLUSHER | \
					 CKPT_TASK_SCHED_RESET_ON_FORK)

/**
 * struct ckpt_hdr_task - the state of a task
 * @h: type %CKPT_HDR_TASK
 * @comm: command name, NUL-terminated
 * @personality: personality(2)
 * @flags: CKPT_TASK_* bits
 * @set_child_tid: CLONE_CHILD_SETTID address the task was created with
 * @clear_child_tid: set_tid_address(2)
 * @robust_list: set_robust_list(2) head, 0 for none
 * @robust_list_len: its length
 * @sas_ss_sp: sigaltstack(2) base
 * @sas_ss_size: sigaltstack(2) size, 0 when disabled
 * @sas_ss_flags: sigaltstack(2) flags (SS_AUTODISARM)
 * @__reserved: zero
 * @blocked: blocked signals; bit n-1 is signal n
 * @saved_sigmask: mask restored by %CKPT_TASK_RESTORE_SIGMASK
 * @rseq: rseq(2) area registered, 0 for none
 * @rseq_len: its length
 * @rseq_sig: its signature
 * @itimer: ITIMER_REAL, ITIMER_VIRTUAL and ITIMER_PROF
 * @rlim: resource limits, in RLIMIT_* order
 * @pdeath_signal: prctl(PR_SET_PDEATHSIG), 0 for none
 * @oom_score_adj: /proc/PID/oom_score_adj, -1000 to 1000
 * @oom_score_adj_min: the lowest @oom_score_adj may be set to without
 *	CAP_SYS_RESOURCE
 * @timer_slack_ns: prctl(PR_GET_TIMERSLACK)
 * @default_timer_slack_ns: the slack prctl(PR_SET_TIMERSLACK, 0) restores
 * @sched_policy: scheduling policy: SCHED_NORMAL, SCHED_BATCH, SCHED_IDLE,
 *	SCHED_FIFO or SCHED_RR
 * @sched_nice: nice value, -20 to 19 (kept under a real-time policy too)
 * @sched_priority: real-time priority, 1 to 99 for SCHED_FIFO and SCHED_RR,
 *	else 0
 * @__pad: zero
 */
struct ckpt_hdr_task {
	struct ckpt_hdr h;
	char comm[CKPT_COMM_LEN];
	__u32 personality;
	__u32 flags;
	__u64 set_child_tid;
	__u64 clear_child_tid;
	__u64 robust_list;
	__u64 robust_list_len;
	__u64 sas_ss_sp;
	__u64 sas_ss_size;
	__u32 sas_ss_flags;
	__u32 __reserved;
	__u64 blocked;
	__u64 saved_sigmask;
	__u64 rseq;
	__u32 rseq_len;
	__u32 rseq_sig;
	struct ckpt_itimer itimer[3];
	struct ckpt_rlimit rlim[CKPT_RLIM_NLIMITS];
	__u32 pdeath_signal;
	__s16 oom_score_adj;
	__s16 oom_score_adj_min;
	__u64 timer_slack_ns;
	__u64 default_timer_slack_ns;
	__u32 sched_policy;
	__s32 sched_nice;
	__u32 sched_priority;
	__u32 __pad;
};

/* Most CPUs an affinity record names. */
#define CKPT_AFFINITY_MAX_CPUS		8192

/**
 * struct ckpt_hdr_seccomp - the seccomp mode of a task, with its filters
 * @h: type %CKPT_HDR_SECCOMP
 * @mode: %SECCOMP_MODE_STRICT (1) or %SECCOMP_MODE_FILTER (2)
 * @filter_ref: with %SECCOMP_MODE_FILTER, the object reference of the
 *	filter the task added last; each filter names the one before it; 0
 *	in strict mode
 *
 * Only a task in a seccomp mode has one, after its AFFINITY record and
 * the SECCOMP_FILTER records of the filters it is the first to use.
 */
struct ckpt_hdr_seccomp {
	struct ckpt_hdr h;
	__u32 mode;
	__u32 filter_ref;
};

/* &ckpt_hdr_seccomp_filter.flags: SECCOMP_FILTER_FLAG_LOG was given. */
#define CKPT_SECCOMP_LOG	(1U << 0)

/**
 * struct ckpt_hdr_seccomp_filter - a seccomp filter (SECCOMP_SET_MODE_FILTER)
 * @h: type %CKPT_HDR_SECCOMP_FILTER
 * @objref: object reference of this filter
 * @prev_ref: object reference of the filter that was the newest when this
 *	one was added (both run), 0 for the first
 * @flags: %CKPT_SECCOMP_LOG
 * @len: number of instructions in @insns, 1 to BPF_MAXINSNS
 * @insns: the classic BPF program given to seccomp(2), in the byte order
 *	of the machine
 *
 * Written once for all the tasks whose filters include it.
 */
struct ckpt_hdr_seccomp_filter {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 prev_ref;
	__u32 flags;
	__u32 len;
	struct sock_filter insns[];
};

/**
 * struct ckpt_hdr_affinity - the CPUs a task may run on
 * @h: type %CKPT_HDR_AFFINITY; len covers @mask
 * @nr_cpus: the bits of @mask, a multiple of 64 from 64 to
 *	%CKPT_AFFINITY_MAX_CPUS
 * @__reserved: zero
 * @mask: bit n of word n / 64 is CPU n (sched_setaffinity(2))
 *
 * Right after TASK; an image without it (older ones) leaves a task the
 * affinity of the caller of restart(2).  Restart clamps the mask to the
 * CPUs that are active and that the caller's cpuset allows; a mask with
 * none of them becomes all of them.
 */
struct ckpt_hdr_affinity {
	struct ckpt_hdr h;
	__u32 nr_cpus;
	__u32 __reserved;
	__u64 mask[];
};

/* Most tasks in one image. */
#define CKPT_TREE_MAX_TASKS		4096

/* &ckpt_hdr_tree.flags: the root was the init (pid 1) of its pid namespace. */
#define CKPT_TREE_PIDNS_INIT		(1U << 0)
#define CKPT_TREE_FLAGS_ALL		CKPT_TREE_PIDNS_INIT

/* &ckpt_tree_task.flags: a zombie, not reaped yet; no other record. */
#define CKPT_TREE_TASK_ZOMBIE		(1U << 0)
/*
 * &ckpt_tree_task.flags: a thread of the process whose main thread is
 * @parent, not its main thread; it has the records of its own state only.
 */
#define CKPT_TREE_TASK_THREAD		(1U << 1)
/*
 * &ckpt_tree_task.flags: a process whose controlling terminal is the one
 * of its session: the pty of the image that controls it (the PTY record
 * with %CKPT_PTY_CTTY and its @sid as &ckpt_hdr_pty.session) or the
 * terminal inherited from the caller of restart (the TTY_INHERITED record
 * with its @sid as &ckpt_hdr_tty_inherited.session).
 */
#define CKPT_TREE_TASK_CTTY		(1U << 2)
#define CKPT_TREE_TASK_FLAGS_ALL	(CKPT_TREE_TASK_ZOMBIE | CKPT_TREE_TASK_THREAD | \
					 CKPT_TREE_TASK_CTTY)

/**
 * struct ckpt_tree_task - one task of the tree
 * @pid: its pid, in the pid namespace of the root; a thread's thread id
 * @parent: index in &ckpt_hdr_tree.tasks of its parent (the thread that
 *	forked it), -1 for the root; for a %CKPT_TREE_TASK_THREAD, the main
 *	thread of its process; a parent comes before its children
 * @pgid: its process group, 0 when its leader is outside the namespace
 * @sid: its session, 0 when its leader is outside the namespace
 * @flags: CKPT_TREE_TASK_* bits
 * @exit_code: a zombie's wait status, as waitpid(2) returns it; else 0
 * @exit_signal: the signal its parent gets when it exits (SIGCHLD), 0 for
 *	none and for a thread
 * @__reserved: zero
 *
 * A @pgid or @sid that is not the pid of a task of the tree names the
 * group or session of the root, which the tree left; restart puts such a
 * task in the caller's.  A thread has the @pgid and @sid of its main
 * thread.
 */
struct ckpt_tree_task {
	__s32 pid;
	__s32 parent;
	__s32 pgid;
	__s32 sid;
	__u32 flags;
	__s32 exit_code;
	__u32 exit_signal;
	__u32 __reserved;
};

/**
 * struct ckpt_hdr_tree - the process tree: the root and its descendants
 * @h: type %CKPT_HDR_TREE; len covers @tasks
 * @nr_tasks: how many, 1 to %CKPT_TREE_MAX_TASKS
 * @flags: CKPT_TREE_* bits
 * @tasks: the tasks, the root first, each parent before its children
 */
struct ckpt_hdr_tree {
	struct ckpt_hdr h;
	__u32 nr_tasks;
	__u32 flags;
	struct ckpt_tree_task tasks[];
};

/**
 * struct ckpt_hdr_creds - credentials of a task
 * @h: type %CKPT_HDR_CREDS; len covers @groups
 * @uid: real user id, in the user namespace of the checkpointing caller
 * @euid: effective user id
 * @suid: saved user id
 * @fsuid: file system user id
 * @gid: real group id
 * @egid: effective group id
 * @sgid: saved group id
 * @fsgid: file system group id
 * @securebits: SECBIT_* bits
 * @ngroups: number of supplementary groups in @groups
 * @cap_inheritable: inheritable capabilities, bit n is capability n
 * @cap_permitted: permitted capabilities
 * @cap_effective: effective capabilities
 * @cap_bset: capability bounding set
 * @cap_ambient: ambient capabilities
 * @groups: the supplementary groups
 *
 * restart(2) restores these only as far as its caller could set them
 * itself, and fails with EPERM otherwise.
 */
struct ckpt_hdr_creds {
	struct ckpt_hdr h;
	__u32 uid, euid, suid, fsuid;
	__u32 gid, egid, sgid, fsgid;
	__u32 securebits;
	__u32 ngroups;
	__u64 cap_inheritable;
	__u64 cap_permitted;
	__u64 cap_effective;
	__u64 cap_bset;
	__u64 cap_ambient;
	__u32 groups[];
};

/**
 * struct ckpt_hdr_fs - file system context of a task
 * @h: type %CKPT_HDR_FS; len covers @paths
 * @umask: umask(2)
 * @cwd_len: length of the working directory path, its NUL included
 * @root_len: length of the root directory path, its NUL included
 * @objref: object reference of the fs_struct: new the first time, the
 *	same for tasks that share it (CLONE_FS); zero in older images
 * @paths: the working directory, then the root directory, as absolute
 *	NUL-terminated paths seen from the checkpointing caller's root
 */
struct ckpt_hdr_fs {
	struct ckpt_hdr h;
	__u32 umask;
	__u32 cwd_len;
	__u32 root_len;
	__u32 objref;
	char paths[];
};

/**
 * struct ckpt_sigaction - the disposition of one signal
 * @handler: SIG_DFL (0), SIG_IGN (1) or the handler's address
 * @flags: SA_* flags
 * @restorer: SA_RESTORER trampoline, 0 without one
 * @mask: signals blocked while the handler runs
 */
struct ckpt_sigaction {
	__u64 handler;
	__u64 flags;
	__u64 restorer;
	__u64 mask;
};

/**
 * struct ckpt_hdr_sighand - the signal dispositions of a task
 * @h: type %CKPT_HDR_SIGHAND
 * @action: the disposition of signal n is @action[n - 1]
 */
struct ckpt_hdr_sighand {
	struct ckpt_hdr h;
	struct ckpt_sigaction action[CKPT_NSIG];
};

/* Bits of &ckpt_sigpending_entry.flags. */
/* Pending for the whole process, not for the thread alone. */
#define CKPT_SIGPENDING_SHARED		(1U << 0)
/*
 * The signal of the POSIX timer si_tid of the process, queued by it: its
 * delivery re-arms a periodic timer (&ckpt_posix_timer.requeue).
 */
#define CKPT_SIGPENDING_TIMER		(1U << 1)
#define CKPT_SIGPENDING_FLAGS_ALL	(CKPT_SIGPENDING_SHARED | CKPT_SIGPENDING_TIMER)

/**
 * struct ckpt_sigpending_entry - a queued signal
 * @signo: signal number
 * @flags: CKPT_SIGPENDING_* bits
 * @info: its siginfo_t, as user space sees it; for a signal of a POSIX
 *	timer (si_code SI_TIMER), the kernel's count that re-arms the timer
 *	is in the word after si_overrun
 */
struct ckpt_sigpending_entry {
	__u32 signo;
	__u32 flags;
	__u8 info[CKPT_SIGINFO_SIZE];
};

/**
 * struct ckpt_hdr_sigpending - the pending signals of a task
 * @h: type %CKPT_HDR_SIGPENDING; len covers @entries
 * @pending: signals pending for the thread
 * @shared_pending: signals pending for the process
 * @nr: number of @entries
 * @__reserved: zero
 * @entries: the queued signals with their siginfo, oldest first; a signal
 *	in a pending set without an entry is restored with si_code SI_KERNEL
 */
struct ckpt_hdr_sigpending {
	struct ckpt_hdr h;
	__u64 pending;
	__u64 shared_pending;
	__u32 nr;
	__u32 __reserved;
	struct ckpt_sigpending_entry entries[];
};

/* Bits of &ckpt_posix_timer.flags. */
/*
 * @value_ns is a deadline on the timer's clock: a CLOCK_REALTIME timer
 * armed with TIMER_ABSTIME, or a CLOCK_TAI timer.
 */
#define CKPT_POSIX_TIMER_ABSTIME	(1U << 0)
/* Armed and not expired, or periodic (timer_gettime(2) shows it). */
#define CKPT_POSIX_TIMER_ACTIVE		(1U << 1)
/* Running: it expires at @value_ns (for SIGEV_NONE, it only counts). */
#define CKPT_POSIX_TIMER_RUNNING	(1U << 2)
/*
 * A CPU-time clock that names its process or thread by its pid (as
 * clock_getcpuclockid() gives it): restart names the restored one's.
 */
#define CKPT_POSIX_TIMER_CLOCK_PID	(1U << 3)
#define CKPT_POSIX_TIMER_FLAGS_ALL	(CKPT_POSIX_TIMER_ABSTIME | \
					 CKPT_POSIX_TIMER_ACTIVE | \
					 CKPT_POSIX_TIMER_RUNNING | \
					 CKPT_POSIX_TIMER_CLOCK_PID)

/**
 * struct ckpt_posix_timer - a POSIX timer (timer_create(2))
 * @id: its id
 * @clockid: its clock: CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME,
 *	CLOCK_TAI, or the CPU-time clock of its process or of one of its
 *	threads, in the kernel's encoding (CLOCK_PROCESS_CPUTIME_ID is
 *	-6, CLOCK_THREAD_CPUTIME_ID -2; with %CKPT_POSIX_TIMER_CLOCK_PID,
 *	its pid as the process saw it)
 * @notify: its sigev_notify: SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD, or
 *	SIGEV_SIGNAL | SIGEV_THREAD_ID
 * @signo: the signal it sends
 * @tid: for SIGEV_THREAD_ID, the pid in the image of the thread its
 *	signal goes to, a thread of the process; else 0
 * @flags: CKPT_POSIX_TIMER_* bits
 * @value: the sigev_value its signal carries
 * @value_ns: its next expiry: the time left until it at checkpoint
 *	(negative once passed), or with %CKPT_POSIX_TIMER_ABSTIME the
 *	deadline on its clock, as the process sees that clock; on a CPU-time
 *	clock, the CPU time left, at least 1, or 0 for none
 * @interval_ns: its period, 0 for a one-shot timer
 * @overrun: the expirations the kernel counted since its last signal was
 *	queued, -1 for none
 * @overrun_last: those it reported with the last signal delivered
 *	(timer_getoverrun(2))
 * @requeue: the kernel's count of the signals it queued; odd while its
 *	signal waits to be delivered and to re-arm it
 * @cpu_tid: on the CPU-time clock of a thread, the pid in the image of
 *	that thread, a thread of the process; else 0
 */
struct ckpt_posix_timer {
	__s32 id;
	__s32 clockid;
	__s32 notify;
	__s32 signo;
	__s32 tid;
	__u32 flags;
	__u64 value;
	__s64 value_ns;
	__s64 interval_ns;
	__s64 overrun;
	__s64 overrun_last;
	__u32 requeue;
	__s32 cpu_tid;
};

/**
 * struct ckpt_hdr_posix_timers - the POSIX timers of a process
 * @h: type %CKPT_HDR_POSIX_TIMERS; len covers @timers
 * @next_id: the id the kernel tries first for the next timer_create(2)
 * @nr: number of @timers
 * @timers: the timers, the last created first, as /proc/PID/timers
 *	lists them
 *
 * The times follow the rules of the restart blocks: a relative timer
 * expires the time it had left at checkpoint after restart; an absolute
 * one at its deadline.  The kernel keeps how a timer was armed for
 * CLOCK_REALTIME only: a CLOCK_MONOTONIC or CLOCK_BOOTTIME timer keeps the
 * time it had left, a CLOCK_TAI timer its deadline.  A timer on a CPU-time
 * clock keeps the CPU time it had left.  A timer's signal still queued is
 * in the SIGPENDING record of the thread or process it went to, with
 * %CKPT_SIGPENDING_TIMER.
 */
struct ckpt_hdr_posix_timers {
	struct ckpt_hdr h;
	__u32 next_id;
	__u32 nr;
	struct ckpt_posix_timer timers[];
};

/**
 * enum ckpt_restart_kind - how an interrupted system call resumes
 * @CKPT_RESTART_NONE: no restart block; a -ERESTART* return in the saved
 *	registers, if any, is handled as after a signal
 * @CKPT_RESTART_NANOSLEEP: relative nanosleep(2) or clock_nanosleep(2)
 * @CKPT_RESTART_FUTEX: futex(2) wait with a timeout
 * @CKPT_RESTART_POLL: poll(2) with a timeout
 */
enum ckpt_restart_kind {
	CKPT_RESTART_NONE = 0,
	CKPT_RESTART_NANOSLEEP = 1,
	CKPT_RESTART_FUTEX = 2,
	CKPT_RESTART_POLL = 3,
};

/* Bits of &ckpt_hdr_restart_block.flags. */
/* @timeout_ns is the time left at checkpoint, not an absolute time. */
#define CKPT_RESTART_RELATIVE		(1U << 0)
/* The call has a timeout (poll and futex). */
#define CKPT_RESTART_HAS_TIMEOUT	(1U << 1)
/* Futex: the timeout is on CLOCK_REALTIME, not CLOCK_MONOTONIC. */
#define CKPT_RESTART_CLOCK_REALTIME	(1U << 2)
/* Futex: a shared (not process private) futex. */
#define CKPT_RESTART_SHARED		(1U << 3)
/* Nanosleep: the remaining time is copied to @addr as a 32-bit timespec. */
#define CKPT_RESTART_COMPAT		(1U << 4)
#define CKPT_RESTART_FLAGS_ALL		0x1f

/**
 * struct ckpt_hdr_restart_block - an interrupted system call
 * @h: type %CKPT_HDR_RESTART_BLOCK
 * @kind: one of &enum ckpt_restart_kind
 * @flags: CKPT_RESTART_* bits
 * @clockid: nanosleep: the clock
 * @val: futex: the expected value
 * @bitset: futex: the wake-up bitset
 * @nfds: poll: number of descriptors
 * @addr: futex: the futex; poll: the pollfd array; nanosleep: where the
 *	remaining time goes, 0 for nowhere
 * @timeout_ns: the time left (%CKPT_RESTART_RELATIVE) or the absolute
 *	expiry on the call's clock
 */
struct ckpt_hdr_restart_block {
	struct ckpt_hdr h;
	__u32 kind;
	__u32 flags;
	__s32 clockid;
	__u32 val;
	__u32 bitset;
	__u32 nfds;
	__u64 addr;
	__u64 timeout_ns;
};

/**
 * struct ckpt_hdr_mm - an address space
 * @h: type %CKPT_HDR_MM
 * @start_code: start of the program text
 * @end_code: end of the program text
 * @start_data: start of the program data
 * @end_data: end of the program data
 * @start_brk: start of the heap
 * @brk: current program break
 * @start_stack: start of the main stack
 * @arg_start: start of the argument strings
 * @arg_end: end of the argument strings
 * @env_start: start of the environment strings
 * @env_end: end of the environment strings
 * @mmap_base: base of the mmap area
 * @nr_vmas: number of VMA records that follow
 * @exe_ref: object reference of the executable's FILE record, 0 for none
 * @dumpable: prctl(PR_GET_DUMPABLE): 0, 1, or 2 for a process that may
 *	only be dumped by root (the fs.suid_dumpable sysctl)
 * @coredump_filter: /proc/PID/coredump_filter
 * @flags: CKPT_MM_* bits
 * @membarrier: membarrier(2) registrations, CKPT_MEMBARRIER_* bits
 * @auxv: the auxiliary vector given to the program, AT_NULL-terminated
 */
struct ckpt_hdr_mm {
	struct ckpt_hdr h;
	__u64 start_code, end_code;
	__u64 start_data, end_data;
	__u64 start_brk, brk;
	__u64 start_stack;
	__u64 arg_start, arg_end;
	__u64 env_start, env_end;
	__u64 mmap_base;
	__u32 nr_vmas;
	__u32 exe_ref;
	__u32 dumpable;
	__u32 coredump_filter;
	__u32 flags;
	__u32 membarrier;
	__u64 auxv[CKPT_AUXV_WORDS];
};

/* Bits of &ckpt_hdr_mm.flags. */
#define CKPT_MM_THP_DISABLE	(1U << 0)	/* prctl(PR_SET_THP_DISABLE) */
#define CKPT_MM_MDWE		(1U << 1)	/* prctl(PR_SET_MDWE) */
#define CKPT_MM_MDWE_NO_INHERIT	(1U << 2)	/* PR_MDWE_NO_INHERIT */
#define CKPT_MM_TOPDOWN		(1U << 3)	/* mmap() searches top down */
#define CKPT_MM_LOCK_FUTURE	(1U << 4)	/* mlockall(MCL_FUTURE) */
#define CKPT_MM_LOCK_ONFAULT	(1U << 5)	/* mlockall(MCL_FUTURE | MCL_ONFAULT) */
#define CKPT_MM_FLAGS_ALL	0x3f

/*
 * Bits of &ckpt_hdr_mm.membarrier: the kernel's membarrier state of the
 * address space.  A registration sets its bit and then its _READY bit.
 */
#define CKPT_MEMBARRIER_PRIVATE_EXPEDITED_READY		(1U << 0)
#define CKPT_MEMBARRIER_PRIVATE_EXPEDITED		(1U << 1)
#define CKPT_MEMBARRIER_GLOBAL_EXPEDITED_READY		(1U << 2)
#define CKPT_MEMBARRIER_GLOBAL_EXPEDITED		(1U << 3)
#define CKPT_MEMBARRIER_SYNC_CORE_READY			(1U << 4)
#define CKPT_MEMBARRIER_SYNC_CORE			(1U << 5)
#define CKPT_MEMBARRIER_RSEQ_READY			(1U << 6)
#define CKPT_MEMBARRIER_RSEQ				(1U << 7)
#define CKPT_MEMBARRIER_ALL				0xff

/**
 * enum ckpt_vma_type - what backs a memory area
 * @CKPT_VMA_ANON: private anonymous memory (heap, stack, MAP_ANONYMOUS)
 * @CKPT_VMA_FILE: a mapping of a file reopened by path; private ones are
 *	followed by their privately modified pages
 * @CKPT_VMA_SHMEM: a mapping of a shared memory object (MAP_SHARED |
 *	MAP_ANONYMOUS, memfd) whose contents are saved with its FILE record
 * @CKPT_VMA_SPECIAL: a mapping the kernel provides ([vdso], [vvar]...),
 *	re-created by the architecture at the same address
 */
enum ckpt_vma_type {
	CKPT_VMA_ANON = 1,
	CKPT_VMA_FILE = 2,
	CKPT_VMA_SHMEM = 3,
	CKPT_VMA_SPECIAL = 4,
};

/* Bits of &ckpt_hdr_vma.flags. */
#define CKPT_VMA_SHARED		(1U << 0)	/* MAP_SHARED */
#define CKPT_VMA_GROWSDOWN	(1U << 1)	/* a stack, MAP_GROWSDOWN */
#define CKPT_VMA_NORESERVE	(1U << 2)	/* MAP_NORESERVE */
#define CKPT_VMA_LOCKED		(1U << 3)	/* mlock(2) */
#define CKPT_VMA_LOCKONFAULT	(1U << 4)	/* mlock2(MLOCK_ONFAULT) */
#define CKPT_VMA_DONTFORK	(1U << 5)	/* madvise(MADV_DONTFORK) */
#define CKPT_VMA_WIPEONFORK	(1U << 6)	/* madvise(MADV_WIPEONFORK) */
#define CKPT_VMA_DONTDUMP	(1U << 7)	/* madvise(MADV_DONTDUMP) */
#define CKPT_VMA_SEQ_READ	(1U << 8)	/* madvise(MADV_SEQUENTIAL) */
#define CKPT_VMA_RAND_READ	(1U << 9)	/* madvise(MADV_RANDOM) */
#define CKPT_VMA_HUGEPAGE	(1U << 10)	/* madvise(MADV_HUGEPAGE) */
#define CKPT_VMA_NOHUGEPAGE	(1U << 11)	/* madvise(MADV_NOHUGEPAGE) */
#define CKPT_VMA_DROPPABLE	(1U << 12)	/* MAP_DROPPABLE */
#define CKPT_VMA_ACCOUNT	(1U << 13)	/* charged to the commit limit */
#define CKPT_VMA_SEALED		(1U << 14)	/* mseal(2), 64-bit only */
#define CKPT_VMA_FLAGS_ALL	0x7fff

/* Length of &ckpt_hdr_vma.name. */
#define CKPT_VMA_NAME_LEN	16

/**
 * struct ckpt_hdr_vma - a memory area
 * @h: type %CKPT_HDR_VMA
 * @start: first address
 * @end: address after the last byte
 * @pgoff: file offset in pages (%CKPT_VMA_FILE, %CKPT_VMA_SHMEM)
 * @prot: PROT_READ, PROT_WRITE and PROT_EXEC bits
 * @flags: CKPT_VMA_* bits
 * @type: one of &enum ckpt_vma_type
 * @file_ref: object reference of the FILE record of the mapped file
 * @nr_pages: number of pages in the PAGES records that follow
 * @nr_staged: number of pages whose contents are those a PRECOPY record
 *	gave last (pre-copy images only), listed by the STAGED records that
 *	follow the PAGES records; disjoint from those of the PAGES records
 * @name: %CKPT_VMA_SPECIAL: the mapping's name ("[vdso]"), NUL-terminated
 */
struct ckpt_hdr_vma {
	struct ckpt_hdr h;
	__u64 start;
	__u64 end;
	__u64 pgoff;
	__u32 prot;
	__u32 flags;
	__u32 type;
	__u32 file_ref;
	__u32 nr_pages;
	__u32 nr_staged;
	char name[CKPT_VMA_NAME_LEN];
};

/**
 * struct ckpt_hdr_pages - page contents
 * @h: type %CKPT_HDR_PAGES; len covers @addr and the page contents
 * @nr_pages: number of pages in this record
 * @__reserved: zero
 * @addr: after a VMA record, the address of each page; after a FILE
 *	record of a shared memory object, the file offset of each page.
 *	Increasing.  The contents of the pages follow, page_size bytes each.
 *
 * Pages that were never populated are not saved: they stay holes.
 */
struct ckpt_hdr_pages {
	struct ckpt_hdr h;
	__u32 nr_pages;
	__u32 __reserved;
	__u64 addr[];
};

/**
 * struct ckpt_hdr_precopy - pages of a running tree, written by a pre-copy
 *	round (%CKPT_CHECKPOINT_PRECOPY)
 * @h: type %CKPT_HDR_PRECOPY; len covers @addr and the page contents
 * @mm_id: the address space, numbered from 1 by the checkpoint; a STAGED
 *	record names it again
 * @round: the round, from 0: round 0 writes every private page, the
 *	next ones those written to since
 * @nr_pages: number of pages in this record, at most 512 KiB of them
 * @__reserved: zero
 * @addr: the address of each page, increasing within the record; the
 *	contents follow, page_size bytes each.  A later record for the same
 *	address and @mm_id replaces the contents.
 *
 * The PRECOPY records come right after the CPU feature record, before
 * the TREE record.
 */
struct ckpt_hdr_precopy {
	struct ckpt_hdr h;
	__u32 mm_id;
	__u32 round;
	__u32 nr_pages;
	__u32 __reserved;
	__u64 addr[];
};

/**
 * struct ckpt_staged_run - pages at consecutive addresses
 * @addr: the first one
 * @nr_pages: their number, at least 1
 */
struct ckpt_staged_run {
	__u64 addr;
	__u64 nr_pages;
};

/**
 * struct ckpt_hdr_staged - pages of a VMA whose contents a pre-copy round
 *	wrote, unchanged since
 * @h: type %CKPT_HDR_STAGED
 * @mm_id: the &struct ckpt_hdr_precopy.mm_id of the records that hold them
 * @nr_runs: number of @runs, at least 1
 * @runs: increasing, apart, inside the VMA; the last PRECOPY record of
 *	@mm_id for each page of a run holds its contents
 *
 * After the PAGES records of a VMA whose nr_staged is not 0, until the
 * runs count nr_staged pages.
 */
struct ckpt_hdr_staged {
	struct ckpt_hdr h;
	__u32 mm_id;
	__u32 nr_runs;
	struct ckpt_staged_run runs[];
};

/**
 * struct ckpt_hdr_files - a file descriptor table
 * @h: type %CKPT_HDR_FILES
 * @nr_fds: number of FD records that follow
 * @objref: object reference of the table: new the first time, the same
 *	for later tasks that share it (CLONE_FILES), whose @nr_fds is 0;
 *	zero in older images
 */
struct ckpt_hdr_files {
	struct ckpt_hdr h;
	__u32 nr_fds;
	__u32 objref;
};

/**
 * enum ckpt_file_type - kinds of open files
 * @CKPT_FILE_REG: a regular file, reopened by path
 * @CKPT_FILE_DIR: a directory, reopened by path
 * @CKPT_FILE_CHR: a character device (/dev/null, /dev/zero...), reopened
 *	by path and checked to be the same device
 * @CKPT_FILE_PIPE: an end of a pipe; the pipe is a PIPE record
 * @CKPT_FILE_FIFO: an end of a named pipe, reopened by path; its buffered
 *	data is a PIPE record
 * @CKPT_FILE_MEMFD: a memfd_create(2) file; its pages follow in PAGES
 *	records
 * @CKPT_FILE_SHMEM: the object behind a MAP_SHARED | MAP_ANONYMOUS mapping;
 *	its pages follow in PAGES records
 * @CKPT_FILE_EVENTFD: an eventfd(2)
 * @CKPT_FILE_SIGNALFD: a signalfd(2)
 * @CKPT_FILE_TIMERFD: a timerfd_create(2) file; its timer is the TIMERFD
 *	record that follows
 * @CKPT_FILE_GHOST: a regular file that was deleted (no name left) but is
 *	still open or mapped; its data follows in PAGES records
 * @CKPT_FILE_EPOLL: an epoll instance (epoll_create(2)); the FILE records
 *	of the files it watches come before it, its interest list is the
 *	EPOLL record that follows
 * @CKPT_FILE_INET: a TCP or UDP socket over IPv4 or IPv6; an INET record
 *	follows the FILE record
 * @CKPT_FILE_INOTIFY: an inotify instance (inotify_init1(2)); an INOTIFY
 *	record and its watches follow the FILE record
 * @CKPT_FILE_UNIX: a unix domain socket (AF_UNIX); the socket and its peer
 *	are a UNIX record, the FILE record's @pipe_ref, @rdev says which end
 * @CKPT_FILE_PTY: an end of a pseudo-terminal pair (ptmx(4), pts(4)); the
 *	pair is a PTY record, the FILE record's @pipe_ref, @rdev says which
 *	end: %CKPT_PTY_MASTER, %CKPT_PTY_SLAVE or %CKPT_PTY_DEV_TTY
 * @CKPT_FILE_TTY_INHERITED: another open of a terminal that restart
 *	inherits from its caller (%CKPT_CHECKPOINT_INHERIT_STDIO): the
 *	terminal of the caller's descriptor @count (0 to 2), opened again as
 *	that descriptor's file (@rdev %CKPT_PTY_SLAVE) or as /dev/tty (@rdev
 *	%CKPT_PTY_DEV_TTY)
 */
enum ckpt_file_type {
	CKPT_FILE_REG = 1,
	CKPT_FILE_DIR = 2,
	CKPT_FILE_CHR = 3,
	CKPT_FILE_PIPE = 4,
	CKPT_FILE_FIFO = 5,
	CKPT_FILE_MEMFD = 6,
	CKPT_FILE_SHMEM = 7,
	CKPT_FILE_EVENTFD = 8,
	CKPT_FILE_SIGNALFD = 9,
	CKPT_FILE_TIMERFD = 10,
	CKPT_FILE_GHOST = 11,
	CKPT_FILE_EPOLL = 12,
	CKPT_FILE_UNIX = 13,
	CKPT_FILE_INET = 14,
	CKPT_FILE_INOTIFY = 15,
	CKPT_FILE_PTY = 16,
	CKPT_FILE_TTY_INHERITED = 17,
};

/**
 * struct ckpt_hdr_file - an open file, saved once however many descriptors
 * and mappings share it
 * @h: type %CKPT_HDR_FILE; len covers @path
 * @objref: object reference of this file, unique in the image, from 1
 * @type: one of &enum ckpt_file_type
 * @f_flags: open flags, as F_GETFL returns them
 * @mode: st_mode of the file
 * @pipe_ref: %CKPT_FILE_PIPE and %CKPT_FILE_FIFO: object reference of the
 *	PIPE record; %CKPT_FILE_MEMFD, %CKPT_FILE_SHMEM and %CKPT_FILE_GHOST: 0,
 *	or the object
 *	reference of an earlier FILE record of the same object (another open
 *	of it, through /proc/self/fd or map_files), whose contents this one
 *	shares: no pages follow it; %CKPT_FILE_UNIX: the UNIX record;
 *	%CKPT_FILE_PTY: the PTY record
 * @pos: file position
 * @size: st_size at checkpoint
 * @dev: st_dev (new_encode_dev() encoding) of a file reopened by path
 * @ino: st_ino
 * @rdev: %CKPT_FILE_CHR: the device number; %CKPT_FILE_EVENTFD: 1 for
 *	EFD_SEMAPHORE; %CKPT_FILE_UNIX: the end of the UNIX record, 0 or 1;
 *	%CKPT_FILE_PTY: the end of the pair, a CKPT_PTY_* value;
 *	%CKPT_FILE_TTY_INHERITED: %CKPT_PTY_SLAVE or %CKPT_PTY_DEV_TTY
 * @mtime_sec: st_mtime, seconds
 * @mtime_nsec: st_mtime, nanoseconds
 * @path_len: length of @path, its NUL included
 * @count: %CKPT_FILE_EVENTFD: the counter; %CKPT_FILE_MEMFD: the seals;
 *	%CKPT_FILE_SIGNALFD: the signals it reads, bit n - 1 for signal n;
 *	%CKPT_FILE_TTY_INHERITED: the caller's descriptor, 0 to 2
 * @nr_pages: %CKPT_FILE_MEMFD, %CKPT_FILE_SHMEM and %CKPT_FILE_GHOST:
 *	number of pages in the PAGES records that follow
 * @fown_type: the kind of owner of the file, who gets its SIGIO and SIGURG
 *	signals: F_OWNER_TID, F_OWNER_PID or F_OWNER_PGRP, as F_GETOWN_EX
 *	reports it (F_OWNER_TID for a file whose owner was never set)
 * @fown_flags: %CKPT_FOWN_SELF or %CKPT_FOWN_TREE, or 0 for no owner
 * @fown_signum: the signal F_SETSIG set, 0 for SIGIO
 * @fown_pid: %CKPT_FOWN_TREE: the pid (F_OWNER_PGRP: the process group) of
 *	the owner, as the TREE record numbers it; else zero
 * @path: absolute path, seen from the checkpointing caller's root; for a
 *	memfd, its name
 *
 * A file reopened by path must still be the same file at restart: same
 * type, device and inode number; a regular file must also have the same
 * size and modification time (restart fails with ESTALE otherwise).
 */
struct ckpt_hdr_file {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 type;
	__u32 f_flags;
	__u32 mode;
	__u32 pipe_ref;
	__u32 path_len;
	__s64 pos;
	__s64 size;
	__u64 dev;
	__u64 ino;
	__u64 rdev;
	__s64 mtime_sec;
	__u32 mtime_nsec;
	__u32 nr_pages;
	__u64 count;
	__u32 fown_type;
	__u32 fown_flags;
	__u32 fown_signum;
	__u32 fown_pid;
	char path[];
};

/*
 * Bit of &ckpt_hdr_file.fown_flags: the owner of the file (F_SETOWN) is the
 * process itself, or its process group for F_OWNER_PGRP.  Restart makes
 * it the restarted process, or its process group.
 */
#define CKPT_FOWN_SELF		(1U << 0)
/*
 * Bit of &ckpt_hdr_file.fown_flags: the owner is another task of the tree,
 * or the process group of one, named by &ckpt_hdr_file.fown_pid.  Restart
 * makes it that task once restored, or its process group.
 */
#define CKPT_FOWN_TREE		(1U << 1)

/**
 * struct ckpt_hdr_pipe - a pipe (or the buffer of a named pipe)
 * @h: type %CKPT_HDR_PIPE
 * @objref: object reference of this pipe
 * @size: capacity in bytes (F_GETPIPE_SZ)
 * @data_len: bytes buffered in the pipe, in DATA records that follow
 * @__reserved: zero
 */
struct ckpt_hdr_pipe {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 size;
	__u32 data_len;
	__u32 __reserved;
};

/*
 * &ckpt_hdr_file.rdev of a %CKPT_FILE_PTY: the master (opened as ptmx), the
 * slave (opened as /dev/pts/N), or the slave opened as /dev/tty, the
 * controlling terminal of its opener.
 */
#define CKPT_PTY_MASTER		0
#define CKPT_PTY_SLAVE		1
#define CKPT_PTY_DEV_TTY	2

/**
 * struct ckpt_termios - the termios of one end of a pty: the kernel's
 * struct ktermios, with fixed sizes
 * @c_iflag: input modes, as TCGETS2 has them (their values are those of
 *	the architecture)
 * @c_oflag: output modes
 * @c_cflag: control modes
 * @c_lflag: local modes
 * @c_ispeed: input speed
 * @c_ospeed: output speed
 * @c_line: line discipline: N_TTY (0)
 * @c_cc: control characters, the architecture's NCCS of them, the rest zero
 */
struct ckpt_termios {
	__u32 c_iflag;
	__u32 c_oflag;
	__u32 c_cflag;
	__u32 c_lflag;
	__u32 c_ispeed;
	__u32 c_ospeed;
	__u8 c_line;
	__u8 c_cc[31];
};

/**
 * struct ckpt_winsize - a window size, as TIOCGWINSZ reports it
 * @ws_row: rows
 * @ws_col: columns
 * @ws_xpixel: width in pixels
 * @ws_ypixel: height in pixels
 */
struct ckpt_winsize {
	__u16 ws_row;
	__u16 ws_col;
	__u16 ws_xpixel;
	__u16 ws_ypixel;
};

/*
 * Bits of &ckpt_hdr_pty.flags.  %CKPT_PTY_LOCKED: the slave cannot be
 * opened (TIOCSPTLCK); %CKPT_PTY_PACKET: the master is in packet mode
 * (TIOCPKT); %CKPT_PTY_CTTY: the slave is the controlling terminal of the
 * session @session; %CKPT_PTY_SLAVE_CLOSED: every open of the slave was
 * closed, the master reads EIO once its input is read.
 */
#define CKPT_PTY_LOCKED		(1U << 0)
#define CKPT_PTY_PACKET		(1U << 1)
#define CKPT_PTY_CTTY		(1U << 2)
#define CKPT_PTY_SLAVE_CLOSED	(1U << 3)

/**
 * struct ckpt_hdr_pty - a pseudo-terminal pair whose master is in the
 * image, before the first FILE record of one of its ends
 * @h: type %CKPT_HDR_PTY; len covers @path
 * @objref: object reference of this pair
 * @index: its number: its slave is /dev/pts/@index of its devpts instance
 * @flags: CKPT_PTY_* bits
 * @session: %CKPT_PTY_CTTY: the session the slave controls, as the TREE
 *	record numbers it (the pid of its leader); else zero
 * @fg_pgrp: %CKPT_PTY_CTTY: the foreground process group of the slave, as
 *	the TREE record numbers it, a group of that session; 0 for none
 * @path_len: length of @path, its NUL included
 * @slave_mode: the permission bits of /dev/pts/@index (07777; mesg(1)
 *	clears its group write bit)
 * @slave_uid: the owner of /dev/pts/@index, in the user namespace of the
 *	caller
 * @slave_gid: its group
 * @__reserved: zero
 * @termios: the termios of the master (those of every new master: the
 *	termios calls on a master set its slave's), then of the slave
 * @winsize: the window size of the master, then of the slave
 * @path: the path the master was opened as: a ptmx device (/dev/ptmx,
 *	/dev/pts/ptmx), which names its devpts instance
 *
 * Two PTY_INPUT records follow: what the master has received and not read
 * (the slave's output), then what the slave has (the master's writes).
 */
struct ckpt_hdr_pty {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 index;
	__u32 flags;
	__s32 session;
	__s32 fg_pgrp;
	__u32 path_len;
	__u32 slave_mode;
	__u32 slave_uid;
	__u32 slave_gid;
	__u32 __reserved;
	struct ckpt_termios termios[2];
	struct ckpt_winsize winsize[2];
	char path[];
};

/* The most bytes one end of a pty holds: N_TTY's buffer, less one. */
#define CKPT_PTY_INPUT_MAX	4095

/*
 * Bits of &ckpt_hdr_pty_input.flags: %CKPT_PTY_INPUT_LNEXT, the next byte
 * is taken literally (after VLNEXT); %CKPT_PTY_INPUT_ERASING, erased bytes
 * are being echoed between '\' and '/' (ECHOPRT); %CKPT_PTY_INPUT_PUSH,
 * the bytes received before ICANON was set read as one line.
 */
#define CKPT_PTY_INPUT_LNEXT	(1U << 0)
#define CKPT_PTY_INPUT_ERASING	(1U << 1)
#define CKPT_PTY_INPUT_PUSH	(1U << 2)

/**
 * struct ckpt_hdr_pty_input - the input one end of a pty holds, not read
 * yet, as its line discipline (N_TTY) keeps it
 * @h: type %CKPT_HDR_PTY_INPUT; len covers @data
 * @len: the bytes, in @data, oldest first
 * @canon_len: canonical mode (ICANON): of these, the bytes of complete
 *	lines, which read(2) returns; the rest is the line being edited
 * @column: the output column, which the echoes of tabs and erasing follow
 * @canon_column: the column the line being edited started at
 * @flags: CKPT_PTY_INPUT_* bits
 * @__reserved: zero
 * @eol: a bit per byte of @data, bit i % 8 of byte i / 8: canonical mode,
 *	the byte ends a line (a newline, VEOL, VEOL2, or VEOF, kept as 0xff)
 * @data: the bytes
 */
struct ckpt_hdr_pty_input {
	struct ckpt_hdr h;
	__u32 len;
	__u32 canon_len;
	__u32 column;
	__u32 canon_column;
	__u32 flags;
	__u32 __reserved;
	__u8 eol[(CKPT_PTY_INPUT_MAX + 1) / 8];
	__u8 data[];
};

/**
 * struct ckpt_hdr_tty_inherited - a session of the tree whose controlling
 * terminal restart inherits from its caller
 * @h: type %CKPT_HDR_TTY_INHERITED
 * @session: the session, as the TREE record numbers it (the pid of its
 *	leader)
 * @fg_pgrp: the terminal's foreground process group, as the TREE record
 *	numbers it, a group of that session; 0 for none
 * @fd: the descriptor of the caller, 0 to 2, whose terminal it is: with
 *	%CKPT_CHECKPOINT_INHERIT_STDIO, the one of the root of the tree that
 *	was on this terminal
 * @__reserved: zero
 * @termios: the termios of the terminal, which restart sets on the
 *	caller's once the session has it
 *
 * The terminal is not saved: its window size and the input it held stay
 * those of the caller's terminal.
 */
struct ckpt_hdr_tty_inherited {
	struct ckpt_hdr h;
	__s32 session;
	__s32 fg_pgrp;
	__u32 fd;
	__u32 __reserved;
	struct ckpt_termios termios;
};

/* Bits of &ckpt_hdr_fd.flags. */
/* FD_CLOEXEC. */
#define CKPT_FD_CLOEXEC		(1U << 0)
/*
 * The descriptor is inherited from the restarting caller (see
 * CKPT_CHECKPOINT_INHERIT_STDIO); @objref is 0, @inherit_from says which.
 */
#define CKPT_FD_INHERITED	(1U << 1)

/**
 * struct ckpt_hdr_fd - a file descriptor
 * @h: type %CKPT_HDR_FD
 * @fd: the descriptor number
 * @flags: CKPT_FD_* bits
 * @objref: object reference of the FILE record
 * @inherit_from: %CKPT_FD_INHERITED: 0 for the restarting caller's
 *	descriptor of the same number, else 1 + the caller's descriptor (0 to
 *	2) it is a copy of; else zero
 */
struct ckpt_hdr_fd {
	struct ckpt_hdr h;
	__u32 fd;
	__u32 flags;
	__u32 objref;
	__u32 inherit_from;
};

/* Most bytes in one DATA record. */
#define CKPT_DATA_MAX		65536

/**
 * struct ckpt_hdr_data - a chunk of bytes (the data buffered in a pipe)
 * @h: type %CKPT_HDR_DATA; len covers @data
 * @data: up to %CKPT_DATA_MAX bytes
 */
struct ckpt_hdr_data {
	struct ckpt_hdr h;
	__u8 data[];
};

/* Bit of &ckpt_epoll_item.flags: the item is on the ready list. */
#define CKPT_EPOLL_READY	(1U << 0)

/**
 * struct ckpt_epoll_item - a file an epoll instance watches
 * @file_ref: object reference of its FILE record, which comes before the
 *	FILE record of the epoll instance
 * @fd: the descriptor number it was added with (what EPOLL_CTL_MOD and
 *	EPOLL_CTL_DEL name it by, with the file)
 * @events: its events and EPOLL* flags as epoll_ctl(2) set them, with
 *	EPOLLERR and EPOLLHUP; a one-shot item that fired has its flags only
 * @flags: %CKPT_EPOLL_READY
 * @data: the user data of its events
 */
struct ckpt_epoll_item {
	__u32 file_ref;
	__s32 fd;
	__u32 events;
	__u32 flags;
	__u64 data;
};

/**
 * struct ckpt_hdr_epoll - the interest list of an epoll instance, right
 * after its FILE record
 * @h: type %CKPT_HDR_EPOLL; len covers @items
 * @nr: number of items
 * @__reserved: zero
 * @items: in the order of the interest list
 */
struct ckpt_hdr_epoll {
	struct ckpt_hdr h;
	__u32 nr;
	__u32 __reserved;
	struct ckpt_epoll_item items[];
};

/*
 * A bit of &ckpt_hdr_timerfd.flags besides TFD_TIMER_ABSTIME (1) and
 * TFD_TIMER_CANCEL_ON_SET (2): the clock was set since the timer was armed,
 * the next read fails with ECANCELED.
 */
#define CKPT_TIMERFD_CANCELED	(1U << 8)

/**
 * struct ckpt_hdr_timerfd - the timer of a timerfd, right after its FILE
 * record
 * @h: type %CKPT_HDR_TIMERFD
 * @clockid: %CLOCK_REALTIME, %CLOCK_MONOTONIC, %CLOCK_BOOTTIME,
 *	%CLOCK_REALTIME_ALARM or %CLOCK_BOOTTIME_ALARM
 * @flags: the timerfd_settime(2) flags it was last armed with
 *	(TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET), and
 *	%CKPT_TIMERFD_CANCELED
 * @value_ns: 0 if the timer is disarmed; with TFD_TIMER_ABSTIME, its
 *	next expiry on @clockid; else the time that was left until it at
 *	checkpoint, counted again from restart
 * @interval_ns: its period, 0 for a one-shot timer
 * @ticks: the expirations not read yet, what read(2) would return
 */
struct ckpt_hdr_timerfd {
	struct ckpt_hdr h;
	__u32 clockid;
	__u32 flags;
	__s64 value_ns;
	__s64 interval_ns;
	__u64 ticks;
};

/*
 * Socket options of every kind of socket, as setsockopt(2) at %SOL_SOCKET
 * sets them (bits of &ckpt_unix_end.flags and &ckpt_sock_opts.flags):
 * %CKPT_SOCK_SNDBUF and %CKPT_SOCK_RCVBUF, the sizes were set by SO_SNDBUF
 * and SO_RCVBUF; the boolean options SO_PASSCRED, SO_PASSPIDFD, SO_PASSSEC,
 * SO_KEEPALIVE, SO_OOBINLINE, SO_LINGER (on), SO_REUSEADDR, SO_BROADCAST,
 * SO_DONTROUTE, SO_RXQ_OVFL, SO_SELECT_ERR_QUEUE; SO_TIMESTAMP,
 * SO_TIMESTAMPNS and the 64-bit form of either (_NEW).
 */
#define CKPT_SOCK_SNDBUF		(1U << 1)
#define CKPT_SOCK_RCVBUF		(1U << 2)
#define CKPT_SOCK_PASSCRED		(1U << 3)
#define CKPT_SOCK_PASSPIDFD		(1U << 4)
#define CKPT_SOCK_PASSSEC		(1U << 5)
#define CKPT_SOCK_KEEPALIVE		(1U << 6)
#define CKPT_SOCK_OOBINLINE		(1U << 7)
#define CKPT_SOCK_LINGER		(1U << 8)
#define CKPT_SOCK_REUSEADDR		(1U << 9)
#define CKPT_SOCK_BROADCAST		(1U << 10)
#define CKPT_SOCK_DONTROUTE		(1U << 11)
#define CKPT_SOCK_RXQ_OVFL		(1U << 12)
#define CKPT_SOCK_SELECT_ERR_QUEUE	(1U << 13)
#define CKPT_SOCK_TIMESTAMP		(1U << 14)
#define CKPT_SOCK_TIMESTAMPNS		(1U << 15)
#define CKPT_SOCK_TIMESTAMP_NEW		(1U << 16)
#define CKPT_SOCK_OPTIONS		(0x1fffeU)

/**
 * struct ckpt_sock_opts - the %SOL_SOCKET options of a socket
 * @flags: CKPT_SOCK_* bits
 * @peek_off: SO_PEEK_OFF, -1 for none
 * @sndbuf: the send buffer's size (SO_SNDBUF reports it)
 * @rcvbuf: the receive buffer's size (SO_RCVBUF reports it)
 * @rcvlowat: SO_RCVLOWAT
 * @priority: SO_PRIORITY
 * @mark: SO_MARK
 * @linger: the SO_LINGER time in seconds, kept when lingering is off
 * @rcvtimeo_us: SO_RCVTIMEO in microseconds, 0 for none
 * @sndtimeo_us: SO_SNDTIMEO in microseconds, 0 for none
 */
struct ckpt_sock_opts {
	__u32 flags;
	__s32 peek_off;
	__u32 sndbuf;
	__u32 rcvbuf;
	__u32 rcvlowat;
	__u32 priority;
	__u32 mark;
	__u32 linger;
	__s64 rcvtimeo_us;
	__s64 sndtimeo_us;
};

/*
 * Bits of &ckpt_unix_end.flags.  %CKPT_UNIX_OPEN: an open file of the
 * image is this end; an end without it was closed by its holder, and
 * restart closes it once its peer has its state.  The others are socket
 * options, as setsockopt(2) at %SOL_SOCKET sets them: %CKPT_UNIX_SNDBUF and
 * %CKPT_UNIX_RCVBUF, the sizes were set by SO_SNDBUF and SO_RCVBUF; the
 * boolean options SO_PASSCRED, SO_PASSPIDFD, SO_PASSSEC, SO_KEEPALIVE,
 * SO_OOBINLINE, SO_LINGER (on), SO_REUSEADDR, SO_BROADCAST, SO_DONTROUTE,
 * SO_RXQ_OVFL, SO_SELECT_ERR_QUEUE; SO_TIMESTAMP, SO_TIMESTAMPNS and the
 * 64-bit form of either (_NEW).  %CKPT_UNIX_BOUND: the end was bound to
 * its name (bind(2), or an automatic name), restart binds it again;
 * %CKPT_UNIX_LISTEN: it listens, with its backlog.  An end with a name
 * but not %CKPT_UNIX_BOUND was accepted from a listening socket whose
 * name it reports.
 */
#define CKPT_UNIX_OPEN			(1U << 0)
#define CKPT_UNIX_SNDBUF		CKPT_SOCK_SNDBUF
#define CKPT_UNIX_RCVBUF		CKPT_SOCK_RCVBUF
#define CKPT_UNIX_PASSCRED		CKPT_SOCK_PASSCRED
#define CKPT_UNIX_PASSPIDFD		CKPT_SOCK_PASSPIDFD
#define CKPT_UNIX_PASSSEC		CKPT_SOCK_PASSSEC
#define CKPT_UNIX_KEEPALIVE		CKPT_SOCK_KEEPALIVE
#define CKPT_UNIX_OOBINLINE		CKPT_SOCK_OOBINLINE
#define CKPT_UNIX_LINGER		CKPT_SOCK_LINGER
#define CKPT_UNIX_REUSEADDR		CKPT_SOCK_REUSEADDR
#define CKPT_UNIX_BROADCAST		CKPT_SOCK_BROADCAST
#define CKPT_UNIX_DONTROUTE		CKPT_SOCK_DONTROUTE
#define CKPT_UNIX_RXQ_OVFL		CKPT_SOCK_RXQ_OVFL
#define CKPT_UNIX_SELECT_ERR_QUEUE	CKPT_SOCK_SELECT_ERR_QUEUE
#define CKPT_UNIX_TIMESTAMP		CKPT_SOCK_TIMESTAMP
#define CKPT_UNIX_TIMESTAMPNS		CKPT_SOCK_TIMESTAMPNS
#define CKPT_UNIX_TIMESTAMP_NEW		CKPT_SOCK_TIMESTAMP_NEW
#define CKPT_UNIX_BOUND			(1U << 17)
#define CKPT_UNIX_LISTEN		(1U << 18)

/* Bit of &ckpt_hdr_unix.flags: end 0 connects to the name of end 1. */
#define CKPT_UNIX_CONNECT		(1U << 0)
/*
 * Bit of &ckpt_hdr_unix.flags: a stream or seqpacket connection not
 * accepted yet.  End 0 is the socket queued on the listener, which has no
 * file until accept(2) takes it, named by its listener's name; end 1 is
 * the client that connected, open or closed.  Its record follows its
 * listener's, in the order of the listener's queue.
 */
#define CKPT_UNIX_PENDING		(1U << 1)

/* Bits of &ckpt_unix_end.shutdown: what shutdown(2) closed of the end. */
#define CKPT_UNIX_SHUT_RD		(1U << 0)
#define CKPT_UNIX_SHUT_WR		(1U << 1)

/* Most bytes of one message of a unix socket's queue. */
#define CKPT_UNIX_MSG_MAX		(1U << 24)

/**
 * struct ckpt_unix_end - one end of a unix socket
 * @flags: CKPT_UNIX_* bits
 * @shutdown: CKPT_UNIX_SHUT_* bits
 * @err: the pending error SO_ERROR reports (ECONNRESET after a peer
 *	closed with data unread), positive, or 0
 * @peek_off: SO_PEEK_OFF, -1 when off
 * @sndbuf: SO_SNDBUF as getsockopt(2) reports it
 * @rcvbuf: SO_RCVBUF as getsockopt(2) reports it
 * @rcvlowat: SO_RCVLOWAT
 * @priority: SO_PRIORITY
 * @mark: SO_MARK
 * @linger: SO_LINGER, seconds
 * @nr_msgs: messages in its receive queue, UNIX_MSG records after the
 *	UNIX record
 * @backlog: %CKPT_UNIX_LISTEN: the backlog listen(2) gave it; else zero
 * @data_len: bytes in those messages
 * @rcvtimeo_us: SO_RCVTIMEO in microseconds, 0 for none
 * @sndtimeo_us: SO_SNDTIMEO in microseconds, 0 for none
 * @name_len: bytes of @name, 0 for a socket without a name
 * @mode: a socket bound to a path: the permission bits of its file
 * @name: sun_path of its name as getsockname(2) reports it: an absolute
 *	path with its NUL, or an abstract name (its first byte 0)
 * @peer_pid: the process SO_PEERCRED reports (the one that made the pair,
 *	connected, or listens), as the TREE record numbers it; 0 for none
 * @dev: a socket bound to a path: st_dev of its file (new_encode_dev())
 * @ino: and its st_ino
 */
struct ckpt_unix_end {
	__u32 flags;
	__u32 shutdown;
	__s32 err;
	__s32 peek_off;
	__u32 sndbuf;
	__u32 rcvbuf;
	__u32 rcvlowat;
	__u32 priority;
	__u32 mark;
	__u32 linger;
	__u32 nr_msgs;
	__u32 backlog;
	__u64 data_len;
	__s64 rcvtimeo_us;
	__s64 sndtimeo_us;
	__u32 name_len;
	__u32 mode;
	__u8 name[108];
	__s32 peer_pid;
	__u64 dev;
	__u64 ino;
};

/**
 * struct ckpt_hdr_unix - a unix domain socket, with its peer, written once
 * before the FILE record of the first of them
 * @h: type %CKPT_HDR_UNIX
 * @objref: object reference of this pair
 * @type: SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET
 * @nr_ends: 2 for a connected pair (made by socketpair(2), or by connect(2)
 *	and accept(2)), 1 for a socket with no peer of its own
 * @flags: %CKPT_UNIX_CONNECT: end 0 is a datagram socket connected to a
 *	socket of the image that is not connected back (its server), whose
 *	name is the @name of end 1, the only field of end 1 that is set;
 *	%CKPT_UNIX_PENDING: a connection its listener has not accepted
 * @end: the ends; end 0 is always open
 *
 * The messages queued to be read on end 0, then those of end 1, follow as
 * UNIX_MSG records, oldest first: what the peer sent and the end has not
 * read yet.  Restart makes the pair with socketpair(2) as the restoring
 * process, binds what was bound, gives an accepted end its listener's
 * name, sends the messages again from the peer, then sets the options,
 * shuts down what was shut down and closes a closed end; a listening
 * socket is bound and listens again.  A connection not accepted
 * (%CKPT_UNIX_PENDING) is made by connecting its client to the listener's
 * name again, after which the messages the client sent are sent again.
 */
struct ckpt_hdr_unix {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 type;
	__u32 nr_ends;
	__u32 flags;
	struct ckpt_unix_end end[2];
};

/**
 * struct ckpt_hdr_unix_msg - a message queued on a unix socket, the bytes
 * of which follow in DATA records
 * @h: type %CKPT_HDR_UNIX_MSG
 * @len: its length, at most %CKPT_UNIX_MSG_MAX; a stream socket's first
 *	message is what is left of it after a partial read
 * @sender: 0 after a UNIX record: its peer in the record sent it; after
 *	a UNIX_QUEUE record, the object reference of the FILE record of the
 *	socket that sent it
 * @tstamp_ns: its receive time stamp (CLOCK_REALTIME), which SO_TIMESTAMP
 *	reports, 0 for none
 */
struct ckpt_hdr_unix_msg {
	struct ckpt_hdr h;
	__u32 len;
	__u32 sender;
	__s64 tstamp_ns;
};

/**
 * struct ckpt_hdr_unix_queue - the messages queued on a datagram unix
 * socket with no peer in its record: a server, or a client of a server
 * @h: type %CKPT_HDR_UNIX_QUEUE
 * @file_ref: the object reference of the FILE record of the socket, which
 *	has a name
 * @nr_msgs: how many UNIX_MSG records follow, each with its sender
 * @data_len: their bytes
 *
 * These records come after those of every task, when every socket exists:
 * restart sends each message again from its sender to the socket's name.
 */
struct ckpt_hdr_unix_queue {
	struct ckpt_hdr h;
	__u32 file_ref;
	__u32 nr_msgs;
	__u64 data_len;
};

/**
 * enum ckpt_lock_kind - the kind of a file lock
 * @CKPT_LOCK_FLOCK: a flock(2) lock of the open file
 * @CKPT_LOCK_OFD: an open file description lock (F_OFD_SETLK) of the open
 *	file
 * @CKPT_LOCK_POSIX: a POSIX record lock (F_SETLK) of the process, on the
 *	file's inode
 */
enum ckpt_lock_kind {
	CKPT_LOCK_FLOCK = 1,
	CKPT_LOCK_OFD = 2,
	CKPT_LOCK_POSIX = 3,
};

/* &ckpt_hdr_lock.type: a shared (read) or an exclusive (write) lock. */
#define CKPT_LOCK_READ		0
#define CKPT_LOCK_WRITE		1

/**
 * struct ckpt_hdr_lock - a file lock, taken again at restart
 * @h: type %CKPT_HDR_LOCK
 * @file_ref: object reference of the FILE record of its file (for a POSIX
 *	lock, of a file of the inode the process holds)
 * @kind: one of &enum ckpt_lock_kind
 * @type: %CKPT_LOCK_READ or %CKPT_LOCK_WRITE
 * @__reserved: zero
 * @start: first byte it covers (0 for flock(2))
 * @end: last byte it covers, LLONG_MAX up to any end of the file
 */
struct ckpt_hdr_lock {
	struct ckpt_hdr h;
	__u32 file_ref;
	__u32 kind;
	__u32 type;
	__u32 __reserved;
	__s64 start;
	__s64 end;
};

/**
 * struct ckpt_hdr_file_async - the O_ASYNC status flag of an open file
 * @h: type %CKPT_HDR_FILE_ASYNC
 * @file_ref: object reference of the FILE record of the file
 * @fd: the descriptor fcntl(F_SETFL) set O_ASYNC through, which the
 *	file's I/O signals carry in si_fd (it may since have been closed or
 *	moved by dup2(2))
 *
 * Its signals go to the owner in the FILE record (F_SETOWN, F_SETSIG).
 */
struct ckpt_hdr_file_async {
	struct ckpt_hdr h;
	__u32 file_ref;
	__s32 fd;
};

/*
 * Bits of &ckpt_hdr_inet.flags.  %CKPT_INET_BOUND: bound to its port by
 * bind(2) (a port that connect(2) chose has not); %CKPT_INET_BOUND_ADDR:
 * bound to its address by bind(2); %CKPT_INET_CONNECTED: a UDP socket
 * connected to @daddr and @dport, or a TCP connection; %CKPT_INET_V6ONLY:
 * IPV6_V6ONLY; %CKPT_INET_REUSEPORT: SO_REUSEPORT; %CKPT_INET_NODELAY and
 * %CKPT_INET_CORK: TCP_NODELAY and TCP_CORK; %CKPT_INET_WSCALE,
 * %CKPT_INET_SACK and %CKPT_INET_TSTAMP: the TCP options the connection
 * agreed on (window scaling, SACK, time stamps); %CKPT_INET_PEER_OUTSIDE:
 * a TCP connection whose peer is not in the image
 * (%CKPT_CHECKPOINT_TCP_ESTABLISHED); %CKPT_INET_FIN_SENT: a TCP
 * connection that shut down its sending half (shutdown(SHUT_WR), states
 * FIN_WAIT1 and FIN_WAIT2), its FIN after @write_seq; %CKPT_INET_FIN_RCVD:
 * one whose peer did (CLOSE_WAIT), the peer's FIN after @rcv_nxt;
 * %CKPT_INET_SHUT_RD: shutdown(SHUT_RD).  A FIN is not counted in the
 * sequence numbers of the record: restart sends it again, its peer in the
 * image takes it.  A closed TCP socket (%CKPT_INET_CLOSED) whose connection
 * ended while it stays open has %CKPT_INET_ENDED (the end of its stream
 * reached: both FINs, or a reset), %CKPT_INET_SHUT_RD and
 * %CKPT_INET_FIN_SENT for its halves shut down, %CKPT_INET_FIN_RCVD if its
 * peer's FIN came after the @inq_len bytes its reader has still to read.
 */
#define CKPT_INET_BOUND			(1U << 0)
#define CKPT_INET_CONNECTED		(1U << 1)
#define CKPT_INET_V6ONLY		(1U << 2)
#define CKPT_INET_REUSEPORT		(1U << 3)
#define CKPT_INET_NODELAY		(1U << 4)
#define CKPT_INET_CORK			(1U << 5)
#define CKPT_INET_WSCALE		(1U << 6)
#define CKPT_INET_SACK			(1U << 7)
#define CKPT_INET_TSTAMP		(1U << 8)
#define CKPT_INET_BOUND_ADDR		(1U << 9)
#define CKPT_INET_PEER_OUTSIDE		(1U << 10)
#define CKPT_INET_FIN_SENT		(1U << 11)
#define CKPT_INET_FIN_RCVD		(1U << 12)
#define CKPT_INET_SHUT_RD		(1U << 13)
#define CKPT_INET_ENDED			(1U << 14)

/* &ckpt_hdr_inet.state: a TCP socket's state (the kernel's TCP_*). */
#define CKPT_INET_CLOSED		7
#define CKPT_INET_ESTABLISHED		1
#define CKPT_INET_LISTEN		10

/**
 * struct ckpt_hdr_inet - a TCP or UDP socket, after its FILE record
 * @h: type %CKPT_HDR_INET
 * @family: AF_INET or AF_INET6
 * @type: SOCK_STREAM (TCP) or SOCK_DGRAM (UDP)
 * @protocol: IPPROTO_TCP or IPPROTO_UDP
 * @state: %CKPT_INET_CLOSED (never connected, maybe bound), %CKPT_INET_LISTEN
 *	or %CKPT_INET_ESTABLISHED (TCP only; a half shut down too, as the
 *	flags say)
 * @flags: CKPT_INET_* bits
 * @backlog: %CKPT_INET_LISTEN: the backlog listen(2) gave it; else zero
 * @saddr: the local address, IPv4 in its first 4 bytes
 * @daddr: the address it is connected to, IPv4 in its first 4 bytes
 * @sport: the local port, 0 for none
 * @dport: the port it is connected to
 * @tos: IP_TOS, or IPV6_TCLASS
 * @ttl: IP_TTL, or IPV6_UNICAST_HOPS; -1 for the system's default
 * @opts: the %SOL_SOCKET options
 * @snd_una: TCP: the first byte sent and not acknowledged
 * @snd_nxt: TCP: the next byte to send
 * @write_seq: TCP: the byte after the last one written to the socket
 * @rcv_nxt: TCP: the next byte expected from the peer
 * @snd_wl1: TCP: the window's state, as TCP_REPAIR_WINDOW has it
 * @snd_wnd: TCP: the peer's window
 * @max_window: TCP: the largest window the peer offered
 * @rcv_wnd: TCP: the window offered to the peer
 * @rcv_wup: TCP: rcv_nxt when the window was last offered
 * @mss_clamp: TCP: the largest segment the peer takes
 * @user_mss: TCP: TCP_MAXSEG, 0 for none
 * @snd_wscale: TCP, %CKPT_INET_WSCALE: the peer's window scale
 * @rcv_wscale: TCP, %CKPT_INET_WSCALE: the window scale offered
 * @__reserved: zero
 * @tsval: TCP, %CKPT_INET_TSTAMP: the time stamp clock, as TCP_TIMESTAMP
 *	reports it
 * @keepidle: TCP_KEEPIDLE in seconds, 0 for the system's default
 * @keepintvl: TCP_KEEPINTVL in seconds, 0 for the system's default
 * @keepcnt: TCP_KEEPCNT, 0 for the system's default
 * @inq_len: TCP: the bytes received and not read (rcv_nxt - @inq_len is
 *	the first; a closed socket's whose connection ended too), which
 *	follow in DATA records; UDP: the bytes of the datagrams queued
 * @outq_len: TCP: the bytes written and not acknowledged, @write_seq -
 *	@snd_una, which follow in DATA records after those of @inq_len; UDP:
 *	the number of datagrams queued, each an INET_DGRAM record, oldest
 *	first
 *
 * A TCP connection is restored with its peer, another socket of the
 * image: restart re-creates both ends with their sequence numbers, windows,
 * options and queues through the kernel's TCP repair mode, then lets them
 * run; the bytes sent and not acknowledged are sent again.  One whose peer
 * is outside (%CKPT_INET_PEER_OUTSIDE) is restored alone, with
 * %CKPT_RESTART_TCP_ESTABLISHED.
 */
struct ckpt_hdr_inet {
	struct ckpt_hdr h;
	__u16 family;
	__u16 type;
	__u16 protocol;
	__u16 state;
	__u32 flags;
	__u32 backlog;
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport;
	__u16 dport;
	__u32 tos;
	__s32 ttl;
	__u32 keepidle;
	__u32 keepintvl;
	__u32 keepcnt;
	struct ckpt_sock_opts opts;
	__u32 snd_una;
	__u32 snd_nxt;
	__u32 write_seq;
	__u32 rcv_nxt;
	__u32 snd_wl1;
	__u32 snd_wnd;
	__u32 max_window;
	__u32 rcv_wnd;
	__u32 rcv_wup;
	__u32 mss_clamp;
	__u32 user_mss;
	__u8 snd_wscale;
	__u8 rcv_wscale;
	__u16 __reserved;
	__u32 tsval;
	__u32 inq_len;
	__u32 outq_len;
};

/* The largest datagram a UDP socket can have queued. */
#define CKPT_INET_DGRAM_MAX	65535

/**
 * struct ckpt_hdr_inet_dgram - a datagram queued on a UDP socket, the
 * bytes of which follow in DATA records
 * @h: type %CKPT_HDR_INET_DGRAM
 * @len: its length, at most %CKPT_INET_DGRAM_MAX
 * @family: AF_INET or AF_INET6: the family of @saddr
 * @sport: the port it came from
 * @saddr: the address it came from, IPv4 in its first 4 bytes
 * @tstamp_ns: its receive time stamp (CLOCK_REALTIME), which SO_TIMESTAMP
 *	reports, 0 for none
 */
struct ckpt_hdr_inet_dgram {
	struct ckpt_hdr h;
	__u32 len;
	__u16 family;
	__u16 sport;
	__u8 saddr[16];
	__s64 tstamp_ns;
};

/**
 * struct ckpt_hdr_inotify - an inotify instance, after its FILE record
 * @h: type %CKPT_HDR_INOTIFY
 * @next_wd: the descriptor its next new watch gets
 * @nr_watches: its watches, which follow as INOTIFY_WATCH records, oldest
 *	first
 */
struct ckpt_hdr_inotify {
	struct ckpt_hdr h;
	__s32 next_wd;
	__u32 nr_watches;
};

/**
 * struct ckpt_hdr_inotify_watch - a watch of an inotify instance
 * @h: type %CKPT_HDR_INOTIFY_WATCH
 * @wd: its watch descriptor
 * @mask: its mask, as inotify_add_watch(2) takes it (IN_ONESHOT and
 *	IN_EXCL_UNLINK included)
 * @dev: the device of the watched file, as stat(2) reports it
 * @ino: its inode number
 * @path_len: the length of @path, its NUL included, at most 4096
 * @__reserved: zero
 * @path: the absolute path of the watched file (a file, a directory or a
 *	symbolic link), NUL-terminated
 */
struct ckpt_hdr_inotify_watch {
	struct ckpt_hdr h;
	__s32 wd;
	__u32 mask;
	__u64 dev;
	__u64 ino;
	__u32 path_len;
	__u32 __reserved;
	char path[];
};

#endif /* _UAPI_LINUX_CHECKPOINT_HDR_H */
