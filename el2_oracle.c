// SPDX-License-Identifier: GPL-2.0
/*
 * s2mmu EL2 oracle: a test interface.  S2MMU_DEBUG_TABLE_OP builds a
 * second stage-2 table per VM (the debug table) through the engine, and
 * S2MMU_HW_TRANSLATE translates IPAs of the VM's table or of the debug
 * table with the hardware's own walker (AT S12E1R/W, in el2.c's window)
 * and with the software walker, and judges the two answers.
 * See Documentation/el2.rst.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/rwsem.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/processor.h>

#include <uapi/linux/s2mmu.h>
#include "s2mmu.h"
#include "s2mmu_el2.h"
#include "s2mmu_lockrank.h"

/* One VM's debug table may hold this many table pages (64 MiB). */
#define ORACLE_DBG_MAX_PAGES		16384

/* Memcache refills one debug operation may ask for before giving up. */
#define ORACLE_DBG_MAX_NOMEM_TRIES	1000

/* Entries translated per exception-masked window. */
#define ORACLE_CHUNK		32

/**
 * struct s2mmu_el2_dbg - the debug table of a VM (S2MMU_DEBUG_TABLE_OP)
 * @pgt: the table
 * @tlb: its TLB backend and VMID
 * @has_vmid: @tlb.vmid came from the allocator
 * @lock: read side for shared-mode operations and translations, write
 *	side for exclusive operations and reset
 * @counts: what translations on this table found
 * @pages: the table pages it holds, against its own budget: one VM's
 *	debug table never starves another's
 * @ia_bits: the table's IPA size (the VM's)
 * @dead: a reset could not allocate the new root: every use fails
 */
struct s2mmu_el2_dbg {
	struct s2_pgtable	pgt;
	struct s2mmu_el2_tlb	tlb;
	bool			has_vmid;
	struct rw_semaphore	lock;
	struct s2mmu_hwt_counts	counts;
	struct s2mmu_page_counter pages;
	u32			ia_bits;
	bool			dead;
};

/* ---- The debug table ----------------------------------------- */

/* The engine's lock rules on the debug table: @lock plays the MMU lock. */
static void oracle_dbg_assert_locked(struct s2_pgtable *pgt, bool exclusive)
{
	struct s2mmu_el2_dbg *d = pgt->priv;

	if (exclusive)
		lockdep_assert_held_write(&d->lock);
	else
		lockdep_assert_held(&d->lock);
}

static struct s2mmu_el2_dbg *oracle_dbg_get(struct s2mmu_el2_vm *ev, u32 ia_bits)
{
	struct s2mmu_el2_dbg *d;
	int ret;

	s2mmu_mutex_lock(&ev->dbg_lock, S2MMU_RANK_EL2_DBG_LOCK);
	d = ev->dbg;
	if (d)
		goto out;
	d = kzalloc(sizeof(*d), GFP_KERNEL_ACCOUNT);
	if (!d) {
		d = ERR_PTR(-ENOMEM);
		goto out;
	}
	init_rwsem(&d->lock);
	atomic_long_set(&d->pages.nr, 0);
	d->pages.limit = ORACLE_DBG_MAX_PAGES;
	d->ia_bits = ia_bits;
	s2mmu_el2_tlb_init(&d->tlb);
	if (s2mmu_el2_hw) {
		ret = s2mmu_el2_vmid_get(&d->tlb, &d->has_vmid);
		if (ret)
			goto err_free;
	}
	ret = s2_pgtable_init(&d->pgt, ia_bits, &s2mmu_table_mm_ops,
			      &d->tlb.ops, d);
	if (ret)
		goto err_vmid;
	d->pgt.assert_locked = oracle_dbg_assert_locked;
	/* The VM's encoding: its windows set HCR_EL2.FWB for both tables. */
	d->pgt.fwb = ev->fwb;
	ev->dbg = d;
	goto out;

err_vmid:
	s2mmu_el2_vmid_put(&d->tlb, d->has_vmid);
err_free:
	kfree(d);
	d = ERR_PTR(ret == -ENOMEM ? -ENOSPC : ret);
out:
	s2mmu_mutex_unlock(&ev->dbg_lock, S2MMU_RANK_EL2_DBG_LOCK);
	return d;
}

void s2mmu_el2_dbg_destroy(struct s2mmu_el2_dbg *d)
{
	d->pgt.assert_locked = NULL;	/* the VM is going: no other user */
	if (!d->dead)
		s2_pgtable_destroy(&d->pgt);
	s2mmu_el2_vmid_put(&d->tlb, d->has_vmid);
	/*
	 * Pages that shared operations freed through RCU are still charged
	 * to @d->pages, which their callbacks uncharge: wait for them.
	 */
	if (atomic_long_read(&d->pages.nr))
		rcu_barrier();
	kfree(d);
}

static u32 oracle_dbg_prot(u32 uprot)
{
	u32 prot = 0;

	if (uprot & S2MMU_DBG_PROT_R)
		prot |= S2_PROT_R;
	if (uprot & S2MMU_DBG_PROT_W)
		prot |= S2_PROT_W;
	if (uprot & S2MMU_DBG_PROT_X)
		prot |= S2_PROT_X;
	if (uprot & S2MMU_DBG_PROT_DEVICE)
		prot |= S2_PROT_DEVICE;
	if (uprot & S2MMU_DBG_PROT_NC)
		prot |= S2_PROT_NC;
	return prot;
}

