// SPDX-License-Identifier: GPL-2.0
/*
 * checkpoint(2) image header, CPU feature record, record layout and tail:
 * write an image of a process into a file and into a pipe, parse it with
 * the uapi headers, compare every header field with what the running
 * system reports, check that every record in between is well-formed, of a
 * known type and in the documented order, and restart the image in a child,
 * which must become the checkpointed process.
 *
 * On an architecture whose task checkpoint is not implemented yet, the
 * tests that need an image are skipped with the kernel's reason.
 */

#include "ckpt_task.h"

#include <sched.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>

#include "../kselftest_harness.h"

/* How long a restarted child may take to exit. */
#define RESTART_TIMEOUT	60

static bool host_big_endian(void)
{
	const uint16_t one = 1;

	return *(const uint8_t *)&one == 0;
}

#if defined(__x86_64__)
static void cpuid_count(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

static void check_arch_header(struct __test_metadata *_metadata,
			      const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_arch_x86 *a = (const void *)h;
	bool xsave;
	uint32_t r[4];

	ASSERT_EQ(sizeof(*a), h->len);
	cpuid_count(1, 0, r);
	EXPECT_EQ(!!(r[3] & (1u << 24)), !!(a->a.features & CKPT_X86_FEAT_FXSR));
	xsave = (r[2] & (1u << 26)) && (r[2] & (1u << 27));
	ASSERT_EQ(xsave, !!(a->a.features & CKPT_X86_FEAT_XSAVE));
	if (xsave) {
		uint32_t lo, hi;

		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		/* The user components are the ones enabled in XCR0. */
		EXPECT_EQ(((uint64_t)hi << 32 | lo), a->xfeatures);
		cpuid_count(0xd, 0, r);
		EXPECT_EQ(r[1], a->xstate_size);
		/* x87 and SSE state are always there. */
		EXPECT_EQ(3, a->xfeatures & 3);
	} else {
		EXPECT_EQ(0, a->xfeatures);
		EXPECT_EQ(0, a->xstate_size);
	}
	EXPECT_EQ(0, a->__reserved);
}
#elif defined(__s390x__)
/* HWCAP_S390_VXRS of the kernel's asm/elf.h, which is not uapi. */
#define CKPT_HWCAP_S390_VXRS	(1UL << 11)

static void check_arch_header(struct __test_metadata *_metadata,
			      const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_arch_s390 *a = (const void *)h;

	ASSERT_EQ(sizeof(*a), h->len);
	EXPECT_EQ(!!(getauxval(AT_HWCAP) & CKPT_HWCAP_S390_VXRS),
		  !!(a->a.features & CKPT_S390_FEAT_VX));
}
#elif defined(__powerpc64__)
static void check_arch_header(struct __test_metadata *_metadata,
			      const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_arch_ppc *a = (const void *)h;
	unsigned long hwcap = getauxval(AT_HWCAP);

	ASSERT_EQ(sizeof(*a), h->len);
	EXPECT_EQ(!!(hwcap & PPC_FEATURE_HAS_FPU), !!(a->a.features & CKPT_PPC_FEAT_FPU));
	EXPECT_EQ(!!(hwcap & PPC_FEATURE_HAS_ALTIVEC),
		  !!(a->a.features & CKPT_PPC_FEAT_VMX));
	EXPECT_EQ(!!(hwcap & PPC_FEATURE_HAS_VSX), !!(a->a.features & CKPT_PPC_FEAT_VSX));
}
#elif defined(__arm__)
static void check_arch_header(struct __test_metadata *_metadata,
			      const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_arch_arm *a = (const void *)h;
	unsigned long hwcap = getauxval(AT_HWCAP);

	ASSERT_EQ(sizeof(*a), h->len);
	EXPECT_EQ(7, a->isa_level);
	EXPECT_EQ(1, a->mmu);
	EXPECT_EQ(!!(hwcap & HWCAP_VFP), !!(a->a.features & CKPT_ARM_FEAT_VFP));
	EXPECT_EQ(!!(hwcap & HWCAP_NEON), !!(a->a.features & CKPT_ARM_FEAT_NEON));
	if (hwcap & HWCAP_VFP) {
		EXPECT_EQ((hwcap & HWCAP_VFPD32) ? 32 : 16, a->vfp_nregs);
	} else {
		EXPECT_EQ(0, a->vfp_nregs);
	}
	EXPECT_EQ(0, a->__reserved);
}
#else
#error "checkpoint selftests: unsupported architecture"
#endif

/* What the checkpointed process had open, for the FD records. */
struct fd_expect {
	int image_fd;		/* the image: a self checkpoint does not save it */
};

/* The records an image of one process holds, in this order; others between. */
static const uint32_t fixed_order[] = {
	CKPT_HDR_HEADER, CKPT_HDR_HEADER_ARCH, CKPT_HDR_TREE, CKPT_HDR_TASK,
	CKPT_HDR_AFFINITY, CKPT_HDR_CREDS,
	CKPT_HDR_FS, CKPT_HDR_SIGHAND, CKPT_HDR_FILES, CKPT_HDR_MM,
	CKPT_HDR_MM_CONTEXT, CKPT_HDR_CPU, CKPT_HDR_THREAD, CKPT_HDR_RESTART_BLOCK,
	CKPT_HDR_SIGPENDING, CKPT_HDR_TAIL,
};

#define MAX_OBJS	4096

/*
 * Check the records between the CPU feature record and the tail: each is
 * well-formed (ckpt_next_record()), of a known type, where the documented
 * order puts it, and the counts agree: FD records with the FILES record,
 * VMA records with the MM record, PAGES with their VMA or shared memory
 * FILE record, DATA with their PIPE record.  Object references are unique,
 * and an FD, VMA or MM record refers to an object written before it.
 * Returns the number of records before the tail and sets @tail_off.
 */
static unsigned int check_records(struct __test_metadata *_metadata,
				  const struct ckpt_image *img,
				  const struct fd_expect *fx, size_t *tail_off)
{
	static uint8_t obj_type[MAX_OBJS];	/* 1: FILE, 2: PIPE */
	long page = sysconf(_SC_PAGESIZE);
	unsigned int nr = 0, next_fixed = 0, nr_fds = 0, fds_seen = 0;
	unsigned int nr_vmas = 0, vmas_seen = 0, nr_pages = 0;
	uint32_t section = 0;		/* the last fixed record */
	uint32_t owner = 0;		/* what PAGES or DATA records may follow */
	uint64_t pages_left = 0, data_left = 0, last_addr = 0;
	size_t timerfd_file = 0;	/* a timerfd FILE record, its TIMERFD to come */
	uint64_t vma_start = 0, vma_end = 0;
	int last_fd = -1, last_regset = -1;
	bool seen_fd[3] = { false, false, false };
	size_t off, next;

	memset(obj_type, 0, sizeof(obj_type));
	*tail_off = 0;
	for (off = 0; off < img->len; off = next) {
		const struct ckpt_hdr *h = (const void *)(img->buf + off);
		uint32_t t;

		next = ckpt_next_record(img, off);
		ASSERT_NE(0, next) TH_LOG("malformed record at offset %zu", off);
		t = h->type;

		/* A run of PAGES or DATA records ends with another record. */
		if (t != CKPT_HDR_PAGES) {
			EXPECT_EQ(0, pages_left)
				TH_LOG("%llu pages missing before offset %zu",
				       (unsigned long long)pages_left, off);
			pages_left = 0;
		}
		if (t != CKPT_HDR_TIMERFD) {
			EXPECT_EQ(0, timerfd_file)
				TH_LOG("the TIMERFD record of the FILE at offset %zu is missing",
				       timerfd_file);
			timerfd_file = 0;
		}
		if (t != CKPT_HDR_DATA) {
			EXPECT_EQ(0, data_left)
				TH_LOG("%llu bytes of pipe data missing before offset %zu",
				       (unsigned long long)data_left, off);
			data_left = 0;
		}

		if (next_fixed < sizeof(fixed_order) / sizeof(fixed_order[0]) &&
		    t == fixed_order[next_fixed]) {
			next_fixed++;
			section = t;
			owner = 0;
			switch (t) {
			case CKPT_HDR_TREE: {
				const struct ckpt_hdr_tree *tr = (const void *)h;

				/* One process, the root, not a zombie. */
				ASSERT_EQ(sizeof(*tr) + sizeof(tr->tasks[0]), h->len);
				EXPECT_EQ(1, tr->nr_tasks);
				EXPECT_EQ(0, tr->flags);
				EXPECT_EQ(-1, tr->tasks[0].parent);
				EXPECT_LT(0, tr->tasks[0].pid);
				EXPECT_LE(0, tr->tasks[0].pgid);
				EXPECT_LE(0, tr->tasks[0].sid);
				EXPECT_EQ(SIGCHLD, tr->tasks[0].exit_signal);
				EXPECT_EQ(0, tr->tasks[0].flags);
				EXPECT_EQ(0, tr->tasks[0].exit_code);
				break;
			}
			case CKPT_HDR_TASK:
				EXPECT_EQ(sizeof(struct ckpt_hdr_task), h->len);
				break;
			case CKPT_HDR_AFFINITY: {
				const struct ckpt_hdr_affinity *a = (const void *)h;
				cpu_set_t set;
				bool same = true;

				/* The CPUs of the process, as sched_getaffinity() has them. */
				ASSERT_LE(sizeof(*a) + 8, h->len);
				ASSERT_EQ(0, a->nr_cpus % 64);
				ASSERT_EQ(sizeof(*a) + a->nr_cpus / 8, h->len);
				EXPECT_EQ(0, a->__reserved);
				ASSERT_EQ(0, sched_getaffinity(0, sizeof(set), &set));
				for (unsigned int c = 0; c < a->nr_cpus && c < CPU_SETSIZE; c++)
					if (!!(a->mask[c / 64] >> (c % 64) & 1) != !!CPU_ISSET(c, &set))
						same = false;
				EXPECT_TRUE(same) TH_LOG("the affinity record");
				break;
			}
			case CKPT_HDR_CREDS: {
				const struct ckpt_hdr_creds *c = (const void *)h;

				ASSERT_LE(sizeof(*c), h->len);
				EXPECT_EQ(sizeof(*c) + 4 * c->ngroups, h->len);
				break;
			}
			case CKPT_HDR_FS: {
				const struct ckpt_hdr_fs *f = (const void *)h;

				ASSERT_LE(sizeof(*f), h->len);
				EXPECT_EQ(sizeof(*f) + f->cwd_len + f->root_len, h->len);
				/* The fs_struct's object reference. */
				EXPECT_LT(0, f->objref);
				break;
			}
			case CKPT_HDR_SIGHAND:
				EXPECT_EQ(sizeof(struct ckpt_hdr_sighand), h->len);
				break;
			case CKPT_HDR_FILES:
				ASSERT_EQ(sizeof(struct ckpt_hdr_files), h->len);
				nr_fds = ((const struct ckpt_hdr_files *)h)->nr_fds;
				EXPECT_LT(0, ((const struct ckpt_hdr_files *)h)->objref);
				break;
			case CKPT_HDR_MM: {
				const struct ckpt_hdr_mm *m = (const void *)h;

				ASSERT_EQ(sizeof(*m), h->len);
				EXPECT_EQ(nr_fds, fds_seen) TH_LOG("FILES says %u descriptors", nr_fds);
				/* Open in this process, so in the checkpointed one. */
				for (int fd = 0; fd < 3; fd++) {
					EXPECT_TRUE(seen_fd[fd] || fcntl(fd, F_GETFD) < 0)
						TH_LOG("no FD record for fd %d", fd);
				}
				nr_vmas = m->nr_vmas;
				EXPECT_LT(0, nr_vmas);
				if (m->exe_ref) {
					EXPECT_TRUE(m->exe_ref < MAX_OBJS && obj_type[m->exe_ref] == 1)
						TH_LOG("MM refers to object %u", m->exe_ref);
				}
				break;
			}
			case CKPT_HDR_CPU:
				EXPECT_EQ(nr_vmas, vmas_seen) TH_LOG("MM says %u VMAs", nr_vmas);
				break;
			case CKPT_HDR_RESTART_BLOCK:
				EXPECT_EQ(sizeof(struct ckpt_hdr_restart_block), h->len);
				break;
			case CKPT_HDR_SIGPENDING: {
				const struct ckpt_hdr_sigpending *s = (const void *)h;

				ASSERT_LE(sizeof(*s), h->len);
				EXPECT_EQ(sizeof(*s) + s->nr * sizeof(s->entries[0]), h->len);
				break;
			}
			case CKPT_HDR_TAIL:
				*tail_off = off;
				ASSERT_EQ(img->len, next) TH_LOG("data after the tail");
				TH_LOG("image of %zu bytes: %u records, %u FDs, %u VMAs, %u pages",
				       img->len, nr, fds_seen, vmas_seen, nr_pages);
				return nr;
			}
			nr++;
			continue;
		}

		/* Objects: in the descriptor table and the memory sections only. */
		switch (t) {
		case CKPT_HDR_FILE: {
			const struct ckpt_hdr_file *f = (const void *)h;

			ASSERT_TRUE(section == CKPT_HDR_FILES || section == CKPT_HDR_MM_CONTEXT)
				TH_LOG("FILE record at offset %zu after record type %u", off, section);
			ASSERT_LE(sizeof(*f), h->len);
			ASSERT_EQ(sizeof(*f) + f->path_len, h->len);
			EXPECT_TRUE(f->path_len && !f->path[f->path_len - 1]);
			EXPECT_TRUE(f->type >= CKPT_FILE_REG && f->type <= CKPT_FILE_UNIX)
				TH_LOG("FILE of type %u", f->type);
			ASSERT_TRUE(f->objref > 0 && f->objref < MAX_OBJS) TH_LOG("objref %u", f->objref);
			EXPECT_EQ(0, obj_type[f->objref]) TH_LOG("objref %u twice", f->objref);
			obj_type[f->objref] = 1;
			if (f->type == CKPT_FILE_PIPE || f->type == CKPT_FILE_FIFO) {
				EXPECT_TRUE(f->pipe_ref < MAX_OBJS && obj_type[f->pipe_ref] == 2)
					TH_LOG("FILE %u refers to pipe %u", f->objref, f->pipe_ref);
			}
			owner = t;
			pages_left = f->nr_pages;
			if (f->type == CKPT_FILE_TIMERFD)
				timerfd_file = off;
			last_addr = 0;
			if (f->type != CKPT_FILE_MEMFD && f->type != CKPT_FILE_SHMEM &&
			    f->type != CKPT_FILE_GHOST) {
				EXPECT_EQ(0, f->nr_pages);
			}
			break;
		}
		case CKPT_HDR_PIPE: {
			const struct ckpt_hdr_pipe *p = (const void *)h;

			ASSERT_EQ(CKPT_HDR_FILES, section)
				TH_LOG("PIPE record at offset %zu after record type %u", off, section);
			ASSERT_EQ(sizeof(*p), h->len);
			ASSERT_TRUE(p->objref > 0 && p->objref < MAX_OBJS) TH_LOG("objref %u", p->objref);
			EXPECT_EQ(0, obj_type[p->objref]) TH_LOG("objref %u twice", p->objref);
			obj_type[p->objref] = 2;
			EXPECT_LE(p->data_len, p->size);
			owner = t;
			data_left = p->data_len;
			break;
		}
		case CKPT_HDR_TIMERFD:
			ASSERT_NE(0, timerfd_file)
				TH_LOG("TIMERFD record at offset %zu not after a timerfd", off);
			ASSERT_EQ(sizeof(struct ckpt_hdr_timerfd), h->len);
			timerfd_file = 0;
			owner = t;
			break;
		case CKPT_HDR_DATA:
			ASSERT_TRUE(owner == CKPT_HDR_PIPE || owner == CKPT_HDR_DATA)
				TH_LOG("DATA record at offset %zu not after a PIPE record", off);
			EXPECT_LT(sizeof(*h), h->len);
			EXPECT_GE(sizeof(*h) + CKPT_DATA_MAX, h->len);
			EXPECT_GE(data_left, h->len - sizeof(*h));
			data_left -= h->len - sizeof(*h) < data_left ? h->len - sizeof(*h) : data_left;
			owner = t;
			break;
		case CKPT_HDR_FD: {
			const struct ckpt_hdr_fd *d = (const void *)h;

			ASSERT_EQ(CKPT_HDR_FILES, section)
				TH_LOG("FD record at offset %zu after record type %u", off, section);
			ASSERT_EQ(sizeof(*d), h->len);
			EXPECT_LT(last_fd, (int)d->fd) TH_LOG("FD records out of order");
			last_fd = d->fd;
			EXPECT_NE(fx->image_fd, (int)d->fd) TH_LOG("the image fd was saved");
			EXPECT_EQ(0, d->flags & ~(CKPT_FD_CLOEXEC | CKPT_FD_INHERITED));
			if (d->fd <= 2) {
				/* CKPT_CHECKPOINT_INHERIT_STDIO */
				EXPECT_TRUE(d->flags & CKPT_FD_INHERITED) TH_LOG("fd %u", d->fd);
				seen_fd[d->fd] = true;
			}
			if (d->flags & CKPT_FD_INHERITED) {
				EXPECT_EQ(0, d->objref);
			} else {
				EXPECT_TRUE(d->objref < MAX_OBJS && obj_type[d->objref] == 1)
					TH_LOG("fd %u refers to object %u", d->fd, d->objref);
			}
			fds_seen++;
			owner = 0;
			break;
		}
		case CKPT_HDR_VMA: {
			const struct ckpt_hdr_vma *v = (const void *)h;

			ASSERT_EQ(CKPT_HDR_MM_CONTEXT, section)
				TH_LOG("VMA record at offset %zu after record type %u", off, section);
			ASSERT_EQ(sizeof(*v), h->len);
			EXPECT_LT(v->start, v->end);
			EXPECT_EQ(0, v->start % page);
			EXPECT_EQ(0, v->end % page);
			EXPECT_LE(v->start, v->start + (uint64_t)v->nr_pages * page);
			EXPECT_GE(v->end - v->start, (uint64_t)v->nr_pages * page);
			EXPECT_TRUE(v->type >= CKPT_VMA_ANON && v->type <= CKPT_VMA_SPECIAL)
				TH_LOG("VMA of type %u", v->type);
			if (v->type == CKPT_VMA_FILE || v->type == CKPT_VMA_SHMEM) {
				EXPECT_TRUE(v->file_ref < MAX_OBJS && obj_type[v->file_ref] == 1)
					TH_LOG("VMA refers to object %u", v->file_ref);
			}
			vma_start = v->start;
			vma_end = v->end;
			vmas_seen++;
			owner = t;
			pages_left = v->nr_pages;
			last_addr = 0;
			break;
		}
		case CKPT_HDR_PAGES: {
			const struct ckpt_hdr_pages *p = (const void *)h;

			ASSERT_TRUE(owner == CKPT_HDR_VMA || owner == CKPT_HDR_FILE)
				TH_LOG("PAGES record at offset %zu after no VMA or FILE record", off);
			ASSERT_LE(sizeof(*p), h->len);
			ASSERT_LT(0, p->nr_pages);
			ASSERT_EQ(sizeof(*p) + (uint64_t)p->nr_pages * (8 + page), h->len);
			EXPECT_GE(512 * 1024, (uint64_t)p->nr_pages * page);
			EXPECT_GE(pages_left, p->nr_pages);
			pages_left -= p->nr_pages < pages_left ? p->nr_pages : pages_left;
			nr_pages += p->nr_pages;
			for (unsigned int i = 0; i < p->nr_pages; i++) {
				uint64_t a = p->addr[i];

				EXPECT_EQ(0, a % page);
				if (last_addr || i) {
					EXPECT_LT(last_addr, a) TH_LOG("page addresses not increasing");
				}
				if (owner == CKPT_HDR_VMA) {
					EXPECT_TRUE(a >= vma_start && a < vma_end)
						TH_LOG("page %#llx outside its VMA", (unsigned long long)a);
				}
				last_addr = a;
				if (_metadata->exit_code)
					break;
			}
			break;
		}
		case CKPT_HDR_REGSET: {
			const struct ckpt_hdr_regset *r = (const void *)h;

			/* The architecture's optional register sets follow THREAD. */
			ASSERT_EQ(CKPT_HDR_THREAD, section)
				TH_LOG("REGSET record at offset %zu after record type %u", off, section);
			ASSERT_LE(sizeof(*r), h->len);
			EXPECT_EQ(sizeof(*r) + r->size, h->len);
			EXPECT_GT(64, r->set);
			EXPECT_LT(last_regset, (int)r->set) TH_LOG("register sets out of order");
			last_regset = r->set;
			break;
		}
		default:
			ASSERT_TRUE(0) TH_LOG("record of type %u at offset %zu %s", t, off,
					      t == CKPT_HDR_CPU || t == CKPT_HDR_THREAD ||
					      t == CKPT_HDR_MM_CONTEXT || t <= CKPT_HDR_TIMERFD ?
					      "out of order" : "of an unknown type");
		}
		nr++;
	}
	ASSERT_TRUE(0) TH_LOG("no tail record");
	return nr;
}

/*
 * Check an image of a process: header fields against the running system,
 * the CPU feature record, the records in between and the tail checksum.
 */
static void check_image(struct __test_metadata *_metadata,
			const struct ckpt_image *img, long id,
			const struct timespec *before,
			const struct timespec *after,
			const struct fd_expect *fx)
{
	const struct ckpt_hdr_header *hh = (const void *)img->buf;
	const struct ckpt_hdr_header_arch *ah;
	const struct ckpt_hdr_tail *t;
	size_t tail = 0;
	unsigned int nr;
	struct utsname uts;

	ASSERT_GE(img->len, sizeof(*hh));
	ASSERT_EQ(CKPT_HDR_HEADER, hh->h.type);
	ASSERT_EQ(sizeof(*hh), hh->h.len);
	ASSERT_EQ(0, memcmp(hh->magic, CKPT_HEADER_MAGIC, CKPT_MAGIC_LEN));
	EXPECT_EQ(CKPT_VERSION, hh->version);
	EXPECT_EQ(CKPT_ARCH_ID, hh->arch_id);
	EXPECT_EQ(sizeof(long), hh->word_size);
	EXPECT_EQ(host_big_endian() ? CKPT_ENDIAN_BIG : CKPT_ENDIAN_LITTLE, hh->endian);
	EXPECT_EQ(sysconf(_SC_PAGESIZE), hh->page_size);
	EXPECT_EQ(16, hh->task_comm_len);
	EXPECT_EQ(SIGRTMAX, hh->nsig);
	EXPECT_EQ(RLIM_NLIMITS, hh->nr_rlimits);
	EXPECT_EQ(CKPT_CHECKPOINT_INHERIT_STDIO | CKPT_CHECKPOINT_EXTERNAL_SHMEM, hh->flags);
	EXPECT_EQ(id, hh->ckpt_id);
	EXPECT_EQ(0, hh->__reserved);
	EXPECT_LE(before->tv_sec, hh->time_sec);
	EXPECT_GE(after->tv_sec, hh->time_sec);
	EXPECT_LT(hh->time_nsec, 1000000000);
	ASSERT_EQ(0, uname(&uts));
	EXPECT_STREQ(uts.release, hh->uts_release);
	EXPECT_STREQ(uts.version, hh->uts_version);
	EXPECT_STREQ(uts.machine, hh->uts_machine);

	ah = (const void *)(img->buf + sizeof(*hh));
	ASSERT_LE(sizeof(*hh) + sizeof(*ah), img->len);
	ASSERT_EQ(CKPT_HDR_HEADER_ARCH, ah->h.type);
	check_arch_header(_metadata, &ah->h);

	/* Every record is 8-byte aligned, zero padded, known and in order. */
	nr = check_records(_metadata, img, fx, &tail);
	ASSERT_NE(0, tail);

	t = (const void *)(img->buf + tail);
	ASSERT_EQ(sizeof(*t), t->h.len);
	EXPECT_EQ(0, memcmp(t->magic, CKPT_TAIL_MAGIC, CKPT_MAGIC_LEN));
	EXPECT_EQ(tail, t->image_len);
	EXPECT_EQ(nr, t->nr_records);
	EXPECT_EQ(ckpt_image_crc32c(img, tail), t->crc32c);
}

/* The end of the first image in @img: after its first tail record. */
static size_t first_image_len(const struct ckpt_image *img)
{
	size_t off = 0, next;

	while ((next = ckpt_next_record(img, off))) {
		if (((const struct ckpt_hdr *)(img->buf + off))->type == CKPT_HDR_TAIL)
			return next;
		off = next;
	}
	return 0;
}

/* Read what was logged on @lp into @log (empty if nothing). */
static const char *read_log(int lp, char *log, size_t size)
{
	if (ckpt_log_read(lp, log, size) < 0)
		log[0] = '\0';
	return log;
}

/*
 * A failed checkpoint of a process: skip the test if the architecture's
 * task checkpoint is not implemented yet, else fail it.
 */
#define SKIP_OR_FAIL(err, log) do {						\
	int __err = (err);							\
	const char *__log = (log);						\
	if (ckpt_arch_unsupported(__err, __log)) {				\
		SKIP(return, "%.*s", (int)strcspn(__log, "\n"), __log);	\
	}									\
	ASSERT_TRUE(0) TH_LOG("checkpoint: %s; log: %s", strerror(__err), __log); \
} while (0)

