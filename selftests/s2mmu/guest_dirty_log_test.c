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
 *
 * In the manual_initially_set variant (KVM_DIRTY_LOG_INITIALLY_SET) the
 * slot is THP-backed and mapped with 2 MiB blocks before the log starts;
 * starting it splits nothing, and harvest 0 (all ones) runs while the
 * vCPUs write, its CLEAR splitting the blocks under them.
 *
 * blk.*: initially-set mode, exactly, page by page, on a slot the host
 * backs with 2 MiB pages (THP or hugetlbfs) and stage 2 maps with blocks:
 * a CLEAR of part of each block, guest writes inside and outside the
 * cleared parts, and GET must return exactly the uncleared pages and the
 * cleared ones written.  A CLEAR that left the blocks writable would lose
 * the cleared pages written: the guest writes them without a fault.
 */
#include "guest_test.h"

#include <pthread.h>

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
	int init_set;	/* INITIALLY_SET, THP blocks mapped before the log */
};

FIXTURE_VARIANT_ADD(dl, get) {
	.manual = 0,
};

FIXTURE_VARIANT_ADD(dl, manual_protect) {
	.manual = 1,
};

FIXTURE_VARIANT_ADD(dl, manual_initially_set) {
	.manual = 1,
	.init_set = 1,
};

/*
 * Starts the slot's log (@size bytes at SLOT_GPA, backed by @mem) in
 * initially-set mode: no BBM, no invalidation, no table page.
 */
static void start_log_initially_set(struct __test_metadata *_metadata,
				    int vm, __u64 size, void *mem)
{
	struct s2mmu_stats st0, st1;

	ASSERT_EQ(0, tst_stats(vm, &st0));
	ASSERT_EQ(0, tst_enable_dirty_log_caps(vm, TST_MANUAL_INITIALLY_SET));
	ASSERT_EQ(0, tst_set_region(vm, SLOT, S2MMU_MEM_LOG_DIRTY_PAGES,
				    SLOT_GPA, size, mem));
	ASSERT_EQ(0, tst_stats(vm, &st1));
	EXPECT_EQ(st0.bbm, st1.bbm);
	EXPECT_EQ(st0.tlbi_ipa + st0.tlbi_range + st0.tlbi_vmid,
		  st1.tlbi_ipa + st1.tlbi_range + st1.tlbi_vmid);
	EXPECT_EQ(st0.table_pages, st1.table_pages);
}

/*
 * Map the slot with blocks where the host has huge pages (a write of zero
 * to each 2 MiB region: the contents stay as they were), then start its
 * log in initially-set mode: no BBM, no invalidation, no table page.
 */
static void start_log_over_blocks(struct __test_metadata *_metadata,
				  struct _test_data_dl *self)
{
	struct s2mmu_stats st0;
	__u64 zero = 0, off;

	ASSERT_EQ(0, tst_set_region(self->g.vm, SLOT, 0, SLOT_GPA, SLOT_SIZE,
				    self->mem));
	for (off = 0; off < SLOT_SIZE; off += TST_2M)
		ASSERT_EQ(0, tst_access(&self->g.vcpu[0], SLOT_GPA + off, &zero,
					sizeof(zero), S2MMU_ACCESS_WRITE, NULL));
	ASSERT_EQ(0, tst_stats(self->g.vm, &st0));
	TH_LOG("%llu blocks mapped before the log starts", st0.mapped_l2);
	start_log_initially_set(_metadata, self->g.vm, SLOT_SIZE, self->mem);
}

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
	self->mem = tst_alloc(variant->init_set ? TST_ANON_THP : TST_ANON,
			      SLOT_SIZE);
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
	if (variant->init_set) {
		start_log_over_blocks(_metadata, self);
	} else {
		if (variant->manual)
			ASSERT_EQ(0, tst_enable_manual_protect(self->g.vm));
		ASSERT_EQ(0, tst_set_region(self->g.vm, SLOT,
					    S2MMU_MEM_LOG_DIRTY_PAGES, SLOT_GPA,
					    SLOT_SIZE, self->mem));
	}
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

/*
 * Initially set: harvest 0, while the vCPUs write, reports every page;
 * its CLEAR splits the blocks under them.  It is the baseline of harvest
 * 1, which must report every page written after it.
 */
static void harvest_all_ones(struct __test_metadata *_metadata,
			     struct _test_data_dl *self)
{
	struct s2mmu_stats st0, st1;
	__u64 p, missing = 0;

