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
 * @flags: %S2MMU_FEAT_* bits
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

/* ioctls on /dev/s2mmu */
#define S2MMU_GET_API_VERSION	_IO(S2MMUIO, 0x00)
#define S2MMU_GET_FEATURES	_IOR(S2MMUIO, 0x01, struct s2mmu_features)

/*
 * Numbers reserved for the rest of the ABI, so that parallel work on it
 * does not collide:
 *   0x02-0x0f  /dev/s2mmu (CREATE_VM, GET_VCPU_MMAP_SIZE)
 *   0x40-0x5f  VM fd: memslots, vCPUs, stats
 *   0x60-0x6f  VM fd: dirty logging, ENABLE_CAP
 *   0x70-0x7f  VM fd: hardware translation (EL2 backend)
 *   0x80-0x8f  vCPU fd
 */

/*
 * EL2 backend (VM fd, 0x70-0x7f): the hardware's own stage-2 walker as an
 * oracle.  See Documentation/el2.rst.
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
 * @flags: out: %S2MMU_HWT_F_* bits
 * @mismatch: out: %S2MMU_HWT_M_* bits, non-zero only with
 *	%S2MMU_HWT_F_MISMATCH
 * @par: out: PAR_EL1 as AT S12E1R/W left it
 * @hw_pa: out: the PA the hardware produced (PAR_EL1.F = 0)
 * @sw_pte: out: the descriptor the software walk found (0 if none)
 * @sw_pa: out: the PA that descriptor gives (no fault)
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
 * @reserved: zero
 *
 * The answer is the hardware's (@hw_*), unless %S2MMU_HWT_F_FALLBACK
 * says that the hardware faulted while break-before-make was under way
 * on the table and the software walk (@sw_*) is the answer instead.
 * %S2MMU_HWT_F_FAULT is set when the answer is a fault.
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
 * @nr: in: entries at @entries, 1..%S2MMU_HWT_MAX
 * @flags: in: %S2MMU_HWT_DEBUG_TABLE translates through the table of
 *	%S2MMU_DEBUG_TABLE_OP instead of the VM's stage-2 table;
 *	%S2MMU_HWT_NO_FLUSH skips the invalidation of the VMID before the
 *	ATs, so that on real hardware a missing TLB invalidation shows up
 *	as a stale answer (ignored when KVM is active: VMID 0 is shared)
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
#define S2MMU_DBG_SHARED	(1U << 0)	/* MAP/RELAX/MKYOUNG: shared walk */
#define S2MMU_DBG_FORCE_PTE	(1U << 1)	/* MAP: no blocks */

/**
 * struct s2mmu_debug_table_op - argument of %S2MMU_DEBUG_TABLE_OP
 * @op: in: %S2MMU_DBG_*
 * @prot: in: %S2MMU_DBG_PROT_* for MAP and RELAX
 * @ipa: in: first IPA, page aligned
 * @size: in: bytes, page aligned
 * @pa: in: MAP: first output address, page aligned, below 2^pa_bits
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
 * for a bad flag, access, IPA or non-zero reserved field, -ENOENT for
 * S2MMU_HWT_DEBUG_TABLE before the debug table exists.
 */
#define S2MMU_HW_TRANSLATE	_IOWR(S2MMUIO, 0x70, struct s2mmu_hw_translate)
/*
 * S2MMU_DEBUG_TABLE_OP: one engine operation on the VM's debug table
 * (created by the first call).  -EINVAL for a bad field, -ERANGE beyond
 * the IPA size, -ENOSPC when the table would exceed its page budget.
 */
#define S2MMU_DEBUG_TABLE_OP	_IOWR(S2MMUIO, 0x71, struct s2mmu_debug_table_op)

#endif /* _UAPI_LINUX_S2MMU_H */
