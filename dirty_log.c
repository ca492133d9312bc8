// SPDX-License-Identifier: GPL-2.0
/*
 * s2mmu dirty logging: turning it on and off for a slot (split and
 * write-protect; collapse back to blocks), S2MMU_GET_DIRTY_LOG,
 * S2MMU_CLEAR_DIRTY_LOG and the manual-protect capability.
 * See Documentation/dirty-logging.rst.
 */
#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include <uapi/linux/s2mmu.h>
#include "s2_pgtable.h"
#include "s2mmu.h"
#include "s2mmu_vm.h"
#include "s2mmu_lockrank.h"

/* ---- logging on and off ---- */

/*
 * Dirty logging starts on @slot, whose flag and bitmap are published:
 * split its blocks -- each replaced by a subtree built off-line, with one
 * break-before-make -- and write-protect it, so that the next write to
 * any of its pages faults and is logged, one 4K page at a time.
 */
static int s2mmu_slot_start_logging(struct s2mmu_vm *vm,
				    struct s2mmu_memslot *slot)
{
	u64 start = s2mmu_slot_base(slot), end = s2mmu_slot_end(slot), next;
	int min = S2MMU_SPLIT_CHUNK_PAGES;
	struct s2_memcache *mc;
	int ret = 0;

	lockdep_assert_held(&vm->slots_lock);
	mc = kzalloc(sizeof(*mc), GFP_KERNEL_ACCOUNT);
	if (!mc)
		return -ENOMEM;
	for (; start < end; start = next) {
		next = s2mmu_chunk_end(start, end);
		/* Table pages are allocated where sleeping is allowed. */
		ret = s2_memcache_topup(mc, min, &s2mmu_table_mm_ops, NULL);
		if (ret)
			break;
		s2mmu_write_lock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
		ret = s2_split_wrprotect(&vm->pgt, start, next - start, mc);
		s2mmu_views_follow(vm, S2MMU_VIEW_WRPROTECT, start, next - start);
		s2mmu_write_unlock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
		if (ret == -ENOMEM && min < S2_MEMCACHE_SPLIT_1G) {
			/* A 1 GiB block (not mapped by faults): enough for it. */
			min = S2_MEMCACHE_SPLIT_1G;
			next = start;
			continue;
		}
		if (WARN_ON_ONCE(ret))
			break;
		cond_resched();
	}
	s2_memcache_drain(mc, &s2mmu_table_mm_ops);
	kfree(mc);
	return ret;
}

/* Is the 2 MiB region at @ipa backed by a huge page a fault could map whole? */
static bool s2mmu_region_collapsible(struct s2mmu_memslot *slot, u64 ipa)
{
	u64 i = (ipa >> PAGE_SHIFT) - slot->base_gfn;
	unsigned long hva = slot->userspace_addr + (i << PAGE_SHIFT);
	struct page *page = s2mmu_pin_page(s2mmu_pin_of(slot, i));

	return IS_ALIGNED(hva, SZ_2M) && page && PageCompound(page) &&
	       compound_nr(compound_head(page)) >= S2MMU_BLOCK_PAGES;
}

/*
 * Dirty logging stopped on @slot: unmap the 2 MiB regions it split although
 * the host backs them with a huge page, so that the next access maps the
 * block again (KVM zaps such "collapsible" mappings the same way).  Faults
 * may map these ranges again at once, so their pins go under mmu_lock too.
 */
static void s2mmu_slot_collapse(struct s2mmu_vm *vm, struct s2mmu_memslot *slot)
{
	u64 end = round_down(s2mmu_slot_end(slot), (u64)SZ_2M);
	u64 start = round_up(s2mmu_slot_base(slot), (u64)SZ_2M);
	u64 next, ipa, run;
	bool in_run;

	lockdep_assert_held(&vm->slots_lock);
	for (; start < end; start = next) {
		next = s2mmu_chunk_end(start, end);
		in_run = false;
		s2mmu_write_lock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
		/* One unmap, and so one invalidation, per run of regions. */
		for (ipa = run = start; ipa < next; ipa += SZ_2M) {
			if (s2mmu_region_collapsible(slot, ipa)) {
				if (!in_run)
					run = ipa;
				in_run = true;
			} else if (in_run) {
				s2mmu_zap_locked(vm, slot, run, ipa);
				in_run = false;
			}
		}
		if (in_run)
			s2mmu_zap_locked(vm, slot, run, next);
		/* As after any slot change: faults in flight start over. */
		s2mmu_invalidate_seq_bump(vm);
		s2mmu_write_unlock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
		cond_resched();
	}
}

