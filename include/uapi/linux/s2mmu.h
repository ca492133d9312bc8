/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * s2mmu: userspace ABI of the stage-2 MMU module.
 *
 * Shaped like KVM's: /dev/s2mmu creates VMs, a VM file descriptor owns
 * memslots and creates vCPUs, a vCPU file descriptor performs guest
 * accesses.  See Documentation/s2mmu.rst.
 */
#ifndef _UAPI_LINUX_S2MMU_H
#define _UAPI_LINUX_S2MMU_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define S2MMU_API_VERSION	1

#define S2MMUIO			0xB6

/**
 * struct s2mmu_features - what the module found on this CPU
 * @size: bytes of this structure the kernel filled (forward compatible)
 * @current_el: exception level the kernel (and so the module) runs at
 * @pa_bits: physical address size from ID_AA64MMFR0_EL1.PARange
 * @max_ipa_bits: largest IPA size S2MMU_CREATE_VM accepts
 * @vmid_bits: VMID width, 8 or 16
 * @flags: %S2MMU_FEAT_* bits
 * @id_aa64mmfr0: raw ID_AA64MMFR0_EL1
 * @id_aa64mmfr1: raw ID_AA64MMFR1_EL1
 * @id_aa64mmfr2: raw ID_AA64MMFR2_EL1
 * @id_aa64isar0: raw ID_AA64ISAR0_EL1
 * @reserved: zero
 */
struct s2mmu_features {
	__u32 size;
	__u32 current_el;
	__u32 pa_bits;
	__u32 max_ipa_bits;
	__u32 vmid_bits;
	__u32 flags;
	__u64 id_aa64mmfr0;
	__u64 id_aa64mmfr1;
	__u64 id_aa64mmfr2;
	__u64 id_aa64isar0;
	__u64 reserved[4];
};

#define S2MMU_FEAT_TLBIRANGE	(1U << 0)	/* TLBI by IPA range */
#define S2MMU_FEAT_TTL		(1U << 1)	/* TLBI level hints */
#define S2MMU_FEAT_FWB		(1U << 2)	/* stage-2 forced write-back */
#define S2MMU_FEAT_VHE		(1U << 3)	/* kernel runs at EL2 */
#define S2MMU_FEAT_HW_AT	(1U << 4)	/* S2MMU_HW_TRANSLATE works */
#define S2MMU_FEAT_HW_TLBI	(1U << 5)	/* real TLBIs are issued */
#define S2MMU_FEAT_KVM_ACTIVE	(1U << 6)	/* KVM initialised alongside */

/* ioctls on /dev/s2mmu */
#define S2MMU_GET_API_VERSION	_IO(S2MMUIO, 0x00)
#define S2MMU_GET_FEATURES	_IOR(S2MMUIO, 0x01, struct s2mmu_features)

/*
 * Numbers reserved for the rest of the ABI, so that parallel work on it
 * does not collide:
 *   0x02-0x0f  /dev/s2mmu (CREATE_VM, GET_VCPU_MMAP_SIZE)
 *   0x40-0x5f  VM fd: memslots, vCPUs, stats
 *   0x60-0x6f  VM fd: dirty logging, ENABLE_CAP
 *   0x70-0x7f  VM fd: hardware translation (EL2 backend)
 *   0x80-0x8f  vCPU fd
 */

#endif /* _UAPI_LINUX_S2MMU_H */
