// SPDX-License-Identifier: GPL-2.0
/*
 * s2mmu EL2 backend: when the kernel runs at EL2 (VHE), stage-2 TLB
 * maintenance is done with real TLBI instructions, and the hardware's own
 * walker (AT S12E1R/W) is an oracle for the software walker.
 *
 * Both need the EL1&0 translation regime of the VM's table to be "live"
 * for a moment on this CPU: VTCR_EL2/VTTBR_EL2 describing the table and
 * HCR_EL2.TGE clear.  That moment is a *window*: exceptions masked, the
 * host's registers saved and restored, and only inline code inside (no
 * call that ftrace or a kprobe could hook).  See Documentation/el2.rst.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/idr.h>
#include <linux/kprobes.h>
#include <linux/kvm_host.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/rwsem.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <asm/barrier.h>
#include <asm/daifflags.h>
#include <asm/kvm_arm.h>
#include <asm/sysreg.h>
#include <asm/tlbflush.h>

#include <uapi/linux/s2mmu.h>
#include "s2mmu.h"

/* PAR_EL1 fields (Arm ARM D19.2, PAR_EL1). */
#define PAR_F			BIT_ULL(0)
#define PAR_FST_SHIFT		1
#define PAR_FST_MASK		0x3fULL
#define PAR_PTW			BIT_ULL(8)
#define PAR_S			BIT_ULL(9)
#define PAR_SH_SHIFT		7
#define PAR_PA_MASK		GENMASK_ULL(51, 12)
#define PAR_ATTR_SHIFT		56

/*
 * HCR_EL2 inside a window: E2H kept (EL2 keeps its own regime), TGE clear
 * so that the EL1&0 regime and its stage 2 exist at all (with TGE set an AT
 * S12E1 is taken as an EL2 translation), RW for an AArch64 EL1, VM to
 * enable stage 2, DC so that with stage 1 off PAR_EL1 reports the stage-2
 * memory type rather than Device.  FWB clear: the tables use the
 * classic MemAttr encoding.
 */
#define EL2_HCR_WINDOW		(HCR_E2H | HCR_RW | HCR_VM | HCR_DC)

/* VTCR_EL2.PS: 48 bits at most, 52 needs LPA2 descriptors. */
#define EL2_PS_48		5ULL
#define EL2_VTCR_PS_MASK	(7ULL << S2_VTCR_PS_SHIFT)

/* TLBI operand fields for the 4K granule (Arm ARM D8.13). */
#define TLBI_IPA_MASK		GENMASK_ULL(35, 0)
#define TLBI_TTL_SHIFT		44
#define TLBI_TTL_4K		BIT_ULL(2)
#define TLBI_R_BASE_MASK	GENMASK_ULL(36, 0)
#define TLBI_R_NUM_SHIFT	39
#define TLBI_R_SCALE_SHIFT	44
#define TLBI_R_TG_4K		BIT_ULL(46)
/* One range TLBI covers (NUM + 1) << (5 * SCALE + 1) pages. */
#define TLBI_R_PAGES(num, scale) (((u64)(num) + 1) << (5 * (scale) + 1))
/* Above this many range instructions a whole-VMID invalidation is used. */
#define TLBI_R_MAX_OPS		16

/* Debug tables: all of them together may hold this many table pages. */
#define DBG_MAX_PAGES		16384
/* Memcache refills one debug operation may ask for before giving up. */
#define DBG_MAX_NOMEM_TRIES	1000

/* Entries translated per exception-masked window. */
#define XLATE_CHUNK		32

static bool hw_tlbi = true;
module_param(hw_tlbi, bool, 0444);
MODULE_PARM_DESC(hw_tlbi, "At EL2, invalidate VM TLBs with real TLBIs (default: yes)");

static bool el2_hw;		/* CurrentEL == 2 and the self-check passed */
static bool el2_kvm;		/* KVM initialised: every table uses VMID 0 */
static u64 el2_ps;		/* VTCR_EL2.PS */
static bool el2_vs;		/* VTCR_EL2.VS: 16-bit VMIDs */
static void *el2_empty_root;	/* an all-invalid root, for bare flushes */
static DEFINE_IDA(el2_vmids);
/* The table pages of every debug table: a user cannot pin more. */
static struct s2mmu_page_counter dbg_pages = {
	.nr	= ATOMIC_LONG_INIT(0),
	.limit	= DBG_MAX_PAGES,
};

/*
 * Serialises windows.  With KVM active every s2mmu table runs as VMID 0,
 * which KVM never hands out: two tables must never use it at once, and
 * each window invalidates it before and after.
 */
static DEFINE_RAW_SPINLOCK(el2_window_lock);

/**
 * struct s2mmu_el2_dbg - the debug table of a VM (S2MMU_DEBUG_TABLE_OP)
 * @pgt: the table
 * @tlb: its TLB backend and VMID
 * @has_vmid: @tlb.vmid came from the allocator
 * @lock: read side for shared-mode operations and translations, write
 *	side for exclusive operations and reset
 * @counts: what translations on this table found
 * @ia_bits: the table's IPA size (the VM's)
 * @dead: a reset could not allocate the new root: every use fails
 */
struct s2mmu_el2_dbg {
	struct s2_pgtable	pgt;
	struct s2mmu_el2_tlb	tlb;
	bool			has_vmid;
	struct rw_semaphore	lock;
	struct s2mmu_hwt_counts	counts;
	u32			ia_bits;
	bool			dead;
};

/* ---- The window ---------------------------------------------------- */

/* What a window replaces, restored on the way out. */
struct el2_saved {
	u64	hcr;
	u64	vttbr;
	u64	vtcr;
	u64	sctlr;
	u64	par;
};

