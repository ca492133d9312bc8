// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl_fuzz_test: every field of every s2mmu ioctl, the debug ones
 * included, given bad values -- out of range, misaligned, overflowing,
 * reserved bits set, unknown flags, bad pointers -- and checked for the
 * errno the uapi header documents.  After every rejected call the test
 * proves that the call changed nothing: the VM's counters, the module's
 * counters, which slots exist and whether they log, the dirty logs, the
 * manual-protect mode, which views exist and what each restricts (a
 * few frames read in every view id), (on EL2 hosts) what the VM's table
 * and its debug table translate a sample of IPAs to (the info page's
 * address among them), and the vCPU: every register
 * S2MMU_GET_REG_LIST lists (each set to a value of its own first) and its
 * run page.  On hosts that run guests, a pending MMIO read must survive
 * refused calls, a refused S2MMU_IRQ_LINE must raise no line (the guest
 * unmasks and checks), and a running vCPU makes the other calls EBUSY.
 *
 * Two phases per ioctl: a systematic one (each field, each kind of bad
 * value, the exact errno) and a seeded random one (1 to 3 fields of a good
 * argument replaced by boundary values and random bits; any documented
 * errno is accepted, an accepted call becomes the new baseline).  The
 * views' ioctls are refused both with no view and against existing ones.
 * No call reads back a view's remaps or which view a vCPU runs on: the
 * views test checks both by running the guest after its refusals.
 *
 * Written against include/uapi/linux/s2mmu.h and Documentation/abi.rst
 * only.
 */
#include "s2mmu_util.h"
#include "guest_vm.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/wait.h>
#include "../kselftest_harness.h"

#define IPA_BITS	36
#define GPA_A		0x10000000ULL	/* slot 0: plain, 1 MiB */
#define GPA_B		0x10200000ULL	/* slot 1: logging, 1 MiB */
#define GPA_C		0x10400000ULL	/* slot 2: read-only, 64 KiB */
#define GPA_FREE	0x20000000ULL	/* no slot */
#define SLOT_SIZE	0x100000ULL
#define RO_SIZE		0x10000ULL
#define SLOT_PAGES	(SLOT_SIZE / TST_PAGE)
#define LOG_WORDS	(SLOT_PAGES / 64)
#define DBG_IPA		0x40000000ULL	/* debug table: a 2 MiB block */
#define DBG_PA		0x80000000ULL
#define DBG_PTE_IPA	0x40400000ULL	/* and 16 read-only pages */
#define DBG_PTE_PA	0x90000000ULL
#define KERNEL_PTR	0xffff000000000000ULL
#define RANDOM_ROUNDS	60
#define BIG_SIZE	(4UL << 20)
/* Guest code for the tests that run the vCPU: in slot 0, past the samples. */
#define CODE_OFF	0x40000UL
#define STACK_IPA	(GPA_A + 0x80000ULL)
#define MMIO_IPA	GPA_FREE
/* Room for every ONE_REG id GET_REG_LIST may list. */
#define REG_MAX		256

/* Slot ids whose existence (and logging) every check probes. */
static const __u32 probe_ids[] = { 0, 1, 2, 3, 5, 7, 31, S2MMU_MEMSLOT_ID_LIMIT - 1 };
#define NPROBE		ARRAY_SIZE(probe_ids)
#define NXL		16
/* Frames whose restriction every check reads: slot A's first, the last. */
static const __u64 ma_probe_gfns[] = {
	GPA_A >> 12, (GPA_A >> 12) + 1, (1ULL << (IPA_BITS - 12)) - 1,
};

#define NPROBE_MA	ARRAY_SIZE(ma_probe_gfns)
/* A probe's errno, told apart from a restriction. */
#define MA_ERR		0x80000000U

/* Everything a rejected call must leave as it was. */
struct snap {
	struct s2mmu_stats st;		/* before the translations below */
	struct s2mmu_stats st_after;	/* after them: what comes next */
	struct s2mmu_module_stats ms;
	int slot_err[NPROBE];
	__u64 log[LOG_WORDS];
	long manual;
	long xl_ret[2];
	struct s2mmu_hw_xlate xl[2][NXL];
	__u64 regs[REG_MAX][2];		/* every listed vCPU register */
	long regs_ret;			/* first GET_ONE_REG error */
	struct s2mmu_run run;		/* the vCPU's shared page */
	/* Each view's restriction of each probed frame, or the errno. */
	__u32 ma[S2MMU_MAX_VIEWS][NPROBE_MA];
};

FIXTURE(fz) {
	int dev, vm;
	struct tst_vcpu vcpu;
	struct s2mmu_features feat;
	__u8 *mem;		/* backing of slots 0, 1, 2, and spare */
	__u8 *ro;		/* a read-only page */
	__u8 *none;		/* a PROT_NONE page */
	__u8 *edge;		/* a read-write page followed by a PROT_NONE one */
	__u64 *bitmap;		/* a good bitmap buffer, big enough for any slot */
	__u8 *big;		/* S2MMU_ACCESS_MAX_LEN bytes for any access */
	struct s2mmu_hw_xlate *xl;	/* S2MMU_HWT_MAX entries */
	bool manual_on;		/* manual dirty-log protect enabled */
	__u64 start_ns;		/* for the time each test takes */
	struct snap base;
	unsigned int checks;
	unsigned int seed;
	unsigned int nregs;	/* S2MMU_GET_REG_LIST's count */
	__u64 reg_ids[REG_MAX];	/* and its ids */
};

static long xioctl(int fd, unsigned long cmd, const void *arg)
{
	return tst_ioctl(fd, cmd, (unsigned long)arg);
}

static bool hw_at(const struct _test_data_fz *self)
{
	return self->feat.flags & S2MMU_FEAT_HW_AT;
}

static long manual_enable(int vm, __u64 on)
{
	struct s2mmu_enable_cap cap = {
		.cap = S2MMU_CAP_MANUAL_DIRTY_LOG_PROTECT,
		.args = { on },
	};

	return xioctl(vm, S2MMU_ENABLE_CAP, &cap);
}

static void xl_fill(struct s2mmu_hw_xlate *e, bool dbg)
{
	static const __u64 vm_ipas[NXL] = {
		GPA_A, GPA_A + TST_PAGE, GPA_A + SLOT_SIZE - TST_PAGE,
		GPA_B, GPA_B + 5 * TST_PAGE, GPA_B + 130 * TST_PAGE,
		GPA_B + 131 * TST_PAGE, GPA_C, GPA_C + TST_PAGE, GPA_FREE,
		GPA_FREE + SLOT_SIZE, 0, GPA_A - TST_PAGE, GPA_B - TST_PAGE,
		(1ULL << IPA_BITS) - TST_PAGE, GPA_C + RO_SIZE,
	};
	static const __u64 dbg_ipas[NXL] = {
		DBG_IPA, DBG_IPA + TST_PAGE, DBG_IPA + TST_2M - TST_PAGE,
		DBG_IPA + TST_2M, DBG_IPA - TST_PAGE, DBG_PTE_IPA,
		DBG_PTE_IPA + TST_PAGE, DBG_PTE_IPA + 15 * TST_PAGE,
		DBG_PTE_IPA + 16 * TST_PAGE, 0, GPA_FREE, GPA_A,
		(1ULL << IPA_BITS) - TST_PAGE, DBG_IPA + 0x1000 * 3,
		DBG_PTE_IPA + 7 * TST_PAGE, DBG_PTE_IPA - TST_PAGE,
	};
	int i;

	memset(e, 0, NXL * sizeof(*e));
	for (i = 0; i < NXL; i++) {
		e[i].ipa = dbg ? dbg_ipas[i] : vm_ipas[i];
		e[i].access = i & 1 ? S2MMU_HWT_WRITE : S2MMU_HWT_READ;
	}
}

/* Bytes of the register @id names (the size its id encodes). */
static unsigned int reg_bytes(__u64 id)
{
	return 1U << ((id & S2MMU_REG_SIZE_MASK) >> S2MMU_REG_SIZE_SHIFT);
}

/* Index of @id in the fixture's register list (it is listed). */
static unsigned int reg_index(const struct _test_data_fz *self, __u64 id)
{
	unsigned int i;

	for (i = 0; i < self->nregs; i++)
		if (self->reg_ids[i] == id)
			break;
	return i;
}

/* The vCPU as the VMM sees it: every listed register, and its run page. */
static void snap_vcpu(struct _test_data_fz *self, struct snap *s)
{
	unsigned int i;
	long r;

	for (i = 0; i < self->nregs; i++) {
		r = tst_get_reg(&self->vcpu, self->reg_ids[i], s->regs[i]);
		if (r && !s->regs_ret)
			s->regs_ret = r;
	}
	memcpy(&s->run, self->vcpu.run, sizeof(s->run));
}

/*
 * Read everything the VM exposes without changing it.  The dirty log is
 * read with manual protect on (GET then only reads), restored after.
 * Translations come last: they add to the hwt_* counters, so @s->st is
 * read again after them.
 */
static void take_snap(struct _test_data_fz *self, struct snap *s)
{
	struct s2mmu_dirty_log log = { .slot = 1 };
	struct s2mmu_clear_dirty_log probe = { .slot = 1 };
	unsigned int i, t;

	memset(s, 0, sizeof(*s));
	tst_stats(self->vm, &s->st);
	tst_module_stats(self->dev, &s->ms);
	/* CLEAR of 0 pages: 0 with manual protect, -EINVAL without. */
	s->manual = xioctl(self->vm, S2MMU_CLEAR_DIRTY_LOG, &probe);
	if (!self->manual_on)
		manual_enable(self->vm, 1);
	log.dirty_bitmap = (uintptr_t)s->log;
	xioctl(self->vm, S2MMU_GET_DIRTY_LOG, &log);
	for (i = 0; i < NPROBE; i++) {
		log.slot = probe_ids[i];
		log.dirty_bitmap = (uintptr_t)self->bitmap;
		s->slot_err[i] = xioctl(self->vm, S2MMU_GET_DIRTY_LOG, &log);
	}
	if (!self->manual_on)
		manual_enable(self->vm, 0);
	for (t = 0; t < S2MMU_MAX_VIEWS; t++) {
		for (i = 0; i < NPROBE_MA; i++) {
			struct s2mmu_mem_access ma = {
				.gfn = ma_probe_gfns[i], .nr_pages = 1, .view = t,
			};
			long r = xioctl(self->vm, S2MMU_GET_MEM_ACCESS, &ma);

			/* Which views exist, and what each restricts. */
			s->ma[t][i] = r ? MA_ERR | (__u32)-r : ma.access;
		}
	}
	for (t = 0; t < 2 && hw_at(self); t++) {
		struct s2mmu_hw_translate tr = {
			.nr = NXL,
			.flags = t ? S2MMU_HWT_DEBUG_TABLE : 0,
			.entries = (uintptr_t)s->xl[t],
		};

		xl_fill(s->xl[t], t);
		s->xl_ret[t] = xioctl(self->vm, S2MMU_HW_TRANSLATE, &tr);
	}
	snap_vcpu(self, s);
	tst_stats(self->vm, &s->st_after);
}

/* Only what the table says, not the per-call judgement flags. */
static bool xl_same(const struct s2mmu_hw_xlate *a,
		    const struct s2mmu_hw_xlate *b)
{
	return a->par == b->par && a->sw_pte == b->sw_pte &&
	       a->sw_level == b->sw_level && a->hw_pa == b->hw_pa &&
	       a->sw_pa == b->sw_pa &&
	       (a->flags & S2MMU_HWT_F_MISMATCH) == (b->flags & S2MMU_HWT_F_MISMATCH);
}

/* The vCPU's registers and run page are as in self->base. */
static bool vcpu_same(struct __test_metadata *_metadata,
		      struct _test_data_fz *self, const struct snap *now,
		      const char *what, int line)
{
	const struct snap *was = &self->base;
	bool ok = true;
	unsigned int i;

	if (now->regs_ret != was->regs_ret) {
		TH_LOG("line %d %s: GET_ONE_REG %ld, was %ld", line, what,
		       now->regs_ret, was->regs_ret);
		ok = false;
	}
	for (i = 0; i < self->nregs; i++) {
		if (!memcmp(now->regs[i], was->regs[i], sizeof(now->regs[i])))
			continue;
		TH_LOG("line %d %s: register %#llx: %#llx:%#llx, was %#llx:%#llx",
		       line, what, (unsigned long long)self->reg_ids[i],
		       (unsigned long long)now->regs[i][1],
		       (unsigned long long)now->regs[i][0],
		       (unsigned long long)was->regs[i][1],
		       (unsigned long long)was->regs[i][0]);
		ok = false;
	}
	if (memcmp(&now->run, &was->run, sizeof(now->run))) {
		TH_LOG("line %d %s: run page changed (exit %u, was %u)", line,
		       what, now->run.exit_reason, was->run.exit_reason);
		ok = false;
	}
	return ok;
}

/*
 * The VM is exactly as in self->base.  @what names the call for the log.
 * Return: true when nothing changed.
 */
static bool same_as_base(struct __test_metadata *_metadata,
			 struct _test_data_fz *self, const char *what, int line)
{
	struct snap now;
	bool ok = true;
	unsigned int i, t;

	take_snap(self, &now);
	self->checks++;
	if (memcmp(&now.st, &self->base.st_after, sizeof(now.st))) {
		const __u64 *a = (const __u64 *)&self->base.st_after;
		const __u64 *b = (const __u64 *)&now.st;

		for (i = 0; i < sizeof(now.st) / 8; i++)
			if (a[i] != b[i])
				TH_LOG("line %d %s: VM stats word %u: %llu -> %llu",
				       line, what, i, (unsigned long long)a[i],
				       (unsigned long long)b[i]);
		ok = false;
	}
	if (memcmp(&now.ms, &self->base.ms, sizeof(now.ms))) {
		TH_LOG("line %d %s: module stats changed", line, what);
		TH_LOG("vms %llu tables %llu pinned %llu, were %llu %llu %llu",
		       now.ms.vms, now.ms.table_pages, now.ms.pages_pinned,
		       self->base.ms.vms, self->base.ms.table_pages,
		       self->base.ms.pages_pinned);
		ok = false;
	}
	if (now.manual != self->base.manual) {
		TH_LOG("line %d %s: manual protect changed", line, what);
		ok = false;
	}
	for (i = 0; i < NPROBE; i++) {
		if (now.slot_err[i] == self->base.slot_err[i])
			continue;
		TH_LOG("line %d %s: slot %u: GET_DIRTY_LOG %d, was %d", line,
		       what, probe_ids[i], now.slot_err[i],
		       self->base.slot_err[i]);
		ok = false;
	}
	for (t = 0; t < S2MMU_MAX_VIEWS; t++) {
		for (i = 0; i < NPROBE_MA; i++) {
			if (now.ma[t][i] == self->base.ma[t][i])
				continue;
			TH_LOG("line %d %s: view %u, gfn %#llx: %#x, was %#x",
			       line, what, t,
			       (unsigned long long)ma_probe_gfns[i],
			       now.ma[t][i], self->base.ma[t][i]);
			ok = false;
		}
	}
	if (memcmp(now.log, self->base.log, sizeof(now.log))) {
		TH_LOG("line %d %s: dirty log of slot 1 changed", line, what);
		ok = false;
	}
	for (t = 0; t < 2; t++) {
		if (now.xl_ret[t] != self->base.xl_ret[t]) {
			TH_LOG("line %d %s: translate(%s) %ld, was %ld", line,
			       what, t ? "debug" : "vm", now.xl_ret[t],
			       self->base.xl_ret[t]);
			ok = false;
			continue;
		}
		for (i = 0; i < NXL; i++) {
			if (xl_same(&now.xl[t][i], &self->base.xl[t][i]))
				continue;
			TH_LOG("line %d %s: %s table at %#llx changed:",
			       line, what, t ? "debug" : "vm",
			       (unsigned long long)now.xl[t][i].ipa);
			TH_LOG("pte %#llx par %#llx, was %#llx %#llx",
			       (unsigned long long)now.xl[t][i].sw_pte,
			       (unsigned long long)now.xl[t][i].par,
			       (unsigned long long)self->base.xl[t][i].sw_pte,
			       (unsigned long long)self->base.xl[t][i].par);
			ok = false;
		}
	}
	ok &= vcpu_same(_metadata, self, &now, what, line);
	/* The translations of the check count: they are the new baseline. */
	self->base = now;
	return ok;
}

/* A call that must fail with -@err and change nothing. */
#define REJECT(fd, cmd, arg, err, what)					\
	do {								\
		const char *w_ = (what);				\
		long r_ = xioctl(fd, cmd, arg);				\
									\
		EXPECT_EQ(-(long)(err), r_) {				\
			TH_LOG("line %d: %s", __LINE__, w_);		\
		}							\
		EXPECT_TRUE(same_as_base(_metadata, self, w_, __LINE__)); \
	} while (0)

/* Random numbers from a seed the log prints: a failure can be replayed. */
static __u64 rnd(struct _test_data_fz *self)
{
	__u64 hi = rand_r(&self->seed), lo = rand_r(&self->seed);

	return hi << 33 ^ lo << 2 ^ rand_r(&self->seed);
}

/*
 * A value of register @i that no reset, and no other register, holds: a
 * refused call that wrote, reset or swapped a register shows in the next
 * check.  PSTATE gets a valid one (EL1h, DAIF masked, Z and C set); MPIDR,
 * FPSR and FPCR only bits they have.
 */
static void reg_pattern(__u64 id, unsigned int i, __u64 v[2])
{
	v[0] = 0x5a00000000000000ULL | (__u64)i << 32 | (0x1000 + 8 * i);
	v[1] = reg_bytes(id) == 16 ? ~v[0] : 0;
	if (id == S2MMU_REG_CORE(pstate))
		v[0] = 0x600003c5ULL;
	else if (id == S2MMU_REG_MPIDR_EL1)	/* RES1 bit 31, Aff3, Aff2-0 */
		v[0] = 0x80000000ULL | (__u64)(i & 0xff) << 32 | (0x1000 + 8 * i);
	else if (id == S2MMU_REG_CORE(fpsr))
		v[0] = 0x0800001fULL;
	else if (id == S2MMU_REG_CORE(fpcr))
		v[0] = 0x03c00000ULL;
	else if (reg_bytes(id) == 4)
		v[0] = (__u32)v[0];
}

/* The register list, and every register set to its pattern. */
static int regs_setup(struct _test_data_fz *self)
{
	struct {
		__u64 n;
		__u64 reg[REG_MAX];
	} list = { .n = REG_MAX };
	__u64 v[2];
	unsigned int i;
	long r = xioctl(self->vcpu.fd, S2MMU_GET_REG_LIST, &list);

	if (r)
		return r;
	if (list.n > REG_MAX)
		return -E2BIG;
	self->nregs = list.n;
	memcpy(self->reg_ids, list.reg, list.n * sizeof(__u64));
	for (i = 0; i < self->nregs; i++) {
		reg_pattern(self->reg_ids[i], i, v);
		r = tst_set_reg_from(&self->vcpu, self->reg_ids[i], v);
		if (r)
			return r;
	}
	return 0;
}

