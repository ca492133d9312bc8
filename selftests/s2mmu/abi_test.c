// SPDX-License-Identifier: GPL-2.0
/*
 * abi_test: behaviours Documentation/abi.rst and the uapi header promise
 * that the errno checks of api_test and ioctl_fuzz_test do not reach --
 * what an accepted call does at the edges (progress of an access that
 * stopped part-way, moving a slot while changing its logging, logging a
 * read-only slot, clearing zero pages), and the hardware-translation
 * oracle's answers for IPAs that are not page aligned and its debug table
 * budget; S2MMU_GET_STATS for a structure of another size than today's.
 */
#include "s2mmu_util.h"

#include <stdbool.h>
#include "../kselftest_harness.h"

#define IPA_BITS	36
#define GPA		0x10000000ULL
#define SIZE		0x100000ULL
#define PAGES		(SIZE / TST_PAGE)

FIXTURE(abi) {
	int dev, vm;
	struct tst_vcpu vcpu;
	struct s2mmu_features feat;
	__u8 *mem;
};

FIXTURE_SETUP(abi)
{
	self->vm = -1;
	self->vcpu.fd = -1;
	self->dev = tst_open_dev();
	if (self->dev < 0)
		SKIP(return, "/dev/s2mmu: %s (module not loaded?)", strerror(errno));
	ASSERT_EQ(0, tst_ioctl(self->dev, S2MMU_GET_FEATURES,
			       (unsigned long)&self->feat));
	self->vm = tst_create_vm(self->dev, IPA_BITS);
	ASSERT_LE(0, self->vm);
	self->mem = tst_alloc(TST_ANON, 2 * SIZE);
	ASSERT_NE(NULL, self->mem);
	memset(self->mem, 0x11, 2 * SIZE);
	ASSERT_EQ(0, tst_create_vcpu(self->dev, self->vm, 0, &self->vcpu));
}

FIXTURE_TEARDOWN(abi)
{
	tst_destroy_vcpu(&self->vcpu);
	if (self->vm >= 0)
		close(self->vm);
	if (self->mem)
		munmap(self->mem, 2 * SIZE);
	if (self->dev >= 0)
		close(self->dev);
}

static bool hw_at(const struct _test_data_abi *self)
{
	return self->feat.flags & S2MMU_FEAT_HW_AT;
}

/*
 * A buffer that is not readable (a write's source) or writable (a read's
 * destination) for its whole length fails the call before anything is
 * accessed: guest memory, mappings and counters as they were.
 */
TEST_F(abi, access_bad_buffer_does_nothing)
{
	struct s2mmu_vcpu_access a = {
		.ipa = GPA, .len = 3 * TST_PAGE, .kind = S2MMU_ACCESS_WRITE,
	};
	struct s2mmu_stats before, after;
	__u8 *buf = mmap(NULL, 3 * TST_PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, tst_set_region(self->vm, 0, 0, GPA, SIZE, self->mem));
	memset(buf, 0x77, 3 * TST_PAGE);
	ASSERT_EQ(0, mprotect(buf + 2 * TST_PAGE, TST_PAGE, PROT_NONE));
	a.buf = (uintptr_t)buf;
	ASSERT_EQ(0, tst_stats(self->vm, &before));
	EXPECT_EQ(-EFAULT, tst_ioctl(self->vcpu.fd, S2MMU_VCPU_ACCESS,
				     (unsigned long)&a));
	EXPECT_EQ(0x11, self->mem[0]);
	EXPECT_EQ(0x11, self->mem[2 * TST_PAGE - 1]);
	/* A read whose destination ends read-only. */
	ASSERT_EQ(0, mprotect(buf + 2 * TST_PAGE, TST_PAGE, PROT_READ));
	a.kind = S2MMU_ACCESS_READ;
	EXPECT_EQ(-EFAULT, tst_ioctl(self->vcpu.fd, S2MMU_VCPU_ACCESS,
				     (unsigned long)&a));
	EXPECT_EQ(0x77, buf[0]);
	ASSERT_EQ(0, tst_stats(self->vm, &after));
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)));
	munmap(buf, 3 * TST_PAGE);
}

/*
 * An access that fails part-way (here the slot's backing memory is gone
 * from its third page on) reports what it did: -EFAULT, and @done the
 * bytes that reached guest memory.
 */