/* Wait for a restarting child; kill it after RESTART_TIMEOUT seconds. */
static int wait_restarted(pid_t pid)
{
	int status = 0;

	if (!ckpt_wait(pid, &status, 0, RESTART_TIMEOUT))
		status = ckpt_kill(pid);
	return status;
}

/*
 * A child restarted from an image of self checkpoint @seq must have become
 * that process: checkpoint(2) returned 0 in it (see ckpt_self_checkpoint()),
 * and a successful restart logs nothing.
 */
#define EXPECT_RESTARTED(status, seq, lp) do {					\
	char __why[128], __log[512];						\
	read_log(lp, __log, sizeof(__log));					\
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == CKPT_SELF_EXIT + (seq)) \
		TH_LOG("restarting child: %s, not restarted from self checkpoint %d; log: %s", \
		       ckpt_self_status_str(status, __why, sizeof(__why)), seq, __log); \
	EXPECT_STREQ("", __log);						\
} while (0)

TEST(file_round_trip)
{
	struct timespec before, after;
	struct ckpt_image img;
	struct fd_expect fx;
	char log[512];
	int fd = ckpt_tmpfile(), lp[2], status, seq, err;
	pid_t pid;
	off_t end;
	long id;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ckpt_log_pipe(lp));
	ASSERT_EQ(0, clock_gettime(CLOCK_REALTIME, &before));
	id = ckpt_self_checkpoint(fd, lp[1]);
	err = errno;
	ASSERT_EQ(0, clock_gettime(CLOCK_REALTIME, &after));
	seq = ckpt_self_seq;
	if (id <= 0)
		SKIP_OR_FAIL(err, read_log(lp[0], log, sizeof(log)));
	EXPECT_STREQ("", read_log(lp[0], log, sizeof(log)));

	/* The file position moved past the image, as after write(2). */
	end = lseek(fd, 0, SEEK_CUR);
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	ASSERT_EQ(0, ckpt_slurp(fd, &img));
	EXPECT_EQ(img.len, end);
	fx.image_fd = fd;
	check_image(_metadata, &img, id, &before, &after, &fx);

	/*
	 * And the kernel reads back what it wrote: a child restarting it
	 * becomes this process, and reads exactly the image.
	 */
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	pid = ckpt_restart_child(fd, lp[1], -1);
	ASSERT_LT(0, pid);
	status = wait_restarted(pid);
	EXPECT_RESTARTED(status, seq, lp[0]);
	EXPECT_EQ(end, lseek(fd, 0, SEEK_CUR));
	free(img.buf);
	close(fd);
}

