// SPDX-License-Identifier: GPL-2.0
/*
 * Break-before-make exactly where it is needed: re-creating a mapping or
 * only raising its permissions costs no BBM and no broadcast TLBI; moving
 * a page from the zero page to a real one costs exactly one BBM; vCPUs
 * racing on the same pages all complete, with a bounded number of faults.
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
	struct s2_vcpu vcpu[NR_THREADS];
	uint8_t *mem;
	size_t size;
	struct s2mmu_stats before;
};

FIXTURE_SETUP(bbm)
{
	int i;

	self->vm = -1;
	for (i = 0; i < NR_THREADS; i++)
		self->vcpu[i].fd = -1;
	self->dev = s2_open_dev();
	ASSERT_LE(0, self->dev);
	self->vm = s2_create_vm(self->dev, 0);
	ASSERT_LE(0, self->vm);
	for (i = 0; i < NR_THREADS; i++)
		ASSERT_EQ(0, s2_create_vcpu(self->dev, self->vm, i,
					    &self->vcpu[i]));
}

FIXTURE_TEARDOWN(bbm)
{
	int i;

	for (i = 0; i < NR_THREADS; i++)
		s2_destroy_vcpu(&self->vcpu[i]);
	if (self->vm >= 0)
		close(self->vm);
	if (self->mem)
		munmap(self->mem, self->size);
	close(self->dev);
}

static void add_slot(struct __test_metadata *_metadata,
		     FIXTURE_DATA(bbm) *self, enum s2_backing b, size_t size,
		     int populate)
{
	self->size = size;
	self->mem = s2_alloc(b, size);
	ASSERT_NE(NULL, self->mem);
	if (populate)
		memset(self->mem, 0x11, size);
	ASSERT_EQ(0, s2_set_region(self->vm, 0, 0, GPA, size, self->mem));
	ASSERT_EQ(0, s2_stats(self->vm, &self->before));
}

static struct s2mmu_stats since(int vm, const struct s2mmu_stats *before)
{
	struct s2mmu_stats now, d;

	memset(&now, 0, sizeof(now));
	s2_stats(vm, &now);
	s2_stats_delta(before, &now, &d);
	return d;
}

/* Only permissions grow: relaxed in place, no BBM, no broadcast. */
TEST_F(bbm, perms_only)
{
	uint64_t v = 7;
	struct s2mmu_vcpu_access a;
	struct s2mmu_stats d;

	add_slot(_metadata, self, S2_ANON, NR_PAGES * S2_PAGE, 1);
	ASSERT_EQ(0, s2_access(&self->vcpu[0], GPA, &v, 8, S2MMU_ACCESS_READ,
			       &a));
	ASSERT_EQ(0, s2_access(&self->vcpu[0], GPA, &v, 8, S2MMU_ACCESS_WRITE,
			       &a));
	EXPECT_EQ(1U, a.faults_permission);
	ASSERT_EQ(0, s2_access(&self->vcpu[0], GPA, &v, 8, S2MMU_ACCESS_EXEC,
			       &a));
	EXPECT_EQ(1U, a.faults_permission);
	d = since(self->vm, &self->before);
	EXPECT_EQ(0ULL, d.bbm);
	EXPECT_EQ(2ULL, d.relax_perms);
	EXPECT_EQ(0ULL, d.tlbi_ipa + d.tlbi_range + d.tlbi_vmid);
	s2_print_stats(stderr, &d);
}

/*
 * A read of never-touched anonymous memory maps the zero page; the first
 * write replaces it by the real page: a valid -> valid change of output
 * address, so exactly one BBM (with its one invalidation).
 */
TEST_F(bbm, zero_page_to_real_page)
{
	uint64_t v = ~0ULL, w = 0xabcdef0123456789ULL;
	struct s2mmu_vcpu_access a;
	struct s2mmu_stats d;

	add_slot(_metadata, self, S2_ANON, NR_PAGES * S2_PAGE, 0);
	ASSERT_EQ(0, s2_access(&self->vcpu[0], GPA + 64, &v, 8,
			       S2MMU_ACCESS_READ, &a));
	EXPECT_EQ(0ULL, v);
	EXPECT_EQ(1U, a.faults_translation);
	d = since(self->vm, &self->before);
	EXPECT_EQ(1ULL, d.zero_page_maps);
	EXPECT_EQ(0ULL, d.bbm);
	/* The 4K zero page is never freed: nothing to pin. */
	EXPECT_EQ(0ULL, d.pages_pinned);

	ASSERT_EQ(0, s2_access(&self->vcpu[0], GPA + 64, &w, 8,
			       S2MMU_ACCESS_WRITE, &a));
	EXPECT_EQ(1U, a.faults_permission);
	EXPECT_EQ(0U, a.faults_translation);
	d = since(self->vm, &self->before);
	EXPECT_EQ(1ULL, d.bbm);
	EXPECT_EQ(1ULL, d.tlbi_ipa + d.tlbi_range + d.tlbi_vmid);
	EXPECT_EQ(1ULL, d.pages_pinned);
	EXPECT_EQ(1ULL, d.dirty_marked);
	/* The guest wrote the page the host sees. */
	EXPECT_EQ(w, *(uint64_t *)(self->mem + 64));

	/* Host and guest agree from now on. */
	*(uint64_t *)(self->mem + 72) = 99;
	ASSERT_EQ(0, s2_access(&self->vcpu[0], GPA + 72, &v, 8,
			       S2MMU_ACCESS_READ, &a));
	EXPECT_EQ(0ULL, s2_faults(&a));
	EXPECT_EQ(99ULL, v);
	s2_print_stats(stderr, &d);
}

