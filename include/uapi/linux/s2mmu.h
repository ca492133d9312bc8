/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * s2mmu: userspace ABI of the stage-2 MMU module.
 *
 * Shaped like KVM's: /dev/s2mmu creates VMs, a VM file descriptor owns
 * memslots and creates vCPUs, a vCPU file descriptor performs guest
 * accesses.  See Documentation/s2mmu.rst.
 */
#ifndef _UAPI_LINUX_S2MMU_H
#define _UAPI_LINUX_S2MMU_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define S2MMU_API_VERSION	1

#define S2MMUIO			0xB6

/**
 * struct s2mmu_features - what the module found on this CPU
 * @size: bytes of this structure the kernel filled (forward compatible)
 * @current_el: exception level the kernel (and so the module) runs at
 * @pa_bits: physical address size from ID_AA64MMFR0_EL1.PARange
 * @max_ipa_bits: largest IPA size S2MMU_CREATE_VM accepts
 * @vmid_bits: VMID width, 8 or 16
 * @flags: ``S2MMU_FEAT_*`` bits
 * @id_aa64mmfr0: raw ID_AA64MMFR0_EL1
 * @id_aa64mmfr1: raw ID_AA64MMFR1_EL1
 * @id_aa64mmfr2: raw ID_AA64MMFR2_EL1
 * @id_aa64isar0: raw ID_AA64ISAR0_EL1
 * @reserved: zero
 */
struct s2mmu_features {
	__u32 size;
	__u32 current_el;
	__u32 pa_bits;
	__u32 max_ipa_bits;
	__u32 vmid_bits;
	__u32 flags;
	__u64 id_aa64mmfr0;
	__u64 id_aa64mmfr1;
	__u64 id_aa64mmfr2;
	__u64 id_aa64isar0;
	__u64 reserved[4];
};

#define S2MMU_FEAT_TLBIRANGE	(1U << 0)	/* TLBI by IPA range */
#define S2MMU_FEAT_TTL		(1U << 1)	/* TLBI level hints */
#define S2MMU_FEAT_FWB		(1U << 2)	/* stage-2 forced write-back */
#define S2MMU_FEAT_VHE		(1U << 3)	/* kernel runs at EL2 */
#define S2MMU_FEAT_HW_AT	(1U << 4)	/* S2MMU_HW_TRANSLATE works */
#define S2MMU_FEAT_HW_TLBI	(1U << 5)	/* real TLBIs are issued */
#define S2MMU_FEAT_KVM_ACTIVE	(1U << 6)	/* KVM initialised alongside */
#define S2MMU_FEAT_RUN		(1U << 7)	/* S2MMU_RUN runs guests */
#define S2MMU_FEAT_MEM_ACCESS	(1U << 8)	/* S2MMU_SET_MEM_ACCESS */
#define S2MMU_FEAT_TRANSLATE_GVA (1U << 9)	/* S2MMU_TRANSLATE_GVA */
#define S2MMU_FEAT_INFO_PAGE	(1U << 10)	/* S2MMU_MAP_INFO_PAGE */
#define S2MMU_FEAT_LOCK_CHECK	(1U << 11)	/* the lock checker is on */
#define S2MMU_FEAT_VIEWS	(1U << 12)	/* S2MMU_CREATE_VIEW and co. */

/* ioctls on /dev/s2mmu */

/**
 * DOC: S2MMU_GET_API_VERSION
 *
 * Returns %S2MMU_API_VERSION.  The argument must be 0: anything else is
 * -EINVAL, as for KVM_GET_API_VERSION.
 */
#define S2MMU_GET_API_VERSION	_IO(S2MMUIO, 0x00)
#define S2MMU_GET_FEATURES	_IOR(S2MMUIO, 0x01, struct s2mmu_features)

/*
 * Numbers reserved for the rest of the ABI, so that parallel work on it
 * does not collide:
 *   0x02-0x0f  /dev/s2mmu (CREATE_VM, GET_VCPU_MMAP_SIZE)
 *   0x40-0x5f  VM fd: memslots, vCPUs, stats
 *   0x60-0x6f  VM fd: dirty logging, ENABLE_CAP
 *   0x70-0x7f  VM fd: test interface (EL2 oracle), the header's last section
 *   0x80-0x8f  vCPU fd
 *   0x90-0x9f  introspection: VM fd mem_access 0x90-0x91; vCPU fd
 *              S2MMU_TRANSLATE_GVA 0x92; VM fd info page 0x93-0x94;
 *              views 0x98-0x9f
 */

/* ---- /dev/s2mmu: VMs ---- */

/* IPA size S2MMU_CREATE_VM picks when it is given 0. */
#define S2MMU_IPA_BITS_DEFAULT	40
#define S2MMU_IPA_BITS_MIN	32
#define S2MMU_IPA_BITS_MAX	48

/**
 * DOC: S2MMU_CREATE_VM
 *
 * Argument: the IPA size in bits (an integer, not a pointer): 0 for
 * %S2MMU_IPA_BITS_DEFAULT, or 32..48 and at most
 * &s2mmu_features.max_ipa_bits.
 *
 * Returns a new VM file descriptor (close-on-exec).  The VM belongs to the
 * calling process's address space: its ioctls fail with -EIO from any
 * other process.
 *
 * Errors: -EINVAL bad IPA size; -ENOMEM; -EMFILE/-ENFILE.
 */
#define S2MMU_CREATE_VM		_IO(S2MMUIO, 0x02)

/**
 * DOC: S2MMU_GET_VCPU_MMAP_SIZE
 *
 * Returns the number of bytes to mmap() at offset 0 of a vCPU file
 * descriptor to see its &struct s2mmu_run.  No argument.
 */
#define S2MMU_GET_VCPU_MMAP_SIZE _IO(S2MMUIO, 0x03)

/**
 * struct s2mmu_module_stats - module-wide resources, for leak checks
 * @version: %S2MMU_MODULE_STATS_VERSION
 * @size: bytes of this structure
 * @vms: VMs alive (a VM lives until its fd and every vCPU fd are closed)
 * @table_pages: stage-2 table pages (and pages cached for them) allocated
 *	by every VM and not yet freed, including pages waiting for an RCU
 *	grace period
 * @pages_pinned: guest pages pinned by every VM and not yet released
 * @lock_inversions: locks taken out of rank order since the module was
 *	loaded, as the lock checker saw them (module parameter lock_check;
 *	0 while it is off)
 * @lock_inversions_provoked: those of @lock_inversions that the checker's
 *	self-test (module parameter lock_check_selftest) took on purpose;
 *	the real code's are the difference
 * @info_pages: info pages (%S2MMU_MAP_INFO_PAGE) allocated by every VM
 *	and not yet freed
 * @reserved: zero
 */
struct s2mmu_module_stats {
	__u32 version;
	__u32 size;
	__u64 vms;
	__u64 table_pages;
	__u64 pages_pinned;
	__u64 lock_inversions;
	__u64 lock_inversions_provoked;
	__u64 info_pages;
	__u64 reserved[1];
};

#define S2MMU_MODULE_STATS_VERSION	1

/**
 * DOC: S2MMU_GET_MODULE_STATS
 *
 * Fills a &struct s2mmu_module_stats.  After every VM was closed, the
 * VM, table page, pinned page and info page counts are back to zero
 * (table pages once pending RCU callbacks ran: the module waits for them
 * on this call).
 *
 * Errors: -EFAULT.
 */
#define S2MMU_GET_MODULE_STATS	_IOR(S2MMUIO, 0x04, struct s2mmu_module_stats)

/* ---- VM fd: memory slots ---- */

/* Maximum number of live memory slots of one VM. */
#define S2MMU_MAX_MEMSLOTS	32
/* Slot ids are 0 .. S2MMU_MEMSLOT_ID_LIMIT - 1. */
#define S2MMU_MEMSLOT_ID_LIMIT	32764

/*
 * Largest slot, in pages (KVM's limit): 8 TiB with 4K pages.  A slot costs
 * the host nothing per page until the guest touches it (see
 * Documentation/s2mmu.rst, "Pinned pages").
 */
#define S2MMU_MEM_MAX_PAGES		((1ULL << 31) - 1)

#define S2MMU_MEM_LOG_DIRTY_PAGES	(1U << 0)
#define S2MMU_MEM_READONLY		(1U << 1)

/**
 * struct s2mmu_userspace_memory_region - one guest-physical memory slot
 * @slot: slot id, below %S2MMU_MEMSLOT_ID_LIMIT
 * @flags: %S2MMU_MEM_LOG_DIRTY_PAGES, %S2MMU_MEM_READONLY
 * @guest_phys_addr: first IPA, page aligned
 * @memory_size: bytes, page aligned; 0 deletes the slot
 * @userspace_addr: start of the backing memory in the calling process,
 *	page aligned
 *
 * Same layout and meaning as KVM's &struct kvm_userspace_memory_region.
 */
struct s2mmu_userspace_memory_region {
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;
	__u64 userspace_addr;
};

/**
 * DOC: S2MMU_SET_USER_MEMORY_REGION
 *
 * Creates, deletes (@memory_size 0), moves (new @guest_phys_addr) or
 * changes the flags of (%S2MMU_MEM_LOG_DIRTY_PAGES only) a memory slot.
 * Deleting or moving a slot removes its stage-2 mappings first and
 * releases the guest pages they held.  Enabling dirty logging
 * write-protects the slot.  A slot's size, @userspace_addr and
 * %S2MMU_MEM_READONLY cannot change: delete and recreate it.
 *
 * As KVM: a move may change %S2MMU_MEM_LOG_DIRTY_PAGES in the same call
 * (the slot logs, or not, from its new place on, with an empty log); a
 * read-only slot may log (its log stays empty: the guest cannot write
 * it); a delete is checked like any other call (flags, slot id, and the
 * alignment of all three address fields), its addresses otherwise
 * ignored.
 *
 * Errors (a failed call changes nothing):
 * -EINVAL unknown flag, slot id out of range, misaligned address or size
 * (a delete included), more than %S2MMU_MEM_MAX_PAGES pages, range
 * overflowing or beyond the VM's IPA size, deleting a slot that does not
 * exist, changing the size, @userspace_addr or READONLY;
 * -EFAULT the argument or the @userspace_addr range is not accessible
 * user memory; -EEXIST the IPA range overlaps another slot;
 * -ENOSPC %S2MMU_MAX_MEMSLOTS slots exist already; -ENOMEM.
 */
