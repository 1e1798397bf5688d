/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Checkpoint/restart: state private to the generic core.
 */
#ifndef _CHECKPOINT_INTERNAL_H
#define _CHECKPOINT_INTERNAL_H

#include <linux/bvec.h>
#include <linux/checkpoint.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/sizes.h>
#include <linux/types.h>
#include <linux/un.h>
#include <linux/wait.h>
#include <linux/xarray.h>

struct ckpt_inet_pending;
struct ckpt_ptys;
struct ckpt_precopy;
struct ckpt_pc_mm;
struct ckpt_inotify_pending;
struct ckpt_timer_ref;
struct k_itimer;
struct ckpt_sock_opts;
struct sock;
struct socket;

/* Valid flags of checkpoint(2) and restart(2). */
#define CKPT_CHECKPOINT_FLAGS	(CKPT_CHECKPOINT_INHERIT_STDIO | CKPT_CHECKPOINT_EXTERNAL_SHMEM | \
				 CKPT_CHECKPOINT_TCP_ESTABLISHED | CKPT_CHECKPOINT_PRECOPY)
#define CKPT_RESTART_FLAGS	(CKPT_RESTART_NEW_PIDNS | CKPT_RESTART_SAME_PIDS | \
				 CKPT_RESTART_TCP_ESTABLISHED)

/* Images of this version hold one process and no TREE record. */
#define CKPT_VERSION_NO_TREE	2

/* The write buffer of checkpoint: records are written by this much. */
#define CKPT_WBUF_SIZE		SZ_64K
/* The read-ahead of restart from a regular file. */
#define CKPT_RBUF_SIZE		SZ_64K

/* Most pages in one PAGES record: 512 KiB of data. */
#define CKPT_PAGES_BATCH	(SZ_512K / PAGE_SIZE)

/* Longest line written to the log file descriptor. */
#define CKPT_LOG_LINE_MAX	256

enum ckpt_op {
	CKPT_OP_CHECKPOINT,
	CKPT_OP_RESTART,
};

/**
 * struct ckpt_hnode - an entry of a &struct ckpt_ptr_table
 * @node: in its bucket
 * @key: the address it is found by
 */
struct ckpt_hnode {
	struct hlist_node node;
	const void *key;
};

/**
 * struct ckpt_ptr_table - a hash table of entries by address, which grows
 * with them, so that a lookup stays short however many there are
 * @heads: 1 << @bits buckets, or NULL before the first entry
 * @bits: log2 of their number
 * @nr: the number of entries
 */
struct ckpt_ptr_table {
	struct hlist_head *heads;
	unsigned int bits;
	unsigned int nr;
};

/**
 * struct ckpt_ctx - the state of one checkpoint or restart operation
 * @op: checkpoint or restart
 * @ckpt_id: id of the checkpoint, written into or read from the image
 * @flags: the flags of the system call
 * @file: the image, open for writing (checkpoint) or reading (restart)
 * @pos: file position in @file; unused for streams (pipes, sockets)
 * @wbuf: checkpoint: records not written yet (ckpt_flush()), or NULL
 * @wlen: how many bytes of them
 * @rbuf: restart: bytes of a regular image file read ahead, or NULL
 * @rpos: the next one to take
 * @rlen: how many were read
 * @logfile: where failures are reported, or NULL
 * @logged: a failure has already been reported
 * @logline: the line of that report, written on @logfile when the
 *	operation ends (ckpt_log_flush())
 * @loglen: its length, 0 when there is none to write
 * @root_task: checkpoint: the root of the tree, with a reference held
 * @task: checkpoint: the task whose records are being written
 * @mm: checkpoint: the mm of @task, referenced while it is written
 * @stack_pinned: checkpoint: the kernel stack of @task is referenced
 * @tree: the tasks of the image (tree.c)
 * @image_len: bytes written or read so far
 * @nr_records: records written or read so far
 * @crc: running CRC32C (not finalized) of the bytes written or read so far
 * @rec_len: @image_len at the start of the last record read
 * @rec_crc: @crc at the start of the last record read
 * @rec_nr: @nr_records at the start of the last record read
 * @rec_type: type of the last record read
 * @unread: restart: @unread_hdr was given back, the next header to read
 * @unread_hdr: that header
 * @objhash: checkpoint: objects already written, by address
 * @objs: restart: objects read so far, by object reference
 * @last_objref: the last object reference given or read
 * @rst: restart: the state read and checked before the point of no return
 * @arch: restart: the architecture's state, owned by its hooks
 * @ghosts: restart: the inodes of the deleted files re-created (file_ghost.c)
 * @nr_ghosts: how many
 * @inets: restart: the TCP connections made, connected once all are;
 *	checkpoint: those whose peer is outside, their packets dropped
 *	(file_inet.c)
 * @nr_inets: how many
 * @watches: restart: the inotify watches to add once every file is open
 *	(file_inotify.c)
 * @nr_watches: how many
 * @unix_queues: checkpoint: the datagram unix sockets with no peer whose
 *	messages are written at the end (file_unix.c)
 * @nr_unix_queues: how many
 * @timers: checkpoint: the POSIX timers of the tree, kept from expiring
 *	until the end (posix_timer.c)
 * @nr_timers: how many
 * @ptys: the pty pairs written or made (file_pty.c)
 * @precopy: a pre-copy's tracking (checkpoint) or the pages of its rounds
 *	(restart) (precopy.c)
 * @image_flags: restart: the checkpoint flags of the image
 * @restarted: restart: past the point of no return, the caller is the
 *	restarted process
 * @pages: a batch of pages being written or read
 * @bvec: the same batch, for the image I/O
 * @park: checkpoint(0) from a thread: the other threads held (park.c)
 */
