// SPDX-License-Identifier: GPL-2.0
/*
 * dirty_log_test: the dirty-logging invariant, checked write by write.
 *
 * Four vCPU threads write random pages of a logged slot through
 * S2MMU_VCPU_ACCESS while the main thread harvests the dirty log in a
 * loop (S2MMU_GET_DIRTY_LOG, or GET + S2MMU_CLEAR_DIRTY_LOG in
 * manual-protect mode) and copies the reported pages to a "destination"
 * as a migrating VMM would.
 *
 * Harvests are numbered 1, 2, ...  Before a write, its thread reads how
 * many harvests have *finished* (s); after the write returned, how many
 * have *started* (e).  Nothing of harvests 1..s can have seen the write,
 * and harvest e + 1 started after it completed, so:
 *
 *   - every write is reported by some harvest in [s + 1, e + 1]
 *     (no dirty page is lost), and
 *   - every page harvest h reports has a write with s + 1 <= h <= e + 1,
 *     completed or still in flight (no page is reported that was not
 *     written since the previous harvest).
 *
 * The harvester checks both after each harvest.  When the writers have
 * stopped, one last harvest makes the destination equal to guest memory,
 * and one more must report nothing at all.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "../kselftest_harness.h"
#include "s2mmu_util.h"

#define NR_WRITERS	4
#define SLOT		0
#define SLOT_GPA	0x40000000ULL
#define SLOT_PAGES	8192ULL			/* 32 MiB */
#define SLOT_SIZE	(SLOT_PAGES * TST_PAGE)
#define CHURN_SLOT	1
#define CHURN_GPA	0x80000000ULL
#define CHURN_SIZE	(4 * TST_2M)
#define CHURN_VCPU	NR_WRITERS

/* Writes per variant: the four variants together make 2^20. */
#define WRITES_PER_TEST	262144
/* Harvest bitmaps kept to check write windows; far more than needed. */
#define HISTORY		1024
#define RING_SIZE	65536U
#define MAX_REPORTS	8

struct write_rec {
	__u32 page;
	__u32 s;
	__u32 e;
};

/* What a write stores in the guest page: who wrote it, and when. */
struct stamp {
	__u32 page;
	__u32 epoch;
	__u32 writer;
	__u32 seq;
};

#define NO_PAGE		(~0ULL)

struct writer {
	struct shared *sh;
	pthread_t thread;
	struct tst_vcpu vcpu;
	unsigned int id;
	__u64 rng;
	/* page << 32 | s of the write in progress, or NO_PAGE */
	atomic_ullong inflight;
	/* single-producer single-consumer ring of completed writes */
	struct write_rec *ring;
	atomic_uint head;
	atomic_uint tail;
	int error;
};

struct shared {
	int vm;
	__u8 *mem;
	atomic_uint harvests_started;
	atomic_uint harvests_done;
	atomic_uint writes_left;
	atomic_ullong writes_done;
	atomic_bool stop;
	struct writer w[NR_WRITERS];
};

static __u64 xorshift(__u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct shared *sh = w->sh;
	struct stamp st = { .writer = w->id };
	struct s2mmu_vcpu_access res;
	__u32 left, head;

	for (;;) {
		left = atomic_load(&sh->writes_left);
		do {
			if (!left || atomic_load(&sh->stop))
				return NULL;
		} while (!atomic_compare_exchange_weak(&sh->writes_left, &left,
						       left - 1));

		__u64 r = xorshift(&w->rng);
		__u32 page = r % SLOT_PAGES;
		__u32 off = (r >> 32) % (TST_PAGE / sizeof(st));
		__u32 s = atomic_load(&sh->harvests_done);

		/* Published before the access, withdrawn after the record. */
		atomic_store(&w->inflight, (__u64)page << 32 | s);
		st.page = page;
		st.epoch = s + 1;
		st.seq++;
		w->error = tst_access(&w->vcpu,
				      SLOT_GPA + page * TST_PAGE + off * sizeof(st),
					&st, sizeof(st), S2MMU_ACCESS_WRITE, &res);
		if (!w->error && res.exit_reason != S2MMU_EXIT_NONE)
			w->error = -EREMOTEIO;
		if (w->error) {
			atomic_store(&sh->stop, true);
			return NULL;
		}

		head = atomic_load(&w->head);
		while (head - atomic_load(&w->tail) == RING_SIZE) {
			if (atomic_load(&sh->stop))
				return NULL;
			sched_yield();
		}
		w->ring[head % RING_SIZE] = (struct write_rec) {
			.page = page, .s = s,
			.e = atomic_load(&sh->harvests_started),
		};
		atomic_store(&w->head, head + 1);
		atomic_store(&w->inflight, NO_PAGE);
		atomic_fetch_add(&sh->writes_done, 1);
	}
}

/* Deletes and re-creates another slot, mapping and unmapping it. */
struct churn {
	struct shared *sh;
	pthread_t thread;
	struct tst_vcpu vcpu;
	__u8 *mem;
	__u64 rounds;
	int error;
};

static int churn_once(struct churn *c, __u64 gpa)
{
	struct s2mmu_vcpu_access res;
	__u64 v = c->rounds, back = 0;
	int r;

	r = tst_set_region(c->sh->vm, CHURN_SLOT, 0, gpa, CHURN_SIZE, c->mem);
	if (r)
		return r;
	for (__u64 off = 0; off < CHURN_SIZE; off += TST_2M / 2) {
		r = tst_access(&c->vcpu, gpa + off, &v, sizeof(v),
			       S2MMU_ACCESS_WRITE, NULL);
		if (r)
			return r;
		r = tst_access(&c->vcpu, gpa + off, &back, sizeof(back),
			       S2MMU_ACCESS_READ, NULL);
		if (r)
			return r;
		if (back != v || *(__u64 *)(c->mem + off) != v)
			return -EILSEQ;
	}
	r = tst_set_region(c->sh->vm, CHURN_SLOT, 0, gpa, 0, c->mem);
	if (r)
		return r;
	/* Gone: the same access is now an MMIO exit. */
	r = tst_access(&c->vcpu, gpa, &back, sizeof(back), S2MMU_ACCESS_READ, &res);
	if (r)
		return r;
	return res.exit_reason == S2MMU_EXIT_MMIO ? 0 : -EILSEQ;
}