FIXTURE_SETUP(fz)
{
	struct s2mmu_vcpu_access a;
	__u64 v = 0;
	const char *env = getenv("S2MMU_FUZZ_SEED");

	self->vm = -1;
	self->vcpu.fd = -1;
	self->start_ns = tst_now_ns();
	self->seed = env ? strtoul(env, NULL, 0) : (unsigned int)time(NULL);
	self->dev = tst_open_dev();
	if (self->dev < 0)
		SKIP(return, "/dev/s2mmu: %s (module not loaded?)", strerror(errno));
	ASSERT_EQ(0, xioctl(self->dev, S2MMU_GET_FEATURES, &self->feat));
	self->vm = tst_create_vm(self->dev, IPA_BITS);
	ASSERT_LE(0, self->vm);
	self->mem = tst_alloc(TST_ANON, 4 * SLOT_SIZE);
	ASSERT_NE(NULL, self->mem);
	memset(self->mem, 0x5a, 4 * SLOT_SIZE);
	self->ro = mmap(NULL, TST_PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	self->none = mmap(NULL, TST_PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	self->edge = mmap(NULL, 2 * TST_PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->ro);
	ASSERT_NE(MAP_FAILED, self->none);
	ASSERT_NE(MAP_FAILED, self->edge);
	ASSERT_EQ(0, mprotect(self->edge + TST_PAGE, TST_PAGE, PROT_NONE));
	/* A 2^24-page slot (the whole IPA space) has a 2 MiB bitmap. */
	self->bitmap = mmap(NULL, BIG_SIZE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	self->big = mmap(NULL, BIG_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	self->xl = calloc(S2MMU_HWT_MAX, sizeof(*self->xl));
	ASSERT_NE(MAP_FAILED, self->bitmap);
	ASSERT_NE(MAP_FAILED, self->big);
	ASSERT_NE(NULL, self->xl);

	ASSERT_EQ(0, tst_set_region(self->vm, 0, 0, GPA_A, SLOT_SIZE, self->mem));
	ASSERT_EQ(0, tst_set_region(self->vm, 1, S2MMU_MEM_LOG_DIRTY_PAGES,
				    GPA_B, SLOT_SIZE, self->mem + SLOT_SIZE));
	ASSERT_EQ(0, tst_set_region(self->vm, 2, S2MMU_MEM_READONLY, GPA_C,
				    RO_SIZE, self->mem + 2 * SLOT_SIZE));
	ASSERT_EQ(0, tst_create_vcpu(self->dev, self->vm, 0, &self->vcpu));
	/* Something mapped, something logged. */
	ASSERT_EQ(0, tst_access(&self->vcpu, GPA_A, &v, 8, S2MMU_ACCESS_READ, &a));
	ASSERT_EQ(0, tst_access(&self->vcpu, GPA_A + TST_PAGE, &v, 8,
				S2MMU_ACCESS_WRITE, &a));
	ASSERT_EQ(0, tst_access(&self->vcpu, GPA_B, &v, 8, S2MMU_ACCESS_WRITE, &a));
	ASSERT_EQ(0, tst_access(&self->vcpu, GPA_B + 5 * TST_PAGE, &v, 8,
				S2MMU_ACCESS_WRITE, &a));
	ASSERT_EQ(0, tst_access(&self->vcpu, GPA_B + 130 * TST_PAGE, &v, 8,
				S2MMU_ACCESS_WRITE, &a));
	ASSERT_EQ(0, tst_access(&self->vcpu, GPA_C, &v, 8, S2MMU_ACCESS_READ, &a));
	ASSERT_EQ(0, regs_setup(self));
	ASSERT_LT(70U, self->nregs);
	if (hw_at(self)) {
		struct s2mmu_debug_table_op op = {
			.op = S2MMU_DBG_MAP, .ipa = DBG_IPA, .size = TST_2M,
			.pa = DBG_PA, .prot = S2MMU_DBG_PROT_R | S2MMU_DBG_PROT_W,
		};

		ASSERT_EQ(0, xioctl(self->vm, S2MMU_DEBUG_TABLE_OP, &op));
		op.ipa = DBG_PTE_IPA;
		op.size = 16 * TST_PAGE;
		op.pa = DBG_PTE_PA;
		op.prot = S2MMU_DBG_PROT_R;
		op.flags = S2MMU_DBG_FORCE_PTE;
		ASSERT_EQ(0, xioctl(self->vm, S2MMU_DEBUG_TABLE_OP, &op));
	}
	take_snap(self, &self->base);
	ASSERT_EQ(3ULL, self->base.st.memslots);
	ASSERT_EQ(0, self->base.slot_err[0] == -ENOENT ? 0 : -1);
	ASSERT_EQ(0, self->base.slot_err[1]);
	ASSERT_EQ(0x21ULL, self->base.log[0]);
	ASSERT_EQ(4ULL, self->base.log[2]);
	ASSERT_EQ(-EINVAL, self->base.manual);
	TH_LOG("seed %u (S2MMU_FUZZ_SEED replays it)", self->seed);
}

FIXTURE_TEARDOWN(fz)
{
	if (self->checks)
		printf("# %u rejected calls checked (%llu ms): VM, slots, logs, tables unchanged\n",
		       self->checks,
		       (unsigned long long)(tst_now_ns() - self->start_ns) / 1000000);
	tst_destroy_vcpu(&self->vcpu);
	if (self->vm >= 0)
		close(self->vm);
	if (self->mem)
		munmap(self->mem, 4 * SLOT_SIZE);
	if (self->edge && self->edge != MAP_FAILED)
		munmap(self->edge, 2 * TST_PAGE);
	if (self->bitmap && self->bitmap != MAP_FAILED)
		munmap(self->bitmap, BIG_SIZE);
	if (self->big && self->big != MAP_FAILED)
		munmap(self->big, BIG_SIZE);
	free(self->xl);
	if (self->dev >= 0)
		close(self->dev);
}

/* Pointers no call may use: NULL, low, kernel, read-only, no access. */
static void bad_ptrs(struct _test_data_fz *self, __u64 p[5], bool written)
{
	p[0] = 0;
	p[1] = 8;
	p[2] = KERNEL_PTR;
	p[3] = written ? (uintptr_t)self->ro : (uintptr_t)self->none;
	p[4] = (uintptr_t)self->none;
}

/* ---- /dev/s2mmu ---------------------------------------------------- */

TEST_F(fz, dev_ioctls)
{
	static const unsigned long bad_args[] = { 1, 2, 0x80, 1UL << 32, ~0UL };
	unsigned long ipa_bad[] = {
		1, S2MMU_IPA_BITS_MIN - 1, self->feat.max_ipa_bits + 1,
		S2MMU_IPA_BITS_MAX + 1, 64, (1UL << 32) | 40, ~0UL,
	};
	__u64 p[5];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad_args); i++) {
		REJECT(self->dev, S2MMU_GET_API_VERSION, (void *)bad_args[i],
		       EINVAL, "GET_API_VERSION arg");
		REJECT(self->dev, S2MMU_GET_VCPU_MMAP_SIZE, (void *)bad_args[i],
		       EINVAL, "GET_VCPU_MMAP_SIZE arg");
	}
	for (i = 0; i < ARRAY_SIZE(ipa_bad); i++)
		REJECT(self->dev, S2MMU_CREATE_VM, (void *)ipa_bad[i], EINVAL,
		       "CREATE_VM ipa bits");
	bad_ptrs(self, p, true);
	for (i = 0; i < 5; i++) {
		REJECT(self->dev, S2MMU_GET_FEATURES, (void *)p[i], EFAULT,
		       "GET_FEATURES ptr");
		REJECT(self->dev, S2MMU_GET_MODULE_STATS, (void *)p[i], EFAULT,
		       "GET_MODULE_STATS ptr");
	}
}

/*
 * Every ioctl number of every direction and a few sizes that is not an
 * ioctl of that file: ENOTTY.  The full check runs after each batch of
 * 64 numbers, the cheap one (VM counters) after every call.
 */
static void sweep_unknown(struct __test_metadata *_metadata,
			  struct _test_data_fz *self, int fd,
			  const unsigned long *known, unsigned int nknown,
			  const char *what)
{
	static const unsigned int sizes[] = { 0, 4, 8, 16, 0x48, 0x90, 0x3fff };
	static const unsigned int dirs[] = {
		_IOC_NONE, _IOC_READ, _IOC_WRITE, _IOC_READ | _IOC_WRITE,
	};
	unsigned int nr, d, s, k, calls = 0;
	struct s2mmu_stats st;

	for (nr = 0; nr < 256; nr++) {
		for (d = 0; d < 4; d++) {
			for (s = 0; s < ARRAY_SIZE(sizes); s++) {
				unsigned long cmd = _IOC(dirs[d], S2MMUIO, nr, sizes[s]);
				bool is_known = false;
				long r;

				for (k = 0; k < nknown; k++)
					is_known |= known[k] == cmd;
				if (is_known)
					continue;
				r = xioctl(fd, cmd, self->bitmap);
				EXPECT_EQ(-ENOTTY, r) {
					TH_LOG("%s: cmd %#lx", what, cmd);
				}
				calls++;
			}
			tst_stats(self->vm, &st);
			EXPECT_EQ(0, memcmp(&st, &self->base.st_after, sizeof(st)));
		}
		if (nr % 64 == 63)
			EXPECT_TRUE(same_as_base(_metadata, self, what, __LINE__));
	}
	/* Another subsystem's type. */
	EXPECT_EQ(-ENOTTY, xioctl(fd, _IO(0xAE, 0x00), NULL));
	EXPECT_TRUE(same_as_base(_metadata, self, what, __LINE__));
	TH_LOG("%s: %u unknown numbers, all ENOTTY", what, calls);
}

TEST_F(fz, unknown_numbers)
{
	static const unsigned long dev_known[] = {
		S2MMU_GET_API_VERSION, S2MMU_GET_FEATURES, S2MMU_CREATE_VM,
		S2MMU_GET_VCPU_MMAP_SIZE, S2MMU_GET_MODULE_STATS,
	};
	static const unsigned long vm_known[] = {
		S2MMU_SET_USER_MEMORY_REGION, S2MMU_CREATE_VCPU, S2MMU_GET_STATS,
		S2MMU_ENABLE_CAP, S2MMU_GET_DIRTY_LOG, S2MMU_CLEAR_DIRTY_LOG,
		S2MMU_HW_TRANSLATE, S2MMU_DEBUG_TABLE_OP,
		S2MMU_SET_MEM_ACCESS, S2MMU_GET_MEM_ACCESS,
		S2MMU_MAP_INFO_PAGE, S2MMU_UNMAP_INFO_PAGE,
		S2MMU_CREATE_VIEW, S2MMU_DESTROY_VIEW, S2MMU_VIEW_CHANGE_GFN,
	};
	static const unsigned long vcpu_known[] = {
		S2MMU_VCPU_ACCESS, S2MMU_SWITCH_VIEW,
#ifdef S2MMU_RUN
		S2MMU_RUN, S2MMU_GET_ONE_REG, S2MMU_SET_ONE_REG,
		S2MMU_GET_REG_LIST, S2MMU_IRQ_LINE,
#endif
		S2MMU_TRANSLATE_GVA,
	};

	sweep_unknown(_metadata, self, self->dev, dev_known,
		      ARRAY_SIZE(dev_known), "/dev/s2mmu");
	sweep_unknown(_metadata, self, self->vm, vm_known,
		      ARRAY_SIZE(vm_known), "VM fd");
	sweep_unknown(_metadata, self, self->vcpu.fd, vcpu_known,
		      ARRAY_SIZE(vcpu_known), "vCPU fd");
}

/* ---- memory slots -------------------------------------------------- */

static struct s2mmu_userspace_memory_region
region(__u32 slot, __u32 flags, __u64 gpa, __u64 size, const void *uaddr)
{
	return (struct s2mmu_userspace_memory_region){
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = (uintptr_t)uaddr,
	};
}

TEST_F(fz, set_user_memory_region)
{
	const __u64 top = 1ULL << IPA_BITS;
	__u8 *spare = self->mem + 3 * SLOT_SIZE;
	struct s2mmu_userspace_memory_region good =
		region(5, 0, GPA_FREE, RO_SIZE, spare), r;
	__u64 p[5];
	unsigned int i;

	/* slot */
	r = good; r.slot = S2MMU_MEMSLOT_ID_LIMIT;
	REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, &r, EINVAL, "slot = limit");
	r = good; r.slot = 1U << 16;
	REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, &r, EINVAL, "slot = 1 << 16");
	r = good; r.slot = ~0U;
	REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, &r, EINVAL, "slot = ~0");
	/* flags: every unknown bit */
	for (i = 2; i < 32; i++) {
		r = good; r.flags = 1U << i;
		REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, &r, EINVAL,
		       "unknown flag");
	}
	/* guest_phys_addr: misaligned, beyond the IPA size, wrapping */
	for (i = 0; i < 12; i++) {
		r = good; r.guest_phys_addr += 1ULL << i;
		REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, &r, EINVAL,
		       "gpa misaligned");
	}
	r = good; r.guest_phys_addr = top - RO_SIZE / 2;
	REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, &r, EINVAL, "gpa end > top");
	r = good; r.guest_phys_addr = top;
	REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, &r, EINVAL, "gpa = top");
	r = good; r.guest_phys_addr = -RO_SIZE;
	REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, &r, EINVAL, "gpa wraps");
	r = good; r.guest_phys_addr = 1ULL << 63;
	REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, &r, EINVAL, "gpa bit 63");
	/* memory_size: misaligned, beyond, overflowing */
	for (i = 0; i < 12; i++) {
		r = good; r.memory_size += 1ULL << i;
		REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, &r, EINVAL,
		       "size misaligned");
	}
	r = good; r.memory_size = top;
	REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, &r, EINVAL, "size = 2^ipa");
	r = good; r.memory_size = -TST_PAGE;
	REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, &r, EINVAL, "size wraps");
	/* userspace_addr: misaligned, wrapping, not user memory */
	for (i = 0; i < 12; i++) {
		r = good; r.userspace_addr += 1ULL << i;
		REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, &r, EINVAL,
		       "uaddr misaligned");
	}
	r = good; r.userspace_addr = -TST_PAGE;
	REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, &r, EINVAL, "uaddr wraps");
	r = good; r.userspace_addr = KERNEL_PTR;
	REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, &r, EFAULT, "uaddr kernel");
	/* overlaps */
	r = good; r.guest_phys_addr = GPA_A - RO_SIZE / 2;
	REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, &r, EEXIST, "overlap below");
	r = good; r.guest_phys_addr = GPA_A + SLOT_SIZE - TST_PAGE;
	REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, &r, EEXIST, "overlap above");
	r = good; r.guest_phys_addr = GPA_C; r.memory_size = TST_PAGE;
	REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, &r, EEXIST, "overlap inside");
	r = good; r.guest_phys_addr = GPA_A - TST_PAGE; r.memory_size = 8 * SLOT_SIZE;
	REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, &r, EEXIST, "overlap around");
	/* an existing slot: size, backing and READONLY are fixed */
	r = region(0, 0, GPA_A, 2 * SLOT_SIZE, self->mem);
	REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, &r, EINVAL, "resize");
	r = region(0, 0, GPA_A, SLOT_SIZE, spare);
	REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, &r, EINVAL, "new uaddr");
	r = region(0, S2MMU_MEM_READONLY, GPA_A, SLOT_SIZE, self->mem);
	REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, &r, EINVAL, "set READONLY");
	r = region(2, 0, GPA_C, RO_SIZE, self->mem + 2 * SLOT_SIZE);
	REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, &r, EINVAL, "clear READONLY");
	r = region(0, 0, GPA_B + TST_PAGE, SLOT_SIZE, self->mem);
	REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, &r, EEXIST, "move onto slot 1");
	/*
	 * Deletes are validated like every other call (KVM checks alignment
	 * and flags first): a misaligned delete deletes nothing.
	 */
	r = region(7, 0, 0, 0, NULL);
	REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, &r, EINVAL, "delete no slot");
	r = region(0, 1U << 5, GPA_A, 0, self->mem);
	REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, &r, EINVAL, "delete bad flag");
	r = region(0, 0, GPA_A + 8, 0, self->mem);
	REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, &r, EINVAL, "delete gpa misaligned");
	r = region(0, 0, GPA_A, 0, self->mem + 8);
	REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, &r, EINVAL, "delete uaddr misaligned");
	r = region(0, 0, -TST_PAGE + 1, 0, self->mem);
	REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, &r, EINVAL, "delete gpa wraps");
	r = region(S2MMU_MEMSLOT_ID_LIMIT, 0, 0, 0, NULL);
	REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, &r, EINVAL, "delete id limit");
	/* the argument itself */
	bad_ptrs(self, p, false);
	for (i = 0; i < 5; i++)
		REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, (void *)p[i],
		       EFAULT, "arg ptr");
}

TEST_F(fz, create_vcpu_and_stats)
{
	static const unsigned long ids[] = {
		S2MMU_MAX_VCPUS, S2MMU_MAX_VCPUS + 1, 1UL << 31, 1UL << 32, ~0UL,
	};
	__u64 p[5];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ids); i++)
		REJECT(self->vm, S2MMU_CREATE_VCPU, (void *)ids[i], EINVAL,
		       "vcpu id");
	REJECT(self->vm, S2MMU_CREATE_VCPU, (void *)0, EEXIST, "vcpu id in use");
	bad_ptrs(self, p, true);
	for (i = 0; i < 5; i++)
		REJECT(self->vm, S2MMU_GET_STATS, (void *)p[i], EFAULT,
		       "GET_STATS ptr");
}

/* ---- memory access restrictions ------------------------------------- */

/*
 * A good SET would put slot A's first frame under "n" (it is rx now):
 * detectable if accepted.
 */
