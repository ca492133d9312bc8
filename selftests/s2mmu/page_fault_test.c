// SPDX-License-Identifier: GPL-2.0
/*
 * The stage-2 fault matrix: {anonymous, anonymous+THP, hugetlbfs, shared
 * memfd} x {RW slot, RO slot} x {dirty logging off, on} x {read, write,
 * exec}.  Each access is checked for its data (or MMIO exit), the faults
 * it took by kind, and what the VM's counters say happened: mappings by
 * level, pins, dirty marks, BBMs, relaxes.
 */
#include "s2mmu_util.h"
#include "../kselftest_harness.h"

#define SLOT_GPA	0x40000000ULL
#define SLOT_SIZE	(2 * TST_2M)
/* Page 1 of the second 2M block, offset 8. */
#define TEST_OFF	(TST_2M + TST_PAGE + 8)

static __u64 pattern(__u64 off)
{
	return 0x5a5a000000000000ULL | off;
}

FIXTURE(pf) {
	int dev, vm;
	struct tst_vcpu vcpu;
	__u8 *mem;
	int huge;	/* the host backs the slot with 2M pages */
	int block;	/* and so stage 2 maps blocks */
	struct s2mmu_stats before;
};

FIXTURE_VARIANT(pf) {
	enum tst_backing backing;
	int readonly;
	int logging;
};

FIXTURE_VARIANT_ADD(pf, ANON_rw_nolog) {
	.backing = TST_ANON,
	.readonly = 0,
	.logging = 0,
};

FIXTURE_VARIANT_ADD(pf, ANON_rw_log) {
	.backing = TST_ANON,
	.readonly = 0,
	.logging = 1,
};

FIXTURE_VARIANT_ADD(pf, ANON_ro_nolog) {
	.backing = TST_ANON,
	.readonly = 1,
	.logging = 0,
};

FIXTURE_VARIANT_ADD(pf, ANON_ro_log) {
	.backing = TST_ANON,
	.readonly = 1,
	.logging = 1,
};

FIXTURE_VARIANT_ADD(pf, ANON_THP_rw_nolog) {
	.backing = TST_ANON_THP,
	.readonly = 0,
	.logging = 0,
};

FIXTURE_VARIANT_ADD(pf, ANON_THP_rw_log) {
	.backing = TST_ANON_THP,
	.readonly = 0,
	.logging = 1,
};

FIXTURE_VARIANT_ADD(pf, ANON_THP_ro_nolog) {
	.backing = TST_ANON_THP,
	.readonly = 1,
	.logging = 0,
};

FIXTURE_VARIANT_ADD(pf, ANON_THP_ro_log) {
	.backing = TST_ANON_THP,
	.readonly = 1,
	.logging = 1,
};

FIXTURE_VARIANT_ADD(pf, HUGETLB_rw_nolog) {
	.backing = TST_HUGETLB,
	.readonly = 0,
	.logging = 0,
};

FIXTURE_VARIANT_ADD(pf, HUGETLB_rw_log) {
	.backing = TST_HUGETLB,
	.readonly = 0,
	.logging = 1,
};

FIXTURE_VARIANT_ADD(pf, HUGETLB_ro_nolog) {
	.backing = TST_HUGETLB,
	.readonly = 1,
	.logging = 0,
};

FIXTURE_VARIANT_ADD(pf, HUGETLB_ro_log) {
	.backing = TST_HUGETLB,
	.readonly = 1,
	.logging = 1,
};

FIXTURE_VARIANT_ADD(pf, MEMFD_rw_nolog) {
	.backing = TST_MEMFD,
	.readonly = 0,
	.logging = 0,
};

FIXTURE_VARIANT_ADD(pf, MEMFD_rw_log) {
	.backing = TST_MEMFD,
	.readonly = 0,
	.logging = 1,
};

FIXTURE_VARIANT_ADD(pf, MEMFD_ro_nolog) {
	.backing = TST_MEMFD,
	.readonly = 1,
	.logging = 0,
};

FIXTURE_VARIANT_ADD(pf, MEMFD_ro_log) {
	.backing = TST_MEMFD,
	.readonly = 1,
	.logging = 1,
};

