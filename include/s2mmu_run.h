/* SPDX-License-Identifier: GPL-2.0 */
/*
 * s2mmu guest execution: the vCPU context shared by run.c (the run loop),
 * regs.c (ONE_REG), mmio.c (exit decoding and completion) and switch.S
 * (the world switch).  See Documentation/vcpu.rst.
 */
#ifndef S2MMU_RUN_H
#define S2MMU_RUN_H

/* Offsets of &struct s2mmu_gp_regs, used by switch.S (checked in run.c). */
#define S2MMU_GP_X0		0
#define S2MMU_GP_SP_EL0		248
#define S2MMU_GP_PC		256
#define S2MMU_GP_PSTATE		264
#define S2MMU_GP_SP_EL1		272

/* What s2mmu_guest_enter() returns: the vector the guest exited through. */
#define S2MMU_EXC_SYNC		0
#define S2MMU_EXC_IRQ		1
#define S2MMU_EXC_FIQ		2
#define S2MMU_EXC_SERROR	3

#ifndef __ASSEMBLY__

#include <linux/types.h>
#include <linux/wait.h>

struct s2mmu_vcpu;
struct s2mmu_run;
struct s2mmu_el2_vm;
struct s2_pgtable;

/**
 * struct s2mmu_gp_regs - the registers switch.S moves at entry and exit
 * @x: x0-x30
 * @sp_el0: SP_EL0
 * @pc: the PC, as ELR_EL2
 * @pstate: PSTATE, as SPSR_EL2
 * @sp_el1: SP_EL1
 */
struct s2mmu_gp_regs {
	u64	x[31];
	u64	sp_el0;
	u64	pc;
	u64	pstate;
	u64	sp_el1;
};

/**
 * struct s2mmu_fp_regs - the guest's FP/SIMD registers (switch.S layout)
 * @v: V0-V31, low doubleword first
 * @fpsr: FPSR
 * @fpcr: FPCR
 */
struct s2mmu_fp_regs {
	u64	v[32][2];
	u64	fpsr;
	u64	fpcr;
};

/* The guest's EL1 (and EL0) system registers the module switches. */
enum s2mmu_sysreg {
	S2_SCTLR, S2_CPACR, S2_TTBR0, S2_TTBR1, S2_TCR, S2_AFSR0, S2_AFSR1,
	S2_ESR, S2_FAR, S2_PAR, S2_MAIR, S2_AMAIR, S2_VBAR, S2_CONTEXTIDR,
	S2_TPIDR_EL1, S2_CNTKCTL, S2_CSSELR, S2_TPIDR_EL0, S2_TPIDRRO_EL0,
	S2_CNTV_CTL, S2_CNTV_CVAL, S2_ELR_EL1, S2_SPSR_EL1, S2_MPIDR,
	S2_NR_SYSREGS
};

/**
 * struct s2mmu_exit_info - the syndrome of the last exit
 * @exc: S2MMU_EXC_* vector the guest left through
 * @esr: ESR_EL2
 * @far: FAR_EL2
 * @hpfar: HPFAR_EL2, or what AT found where it is UNKNOWN
 * @ipa_known: @hpfar holds the faulting IPA's page if it is an abort
 */
struct s2mmu_exit_info {
	u32	exc;
	u64	esr;
	u64	far;
	u64	hpfar;
	bool	ipa_known;
};

/* What the next S2MMU_RUN must finish before the guest runs again. */
enum s2mmu_pending {
	S2MMU_PENDING_NONE,
	S2MMU_PENDING_MMIO_READ,	/* data to a register, PC + 4 */
	S2MMU_PENDING_MMIO_WRITE,	/* PC + 4 */
	S2MMU_PENDING_HVC,		/* results to x0-x3 */
	S2MMU_PENDING_SMC,		/* results to x0-x3, PC + 4 */
};

/**
 * struct s2mmu_vcpu_ctx - a vCPU's guest state and run-loop bookkeeping
 * @gp: general-purpose registers, PC, PSTATE, stack pointers
 * @fp: FP/SIMD registers
 * @sys: EL1/EL0 system registers, by &enum s2mmu_sysreg
 * @fp_live: the guest used FP/SIMD: its registers are loaded for every
 *	entry (until then FP/SIMD traps, and the host's stay in place)
 * @exit: syndrome of the last exit
 * @pending: what the next run completes first
 * @mmio_rt: register of a pending MMIO read (31: none)
 * @mmio_len: its width in bytes
 * @mmio_sign: sign-extend the data (ISS.SSE)
 * @mmio_64: the target is an X register (ISS.SF), else W
 * @relax_ipa: a permission fault was handled: invalidate this IPA on the
 *	CPU of the next entry (the TLB of the faulting CPU may hold the old
 *	permissions, and the handler may have run elsewhere)
 * @relax_pending: @relax_ipa is valid
 * @id: unique among contexts ever allocated: which vCPU last ran on a CPU
 * @lines: virtual IRQ (bit 0) and FIQ (bit 1) levels (S2MMU_IRQ_LINE)
 * @running_cpu: the CPU in guest mode, or -1; read by kickers
 * @wfi_wq: where a vCPU in WFI waits for @lines
 * @vcpu: the vCPU (mmu.c's), for the fault handler
 * @run: the shared page
 * @el2: the VM's EL2 state (VMID)
 * @pgt: the VM's stage-2 table
 * @nr_exits: exits taken (all kinds)
 */
struct s2mmu_vcpu_ctx {
	struct s2mmu_gp_regs	gp;
	struct s2mmu_fp_regs	fp;
	u64			sys[S2_NR_SYSREGS];
	bool			fp_live;
	struct s2mmu_exit_info	exit;
	enum s2mmu_pending	pending;
	u8			mmio_rt;
	u8			mmio_len;
	bool			mmio_sign;
	bool			mmio_64;
	u64			relax_ipa;
	bool			relax_pending;
	u64			id;
	unsigned long		lines;
	int			running_cpu;
	wait_queue_head_t	wfi_wq;
	struct s2mmu_vcpu	*vcpu;
	struct s2mmu_run	*run;
	struct s2mmu_el2_vm	*el2;
	struct s2_pgtable	*pgt;
	u64			nr_exits;
};

/* switch.S */
u64 s2mmu_guest_enter(struct s2mmu_gp_regs *gp);
void s2mmu_fp_save(struct s2mmu_fp_regs *fp);
void s2mmu_fp_load(const struct s2mmu_fp_regs *fp);

/* regs.c */
void s2mmu_regs_reset(struct s2mmu_vcpu_ctx *ctx, u32 vcpu_id);
long s2mmu_regs_ioctl(struct s2mmu_vcpu_ctx *ctx, unsigned int cmd,
		      void __user *argp);

/* mmio.c: return 1 to re-enter, 0 to return to the VMM, or -errno */
int s2mmu_mmio_abort(struct s2mmu_vcpu_ctx *ctx, u64 ipa);
void s2mmu_complete_pending(struct s2mmu_vcpu_ctx *ctx);
void s2mmu_hypercall_exit(struct s2mmu_vcpu_ctx *ctx, bool smc);
void s2mmu_internal_error(struct s2mmu_vcpu_ctx *ctx, u32 suberror);

#endif /* __ASSEMBLY__ */
#endif /* S2MMU_RUN_H */