#define S2MMU_SET_USER_MEMORY_REGION \
	_IOW(S2MMUIO, 0x46, struct s2mmu_userspace_memory_region)

/* ---- VM fd: vCPUs ---- */

#define S2MMU_MAX_VCPUS		64

/**
 * DOC: S2MMU_CREATE_VCPU
 *
 * Argument: the vCPU id, 0 .. %S2MMU_MAX_VCPUS - 1 (an integer).  Returns
 * a vCPU file descriptor; mmap() %S2MMU_GET_VCPU_MMAP_SIZE bytes of it at
 * offset 0 to see its &struct s2mmu_run.  The vCPU keeps the VM alive.
 *
 * Errors: -EINVAL id out of range; -EEXIST id in use; -ENOMEM.
 */
#define S2MMU_CREATE_VCPU	_IO(S2MMUIO, 0x41)

/* ---- VM fd: statistics ---- */

/**
 * struct s2mmu_stats - what a VM's stage-2 MMU did
 * @version: %S2MMU_STATS_VERSION
 * @size: bytes of counters filled in: the size of the caller's structure
 *	(in the ioctl number) or the kernel's, whichever is smaller; after
 *	it the caller's structure reads zero.  On the info page, the
 *	kernel's size.
 * @faults_translation: stage-2 translation faults taken
 * @faults_access: access-flag faults taken
 * @faults_permission: permission faults taken
 * @faults_spurious: faults that found nothing to change (the mapping was
 *	already there, identical or with at least the needed permissions)
 * @fault_retries: times a fault handler started over (raced with another
 *	walker or with an invalidation)
 * @mmio_exits: accesses that ended in an MMIO exit
 * @bbm: break-before-make sequences
 * @tlbi_ipa: TLB invalidations of one IPA
 * @tlbi_range: TLB invalidations of an IPA range
 * @tlbi_vmid: TLB invalidations of the whole VMID
 * @tlbi_local: local (this CPU only) invalidations after a relax
 * @relax_perms: leaves whose permissions were raised in place
 * @access_flag_set: leaves whose access flag was set in place
 * @mapped_l1: 1 GiB blocks mapped
 * @mapped_l2: 2 MiB blocks mapped
 * @mapped_l3: 4 KiB pages mapped
 * @zero_page_maps: read faults answered with the shared zero page
 * @dirty_marked: pages marked dirty after a successful writable map or
 *	relax
 * @table_pages: table pages live, roots included
 * @pages_pinned: guest pages pinned now (released on unmap/teardown)
 * @memslots: memory slots live
 * @vcpus: vCPUs created
 * @notifier_invalidations: host address ranges the MMU notifier
 *	invalidated that overlapped a memory slot (munmap, madvise,
 *	mprotect, migration, COW, ...); each removed stage-2 mappings
 * @young_found: stage-2 leaves the MMU notifier's aging callbacks found
 *	accessed by the guest (reclaim asking whether a page is in use), in
 *	view 0 and in the alternate views (one per table that has it young)
 * @hwt_translated: IPAs %S2MMU_HW_TRANSLATE translated, on the VM's table
 *	and on its debug table (0 when %S2MMU_FEAT_HW_AT is clear)
 * @hwt_fallbacks: of those, hardware faults that the software walk
 *	answered instead because another CPU was in the middle of a
 *	break-before-make on the entry (%S2MMU_HWT_F_FALLBACK)
 * @hwt_mismatches: of those, unexplained disagreements between the
 *	hardware and the software walk (%S2MMU_HWT_F_MISMATCH); a bug
 * @gva_hw: %S2MMU_TRANSLATE_GVA answers the hardware (AT) gave
 * @gva_fallbacks: %S2MMU_TRANSLATE_GVA answers the software walk gave
 *	after a hardware stage-2 fault that a concurrent change of the
 *	table (break-before-make) explains
 * @gva_sw: %S2MMU_TRANSLATE_GVA answers the software walk alone gave (no
 *	EL2, an execute access, or %S2MMU_GVA_SOFTWARE)
 * @mem_access_read: %S2MMU_EXIT_MEM_ACCESS events of guest reads
 * @mem_access_write: %S2MMU_EXIT_MEM_ACCESS events of guest writes
 * @mem_access_exec: %S2MMU_EXIT_MEM_ACCESS events of instruction fetches
 * @mem_access_walk: %S2MMU_EXIT_MEM_ACCESS events of the guest's stage-1
 *	table walks
 * @mem_access_converted: of those events, %S2MMU_MEM_ACCESS_RX2RW and
 *	%S2MMU_MEM_ACCESS_N2RWX restrictions the access converted
 * @info_page_mismatches: removals of the info page that found the
 *	stage-2 table not mapping it where its back-pointer said, and left
 *	the table untouched (%S2MMU_UNMAP_INFO_PAGE); a bug
 * @views: alternate views that exist now (view 0 not counted)
 * @view_tlbi: TLB invalidations (by IPA, range or VMID) the tables of
 *	the views that exist now have issued
 * @view_faults: stage-2 faults of vCPUs running on an alternate view
 * @view_maps: leaves installed (or raised) in alternate views
 * @view_propagations: range operations on view 0 (unmap, write-protect)
 *	applied to an alternate view, one per view per operation chunk
 * @view_fallbacks: vCPUs moved to view 0 because their view was
 *	destroyed
 * @view_rmap_hits: view entries showing a remapped frame
 *	(%S2MMU_VIEW_CHANGE_GFN) that a view-0 change found through the
 *	reverse map and removed or write-protected
 * @view_rmap_mismatches: of those found, entries that did not map the
 *	page view 0 has for the frame, left untouched (a bug: logged)
 * @dirty_log_walks: stage-2 walks %S2MMU_GET_DIRTY_LOG and
 *	%S2MMU_CLEAR_DIRTY_LOG made to write-protect the pages they took
 * @dirty_log_leaves: leaves those walks looked at
 * @dirty_log_protected: leaves those walks write-protected (pages of a
 *	block split for it included)
 * @dirty_log_lock_holds: write-side holds of the VM's MMU lock taken by
 *	%S2MMU_GET_DIRTY_LOG and %S2MMU_CLEAR_DIRTY_LOG
 * @dirty_log_words: 64-bit words of dirty log those ioctls read
 * @dirty_log_user_copies: copies to or from their callers' bitmaps that
 *	succeeded (a call refused for its bitmap counts nothing here)
 * @dcache_clean_pages: pages cleaned and invalidated to the point of
 *	coherency before they were first mapped, for a guest that runs with
 *	its MMU off, and rewrites of the info page cleaned for it (one each);
 *	0 on a VM whose table uses FWB
 * @icache_sync_pages: pages made coherent for instruction fetches (D-cache
 *	clean unless CTR_EL0.IDC, I-cache invalidation unless CTR_EL0.DIC)
 *	before a stage-2 mapping let the guest execute them
 * @table_walks: walks of the stage-2 table from its root (maps, relaxes,
 *	lookups, ...): divided by the faults, what a fault costs
 * @reserved: zero
 *
 * Counters only grow, except @table_pages, @pages_pinned, @memslots,
 * @vcpus, @views and @view_tlbi, which are current values.
 */
struct s2mmu_stats {
	__u32 version;
	__u32 size;
	__u64 faults_translation;
	__u64 faults_access;
	__u64 faults_permission;
	__u64 faults_spurious;
	__u64 fault_retries;
	__u64 mmio_exits;
	__u64 bbm;
	__u64 tlbi_ipa;
	__u64 tlbi_range;
	__u64 tlbi_vmid;
	__u64 tlbi_local;
	__u64 relax_perms;
	__u64 access_flag_set;
	__u64 mapped_l1;
	__u64 mapped_l2;
	__u64 mapped_l3;
	__u64 zero_page_maps;
	__u64 dirty_marked;
	__u64 table_pages;
	__u64 pages_pinned;
	__u64 memslots;
	__u64 vcpus;
	__u64 notifier_invalidations;
	__u64 young_found;
	__u64 hwt_translated;
	__u64 hwt_fallbacks;
	__u64 hwt_mismatches;
	__u64 gva_hw;
	__u64 gva_fallbacks;
	__u64 gva_sw;
	__u64 mem_access_read;
	__u64 mem_access_write;
	__u64 mem_access_exec;
	__u64 mem_access_walk;
	__u64 mem_access_converted;
	__u64 info_page_mismatches;
	__u64 views;
	__u64 view_tlbi;
	__u64 view_faults;
	__u64 view_maps;
	__u64 view_propagations;
	__u64 view_fallbacks;
	__u64 view_rmap_hits;
	__u64 view_rmap_mismatches;
	__u64 dirty_log_walks;
	__u64 dirty_log_leaves;
	__u64 dirty_log_protected;
	__u64 dirty_log_lock_holds;
	__u64 dirty_log_words;
	__u64 dirty_log_user_copies;
	__u64 dcache_clean_pages;
	__u64 icache_sync_pages;
	__u64 table_walks;
	__u64 reserved[2];
};

/*
 * The structure only grows: a counter, once published, keeps its offset
 * and meaning; new ones go after the last counter (where @reserved
 * begins, which moves along).  @version would change only if that ever
 * had to be broken.  @size tells how many bytes are counters.
 */
#define S2MMU_STATS_VERSION	1
/* The size of the structure as first published: the smallest accepted. */
#define S2MMU_STATS_SIZE_VER1	248

/**
 * DOC: S2MMU_GET_STATS
 *
 * Fills a &struct s2mmu_stats for the VM.  The structure's size is in the
 * ioctl number, so a program built with an older (shorter) or newer
 * (longer) header sends another number: every size from
 * %S2MMU_STATS_SIZE_VER1 up, in multiples of 8, is S2MMU_GET_STATS.  The
 * kernel fills the counters that both it and the caller know, zeroes the
 * rest of the caller's structure and says in @size how many bytes it
 * filled.  Any other size is -ENOTTY.  Errors: -EFAULT, -EIO.
 */
#define S2MMU_GET_STATS		_IOR(S2MMUIO, 0x50, struct s2mmu_stats)

