// SPDX-License-Identifier: GPL-2.0
/*
 * s2mmu API tests: /dev/s2mmu, its version and features, and the errno of
 * every bad call.
 */
#include "s2mmu_util.h"

#include <sys/wait.h>

#include "../kselftest_harness.h"

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = open("/dev/s2mmu", O_RDWR | O_CLOEXEC);
	if (self->fd < 0)
		SKIP(return, "/dev/s2mmu: %s (module not loaded?)", strerror(errno));
}

FIXTURE_TEARDOWN(dev)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(dev, api_version)
{
	EXPECT_EQ(S2MMU_API_VERSION, ioctl(self->fd, S2MMU_GET_API_VERSION, 0));
	/* The argument is reserved and must be zero. */
	EXPECT_EQ(-1, ioctl(self->fd, S2MMU_GET_API_VERSION, 1));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, features)
{
	struct s2mmu_features f;

	memset(&f, 0xa5, sizeof(f));
	ASSERT_EQ(0, ioctl(self->fd, S2MMU_GET_FEATURES, &f));
	EXPECT_EQ(sizeof(f), f.size);
	EXPECT_GE(f.current_el, 1U);
	EXPECT_LE(f.current_el, 2U);
	EXPECT_GE(f.pa_bits, 32U);
	EXPECT_LE(f.pa_bits, 52U);
	EXPECT_GE(f.max_ipa_bits, 32U);
	EXPECT_LE(f.max_ipa_bits, 48U);
	EXPECT_LE(f.max_ipa_bits, f.pa_bits);
	EXPECT_TRUE(f.vmid_bits == 8 || f.vmid_bits == 16);
	/* VHE is reported exactly when the kernel runs at EL2. */
	EXPECT_EQ(f.current_el == 2, !!(f.flags & S2MMU_FEAT_VHE));
	/* The flags mirror the raw ID registers they come from. */
	EXPECT_EQ(((f.id_aa64isar0 >> 56) & 0xf) >= 2,
		  !!(f.flags & S2MMU_FEAT_TLBIRANGE));
	EXPECT_EQ(((f.id_aa64mmfr2 >> 48) & 0xf) >= 1,
		  !!(f.flags & S2MMU_FEAT_TTL));
	EXPECT_EQ(((f.id_aa64mmfr2 >> 40) & 0xf) >= 1,
		  !!(f.flags & S2MMU_FEAT_FWB));
	for (unsigned int i = 0; i < ARRAY_SIZE(f.reserved); i++)
		EXPECT_EQ(0ULL, f.reserved[i]);
	TH_LOG("EL%u, PA %u bits, IPA <= %u bits, VMID %u bits, flags %#x",
	       f.current_el, f.pa_bits, f.max_ipa_bits, f.vmid_bits, f.flags);
}

TEST_F(dev, features_bad_pointer)
{
	EXPECT_EQ(-1, ioctl(self->fd, S2MMU_GET_FEATURES, (void *)8));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(dev, bad_ioctl)
{
	/* Another subsystem's number, and an unused one of ours. */
	EXPECT_EQ(-1, ioctl(self->fd, _IO(0xAE, 0x00), 0));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IO(S2MMUIO, 0x3f), 0));
	EXPECT_EQ(ENOTTY, errno);
}

/* ---- VMs ---- */

TEST_F(dev, create_vm_ipa_bits)
{
	struct s2mmu_features f;
	unsigned long bits;
	int vm;

	ASSERT_EQ(0, ioctl(self->fd, S2MMU_GET_FEATURES, &f));
	/* 0 is the default, 40 bits. */
	vm = tst_create_vm(self->fd, 0);
	ASSERT_LE(0, vm);
	/* The VM fd does not leak into exec'ed programs. */
	EXPECT_EQ(FD_CLOEXEC, fcntl(vm, F_GETFD) & FD_CLOEXEC);
	close(vm);
	for (bits = S2MMU_IPA_BITS_MIN; bits <= f.max_ipa_bits; bits++) {
		vm = tst_create_vm(self->fd, bits);
		EXPECT_LE(0, vm);
		close(vm);
	}
	EXPECT_EQ(-EINVAL, tst_create_vm(self->fd, 1));
	EXPECT_EQ(-EINVAL, tst_create_vm(self->fd, 31));
	EXPECT_EQ(-EINVAL, tst_create_vm(self->fd, f.max_ipa_bits + 1));
	EXPECT_EQ(-EINVAL, tst_create_vm(self->fd, 49));
	EXPECT_EQ(-EINVAL, tst_create_vm(self->fd, 64));
	EXPECT_EQ(-EINVAL, tst_create_vm(self->fd, (1UL << 32) | 40));
	EXPECT_EQ(-EINVAL, tst_create_vm(self->fd, ~0UL));
}