static void *churn_main(void *arg)
{
	struct churn *c = arg;

	while (!atomic_load(&c->sh->stop)) {
		/* Alternate between two IPAs so each round is a fresh range. */
		c->error = churn_once(c, CHURN_GPA + (c->rounds & 1) * CHURN_SIZE);
		if (c->error) {
			atomic_store(&c->sh->stop, true);
			break;
		}
		c->rounds++;
	}
	return NULL;
}

/* The harvester's view: history of reports and the writes seen so far. */
struct checker {
	__u64 *hist[HISTORY];	/* bitmap of harvest h at h % HISTORY */
	__u32 *max_e1;		/* per page: max e + 1 of applied writes */
	__u64 *scratch;		/* second GET of manual mode */
	struct write_rec *pending;
	size_t nr_pending, cap_pending;
	__u64 lost, spurious, too_old, reported, checked;
	int reports;
};

static void report(struct checker *ck, const char *what, __u32 page,
		   __u32 h, __u32 s, __u32 e)
{
	if (ck->reports++ < MAX_REPORTS)
		fprintf(stderr, "# %s: page %u harvest %u (write window s=%u e=%u)\n",
			what, page, h, s, e);
}

static bool reported_between(struct checker *ck, __u32 page, __u32 first,
			     __u32 last)
{
	for (__u32 h = first; h <= last; h++)
		if (tst_test_bit(ck->hist[h % HISTORY], page))
			return true;
	return false;
}

/*
 * Check harvest @h, whose bitmap is ck->hist[h % HISTORY]: take in the
 * completed writes, check that each report is explained by a write, and
 * that each write whose window closed was reported within it.
 */
static void check_harvest(struct shared *sh, struct checker *ck, __u32 h)
{
	__u64 inflight[NR_WRITERS];
	const __u64 *bm = ck->hist[h % HISTORY];
	size_t i, kept = 0;

	/* In-flight first: a writer withdraws it only after its record. */
	for (i = 0; i < NR_WRITERS; i++)
		inflight[i] = atomic_load(&sh->w[i].inflight);
	for (i = 0; i < NR_WRITERS; i++) {
		struct writer *w = &sh->w[i];
		__u32 head = atomic_load(&w->head), t;

		for (t = atomic_load(&w->tail); t != head; t++) {
			if (ck->nr_pending == ck->cap_pending) {
				ck->cap_pending = ck->cap_pending * 2 + 4096;
				ck->pending = realloc(ck->pending, ck->cap_pending *
						      sizeof(*ck->pending));
				if (!ck->pending)
					abort();
			}
			ck->pending[ck->nr_pending++] = w->ring[t % RING_SIZE];
		}
		atomic_store(&w->tail, head);
	}

	for (i = 0; i < ck->nr_pending; i++) {
		struct write_rec r = ck->pending[i];

		if (r.s + 1 <= h && ck->max_e1[r.page] < r.e + 1)
			ck->max_e1[r.page] = r.e + 1;
		if (r.e + 1 > h) {
			ck->pending[kept++] = r;
			continue;
		}
		ck->checked++;
		if (h - (r.s + 1) >= HISTORY) {
			ck->too_old++;
			report(ck, "write window no longer in history", r.page,
			       h, r.s, r.e);
		} else if (!reported_between(ck, r.page, r.s + 1, r.e + 1)) {
			ck->lost++;
			report(ck, "write never reported", r.page, h, r.s, r.e);
		}
	}
	ck->nr_pending = kept;

	for (__u64 p = 0; p < SLOT_PAGES; p++) {
		bool explained;

		if (!tst_test_bit(bm, p))
			continue;
		ck->reported++;
		explained = ck->max_e1[p] >= h;
		for (i = 0; i < NR_WRITERS && !explained; i++)
			explained = inflight[i] != NO_PAGE &&
				    inflight[i] >> 32 == p &&
				    (__u32)inflight[i] + 1 <= h;
		if (!explained) {
			ck->spurious++;
			report(ck, "page reported but not written", p, h,
			       0, ck->max_e1[p] - 1);
		}
	}
}

FIXTURE(dirty_log) {
	struct shared sh;
	struct churn churn;
	struct checker ck;
	__u8 *dest;
	int dev;
};

FIXTURE_VARIANT(dirty_log) {
	bool manual;	/* manual-protect: GET reads, CLEAR re-protects */
	bool churn;	/* another thread deletes/re-adds another slot */
	bool thp;	/* blocks that enabling the log must split */
};

FIXTURE_VARIANT_ADD(dirty_log, get) {
	.manual = false, .churn = false, .thp = false,
};

FIXTURE_VARIANT_ADD(dirty_log, manual_protect) {
	.manual = true, .churn = false, .thp = true,
};

FIXTURE_VARIANT_ADD(dirty_log, get_slot_churn) {
	.manual = false, .churn = true, .thp = true,
};

FIXTURE_VARIANT_ADD(dirty_log, manual_protect_slot_churn) {
	.manual = true, .churn = true, .thp = false,
};

