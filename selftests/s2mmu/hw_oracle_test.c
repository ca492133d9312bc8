// SPDX-License-Identifier: GPL-2.0
/*
 * hw_oracle_test: the hardware's stage-2 walker (AT S12E1R/W at EL2)
 * against s2mmu's software walker, after every kind of table change.
 *
 * Each check translates IPAs through S2MMU_HW_TRANSLATE and asserts two
 * things: hardware and software agree (no S2MMU_HWT_F_MISMATCH), and the
 * answer is the one the test expects (PA, memory type, fault and level) --
 * agreement alone could hide a bug both sides share.
 *
 * The VM's own table is changed through the fault path (memory slots and
 * S2MMU_VCPU_ACCESS); what that path cannot build (1 GiB blocks, Device
 * and non-cacheable memory, explicit split, access-flag clearing, IPAs at
 * the very top) is built in the VM's debug table (S2MMU_DEBUG_TABLE_OP),
 * whose output addresses are never accessed.
 */
#include "s2mmu_util.h"

#include <pthread.h>
#include <stdbool.h>
#include "../kselftest_harness.h"

#define TST_1G		0x40000000UL
#define FSC_TRANS	0x04
#define FSC_ACCESS	0x08
#define FSC_PERM	0x0c
#define ATTR_WB		0xff
#define ATTR_NC		0x44
#define ATTR_DEV	0x04
#define SH_INNER	3
#define SH_OUTER	2

/*
 * Totals over the whole program, printed at the end.  Each test runs in a
 * child process: the totals live in shared memory.
 */
struct totals {
	__u64 compared, fallback, mismatch;
};

static struct totals *totals;
static struct s2mmu_features feat;