TEST_F(dev, vcpu_mmap_size)
{
	EXPECT_EQ(sysconf(_SC_PAGESIZE),
		  tst_ioctl(self->fd, S2MMU_GET_VCPU_MMAP_SIZE, 0));
	EXPECT_EQ(-EINVAL, tst_ioctl(self->fd, S2MMU_GET_VCPU_MMAP_SIZE, 1));
}

TEST_F(dev, module_stats)
{
	struct s2mmu_module_stats ms;

	memset(&ms, 0xa5, sizeof(ms));
	ASSERT_EQ(0, tst_module_stats(self->fd, &ms));
	EXPECT_EQ((__u32)S2MMU_MODULE_STATS_VERSION, ms.version);
	EXPECT_EQ(sizeof(ms), ms.size);
	for (unsigned int i = 0; i < ARRAY_SIZE(ms.reserved); i++)
		EXPECT_EQ(0ULL, ms.reserved[i]);
	EXPECT_EQ(-EFAULT, tst_ioctl(self->fd, S2MMU_GET_MODULE_STATS, 8));
}

#define VM_GPA		0x10000000ULL
#define VM_SIZE		0x100000UL
#define VM_IPA_BITS	36

/*
 * A VM with one 1 MiB slot (id 0) whose first page is mapped, and a vCPU.
 * check_unchanged() proves a rejected call changed nothing: same slots,
 * same counters, the mapped page still mapped (no fault) with its data,
 * nothing mapped elsewhere.
 */
FIXTURE(vm) {
	int dev, vm;
	struct tst_vcpu vcpu;
	__u8 *mem;
	struct s2mmu_stats base;
};

FIXTURE_SETUP(vm)
{
	struct s2mmu_vcpu_access a;
	__u64 v;

	self->vcpu.fd = -1;
	self->vm = -1;
	self->dev = tst_open_dev();
	ASSERT_LE(0, self->dev);
	self->vm = tst_create_vm(self->dev, VM_IPA_BITS);
	ASSERT_LE(0, self->vm);
	self->mem = tst_alloc(TST_ANON, 4 * VM_SIZE);
	ASSERT_NE(NULL, self->mem);
	memset(self->mem, 0x3c, 4 * VM_SIZE);
	ASSERT_EQ(0, tst_set_region(self->vm, 0, 0, VM_GPA, VM_SIZE, self->mem));
	ASSERT_EQ(0, tst_create_vcpu(self->dev, self->vm, 0, &self->vcpu));
	ASSERT_EQ(0, tst_access(&self->vcpu, VM_GPA, &v, 8, S2MMU_ACCESS_READ,
				&a));
	ASSERT_EQ(0, tst_stats(self->vm, &self->base));
	ASSERT_EQ(1ULL, self->base.memslots);
	ASSERT_EQ(1ULL, self->base.pages_pinned);
}

FIXTURE_TEARDOWN(vm)
{
	tst_destroy_vcpu(&self->vcpu);
	if (self->vm >= 0)
		close(self->vm);
	if (self->mem)
		munmap(self->mem, 4 * VM_SIZE);
	close(self->dev);
}

static void check_unchanged(struct __test_metadata *_metadata,
			    struct _test_data_vm *self)
{
	struct s2mmu_vcpu_access a;
	struct s2mmu_stats st;
	__u64 v = 0;

