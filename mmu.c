// SPDX-License-Identifier: GPL-2.0
/*
 * s2mmu stage-2 glue: what every VM's table is built with (table pages,
 * the TLB backend), the pins that keep guest pages in place while stage 2
 * maps them, range operations done one chunk per mmu_lock hold, and the
 * stage-2 fault handler.
 *
 * Locking is described in Documentation/locking.rst.
 */
#include <linux/atomic.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/wait.h>

#include <uapi/linux/s2mmu.h>
#include "s2_pgtable.h"
#include "s2mmu.h"
#include "s2mmu_vm.h"
#include "s2mmu_lockrank.h"

/* ---- memory for the engine ---- */

atomic64_t s2mmu_table_pages;

/*
 * One set of table-page callbacks serves every stage-2 table of the
 * module: the VMs' and the EL2 backend's debug tables.  Two kinds of
 * accounting ride on it.  Every page is counted module-wide, so that
 * S2MMU_GET_MODULE_STATS proves teardown freed everything.  A page taken
 * through a memcache top-up is also charged to the owner's counter passed
 * as the top-up's argument (when there is one), which may refuse it: the
 * counter is remembered in the page itself, since the engine frees pages
 * without saying whose they are.
 */

static bool s2mmu_page_charge(struct s2mmu_page_counter *c, long nr)
{
	if (!c)
		return true;
	if (atomic_long_add_return(nr, &c->nr) <= c->limit)
		return true;
	atomic_long_sub(nr, &c->nr);
	return false;
}

static void s2mmu_page_uncharge(struct s2mmu_page_counter *c, long nr)
{
	if (c)
		atomic_long_sub(nr, &c->nr);
}

static void *s2mmu_zalloc_page(void *arg)
{
	struct s2mmu_page_counter *owner = arg;
	struct page *page;

	if (!s2mmu_page_charge(owner, 1))
		return NULL;
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page) {
		s2mmu_page_uncharge(owner, 1);
		return NULL;
	}
	set_page_private(page, (unsigned long)owner);
	atomic64_inc(&s2mmu_table_pages);
	return page_address(page);
}

/*
 * The root tables, allocated once per table when it is created: counted
 * module-wide only (the engine gives no owner here).
 */
static void *s2mmu_zalloc_pages_exact(size_t size)
{
	/* Power-of-two sizes come back aligned to their size. */
	void *addr = alloc_pages_exact(size, GFP_KERNEL_ACCOUNT | __GFP_ZERO);

	if (addr)
		atomic64_add(size >> PAGE_SHIFT, &s2mmu_table_pages);
	return addr;
}

static void s2mmu_free_pages_exact(void *addr, size_t size)
{
	free_pages_exact(addr, size);
	atomic64_sub(size >> PAGE_SHIFT, &s2mmu_table_pages);
}

static void s2mmu_free_table_page(struct page *page)
{
	s2mmu_page_uncharge((struct s2mmu_page_counter *)page_private(page), 1);
	set_page_private(page, 0);
	__free_page(page);
	atomic64_dec(&s2mmu_table_pages);
}

static void s2mmu_free_page(void *addr)
{
	s2mmu_free_table_page(virt_to_page(addr));
}

static void s2mmu_free_page_rcu(struct rcu_head *head)
{
	s2mmu_free_table_page(container_of(head, struct page, rcu_head));
}

/*
 * Shared walkers run inside an RCU read-side critical section: with
 * mmu_lock held for read (a rwlock keeps preemption off), or, on the
 * lockless hardware-translation and debug-table paths, rcu_read_lock().
 * A grace period therefore outlasts every walker that could still see
 * the table page.
 */
static void s2mmu_free_page_deferred(void *addr)
{
	call_rcu(&virt_to_page(addr)->rcu_head, s2mmu_free_page_rcu);
}

static void s2mmu_get_table_page(void *addr)
{
	page_ref_inc(virt_to_page(addr));
}

/* The engine frees the page itself once only its own reference is left. */
static void s2mmu_put_table_page(void *addr)
{
	page_ref_dec(virt_to_page(addr));
}

static void s2mmu_table_page_ref_add(void *addr, int nr)
{
	page_ref_add(virt_to_page(addr), nr);
}

static int s2mmu_table_page_count(void *addr)
{
	return page_ref_count(virt_to_page(addr));
}

static void *s2mmu_phys_to_virt(phys_addr_t phys)
{
	return __va(phys);
}

static phys_addr_t s2mmu_virt_to_phys(void *addr)
{
	return __pa(addr);
}

const struct s2_mm_ops s2mmu_table_mm_ops = {
	.zalloc_page		= s2mmu_zalloc_page,
	.zalloc_pages_exact	= s2mmu_zalloc_pages_exact,
	.free_pages_exact	= s2mmu_free_pages_exact,
	.free_page		= s2mmu_free_page,
	.free_page_deferred	= s2mmu_free_page_deferred,
	.get_page		= s2mmu_get_table_page,
	.put_page		= s2mmu_put_table_page,
	.page_ref_add		= s2mmu_table_page_ref_add,
	.page_count		= s2mmu_table_page_count,
	.phys_to_virt		= s2mmu_phys_to_virt,
	.virt_to_phys		= s2mmu_virt_to_phys,
	.icache_sync		= s2mmu_cache_icache_sync,
	/* Table pages come from the page allocator: all in the linear map. */
	.linear			= true,
};

/* ---- the software TLB backend ---- */

/*
 * Nothing walks these tables in hardware until the EL2 backend installs
 * them, so there is no TLB to maintain: the engine counts each call, and
 * that is all these do.  The EL2 backend provides real ones.
 */
static void s2mmu_sw_flush_ipa(struct s2_pgtable *pgt, u64 ipa, int level)
{
}

static void s2mmu_sw_flush_range(struct s2_pgtable *pgt, u64 ipa, u64 size)
{
}

static void s2mmu_sw_flush_vmid(struct s2_pgtable *pgt)
{
}

const struct s2_tlb_ops s2mmu_sw_tlb_ops = {
	.flush_ipa	= s2mmu_sw_flush_ipa,
	.flush_range	= s2mmu_sw_flush_range,
	.flush_vmid	= s2mmu_sw_flush_vmid,
	.flush_ipa_local = s2mmu_sw_flush_ipa,
	.range_capable	= false,
};

/* Same, for a machine with FEAT_TLBIRANGE, so the counts match it. */
static const struct s2_tlb_ops s2mmu_sw_range_tlb_ops = {
	.flush_ipa	= s2mmu_sw_flush_ipa,
	.flush_range	= s2mmu_sw_flush_range,
	.flush_vmid	= s2mmu_sw_flush_vmid,
	.flush_ipa_local = s2mmu_sw_flush_ipa,
	.range_capable	= true,
};

