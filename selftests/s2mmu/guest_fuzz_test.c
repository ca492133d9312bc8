// SPDX-License-Identifier: GPL-2.0
/*
 * guest_fuzz_test: random instruction words as guest code, many short
 * runs.  Whatever the guest does, S2MMU_RUN may only return an exit (MMIO,
 * HVC/SMC, internal error) or -EINTR when the run's timer fires; never
 * another error, never a hang (the harness's timeout), and the host never
 * WARNs or oopses (the VM harness reads the console).
 *
 * The code is a mix of fully random words and random instances of the
 * instruction classes a guest could abuse: system register and cache/TLB
 * maintenance instructions, exception generation (SVC/HVC/SMC/BRK/ERET),
 * WFI/WFE, loads, stores, pairs and exclusives, branches, FP/SIMD and SVE
 * words.  Registers start as random IPAs in and around the slots (the code
 * slot, a RW slot, a RO slot, nothing), and some runs also get random
 * SCTLR/TCR/TTBR0/MAIR/VBAR/SPSR values and random PSTATEs, which the
 * module must refuse or make harmless.
 */
#include "guest_vm.h"

#include <signal.h>
#include <sys/time.h>
#include "../kselftest_harness.h"

/* About 10 s under emulation; room for a loaded host. */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 120

#define RW_SLOT		0
#define RW_GPA		0x40000000ULL
#define RW_SIZE		(4UL << 20)
#define RO_SLOT		1
#define RO_GPA		0x40400000ULL
#define RO_SIZE		0x100000UL
#define CODE_PAGES	4
#define RUNS		1000
#define RUNS_PER_VM	100
#define EXITS_PER_RUN	16
#define TIMER_US	3000

struct fuzz {
	struct guest_vm g;
	__u8 *rw, *ro;
	__u64 rng;
	int have_vm;
	__u64 exits[32], errors, intr, guest_exc, pstates, pstate_refused;
	__u64 sysreg_refused;
	__u64 ec[64];
};

static __u64 rnd(struct fuzz *f)
{
	f->rng ^= f->rng << 13;
	f->rng ^= f->rng >> 7;
	f->rng ^= f->rng << 17;
	return f->rng;
}

/* One instruction word: random, or a random member of a risky class. */
static __u32 fuzz_insn(struct fuzz *f)
{
	__u32 r = (__u32)rnd(f), low = (__u32)(rnd(f) >> 7);

	switch (r % 16) {
	case 0: case 1: case 2:
		return low ^ r;				/* anything */
	case 3: case 4:
		return 0xd5000000U | (low & 0x1fffff);	/* MSR/MRS/SYS */
	case 5:
		return 0xd4000000U | (low & 0x1fffe0) | (r >> 8) % 4;	/* SVC/HVC/SMC */
	case 6: {
		static const __u32 fixed[] = {
			0xd69f03e0, 0xd503207f, 0xd503205f, 0xd4200000,
			0xd5087e9f, 0xd50b7520, 0xd508871f, 0xd5033fdf,
		};	/* ERET, WFI, WFE, BRK, DC ISW, IC IVAU, TLBI VMALLE1, ISB */
		return fixed[(r >> 8) % 8];
	}
	case 7: case 8:
		return 0xf9400000U | (low & 0x3fffff);	/* LDR Xt, [Xn, #imm] */
	case 9: case 10:
		return 0xf9000000U | (low & 0x3fffff);	/* STR Xt, [Xn, #imm] */
	case 11:
		return ((r >> 8) & 1 ? 0xa9400000U : 0xa9000000U) |
		       (low & 0x3fffff);		/* LDP/STP */
	case 12:
		return ((r >> 8) & 1 ? 0xc85f7c00U : 0xc8007c00U) |
		       (low & 0x1f03ff);		/* LDXR/STXR */
	case 13:
		return 0x14000000U | (low & 0x3ffffff);	/* B anywhere */
	case 14:
		return 0x1e000000U | (low & 0xffffff);	/* FP */
	default:
		return 0x04000000U | (low & 0xffffff);	/* SVE */
	}
}

/* A register value: somewhere in or near a slot, or anything. */
static __u64 fuzz_addr(struct fuzz *f)
{
	static const __u64 bases[] = {
		GUEST_CODE_IPA, RW_GPA, RO_GPA, RO_GPA + RO_SIZE, 0,
		0xffffffffff000000ULL, 1ULL << 40,
	};
	__u64 r = rnd(f);

	if (r % 8 == 7)
		return rnd(f);
	return bases[r % 7] + (rnd(f) % (8UL << 20) & ~7ULL);
}