struct ckpt_ctx {
	enum ckpt_op op;
	u64 ckpt_id;
	unsigned long flags;
	struct file *file;
	loff_t pos;
	char *wbuf;
	size_t wlen;
	char *rbuf;
	size_t rpos;
	size_t rlen;
	struct file *logfile;
	bool logged;
	char logline[CKPT_LOG_LINE_MAX];
	int loglen;
	struct task_struct *root_task;
	struct task_struct *task;
	struct mm_struct *mm;
	bool stack_pinned;
	struct ckpt_tree *tree;
	struct ckpt_park *park;

	u64 image_len;
	u32 nr_records;
	u32 crc;

	u64 rec_len;
	u32 rec_crc;
	u32 rec_nr;
	u32 rec_type;
	bool unread;
	struct ckpt_hdr unread_hdr;

	struct ckpt_ptr_table objhash;
	struct xarray objs;
	u32 last_objref;
	struct ckpt_restart_state *rst;
	void *arch;
	struct inode **ghosts;
	unsigned int nr_ghosts;
	struct ckpt_inet_pending *inets;
	unsigned int nr_inets;
	struct ckpt_inotify_pending *watches;
	unsigned int nr_watches;
	struct sock **unix_queues;
	unsigned int nr_unix_queues;
	struct ckpt_timer_ref *timers;
	unsigned int nr_timers;
	struct ckpt_ptys *ptys;
	struct ckpt_precopy *precopy;
	u64 image_flags;
	bool restarted;

	struct page *pages[CKPT_PAGES_BATCH];
	struct bio_vec bvec[CKPT_PAGES_BATCH];
};

/**
 * struct ckpt_walk - a list of page addresses (or file offsets)
 * @addr: the addresses, increasing
 * @nr: how many
 * @max: room in @addr
 * @only_anon: a private file mapping: only its anonymous pages count
 * @err: a failure of the walk
 * @pc: pre-copy: the tracking of the address space, or NULL
 * @staged: pre-copy: where the pages unchanged since their round go
 */
struct ckpt_walk {
	u64 *addr;
	unsigned int nr;
	unsigned int max;
	bool only_anon;
	int err;
	struct ckpt_pc_mm *pc;
	struct ckpt_walk *staged;
};

/* Kinds of objects in the object hash. */
enum ckpt_obj_type {
	CKPT_OBJ_FILE = 1,
	CKPT_OBJ_PIPE,
	CKPT_OBJ_ALIAS,		/* checkpoint: another name of an object */
	CKPT_OBJ_FILES,		/* a descriptor table, shared by CLONE_FILES */
	CKPT_OBJ_FS,		/* an fs_struct, shared by CLONE_FS */
	CKPT_OBJ_UNIX,		/* a unix socket and its peer */
	CKPT_OBJ_SECCOMP,	/* a seccomp filter */
	CKPT_OBJ_PTY,		/* a pty pair */
};

/**
 * struct ckpt_share - restart: a table several tasks share, built once
 * @lock: held while a task builds or takes it
 * @first: the state of the first task that names it, whose record has
 *	the table's contents
 * @users: the tasks that name it
 * @taken: the tasks that built or took it
 * @files: the descriptor table built (%CKPT_OBJ_FILES), referenced
 * @fs: the fs_struct built (%CKPT_OBJ_FS), one of its users
 *
 * The first task of the tree to restore its table builds it, from
 * @first's record, in its own and publishes it here; the others take it in
 * place of theirs, the last one with the reference held here, so that no
 * reference outlives the restore.
 */
struct ckpt_share {
	struct mutex lock;	/* serializes building and taking */
	struct ckpt_restart_state *first;
	unsigned int users;
	unsigned int taken;
	struct files_struct *files;
	struct fs_struct *fs;
};

/**
 * struct ckpt_fd_entry - a file descriptor to install at restart
 * @fd: its number
 * @cloexec: FD_CLOEXEC
 * @file: the file, referenced; NULL for an inherited descriptor
 */
struct ckpt_fd_entry {
	unsigned int fd;
	bool cloexec;
	struct file *file;
};

