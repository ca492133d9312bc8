// SPDX-License-Identifier: GPL-2.0
/*
 * Break-before-make exactly where it is needed: re-creating a mapping or
 * only raising its permissions costs no BBM and no broadcast TLBI; turning
 * a mapped 2M block into a table of pages (dirty logging) costs exactly
 * one BBM per block and one batched invalidation; the zero page replaced
 * by a real page goes through the MMU notifier; vCPUs racing on the same
 * pages all complete, with a bounded number of faults.
 */
#include "s2mmu_util.h"

#include <pthread.h>
#include "../kselftest_harness.h"

#define GPA		0x80000000ULL
#define NR_PAGES	64
#define NR_THREADS	4
#define ROUNDS		8

FIXTURE(bbm) {
	int dev, vm;
	struct tst_vcpu vcpu[NR_THREADS];
	__u8 *mem;
	size_t size;
	struct s2mmu_stats before;
};

FIXTURE_SETUP(bbm)
{
	int i;

	self->vm = -1;
	for (i = 0; i < NR_THREADS; i++)
		self->vcpu[i].fd = -1;
	self->dev = tst_open_dev();
	ASSERT_LE(0, self->dev);
	self->vm = tst_create_vm(self->dev, 0);
	ASSERT_LE(0, self->vm);
	for (i = 0; i < NR_THREADS; i++)
		ASSERT_EQ(0, tst_create_vcpu(self->dev, self->vm, i,
					     &self->vcpu[i]));
}

FIXTURE_TEARDOWN(bbm)
{
	int i;

	for (i = 0; i < NR_THREADS; i++)
		tst_destroy_vcpu(&self->vcpu[i]);
	if (self->vm >= 0)
		close(self->vm);
	if (self->mem)
		munmap(self->mem, self->size);
	close(self->dev);
}

static void add_slot(struct __test_metadata *_metadata,
		     struct _test_data_bbm *self, enum tst_backing b, size_t size,
		     int populate)
{
	self->size = size;
	self->mem = tst_alloc(b, size);
	ASSERT_NE(NULL, self->mem);
	if (populate)
		memset(self->mem, 0x11, size);
	ASSERT_EQ(0, tst_set_region(self->vm, 0, 0, GPA, size, self->mem));
	ASSERT_EQ(0, tst_stats(self->vm, &self->before));
}

/* Only permissions grow: relaxed in place, no BBM, no broadcast. */
TEST_F(bbm, perms_only)
{
	__u64 v = 7;
	struct s2mmu_vcpu_access a;
	struct s2mmu_stats d;

	add_slot(_metadata, self, TST_ANON, NR_PAGES * TST_PAGE, 1);
	ASSERT_EQ(0, tst_access(&self->vcpu[0], GPA, &v, 8, S2MMU_ACCESS_READ,
				&a));
	ASSERT_EQ(0, tst_access(&self->vcpu[0], GPA, &v, 8, S2MMU_ACCESS_WRITE,
				&a));
	EXPECT_EQ(1U, a.faults_permission);
	ASSERT_EQ(0, tst_access(&self->vcpu[0], GPA, &v, 8, S2MMU_ACCESS_EXEC,
				&a));
	EXPECT_EQ(1U, a.faults_permission);
	d = tst_stats_since(self->vm, &self->before);
	EXPECT_EQ(0ULL, d.bbm);
	EXPECT_EQ(2ULL, d.relax_perms);
	EXPECT_EQ(0ULL, d.tlbi_ipa + d.tlbi_range + d.tlbi_vmid);
	tst_print_stats(stderr, &d);
}

/*
 * A read of never-touched anonymous memory maps the zero page; the first
 * write has the host replace it by a real page (copy-on-write of the zero
 * page).  The MMU notifier sees that: it unmaps the zero page, with one
 * invalidation, and the fault, retried, maps the real page where nothing
 * is mapped any more -- so no BBM at all.
 */
TEST_F(bbm, zero_page_to_real_page)
{
	__u64 v = ~0ULL, w = 0xabcdef0123456789ULL;
	struct s2mmu_vcpu_access a;
	struct s2mmu_stats d;

	add_slot(_metadata, self, TST_ANON, NR_PAGES * TST_PAGE, 0);
	ASSERT_EQ(0, tst_access(&self->vcpu[0], GPA + 64, &v, 8,
				S2MMU_ACCESS_READ, &a));
	EXPECT_EQ(0ULL, v);
	EXPECT_EQ(1U, a.faults_translation);
	d = tst_stats_since(self->vm, &self->before);
	EXPECT_EQ(1ULL, d.zero_page_maps);
	EXPECT_EQ(0ULL, d.bbm);
	/* The 4K zero page is never freed: nothing to pin. */
	EXPECT_EQ(0ULL, d.pages_pinned);

	ASSERT_EQ(0, tst_access(&self->vcpu[0], GPA + 64, &w, 8,
				S2MMU_ACCESS_WRITE, &a));
	EXPECT_EQ(1U, a.faults_permission);
	EXPECT_EQ(1U, a.faults_translation);
	d = tst_stats_since(self->vm, &self->before);
	EXPECT_EQ(0ULL, d.bbm);
	EXPECT_LE(1ULL, d.notifier_invalidations);
	EXPECT_EQ(1ULL, d.tlbi_ipa + d.tlbi_range + d.tlbi_vmid);
	EXPECT_EQ(1ULL, d.pages_pinned);
	EXPECT_EQ(1ULL, d.dirty_marked);
	/* The guest wrote the page the host sees. */
	EXPECT_EQ(w, *(__u64 *)(self->mem + 64));

	/* Host and guest agree from now on. */
	*(__u64 *)(self->mem + 72) = 99;
	ASSERT_EQ(0, tst_access(&self->vcpu[0], GPA + 72, &v, 8,
				S2MMU_ACCESS_READ, &a));
	EXPECT_EQ(0ULL, tst_faults(&a));
	EXPECT_EQ(99ULL, v);
	tst_print_stats(stderr, &d);
}

