// SPDX-License-Identifier: GPL-2.0
/*
 * The lock-rank checker in the running module (lockrank.c; the VM test
 * harness loads the module with lock_check=1):
 *
 * - the self-test parameter takes locks out of order on purpose and the
 *   checker must see exactly those, in its counter and in the kernel log;
 * - then the real code: every lock path this program can reach (slots,
 *   faults through the access path, dirty logging, the MMU notifier,
 *   teardown) runs, and the inversions the real code made since the
 *   module was loaded -- by this program and every one before it in the
 *   run -- must be 0.  The whole run is judged the same way once its last
 *   program ended (scripts/vm-init.sh prints the counts, vm-run.py checks
 *   them).
 */
#include "s2mmu_util.h"
#include "../kselftest_harness.h"

#define SELFTEST_PARAM	"/sys/module/s2mmu/parameters/lock_check_selftest"
#define SLOT_GPA	0x40000000ULL
#define SLOT_SIZE	(4 * TST_2M)

static int checker_on(int dev)
{
	struct s2mmu_features f = { 0 };

	if (tst_ioctl(dev, S2MMU_GET_FEATURES, (unsigned long)&f))
		return 0;
	return !!(f.flags & S2MMU_FEAT_LOCK_CHECK);
}

/* The kernel log from now on: /dev/kmsg positioned at its end. */
static int kmsg_open_at_end(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Records logged since kmsg_open_at_end() that contain @what. */
static int kmsg_count(int fd, const char *what)
{
	char rec[2048];
	int found = 0;
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			return found;
		rec[n] = 0;
		found += !!strstr(rec, what);
	}
}

FIXTURE(lc) {
	int dev;
	int on;
};

FIXTURE_SETUP(lc)
{
	self->dev = tst_open_dev();
	self->on = self->dev >= 0 && checker_on(self->dev);
	if (!self->on)
		SKIP(return, "no module, or loaded without lock_check=1");
}

FIXTURE_TEARDOWN(lc)
{
	if (self->dev >= 0)
		close(self->dev);
}

TEST_F(lc, provoked_inversions_are_seen)
{
	struct s2mmu_module_stats a, b;
	int kmsg;

	/* A SKIP in FIXTURE_SETUP does not stop the body (6.1's harness). */
	if (!self->on)
		SKIP(return, "no module, or loaded without lock_check=1");
	kmsg = kmsg_open_at_end();
	ASSERT_LE(0, kmsg);
	ASSERT_EQ(0, tst_module_stats(self->dev, &a));
	ASSERT_EQ(0, tst_write_file(SELFTEST_PARAM, "1"));
	ASSERT_EQ(0, tst_module_stats(self->dev, &b));
	/* One spinning and one sleeping inversion, and no more. */
	EXPECT_EQ(a.lock_inversions + 2, b.lock_inversions);
	EXPECT_EQ(a.lock_inversions_provoked + 2, b.lock_inversions_provoked);
	/* Reported as the harness tolerates: no WARNING/BUG line. */
	EXPECT_LE(1, kmsg_count(kmsg,
				"lock order: vm->mmu_lock (rank 40) taken at"));
	close(kmsg);
}

/* Faults, dirty logging, a notifier invalidation, slot moves, teardown. */
static void exercise(struct __test_metadata *_metadata, int dev)
{
	__u64 bitmap[SLOT_SIZE / TST_PAGE / 64];
	struct tst_vcpu v = { .fd = -1 };
	__u64 off, val = 0;
	int vm = tst_create_vm(dev, 0);
	__u8 *mem;

	ASSERT_LE(0, vm);
	ASSERT_EQ(0, tst_create_vcpu(dev, vm, 0, &v));
	mem = tst_alloc(TST_ANON, SLOT_SIZE);
	ASSERT_NE(NULL, mem);
	ASSERT_EQ(0, tst_set_region(vm, 0, S2MMU_MEM_LOG_DIRTY_PAGES,
				    SLOT_GPA, SLOT_SIZE, mem));
	for (off = 0; off < SLOT_SIZE; off += 64 * TST_PAGE)
		ASSERT_EQ(0, tst_access(&v, SLOT_GPA + off, &val, 8,
					S2MMU_ACCESS_WRITE, NULL));
	ASSERT_EQ(0, tst_get_dirty_log(vm, 0, bitmap));
	/* The MMU notifier: the host takes a page away. */
	ASSERT_EQ(0, madvise(mem, TST_PAGE, MADV_DONTNEED));
	ASSERT_EQ(0, tst_access(&v, SLOT_GPA, &val, 8, S2MMU_ACCESS_READ,
				NULL));
	/* Logging off, a move, a delete. */
	ASSERT_EQ(0, tst_set_region(vm, 0, 0, SLOT_GPA, SLOT_SIZE, mem));
	ASSERT_EQ(0, tst_set_region(vm, 0, 0, 2 * SLOT_GPA, SLOT_SIZE, mem));
	ASSERT_EQ(0, tst_access(&v, 2 * SLOT_GPA, &val, 8, S2MMU_ACCESS_READ,
				NULL));
	ASSERT_EQ(0, tst_set_region(vm, 0, 0, 2 * SLOT_GPA, 0, mem));
	tst_destroy_vcpu(&v);
	close(vm);
	munmap(mem, SLOT_SIZE);
}

TEST_F(lc, real_code_took_no_lock_out_of_order)
{
	struct s2mmu_module_stats st;

	if (!self->on)
		SKIP(return, "no module, or loaded without lock_check=1");
	exercise(_metadata, self->dev);
	ASSERT_EQ(0, tst_module_stats(self->dev, &st));
	TH_LOG("since load: %llu inversions, %llu of them provoked",
	       st.lock_inversions, st.lock_inversions_provoked);
	EXPECT_EQ(st.lock_inversions_provoked, st.lock_inversions);
}

TEST_HARNESS_MAIN
