/* SPDX-License-Identifier: GPL-2.0 */
/*
 * s2mmu VM objects (VM, vCPU, memory slot) and the declarations the files
 * that work on them share: mmu.c, invalidate.c, dirty_log.c, access.c,
 * stats.c and vm.c.  Module-internal.
 */
#ifndef S2MMU_VM_H
#define S2MMU_VM_H

#include <linux/atomic.h>
#include <linux/mm_types.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/seqlock.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include <uapi/linux/s2mmu.h>
#include "s2_pgtable.h"
#include "s2mmu.h"
#include "s2mmu_views.h"

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

/* What the fault handler tells the access path. */
enum s2mmu_fault_result {
	S2MMU_FAULT_RETRY,	/* re-execute the access */
	S2MMU_FAULT_MMIO,	/* exit to the VMM */
	S2MMU_FAULT_MEM_ACCESS,	/* a restriction forbids it: exit to the VMM */
};

/*
 * Long range operations (unmapping for the MMU notifier, splitting and
 * write-protecting when dirty logging starts) take mmu_lock for write one
 * chunk at a time, so a vCPU faulting elsewhere waits for one chunk, not
 * for a whole slot.  Each chunk ends with its own batched invalidation.
 */
#define S2MMU_RANGE_CHUNK	SZ_256M

/* Table pages to split a chunk of 2 MiB blocks, the only blocks faults map. */
#define S2MMU_SPLIT_CHUNK_PAGES	(S2MMU_RANGE_CHUNK / SZ_2M)

/**
 * struct s2mmu_memslot - one memory slot
 * @id: the slot id userspace chose
 * @flags: S2MMU_MEM_*; only %S2MMU_MEM_LOG_DIRTY_PAGES changes, under
 *	slots_lock and mmu_lock held for write
 * @base_gfn: first guest frame
 * @npages: guest pages
 * @userspace_addr: host virtual address of the first page
 * @pins: per run of %S2MMU_PIN_RUN guest pages, NULL until a fault first
 *	maps one of them (then set once, with cmpxchg), else one page of pin
 *	records: per guest page, the pinned host page backing its stage-2
 *	mapping, or 0; tagged with S2MMU_PIN_*.  Records are set with
 *	cmpxchg by faults under mmu_lock (read), cleared when the slot's
 *	mappings are gone.
 * @dirty_bitmap: one bit per page while dirty logging is on, else NULL;
 *	set by faults under mmu_lock (read)
 */
struct s2mmu_memslot {
	u32		id;
	u32		flags;
	u64		base_gfn;
	u64		npages;
	unsigned long	userspace_addr;
	unsigned long	**pins;
	unsigned long	*dirty_bitmap;
};

/*
 * Pin records are allocated one page (a run of pages of the slot) at a
 * time, when the guest first touches the run: a slot costs the host one
 * pointer per run up front, nothing per page (Documentation/s2mmu.rst).
 */
#define S2MMU_PIN_RUN		(PAGE_SIZE / sizeof(unsigned long))

/* The pin record of the slot's page @i; NULL if its run has none yet. */
static inline unsigned long *s2mmu_pin_rec(const struct s2mmu_memslot *slot,
					   u64 i)
{
	/* Address dependency: the zeroed run before the pointer to it. */
	unsigned long *run = READ_ONCE(slot->pins[i / S2MMU_PIN_RUN]);

	return run ? &run[i % S2MMU_PIN_RUN] : NULL;
}

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
 * struct s2mmu_info - the VM's info page (info_page.c)
 * @lock: serialises the writers of the page's contents; taken with
 *	nothing but vcpu->mutex held (ranks: locking.rst)
 * @page: the page, allocated by the first S2MMU_MAP_INFO_PAGE (set once,
 *	with cmpxchg), freed with the VM
 * @ipa: the back-pointer: where @page is mapped while @mapped
 * @mapped: @page is in the stage-2 table at @ipa
 *
 * @ipa and @mapped change under slots_lock and mmu_lock (write), so
 * either lock is enough to read them: slot changes (slots_lock) check a
 * new slot against them.  s2mmu_info_publish() reads @mapped with no
 * lock (READ_ONCE; it is written with WRITE_ONCE), the one test a fault
 * makes when no page is mapped: a stale answer only rewrites a page
 * nobody reads, or skips a rewrite the map makes again once in place.
 */
struct s2mmu_info {
	struct mutex	lock;	/* see above */
	struct page	*page;
	u64		ipa;
	bool		mapped;
};

/* The VM's own counters: the S2MMU_STAT_VM() entries of s2mmu_stats.h. */
enum s2mmu_vm_stat_id {
#define S2MMU_STAT_VM(name)		S2MMU_VM_STAT_##name,
#define S2MMU_STAT_ENG(name, field)
#define S2MMU_STAT_NOW(name)
#include "s2mmu_stats.h"
#undef S2MMU_STAT_VM
#undef S2MMU_STAT_ENG
#undef S2MMU_STAT_NOW
	S2MMU_VM_NR_STATS
};