/**
 * struct ckpt_owner - a file whose owner (F_SETOWN), or a unix socket
 * whose maker (SO_PEERCRED), is a restored task
 * @file: the file, referenced; NULL for a socket
 * @sk: the unix socket whose SO_PEERCRED names @nr, referenced (a socket
 *	not accepted yet has no file); NULL for a file's owner
 * @type: PIDTYPE_PID, PIDTYPE_TGID or PIDTYPE_PGID
 * @nr: the owner's pid (PIDTYPE_PGID: process group) in the image, or 0
 *	for the task that restores the file
 */
struct ckpt_owner {
	struct file *file;
	struct sock *sk;
	enum pid_type type;
	pid_t nr;
};

/**
 * struct ckpt_lock - restart: a POSIX record lock of the process
 * @file: a file of its inode, referenced
 * @h: its LOCK record
 */
struct ckpt_lock {
	struct file *file;
	struct ckpt_hdr_lock h;
};

/**
 * struct ckpt_unix_connect - restart: a datagram unix socket to connect to
 * its server
 * @file: the socket, referenced
 * @len: the length of @addr
 * @addr: the server's name
 */
struct ckpt_unix_connect {
	struct file *file;
	int len;
	struct sockaddr_un addr;
};

/**
 * struct ckpt_restart_state - what restart(2) has read and checked, and
 * applies after the point of no return
 * @task: the TASK record
 * @cred: the credentials to commit
 * @umask: the umask
 * @cwd: the working directory
 * @root: the root directory
 * @sighand: the SIGHAND record
 * @sigpending: the SIGPENDING record
 * @restart_block: the RESTART_BLOCK record
 * @fds: the descriptors to install
 * @nr_fds: number of @fds
 * @mm: the new address space, built aside
 * @exe_file: the executable of @mm, or NULL
 * @dumpable: the dumpable flag of @mm, set after the credentials
 * @membarrier: the membarrier(2) registrations of @mm
 * @owners: the files the process owns, set once it is current
 * @nr_owners: how many
 * @locks: the POSIX record locks of the process, taken once it has its
 *	descriptor table
 * @nr_locks: how many
 * @connects: its datagram unix sockets to connect to their servers once
 *	every socket exists
 * @nr_connects: how many
 * @files_share: the descriptor table shared with other tasks, or NULL
 * @fs_share: the fs_struct shared with other tasks, or NULL
 * @affinity: the CPUs it may run on, clamped to this machine's; NULL for
 *	an image without an AFFINITY record
 * @seccomp_mode: its seccomp mode, 0 for none
 * @seccomp_filter: in filter mode, its newest filter, which the object
 *	table holds
 * @timers: the POSIX_TIMERS record of the process, or NULL
 * @timer_queued: for each of @timers, whether a SIGPENDING record of the
 *	process holds its signal
 * @timer_alloc: for each of @timers, the timer allocated for it before
 *	the point of no return
 * @timer_threads: the threads of the process still to restore, the last
 *	of which starts the timers
 * @member: the task of the tree whose state this is
 * @thread: a thread that is not the main thread of its process: only the
 *	task, credentials, registers, restart block and its own pending
 *	signals are read
 */
struct ckpt_restart_state {
	struct ckpt_hdr_task task;
	struct cred *cred;
	u32 umask;
	struct path cwd;
	struct path root;
	struct ckpt_hdr_sighand sighand;
	struct ckpt_hdr_sigpending *sigpending;
	struct ckpt_hdr_restart_block restart_block;
	struct ckpt_fd_entry *fds;
	unsigned int nr_fds;
	struct mm_struct *mm;
	struct file *exe_file;
	u32 dumpable;
	u32 membarrier;
	struct ckpt_owner *owners;
	unsigned int nr_owners;
	struct ckpt_lock *locks;
	unsigned int nr_locks;
	struct ckpt_unix_connect *connects;
	unsigned int nr_connects;
	struct ckpt_share *files_share;
	struct ckpt_share *fs_share;
	struct cpumask *affinity;
	u32 seccomp_mode;
	struct seccomp_filter *seccomp_filter;
	struct ckpt_hdr_posix_timers *timers;
	bool *timer_queued;
	struct k_itimer **timer_alloc;
	unsigned int timer_threads;
	struct ckpt_tree_member *member;
	bool thread;
};

/**
 * struct ckpt_tree_member - one task of the tree
 * @e: its entry of the TREE record
 * @task: checkpoint: the task; restart: the task created; referenced
 * @nsw: checkpoint: its context switch count when found stopped
 * @rst: restart: the state its records hold, NULL for a zombie
 * @arch: restart: its architecture state
 * @first_child: restart: index of its first child, -1 for none; the
 *	children of the other threads of a process are its main thread's,
 *	which creates them
 * @next_sibling: restart: index of its next sibling, -1 for none
 * @first_thread: restart: a main thread: index of its first other thread,
 *	-1 for none
 * @next_thread: restart: a thread: index of the next thread of its
 *	process, -1 for none
 * @pgrp: restart: index of the leader of its process group, -1 outside
 * @sess: restart: index of the leader of its session, -1 outside
 * @tree: restart: the tree
 * @work: restart: the task work that restores it
 */
