// SPDX-License-Identifier: GPL-2.0
/*
 * 4 vCPU threads read and write random words of 256 MiB of guest memory
 * and verify every read, while another thread keeps moving, deleting and
 * recreating two more slots that the vCPUs also use.
 *
 * Each vCPU owns the pages whose number modulo 4 is its id, and remembers
 * what it last wrote to each: a read must return exactly that.  In the
 * churning slots a write that completed must be read back unless an MMIO
 * exit (slot absent) intervenes; a write that exited wrote nothing.
 */
#include "s2mmu_util.h"

#include <pthread.h>
#include <stdatomic.h>
#include "../kselftest_harness.h"

/*
 * Under emulation this takes 15-35 s, depending on the host's load (each
 * first write to a page the guest only read is a copy-on-write of the
 * zero page, which the MMU notifier turns into an unmap and a re-fault):
 * more than the harness's default 30 s leaves.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 120

#define NR_VCPUS	4
#define MAIN_SIZE	(256UL << 20)
#define MAIN_SLOTS	4
#define MAIN_GPA	0x100000000ULL
#define CHURN_SIZE	(4UL << 20)
#define CHURN_GPA_A	0x200000000ULL
#define CHURN_GPA_B	0x300000000ULL
#define OPS_PER_VCPU	30000

#define MAIN_PAGES	(MAIN_SIZE / TST_PAGE)
#define CHURN_PAGES	(CHURN_SIZE / TST_PAGE)

struct stress {
	int vm;
	__u8 *main_mem, *churn_mem;
	atomic_int stop;
	/* Where the churning slot 1 lives now (0: deleted). */
	atomic_ullong churn_gpa;
};

struct worker {
	struct stress *s;
	struct tst_vcpu vcpu;
	int id;
	__u32 *shadow;	/* last stamp written per owned main page */
	char err[160];
	__u64 mmio, ops;
};

