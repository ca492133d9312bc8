/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMSAv8-64 stage-2 descriptor encoding, 4K granule (Arm ARM D8.3).
 * The only place that knows bit positions; everything else speaks
 * &enum s2_prot and levels.
 */
#ifndef S2_DESC_H
#define S2_DESC_H

typedef u64 s2_pte_t;

#define S2_PAGE_SHIFT		12
#define S2_PAGE_SIZE		BIT_ULL(S2_PAGE_SHIFT)
#define S2_PTRS_PER_TABLE	512
#define S2_MAX_LEVEL		3
#define S2_MIN_IA_BITS		32
#define S2_MAX_IA_BITS		48
#define S2_MAX_ROOTS		16

/* Bits of IPA resolved below @level: 39, 30, 21, 12 for levels 0..3. */
#define S2_LEVEL_SHIFT(level)	(S2_PAGE_SHIFT + 9 * (S2_MAX_LEVEL - (level)))
#define S2_LEVEL_SIZE(level)	(1ULL << S2_LEVEL_SHIFT(level))

#define S2_PTE_VALID		BIT_ULL(0)
#define S2_PTE_TYPE		BIT_ULL(1)	/* table (L0-2) / page (L3) */
#define S2_PTE_ADDR_MASK	GENMASK_ULL(47, 12)

#define S2_PTE_MEMATTR_SHIFT	2
#define S2_PTE_MEMATTR_MASK	GENMASK_ULL(5, 2)
#define S2_MEMATTR_NORMAL_WB	0xfULL
#define S2_MEMATTR_NORMAL_NC	0x5ULL
#define S2_MEMATTR_DEVICE_nGnRE	0x1ULL
#define S2_MEMATTR_DEVICE	S2_MEMATTR_DEVICE_nGnRE
#define S2_MEMATTR_DEVICE_nGnRnE 0x0ULL

#define S2_PTE_S2AP_R		BIT_ULL(6)
#define S2_PTE_S2AP_W		BIT_ULL(7)
#define S2_PTE_SH_MASK		GENMASK_ULL(9, 8)
#define S2_PTE_SH_INNER		(3ULL << 8)
#define S2_PTE_AF		BIT_ULL(10)
#define S2_PTE_DBM		BIT_ULL(51)
#define S2_PTE_CONT		BIT_ULL(52)
#define S2_PTE_XN		BIT_ULL(54)
#define S2_PTE_SW_MASK		GENMASK_ULL(58, 55)

/*
 * An invalid descriptor with this software bit set is owned by a walker
 * in the middle of break-before-make: others must back off and retry.
 * Hardware ignores every bit of an invalid descriptor.
 */
#define S2_PTE_LOCKED		BIT_ULL(55)

/* Attributes that may change without break-before-make. */
#define S2_PTE_PERM_MASK	(S2_PTE_S2AP_R | S2_PTE_S2AP_W | S2_PTE_XN | \
				 S2_PTE_AF)

/*
 * MemAttr[3:0] of a table live with HCR_EL2.FWB set (FEAT_S2FWB; the Arm
 * ARM's "Stage 2 memory type and Cacheability attributes when FEAT_S2FWB
 * is enabled"): MemAttr[2] = 0 is Device of type MemAttr[1:0], the same
 * values as without FWB; MemAttr[2:0] = 0b101 Normal non-cacheable (Device
 * if stage 1 says so), also the same value; 0b110 Normal write-back
 * *forced*, whatever stage 1 says -- a guest with its MMU off (stage 1
 * Device) accesses cacheable memory, coherent with the host's view.  Only
 * Normal write-back differs between the two encodings.  0b111 ("stage 1
 * decides") and MemAttr[3] = 1 are not used.
 */
#define S2_MEMATTR_FWB_NORMAL_WB	0x6ULL

/* The MemAttr of Normal write-back memory in the table's encoding. */
static inline u64 s2_memattr_normal_wb(bool fwb)
{
	return fwb ? S2_MEMATTR_FWB_NORMAL_WB : S2_MEMATTR_NORMAL_WB;
}

