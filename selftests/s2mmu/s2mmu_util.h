/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the s2mmu selftests: thin wrappers around the ioctls
 * that return 0 or -errno, and the host memory backings the tests map.
 */
#ifndef S2MMU_UTIL_H
#define S2MMU_UTIL_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/s2mmu.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(arr) (sizeof(arr) / sizeof((arr)[0]))
#endif

#define TST_PAGE		4096UL
#define TST_2M		(2UL << 20)

static inline int tst_open_dev(void)
{
	return open("/dev/s2mmu", O_RDWR | O_CLOEXEC);
}

/* An ioctl's result: its value, or -errno. */
static inline long tst_ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	long ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

static inline int tst_create_vm(int dev, unsigned long ipa_bits)
{
	return tst_ioctl(dev, S2MMU_CREATE_VM, ipa_bits);
}

static inline int tst_set_region(int vm, __u32 slot, __u32 flags,
				 __u64 gpa, __u64 size, void *uaddr)
{
	struct s2mmu_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)uaddr,
	};

	return tst_ioctl(vm, S2MMU_SET_USER_MEMORY_REGION, (unsigned long)&r);
}

/**
 * struct tst_vcpu - a vCPU fd and its shared page
 * @fd: the vCPU file descriptor
 * @run: its mmap()ed &struct s2mmu_run
 */
struct tst_vcpu {
	int fd;
	struct s2mmu_run *run;
};

static inline int tst_create_vcpu(int dev, int vm, unsigned int id,
				  struct tst_vcpu *v)
{
	long size = tst_ioctl(dev, S2MMU_GET_VCPU_MMAP_SIZE, 0);

	v->fd = tst_ioctl(vm, S2MMU_CREATE_VCPU, id);
	if (v->fd < 0 || size < 0)
		return v->fd < 0 ? v->fd : (int)size;
	v->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	return v->run == MAP_FAILED ? -errno : 0;
}

static inline void tst_destroy_vcpu(struct tst_vcpu *v)
{
	if (v->run && v->run != MAP_FAILED)
		munmap(v->run, TST_PAGE);
	if (v->fd >= 0)
		close(v->fd);
	v->fd = -1;
	v->run = NULL;
}

/*
 * The usual fixture start: the device, a VM of the default IPA size and
 * its vCPU 0.  Return: 0; -ENODEV when the module is not loaded (the
 * caller skips); else -errno.  *dev and *vm are -1 or open, for teardown.
 */
static inline int tst_open_vm_vcpu(int *dev, int *vm, struct tst_vcpu *v)
{
	*vm = -1;
	*dev = tst_open_dev();
	if (*dev < 0)
		return -ENODEV;
	*vm = tst_create_vm(*dev, 0);
	if (*vm < 0)
		return -errno;
	return tst_create_vcpu(*dev, *vm, 0, v) ? -errno : 0;
}

/* One guest access; @out (may be NULL) gets the completed descriptor. */
static inline int tst_access(struct tst_vcpu *v, __u64 ipa, void *buf,
			     __u32 len, __u32 kind,
			     struct s2mmu_vcpu_access *out)
{
	struct s2mmu_vcpu_access a = {
		.ipa = ipa,
		.buf = (uintptr_t)buf,
		.len = len,
		.kind = kind,
	};
	int ret = tst_ioctl(v->fd, S2MMU_VCPU_ACCESS, (unsigned long)&a);

	if (out)
		*out = a;
	return ret;
}

static inline __u64 tst_faults(const struct s2mmu_vcpu_access *a)
{
	return (__u64)a->faults_translation + a->faults_access +
	       a->faults_permission;
}

static inline int tst_stats(int vm, struct s2mmu_stats *st)
{
	return tst_ioctl(vm, S2MMU_GET_STATS, (unsigned long)st);
}

static inline int tst_module_stats(int dev, struct s2mmu_module_stats *st)
{
	return tst_ioctl(dev, S2MMU_GET_MODULE_STATS, (unsigned long)st);
}

