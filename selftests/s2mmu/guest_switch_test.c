// SPDX-License-Identifier: GPL-2.0
/*
 * guest_switch_test: every guest sees exactly its own EL1 registers, however
 * the guests that share a CPU alternate.  The world switch writes a guest
 * register only where the CPU holds another value and leaves the guest's
 * values loaded while the host runs (Documentation/vcpu.rst): a register
 * it wrongly skipped would show another guest's value here.
 *
 * Guests with different values in every switched register run in turn on
 * one CPU (the test thread is pinned): two s2mmu VMs, and in the KVM boot a
 * KVM guest too.  Each pass of a guest takes an exit handled in the kernel
 * (a set/way cache operation, trapped and completed as a no-op, then
 * re-entered at once), reads every register into its memory, changes three of them (adds 1),
 * and reports with an MMIO store, so the values a guest writes must come
 * back at its next entry whoever ran in between.
 */
#include "kvm_vm.h"

#include <sched.h>

#include "../kselftest_harness.h"

#define PASSES		60
#define DUMP_IPA	GUEST_DATA_IPA

/*
 * x20: where to store the registers (in the table's order below), x21: the
 * MMIO address of the report, x22: passes done.
 */
GUEST_ASM(sysregs,
	  "1: dc cisw, xzr\n"
	  "mrs x1, sctlr_el1\n str x1, [x20, #0]\n"
	  "mrs x1, cpacr_el1\n str x1, [x20, #8]\n"
	  "mrs x1, ttbr0_el1\n str x1, [x20, #16]\n"
	  "mrs x1, ttbr1_el1\n str x1, [x20, #24]\n"
	  "mrs x1, tcr_el1\n str x1, [x20, #32]\n"
	  "mrs x1, esr_el1\n str x1, [x20, #40]\n"
	  "mrs x1, far_el1\n str x1, [x20, #48]\n"
	  "mrs x1, mair_el1\n str x1, [x20, #56]\n"
	  "mrs x1, vbar_el1\n str x1, [x20, #64]\n"
	  "mrs x1, contextidr_el1\n str x1, [x20, #72]\n"
	  "mrs x1, tpidr_el1\n str x1, [x20, #80]\n"
	  "mrs x1, cntkctl_el1\n str x1, [x20, #88]\n"
	  "mrs x1, par_el1\n str x1, [x20, #96]\n"
	  "mrs x1, csselr_el1\n str x1, [x20, #104]\n"
	  "mrs x1, tpidr_el0\n str x1, [x20, #112]\n"
	  "mrs x1, tpidrro_el0\n str x1, [x20, #120]\n"
	  "mrs x1, elr_el1\n str x1, [x20, #128]\n"
	  "mrs x1, spsr_el1\n str x1, [x20, #136]\n"
	  "mrs x1, sp_el0\n str x1, [x20, #144]\n"
	  "mrs x1, cntv_cval_el0\n str x1, [x20, #152]\n"
	  "mrs x1, cntv_ctl_el0\n str x1, [x20, #160]\n"
	  "mrs x1, tpidr_el1\n add x1, x1, #1\n msr tpidr_el1, x1\n"
	  "mrs x1, far_el1\n add x1, x1, #1\n msr far_el1, x1\n"
	  "mrs x1, tpidr_el0\n add x1, x1, #1\n msr tpidr_el0, x1\n"
	  "add x22, x22, #1\n"
	  "str x22, [x21]\n"
	  "b 1b\n");

/*
 * A second vector table, for guest B: each entry reports with HVC #0x99.
 * It starts at the first 2K boundary after guest_vectors_b_start.
 */
GUEST_ASM(vectors_b,
	  ".balign 2048\n"
	  ".rept 16\n hvc #0x99\n b .\n .balign 128\n .endr\n");

enum { GUEST_A, GUEST_B, GUEST_K, NR_GUESTS };

#define VBAR_OF_GUEST	0	/* patched in: where the vectors landed */

/**
 * struct sw_reg - one switched register and each guest's value of it
 * @name: for messages
 * @id: its ONE_REG id (the same number on KVM)
 * @val: the value of guest A, B and the KVM guest
 * @mask: the bits compared (the rest are the hardware's)
 * @bumped: the guest adds 1 at every pass
 * @s2mmu_only: not set or compared on the KVM guest (its timer is KVM's)
 */
struct sw_reg {
	const char *name;
	__u64 id;
	__u64 val[NR_GUESTS];
	__u64 mask;
	int bumped;
	int s2mmu_only;
};

