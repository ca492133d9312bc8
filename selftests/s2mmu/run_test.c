// SPDX-License-Identifier: GPL-2.0
/*
 * S2MMU_RUN: real guest code at EL1 on s2mmu's stage-2 table.  Every exit
 * kind, MMIO emulation with the register write-back, ONE_REG, the
 * virtual interrupt line, and the errors of the run ABI.
 */
#include "guest_vm.h"

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"

/* Expectations are int literals; the ABI's fields are unsigned. */
#pragma GCC diagnostic ignored "-Wsign-compare"

#define RO_IPA		0x50000000ULL
#define TOUCH_OFF	0x10000UL	/* data area: where "touch" writes */

/* Where program @name starts in the guest. */
#define PROG_IPA(name)	guest_entry(GUEST_CODE_IPA, guest_##name##_start)

/* Report x0-x3 back with an HVC, forever. */
GUEST_ASM(hvc,
	  "mov x0, #1\n mov x1, #2\n mov x2, #3\n mov x3, #4\n"
	  "mov x4, #5\n mov x5, #6\n mov x6, #7\n mov x7, #8\n"
	  "hvc #0x1234\n"
	  "hvc #2\n"
	  "b .\n");

/* Every load and store width to MMIO at x20 (set by the test). */
GUEST_ASM(mmio,
	  "ldrb w1, [x20]\n"
	  "ldrh w2, [x20, #2]\n"
	  "ldr w3, [x20, #4]\n"
	  "ldr x4, [x20, #8]\n"
	  "ldrsb x5, [x20, #16]\n"
	  "ldrsh x6, [x20, #18]\n"
	  "ldrsw x7, [x20, #20]\n"
	  "ldrsb w8, [x20, #24]\n"
	  "ldrsh w9, [x20, #26]\n"
	  "ldrsb x11, [x20, #28]\n"
	  "strb w10, [x20, #32]\n"
	  "strh w10, [x20, #34]\n"
	  "str w10, [x20, #36]\n"
	  "str x10, [x20, #40]\n"
	  "str xzr, [x20, #48]\n"
	  "ldr xzr, [x20, #56]\n"
	  "hvc #3\n"
	  "b .\n");

/* Read a read-only slot, then write it. */
GUEST_ASM(ro,
	  "ldr x1, [x21, #8]\n"
	  "str x1, [x21, #16]\n"
	  "hvc #4\n"
	  "b .\n");

/* Instructions the module does not handle, and an SMC. */
GUEST_ASM(bad_sysreg, "mrs x0, pmcr_el0\n hvc #9\n b .\n");
GUEST_ASM(bad_ldp, "ldp x0, x1, [x20]\n hvc #9\n b .\n");
GUEST_ASM(smc, "smc #0x55\n hvc #7\n b .\n");

/* Report MPIDR_EL1 as the guest reads it. */
GUEST_ASM(mpidr, "mrs x0, mpidr_el1\n hvc #10\n b .\n");

/* Spin forever. */
GUEST_ASM(spin, "1: b 1b\n");

/*
 * Registers of the host's debug, PMU, timer and implementation-defined
 * state, each followed by "hvc #11" (8 bytes a pair): the access must
 * trap to EL2 (and exit: the module does not emulate them) or be
 * UNDEFINED at EL1 where the CPU lacks the register, never complete.
 */
GUEST_ASM(host_regs,
	  "mrs x0, mdscr_el1\n hvc #11\n"
	  "mrs x0, dbgbvr0_el1\n hvc #11\n"
	  "msr oslar_el1, xzr\n hvc #11\n"
	  "mrs x0, pmcr_el0\n hvc #11\n"
	  "mrs x0, pmccntr_el0\n hvc #11\n"
	  "mrs x0, cntp_ctl_el0\n hvc #11\n"
	  "mrs x0, actlr_el1\n hvc #11\n"
	  "mrs x0, s3_0_c15_c0_0\n hvc #11\n");

/*
 * The guest's virtual timer armed to fire at once, interrupt unmasked in
 * the timer: the guest still makes progress (a million iterations), and
 * reads its timer back as it left it, fired.
 */
GUEST_ASM(vtimer_fire,
	  "msr cntv_cval_el0, xzr\n"
	  "mov x0, #1\n msr cntv_ctl_el0, x0\n isb\n"
	  "movz x2, #0x10, lsl #16\n"
	  "1: subs x2, x2, #1\n b.ne 1b\n"
	  "mrs x0, cntv_ctl_el0\n"
	  "hvc #13\n b .\n");

/* Set/way maintenance completes in the kernel; WFE yields and goes on. */
GUEST_ASM(setway_wfe,
	  "dc isw, xzr\n dc csw, xzr\n dc cisw, xzr\n"
	  "sevl\n wfe\n wfe\n wfe\n"
	  "hvc #12\n b .\n");

/* Read the switched registers, use FP, report. */
GUEST_ASM(regs,
	  "mov v1.16b, v1.16b\n"
	  "mrs x0, tpidr_el0\n mrs x1, tpidrro_el0\n mrs x2, tpidr_el1\n"
	  "mrs x3, vbar_el1\n"
	  "mrs x4, tcr_el1\n mrs x5, fpcr\n mrs x6, fpsr\n mrs x7, esr_el1\n"
	  "hvc #5\n"
	  "b .\n");

/* Unmask IRQ/FIQ, say ready, wait for interrupts (WFI or a spin). */
GUEST_ASM(irq_wfi, "msr daifclr, #3\n hvc #6\n 1: wfi\n b 1b\n");
GUEST_ASM(irq_spin, "msr daifclr, #3\n hvc #6\n 1: b 1b\n");