static void __attribute__((constructor)) totals_init(void)
{
	void *p = mmap(NULL, sizeof(*totals), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	static struct totals fallback_totals;
	int dev = tst_open_dev();

	totals = p == MAP_FAILED ? &fallback_totals : p;
	/* For the summary: the tests read the features again. */
	if (dev >= 0) {
		ioctl(dev, S2MMU_GET_FEATURES, &feat);
		close(dev);
	}
}

static int get_features(int dev)
{
	return tst_ioctl(dev, S2MMU_GET_FEATURES, (unsigned long)&feat);
}

static bool hw_at(void)
{
	return feat.flags & S2MMU_FEAT_HW_AT;
}

/* One S2MMU_HW_TRANSLATE call; the totals count what it compared. */
static long translate(int vm, __u32 flags, struct s2mmu_hw_xlate *e,
		      __u32 n, struct s2mmu_hw_translate *t)
{
	struct s2mmu_hw_translate tt = {
		.nr = n,
		.flags = flags,
		.entries = (uintptr_t)e,
	};
	long ret = tst_ioctl(vm, S2MMU_HW_TRANSLATE, (unsigned long)&tt);

	if (ret)
		return ret;
	__atomic_add_fetch(&totals->compared, n, __ATOMIC_RELAXED);
	__atomic_add_fetch(&totals->fallback, tt.nr_fallback, __ATOMIC_RELAXED);
	__atomic_add_fetch(&totals->mismatch, tt.nr_mismatch, __ATOMIC_RELAXED);
	if (t)
		*t = tt;
	return 0;
}

/* What a range of IPAs must translate to. */
struct want {
	__u8 fst;		/* 0: mapped; else fault type | level */
	__u64 pa;		/* PA of the first IPA, + stride per IPA */
	__u8 attr;
	__u8 sh;
};

static void print_entry(const char *why, const struct s2mmu_hw_xlate *e)
{
	printf("# %s: ipa %#llx %s flags %#x mismatch %#x par %#llx ", why,
	       (unsigned long long)e->ipa, e->access ? "W" : "R", e->flags,
	       e->mismatch, (unsigned long long)e->par);
	printf("hw pa %#llx fst %#x S%u attr %#x sh %u | ",
	       (unsigned long long)e->hw_pa, e->hw_fst, e->hw_stage,
	       e->hw_attr, e->hw_sh);
	printf("sw pte %#llx L%d pa %#llx fst %#x attr %#x sh %u\n",
	       (unsigned long long)e->sw_pte, (int8_t)e->sw_level,
	       (unsigned long long)e->sw_pa, e->sw_fst, e->sw_attr, e->sw_sh);
}

/* Does one answered entry say what @w wants (for the @i-th IPA)? */
static bool entry_ok(const struct s2mmu_hw_xlate *e, const struct want *w,
		     __u64 off)
{
	if (e->flags & (S2MMU_HWT_F_MISMATCH | S2MMU_HWT_F_FALLBACK))
		return false;
	if (w->fst)
		return (e->flags & S2MMU_HWT_F_FAULT) && e->hw_fst == w->fst &&
		       e->hw_stage == 2 && e->sw_fst == w->fst;
	return !(e->flags & S2MMU_HWT_F_FAULT) && e->hw_pa == w->pa + off &&
	       e->sw_pa == w->pa + off && e->hw_attr == w->attr &&
	       e->hw_sh == w->sh;
}

/*
 * Translate @n IPAs from @ipa, @stride apart, with @access, and check each
 * against @w.  Return: entries that are wrong (printed), or -errno.
 */
static long check(int vm, __u32 flags, __u64 ipa, __u64 n,
		  __u64 stride, __u32 access, struct want w)
{
	struct s2mmu_hw_xlate *e = calloc(S2MMU_HWT_MAX, sizeof(*e));
	__u64 i, done, bad = 0;
	__u32 k, chunk;
	long ret = 0;

	if (!e)
		return -ENOMEM;
	for (done = 0; done < n; done += chunk) {
		chunk = n - done < S2MMU_HWT_MAX ? n - done : S2MMU_HWT_MAX;
		memset(e, 0, chunk * sizeof(*e));
		for (k = 0; k < chunk; k++) {
			e[k].ipa = ipa + (done + k) * stride;
			e[k].access = access;
		}
		ret = translate(vm, flags, e, chunk, NULL);
		if (ret)
			break;
		for (k = 0; k < chunk; k++) {
			i = done + k;
			if (entry_ok(&e[k], &w, i * stride))
				continue;
			if (bad++ < 4)
				print_entry("unexpected", &e[k]);
		}
	}
	free(e);
	return ret ? ret : (long)bad;
}

/* Both accesses of a range that must be mapped read-write. */
static long check_rw(int vm, __u32 flags, __u64 ipa, __u64 n,
		     __u64 stride, struct want w)
{
	long r = check(vm, flags, ipa, n, stride, S2MMU_HWT_READ, w);

	if (r)
		return r;
	return check(vm, flags, ipa, n, stride, S2MMU_HWT_WRITE, w);
}

static struct want mapped(__u64 pa, __u8 attr, __u8 sh)
{
	return (struct want){ .pa = pa, .attr = attr, .sh = sh };
}

static struct want fault(__u8 type, __u8 level)
{
	return (struct want){ .fst = type | level };
}

static long dbg(int vm, __u32 op, __u64 ipa, __u64 size,
		__u64 pa, __u32 prot, __u32 flags,
		struct s2mmu_debug_table_op *out)
{
	struct s2mmu_debug_table_op o = {
		.op = op, .ipa = ipa, .size = size, .pa = pa, .prot = prot,
		.flags = flags,
	};
	long ret = tst_ioctl(vm, S2MMU_DEBUG_TABLE_OP, (unsigned long)&o);

	if (out)
		*out = o;
	return ret;
}

#define RW		(S2MMU_DBG_PROT_R | S2MMU_DBG_PROT_W)
#define DBG		S2MMU_HWT_DEBUG_TABLE

FIXTURE(oracle) {
	int dev;
	int vm;
};

FIXTURE_SETUP(oracle)
{
	self->vm = -1;
	self->dev = tst_open_dev();
	if (self->dev < 0)
		SKIP(return, "/dev/s2mmu: %s", strerror(errno));
	ASSERT_EQ(0, get_features(self->dev));
	self->vm = tst_create_vm(self->dev, 40);
	ASSERT_LE(0, self->vm);
}

FIXTURE_TEARDOWN(oracle)
{
	if (self->vm >= 0)
		close(self->vm);
	if (self->dev >= 0)
		close(self->dev);
}

/* The feature bits, and what the ioctl does without hardware support. */
TEST_F(oracle, availability)
{
	struct s2mmu_hw_xlate e = { .ipa = 0 };
	long ret = translate(self->vm, 0, &e, 1, NULL);

	/* Hardware translation exactly when the kernel runs at EL2 (VHE). */
	EXPECT_EQ(feat.current_el == 2, hw_at());
	/* Real TLBIs need EL2 (the hw_tlbi parameter may turn them off). */
	if (feat.flags & S2MMU_FEAT_HW_TLBI)
		EXPECT_TRUE(hw_at());
	if (feat.flags & S2MMU_FEAT_KVM_ACTIVE)
		EXPECT_TRUE(hw_at());
	if (!hw_at()) {
		EXPECT_EQ(-EOPNOTSUPP, ret);
		return;
	}
	EXPECT_EQ(0, ret);
	/* An empty VM: IPA 0 has no entry under the level-1 root. */
	EXPECT_NE(0U, e.flags & S2MMU_HWT_F_FAULT);
	EXPECT_EQ(FSC_TRANS | 1, e.hw_fst);
	TH_LOG("EL%u, KVM %s", feat.current_el,
	       feat.flags & S2MMU_FEAT_KVM_ACTIVE ? "active (VMID 0)" :
						    "inactive");
}

TEST_F(oracle, bad_calls)
{
	struct s2mmu_hw_xlate e[2] = { { .ipa = 0 } };
	struct s2mmu_hw_translate t = { .nr = 1, .entries = (uintptr_t)e };

	if (!hw_at())
		SKIP(return, "no hardware translation (EL%u)", feat.current_el);
	t.nr = 0;
	EXPECT_EQ(-EINVAL, tst_ioctl(self->vm, S2MMU_HW_TRANSLATE, (unsigned long)&t));
	t.nr = S2MMU_HWT_MAX + 1;
	EXPECT_EQ(-E2BIG, tst_ioctl(self->vm, S2MMU_HW_TRANSLATE, (unsigned long)&t));
	t.nr = 1;
	t.flags = 1U << 7;
	EXPECT_EQ(-EINVAL, tst_ioctl(self->vm, S2MMU_HW_TRANSLATE, (unsigned long)&t));
	t.flags = 0;
	t.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, tst_ioctl(self->vm, S2MMU_HW_TRANSLATE, (unsigned long)&t));
	t.reserved[1] = 0;
	e[0].access = 2;
	EXPECT_EQ(-EINVAL, tst_ioctl(self->vm, S2MMU_HW_TRANSLATE, (unsigned long)&t));
	e[0].access = 0;
	e[0].ipa = 1ULL << feat.pa_bits;
	EXPECT_EQ(-EINVAL, tst_ioctl(self->vm, S2MMU_HW_TRANSLATE, (unsigned long)&t));
	e[0].ipa = 0;
	t.entries = 8;
	EXPECT_EQ(-EFAULT, tst_ioctl(self->vm, S2MMU_HW_TRANSLATE, (unsigned long)&t));
	t.entries = (uintptr_t)e;
	/* No debug table until the first S2MMU_DEBUG_TABLE_OP. */
	t.flags = DBG;
	EXPECT_EQ(-ENOENT, tst_ioctl(self->vm, S2MMU_HW_TRANSLATE, (unsigned long)&t));
	/* Debug operations: misaligned, unknown op, Device and NC at once. */
	EXPECT_EQ(-EINVAL, dbg(self->vm, S2MMU_DBG_MAP, 0x800, TST_PAGE, 0, RW, 0, NULL));
	EXPECT_EQ(-EINVAL, dbg(self->vm, 99, 0, TST_PAGE, 0, RW, 0, NULL));
	EXPECT_EQ(-EINVAL, dbg(self->vm, S2MMU_DBG_MAP, 0, TST_PAGE, 0,
			       RW | S2MMU_DBG_PROT_DEVICE | S2MMU_DBG_PROT_NC, 0, NULL));
	EXPECT_EQ(-ERANGE, dbg(self->vm, S2MMU_DBG_MAP, 1ULL << 40, TST_PAGE, 0, RW, 0, NULL));
}