TEST_F(fz, mem_access)
{
	const __u64 top = 1ULL << (IPA_BITS - 12);
	struct s2mmu_mem_access good = {
		.gfn = GPA_A >> 12, .nr_pages = 1, .access = S2MMU_MEM_ACCESS_N,
	}, m;
	__u64 p[5];
	unsigned int i, b;

	m = good;
	m.access = S2MMU_MEM_ACCESS_RX;
	ASSERT_EQ(0, xioctl(self->vm, S2MMU_SET_MEM_ACCESS, &m));
	EXPECT_TRUE(same_as_base(_metadata, self, "set rx", __LINE__) == false);
	for (b = 0; b < 32; b++) {
		m = good; m.access = S2MMU_MEM_ACCESS_N2RWX + (1U << b);
		REJECT(self->vm, S2MMU_SET_MEM_ACCESS, &m, EINVAL, "access");
		m = good; m.flags = 1U << b;
		REJECT(self->vm, S2MMU_SET_MEM_ACCESS, &m, EINVAL, "flags");
	}
	for (b = 0; b < 64; b += 9) {
		m = good; m.reserved = 1ULL << b;
		REJECT(self->vm, S2MMU_SET_MEM_ACCESS, &m, EINVAL, "reserved");
	}
	for (b = 0; b < 32; b++) {
		m = good; m.pad = 1U << b;
		REJECT(self->vm, S2MMU_SET_MEM_ACCESS, &m, EINVAL, "pad");
		m = good; m.view = 1U << b;
		/* No view exists: in range -ENOENT, beyond -EINVAL. */
		REJECT(self->vm, S2MMU_SET_MEM_ACCESS, &m,
		       (1U << b) < S2MMU_MAX_VIEWS ? ENOENT : EINVAL, "view");
	}
	m = good; m.nr_pages = 0;
	REJECT(self->vm, S2MMU_SET_MEM_ACCESS, &m, EINVAL, "0 pages");
	m = good; m.gfn = top;
	REJECT(self->vm, S2MMU_SET_MEM_ACCESS, &m, EINVAL, "gfn = top");
	m = good; m.gfn = top - 1; m.nr_pages = 2;
	REJECT(self->vm, S2MMU_SET_MEM_ACCESS, &m, EINVAL, "end > top");
	m = good; m.nr_pages = top;
	REJECT(self->vm, S2MMU_SET_MEM_ACCESS, &m, EINVAL, "end = top + gfn");
	m = good; m.gfn = ~0ULL; m.nr_pages = 2;
	REJECT(self->vm, S2MMU_SET_MEM_ACCESS, &m, EINVAL, "range wraps");
	m = good; m.nr_pages = ~0ULL;
	REJECT(self->vm, S2MMU_SET_MEM_ACCESS, &m, EINVAL, "pages wrap");
	m = good; m.gfn = 0; m.nr_pages = S2MMU_MEM_ACCESS_MAX_PAGES + 1;
	REJECT(self->vm, S2MMU_SET_MEM_ACCESS, &m, E2BIG, "too many pages");
	bad_ptrs(self, p, false);
	for (i = 0; i < 5; i++)
		REJECT(self->vm, S2MMU_SET_MEM_ACCESS, (void *)p[i], EFAULT, "arg ptr");

	m = good; m.access = 0; m.nr_pages = 2;
	REJECT(self->vm, S2MMU_GET_MEM_ACCESS, &m, EINVAL, "get 2 pages");
	m = good; m.access = 0; m.nr_pages = 0;
	REJECT(self->vm, S2MMU_GET_MEM_ACCESS, &m, EINVAL, "get 0 pages");
	m = good; m.access = 1;
	REJECT(self->vm, S2MMU_GET_MEM_ACCESS, &m, EINVAL, "get access in");
	m = good; m.access = 0; m.gfn = top;
	REJECT(self->vm, S2MMU_GET_MEM_ACCESS, &m, EINVAL, "get gfn = top");
	for (b = 0; b < 32; b += 5) {
		m = good; m.access = 0; m.flags = 1U << b;
		REJECT(self->vm, S2MMU_GET_MEM_ACCESS, &m, EINVAL, "get flags");
		m = good; m.access = 0; m.reserved = 1ULL << b;
		REJECT(self->vm, S2MMU_GET_MEM_ACCESS, &m, EINVAL, "get reserved");
		m = good; m.access = 0; m.view = 1U << b;
		REJECT(self->vm, S2MMU_GET_MEM_ACCESS, &m,
		       (1U << b) < S2MMU_MAX_VIEWS ? ENOENT : EINVAL, "get view");
	}
	/* Read before written: a read-only page would be -EINVAL (zeros). */
	bad_ptrs(self, p, false);
	for (i = 0; i < 5; i++)
		REJECT(self->vm, S2MMU_GET_MEM_ACCESS, (void *)p[i], EFAULT, "get ptr");
	m = good; m.access = 0;
	ASSERT_EQ(0, xioctl(self->vm, S2MMU_GET_MEM_ACCESS, &m));
	EXPECT_EQ((__u32)S2MMU_MEM_ACCESS_RX, m.access);
}

/* ---- the info page ------------------------------------------------- */

static struct s2mmu_info_page_map info_map(__u64 gpa, __u32 flags,
					   __u32 padding)
{
	return (struct s2mmu_info_page_map){
		.guest_phys_addr = gpa, .flags = flags, .padding = padding,
	};
}

/* Refusals while the page is not mapped; the VM stays as it was. */
static void info_page_unmapped(struct __test_metadata *_metadata,
			       struct _test_data_fz *self)
{
	static const __u64 gpas[] = {
		GPA_FREE + 1, GPA_FREE + 0x800, 1ULL << IPA_BITS,
		(1ULL << IPA_BITS) + TST_PAGE, ~0ULL << 12, ~0ULL,
	};
	static const __u32 bits[] = { 1, 2, 0x80000000U, ~0U };
	struct s2mmu_info_page_map m;
	__u64 p[5];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(gpas); i++) {
		m = info_map(gpas[i], 0, 0);
		REJECT(self->vm, S2MMU_MAP_INFO_PAGE, &m, EINVAL, "info gpa");
	}
	for (i = 0; i < ARRAY_SIZE(bits); i++) {
		m = info_map(GPA_FREE, bits[i], 0);
		REJECT(self->vm, S2MMU_MAP_INFO_PAGE, &m, EINVAL, "info flags");
		m = info_map(GPA_FREE, 0, bits[i]);
		REJECT(self->vm, S2MMU_MAP_INFO_PAGE, &m, EINVAL, "info pad");
	}
	m = info_map(GPA_A, 0, 0);
	REJECT(self->vm, S2MMU_MAP_INFO_PAGE, &m, EEXIST, "info on slot 0");
	m = info_map(GPA_C + RO_SIZE - TST_PAGE, 0, 0);
	REJECT(self->vm, S2MMU_MAP_INFO_PAGE, &m, EEXIST, "info on slot 2");
	bad_ptrs(self, p, false);
	for (i = 0; i < 5; i++)
		REJECT(self->vm, S2MMU_MAP_INFO_PAGE, (void *)p[i], EFAULT,
		       "info ptr");
	REJECT(self->vm, S2MMU_UNMAP_INFO_PAGE, (void *)0, ENOENT,
	       "info unmap, not mapped");
}

/* Refusals while it is mapped at GPA_FREE. */
static void info_page_mapped(struct __test_metadata *_metadata,
			     struct _test_data_fz *self)
{
	static const unsigned long args[] = { 2, 4, 1UL << 31, ~0UL };
	struct s2mmu_userspace_memory_region r;
	struct s2mmu_info_page_map m;
	unsigned int i;

	m = info_map(GPA_FREE, 0, 0);
	REJECT(self->vm, S2MMU_MAP_INFO_PAGE, &m, EBUSY, "info twice");
	m = info_map(GPA_FREE + TST_2M, 0, 0);
	REJECT(self->vm, S2MMU_MAP_INFO_PAGE, &m, EBUSY, "info elsewhere");
	r = region(3, 0, GPA_FREE - TST_PAGE, 2 * TST_PAGE, self->mem);
	REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, &r, EEXIST,
	       "slot over the info page");
	r = region(0, 0, GPA_FREE - TST_PAGE, SLOT_SIZE, self->mem);
	REJECT(self->vm, S2MMU_SET_USER_MEMORY_REGION, &r, EEXIST,
	       "slot moved over the info page");
	for (i = 0; i < ARRAY_SIZE(args); i++)
		REJECT(self->vm, S2MMU_UNMAP_INFO_PAGE, (void *)args[i], EINVAL,
		       "info unmap arg");
}

TEST_F(fz, info_page)
{
	struct s2mmu_info_page_map m = info_map(GPA_FREE, 0, 0);

	info_page_unmapped(_metadata, self);
	ASSERT_EQ(0, xioctl(self->vm, S2MMU_MAP_INFO_PAGE, &m));
	take_snap(self, &self->base);	/* mapped: the new baseline */
	info_page_mapped(_metadata, self);
	ASSERT_EQ(0, tst_ioctl(self->vm, S2MMU_UNMAP_INFO_PAGE, 0));
	take_snap(self, &self->base);
	info_page_unmapped(_metadata, self);
}

/* ---- dirty logging ------------------------------------------------- */

TEST_F(fz, enable_cap)
{
	/* A good call would turn manual protect on: detectable if accepted. */
	struct s2mmu_enable_cap good = {
		.cap = S2MMU_CAP_MANUAL_DIRTY_LOG_PROTECT, .args = { 1 },
	}, c;
	__u64 p[5];
	unsigned int i, b;

	c = good; c.cap = 0;
	REJECT(self->vm, S2MMU_ENABLE_CAP, &c, EINVAL, "cap 0");
	c = good; c.cap = 2;
	REJECT(self->vm, S2MMU_ENABLE_CAP, &c, EINVAL, "cap 2");
	c = good; c.cap = ~0U;
	REJECT(self->vm, S2MMU_ENABLE_CAP, &c, EINVAL, "cap ~0");
	for (b = 0; b < 32; b++) {
		c = good; c.flags = 1U << b;
		REJECT(self->vm, S2MMU_ENABLE_CAP, &c, EINVAL, "flags");
	}
	c = good; c.args[0] = 2;
	REJECT(self->vm, S2MMU_ENABLE_CAP, &c, EINVAL, "args[0] = 2");
	for (b = 1; b < 64; b += 7) {
		c = good; c.args[0] = 1ULL << b;
		REJECT(self->vm, S2MMU_ENABLE_CAP, &c, EINVAL, "args[0] bit");
	}
	for (i = 1; i < 4; i++) {
		for (b = 0; b < 64; b += 21) {
			c = good; c.args[i] = 1ULL << b;
			REJECT(self->vm, S2MMU_ENABLE_CAP, &c, EINVAL, "args[1..3]");
		}
	}
	for (i = 0; i < sizeof(good.pad); i++) {
		c = good; c.pad[i] = 1 << (i % 8);
		REJECT(self->vm, S2MMU_ENABLE_CAP, &c, EINVAL, "pad");
	}
	bad_ptrs(self, p, false);
	for (i = 0; i < 5; i++)
		REJECT(self->vm, S2MMU_ENABLE_CAP, (void *)p[i], EFAULT, "arg ptr");
}

TEST_F(fz, get_dirty_log)
{
	struct s2mmu_dirty_log good = {
		.slot = 1, .dirty_bitmap = (uintptr_t)self->bitmap,
	}, l;
	__u64 p[5], *edge;
	unsigned int i;

	l = good; l.slot = 3;
	REJECT(self->vm, S2MMU_GET_DIRTY_LOG, &l, EINVAL, "no such slot");
	l = good; l.slot = 0;
	REJECT(self->vm, S2MMU_GET_DIRTY_LOG, &l, ENOENT, "slot does not log");
	l = good; l.slot = 2;
	REJECT(self->vm, S2MMU_GET_DIRTY_LOG, &l, ENOENT, "read-only slot");
	l = good; l.slot = S2MMU_MEMSLOT_ID_LIMIT;
	REJECT(self->vm, S2MMU_GET_DIRTY_LOG, &l, EINVAL, "slot limit");
	l = good; l.slot = ~0U;
	REJECT(self->vm, S2MMU_GET_DIRTY_LOG, &l, EINVAL, "slot ~0");
	for (i = 0; i < 32; i++) {
		l = good; l.padding = 1U << i;
		REJECT(self->vm, S2MMU_GET_DIRTY_LOG, &l, EINVAL, "padding");
	}
	/* Without manual protect a GET clears: a bad bitmap must not. */
	bad_ptrs(self, p, true);
	edge = (__u64 *)(self->none) - LOG_WORDS + 1;	/* last word unmapped */
	for (i = 0; i < 5; i++) {
		l = good; l.dirty_bitmap = p[i];
		REJECT(self->vm, S2MMU_GET_DIRTY_LOG, &l, EFAULT, "bitmap ptr");
	}
	bad_ptrs(self, p, false);
	for (i = 0; i < 5; i++)
		REJECT(self->vm, S2MMU_GET_DIRTY_LOG, (void *)p[i], EFAULT,
		       "arg ptr");
	l = good; l.dirty_bitmap = (uintptr_t)edge;
	if (mmap(self->none - TST_PAGE, TST_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) !=
	    MAP_FAILED)
		REJECT(self->vm, S2MMU_GET_DIRTY_LOG, &l, EFAULT,
		       "bitmap ends unmapped");
}

TEST_F(fz, clear_dirty_log)
{
	/* All ones: an accepted call would clear pages 0 and 5. */
	struct s2mmu_clear_dirty_log good = {
		.slot = 1, .first_page = 0, .num_pages = 64,
		.dirty_bitmap = (uintptr_t)self->big,
	}, c;
	__u64 p[5];
	unsigned int i;

	memset(self->big, 0xff, LOG_WORDS * 8);
	/* Without manual protect: EINVAL, whatever the rest says. */
	REJECT(self->vm, S2MMU_CLEAR_DIRTY_LOG, &good, EINVAL, "not manual");
	ASSERT_EQ(0, manual_enable(self->vm, 1));
	self->manual_on = true;
	take_snap(self, &self->base);
	ASSERT_EQ(0, self->base.manual);

	c = good; c.slot = 3;
	REJECT(self->vm, S2MMU_CLEAR_DIRTY_LOG, &c, EINVAL, "no such slot");
	c = good; c.slot = 0;
	REJECT(self->vm, S2MMU_CLEAR_DIRTY_LOG, &c, ENOENT, "slot does not log");
	c = good; c.slot = S2MMU_MEMSLOT_ID_LIMIT;
	REJECT(self->vm, S2MMU_CLEAR_DIRTY_LOG, &c, EINVAL, "slot limit");
	c = good; c.slot = ~0U;
	REJECT(self->vm, S2MMU_CLEAR_DIRTY_LOG, &c, EINVAL, "slot ~0");
	for (i = 0; i < 6; i++) {
		c = good; c.first_page = 1ULL << i;
		REJECT(self->vm, S2MMU_CLEAR_DIRTY_LOG, &c, EINVAL,
		       "first_page not a multiple of 64");
	}
	c = good; c.first_page = SLOT_PAGES + 64;
	REJECT(self->vm, S2MMU_CLEAR_DIRTY_LOG, &c, EINVAL, "first_page beyond");
	c = good; c.first_page = ~63ULL;
	REJECT(self->vm, S2MMU_CLEAR_DIRTY_LOG, &c, EINVAL, "first_page huge");
	c = good; c.num_pages = SLOT_PAGES + 1;
	REJECT(self->vm, S2MMU_CLEAR_DIRTY_LOG, &c, EINVAL, "num_pages beyond");
	c = good; c.num_pages = 65;
	REJECT(self->vm, S2MMU_CLEAR_DIRTY_LOG, &c, EINVAL, "num_pages not x64");
	c = good; c.num_pages = 1;
	REJECT(self->vm, S2MMU_CLEAR_DIRTY_LOG, &c, EINVAL, "num_pages 1");
	c = good; c.num_pages = ~0U;
	REJECT(self->vm, S2MMU_CLEAR_DIRTY_LOG, &c, EINVAL, "num_pages ~0");
	c = good; c.first_page = SLOT_PAGES - 64; c.num_pages = 128;
	REJECT(self->vm, S2MMU_CLEAR_DIRTY_LOG, &c, EINVAL, "range beyond");
	bad_ptrs(self, p, false);
	for (i = 0; i < 5; i++) {
		c = good; c.dirty_bitmap = p[i];
		REJECT(self->vm, S2MMU_CLEAR_DIRTY_LOG, &c, EFAULT, "bitmap ptr");
	}
	for (i = 0; i < 5; i++)
		REJECT(self->vm, S2MMU_CLEAR_DIRTY_LOG, (void *)p[i], EFAULT,
		       "arg ptr");
}

/*
 * CLEAR reads its bitmap a chunk (32768 pages) at a time: a bitmap whose
 * second chunk is unreadable must fail the call before the first chunk's
 * pages are cleared and write-protected.
 */