FIXTURE_SETUP(pf)
{
	__u32 flags = 0;
	unsigned long huge;
	__u64 off;

	self->vm = -1;
	self->vcpu.fd = -1;
	self->dev = tst_open_dev();
	ASSERT_LE(0, self->dev);
	self->mem = tst_alloc(variant->backing, SLOT_SIZE);
	if (!self->mem)
		SKIP(return, "no %s memory", tst_backing_name(variant->backing));
	/* Populated by the host: no zero pages here (see bbm_test). */
	for (off = 0; off < SLOT_SIZE; off += 8)
		*(__u64 *)(self->mem + off) = pattern(off);
	huge = tst_host_huge_bytes(self->mem);
	if (huge && huge < SLOT_SIZE)
		SKIP(return, "host backs the slot partly with huge pages");
	self->huge = huge >= SLOT_SIZE;
	/* THP may be unavailable; hugetlbfs, once allocated, is not. */
	if (variant->backing == TST_HUGETLB)
		ASSERT_TRUE(self->huge);
	self->block = self->huge && !variant->logging;
	TH_LOG("%s: host huge pages %s", tst_backing_name(variant->backing),
	       self->huge ? "yes" : "no");

	self->vm = tst_create_vm(self->dev, 0);
	ASSERT_LE(0, self->vm);
	if (variant->readonly)
		flags |= S2MMU_MEM_READONLY;
	if (variant->logging)
		flags |= S2MMU_MEM_LOG_DIRTY_PAGES;
	ASSERT_EQ(0, tst_set_region(self->vm, 0, flags, SLOT_GPA, SLOT_SIZE,
				    self->mem));
	ASSERT_EQ(0, tst_create_vcpu(self->dev, self->vm, 0, &self->vcpu));
	ASSERT_EQ(0, tst_stats(self->vm, &self->before));
}

FIXTURE_TEARDOWN(pf)
{
	tst_destroy_vcpu(&self->vcpu);
	if (self->vm >= 0)
		close(self->vm);
	if (self->mem)
		munmap(self->mem, SLOT_SIZE);
	close(self->dev);
}

/* One access of 8 bytes at TEST_OFF; returns the descriptor. */
static struct s2mmu_vcpu_access access8(struct tst_vcpu *v, __u32 kind,
					__u64 *val, int *ret)
{
	struct s2mmu_vcpu_access a;

	*ret = tst_access(v, SLOT_GPA + TEST_OFF, val, 8, kind, &a);
	return a;
}

/* The first access of a page: one translation fault, one mapping. */
static void check_first_map(struct __test_metadata *_metadata,
			    struct _test_data_pf *self,
			    const struct s2mmu_vcpu_access *a,
			    const struct s2mmu_stats *d)
{
	EXPECT_EQ(1U, a->faults_translation);
	EXPECT_EQ(0U, a->faults_access);
	EXPECT_EQ(0U, a->faults_permission);
	EXPECT_EQ(1ULL, d->faults_translation);
	EXPECT_EQ(0ULL, d->faults_permission);
	EXPECT_EQ(0ULL, d->faults_spurious);
	EXPECT_EQ(0ULL, d->bbm);
	EXPECT_EQ(0ULL, d->mapped_l1);
	EXPECT_EQ(self->block ? 1ULL : 0ULL, d->mapped_l2);
	EXPECT_EQ(self->block ? 0ULL : 1ULL, d->mapped_l3);
	EXPECT_EQ(self->block ? 512ULL : 1ULL, d->pages_pinned);
	EXPECT_EQ(0ULL, d->zero_page_maps);
}

TEST_F(pf, read)
{
	struct s2mmu_vcpu_access a;
	struct s2mmu_stats d;
	__u64 val = 0;
	int ret;

	a = access8(&self->vcpu, S2MMU_ACCESS_READ, &val, &ret);
	ASSERT_EQ(0, ret);
	EXPECT_EQ(8U, a.done);
	EXPECT_EQ((__u32)S2MMU_EXIT_NONE, a.exit_reason);
	EXPECT_EQ(pattern(TEST_OFF), val);
	d = tst_stats_since(self->vm, &self->before);
	check_first_map(_metadata, self, &a, &d);
	EXPECT_EQ(0ULL, d.dirty_marked);
	EXPECT_EQ(0ULL, d.mmio_exits);

	/* Mapped now: the same access takes no fault. */
	a = access8(&self->vcpu, S2MMU_ACCESS_READ, &val, &ret);
	ASSERT_EQ(0, ret);
	EXPECT_EQ(0ULL, tst_faults(&a));
	EXPECT_EQ(pattern(TEST_OFF), val);
}