struct ckpt_tree_member {
	struct ckpt_tree_task e;
	struct task_struct *task;
	unsigned long nsw;
	struct ckpt_restart_state *rst;
	void *arch;
	int first_child;
	int next_sibling;
	int first_thread;
	int next_thread;
	int pgrp;
	int sess;
	struct ckpt_tree *tree;
	struct callback_head work;
};

/* A pid of the image and the index of its task. */
struct ckpt_tree_pid {
	pid_t pid;
	int index;
};

/**
 * struct ckpt_tree - the tasks of an image
 * @nr: how many
 * @nr_threads: how many of them are threads that are not main threads
 * @flags: CKPT_TREE_* bits
 * @tasks: the tasks, each parent before its children
 * @pids: restart: the pids of @tasks, sorted
 * @no_pids: restart: an image without a TREE record, whose one task has
 *	no pid
 * @ctx: the operation
 * @new_pidns: restart: the root is created in a new pid namespace
 * @lock: restart: serializes the creation and restore of the tasks
 * @wq: restart: the tasks and the caller wait here; its lock protects the
 *	counts below and @error
 * @created: tasks created
 * @started: processes past step 1
 * @joined: processes past step 2
 * @applied: tasks past step 3, threads included
 * @left: tasks done with the operation (the caller frees it after)
 * @error: the first failure, which kills the tree
 * @released: every task restored and the TCP connections whose peer is
 *	outside let go (ckpt_inet_release()): the tasks may return
 * @outside_pgrp: the process group of the caller, for tasks whose group
 *	was outside the tree
 */
struct ckpt_tree {
	unsigned int nr;
	unsigned int nr_threads;
	u32 flags;
	struct ckpt_tree_member *tasks;
	struct ckpt_tree_pid *pids;
	bool no_pids;
	struct ckpt_ctx *ctx;
	bool new_pidns;
	struct mutex lock;	/* serializes the tasks' steps */
	wait_queue_head_t wq;
	unsigned int created;
	unsigned int started;
	unsigned int joined;
	unsigned int applied;
	unsigned int left;
	int error;
	bool released;
	struct pid *outside_pgrp;
};

/* stream.c */
void ckpt_log_flush(struct ckpt_ctx *ctx);
int ckpt_write(struct ckpt_ctx *ctx, const void *buf, size_t len);
int ckpt_flush(struct ckpt_ctx *ctx);
void ckpt_read_ahead(struct ckpt_ctx *ctx);
loff_t ckpt_read_done(struct ckpt_ctx *ctx);
int ckpt_read(struct ckpt_ctx *ctx, void *buf, size_t len);
int ckpt_read_hdr(struct ckpt_ctx *ctx, struct ckpt_hdr *h);
void ckpt_unread_hdr(struct ckpt_ctx *ctx, const struct ckpt_hdr *h);
int ckpt_read_each(struct ckpt_ctx *ctx, u32 type,
		   int (*fn)(struct ckpt_ctx *ctx, const struct ckpt_hdr *h));
int ckpt_read_payload(struct ckpt_ctx *ctx, struct ckpt_hdr *h, u32 len);
u32 ckpt_crc32c(u32 crc, const void *buf, size_t len);
const char *ckpt_type_name(u32 type);
void *ckpt_read_rest(struct ckpt_ctx *ctx, const struct ckpt_hdr *h, u32 type,
		     u32 min, u32 max);
int ckpt_write_pages(struct ckpt_ctx *ctx, struct page **pages, unsigned int nr);
int ckpt_write_page_record(struct ckpt_ctx *ctx, const struct ckpt_hdr *h, size_t hlen,
			   unsigned int nr);
int ckpt_read_pages(struct ckpt_ctx *ctx, struct page **pages, unsigned int nr);

/* image.c */
int ckpt_write_header(struct ckpt_ctx *ctx);
int ckpt_read_header(struct ckpt_ctx *ctx);
int ckpt_write_tail(struct ckpt_ctx *ctx);
int ckpt_read_tail(struct ckpt_ctx *ctx);

/* objhash.c */
struct hlist_head *ckpt_ptr_table_head(struct ckpt_ptr_table *t, const void *key);
int ckpt_ptr_table_add(struct ckpt_ptr_table *t, struct ckpt_hnode *n, const void *key);
void ckpt_ptr_table_free(struct ckpt_ptr_table *t);
void ckpt_obj_init(struct ckpt_ctx *ctx);
void ckpt_obj_release(struct ckpt_ctx *ctx);
u32 ckpt_obj_lookup(struct ckpt_ctx *ctx, void *ptr);
int ckpt_obj_add(struct ckpt_ctx *ctx, void *ptr, enum ckpt_obj_type type);
int ckpt_obj_alias(struct ckpt_ctx *ctx, void *ptr, u32 objref);
int ckpt_obj_insert(struct ckpt_ctx *ctx, u32 objref, void *ptr,
		    enum ckpt_obj_type type);