/* The one place that picks a VM's TLB backend: EL2's when it has one. */
const struct s2_tlb_ops *s2mmu_vm_tlb_ops(const struct s2_tlb_ops *el2)
{
	if (el2)
		return el2;
	if (s2mmu_cpu.flags & S2MMU_FEAT_TLBIRANGE)
		return &s2mmu_sw_range_tlb_ops;
	return &s2mmu_sw_tlb_ops;
}

/* The engine's lock rules (Documentation/locking.rst), seen by lockdep. */
void s2mmu_assert_mmu_lock(struct s2_pgtable *pgt, bool exclusive)
{
	struct s2mmu_vm *vm = pgt->priv;

	if (exclusive)
		lockdep_assert_held_write(&vm->mmu_lock);
	else
		lockdep_assert_held(&vm->mmu_lock);
}

/* ---- pins ---- */

atomic64_t s2mmu_pages_pinned;

static void s2mmu_pins_add(struct s2mmu_vm *vm, long nr)
{
	atomic64_add(nr, &vm->pages_pinned);
	atomic64_add(nr, &s2mmu_pages_pinned);
}

/* Drop a pin nobody records; the page is still pinned elsewhere or clean. */
static void s2mmu_unpin_clean(struct s2mmu_vm *vm, struct page *page)
{
	unpin_user_page(page);
	s2mmu_pins_add(vm, -1);
}

/* Release a recorded pin; may sleep (marks file pages dirty under lock). */
static void s2mmu_release_pin(struct s2mmu_vm *vm, unsigned long pin)
{
	struct page *page = s2mmu_pin_page(pin);

	unpin_user_pages_dirty_lock(&page, 1, pin & S2MMU_PIN_DIRTY);
	s2mmu_pins_add(vm, -1);
}

/*
 * Release every pin of @slot.  Only once none of its pages can be mapped
 * any more or be recorded again: the slot's range was unmapped under
 * mmu_lock with the invalidate sequence moved, and no fault uses it.
 */
void s2mmu_slot_release_pins(struct s2mmu_vm *vm,
			     struct s2mmu_memslot *slot)
{
	u64 r, i;

	for (r = 0; r < DIV_ROUND_UP(slot->npages, S2MMU_PIN_RUN); r++) {
		if (!slot->pins[r])
			continue;
		for (i = 0; i < S2MMU_PIN_RUN; i++) {
			unsigned long pin = xchg(&slot->pins[r][i], 0);

			if (pin)
				s2mmu_release_pin(vm, pin);
		}
		cond_resched();
	}
}

/*
 * Give the slot's pages [@first, @first + @nr) their pin records before a
 * fault may record pins there under mmu_lock, where it cannot allocate.
 */
static int s2mmu_pins_prepare(struct s2mmu_memslot *slot, u64 first, u64 nr)
{
	u64 r;

	for (r = first / S2MMU_PIN_RUN; r <= (first + nr - 1) / S2MMU_PIN_RUN;
	     r++) {
		unsigned long run;

		if (READ_ONCE(slot->pins[r]))
			continue;
		run = get_zeroed_page(GFP_KERNEL_ACCOUNT);
		if (!run)
			return -ENOMEM;
		/* Full barrier: the zeroed page before the pointer to it. */
		if (cmpxchg(&slot->pins[r], NULL, (unsigned long *)run))
			free_page(run);
	}
	return 0;
}

/* ---- range operations, one chunk per mmu_lock hold ---- */

u64 s2mmu_chunk_end(u64 start, u64 end)
{
	return min(round_up(start + 1, (u64)S2MMU_RANGE_CHUNK), end);
}

/* Remove every stage-2 mapping of [@ipa, @ipa + @size). */
void s2mmu_unmap_range_locked(struct s2mmu_vm *vm, u64 ipa, u64 size)
{
	int ret;

	lockdep_assert_held_write(&vm->mmu_lock);
	/*
	 * Same hold, before the caller releases any pin, and before view 0's
	 * unmap: the views' checked removal compares with view 0's pages.
	 */
	s2mmu_views_follow(vm, S2MMU_VIEW_UNMAP, ipa, size);
	ret = s2_unmap(&vm->pgt, ipa, size);
	/* Slots hold whole blocks only, so no block is ever split here. */
	WARN_ON_ONCE(ret);
}

/*
 * As s2mmu_release_pin(), without sleeping: this runs under mmu_lock (so
 * that no fault records a pin between the unmap and the release), often
 * inside an MMU notifier invalidation, which may not be allowed to sleep
 * and whose caller may hold the lock of the very page (reclaim,
 * migration) that s2mmu_release_pin() would take.  The VMM still maps
 * the page -- the host page tables have not changed yet -- which keeps a
 * file page's mapping alive while it is marked dirty without the lock.
 */
static void s2mmu_release_pin_atomic(struct s2mmu_vm *vm, unsigned long pin)
{
	struct page *page = s2mmu_pin_page(pin);

	if (pin & S2MMU_PIN_DIRTY)
		set_page_dirty(page);
	unpin_user_page(page);
	s2mmu_pins_add(vm, -1);
}

/*
 * Release the pins of @slot's pages in [@start, @end), whose stage-2
 * mappings were just removed in the same write-side section of mmu_lock,
 * so that no fault can have recorded a new pin there meanwhile.
 */
static void s2mmu_slot_release_range(struct s2mmu_vm *vm,
				     struct s2mmu_memslot *slot, u64 start,
				     u64 end)
{
	u64 i = (start >> PAGE_SHIFT) - slot->base_gfn;
	u64 last = (end >> PAGE_SHIFT) - slot->base_gfn;

	lockdep_assert_held_write(&vm->mmu_lock);
	while (i < last) {
		unsigned long *rec = s2mmu_pin_rec(slot, i), pin;

		/* A run the guest never touched: nothing pinned there. */
		if (!rec) {
			i = round_up(i + 1, S2MMU_PIN_RUN);
			continue;
		}
		pin = xchg(rec, 0);
		if (pin)
			s2mmu_release_pin_atomic(vm, pin);
		i++;
	}
}

/* Move @*ipa to the start (@up: the end) of the block mapping it, if any. */
static void s2mmu_widen_to_block(struct s2mmu_vm *vm, u64 *ipa, bool up)
{
	s2_pte_t pte;
	s8 level;

	lockdep_assert_held_write(&vm->mmu_lock);
	if (s2_get_leaf(&vm->pgt, up ? *ipa - 1 : *ipa, &pte, &level) ||
	    !s2_desc_valid(pte) || level == S2_MAX_LEVEL)
		return;
	if (up)
		*ipa = round_up(*ipa, S2_LEVEL_SIZE(level));
	else
		*ipa = round_down(*ipa, S2_LEVEL_SIZE(level));
}

/* Unmap [@start, @end) of @slot and drop its pins, all under mmu_lock. */
void s2mmu_zap_locked(struct s2mmu_vm *vm, struct s2mmu_memslot *slot,
		      u64 start, u64 end)
{
	lockdep_assert_held_write(&vm->mmu_lock);
	s2mmu_unmap_range_locked(vm, start, end - start);
	s2mmu_slot_release_range(vm, slot, start, end);
}