static void fuzz_sysregs(struct __test_metadata *_metadata, struct fuzz *f,
			 struct tst_vcpu *v)
{
	static const __u64 ids[] = {
		S2MMU_REG_SCTLR_EL1, S2MMU_REG_TCR_EL1, S2MMU_REG_TTBR0_EL1,
		S2MMU_REG_MAIR_EL1, S2MMU_REG_VBAR_EL1, S2MMU_REG_CPACR_EL1,
		S2MMU_REG_CNTKCTL_EL1, S2MMU_REG_CORE(spsr[0]),
		S2MMU_REG_CORE(elr_el1), S2MMU_REG_CORE(sp_el1),
		S2MMU_REG_CNTV_CTL_EL0, S2MMU_REG_CNTV_CVAL_EL0,
	};
	static const __u64 modes[] = { 0x0, 0x4, 0x5 };	/* EL0t, EL1t, EL1h */
	__u64 pstate = rnd(f) & 0xf00003ff, back;
	int i;

	for (i = 0; i < 3; i++) {
		int ret = tst_set_reg(v, ids[rnd(f) % 12],
				     rnd(f) & 1 ? fuzz_addr(f) : rnd(f));

		if (ret) {
			EXPECT_EQ(-EINVAL, ret);
			f->sysreg_refused++;
		}
	}
	/* Half of them with a mode the guest may have. */
	if (pstate & 0x200)
		pstate = (pstate & ~0x1fULL) | modes[rnd(f) % 3];
	/* PSTATE: only EL1h, EL1t or EL0t may be accepted. */
	f->pstates++;
	if (tst_set_reg(v, S2MMU_REG_CORE(pstate), pstate)) {
		f->pstate_refused++;
		return;
	}
	ASSERT_EQ(0, tst_get_reg(v, S2MMU_REG_CORE(pstate), &back));
	EXPECT_TRUE((back & 0x1f) == 0x5 || (back & 0x1f) == 0x4 ||
		    (back & 0x1f) == 0x0);
}

/* Fresh random code and registers for one run of vCPU 0. */
static void fuzz_setup_run(struct __test_metadata *_metadata, struct fuzz *f)
{
	struct tst_vcpu *v = &f->g.vcpu[0];
	__u32 *code = (__u32 *)f->rw;
	int i;

	for (i = 0; i < (int)(CODE_PAGES * TST_PAGE / 4); i++)
		code[i] = fuzz_insn(f);
	/* The guest may have overwritten its vectors and stack: restore. */
	guest_code_copy(f->g.code);
	for (i = 0; i < 31; i++)
		ASSERT_EQ(0, tst_set_reg(v, GUEST_X(i), fuzz_addr(f)));
	ASSERT_EQ(0, tst_set_reg(v, S2MMU_REG_CORE(pc),
				 RW_GPA + rnd(f) % (CODE_PAGES * TST_PAGE) / 4 * 4));
	ASSERT_EQ(0, tst_set_reg(v, S2MMU_REG_CORE(pstate), GUEST_PSTATE_RESET));
	ASSERT_EQ(0, tst_set_reg(v, S2MMU_REG_SCTLR_EL1, GUEST_SCTLR_RESET));
	ASSERT_EQ(0, tst_set_reg(v, S2MMU_REG_VBAR_EL1,
				 guest_entry(GUEST_CODE_IPA, guest_vectors)));
	if (rnd(f) % 4 == 0)
		fuzz_sysregs(_metadata, f, v);
}