/*
 * Decoding, for the engine and every other user: static inline, so that
 * the walker's inner loop pays no call for them.
 */

/* A valid descriptor: a table, a block or a page. */
static inline bool s2_desc_valid(s2_pte_t pte)
{
	return pte & S2_PTE_VALID;
}

/*
 * A table descriptor at @level: valid with the type bit, above level 3
 * (where the same bits make a page).
 */
static inline bool s2_desc_table(s2_pte_t pte, s8 level)
{
	return level < S2_MAX_LEVEL &&
	       (pte & (S2_PTE_VALID | S2_PTE_TYPE)) ==
	       (S2_PTE_VALID | S2_PTE_TYPE);
}

/* Invalid, and held by a walker in the middle of break-before-make. */
static inline bool s2_desc_locked(s2_pte_t pte)
{
	return !s2_desc_valid(pte) && (pte & S2_PTE_LOCKED);
}

/* The address field: a table's next-level table, a leaf's output page. */
static inline u64 s2_desc_pa(s2_pte_t pte)
{
	return pte & S2_PTE_ADDR_MASK;
}

/* A table descriptor naming the next-level table at @table_pa. */
static inline s2_pte_t s2_desc_make_table(u64 table_pa)
{
	return (table_pa & S2_PTE_ADDR_MASK) | S2_PTE_TYPE | S2_PTE_VALID;
}

/*
 * Does the leaf @pte found at @level translate?  At level 3 the type bit
 * must be set: a level-3 entry without it is reserved and faults as an
 * invalid one (Arm ARM D8.3.1).
 */
static inline bool s2_desc_leaf_maps(s2_pte_t pte, s8 level)
{
	return s2_desc_valid(pte) &&
	       (level != S2_MAX_LEVEL || (pte & S2_PTE_TYPE));
}

/*
 * The output address of @addr through the leaf @pte at @level: the leaf
 * maps S2_LEVEL_SIZE(@level) bytes (a block maps many pages), and the
 * offset of @addr inside them carries over.
 */
static inline u64 s2_desc_leaf_pa(s2_pte_t pte, s8 level, u64 addr)
{
	u64 mask = S2_LEVEL_SIZE(level) - 1;

	return (pte & S2_PTE_ADDR_MASK & ~mask) | (addr & mask);
}

/* Does the leaf @pte let the guest write (S2AP[1])? */
static inline bool s2_desc_writable(s2_pte_t pte)
{
	return pte & S2_PTE_S2AP_W;
}

/* MemAttr[3:0] of a leaf: S2_MEMATTR_*, raw (FWB or not). */
static inline u64 s2_desc_memattr(s2_pte_t pte)
{
	return (pte & S2_PTE_MEMATTR_MASK) >> S2_PTE_MEMATTR_SHIFT;
}

/*
 * Is the leaf @pte Normal write-back, in the encoding of a table with
 * (@fwb) or without FWB?
 */
static inline bool s2_desc_normal_wb(s2_pte_t pte, bool fwb)
{
	return s2_desc_memattr(pte) == s2_memattr_normal_wb(fwb);
}

/* SH[1:0] of a leaf: 0 non-shareable, 2 outer, 3 inner. */
static inline u8 s2_desc_sh(s2_pte_t pte)
{
	return (pte & S2_PTE_SH_MASK) >> 8;
}

/*
 * ---- Stage 1: a guest's own tables (EL1&0 regime, VMSAv8-64) ----
 * Read by the software walk of S2MMU_TRANSLATE_GVA (gva.c).  Arm ARM
 * D8.3 (descriptors), D8.4 (permissions), D19.2 (TCR_EL1, SCTLR_EL1).
 */
