/* SPDX-License-Identifier: GPL-2.0 */
/*
 * s2mmu world switch: enter a guest at EL1 with ERET, take its exits at
 * s2mmu's own EL2 vectors, and return to the C caller with the host's
 * registers back.
 *
 * Called by run.c with every exception masked (DAIF) and the guest's
 * EL1, stage-2 and trap registers already loaded, HCR_EL2.TGE clear.
 * Only the vector base, the general-purpose registers, SP_EL0/SP_EL1 and
 * ELR/SPSR_EL2 change here: everything else is C's job.
 */
#include <linux/linkage.h>
#include <asm/assembler.h>

#include "s2mmu_run.h"

/* The host's frame on its own stack (SP_EL2) while the guest runs. */
#define HOST_X19	0
#define HOST_X29	80
#define HOST_X18	96	/* x18, then SP_EL0 (the kernel's `current') */
#define HOST_VBAR	112	/* VBAR_EL2, then the &struct s2mmu_gp_regs */
#define HOST_FRAME	128

/* The host's callee-saved x19-x30 in its frame: \op is stp or ldp. */
.macro host_callee_saved op
	\op	x19, x20, [sp, #HOST_X19]
	\op	x21, x22, [sp, #HOST_X19 + 16]
	\op	x23, x24, [sp, #HOST_X19 + 32]
	\op	x25, x26, [sp, #HOST_X19 + 48]
	\op	x27, x28, [sp, #HOST_X19 + 64]
	\op	x29, x30, [sp, #HOST_X29]
.endm

/*
 * The guest's x2-x30 in &struct s2mmu_gp_regs at \base: \pair and
 * \single are ldp and ldr, or stp and str.
 */
.macro guest_x2_x30 pair, single, base
	\pair	x2, x3, [\base, #16]
	\pair	x4, x5, [\base, #32]
	\pair	x6, x7, [\base, #48]
	\pair	x8, x9, [\base, #64]
	\pair	x10, x11, [\base, #80]
	\pair	x12, x13, [\base, #96]
	\pair	x14, x15, [\base, #112]
	\pair	x16, x17, [\base, #128]
	\pair	x18, x19, [\base, #144]
	\pair	x20, x21, [\base, #160]
	\pair	x22, x23, [\base, #176]
	\pair	x24, x25, [\base, #192]
	\pair	x26, x27, [\base, #208]
	\pair	x28, x29, [\base, #224]
	\single	x30, [\base, #240]
.endm

	.text

/*
 * u64 s2mmu_guest_enter(struct s2mmu_gp_regs *gp)
 * Returns S2MMU_EXC_* once the guest took an exception to EL2.
 */
SYM_FUNC_START(s2mmu_guest_enter)
	sub	sp, sp, #HOST_FRAME
	host_callee_saved stp
	mrs	x1, sp_el0
	stp	x18, x1, [sp, #HOST_X18]
	mrs	x1, vbar_el2
	stp	x1, x0, [sp, #HOST_VBAR]

	adr_l	x1, s2mmu_vectors
	msr	vbar_el2, x1
	isb

	ldp	x1, x2, [x0, #S2MMU_GP_PC]	/* PC, PSTATE */
	msr	elr_el2, x1
	msr	spsr_el2, x2
	ldr	x1, [x0, #S2MMU_GP_SP_EL0]
	msr	sp_el0, x1
	ldr	x1, [x0, #S2MMU_GP_SP_EL1]
	msr	sp_el1, x1

	guest_x2_x30 ldp, ldr, x0
	ldp	x0, x1, [x0, #S2MMU_GP_X0]
	eret
	/* No speculation past the ERET into host code. */
	dsb	nsh
	isb
SYM_FUNC_END(s2mmu_guest_enter)

/*
 * The common exit: x0 holds the S2MMU_EXC_* code, the guest's x0/x1 sit
 * on the stack above the host's frame.  The host's x18 and SP_EL0 come
 * back before any C code runs (SP_EL0 is `current').
 */
SYM_CODE_START_LOCAL(s2mmu_guest_exit)
	ldr	x1, [sp, #16 + HOST_VBAR + 8]	/* &struct s2mmu_gp_regs */
	guest_x2_x30 stp, str, x1
	ldp	x2, x3, [sp], #16		/* the guest's x0, x1 */
	stp	x2, x3, [x1, #S2MMU_GP_X0]
	mrs	x2, elr_el2
	mrs	x3, spsr_el2
	stp	x2, x3, [x1, #S2MMU_GP_PC]
	mrs	x2, sp_el0
	str	x2, [x1, #S2MMU_GP_SP_EL0]
	mrs	x2, sp_el1
	str	x2, [x1, #S2MMU_GP_SP_EL1]

	ldr	x2, [sp, #HOST_VBAR]
	msr	vbar_el2, x2
	ldp	x18, x2, [sp, #HOST_X18]
	msr	sp_el0, x2
	host_callee_saved ldp
	add	sp, sp, #HOST_FRAME
	isb
	ret
SYM_CODE_END(s2mmu_guest_exit)

/* A lower-EL (guest) entry: keep x0/x1, say which vector, go to the exit. */
.macro guest_vector code
	.align	7
	stp	x0, x1, [sp, #-16]!
	mov	x0, #\code
	b	s2mmu_guest_exit
.endm

/*
 * An EL2 entry: s2mmu's vectors are installed only between the masking
 * of every exception in s2mmu_guest_enter's caller and its return, and
 * that code neither faults nor unmasks: reaching one is a module bug.
 * Stop this CPU where a debugger can see it rather than run host code on
 * a half-switched context.
 */
.macro el2_vector
	.align	7
0:	wfe
	b	0b
.endm

	.align	11
SYM_CODE_START(s2mmu_vectors)
	el2_vector			/* EL2t sync, IRQ, FIQ, SError */
	el2_vector
	el2_vector
	el2_vector
	el2_vector			/* EL2h */
	el2_vector
	el2_vector
	el2_vector
	guest_vector S2MMU_EXC_SYNC	/* lower EL, AArch64 */
	guest_vector S2MMU_EXC_IRQ
	guest_vector S2MMU_EXC_FIQ
	guest_vector S2MMU_EXC_SERROR
	el2_vector			/* lower EL, AArch32: RW=1, never */
	el2_vector
	el2_vector
	el2_vector
SYM_CODE_END(s2mmu_vectors)

/*
 * The 32 V registers at x0, in the layout of struct s2mmu_fp_regs (FPSR
 * and FPCR follow them): one list for the save (\op stp) and the load
 * (\op ldp).
 */
#define FP_FPSR		512
#define FP_FPCR		520

.macro fp_vregs op
	\op	q0, q1, [x0, #0]
	\op	q2, q3, [x0, #32]
	\op	q4, q5, [x0, #64]
	\op	q6, q7, [x0, #96]
	\op	q8, q9, [x0, #128]
	\op	q10, q11, [x0, #160]
	\op	q12, q13, [x0, #192]
	\op	q14, q15, [x0, #224]
	\op	q16, q17, [x0, #256]
	\op	q18, q19, [x0, #288]
	\op	q20, q21, [x0, #320]
	\op	q22, q23, [x0, #352]
	\op	q24, q25, [x0, #384]
	\op	q26, q27, [x0, #416]
	\op	q28, q29, [x0, #448]
	\op	q30, q31, [x0, #480]
.endm

/* void s2mmu_fp_save(struct s2mmu_fp_regs *fp) */
SYM_FUNC_START(s2mmu_fp_save)
	fp_vregs stp
	mrs	x1, fpsr
	mrs	x2, fpcr
	str	x1, [x0, #FP_FPSR]
	str	x2, [x0, #FP_FPCR]
	ret
SYM_FUNC_END(s2mmu_fp_save)

/* void s2mmu_fp_load(const struct s2mmu_fp_regs *fp) */
SYM_FUNC_START(s2mmu_fp_load)
	fp_vregs ldp
	ldr	x1, [x0, #FP_FPSR]
	ldr	x2, [x0, #FP_FPCR]
	msr	fpsr, x1
	msr	fpcr, x2
	ret
SYM_FUNC_END(s2mmu_fp_load)