TEST_F(fz, clear_dirty_log_bitmap_ends_unreadable)
{
	const __u64 pages = 65536, gpa = 0x100000000ULL;
	__u8 *mem = mmap(NULL, pages * TST_PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	__u8 *bm = mmap(NULL, 2 * TST_PAGE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct s2mmu_clear_dirty_log c = {
		.slot = 4, .first_page = 0, .num_pages = pages,
		.dirty_bitmap = (uintptr_t)bm,
	};
	__u64 v = 9, *log = (__u64 *)self->big;

	ASSERT_NE(MAP_FAILED, mem);
	ASSERT_NE(MAP_FAILED, bm);
	ASSERT_EQ(0, tst_set_region(self->vm, 4, S2MMU_MEM_LOG_DIRTY_PAGES,
				    gpa, pages * TST_PAGE, mem));
	ASSERT_EQ(0, tst_access(&self->vcpu, gpa + 3 * TST_PAGE, &v, 8,
				S2MMU_ACCESS_WRITE, NULL));
	ASSERT_EQ(0, manual_enable(self->vm, 1));
	self->manual_on = true;
	memset(bm, 0xff, TST_PAGE);
	ASSERT_EQ(0, mprotect(bm + TST_PAGE, TST_PAGE, PROT_NONE));
	take_snap(self, &self->base);
	REJECT(self->vm, S2MMU_CLEAR_DIRTY_LOG, &c, EFAULT,
	       "bitmap's second chunk unreadable");
	ASSERT_EQ(0, tst_get_dirty_log(self->vm, 4, log));
	EXPECT_EQ(1ULL << 3, log[0]);
	munmap(bm, 2 * TST_PAGE);
	munmap(mem, pages * TST_PAGE);
}

/* ---- hardware translation ------------------------------------------ */

TEST_F(fz, hw_translate)
{
	struct s2mmu_hw_xlate e[2] = {
		{ .ipa = GPA_A, .access = S2MMU_HWT_READ },
		{ .ipa = GPA_B, .access = S2MMU_HWT_WRITE },
	}, ecopy[2], *ro_e;
	struct s2mmu_hw_translate good = { .nr = 2, .entries = (uintptr_t)e }, t;
	__u64 p[5];
	unsigned int i, b;

	if (!hw_at(self)) {
		REJECT(self->vm, S2MMU_HW_TRANSLATE, &good, EOPNOTSUPP, "no EL2");
		return;
	}
	memcpy(ecopy, e, sizeof(e));
	t = good; t.nr = 0;
	REJECT(self->vm, S2MMU_HW_TRANSLATE, &t, EINVAL, "nr 0");
	t = good; t.nr = S2MMU_HWT_MAX + 1;
	REJECT(self->vm, S2MMU_HW_TRANSLATE, &t, E2BIG, "nr > max");
	t = good; t.nr = ~0U;
	REJECT(self->vm, S2MMU_HW_TRANSLATE, &t, E2BIG, "nr ~0");
	for (b = 2; b < 32; b++) {
		t = good; t.flags = 1U << b;
		REJECT(self->vm, S2MMU_HW_TRANSLATE, &t, EINVAL, "flags");
	}
	for (b = 0; b < 32; b += 5) {
		t = good; t.reserved0 = 1U << b;
		REJECT(self->vm, S2MMU_HW_TRANSLATE, &t, EINVAL, "reserved0");
	}
	for (i = 0; i < 2; i++) {
		for (b = 0; b < 64; b += 9) {
			t = good; t.reserved[i] = 1ULL << b;
			REJECT(self->vm, S2MMU_HW_TRANSLATE, &t, EINVAL, "reserved[]");
		}
	}
	/* Entries: each input field of the second one. */
	for (b = 1; b < 32; b += 3) {
		memcpy(e, ecopy, sizeof(e)); e[1].access = 1U << b;
		REJECT(self->vm, S2MMU_HW_TRANSLATE, &good, EINVAL, "access");
	}
	for (b = 0; b < 32; b += 4) {
		memcpy(e, ecopy, sizeof(e)); e[1].reserved = 1U << b;
		REJECT(self->vm, S2MMU_HW_TRANSLATE, &good, EINVAL, "entry reserved");
	}
	for (i = 0; i < sizeof(e[1].pad); i++) {
		memcpy(e, ecopy, sizeof(e)); e[1].pad[i] = 0x80 >> i;
		REJECT(self->vm, S2MMU_HW_TRANSLATE, &good, EINVAL, "entry pad");
	}
	memcpy(e, ecopy, sizeof(e)); e[1].ipa = 1ULL << self->feat.pa_bits;
	REJECT(self->vm, S2MMU_HW_TRANSLATE, &good, EINVAL, "ipa >= 2^pa_bits");
	memcpy(e, ecopy, sizeof(e)); e[1].ipa = ~0ULL;
	REJECT(self->vm, S2MMU_HW_TRANSLATE, &good, EINVAL, "ipa ~0");
	memcpy(e, ecopy, sizeof(e));
	/* Pointers: entries, the argument, and copy-out targets read-only. */
	bad_ptrs(self, p, true);
	for (i = 0; i < 5; i++) {
		t = good; t.entries = p[i];
		REJECT(self->vm, S2MMU_HW_TRANSLATE, &t, EFAULT, "entries ptr");
	}
	bad_ptrs(self, p, false);
	for (i = 0; i < 5; i++)
		REJECT(self->vm, S2MMU_HW_TRANSLATE, (void *)p[i], EFAULT, "arg ptr");
	/* Readable but not writable: nothing may be translated or counted. */
	ro_e = mmap(NULL, TST_PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro_e);
	memcpy(ro_e, ecopy, sizeof(ecopy));
	t = good; t.entries = (uintptr_t)ro_e;
	memcpy((void *)(ro_e + 2), &t, sizeof(t));
	ASSERT_EQ(0, mprotect(ro_e, TST_PAGE, PROT_READ));
	REJECT(self->vm, S2MMU_HW_TRANSLATE, &t, EFAULT, "entries read-only");
	REJECT(self->vm, S2MMU_HW_TRANSLATE, ro_e + 2, EFAULT, "arg read-only");
	munmap(ro_e, TST_PAGE);
}

TEST_F(fz, hw_translate_no_debug_table)
{
	struct s2mmu_hw_xlate e = { .ipa = DBG_IPA };
	struct s2mmu_hw_translate t = {
		.nr = 1, .flags = S2MMU_HWT_DEBUG_TABLE, .entries = (uintptr_t)&e,
	};
	int vm2 = tst_create_vm(self->dev, IPA_BITS);

	ASSERT_LE(0, vm2);
	take_snap(self, &self->base);
	REJECT(vm2, S2MMU_HW_TRANSLATE, &t, hw_at(self) ? ENOENT : EOPNOTSUPP,
	       "no debug table yet");
	close(vm2);
}

/* ---- the debug table ----------------------------------------------- */

static struct s2mmu_debug_table_op dbg_op(__u32 op, __u64 ipa, __u64 size,
					  __u64 pa, __u32 prot)
{
	return (struct s2mmu_debug_table_op){
		.op = op, .ipa = ipa, .size = size, .pa = pa, .prot = prot,
	};
}

TEST_F(fz, debug_table_op)
{
	const __u64 top = 1ULL << IPA_BITS;
	const __u32 rw = S2MMU_DBG_PROT_R | S2MMU_DBG_PROT_W;
	unsigned int oa_bits = self->feat.pa_bits < 48 ? self->feat.pa_bits : 48;
	/* Goods that would change the table if accepted. */
	struct s2mmu_debug_table_op map = dbg_op(S2MMU_DBG_MAP, DBG_IPA + TST_2M,
						 TST_2M, DBG_PA, rw);
	struct s2mmu_debug_table_op ops[] = {
		map,
		dbg_op(S2MMU_DBG_UNMAP, DBG_IPA, TST_2M, 0, 0),
		dbg_op(S2MMU_DBG_WRPROTECT, DBG_IPA, TST_2M, 0, 0),
		dbg_op(S2MMU_DBG_RELAX, DBG_PTE_IPA, TST_PAGE, 0, rw),
		dbg_op(S2MMU_DBG_CLEAR_YOUNG, DBG_IPA, TST_2M, 0, 0),
		dbg_op(S2MMU_DBG_SPLIT, DBG_IPA, TST_2M, 0, 0),
		dbg_op(S2MMU_DBG_MKYOUNG, DBG_PTE_IPA, 0, 0, 0),
		dbg_op(S2MMU_DBG_RESET, 0, 0, 0, 0),
	}, o;
	__u64 p[5];
	unsigned int i, k, b;

	if (!hw_at(self)) {
		REJECT(self->vm, S2MMU_DEBUG_TABLE_OP, &map, EOPNOTSUPP, "no EL2");
		return;
	}
	o = map; o.op = S2MMU_DBG_RESET + 1;
	REJECT(self->vm, S2MMU_DEBUG_TABLE_OP, &o, EINVAL, "op");
	o = map; o.op = ~0U;
	REJECT(self->vm, S2MMU_DEBUG_TABLE_OP, &o, EINVAL, "op ~0");
	for (b = 5; b < 32; b++) {
		o = map; o.prot = rw | 1U << b;
		REJECT(self->vm, S2MMU_DEBUG_TABLE_OP, &o, EINVAL, "prot");
	}
	o = map; o.prot = S2MMU_DBG_PROT_DEVICE | S2MMU_DBG_PROT_NC;
	REJECT(self->vm, S2MMU_DEBUG_TABLE_OP, &o, EINVAL, "device + nc");
	for (k = 0; k < ARRAY_SIZE(ops); k++) {
		for (b = 2; b < 32; b += 3) {
			o = ops[k]; o.flags = 1U << b;
			REJECT(self->vm, S2MMU_DEBUG_TABLE_OP, &o, EINVAL, "flags");
		}
		for (b = 0; b < 32; b += 7) {
			o = ops[k]; o.reserved0 = 1U << b;
			REJECT(self->vm, S2MMU_DEBUG_TABLE_OP, &o, EINVAL, "reserved0");
		}
		for (i = 0; i < 2; i++) {
			o = ops[k]; o.reserved[i] = 1ULL << (i * 40 + k);
			REJECT(self->vm, S2MMU_DEBUG_TABLE_OP, &o, EINVAL, "reserved[]");
		}
		for (b = 0; b < 12; b += 3) {
			o = ops[k]; o.ipa |= 1ULL << b;
			REJECT(self->vm, S2MMU_DEBUG_TABLE_OP, &o, EINVAL, "ipa misaligned");
			o = ops[k]; o.size |= 1ULL << b;
			REJECT(self->vm, S2MMU_DEBUG_TABLE_OP, &o, EINVAL, "size misaligned");
		}
		o = ops[k]; o.ipa = -TST_2M; o.size = 2 * TST_2M;
		REJECT(self->vm, S2MMU_DEBUG_TABLE_OP, &o, EINVAL, "range wraps");
		/* Only the exclusive operations refuse the shared mode. */
		o = ops[k]; o.flags = S2MMU_DBG_SHARED;
		if (o.op != S2MMU_DBG_MAP && o.op != S2MMU_DBG_RELAX &&
		    o.op != S2MMU_DBG_MKYOUNG)
			REJECT(self->vm, S2MMU_DEBUG_TABLE_OP, &o, EINVAL, "shared");
		if (ops[k].op == S2MMU_DBG_RELAX || ops[k].op == S2MMU_DBG_MKYOUNG ||
		    ops[k].op == S2MMU_DBG_RESET)
			continue;	/* one IPA or none: no range */
		o = ops[k]; o.ipa = top - TST_2M / 2;
		REJECT(self->vm, S2MMU_DEBUG_TABLE_OP, &o, ERANGE, "range beyond ipa");
		o = ops[k]; o.ipa = top;
		REJECT(self->vm, S2MMU_DEBUG_TABLE_OP, &o, ERANGE, "ipa = top");
		o = ops[k]; o.size = 0;
		REJECT(self->vm, S2MMU_DEBUG_TABLE_OP, &o, EINVAL, "size 0");
	}
	/* RELAX and MKYOUNG: one IPA, beyond the IPA size or with no leaf. */
	o = ops[3]; o.ipa = top;
	REJECT(self->vm, S2MMU_DEBUG_TABLE_OP, &o, ERANGE, "relax ipa = top");
	o = ops[3]; o.ipa = GPA_FREE;
	REJECT(self->vm, S2MMU_DEBUG_TABLE_OP, &o, ENOENT, "relax no leaf");
	o = dbg_op(S2MMU_DBG_MKYOUNG, GPA_FREE, 0, 0, 0);
	REJECT(self->vm, S2MMU_DEBUG_TABLE_OP, &o, ENOENT, "mkyoung no leaf");
	o.ipa = top;
	REJECT(self->vm, S2MMU_DEBUG_TABLE_OP, &o, ERANGE, "mkyoung ipa = top");
	/* MAP: the output address range, and its alignment. */
	o = map; o.pa = (1ULL << oa_bits) - TST_2M / 2 - TST_2M / 2 + TST_PAGE;
	REJECT(self->vm, S2MMU_DEBUG_TABLE_OP, &o, EINVAL, "pa end beyond");
	o = map; o.pa = 1ULL << oa_bits;
	REJECT(self->vm, S2MMU_DEBUG_TABLE_OP, &o, EINVAL, "pa = 2^oa");
	o = map; o.pa = -TST_2M;
	REJECT(self->vm, S2MMU_DEBUG_TABLE_OP, &o, EINVAL, "pa wraps");
	for (b = 0; b < 12; b += 3) {
		o = map; o.pa |= 1ULL << b;
		REJECT(self->vm, S2MMU_DEBUG_TABLE_OP, &o, EINVAL, "pa misaligned");
	}
	bad_ptrs(self, p, false);
	for (i = 0; i < 5; i++)
		REJECT(self->vm, S2MMU_DEBUG_TABLE_OP, (void *)p[i], EFAULT,
		       "arg ptr");
}

/* A debug-table call that fails creates no table. */
TEST_F(fz, debug_table_not_created_by_failure)
{
	struct s2mmu_debug_table_op o[] = {
		dbg_op(S2MMU_DBG_MAP, 1ULL << IPA_BITS, TST_2M, 0, S2MMU_DBG_PROT_R),
		dbg_op(S2MMU_DBG_CLEAR_YOUNG, 1ULL << IPA_BITS, TST_2M, 0, 0),
		dbg_op(S2MMU_DBG_CLEAR_YOUNG, 0, 0, 0, 0),
		dbg_op(S2MMU_DBG_RELAX, 0, 0, 0, S2MMU_DBG_PROT_R),
		dbg_op(S2MMU_DBG_MKYOUNG, 0, 0, 0, 0),
	};
	const int err[] = { ERANGE, ERANGE, EINVAL, ENOENT, ENOENT };
	struct s2mmu_hw_xlate e = { .ipa = 0 };
	struct s2mmu_hw_translate t = {
		.nr = 1, .flags = S2MMU_HWT_DEBUG_TABLE, .entries = (uintptr_t)&e,
	};
	struct s2mmu_module_stats before, after;
	unsigned int i;
	int vm2;

	if (!hw_at(self))
		SKIP(return, "no EL2 hardware translation");
	vm2 = tst_create_vm(self->dev, IPA_BITS);
	ASSERT_LE(0, vm2);
	for (i = 0; i < ARRAY_SIZE(o); i++) {
		ASSERT_EQ(0, tst_module_stats(self->dev, &before));
		EXPECT_EQ(-err[i], xioctl(vm2, S2MMU_DEBUG_TABLE_OP, &o[i])) {
			TH_LOG("op %u", o[i].op);
		}
		ASSERT_EQ(0, tst_module_stats(self->dev, &after));
		EXPECT_EQ(before.table_pages, after.table_pages) {
			TH_LOG("op %u allocated a table", o[i].op);
		}
		EXPECT_EQ(-ENOENT, xioctl(vm2, S2MMU_HW_TRANSLATE, &t)) {
			TH_LOG("op %u created the debug table", o[i].op);
		}
	}
	close(vm2);
}

/* ---- vCPU ---------------------------------------------------------- */

TEST_F(fz, vcpu_access)
{
	const __u64 top = 1ULL << IPA_BITS;
	__u64 buf[2];
	struct s2mmu_vcpu_access good = {
		.ipa = GPA_A, .buf = (uintptr_t)buf, .len = 8,
		.kind = S2MMU_ACCESS_READ,
	}, a;
	__u64 p[5];
	unsigned int i, b;

	for (b = 2; b < 32; b++) {
		a = good; a.kind = 1U << b | (b & 1);
		REJECT(self->vcpu.fd, S2MMU_VCPU_ACCESS, &a, EINVAL, "kind");
	}
	a = good; a.kind = 3;
	REJECT(self->vcpu.fd, S2MMU_VCPU_ACCESS, &a, EINVAL, "kind 3");
	for (b = 0; b < 32; b++) {
		a = good; a.flags = 1U << b;
		REJECT(self->vcpu.fd, S2MMU_VCPU_ACCESS, &a, EINVAL, "flags");
	}
	for (i = 0; i < 2; i++) {
		for (b = 0; b < 64; b += 9) {
			a = good; a.reserved[i] = 1ULL << b;
			REJECT(self->vcpu.fd, S2MMU_VCPU_ACCESS, &a, EINVAL,
			       "reserved[]");
		}
	}
	a = good; a.len = 0;
	REJECT(self->vcpu.fd, S2MMU_VCPU_ACCESS, &a, EINVAL, "len 0");
	a = good; a.len = S2MMU_ACCESS_MAX_LEN + 1;
	REJECT(self->vcpu.fd, S2MMU_VCPU_ACCESS, &a, EINVAL, "len > max");
	a = good; a.len = ~0U;
	REJECT(self->vcpu.fd, S2MMU_VCPU_ACCESS, &a, EINVAL, "len ~0");
	a = good; a.ipa = top - 4;
	REJECT(self->vcpu.fd, S2MMU_VCPU_ACCESS, &a, EINVAL, "ipa crosses top");
	a = good; a.ipa = top;
	REJECT(self->vcpu.fd, S2MMU_VCPU_ACCESS, &a, EINVAL, "ipa = top");
	a = good; a.ipa = ~0ULL - 3;
	REJECT(self->vcpu.fd, S2MMU_VCPU_ACCESS, &a, EINVAL, "ipa wraps");
	a = good; a.ipa = 1ULL << 63;
	REJECT(self->vcpu.fd, S2MMU_VCPU_ACCESS, &a, EINVAL, "ipa bit 63");
	/* Bad data buffers, both directions. */
	bad_ptrs(self, p, true);
	for (i = 0; i < 5; i++) {
		a = good; a.buf = p[i];
		REJECT(self->vcpu.fd, S2MMU_VCPU_ACCESS, &a, EFAULT, "read buf");
		/* A write reads @buf: the read-only page is fine for it. */
		a = good; a.buf = p[i] == (uintptr_t)self->ro ? p[4] : p[i];
		a.kind = S2MMU_ACCESS_WRITE;
		a.ipa = GPA_A + TST_PAGE;	/* mapped writable: no fault */
		REJECT(self->vcpu.fd, S2MMU_VCPU_ACCESS, &a, EFAULT, "write buf");
	}
	/* A buffer checked before the access: the page is never mapped. */
	a = good; a.buf = p[3]; a.ipa = GPA_A + 2 * TST_PAGE;
	REJECT(self->vcpu.fd, S2MMU_VCPU_ACCESS, &a, EFAULT, "read buf, unmapped ipa");
	a = good; a.buf = p[4]; a.ipa = GPA_A + 2 * TST_PAGE; a.kind = S2MMU_ACCESS_WRITE;
	REJECT(self->vcpu.fd, S2MMU_VCPU_ACCESS, &a, EFAULT, "write buf, unmapped ipa");
	bad_ptrs(self, p, false);
	for (i = 0; i < 5; i++)
		REJECT(self->vcpu.fd, S2MMU_VCPU_ACCESS, (void *)p[i], EFAULT,
		       "arg ptr");
	a = good; a.buf = -8ULL; a.len = 16;
	REJECT(self->vcpu.fd, S2MMU_VCPU_ACCESS, &a, EFAULT, "buf wraps");
}

/*
 * S2MMU_TRANSLATE_GVA: every input field out of range is -EINVAL, a bad
 * argument pointer -EFAULT, and neither changes anything (the gva_*
 * counters included).  A good call answers (the reset vCPU's MMU is off:
 * the VA is the IPA) and counts one translation.
 */
TEST_F(fz, translate_gva)
{
	struct s2mmu_translate_gva good = {
		.gva = GPA_A, .access = S2MMU_GVA_READ, .el = 1,
	}, a;
	struct s2mmu_stats before, after;
	__u64 p[5];
	unsigned int i, b;

	for (b = 0; b < 32; b++) {
		a = good; a.access = 3 + b * 0x01010101U;
		REJECT(self->vcpu.fd, S2MMU_TRANSLATE_GVA, &a, EINVAL, "access");
		a = good; a.el = 2 + (b ? 1U << b : 0);
		REJECT(self->vcpu.fd, S2MMU_TRANSLATE_GVA, &a, EINVAL, "el");
		if (b) {
			a = good; a.flags = 1U << b;
			REJECT(self->vcpu.fd, S2MMU_TRANSLATE_GVA, &a, EINVAL,
			       "flags");
		}
	}
	for (i = 0; i < 3; i++) {
		a = good; a.pad[i] = 1 << i;
		REJECT(self->vcpu.fd, S2MMU_TRANSLATE_GVA, &a, EINVAL, "pad");
	}
	for (i = 0; i < 2; i++) {
		for (b = 0; b < 64; b += 9) {
			a = good; a.reserved[i] = 1ULL << b;
			REJECT(self->vcpu.fd, S2MMU_TRANSLATE_GVA, &a, EINVAL,
			       "reserved[]");
		}
	}
	bad_ptrs(self, p, false);
	for (i = 0; i < 5; i++)
		REJECT(self->vcpu.fd, S2MMU_TRANSLATE_GVA, (void *)p[i], EFAULT,
		       "arg ptr");

	ASSERT_EQ(0, tst_stats(self->vm, &before));
	a = good;
	ASSERT_EQ(0, xioctl(self->vcpu.fd, S2MMU_TRANSLATE_GVA, &a));
	ASSERT_EQ(0, tst_stats(self->vm, &after));
	EXPECT_NE(0U, a.how);
	EXPECT_EQ(GPA_A, a.ipa);
	EXPECT_TRUE(!!(a.result & S2MMU_GVA_R_IPA));
	EXPECT_EQ(1ULL, after.gva_hw + after.gva_fallbacks + after.gva_sw -
			before.gva_hw - before.gva_fallbacks - before.gva_sw);
	take_snap(self, &self->base);
}

/* Ids of no register: other architectures, classes, indices, encodings. */
static const __u64 unknown_reg_ids[] = {
	S2MMU_REG_ARM64 | S2MMU_REG_SIZE_U64,
	S2MMU_REG_CORE(regs[0]) ^ S2MMU_REG_ARM64 ^ 0x4000000000000000ULL,
	S2MMU_REG_CORE(regs[0]) ^ S2MMU_REG_ARM64 ^ 0x2000000000000000ULL,
	S2MMU_REG_CORE(regs[0]) | 0x1000000000000000ULL,
	S2MMU_REG_CORE(regs[0]) | 0x0100000000000000ULL,
	S2MMU_REG_CORE(regs[0]) | 1ULL << 32,
	S2MMU_REG_CORE(regs[0]) | 1ULL << 40,
	S2MMU_REG_CORE(regs[0]) | 1ULL << 51,
	S2MMU_REG_CORE(regs[0]) + 1,
	S2MMU_REG_CORE(regs[30]) + 1,
	S2MMU_REG_CORE(spsr[1]),
	S2MMU_REG_CORE(spsr[4]),
	S2MMU_REG_CORE(pad),
	S2MMU_REG_CORE(vregs[0]) + 1,
	S2MMU_REG_CORE(vregs[0]) + 2,
	S2MMU_REG_CORE(vregs[31]) + 3,
	S2MMU_REG_CORE(fp_reserved[0]),
	S2MMU_REG_CORE(fp_reserved[1]),
	S2MMU_REG_ARM64 | S2MMU_REG_SIZE_U64 | S2MMU_REG_ARM_CORE |
		sizeof(struct s2mmu_core_regs) / 4,
	S2MMU_REG_ARM64 | S2MMU_REG_SIZE_U64 | S2MMU_REG_ARM_CORE | 0xffff,
	S2MMU_REG_ARM64 | S2MMU_REG_SIZE_U64 | 0x00110000ULL,	/* demux */
	S2MMU_REG_ARM64 | S2MMU_REG_SIZE_U64 | 0x00140000ULL,	/* firmware */
	S2MMU_REG_ARM64 | S2MMU_REG_SIZE_U64 | 0x00150000ULL,	/* SVE */
	S2MMU_REG_ARM64 | S2MMU_REG_SIZE_U64 | 0xffff0000ULL,
	S2MMU_REG_SCTLR_EL1 ^ S2MMU_REG_ARM64_SYSREG ^ 0x00120000ULL,
	S2MMU_REG_SYS(3, 4, 1, 1, 0),	/* HCR_EL2 */
	S2MMU_REG_SYS(3, 4, 1, 0, 0),	/* SCTLR_EL2 */
	S2MMU_REG_SYS(3, 4, 2, 1, 0),	/* VTTBR_EL2 */
	S2MMU_REG_SYS(3, 0, 0, 0, 0),	/* MIDR_EL1 */
	S2MMU_REG_SYS(3, 0, 0, 4, 0),	/* ID_AA64PFR0_EL1 */
	S2MMU_REG_SYS(3, 3, 14, 0, 2),	/* CNTVCT_EL0 */
	S2MMU_REG_SYS(3, 3, 14, 3, 0),	/* CNTV_TVAL_EL0 */
	S2MMU_REG_SYS(2, 0, 0, 2, 2),	/* MDSCR_EL1 */
	S2MMU_REG_SYS(3, 5, 1, 0, 0),	/* SCTLR_EL12 */
	S2MMU_REG_SYS(3, 6, 1, 0, 0),	/* SCTLR_EL3 */
	S2MMU_REG_SYS(0, 0, 1, 0, 0),
	S2MMU_REG_SYS(3, 7, 15, 15, 7),
};

/*
 * The errno GET/SET_ONE_REG owe @id: 0 listed, EINVAL listed with another
 * size, ENOENT not listed.
 */
static int expected_reg_err(const struct _test_data_fz *self, __u64 id)
{
	unsigned int i;
	int err = ENOENT;

	for (i = 0; i < self->nregs; i++) {
		if (self->reg_ids[i] == id)
			return 0;
		if ((self->reg_ids[i] ^ id) == ((self->reg_ids[i] ^ id) &
						S2MMU_REG_SIZE_MASK))
			err = EINVAL;
	}
	return err;
}

/* A register that must be as it was: the pattern the fixture gave it. */
#define REJECT_REG(cmd, id_, addr_, err, what)				\
	do {								\
		struct s2mmu_one_reg r1_ = {				\
			.id = (id_), .addr = (uintptr_t)(addr_),	\
		};							\
		REJECT(self->vcpu.fd, cmd, &r1_, err, what);		\
	} while (0)

TEST_F(fz, one_reg_ids)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(unknown_reg_ids); i++) {
		__u64 id = unknown_reg_ids[i];

		REJECT_REG(S2MMU_GET_ONE_REG, id, self->big, ENOENT, "GET unknown id");
		REJECT_REG(S2MMU_SET_ONE_REG, id, self->big, ENOENT, "SET unknown id");
	}
	/*
	 * A listed id with one bit flipped: another listed register (not
	 * tried), a listed one with the wrong size (EINVAL), or nothing.
	 */
	for (i = 0; i < self->nregs; i++) {
		__u64 id = self->reg_ids[i] ^ 1ULL << (rnd(self) % 64);
		int err = expected_reg_err(self, id);

		if (err)
			REJECT_REG(S2MMU_GET_ONE_REG, id, self->big, err, "GET flipped id");
	}
}

