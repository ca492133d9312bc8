// SPDX-License-Identifier: GPL-2.0
/*
 * Alternate stage-2 views (S2MMU_CREATE_VIEW, S2MMU_SWITCH_VIEW,
 * per-view S2MMU_SET_MEM_ACCESS) with real guests: restrictions that
 * differ per view with vCPUs on different views; every kind of view-0
 * change reaching a vCPU that runs on a view (MMU-notifier invalidation,
 * slot delete, dirty-log write-protect, a view-0 restriction); a view
 * destroyed under a vCPU; four vCPUs switching views while the VMM keeps
 * replacing the pages they read; S2MMU_VIEW_CHANGE_GFN (frame A shows
 * frame B's page in one view only), its reverse map reaching A when B's
 * page changes, and its checked removal refusing a stale record; aging
 * (the MMU notifier asking whether a page is in use) seeing what the
 * guest touched through a view; bad input.
 *
 * The propagation tests fail when view-0 changes do not reach the views
 * (shown with a build whose s2mmu_views_follow() returned at once:
 * view0_restriction_reaches_views, propagate_slot_delete,
 * propagate_dirty_log and switch_stress failed; see views.rst).
 */
#include "guest_vm.h"
#include "../kselftest_harness.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define SLOT		0
#define SLOT_GPA	0x40000000ULL
#define SLOT_SIZE	(64 * TST_PAGE)
#define LOG_SLOT	1
#define LOG_GPA		0x50000000ULL
#define LOG_SIZE	(16 * TST_PAGE)
#define DATA_OFF	64
#define NR_VCPUS	4

/* guest_cmd_loop()'s: numbered as the S2MMU_MEM_ACCESS_KIND_* they make. */
#define CMD_READ	GUEST_CMD_READ
#define CMD_WRITE	GUEST_CMD_WRITE
#define CMD_NONE	GUEST_CMD_NONE

/* Result of one command: 0 done (*res), 1 a mem_access event, -1 else. */
static int cmd(struct tst_vcpu *v, int op, __u64 addr, __u64 val, __u64 *res)
{
	int ret;

	guest_cmd_put(v, op, addr, val);
	ret = guest_run(v);
	if (ret == 0 && guest_arg(v, 0) == GUEST_SYNC) {
		if (res)
			*res = guest_arg(v, 1);
		return 0;
	}
	return ret == S2MMU_EXIT_MEM_ACCESS ? 1 : -1;
}

static int set_access(int vm, __u32 view, __u64 gpa, __u32 access)
{
	struct s2mmu_mem_access ma = {
		.gfn = gpa >> 12, .nr_pages = 1, .access = access, .view = view,
	};

	return tst_ioctl(vm, S2MMU_SET_MEM_ACCESS, (unsigned long)&ma);
}

static __u32 get_access(int vm, __u32 view, __u64 gpa)
{
	struct s2mmu_mem_access ma = { .gfn = gpa >> 12, .nr_pages = 1,
				       .view = view };

	if (tst_ioctl(vm, S2MMU_GET_MEM_ACCESS, (unsigned long)&ma))
		return ~0U;
	return ma.access;
}

static int switch_view(struct tst_vcpu *v, unsigned long id)
{
	return tst_ioctl(v->fd, S2MMU_SWITCH_VIEW, id);
}

static int change_gfn(int vm, __u32 view, __u64 gpa, __u64 new_gpa,
		      __u32 flags)
{
	struct s2mmu_view_change_gfn cg = {
		.view = view, .flags = flags, .gfn = gpa >> 12,
		.new_gfn = new_gpa == S2MMU_VIEW_GFN_RESET ? new_gpa :
			   new_gpa >> 12,
	};

	return tst_ioctl(vm, S2MMU_VIEW_CHANGE_GFN, (unsigned long)&cg);
}

#define TEST_HOOKS	"/sys/module/s2mmu/parameters/test_hooks"

FIXTURE(views) {
	struct guest_vm g;
	__u8 *mem;
	__u8 *log;
	int v1, v2;
};

static __u64 *host64(struct _test_data_views *self, __u64 gpa)
{
	if (gpa >= LOG_GPA)
		return (__u64 *)(self->log + gpa - LOG_GPA);
	return (__u64 *)(self->mem + gpa - SLOT_GPA);
}

FIXTURE_SETUP(views)
{
	int i, ret;

	self->mem = NULL;
	self->log = NULL;
	ret = guest_vm_create(&self->g, NR_VCPUS);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "S2MMU_RUN not supported here");
	ASSERT_EQ(0, ret);
	self->mem = tst_alloc(TST_ANON, SLOT_SIZE);
	self->log = tst_alloc(TST_ANON, LOG_SIZE);
	ASSERT_NE(NULL, self->mem);
	ASSERT_NE(NULL, self->log);
	for (i = 0; i < (int)(SLOT_SIZE / 8); i++)
		((__u64 *)self->mem)[i] = 0xa500000000000000ULL | i;
	ASSERT_EQ(0, tst_set_region(self->g.vm, SLOT, 0, SLOT_GPA, SLOT_SIZE,
				    self->mem));
	ASSERT_EQ(0, tst_set_region(self->g.vm, LOG_SLOT,
				    S2MMU_MEM_LOG_DIRTY_PAGES, LOG_GPA,
				    LOG_SIZE, self->log));
	self->v1 = tst_ioctl(self->g.vm, S2MMU_CREATE_VIEW, 0);
	self->v2 = tst_ioctl(self->g.vm, S2MMU_CREATE_VIEW, 0);
	ASSERT_EQ(1, self->v1);
	ASSERT_EQ(2, self->v2);
	for (i = 0; i < NR_VCPUS; i++) {
		ASSERT_EQ(0, guest_cmd_start(&self->g.vcpu[i], NULL));
		ASSERT_EQ(0, cmd(&self->g.vcpu[i], CMD_NONE, 0, 0, NULL));
	}
}

FIXTURE_TEARDOWN(views)
{
	guest_vm_destroy(&self->g);
	if (self->mem)
		munmap(self->mem, SLOT_SIZE);
	if (self->log)
		munmap(self->log, LOG_SIZE);
}

/* Read @gpa on @v: the value, or ~0 with a failure logged. */
static __u64 rd(struct __test_metadata *_metadata, struct tst_vcpu *v,
		__u64 gpa)
{
	__u64 res = ~0ULL;

	EXPECT_EQ(0, cmd(v, CMD_READ, gpa, 0, &res)) TH_LOG("read 0x%llx", gpa);
	return res;
}

