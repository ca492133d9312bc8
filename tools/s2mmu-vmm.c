// SPDX-License-Identifier: GPL-2.0
/*
 * s2mmu-vmm: the example VMM.  Opens /dev/s2mmu and reports what the
 * module sees of the machine.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/s2mmu.h>

static const char *yes(unsigned int flags, unsigned int bit)
{
	return flags & bit ? "yes" : "no";
}

int main(void)
{
	struct s2mmu_features f = { 0 };
	int fd, version;

	fd = open("/dev/s2mmu", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "/dev/s2mmu: %s\n", strerror(errno));
		return 1;
	}
	version = ioctl(fd, S2MMU_GET_API_VERSION, 0);
	if (version != S2MMU_API_VERSION) {
		fprintf(stderr, "API version %d, expected %d\n", version,
			S2MMU_API_VERSION);
		return 1;
	}
	if (ioctl(fd, S2MMU_GET_FEATURES, &f)) {
		perror("S2MMU_GET_FEATURES");
		return 1;
	}
	printf("s2mmu API version %d\n", version);
	printf("  exception level   EL%u%s\n", f.current_el,
	       f.current_el == 2 ? " (VHE: the module runs where a hypervisor runs)" : "");
	printf("  PA size           %u bits\n", f.pa_bits);
	printf("  max IPA size      %u bits\n", f.max_ipa_bits);
	printf("  VMID size         %u bits\n", f.vmid_bits);
	printf("  FEAT_TLBIRANGE    %s\n", yes(f.flags, S2MMU_FEAT_TLBIRANGE));
	printf("  FEAT_TTL          %s\n", yes(f.flags, S2MMU_FEAT_TTL));
	printf("  FWB               %s\n", yes(f.flags, S2MMU_FEAT_FWB));
	close(fd);
	return 0;
}