/*
 * Order matters (the kernel's handling of errata 1165522 / 1530923 relies
 * on the same one): the stage-2 registers are written while TGE is still
 * set, so nothing can use them yet, and synchronised before the EL1&0
 * regime goes live.  EL1's stage 1 is turned off first: a guest that ran
 * on this CPU may have left SCTLR_EL12.M set, and with M clear the VA is
 * the IPA (Arm ARM D8.2.11, stage 1 disabled).
 */
static __always_inline void el2_enter(struct el2_saved *s, u64 vtcr, u64 vttbr)
{
	s->hcr = read_sysreg(hcr_el2);
	s->vttbr = read_sysreg(vttbr_el2);
	s->vtcr = read_sysreg(vtcr_el2);
	s->sctlr = read_sysreg_s(SYS_SCTLR_EL12);
	s->par = read_sysreg_par();

	write_sysreg(vtcr, vtcr_el2);
	write_sysreg(vttbr, vttbr_el2);
	isb();
	write_sysreg_s(s->sctlr & ~SCTLR_ELx_M, SYS_SCTLR_EL12);
	write_sysreg(EL2_HCR_WINDOW, hcr_el2);
	isb();
}

/* HCR_EL2 first: once TGE is back, the EL1&0 registers are inert again. */
static __always_inline void el2_leave(const struct el2_saved *s)
{
	write_sysreg(s->hcr, hcr_el2);
	isb();
	write_sysreg_s(s->sctlr, SYS_SCTLR_EL12);
	write_sysreg(s->vttbr, vttbr_el2);
	write_sysreg(s->vtcr, vtcr_el2);
	write_sysreg(s->par, par_el1);
	isb();
}

/* Every stage-1 and stage-2 entry of the current VMID (Arm ARM D8.13.5). */
static __always_inline void el2_tlbi_vmid_is(void)
{
	dsb(ishst);
	__tlbi(vmalls12e1is);
	dsb(ish);
	isb();
}

/*
 * The window's exceptions are masked with DAIF (not only IRQs): a
 * pseudo-NMI or a debug exception must not run host code while TGE is
 * clear.  Windows are serialised: with KVM active every table uses VMID 0
 * and two windows must not overlap; without KVM it costs little, a window
 * being a few dozen instructions plus the ATs of one chunk.
 */
static unsigned long el2_lock(void)
	__acquires(&el2_window_lock)
{
	unsigned long flags = local_daif_save();

	raw_spin_lock(&el2_window_lock);
	return flags;
}

static void el2_unlock(unsigned long flags)
	__releases(&el2_window_lock)
{
	raw_spin_unlock(&el2_window_lock);
	local_daif_restore(flags);
}

static u64 el2_vtcr(const struct s2_pgtable *pgt)
{
	u64 vtcr = (pgt->vtcr & ~EL2_VTCR_PS_MASK) | S2_VTCR_RES1;

	vtcr |= el2_ps << S2_VTCR_PS_SHIFT;
	if (el2_vs)
		vtcr |= S2_VTCR_VS;
	return vtcr;
}

static u64 el2_vttbr(phys_addr_t root, u16 vmid)
{
	return (root & S2_PTE_ADDR_MASK) | ((u64)vmid << 48);
}

/* ---- TLB backend --------------------------------------------------- */

enum el2_tlbi_kind {
	EL2_TLBI_IPA,
	EL2_TLBI_IPA_LOCAL,
	EL2_TLBI_RANGE,
	EL2_TLBI_VMID,
};

struct el2_tlbi_req {
	enum el2_tlbi_kind	kind;
	u64			ipa;
	u64			size;
	int			level;
};

static __always_inline u64 el2_ipa_arg(u64 ipa, int level)
{
	u64 arg = (ipa >> S2_PAGE_SHIFT) & TLBI_IPA_MASK;

	/* TTL: granule in 3:2, leaf level in 1:0; zero means no hint. */
	if (level >= 1 && level <= S2_MAX_LEVEL &&
	    (s2mmu_cpu.flags & S2MMU_FEAT_TTL))
		arg |= (TLBI_TTL_4K | level) << TLBI_TTL_SHIFT;
	return arg;
}

static __always_inline u64 el2_range_arg(u64 page, u64 num, u64 scale)
{
	return (page & TLBI_R_BASE_MASK) | (num << TLBI_R_NUM_SHIFT) |
	       (scale << TLBI_R_SCALE_SHIFT) | TLBI_R_TG_4K;
}

/*
 * [page, page + pages) in the fewest instructions: one IPAS2E1IS for an
 * odd page, then for each SCALE the NUM that its five bits of the page
 * count give, then 8 GiB chunks at the largest SCALE.
 */
static __always_inline void el2_tlbi_range(u64 page, u64 pages)
{
	u64 scale, num;

	if (pages & 1) {
		__tlbi(ipas2e1is, page & TLBI_IPA_MASK);
		page++;
		pages--;
	}
	for (scale = 0; scale <= 3 && pages; scale++) {
		num = (pages >> (5 * scale + 1)) & 0x1f;
		if (!num)
			continue;
		__tlbi(ripas2e1is, el2_range_arg(page, num - 1, scale));
		page += TLBI_R_PAGES(num - 1, scale);
		pages -= TLBI_R_PAGES(num - 1, scale);
	}
	while (pages) {
		__tlbi(ripas2e1is, el2_range_arg(page, 31, 3));
		page += TLBI_R_PAGES(31, 3);
		pages -= TLBI_R_PAGES(31, 3);
	}
}

/*
 * The sequences of the Arm ARM (D8.13, "TLB maintenance for stage 2"):
 * the descriptor writes are made visible (DSB ISHST) before the
 * invalidation, an IPA-based invalidation is followed by one of the
 * combined stage-1+2 entries (VMALLE1IS), which it does not reach, and
 * the DSB waits for every PE of the shareability domain.
 */