/*
 * Highest output address a MAP may reach: descriptors without LPA2 hold
 * 48 address bits, and VTCR_EL2.PS never says more than 48 here.
 */
static u64 oracle_dbg_oa_limit(void)
{
	return BIT_ULL(min_t(u32, s2mmu_cpu.pa_bits, 48));
}

/* The operations that take a range of IPAs; RELAX and MKYOUNG take one. */
static bool oracle_dbg_has_range(u32 op)
{
	return op != S2MMU_DBG_RELAX && op != S2MMU_DBG_MKYOUNG &&
	       op != S2MMU_DBG_RESET;
}

/*
 * Every field, before the table is created or touched: a rejected call
 * changes nothing (-EINVAL for a bad field, -ERANGE beyond the IPA size).
 */
static int oracle_dbg_check(const struct s2mmu_debug_table_op *op, u32 ia_bits)
{
	u64 limit = BIT_ULL(ia_bits);
	const u32 prots = S2MMU_DBG_PROT_R | S2MMU_DBG_PROT_W |
			  S2MMU_DBG_PROT_X | S2MMU_DBG_PROT_DEVICE |
			  S2MMU_DBG_PROT_NC;
	unsigned int i;

	if (op->op > S2MMU_DBG_RESET || op->reserved0 ||
	    (op->flags & ~(S2MMU_DBG_SHARED | S2MMU_DBG_FORCE_PTE)) ||
	    (op->prot & ~prots))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(op->reserved); i++)
		if (op->reserved[i])
			return -EINVAL;
	if ((op->prot & S2MMU_DBG_PROT_DEVICE) && (op->prot & S2MMU_DBG_PROT_NC))
		return -EINVAL;
	/*
	 * Only the operations a fault makes may run on the read side: an
	 * exclusive one there would free tables other walkers still use.
	 */
	if ((op->flags & S2MMU_DBG_SHARED) && op->op != S2MMU_DBG_MAP &&
	    op->op != S2MMU_DBG_RELAX && op->op != S2MMU_DBG_MKYOUNG)
		return -EINVAL;
	if ((op->ipa | op->size | op->pa) & (S2_PAGE_SIZE - 1))
		return -EINVAL;
	if (op->ipa + op->size < op->ipa)
		return -EINVAL;
	if (op->op == S2MMU_DBG_MAP &&
	    (op->pa + op->size < op->pa || op->pa + op->size > oracle_dbg_oa_limit()))
		return -EINVAL;
	if (op->op == S2MMU_DBG_RESET)
		return 0;
	if (oracle_dbg_has_range(op->op) && !op->size)
		return -EINVAL;
	if (op->ipa >= limit || (oracle_dbg_has_range(op->op) && op->size > limit - op->ipa))
		return -ERANGE;
	return 0;
}

/* Table pages a memcache needs before @op can start; 0: none. */
static int oracle_dbg_memcache_min(const struct s2mmu_debug_table_op *op)
{
	switch (op->op) {
	case S2MMU_DBG_MAP:
		return S2_MEMCACHE_MIN_MAP;
	case S2MMU_DBG_UNMAP:
		return S2_MEMCACHE_MIN_UNMAP;
	case S2MMU_DBG_SPLIT:
		return S2_MEMCACHE_SPLIT_1G;
	default:
		return 0;
	}
}

/* One attempt at @op on a live table; its lock and RCU are held. */
static s64 oracle_dbg_apply(struct s2mmu_el2_dbg *d,
			    const struct s2mmu_debug_table_op *op,
			    struct s2_memcache *mc, u32 wflags)
{
	struct s2_pgtable *pgt = &d->pgt;

	lockdep_assert_held(&d->lock);
	switch (op->op) {
	case S2MMU_DBG_MAP:
		return s2_map(pgt, op->ipa, op->size, op->pa,
			      oracle_dbg_prot(op->prot), mc, wflags);
	case S2MMU_DBG_UNMAP:
		return s2_unmap_mc(pgt, op->ipa, op->size, mc);
	case S2MMU_DBG_WRPROTECT:
		return s2_wrprotect(pgt, op->ipa, op->size);
	case S2MMU_DBG_RELAX:
		return s2_relax_perms(pgt, op->ipa, oracle_dbg_prot(op->prot), wflags);
	case S2MMU_DBG_MKYOUNG:
		return s2_mkyoung(pgt, op->ipa, wflags);
	case S2MMU_DBG_CLEAR_YOUNG:
		return s2_test_clear_young(pgt, op->ipa, op->size, true);
	case S2MMU_DBG_SPLIT:
		return s2_split(pgt, op->ipa, op->size, mc);
	default:
		return -EINVAL;
	}
}

/*
 * Shared-mode operations run side by side, like faults under the read
 * side of a VM's mmu_lock; the others exclude every user of the table.
 * Shared walkers may free table pages: through RCU (s2mmu_table_mm_ops),
 * which the read-side critical section here holds off.
 */
static s64 oracle_dbg_run_locked(struct s2mmu_el2_dbg *d,
				 const struct s2mmu_debug_table_op *op,
				 struct s2_memcache *mc, u32 wflags)
{
	bool shared = wflags & S2_WALK_SHARED;
	s64 r;