FIXTURE_SETUP(dirty_log)
{
	memset(&self->sh, 0, sizeof(self->sh));
	self->sh.vm = -1;
	self->dev = tst_open_dev();
	if (self->dev < 0)
		SKIP(return, "/dev/s2mmu: %s", strerror(errno));
	self->sh.vm = tst_create_vm(self->dev, 0);
	ASSERT_LE(0, self->sh.vm);
	self->sh.mem = tst_alloc(variant->thp ? TST_ANON_THP : TST_ANON, SLOT_SIZE);
	self->dest = malloc(SLOT_SIZE);
	ASSERT_NE(NULL, self->sh.mem);
	ASSERT_NE(NULL, self->dest);
	/* 4K backing: mapped_l2 then counts only the logged slot's blocks. */
	self->churn.mem = tst_alloc(TST_ANON, CHURN_SIZE);
	ASSERT_NE(NULL, self->churn.mem);
	memset(self->churn.mem, 0x5a, CHURN_SIZE);
	memset(&self->ck, 0, sizeof(self->ck));
	for (int h = 0; h < HISTORY; h++) {
		self->ck.hist[h] = calloc(1, tst_bitmap_bytes(SLOT_PAGES));
		ASSERT_NE(NULL, self->ck.hist[h]);
	}
	self->ck.max_e1 = calloc(SLOT_PAGES, sizeof(__u32));
	ASSERT_NE(NULL, self->ck.max_e1);
	self->ck.scratch = calloc(1, tst_bitmap_bytes(SLOT_PAGES));
	ASSERT_NE(NULL, self->ck.scratch);
}

FIXTURE_TEARDOWN(dirty_log)
{
	if (self->sh.vm >= 0)
		close(self->sh.vm);
	if (self->dev >= 0)
		close(self->dev);
}

/*
 * One harvest, numbered @h; its bitmap goes to the checker's history.  In
 * manual-protect mode a second GET before the CLEAR must see every page
 * the first one saw: GET alone clears nothing.  Returns 0, -errno of a
 * failed ioctl, or -EILSEQ when the second GET lost a page.
 */
static int harvest(struct shared *sh, struct checker *ck, bool manual,
		   __u32 h, __u64 *rng)
{
	__u64 *bm = ck->hist[h % HISTORY];
	size_t bytes = tst_bitmap_bytes(SLOT_PAGES);
	__u32 split;
	int r;

	memset(bm, 0, bytes);
	atomic_store(&sh->harvests_started, h);
	r = tst_get_dirty_log(sh->vm, SLOT, bm);
	if (r || !manual)
		goto out;
	r = tst_get_dirty_log(sh->vm, SLOT, ck->scratch);
	for (__u64 w = 0; !r && w < SLOT_PAGES / 64; w++)
		if (bm[w] & ~ck->scratch[w])
			r = -EILSEQ;
	if (r)
		goto out;
	/* Clear in two pieces, split at a random multiple of 64 pages. */
	split = xorshift(rng) % (SLOT_PAGES / 64) * 64;
	if (split)
		r = tst_clear_dirty_log(sh->vm, SLOT, 0, split, bm);
	if (!r)
		r = tst_clear_dirty_log(sh->vm, SLOT, split, SLOT_PAGES - split,
					bm + split / 64);
out:
	atomic_store(&sh->harvests_done, h);
	return r;
}

static void copy_reported(__u8 *dest, const __u8 *mem, const __u64 *bm)
{
	for (__u64 p = 0; p < SLOT_PAGES; p++)
		if (tst_test_bit(bm, p))
			memcpy(dest + p * TST_PAGE, mem + p * TST_PAGE,
			       TST_PAGE);
}

