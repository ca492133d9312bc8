// SPDX-License-Identifier: GPL-2.0
/*
 * guest_dirty_log_test: dirty logging under a real guest, in the shape of
 * KVM's dirty_log_test.  Four vCPUs (S2MMU_RUN) write stamps to random
 * pages of a logged slot while the VMM harvests the log in a loop
 * (S2MMU_GET_DIRTY_LOG, or GET + S2MMU_CLEAR_DIRTY_LOG with manual
 * protect) without stopping them.
 *
 * vCPU i only writes word i of a page, and every stamp is unique
 * (iteration, vCPU, sequence number), so any write changes the word it
 * lands in.  Harvest k reads the slot's words just before its GET (PRE_k)
 * and just after its GET (and CLEAR) returned (POST_k).  Then:
 *
 *   - a word that changed between POST_{k-1} and PRE_k was written after
 *     harvest k-1 cleared the log and before harvest k read it: harvest k
 *     must report the page;
 *   - a word that changed between PRE_{k-1} and POST_{k-1} (while harvest
 *     k-1 ran) must be reported by harvest k-1 or k;
 *   - a page harvest k reports must have a word that differs from PRE_{k-1}
 *     once the stores in flight landed: no page is reported that was not
 *     written.  The page is marked dirty when the fault that makes it
 *     writable completes, before the store itself is executed, so the
 *     store may land after POST_k: this is checked at later harvests, and
 *     for every page still open when the vCPUs have stopped.
 *
 * The guest reads back each stamp it wrote and keeps a shadow copy of its
 * words in another slot; when the vCPUs have stopped, guest memory must
 * equal the shadow word for word, and a last harvest must report nothing.
 */
#include "guest_vm.h"

#include <pthread.h>
#include "../kselftest_harness.h"

#define NR_VCPUS	4
#define SLOT		0
#define SLOT_GPA	0x40000000ULL
#define SLOT_PAGES	4096ULL			/* 16 MiB */
#define SLOT_SIZE	(SLOT_PAGES * TST_PAGE)
#define SHADOW_SLOT	1
#define SHADOW_GPA	0x80000000ULL
#define WORDS		(SLOT_PAGES * NR_VCPUS)
#define SHADOW_SIZE	(WORDS * 8)
#define ITERATIONS	40
#define INTERVAL_US	20000
#define STOP		(~0ULL)
#define FAIL_READBACK	1

/* The current iteration (or STOP), in the code slot's data area. */
#define CTL_DOFF	0

GUEST_CODE void guest_stamper(__u64 id, __u64 mem, __u64 ctl, __u64 shadow,
			      __u64 seed)
{
	__u64 seq = 0, it, p, stamp, word;

	for (;;) {
		it = guest_read64(ctl);
		if (it == STOP)
			break;
		p = guest_xorshift(&seed) % SLOT_PAGES;
		stamp = it << 40 | id << 32 | ++seq;
		word = mem + p * TST_PAGE + id * 8;
		guest_write64(word, stamp);
		if (guest_read64(word) != stamp)
			guest_fail(FAIL_READBACK, guest_read64(word), stamp);
		guest_write64(shadow + (p * NR_VCPUS + id) * 8, stamp);
	}
	guest_done(seq);
}

struct dl_vcpu {
	struct guest_vm *g;
	int id;
	pthread_t thread;
	__u64 writes;
	char err[256];
};

static void *vcpu_main(void *arg)
{
	struct dl_vcpu *dv = arg;
	struct tst_vcpu *v = &dv->g->vcpu[dv->id];
	int ret;

	for (;;) {
		ret = guest_run(v);
		if (ret == 0 && guest_arg(v, 0) == GUEST_DONE) {
			dv->writes = guest_arg(v, 1);
			return NULL;
		}
		if (ret == -EINTR)
			continue;
		guest_exit_str(v, ret, dv->err, sizeof(dv->err));
		return NULL;
	}
}

FIXTURE(dl) {
	struct guest_vm g;
	__u8 *mem, *shadow;
	__u64 *ctl;
	__u64 *bitmap;
	__u64 *pre, *post, *pre_prev, *post_prev, *bitmap_prev;
	__u64 *pending;		/* per page: words a report must differ from */
	__u8 *open;		/* per page: a report waiting for its store */
	struct dl_vcpu vcpu[NR_VCPUS];
	__u64 reported, lost_checked, harvests, late_stores;
};

FIXTURE_VARIANT(dl) {
	int manual;
};