/* 4K pages: every page, both accesses; neighbours at each level. */
TEST_F(oracle, map_4k)
{
	const __u64 ipa = 0x40000000, pa = 0x80000000, n = 64;

	if (!hw_at())
		SKIP(return, "no hardware translation");
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_MAP, ipa + TST_PAGE, n * TST_PAGE,
			 pa, RW, S2MMU_DBG_FORCE_PTE, NULL));
	EXPECT_EQ(0, check_rw(self->vm, DBG, ipa + TST_PAGE, n, TST_PAGE,
			      mapped(pa, ATTR_WB, SH_INNER)));
	/* Same level-3 table, empty entries on either side. */
	EXPECT_EQ(0, check(self->vm, DBG, ipa, 1, TST_PAGE, S2MMU_HWT_READ,
			   fault(FSC_TRANS, 3)));
	EXPECT_EQ(0, check(self->vm, DBG, ipa + (n + 1) * TST_PAGE, 512 - n - 1,
			   TST_PAGE, S2MMU_HWT_WRITE, fault(FSC_TRANS, 3)));
	/* Next 2M: no level-3 table; next 1G: no level-2 table. */
	EXPECT_EQ(0, check(self->vm, DBG, ipa + TST_2M, 511, TST_2M,
			   S2MMU_HWT_READ, fault(FSC_TRANS, 2)));
	EXPECT_EQ(0, check(self->vm, DBG, ipa + TST_1G, 1022, TST_1G,
			   S2MMU_HWT_READ, fault(FSC_TRANS, 1)));
}

/* 2M blocks, every 4K of them. */
TEST_F(oracle, map_2m)
{
	const __u64 ipa = 0x80000000, pa = 0x100000000ULL;

	if (!hw_at())
		SKIP(return, "no hardware translation");
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_MAP, ipa, 4 * TST_2M, pa, RW, 0, NULL));
	EXPECT_EQ(0, check_rw(self->vm, DBG, ipa, 4 * 512, TST_PAGE,
			      mapped(pa, ATTR_WB, SH_INNER)));
	EXPECT_EQ(0, check(self->vm, DBG, ipa + 4 * TST_2M, 508, TST_2M,
			   S2MMU_HWT_READ, fault(FSC_TRANS, 2)));
}

/* A 1 GiB block: every 4K page read, a sample written. */
TEST_F(oracle, map_1g)
{
	const __u64 ipa = 3 * TST_1G, pa = 5 * TST_1G;

	if (!hw_at())
		SKIP(return, "no hardware translation");
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_MAP, ipa, TST_1G, pa, RW, 0, NULL));
	EXPECT_EQ(0, check(self->vm, DBG, ipa, TST_1G / TST_PAGE, TST_PAGE,
			   S2MMU_HWT_READ, mapped(pa, ATTR_WB, SH_INNER)));
	EXPECT_EQ(0, check(self->vm, DBG, ipa + 0x123000, 1000, 0x100000,
			   S2MMU_HWT_WRITE, mapped(pa + 0x123000, ATTR_WB, SH_INNER)));
	EXPECT_EQ(0, check(self->vm, DBG, ipa + TST_1G, 1, TST_PAGE,
			   S2MMU_HWT_READ, fault(FSC_TRANS, 1)));
}