TEST_F_TIMEOUT(dirty_log, invariant, 300)
{
	struct shared *sh = &self->sh;
	struct checker *ck = &self->ck;
	struct s2mmu_stats st0, st;
	__u64 rng = 0x9e3779b97f4a7c15ULL, last = 0;
	__u32 h = 0, empty_h;
	int i;

	ASSERT_EQ(0, tst_set_region(sh->vm, SLOT, 0, SLOT_GPA, SLOT_SIZE, sh->mem));
	for (i = 0; i < NR_WRITERS; i++) {
		ASSERT_EQ(0, tst_create_vcpu(self->dev, sh->vm, i, &sh->w[i].vcpu));
		sh->w[i].sh = sh;
		sh->w[i].id = i;
		sh->w[i].rng = 0x2545f4914f6cdd1dULL * (i + 1);
		sh->w[i].inflight = NO_PAGE;
		sh->w[i].ring = calloc(RING_SIZE, sizeof(struct write_rec));
		ASSERT_NE(NULL, sh->w[i].ring);
	}
	if (variant->manual)
		ASSERT_EQ(0, tst_enable_manual_protect(sh->vm));

	/* Boot: the guest writes all of its memory before logging starts. */
	for (__u64 p = 0; p < SLOT_PAGES; p++)
		ASSERT_EQ(0, tst_access(&sh->w[0].vcpu, SLOT_GPA + p * TST_PAGE,
					&p, sizeof(p), S2MMU_ACCESS_WRITE, NULL));
	ASSERT_EQ(0, tst_stats(sh->vm, &st0));
	if (variant->thp)
		TH_LOG("before logging: %llu blocks, %llu pages mapped",
		       st0.mapped_l2, st0.mapped_l3);

	ASSERT_EQ(0, tst_set_region(sh->vm, SLOT, S2MMU_MEM_LOG_DIRTY_PAGES,
				    SLOT_GPA, SLOT_SIZE, sh->mem));
	/* The first pass of a migration: all of memory. */
	memcpy(self->dest, sh->mem, SLOT_SIZE);

	atomic_store(&sh->writes_left, WRITES_PER_TEST);
	for (i = 0; i < NR_WRITERS; i++)
		ASSERT_EQ(0, pthread_create(&sh->w[i].thread, NULL, writer_main,
					    &sh->w[i]));
	if (variant->churn) {
		self->churn.sh = sh;
		ASSERT_EQ(0, tst_create_vcpu(self->dev, sh->vm, CHURN_VCPU,
					     &self->churn.vcpu));
		ASSERT_EQ(0, pthread_create(&self->churn.thread, NULL, churn_main,
					    &self->churn));
	}

	while (atomic_load(&sh->writes_left) && !atomic_load(&sh->stop)) {
		/* Let a random number of writes (0..4095) land between harvests. */
		__u64 want = last + xorshift(&rng) % 4096;

		while (atomic_load(&sh->writes_done) < want &&
		       atomic_load(&sh->writes_left) && !atomic_load(&sh->stop))
			sched_yield();
		last = atomic_load(&sh->writes_done);
		ASSERT_EQ(0, harvest(sh, ck, variant->manual, ++h, &rng));
		check_harvest(sh, ck, h);
		copy_reported(self->dest, sh->mem, ck->hist[h % HISTORY]);
	}
	atomic_store(&sh->stop, true);
	for (i = 0; i < NR_WRITERS; i++) {
		pthread_join(sh->w[i].thread, NULL);
		EXPECT_EQ(0, sh->w[i].error);
	}
	if (variant->churn) {
		pthread_join(self->churn.thread, NULL);
		EXPECT_EQ(0, self->churn.error);
		TH_LOG("slot churn: %llu delete/re-add rounds",
		       (unsigned long long)self->churn.rounds);
	}

	/* Writers stopped: one harvest completes the copy ... */
	ASSERT_EQ(0, harvest(sh, ck, variant->manual, ++h, &rng));
	check_harvest(sh, ck, h);
	copy_reported(self->dest, sh->mem, ck->hist[h % HISTORY]);
	/* ... and one more reports nothing and closes every write window. */
	empty_h = ++h;
	ASSERT_EQ(0, harvest(sh, ck, variant->manual, empty_h, &rng));
	check_harvest(sh, ck, empty_h);
	for (__u64 w = 0; w < SLOT_PAGES / 64; w++)
		EXPECT_EQ(0U, ck->hist[empty_h % HISTORY][w]);

	ASSERT_EQ(0, tst_stats(sh->vm, &st));
	TH_LOG("%llu writes, %u harvests, %llu pages reported, %llu write windows checked",
	       (unsigned long long)atomic_load(&sh->writes_done), h,
	       (unsigned long long)ck->reported, (unsigned long long)ck->checked);
	TH_LOG("faults: %llu translation, %llu access, %llu permission, %llu spurious",
	       st.faults_translation - st0.faults_translation,
	       st.faults_access - st0.faults_access,
	       st.faults_permission - st0.faults_permission,
	       st.faults_spurious - st0.faults_spurious);
	TH_LOG("%llu pages marked dirty", st.dirty_marked - st0.dirty_marked);
	TH_LOG("bbm %llu, tlbi ipa %llu range %llu vmid %llu",
	       st.bbm - st0.bbm, st.tlbi_ipa - st0.tlbi_ipa,
	       st.tlbi_range - st0.tlbi_range, st.tlbi_vmid - st0.tlbi_vmid);

	EXPECT_EQ((__u64)WRITES_PER_TEST, atomic_load(&sh->writes_done));
	EXPECT_EQ(0U, ck->nr_pending);
	EXPECT_EQ((__u64)WRITES_PER_TEST, ck->checked);
	EXPECT_EQ(0U, ck->lost);
	EXPECT_EQ(0U, ck->spurious);
	EXPECT_EQ(0U, ck->too_old);
	/* Logging keeps the slot in pages: no block was mapped meanwhile. */
	EXPECT_EQ(st0.mapped_l2, st.mapped_l2);
	EXPECT_EQ(0, memcmp(self->dest, sh->mem, SLOT_SIZE));
}

/* Small, exact cases: which pages a harvest reports and what it protects. */
FIXTURE(log) {
	int dev, vm;
	struct tst_vcpu vcpu;
	__u8 *mem;
	__u64 *bm;
};

#define LOG_PAGES	1024ULL		/* 4 MiB: two 2 MiB blocks */
#define LOG_SIZE	(LOG_PAGES * TST_PAGE)

FIXTURE_SETUP(log)
{
	int ret = tst_open_vm_vcpu(&self->dev, &self->vm, &self->vcpu);

	if (ret == -ENODEV)
		SKIP(return, "/dev/s2mmu: %s", strerror(errno));
	ASSERT_EQ(0, ret);
	self->mem = tst_alloc(TST_ANON_THP, LOG_SIZE);
	ASSERT_NE(NULL, self->mem);
	self->bm = calloc(1, tst_bitmap_bytes(LOG_PAGES));
	ASSERT_NE(NULL, self->bm);
}

FIXTURE_TEARDOWN(log)
{
	if (self->vm >= 0)
		close(self->vm);
	if (self->dev >= 0)
		close(self->dev);
}

static int write_page(struct tst_vcpu *vcpu, __u64 page, struct s2mmu_vcpu_access *res)
{
	__u64 v = page ^ 0xd1b54a32d192ed03ULL;

	return tst_access(vcpu, SLOT_GPA + page * TST_PAGE, &v,
			    sizeof(v), S2MMU_ACCESS_WRITE, res);
}

/* The pages set in @bm, as a list terminated by -1, for readable asserts. */
static void bits(const __u64 *bm, __u64 pages, __s64 *out, int max)
{
	int n = 0;

	for (__u64 p = 0; p < pages && n < max - 1; p++)
		if (tst_test_bit(bm, p))
			out[n++] = p;
	out[n] = -1;
}

