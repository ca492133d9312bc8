// SPDX-License-Identifier: GPL-2.0
/*
 * s2mmu invalidate-sequence protocol and MMU notifier: how a change to
 * guest memory (a host page-table change seen by the notifier, a slot
 * change) makes every fault that raced with it start over, and the
 * notifier callbacks that unmap and age stage-2 mappings.
 *
 * The state (vm->mmu_invalidate_*) is written under mmu_invalidate_lock
 * and its seqcount, and read by faults through the seqcount alone.  The
 * write side moves the sequence and logs the host range of each change;
 * the notifier's begin/end bracket the changes in progress; the read side
 * (s2mmu_invalidate_stale()) is where a fault decides whether it raced,
 * with the argument that it misses no race.  Lock order and what each
 * lock protects: Documentation/locking.rst.
 */
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/seqlock.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/wait.h>

#include <uapi/linux/s2mmu.h>
#include "s2_pgtable.h"
#include "s2mmu.h"
#include "s2mmu_vm.h"
#include "s2mmu_lockrank.h"

/* ---- write side ---- */

static void s2mmu_invalidate_write_begin(struct s2mmu_vm *vm)
	__acquires(&vm->mmu_invalidate_lock)
{
	s2mmu_spin_lock(&vm->mmu_invalidate_lock, S2MMU_RANK_INVALIDATE_LOCK);
	write_seqcount_begin(&vm->mmu_invalidate_seqcount);
}

static void s2mmu_invalidate_write_end(struct s2mmu_vm *vm)
	__releases(&vm->mmu_invalidate_lock)
{
	write_seqcount_end(&vm->mmu_invalidate_seqcount);
	s2mmu_spin_unlock(&vm->mmu_invalidate_lock, S2MMU_RANK_INVALIDATE_LOCK);
}

/*
 * Move the sequence for a change of host [@start, @end) and log it.  The
 * release pairs with the fault's sample: whatever changed before (host
 * page tables, published slots) is seen by a fault that sees the value.
 */
static void s2mmu_invalidate_log_move(struct s2mmu_vm *vm, unsigned long start,
				      unsigned long end)
{
	struct s2mmu_hva_range *r;
	unsigned long seq;

	lockdep_assert_held(&vm->mmu_invalidate_lock);
	seq = vm->mmu_invalidate_seq + 1;
	r = &vm->mmu_invalidate_log[seq % S2MMU_INVALIDATE_LOG];
	r->start = start;
	r->end = end;
	smp_store_release(&vm->mmu_invalidate_seq, seq);	/* pairs with the sample */
}

/*
 * Make every fault that sampled the sequence before this point start
 * over, whatever its address: a slot changed (deleted, moved, its flags)
 * in IPA terms, so the change is logged as covering every host address.
 */
void s2mmu_invalidate_seq_bump(struct s2mmu_vm *vm)
{
	lockdep_assert_held_write(&vm->mmu_lock);
	s2mmu_invalidate_write_begin(vm);
	s2mmu_invalidate_log_move(vm, 0, ULONG_MAX);
	s2mmu_invalidate_write_end(vm);
}

/*
 * An invalidation of host [@start, @end) begins: faults on that range
 * must not map what they resolve until it ends.
 */
static void s2mmu_invalidate_begin(struct s2mmu_vm *vm, unsigned long start,
				   unsigned long end)
{
	struct s2mmu_hva_range *more = &vm->mmu_invalidate_busy_more;
	int i;

	s2mmu_invalidate_write_begin(vm);
	vm->mmu_invalidate_in_progress++;
	for (i = 0; i < S2MMU_INVALIDATE_BUSY; i++) {
		struct s2mmu_hva_range *r = &vm->mmu_invalidate_busy[i];

		if (!r->end) {
			r->start = start;
			r->end = end;
			goto out;
		}
	}
	if (!vm->mmu_invalidate_busy_more_nr++) {
		more->start = start;
		more->end = end;
	} else {
		more->start = min(more->start, start);
		more->end = max(more->end, end);
	}
out:
	s2mmu_invalidate_write_end(vm);
}