/* In the order the guest stores them. */
static const struct sw_reg sw_regs[] = {
	{ "SCTLR_EL1", S2MMU_REG_SCTLR_EL1,
	  { 0x30d01804, 0x30d0c808, 0x34d00800 }, ~0ULL, 0, 0 },
	{ "CPACR_EL1", S2MMU_REG_CPACR_EL1, { 3 << 20, 1 << 20, 0 }, ~0ULL, 0, 0 },
	{ "TTBR0_EL1", S2MMU_REG_TTBR0_EL1,
	  { 1ULL << 48 | 0x41000, 2ULL << 48 | 0x42000, 3ULL << 48 | 0x43000 },
	  ~0ULL, 0, 0 },
	{ "TTBR1_EL1", S2MMU_REG_TTBR1_EL1,
	  { 4ULL << 48 | 0x44000, 5ULL << 48 | 0x45000, 6ULL << 48 | 0x46000 },
	  ~0ULL, 0, 0 },
	{ "TCR_EL1", S2MMU_REG_TCR_EL1,
	  { 0x80100010, 0x80190119, 0x80180118 }, ~0ULL, 0, 0 },
	{ "ESR_EL1", S2MMU_REG_ESR_EL1,
	  { 0x96000045, 0x92000007, 0x5a000000 }, ~0ULL, 0, 0 },
	{ "FAR_EL1", S2MMU_REG_FAR_EL1,
	  { 0xfa0000a0, 0xfb0000b0, 0xfc0000c0 }, ~0ULL, 1, 0 },
	{ "MAIR_EL1", S2MMU_REG_MAIR_EL1,
	  { 0xff440c0400ULL, 0x44ff04000cULL, 0x0400ff44 }, ~0ULL, 0, 0 },
	{ "VBAR_EL1", S2MMU_REG_VBAR_EL1,
	  { VBAR_OF_GUEST, VBAR_OF_GUEST, VBAR_OF_GUEST }, ~0ULL, 0, 0 },
	{ "CONTEXTIDR_EL1", S2MMU_REG_CONTEXTIDR_EL1, { 0x11, 0x22, 0x33 },
	  ~0ULL, 0, 0 },
	{ "TPIDR_EL1", S2MMU_REG_TPIDR_EL1,
	  { 0xa1000000, 0xb1000000, 0xc1000000 }, ~0ULL, 1, 0 },
	{ "CNTKCTL_EL1", S2MMU_REG_CNTKCTL_EL1, { 0x3, 0x302, 0x1 }, ~0ULL, 0, 0 },
	{ "PAR_EL1", S2MMU_REG_PAR_EL1, { 0x12345800, 0x80d, 0xabcd800 },
	  ~0ULL, 0, 0 },
	{ "CSSELR_EL1", S2MMU_REG_CSSELR_EL1, { 0, 1, 2 }, ~0ULL, 0, 0 },
	{ "TPIDR_EL0", S2MMU_REG_TPIDR_EL0, { 0xe0a, 0xe0b, 0xe0c }, ~0ULL, 1, 0 },
	{ "TPIDRRO_EL0", S2MMU_REG_TPIDRRO_EL0, { 0x70a, 0x70b, 0x70c },
	  ~0ULL, 0, 0 },
	{ "ELR_EL1", S2MMU_REG_CORE(elr_el1), { 0xe1a, 0xe1b, 0xe1c }, ~0ULL, 0, 0 },
	{ "SPSR_EL1", S2MMU_REG_CORE(spsr[0]),
	  { 0x3c5, 0x600003c4, 0x200003c5 }, ~0ULL, 0, 0 },
	{ "SP_EL0", GUEST_SP_EL0, { 0x5a0, 0x5b0, 0x5c0 }, ~0ULL, 0, 0 },
	/* B's timer is enabled, masked and far in the future: it never fires. */
	{ "CNTV_CVAL_EL0", S2MMU_REG_CNTV_CVAL_EL0,
	  { 0x1234, 0x0fffffffffffffffULL, 0 }, ~0ULL, 0, 1 },
	{ "CNTV_CTL_EL0", S2MMU_REG_CNTV_CTL_EL0, { 0, 3, 0 }, 3, 0, 1 },
};

#define NR_REGS		ARRAY_SIZE(sw_regs)

/**
 * struct sw_guest - one guest of the rotation, on s2mmu or on KVM
 * @kvm: a KVM vCPU (else s2mmu's)
 * @fd: the vCPU fd
 * @vm: the VM fd
 * @srun: s2mmu's run page
 * @krun: KVM's run page
 * @code: host view of the code slot
 * @passes: reports seen
 */