	if (shared)
		s2mmu_down_read(&d->lock, S2MMU_RANK_EL2_DBG_TABLE);
	else
		s2mmu_down_write(&d->lock, S2MMU_RANK_EL2_DBG_TABLE);
	rcu_read_lock();
	/* A reset that could not allocate a new root left nothing to use. */
	r = d->dead ? -ENOSPC : oracle_dbg_apply(d, op, mc, wflags);
	rcu_read_unlock();
	if (shared)
		s2mmu_up_read(&d->lock, S2MMU_RANK_EL2_DBG_TABLE);
	else
		s2mmu_up_write(&d->lock, S2MMU_RANK_EL2_DBG_TABLE);
	return r;
}

/*
 * Run @op until it neither races nor runs short of table pages.  -EAGAIN
 * is a shared walk backing off from an entry another CPU holds for BBM:
 * retry, as a vCPU re-executes its access, until a signal.  -ENOMEM from
 * the engine means "more pages": what the call did stays done, so the
 * memcache is filled to the brim and the call made again.  The page budget
 * bounds that loop: it ends in -ENOSPC.
 */
static s64 oracle_dbg_run_retrying(struct s2mmu_el2_dbg *d,
				   const struct s2mmu_debug_table_op *op,
				   struct s2_memcache *mc, u32 wflags)
{
	int min = oracle_dbg_memcache_min(op);
	int tries = 0;
	s64 r;

	for (;;) {
		if (mc && s2_memcache_topup(mc, min, &s2mmu_table_mm_ops,
					    &d->pages))
			return -ENOSPC;
		r = oracle_dbg_run_locked(d, op, mc, wflags);
		if (r == -EAGAIN) {
			if (signal_pending(current))
				return -EINTR;
			cond_resched();
			continue;
		}
		if (r != -ENOMEM)
			return r;
		if (++tries >= ORACLE_DBG_MAX_NOMEM_TRIES)
			return -ENOSPC;
		min = ARRAY_SIZE(mc->pages);
	}
}

/*
 * Long calls run in steps, each its own engine call with its own lock hold,
 * RCU section and invalidation, with a chance to reschedule in between.  A
 * step never cuts a block the call may map or must keep whole: exclusive
 * steps are 1 GiB-aligned (at most 262144 entries written, one batched
 * invalidation); a shared map, whose every BBM invalidates on its own,
 * steps by 2 MiB (at most 512 of them), by 1 GiB when its IPA and PA
 * allow 1 GiB blocks (then at most 1022 leaves around the one block).
 */
static u64 oracle_dbg_step(const struct s2mmu_debug_table_op *op)
{
	bool blocks = !(op->flags & S2MMU_DBG_FORCE_PTE);

	if (!(op->flags & S2MMU_DBG_SHARED) ||
	    (blocks && !((op->ipa ^ op->pa) & (S2_LEVEL_SIZE(1) - 1))))
		return S2_LEVEL_SIZE(1);
	return S2_LEVEL_SIZE(2);
}

/*
 * Where the next step of an operation that only changes what is mapped
 * starts: past an empty entry of 1 GiB or more at @ipa, which a 48-bit
 * table has by the hundred thousand.
 */
static u64 oracle_dbg_next_used(struct s2mmu_el2_dbg *d, u64 ipa, u64 end)
{
	s2_pte_t pte = 0;
	s8 level = S2_MAX_LEVEL;
	int ret = -ENOENT;

	s2mmu_down_read(&d->lock, S2MMU_RANK_EL2_DBG_TABLE);
	if (!d->dead)
		ret = s2_get_leaf(&d->pgt, ipa, &pte, &level);
	s2mmu_up_read(&d->lock, S2MMU_RANK_EL2_DBG_TABLE);
	if (ret || pte || level > 1)
		return ipa;
	return min(ALIGN_DOWN(ipa, S2_LEVEL_SIZE(level)) + S2_LEVEL_SIZE(level),
		   end);
}

/* The result of a call made of steps, from the one so far and a step's. */
static s64 oracle_dbg_merge(const struct s2mmu_debug_table_op *op, s64 acc,
			    s64 r, bool first)
{
	if (op->op == S2MMU_DBG_CLEAR_YOUNG)
		return acc + r;
	if (first || acc == S2_PERMS_DIFFER || r == S2_PERMS_DIFFER)
		return first ? r : S2_PERMS_DIFFER;
	return acc == 0 || r == 0 ? 0 : S2_UNCHANGED;
}

static bool oracle_dbg_ranged(const struct s2mmu_debug_table_op *op)
{
	return op->op != S2MMU_DBG_RELAX && op->op != S2MMU_DBG_MKYOUNG;
}

/*
 * Run @op step by step.  A step that fails ends the call with the steps
 * before it done (as an engine call that fails part way); so does a
 * signal between steps (-EINTR).  An empty or out-of-range call goes to
 * the engine whole, for its errno.
 */
static s64 oracle_dbg_run_steps(struct s2mmu_el2_dbg *d,
				const struct s2mmu_debug_table_op *op,
				struct s2_memcache *mc, u32 wflags)
{
	struct s2mmu_debug_table_op part = *op;
	u64 end = op->ipa + op->size, step = oracle_dbg_step(op), ipa;
	s64 r, acc = 0;
	bool first = true;