TEST_F(abi, access_progress_on_error)
{
	struct s2mmu_vcpu_access a = {
		.ipa = GPA, .len = 3 * TST_PAGE, .kind = S2MMU_ACCESS_WRITE,
		.done = 0xdead,
	};
	__u8 buf[3 * TST_PAGE];

	ASSERT_EQ(0, tst_set_region(self->vm, 0, 0, GPA, SIZE, self->mem));
	ASSERT_EQ(0, munmap(self->mem + 2 * TST_PAGE, TST_PAGE));
	memset(buf, 0x77, sizeof(buf));
	a.buf = (uintptr_t)buf;
	EXPECT_EQ(-EFAULT, tst_ioctl(self->vcpu.fd, S2MMU_VCPU_ACCESS,
				     (unsigned long)&a));
	EXPECT_EQ(2 * TST_PAGE, a.done);
	/* Pages 0 and 1, and the fault on page 2 that failed. */
	EXPECT_EQ(3U, a.faults_translation);
	EXPECT_EQ(0x77, self->mem[0]);
	EXPECT_EQ(0x77, self->mem[2 * TST_PAGE - 1]);
	/* A read the same way. */
	a.kind = S2MMU_ACCESS_READ;
	a.done = 0xdead;
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(-EFAULT, tst_ioctl(self->vcpu.fd, S2MMU_VCPU_ACCESS,
				     (unsigned long)&a));
	EXPECT_EQ(2 * TST_PAGE, a.done);
	EXPECT_EQ(0x77, buf[2 * TST_PAGE - 1]);
}

/*
 * Decision (KVM's): a move may change S2MMU_MEM_LOG_DIRTY_PAGES in the
 * same call.  The moved slot logs (or not) from the start, with an empty
 * log; nothing of the old place is reported.
 */
TEST_F(abi, move_and_change_logging)
{
	__u64 bitmap[PAGES / 64], v = 1;

	ASSERT_EQ(0, tst_set_region(self->vm, 0, 0, GPA, SIZE, self->mem));
	ASSERT_EQ(0, tst_access(&self->vcpu, GPA, &v, 8, S2MMU_ACCESS_WRITE, NULL));
	ASSERT_EQ(-ENOENT, tst_get_dirty_log(self->vm, 0, bitmap));
	ASSERT_EQ(0, tst_set_region(self->vm, 0, S2MMU_MEM_LOG_DIRTY_PAGES,
				    GPA + 4 * SIZE, SIZE, self->mem));
	memset(bitmap, 0xff, sizeof(bitmap));
	ASSERT_EQ(0, tst_get_dirty_log(self->vm, 0, bitmap));
	for (unsigned int i = 0; i < PAGES / 64; i++)
		EXPECT_EQ(0ULL, bitmap[i]);
	ASSERT_EQ(0, tst_access(&self->vcpu, GPA + 4 * SIZE + 3 * TST_PAGE, &v,
				8, S2MMU_ACCESS_WRITE, NULL));
	ASSERT_EQ(0, tst_get_dirty_log(self->vm, 0, bitmap));
	EXPECT_EQ(1ULL << 3, bitmap[0]);
	/* And back, logging off: no log any more. */
	ASSERT_EQ(0, tst_set_region(self->vm, 0, 0, GPA, SIZE, self->mem));
	EXPECT_EQ(-ENOENT, tst_get_dirty_log(self->vm, 0, bitmap));
}

/*
 * Decision (KVM's): a read-only slot may log.  The guest cannot write it
 * (writes are MMIO exits), so its log stays empty.
 */
