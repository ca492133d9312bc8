/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lock ranks: the one place where the nesting order of the module's locks
 * is written in code (Documentation/locking.rst, "Lock ranks", says why
 * each lock sits where it does).  A lock may only be taken while every
 * lock the task already holds has a lower rank.  Every lock and unlock of
 * the module goes through the wrappers at the end of this file, which
 * tell the checker (lockrank.c) when the module parameter lock_check is
 * set, and cost a patched-out branch when it is not.
 *
 * Ranks are bit numbers of a u64 mask of held ranks (1..63).  Sleeping
 * locks (mutexes, rw_semaphores, the SRCU read side, mmap_lock) all rank
 * below S2MMU_RANK_FIRST_ATOMIC and spinning ones (spinlocks, rwlocks,
 * raw spinlocks) at or above it: a sleeping lock can never be taken under
 * a spinning one, so the two classes never interleave, and the checker
 * keeps them in different places (lockrank.c says why).
 *
 * Gaps are left on purpose for locks other branches add: see the
 * reserved ranges below.
 */
#ifndef S2MMU_LOCKRANK_H
#define S2MMU_LOCKRANK_H

#ifdef __KERNEL__
#include <linux/atomic.h>
#include <linux/jump_label.h>
#include <linux/mmap_lock.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#else
#include "lockrank_compat.h"
#endif

/**
 * enum s2mmu_lock_rank - where each lock of the module nests
 * @S2MMU_RANK_NONE: not a rank (0 is never held)
 * @S2MMU_RANK_VCPU_MUTEX: &s2mmu_vcpu.mutex, around a vCPU ioctl or RUN
 * @S2MMU_RANK_VM_LOCK: &s2mmu_vm.lock, around vCPU creation
 * @S2MMU_RANK_INFO_LOCK: &s2mmu_info.lock, writers of the info page; the
 *	counters it copies are read under it (SRCU, the EL2 debug lock)
 * @S2MMU_RANK_SLOTS_LOCK: &s2mmu_vm.slots_lock, around slot and info-page
 *	changes and the dirty-log ioctls
 * @S2MMU_RANK_SRCU: the read side of &s2mmu_vm.srcu (the slot array)
 * @S2MMU_RANK_VIEWS_LOCK: &s2mmu_vm.views_lock, around view creation and
 *	destruction and the ioctls that name a view; view tables have no
 *	lock of their own: view 0's mmu_lock covers them (views.rst)
 * @S2MMU_RANK_EL2_DBG_LOCK: &s2mmu_el2_vm.dbg_lock (finds the debug table)
 * @S2MMU_RANK_EL2_DBG_TABLE: &s2mmu_el2_dbg.lock (the debug table)
 * @S2MMU_RANK_MMAP_LOCK: the VMM's mmap_lock, taken by GUP; never taken
 *	by the module itself, only checked before GUP
 * @S2MMU_RANK_FIRST_ATOMIC: the first rank of a spinning lock
 * @S2MMU_RANK_MMU_LOCK: &s2mmu_vm.mmu_lock, the stage-2 table (view 0)
 * @S2MMU_RANK_INVALIDATE_LOCK: &s2mmu_vm.mmu_invalidate_lock
 * @S2MMU_RANK_EL2_WINDOW: el2_window_lock (el2.c), the innermost lock
 * @S2MMU_RANK_MAX: one past the highest rank
 *
 * Reserved, unused here: 13-19 for a sleeping lock of mem_access beside
 * the slots lock; 21 and 23-27 beside the views' list lock; 41-47
 * for table locks of views, should they ever need their own (they do not:
 * views.rst); 48-51 for a
 * spinning lock of mem_access taken under mmu_lock.
 */
