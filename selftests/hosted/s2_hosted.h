/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hosted backend of the engine: page allocator, reference counts, deferred
 * frees with a grace period, and TLB callbacks that log what they are asked
 * to invalidate.  Shared by the tests, the fuzzer and the benchmarks.
 */
#ifndef S2_HOSTED_H
#define S2_HOSTED_H

#include <pthread.h>

#include "s2_pgtable.h"

extern const struct s2_mm_ops s2h_mm_ops;
/* With FEAT_TLBIRANGE, and without. */
extern const struct s2_tlb_ops s2h_tlb_range;
extern const struct s2_tlb_ops s2h_tlb_ipa;

enum s2h_tlbi_kind {
	S2H_TLBI_IPA,
	S2H_TLBI_RANGE,
	S2H_TLBI_VMID,
	S2H_TLBI_LOCAL,
};

struct s2h_tlbi {
	enum s2h_tlbi_kind	kind;
	u64			ipa;
	u64			size;
	int			level;
};

#define S2H_LOG_SIZE	1024

/*
 * The VM's MMU lock, hosted: a pthread rwlock that also knows its writer
 * and, per thread, its readers, so that the engine's lock hook
 * (&s2_pgtable.assert_locked) can check what the caller holds, as lockdep
 * does in a kernel that has it.  A violation aborts.  Writers are
 * preferred, as the kernel's write_lock() stops new readers.
 */
struct s2h_rwlock {
	pthread_rwlock_t	rw;
	const void		*writer;	/* the owner's token, or NULL */
	int			readers;
};

void s2h_rwlock_init(struct s2h_rwlock *l);
void s2h_read_lock(struct s2h_rwlock *l);
void s2h_read_unlock(struct s2h_rwlock *l);
void s2h_write_lock(struct s2h_rwlock *l);
void s2h_write_unlock(struct s2h_rwlock *l);
/* Abort unless this thread holds @l for write, or (!@exclusive) read. */
void s2h_rwlock_assert_held(struct s2h_rwlock *l, bool exclusive);

/*
 * One VM of the tests: the table, its lock, a memcache and the TLB call
 * log.  The table's lock hook checks @lock: callers hold it as the
 * kernel's callers hold the VM's MMU lock.
 */
struct s2h_vm {
	struct s2_pgtable	pgt;
	struct s2h_rwlock	lock;
	struct s2_memcache	mc;
	u64			nr_log;
	struct s2h_tlbi		log[S2H_LOG_SIZE];
};

/* Reserve the page arena (idempotent; @pages is the maximum ever live). */
void s2h_init(unsigned long pages);

int s2h_vm_init(struct s2h_vm *vm, u32 ia_bits, bool range_capable);
/* Takes the write side of @vm->lock: the caller must not hold it. */
void s2h_vm_destroy(struct s2h_vm *vm);
int s2h_topup(struct s2h_vm *vm, int pages);
/* The @i-th most recent TLB call (0 = last). */
const struct s2h_tlbi *s2h_tlbi_last(const struct s2h_vm *vm, unsigned int i);

/*
 * The hosted grace period: frees every page passed to free_page_deferred.
 * Call it only where no shared walker can run (single-threaded, or with
 * the VM lock held for write); it checks that no read-side section is
 * open.
 */
void s2h_grace_period(void);

/* s2_stats_read() as a value, for tests that look at one counter. */
struct s2_stats s2h_stats(const struct s2_pgtable *pgt);

long s2h_pages_in_use(void);
long s2h_pages_deferred(void);
int s2h_page_refcount(void *page);

/* Counts of a structural check of the whole table. */
struct s2h_shape {
	long	tables;
	long	leaves[S2_MAX_LEVEL + 1];
};

/*
 * Check the structural invariants: every table page is live, referenced
 * once, holds 1 + (valid entries) references, is not empty; no locked
 * entry; blocks only at levels 1-2 and aligned; table_pages is exact.
 * Returns NULL or a description of the first violation.
 */
const char *s2h_check(struct s2_pgtable *pgt, struct s2h_shape *shape);

/* Translate @ipa as the hardware would: the output PA and leaf, or -1. */
s64 s2h_translate(struct s2_pgtable *pgt, u64 ipa, s2_pte_t *leaf,
		  s8 *level);

#endif /* S2_HOSTED_H */
