// SPDX-License-Identifier: GPL-2.0
/*
 * The info page: a page the module owns, mapped read-only into the
 * guest's IPA space at an address the VMM chooses (S2MMU_MAP_INFO_PAGE),
 * on which the module publishes the VM's own counters, so that a guest can
 * read its faults.  It is a "map-once" page:
 *
 * - one mapping at a time (-EBUSY while mapped), never over a memory
 *   slot, and no slot over it (-EEXIST): it lies outside every slot, so
 *   nothing that unmaps slot ranges (slot changes, the MMU notifier, dirty
 *   logging) ever touches it, and no fault maps anything there;
 * - it records where it is mapped (the back-pointer &s2mmu_info.ipa), and
 *   its removal goes through that record and first checks that the table
 *   still maps this very page there.  A mismatch means the record or the
 *   table is wrong; unmapping blindly would tear down whatever the table
 *   holds at a stale address, so the table is left alone, the mismatch is
 *   counted and logged, and the page stays until the VM goes.
 *
 * Locks (Documentation/locking.rst): the back-pointer changes under
 * slots_lock and mmu_lock (write); the page's contents are rewritten
 * under info.lock, with a sequence count for the guest's reads.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <uapi/linux/s2mmu.h>
#include "s2_pgtable.h"
#include "s2mmu.h"
#include "s2mmu_lockrank.h"
#include "s2mmu_vm.h"

/* Info pages allocated and not yet freed, in every VM: leak checks. */
atomic64_t s2mmu_info_pages;

bool s2mmu_test_hooks;
module_param_named(test_hooks, s2mmu_test_hooks, bool, 0644);
MODULE_PARM_DESC(test_hooks, "accept the test-only flags of ioctls (S2MMU_INFO_UNMAP_TEST_STALE, S2MMU_VIEW_CHANGE_GFN_TEST_STALE)");

/*
 * Rewrite @page with the VM's counters now.  Under info.lock, so that two
 * vCPUs rewriting at once cannot leave an older snapshot last; the
 * sequence count lets the guest tell a torn read.
 *
 * A guest with its MMU off reads the page past the caches.  Without FWB
 * each step is cleaned to the point of coherency before the next one is
 * written, so that memory sees the odd count before any counter changes
 * and every counter before the even count: a line leaving the cache on
 * its own only brings memory forward within a step.  With FWB the
 * guest's reads are cacheable and the barriers suffice.
 */
static void s2mmu_info_write(struct s2mmu_vm *vm, struct page *page)
{
	struct s2mmu_info_page *ip = page_address(page);
	bool cleaned;

	s2mmu_mutex_lock(&vm->info.lock, S2MMU_RANK_INFO_LOCK);
	WRITE_ONCE(ip->seq, ip->seq + 1);
	s2mmu_cache_clean_host_write(vm, &ip->seq, sizeof(ip->seq));
	/* The odd count before the counters change: the guest retries. */
	smp_wmb();
	s2mmu_vm_stats(vm, &ip->stats);
	WRITE_ONCE(ip->version, S2MMU_INFO_PAGE_VERSION);
	s2mmu_cache_clean_host_write(vm, ip, sizeof(*ip));
	/* The counters before the even count that says they are whole. */
	smp_wmb();
	WRITE_ONCE(ip->seq, ip->seq + 1);
	cleaned = s2mmu_cache_clean_host_write(vm, &ip->seq, sizeof(ip->seq));
	s2mmu_mutex_unlock(&vm->info.lock, S2MMU_RANK_INFO_LOCK);
	if (cleaned)
		atomic64_inc(s2mmu_vm_stat(vm, dcache_clean_pages));
}

/**
 * s2mmu_info_publish() - rewrite the info page, if it is mapped
 * @vm: the VM
 *
 * Called after every stage-2 fault.  With no page mapped (never mapped,
 * or removed) it costs one load: nothing reads the page then, and the
 * next S2MMU_MAP_INFO_PAGE rewrites it before and after placing it.
 */
void s2mmu_info_publish(struct s2mmu_vm *vm)
{
	struct page *page;

	if (!READ_ONCE(vm->info.mapped))
		return;
	/* Pairs with the cmpxchg that installed it: its zeroes first. */
	page = smp_load_acquire(&vm->info.page);
	if (page)
		s2mmu_info_write(vm, page);
}

/* Does [@gfn, @gfn + @npages) cover the mapped info page? */
bool s2mmu_info_overlaps(struct s2mmu_vm *vm, u64 gfn, u64 npages)
{
	u64 info_gfn = vm->info.ipa >> PAGE_SHIFT;

	lockdep_assert_held(&vm->slots_lock);
	return vm->info.mapped && gfn <= info_gfn && info_gfn - gfn < npages;
}

/* The page, allocated once; a racing allocation is dropped. */
static struct page *s2mmu_info_get_page(struct s2mmu_vm *vm)
{
	/* Acquire: a page another map installed comes with its zeroes. */
	struct page *page = smp_load_acquire(&vm->info.page), *old;

