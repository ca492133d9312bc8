/* SPDX-License-Identifier: GPL-2.0 */
/*
 * s2mmu stage-2 page-table engine: the API shared by the kernel module
 * (mmu.c) and the hosted (userspace) build used for tests, fuzzing and
 * benchmarks.
 *
 * The engine knows VMSAv8-64 stage-2 descriptors for the 4K granule.  It
 * never allocates table memory on its own and never touches the TLB
 * directly: both go through ops tables given at init, so the same
 * pgtable.c runs in the kernel and as a plain userspace program.  (Its
 * only allocation is its per-CPU counters, at init.)
 */
#ifndef S2_PGTABLE_H
#define S2_PGTABLE_H

#ifdef __KERNEL__
#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/gfp_types.h>
#include <linux/kernel.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <asm/barrier.h>
#else
#include "s2_compat.h"
#endif

#include "s2_desc.h"

/**
 * enum s2_prot - access permissions and memory type of a stage-2 leaf
 * @S2_PROT_R: guest reads allowed (S2AP[0])
 * @S2_PROT_W: guest writes allowed (S2AP[1])
 * @S2_PROT_X: guest instruction fetches allowed (XN clear)
 * @S2_PROT_DEVICE: Device-nGnRE memory (default is Normal write-back)
 * @S2_PROT_NC: Normal non-cacheable memory
 * @S2_PROT_AF: the access flag; s2_map() always sets it, decode reports it
 *
 * The memory type is part of the mapping's identity: changing it requires
 * break-before-make, changing R/W/X or AF does not.
 */
enum s2_prot {
	S2_PROT_R	= BIT(0),
	S2_PROT_W	= BIT(1),
	S2_PROT_X	= BIT(2),
	S2_PROT_DEVICE	= BIT(3),
	S2_PROT_NC	= BIT(4),
	S2_PROT_AF	= BIT(5),
};

#define S2_PROT_RW	(S2_PROT_R | S2_PROT_W)
#define S2_PROT_RWX	(S2_PROT_R | S2_PROT_W | S2_PROT_X)
#define S2_PROT_PERMS	(S2_PROT_R | S2_PROT_W | S2_PROT_X)
#define S2_PROT_MEMTYPE	(S2_PROT_DEVICE | S2_PROT_NC)

/**
 * enum s2_walk_flags - how a walk or an operation runs
 * @S2_WALK_LEAF: call the visitor on leaf entries (valid leaves and
 *	invalid entries alike)
 * @S2_WALK_TABLE_PRE: call the visitor on a table entry before its
 *	children are visited
 * @S2_WALK_TABLE_POST: call the visitor on a table entry after its
 *	children were visited
 * @S2_WALK_SHARED: the caller holds the VM's MMU lock for read only; other
 *	walkers may run at the same time, so every update is a
 *	compare-and-exchange and entries locked for BBM make the walk back off
 *	with -EAGAIN
 * @S2_MAP_FORCE_PTE: s2_map() only: never use block mappings
 * @S2_RELAX_LOCAL_BY_CALLER: s2_relax_perms() only: the caller has the
 *	IPA invalidated on the faulting CPU itself before that CPU can use
 *	the entry again (a vCPU's next entry into its guest does it), so the
 *	backend is not called; the invalidation is counted all the same
 */
enum s2_walk_flags {
	S2_WALK_LEAF		= BIT(0),
	S2_WALK_TABLE_PRE	= BIT(1),
	S2_WALK_TABLE_POST	= BIT(2),
	S2_WALK_SHARED		= BIT(3),
	S2_MAP_FORCE_PTE	= BIT(4),
	S2_RELAX_LOCAL_BY_CALLER = BIT(5),
};

/*
 * Positive results of s2_map(), s2_relax_perms() and s2_mkyoung(): success,
 * but nothing was written.  Callers count these as spurious faults.
 */
#define S2_UNCHANGED		1	/* identical mapping already present */
#define S2_PERMS_DIFFER		2	/* present, differs only in R/W/X */

/* Minimum table pages a memcache must hold for one single-page map. */
#define S2_MEMCACHE_MIN_MAP	S2_MAX_LEVEL
/*
 * Table pages an unmap may need: a block partly covered at either end of
 * the range is shattered, one new table per level below it.
 */
