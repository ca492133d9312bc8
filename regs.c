// SPDX-License-Identifier: GPL-2.0
/*
 * s2mmu vCPU registers: the reset state of a new vCPU and the ONE_REG
 * interface (S2MMU_GET_ONE_REG, S2MMU_SET_ONE_REG, S2MMU_GET_REG_LIST),
 * with KVM's arm64 register ids.
 */
#include <linux/bits.h>
#include <linux/kernel.h>
#include <linux/uaccess.h>
#include <asm/ptrace.h>

#include <uapi/linux/s2mmu.h>
#include "s2mmu.h"
#include "s2mmu_run.h"

/*
 * PSTATE after reset: EL1h with D, A, I and F masked, as KVM's
 * KVM_ARM_VCPU_INIT leaves it; SCTLR_EL1 with its RES1 bits only (MMU,
 * caches and alignment checks off: Arm ARM D19.2.118).
 */
#define REGS_RESET_PSTATE	(PSR_MODE_EL1h | PSR_D_BIT | PSR_A_BIT | \
				 PSR_I_BIT | PSR_F_BIT)
#define REGS_RESET_SCTLR	0x30d00800ULL

/*
 * MPIDR_EL1 (Arm ARM D19.2.101): bit 31 is RES1; Aff3, U, MT and Aff2-Aff0
 * are the fields a VMM may set (through VMPIDR_EL2), the rest is RES0.
 */
#define REGS_MPIDR_RES1		BIT_ULL(31)
#define REGS_MPIDR_OK		(GENMASK_ULL(39, 32) | BIT_ULL(31) | BIT_ULL(30) | \
				 BIT_ULL(24) | GENMASK_ULL(23, 0))

/*
 * What a VMM may put in PSTATE: condition flags, the exception masks,
 * PAN, UAO, DIT, SSBS, BTYPE, and an AArch64 EL0t/EL1t/EL1h mode.  An EL2
 * mode would make ERET run the guest at EL2: never accepted.
 */
#define REGS_PSTATE_OK		(GENMASK_ULL(31, 28) | PSR_PAN_BIT | \
				 PSR_UAO_BIT | PSR_DIT_BIT | PSR_SSBS_BIT | \
				 PSR_BTYPE_MASK | PSR_D_BIT | PSR_A_BIT | \
				 PSR_I_BIT | PSR_F_BIT | PSR_MODE_MASK)

/* Core register indices: 32-bit words into &struct s2mmu_core_regs. */
#define CORE_IDX(member)	S2MMU_REG_CORE_INDEX(member)

/* The system registers, in S2MMU_GET_REG_LIST's order. */
static const struct {
	u64			id;
	enum s2mmu_sysreg	reg;
} regs_sys[] = {
	{ S2MMU_REG_MPIDR_EL1,		S2_MPIDR },
	{ S2MMU_REG_SCTLR_EL1,		S2_SCTLR },
	{ S2MMU_REG_CPACR_EL1,		S2_CPACR },
	{ S2MMU_REG_TTBR0_EL1,		S2_TTBR0 },
	{ S2MMU_REG_TTBR1_EL1,		S2_TTBR1 },
	{ S2MMU_REG_TCR_EL1,		S2_TCR },
	{ S2MMU_REG_AFSR0_EL1,		S2_AFSR0 },
	{ S2MMU_REG_AFSR1_EL1,		S2_AFSR1 },
	{ S2MMU_REG_ESR_EL1,		S2_ESR },
	{ S2MMU_REG_FAR_EL1,		S2_FAR },
	{ S2MMU_REG_PAR_EL1,		S2_PAR },
	{ S2MMU_REG_MAIR_EL1,		S2_MAIR },
	{ S2MMU_REG_AMAIR_EL1,		S2_AMAIR },
	{ S2MMU_REG_VBAR_EL1,		S2_VBAR },
	{ S2MMU_REG_CONTEXTIDR_EL1,	S2_CONTEXTIDR },
	{ S2MMU_REG_TPIDR_EL1,		S2_TPIDR_EL1 },
	{ S2MMU_REG_CNTKCTL_EL1,	S2_CNTKCTL },
	{ S2MMU_REG_CSSELR_EL1,		S2_CSSELR },
	{ S2MMU_REG_TPIDR_EL0,		S2_TPIDR_EL0 },
	{ S2MMU_REG_TPIDRRO_EL0,	S2_TPIDRRO_EL0 },
	{ S2MMU_REG_CNTV_CTL_EL0,	S2_CNTV_CTL },
	{ S2MMU_REG_CNTV_CVAL_EL0,	S2_CNTV_CVAL },
};