/*
 * Unmap [@ipa, @ipa + @size) of @slot and drop its pins.  Called and
 * returns with mmu_lock held for write, which it drops between chunks
 * (rescheduling there if @resched).  A block partly inside is unmapped
 * whole: shattering it would need table pages a notifier cannot
 * allocate, and unmapping more only costs a re-fault (blocks lie inside
 * their slot).
 */
void s2mmu_slot_zap(struct s2mmu_vm *vm, struct s2mmu_memslot *slot,
		    u64 ipa, u64 size, bool resched)
	__must_hold(&vm->mmu_lock)
{
	u64 start, end = ipa + size, lo, hi;

	lockdep_assert_held_write(&vm->mmu_lock);
	for (start = ipa; start < end; start = hi) {
		if (start != ipa) {
			s2mmu_write_unlock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
			if (resched)
				cond_resched();
			s2mmu_write_lock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
		}
		lo = start;
		hi = s2mmu_chunk_end(start, end);
		s2mmu_widen_to_block(vm, &lo, false);
		s2mmu_widen_to_block(vm, &hi, true);
		s2mmu_zap_locked(vm, slot, lo, hi);
	}
}

/* ---- the fault handler ---- */

/*
 * A stage-2 fault, in steps (s2mmu_handle_fault()):
 * 1. sample the invalidate sequence (invalidate.c);
 * 2. find the slot, under SRCU; wait if the host is changing the page;
 * 3. an access-flag or permission fault: fix the leaf in place;
 * 4. otherwise pin the host page, a whole 2 MiB block when it can, and,
 *    without FWB, clean what the guest has not seen yet (cache.c);
 * 5. under mmu_lock, unless an invalidation raced with steps 1-4
 *    (s2mmu_fault_stale()), map it through the engine;
 * 6. once the mapping is writable, mark the page dirty.
 *
 * Each function stands above its caller, so the steps read upwards from
 * s2mmu_handle_fault(), at the end of the file: 1 and 2, then 3, 4, 5 and
 * 6 at the top, after the helpers the steps share.
 */

/**
 * struct s2mmu_fault - one stage-2 fault being handled
 * @ipa: faulting IPA
 * @fsc: fault status code type (translation / access flag / permission)
 * @level: level from the syndrome
 * @write: the access was a write
 * @exec: the access was an instruction fetch
 * @kind: %S2MMU_MEM_ACCESS_KIND_* of the access, for restrictions
 * @allowed: what the frame's restriction lets a mapping allow (S2_PROT_*)
 * @seq: invalidate sequence sampled before the page was resolved
 * @slot: the slot holding @ipa
 * @hva: host address backing @ipa
 * @prot: what the new or relaxed mapping allows
 * @nr_pages: pins held in &s2mmu_vcpu.pages (1 or a whole block)
 * @zero: the page is a shared zero page
 * @busy_start: with @busy_end, the host range of the fault that an
 *	invalidation in progress covered when the fault gave up; 0, 0: none
 * @busy_end: see @busy_start
 * @guest: a running guest's abort: the vCPU's next entry invalidates the
 *	IPA of a permission fault on its CPU (run.c), so a relax need not
 */
struct s2mmu_fault {
	u64			ipa;
	u32			fsc;
	s8			level;
	bool			write;
	bool			exec;
	u32			kind;
	u32			allowed;
	unsigned long		seq;
	struct s2mmu_memslot	*slot;
	unsigned long		hva;
	u32			prot;
	int			nr_pages;
	bool			zero;
	unsigned long		busy_start;
	unsigned long		busy_end;
	bool			guest;
};

/*
 * The engine flags of a relax for @f.  A guest's permission fault leaves
 * the local invalidation to the vCPU's next entry, which does it before
 * the guest runs again on whatever CPU (run.c): one invalidation, made in
 * the guest's context, instead of a second one in an EL2 window now.
 */
static u32 s2mmu_relax_flags(const struct s2mmu_fault *f)
{
	if (f->guest && f->fsc == S2_FSC_PERM)
		return S2_WALK_SHARED | S2_RELAX_LOCAL_BY_CALLER;
	return S2_WALK_SHARED;
}

/* Slot index of the first page the fault maps (the block's first). */
static u64 s2mmu_fault_first_index(const struct s2mmu_fault *f)
{
	u64 ipa = ALIGN_DOWN(f->ipa, (u64)f->nr_pages << PAGE_SHIFT);

	return (ipa >> PAGE_SHIFT) - f->slot->base_gfn;
}

/* The host range backing the @size-aligned IPA range around the fault. */
static void s2mmu_fault_hva_range(const struct s2mmu_fault *f, u64 size,
				  unsigned long *start, unsigned long *end)
{
	*start = f->hva - (f->ipa & (size - 1));
	*end = *start + size;
}

static void s2mmu_count_fault(struct s2mmu_vm *vm, u32 fsc)
{
	if (fsc == S2_FSC_TRANSLATION)
		atomic64_inc(s2mmu_vm_stat(vm, faults_translation));
	else if (fsc == S2_FSC_ACCESS)
		atomic64_inc(s2mmu_vm_stat(vm, faults_access));
	else
		atomic64_inc(s2mmu_vm_stat(vm, faults_permission));
}

/*
 * Steps 3 and 5, under mmu_lock: may the fault still map what it resolved
 * for host [@start, @end)?  When an invalidation in progress covers part
 * of it, the range is noted in @f: the fault waits for its end before it
 * starts over.  invalidate.c says why this misses no race.
 */
static bool s2mmu_fault_stale(struct s2mmu_vm *vm, struct s2mmu_fault *f,
			      unsigned long start, unsigned long end)
{
	bool busy, stale;

	stale = s2mmu_invalidate_stale(vm, f->seq, start, end, &busy);
	if (busy) {
		f->busy_start = start;
		f->busy_end = end;
	}
	return stale;
}

/*
 * Step 6: the mapping is writable and in place; only now may the page
 * count as dirty, both for the dirty log and for the host.
 */
static void s2mmu_mark_dirty(struct s2mmu_vm *vm, struct s2mmu_fault *f,
			     u64 first, u64 nr)
{
	unsigned long *bitmap = READ_ONCE(f->slot->dirty_bitmap);
	u64 i, t0 = s2mmu_prof_start();

	lockdep_assert_held(&vm->mmu_lock);
	for (i = first; i < first + nr; i++) {
		unsigned long *pin = s2mmu_pin_rec(f->slot, i);
		unsigned long old = pin ? READ_ONCE(*pin) : 0;

		while (old && !(old & S2MMU_PIN_DIRTY) &&
		       !try_cmpxchg(pin, &old, old | S2MMU_PIN_DIRTY))
			;
		if (bitmap)
			set_bit(i, bitmap);
	}
	atomic64_add(nr, s2mmu_vm_stat(vm, dirty_marked));
	s2mmu_prof_end(S2MMU_PROF_MARK_DIRTY, t0);
}

