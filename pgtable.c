// SPDX-License-Identifier: GPL-2.0
/*
 * s2mmu stage-2 page-table engine: one walker, and every operation a small
 * visitor on top of it.  Design notes: Documentation/engine.rst.
 *
 * Architecture references are to the Arm ARM (DDI 0487), "D8" being the
 * VMSAv8-64 translation chapter: break-before-make is D8.14.1 ("Using
 * break-before-make when updating translation table entries"), TLB
 * maintenance D8.13 and D7.7 (TLBI instructions).
 */
#include "s2_pgtable.h"

/*
 * Internal walk flag: the walk runs over a subtree that no other CPU and
 * no hardware walker can see yet, so entries are written directly, with
 * neither break-before-make nor invalidation.
 */
#define S2_WALK_OFFLINE		BIT(30)

/*
 * Internal walk flag: the visitor adds and removes no entries (it only
 * changes leaves in place), so the walk keeps no per-table reference
 * count.  A constant in each inlined copy: a single-page relax or
 * mkyoung then does no bookkeeping on its way down or back up.
 */
#define S2_WALK_NO_REFS		BIT(29)

/*
 * Internal walk flag: the range is one page, @start page-aligned.  Every
 * table on its path is entered once, each entry visited is the last one
 * the walk visits in its table, so the walk is a straight descent and
 * back: what a fault's map, a relax, a mkyoung and a lookup walk.  A
 * constant in each inlined copy, like the visits.
 */
#define S2_WALK_ONE		BIT(28)

#define S2_LEAF_ATTRS		(~(S2_PTE_ADDR_MASK | S2_PTE_TYPE))

/* The table @pte names: an add for a linear map, where a call would be. */
static s2_pte_t *s2_pte_table(struct s2_pgtable *pgt, s2_pte_t pte)
{
	const struct s2_mm_ops *mm = pgt->mm_ops;

	if (likely(mm->linear))
		return (s2_pte_t *)(uintptr_t)(s2_desc_pa(pte) +
					       pgt->table_va_offset);
	return mm->phys_to_virt(s2_desc_pa(pte));
}

static s2_pte_t s2_make_table(struct s2_pgtable *pgt, void *page)
{
	return s2_desc_make_table(pgt->mm_ops->virt_to_phys(page));
}

/* Same attributes and output, re-encoded for @level (a page needs TYPE). */
static s2_pte_t s2_leaf_at(s2_pte_t attrs, u64 pa, s8 level)
{
	s2_pte_t pte = (attrs & S2_LEAF_ATTRS) | (pa & S2_PTE_ADDR_MASK);

	return level == S2_MAX_LEVEL ? pte | S2_PTE_TYPE : pte;
}

/*
 * The attributes of a leaf for @prot: a block's, output address aside, in
 * the MemAttr encoding of a table with (@fwb) or without FWB.
 */
static __always_inline s2_pte_t s2_leaf_attrs(u32 prot, bool fwb)
{
	s2_pte_t pte = S2_PTE_VALID | S2_PTE_SH_INNER;
	u64 attr = s2_memattr_normal_wb(fwb);

	if (prot & S2_PROT_DEVICE)
		attr = S2_MEMATTR_DEVICE;
	else if (prot & S2_PROT_NC)
		attr = S2_MEMATTR_NORMAL_NC;
	pte |= attr << S2_PTE_MEMATTR_SHIFT;
	if (prot & S2_PROT_R)
		pte |= S2_PTE_S2AP_R;
	if (prot & S2_PROT_W)
		pte |= S2_PTE_S2AP_W;
	if (!(prot & S2_PROT_X))
		pte |= S2_PTE_XN;
	if (prot & S2_PROT_AF)
		pte |= S2_PTE_AF;
	return pte;
}

s2_pte_t s2_make_leaf(phys_addr_t pa, u32 prot, s8 level)
{
	return s2_leaf_at(s2_leaf_attrs(prot, false), pa, level);
}

s2_pte_t s2_pgt_make_leaf(const struct s2_pgtable *pgt, phys_addr_t pa,
			  u32 prot, s8 level)
{
	return s2_leaf_at(s2_leaf_attrs(prot, pgt->fwb), pa, level);
}

/*
 * Device and non-cacheable memory have the same MemAttr with and without
 * FWB; anything else s2_leaf_attrs() writes is Normal write-back in one
 * encoding or the other.
 */
u32 s2_leaf_prot(s2_pte_t pte)
{
	u64 attr = (pte & S2_PTE_MEMATTR_MASK) >> S2_PTE_MEMATTR_SHIFT;
	u32 prot = 0;

	if (attr == S2_MEMATTR_DEVICE)
		prot |= S2_PROT_DEVICE;
	else if (attr == S2_MEMATTR_NORMAL_NC)
		prot |= S2_PROT_NC;
	if (pte & S2_PTE_S2AP_R)
		prot |= S2_PROT_R;
	if (pte & S2_PTE_S2AP_W)
		prot |= S2_PROT_W;
	if (!(pte & S2_PTE_XN))
		prot |= S2_PROT_X;
	if (pte & S2_PTE_AF)
		prot |= S2_PROT_AF;
	return prot;
}

/*
 * Counters are per CPU: concurrent shared-mode walkers each add to their
 * own CPU's copy, with no locked instruction and no cache line bouncing
 * between vCPUs; s2_stats_read() adds the copies up.
 */
#define s2_stat_add(pgt, field, n) \
	this_cpu_add((*(pgt)->stats).field, (n))

/*
 * An operation that makes several counts finds this CPU's copy once, and
 * counts into it between s2_stats_get() and s2_stats_put() (preemption
 * off: the copy stays this CPU's), where each this_cpu_add() would find
 * it again.  An operation (struct s2_op) holds it from start to finish:
 * its walk never sleeps.
 */
#define s2_stats_get(pgt)	get_cpu_ptr((pgt)->stats)
#define s2_stats_put(pgt)	put_cpu_ptr((pgt)->stats)

/* Add @n to the count @c of this CPU's copy, between get and put. */
static __always_inline void s2_stat_bump(u64 *c, u64 n)
{
	WRITE_ONCE(*c, *c + n);
}

/* The same for the one signed count, table pages added (or freed). */
static __always_inline void s2_stat_tables(struct s2_stats *s, s64 n)
{
	WRITE_ONCE(s->table_pages, s->table_pages + n);
}

/* Every field is a 64-bit count: the copies add up word by word. */
static_assert(sizeof(struct s2_stats) % sizeof(u64) == 0,
	      "struct s2_stats holds 64-bit counts only");

void s2_stats_read(const struct s2_pgtable *pgt, struct s2_stats *out)
{
	u64 *sum = (u64 *)out;
	const u64 *c;
	unsigned int i;
	int cpu;

	*out = (struct s2_stats){ 0 };
	if (!pgt->stats)
		return;
	for_each_possible_cpu(cpu) {
		c = (const u64 *)per_cpu_ptr(pgt->stats, cpu);
		for (i = 0; i < sizeof(*out) / sizeof(u64); i++)
			sum[i] += READ_ONCE(c[i]);
	}
}

/* An owner without &s2_mm_ops.page_ref_add: one call per reference. */
static noinline void s2_ref_add_each(const struct s2_mm_ops *mm, void *page,
				     int nr)
{
	for (; nr > 0; nr--)
		mm->get_page(page);
	for (; nr < 0; nr++)
		mm->put_page(page);
}

/* Inlined: a walk leaving a table it added to calls the owner directly. */
static __always_inline void s2_ref_add(struct s2_pgtable *pgt, void *page,
				       int nr)
{
	const struct s2_mm_ops *mm = pgt->mm_ops;

	if (likely(mm->page_ref_add))
		mm->page_ref_add(page, nr);
	else
		s2_ref_add_each(mm, page, nr);
}

/* ------------------------------------------------------------------ */
/* The walker                                                          */

/*
 * The walker is a loop over an explicit stack of tables rather than a
 * recursion, so that it can be inlined: every operation gets a copy of it
 * specialised for its own visitor and visits (a direct call, mostly
 * inlined, where a recursive walker makes an indirect call per entry and
 * per level), which is what makes a single-page operation cheap.  It is
 * still one walker: s2_walk() and the rare internal walks share one
 * out-of-line copy of the same code.
 */

/* One table on the path the walk is on. */
struct s2_walk_frame {
	s2_pte_t	*table;
	/* Index mask: the table's entries, minus one. */
	u32		mask;
	/* Entries added (removed, if negative) here, applied on leaving. */
	int		refs;
	/* The entry the walk went down through, for its TABLE_POST visit. */
	s2_pte_t	*ptep;
	s2_pte_t	old;
	u64		addr;
};

/*
 * The walk's position is @next, the first IPA not visited yet: the entry
 * to visit at each level is the one that translates it.  A table is done
 * when @next reaches the end of what it translates, or of the range.
 */
struct s2_walk_state {
	struct s2_visit_ctx	ctx;
	u64			next;
	struct s2_walk_frame	frame[S2_MAX_LEVEL + 1];
};

/*
 * How a walk runs, given by value to every function of the walk rather
 * than read back from its state, so that each inlined copy folds what its
 * caller fixed: @cb the visitor, @flags the visits, @top the level of the
 * table the walk started in, @root whether that is a root (root pages
 * need no reference count).  @linear and @va_offset: the owner's
 * &s2_mm_ops.linear and the table's &s2_pgtable.table_va_offset, read
 * once, where each level would read them again after the entry's load.
 */
struct s2_walk_how {
	s2_visitor_fn	cb;
	u32		flags;
	s8		top;
	bool		root;
	bool		linear;
	u64		va_offset;
};

/* The table the table entry @pte names, as s2_pte_table() finds it. */
static __always_inline s2_pte_t *s2_walk_table(struct s2_walk_state *ws,
					       s2_pte_t pte,
					       struct s2_walk_how how)
{
	if (likely(how.linear))
		return (s2_pte_t *)(uintptr_t)(s2_desc_pa(pte) +
					       how.va_offset);
	return ws->ctx.pgt->mm_ops->phys_to_virt(s2_desc_pa(pte));
}

static __always_inline void s2_walk_enter(struct s2_walk_state *ws, s8 level,
					  s2_pte_t *table, u32 mask,
					  struct s2_walk_how how)
{
	struct s2_walk_frame *f = &ws->frame[level];

	f->table = table;
	f->mask = mask;
	if (!(how.flags & S2_WALK_NO_REFS))
		f->refs = 0;
}