#define S2_MEMCACHE_MIN_UNMAP	(2 * (S2_MAX_LEVEL - 1))
/* Table pages needed to split one 1 GiB block down to 4K pages. */
#define S2_MEMCACHE_SPLIT_1G	(1 + S2_PTRS_PER_TABLE)

/*
 * Invalidation policy of a range operation (Documentation/engine.rst).
 * Without FEAT_TLBIRANGE, up to S2_TLBI_IPA_MAX single-IPA invalidations
 * are issued, beyond that one whole-VMID invalidation.  With it, one range
 * invalidation per S2_TLBI_RANGE_MAX_PAGES pages (the most one TLBI RIPAS2E1IS
 * can encode: NUM 31, SCALE 3), and whole-VMID beyond S2_TLBI_RANGE_MAX_OPS
 * of them.
 */
#define S2_TLBI_IPA_MAX		32
#define S2_TLBI_RANGE_MAX_PAGES	(32ULL << 16)
#define S2_TLBI_RANGE_MAX_OPS	8

/*
 * A visitor's return value asking the walk not to descend into the entry
 * just visited (a table it has built completely, or one it must not enter).
 */
#define S2_WALK_SKIP		1

struct s2_pgtable;

/**
 * struct s2_mm_ops - memory management callbacks
 * @zalloc_page: allocate one zeroed 4K page, or NULL; may sleep, so it is
 *	only called outside the MMU lock (memcache top-up)
 * @zalloc_pages_exact: allocate @size bytes of zeroed, physically
 *	contiguous memory aligned to @size (the concatenated root tables)
 * @free_pages_exact: free memory from @zalloc_pages_exact
 * @free_page: free a page from @zalloc_page immediately (memcache drain,
 *	or a page no other walker can have seen)
 * @free_page_deferred: free a table page once every shared walker that
 *	may still be reading it has finished (RCU in the kernel)
 * @get_page: take a reference on a table page
 * @put_page: drop a reference on a table page; the caller frees it when
 *	the count returned by @page_count reaches 1 (the page's own reference)
 * @page_ref_add: add @nr (possibly negative) to the count; may be NULL, the
 *	engine then calls @get_page / @put_page @nr times.  The engine
 *	batches its reference changes per table page and per walk, so this
 *	is one atomic operation where @get_page would be many.
 * @page_count: the page's reference count; a table page holds one
 *	reference of its own plus one per valid entry
 * @phys_to_virt: table PA to a pointer the engine can dereference
 * @virt_to_phys: the reverse
 * @linear: @phys_to_virt of any table page is its PA plus one constant
 *	(the kernel's linear map): walks add that, found once from the root,
 *	instead of calling @phys_to_virt at every level
 * @icache_sync: make @size bytes of guest memory at @va (its @phys_to_virt
 *	address) coherent for instruction fetches through @pgt; called, only
 *	for a table
 *	with &s2_pgtable.sync_icache set, before a leaf mapping them is made
 *	executable (mapped with X, or X added by s2_relax_perms())
 */
struct s2_mm_ops {
	void		*(*zalloc_page)(void *arg);
	void		*(*zalloc_pages_exact)(size_t size);
	void		(*free_pages_exact)(void *addr, size_t size);
	void		(*free_page)(void *addr);
	void		(*free_page_deferred)(void *addr);
	void		(*get_page)(void *addr);
	void		(*put_page)(void *addr);
	void		(*page_ref_add)(void *addr, int nr);
	int		(*page_count)(void *addr);
	void		*(*phys_to_virt)(phys_addr_t phys);
	phys_addr_t	(*virt_to_phys)(void *addr);
	void		(*icache_sync)(struct s2_pgtable *pgt, void *va,
				       u64 size);
	bool		linear;
};

/**
 * struct s2_tlb_ops - TLB maintenance for one VMID
 * @flush_ipa: invalidate one IPA; @level is the level of the leaf that was
 *	there (1-3) or 0 when unknown or when table entries must go too
 * @flush_range: invalidate [@ipa, @ipa + @size) at every level
 *	(FEAT_TLBIRANGE); only called when @range_capable is set
 * @flush_vmid: invalidate every stage-1 and stage-2 entry of the VMID
 * @flush_ipa_local: invalidate one IPA on this CPU only, after its
 *	permissions were raised (no broadcast needed); may be NULL
 * @range_capable: the backend implements @flush_range
 *
 * The engine counts every call in &struct s2_stats, so the counters are
 * the same whichever backend runs underneath.
 */