	ASSERT_EQ(0, tst_stats(self->vm, &st));
	/* Lookups walk the table too (this check's own reads): no change. */
	st.table_walks = self->base.table_walks;
	EXPECT_EQ(0, memcmp(&self->base, &st, sizeof(st)));
	ASSERT_EQ(0, tst_access(&self->vcpu, VM_GPA, &v, 8, S2MMU_ACCESS_READ,
				&a));
	EXPECT_EQ(0ULL, tst_faults(&a));
	EXPECT_EQ(0x3c3c3c3c3c3c3c3cULL, v);
	/* Right after the slot: still nothing there. */
	ASSERT_EQ(0, tst_access(&self->vcpu, VM_GPA + VM_SIZE, &v, 8,
				S2MMU_ACCESS_READ, &a));
	EXPECT_EQ((__u32)S2MMU_EXIT_MMIO, a.exit_reason);
	/* The probes above are counted: make them part of the baseline. */
	ASSERT_EQ(0, tst_stats(self->vm, &self->base));
}

#define EXPECT_REGION(err, slot, flags, gpa, size, uaddr)		\
	do {								\
		EXPECT_EQ(err, tst_set_region(self->vm, slot, flags, gpa, \
					      size, uaddr));		\
		check_unchanged(_metadata, self);			\
	} while (0)

TEST_F(vm, region_bad_fields)
{
	__u8 *m = self->mem + 2 * VM_SIZE;
	__u64 top = 1ULL << VM_IPA_BITS;

	EXPECT_REGION(-EINVAL, 1, 1U << 2, VM_GPA + VM_SIZE, VM_SIZE, m);
	EXPECT_REGION(-EINVAL, 1, ~0U, VM_GPA + VM_SIZE, VM_SIZE, m);
	EXPECT_REGION(-EINVAL, S2MMU_MEMSLOT_ID_LIMIT, 0, VM_GPA + VM_SIZE,
		      VM_SIZE, m);
	EXPECT_REGION(-EINVAL, 1U << 16, 0, VM_GPA + VM_SIZE, VM_SIZE, m);
	EXPECT_REGION(-EINVAL, 1, 0, VM_GPA + VM_SIZE + 8, VM_SIZE, m);
	EXPECT_REGION(-EINVAL, 1, 0, VM_GPA + VM_SIZE, VM_SIZE - 8, m);
	EXPECT_REGION(-EINVAL, 1, 0, VM_GPA + VM_SIZE, VM_SIZE, m + 8);
	/* Beyond the IPA size, or wrapping around. */
	EXPECT_REGION(-EINVAL, 1, 0, top - VM_SIZE / 2, VM_SIZE, m);
	EXPECT_REGION(-EINVAL, 1, 0, top, VM_SIZE, m);
	EXPECT_REGION(-EINVAL, 1, 0, -VM_SIZE, 2 * VM_SIZE, m);
	EXPECT_REGION(-EINVAL, 1, 0, VM_GPA + VM_SIZE, -4096ULL, m);
	EXPECT_REGION(-EINVAL, 1, 0, VM_GPA + VM_SIZE, VM_SIZE,
		      (void *)-4096UL);
	/* Not user memory. */
	EXPECT_REGION(-EFAULT, 1, 0, VM_GPA + VM_SIZE, VM_SIZE,
		      (void *)0xffff000000000000UL);
	/* Deleting a slot that does not exist. */
	EXPECT_REGION(-EINVAL, 1, 0, VM_GPA + VM_SIZE, 0, m);
	/* The argument itself unreadable. */
	EXPECT_EQ(-EFAULT, tst_ioctl(self->vm, S2MMU_SET_USER_MEMORY_REGION, 8));
	check_unchanged(_metadata, self);
}

TEST_F(vm, region_overlap)
{
	__u8 *m = self->mem + 2 * VM_SIZE;

	/* Overlapping slot 0 from below, from above, inside, around. */
	EXPECT_REGION(-EEXIST, 1, 0, VM_GPA - VM_SIZE / 2, VM_SIZE, m);
	EXPECT_REGION(-EEXIST, 1, 0, VM_GPA + VM_SIZE / 2, VM_SIZE, m);
	EXPECT_REGION(-EEXIST, 1, 0, VM_GPA + 4096, 4096, m);
	EXPECT_REGION(-EEXIST, 1, 0, VM_GPA - VM_SIZE, 4 * VM_SIZE, m);
	/* Adjacent is fine. */
	EXPECT_EQ(0, tst_set_region(self->vm, 1, 0, VM_GPA - VM_SIZE, VM_SIZE,
				    m));
	EXPECT_EQ(0, tst_set_region(self->vm, 1, 0, VM_GPA - VM_SIZE, 0, m));
	check_unchanged(_metadata, self);
}

