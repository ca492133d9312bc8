// SPDX-License-Identifier: GPL-2.0
/*
 * The lock-rank checker: remembers, per task, the ranks of the locks it
 * holds (include/s2mmu_lockrank.h) and complains when a lock is taken
 * while a lock of the same or a higher rank is held.  On when the module
 * parameter lock_check is set at load (the VM test harness sets it); off,
 * the wrappers' static branch is a no-op and nothing here runs.
 *
 * Where the held ranks live, without allocating (the wrappers run in
 * atomic context, with interrupts masked for the EL2 window):
 *
 * - Spinning ranks (spinlocks, rwlocks, raw spinlocks) in a per-CPU mask.
 *   From the lock to the unlock the task cannot be preempted nor migrate,
 *   so while it holds one the CPU's mask is the task's own; and a task
 *   holding none runs where the mask is empty, since any task that left
 *   bits there still holds the CPU.  Ranks are recorded after the lock
 *   and dropped before the unlock, inside that window.
 * - Sleeping ranks (mutexes, rw_semaphores, the SRCU read side) in a
 *   fixed table of (task, mask) entries, since their holder may sleep
 *   and migrate.  A task claims an entry (cmpxchg on a free one) when it
 *   takes its first sleeping lock and frees it when it drops its last;
 *   only the owner writes its mask, so no lock guards the table.  The
 *   search starts at a hash of the task: a few probes in practice.  A
 *   full table leaves the task unchecked and is counted
 *   (s2mmu_lock_untracked), never blocks it.
 *
 * Interrupt context is not tracked: no lock of the module is taken there,
 * and a handler must not see the mask of the task it interrupted.
 *
 * The hosted build (selftests/hosted/lockrank_test.c) compiles this file
 * as it is; its stand-ins turn a complaint into a test failure.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#ifdef __KERNEL__
#include <linux/hash.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/printk.h>
#include <linux/sched.h>
#endif
#include "s2mmu_lockrank.h"

DEFINE_STATIC_KEY_FALSE(s2mmu_lock_check_key);

/* Locks taken out of order since load, and those the self-test caused. */
atomic64_t s2mmu_lock_inversions;
atomic64_t s2mmu_lock_inversions_provoked;
/* Sleeping locks taken by a task the full table could not record. */
atomic64_t s2mmu_lock_untracked;

#define S2MMU_RANK_TASKS_BITS	8
#define S2MMU_RANK_TASKS	BIT(S2MMU_RANK_TASKS_BITS)

/*
 * The one rank a task may hold more than once: SRCU read sections nest,
 * and do.  A fault holds one across GUP, and a write GUP that breaks a
 * copy-on-write runs the MMU notifier, which takes another.  Its depth
 * is counted per task, so that the rank stays held until the outer one
 * ends; a second nesting rank would need a depth of its own.
 */
#define S2MMU_RANK_NESTING	S2MMU_RANK_SRCU

/*
 * One task holding sleeping locks.  @task is claimed with cmpxchg and
 * released by its owner; @held and @nest_depth are written by the owner
 * only.
 */
struct s2mmu_rank_task {
	struct task_struct	*task;
	u64			held;
	unsigned int		nest_depth;
};

static struct s2mmu_rank_task s2mmu_rank_tasks[S2MMU_RANK_TASKS];
#ifdef __KERNEL__
static DEFINE_PER_CPU(u64, s2mmu_rank_spinning);
#else
/* Hosted: a thread is a CPU that never migrates. */
static __thread u64 s2mmu_rank_spinning;
#endif

static const char * const s2mmu_rank_names[S2MMU_RANK_MAX] = {
	[S2MMU_RANK_VCPU_MUTEX]		= "vcpu->mutex",
	[S2MMU_RANK_VM_LOCK]		= "vm->lock",
	[S2MMU_RANK_INFO_LOCK]		= "vm->info.lock",
	[S2MMU_RANK_SLOTS_LOCK]		= "vm->slots_lock",
	[S2MMU_RANK_SRCU]		= "vm->srcu",
	[S2MMU_RANK_VIEWS_LOCK]		= "vm->views_lock",
	[S2MMU_RANK_EL2_DBG_LOCK]	= "el2 dbg_lock",
	[S2MMU_RANK_EL2_DBG_TABLE]	= "el2 debug table lock",
	[S2MMU_RANK_MMAP_LOCK]		= "mmap_lock",
	[S2MMU_RANK_MMU_LOCK]		= "vm->mmu_lock",
	[S2MMU_RANK_INVALIDATE_LOCK]	= "vm->mmu_invalidate_lock",
	[S2MMU_RANK_EL2_WINDOW]		= "el2_window_lock",
};

