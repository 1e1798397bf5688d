/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * checkpoint(2) and restart(2): system call numbers and flags.
 *
 * The image format these calls write and read is described in
 * <linux/checkpoint_hdr.h> and Documentation/checkpoint/.
 */
#ifndef _UAPI_LINUX_CHECKPOINT_H
#define _UAPI_LINUX_CHECKPOINT_H

#include <asm/unistd.h>

/*
 * The system call numbers are the same on every architecture that
 * implements checkpoint/restart (x86_64, s390x, powerpc and arm) and come
 * from <asm/unistd.h>.  These definitions only fill in for older headers.
 */
#ifndef __NR_checkpoint
#if defined(__x86_64__) && defined(__ILP32__)
#define __NR_checkpoint		(0x40000000 + 480)	/* x32 */
#define __NR_restart		(0x40000000 + 481)
#else
#define __NR_checkpoint		480
#define __NR_restart		481
#endif
#endif

/*
 * Flags of checkpoint(2).
 *
 * CKPT_CHECKPOINT_INHERIT_STDIO: file descriptors 0, 1 and 2 are inherited
 *	from whoever restarts the image, as a shell job inherits its
 *	terminal.  checkpoint(2) records them as inherited, whatever they
 *	are, and restart(2) gives the restarted process its caller's
 *	descriptors 0, 1 and 2.  Any other descriptor of the tree that is
 *	the same open file as one of these three (a dup(2) of it, a child's
 *	copy) is given the caller's same descriptor too.  The terminal of
 *	one of them is inherited so: another open of it (/dev/tty) is
 *	opened again on the terminal of the caller's same descriptor, and
 *	a session of the tree whose controlling terminal it is gets the
 *	caller's terminal as its own, which must be no session's yet (a
 *	new pty's slave whose master the caller holds, as script(1)).
 *
 * CKPT_CHECKPOINT_EXTERNAL_SHMEM: shared memory of the tree (a memfd, a
 *	MAP_SHARED | MAP_ANONYMOUS mapping) that a process outside the tree
 *	maps or holds too is saved, as it is at checkpoint, with the tree.
 *	After restart the restored tasks share it with each other but no
 *	longer with the outside process.  Without this flag such memory
 *	makes checkpoint(2) fail with EOPNOTSUPP.
 *
 * CKPT_CHECKPOINT_TCP_ESTABLISHED: a TCP connection whose peer is outside
 *	the tree (another process, another machine) is saved, and moves to
 *	the image: from the moment checkpoint(2) reads it, the packets its
 *	peer sends are dropped, as lost on the way, and after a successful
 *	checkpoint the original's socket is left in TCP repair mode (its
 *	reads fail with EPERM, its writes with EINVAL) and is held by the
 *	kernel, silent, so that neither its close nor the original's exit
 *	sends its peer anything.  restart(2) with
 *	CKPT_RESTART_TCP_ESTABLISHED takes the connection over; its peer
 *	sees a pause, and sends again what it sent meanwhile.  A connection
 *	no restart takes over within 600 seconds is dropped without a
 *	packet.  A failed checkpoint lets the connection go on.  Needs
 *	CAP_NET_ADMIN over the socket's network namespace.  Without this
 *	flag such a connection makes checkpoint(2) fail with EOPNOTSUPP.
 *
 * CKPT_CHECKPOINT_PRECOPY: the tree may be running (not the caller's own
 *	process): its private memory is written while it runs, in rounds
 *	(all of it, then what it wrote to since, until that is little or no
 *	less than the round before), then checkpoint(2) stops each process
 *	of the tree with SIGSTOP and writes the rest of the image, with only
 *	the pages written to since the last round.  The tree stays stopped
 *	afterwards, as a plain checkpoint leaves a stopped tree; a failed
 *	checkpoint continues (SIGCONT) the processes it stopped.  The time
 *	the tree is stopped is that of the last round and the rest of the
 *	image, not that of all its memory.  Shared memory and files are
 *	written at the stop, as without the flag.  restart(2) takes the
 *	image as any other, with no flag.
 *
 * Any other bit fails with EINVAL, so that flags added later can be
 * detected by user space.
 */
#define CKPT_CHECKPOINT_INHERIT_STDIO	(1UL << 0)
#define CKPT_CHECKPOINT_EXTERNAL_SHMEM	(1UL << 1)
#define CKPT_CHECKPOINT_TCP_ESTABLISHED	(1UL << 2)
#define CKPT_CHECKPOINT_PRECOPY		(1UL << 3)

/*
 * Flags of restart(2).
 *
 * Without a flag, an image of one process turns the caller into that
 * process, as execve(2) would; an image of a tree of processes is restored
 * as with CKPT_RESTART_NEW_PIDNS.
 *
 * CKPT_RESTART_NEW_PIDNS: the tasks of the image are created as a new
 *	tree, child of the caller, in a new pid namespace.  Its root is the
 *	init (pid 1) of the namespace; every other task gets the pid it had.
 *	Needs CAP_SYS_ADMIN, as clone(CLONE_NEWPID).  restart(2) returns the
 *	pid of the root in the caller's namespace.
 *
 * CKPT_RESTART_SAME_PIDS: the tasks of the image are created as a new tree,
 *	child of the caller, in the caller's pid namespace, each with the pid
 *	it had; a pid that is taken fails with EBUSY.  Needs
 *	CAP_CHECKPOINT_RESTORE (or CAP_SYS_ADMIN) over that namespace, as
 *	clone3()'s set_tid.  restart(2) returns the pid of the root.
 *
 * CKPT_RESTART_TCP_ESTABLISHED: the TCP connections of the image whose
 *	peer was outside the tree (saved with CKPT_CHECKPOINT_TCP_ESTABLISHED)
 *	are restored with their addresses, sequence numbers and queues, and
 *	take over from the original's socket that checkpoint(2) left held;
 *	packets from the peer are dropped until the point of no return, then
 *	the connection goes on.  A failed restart leaves them held for
 *	another.  Needs CAP_NET_ADMIN over the caller's network namespace;
 *	the local address must be one of this machine.  Without this flag
 *	an image with such a connection makes restart(2) fail with
 *	EOPNOTSUPP.
 *
 * Any other bit, or both CKPT_RESTART_NEW_PIDNS and CKPT_RESTART_SAME_PIDS,
 * fails with EINVAL.
 */
#define CKPT_RESTART_NEW_PIDNS		(1UL << 0)
#define CKPT_RESTART_SAME_PIDS		(1UL << 1)
#define CKPT_RESTART_TCP_ESTABLISHED	(1UL << 2)

#endif /* _UAPI_LINUX_CHECKPOINT_H */