/* Results of a checkpoint taken in a child, in shared memory. */
struct child_ckpt {
	long id;
	int err;
	int seq;
	int image_fd;
	struct timespec before, after;
};

/*
 * Fork a child that checkpoints itself into the pipe end @wfd, closing the
 * other end @rfd first: the image does not fit in a pipe, and a process
 * with a child cannot be checkpointed, so the caller reads the image.
 */
static pid_t checkpoint_in_child(struct child_ckpt *r, int rfd, int wfd, int logfd)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(rfd);
		r->image_fd = wfd;
		clock_gettime(CLOCK_REALTIME, &r->before);
		r->id = ckpt_self_checkpoint(wfd, logfd);
		r->err = errno;
		clock_gettime(CLOCK_REALTIME, &r->after);
		r->seq = ckpt_self_seq;
		_exit(0);
	}
	return pid;
}

/* Restart @img from a pipe in a child; returns its wait status. */
static int restart_from_pipe(struct __test_metadata *_metadata,
			     const struct ckpt_image *img, int logfd)
{
	size_t done = 0;
	int q[2];
	pid_t pid;

	ASSERT_EQ(0, pipe(q));
	pid = ckpt_restart_child(q[0], logfd, q[1]);
	ASSERT_LT(0, pid);
	close(q[0]);
	/* A restart that fails early closes the pipe: no SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	while (done < img->len) {
		ssize_t n = write(q[1], img->buf + done, img->len - done);

		if (n <= 0)
			break;
		done += n;
	}
	close(q[1]);
	signal(SIGPIPE, SIG_DFL);
	return wait_restarted(pid);
}

TEST(pipe_round_trip)
{
	struct child_ckpt *r;
	struct ckpt_image img;
	struct fd_expect fx;
	char log[512];
	int p[2], lp[2], status;
	pid_t pid;

	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(r != MAP_FAILED);
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, ckpt_log_pipe(lp));
	pid = checkpoint_in_child(r, p[0], p[1], lp[1]);
	ASSERT_LT(0, pid);
	close(p[1]);
	ASSERT_EQ(0, ckpt_slurp(p[0], &img));
	close(p[0]);
	status = wait_restarted(pid);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (r->id <= 0)
		SKIP_OR_FAIL(r->err, read_log(lp[0], log, sizeof(log)));
	EXPECT_STREQ("", read_log(lp[0], log, sizeof(log)));
	fx.image_fd = r->image_fd;
	check_image(_metadata, &img, r->id, &r->before, &r->after, &fx);

	/* Restart reads the same stream from a pipe. */
	status = restart_from_pipe(_metadata, &img, lp[1]);
	EXPECT_RESTARTED(status, r->seq, lp[0]);
	free(img.buf);
	munmap(r, sizeof(*r));
}