/* ---- VM fd: dirty logging ---- */

/*
 * Dirty logging follows KVM's semantics; see Documentation/dirty-logging.rst.
 * Setting %S2MMU_MEM_LOG_DIRTY_PAGES on a slot (S2MMU_SET_USER_MEMORY_REGION)
 * splits its blocks and write-protects it: from then on every write that
 * makes a page writable in stage 2 sets the page's bit in the slot's log.
 * With %S2MMU_DIRTY_LOG_INITIALLY_SET the log starts with every page set
 * instead, and nothing is split or protected until CLEAR takes pages out.
 * Clearing the flag drops the log and lets 2 MiB blocks come back.
 */

/**
 * struct s2mmu_dirty_log - argument of S2MMU_GET_DIRTY_LOG
 * @slot: slot id
 * @padding: zero
 * @dirty_bitmap: user pointer to one bit per page of the slot, in 64-bit
 *	words (bit n of word w is page 64 * w + n)
 */
struct s2mmu_dirty_log {
	__u32 slot;
	__u32 padding;
	__u64 dirty_bitmap;
};

/**
 * struct s2mmu_clear_dirty_log - argument of S2MMU_CLEAR_DIRTY_LOG
 * @slot: slot id
 * @num_pages: pages covered by @dirty_bitmap; a multiple of 64 unless the
 *	range ends with the slot
 * @first_page: first page of the slot covered, a multiple of 64
 * @dirty_bitmap: user pointer, one bit per page from @first_page; pages
 *	whose bit is set are cleared in the log and write-protected
 */
struct s2mmu_clear_dirty_log {
	__u32 slot;
	__u32 num_pages;
	__u64 first_page;
	__u64 dirty_bitmap;
};

/**
 * struct s2mmu_enable_cap - argument of S2MMU_ENABLE_CAP
 * @cap: capability, %S2MMU_CAP_MANUAL_DIRTY_LOG_PROTECT
 * @flags: zero
 * @args: capability arguments; ``args[0]``: 0 disables, or
 *	%S2MMU_DIRTY_LOG_MANUAL_PROTECT_ENABLE, optionally with
 *	%S2MMU_DIRTY_LOG_INITIALLY_SET; others zero
 * @pad: zero
 */
struct s2mmu_enable_cap {
	__u32 cap;
	__u32 flags;
	__u64 args[4];
	__u8  pad[64];
};

/* GET_DIRTY_LOG only reads the log; CLEAR_DIRTY_LOG clears and protects. */
#define S2MMU_CAP_MANUAL_DIRTY_LOG_PROTECT	1

/* ``args[0]`` bits of %S2MMU_CAP_MANUAL_DIRTY_LOG_PROTECT (KVM's values). */
#define S2MMU_DIRTY_LOG_MANUAL_PROTECT_ENABLE	(1ULL << 0)
#define S2MMU_DIRTY_LOG_INITIALLY_SET		(1ULL << 1)

/**
 * DOC: S2MMU_ENABLE_CAP
 *
 * Enables (or, ``args[0]`` 0, disables) a capability of the VM; the only one
 * is %S2MMU_CAP_MANUAL_DIRTY_LOG_PROTECT, KVM's MANUAL_DIRTY_LOG_PROTECT2.
 * ``args[0]`` %S2MMU_DIRTY_LOG_MANUAL_PROTECT_ENABLE: GET only reads the
 * log, CLEAR clears and protects, and a new log starts empty (the slot is
 * split and write-protected when logging starts).  Adding
 * %S2MMU_DIRTY_LOG_INITIALLY_SET: a new log (logging turned on, or a slot
 * created or moved with it on) starts with every page set and nothing is
 * split or write-protected then; CLEAR write-protects exactly the pages it
 * clears, splitting any block that maps part of them.  It may change at
 * any time, also while slots log; it applies to the next new log, GET or
 * CLEAR.  A module without %S2MMU_DIRTY_LOG_INITIALLY_SET refuses it
 * with -EINVAL: that is how a VMM finds out.
 *
 * Errors: -EINVAL unknown capability, non-zero @flags, @pad or unused
 * @args, an unknown ``args[0]`` bit, %S2MMU_DIRTY_LOG_INITIALLY_SET without
 * %S2MMU_DIRTY_LOG_MANUAL_PROTECT_ENABLE (as KVM); -EFAULT; -EIO called
 * from another process.
 */
#define S2MMU_ENABLE_CAP	_IOW(S2MMUIO, 0x60, struct s2mmu_enable_cap)

/**
 * DOC: S2MMU_GET_DIRTY_LOG
 *
 * Copies the dirty log of slot @slot to @dirty_bitmap: a bit is set for
 * every page written (made writable in stage 2) since the log was last
 * cleared, and for no other page.  Without manual protect the call also
 * clears the log and write-protects the pages it reported, so that their
 * next write is logged again; log and protection change together,
 * 32768 pages at a time, each chunk with one batched TLB invalidation.
 * With %S2MMU_CAP_MANUAL_DIRTY_LOG_PROTECT it only reads the log (and
 * copies it out straight, as KVM does).
 *
 * The bitmap is whole 64-bit words: (npages + 63) / 64 * 8 bytes.  It is
 * checked writable before anything is cleared; a chunk that still cannot
 * be copied out (-EFAULT) stays in the log, for the next GET.
 *
 * Errors: -EINVAL no such slot, non-zero @padding; -ENOENT the slot does
 * not log (no %S2MMU_MEM_LOG_DIRTY_PAGES); -EFAULT; -EIO called from
 * another process; -ENOMEM.
 */
#define S2MMU_GET_DIRTY_LOG	_IOW(S2MMUIO, 0x62, struct s2mmu_dirty_log)

/**
 * DOC: S2MMU_CLEAR_DIRTY_LOG
 *
 * Manual-protect mode only: for each page of [@first_page, @first_page +
 * @num_pages) whose bit is set in @dirty_bitmap and in the log, clears the
 * log bit and write-protects the page (one batched TLB invalidation per
 * 32768 pages).  A 2 MiB block mapping any such page (there are some only
 * in a log that started with every page set) is split into pages first,
 * its other pages left writable.  A VMM calls it with what GET returned, just before it
 * copies those pages: a write after the clear is logged again.
 * @num_pages 0 is a successful no-op that reads no bitmap, for any
 * @first_page up to and including the slot's end (as KVM).  The bitmap is
 * checked readable before anything is cleared.
 *
 * Errors: -EINVAL no such slot, manual protect not enabled, @first_page
 * not a multiple of 64 or beyond the slot's end, @num_pages beyond the
 * slot or not a multiple of 64 short of the slot's end; -ENOENT the slot
 * does not log; -EFAULT; -EIO called from another process; -ENOMEM.
 */
#define S2MMU_CLEAR_DIRTY_LOG	_IOWR(S2MMUIO, 0x63, struct s2mmu_clear_dirty_log)

/* ---- vCPU fd ---- */

/* Exit reasons in &s2mmu_run.exit_reason (numbered like KVM's). */
#define S2MMU_EXIT_NONE			0
#define S2MMU_EXIT_HYPERCALL		3
#define S2MMU_EXIT_MMIO			6
#define S2MMU_EXIT_INTR			10
#define S2MMU_EXIT_INTERNAL_ERROR	17
#define S2MMU_EXIT_MEM_ACCESS		40

/* &s2mmu_run.hypercall.flags */
#define S2MMU_HYPERCALL_SMC		(1U << 0)	/* SMC, not HVC */

/* &s2mmu_run.internal.suberror */
#define S2MMU_INTERNAL_ERROR_EXCEPTION	1	/* exception class not handled */
#define S2MMU_INTERNAL_ERROR_MMIO_NO_ISV 2	/* MMIO access without syndrome */
#define S2MMU_INTERNAL_ERROR_SERROR	3	/* SError taken from the guest */
#define S2MMU_INTERNAL_ERROR_SYSREG	4	/* trapped system register */

/**
 * struct s2mmu_run - a vCPU's shared page, mmap()ed from its fd
 * @exit_reason: why the last S2MMU_RUN (or S2MMU_VCPU_ACCESS) returned to
 *	the VMM: one of ``S2MMU_EXIT_*``
 * @immediate_exit: in: 0 or 1 (S2MMU_RUN fails with -EINVAL otherwise);
 *	when 1, S2MMU_RUN completes a pending MMIO read or hypercall
 *	(register write-back, PC advance) and returns -EINTR with
 *	%S2MMU_EXIT_INTR without entering the guest, like KVM's
 *	immediate_exit
 * @padding1: zero (S2MMU_RUN fails with -EINVAL otherwise)
 * @mmio: valid for %S2MMU_EXIT_MMIO: the access hit an IPA with no memory
 *	slot, or wrote to a read-only slot; the VMM emulates it
 * @mmio.phys_addr: the IPA accessed
 * @mmio.data: bytes written (for a write); for a read the VMM supplies
 *	them, and after S2MMU_RUN they land in the target register with
 *	the access's width and sign extension
 * @mmio.len: bytes of the access, 1..8
 * @mmio.is_write: 1 for a write
 * @mmio.pad: zero
 * @hypercall: valid for %S2MMU_EXIT_HYPERCALL: the guest executed HVC (or
 *	SMC, see @hypercall.flags)
 * @hypercall.imm: the instruction's 16-bit immediate
 * @hypercall.args: x0-x7 of the guest at the call
 * @hypercall.ret: in: the values S2MMU_RUN writes to x0-x3 before the
 *	guest resumes after the call; the kernel sets them to x0-x3 at the
 *	exit, so a VMM that writes nothing leaves the registers unchanged
 * @hypercall.flags: %S2MMU_HYPERCALL_SMC for an SMC (the PC moves past it)
 * @hypercall.pad: zero
 * @internal: valid for %S2MMU_EXIT_INTERNAL_ERROR: the guest did
 *	something the module does not handle; the vCPU stays as it was, so
 *	S2MMU_RUN again takes the same exit unless the VMM changes the
 *	registers
 * @internal.suberror: ``S2MMU_INTERNAL_ERROR_*``
 * @internal.pad: zero
 * @internal.esr: ESR_EL2 of the exit
 * @internal.far: FAR_EL2 of the exit (guest virtual address)
 * @internal.hpfar: HPFAR_EL2 of the exit (IPA bits 51:12 in bits 43:4)
 * @internal.pc: the guest PC (ELR_EL2) of the exit
 * @mem_access: valid for %S2MMU_EXIT_MEM_ACCESS: the guest tried an
 *	access that a restriction of S2MMU_SET_MEM_ACCESS forbids.  The
 *	vCPU stays on the instruction, which S2MMU_RUN executes again
 *	(so it exits again unless the VMM changed the restriction)
 * @mem_access.gpa: the IPA accessed; for a stage-1 walk, the start of
 *	the page of the table (the syndrome gives no offset)
 * @mem_access.gva: the guest virtual address accessed (FAR_EL2), when
 *	%S2MMU_MEM_ACCESS_F_GVA_VALID is set
 * @mem_access.pc: the guest PC of the access, when
 *	%S2MMU_MEM_ACCESS_F_PC_VALID is set
 * @mem_access.flags: ``S2MMU_MEM_ACCESS_F_*``
 * @mem_access.kind: ``S2MMU_MEM_ACCESS_KIND_*``: what the guest tried
 * @mem_access.access: the restriction in force (``S2MMU_MEM_ACCESS_*``)
 * @mem_access.new_access: the restriction from now on: @mem_access.access,
 *	or what an %S2MMU_MEM_ACCESS_RX2RW or %S2MMU_MEM_ACCESS_N2RWX
 *	restriction became (%S2MMU_MEM_ACCESS_F_CONVERTED)
 * @padding: room for later exits
 *
 * The layout up to @mmio is that of %S2MMU_API_VERSION 1; new exits only
 * add members to the union.  The kernel reads @immediate_exit and
 * @padding1 on every S2MMU_RUN, and to complete the last exit the first
 * @mmio.len bytes of @mmio.data (MMIO read) or @hypercall.ret; every
 * other field is output only, ignored on input.
 */