/* Leave @level's table; a root (@counted false) needs no count. */
static __always_inline void s2_walk_leave(struct s2_walk_state *ws, s8 level,
					  bool counted, struct s2_walk_how how)
{
	struct s2_walk_frame *f = &ws->frame[level];

	if (how.flags & S2_WALK_NO_REFS)
		return;
	if (counted && f->refs)
		s2_ref_add(ws->ctx.pgt, f->table, f->refs);
}

/*
 * Visit the entries of @level's table from the one that translates
 * @ws->next, in order, until the table or the range ends (returns 0), a
 * visitor fails (a negative errno) or the walk goes down into the table
 * an entry names (returns 1; that table is now @level + 1's).
 */
static __always_inline int s2_walk_entries(struct s2_walk_state *ws,
					   s8 level, struct s2_walk_how how)
{
	struct s2_walk_frame *f = &ws->frame[level];
	u64 size = S2_LEVEL_SIZE(level);
	/* A root's concatenated pages span more: it is just restarted. */
	u64 span = S2_LEVEL_SIZE(level - 1);
	s2_pte_t *ptep = &f->table[(ws->next >> S2_LEVEL_SHIFT(level)) &
				   f->mask];
	u64 addr = ALIGN_DOWN(ws->next, size);
	s2_pte_t old;
	bool table;
	int ret;

	/* A one-page walk visits at most one entry here: set it then. */
	if (!(how.flags & S2_WALK_ONE))
		ws->ctx.refs = how.flags & S2_WALK_NO_REFS ? NULL : &f->refs;
	for (;; ptep++, addr += size) {
		old = READ_ONCE(*ptep);
		table = s2_desc_table(old, level);
		/* A table nobody wants to see: straight down. */
		if (table &&
		    !(how.flags & (S2_WALK_TABLE_PRE | S2_WALK_TABLE_POST)))
			break;
		/*
		 * Stored after the load, whose ordering makes the compiler
		 * forget what it stored before: the inlined visitor then
		 * sees the level as the constant it is.
		 */
		ws->ctx.level = level;
		if (how.flags & S2_WALK_ONE)
			ws->ctx.refs = how.flags & S2_WALK_NO_REFS ? NULL :
				       &f->refs;
		ws->ctx.ptep = ptep;
		ws->ctx.old = old;
		ws->ctx.addr = addr;
		ret = 0;
		if (table && (how.flags & S2_WALK_TABLE_PRE)) {
			ret = how.cb(&ws->ctx, S2_WALK_TABLE_PRE);
			ws->ctx.old = READ_ONCE(*ptep);
			table = s2_desc_table(ws->ctx.old, level);
		}
		if (!ret && !table && (how.flags & S2_WALK_LEAF)) {
			ret = how.cb(&ws->ctx, S2_WALK_LEAF);
			/*
			 * Did it install a table?  None at the last level,
			 * nor by a visitor that adds no entries.
			 */
			if (level < S2_MAX_LEVEL &&
			    !(how.flags & S2_WALK_NO_REFS)) {
				ws->ctx.old = READ_ONCE(*ptep);
				table = s2_desc_table(ws->ctx.old, level);
			}
		}
		if (ret < 0)
			return ret;
		if (table && ret != S2_WALK_SKIP) {
			old = ws->ctx.old;
			break;
		}
		ws->next = addr + size;
		/* One page: this entry covers all of it. */
		if ((how.flags & S2_WALK_ONE) || ws->next >= ws->ctx.end ||
		    IS_ALIGNED(ws->next, span))
			return 0;
	}
	if (how.flags & S2_WALK_TABLE_POST) {
		f->ptep = ptep;
		f->old = old;
		f->addr = addr;
	}
	s2_walk_enter(ws, level + 1, s2_walk_table(ws, old, how),
		      S2_PTRS_PER_TABLE - 1, how);
	return 1;
}

/*
 * Leave @level's table, going back up to the entry that names it, and
 * give that entry its TABLE_POST visit.
 */
static __always_inline int s2_walk_up(struct s2_walk_state *ws, s8 level,
				      struct s2_walk_how how)
{
	struct s2_walk_frame *up = &ws->frame[level - 1];
	s8 parent = level - 1;
	int ret;

	s2_walk_leave(ws, level, level != how.top || !how.root, how);
	if (!(how.flags & S2_WALK_TABLE_POST))
		return 0;
	ws->ctx.ptep = up->ptep;
	ws->ctx.old = up->old;
	ws->ctx.addr = up->addr;
	ws->ctx.level = parent;
	ws->ctx.refs = how.flags & S2_WALK_NO_REFS ? NULL : &up->refs;
	ret = how.cb(&ws->ctx, S2_WALK_TABLE_POST);
	return ret < 0 ? ret : 0;
}

/*
 * s2_walk_entries() with @level a constant in each copy: the shifts and
 * masks of the level fold, and the last level's copy knows it meets no
 * table.
 */
static __always_inline int s2_walk_entries_at(struct s2_walk_state *ws,
					      s8 level, struct s2_walk_how how)
{
	switch (level) {
	case 0:
		return s2_walk_entries(ws, 0, how);
	case 1:
		return s2_walk_entries(ws, 1, how);
	case 2:
		return s2_walk_entries(ws, 2, how);
	default:
		return s2_walk_entries(ws, S2_MAX_LEVEL, how);
	}
}

/*
 * The descent of a one-page walk (%S2_WALK_ONE) from @how.top: each level
 * a copy of its own, entered at the top one, so no level is dispatched on
 * the way down.  Returns the level it stopped at in @level.
 */
static __always_inline int s2_walk_descend_one(struct s2_walk_state *ws,
					       s8 *level,
					       struct s2_walk_how how)
{
	int ret;

	switch (how.top) {
	case 0:
		ret = s2_walk_entries(ws, 0, how);
		if (ret <= 0)
			return ret;
		*level = 1;
		fallthrough;
	case 1:
		ret = s2_walk_entries(ws, 1, how);
		if (ret <= 0)
			return ret;
		*level = 2;
		fallthrough;
	case 2:
		ret = s2_walk_entries(ws, 2, how);
		if (ret <= 0)
			return ret;
		*level = S2_MAX_LEVEL;
		fallthrough;
	default:
		return s2_walk_entries(ws, S2_MAX_LEVEL, how);
	}
}

/*
 * The way back up of a one-page walk, from *@level to @how.top, as the
 * descent: a copy per level.  Stopped by a visitor, it returns its error
 * with *@level the deepest table still to leave.
 */
static __always_inline int s2_walk_ascend_one(struct s2_walk_state *ws,
					      s8 *level,
					      struct s2_walk_how how)
{
	int ret;

	switch (*level) {
	default:
		if (how.top == S2_MAX_LEVEL)
			return 0;
		*level = 2;
		ret = s2_walk_up(ws, S2_MAX_LEVEL, how);
		if (ret < 0)
			return ret;
		fallthrough;
	case 2:
		if (how.top == 2)
			return 0;
		*level = 1;
		ret = s2_walk_up(ws, 2, how);
		if (ret < 0)
			return ret;
		fallthrough;
	case 1:
		if (how.top == 1)
			return 0;
		*level = 0;
		ret = s2_walk_up(ws, 1, how);
		if (ret < 0)
			return ret;
		fallthrough;
	case 0:
		return 0;
	}
}

static __always_inline int s2_walk_loop(struct s2_walk_state *ws,
					struct s2_walk_how how)
{
	s8 level = how.top;
	int ret = 0;

	if (how.flags & S2_WALK_ONE) {
		ret = s2_walk_descend_one(ws, &level, how);
		if (ret >= 0)
			ret = s2_walk_ascend_one(ws, &level, how);
		if (ret < 0)
			goto stop;
		goto top;
	}
	while (ws->next < ws->ctx.end) {
		/* Down the tables on the way to @next: nothing left behind. */
		while ((ret = s2_walk_entries_at(ws, level, how)) > 0)
			level++;
		if (ret < 0)
			goto stop;
		if (ws->next >= ws->ctx.end)
			break;
		/* Past the last entry of a table: back up to its parent. */
		while (level > how.top &&
		       IS_ALIGNED(ws->next, S2_LEVEL_SIZE(level - 1))) {
			ret = s2_walk_up(ws, level--, how);
			if (ret < 0)
				goto stop;
		}
	}
	/* The range ends inside these tables. */
	for (; level > how.top; level--) {
		ret = s2_walk_up(ws, level, how);
		if (ret < 0) {
			level--;
			goto stop;
		}
	}
top:
	s2_walk_leave(ws, level, level != how.top || !how.root, how);
	return 0;
stop:
	/* Stopped: the tables on the path still get their counts. */
	for (; level >= how.top; level--)
		s2_walk_leave(ws, level, level != how.top || !how.root, how);
	return ret;
}

/*
 * Walk [@start, @end) in @table, the table at @level whose entries are
 * indexed by @mask (all ones for a root, which the range check keeps in
 * bounds), calling @cb as @flags ask.  Inlined into each caller with a
 * constant @cb and visits: see above.
 */
static __always_inline int s2_walk_from(struct s2_pgtable *pgt,
					s2_pte_t *table, s8 level, u32 mask,
					bool root, u64 start, u64 end,
					s2_visitor_fn cb, void *arg, u32 flags)
{
	struct s2_walk_state ws;
	struct s2_walk_how how;

	ws.ctx.pgt = pgt;
	ws.ctx.start = start;
	ws.ctx.end = end;
	ws.ctx.flags = flags;
	ws.ctx.arg = arg;
	ws.next = start;
	how.cb = cb;
	how.flags = flags;
	how.top = level;
	how.root = root;
	how.linear = pgt->mm_ops->linear;
	how.va_offset = pgt->table_va_offset;
	s2_walk_enter(&ws, level, table, mask, how);
	return s2_walk_loop(&ws, how);
}

static bool s2_range_ok(struct s2_pgtable *pgt, u64 addr, u64 size)
{
	u64 limit = BIT_ULL(pgt->ia_bits);

	return addr < limit && size <= limit - addr;
}

/*
 * Walk [@addr, @addr + @size), a range already checked, from the root,
 * for callers already inside an RCU read-side section that count the walk
 * themselves.  Inlined: each operation's own copy.
 */
static __always_inline int s2_walk_pgd(struct s2_pgtable *pgt, u64 addr,
				       u64 size, s2_visitor_fn cb, void *arg,
				       u32 flags)
{
	return s2_walk_from(pgt, pgt->pgd, pgt->start_level, U32_MAX, true,
			    addr, addr + size, cb, arg, flags);
}