struct s2_tlb_ops {
	void	(*flush_ipa)(struct s2_pgtable *pgt, u64 ipa, int level);
	void	(*flush_range)(struct s2_pgtable *pgt, u64 ipa, u64 size);
	void	(*flush_vmid)(struct s2_pgtable *pgt);
	void	(*flush_ipa_local)(struct s2_pgtable *pgt, u64 ipa, int level);
	bool	range_capable;
};

/**
 * struct s2_stats - what the engine did, counted as it happened
 * @bbm: break-before-make sequences (valid -> invalid -> new valid)
 * @tlbi_ipa: single-IPA invalidations
 * @tlbi_range: range invalidations (one per instruction issued)
 * @tlbi_vmid: whole-VMID invalidations
 * @tlbi_local: local single-IPA invalidations after a relax
 * @relax_perms: leaves whose permissions were raised in place
 * @unchanged: map/relax/mkyoung calls that found nothing to change
 * @mapped: leaves installed, indexed by level (1 GiB, 2 MiB, 4K)
 * @table_pages: table pages currently live, root pages included
 * @retries: shared-mode operations that backed off with -EAGAIN
 * @wp_mask_walks: s2_wrprotect_mask() calls that walked the table
 * @wp_mask_leaves: leaves those walks looked at (checked against the
 *	bitmap; a page whose bit is clear may be skipped unseen)
 * @wp_mask_protected: leaves those walks took write permission from
 *	(blocks split count their pages made read-only)
 * @icache_pages: pages handed to &s2_mm_ops.icache_sync before a leaf
 *	mapping them became executable
 * @walks: walks from the root: one per operation, s2_get_leaf() included
 *	(subtree walks inside an operation are not counted); what a
 *	caller's sequence of calls costs
 *
 * The engine keeps one per CPU (a table page allocated on one CPU and
 * freed on another leaves one copy's @table_pages negative); this is also
 * the type of their sum, from s2_stats_read().
 */
struct s2_stats {
	u64	bbm;
	u64	tlbi_ipa;
	u64	tlbi_range;
	u64	tlbi_vmid;
	u64	tlbi_local;
	u64	relax_perms;
	u64	unchanged;
	u64	mapped[S2_MAX_LEVEL + 1];
	s64	table_pages;
	u64	retries;
	u64	wp_mask_walks;
	u64	wp_mask_leaves;
	u64	wp_mask_protected;
	u64	icache_pages;
	u64	walks;
};

/**
 * struct s2_pgtable - one stage-2 translation table
 * @ia_bits: input (IPA) size in bits, 32..48
 * @start_level: level of the root table(s)
 * @nr_roots: number of concatenated root pages
 * @pgd: the root table(s)
 * @pgd_phys: PA of @pgd, what VTTBR_EL2.BADDR holds
 * @vtcr: VTCR_EL2 value describing this table (PS left for the backend)
 * @mm_ops: memory callbacks
 * @tlb_ops: TLB callbacks
 * @priv: owner's cookie (the VM), for the callbacks
 * @assert_locked: may be NULL; set by the owner after s2_pgtable_init()
 *	to check the lock rules (Documentation/locking.rst).  Every public
 *	operation calls it first: with @exclusive true when it needs the
 *	VM's MMU lock held for write (s2_map() and s2_walk() without
 *	%S2_WALK_SHARED, s2_unmap(), s2_wrprotect(), s2_split(),
 *	s2_split_wrprotect(), s2_wrprotect_mask(), s2_pgtable_destroy(),
 *	s2_relax_perms() and
 *	s2_mkyoung() without %S2_WALK_SHARED), false when the read side is
 *	enough (the same in shared mode, s2_test_clear_young()).  It returns
 *	when the caller holds what is asked; what it does otherwise is the
 *	owner's choice (a lockdep splat, an abort in the hosted tests).
 *	s2_get_leaf() needs no lock and does not call it.
 * @stats: counters, one copy per CPU: read them with s2_stats_read()
 * @fwb: leaves use the MemAttr encoding of HCR_EL2.FWB (FEAT_S2FWB), which
 *	the owner sets wherever the table is live; clear: the classic one.
 *	Set by the owner after s2_pgtable_init(), before the first map.
 * @sync_icache: call &s2_mm_ops.icache_sync before a leaf becomes
 *	executable.  Set like @fwb.
 * @table_va_offset: with &s2_mm_ops.linear, a table's address minus its
 *	PA; s2_pgtable_init() sets it
 */
