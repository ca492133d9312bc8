// SPDX-License-Identifier: GPL-2.0
/*
 * The lock-rank checker (lockrank.c, compiled as it is) in userspace:
 * in-order nesting passes, every kind of inversion is reported once and
 * counted, tasks are kept apart, the task table neither leaks nor blocks
 * when full, and an inversion nobody expected fails the program.
 *
 * A "lock" here is only its rank: take() runs what the module's wrappers
 * run around the real lock, check before and record after.
 */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "s2mmu_lockrank.h"
#include "kselftest_harness.h"

__thread char s2h_task_self;

/* Complaints this thread expects; one more is a failure. */
static __thread int expected;
static int reports;

void s2h_lockrank_report(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("lockrank: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	__atomic_fetch_add(&reports, 1, __ATOMIC_RELAXED);
	if (expected-- <= 0) {
		fputs("lockrank: inversion not provoked on purpose: failing\n",
		      stderr);
		abort();
	}
}

static void take(enum s2mmu_lock_rank rank)
{
	s2mmu_rank_check(rank);
	s2mmu_rank_record(rank);
}

/* Takes @rank expecting the checker to report it, exactly once. */
#define take_reported(rank)			\
	do {					\
		expected = 1;			\
		take(rank);			\
		ASSERT_EQ(0, expected);		\
	} while (0)

static void drop(enum s2mmu_lock_rank rank)
{
	s2mmu_rank_release(rank);
}

static long long inversions(void)
{
	return atomic64_read(&s2mmu_lock_inversions);
}

/*
 * With the checker on, @inner taken under @outer is reported once and
 * counted once; both are dropped again.
 */
#define reported_once(outer, inner)					\
	do {								\
		enum s2mmu_lock_rank o_ = (outer), i_ = (inner);	\
		long long was = inversions();				\
									\
		s2mmu_lockrank_enable();				\
		take(o_);						\
		take_reported(i_);					\
		drop(i_);						\
		drop(o_);						\
		ASSERT_EQ(was + 1, inversions());			\
	} while (0)

/* The checker starts off (each TEST runs in a child of its own). */
TEST(off_until_enabled_sees_nothing)
{
	take(S2MMU_RANK_INVALIDATE_LOCK);
	take(S2MMU_RANK_MMU_LOCK);
	drop(S2MMU_RANK_MMU_LOCK);
	drop(S2MMU_RANK_INVALIDATE_LOCK);
	ASSERT_EQ(0, inversions());
	ASSERT_EQ(0, reports);
	s2mmu_lockrank_enable();
	take(S2MMU_RANK_INVALIDATE_LOCK);
	expected = 1;
	take(S2MMU_RANK_MMU_LOCK);
	ASSERT_EQ(1, inversions());
}

TEST(every_documented_nesting_passes)
{
	static const enum s2mmu_lock_rank order[] = {
		S2MMU_RANK_VCPU_MUTEX, S2MMU_RANK_INFO_LOCK,
		S2MMU_RANK_SLOTS_LOCK, S2MMU_RANK_SRCU,
		S2MMU_RANK_EL2_DBG_LOCK, S2MMU_RANK_EL2_DBG_TABLE,
		S2MMU_RANK_MMU_LOCK, S2MMU_RANK_INVALIDATE_LOCK,
		S2MMU_RANK_EL2_WINDOW,
	};
	long long before = inversions();
	int i;

	s2mmu_lockrank_enable();
	for (i = 0; i < (int)ARRAY_SIZE(order); i++)
		take(order[i]);
	/* Released in any order, as the module's paths do. */
	for (i = 0; i < (int)ARRAY_SIZE(order); i++)
		drop(order[i]);
	/* A lock dropped and taken again (chunked unmaps) is no inversion. */
	take(S2MMU_RANK_SLOTS_LOCK);
	take(S2MMU_RANK_MMU_LOCK);
	drop(S2MMU_RANK_MMU_LOCK);
	take(S2MMU_RANK_MMU_LOCK);
	drop(S2MMU_RANK_MMU_LOCK);
	drop(S2MMU_RANK_SLOTS_LOCK);
	ASSERT_EQ(before, inversions());
}

TEST(spinning_inversion_is_reported)
{
	reported_once(S2MMU_RANK_INVALIDATE_LOCK, S2MMU_RANK_MMU_LOCK);
}

TEST(sleeping_inversion_is_reported)
{
	reported_once(S2MMU_RANK_SRCU, S2MMU_RANK_SLOTS_LOCK);
}

/* The per-CPU and the per-task masks are one order. */
TEST(sleeping_lock_under_spinning_one_is_reported)
{
	reported_once(S2MMU_RANK_MMU_LOCK, S2MMU_RANK_SRCU);
}

TEST(same_rank_twice_is_reported)
{
	long long before = inversions();

	reported_once(S2MMU_RANK_VCPU_MUTEX, S2MMU_RANK_VCPU_MUTEX);
	/* Everything released: the next nesting starts clean. */
	take(S2MMU_RANK_VCPU_MUTEX);
	drop(S2MMU_RANK_VCPU_MUTEX);
	ASSERT_EQ(before + 1, inversions());
}

/*
 * SRCU read sections nest (a fault's GUP running the MMU notifier), and
 * the rank stays held until the outer one ends.
 */
TEST(srcu_nests_and_stays_held_until_the_outer_section_ends)
{
	long long before = inversions();

	s2mmu_lockrank_enable();
	take(S2MMU_RANK_VCPU_MUTEX);
	take(S2MMU_RANK_SRCU);
	take(S2MMU_RANK_SRCU);		/* the notifier, inside GUP */
	take(S2MMU_RANK_MMU_LOCK);
	drop(S2MMU_RANK_MMU_LOCK);
	drop(S2MMU_RANK_SRCU);
	ASSERT_EQ(before, inversions());
	/* The fault's own section is still open. */
	take_reported(S2MMU_RANK_SLOTS_LOCK);
	drop(S2MMU_RANK_SLOTS_LOCK);
	drop(S2MMU_RANK_SRCU);
	take(S2MMU_RANK_SLOTS_LOCK);
	drop(S2MMU_RANK_SLOTS_LOCK);
	drop(S2MMU_RANK_VCPU_MUTEX);
	ASSERT_EQ(before + 1, inversions());
	/* Nesting under a higher rank is still an inversion. */
	take(S2MMU_RANK_SRCU);
	take(S2MMU_RANK_MMU_LOCK);
	take_reported(S2MMU_RANK_SRCU);
	drop(S2MMU_RANK_SRCU);
	drop(S2MMU_RANK_MMU_LOCK);
	drop(S2MMU_RANK_SRCU);
	ASSERT_EQ(before + 2, inversions());
}

/* GUP's mmap_lock is checked, never recorded. */
TEST(mmap_lock_under_mmu_lock_is_reported)
{
	long long before = inversions();

	s2mmu_lockrank_enable();
	take(S2MMU_RANK_MMU_LOCK);
	expected = 1;
	s2mmu_rank_check(S2MMU_RANK_MMAP_LOCK);
	ASSERT_EQ(0, expected);
	drop(S2MMU_RANK_MMU_LOCK);
	s2mmu_rank_check(S2MMU_RANK_MMAP_LOCK);
	ASSERT_EQ(before + 1, inversions());
}

static pthread_barrier_t hold_barrier;

/* Holds a high sleeping rank across the barrier, then lets go. */
static void *hold_srcu(void *arg)
{
	take(S2MMU_RANK_SRCU);
	pthread_barrier_wait(&hold_barrier);
	pthread_barrier_wait(&hold_barrier);
	drop(S2MMU_RANK_SRCU);
	return NULL;
}

/* Another task's locks are not this one's: no complaint. */
TEST(tasks_are_kept_apart)
{
	long long before = inversions();
	pthread_t t;

	s2mmu_lockrank_enable();
	ASSERT_EQ(0, pthread_barrier_init(&hold_barrier, NULL, 2));
	ASSERT_EQ(0, pthread_create(&t, NULL, hold_srcu, NULL));
	pthread_barrier_wait(&hold_barrier);
	take(S2MMU_RANK_VCPU_MUTEX);
	take(S2MMU_RANK_SLOTS_LOCK);
	drop(S2MMU_RANK_SLOTS_LOCK);
	drop(S2MMU_RANK_VCPU_MUTEX);
	pthread_barrier_wait(&hold_barrier);
	ASSERT_EQ(0, pthread_join(t, NULL));
	pthread_barrier_destroy(&hold_barrier);
	ASSERT_EQ(before, inversions());
}

#define MANY_THREADS	300	/* more than the table's 256 entries */

static void *take_and_drop(void *arg)
{
	take(S2MMU_RANK_SLOTS_LOCK);
	take(S2MMU_RANK_SRCU);
	drop(S2MMU_RANK_SRCU);
	drop(S2MMU_RANK_SLOTS_LOCK);
	return NULL;
}

/* Entries are given back: thousands of tasks, one after the other. */
TEST(table_entries_are_freed)
{
	long long untracked = atomic64_read(&s2mmu_lock_untracked);
	pthread_t t;
	int i;

	s2mmu_lockrank_enable();
	for (i = 0; i < 2000; i++) {
		ASSERT_EQ(0, pthread_create(&t, NULL, take_and_drop, NULL));
		ASSERT_EQ(0, pthread_join(t, NULL));
	}
	ASSERT_EQ(untracked, atomic64_read(&s2mmu_lock_untracked));
}

/* A full table leaves tasks unchecked, counted, and blocks nobody. */
TEST(full_table_counts_untracked)
{
	long long before = inversions();
	pthread_t t[MANY_THREADS];
	int i;

	s2mmu_lockrank_enable();
	ASSERT_EQ(0, pthread_barrier_init(&hold_barrier, NULL,
					  MANY_THREADS + 1));
	for (i = 0; i < MANY_THREADS; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, hold_srcu, NULL));
	pthread_barrier_wait(&hold_barrier);
	ASSERT_LE(MANY_THREADS - 256, atomic64_read(&s2mmu_lock_untracked));
	pthread_barrier_wait(&hold_barrier);
	for (i = 0; i < MANY_THREADS; i++)
		ASSERT_EQ(0, pthread_join(t[i], NULL));
	pthread_barrier_destroy(&hold_barrier);
	ASSERT_EQ(before, inversions());
	/* All given back: a new task is tracked again. */
	take(S2MMU_RANK_SRCU);
	take_reported(S2MMU_RANK_VCPU_MUTEX);
	drop(S2MMU_RANK_VCPU_MUTEX);
	drop(S2MMU_RANK_SRCU);
	ASSERT_EQ(before + 1, inversions());
}

/* What every hosted user of the checker gets: an inversion fails it. */
TEST(unexpected_inversion_fails_the_program)
{
	int status;
	pid_t pid;

	s2mmu_lockrank_enable();
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		take(S2MMU_RANK_MMU_LOCK);
		take(S2MMU_RANK_VCPU_MUTEX);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	ASSERT_EQ(SIGABRT, WTERMSIG(status));
}

TEST_HARNESS_MAIN