	if (!oracle_dbg_ranged(op) || !op->size ||
	    end > BIT_ULL(d->ia_bits))
		return oracle_dbg_run_retrying(d, op, mc, wflags);
	for (ipa = op->ipa; ipa < end; ipa = part.ipa + part.size) {
		if (op->op != S2MMU_DBG_MAP)
			ipa = oracle_dbg_next_used(d, ipa, end);
		if (ipa >= end)
			break;
		if (!first && signal_pending(current))
			return -EINTR;
		part.ipa = ipa;
		part.size = min(ALIGN_DOWN(ipa, step) + step, end) - ipa;
		part.pa = op->pa + (ipa - op->ipa);
		r = oracle_dbg_run_retrying(d, &part, mc, wflags);
		if (r < 0)
			return r;
		acc = oracle_dbg_merge(op, acc, r, first);
		first = false;
		cond_resched();
	}
	return acc;
}

/* Run @op on @d; its result (the engine's return value) goes to @result. */
static int oracle_dbg_run(struct s2mmu_el2_dbg *d, const struct s2mmu_debug_table_op *op,
			  s64 *result)
{
	u32 wflags = 0;
	struct s2_memcache *mc = NULL;
	s64 r;

	if (op->flags & S2MMU_DBG_SHARED)
		wflags |= S2_WALK_SHARED;
	if (op->flags & S2MMU_DBG_FORCE_PTE)
		wflags |= S2_MAP_FORCE_PTE;
	if (oracle_dbg_memcache_min(op)) {
		mc = kzalloc(sizeof(*mc), GFP_KERNEL_ACCOUNT);
		if (!mc)
			return -ENOMEM;
	}
	r = oracle_dbg_run_steps(d, op, mc, wflags);
	if (mc) {
		s2_memcache_drain(mc, &s2mmu_table_mm_ops);
		kfree(mc);
	}
	*result = r;
	return r < 0 ? r : 0;
}

/*
 * Empty the table in place: the structure stays until the VM goes, so an
 * operation that found it a moment ago never sees it freed.
 */
static int oracle_dbg_reset(struct s2mmu_el2_vm *ev)
{
	struct s2mmu_el2_dbg *d;
	int ret = 0;

	s2mmu_mutex_lock(&ev->dbg_lock, S2MMU_RANK_EL2_DBG_LOCK);
	d = ev->dbg;
	s2mmu_mutex_unlock(&ev->dbg_lock, S2MMU_RANK_EL2_DBG_LOCK);
	if (!d)
		return 0;
	s2mmu_down_write(&d->lock, S2MMU_RANK_EL2_DBG_TABLE);
	if (!d->dead)
		s2_pgtable_destroy(&d->pgt);
	/* The engine drops leaves without invalidating: do it for the VMID. */
	if (s2mmu_el2_hw) {
		s2mmu_el2_flush_bare_vmid(d->tlb.vmid);
		d->tlb.live = false;
	}
	ret = s2_pgtable_init(&d->pgt, d->ia_bits, &s2mmu_table_mm_ops,
			      &d->tlb.ops, d);
	d->pgt.assert_locked = oracle_dbg_assert_locked;
	d->pgt.fwb = ev->fwb;
	d->dead = ret != 0;
	s2mmu_up_write(&d->lock, S2MMU_RANK_EL2_DBG_TABLE);
	return ret == -ENOMEM ? -ENOSPC : ret;
}

/* The VM's debug table, or NULL before the first MAP created it. */
static struct s2mmu_el2_dbg *oracle_dbg_find(struct s2mmu_el2_vm *ev)
{
	struct s2mmu_el2_dbg *d;

	s2mmu_mutex_lock(&ev->dbg_lock, S2MMU_RANK_EL2_DBG_LOCK);
	d = ev->dbg;
	s2mmu_mutex_unlock(&ev->dbg_lock, S2MMU_RANK_EL2_DBG_LOCK);
	return d;
}

/*
 * Only MAP creates the table.  Before it, there is nothing to unmap,
 * protect, split or age (success, nothing done) and no leaf to relax or
 * make young (-ENOENT): no call allocates a table (and a VMID) that it
 * does not fill.
 */
static struct s2mmu_el2_dbg *oracle_dbg_target(struct s2mmu_el2_vm *ev,
					       u32 op, u32 ia_bits)
{
	struct s2mmu_el2_dbg *d;

	d = op == S2MMU_DBG_MAP ? oracle_dbg_get(ev, ia_bits) :
				  oracle_dbg_find(ev);
	if (d)
		return d;
	return op == S2MMU_DBG_RELAX || op == S2MMU_DBG_MKYOUNG ?
	       ERR_PTR(-ENOENT) : NULL;
}

/* TLB invalidations of every kind the engine counted. */
static u64 oracle_tlbi_total(const struct s2_stats *st)
{
	return st->tlbi_ipa + st->tlbi_range + st->tlbi_vmid + st->tlbi_local;
}