enum s2mmu_lock_rank {
	S2MMU_RANK_NONE			= 0,
	S2MMU_RANK_VCPU_MUTEX		= 4,
	S2MMU_RANK_VM_LOCK		= 8,
	S2MMU_RANK_INFO_LOCK		= 10,
	S2MMU_RANK_SLOTS_LOCK		= 12,
	S2MMU_RANK_SRCU			= 20,
	S2MMU_RANK_VIEWS_LOCK		= 22,
	S2MMU_RANK_EL2_DBG_LOCK		= 28,
	S2MMU_RANK_EL2_DBG_TABLE	= 32,
	S2MMU_RANK_MMAP_LOCK		= 36,
	S2MMU_RANK_FIRST_ATOMIC		= 40,
	S2MMU_RANK_MMU_LOCK		= 40,
	S2MMU_RANK_INVALIDATE_LOCK	= 52,
	S2MMU_RANK_EL2_WINDOW		= 60,
	S2MMU_RANK_MAX			= 64,
};

/*
 * The rule the checker enforces, on a mask of held ranks: nothing held
 * ranks at or above @rank (the same rank twice is refused too: two locks
 * of one rank have no order between them).  The one exception, SRCU read
 * sections nesting in themselves, is made by the checker (lockrank.c).
 */
static inline bool s2mmu_rank_in_order(u64 held, unsigned int rank)
{
	return !(held >> rank);
}

/* The highest rank in @held (non-zero), for reports. */
static inline unsigned int s2mmu_rank_top(u64 held)
{
	return 63 - __builtin_clzll(held);
}

DECLARE_STATIC_KEY_FALSE(s2mmu_lock_check_key);
extern atomic64_t s2mmu_lock_inversions;
extern atomic64_t s2mmu_lock_inversions_provoked;
extern atomic64_t s2mmu_lock_untracked;

void s2mmu_lockrank_check(enum s2mmu_lock_rank rank, unsigned long ip);
void s2mmu_lockrank_record(enum s2mmu_lock_rank rank);
void s2mmu_lockrank_release(enum s2mmu_lock_rank rank);
const char *s2mmu_lockrank_name(unsigned int rank);
void s2mmu_lockrank_enable(void);
int s2mmu_lockrank_selftest(void);
void s2mmu_lockrank_init(void);

/* Before taking a lock of @rank: complain if it comes out of order. */
#define s2mmu_rank_check(rank) do {					\
	if (static_branch_unlikely(&s2mmu_lock_check_key))		\
		s2mmu_lockrank_check(rank, _THIS_IP_);			\
} while (0)

/* Once the lock is held (a trylock too: it cannot deadlock, but counts). */
static __always_inline void s2mmu_rank_record(enum s2mmu_lock_rank rank)
{
	if (static_branch_unlikely(&s2mmu_lock_check_key))
		s2mmu_lockrank_record(rank);
}

/*
 * Before the unlock: a spinning lock's rank is kept per CPU, which is
 * only this task's while the lock still keeps preemption off.
 */
static __always_inline void s2mmu_rank_release(enum s2mmu_lock_rank rank)
{
	if (static_branch_unlikely(&s2mmu_lock_check_key))
		s2mmu_lockrank_release(rank);
}

#ifdef __KERNEL__
/* ---- ranked wrappers: the only way the module takes a lock ---- */

static inline void s2mmu_mutex_lock(struct mutex *m, enum s2mmu_lock_rank r)
{
	s2mmu_rank_check(r);
	mutex_lock(m);
	s2mmu_rank_record(r);
}

static inline int s2mmu_mutex_lock_killable(struct mutex *m,
					    enum s2mmu_lock_rank r)
{
	s2mmu_rank_check(r);
	if (mutex_lock_killable(m))
		return -EINTR;
	s2mmu_rank_record(r);
	return 0;
}

static inline bool s2mmu_mutex_trylock(struct mutex *m, enum s2mmu_lock_rank r)
{
	if (!mutex_trylock(m))
		return false;
	s2mmu_rank_record(r);
	return true;
}

static inline void s2mmu_mutex_unlock(struct mutex *m, enum s2mmu_lock_rank r)
{
	s2mmu_rank_release(r);
	mutex_unlock(m);
}