TEST_F(views, feature_and_ids)
{
	struct s2mmu_features f;
	struct s2mmu_stats st;
	int id;

	ASSERT_EQ(0, tst_ioctl(self->g.dev, S2MMU_GET_FEATURES, (unsigned long)&f));
	EXPECT_TRUE(!!(f.flags & S2MMU_FEAT_VIEWS));
	ASSERT_EQ(0, tst_stats(self->g.vm, &st));
	EXPECT_EQ(2ULL, st.views);
	for (id = 3; id < S2MMU_MAX_VIEWS; id++)
		EXPECT_EQ(id, tst_ioctl(self->g.vm, S2MMU_CREATE_VIEW, 0));
	EXPECT_EQ(-ENOSPC, tst_ioctl(self->g.vm, S2MMU_CREATE_VIEW, 0));
	EXPECT_EQ(0, tst_ioctl(self->g.vm, S2MMU_DESTROY_VIEW, 5));
	EXPECT_EQ(5, tst_ioctl(self->g.vm, S2MMU_CREATE_VIEW, 0));
	ASSERT_EQ(0, tst_stats(self->g.vm, &st));
	EXPECT_EQ((__u64)S2MMU_MAX_VIEWS - 1, st.views);
}

/*
 * Three vCPUs on views 0, 1 and 2 meet three different restrictions of
 * the same frame; the data they share is one page.
 */
TEST_F(views, restrictions_per_view)
{
	struct tst_vcpu *a = &self->g.vcpu[0], *b = &self->g.vcpu[1],
			*c = &self->g.vcpu[2];
	__u64 x = SLOT_GPA + 3 * TST_PAGE + DATA_OFF, res;

	ASSERT_EQ(0, switch_view(b, self->v1));
	ASSERT_EQ(0, switch_view(c, self->v2));
	ASSERT_EQ(0, set_access(self->g.vm, self->v1, x, S2MMU_MEM_ACCESS_R));
	ASSERT_EQ(0, set_access(self->g.vm, self->v2, x, S2MMU_MEM_ACCESS_N));
	EXPECT_EQ((__u32)S2MMU_MEM_ACCESS_RWX, get_access(self->g.vm, 0, x));
	EXPECT_EQ((__u32)S2MMU_MEM_ACCESS_R, get_access(self->g.vm, self->v1, x));

	/* view 0: anything */
	EXPECT_EQ(0, cmd(a, CMD_WRITE, x, 0x1111, NULL));
	EXPECT_EQ(0x1111ULL, *host64(self, x));
	/* view 1: reads, and sees view 0's write; its write is an event */
	EXPECT_EQ(0x1111ULL, rd(_metadata, b, x));
	EXPECT_EQ(1, cmd(b, CMD_WRITE, x, 0x2222, NULL));
	EXPECT_EQ(x, b->run->mem_access.gpa);
	EXPECT_EQ((__u32)CMD_WRITE, b->run->mem_access.kind);
	EXPECT_EQ((__u32)S2MMU_MEM_ACCESS_R, b->run->mem_access.access);
	EXPECT_EQ(0x1111ULL, *host64(self, x));
	/* view 2: nothing */
	EXPECT_EQ(1, cmd(c, CMD_READ, x, 0, NULL));
	EXPECT_EQ((__u32)S2MMU_MEM_ACCESS_N, c->run->mem_access.access);
	/* view 0 unaffected after the views' events */
	EXPECT_EQ(0, cmd(a, CMD_WRITE, x, 0x3333, NULL));
	/* lifting view 1's restriction lets its retried write through */
	ASSERT_EQ(0, set_access(self->g.vm, self->v1, x, S2MMU_MEM_ACCESS_RWX));
	EXPECT_EQ(0, cmd(b, CMD_NONE, 0, 0, NULL));	/* the retried write */
	EXPECT_EQ(0x2222ULL, *host64(self, x));
	EXPECT_EQ(0x2222ULL, rd(_metadata, a, x));
	/* view 2 still refuses; switching vCPU 2 to view 0 lets it read */
	EXPECT_EQ(1, cmd(c, CMD_NONE, 0, 0, NULL));
	ASSERT_EQ(0, switch_view(c, 0));
	EXPECT_EQ(0, cmd(c, CMD_NONE, 0, 0, &res));
	EXPECT_EQ(0x2222ULL, res);
}

/* Tightening in a view reaches a vCPU that just used the page there. */
TEST_F(views, view_tightening)
{
	struct tst_vcpu *b = &self->g.vcpu[1];
	__u64 x = SLOT_GPA + 5 * TST_PAGE + DATA_OFF;

	ASSERT_EQ(0, switch_view(b, self->v1));
	EXPECT_EQ(0, cmd(b, CMD_WRITE, x, 0x55, NULL));
	ASSERT_EQ(0, set_access(self->g.vm, self->v1, x, S2MMU_MEM_ACCESS_R));
	EXPECT_EQ(1, cmd(b, CMD_WRITE, x, 0x66, NULL));
	EXPECT_EQ(0x55ULL, *host64(self, x));
	ASSERT_EQ(0, set_access(self->g.vm, self->v1, x, S2MMU_MEM_ACCESS_N2RWX));
	/* rx2rw/n2rwx convert per view: one event, then the access goes */
	EXPECT_EQ(1, cmd(b, CMD_NONE, 0, 0, NULL));
	EXPECT_NE(0U, b->run->mem_access.flags & S2MMU_MEM_ACCESS_F_CONVERTED);
	EXPECT_EQ(0, cmd(b, CMD_NONE, 0, 0, NULL));
	EXPECT_EQ(0x66ULL, *host64(self, x));
	EXPECT_EQ((__u32)S2MMU_MEM_ACCESS_RWX, get_access(self->g.vm, self->v1, x));
}

/* A view-0 restriction bounds every view (views.rst). */
TEST_F(views, view0_restriction_reaches_views)
{
	struct tst_vcpu *b = &self->g.vcpu[1];
	__u64 x = SLOT_GPA + 6 * TST_PAGE + DATA_OFF;

	ASSERT_EQ(0, switch_view(b, self->v1));
	EXPECT_EQ(*host64(self, x), rd(_metadata, b, x));
	ASSERT_EQ(0, set_access(self->g.vm, 0, x, S2MMU_MEM_ACCESS_N));
	EXPECT_EQ(1, cmd(b, CMD_READ, x, 0, NULL));
	EXPECT_EQ(x, b->run->mem_access.gpa);
	EXPECT_EQ((__u32)S2MMU_MEM_ACCESS_N, b->run->mem_access.access);
}

#define SCRATCH_PAGES	64

/*
 * MADV_DONTNEED on a page a vCPU read through a view: it sees the new one.
 * The page freed is taken by other memory before the new one is written
 * (the allocator would otherwise hand the same page back, and a view
 * still mapping the old page would read the right data by luck).
 */