static long oracle_dbg_ioctl(struct s2mmu_el2_vm *ev, struct s2_pgtable *vm_pgt,
			     void __user *argp)
{
	struct s2mmu_debug_table_op op;
	struct s2mmu_el2_dbg *d;
	struct s2_stats st = {};
	s64 result = 0;
	int ret;

	if (!s2mmu_el2_hw)
		return -EOPNOTSUPP;
	if (copy_from_user(&op, argp, sizeof(op)))
		return -EFAULT;
	ret = oracle_dbg_check(&op, vm_pgt->ia_bits);
	if (ret)
		return ret;
	if (op.op == S2MMU_DBG_RESET) {
		ret = oracle_dbg_reset(ev);
		goto out;
	}
	d = oracle_dbg_target(ev, op.op, vm_pgt->ia_bits);
	if (IS_ERR(d))
		return PTR_ERR(d);
	if (d) {
		ret = oracle_dbg_run(d, &op, &result);
		if (ret)
			return ret;
		/* A reset frees the counters with the table: not while we sum. */
		s2mmu_down_read(&d->lock, S2MMU_RANK_EL2_DBG_TABLE);
		s2_stats_read(&d->pgt, &st);
		s2mmu_up_read(&d->lock, S2MMU_RANK_EL2_DBG_TABLE);
	}
out:
	op.bbm = st.bbm;
	op.table_pages = st.table_pages;
	op.tlbi = oracle_tlbi_total(&st);
	op.result = result;
	if (copy_to_user(argp, &op, sizeof(op)))
		return -EFAULT;
	return ret;
}

/* ---- Translation: hardware and software side by side --------- */

/* What one side (hardware or software) says about an IPA. */
struct oracle_view {
	bool	fault;
	u8	fst;
	u8	stage;
	u64	pa;
	u8	attr;
	u8	sh;
	bool	attr_known;
};

/*
 * PAR_EL1.PA is the output page (bits 51:12 for the 4K granule); the PA of
 * the IPA itself adds the IPA's offset in the page, as the software view
 * does: both sides report the PA of the byte at the IPA.
 */
static void oracle_hw_view(u64 ipa, u64 par, struct oracle_view *v)
{
	memset(v, 0, sizeof(*v));
	v->fault = par & PAR_F;
	if (v->fault) {
		v->fst = (par >> PAR_FST_SHIFT) & PAR_FST_MASK;
		v->stage = (par & PAR_S) ? 2 : 1;
		return;
	}
	v->pa = (par & PAR_PA_MASK) | (ipa & (S2_PAGE_SIZE - 1));
	v->attr = par >> PAR_ATTR_SHIFT;
	v->sh = (par >> PAR_SH_SHIFT) & 3;
	v->attr_known = true;
}

/*
 * The PAR_EL1 memory type of a stage-2 MemAttr, combined with the
 * Normal write-back stage 1 that HCR_EL2.DC gives (Arm ARM D8.6,
 * combining stage 1 and stage 2 attributes): Device and non-cacheable
 * memory are reported outer shareable.  A table using FWB (@fwb) says
 * Normal write-back with another value (forced: the same result here);
 * the other types have the same values in both encodings.
 */
static bool oracle_attr(s2_pte_t pte, bool fwb, u8 *attr, u8 *sh)
{
	if (s2_desc_normal_wb(pte, fwb)) {
		*attr = 0xff;
		*sh = s2_desc_sh(pte);
		return true;
	}
	switch (s2_desc_memattr(pte)) {
	case S2_MEMATTR_NORMAL_NC:
		*attr = 0x44;
		*sh = 2;
		return true;
	case S2_MEMATTR_DEVICE_nGnRE:
		*attr = 0x04;
		*sh = 2;
		return true;
	case S2_MEMATTR_DEVICE_nGnRnE:
		*attr = 0x00;
		*sh = 2;
		return true;
	}
	return false;
}

/*
 * The fault a descriptor implies, in the priority order of the Arm ARM
 * (D8.16.1): translation, then access flag, then permission.
 */
static void oracle_sw_view(u64 ipa, bool write, int ret, s2_pte_t pte, s8 level,
			   bool fwb, struct oracle_view *v)
{
	u32 prot;

	memset(v, 0, sizeof(*v));
	v->stage = 2;
	if (ret || !s2_desc_leaf_maps(pte, level)) {
		v->fault = true;
		v->fst = S2_FSC_TRANSLATION | (ret ? 0 : level);
		return;
	}
	prot = s2_leaf_prot(pte);
	if (!(prot & S2_PROT_AF)) {
		v->fault = true;
		v->fst = S2_FSC_ACCESS | level;
		return;
	}
	if (!(prot & (write ? S2_PROT_W : S2_PROT_R))) {
		v->fault = true;
		v->fst = S2_FSC_PERM | level;
		return;
	}
	v->pa = s2_desc_leaf_pa(pte, level, ipa);
	v->attr_known = oracle_attr(pte, fwb, &v->attr, &v->sh);
}

static u32 oracle_diff(const struct oracle_view *hw, const struct oracle_view *sw)
{
	u32 m = 0;

	if (hw->fault != sw->fault)
		return S2MMU_HWT_M_FAULT;
	if (hw->fault) {
		if (hw->fst != sw->fst)
			m |= S2MMU_HWT_M_FST;
		if (hw->stage != 2)
			m |= S2MMU_HWT_M_STAGE;
		return m;
	}
	if (hw->pa != sw->pa)
		m |= S2MMU_HWT_M_PA;
	if (sw->attr_known && hw->attr != sw->attr)
		m |= S2MMU_HWT_M_ATTR;
	if (sw->attr_known && hw->sh != sw->sh)
		m |= S2MMU_HWT_M_SH;
	return m;
}

/*
 * Everything the engine counts when it changes a table, BBM included: the
 * counters move when an operation finishes, so a walk that met an entry
 * under BBM sees them change by the time the BBM is over.
 */