const char *s2mmu_lockrank_name(unsigned int rank)
{
	if (rank >= S2MMU_RANK_MAX || !s2mmu_rank_names[rank])
		return "?";
	return s2mmu_rank_names[rank];
}

static bool s2mmu_rank_spins(enum s2mmu_lock_rank rank)
{
	return rank >= S2MMU_RANK_FIRST_ATOMIC;
}

static struct s2mmu_rank_task *s2mmu_rank_slot(unsigned int i)
{
	unsigned int h = hash_ptr(current, S2MMU_RANK_TASKS_BITS);

	return &s2mmu_rank_tasks[(h + i) % S2MMU_RANK_TASKS];
}

/* The current task's entry, or NULL when it holds no sleeping lock. */
static struct s2mmu_rank_task *s2mmu_rank_task_find(void)
{
	unsigned int i;

	/* Entries come and go behind it: no early stop at a free one. */
	for (i = 0; i < S2MMU_RANK_TASKS; i++) {
		struct s2mmu_rank_task *t = s2mmu_rank_slot(i);

		if (READ_ONCE(t->task) == current)
			return t;
	}
	return NULL;
}

static struct s2mmu_rank_task *s2mmu_rank_task_claim(void)
{
	unsigned int i;

	for (i = 0; i < S2MMU_RANK_TASKS; i++) {
		struct s2mmu_rank_task *t = s2mmu_rank_slot(i);

		if (!READ_ONCE(t->task) && !cmpxchg(&t->task, NULL, current))
			return t;
	}
	atomic64_inc(&s2mmu_lock_untracked);
	return NULL;
}

static void s2mmu_lockrank_complain(enum s2mmu_lock_rank rank, u64 held,
				    unsigned long ip)
{
	unsigned int top = s2mmu_rank_top(held);

	atomic64_inc(&s2mmu_lock_inversions);
	pr_warn_ratelimited("lock order: %s (rank %u) taken at %pS while %s (rank %u) is held\n",
			    s2mmu_lockrank_name(rank), rank, (void *)ip,
			    s2mmu_lockrank_name(top), top);
}

/**
 * s2mmu_lockrank_check() - complain if a lock of @rank comes out of order
 * @rank: the rank of the lock about to be taken
 * @ip: where it is taken, for the report
 *
 * Called before the lock is taken: an inversion that would deadlock is
 * reported before it hangs.
 */
void s2mmu_lockrank_check(enum s2mmu_lock_rank rank, unsigned long ip)
{
	struct s2mmu_rank_task *t;
	u64 held;

	if (!in_task())
		return;
	/* The per-CPU mask is ours only with preemption off (see above). */
	preempt_disable();
	t = s2mmu_rank_task_find();
	held = *this_cpu_ptr(&s2mmu_rank_spinning) | (t ? t->held : 0);
	preempt_enable();
	/* Nesting in itself is fine; under a higher rank it is not. */
	if (rank == S2MMU_RANK_NESTING)
		held &= ~BIT_ULL(rank);
	if (!s2mmu_rank_in_order(held, rank))
		s2mmu_lockrank_complain(rank, held, ip);
}

/*
 * A spinning rank is noted in this CPU's mask (its holder stays on the
 * CPU from lock to unlock): set there if @held, else cleared.  Return:
 * false for a sleeping rank, which the task's own entry notes instead.
 */
static bool s2mmu_rank_note_spinning(enum s2mmu_lock_rank rank, bool held)
{
	u64 *mask;

	if (!s2mmu_rank_spins(rank))
		return false;
	mask = this_cpu_ptr(&s2mmu_rank_spinning);
	if (held)
		*mask |= BIT_ULL(rank);
	else
		*mask &= ~BIT_ULL(rank);
	return true;
}

/**
 * s2mmu_lockrank_record() - note that the current task holds @rank
 * @rank: the rank of the lock just taken
 */
void s2mmu_lockrank_record(enum s2mmu_lock_rank rank)
{
	struct s2mmu_rank_task *t;

	if (!in_task() || s2mmu_rank_note_spinning(rank, true))
		return;
	t = s2mmu_rank_task_find();
	if (!t)
		t = s2mmu_rank_task_claim();
	if (!t)
		return;
	t->held |= BIT_ULL(rank);
	if (rank == S2MMU_RANK_NESTING)
		t->nest_depth++;
}

/**
 * s2mmu_lockrank_release() - note that the current task drops @rank
 * @rank: the rank of the lock about to be released
 */
void s2mmu_lockrank_release(enum s2mmu_lock_rank rank)
{
	struct s2mmu_rank_task *t;

	if (!in_task() || s2mmu_rank_note_spinning(rank, false))
		return;
	t = s2mmu_rank_task_find();
	if (!t)
		return;
	if (rank == S2MMU_RANK_NESTING && t->nest_depth && --t->nest_depth)
		return;		/* an outer section still holds it */
	t->held &= ~BIT_ULL(rank);
	if (t->held)
		return;
	/* Release: the next owner must find the mask empty. */
	smp_store_release(&t->task, NULL);
}

