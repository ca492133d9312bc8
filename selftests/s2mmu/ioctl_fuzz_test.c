// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl_fuzz_test: every field of every s2mmu ioctl, the debug ones
 * included, given bad values -- out of range, misaligned, overflowing,
 * reserved bits set, unknown flags, bad pointers -- and checked for the
 * errno the uapi header documents.  After every rejected call the test
 * proves that the call changed nothing: the VM's counters, the module's
 * counters, which slots exist and whether they log, the dirty logs, the
 * manual-protect mode, and (on EL2 hosts) what the VM's table and its
 * debug table translate a sample of IPAs to.
 *
 * Two phases per ioctl: a systematic one (each field, each kind of bad
 * value, the exact errno) and a seeded random one (1 to 3 fields of a good
 * argument replaced by boundary values and random bits; any documented
 * errno is accepted, an accepted call becomes the new baseline).
 *
 * Written against include/uapi/linux/s2mmu.h and Documentation/abi.rst
 * only.
 */
#include "s2mmu_util.h"

#include <stdbool.h>
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

/* Slot ids whose existence (and logging) every check probes. */
static const __u32 probe_ids[] = { 0, 1, 2, 3, 5, 7, 31, S2MMU_MEMSLOT_ID_LIMIT - 1 };
#define NPROBE		ARRAY_SIZE(probe_ids)
#define NXL		16

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
};

FIXTURE(fz) {
	int dev, vm;
	struct tst_vcpu vcpu;
	struct s2mmu_features feat;
	__u8 *mem;		/* backing of slots 0, 1, 2, and spare */
	__u8 *ro;		/* a read-only page */
	__u8 *none;		/* a PROT_NONE page */
	__u64 *bitmap;		/* a good bitmap buffer, big enough for any slot */
	__u8 *big;		/* S2MMU_ACCESS_MAX_LEN bytes for any access */
	struct s2mmu_hw_xlate *xl;	/* S2MMU_HWT_MAX entries */
	bool manual_on;		/* manual dirty-log protect enabled */
	__u64 start_ns;		/* for the time each test takes */
	struct snap base;
	unsigned int checks;
	unsigned int seed;
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
	for (t = 0; t < 2 && hw_at(self); t++) {
		struct s2mmu_hw_translate tr = {
			.nr = NXL,
			.flags = t ? S2MMU_HWT_DEBUG_TABLE : 0,
			.entries = (uintptr_t)s->xl[t],
		};

		xl_fill(s->xl[t], t);
		s->xl_ret[t] = xioctl(self->vm, S2MMU_HW_TRANSLATE, &tr);
	}
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
	ASSERT_NE(MAP_FAILED, self->ro);
	ASSERT_NE(MAP_FAILED, self->none);
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
		S2MMU_MAP_INFO_PAGE, S2MMU_UNMAP_INFO_PAGE,
	};
	static const unsigned long vcpu_known[] = {
		S2MMU_VCPU_ACCESS,
#ifdef S2MMU_RUN
		S2MMU_RUN, S2MMU_GET_ONE_REG, S2MMU_SET_ONE_REG,
		S2MMU_GET_REG_LIST, S2MMU_IRQ_LINE,
#endif
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
		if (ops[k].op == S2MMU_DBG_RELAX)
			continue;	/* one IPA: no range */
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

/* ---- random phase -------------------------------------------------- */

/* A field of an ioctl argument, and how to make a bad value for it. */
enum fkind { F_NUM, F_PTR };

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
	__u8 arg[256];
	int fd = t->which ? self->vcpu.fd : self->vm;

	for (round = 0; round < RANDOM_ROUNDS; round++) {
		bool documented = false;
		long r;

		memcpy(arg, t->good, t->size);
		n = 1 + rnd(self) % 3;
		for (k = 0; k < n; k++) {
			const struct field *f = &t->fields[rnd(self) % t->nfields];
			__u64 v = f->kind == F_PTR ? bad_ptr(self) :
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
	static const struct field acc_f[] = {
		FLD(struct s2mmu_vcpu_access, ipa, 8, F_NUM),
		FLD(struct s2mmu_vcpu_access, buf, 8, F_PTR),
		FLD(struct s2mmu_vcpu_access, len, 4, F_NUM),
		FLD(struct s2mmu_vcpu_access, kind, 4, F_NUM),
		FLD(struct s2mmu_vcpu_access, flags, 4, F_NUM),
		FLD(struct s2mmu_vcpu_access, reserved[0], 8, F_NUM),
		FLD(struct s2mmu_vcpu_access, reserved[1], 8, F_NUM),
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
	};

	self->xl[0].ipa = GPA_A;
	self->xl[1].ipa = DBG_IPA;
	self->xl[1].access = S2MMU_HWT_WRITE;
	random_phase(_metadata, self, &targets[which]);
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

TEST_HARNESS_MAIN