u64 s2mmu_el2_table_activity(const struct s2_pgtable *pgt)
{
	struct s2_stats st;
	u64 sum;
	int l;

	s2_stats_read(pgt, &st);
	sum = st.bbm + oracle_tlbi_total(&st) + st.relax_perms;
	for (l = 0; l <= S2_MAX_LEVEL; l++)
		sum += st.mapped[l];
	return sum;
}

/*
 * Re-reads of an entry under BBM before the judge gives up waiting, and
 * rounds of that (with a reschedule in between) before the chunk does.
 */
#define ORACLE_BBM_SPINS		10000
#define ORACLE_BBM_ROUNDS		1000

static bool oracle_locked(s2_pte_t pte)
{
	return s2_desc_locked(pte);
}

/* A hardware permission fault on a leaf the software walk allows. */
static bool oracle_stale_relax(const struct oracle_view *hw, const struct oracle_view *sw,
			       s8 level)
{
	return hw->fault && !sw->fault && hw->stage == 2 &&
	       (hw->fst & S2_FSC_TYPE_MASK) == S2_FSC_PERM &&
	       (hw->fst & S2_FSC_LEVEL_MASK) == level;
}

struct oracle_before {
	s2_pte_t	pte;
	s8		level;
	int		ret;
};

/* Both views into the entry, for the caller to see what was compared. */
static void oracle_report(struct s2mmu_hw_xlate *e, const struct oracle_view *hw,
			  const struct oracle_view *sw, s2_pte_t pte, s8 level)
{
	e->flags = 0;
	e->mismatch = 0;
	e->sw_pte = pte;
	e->sw_level = level;
	e->sw_fst = sw->fault ? sw->fst : 0;
	e->sw_pa = sw->pa;
	e->sw_attr = sw->attr;
	e->sw_sh = sw->sh;
	e->hw_pa = hw->pa;
	e->hw_fst = hw->fst;
	e->hw_level = hw->fault ? hw->fst & S2_FSC_LEVEL_MASK : 0;
	e->hw_stage = hw->stage;
	e->hw_attr = hw->attr;
	e->hw_sh = hw->sh;
	if (hw->fault)
		e->flags |= S2MMU_HWT_F_HW_FAULT;
	if (sw->fault)
		e->flags |= S2MMU_HWT_F_SW_FAULT;
}

/*
 * Judge one entry.  The software walk ran before (@b) and after the
 * window; the table's counters say whether anything changed meanwhile.
 * A hardware fault where the software walk (after waiting out an entry
 * under BBM) finds a mapping, on a table that was changing, is the
 * transient of BBM on another CPU: the software walk is the answer
 * (fallback).  Any other difference on a table that did not change is a
 * real disagreement; on a changing table the hardware saw a state that
 * existed between the two walks.  Without the window's invalidation
 * (@stale_ok), a permission fault where the software walk finds the leaf
 * allowing the access is this CPU's TLB still holding the leaf from
 * before a relax, which only invalidates the CPU that relaxed it (Arm ARM
 * D8.14.1 lets a CPU keep the weaker entry): stale, not a disagreement.
 *
 * Return: true when the entry is still under BBM: judge it again later.
 */
static bool oracle_judge(struct s2_pgtable *pgt, struct s2mmu_hw_xlate *e,
			 const struct oracle_before *b, bool changed,
			 bool stale_ok)
{
	bool write = e->access == S2MMU_HWT_WRITE;
	struct oracle_view hw, sw;
	unsigned int spins = 0;
	s2_pte_t pte = 0;
	s8 level = 0;
	u32 m;
	int ret;

	ret = s2_get_leaf(pgt, e->ipa, &pte, &level);
	/*
	 * An entry under BBM is, for a software walker, "retry": the walk's
	 * answer is what the entry holds once the other CPU made it.
	 */
	while (!ret && oracle_locked(pte) && spins++ < ORACLE_BBM_SPINS) {
		cpu_relax();
		ret = s2_get_leaf(pgt, e->ipa, &pte, &level);
	}
	oracle_hw_view(e->ipa, e->par, &hw);
	oracle_sw_view(e->ipa, write, ret, pte, level, pgt->fwb, &sw);
	oracle_report(e, &hw, &sw, pte, level);

	changed |= b->pte != pte || b->level != level || b->ret != ret ||
		       spins || oracle_locked(pte) || oracle_locked(b->pte);
	if (changed)
		e->flags |= S2MMU_HWT_F_CHANGED;

	m = oracle_diff(&hw, &sw);
	if (hw.fault && !sw.fault && changed) {
		e->flags |= S2MMU_HWT_F_FALLBACK;
		return false;
	}
	if (hw.fault)
		e->flags |= S2MMU_HWT_F_FAULT;
	if (oracle_locked(pte))
		return true;
	if (m && !changed && stale_ok && oracle_stale_relax(&hw, &sw, level)) {
		e->flags |= S2MMU_HWT_F_STALE;
		return false;
	}
	if (m && !changed) {
		e->flags |= S2MMU_HWT_F_MISMATCH;
		e->mismatch = m;
	}
	return false;
}