/* s2_walk_pgd(), the range checked and the walk counted here. */
static __always_inline int s2_walk_root(struct s2_pgtable *pgt, u64 addr,
					u64 size, s2_visitor_fn cb, void *arg,
					u32 flags)
{
	if (!s2_range_ok(pgt, addr, size))
		return -ERANGE;
	s2_stat_add(pgt, walks, 1);
	return s2_walk_pgd(pgt, addr, size, cb, arg, flags);
}

/*
 * The shared out-of-line copy, for walks that are not on a fast path.  It
 * always keeps the reference counts: a visitor given to s2_walk() may add
 * or remove entries.
 */
static noinline int __s2_walk(struct s2_pgtable *pgt, u64 addr, u64 size,
			      const struct s2_walker *walker)
{
	return s2_walk_root(pgt, addr, size, walker->cb, walker->arg,
			    walker->flags & ~(S2_WALK_NO_REFS | S2_WALK_ONE));
}

static int s2_walk_rcu(struct s2_pgtable *pgt, u64 addr, u64 size,
		       const struct s2_walker *walker)
{
	int ret;

	/*
	 * Table pages unlinked while we walk are freed through an RCU
	 * callback (&s2_mm_ops.free_page_deferred): never under our feet.
	 */
	rcu_read_lock();
	ret = __s2_walk(pgt, addr, size, walker);
	rcu_read_unlock();
	return ret;
}

/*
 * The engine cannot see the VM's MMU lock; its owner's hook can, and
 * checks that the caller holds it for write (@exclusive) or at least for
 * read.  Every public operation that changes or depends on the table's
 * shape calls this first, so a caller holding the wrong side fails at the
 * call, not in a rare race much later.
 */
static void s2_assert_locked(struct s2_pgtable *pgt, bool exclusive)
{
	if (pgt->assert_locked)
		pgt->assert_locked(pgt, exclusive);
}

/* Shared mode is the read side, anything else the write side. */
static void s2_assert_locked_for(struct s2_pgtable *pgt, u32 flags)
{
	s2_assert_locked(pgt, !(flags & S2_WALK_SHARED));
}

int s2_walk(struct s2_pgtable *pgt, u64 addr, u64 size,
	    const struct s2_walker *walker)
{
	s2_assert_locked_for(pgt, walker->flags);
	return s2_walk_rcu(pgt, addr, size, walker);
}

/* Walk [@start, @end) inside the subtree @table, which maps from @base. */
static noinline int s2_walk_subtree(struct s2_pgtable *pgt, s2_pte_t *table,
				    s8 level, u64 start, u64 end,
				    const struct s2_walker *walker)
{
	return s2_walk_from(pgt, table, level, S2_PTRS_PER_TABLE - 1, false,
			    start, end, walker->cb, walker->arg,
			    walker->flags);
}

/* ------------------------------------------------------------------ */
/* What every operation shares: memcache, TLB batch, BBM, counters      */

/*
 * Invalidations owed by an operation.  Each entry is an IPA with the level
 * of the leaf that was there in its low bits, or level 0 for a table entry
 * (no hint: walk-cache entries must go too).
 */
struct s2_tlb_batch {
	u64	start;
	u64	end;
	u32	nr;
	bool	overflow;
	u64	ent[S2_TLBI_IPA_MAX];
};

struct s2_op {
	struct s2_pgtable	*pgt;
	struct s2_memcache	*mc;
	struct s2_tlb_batch	tlb;
	/* Entries broken and waiting for the batched invalidation. */
	u64			commit_start;
	u64			commit_end;
	/* Entry a TABLE_PRE visit broke, for the LEAF visit that follows. */
	s2_pte_t		*broken;
	bool			written;
	/*
	 * This CPU's counters, held from s2_op_init() to s2_op_finish():
	 * BBMs, blocks mapped and table pages are counted as they happen.
	 */
	struct s2_stats		*stats;
	/*
	 * Pages (level-3 leaves) mapped, counted here and added once at
	 * the end: a bulk map makes one per entry, and a count through
	 * @stats (which may alias a descriptor, to the compiler) would
	 * reload the walk's state after each.
	 */
	u64			mapped_pages;
};

static void s2_tlb_reset(struct s2_tlb_batch *b)
{
	b->start = U64_MAX;
	b->end = 0;
	b->nr = 0;
	b->overflow = false;
}

static __always_inline void s2_op_init(struct s2_op *op,
				       struct s2_pgtable *pgt,
				       struct s2_memcache *mc)
{
	/* Field by field: the batch's entries need no clearing. */
	op->pgt = pgt;
	op->mc = mc;
	s2_tlb_reset(&op->tlb);
	op->commit_start = U64_MAX;
	op->commit_end = 0;
	op->broken = NULL;
	op->written = false;
	op->stats = s2_stats_get(pgt);
	op->mapped_pages = 0;
}

/* A leaf was mapped at @level (a constant where it matters). */
static __always_inline void s2_op_mapped(struct s2_op *op, s8 level)
{
	if (level == S2_MAX_LEVEL)
		op->mapped_pages++;
	else
		s2_stat_bump(&op->stats->mapped[level], 1);
}

static void *s2_mc_pop(struct s2_op *op)
{
	struct s2_memcache *mc = op->mc;

	if (!mc || !mc->nr)
		return NULL;
	s2_stat_tables(op->stats, 1);
	return mc->pages[--mc->nr];
}

/* @n table pages the operation had (or made) are freed. */
static void s2_op_tables_freed(struct s2_op *op, unsigned long n)
{
	s2_stat_tables(op->stats, -(s64)n);
}

static void s2_mc_push(struct s2_op *op, void *page)
{
	op->mc->pages[op->mc->nr++] = page;
	s2_stat_tables(op->stats, -1);
}

/* The TLB entry of the leaf that mapped @addr at @level is stale. */
static void s2_tlb_add(struct s2_tlb_batch *b, u64 addr, s8 level)
{
	u64 end = addr + S2_LEVEL_SIZE(level);

	/* Walks go up in address: the start rarely moves, the end always. */
	if (unlikely(addr < b->start))
		b->start = addr;
	if (end > b->end)
		b->end = end;
	/*
	 * A bulk walk fills the batch in its first entries and then only
	 * says it overflowed: that is the path laid out in line.
	 */
	if (likely(b->nr >= S2_TLBI_IPA_MAX))
		b->overflow = true;
	else
		b->ent[b->nr++] = addr | level;
}

/*
 * The table entry mapping @ctx->addr went: cached walks through it must
 * go.  A non-last-level invalidation of any IPA the entry translated
 * reaches them (D8.13.5), so one inside the walked range is enough, and
 * it can share the invalidation of a leaf just removed at that IPA.
 */
static void s2_tlb_add_table(struct s2_tlb_batch *b,
			     const struct s2_visit_ctx *ctx)
{
	u64 addr = max(ctx->addr, ctx->start);

	if (b->nr && !b->overflow && (b->ent[b->nr - 1] & ~3ULL) == addr) {
		b->ent[b->nr - 1] = addr;
		return;
	}
	b->start = min(b->start, addr);
	b->end = max(b->end, addr + S2_PAGE_SIZE);
	if (b->nr < S2_TLBI_IPA_MAX)
		b->ent[b->nr++] = addr;
	else
		b->overflow = true;
}

static void s2_flush_range(struct s2_pgtable *pgt, u64 start, u64 end)
{
	u64 chunk = S2_TLBI_RANGE_MAX_PAGES << S2_PAGE_SHIFT;
	u64 addr;

	for (addr = start; addr < end; addr += chunk) {
		pgt->tlb_ops->flush_range(pgt, addr, min(chunk, end - addr));
		s2_stat_add(pgt, tlbi_range, 1);
	}
}

/*
 * Issue the fewest invalidations covering @b: one entry by IPA with its
 * level hint; several by range (FEAT_TLBIRANGE) or, without it, by IPA up
 * to S2_TLBI_IPA_MAX; whole VMID beyond.
 */
static void s2_tlb_flush(struct s2_pgtable *pgt, struct s2_tlb_batch *b)
{
	const struct s2_tlb_ops *tlb = pgt->tlb_ops;
	u64 pages = (b->end - b->start) >> S2_PAGE_SHIFT;
	u32 i;

	if (!b->nr)
		return;
	if (b->nr == 1) {
		tlb->flush_ipa(pgt, b->ent[0] & ~3ULL, b->ent[0] & 3);
		s2_stat_add(pgt, tlbi_ipa, 1);
	} else if (tlb->range_capable &&
		   pages <= S2_TLBI_RANGE_MAX_OPS * S2_TLBI_RANGE_MAX_PAGES) {
		s2_flush_range(pgt, b->start, b->end);
	} else if (!tlb->range_capable && !b->overflow) {
		for (i = 0; i < b->nr; i++)
			tlb->flush_ipa(pgt, b->ent[i] & ~3ULL, b->ent[i] & 3);
		s2_stat_add(pgt, tlbi_ipa, b->nr);
	} else {
		tlb->flush_vmid(pgt);
		s2_stat_add(pgt, tlbi_vmid, 1);
	}
	s2_tlb_reset(b);
}

/*
 * Break-before-make, step 1: replace the valid entry by an invalid one
 * holding the software lock bit.  Hardware ignores an invalid descriptor;
 * shared walkers see the lock and back off with -EAGAIN.
 */
static bool s2_break(const struct s2_visit_ctx *ctx)
{
	/* The old descriptor stays readable in the invalid one, for debug. */
	s2_pte_t locked = (ctx->old & ~S2_PTE_VALID) | S2_PTE_LOCKED;

	if (ctx->flags & S2_WALK_SHARED)
		return cmpxchg(ctx->ptep, ctx->old, locked) == ctx->old;
	WRITE_ONCE(*ctx->ptep, S2_PTE_LOCKED);
	return true;
}

/* Undo a break before anything was made: invalid -> same valid is free. */
static void s2_unbreak(const struct s2_visit_ctx *ctx)
{
	/* Release: orders nothing new, but pairs with the lock's cmpxchg. */
	smp_store_release(ctx->ptep, ctx->old);
}

/*
 * Break-before-make, steps 2 and 3, for an entry s2_break() invalidated and
 * whose old translations are in @op->tlb.  A shared walker invalidates now
 * and publishes @new.  An exclusive operation parks @new in the invalid
 * descriptor (hardware ignores its bits) and makes it valid only after its
 * single batched invalidation (s2_op_finish()): N breaks, one TLBI.
 */