FIXTURE_VARIANT_ADD(dl, get) {
	.manual = 0,
};

FIXTURE_VARIANT_ADD(dl, manual_protect) {
	.manual = 1,
};

FIXTURE_SETUP(dl)
{
	__u64 words = WORDS * 8, maps = tst_bitmap_bytes(SLOT_PAGES);
	int ret, i;

	self->mem = NULL;
	self->shadow = NULL;
	ret = guest_vm_create(&self->g, NR_VCPUS);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "S2MMU_RUN not supported here");
	ASSERT_EQ(0, ret);
	self->mem = tst_alloc(TST_ANON, SLOT_SIZE);
	self->shadow = tst_alloc(TST_ANON, SHADOW_SIZE);
	ASSERT_NE(NULL, self->mem);
	ASSERT_NE(NULL, self->shadow);
	self->pre = calloc(1, words);
	self->post = calloc(1, words);
	self->pre_prev = calloc(1, words);
	self->post_prev = calloc(1, words);
	self->bitmap = calloc(1, maps);
	self->bitmap_prev = calloc(1, maps);
	self->pending = calloc(1, words);
	self->open = calloc(1, SLOT_PAGES);
	ASSERT_TRUE(self->pre && self->post && self->pre_prev &&
		    self->post_prev && self->bitmap && self->bitmap_prev &&
		    self->pending && self->open);
	if (variant->manual)
		ASSERT_EQ(0, tst_enable_manual_protect(self->g.vm));
	ASSERT_EQ(0, tst_set_region(self->g.vm, SLOT, S2MMU_MEM_LOG_DIRTY_PAGES,
				    SLOT_GPA, SLOT_SIZE, self->mem));
	ASSERT_EQ(0, tst_set_region(self->g.vm, SHADOW_SLOT, 0, SHADOW_GPA,
				    SHADOW_SIZE, self->shadow));
	self->ctl = guest_data(&self->g, CTL_DOFF);
	__atomic_store_n(self->ctl, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < NR_VCPUS; i++) {
		__u64 args[5] = { i, SLOT_GPA, GUEST_DATA_IPA + CTL_DOFF,
				  SHADOW_GPA, 0x9e3779b97f4a7c15ULL * (i + 1) };

		ASSERT_EQ(0, guest_start(&self->g.vcpu[i], guest_stamper, 5, args));
		self->vcpu[i] = (struct dl_vcpu){ .g = &self->g, .id = i };
	}
}

FIXTURE_TEARDOWN(dl)
{
	guest_vm_destroy(&self->g);
	if (self->mem)
		munmap(self->mem, SLOT_SIZE);
	if (self->shadow)
		munmap(self->shadow, SHADOW_SIZE);
}

/* Word i of every page, as the VMM sees it now. */
static void read_words(struct _test_data_dl *self, __u64 *out)
{
	__u64 p, i, *page;

	for (p = 0; p < SLOT_PAGES; p++) {
		page = (__u64 *)(self->mem + p * TST_PAGE);
		for (i = 0; i < NR_VCPUS; i++)
			out[p * NR_VCPUS + i] = __atomic_load_n(page + i,
								__ATOMIC_RELAXED);
	}
}

static int page_changed(const __u64 *a, const __u64 *b, __u64 p)
{
	return memcmp(a + p * NR_VCPUS, b + p * NR_VCPUS, NR_VCPUS * 8) != 0;
}

static void swap(__u64 **a, __u64 **b)
{
	__u64 *t = *a;

	*a = *b;
	*b = t;
}

/* One harvest, checked against the windows above; returns pages reported. */
static __u64 harvest_and_check(struct __test_metadata *_metadata,
			       struct _test_data_dl *self, int manual)
{
	__u64 p, n = 0, k = ++self->harvests;
	int bad = 0;

	read_words(self, self->pre);
	memset(self->bitmap, 0, tst_bitmap_bytes(SLOT_PAGES));
	EXPECT_EQ(0, tst_get_dirty_log(self->g.vm, SLOT, self->bitmap));
	if (manual)
		EXPECT_EQ(0, tst_clear_dirty_log(self->g.vm, SLOT, 0, SLOT_PAGES,
						 self->bitmap));
	read_words(self, self->post);

