// SPDX-License-Identifier: GPL-2.0
/*
 * s2mmu guest-VA translation: S2MMU_TRANSLATE_GVA translates a guest
 * virtual address through a vCPU's own stage 1 and the VM's stage 2
 * without taking the VM's mmu_lock.  At EL2 the hardware answers (AT, in
 * el2.c's window); a hardware stage-2 fault is checked with the software
 * walk, which answers instead when the table was changing meanwhile
 * (break-before-make on another CPU).  The software walk here reads the
 * guest's tables through the engine's lockless stage-2 lookup, so it also
 * answers where the hardware cannot.  See Documentation/gva-translate.rst.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/page_ref.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <uapi/linux/s2mmu.h>
#include "s2mmu.h"
#include "s2mmu_el2.h"
#include "s2mmu_run.h"
#include "s2mmu_vm.h"

/*
 * A test knob (root only): with it off, a hardware stage-2 fault is
 * reported as it is even when a concurrent break-before-make explains
 * it, so that a test can show that it notices the false faults.
 */
static bool gva_fallback = true;
module_param_named(gva_fallback, gva_fallback, bool, 0644);
MODULE_PARM_DESC(gva_fallback,
		 "S2MMU_TRANSLATE_GVA: answer hardware faults met during BBM by the software walk (test knob, default: yes)");

/* Re-reads of a stage-2 entry under BBM before rescheduling. */
#define GVA_BBM_SPINS		1000

#define GVA_FSC_LEVEL(fsc)	((fsc) & S2_FSC_LEVEL_MASK)
#define GVA_FSC_ADDR_SIZE	0x00

/**
 * struct gva_walk - one software walk
 * @pgt: the VM's stage-2 table, walked without its lock
 * @r: the vCPU's stage-1 registers
 * @saw_bbm: a stage-2 entry under break-before-make was met (and waited
 *	out): the table was changing during the walk
 */
struct gva_walk {
	struct s2_pgtable			*pgt;
	const struct s2mmu_el2_s1_regs		*r;
	bool					saw_bbm;
};

/**
 * struct gva_fault - a fault as PAR_EL1 reports it
 * @fst: fault status code, level in bits 1:0; meaningful when @stage != 0
 * @stage: 0 (no fault), 1 or 2
 * @ptw: a stage-2 fault on the stage-1 walk's read of a table
 */
struct gva_fault {
	u8	fst;
	u8	stage;
	bool	ptw;
};

/**
 * struct gva_s1 - what stage 1 says about a VA at one EL
 * @f: a fault every access takes (translation, address size, access
 *	flag, stage 2 on the walk), else @stage 0
 * @level: the level of the leaf (or of the fault)
 * @ipa: the output address
 * @attr: the MAIR_EL1 byte of the leaf
 * @perms: S2MMU_GVA_PERM_* stage 1 allows at the EL
 */
struct gva_s1 {
	struct gva_fault	f;
	s8			level;
	u64			ipa;
	u8			attr;
	u8			perms;
};

/**
 * struct gva_cfg - the stage-1 regime of one VA, from TCR/TTBR
 * @base: the root table's IPA
 * @page_shift: 12, 14 or 16 (4K, 16K, 64K granule)
 * @ia_bits: input address bits (64 - TxSZ)
 * @oa_bits: output address bits (TCR.IPS, at most the CPU's and 48)
 * @start_level: level of the root table
 * @hpd: hierarchical permissions disabled (TCR.HPDn)
 */
struct gva_cfg {
	u64	base;
	u32	page_shift;
	u32	ia_bits;
	u32	oa_bits;
	int	start_level;
	bool	hpd;
};

static void gva_set_fault(struct gva_fault *f, u8 stage, u8 type, int level,
			  bool ptw)
{
	f->stage = stage;
	f->fst = type | (level & S2_FSC_LEVEL_MASK);
	f->ptw = ptw;
}

/* ---- Stage 2: the engine's lockless lookup ------------------------ */

/*
 * The stage-2 leaf of @ipa.  An entry under BBM is, for a walker, "try
 * again": another CPU will make it valid.  The wait gives the CPU away
 * now and then and ends on a signal.  An IPA the table cannot hold comes
 * back as no leaf at level 0, as the hardware reports it.
 */
