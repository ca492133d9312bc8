// SPDX-License-Identifier: GPL-2.0
/*
 * The info page (S2MMU_MAP_INFO_PAGE / S2MMU_UNMAP_INFO_PAGE) with a real
 * guest: the guest reads its own stage-2 fault counter from the page and
 * sees it move when it faults; its writes there exit as MMIO and change
 * nothing; once unmapped, its reads there exit as MMIO.  And the VMM's
 * side: one mapping at a time (-EBUSY), no slot over it and it over no
 * slot (-EEXIST), bad arguments (-EINVAL, -ENOENT), and the checked
 * removal refusing to unmap when the table does not hold the page where
 * the page says it is (provoked through the test_hooks parameter).
 */
#include "guest_test.h"

#define SLOT		0
#define SLOT_GPA	0x40000000ULL
#define SLOT_SIZE	TST_2M
#define INFO_GPA	0x50000000ULL	/* outside every slot */
#define INFO_GPA2	0x50200000ULL
#define MMIO_READ_VAL	0x0123456789abcdefULL
#define TEST_HOOKS	"/sys/module/s2mmu/parameters/test_hooks"

/* guest_cmd_loop()'s commands, and this test's own. */
#define CMD_READ	GUEST_CMD_READ
#define CMD_WRITE	GUEST_CMD_WRITE
#define CMD_INFO	GUEST_CMD_TEST	/* a consistent read of the info page's @val */

/* Offsets on the page, as the guest reads them. */
#define OFF_VERSION	offsetof(struct s2mmu_info_page, version)
#define OFF_SEQ		offsetof(struct s2mmu_info_page, seq)
#define OFF_STATS	offsetof(struct s2mmu_info_page, stats)
#define OFF_FAULTS	(OFF_STATS + offsetof(struct s2mmu_stats, faults_translation))
#define OFF_PERM	(OFF_STATS + offsetof(struct s2mmu_stats, faults_permission))
#define OFF_SIZE	(OFF_STATS + offsetof(struct s2mmu_stats, size))

static inline GUEST_INLINE __u32 guest_read32(__u64 addr)
{
	__u32 val;

	asm volatile("ldr %w0, [%1]" : "=r"(val) : "r"(addr) : "memory");
	return val;
}

/*
 * The page's reader protocol: the sequence even and the same on both
 * sides of the read.  Returns the field at @page + @off: the four 32-bit
 * ones first (version, seq, stats.version, stats.size), 64-bit after.
 */
static inline GUEST_INLINE __u64 guest_info_read(__u64 page, __u64 off)
{
	__u32 s1, s2;
	__u64 v;

	do {
		s1 = guest_read32(page + OFF_SEQ);
		v = off < OFF_FAULTS ? guest_read32(page + off) :
				       guest_read64(page + off);
		s2 = guest_read32(page + OFF_SEQ);
	} while ((s1 & 1) || s1 != s2);
	return v;
}

/* guest_cmd_loop()'s hook: CMD_INFO, the page at @addr, field @val. */
GUEST_CODE __u64 guest_info_cmd(__u64 op, __u64 addr, __u64 val)
{
	return op == CMD_INFO ? guest_info_read(addr, val) : 0;
}

FIXTURE(ip) {
	struct guest_vm g;
	int ready;	/* setup completed: a guest to run */
	struct tst_vcpu *v;
	__u8 *mem;
	struct guest_mmio_log mmio;
};

static int map_info(int vm, __u64 gpa, __u32 flags, __u32 padding)
{
	struct s2mmu_info_page_map m = {
		.guest_phys_addr = gpa,
		.flags = flags,
		.padding = padding,
	};

	return tst_ioctl(vm, S2MMU_MAP_INFO_PAGE, (unsigned long)&m);
}

static int unmap_info(int vm, unsigned long arg)
{
	return tst_ioctl(vm, S2MMU_UNMAP_INFO_PAGE, arg);
}