	ASSERT_EQ(0, tst_stats(self->g.vm, &st0));
	read_words(self, self->pre_prev);
	ASSERT_EQ(0, tst_get_dirty_log(self->g.vm, SLOT, self->bitmap_prev));
	ASSERT_EQ(0, tst_clear_dirty_log(self->g.vm, SLOT, 0, SLOT_PAGES,
					 self->bitmap_prev));
	read_words(self, self->post_prev);
	ASSERT_EQ(0, tst_stats(self->g.vm, &st1));
	for (p = 0; p < SLOT_PAGES; p++)
		missing += !tst_test_bit(self->bitmap_prev, p);
	EXPECT_EQ(0ULL, missing);
	TH_LOG("harvest 0: all %llu pages; its CLEAR: %llu BBM, %lld table pages",
	       SLOT_PAGES, st1.bbm - st0.bbm,
	       (long long)(st1.table_pages - st0.table_pages));
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
	if (variant->init_set) {
		usleep(INTERVAL_US);
		harvest_all_ones(_metadata, self);
	}
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

/* ---- blk: initially set, exactly, over 2 MiB blocks ---- */

#define BLK_PAGES	1024ULL			/* 4 MiB: two 2 MiB blocks */
#define BLK_SIZE	(BLK_PAGES * TST_PAGE)
#define BLK_WORDS	(BLK_PAGES / 64)
#define LIST_DOFF	0			/* the pages to write, in data */

/*
 * At each HVC the VMM answers with a count (x0) and a stamp (x1): write
 * stamp | page to the first word of each of the first count pages of the
 * list, then report the count.
 */
GUEST_CODE void guest_page_writer(__u64 mem, __u64 list)
{
	__u64 n = 0, stamp = 0, i, p;

	for (;;) {
		n = guest_hvc(GUEST_SYNC, n, 0, 0, &stamp, NULL, NULL);
		for (i = 0; i < n; i++) {
			p = guest_read64(list + i * 8);
			guest_write64(mem + p * TST_PAGE, stamp | p);
		}
	}
}

FIXTURE(blk) {
	struct guest_vm g;
	struct tst_vcpu *v;
	__u8 *mem;
	__u64 stamp;
	__u64 bm[BLK_WORDS], want[BLK_WORDS];
};

FIXTURE_VARIANT(blk) {
	enum tst_backing backing;
};

FIXTURE_VARIANT_ADD(blk, thp) {
	.backing = TST_ANON_THP,
};

FIXTURE_VARIANT_ADD(blk, hugetlb) {
	.backing = TST_HUGETLB,
};

FIXTURE_SETUP(blk)
{
	__u64 args[2] = { SLOT_GPA, GUEST_DATA_IPA + LIST_DOFF };
	char why[256];
	int ret;

	if (!guest_fixture_vm(_metadata, &self->g, variant->backing, BLK_SIZE,
			      &self->mem, &self->v))
		return;
	ASSERT_EQ(0, tst_set_region(self->g.vm, SLOT, 0, SLOT_GPA, BLK_SIZE,
				    self->mem));
	ASSERT_EQ(0, guest_start(self->v, guest_page_writer, 2, args));
	ret = guest_expect_hvc(self->v, GUEST_SYNC, why, sizeof(why));
	if (ret)
		TH_LOG("%s", why);
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN(blk)
{
	guest_vm_destroy(&self->g);
	if (self->mem)
		munmap(self->mem, BLK_SIZE);
}

/*
 * The guest writes the @n pages of @pages (one store each); the host sees
 * every store.  Return the guest's stage-2 permission faults, spurious
 * ones (a stale TLB entry on another CPU) left out.
 */
static __u64 guest_write_pages(struct __test_metadata *_metadata,
			       struct _test_data_blk *self,
			       const __u64 *pages, __u64 n)
{
	struct s2mmu_stats st0, st1;
	char why[256];
	__u64 i;
	int ret;

	memcpy(guest_data(&self->g, LIST_DOFF), pages, n * 8);
	self->stamp += 1ULL << 32;
	self->v->run->hypercall.ret[0] = n;
	self->v->run->hypercall.ret[1] = self->stamp;
	ASSERT_EQ(0, tst_stats(self->g.vm, &st0));
	ret = guest_expect_hvc(self->v, GUEST_SYNC, why, sizeof(why));
	if (ret)
		TH_LOG("%s", why);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(n, guest_arg(self->v, 1));
	ASSERT_EQ(0, tst_stats(self->g.vm, &st1));
	for (i = 0; i < n; i++)
		ASSERT_EQ(self->stamp | pages[i],
			  *(__u64 *)(self->mem + pages[i] * TST_PAGE));
	return (st1.faults_permission - st0.faults_permission) -
	       (st1.faults_spurious - st0.faults_spurious);
}

/* GET equals @want page for page; the first differences are logged. */
static void expect_log(struct __test_metadata *_metadata,
		       struct _test_data_blk *self, const char *when)
{
	__u64 p, bad = 0;

	memset(self->bm, 0, sizeof(self->bm));
	ASSERT_EQ(0, tst_get_dirty_log(self->g.vm, SLOT, self->bm));
	for (p = 0; p < BLK_PAGES; p++) {
		if (tst_test_bit(self->bm, p) == tst_test_bit(self->want, p))
			continue;
		if (bad++ < 8)
			TH_LOG("%s: page %llu %s", when, p,
			       tst_test_bit(self->want, p) ?
			       "missing (lost)" : "reported, not written");
	}
	EXPECT_EQ(0ULL, bad);
}

static void set_range(__u64 *map, __u64 first, __u64 end)
{
	for (; first < end; first++)
		tst_set_bit(map, first);
}

TEST_F(blk, initially_set_clear_part_of_blocks)
{
	static const __u64 cleared_written[] = { 3, 100, 255, 600, 639 };
	static const __u64 kept_written[] = { 300, 511, 512, 700, 1023 };
	static const __u64 second[] = { 0, 77, 512, 513, 1000 };
	__u64 all[BLK_PAGES], p, faults;
	struct s2mmu_stats st0, st1, st2, st3;
	unsigned int i;

	/* Stage 2 maps the slot with two blocks, made by guest writes. */
	for (p = 0; p < BLK_PAGES; p++)
		all[p] = p;
	guest_write_pages(_metadata, self, all, BLK_PAGES);
	ASSERT_EQ(0, tst_stats(self->g.vm, &st0));
	if (tst_host_huge_bytes(self->mem) < BLK_SIZE || st0.mapped_l2 < 2)
		SKIP(return, "no 2 MiB host pages (%llu blocks mapped)",
		     st0.mapped_l2);

	/* Starting the log splits, protects and invalidates nothing. */
	start_log_initially_set(_metadata, self->g.vm, BLK_SIZE, self->mem);
	ASSERT_EQ(0, tst_stats(self->g.vm, &st1));
	memset(self->want, 0xff, sizeof(self->want));
	expect_log(_metadata, self, "first GET");

	/* CLEAR [0, 256) of block 0 and [576, 640) of block 1. */
	memset(self->bm, 0, sizeof(self->bm));
	set_range(self->bm, 0, 256);
	set_range(self->bm, 576, 640);
	ASSERT_EQ(0, tst_clear_dirty_log(self->g.vm, SLOT, 0, BLK_PAGES,
					 self->bm));
	ASSERT_EQ(0, tst_stats(self->g.vm, &st2));
	EXPECT_EQ(2ULL, st2.bbm - st1.bbm);
	EXPECT_EQ(2ULL, st2.table_pages - st1.table_pages);
	TH_LOG("CLEAR of part of 2 blocks: %llu BBM, %llu TLBI",
	       st2.bbm - st1.bbm,
	       (st2.tlbi_ipa + st2.tlbi_range + st2.tlbi_vmid) -
	       (st1.tlbi_ipa + st1.tlbi_range + st1.tlbi_vmid));

	/* Only the cleared pages fault: the rest of each block is writable. */
	faults = guest_write_pages(_metadata, self, cleared_written,
				   ARRAY_SIZE(cleared_written));
	EXPECT_EQ(ARRAY_SIZE(cleared_written), faults);
	faults = guest_write_pages(_metadata, self, kept_written,
				   ARRAY_SIZE(kept_written));
	EXPECT_EQ(0ULL, faults);
	for (p = 0; p < 256; p++)
		self->want[p / 64] &= ~(1ULL << (p % 64));
	for (p = 576; p < 640; p++)
		self->want[p / 64] &= ~(1ULL << (p % 64));
	for (i = 0; i < ARRAY_SIZE(cleared_written); i++)
		tst_set_bit(self->want, cleared_written[i]);
	expect_log(_metadata, self, "after a partial CLEAR");

	/* Everything reported cleared: exactly what is written next. */
	ASSERT_EQ(0, tst_clear_dirty_log(self->g.vm, SLOT, 0, BLK_PAGES,
					 self->bm));
	ASSERT_EQ(0, tst_stats(self->g.vm, &st3));
	EXPECT_EQ(st2.bbm, st3.bbm);
	faults = guest_write_pages(_metadata, self, second, ARRAY_SIZE(second));
	EXPECT_EQ(ARRAY_SIZE(second), faults);
	memset(self->want, 0, sizeof(self->want));
	for (i = 0; i < ARRAY_SIZE(second); i++)
		tst_set_bit(self->want, second[i]);
	expect_log(_metadata, self, "second round");
}

TEST_HARNESS_MAIN