/* Same with THP: the huge zero page, then a real page; still one BBM. */
TEST_F(bbm, thp_zero_page_to_real_page)
{
	uint64_t v = ~0ULL, w = 0x5555aaaa5555aaaaULL;
	struct s2mmu_vcpu_access a;
	struct s2mmu_stats d;

	add_slot(_metadata, self, S2_ANON_THP, S2_2M, 0);
	ASSERT_EQ(0, s2_access(&self->vcpu[0], GPA + S2_PAGE, &v, 8,
			       S2MMU_ACCESS_READ, &a));
	EXPECT_EQ(0ULL, v);
	ASSERT_EQ(0, s2_access(&self->vcpu[0], GPA + S2_PAGE, &w, 8,
			       S2MMU_ACCESS_WRITE, &a));
	d = since(self->vm, &self->before);
	EXPECT_EQ(1ULL, d.zero_page_maps);
	EXPECT_EQ(1ULL, d.bbm);
	EXPECT_EQ(w, *(uint64_t *)(self->mem + S2_PAGE));
	s2_print_stats(stderr, &d);
}

struct racer {
	struct s2_vcpu *vcpu;
	int id;
	int write;
	int failed;
	uint32_t max_faults;
	uint64_t faults;
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
	uint64_t v;
	int round, p;

	for (round = 0; round < ROUNDS; round++) {
		for (p = 0; p < NR_PAGES; p++) {
			uint64_t ipa = GPA + p * S2_PAGE + r->id * 8;
			int kind = r->write ? S2MMU_ACCESS_WRITE :
					      S2MMU_ACCESS_READ;

			v = ((uint64_t)round << 32) | (r->id << 16) | p;
			if (s2_access(r->vcpu, ipa, &v, 8, kind, &a) ||
			    a.done != 8) {
				r->failed = 1;
				return NULL;
			}
			r->faults += s2_faults(&a);
			if (s2_faults(&a) > r->max_faults)
				r->max_faults = s2_faults(&a);
		}
	}
	return NULL;
}

static void run_race(struct __test_metadata *_metadata,
		     FIXTURE_DATA(bbm) *self, int writers)
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
	d = since(self->vm, &self->before);
	s2_print_stats(stderr, &d);
	for (i = 0; i < NR_THREADS; i++) {
		EXPECT_EQ(0, r[i].failed);
		/* At most: map, then raise to write; a retry or two. */
		EXPECT_GE(4U, r[i].max_faults);
	}
	for (i = 0; i < writers; i++)
		for (p = 0; p < NR_PAGES; p++)
			EXPECT_EQ(((uint64_t)(ROUNDS - 1) << 32) | (i << 16) | p,
				  *(uint64_t *)(self->mem + p * S2_PAGE + i * 8));
	/* Populated memory: every fault maps the page the host has. */
	EXPECT_EQ(0ULL, d.bbm);
	EXPECT_EQ(0ULL, d.tlbi_ipa + d.tlbi_range + d.tlbi_vmid);
	EXPECT_EQ((unsigned long long)NR_PAGES, d.mapped_l3);
	EXPECT_EQ((unsigned long long)NR_PAGES, d.pages_pinned);
	/* Every fault beyond the one that mapped found nothing to do. */
	EXPECT_GE(d.faults_spurious + d.fault_retries + d.relax_perms,
		  d.faults_translation + d.faults_permission - NR_PAGES);
}

/* Identical re-maps by racing readers: no BBM, no TLBI. */
TEST_F(bbm, racing_readers)
{
	add_slot(_metadata, self, S2_ANON, NR_PAGES * S2_PAGE, 1);
	run_race(_metadata, self, 0);
}

/* Readers and writers: permissions only ever grow, no BBM, no TLBI. */
TEST_F(bbm, racing_readers_writers)
{
	add_slot(_metadata, self, S2_ANON, NR_PAGES * S2_PAGE, 1);
	run_race(_metadata, self, 2);
}

TEST_F(bbm, racing_writers)
{
	add_slot(_metadata, self, S2_ANON, NR_PAGES * S2_PAGE, 1);
	run_race(_metadata, self, NR_THREADS);
}

TEST_HARNESS_MAIN
