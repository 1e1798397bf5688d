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

#include <linux/types.h>

/* Version of the image format this header describes. */
#define CKPT_VERSION		1

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
 */
enum ckpt_hdr_type {
	CKPT_HDR_HEADER = 1,
	CKPT_HDR_HEADER_ARCH = 2,
	CKPT_HDR_TAIL = 3,
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
 * struct ckpt_hdr_tail - the last record of an image
 * @h: type %CKPT_HDR_TAIL, len sizeof(struct ckpt_hdr_tail)
 * @magic: %CKPT_TAIL_MAGIC, without its terminating NUL
 * @crc32c: CRC32C (Castagnoli, reflected, initial value and final xor
 *	0xffffffff) of every byte of the image before this record
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

#endif /* _UAPI_LINUX_CHECKPOINT_HDR_H */