static void s2_make(const struct s2_visit_ctx *ctx, struct s2_op *op,
		    s2_pte_t new)
{
	u64 end = ctx->addr + S2_LEVEL_SIZE(ctx->level);

	s2_stat_bump(&op->stats->bbm, 1);
	op->written = true;
	if (ctx->flags & S2_WALK_SHARED) {
		s2_tlb_flush(op->pgt, &op->tlb);
		/* Release: a new table's entries before the entry naming it. */
		smp_store_release(ctx->ptep, new);
		return;
	}
	WRITE_ONCE(*ctx->ptep, (new & ~S2_PTE_VALID) | S2_PTE_LOCKED);
	op->commit_start = min(op->commit_start, ctx->addr);
	op->commit_end = max(op->commit_end, end);
}

static int s2_commit_walker(const struct s2_visit_ctx *ctx, u32 visit)
{
	s2_pte_t pte = ctx->old;

	if (s2_desc_locked(pte) && (pte & ~S2_PTE_LOCKED)) {
		/*
		 * Release: a subtree built off-line was complete before it
		 * was parked, and a walker that takes no lock (the
		 * oracle's software walk) that sees the entry valid must
		 * see it complete.
		 */
		smp_store_release(ctx->ptep,
				  (pte & ~S2_PTE_LOCKED) | S2_PTE_VALID);
	}
	return S2_WALK_SKIP;
}

/* Drop the page's entry references and free it. */
static void s2_put_table(struct s2_pgtable *pgt, void *page, bool deferred)
{
	int extra = pgt->mm_ops->page_count(page) - 1;

	if (extra)
		s2_ref_add(pgt, page, -extra);
	if (deferred)
		pgt->mm_ops->free_page_deferred(page);
	else
		pgt->mm_ops->free_page(page);
}

struct s2_free_data {
	struct s2_op	*op;
	bool		deferred;
	unsigned long	freed;
};

static int s2_free_walker(const struct s2_visit_ctx *ctx, u32 visit)
{
	struct s2_free_data *d = ctx->arg;

	if (visit == S2_WALK_LEAF) {
		if (s2_desc_valid(ctx->old) && d->op)
			s2_tlb_add(&d->op->tlb, ctx->addr, ctx->level);
		return 0;
	}
	/*
	 * The walk cache may hold this table for any IPA it translates, and
	 * the hinted invalidations of its leaves need not drop that: the
	 * unlinked top entry's own invalidation only reaches the tables on
	 * its IPA's path.
	 */
	if (d->op)
		s2_tlb_add_table(&d->op->tlb, ctx);
	s2_put_table(ctx->pgt, s2_pte_table(ctx->pgt, ctx->old), d->deferred);
	d->freed++;
	return 0;
}

/*
 * Free the unlinked subtree @table (at @level, mapping from @base).  A
 * subtree the hardware may have walked is freed deferred, after the
 * operation's invalidation, and its leaves join @op's batch; a subtree
 * nobody saw (@op NULL) is freed at once.
 */
static unsigned long s2_free_subtree(struct s2_pgtable *pgt, struct s2_op *op,
				     s2_pte_t *table, s8 level, u64 base)
{
	struct s2_free_data d = { .op = op, .deferred = !!op };
	struct s2_walker w = {
		.cb	= s2_free_walker,
		.arg	= &d,
		.flags	= S2_WALK_TABLE_POST | (op ? S2_WALK_LEAF : 0),
	};

	s2_walk_subtree(pgt, table, level, base,
			base + S2_LEVEL_SIZE(level - 1), &w);
	s2_put_table(pgt, table, d.deferred);
	return d.freed + 1;
}

/*
 * Bits a split removes from the leaves it builds, only inside [@start,
 * @end) and, with @mask, only from the pages whose bit is set there (bit
 * i: the page at @base + i pages): a block keeps them elsewhere.
 */
struct s2_split_clear {
	s2_pte_t		bits;
	u64			start;
	u64			end;
	const unsigned long	*mask;
	u64			base;
};

#define S2_MASK_BITS	(8 * sizeof(unsigned long))

static bool s2_mask_test(const unsigned long *mask, u64 i)
{
	return (mask[i / S2_MASK_BITS] >> (i % S2_MASK_BITS)) & 1;
}

/* Is any bit of [@i, @end) set in @mask? */
static bool s2_mask_any(const unsigned long *mask, u64 i, u64 end)
{
	while (i < end) {
		if (!(i % S2_MASK_BITS) && end - i >= S2_MASK_BITS) {
			if (mask[i / S2_MASK_BITS])
				return true;
			i += S2_MASK_BITS;
		} else if (s2_mask_test(mask, i++)) {
			return true;
		}
	}
	return false;
}

/* Does @clr remove its bits from the leaf at @addr, @size bytes? */
static bool s2_split_clears(const struct s2_split_clear *clr, u64 addr,
			    u64 size)
{
	if (!clr || addr < clr->start || addr + size > clr->end)
		return false;
	return !clr->mask ||
	       s2_mask_any(clr->mask, (addr - clr->base) >> S2_PAGE_SHIFT,
			   (addr + size - clr->base) >> S2_PAGE_SHIFT);
}

/*
 * Fill @table, at @level, with the leaves mapping like @first and the
 * next pages or blocks: each entry is the one before plus one step of
 * output address, which never carries out of the address field (a block
 * is aligned to its size).  Then, with @clr, the leaves inside its range
 * lose its bits.
 */
static void s2_fill_leaves(s2_pte_t *table, s2_pte_t first, s8 level,
			   u64 addr, const struct s2_split_clear *clr)
{
	u64 step = S2_LEVEL_SIZE(level), a;
	int i;

	for (i = 0; i < S2_PTRS_PER_TABLE; i++)
		WRITE_ONCE(table[i], first + i * step);
	if (!clr || addr + S2_LEVEL_SIZE(level - 1) <= clr->start ||
	    addr >= clr->end)
		return;
	for (i = 0, a = addr; i < S2_PTRS_PER_TABLE; i++, a += step)
		if (s2_split_clears(clr, a, step))
			WRITE_ONCE(table[i], table[i] & ~clr->bits);
}

/*
 * A table at @level + 1 translating exactly like the block @block at
 * @level, which maps from @addr; with @to_pages, all the way down to 4K
 * pages; with @clr, its leaves inside @clr's range lack @clr's bits.
 * Built off-line, from the memcache only, so it can be swapped in with a
 * single BBM.
 */
static s2_pte_t *s2_replicate_block(struct s2_op *op, s2_pte_t block,
				    s8 level, u64 addr, bool to_pages,
				    const struct s2_split_clear *clr)
{
	struct s2_pgtable *pgt = op->pgt;
	s8 child = level + 1;
	u64 step = S2_LEVEL_SIZE(child);
	s2_pte_t first = s2_leaf_at(block, s2_desc_pa(block), child);
	s2_pte_t *table, *sub;
	int i;

	if (to_pages && child < S2_MAX_LEVEL &&
	    (!op->mc || op->mc->nr < 1 + S2_PTRS_PER_TABLE))
		return NULL;
	table = s2_mc_pop(op);
	if (!table)
		return NULL;
	if (to_pages && child < S2_MAX_LEVEL) {
		for (i = 0; i < S2_PTRS_PER_TABLE; i++) {
			sub = s2_replicate_block(op, first + i * step, child,
						 addr + i * step, true, clr);
			WRITE_ONCE(table[i], s2_make_table(pgt, sub));
		}
	} else {
		s2_fill_leaves(table, first, child, addr, clr);
	}
	s2_ref_add(pgt, table, S2_PTRS_PER_TABLE);
	return table;
}

/* Make the entries the operation parked valid, after its invalidation. */
static void s2_op_commit(struct s2_op *op)
{
	struct s2_walker commit = {
		.cb	= s2_commit_walker,
		.flags	= S2_WALK_LEAF,
	};

	__s2_walk(op->pgt, op->commit_start, op->commit_end - op->commit_start,
		  &commit);
}

/*
 * End the operation whose walk (s2_walk_pgd(), counted here) is done:
 * invalidate, make valid what it parked, count.
 */
static __always_inline void s2_op_finish(struct s2_op *op)
{
	struct s2_pgtable *pgt = op->pgt;

	if (op->tlb.nr)
		s2_tlb_flush(pgt, &op->tlb);
	/* Something parked ends past IPA 0. */
	if (op->commit_end)
		s2_op_commit(op);
	/*
	 * dsb: the new descriptors are visible to the hardware walker
	 * before the faulting vCPU is resumed (D8.2.6).
	 */
	if (op->written)
		dsb(ishst);
	s2_stat_bump(&op->stats->walks, 1);
	if (op->mapped_pages)
		s2_stat_bump(&op->stats->mapped[S2_MAX_LEVEL],
			     op->mapped_pages);
	s2_stats_put(pgt);
}

static int s2_check_range(struct s2_pgtable *pgt, u64 ipa, u64 size)
{
	if (!size || !IS_ALIGNED(ipa | size, S2_PAGE_SIZE))
		return -EINVAL;
	return s2_range_ok(pgt, ipa, size) ? 0 : -ERANGE;
}

/* ------------------------------------------------------------------ */
/* init, destroy, get_leaf                                             */

int s2_pgtable_init(struct s2_pgtable *pgt, u32 ia_bits,
		    const struct s2_mm_ops *mm_ops,
		    const struct s2_tlb_ops *tlb_ops, void *priv)
{
	s8 level;
	u32 entries;

	if (ia_bits < S2_MIN_IA_BITS || ia_bits > S2_MAX_IA_BITS)
		return -EINVAL;
	/*
	 * Fewest levels: the highest start level whose table, with up to 16
	 * pages concatenated (D8.2.7), resolves every bit above it.
	 */
	for (level = 2; level > 0; level--)
		if (ia_bits - S2_LEVEL_SHIFT(level) <= 13)
			break;
	entries = 1U << (ia_bits - S2_LEVEL_SHIFT(level));

	*pgt = (struct s2_pgtable) {
		.ia_bits	= ia_bits,
		.start_level	= level,
		.nr_roots	= max(entries / S2_PTRS_PER_TABLE, 1U),
		.mm_ops		= mm_ops,
		.tlb_ops	= tlb_ops,
		.priv		= priv,
	};
	pgt->stats = alloc_percpu_gfp(struct s2_stats, GFP_KERNEL_ACCOUNT);
	if (!pgt->stats)
		return -ENOMEM;
	pgt->pgd = mm_ops->zalloc_pages_exact(pgt->nr_roots * S2_PAGE_SIZE);
	if (!pgt->pgd) {
		free_percpu(pgt->stats);
		pgt->stats = NULL;
		return -ENOMEM;
	}
	pgt->pgd_phys = mm_ops->virt_to_phys(pgt->pgd);
	pgt->table_va_offset = (uintptr_t)pgt->pgd - pgt->pgd_phys;
	pgt->vtcr = S2_VTCR_T0SZ(ia_bits) |
		    (u64)(2 - level) << S2_VTCR_SL0_SHIFT |
		    S2_VTCR_IRGN0_WBWA | S2_VTCR_ORGN0_WBWA |
		    S2_VTCR_SH0_INNER | S2_VTCR_TG0_4K | S2_VTCR_RES1;
	s2_stat_add(pgt, table_pages, pgt->nr_roots);
	return 0;
}

