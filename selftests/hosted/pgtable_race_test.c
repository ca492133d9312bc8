// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency test of the engine, built with ThreadSanitizer.
 *
 * Four vCPU threads take single-page "faults" in shared mode under the read
 * side of the VM lock (the hosted checking rwlock, which the engine's lock
 * hook checks on every operation), all over the same 4 MiB; one
 * thread holding the write side unmaps, write-protects, splits and maps
 * blocks, and changes the "generation" of the guest memory so that faults
 * must replace existing pages (shared-mode break-before-make, with other
 * faulting threads backing off from the locked entry).
 *
 * Checked: ThreadSanitizer finds no race (it aborts the test), every fault
 * completes within a bounded number of retries, a completed fault is
 * visible in the table before the read lock is dropped, the structural
 * invariants hold whenever the write side looks, and every page is given
 * back at the end.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "s2_hosted.h"
#include "kselftest_harness.h"

#define SZ_4K		0x1000ULL
#define SZ_2M		0x200000ULL
#define REGION		(2 * SZ_2M)
#define PA_BASE		0x10000000000ULL
#define NR_VCPUS	4
#define FAULTS		40000
#define HOT_PAGES	32
#define MAX_RETRIES	1000000

static struct {
	struct s2_pgtable	pgt;
	struct s2h_rwlock	lock;
	u64			gen;		/* written under the write lock */
	bool			stop;
	u64			faults_done;
	u64			retries;
	u64			worst_retries;
	u64			exclusive_ops;
	/* What the callers saw, to check the engine's per-CPU counters. */
	u64			seen_unchanged;
	u64			seen_backoffs;
	u64			seen_relaxed;
	const char		*err;
} vm;

