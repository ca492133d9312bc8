// SPDX-License-Identifier: GPL-2.0
/*
 * s2mmu API tests: /dev/s2mmu, its version and features, and the errno of
 * every bad call.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/s2mmu.h>

#include "../kselftest_harness.h"

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = open("/dev/s2mmu", O_RDWR | O_CLOEXEC);
	if (self->fd < 0)
		SKIP(return, "/dev/s2mmu: %s (module not loaded?)", strerror(errno));
}

FIXTURE_TEARDOWN(dev)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(dev, api_version)
{
	EXPECT_EQ(S2MMU_API_VERSION, ioctl(self->fd, S2MMU_GET_API_VERSION, 0));
	/* The argument is reserved and must be zero. */
	EXPECT_EQ(-1, ioctl(self->fd, S2MMU_GET_API_VERSION, 1));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, features)
{
	struct s2mmu_features f;

	memset(&f, 0xa5, sizeof(f));
	ASSERT_EQ(0, ioctl(self->fd, S2MMU_GET_FEATURES, &f));
	EXPECT_EQ(sizeof(f), f.size);
	EXPECT_GE(f.current_el, 1U);
	EXPECT_LE(f.current_el, 2U);
	EXPECT_GE(f.pa_bits, 32U);
	EXPECT_LE(f.pa_bits, 52U);
	EXPECT_GE(f.max_ipa_bits, 32U);
	EXPECT_LE(f.max_ipa_bits, 48U);
	EXPECT_LE(f.max_ipa_bits, f.pa_bits);
	EXPECT_TRUE(f.vmid_bits == 8 || f.vmid_bits == 16);
	/* VHE is reported exactly when the kernel runs at EL2. */
	EXPECT_EQ(f.current_el == 2, !!(f.flags & S2MMU_FEAT_VHE));
	/* The flags mirror the raw ID registers they come from. */
	EXPECT_EQ(((f.id_aa64isar0 >> 56) & 0xf) >= 2,
		  !!(f.flags & S2MMU_FEAT_TLBIRANGE));
	EXPECT_EQ(((f.id_aa64mmfr2 >> 48) & 0xf) >= 1,
		  !!(f.flags & S2MMU_FEAT_TTL));
	EXPECT_EQ(((f.id_aa64mmfr2 >> 40) & 0xf) >= 1,
		  !!(f.flags & S2MMU_FEAT_FWB));
	for (unsigned int i = 0; i < ARRAY_SIZE(f.reserved); i++)
		EXPECT_EQ(0ULL, f.reserved[i]);
	TH_LOG("EL%u, PA %u bits, IPA <= %u bits, VMID %u bits, flags %#x",
	       f.current_el, f.pa_bits, f.max_ipa_bits, f.vmid_bits, f.flags);
}

TEST_F(dev, features_bad_pointer)
{
	EXPECT_EQ(-1, ioctl(self->fd, S2MMU_GET_FEATURES, (void *)8));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(dev, bad_ioctl)
{
	/* Another subsystem's number, and an unused one of ours. */
	EXPECT_EQ(-1, ioctl(self->fd, _IO(0xAE, 0x00), 0));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IO(S2MMUIO, 0x3f), 0));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_HARNESS_MAIN