/* Every listed register with every size but its own: EINVAL, both ways. */
TEST_F(fz, one_reg_sizes)
{
	unsigned int i, sz;
	long r;

	memset(self->big, 0xa5, 1 << 16);
	for (i = 0; i < self->nregs; i++) {
		__u64 id = self->reg_ids[i];

		for (sz = 0; sz < 16; sz++) {
			struct s2mmu_one_reg one = {
				.id = (id & ~S2MMU_REG_SIZE_MASK) |
				      (__u64)sz << S2MMU_REG_SIZE_SHIFT,
				.addr = (uintptr_t)self->big,
			};

			if (one.id == id)
				continue;
			r = xioctl(self->vcpu.fd, S2MMU_GET_ONE_REG, &one);
			EXPECT_EQ(-EINVAL, r) {
				TH_LOG("GET %#llx size %u", (unsigned long long)id, sz);
			}
			r = xioctl(self->vcpu.fd, S2MMU_SET_ONE_REG, &one);
			EXPECT_EQ(-EINVAL, r) {
				TH_LOG("SET %#llx size %u", (unsigned long long)id, sz);
			}
		}
		/* The GETs wrote nothing either. */
		EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, *(__u64 *)self->big);
		EXPECT_TRUE(same_as_base(_metadata, self, "ONE_REG size", __LINE__));
	}
}

/*
 * PSTATE values the guest may not have: another mode (EL2, EL3, AArch32,
 * reserved encodings) or a bit outside NZCV, DAIF, PAN, UAO, DIT, SSBS,
 * BTYPE (single step, illegal execution, RES0 bits, PSTATE.PM...).
 */
TEST_F(fz, one_reg_pstate)
{
	static const unsigned int bad_bits[] = {
		5, 14, 15, 16, 17, 18, 19, 20, 21, 26, 27, 32, 33, 35, 40, 63,
	};
	__u64 id = S2MMU_REG_CORE(pstate), v;
	unsigned int m, i;

	for (m = 0; m < 32; m++) {
		if (m == 0 || m == 4 || m == 5)
			continue;
		v = 0x3c0 | m;
		REJECT_REG(S2MMU_SET_ONE_REG, id, &v, EINVAL, "PSTATE mode");
	}
	for (i = 0; i < ARRAY_SIZE(bad_bits); i++) {
		v = 0x3c5 | 1ULL << bad_bits[i];
		REJECT_REG(S2MMU_SET_ONE_REG, id, &v, EINVAL, "PSTATE bit");
	}
	v = ~0ULL;
	REJECT_REG(S2MMU_SET_ONE_REG, id, &v, EINVAL, "PSTATE ~0");
	/* The good modes are accepted (and then put back). */
	for (m = 0; m < 6; m += m ? 1 : 4) {
		v = 0x3c0 | m;
		EXPECT_EQ(0, tst_set_reg_from(&self->vcpu, id, &v));
	}
	EXPECT_EQ(0, tst_set_reg_from(&self->vcpu, id, self->base.regs[reg_index(self, id)]));
	EXPECT_TRUE(same_as_base(_metadata, self, "PSTATE put back", __LINE__));
}

/*
 * MPIDR_EL1 values a VMPIDR_EL2 cannot hold: bit 31 (RES1) clear, or any
 * RES0 bit (29:25, 63:40) set.
 */
TEST_F(fz, one_reg_mpidr)
{
	static const unsigned int bad_bits[] = {
		25, 26, 27, 28, 29, 40, 41, 48, 56, 62, 63,
	};
	__u64 id = S2MMU_REG_MPIDR_EL1, v;
	unsigned int i;

	v = 0x1;
	REJECT_REG(S2MMU_SET_ONE_REG, id, &v, EINVAL, "MPIDR bit 31 clear");
	for (i = 0; i < ARRAY_SIZE(bad_bits); i++) {
		v = 0x80000000ULL | 1ULL << bad_bits[i];
		REJECT_REG(S2MMU_SET_ONE_REG, id, &v, EINVAL, "MPIDR RES0 bit");
	}
	v = ~0ULL;
	REJECT_REG(S2MMU_SET_ONE_REG, id, &v, EINVAL, "MPIDR ~0");
	v = 0xffc1ffffffULL;	/* every field: accepted, then put back */
	EXPECT_EQ(0, tst_set_reg_from(&self->vcpu, id, &v));
	EXPECT_EQ(0, tst_set_reg_from(&self->vcpu, id, self->base.regs[reg_index(self, id)]));
	EXPECT_TRUE(same_as_base(_metadata, self, "MPIDR put back", __LINE__));
}

/*
 * Bad value pointers, for a 64-bit and a 128-bit register, GET and SET:
 * NULL, low, kernel, read-only (GET), no access, and one that runs from
 * an accessible page into an inaccessible one.  Then bad argument
 * pointers.
 */
TEST_F(fz, one_reg_pointers)
{
	const __u64 ids[] = {
		S2MMU_REG_CORE(regs[7]), S2MMU_REG_CORE(vregs[3]),
		S2MMU_REG_CORE(fpcr), S2MMU_REG_TPIDR_EL1,
	};
	__u8 *end = self->edge + TST_PAGE;
	unsigned int i, k;
	__u64 p[5];

	for (k = 0; k < ARRAY_SIZE(ids); k++) {
		__u64 id = ids[k];
		unsigned int n = reg_bytes(id);

		bad_ptrs(self, p, true);
		for (i = 0; i < 5; i++)
			REJECT_REG(S2MMU_GET_ONE_REG, id, p[i], EFAULT, "GET addr");
		bad_ptrs(self, p, false);
		for (i = 0; i < 5; i++)
			REJECT_REG(S2MMU_SET_ONE_REG, id, p[i], EFAULT, "SET addr");
		memset(end - n, 0x77, n);
		REJECT_REG(S2MMU_GET_ONE_REG, id, end - n + 1, EFAULT, "GET addr at edge");
		REJECT_REG(S2MMU_SET_ONE_REG, id, end - n + 1, EFAULT, "SET addr at edge");
		REJECT_REG(S2MMU_SET_ONE_REG, id, end - 1, EFAULT, "SET addr at edge");
	}
	bad_ptrs(self, p, false);
	for (i = 0; i < 5; i++) {
		REJECT(self->vcpu.fd, S2MMU_GET_ONE_REG, (void *)p[i], EFAULT, "GET arg");
		REJECT(self->vcpu.fd, S2MMU_SET_ONE_REG, (void *)p[i], EFAULT, "SET arg");
	}
	REJECT(self->vcpu.fd, S2MMU_SET_ONE_REG, end - 8, EFAULT, "SET arg at edge");
}

TEST_F(fz, get_reg_list)
{
	const __u64 small[] = { 0, 1, 2, self->nregs / 2, self->nregs - 1 };
	__u64 *hdr = (__u64 *)(self->edge + TST_PAGE) - 1;
	struct {
		__u64 n;
		__u64 reg[REG_MAX];
	} l;
	unsigned int i;
	__u64 p[5];

	for (i = 0; i < ARRAY_SIZE(small); i++) {
		memset(&l, 0xee, sizeof(l));
		l.n = small[i];
		REJECT(self->vcpu.fd, S2MMU_GET_REG_LIST, &l, E2BIG, "n too small");
		/* @n says how many; not one id is written. */
		EXPECT_EQ(self->nregs, l.n);
		EXPECT_EQ(0xeeeeeeeeeeeeeeeeULL, l.reg[0]);
	}
	/* The header readable and writable, the ids not. */
	*hdr = REG_MAX;
	REJECT(self->vcpu.fd, S2MMU_GET_REG_LIST, hdr, EFAULT, "ids unwritable");
	/* @n readable, not writable. */
	REJECT(self->vcpu.fd, S2MMU_GET_REG_LIST, self->ro, EFAULT, "n read-only");
	bad_ptrs(self, p, true);
	for (i = 0; i < 5; i++)
		REJECT(self->vcpu.fd, S2MMU_GET_REG_LIST, (void *)p[i], EFAULT, "arg");
	/* Any room at all is enough, and the list is the fixture's. */
	for (i = 0; i < 2; i++) {
		memset(&l, 0, sizeof(l));
		l.n = i ? ~0ULL : self->nregs;
		EXPECT_EQ(0, xioctl(self->vcpu.fd, S2MMU_GET_REG_LIST, &l));
		EXPECT_EQ(self->nregs, l.n);
		EXPECT_EQ(0, memcmp(l.reg, self->reg_ids, self->nregs * 8));
	}
	EXPECT_TRUE(same_as_base(_metadata, self, "GET_REG_LIST", __LINE__));
}

/* One refused call of each vCPU ioctl, each checked. */
static void refuse_all_vcpu_ioctls(struct __test_metadata *_metadata,
				   struct _test_data_fz *self)
{
	struct s2mmu_vcpu_access acc = {
		.ipa = GPA_A, .buf = (uintptr_t)self->big, .len = 8, .kind = 3,
	};
	struct s2mmu_irq_level l = { .line = 0, .level = 2 };
	struct s2mmu_reg_list list = { .n = 0 };
	__u64 v[2] = { 0x4444, 0x5555 }, pstate = 0x3c9;

	REJECT(self->vcpu.fd, S2MMU_RUN, (void *)1, EINVAL, "RUN arg");
	REJECT_REG(S2MMU_SET_ONE_REG, S2MMU_REG_CORE(pc) ^ S2MMU_REG_SIZE_U64 ^
		   S2MMU_REG_SIZE_U32, v, EINVAL, "SET PC as u32");
	REJECT_REG(S2MMU_SET_ONE_REG, S2MMU_REG_CORE(regs[5]) ^ S2MMU_REG_SIZE_U64 ^
		   S2MMU_REG_SIZE_U128, v, EINVAL, "SET x5 as u128");
	REJECT_REG(S2MMU_SET_ONE_REG, S2MMU_REG_CORE(pstate), &pstate, EINVAL,
		   "SET PSTATE EL2h");
	REJECT_REG(S2MMU_SET_ONE_REG, S2MMU_REG_CORE(pc), self->none, EFAULT,
		   "SET PC unreadable");
	REJECT_REG(S2MMU_GET_ONE_REG, S2MMU_REG_CORE(regs[0]) + 1, v, ENOENT,
		   "GET unknown");
	REJECT(self->vcpu.fd, S2MMU_GET_REG_LIST, &list, E2BIG, "REG_LIST n 0");
	REJECT(self->vcpu.fd, S2MMU_IRQ_LINE, &l, EINVAL, "IRQ level 2");
	REJECT(self->vcpu.fd, S2MMU_VCPU_ACCESS, &acc, EINVAL, "ACCESS kind 3");
}

/* Registers the refused calls of a busy vCPU name. */
static const __u64 busy_ids[] = {
	S2MMU_REG_CORE(pc), S2MMU_REG_CORE(regs[7]),
	S2MMU_REG_CORE(vregs[3]), S2MMU_REG_TPIDR_EL1,
};

/* While the vCPU runs in another thread: EBUSY, but for S2MMU_IRQ_LINE. */
static void busy_calls(struct __test_metadata *_metadata,
		       struct _test_data_fz *self)
{
	struct s2mmu_irq_level l = { .line = S2MMU_IRQ_LINE_FIQ, .level = 0 };
	struct {
		__u64 n;
		__u64 reg[REG_MAX];
	} list = { .n = REG_MAX };
	__u64 v[2] = { 0xbad0bad0, 0xbad1bad1 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(busy_ids); i++) {
		EXPECT_EQ(-EBUSY, tst_set_reg_from(&self->vcpu, busy_ids[i], v));
		EXPECT_EQ(-EBUSY, tst_get_reg(&self->vcpu, busy_ids[i], v));
	}
	EXPECT_EQ(-EBUSY, xioctl(self->vcpu.fd, S2MMU_GET_REG_LIST, &list));
	EXPECT_EQ((__u64)REG_MAX, list.n);
	EXPECT_EQ(-EBUSY, xioctl(self->vcpu.fd, S2MMU_RUN, NULL));
	EXPECT_EQ(0, xioctl(self->vcpu.fd, S2MMU_IRQ_LINE, &l));
}

/*
 * In a child process: every VM ioctl, well formed, each of which would
 * change the VM if it ran.  Return: how many were not EIO.
 */