/**
 * s2mmu_dirty_bitmap_alloc() - the log of a slot that starts logging
 * @vm: the VM; its slots_lock held
 * @npages: pages of the slot
 *
 * Empty, or with every page set under %S2MMU_DIRTY_LOG_INITIALLY_SET (the
 * bits past @npages stay clear: a GET copies whole words).
 *
 * Return: the bitmap, NULL when it cannot be allocated.
 */
unsigned long *s2mmu_dirty_bitmap_alloc(struct s2mmu_vm *vm, u64 npages)
{
	unsigned long *bitmap;

	lockdep_assert_held(&vm->slots_lock);
	/* Sizes are bounded (S2MMU_MEM_MAX_PAGES); failing is not a bug. */
	bitmap = kvcalloc(BITS_TO_LONGS(npages), sizeof(long),
			  GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (bitmap && vm->dirty_log_initially_set)
		bitmap_set(bitmap, 0, npages);
	return bitmap;
}

/* Only dirty logging may change on an existing slot. */
int s2mmu_slot_set_flags(struct s2mmu_vm *vm,
			 struct s2mmu_memslot *slot, u32 flags)
{
	unsigned long *bitmap = NULL;
	u32 old_flags = slot->flags;
	int ret;

	lockdep_assert_held(&vm->slots_lock);
	if (flags & S2MMU_MEM_LOG_DIRTY_PAGES) {
		bitmap = s2mmu_dirty_bitmap_alloc(vm, slot->npages);
		if (!bitmap)
			return -ENOMEM;
	}

	s2mmu_write_lock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	swap(slot->dirty_bitmap, bitmap);
	WRITE_ONCE(slot->flags, flags);
	s2mmu_invalidate_seq_bump(vm);
	s2mmu_write_unlock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);

	/* No fault can still be using the old bitmap: the sequence moved. */
	kvfree(bitmap);
	if (!(flags & S2MMU_MEM_LOG_DIRTY_PAGES)) {
		s2mmu_slot_collapse(vm, slot);
		return 0;
	}
	/*
	 * Faults now map pages and log them.  With every page already in
	 * the log, a write through a mapping made before cannot be lost:
	 * nothing to split or protect until a CLEAR takes pages out of the
	 * log (KVM's initially-set mode, why its enabling is cheap).
	 */
	if (vm->dirty_log_initially_set)
		return 0;
	/*
	 * Otherwise pages mapped writable (and blocks) before must fault on
	 * their next write.  A failure leaves the slot as it was: splits and
	 * write protection are harmless.
	 */
	ret = s2mmu_slot_start_logging(vm, slot);
	if (ret)
		WARN_ON_ONCE(s2mmu_slot_set_flags(vm, slot, old_flags));
	return ret;
}

/* ---- the log ---- */

/* A GET or CLEAR handles one page of bitmap per mmu_lock hold. */
#define S2MMU_LOG_CHUNK_LONGS	(PAGE_SIZE / sizeof(long))

/**
 * struct s2mmu_log_split - table pages for the splits of one GET or CLEAR
 * @mc: allocated at the first split that needs pages, drained at the end
 * @min: pages to top up to next time; grows to a 1 GiB block's worth
 */
struct s2mmu_log_split {
	struct s2_memcache	*mc;
	int			min;
};

/*
 * The operation that ran out of table pages dropped mmu_lock: refill
 * @ls, where sleeping is allowed, with enough for every 2 MiB region of
 * [@ipa, @ipa + @size) the first time, for a 1 GiB block after that.
 */
