/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the s2mmu selftests and the VM benchmarks: one
 * thin wrapper per ioctl (returning 0 or -errno, so callers can assert on
 * the exact error), guest memory allocation and a clock.
 */
#ifndef S2MMU_UTIL_H
#define S2MMU_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/s2mmu.h>

#define S2MMU_PAGE_SIZE		4096UL
#define S2MMU_PAGE_SHIFT	12
#define S2MMU_BLOCK_SIZE	(2UL << 20)

static inline int s2mmu_ret(long r)
{
	return r < 0 ? -errno : (int)r;
}

/* /dev/s2mmu, or -errno (the module is not loaded). */
static inline int s2mmu_open_dev(void)
{
	return s2mmu_ret(open("/dev/s2mmu", O_RDWR | O_CLOEXEC));
}

/* A new VM fd; @ipa_bits 0 picks the default size. */
static inline int s2mmu_create_vm(int dev, unsigned int ipa_bits)
{
	return s2mmu_ret(ioctl(dev, S2MMU_CREATE_VM, (unsigned long)ipa_bits));
}

static inline int s2mmu_set_region(int vm, __u32 slot, __u32 flags,
				   __u64 gpa, __u64 size, void *hva)
{
	struct s2mmu_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};

	return s2mmu_ret(ioctl(vm, S2MMU_SET_USER_MEMORY_REGION, &r));
}

static inline int s2mmu_create_vcpu(int vm, unsigned int id)
{
	return s2mmu_ret(ioctl(vm, S2MMU_CREATE_VCPU, (unsigned long)id));
}

/*
 * One guest access of @len bytes at @ipa through the vCPU's stage-2 MMU.
 * @out (may be NULL) receives the result: bytes done, exit reason and
 * the faults the access took.
 */
static inline int s2mmu_access(int vcpu, __u64 ipa, void *buf,
			       __u32 len, __u32 kind,
			       struct s2mmu_vcpu_access *out)
{
	struct s2mmu_vcpu_access a = {
		.ipa = ipa,
		.buf = (uintptr_t)buf,
		.len = len,
		.kind = kind,
	};
	int r = s2mmu_ret(ioctl(vcpu, S2MMU_VCPU_ACCESS, &a));

	if (out)
		*out = a;
	return r;
}

static inline int s2mmu_get_stats(int vm, struct s2mmu_stats *st)
{
	memset(st, 0, sizeof(*st));
	return s2mmu_ret(ioctl(vm, S2MMU_GET_STATS, st));
}

static inline int s2mmu_get_dirty_log(int vm, __u32 slot, __u64 *bitmap)
{
	struct s2mmu_dirty_log log = {
		.slot = slot,
		.dirty_bitmap = (uintptr_t)bitmap,
	};

	return s2mmu_ret(ioctl(vm, S2MMU_GET_DIRTY_LOG, &log));
}

static inline int s2mmu_clear_dirty_log(int vm, __u32 slot,
					__u64 first_page, __u32 num_pages,
					__u64 *bitmap)
{
	struct s2mmu_clear_dirty_log log = {
		.slot = slot,
		.num_pages = num_pages,
		.first_page = first_page,
		.dirty_bitmap = (uintptr_t)bitmap,
	};

	return s2mmu_ret(ioctl(vm, S2MMU_CLEAR_DIRTY_LOG, &log));
}

/* GET_DIRTY_LOG only reads; CLEAR_DIRTY_LOG re-protects (KVM's PROTECT2). */
static inline int s2mmu_enable_manual_protect(int vm)
{
	struct s2mmu_enable_cap cap = {
		.cap = S2MMU_CAP_MANUAL_DIRTY_LOG_PROTECT,
		.args = { 1 },
	};

	return s2mmu_ret(ioctl(vm, S2MMU_ENABLE_CAP, &cap));
}

/*
 * Anonymous guest memory aligned to 2 MiB, so that with @thp the whole
 * range can be backed by transparent huge pages (and so by stage-2
 * blocks).  Returns NULL on failure.
 */
static inline void *s2mmu_alloc_mem(size_t size, bool thp)
{
	size_t len = size + S2MMU_BLOCK_SIZE;
	uintptr_t p, aligned;

	p = (uintptr_t)mmap(NULL, len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if ((void *)p == MAP_FAILED)
		return NULL;
	aligned = (p + S2MMU_BLOCK_SIZE - 1) & ~(S2MMU_BLOCK_SIZE - 1);
	if (aligned > p)
		munmap((void *)p, aligned - p);
	munmap((void *)(aligned + size), p + len - aligned - size);
	if (madvise((void *)aligned, size, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
		return NULL;
	return (void *)aligned;
}

static inline void s2mmu_free_mem(void *p, size_t size)
{
	munmap(p, size);
}

static inline __u64 s2mmu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static inline bool s2mmu_test_bit(const __u64 *map, __u64 nr)
{
	return map[nr / 64] >> (nr % 64) & 1;
}

static inline void s2mmu_set_bit(__u64 *map, __u64 nr)
{
	map[nr / 64] |= 1ULL << (nr % 64);
}

/* Bytes of a dirty bitmap for @pages pages: whole 64-bit words. */
static inline size_t s2mmu_bitmap_bytes(__u64 pages)
{
	return (pages + 63) / 64 * 8;
}

/* Per-kind sum of the faults a VM took. */
static inline __u64 s2mmu_stats_faults(const struct s2mmu_stats *s)
{
	return s->faults_translation + s->faults_access + s->faults_permission;
}

#endif /* S2MMU_UTIL_H */
