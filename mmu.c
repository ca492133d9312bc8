// SPDX-License-Identifier: GPL-2.0
/*
 * s2mmu: VMs, memory slots, the stage-2 fault handler and the software
 * vCPU access path.
 *
 * A VM is an anonymous-inode file owning one stage-2 table (pgtable.c),
 * a set of memory slots and its vCPUs.  Guest pages are pinned when a
 * fault maps them and stay pinned until their stage-2 mapping is gone;
 * each slot remembers which page backs each of its guest pages, so that
 * deleting the slot or closing the VM releases every pin.
 *
 * Locking is described in Documentation/locking.rst; in short:
 * vcpu->mutex -> vm->slots_lock -> vm->srcu (read) -> mmap_lock (inside
 * GUP) -> vm->mmu_lock.  Faults hold mmu_lock for read and use the
 * engine's shared walks; everything that removes or restricts mappings
 * holds it for write, and makes the faults it races with start over
 * (the invalidation state, vm->mmu_invalidate_*).
 */
#include <linux/anon_inodes.h>
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/pgtable.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/seqlock.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include <uapi/linux/s2mmu.h>
#include "s2_pgtable.h"
#include "s2mmu.h"

/* Pages of one 2 MiB block: the only block size faults install. */
#define S2MMU_BLOCK_PAGES	(SZ_2M >> PAGE_SHIFT)

/*
 * Tag bits in a slot's pin record (a struct page pointer, at least 8-byte
 * aligned): the pin was taken with write intent, and the page was mapped
 * writable, so the host must see it dirty when the pin is released.
 */
#define S2MMU_PIN_WRITE		BIT(0)
#define S2MMU_PIN_DIRTY		BIT(1)
#define S2MMU_PIN_TAGS		(S2MMU_PIN_WRITE | S2MMU_PIN_DIRTY)

/* ESR_EL2 as the hardware would build it for a stage-2 abort. */
#define S2MMU_ESR_EC_SHIFT	26
#define S2MMU_ESR_EC_IABT_LOW	0x20ULL
#define S2MMU_ESR_EC_DABT_LOW	0x24ULL
#define S2MMU_ESR_IL		BIT_ULL(25)
#define S2MMU_ESR_WNR		BIT_ULL(6)
#define S2MMU_ESR_S1PTW		BIT_ULL(7)
#define S2MMU_ESR_FSC_MASK	0x3fULL

/* A fault that keeps coming back this often is a bug, not a race. */
#define S2MMU_MAX_FAULTS_PER_PAGE	1000

/**
 * struct s2mmu_memslot - one memory slot
 * @id: the slot id userspace chose
 * @flags: S2MMU_MEM_*; only %S2MMU_MEM_LOG_DIRTY_PAGES changes, under
 *	slots_lock and mmu_lock held for write
 * @base_gfn: first guest frame
 * @npages: guest pages
 * @userspace_addr: host virtual address of the first page
 * @pins: per guest page, the pinned host page backing its stage-2
 *	mapping, or 0; tagged with S2MMU_PIN_*.  Set with cmpxchg by faults
 *	under mmu_lock (read), cleared when the slot's mappings are gone.
 * @dirty_bitmap: one bit per page while dirty logging is on, else NULL;
 *	set by faults under mmu_lock (read)
 */
struct s2mmu_memslot {
	u32		id;
	u32		flags;
	u64		base_gfn;
	u64		npages;
	unsigned long	userspace_addr;
	unsigned long	*pins;
	unsigned long	*dirty_bitmap;
};

/**
 * struct s2mmu_memslots - the set of slots, replaced as a whole on change
 * @nr: live slots
 * @slot: the slots, sorted by @base_gfn
 */
struct s2mmu_memslots {
	int			nr;
	struct s2mmu_memslot	*slot[S2MMU_MAX_MEMSLOTS];
};

struct s2mmu_vcpu;

/*
 * Changes to mappings that a fault can tell apart from the ones that
 * concern it.  A fault that saw more of them move the sequence since its
 * sample starts over whatever its address (a fault lasts a few
 * microseconds; so many changes in between are rare).
 */
#define S2MMU_INVALIDATE_LOG	16

/*
 * Invalidations in progress whose ranges are kept apart; beyond that
 * many at once, the others are kept as one union.  Each vCPU's
 * copy-on-write of its own page is one, and they often overlap in time.
 */
#define S2MMU_INVALIDATE_BUSY	8

/**
 * struct s2mmu_hva_range - a host virtual address range
 * @start: first byte
 * @end: first byte after
 */
struct s2mmu_hva_range {
	unsigned long	start;
	unsigned long	end;
};

/**
 * struct s2mmu_vm - one VM
 * @refs: the VM file and each vCPU file hold one
 * @mm: the creator's address space; only it may use the VM
 * @id: module-unique number, names the debugfs directory
 * @ipa_bits: IPA size
 * @pgt: the stage-2 table
 * @mmu_lock: read: faults (shared engine walks, pin records, dirty bits);
 *	write: unmap, write-protect, zero-page maps, invalidate sequence
 * @mmu_invalidate_lock: serialises the writers of the six fields below;
 *	nests inside @mmu_lock and holds nothing but a few stores, so that
 *	the MMU notifier can take it without @mmu_lock
 * @mmu_invalidate_seqcount: lets faults read those fields without taking
 *	@mmu_invalidate_lock: a lock every fault took would be the one place
 *	where all vCPUs of a VM serialise
 * @mmu_invalidate_seq: moved by the end of every MMU-notifier
 *	invalidation and by every slot change that removes or restricts
 *	mappings; a fault samples it before it resolves its page
 * @mmu_invalidate_log: the host range (hva) of the change that moved
 *	@mmu_invalidate_seq to each of its last %S2MMU_INVALIDATE_LOG
 *	values, at index value % %S2MMU_INVALIDATE_LOG; a slot change
 *	covers everything
 * @mmu_invalidate_in_progress: MMU-notifier invalidations between their
 *	start and their end
 * @mmu_invalidate_busy: the host ranges of up to %S2MMU_INVALIDATE_BUSY
 *	invalidations in progress; free entries have @end 0
 * @mmu_invalidate_busy_more: the union of the ranges of the other
 *	invalidations in progress, when more run at once
 * @mmu_invalidate_busy_more_nr: how many those are
 * @mmu_invalidate_wq: faults wait here for the invalidations covering
 *	their page to end, rather than fault again and again meanwhile
 * @slots_lock: serialises memory slot changes
 * @slots: current slots; read under @srcu, replaced under @slots_lock
 * @srcu: protects the lifetime of @slots and the slots it points at
 * @lock: protects @vcpus
 * @vcpus: vCPUs by id
 * @nr_vcpus: vCPUs created
 * @stat: counters of the fault path, atomically updated
 * @pages_pinned: guest pages pinned now
 * @debugfs: this VM's debugfs directory
 * @mmu_notifier: on @mm: host changes to the slots' memory unmap stage 2
 * @manual_dirty_protect: %S2MMU_CAP_MANUAL_DIRTY_LOG_PROTECT is on: GET
 *	only reads the log, CLEAR re-protects; changed under @slots_lock
 * @el2: the EL2 backend's state: VMID, TLB ops, debug table
 */
struct s2mmu_vm {
	refcount_t		refs;
	struct mm_struct	*mm;
	u32			id;
	u32			ipa_bits;
	struct s2_pgtable	pgt;
	rwlock_t		mmu_lock;
	spinlock_t		mmu_invalidate_lock;	/* see above */
	seqcount_spinlock_t	mmu_invalidate_seqcount;
	unsigned long		mmu_invalidate_seq;
	struct s2mmu_hva_range	mmu_invalidate_log[S2MMU_INVALIDATE_LOG];
	long			mmu_invalidate_in_progress;
	struct s2mmu_hva_range	mmu_invalidate_busy[S2MMU_INVALIDATE_BUSY];
	struct s2mmu_hva_range	mmu_invalidate_busy_more;
	long			mmu_invalidate_busy_more_nr;
	wait_queue_head_t	mmu_invalidate_wq;
	struct mutex		slots_lock;	/* serialises slot changes */
	struct s2mmu_memslots __rcu *slots;
	struct srcu_struct	srcu;
	struct mutex		lock;		/* protects vcpus[] */
	struct s2mmu_vcpu	*vcpus[S2MMU_MAX_VCPUS];
	u32			nr_vcpus;
	struct {
		atomic64_t	faults_translation;
		atomic64_t	faults_access;
		atomic64_t	faults_permission;
		atomic64_t	faults_spurious;
		atomic64_t	fault_retries;
		atomic64_t	mmio_exits;
		atomic64_t	access_flag_set;
		atomic64_t	zero_page_maps;
		atomic64_t	dirty_marked;
		atomic64_t	notifier_invalidations;
		atomic64_t	young_found;
	} stat;
	atomic64_t		pages_pinned;
	struct dentry		*debugfs;
	struct mmu_notifier	mmu_notifier;
	bool			manual_dirty_protect;
	struct s2mmu_el2_vm	el2;
};

/**
 * struct s2mmu_vcpu - one vCPU
 * @vm: its VM (holds a reference)
 * @id: vCPU id
 * @mutex: serialises this vCPU's ioctls, and so the use of the buffers
 *	below
 * @run: the page shared with userspace
 * @mc: table pages for faults, topped up outside mmu_lock
 * @bounce: one page of data on its way between the guest and @buf
 * @pages: pins taken by the fault in progress
 * @release: pins that fault replaced, released once mmu_lock is dropped
 * @nr_release: entries in @release
 * @ctx: guest registers and run state (run.c)
 */
struct s2mmu_vcpu {
	struct s2mmu_vm		*vm;
	u32			id;
	struct mutex		mutex;		/* one ioctl at a time */
	struct s2mmu_run	*run;
	struct s2_memcache	mc;
	void			*bounce;
	struct page		**pages;
	unsigned long		*release;
	int			nr_release;
	struct s2mmu_vcpu_ctx	*ctx;
};

/* Module-wide leak accounting, reported by S2MMU_GET_MODULE_STATS. */
static atomic64_t s2mmu_nr_vms;
static atomic64_t s2mmu_table_pages;
static atomic64_t s2mmu_pages_pinned;
static atomic_t s2mmu_next_vm_id;
static struct dentry *s2mmu_debugfs_root;