	if (page)
		return page;
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page)
		return NULL;
	old = cmpxchg(&vm->info.page, NULL, page);
	if (!old) {
		atomic64_inc(&s2mmu_info_pages);
		return page;
	}
	__free_page(page);
	return old;
}

/* May the page go to @ipa?  slots_lock held. */
static int s2mmu_info_free_at(struct s2mmu_vm *vm, u64 ipa)
{
	lockdep_assert_held(&vm->slots_lock);
	if (vm->info.mapped)
		return -EBUSY;
	if (s2mmu_find_slot(s2mmu_slots(vm), ipa))
		return -EEXIST;
	return 0;
}

/* Map @page read-only at @ipa and record it; slots_lock held. */
static int s2mmu_info_place(struct s2mmu_vm *vm, u64 ipa, struct page *page)
{
	struct s2_memcache *mc;
	int ret;

	ret = s2mmu_info_free_at(vm, ipa);
	if (ret)
		return ret;
	mc = kzalloc(sizeof(*mc), GFP_KERNEL_ACCOUNT);
	if (!mc)
		return -ENOMEM;
	ret = s2_memcache_topup(mc, S2_MEMCACHE_MIN_MAP, &s2mmu_table_mm_ops,
				NULL);
	if (!ret) {
		s2mmu_write_lock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
		/*
		 * Nothing is mapped outside slots: a new leaf, or an error.
		 * A frame whose restriction forbids reading gets no leaf
		 * yet: the guest's read faults and meets the restriction
		 * (SET_MEM_ACCESS serialises with this on slots_lock).
		 */
		if (s2mmu_mem_access_perms(vm, ipa >> PAGE_SHIFT) & S2_PROT_R)
			ret = s2_map(&vm->pgt, ipa, PAGE_SIZE,
				     page_to_phys(page), S2_PROT_R, mc, 0);
		if (!ret) {
			WRITE_ONCE(vm->info.ipa, ipa);
			WRITE_ONCE(vm->info.mapped, true);
		}
		s2mmu_write_unlock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	}
	s2_memcache_drain(mc, &s2mmu_table_mm_ops);
	kfree(mc);
	/* Anything but a new leaf (a bug: nothing is mapped here) fails. */
	return ret ? -ENOMEM : 0;
}

/**
 * s2mmu_map_info_page() - S2MMU_MAP_INFO_PAGE
 * @vm: the VM
 * @argp: &struct s2mmu_info_page_map
 *
 * Return: 0, or the errors documented in the uapi header.
 */
int s2mmu_map_info_page(struct s2mmu_vm *vm, void __user *argp)
{
	struct s2mmu_info_page_map m;
	struct page *page;
	int ret;

	if (copy_from_user(&m, argp, sizeof(m)))
		return -EFAULT;
	if (m.flags || m.padding || !PAGE_ALIGNED(m.guest_phys_addr) ||
	    m.guest_phys_addr >= BIT_ULL(vm->ipa_bits))
		return -EINVAL;
	/*
	 * Refused before anything is allocated, so that a refused call
	 * leaves the VM (and the module's page count) as it was; checked
	 * again once the page is filled, as slots may change meanwhile.
	 */
	s2mmu_mutex_lock(&vm->slots_lock, S2MMU_RANK_SLOTS_LOCK);
	ret = s2mmu_info_free_at(vm, m.guest_phys_addr);
	s2mmu_mutex_unlock(&vm->slots_lock, S2MMU_RANK_SLOTS_LOCK);
	if (ret)
		return ret;
	page = s2mmu_info_get_page(vm);
	if (!page)
		return -ENOMEM;
	/* Filled before the guest can see it. */
	s2mmu_info_write(vm, page);
	s2mmu_mutex_lock(&vm->slots_lock, S2MMU_RANK_SLOTS_LOCK);
	ret = s2mmu_info_place(vm, m.guest_phys_addr, page);
	s2mmu_mutex_unlock(&vm->slots_lock, S2MMU_RANK_SLOTS_LOCK);
	/*
	 * Faults that ran while it was being placed found it unmapped and
	 * left it alone: the counters once more, now that it is in place.
	 */
	if (!ret)
		s2mmu_info_publish(vm);
	return ret;
}

/* Does the table hold a leaf at @ipa?  mmu_lock held. */
static bool s2mmu_info_has_leaf(struct s2mmu_vm *vm, u64 ipa)
{
	s2_pte_t pte;
	s8 level;

	lockdep_assert_held(&vm->mmu_lock);
	return !s2_get_leaf(&vm->pgt, ipa, &pte, &level) && s2_desc_valid(pte);
}

/**
 * s2mmu_info_withhold() - a tightening of [@start, @end) may forbid
 *	reading the info page's frame: then the page leaves the table
 * @vm: the VM; mmu_lock held for write, the restriction already stored
 * @start: first IPA of the tightened range
 * @end: IPA after it
 *
 * The page stays placed (&s2mmu_info.mapped): once reading is allowed
 * again, the guest's next read maps it back (s2mmu_info_fault()).  Only
 * the very page is removed, and through the views too.
 */