/*
 * Runs one command to the guest's next GUEST_SYNC and returns its
 * result; MMIO exits on the way are counted and recorded (a read gets
 * MMIO_READ_VAL).  Anything else fails the test.
 */
static __u64 cmd(struct __test_metadata *_metadata,
		 struct _test_data_ip *self, __u64 op, __u64 addr, __u64 val)
{
	return guest_cmd_or_fail(_metadata, self->v, &self->mmio, op, addr, val);
}

FIXTURE_SETUP(ip)
{
	self->ready = 0;
	if (!guest_fixture_vm(_metadata, &self->g, TST_ANON, SLOT_SIZE,
			      &self->mem, &self->v))
		return;
	self->mmio.read_val = MMIO_READ_VAL;
	memset(self->mem, 0x5a, SLOT_SIZE);	/* no zero pages */
	ASSERT_EQ(0, tst_set_region(self->g.vm, SLOT, 0, SLOT_GPA, SLOT_SIZE,
				    self->mem));
	ASSERT_EQ(0, guest_cmd_start(self->v, guest_info_cmd));
	cmd(_metadata, self, GUEST_CMD_NONE, 0, 0);	/* code and stack mapped */
	self->mmio.exits = 0;
	self->ready = 1;
}

FIXTURE_TEARDOWN(ip)
{
	guest_vm_destroy(&self->g);
	if (self->mem)
		munmap(self->mem, SLOT_SIZE);
}

static __u64 guest_info(struct __test_metadata *_metadata,
			struct _test_data_ip *self, __u64 page, __u64 off)
{
	return cmd(_metadata, self, CMD_INFO, page, off);
}

TEST_F(ip, guest_reads_its_own_fault_count)
{
	struct s2mmu_stats st;
	__u64 f0, f1, off;

	/* A SKIP in FIXTURE_SETUP does not stop the body (6.1's harness). */
	if (!self->ready)
		SKIP(return, "no guest: S2MMU_RUN not supported here");
	ASSERT_EQ(0, map_info(self->g.vm, INFO_GPA, 0, 0));
	ASSERT_EQ((__u64)S2MMU_INFO_PAGE_VERSION,
		  guest_info(_metadata, self, INFO_GPA, OFF_VERSION));
	ASSERT_EQ(sizeof(struct s2mmu_stats),
		  guest_info(_metadata, self, INFO_GPA, OFF_SIZE));
	f0 = guest_info(_metadata, self, INFO_GPA, OFF_FAULTS);
	ASSERT_EQ(0, tst_stats(self->g.vm, &st));
	/* The page is as fresh as the last fault: none since. */
	ASSERT_EQ(st.faults_translation, f0);
	ASSERT_LT(0ULL, f0);	/* code and stack faulted in */

	/* Pages never touched: translation faults, seen on the page. */
	for (off = 0; off < 4 * TST_PAGE; off += TST_PAGE)
		ASSERT_EQ(0x5a5a5a5a5a5a5a5aULL,
			  cmd(_metadata, self, CMD_READ, SLOT_GPA + off, 0));
	f1 = guest_info(_metadata, self, INFO_GPA, OFF_FAULTS);
	/* One per page, or one for all if the host backs them with a THP. */
	ASSERT_LE(f0 + 1, f1);
	ASSERT_GE(f0 + 4, f1);
	ASSERT_EQ(0, tst_stats(self->g.vm, &st));
	ASSERT_EQ(st.faults_translation, f1);
	/* Reading the page itself never faults: it is mapped. */
	ASSERT_EQ(f1, guest_info(_metadata, self, INFO_GPA, OFF_FAULTS));
	ASSERT_EQ(0ULL, self->mmio.exits);
}