struct s2mmu_run {
	__u32 exit_reason;
	__u8  immediate_exit;
	__u8  padding1[3];
	union {
		struct {
			__u64 phys_addr;
			__u8  data[8];
			__u32 len;
			__u8  is_write;
			__u8  pad[3];
		} mmio;
		struct {
			__u64 imm;
			__u64 args[8];
			__u64 ret[4];
			__u32 flags;
			__u32 pad;
		} hypercall;
		struct {
			__u32 suberror;
			__u32 pad;
			__u64 esr;
			__u64 far;
			__u64 hpfar;
			__u64 pc;
		} internal;
		struct {
			__u64 gpa;
			__u64 gva;
			__u64 pc;
			__u32 flags;
			__u32 kind;
			__u32 access;
			__u32 new_access;
		} mem_access;
		char padding[256];
	};
};

#define S2MMU_ACCESS_READ	0
#define S2MMU_ACCESS_WRITE	1
#define S2MMU_ACCESS_EXEC	2

/* Largest @len of one S2MMU_VCPU_ACCESS. */
#define S2MMU_ACCESS_MAX_LEN	(1U << 20)

/**
 * struct s2mmu_vcpu_access - one guest memory access, performed in software
 * @ipa: first IPA accessed
 * @buf: user pointer: data to write, or room for the data read
 * @len: bytes, 1..%S2MMU_ACCESS_MAX_LEN; may cross pages
 * @kind: %S2MMU_ACCESS_READ, %S2MMU_ACCESS_WRITE, %S2MMU_ACCESS_EXEC
 *	(an instruction fetch: reads, and needs execute permission)
 * @flags: zero
 * @done: out: bytes accessed; less than @len after an MMIO exit or an
 *	error met during the access
 * @exit_reason: out: the exit this call reported in &s2mmu_run.exit_reason
 *	(%S2MMU_EXIT_NONE, %S2MMU_EXIT_MMIO, %S2MMU_EXIT_MEM_ACCESS), from the
 *	kernel's own record: not read back from the shared page
 * @faults_translation: out: translation faults this access took
 * @faults_access: out: access-flag faults this access took
 * @faults_permission: out: permission faults this access took
 * @reserved: zero on input; out: zero
 *
 * The module translates @ipa through the VM's stage-2 table as the MMU
 * would; each stage-2 fault goes to the fault handler, then the access is
 * retried.  The data moves through the physical page the table points at.
 */
struct s2mmu_vcpu_access {
	__u64 ipa;
	__u64 buf;
	__u32 len;
	__u32 kind;
	__u32 flags;
	__u32 done;
	__u32 exit_reason;
	__u32 faults_translation;
	__u32 faults_access;
	__u32 faults_permission;
	__u64 reserved[2];
};

/**
 * DOC: S2MMU_VCPU_ACCESS
 *
 * Performs a &struct s2mmu_vcpu_access.  Returns 0 when the access
 * completed or stopped at an MMIO exit (see &s2mmu_run).
 *
 * Errors found before the access starts change nothing: -EINVAL bad kind,
 * flags, reserved or length, or a range beyond the VM's IPA size; -EFAULT
 * the argument, or @buf is not readable (a write) or writable (a read)
 * for all of @len; -EBUSY an MMIO or hypercall exit of S2MMU_RUN awaits
 * completion (the run page holds its inputs; S2MMU_RUN with
 * &s2mmu_run.immediate_exit completes it); -EIO called from another
 * process.  Errors met during
 * the access stop it where it is, and the structure is still written
 * back: @done bytes were accessed (written to guest memory, or read into
 * @buf), and the fault counters count the faults taken: -EFAULT the
 * slot's backing memory, or @buf (unmapped by another thread meanwhile),
 * is not accessible; -EINTR a signal is pending; -EAGAIN one page took
 * 1000 faults (the module parameter max_access_faults) in this access
 * (the VMM or the host kept changing it as fast as it was mapped): the
 * call may be repeated; -ENOMEM.
 */
#define S2MMU_VCPU_ACCESS	_IOWR(S2MMUIO, 0x80, struct s2mmu_vcpu_access)

/**
 * DOC: S2MMU_RUN
 *
 * vCPU fd, no argument.  Enters the guest at EL1 on the VM's stage-2
 * table and returns 0 when an exit needs the VMM (&s2mmu_run.exit_reason:
 * %S2MMU_EXIT_MMIO, %S2MMU_EXIT_HYPERCALL, %S2MMU_EXIT_INTERNAL_ERROR).
 * Stage-2 faults inside memory slots, host interrupts, WFE and
 * preemption are handled in the kernel without returning.  Before
 * entering it completes the previous exit: the data of an MMIO read goes
 * to its target register, &s2mmu_run.hypercall.ret to x0-x3, and the PC
 * moves past the instruction.  See Documentation/vcpu.rst.
 *
 * Errors: -EINVAL a non-zero argument (checked first, like KVM_RUN's),
 * then &s2mmu_run.immediate_exit above 1 or &s2mmu_run.padding1 not
 * zero (nothing done: a pending exit stays pending); -EOPNOTSUPP
 * %S2MMU_FEAT_RUN is clear (the kernel does not run at EL2 with VHE);
 * -EINTR a signal is pending or &s2mmu_run.immediate_exit was set
 * (exit_reason %S2MMU_EXIT_INTR); -EIO called from another process;
 * -EBUSY the vCPU runs in another thread; -EFAULT the backing memory of a
 * slot the guest accessed is not accessible; -ENOMEM.
 */
#define S2MMU_RUN		_IO(S2MMUIO, 0x81)

/*
 * ONE_REG ids, the same numbers as KVM's arm64 ids (see KVM's
 * Documentation/virt/kvm/api.rst, "KVM_SET_ONE_REG"):
 *   bits 63:56 architecture (0x60 arm64), 55:52 size (log2 bytes, 2 =
 *   32-bit, 3 = 64-bit, 4 = 128-bit), 31:16 register class, 15:0 index.
 * Core registers (class 0x0010) are indexed by their offset, in 32-bit
 * words, into &struct s2mmu_core_regs (shaped like KVM's struct kvm_regs).
 * System registers (class 0x0013) carry op0/op1/CRn/CRm/op2 of the EL1
 * (or EL0) register's encoding in bits 15:14/13:11/10:7/6:3/2:0.
 */
#define S2MMU_REG_ARM64			0x6000000000000000ULL
#define S2MMU_REG_SIZE_SHIFT		52
#define S2MMU_REG_SIZE_MASK		0x00f0000000000000ULL
#define S2MMU_REG_SIZE_U32		0x0020000000000000ULL
#define S2MMU_REG_SIZE_U64		0x0030000000000000ULL
#define S2MMU_REG_SIZE_U128		0x0040000000000000ULL
#define S2MMU_REG_CLASS_MASK		0x00000000ffff0000ULL
#define S2MMU_REG_ARM_CORE		0x0000000000100000ULL
#define S2MMU_REG_ARM64_SYSREG		0x0000000000130000ULL

/**
 * struct s2mmu_core_regs - layout that core register ids index
 * @regs: x0-x30
 * @sp: SP_EL0
 * @pc: PC
 * @pstate: PSTATE as SPSR_EL2 encodes it (M[4:0] EL1h or EL1t, DAIF, NZCV)
 * @sp_el1: SP_EL1
 * @elr_el1: ELR_EL1
 * @spsr: SPSR_EL1 in ``spsr[0]``; the others name no register (-ENOENT)
 * @pad: alignment of @vregs
 * @vregs: V0-V31
 * @fpsr: FPSR
 * @fpcr: FPCR
 * @fp_reserved: alignment
 *
 * The same offsets as KVM's struct kvm_regs, so that
 * S2MMU_REG_CORE(regs[3]) is KVM's id of regs.regs[3] (KVM_REG_ARM64 |
 * KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | KVM_REG_ARM_CORE_REG(...)) as
 * numbers.  Never passed whole: it only defines the ids.
 */
struct s2mmu_core_regs {
	__u64 regs[31];
	__u64 sp;
	__u64 pc;
	__u64 pstate;
	__u64 sp_el1;
	__u64 elr_el1;
	__u64 spsr[5];
	__u64 pad;
	__u64 vregs[32][2];
	__u32 fpsr;
	__u32 fpcr;
	__u32 fp_reserved[2];
};