/* Same with THP: the huge zero page, then a real page; still no BBM. */
TEST_F(bbm, thp_zero_page_to_real_page)
{
	__u64 v = ~0ULL, w = 0x5555aaaa5555aaaaULL;
	struct s2mmu_vcpu_access a;
	struct s2mmu_stats d;

	add_slot(_metadata, self, TST_ANON_THP, TST_2M, 0);
	ASSERT_EQ(0, tst_access(&self->vcpu[0], GPA + TST_PAGE, &v, 8,
				S2MMU_ACCESS_READ, &a));
	EXPECT_EQ(0ULL, v);
	ASSERT_EQ(0, tst_access(&self->vcpu[0], GPA + TST_PAGE, &w, 8,
				S2MMU_ACCESS_WRITE, &a));
	d = tst_stats_since(self->vm, &self->before);
	EXPECT_EQ(1ULL, d.zero_page_maps);
	EXPECT_EQ(0ULL, d.bbm);
	EXPECT_LE(1ULL, d.notifier_invalidations);
	EXPECT_EQ(w, *(__u64 *)(self->mem + TST_PAGE));
	tst_print_stats(stderr, &d);
}

/*
 * The one valid-to-valid change the ABI can ask for: enabling dirty
 * logging on a slot mapped with 2M blocks replaces each block by a table
 * of 4K pages.  Exactly one BBM per block, all of them covered by one
 * batched invalidation, and every page still translates afterwards: reads
 * take no fault at all, writes only the permission fault that logs them.
 */
TEST_F(bbm, logging_splits_blocks)
{
	const int blocks = 4;
	struct s2mmu_vcpu_access a;
	struct s2mmu_stats d;
	__u64 v, off;
	int i;

	add_slot(_metadata, self, TST_ANON_THP, blocks * TST_2M, 1);
	for (i = 0; i < blocks; i++) {
		v = i;
		ASSERT_EQ(0, tst_access(&self->vcpu[0], GPA + i * TST_2M, &v, 8,
					S2MMU_ACCESS_WRITE, &a));
	}
	d = tst_stats_since(self->vm, &self->before);
	if (d.mapped_l2 != (__u64)blocks)
		SKIP(return, "no THP backing (%llu blocks mapped)",
		     (unsigned long long)d.mapped_l2);
	ASSERT_EQ(0ULL, d.bbm);

	ASSERT_EQ(0, tst_stats(self->vm, &self->before));
	ASSERT_EQ(0, tst_set_region(self->vm, 0, S2MMU_MEM_LOG_DIRTY_PAGES, GPA,
				    self->size, self->mem));
	d = tst_stats_since(self->vm, &self->before);
	EXPECT_EQ((__u64)blocks, d.bbm);
	EXPECT_EQ(1ULL, d.tlbi_ipa + d.tlbi_range + d.tlbi_vmid);
	tst_print_stats(stderr, &d);

	ASSERT_EQ(0, tst_stats(self->vm, &self->before));
	for (off = 0; off < self->size; off += 64 * TST_PAGE) {
		ASSERT_EQ(0, tst_access(&self->vcpu[0], GPA + off, &v, 8,
					S2MMU_ACCESS_READ, &a));
		EXPECT_EQ(0ULL, tst_faults(&a));
		EXPECT_EQ(off % TST_2M ? 0x1111111111111111ULL : off / TST_2M, v);
	}
	v = 42;
	ASSERT_EQ(0, tst_access(&self->vcpu[0], GPA + TST_PAGE, &v, 8,
				S2MMU_ACCESS_WRITE, &a));
	EXPECT_EQ(1U, a.faults_permission);
	EXPECT_EQ(1ULL, tst_faults(&a));
	d = tst_stats_since(self->vm, &self->before);
	EXPECT_EQ(0ULL, d.bbm);
	EXPECT_EQ(0ULL, d.faults_translation);
}

struct racer {
	struct tst_vcpu *vcpu;
	int id;
	int write;
	int failed;
	__u32 max_faults;
	__u64 faults;
};