/* ---- memory for the engine ---- */

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
static const struct s2_tlb_ops *s2mmu_vm_tlb_ops(const struct s2_tlb_ops *el2)
{
	if (el2)
		return el2;
	if (s2mmu_cpu.flags & S2MMU_FEAT_TLBIRANGE)
		return &s2mmu_sw_range_tlb_ops;
	return &s2mmu_sw_tlb_ops;
}

/* ---- pins ---- */

static struct page *s2mmu_pin_page(unsigned long pin)
{
	return (struct page *)(pin & ~S2MMU_PIN_TAGS);
}

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
static void s2mmu_slot_release_pins(struct s2mmu_vm *vm,
				    struct s2mmu_memslot *slot)
{
	u64 i;

	for (i = 0; i < slot->npages; i++) {
		unsigned long pin = xchg(&slot->pins[i], 0);

		if (pin)
			s2mmu_release_pin(vm, pin);
		if (!(i & 1023))
			cond_resched();
	}
}

/* ---- memory slots ---- */

static struct s2mmu_memslots *s2mmu_slots(struct s2mmu_vm *vm)
{
	return srcu_dereference_check(vm->slots, &vm->srcu,
				      lockdep_is_held(&vm->slots_lock));
}

static u64 s2mmu_slot_base(const struct s2mmu_memslot *slot)
{
	return slot->base_gfn << PAGE_SHIFT;
}

static u64 s2mmu_slot_end(const struct s2mmu_memslot *slot)
{
	return (slot->base_gfn + slot->npages) << PAGE_SHIFT;
}

static struct s2mmu_memslot *s2mmu_find_slot(struct s2mmu_memslots *slots,
					     u64 ipa)
{
	int lo = 0, hi = slots->nr;

	while (lo < hi) {
		int mid = (lo + hi) / 2;
		struct s2mmu_memslot *slot = slots->slot[mid];

		if (ipa < s2mmu_slot_base(slot))
			hi = mid;
		else if (ipa >= s2mmu_slot_end(slot))
			lo = mid + 1;
		else
			return slot;
	}
	return NULL;
}

static int s2mmu_slot_index_by_id(struct s2mmu_memslots *slots, u32 id)
{
	int i;

	for (i = 0; i < slots->nr; i++)
		if (slots->slot[i]->id == id)
			return i;
	return -1;
}

/* A copy of @old with @drop (an index, or -1) removed and @add inserted. */
static void s2mmu_slots_build(struct s2mmu_memslots *new,
			      const struct s2mmu_memslots *old, int drop,
			      struct s2mmu_memslot *add)
{
	int i;

	new->nr = 0;
	for (i = 0; i < old->nr; i++) {
		if (i == drop)
			continue;
		if (add && add->base_gfn < old->slot[i]->base_gfn) {
			new->slot[new->nr++] = add;
			add = NULL;
		}
		new->slot[new->nr++] = old->slot[i];
	}
	if (add)
		new->slot[new->nr++] = add;
}

static void s2mmu_slots_publish(struct s2mmu_vm *vm,
				struct s2mmu_memslots *new)
{
	struct s2mmu_memslots *old;

	lockdep_assert_held(&vm->slots_lock);
	old = rcu_replace_pointer(vm->slots, new,
				  lockdep_is_held(&vm->slots_lock));
	synchronize_srcu(&vm->srcu);
	kfree(old);
}

static void s2mmu_invalidate_write_begin(struct s2mmu_vm *vm)
	__acquires(&vm->mmu_invalidate_lock)
{
	spin_lock(&vm->mmu_invalidate_lock);
	write_seqcount_begin(&vm->mmu_invalidate_seqcount);
}