/* x0-x30, SP, PC, PSTATE, SP_EL1, ELR_EL1, SPSR_EL1, V0-V31, FPSR, FPCR */
#define REGS_NR_CORE		(31 + 6 + 32 + 2)
#define REGS_NR			(REGS_NR_CORE + ARRAY_SIZE(regs_sys))

static u64 regs_reset_mpidr(u32 id)
{
	return REGS_MPIDR_RES1 | (id & 0xf) | ((u64)(id >> 4) & 0xff) << 8 |
	       ((u64)(id >> 12) & 0xff) << 16;
}

/**
 * s2mmu_regs_reset() - the state of a vCPU after S2MMU_CREATE_VCPU
 * @ctx: the vCPU
 * @vcpu_id: its id (S2MMU_CREATE_VCPU's argument)
 *
 * Every register zero (PC 0: the VMM sets it) except PSTATE, SCTLR and
 * MPIDR, which is KVM's for the vCPU id: 16 vCPUs per Aff1 cluster.
 */
void s2mmu_regs_reset(struct s2mmu_vcpu_ctx *ctx, u32 vcpu_id)
{
	memset(&ctx->gp, 0, sizeof(ctx->gp));
	memset(&ctx->fp, 0, sizeof(ctx->fp));
	memset(ctx->sys, 0, sizeof(ctx->sys));
	ctx->gp.pstate = REGS_RESET_PSTATE;
	ctx->sys[S2_SCTLR] = REGS_RESET_SCTLR;
	ctx->sys[S2_MPIDR] = regs_reset_mpidr(vcpu_id);
	ctx->pending = S2MMU_PENDING_NONE;
}

static u64 regs_core_id(u64 idx, u64 size)
{
	return S2MMU_REG_ARM64 | size | S2MMU_REG_ARM_CORE | idx;
}

static void regs_fill_list(u64 *ids)
{
	unsigned int i, n = 0;

	for (i = 0; i < 31; i++)
		ids[n++] = regs_core_id(CORE_IDX(regs[i]), S2MMU_REG_SIZE_U64);
	ids[n++] = regs_core_id(CORE_IDX(sp), S2MMU_REG_SIZE_U64);
	ids[n++] = regs_core_id(CORE_IDX(pc), S2MMU_REG_SIZE_U64);
	ids[n++] = regs_core_id(CORE_IDX(pstate), S2MMU_REG_SIZE_U64);
	ids[n++] = regs_core_id(CORE_IDX(sp_el1), S2MMU_REG_SIZE_U64);
	ids[n++] = regs_core_id(CORE_IDX(elr_el1), S2MMU_REG_SIZE_U64);
	ids[n++] = regs_core_id(CORE_IDX(spsr[0]), S2MMU_REG_SIZE_U64);
	for (i = 0; i < 32; i++)
		ids[n++] = regs_core_id(CORE_IDX(vregs[i]), S2MMU_REG_SIZE_U128);
	ids[n++] = regs_core_id(CORE_IDX(fpsr), S2MMU_REG_SIZE_U32);
	ids[n++] = regs_core_id(CORE_IDX(fpcr), S2MMU_REG_SIZE_U32);
	for (i = 0; i < ARRAY_SIZE(regs_sys); i++)
		ids[n++] = regs_sys[i].id;
}

static long regs_get_list(void __user *argp)
{
	struct s2mmu_reg_list __user *ulist = argp;
	u64 ids[REGS_NR], n;

	if (get_user(n, &ulist->n))
		return -EFAULT;
	if (put_user((u64)REGS_NR, &ulist->n))
		return -EFAULT;
	if (n < REGS_NR)
		return -E2BIG;
	regs_fill_list(ids);
	return copy_to_user(ulist->reg, ids, sizeof(ids)) ? -EFAULT : 0;
}

/*
 * Where a core register lives in the context, and its size in bytes;
 * NULL for an index that names no register (or the middle of one).
 */