/*
 * Every thread touches every page, in the same order, at the same time:
 * the worst case for faults on one entry.  Writers stamp their own word
 * of each page, so every write can be checked afterwards.
 */
static void *race(void *arg)
{
	struct racer *r = arg;
	struct s2mmu_vcpu_access a;
	__u64 v, want;
	int round, p;

	for (round = 0; round < ROUNDS; round++) {
		for (p = 0; p < NR_PAGES; p++) {
			__u64 ipa = GPA + p * TST_PAGE + r->id * 8;
			int kind = r->write ? S2MMU_ACCESS_WRITE :
					      S2MMU_ACCESS_READ;

			v = ((__u64)round << 32) | (r->id << 16) | p;
			if (tst_access(r->vcpu, ipa, &v, 8, kind, &a) ||
			    a.done != 8) {
				r->failed = 1;
				return NULL;
			}
			r->faults += tst_faults(&a);
			if (tst_faults(&a) > r->max_faults)
				r->max_faults = tst_faults(&a);
			if (!r->write)
				continue;
			/* A writer sees its write at once: nothing undid it. */
			want = v;
			if (tst_access(r->vcpu, ipa, &v, 8, S2MMU_ACCESS_READ,
				       &a) || v != want) {
				r->failed = 2;
				return NULL;
			}
		}
	}
	return NULL;
}

static void run_race(struct __test_metadata *_metadata,
		     struct _test_data_bbm *self, int writers, int populated)
{
	struct racer r[NR_THREADS];
	pthread_t t[NR_THREADS];
	struct s2mmu_stats d;
	int i, p;

	for (i = 0; i < NR_THREADS; i++) {
		r[i] = (struct racer){ .vcpu = &self->vcpu[i], .id = i,
				       .write = i < writers };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, race, &r[i]));
	}
	for (i = 0; i < NR_THREADS; i++)
		pthread_join(t[i], NULL);
	d = tst_stats_since(self->vm, &self->before);
	tst_print_stats(stderr, &d);
	for (i = 0; i < NR_THREADS; i++) {
		EXPECT_EQ(0, r[i].failed);
		/*
		 * Map, raise to write, replace a zero page, and a few retries
		 * when another vCPU is in the middle of the same entry; a
		 * livelock would be thousands.
		 */
		EXPECT_GE(16U, r[i].max_faults);
	}
	for (i = 0; i < writers; i++)
		for (p = 0; p < NR_PAGES; p++)
			EXPECT_EQ(((__u64)(ROUNDS - 1) << 32) | (i << 16) | p,
				  *(__u64 *)(self->mem + p * TST_PAGE + i * 8));
	EXPECT_EQ((unsigned long long)NR_PAGES, d.pages_pinned);
	if (!populated) {
		/*
		 * Untouched memory: a page may be the zero page first, then
		 * the real one -- one BBM, never more, and never the other
		 * way round (the writes above would have been lost).  The
		 * host's copy-on-write of the zero page usually makes the MMU
		 * notifier unmap it first (one invalidation, no BBM).
		 */
		EXPECT_GE(d.zero_page_maps, d.bbm);
		EXPECT_GE(d.bbm + d.notifier_invalidations,
			  d.tlbi_ipa + d.tlbi_range + d.tlbi_vmid);
		return;
	}
	/* Populated memory: every fault maps the page the host has. */
	EXPECT_EQ(0ULL, d.bbm);
	EXPECT_EQ(0ULL, d.tlbi_ipa + d.tlbi_range + d.tlbi_vmid);
	EXPECT_EQ((unsigned long long)NR_PAGES, d.mapped_l3);
	/* Every fault beyond the one that mapped found nothing to do. */
	EXPECT_GE(d.faults_spurious + d.fault_retries + d.relax_perms,
		  d.faults_translation + d.faults_permission - NR_PAGES);
}

/* Identical re-maps by racing readers: no BBM, no TLBI. */
TEST_F(bbm, racing_readers)
{
	add_slot(_metadata, self, TST_ANON, NR_PAGES * TST_PAGE, 1);
	run_race(_metadata, self, 0, 1);
}

/* Readers and writers: permissions only ever grow, no BBM, no TLBI. */
TEST_F(bbm, racing_readers_writers)
{
	add_slot(_metadata, self, TST_ANON, NR_PAGES * TST_PAGE, 1);
	run_race(_metadata, self, 2, 1);
}

TEST_F(bbm, racing_writers)
{
	add_slot(_metadata, self, TST_ANON, NR_PAGES * TST_PAGE, 1);
	run_race(_metadata, self, NR_THREADS, 1);
}

/* Never-touched memory: zero pages and real pages race; no write is lost. */
TEST_F(bbm, racing_untouched)
{
	add_slot(_metadata, self, TST_ANON, NR_PAGES * TST_PAGE, 0);
	run_race(_metadata, self, 2, 0);
}

TEST_HARNESS_MAIN