/*
 * Tables a destroy frees per step: one 1 GiB range, at most 513 pages and
 * 262144 entries read, before the CPU may be given to someone else.
 */
#define S2_DESTROY_STEP		S2_LEVEL_SIZE(1)

static int s2_destroy_walker(const struct s2_visit_ctx *ctx, u32 visit)
{
	unsigned long *freed = ctx->arg;

	/* A table reaching beyond this step is freed by the last one. */
	if (ctx->addr < ctx->start ||
	    ctx->end - ctx->addr < S2_LEVEL_SIZE(ctx->level))
		return 0;
	WRITE_ONCE(*ctx->ptep, 0);
	s2_put_table(ctx->pgt, s2_pte_table(ctx->pgt, ctx->old), false);
	(*freed)++;
	return 0;
}

/* Where the step after @addr starts: past a whole empty root entry. */
static u64 s2_destroy_next(struct s2_pgtable *pgt, u64 addr)
{
	s8 root = pgt->start_level;
	u64 next = addr + S2_DESTROY_STEP;

	if (next < BIT_ULL(pgt->ia_bits) &&
	    S2_LEVEL_SIZE(root) > S2_DESTROY_STEP &&
	    !s2_desc_table(READ_ONCE(pgt->pgd[next >> S2_LEVEL_SHIFT(root)]),
			     root))
		return ALIGN_DOWN(next, S2_LEVEL_SIZE(root)) + S2_LEVEL_SIZE(root);
	return next;
}

unsigned long s2_pgtable_destroy(struct s2_pgtable *pgt)
{
	u64 addr, limit = BIT_ULL(pgt->ia_bits);
	unsigned long freed = 0;
	struct s2_walker w = {
		.cb	= s2_destroy_walker,
		.arg	= &freed,
		.flags	= S2_WALK_TABLE_POST,
	};

	s2_assert_locked(pgt, true);
	if (!pgt->pgd)
		return 0;
	/*
	 * Step by step, rescheduling in between: a table of terabytes must
	 * not hold the CPU.  Only the few tables above the steps are left
	 * for the last walk over everything.
	 */
	for (addr = 0; addr < limit; addr = s2_destroy_next(pgt, addr)) {
		s2_walk_rcu(pgt, addr, S2_DESTROY_STEP, &w);
		cond_resched();
	}
	s2_walk_rcu(pgt, 0, limit, &w);
	pgt->mm_ops->free_pages_exact(pgt->pgd, pgt->nr_roots * S2_PAGE_SIZE);
	pgt->pgd = NULL;
	/* The counters go with the table: a destroyed one reads as zero. */
	free_percpu(pgt->stats);
	pgt->stats = NULL;
	return freed + pgt->nr_roots;
}

struct s2_leaf_data {
	s2_pte_t	pte;
	s8		level;
};

static int s2_get_leaf_walker(const struct s2_visit_ctx *ctx, u32 visit)
{
	struct s2_leaf_data *d = ctx->arg;

	d->pte = ctx->old;
	d->level = ctx->level;
	return 0;
}

int s2_get_leaf(struct s2_pgtable *pgt, u64 ipa, s2_pte_t *ptep, s8 *level)
{
	struct s2_leaf_data d = { 0 };
	int ret;

	/* Read only, under RCU: safe without the lock, so not asserted. */
	rcu_read_lock();
	ret = s2_walk_root(pgt, ALIGN_DOWN(ipa, S2_PAGE_SIZE), S2_PAGE_SIZE,
			   s2_get_leaf_walker, &d,
			   S2_WALK_LEAF | S2_WALK_SHARED | S2_WALK_NO_REFS |
			   S2_WALK_ONE);
	rcu_read_unlock();
	*ptep = ret ? 0 : d.pte;
	*level = ret ? 0 : d.level;
	return ret;
}

/* ------------------------------------------------------------------ */
/* map                                                                 */

struct s2_map_data {
	struct s2_op	op;
	u64		ipa;
	phys_addr_t	pa;
	/* The leaves the map writes, output address aside (s2_leaf_at()). */
	s2_pte_t	attrs;
	u32		flags;
	bool		perms_differ;
	bool		sync_icache;
};

static int s2_map_walker(const struct s2_visit_ctx *ctx, u32 visit);

/* PA that @addr maps to; only meaningful for @addr inside the range. */
static u64 s2_map_pa(const struct s2_map_data *d, u64 addr)
{
	return d->pa + (addr - d->ipa);
}

static bool s2_map_leaf_fits(const struct s2_visit_ctx *ctx,
			     const struct s2_map_data *d)
{
	u64 size = S2_LEVEL_SIZE(ctx->level);

	if (ctx->level < 1)
		return false;
	if (ctx->level < S2_MAX_LEVEL && (d->flags & S2_MAP_FORCE_PTE))
		return false;
	if (ctx->addr < ctx->start || ctx->end - ctx->addr < size)
		return false;
	return IS_ALIGNED(s2_map_pa(d, ctx->addr), size);
}

/*
 * Does the valid leaf @old already translate the part of the range it
 * covers as the map asks?  Returns the leaf the map would have written,
 * or 0 when @old maps that part elsewhere.
 */
static s2_pte_t s2_map_expected(const struct s2_visit_ctx *ctx,
				const struct s2_map_data *d)
{
	u64 lo = max(ctx->addr, ctx->start);
	u64 pa_lo = s2_map_pa(d, lo);
	u64 off = lo - ctx->addr;

	if (pa_lo < off || !IS_ALIGNED(pa_lo - off, S2_LEVEL_SIZE(ctx->level)))
		return 0;
	return s2_leaf_at(d->attrs, pa_lo - off, ctx->level);
}

/* Tables the walk needs from @ctx's level down to the leaf it maps next. */
static int s2_map_tables_needed(const struct s2_visit_ctx *ctx,
				const struct s2_map_data *d)
{
	u64 addr = max(ctx->addr, ctx->start);
	s8 level;

	for (level = ctx->level + 1; level < S2_MAX_LEVEL; level++) {
		u64 size = S2_LEVEL_SIZE(level);

		if (!(d->flags & S2_MAP_FORCE_PTE) &&
		    IS_ALIGNED(addr | s2_map_pa(d, addr), size) &&
		    ctx->end - addr >= size)
			break;
	}
	return level - ctx->level;
}

static int s2_map_new_table(const struct s2_visit_ctx *ctx,
			    struct s2_map_data *d)
{
	s2_pte_t *page;
	s2_pte_t new, cur;

	/*
	 * Allocate the whole path first: a table is installed only if the
	 * leaf below it will be, so a failed map leaves no empty table.
	 */
	if (!d->op.mc || d->op.mc->nr < s2_map_tables_needed(ctx, d))
		return -ENOMEM;
	page = s2_mc_pop(&d->op);
	new = s2_make_table(ctx->pgt, page);
	if (ctx->flags & S2_WALK_SHARED) {
		cur = cmpxchg(ctx->ptep, ctx->old, new);
		if (cur != ctx->old) {
			/* Lost the race: the page is still zero, keep it. */
			s2_mc_push(&d->op, page);
			return s2_desc_table(cur, ctx->level) ? 0 : -EAGAIN;
		}
	} else {
		/* Release: the zeroed page before the entry naming it. */
		smp_store_release(ctx->ptep, new);
	}
	(*ctx->refs)++;
	return 0;
}

/* The valid block @ctx->old is bigger than the map: shatter it. */
static int s2_map_shatter(const struct s2_visit_ctx *ctx,
			  struct s2_map_data *d)
{
	s2_pte_t want = s2_map_expected(ctx, d);
	bool offline = ctx->flags & S2_WALK_OFFLINE;
	struct s2_walker w = {
		.cb	= s2_map_walker,
		.arg	= d,
		.flags	= S2_WALK_LEAF | S2_WALK_TABLE_PRE | S2_WALK_OFFLINE,
	};
	u64 mapped[S2_MAX_LEVEL], pages = d->op.mapped_pages;
	s2_pte_t *table;
	int ret, level;

	if (want == ctx->old)
		return 0;
	if (want && !((want ^ ctx->old) & ~S2_PTE_PERM_MASK)) {
		d->perms_differ = true;
		return 0;
	}
	if (!offline && !s2_break(ctx))
		return -EAGAIN;
	/* Leaves of a subtree that is thrown away were never mapped. */
	for (level = 0; level < S2_MAX_LEVEL; level++)
		mapped[level] = d->op.stats->mapped[level];
	table = s2_replicate_block(&d->op, ctx->old, ctx->level, ctx->addr,
				   false, NULL);
	ret = table ? 0 : -ENOMEM;
	if (table)
		ret = s2_walk_subtree(ctx->pgt, table, ctx->level + 1,
				      max(ctx->addr, ctx->start),
				      min(ctx->addr + S2_LEVEL_SIZE(ctx->level),
					  ctx->end), &w);
	if (ret) {
		for (level = 0; level < S2_MAX_LEVEL; level++)
			WRITE_ONCE(d->op.stats->mapped[level],
				   mapped[level]);
		d->op.mapped_pages = pages;
		if (table)
			s2_op_tables_freed(&d->op,
					   s2_free_subtree(ctx->pgt, NULL, table,
							   ctx->level + 1,
							   ctx->addr));
		if (!offline)
			s2_unbreak(ctx);
		return ret;
	}
	if (offline) {
		WRITE_ONCE(*ctx->ptep, s2_make_table(ctx->pgt, table));
	} else {
		s2_tlb_add(&d->op.tlb, ctx->addr, ctx->level);
		s2_make(ctx, &d->op, s2_make_table(ctx->pgt, table));
	}
	return S2_WALK_SKIP;
}

/*
 * The leaf @leaf at @level is about to let the guest execute from memory
 * it did not execute from through this entry before: the owner makes that
 * memory coherent for instruction fetches first (D-cache clean to the
 * point of unification, I-cache invalidation: the Arm ARM's rules for
 * instruction-cache coherency, which CTR_EL0.IDC/DIC relax), as nothing
 * stops the guest fetching the moment the entry is visible.
 */
