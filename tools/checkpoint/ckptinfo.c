// SPDX-License-Identifier: GPL-2.0
/*
 * ckptinfo: decode and print the records of a checkpoint image.
 *
 *   ckptinfo FILE      (FILE "-" reads standard input)
 *
 * Prints the header, the CPU feature record, any other record by type and
 * length, and the tail with the verdict of its checksum.  Exits 0 for a
 * well-formed image, 1 for a malformed one, 2 on a usage or I/O error.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/checkpoint_hdr.h>
#include <asm/checkpoint_hdr.h>

static const char *prog = "ckptinfo";

static uint32_t crc32c(const uint8_t *p, size_t len)
{
	uint32_t crc = 0xffffffff;

	while (len--) {
		crc ^= *p++;
		for (int i = 0; i < 8; i++)
			crc = (crc >> 1) ^ (0x82f63b78 & -(crc & 1));
	}
	return ~crc;
}

static int bad(size_t off, const char *what)
{
	fprintf(stderr, "%s: malformed image at offset %zu: %s\n", prog, off, what);
	return 1;
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

static int print_header(const uint8_t *buf, size_t len)
{
	const struct ckpt_hdr_header *h = (const void *)buf;
	const uint16_t one = 1;
	unsigned int native = *(const uint8_t *)&one ? CKPT_ENDIAN_LITTLE : CKPT_ENDIAN_BIG;
	char when[64];
	time_t t;

	if (len < sizeof(*h))
		return bad(0, "shorter than the header record");
	if (memcmp(h->magic, CKPT_HEADER_MAGIC, CKPT_MAGIC_LEN))
		return bad(0, "bad magic: not a checkpoint image");
	if (h->endian != native) {
		fprintf(stderr, "%s: image of the other byte order (%s endian); "
			"decode it on such a machine\n", prog,
			h->endian == CKPT_ENDIAN_BIG ? "big" : "little");
		return 1;
	}
	if (h->h.type != CKPT_HDR_HEADER || h->h.len != sizeof(*h))
		return bad(0, "first record is not a header");
	t = h->time_sec;
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime(&t));
	printf("@0 header (len %u)\n", h->h.len);
	printf("  format version  %u\n", h->version);
	printf("  arch            %s (id %u), %u-bit, %s endian\n",
	       arch_name(h->arch_id, h->endian), h->arch_id, h->word_size * 8,
	       h->endian == CKPT_ENDIAN_BIG ? "big" : "little");
	printf("  page size       %u\n", h->page_size);
	printf("  kernel          %.*s %.*s %.*s\n", CKPT_UTS_LEN, h->uts_release,
	       CKPT_UTS_LEN, h->uts_machine, CKPT_UTS_LEN, h->uts_version);
	printf("  checkpoint id   %" PRIu64 "\n", (uint64_t)h->ckpt_id);
	printf("  time            %s (+%u ns)\n", when, h->time_nsec);
	printf("  flags           %#" PRIx64 "\n", (uint64_t)h->flags);
	printf("  constants       TASK_COMM_LEN %u, signals %u, rlimits %u\n",
	       h->task_comm_len, h->nsig, h->nr_rlimits);
	return 0;
}

static void print_arch(const struct ckpt_hdr_header_arch *a)
{
	printf("  features        %#" PRIx64 "\n", (uint64_t)a->features);
#if defined(__x86_64__)
	const struct ckpt_hdr_arch_x86 *x = (const void *)a;

	if (a->h.len == sizeof(*x))
		printf("  x86             %s%s xfeatures %#" PRIx64 ", xstate %u bytes\n",
		       a->features & CKPT_X86_FEAT_FXSR ? "FXSR " : "",
		       a->features & CKPT_X86_FEAT_XSAVE ? "XSAVE" : "",
		       (uint64_t)x->xfeatures, x->xstate_size);
#elif defined(__s390x__)
	printf("  s390            %s\n",
	       a->features & CKPT_S390_FEAT_VX ? "vector facility" : "no vector facility");
#elif defined(__powerpc64__)
	printf("  powerpc        %s%s%s%s\n",
	       a->features & CKPT_PPC_FEAT_FPU ? " FPU" : "",
	       a->features & CKPT_PPC_FEAT_VMX ? " VMX" : "",
	       a->features & CKPT_PPC_FEAT_VSX ? " VSX" : "",
	       a->features & CKPT_PPC_FEAT_DAWR ? " DAWR" : "");
#elif defined(__arm__)
	const struct ckpt_hdr_arch_arm *r = (const void *)a;

	if (a->h.len == sizeof(*r))
		printf("  arm             ARMv%u, %s, %u VFP registers%s\n",
		       r->isa_level, r->mmu ? "MMU" : "no MMU", r->vfp_nregs,
		       a->features & CKPT_ARM_FEAT_NEON ? ", NEON" : "");
#endif
}

static int decode(const uint8_t *buf, size_t len)
{
	size_t off, next;
	unsigned int nr = 0;
	int ret = print_header(buf, len);

	if (ret)
		return ret;
	for (off = sizeof(struct ckpt_hdr_header), nr = 1; ; off = next, nr++) {
		const struct ckpt_hdr *h = (const void *)(buf + off);

		if (off == len)
			return bad(off, "truncated: no tail record");
		if (off + sizeof(*h) > len)
			return bad(off, "truncated record header");
		if (h->len < sizeof(*h))
			return bad(off, "record length too small");
		next = off + ((h->len + CKPT_ALIGN - 1) & ~(size_t)(CKPT_ALIGN - 1));
		if (next > len)
			return bad(off, "truncated record");
		for (size_t i = off + h->len; i < next; i++)
			if (buf[i])
				return bad(i, "non-zero padding");

		switch (h->type) {
		case CKPT_HDR_HEADER_ARCH:
			printf("@%zu arch header (len %u)\n", off, h->len);
			if (h->len < sizeof(struct ckpt_hdr_header_arch))
				return bad(off, "arch header too short");
			print_arch((const void *)h);
			break;
		case CKPT_HDR_TAIL: {
			const struct ckpt_hdr_tail *t = (const void *)h;
			uint32_t crc = crc32c(buf, off);

			printf("@%zu tail (len %u)\n", off, h->len);
			if (h->len != sizeof(*t) || memcmp(t->magic, CKPT_TAIL_MAGIC, CKPT_MAGIC_LEN))
				return bad(off, "bad tail record");
			printf("  records         %u before the tail (counted %u)\n",
			       t->nr_records, nr);
			printf("  length          %" PRIu64 " bytes before the tail (counted %zu)\n",
			       (uint64_t)t->image_len, off);
			printf("  checksum        %#010x, computed %#010x: %s\n",
			       t->crc32c, crc, t->crc32c == crc ? "OK" : "MISMATCH");
			if (next != len)
				return bad(next, "data after the tail");
			if (t->crc32c != crc || t->nr_records != nr || t->image_len != off)
				return 1;
			printf("image OK: %zu bytes, %u records\n", len, nr + 1);
			return 0;
		}
		case CKPT_HDR_HEADER:
			return bad(off, "second header record");
		default:
			printf("@%zu record type %u (len %u)\n", off, h->type, h->len);
		}
	}
}

int main(int argc, char **argv)
{
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd, ret;

	if (argc != 2 || argv[1][0] == '\0' ||
	    (argv[1][0] == '-' && argv[1][1] != '\0')) {
		fprintf(stderr, "usage: %s FILE\n"
			"Decode the checkpoint image in FILE (- for standard input).\n",
			prog);
		return 2;
	}
	fd = strcmp(argv[1], "-") ? open(argv[1], O_RDONLY) : 0;
	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, argv[1], strerror(errno));
		return 2;
	}
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			if (!buf) {
				fprintf(stderr, "%s: out of memory\n", prog);
				return 2;
			}
		}
		n = read(fd, buf + len, cap - len);
		if (n > 0)
			len += n;
	} while (n > 0);
	if (n < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, argv[1], strerror(errno));
		return 2;
	}
	ret = decode(buf, len);
	free(buf);
	return ret;
}
