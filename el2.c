// SPDX-License-Identifier: GPL-2.0
/*
 * s2mmu EL2 backend: when the kernel runs at EL2 (VHE), stage-2 TLB
 * maintenance is done with real TLBI instructions, under VMIDs this file
 * hands out.  The AT S12E1R/W window that el2_oracle.c judges is here too:
 * every window lives in this file.
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
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <asm/barrier.h>
#include <asm/cpufeature.h>
#include <asm/daifflags.h>
#include <asm/kvm_arm.h>
#include <asm/sysreg.h>
#include <asm/tlbflush.h>

#include <uapi/linux/s2mmu.h>
#include "s2mmu.h"
#include "s2mmu_el2.h"
#include "s2mmu_lockrank.h"

/*
 * HCR_EL2 inside a window: E2H kept (EL2 keeps its own regime), TGE clear
 * so that the EL1&0 regime and its stage 2 exist at all (with TGE set an AT
 * S12E1 is taken as an EL2 translation), RW for an AArch64 EL1, VM to
 * enable stage 2, DC so that with stage 1 off PAR_EL1 reports the stage-2
 * memory type rather than Device.  FWB as the table's encoding says
 * (el2_hcr_fwb()): the same descriptor means another memory type with and
 * without it.
 */
#define EL2_HCR_WINDOW		(HCR_E2H | HCR_RW | HCR_VM | HCR_DC)

/* HCR_EL2.FWB for a window on @pgt: its MemAttr encoding (s2_desc.h). */
static u64 el2_hcr_fwb(const struct s2_pgtable *pgt)
{
	return pgt->fwb ? HCR_FWB : 0;
}

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

bool s2mmu_el2_hw_tlbi = true;
module_param_named(hw_tlbi, s2mmu_el2_hw_tlbi, bool, 0444);
MODULE_PARM_DESC(hw_tlbi, "At EL2, invalidate VM TLBs with real TLBIs (default: yes)");

bool s2mmu_el2_hw;		/* CurrentEL == 2 and the self-check passed */
bool s2mmu_el2_kvm;		/* KVM initialised: every table uses VMID 0 */
static u64 el2_ps;		/* VTCR_EL2.PS */
static bool el2_vs;		/* VTCR_EL2.VS: 16-bit VMIDs */
static void *el2_empty_root;	/* an all-invalid root, for bare flushes */
static DEFINE_IDA(el2_vmids);

/*
 * Serialises windows.  With KVM active every s2mmu table runs as VMID 0,
 * which KVM never hands out: two tables must never use it at once, and
 * each window invalidates it before and after.
 */
static DEFINE_RAW_SPINLOCK(el2_window_lock);

/* ---- The window ---------------------------------------------- */

/* What a window replaces, restored on the way out. */
struct el2_saved {
	u64	hcr;
	u64	vttbr;
	u64	vtcr;
	u64	sctlr;
	u64	par;
};

/*
 * Order matters: the whole EL1&0 context -- stage 1 (SCTLR_EL12, turned
 * off: a guest that ran on this CPU may have left M set, and with M clear
 * the VA is the IPA, Arm ARM D8.2.11) and stage 2 (VTCR_EL2, VTTBR_EL2) --
 * is written while TGE is still set, so that nothing can use it yet, and
 * synchronised by one ISB before TGE is cleared: from the moment the
 * regime goes live, a translation (even a speculative one) can only see
 * the context of this window, never half of it.  That is the order the
 * kernel keeps for errata 1165522 / 1319367 / 1530923 (speculative AT);
 * CPUs with those errata are refused anyway (s2mmu_el2_init()).
 */
