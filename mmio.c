// SPDX-License-Identifier: GPL-2.0
/*
 * s2mmu exits to the VMM and their completion: MMIO (a data abort that
 * no memory slot answers), hypercalls (HVC/SMC) and internal errors.
 *
 * An exit leaves the guest's PC on the instruction; the next S2MMU_RUN
 * finishes it (register write-back, PC past it), as KVM does, so that a
 * VMM sees the registers of the exit while it handles it.
 */
#include <linux/bits.h>
#include <linux/string.h>
#include <asm/esr.h>

#include <uapi/linux/s2mmu.h>
#include "s2mmu.h"
#include "s2mmu_run.h"

/* The guest's register Rt, where 31 is XZR (Arm ARM C1.2.5). */
static u64 mmio_read_reg(const struct s2mmu_vcpu_ctx *ctx, u8 rt)
{
	return rt == 31 ? 0 : ctx->gp.x[rt];
}

static void mmio_write_reg(struct s2mmu_vcpu_ctx *ctx, u8 rt, u64 val)
{
	if (rt != 31)
		ctx->gp.x[rt] = val;
}

/*
 * The syndrome of a data abort with ISV set (Arm ARM D19.2.41): SAS is
 * the access size, SSE asks for sign extension, SRT is the register, SF
 * says whether it is an X register.  Loads and stores of pairs, and
 * instructions with writeback, have no valid syndrome: the VMM cannot
 * emulate them, the internal error exit reports them.
 */
int s2mmu_mmio_abort(struct s2mmu_vcpu_ctx *ctx, u64 ipa)
{
	struct s2mmu_run *run = ctx->run;
	u64 esr = ctx->exit.esr;
	u64 val;

	if (ESR_ELx_EC(esr) != ESR_ELx_EC_DABT_LOW || !(esr & ESR_ELx_ISV) ||
	    (esr & ESR_ELx_S1PTW)) {
		s2mmu_internal_error(ctx, S2MMU_INTERNAL_ERROR_MMIO_NO_ISV);
		return 0;
	}
	/* Cache maintenance by VA on MMIO has nothing to maintain. */
	if (esr & ESR_ELx_CM) {
		ctx->gp.pc += 4;
		return 1;
	}
	ctx->mmio_len = 1U << ((esr & ESR_ELx_SAS) >> ESR_ELx_SAS_SHIFT);
	ctx->mmio_rt = (esr & ESR_ELx_SRT_MASK) >> ESR_ELx_SRT_SHIFT;
	ctx->mmio_sign = !!(esr & ESR_ELx_SSE);
	ctx->mmio_64 = !!(esr & ESR_ELx_SF);

	run->exit_reason = S2MMU_EXIT_MMIO;
	run->mmio.phys_addr = ipa;
	run->mmio.len = ctx->mmio_len;
	run->mmio.is_write = !!(esr & ESR_ELx_WNR);
	memset(run->mmio.pad, 0, sizeof(run->mmio.pad));
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	/* The syndrome, not the page the VMM may have changed meanwhile. */
	if (esr & ESR_ELx_WNR) {
		/* Little-endian data: the guest's EL1 runs little-endian. */
		val = mmio_read_reg(ctx, ctx->mmio_rt);
		memcpy(run->mmio.data, &val, ctx->mmio_len);
		ctx->pending = S2MMU_PENDING_MMIO_WRITE;
	} else {
		ctx->pending = S2MMU_PENDING_MMIO_READ;
	}
	return 0;
}

/* The VMM's data of an MMIO read, as the load instruction would extend it. */
static u64 mmio_load_value(const struct s2mmu_vcpu_ctx *ctx)
{
	unsigned int bits = ctx->mmio_len * 8;
	u64 val = 0;

	memcpy(&val, ctx->run->mmio.data, ctx->mmio_len);
	if (ctx->mmio_sign && bits < 64 && (val & BIT_ULL(bits - 1)))
		val |= GENMASK_ULL(63, bits);
	/* A W register target: the upper half is zero (Arm ARM C1.2.4). */
	if (!ctx->mmio_64)
		val &= GENMASK_ULL(31, 0);
	return val;
}