TEST_F(views, propagate_notifier)
{
	struct tst_vcpu *b = &self->g.vcpu[1], *c = &self->g.vcpu[2];
	__u64 x = SLOT_GPA + 8 * TST_PAGE;
	__u64 old = *host64(self, x + DATA_OFF);
	__u8 *scratch;
	int round, i;

	ASSERT_EQ(0, switch_view(b, self->v1));
	ASSERT_EQ(0, switch_view(c, self->v2));
	for (round = 0; round < 8; round++) {
		EXPECT_EQ(old, rd(_metadata, b, x + DATA_OFF));
		EXPECT_EQ(old, rd(_metadata, c, x + DATA_OFF));
		scratch = tst_alloc(TST_ANON, SCRATCH_PAGES * TST_PAGE);
		ASSERT_NE(NULL, scratch);
		ASSERT_EQ(0, madvise(host64(self, x), TST_PAGE, MADV_DONTNEED));
		for (i = 0; i < SCRATCH_PAGES; i++)
			memset(scratch + i * TST_PAGE, 0x5c, TST_PAGE);
		old = 0x7700000000000000ULL | round;
		*host64(self, x + DATA_OFF) = old;
		EXPECT_EQ(old, rd(_metadata, b, x + DATA_OFF));
		EXPECT_EQ(old, rd(_metadata, c, x + DATA_OFF));
		munmap(scratch, SCRATCH_PAGES * TST_PAGE);
	}
}

/* A slot deleted under a view: the vCPU on the view gets an MMIO exit. */
TEST_F(views, propagate_slot_delete)
{
	struct tst_vcpu *b = &self->g.vcpu[1];
	__u64 x = LOG_GPA + 2 * TST_PAGE + DATA_OFF;

	ASSERT_EQ(0, switch_view(b, self->v1));
	*host64(self, x) = 0x4242;
	EXPECT_EQ(0x4242ULL, rd(_metadata, b, x));
	ASSERT_EQ(0, tst_set_region(self->g.vm, LOG_SLOT, 0, LOG_GPA, 0,
				    self->log));
	EXPECT_EQ(-1, cmd(b, CMD_READ, x, 0, NULL));
	EXPECT_EQ((__u32)S2MMU_EXIT_MMIO, b->run->exit_reason);
	EXPECT_EQ(x, b->run->mmio.phys_addr);
}

/*
 * Writes on a view are logged, also the one after GET_DIRTY_LOG, and
 * marked once per round however often the guest writes.
 */
TEST_F(views, propagate_dirty_log)
{
	struct tst_vcpu *b = &self->g.vcpu[1];
	__u64 bitmap[1], p3 = LOG_GPA + 3 * TST_PAGE + DATA_OFF;
	struct s2mmu_stats before;
	int round;

	ASSERT_EQ(0, switch_view(b, self->v1));
	ASSERT_EQ(0, tst_get_dirty_log(self->g.vm, LOG_SLOT, bitmap));
	for (round = 0; round < 4; round++) {
		/* Two writes through the view: the page is marked once. */
		ASSERT_EQ(0, tst_stats(self->g.vm, &before));
		EXPECT_EQ(0, cmd(b, CMD_WRITE, p3, 0x77, NULL));
		EXPECT_EQ(0, cmd(b, CMD_WRITE, p3, round, NULL));
		EXPECT_EQ(1ULL, tst_stats_since(self->g.vm, &before).dirty_marked)
			TH_LOG("round %d", round);
		/* a read elsewhere: mapped, not dirty */
		rd(_metadata, b, LOG_GPA + 5 * TST_PAGE);
		ASSERT_EQ(0, tst_get_dirty_log(self->g.vm, LOG_SLOT, bitmap));
		EXPECT_EQ(1ULL << 3, bitmap[0]) TH_LOG("round %d", round);
		EXPECT_EQ((__u64)round, *host64(self, p3));
	}
	ASSERT_EQ(0, tst_get_dirty_log(self->g.vm, LOG_SLOT, bitmap));
	EXPECT_EQ(0ULL, bitmap[0]);
}

/*
 * A slot moved under a view: the old frames exit as MMIO on the view,
 * the new ones show the same memory.
 */
TEST_F(views, propagate_slot_move)
{
	struct tst_vcpu *b = &self->g.vcpu[1];
	__u64 x = LOG_GPA + 4 * TST_PAGE + DATA_OFF, moved = 0x58000000ULL;

	ASSERT_EQ(0, switch_view(b, self->v1));
	*host64(self, x) = 0x5151;
	EXPECT_EQ(0x5151ULL, rd(_metadata, b, x));
	ASSERT_EQ(0, tst_set_region(self->g.vm, LOG_SLOT,
				    S2MMU_MEM_LOG_DIRTY_PAGES, moved, LOG_SIZE,
				    self->log));
	EXPECT_EQ(-1, cmd(b, CMD_READ, x, 0, NULL));
	EXPECT_EQ((__u32)S2MMU_EXIT_MMIO, b->run->exit_reason);
	EXPECT_EQ(x, b->run->mmio.phys_addr);
	/* The MMIO read completes (with whatever the VMM gives): the command ends. */
	ASSERT_EQ(0, guest_run(b));
	ASSERT_EQ((__u64)GUEST_SYNC, guest_arg(b, 0));
	*host64(self, x) = 0x5252;
	EXPECT_EQ(0x5252ULL, rd(_metadata, b, x - LOG_GPA + moved));
}

#define LS_SLOT		2
#define LS_GPA		0x60000000ULL
#define LS_PAGES	8

/*
 * Dirty logging turned on for a slot a view already maps writable (split
 * and write-protect of view 0, the views following): the next write
 * through the view is logged, every round.  With the views left out the
 * view keeps its writable leaves and the writes are lost from the log.
 */
TEST_F(views, propagate_log_start)
{
	struct tst_vcpu *b = &self->g.vcpu[1];
	__u8 *mem = tst_alloc(TST_ANON, LS_PAGES * TST_PAGE);
	__u64 bitmap[1], p;
	int round;

	ASSERT_NE(NULL, mem);
	ASSERT_EQ(0, tst_set_region(self->g.vm, LS_SLOT, 0, LS_GPA,
				    LS_PAGES * TST_PAGE, mem));
	ASSERT_EQ(0, switch_view(b, self->v1));
	for (round = 0; round < 3; round++) {
		/* Writable in view 0 and in the view, logging off. */
		for (p = 0; p < LS_PAGES; p++)
			EXPECT_EQ(0, cmd(b, CMD_WRITE, LS_GPA + p * TST_PAGE + DATA_OFF,
					 p, NULL));
		ASSERT_EQ(0, tst_set_region(self->g.vm, LS_SLOT,
					    S2MMU_MEM_LOG_DIRTY_PAGES, LS_GPA,
					    LS_PAGES * TST_PAGE, mem));
		/* Nothing written since logging started. */
		ASSERT_EQ(0, tst_get_dirty_log(self->g.vm, LS_SLOT, bitmap));
		EXPECT_EQ(0ULL, bitmap[0]) TH_LOG("round %d", round);
		EXPECT_EQ(0, cmd(b, CMD_WRITE, LS_GPA + 5 * TST_PAGE + DATA_OFF,
				 0x600 + round, NULL));
		ASSERT_EQ(0, tst_get_dirty_log(self->g.vm, LS_SLOT, bitmap));
		EXPECT_EQ(1ULL << 5, bitmap[0]) TH_LOG("round %d", round);
		EXPECT_EQ(0x600ULL + round,
			  *(__u64 *)(mem + 5 * TST_PAGE + DATA_OFF));
		ASSERT_EQ(0, tst_set_region(self->g.vm, LS_SLOT, 0, LS_GPA,
					    LS_PAGES * TST_PAGE, mem));
	}
	munmap(mem, LS_PAGES * TST_PAGE);
}