/* Unmap a page inside a 2M block: the block is shattered, the rest stays. */
TEST_F(oracle, unmap)
{
	const __u64 ipa = 0x40000000, pa = 0x200000000ULL;
	const __u64 hole = ipa + 0x5000;

	if (!hw_at())
		SKIP(return, "no hardware translation");
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_MAP, ipa, 2 * TST_2M, pa, RW, 0, NULL));
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_UNMAP, hole, TST_PAGE, 0, 0, 0, NULL));
	EXPECT_EQ(0, check_rw(self->vm, DBG, ipa, 5, TST_PAGE,
			      mapped(pa, ATTR_WB, SH_INNER)));
	EXPECT_EQ(0, check(self->vm, DBG, hole, 1, TST_PAGE, S2MMU_HWT_READ,
			   fault(FSC_TRANS, 3)));
	EXPECT_EQ(0, check_rw(self->vm, DBG, hole + TST_PAGE, 2 * 512 - 6, TST_PAGE,
			      mapped(pa + 0x6000, ATTR_WB, SH_INNER)));
	/* The second block, whole, then nothing. */
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_UNMAP, ipa + TST_2M, TST_2M, 0, 0, 0, NULL));
	EXPECT_EQ(0, check(self->vm, DBG, ipa + TST_2M, 512, TST_PAGE,
			   S2MMU_HWT_READ, fault(FSC_TRANS, 2)));
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_UNMAP, ipa, TST_2M, 0, 0, 0, NULL));
	EXPECT_EQ(0, check(self->vm, DBG, ipa, 1024, TST_PAGE, S2MMU_HWT_READ,
			   fault(FSC_TRANS, 1)));
}

/* Read-only, then relaxed to read-write in place; then write-protected. */
TEST_F(oracle, relax_and_wrprotect)
{
	const __u64 ipa = 0x10000000, pa = 0x300000000ULL, n = 32;
	__u64 i;

	if (!hw_at())
		SKIP(return, "no hardware translation");
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_MAP, ipa, n * TST_PAGE, pa,
			 S2MMU_DBG_PROT_R, S2MMU_DBG_FORCE_PTE, NULL));
	EXPECT_EQ(0, check(self->vm, DBG, ipa, n, TST_PAGE, S2MMU_HWT_READ,
			   mapped(pa, ATTR_WB, SH_INNER)));
	EXPECT_EQ(0, check(self->vm, DBG, ipa, n, TST_PAGE, S2MMU_HWT_WRITE,
			   fault(FSC_PERM, 3)));
	for (i = 0; i < n; i += 2)
		ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_RELAX, ipa + i * TST_PAGE,
				 TST_PAGE, 0, S2MMU_DBG_PROT_W, 0, NULL));
	EXPECT_EQ(0, check(self->vm, DBG, ipa, n / 2, 2 * TST_PAGE,
			   S2MMU_HWT_WRITE, mapped(pa, ATTR_WB, SH_INNER)));
	EXPECT_EQ(0, check(self->vm, DBG, ipa + TST_PAGE, n / 2, 2 * TST_PAGE,
			   S2MMU_HWT_WRITE, fault(FSC_PERM, 3)));
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_WRPROTECT, ipa, n * TST_PAGE, 0, 0, 0, NULL));
	EXPECT_EQ(0, check(self->vm, DBG, ipa, n, TST_PAGE, S2MMU_HWT_WRITE,
			   fault(FSC_PERM, 3)));
	EXPECT_EQ(0, check(self->vm, DBG, ipa, n, TST_PAGE, S2MMU_HWT_READ,
			   mapped(pa, ATTR_WB, SH_INNER)));
	/* A write-protected 2M block faults at level 2. */
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_MAP, ipa + TST_2M, TST_2M, pa + TST_2M,
			 RW, 0, NULL));
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_WRPROTECT, ipa + TST_2M, TST_2M, 0, 0, 0, NULL));
	EXPECT_EQ(0, check(self->vm, DBG, ipa + TST_2M, 512, TST_PAGE,
			   S2MMU_HWT_WRITE, fault(FSC_PERM, 2)));
}

/* Split a 1G block and a 2M block into pages: same translation, level 3. */
TEST_F(oracle, split)
{
	const __u64 ipa = TST_1G, pa = 7 * TST_1G;
	struct s2mmu_hw_xlate e = { .ipa = ipa + 0x345000 };

	if (!hw_at())
		SKIP(return, "no hardware translation");
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_MAP, ipa, TST_1G, pa, RW, 0, NULL));
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_MAP, 2 * TST_1G, TST_2M, pa + TST_1G,
			 RW, 0, NULL));
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_SPLIT, ipa, TST_1G + TST_2M, 0, 0, 0, NULL));
	EXPECT_EQ(0, check(self->vm, DBG, ipa, TST_1G / TST_PAGE + 512, TST_PAGE,
			   S2MMU_HWT_READ, mapped(pa, ATTR_WB, SH_INNER)));
	EXPECT_EQ(0, check(self->vm, DBG, ipa + 0x1000, 1024, 0x100000,
			   S2MMU_HWT_WRITE, mapped(pa + 0x1000, ATTR_WB, SH_INNER)));
	/* The software walk now finds pages. */
	ASSERT_EQ(0, translate(self->vm, DBG, &e, 1, NULL));
	EXPECT_EQ(3, (int8_t)e.sw_level);
}