/*
 * Is @ipa mapped writable now?  @leaf_end: where the leaf found (or the
 * page, if none) ends.
 */
static bool s2mmu_mapped_writable(struct s2mmu_vm *vm, u64 ipa, u64 *leaf_end)
{
	s2_pte_t pte;
	s8 level;

	if (s2_get_leaf(&vm->pgt, ipa, &pte, &level) || !s2_desc_valid(pte)) {
		*leaf_end = ipa + PAGE_SIZE;
		return false;
	}
	*leaf_end = ALIGN_DOWN(ipa, S2_LEVEL_SIZE(level)) + S2_LEVEL_SIZE(level);
	return s2_desc_writable(pte);
}

/*
 * Step 6 for a map that may have left some entries read-only (the engine
 * never lowers permissions, and a relax that raced did not happen): mark
 * the pages of [@ipa, @ipa + @nr pages), the slot's pages from @first,
 * that are mapped writable now, leaf by leaf.
 */
static void s2mmu_mark_dirty_writable(struct s2mmu_vm *vm,
				      struct s2mmu_fault *f, u64 ipa,
				      u64 first, u64 nr)
{
	u64 end = ipa + (nr << PAGE_SHIFT), next, n;

	lockdep_assert_held(&vm->mmu_lock);
	while (ipa < end) {
		bool writable = s2mmu_mapped_writable(vm, ipa, &next);

		n = (min(next, end) - ipa) >> PAGE_SHIFT;
		if (writable)
			s2mmu_mark_dirty(vm, f, first, n);
		first += n;
		ipa += n << PAGE_SHIFT;
	}
}

/* Is @page what the stage-2 table maps at @ipa right now? */
bool s2mmu_maps_page(struct s2mmu_vm *vm, u64 ipa, struct page *page)
{
	s2_pte_t pte;
	s8 level;

	lockdep_assert_held(&vm->mmu_lock);
	if (s2_get_leaf(&vm->pgt, ipa, &pte, &level) || !s2_desc_valid(pte))
		return false;
	return s2_desc_leaf_pa(pte, level, ipa & PAGE_MASK) == page_to_phys(page);
}

/*
 * Record the pin of @page, now mapped at the slot's page @i.  A pin of
 * the same page already recorded keeps its place (tags merged) and ours
 * is dropped.  A different recorded page was replaced by our mapping,
 * unless a concurrent fault has mapped it again since: ask the table.
 */
static void s2mmu_record_pin(struct s2mmu_vcpu *vcpu, struct s2mmu_fault *f,
			     u64 i, struct page *page, unsigned long tags)
{
	struct s2mmu_vm *vm = vcpu->vm;
	unsigned long *pin = s2mmu_pin_rec(f->slot, i);
	u64 ipa = (f->slot->base_gfn + i) << PAGE_SHIFT;
	unsigned long old;

	lockdep_assert_held(&vm->mmu_lock);
	/* s2mmu_pins_prepare() gave the fault's pages their records. */
	if (WARN_ON_ONCE(!pin)) {
		s2mmu_unpin_clean(vm, page);
		return;
	}
	old = READ_ONCE(*pin);
	for (;;) {
		if (old && s2mmu_pin_page(old) == page) {
			if (try_cmpxchg(pin, &old, old | tags)) {
				s2mmu_unpin_clean(vm, page);
				return;
			}
			continue;
		}
		if (old && !s2mmu_maps_page(vm, ipa, page)) {
			s2mmu_unpin_clean(vm, page);
			return;
		}
		if (try_cmpxchg(pin, &old, (unsigned long)page | tags))
			break;
	}
	if (old) {
		vcpu->release_ipa[vcpu->nr_release] = ipa;
		vcpu->release[vcpu->nr_release++] = old;
	}
}

static void s2mmu_record_pins(struct s2mmu_vcpu *vcpu, struct s2mmu_fault *f)
{
	u64 first = s2mmu_fault_first_index(f);
	unsigned long tags = f->write ? S2MMU_PIN_WRITE : 0;
	int i;

	for (i = 0; i < f->nr_pages; i++)
		s2mmu_record_pin(vcpu, f, first + i, vcpu->pages[i], tags);
	f->nr_pages = 0;
}

static void s2mmu_drop_fault_pins(struct s2mmu_vcpu *vcpu,
				  struct s2mmu_fault *f)
{
	int i;

	for (i = 0; i < f->nr_pages; i++)
		s2mmu_unpin_clean(vcpu->vm, vcpu->pages[i]);
	f->nr_pages = 0;
}

/*
 * A fault replaced a mapping of view 0 by another page: a view may still
 * show the old one, which must leave every view before its pin goes.
 */
static void s2mmu_replaced_leave_views(struct s2mmu_vcpu *vcpu)
{
	struct s2mmu_vm *vm = vcpu->vm;
	int i;

	s2mmu_write_lock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	for (i = 0; i < vcpu->nr_release; i++)
		s2mmu_views_forget_page(vm, vcpu->release_ipa[i],
					page_to_phys(s2mmu_pin_page(vcpu->release[i])));
	s2mmu_write_unlock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
}

void s2mmu_release_replaced(struct s2mmu_vcpu *vcpu)
{
	int i;

	if (vcpu->nr_release && READ_ONCE(vcpu->vm->nr_views))
		s2mmu_replaced_leave_views(vcpu);
	for (i = 0; i < vcpu->nr_release; i++)
		s2mmu_release_pin(vcpu->vm, vcpu->release[i]);
	vcpu->nr_release = 0;
}

/*
 * A zero page is mapped read-only where nothing is mapped yet, and never
 * over a mapping: a concurrent write fault may just have installed the
 * real page, and replacing it by the zero page would lose the write.  The
 * check and the map must be one step, so this takes mmu_lock for write.
 */
static int s2mmu_map_zero(struct s2mmu_vcpu *vcpu, struct s2mmu_fault *f)
{
	struct s2mmu_vm *vm = vcpu->vm;
	struct page *page = vcpu->pages[0];
	u64 ipa = f->ipa & PAGE_MASK;
	unsigned long start, end;
	s2_pte_t pte;
	s8 level;
	int ret = -EAGAIN;

	s2mmu_fault_hva_range(f, PAGE_SIZE, &start, &end);
	s2mmu_write_lock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	if (!s2mmu_fault_stale(vm, f, start, end) &&
	    !s2_get_leaf(&vm->pgt, ipa, &pte, &level) &&
	    !s2_desc_valid(pte)) {
		ret = s2_map(&vm->pgt, ipa, PAGE_SIZE, page_to_phys(page),
			     f->prot, &vcpu->mc, 0);
		if (!ret) {
			atomic64_inc(s2mmu_vm_stat(vm, zero_page_maps));
			/* The 4K zero page is never freed: no pin to keep. */
			if (!is_zero_pfn(page_to_pfn(page)))
				s2mmu_record_pins(vcpu, f);
		}
	}
	s2mmu_write_unlock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	s2mmu_drop_fault_pins(vcpu, f);
	s2mmu_release_replaced(vcpu);
	return ret;
}