#define INFO_GPA	0x70000000ULL

/* The info page unmapped under a vCPU on a view: an MMIO exit there. */
TEST_F(views, propagate_info_page_unmap)
{
	struct tst_vcpu *b = &self->g.vcpu[1];
	struct s2mmu_info_page_map m = { .guest_phys_addr = INFO_GPA };
	struct s2mmu_features f;

	ASSERT_EQ(0, tst_ioctl(self->g.dev, S2MMU_GET_FEATURES, (unsigned long)&f));
	if (!(f.flags & S2MMU_FEAT_INFO_PAGE))
		SKIP(return, "no S2MMU_FEAT_INFO_PAGE");
	ASSERT_EQ(0, tst_ioctl(self->g.vm, S2MMU_MAP_INFO_PAGE, (unsigned long)&m));
	ASSERT_EQ(0, switch_view(b, self->v1));
	EXPECT_EQ(0, cmd(b, CMD_READ, INFO_GPA, 0, NULL));
	ASSERT_EQ(0, tst_ioctl(self->g.vm, S2MMU_UNMAP_INFO_PAGE, 0));
	EXPECT_EQ(-1, cmd(b, CMD_READ, INFO_GPA, 0, NULL));
	EXPECT_EQ((__u32)S2MMU_EXIT_MMIO, b->run->exit_reason);
	EXPECT_EQ(INFO_GPA, b->run->mmio.phys_addr);
}

#define PV_FIRST	40
#define PV_PAGES	16

/* vCPUs 1 and 2 on views 1 and 2 write every page of [@gpa, +@n pages). */
static void fill_views(struct __test_metadata *_metadata,
		       struct _test_data_views *self, __u64 gpa, int n)
{
	int i, p;

	for (i = 1; i <= 2; i++)
		for (p = 0; p < n; p++)
			EXPECT_EQ(0, cmd(&self->g.vcpu[i], CMD_WRITE,
					 gpa + p * TST_PAGE + DATA_OFF, p, NULL));
}

/*
 * One view-0 operation on a range both views map (writable, 4K leaves):
 * applied to each view once, with one invalidation per view.
 */
static void one_per_view(struct __test_metadata *_metadata,
			 struct _test_data_views *self,
			 const struct s2mmu_stats *before, bool range,
			 const char *what)
{
	struct s2mmu_stats d = tst_stats_since(self->g.vm, before);

	TH_LOG("%s: %llu propagations, %llu view TLBIs", what, d.view_propagations,
	       d.view_tlbi);
	EXPECT_EQ(2ULL, d.view_propagations) TH_LOG("%s", what);
	/* By IPA without FEAT_TLBIRANGE: still one batch, never more. */
	EXPECT_TRUE(range ? d.view_tlbi == 2 : d.view_tlbi <= 2 * PV_PAGES)
		TH_LOG("%s", what);
	EXPECT_LT(0ULL, d.view_tlbi) TH_LOG("%s", what);
}

/*
 * Every kind of view-0 change on a contiguous range the views map costs
 * each view one range operation and (with FEAT_TLBIRANGE) one
 * invalidation, not one per page: the MMU notifier, a view-0
 * restriction, dirty logging turned on (split and protect), the harvest's
 * write-protect and a slot move.  A view's own restriction costs that
 * view one invalidation and the others nothing.
 */
TEST_F(views, one_invalidation_per_view)
{
	__u64 gpa = SLOT_GPA + PV_FIRST * TST_PAGE, bitmap[1];
	struct s2mmu_mem_access ma = {
		.gfn = gpa >> 12, .nr_pages = PV_PAGES,
		.access = S2MMU_MEM_ACCESS_R,
	};
	struct s2mmu_features f;
	struct s2mmu_stats before, d;
	bool range;

	ASSERT_EQ(0, tst_ioctl(self->g.dev, S2MMU_GET_FEATURES, (unsigned long)&f));
	range = f.flags & S2MMU_FEAT_TLBIRANGE;
	ASSERT_EQ(0, switch_view(&self->g.vcpu[1], self->v1));
	ASSERT_EQ(0, switch_view(&self->g.vcpu[2], self->v2));

	fill_views(_metadata, self, gpa, PV_PAGES);
	ASSERT_EQ(0, tst_stats(self->g.vm, &before));
	ASSERT_EQ(0, madvise(host64(self, gpa), PV_PAGES * TST_PAGE,
			     MADV_DONTNEED));
	one_per_view(_metadata, self, &before, range, "MMU notifier");

	fill_views(_metadata, self, gpa, PV_PAGES);
	ASSERT_EQ(0, tst_stats(self->g.vm, &before));
	ASSERT_EQ(0, tst_ioctl(self->g.vm, S2MMU_SET_MEM_ACCESS, (unsigned long)&ma));
	one_per_view(_metadata, self, &before, range, "view-0 restriction");
	ma.access = S2MMU_MEM_ACCESS_RWX;
	ASSERT_EQ(0, tst_ioctl(self->g.vm, S2MMU_SET_MEM_ACCESS, (unsigned long)&ma));

	/* A view's own restriction: that view only, one invalidation. */
	fill_views(_metadata, self, gpa, PV_PAGES);
	ASSERT_EQ(0, tst_stats(self->g.vm, &before));
	ma.view = self->v1;
	ma.access = S2MMU_MEM_ACCESS_R;
	ASSERT_EQ(0, tst_ioctl(self->g.vm, S2MMU_SET_MEM_ACCESS, (unsigned long)&ma));
	d = tst_stats_since(self->g.vm, &before);
	TH_LOG("view-1 restriction: %llu propagations, %llu view TLBIs",
	       d.view_propagations, d.view_tlbi);
	EXPECT_EQ(0ULL, d.view_propagations);
	EXPECT_TRUE(range ? d.view_tlbi == 1 : d.view_tlbi && d.view_tlbi <= PV_PAGES);
	ma.access = S2MMU_MEM_ACCESS_RWX;
	ASSERT_EQ(0, tst_ioctl(self->g.vm, S2MMU_SET_MEM_ACCESS, (unsigned long)&ma));

	fill_views(_metadata, self, gpa, PV_PAGES);
	ASSERT_EQ(0, tst_stats(self->g.vm, &before));
	ASSERT_EQ(0, tst_set_region(self->g.vm, SLOT, S2MMU_MEM_LOG_DIRTY_PAGES,
				    SLOT_GPA, SLOT_SIZE, self->mem));
	one_per_view(_metadata, self, &before, range, "logging on");
	ASSERT_EQ(0, tst_get_dirty_log(self->g.vm, SLOT, bitmap));

	fill_views(_metadata, self, gpa, PV_PAGES);
	ASSERT_EQ(0, tst_stats(self->g.vm, &before));
	ASSERT_EQ(0, tst_get_dirty_log(self->g.vm, SLOT, bitmap));
	one_per_view(_metadata, self, &before, range, "harvest");

	fill_views(_metadata, self, gpa, PV_PAGES);
	ASSERT_EQ(0, tst_stats(self->g.vm, &before));
	ASSERT_EQ(0, tst_set_region(self->g.vm, SLOT, S2MMU_MEM_LOG_DIRTY_PAGES,
				    0x48000000ULL, SLOT_SIZE, self->mem));
	one_per_view(_metadata, self, &before, range, "slot move");
}