static noinline void s2_sync_icache(struct s2_pgtable *pgt, s2_pte_t leaf,
				    s8 level)
{
	u64 size = S2_LEVEL_SIZE(level);
	u64 pa = s2_desc_pa(leaf) & ~(size - 1);

	pgt->mm_ops->icache_sync(pgt, pgt->mm_ops->phys_to_virt(pa), size);
	s2_stat_add(pgt, icache_pages, size >> S2_PAGE_SHIFT);
}

/* A map is about to write the leaf @new: sync it if executable. */
static __always_inline void s2_map_sync(const struct s2_visit_ctx *ctx,
					const struct s2_map_data *d,
					s2_pte_t new)
{
	if (d->sync_icache)
		s2_sync_icache(ctx->pgt, new, ctx->level);
}

/* invalid -> valid needs no BBM (D8.14.1). */
static __always_inline int s2_map_install(const struct s2_visit_ctx *ctx,
					  struct s2_map_data *d, s2_pte_t new)
{
	/* Read before the store, after which it would be read again. */
	s8 level = ctx->level;

	s2_map_sync(ctx, d, new);
	if (ctx->flags & S2_WALK_SHARED) {
		if (cmpxchg(ctx->ptep, ctx->old, new) != ctx->old)
			return -EAGAIN;
	} else {
		WRITE_ONCE(*ctx->ptep, new);
	}
	(*ctx->refs)++;
	s2_op_mapped(&d->op, level);
	d->op.written = true;
	return 0;
}

static int s2_map_set_leaf(const struct s2_visit_ctx *ctx,
			   struct s2_map_data *d)
{
	s2_pte_t new = s2_leaf_at(d->attrs, s2_map_pa(d, ctx->addr),
				  ctx->level);
	s2_pte_t old = ctx->old;

	if (ctx->ptep == d->op.broken) {
		/* TABLE_PRE broke the table this block replaces. */
		d->op.broken = NULL;
		s2_op_mapped(&d->op, ctx->level);
		s2_map_sync(ctx, d, new);
		s2_make(ctx, &d->op, new);
		return 0;
	}
	if (!s2_desc_valid(old))
		return s2_map_install(ctx, d, new);
	if (old == new)
		return 0;
	if (!((old ^ new) & ~S2_PTE_PERM_MASK)) {
		/* Never lower permissions: another vCPU may have raised them. */
		d->perms_differ = true;
		return 0;
	}
	if (ctx->flags & S2_WALK_OFFLINE) {
		s2_op_mapped(&d->op, ctx->level);
		s2_map_sync(ctx, d, new);
		WRITE_ONCE(*ctx->ptep, new);
		return 0;
	}
	/* Different output or memory type: BBM (D8.14.1). */
	if (!s2_break(ctx))
		return -EAGAIN;
	s2_op_mapped(&d->op, ctx->level);
	s2_tlb_add(&d->op.tlb, ctx->addr, ctx->level);
	s2_map_sync(ctx, d, new);
	s2_make(ctx, &d->op, new);
	return 0;
}

/* A block fits where a table is: break the table, free its subtree. */
static int s2_map_table_pre(const struct s2_visit_ctx *ctx,
			    struct s2_map_data *d)
{
	s2_pte_t *child = s2_pte_table(ctx->pgt, ctx->old);

	/*
	 * A shared walker never unlinks a table: another one may be about
	 * to install into it.  It maps the range inside the table instead.
	 */
	if ((ctx->flags & S2_WALK_SHARED) || !s2_map_leaf_fits(ctx, d))
		return 0;
	if (ctx->flags & S2_WALK_OFFLINE) {
		WRITE_ONCE(*ctx->ptep, 0);
		(*ctx->refs)--;
		s2_op_tables_freed(&d->op,
				   s2_free_subtree(ctx->pgt, NULL, child,
						   ctx->level + 1, ctx->addr));
		return 0;
	}
	s2_break(ctx);
	s2_op_tables_freed(&d->op,
			   s2_free_subtree(ctx->pgt, &d->op, child,
					   ctx->level + 1, ctx->addr));
	s2_tlb_add_table(&d->op.tlb, ctx);
	d->op.broken = ctx->ptep;
	return 0;
}

static int s2_map_walker(const struct s2_visit_ctx *ctx, u32 visit)
{
	struct s2_map_data *d = ctx->arg;

	if (visit == S2_WALK_TABLE_PRE)
		return s2_map_table_pre(ctx, d);
	if (s2_desc_locked(ctx->old) && ctx->ptep != d->op.broken)
		return (ctx->flags & S2_WALK_SHARED) ? -EAGAIN : -EBUSY;
	if (s2_map_leaf_fits(ctx, d))
		return s2_map_set_leaf(ctx, d);
	if (!s2_desc_valid(ctx->old))
		return s2_map_new_table(ctx, d);
	return s2_map_shatter(ctx, d);
}

/*
 * s2_map_walker() as s2_map()'s walk calls it: what a fault or a bulk map
 * meets at almost every entry is decided here, inlined into the walk, and
 * only the rest goes out of line.
 */
static __always_inline int s2_map_visit(const struct s2_visit_ctx *ctx,
					u32 visit)
{
	struct s2_map_data *d = ctx->arg;
	s2_pte_t new;

	if (visit == S2_WALK_TABLE_PRE) {
		/* Only a block covering the whole table may replace it. */
		if ((ctx->flags & S2_WALK_SHARED) || ctx->addr < ctx->start ||
		    ctx->end - ctx->addr < S2_LEVEL_SIZE(ctx->level))
			return 0;
	} else if (ctx->level == S2_MAX_LEVEL) {
		/*
		 * A page inside the range: the leaf always fits (and no
		 * TABLE_PRE visit broke a table here: there is none).
		 */
		new = s2_leaf_at(d->attrs, s2_map_pa(d, ctx->addr),
				 S2_MAX_LEVEL);
		if (!ctx->old)
			return s2_map_install(ctx, d, new);
		if (ctx->old == new)
			return 0;
	}
	return s2_map_walker(ctx, visit);
}

int s2_map(struct s2_pgtable *pgt, u64 ipa, u64 size, phys_addr_t pa,
	   u32 prot, struct s2_memcache *mc, u32 flags)
{
	struct s2_map_data d;
	bool unchanged;
	int ret;

	s2_assert_locked_for(pgt, flags);
	ret = s2_check_range(pgt, ipa, size);
	if (ret)
		return ret;
	/*
	 * The output must end within 48 bits.  @size is at most 2^48 (the
	 * range is), so one comparison says so, wrap-around included.
	 */
	if (!IS_ALIGNED(pa, S2_PAGE_SIZE) || pa > BIT_ULL(48) - size)
		return -EINVAL;
	/* Field by field: a designated initialiser would clear the batch. */
	d.ipa = ipa;
	d.pa = pa;
	d.attrs = s2_leaf_attrs(prot | S2_PROT_AF, pgt->fwb);
	d.sync_icache = pgt->sync_icache && (prot & S2_PROT_X);
	d.flags = flags;
	d.perms_differ = false;
	s2_op_init(&d.op, pgt, mc);
	rcu_read_lock();
	/*
	 * A page never replaces a table (no block is that small): its walk
	 * makes no TABLE_PRE visits.
	 */
	if (size == S2_PAGE_SIZE)
		ret = s2_walk_pgd(pgt, ipa, S2_PAGE_SIZE, s2_map_visit, &d,
				  S2_WALK_LEAF | S2_WALK_ONE |
				  (flags & S2_WALK_SHARED));
	else
		ret = s2_walk_pgd(pgt, ipa, size, s2_map_visit, &d,
				  S2_WALK_LEAF | S2_WALK_TABLE_PRE |
				  (flags & S2_WALK_SHARED));
	unchanged = ret >= 0 && !d.perms_differ && !d.op.written;
	if (ret == -EAGAIN)
		s2_stat_bump(&d.op.stats->retries, 1);
	if (unchanged)
		s2_stat_bump(&d.op.stats->unchanged, 1);
	s2_op_finish(&d.op);
	rcu_read_unlock();
	if (ret < 0)
		return ret;
	/* Said even when others were written: those entries lack @prot. */
	if (d.perms_differ)
		return S2_PERMS_DIFFER;
	return unchanged ? S2_UNCHANGED : 0;
}

/* ------------------------------------------------------------------ */
/* unmap                                                               */

struct s2_unmap_data {
	struct s2_op	op;
};

static int s2_unmap_walker(const struct s2_visit_ctx *ctx, u32 visit);

/* Unmap part of a block: a copy without that part, one BBM. */
static int s2_unmap_shatter(const struct s2_visit_ctx *ctx,
			    struct s2_unmap_data *d)
{
	bool offline = ctx->flags & S2_WALK_OFFLINE;
	struct s2_walker w = {
		.cb	= s2_unmap_walker,
		.arg	= d,
		.flags	= S2_WALK_LEAF | S2_WALK_TABLE_POST | S2_WALK_OFFLINE,
	};
	s2_pte_t *table;

	table = s2_replicate_block(&d->op, ctx->old, ctx->level, ctx->addr,
				   false, NULL);
	if (!table)
		return -ENOMEM;
	if (s2_walk_subtree(ctx->pgt, table, ctx->level + 1,
			    max(ctx->addr, ctx->start),
			    min(ctx->addr + S2_LEVEL_SIZE(ctx->level),
				ctx->end), &w)) {
		s2_op_tables_freed(&d->op,
				   s2_free_subtree(ctx->pgt, NULL, table,
						   ctx->level + 1, ctx->addr));
		return -ENOMEM;
	}
	if (offline) {
		WRITE_ONCE(*ctx->ptep, s2_make_table(ctx->pgt, table));
	} else {
		s2_break(ctx);
		s2_tlb_add(&d->op.tlb, ctx->addr, ctx->level);
		s2_make(ctx, &d->op, s2_make_table(ctx->pgt, table));
	}
	return S2_WALK_SKIP;
}

static int s2_unmap_walker(const struct s2_visit_ctx *ctx, u32 visit)
{
	struct s2_unmap_data *d = ctx->arg;
	bool offline = ctx->flags & S2_WALK_OFFLINE;
	s2_pte_t *child;

	if (visit == S2_WALK_TABLE_POST) {
		child = s2_pte_table(ctx->pgt, ctx->old);
		if (ctx->pgt->mm_ops->page_count(child) != 1)
			return 0;
		/* Empty: unlink it; the walk cache may hold it (no hint). */
		WRITE_ONCE(*ctx->ptep, 0);
		(*ctx->refs)--;
		if (!offline)
			s2_tlb_add_table(&d->op.tlb, ctx);
		s2_put_table(ctx->pgt, child, !offline);
		s2_stat_tables(d->op.stats, -1);
		return 0;
	}
	if (WARN_ON(s2_desc_locked(ctx->old)))
		return -EBUSY;
	if (!s2_desc_valid(ctx->old))
		return 0;
	if (ctx->addr < ctx->start ||
	    ctx->end - ctx->addr < S2_LEVEL_SIZE(ctx->level))
		return s2_unmap_shatter(ctx, d);
	/* valid -> invalid needs no BBM, only the invalidation (D8.14.1). */
	WRITE_ONCE(*ctx->ptep, 0);
	(*ctx->refs)--;
	d->op.written = true;
	if (!offline)
		s2_tlb_add(&d->op.tlb, ctx->addr, ctx->level);
	return 0;
}