/* A reader that drains the pipe slowly: the kernel writes in pieces. */
TEST(pipe_small_reads)
{
	struct ckpt_image img = { malloc(1 << 16), 0 };
	size_t cap = 1 << 16;
	struct child_ckpt *r;
	struct fd_expect fx;
	char log[512];
	int p[2], lp[2], status;
	unsigned int reads = 0;
	ssize_t n;
	pid_t pid;

	ASSERT_TRUE(img.buf != NULL);
	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(r != MAP_FAILED);
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, ckpt_log_pipe(lp));
	pid = checkpoint_in_child(r, p[0], p[1], lp[1]);
	ASSERT_LT(0, pid);
	close(p[1]);
	/* 7 bytes at a time, pausing now and then: the pipe keeps filling up. */
	for (;;) {
		if (img.len + 7 > cap) {
			uint8_t *b = realloc(img.buf, cap *= 2);

			ASSERT_TRUE(b != NULL);
			img.buf = b;
		}
		n = read(p[0], img.buf + img.len, 7);
		if (n <= 0)
			break;
		img.len += n;
		if (++reads < 64 || reads % 1024 == 0)
			usleep(1000);
	}
	ASSERT_EQ(0, n);
	close(p[0]);
	status = wait_restarted(pid);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (r->id <= 0)
		SKIP_OR_FAIL(r->err, read_log(lp[0], log, sizeof(log)));
	EXPECT_STREQ("", read_log(lp[0], log, sizeof(log)));
	fx.image_fd = r->image_fd;
	check_image(_metadata, &img, r->id, &r->before, &r->after, &fx);
	free(img.buf);
	munmap(r, sizeof(*r));
}

