/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the guest tests that need the kselftest harness (they fail
 * the test themselves): guest_vm.h, and the harness, with them.  Programs
 * outside the harness (tools/) include guest_vm.h alone.
 */
#ifndef S2MMU_GUEST_TEST_H
#define S2MMU_GUEST_TEST_H

#include "guest_vm.h"
#include "../kselftest_harness.h"

/*
 * guest_cmd() for a test: its result, or the test fails with what the
 * guest did instead.
 */
static inline __u64 guest_cmd_or_fail(struct __test_metadata *_metadata,
				      struct tst_vcpu *v,
				      struct guest_mmio_log *log, __u64 op,
				      __u64 addr, __u64 val)
{
	char why[256];
	__u64 res = 0;
	int ret = guest_cmd(v, op, addr, val, log, &res);

	if (ret) {
		TH_LOG("command %llu at 0x%llx: %s", op, addr,
		       guest_exit_str(v, ret, why, sizeof(why)));
		ASSERT_TRUE(0);
	}
	return res;
}

/*
 * A fixture's usual start: @g with one vCPU, *@v, and @size bytes of
 * @backing memory at *@mem (for the teardown to unmap).  Return: true to
 * go on; false when the test cannot run here (guest_vm_create_with_mem()
 * says why), the test then marked skipped: the fixture returns.  Any
 * other error fails the test.
 */
static inline bool guest_fixture_vm(struct __test_metadata *_metadata,
				    struct guest_vm *g,
				    enum tst_backing backing, size_t size,
				    __u8 **mem, struct tst_vcpu **v)
{
	const char *why = NULL;
	int ret = guest_vm_create_with_mem(g, 1, backing, size, mem, &why);

	if (ret > 0)
		SKIP(return false, "%s", why);
	ASSERT_EQ(0, ret);
	*v = &g->vcpu[0];
	return true;
}

#endif /* S2MMU_GUEST_TEST_H */