/* Write a stamp to 16 pages of memory from x22 on, read it back. */
GUEST_ASM(touch,
	  "mov x1, x22\n"
	  "mov x2, #16\n"
	  "1: str x2, [x1]\n"
	  "ldr x3, [x1]\n"
	  "add x1, x1, #4096\n"
	  "subs x2, x2, #1\n"
	  "b.ne 1b\n"
	  "hvc #8\n"
	  "b .\n");

FIXTURE(run) {
	struct guest_vm g;
	struct tst_vcpu *v;
};

FIXTURE_SETUP(run)
{
	int ret = guest_vm_create(&self->g, 1);

	if (ret == -ENODEV || ret == -EOPNOTSUPP)
		SKIP(return, "S2MMU_FEAT_RUN not reported (no EL2/VHE)");
	ASSERT_EQ(0, ret);
	self->v = &self->g.vcpu[0];
}

FIXTURE_TEARDOWN(run)
{
	guest_vm_destroy(&self->g);
}

#define START(name) ASSERT_EQ(0, tst_set_reg(self->v, GUEST_PC, PROG_IPA(name)))

/* The reset state of a vCPU is KVM's after KVM_ARM_VCPU_INIT. */
TEST_F(run, reset_state)
{
	struct tst_vcpu *v = self->v;

	EXPECT_EQ(GUEST_PSTATE_RESET, tst_reg(v, GUEST_PSTATE));
	EXPECT_EQ(0, tst_reg(v, GUEST_PC));
	EXPECT_EQ(GUEST_SCTLR_RESET, tst_reg(v, S2MMU_REG_SCTLR_EL1));
	EXPECT_EQ(0, tst_reg(v, GUEST_X(0)));
}

TEST_F(run, hvc_exit_and_results)
{
	struct s2mmu_run *r = self->v->run;
	int i;

	START(hvc);
	ASSERT_EQ(0x1234, guest_run_until_hvc(self->v));
	for (i = 0; i < 8; i++)
		EXPECT_EQ((__u64)i + 1, r->hypercall.args[i]);
	EXPECT_EQ(0, r->hypercall.flags);
	/* ret[] starts as x0-x3; the VMM's values go back to the guest. */
	for (i = 0; i < 4; i++) {
		EXPECT_EQ((__u64)i + 1, r->hypercall.ret[i]);
		r->hypercall.ret[i] = 0xa0 + i;
	}
	ASSERT_EQ(2, guest_run_until_hvc(self->v));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0xa0ULL + i, r->hypercall.args[i]);
	for (i = 4; i < 8; i++)
		EXPECT_EQ((__u64)i + 1, r->hypercall.args[i]);
}

struct mmio_step {
	__u64 off;
	__u32 len;
	__u8 write;
	__u64 data;	/* supplied for a read, expected for a write */
};

TEST_F(run, mmio_widths_sign_extension_write_back)
{
	const __u64 pat = 0x8899aabbccddeeffULL, st = 0x1122334455667788ULL;
	const struct mmio_step steps[] = {
		{ 0, 1, 0, pat }, { 2, 2, 0, pat }, { 4, 4, 0, pat },
		{ 8, 8, 0, pat }, { 16, 1, 0, pat }, { 18, 2, 0, pat },
		{ 20, 4, 0, pat }, { 24, 1, 0, pat }, { 26, 2, 0, pat },
		{ 28, 1, 0, 0x7f },
		{ 32, 1, 1, 0x88 }, { 34, 2, 1, 0x7788 },
		{ 36, 4, 1, 0x55667788 }, { 40, 8, 1, st }, { 48, 8, 1, 0 },
		{ 56, 8, 0, pat },
	};
	const struct { int reg; __u64 val; } want[] = {
		{ 1, 0xff }, { 2, 0xeeff }, { 3, 0xccddeeff }, { 4, pat },
		{ 5, 0xffffffffffffffffULL }, { 6, 0xffffffffffffeeffULL },
		{ 7, 0xffffffffccddeeffULL }, { 8, 0xffffffffULL },
		{ 9, 0xffffeeffULL }, { 11, 0x7f },
	};
	struct tst_vcpu *v = self->v;
	struct s2mmu_run *r = v->run;
	__u64 data;
	size_t i;
	int ret;

	START(mmio);
	/* Garbage in every target: the write-back must replace all 64 bits. */
	for (i = 1; i < 12; i++)
		ASSERT_EQ(0, tst_set_reg(v, GUEST_X(i), 0xdeadbeefdeadbeefULL));
	ASSERT_EQ(0, tst_set_reg(v, GUEST_X(10), st));
	ASSERT_EQ(0, tst_set_reg(v, GUEST_X(20), GUEST_MMIO_IPA));
	/* After x30 in the context: a load into XZR (Rt 31) must not reach it. */
	ASSERT_EQ(0, tst_set_reg(v, GUEST_SP_EL0, 0x5e05e0ULL));
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		ret = tst_run(v);
		ASSERT_EQ(0, ret);
		ASSERT_EQ(S2MMU_EXIT_MMIO, r->exit_reason) {
			char why[160];

			TH_LOG("%s", guest_exit_str(v, ret, why, sizeof(why)));
		}
		EXPECT_EQ(GUEST_MMIO_IPA + steps[i].off, r->mmio.phys_addr);
		EXPECT_EQ(steps[i].len, r->mmio.len);
		EXPECT_EQ(steps[i].write, r->mmio.is_write);
		if (steps[i].write) {
			data = 0;
			memcpy(&data, r->mmio.data, 8);
			EXPECT_EQ(steps[i].data, data) TH_LOG("step %zu", i);
		} else {
			memcpy(r->mmio.data, &steps[i].data, 8);
		}
	}
	ASSERT_EQ(3, guest_run_until_hvc(v));
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		int reg = want[i].reg;

		EXPECT_EQ(want[i].val, tst_reg(v, GUEST_X(reg))) TH_LOG("x%d", reg);
	}
	EXPECT_EQ(0x5e05e0ULL, tst_reg(v, GUEST_SP_EL0));
}