void *ckpt_obj_fetch(struct ckpt_ctx *ctx, u32 objref, enum ckpt_obj_type type);
void ckpt_pipe_free(void *pipe);

/* park.c */
int ckpt_park_threads(struct ckpt_ctx *ctx);
bool ckpt_parked(struct ckpt_ctx *ctx, struct task_struct *t);
void ckpt_park_release(struct ckpt_ctx *ctx);

/* process.c */
int ckpt_checkpoint_task(struct ckpt_ctx *ctx);
long ckpt_restart(struct ckpt_ctx *ctx);
long ckpt_restore_current(struct ckpt_ctx *ctx);
long ckpt_restore_thread(struct ckpt_ctx *ctx);
void ckpt_restart_state_free(struct ckpt_ctx *ctx);
bool ckpt_task_quiet(struct task_struct *t);
int ckpt_check_quiet(struct ckpt_ctx *ctx, struct task_struct *t,
		     unsigned long *nsw, bool again);
int ckpt_check_unsupported(struct ckpt_ctx *ctx, struct task_struct *t);
int ckpt_pin_task(struct ckpt_ctx *ctx, struct task_struct *t);
void ckpt_unpin_task(struct ckpt_ctx *ctx, struct task_struct *t);

/* external.c */
int ckpt_check_external(struct ckpt_ctx *ctx, bool written);

/* tree.c */
int ckpt_collect_tree(struct ckpt_ctx *ctx);
int ckpt_write_tree(struct ckpt_ctx *ctx);
int ckpt_recheck_tree(struct ckpt_ctx *ctx);
bool ckpt_is_pidns_root(struct ckpt_ctx *ctx, struct task_struct *t);
int ckpt_read_tree(struct ckpt_ctx *ctx);
long ckpt_restart_tree(struct ckpt_ctx *ctx);
void ckpt_tree_free(struct ckpt_ctx *ctx);
struct task_struct *ckpt_tree_next(struct task_struct *root, struct task_struct *t);
int ckpt_tree_spawn_threads(struct ckpt_ctx *ctx);
int ckpt_tree_thread(struct ckpt_ctx *ctx, struct ckpt_tree_member *m, pid_t nr);
int ckpt_path_name(struct ckpt_ctx *ctx, const struct path *path, char *buf,
		   int size, const char **name);

/* creds.c */
int ckpt_write_creds(struct ckpt_ctx *ctx, struct task_struct *t);
int ckpt_read_creds(struct ckpt_ctx *ctx);

/* signal.c */
int ckpt_write_task(struct ckpt_ctx *ctx, struct task_struct *t);
int ckpt_read_task(struct ckpt_ctx *ctx);
void ckpt_restore_task(struct ckpt_ctx *ctx);
void ckpt_restore_task_thread(struct ckpt_ctx *ctx);
int ckpt_write_sched(struct ckpt_ctx *ctx, struct task_struct *t,
		     struct ckpt_hdr_task *h);
int ckpt_check_sched(struct ckpt_ctx *ctx, const struct ckpt_hdr_task *h);
int ckpt_restore_sched(struct ckpt_ctx *ctx);
int ckpt_write_affinity(struct ckpt_ctx *ctx, struct task_struct *t);
int ckpt_read_affinity(struct ckpt_ctx *ctx);
int ckpt_write_sighand(struct ckpt_ctx *ctx, struct task_struct *t);
int ckpt_read_sighand(struct ckpt_ctx *ctx);
int ckpt_write_sigpending(struct ckpt_ctx *ctx, struct task_struct *t);
int ckpt_read_sigpending(struct ckpt_ctx *ctx);
int ckpt_restore_signals(struct ckpt_ctx *ctx);
void ckpt_restore_thread_signals(struct ckpt_ctx *ctx);

/* restart_block.c */
int ckpt_write_restart_block(struct ckpt_ctx *ctx, struct task_struct *t);
int ckpt_read_restart_block(struct ckpt_ctx *ctx);
void ckpt_restore_restart_block(struct ckpt_ctx *ctx);

/**
 * struct ckpt_file_rec - the FILE record of a file being checkpointed
 * @h: the record, with PATH_MAX bytes of room for its path; files.c fills
 *	the fields every kind has, the kind its own (see struct ckpt_hdr_file)
 * @who: what holds the file, for the log ("fd 5", "the mapping at 0x...")
 * @name: the path or name the record carries ("" for none)
 * @buf: PATH_MAX bytes of room for @name
 * @walk: the pages of a shared memory object, counted before the record
 *	and written after it
 * @priv: what the kind keeps from @checkpoint to @checkpoint_after, freed
 *	with kvfree() after
 */
