// SPDX-License-Identifier: GPL-2.0
/*
 * s2mmu: VMs, memslots and the stage-2 fault handler.
 *
 * Placeholder until the VM ABI lands: /dev/s2mmu knows no VM ioctl yet.
 */
#include <linux/errno.h>

#include "s2mmu.h"

int s2mmu_mmu_init(void)
{
	return 0;
}

void s2mmu_mmu_exit(void)
{
}

long s2mmu_mmu_dev_ioctl(unsigned int cmd, unsigned long arg)
{
	return -ENOTTY;
}