struct sw_guest {
	int kvm;
	int fd, vm;
	struct s2mmu_run *srun;
	struct kvm_run *krun;
	__u8 *code;
	__u64 passes;
};

static const char * const guest_names[NR_GUESTS] = { "A", "B", "KVM" };

static __u64 reg_value(int g, size_t r)
{
	if (sw_regs[r].id != S2MMU_REG_VBAR_EL1)
		return sw_regs[r].val[g];
	if (g != GUEST_B)
		return guest_entry(GUEST_CODE_IPA, guest_vectors);
	return (guest_entry(GUEST_CODE_IPA, guest_vectors_b_start) + 2047) &
	       ~2047ULL;
}

/* The value guest @g should see after @passes passes. */
static __u64 reg_expected(int g, size_t r, __u64 passes)
{
	return reg_value(g, r) + (sw_regs[r].bumped ? passes : 0);
}

static int set_reg(struct sw_guest *sg, __u64 id, __u64 val)
{
	struct s2mmu_one_reg one = { .id = id, .addr = (uintptr_t)&val };

	return tst_ioctl(sg->fd, sg->kvm ? KVM_SET_ONE_REG : S2MMU_SET_ONE_REG,
			 (unsigned long)&one);
}

/* Gives guest @g its registers and its program. */
static int guest_setup(struct sw_guest *sg, int g)
{
	__u64 args[3] = { DUMP_IPA, GUEST_MMIO_IPA, 0 };
	size_t r;
	int i, ret;

	for (r = 0; r < NR_REGS; r++) {
		if (sg->kvm && sw_regs[r].s2mmu_only)
			continue;
		ret = set_reg(sg, sw_regs[r].id, reg_value(g, r));
		if (ret)
			return ret;
	}
	ret = set_reg(sg, GUEST_PC,
		      guest_entry(GUEST_CODE_IPA, guest_sysregs_start));
	for (i = 0; i < 3 && !ret; i++)
		ret = set_reg(sg, GUEST_X(20 + i), args[i]);
	return ret;
}

/*
 * One pass of guest @g: run it to its report and compare what it read
 * with its own values.  Return: the number of mismatches, or -1 when the
 * run did not end in the report.
 */
static int guest_pass(struct __test_metadata *_metadata, struct sw_guest *sg,
		      int g)
{
	const __u64 *dump = (const __u64 *)(sg->code + GUEST_DATA_OFF);
	__u64 addr, data = 0, want, got;
	int ret, wrong = 0;
	size_t r;

	if (sg->kvm) {
		ret = tst_ioctl(sg->fd, KVM_RUN, 0);
		if (ret || sg->krun->exit_reason != KVM_EXIT_MMIO ||
		    !sg->krun->mmio.is_write)
			return -1;
		addr = sg->krun->mmio.phys_addr;
		memcpy(&data, sg->krun->mmio.data, 8);
	} else {
		ret = tst_ioctl(sg->fd, S2MMU_RUN, 0);
		if (ret || sg->srun->exit_reason != S2MMU_EXIT_MMIO ||
		    !sg->srun->mmio.is_write)
			return -1;
		addr = sg->srun->mmio.phys_addr;
		memcpy(&data, sg->srun->mmio.data, 8);
	}
	if (addr != GUEST_MMIO_IPA || data != sg->passes + 1)
		return -1;
	for (r = 0; r < NR_REGS; r++) {
		if (sg->kvm && sw_regs[r].s2mmu_only)
			continue;
		want = reg_expected(g, r, sg->passes) & sw_regs[r].mask;
		got = dump[r] & sw_regs[r].mask;
		if (got == want)
			continue;
		TH_LOG("guest %s pass %llu: %s is 0x%llx, its own is 0x%llx",
		       guest_names[g], sg->passes, sw_regs[r].name, got, want);
		wrong++;
	}
	sg->passes++;
	return wrong;
}