/* Host memory backings for memory slots. */
enum tst_backing {
	TST_ANON,	/* private anonymous, 4K pages */
	TST_ANON_THP,	/* private anonymous, 2M aligned, MADV_HUGEPAGE */
	TST_HUGETLB,	/* hugetlbfs 2M pages */
	TST_MEMFD,	/* shared memfd (shmem) */
};

static inline const char *tst_backing_name(enum tst_backing b)
{
	static const char * const names[] = {
		"anon", "anon_thp", "hugetlb", "memfd",
	};

	return names[b];
}

/* Map @size bytes backed as @b, 2M aligned; NULL if unavailable. */
static inline void *tst_alloc(enum tst_backing b, size_t size)
{
	int prot = PROT_READ | PROT_WRITE | PROT_EXEC;
	__u8 *p, *aligned;
	int fd;

	switch (b) {
	case TST_HUGETLB:
		p = mmap(NULL, size, prot,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		return p == MAP_FAILED ? NULL : p;
	case TST_MEMFD:
		fd = memfd_create("s2mmu-test", MFD_CLOEXEC);
		if (fd < 0)
			return NULL;
		if (ftruncate(fd, size)) {
			close(fd);
			return NULL;
		}
		p = mmap(NULL, size, prot, MAP_SHARED, fd, 0);
		close(fd);
		return p == MAP_FAILED ? NULL : p;
	default:
		p = mmap(NULL, size + TST_2M, prot,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			return NULL;
		aligned = (__u8 *)(((uintptr_t)p + TST_2M - 1) & ~(TST_2M - 1));
		if (aligned > p)
			munmap(p, aligned - p);
		munmap(aligned + size, p + TST_2M - aligned);
		madvise(aligned, size, b == TST_ANON_THP ? MADV_HUGEPAGE :
							  MADV_NOHUGEPAGE);
		return aligned;
	}
}

/*
 * Bytes of the host mapping around @p backed by 2M pages right now: the
 * VMA's AnonHugePages / ShmemPmdMapped, or its whole size for hugetlbfs.
 */
static inline unsigned long tst_host_huge_bytes(void *p)
{
	unsigned long start = (uintptr_t)p, lo, hi, kb, huge = 0;
	char line[256];
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			in = lo <= start && start < hi;
			continue;
		}
		if (!in)
			continue;
		if (sscanf(line, "AnonHugePages: %lu kB", &kb) == 1 ||
		    sscanf(line, "ShmemPmdMapped: %lu kB", &kb) == 1)
			huge += kb * 1024;
		if (sscanf(line, "KernelPageSize: %lu kB", &kb) == 1 &&
		    kb == 2048)
			huge = hi - lo;
	}
	fclose(f);
	return huge;
}

/*
 * Physical address of the byte at @p, from /proc/self/pagemap: 0 when it
 * is unknown (the page is not present, or the PFN is hidden: not root).
 */
static inline __u64 tst_host_pa(void *p)
{
	const __u64 pfn_mask = (1ULL << 55) - 1;
	__u64 ent = 0, vpn = (uintptr_t)p / TST_PAGE;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (pread(fd, &ent, sizeof(ent), vpn * sizeof(ent)) != sizeof(ent))
		ent = 0;
	close(fd);
	if (!(ent & (1ULL << 63)) || !(ent & pfn_mask))
		return 0;
	return (ent & pfn_mask) * TST_PAGE + ((uintptr_t)p % TST_PAGE);
}

/* Writes @val to the file @path (a module parameter).  Return: 0 or -errno. */
static inline int tst_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	if (n < 0)
		return -errno;
	return (size_t)n == strlen(val) ? 0 : -EIO;
}

/* Stats delta helper: b - a, field by field (all u64 after the header). */
static inline void tst_stats_delta(const struct s2mmu_stats *a,
				   const struct s2mmu_stats *b,
				   struct s2mmu_stats *d)
{
	const __u64 *pa = &a->faults_translation;
	const __u64 *pb = &b->faults_translation;
	__u64 *pd = &d->faults_translation;
	size_t i, n = (sizeof(*a) - offsetof(struct s2mmu_stats,
					     faults_translation)) / 8;

	*d = *b;
	for (i = 0; i < n; i++)
		pd[i] = pb[i] - pa[i];
}