TEST_F(run, ro_slot_write_is_mmio)
{
	struct tst_vcpu *v = self->v;
	struct s2mmu_run *r = v->run;
	__u64 *ro, data = 0;

	ro = mmap(NULL, TST_PAGE, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ro[1] = 0x5555aaaa1234ULL;
	ASSERT_EQ(0, tst_set_region(self->g.vm, 1, S2MMU_MEM_READONLY, RO_IPA,
				    TST_PAGE, ro));
	START(ro);
	ASSERT_EQ(0, tst_set_reg(v, GUEST_X(21), RO_IPA));
	ASSERT_EQ(0, tst_run(v));
	ASSERT_EQ(S2MMU_EXIT_MMIO, r->exit_reason);
	EXPECT_EQ(RO_IPA + 16, r->mmio.phys_addr);
	EXPECT_EQ(8, r->mmio.len);
	EXPECT_EQ(1, r->mmio.is_write);
	memcpy(&data, r->mmio.data, 8);
	EXPECT_EQ(0x5555aaaa1234ULL, data);
	EXPECT_EQ(0, ro[2]);
	ASSERT_EQ(4, guest_run_until_hvc(v));
	munmap(ro, TST_PAGE);
}

TEST_F(run, unhandled_sysreg_is_internal_error)
{
	struct s2mmu_run *r = self->v->run;
	__u64 pc;

	START(bad_sysreg);
	pc = tst_reg(self->v, GUEST_PC);
	ASSERT_EQ(0, tst_run(self->v));
	ASSERT_EQ(S2MMU_EXIT_INTERNAL_ERROR, r->exit_reason);
	EXPECT_EQ(S2MMU_INTERNAL_ERROR_SYSREG, r->internal.suberror);
	EXPECT_EQ(0x18, r->internal.esr >> 26);
	EXPECT_EQ(pc, r->internal.pc);
	/* Nothing changed: the same exit again. */
	ASSERT_EQ(0, tst_run(self->v));
	EXPECT_EQ(S2MMU_EXIT_INTERNAL_ERROR, r->exit_reason);
	EXPECT_EQ(pc, r->internal.pc);
}

TEST_F(run, mmio_without_syndrome_is_internal_error)
{
	struct s2mmu_run *r = self->v->run;

	START(bad_ldp);
	ASSERT_EQ(0, tst_set_reg(self->v, GUEST_X(20), GUEST_MMIO_IPA + 64));
	ASSERT_EQ(0, tst_run(self->v));
	ASSERT_EQ(S2MMU_EXIT_INTERNAL_ERROR, r->exit_reason);
	EXPECT_EQ(S2MMU_INTERNAL_ERROR_MMIO_NO_ISV, r->internal.suberror);
	EXPECT_EQ(0x24, r->internal.esr >> 26);
	EXPECT_EQ(0, r->internal.esr & (1ULL << 24));	/* ISV clear */
	EXPECT_EQ(GUEST_MMIO_IPA + 64, r->internal.far);
	EXPECT_EQ(GUEST_MMIO_IPA >> 12, r->internal.hpfar >> 4);
}

TEST_F(run, smc_is_hypercall_with_flag)
{
	struct s2mmu_run *r = self->v->run;

	START(smc);
	ASSERT_EQ(0x55, guest_run_until_hvc(self->v));
	EXPECT_EQ(S2MMU_HYPERCALL_SMC, r->hypercall.flags);
	/* The PC moves past the SMC on the next run. */
	ASSERT_EQ(7, guest_run_until_hvc(self->v));
	EXPECT_EQ(0, r->hypercall.flags);
}

TEST_F(run, immediate_exit_completes_mmio_only)
{
	struct tst_vcpu *v = self->v;
	struct s2mmu_run *r = v->run;
	__u64 pat = 0x42, pc;

	START(mmio);
	ASSERT_EQ(0, tst_set_reg(v, GUEST_X(20), GUEST_MMIO_IPA));
	ASSERT_EQ(0, tst_run(v));
	ASSERT_EQ(S2MMU_EXIT_MMIO, r->exit_reason);
	pc = tst_reg(v, GUEST_PC);
	memcpy(r->mmio.data, &pat, 8);
	r->immediate_exit = 1;
	EXPECT_EQ(-EINTR, tst_run(v));
	EXPECT_EQ(S2MMU_EXIT_INTR, r->exit_reason);
	EXPECT_EQ(0x42, tst_reg(v, GUEST_X(1)));
	EXPECT_EQ(pc + 4, tst_reg(v, GUEST_PC));
	/* Still no entry while it is set. */
	EXPECT_EQ(-EINTR, tst_run(v));
	EXPECT_EQ(pc + 4, tst_reg(v, GUEST_PC));
	r->immediate_exit = 0;
	ASSERT_EQ(0, tst_run(v));
	EXPECT_EQ(S2MMU_EXIT_MMIO, r->exit_reason);
	EXPECT_EQ(GUEST_MMIO_IPA + 2, r->mmio.phys_addr);
}

/*
 * The run page's inputs are checked before S2MMU_RUN does anything:
 * padding1 must stay zero and immediate_exit be 0 or 1.  A refused run
 * leaves the pending MMIO read (its data, target register, PC) for the
 * next good one, and the page as the VMM left it.
 */
TEST_F(run, run_page_inputs_checked_before_anything)
{
	struct tst_vcpu *v = self->v;
	struct s2mmu_run *r = v->run, page;
	static const __u8 bad_exit[] = { 2, 0x80, 0xff };
	__u64 pat = 0x42, pc;
	unsigned int i;

	START(mmio);
	ASSERT_EQ(0, tst_set_reg(v, GUEST_X(1), 0xdeadbeefULL));
	ASSERT_EQ(0, tst_set_reg(v, GUEST_X(20), GUEST_MMIO_IPA));
	ASSERT_EQ(0, tst_run(v));
	ASSERT_EQ(S2MMU_EXIT_MMIO, r->exit_reason);
	pc = tst_reg(v, GUEST_PC);
	memcpy(r->mmio.data, &pat, 8);
	for (i = 0; i < sizeof(r->padding1) + ARRAY_SIZE(bad_exit); i++) {
		if (i < sizeof(r->padding1))
			r->padding1[i] = 1;
		else
			r->immediate_exit = bad_exit[i - sizeof(r->padding1)];
		page = *r;
		EXPECT_EQ(-EINVAL, tst_run(v)) TH_LOG("case %u", i);
		EXPECT_EQ(0, memcmp(&page, r, sizeof(page))) TH_LOG("case %u", i);
		EXPECT_EQ(pc, tst_reg(v, GUEST_PC)) TH_LOG("case %u", i);
		EXPECT_EQ(0xdeadbeefULL, tst_reg(v, GUEST_X(1))) TH_LOG("case %u", i);
		memset(r->padding1, 0, sizeof(r->padding1));
		r->immediate_exit = 0;
	}
	/* The read still completes, once, with the VMM's data. */
	ASSERT_EQ(0, tst_run(v));
	EXPECT_EQ(S2MMU_EXIT_MMIO, r->exit_reason);
	EXPECT_EQ(GUEST_MMIO_IPA + 2, r->mmio.phys_addr);
	EXPECT_EQ(0x42, tst_reg(v, GUEST_X(1)));
	EXPECT_EQ(pc + 4, tst_reg(v, GUEST_PC));
}

/* S2MMU_VCPU_ACCESS at @ipa (8 bytes, a read). */
static int sw_read(struct tst_vcpu *v, __u64 ipa)
{
	__u64 buf;

	return tst_access(v, ipa, &buf, sizeof(buf), S2MMU_ACCESS_READ, NULL);
}

/*
 * S2MMU_VCPU_ACCESS between an exit and the next S2MMU_RUN: the run page
 * holds what the next run reads back (MMIO data, hypercall results), so
 * the software path refuses with EBUSY and changes nothing, whether its
 * access would exit (no slot) or not (guest RAM).
 */
TEST_F(run, vcpu_access_refused_while_an_exit_awaits_completion)
{
	struct tst_vcpu *v = self->v;
	struct s2mmu_run *r = v->run, page;
	__u64 pat = 0x5a;

	START(mmio);
	ASSERT_EQ(0, tst_set_reg(v, GUEST_X(20), GUEST_MMIO_IPA));
	ASSERT_EQ(0, tst_run(v));
	ASSERT_EQ(S2MMU_EXIT_MMIO, r->exit_reason);
	memcpy(r->mmio.data, &pat, 8);
	page = *r;
	EXPECT_EQ(-EBUSY, sw_read(v, GUEST_MMIO_IPA + 0x1000));
	EXPECT_EQ(-EBUSY, sw_read(v, GUEST_DATA_IPA));
	EXPECT_EQ(0, memcmp(&page, r, sizeof(page)));
	ASSERT_EQ(0, tst_run(v));
	EXPECT_EQ(0x5a, tst_reg(v, GUEST_X(1)));
	EXPECT_EQ(GUEST_MMIO_IPA + 2, r->mmio.phys_addr);
}

TEST_F(run, vcpu_access_after_a_hypercall_waits_for_its_completion)
{
	struct tst_vcpu *v = self->v;
	struct s2mmu_run *r = v->run, page;
	int i;

	START(hvc);
	ASSERT_EQ(0x1234, guest_run_until_hvc(v));
	for (i = 0; i < 4; i++)
		r->hypercall.ret[i] = 0xb0 + i;
	page = *r;
	EXPECT_EQ(-EBUSY, sw_read(v, GUEST_MMIO_IPA));
	EXPECT_EQ(0, memcmp(&page, r, sizeof(page)));
	/* Completed (immediate_exit), the software path is free again. */
	r->immediate_exit = 1;
	EXPECT_EQ(-EINTR, tst_run(v));
	r->immediate_exit = 0;
	EXPECT_EQ(0, sw_read(v, GUEST_MMIO_IPA));
	EXPECT_EQ(S2MMU_EXIT_MMIO, r->exit_reason);
	EXPECT_EQ(GUEST_MMIO_IPA, r->mmio.phys_addr);
	ASSERT_EQ(2, guest_run_until_hvc(v));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0xb0ULL + i, r->hypercall.args[i]);
}