static __always_inline void el2_enter(struct el2_saved *s, u64 hcr, u64 vtcr,
				      u64 vttbr)
{
	s->hcr = read_sysreg(hcr_el2);
	s->vttbr = read_sysreg(vttbr_el2);
	s->vtcr = read_sysreg(vtcr_el2);
	s->sctlr = read_sysreg_s(SYS_SCTLR_EL12);
	s->par = read_sysreg_par();

	write_sysreg_s(s->sctlr & ~SCTLR_ELx_M, SYS_SCTLR_EL12);
	write_sysreg(vtcr, vtcr_el2);
	write_sysreg(vttbr, vttbr_el2);
	isb();
	write_sysreg(hcr, hcr_el2);
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

	s2mmu_raw_spin_lock(&el2_window_lock, S2MMU_RANK_EL2_WINDOW);
	return flags;
}

static void el2_unlock(unsigned long flags)
	__releases(&el2_window_lock)
{
	s2mmu_raw_spin_unlock(&el2_window_lock, S2MMU_RANK_EL2_WINDOW);
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
	return (root & S2_VTTBR_BADDR_MASK) | ((u64)vmid << S2_VTTBR_VMID_SHIFT);
}

/* ---- TLB backend --------------------------------------------- */

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
static notrace void el2_tlbi_window(u64 hcr, u64 vtcr, u64 vttbr,
				    const struct el2_tlbi_req *r)
{
	struct el2_saved s;

	el2_enter(&s, hcr, vtcr, vttbr);
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
	u64 hcr = EL2_HCR_WINDOW | el2_hcr_fwb(pgt);
	u64 vtcr = el2_vtcr(pgt);
	u64 vttbr = el2_vttbr(pgt->pgd_phys, tlb->vmid);
	unsigned long flags;

	u64 t0, t1;

	smp_mb();	/* descriptor writes before the read of @live */
	if (!READ_ONCE(tlb->live))
		return;
	t0 = s2mmu_prof_start();
	flags = el2_lock();
	t1 = s2mmu_prof_start();
	s2mmu_prof_end(S2MMU_PROF_EL2_LOCK, t0);
	el2_tlbi_window(hcr, vtcr, vttbr, r);
	el2_unlock(flags);
	s2mmu_prof_end(r->kind == EL2_TLBI_IPA_LOCAL ? S2MMU_PROF_TLBI_LOCAL :
		       S2MMU_PROF_TLBI_BCAST, t1);
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

/* ---- VMIDs --------------------------------------------------- */

/* Invalidate @vmid with no table behind it (an all-invalid root). */
void s2mmu_el2_flush_bare_vmid(u16 vmid)
{
	struct el2_tlbi_req r = { EL2_TLBI_VMID };
	struct s2_pgtable bare = {
		.vtcr = S2_VTCR_T0SZ(39) | (1ULL << S2_VTCR_SL0_SHIFT) |
			S2_VTCR_IRGN0_WBWA | S2_VTCR_ORGN0_WBWA |
			S2_VTCR_SH0_INNER,
	};
	unsigned long flags;

	flags = el2_lock();
	el2_tlbi_window(EL2_HCR_WINDOW, el2_vtcr(&bare),
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
int s2mmu_el2_vmid_get(struct s2mmu_el2_tlb *tlb, bool *has_vmid)
{
	int id;

	*has_vmid = false;
	tlb->vmid = 0;
	if (s2mmu_el2_kvm)
		return 0;
	id = ida_alloc_range(&el2_vmids, 1, BIT(s2mmu_cpu.vmid_bits) - 1,
			     GFP_KERNEL);
	if (id < 0)
		return id;
	tlb->vmid = id;
	*has_vmid = true;
	s2mmu_el2_flush_bare_vmid(id);
	return 0;
}

void s2mmu_el2_vmid_put(struct s2mmu_el2_tlb *tlb, bool has_vmid)
{
	if (!s2mmu_el2_hw)
		return;
	s2mmu_el2_flush_bare_vmid(tlb->vmid);
	if (has_vmid)
		ida_free(&el2_vmids, tlb->vmid);
}

void s2mmu_el2_tlb_init(struct s2mmu_el2_tlb *tlb)
{
	tlb->live = false;
	/* A debug table at EL1 has no TLB: the counting backend, with ranges. */
	tlb->ops = s2mmu_el2_hw ? el2_tlb_template : s2mmu_sw_tlb_ops;
	tlb->ops.range_capable = !s2mmu_el2_hw ||
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
	if (!s2mmu_el2_hw)
		return NULL;
	s2mmu_el2_tlb_init(&ev->tlb);
	ret = s2mmu_el2_vmid_get(&ev->tlb, &ev->has_vmid);
	if (ret)
		return ERR_PTR(ret);
	/*
	 * Without hw_tlbi the VM keeps the software backend; its table still
	 * has a VMID, invalidated whole before every translation window.
	 */
	return s2mmu_el2_hw_tlbi ? &ev->tlb.ops : NULL;
}

void s2mmu_el2_vm_destroy(struct s2mmu_el2_vm *ev)
{
	if (ev->dbg) {
		s2mmu_el2_dbg_destroy(ev->dbg);
		ev->dbg = NULL;
	}
	if (s2mmu_el2_hw)
		s2mmu_el2_vmid_put(&ev->tlb, ev->has_vmid);
	mutex_destroy(&ev->dbg_lock);
}

/* ---- The AT window ------------------------------------------- */

/*
 * One AT @op ("s12e1r", ...) on @va, and its answer: PAR_EL1, read after
 * an ISB, since an AT's result is only guaranteed there after a context
 * synchronisation (Arm ARM C5.5, "AT").  read_sysreg_par() carries the
 * barriers of erratum 1508412 (a PAR_EL1 read overtaking a load).  A
 * macro: the operation is part of the instruction.
 */
#define el2_at_par(op, va) ({					\
	asm volatile("at " op ", %0" : : "r" (va));		\
	isb();							\
	read_sysreg_par();					\
})

/*
 * AT S12E1R/W for each entry (el2_at_par()).  Before the ATs, the VMID
 * is invalidated: on real hardware AT may answer from the TLB.  It is
 * invalidated after as well, so that the VMID holds nothing once the
 * window closes (VMID 0, shared when KVM is active, must not carry one
 * table's entries into another's window).
 */
static notrace void el2_at_window(u64 hcr, u64 vtcr, u64 vttbr,
				  struct s2mmu_hw_xlate *e, unsigned int n,
				  bool flush_before, bool flush_after)
{
	struct el2_saved s;
	unsigned int i;

	el2_enter(&s, hcr, vtcr, vttbr);
	if (flush_before)
		el2_tlbi_vmid_is();
	for (i = 0; i < n; i++) {
		if (e[i].access == S2MMU_HWT_WRITE)
			e[i].par = el2_at_par("s12e1w", e[i].ipa);
		else
			e[i].par = el2_at_par("s12e1r", e[i].ipa);
	}
	if (flush_after)
		el2_tlbi_vmid_is();
	el2_leave(&s);
}

NOKPROBE_SYMBOL(el2_at_window);

/* The oracle's translation, and the self-check's: one window of ATs. */
void s2mmu_el2_translate(const struct s2_pgtable *pgt, u16 vmid,
			 struct s2mmu_hw_xlate *e, unsigned int n, bool flush)
{
	u64 vtcr = el2_vtcr(pgt);
	u64 vttbr = el2_vttbr(pgt->pgd_phys, vmid);
	unsigned long flags;

	flags = el2_lock();
	el2_at_window(EL2_HCR_WINDOW | el2_hcr_fwb(pgt), vtcr, vttbr, e, n,
		      flush, flush);
	el2_unlock(flags);
}

/* ---- The guest-VA window (gva.c) ------------------------------ */

/*
 * HCR_EL2 for a guest-VA translation: the EL1&0 regime as the guest runs
 * in it (run.c's RUN_HCR_GUEST) as far as translation goes: stage 2 on,
 * PTW (a stage-1 walk that meets Device memory at stage 2 faults), no DC
 * (which would turn the guest's stage 1 off).
 */
#define EL2_HCR_GVA		(HCR_E2H | HCR_RW | HCR_VM | HCR_PTW)

/* The host's EL1 stage-1 registers a guest-VA window replaces. */
static __always_inline void el2_s1_read(struct s2mmu_el2_s1_regs *r)
{
	r->sctlr = read_sysreg_s(SYS_SCTLR_EL12);
	r->tcr = read_sysreg_s(SYS_TCR_EL12);
	r->ttbr0 = read_sysreg_s(SYS_TTBR0_EL12);
	r->ttbr1 = read_sysreg_s(SYS_TTBR1_EL12);
	r->mair = read_sysreg_s(SYS_MAIR_EL12);
}

static __always_inline void el2_s1_write(const struct s2mmu_el2_s1_regs *r)
{
	write_sysreg_s(r->sctlr, SYS_SCTLR_EL12);
	write_sysreg_s(r->tcr, SYS_TCR_EL12);
	write_sysreg_s(r->ttbr0, SYS_TTBR0_EL12);
	write_sysreg_s(r->ttbr1, SYS_TTBR1_EL12);
	write_sysreg_s(r->mair, SYS_MAIR_EL12);
}

/*
 * The three ATs (el2_at_par()): stage 1 alone, then both stages for a
 * read and for a write.  AT has no execute form: the caller answers
 * execute accesses in software.
 */
static __always_inline void el2_gva_ats(struct s2mmu_el2_gva_at *at)
{
	if (at->el0) {
		at->par_s1 = el2_at_par("s1e0r", at->va);
		at->par_r = el2_at_par("s12e0r", at->va);
		at->par_w = el2_at_par("s12e0w", at->va);
		return;
	}
	at->par_s1 = el2_at_par("s1e1r", at->va);
	at->par_r = el2_at_par("s12e1r", at->va);
	at->par_w = el2_at_par("s12e1w", at->va);
}

/*
 * The order of el2_enter(), with the guest's stage 1 instead of none:
 * the whole EL1&0 context (the vCPU's SCTLR/TCR/TTBRs/MAIR and the VM's
 * VTCR/VTTBR) is written while TGE is still set and synchronised by one
 * ISB before HCR_EL2 makes the regime live, so that no translation, not
 * even a speculative one (errata 1165522/1319367/1530923), sees half of
 * it.  On the way out HCR_EL2 goes first: with TGE back, the EL1&0
 * registers are inert again and can be restored in any order.
 */
static notrace void el2_gva_window(u64 hcr, u64 vtcr, u64 vttbr,
				   const struct s2mmu_el2_s1_regs *guest,
				   struct s2mmu_el2_gva_at *at, bool flush)
{
	struct s2mmu_el2_s1_regs host;
	struct el2_saved s;

	s.hcr = read_sysreg(hcr_el2);
	s.vttbr = read_sysreg(vttbr_el2);
	s.vtcr = read_sysreg(vtcr_el2);
	s.par = read_sysreg_par();
	el2_s1_read(&host);

	el2_s1_write(guest);
	write_sysreg(vtcr, vtcr_el2);
	write_sysreg(vttbr, vttbr_el2);
	isb();
	write_sysreg(hcr, hcr_el2);
	isb();
	if (flush)
		el2_tlbi_vmid_is();
	el2_gva_ats(at);
	if (flush)
		el2_tlbi_vmid_is();

	write_sysreg(s.hcr, hcr_el2);
	isb();
	el2_s1_write(&host);
	write_sysreg(s.vttbr, vttbr_el2);
	write_sysreg(s.vtcr, vtcr_el2);
	write_sysreg(s.par, par_el1);
	isb();
}

NOKPROBE_SYMBOL(el2_gva_window);

/**
 * s2mmu_el2_translate_gva() - AT a guest VA with a vCPU's stage-1 context
 * @ev: the VM's EL2 state (its VMID)
 * @pgt: the VM's table; not locked: the hardware walks it as a vCPU would
 * @s1: the vCPU's EL1 stage-1 registers
 * @at: the VA and EL in, the three PAR_EL1 values out
 *
 * A VMID whose TLB entries the engine keeps invalidated (@live, with real
 * TLBIs) may answer from the TLB, as the guest's own accesses would; any
 * other (VMID 0 shared with every table when KVM is active, software
 * TLBs, a VM that never ran) is invalidated before and after the ATs.
 */
void s2mmu_el2_translate_gva(struct s2mmu_el2_vm *ev, const struct s2_pgtable *pgt,
			     const struct s2mmu_el2_s1_regs *s1,
			     struct s2mmu_el2_gva_at *at)
{
	u64 vtcr = el2_vtcr(pgt);
	u64 vttbr = el2_vttbr(pgt->pgd_phys, ev->tlb.vmid);
	bool flush = s2mmu_el2_kvm || !s2mmu_el2_hw_tlbi ||
		     !READ_ONCE(ev->tlb.live);
	unsigned long flags;

	flags = el2_lock();
	el2_gva_window(EL2_HCR_GVA | el2_hcr_fwb(pgt), vtcr, vttbr, s1, at,
		       flush);
	el2_unlock(flags);
}

/* ---- Guests (run.c) ------------------------------------------------ */

bool s2mmu_el2_can_run(void)
{
	return s2mmu_el2_hw && s2mmu_el2_hw_tlbi;
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

/* ---- Load time ----------------------------------------------- */

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
	bool ok;

	l1 = (s2_pte_t *)get_zeroed_page(GFP_KERNEL);
	l2 = (s2_pte_t *)get_zeroed_page(GFP_KERNEL);
	l3 = (s2_pte_t *)get_zeroed_page(GFP_KERNEL);
	if (!l1 || !l2 || !l3) {
		ok = false;
		goto out;
	}
	l3[1] = s2_make_leaf(pa, S2_PROT_RWX | S2_PROT_AF, S2_MAX_LEVEL);
	l2[1] = s2_desc_make_table(virt_to_phys(l3));
	l1[1] = s2_desc_make_table(virt_to_phys(l2));
	dsb(ishst);

	/*
	 * No VMID is owned yet: borrow 255 (VMID 0 with KVM), invalidated
	 * before and after the probe, as a new owner would anyway.
	 */
	pgt.pgd_phys = virt_to_phys(l1);
	s2mmu_el2_translate(&pgt, s2mmu_el2_kvm ? 0 : 255, e, 2, true);

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

	s2mmu_el2_hw = false;
	/* nVHE and protected KVM keep EL2 out of the kernel's reach. */
	if (f->current_el != 2 || !is_kernel_in_hyp_mode())
		goto report;
	/*
	 * A CPU that may speculate AT with an inconsistent EL1&0 context
	 * (errata 1165522, 1319367, 1530923) needs more than the window's
	 * ordering (KVM also blocks stage-1 walks through TCR_EL1.EPDx around
	 * every switch); the module does not open windows there at all.
	 */
	if (cpus_have_final_cap(ARM64_WORKAROUND_SPECULATIVE_AT)) {
		pr_info("speculative-AT errata (1165522/1319367/1530923): no EL2 windows\n");
		goto report;
	}
	s2mmu_el2_kvm = el2_kvm_initialised();
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
	s2mmu_el2_hw = true;
	f->flags |= S2MMU_FEAT_HW_AT;
	if (s2mmu_el2_hw_tlbi)
		f->flags |= S2MMU_FEAT_HW_TLBI | S2MMU_FEAT_RUN;
	if (s2mmu_el2_kvm)
		f->flags |= S2MMU_FEAT_KVM_ACTIVE;
report:
	pr_info("EL2 backend: %s%s\n",
		!s2mmu_el2_hw ? "software only" : s2mmu_el2_hw_tlbi ?
		"AT S12E1 oracle and TLBI at EL2" : "AT S12E1 oracle, software TLB",
		s2mmu_el2_hw ? (s2mmu_el2_kvm ? ", KVM active: VMID 0, serialised" :
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