static void *regs_core_ptr(struct s2mmu_vcpu_ctx *ctx, u64 idx, u32 *size)
{
	*size = 8;
	if (idx < CORE_IDX(sp) && !(idx & 1))
		return &ctx->gp.x[idx / 2];
	if (idx == CORE_IDX(sp))
		return &ctx->gp.sp_el0;
	if (idx == CORE_IDX(pc))
		return &ctx->gp.pc;
	if (idx == CORE_IDX(pstate))
		return &ctx->gp.pstate;
	if (idx == CORE_IDX(sp_el1))
		return &ctx->gp.sp_el1;
	if (idx == CORE_IDX(elr_el1))
		return &ctx->sys[S2_ELR_EL1];
	if (idx == CORE_IDX(spsr[0]))
		return &ctx->sys[S2_SPSR_EL1];
	if (idx >= CORE_IDX(vregs[0]) && idx < CORE_IDX(fpsr) &&
	    !((idx - CORE_IDX(vregs[0])) & 3)) {
		*size = 16;
		return ctx->fp.v[(idx - CORE_IDX(vregs[0])) / 4];
	}
	*size = 4;
	if (idx == CORE_IDX(fpsr))
		return &ctx->fp.fpsr;
	if (idx == CORE_IDX(fpcr))
		return &ctx->fp.fpcr;
	return NULL;
}

static void *regs_find(struct s2mmu_vcpu_ctx *ctx, u64 id, u32 *size)
{
	unsigned int i;

	if ((id & ~(S2MMU_REG_SIZE_MASK | S2MMU_REG_CLASS_MASK | 0xffffULL)) !=
	    S2MMU_REG_ARM64)
		return NULL;
	if ((id & S2MMU_REG_CLASS_MASK) == S2MMU_REG_ARM_CORE)
		return regs_core_ptr(ctx, id & 0xffff, size);
	for (i = 0; i < ARRAY_SIZE(regs_sys); i++) {
		if ((id & ~S2MMU_REG_SIZE_MASK) ==
		    (regs_sys[i].id & ~S2MMU_REG_SIZE_MASK)) {
			*size = 8;
			return &ctx->sys[regs_sys[i].reg];
		}
	}
	return NULL;
}

static bool regs_pstate_ok(u64 val)
{
	u64 mode = val & PSR_MODE_MASK;

	if (val & ~REGS_PSTATE_OK)
		return false;
	return mode == PSR_MODE_EL0t || mode == PSR_MODE_EL1t ||
	       mode == PSR_MODE_EL1h;
}

static bool regs_mpidr_ok(u64 val)
{
	return (val & REGS_MPIDR_RES1) && !(val & ~REGS_MPIDR_OK);
}

static long regs_one(struct s2mmu_vcpu_ctx *ctx, unsigned int cmd,
		     void __user *argp)
{
	struct s2mmu_one_reg reg;
	u8 buf[16] = { 0 };
	void __user *uval;
	u32 size;
	void *p;

	if (copy_from_user(&reg, argp, sizeof(reg)))
		return -EFAULT;
	p = regs_find(ctx, reg.id, &size);
	if (!p)
		return -ENOENT;
	if (1U << ((reg.id & S2MMU_REG_SIZE_MASK) >> S2MMU_REG_SIZE_SHIFT) != size)
		return -EINVAL;
	uval = u64_to_user_ptr(reg.addr);
	if (cmd == S2MMU_GET_ONE_REG) {
		/* FPSR/FPCR are kept in 64-bit slots: the low half is theirs. */
		memcpy(buf, p, size);
		return copy_to_user(uval, buf, size) ? -EFAULT : 0;
	}
	if (copy_from_user(buf, uval, size))
		return -EFAULT;
	if (p == &ctx->gp.pstate && !regs_pstate_ok(*(u64 *)buf))
		return -EINVAL;
	if (p == &ctx->sys[S2_MPIDR] && !regs_mpidr_ok(*(u64 *)buf))
		return -EINVAL;
	if (size == 4)
		*(u64 *)p = *(u32 *)buf;
	else
		memcpy(p, buf, size);
	/* A new PC: the instruction of the last exit is not finished. */
	if (p == &ctx->gp.pc)
		ctx->pending = S2MMU_PENDING_NONE;
	return 0;
}

/**
 * s2mmu_regs_ioctl() - S2MMU_GET_ONE_REG, S2MMU_SET_ONE_REG,
 *	S2MMU_GET_REG_LIST
 * @ctx: the vCPU, not running (the caller holds its mutex)
 * @cmd: the command
 * @argp: its user argument
 *
 * Return: 0 or a negative errno of the uapi header.
 */
long s2mmu_regs_ioctl(struct s2mmu_vcpu_ctx *ctx, unsigned int cmd,
		      void __user *argp)
{
	if (cmd == S2MMU_GET_REG_LIST)
		return regs_get_list(argp);
	return regs_one(ctx, cmd, argp);
}