TEST_F(ip, guest_write_exits_as_mmio_and_changes_nothing)
{
	__u64 perm0, perm1;

	if (!self->ready)
		SKIP(return, "no guest: S2MMU_RUN not supported here");
	ASSERT_EQ(0, map_info(self->g.vm, INFO_GPA, 0, 0));
	perm0 = guest_info(_metadata, self, INFO_GPA, OFF_PERM);
	cmd(_metadata, self, CMD_WRITE, INFO_GPA + OFF_FAULTS, 0xdead);
	ASSERT_EQ(1ULL, self->mmio.exits);
	ASSERT_TRUE(self->mmio.last.mmio.is_write);
	ASSERT_EQ(INFO_GPA + OFF_FAULTS, self->mmio.last.mmio.phys_addr);
	ASSERT_EQ(8U, self->mmio.last.mmio.len);
	/* A permission fault, counted on the page; the write went nowhere. */
	perm1 = guest_info(_metadata, self, INFO_GPA, OFF_PERM);
	ASSERT_EQ(perm0 + 1, perm1);
	ASSERT_NE(0xdeadULL, guest_info(_metadata, self, INFO_GPA, OFF_FAULTS));
	ASSERT_EQ((__u64)S2MMU_INFO_PAGE_VERSION,
		  guest_info(_metadata, self, INFO_GPA, OFF_VERSION));
}

TEST_F(ip, unmapped_page_reads_exit_as_mmio)
{
	if (!self->ready)
		SKIP(return, "no guest: S2MMU_RUN not supported here");
	ASSERT_EQ(0, map_info(self->g.vm, INFO_GPA, 0, 0));
	ASSERT_EQ((__u64)S2MMU_INFO_PAGE_VERSION,
		  guest_info(_metadata, self, INFO_GPA, OFF_VERSION));
	ASSERT_EQ(0, unmap_info(self->g.vm, 0));
	ASSERT_EQ(MMIO_READ_VAL, cmd(_metadata, self, CMD_READ, INFO_GPA, 0));
	ASSERT_EQ(1ULL, self->mmio.exits);
	ASSERT_FALSE(self->mmio.last.mmio.is_write);
	ASSERT_EQ(INFO_GPA, self->mmio.last.mmio.phys_addr);
	ASSERT_EQ(-ENOENT, unmap_info(self->g.vm, 0));
	/* Mappable again, elsewhere, and the old place stays MMIO. */
	ASSERT_EQ(0, map_info(self->g.vm, INFO_GPA2, 0, 0));
	ASSERT_EQ((__u64)S2MMU_INFO_PAGE_VERSION,
		  guest_info(_metadata, self, INFO_GPA2, OFF_VERSION));
	ASSERT_EQ(MMIO_READ_VAL, cmd(_metadata, self, CMD_READ, INFO_GPA, 0));
	ASSERT_EQ(2ULL, self->mmio.exits);
}

/*
 * The page is rewritten after a fault only while it is mapped: a page
 * that was mapped once and removed costs a fault nothing.  Counted on
 * the page's own sequence count (two a rewrite): a map and unmap with no
 * fault in between moves it by what one map writes, and so must one
 * with faults taken while the page was unmapped.
 */