static void on_usr1(int sig)
{
}

struct kicker {
	pthread_t target;
	int sig;
	struct tst_vcpu *v;
	__u32 line;
	useconds_t delay;
};

static void *send_signal(void *arg)
{
	struct kicker *k = arg;

	usleep(k->delay);
	pthread_kill(k->target, k->sig);
	return NULL;
}

TEST_F(run, signal_interrupts_run)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct kicker k = { pthread_self(), SIGUSR1, NULL, 0, 200000 };
	pthread_t t;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));	/* no SA_RESTART */
	START(spin);
	ASSERT_EQ(0, pthread_create(&t, NULL, send_signal, &k));
	EXPECT_EQ(-EINTR, tst_run(self->v));
	EXPECT_EQ(S2MMU_EXIT_INTR, self->v->run->exit_reason);
	pthread_join(t, NULL);
	/* The guest made progress meanwhile: it still spins where it was. */
	EXPECT_EQ(PROG_IPA(spin), tst_reg(self->v, GUEST_PC));
}

/* Every register issue 10's ABI names, as GET_REG_LIST must list it. */
static void required_reg_ids(__u64 *ids, int *n)
{
	static const __u64 sys[] = {
		S2MMU_REG_SCTLR_EL1, S2MMU_REG_CPACR_EL1, S2MMU_REG_TTBR0_EL1,
		S2MMU_REG_TTBR1_EL1, S2MMU_REG_TCR_EL1, S2MMU_REG_AFSR0_EL1,
		S2MMU_REG_AFSR1_EL1, S2MMU_REG_ESR_EL1, S2MMU_REG_FAR_EL1,
		S2MMU_REG_PAR_EL1, S2MMU_REG_MAIR_EL1, S2MMU_REG_AMAIR_EL1,
		S2MMU_REG_VBAR_EL1, S2MMU_REG_CONTEXTIDR_EL1,
		S2MMU_REG_TPIDR_EL1, S2MMU_REG_CNTKCTL_EL1,
		S2MMU_REG_TPIDR_EL0, S2MMU_REG_TPIDRRO_EL0,
	};
	int i;

	*n = 0;
	for (i = 0; i < 31; i++)
		ids[(*n)++] = GUEST_X(i);
	ids[(*n)++] = GUEST_SP_EL0;
	ids[(*n)++] = GUEST_PC;
	ids[(*n)++] = GUEST_PSTATE;
	ids[(*n)++] = GUEST_SP_EL1;
	ids[(*n)++] = S2MMU_REG_CORE(elr_el1);
	ids[(*n)++] = S2MMU_REG_CORE(spsr[0]);
	for (i = 0; i < 32; i++)
		ids[(*n)++] = S2MMU_REG_CORE(vregs[i]);
	ids[(*n)++] = S2MMU_REG_CORE(fpsr);
	ids[(*n)++] = S2MMU_REG_CORE(fpcr);
	for (i = 0; i < (int)ARRAY_SIZE(sys); i++)
		ids[(*n)++] = sys[i];
}