static int gva_s2_leaf(struct gva_walk *w, u64 ipa, s2_pte_t *pte, s8 *level)
{
	unsigned int spins = 0;

	for (;;) {
		if (s2_get_leaf(w->pgt, ipa, pte, level)) {
			*pte = 0;
			*level = 0;
			return 0;
		}
		if (!s2_desc_locked(*pte))
			return 0;
		w->saw_bbm = true;
		if (++spins < GVA_BBM_SPINS) {
			cpu_relax();
			continue;
		}
		spins = 0;
		if (signal_pending(current))
			return -EINTR;
		cond_resched();
	}
}

/*
 * Does stage 2 let @access (S2MMU_GVA_*, or a table read when @ptw) through
 * the leaf @pte at @level?  The fault priority of the Arm ARM (D8.16.1):
 * translation, access flag, permission.  With HCR_EL2.PTW (set for guests)
 * a table read from Device memory is a permission fault.
 */
static bool gva_s2_faults(s2_pte_t pte, s8 level, u32 access, bool ptw,
			  struct gva_fault *f)
{
	u32 prot;
	bool ok;

	if (!s2_desc_leaf_maps(pte, level)) {
		gva_set_fault(f, 2, S2_FSC_TRANSLATION, level, ptw);
		return true;
	}
	prot = s2_leaf_prot(pte);
	if (!(prot & S2_PROT_AF)) {
		gva_set_fault(f, 2, S2_FSC_ACCESS, level, ptw);
		return true;
	}
	if (ptw)
		ok = (prot & S2_PROT_R) && !(prot & S2_PROT_DEVICE);
	else if (access == S2MMU_GVA_EXEC)
		ok = prot & S2_PROT_X;
	else
		ok = prot & (access == S2MMU_GVA_WRITE ? S2_PROT_W : S2_PROT_R);
	if (!ok)
		gva_set_fault(f, 2, S2_FSC_PERM, level, ptw);
	return !ok;
}

/*
 * A reference on the page at @pa, which a stage-2 leaf maps.  The leaf
 * pins the page, but may go at any moment: the reference keeps the page
 * from being reused while it is read.  ERR_PTR(-EAGAIN): the folio was
 * being freed or split, look again.
 */
static struct page *gva_get_page(u64 pa)
{
	unsigned long pfn = PHYS_PFN(pa);
	struct folio *folio;
	struct page *page;

	if (!pfn_valid(pfn))
		return ERR_PTR(-EFAULT);
	page = pfn_to_page(pfn);
	rcu_read_lock();
	folio = page_folio(page);
	if (!folio_try_get_rcu(folio)) {
		folio = NULL;
	} else if (page_folio(page) != folio) {
		folio_put(folio);
		folio = NULL;
	}
	rcu_read_unlock();
	return folio ? page : ERR_PTR(-EAGAIN);
}

/* Is @ipa still mapped by @pte?  Then the page holding it is the guest's. */
static bool gva_leaf_unchanged(struct gva_walk *w, u64 ipa, s2_pte_t pte)
{
	s2_pte_t now;
	s8 level;

	return !s2_get_leaf(w->pgt, ipa, &now, &level) && now == pte;
}

/* One 64-bit descriptor of the guest's, single-copy atomic as a walk's. */
static u64 gva_read_page(struct page *page, u64 pa, bool big_endian)
{
	void *va = kmap_local_page(page);
	u64 raw = READ_ONCE(*(u64 *)(va + offset_in_page(pa)));

	kunmap_local(va);
	return big_endian ? be64_to_cpu((__force __be64)raw) :
			    le64_to_cpu((__force __le64)raw);
}

/*
 * Read the stage-1 descriptor at @ipa through stage 2, as the hardware
 * walker does.  Return: 0 with @desc, or with @f set (a stage-2 fault on
 * the walk); -EINTR (a signal while the leaf kept changing or stayed under
 * BBM); -EFAULT when a leaf maps something that is not RAM.
 */
static int gva_read_desc(struct gva_walk *w, u64 ipa, u64 *desc,
			 struct gva_fault *f)
{
	struct page *page;
	s2_pte_t pte;
	s8 level;
	int ret;