TEST_F(log, errors)
{
	struct s2mmu_enable_cap cap = { .cap = S2MMU_CAP_MANUAL_DIRTY_LOG_PROTECT };
	struct s2mmu_dirty_log log = { .slot = SLOT };

	ASSERT_EQ(0, tst_set_region(self->vm, SLOT, 0, SLOT_GPA, LOG_SIZE, self->mem));
	/* A slot without logging has no log; an unknown slot is invalid. */
	EXPECT_EQ(-ENOENT, tst_get_dirty_log(self->vm, SLOT, self->bm));
	EXPECT_EQ(-EINVAL, tst_get_dirty_log(self->vm, 7, self->bm));
	EXPECT_EQ(-EINVAL, tst_get_dirty_log(self->vm, S2MMU_MEMSLOT_ID_LIMIT,
					     self->bm));
	ASSERT_EQ(0, tst_set_region(self->vm, SLOT, S2MMU_MEM_LOG_DIRTY_PAGES,
				    SLOT_GPA, LOG_SIZE, self->mem));
	EXPECT_EQ(-EFAULT, tst_get_dirty_log(self->vm, SLOT, (__u64 *)8));
	log.padding = 1;
	log.dirty_bitmap = (uintptr_t)self->bm;
	EXPECT_EQ(-1, ioctl(self->vm, S2MMU_GET_DIRTY_LOG, &log));
	EXPECT_EQ(EINVAL, errno);

	/* CLEAR only exists in manual-protect mode. */
	EXPECT_EQ(-EINVAL, tst_clear_dirty_log(self->vm, SLOT, 0, 64, self->bm));
	cap.cap = 0x7777;
	EXPECT_EQ(-EINVAL, tst_ioctl(self->vm, S2MMU_ENABLE_CAP, (unsigned long)&cap));
	cap.cap = S2MMU_CAP_MANUAL_DIRTY_LOG_PROTECT;
	cap.args[0] = 2;
	EXPECT_EQ(-EINVAL, tst_ioctl(self->vm, S2MMU_ENABLE_CAP, (unsigned long)&cap));
	/* INITIALLY_SET needs MANUAL_PROTECT_ENABLE; no other bit exists. */
	EXPECT_EQ(-EINVAL, tst_enable_dirty_log_caps(self->vm,
						     S2MMU_DIRTY_LOG_INITIALLY_SET));
	EXPECT_EQ(-EINVAL, tst_enable_dirty_log_caps(self->vm, 4));
	EXPECT_EQ(-EINVAL, tst_enable_dirty_log_caps(self->vm,
						     TST_MANUAL_INITIALLY_SET | 4));
	EXPECT_EQ(-EINVAL, tst_enable_dirty_log_caps(self->vm, 1ULL << 63));
	/* None of them turned manual protect on: CLEAR is still refused. */
	EXPECT_EQ(-EINVAL, tst_clear_dirty_log(self->vm, SLOT, 0, 64, self->bm));
	cap.args[0] = 1;
	cap.flags = 1;
	EXPECT_EQ(-EINVAL, tst_ioctl(self->vm, S2MMU_ENABLE_CAP, (unsigned long)&cap));
	ASSERT_EQ(0, tst_enable_manual_protect(self->vm));

	EXPECT_EQ(0, tst_clear_dirty_log(self->vm, SLOT, 0, LOG_PAGES, self->bm));
	EXPECT_EQ(0, tst_clear_dirty_log(self->vm, SLOT, 64, 64, self->bm));
	/* first_page a multiple of 64; the range inside the slot ... */
	EXPECT_EQ(-EINVAL, tst_clear_dirty_log(self->vm, SLOT, 1, 64, self->bm));
	EXPECT_EQ(-EINVAL, tst_clear_dirty_log(self->vm, SLOT, LOG_PAGES, 64,
					       self->bm));
	EXPECT_EQ(-EINVAL, tst_clear_dirty_log(self->vm, SLOT, 64, LOG_PAGES,
					       self->bm));
	/* ... and whole words of pages unless it ends with the slot. */
	EXPECT_EQ(-EINVAL, tst_clear_dirty_log(self->vm, SLOT, 0, 65, self->bm));
	EXPECT_EQ(-EINVAL, tst_clear_dirty_log(self->vm, 7, 0, 64, self->bm));
	EXPECT_EQ(-EFAULT, tst_clear_dirty_log(self->vm, SLOT, 0, 64,
					       (__u64 *)8));
}

TEST_F(log, get_reports_and_protects)
{
	struct s2mmu_vcpu_access res;
	__s64 got[8];

	ASSERT_EQ(0, tst_set_region(self->vm, SLOT, S2MMU_MEM_LOG_DIRTY_PAGES,
				    SLOT_GPA, LOG_SIZE, self->mem));
	ASSERT_EQ(0, write_page(&self->vcpu, 3, NULL));
	ASSERT_EQ(0, write_page(&self->vcpu, 700, NULL));
	/* Reads never dirty a page. */
	ASSERT_EQ(0, tst_access(&self->vcpu, SLOT_GPA + 5 * TST_PAGE,
				got, 8, S2MMU_ACCESS_READ, NULL));
	ASSERT_EQ(0, tst_get_dirty_log(self->vm, SLOT, self->bm));
	bits(self->bm, LOG_PAGES, got, 8);
	EXPECT_EQ(3, got[0]);
	EXPECT_EQ(700, got[1]);
	EXPECT_EQ(-1, got[2]);

	/* Reported pages are write-protected again: one permission fault. */
	ASSERT_EQ(0, write_page(&self->vcpu, 3, &res));
	EXPECT_EQ(1U, res.faults_permission);
	EXPECT_EQ(0U, res.faults_translation);
	/* A page that stayed writable would not fault; none did. */
	ASSERT_EQ(0, write_page(&self->vcpu, 3, &res));
	EXPECT_EQ(0U, res.faults_permission);
	ASSERT_EQ(0, write_page(&self->vcpu, 5, &res));
	EXPECT_EQ(1U, res.faults_permission);

	ASSERT_EQ(0, tst_get_dirty_log(self->vm, SLOT, self->bm));
	bits(self->bm, LOG_PAGES, got, 8);
	EXPECT_EQ(3, got[0]);
	EXPECT_EQ(5, got[1]);
	EXPECT_EQ(-1, got[2]);
	ASSERT_EQ(0, tst_get_dirty_log(self->vm, SLOT, self->bm));
	bits(self->bm, LOG_PAGES, got, 8);
	EXPECT_EQ(-1, got[0]);
}