static __u64 reg_pattern(__u64 id, int i)
{
	return 0x0123456789abcdefULL ^ (id * 0x9e3779b97f4a7c15ULL) ^ i;
}

TEST_F(run, one_reg_round_trip_every_register)
{
	struct tst_vcpu *v = self->v;
	struct s2mmu_reg_list *list;
	struct s2mmu_one_reg one;
	__u64 n = 0, val[2], got[2], req[128];
	unsigned int size;
	int r, nreq;
	__u64 i;

	list = calloc(1, sizeof(*list) + 512 * sizeof(__u64));
	ASSERT_NE(NULL, list);
	list->n = 1;
	EXPECT_EQ(-E2BIG, tst_ioctl(v->fd, S2MMU_GET_REG_LIST,
				    (unsigned long)list));
	n = list->n;
	ASSERT_GE(n, 31 + 6 + 32 + 2 + 21ULL);
	ASSERT_LE(n, 512);
	ASSERT_EQ(0, tst_ioctl(v->fd, S2MMU_GET_REG_LIST, (unsigned long)list));
	/* Each register the ABI names is listed, with its size. */
	required_reg_ids(req, &nreq);
	for (r = 0; r < nreq; r++) {
		for (i = 0; i < n && list->reg[i] != req[r]; i++)
			;
		EXPECT_LT(i, n) TH_LOG("id %#llx not listed", req[r]);
	}
	for (i = 0; i < n; i++) {
		__u64 id = list->reg[i];

		size = 1U << ((id & S2MMU_REG_SIZE_MASK) >> S2MMU_REG_SIZE_SHIFT);
		val[0] = reg_pattern(id, 0);
		val[1] = reg_pattern(id, 1);
		if (size == 4)
			val[0] &= 0xffffffff;
		if (id == GUEST_PSTATE)
			val[0] = 0xf0000004ULL;	/* NZCV, EL1t */
		if (id == S2MMU_REG_MPIDR_EL1)	/* RES1 bit 31, fields only */
			val[0] = 0x80000000ULL | (val[0] & 0xff41ffffffULL);
		one.id = id;
		one.addr = (uintptr_t)val;
		ASSERT_EQ(0, tst_ioctl(v->fd, S2MMU_SET_ONE_REG,
				       (unsigned long)&one)) TH_LOG("id %#llx", id);
		memset(got, 0, sizeof(got));
		one.addr = (uintptr_t)got;
		ASSERT_EQ(0, tst_ioctl(v->fd, S2MMU_GET_ONE_REG,
				       (unsigned long)&one));
		EXPECT_EQ(0, memcmp(val, got, size)) TH_LOG("id %#llx", id);
	}
	/* The errors: unknown id, wrong size, an EL2 PSTATE. */
	EXPECT_EQ(-ENOENT, tst_set_reg(v, S2MMU_REG_SYS(3, 4, 1, 1, 0), 0));
	EXPECT_EQ(-ENOENT, tst_set_reg(v, S2MMU_REG_CORE(regs[0]) + 1, 0));
	one.id = (GUEST_X(0) & ~S2MMU_REG_SIZE_MASK) | S2MMU_REG_SIZE_U32;
	EXPECT_EQ(-EINVAL, tst_ioctl(v->fd, S2MMU_SET_ONE_REG,
				     (unsigned long)&one));
	EXPECT_EQ(-EINVAL, tst_set_reg(v, GUEST_PSTATE, 0x3c9));	/* EL2h */
	EXPECT_EQ(-EINVAL, tst_set_reg(v, GUEST_PSTATE, 0x3d5));	/* AArch32 */
	free(list);
}

/*
 * The guest reads its own MPIDR_EL1 (VMPIDR_EL2): KVM's value for the
 * vCPU id after reset, the VMM's after SET_ONE_REG; never the CPU's or
 * another guest's.
 */