#define S1_DESC_VALID		BIT_ULL(0)
#define S1_DESC_TABLE		BIT_ULL(1)	/* table (L0-2) / page (L3) */
#define S1_DESC_ATTRIDX_SHIFT	2
#define S1_DESC_ATTRIDX_MASK	GENMASK_ULL(4, 2)
#define S1_DESC_AP_EL0		BIT_ULL(6)	/* AP[1]: EL0 may access */
#define S1_DESC_AP_RO		BIT_ULL(7)	/* AP[2]: read-only */
#define S1_DESC_AF		BIT_ULL(10)
#define S1_DESC_PXN		BIT_ULL(53)
#define S1_DESC_UXN		BIT_ULL(54)
/* Hierarchical attributes of a table descriptor (unless TCR.HPDn). */
#define S1_TABLE_PXN		BIT_ULL(59)
#define S1_TABLE_UXN		BIT_ULL(60)
#define S1_TABLE_NO_EL0		BIT_ULL(61)	/* APTable[0] */
#define S1_TABLE_RO		BIT_ULL(62)	/* APTable[1] */
/* Output and next-table addresses: bits 47 down to the granule's shift. */
#define S1_DESC_ADDR_TOP	47

#define S1_TTBR_BADDR_MASK	GENMASK_ULL(47, 1)

#define S1_TCR_T0SZ(tcr)	((u32)(tcr) & 0x3f)
#define S1_TCR_EPD0		BIT_ULL(7)
#define S1_TCR_TG0(tcr)		((u32)((tcr) >> 14) & 3)	/* 0 4K, 1 64K, 2 16K */
#define S1_TCR_T1SZ(tcr)	((u32)((tcr) >> 16) & 0x3f)
#define S1_TCR_EPD1		BIT_ULL(23)
#define S1_TCR_TG1(tcr)		((u32)((tcr) >> 30) & 3)	/* 1 16K, 2 4K, 3 64K */
#define S1_TCR_IPS(tcr)		((u32)((tcr) >> 32) & 7)
#define S1_TCR_TBI0		BIT_ULL(37)
#define S1_TCR_TBI1		BIT_ULL(38)
#define S1_TCR_HA		BIT_ULL(39)
#define S1_TCR_HPD0		BIT_ULL(41)
#define S1_TCR_HPD1		BIT_ULL(42)
#define S1_TCR_TBID0		BIT_ULL(51)
#define S1_TCR_TBID1		BIT_ULL(52)

#define S1_SCTLR_M		BIT_ULL(0)
#define S1_SCTLR_WXN		BIT_ULL(19)
#define S1_SCTLR_EE		BIT_ULL(25)	/* big-endian table walks */

/* The MAIR_EL1 attribute byte a stage-1 leaf selects. */
static inline u8 s1_desc_attr(u64 desc, u64 mair)
{
	u32 idx = (desc & S1_DESC_ATTRIDX_MASK) >> S1_DESC_ATTRIDX_SHIFT;

	return mair >> (8 * idx);
}

/* VTCR_EL2 fields (4K granule, Arm ARM D19.2). */
#define S2_VTCR_T0SZ(ia_bits)	((u64)(64 - (ia_bits)))
#define S2_VTCR_SL0_SHIFT	6
#define S2_VTCR_IRGN0_WBWA	BIT_ULL(8)
#define S2_VTCR_ORGN0_WBWA	BIT_ULL(10)
#define S2_VTCR_SH0_INNER	(3ULL << 12)
#define S2_VTCR_TG0_4K		(0ULL << 14)
#define S2_VTCR_PS_SHIFT	16
#define S2_VTCR_VS		BIT_ULL(19)
#define S2_VTCR_RES1		BIT_ULL(31)

/* VTTBR_EL2 fields (Arm ARM D19.2): the root table's PA and the VMID. */
#define S2_VTTBR_BADDR_MASK	GENMASK_ULL(47, 1)
#define S2_VTTBR_VMID_SHIFT	48

/* Stage-2 fault status codes (ESR_ELx.ISS.DFSC / PAR_EL1.FST), level in 1:0. */
#define S2_FSC_TRANSLATION	0x04
#define S2_FSC_ACCESS		0x08
#define S2_FSC_PERM		0x0c
#define S2_FSC_TYPE_MASK	0x3c
#define S2_FSC_LEVEL_MASK	0x03

#endif /* S2_DESC_H */