static notrace void el2_tlbi_window(u64 vtcr, u64 vttbr,
				    const struct el2_tlbi_req *r)
{
	struct el2_saved s;

	el2_enter(&s, vtcr, vttbr);
	switch (r->kind) {
	case EL2_TLBI_IPA:
		dsb(ishst);
		__tlbi(ipas2e1is, el2_ipa_arg(r->ipa, r->level));
		dsb(ish);
		__tlbi(vmalle1is);
		dsb(ish);
		isb();
		break;
	case EL2_TLBI_IPA_LOCAL:
		/* After raising permissions: this PE only (no broadcast). */
		dsb(nshst);
		__tlbi(ipas2e1, el2_ipa_arg(r->ipa, r->level));
		dsb(nsh);
		__tlbi(vmalle1);
		dsb(nsh);
		isb();
		break;
	case EL2_TLBI_RANGE:
		dsb(ishst);
		el2_tlbi_range(r->ipa >> S2_PAGE_SHIFT, r->size >> S2_PAGE_SHIFT);
		dsb(ish);
		__tlbi(vmalle1is);
		dsb(ish);
		isb();
		break;
	case EL2_TLBI_VMID:
		el2_tlbi_vmid_is();
		break;
	}
	el2_leave(&s);
}

NOKPROBE_SYMBOL(el2_tlbi_window);

/*
 * TLB entries of a VMID can only be made while it is loaded with TGE
 * clear: inside a window, as no guest runs.  A window that invalidates the
 * VMID on its way out leaves nothing behind, so an invalidation of a VMID
 * that is not @live has nothing to remove and is not issued (the engine
 * has counted it).  The full barrier pairs with the one after setting
 * @live: either the invalidation is issued, or that window's walks see
 * the descriptors the caller wrote before it.
 */
static void el2_tlbi(struct s2_pgtable *pgt, struct el2_tlbi_req *r)
{
	const struct s2mmu_el2_tlb *tlb =
		container_of(pgt->tlb_ops, struct s2mmu_el2_tlb, ops);
	u64 vtcr = el2_vtcr(pgt);
	u64 vttbr = el2_vttbr(pgt->pgd_phys, tlb->vmid);
	unsigned long flags;

	smp_mb();	/* descriptor writes before the read of @live */
	if (!READ_ONCE(tlb->live))
		return;
	flags = el2_lock();
	el2_tlbi_window(vtcr, vttbr, r);
	el2_unlock(flags);
}

static void el2_flush_ipa(struct s2_pgtable *pgt, u64 ipa, int level)
{
	struct el2_tlbi_req r = { EL2_TLBI_IPA, ipa, 0, level };

	el2_tlbi(pgt, &r);
}

static void el2_flush_ipa_local(struct s2_pgtable *pgt, u64 ipa, int level)
{
	struct el2_tlbi_req r = { EL2_TLBI_IPA_LOCAL, ipa, 0, level };

	el2_tlbi(pgt, &r);
}

static void el2_flush_vmid(struct s2_pgtable *pgt)
{
	struct el2_tlbi_req r = { EL2_TLBI_VMID };

	el2_tlbi(pgt, &r);
}

static void el2_flush_range(struct s2_pgtable *pgt, u64 ipa, u64 size)
{
	u64 end = ALIGN(ipa + size, S2_PAGE_SIZE);
	struct el2_tlbi_req r = { EL2_TLBI_RANGE };

	r.ipa = ALIGN_DOWN(ipa, S2_PAGE_SIZE);
	r.size = end - r.ipa;
	/* Beyond TLBI_R_MAX_OPS chunks of 8 GiB, one VMALLS12E1IS is cheaper. */
	if ((r.size >> S2_PAGE_SHIFT) > TLBI_R_MAX_OPS * TLBI_R_PAGES(31, 3))
		r.kind = EL2_TLBI_VMID;
	el2_tlbi(pgt, &r);
}

static const struct s2_tlb_ops el2_tlb_template = {
	.flush_ipa		= el2_flush_ipa,
	.flush_range		= el2_flush_range,
	.flush_vmid		= el2_flush_vmid,
	.flush_ipa_local	= el2_flush_ipa_local,
};

/* ---- VMIDs --------------------------------------------------------- */

/* Invalidate @vmid with no table behind it (an all-invalid root). */
static void el2_flush_bare_vmid(u16 vmid)
{
	struct el2_tlbi_req r = { EL2_TLBI_VMID };
	struct s2_pgtable bare = {
		.vtcr = S2_VTCR_T0SZ(39) | (1ULL << S2_VTCR_SL0_SHIFT) |
			S2_VTCR_IRGN0_WBWA | S2_VTCR_ORGN0_WBWA |
			S2_VTCR_SH0_INNER,
	};
	unsigned long flags;

	flags = el2_lock();
	el2_tlbi_window(el2_vtcr(&bare),
			el2_vttbr(virt_to_phys(el2_empty_root), vmid), &r);
	el2_unlock(flags);
}

/*
 * Without KVM the module owns every VMID but 0 (left alone so that a
 * "VMID 0" never means an s2mmu table); with KVM, whose allocator never
 * hands out VMID 0 (arch/arm64/kvm/vmid.c), every table uses VMID 0 and
 * the windows are serialised.  A VMID is invalidated when it is taken and
 * when it is given back, so no owner ever sees another's entries.
 */
static int el2_vmid_get(struct s2mmu_el2_tlb *tlb, bool *has_vmid)
{
	int id;

	*has_vmid = false;
	tlb->vmid = 0;
	if (el2_kvm)
		return 0;
	id = ida_alloc_range(&el2_vmids, 1, BIT(s2mmu_cpu.vmid_bits) - 1,
			     GFP_KERNEL);
	if (id < 0)
		return id;
	tlb->vmid = id;
	*has_vmid = true;
	el2_flush_bare_vmid(id);
	return 0;
}

static void el2_vmid_put(struct s2mmu_el2_tlb *tlb, bool has_vmid)
{
	if (!el2_hw)
		return;
	el2_flush_bare_vmid(tlb->vmid);
	if (has_vmid)
		ida_free(&el2_vmids, tlb->vmid);
}