TEST_F(run, mpidr_is_the_vcpus_own)
{
	struct tst_vcpu *v = self->v;
	const __u64 mine = 0x80000000ULL | 3ULL << 16 | 0x12 << 8 | 0x5;

	EXPECT_EQ(0x80000000ULL, tst_reg(v, S2MMU_REG_MPIDR_EL1));
	ASSERT_EQ(0, tst_set_reg(v, S2MMU_REG_MPIDR_EL1, mine));
	START(mpidr);
	ASSERT_EQ(10, guest_run_until_hvc(v));
	EXPECT_EQ(mine, v->run->hypercall.args[0]);
	EXPECT_EQ(mine, tst_reg(v, S2MMU_REG_MPIDR_EL1));
	/* Bit 31 is RES1; bits 29:25 and 63:40 are RES0. */
	EXPECT_EQ(-EINVAL, tst_set_reg(v, S2MMU_REG_MPIDR_EL1, 0x5));
	EXPECT_EQ(-EINVAL, tst_set_reg(v, S2MMU_REG_MPIDR_EL1,
				       0x80000000ULL | 1ULL << 25));
	EXPECT_EQ(-EINVAL, tst_set_reg(v, S2MMU_REG_MPIDR_EL1,
				       0x80000000ULL | 1ULL << 40));
	EXPECT_EQ(mine, tst_reg(v, S2MMU_REG_MPIDR_EL1));
}

/* ESR ISS of a trapped MRS/MSR (EC 0x18): op0, op2, op1, CRn, CRm, read. */
#define SYS_ISS(op0, op1, crn, crm, op2, rd) \
	((__u64)(op0) << 20 | (op2) << 17 | (op1) << 14 | (crn) << 10 | \
	 (crm) << 1 | (rd))
#define SYS_ISS_MASK	(0x3ffc00ULL | 0x1f)	/* all but Rt */

TEST_F(run, host_registers_trap)
{
	static const struct {
		const char *name;
		__u64 iss;
		int must_trap;	/* architected with the PMU/debug/timer */
	} regs[] = {
		{ "MDSCR_EL1", SYS_ISS(2, 0, 0, 2, 2, 1), 1 },
		{ "DBGBVR0_EL1", SYS_ISS(2, 0, 0, 0, 4, 1), 1 },
		{ "OSLAR_EL1", SYS_ISS(2, 0, 1, 0, 4, 0), 1 },
		{ "PMCR_EL0", SYS_ISS(3, 3, 9, 12, 0, 1), 1 },
		{ "PMCCNTR_EL0", SYS_ISS(3, 3, 9, 13, 0, 1), 1 },
		{ "CNTP_CTL_EL0", SYS_ISS(3, 3, 14, 2, 1, 1), 1 },
		{ "ACTLR_EL1", SYS_ISS(3, 0, 1, 0, 1, 1), 0 },
		{ "S3_0_C15_C0_0", SYS_ISS(3, 0, 15, 0, 0, 1), 0 },
	};
	struct tst_vcpu *v = self->v;
	struct s2mmu_run *r = v->run;
	__u64 pc, esr;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(regs); i++) {
		pc = PROG_IPA(host_regs) + 8 * i;
		ASSERT_EQ(0, tst_set_reg(v, GUEST_PC, pc));
		ASSERT_EQ(0, tst_run(v));
		if (r->exit_reason == S2MMU_EXIT_INTERNAL_ERROR) {
			esr = r->internal.esr;
			TH_LOG("%s: trapped to EL2, ESR %#llx", regs[i].name,
			       (unsigned long long)esr);
			EXPECT_EQ(S2MMU_INTERNAL_ERROR_SYSREG, r->internal.suberror);
			EXPECT_EQ(0x18, esr >> 26);
			EXPECT_EQ(regs[i].iss, esr & SYS_ISS_MASK);
			EXPECT_EQ(pc, r->internal.pc);
			continue;
		}
		/* Not the CPU's: UNDEFINED, taken by the guest's own vector. */
		ASSERT_EQ(GUEST_VEC_EL1H_SYNC, guest_exc_vector(v))
			TH_LOG("%s: neither trapped nor UNDEFINED", regs[i].name);
		TH_LOG("%s: UNDEFINED at EL1, ESR_EL1 %#llx", regs[i].name,
		       (unsigned long long)r->hypercall.args[1]);
		EXPECT_EQ(0, regs[i].must_trap) TH_LOG("%s", regs[i].name);
		EXPECT_EQ(0, r->hypercall.args[1] >> 26);	/* EC: unknown */
		EXPECT_EQ(pc, r->hypercall.args[2]);		/* ELR_EL1 */
	}
}

TEST_F(run, set_way_and_wfe_complete_in_the_kernel)
{
	START(setway_wfe);
	ASSERT_EQ(12, guest_run_until_hvc(self->v));
	/* Past the eighth instruction, the HVC. */
	EXPECT_EQ(PROG_IPA(setway_wfe) + 8 * 4, tst_reg(self->v, GUEST_PC));
}

/* The total of /proc/interrupts' line ending in @name; -1 if none. */
static long long irq_count(const char *name)
{
	char line[4096], *p, *end;
	long long total = -1;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		p = strchr(line, ':');
		if (!strstr(line, name) || !p)
			continue;
		for (total = 0, p++; ; p = end) {
			long long n = strtoll(p, &end, 10);

			if (end == p)
				break;
			total += n;
		}
		break;
	}
	fclose(f);
	return total;
}

/*
 * The guest's virtual timer fires while the guest runs: the guest goes
 * on, sees its timer fired and enabled, and once it is out nothing fires
 * into the host (with KVM initialised, KVM's handler owns the line).
 */
