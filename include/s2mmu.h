/* SPDX-License-Identifier: GPL-2.0 */
/*
 * s2mmu module-internal interfaces between main.c (device, CPU probe),
 * the VM files (vm.c, mmu.c, ...; their own shared declarations are in
 * s2mmu_vm.h) and the EL2 backend (el2.c, el2_oracle.c).
 */
#ifndef S2MMU_H
#define S2MMU_H

#include <linux/atomic.h>
#include <linux/jump_label.h>
#include <linux/mutex.h>
#include <linux/types.h>

#include "s2_pgtable.h"

/**
 * struct s2mmu_cpu_features - what the boot CPU reports, probed at load
 * @current_el: exception level the kernel runs at (2 with VHE)
 * @pa_bits: physical address size (ID_AA64MMFR0_EL1.PARange)
 * @max_ipa_bits: largest IPA size a VM may have: PA size, at most 48
 * @pa_range: raw PARange field, for VTCR_EL2.PS
 * @vmid_bits: 8 or 16
 * @flags: S2MMU_FEAT_* of the uapi header
 * @mmfr0: ID_AA64MMFR0_EL1
 * @mmfr1: ID_AA64MMFR1_EL1
 * @mmfr2: ID_AA64MMFR2_EL1
 * @isar0: ID_AA64ISAR0_EL1
 */
struct s2mmu_cpu_features {
	u32 current_el;
	u32 pa_bits;
	u32 max_ipa_bits;
	u32 pa_range;
	u32 vmid_bits;
	u32 flags;
	u64 mmfr0;
	u64 mmfr1;
	u64 mmfr2;
	u64 isar0;
};

extern struct s2mmu_cpu_features s2mmu_cpu;

/* mmu.c */

/**
 * struct s2mmu_page_counter - table pages charged to one owner
 * @nr: pages charged now
 * @limit: most pages @nr may reach; a charge beyond it fails
 *
 * Passed as the argument of s2_memcache_topup() with
 * &s2mmu_table_mm_ops: every page the top-up allocates is charged, and
 * uncharged when the engine frees it.  Root tables are not charged.
 */
struct s2mmu_page_counter {
	atomic_long_t	nr;
	long		limit;
};

/*
 * s2mmu_table_mm_ops - the table-page callbacks of every stage-2 table in
 * the module.  Each page is counted in S2MMU_GET_MODULE_STATS's
 * table_pages until it is freed; pages the engine frees deferred go after
 * an RCU grace period, so shared walkers must run inside an RCU read-side
 * critical section.  &s2_mm_ops.zalloc_page takes a &struct
 * s2mmu_page_counter, or NULL for no owner limit.
 */
extern const struct s2_mm_ops s2mmu_table_mm_ops;

/*
 * s2mmu_sw_tlb_ops - the software TLB backend: nothing is invalidated
 * (no hardware walks the table), the engine counts each call.
 * @range_capable is false; copy it to change that.
 */
extern const struct s2_tlb_ops s2mmu_sw_tlb_ops;

/* stats.c: the debugfs root and the module-wide leak checks */
int s2mmu_stats_init(void);
void s2mmu_stats_exit(void);

/*
 * stats.c: the phase profile (module parameter "profile", debugfs
 * s2mmu/profile): how often each phase of the fault and harvest paths
 * ran and the time spent in it, summed per CPU.  Off by default, when a
 * phase costs nothing (a static key); benchmarks turn it on for a
 * separate pass, so the figures they time are never profiled.
 */
enum s2mmu_prof_id {
#define S2MMU_PROF(id, name)	S2MMU_PROF_##id,
#include "s2mmu_prof.h"
#undef S2MMU_PROF
	S2MMU_PROF_NR,
};

DECLARE_STATIC_KEY_FALSE(s2mmu_profile_on);
u64 s2mmu_prof_now(void);
void s2mmu_prof_add(enum s2mmu_prof_id id, u64 t0);

/* The start of a phase: 0 when profiling is off. */
static inline u64 s2mmu_prof_start(void)
{
	return static_branch_unlikely(&s2mmu_profile_on) ? s2mmu_prof_now() : 0;
}

/* The end of a phase started at @t0 (from s2mmu_prof_start()). */
static inline void s2mmu_prof_end(enum s2mmu_prof_id id, u64 t0)
{
	if (unlikely(t0))
		s2mmu_prof_add(id, t0);
}

/* vm.c: the VM-related ioctls of /dev/s2mmu */
long s2mmu_vm_dev_ioctl(unsigned int cmd, unsigned long arg);

/* el2.c */

/**
 * struct s2mmu_el2_tlb - the EL2 TLB backend of one stage-2 table
 * @ops: what the engine calls; a per-table copy, so that the backend finds
 *	its VMID from the ops pointer the engine passes back
 * @vmid: the VMID the table runs with (0 when KVM is active)
 * @live: the TLB may hold entries of @vmid outside a window (set for good
 *	by a translation without the invalidation around it); until then
 *	every use of @vmid ended with a whole-VMID invalidation, and the
 *	engine's invalidations have nothing to remove
 */
struct s2mmu_el2_tlb {
	struct s2_tlb_ops	ops;
	u16			vmid;
	bool			live;
};

struct s2mmu_el2_dbg;

/**
 * struct s2mmu_hwt_counts - what %S2MMU_HW_TRANSLATE found on one table
 * @translated: IPAs translated
 * @fallback: hardware faults replaced by the software walk (a BBM seen
 *	in flight on another CPU)
 * @mismatch: unexplained disagreements between hardware and software
 */