void s2mmu_info_withhold(struct s2mmu_vm *vm, u64 start, u64 end)
{
	u64 ipa = vm->info.ipa;

	lockdep_assert_held_write(&vm->mmu_lock);
	if (!vm->info.mapped || ipa < start || ipa >= end ||
	    s2mmu_mem_access_perms(vm, ipa >> PAGE_SHIFT) & S2_PROT_R)
		return;
	if (s2mmu_maps_page(vm, ipa, vm->info.page))
		s2mmu_unmap_range_locked(vm, ipa, PAGE_SIZE);
}

/**
 * s2mmu_info_fault() - a guest read found no leaf at @ipa, in no slot
 * @vcpu: the faulting vCPU; its memory cache topped up
 * @ipa: the IPA read
 * @allowed: the ``S2_PROT_*`` the frame's restriction leaves, as the
 *	fault read it after sampling @seq
 * @seq: the fault's sample of the invalidate sequence
 *
 * The info page withheld while a restriction forbade reading it comes
 * back here.  A tightening moves the sequence before it withholds the
 * page, so a fault that read the old restriction starts over.
 *
 * Return: 0 mapped (or already), -EAGAIN start over, -ENOENT not the
 * info page (an MMIO exit).
 */
int s2mmu_info_fault(struct s2mmu_vcpu *vcpu, u64 ipa, u32 allowed,
		     unsigned long seq)
{
	struct s2mmu_vm *vm = vcpu->vm;
	u64 page_ipa = ipa & PAGE_MASK;
	int ret = -ENOENT;

	/* Every MMIO read comes here: no lock unless it is the page's frame. */
	if (!READ_ONCE(vm->info.mapped) || READ_ONCE(vm->info.ipa) != page_ipa ||
	    !(allowed & S2_PROT_R))
		return -ENOENT;
	s2mmu_write_lock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	if (READ_ONCE(vm->mmu_invalidate_seq) != seq)
		ret = -EAGAIN;
	else if (vm->info.mapped && vm->info.ipa == page_ipa &&
		 !s2mmu_info_has_leaf(vm, page_ipa))
		ret = s2_map(&vm->pgt, page_ipa, PAGE_SIZE,
			     page_to_phys(vm->info.page), S2_PROT_R,
			     &vcpu->mc, 0) ? -EAGAIN : 0;
	else if (vm->info.mapped && vm->info.ipa == page_ipa)
		ret = 0;	/* another vCPU mapped it meanwhile */
	s2mmu_write_unlock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	return ret;
}

/*
 * The checked removal: unmap the page at its recorded place only if the
 * table maps that very page there (or nothing: a restriction withheld
 * it).  @stale (a test hook) checks against
 * the next frame instead, as a back-pointer gone wrong would.
 */
static int s2mmu_info_remove(struct s2mmu_vm *vm, bool stale)
{
	struct page *page = vm->info.page;
	u64 ipa = vm->info.ipa;
	bool ok;

	lockdep_assert_held(&vm->slots_lock);
	s2mmu_write_lock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	ok = !s2mmu_info_has_leaf(vm, ipa) ||
	     s2mmu_maps_page(vm, ipa, stale ? page + 1 : page);
	if (ok) {
		s2mmu_unmap_range_locked(vm, ipa, PAGE_SIZE);
		WRITE_ONCE(vm->info.mapped, false);
	}
	s2mmu_write_unlock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	if (ok)
		return 0;
	atomic64_inc(s2mmu_vm_stat(vm, info_page_mismatches));
	pr_warn_ratelimited("VM %u: the table does not map the info page at IPA %#llx: left as it is\n",
			    vm->id, ipa);
	return -EIO;
}

/**
 * s2mmu_unmap_info_page() - S2MMU_UNMAP_INFO_PAGE
 * @vm: the VM
 * @arg: 0, or %S2MMU_INFO_UNMAP_TEST_STALE with the test_hooks parameter
 *
 * Return: 0, or the errors documented in the uapi header.
 */
int s2mmu_unmap_info_page(struct s2mmu_vm *vm, unsigned long arg)
{
	int ret;

	if (arg & ~(unsigned long)S2MMU_INFO_UNMAP_TEST_STALE)
		return -EINVAL;
	if (arg && !READ_ONCE(s2mmu_test_hooks))
		return -EINVAL;
	s2mmu_mutex_lock(&vm->slots_lock, S2MMU_RANK_SLOTS_LOCK);
	ret = vm->info.mapped ? s2mmu_info_remove(vm, arg) : -ENOENT;
	s2mmu_mutex_unlock(&vm->slots_lock, S2MMU_RANK_SLOTS_LOCK);
	return ret;
}

/* The VM is gone and so is its table: the page can go. */
void s2mmu_info_free(struct s2mmu_vm *vm)
{
	if (!vm->info.page)
		return;
	__free_page(vm->info.page);
	atomic64_dec(&s2mmu_info_pages);
}