/*
 * A shared-mode map of a whole block that backs off half way (-EAGAIN: an
 * entry under BBM, a lost compare-and-exchange) where the block's range
 * is already a table has installed some of its pages.  Those are mapped
 * now, and writable ones may be written without another fault: keep their
 * pins and mark the writable ones dirty as a completed fault would (an
 * entry left read-only is not: its relax did not happen).  Drop the
 * others.
 */
static void s2mmu_keep_partial_map(struct s2mmu_vcpu *vcpu,
				   struct s2mmu_fault *f, u64 ipa, u64 first)
{
	unsigned long tags = f->write ? S2MMU_PIN_WRITE : 0;
	struct s2mmu_vm *vm = vcpu->vm;
	int i;

	lockdep_assert_held_read(&vm->mmu_lock);
	for (i = 0; i < f->nr_pages; i++) {
		struct page *page = vcpu->pages[i];

		if (!s2mmu_maps_page(vm, ipa + ((u64)i << PAGE_SHIFT), page)) {
			s2mmu_unpin_clean(vm, page);
			continue;
		}
		s2mmu_record_pin(vcpu, f, first + i, page, tags);
		if (f->prot & S2_PROT_W)
			s2mmu_mark_dirty_writable(vm, f, ipa + ((u64)i << PAGE_SHIFT),
						  first + i, 1);
	}
	f->nr_pages = 0;
}

/*
 * The page is mapped, with fewer permissions than the fault needs: raise
 * them in place -- unless a write would make writable a leaf bigger than
 * what the fault pinned (@size): its other pages were not pinned for
 * write nor will be marked dirty, and the host could drop what the guest
 * writes there.  -E2BIG then: the leaf must go (s2mmu_zap_leaf()).
 */
static int s2mmu_raise_perms(struct s2mmu_vm *vm, struct s2mmu_fault *f,
			     u64 size)
{
	s2_pte_t pte;
	s8 level;
	int ret;

	if ((f->prot & S2_PROT_W) &&
	    !s2_get_leaf(&vm->pgt, f->ipa, &pte, &level) &&
	    s2_desc_valid(pte) && S2_LEVEL_SIZE(level) > size)
		return -E2BIG;
	ret = s2_relax_perms(&vm->pgt, f->ipa, f->prot, s2mmu_relax_flags(f));
	return ret == -ENOENT ? -EAGAIN : ret;
}

/*
 * Unmap the leaf around the fault (and drop its pins), which
 * s2mmu_raise_perms() refused to make writable; the fault starts over and
 * maps what it pins.  Leaves lie inside their slot.
 */
static int s2mmu_zap_leaf(struct s2mmu_vm *vm, struct s2mmu_fault *f)
{
	u64 lo = f->ipa, hi = f->ipa + PAGE_SIZE;
	s2_pte_t pte;
	s8 level;

	s2mmu_write_lock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	if (!s2_get_leaf(&vm->pgt, f->ipa, &pte, &level) &&
	    s2_desc_valid(pte)) {
		lo = max(ALIGN_DOWN(f->ipa, S2_LEVEL_SIZE(level)),
			 s2mmu_slot_base(f->slot));
		hi = min(lo + S2_LEVEL_SIZE(level), s2mmu_slot_end(f->slot));
		s2mmu_zap_locked(vm, f->slot, lo, hi);
	}
	s2mmu_write_unlock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	return -EAGAIN;
}

/*
 * A permission fault that could not be fixed in place (its pin lacked
 * write intent) has pinned the page again.  Where the leaf it hit still
 * maps that page and has the size pinned, one walk raises it: no map to
 * find it first, no second walk to check its size.  Return: as
 * s2_relax_perms_of().
 */
static int s2mmu_raise_pinned(struct s2mmu_vcpu *vcpu, struct s2mmu_fault *f,
			      u64 ipa, u64 size)
{
	u64 page = ALIGN_DOWN(f->ipa, PAGE_SIZE);

	if (f->fsc != S2_FSC_PERM)
		return -ENOENT;
	return s2_relax_perms_of(&vcpu->vm->pgt, f->ipa,
				 page_to_phys(vcpu->pages[0]) + (page - ipa),
				 size, f->prot, s2mmu_relax_flags(f));
}

/*
 * Map [@ipa, @ipa + @size) as @f pinned it, or raise the leaf already
 * there.  @whole: every page of the range is mapped with @f->prot now
 * (no walk needed to find the writable ones).
 */
static int s2mmu_map_or_raise(struct s2mmu_vcpu *vcpu, struct s2mmu_fault *f,
			      u64 ipa, u64 size, bool *whole)
{
	struct s2mmu_vm *vm = vcpu->vm;
	int ret;

	*whole = true;
	ret = s2mmu_raise_pinned(vcpu, f, ipa, size);
	if (ret >= 0)
		return ret;
	ret = s2_map(&vm->pgt, ipa, size, page_to_phys(vcpu->pages[0]),
		     f->prot, &vcpu->mc, S2_WALK_SHARED);
	if (ret != S2_PERMS_DIFFER)
		return ret;
	/* Only a single page's leaf is known to be all of the range. */
	*whole = f->nr_pages == 1;
	return s2mmu_raise_perms(vm, f, size);
}

/* Step 5: map through the engine, in shared mode. */
static int s2mmu_map_fault(struct s2mmu_vcpu *vcpu, struct s2mmu_fault *f)
{
	struct s2mmu_vm *vm = vcpu->vm;
	u64 size = (u64)f->nr_pages << PAGE_SHIFT;
	u64 ipa = ALIGN_DOWN(f->ipa, size);
	u64 first = s2mmu_fault_first_index(f);
	unsigned long start, end;
	bool changed = false, whole;
	u64 t0;
	int ret;

	s2mmu_fault_hva_range(f, size, &start, &end);
	t0 = s2mmu_prof_start();
	s2mmu_read_lock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	s2mmu_prof_end(S2MMU_PROF_FAULT_LOCK, t0);
	if (s2mmu_fault_stale(vm, f, start, end)) {
		ret = -EAGAIN;
		goto out;
	}
	ret = s2mmu_map_or_raise(vcpu, f, ipa, size, &whole);
	if (ret < 0) {
		if (f->nr_pages > 1)
			s2mmu_keep_partial_map(vcpu, f, ipa, first);
		goto out;
	}
	changed = ret == 0;
	s2mmu_record_pins(vcpu, f);
	if ((f->prot & S2_PROT_W) && whole)
		s2mmu_mark_dirty(vm, f, first, size >> PAGE_SHIFT);
	else if (f->prot & S2_PROT_W)
		s2mmu_mark_dirty_writable(vm, f, ipa, first, size >> PAGE_SHIFT);
	if (!changed)
		atomic64_inc(s2mmu_vm_stat(vm, faults_spurious));
	ret = 0;
out:
	s2mmu_read_unlock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	s2mmu_drop_fault_pins(vcpu, f);
	s2mmu_release_replaced(vcpu);
	if (ret == -E2BIG)
		ret = s2mmu_zap_leaf(vm, f);
	return ret;
}