struct ckpt_file_rec {
	struct ckpt_hdr_file *h;
	const char *who;
	const char *name;
	char *buf;
	struct ckpt_walk walk;
	void *priv;
};

/**
 * struct ckpt_file_ops - one kind of open file, a CKPT_FILE_* type
 * @type: the CKPT_FILE_* type of its FILE records
 * @match: checkpoint: is @file of this kind?  Decides, logs nothing.
 * @check: checkpoint, optional: what the kind refuses of @file, checked
 *	before anything is written (see ckpt_check_file()); 0 or a negative
 *	errno, logged naming @who
 * @checkpoint: checkpoint: write the records the FILE record refers to
 *	(a PIPE record), fill the kind's fields of @r->h and @r->name;
 *	0 or a negative errno, logged
 * @checkpoint_after: checkpoint, optional: once the FILE record has its
 *	object reference and is written, the records that follow it (the
 *	pages of a memfd); 0 or a negative errno, logged
 * @restart: restart: check the kind's fields of @h and re-create or
 *	reopen the file, with the access mode of @h->f_flags (the status
 *	flags are set after); the file or an ERR_PTR(), logged
 * @fasync: checkpoint, optional: the head of the list of fasync entries
 *	(O_ASYNC) that the file's ->fasync() keeps, where its own entry holds
 *	the descriptor its signals carry; a file whose ->fasync() its kind
 *	cannot see this way is refused with O_ASYNC
 *
 * checkpoint/files.c holds the table of every kind, in the order they are
 * tried; a file that no kind matches is refused with a line naming it.
 */
struct ckpt_file_ops {
	u32 type;
	bool (*match)(struct ckpt_ctx *ctx, struct file *file);
	int (*check)(struct ckpt_ctx *ctx, struct file *file, const char *who);
	int (*checkpoint)(struct ckpt_ctx *ctx, struct file *file,
			  struct ckpt_file_rec *r);
	int (*checkpoint_after)(struct ckpt_ctx *ctx, struct file *file,
				struct ckpt_file_rec *r);
	struct file *(*restart)(struct ckpt_ctx *ctx, const struct ckpt_hdr_file *h);
	struct fasync_struct **(*fasync)(struct file *file);
};

/* The kinds, one file each. */
extern const struct ckpt_file_ops ckpt_file_regular_ops;
extern const struct ckpt_file_ops ckpt_file_dir_ops;
extern const struct ckpt_file_ops ckpt_file_chr_ops;
extern const struct ckpt_file_ops ckpt_file_pipe_ops;
extern const struct ckpt_file_ops ckpt_file_fifo_ops;
extern const struct ckpt_file_ops ckpt_file_memfd_ops;
extern const struct ckpt_file_ops ckpt_file_shmem_ops;
extern const struct ckpt_file_ops ckpt_file_ghost_ops;
extern const struct ckpt_file_ops ckpt_file_eventfd_ops;
extern const struct ckpt_file_ops ckpt_file_signalfd_ops;
extern const struct ckpt_file_ops ckpt_file_timerfd_ops;
extern const struct ckpt_file_ops ckpt_file_epoll_ops;
extern const struct ckpt_file_ops ckpt_file_unix_ops;
extern const struct ckpt_file_ops ckpt_file_inet_ops;
extern const struct ckpt_file_ops ckpt_file_inotify_ops;
extern const struct ckpt_file_ops ckpt_file_pty_ops;
extern const struct ckpt_file_ops ckpt_file_tty_inherited_ops;

/* file_unix.c, with AF_UNIX built in */
#if IS_BUILTIN(CONFIG_UNIX)
int ckpt_read_unix(struct ckpt_ctx *ctx, const struct ckpt_hdr *hdr);
void ckpt_unix_set_peer_pid(struct sock *sk, struct pid *pid);
void ckpt_unix_free(void *ptr);
int ckpt_unix_connect_tree(struct ckpt_ctx *ctx);
void ckpt_unix_connects_free(struct ckpt_restart_state *rst);
int ckpt_unix_write_queues(struct ckpt_ctx *ctx);
void ckpt_unix_queues_free(struct ckpt_ctx *ctx);
int ckpt_unix_read_queues(struct ckpt_ctx *ctx);
#else
static inline void ckpt_unix_set_peer_pid(struct sock *sk, struct pid *pid) { }
static inline void ckpt_unix_free(void *ptr) { }
static inline int ckpt_unix_connect_tree(struct ckpt_ctx *ctx) { return 0; }
static inline void ckpt_unix_connects_free(struct ckpt_restart_state *rst) { }
static inline int ckpt_unix_write_queues(struct ckpt_ctx *ctx) { return 0; }
static inline void ckpt_unix_queues_free(struct ckpt_ctx *ctx) { }
static inline int ckpt_unix_read_queues(struct ckpt_ctx *ctx) { return 0; }
#endif