static int s2mmu_log_split_topup(struct s2mmu_log_split *ls, u64 ipa, u64 size)
{
	u64 regions = (ALIGN(ipa + size, (u64)SZ_2M) -
		       ALIGN_DOWN(ipa, (u64)SZ_2M)) / SZ_2M;

	if (!ls->mc) {
		ls->mc = kzalloc(sizeof(*ls->mc), GFP_KERNEL_ACCOUNT);
		if (!ls->mc)
			return -ENOMEM;
	}
	ls->min = ls->min ? S2_MEMCACHE_SPLIT_1G :
		  (int)min_t(u64, regions, S2_MEMCACHE_SPLIT_1G);
	return s2_memcache_topup(ls->mc, ls->min, &s2mmu_table_mm_ops, NULL);
}

static void s2mmu_log_split_done(struct s2mmu_log_split *ls)
{
	if (!ls->mc)
		return;
	s2_memcache_drain(ls->mc, &s2mmu_table_mm_ops);
	kfree(ls->mc);
}

/* One write-side hold of mmu_lock that reads @words words of a log. */
static void s2mmu_log_count(struct s2mmu_vm *vm, unsigned long words)
{
	atomic64_inc(s2mmu_vm_stat(vm, dirty_log_lock_holds));
	atomic64_add(words, s2mmu_vm_stat(vm, dirty_log_words));
}

/*
 * Write-protect exactly the pages of @slot whose bits are set in @mask, @n
 * words from word @w0 of the slot's bitmap: one walk from the first to
 * the last, one batched invalidation, and a split of any block that maps
 * one of them (there is one only in a log that started with every page
 * set), whose other pages stay as they were.  [@ipa, @ipa + @size): the
 * span walked, for the memcache's size.
 * Return: 0, or -ENOMEM: @ls lacks table pages (what was done stays done).
 */
static int s2mmu_wrprotect_mask(struct s2mmu_vm *vm, struct s2mmu_memslot *slot,
				u64 w0, const unsigned long *mask,
				unsigned long n, struct s2mmu_log_split *ls,
				u64 *ipa, u64 *size)
{
	unsigned long bits = n * BITS_PER_LONG;
	unsigned long first = find_first_bit(mask, bits), last;
	u64 base = s2mmu_slot_base(slot) + ((w0 * BITS_PER_LONG) << PAGE_SHIFT);
	u64 t0;
	int ret;

	lockdep_assert_held_write(&vm->mmu_lock);
	if (first >= bits)
		return 0;
	last = find_last_bit(mask, bits);
	*ipa = base + ((u64)first << PAGE_SHIFT);
	*size = (u64)(last - first + 1) << PAGE_SHIFT;
	t0 = s2mmu_prof_start();
	ret = s2_wrprotect_mask(&vm->pgt, base, bits, mask, ls->mc);
	s2mmu_prof_end(S2MMU_PROF_LOG_WALK, t0);
	WARN_ON_ONCE(ret && ret != -ENOMEM);
	/* Views hold 4K leaves: the span of the mask, no split, one pass. */
	s2mmu_views_follow(vm, S2MMU_VIEW_WRPROTECT, *ipa, *size);
	return ret == -ENOMEM ? ret : 0;
}

/*
 * Take out of the log of @slot, @n words from word @w0, the bits set in
 * @mask (the caller's CLEAR bitmap, left with the bits taken), or with
 * @mask NULL every bit (a GET without manual protect, @taken then gets
 * them), and write-protect those pages.  Log and protection change in
 * one write-side section of mmu_lock: a fault maps writable and marks
 * dirty under the read side, so it lands wholly before (its bit taken,
 * its page protected) or after (its bit in the log again).  When a split
 * needs table pages, the lock is dropped to allocate them and everything
 * is done again under the next hold: the bits stay in the log until then,
 * so a page the first attempt left writable is never missing from it.
 */
static int s2mmu_log_take(struct s2mmu_vm *vm, struct s2mmu_memslot *slot,
			  u64 w0, unsigned long n, unsigned long *mask,
			  unsigned long *taken, struct s2mmu_log_split *ls)
{
	unsigned long *log = slot->dirty_bitmap + w0, *t = mask ?: taken;
	u64 ipa = 0, size = 0, t0;
	unsigned long i;
	int ret;

	for (;;) {
		t0 = s2mmu_prof_start();
		s2mmu_write_lock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
		s2mmu_prof_end(S2MMU_PROF_LOG_LOCK, t0);
		s2mmu_log_count(vm, n);
		for (i = 0; i < n; i++)
			t[i] = mask ? mask[i] & log[i] : log[i];
		ret = s2mmu_wrprotect_mask(vm, slot, w0, t, n, ls, &ipa, &size);
		if (!ret)
			for (i = 0; i < n; i++)
				log[i] &= ~t[i];
		s2mmu_write_unlock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
		if (ret != -ENOMEM)
			return ret;
		ret = s2mmu_log_split_topup(ls, ipa, size);
		if (ret)
			return ret;
	}
}

