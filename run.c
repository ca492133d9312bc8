// SPDX-License-Identifier: GPL-2.0
/*
 * s2mmu guest execution: S2MMU_RUN enters a vCPU at EL1 on the VM's
 * stage-2 table, handles in the kernel every exit that needs no VMM
 * (stage-2 faults inside memory slots, host interrupts, WFI/WFE, FP/SIMD
 * first use) and returns to the VMM for the rest.
 *
 * Only a kernel running at EL2 with VHE can do this: the host's own
 * registers are EL2's, so the EL1 registers are free for the guest while
 * no KVM vCPU is loaded on the CPU (KVM saves its guest's EL1 state when
 * its vCPU thread is scheduled out, and this thread runs).  Each entry is
 * a self-contained switch with every exception masked: save what the
 * guest can touch, load the guest, ERET (switch.S), take the exit at
 * s2mmu's vectors, restore.  See Documentation/vcpu.rst.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/kprobes.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/wait.h>
#include <asm/alternative.h>
#include <asm/barrier.h>
#include <asm/daifflags.h>
#include <asm/esr.h>
#include <asm/kvm_arm.h>
#include <asm/neon.h>
#include <asm/sysreg.h>
#include <asm/tlbflush.h>
#include <clocksource/arm_arch_timer.h>

#include <uapi/linux/s2mmu.h>
#include "s2mmu.h"
#include "s2mmu_run.h"
#include "s2mmu_vm.h"

#define SYS_CONTEXTIDR_EL12	sys_reg(3, 5, 13, 0, 1)
#define SYS_CNTVOFF_EL2_S2	sys_reg(3, 4, 14, 0, 3)
#define SYS_VTTBR_EL2_S2	sys_reg(3, 4, 2, 1, 0)
#define SYS_VTCR_EL2_S2		sys_reg(3, 4, 2, 1, 2)
#define SYS_VMPIDR_EL2_S2	sys_reg(3, 4, 0, 0, 5)

/*
 * HCR_EL2 while the guest runs (Arm ARM D19.2.48): stage 2 on (VM), the
 * host keeps physical IRQ/FIQ/SError (IMO/FMO/AMO, so they exit at once),
 * broadcast TLB and barrier maintenance of the guest to the Inner
 * Shareable domain (FB, BSU), WFI/WFE trapped (TWI/TWE), SMC trapped
 * (TSC), implementation-defined registers and ACTLR trapped
 * (TIDCP/TACR), set/way cache maintenance trapped (TSW: it would act on
 * the host's caches), LORegions trapped, and E2H kept with TGE clear.
 * API/APK stay clear: pointer authentication would hand the guest the
 * host kernel's keys, so its instructions trap.
 */
#define RUN_HCR_GUEST	(HCR_VM | HCR_SWIO | HCR_PTW | HCR_FMO | HCR_IMO | \
			 HCR_AMO | HCR_FB | HCR_BSU_IS | HCR_TWI | HCR_TWE | \
			 HCR_TSC | HCR_TIDCP | HCR_TACR | HCR_TSW | HCR_RW | \
			 HCR_TLOR | HCR_E2H)

/* MDCR_EL2: debug, PMU, trace-filter and SPE registers trap. */
#define RUN_MDCR_TRAPS	(MDCR_EL2_TPM | MDCR_EL2_TPMCR | MDCR_EL2_TDA | \
			 MDCR_EL2_TDOSA | MDCR_EL2_TDRA | MDCR_EL2_TTRF | \
			 MDCR_EL2_TPMS)

/*
 * CNTHCTL_EL2 with E2H (Arm ARM D19.12): EL1PCTEN (bit 10) lets the guest
 * read the physical counter, EL1PTEN (bit 11) clear traps its physical
 * timer, which belongs to the host.
 */
#define RUN_CNTHCTL_EL1PCTEN	BIT(10)
#define RUN_CNTHCTL_EL1PTEN	BIT(11)

/* CPTR_EL2 in its E2H layout (CPACR_EL1's): FPEN, and TTA at bit 28. */
#define RUN_CPTR_FPEN		(CPACR_EL1_FPEN_EL1EN | CPACR_EL1_FPEN_EL0EN)
#define RUN_CPTR_TTA		BIT(28)

/* CPTR_EL2.TAM (E2H layout): activity monitors trap. */
#define RUN_CPTR_TAM		BIT(30)

/* ID_AA64PFR0_EL1.RAS is bits 31:28 (Arm ARM D19.2.63). */
#define RUN_PFR0_RAS_SHIFT	28

/* ESR_EL2 of a trapped WFx: TI bit 0 set for WFE. */
#define RUN_ESR_WFX_WFE		BIT(0)

/* ESR_EL2 ISS of a trapped system instruction (EC 0x18). */
#define RUN_SYS_OP_MASK		(GENMASK(21, 10) | GENMASK(4, 1))
/* DC ISW/CSW/CISW: op0 1, op1 0, CRn 7, CRm 6/10/14, op2 2. */
#define RUN_SYS_ISS(op0, op1, crn, crm, op2) \
	((op0) << 20 | (op2) << 17 | (op1) << 14 | (crn) << 10 | (crm) << 1)