TEST_F(vm, region_change_rules)
{
	__u8 *m = self->mem + 2 * VM_SIZE;

	/* Size, backing address and READONLY are fixed for a slot's life. */
	EXPECT_REGION(-EINVAL, 0, 0, VM_GPA, 2 * VM_SIZE, self->mem);
	EXPECT_REGION(-EINVAL, 0, 0, VM_GPA, VM_SIZE, m);
	EXPECT_REGION(-EINVAL, 0, S2MMU_MEM_READONLY, VM_GPA, VM_SIZE,
		      self->mem);
	/* A move onto another slot. */
	ASSERT_EQ(0, tst_set_region(self->vm, 1, 0, VM_GPA + 4 * VM_SIZE,
				    VM_SIZE, m));
	self->base.memslots = 2;
	EXPECT_EQ(-EEXIST, tst_set_region(self->vm, 0, 0,
					  VM_GPA + 4 * VM_SIZE - 4096, VM_SIZE,
					  self->mem));
	ASSERT_EQ(0, tst_set_region(self->vm, 1, 0, VM_GPA + 4 * VM_SIZE, 0,
				    m));
	self->base.memslots = 1;
	check_unchanged(_metadata, self);
	/* The same call twice changes nothing. */
	EXPECT_REGION(0, 0, 0, VM_GPA, VM_SIZE, self->mem);
}

TEST_F(vm, region_too_many)
{
	__u64 gpa = 0x20000000ULL;
	int i;

	for (i = 1; i < S2MMU_MAX_MEMSLOTS; i++)
		ASSERT_EQ(0, tst_set_region(self->vm, i, 0, gpa + i * 4096,
					    4096, self->mem));
	self->base.memslots = S2MMU_MAX_MEMSLOTS;
	EXPECT_REGION(-ENOSPC, 1000, 0, gpa, 4096, self->mem);
	/* Overlap is reported before room. */
	EXPECT_REGION(-EEXIST, 1000, 0, gpa + 4096, 4096, self->mem);
	/* Freeing one makes room. */
	ASSERT_EQ(0, tst_set_region(self->vm, 5, 0, 0, 0, NULL));
	EXPECT_EQ(0, tst_set_region(self->vm, 1000, 0, gpa, 4096, self->mem));
}

/* Delete, move and flags change do what they say, and unmap first. */
TEST_F(vm, region_move_delete)
{
	struct s2mmu_vcpu_access a;
	struct s2mmu_stats st;
	__u64 v;

	ASSERT_EQ(0, tst_set_region(self->vm, 0, 0, VM_GPA + 8 * VM_SIZE,
				    VM_SIZE, self->mem));
	ASSERT_EQ(0, tst_stats(self->vm, &st));
	EXPECT_EQ(0ULL, st.pages_pinned);
	ASSERT_EQ(0, tst_access(&self->vcpu, VM_GPA, &v, 8, S2MMU_ACCESS_READ,
				&a));
	EXPECT_EQ((__u32)S2MMU_EXIT_MMIO, a.exit_reason);
	ASSERT_EQ(0, tst_access(&self->vcpu, VM_GPA + 8 * VM_SIZE, &v, 8,
				S2MMU_ACCESS_READ, &a));
	EXPECT_EQ((__u32)S2MMU_EXIT_NONE, a.exit_reason);
	EXPECT_EQ(1U, a.faults_translation);
	EXPECT_EQ(0x3c3c3c3c3c3c3c3cULL, v);

	/* Dirty logging on: the writable mapping becomes read-only. */
	ASSERT_EQ(0, tst_access(&self->vcpu, VM_GPA + 8 * VM_SIZE, &v, 8,
				S2MMU_ACCESS_WRITE, &a));
	ASSERT_EQ(0, tst_set_region(self->vm, 0, S2MMU_MEM_LOG_DIRTY_PAGES,
				    VM_GPA + 8 * VM_SIZE, VM_SIZE, self->mem));
	ASSERT_EQ(0, tst_access(&self->vcpu, VM_GPA + 8 * VM_SIZE, &v, 8,
				S2MMU_ACCESS_WRITE, &a));
	EXPECT_EQ(1U, a.faults_permission);
	ASSERT_EQ(0, tst_set_region(self->vm, 0, 0, VM_GPA + 8 * VM_SIZE,
				    VM_SIZE, self->mem));

	ASSERT_EQ(0, tst_set_region(self->vm, 0, 0, 0, 0, NULL));
	ASSERT_EQ(0, tst_stats(self->vm, &st));
	EXPECT_EQ(0ULL, st.memslots);
	EXPECT_EQ(0ULL, st.pages_pinned);
	ASSERT_EQ(0, tst_access(&self->vcpu, VM_GPA + 8 * VM_SIZE, &v, 8,
				S2MMU_ACCESS_READ, &a));
	EXPECT_EQ((__u32)S2MMU_EXIT_MMIO, a.exit_reason);
}