TEST_F(run, guest_timer_fires_without_disturbing)
{
	struct tst_vcpu *v = self->v;
	long long before, after;

	START(vtimer_fire);
	/*
	 * Stuck here before run.c masked an expired timer: with KVM
	 * initialised, the PPI is enabled and every entry exited at once.
	 */
	ASSERT_EQ(13, guest_run_until_hvc(v));
	/* ENABLE and ISTATUS (IMASK is the kernel's while it stays expired). */
	EXPECT_EQ(5, v->run->hypercall.args[0] & 5);
	/* The saved state is the guest's: enabled, unmasked. */
	EXPECT_EQ(1, tst_reg(v, S2MMU_REG_CNTV_CTL_EL0) & 3);
	before = irq_count("kvm guest vtimer");
	usleep(200000);
	after = irq_count("kvm guest vtimer");
	TH_LOG("\"kvm guest vtimer\" interrupts in 200 ms out of the guest: %lld",
	       before < 0 ? -1 : after - before);
	EXPECT_LE(after - before, 2);
}

/* Registers survive an entry and exit, and the guest sees them. */
TEST_F(run, registers_survive_the_world_switch)
{
	struct tst_vcpu *v = self->v;
	__u64 vr[2], got[2];
	struct s2mmu_one_reg one = { .addr = (uintptr_t)vr };
	const struct { __u64 id; __u64 val; } sys[] = {
		{ S2MMU_REG_TPIDR_EL0, 0x1111 }, { S2MMU_REG_TPIDRRO_EL0, 0x2222 },
		{ S2MMU_REG_TPIDR_EL1, 0x3333 }, { S2MMU_REG_VBAR_EL1, 0x40000800 },
		{ S2MMU_REG_MAIR_EL1, 0xff4400 }, { S2MMU_REG_TTBR0_EL1, 0x41000 },
		{ S2MMU_REG_TTBR1_EL1, 0x42000 }, { S2MMU_REG_FAR_EL1, 0xfa0 },
		{ S2MMU_REG_CONTEXTIDR_EL1, 0x77 },
		{ S2MMU_REG_CNTV_CVAL_EL0, 0x123456789ULL },
		{ S2MMU_REG_CORE(elr_el1), 0xe1e1 },
		{ S2MMU_REG_CORE(spsr[0]), 0x3c5 },
		{ GUEST_SP_EL0, 0x5e0 },
		/* Caches on, MMU still off; a TCR as Linux sets it. */
		{ S2MMU_REG_SCTLR_EL1, GUEST_SCTLR_RESET | 1 << 12 | 1 << 2 },
		{ S2MMU_REG_TCR_EL1, 0x2b5193519ULL },
		{ S2MMU_REG_ESR_EL1, 0x96000045 },
		{ S2MMU_REG_PAR_EL1, 0x12345000 },
		{ S2MMU_REG_CNTKCTL_EL1, 0x3 },
		{ S2MMU_REG_CSSELR_EL1, 0x1 },
		{ S2MMU_REG_CNTV_CTL_EL0, 0x2 },	/* disabled, masked */
		{ GUEST_SP_EL1, 0x5e1 },
		{ S2MMU_REG_CORE(fpsr), 0x08000001 },	/* QC, IOC */
		{ S2MMU_REG_CORE(fpcr), 0x03000000 },	/* DN, FZ */
		/*
		 * Not here: AFSR0/1_EL1 and AMAIR_EL1 are IMPLEMENTATION
		 * DEFINED, RAZ/WI on the emulated CPU; CPACR is set below.
		 */
	};
	static __thread int tls_canary = 0x7157;
	/* A callee-saved FP register of the VMM: the guest must not touch it. */
	register double keep asm("d8") = 3.25;
	size_t i;
	int j;

	START(regs);
	/* FP/SIMD enabled at EL1 (CPACR_EL1.FPEN), so it reaches EL2's trap. */
	ASSERT_EQ(0, tst_set_reg(v, S2MMU_REG_CPACR_EL1, 3 << 20));
	for (j = 8; j < 31; j++)
		ASSERT_EQ(0, tst_set_reg(v, GUEST_X(j), 0x1000ULL + j));
	for (i = 0; i < ARRAY_SIZE(sys); i++)
		ASSERT_EQ(0, tst_set_reg(v, sys[i].id, sys[i].val));
	for (j = 0; j < 32; j++) {
		vr[0] = 0x5500 + j;
		vr[1] = 0xaa00 + j;
		one.id = S2MMU_REG_CORE(vregs[j]);
		ASSERT_EQ(0, tst_ioctl(v->fd, S2MMU_SET_ONE_REG,
				       (unsigned long)&one));
	}
	asm volatile("" : "+w"(keep));
	ASSERT_EQ(5, guest_run_until_hvc(v));
	asm volatile("" : "+w"(keep));
	EXPECT_EQ(3.25, keep);
	EXPECT_EQ(0x7157, tls_canary);
	/* What the guest read. */
	EXPECT_EQ(0x1111, v->run->hypercall.args[0]);
	EXPECT_EQ(0x2222, v->run->hypercall.args[1]);
	EXPECT_EQ(0x3333, v->run->hypercall.args[2]);
	EXPECT_EQ(0x40000800, v->run->hypercall.args[3]);
	EXPECT_EQ(0x2b5193519ULL, v->run->hypercall.args[4]);
	EXPECT_EQ(0x03000000, v->run->hypercall.args[5]);
	EXPECT_EQ(0x08000001, v->run->hypercall.args[6]);
	EXPECT_EQ(0x96000045, v->run->hypercall.args[7]);
	/* What came back. */
	for (j = 8; j < 31; j++)
		EXPECT_EQ(0x1000ULL + j, tst_reg(v, GUEST_X(j)));
	for (i = 0; i < ARRAY_SIZE(sys); i++) {
		__u64 id = sys[i].id, val = 0;	/* FPSR/FPCR: 32 bits */

		EXPECT_EQ(0, tst_get_reg(v, id, &val));
		EXPECT_EQ(sys[i].val, val) TH_LOG("id %#llx", id);
	}
	one.addr = (uintptr_t)got;
	for (j = 0; j < 32; j++) {
		one.id = S2MMU_REG_CORE(vregs[j]);
		ASSERT_EQ(0, tst_ioctl(v->fd, S2MMU_GET_ONE_REG,
				       (unsigned long)&one));
		EXPECT_EQ(0x5500ULL + j, got[0]);
		EXPECT_EQ(0xaa00ULL + j, got[1]);
	}
}

