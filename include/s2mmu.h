/* SPDX-License-Identifier: GPL-2.0 */
/*
 * s2mmu module-internal interfaces between main.c (device, CPU probe),
 * mmu.c (VMs, memslots, faults) and the EL2 backend.
 */
#ifndef S2MMU_H
#define S2MMU_H

#include <linux/types.h>

/**
 * struct s2mmu_cpu_features - what the boot CPU reports, probed at load
 * @current_el: exception level the kernel runs at (2 with VHE)
 * @pa_bits: physical address size (ID_AA64MMFR0_EL1.PARange)
 * @max_ipa_bits: largest IPA size a VM may have: PA size, at most 48
 * @pa_range: raw PARange field, for VTCR_EL2.PS
 * @vmid_bits: 8 or 16
 * @flags: S2MMU_FEAT_* of the uapi header
 * @mmfr0: ID_AA64MMFR0_EL1
 * @mmfr1: ID_AA64MMFR1_EL1
 * @mmfr2: ID_AA64MMFR2_EL1
 * @isar0: ID_AA64ISAR0_EL1
 */
struct s2mmu_cpu_features {
	u32 current_el;
	u32 pa_bits;
	u32 max_ipa_bits;
	u32 pa_range;
	u32 vmid_bits;
	u32 flags;
	u64 mmfr0;
	u64 mmfr1;
	u64 mmfr2;
	u64 isar0;
};

extern struct s2mmu_cpu_features s2mmu_cpu;

/* mmu.c */
int s2mmu_mmu_init(void);
void s2mmu_mmu_exit(void);
long s2mmu_mmu_dev_ioctl(unsigned int cmd, unsigned long arg);

#endif /* S2MMU_H */