/* Called under rcu_read_lock(), which it drops to wait out a slow BBM. */
static void oracle_chunk(struct s2_pgtable *pgt, u16 vmid,
			 struct s2mmu_hw_xlate *e, unsigned int n, bool flush)
{
	struct oracle_before b[ORACLE_CHUNK];
	unsigned int round;
	u32 locked = 0;
	unsigned int i;
	u64 act;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "table walked without RCU");
	act = s2mmu_el2_table_activity(pgt);
	smp_rmb();	/* counters before the first walk */
	for (i = 0; i < n; i++)
		b[i].ret = s2_get_leaf(pgt, e[i].ipa, &b[i].pte, &b[i].level);

	s2mmu_el2_translate(pgt, vmid, e, n, flush);

	for (i = 0; i < n; i++)
		locked |= (u32)oracle_judge(pgt, &e[i], &b[i], false, !flush) << i;
	smp_rmb();	/* the second walks before the counters */
	if (s2mmu_el2_table_activity(pgt) != act) {
		/* The table changed during the chunk: judge again knowing it. */
		for (i = 0; i < n; i++)
			if (e[i].flags & S2MMU_HWT_F_MISMATCH)
				locked |= (u32)oracle_judge(pgt, &e[i], &b[i], true,
							!flush) << i;
	}
	/*
	 * An entry still under BBM after the judge's spin belongs to a CPU
	 * that is slow to finish (preempted, or an exclusive operation
	 * committing a batch): wait for it with the CPU given up in between.
	 */
	for (round = 0; locked && round < ORACLE_BBM_ROUNDS; round++) {
		rcu_read_unlock();
		cond_resched();
		rcu_read_lock();
		for (i = 0; i < n; i++) {
			if (!(locked & BIT(i)))
				continue;
			if (!oracle_judge(pgt, &e[i], &b[i], true, !flush))
				locked &= ~BIT(i);
		}
	}
}

static int oracle_check(const struct s2mmu_hw_translate *t)
{
	unsigned int i;

	if (t->flags & ~(S2MMU_HWT_DEBUG_TABLE | S2MMU_HWT_NO_FLUSH))
		return -EINVAL;
	if (t->reserved0)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(t->reserved); i++)
		if (t->reserved[i])
			return -EINVAL;
	if (!t->nr)
		return -EINVAL;
	if (t->nr > S2MMU_HWT_MAX)
		return -E2BIG;
	return 0;
}

static bool oracle_entry_ok(const struct s2mmu_hw_xlate *e)
{
	return e->access <= S2MMU_HWT_WRITE && !e->reserved &&
	       !memchr_inv(e->pad, 0, sizeof(e->pad)) &&
	       e->ipa < BIT_ULL(s2mmu_cpu.pa_bits);
}

/*
 * Copy in and check the request and its entries; @*ep is kvfree()'s.
 * What the call writes back is written now, unchanged, so that a
 * destination that is not writable fails the call before anything is
 * translated or counted.
 */
static int oracle_copy_in(void __user *argp, struct s2mmu_hw_translate *t,
			  struct s2mmu_hw_xlate **ep)
{
	void __user *uentries;
	struct s2mmu_hw_xlate *e;
	unsigned int i;
	int ret;

	if (copy_from_user(t, argp, sizeof(*t)))
		return -EFAULT;
	ret = oracle_check(t);
	if (ret)
		return ret;
	e = kvmalloc_array(t->nr, sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		return -ENOMEM;
	uentries = u64_to_user_ptr(t->entries);
	ret = 0;
	if (copy_from_user(e, uentries, t->nr * sizeof(*e)))
		ret = -EFAULT;
	for (i = 0; i < t->nr && !ret; i++)
		if (!oracle_entry_ok(&e[i]))
			ret = -EINVAL;
	if (!ret && (copy_to_user(uentries, e, t->nr * sizeof(*e)) ||
		     copy_to_user(argp, t, sizeof(*t))))
		ret = -EFAULT;
	if (ret) {
		kvfree(e);
		return ret;
	}
	*ep = e;
	return 0;
}

/**
 * struct oracle_target - the table a translation request runs on
 * @pgt: the table
 * @tlb: its TLB backend (VMID, @live)
 * @dbg: the debug table, held for read until oracle_put_target(); NULL for
 *	the VM's own table
 * @counts: where the request's totals are added
 */
struct oracle_target {
	struct s2_pgtable		*pgt;
	struct s2mmu_el2_tlb		*tlb;
	struct s2mmu_el2_dbg		*dbg;
	struct s2mmu_hwt_counts		*counts;
};

/*
 * The VM's table, or its debug table held for read so that neither an
 * exclusive operation nor a reset runs under the translation.  Return:
 * 0, or -ENOENT when the debug table was never created or is dead.
 */
static int oracle_get_target(struct s2mmu_el2_vm *ev, struct s2_pgtable *vm_pgt,
			     u32 flags, struct oracle_target *tg)
{
	struct s2mmu_el2_dbg *d;

	if (!(flags & S2MMU_HWT_DEBUG_TABLE)) {
		*tg = (struct oracle_target){ vm_pgt, &ev->tlb, NULL, &ev->counts };
		return 0;
	}
	s2mmu_mutex_lock(&ev->dbg_lock, S2MMU_RANK_EL2_DBG_LOCK);
	d = ev->dbg;
	if (d)
		s2mmu_down_read(&d->lock, S2MMU_RANK_EL2_DBG_TABLE);
	s2mmu_mutex_unlock(&ev->dbg_lock, S2MMU_RANK_EL2_DBG_LOCK);
	if (!d)
		return -ENOENT;
	if (d->dead) {
		s2mmu_up_read(&d->lock, S2MMU_RANK_EL2_DBG_TABLE);
		return -ENOENT;
	}
	*tg = (struct oracle_target){ &d->pgt, &d->tlb, d, &d->counts };
	return 0;
}

static void oracle_put_target(struct oracle_target *tg)
{
	if (tg->dbg)
		s2mmu_up_read(&tg->dbg->lock, S2MMU_RANK_EL2_DBG_TABLE);
}

/*
 * Must the windows invalidate the VMID around their ATs?  VMID 0 is shared
 * with every table when KVM is active, and with hw_tlbi=0 the engine's
 * invalidations of the VM's table never reach the TLB: in both cases only
 * the window's own invalidation keeps AT from answering with a
 * translation the table no longer holds.  Otherwise the caller may skip
 * it, and from then on the TLB may hold the VMID's entries outside a
 * window: the backend must issue every invalidation (@live).
 */
static bool oracle_flush_needed(const struct oracle_target *tg, u32 flags)
{
	if (s2mmu_el2_kvm || !(flags & S2MMU_HWT_NO_FLUSH) || (!tg->dbg && !s2mmu_el2_hw_tlbi))
		return true;
	WRITE_ONCE(tg->tlb->live, true);
	smp_mb();	/* pairs with el2_tlbi() */
	return false;
}

/* Translate and judge every entry, one exception-masked chunk at a time. */
static void oracle_translate(const struct oracle_target *tg, struct s2mmu_hw_xlate *e,
			     unsigned int nr, bool flush)
{
	unsigned int i, n;

	for (i = 0; i < nr; i += n) {
		n = min_t(unsigned int, nr - i, ORACLE_CHUNK);
		/* Table pages are freed after a grace period: see the header. */
		rcu_read_lock();
		oracle_chunk(tg->pgt, tg->tlb->vmid, &e[i], n, flush);
		rcu_read_unlock();
		cond_resched();
	}
}

/* The request's counts from its entries' flags, and the table's totals. */
static void oracle_summarise(struct s2mmu_hw_translate *t,
			     const struct s2mmu_hw_xlate *e,
			     struct s2mmu_hwt_counts *c)
{
	unsigned int i;