static int other_process_vm_calls(struct _test_data_fz *self)
{
	struct s2mmu_userspace_memory_region del = { .slot = 0 };
	struct s2mmu_dirty_log log = {
		.slot = 1, .dirty_bitmap = (uintptr_t)self->bitmap,
	};
	struct s2mmu_clear_dirty_log clr = {
		.slot = 1, .num_pages = 64, .dirty_bitmap = (uintptr_t)self->big,
	};
	struct s2mmu_enable_cap cap = {
		.cap = S2MMU_CAP_MANUAL_DIRTY_LOG_PROTECT, .args = { 1 },
	};
	struct s2mmu_mem_access ma = {
		.gfn = GPA_A >> 12, .nr_pages = 1, .access = S2MMU_MEM_ACCESS_N,
	};
	struct s2mmu_info_page_map info = { .guest_phys_addr = GPA_FREE };
	struct s2mmu_view_change_gfn cg = {
		.view = 1, .gfn = GPA_A >> 12, .new_gfn = (GPA_A >> 12) + 1,
	};
	struct s2mmu_debug_table_op dbg = {
		.op = S2MMU_DBG_UNMAP, .ipa = DBG_IPA, .size = TST_2M,
	};
	struct s2mmu_hw_xlate e = { .ipa = GPA_A };
	struct s2mmu_hw_translate xl = { .nr = 1, .entries = (uintptr_t)&e };
	struct s2mmu_stats st;
	int bad = 0;

	bad += xioctl(self->vm, S2MMU_SET_USER_MEMORY_REGION, &del) != -EIO;
	bad += xioctl(self->vm, S2MMU_CREATE_VCPU, (void *)5UL) != -EIO;
	bad += xioctl(self->vm, S2MMU_GET_STATS, &st) != -EIO;
	bad += xioctl(self->vm, S2MMU_ENABLE_CAP, &cap) != -EIO;
	bad += xioctl(self->vm, S2MMU_GET_DIRTY_LOG, &log) != -EIO;
	bad += xioctl(self->vm, S2MMU_CLEAR_DIRTY_LOG, &clr) != -EIO;
	bad += xioctl(self->vm, S2MMU_SET_MEM_ACCESS, &ma) != -EIO;
	bad += xioctl(self->vm, S2MMU_GET_MEM_ACCESS, &ma) != -EIO;
	bad += xioctl(self->vm, S2MMU_MAP_INFO_PAGE, &info) != -EIO;
	bad += xioctl(self->vm, S2MMU_UNMAP_INFO_PAGE, (void *)0UL) != -EIO;
	bad += xioctl(self->vm, S2MMU_CREATE_VIEW, (void *)0UL) != -EIO;
	bad += xioctl(self->vm, S2MMU_DESTROY_VIEW, (void *)1UL) != -EIO;
	bad += xioctl(self->vm, S2MMU_VIEW_CHANGE_GFN, &cg) != -EIO;
	bad += xioctl(self->vm, S2MMU_HW_TRANSLATE, &xl) != -EIO;
	bad += xioctl(self->vm, S2MMU_DEBUG_TABLE_OP, &dbg) != -EIO;
	return bad;
}

/* In a child process: every vCPU ioctl, well formed.  Return: not EIO. */
static int other_process_calls(struct _test_data_fz *self)
{
	struct s2mmu_vcpu_access acc = {
		.ipa = GPA_A, .buf = (uintptr_t)self->big, .len = 8,
	};
	struct s2mmu_irq_level l = { .line = S2MMU_IRQ_LINE_IRQ, .level = 1 };
	struct s2mmu_translate_gva gva = {
		.gva = GPA_A, .access = S2MMU_GVA_READ, .el = 1,
	};
	struct {
		__u64 n;
		__u64 reg[REG_MAX];
	} list = { .n = REG_MAX };
	__u64 v[2] = { 0 };
	int bad = 0;

	bad += xioctl(self->vcpu.fd, S2MMU_RUN, NULL) != -EIO;
	bad += tst_get_reg(&self->vcpu, S2MMU_REG_CORE(pc), v) != -EIO;
	bad += tst_set_reg_from(&self->vcpu, S2MMU_REG_CORE(regs[7]), v) != -EIO;
	bad += xioctl(self->vcpu.fd, S2MMU_GET_REG_LIST, &list) != -EIO;
	bad += xioctl(self->vcpu.fd, S2MMU_IRQ_LINE, &l) != -EIO;
	bad += xioctl(self->vcpu.fd, S2MMU_VCPU_ACCESS, &acc) != -EIO;
	bad += xioctl(self->vcpu.fd, S2MMU_SWITCH_VIEW, (void *)0UL) != -EIO;
	bad += xioctl(self->vcpu.fd, S2MMU_TRANSLATE_GVA, &gva) != -EIO;
	return bad + other_process_vm_calls(self);
}

/* ---- guest execution ------------------------------------------------- */

/* Reads the MMIO address in x0 and reports the value read. */
GUEST_CODE void fz_guest_mmio_read(__u64 mmio)
{
	guest_done(guest_read64(mmio));
	for (;;)
		;
}

/* Unmasks IRQ and FIQ: a raised line is taken before the HVC. */
GUEST_CODE void fz_guest_unmask(void)
{
	asm volatile("msr daifclr, #3\n\tisb" : : : "memory");
	guest_done(0);
	for (;;)
		;
}

/* Spins with every interrupt masked, until a signal ends S2MMU_RUN. */
GUEST_CODE void fz_guest_spin(void)
{
	for (;;)
		;
}

static bool can_run(const struct _test_data_fz *self)
{
	return self->feat.flags & S2MMU_FEAT_RUN;
}

/*
 * Points the vCPU at guest function @fn with x0 = @arg, the guest code
 * copied into slot 0 and the registers a guest with its MMU off needs
 * (the fixture's patterns would turn the MMU on, trap FP, start timers).
 */
static long guest_setup(struct _test_data_fz *self, const void *fn, __u64 arg)
{
	const __u64 ipa = GPA_A + CODE_OFF;
	const struct {
		__u64 id, val;
	} r[] = {
		{ S2MMU_REG_SCTLR_EL1, GUEST_SCTLR_RESET },
		{ S2MMU_REG_CPACR_EL1, 3ULL << 20 },
		{ S2MMU_REG_CNTV_CTL_EL0, 0 },
		{ S2MMU_REG_CNTKCTL_EL1, 0 },
		{ GUEST_PSTATE, GUEST_PSTATE_RESET },
		{ S2MMU_REG_VBAR_EL1, guest_entry(ipa, guest_vectors) },
		{ S2MMU_REG_CORE(sp_el1), STACK_IPA },
		{ S2MMU_REG_CORE(pc), guest_entry(ipa, fn) },
		{ S2MMU_REG_CORE(regs[0]), arg },
	};
	unsigned int i;
	long ret = 0;

	guest_code_copy(self->mem + CODE_OFF);
	for (i = 0; i < ARRAY_SIZE(r) && !ret; i++)
		ret = tst_set_reg(&self->vcpu, r[i].id, r[i].val);
	return ret;
}

/* S2MMU_RUN to the guest's GUEST_DONE.  Return: its x1, or ~0 (logged). */
static __u64 run_to_done(struct __test_metadata *_metadata,
			 struct _test_data_fz *self)
{
	char why[160];

	if (!guest_expect_hvc(&self->vcpu, GUEST_DONE, why, sizeof(why)))
		return guest_arg(&self->vcpu, 1);
	TH_LOG("%s", why);
	return ~0ULL;
}

TEST_F(fz, irq_line)
{
	static const __u32 bad[] = { 2, 3, 0x100, 1U << 31, ~0U };
	struct s2mmu_irq_level l;
	unsigned int i, k;
	__u64 p[5];

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		for (k = 0; k < 2; k++) {
			l = (struct s2mmu_irq_level){ .line = bad[i], .level = k };
			REJECT(self->vcpu.fd, S2MMU_IRQ_LINE, &l, EINVAL, "line");
			l = (struct s2mmu_irq_level){ .line = k, .level = bad[i] };
			REJECT(self->vcpu.fd, S2MMU_IRQ_LINE, &l, EINVAL, "level");
		}
	}
	bad_ptrs(self, p, false);
	for (i = 0; i < 5; i++)
		REJECT(self->vcpu.fd, S2MMU_IRQ_LINE, (void *)p[i], EFAULT, "arg");
	REJECT(self->vcpu.fd, S2MMU_IRQ_LINE, self->edge + TST_PAGE - 4, EFAULT,
	       "arg at edge");
	if (!can_run(self))
		return;
	/* No refused call raised a line: the guest unmasks and goes on... */
	ASSERT_EQ(0, guest_setup(self, fz_guest_unmask, 0));
	EXPECT_EQ(0ULL, run_to_done(_metadata, self));
	/* ...where a raised one is taken at the IRQ vector. */
	l = (struct s2mmu_irq_level){ .line = S2MMU_IRQ_LINE_IRQ, .level = 1 };
	ASSERT_EQ(0, xioctl(self->vcpu.fd, S2MMU_IRQ_LINE, &l));
	ASSERT_EQ(0, guest_setup(self, fz_guest_unmask, 0));
	EXPECT_EQ(~0ULL, run_to_done(_metadata, self));
	EXPECT_EQ((__u64)GUEST_EXC, self->vcpu.run->hypercall.args[0]);
	EXPECT_EQ((__u64)GUEST_VEC_EL1H_IRQ,
		  (self->vcpu.run->hypercall.args[4] -
		   guest_entry(GPA_A + CODE_OFF, guest_vectors)) / GUEST_VEC_SIZE);
	l.level = 0;
	EXPECT_EQ(0, xioctl(self->vcpu.fd, S2MMU_IRQ_LINE, &l));
}

/*
 * The run page's inputs with a pending MMIO read: a bad immediate_exit or
 * padding1 byte refuses the run, and the software access path refuses
 * to write the page while the read waits.  Each changes nothing (the
 * poked byte is part of the baseline, then put back).
 */
static void run_page_inputs(struct __test_metadata *_metadata,
			    struct _test_data_fz *self)
{
	static const __u8 bad_exit[] = { 2, 3, 0x10, 0x80, 0xff };
	struct s2mmu_vcpu_access acc = {
		.ipa = MMIO_IPA + TST_PAGE, .buf = (uintptr_t)self->big, .len = 8,
	};
	struct s2mmu_run *run = self->vcpu.run;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad_exit); i++) {
		run->immediate_exit = bad_exit[i];
		take_snap(self, &self->base);
		REJECT(self->vcpu.fd, S2MMU_RUN, NULL, EINVAL, "immediate_exit");
	}
	run->immediate_exit = 0;
	for (i = 0; i < sizeof(run->padding1); i++) {
		run->padding1[i] = 0x80 >> i;
		take_snap(self, &self->base);
		REJECT(self->vcpu.fd, S2MMU_RUN, NULL, EINVAL, "padding1");
		run->padding1[i] = 0;
	}
	/* Random bad bytes: immediate_exit above 1, or any padding byte set. */
	for (i = 0; i < RANDOM_ROUNDS / 4; i++) {
		__u64 r = rnd(self);
		__u8 *b = r % 4 ? &run->padding1[r % 4 - 1] : &run->immediate_exit;

		*b = r % 4 ? 1 + (r >> 8) % 255 : 2 + (r >> 8) % 254;
		take_snap(self, &self->base);
		REJECT(self->vcpu.fd, S2MMU_RUN, NULL, EINVAL, "random run page byte");
		*b = 0;
	}
	take_snap(self, &self->base);
	REJECT(self->vcpu.fd, S2MMU_VCPU_ACCESS, &acc, EBUSY, "ACCESS, MMIO pending");
	acc.ipa = GPA_A;
	REJECT(self->vcpu.fd, S2MMU_VCPU_ACCESS, &acc, EBUSY, "ACCESS RAM, MMIO pending");
}

TEST_F(fz, run)
{
	static const unsigned long bad_args[] = {
		1, 2, 0x80, 1UL << 32, ~0UL, KERNEL_PTR,
	};
	const __u64 data = 0x8877665544332211ULL;
	struct s2mmu_run *run = self->vcpu.run;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad_args); i++)
		REJECT(self->vcpu.fd, S2MMU_RUN, (void *)bad_args[i], EINVAL, "RUN arg");
	if (!can_run(self)) {
		REJECT(self->vcpu.fd, S2MMU_RUN, NULL, EOPNOTSUPP, "RUN");
		return;
	}
	/*
	 * An MMIO read waits for its data in the vCPU (target register, PC
	 * to advance), where no register read shows it: refused calls must
	 * neither complete, cancel nor redo it.
	 */
	ASSERT_EQ(0, guest_setup(self, fz_guest_mmio_read, MMIO_IPA));
	ASSERT_EQ(0, xioctl(self->vcpu.fd, S2MMU_RUN, NULL));
	ASSERT_EQ((__u32)S2MMU_EXIT_MMIO, run->exit_reason);
	ASSERT_EQ(MMIO_IPA, run->mmio.phys_addr);
	ASSERT_EQ(0, run->mmio.is_write);
	take_snap(self, &self->base);
	refuse_all_vcpu_ioctls(_metadata, self);
	run_page_inputs(_metadata, self);
	memcpy(run->mmio.data, &data, sizeof(data));
	EXPECT_EQ(data, run_to_done(_metadata, self));
}

static void *run_thread(void *arg)
{
	struct _test_data_fz *self = arg;

	return (void *)xioctl(self->vcpu.fd, S2MMU_RUN, NULL);
}

static void on_signal(int sig)
{
}

/*
 * While another thread runs the vCPU, every call that needs it idle is
 * EBUSY and changes nothing; S2MMU_IRQ_LINE alone is accepted.  The
 * registers the refused SETs named are compared after the run (those
 * the guest cannot change: a system register read back from the CPU
 * may differ from what was set, in its RES0 bits).
 */
TEST_F(fz, busy)
{
	struct sigaction sa = { .sa_handler = on_signal };
	__u64 v[2], i;
	pthread_t t;
	void *ret;

	if (!can_run(self))
		SKIP(return, "no S2MMU_FEAT_RUN");
	ASSERT_EQ(0, guest_setup(self, fz_guest_spin, 0));
	take_snap(self, &self->base);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, pthread_create(&t, NULL, run_thread, self));
	for (i = 0; i < 5000 && tst_get_reg(&self->vcpu, S2MMU_REG_CORE(pc), v) != -EBUSY; i++)
		usleep(1000);
	busy_calls(_metadata, self);
	pthread_kill(t, SIGUSR1);
	pthread_join(t, &ret);
	EXPECT_EQ(-EINTR, (long)ret);
	EXPECT_EQ((__u32)S2MMU_EXIT_INTR, self->vcpu.run->exit_reason);
	for (i = 0; i < ARRAY_SIZE(busy_ids); i++) {
		memset(v, 0, sizeof(v));
		EXPECT_EQ(0, tst_get_reg(&self->vcpu, busy_ids[i], v));
		EXPECT_EQ(0, memcmp(v, self->base.regs[reg_index(self, busy_ids[i])],
				    reg_bytes(busy_ids[i]))) {
			TH_LOG("register %#llx changed",
			       (unsigned long long)busy_ids[i]);
		}
	}
}

/* Every VM and vCPU ioctl from another process: EIO, nothing changed. */
TEST_F(fz, other_process)
{
	int status;
	pid_t pid;

	/* The child need not share slot memory (no copy-on-write marking). */
	ASSERT_EQ(0, madvise(self->mem, 4 * SLOT_SIZE, MADV_DONTFORK));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(other_process_calls(self));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* The vCPU and the VM: none of the child's calls ran. */
	EXPECT_TRUE(same_as_base(_metadata, self, "other process", __LINE__));
}

/* ---- random phase -------------------------------------------------- */

/* A field of an ioctl argument, and how to make a bad value for it. */
enum fkind { F_NUM, F_PTR, F_REGID };

struct field {
	unsigned int off, size;
	enum fkind kind;
};

struct target {
	const char *name;
	int which;		/* 0 VM fd, 1 vCPU fd */
	unsigned long cmd;
	const void *good;
	size_t size;
	const struct field *fields;
	unsigned int nfields;
	const int *errs;	/* the documented errnos, 0-terminated */
};

#define FLD(type, m, size, k) { offsetof(type, m), size, k }

static __u64 boundary(struct _test_data_fz *self, unsigned int size)
{
	static const __u64 v[] = {
		0, 1, 2, 7, 8, 63, 64, 0xfff, 0x1000, 0x1001, 0x200000,
		1ULL << 31, 1ULL << 32, 1ULL << 35, 1ULL << 36, 1ULL << 40,
		1ULL << 47, 1ULL << 48, 1ULL << 52, 1ULL << 63, ~0ULL,
		~0ULL - 0xfff, ~0ULL << 12, S2MMU_MEMSLOT_ID_LIMIT,
		S2MMU_HWT_MAX, S2MMU_ACCESS_MAX_LEN, GPA_A, GPA_B, GPA_FREE,
	};
	__u64 r = rnd(self), x;

	switch (r % 4) {
	case 0:
		x = v[(r >> 8) % ARRAY_SIZE(v)];
		break;
	case 1:
		x = v[(r >> 8) % ARRAY_SIZE(v)] + ((r >> 16) % 3) - 1;
		break;
	case 2:
		x = 1ULL << ((r >> 8) % 64);
		break;
	default:
		x = rnd(self);
		break;
	}
	return size == 8 ? x : size == 4 ? (__u32)x : size == 2 ? (__u16)x : (__u8)x;
}

/* A ONE_REG id near the listed ones: flipped bit, other size, neighbour. */
static __u64 bad_reg_id(struct _test_data_fz *self)
{
	__u64 r = rnd(self), id = self->reg_ids[(r >> 8) % self->nregs];

	switch (r % 4) {
	case 0:
		return id ^ 1ULL << ((r >> 16) % 64);
	case 1:
		return (id & ~S2MMU_REG_SIZE_MASK) |
		       ((r >> 16) % 16) << S2MMU_REG_SIZE_SHIFT;
	case 2:
		return id + ((r >> 16) % 7) - 3;
	default:
		return boundary(self, 8);
	}
}

static __u64 bad_ptr(struct _test_data_fz *self)
{
	__u64 p[5];

	bad_ptrs(self, p, rnd(self) & 1);
	return p[rnd(self) % 5];
}

/*
 * Keep accepted debug-table operations small: a valid range of gigabytes
 * of 4K pages is a test of long operations (another test's), not of
 * argument checks.  Ranges that are invalid stay as they are.
 */
static void dbg_tame(__u8 *arg)
{
	struct s2mmu_debug_table_op *o = (void *)arg;

	if (o->size > (1ULL << 26) && o->size <= (1ULL << IPA_BITS))
		o->size = ((o->size >> 10) & ~(TST_PAGE - 1)) |
			  (o->size & (TST_PAGE - 1));
}

static void random_phase(struct __test_metadata *_metadata,
			 struct _test_data_fz *self, const struct target *t)
{
	unsigned int round, n, k, rejected = 0, accepted = 0;
	/* Room for what GET_REG_LIST writes after its header. */
	__u64 arg_words[512];
	__u8 *arg = (__u8 *)arg_words;
	int fd = t->which ? self->vcpu.fd : self->vm;

	for (round = 0; round < RANDOM_ROUNDS; round++) {
		bool documented = false;
		long r;

		memcpy(arg, t->good, t->size);
		n = 1 + rnd(self) % 3;
		for (k = 0; k < n; k++) {
			const struct field *f = &t->fields[rnd(self) % t->nfields];
			__u64 v = f->kind == F_PTR ? bad_ptr(self) :
				  f->kind == F_REGID ? bad_reg_id(self) :
				  boundary(self, f->size);

			memcpy(arg + f->off, &v, f->size);
		}
		if (t->cmd == S2MMU_DEBUG_TABLE_OP)
			dbg_tame(arg);
		r = xioctl(fd, t->cmd, arg);
		if (r >= 0) {
			/* Accepted: what it did is the new baseline. */
			accepted++;
			if (t->cmd == S2MMU_ENABLE_CAP)
				self->manual_on =
					((struct s2mmu_enable_cap *)arg)->args[0];
			take_snap(self, &self->base);
			continue;
		}
		rejected++;
		for (k = 0; t->errs[k]; k++)
			documented |= r == -t->errs[k];
		EXPECT_TRUE(documented) {
			TH_LOG("%s round %u: undocumented errno %ld", t->name,
			       round, r);
		}
		EXPECT_TRUE(same_as_base(_metadata, self, t->name, __LINE__));
	}
	TH_LOG("%s: %u random calls rejected and checked, %u accepted",
	       t->name, rejected, accepted);
}