static inline void s2mmu_read_lock(rwlock_t *l, enum s2mmu_lock_rank r)
	__acquires(l)
{
	s2mmu_rank_check(r);
	read_lock(l);
	s2mmu_rank_record(r);
}

static inline void s2mmu_read_unlock(rwlock_t *l, enum s2mmu_lock_rank r)
	__releases(l)
{
	s2mmu_rank_release(r);
	read_unlock(l);
}

static inline void s2mmu_write_lock(rwlock_t *l, enum s2mmu_lock_rank r)
	__acquires(l)
{
	s2mmu_rank_check(r);
	write_lock(l);
	s2mmu_rank_record(r);
}

static inline void s2mmu_write_unlock(rwlock_t *l, enum s2mmu_lock_rank r)
	__releases(l)
{
	s2mmu_rank_release(r);
	write_unlock(l);
}

static inline void s2mmu_spin_lock(spinlock_t *l, enum s2mmu_lock_rank r)
	__acquires(l)
{
	s2mmu_rank_check(r);
	spin_lock(l);
	s2mmu_rank_record(r);
}

static inline void s2mmu_spin_unlock(spinlock_t *l, enum s2mmu_lock_rank r)
	__releases(l)
{
	s2mmu_rank_release(r);
	spin_unlock(l);
}

static inline void s2mmu_raw_spin_lock(raw_spinlock_t *l,
				       enum s2mmu_lock_rank r)
	__acquires(l)
{
	s2mmu_rank_check(r);
	raw_spin_lock(l);
	s2mmu_rank_record(r);
}

static inline void s2mmu_raw_spin_unlock(raw_spinlock_t *l,
					 enum s2mmu_lock_rank r)
	__releases(l)
{
	s2mmu_rank_release(r);
	raw_spin_unlock(l);
}

static inline void s2mmu_down_read(struct rw_semaphore *s,
				   enum s2mmu_lock_rank r)
{
	s2mmu_rank_check(r);
	down_read(s);
	s2mmu_rank_record(r);
}

static inline void s2mmu_up_read(struct rw_semaphore *s,
				 enum s2mmu_lock_rank r)
{
	s2mmu_rank_release(r);
	up_read(s);
}

static inline void s2mmu_down_write(struct rw_semaphore *s,
				    enum s2mmu_lock_rank r)
{
	s2mmu_rank_check(r);
	down_write(s);
	s2mmu_rank_record(r);
}

static inline void s2mmu_up_write(struct rw_semaphore *s,
				  enum s2mmu_lock_rank r)
{
	s2mmu_rank_release(r);
	up_write(s);
}

/* The SRCU read side ranks as a lock: synchronize_srcu() waits on it. */
static inline int s2mmu_srcu_read_lock(struct srcu_struct *ssp)
	__acquires(ssp)
{
	int idx;

	s2mmu_rank_check(S2MMU_RANK_SRCU);
	idx = srcu_read_lock(ssp);
	s2mmu_rank_record(S2MMU_RANK_SRCU);
	return idx;
}

static inline void s2mmu_srcu_read_unlock(struct srcu_struct *ssp, int idx)
	__releases(ssp)
{
	s2mmu_rank_release(S2MMU_RANK_SRCU);
	srcu_read_unlock(ssp, idx);
}

/* GUP may take mmap_lock: check the order without recording anything. */
#define s2mmu_rank_might_take_mmap_lock() s2mmu_rank_check(S2MMU_RANK_MMAP_LOCK)

/*
 * mmap_lock taken by the module itself is checked the same way and not
 * recorded either: the MMU notifier runs under it and opens an SRCU read
 * section, which waits for nothing and so cannot deadlock against it.
 */
static inline void s2mmu_mmap_read_lock(struct mm_struct *mm)
{
	s2mmu_rank_might_take_mmap_lock();
	mmap_read_lock(mm);
}

static inline void s2mmu_mmap_read_unlock(struct mm_struct *mm)
{
	mmap_read_unlock(mm);
}
#endif /* __KERNEL__ */

#endif /* S2MMU_LOCKRANK_H */