TEST(ids_differ_and_images_follow_each_other)
{
	struct timespec before, after;
	struct ckpt_image img, first, second;
	struct fd_expect fx;
	char log[512];
	int fd = ckpt_tmpfile(), lp[2], status, seq1, seq2, err;
	long id1, id2;
	pid_t pid;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ckpt_log_pipe(lp));
	ASSERT_EQ(0, clock_gettime(CLOCK_REALTIME, &before));
	id1 = ckpt_self_checkpoint(fd, lp[1]);
	err = errno;
	seq1 = ckpt_self_seq;
	if (id1 <= 0)
		SKIP_OR_FAIL(err, read_log(lp[0], log, sizeof(log)));
	id2 = ckpt_self_checkpoint(fd, lp[1]);
	seq2 = ckpt_self_seq;
	ASSERT_EQ(0, clock_gettime(CLOCK_REALTIME, &after));
	ASSERT_LT(0, id1);
	ASSERT_LT(0, id2) TH_LOG("second checkpoint: %s; log: %s", strerror(errno),
				 read_log(lp[0], log, sizeof(log)));
	EXPECT_NE(id1, id2);
	EXPECT_STREQ("", read_log(lp[0], log, sizeof(log)));

	/* Two images one after the other, each with its tail. */
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	ASSERT_EQ(0, ckpt_slurp(fd, &img));
	first.buf = img.buf;
	first.len = first_image_len(&img);
	ASSERT_NE(0, first.len);
	ASSERT_LT(first.len, img.len);
	second.buf = img.buf + first.len;
	second.len = img.len - first.len;
	fx.image_fd = fd;
	check_image(_metadata, &first, id1, &before, &after, &fx);
	check_image(_metadata, &second, id2, &before, &after, &fx);

	/*
	 * Two restarts read the two images one after the other, and each
	 * child becomes the process as it was at its checkpoint.
	 */
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	pid = ckpt_restart_child(fd, lp[1], -1);
	ASSERT_LT(0, pid);
	status = wait_restarted(pid);
	EXPECT_RESTARTED(status, seq1, lp[0]);
	EXPECT_EQ(first.len, lseek(fd, 0, SEEK_CUR));
	pid = ckpt_restart_child(fd, lp[1], -1);
	ASSERT_LT(0, pid);
	status = wait_restarted(pid);
	EXPECT_RESTARTED(status, seq2, lp[0]);
	EXPECT_EQ(img.len, lseek(fd, 0, SEEK_CUR));
	free(img.buf);
	close(fd);
}