/* The VM's counter @name, an atomic64_t. */
#define s2mmu_vm_stat(vm, name)	(&(vm)->stat[S2MMU_VM_STAT_##name])

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
 * @stat: the VM's own counters, by &enum s2mmu_vm_stat_id; atomically
 *	updated through s2mmu_vm_stat()
 * @pages_pinned: guest pages pinned now
 * @debugfs: this VM's debugfs directory
 * @mmu_notifier: on @mm: host changes to the slots' memory unmap stage 2
 * @manual_dirty_protect: %S2MMU_CAP_MANUAL_DIRTY_LOG_PROTECT is on: GET
 *	only reads the log, CLEAR re-protects; changed under @slots_lock
 * @dirty_log_initially_set: with @manual_dirty_protect,
 *	%S2MMU_DIRTY_LOG_INITIALLY_SET: a new log starts with every page
 *	set and nothing is split or protected until CLEAR; under @slots_lock
 * @el2: the EL2 backend's state: VMID, TLB ops, debug table
 * @info: the info page
 * @clean_poc: pages are cleaned to the point of coherency before they are
 *	first mapped (the table does not use FWB; cache.c)
 * @cache_force: made with force_cmo: every maintenance is done, whatever
 *	CTR_EL0.IDC and DIC say
 * @mem_access: the S2MMU_SET_MEM_ACCESS restrictions, by guest frame,
 *	only those other than %S2MMU_MEM_ACCESS_RWX (xa_mk_value()); set
 *	under @slots_lock, converted by faults with xa_cmpxchg(), read
 *	locklessly (Documentation/mem-access.rst)
 * @views_lock: serialises the creation and destruction of views and the
 *	callers that need a view to stay (SET/GET_MEM_ACCESS, SWITCH_VIEW)
 * @views: the alternate views by id (0 unused: view 0 is @pgt); changed
 *	under @views_lock and @mmu_lock (write), so either lock is enough
 *	to read it
 * @nr_views: views in @views, written like them; lets view-0 operations
 *	skip the views when there are none
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
	atomic64_t		stat[S2MMU_VM_NR_STATS];
	atomic64_t		pages_pinned;
	struct dentry		*debugfs;
	struct mmu_notifier	mmu_notifier;
	bool			manual_dirty_protect;
	bool			dirty_log_initially_set;
	struct s2mmu_el2_vm	el2;
	struct s2mmu_info	info;
	bool			clean_poc;
	bool			cache_force;
	struct xarray		mem_access;
	struct mutex		views_lock;	/* see above */
	struct s2mmu_view	*views[S2MMU_MAX_VIEWS];
	int			nr_views;
};

/**
 * struct s2mmu_mem_access_event - what the last forbidden access was
 * @gpa: the IPA
 * @kind: %S2MMU_MEM_ACCESS_KIND_*
 * @access: the restriction in force
 * @new_access: the restriction after it (differs once converted)
 * @walk_write: a stage-1 walk that writes its table (AF/DBM update)
 */
struct s2mmu_mem_access_event {
	u64	gpa;
	u32	kind;
	u32	access;
	u32	new_access;
	bool	walk_write;
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
 * @ma_event: the event of the last %S2MMU_FAULT_MEM_ACCESS
 * @view: the alternate view the vCPU runs on (holding a reference), NULL
 *	for view 0; changed under @mutex
 * @release_ipa: the IPA each entry of @release was mapped at, to remove
 *	it from the views before the pin goes
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
	struct s2mmu_mem_access_event ma_event;
	struct s2mmu_view	*view;
	u64			*release_ipa;
};

static inline struct s2mmu_memslots *s2mmu_slots(struct s2mmu_vm *vm)
{
	return srcu_dereference_check(vm->slots, &vm->srcu,
				      lockdep_is_held(&vm->slots_lock));
}

static inline u64 s2mmu_slot_base(const struct s2mmu_memslot *slot)
{
	return slot->base_gfn << PAGE_SHIFT;
}

static inline u64 s2mmu_slot_end(const struct s2mmu_memslot *slot)
{
	return (slot->base_gfn + slot->npages) << PAGE_SHIFT;
}

static inline struct page *s2mmu_pin_page(unsigned long pin)
{
	return (struct page *)(pin & ~S2MMU_PIN_TAGS);
}

/* The pin recorded for the slot's page @i, 0 for none. */
static inline unsigned long s2mmu_pin_of(const struct s2mmu_memslot *slot,
					 u64 i)
{
	unsigned long *rec = s2mmu_pin_rec(slot, i);

	return rec ? READ_ONCE(*rec) : 0;
}

/* cache.c */
void s2mmu_cache_icache_sync(struct s2_pgtable *pgt, void *va, u64 size);
void s2mmu_cache_vm_init(struct s2mmu_vm *vm);
bool s2mmu_cache_clean_host_write(struct s2mmu_vm *vm, void *va, u64 size);
void s2mmu_cache_clean_pages(struct s2mmu_vm *vm, struct s2mmu_memslot *slot,
			     u64 first, struct page **pages, int nr);