/*
 * The chunk @buf of @n words, taken from the log at @log, did not reach the
 * caller: put its bits back for the next GET.  Its pages stay
 * write-protected, which only costs them a fault: the log then holds
 * them twice over, never a page less.  (Without manual protect; with it,
 * nothing is taken.)
 */
static void s2mmu_harvest_undo(struct s2mmu_vm *vm, unsigned long *log,
			       const unsigned long *buf, unsigned long n)
{
	unsigned long i;
	/* Faults set bits under the read side: none races with the ORs. */
	s2mmu_write_lock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	s2mmu_log_count(vm, n);
	for (i = 0; i < n; i++)
		log[i] |= buf[i];
	s2mmu_write_unlock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
}

/*
 * Copy @slot's dirty log out, taking each chunk out of the log and
 * write-protecting its pages (s2mmu_log_take()).  A write that completed
 * before the call is always reported: it went through a mapping whose
 * fault has marked the page by the time the write side is ours (or made
 * before a log that started with every page set).
 */
static int s2mmu_harvest(struct s2mmu_vm *vm, struct s2mmu_memslot *slot,
			 u8 __user *ubuf, unsigned long *buf)
{
	unsigned long nlongs = BITS_TO_LONGS(slot->npages), w, n;
	struct s2mmu_log_split ls = { };
	u64 t0;
	int ret = 0;

	lockdep_assert_held(&vm->slots_lock);
	for (w = 0; w < nlongs; w += n) {
		n = min(nlongs - w, S2MMU_LOG_CHUNK_LONGS);
		ret = s2mmu_log_take(vm, slot, w, n, NULL, buf, &ls);
		if (ret)
			break;
		t0 = s2mmu_prof_start();
		ret = copy_to_user(ubuf + w * sizeof(long), buf,
				   n * sizeof(long)) ? -EFAULT : 0;
		s2mmu_prof_end(S2MMU_PROF_LOG_COPY, t0);
		if (ret) {
			s2mmu_harvest_undo(vm, slot->dirty_bitmap + w, buf, n);
			break;
		}
		atomic64_inc(s2mmu_vm_stat(vm, dirty_log_user_copies));
		cond_resched();
	}
	s2mmu_log_split_done(&ls);
	return ret;
}

/*
 * With manual protect a GET only reads the log, and copies it out as it
 * is, without a buffer.  It must still report every write that completed
 * before the call: a fault makes a page writable and marks it in one
 * read-side section of mmu_lock, and another vCPU may write through the
 * new mapping in between; taking and dropping the write side waits for
 * every such section, after which their bits are in the log.  Bits that
 * faults set during the copy are of pages written during the call: right
 * now or next time.  Nothing else changes the log under us: CLEAR and
 * stopping the log hold slots_lock, as we do.  Counted only if it
 * succeeds: a call refused for its bitmap leaves the VM as it was.
 */
static int s2mmu_harvest_manual(struct s2mmu_vm *vm,
				struct s2mmu_memslot *slot, u8 __user *ubuf)
{
	unsigned long nlongs = BITS_TO_LONGS(slot->npages), w, n, copies = 0;
	u64 t0 = s2mmu_prof_start();
	unsigned long left;

	lockdep_assert_held(&vm->slots_lock);
	s2mmu_write_lock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	s2mmu_write_unlock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	s2mmu_prof_end(S2MMU_PROF_LOG_LOCK, t0);
	for (w = 0; w < nlongs; w += n, copies++) {
		n = min(nlongs - w, S2MMU_LOG_CHUNK_LONGS);
		t0 = s2mmu_prof_start();
		left = copy_to_user(ubuf + w * sizeof(long),
				    slot->dirty_bitmap + w, n * sizeof(long));
		s2mmu_prof_end(S2MMU_PROF_LOG_COPY, t0);
		if (left)
			return -EFAULT;
		cond_resched();
	}
	s2mmu_log_count(vm, nlongs);
	atomic64_add(copies, s2mmu_vm_stat(vm, dirty_log_user_copies));
	return 0;
}