/* The id of a core register, e.g. S2MMU_REG_CORE(regs[5]), (pc), (vregs[2]). */
#define S2MMU_REG_CORE_INDEX(member) \
	(__builtin_offsetof(struct s2mmu_core_regs, member) / sizeof(__u32))
/*
 * The id of the core register @field names: an lvalue inside a struct
 * s2mmu_core_regs at address 0, so that its address is its offset.
 */
#define __S2MMU_REG_CORE_ID(field) \
	(S2MMU_REG_ARM64 | S2MMU_REG_ARM_CORE | \
	 ((__u64)(unsigned long)&(field) / sizeof(__u32)) | \
	 (sizeof(field) == 4 ? S2MMU_REG_SIZE_U32 : \
	  sizeof(field) == 16 ? S2MMU_REG_SIZE_U128 : S2MMU_REG_SIZE_U64))
#define S2MMU_REG_CORE(member) \
	__S2MMU_REG_CORE_ID((*(struct s2mmu_core_regs *)0).member)

/* The id of a system register by its encoding (always 64-bit). */
#define S2MMU_REG_SYS(op0, op1, crn, crm, op2) \
	(S2MMU_REG_ARM64 | S2MMU_REG_SIZE_U64 | S2MMU_REG_ARM64_SYSREG | \
	 ((__u64)(op0) << 14) | ((__u64)(op1) << 11) | ((__u64)(crn) << 7) | \
	 ((__u64)(crm) << 3) | (__u64)(op2))

/* Every system register S2MMU_GET_REG_LIST lists. */
/*
 * MPIDR_EL1 as the guest reads it (VMPIDR_EL2): bit 31 (RES1) set, and only
 * Aff3 (39:32), U (30), MT (24), Aff2-Aff0 (23:0) besides; after
 * S2MMU_CREATE_VCPU it holds KVM's value for the vCPU id (Aff0 = id bits
 * 3:0, Aff1 = id bits 11:4, Aff2 = id bits 19:12).  Anything else: -EINVAL.
 */
#define S2MMU_REG_MPIDR_EL1		S2MMU_REG_SYS(3, 0, 0, 0, 5)
#define S2MMU_REG_SCTLR_EL1		S2MMU_REG_SYS(3, 0, 1, 0, 0)
#define S2MMU_REG_CPACR_EL1		S2MMU_REG_SYS(3, 0, 1, 0, 2)
#define S2MMU_REG_TTBR0_EL1		S2MMU_REG_SYS(3, 0, 2, 0, 0)
#define S2MMU_REG_TTBR1_EL1		S2MMU_REG_SYS(3, 0, 2, 0, 1)
#define S2MMU_REG_TCR_EL1		S2MMU_REG_SYS(3, 0, 2, 0, 2)
#define S2MMU_REG_AFSR0_EL1		S2MMU_REG_SYS(3, 0, 5, 1, 0)
#define S2MMU_REG_AFSR1_EL1		S2MMU_REG_SYS(3, 0, 5, 1, 1)
#define S2MMU_REG_ESR_EL1		S2MMU_REG_SYS(3, 0, 5, 2, 0)
#define S2MMU_REG_FAR_EL1		S2MMU_REG_SYS(3, 0, 6, 0, 0)
#define S2MMU_REG_PAR_EL1		S2MMU_REG_SYS(3, 0, 7, 4, 0)
#define S2MMU_REG_MAIR_EL1		S2MMU_REG_SYS(3, 0, 10, 2, 0)
#define S2MMU_REG_AMAIR_EL1		S2MMU_REG_SYS(3, 0, 10, 3, 0)
#define S2MMU_REG_VBAR_EL1		S2MMU_REG_SYS(3, 0, 12, 0, 0)
#define S2MMU_REG_CONTEXTIDR_EL1	S2MMU_REG_SYS(3, 0, 13, 0, 1)
#define S2MMU_REG_TPIDR_EL1		S2MMU_REG_SYS(3, 0, 13, 0, 4)
#define S2MMU_REG_CNTKCTL_EL1		S2MMU_REG_SYS(3, 0, 14, 1, 0)
#define S2MMU_REG_CSSELR_EL1		S2MMU_REG_SYS(3, 2, 0, 0, 0)
#define S2MMU_REG_TPIDR_EL0		S2MMU_REG_SYS(3, 3, 13, 0, 2)
#define S2MMU_REG_TPIDRRO_EL0		S2MMU_REG_SYS(3, 3, 13, 0, 3)
/*
 * The guest's virtual timer, by the architectural encodings of
 * CNTV_CTL_EL0 and CNTV_CVAL_EL0 (KVM's KVM_REG_ARM_TIMER_CVAL id carries
 * another encoding, for historical reasons; s2mmu does not copy that).
 */
#define S2MMU_REG_CNTV_CTL_EL0		S2MMU_REG_SYS(3, 3, 14, 3, 1)
#define S2MMU_REG_CNTV_CVAL_EL0		S2MMU_REG_SYS(3, 3, 14, 3, 2)

/**
 * struct s2mmu_one_reg - argument of S2MMU_GET_ONE_REG / S2MMU_SET_ONE_REG
 * @id: the register's id (S2MMU_REG_CORE(), S2MMU_REG_SYS(), ...)
 * @addr: user pointer to the value, of the size the id encodes
 *
 * Same layout as KVM's struct kvm_one_reg.
 */
struct s2mmu_one_reg {
	__u64 id;
	__u64 addr;
};

/**
 * DOC: S2MMU_GET_ONE_REG / S2MMU_SET_ONE_REG
 *
 * vCPU fd.  Reads or writes one register of a vCPU that is not running.
 * A write to PSTATE must select EL1h, EL1t or EL0t (AArch64); a write
 * to PC/ELR/SP is any value (a bad one makes the guest fault, not the
 * host).
 *
 * Errors: -ENOENT unknown id (not in S2MMU_GET_REG_LIST); -EINVAL the
 * id's size is not the register's, or a PSTATE with a mode or bit the
 * guest may not have; -EFAULT; -EIO called from another process; -EBUSY
 * the vCPU runs in another thread.
 */
#define S2MMU_GET_ONE_REG	_IOW(S2MMUIO, 0x82, struct s2mmu_one_reg)
#define S2MMU_SET_ONE_REG	_IOW(S2MMUIO, 0x83, struct s2mmu_one_reg)

/**
 * struct s2mmu_reg_list - argument of S2MMU_GET_REG_LIST
 * @n: in: room in @reg; out: number of ids
 * @reg: out: the ids
 *
 * Same layout as KVM's struct kvm_reg_list.
 */
struct s2mmu_reg_list {
	__u64 n;
	__u64 reg[];
};

/**
 * DOC: S2MMU_GET_REG_LIST
 *
 * vCPU fd.  Lists every id S2MMU_GET_ONE_REG/S2MMU_SET_ONE_REG accept:
 * x0-x30, SP, PC, PSTATE, SP_EL1, ELR_EL1, SPSR_EL1 (spsr[0]), V0-V31,
 * FPSR, FPCR, then the S2MMU_REG_* system registers.
 *
 * Errors: -E2BIG @n is too small (@n is set to the number needed);
 * -EFAULT; -EIO called from another process; -EBUSY the vCPU runs in
 * another thread (as for S2MMU_GET_ONE_REG).
 */
#define S2MMU_GET_REG_LIST	_IOWR(S2MMUIO, 0x84, struct s2mmu_reg_list)

/* &struct s2mmu_irq_level.line */
#define S2MMU_IRQ_LINE_IRQ	0	/* HCR_EL2.VI: the guest's IRQ */
#define S2MMU_IRQ_LINE_FIQ	1	/* HCR_EL2.VF: the guest's FIQ */

/**
 * struct s2mmu_irq_level - argument of S2MMU_IRQ_LINE
 * @line: %S2MMU_IRQ_LINE_IRQ or %S2MMU_IRQ_LINE_FIQ
 * @level: 1 raises the line, 0 lowers it
 */
struct s2mmu_irq_level {
	__u32 line;
	__u32 level;
};

/**
 * DOC: S2MMU_IRQ_LINE
 *
 * vCPU fd.  Sets the level of the vCPU's virtual IRQ or FIQ line, like
 * KVM's userspace-irqchip mode: while it is high the guest takes the
 * interrupt at its vector whenever its PSTATE.I (or F) is clear; the line
 * stays high until the VMM lowers it (a level-triggered device model).
 * May be called from any thread of the VM's process while the vCPU
 * runs: a running vCPU is kicked out of the guest with an IPI so that it
 * sees the new level at once, and a vCPU waiting in WFI wakes up.
 *
 * Errors: -EINVAL bad @line or @level; -EFAULT; -EIO called from another
 * process.
 */
#define S2MMU_IRQ_LINE		_IOW(S2MMUIO, 0x85, struct s2mmu_irq_level)

/**
 * struct s2mmu_translate_gva - argument of S2MMU_TRANSLATE_GVA
 * @gva: in: the guest virtual address
 * @access: in: %S2MMU_GVA_READ, %S2MMU_GVA_WRITE or %S2MMU_GVA_EXEC
 * @el: in: the exception level of the access, 0 or 1
 * @flags: in: 0, or %S2MMU_GVA_SOFTWARE to use the software walk only
 * @how: out: %S2MMU_GVA_HOW_HW, %S2MMU_GVA_HOW_SW or
 *	%S2MMU_GVA_HOW_FALLBACK
 * @ipa: out: the IPA stage 1 gives (%S2MMU_GVA_R_IPA)
 * @pa: out: the host physical address (%S2MMU_GVA_R_PA): the access
 *	translates
 * @result: out: ``S2MMU_GVA_R_*``: which outputs are valid, and
 *	%S2MMU_GVA_R_DISAGREED
 * @s1_attr: out: the stage-1 memory attribute, a MAIR_EL1 byte (0x00,
 *	Device-nGnRnE, with the stage-1 MMU off) (%S2MMU_GVA_R_S1_ATTR)
 * @s2_memattr: out: the stage-2 descriptor's MemAttr[3:0]
 *	(%S2MMU_GVA_R_S2_MEMATTR), in the VM's encoding: Normal write-back
 *	is 0xf, or 0x6 (forced write-back) when the VM's table uses FWB
 *	(Documentation/vcpu.rst, "Memory attributes and caches")
 * @par_attr: out: PAR_EL1.ATTR of the two-stage AT: both stages'
 *	attributes combined (%S2MMU_GVA_R_PAR_ATTR, hardware answers)
 * @perms: out: ``S2MMU_GVA_PERM_*``: the accesses at @el that translate
 *	through both stages without a fault; the execute bit only with
 *	%S2MMU_GVA_R_PERM_X
 * @fault: out: 0, or the ``S2MMU_GVA_FAULT_*`` kind of the fault @access
 *	takes
 * @fault_stage: out: 1 or 2
 * @fault_level: out: the lookup level that faulted, 0..3
 * @fault_ptw: out: 1 when a stage-2 fault hit the stage-1 walk's read of
 *	a table (S1PTW)
 * @fst: out: the raw fault status code (ESR_ELx.DFSC / PAR_EL1.FST)
 * @pad: zero
 * @reserved: zero
 */