/* Access flag cleared: both accesses take an access-flag fault. */
TEST_F(oracle, access_flag)
{
	const __u64 ipa = 0x20000000, pa = 0x400000000ULL, n = 16;
	struct s2mmu_debug_table_op o;

	if (!hw_at())
		SKIP(return, "no hardware translation");
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_MAP, ipa, n * TST_PAGE, pa, RW,
			 S2MMU_DBG_FORCE_PTE, NULL));
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_MAP, ipa + TST_2M, TST_2M, pa + TST_2M,
			 RW, 0, NULL));
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_CLEAR_YOUNG, ipa, 2 * TST_2M, 0, 0, 0, &o));
	EXPECT_EQ((__s64)n + 1, o.result);
	EXPECT_EQ(0, check(self->vm, DBG, ipa, n, TST_PAGE, S2MMU_HWT_READ,
			   fault(FSC_ACCESS, 3)));
	EXPECT_EQ(0, check(self->vm, DBG, ipa, n, TST_PAGE, S2MMU_HWT_WRITE,
			   fault(FSC_ACCESS, 3)));
	EXPECT_EQ(0, check(self->vm, DBG, ipa + TST_2M, 512, TST_PAGE,
			   S2MMU_HWT_READ, fault(FSC_ACCESS, 2)));
	/* Access flag before permission (Arm ARM fault priority). */
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_WRPROTECT, ipa, TST_PAGE, 0, 0, 0, NULL));
	EXPECT_EQ(0, check(self->vm, DBG, ipa, 1, TST_PAGE, S2MMU_HWT_WRITE,
			   fault(FSC_ACCESS, 3)));
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_MKYOUNG, ipa + TST_PAGE, 0, 0, 0, 0, NULL));
	EXPECT_EQ(0, check_rw(self->vm, DBG, ipa + TST_PAGE, 1, TST_PAGE,
			      mapped(pa + TST_PAGE, ATTR_WB, SH_INNER)));
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_MKYOUNG, ipa + TST_2M, 0, 0, 0, 0, NULL));
	EXPECT_EQ(0, check_rw(self->vm, DBG, ipa + TST_2M, 512, TST_PAGE,
			      mapped(pa + TST_2M, ATTR_WB, SH_INNER)));
}

/* Memory types: Device-nGnRE and Normal non-cacheable, pages and blocks. */
TEST_F(oracle, memory_types)
{
	const __u64 ipa = 0x60000000, pa = 0x9000000;

	if (!hw_at())
		SKIP(return, "no hardware translation");
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_MAP, ipa, 16 * TST_PAGE, pa,
			 RW | S2MMU_DBG_PROT_DEVICE, S2MMU_DBG_FORCE_PTE, NULL));
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_MAP, ipa + TST_2M, TST_2M, 0x40000000,
			 RW | S2MMU_DBG_PROT_NC, 0, NULL));
	EXPECT_EQ(0, check_rw(self->vm, DBG, ipa, 16, TST_PAGE,
			      mapped(pa, ATTR_DEV, SH_OUTER)));
	EXPECT_EQ(0, check_rw(self->vm, DBG, ipa + TST_2M, 512, TST_PAGE,
			      mapped(0x40000000, ATTR_NC, SH_OUTER)));
	/* Changing the type of a live mapping is a BBM; the new type shows. */
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_MAP, ipa, 16 * TST_PAGE, pa,
			 RW | S2MMU_DBG_PROT_NC, S2MMU_DBG_FORCE_PTE, NULL));
	EXPECT_EQ(0, check_rw(self->vm, DBG, ipa, 16, TST_PAGE,
			      mapped(pa, ATTR_NC, SH_OUTER)));
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_MAP, ipa, 16 * TST_PAGE, pa, RW,
			 S2MMU_DBG_FORCE_PTE, NULL));
	EXPECT_EQ(0, check_rw(self->vm, DBG, ipa, 16, TST_PAGE,
			      mapped(pa, ATTR_WB, SH_INNER)));
}

/*
 * Every IPA size: first and last page and the last 2M block, then IPAs at
 * and beyond the top: a level-0 translation fault on both sides.
 */
TEST_F(oracle, ipa_sizes)
{
	static const __u32 sizes[] = { 32, 36, 39, 40, 42, 44, 48 };
	unsigned int i;

	if (!hw_at())
		SKIP(return, "no hardware translation");
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		__u64 top = 1ULL << sizes[i], pa = 0x10000000;
		int vm;

		if (sizes[i] > feat.max_ipa_bits)
			continue;
		vm = tst_create_vm(self->dev, sizes[i]);
		ASSERT_LE(0, vm);
		ASSERT_EQ(0, dbg(vm, S2MMU_DBG_MAP, 0, TST_PAGE, pa, RW,
				 S2MMU_DBG_FORCE_PTE, NULL));
		ASSERT_EQ(0, dbg(vm, S2MMU_DBG_MAP, top - TST_PAGE, TST_PAGE,
				 pa + TST_PAGE, RW, S2MMU_DBG_FORCE_PTE, NULL));
		ASSERT_EQ(0, dbg(vm, S2MMU_DBG_MAP, top - 2 * TST_2M, TST_2M,
				 pa + TST_2M, RW, 0, NULL));
		EXPECT_EQ(0, check_rw(vm, DBG, 0, 1, TST_PAGE,
				      mapped(pa, ATTR_WB, SH_INNER)));
		EXPECT_EQ(0, check_rw(vm, DBG, top - TST_PAGE, 1, TST_PAGE,
				      mapped(pa + TST_PAGE, ATTR_WB, SH_INNER)));
		EXPECT_EQ(0, check_rw(vm, DBG, top - 2 * TST_2M, 512, TST_PAGE,
				      mapped(pa + TST_2M, ATTR_WB, SH_INNER)));
		EXPECT_EQ(0, check(vm, DBG, top - 2 * TST_PAGE, 1, TST_PAGE,
				   S2MMU_HWT_READ, fault(FSC_TRANS, 3)));
		/* At the top, just above it, and up to the PA size. */
		if (sizes[i] < feat.pa_bits) {
			EXPECT_EQ(0, check(vm, DBG, top, 1, TST_PAGE,
					   S2MMU_HWT_READ, fault(FSC_TRANS, 0)));
			EXPECT_EQ(0, check(vm, DBG, top + TST_2M + TST_PAGE, 1,
					   TST_PAGE, S2MMU_HWT_WRITE,
					   fault(FSC_TRANS, 0)));
			EXPECT_EQ(0, check(vm, DBG,
					   (1ULL << feat.pa_bits) - TST_PAGE, 1,
					   TST_PAGE, S2MMU_HWT_READ,
					   fault(FSC_TRANS, 0)));
		}
		/* The debug table refuses to map beyond the top. */
		EXPECT_EQ(-ERANGE, dbg(vm, S2MMU_DBG_MAP, top, TST_PAGE, pa, RW, 0, NULL));
		close(vm);
	}
}