/* Forget the range of an invalidation in progress that ends. */
static void s2mmu_invalidate_forget(struct s2mmu_vm *vm, unsigned long start,
				    unsigned long end)
{
	int i;

	lockdep_assert_held(&vm->mmu_invalidate_lock);
	/* Two in progress with one range: forgetting either is the same. */
	for (i = 0; i < S2MMU_INVALIDATE_BUSY; i++) {
		struct s2mmu_hva_range *r = &vm->mmu_invalidate_busy[i];

		if (r->start == start && r->end == end) {
			r->start = 0;
			r->end = 0;
			return;
		}
	}
	if (!WARN_ON_ONCE(!vm->mmu_invalidate_busy_more_nr) &&
	    !--vm->mmu_invalidate_busy_more_nr)
		vm->mmu_invalidate_busy_more.end = 0;
}

/*
 * The host has changed its page tables in [@start, @end): a fault that
 * resolved its page there before now must not map it.  The sequence
 * moves, logged with the range, so that only such faults start over.
 */
static void s2mmu_invalidate_end(struct s2mmu_vm *vm, unsigned long start,
				 unsigned long end)
{
	s2mmu_invalidate_write_begin(vm);
	s2mmu_invalidate_log_move(vm, start, end);
	s2mmu_invalidate_forget(vm, start, end);
	WARN_ON_ONCE(--vm->mmu_invalidate_in_progress < 0);
	s2mmu_invalidate_write_end(vm);
	/* Faults waiting for this range; the barrier pairs with their wait. */
	if (wq_has_sleeper(&vm->mmu_invalidate_wq))
		wake_up_all(&vm->mmu_invalidate_wq);
}

/* ---- read side: the fault ---- */

/*
 * Step 1 of a fault: the invalidation state it starts from.  The
 * acquire pairs with s2mmu_invalidate_log_move(): the slot and page
 * lookups that follow see every change the value accounts for.
 */
unsigned long s2mmu_sample_invalidate_seq(struct s2mmu_vm *vm)
{
	return smp_load_acquire(&vm->mmu_invalidate_seq);	/* pairs with the log move */
}

static bool s2mmu_hva_overlap(unsigned long start, unsigned long end,
			      unsigned long r_start, unsigned long r_end)
{
	return start < r_end && r_start < end;
}

/*
 * Does an invalidation in progress cover part of host [@start, @end)?
 * Inside a read section of mmu_invalidate_seqcount.
 */
static bool s2mmu_hva_busy_read(struct s2mmu_vm *vm, unsigned long start,
				unsigned long end)
{
	const struct s2mmu_hva_range *more = &vm->mmu_invalidate_busy_more;
	int i;

	for (i = 0; i < S2MMU_INVALIDATE_BUSY; i++) {
		const struct s2mmu_hva_range *r = &vm->mmu_invalidate_busy[i];

		if (s2mmu_hva_overlap(start, end, r->start, r->end))
			return true;
	}
	return s2mmu_hva_overlap(start, end, more->start, more->end);
}

bool s2mmu_hva_busy(struct s2mmu_vm *vm, unsigned long start,
		    unsigned long end)
{
	unsigned int sc;
	bool busy;

	do {
		sc = read_seqcount_begin(&vm->mmu_invalidate_seqcount);
		busy = s2mmu_hva_busy_read(vm, start, end);
	} while (read_seqcount_retry(&vm->mmu_invalidate_seqcount, sc));
	return busy;
}

/*
 * Did a change logged since the fault sampled @seq cover part of host
 * [@start, @end)?  Beyond the log's depth the answer is "maybe": yes.
 * Inside a read section of mmu_invalidate_seqcount.
 */
static bool s2mmu_hva_changed_read(struct s2mmu_vm *vm, unsigned long seq,
				   unsigned long start, unsigned long end)
{
	unsigned long moves = vm->mmu_invalidate_seq - seq;
	const struct s2mmu_hva_range *r;

	if (moves > S2MMU_INVALIDATE_LOG)
		return true;
	while (moves--) {
		r = &vm->mmu_invalidate_log[++seq % S2MMU_INVALIDATE_LOG];
		if (s2mmu_hva_overlap(start, end, r->start, r->end))
			return true;
	}
	return false;
}