/* Turns the checker on; only at load, before any lock is held. */
void s2mmu_lockrank_enable(void)
{
	static_branch_enable(&s2mmu_lock_check_key);
}

#ifdef __KERNEL__
static bool lock_check;
module_param(lock_check, bool, 0444);
MODULE_PARM_DESC(lock_check, "check the lock ranks of Documentation/locking.rst (default off)");

/* The self-test's own locks, ranked like real ones, taken by nobody else. */
static DEFINE_SPINLOCK(s2mmu_selftest_inner);
static DEFINE_SPINLOCK(s2mmu_selftest_outer);
static DEFINE_MUTEX(s2mmu_selftest_srcu_like);
static DEFINE_MUTEX(s2mmu_selftest_slots_like);

/* Two inversions (one per class of lock) and one correct nesting. */
static void s2mmu_lockrank_provoke(void)
{
	s2mmu_spin_lock(&s2mmu_selftest_inner, S2MMU_RANK_INVALIDATE_LOCK);
	s2mmu_spin_lock(&s2mmu_selftest_outer, S2MMU_RANK_MMU_LOCK);
	s2mmu_spin_unlock(&s2mmu_selftest_outer, S2MMU_RANK_MMU_LOCK);
	s2mmu_spin_unlock(&s2mmu_selftest_inner, S2MMU_RANK_INVALIDATE_LOCK);

	s2mmu_mutex_lock(&s2mmu_selftest_srcu_like, S2MMU_RANK_SRCU);
	s2mmu_mutex_lock(&s2mmu_selftest_slots_like, S2MMU_RANK_SLOTS_LOCK);
	s2mmu_mutex_unlock(&s2mmu_selftest_slots_like, S2MMU_RANK_SLOTS_LOCK);
	s2mmu_mutex_unlock(&s2mmu_selftest_srcu_like, S2MMU_RANK_SRCU);

	s2mmu_mutex_lock(&s2mmu_selftest_slots_like, S2MMU_RANK_SLOTS_LOCK);
	s2mmu_spin_lock(&s2mmu_selftest_outer, S2MMU_RANK_MMU_LOCK);
	s2mmu_spin_lock(&s2mmu_selftest_inner, S2MMU_RANK_INVALIDATE_LOCK);
	s2mmu_spin_unlock(&s2mmu_selftest_inner, S2MMU_RANK_INVALIDATE_LOCK);
	s2mmu_spin_unlock(&s2mmu_selftest_outer, S2MMU_RANK_MMU_LOCK);
	s2mmu_mutex_unlock(&s2mmu_selftest_slots_like, S2MMU_RANK_SLOTS_LOCK);
}

/**
 * s2mmu_lockrank_selftest() - take locks out of order on purpose
 *
 * Counts what it provoked in s2mmu_lock_inversions_provoked only when the
 * checker saw exactly that, so that inversions minus provoked ones is
 * what the real code did.
 *
 * Return: 0; -ENODEV when the checker is off; -EIO when it did not see
 * exactly the two inversions.
 */
int s2mmu_lockrank_selftest(void)
{
	s64 before, seen;

	if (!static_branch_unlikely(&s2mmu_lock_check_key))
		return -ENODEV;
	before = atomic64_read(&s2mmu_lock_inversions);
	s2mmu_lockrank_provoke();
	seen = atomic64_read(&s2mmu_lock_inversions) - before;
	if (seen != 2)
		return -EIO;
	atomic64_add(seen, &s2mmu_lock_inversions_provoked);
	return 0;
}

static int s2mmu_lockrank_selftest_set(const char *val,
				       const struct kernel_param *kp)
{
	bool run;
	int ret = kstrtobool(val, &run);

	if (ret)
		return ret;
	return run ? s2mmu_lockrank_selftest() : 0;
}

static const struct kernel_param_ops s2mmu_lockrank_selftest_ops = {
	.set = s2mmu_lockrank_selftest_set,
};

/* Writing 1 provokes the inversions; the write fails if unseen. */
module_param_cb(lock_check_selftest, &s2mmu_lockrank_selftest_ops, NULL,
		0200);
MODULE_PARM_DESC(lock_check_selftest, "write 1: take locks out of order on purpose and check the checker saw it");

/* At load: the parameter decides once, before any lock is held. */
void s2mmu_lockrank_init(void)
{
	if (lock_check)
		s2mmu_lockrank_enable();
}
#endif /* __KERNEL__ */