TEST_F(vm, vcpu_bad_fields)
{
	struct tst_vcpu v2 = { .fd = -1 };

	EXPECT_EQ(-EINVAL, tst_ioctl(self->vm, S2MMU_CREATE_VCPU,
				     S2MMU_MAX_VCPUS));
	EXPECT_EQ(-EINVAL, tst_ioctl(self->vm, S2MMU_CREATE_VCPU, ~0UL));
	EXPECT_EQ(-EINVAL, tst_ioctl(self->vm, S2MMU_CREATE_VCPU,
				     (1UL << 32)));
	EXPECT_EQ(-EEXIST, tst_ioctl(self->vm, S2MMU_CREATE_VCPU, 0));
	check_unchanged(_metadata, self);
	ASSERT_EQ(0, tst_create_vcpu(self->dev, self->vm,
				     S2MMU_MAX_VCPUS - 1, &v2));
	EXPECT_EQ(FD_CLOEXEC, fcntl(v2.fd, F_GETFD) & FD_CLOEXEC);
	/* The shared page is there and starts with no exit. */
	EXPECT_EQ((__u32)S2MMU_EXIT_NONE, v2.run->exit_reason);
	tst_destroy_vcpu(&v2);
	/* An id stays taken for the VM's life. */
	EXPECT_EQ(-EEXIST, tst_ioctl(self->vm, S2MMU_CREATE_VCPU,
				     S2MMU_MAX_VCPUS - 1));
	self->base.vcpus = 2;
	check_unchanged(_metadata, self);
}

static int access_raw(struct _test_data_vm *self, struct s2mmu_vcpu_access *a)
{
	return tst_ioctl(self->vcpu.fd, S2MMU_VCPU_ACCESS, (unsigned long)a);
}

TEST_F(vm, access_bad_fields)
{
	__u64 buf[4], top = 1ULL << VM_IPA_BITS;
	struct s2mmu_vcpu_access good = {
		.ipa = VM_GPA, .buf = (uintptr_t)buf, .len = 8,
		.kind = S2MMU_ACCESS_READ,
	}, a;
	void *ro;

	a = good; a.kind = 3;
	EXPECT_EQ(-EINVAL, access_raw(self, &a));
	a = good; a.kind = ~0U;
	EXPECT_EQ(-EINVAL, access_raw(self, &a));
	a = good; a.flags = 1;
	EXPECT_EQ(-EINVAL, access_raw(self, &a));
	a = good; a.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, access_raw(self, &a));
	a = good; a.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, access_raw(self, &a));
	a = good; a.len = 0;
	EXPECT_EQ(-EINVAL, access_raw(self, &a));
	a = good; a.len = S2MMU_ACCESS_MAX_LEN + 1;
	EXPECT_EQ(-EINVAL, access_raw(self, &a));
	a = good; a.ipa = top - 4;
	EXPECT_EQ(-EINVAL, access_raw(self, &a));
	a = good; a.ipa = top;
	EXPECT_EQ(-EINVAL, access_raw(self, &a));
	a = good; a.ipa = ~0ULL - 3;
	EXPECT_EQ(-EINVAL, access_raw(self, &a));
	a = good; a.buf = 0xffff000000000000ULL;
	EXPECT_EQ(-EFAULT, access_raw(self, &a));
	a = good; a.buf = -8ULL; a.len = 16;
	EXPECT_EQ(-EFAULT, access_raw(self, &a));
	/* A read into memory the caller cannot write. */
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	a = good; a.buf = (uintptr_t)ro;
	EXPECT_EQ(-EFAULT, access_raw(self, &a));
	munmap(ro, 4096);
	EXPECT_EQ(-EFAULT, tst_ioctl(self->vcpu.fd, S2MMU_VCPU_ACCESS, 8));
	/* Output fields given on input are ignored, not rejected. */
	a = good; a.done = 99; a.faults_translation = 5;
	EXPECT_EQ(0, access_raw(self, &a));
	EXPECT_EQ(8U, a.done);
	EXPECT_EQ(0U, a.faults_translation);
	check_unchanged(_metadata, self);
}