/* The id of the vCPU context that ran last on each CPU. */
static DEFINE_PER_CPU(u64, run_last_ctx);
/* The VTTBR_EL2 (table and VMID) the last entry on this CPU used. */
static DEFINE_PER_CPU(u64, run_last_vttbr);
static atomic64_t run_next_ctx_id = ATOMIC64_INIT(0);

/**
 * struct run_host - the host registers one entry changes and gives back
 * @hcr: HCR_EL2
 * @cptr: CPTR_EL2 (as CPACR_EL1)
 * @mdcr: MDCR_EL2
 * @cnthctl: CNTHCTL_EL2
 * @cntvoff: CNTVOFF_EL2, given back only when it was not 0 already
 * @tpidr_el0: TPIDR_EL0: the host task's thread pointer
 * @tpidrro_el0: TPIDRRO_EL0
 * @tpidr2_el0: TPIDR2_EL0 (with SME)
 *
 * Nothing else of the host is saved: the EL1 registers the guest owns are
 * not the VHE host's (see run_load_guest()).
 */
struct run_host {
	u64	hcr;
	u64	cptr;
	u64	mdcr;
	u64	cnthctl;
	u64	cntvoff;
	u64	tpidr_el0;
	u64	tpidrro_el0;
	u64	tpidr2_el0;
};

/**
 * struct run_guest_cfg - the EL2 registers of one entry
 * @hcr: HCR_EL2
 * @hcr_base: HCR_EL2 without the virtual interrupt lines
 * @cptr_base: CPTR_EL2 without FP/SIMD enabled
 * @vtcr: VTCR_EL2
 * @vttbr: VTTBR_EL2 (table and VMID)
 * @cptr: CPTR_EL2
 * @sme: the CPU has SME: TPIDR2_EL0, which the guest can write, is saved
 * @pgt: the table @vttbr points at: view 0's or the vCPU's view's
 * @flush_all: invalidate this VMID's entries on this CPU first (another
 *	vCPU context, or another view of the VM, ran here last)
 * @flush_ipa: invalidate this IPA on this CPU first (after a relax)
 * @flush_one: @flush_ipa is valid
 */
struct run_guest_cfg {
	u64	hcr;
	u64	hcr_base;
	u64	cptr_base;
	u64	vtcr;
	u64	vttbr;
	struct s2_pgtable *pgt;
	u64	cptr;
	bool	sme;
	bool	flush_all;
	u64	flush_ipa;
	bool	flush_one;
};

/*
 * Write @val to SYS_@name unless the CPU holds it already.  The
 * comparison is with the live register, never with a remembered idea of
 * it, so after this the register holds @val whoever ran on the CPU last:
 * another vCPU, a KVM guest, an EL2 window of el2.c.  What it saves is
 * the write, which is self-synchronising on hardware but, under
 * emulation, may flush the whole TLB (SCTLR, TCR, TTBR, VTTBR).
 */