	t->nr_mismatch = 0;
	t->nr_fallback = 0;
	t->nr_changed = 0;
	for (i = 0; i < t->nr; i++) {
		t->nr_mismatch += !!(e[i].flags & S2MMU_HWT_F_MISMATCH);
		t->nr_fallback += !!(e[i].flags & S2MMU_HWT_F_FALLBACK);
		t->nr_changed += !!(e[i].flags & S2MMU_HWT_F_CHANGED);
	}
	t->total_translated = atomic64_add_return(t->nr, &c->translated);
	t->total_fallback = atomic64_add_return(t->nr_fallback, &c->fallback);
	t->total_mismatch = atomic64_add_return(t->nr_mismatch, &c->mismatch);
	if (t->nr_mismatch)
		pr_warn_ratelimited("hardware and software walks disagree on %u IPAs (first %#llx)\n",
				    t->nr_mismatch, e[0].ipa);
}

static long oracle_hwt_ioctl(struct s2mmu_el2_vm *ev, struct s2_pgtable *vm_pgt,
			     void __user *argp)
{
	struct s2mmu_hw_translate t;
	struct s2mmu_hw_xlate *e;
	struct oracle_target tg;
	long ret;

	if (!s2mmu_el2_hw)
		return -EOPNOTSUPP;
	ret = oracle_copy_in(argp, &t, &e);
	if (ret)
		return ret;
	ret = oracle_get_target(ev, vm_pgt, t.flags, &tg);
	if (ret)
		goto out_free;
	oracle_translate(&tg, e, t.nr, oracle_flush_needed(&tg, t.flags));
	oracle_put_target(&tg);
	oracle_summarise(&t, e, tg.counts);

	if (copy_to_user(u64_to_user_ptr(t.entries), e, t.nr * sizeof(*e)) ||
	    copy_to_user(argp, &t, sizeof(t)))
		ret = -EFAULT;
out_free:
	kvfree(e);
	return ret;
}

void s2mmu_el2_vm_hwt_counts(struct s2mmu_el2_vm *ev, u64 *translated,
			     u64 *fallback, u64 *mismatch)
{
	const struct s2mmu_hwt_counts *c[2] = { &ev->counts, NULL };
	unsigned int i;

	*translated = 0;
	*fallback = 0;
	*mismatch = 0;
	/* A debug table, once created, lives as long as the VM. */
	s2mmu_mutex_lock(&ev->dbg_lock, S2MMU_RANK_EL2_DBG_LOCK);
	if (ev->dbg)
		c[1] = &ev->dbg->counts;
	s2mmu_mutex_unlock(&ev->dbg_lock, S2MMU_RANK_EL2_DBG_LOCK);
	for (i = 0; i < ARRAY_SIZE(c) && c[i]; i++) {
		*translated += atomic64_read(&c[i]->translated);
		*fallback += atomic64_read(&c[i]->fallback);
		*mismatch += atomic64_read(&c[i]->mismatch);
	}
}

long s2mmu_el2_vm_ioctl(struct s2mmu_el2_vm *ev, struct s2_pgtable *pgt,
			unsigned int cmd, unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case S2MMU_HW_TRANSLATE:
		return oracle_hwt_ioctl(ev, pgt, argp);
	case S2MMU_DEBUG_TABLE_OP:
		return oracle_dbg_ioctl(ev, pgt, argp);
	default:
		return -ENOTTY;
	}
}