/* What changed in @vm's counters since @before was read. */
static inline struct s2mmu_stats tst_stats_since(int vm,
						 const struct s2mmu_stats *before)
{
	struct s2mmu_stats now, d;

	memset(&now, 0, sizeof(now));
	tst_stats(vm, &now);
	tst_stats_delta(before, &now, &d);
	return d;
}

/*
 * Every counter of &struct s2mmu_stats that is not zero, by name, from
 * the module's one list of them (include/s2mmu_stats.h, found through
 * -iquote $(S2MMU_SRC)/include).
 */
static inline void tst_print_stats(FILE *f, const struct s2mmu_stats *s)
{
	static const struct {
		const char *name;
		size_t off;
	} stat[] = {
#define S2MMU_STAT_VM(name)		{ #name, offsetof(struct s2mmu_stats, name) },
#define S2MMU_STAT_ENG(name, field)	S2MMU_STAT_VM(name)
#define S2MMU_STAT_NOW(name)		S2MMU_STAT_VM(name)
#include "s2mmu_stats.h"
#undef S2MMU_STAT_VM
#undef S2MMU_STAT_ENG
#undef S2MMU_STAT_NOW
	};
	int col = fprintf(f, "# stats:");
	__u64 v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(stat); i++) {
		memcpy(&v, (const char *)s + stat[i].off, sizeof(v));
		if (!v)
			continue;
		if (col > 80)
			col = fprintf(f, "\n# stats:");
		col += fprintf(f, " %s=%llu", stat[i].name,
			       (unsigned long long)v);
	}
	fprintf(f, "\n");
}

/* ---- dirty logging ---- */

static inline int tst_get_dirty_log(int vm, __u32 slot, __u64 *bitmap)
{
	struct s2mmu_dirty_log log = {
		.slot = slot,
		.dirty_bitmap = (uintptr_t)bitmap,
	};

	return tst_ioctl(vm, S2MMU_GET_DIRTY_LOG, (unsigned long)&log);
}

static inline int tst_clear_dirty_log(int vm, __u32 slot, __u64 first_page,
				      __u32 num_pages, __u64 *bitmap)
{
	struct s2mmu_clear_dirty_log log = {
		.slot = slot,
		.num_pages = num_pages,
		.first_page = first_page,
		.dirty_bitmap = (uintptr_t)bitmap,
	};

	return tst_ioctl(vm, S2MMU_CLEAR_DIRTY_LOG, (unsigned long)&log);
}

/* GET_DIRTY_LOG then only reads; CLEAR_DIRTY_LOG re-protects. */
static inline int tst_enable_manual_protect(int vm)
{
	struct s2mmu_enable_cap cap = {
		.cap = S2MMU_CAP_MANUAL_DIRTY_LOG_PROTECT,
		.args = { 1 },
	};

	return tst_ioctl(vm, S2MMU_ENABLE_CAP, (unsigned long)&cap);
}

/* S2MMU_CAP_MANUAL_DIRTY_LOG_PROTECT with @args0 (S2MMU_DIRTY_LOG_* bits). */
static inline int tst_enable_dirty_log_caps(int vm, __u64 args0)
{
	struct s2mmu_enable_cap cap = {
		.cap = S2MMU_CAP_MANUAL_DIRTY_LOG_PROTECT,
		.args = { args0 },
	};

	return tst_ioctl(vm, S2MMU_ENABLE_CAP, (unsigned long)&cap);
}

#define TST_MANUAL_INITIALLY_SET	(S2MMU_DIRTY_LOG_MANUAL_PROTECT_ENABLE | \
					 S2MMU_DIRTY_LOG_INITIALLY_SET)

static inline int tst_test_bit(const __u64 *map, __u64 nr)
{
	return map[nr / 64] >> (nr % 64) & 1;
}

static inline void tst_set_bit(__u64 *map, __u64 nr)
{
	map[nr / 64] |= 1ULL << (nr % 64);
}

/* Bytes of a dirty bitmap for @pages pages: whole 64-bit words. */
static inline size_t tst_bitmap_bytes(__u64 pages)
{
	return (pages + 63) / 64 * 8;
}

static inline __u64 tst_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

#endif /* S2MMU_UTIL_H */