struct s2mmu_translate_gva {
	__u64 gva;
	__u32 access;
	__u32 el;
	__u32 flags;
	__u32 how;
	__u64 ipa;
	__u64 pa;
	__u32 result;
	__u8  s1_attr;
	__u8  s2_memattr;
	__u8  par_attr;
	__u8  perms;
	__u8  fault;
	__u8  fault_stage;
	__u8  fault_level;
	__u8  fault_ptw;
	__u8  fst;
	__u8  pad[3];
	__u64 reserved[2];
};

#define S2MMU_GVA_READ		0
#define S2MMU_GVA_WRITE		1
#define S2MMU_GVA_EXEC		2

#define S2MMU_GVA_SOFTWARE	(1U << 0)

#define S2MMU_GVA_HOW_HW	1	/* AT on this CPU, at EL2 */
#define S2MMU_GVA_HOW_SW	2	/* the software walk alone */
#define S2MMU_GVA_HOW_FALLBACK	3	/* software, after a hardware fault */

#define S2MMU_GVA_R_IPA		(1U << 0)
#define S2MMU_GVA_R_PA		(1U << 1)
#define S2MMU_GVA_R_S1_ATTR	(1U << 2)
#define S2MMU_GVA_R_S2_MEMATTR	(1U << 3)
#define S2MMU_GVA_R_PAR_ATTR	(1U << 4)
#define S2MMU_GVA_R_PERM_X	(1U << 5)
/* A hardware fault the software walk contradicted, on an unchanged table */
#define S2MMU_GVA_R_DISAGREED	(1U << 6)

#define S2MMU_GVA_PERM_R	(1U << 0)
#define S2MMU_GVA_PERM_W	(1U << 1)
#define S2MMU_GVA_PERM_X	(1U << 2)

#define S2MMU_GVA_FAULT_TRANSLATION	1
#define S2MMU_GVA_FAULT_ACCESS		2	/* access flag */
#define S2MMU_GVA_FAULT_PERMISSION	3
#define S2MMU_GVA_FAULT_ADDR_SIZE	4
#define S2MMU_GVA_FAULT_OTHER		5	/* see @fst */

/**
 * DOC: S2MMU_TRANSLATE_GVA
 *
 * vCPU fd.  Translates a guest virtual address through the vCPU's own
 * stage 1 (its SCTLR_EL1, TCR_EL1, TTBR0/1_EL1 and MAIR_EL1 as last saved
 * or set) and the VM's stage 2, as an access at EL0 or EL1 would, without
 * taking the VM's table lock.  At EL2 (%S2MMU_FEAT_HW_AT) reads and writes
 * are answered by the hardware's AT instructions; a hardware stage-2
 * fault is checked with the software walk, which answers instead when
 * the table changed meanwhile (break-before-make on another CPU).
 * Execute accesses (AT has no execute form), %S2MMU_GVA_SOFTWARE and
 * hosts without EL2 use the software walk.  Nothing is mapped or
 * changed.  See Documentation/gva-translate.rst.
 *
 * Errors: -EINVAL a bad @access, @el, @flags, or non-zero @pad or
 * @reserved; -EBUSY the vCPU is running (or in another ioctl) in another
 * thread; -EINTR a signal arrived while an entry stayed under
 * break-before-make; -EFAULT; -EIO called from another process.
 */
#define S2MMU_TRANSLATE_GVA	_IOWR(S2MMUIO, 0x92, struct s2mmu_translate_gva)

/* ---- VM fd: memory access restrictions (Documentation/mem-access.rst) ---- */

/* Restrictions (&struct s2mmu_mem_access.access): Xen's set and numbers. */
#define S2MMU_MEM_ACCESS_N	0	/* no access */
#define S2MMU_MEM_ACCESS_R	1
#define S2MMU_MEM_ACCESS_W	2
#define S2MMU_MEM_ACCESS_RW	3
#define S2MMU_MEM_ACCESS_X	4
#define S2MMU_MEM_ACCESS_RX	5
#define S2MMU_MEM_ACCESS_WX	6
#define S2MMU_MEM_ACCESS_RWX	7	/* the default: no restriction */
#define S2MMU_MEM_ACCESS_RX2RW	8	/* rx; a write converts it to rw */
#define S2MMU_MEM_ACCESS_N2RWX	9	/* n; any access converts it to rwx */

/* &s2mmu_run.mem_access.kind */
#define S2MMU_MEM_ACCESS_KIND_READ	0
#define S2MMU_MEM_ACCESS_KIND_WRITE	1
#define S2MMU_MEM_ACCESS_KIND_EXEC	2	/* instruction fetch */
#define S2MMU_MEM_ACCESS_KIND_WALK	3	/* the guest's stage-1 walk */

/* &s2mmu_run.mem_access.flags */
#define S2MMU_MEM_ACCESS_F_GVA_VALID	(1U << 0)	/* @gva holds FAR */
#define S2MMU_MEM_ACCESS_F_PC_VALID	(1U << 1)	/* @pc is the guest's */
#define S2MMU_MEM_ACCESS_F_CONVERTED	(1U << 2)	/* rx2rw/n2rwx changed */
#define S2MMU_MEM_ACCESS_F_WALK_WRITE	(1U << 3)	/* walk updating AF/DBM */

/* Largest &struct s2mmu_mem_access.nr_pages of one S2MMU_SET_MEM_ACCESS. */
#define S2MMU_MEM_ACCESS_MAX_PAGES	(1ULL << 20)

/**
 * struct s2mmu_mem_access - argument of S2MMU_SET_MEM_ACCESS and
 *	S2MMU_GET_MEM_ACCESS
 * @gfn: first guest frame (IPA >> 12)
 * @nr_pages: SET: frames from @gfn, 1..%S2MMU_MEM_ACCESS_MAX_PAGES;
 *	GET: 1
 * @access: SET: in, an ``S2MMU_MEM_ACCESS_*`` value; GET: out, the
 *	restriction of @gfn
 * @flags: zero
 * @view: the view whose restrictions these are: 0 (the default view,
 *	what every caller that leaves it zero gets) or an id that
 *	%S2MMU_CREATE_VIEW returned
 * @pad: zero
 * @reserved: zero
 */
struct s2mmu_mem_access {
	__u64 gfn;
	__u64 nr_pages;
	__u32 access;
	__u32 flags;
	__u32 view;
	__u32 pad;
	__u64 reserved;
};

/**
 * DOC: S2MMU_SET_MEM_ACCESS
 *
 * Restricts how the guest may access the frames [@gfn, @gfn + @nr_pages),
 * on top of what their slot (read-only) and host pages allow, like Xen's
 * mem_access.  A guest access that a restriction forbids does not
 * happen: the vCPU stops on the instruction with %S2MMU_EXIT_MEM_ACCESS
 * (from S2MMU_RUN, and from S2MMU_VCPU_ACCESS).  Restrictions belong to
 * guest frames (IPAs): they stay while memory slots come, go, move or
 * log, and while the host changes the pages behind them.
 * %S2MMU_MEM_ACCESS_RWX lifts them.  Tightening takes effect for every
 * vCPU before the call returns; see Documentation/mem-access.rst.
 *
 * @view selects the view (Documentation/views.rst): each view has its
 * own restrictions; 0 is the default view.
 *
 * Errors (a failed call changes nothing): -EINVAL unknown @access,
 * non-zero @flags, @pad or @reserved, @view not below %S2MMU_MAX_VIEWS,
 * @nr_pages 0, the range overflowing or beyond the VM's IPA size;
 * -ENOENT no view @view exists; -E2BIG @nr_pages above
 * %S2MMU_MEM_ACCESS_MAX_PAGES; -EFAULT; -ENOMEM; -EIO called from
 * another process.
 */
#define S2MMU_SET_MEM_ACCESS	_IOW(S2MMUIO, 0x90, struct s2mmu_mem_access)

/**
 * DOC: S2MMU_GET_MEM_ACCESS
 *
 * Reads the restriction of frame @gfn in view @view into @access
 * (%S2MMU_MEM_ACCESS_RWX when it has none).
 *
 * Errors: -EINVAL @nr_pages not 1, non-zero @flags, @access, @pad or
 * @reserved, @view not below %S2MMU_MAX_VIEWS, @gfn beyond the VM's IPA
 * size; -ENOENT no view @view exists; -EFAULT; -EIO called from another
 * process.
 */
#define S2MMU_GET_MEM_ACCESS	_IOWR(S2MMUIO, 0x91, struct s2mmu_mem_access)

/* ---- Alternate views (Documentation/views.rst) ---- */

/* Views of one VM, the default view 0 included. */
#define S2MMU_MAX_VIEWS		8

/**
 * DOC: S2MMU_CREATE_VIEW
 *
 * VM fd; argument 0.  Creates an alternate stage-2 view of the VM: a
 * second table over the same memory slots, empty at first and filled
 * lazily by the faults of the vCPUs that run on it (%S2MMU_SWITCH_VIEW),
 * with its own mem_access restrictions.  Returns the new view's id,
 * 1 .. %S2MMU_MAX_VIEWS - 1 (the lowest free one).
 *
 * Errors: -EINVAL non-zero argument; -ENOSPC %S2MMU_MAX_VIEWS - 1 views
 * exist; -ENOMEM; -EIO called from another process.
 */
#define S2MMU_CREATE_VIEW	_IO(S2MMUIO, 0x98)