TEST_F(log, manual_get_reads_clear_protects)
{
	struct s2mmu_vcpu_access res;
	__s64 got[8];

	ASSERT_EQ(0, tst_enable_manual_protect(self->vm));
	ASSERT_EQ(0, tst_set_region(self->vm, SLOT, S2MMU_MEM_LOG_DIRTY_PAGES,
				    SLOT_GPA, LOG_SIZE, self->mem));
	ASSERT_EQ(0, write_page(&self->vcpu, 10, NULL));
	ASSERT_EQ(0, write_page(&self->vcpu, 200, NULL));
	ASSERT_EQ(0, tst_get_dirty_log(self->vm, SLOT, self->bm));
	ASSERT_EQ(0, tst_get_dirty_log(self->vm, SLOT, self->bm));
	bits(self->bm, LOG_PAGES, got, 8);
	EXPECT_EQ(10, got[0]);
	EXPECT_EQ(200, got[1]);
	EXPECT_EQ(-1, got[2]);
	/* GET protected nothing: the page is still writable. */
	ASSERT_EQ(0, write_page(&self->vcpu, 10, &res));
	EXPECT_EQ(0U, res.faults_permission);

	/* Clear page 10 only (the word of pages 0-63). */
	memset(self->bm, 0, tst_bitmap_bytes(LOG_PAGES));
	tst_set_bit(self->bm, 10);
	ASSERT_EQ(0, tst_clear_dirty_log(self->vm, SLOT, 0, 64, self->bm));
	ASSERT_EQ(0, write_page(&self->vcpu, 200, &res));
	EXPECT_EQ(0U, res.faults_permission);
	ASSERT_EQ(0, tst_get_dirty_log(self->vm, SLOT, self->bm));
	bits(self->bm, LOG_PAGES, got, 8);
	EXPECT_EQ(200, got[0]);
	EXPECT_EQ(-1, got[1]);
	ASSERT_EQ(0, write_page(&self->vcpu, 10, &res));
	EXPECT_EQ(1U, res.faults_permission);
	ASSERT_EQ(0, tst_get_dirty_log(self->vm, SLOT, self->bm));
	bits(self->bm, LOG_PAGES, got, 8);
	EXPECT_EQ(10, got[0]);
	EXPECT_EQ(200, got[1]);
	EXPECT_EQ(-1, got[2]);
}

/*
 * CLEAR write-protects exactly the pages of its bitmap, wherever they
 * fall: every third page of the first 2 MiB, a 100-page run across mask
 * words, one page near the end.  Each cleared page takes one permission
 * fault at its next write and no other page does; the log keeps the
 * pages not cleared.  The walk looked only at the cleared pages' leaves
 * (it used to visit every leaf from the first bit to the last).
 */
TEST_F(log, clear_protects_exactly_its_pages)
{
	__u64 *clr = calloc(1, tst_bitmap_bytes(LOG_PAGES));
	struct s2mmu_vcpu_access res;
	struct s2mmu_stats st0, st1;
	__u64 p, cleared = 0;

	ASSERT_NE(NULL, clr);
	ASSERT_EQ(0, tst_enable_manual_protect(self->vm));
	ASSERT_EQ(0, tst_set_region(self->vm, SLOT, S2MMU_MEM_LOG_DIRTY_PAGES,
				    SLOT_GPA, LOG_SIZE, self->mem));
	for (p = 0; p < LOG_PAGES; p++)
		ASSERT_EQ(0, write_page(&self->vcpu, p, NULL));
	for (p = 0; p < 512; p += 3)
		tst_set_bit(clr, p);
	for (p = 600; p < 700; p++)
		tst_set_bit(clr, p);
	tst_set_bit(clr, 1000);
	for (p = 0; p < LOG_PAGES; p++)
		cleared += tst_test_bit(clr, p);

	ASSERT_EQ(0, tst_stats(self->vm, &st0));
	ASSERT_EQ(0, tst_clear_dirty_log(self->vm, SLOT, 0, LOG_PAGES, clr));
	ASSERT_EQ(0, tst_stats(self->vm, &st1));
	EXPECT_EQ(cleared, st1.dirty_log_protected - st0.dirty_log_protected);
	EXPECT_EQ(cleared, st1.dirty_log_leaves - st0.dirty_log_leaves);
	EXPECT_EQ(1ULL, st1.dirty_log_walks - st0.dirty_log_walks);

	ASSERT_EQ(0, tst_get_dirty_log(self->vm, SLOT, self->bm));
	for (p = 0; p < LOG_PAGES; p++)
		ASSERT_EQ(!tst_test_bit(clr, p), tst_test_bit(self->bm, p))
			TH_LOG("page %llu after the CLEAR", (unsigned long long)p);
	for (p = 0; p < LOG_PAGES; p++) {
		ASSERT_EQ(0, write_page(&self->vcpu, p, &res));
		ASSERT_EQ((__u64)tst_test_bit(clr, p), (__u64)res.faults_permission)
			TH_LOG("page %llu: permission faults", (unsigned long long)p);
	}
	ASSERT_EQ(0, tst_get_dirty_log(self->vm, SLOT, self->bm));
	for (p = 0; p < LOG_PAGES; p++)
		ASSERT_EQ(1, tst_test_bit(self->bm, p));
	free(clr);
}

/* A fault that failed marks nothing (the fault handler's last step). */
TEST_F(log, failed_fault_marks_nothing)
{
	__s64 got[8];

	ASSERT_EQ(0, tst_set_region(self->vm, SLOT, S2MMU_MEM_LOG_DIRTY_PAGES,
				    SLOT_GPA, LOG_SIZE, self->mem));
	ASSERT_EQ(0, mprotect(self->mem + 20 * TST_PAGE, TST_PAGE,
			      PROT_READ));
	EXPECT_EQ(-EFAULT, write_page(&self->vcpu, 20, NULL));
	ASSERT_EQ(0, write_page(&self->vcpu, 21, NULL));
	ASSERT_EQ(0, tst_get_dirty_log(self->vm, SLOT, self->bm));
	bits(self->bm, LOG_PAGES, got, 8);
	EXPECT_EQ(21, got[0]);
	EXPECT_EQ(-1, got[1]);
}

/*
 * Enabling the log splits the slot's blocks up front, so a logged write
 * dirties one page, not 512; clearing the flag lets blocks come back.
 */