/*
 * The shared zero pages (4K, and the huge one THP maps for reads) are the
 * only pages a pin returns with no mapping at all; a truncated file page
 * looks the same, and is treated as carefully.
 */
static bool s2mmu_is_zero_like(struct page *page)
{
	return is_zero_pfn(page_to_pfn(page)) ||
	       (PageCompound(page) && !READ_ONCE(page_folio(page)->mapping));
}

/*
 * Try to pin the whole 2 MiB block around the fault: the host backs it
 * with one physically contiguous, aligned huge folio (THP or hugetlbfs),
 * the block lies inside the slot with the same offset in the host
 * mapping, and dirty logging does not want 4K granularity.
 */
static void s2mmu_try_block(struct s2mmu_vcpu *vcpu, struct s2mmu_fault *f,
			    unsigned int gup)
{
	struct s2mmu_memslot *slot = f->slot;
	u64 ipa_base = ALIGN_DOWN(f->ipa, SZ_2M);
	unsigned long hva_base = ALIGN_DOWN(f->hva, SZ_2M);
	unsigned long pfn;
	int i, got;

	if (READ_ONCE(slot->flags) & S2MMU_MEM_LOG_DIRTY_PAGES || f->zero ||
	    !PageCompound(vcpu->pages[0]) ||
	    s2mmu_mem_access_any(vcpu->vm, ipa_base >> PAGE_SHIFT,
				 S2MMU_BLOCK_PAGES) ||
	    (f->ipa & (SZ_2M - 1)) != (f->hva & (SZ_2M - 1)) ||
	    ipa_base < s2mmu_slot_base(slot) ||
	    ipa_base + SZ_2M > s2mmu_slot_end(slot))
		return;

	s2mmu_rank_might_take_mmap_lock();
	got = pin_user_pages_fast(hva_base, S2MMU_BLOCK_PAGES, gup,
				  vcpu->pages + 1);
	if (got > 0)
		s2mmu_pins_add(vcpu->vm, got);
	pfn = got > 0 ? page_to_pfn(vcpu->pages[1]) : 0;
	for (i = 1; got == S2MMU_BLOCK_PAGES && i <= got; i++)
		if (page_to_pfn(vcpu->pages[i]) != pfn + i - 1)
			break;
	/*
	 * One folio must hold the whole block: contiguous smaller folios
	 * (64K hugetlb, large page-cache folios) are separate objects to the
	 * host, which may write back, reclaim or migrate each on its own.
	 */
	if (got == S2MMU_BLOCK_PAGES && i > got &&
	    IS_ALIGNED(pfn, S2MMU_BLOCK_PAGES) &&
	    page_folio(vcpu->pages[1]) ==
	    page_folio(vcpu->pages[S2MMU_BLOCK_PAGES]) &&
	    vcpu->pages[1 + ((f->hva - hva_base) >> PAGE_SHIFT)] ==
	    vcpu->pages[0]) {
		/* The single pin is one of the block's: drop it. */
		s2mmu_unpin_clean(vcpu->vm, vcpu->pages[0]);
		memmove(vcpu->pages, vcpu->pages + 1,
			sizeof(*vcpu->pages) * S2MMU_BLOCK_PAGES);
		f->nr_pages = S2MMU_BLOCK_PAGES;
		return;
	}
	for (i = 1; i <= got; i++)
		s2mmu_unpin_clean(vcpu->vm, vcpu->pages[i]);
}

/*
 * Fault the host page in the way a user access would, with retry allowed.
 * The FOLL_LONGTERM slow path of GUP (6.1) faults without
 * FAULT_FLAG_ALLOW_RETRY, so a page handled by userfaultfd (a VMM doing
 * post-copy migration or demand paging) would get SIGBUS there instead of
 * waiting for the VMM to supply it.  Here the fault may wait, killably;
 * the pin that follows finds the page present.
 */
static int s2mmu_fault_in_host(struct s2mmu_fault *f)
{
	struct mm_struct *mm = current->mm;
	bool unlocked = false;
	int ret;

	s2mmu_mmap_read_lock(mm);
	ret = fixup_user_fault(mm, f->hva, f->write ? FAULT_FLAG_WRITE : 0,
			       &unlocked);
	s2mmu_mmap_read_unlock(mm);
	return ret;
}

/*
 * Step 4: pin the host page(s) backing the fault.  Write intent only for
 * write faults, so that reads never break COW or dirty a file.
 */
static int s2mmu_resolve_page(struct s2mmu_vcpu *vcpu, struct s2mmu_fault *f)
{
	unsigned int gup = FOLL_LONGTERM | (f->write ? FOLL_WRITE : 0);
	int ret;

	/* GUP may take mmap_lock: nothing ranked above it may be held. */
	s2mmu_rank_might_take_mmap_lock();
	ret = pin_user_pages_fast_only(f->hva, 1, gup, vcpu->pages);
	if (ret != 1) {
		/* Not present (or userfaultfd's to supply): fault, then pin. */
		ret = s2mmu_fault_in_host(f);
		if (!ret)
			ret = pin_user_pages_fast(f->hva, 1, gup, vcpu->pages);
	}
	if (ret != 1)
		return ret < 0 ? ret : -EFAULT;
	s2mmu_pins_add(vcpu->vm, 1);
	f->nr_pages = 1;
	f->zero = !f->write && s2mmu_is_zero_like(vcpu->pages[0]);
	s2mmu_try_block(vcpu, f, gup);

	f->prot = S2_PROT_R;
	if (f->write)
		f->prot |= S2_PROT_W;
	if (f->exec)
		f->prot |= S2_PROT_X;
	/* Never more than the frame's restriction; the access is in it. */
	f->prot &= f->allowed;
	return 0;
}

/*
 * Were all the slot's pages [@first, @first + @nr) -- a leaf about to be
 * made writable -- pinned for write?
 */
static bool s2mmu_pinned_for_write(const struct s2mmu_memslot *slot,
				   u64 first, u64 nr)
{
	u64 i;

	for (i = first; i < first + nr; i++)
		if (!(s2mmu_pin_of(slot, i) & S2MMU_PIN_WRITE))
			return false;
	return true;
}

/*
 * Step 3: an access-flag fault, or a permission fault on a mapping of the
 * right size all of whose pages were pinned with the intent the access
 * needs, is fixed in place: no page to resolve, no break-before-make.
 * Return: 0 done, -EAGAIN retry, -ENOENT take the full path.
 */