static void s2mmu_invalidate_write_end(struct s2mmu_vm *vm)
	__releases(&vm->mmu_invalidate_lock)
{
	write_seqcount_end(&vm->mmu_invalidate_seqcount);
	spin_unlock(&vm->mmu_invalidate_lock);
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
static void s2mmu_invalidate_seq_bump(struct s2mmu_vm *vm)
{
	lockdep_assert_held_write(&vm->mmu_lock);
	s2mmu_invalidate_write_begin(vm);
	s2mmu_invalidate_log_move(vm, 0, ULONG_MAX);
	s2mmu_invalidate_write_end(vm);
}

/* Remove every stage-2 mapping of [@ipa, @ipa + @size). */
static void s2mmu_unmap_range_locked(struct s2mmu_vm *vm, u64 ipa, u64 size)
{
	int ret;

	lockdep_assert_held_write(&vm->mmu_lock);
	ret = s2_unmap(&vm->pgt, ipa, size);
	/* Slots hold whole blocks only, so no block is ever split here. */
	WARN_ON_ONCE(ret);
}

static struct s2mmu_memslot *
s2mmu_slot_alloc(const struct s2mmu_userspace_memory_region *mem)
{
	struct s2mmu_memslot *slot;
	u64 npages = mem->memory_size >> PAGE_SHIFT;

	slot = kzalloc(sizeof(*slot), GFP_KERNEL_ACCOUNT);
	if (!slot)
		return NULL;
	slot->pins = kvcalloc(npages, sizeof(*slot->pins), GFP_KERNEL_ACCOUNT);
	if (!slot->pins)
		goto err;
	if (mem->flags & S2MMU_MEM_LOG_DIRTY_PAGES) {
		slot->dirty_bitmap = kvcalloc(BITS_TO_LONGS(npages),
					      sizeof(long), GFP_KERNEL_ACCOUNT);
		if (!slot->dirty_bitmap)
			goto err;
	}
	slot->id = mem->slot;
	slot->flags = mem->flags;
	slot->base_gfn = mem->guest_phys_addr >> PAGE_SHIFT;
	slot->npages = npages;
	slot->userspace_addr = mem->userspace_addr;
	return slot;
err:
	kvfree(slot->pins);
	kfree(slot);
	return NULL;
}

static void s2mmu_slot_free(struct s2mmu_memslot *slot)
{
	kvfree(slot->dirty_bitmap);
	kvfree(slot->pins);
	kfree(slot);
}

static int s2mmu_check_region(struct s2mmu_vm *vm,
			      const struct s2mmu_userspace_memory_region *mem)
{
	u64 end;

	if (mem->flags & ~(S2MMU_MEM_LOG_DIRTY_PAGES | S2MMU_MEM_READONLY))
		return -EINVAL;
	if (mem->slot >= S2MMU_MEMSLOT_ID_LIMIT)
		return -EINVAL;
	if (!mem->memory_size)
		return 0;
	if (!PAGE_ALIGNED(mem->memory_size) ||
	    !PAGE_ALIGNED(mem->guest_phys_addr) ||
	    !PAGE_ALIGNED(mem->userspace_addr))
		return -EINVAL;
	if (check_add_overflow(mem->guest_phys_addr, mem->memory_size, &end) ||
	    end > BIT_ULL(vm->ipa_bits))
		return -EINVAL;
	if (check_add_overflow(mem->userspace_addr, mem->memory_size, &end))
		return -EINVAL;
	if (!access_ok(u64_to_user_ptr(mem->userspace_addr), mem->memory_size))
		return -EFAULT;
	return 0;
}

/* Does [@gfn, @gfn + @npages) overlap a slot other than @skip? */
static bool s2mmu_slots_overlap(struct s2mmu_memslots *slots, u64 gfn,
				u64 npages, const struct s2mmu_memslot *skip)
{
	int i;

	for (i = 0; i < slots->nr; i++) {
		struct s2mmu_memslot *s = slots->slot[i];

		if (s != skip && gfn < s->base_gfn + s->npages &&
		    s->base_gfn < gfn + npages)
			return true;
	}
	return false;
}

static int s2mmu_slot_create(struct s2mmu_vm *vm,
			     const struct s2mmu_userspace_memory_region *mem)
{
	struct s2mmu_memslots *old = s2mmu_slots(vm), *new;
	struct s2mmu_memslot *slot;

	lockdep_assert_held(&vm->slots_lock);
	if (s2mmu_slots_overlap(old, mem->guest_phys_addr >> PAGE_SHIFT,
				mem->memory_size >> PAGE_SHIFT, NULL))
		return -EEXIST;
	if (old->nr >= S2MMU_MAX_MEMSLOTS)
		return -ENOSPC;
	new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	slot = s2mmu_slot_alloc(mem);
	if (!new || !slot) {
		kfree(new);
		if (slot)
			s2mmu_slot_free(slot);
		return -ENOMEM;
	}
	s2mmu_slots_build(new, old, -1, slot);
	/* Nothing was mapped in a range without a slot: nothing to unmap. */
	s2mmu_slots_publish(vm, new);
	return 0;
}

/*
 * Delete slot @idx, or move it to @mem->guest_phys_addr when @mem is
 * given: unpublish it, unmap its range, wait for faults still using it,
 * release its pins, then publish the moved copy.
 */
static int s2mmu_slot_delete_or_move(struct s2mmu_vm *vm, int idx,
				     const struct s2mmu_userspace_memory_region *mem)
{
	struct s2mmu_memslots *old = s2mmu_slots(vm), *mid, *fin = NULL;
	struct s2mmu_memslot *slot = old->slot[idx], *moved = NULL;

	lockdep_assert_held(&vm->slots_lock);
	if (mem && s2mmu_slots_overlap(old, mem->guest_phys_addr >> PAGE_SHIFT,
				       slot->npages, slot))
		return -EEXIST;

	mid = kzalloc(sizeof(*mid), GFP_KERNEL_ACCOUNT);
	if (mem) {
		fin = kzalloc(sizeof(*fin), GFP_KERNEL_ACCOUNT);
		moved = s2mmu_slot_alloc(mem);
	}
	if (!mid || (mem && (!fin || !moved))) {
		kfree(mid);
		kfree(fin);
		if (moved)
			s2mmu_slot_free(moved);
		return -ENOMEM;
	}

	s2mmu_slots_build(mid, old, idx, NULL);
	rcu_assign_pointer(vm->slots, mid);

	write_lock(&vm->mmu_lock);
	s2mmu_unmap_range_locked(vm, s2mmu_slot_base(slot),
				 slot->npages << PAGE_SHIFT);
	s2mmu_invalidate_seq_bump(vm);
	write_unlock(&vm->mmu_lock);

	/* After this no fault holds @slot: its pins can go. */
	synchronize_srcu(&vm->srcu);
	kfree(old);
	s2mmu_slot_release_pins(vm, slot);
	s2mmu_slot_free(slot);

	if (moved) {
		s2mmu_slots_build(fin, mid, -1, moved);
		s2mmu_slots_publish(vm, fin);
	}
	return 0;
}

static int s2mmu_slot_start_logging(struct s2mmu_vm *vm,
				    struct s2mmu_memslot *slot);
static void s2mmu_slot_collapse(struct s2mmu_vm *vm,
				struct s2mmu_memslot *slot);

/* Only dirty logging may change on an existing slot. */
static int s2mmu_slot_set_flags(struct s2mmu_vm *vm,
				struct s2mmu_memslot *slot, u32 flags)
{
	unsigned long *bitmap = NULL;
	u32 old_flags = slot->flags;
	int ret;

	lockdep_assert_held(&vm->slots_lock);
	if (flags & S2MMU_MEM_LOG_DIRTY_PAGES) {
		bitmap = kvcalloc(BITS_TO_LONGS(slot->npages), sizeof(long),
				  GFP_KERNEL_ACCOUNT);
		if (!bitmap)
			return -ENOMEM;
	}

	write_lock(&vm->mmu_lock);
	swap(slot->dirty_bitmap, bitmap);
	WRITE_ONCE(slot->flags, flags);
	s2mmu_invalidate_seq_bump(vm);
	write_unlock(&vm->mmu_lock);

	/* No fault can still be using the old bitmap: the sequence moved. */
	kvfree(bitmap);
	if (!(flags & S2MMU_MEM_LOG_DIRTY_PAGES)) {
		s2mmu_slot_collapse(vm, slot);
		return 0;
	}
	/*
	 * Faults now map pages and log them; pages mapped writable (and
	 * blocks) before must fault on their next write.  A failure leaves
	 * the slot as it was: splits and write protection are harmless.
	 */
	ret = s2mmu_slot_start_logging(vm, slot);
	if (ret)
		WARN_ON_ONCE(s2mmu_slot_set_flags(vm, slot, old_flags));
	return ret;
}

static int s2mmu_set_memory_region(struct s2mmu_vm *vm, void __user *argp)
{
	struct s2mmu_userspace_memory_region mem;
	struct s2mmu_memslots *slots;
	struct s2mmu_memslot *slot;
	int idx, ret;

	if (copy_from_user(&mem, argp, sizeof(mem)))
		return -EFAULT;
	ret = s2mmu_check_region(vm, &mem);
	if (ret)
		return ret;

	mutex_lock(&vm->slots_lock);
	slots = s2mmu_slots(vm);
	idx = s2mmu_slot_index_by_id(slots, mem.slot);
	slot = idx >= 0 ? slots->slot[idx] : NULL;

	if (!mem.memory_size) {
		ret = slot ? s2mmu_slot_delete_or_move(vm, idx, NULL) : -EINVAL;
	} else if (!slot) {
		ret = s2mmu_slot_create(vm, &mem);
	} else if (mem.memory_size >> PAGE_SHIFT != slot->npages ||
		   mem.userspace_addr != slot->userspace_addr ||
		   (mem.flags ^ slot->flags) & S2MMU_MEM_READONLY) {
		ret = -EINVAL;
	} else if (mem.guest_phys_addr >> PAGE_SHIFT != slot->base_gfn) {
		ret = s2mmu_slot_delete_or_move(vm, idx, &mem);
	} else if (mem.flags != slot->flags) {
		ret = s2mmu_slot_set_flags(vm, slot, mem.flags);
	} else {
		ret = 0;
	}
	mutex_unlock(&vm->slots_lock);
	return ret;
}

/* ---- range operations, one chunk per mmu_lock hold ---- */

/*
 * Long range operations (unmapping for the MMU notifier, splitting and
 * write-protecting when dirty logging starts) take mmu_lock for write one
 * chunk at a time, so a vCPU faulting elsewhere waits for one chunk, not
 * for a whole slot.  Each chunk ends with its own batched invalidation.
 */
#define S2MMU_RANGE_CHUNK	SZ_256M
/* Table pages to split a chunk of 2 MiB blocks, the only blocks faults map. */
#define S2MMU_SPLIT_CHUNK_PAGES	(S2MMU_RANGE_CHUNK / SZ_2M)

static u64 s2mmu_chunk_end(u64 start, u64 end)
{
	return min(round_up(start + 1, (u64)S2MMU_RANGE_CHUNK), end);
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
	for (; i < last; i++) {
		unsigned long pin = xchg(&slot->pins[i], 0);

		if (pin)
			s2mmu_release_pin_atomic(vm, pin);
	}
}

/* Move @*ipa to the start (@up: the end) of the block mapping it, if any. */
static void s2mmu_widen_to_block(struct s2mmu_vm *vm, u64 *ipa, bool up)
{
	s2_pte_t pte;
	s8 level;

	lockdep_assert_held_write(&vm->mmu_lock);
	if (s2_get_leaf(&vm->pgt, up ? *ipa - 1 : *ipa, &pte, &level) ||
	    !(pte & S2_PTE_VALID) || level == S2_MAX_LEVEL)
		return;
	if (up)
		*ipa = round_up(*ipa, S2_LEVEL_SIZE(level));
	else
		*ipa = round_down(*ipa, S2_LEVEL_SIZE(level));
}

/* Unmap [@start, @end) of @slot and drop its pins, all under mmu_lock. */
static void s2mmu_zap_locked(struct s2mmu_vm *vm, struct s2mmu_memslot *slot,
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
static void s2mmu_slot_zap(struct s2mmu_vm *vm, struct s2mmu_memslot *slot,
			   u64 ipa, u64 size, bool resched)
	__must_hold(&vm->mmu_lock)
{
	u64 start, end = ipa + size, lo, hi;

	lockdep_assert_held_write(&vm->mmu_lock);
	for (start = ipa; start < end; start = hi) {
		if (start != ipa) {
			write_unlock(&vm->mmu_lock);
			if (resched)
				cond_resched();
			write_lock(&vm->mmu_lock);
		}
		lo = start;
		hi = s2mmu_chunk_end(start, end);
		s2mmu_widen_to_block(vm, &lo, false);
		s2mmu_widen_to_block(vm, &hi, true);
		s2mmu_zap_locked(vm, slot, lo, hi);
	}
}

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
		write_lock(&vm->mmu_lock);
		ret = s2_split_wrprotect(&vm->pgt, start, next - start, mc);
		write_unlock(&vm->mmu_lock);
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
	struct page *page = s2mmu_pin_page(slot->pins[i]);

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
		write_lock(&vm->mmu_lock);
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
		write_unlock(&vm->mmu_lock);
		cond_resched();
	}
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

	idx = srcu_read_lock(&vm->srcu);
	slots = srcu_dereference(vm->slots, &vm->srcu);
	for (i = 0; i < slots->nr && !hit; i++)
		hit = s2mmu_slot_hva_range(slots->slot[i], range->start,
					   range->end, &ipa, &size);
	/* Host memory no slot uses (the VMM's own): nothing to lock. */
	if (hit) {
		write_lock(&vm->mmu_lock);
		for (i = 0; i < slots->nr; i++) {
			if (!s2mmu_slot_hva_range(slots->slot[i], range->start,
						  range->end, &ipa, &size))
				continue;
			s2mmu_slot_zap(vm, slots->slot[i], ipa, size,
				       blockable);
		}
		write_unlock(&vm->mmu_lock);
	}
	srcu_read_unlock(&vm->srcu, idx);
	if (hit)
		atomic64_inc(&vm->stat.notifier_invalidations);
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
 * the stage-2 access flags found set, clearing them when @clear so that
 * the next guest access faults and sets them again.  The engine updates
 * them with compare-and-exchange: the read side of mmu_lock suffices.
 */
static u64 s2mmu_mn_age(struct s2mmu_vm *vm, unsigned long start,
			unsigned long end, bool clear)
{
	struct s2mmu_memslots *slots;
	u64 ipa, size, young = 0;
	int i, idx;

	idx = srcu_read_lock(&vm->srcu);
	slots = srcu_dereference(vm->slots, &vm->srcu);
	for (i = 0; i < slots->nr; i++) {
		if (!s2mmu_slot_hva_range(slots->slot[i], start, end, &ipa,
					  &size))
			continue;
		read_lock(&vm->mmu_lock);
		young += s2_test_clear_young(&vm->pgt, ipa, size, clear);
		read_unlock(&vm->mmu_lock);
	}
	srcu_read_unlock(&vm->srcu, idx);
	atomic64_add(young, &vm->stat.young_found);
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

	idx = srcu_read_lock(&vm->srcu);
	slots = srcu_dereference(vm->slots, &vm->srcu);
	write_lock(&vm->mmu_lock);
	for (i = 0; i < slots->nr; i++) {
		slot = slots->slot[i];
		s2mmu_slot_zap(vm, slot, s2mmu_slot_base(slot),
			       slot->npages << PAGE_SHIFT, true);
	}
	write_unlock(&vm->mmu_lock);
	srcu_read_unlock(&vm->srcu, idx);
}

static const struct mmu_notifier_ops s2mmu_mn_ops = {
	.invalidate_range_start	= s2mmu_mn_invalidate_range_start,
	.invalidate_range_end	= s2mmu_mn_invalidate_range_end,
	.clear_flush_young	= s2mmu_mn_clear_flush_young,
	.clear_young		= s2mmu_mn_clear_young,
	.test_young		= s2mmu_mn_test_young,
	.release		= s2mmu_mn_release,
};

/* ---- dirty logging ---- */

/* A GET or CLEAR handles one page of bitmap per mmu_lock hold. */
#define S2MMU_LOG_CHUNK_LONGS	(PAGE_SIZE / sizeof(long))

static struct s2mmu_memslot *s2mmu_slot_by_id(struct s2mmu_vm *vm, u32 id)
{
	struct s2mmu_memslots *slots = s2mmu_slots(vm);
	int idx;

	lockdep_assert_held(&vm->slots_lock);
	idx = s2mmu_slot_index_by_id(slots, id);
	return idx < 0 ? NULL : slots->slot[idx];
}

/*
 * Write-protect the pages of @slot whose bits are set in @mask, @n words
 * from word @w0 of the slot's bitmap, with one walk and one batched
 * invalidation over the span from the first to the last.  The pages in
 * between need no care: with logging on, a page is only mapped writable
 * by a fault that marks it dirty in the same mmu_lock section, so those
 * still writable are dirty too -- protecting one costs it an extra fault,
 * never a lost page.
 */
static void s2mmu_wrprotect_mask(struct s2mmu_vm *vm,
				 struct s2mmu_memslot *slot, u64 w0,
				 const unsigned long *mask, unsigned long n)
{
	unsigned long bits = n * BITS_PER_LONG;
	unsigned long first = find_first_bit(mask, bits), last;
	u64 ipa;

	lockdep_assert_held_write(&vm->mmu_lock);
	if (first >= bits)
		return;
	last = find_last_bit(mask, bits);
	ipa = s2mmu_slot_base(slot) + ((w0 * BITS_PER_LONG + first) << PAGE_SHIFT);
	WARN_ON_ONCE(s2_wrprotect(&vm->pgt, ipa,
				  (u64)(last - first + 1) << PAGE_SHIFT));
}

/*
 * Copy @slot's dirty log out.  Without manual protect, each chunk of the
 * bitmap is read and cleared, and its pages write-protected, under one
 * write hold of mmu_lock: a fault maps writable and marks dirty under the
 * read side, so it lands wholly before (reported now) or after (its page
 * protected again, reported next time).  A write that completed before
 * the call is always reported: it went through a mapping whose fault has
 * marked the page by the time the write side is ours.
 */
static int s2mmu_harvest(struct s2mmu_vm *vm, struct s2mmu_memslot *slot,
			 u8 __user *ubuf, unsigned long *buf)
{
	unsigned long nlongs = BITS_TO_LONGS(slot->npages), w, n, i;
	unsigned long *bitmap = slot->dirty_bitmap;

	lockdep_assert_held(&vm->slots_lock);
	for (w = 0; w < nlongs; w += n) {
		n = min(nlongs - w, S2MMU_LOG_CHUNK_LONGS);
		if (vm->manual_dirty_protect) {
			/*
			 * Read-only, but under the write side too: a fault
			 * makes a page writable and marks it in one read-side
			 * section, and another vCPU may write through the new
			 * mapping in between; waiting for that section to end
			 * is what lets this GET report every completed write.
			 */
			write_lock(&vm->mmu_lock);
			for (i = 0; i < n; i++)
				buf[i] = bitmap[w + i];
			write_unlock(&vm->mmu_lock);
		} else {
			write_lock(&vm->mmu_lock);
			for (i = 0; i < n; i++)
				buf[i] = xchg(&bitmap[w + i], 0);
			s2mmu_wrprotect_mask(vm, slot, w, buf, n);
			write_unlock(&vm->mmu_lock);
		}
		if (copy_to_user(ubuf + w * sizeof(long), buf, n * sizeof(long)))
			return -EFAULT;
		cond_resched();
	}
	return 0;
}

static int s2mmu_get_dirty_log(struct s2mmu_vm *vm, void __user *argp)
{
	struct s2mmu_dirty_log log;
	struct s2mmu_memslot *slot;
	unsigned long *buf;
	u8 __user *ubuf;
	int ret;

	if (copy_from_user(&log, argp, sizeof(log)))
		return -EFAULT;
	if (log.padding || log.slot >= S2MMU_MEMSLOT_ID_LIMIT)
		return -EINVAL;
	ubuf = u64_to_user_ptr(log.dirty_bitmap);
	buf = (unsigned long *)__get_free_page(GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	mutex_lock(&vm->slots_lock);
	slot = s2mmu_slot_by_id(vm, log.slot);
	ret = !slot ? -EINVAL : !slot->dirty_bitmap ? -ENOENT : 0;
	/* Fail before anything is cleared: a harvest must not lose pages. */
	if (!ret && clear_user(ubuf, BITS_TO_LONGS(slot->npages) * sizeof(long)))
		ret = -EFAULT;
	if (!ret)
		ret = s2mmu_harvest(vm, slot, ubuf, buf);
	mutex_unlock(&vm->slots_lock);
	free_page((unsigned long)buf);
	return ret;
}

static int s2mmu_check_clear_log(const struct s2mmu_memslot *slot,
				 const struct s2mmu_clear_dirty_log *log)
{
	u64 left;

	if (log->first_page % BITS_PER_LONG || log->first_page >= slot->npages)
		return -EINVAL;
	left = slot->npages - log->first_page;
	/* Whole words, unless the range ends with the slot. */
	if (log->num_pages > left ||
	    (log->num_pages < left && log->num_pages % BITS_PER_LONG))
		return -EINVAL;
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
	unsigned long nlongs = BITS_TO_LONGS(log->num_pages), w, n, i;
	u64 w0 = log->first_page / BITS_PER_LONG;
	unsigned long *bitmap = slot->dirty_bitmap + w0;

	lockdep_assert_held(&vm->slots_lock);
	for (w = 0; w < nlongs; w += n) {
		n = min(nlongs - w, S2MMU_LOG_CHUNK_LONGS);
		if (copy_from_user(buf, ubuf + w * sizeof(long), n * sizeof(long)))
			return -EFAULT;
		if (w + n == nlongs && log->num_pages % BITS_PER_LONG)
			buf[n - 1] &= BIT(log->num_pages % BITS_PER_LONG) - 1;
		write_lock(&vm->mmu_lock);
		for (i = 0; i < n; i++) {
			buf[i] &= bitmap[w + i];
			bitmap[w + i] &= ~buf[i];
		}
		s2mmu_wrprotect_mask(vm, slot, w0 + w, buf, n);
		write_unlock(&vm->mmu_lock);
		cond_resched();
	}
	return 0;
}

static int s2mmu_clear_dirty_log(struct s2mmu_vm *vm, void __user *argp)
{
	struct s2mmu_clear_dirty_log log;
	struct s2mmu_memslot *slot;
	unsigned long *buf;
	int ret;

	if (copy_from_user(&log, argp, sizeof(log)))
		return -EFAULT;
	if (log.slot >= S2MMU_MEMSLOT_ID_LIMIT)
		return -EINVAL;
	buf = (unsigned long *)__get_free_page(GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	mutex_lock(&vm->slots_lock);
	slot = s2mmu_slot_by_id(vm, log.slot);
	if (!slot || !vm->manual_dirty_protect)
		ret = -EINVAL;
	else if (!slot->dirty_bitmap)
		ret = -ENOENT;
	else
		ret = s2mmu_check_clear_log(slot, &log);
	if (!ret)
		ret = s2mmu_clear_log(vm, slot, &log, buf);
	mutex_unlock(&vm->slots_lock);
	free_page((unsigned long)buf);
	return ret;
}

static int s2mmu_enable_cap(struct s2mmu_vm *vm, void __user *argp)
{
	struct s2mmu_enable_cap cap;

	if (copy_from_user(&cap, argp, sizeof(cap)))
		return -EFAULT;
	if (cap.flags || cap.cap != S2MMU_CAP_MANUAL_DIRTY_LOG_PROTECT ||
	    cap.args[0] > 1 || cap.args[1] || cap.args[2] || cap.args[3] ||
	    memchr_inv(cap.pad, 0, sizeof(cap.pad)))
		return -EINVAL;
	mutex_lock(&vm->slots_lock);
	vm->manual_dirty_protect = cap.args[0];
	mutex_unlock(&vm->slots_lock);
	return 0;
}

/* ---- the fault handler ---- */

/**
 * struct s2mmu_fault - one stage-2 fault being handled
 * @ipa: faulting IPA
 * @fsc: fault status code type (translation / access flag / permission)
 * @level: level from the syndrome
 * @write: the access was a write
 * @exec: the access was an instruction fetch
 * @seq: invalidate sequence sampled before the page was resolved
 * @slot: the slot holding @ipa
 * @hva: host address backing @ipa
 * @prot: what the new or relaxed mapping allows
 * @nr_pages: pins held in &s2mmu_vcpu.pages (1 or a whole block)
 * @zero: the page is a shared zero page
 * @busy_start: with @busy_end, the host range of the fault that an
 *	invalidation in progress covered when the fault gave up; 0, 0: none
 * @busy_end: see @busy_start
 */
struct s2mmu_fault {
	u64			ipa;
	u32			fsc;
	s8			level;
	bool			write;
	bool			exec;
	unsigned long		seq;
	struct s2mmu_memslot	*slot;
	unsigned long		hva;
	u32			prot;
	int			nr_pages;
	bool			zero;
	unsigned long		busy_start;
	unsigned long		busy_end;
};

static u64 s2mmu_fault_gfn_index(const struct s2mmu_fault *f)
{
	return (f->ipa >> PAGE_SHIFT) - f->slot->base_gfn;
}

/*
 * Step 4, first half: the invalidation state a fault starts from.  The
 * acquire pairs with s2mmu_invalidate_log_move(): the slot and page
 * lookups that follow see every change the value accounts for.
 */
static unsigned long s2mmu_sample_invalidate_seq(struct s2mmu_vm *vm)
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

static bool s2mmu_hva_busy(struct s2mmu_vm *vm, unsigned long start,
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
 * Step 4, second half: may the fault still map what it resolved for host
 * [@start, @end)?  Not while an invalidation in progress covers part of
 * it (noted in @f: the fault waits for its end before it starts over),
 * nor when a change that covers part of it moved the sequence since the
 * sample.  Documentation/locking.rst says why this misses no race.
 */
static bool s2mmu_fault_stale(struct s2mmu_vm *vm, struct s2mmu_fault *f,
			      unsigned long start, unsigned long end)
{
	unsigned int sc;
	bool busy, stale;

	lockdep_assert_held(&vm->mmu_lock);
	do {
		sc = read_seqcount_begin(&vm->mmu_invalidate_seqcount);
		busy = s2mmu_hva_busy_read(vm, start, end);
		stale = busy || s2mmu_hva_changed_read(vm, f->seq, start, end);
	} while (read_seqcount_retry(&vm->mmu_invalidate_seqcount, sc));
	if (busy) {
		f->busy_start = start;
		f->busy_end = end;
	}
	return stale;
}

/* The host range backing the @size-aligned IPA range around the fault. */
static void s2mmu_fault_hva_range(const struct s2mmu_fault *f, u64 size,
				  unsigned long *start, unsigned long *end)
{
	*start = f->hva - (f->ipa & (size - 1));
	*end = *start + size;
}

/*
 * Step 6: the mapping is writable and in place; only now may the page
 * count as dirty, both for the dirty log and for the host.
 */
static void s2mmu_mark_dirty(struct s2mmu_vm *vm, struct s2mmu_fault *f,
			     u64 first, u64 nr)
{
	unsigned long *bitmap = READ_ONCE(f->slot->dirty_bitmap);
	u64 i;

	lockdep_assert_held(&vm->mmu_lock);
	for (i = first; i < first + nr; i++) {
		unsigned long *pin = &f->slot->pins[i];
		unsigned long old = READ_ONCE(*pin);

		while (old && !(old & S2MMU_PIN_DIRTY) &&
		       !try_cmpxchg(pin, &old, old | S2MMU_PIN_DIRTY))
			;
		if (bitmap)
			set_bit(i, bitmap);
	}
	atomic64_add(nr, &vm->stat.dirty_marked);
}

/* Is @page what the stage-2 table maps at @ipa right now? */
static bool s2mmu_maps_page(struct s2mmu_vm *vm, u64 ipa, struct page *page)
{
	s2_pte_t pte;
	s8 level;

	lockdep_assert_held(&vm->mmu_lock);
	if (s2_get_leaf(&vm->pgt, ipa, &pte, &level) || !(pte & S2_PTE_VALID))
		return false;
	return ((pte & S2_PTE_ADDR_MASK & ~(S2_LEVEL_SIZE(level) - 1)) |
		(ipa & (S2_LEVEL_SIZE(level) - 1) & PAGE_MASK)) ==
	       page_to_phys(page);
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
	unsigned long *pin = &f->slot->pins[i];
	unsigned long old = READ_ONCE(*pin);
	u64 ipa = (f->slot->base_gfn + i) << PAGE_SHIFT;

	lockdep_assert_held(&vm->mmu_lock);
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
	if (old)
		vcpu->release[vcpu->nr_release++] = old;
}

/* Slot index of the first page the fault maps (the block's first). */
static u64 s2mmu_fault_first_index(const struct s2mmu_fault *f)
{
	u64 ipa = ALIGN_DOWN(f->ipa, (u64)f->nr_pages << PAGE_SHIFT);

	return (ipa >> PAGE_SHIFT) - f->slot->base_gfn;
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

static void s2mmu_release_replaced(struct s2mmu_vcpu *vcpu)
{
	int i;

	for (i = 0; i < vcpu->nr_release; i++)
		s2mmu_release_pin(vcpu->vm, vcpu->release[i]);
	vcpu->nr_release = 0;
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
 * with one physically contiguous, aligned huge page (THP or hugetlbfs),
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
	    (f->ipa & (SZ_2M - 1)) != (f->hva & (SZ_2M - 1)) ||
	    ipa_base < s2mmu_slot_base(slot) ||
	    ipa_base + SZ_2M > s2mmu_slot_end(slot))
		return;

	got = pin_user_pages_fast(hva_base, S2MMU_BLOCK_PAGES, gup,
				  vcpu->pages + 1);
	if (got > 0)
		s2mmu_pins_add(vcpu->vm, got);
	pfn = got > 0 ? page_to_pfn(vcpu->pages[1]) : 0;
	for (i = 1; got == S2MMU_BLOCK_PAGES && i <= got; i++)
		if (page_to_pfn(vcpu->pages[i]) != pfn + i - 1)
			break;
	if (got == S2MMU_BLOCK_PAGES && i > got &&
	    IS_ALIGNED(pfn, S2MMU_BLOCK_PAGES) &&
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
 * Step 3: pin the host page(s) backing the fault.  Write intent only for
 * write faults, so that reads never break COW or dirty a file.
 */
static int s2mmu_resolve_page(struct s2mmu_vcpu *vcpu, struct s2mmu_fault *f)
{
	unsigned int gup = FOLL_LONGTERM | (f->write ? FOLL_WRITE : 0);
	int ret;

	ret = pin_user_pages_fast(f->hva, 1, gup, vcpu->pages);
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
	return 0;
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
	write_lock(&vm->mmu_lock);
	if (!s2mmu_fault_stale(vm, f, start, end) &&
	    !s2_get_leaf(&vm->pgt, ipa, &pte, &level) &&
	    !(pte & S2_PTE_VALID)) {
		ret = s2_map(&vm->pgt, ipa, PAGE_SIZE, page_to_phys(page),
			     f->prot, &vcpu->mc, 0);
		if (!ret) {
			atomic64_inc(&vm->stat.zero_page_maps);
			/* The 4K zero page is never freed: no pin to keep. */
			if (!is_zero_pfn(page_to_pfn(page)))
				s2mmu_record_pins(vcpu, f);
		}
	}
	write_unlock(&vm->mmu_lock);
	s2mmu_drop_fault_pins(vcpu, f);
	s2mmu_release_replaced(vcpu);
	return ret;
}

/*
 * A shared-mode map of a whole block that backs off half way (-EAGAIN: an
 * entry under BBM, a lost compare-and-exchange) where the block's range
 * is already a table has installed some of its pages.  Those are mapped
 * now, and writable ones may be written without another fault: keep their
 * pins and mark them dirty as a completed fault would.  Drop the others.
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
			s2mmu_mark_dirty(vm, f, first + i, 1);
	}
	f->nr_pages = 0;
}

/* Step 5: map through the engine, in shared mode. */
static int s2mmu_map_fault(struct s2mmu_vcpu *vcpu, struct s2mmu_fault *f)
{
	struct s2mmu_vm *vm = vcpu->vm;
	u64 size = (u64)f->nr_pages << PAGE_SHIFT;
	u64 ipa = ALIGN_DOWN(f->ipa, size);
	u64 first = s2mmu_fault_first_index(f);
	unsigned long start, end;
	bool changed = false;
	int ret;

	s2mmu_fault_hva_range(f, size, &start, &end);
	read_lock(&vm->mmu_lock);
	if (s2mmu_fault_stale(vm, f, start, end)) {
		ret = -EAGAIN;
		goto out;
	}
	ret = s2_map(&vm->pgt, ipa, size, page_to_phys(vcpu->pages[0]),
		     f->prot, &vcpu->mc, S2_WALK_SHARED);
	if (ret == S2_PERMS_DIFFER) {
		/* Same page, fewer permissions: raise them, never lower. */
		ret = s2_relax_perms(&vm->pgt, f->ipa, f->prot, S2_WALK_SHARED);
		if (ret == -ENOENT)
			ret = -EAGAIN;
	}
	if (ret < 0) {
		if (f->nr_pages > 1)
			s2mmu_keep_partial_map(vcpu, f, ipa, first);
		goto out;
	}
	changed = ret == 0;
	s2mmu_record_pins(vcpu, f);
	if (f->prot & S2_PROT_W)
		s2mmu_mark_dirty(vm, f, first, size >> PAGE_SHIFT);
	if (!changed)
		atomic64_inc(&vm->stat.faults_spurious);
	ret = 0;
out:
	read_unlock(&vm->mmu_lock);
	s2mmu_drop_fault_pins(vcpu, f);
	s2mmu_release_replaced(vcpu);
	return ret;
}

/*
 * Step 2: an access-flag fault, or a permission fault on a mapping of the
 * right size whose page was pinned with the intent the access needs, is
 * fixed in place: no page to resolve, no break-before-make.
 * Return: 0 done, -EAGAIN retry, -ENOENT take the full path.
 */
static int s2mmu_fix_in_place(struct s2mmu_vcpu *vcpu, struct s2mmu_fault *f)
{
	struct s2mmu_vm *vm = vcpu->vm;
	u32 logging = READ_ONCE(f->slot->flags) & S2MMU_MEM_LOG_DIRTY_PAGES;
	u64 i = s2mmu_fault_gfn_index(f);
	unsigned long start, end;
	int ret;

	if (f->fsc == S2_FSC_PERM && f->write && logging && f->level < 3)
		return -ENOENT;	/* a block stays read-only while logging */

	/* The syndrome's level is the level of the leaf to fix. */
	s2mmu_fault_hva_range(f, S2_LEVEL_SIZE(f->level), &start, &end);
	read_lock(&vm->mmu_lock);
	if (s2mmu_fault_stale(vm, f, start, end)) {
		ret = -EAGAIN;
	} else if (f->fsc == S2_FSC_ACCESS) {
		ret = s2_mkyoung(&vm->pgt, f->ipa, S2_WALK_SHARED);
		if (!ret)
			atomic64_inc(&vm->stat.access_flag_set);
	} else if (f->write &&
		   !(READ_ONCE(f->slot->pins[i]) & S2MMU_PIN_WRITE)) {
		ret = -ENOENT;
	} else {
		ret = s2_relax_perms(&vm->pgt, f->ipa, f->prot, S2_WALK_SHARED);
		if (ret >= 0 && f->write)
			s2mmu_mark_dirty(vm, f, i, 1);
	}
	if (ret == S2_UNCHANGED)
		atomic64_inc(&vm->stat.faults_spurious);
	read_unlock(&vm->mmu_lock);
	return ret > 0 ? 0 : ret;
}

static void s2mmu_count_fault(struct s2mmu_vm *vm, u32 fsc)
{
	if (fsc == S2_FSC_TRANSLATION)
		atomic64_inc(&vm->stat.faults_translation);
	else if (fsc == S2_FSC_ACCESS)
		atomic64_inc(&vm->stat.faults_access);
	else
		atomic64_inc(&vm->stat.faults_permission);
}

/*
 * Steps 1 to 6, for a fault whose invalidation state was sampled, under
 * the SRCU read side that keeps @f->slot alive.
 * Return: as s2mmu_handle_fault(), 0 for done, or -EAGAIN to start over.
 */
static int s2mmu_fault_in_slot(struct s2mmu_vcpu *vcpu, struct s2mmu_fault *f)
{
	struct s2mmu_vm *vm = vcpu->vm;
	unsigned long start, end;
	int ret;

	/* Step 1. */
	f->slot = s2mmu_find_slot(srcu_dereference(vm->slots, &vm->srcu),
				  f->ipa);
	if (!f->slot || (f->write && f->slot->flags & S2MMU_MEM_READONLY))
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

	/* Step 2. */
	if (f->fsc != S2_FSC_TRANSLATION) {
		ret = s2mmu_fix_in_place(vcpu, f);
		if (ret != -ENOENT)
			return ret;
	}

	/* Step 3. */
	ret = s2mmu_resolve_page(vcpu, f);
	if (ret)
		return ret;
	/* Step 5 (and 6 inside). */
	if (f->zero)
		return s2mmu_map_zero(vcpu, f);
	return s2mmu_map_fault(vcpu, f);
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
static void s2mmu_abort_access(u64 esr, bool *write, bool *exec)
{
	bool walk = esr & S2MMU_ESR_S1PTW;

	*exec = !walk &&
		(esr >> S2MMU_ESR_EC_SHIFT) == S2MMU_ESR_EC_IABT_LOW;
	if (walk)
		*write = (esr & S2_FSC_TYPE_MASK) == S2_FSC_PERM;
	else
		*write = esr & S2MMU_ESR_WNR;
}

/**
 * s2mmu_handle_fault() - handle one stage-2 fault of @vcpu
 * @vcpu: the faulting vCPU; its mutex held
 * @ipa: the faulting IPA (HPFAR_EL2 and FAR_EL2 combined)
 * @esr: the syndrome (ESR_EL2 of a stage-2 data or instruction abort)
 *
 * Return: %S2MMU_FAULT_RETRY (re-execute the access), %S2MMU_FAULT_MMIO
 * (no memory there for this access: exit to the VMM), or a negative
 * errno (-EFAULT: the slot's backing memory is not accessible, -EINTR:
 * a fatal signal while waiting for the host).
 */
int s2mmu_handle_fault(struct s2mmu_vcpu *vcpu, u64 ipa, u64 esr)
{
	struct s2mmu_vm *vm = vcpu->vm;
	struct s2mmu_fault f = {
		.ipa	= ipa,
		.fsc	= esr & S2_FSC_TYPE_MASK,
		.level	= esr & S2_FSC_LEVEL_MASK,
	};
	int idx, ret;

	lockdep_assert_held(&vcpu->mutex);
	s2mmu_abort_access(esr, &f.write, &f.exec);
	s2mmu_count_fault(vm, f.fsc);
	f.prot = f.write ? S2_PROT_W : f.exec ? S2_PROT_X : S2_PROT_R;

	/* Table pages are allocated here, where sleeping is allowed. */
	ret = s2_memcache_topup(&vcpu->mc, S2_MEMCACHE_MIN_MAP,
				&s2mmu_table_mm_ops, NULL);
	if (ret)
		return ret;

	/* Step 4: sample before the slot and the page are looked up. */
	f.seq = s2mmu_sample_invalidate_seq(vm);
	idx = srcu_read_lock(&vm->srcu);
	ret = s2mmu_fault_in_slot(vcpu, &f);
	srcu_read_unlock(&vm->srcu, idx);

	if (ret == S2MMU_FAULT_MMIO) {
		atomic64_inc(&vm->stat.mmio_exits);
		return ret;
	}
	if (ret != -EAGAIN)
		return ret ? ret : S2MMU_FAULT_RETRY;
	atomic64_inc(&vm->stat.fault_retries);
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

/* ---- the software vCPU access path ---- */

/*
 * Translate @ipa as the MMU would for an access of @kind.  On success
 * return 0 with the page's kernel address in @va (valid while mmu_lock is
 * held: unmapping, and so unpinning, needs it for write).  On a stage-2
 * fault return 1 with the syndrome in @esr.
 */
static int s2mmu_translate(struct s2mmu_vm *vm, u64 ipa, u32 kind,
			   void **va, u64 *esr)
{
	u64 ec = kind == S2MMU_ACCESS_EXEC ? S2MMU_ESR_EC_IABT_LOW :
					     S2MMU_ESR_EC_DABT_LOW;
	u32 need, fsc, prot;
	s2_pte_t pte;
	s8 level;

	lockdep_assert_held_read(&vm->mmu_lock);
	need = kind == S2MMU_ACCESS_WRITE ? S2_PROT_W :
	       kind == S2MMU_ACCESS_EXEC ? S2_PROT_X : S2_PROT_R;
	if (s2_get_leaf(&vm->pgt, ipa, &pte, &level) ||
	    !(pte & S2_PTE_VALID)) {
		fsc = S2_FSC_TRANSLATION;
	} else {
		prot = s2_leaf_prot(pte);
		if (!(prot & S2_PROT_AF)) {
			fsc = S2_FSC_ACCESS;
		} else if (!(prot & need)) {
			fsc = S2_FSC_PERM;
		} else {
			phys_addr_t pa = (pte & S2_PTE_ADDR_MASK &
					  ~(S2_LEVEL_SIZE(level) - 1)) |
					 (ipa & (S2_LEVEL_SIZE(level) - 1));
			*va = phys_to_virt(pa);
			return 0;
		}
	}
	*esr = ec << S2MMU_ESR_EC_SHIFT | S2MMU_ESR_IL | fsc | level;
	if (kind == S2MMU_ACCESS_WRITE)
		*esr |= S2MMU_ESR_WNR;
	return 1;
}

static void s2mmu_mmio_exit(struct s2mmu_vcpu *vcpu, u64 ipa, u32 kind,
			    const void *data, u32 len)
{
	struct s2mmu_run *run = vcpu->run;

	run->exit_reason = S2MMU_EXIT_MMIO;
	run->mmio.phys_addr = ipa;
	run->mmio.len = min_t(u32, len, sizeof(run->mmio.data));
	run->mmio.is_write = kind == S2MMU_ACCESS_WRITE;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (run->mmio.is_write)
		memcpy(run->mmio.data, data, run->mmio.len);
}

/*
 * One access within one page: translate, and on a fault run the handler
 * and try again, as the guest would re-execute the instruction.
 * Return: 0 done, 1 MMIO exit, negative errno.
 */
static int s2mmu_access_page(struct s2mmu_vcpu *vcpu,
			     struct s2mmu_vcpu_access *acc, u64 ipa, u32 len)
{
	struct s2mmu_vm *vm = vcpu->vm;
	int faults, ret;
	void *va;
	u64 esr;

	for (faults = 0; faults < S2MMU_MAX_FAULTS_PER_PAGE; faults++) {
		read_lock(&vm->mmu_lock);
		ret = s2mmu_translate(vm, ipa, acc->kind, &va, &esr);
		if (!ret) {
			if (acc->kind == S2MMU_ACCESS_WRITE)
				memcpy(va, vcpu->bounce, len);
			else
				memcpy(vcpu->bounce, va, len);
		}
		read_unlock(&vm->mmu_lock);
		if (!ret)
			return 0;

		switch (esr & S2_FSC_TYPE_MASK) {
		case S2_FSC_TRANSLATION:
			acc->faults_translation++;
			break;
		case S2_FSC_ACCESS:
			acc->faults_access++;
			break;
		default:
			acc->faults_permission++;
			break;
		}
		ret = s2mmu_handle_fault(vcpu, ipa, esr);
		if (ret < 0)
			return ret;
		if (ret == S2MMU_FAULT_MMIO) {
			s2mmu_mmio_exit(vcpu, ipa, acc->kind, vcpu->bounce, len);
			return 1;
		}
		if (signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	WARN_ONCE(1, "s2mmu: access at 0x%llx keeps faulting\n", ipa);
	return -EIO;
}

static int s2mmu_vcpu_access(struct s2mmu_vcpu *vcpu, void __user *argp)
{
	struct s2mmu_vcpu_access acc;
	u8 __user *buf;
	u64 end;
	int ret = 0;

	lockdep_assert_held(&vcpu->mutex);
	if (copy_from_user(&acc, argp, sizeof(acc)))
		return -EFAULT;
	if (acc.kind > S2MMU_ACCESS_EXEC || acc.flags ||
	    acc.reserved[0] || acc.reserved[1] || !acc.len || acc.len > S2MMU_ACCESS_MAX_LEN ||
	    check_add_overflow(acc.ipa, (u64)acc.len, &end) ||
	    end > BIT_ULL(vcpu->vm->ipa_bits))
		return -EINVAL;
	buf = u64_to_user_ptr(acc.buf);
	if (!access_ok(buf, acc.len))
		return -EFAULT;
	acc.done = 0;
	acc.exit_reason = S2MMU_EXIT_NONE;
	acc.faults_translation = 0;
	acc.faults_access = 0;
	acc.faults_permission = 0;

	vcpu->run->exit_reason = S2MMU_EXIT_NONE;
	while (acc.done < acc.len) {
		u64 ipa = acc.ipa + acc.done;
		u32 len = min_t(u64, acc.len - acc.done,
				PAGE_SIZE - offset_in_page(ipa));

		if (acc.kind == S2MMU_ACCESS_WRITE &&
		    copy_from_user(vcpu->bounce, buf + acc.done, len)) {
			ret = -EFAULT;
			break;
		}
		ret = s2mmu_access_page(vcpu, &acc, ipa, len);
		if (ret)
			break;
		if (acc.kind != S2MMU_ACCESS_WRITE &&
		    copy_to_user(buf + acc.done, vcpu->bounce, len)) {
			ret = -EFAULT;
			break;
		}
		acc.done += len;
	}
	if (ret < 0)
		return ret;
	acc.exit_reason = vcpu->run->exit_reason;
	if (copy_to_user(argp, &acc, sizeof(acc)))
		return -EFAULT;
	return 0;
}

/* ---- statistics and debugfs ---- */

static void s2mmu_vm_stats(struct s2mmu_vm *vm, struct s2mmu_stats *st)
{
	struct s2_stats sum;
	const struct s2_stats *es = &sum;
	int idx;

	s2_stats_read(&vm->pgt, &sum);

	memset(st, 0, sizeof(*st));
	st->version = S2MMU_STATS_VERSION;
	st->size = sizeof(*st);
	st->faults_translation = atomic64_read(&vm->stat.faults_translation);
	st->faults_access = atomic64_read(&vm->stat.faults_access);
	st->faults_permission = atomic64_read(&vm->stat.faults_permission);
	st->faults_spurious = atomic64_read(&vm->stat.faults_spurious);
	st->fault_retries = atomic64_read(&vm->stat.fault_retries);
	st->mmio_exits = atomic64_read(&vm->stat.mmio_exits);
	st->bbm = READ_ONCE(es->bbm);
	st->tlbi_ipa = READ_ONCE(es->tlbi_ipa);
	st->tlbi_range = READ_ONCE(es->tlbi_range);
	st->tlbi_vmid = READ_ONCE(es->tlbi_vmid);
	st->tlbi_local = READ_ONCE(es->tlbi_local);
	st->relax_perms = READ_ONCE(es->relax_perms);
	st->access_flag_set = atomic64_read(&vm->stat.access_flag_set);
	st->mapped_l1 = READ_ONCE(es->mapped[1]);
	st->mapped_l2 = READ_ONCE(es->mapped[2]);
	st->mapped_l3 = READ_ONCE(es->mapped[3]);
	st->zero_page_maps = atomic64_read(&vm->stat.zero_page_maps);
	st->dirty_marked = atomic64_read(&vm->stat.dirty_marked);
	st->table_pages = max_t(s64, READ_ONCE(es->table_pages), 0);
	st->pages_pinned = atomic64_read(&vm->pages_pinned);
	idx = srcu_read_lock(&vm->srcu);
	st->memslots = srcu_dereference(vm->slots, &vm->srcu)->nr;
	srcu_read_unlock(&vm->srcu, idx);
	st->vcpus = READ_ONCE(vm->nr_vcpus);
	st->notifier_invalidations =
		atomic64_read(&vm->stat.notifier_invalidations);
	st->young_found = atomic64_read(&vm->stat.young_found);
	s2mmu_el2_vm_hwt_counts(&vm->el2, &st->hwt_translated,
				&st->hwt_fallbacks, &st->hwt_mismatches);
}

static int s2mmu_stats_show(struct seq_file *m, void *v)
{
	struct s2mmu_vm *vm = m->private;
	struct s2mmu_stats st;

	s2mmu_vm_stats(vm, &st);
	seq_printf(m, "faults_translation %llu\n", st.faults_translation);
	seq_printf(m, "faults_access %llu\n", st.faults_access);
	seq_printf(m, "faults_permission %llu\n", st.faults_permission);
	seq_printf(m, "faults_spurious %llu\n", st.faults_spurious);
	seq_printf(m, "fault_retries %llu\n", st.fault_retries);
	seq_printf(m, "mmio_exits %llu\n", st.mmio_exits);
	seq_printf(m, "bbm %llu\n", st.bbm);
	seq_printf(m, "tlbi_ipa %llu\n", st.tlbi_ipa);
	seq_printf(m, "tlbi_range %llu\n", st.tlbi_range);
	seq_printf(m, "tlbi_vmid %llu\n", st.tlbi_vmid);
	seq_printf(m, "tlbi_local %llu\n", st.tlbi_local);
	seq_printf(m, "relax_perms %llu\n", st.relax_perms);
	seq_printf(m, "access_flag_set %llu\n", st.access_flag_set);
	seq_printf(m, "mapped_l1 %llu\n", st.mapped_l1);
	seq_printf(m, "mapped_l2 %llu\n", st.mapped_l2);
	seq_printf(m, "mapped_l3 %llu\n", st.mapped_l3);
	seq_printf(m, "zero_page_maps %llu\n", st.zero_page_maps);
	seq_printf(m, "dirty_marked %llu\n", st.dirty_marked);
	seq_printf(m, "table_pages %llu\n", st.table_pages);
	seq_printf(m, "pages_pinned %llu\n", st.pages_pinned);
	seq_printf(m, "memslots %llu\n", st.memslots);
	seq_printf(m, "vcpus %llu\n", st.vcpus);
	seq_printf(m, "notifier_invalidations %llu\n", st.notifier_invalidations);
	seq_printf(m, "young_found %llu\n", st.young_found);
	seq_printf(m, "hwt_translated %llu\n", st.hwt_translated);
	seq_printf(m, "hwt_fallbacks %llu\n", st.hwt_fallbacks);
	seq_printf(m, "hwt_mismatches %llu\n", st.hwt_mismatches);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(s2mmu_stats);

/**
 * struct s2mmu_ptdump - state of a ptdump walk: one line per run of
 *	leaves contiguous in IPA and PA with the same level and attributes
 * @m: output
 * @start: first IPA of the pending run
 * @end: end of the pending run, 0 when none is pending
 * @pa: PA of @start
 * @level: level of the run's leaves
 * @prot: &enum s2_prot of the run's leaves
 */
struct s2mmu_ptdump {
	struct seq_file	*m;
	u64		start;
	u64		end;
	phys_addr_t	pa;
	s8		level;
	u32		prot;
};

static void s2mmu_ptdump_flush(struct s2mmu_ptdump *d)
{
	u32 p = d->prot;

	if (!d->end)
		return;
	seq_printf(d->m, "0x%012llx-0x%012llx L%d pa=0x%012llx %c%c%c %s %s\n",
		   d->start, d->end, d->level, (u64)d->pa,
		   p & S2_PROT_R ? 'R' : '-', p & S2_PROT_W ? 'W' : '-',
		   p & S2_PROT_X ? 'X' : '-',
		   p & S2_PROT_DEVICE ? "DEV" : p & S2_PROT_NC ? "NC" : "WB",
		   p & S2_PROT_AF ? "AF" : "--");
	d->end = 0;
}

static int s2mmu_ptdump_visit(const struct s2_visit_ctx *ctx, u32 visit)
{
	struct s2mmu_ptdump *d = ctx->arg;
	u64 size = S2_LEVEL_SIZE(ctx->level);
	phys_addr_t pa;
	u32 prot;

	if (!(ctx->old & S2_PTE_VALID))
		return 0;
	pa = ctx->old & S2_PTE_ADDR_MASK & ~(size - 1);
	prot = s2_leaf_prot(ctx->old);
	if (d->end && (d->end != ctx->addr || d->level != ctx->level ||
		       d->prot != prot ||
		       d->pa + (d->end - d->start) != pa))
		s2mmu_ptdump_flush(d);
	if (!d->end) {
		d->start = ctx->addr;
		d->pa = pa;
		d->level = ctx->level;
		d->prot = prot;
	}
	d->end = ctx->addr + size;
	return 0;
}

static int s2mmu_ptdump_show(struct seq_file *m, void *v)
{
	struct s2mmu_vm *vm = m->private;
	struct s2mmu_ptdump d = { .m = m };
	struct s2_walker walker = {
		.cb	= s2mmu_ptdump_visit,
		.arg	= &d,
		.flags	= S2_WALK_LEAF | S2_WALK_SHARED,
	};

	seq_printf(m, "# ipa_bits %u start_level %d roots %u\n",
		   vm->pgt.ia_bits, vm->pgt.start_level, vm->pgt.nr_roots);
	seq_puts(m, "# ipa-range level pa perms memtype af\n");
	read_lock(&vm->mmu_lock);
	s2_walk(&vm->pgt, 0, BIT_ULL(vm->ipa_bits), &walker);
	read_unlock(&vm->mmu_lock);
	s2mmu_ptdump_flush(&d);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(s2mmu_ptdump);

static void s2mmu_vm_debugfs_init(struct s2mmu_vm *vm)
{
	char name[32];

	snprintf(name, sizeof(name), "vm%u", vm->id);
	vm->debugfs = debugfs_create_dir(name, s2mmu_debugfs_root);
	debugfs_create_file("stats", 0444, vm->debugfs, vm, &s2mmu_stats_fops);
	debugfs_create_file("ptdump", 0444, vm->debugfs, vm,
			    &s2mmu_ptdump_fops);
}

static void s2mmu_module_stats(struct s2mmu_module_stats *st)
{
	/* Table pages freed after a grace period count once freed. */
	rcu_barrier();
	memset(st, 0, sizeof(*st));
	st->version = S2MMU_MODULE_STATS_VERSION;
	st->size = sizeof(*st);
	st->vms = atomic64_read(&s2mmu_nr_vms);
	st->table_pages = atomic64_read(&s2mmu_table_pages);
	st->pages_pinned = atomic64_read(&s2mmu_pages_pinned);
}

static int s2mmu_module_stats_show(struct seq_file *m, void *v)
{
	struct s2mmu_module_stats st;

	s2mmu_module_stats(&st);
	seq_printf(m, "vms %llu\ntable_pages %llu\npages_pinned %llu\n",
		   st.vms, st.table_pages, st.pages_pinned);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(s2mmu_module_stats);

/* ---- VM and vCPU lifetime ---- */

static void s2mmu_vcpu_free(struct s2mmu_vcpu *vcpu)
{
	s2mmu_release_replaced(vcpu);
	s2_memcache_drain(&vcpu->mc, &s2mmu_table_mm_ops);
	free_page((unsigned long)vcpu->run);
	free_page((unsigned long)vcpu->bounce);
	kfree(vcpu->pages);
	kfree(vcpu->release);
	s2mmu_run_ctx_free(vcpu->ctx);
	kfree(vcpu);
}

/*
 * The last reference is gone: no ioctl, fault or debugfs reader can run.
 * Unmap everything, free every table page, release every pin.
 */
static void s2mmu_vm_destroy(struct s2mmu_vm *vm)
{
	struct s2mmu_memslots *slots;
	int i;

	debugfs_remove_recursive(vm->debugfs);
	/*
	 * Runs the release callback if the mm still lives, and waits for
	 * callbacks in flight: none runs after this.
	 */
	mmu_notifier_unregister(&vm->mmu_notifier, vm->mm);
	for (i = 0; i < S2MMU_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			s2mmu_vcpu_free(vm->vcpus[i]);

	/*
	 * The table goes first: no mapping may outlive the pins.  The VMID is
	 * invalidated before its table pages are freed, like any table page.
	 */
	vm->pgt.tlb_ops->flush_vmid(&vm->pgt);
	vm->pgt.assert_locked = NULL;	/* the last user: no lock to hold */
	s2_pgtable_destroy(&vm->pgt);
	s2mmu_el2_vm_destroy(&vm->el2);

	slots = rcu_dereference_protected(vm->slots, true);
	for (i = 0; i < slots->nr; i++) {
		s2mmu_slot_release_pins(vm, slots->slot[i]);
		s2mmu_slot_free(slots->slot[i]);
	}
	kfree(slots);
	WARN_ON_ONCE(atomic64_read(&vm->pages_pinned));
	cleanup_srcu_struct(&vm->srcu);
	mmdrop(vm->mm);
	kfree(vm);
	atomic64_dec(&s2mmu_nr_vms);
}

static void s2mmu_vm_put(struct s2mmu_vm *vm)
{
	if (refcount_dec_and_test(&vm->refs))
		s2mmu_vm_destroy(vm);
}

static int s2mmu_vcpu_release(struct inode *inode, struct file *file)
{
	struct s2mmu_vcpu *vcpu = file->private_data;

	s2mmu_vm_put(vcpu->vm);
	return 0;
}

static long s2mmu_vcpu_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	struct s2mmu_vcpu *vcpu = file->private_data;
	long ret;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	switch (cmd) {
	case S2MMU_VCPU_ACCESS:
		if (mutex_lock_killable(&vcpu->mutex))
			return -EINTR;
		ret = s2mmu_vcpu_access(vcpu, (void __user *)arg);
		mutex_unlock(&vcpu->mutex);
		return ret;
	case S2MMU_IRQ_LINE:
		return s2mmu_run_irq_line(vcpu->ctx, (void __user *)arg);
	default:
		/* Guest execution: another thread inside RUN means -EBUSY. */
		if (!mutex_trylock(&vcpu->mutex))
			return -EBUSY;
		ret = s2mmu_run_ioctl(vcpu->ctx, cmd, arg);
		mutex_unlock(&vcpu->mutex);
		return ret;
	}
}

static vm_fault_t s2mmu_vcpu_fault(struct vm_fault *vmf)
{
	struct s2mmu_vcpu *vcpu = vmf->vma->vm_file->private_data;

	if (vmf->pgoff)
		return VM_FAULT_SIGBUS;
	vmf->page = virt_to_page(vcpu->run);
	get_page(vmf->page);
	return 0;
}

static const struct vm_operations_struct s2mmu_vcpu_vm_ops = {
	.fault = s2mmu_vcpu_fault,
};

static int s2mmu_vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	vma->vm_ops = &s2mmu_vcpu_vm_ops;
	return 0;
}

static const struct file_operations s2mmu_vcpu_fops = {
	.owner		= THIS_MODULE,
	.release	= s2mmu_vcpu_release,
	.unlocked_ioctl	= s2mmu_vcpu_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= s2mmu_vcpu_mmap,
	.llseek		= noop_llseek,
};

static struct s2mmu_vcpu *s2mmu_vcpu_alloc(struct s2mmu_vm *vm, u32 id)
{
	struct s2mmu_vcpu *vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);

	if (!vcpu)
		return NULL;
	vcpu->vm = vm;
	vcpu->id = id;
	mutex_init(&vcpu->mutex);
	vcpu->run = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	vcpu->bounce = (void *)__get_free_page(GFP_KERNEL_ACCOUNT);
	/* One spare entry: a block is pinned next to the single page. */
	vcpu->pages = kcalloc(S2MMU_BLOCK_PAGES + 1, sizeof(*vcpu->pages),
			      GFP_KERNEL_ACCOUNT);
	vcpu->release = kcalloc(S2MMU_BLOCK_PAGES, sizeof(*vcpu->release),
				GFP_KERNEL_ACCOUNT);
	vcpu->ctx = s2mmu_run_ctx_alloc(vcpu, vcpu->run, &vm->el2, &vm->pgt);
	if (!vcpu->run || !vcpu->bounce || !vcpu->pages || !vcpu->release ||
	    !vcpu->ctx) {
		s2mmu_vcpu_free(vcpu);
		return NULL;
	}
	return vcpu;
}

static int s2mmu_create_vcpu(struct s2mmu_vm *vm, unsigned long id)
{
	struct s2mmu_vcpu *vcpu;
	int fd;

	if (id >= S2MMU_MAX_VCPUS)
		return -EINVAL;
	vcpu = s2mmu_vcpu_alloc(vm, id);
	if (!vcpu)
		return -ENOMEM;

	mutex_lock(&vm->lock);
	if (vm->vcpus[id]) {
		fd = -EEXIST;
		goto err;
	}
	refcount_inc(&vm->refs);
	fd = anon_inode_getfd("s2mmu-vcpu", &s2mmu_vcpu_fops, vcpu,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		refcount_dec(&vm->refs);
		goto err;
	}
	vm->vcpus[id] = vcpu;
	WRITE_ONCE(vm->nr_vcpus, vm->nr_vcpus + 1);
	mutex_unlock(&vm->lock);
	return fd;
err:
	mutex_unlock(&vm->lock);
	s2mmu_vcpu_free(vcpu);
	return fd;
}

static long s2mmu_vm_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct s2mmu_vm *vm = file->private_data;
	void __user *argp = (void __user *)arg;
	struct s2mmu_stats st;

	if (vm->mm != current->mm)
		return -EIO;
	switch (cmd) {
	case S2MMU_SET_USER_MEMORY_REGION:
		return s2mmu_set_memory_region(vm, argp);
	case S2MMU_CREATE_VCPU:
		return s2mmu_create_vcpu(vm, arg);
	case S2MMU_GET_STATS:
		s2mmu_vm_stats(vm, &st);
		return copy_to_user(argp, &st, sizeof(st)) ? -EFAULT : 0;
	case S2MMU_ENABLE_CAP:
		return s2mmu_enable_cap(vm, argp);
	case S2MMU_GET_DIRTY_LOG:
		return s2mmu_get_dirty_log(vm, argp);
	case S2MMU_CLEAR_DIRTY_LOG:
		return s2mmu_clear_dirty_log(vm, argp);
	case S2MMU_HW_TRANSLATE:
	case S2MMU_DEBUG_TABLE_OP:
		return s2mmu_el2_vm_ioctl(&vm->el2, &vm->pgt, cmd, arg);
	default:
		return -ENOTTY;
	}
}

static int s2mmu_vm_release(struct inode *inode, struct file *file)
{
	s2mmu_vm_put(file->private_data);
	return 0;
}

static const struct file_operations s2mmu_vm_fops = {
	.owner		= THIS_MODULE,
	.release	= s2mmu_vm_release,
	.unlocked_ioctl	= s2mmu_vm_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

/* The engine's lock rules (Documentation/locking.rst), seen by lockdep. */
static void s2mmu_assert_mmu_lock(struct s2_pgtable *pgt, bool exclusive)
{
	struct s2mmu_vm *vm = pgt->priv;

	if (exclusive)
		lockdep_assert_held_write(&vm->mmu_lock);
	else
		lockdep_assert_held(&vm->mmu_lock);
}

static struct s2mmu_vm *s2mmu_vm_alloc(u32 ipa_bits)
{
	struct s2mmu_vm *vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	const struct s2_tlb_ops *el2_ops;
	struct s2mmu_memslots *slots;
	int err = -ENOMEM;

	if (!vm)
		return ERR_PTR(-ENOMEM);
	slots = kzalloc(sizeof(*slots), GFP_KERNEL_ACCOUNT);
	if (!slots || init_srcu_struct(&vm->srcu))
		goto err_slots;
	el2_ops = s2mmu_el2_vm_init(&vm->el2);
	if (IS_ERR(el2_ops)) {
		err = PTR_ERR(el2_ops);	/* -ENOSPC: no VMID left */
		goto err_srcu;
	}
	if (s2_pgtable_init(&vm->pgt, ipa_bits, &s2mmu_table_mm_ops,
			    s2mmu_vm_tlb_ops(el2_ops), vm))
		goto err_el2;

	refcount_set(&vm->refs, 1);
	vm->ipa_bits = ipa_bits;
	vm->id = atomic_inc_return(&s2mmu_next_vm_id);
	rwlock_init(&vm->mmu_lock);
	spin_lock_init(&vm->mmu_invalidate_lock);
	seqcount_spinlock_init(&vm->mmu_invalidate_seqcount,
			       &vm->mmu_invalidate_lock);
	init_waitqueue_head(&vm->mmu_invalidate_wq);
	mutex_init(&vm->slots_lock);
	mutex_init(&vm->lock);
	RCU_INIT_POINTER(vm->slots, slots);
	/* Everything a notifier callback touches is initialised by now. */
	vm->mmu_notifier.ops = &s2mmu_mn_ops;
	if (mmu_notifier_register(&vm->mmu_notifier, current->mm))
		goto err_pgt;
	/* Reachable from now on (the notifier): the lock rules apply. */
	vm->pgt.assert_locked = s2mmu_assert_mmu_lock;
	mmgrab(current->mm);
	vm->mm = current->mm;
	atomic64_inc(&s2mmu_nr_vms);
	s2mmu_vm_debugfs_init(vm);
	return vm;

err_pgt:
	s2_pgtable_destroy(&vm->pgt);
err_el2:
	s2mmu_el2_vm_destroy(&vm->el2);
err_srcu:
	cleanup_srcu_struct(&vm->srcu);
err_slots:
	kfree(slots);
	kfree(vm);
	return ERR_PTR(err);
}

static int s2mmu_create_vm(unsigned long arg)
{
	u32 ipa_bits = arg ? arg : S2MMU_IPA_BITS_DEFAULT;
	struct s2mmu_vm *vm;
	int fd;

	if (arg > S2MMU_IPA_BITS_MAX || ipa_bits < S2MMU_IPA_BITS_MIN ||
	    ipa_bits > s2mmu_cpu.max_ipa_bits)
		return -EINVAL;
	vm = s2mmu_vm_alloc(ipa_bits);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	fd = anon_inode_getfd("s2mmu-vm", &s2mmu_vm_fops, vm,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0)
		s2mmu_vm_put(vm);
	return fd;
}

long s2mmu_mmu_dev_ioctl(unsigned int cmd, unsigned long arg)
{
	struct s2mmu_module_stats st;

	switch (cmd) {
	case S2MMU_CREATE_VM:
		return s2mmu_create_vm(arg);
	case S2MMU_GET_VCPU_MMAP_SIZE:
		return arg ? -EINVAL : PAGE_SIZE;
	case S2MMU_GET_MODULE_STATS:
		s2mmu_module_stats(&st);
		return copy_to_user((void __user *)arg, &st, sizeof(st)) ?
		       -EFAULT : 0;
	default:
		return -ENOTTY;
	}
}

int s2mmu_mmu_init(void)
{
	s2mmu_debugfs_root = debugfs_create_dir("s2mmu", NULL);
	debugfs_create_file("module_stats", 0444, s2mmu_debugfs_root, NULL,
			    &s2mmu_module_stats_fops);
	return 0;
}

void s2mmu_mmu_exit(void)
{
	debugfs_remove_recursive(s2mmu_debugfs_root);
	/* Table pages still waiting for a grace period are freed by now. */
	rcu_barrier();
	WARN_ON(atomic64_read(&s2mmu_table_pages));
	WARN_ON(atomic64_read(&s2mmu_pages_pinned));
}
