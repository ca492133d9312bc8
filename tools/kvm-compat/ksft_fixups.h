/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Forced into every file of the KVM selftests build (-include): Debian's
 * linux-source-6.1 carries a stable backport of dirty_log_test.c that
 * uses TEST_ASSERT_EQ(), which its 6.1 test_util.h does not define.
 * Expanded where it is used, after test_util.h defined TEST_ASSERT().
 */
#ifndef KVM_COMPAT_KSFT_FIXUPS_H
#define KVM_COMPAT_KSFT_FIXUPS_H

#define TEST_ASSERT_EQ(a, b) \
	TEST_ASSERT((a) == (b), "%s == %s failed", #a, #b)

#endif /* KVM_COMPAT_KSFT_FIXUPS_H */