struct s2_pgtable {
	u32			ia_bits;
	s8			start_level;
	u8			nr_roots;
	s2_pte_t		*pgd;
	phys_addr_t		pgd_phys;
	u64			vtcr;
	const struct s2_mm_ops	*mm_ops;
	const struct s2_tlb_ops	*tlb_ops;
	void			*priv;
	void			(*assert_locked)(struct s2_pgtable *pgt,
						 bool exclusive);
	struct s2_stats __percpu *stats;
	bool			fwb;
	bool			sync_icache;
	u64			table_va_offset;
};

/**
 * struct s2_memcache - table pages allocated ahead of an operation
 * @nr: pages held
 * @pages: the pages
 *
 * Walks never sleep, so paths that may install tables (faults, split) top
 * up a memcache before taking the MMU lock and hand it to the operation.
 */
struct s2_memcache {
	int	nr;
	void	*pages[S2_MEMCACHE_SPLIT_1G + S2_MAX_LEVEL];
};

/**
 * struct s2_visit_ctx - what a visitor sees of one entry
 * @pgt: the table being walked
 * @ptep: the entry
 * @old: the entry's value, read once before the visit
 * @addr: first IPA the entry covers
 * @start: start of the walked range
 * @end: end (exclusive) of the walked range
 * @level: level of the entry
 * @flags: the walk's &enum s2_walk_flags
 * @arg: the walker's private data
 * @refs: the engine's running count of entries added to (or, negative,
 *	removed from) the table holding @ptep during this walk; applied to
 *	the table page's reference count once, when the walk leaves it
 */
struct s2_visit_ctx {
	struct s2_pgtable	*pgt;
	s2_pte_t		*ptep;
	s2_pte_t		old;
	u64			addr;
	u64			start;
	u64			end;
	s8			level;
	u32			flags;
	void			*arg;
	int			*refs;
};

/**
 * typedef s2_visitor_fn - callback of a walk
 * @ctx: the entry visited
 * @visit: one of %S2_WALK_LEAF, %S2_WALK_TABLE_PRE, %S2_WALK_TABLE_POST
 *
 * Return: 0 to go on; %S2_WALK_SKIP not to descend into the entry (a
 * LEAF visitor that installed a table normally has the walk descend into
 * it); a negative errno stops the walk and is returned by s2_walk().  A
 * TABLE_PRE visitor that replaces the table by a leaf makes the walk treat
 * the entry as a leaf.
 */
typedef int (*s2_visitor_fn)(const struct s2_visit_ctx *ctx, u32 visit);

/**
 * struct s2_walker - one walk
 * @cb: the visitor
 * @arg: passed to @cb as &s2_visit_ctx.arg
 * @flags: which visits to make, and %S2_WALK_SHARED
 */
struct s2_walker {
	s2_visitor_fn	cb;
	void		*arg;
	u32		flags;
};

/**
 * s2_pgtable_init() - allocate the root table(s) of a stage-2 table
 * @pgt: the table to initialise
 * @ia_bits: IPA size, 32..48; the fewest levels are used, concatenating up
 *	to 16 root pages at the start level
 * @mm_ops: memory callbacks
 * @tlb_ops: TLB callbacks
 * @priv: owner's cookie
 *
 * Return: 0, -EINVAL for an unsupported @ia_bits, -ENOMEM.
 */
int s2_pgtable_init(struct s2_pgtable *pgt, u32 ia_bits,
		    const struct s2_mm_ops *mm_ops,
		    const struct s2_tlb_ops *tlb_ops, void *priv);

/**
 * s2_pgtable_destroy() - free every table page
 * @pgt: the table; exclusive: no other walker may run
 *
 * Leaves are dropped without TLB maintenance: the caller invalidates the
 * whole VMID before the VMID is reused.  An owner that destroys a table
 * no one else can reach any more (its last reference) need not take the
 * lock for it; it clears &s2_pgtable.assert_locked first, saying so.
 *
 * Return: the number of table pages freed, root pages included.
 */