static void el2_tlb_init(struct s2mmu_el2_tlb *tlb)
{
	tlb->live = false;
	/* A debug table at EL1 has no TLB: the counting backend, with ranges. */
	tlb->ops = el2_hw ? el2_tlb_template : s2mmu_sw_tlb_ops;
	tlb->ops.range_capable = !el2_hw ||
				 (s2mmu_cpu.flags & S2MMU_FEAT_TLBIRANGE);
}

const struct s2_tlb_ops *s2mmu_el2_vm_init(struct s2mmu_el2_vm *ev)
{
	int ret;

	mutex_init(&ev->dbg_lock);
	ev->dbg = NULL;
	atomic64_set(&ev->counts.translated, 0);
	atomic64_set(&ev->counts.fallback, 0);
	atomic64_set(&ev->counts.mismatch, 0);
	ev->has_vmid = false;
	ev->tlb.vmid = 0;
	if (!el2_hw)
		return NULL;
	el2_tlb_init(&ev->tlb);
	ret = el2_vmid_get(&ev->tlb, &ev->has_vmid);
	if (ret)
		return ERR_PTR(ret);
	/*
	 * Without hw_tlbi the VM keeps the software backend; its table still
	 * has a VMID, invalidated whole before every translation window.
	 */
	return hw_tlbi ? &ev->tlb.ops : NULL;
}

/* ---- The debug table ----------------------------------------------- */

/* The engine's lock rules on the debug table: @lock plays the MMU lock. */
static void dbg_assert_locked(struct s2_pgtable *pgt, bool exclusive)
{
	struct s2mmu_el2_dbg *d = pgt->priv;

	if (exclusive)
		lockdep_assert_held_write(&d->lock);
	else
		lockdep_assert_held(&d->lock);
}

static struct s2mmu_el2_dbg *dbg_get(struct s2mmu_el2_vm *ev, u32 ia_bits)
{
	struct s2mmu_el2_dbg *d;
	int ret;

	mutex_lock(&ev->dbg_lock);
	d = ev->dbg;
	if (d)
		goto out;
	d = kzalloc(sizeof(*d), GFP_KERNEL_ACCOUNT);
	if (!d) {
		d = ERR_PTR(-ENOMEM);
		goto out;
	}
	init_rwsem(&d->lock);
	d->ia_bits = ia_bits;
	el2_tlb_init(&d->tlb);
	if (el2_hw) {
		ret = el2_vmid_get(&d->tlb, &d->has_vmid);
		if (ret)
			goto err_free;
	}
	ret = s2_pgtable_init(&d->pgt, ia_bits, &s2mmu_table_mm_ops,
			      &d->tlb.ops, d);
	if (ret)
		goto err_vmid;
	d->pgt.assert_locked = dbg_assert_locked;
	ev->dbg = d;
	goto out;

err_vmid:
	el2_vmid_put(&d->tlb, d->has_vmid);
err_free:
	kfree(d);
	d = ERR_PTR(ret == -ENOMEM ? -ENOSPC : ret);
out:
	mutex_unlock(&ev->dbg_lock);
	return d;
}

static void dbg_destroy(struct s2mmu_el2_dbg *d)
{
	d->pgt.assert_locked = NULL;	/* the VM is going: no other user */
	if (!d->dead)
		s2_pgtable_destroy(&d->pgt);
	el2_vmid_put(&d->tlb, d->has_vmid);
	/* Pages freed through RCU by earlier operations are charged until then. */
	kfree(d);
}

void s2mmu_el2_vm_destroy(struct s2mmu_el2_vm *ev)
{
	if (ev->dbg) {
		dbg_destroy(ev->dbg);
		ev->dbg = NULL;
	}
	if (el2_hw)
		el2_vmid_put(&ev->tlb, ev->has_vmid);
	mutex_destroy(&ev->dbg_lock);
}

static u32 dbg_prot(u32 uprot)
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

static int dbg_check(const struct s2mmu_debug_table_op *op)
{
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
	if ((op->ipa | op->size | op->pa) & (S2_PAGE_SIZE - 1))
		return -EINVAL;
	if (op->ipa + op->size < op->ipa)
		return -EINVAL;
	if (op->op == S2MMU_DBG_MAP &&
	    (op->pa + op->size < op->pa ||
	     op->pa + op->size > BIT_ULL(s2mmu_cpu.max_ipa_bits)))
		return -EINVAL;
	return 0;
}

/* Table pages a memcache needs before @op can start; 0: none. */
static int dbg_memcache_min(const struct s2mmu_debug_table_op *op)
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
static s64 dbg_apply(struct s2mmu_el2_dbg *d,
		     const struct s2mmu_debug_table_op *op,
		     struct s2_memcache *mc, u32 wflags)
{
	struct s2_pgtable *pgt = &d->pgt;