TEST_F(run, guest_memory_faults_in_the_kernel)
{
	struct s2mmu_stats st;
	int i;

	START(touch);
	ASSERT_EQ(0, tst_set_reg(self->v, GUEST_X(22), GUEST_DATA_IPA + TOUCH_OFF));
	ASSERT_EQ(8, guest_run_until_hvc(self->v));
	for (i = 0; i < 16; i++)
		EXPECT_EQ(16 - i, *(__u64 *)guest_data(&self->g, TOUCH_OFF + i * 4096));
	ASSERT_EQ(0, tst_stats(self->g.vm, &st));
	/* The code page, the stack page is untouched, and 16 data pages. */
	EXPECT_GE(st.faults_translation + st.faults_permission, 17);
	EXPECT_EQ(0, st.mmio_exits);
}

static void *run_in_thread(void *arg)
{
	struct tst_vcpu *v = arg;

	return (void *)(long)tst_run(v);
}

TEST_F(run, busy_and_other_process)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct tst_vcpu *v = self->v;
	__u64 val;
	pthread_t t;
	void *ret;
	int status, i;
	pid_t pid;

	START(spin);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(tst_run(v) == -EIO ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, pthread_create(&t, NULL, run_in_thread, v));
	/* Until the thread is inside RUN (ONE_REG never blocks). */
	for (i = 0; i < 5000 && tst_get_reg(v, GUEST_PC, &val) != -EBUSY; i++)
		usleep(1000);
	EXPECT_EQ(-EBUSY, tst_get_reg(v, GUEST_PC, &val));
	EXPECT_EQ(-EBUSY, tst_run(v));
	pthread_kill(t, SIGUSR1);
	pthread_join(t, &ret);
	EXPECT_EQ(-EINTR, (long)ret);
	EXPECT_EQ(0, tst_get_reg(v, GUEST_PC, &val));
}

static void *raise_line(void *arg)
{
	struct kicker *k = arg;

	usleep(k->delay);
	tst_irq_line(k->v, k->line, 1);
	return NULL;
}

/*
 * The guest unmasks, reports ready (hvc #6) and waits; the line raised
 * from another thread is taken at entry @vec of guest_vectors (set by
 * guest_vm_create()), which reports it.
 */
static void virtual_irq(struct __test_metadata *_metadata, struct guest_vm *g,
			const char *s, __u32 line, int vec)
{
	struct tst_vcpu *v = &g->vcpu[0];
	struct kicker k = { 0, 0, v, line, 100000 };
	__u64 prog = guest_entry(GUEST_CODE_IPA, s);
	pthread_t t;

	ASSERT_EQ(0, tst_set_reg(v, GUEST_PC, prog));
	ASSERT_EQ(6, guest_run_until_hvc(v));
	/* Raised while the vCPU is in the guest (or in WFI). */
	ASSERT_EQ(0, pthread_create(&t, NULL, raise_line, &k));
	EXPECT_EQ(0, guest_run_until_hvc(v));
	EXPECT_EQ(vec, guest_exc_vector(v));
	pthread_join(t, NULL);
	/* Taken from the wait loop; masked again by the exception entry. */
	EXPECT_GE(tst_reg(v, S2MMU_REG_CORE(elr_el1)), prog);
	EXPECT_LT(tst_reg(v, S2MMU_REG_CORE(elr_el1)), prog + 32);
	EXPECT_NE(0, tst_reg(v, GUEST_PSTATE) & (line ? 0x40 : 0x80));
	EXPECT_EQ(0, tst_irq_line(v, line, 0));
}

TEST_F(run, virtual_irq_wakes_wfi)
{
	virtual_irq(_metadata, &self->g, guest_irq_wfi_start,
		    S2MMU_IRQ_LINE_IRQ, GUEST_VEC_EL1H_IRQ);
}

TEST_F(run, virtual_irq_kicks_running_vcpu)
{
	virtual_irq(_metadata, &self->g, guest_irq_spin_start,
		    S2MMU_IRQ_LINE_IRQ, GUEST_VEC_EL1H_IRQ);
}

TEST_F(run, virtual_fiq)
{
	virtual_irq(_metadata, &self->g, guest_irq_spin_start,
		    S2MMU_IRQ_LINE_FIQ, GUEST_VEC_EL1H_FIQ);
}

TEST_F(run, bad_arguments)
{
	struct s2mmu_irq_level l = { .line = 2, .level = 1 };

	EXPECT_EQ(-EINVAL, tst_ioctl(self->v->fd, S2MMU_IRQ_LINE,
				     (unsigned long)&l));
	l.line = 0;
	l.level = 2;
	EXPECT_EQ(-EINVAL, tst_ioctl(self->v->fd, S2MMU_IRQ_LINE,
				     (unsigned long)&l));
	EXPECT_EQ(-EINVAL, tst_ioctl(self->v->fd, S2MMU_RUN, 1));
	EXPECT_EQ(-EFAULT, tst_ioctl(self->v->fd, S2MMU_GET_ONE_REG, 8));
}

TEST_HARNESS_MAIN