unsigned long s2_pgtable_destroy(struct s2_pgtable *pgt);

/**
 * s2_stats_read() - the table's counters, summed over every CPU
 * @pgt: the table; no lock needed
 * @out: where to put them
 *
 * Each CPU counts in its own copy (no locked instruction, no shared cache
 * line on the fault path); this adds the copies up.  Every event is
 * counted exactly once, so the sum is exact once the operations it
 * should include have returned; read while operations run, it may miss
 * the ones still in progress, as any counter would.  A destroyed (or
 * never initialised) table reads as all zero.
 */
void s2_stats_read(const struct s2_pgtable *pgt, struct s2_stats *out);

/**
 * s2_walk() - visit the entries covering [@addr, @addr + @size)
 * @pgt: the table
 * @addr: first IPA
 * @size: bytes
 * @walker: visitor and flags; without %S2_WALK_SHARED the caller holds the
 *	VM's MMU lock for write, with it at least for read
 *
 * Return: 0, the first negative value a visitor returned, or -ERANGE when
 * the range does not fit in the IPA space.
 */
int s2_walk(struct s2_pgtable *pgt, u64 addr, u64 size,
	    const struct s2_walker *walker);

/**
 * s2_get_leaf() - find the entry that translates @ipa
 * @pgt: the table
 * @ipa: the address
 * @ptep: the entry's value (0 if none)
 * @level: the level the walk stopped at; 0 for an IPA beyond the range,
 *	like the hardware's level-0 translation fault
 *
 * A read-only walk under RCU: it needs no lock (the answer may be stale
 * by the time it is used, as any lockless lookup's), and it may find an
 * entry locked for break-before-make (%S2_PTE_LOCKED, not valid).
 *
 * Return: 0, or -ERANGE when @ipa is beyond the IPA space.
 */
int s2_get_leaf(struct s2_pgtable *pgt, u64 ipa, s2_pte_t *ptep, s8 *level);

/**
 * s2_make_leaf() - encode a leaf descriptor
 * @pa: output address, aligned to the level's block size
 * @prot: permissions and memory type; %S2_PROT_AF sets the access flag
 * @level: 1, 2 (blocks) or 3 (page)
 *
 * Return: the descriptor, in the MemAttr encoding of a table without FWB.
 */
s2_pte_t s2_make_leaf(phys_addr_t pa, u32 prot, s8 level);

/**
 * s2_pgt_make_leaf() - encode a leaf descriptor as @pgt's maps write it
 * @pgt: the table, whose &s2_pgtable.fwb says the MemAttr encoding
 * @pa: output address, aligned to the level's block size
 * @prot: permissions and memory type; %S2_PROT_AF sets the access flag
 * @level: 1, 2 (blocks) or 3 (page)
 *
 * Return: the descriptor; s2_make_leaf() is the same for a table without
 * FWB.
 */
s2_pte_t s2_pgt_make_leaf(const struct s2_pgtable *pgt, phys_addr_t pa,
			  u32 prot, s8 level);

/**
 * s2_leaf_prot() - decode the permissions, memory type and AF of a leaf
 * @pte: a valid leaf descriptor
 *
 * Return: &enum s2_prot bits.
 */
u32 s2_leaf_prot(s2_pte_t pte);

/**
 * s2_map() - map [@ipa, @ipa + @size) to @pa
 * @pgt: the table
 * @ipa: first IPA, page aligned
 * @size: bytes, page aligned
 * @pa: first PA, page aligned
 * @prot: permissions and memory type; the access flag is always set
 * @mc: table pages for the walk; may be NULL when no table is needed
 * @flags: %S2_WALK_SHARED (caller holds the lock for read),
 *	%S2_MAP_FORCE_PTE
 *
 * Uses 1 GiB / 2 MiB blocks where IPA, PA and size allow.  Replaces a
 * different valid mapping with break-before-make.  Never lowers
 * permissions: an entry that differs only in R/W/X is left as it is.
 *
 * Return: 0 when every entry of the range now maps as asked and something
 * was written; %S2_UNCHANGED when the whole range was already mapped
 * identically; %S2_PERMS_DIFFER when some entry differs only in
 * permissions and was left as it was (other entries may have been
 * written: the caller raises what it needs, and must not take the range
 * as mapped with @prot); -EAGAIN (shared
 * mode: raced with another walker, retry); -ENOMEM (memcache empty);
 * -EINVAL (misaligned); -ERANGE (beyond the IPA space).
 */