/* A view destroyed under a vCPU: the vCPU goes on, on view 0. */
TEST_F(views, destroy_under_vcpu)
{
	struct tst_vcpu *b = &self->g.vcpu[1];
	__u64 x = SLOT_GPA + 9 * TST_PAGE + DATA_OFF;
	struct s2mmu_stats st;

	ASSERT_EQ(0, switch_view(b, self->v1));
	ASSERT_EQ(0, set_access(self->g.vm, self->v1, x, S2MMU_MEM_ACCESS_N));
	EXPECT_EQ(1, cmd(b, CMD_READ, x, 0, NULL));
	ASSERT_EQ(0, tst_ioctl(self->g.vm, S2MMU_DESTROY_VIEW, self->v1));
	/* the same read, retried: no restriction on view 0 */
	EXPECT_EQ(0, cmd(b, CMD_NONE, 0, 0, NULL));
	EXPECT_EQ(*host64(self, x), guest_arg(b, 1));
	ASSERT_EQ(0, tst_stats(self->g.vm, &st));
	EXPECT_EQ(1ULL, st.view_fallbacks);
	EXPECT_EQ(1ULL, st.views);
	EXPECT_EQ(-ENOENT, switch_view(b, self->v1));
	EXPECT_EQ(-ENOENT, tst_ioctl(self->g.vm, S2MMU_DESTROY_VIEW, self->v1));
	EXPECT_EQ(~0U, get_access(self->g.vm, self->v1, x));
}

/* The guest increments the word at @addr for ever. */
GUEST_CODE void guest_views_counter(__u64 addr)
{
	for (;;)
		guest_write64(addr, guest_read64(addr) + 1);
}

struct runner {
	struct tst_vcpu *v;
	int ret;
};

static void *run_until_exit(void *arg)
{
	struct runner *r = arg;

	r->ret = guest_run(r->v);
	return NULL;
}

/* Waits (10 s at most) until the guest moved the counter @n times. */
static int counter_moves(__u64 *counter, __u64 n)
{
	__u64 start = __atomic_load_n(counter, __ATOMIC_ACQUIRE);
	__u64 t0 = tst_now_ns();

	while (__atomic_load_n(counter, __ATOMIC_ACQUIRE) - start < n)
		if (tst_now_ns() - t0 > 10000000000ULL)
			return 0;
	return 1;
}

/*
 * A view destroyed while a vCPU runs guest code on it, with no exit in
 * between: the vCPU finds the view's table empty, faults, and continues
 * on view 0 without the VMM seeing anything; a view-0 restriction then
 * stops it.
 */
TEST_F(views, destroy_under_running_vcpu)
{
	struct tst_vcpu *b = &self->g.vcpu[1];
	__u64 addr = SLOT_GPA + 12 * TST_PAGE + DATA_OFF;
	__u64 *counter = host64(self, addr);
	struct runner r = { .v = b };
	struct s2mmu_stats before, d;
	pthread_t th;

	*counter = 0;
	ASSERT_EQ(0, switch_view(b, self->v1));
	ASSERT_EQ(0, guest_start(b, guest_views_counter, 1, &addr));
	ASSERT_EQ(0, tst_stats(self->g.vm, &before));
	ASSERT_EQ(0, pthread_create(&th, NULL, run_until_exit, &r));
	ASSERT_TRUE(counter_moves(counter, 1000));
	EXPECT_EQ(-EBUSY, switch_view(b, 0));
	ASSERT_EQ(0, tst_ioctl(self->g.vm, S2MMU_DESTROY_VIEW, self->v1));
	EXPECT_TRUE(counter_moves(counter, 1000));
	ASSERT_EQ(0, set_access(self->g.vm, 0, addr, S2MMU_MEM_ACCESS_R));
	pthread_join(th, NULL);
	ASSERT_EQ(S2MMU_EXIT_MEM_ACCESS, r.ret);
	EXPECT_EQ(addr, b->run->mem_access.gpa);
	EXPECT_EQ((__u32)S2MMU_MEM_ACCESS_KIND_WRITE, b->run->mem_access.kind);
	d = tst_stats_since(self->g.vm, &before);
	EXPECT_EQ(1ULL, d.view_fallbacks);
	EXPECT_EQ(0ULL, d.mmio_exits);
	EXPECT_EQ(-ENOENT, switch_view(b, self->v1));
}