/*
 * Without the invalidation around the ATs (S2MMU_HWT_NO_FLUSH) the VMID
 * keeps TLB entries, so every later change must issue real TLBIs (by IPA
 * with a level hint, by range, whole VMID) for AT to see it on real
 * hardware.  QEMU's AT walks memory and ignores its TLB, so here this
 * proves the instruction encodings and sequences run, not the TLB.
 */
TEST_F(oracle, no_flush_changes)
{
	const __u64 ipa = 0x40000000, pa = 0x500000000ULL;
	const __u32 nf = DBG | S2MMU_HWT_NO_FLUSH;
	struct s2mmu_debug_table_op a, b;

	if (!hw_at())
		SKIP(return, "no hardware translation");
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_MAP, ipa, 3 * TST_2M, pa, RW, 0, &a));
	EXPECT_EQ(0, check_rw(self->vm, nf, ipa, 3 * 512, TST_PAGE,
			      mapped(pa, ATTR_WB, SH_INNER)));
	/* BBM to another PA (single-IPA TLBI), then shatter by unmap. */
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_MAP, ipa, TST_2M, pa + TST_1G, RW, 0, NULL));
	EXPECT_EQ(0, check_rw(self->vm, nf, ipa, 512, TST_PAGE,
			      mapped(pa + TST_1G, ATTR_WB, SH_INNER)));
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_UNMAP, ipa + TST_2M + 0x3000, TST_PAGE,
			 0, 0, 0, NULL));
	EXPECT_EQ(0, check(self->vm, nf, ipa + TST_2M + 0x3000, 1, TST_PAGE,
			   S2MMU_HWT_READ, fault(FSC_TRANS, 3)));
	/* Write-protect and split a range (range TLBI where available). */
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_WRPROTECT, ipa, 3 * TST_2M, 0, 0, 0, NULL));
	EXPECT_EQ(0, check(self->vm, nf, ipa + 2 * TST_2M, 512, TST_PAGE,
			   S2MMU_HWT_WRITE, fault(FSC_PERM, 2)));
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_SPLIT, ipa + 2 * TST_2M, TST_2M, 0, 0, 0, NULL));
	EXPECT_EQ(0, check(self->vm, nf, ipa + 2 * TST_2M, 512, TST_PAGE,
			   S2MMU_HWT_WRITE, fault(FSC_PERM, 3)));
	EXPECT_EQ(0, check(self->vm, nf, ipa + 2 * TST_2M, 512, TST_PAGE,
			   S2MMU_HWT_READ, mapped(pa + 2 * TST_2M, ATTR_WB, SH_INNER)));
	/* Everything unmapped: a whole-range invalidation. */
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_UNMAP, ipa, 3 * TST_2M, 0, 0, 0, &b));
	EXPECT_EQ(0, check(self->vm, nf, ipa, 3 * 512, TST_PAGE, S2MMU_HWT_READ,
			   fault(FSC_TRANS, 1)));
	EXPECT_LT(a.tlbi, b.tlbi);
}

/*
 * The VM's own table, changed by the fault path: read faults, write
 * faults, a read-only slot, dirty logging (write-protection), slot
 * deletion.  The hardware's PA must be the host page's PA.
 */