/* A slot whose backing memory is gone: the access fails, -EFAULT. */
TEST_F(vm, access_unbacked)
{
	struct s2mmu_vcpu_access a;
	__u8 *m = tst_alloc(TST_ANON, VM_SIZE);
	__u64 v;

	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, tst_set_region(self->vm, 1, 0, VM_GPA + VM_SIZE, VM_SIZE,
				    m));
	munmap(m, VM_SIZE);
	EXPECT_EQ(-EFAULT, tst_access(&self->vcpu, VM_GPA + VM_SIZE, &v, 8,
				      S2MMU_ACCESS_READ, &a));
	ASSERT_EQ(0, tst_set_region(self->vm, 1, 0, VM_GPA + VM_SIZE, 0, m));
	/* The failed fault is counted, and left nothing behind. */
	ASSERT_EQ(0, tst_stats(self->vm, &self->base));
	EXPECT_EQ(1ULL, self->base.memslots);
	EXPECT_EQ(1ULL, self->base.pages_pinned);
	EXPECT_EQ(1ULL, self->base.mapped_l3);
	check_unchanged(_metadata, self);
}

TEST_F(vm, stats)
{
	struct s2mmu_stats st;

	memset(&st, 0xa5, sizeof(st));
	ASSERT_EQ(0, tst_stats(self->vm, &st));
	EXPECT_EQ((__u32)S2MMU_STATS_VERSION, st.version);
	EXPECT_EQ(sizeof(st), st.size);
	EXPECT_EQ(1ULL, st.vcpus);
	for (unsigned int i = 0; i < ARRAY_SIZE(st.reserved); i++)
		EXPECT_EQ(0ULL, st.reserved[i]);
	EXPECT_EQ(-EFAULT, tst_ioctl(self->vm, S2MMU_GET_STATS, 8));
}

TEST_F(vm, unknown_ioctls)
{
	EXPECT_EQ(-ENOTTY, tst_ioctl(self->vm, _IO(S2MMUIO, 0x5f), 0));
	EXPECT_EQ(-ENOTTY, tst_ioctl(self->vm, S2MMU_VCPU_ACCESS, 0));
	EXPECT_EQ(-ENOTTY, tst_ioctl(self->vcpu.fd, _IO(S2MMUIO, 0x8f), 0));
	EXPECT_EQ(-ENOTTY, tst_ioctl(self->vcpu.fd, S2MMU_GET_STATS, 0));
	EXPECT_EQ(-ENOTTY, tst_ioctl(self->dev, S2MMU_GET_STATS, 0));
	check_unchanged(_metadata, self);
}

/* A VM belongs to its creator's address space. */
TEST_F(vm, other_process)
{
	int status;
	pid_t pid;

	/*
	 * Keep guest memory out of the child, as a VMM does: a copy-on-write
	 * fork write-protects it, and the MMU notifier then unmaps it from
	 * stage 2 -- a change this test is not about.
	 */
	ASSERT_EQ(0, madvise(self->mem, 4 * VM_SIZE, MADV_DONTFORK));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct s2mmu_stats st;
		__u64 v;
		int bad = 0;

		bad |= tst_stats(self->vm, &st) != -EIO;
		bad |= tst_set_region(self->vm, 1, 0, VM_GPA + VM_SIZE, VM_SIZE,
				      self->mem) != -EIO;
		bad |= tst_ioctl(self->vm, S2MMU_CREATE_VCPU, 1) != -EIO;
		bad |= tst_access(&self->vcpu, VM_GPA, &v, 8,
				  S2MMU_ACCESS_READ, NULL) != -EIO;
		_exit(bad);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	check_unchanged(_metadata, self);
}

TEST_HARNESS_MAIN