/* One run: up to EXITS_PER_RUN exits, until an error exit or the timer. */
static void fuzz_run(struct __test_metadata *_metadata, struct fuzz *f)
{
	struct tst_vcpu *v = &f->g.vcpu[0];
	/*
	 * Periodic, not one-shot: a signal that lands while this thread is
	 * between two S2MMU_RUNs is consumed by on_alarm(), and the next run
	 * of a guest spinning or in WFI would then have nothing to stop it.
	 */
	struct itimerval t = {
		.it_value.tv_usec = TIMER_US,
		.it_interval.tv_usec = TIMER_US,
	};
	char why[256];
	int i, ret;

	setitimer(ITIMER_REAL, &t, NULL);
	for (i = 0; i < EXITS_PER_RUN; i++) {
		ret = tst_run(v);
		if (ret == -EINTR) {
			f->intr++;
			break;
		}
		if (ret) {
			guest_exit_str(v, ret, why, sizeof(why));
			TH_LOG("S2MMU_RUN: %s", why);
			f->errors++;
			break;
		}
		f->exits[v->run->exit_reason % 32]++;
		if (v->run->exit_reason == S2MMU_EXIT_INTERNAL_ERROR) {
			f->ec[v->run->internal.esr >> 26 & 63]++;
			break;
		}
		if (v->run->exit_reason == S2MMU_EXIT_MMIO) {
			__u64 data = rnd(f);

			memcpy(v->run->mmio.data, &data, 8);
		} else if (v->run->exit_reason == S2MMU_EXIT_HYPERCALL) {
			/* At the vectors: the guest's own exception. */
			if (v->run->hypercall.args[0] == GUEST_EXC &&
			    v->run->hypercall.imm == 0) {
				f->guest_exc++;
				break;
			}
			v->run->hypercall.ret[0] = rnd(f);
		} else {
			TH_LOG("unexpected exit %u", v->run->exit_reason);
			f->errors++;
			break;
		}
	}
	memset(&t, 0, sizeof(t));
	setitimer(ITIMER_REAL, &t, NULL);
}

static int fuzz_new_vm(struct fuzz *f)
{
	int ret;

	if (f->have_vm)
		guest_vm_destroy(&f->g);
	ret = guest_vm_create(&f->g, 1);
	f->have_vm = 1;
	if (ret)
		return ret;
	if (tst_set_region(f->g.vm, RW_SLOT, 0, RW_GPA, RW_SIZE, f->rw) ||
	    tst_set_region(f->g.vm, RO_SLOT, S2MMU_MEM_READONLY, RO_GPA,
			   RO_SIZE, f->ro))
		return -EINVAL;
	return 0;
}

static void on_alarm(int sig)
{
}

TEST(random_code)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct s2mmu_module_stats ms;
	struct fuzz *f = calloc(1, sizeof(*f));
	int run, ret, i;

	ASSERT_NE(NULL, f);
	f->rng = 0x2545f4914f6cdd1dULL ^ (__u64)time(NULL);
	/* S2MMU_FUZZ_SEED=0x... replays a run's code and registers. */
	if (getenv("S2MMU_FUZZ_SEED"))
		f->rng = strtoull(getenv("S2MMU_FUZZ_SEED"), NULL, 0);
	TH_LOG("seed 0x%llx", f->rng);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	f->rw = tst_alloc(TST_ANON, RW_SIZE);
	f->ro = tst_alloc(TST_ANON, RO_SIZE);
	ASSERT_TRUE(f->rw && f->ro);
	memset(f->ro, 0x5a, RO_SIZE);

	for (run = 0; run < RUNS; run++) {
		if (run % RUNS_PER_VM == 0) {
			ret = fuzz_new_vm(f);
			if (ret == -EOPNOTSUPP)
				SKIP(return, "S2MMU_RUN not supported here");
			ASSERT_EQ(0, ret);
		}
		fuzz_setup_run(_metadata, f);
		fuzz_run(_metadata, f);
		ASSERT_EQ(0ULL, f->errors);
	}
	guest_vm_destroy(&f->g);
	TH_LOG("%d runs: %llu guest exceptions at the vectors", RUNS, f->guest_exc);
	TH_LOG("%d runs: %llu MMIO, %llu HVC/SMC, %llu internal-error exits, %llu timer interrupts",
	       RUNS, f->exits[S2MMU_EXIT_MMIO], f->exits[S2MMU_EXIT_HYPERCALL],
	       f->exits[S2MMU_EXIT_INTERNAL_ERROR], f->intr);
	TH_LOG("%llu of %llu PSTATEs and %llu system register values refused",
	       f->pstate_refused, f->pstates, f->sysreg_refused);
	for (i = 0; i < 64; i++)
		if (f->ec[i])
			TH_LOG("  internal error EC 0x%02x: %llu", i, f->ec[i]);
	/* The runs did reach the guest and the VMM. */
	EXPECT_LT(0ULL, f->exits[S2MMU_EXIT_HYPERCALL] + f->exits[S2MMU_EXIT_MMIO]);

	i = tst_open_dev();
	ASSERT_LE(0, i);
	ASSERT_EQ(0, tst_module_stats(i, &ms));
	EXPECT_EQ(0ULL, ms.vms);
	EXPECT_EQ(0ULL, ms.pages_pinned);
	close(i);
}

TEST_HARNESS_MAIN