static u64 rnd(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Guest memory of generation @gen at @ipa. */
static u64 pa_of(u64 gen, u64 ipa)
{
	return PA_BASE + (gen % 4) * 0x100000000ULL + ipa;
}

static void fail(const char *err)
{
	__atomic_store_n(&vm.err, err, __ATOMIC_SEQ_CST);
	__atomic_store_n(&vm.stop, true, __ATOMIC_SEQ_CST);
}

/* Tally a result the engine also counts (stats.unchanged, .retries). */
static int seen(int ret)
{
	if (ret == S2_UNCHANGED)
		__atomic_fetch_add(&vm.seen_unchanged, 1, __ATOMIC_RELAXED);
	if (ret == -EAGAIN)
		__atomic_fetch_add(&vm.seen_backoffs, 1, __ATOMIC_RELAXED);
	return ret;
}

static bool take_fault(struct s2_memcache *mc, u64 ipa, bool write)
{
	u64 tries, pa, gen;
	s2_pte_t pte;
	s8 level;
	int ret;

	for (tries = 0; tries < MAX_RETRIES; tries++) {
		if (mc->nr < S2_MEMCACHE_MIN_MAP &&
		    s2_memcache_topup(mc, S2_MEMCACHE_MIN_MAP, &s2h_mm_ops,
				      NULL))
			return false;
		s2h_read_lock(&vm.lock);
		gen = vm.gen;
		pa = pa_of(gen, ipa);
		ret = seen(s2_map(&vm.pgt, ipa, SZ_4K, pa,
				  write ? S2_PROT_RW : S2_PROT_R, mc,
				  S2_WALK_SHARED));
		if (ret == S2_PERMS_DIFFER && write) {
			ret = seen(s2_relax_perms(&vm.pgt, ipa, S2_PROT_W,
						  S2_WALK_SHARED));
			if (!ret)
				__atomic_fetch_add(&vm.seen_relaxed, 1,
						   __ATOMIC_RELAXED);
		}
		if (ret >= 0) {
			/* Nobody may take it away while we hold the lock. */
			if (s2h_translate(&vm.pgt, ipa, &pte, &level) !=
			    (s64)pa)
				fail("fault done but not translated");
			if (write && !(pte & S2_PTE_S2AP_W))
				fail("write fault done but read-only");
		}
		s2h_read_unlock(&vm.lock);
		if (ret >= 0) {
			__atomic_fetch_add(&vm.retries, tries,
					   __ATOMIC_RELAXED);
			if (tries > __atomic_load_n(&vm.worst_retries,
						    __ATOMIC_RELAXED))
				__atomic_store_n(&vm.worst_retries, tries,
						 __ATOMIC_RELAXED);
			return true;
		}
		if (ret != -EAGAIN && ret != -ENOMEM) {
			fail("fault failed");
			return false;
		}
		sched_yield();
	}
	fail("fault never completed");
	return false;
}

static void *vcpu(void *arg)
{
	u64 seed = 0x9e3779b97f4a7c15ULL * (uintptr_t)(arg + 1);
	struct s2_memcache mc = { 0 };
	int i;

	for (i = 0; i < FAULTS && !__atomic_load_n(&vm.stop, __ATOMIC_SEQ_CST);
	     i++) {
		u64 r = rnd(&seed);
		/* Half the faults on a few hot pages: vCPUs collide. */
		u64 pages = r & 1 ? HOT_PAGES : REGION / SZ_4K;
		u64 ipa = (r >> 8) % pages * SZ_4K;

		if (!take_fault(&mc, ipa, r & 2))
			break;
		__atomic_fetch_add(&vm.faults_done, 1, __ATOMIC_RELAXED);
	}
	s2_memcache_drain(&mc, &s2h_mm_ops);
	return NULL;
}

static void exclusive_op(struct s2_memcache *mc, u64 *seed)
{
	u64 ipa = rnd(seed) % (REGION / SZ_4K) * SZ_4K;
	u64 size = (1 + rnd(seed) % 600) * SZ_4K;
	const char *err;

	if (ipa + size > REGION)
		size = REGION - ipa;
	s2h_write_lock(&vm.lock);
	/* No shared walker is inside: the hosted grace period. */
	s2h_grace_period();
	switch (rnd(seed) % 5) {
	case 0:
		s2_unmap_mc(&vm.pgt, ipa, size, mc);
		break;
	case 1:
		s2_wrprotect(&vm.pgt, ipa, size);
		break;
	case 2:
		s2_split(&vm.pgt, ipa, size, mc);
		break;
	case 3:
		ipa = ALIGN_DOWN(ipa, SZ_2M);
		seen(s2_map(&vm.pgt, ipa, SZ_2M, pa_of(vm.gen, ipa), S2_PROT_R,
			    mc, 0));
		break;
	default:
		/* New guest memory: faults now replace what they find. */
		vm.gen++;
		break;
	}
	err = s2h_check(&vm.pgt, NULL);
	if (err)
		fail(err);
	s2h_write_unlock(&vm.lock);
	vm.exclusive_ops++;
}

static void *mmu_notifier(void *arg)
{
	struct s2_memcache mc = { 0 };
	u64 seed = 0x1234567;

	while (!__atomic_load_n(&vm.stop, __ATOMIC_SEQ_CST)) {
		if (s2_memcache_topup(&mc, S2_PTRS_PER_TABLE, &s2h_mm_ops,
				      NULL)) {
			fail("out of pages");
			break;
		}
		exclusive_op(&mc, &seed);
	}
	s2_memcache_drain(&mc, &s2h_mm_ops);
	return NULL;
}

static void assert_vm_locked(struct s2_pgtable *pgt, bool exclusive)
{
	s2h_rwlock_assert_held(&vm.lock, exclusive);
}

TEST(shared_faults_against_exclusive_ops)
{
	pthread_t vcpus[NR_VCPUS], writer;
	struct s2_stats st;
	long i;

	s2h_init(1UL << 16);
	/* Lets the writer in between faults, as a kernel rwlock would. */
	s2h_rwlock_init(&vm.lock);
	ASSERT_EQ(0, s2_pgtable_init(&vm.pgt, 40, &s2h_mm_ops, &s2h_tlb_range,
				     NULL));
	vm.pgt.assert_locked = assert_vm_locked;
	ASSERT_EQ(0, pthread_create(&writer, NULL, mmu_notifier, NULL));
	for (i = 0; i < NR_VCPUS; i++)
		ASSERT_EQ(0, pthread_create(&vcpus[i], NULL, vcpu, (void *)i));
	for (i = 0; i < NR_VCPUS; i++)
		pthread_join(vcpus[i], NULL);
	__atomic_store_n(&vm.stop, true, __ATOMIC_SEQ_CST);
	pthread_join(writer, NULL);

	ASSERT_EQ(NULL, vm.err) TH_LOG("%s", vm.err);
	EXPECT_EQ(NR_VCPUS * FAULTS, vm.faults_done);
	s2h_write_lock(&vm.lock);
	EXPECT_EQ(NULL, s2h_check(&vm.pgt, NULL));
	st = s2h_stats(&vm.pgt);
	TH_LOG("%llu faults, %llu retries (worst %llu), %llu exclusive ops",
	       vm.faults_done, vm.retries, vm.worst_retries, vm.exclusive_ops);
	TH_LOG("%llu BBM, %llu shared walks backed off, %llu relaxed",
	       st.bbm, st.retries, st.relax_perms);
	/* Shared-mode BBM and back-off both happened. */
	EXPECT_LT(0, st.bbm);
	/*
	 * Five threads counted, each in its own per-CPU copy: the sums are
	 * exactly what the callers saw returned.
	 */
	EXPECT_EQ(vm.seen_unchanged, st.unchanged);
	EXPECT_EQ(vm.seen_backoffs, st.retries);
	EXPECT_EQ(vm.seen_relaxed, st.relax_perms);
	EXPECT_EQ(vm.seen_relaxed, st.tlbi_local);
	EXPECT_LT(0, st.unchanged);
	EXPECT_LT(0, st.relax_perms);
	EXPECT_LT(0, vm.exclusive_ops);
	s2h_grace_period();
	s2_pgtable_destroy(&vm.pgt);
	s2h_write_unlock(&vm.lock);
	EXPECT_EQ(0, s2h_pages_in_use());
}

TEST_HARNESS_MAIN