/* Pins the calling thread to the CPU it runs on: every entry is there. */
static int pin_to_one_cpu(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	if (cpu < 0)
		return -1;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

FIXTURE(sw) {
	struct guest_vm s2[2];
	struct kvm_guest_vm kvm;
	struct sw_guest guest[NR_GUESTS];
};

FIXTURE_SETUP(sw)
{
	int g, ret;

	guest_vm_init(&self->s2[0]);
	guest_vm_init(&self->s2[1]);
	memset(&self->kvm, 0, sizeof(self->kvm));
	self->kvm.vm = -1;
	self->kvm.kvm = -1;
	for (g = 0; g < GUEST_MAX_VCPUS; g++)
		self->kvm.vcpu[g].fd = -1;
	for (g = GUEST_A; g <= GUEST_B; g++) {
		ret = guest_vm_create(&self->s2[g], 1);
		if (ret == -ENODEV || ret == -EOPNOTSUPP)
			SKIP(return, "S2MMU_FEAT_RUN not reported (no EL2/VHE)");
		ASSERT_EQ(0, ret);
		self->guest[g] = (struct sw_guest){
			.fd = self->s2[g].vcpu[0].fd, .vm = self->s2[g].vm,
			.srun = self->s2[g].vcpu[0].run,
			.code = self->s2[g].code,
		};
		ASSERT_EQ(0, guest_setup(&self->guest[g], g));
	}
	ASSERT_EQ(0, pin_to_one_cpu());
}

FIXTURE_TEARDOWN(sw)
{
	guest_vm_destroy(&self->s2[0]);
	guest_vm_destroy(&self->s2[1]);
	kvm_guest_vm_destroy(&self->kvm);
}

/* The KVM guest in @kvm as @sg.  Return: 0, 1 when this boot has no KVM. */
static int add_kvm_guest(struct __test_metadata *_metadata,
			 struct kvm_guest_vm *kvm, struct sw_guest *sg)
{
	int ret = kvm_guest_vm_create(kvm, 1);

	if (ret == -ENODEV)
		return 1;
	EXPECT_EQ(0, ret);
	if (ret)
		return -1;
	*sg = (struct sw_guest){
		.kvm = 1, .fd = kvm->vcpu[0].fd, .vm = kvm->vm,
		.krun = kvm->vcpu[0].run, .code = kvm->code,
	};
	EXPECT_EQ(0, guest_setup(sg, GUEST_K));
	return 0;
}

/* The host thread's TLS, through TPIDR_EL0, which every exit gives back. */
static __thread int tls_canary = 0x5117;

/*
 * Runs the guests in a fixed irregular order (each after itself, and
 * after each of the others), PASSES passes each at least.
 */
static void rotate(struct __test_metadata *_metadata, struct sw_guest *guests,
		   int nr_guests)
{
	static const int order[] = { 0, 1, 0, 0, 2, 1, 1, 2, 2, 0, 2, 1 };
	int step, g, wrong = 0, ret;

	for (step = 0; step < PASSES * 3; step++) {
		g = order[step % ARRAY_SIZE(order)];
		if (g >= nr_guests)
			continue;
		ret = guest_pass(_metadata, &guests[g], g);
		ASSERT_LE(0, ret) TH_LOG("guest %s: no report at pass %llu",
					 guest_names[g], guests[g].passes);
		wrong += ret;
	}
	EXPECT_EQ(0, wrong);
	/* The host task's thread pointer came back every time. */
	EXPECT_EQ(0x5117, tls_canary);
}

/* What S2MMU_GET_ONE_REG says after the rotation: the guest's last values. */
static void check_final_regs(struct __test_metadata *_metadata,
			     const struct sw_guest *guests)
{
	struct s2mmu_one_reg one;
	__u64 val;
	size_t r;
	int g;

	for (g = GUEST_A; g <= GUEST_B; g++) {
		for (r = 0; r < NR_REGS; r++) {
			one.id = sw_regs[r].id;
			one.addr = (uintptr_t)&val;
			ASSERT_EQ(0, tst_ioctl(guests[g].fd,
					       S2MMU_GET_ONE_REG,
					       (unsigned long)&one));
			EXPECT_EQ(reg_expected(g, r, guests[g].passes) &
				  sw_regs[r].mask, val & sw_regs[r].mask)
				TH_LOG("guest %s %s", guest_names[g],
				       sw_regs[r].name);
		}
	}
}

TEST_F(sw, two_vms_alternate_on_one_cpu)
{
	rotate(_metadata, self->guest, 2);
	check_final_regs(_metadata, self->guest);
}

TEST_F(sw, s2mmu_and_kvm_guests_alternate_on_one_cpu)
{
	int ret = add_kvm_guest(_metadata, &self->kvm, &self->guest[GUEST_K]);

	if (ret > 0)
		SKIP(return, "no /dev/kvm in this boot");
	ASSERT_EQ(0, ret);
	rotate(_metadata, self->guest, NR_GUESTS);
	check_final_regs(_metadata, self->guest);
	EXPECT_LE((__u64)PASSES, self->guest[GUEST_K].passes);
}

TEST_HARNESS_MAIN