/* Bad input: its errno, and nothing changed. */
TEST_F(views, bad_input)
{
	struct tst_vcpu *b = &self->g.vcpu[1];
	__u64 x = SLOT_GPA + 10 * TST_PAGE;
	struct s2mmu_mem_access ma = { .gfn = x >> 12, .nr_pages = 1,
				       .access = S2MMU_MEM_ACCESS_N };
	struct s2mmu_stats before, after;

	ASSERT_EQ(0, set_access(self->g.vm, self->v1, x, S2MMU_MEM_ACCESS_R));
	ASSERT_EQ(0, tst_stats(self->g.vm, &before));
	EXPECT_EQ(-EINVAL, tst_ioctl(self->g.vm, S2MMU_CREATE_VIEW, 1));
	EXPECT_EQ(-EINVAL, tst_ioctl(self->g.vm, S2MMU_DESTROY_VIEW, 0));
	EXPECT_EQ(-EINVAL, tst_ioctl(self->g.vm, S2MMU_DESTROY_VIEW,
				     S2MMU_MAX_VIEWS));
	EXPECT_EQ(-ENOENT, tst_ioctl(self->g.vm, S2MMU_DESTROY_VIEW, 3));
	EXPECT_EQ(-EINVAL, switch_view(b, S2MMU_MAX_VIEWS));
	EXPECT_EQ(-ENOENT, switch_view(b, 3));
	ma.view = 3;
	EXPECT_EQ(-ENOENT, tst_ioctl(self->g.vm, S2MMU_SET_MEM_ACCESS,
				     (unsigned long)&ma));
	ma.view = S2MMU_MAX_VIEWS;
	EXPECT_EQ(-EINVAL, tst_ioctl(self->g.vm, S2MMU_SET_MEM_ACCESS,
				     (unsigned long)&ma));
	ma.view = self->v1;
	ma.pad = 1;
	EXPECT_EQ(-EINVAL, tst_ioctl(self->g.vm, S2MMU_SET_MEM_ACCESS,
				     (unsigned long)&ma));
	EXPECT_EQ(-ENOTTY, tst_ioctl(b->fd, S2MMU_DESTROY_VIEW, self->v1));
	EXPECT_EQ((__u32)S2MMU_MEM_ACCESS_R, get_access(self->g.vm, self->v1, x));
	EXPECT_EQ((__u32)S2MMU_MEM_ACCESS_RWX, get_access(self->g.vm, 0, x));
	ASSERT_EQ(0, tst_stats(self->g.vm, &after));
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)));
	/* vCPU 1 is still on view 0: no restriction */
	EXPECT_EQ(0, cmd(b, CMD_WRITE, x + DATA_OFF, 1, NULL));
}

/*
 * Frame A shows frame B's page in view 1 only: reads and writes through
 * A there reach B's page; view 0 and view 2 still see A's; a change to
 * B's page (MADV_DONTNEED) reaches A in view 1 through the reverse map;
 * resetting (to A, or S2MMU_VIEW_GFN_RESET) brings A's page back.
 */
TEST_F(views, change_gfn)
{
	struct tst_vcpu *a0 = &self->g.vcpu[0], *a1 = &self->g.vcpu[1],
			*a2 = &self->g.vcpu[2];
	__u64 fa = SLOT_GPA + 20 * TST_PAGE, fb = SLOT_GPA + 21 * TST_PAGE;
	__u64 da = *host64(self, fa + DATA_OFF), db = *host64(self, fb + DATA_OFF);
	struct s2mmu_stats before, after;

	ASSERT_NE(da, db);
	ASSERT_EQ(0, switch_view(a1, self->v1));
	ASSERT_EQ(0, switch_view(a2, self->v2));
	EXPECT_EQ(da, rd(_metadata, a1, fa + DATA_OFF));	/* mapped first */
	ASSERT_EQ(0, change_gfn(self->g.vm, self->v1, fa, fb, 0));
	EXPECT_EQ(db, rd(_metadata, a1, fa + DATA_OFF));
	EXPECT_EQ(da, rd(_metadata, a0, fa + DATA_OFF));
	EXPECT_EQ(da, rd(_metadata, a2, fa + DATA_OFF));
	EXPECT_EQ(db, rd(_metadata, a0, fb + DATA_OFF));

	EXPECT_EQ(0, cmd(a1, CMD_WRITE, fa + DATA_OFF, 0xb0b0, NULL));
	EXPECT_EQ(0xb0b0ULL, *host64(self, fb + DATA_OFF));
	EXPECT_EQ(da, *host64(self, fa + DATA_OFF));

	ASSERT_EQ(0, tst_stats(self->g.vm, &before));
	ASSERT_EQ(0, madvise(host64(self, fb), TST_PAGE, MADV_DONTNEED));
	*host64(self, fb + DATA_OFF) = 0xc0c0;
	EXPECT_EQ(0xc0c0ULL, rd(_metadata, a1, fa + DATA_OFF));
	ASSERT_EQ(0, tst_stats(self->g.vm, &after));
	EXPECT_LE(before.view_rmap_hits + 1, after.view_rmap_hits);
	EXPECT_EQ(before.view_rmap_mismatches, after.view_rmap_mismatches);

	ASSERT_EQ(0, change_gfn(self->g.vm, self->v1, fa, fa, 0));
	EXPECT_EQ(da, rd(_metadata, a1, fa + DATA_OFF));
	ASSERT_EQ(0, change_gfn(self->g.vm, self->v1, fa, fb, 0));
	EXPECT_EQ(0xc0c0ULL, rd(_metadata, a1, fa + DATA_OFF));
	ASSERT_EQ(0, change_gfn(self->g.vm, self->v1, fa,
				S2MMU_VIEW_GFN_RESET, 0));
	EXPECT_EQ(da, rd(_metadata, a1, fa + DATA_OFF));
	/* two frames showing one page, then B's page replaced again */
	ASSERT_EQ(0, change_gfn(self->g.vm, self->v1, fa, fb, 0));
	ASSERT_EQ(0, change_gfn(self->g.vm, self->v1, fa + TST_PAGE, fb, 0));
	EXPECT_EQ(0xc0c0ULL, rd(_metadata, a1, fa + DATA_OFF));
	ASSERT_EQ(0, madvise(host64(self, fb), TST_PAGE, MADV_DONTNEED));
	*host64(self, fb + DATA_OFF) = 0xd0d0;
	EXPECT_EQ(0xd0d0ULL, rd(_metadata, a1, fa + DATA_OFF));
}

/*
 * One vCPU switching between views that show frame A differently reads,
 * at each entry, what its current view shows: the views share a VMID, so
 * the switch must not let the previous view's translation of A be used.
 * (Under QEMU every VTTBR_EL2 write flushes its TLB, so only real
 * hardware can fail this for a missing invalidation; it also catches a
 * switch that enters the wrong table.)
 */
TEST_F(views, switch_same_vcpu)
{
	struct tst_vcpu *v = &self->g.vcpu[1];
	__u64 fa = SLOT_GPA + 36 * TST_PAGE, fb = SLOT_GPA + 37 * TST_PAGE;
	__u64 da = *host64(self, fa + DATA_OFF), db = *host64(self, fb + DATA_OFF);
	int round;

	ASSERT_NE(da, db);
	ASSERT_EQ(0, change_gfn(self->g.vm, self->v1, fa, fb, 0));
	for (round = 0; round < 8; round++) {
		ASSERT_EQ(0, switch_view(v, self->v1));
		EXPECT_EQ(db, rd(_metadata, v, fa + DATA_OFF)) TH_LOG("round %d", round);
		ASSERT_EQ(0, switch_view(v, 0));
		EXPECT_EQ(da, rd(_metadata, v, fa + DATA_OFF)) TH_LOG("round %d", round);
		ASSERT_EQ(0, switch_view(v, self->v2));
		EXPECT_EQ(da, rd(_metadata, v, fa + DATA_OFF)) TH_LOG("round %d", round);
	}
}