/**
 * DOC: S2MMU_DESTROY_VIEW
 *
 * VM fd; argument: a view id (an integer).  Removes every mapping of the
 * view and its restrictions; the id may be returned by a later
 * %S2MMU_CREATE_VIEW.  A vCPU that was switched to the view runs on view
 * 0 from its next entry, as if switched to view 0 (its run in progress,
 * if any, takes a fault and moves on to view 0).
 *
 * Errors: -EINVAL id 0 or not below %S2MMU_MAX_VIEWS; -ENOENT no such
 * view; -EIO called from another process.
 */
#define S2MMU_DESTROY_VIEW	_IO(S2MMUIO, 0x99)

/**
 * DOC: S2MMU_SWITCH_VIEW
 *
 * vCPU fd; argument: a view id (an integer), 0 for the default view.  The
 * vCPU runs on that view from its next S2MMU_RUN.  S2MMU_VCPU_ACCESS and
 * S2MMU_TRANSLATE_GVA always use view 0.
 *
 * Errors: -EINVAL id not below %S2MMU_MAX_VIEWS; -ENOENT no such view;
 * -EBUSY another thread is inside an ioctl of this vCPU (S2MMU_RUN); -EIO
 * called from another process.
 */
#define S2MMU_SWITCH_VIEW	_IO(S2MMUIO, 0x9a)

/* &struct s2mmu_view_change_gfn.new_gfn that restores the frame. */
#define S2MMU_VIEW_GFN_RESET		(~0ULL)

/*
 * Test-only flag of S2MMU_VIEW_CHANGE_GFN, refused unless the module
 * parameter test_hooks is set: the reverse map records the remap under
 * @new_gfn + 1, as a stale reverse map would, so that a change to that
 * frame meets a view entry that does not show its page.
 */
#define S2MMU_VIEW_CHANGE_GFN_TEST_STALE	(1U << 0)

/**
 * struct s2mmu_view_change_gfn - argument of S2MMU_VIEW_CHANGE_GFN
 * @view: the view, 1 .. %S2MMU_MAX_VIEWS - 1 (view 0 cannot remap)
 * @flags: zero (or %S2MMU_VIEW_CHANGE_GFN_TEST_STALE, see there)
 * @gfn: the frame A whose contents change in @view
 * @new_gfn: the frame B whose page A shows in @view from now on; @gfn or
 *	%S2MMU_VIEW_GFN_RESET restores A's own page
 * @reserved: zero
 */
struct s2mmu_view_change_gfn {
	__u32 view;
	__u32 flags;
	__u64 gfn;
	__u64 new_gfn;
	__u64 reserved[2];
};

/**
 * DOC: S2MMU_VIEW_CHANGE_GFN
 *
 * VM fd.  In view @view only, guest frame @gfn shows the page of frame
 * @new_gfn, with @gfn's restrictions in that view: how an introspection
 * tool hides a breakpoint page from the guest's own reads (Xen's
 * altp2m_change_gfn).  Every other view, view 0 included, is unchanged;
 * a write through @gfn in @view writes @new_gfn's page (and logs it as
 * dirty).  The view's old mapping of @gfn is removed before the call
 * returns.  If @new_gfn has no memory, an access to @gfn in @view exits
 * as %S2MMU_EXIT_MMIO at @gfn's address.
 *
 * Errors (a failed call changes nothing): -EINVAL non-zero @flags or
 * @reserved, @view 0 or not below %S2MMU_MAX_VIEWS, @gfn or @new_gfn
 * beyond the VM's IPA size; -ENOENT no view @view; -ENOMEM; -EFAULT;
 * -EIO called from another process.
 */
#define S2MMU_VIEW_CHANGE_GFN	_IOW(S2MMUIO, 0x9b, struct s2mmu_view_change_gfn)

/* ---- VM fd: the info page ---- */

/**
 * struct s2mmu_info_page_map - argument of S2MMU_MAP_INFO_PAGE
 * @guest_phys_addr: IPA of the page: page-aligned, below the VM's IPA
 *	size, in no memory slot
 * @flags: 0
 * @padding: 0
 */
struct s2mmu_info_page_map {
	__u64 guest_phys_addr;
	__u32 flags;
	__u32 padding;
};

/**
 * struct s2mmu_info_page - what the guest reads on the info page
 * @version: %S2MMU_INFO_PAGE_VERSION (0 before the first publication)
 * @seq: odd while the module rewrites @stats, even otherwise.  A reader
 *	reads @seq, then @stats, then @seq again, and starts over if the
 *	two differ or are odd.
 * @stats: the VM's counters as %S2MMU_GET_STATS gives them, published
 *	when the page is mapped and after every stage-2 fault the module
 *	handles (so a guest sees its own fault counted when the faulting
 *	access completes or exits)
 *
 * The rest of the page reads as zero.
 */
struct s2mmu_info_page {
	__u32 version;
	__u32 seq;
	struct s2mmu_stats stats;
};

#define S2MMU_INFO_PAGE_VERSION		1

/*
 * Test-only flag of S2MMU_UNMAP_INFO_PAGE, refused unless the module
 * parameter test_hooks is set: the removal checks the table against a
 * frame the info page does not have, as a stale back-pointer would.
 */
#define S2MMU_INFO_UNMAP_TEST_STALE	(1U << 0)

/**
 * DOC: S2MMU_MAP_INFO_PAGE
 *
 * Maps the VM's info page (&struct s2mmu_info_page, a page the module
 * owns) read-only at @guest_phys_addr.  The guest's reads see the VM's
 * counters; its writes and instruction fetches there exit to the VMM as
 * %S2MMU_EXIT_MMIO (as in a read-only slot).  One info page per VM,
 * mapped at one place at a time; a memory slot cannot overlap it.
 *
 * Errors: -EFAULT; -EINVAL flags or padding not 0, address not aligned or
 * beyond the IPA size; -EBUSY already mapped; -EEXIST a memory slot
 * covers the address; -ENOMEM.
 */
#define S2MMU_MAP_INFO_PAGE	_IOW(S2MMUIO, 0x93, struct s2mmu_info_page_map)

/**
 * DOC: S2MMU_UNMAP_INFO_PAGE
 *
 * Removes the info page from where S2MMU_MAP_INFO_PAGE put it (the page
 * remembers where).  The argument is 0 (or %S2MMU_INFO_UNMAP_TEST_STALE).
 * The removal first checks that the stage-2 table still maps that page
 * there (or nothing: a restriction of the frame that forbids reading
 * keeps the page out of the table); if it maps another page, it leaves
 * the table as it is, counts it in
 * info_page_mismatches of &struct s2mmu_stats, logs it, and fails with
 * -EIO: the page stays
 * mapped as far as the module knows, until the VM is destroyed.  A guest
 * access after a removal exits to the VMM as %S2MMU_EXIT_MMIO.
 *
 * Errors: -EINVAL bad argument; -ENOENT not mapped; -EIO the check
 * failed.
 */
#define S2MMU_UNMAP_INFO_PAGE	_IO(S2MMUIO, 0x94)

/*
 * ======================================================================
 * Test interface: the EL2 oracle (VM fd, 0x70-0x7f)
 * ======================================================================
 *
 * Everything below is for tests, not for a VMM: S2MMU_HW_TRANSLATE asks
 * the hardware's own stage-2 walker (AT S12E1R/W) to translate IPAs and
 * compares its answers with the software walker's; S2MMU_DEBUG_TABLE_OP
 * builds a second, debug stage-2 table per VM for it to translate.  A VMM
 * never needs them; the numbers are as stable as the rest of the ABI.
 * Implemented by el2_oracle.c; see Documentation/el2.rst.
 */

/* &struct s2mmu_hw_xlate.access */
#define S2MMU_HWT_READ		0	/* AT S12E1R */
#define S2MMU_HWT_WRITE		1	/* AT S12E1W */

/* &struct s2mmu_hw_xlate.flags, set by the kernel */
#define S2MMU_HWT_F_FAULT	(1U << 0)	/* the answer is a fault */
#define S2MMU_HWT_F_HW_FAULT	(1U << 1)	/* AT reported PAR_EL1.F = 1 */
#define S2MMU_HWT_F_SW_FAULT	(1U << 2)	/* the software walk faults */
#define S2MMU_HWT_F_FALLBACK	(1U << 3)	/* answer from software: BBM */
#define S2MMU_HWT_F_CHANGED	(1U << 4)	/* entry changed meanwhile */
#define S2MMU_HWT_F_MISMATCH	(1U << 5)	/* unexplained disagreement */
#define S2MMU_HWT_F_STALE	(1U << 6)	/* NO_FLUSH: TLB older than a relax */

/* &struct s2mmu_hw_xlate.mismatch: the fields that disagree */
#define S2MMU_HWT_M_FAULT	(1U << 0)	/* fault vs. no fault */
#define S2MMU_HWT_M_FST		(1U << 1)	/* fault type or level */
#define S2MMU_HWT_M_STAGE	(1U << 2)	/* not a stage-2 fault */
#define S2MMU_HWT_M_PA		(1U << 3)	/* output address */
#define S2MMU_HWT_M_ATTR	(1U << 4)	/* memory type */
#define S2MMU_HWT_M_SH		(1U << 5)	/* shareability */