	for (;;) {
		ret = gva_s2_leaf(w, ipa, &pte, &level);
		if (ret)
			return ret;
		if (gva_s2_faults(pte, level, S2MMU_GVA_READ, true, f))
			return 0;
		page = gva_get_page(s2_desc_leaf_pa(pte, level, ipa));
		if (!IS_ERR(page) && gva_leaf_unchanged(w, ipa, pte))
			break;
		if (!IS_ERR(page))
			put_page(page);
		else if (PTR_ERR(page) != -EAGAIN)
			return PTR_ERR(page);
		w->saw_bbm = true;	/* the leaf moved under the read */
		if (signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	*desc = gva_read_page(page, s2_desc_leaf_pa(pte, level, ipa),
			      w->r->sctlr & S1_SCTLR_EE);
	put_page(page);
	return 0;
}

/* ---- Stage 1: the guest's tables ---------------------------------- */

/* Output address bits of TCR_EL1.IPS, capped by the CPU's and by 48. */
static u32 gva_oa_bits(u64 tcr)
{
	static const u8 ips_bits[] = { 32, 36, 40, 42, 44, 48, 52, 52 };

	return min3((u32)ips_bits[S1_TCR_IPS(tcr)], s2mmu_cpu.pa_bits, 48U);
}

/*
 * Is TxSZ in the range the CPU supports: 16..39, or up to 48 (47 for 64K)
 * with FEAT_TTST?  Outside it the Arm ARM lets an implementation either
 * clamp or take a level-0 translation fault, and requires the fault with
 * FEAT_LVA; QEMU faults, so does this walk (52-bit VAs are not modelled).
 */
static bool gva_txsz_ok(u32 txsz, u32 page_shift)
{
	u32 max = 39;

	/* ID_AA64MMFR2_EL1.ST, bits 31:28 */
	if ((s2mmu_cpu.mmfr2 >> 28) & 0xf)
		max = page_shift == 16 ? 47 : 48;
	return txsz >= 16 && txsz <= max;
}

/*
 * Which half of the address space @va is in, and that half's regime.
 * Return: false with @f set when the VA is in neither half, the half's
 * walks are disabled (TCR.EPDn) or its TxSZ is out of range: a level-0
 * translation fault.
 */
static bool gva_select(const struct s2mmu_el2_s1_regs *r, u64 va, bool exec,
		       struct gva_cfg *c, struct gva_fault *f)
{
	bool hi = va & BIT_ULL(55);
	u64 tcr = r->tcr;
	u32 tg = hi ? S1_TCR_TG1(tcr) : S1_TCR_TG0(tcr);
	u32 txsz;
	bool tbi;
	u64 top;

	/* TG0: 0 4K, 1 64K, 2 16K; TG1: 1 16K, 2 4K, 3 64K.  Reserved: 4K. */
	if (hi)
		c->page_shift = tg == 1 ? 14 : tg == 3 ? 16 : 12;
	else
		c->page_shift = tg == 1 ? 16 : tg == 2 ? 14 : 12;
	txsz = hi ? S1_TCR_T1SZ(tcr) : S1_TCR_T0SZ(tcr);
	c->ia_bits = 64 - txsz;
	c->oa_bits = gva_oa_bits(tcr);
	c->hpd = tcr & (hi ? S1_TCR_HPD1 : S1_TCR_HPD0);
	c->base = (hi ? r->ttbr1 : r->ttbr0) & S1_TTBR_BADDR_MASK;
	/* Top byte ignored for data (TBIn), and for fetches unless TBIDn. */
	tbi = (tcr & (hi ? S1_TCR_TBI1 : S1_TCR_TBI0)) &&
	      !(exec && (tcr & (hi ? S1_TCR_TBID1 : S1_TCR_TBID0)));
	top = tbi ? va << 8 >> 8 : va;
	if (hi)
		top = ~top & (tbi ? GENMASK_ULL(55, 0) : ~0ULL);
	if (!gva_txsz_ok(txsz, c->page_shift) || (top >> c->ia_bits) ||
	    (tcr & (hi ? S1_TCR_EPD1 : S1_TCR_EPD0))) {
		gva_set_fault(f, 1, S2_FSC_TRANSLATION, 0, false);
		return false;
	}
	c->start_level = 4 - DIV_ROUND_UP(c->ia_bits - c->page_shift,
					  c->page_shift - 3);
	/* The root is aligned to its own size, at least 64 bytes. */
	c->base &= ~((BIT_ULL(max_t(int, c->ia_bits - (3 - c->start_level) *
				    (c->page_shift - 3) - c->page_shift + 3, 6))) - 1);
	return true;
}

/* Address bits a lookup at @level resolves below. */
static u32 gva_level_shift(const struct gva_cfg *c, int level)
{
	return c->page_shift + (3 - level) * (c->page_shift - 3);
}

/* Blocks: 4K granule at levels 1 and 2, 16K and 64K at level 2 (no LPA2). */
static bool gva_block_ok(const struct gva_cfg *c, int level)
{
	return level == 2 || (level == 1 && c->page_shift == 12);
}

/* Hierarchical attributes gathered on the way down (Arm ARM D8.4.2). */
struct gva_table_attrs {
	bool	ro;
	bool	no_el0;
	bool	pxn;
	bool	uxn;
};

static void gva_table_attrs(struct gva_table_attrs *t, u64 desc)
{
	t->ro |= desc & S1_TABLE_RO;
	t->no_el0 |= desc & S1_TABLE_NO_EL0;
	t->pxn |= desc & S1_TABLE_PXN;
	t->uxn |= desc & S1_TABLE_UXN;
}

/*
 * Stage-1 permissions of a leaf at one EL (Arm ARM D8.4): AP[2:1] with
 * APTable, execute-never from PXN/UXN and XNTable, memory writable at EL0
 * never executable at EL1, and SCTLR_EL1.WXN.
 */
static u8 gva_s1_perms(const struct s2mmu_el2_s1_regs *r, u64 desc,
		       const struct gva_table_attrs *t, bool el0)
{
	bool ro = (desc & S1_DESC_AP_RO) || t->ro;
	bool user = (desc & S1_DESC_AP_EL0) && !t->no_el0;
	bool wxn = r->sctlr & S1_SCTLR_WXN;
	bool rd, wr, ex;

	if (el0) {
		rd = user;
		wr = user && !ro;
		ex = !(desc & S1_DESC_UXN) && !t->uxn && !(wxn && wr);
	} else {
		rd = true;
		wr = !ro;
		ex = !(desc & S1_DESC_PXN) && !t->pxn && !(user && !ro) &&
		     !(wxn && wr);
	}
	return (rd ? S2MMU_GVA_PERM_R : 0) | (wr ? S2MMU_GVA_PERM_W : 0) |
	       (ex ? S2MMU_GVA_PERM_X : 0);
}

/* The leaf @desc at @level: output address, attributes, permissions. */
static void gva_s1_leaf(struct gva_walk *w, const struct gva_cfg *c, u64 va,
			u64 desc, int level, const struct gva_table_attrs *t,
			bool el0, struct gva_s1 *s1)
{
	u32 shift = gva_level_shift(c, level);
	u64 oa = desc & GENMASK_ULL(S1_DESC_ADDR_TOP, shift);

	s1->level = level;
	if (oa >> c->oa_bits) {
		gva_set_fault(&s1->f, 1, GVA_FSC_ADDR_SIZE, level, false);
		return;
	}
	/* No hardware update of the flag (TCR.HA): the flag clear faults. */
	if (!(desc & S1_DESC_AF) && !(w->r->tcr & S1_TCR_HA)) {
		gva_set_fault(&s1->f, 1, S2_FSC_ACCESS, level, false);
		return;
	}
	s1->ipa = oa | (va & (BIT_ULL(shift) - 1));
	s1->attr = s1_desc_attr(desc, w->r->mair);
	s1->perms = gva_s1_perms(w->r, desc, t, el0);
}

/*
 * One descriptor at @level.  Return: 1 with @table set to go down, 0 when
 * @s1 is final (a leaf or a fault), or -errno.
 */
static int gva_s1_step(struct gva_walk *w, const struct gva_cfg *c, u64 va,
		       int level, u64 *table, struct gva_table_attrs *t,
		       bool el0, struct gva_s1 *s1)
{
	u32 shift = gva_level_shift(c, level);
	u64 index = (va >> shift) &
		    (BIT_ULL(min(c->ia_bits, 64U) - shift) - 1);
	u64 desc, next;
	int ret;

	if (level != c->start_level)
		index &= BIT_ULL(c->page_shift - 3) - 1;
	s1->level = level;
	ret = gva_read_desc(w, *table + index * 8, &desc, &s1->f);
	if (ret || s1->f.stage)
		return ret;
	if (!(desc & S1_DESC_VALID) ||
	    (level == 3 && !(desc & S1_DESC_TABLE)) ||
	    (level < 3 && !(desc & S1_DESC_TABLE) && !gva_block_ok(c, level))) {
		gva_set_fault(&s1->f, 1, S2_FSC_TRANSLATION, level, false);
		return 0;
	}
	if (level == 3 || !(desc & S1_DESC_TABLE)) {
		gva_s1_leaf(w, c, va, desc, level, t, el0, s1);
		return 0;
	}
	next = desc & GENMASK_ULL(S1_DESC_ADDR_TOP, c->page_shift);
	if (next >> c->oa_bits) {
		gva_set_fault(&s1->f, 1, GVA_FSC_ADDR_SIZE, level, false);
		return 0;
	}
	if (!c->hpd)
		gva_table_attrs(t, desc);
	*table = next;
	return 1;
}

/*
 * Stage 1 of @va at EL0 or EL1.  With the MMU off (SCTLR_EL1.M clear) the
 * IPA is the VA, Device-nGnRnE for data, every access allowed, and a VA
 * beyond the physical address size is a level-0 address size fault (Arm
 * ARM D8.2.11).  Return: 0 (@s1 filled), -EINTR or -EFAULT.
 */
static int gva_s1_walk(struct gva_walk *w, u64 va, bool el0, bool exec,
		       struct gva_s1 *s1)
{
	struct gva_table_attrs t = {};
	struct gva_cfg c;
	u64 table;
	int level, ret;

	memset(s1, 0, sizeof(*s1));
	if (!(w->r->sctlr & S1_SCTLR_M)) {
		if (va >> s2mmu_cpu.pa_bits)
			gva_set_fault(&s1->f, 1, GVA_FSC_ADDR_SIZE, 0, false);
		s1->ipa = va;
		s1->perms = S2MMU_GVA_PERM_R | S2MMU_GVA_PERM_W |
			    S2MMU_GVA_PERM_X;
		return 0;
	}
	if (!gva_select(w->r, va, exec, &c, &s1->f))
		return 0;
	if (c.base >> c.oa_bits) {
		gva_set_fault(&s1->f, 1, GVA_FSC_ADDR_SIZE, 0, false);
		return 0;
	}
	table = c.base;
	for (level = c.start_level; level <= 3; level++) {
		ret = gva_s1_step(w, &c, va, level, &table, &t, el0, s1);
		if (ret <= 0)
			return ret;
	}
	return 0;
}

/* ---- The software answer ----------------------------------------- */

static void gva_put_fault(struct s2mmu_translate_gva *t,
			  const struct gva_fault *f)
{
	if (!f->stage) {
		t->fault = 0;
		t->fault_stage = 0;
		t->fault_level = 0;
		t->fault_ptw = 0;
		t->fst = 0;
		return;
	}
	switch (f->fst & S2_FSC_TYPE_MASK) {
	case GVA_FSC_ADDR_SIZE:
		t->fault = S2MMU_GVA_FAULT_ADDR_SIZE;
		break;
	case S2_FSC_TRANSLATION:
		t->fault = S2MMU_GVA_FAULT_TRANSLATION;
		break;
	case S2_FSC_ACCESS:
		t->fault = S2MMU_GVA_FAULT_ACCESS;
		break;
	case S2_FSC_PERM:
		t->fault = S2MMU_GVA_FAULT_PERMISSION;
		break;
	default:
		t->fault = S2MMU_GVA_FAULT_OTHER;
	}
	t->fault_stage = f->stage;
	t->fault_level = GVA_FSC_LEVEL(f->fst);
	t->fault_ptw = f->ptw;
	t->fst = f->fst;
}

/* Where @access goes after stage 1 said @s1: its fault, or none. */
static void gva_sw_access(const struct gva_s1 *s1, s2_pte_t pte, s8 level,
			  u32 access, struct gva_fault *f)
{
	static const u8 perm[] = {
		[S2MMU_GVA_READ] = S2MMU_GVA_PERM_R,
		[S2MMU_GVA_WRITE] = S2MMU_GVA_PERM_W,
		[S2MMU_GVA_EXEC] = S2MMU_GVA_PERM_X,
	};

	*f = s1->f;
	if (f->stage)
		return;
	if (!(s1->perms & perm[access])) {
		gva_set_fault(f, 1, S2_FSC_PERM, s1->level, false);
		return;
	}
	gva_s2_faults(pte, level, access, false, f);
}

/*
 * The answer from the stage-1 walk at @el and the final stage-2 leaf:
 * the fault of the asked access, the accesses that translate, and the
 * IPA and stage-1 attribute when a read passes stage 1 (as AT S1E*R
 * reports them).
 */
static void gva_sw_fill(struct s2mmu_translate_gva *t, const struct gva_s1 *s1,
			s2_pte_t pte, s8 level)
{
	struct gva_fault f;
	u32 a;

	t->result = S2MMU_GVA_R_PERM_X;
	t->perms = 0;
	for (a = S2MMU_GVA_READ; a <= S2MMU_GVA_EXEC; a++) {
		gva_sw_access(s1, pte, level, a, &f);
		if (!f.stage)
			t->perms |= BIT(a);
		if (a == t->access)
			gva_put_fault(t, &f);
	}
	if (!s1->f.stage && (s1->perms & S2MMU_GVA_PERM_R)) {
		t->ipa = s1->ipa;
		t->s1_attr = s1->attr;
		t->result |= S2MMU_GVA_R_IPA | S2MMU_GVA_R_S1_ATTR;
	}
	if (s2_desc_leaf_maps(pte, level) && !s1->f.stage) {
		t->s2_memattr = s2_desc_memattr(pte);
		t->result |= S2MMU_GVA_R_S2_MEMATTR;
	}
	if (!t->fault) {
		t->pa = s2_desc_leaf_pa(pte, level, s1->ipa);
		t->result |= S2MMU_GVA_R_PA;
	}
}

/* The software walk's answer: stage 1, then stage 2 of its output. */
static int gva_sw_translate(struct gva_walk *w, struct s2mmu_translate_gva *t)
{
	struct gva_s1 s1;
	s2_pte_t pte = 0;
	s8 level = 0;
	int ret;

	ret = gva_s1_walk(w, t->gva, t->el == 0, t->access == S2MMU_GVA_EXEC,
			  &s1);
	if (ret)
		return ret;
	if (!s1.f.stage) {
		ret = gva_s2_leaf(w, s1.ipa, &pte, &level);
		if (ret)
			return ret;
	}
	gva_sw_fill(t, &s1, pte, level);
	return 0;
}

/* ---- The hardware answer ------------------------------------------ */

/* PAR_EL1 of a failed AT: FST, S (stage 2) and PTW (Arm ARM D19.2). */
static void gva_par_fault(u64 par, struct gva_fault *f)
{
	f->stage = !(par & PAR_F) ? 0 : (par & PAR_S) ? 2 : 1;
	f->fst = (par >> PAR_FST_SHIFT) & PAR_FST_MASK;
	f->ptw = f->stage && (par & PAR_PTW);
}

/*
 * The answer the three ATs give: AT S1E*R the IPA and the stage-1
 * attribute, AT S12E*R/W the reads and writes that translate, and the
 * one of the asked access its PA (PAR_EL1.PA is the 4K page: the VA's
 * offset in it is added) or its fault.
 */
static void gva_hw_fill(struct s2mmu_translate_gva *t,
			const struct s2mmu_el2_gva_at *at)
{
	u64 par = t->access == S2MMU_GVA_WRITE ? at->par_w : at->par_r;
	u64 off = t->gva & (S2_PAGE_SIZE - 1);
	struct gva_fault f;

	t->result = 0;
	t->perms = 0;
	if (!(at->par_r & PAR_F))
		t->perms |= S2MMU_GVA_PERM_R;
	if (!(at->par_w & PAR_F))
		t->perms |= S2MMU_GVA_PERM_W;
	if (!(at->par_s1 & PAR_F)) {
		t->ipa = (at->par_s1 & PAR_PA_MASK) | off;
		t->s1_attr = at->par_s1 >> PAR_ATTR_SHIFT;
		t->result |= S2MMU_GVA_R_IPA | S2MMU_GVA_R_S1_ATTR;
	}
	gva_par_fault(par, &f);
	gva_put_fault(t, &f);
	if (!f.stage) {
		t->pa = (par & PAR_PA_MASK) | off;
		t->par_attr = par >> PAR_ATTR_SHIFT;
		t->result |= S2MMU_GVA_R_PA | S2MMU_GVA_R_PAR_ATTR;
	}
}

static bool gva_par_stage2(u64 par)
{
	return (par & PAR_F) && (par & PAR_S);
}

static bool gva_hw_stage2_fault(const struct s2mmu_el2_gva_at *at)
{
	return gva_par_stage2(at->par_s1) || gva_par_stage2(at->par_r) ||
	       gva_par_stage2(at->par_w);
}

/*
 * The fault status codes of two answers, the level of a stage-2 fault on
 * the stage-1 walk aside: the Arm ARM reports the stage-2 level there
 * (the software walk does), but QEMU (7.2) reports the level of the
 * stage-1 lookup that was reading the table.  Everything else about such
 * a fault (kind, stage, walk) must still agree.
 */
static bool gva_same_fst(const struct s2mmu_translate_gva *a,
			 const struct s2mmu_translate_gva *b)
{
	if (a->fault_ptw && b->fault_ptw)
		return (a->fst & S2_FSC_TYPE_MASK) == (b->fst & S2_FSC_TYPE_MASK);
	return a->fst == b->fst;
}

/* Do the two answers agree on everything both of them give? */
static bool gva_same(const struct s2mmu_translate_gva *a,
		     const struct s2mmu_translate_gva *b)
{
	const u32 addrs = S2MMU_GVA_R_IPA | S2MMU_GVA_R_PA;
	u32 both = a->result & b->result;

	if (!gva_same_fst(a, b) || a->fault_stage != b->fault_stage ||
	    a->fault_ptw != b->fault_ptw ||
	    ((a->perms ^ b->perms) & (S2MMU_GVA_PERM_R | S2MMU_GVA_PERM_W)) ||
	    ((a->result ^ b->result) & addrs))
		return false;
	if ((both & S2MMU_GVA_R_IPA) && a->ipa != b->ipa)
		return false;
	if ((both & S2MMU_GVA_R_PA) && a->pa != b->pa)
		return false;
	return !(both & S2MMU_GVA_R_S1_ATTR) || a->s1_attr == b->s1_attr;
}

/*
 * A stage-2 permission fault where the software walk finds the access
 * allowed: after a relax only the faulting CPU invalidates, and the Arm
 * ARM (D8.14.1) lets another CPU's TLB keep the weaker entry until it
 * faults on it.  Not a disagreement.
 */
static bool gva_stale_relax(const struct s2mmu_translate_gva *hw,
			    const struct s2mmu_translate_gva *sw)
{
	return hw->fault == S2MMU_GVA_FAULT_PERMISSION &&
	       hw->fault_stage == 2 && !sw->fault;
}

static void gva_hw_window(struct s2mmu_vm *vm, const struct gva_walk *w,
			  struct s2mmu_translate_gva *t)
{
	struct s2mmu_el2_gva_at at = { .va = t->gva, .el0 = !t->el };

	s2mmu_el2_translate_gva(&vm->el2, &vm->pgt, w->r, &at);
	gva_hw_fill(t, &at);
	t->how = gva_hw_stage2_fault(&at) ? 0 : S2MMU_GVA_HOW_HW;
}

/*
 * The hardware faulted at stage 2 (@t) and the software walk (@sw, after
 * it) disagrees.  Another CPU was changing the table when the software
 * walk met an entry under BBM or the engine's counters moved; when it
 * was only just finishing (its counters not yet added), a second AT now
 * sees what the software walk saw.  Only a second disagreement on a table
 * that did not change is a real one: reported, with the hardware's answer.
 */
static void gva_judge(struct s2mmu_vm *vm, struct gva_walk *w, u64 act,
		      struct s2mmu_translate_gva *t,
		      struct s2mmu_translate_gva *sw)
{
	struct s2mmu_translate_gva again = *t;

	smp_rmb();	/* the software walk before the counters */
	if (!w->saw_bbm && s2mmu_el2_table_activity(&vm->pgt) == act &&
	    !gva_stale_relax(t, sw)) {
		gva_hw_window(vm, w, &again);
		if (!gva_same(&again, sw)) {
			t->how = S2MMU_GVA_HOW_HW;
			t->result |= S2MMU_GVA_R_DISAGREED;
			pr_warn_ratelimited("TRANSLATE_GVA: hardware and software walks disagree at %#llx (PAR FST %#x, stage %u)\n",
					    t->gva, t->fst, t->fault_stage);
			return;
		}
	}
	*t = *sw;
	t->how = S2MMU_GVA_HOW_FALLBACK;
}

/*
 * Hardware first, no lock taken.  A stage-2 fault may be the transient of
 * a BBM on another CPU (the entry invalid between break and make): it is
 * checked by the software walk, which waits such an entry out.
 */
static int gva_hw_translate(struct s2mmu_vm *vm, struct gva_walk *w,
			    struct s2mmu_translate_gva *t)
{
	struct s2mmu_translate_gva sw = *t;
	u64 act;
	int ret;

	act = s2mmu_el2_table_activity(&vm->pgt);
	/* The counters read before the hardware walk reads the table. */
	dsb(ish);
	gva_hw_window(vm, w, t);
	if (t->how == S2MMU_GVA_HOW_HW)
		return 0;
	t->how = S2MMU_GVA_HOW_HW;
	ret = gva_sw_translate(w, &sw);
	if (ret)
		return ret;
	if (gva_same(t, &sw) || !READ_ONCE(gva_fallback))
		return 0;
	gva_judge(vm, w, act, t, &sw);
	return 0;
}

/* ---- The ioctl ----------------------------------------------------- */

static int gva_check(const struct s2mmu_translate_gva *t)
{
	if (t->access > S2MMU_GVA_EXEC || t->el > 1 ||
	    (t->flags & ~S2MMU_GVA_SOFTWARE))
		return -EINVAL;
	if (memchr_inv(t->pad, 0, sizeof(t->pad)) || t->reserved[0] ||
	    t->reserved[1])
		return -EINVAL;
	return 0;
}

/* The outputs start cleared: a field an answer does not give reads 0. */
static void gva_clear_out(struct s2mmu_translate_gva *t)
{
	struct s2mmu_translate_gva in = {
		.gva = t->gva, .access = t->access, .el = t->el,
		.flags = t->flags,
	};

	*t = in;
}

static void gva_count(struct s2mmu_vm *vm, const struct s2mmu_translate_gva *t)
{
	if (t->how == S2MMU_GVA_HOW_HW)
		atomic64_inc(s2mmu_vm_stat(vm, gva_hw));
	else if (t->how == S2MMU_GVA_HOW_FALLBACK)
		atomic64_inc(s2mmu_vm_stat(vm, gva_fallbacks));
	else
		atomic64_inc(s2mmu_vm_stat(vm, gva_sw));
}

/**
 * s2mmu_gva_translate() - S2MMU_TRANSLATE_GVA
 * @vcpu: the vCPU whose stage-1 context is used; the caller holds its
 *	mutex, so its saved registers are stable (it is not running)
 * @argp: user pointer to &struct s2mmu_translate_gva
 *
 * Return: 0, -EINVAL, -EINTR or -EFAULT (see the uapi header).
 */
long s2mmu_gva_translate(struct s2mmu_vcpu *vcpu, void __user *argp)
{
	struct s2mmu_vm *vm = vcpu->vm;
	const u64 *sys = vcpu->ctx->sys;
	struct s2mmu_el2_s1_regs r = {
		.sctlr = sys[S2_SCTLR], .tcr = sys[S2_TCR],
		.ttbr0 = sys[S2_TTBR0], .ttbr1 = sys[S2_TTBR1],
		.mair = sys[S2_MAIR],
	};
	struct gva_walk w = { .pgt = &vm->pgt, .r = &r };
	struct s2mmu_translate_gva t;
	int ret;

	if (copy_from_user(&t, argp, sizeof(t)))
		return -EFAULT;
	ret = gva_check(&t);
	if (ret)
		return ret;
	gva_clear_out(&t);
	if (s2mmu_el2_hw && t.access != S2MMU_GVA_EXEC &&
	    !(t.flags & S2MMU_GVA_SOFTWARE)) {
		ret = gva_hw_translate(vm, &w, &t);
	} else {
		ret = gva_sw_translate(&w, &t);
		t.how = S2MMU_GVA_HOW_SW;
	}
	if (ret)
		return ret;
	gva_count(vm, &t);
	return copy_to_user(argp, &t, sizeof(t)) ? -EFAULT : 0;
}