/* MADV_PAGEOUT: reclaim's reference check asks the notifier (aging). */
static __u64 age(struct __test_metadata *_metadata,
		 struct _test_data_views *self, __u64 gpa, int pages)
{
	struct s2mmu_stats before;

	EXPECT_EQ(0, tst_stats(self->g.vm, &before));
	EXPECT_EQ(0, madvise(host64(self, gpa), pages * TST_PAGE,
			     MADV_PAGEOUT));
	return tst_stats_since(self->g.vm, &before).young_found;
}

#define AGE_PAGES	4

/*
 * Aging looks at the views: a page the guest uses only through a view is
 * young (young_found counts the leaves of every table), and a frame a
 * view remaps counts for the page it shows, not its own; the access flag
 * aging cleared in a view is set again in place.  Failed with aging on
 * view 0 only: 4 instead of 8 at the first check, then 0.
 */
TEST_F(views, aging_sees_views)
{
	struct tst_vcpu *b = &self->g.vcpu[1];
	__u64 x = SLOT_GPA + 8 * TST_PAGE;
	__u64 fa = SLOT_GPA + 20 * TST_PAGE, fb = SLOT_GPA + 21 * TST_PAGE;
	__u64 db = *host64(self, fb + DATA_OFF);
	struct s2mmu_stats before, d;
	cpu_set_t cpu;
	int p;

	/* Reclaim only takes pages off this CPU's LRU batch. */
	CPU_ZERO(&cpu);
	CPU_SET(0, &cpu);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(cpu), &cpu));
	ASSERT_EQ(0, switch_view(b, self->v1));

	/* First touch on view 1: view 0's leaf and view 1's, both young. */
	for (p = 0; p < AGE_PAGES; p++)
		EXPECT_EQ(*host64(self, x + p * TST_PAGE),
			  rd(_metadata, b, x + p * TST_PAGE));
	EXPECT_EQ(2ULL * AGE_PAGES, age(_metadata, self, x, AGE_PAGES));
	/*
	 * Used again through view 1 only: young there, old in view 0.  Each
	 * access takes an access-flag fault on view 1, which sets the flag
	 * in place: no new leaf.
	 */
	ASSERT_EQ(0, tst_stats(self->g.vm, &before));
	for (p = 0; p < AGE_PAGES; p++)
		EXPECT_EQ(*host64(self, x + p * TST_PAGE),
			  rd(_metadata, b, x + p * TST_PAGE));
	d = tst_stats_since(self->g.vm, &before);
	EXPECT_EQ((__u64)AGE_PAGES, d.access_flag_set);
	EXPECT_EQ(0ULL, d.view_maps);
	EXPECT_EQ((__u64)AGE_PAGES, age(_metadata, self, x, AGE_PAGES));
	/* Not used since: nothing young anywhere. */
	EXPECT_EQ(0ULL, age(_metadata, self, x, AGE_PAGES));

	/* A shows B's page in view 1: the use counts for B, not for A. */
	ASSERT_EQ(0, change_gfn(self->g.vm, self->v1, fa, fb, 0));
	EXPECT_EQ(db, rd(_metadata, b, fa + DATA_OFF));
	EXPECT_EQ(0ULL, age(_metadata, self, fa, 1));
	EXPECT_EQ(2ULL, age(_metadata, self, fb, 1));	/* view 0 at B, view 1 at A */
	EXPECT_EQ(db, rd(_metadata, b, fa + DATA_OFF));
	EXPECT_EQ(1ULL, age(_metadata, self, fb, 1));
	EXPECT_EQ(0ULL, age(_metadata, self, fb, 1));
}

/* A write through A in a view marks B dirty, every round (reverse map). */
TEST_F(views, change_gfn_dirty_log)
{
	struct tst_vcpu *a1 = &self->g.vcpu[1];
	__u64 fa = SLOT_GPA + 24 * TST_PAGE, fb = LOG_GPA + 7 * TST_PAGE;
	__u64 bitmap[1];
	int round;

	ASSERT_EQ(0, switch_view(a1, self->v1));
	ASSERT_EQ(0, change_gfn(self->g.vm, self->v1, fa, fb, 0));
	ASSERT_EQ(0, tst_get_dirty_log(self->g.vm, LOG_SLOT, bitmap));
	for (round = 0; round < 4; round++) {
		EXPECT_EQ(0, cmd(a1, CMD_WRITE, fa + DATA_OFF, 0x100 + round,
				 NULL));
		ASSERT_EQ(0, tst_get_dirty_log(self->g.vm, LOG_SLOT, bitmap));
		EXPECT_EQ(1ULL << 7, bitmap[0]) TH_LOG("round %d", round);
		EXPECT_EQ(0x100ULL + round, *host64(self, fb + DATA_OFF));
	}
}

/*
 * The checked removal: with a reverse map made stale on purpose (test
 * hook: the remap of A to B recorded under B + 1), a change to B + 1
 * meets A's entry, which does not show B + 1's page: it is left alone,
 * counted, and the guest still reads B's page through A.
 */
TEST_F(views, checked_removal_refuses_stale_rmap)
{
	struct tst_vcpu *a1 = &self->g.vcpu[1];
	__u64 fa = SLOT_GPA + 28 * TST_PAGE, fb = SLOT_GPA + 30 * TST_PAGE;
	__u64 db = *host64(self, fb + DATA_OFF);
	struct s2mmu_stats before, after;
	int ret;

	ret = tst_write_file(TEST_HOOKS, "N");
	if (ret)
		SKIP(return, "cannot write %s: %s", TEST_HOOKS, strerror(-ret));
	EXPECT_EQ(-EINVAL, change_gfn(self->g.vm, self->v1, fa, fb,
				      S2MMU_VIEW_CHANGE_GFN_TEST_STALE));
	ASSERT_EQ(0, tst_write_file(TEST_HOOKS, "Y"));
	ret = change_gfn(self->g.vm, self->v1, fa, fb,
			 S2MMU_VIEW_CHANGE_GFN_TEST_STALE);
	ASSERT_EQ(0, tst_write_file(TEST_HOOKS, "N"));
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, switch_view(a1, self->v1));
	EXPECT_EQ(db, rd(_metadata, a1, fa + DATA_OFF));
	rd(_metadata, &self->g.vcpu[0], fb + TST_PAGE);	/* B + 1 mapped */

	ASSERT_EQ(0, tst_stats(self->g.vm, &before));
	ASSERT_EQ(0, madvise(host64(self, fb + TST_PAGE), TST_PAGE,
			     MADV_DONTNEED));
	ASSERT_EQ(0, tst_stats(self->g.vm, &after));
	EXPECT_EQ(before.view_rmap_mismatches + 1, after.view_rmap_mismatches);
	EXPECT_EQ(before.view_rmap_hits, after.view_rmap_hits);
	/* untouched: still B's page, with no fault needed */
	EXPECT_EQ(db, rd(_metadata, a1, fa + DATA_OFF));
	ASSERT_EQ(0, tst_stats(self->g.vm, &before));
	EXPECT_EQ(after.view_faults, before.view_faults);
	/* the view goes before B's page could */
	ASSERT_EQ(0, switch_view(a1, 0));
	ASSERT_EQ(0, tst_ioctl(self->g.vm, S2MMU_DESTROY_VIEW, self->v1));
}