struct s2mmu_hwt_counts {
	atomic64_t	translated;
	atomic64_t	fallback;
	atomic64_t	mismatch;
};

/**
 * struct s2mmu_el2_vm - the EL2 backend's state of one VM
 * @tlb: TLB backend of the VM's stage-2 table
 * @has_vmid: @tlb.vmid came from the allocator and must be freed
 * @counts: what translations on the VM's table found
 * @dbg_lock: serialises the creation and reset of @dbg
 * @dbg: the debug table of %S2MMU_DEBUG_TABLE_OP, NULL until used
 * @fwb: the VM's tables use the FWB MemAttr encoding (cache.c): every
 *	window and guest entry on them sets HCR_EL2.FWB
 */
struct s2mmu_el2_vm {
	struct s2mmu_el2_tlb	tlb;
	bool			has_vmid;
	struct s2mmu_hwt_counts	counts;
	struct mutex		dbg_lock;	/* creation/reset of @dbg */
	struct s2mmu_el2_dbg	*dbg;
	bool			fwb;
};

void s2mmu_el2_init(void);
void s2mmu_el2_exit(void);

/**
 * s2mmu_el2_vm_init() - give a new VM its VMID
 * @ev: the VM's EL2 state
 *
 * Return: the TLB ops for the VM's s2_pgtable_init(): the EL2 backend when
 * the kernel runs at EL2, NULL when the caller must use the software
 * (counting) backend; ERR_PTR(-ENOSPC) when every VMID is taken.
 */
const struct s2_tlb_ops *s2mmu_el2_vm_init(struct s2mmu_el2_vm *ev);

/**
 * s2mmu_el2_vm_destroy() - release what s2mmu_el2_vm_init() gave
 * @ev: the VM's EL2 state
 *
 * Called after the VM's table was destroyed: invalidates the VMID, frees
 * it and the debug table.
 */
void s2mmu_el2_vm_destroy(struct s2mmu_el2_vm *ev);

/* el2_oracle.c */

/**
 * s2mmu_el2_vm_hwt_counts() - what %S2MMU_HW_TRANSLATE found on a VM
 * @ev: the VM's EL2 state
 * @translated: IPAs translated, on the VM's table and its debug table
 * @fallback: of those, hardware faults answered by the software walk
 * @mismatch: of those, unexplained disagreements
 *
 * May sleep (takes the debug table's creation lock).
 */
void s2mmu_el2_vm_hwt_counts(struct s2mmu_el2_vm *ev, u64 *translated,
			     u64 *fallback, u64 *mismatch);

/**
 * s2mmu_el2_vm_ioctl() - the EL2 backend's VM ioctls (0x70-0x7f)
 * @ev: the VM's EL2 state
 * @pgt: the VM's stage-2 table
 * @cmd: %S2MMU_HW_TRANSLATE or %S2MMU_DEBUG_TABLE_OP
 * @arg: user pointer
 *
 * The VM's table is walked without its MMU lock, like the hardware walks
 * it: table pages that a walker may have seen must be freed after an RCU
 * grace period (&s2_mm_ops.free_page_deferred).
 *
 * Return: 0, a negative errno of the uapi header, -ENOTTY for another
 * command.
 */
long s2mmu_el2_vm_ioctl(struct s2mmu_el2_vm *ev, struct s2_pgtable *pgt,
			unsigned int cmd, unsigned long arg);

/**
 * s2mmu_el2_can_run() - whether guests can run (%S2MMU_FEAT_RUN)
 *
 * Return: true at EL2 with VHE, the self-check passed and real TLBIs.
 */
bool s2mmu_el2_can_run(void);

/**
 * s2mmu_el2_guest_regs() - VTCR_EL2 and VTTBR_EL2 to run a VM's guest
 * @ev: the VM's EL2 state
 * @pgt: the VM's stage-2 table
 * @vtcr: out: VTCR_EL2
 * @vttbr: out: VTTBR_EL2, the table's root and the VM's VMID
 *
 * Marks the VMID live for good: from now on every invalidation the engine
 * asks for is issued, since the guest's TLB entries may exist anywhere.
 */
void s2mmu_el2_guest_regs(struct s2mmu_el2_vm *ev, struct s2_pgtable *pgt,
			  u64 *vtcr, u64 *vttbr);

/* run.c */
struct s2mmu_vcpu;
struct s2mmu_vcpu_ctx;
struct s2mmu_run;

struct s2mmu_vcpu_ctx *s2mmu_run_ctx_alloc(struct s2mmu_vcpu *vcpu,
					   struct s2mmu_run *run,
					   struct s2mmu_el2_vm *el2,
					   struct s2_pgtable *pgt);
void s2mmu_run_ctx_free(struct s2mmu_vcpu_ctx *ctx);
long s2mmu_run_ioctl(struct s2mmu_vcpu_ctx *ctx, unsigned int cmd,
		     unsigned long arg);
long s2mmu_run_irq_line(struct s2mmu_vcpu_ctx *ctx, void __user *argp);

/* mmio.c */
bool s2mmu_exit_pending(const struct s2mmu_vcpu_ctx *ctx);

/* cache.c: line sizes of every CPU, probed at load */
void s2mmu_cache_init(void);

/* gva.c */
long s2mmu_gva_translate(struct s2mmu_vcpu *vcpu, void __user *argp);

#endif /* S2MMU_H */