int s2mmu_get_dirty_log(struct s2mmu_vm *vm, void __user *argp)
{
	struct s2mmu_dirty_log log;
	struct s2mmu_memslot *slot;
	unsigned long *buf = NULL;
	u8 __user *ubuf;
	u64 t0;
	int ret;

	if (copy_from_user(&log, argp, sizeof(log)))
		return -EFAULT;
	if (log.padding || log.slot >= S2MMU_MEMSLOT_ID_LIMIT)
		return -EINVAL;
	t0 = s2mmu_prof_start();
	ubuf = u64_to_user_ptr(log.dirty_bitmap);

	s2mmu_mutex_lock(&vm->slots_lock, S2MMU_RANK_SLOTS_LOCK);
	slot = s2mmu_slot_by_id(vm, log.slot);
	ret = !slot ? -EINVAL : !slot->dirty_bitmap ? -ENOENT : 0;
	if (!ret && vm->manual_dirty_protect) {
		ret = s2mmu_harvest_manual(vm, slot, ubuf);
		goto out;
	}
	/* Fail before anything is cleared: a harvest must not lose pages. */
	if (!ret && clear_user(ubuf, BITS_TO_LONGS(slot->npages) * sizeof(long)))
		ret = -EFAULT;
	else if (!ret)
		atomic64_inc(s2mmu_vm_stat(vm, dirty_log_user_copies));
	if (!ret) {
		buf = (unsigned long *)__get_free_page(GFP_KERNEL);
		ret = buf ? s2mmu_harvest(vm, slot, ubuf, buf) : -ENOMEM;
	}
out:
	s2mmu_mutex_unlock(&vm->slots_lock, S2MMU_RANK_SLOTS_LOCK);
	free_page((unsigned long)buf);
	s2mmu_prof_end(S2MMU_PROF_LOG_CALL, t0);
	return ret;
}

static int s2mmu_check_clear_log(const struct s2mmu_memslot *slot,
				 const struct s2mmu_clear_dirty_log *log)
{
	u64 left;

	/* As KVM: 0 pages from any first page up to the end is a no-op. */
	if (log->first_page % BITS_PER_LONG || log->first_page > slot->npages)
		return -EINVAL;
	left = slot->npages - log->first_page;
	/* Whole words, unless the range ends with the slot. */
	if (log->num_pages > left ||
	    (log->num_pages < left && log->num_pages % BITS_PER_LONG))
		return -EINVAL;
	return 0;
}

/*
 * Can every page of [@p, @p + @len) be read?  CLEAR reads its bitmap one
 * chunk at a time, clearing as it goes: a bitmap that ends unreadable
 * must fail the call before the first chunk is cleared.  (A bitmap that
 * another thread unmaps meanwhile still stops the call part-way.)
 */
static int s2mmu_bitmap_readable(const u8 __user *p, unsigned long len)
{
	const u8 __user *end = p + len;
	u8 c;

	for (; p < end; p = PTR_ALIGN(p + 1, PAGE_SIZE))
		if (get_user(c, p))
			return -EFAULT;
	return 0;
}

/*
 * Clear the bits of @log's range set in the caller's bitmap and still set
 * in the log, and write-protect those pages; chunk by chunk as a harvest.
 */