static int s2mmu_fix_in_place(struct s2mmu_vcpu *vcpu, struct s2mmu_fault *f)
{
	struct s2mmu_vm *vm = vcpu->vm;
	u32 logging = READ_ONCE(f->slot->flags) & S2MMU_MEM_LOG_DIRTY_PAGES;
	u64 nr = S2_LEVEL_SIZE(f->level) >> PAGE_SHIFT;
	u64 first = (ALIGN_DOWN(f->ipa, S2_LEVEL_SIZE(f->level)) >> PAGE_SHIFT) -
		    f->slot->base_gfn;
	unsigned long start, end;
	u64 t0, t1;
	int ret;

	/* Faults map 4K pages and 2 MiB blocks only; anything else: look. */
	if (f->level < 2)
		return -ENOENT;
	if (f->fsc == S2_FSC_PERM && f->write && logging && f->level < 3)
		return -ENOENT;	/* a block stays read-only while logging */

	/* The syndrome's level is the level of the leaf to fix. */
	s2mmu_fault_hva_range(f, S2_LEVEL_SIZE(f->level), &start, &end);
	t0 = s2mmu_prof_start();
	s2mmu_read_lock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	s2mmu_prof_end(S2MMU_PROF_FAULT_LOCK, t0);
	if (s2mmu_fault_stale(vm, f, start, end)) {
		ret = -EAGAIN;
	} else if (f->fsc == S2_FSC_ACCESS) {
		ret = s2_mkyoung(&vm->pgt, f->ipa, S2_WALK_SHARED);
		if (!ret)
			atomic64_inc(s2mmu_vm_stat(vm, access_flag_set));
	} else if (f->write && !s2mmu_pinned_for_write(f->slot, first, nr)) {
		ret = -ENOENT;
	} else {
		t1 = s2mmu_prof_start();
		ret = s2_relax_perms(&vm->pgt, f->ipa, f->prot,
				     s2mmu_relax_flags(f));
		s2mmu_prof_end(S2MMU_PROF_RELAX, t1);
		if (ret >= 0 && f->write)
			s2mmu_mark_dirty(vm, f, first, nr);
	}
	if (ret == S2_UNCHANGED)
		atomic64_inc(s2mmu_vm_stat(vm, faults_spurious));
	s2mmu_read_unlock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	return ret > 0 ? 0 : ret;
}

/*
 * No slot at @f->ipa: an MMIO exit, unless it is a read of the info page
 * that a restriction had withheld from the table and allows again: then
 * it is mapped back and the fault ends as one that starts over (-EAGAIN),
 * the guest's retried read finding the page.
 */
static int s2mmu_fault_no_slot(struct s2mmu_vcpu *vcpu, struct s2mmu_fault *f)
{
	if (f->prot != S2_PROT_R ||
	    s2mmu_info_fault(vcpu, f->ipa, f->allowed, f->seq) == -ENOENT)
		return S2MMU_FAULT_MMIO;
	return -EAGAIN;
}

/*
 * Step 2, under the SRCU read side that keeps @f->slot alive: the
 * frame's restriction, the slot, and whether the host is changing the
 * page.  Return: 0 to go on, %S2MMU_FAULT_MEM_ACCESS,
 * %S2MMU_FAULT_MMIO, or -EAGAIN to start over.
 */
static int s2mmu_fault_lookup(struct s2mmu_vcpu *vcpu, struct s2mmu_fault *f)
{
	struct s2mmu_vm *vm = vcpu->vm;
	unsigned long start, end;
	int ret;

	/*
	 * A restriction forbids the access: nothing is mapped, the VMM is
	 * told.  Read after step 1, so that a SET tightening it meanwhile
	 * makes this fault start over before it maps.
	 */
	ret = s2mmu_mem_access_check(vcpu, NULL, f->ipa, f->kind, f->prot,
				     &f->allowed);
	if (ret)
		return ret;

	f->slot = s2mmu_find_slot(srcu_dereference(vm->slots, &vm->srcu),
				  f->ipa);
	if (!f->slot)
		return s2mmu_fault_no_slot(vcpu, f);
	if (f->write && f->slot->flags & S2MMU_MEM_READONLY)
		return S2MMU_FAULT_MMIO;
	f->hva = f->slot->userspace_addr + (f->ipa - s2mmu_slot_base(f->slot));

	/*
	 * The host is changing this very page: whatever it resolves now,
	 * the fault could not map.  Wait for the host to finish instead.
	 */
	s2mmu_fault_hva_range(f, PAGE_SIZE, &start, &end);
	if (s2mmu_hva_busy(vm, start, end)) {
		f->busy_start = start;
		f->busy_end = end;
		return -EAGAIN;
	}
	return 0;
}

/*
 * Steps 2 to 6, for a fault whose invalidation state was sampled, under
 * the SRCU read side that keeps @f->slot alive.
 * Return: as s2mmu_handle_fault(), 0 for done, or -EAGAIN to start over.
 */
static int s2mmu_fault_in_slot(struct s2mmu_vcpu *vcpu, struct s2mmu_fault *f)
{
	struct s2mmu_vm *vm = vcpu->vm;
	u64 t0 = s2mmu_prof_start();
	int ret;

	/* Step 2: the restriction, the slot, the host's changes. */
	ret = s2mmu_fault_lookup(vcpu, f);
	if (ret)
		return ret;
	s2mmu_prof_end(S2MMU_PROF_FAULT_LOOKUP, t0);

	/* Step 3: fix the leaf in place. */
	if (f->fsc != S2_FSC_TRANSLATION) {
		t0 = s2mmu_prof_start();
		ret = s2mmu_fix_in_place(vcpu, f);
		s2mmu_prof_end(S2MMU_PROF_FIX_IN_PLACE, t0);
		if (ret != -ENOENT)
			return ret;
	}

	/* Step 4: pin the page. */
	t0 = s2mmu_prof_start();
	ret = s2mmu_resolve_page(vcpu, f);
	s2mmu_prof_end(S2MMU_PROF_RESOLVE, t0);
	if (ret)
		return ret;
	ret = s2mmu_pins_prepare(f->slot, s2mmu_fault_first_index(f),
				 f->nr_pages);
	if (ret) {
		s2mmu_drop_fault_pins(vcpu, f);
		return ret;
	}
	/* Without FWB: the pages the guest may access uncached, now clean. */
	s2mmu_cache_clean_pages(vm, f->slot, s2mmu_fault_first_index(f),
				vcpu->pages, f->nr_pages);
	/* Step 5 (and 6 inside). */
	if (f->zero)
		return s2mmu_map_zero(vcpu, f);
	t0 = s2mmu_prof_start();
	ret = s2mmu_map_fault(vcpu, f);
	s2mmu_prof_end(S2MMU_PROF_MAP, t0);
	return ret;
}