/**
 * struct s2mmu_hw_xlate - one IPA of %S2MMU_HW_TRANSLATE
 * @ipa: in: the IPA, below 2^pa_bits (stage 1 is off, so VA == IPA)
 * @access: in: %S2MMU_HWT_READ or %S2MMU_HWT_WRITE
 * @flags: out: ``S2MMU_HWT_F_*`` bits
 * @mismatch: out: ``S2MMU_HWT_M_*`` bits, non-zero only with
 *	%S2MMU_HWT_F_MISMATCH
 * @par: out: PAR_EL1 as AT S12E1R/W left it
 * @hw_pa: out: the PA the hardware produced (PAR_EL1.F = 0): PAR_EL1.PA,
 *	the output page, plus the offset of @ipa in its page -- the PA of the
 *	byte at @ipa, as @sw_pa
 * @sw_pte: out: the descriptor the software walk found (0 if none)
 * @sw_pa: out: the PA that descriptor gives for the byte at @ipa (no
 *	fault)
 * @hw_fst: out: PAR_EL1.FST (F = 1): fault type in 5:2, level in 1:0
 * @hw_level: out: level of the hardware fault
 * @hw_stage: out: 2 for a stage-2 fault (PAR_EL1.S), else 1
 * @hw_attr: out: PAR_EL1.ATTR, the memory type of the result (F = 0)
 * @hw_sh: out: PAR_EL1.SH (F = 0)
 * @sw_fst: out: the fault the descriptor implies for @access, 0 for none;
 *	same encoding as @hw_fst
 * @sw_level: out: level of the leaf, or of the entry that faults; 0 for
 *	an IPA beyond the VM's IPA size
 * @sw_attr: out: the PAR_EL1.ATTR that the descriptor's memory type gives
 * @sw_sh: out: the PAR_EL1.SH that the descriptor gives
 * @pad: zero
 * @reserved: zero
 *
 * The answer is the hardware's (the ``hw_*`` members), unless %S2MMU_HWT_F_FALLBACK
 * says that the hardware faulted while break-before-make was under way
 * on the table and the software walk (the ``sw_*`` members) is the answer instead.
 * %S2MMU_HWT_F_FAULT is set when the answer is a fault.
 * %S2MMU_HWT_F_STALE (only with %S2MMU_HWT_NO_FLUSH in effect): the
 * hardware reported a permission fault on a leaf the software walk finds
 * allowing the access -- a TLB entry from before a permission relax,
 * which invalidates only the CPU that made it; legitimate, not a
 * mismatch.
 */
struct s2mmu_hw_xlate {
	__u64 ipa;
	__u32 access;
	__u32 flags;
	__u32 mismatch;
	__u32 reserved;
	__u64 par;
	__u64 hw_pa;
	__u64 sw_pte;
	__u64 sw_pa;
	__u8 hw_fst;
	__u8 hw_level;
	__u8 hw_stage;
	__u8 hw_attr;
	__u8 hw_sh;
	__u8 sw_fst;
	__u8 sw_level;
	__u8 sw_attr;
	__u8 sw_sh;
	__u8 pad[7];
};

/* &struct s2mmu_hw_translate.flags, set by the caller */
#define S2MMU_HWT_DEBUG_TABLE	(1U << 0)	/* the VM's debug table */
#define S2MMU_HWT_NO_FLUSH	(1U << 1)	/* no TLBI before the ATs */

/* Largest &struct s2mmu_hw_translate.nr; more is -E2BIG. */
#define S2MMU_HWT_MAX		4096

/**
 * struct s2mmu_hw_translate - argument of %S2MMU_HW_TRANSLATE
 * @nr: in: entries at @entries, 1..%S2MMU_HWT_MAX (0 is -EINVAL: an empty
 *	batch is a caller's bug, and the totals are in &s2mmu_stats)
 * @flags: in: %S2MMU_HWT_DEBUG_TABLE translates through the table of
 *	%S2MMU_DEBUG_TABLE_OP instead of the VM's stage-2 table;
 *	%S2MMU_HWT_NO_FLUSH skips the invalidation of the VMID before the
 *	ATs, so that on real hardware a missing TLB invalidation shows up
 *	as a stale answer.  It is ignored, and the VMID invalidated before
 *	and after the ATs, when KVM is active (VMID 0 is shared) and, for
 *	the VM's table, when the module was loaded with ``hw_tlbi=0`` (the
 *	engine's invalidations of that table never reach the TLB then)
 * @entries: in: user pointer to @nr &struct s2mmu_hw_xlate
 * @nr_mismatch: out: entries with %S2MMU_HWT_F_MISMATCH
 * @nr_fallback: out: entries with %S2MMU_HWT_F_FALLBACK
 * @nr_changed: out: entries with %S2MMU_HWT_F_CHANGED
 * @reserved0: zero
 * @total_translated: out: entries translated on this table so far
 * @total_fallback: out: fallbacks on this table so far
 * @total_mismatch: out: mismatches on this table so far
 * @reserved: zero
 */
struct s2mmu_hw_translate {
	__u32 nr;
	__u32 flags;
	__u64 entries;
	__u32 nr_mismatch;
	__u32 nr_fallback;
	__u32 nr_changed;
	__u32 reserved0;
	__u64 total_translated;
	__u64 total_fallback;
	__u64 total_mismatch;
	__u64 reserved[2];
};

/* &struct s2mmu_debug_table_op.op */
#define S2MMU_DBG_MAP		0	/* map [ipa, ipa + size) to pa */
#define S2MMU_DBG_UNMAP		1
#define S2MMU_DBG_WRPROTECT	2
#define S2MMU_DBG_RELAX		3	/* add prot's R/W/X to the leaf at ipa */
#define S2MMU_DBG_MKYOUNG	4	/* set the access flag of the leaf */
#define S2MMU_DBG_CLEAR_YOUNG	5	/* clear the access flags of a range */
#define S2MMU_DBG_SPLIT		6	/* blocks of a range to 4K pages */
#define S2MMU_DBG_RESET		7	/* free the whole table */

/* &struct s2mmu_debug_table_op.prot */
#define S2MMU_DBG_PROT_R	(1U << 0)
#define S2MMU_DBG_PROT_W	(1U << 1)
#define S2MMU_DBG_PROT_X	(1U << 2)
#define S2MMU_DBG_PROT_DEVICE	(1U << 3)	/* Device-nGnRE */
#define S2MMU_DBG_PROT_NC	(1U << 4)	/* Normal non-cacheable */

/* &struct s2mmu_debug_table_op.flags */
/* MAP/RELAX/MKYOUNG only (else -EINVAL): a shared walk, as a fault's */
#define S2MMU_DBG_SHARED	(1U << 0)
#define S2MMU_DBG_FORCE_PTE	(1U << 1)	/* MAP: no blocks; others ignore it */

/**
 * struct s2mmu_debug_table_op - argument of %S2MMU_DEBUG_TABLE_OP
 * @op: in: ``S2MMU_DBG_*``
 * @prot: in: ``S2MMU_DBG_PROT_*`` for MAP and RELAX; the other operations
 *	ignore it (an unknown bit, or DEVICE with NC, is -EINVAL for all)
 * @ipa: in: first IPA, page aligned, below 2^(the VM's IPA size)
 * @size: in: bytes, page aligned; not 0 for MAP, UNMAP, WRPROTECT,
 *	CLEAR_YOUNG and SPLIT, whose range must end within the IPA size;
 *	ignored (but page aligned) by RELAX, MKYOUNG and RESET
 * @pa: in: MAP: first output address, page aligned; the range ends at or
 *	below 2^min(pa_bits, 48) (descriptors without LPA2 hold 48 address
 *	bits); other ops ignore it (but it must be page aligned)
 * @flags: in: %S2MMU_DBG_SHARED, %S2MMU_DBG_FORCE_PTE
 * @reserved0: zero
 * @result: out: the engine's non-negative result (%S2_UNCHANGED = 1,
 *	%S2_PERMS_DIFFER = 2; for CLEAR_YOUNG the number of young leaves)
 * @bbm: out: break-before-make sequences on the table so far
 * @table_pages: out: table pages of the table now
 * @tlbi: out: TLB invalidations on the table so far (all kinds)
 * @reserved: zero
 *
 * A test interface: the debug table is a second stage-2 table of the VM,
 * with the VM's IPA size and its own VMID, that nothing but
 * %S2MMU_HW_TRANSLATE ever walks.  Its output addresses are numbers, never
 * memory that is read or written, so any PA may be mapped; it lets a test
 * build what the VM's fault path cannot (1 GiB blocks, Device and
 * non-cacheable memory, explicit splits and access-flag clearing).
 *
 * The first MAP creates the table (and takes its VMID: without KVM, a VM
 * with a debug table uses two of the 2^vmid_bits - 1 VMIDs); no other
 * call, and no call that fails its checks, creates it.  Before it exists,
 * UNMAP, WRPROTECT, CLEAR_YOUNG, SPLIT and RESET succeed doing nothing.
 * Each VM's table has its own budget of 16384 table pages (64 MiB).
 */
struct s2mmu_debug_table_op {
	__u32 op;
	__u32 prot;
	__u64 ipa;
	__u64 size;
	__u64 pa;
	__u32 flags;
	__u32 reserved0;
	__s64 result;
	__u64 bbm;
	__u64 table_pages;
	__u64 tlbi;
	__u64 reserved[2];
};

/*
 * S2MMU_HW_TRANSLATE: translate a batch of IPAs with AT S12E1R/W at EL2 and
 * with the software walker.  -EOPNOTSUPP when the kernel does not run at
 * EL2 (S2MMU_FEAT_HW_AT clear), -E2BIG above S2MMU_HWT_MAX entries, -EINVAL
 * for nr 0, a bad flag, access, IPA or non-zero reserved field or pad,
 * -ENOENT for S2MMU_HWT_DEBUG_TABLE before the debug table exists, -EFAULT
 * when the argument or the entries cannot be read and written back.  All
 * are found before anything is translated or counted (the write-back
 * targets are written, unchanged, first).
 */
#define S2MMU_HW_TRANSLATE	_IOWR(S2MMUIO, 0x70, struct s2mmu_hw_translate)
/*
 * S2MMU_DEBUG_TABLE_OP: one engine operation on the VM's debug table
 * (created by the first MAP).  -EOPNOTSUPP when the kernel does not run
 * at EL2 (S2MMU_FEAT_HW_AT clear); -EINVAL for a bad field or a range of
 * size 0; -ERANGE for a range or IPA beyond the IPA size; -ENOENT for
 * RELAX or MKYOUNG where no valid leaf maps the IPA; -EFAULT; all of
 * these change nothing.  -ENOSPC when the table would exceed its page
 * budget or no VMID is left, -EINTR a signal arrived while a shared
 * operation kept meeting break-before-make: a MAP that fails so may have
 * mapped part of its range.
 * %S2MMU_DBG_SHARED with another operation than MAP, RELAX or MKYOUNG is
 * -EINVAL.  A long operation runs in steps (1 GiB; 2 MiB for a shared
 * map), rescheduling in between; a signal between steps ends it with
 * -EINTR, the steps before done.
 */
#define S2MMU_DEBUG_TABLE_OP	_IOWR(S2MMUIO, 0x71, struct s2mmu_debug_table_op)

#endif /* _UAPI_LINUX_S2MMU_H */