static int s2mmu_clear_log(struct s2mmu_vm *vm, struct s2mmu_memslot *slot,
			   const struct s2mmu_clear_dirty_log *log,
			   unsigned long *buf)
{
	u8 __user *ubuf = u64_to_user_ptr(log->dirty_bitmap);
	unsigned long nlongs = BITS_TO_LONGS(log->num_pages), w, n;
	u64 w0 = log->first_page / BITS_PER_LONG, t0;
	struct s2mmu_log_split ls = { };
	int ret = 0;

	lockdep_assert_held(&vm->slots_lock);
	if (s2mmu_bitmap_readable(ubuf, nlongs * sizeof(long)))
		return -EFAULT;
	for (w = 0; w < nlongs; w += n) {
		n = min(nlongs - w, S2MMU_LOG_CHUNK_LONGS);
		t0 = s2mmu_prof_start();
		ret = copy_from_user(buf, ubuf + w * sizeof(long),
				     n * sizeof(long)) ? -EFAULT : 0;
		s2mmu_prof_end(S2MMU_PROF_LOG_COPY, t0);
		if (ret)
			break;
		atomic64_inc(s2mmu_vm_stat(vm, dirty_log_user_copies));
		if (w + n == nlongs && log->num_pages % BITS_PER_LONG)
			buf[n - 1] &= BIT(log->num_pages % BITS_PER_LONG) - 1;
		ret = s2mmu_log_take(vm, slot, w0 + w, n, buf, NULL, &ls);
		if (ret)
			break;
		cond_resched();
	}
	s2mmu_log_split_done(&ls);
	return ret;
}

int s2mmu_clear_dirty_log(struct s2mmu_vm *vm, void __user *argp)
{
	struct s2mmu_clear_dirty_log log;
	struct s2mmu_memslot *slot;
	unsigned long *buf;
	u64 t0;
	int ret;

	if (copy_from_user(&log, argp, sizeof(log)))
		return -EFAULT;
	if (log.slot >= S2MMU_MEMSLOT_ID_LIMIT)
		return -EINVAL;
	t0 = s2mmu_prof_start();
	buf = (unsigned long *)__get_free_page(GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	s2mmu_mutex_lock(&vm->slots_lock, S2MMU_RANK_SLOTS_LOCK);
	slot = s2mmu_slot_by_id(vm, log.slot);
	if (!slot || !vm->manual_dirty_protect)
		ret = -EINVAL;
	else if (!slot->dirty_bitmap)
		ret = -ENOENT;
	else
		ret = s2mmu_check_clear_log(slot, &log);
	if (!ret)
		ret = s2mmu_clear_log(vm, slot, &log, buf);
	s2mmu_mutex_unlock(&vm->slots_lock, S2MMU_RANK_SLOTS_LOCK);
	free_page((unsigned long)buf);
	s2mmu_prof_end(S2MMU_PROF_LOG_CALL, t0);
	return ret;
}

/*
 * KVM's values of args[0]: 0, or MANUAL_PROTECT_ENABLE with or without
 * INITIALLY_SET (which means nothing alone; KVM refuses it too).
 */
static bool s2mmu_manual_protect_valid(u64 arg)
{
	return !(arg & ~(u64)(S2MMU_DIRTY_LOG_MANUAL_PROTECT_ENABLE |
			      S2MMU_DIRTY_LOG_INITIALLY_SET)) &&
	       (!arg || (arg & S2MMU_DIRTY_LOG_MANUAL_PROTECT_ENABLE));
}

int s2mmu_enable_cap(struct s2mmu_vm *vm, void __user *argp)
{
	struct s2mmu_enable_cap cap;

	if (copy_from_user(&cap, argp, sizeof(cap)))
		return -EFAULT;
	if (cap.flags || cap.cap != S2MMU_CAP_MANUAL_DIRTY_LOG_PROTECT ||
	    !s2mmu_manual_protect_valid(cap.args[0]) ||
	    cap.args[1] || cap.args[2] || cap.args[3] ||
	    memchr_inv(cap.pad, 0, sizeof(cap.pad)))
		return -EINVAL;
	/*
	 * It may change while slots log (KVM allows it as well): every way
	 * a bit leaves a log (GET, CLEAR) protects and splits its page, so
	 * a log started either way stays exact under the other.  The mode
	 * only decides how the next log starts and what GET does.
	 */
	s2mmu_mutex_lock(&vm->slots_lock, S2MMU_RANK_SLOTS_LOCK);
	vm->manual_dirty_protect = cap.args[0] & S2MMU_DIRTY_LOG_MANUAL_PROTECT_ENABLE;
	vm->dirty_log_initially_set = cap.args[0] & S2MMU_DIRTY_LOG_INITIALLY_SET;
	s2mmu_mutex_unlock(&vm->slots_lock, S2MMU_RANK_SLOTS_LOCK);
	return 0;
}