/*
 * What a stage-2 abort needs.  A fault on the guest's own stage-1 walk
 * (S1PTW) carries in WnR, and in its exception class, the access that
 * caused the walk, but the walk itself only reads the table, unless it
 * updates the table's access or dirty flag in hardware: only a
 * permission fault shows that (Arm ARM D19.2.43, ISS encoding for a Data
 * Abort: S1PTW, WnR).  Taken as a write, a walk would mark the table page
 * dirty and fail in a read-only slot; taken as a fetch, it would make the
 * table executable.  KVM has done the same since Linux 6.2.
 */
static void s2mmu_abort_access(u64 esr, struct s2mmu_fault *f)
{
	bool walk = esr & S2MMU_ESR_S1PTW;

	f->exec = !walk &&
		  (esr >> S2MMU_ESR_EC_SHIFT) == S2MMU_ESR_EC_IABT_LOW;
	if (walk)
		f->write = (esr & S2_FSC_TYPE_MASK) == S2_FSC_PERM;
	else
		f->write = esr & S2MMU_ESR_WNR;
	f->kind = walk ? S2MMU_MEM_ACCESS_KIND_WALK :
		  f->exec ? S2MMU_MEM_ACCESS_KIND_EXEC :
		  f->write ? S2MMU_MEM_ACCESS_KIND_WRITE :
		  S2MMU_MEM_ACCESS_KIND_READ;
}

/**
 * s2mmu_abort_need() - what a stage-2 abort's access needs
 * @esr: the syndrome
 * @kind: out: %S2MMU_MEM_ACCESS_KIND_*
 * @need: out: the S2_PROT_* permission
 */
void s2mmu_abort_need(u64 esr, u32 *kind, u32 *need)
{
	struct s2mmu_fault f = { .fsc = esr & S2_FSC_TYPE_MASK };

	s2mmu_abort_access(esr, &f);
	*kind = f.kind;
	*need = f.write ? S2_PROT_W : f.exec ? S2_PROT_X : S2_PROT_R;
}

/*
 * One stage-2 fault on view 0; @guest: of a running guest, which
 * re-enters after it (see &struct s2mmu_fault).
 */
static int s2mmu_resolve(struct s2mmu_vcpu *vcpu, u64 ipa, u64 esr,
			 bool guest)
{
	struct s2mmu_vm *vm = vcpu->vm;
	struct s2mmu_fault f = {
		.ipa	= ipa,
		.fsc	= esr & S2_FSC_TYPE_MASK,
		.level	= esr & S2_FSC_LEVEL_MASK,
		.guest	= guest,
	};
	int idx, ret;

	lockdep_assert_held(&vcpu->mutex);
	s2mmu_abort_access(esr, &f);
	s2mmu_count_fault(vm, f.fsc);
	f.prot = f.write ? S2_PROT_W : f.exec ? S2_PROT_X : S2_PROT_R;

	/* Table pages are allocated here, where sleeping is allowed. */
	ret = s2_memcache_topup(&vcpu->mc, S2_MEMCACHE_MIN_MAP,
				&s2mmu_table_mm_ops, NULL);
	if (ret)
		return ret;

	/* Step 1: sample before the slot and the page are looked up. */
	f.seq = s2mmu_sample_invalidate_seq(vm);
	idx = s2mmu_srcu_read_lock(&vm->srcu);
	ret = s2mmu_fault_in_slot(vcpu, &f);
	s2mmu_srcu_read_unlock(&vm->srcu, idx);

	if (ret == S2MMU_FAULT_MMIO) {
		atomic64_inc(s2mmu_vm_stat(vm, mmio_exits));
		return ret;
	}
	if (ret != -EAGAIN)
		return ret ? ret : S2MMU_FAULT_RETRY;
	atomic64_inc(s2mmu_vm_stat(vm, fault_retries));
	/*
	 * Starting over while the host still changes the fault's range
	 * would only find it busy again, for as long as the invalidating
	 * thread takes (it may be preempted): sleep until it is done.
	 */
	if (f.busy_end &&
	    wait_event_killable(vm->mmu_invalidate_wq,
				!s2mmu_hva_busy(vm, f.busy_start, f.busy_end)))
		return -EINTR;
	return S2MMU_FAULT_RETRY;
}

/**
 * s2mmu_resolve_fault() - one stage-2 fault on view 0
 * @vcpu: the faulting vCPU; its mutex held
 * @ipa: the faulting IPA
 * @esr: the syndrome
 *
 * views.c calls it for the page a view's fault needs.
 *
 * Return: as s2mmu_handle_fault().
 */
int s2mmu_resolve_fault(struct s2mmu_vcpu *vcpu, u64 ipa, u64 esr)
{
	return s2mmu_resolve(vcpu, ipa, esr, false);
}

/* A guest reading its counters sees the fault once it resumes. */
static void s2mmu_guest_fault_publish(struct s2mmu_vm *vm)
{
	u64 t0 = s2mmu_prof_start();

	s2mmu_info_publish(vm);
	s2mmu_prof_end(S2MMU_PROF_INFO_PUBLISH, t0);
}

/**
 * s2mmu_handle_fault() - handle one stage-2 fault of @vcpu
 * @vcpu: the faulting vCPU; its mutex held
 * @ipa: the faulting IPA (HPFAR_EL2 and FAR_EL2 combined)
 * @esr: the syndrome (ESR_EL2 of a stage-2 data or instruction abort)
 *
 * Return: %S2MMU_FAULT_RETRY (re-execute the access), %S2MMU_FAULT_MMIO
 * (no memory there for this access: exit to the VMM),
 * %S2MMU_FAULT_MEM_ACCESS (a restriction forbids the access: exit to the
 * VMM with &s2mmu_vcpu.ma_event), or a negative
 * errno (-EFAULT: the slot's backing memory is not accessible, -EINTR:
 * a fatal signal while waiting for the host).
 */
int s2mmu_handle_fault(struct s2mmu_vcpu *vcpu, u64 ipa, u64 esr)
{
	int ret = s2mmu_resolve_fault(vcpu, ipa, esr);

	s2mmu_guest_fault_publish(vcpu->vm);
	return ret;
}

/**
 * s2mmu_handle_guest_fault() - a stage-2 fault of a running guest
 * @vcpu: the vCPU; its mutex held
 * @ipa: the faulting IPA
 * @esr: the syndrome
 *
 * As s2mmu_handle_fault(), on the view the vCPU runs on.
 *
 * Return: as s2mmu_handle_fault().
 */
int s2mmu_handle_guest_fault(struct s2mmu_vcpu *vcpu, u64 ipa, u64 esr)
{
	u64 t0 = s2mmu_prof_start();
	int ret;

	if (!vcpu->view)
		ret = s2mmu_resolve(vcpu, ipa, esr, true);
	else
		ret = s2mmu_view_fault(vcpu, ipa, esr);
	s2mmu_guest_fault_publish(vcpu->vm);
	s2mmu_prof_end(S2MMU_PROF_GUEST_FAULT, t0);
	return ret;
}