/* mmu.c */
extern atomic64_t s2mmu_table_pages;
const struct s2_tlb_ops *s2mmu_vm_tlb_ops(const struct s2_tlb_ops *el2);
void s2mmu_assert_mmu_lock(struct s2_pgtable *pgt, bool exclusive);
extern atomic64_t s2mmu_pages_pinned;
void s2mmu_slot_release_pins(struct s2mmu_vm *vm,
			     struct s2mmu_memslot *slot);
u64 s2mmu_chunk_end(u64 start, u64 end);
void s2mmu_unmap_range_locked(struct s2mmu_vm *vm, u64 ipa, u64 size);
void s2mmu_zap_locked(struct s2mmu_vm *vm, struct s2mmu_memslot *slot,
		      u64 start, u64 end);
void s2mmu_slot_zap(struct s2mmu_vm *vm, struct s2mmu_memslot *slot,
		    u64 ipa, u64 size, bool resched);
void s2mmu_release_replaced(struct s2mmu_vcpu *vcpu);
int s2mmu_handle_fault(struct s2mmu_vcpu *vcpu, u64 ipa, u64 esr);
int s2mmu_handle_guest_fault(struct s2mmu_vcpu *vcpu, u64 ipa, u64 esr);
int s2mmu_resolve_fault(struct s2mmu_vcpu *vcpu, u64 ipa, u64 esr);
void s2mmu_abort_need(u64 esr, u32 *kind, u32 *need);

bool s2mmu_maps_page(struct s2mmu_vm *vm, u64 ipa, struct page *page);

/* info_page.c */
extern bool s2mmu_test_hooks;
extern atomic64_t s2mmu_info_pages;
void s2mmu_info_publish(struct s2mmu_vm *vm);
bool s2mmu_info_overlaps(struct s2mmu_vm *vm, u64 gfn, u64 npages);
void s2mmu_info_withhold(struct s2mmu_vm *vm, u64 start, u64 end);
int s2mmu_info_fault(struct s2mmu_vcpu *vcpu, u64 ipa, u32 allowed,
		     unsigned long seq);
int s2mmu_map_info_page(struct s2mmu_vm *vm, void __user *argp);
int s2mmu_unmap_info_page(struct s2mmu_vm *vm, unsigned long arg);
void s2mmu_info_free(struct s2mmu_vm *vm);

/* invalidate.c */
void s2mmu_invalidate_seq_bump(struct s2mmu_vm *vm);
unsigned long s2mmu_sample_invalidate_seq(struct s2mmu_vm *vm);
bool s2mmu_hva_busy(struct s2mmu_vm *vm, unsigned long start,
		    unsigned long end);
bool s2mmu_invalidate_stale(struct s2mmu_vm *vm, unsigned long seq,
			    unsigned long start, unsigned long end,
			    bool *busy);
extern const struct mmu_notifier_ops s2mmu_mn_ops;

/* dirty_log.c */
unsigned long *s2mmu_dirty_bitmap_alloc(struct s2mmu_vm *vm, u64 npages);
int s2mmu_slot_set_flags(struct s2mmu_vm *vm,
			 struct s2mmu_memslot *slot, u32 flags);
int s2mmu_get_dirty_log(struct s2mmu_vm *vm, void __user *argp);
int s2mmu_clear_dirty_log(struct s2mmu_vm *vm, void __user *argp);
int s2mmu_enable_cap(struct s2mmu_vm *vm, void __user *argp);

/* access.c */
int s2mmu_vcpu_access(struct s2mmu_vcpu *vcpu, void __user *argp);

/* mem_access.c */
int s2mmu_set_mem_access(struct s2mmu_vm *vm, void __user *argp);
int s2mmu_get_mem_access(struct s2mmu_vm *vm, void __user *argp);
int s2mmu_mem_access_check(struct s2mmu_vcpu *vcpu, struct s2mmu_view *view,
			   u64 ipa, u32 kind, u32 need, u32 *allowed);
bool s2mmu_mem_access_any(struct s2mmu_vm *vm, u64 gfn, u64 nr);
u32 s2mmu_mem_access_of(struct s2mmu_vm *vm, u64 gfn);
u32 s2mmu_mem_access_perms(struct s2mmu_vm *vm, u64 gfn);
const char *s2mmu_mem_access_name(u32 access);
void s2mmu_mem_access_exit(struct s2mmu_vcpu *vcpu, u64 gva, bool gva_valid,
			   u64 pc, bool pc_valid);

/* stats.c */
void s2mmu_vm_stats(struct s2mmu_vm *vm, struct s2mmu_stats *st);
bool s2mmu_is_get_stats(unsigned int cmd);
int s2mmu_get_stats(struct s2mmu_vm *vm, void __user *argp, unsigned int cmd);
void s2mmu_vm_debugfs_init(struct s2mmu_vm *vm);
void s2mmu_module_stats(struct s2mmu_module_stats *st);

/* vm.c */
extern atomic64_t s2mmu_nr_vms;
struct s2mmu_memslot *s2mmu_find_slot(struct s2mmu_memslots *slots,
				      u64 ipa);
struct s2mmu_memslot *s2mmu_slot_by_id(struct s2mmu_vm *vm, u32 id);

#endif /* S2MMU_VM_H */