	for (p = 0; p < SLOT_PAGES && bad < 8; p++) {
		int now = tst_test_bit(self->bitmap, p);

		n += now;
		if (page_changed(self->post_prev, self->pre, p) && !now) {
			TH_LOG("harvest %llu: page %llu written since %llu, unreported",
			       k, p, k - 1);
			bad++;
		}
		if (page_changed(self->pre_prev, self->post_prev, p) && !now &&
		    !tst_test_bit(self->bitmap_prev, p)) {
			TH_LOG("page %llu written during harvest %llu, unreported by %llu",
			       p, k - 1, k);
			bad++;
		}
		if (now) {
			memcpy(self->pending + p * NR_VCPUS,
			       self->pre_prev + p * NR_VCPUS, NR_VCPUS * 8);
			self->late_stores += !self->open[p] &&
				!page_changed(self->pending, self->post, p);
			self->open[p] = 1;
		}
		if (self->open[p] && page_changed(self->pending, self->post, p))
			self->open[p] = 0;
		self->lost_checked += page_changed(self->post_prev, self->pre, p);
	}
	EXPECT_EQ(0, bad);
	swap(&self->pre, &self->pre_prev);
	swap(&self->post, &self->post_prev);
	swap(&self->bitmap, &self->bitmap_prev);
	self->reported += n;
	return n;
}

/* With the vCPUs stopped: every reported page was written after all. */
static void check_reports_written(struct __test_metadata *_metadata,
				  struct _test_data_dl *self)
{
	__u64 p, bad = 0;

	read_words(self, self->post);
	for (p = 0; p < SLOT_PAGES; p++) {
		if (!self->open[p] || page_changed(self->pending, self->post, p))
			continue;
		if (bad++ < 8)
			TH_LOG("page %llu reported, never written", p);
	}
	EXPECT_EQ(0ULL, bad);
}

/* Stamps well formed: word i written only by vCPU i, in a past iteration. */
static void check_contents(struct __test_metadata *_metadata,
			   struct _test_data_dl *self, __u64 last_iter)
{
	const __u64 *shadow = (const __u64 *)self->shadow;
	__u64 p, i, w, bad = 0, written = 0;

	for (p = 0; p < SLOT_PAGES; p++) {
		for (i = 0; i < NR_VCPUS; i++) {
			w = ((__u64 *)(self->mem + p * TST_PAGE))[i];
			written += w != 0;
			if (w != shadow[p * NR_VCPUS + i] ||
			    (w && ((w >> 32 & 0xff) != i || w >> 40 > last_iter))) {
				if (bad++ < 8)
					TH_LOG("page %llu word %llu: 0x%llx, shadow 0x%llx",
					       p, i, w, shadow[p * NR_VCPUS + i]);
			}
		}
	}
	EXPECT_EQ(0ULL, bad);
	EXPECT_LT(0ULL, written);
	TH_LOG("%llu words written, all equal to the guest's shadow", written);
}

TEST_F(dl, stamps_while_harvesting)
{
	__u64 it, n, writes = 0;
	int i;

	/* Nothing written yet: the baseline of the first harvest. */
	read_words(self, self->pre_prev);
	read_words(self, self->post_prev);
	for (i = 0; i < NR_VCPUS; i++)
		ASSERT_EQ(0, pthread_create(&self->vcpu[i].thread, NULL,
					    vcpu_main, &self->vcpu[i]));
	for (it = 1; it <= ITERATIONS; it++) {
		usleep(INTERVAL_US);
		__atomic_store_n(self->ctl, it + 1, __ATOMIC_SEQ_CST);
		n = harvest_and_check(_metadata, self, variant->manual);
		if (it % 10 == 0)
			TH_LOG("harvest %llu: %llu pages", it, n);
	}
	__atomic_store_n(self->ctl, STOP, __ATOMIC_SEQ_CST);
	for (i = 0; i < NR_VCPUS; i++) {
		pthread_join(self->vcpu[i].thread, NULL);
		EXPECT_STREQ("", self->vcpu[i].err);
		writes += self->vcpu[i].writes;
	}
	/* The vCPUs stopped: what is left is reported, then nothing. */
	harvest_and_check(_metadata, self, variant->manual);
	EXPECT_EQ(0ULL, harvest_and_check(_metadata, self, variant->manual));
	check_reports_written(_metadata, self);
	check_contents(_metadata, self, ITERATIONS + 1);
	TH_LOG("%llu guest writes, %llu pages reported in %llu harvests",
	       writes, self->reported, self->harvests);
	TH_LOG("%llu pages had to be reported by the next harvest",
	       self->lost_checked);
	TH_LOG("%llu reports came before their store landed", self->late_stores);
	EXPECT_LT(0ULL, self->lost_checked);
}

TEST_HARNESS_MAIN