TEST_F(ip, not_rewritten_while_unmapped)
{
	const __u64 gpa = 0x60000000ULL, size = 4 * TST_PAGE;
	__u64 seq0, seq1, seq2, off;
	struct s2mmu_stats a, b;
	__u8 *mem;

	if (!self->ready)
		SKIP(return, "no guest: S2MMU_RUN not supported here");
	/* A slot of 4 pages: every read below is a translation fault. */
	mem = tst_alloc(TST_ANON, size);
	ASSERT_NE(NULL, mem);
	memset(mem, 0x5a, size);
	ASSERT_EQ(0, tst_set_region(self->g.vm, 3, 0, gpa, size, mem));
	ASSERT_EQ(0, map_info(self->g.vm, INFO_GPA, 0, 0));
	/* Twice: the first read may fault the reader's code in. */
	guest_info(_metadata, self, INFO_GPA, OFF_SEQ);
	seq0 = guest_info(_metadata, self, INFO_GPA, OFF_SEQ);
	/* One map's worth: moved without a fault. */
	ASSERT_EQ(0, unmap_info(self->g.vm, 0));
	ASSERT_EQ(0, map_info(self->g.vm, INFO_GPA2, 0, 0));
	seq1 = guest_info(_metadata, self, INFO_GPA2, OFF_SEQ);
	ASSERT_LT(seq0, seq1);

	ASSERT_EQ(0, unmap_info(self->g.vm, 0));
	ASSERT_EQ(0, tst_stats(self->g.vm, &a));
	for (off = 0; off < size; off += TST_PAGE)
		ASSERT_EQ(0x5a5a5a5a5a5a5a5aULL,
			  cmd(_metadata, self, CMD_READ, gpa + off, 0));
	ASSERT_EQ(0, tst_stats(self->g.vm, &b));
	ASSERT_LE(a.faults_translation + 4, b.faults_translation);
	ASSERT_EQ(0, map_info(self->g.vm, INFO_GPA, 0, 0));
	seq2 = guest_info(_metadata, self, INFO_GPA, OFF_SEQ);
	EXPECT_EQ(seq1 - seq0, seq2 - seq1);
	/* And it counts them all. */
	EXPECT_EQ(b.faults_translation,
		  guest_info(_metadata, self, INFO_GPA, OFF_FAULTS));
	munmap(mem, size);
}

TEST_F(ip, once_only_and_never_over_a_slot)
{
	int vm = self->g.vm;

	if (!self->ready)
		SKIP(return, "no guest: S2MMU_RUN not supported here");
	/* Over the slot, or any page of it. */
	ASSERT_EQ(-EEXIST, map_info(vm, SLOT_GPA, 0, 0));
	ASSERT_EQ(-EEXIST, map_info(vm, SLOT_GPA + SLOT_SIZE - TST_PAGE, 0, 0));
	ASSERT_EQ(0, map_info(vm, INFO_GPA, 0, 0));
	ASSERT_EQ(-EBUSY, map_info(vm, INFO_GPA, 0, 0));
	ASSERT_EQ(-EBUSY, map_info(vm, INFO_GPA2, 0, 0));
	/* No slot over it: created there, or moved there. */
	ASSERT_EQ(-EEXIST, tst_set_region(vm, 1, 0, INFO_GPA - TST_PAGE,
					  2 * TST_PAGE, self->mem));
	ASSERT_EQ(-EEXIST, tst_set_region(vm, SLOT, 0, INFO_GPA - TST_PAGE,
					  SLOT_SIZE, self->mem));
	/* Right next to it is fine. */
	ASSERT_EQ(0, tst_set_region(vm, 1, 0, INFO_GPA + TST_PAGE, TST_PAGE,
				    self->mem));
	ASSERT_EQ((__u64)S2MMU_INFO_PAGE_VERSION,
		  guest_info(_metadata, self, INFO_GPA, OFF_VERSION));
	ASSERT_EQ(0, unmap_info(vm, 0));
	/* Gone: a slot may take the place now. */
	ASSERT_EQ(0, tst_set_region(vm, 2, 0, INFO_GPA, TST_PAGE, self->mem));
	ASSERT_EQ(-EEXIST, map_info(vm, INFO_GPA, 0, 0));
}