int s2_map(struct s2_pgtable *pgt, u64 ipa, u64 size, phys_addr_t pa,
	   u32 prot, struct s2_memcache *mc, u32 flags);

/**
 * s2_unmap() - remove every mapping in [@ipa, @ipa + @size)
 * @pgt: the table; exclusive
 * @ipa: first IPA, page aligned
 * @size: bytes, page aligned
 *
 * Frees tables left empty and ends with the fewest TLB invalidations that
 * cover what was removed; a freed table page is invalidated before it is
 * freed.  A block partly covered is shattered, keeping the rest mapped.
 *
 * Return: 0, -ENOMEM (a partly covered block could not be split), -EINVAL,
 * -ERANGE.
 */
int s2_unmap(struct s2_pgtable *pgt, u64 ipa, u64 size);

/**
 * s2_unmap_mc() - s2_unmap() with table pages for partly covered blocks
 * @pgt: the table; exclusive
 * @ipa: first IPA, page aligned
 * @size: bytes, page aligned
 * @mc: table pages, %S2_MEMCACHE_MIN_UNMAP suffice; NULL is what
 *	s2_unmap() passes
 *
 * Return: as s2_unmap().  After -ENOMEM the part of the range before the
 * block that could not be shattered is unmapped; topping up @mc and
 * calling again completes the unmap.
 */
int s2_unmap_mc(struct s2_pgtable *pgt, u64 ipa, u64 size,
		struct s2_memcache *mc);

/**
 * s2_wrprotect() - remove write permission from [@ipa, @ipa + @size)
 * @pgt: the table; exclusive
 * @ipa: first IPA
 * @size: bytes
 *
 * Includes the batched invalidation that makes the change effective.
 *
 * Return: 0, -EINVAL, -ERANGE.
 */
int s2_wrprotect(struct s2_pgtable *pgt, u64 ipa, u64 size);

/**
 * s2_relax_perms() - add permissions to the leaf mapping @ipa, in place
 * @pgt: the table
 * @ipa: the faulting IPA
 * @prot: permissions to add (R/W/X); the access flag is set too
 * @flags: %S2_WALK_SHARED when the caller holds the lock for read;
 *	%S2_RELAX_LOCAL_BY_CALLER when it invalidates the IPA locally itself
 *
 * Only ever adds permissions; no BBM.  Invalidates the IPA on this CPU
 * only (or leaves that to the caller).
 *
 * Return: 0, %S2_UNCHANGED when nothing was missing, -ENOENT when no
 * valid leaf maps @ipa, -EAGAIN (shared: raced, retry).
 */
int s2_relax_perms(struct s2_pgtable *pgt, u64 ipa, u32 prot, u32 flags);

/**
 * s2_relax_perms_of() - s2_relax_perms(), only of the leaf a fault expects
 * @pgt: the table
 * @ipa: the faulting IPA
 * @pa: the PA the leaf must map @ipa's page to
 * @size: the size the leaf must have: a page or a level-2 block
 * @prot: permissions to add (R/W/X); the access flag is set too
 * @flags: as s2_relax_perms()
 *
 * A fault that pinned @size bytes around @ipa raises the permissions of
 * the leaf mapping them in the same walk that checks it is that leaf,
 * instead of a map that finds it and a relax that walks again.
 *
 * Return: as s2_relax_perms(); also -E2BIG when the leaf has another
 * size, -ESTALE when it maps another page (nothing changed either way),
 * -EINVAL for a @size or @pa this cannot be.
 */
int s2_relax_perms_of(struct s2_pgtable *pgt, u64 ipa, phys_addr_t pa,
		      u64 size, u32 prot, u32 flags);

/**
 * s2_mkyoung() - set the access flag of the leaf mapping @ipa
 * @pgt: the table
 * @ipa: the address
 * @flags: %S2_WALK_SHARED when the caller holds the lock for read
 *
 * Return: 0, %S2_UNCHANGED, -ENOENT, -EAGAIN.
 */