TEST(o_append_file)
{
	struct timespec before, after;
	struct ckpt_image img, image;
	struct fd_expect fx;
	char path[] = "/tmp/ckpt-append-XXXXXX", log[512];
	int fd = mkstemp(path), lp[2], err;
	int afd;
	long id;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ckpt_log_pipe(lp));
	ASSERT_EQ(4, write(fd, "abcd", 4));
	afd = open(path, O_WRONLY | O_APPEND);
	ASSERT_LE(0, afd);
	/* The file keeps its name until after the checkpoint: no deleted file. */
	ASSERT_EQ(0, clock_gettime(CLOCK_REALTIME, &before));
	id = ckpt_self_checkpoint(afd, lp[1]);
	err = errno;
	ASSERT_EQ(0, clock_gettime(CLOCK_REALTIME, &after));
	unlink(path);
	if (id <= 0)
		SKIP_OR_FAIL(err, read_log(lp[0], log, sizeof(log)));
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	ASSERT_EQ(0, ckpt_slurp(fd, &img));
	ASSERT_LT(4, img.len);
	EXPECT_EQ(0, memcmp(img.buf, "abcd", 4));
	EXPECT_EQ(0, memcmp(img.buf + 4 + 8, CKPT_HEADER_MAGIC, CKPT_MAGIC_LEN));
	/* The whole image follows, intact (copied for alignment). */
	image.len = img.len - 4;
	image.buf = malloc(image.len);
	ASSERT_TRUE(image.buf != NULL);
	memcpy(image.buf, img.buf + 4, image.len);
	fx.image_fd = afd;
	check_image(_metadata, &image, id, &before, &after, &fx);
	free(image.buf);
	free(img.buf);
	close(afd);
	close(fd);
}