/*
 * s2_unmap_walker() as s2_unmap_mc()'s walk calls it: an empty entry, or
 * a leaf wholly inside the range, is decided inlined into the walk.
 */
static __always_inline int s2_unmap_visit(const struct s2_visit_ctx *ctx,
					  u32 visit)
{
	struct s2_unmap_data *d = ctx->arg;

	if (visit != S2_WALK_LEAF)
		return s2_unmap_walker(ctx, visit);
	if (!ctx->old)
		return 0;
	if (!s2_desc_valid(ctx->old) || ctx->addr < ctx->start ||
	    ctx->end - ctx->addr < S2_LEVEL_SIZE(ctx->level))
		return s2_unmap_walker(ctx, visit);
	/* valid -> invalid needs no BBM, only the invalidation (D8.14.1). */
	WRITE_ONCE(*ctx->ptep, 0);
	(*ctx->refs)--;
	d->op.written = true;
	s2_tlb_add(&d->op.tlb, ctx->addr, ctx->level);
	return 0;
}

int s2_unmap_mc(struct s2_pgtable *pgt, u64 ipa, u64 size,
		struct s2_memcache *mc)
{
	struct s2_unmap_data d;
	int ret;

	s2_assert_locked(pgt, true);
	ret = s2_check_range(pgt, ipa, size);
	if (ret)
		return ret;
	s2_op_init(&d.op, pgt, mc);
	/*
	 * Unlinked tables are freed after a grace period that cannot end
	 * before this read-side section, so after the invalidation below.
	 */
	rcu_read_lock();
	ret = s2_walk_pgd(pgt, ipa, size, s2_unmap_visit, &d,
			  S2_WALK_LEAF | S2_WALK_TABLE_POST);
	s2_op_finish(&d.op);
	rcu_read_unlock();
	return ret;
}

int s2_unmap(struct s2_pgtable *pgt, u64 ipa, u64 size)
{
	return s2_unmap_mc(pgt, ipa, size, NULL);
}

/* ------------------------------------------------------------------ */
/* wrprotect, relax_perms, mkyoung, test_clear_young                   */

/*
 * Run one exclusive leaf walk as a single operation: every invalidation it
 * owes, and every BBM it parked, ends in one batched flush.
 */
static __always_inline int s2_exclusive_op(struct s2_pgtable *pgt, u64 ipa,
					   u64 size, struct s2_memcache *mc,
					   s2_visitor_fn cb, u32 flags)
{
	struct s2_op op;
	int ret;

	s2_assert_locked(pgt, true);
	ret = s2_check_range(pgt, ipa, size);
	if (ret)
		return ret;
	s2_op_init(&op, pgt, mc);
	rcu_read_lock();
	ret = s2_walk_pgd(pgt, ipa, size, cb, &op, S2_WALK_LEAF | flags);
	s2_op_finish(&op);
	rcu_read_unlock();
	return ret;
}

static int s2_wrprotect_leaf(const struct s2_visit_ctx *ctx, struct s2_op *op)
{
	/* Only valid leaves with write permission change. */
	if ((ctx->old & (S2_PTE_VALID | S2_PTE_S2AP_W)) !=
	    (S2_PTE_VALID | S2_PTE_S2AP_W))
		return 0;
	/* Lowering permissions needs no BBM, only the invalidation. */
	WRITE_ONCE(*ctx->ptep, ctx->old & ~S2_PTE_S2AP_W);
	op->written = true;
	s2_tlb_add(&op->tlb, ctx->addr, ctx->level);
	return 0;
}

static int s2_wrprotect_walker(const struct s2_visit_ctx *ctx, u32 visit)
{
	return s2_wrprotect_leaf(ctx, ctx->arg);
}

int s2_wrprotect(struct s2_pgtable *pgt, u64 ipa, u64 size)
{
	/* It only lowers permissions in place: no entry comes or goes. */
	return s2_exclusive_op(pgt, ipa, size, NULL, s2_wrprotect_walker,
			       S2_WALK_NO_REFS);
}

struct s2_relax_data {
	s2_pte_t	set;
	s2_pte_t	clear;
	s8		level;
	bool		changed;
	bool		sync_icache;
	u64		leaf_size;	/* 0, or the only leaf size relaxed */
	u64		page;		/* with @leaf_size: the page, and */
	phys_addr_t	page_pa;	/* what the leaf must map it to */
};

static __always_inline int s2_relax_walker(const struct s2_visit_ctx *ctx,
					   u32 visit)
{
	struct s2_relax_data *d = ctx->arg;
	s2_pte_t new = (ctx->old | d->set) & ~d->clear;

	if (s2_desc_locked(ctx->old))
		return -EAGAIN;
	if (!s2_desc_valid(ctx->old))
		return -ENOENT;
	d->level = ctx->level;
	if (d->leaf_size && S2_LEVEL_SIZE(ctx->level) != d->leaf_size)
		return -E2BIG;
	if (d->leaf_size &&
	    s2_desc_leaf_pa(ctx->old, ctx->level, d->page) != d->page_pa)
		return -ESTALE;
	if (new == ctx->old)
		return 0;
	if (d->sync_icache && (ctx->old & S2_PTE_XN) && !(new & S2_PTE_XN))
		s2_sync_icache(ctx->pgt, ctx->old, ctx->level);
	/* Raising permissions or setting AF needs no BBM (D8.14.1). */
	if (ctx->flags & S2_WALK_SHARED) {
		if (cmpxchg(ctx->ptep, ctx->old, new) != ctx->old)
			return -EAGAIN;
	} else {
		WRITE_ONCE(*ctx->ptep, new);
	}
	d->changed = true;
	return 0;
}

/*
 * After a relax_perms that changed the entry: other CPUs may keep the
 * old, weaker entry and fault once more, but this one must not loop on
 * its stale TLB entry.  Invalidated here, or by the caller (@flags has
 * %S2_RELAX_LOCAL_BY_CALLER); returns whether the backend has a local
 * invalidation, counted either way.
 */
static bool s2_relax_flush_local(struct s2_pgtable *pgt, u64 page, s8 level,
				 u32 flags)
{
	if (!pgt->tlb_ops->flush_ipa_local)
		return false;
	if (!(flags & S2_RELAX_LOCAL_BY_CALLER))
		pgt->tlb_ops->flush_ipa_local(pgt, page, level);
	return true;
}

/*
 * Inlined: s2_relax_perms() (@perms) and s2_mkyoung() each get their own
 * walk.  The counts go in together at the end.
 */
static __always_inline int s2_relax(struct s2_pgtable *pgt, u64 ipa,
				    struct s2_relax_data *d, u32 flags,
				    bool perms)
{
	u64 page = ALIGN_DOWN(ipa, S2_PAGE_SIZE);
	bool flushed = false;
	struct s2_stats *s;
	int ret;

	s2_assert_locked_for(pgt, flags);
	if (!s2_range_ok(pgt, page, S2_PAGE_SIZE))
		return -ERANGE;
	rcu_read_lock();
	ret = s2_walk_pgd(pgt, page, S2_PAGE_SIZE, s2_relax_walker, d,
			  S2_WALK_LEAF | S2_WALK_NO_REFS | S2_WALK_ONE |
			  (flags & S2_WALK_SHARED));
	rcu_read_unlock();
	if (perms && !ret && d->changed)
		flushed = s2_relax_flush_local(pgt, page, d->level, flags);
	s = s2_stats_get(pgt);
	s2_stat_bump(&s->walks, 1);
	if (ret == -EAGAIN)
		s2_stat_bump(&s->retries, 1);
	if (!ret && !d->changed)
		s2_stat_bump(&s->unchanged, 1);
	if (perms && !ret && d->changed)
		s2_stat_bump(&s->relax_perms, 1);
	if (flushed)
		s2_stat_bump(&s->tlbi_local, 1);
	s2_stats_put(pgt);
	if (ret)
		return ret;
	return d->changed ? 0 : S2_UNCHANGED;
}

static __always_inline void s2_relax_prot(struct s2_pgtable *pgt,
					  struct s2_relax_data *d, u32 prot)
{
	d->set = S2_PTE_AF;
	if (prot & S2_PROT_R)
		d->set |= S2_PTE_S2AP_R;
	if (prot & S2_PROT_W)
		d->set |= S2_PTE_S2AP_W;
	if (prot & S2_PROT_X) {
		d->clear |= S2_PTE_XN;
		d->sync_icache = pgt->sync_icache;
	}
}

int s2_relax_perms(struct s2_pgtable *pgt, u64 ipa, u32 prot, u32 flags)
{
	struct s2_relax_data d = { 0 };

	s2_relax_prot(pgt, &d, prot);
	return s2_relax(pgt, ipa, &d, flags, true);
}

int s2_relax_perms_of(struct s2_pgtable *pgt, u64 ipa, phys_addr_t pa,
		      u64 size, u32 prot, u32 flags)
{
	struct s2_relax_data d = { 0 };

	if ((size != S2_LEVEL_SIZE(S2_MAX_LEVEL) &&
	     size != S2_LEVEL_SIZE(S2_MAX_LEVEL - 1)) ||
	    !IS_ALIGNED(pa, S2_PAGE_SIZE))
		return -EINVAL;
	s2_relax_prot(pgt, &d, prot);
	d.leaf_size = size;
	d.page = ALIGN_DOWN(ipa, S2_PAGE_SIZE);
	d.page_pa = pa;
	return s2_relax(pgt, ipa, &d, flags, true);
}

int s2_mkyoung(struct s2_pgtable *pgt, u64 ipa, u32 flags)
{
	struct s2_relax_data d = { .set = S2_PTE_AF };

	/* An entry with AF clear is never cached in a TLB: no TLBI. */
	return s2_relax(pgt, ipa, &d, flags, false);
}

struct s2_young_data {
	struct s2_op	op;
	bool		clear;
	u64		young;
};