TEST_F(ip, bad_arguments)
{
	int vm = self->g.vm;

	if (!self->ready)
		SKIP(return, "no guest: S2MMU_RUN not supported here");
	ASSERT_EQ(-EINVAL, map_info(vm, INFO_GPA, 1, 0));
	ASSERT_EQ(-EINVAL, map_info(vm, INFO_GPA, 0x80000000U, 0));
	ASSERT_EQ(-EINVAL, map_info(vm, INFO_GPA, 0, 1));
	ASSERT_EQ(-EINVAL, map_info(vm, INFO_GPA + 8, 0, 0));
	ASSERT_EQ(-EINVAL, map_info(vm, 1ULL << S2MMU_IPA_BITS_DEFAULT, 0, 0));
	ASSERT_EQ(-EINVAL, map_info(vm, ~0ULL << 12, 0, 0));
	ASSERT_EQ(-EFAULT, tst_ioctl(vm, S2MMU_MAP_INFO_PAGE, 8));
	ASSERT_EQ(-ENOENT, unmap_info(vm, 0));
	ASSERT_EQ(0, map_info(vm, INFO_GPA, 0, 0));
	ASSERT_EQ(-EINVAL, unmap_info(vm, 2));
	ASSERT_EQ(-EINVAL, unmap_info(vm, ~0UL));
	/* Still mapped after every refusal. */
	ASSERT_EQ((__u64)S2MMU_INFO_PAGE_VERSION,
		  guest_info(_metadata, self, INFO_GPA, OFF_VERSION));
}

/*
 * The checked removal: told (test hook) that the page is another frame,
 * it must find the table disagree, leave it alone, count and fail.
 */
TEST_F(ip, checked_removal_refuses_a_stale_back_pointer)
{
	struct s2mmu_stats a, b;
	int vm = self->g.vm, ret;

	if (!self->ready)
		SKIP(return, "no guest: S2MMU_RUN not supported here");
	ASSERT_EQ(0, map_info(vm, INFO_GPA, 0, 0));
	/* Without the parameter the flag is refused like any unknown bit. */
	ret = tst_write_file(TEST_HOOKS, "N");
	if (ret)
		SKIP(return, "cannot write %s: %s", TEST_HOOKS, strerror(-ret));
	ASSERT_EQ(-EINVAL, unmap_info(vm, S2MMU_INFO_UNMAP_TEST_STALE));

	ASSERT_EQ(0, tst_write_file(TEST_HOOKS, "Y"));
	ASSERT_EQ(0, tst_stats(vm, &a));
	ret = unmap_info(vm, S2MMU_INFO_UNMAP_TEST_STALE);
	ASSERT_EQ(0, tst_write_file(TEST_HOOKS, "N"));
	ASSERT_EQ(-EIO, ret);
	ASSERT_EQ(0, tst_stats(vm, &b));
	ASSERT_EQ(a.info_page_mismatches + 1, b.info_page_mismatches);
	/* The table is untouched: the guest still reads the page. */
	ASSERT_EQ((__u64)S2MMU_INFO_PAGE_VERSION,
		  guest_info(_metadata, self, INFO_GPA, OFF_VERSION));
	ASSERT_EQ(0ULL, self->mmio.exits);
	ASSERT_EQ(-EBUSY, map_info(vm, INFO_GPA2, 0, 0));
	/* The true removal still works, and counts nothing. */
	ASSERT_EQ(0, unmap_info(vm, 0));
	ASSERT_EQ(0, tst_stats(vm, &a));
	ASSERT_EQ(b.info_page_mismatches, a.info_page_mismatches);
	ASSERT_EQ(MMIO_READ_VAL, cmd(_metadata, self, CMD_READ, INFO_GPA, 0));
}

/* The page goes with the VM, mapped or not. */
TEST_F(ip, freed_with_the_vm)
{
	struct s2mmu_module_stats a, b;
	int dev = tst_open_dev();

	if (!self->ready)
		SKIP(return, "no guest: S2MMU_RUN not supported here");
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, tst_module_stats(dev, &a));
	ASSERT_EQ(0, map_info(self->g.vm, INFO_GPA, 0, 0));
	ASSERT_EQ(0, tst_module_stats(dev, &b));
	ASSERT_EQ(a.info_pages + 1, b.info_pages);
	guest_vm_destroy(&self->g);
	ASSERT_EQ(0, tst_module_stats(dev, &b));
	EXPECT_EQ(a.info_pages, b.info_pages);
	EXPECT_EQ(a.vms - 1, b.vms);
	close(dev);
}

TEST_HARNESS_MAIN