TEST(no_such_process)
{
	char log[256];
	int lp[2], fd = ckpt_tmpfile();
	pid_t child;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ckpt_log_pipe(lp));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0)
		_exit(0);
	ASSERT_EQ(child, waitpid(child, NULL, 0));
	EXPECT_EQ(-1, sys_checkpoint(child, fd, 0, lp[1]));
	EXPECT_EQ(ESRCH, errno);
	ASSERT_LT(0, ckpt_log_read(lp[0], log, sizeof(log)));
	EXPECT_TRUE(ckpt_log_ok(log, "checkpoint: ", "no process")) TH_LOG("log: %s", log);
	EXPECT_EQ(0, lseek(fd, 0, SEEK_END)) TH_LOG("a failed checkpoint wrote data");
	close(fd);
}

TEST(other_user_gets_eperm)
{
	char log[512];
	int status, lp[2];
	pid_t child;

	if (geteuid() != 0)
		SKIP(return, "needs root to switch to another user");
	/* The log of the child's own checkpoint comes back on this pipe. */
	ASSERT_EQ(0, ckpt_log_pipe(lp));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		int fd = ckpt_tmpfile();

		if (fd < 0 || setgid(65534) || setuid(65534))
			_exit(10);
		/* The parent runs as root: ptrace access is denied. */
		if (sys_checkpoint(getppid(), fd, 0, lp[1]) != -1 || errno != EPERM)
			_exit(11);
		if (ckpt_log_read(lp[0], log, sizeof(log)) <= 0 ||
		    !ckpt_log_ok(log, "checkpoint: ", "permission"))
			_exit(12);
		if (lseek(fd, 0, SEEK_END) != 0)
			_exit(13);
		/* Its own process it may checkpoint. */
		if (ckpt_self_checkpoint(fd, lp[1]) <= 0)
			_exit(errno == EOPNOTSUPP ? 16 : 14);
		if (lseek(fd, 0, SEEK_END) <= 0)
			_exit(15);
		_exit(0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	read_log(lp[0], log, sizeof(log));
	if (WEXITSTATUS(status) == 16 && ckpt_arch_unsupported(EOPNOTSUPP, log)) {
		/* EPERM was checked; the rest needs a task checkpoint. */
		SKIP(return, "%.*s", (int)strcspn(log, "\n"), log);
	}
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("log: %s", log);
}

TEST_HARNESS_MAIN
