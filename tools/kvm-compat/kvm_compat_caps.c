// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-compat: KVM_CHECK_EXTENSION.  Every capability s2mmu has, with the
 * value KVM gives it; everything else is 0, so that a program that asks
 * (an in-kernel GIC, the dirty ring, binary stats, ...) skips.  The table
 * is the one Documentation/kvm-compat.rst lists.
 */
#define _GNU_SOURCE
#include <string.h>
#include <unistd.h>

#include "kvm_compat.h"

int kc_features(int fd, struct s2mmu_features *feat)
{
	memset(feat, 0, sizeof(*feat));
	feat->size = sizeof(*feat);
	return kc_ioctl(fd, S2MMU_GET_FEATURES, (unsigned long)feat);
}

static long kc_online_vcpus(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	return cpus < 1 ? 1 : cpus > KC_MAX_VCPUS ? KC_MAX_VCPUS : cpus;
}

long kc_check_extension(long cap)
{
	switch (cap) {
	case KVM_CAP_USER_MEMORY:
	case KVM_CAP_JOIN_MEMORY_REGIONS_WORKS:
	case KVM_CAP_SYNC_MMU:
	case KVM_CAP_READONLY_MEM:
	case KVM_CAP_ONE_REG:
	case KVM_CAP_IMMEDIATE_EXIT:
	case KVM_CAP_CHECK_EXTENSION_VM:
	case KVM_CAP_MULTI_ADDRESS_SPACE:	/* one address space */
	case KVM_CAP_ARM_PSCI:
	case KVM_CAP_ARM_PSCI_0_2:
		return 1;
	case KVM_CAP_NR_MEMSLOTS:
		return S2MMU_MAX_MEMSLOTS;
	case KVM_CAP_NR_VCPUS:
		return kc_online_vcpus();
	case KVM_CAP_MAX_VCPUS:
	case KVM_CAP_MAX_VCPU_ID:
		return KC_MAX_VCPUS;
	case KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2:
		/* The module built with this layer takes both (same tree). */
		return KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE |
		       KVM_DIRTY_LOG_INITIALLY_SET;
	case KVM_CAP_ARM_VM_IPA_SIZE:
		return kc_feat.max_ipa_bits;
	default:
		return 0;
	}
}
