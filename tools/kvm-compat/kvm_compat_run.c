// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-compat: KVM_RUN.  The program sees a struct kvm_run; the layer
 * copies in what it wrote (MMIO read data, immediate_exit), runs
 * S2MMU_RUN, and writes the exit back in KVM's terms.  Hypercalls are
 * answered here, as KVM answers them in the kernel: PSCI (with
 * KVM_SYSTEM_EVENT exits for SYSTEM_OFF and SYSTEM_RESET) and
 * SMCCC_VERSION; any other function gets SMCCC's NOT_SUPPORTED.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/const.h>

#include "kvm_compat.h"

/* SMCCC and PSCI function ids (Arm DEN0028, DEN0022), the 32-bit forms. */
#define KC_SMCCC_VERSION	0x80000000U
#define KC_SMCCC_ARCH_FEATURES	0x80000001U
#define KC_PSCI_VERSION		0x84000000U
#define KC_PSCI_SYSTEM_OFF	0x84000008U
#define KC_PSCI_SYSTEM_RESET	0x84000009U
#define KC_PSCI_FEATURES	0x8400000aU
#define KC_SMCCC_NOT_SUPPORTED	((uint64_t)-1)
#define KC_SMCCC_1_1		0x10001U
#define KC_PSCI_1_0		0x10000U

/* The exit status of a skipped kselftest. */
#define KC_KSFT_SKIP		4

/*
 * A hypercall the layer answers: true to go back into the guest, false
 * when it becomes an exit of the program's (a system event).
 */
static bool kc_hypercall(struct kc_vcpu *vcpu)
{
	struct s2mmu_run *srun = vcpu->srun;
	struct kvm_run *krun = vcpu->krun;
	uint32_t fn = (uint32_t)srun->hypercall.args[0];
	bool psci = vcpu->features & _BITUL(KVM_ARM_VCPU_PSCI_0_2);

	srun->hypercall.ret[0] = KC_SMCCC_NOT_SUPPORTED;
	if (fn == KC_SMCCC_VERSION) {
		srun->hypercall.ret[0] = KC_SMCCC_1_1;
	} else if (psci && fn == KC_PSCI_VERSION) {
		srun->hypercall.ret[0] = KC_PSCI_1_0;
	} else if (psci && (fn == KC_PSCI_SYSTEM_OFF ||
			    fn == KC_PSCI_SYSTEM_RESET)) {
		memset(&krun->system_event, 0, sizeof(krun->system_event));
		krun->exit_reason = KVM_EXIT_SYSTEM_EVENT;
		krun->system_event.type = fn == KC_PSCI_SYSTEM_OFF ?
			KVM_SYSTEM_EVENT_SHUTDOWN : KVM_SYSTEM_EVENT_RESET;
		return false;
	}
	return true;
}

static void kc_exit_mmio(struct kc_vcpu *vcpu)
{
	struct s2mmu_run *srun = vcpu->srun;
	struct kvm_run *krun = vcpu->krun;

	krun->exit_reason = KVM_EXIT_MMIO;
	krun->mmio.phys_addr = srun->mmio.phys_addr;
	memcpy(krun->mmio.data, srun->mmio.data, sizeof(krun->mmio.data));
	krun->mmio.len = srun->mmio.len;
	krun->mmio.is_write = srun->mmio.is_write;
	vcpu->pending_mmio_read = !srun->mmio.is_write;
}

/* What s2mmu does not handle: KVM's internal error, with the syndrome. */
static void kc_exit_internal(struct kc_vcpu *vcpu)
{
	struct s2mmu_run *srun = vcpu->srun;
	struct kvm_run *krun = vcpu->krun;

	krun->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	krun->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	krun->internal.ndata = 5;
	krun->internal.data[0] = srun->internal.suberror;
	krun->internal.data[1] = srun->internal.esr;
	krun->internal.data[2] = srun->internal.far;
	krun->internal.data[3] = srun->internal.hpfar;
	krun->internal.data[4] = srun->internal.pc;
}

/* One S2MMU_RUN, with the program's KVM_SET_SIGNAL_MASK in force. */
static int kc_run_once(struct kc_vcpu *vcpu)
{
	sigset_t saved;
	int ret;

	if (vcpu->has_sigmask)
		pthread_sigmask(SIG_SETMASK, &vcpu->sigmask, &saved);
	ret = kc_ioctl(vcpu->fd, S2MMU_RUN, 0);
	if (vcpu->has_sigmask)
		pthread_sigmask(SIG_SETMASK, &saved, NULL);
	return ret;
}

/*
 * A kernel that cannot enter guests (not at EL2 with VHE): the program
 * cannot test anything from here on, so it skips as kselftests do.
 */
static void kc_skip_no_run(void)
{
	printf("# SKIP kvm-compat: s2mmu cannot run guests here %s\n",
	       "(S2MMU_RUN: EOPNOTSUPP, S2MMU_FEAT_RUN clear)");
	fflush(stdout);
	exit(KC_KSFT_SKIP);
}

int kc_vcpu_run(struct kc_vcpu *vcpu)
{
	struct s2mmu_run *srun = vcpu->srun;
	struct kvm_run *krun = vcpu->krun;
	int ret;

	if (!vcpu->initialised)
		return -ENOEXEC;
	if (vcpu->pending_mmio_read)
		memcpy(srun->mmio.data, krun->mmio.data, sizeof(srun->mmio.data));
	vcpu->pending_mmio_read = false;
	for (;;) {
		/* KVM takes any non-zero value; s2mmu's flag is 0 or 1. */
		srun->immediate_exit = !!krun->immediate_exit;
		ret = kc_run_once(vcpu);
		if (ret == -EOPNOTSUPP)
			kc_skip_no_run();
		if (ret < 0) {
			/*
			 * A signal is KVM_EXIT_INTR.  immediate_exit leaves
			 * the last exit as it was, as KVM/arm64 does: the
			 * selftests' get_ucall() reads the same ucall again
			 * after completing it.
			 */
			if (ret == -EINTR && !krun->immediate_exit)
				krun->exit_reason = KVM_EXIT_INTR;
			return ret;
		}
		if (srun->exit_reason != S2MMU_EXIT_HYPERCALL ||
		    !kc_hypercall(vcpu))
			break;
	}
	switch (srun->exit_reason) {
	case S2MMU_EXIT_MMIO:
		kc_exit_mmio(vcpu);
		break;
	case S2MMU_EXIT_HYPERCALL:
		break;			/* a system event, set above */
	case S2MMU_EXIT_INTERNAL_ERROR:
		kc_exit_internal(vcpu);
		break;
	default:
		krun->exit_reason = KVM_EXIT_UNKNOWN;
		krun->hw.hardware_exit_reason = srun->exit_reason;
		break;
	}
	return 0;
}