/* posix_timer.c */
int ckpt_check_posix_timers(struct ckpt_ctx *ctx, struct task_struct *t);
int ckpt_pause_posix_timers(struct ckpt_ctx *ctx);
void ckpt_resume_posix_timers(struct ckpt_ctx *ctx);
int ckpt_write_posix_timers(struct ckpt_ctx *ctx, struct task_struct *t);
int ckpt_read_posix_timers(struct ckpt_ctx *ctx);
int ckpt_check_timer_signal(struct ckpt_ctx *ctx, const struct ckpt_sigpending_entry *e);
int ckpt_restore_posix_timers(struct ckpt_ctx *ctx);
void ckpt_start_posix_timers(struct ckpt_ctx *ctx);
void ckpt_posix_timers_free(struct ckpt_restart_state *rst);

/* seccomp.c */
int ckpt_check_seccomp(struct ckpt_ctx *ctx, struct task_struct *t);
int ckpt_write_seccomp(struct ckpt_ctx *ctx, struct task_struct *t);
int ckpt_read_seccomp(struct ckpt_ctx *ctx);
int ckpt_restore_seccomp(struct ckpt_ctx *ctx);

/* socket.c, with networking */
int ckpt_sock_check(struct ckpt_ctx *ctx, struct sock *sk, const char *who,
		    const char *kind);
void ckpt_sock_save(struct sock *sk, struct ckpt_sock_opts *o);
bool ckpt_sock_opts_valid(const struct ckpt_sock_opts *o);
int ckpt_sock_set_bufs(struct ckpt_ctx *ctx, struct socket *sock,
		       const struct ckpt_sock_opts *o);
int ckpt_sock_restore(struct ckpt_ctx *ctx, struct socket *sock,
		      const struct ckpt_sock_opts *o, u32 skip);
struct fasync_struct **ckpt_sock_fasync(struct file *file);

/* file_inet.c, with TCP/IP built in */
#if IS_BUILTIN(CONFIG_INET)
int ckpt_inet_connect_all(struct ckpt_ctx *ctx);
bool ckpt_inet_holds(struct ckpt_ctx *ctx, struct file *file);
void ckpt_inet_release(struct ckpt_ctx *ctx);
void ckpt_inet_finish(struct ckpt_ctx *ctx, bool ok);
void ckpt_inet_free(struct ckpt_ctx *ctx);
#else
static inline int ckpt_inet_connect_all(struct ckpt_ctx *ctx) { return 0; }
static inline bool ckpt_inet_holds(struct ckpt_ctx *ctx, struct file *file)
{
	return false;
}

static inline void ckpt_inet_release(struct ckpt_ctx *ctx) { }
static inline void ckpt_inet_finish(struct ckpt_ctx *ctx, bool ok) { }
static inline void ckpt_inet_free(struct ckpt_ctx *ctx) { }
#endif

/* file_inotify.c, with inotify */
#ifdef CONFIG_INOTIFY_USER
int ckpt_inotify_watch_all(struct ckpt_ctx *ctx);
void ckpt_inotify_free(struct ckpt_ctx *ctx);
#else
static inline int ckpt_inotify_watch_all(struct ckpt_ctx *ctx) { return 0; }
static inline void ckpt_inotify_free(struct ckpt_ctx *ctx) { }
#endif

/* file_pty.c, with terminals */
#ifdef CONFIG_TTY
int ckpt_read_pty(struct ckpt_ctx *ctx, const struct ckpt_hdr *hdr);
void ckpt_pty_free(void *ptr);
void ckpt_pty_free_ctx(struct ckpt_ctx *ctx);
void ckpt_pty_tree_ctty(struct ckpt_ctx *ctx);
int ckpt_pty_check_end(struct ckpt_ctx *ctx);
int ckpt_pty_check_restart(struct ckpt_ctx *ctx, bool self);
int ckpt_tty_read_inherited(struct ckpt_ctx *ctx);
void ckpt_pty_restore_ctty(struct ckpt_ctx *ctx);
#else
static inline void ckpt_pty_free(void *ptr) { }
static inline void ckpt_pty_free_ctx(struct ckpt_ctx *ctx) { }
static inline void ckpt_pty_tree_ctty(struct ckpt_ctx *ctx) { }
static inline int ckpt_pty_check_end(struct ckpt_ctx *ctx) { return 0; }
static inline int ckpt_pty_check_restart(struct ckpt_ctx *ctx, bool self) { return 0; }
static inline int ckpt_tty_read_inherited(struct ckpt_ctx *ctx) { return 0; }
static inline void ckpt_pty_restore_ctty(struct ckpt_ctx *ctx) { }
#endif

/* locks.c */
int ckpt_check_locks(struct ckpt_ctx *ctx, struct file *file, const char *who);
int ckpt_write_file_locks(struct ckpt_ctx *ctx, struct file *file, u32 objref);
int ckpt_write_posix_locks(struct ckpt_ctx *ctx, struct files_struct *files,
			   struct file *file, u32 objref);