TEST_F(abi, log_read_only_slot)
{
	struct s2mmu_vcpu_access a;
	__u64 bitmap[PAGES / 64], v = 2;

	ASSERT_EQ(0, tst_set_region(self->vm, 0, S2MMU_MEM_LOG_DIRTY_PAGES |
				   S2MMU_MEM_READONLY, GPA, SIZE, self->mem));
	ASSERT_EQ(0, tst_access(&self->vcpu, GPA, &v, 8, S2MMU_ACCESS_READ, &a));
	EXPECT_EQ((__u32)S2MMU_EXIT_NONE, a.exit_reason);
	EXPECT_EQ(0x1111111111111111ULL, v);
	ASSERT_EQ(0, tst_access(&self->vcpu, GPA + TST_PAGE, &v, 8,
				S2MMU_ACCESS_WRITE, &a));
	EXPECT_EQ((__u32)S2MMU_EXIT_MMIO, a.exit_reason);
	memset(bitmap, 0xff, sizeof(bitmap));
	ASSERT_EQ(0, tst_get_dirty_log(self->vm, 0, bitmap));
	for (unsigned int i = 0; i < PAGES / 64; i++)
		EXPECT_EQ(0ULL, bitmap[i]);
	/* Logging can be turned off and on again; READONLY stays. */
	EXPECT_EQ(0, tst_set_region(self->vm, 0, S2MMU_MEM_READONLY, GPA, SIZE,
				    self->mem));
	EXPECT_EQ(-EINVAL, tst_set_region(self->vm, 0, S2MMU_MEM_LOG_DIRTY_PAGES,
					  GPA, SIZE, self->mem));
}

/*
 * Decision (KVM's kvm_clear_dirty_log_protect()): CLEAR of 0 pages is a
 * successful no-op that reads no bitmap, from any first page up to and
 * including the slot's end.
 */
TEST_F(abi, clear_zero_pages)
{
	__u64 bitmap[PAGES / 64], v = 3;

	ASSERT_EQ(0, tst_set_region(self->vm, 0, S2MMU_MEM_LOG_DIRTY_PAGES,
				    GPA, SIZE, self->mem));
	ASSERT_EQ(0, tst_enable_manual_protect(self->vm));
	ASSERT_EQ(0, tst_access(&self->vcpu, GPA + TST_PAGE, &v, 8,
				S2MMU_ACCESS_WRITE, NULL));
	EXPECT_EQ(0, tst_clear_dirty_log(self->vm, 0, 0, 0, NULL));
	EXPECT_EQ(0, tst_clear_dirty_log(self->vm, 0, 64, 0, NULL));
	EXPECT_EQ(0, tst_clear_dirty_log(self->vm, 0, PAGES, 0, NULL));
	EXPECT_EQ(-EINVAL, tst_clear_dirty_log(self->vm, 0, PAGES + 64, 0, NULL));
	EXPECT_EQ(-EINVAL, tst_clear_dirty_log(self->vm, 0, PAGES, 64, bitmap));
	ASSERT_EQ(0, tst_get_dirty_log(self->vm, 0, bitmap));
	EXPECT_EQ(2ULL, bitmap[0]);
}

/* ---- the hardware-translation oracle ------------------------------ */

static long dbg(int vm, __u32 op, __u64 ipa, __u64 size, __u64 pa,
		__u32 prot, __u32 flags)
{
	struct s2mmu_debug_table_op o = {
		.op = op, .ipa = ipa, .size = size, .pa = pa, .prot = prot,
		.flags = flags,
	};

	return tst_ioctl(vm, S2MMU_DEBUG_TABLE_OP, (unsigned long)&o);
}

/*
 * The PA of an IPA that is not page aligned keeps the offset, on both
 * sides: hardware (PAR_EL1 holds the page, the offset comes from the IPA)
 * and software.  A block, a page, and the VM's own table.
 */
