/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What el2.c (the EL2 backend: windows, TLBIs, VMIDs) gives el2_oracle.c
 * (the debug table and the AT oracle) and gva.c (guest-VA translation).
 * Private to those three files.
 */
#ifndef S2MMU_EL2_H
#define S2MMU_EL2_H

#include <linux/types.h>

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

extern bool s2mmu_el2_hw_tlbi;
extern bool s2mmu_el2_hw;	/* CurrentEL == 2 and the self-check passed */
extern bool s2mmu_el2_kvm;	/* KVM initialised: every table uses VMID 0 */

/*
 * AT S12E1R/W of each entry of @e (@ipa, @access in; @par out) through
 * @pgt under @vmid, in one exception-masked window; with @flush, the VMID
 * is invalidated before and after the ATs.
 */
void s2mmu_el2_translate(const struct s2_pgtable *pgt, u16 vmid,
			 struct s2mmu_hw_xlate *e, unsigned int n, bool flush);
void s2mmu_el2_flush_bare_vmid(u16 vmid);

/**
 * struct s2mmu_el2_s1_regs - a vCPU's EL1 stage-1 context
 * @sctlr: SCTLR_EL1
 * @tcr: TCR_EL1
 * @ttbr0: TTBR0_EL1
 * @ttbr1: TTBR1_EL1
 * @mair: MAIR_EL1
 */
struct s2mmu_el2_s1_regs {
	u64	sctlr;
	u64	tcr;
	u64	ttbr0;
	u64	ttbr1;
	u64	mair;
};

/**
 * struct s2mmu_el2_gva_at - the ATs of one guest-VA translation
 * @va: in: the guest virtual address
 * @el0: in: translate as an EL0 access (else EL1)
 * @par_s1: out: PAR_EL1 after AT S1E{0,1}R: stage 1 alone (the IPA)
 * @par_r: out: PAR_EL1 after AT S12E{0,1}R
 * @par_w: out: PAR_EL1 after AT S12E{0,1}W
 */
struct s2mmu_el2_gva_at {
	u64	va;
	bool	el0;
	u64	par_s1;
	u64	par_r;
	u64	par_w;
};

void s2mmu_el2_translate_gva(struct s2mmu_el2_vm *ev, const struct s2_pgtable *pgt,
			     const struct s2mmu_el2_s1_regs *s1,
			     struct s2mmu_el2_gva_at *at);

/* el2_oracle.c: everything the engine counts when it changes a table */
u64 s2mmu_el2_table_activity(const struct s2_pgtable *pgt);
int s2mmu_el2_vmid_get(struct s2mmu_el2_tlb *tlb, bool *has_vmid);
void s2mmu_el2_vmid_put(struct s2mmu_el2_tlb *tlb, bool has_vmid);
void s2mmu_el2_tlb_init(struct s2mmu_el2_tlb *tlb);

/* el2_oracle.c, for el2.c */
struct s2mmu_el2_dbg;
void s2mmu_el2_dbg_destroy(struct s2mmu_el2_dbg *d);

#endif /* S2MMU_EL2_H */