TEST_F(oracle, vm_faults)
{
	const __u64 gpa = 0x40000000, size = 4 * TST_2M, npages = size / TST_PAGE;
	struct s2mmu_hw_xlate *e = calloc(npages, sizeof(*e));
	__u8 *mem = tst_alloc(TST_ANON, size), *ro = tst_alloc(TST_ANON, TST_2M);
	struct tst_vcpu v = { .fd = -1 };
	__u64 i, bad = 0, blocks = 0, val = 0x5a;

	if (!hw_at())
		SKIP(return, "no hardware translation");
	ASSERT_NE(NULL, e);
	ASSERT_NE(NULL, mem);
	ASSERT_NE(NULL, ro);
	memset(ro, 0x77, TST_2M);
	ASSERT_EQ(0, tst_set_region(self->vm, 0, 0, gpa, size, mem));
	ASSERT_EQ(0, tst_set_region(self->vm, 1, S2MMU_MEM_READONLY, gpa + TST_1G,
				    TST_2M, ro));
	ASSERT_EQ(0, tst_create_vcpu(self->dev, self->vm, 0, &v));

	/* Write every other page, read the rest, read 16 RO pages. */
	for (i = 0; i < npages; i++)
		ASSERT_EQ(0, tst_access(&v, gpa + i * TST_PAGE, &val, 8,
					i & 1 ? S2MMU_ACCESS_READ : S2MMU_ACCESS_WRITE,
					NULL));
	for (i = 0; i < 16; i++)
		ASSERT_EQ(0, tst_access(&v, gpa + TST_1G + i * TST_PAGE, &val, 8,
					S2MMU_ACCESS_READ, NULL));

	for (i = 0; i < npages; i++) {
		e[i].ipa = gpa + i * TST_PAGE;
		e[i].access = i & 1 ? S2MMU_HWT_READ : S2MMU_HWT_WRITE;
	}
	ASSERT_EQ(0, translate(self->vm, 0, e, npages, NULL));
	for (i = 0; i < npages; i++) {
		bool ok = !(e[i].flags & (S2MMU_HWT_F_FAULT | S2MMU_HWT_F_MISMATCH)) &&
			  e[i].hw_pa == tst_host_pa(mem + i * TST_PAGE) && e[i].hw_pa &&
			  e[i].hw_attr == ATTR_WB;

		/* A page only read may be the shared zero page: R only. */
		blocks += (int8_t)e[i].sw_level == 2;
		if (!ok && bad++ < 4)
			print_entry("vm page", &e[i]);
	}
	EXPECT_EQ(0ULL, bad);
	TH_LOG("%llu pages via 2M blocks", (unsigned long long)blocks);

	/* The read-only slot: reads map, writes take a permission fault. */
	for (i = 0; i < 16; i++)
		EXPECT_EQ(0, check(self->vm, 0, gpa + TST_1G + i * TST_PAGE, 1,
				   TST_PAGE, S2MMU_HWT_READ,
				   mapped(tst_host_pa(ro + i * TST_PAGE), ATTR_WB,
					  SH_INNER)));
	EXPECT_EQ(0, check(self->vm, 0, gpa + TST_1G, 16, TST_PAGE,
			   S2MMU_HWT_WRITE, fault(FSC_PERM, 3)));

	/* Dirty logging write-protects the slot: writes fault, reads do not. */
	ASSERT_EQ(0, tst_set_region(self->vm, 0, S2MMU_MEM_LOG_DIRTY_PAGES, gpa,
				    size, mem));
	EXPECT_EQ(0, check(self->vm, 0, gpa, npages / 2, 2 * TST_PAGE,
			   S2MMU_HWT_WRITE, fault(FSC_PERM, 3)));
	EXPECT_EQ(0, check(self->vm, 0, gpa, 1, TST_PAGE, S2MMU_HWT_READ,
			   mapped(tst_host_pa(mem), ATTR_WB, SH_INNER)));
	/* A logged write fault makes that one page writable again. */
	ASSERT_EQ(0, tst_access(&v, gpa, &val, 8, S2MMU_ACCESS_WRITE, NULL));
	EXPECT_EQ(0, check(self->vm, 0, gpa, 1, TST_PAGE, S2MMU_HWT_WRITE,
			   mapped(tst_host_pa(mem), ATTR_WB, SH_INNER)));

	/* Deleting the slot unmaps it and frees its now empty tables. */
	ASSERT_EQ(0, tst_set_region(self->vm, 0, 0, gpa, 0, mem));
	EXPECT_EQ(0, check(self->vm, 0, gpa, npages, TST_PAGE, S2MMU_HWT_READ,
			   fault(FSC_TRANS, 1)));
	tst_destroy_vcpu(&v);
	free(e);
}

/* ---- BBM stress: 2 threads remap with BBM while 2 threads translate ---- */

#define STRESS_PAGES	64
#define STRESS_IPA	0x40000000ULL
#define STRESS_PA_A	0x100000000ULL
#define STRESS_PA_B	0x200000000ULL
#define STRESS_REMAPS	3000

struct stress {
	int vm;
	int stop;	/* read and written with __atomic builtins */
	__u64 remaps, bbm_errors, translated, fallbacks, hw_faults;
	__u64 unexplained, wrong_pa, mismatches, errors;
	long last_err;
};