int ckpt_read_lock(struct ckpt_ctx *ctx, const struct ckpt_hdr *hdr);
int ckpt_restore_locks(struct ckpt_ctx *ctx, struct ckpt_restart_state *rst);
void ckpt_locks_free(struct ckpt_restart_state *rst);

/* file_pipe.c */
int ckpt_read_pipe(struct ckpt_ctx *ctx, const struct ckpt_hdr *hdr);

/* file_regular.c */
bool ckpt_is_own_proc_file(struct ckpt_ctx *ctx, struct file *file);

/* files.c */
int ckpt_check_files(struct ckpt_ctx *ctx, struct task_struct *t);
pid_t ckpt_owner_in_tree(struct ckpt_ctx *ctx, struct pid *pid, enum pid_type type);
int ckpt_restore_peer_pid(struct ckpt_ctx *ctx, struct sock *sk, pid_t nr);
struct file *ckpt_next_file(struct task_struct *t, unsigned int *fd);
struct file *ckpt_tree_find_file(struct ckpt_ctx *ctx,
				 bool (*match)(struct file *file, void *arg), void *arg);
bool ckpt_tree_has_file(struct ckpt_ctx *ctx, struct file *file);
const struct ckpt_file_ops *ckpt_check_file(struct ckpt_ctx *ctx, struct file *file,
					    const char *who);
int ckpt_fd_inherited(struct ckpt_ctx *ctx, struct task_struct *t,
		      unsigned int fd, struct file *file);
const char *ckpt_file_name(struct file *file, char *buf, int size);
void ckpt_share_free(void *share);
struct file *ckpt_open_again(struct ckpt_ctx *ctx, struct file *first,
			     u32 f_flags);
int ckpt_write_fs(struct ckpt_ctx *ctx, struct task_struct *t);
int ckpt_read_fs(struct ckpt_ctx *ctx);
void ckpt_restore_fs(struct ckpt_ctx *ctx);
int ckpt_write_file_obj(struct ckpt_ctx *ctx, struct file *file,
			const char *who, u32 *objref);
struct file *ckpt_read_file_ref(struct ckpt_ctx *ctx, u32 objref);
int ckpt_write_files(struct ckpt_ctx *ctx, struct task_struct *t);
int ckpt_read_files(struct ckpt_ctx *ctx);
int ckpt_restore_files(struct ckpt_ctx *ctx);
void ckpt_restore_owners(struct ckpt_ctx *ctx);
int ckpt_read_object(struct ckpt_ctx *ctx, const struct ckpt_hdr *h);

/* memory.c */
int ckpt_check_mm(struct ckpt_ctx *ctx, struct task_struct *t);
int ckpt_write_mm(struct ckpt_ctx *ctx, struct task_struct *t);
int ckpt_read_mm(struct ckpt_ctx *ctx);
int ckpt_restore_mm(struct ckpt_ctx *ctx);
void ckpt_restore_mm_creds(struct ckpt_ctx *ctx);
int ckpt_write_shmem_pages(struct ckpt_ctx *ctx, struct file *file, u32 *nr,
			   struct ckpt_walk *walk);
int ckpt_walk_reserve(struct ckpt_walk *w);
void ckpt_walk_add(struct ckpt_walk *w, u64 addr);
int ckpt_read_shmem_at(struct ckpt_ctx *ctx, struct file *file, const u64 *off,
		       unsigned int n);

/* precopy.c */
int ckpt_precopy(struct ckpt_ctx *ctx);
void ckpt_precopy_finish(struct ckpt_ctx *ctx, bool ok);
struct ckpt_pc_mm *ckpt_precopy_mm(struct ckpt_ctx *ctx, struct mm_struct *mm);
u32 ckpt_precopy_mm_id(const struct ckpt_pc_mm *pm);
bool ckpt_precopy_unchanged(struct ckpt_pc_mm *pm, struct vm_area_struct *vma,
			    unsigned long addr, pte_t pte, struct folio *folio);
bool ckpt_precopy_stale(struct ckpt_ctx *ctx);
int ckpt_precopy_read(struct ckpt_ctx *ctx);
struct file *ckpt_precopy_staged(struct ckpt_ctx *ctx, u32 mm_id);
bool ckpt_is_ghost(struct file *file);
bool ckpt_is_shmem_object(struct file *file);
bool ckpt_is_internal_shmem(struct file *file);
int ckpt_read_shmem_pages(struct ckpt_ctx *ctx, struct file *file, u32 nr);
int ckpt_write_file_data(struct ckpt_ctx *ctx, struct file *file, loff_t size, u32 *nr,
			 struct ckpt_walk *walk);
int ckpt_read_file_data(struct ckpt_ctx *ctx, struct file *file, u32 nr, loff_t size);

#endif /* _CHECKPOINT_INTERNAL_H */