TEST_F(log, blocks_split_and_come_back)
{
	struct s2mmu_stats st0, st1, st2;
	struct s2mmu_vcpu_access res;
	__s64 got[8];

	ASSERT_EQ(0, tst_set_region(self->vm, SLOT, 0, SLOT_GPA, LOG_SIZE, self->mem));
	for (__u64 p = 0; p < LOG_PAGES; p += 512)
		ASSERT_EQ(0, write_page(&self->vcpu, p, NULL));
	ASSERT_EQ(0, tst_stats(self->vm, &st0));
	if (st0.mapped_l2 != 2)
		SKIP(return, "no transparent huge pages (%llu blocks mapped)",
		     st0.mapped_l2);

	ASSERT_EQ(0, tst_set_region(self->vm, SLOT, S2MMU_MEM_LOG_DIRTY_PAGES,
				    SLOT_GPA, LOG_SIZE, self->mem));
	ASSERT_EQ(0, tst_stats(self->vm, &st1));
	/* One BBM per block, whose subtree was built off-line. */
	EXPECT_EQ(2U, st1.bbm - st0.bbm);
	EXPECT_LE(st0.table_pages + 2, st1.table_pages);

	/* Pages around the written one stay mapped: no translation fault. */
	ASSERT_EQ(0, write_page(&self->vcpu, 513, &res));
	EXPECT_EQ(0U, res.faults_translation);
	EXPECT_EQ(1U, res.faults_permission);
	ASSERT_EQ(0, tst_get_dirty_log(self->vm, SLOT, self->bm));
	bits(self->bm, LOG_PAGES, got, 8);
	EXPECT_EQ(513, got[0]);
	EXPECT_EQ(-1, got[1]);
	ASSERT_EQ(0, tst_stats(self->vm, &st2));
	EXPECT_EQ(st0.mapped_l2, st2.mapped_l2);

	/*
	 * Logging off: the split regions of huge host pages are unmapped,
	 * and the next fault maps the whole block again.
	 */
	ASSERT_EQ(0, tst_set_region(self->vm, SLOT, 0, SLOT_GPA, LOG_SIZE, self->mem));
	ASSERT_EQ(0, write_page(&self->vcpu, 600, &res));
	EXPECT_EQ(1U, res.faults_translation);
	EXPECT_EQ(0U, res.faults_permission);
	ASSERT_EQ(0, tst_stats(self->vm, &st2));
	EXPECT_EQ(st0.mapped_l2 + 1, st2.mapped_l2);
}

/*
 * Map the slot with two 2 MiB blocks (written), then start its log in
 * initially-set mode (@caps), checking that this cost nothing: no BBM,
 * invalidation or table page.  Return false (after SKIP) without THP.
 */
static bool start_initially_set(struct __test_metadata *_metadata,
				struct _test_data_log *self, __u64 caps,
				struct s2mmu_stats *after)
{
	struct s2mmu_stats st0;

	ASSERT_EQ(0, tst_set_region(self->vm, SLOT, 0, SLOT_GPA, LOG_SIZE, self->mem));
	for (__u64 p = 0; p < LOG_PAGES; p += 512)
		ASSERT_EQ(0, write_page(&self->vcpu, p, NULL));
	ASSERT_EQ(0, tst_stats(self->vm, &st0));
	if (st0.mapped_l2 != 2) {
		SKIP(return false, "no transparent huge pages (%llu blocks mapped)",
		     st0.mapped_l2);
	}
	ASSERT_EQ(0, tst_enable_dirty_log_caps(self->vm, caps));
	ASSERT_EQ(0, tst_set_region(self->vm, SLOT, S2MMU_MEM_LOG_DIRTY_PAGES,
				    SLOT_GPA, LOG_SIZE, self->mem));
	ASSERT_EQ(0, tst_stats(self->vm, after));
	EXPECT_EQ(st0.bbm, after->bbm);
	EXPECT_EQ(st0.tlbi_ipa, after->tlbi_ipa);
	EXPECT_EQ(st0.tlbi_range, after->tlbi_range);
	EXPECT_EQ(st0.tlbi_vmid, after->tlbi_vmid);
	EXPECT_EQ(st0.table_pages, after->table_pages);
	EXPECT_EQ(st0.mapped_l3, after->mapped_l3);
	return true;
}

/* Every page of the slot, and nothing past it, is in @bm. */
static bool all_set(const __u64 *bm)
{
	for (__u64 w = 0; w < LOG_PAGES / 64; w++)
		if (bm[w] != ~0ULL)
			return false;
	return true;
}

/* The pages whose bits differ between @bm and @want, for readable asserts. */
static int diff_bits(const __u64 *bm, const __u64 *want, __s64 *out, int max)
{
	int n = 0;

	for (__u64 p = 0; p < LOG_PAGES && n < max - 1; p++)
		if (tst_test_bit(bm, p) != tst_test_bit(want, p))
			out[n++] = p;
	out[n] = -1;
	return n;
}

/*
 * KVM_DIRTY_LOG_INITIALLY_SET: starting the log splits and protects
 * nothing and the first GET reports every page; CLEAR of part of a block
 * splits it and protects exactly the pages cleared: a write to one of
 * them faults and is logged, a write to the rest of the block does not
 * fault (still in the log).  Were the block left writable by CLEAR, the
 * writes to pages 3, 255 and 600 would take no fault and be lost.
 */