/*
 * May a fault that sampled @seq still map what it resolved for host
 * [@start, @end)?  Not while an invalidation in progress covers part of
 * it (@busy set), nor when a change that covers part of it moved the
 * sequence since the sample.  Called under mmu_lock.
 *
 * Why no race is missed.  Let I be an invalidation of the fault's host
 * range, and S the fault's sample (s2mmu_sample_invalidate_seq()).
 * - I is in progress at this check, whenever it started: its busy range
 *   (recorded by s2mmu_invalidate_begin()) overlaps.
 * - I ended after S, whenever it started: s2mmu_invalidate_end() moved
 *   the sequence past S and logged I's range, which overlaps; or the log
 *   overflowed, which counts as a change.
 * - I ended before S: the host's page-table changes precede I's release
 *   of the sequence, which the fault's acquire of S saw, and which
 *   precedes its page lookup: the fault pinned the new page.
 * - I begins after this check: the check runs under mmu_lock (read), I
 *   unmaps under mmu_lock (write) afterwards, removing what the fault
 *   mapped, and the pin the fault recorded is released with it.
 * - The fault's slot is one I did not see (created or moved after I's
 *   slot scan): I recorded its range before the scan, the fault looked
 *   the slot up after it, so this check finds I busy, or logged.
 * A slot change moves the sequence under mmu_lock (write) after it
 * published the new slots and unmapped (s2mmu_invalidate_seq_bump()): a
 * fault that sampled before sees the whole-range log entry; one that
 * samples after sees the new slots (the release and the acquire order
 * the publication before the new value).
 */
bool s2mmu_invalidate_stale(struct s2mmu_vm *vm, unsigned long seq,
			    unsigned long start, unsigned long end,
			    bool *busy)
{
	unsigned int sc;
	bool stale;

	lockdep_assert_held(&vm->mmu_lock);
	do {
		sc = read_seqcount_begin(&vm->mmu_invalidate_seqcount);
		*busy = s2mmu_hva_busy_read(vm, start, end);
		stale = *busy || s2mmu_hva_changed_read(vm, seq, start, end);
	} while (read_seqcount_retry(&vm->mmu_invalidate_seqcount, sc));
	return stale;
}

/* ---- the MMU notifier ---- */

static struct s2mmu_vm *s2mmu_mn_vm(struct mmu_notifier *mn)
{
	return container_of(mn, struct s2mmu_vm, mmu_notifier);
}

/* The IPA range of @slot that host [@start, @end) backs, if any. */
static bool s2mmu_slot_hva_range(const struct s2mmu_memslot *slot,
				 unsigned long start, unsigned long end,
				 u64 *ipa, u64 *size)
{
	unsigned long s_start = slot->userspace_addr;
	unsigned long s_end = s_start + (slot->npages << PAGE_SHIFT);

	start = max(round_down(start, PAGE_SIZE), s_start);
	end = min(round_up(end, PAGE_SIZE), s_end);
	if (start >= end)
		return false;
	*ipa = s2mmu_slot_base(slot) + (start - s_start);
	*size = end - start;
	return true;
}

/* The host range an MMU-notifier callback covers, in whole pages. */
static void s2mmu_mn_hva_range(const struct mmu_notifier_range *range,
			       unsigned long *start, unsigned long *end)
{
	*start = round_down(range->start, PAGE_SIZE);
	*end = max(round_up(range->end, PAGE_SIZE), *start + PAGE_SIZE);
}

/*
 * The host is about to change the page tables of [start, end): the pages
 * stage 2 maps there may be freed, moved or write-protected.  Unmap them
 * (and drop their pins) before it does.  Faults on that range retry until
 * the matching _end(): one that pinned the old page must not map it
 * afterwards.  Faults elsewhere carry on.
 */
static int s2mmu_mn_invalidate_range_start(struct mmu_notifier *mn,
					   const struct mmu_notifier_range *range)
{
	struct s2mmu_vm *vm = s2mmu_mn_vm(mn);
	bool blockable = mmu_notifier_range_blockable(range);
	struct s2mmu_memslots *slots;
	unsigned long start, end;
	bool hit = false;
	u64 ipa, size;
	int i, idx;

	/*
	 * Recorded before the slots are looked at, whether a slot uses the
	 * range or not: a fault on a slot this scan does not see yet
	 * (published after it) checks the record after its own slot lookup,
	 * so it finds the range and retries.
	 */
	s2mmu_mn_hva_range(range, &start, &end);
	s2mmu_invalidate_begin(vm, start, end);

	idx = s2mmu_srcu_read_lock(&vm->srcu);
	slots = srcu_dereference(vm->slots, &vm->srcu);
	for (i = 0; i < slots->nr && !hit; i++)
		hit = s2mmu_slot_hva_range(slots->slot[i], range->start,
					   range->end, &ipa, &size);
	/* Host memory no slot uses (the VMM's own): nothing to lock. */
	if (hit) {
		s2mmu_write_lock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
		for (i = 0; i < slots->nr; i++) {
			if (!s2mmu_slot_hva_range(slots->slot[i], range->start,
						  range->end, &ipa, &size))
				continue;
			s2mmu_slot_zap(vm, slots->slot[i], ipa, size,
				       blockable);
		}
		s2mmu_write_unlock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	}
	s2mmu_srcu_read_unlock(&vm->srcu, idx);
	if (hit)
		atomic64_inc(s2mmu_vm_stat(vm, notifier_invalidations));
	return 0;
}