/* Bad S2MMU_VIEW_CHANGE_GFN input: its errno, and nothing changed. */
TEST_F(views, change_gfn_bad_input)
{
	struct tst_vcpu *a1 = &self->g.vcpu[1];
	__u64 fa = SLOT_GPA + 32 * TST_PAGE, fb = SLOT_GPA + 33 * TST_PAGE;
	__u64 top = 1ULL << (40 - 12);
	struct s2mmu_view_change_gfn cg = { .view = self->v1,
					    .gfn = fa >> 12,
					    .new_gfn = fb >> 12 };
	struct s2mmu_stats before, after;
	unsigned int b;

#define BAD(err, change) do {						\
		struct s2mmu_view_change_gfn c_ = cg;			\
		c_.change;						\
		EXPECT_EQ(-(err), tst_ioctl(self->g.vm,		\
					     S2MMU_VIEW_CHANGE_GFN,	\
					     (unsigned long)&c_));	\
	} while (0)
	ASSERT_EQ(0, switch_view(a1, self->v1));
	EXPECT_EQ(*host64(self, fa + DATA_OFF), rd(_metadata, a1, fa + DATA_OFF));
	ASSERT_EQ(0, tst_stats(self->g.vm, &before));
	for (b = 0; b < 32; b++)
		BAD(EINVAL, flags = 1U << b);
	BAD(EINVAL, reserved[0] = 1);
	BAD(EINVAL, reserved[1] = 1ULL << 63);
	BAD(EINVAL, view = 0);
	BAD(EINVAL, view = S2MMU_MAX_VIEWS);
	BAD(ENOENT, view = 3);
	BAD(EINVAL, gfn = top);
	BAD(EINVAL, new_gfn = top);
	BAD(EINVAL, new_gfn = S2MMU_VIEW_GFN_RESET - 1);
#undef BAD
	EXPECT_EQ(-EFAULT, tst_ioctl(self->g.vm, S2MMU_VIEW_CHANGE_GFN, 8));
	EXPECT_EQ(-ENOTTY, tst_ioctl(a1->fd, S2MMU_VIEW_CHANGE_GFN,
				     (unsigned long)&cg));
	ASSERT_EQ(0, tst_stats(self->g.vm, &after));
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)));
	/* still A's page in view 1 */
	EXPECT_EQ(*host64(self, fa + DATA_OFF), rd(_metadata, a1, fa + DATA_OFF));
}

/*
 * Four vCPUs switch views between reads of their own page while the VMM
 * replaces the pages (MADV_DONTNEED, then a new generation written): a
 * read that starts after a generation was published sees it, a later
 * one, or the zeros of a page being replaced -- never an older page
 * left in a view.
 */
struct stress {
	struct _test_data_views *self;
	struct __test_metadata *md;
	int id;
	__u64 *gen;
	int *stop;
	int stale;
	int errors;
	int reads;
};

static void *stress_vcpu(void *arg)
{
	struct stress *s = arg;
	struct tst_vcpu *v = &s->self->g.vcpu[s->id];
	__u64 gpa = SLOT_GPA + (16 + s->id) * TST_PAGE + DATA_OFF, res;
	unsigned int view = s->id;

	while (!__atomic_load_n(s->stop, __ATOMIC_ACQUIRE)) {
		__u64 seen = __atomic_load_n(s->gen, __ATOMIC_ACQUIRE);

		view = (view + 1) % 3;
		if (switch_view(v, view) ||
		    cmd(v, CMD_READ, gpa, 0, &res)) {
			s->errors++;
			break;
		}
		/* 0: between a MADV_DONTNEED and the write of the next */
		if (res && (res & 0xffffffffULL) < seen)
			s->stale++;
		s->reads++;
	}
	return NULL;
}

/*
 * 8000 notifier invalidations, each reaching three views, against four
 * vCPUs that switch views between reads: under TCG on a loaded host that
 * can take longer than the harness's default 30 s, as the other stress
 * tests can; the time it took is printed.
 */
TEST_F_TIMEOUT(views, switch_stress, 180)
{
	struct timespec t0, t1;
	__u64 gen = 0;
	int stop = 0;
	struct stress s[NR_VCPUS];
	pthread_t th[NR_VCPUS];
	__u64 g;
	int i;

	for (i = 0; i < NR_VCPUS; i++)
		*host64(self, SLOT_GPA + (16 + i) * TST_PAGE + DATA_OFF) = 0;
	for (i = 0; i < NR_VCPUS; i++) {
		s[i] = (struct stress){ .self = self, .md = _metadata, .id = i,
					.gen = &gen, .stop = &stop };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, stress_vcpu, &s[i]));
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (g = 1; g <= 2000; g++) {
		for (i = 0; i < NR_VCPUS; i++) {
			__u64 *p = host64(self, SLOT_GPA + (16 + i) * TST_PAGE);

			madvise(p, TST_PAGE, MADV_DONTNEED);
			p[DATA_OFF / 8] = 0xbb00000000000000ULL | g;
		}
		__atomic_store_n(&gen, g, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < NR_VCPUS; i++)
		pthread_join(th[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ksft_print_msg("switch_stress: 2000 generations in %ld ms\n",
		       (long)((t1.tv_sec - t0.tv_sec) * 1000 +
			      (t1.tv_nsec - t0.tv_nsec) / 1000000));
	for (i = 0; i < NR_VCPUS; i++) {
		ksft_print_msg("switch_stress: vCPU %d: %d reads\n", i,
			       s[i].reads);
		EXPECT_EQ(0, s[i].errors);
		EXPECT_EQ(0, s[i].stale) TH_LOG("vCPU %d: %d stale of %d", i,
						s[i].stale, s[i].reads);
		EXPECT_LT(0, s[i].reads);
	}
}

TEST_HARNESS_MAIN