static void *stress_remapper(void *arg)
{
	struct stress *s = arg;
	unsigned int seed = (uintptr_t)&seed, i;
	__u64 page, pa;
	long ret;

	for (i = 0; i < STRESS_REMAPS; i++) {
		page = rand_r(&seed) % STRESS_PAGES;
		pa = (rand_r(&seed) & 1 ? STRESS_PA_A : STRESS_PA_B) + page * TST_PAGE;
		/* A different PA on a valid entry: BBM in the shared walk. */
		ret = dbg(s->vm, S2MMU_DBG_MAP, STRESS_IPA + page * TST_PAGE,
			  TST_PAGE, pa, RW, S2MMU_DBG_SHARED | S2MMU_DBG_FORCE_PTE,
			  NULL);
		if (ret < 0) {
			__atomic_add_fetch(&s->bbm_errors, 1, __ATOMIC_RELAXED);
			s->last_err = ret;
		}
		__atomic_add_fetch(&s->remaps, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *stress_translator(void *arg)
{
	struct s2mmu_hw_xlate e[STRESS_PAGES];
	struct stress *s = arg;
	__u64 i, off, want_a, want_b, pa;

	while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
		memset(e, 0, sizeof(e));
		for (i = 0; i < STRESS_PAGES; i++) {
			e[i].ipa = STRESS_IPA + i * TST_PAGE;
			e[i].access = i & 1;
		}
		if (translate(s->vm, DBG, e, STRESS_PAGES, NULL)) {
			__atomic_add_fetch(&s->errors, 1, __ATOMIC_RELAXED);
			break;
		}
		for (i = 0; i < STRESS_PAGES; i++) {
			off = i * TST_PAGE;
			want_a = STRESS_PA_A + off;
			want_b = STRESS_PA_B + off;
			pa = e[i].flags & S2MMU_HWT_F_FALLBACK ? e[i].sw_pa : e[i].hw_pa;
			if (e[i].flags & S2MMU_HWT_F_MISMATCH)
				__atomic_add_fetch(&s->mismatches, 1, __ATOMIC_RELAXED);
			if (e[i].flags & S2MMU_HWT_F_HW_FAULT) {
				__atomic_add_fetch(&s->hw_faults, 1, __ATOMIC_RELAXED);
				/* Every hardware fault is a BBM transient. */
				if (!(e[i].flags & S2MMU_HWT_F_FALLBACK))
					__atomic_add_fetch(&s->unexplained, 1,
							   __ATOMIC_RELAXED);
			}
			if (e[i].flags & S2MMU_HWT_F_FALLBACK)
				__atomic_add_fetch(&s->fallbacks, 1, __ATOMIC_RELAXED);
			/* The answer is never a fault, and always A or B. */
			if ((e[i].flags & S2MMU_HWT_F_FAULT) ||
			    (pa != want_a && pa != want_b))
				__atomic_add_fetch(&s->wrong_pa, 1, __ATOMIC_RELAXED);
		}
		__atomic_add_fetch(&s->translated, STRESS_PAGES, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Entries that are not a clean A or B mapping, or -errno. */
static int stress_quiet_check(int vm)
{
	struct s2mmu_hw_xlate e[STRESS_PAGES] = { 0 };
	__u64 off;
	int i, bad = 0;

	for (i = 0; i < STRESS_PAGES; i++)
		e[i].ipa = STRESS_IPA + i * TST_PAGE;
	if (translate(vm, DBG, e, STRESS_PAGES, NULL))
		return -errno;
	for (i = 0; i < STRESS_PAGES; i++) {
		off = i * TST_PAGE;
		if (e[i].flags || (e[i].hw_pa != STRESS_PA_A + off &&
				   e[i].hw_pa != STRESS_PA_B + off))
			bad++;
	}
	return bad;
}

TEST_F(oracle, bbm_stress)
{
	struct s2mmu_debug_table_op before, after;
	struct stress s = { .vm = self->vm };
	struct s2mmu_stats st0, st;
	pthread_t rm[2], tr[2];
	int i;

	if (!hw_at())
		SKIP(return, "no hardware translation");
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_MAP, STRESS_IPA, STRESS_PAGES * TST_PAGE,
			 STRESS_PA_A, RW, S2MMU_DBG_FORCE_PTE, &before));
	ASSERT_EQ(0, tst_stats(self->vm, &st0));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&tr[i], NULL, stress_translator, &s));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&rm[i], NULL, stress_remapper, &s));
	for (i = 0; i < 2; i++)
		pthread_join(rm[i], NULL);
	__atomic_store_n(&s.stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < 2; i++)
		pthread_join(tr[i], NULL);
	ASSERT_EQ(0, dbg(self->vm, S2MMU_DBG_MKYOUNG, STRESS_IPA, 0, 0, 0, 0, &after));
	st = tst_stats_since(self->vm, &st0);

	TH_LOG("%llu remaps (%llu BBM), %llu translations, %llu hardware faults, %llu fallbacks",
	       (unsigned long long)s.remaps,
	       (unsigned long long)(after.bbm - before.bbm),
	       (unsigned long long)s.translated,
	       (unsigned long long)s.hw_faults,
	       (unsigned long long)s.fallbacks);
	EXPECT_EQ(0ULL, s.errors);
	EXPECT_EQ(0ULL, s.bbm_errors) TH_LOG("last error %ld", s.last_err);
	EXPECT_EQ(2ULL * STRESS_REMAPS, s.remaps);
	/* About half the remaps change the PA: each one is a BBM. */
	EXPECT_LT(0ULL, after.bbm - before.bbm);
	EXPECT_LT(0ULL, s.translated);
	EXPECT_EQ(0ULL, s.mismatches);
	EXPECT_EQ(0ULL, s.unexplained);
	EXPECT_EQ(0ULL, s.wrong_pa);
	EXPECT_EQ(s.hw_faults, s.fallbacks);
	/* The VM's counters saw exactly what the translators saw. */
	EXPECT_EQ(s.translated, st.hwt_translated);
	EXPECT_EQ(s.fallbacks, st.hwt_fallbacks);
	EXPECT_EQ(0ULL, st.hwt_mismatches);
	/* Quiet again: every page maps A or B, no transient left. */
	EXPECT_EQ(0, stress_quiet_check(self->vm));
}

static void __attribute__((destructor)) report(void)
{
	printf("# hw_oracle: %llu IPAs compared, %llu fallbacks, %llu mismatches (KVM %s)\n",
	       (unsigned long long)totals->compared,
	       (unsigned long long)totals->fallback,
	       (unsigned long long)totals->mismatch,
	       feat.flags & S2MMU_FEAT_KVM_ACTIVE ? "active" : "inactive");
}

TEST_HARNESS_MAIN