#define run_set_s(name, val)					\
	do {							\
		u64 run_new = (val);				\
								\
		if (read_sysreg_s(SYS_##name) != run_new)	\
			write_sysreg_s(run_new, SYS_##name);	\
	} while (0)

/* The guest's EL1 registers, by their EL2 (E2H) access names. */
static __always_inline void run_sysregs_load(const u64 *r)
{
	run_set_s(SCTLR_EL12, r[S2_SCTLR]);
	run_set_s(CPACR_EL12, r[S2_CPACR]);
	run_set_s(TTBR0_EL12, r[S2_TTBR0]);
	run_set_s(TTBR1_EL12, r[S2_TTBR1]);
	run_set_s(TCR_EL12, r[S2_TCR]);
	run_set_s(AFSR0_EL12, r[S2_AFSR0]);
	run_set_s(AFSR1_EL12, r[S2_AFSR1]);
	run_set_s(ESR_EL12, r[S2_ESR]);
	run_set_s(FAR_EL12, r[S2_FAR]);
	run_set_s(MAIR_EL12, r[S2_MAIR]);
	run_set_s(AMAIR_EL12, r[S2_AMAIR]);
	run_set_s(VBAR_EL12, r[S2_VBAR]);
	run_set_s(CONTEXTIDR_EL12, r[S2_CONTEXTIDR]);
	run_set_s(CNTKCTL_EL12, r[S2_CNTKCTL]);
	run_set_s(ELR_EL12, r[S2_ELR_EL1]);
	run_set_s(SPSR_EL12, r[S2_SPSR_EL1]);
	/*
	 * What the guest's MPIDR_EL1 reads return.  Not the guest's to write,
	 * so never read back; the VHE host reads the real MPIDR_EL1 at EL2.
	 */
	run_set_s(VMPIDR_EL2_S2, r[S2_MPIDR]);
	/* Named alike at EL1 and EL2, but only EL1&0 uses them under VHE. */
	run_set_s(TPIDR_EL1, r[S2_TPIDR_EL1]);
	run_set_s(CSSELR_EL1, r[S2_CSSELR]);
	if (read_sysreg_par() != r[S2_PAR])
		write_sysreg(r[S2_PAR], par_el1);
}

static __always_inline void run_sysregs_save(u64 *r)
{
	r[S2_SCTLR] = read_sysreg_s(SYS_SCTLR_EL12);
	r[S2_CPACR] = read_sysreg_s(SYS_CPACR_EL12);
	r[S2_TTBR0] = read_sysreg_s(SYS_TTBR0_EL12);
	r[S2_TTBR1] = read_sysreg_s(SYS_TTBR1_EL12);
	r[S2_TCR] = read_sysreg_s(SYS_TCR_EL12);
	r[S2_AFSR0] = read_sysreg_s(SYS_AFSR0_EL12);
	r[S2_AFSR1] = read_sysreg_s(SYS_AFSR1_EL12);
	r[S2_ESR] = read_sysreg_s(SYS_ESR_EL12);
	r[S2_FAR] = read_sysreg_s(SYS_FAR_EL12);
	r[S2_MAIR] = read_sysreg_s(SYS_MAIR_EL12);
	r[S2_AMAIR] = read_sysreg_s(SYS_AMAIR_EL12);
	r[S2_VBAR] = read_sysreg_s(SYS_VBAR_EL12);
	r[S2_CONTEXTIDR] = read_sysreg_s(SYS_CONTEXTIDR_EL12);
	r[S2_CNTKCTL] = read_sysreg_s(SYS_CNTKCTL_EL12);
	r[S2_ELR_EL1] = read_sysreg_s(SYS_ELR_EL12);
	r[S2_SPSR_EL1] = read_sysreg_s(SYS_SPSR_EL12);
	r[S2_TPIDR_EL1] = read_sysreg(tpidr_el1);
	r[S2_CSSELR] = read_sysreg(csselr_el1);
	r[S2_PAR] = read_sysreg_par();
}

/*
 * The EL0 thread registers are the host task's too: its user space reads
 * them, and the context switch saves whatever they hold into the task.
 * They go back at every exit, before anything can schedule.
 */
static __always_inline void run_el0_load(struct run_host *h, const u64 *r,
					 bool sme)
{
	h->tpidr_el0 = read_sysreg(tpidr_el0);
	h->tpidrro_el0 = read_sysreg(tpidrro_el0);
	if (h->tpidr_el0 != r[S2_TPIDR_EL0])
		write_sysreg(r[S2_TPIDR_EL0], tpidr_el0);
	if (h->tpidrro_el0 != r[S2_TPIDRRO_EL0])
		write_sysreg(r[S2_TPIDRRO_EL0], tpidrro_el0);
	if (sme)
		h->tpidr2_el0 = read_sysreg_s(SYS_TPIDR2_EL0);
}

static __always_inline void run_el0_put(const struct run_host *h, u64 *r,
					bool sme)
{
	r[S2_TPIDR_EL0] = read_sysreg(tpidr_el0);
	r[S2_TPIDRRO_EL0] = read_sysreg(tpidrro_el0);
	if (r[S2_TPIDR_EL0] != h->tpidr_el0)
		write_sysreg(h->tpidr_el0, tpidr_el0);
	if (r[S2_TPIDRRO_EL0] != h->tpidrro_el0)
		write_sysreg(h->tpidrro_el0, tpidrro_el0);
	/* Not a register of the guest's: only what it may have written. */
	if (sme)
		run_set_s(TPIDR2_EL0, h->tpidr2_el0);
}

/*
 * The guest's context, then the EL2 controls.  The order is the one the
 * kernel's handling of errata 1165522/1530923 relies on: the stage-1 and
 * stage-2 context of EL1&0 is written and synchronised while TGE is
 * still set, and only then does HCR_EL2 make it live.
 *
 * What is not given back at the exit: VTCR/VTTBR_EL2 and the guest's EL1
 * registers stay loaded while the host runs, as KVM's VHE switch leaves
 * its guest's.  A VHE host runs on the EL2 registers (TGE set: the EL1&0
 * regime and stage 2 are out of use, its per-CPU offset is TPIDR_EL2,
 * its stack SP_EL2) and never reads them; the next guest on the CPU gets
 * each of its own values written here wherever the CPU holds another,
 * and KVM writes every one of them when it loads a vCPU.  PAR_EL1 and
 * CSSELR_EL1 are scratch registers the kernel writes before each use.
 */
static __always_inline void run_load_guest(struct s2mmu_vcpu_ctx *ctx,
					   const struct run_guest_cfg *cfg,
					   struct run_host *h)
{
	u64 cnthctl;

	h->hcr = read_sysreg(hcr_el2);
	run_set_s(VTCR_EL2_S2, cfg->vtcr);
	run_set_s(VTTBR_EL2_S2, cfg->vttbr);
	run_sysregs_load(ctx->sys);
	run_el0_load(h, ctx->sys, cfg->sme);
	isb();
	h->cptr = read_sysreg(cpacr_el1);
	if (h->cptr != cfg->cptr)
		write_sysreg(cfg->cptr, cpacr_el1);
	h->mdcr = read_sysreg(mdcr_el2);
	if ((h->mdcr | RUN_MDCR_TRAPS) != h->mdcr)
		write_sysreg(h->mdcr | RUN_MDCR_TRAPS, mdcr_el2);
	h->cnthctl = read_sysreg(cnthctl_el2);
	cnthctl = (h->cnthctl & ~RUN_CNTHCTL_EL1PTEN) | RUN_CNTHCTL_EL1PCTEN;
	if (cnthctl != h->cnthctl)
		write_sysreg(cnthctl, cnthctl_el2);
	/* The guest's virtual counter is the physical one. */
	h->cntvoff = read_sysreg_s(SYS_CNTVOFF_EL2_S2);
	if (h->cntvoff)
		write_sysreg_s(0, SYS_CNTVOFF_EL2_S2);
	write_sysreg(cfg->hcr, hcr_el2);
	isb();
}

/*
 * The guest's virtual timer (PPI 27) cannot be trapped: it runs only
 * while the guest does, and is stopped before the host's interrupts are
 * unmasked again, so that it never fires into the host.  CVAL before
 * CTL, so that an enabled timer never compares against another's CVAL;
 * ISTATUS (bit 2) is the hardware's, not compared.
 */
#define RUN_TIMER_CTL_RW	(ARCH_TIMER_CTRL_ENABLE | ARCH_TIMER_CTRL_IT_MASK)

/*
 * An enabled, unmasked timer whose compare value has passed asserts its
 * interrupt at once.  Nothing delivers it to the guest, but with KVM
 * initialised the host has the PPI enabled: every entry would exit at
 * once and the guest never progress.  Such a timer runs with IMASK set
 * (the guest reads it so while the timer stays expired), and the saved
 * state keeps the guest's own IMASK clear.  Returns whether it masked.
 */
static __always_inline bool run_timer_load(const u64 *r)
{
	u64 ctl = read_sysreg_s(SYS_CNTV_CTL_EL02), want = r[S2_CNTV_CTL];
	bool mask = (want & RUN_TIMER_CTL_RW) == ARCH_TIMER_CTRL_ENABLE &&
		    r[S2_CNTV_CVAL] <= __arch_counter_get_cntvct();

	if (mask)
		want |= ARCH_TIMER_CTRL_IT_MASK;
	run_set_s(CNTV_CVAL_EL02, r[S2_CNTV_CVAL]);
	if ((ctl ^ want) & RUN_TIMER_CTL_RW)
		write_sysreg_s(want, SYS_CNTV_CTL_EL02);
	return mask;
}

static __always_inline void run_timer_save(u64 *r, bool masked)
{
	r[S2_CNTV_CTL] = read_sysreg_s(SYS_CNTV_CTL_EL02);
	if (masked)
		r[S2_CNTV_CTL] &= ~ARCH_TIMER_CTRL_IT_MASK;
	r[S2_CNTV_CVAL] = read_sysreg_s(SYS_CNTV_CVAL_EL02);
	/* A disabled timer cannot fire: nothing to stop. */
	if (r[S2_CNTV_CTL] & ARCH_TIMER_CTRL_ENABLE)
		write_sysreg_s(0, SYS_CNTV_CTL_EL02);
}

/*
 * HCR_EL2 first: with TGE back the EL1&0 registers are inert again.  The
 * EL2 controls go back only where the guest's differ (their live values
 * are the ones run_load_guest() left).
 */
static __always_inline void run_put_guest(struct s2mmu_vcpu_ctx *ctx,
					  const struct run_guest_cfg *cfg,
					  const struct run_host *h)
{
	u64 cnthctl = (h->cnthctl & ~RUN_CNTHCTL_EL1PTEN) | RUN_CNTHCTL_EL1PCTEN;

	write_sysreg(h->hcr, hcr_el2);
	isb();
	run_sysregs_save(ctx->sys);
	run_el0_put(h, ctx->sys, cfg->sme);
	if (h->cptr != cfg->cptr)
		write_sysreg(h->cptr, cpacr_el1);
	if ((h->mdcr | RUN_MDCR_TRAPS) != h->mdcr)
		write_sysreg(h->mdcr, mdcr_el2);
	if (cnthctl != h->cnthctl)
		write_sysreg(h->cnthctl, cnthctl_el2);
	if (h->cntvoff)
		write_sysreg_s(h->cntvoff, SYS_CNTVOFF_EL2_S2);
	isb();
	/* The guest's PSTATE.PAN carried over the exception (TGE was 0). */
	asm volatile(ALTERNATIVE("nop", SET_PSTATE_PAN(1), ARM64_HAS_PAN,
				 CONFIG_ARM64_PAN));
}

/*
 * Local invalidations that need the guest's VMID live (VTTBR_EL2 loaded,
 * TGE clear): Arm ARM D8.13, stage-2 maintenance applies to the VMID in
 * VTTBR_EL2 of the current EL1&0 regime.
 */
static __always_inline void run_local_flush(const struct run_guest_cfg *cfg)
{
	if (cfg->flush_all) {
		dsb(nshst);
		__tlbi(vmalls12e1);
		dsb(nsh);
		isb();
	} else if (cfg->flush_one) {
		dsb(nshst);
		__tlbi(ipas2e1, (cfg->flush_ipa >> 12) & GENMASK_ULL(35, 0));
		dsb(nsh);
		__tlbi(vmalle1);
		dsb(nsh);
		isb();
	}
}

/*
 * HPFAR_EL2 is UNKNOWN after a stage-2 permission fault, unless the
 * fault was on the guest's stage-1 walk (Arm ARM, HPFAR_EL2), and after
 * any other abort on CPUs with erratum 834220.
 */
static __always_inline bool run_hpfar_unknown(const struct s2mmu_exit_info *e)
{
	u32 ec = ESR_ELx_EC(e->esr);

	if (e->exc != S2MMU_EXC_SYNC || e->esr & ESR_ELx_S1PTW ||
	    (ec != ESR_ELx_EC_DABT_LOW && ec != ESR_ELx_EC_IABT_LOW))
		return false;
	return (e->esr & ESR_ELx_FSC_TYPE) == ESR_ELx_FSC_PERM ||
	       cpus_have_final_cap(ARM64_WORKAROUND_834220);
}

#ifdef S2MMU_TEST_UNKNOWN_HPFAR
/* Kbuild's test-only build: what such a CPU may leave there. */
static __always_inline void run_test_unknown_hpfar(struct s2mmu_exit_info *e)
{
	if (run_hpfar_unknown(e))
		e->hpfar = 0x7654320;
}
#else
static __always_inline void run_test_unknown_hpfar(struct s2mmu_exit_info *e)
{
}
#endif

/*
 * The IPA of an abort whose HPFAR_EL2 is UNKNOWN, from the guest's own
 * stage 1, still loaded: AT S1E1R of FAR_EL2.  The access got through
 * stage 1, so this translation does too, unless the guest changed its
 * tables meanwhile: then false, and the guest retries the access.  PAR_EL1
 * is the guest's: given back.  KVM does the same (__get_fault_info()).
 */
static __always_inline bool run_far_to_hpfar(struct s2mmu_exit_info *e)
{
	u64 par_guest = read_sysreg_par(), par;

	if (e->esr & ESR_ELx_FnV)
		return false;
	asm volatile("at s1e1r, %0" : : "r" (e->far));
	isb();
	par = read_sysreg_par();
	write_sysreg(par_guest, par_el1);
	if (par & SYS_PAR_EL1_F)
		return false;
	/* PAR_EL1.PA is IPA bits 51:12 in place; FIPA holds them at 43:4. */
	e->hpfar = (par & GENMASK_ULL(51, 12)) >> 8;
	return true;
}

/*
 * One entry and exit, every exception masked by the caller.  Nothing in
 * here may be traced or probed: with TGE clear, a trace hook would run
 * host code on the guest's EL1&0 context.
 */
static notrace void run_world_switch(struct s2mmu_vcpu_ctx *ctx,
				     const struct run_guest_cfg *cfg)
{
	struct run_host h;
	bool timer_masked;

	run_load_guest(ctx, cfg, &h);
	run_local_flush(cfg);
	timer_masked = run_timer_load(ctx->sys);
	ctx->exit.exc = s2mmu_guest_enter(&ctx->gp);
	ctx->exit.esr = read_sysreg(esr_el2);
	ctx->exit.far = read_sysreg(far_el2);
	ctx->exit.hpfar = read_sysreg(hpfar_el2);
	run_test_unknown_hpfar(&ctx->exit);
	ctx->exit.ipa_known = !run_hpfar_unknown(&ctx->exit) ||
			      run_far_to_hpfar(&ctx->exit);
	run_timer_save(ctx->sys, timer_masked);
	run_put_guest(ctx, cfg, &h);
}

NOKPROBE_SYMBOL(run_world_switch);

static u64 run_hcr(struct s2mmu_vcpu_ctx *ctx, u64 hcr)
{
	unsigned long lines = READ_ONCE(ctx->lines);

	if (lines & BIT(S2MMU_IRQ_LINE_IRQ))
		hcr |= HCR_VI;
	if (lines & BIT(S2MMU_IRQ_LINE_FIQ))
		hcr |= HCR_VF;
	return hcr;
}

/*
 * Enter once.  @running_cpu is published before the IRQ line is read
 * (the full barrier pairs with the one in s2mmu_run_irq_line()): either
 * the kicker sees this CPU and interrupts it, or this entry sees the new
 * level.  The kick's IPI waits, masked, until the guest runs.
 */
static void run_enter_once(struct s2mmu_vcpu_ctx *ctx,
			   struct run_guest_cfg *cfg)
{
	unsigned long flags;
	int cpu;

	if (ctx->fp_live)
		kernel_neon_begin();
	flags = local_daif_save();
	cpu = smp_processor_id();
	WRITE_ONCE(ctx->running_cpu, cpu);
	/* @running_cpu before the line levels; pairs with the IRQ_LINE one */
	smp_mb();
	cfg->hcr = run_hcr(ctx, cfg->hcr_base);
	cfg->cptr = cfg->cptr_base | (ctx->fp_live ? RUN_CPTR_FPEN : 0);
	/*
	 * Views share the VM's VMID (views.rst): entries another view's
	 * table left on this CPU would answer for this one.
	 */
	cfg->flush_all = this_cpu_read(run_last_ctx) != ctx->id ||
			 this_cpu_read(run_last_vttbr) != cfg->vttbr;
	this_cpu_write(run_last_ctx, ctx->id);
	this_cpu_write(run_last_vttbr, cfg->vttbr);
	cfg->flush_one = ctx->relax_pending;
	cfg->flush_ipa = ctx->relax_ipa;
	ctx->relax_pending = false;
	if (ctx->fp_live)
		s2mmu_fp_load(&ctx->fp);

	run_world_switch(ctx, cfg);

	if (ctx->fp_live)
		s2mmu_fp_save(&ctx->fp);
	WRITE_ONCE(ctx->running_cpu, -1);
	ctx->nr_exits++;
	local_daif_restore(flags);
	if (ctx->fp_live)
		kernel_neon_end();
}

/* WFI: sleep until a virtual interrupt line is up or a signal comes. */
static int run_wfi(struct s2mmu_vcpu_ctx *ctx)
{
	ctx->gp.pc += 4;
	if (wait_event_interruptible(ctx->wfi_wq, READ_ONCE(ctx->lines)))
		return 1;	/* the loop reports the signal */
	return 1;
}

/* Trapped system instructions: set/way cache maintenance completes here. */
static int run_sys_trap(struct s2mmu_vcpu_ctx *ctx)
{
	u64 op = ctx->exit.esr & RUN_SYS_OP_MASK;

	if (op == RUN_SYS_ISS(1, 0, 7, 6, 2) ||
	    op == RUN_SYS_ISS(1, 0, 7, 10, 2) ||
	    op == RUN_SYS_ISS(1, 0, 7, 14, 2)) {
		/*
		 * The guest's memory is normal host memory, kept coherent by
		 * the host: there is nothing for a set/way operation to do
		 * that the guest could observe (see vcpu.rst, caches).
		 */
		ctx->gp.pc += 4;
		return 1;
	}
	s2mmu_internal_error(ctx, S2MMU_INTERNAL_ERROR_SYSREG);
	return 0;
}

static bool run_is_stage2_fault(u64 esr)
{
	switch (esr & ESR_ELx_FSC_TYPE) {
	case ESR_ELx_FSC_FAULT:
	case ESR_ELx_FSC_ACCESS:
	case ESR_ELx_FSC_PERM:
		return true;
	default:
		return false;
	}
}

/* A stage-2 data or instruction abort: the same handler as VCPU_ACCESS. */
static int run_abort(struct s2mmu_vcpu_ctx *ctx)
{
	u64 esr = ctx->exit.esr;
	u64 ipa;
	int ret;

	if (!run_is_stage2_fault(esr)) {
		s2mmu_internal_error(ctx, S2MMU_INTERNAL_ERROR_EXCEPTION);
		return 0;
	}
	/* The IPA could not be found: the access faults again. */
	if (!ctx->exit.ipa_known)
		return 1;
	/*
	 * HPFAR_EL2.FIPA holds IPA bits 51:12 in its bits 43:4.  FAR_EL2 is
	 * the VA, whose page offset is the IPA's, except on the guest's
	 * stage-1 walk, where the IPA is a descriptor's and FAR is still the
	 * VA being translated: only the page is known then.
	 */
	ipa = (ctx->exit.hpfar & GENMASK_ULL(43, 4)) << 8;
	if (!(esr & ESR_ELx_S1PTW))
		ipa |= ctx->exit.far & GENMASK_ULL(11, 0);
	ret = s2mmu_handle_guest_fault(ctx->vcpu, ipa, esr);
	if (ret < 0)
		return ret;
	if (ret == S2MMU_FAULT_MEM_ACCESS) {
		/* PC stays: the next S2MMU_RUN retries the instruction. */
		s2mmu_mem_access_exit(ctx->vcpu, ctx->exit.far,
				      !(esr & ESR_ELx_FnV), ctx->gp.pc, true);
		return 0;
	}
	if (ret == S2MMU_FAULT_RETRY) {
		if ((esr & ESR_ELx_FSC_TYPE) == ESR_ELx_FSC_PERM) {
			ctx->relax_ipa = ipa;
			ctx->relax_pending = true;
		}
		return 1;
	}
	return s2mmu_mmio_abort(ctx, ipa);
}

/* Return 1 to re-enter, 0 for the VMM, or a negative errno. */
static int run_handle_sync(struct s2mmu_vcpu_ctx *ctx)
{
	u64 esr = ctx->exit.esr;

	switch (ESR_ELx_EC(esr)) {
	case ESR_ELx_EC_DABT_LOW:
	case ESR_ELx_EC_IABT_LOW:
		return run_abort(ctx);
	case ESR_ELx_EC_HVC64:
		s2mmu_hypercall_exit(ctx, false);
		return 0;
	case ESR_ELx_EC_SMC64:
		s2mmu_hypercall_exit(ctx, true);
		return 0;
	case ESR_ELx_EC_WFx:
		if (esr & RUN_ESR_WFX_WFE) {
			/* The loop's cond_resched() gives the CPU away. */
			ctx->gp.pc += 4;
			return 1;
		}
		return run_wfi(ctx);
	case ESR_ELx_EC_FP_ASIMD:
		/* First use: from now on the guest's FP/SIMD is switched. */
		ctx->fp_live = true;
		return 1;
	case ESR_ELx_EC_SYS64:
		return run_sys_trap(ctx);
	default:
		s2mmu_internal_error(ctx, S2MMU_INTERNAL_ERROR_EXCEPTION);
		return 0;
	}
}

static int run_handle_exit(struct s2mmu_vcpu_ctx *ctx)
{
	switch (ctx->exit.exc) {
	case S2MMU_EXC_SYNC:
		return run_handle_sync(ctx);
	case S2MMU_EXC_IRQ:
	case S2MMU_EXC_FIQ:
		/* Taken by the host as soon as the exceptions were unmasked. */
		return 1;
	default:
		s2mmu_internal_error(ctx, S2MMU_INTERNAL_ERROR_SERROR);
		return 0;
	}
}

/*
 * What depends on the CPU's features: RAS error records and external
 * aborts (TERR/TEA) and the activity monitors (TAM) would otherwise be
 * the host's own, reachable from EL1.
 */
static void run_cfg_init(struct s2mmu_vcpu_ctx *ctx, struct run_guest_cfg *cfg)
{
	u64 pfr0 = read_sysreg(id_aa64pfr0_el1);
	u64 pfr1 = read_sysreg(id_aa64pfr1_el1);

	cfg->hcr_base = RUN_HCR_GUEST;
	/*
	 * The table's MemAttr encoding (cache.c): with FWB its Normal memory
	 * is write-back whatever the guest's stage 1 says, so a guest with
	 * its MMU off stays coherent with the host's caches.  Only for this
	 * guest: the host's HCR_EL2 comes back at every exit.
	 */
	if (ctx->pgt->fwb)
		cfg->hcr_base |= HCR_FWB;
	if ((pfr0 >> RUN_PFR0_RAS_SHIFT) & 0xf)
		cfg->hcr_base |= HCR_TERR | HCR_TEA;
	cfg->cptr_base = RUN_CPTR_TTA;
	if ((pfr0 >> ID_AA64PFR0_EL1_AMU_SHIFT) & 0xf)
		cfg->cptr_base |= RUN_CPTR_TAM;
	cfg->sme = !!((pfr1 >> ID_AA64PFR1_EL1_SME_SHIFT) & 0xf);
	cfg->pgt = NULL;
}

/*
 * The table of the vCPU's view, looked up before every entry: a view
 * destroyed while the vCPU runs sends it back to view 0 here.
 */
static void run_cfg_table(struct s2mmu_vcpu_ctx *ctx, struct run_guest_cfg *cfg)
{
	struct s2_pgtable *pgt = s2mmu_vcpu_table(ctx->vcpu);

	if (pgt == cfg->pgt)
		return;
	cfg->pgt = pgt;
	s2mmu_el2_guest_regs(ctx->el2, pgt, &cfg->vtcr, &cfg->vttbr);
}

static int run_loop(struct s2mmu_vcpu_ctx *ctx)
{
	struct run_guest_cfg cfg;
	int ret;

	run_cfg_init(ctx, &cfg);
	for (;;) {
		if (signal_pending(current)) {
			ctx->run->exit_reason = S2MMU_EXIT_INTR;
			return -EINTR;
		}
		cond_resched();
		run_cfg_table(ctx, &cfg);
		run_enter_once(ctx, &cfg);
		ret = run_handle_exit(ctx);
		if (ret <= 0)
			return ret;
	}
}

/*
 * What the VMM writes on the run page and the kernel reads before it
 * does anything: padding1 zero (room for later inputs), immediate_exit a
 * flag.  Read once: another thread of the VMM may write the page.
 * Return: immediate_exit, or -EINVAL.
 */
static int run_page_inputs(const struct s2mmu_run *run)
{
	u8 immediate_exit = READ_ONCE(run->immediate_exit);
	unsigned int i;

	for (i = 0; i < sizeof(run->padding1); i++)
		if (READ_ONCE(run->padding1[i]))
			return -EINVAL;
	return immediate_exit > 1 ? -EINVAL : immediate_exit;
}

static long run_vcpu(struct s2mmu_vcpu_ctx *ctx)
{
	struct s2mmu_run *run = ctx->run;
	int immediate_exit = run_page_inputs(run);

	if (immediate_exit < 0)
		return immediate_exit;
	if (!s2mmu_el2_can_run())
		return -EOPNOTSUPP;
	s2mmu_complete_pending(ctx);
	run->exit_reason = S2MMU_EXIT_NONE;
	if (immediate_exit) {
		run->exit_reason = S2MMU_EXIT_INTR;
		return -EINTR;
	}
	return run_loop(ctx);
}

static void run_kick_ipi(void *unused)
{
}

/**
 * s2mmu_run_irq_line() - S2MMU_IRQ_LINE: set a virtual interrupt line
 * @ctx: the vCPU
 * @argp: user pointer to &struct s2mmu_irq_level
 *
 * Runs without the vCPU's mutex, concurrently with S2MMU_RUN.
 *
 * Return: 0, -EFAULT or -EINVAL.
 */
long s2mmu_run_irq_line(struct s2mmu_vcpu_ctx *ctx, void __user *argp)
{
	struct s2mmu_irq_level lvl;
	int cpu;

	if (copy_from_user(&lvl, argp, sizeof(lvl)))
		return -EFAULT;
	if (lvl.line > S2MMU_IRQ_LINE_FIQ || lvl.level > 1)
		return -EINVAL;
	if (lvl.level)
		set_bit(lvl.line, &ctx->lines);
	else
		clear_bit(lvl.line, &ctx->lines);
	smp_mb();	/* the level before @running_cpu; pairs with entry */
	cpu = READ_ONCE(ctx->running_cpu);
	if (cpu >= 0)
		smp_call_function_single(cpu, run_kick_ipi, NULL, 0);
	wake_up_interruptible(&ctx->wfi_wq);
	return 0;
}

/**
 * s2mmu_run_ioctl() - the vCPU ioctls of guest execution
 * @ctx: the vCPU; the caller holds the vCPU's mutex
 * @cmd: %S2MMU_RUN, %S2MMU_GET_ONE_REG, %S2MMU_SET_ONE_REG
 * @arg: the ioctl's argument
 *
 * Return: see the uapi header; -ENOTTY for another command.
 */
long s2mmu_run_ioctl(struct s2mmu_vcpu_ctx *ctx, unsigned int cmd,
		     unsigned long arg)
{
	switch (cmd) {
	case S2MMU_RUN:
		return arg ? -EINVAL : run_vcpu(ctx);
	case S2MMU_GET_ONE_REG:
	case S2MMU_SET_ONE_REG:
	case S2MMU_GET_REG_LIST:
		return s2mmu_regs_ioctl(ctx, cmd, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

/**
 * s2mmu_run_ctx_alloc() - the run state of a new vCPU, in its reset state
 * @vcpu: the vCPU, passed back to s2mmu_handle_fault()
 * @run: its shared page
 * @el2: its VM's EL2 state
 * @pgt: its VM's stage-2 table
 *
 * Return: the context, or NULL.
 */
struct s2mmu_vcpu_ctx *s2mmu_run_ctx_alloc(struct s2mmu_vcpu *vcpu,
					   struct s2mmu_run *run,
					   struct s2mmu_el2_vm *el2,
					   struct s2_pgtable *pgt)
{
	struct s2mmu_vcpu_ctx *ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);

	BUILD_BUG_ON(offsetof(struct s2mmu_gp_regs, sp_el0) != S2MMU_GP_SP_EL0);
	BUILD_BUG_ON(offsetof(struct s2mmu_gp_regs, pc) != S2MMU_GP_PC);
	BUILD_BUG_ON(offsetof(struct s2mmu_gp_regs, pstate) != S2MMU_GP_PSTATE);
	BUILD_BUG_ON(offsetof(struct s2mmu_gp_regs, sp_el1) != S2MMU_GP_SP_EL1);
	BUILD_BUG_ON(offsetof(struct s2mmu_fp_regs, fpsr) != 512);
	if (!ctx)
		return NULL;
	ctx->vcpu = vcpu;
	ctx->run = run;
	ctx->el2 = el2;
	ctx->pgt = pgt;
	ctx->running_cpu = -1;
	/* Never 0: the per-CPU "last context" starts at 0. */
	ctx->id = atomic64_inc_return(&run_next_ctx_id);
	init_waitqueue_head(&ctx->wfi_wq);
	s2mmu_regs_reset(ctx, vcpu->id);
	return ctx;
}

/**
 * s2mmu_run_ctx_free() - free what s2mmu_run_ctx_alloc() gave
 * @ctx: the context, or NULL; no thread runs it
 */
void s2mmu_run_ctx_free(struct s2mmu_vcpu_ctx *ctx)
{
	kfree(ctx);
}