static int s2_young_walker(const struct s2_visit_ctx *ctx, u32 visit)
{
	struct s2_young_data *d = ctx->arg;
	s2_pte_t old = ctx->old;

	/* Shared: a fault may set AF or replace the entry meanwhile. */
	while (s2_desc_valid(old) && (old & S2_PTE_AF)) {
		if (!d->clear) {
			d->young++;
			return 0;
		}
		if (cmpxchg(ctx->ptep, old, old & ~S2_PTE_AF) == old) {
			d->young++;
			s2_tlb_add(&d->op.tlb, ctx->addr, ctx->level);
			return 0;
		}
		old = READ_ONCE(*ctx->ptep);
	}
	return 0;
}

u64 s2_test_clear_young(struct s2_pgtable *pgt, u64 ipa, u64 size,
			bool clear)
{
	struct s2_young_data d;

	s2_assert_locked(pgt, false);
	if (s2_check_range(pgt, ipa, size))
		return 0;
	d.clear = clear;
	d.young = 0;
	s2_op_init(&d.op, pgt, NULL);
	rcu_read_lock();
	s2_walk_pgd(pgt, ipa, size, s2_young_walker, &d,
		    S2_WALK_LEAF | S2_WALK_SHARED | S2_WALK_NO_REFS);
	s2_op_finish(&d.op);
	rcu_read_unlock();
	return d.young;
}

/* ------------------------------------------------------------------ */
/* split                                                               */

/*
 * Replace the block by a subtree of pages built off-line (whose leaves
 * inside @clr's range lack its bits).  The new subtree is made valid only
 * after the operation's single invalidation, which covers the block's old
 * translations.
 */
static int s2_split_block(const struct s2_visit_ctx *ctx, struct s2_op *op,
			  const struct s2_split_clear *clr)
{
	s2_pte_t *table;

	table = s2_replicate_block(op, ctx->old, ctx->level, ctx->addr, true,
				   clr);
	if (!table)
		return -ENOMEM;
	/* Block -> table is a change of block size: BBM (D8.14.1). */
	s2_break(ctx);
	s2_tlb_add(&op->tlb, ctx->addr, ctx->level);
	s2_make(ctx, op, s2_make_table(ctx->pgt, table));
	return S2_WALK_SKIP;
}

static int s2_split_walker(const struct s2_visit_ctx *ctx, u32 visit)
{
	if (!s2_desc_valid(ctx->old) || ctx->level == S2_MAX_LEVEL)
		return 0;
	return s2_split_block(ctx, ctx->arg, NULL);
}

int s2_split(struct s2_pgtable *pgt, u64 ipa, u64 size,
	     struct s2_memcache *mc)
{
	return s2_exclusive_op(pgt, ipa, size, mc, s2_split_walker, 0);
}

/*
 * Dirty logging wants both: pages already mapped lose W in place, blocks
 * become pages, read-only inside the range.  Done in one walk, the
 * lowered pages and the broken blocks share one invalidation instead of
 * one each.  A block sticking out of the range keeps W outside it: a
 * manual-protect CLEAR of part of a block must not protect (and so cost
 * a fault to) pages still dirty in the log.
 */
static int s2_split_wrprotect_walker(const struct s2_visit_ctx *ctx,
				     u32 visit)
{
	struct s2_split_clear clr = {
		.bits = S2_PTE_S2AP_W, .start = ctx->start, .end = ctx->end,
	};

	if (!s2_desc_valid(ctx->old))
		return 0;
	if (ctx->level == S2_MAX_LEVEL)
		return s2_wrprotect_leaf(ctx, ctx->arg);
	return s2_split_block(ctx, ctx->arg, &clr);
}

int s2_split_wrprotect(struct s2_pgtable *pgt, u64 ipa, u64 size,
		       struct s2_memcache *mc)
{
	return s2_exclusive_op(pgt, ipa, size, mc, s2_split_wrprotect_walker,
			       0);
}

struct s2_wp_mask_data {
	struct s2_op		op;
	struct s2_split_clear	clr;
	u64			leaves;
	u64			protected;
};

/* Bits set in [@i, @end) of @mask. */
static u64 s2_mask_weight(const unsigned long *mask, u64 i, u64 end)
{
	u64 n = 0;

	for (; i < end; i++)
		n += s2_mask_test(mask, i);
	return n;
}

/*
 * The last-level table @ptes, mapping from @addr: only the entries whose
 * bits are set are looked at, found a mask word at a time (a word of
 * zeroes costs one load), and those with write permission lose it in
 * place.  The walker would visit all 512 entries, each through a call.
 */
static void s2_wp_mask_ptes(struct s2_wp_mask_data *d, s2_pte_t *ptes,
			    u64 addr)
{
	const struct s2_split_clear *clr = &d->clr;
	u64 lo = max(addr, clr->start);
	u64 hi = min(addr + S2_LEVEL_SIZE(S2_MAX_LEVEL - 1), clr->end);
	u64 i = (lo - clr->base) >> S2_PAGE_SHIFT;
	u64 end = (hi - clr->base) >> S2_PAGE_SHIFT;
	unsigned long word;
	u64 n, ipa;
	s2_pte_t *ptep, old;

	for (; i < end; i += n) {
		n = min(S2_MASK_BITS - i % S2_MASK_BITS, end - i);
		word = clr->mask[i / S2_MASK_BITS] >> (i % S2_MASK_BITS);
		if (n < S2_MASK_BITS)
			word &= (1UL << n) - 1;
		for (; word; word &= word - 1) {
			ipa = clr->base + ((i + __builtin_ctzl(word)) << S2_PAGE_SHIFT);
			ptep = &ptes[(ipa - addr) >> S2_PAGE_SHIFT];
			old = READ_ONCE(*ptep);
			d->leaves++;
			if ((old & (S2_PTE_VALID | S2_PTE_S2AP_W)) !=
			    (S2_PTE_VALID | S2_PTE_S2AP_W))
				continue;
			/* Lowering permissions: no BBM, the invalidation. */
			WRITE_ONCE(*ptep, old & ~S2_PTE_S2AP_W);
			d->protected++;
			d->op.written = true;
			s2_tlb_add(&d->op.tlb, ipa, S2_MAX_LEVEL);
		}
	}
}

/*
 * Only leaves mapping a page whose bit is set change: a page loses W in
 * place, a block is split and only those of its pages lose W.  A table
 * mapping no such page is not entered; a last-level table is done by
 * s2_wp_mask_ptes() from its parent entry.
 */
static int s2_wrprotect_mask_walker(const struct s2_visit_ctx *ctx, u32 visit)
{
	struct s2_wp_mask_data *d = ctx->arg;
	const struct s2_split_clear *clr = &d->clr;
	u64 lo = max(ctx->addr, clr->start);
	u64 hi = min(ctx->addr + S2_LEVEL_SIZE(ctx->level), clr->end);
	u64 i = (lo - clr->base) >> S2_PAGE_SHIFT;
	u64 end = (hi - clr->base) >> S2_PAGE_SHIFT;

	if (visit == S2_WALK_TABLE_PRE && ctx->level == S2_MAX_LEVEL - 1) {
		s2_wp_mask_ptes(d, s2_pte_table(ctx->pgt, ctx->old), ctx->addr);
		return S2_WALK_SKIP;
	}
	if (visit == S2_WALK_TABLE_PRE)
		return s2_mask_any(clr->mask, i, end) ? 0 : S2_WALK_SKIP;
	d->leaves++;
	if (!s2_desc_valid(ctx->old) || !s2_mask_any(clr->mask, i, end))
		return 0;
	if (ctx->old & S2_PTE_S2AP_W)
		d->protected += s2_mask_weight(clr->mask, i, end);
	if (ctx->level == S2_MAX_LEVEL)
		return s2_wrprotect_leaf(ctx, &d->op);
	return s2_split_block(ctx, &d->op, clr);
}

/* Word @w of @mask, its bits at and past @nbits cleared. */
static unsigned long s2_mask_word(const unsigned long *mask, u64 w, u64 nbits)
{
	unsigned long word = mask[w];

	if ((w + 1) * S2_MASK_BITS > nbits)
		word &= (1UL << (nbits % S2_MASK_BITS)) - 1;
	return word;
}

int s2_wrprotect_mask(struct s2_pgtable *pgt, u64 base, u64 nbits,
		      const unsigned long *mask, struct s2_memcache *mc)
{
	struct s2_wp_mask_data d = {
		.clr = { .bits = S2_PTE_S2AP_W, .mask = mask, .base = base },
	};
	u64 words = (nbits + S2_MASK_BITS - 1) / S2_MASK_BITS, w, first, last;
	int ret;

	s2_assert_locked(pgt, true);
	for (w = 0; w < words && !s2_mask_word(mask, w, nbits); w++)
		;
	if (w == words)
		return 0;
	first = w * S2_MASK_BITS + __builtin_ctzl(s2_mask_word(mask, w, nbits));
	for (w = words - 1; !s2_mask_word(mask, w, nbits); w--)
		;
	last = w * S2_MASK_BITS + S2_MASK_BITS - 1 -
	       __builtin_clzl(s2_mask_word(mask, w, nbits));
	d.clr.start = base + (first << S2_PAGE_SHIFT);
	d.clr.end = base + ((last + 1) << S2_PAGE_SHIFT);
	ret = s2_check_range(pgt, d.clr.start, d.clr.end - d.clr.start);
	if (ret)
		return ret;
	s2_op_init(&d.op, pgt, mc);
	rcu_read_lock();
	ret = s2_walk_pgd(pgt, d.clr.start, d.clr.end - d.clr.start,
			  s2_wrprotect_mask_walker, &d,
			  S2_WALK_LEAF | S2_WALK_TABLE_PRE);
	s2_op_finish(&d.op);
	rcu_read_unlock();
	s2_stat_add(pgt, wp_mask_walks, 1);
	s2_stat_add(pgt, wp_mask_leaves, d.leaves);
	s2_stat_add(pgt, wp_mask_protected, d.protected);
	return ret;
}

/* ------------------------------------------------------------------ */
/* memcache                                                            */

int s2_memcache_topup(struct s2_memcache *mc, int min,
		      const struct s2_mm_ops *mm_ops, void *arg)
{
	void *page;

	if (min > (int)ARRAY_SIZE(mc->pages))
		return -EINVAL;
	while (mc->nr < min) {
		page = mm_ops->zalloc_page(arg);
		if (!page)
			return -ENOMEM;
		mc->pages[mc->nr++] = page;
	}
	return 0;
}

void s2_memcache_drain(struct s2_memcache *mc, const struct s2_mm_ops *mm_ops)
{
	while (mc->nr)
		mm_ops->free_page(mc->pages[--mc->nr]);
}