TEST_F(pf, write)
{
	__u64 val = 0x1122334455667788ULL, back = 0;
	struct s2mmu_vcpu_access a;
	struct s2mmu_stats d;
	int ret;

	a = access8(&self->vcpu, S2MMU_ACCESS_WRITE, &val, &ret);
	ASSERT_EQ(0, ret);
	d = tst_stats_since(self->vm, &self->before);
	if (variant->readonly) {
		/* A write to a read-only slot is the VMM's to emulate. */
		EXPECT_EQ(0U, a.done);
		EXPECT_EQ((__u32)S2MMU_EXIT_MMIO, a.exit_reason);
		EXPECT_EQ((__u32)S2MMU_EXIT_MMIO, self->vcpu.run->exit_reason);
		EXPECT_EQ(SLOT_GPA + TEST_OFF, self->vcpu.run->mmio.phys_addr);
		EXPECT_EQ(8U, self->vcpu.run->mmio.len);
		EXPECT_EQ(1, self->vcpu.run->mmio.is_write);
		EXPECT_EQ(0, memcmp(&val, self->vcpu.run->mmio.data, 8));
		EXPECT_EQ(pattern(TEST_OFF),
			  *(__u64 *)(self->mem + TEST_OFF));
		EXPECT_EQ(1U, a.faults_translation);
		EXPECT_EQ(1ULL, d.mmio_exits);
		EXPECT_EQ(0ULL, d.pages_pinned);
		EXPECT_EQ(0ULL, d.mapped_l2 + d.mapped_l3);
		EXPECT_EQ(0ULL, d.dirty_marked);
		return;
	}
	EXPECT_EQ(8U, a.done);
	EXPECT_EQ((__u32)S2MMU_EXIT_NONE, a.exit_reason);
	/* The data went to the host's page. */
	EXPECT_EQ(val, *(__u64 *)(self->mem + TEST_OFF));
	check_first_map(_metadata, self, &a, &d);
	EXPECT_EQ(self->block ? 512ULL : 1ULL, d.dirty_marked);
	EXPECT_EQ(0ULL, d.mmio_exits);

	a = access8(&self->vcpu, S2MMU_ACCESS_READ, &back, &ret);
	ASSERT_EQ(0, ret);
	EXPECT_EQ(0ULL, tst_faults(&a));
	EXPECT_EQ(val, back);
}

TEST_F(pf, exec)
{
	struct s2mmu_vcpu_access a;
	struct s2mmu_stats d;
	__u64 val = 0;
	int ret;

	a = access8(&self->vcpu, S2MMU_ACCESS_EXEC, &val, &ret);
	ASSERT_EQ(0, ret);
	EXPECT_EQ(8U, a.done);
	EXPECT_EQ(pattern(TEST_OFF), val);
	d = tst_stats_since(self->vm, &self->before);
	check_first_map(_metadata, self, &a, &d);
	EXPECT_EQ(0ULL, d.dirty_marked);

	/* Executable and readable: a read takes no fault. */
	a = access8(&self->vcpu, S2MMU_ACCESS_READ, &val, &ret);
	ASSERT_EQ(0, ret);
	EXPECT_EQ(0ULL, tst_faults(&a));
}

/*
 * read, then write, then exec the same page: the first maps, the others
 * only raise permissions in place (no BBM), or exit to MMIO for a write
 * to a read-only slot.
 */
TEST_F(pf, read_write_exec)
{
	__u64 val = 0, w = 0xfeedfacecafebeefULL;
	struct s2mmu_vcpu_access a;
	struct s2mmu_stats d;
	int ret;

	a = access8(&self->vcpu, S2MMU_ACCESS_READ, &val, &ret);
	ASSERT_EQ(0, ret);
	EXPECT_EQ(1U, a.faults_translation);

	a = access8(&self->vcpu, S2MMU_ACCESS_WRITE, &w, &ret);
	ASSERT_EQ(0, ret);
	EXPECT_EQ(0U, a.faults_translation);
	EXPECT_EQ(1U, a.faults_permission);
	d = tst_stats_since(self->vm, &self->before);
	if (variant->readonly) {
		EXPECT_EQ((__u32)S2MMU_EXIT_MMIO, a.exit_reason);
		EXPECT_EQ(0ULL, d.relax_perms);
		EXPECT_EQ(0ULL, d.dirty_marked);
	} else {
		EXPECT_EQ((__u32)S2MMU_EXIT_NONE, a.exit_reason);
		EXPECT_EQ(w, *(__u64 *)(self->mem + TEST_OFF));
		EXPECT_EQ(1ULL, d.relax_perms);
		EXPECT_EQ(self->block ? 512ULL : 1ULL, d.dirty_marked);
	}
	EXPECT_EQ(0ULL, d.bbm);

	a = access8(&self->vcpu, S2MMU_ACCESS_EXEC, &val, &ret);
	ASSERT_EQ(0, ret);
	EXPECT_EQ(0U, a.faults_translation);
	EXPECT_EQ(1U, a.faults_permission);
	EXPECT_EQ(variant->readonly ? pattern(TEST_OFF) : w, val);

	d = tst_stats_since(self->vm, &self->before);
	EXPECT_EQ(0ULL, d.bbm);
	EXPECT_EQ(variant->readonly ? 1ULL : 2ULL, d.relax_perms);
	EXPECT_EQ(1ULL, d.faults_translation);
	EXPECT_EQ(2ULL, d.faults_permission);
	EXPECT_EQ(self->block ? 1ULL : 0ULL, d.mapped_l2);
	EXPECT_EQ(self->block ? 0ULL : 1ULL, d.mapped_l3);
	/* Raising permissions is never broadcast. */
	EXPECT_EQ(0ULL, d.tlbi_ipa + d.tlbi_range + d.tlbi_vmid);
	/* Neither is a pin ever taken twice for one page. */
	EXPECT_EQ(self->block ? 512ULL : 1ULL, d.pages_pinned);
	tst_print_stats(stderr, &d);
}