int s2_mkyoung(struct s2_pgtable *pgt, u64 ipa, u32 flags);

/**
 * s2_test_clear_young() - age the leaves of [@ipa, @ipa + @size)
 * @pgt: the table
 * @ipa: first IPA
 * @size: bytes
 * @clear: clear the access flags found set (a later access faults)
 *
 * Clearing AF needs no BBM; the invalidation, if the caller wants the
 * next access to fault at once, is batched at the end.
 *
 * Return: the number of leaves found with the access flag set.
 */
u64 s2_test_clear_young(struct s2_pgtable *pgt, u64 ipa, u64 size,
			bool clear);

/**
 * s2_split() - turn the blocks of [@ipa, @ipa + @size) into 4K pages
 * @pgt: the table; exclusive
 * @ipa: first IPA
 * @size: bytes
 * @mc: table pages; each 1 GiB block needs %S2_MEMCACHE_SPLIT_1G
 *
 * Each block is replaced by a subtree built off-line with the same
 * output, permissions and memory type, swapped in with one BBM of the
 * block entry; the invalidations are batched at the end.
 *
 * Return: 0, -ENOMEM when @mc ran out (what was split stays split; call
 * again with a fuller memcache), -EINVAL, -ERANGE.
 */
int s2_split(struct s2_pgtable *pgt, u64 ipa, u64 size,
	     struct s2_memcache *mc);

/**
 * s2_split_wrprotect() - split the blocks of a range and write-protect it
 * @pgt: the table; exclusive
 * @ipa: first IPA
 * @size: bytes
 * @mc: table pages, as for s2_split()
 *
 * What dirty logging needs, as one operation: every block that maps any
 * of the range becomes a subtree of 4K pages (one BBM each), read-only
 * inside the range and as before outside it; every page already mapped
 * in the range loses write permission in place; one batched invalidation
 * covers both.  Exactly the range is write-protected, so a CLEAR of part
 * of a block leaves its other pages writable.
 *
 * Return: 0, -ENOMEM when @mc ran out (what was done stays done: call
 * again with a fuller memcache), -EINVAL, -ERANGE.
 */
int s2_split_wrprotect(struct s2_pgtable *pgt, u64 ipa, u64 size,
		       struct s2_memcache *mc);

/**
 * s2_wrprotect_mask() - write-protect the pages a bitmap names
 * @pgt: the table; exclusive
 * @base: IPA of the page of bit 0
 * @nbits: bits of @mask (bit i: the page at @base + i * 4K)
 * @mask: the pages to protect
 * @mc: table pages, as for s2_split()
 *
 * What a manual-protect CLEAR needs: exactly the pages whose bits are set
 * lose write permission, in one walk from the first to the last with one
 * batched invalidation.  A block mapping any of them is split into pages
 * (one BBM); its other pages keep their permissions.  Leaves mapping no
 * such page are left alone, and not looked at: a table mapping none is
 * not entered, and a last-level table is read only at the set bits, one
 * mask word at a time, so the cost follows the bits set, not the span.
 *
 * Return: 0 (also for an empty @mask), -ENOMEM when @mc ran out (what was
 * done stays done: call again with a fuller memcache), -EINVAL, -ERANGE.
 */
int s2_wrprotect_mask(struct s2_pgtable *pgt, u64 base, u64 nbits,
		      const unsigned long *mask, struct s2_memcache *mc);

/**
 * s2_memcache_topup() - fill @mc up to @min pages
 * @mc: the memcache
 * @min: pages wanted, at most ARRAY_SIZE(@mc->pages)
 * @mm_ops: the allocator (may sleep: call without the MMU lock)
 * @arg: passed to &s2_mm_ops.zalloc_page
 *
 * Return: 0 or -ENOMEM.
 */
int s2_memcache_topup(struct s2_memcache *mc, int min,
		      const struct s2_mm_ops *mm_ops, void *arg);

/**
 * s2_memcache_drain() - free every page left in @mc
 * @mc: the memcache
 * @mm_ops: the allocator
 */
void s2_memcache_drain(struct s2_memcache *mc, const struct s2_mm_ops *mm_ops);

#endif /* S2_PGTABLE_H */