static void random_target(struct __test_metadata *_metadata,
			  struct _test_data_fz *self, unsigned int which)
{
	static const int region_errs[] = { EINVAL, EFAULT, EEXIST, ENOSPC, ENOMEM, 0 };
	static const int cap_errs[] = { EINVAL, EFAULT, 0 };
	static const int log_errs[] = { EINVAL, ENOENT, EFAULT, 0 };
	static const int xl_errs[] = { EINVAL, E2BIG, EFAULT, ENOENT, EOPNOTSUPP, 0 };
	static const int dbg_errs[] = {
		EINVAL, ERANGE, ENOSPC, ENOENT, EFAULT, EOPNOTSUPP, 0,
	};
	static const int acc_errs[] = { EINVAL, EFAULT, 0 };
	static const int gva_errs[] = { EINVAL, EFAULT, 0 };
	static const int reg_errs[] = { ENOENT, EINVAL, EFAULT, 0 };
	static const int list_errs[] = { E2BIG, EFAULT, 0 };
	static const int irq_errs[] = { EINVAL, EFAULT, 0 };
	static const struct field reg_f[] = {
		FLD(struct s2mmu_one_reg, id, 8, F_REGID),
		FLD(struct s2mmu_one_reg, addr, 8, F_PTR),
	};
	static const struct field list_f[] = {
		FLD(struct s2mmu_reg_list, n, 8, F_NUM),
	};
	static const struct field irq_f[] = {
		FLD(struct s2mmu_irq_level, line, 4, F_NUM),
		FLD(struct s2mmu_irq_level, level, 4, F_NUM),
	};
	static const struct field region_f[] = {
		FLD(struct s2mmu_userspace_memory_region, slot, 4, F_NUM),
		FLD(struct s2mmu_userspace_memory_region, flags, 4, F_NUM),
		FLD(struct s2mmu_userspace_memory_region, guest_phys_addr, 8, F_NUM),
		FLD(struct s2mmu_userspace_memory_region, memory_size, 8, F_NUM),
		FLD(struct s2mmu_userspace_memory_region, userspace_addr, 8, F_PTR),
	};
	static const struct field cap_f[] = {
		FLD(struct s2mmu_enable_cap, cap, 4, F_NUM),
		FLD(struct s2mmu_enable_cap, flags, 4, F_NUM),
		FLD(struct s2mmu_enable_cap, args[0], 8, F_NUM),
		FLD(struct s2mmu_enable_cap, args[1], 8, F_NUM),
		FLD(struct s2mmu_enable_cap, args[3], 8, F_NUM),
		FLD(struct s2mmu_enable_cap, pad[0], 1, F_NUM),
		FLD(struct s2mmu_enable_cap, pad[63], 1, F_NUM),
	};
	static const struct field get_f[] = {
		FLD(struct s2mmu_dirty_log, slot, 4, F_NUM),
		FLD(struct s2mmu_dirty_log, padding, 4, F_NUM),
		FLD(struct s2mmu_dirty_log, dirty_bitmap, 8, F_PTR),
	};
	static const struct field clear_f[] = {
		FLD(struct s2mmu_clear_dirty_log, slot, 4, F_NUM),
		FLD(struct s2mmu_clear_dirty_log, num_pages, 4, F_NUM),
		FLD(struct s2mmu_clear_dirty_log, first_page, 8, F_NUM),
		FLD(struct s2mmu_clear_dirty_log, dirty_bitmap, 8, F_PTR),
	};
	static const struct field xl_f[] = {
		FLD(struct s2mmu_hw_translate, nr, 4, F_NUM),
		FLD(struct s2mmu_hw_translate, flags, 4, F_NUM),
		FLD(struct s2mmu_hw_translate, entries, 8, F_PTR),
		FLD(struct s2mmu_hw_translate, reserved0, 4, F_NUM),
		FLD(struct s2mmu_hw_translate, reserved[0], 8, F_NUM),
		FLD(struct s2mmu_hw_translate, reserved[1], 8, F_NUM),
	};
	static const struct field dbg_f[] = {
		FLD(struct s2mmu_debug_table_op, op, 4, F_NUM),
		FLD(struct s2mmu_debug_table_op, prot, 4, F_NUM),
		FLD(struct s2mmu_debug_table_op, ipa, 8, F_NUM),
		FLD(struct s2mmu_debug_table_op, size, 8, F_NUM),
		FLD(struct s2mmu_debug_table_op, pa, 8, F_NUM),
		FLD(struct s2mmu_debug_table_op, flags, 4, F_NUM),
		FLD(struct s2mmu_debug_table_op, reserved0, 4, F_NUM),
		FLD(struct s2mmu_debug_table_op, reserved[0], 8, F_NUM),
		FLD(struct s2mmu_debug_table_op, reserved[1], 8, F_NUM),
	};
	static const int ma_errs[] = { EINVAL, E2BIG, ENOENT, EFAULT, ENOMEM, 0 };
	static const int info_errs[] = { EINVAL, EBUSY, EEXIST, EFAULT, ENOMEM, 0 };
	static const int cg_errs[] = { EINVAL, ENOENT, EFAULT, ENOMEM, 0 };
	static const struct field ma_f[] = {
		FLD(struct s2mmu_mem_access, gfn, 8, F_NUM),
		FLD(struct s2mmu_mem_access, nr_pages, 8, F_NUM),
		FLD(struct s2mmu_mem_access, access, 4, F_NUM),
		FLD(struct s2mmu_mem_access, flags, 4, F_NUM),
		FLD(struct s2mmu_mem_access, view, 4, F_NUM),
		FLD(struct s2mmu_mem_access, pad, 4, F_NUM),
		FLD(struct s2mmu_mem_access, reserved, 8, F_NUM),
	};
	static const struct field info_f[] = {
		FLD(struct s2mmu_info_page_map, guest_phys_addr, 8, F_NUM),
		FLD(struct s2mmu_info_page_map, flags, 4, F_NUM),
		FLD(struct s2mmu_info_page_map, padding, 4, F_NUM),
	};
	static const struct field cg_f[] = {
		FLD(struct s2mmu_view_change_gfn, view, 4, F_NUM),
		FLD(struct s2mmu_view_change_gfn, flags, 4, F_NUM),
		FLD(struct s2mmu_view_change_gfn, gfn, 8, F_NUM),
		FLD(struct s2mmu_view_change_gfn, new_gfn, 8, F_NUM),
		FLD(struct s2mmu_view_change_gfn, reserved[0], 8, F_NUM),
		FLD(struct s2mmu_view_change_gfn, reserved[1], 8, F_NUM),
	};
	static const struct field acc_f[] = {
		FLD(struct s2mmu_vcpu_access, ipa, 8, F_NUM),
		FLD(struct s2mmu_vcpu_access, buf, 8, F_PTR),
		FLD(struct s2mmu_vcpu_access, len, 4, F_NUM),
		FLD(struct s2mmu_vcpu_access, kind, 4, F_NUM),
		FLD(struct s2mmu_vcpu_access, flags, 4, F_NUM),
		FLD(struct s2mmu_vcpu_access, reserved[0], 8, F_NUM),
		FLD(struct s2mmu_vcpu_access, reserved[1], 8, F_NUM),
	};
	static const struct field gva_f[] = {
		FLD(struct s2mmu_translate_gva, gva, 8, F_NUM),
		FLD(struct s2mmu_translate_gva, access, 4, F_NUM),
		FLD(struct s2mmu_translate_gva, el, 4, F_NUM),
		FLD(struct s2mmu_translate_gva, flags, 4, F_NUM),
		FLD(struct s2mmu_translate_gva, pad[0], 1, F_NUM),
		FLD(struct s2mmu_translate_gva, pad[2], 1, F_NUM),
		FLD(struct s2mmu_translate_gva, reserved[0], 8, F_NUM),
		FLD(struct s2mmu_translate_gva, reserved[1], 8, F_NUM),
	};
	/* Goods that change nothing visible when accepted as they are. */
	struct s2mmu_userspace_memory_region region_g =
		region(0, 0, GPA_A, SLOT_SIZE, self->mem);
	struct s2mmu_enable_cap cap_g = {
		.cap = S2MMU_CAP_MANUAL_DIRTY_LOG_PROTECT,
	};
	struct s2mmu_dirty_log get_g = {
		.slot = 0, .dirty_bitmap = (uintptr_t)self->bitmap,
	};
	struct s2mmu_clear_dirty_log clear_g = {
		.slot = 1, .num_pages = 0, .dirty_bitmap = (uintptr_t)self->bitmap,
	};
	/* Any nr up to the maximum reads and writes inside self->xl. */
	struct s2mmu_hw_translate xl_g = { .nr = 2, .entries = (uintptr_t)self->xl };
	struct s2mmu_debug_table_op dbg_g =
		dbg_op(S2MMU_DBG_CLEAR_YOUNG, GPA_FREE, TST_2M, 0, 0);
	struct s2mmu_vcpu_access acc_g = {
		.ipa = GPA_A, .buf = (uintptr_t)self->big, .len = 8,
		.kind = S2MMU_ACCESS_READ,
	};
	struct s2mmu_one_reg reg_g = {
		.id = S2MMU_REG_TPIDR_EL1, .addr = (uintptr_t)(self->big + 64),
	};
	struct s2mmu_reg_list list_g = { .n = REG_MAX };
	struct s2mmu_irq_level irq_g = { .line = S2MMU_IRQ_LINE_IRQ };
	/* Translations change nothing but the gva_* counters. */
	struct s2mmu_translate_gva gva_g = {
		.gva = GPA_A, .access = S2MMU_GVA_READ, .el = 1,
	};
	/* A restriction as it is (none), a read, the info page, a reset. */
	struct s2mmu_mem_access ma_set_g = {
		.gfn = GPA_A >> 12, .nr_pages = 1, .access = S2MMU_MEM_ACCESS_RWX,
	};
	struct s2mmu_mem_access ma_get_g = { .gfn = GPA_A >> 12, .nr_pages = 1 };
	struct s2mmu_info_page_map info_g = { .guest_phys_addr = GPA_FREE };
	struct s2mmu_view_change_gfn cg_g = {
		.view = 1, .gfn = GPA_A >> 12, .new_gfn = S2MMU_VIEW_GFN_RESET,
	};
	const struct target targets[] = {
		{ "SET_USER_MEMORY_REGION", 0, S2MMU_SET_USER_MEMORY_REGION,
		  &region_g, sizeof(region_g), region_f, ARRAY_SIZE(region_f),
		  region_errs },
		{ "ENABLE_CAP", 0, S2MMU_ENABLE_CAP, &cap_g, sizeof(cap_g),
		  cap_f, ARRAY_SIZE(cap_f), cap_errs },
		{ "GET_DIRTY_LOG", 0, S2MMU_GET_DIRTY_LOG, &get_g, sizeof(get_g),
		  get_f, ARRAY_SIZE(get_f), log_errs },
		{ "CLEAR_DIRTY_LOG", 0, S2MMU_CLEAR_DIRTY_LOG, &clear_g,
		  sizeof(clear_g), clear_f, ARRAY_SIZE(clear_f), log_errs },
		{ "HW_TRANSLATE", 0, S2MMU_HW_TRANSLATE, &xl_g, sizeof(xl_g),
		  xl_f, ARRAY_SIZE(xl_f), xl_errs },
		{ "DEBUG_TABLE_OP", 0, S2MMU_DEBUG_TABLE_OP, &dbg_g,
		  sizeof(dbg_g), dbg_f, ARRAY_SIZE(dbg_f), dbg_errs },
		{ "VCPU_ACCESS", 1, S2MMU_VCPU_ACCESS, &acc_g, sizeof(acc_g),
		  acc_f, ARRAY_SIZE(acc_f), acc_errs },
		{ "GET_ONE_REG", 1, S2MMU_GET_ONE_REG, &reg_g, sizeof(reg_g),
		  reg_f, ARRAY_SIZE(reg_f), reg_errs },
		{ "SET_ONE_REG", 1, S2MMU_SET_ONE_REG, &reg_g, sizeof(reg_g),
		  reg_f, ARRAY_SIZE(reg_f), reg_errs },
		{ "GET_REG_LIST", 1, S2MMU_GET_REG_LIST, &list_g,
		  sizeof(list_g), list_f, ARRAY_SIZE(list_f), list_errs },
		{ "IRQ_LINE", 1, S2MMU_IRQ_LINE, &irq_g, sizeof(irq_g),
		  irq_f, ARRAY_SIZE(irq_f), irq_errs },
		{ "TRANSLATE_GVA", 1, S2MMU_TRANSLATE_GVA, &gva_g, sizeof(gva_g),
		  gva_f, ARRAY_SIZE(gva_f), gva_errs },
		{ "SET_MEM_ACCESS", 0, S2MMU_SET_MEM_ACCESS, &ma_set_g,
		  sizeof(ma_set_g), ma_f, ARRAY_SIZE(ma_f), ma_errs },
		{ "GET_MEM_ACCESS", 0, S2MMU_GET_MEM_ACCESS, &ma_get_g,
		  sizeof(ma_get_g), ma_f, ARRAY_SIZE(ma_f), ma_errs },
		{ "MAP_INFO_PAGE", 0, S2MMU_MAP_INFO_PAGE, &info_g,
		  sizeof(info_g), info_f, ARRAY_SIZE(info_f), info_errs },
		{ "VIEW_CHANGE_GFN", 0, S2MMU_VIEW_CHANGE_GFN, &cg_g,
		  sizeof(cg_g), cg_f, ARRAY_SIZE(cg_f), cg_errs },
	};

	self->xl[0].ipa = GPA_A;
	self->xl[1].ipa = DBG_IPA;
	self->xl[1].access = S2MMU_HWT_WRITE;
	random_phase(_metadata, self, &targets[which]);
}

/*
 * The entries' input fields (ipa, access, reserved, pad) of the second
 * of two entries from boundary values and random bits: a refusal is
 * EINVAL and changes nothing -- the first, good entry not translated or
 * counted either; an accepted batch is the new baseline.
 */
TEST_F(fz, random_hw_translate_entries)
{
	const struct s2mmu_hw_xlate good[2] = {
		{ .ipa = GPA_A, .access = S2MMU_HWT_READ },
		{ .ipa = GPA_B, .access = S2MMU_HWT_WRITE },
	};
	static const struct field ent_f[] = {
		FLD(struct s2mmu_hw_xlate, ipa, 8, F_NUM),
		FLD(struct s2mmu_hw_xlate, access, 4, F_NUM),
		FLD(struct s2mmu_hw_xlate, reserved, 4, F_NUM),
		FLD(struct s2mmu_hw_xlate, pad[0], 1, F_NUM),
		FLD(struct s2mmu_hw_xlate, pad[6], 1, F_NUM),
	};
	struct s2mmu_hw_xlate e[2];
	struct s2mmu_hw_translate t = { .nr = 2, .entries = (uintptr_t)e };
	unsigned int round, rejected = 0;

	if (!hw_at(self))
		SKIP(return, "no EL2 hardware translation");
	for (round = 0; round < RANDOM_ROUNDS; round++) {
		const struct field *f = &ent_f[rnd(self) % ARRAY_SIZE(ent_f)];
		__u64 v = boundary(self, f->size);
		long r;

		memcpy(e, good, sizeof(e));
		memcpy((__u8 *)&e[1] + f->off, &v, f->size);
		r = xioctl(self->vm, S2MMU_HW_TRANSLATE, &t);
		if (!r) {
			take_snap(self, &self->base);
			continue;
		}
		rejected++;
		EXPECT_EQ(-EINVAL, r);
		EXPECT_TRUE(same_as_base(_metadata, self, "random entry", __LINE__));
	}
	TH_LOG("HW_TRANSLATE entries: %u random refused and checked", rejected);
}

/* One fresh VM per ioctl: what one accepted call did stays in its test. */
TEST_F(fz, random_set_user_memory_region)
{
	random_target(_metadata, self, 0);
}

TEST_F(fz, random_enable_cap)
{
	random_target(_metadata, self, 1);
}

TEST_F(fz, random_get_dirty_log)
{
	random_target(_metadata, self, 2);
}

TEST_F(fz, random_clear_dirty_log)
{
	random_target(_metadata, self, 3);
}

TEST_F(fz, random_hw_translate)
{
	random_target(_metadata, self, 4);
}

TEST_F(fz, random_debug_table_op)
{
	random_target(_metadata, self, 5);
}

TEST_F(fz, random_vcpu_access)
{
	random_target(_metadata, self, 6);
}

TEST_F(fz, random_get_one_reg)
{
	random_target(_metadata, self, 7);
}

TEST_F(fz, random_set_one_reg)
{
	random_target(_metadata, self, 8);
}

TEST_F(fz, random_get_reg_list)
{
	random_target(_metadata, self, 9);
}

TEST_F(fz, random_irq_line)
{
	random_target(_metadata, self, 10);
}

TEST_F(fz, random_translate_gva)
{
	random_target(_metadata, self, 11);
}

TEST_F(fz, random_set_mem_access)
{
	random_target(_metadata, self, 12);
}

TEST_F(fz, random_get_mem_access)
{
	random_target(_metadata, self, 13);
}

TEST_F(fz, random_map_info_page)
{
	random_target(_metadata, self, 14);
}

/* With views 1 and 2, view 1 remapping a frame: the good call resets it. */
TEST_F(fz, random_view_change_gfn)
{
	struct s2mmu_view_change_gfn cg = {
		.view = 1, .gfn = GPA_A >> 12, .new_gfn = (GPA_A >> 12) + 1,
	};

	if (!(self->feat.flags & S2MMU_FEAT_VIEWS))
		SKIP(return, "no S2MMU_FEAT_VIEWS");
	ASSERT_EQ(1, xioctl(self->vm, S2MMU_CREATE_VIEW, (void *)0UL));
	ASSERT_EQ(2, xioctl(self->vm, S2MMU_CREATE_VIEW, (void *)0UL));
	ASSERT_EQ(0, xioctl(self->vm, S2MMU_VIEW_CHANGE_GFN, &cg));
	take_snap(self, &self->base);
	random_target(_metadata, self, 15);
}

/* An ioctl whose argument is an integer, and the errnos it may give. */
struct int_target {
	const char *name;
	int which;		/* 0 VM fd, 1 vCPU fd */
	unsigned long cmd;
	const int *errs;	/* 0-terminated */
};

/*
 * Integer arguments from boundary values and random bits: a refusal
 * must be documented and change nothing; what is accepted (a view
 * created, destroyed or switched to, a vCPU created) is the new baseline.
 */
static void random_int_phase(struct __test_metadata *_metadata,
			     struct _test_data_fz *self,
			     const struct int_target *t)
{
	int fd = t->which ? self->vcpu.fd : self->vm;
	unsigned int round, k, rejected = 0, accepted = 0;

	for (round = 0; round < RANDOM_ROUNDS; round++) {
		unsigned long arg = boundary(self, rnd(self) % 2 ? 8 : 4);
		bool documented = false;
		long r = xioctl(fd, t->cmd, (void *)arg);

		if (r >= 0) {
			accepted++;
			take_snap(self, &self->base);
			continue;
		}
		rejected++;
		for (k = 0; t->errs[k]; k++)
			documented |= r == -t->errs[k];
		EXPECT_TRUE(documented) {
			TH_LOG("%s(%#lx): undocumented errno %ld", t->name, arg, r);
		}
		EXPECT_TRUE(same_as_base(_metadata, self, t->name, __LINE__));
	}
	TH_LOG("%s: %u random arguments refused and checked, %u accepted",
	       t->name, rejected, accepted);
}