	lockdep_assert_held(&d->lock);
	switch (op->op) {
	case S2MMU_DBG_MAP:
		return s2_map(pgt, op->ipa, op->size, op->pa,
			      dbg_prot(op->prot), mc, wflags);
	case S2MMU_DBG_UNMAP:
		return s2_unmap_mc(pgt, op->ipa, op->size, mc);
	case S2MMU_DBG_WRPROTECT:
		return s2_wrprotect(pgt, op->ipa, op->size);
	case S2MMU_DBG_RELAX:
		return s2_relax_perms(pgt, op->ipa, dbg_prot(op->prot), wflags);
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
static s64 dbg_run_locked(struct s2mmu_el2_dbg *d,
			  const struct s2mmu_debug_table_op *op,
			  struct s2_memcache *mc, u32 wflags)
{
	bool shared = wflags & S2_WALK_SHARED;
	s64 r;

	if (shared)
		down_read(&d->lock);
	else
		down_write(&d->lock);
	rcu_read_lock();
	/* A reset that could not allocate a new root left nothing to use. */
	r = d->dead ? -ENOSPC : dbg_apply(d, op, mc, wflags);
	rcu_read_unlock();
	if (shared)
		up_read(&d->lock);
	else
		up_write(&d->lock);
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
static s64 dbg_run_retrying(struct s2mmu_el2_dbg *d,
			    const struct s2mmu_debug_table_op *op,
			    struct s2_memcache *mc, u32 wflags)
{
	int min = dbg_memcache_min(op);
	int tries = 0;
	s64 r;

	for (;;) {
		if (mc && s2_memcache_topup(mc, min, &s2mmu_table_mm_ops,
					    &dbg_pages))
			return -ENOSPC;
		r = dbg_run_locked(d, op, mc, wflags);
		if (r == -EAGAIN) {
			if (signal_pending(current))
				return -EINTR;
			cond_resched();
			continue;
		}
		if (r != -ENOMEM)
			return r;
		if (++tries >= DBG_MAX_NOMEM_TRIES)
			return -ENOSPC;
		min = ARRAY_SIZE(mc->pages);
	}
}

/* Run @op on @d; its result (the engine's return value) goes to @result. */
static int dbg_run(struct s2mmu_el2_dbg *d, const struct s2mmu_debug_table_op *op,
		   s64 *result)
{
	u32 wflags = 0;
	struct s2_memcache *mc = NULL;
	s64 r;

	if (op->flags & S2MMU_DBG_SHARED)
		wflags |= S2_WALK_SHARED;
	if (op->flags & S2MMU_DBG_FORCE_PTE)
		wflags |= S2_MAP_FORCE_PTE;
	if (dbg_memcache_min(op)) {
		mc = kzalloc(sizeof(*mc), GFP_KERNEL_ACCOUNT);
		if (!mc)
			return -ENOMEM;
	}
	r = dbg_run_retrying(d, op, mc, wflags);
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
static int dbg_reset(struct s2mmu_el2_vm *ev)
{
	struct s2mmu_el2_dbg *d;
	int ret = 0;

	mutex_lock(&ev->dbg_lock);
	d = ev->dbg;
	mutex_unlock(&ev->dbg_lock);
	if (!d)
		return 0;
	down_write(&d->lock);
	if (!d->dead)
		s2_pgtable_destroy(&d->pgt);
	/* The engine drops leaves without invalidating: do it for the VMID. */
	if (el2_hw) {
		el2_flush_bare_vmid(d->tlb.vmid);
		d->tlb.live = false;
	}
	ret = s2_pgtable_init(&d->pgt, d->ia_bits, &s2mmu_table_mm_ops,
			      &d->tlb.ops, d);
	d->pgt.assert_locked = dbg_assert_locked;
	d->dead = ret != 0;
	up_write(&d->lock);
	return ret == -ENOMEM ? -ENOSPC : ret;
}

static long dbg_ioctl(struct s2mmu_el2_vm *ev, struct s2_pgtable *vm_pgt,
		      void __user *argp)
{
	struct s2mmu_debug_table_op op;
	struct s2mmu_el2_dbg *d;
	struct s2_stats st;
	s64 result = 0;
	int ret;

	if (copy_from_user(&op, argp, sizeof(op)))
		return -EFAULT;
	ret = dbg_check(&op);
	if (ret)
		return ret;
	if (op.op == S2MMU_DBG_RESET) {
		ret = dbg_reset(ev);
		op.bbm = 0;
		op.table_pages = 0;
		op.tlbi = 0;
		goto out;
	}
	d = dbg_get(ev, vm_pgt->ia_bits);
	if (IS_ERR(d))
		return PTR_ERR(d);
	ret = dbg_run(d, &op, &result);
	if (ret)
		return ret;
	/* A reset frees the counters with the table: not while we sum. */
	down_read(&d->lock);
	s2_stats_read(&d->pgt, &st);
	up_read(&d->lock);
	op.bbm = st.bbm;
	op.table_pages = st.table_pages;
	op.tlbi = st.tlbi_ipa + st.tlbi_range + st.tlbi_vmid + st.tlbi_local;
out:
	op.result = result;
	if (copy_to_user(argp, &op, sizeof(op)))
		return -EFAULT;
	return ret;
}

/* ---- Translation: hardware and software side by side ---------------- */

/*
 * AT S12E1R/W for each entry, PAR_EL1 read after an ISB (the AT result is
 * only guaranteed visible in PAR_EL1 after a context synchronisation, Arm
 * ARM C5.5).  Before the ATs, the VMID is invalidated: on real hardware AT
 * may answer from the TLB.  It is invalidated after as well, so that the
 * VMID holds nothing once the window closes (VMID 0, shared when KVM is
 * active, must not carry one table's entries into another's window).
 */
static notrace void el2_at_window(u64 vtcr, u64 vttbr, struct s2mmu_hw_xlate *e,
				  unsigned int n, bool flush_before,
				  bool flush_after)
{
	struct el2_saved s;
	unsigned int i;

	el2_enter(&s, vtcr, vttbr);
	if (flush_before)
		el2_tlbi_vmid_is();
	for (i = 0; i < n; i++) {
		if (e[i].access == S2MMU_HWT_WRITE)
			asm volatile("at s12e1w, %0" : : "r" (e[i].ipa));
		else
			asm volatile("at s12e1r, %0" : : "r" (e[i].ipa));
		isb();
		e[i].par = read_sysreg_par();
	}
	if (flush_after)
		el2_tlbi_vmid_is();
	el2_leave(&s);
}

NOKPROBE_SYMBOL(el2_at_window);

/* What one side (hardware or software) says about an IPA. */
struct xl_view {
	bool	fault;
	u8	fst;
	u8	stage;
	u64	pa;
	u8	attr;
	u8	sh;
	bool	attr_known;
};

static void xl_hw_view(u64 par, struct xl_view *v)
{
	memset(v, 0, sizeof(*v));
	v->fault = par & PAR_F;
	if (v->fault) {
		v->fst = (par >> PAR_FST_SHIFT) & PAR_FST_MASK;
		v->stage = (par & PAR_S) ? 2 : 1;
		return;
	}
	v->pa = par & PAR_PA_MASK;
	v->attr = par >> PAR_ATTR_SHIFT;
	v->sh = (par >> PAR_SH_SHIFT) & 3;
	v->attr_known = true;
}

/*
 * The PAR_EL1 memory type of a stage-2 MemAttr, combined with the
 * Normal write-back stage 1 that HCR_EL2.DC gives (Arm ARM D8.6,
 * combining stage 1 and stage 2 attributes): Device and non-cacheable
 * memory are reported outer shareable.
 */
static bool xl_attr(s2_pte_t pte, u8 *attr, u8 *sh)
{
	switch ((pte & S2_PTE_MEMATTR_MASK) >> S2_PTE_MEMATTR_SHIFT) {
	case S2_MEMATTR_NORMAL_WB:
		*attr = 0xff;
		*sh = (pte & S2_PTE_SH_MASK) >> 8;
		return true;
	case S2_MEMATTR_NORMAL_NC:
		*attr = 0x44;
		*sh = 2;
		return true;
	case S2_MEMATTR_DEVICE_nGnRE:
		*attr = 0x04;
		*sh = 2;
		return true;
	case 0:
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
static void xl_sw_view(u64 ipa, bool write, int ret, s2_pte_t pte, s8 level,
		       struct xl_view *v)
{
	u64 mask = S2_LEVEL_SIZE(level) - 1;

	memset(v, 0, sizeof(*v));
	v->stage = 2;
	if (ret || !(pte & S2_PTE_VALID) ||
	    (level == S2_MAX_LEVEL && !(pte & S2_PTE_TYPE))) {
		v->fault = true;
		v->fst = S2_FSC_TRANSLATION | (ret ? 0 : level);
		return;
	}
	if (!(pte & S2_PTE_AF)) {
		v->fault = true;
		v->fst = S2_FSC_ACCESS | level;
		return;
	}
	if (!(pte & (write ? S2_PTE_S2AP_W : S2_PTE_S2AP_R))) {
		v->fault = true;
		v->fst = S2_FSC_PERM | level;
		return;
	}
	v->pa = (pte & S2_PTE_ADDR_MASK & ~mask) | (ipa & mask);
	v->attr_known = xl_attr(pte, &v->attr, &v->sh);
}

static u32 xl_diff(const struct xl_view *hw, const struct xl_view *sw)
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

/* Everything the engine counts when it changes a table, BBM included. */
static u64 xl_activity(const struct s2_pgtable *pgt)
{
	struct s2_stats st;
	u64 sum;
	int l;

	s2_stats_read(pgt, &st);
	sum = st.bbm + st.tlbi_ipa + st.tlbi_range + st.tlbi_vmid +
	      st.tlbi_local + st.relax_perms;
	for (l = 0; l <= S2_MAX_LEVEL; l++)
		sum += st.mapped[l];
	return sum;
}

/*
 * Re-reads of an entry under BBM before the judge gives up waiting, and
 * rounds of that (with a reschedule in between) before the chunk does.
 */
#define XL_BBM_SPINS		10000
#define XL_BBM_ROUNDS		1000

static bool xl_locked(s2_pte_t pte)
{
	return !(pte & S2_PTE_VALID) && (pte & S2_PTE_LOCKED);
}

struct xl_before {
	s2_pte_t	pte;
	s8		level;
	int		ret;
};

/* Both views into the entry, for the caller to see what was compared. */
static void xl_report(struct s2mmu_hw_xlate *e, const struct xl_view *hw,
		      const struct xl_view *sw, s2_pte_t pte, s8 level)
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
 * existed between the two walks.
 *
 * Return: true when the entry is still under BBM: judge it again later.
 */
static bool xl_judge(struct s2_pgtable *pgt, struct s2mmu_hw_xlate *e,
		     const struct xl_before *b, bool changed)
{
	bool write = e->access == S2MMU_HWT_WRITE;
	struct xl_view hw, sw;
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
	while (!ret && xl_locked(pte) && spins++ < XL_BBM_SPINS) {
		cpu_relax();
		ret = s2_get_leaf(pgt, e->ipa, &pte, &level);
	}
	xl_hw_view(e->par, &hw);
	xl_sw_view(e->ipa, write, ret, pte, level, &sw);
	xl_report(e, &hw, &sw, pte, level);

	changed |= b->pte != pte || b->level != level || b->ret != ret ||
		   spins || xl_locked(pte) || xl_locked(b->pte);
	if (changed)
		e->flags |= S2MMU_HWT_F_CHANGED;

	m = xl_diff(&hw, &sw);
	if (hw.fault && !sw.fault && changed) {
		e->flags |= S2MMU_HWT_F_FALLBACK;
		return false;
	}
	if (hw.fault)
		e->flags |= S2MMU_HWT_F_FAULT;
	if (xl_locked(pte))
		return true;
	if (m && !changed) {
		e->flags |= S2MMU_HWT_F_MISMATCH;
		e->mismatch = m;
	}
	return false;
}

/* Called under rcu_read_lock(), which it drops to wait out a slow BBM. */
static void xl_chunk(struct s2_pgtable *pgt, u16 vmid,
		     struct s2mmu_hw_xlate *e, unsigned int n, bool flush)
{
	struct xl_before b[XLATE_CHUNK];
	unsigned int round;
	u64 vtcr = el2_vtcr(pgt);
	u32 locked = 0;
	u64 vttbr = el2_vttbr(pgt->pgd_phys, vmid);
	unsigned long flags;
	unsigned int i;
	u64 act;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "table walked without RCU");
	act = xl_activity(pgt);
	smp_rmb();	/* counters before the first walk */
	for (i = 0; i < n; i++)
		b[i].ret = s2_get_leaf(pgt, e[i].ipa, &b[i].pte, &b[i].level);

	flags = el2_lock();
	el2_at_window(vtcr, vttbr, e, n, flush, flush);
	el2_unlock(flags);

	for (i = 0; i < n; i++)
		locked |= (u32)xl_judge(pgt, &e[i], &b[i], false) << i;
	smp_rmb();	/* the second walks before the counters */
	if (xl_activity(pgt) != act) {
		/* The table changed during the chunk: judge again knowing it. */
		for (i = 0; i < n; i++)
			if (e[i].flags & S2MMU_HWT_F_MISMATCH)
				locked |= (u32)xl_judge(pgt, &e[i], &b[i], true) << i;
	}
	/*
	 * An entry still under BBM after the judge's spin belongs to a CPU
	 * that is slow to finish (preempted, or an exclusive operation
	 * committing a batch): wait for it with the CPU given up in between.
	 */
	for (round = 0; locked && round < XL_BBM_ROUNDS; round++) {
		rcu_read_unlock();
		cond_resched();
		rcu_read_lock();
		for (i = 0; i < n; i++) {
			if (!(locked & BIT(i)))
				continue;
			if (!xl_judge(pgt, &e[i], &b[i], true))
				locked &= ~BIT(i);
		}
	}
}

static int xl_check(const struct s2mmu_hw_translate *t)
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

/* Copy in and check the request and its entries; @*ep is kvfree()'s. */
static int xl_copy_in(void __user *argp, struct s2mmu_hw_translate *t,
		      struct s2mmu_hw_xlate **ep)
{
	struct s2mmu_hw_xlate *e;
	unsigned int i;
	int ret;

	if (copy_from_user(t, argp, sizeof(*t)))
		return -EFAULT;
	ret = xl_check(t);
	if (ret)
		return ret;
	e = kvmalloc_array(t->nr, sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		return -ENOMEM;
	if (copy_from_user(e, u64_to_user_ptr(t->entries), t->nr * sizeof(*e))) {
		kvfree(e);
		return -EFAULT;
	}
	for (i = 0; i < t->nr; i++) {
		if (e[i].access > S2MMU_HWT_WRITE || e[i].reserved ||
		    e[i].ipa >= BIT_ULL(s2mmu_cpu.pa_bits)) {
			kvfree(e);
			return -EINVAL;
		}
	}
	*ep = e;
	return 0;
}

/**
 * struct xl_target - the table a translation request runs on
 * @pgt: the table
 * @tlb: its TLB backend (VMID, @live)
 * @dbg: the debug table, held for read until xl_put_target(); NULL for
 *	the VM's own table
 * @counts: where the request's totals are added
 */
struct xl_target {
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
static int xl_get_target(struct s2mmu_el2_vm *ev, struct s2_pgtable *vm_pgt,
			 u32 flags, struct xl_target *tg)
{
	struct s2mmu_el2_dbg *d;

	if (!(flags & S2MMU_HWT_DEBUG_TABLE)) {
		*tg = (struct xl_target){ vm_pgt, &ev->tlb, NULL, &ev->counts };
		return 0;
	}
	mutex_lock(&ev->dbg_lock);
	d = ev->dbg;
	if (d)
		down_read(&d->lock);
	mutex_unlock(&ev->dbg_lock);
	if (!d)
		return -ENOENT;
	if (d->dead) {
		up_read(&d->lock);
		return -ENOENT;
	}
	*tg = (struct xl_target){ &d->pgt, &d->tlb, d, &d->counts };
	return 0;
}

static void xl_put_target(struct xl_target *tg)
{
	if (tg->dbg)
		up_read(&tg->dbg->lock);
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
static bool xl_flush_needed(const struct xl_target *tg, u32 flags)
{
	if (el2_kvm || !(flags & S2MMU_HWT_NO_FLUSH) || (!tg->dbg && !hw_tlbi))
		return true;
	WRITE_ONCE(tg->tlb->live, true);
	smp_mb();	/* pairs with el2_tlbi() */
	return false;
}

/* Translate and judge every entry, one exception-masked chunk at a time. */
static void xl_translate(const struct xl_target *tg, struct s2mmu_hw_xlate *e,
			 unsigned int nr, bool flush)
{
	unsigned int i, n;

	for (i = 0; i < nr; i += n) {
		n = min_t(unsigned int, nr - i, XLATE_CHUNK);
		/* Table pages are freed after a grace period: see the header. */
		rcu_read_lock();
		xl_chunk(tg->pgt, tg->tlb->vmid, &e[i], n, flush);
		rcu_read_unlock();
		cond_resched();
	}
}

/* The request's counts from its entries' flags, and the table's totals. */
static void xl_summarise(struct s2mmu_hw_translate *t,
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

static long xl_ioctl(struct s2mmu_el2_vm *ev, struct s2_pgtable *vm_pgt,
		     void __user *argp)
{
	struct s2mmu_hw_translate t;
	struct s2mmu_hw_xlate *e;
	struct xl_target tg;
	long ret;

	if (!el2_hw)
		return -EOPNOTSUPP;
	ret = xl_copy_in(argp, &t, &e);
	if (ret)
		return ret;
	ret = xl_get_target(ev, vm_pgt, t.flags, &tg);
	if (ret)
		goto out_free;
	xl_translate(&tg, e, t.nr, xl_flush_needed(&tg, t.flags));
	xl_put_target(&tg);
	xl_summarise(&t, e, tg.counts);

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
	mutex_lock(&ev->dbg_lock);
	if (ev->dbg)
		c[1] = &ev->dbg->counts;
	mutex_unlock(&ev->dbg_lock);
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
		return xl_ioctl(ev, pgt, argp);
	case S2MMU_DEBUG_TABLE_OP:
		return dbg_ioctl(ev, pgt, argp);
	default:
		return -ENOTTY;
	}
}

bool s2mmu_el2_can_run(void)
{
	return el2_hw && hw_tlbi;
}

void s2mmu_el2_guest_regs(struct s2mmu_el2_vm *ev, struct s2_pgtable *pgt,
			  u64 *vtcr, u64 *vttbr)
{
	*vtcr = el2_vtcr(pgt);
	*vttbr = el2_vttbr(pgt->pgd_phys, ev->tlb.vmid);
	WRITE_ONCE(ev->tlb.live, true);
	/* @live before the guest's walks; pairs with el2_tlbi()'s barrier */
	smp_mb();
}

/* ---- Load time ----------------------------------------------------- */

/*
 * KVM publishes its debugfs directory as the last step but one of a
 * successful initialisation (kvm_init() in virt/kvm/kvm_main.c, 6.1); the
 * symbol is exported, and stays NULL when KVM is disabled on the command
 * line or failed (arm64 KVM is built in: it never initialises later).
 * debugfs off makes it an ERR_PTR, still non-NULL: "active".
 */
static bool el2_kvm_initialised(void)
{
#if IS_ENABLED(CONFIG_KVM)
	return !!READ_ONCE(kvm_debugfs_dir);
#else
	return false;
#endif
}

/*
 * A known table, translated once at load: 39-bit IPA, a level-1 root, one
 * level-2 and one level-3 table, IPA 0x40201000 mapped read-write to a
 * fixed PA and IPA 0x40202000 left empty.  If the hardware does not say
 * exactly that, the environment is not what the window assumes and the
 * module stays in software.
 */
static bool el2_self_check(void)
{
	const u64 ipa = 0x40201000, pa = 0x812345000ULL;
	struct s2mmu_hw_xlate e[2] = {
		{ .ipa = ipa, .access = S2MMU_HWT_WRITE },
		{ .ipa = ipa + S2_PAGE_SIZE, .access = S2MMU_HWT_READ },
	};
	struct s2_pgtable pgt = {
		.vtcr = S2_VTCR_T0SZ(39) | (1ULL << S2_VTCR_SL0_SHIFT) |
			S2_VTCR_IRGN0_WBWA | S2_VTCR_ORGN0_WBWA |
			S2_VTCR_SH0_INNER,
	};
	s2_pte_t *l1, *l2, *l3;
	unsigned long flags;
	bool ok;

	l1 = (s2_pte_t *)get_zeroed_page(GFP_KERNEL);
	l2 = (s2_pte_t *)get_zeroed_page(GFP_KERNEL);
	l3 = (s2_pte_t *)get_zeroed_page(GFP_KERNEL);
	if (!l1 || !l2 || !l3) {
		ok = false;
		goto out;
	}
	l3[1] = pa | S2_PTE_VALID | S2_PTE_TYPE | S2_PTE_AF | S2_PTE_SH_INNER |
		S2_PTE_S2AP_R | S2_PTE_S2AP_W |
		(S2_MEMATTR_NORMAL_WB << S2_PTE_MEMATTR_SHIFT);
	l2[1] = virt_to_phys(l3) | S2_PTE_VALID | S2_PTE_TYPE;
	l1[1] = virt_to_phys(l2) | S2_PTE_VALID | S2_PTE_TYPE;
	dsb(ishst);

	/*
	 * No VMID is owned yet: borrow 255 (VMID 0 with KVM), invalidated
	 * before and after the probe, as a new owner would anyway.
	 */
	flags = el2_lock();
	el2_at_window(el2_vtcr(&pgt),
		      el2_vttbr(virt_to_phys(l1), el2_kvm ? 0 : 255), e, 2,
		      true, true);
	el2_unlock(flags);

	ok = !(e[0].par & PAR_F) && (e[0].par & PAR_PA_MASK) == pa &&
	     (e[1].par & PAR_F) && (e[1].par & PAR_S) &&
	     ((e[1].par >> PAR_FST_SHIFT) & PAR_FST_MASK) ==
	     (S2_FSC_TRANSLATION | 3);
	if (!ok)
		pr_warn("EL2 self-check failed (PAR %#llx, %#llx): hardware translation and TLBI disabled\n",
			e[0].par, e[1].par);
out:
	free_page((unsigned long)l1);
	free_page((unsigned long)l2);
	free_page((unsigned long)l3);
	return ok;
}

void s2mmu_el2_init(void)
{
	struct s2mmu_cpu_features *f = &s2mmu_cpu;

	el2_hw = false;
	/* nVHE and protected KVM keep EL2 out of the kernel's reach. */
	if (f->current_el != 2 || !is_kernel_in_hyp_mode())
		goto report;
	el2_kvm = el2_kvm_initialised();
	el2_ps = min_t(u64, f->pa_range, EL2_PS_48);
	el2_vs = f->vmid_bits == 16;
	el2_empty_root = (void *)get_zeroed_page(GFP_KERNEL);
	if (!el2_empty_root)
		goto report;
	if (!el2_self_check()) {
		free_page((unsigned long)el2_empty_root);
		el2_empty_root = NULL;
		goto report;
	}
	el2_hw = true;
	f->flags |= S2MMU_FEAT_HW_AT;
	if (hw_tlbi)
		f->flags |= S2MMU_FEAT_HW_TLBI | S2MMU_FEAT_RUN;
	if (el2_kvm)
		f->flags |= S2MMU_FEAT_KVM_ACTIVE;
report:
	pr_info("EL2 backend: %s%s\n",
		!el2_hw ? "software only" : hw_tlbi ?
		"AT S12E1 oracle and TLBI at EL2" : "AT S12E1 oracle, software TLB",
		el2_hw ? (el2_kvm ? ", KVM active: VMID 0, serialised" :
			  ", KVM inactive: own VMIDs") : "");
}

void s2mmu_el2_exit(void)
{
	/* Debug tables freed through RCU must be gone before the module. */
	rcu_barrier();
	if (el2_empty_root)
		free_page((unsigned long)el2_empty_root);
	el2_empty_root = NULL;
	ida_destroy(&el2_vmids);
}