/* Write then read: the write mapped it writable, the read is free. */
TEST_F(pf, write_read)
{
	__u64 w = 0x0102030405060708ULL, val = 0;
	struct s2mmu_vcpu_access a;
	int ret;

	a = access8(&self->vcpu, S2MMU_ACCESS_WRITE, &w, &ret);
	ASSERT_EQ(0, ret);
	a = access8(&self->vcpu, S2MMU_ACCESS_READ, &val, &ret);
	ASSERT_EQ(0, ret);
	if (variant->readonly) {
		/* The MMIO exit mapped nothing: the read maps. */
		EXPECT_EQ(1U, a.faults_translation);
		EXPECT_EQ(pattern(TEST_OFF), val);
	} else {
		EXPECT_EQ(0ULL, tst_faults(&a));
		EXPECT_EQ(w, val);
	}
}

/* An access across a page boundary faults each page once. */
TEST_F(pf, cross_page)
{
	__u64 off = 2 * TST_PAGE - 16;
	__u8 buf[32], want[32];
	struct s2mmu_vcpu_access a;
	struct s2mmu_stats d;
	int ret;

	memcpy(want, self->mem + off, sizeof(want));
	ret = tst_access(&self->vcpu, SLOT_GPA + off, buf, sizeof(buf),
			 S2MMU_ACCESS_READ, &a);
	ASSERT_EQ(0, ret);
	EXPECT_EQ(sizeof(buf), a.done);
	EXPECT_EQ(0, memcmp(buf, want, sizeof(buf)));
	d = tst_stats_since(self->vm, &self->before);
	/* Two pages, or one block covering both. */
	EXPECT_EQ(self->block ? 1U : 2U, a.faults_translation);
	EXPECT_EQ(self->block ? 1ULL : 2ULL, d.mapped_l2 + d.mapped_l3);
}

/* Outside every slot: an MMIO exit, whatever the kind. */
TEST_F(pf, no_slot_mmio)
{
	__u64 val = 0x42;
	struct s2mmu_vcpu_access a;
	struct s2mmu_stats d;
	int ret;

	ret = tst_access(&self->vcpu, SLOT_GPA + SLOT_SIZE + 16, &val, 4,
			 S2MMU_ACCESS_READ, &a);
	ASSERT_EQ(0, ret);
	EXPECT_EQ(0U, a.done);
	EXPECT_EQ((__u32)S2MMU_EXIT_MMIO, a.exit_reason);
	EXPECT_EQ(SLOT_GPA + SLOT_SIZE + 16, self->vcpu.run->mmio.phys_addr);
	EXPECT_EQ(4U, self->vcpu.run->mmio.len);
	EXPECT_EQ(0, self->vcpu.run->mmio.is_write);

	/* A write straddling the slot's end completes up to the end. */
	ret = tst_access(&self->vcpu, SLOT_GPA + SLOT_SIZE - 4, &val, 8,
			 S2MMU_ACCESS_WRITE, &a);
	ASSERT_EQ(0, ret);
	EXPECT_EQ((__u32)S2MMU_EXIT_MMIO, a.exit_reason);
	EXPECT_EQ(variant->readonly ? 0U : 4U, a.done);
	EXPECT_EQ(variant->readonly ? SLOT_GPA + SLOT_SIZE - 4 :
				      SLOT_GPA + SLOT_SIZE,
		  self->vcpu.run->mmio.phys_addr);
	EXPECT_EQ(1, self->vcpu.run->mmio.is_write);
	d = tst_stats_since(self->vm, &self->before);
	EXPECT_EQ(2ULL, d.mmio_exits);
	tst_print_stats(stderr, &d);
}

TEST_HARNESS_MAIN