TEST_F(log, initially_set_clear_splits_blocks)
{
	static const __u64 cleared_written[] = { 3, 255, 600 };
	static const __u64 kept_written[] = { 300, 511, 700, 1023 };
	struct s2mmu_stats st1, st2, st3;
	struct s2mmu_vcpu_access res;
	__u64 want[LOG_PAGES / 64];
	__s64 got[8];
	unsigned int i;

	if (!start_initially_set(_metadata, self, TST_MANUAL_INITIALLY_SET, &st1))
		return;
	ASSERT_EQ(0, tst_get_dirty_log(self->vm, SLOT, self->bm));
	EXPECT_TRUE(all_set(self->bm));
	/* Still writable: nothing faults, nothing changes in the log. */
	ASSERT_EQ(0, write_page(&self->vcpu, 7, &res));
	EXPECT_EQ(0U, res.faults_permission + res.faults_translation);

	/* Clear pages [0, 256) of block 0 and [576, 640) of block 1. */
	memset(self->bm, 0, tst_bitmap_bytes(LOG_PAGES));
	for (__u64 p = 0; p < 256; p++)
		tst_set_bit(self->bm, p);
	for (__u64 p = 576; p < 640; p++)
		tst_set_bit(self->bm, p);
	ASSERT_EQ(0, tst_clear_dirty_log(self->vm, SLOT, 0, LOG_PAGES, self->bm));
	ASSERT_EQ(0, tst_stats(self->vm, &st2));
	/* Each block split once: one BBM and one table of pages each. */
	EXPECT_EQ(2U, st2.bbm - st1.bbm);
	EXPECT_EQ(2ULL, st2.table_pages - st1.table_pages);

	for (i = 0; i < ARRAY_SIZE(cleared_written); i++) {
		ASSERT_EQ(0, write_page(&self->vcpu, cleared_written[i], &res));
		EXPECT_EQ(1U, res.faults_permission);
		EXPECT_EQ(0U, res.faults_translation);
	}
	for (i = 0; i < ARRAY_SIZE(kept_written); i++) {
		ASSERT_EQ(0, write_page(&self->vcpu, kept_written[i], &res));
		EXPECT_EQ(0U, res.faults_permission + res.faults_translation);
	}
	memset(want, 0xff, sizeof(want));
	for (__u64 p = 0; p < 256; p++)
		want[p / 64] &= ~(1ULL << (p % 64));
	for (__u64 p = 576; p < 640; p++)
		want[p / 64] &= ~(1ULL << (p % 64));
	for (i = 0; i < ARRAY_SIZE(cleared_written); i++)
		tst_set_bit(want, cleared_written[i]);
	ASSERT_EQ(0, tst_get_dirty_log(self->vm, SLOT, self->bm));
	EXPECT_EQ(0, diff_bits(self->bm, want, got, 8));
	EXPECT_EQ(-1, got[0]);

	/* Clear everything reported: nothing left to split. */
	ASSERT_EQ(0, tst_clear_dirty_log(self->vm, SLOT, 0, LOG_PAGES, self->bm));
	ASSERT_EQ(0, tst_stats(self->vm, &st3));
	EXPECT_EQ(st2.bbm, st3.bbm);
	EXPECT_EQ(st2.table_pages, st3.table_pages);
	ASSERT_EQ(0, write_page(&self->vcpu, 5, &res));
	EXPECT_EQ(1U, res.faults_permission);
	ASSERT_EQ(0, write_page(&self->vcpu, 513, &res));
	EXPECT_EQ(1U, res.faults_permission);
	ASSERT_EQ(0, tst_get_dirty_log(self->vm, SLOT, self->bm));
	bits(self->bm, LOG_PAGES, got, 8);
	EXPECT_EQ(5, got[0]);
	EXPECT_EQ(513, got[1]);
	EXPECT_EQ(-1, got[2]);
}

/*
 * The mode may change while the slot logs: a log started initially set,
 * harvested by GET without manual protect, is split and protected by that
 * GET, which reports every page; then exactly what is written.
 */
TEST_F(log, initially_set_then_get_harvests)
{
	struct s2mmu_stats st1, st2;
	struct s2mmu_vcpu_access res;
	__s64 got[8];

	if (!start_initially_set(_metadata, self, TST_MANUAL_INITIALLY_SET, &st1))
		return;
	ASSERT_EQ(0, tst_enable_dirty_log_caps(self->vm, 0));
	ASSERT_EQ(0, tst_get_dirty_log(self->vm, SLOT, self->bm));
	EXPECT_TRUE(all_set(self->bm));
	ASSERT_EQ(0, tst_stats(self->vm, &st2));
	EXPECT_EQ(2U, st2.bbm - st1.bbm);
	ASSERT_EQ(0, write_page(&self->vcpu, 10, &res));
	EXPECT_EQ(1U, res.faults_permission);
	ASSERT_EQ(0, write_page(&self->vcpu, 1000, &res));
	EXPECT_EQ(1U, res.faults_permission);
	ASSERT_EQ(0, tst_get_dirty_log(self->vm, SLOT, self->bm));
	bits(self->bm, LOG_PAGES, got, 8);
	EXPECT_EQ(10, got[0]);
	EXPECT_EQ(1000, got[1]);
	EXPECT_EQ(-1, got[2]);
}

/*
 * A slot created with logging on in initially-set mode starts with every
 * page set too (as KVM); one created in manual mode alone starts empty.
 */
TEST_F(log, initially_set_new_slot)
{
	ASSERT_EQ(0, tst_enable_dirty_log_caps(self->vm, TST_MANUAL_INITIALLY_SET));
	ASSERT_EQ(0, tst_set_region(self->vm, SLOT, S2MMU_MEM_LOG_DIRTY_PAGES,
				    SLOT_GPA, LOG_SIZE, self->mem));
	ASSERT_EQ(0, tst_get_dirty_log(self->vm, SLOT, self->bm));
	EXPECT_TRUE(all_set(self->bm));
	ASSERT_EQ(0, tst_set_region(self->vm, SLOT, 0, SLOT_GPA, 0, NULL));
	ASSERT_EQ(0, tst_enable_manual_protect(self->vm));
	ASSERT_EQ(0, tst_set_region(self->vm, SLOT, S2MMU_MEM_LOG_DIRTY_PAGES,
				    SLOT_GPA, LOG_SIZE, self->mem));
	ASSERT_EQ(0, tst_get_dirty_log(self->vm, SLOT, self->bm));
	for (__u64 w = 0; w < LOG_PAGES / 64; w++)
		ASSERT_EQ(0ULL, self->bm[w]);
}

TEST_HARNESS_MAIN