static __u64 xorshift(__u64 *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* The word a page's stamp lives at, different for every page. */
static __u64 word_off(__u64 page)
{
	return (page * 72) % (TST_PAGE - 8);
}

static void *vcpu_thread(void *arg)
{
	struct worker *w = arg;
	struct s2mmu_vcpu_access a;
	__u64 rnd = 0x9e3779b97f4a7c15ULL * (w->id + 1), v;
	__u32 stamp = 0;
	int i;

	for (i = 0; i < OPS_PER_VCPU; i++) {
		__u64 r = xorshift(&rnd), page, ipa, want;
		int write = r & 1, churn = (r >> 1) % 16 == 0;

		w->ops++;
		if (churn) {
			/* Churning slot: the page content is its number. */
			__u64 gpa = atomic_load(&w->s->churn_gpa);

			page = (r >> 8) % CHURN_PAGES;
			ipa = (gpa ? gpa : CHURN_GPA_A) + page * TST_PAGE;
			if (tst_access(&w->vcpu, ipa, &v, 8, S2MMU_ACCESS_READ,
				       &a)) {
				snprintf(w->err, sizeof(w->err),
					 "churn read failed: %s",
					 strerror(errno));
				return NULL;
			}
			if (a.exit_reason == S2MMU_EXIT_MMIO) {
				w->mmio++;
				continue;
			}
			if (v != page) {
				snprintf(w->err, sizeof(w->err),
					 "churn page %llu read %llx",
					 (unsigned long long)page,
					 (unsigned long long)v);
				return NULL;
			}
			continue;
		}

		/* Main memory: a page of ours. */
		page = ((r >> 8) % (MAIN_PAGES / NR_VCPUS)) * NR_VCPUS + w->id;
		ipa = MAIN_GPA + page * TST_PAGE + word_off(page);
		if (write) {
			stamp++;
			v = ((__u64)stamp << 32) | page;
			if (tst_access(&w->vcpu, ipa, &v, 8,
				       S2MMU_ACCESS_WRITE, &a) || a.done != 8) {
				snprintf(w->err, sizeof(w->err),
					 "write page %llu failed",
					 (unsigned long long)page);
				return NULL;
			}
			w->shadow[page / NR_VCPUS] = stamp;
			continue;
		}
		if (tst_access(&w->vcpu, ipa, &v, 8, S2MMU_ACCESS_READ, &a) ||
		    a.done != 8) {
			snprintf(w->err, sizeof(w->err), "read page %llu failed",
				 (unsigned long long)page);
			return NULL;
		}
		want = w->shadow[page / NR_VCPUS] ?
		       ((__u64)w->shadow[page / NR_VCPUS] << 32) | page : 0;
		if (v != want) {
			snprintf(w->err, sizeof(w->err),
				 "page %llu read %llx want %llx",
				 (unsigned long long)page,
				 (unsigned long long)v,
				 (unsigned long long)want);
			return NULL;
		}
	}
	return NULL;
}

/* Move slot 1 between A and B, delete and recreate slot 2. */
static void *churn_thread(void *arg)
{
	struct stress *s = arg;
	__u8 *half = s->churn_mem + CHURN_SIZE;
	__u64 gpa = CHURN_GPA_A;
	long n = 0;

	while (!atomic_load(&s->stop)) {
		__u64 to = gpa == CHURN_GPA_A ? CHURN_GPA_B : CHURN_GPA_A;

		switch (n++ % 4) {
		case 0:	/* move */
			atomic_store(&s->churn_gpa, 0);
			if (tst_set_region(s->vm, 100, 0, to, CHURN_SIZE,
					   s->churn_mem))
				return (void *)1;
			gpa = to;
			atomic_store(&s->churn_gpa, gpa);
			break;
		case 1:	/* delete */
			atomic_store(&s->churn_gpa, 0);
			if (tst_set_region(s->vm, 100, 0, gpa, 0, s->churn_mem))
				return (void *)2;
			break;
		case 2:	/* recreate */
			if (tst_set_region(s->vm, 100, 0, gpa, CHURN_SIZE,
					   s->churn_mem))
				return (void *)3;
			atomic_store(&s->churn_gpa, gpa);
			break;
		default:	/* a second slot comes and goes */
			if (tst_set_region(s->vm, 101, 0, 0x400000000ULL,
					   CHURN_SIZE, half) ||
			    tst_set_region(s->vm, 101, 0, 0x400000000ULL, 0,
					   half))
				return (void *)4;
			break;
		}
		usleep(2000);
	}
	return NULL;
}

TEST(stress)
{
	struct stress s = { .stop = 0 };
	struct worker w[NR_VCPUS];
	pthread_t t[NR_VCPUS], churn;
	struct s2mmu_stats st;
	void *churn_ret;
	__u64 p, mmio = 0;
	int dev, i;

	dev = tst_open_dev();
	ASSERT_LE(0, dev);
	s.vm = tst_create_vm(dev, 36);
	ASSERT_LE(0, s.vm);
	s.main_mem = tst_alloc(TST_ANON, MAIN_SIZE);
	s.churn_mem = tst_alloc(TST_ANON, 2 * CHURN_SIZE);
	ASSERT_NE(NULL, s.main_mem);
	ASSERT_NE(NULL, s.churn_mem);
	for (p = 0; p < CHURN_PAGES; p++)
		*(__u64 *)(s.churn_mem + p * TST_PAGE) = p;
	for (i = 0; i < MAIN_SLOTS; i++)
		ASSERT_EQ(0, tst_set_region(s.vm, i, 0,
					    MAIN_GPA + i * (MAIN_SIZE / MAIN_SLOTS),
					    MAIN_SIZE / MAIN_SLOTS,
					    s.main_mem + i * (MAIN_SIZE / MAIN_SLOTS)));
	ASSERT_EQ(0, tst_set_region(s.vm, 100, 0, CHURN_GPA_A, CHURN_SIZE,
				    s.churn_mem));
	s.churn_gpa = CHURN_GPA_A;

	for (i = 0; i < NR_VCPUS; i++) {
		w[i] = (struct worker){ .s = &s, .id = i };
		w[i].shadow = calloc(MAIN_PAGES / NR_VCPUS, sizeof(__u32));
		ASSERT_NE(NULL, w[i].shadow);
		ASSERT_EQ(0, tst_create_vcpu(dev, s.vm, i, &w[i].vcpu));
	}
	ASSERT_EQ(0, pthread_create(&churn, NULL, churn_thread, &s));
	for (i = 0; i < NR_VCPUS; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, vcpu_thread, &w[i]));
	for (i = 0; i < NR_VCPUS; i++)
		pthread_join(t[i], NULL);
	atomic_store(&s.stop, 1);
	pthread_join(churn, &churn_ret);
	EXPECT_EQ(NULL, churn_ret);

	for (i = 0; i < NR_VCPUS; i++) {
		EXPECT_STREQ("", w[i].err);
		EXPECT_EQ((__u64)OPS_PER_VCPU, w[i].ops);
		mmio += w[i].mmio;
	}
	/* What the vCPUs wrote is in host memory too. */
	for (i = 0; i < NR_VCPUS; i++)
		for (p = i; p < MAIN_PAGES; p += NR_VCPUS) {
			__u32 stamp = w[i].shadow[p / NR_VCPUS];
			__u64 v = *(__u64 *)(s.main_mem + p * TST_PAGE +
						   word_off(p));

			if (stamp && v != (((__u64)stamp << 32) | p)) {
				EXPECT_EQ(((__u64)stamp << 32) | p, v);
				break;
			}
		}

	ASSERT_EQ(0, tst_stats(s.vm, &st));
	tst_print_stats(stderr, &st);
	TH_LOG("churn reads that exited to MMIO: %llu",
	       (unsigned long long)mmio);
	/* Only zero page -> real page changes need BBM: one per page at most. */
	EXPECT_GE(st.zero_page_maps, st.bbm);
	EXPECT_EQ((unsigned long long)MAIN_SLOTS + !!s.churn_gpa, st.memslots);
	/* Only pages still mapped hold pins. */
	EXPECT_GE(st.mapped_l3, st.pages_pinned);

	for (i = 0; i < NR_VCPUS; i++) {
		tst_destroy_vcpu(&w[i].vcpu);
		free(w[i].shadow);
	}
	close(s.vm);
	close(dev);
}

TEST_HARNESS_MAIN