TEST_F(abi, hwt_unaligned_ipa)
{
	static const __u64 offs[] = { 0, 8, 0x123, 0xff8, 0x1abc, 0x1fffff };
	const __u64 ipa = 0x40000000, pa = 0x80000000;
	struct s2mmu_hw_xlate e[2 * ARRAY_SIZE(offs) + 2];
	struct s2mmu_hw_translate t = { .entries = (uintptr_t)e };
	struct s2mmu_stats before, after;
	unsigned int i, n = ARRAY_SIZE(offs);
	__u64 v = 4;

	if (!hw_at(self))
		SKIP(return, "no EL2 hardware translation");
	ASSERT_EQ(0, tst_set_region(self->vm, 0, 0, GPA, SIZE, self->mem));
	ASSERT_EQ(0, tst_access(&self->vcpu, GPA + TST_PAGE, &v, 8,
				S2MMU_ACCESS_WRITE, NULL));
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_MAP, ipa, TST_2M, pa,
			 S2MMU_DBG_PROT_R | S2MMU_DBG_PROT_W, 0));
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_MAP, ipa + TST_2M, TST_2M,
			 pa + 4 * TST_2M, S2MMU_DBG_PROT_R,
			 S2MMU_DBG_FORCE_PTE));
	memset(e, 0, sizeof(e));
	for (i = 0; i < n; i++) {
		e[i].ipa = ipa + offs[i];
		e[i].access = i & 1;
		e[n + i].ipa = ipa + TST_2M + offs[i];
	}
	ASSERT_EQ(0, tst_stats(self->vm, &before));
	t.nr = 2 * n;
	t.flags = S2MMU_HWT_DEBUG_TABLE;
	ASSERT_EQ(0, tst_ioctl(self->vm, S2MMU_HW_TRANSLATE, (unsigned long)&t));
	EXPECT_EQ(0U, t.nr_mismatch);
	for (i = 0; i < 2 * n; i++) {
		__u64 want = (i < n ? pa : pa + 4 * TST_2M) + offs[i % n];

		EXPECT_EQ(0U, e[i].flags & (S2MMU_HWT_F_MISMATCH |
					   S2MMU_HWT_F_FAULT)) {
			TH_LOG("ipa %#llx flags %#x mismatch %#x hw %#llx sw %#llx",
			       (unsigned long long)e[i].ipa, e[i].flags,
			       e[i].mismatch, (unsigned long long)e[i].hw_pa,
			       (unsigned long long)e[i].sw_pa);
		}
		EXPECT_EQ(want, e[i].hw_pa);
		EXPECT_EQ(want, e[i].sw_pa);
	}
	/* The VM's table: the page written above, at an odd offset. */
	memset(e, 0, sizeof(e));
	e[0].ipa = GPA + TST_PAGE + 0x345;
	e[1].ipa = GPA + TST_PAGE + 0xfff;
	e[1].access = S2MMU_HWT_WRITE;
	t.nr = 2;
	t.flags = 0;
	ASSERT_EQ(0, tst_ioctl(self->vm, S2MMU_HW_TRANSLATE, (unsigned long)&t));
	EXPECT_EQ(0U, t.nr_mismatch);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(0U, e[i].flags & S2MMU_HWT_F_MISMATCH);
		EXPECT_EQ(e[i].sw_pa, e[i].hw_pa);
		EXPECT_EQ(e[i].ipa & 0xfff, e[i].hw_pa & 0xfff);
	}
	ASSERT_EQ(0, tst_stats(self->vm, &after));
	EXPECT_EQ(before.hwt_mismatches, after.hwt_mismatches);
	EXPECT_EQ(before.hwt_translated + 2 * n + 2, after.hwt_translated);
}

/*
 * The debug table's page budget is the VM's own: one VM that exhausts its
 * budget (-ENOSPC) leaves every other VM its own.
 */
TEST_F(abi, debug_budget_per_vm)
{
	const __u32 r = S2MMU_DBG_PROT_R;
	__u64 i, mapped = 0;
	long ret = 0;
	int vm2;

	if (!hw_at(self))
		SKIP(return, "no EL2 hardware translation");
	vm2 = tst_create_vm(self->dev, IPA_BITS);
	ASSERT_LE(0, vm2);
	ASSERT_EQ(0, dbg(vm2, S2MMU_DBG_MAP, 0, TST_PAGE, 0, r, 0));
	/* One page every 2 MiB: a level-3 table each. */
	for (i = 0; i < (1ULL << (IPA_BITS - 21)); i++) {
		ret = dbg(self->vm, S2MMU_DBG_MAP, i * TST_2M, TST_PAGE, 0, r, 0);
		if (ret)
			break;
		mapped++;
	}
	EXPECT_EQ(-ENOSPC, ret);
	TH_LOG("budget reached after %llu level-3 tables",
	       (unsigned long long)mapped);
	EXPECT_LE(1000ULL, mapped);
	/* The other VM's table still grows. */
	EXPECT_EQ(0, dbg(vm2, S2MMU_DBG_MAP, TST_2M, TST_PAGE, 0, r, 0));
	EXPECT_EQ(0, dbg(vm2, S2MMU_DBG_MAP, 1ULL << 30, TST_PAGE, 0, r, 0));
	/* A reset gives the budget back. */
	EXPECT_EQ(0, dbg(self->vm, S2MMU_DBG_RESET, 0, 0, 0, 0, 0));
	EXPECT_EQ(0, dbg(self->vm, S2MMU_DBG_MAP, 0, TST_PAGE, 0, r, 0));
	close(vm2);
}