TEST_F(fz, random_int_args)
{
	static const int create_errs[] = { EINVAL, ENOSPC, ENOMEM, 0 };
	static const int view_errs[] = { EINVAL, ENOENT, 0 };
	static const int unmap_errs[] = { EINVAL, ENOENT, 0 };
	static const int vcpu_errs[] = { EINVAL, EEXIST, ENOMEM, 0 };
	const struct int_target t[] = {
		{ "CREATE_VIEW", 0, S2MMU_CREATE_VIEW, create_errs },
		{ "SWITCH_VIEW", 1, S2MMU_SWITCH_VIEW, view_errs },
		{ "DESTROY_VIEW", 0, S2MMU_DESTROY_VIEW, view_errs },
		{ "UNMAP_INFO_PAGE", 0, S2MMU_UNMAP_INFO_PAGE, unmap_errs },
		{ "CREATE_VCPU", 0, S2MMU_CREATE_VCPU, vcpu_errs },
	};
	struct s2mmu_info_page_map m = { .guest_phys_addr = GPA_FREE };
	unsigned int i;

	if (self->feat.flags & S2MMU_FEAT_VIEWS) {
		ASSERT_EQ(1, xioctl(self->vm, S2MMU_CREATE_VIEW, (void *)0UL));
		ASSERT_EQ(2, xioctl(self->vm, S2MMU_CREATE_VIEW, (void *)0UL));
	}
	ASSERT_EQ(0, xioctl(self->vm, S2MMU_MAP_INFO_PAGE, &m));
	take_snap(self, &self->base);
	for (i = 0; i < ARRAY_SIZE(t); i++)
		random_int_phase(_metadata, self, &t[i]);
}

/*
 * Views: every bad id of CREATE/DESTROY/SWITCH and view-addressed
 * mem_access is refused with its errno and changes nothing (no view is
 * created, the stats stay); then the good calls, up to -ENOSPC.
 */
TEST_F(fz, views)
{
	struct s2mmu_mem_access m = {
		.gfn = GPA_A >> 12, .nr_pages = 1, .access = S2MMU_MEM_ACCESS_N,
	};
	unsigned long bad[] = { S2MMU_MAX_VIEWS, S2MMU_MAX_VIEWS + 1, 255,
				1UL << 31, 1UL << 32, ~0UL };
	unsigned int i, b;
	int id;

	if (!(self->feat.flags & S2MMU_FEAT_VIEWS))
		SKIP(return, "no S2MMU_FEAT_VIEWS");
	for (b = 0; b < 64; b++)
		REJECT(self->vm, S2MMU_CREATE_VIEW, (void *)(1UL << b), EINVAL,
		       "create arg");
	REJECT(self->vm, S2MMU_DESTROY_VIEW, (void *)0UL, EINVAL, "destroy 0");
	for (i = 1; i < S2MMU_MAX_VIEWS; i++) {
		REJECT(self->vm, S2MMU_DESTROY_VIEW, (void *)(unsigned long)i,
		       ENOENT, "destroy absent");
		REJECT(self->vcpu.fd, S2MMU_SWITCH_VIEW, (void *)(unsigned long)i,
		       ENOENT, "switch absent");
		m.view = i;
		REJECT(self->vm, S2MMU_SET_MEM_ACCESS, &m, ENOENT, "set absent");
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		REJECT(self->vm, S2MMU_DESTROY_VIEW, (void *)bad[i], EINVAL,
		       "destroy id");
		REJECT(self->vcpu.fd, S2MMU_SWITCH_VIEW, (void *)bad[i], EINVAL,
		       "switch id");
	}
	for (i = 0; i < 64; i += 3) {
		struct s2mmu_view_change_gfn cg = {
			.view = 1, .gfn = GPA_A >> 12, .new_gfn = GPA_A >> 12,
		};
		const __u64 top = 1ULL << (IPA_BITS - 12);

		REJECT(self->vm, S2MMU_VIEW_CHANGE_GFN, &cg, ENOENT, "cg absent");
		cg.view = 0;
		REJECT(self->vm, S2MMU_VIEW_CHANGE_GFN, &cg, EINVAL, "cg view 0");
		cg.view = S2MMU_MAX_VIEWS + i;
		REJECT(self->vm, S2MMU_VIEW_CHANGE_GFN, &cg, EINVAL, "cg view");
		cg.view = 1;
		if (i < 32) {
			cg.flags = 1U << i;
			REJECT(self->vm, S2MMU_VIEW_CHANGE_GFN, &cg, EINVAL,
			       "cg flags");
			cg.flags = 0;
		}
		cg.reserved[i & 1] = 1ULL << i;
		REJECT(self->vm, S2MMU_VIEW_CHANGE_GFN, &cg, EINVAL, "cg reserved");
		cg.reserved[i & 1] = 0;
		cg.gfn = top + i;
		REJECT(self->vm, S2MMU_VIEW_CHANGE_GFN, &cg, EINVAL, "cg gfn");
		cg.gfn = GPA_A >> 12;
		cg.new_gfn = top << (i % 8);
		REJECT(self->vm, S2MMU_VIEW_CHANGE_GFN, &cg, EINVAL, "cg new_gfn");
	}
	REJECT(self->vm, S2MMU_VIEW_CHANGE_GFN, (void *)8UL, EFAULT, "cg ptr");
	REJECT(self->vcpu.fd, S2MMU_CREATE_VIEW, (void *)0UL, ENOTTY,
	       "create on vcpu");
	REJECT(self->vm, S2MMU_SWITCH_VIEW, (void *)0UL, ENOTTY, "switch on vm");
	/* Switching to view 0 is always fine and changes nothing. */
	ASSERT_EQ(0, xioctl(self->vcpu.fd, S2MMU_SWITCH_VIEW, (void *)0UL));
	EXPECT_TRUE(same_as_base(_metadata, self, "switch 0", __LINE__));

	for (i = 1; i < S2MMU_MAX_VIEWS; i++) {
		id = xioctl(self->vm, S2MMU_CREATE_VIEW, (void *)0UL);
		EXPECT_EQ((int)i, id);
	}
	EXPECT_EQ(-ENOSPC, xioctl(self->vm, S2MMU_CREATE_VIEW, (void *)0UL));
	ASSERT_EQ(0, xioctl(self->vcpu.fd, S2MMU_SWITCH_VIEW, (void *)3UL));
	ASSERT_EQ(0, xioctl(self->vm, S2MMU_DESTROY_VIEW, (void *)3UL));
	EXPECT_EQ(-ENOENT, xioctl(self->vm, S2MMU_DESTROY_VIEW, (void *)3UL));
	/* The lowest free id comes back. */
	EXPECT_EQ(3, xioctl(self->vm, S2MMU_CREATE_VIEW, (void *)0UL));
	m.view = 3;
	EXPECT_EQ(0, xioctl(self->vm, S2MMU_SET_MEM_ACCESS, &m));
	m.access = 0;
	EXPECT_EQ(0, xioctl(self->vm, S2MMU_GET_MEM_ACCESS, &m));
	EXPECT_EQ((__u32)S2MMU_MEM_ACCESS_N, m.access);
	m.view = 0;
	m.access = 0;
	EXPECT_EQ(0, xioctl(self->vm, S2MMU_GET_MEM_ACCESS, &m));
	EXPECT_NE((__u32)S2MMU_MEM_ACCESS_N, m.access);
}

static bool test_hooks_on(void)
{
	char c = 'N';
	FILE *f = fopen("/sys/module/s2mmu/parameters/test_hooks", "r");

	if (f) {
		if (fread(&c, 1, 1, f) != 1)
			c = 'N';
		fclose(f);
	}
	return c == 'Y' || c == '1';
}

/* VIEW_CHANGE_GFN refusals of every field, against an existing view. */
static void views_change_gfn_refused(struct __test_metadata *_metadata,
				     struct _test_data_fz *self, __u32 view)
{
	const __u64 top = 1ULL << (IPA_BITS - 12);
	const struct s2mmu_view_change_gfn good = {
		.view = view, .gfn = GPA_A >> 12, .new_gfn = (GPA_A >> 12) + 2,
	};
	struct s2mmu_view_change_gfn cg;
	unsigned int b;
	__u64 p[5];

	for (b = 0; b < 32; b++) {
		if (!b && test_hooks_on())
			continue;	/* the test-only flag is accepted */
		cg = good; cg.flags = 1U << b;
		REJECT(self->vm, S2MMU_VIEW_CHANGE_GFN, &cg, EINVAL, "cg flags");
	}
	for (b = 0; b < 64; b += 5) {
		cg = good; cg.reserved[b & 1] = 1ULL << b;
		REJECT(self->vm, S2MMU_VIEW_CHANGE_GFN, &cg, EINVAL, "cg reserved");
	}
	for (b = 0; b < 64 - (IPA_BITS - 12); b += 3) {
		cg = good; cg.gfn = top << b;
		REJECT(self->vm, S2MMU_VIEW_CHANGE_GFN, &cg, EINVAL, "cg gfn");
		cg = good; cg.new_gfn = top << b;
		REJECT(self->vm, S2MMU_VIEW_CHANGE_GFN, &cg, EINVAL, "cg new_gfn");
	}
	cg = good; cg.gfn = ~0ULL;
	REJECT(self->vm, S2MMU_VIEW_CHANGE_GFN, &cg, EINVAL, "cg gfn ~0");
	cg = good; cg.new_gfn = S2MMU_VIEW_GFN_RESET - 1;
	REJECT(self->vm, S2MMU_VIEW_CHANGE_GFN, &cg, EINVAL, "cg new_gfn ~1");
	cg = good; cg.view = 0;
	REJECT(self->vm, S2MMU_VIEW_CHANGE_GFN, &cg, EINVAL, "cg view 0");
	cg = good; cg.view = S2MMU_MAX_VIEWS;
	REJECT(self->vm, S2MMU_VIEW_CHANGE_GFN, &cg, EINVAL, "cg view max");
	cg = good; cg.view = view + 2;
	REJECT(self->vm, S2MMU_VIEW_CHANGE_GFN, &cg, ENOENT, "cg view absent");
	bad_ptrs(self, p, false);
	for (b = 0; b < 5; b++)
		REJECT(self->vm, S2MMU_VIEW_CHANGE_GFN, (void *)p[b], EFAULT,
		       "cg ptr");
}

/* SET/GET_MEM_ACCESS refusals of every field, addressed to @view. */
static void views_mem_access_refused(struct __test_metadata *_metadata,
				     struct _test_data_fz *self, __u32 view)
{
	const __u64 top = 1ULL << (IPA_BITS - 12);
	const struct s2mmu_mem_access good = {
		.gfn = GPA_A >> 12, .nr_pages = 1, .access = S2MMU_MEM_ACCESS_R,
		.view = view,
	};
	struct s2mmu_mem_access m;
	unsigned int b;

	for (b = 0; b < 32; b += 3) {
		m = good; m.access = S2MMU_MEM_ACCESS_N2RWX + (1U << b);
		REJECT(self->vm, S2MMU_SET_MEM_ACCESS, &m, EINVAL, "view access");
		m = good; m.flags = 1U << b;
		REJECT(self->vm, S2MMU_SET_MEM_ACCESS, &m, EINVAL, "view flags");
		m = good; m.pad = 1U << b;
		REJECT(self->vm, S2MMU_SET_MEM_ACCESS, &m, EINVAL, "view pad");
		m = good; m.reserved = 1ULL << (2 * b);
		REJECT(self->vm, S2MMU_SET_MEM_ACCESS, &m, EINVAL, "view reserved");
		m = good; m.access = 0; m.flags = 1U << b;
		REJECT(self->vm, S2MMU_GET_MEM_ACCESS, &m, EINVAL, "view get flags");
		m = good; m.access = 0; m.pad = 1U << b;
		REJECT(self->vm, S2MMU_GET_MEM_ACCESS, &m, EINVAL, "view get pad");
	}
	m = good; m.nr_pages = 0;
	REJECT(self->vm, S2MMU_SET_MEM_ACCESS, &m, EINVAL, "view 0 pages");
	m = good; m.gfn = top - 1; m.nr_pages = 2;
	REJECT(self->vm, S2MMU_SET_MEM_ACCESS, &m, EINVAL, "view end > top");
	m = good; m.gfn = ~0ULL; m.nr_pages = 2;
	REJECT(self->vm, S2MMU_SET_MEM_ACCESS, &m, EINVAL, "view range wraps");
	m = good; m.gfn = 0; m.nr_pages = S2MMU_MEM_ACCESS_MAX_PAGES + 1;
	REJECT(self->vm, S2MMU_SET_MEM_ACCESS, &m, E2BIG, "view too many pages");
	m = good; m.access = 0; m.gfn = top;
	REJECT(self->vm, S2MMU_GET_MEM_ACCESS, &m, EINVAL, "view get gfn = top");
	m = good; m.access = 0; m.nr_pages = 2;
	REJECT(self->vm, S2MMU_GET_MEM_ACCESS, &m, EINVAL, "view get 2 pages");
}

/*
 * With views 1 and 2 present -- view 1 with a restriction and a remap --
 * the id checks pass, so every later check must hold on its own: each
 * refused call leaves every view's restrictions, the set of views and
 * the VM as they were.
 */
TEST_F(fz, views_present)
{
	struct s2mmu_mem_access m = {
		.gfn = (GPA_A >> 12) + 1, .nr_pages = 1,
		.access = S2MMU_MEM_ACCESS_RX, .view = 1,
	};
	struct s2mmu_view_change_gfn cg = {
		.view = 1, .gfn = GPA_A >> 12, .new_gfn = (GPA_A >> 12) + 1,
	};
	static const unsigned long bad[] = {
		0, S2MMU_MAX_VIEWS, 255, 1UL << 31, 1UL << 32, ~0UL,
	};
	const __u64 mark = 0x7e57ab1e0000f00dULL, mark1 = 0x7e57ab1e0001f00dULL;
	unsigned int i;

	if (!(self->feat.flags & S2MMU_FEAT_VIEWS))
		SKIP(return, "no S2MMU_FEAT_VIEWS");
	ASSERT_EQ(1, xioctl(self->vm, S2MMU_CREATE_VIEW, (void *)0UL));
	ASSERT_EQ(2, xioctl(self->vm, S2MMU_CREATE_VIEW, (void *)0UL));
	ASSERT_EQ(0, xioctl(self->vm, S2MMU_SET_MEM_ACCESS, &m));
	ASSERT_EQ(0, xioctl(self->vm, S2MMU_VIEW_CHANGE_GFN, &cg));
	/*
	 * View 1 shows frame 1's page at frame 0, view 2 frame 4's at frame
	 * 3, each page marked: a guest read sees the view it runs on, and
	 * the remap in force.
	 */
	memcpy(self->mem + TST_PAGE + 8, &mark1, sizeof(mark1));
	memcpy(self->mem + 4 * TST_PAGE, &mark, sizeof(mark));
	cg.view = 2;
	cg.gfn = (GPA_A >> 12) + 3;
	cg.new_gfn = (GPA_A >> 12) + 4;
	ASSERT_EQ(0, xioctl(self->vm, S2MMU_VIEW_CHANGE_GFN, &cg));
	ASSERT_EQ(0, xioctl(self->vcpu.fd, S2MMU_SWITCH_VIEW, (void *)2UL));
	take_snap(self, &self->base);
	ASSERT_EQ((__u32)S2MMU_MEM_ACCESS_RX, self->base.ma[1][1]);
	ASSERT_EQ(MA_ERR | ENOENT, self->base.ma[3][0]);

	views_change_gfn_refused(_metadata, self, 1);
	views_mem_access_refused(_metadata, self, 1);
	views_mem_access_refused(_metadata, self, 2);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		REJECT(self->vm, S2MMU_DESTROY_VIEW, (void *)bad[i], EINVAL,
		       "destroy id");
		if (bad[i])
			REJECT(self->vcpu.fd, S2MMU_SWITCH_VIEW, (void *)bad[i],
			       EINVAL, "switch id");
		if (bad[i])
			REJECT(self->vm, S2MMU_CREATE_VIEW, (void *)bad[i],
			       EINVAL, "create arg");
	}
	REJECT(self->vm, S2MMU_DESTROY_VIEW, (void *)3UL, ENOENT, "destroy absent");
	REJECT(self->vcpu.fd, S2MMU_SWITCH_VIEW, (void *)3UL, ENOENT, "switch absent");
	/*
	 * No refused call moved the vCPU off view 2, nor changed view 1's
	 * remap (no ioctl reads either back).
	 */
	if (can_run(self)) {
		ASSERT_EQ(0, guest_setup(self, fz_guest_mmio_read,
					 GPA_A + 3 * TST_PAGE));
		EXPECT_EQ(mark, run_to_done(_metadata, self));
		ASSERT_EQ(0, xioctl(self->vcpu.fd, S2MMU_SWITCH_VIEW, (void *)1UL));
		ASSERT_EQ(0, guest_setup(self, fz_guest_mmio_read, GPA_A + 8));
		EXPECT_EQ(mark1, run_to_done(_metadata, self));
		take_snap(self, &self->base);
	}
	/*
	 * The check sees what it must: a restriction in view 2 alone, and
	 * view 2 replaced by a new one (same number of views) without it.
	 */
	m.view = 2;
	m.gfn = GPA_A >> 12;
	m.access = S2MMU_MEM_ACCESS_N;
	ASSERT_EQ(0, xioctl(self->vm, S2MMU_SET_MEM_ACCESS, &m));
	EXPECT_FALSE(same_as_base(_metadata, self, "view 2 restricted", __LINE__));
	ASSERT_EQ(0, xioctl(self->vm, S2MMU_DESTROY_VIEW, (void *)2UL));
	ASSERT_EQ(2, xioctl(self->vm, S2MMU_CREATE_VIEW, (void *)0UL));
	EXPECT_FALSE(same_as_base(_metadata, self, "view 2 replaced", __LINE__));
	/* Full: the next CREATE_VIEW is refused and creates nothing. */
	for (i = 3; i < S2MMU_MAX_VIEWS; i++)
		ASSERT_EQ((int)i, xioctl(self->vm, S2MMU_CREATE_VIEW, (void *)0UL));
	take_snap(self, &self->base);
	REJECT(self->vm, S2MMU_CREATE_VIEW, (void *)0UL, ENOSPC, "create, full");
}

/* S2MMU_RUN takes no argument: any other is EINVAL, the vCPU untouched. */
TEST_F(fz, random_run)
{
	unsigned int round;

	for (round = 0; round < RANDOM_ROUNDS; round++) {
		/* Never 0: that would run the guest (of pattern registers). */
		unsigned long arg = boundary(self, 8) ?: 1;

		REJECT(self->vcpu.fd, S2MMU_RUN, (void *)arg, EINVAL, "RUN arg");
	}
}

TEST_HARNESS_MAIN