static void s2mmu_mn_invalidate_range_end(struct mmu_notifier *mn,
					  const struct mmu_notifier_range *range)
{
	unsigned long start, end;

	s2mmu_mn_hva_range(range, &start, &end);
	s2mmu_invalidate_end(s2mmu_mn_vm(mn), start, end);
}

/*
 * Reclaim asks whether the guest used the pages of [start, end): report
 * the stage-2 access flags found set, in view 0 and in every view,
 * clearing them when @clear so that the next guest access faults and
 * sets them again.  The engine updates
 * them with compare-and-exchange: the read side of mmu_lock suffices.
 */
static u64 s2mmu_mn_age(struct s2mmu_vm *vm, unsigned long start,
			unsigned long end, bool clear)
{
	struct s2mmu_memslots *slots;
	u64 ipa, size, young = 0;
	int i, idx;

	idx = s2mmu_srcu_read_lock(&vm->srcu);
	slots = srcu_dereference(vm->slots, &vm->srcu);
	for (i = 0; i < slots->nr; i++) {
		if (!s2mmu_slot_hva_range(slots->slot[i], start, end, &ipa,
					  &size))
			continue;
		s2mmu_read_lock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
		young += s2_test_clear_young(&vm->pgt, ipa, size, clear);
		young += s2mmu_views_age(vm, ipa, size, clear);
		s2mmu_read_unlock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	}
	s2mmu_srcu_read_unlock(&vm->srcu, idx);
	atomic64_add(young, s2mmu_vm_stat(vm, young_found));
	return young;
}

static int s2mmu_mn_clear_flush_young(struct mmu_notifier *mn,
				      struct mm_struct *mm,
				      unsigned long start, unsigned long end)
{
	/* The engine's clear invalidates the TLB entries it aged. */
	return !!s2mmu_mn_age(s2mmu_mn_vm(mn), start, end, true);
}

static int s2mmu_mn_clear_young(struct mmu_notifier *mn, struct mm_struct *mm,
				unsigned long start, unsigned long end)
{
	return !!s2mmu_mn_age(s2mmu_mn_vm(mn), start, end, true);
}

static int s2mmu_mn_test_young(struct mmu_notifier *mn, struct mm_struct *mm,
			       unsigned long address)
{
	return !!s2mmu_mn_age(s2mmu_mn_vm(mn), address, address + PAGE_SIZE,
			      false);
}

/*
 * The VMM's address space is going away (exit, or the VM is being
 * destroyed): nothing may stay mapped, and no guest page pinned, after
 * it.  No fault can run any more: only the creator's mm may fault.
 */
static void s2mmu_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct s2mmu_vm *vm = s2mmu_mn_vm(mn);
	struct s2mmu_memslots *slots;
	struct s2mmu_memslot *slot;
	int i, idx;

	idx = s2mmu_srcu_read_lock(&vm->srcu);
	slots = srcu_dereference(vm->slots, &vm->srcu);
	s2mmu_write_lock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	for (i = 0; i < slots->nr; i++) {
		slot = slots->slot[i];
		s2mmu_slot_zap(vm, slot, s2mmu_slot_base(slot),
			       slot->npages << PAGE_SHIFT, true);
	}
	s2mmu_write_unlock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	s2mmu_srcu_read_unlock(&vm->srcu, idx);
}

const struct mmu_notifier_ops s2mmu_mn_ops = {
	.invalidate_range_start	= s2mmu_mn_invalidate_range_start,
	.invalidate_range_end	= s2mmu_mn_invalidate_range_end,
	.clear_flush_young	= s2mmu_mn_clear_flush_young,
	.clear_young		= s2mmu_mn_clear_young,
	.test_young		= s2mmu_mn_test_young,
	.release		= s2mmu_mn_release,
};