/* S2MMU_GET_STATS as a program built with a @size-byte structure calls it. */
static long stats_of_size(int vm, void *buf, unsigned int size)
{
	return tst_ioctl(vm, _IOC(_IOC_READ, S2MMUIO, 0x50, size),
			 (unsigned long)buf);
}

#define STATS_SLACK	64

/*
 * struct s2mmu_stats grew from its first layout (S2MMU_STATS_SIZE_VER1)
 * with its version left at 1; the size is in the ioctl number.  A caller
 * with the first layout gets the counters it knows and nothing beyond; a
 * caller with a longer structure gets ours and zeroes after; @size says
 * which.  Other sizes are no ioctl.  (The first-layout call failed with
 * ENOTTY before the kernel took any size.)
 */
TEST_F(abi, stats_size_in_ioctl_number)
{
	const unsigned int full = sizeof(struct s2mmu_stats);
	const unsigned int v1 = S2MMU_STATS_SIZE_VER1;
	__u8 ref[sizeof(struct s2mmu_stats)];
	__u8 buf[sizeof(struct s2mmu_stats) + STATS_SLACK];
	struct s2mmu_stats *st = (struct s2mmu_stats *)buf;
	__u64 v = 0;
	unsigned int i;

	/* The first layout's counters never moved: vcpus was its last. */
	ASSERT_EQ(176U, (unsigned int)offsetof(struct s2mmu_stats, vcpus));
	ASSERT_LE(v1, full);
	ASSERT_EQ(0U, full % 8);
	/* Some counters that are not zero. */
	ASSERT_EQ(0, tst_set_region(self->vm, 0, 0, GPA, SIZE, self->mem));
	ASSERT_EQ(0, tst_access(&self->vcpu, GPA, &v, sizeof(v),
				S2MMU_ACCESS_READ, NULL));
	ASSERT_EQ(0, tst_stats(self->vm, (struct s2mmu_stats *)ref));
	ASSERT_NE(0ULL, ((struct s2mmu_stats *)ref)->faults_translation);
	EXPECT_EQ(full, ((struct s2mmu_stats *)ref)->size);

	/* The first layout: its 248 bytes, nothing after them. */
	memset(buf, 0xee, sizeof(buf));
	ASSERT_EQ(0, stats_of_size(self->vm, buf, v1));
	EXPECT_EQ((__u32)S2MMU_STATS_VERSION, st->version);
	EXPECT_EQ(v1, st->size);
	EXPECT_EQ(0, memcmp(buf + 8, ref + 8, v1 - 8));
	for (i = v1; i < sizeof(buf); i++)
		ASSERT_EQ(0xee, buf[i]) TH_LOG("byte %u written", i);

	/* A longer structure (a newer header): ours, then zeroes. */
	memset(buf, 0xee, sizeof(buf));
	ASSERT_EQ(0, stats_of_size(self->vm, buf, full + STATS_SLACK));
	EXPECT_EQ(full, st->size);
	EXPECT_EQ(0, memcmp(buf + 8, ref + 8, full - 8));
	for (i = full; i < sizeof(buf); i++)
		ASSERT_EQ(0, buf[i]) TH_LOG("byte %u not zeroed", i);

	/* Sizes that are no structure of any version, other directions. */
	EXPECT_EQ(-ENOTTY, stats_of_size(self->vm, buf, v1 - 8));
	EXPECT_EQ(-ENOTTY, stats_of_size(self->vm, buf, v1 + 4));
	EXPECT_EQ(-ENOTTY, tst_ioctl(self->vm, _IOC(_IOC_WRITE, S2MMUIO, 0x50, full),
				     (unsigned long)buf));
	EXPECT_EQ(-ENOTTY, tst_ioctl(self->vm, _IOC(_IOC_READ | _IOC_WRITE, S2MMUIO,
						    0x50, full),
				     (unsigned long)buf));
	/* The structure is checked after the number: a bad pointer faults. */
	EXPECT_EQ(-EFAULT, stats_of_size(self->vm, NULL, v1));
}

TEST_HARNESS_MAIN