static void mmio_hypercall_results(struct s2mmu_vcpu_ctx *ctx)
{
	int i;

	for (i = 0; i < 4; i++)
		ctx->gp.x[i] = READ_ONCE(ctx->run->hypercall.ret[i]);
}

/**
 * s2mmu_complete_pending() - finish the instruction of the last exit
 * @ctx: the vCPU, not running
 *
 * Called at the start of S2MMU_RUN: the VMM has handled the exit.
 */
void s2mmu_complete_pending(struct s2mmu_vcpu_ctx *ctx)
{
	switch (ctx->pending) {
	case S2MMU_PENDING_NONE:
		return;
	case S2MMU_PENDING_MMIO_READ:
		mmio_write_reg(ctx, ctx->mmio_rt, mmio_load_value(ctx));
		ctx->gp.pc += 4;
		break;
	case S2MMU_PENDING_MMIO_WRITE:
		ctx->gp.pc += 4;
		break;
	case S2MMU_PENDING_HVC:
		/* ELR_EL2 of an HVC already points past it. */
		mmio_hypercall_results(ctx);
		break;
	case S2MMU_PENDING_SMC:
		/* A trapped SMC's ELR_EL2 points at the SMC itself. */
		mmio_hypercall_results(ctx);
		ctx->gp.pc += 4;
		break;
	}
	ctx->pending = S2MMU_PENDING_NONE;
}

/**
 * s2mmu_exit_pending() - does the last exit of S2MMU_RUN await completion?
 * @ctx: the vCPU; its mutex held
 *
 * Between an MMIO or hypercall exit and the S2MMU_RUN that finishes it
 * (or the PC write that cancels it), the run page holds what that run
 * reads back: the data of an MMIO read, the results of a hypercall.
 *
 * Return: true while such an exit is pending.
 */
bool s2mmu_exit_pending(const struct s2mmu_vcpu_ctx *ctx)
{
	return ctx->pending != S2MMU_PENDING_NONE;
}

/**
 * s2mmu_hypercall_exit() - report an HVC or a trapped SMC to the VMM
 * @ctx: the vCPU that made the call
 * @smc: it was an SMC
 */
void s2mmu_hypercall_exit(struct s2mmu_vcpu_ctx *ctx, bool smc)
{
	struct s2mmu_run *run = ctx->run;
	int i;

	run->exit_reason = S2MMU_EXIT_HYPERCALL;
	run->hypercall.imm = ctx->exit.esr & ESR_ELx_xVC_IMM_MASK;
	for (i = 0; i < 8; i++)
		run->hypercall.args[i] = ctx->gp.x[i];
	for (i = 0; i < 4; i++)
		run->hypercall.ret[i] = ctx->gp.x[i];
	run->hypercall.flags = smc ? S2MMU_HYPERCALL_SMC : 0;
	run->hypercall.pad = 0;
	ctx->pending = smc ? S2MMU_PENDING_SMC : S2MMU_PENDING_HVC;
}

/**
 * s2mmu_internal_error() - report an exit the module does not handle
 * @ctx: the vCPU; its PC stays on the instruction
 * @suberror: %S2MMU_INTERNAL_ERROR_*
 */
void s2mmu_internal_error(struct s2mmu_vcpu_ctx *ctx, u32 suberror)
{
	struct s2mmu_run *run = ctx->run;

	run->exit_reason = S2MMU_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.pad = 0;
	run->internal.esr = ctx->exit.esr;
	run->internal.far = ctx->exit.far;
	run->internal.hpfar = ctx->exit.hpfar;
	run->internal.pc = ctx->gp.pc;
	ctx->pending = S2MMU_PENDING_NONE;
}
