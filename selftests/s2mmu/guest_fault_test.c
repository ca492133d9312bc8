// SPDX-License-Identifier: GPL-2.0
/*
 * The stage-2 fault matrix with a real guest: {anonymous, anonymous+THP,
 * hugetlbfs, shared memfd} x {RW slot, RO slot} x {dirty logging off, on}
 * x {stage-1 MMU off, on}, and in each the guest's own loads, stores,
 * load pairs across pages and instruction fetches (S2MMU_RUN).
 *
 * The guest runs a command loop: it asks for a command with an HVC,
 * performs it and returns the result at its next HVC.  Before a command
 * the VMM reads the VM's counters; after it, it checks the data the guest
 * saw (or the MMIO exit it took), the faults by kind, mappings by level,
 * pins, dirty marks (and the dirty log), BBMs and relaxes.
 *
 * With the MMU on, the guest translates through page tables of its own:
 * an identity map whose level-2 and level-3 tables for the test slot lie
 * in the test slot itself, in pages nothing touched yet.  The guest's
 * first access there takes a stage-2 fault on its own stage-1 walk
 * (S1PTW) for each table before the fault on the data, and those walks
 * read the tables: the tables map read-only even in a read-only slot and
 * are never marked dirty.
 */
#include "guest_test.h"

#define SLOT		0
#define SLOT_GPA	0x40000000ULL
#define SLOT_SIZE	(2 * TST_2M)
/* Data: page 1 of the second 2M block, offset 8. */
#define TEST_OFF	(TST_2M + TST_PAGE + 8)
/* Load pairs across pages 2 and 3 of that block. */
#define PAIR_OFF	(TST_2M + 3 * TST_PAGE - 8)
/* An IPA outside every slot. */
#define MMIO_GPA	(SLOT_GPA + SLOT_SIZE + 16)
#define MMIO_READ_VAL	0x0123456789abcdefULL
/* The test slot's stage-1 tables: first 2M block, away from the data. */
#define S1_L2_OFF	(TST_2M / 2)
#define S1_L3_DATA_OFF	(TST_2M / 2 + TST_PAGE)
#define S1_L3_MMIO_OFF	(TST_2M / 2 + 2 * TST_PAGE)
/* The code slot's own stage-1 tables, in the data area. */
#define S1_ROOT_DOFF	0
#define S1_CODE_L2_DOFF	TST_PAGE
#define S1_CODE_L3_DOFF	(2 * TST_PAGE)

/* guest_cmd_loop()'s commands, and this test's own. */
#define CMD_READ	GUEST_CMD_READ
#define CMD_WRITE	GUEST_CMD_WRITE
#define CMD_EXEC	GUEST_CMD_EXEC
#define CMD_READ_PAIR	GUEST_CMD_TEST

/* Stage-1 (EL1&0, 4K granule, 39-bit VA) encodings. */
#define S1_TABLE	0x3ULL
#define S1_PAGE		0x703ULL	/* valid page, SH inner (9:8), AF (10) */
#define S1_ATTR_NORMAL	0x0ULL		/* AttrIndx 0 */
#define S1_ATTR_DEVICE	0x4ULL		/* AttrIndx 1 */
#define S1_UXN		0x40000000000000ULL	/* bit 54 */
#define MAIR_VALUE	0x04ffULL	/* attr0 Normal WB, attr1 Device-nGnRE */
/*
 * TCR_EL1: T0SZ 25 (5:0), IRGN0 (9:8) and ORGN0 (11:10) write-back, SH0
 * inner (13:12), TG0 4K (15:14 = 0), EPD1 (23), IPS 40 bits (34:32 = 2).
 */
#define TCR_VALUE	0x200803519ULL
/* SCTLR_EL1: M (0), C (2), I (12). */
#define SCTLR_MMU_ON	(GUEST_SCTLR_RESET | 0x1005ULL)

/* guest_cmd_loop()'s hook: CMD_READ_PAIR, one LDP at @addr. */
GUEST_CODE __u64 guest_fault_cmd(__u64 op, __u64 addr, __u64 val)
{
	__u64 a, b;

	if (op != CMD_READ_PAIR)
		return 0;
	asm volatile("ldp %0, %1, [%2]" : "=&r"(a), "=&r"(b) : "r"(addr) : "memory");
	return a ^ b;
}

static __u64 pattern(__u64 off)
{
	return 0x5a5a000000000000ULL | off;
}

FIXTURE(gf) {
	struct guest_vm g;
	struct tst_vcpu *v;
	__u8 *mem;
	int huge;	/* the host backs the slot with 2M pages */
	int block;	/* and so stage 2 maps blocks */
	__u64 tables;	/* stage-2 mappings the guest's S1 tables need */
	struct guest_mmio_log mmio;
	struct s2mmu_stats before;
};

FIXTURE_VARIANT(gf) {
	enum tst_backing backing;
	int readonly;
	int logging;
	int mmu;
};

FIXTURE_VARIANT_ADD(gf, ANON_rw_nolog_mmuoff) {
	.backing = TST_ANON,
	.readonly = 0,
	.logging = 0,
	.mmu = 0,
};

FIXTURE_VARIANT_ADD(gf, ANON_rw_log_mmuoff) {
	.backing = TST_ANON,
	.readonly = 0,
	.logging = 1,
	.mmu = 0,
};

FIXTURE_VARIANT_ADD(gf, ANON_ro_nolog_mmuoff) {
	.backing = TST_ANON,
	.readonly = 1,
	.logging = 0,
	.mmu = 0,
};

FIXTURE_VARIANT_ADD(gf, ANON_ro_log_mmuoff) {
	.backing = TST_ANON,
	.readonly = 1,
	.logging = 1,
	.mmu = 0,
};

FIXTURE_VARIANT_ADD(gf, ANON_THP_rw_nolog_mmuoff) {
	.backing = TST_ANON_THP,
	.readonly = 0,
	.logging = 0,
	.mmu = 0,
};

FIXTURE_VARIANT_ADD(gf, ANON_THP_rw_log_mmuoff) {
	.backing = TST_ANON_THP,
	.readonly = 0,
	.logging = 1,
	.mmu = 0,
};

FIXTURE_VARIANT_ADD(gf, ANON_THP_ro_nolog_mmuoff) {
	.backing = TST_ANON_THP,
	.readonly = 1,
	.logging = 0,
	.mmu = 0,
};

FIXTURE_VARIANT_ADD(gf, ANON_THP_ro_log_mmuoff) {
	.backing = TST_ANON_THP,
	.readonly = 1,
	.logging = 1,
	.mmu = 0,
};

FIXTURE_VARIANT_ADD(gf, HUGETLB_rw_nolog_mmuoff) {
	.backing = TST_HUGETLB,
	.readonly = 0,
	.logging = 0,
	.mmu = 0,
};

FIXTURE_VARIANT_ADD(gf, HUGETLB_rw_log_mmuoff) {
	.backing = TST_HUGETLB,
	.readonly = 0,
	.logging = 1,
	.mmu = 0,
};

FIXTURE_VARIANT_ADD(gf, HUGETLB_ro_nolog_mmuoff) {
	.backing = TST_HUGETLB,
	.readonly = 1,
	.logging = 0,
	.mmu = 0,
};

FIXTURE_VARIANT_ADD(gf, HUGETLB_ro_log_mmuoff) {
	.backing = TST_HUGETLB,
	.readonly = 1,
	.logging = 1,
	.mmu = 0,
};

FIXTURE_VARIANT_ADD(gf, MEMFD_rw_nolog_mmuoff) {
	.backing = TST_MEMFD,
	.readonly = 0,
	.logging = 0,
	.mmu = 0,
};

FIXTURE_VARIANT_ADD(gf, MEMFD_rw_log_mmuoff) {
	.backing = TST_MEMFD,
	.readonly = 0,
	.logging = 1,
	.mmu = 0,
};

FIXTURE_VARIANT_ADD(gf, MEMFD_ro_nolog_mmuoff) {
	.backing = TST_MEMFD,
	.readonly = 1,
	.logging = 0,
	.mmu = 0,
};

FIXTURE_VARIANT_ADD(gf, MEMFD_ro_log_mmuoff) {
	.backing = TST_MEMFD,
	.readonly = 1,
	.logging = 1,
	.mmu = 0,
};

FIXTURE_VARIANT_ADD(gf, ANON_rw_nolog_mmuon) {
	.backing = TST_ANON,
	.readonly = 0,
	.logging = 0,
	.mmu = 1,
};

FIXTURE_VARIANT_ADD(gf, ANON_rw_log_mmuon) {
	.backing = TST_ANON,
	.readonly = 0,
	.logging = 1,
	.mmu = 1,
};

FIXTURE_VARIANT_ADD(gf, ANON_ro_nolog_mmuon) {
	.backing = TST_ANON,
	.readonly = 1,
	.logging = 0,
	.mmu = 1,
};

FIXTURE_VARIANT_ADD(gf, ANON_ro_log_mmuon) {
	.backing = TST_ANON,
	.readonly = 1,
	.logging = 1,
	.mmu = 1,
};

FIXTURE_VARIANT_ADD(gf, ANON_THP_rw_nolog_mmuon) {
	.backing = TST_ANON_THP,
	.readonly = 0,
	.logging = 0,
	.mmu = 1,
};

FIXTURE_VARIANT_ADD(gf, ANON_THP_rw_log_mmuon) {
	.backing = TST_ANON_THP,
	.readonly = 0,
	.logging = 1,
	.mmu = 1,
};

FIXTURE_VARIANT_ADD(gf, ANON_THP_ro_nolog_mmuon) {
	.backing = TST_ANON_THP,
	.readonly = 1,
	.logging = 0,
	.mmu = 1,
};

FIXTURE_VARIANT_ADD(gf, ANON_THP_ro_log_mmuon) {
	.backing = TST_ANON_THP,
	.readonly = 1,
	.logging = 1,
	.mmu = 1,
};

FIXTURE_VARIANT_ADD(gf, HUGETLB_rw_nolog_mmuon) {
	.backing = TST_HUGETLB,
	.readonly = 0,
	.logging = 0,
	.mmu = 1,
};

FIXTURE_VARIANT_ADD(gf, HUGETLB_rw_log_mmuon) {
	.backing = TST_HUGETLB,
	.readonly = 0,
	.logging = 1,
	.mmu = 1,
};

FIXTURE_VARIANT_ADD(gf, HUGETLB_ro_nolog_mmuon) {
	.backing = TST_HUGETLB,
	.readonly = 1,
	.logging = 0,
	.mmu = 1,
};

FIXTURE_VARIANT_ADD(gf, HUGETLB_ro_log_mmuon) {
	.backing = TST_HUGETLB,
	.readonly = 1,
	.logging = 1,
	.mmu = 1,
};

FIXTURE_VARIANT_ADD(gf, MEMFD_rw_nolog_mmuon) {
	.backing = TST_MEMFD,
	.readonly = 0,
	.logging = 0,
	.mmu = 1,
};

FIXTURE_VARIANT_ADD(gf, MEMFD_rw_log_mmuon) {
	.backing = TST_MEMFD,
	.readonly = 0,
	.logging = 1,
	.mmu = 1,
};

FIXTURE_VARIANT_ADD(gf, MEMFD_ro_nolog_mmuon) {
	.backing = TST_MEMFD,
	.readonly = 1,
	.logging = 0,
	.mmu = 1,
};

FIXTURE_VARIANT_ADD(gf, MEMFD_ro_log_mmuon) {
	.backing = TST_MEMFD,
	.readonly = 1,
	.logging = 1,
	.mmu = 1,
};

/* Host pointer of IPA @ipa in the code slot or the test slot. */
static __u64 *host_of(struct _test_data_gf *self, __u64 ipa)
{
	if (ipa >= SLOT_GPA)
		return (__u64 *)(self->mem + ipa - SLOT_GPA);
	return (__u64 *)(self->g.code + ipa - GUEST_CODE_IPA);
}

/* Identity-maps the 2M block at @va with 4K pages through table @l3. */
static void s1_map_block(struct _test_data_gf *self, __u64 root, __u64 l2,
			 __u64 l3, __u64 va, __u64 attr)
{
	__u64 i;

	host_of(self, root)[va >> 30 & 511] = l2 | S1_TABLE;
	host_of(self, l2)[va >> 21 & 511] = l3 | S1_TABLE;
	for (i = 0; i < 512; i++)
		host_of(self, l3)[i] = (va + i * TST_PAGE) | S1_PAGE | attr | S1_UXN;
}

/*
 * The guest's stage-1 identity map: the code slot through tables in its
 * data area; the data block and the MMIO block of the test slot through
 * tables in the test slot's first block, which the guest never touches.
 */
static int s1_enable(struct _test_data_gf *self)
{
	__u64 root = GUEST_DATA_IPA + S1_ROOT_DOFF;
	__u64 l2_test = SLOT_GPA + S1_L2_OFF;

	memset(guest_data(&self->g, 0), 0, 3 * TST_PAGE);
	memset(self->mem + S1_L2_OFF, 0, 3 * TST_PAGE);
	s1_map_block(self, root, GUEST_DATA_IPA + S1_CODE_L2_DOFF,
		     GUEST_DATA_IPA + S1_CODE_L3_DOFF, GUEST_CODE_IPA,
		     S1_ATTR_NORMAL);
	s1_map_block(self, root, l2_test, SLOT_GPA + S1_L3_DATA_OFF,
		     SLOT_GPA + TST_2M, S1_ATTR_NORMAL);
	s1_map_block(self, root, l2_test, SLOT_GPA + S1_L3_MMIO_OFF,
		     SLOT_GPA + 2 * TST_2M, S1_ATTR_DEVICE);
	return tst_set_reg(self->v, S2MMU_REG_MAIR_EL1, MAIR_VALUE) ||
	       tst_set_reg(self->v, S2MMU_REG_TCR_EL1, TCR_VALUE) ||
	       tst_set_reg(self->v, S2MMU_REG_TTBR0_EL1, root) ||
	       tst_set_reg(self->v, S2MMU_REG_SCTLR_EL1, SCTLR_MMU_ON);
}

/*
 * Runs one command to its end (the guest's next GUEST_SYNC) and returns
 * its result.  MMIO exits on the way are counted; a read gets
 * MMIO_READ_VAL.  Anything else fails the test.
 */
static __u64 cmd(struct __test_metadata *_metadata,
		 struct _test_data_gf *self, __u64 op, __u64 addr, __u64 val)
{
	return guest_cmd_or_fail(_metadata, self->v, &self->mmio, op, addr, val);
}

FIXTURE_SETUP(gf)
{
	__u32 flags = 0;
	unsigned long huge;
	__u64 off;

	if (!guest_fixture_vm(_metadata, &self->g, variant->backing, SLOT_SIZE,
			      &self->mem, &self->v))
		return;
	self->mmio.read_val = MMIO_READ_VAL;
	/*
	 * Populated by the host (no zero pages): a word in every page, and
	 * the whole of the pages the guest reads (data, pair, MMIO side).
	 */
	for (off = 0; off < SLOT_SIZE; off += TST_PAGE)
		*(__u64 *)(self->mem + off) = pattern(off);
	for (off = TST_2M; off < TST_2M + 4 * TST_PAGE; off += 8)
		*(__u64 *)(self->mem + off) = pattern(off);
	huge = tst_host_huge_bytes(self->mem);
	if (huge && huge < SLOT_SIZE)
		SKIP(return, "host backs the slot partly with huge pages");
	self->huge = huge >= SLOT_SIZE;
	if (variant->backing == TST_HUGETLB)
		ASSERT_TRUE(self->huge);
	self->block = self->huge && !variant->logging;
	/* The L2 and L3 tables: one 2M block, or two 4K pages. */
	self->tables = variant->mmu ? (self->block ? 1 : 2) : 0;

	if (variant->readonly)
		flags |= S2MMU_MEM_READONLY;
	if (variant->logging)
		flags |= S2MMU_MEM_LOG_DIRTY_PAGES;
	ASSERT_EQ(0, tst_set_region(self->g.vm, SLOT, flags, SLOT_GPA, SLOT_SIZE,
				    self->mem));
	if (variant->mmu)
		ASSERT_EQ(0, s1_enable(self));
	ASSERT_EQ(0, guest_cmd_start(self->v, guest_fault_cmd));
	ASSERT_EQ(0, guest_map_code(&self->g));
	/* The first GUEST_SYNC: code, stack and code-slot tables mapped. */
	cmd(_metadata, self, GUEST_CMD_NONE, 0, 0);
	self->mmio.exits = 0;
	ASSERT_EQ(0, tst_stats(self->g.vm, &self->before));
}

FIXTURE_TEARDOWN(gf)
{
	guest_vm_destroy(&self->g);
	if (self->mem)
		munmap(self->mem, SLOT_SIZE);
}

/* Mappings a first touch of the data makes, tables included. */
static __u64 first_maps(struct _test_data_gf *self)
{
	return self->tables + 1;
}

/* The first access of the data page: its tables and itself, mapped once. */
static void check_first_map(struct __test_metadata *_metadata,
			    struct _test_data_gf *self,
			    const struct s2mmu_stats *d)
{
	__u64 maps = first_maps(self);

	EXPECT_EQ(maps, d->faults_translation);
	EXPECT_EQ(0ULL, d->faults_permission);
	EXPECT_EQ(0ULL, d->faults_spurious);
	EXPECT_EQ(0ULL, d->bbm);
	EXPECT_EQ(0ULL, d->mapped_l1);
	EXPECT_EQ(self->block ? maps : 0ULL, d->mapped_l2);
	EXPECT_EQ(self->block ? 0ULL : maps, d->mapped_l3);
	EXPECT_EQ(self->block ? 512 * maps : maps, d->pages_pinned);
	EXPECT_EQ(0ULL, d->zero_page_maps);
}

/* Counters are read again: what follows is measured from here. */
static void snapshot(struct _test_data_gf *self)
{
	tst_stats(self->g.vm, &self->before);
	self->mmio.exits = 0;
}

#define NO_PAGE		(~0ULL)

/* A logging slot's log holds @want_page and nothing else (or nothing). */
static void check_log(struct __test_metadata *_metadata,
		      struct _test_data_gf *self, __u64 want_page)
{
	__u64 bitmap[SLOT_SIZE / TST_PAGE / 64] = { 0 }, page, n = 0;

	ASSERT_EQ(0, tst_get_dirty_log(self->g.vm, SLOT, bitmap));
	for (page = 0; page < SLOT_SIZE / TST_PAGE; page++) {
		if (!tst_test_bit(bitmap, page))
			continue;
		n++;
		EXPECT_EQ(want_page, page);
	}
	EXPECT_EQ(want_page == NO_PAGE ? 0ULL : 1ULL, n);
}

static __u64 no_faults(const struct s2mmu_stats *d)
{
	return d->faults_translation + d->faults_permission + d->faults_access;
}

TEST_F(gf, read)
{
	struct s2mmu_stats d;
	__u64 val;

	val = cmd(_metadata, self, CMD_READ, SLOT_GPA + TEST_OFF, 0);
	EXPECT_EQ(pattern(TEST_OFF), val);
	d = tst_stats_since(self->g.vm, &self->before);
	check_first_map(_metadata, self, &d);
	EXPECT_EQ(0ULL, d.dirty_marked);
	EXPECT_EQ(0ULL, d.mmio_exits);
	EXPECT_EQ(0ULL, self->mmio.exits);
	if (variant->logging)
		check_log(_metadata, self, NO_PAGE);

	/* Mapped now: the same load takes no fault. */
	snapshot(self);
	val = cmd(_metadata, self, CMD_READ, SLOT_GPA + TEST_OFF, 0);
	EXPECT_EQ(pattern(TEST_OFF), val);
	d = tst_stats_since(self->g.vm, &self->before);
	EXPECT_EQ(0ULL, no_faults(&d));
}

TEST_F(gf, write)
{
	__u64 w = 0x1122334455667788ULL, val;
	struct s2mmu_run *run = &self->mmio.last;
	struct s2mmu_stats d;

	cmd(_metadata, self, CMD_WRITE, SLOT_GPA + TEST_OFF, w);
	d = tst_stats_since(self->g.vm, &self->before);
	if (variant->readonly) {
		/* A store to a read-only slot is the VMM's to emulate. */
		EXPECT_EQ(1ULL, self->mmio.exits);
		EXPECT_EQ(SLOT_GPA + TEST_OFF, run->mmio.phys_addr);
		EXPECT_EQ(8U, run->mmio.len);
		EXPECT_EQ(1, run->mmio.is_write);
		EXPECT_EQ(0, memcmp(&w, run->mmio.data, 8));
		EXPECT_EQ(pattern(TEST_OFF), *(__u64 *)(self->mem + TEST_OFF));
		EXPECT_EQ(first_maps(self), d.faults_translation);
		EXPECT_EQ(1ULL, d.mmio_exits);
		/* Only the guest's tables were mapped, never the data. */
		EXPECT_EQ(self->block ? 512 * self->tables : self->tables,
			  d.pages_pinned);
		EXPECT_EQ(0ULL, d.dirty_marked);
		if (variant->logging)
			check_log(_metadata, self, NO_PAGE);
		return;
	}
	EXPECT_EQ(0ULL, self->mmio.exits);
	/* The data went to the host's page. */
	EXPECT_EQ(w, *(__u64 *)(self->mem + TEST_OFF));
	check_first_map(_metadata, self, &d);
	/* The data is dirty; the tables the walk read are not. */
	EXPECT_EQ(self->block ? 512ULL : 1ULL, d.dirty_marked);
	EXPECT_EQ(0ULL, d.mmio_exits);
	if (variant->logging)
		check_log(_metadata, self, TEST_OFF / TST_PAGE);

	snapshot(self);
	val = cmd(_metadata, self, CMD_READ, SLOT_GPA + TEST_OFF, 0);
	EXPECT_EQ(w, val);
	d = tst_stats_since(self->g.vm, &self->before);
	EXPECT_EQ(0ULL, no_faults(&d));
}

/* movz/movk x0 with @v, then ret, at @off of the test slot. */
static void write_code(struct _test_data_gf *self, __u64 off, __u64 v)
{
	__u32 *insn = (__u32 *)(self->mem + off);
	int hw;

	for (hw = 0; hw < 4; hw++)
		insn[hw] = (hw ? 0xf2800000U : 0xd2800000U) | hw << 21 |
			   (__u32)(v >> (16 * hw) & 0xffff) << 5;
	insn[4] = 0xd65f03c0U;
	__builtin___clear_cache((char *)insn, (char *)(insn + 5));
}

TEST_F(gf, exec)
{
	__u64 code = 0x0bad0c0de0123abcULL, val;
	struct s2mmu_stats d;

	write_code(self, TEST_OFF, code);
	val = cmd(_metadata, self, CMD_EXEC, SLOT_GPA + TEST_OFF, 0);
	EXPECT_EQ(code, val);
	d = tst_stats_since(self->g.vm, &self->before);
	check_first_map(_metadata, self, &d);
	EXPECT_EQ(0ULL, d.dirty_marked);

	/* Executable and readable: a load takes no fault. */
	snapshot(self);
	val = cmd(_metadata, self, CMD_READ, SLOT_GPA + TEST_OFF, 0);
	EXPECT_EQ(*(__u64 *)(self->mem + TEST_OFF), val);
	val = cmd(_metadata, self, CMD_EXEC, SLOT_GPA + TEST_OFF, 0);
	EXPECT_EQ(code, val);
	d = tst_stats_since(self->g.vm, &self->before);
	EXPECT_EQ(0ULL, no_faults(&d));
}

/*
 * Load, store, then fetch from the same page: the load maps it, the
 * others only raise permissions in place (no BBM, no broadcast
 * invalidation), or the store exits to MMIO in a read-only slot.
 */
TEST_F(gf, read_write_exec)
{
	__u64 code = 0x00c0ffee00c0ffeeULL, w = 0xfeedfacecafebeefULL, val;
	__u64 code_off = TEST_OFF + 32;
	struct s2mmu_stats d;

	write_code(self, code_off, code);
	cmd(_metadata, self, CMD_READ, SLOT_GPA + TEST_OFF, 0);
	d = tst_stats_since(self->g.vm, &self->before);
	EXPECT_EQ(first_maps(self), d.faults_translation);

	cmd(_metadata, self, CMD_WRITE, SLOT_GPA + TEST_OFF, w);
	d = tst_stats_since(self->g.vm, &self->before);
	EXPECT_EQ(first_maps(self), d.faults_translation);
	EXPECT_EQ(1ULL, d.faults_permission);
	if (variant->readonly) {
		EXPECT_EQ(1ULL, self->mmio.exits);
		EXPECT_EQ(0ULL, d.relax_perms);
		EXPECT_EQ(0ULL, d.dirty_marked);
	} else {
		EXPECT_EQ(0ULL, self->mmio.exits);
		EXPECT_EQ(w, *(__u64 *)(self->mem + TEST_OFF));
		EXPECT_EQ(1ULL, d.relax_perms);
		EXPECT_EQ(self->block ? 512ULL : 1ULL, d.dirty_marked);
	}
	EXPECT_EQ(0ULL, d.bbm);

	val = cmd(_metadata, self, CMD_EXEC, SLOT_GPA + code_off, 0);
	EXPECT_EQ(code, val);
	d = tst_stats_since(self->g.vm, &self->before);
	EXPECT_EQ(0ULL, d.bbm);
	EXPECT_EQ(variant->readonly ? 1ULL : 2ULL, d.relax_perms);
	EXPECT_EQ(first_maps(self), d.faults_translation);
	EXPECT_EQ(2ULL, d.faults_permission);
	EXPECT_EQ(0ULL, d.faults_spurious);
	EXPECT_EQ(self->block ? first_maps(self) : 0ULL, d.mapped_l2);
	EXPECT_EQ(self->block ? 0ULL : first_maps(self), d.mapped_l3);
	/* Raising permissions is never broadcast. */
	EXPECT_EQ(0ULL, d.tlbi_ipa + d.tlbi_range + d.tlbi_vmid);
	/* Neither is a pin ever taken twice for one page. */
	EXPECT_EQ(self->block ? 512 * first_maps(self) : first_maps(self),
		  d.pages_pinned);
	if (variant->logging)
		check_log(_metadata, self,
			  variant->readonly ? NO_PAGE : TEST_OFF / TST_PAGE);
	tst_print_stats(stderr, &d);
}

/* Store then load: the store mapped it writable, the load is free. */
TEST_F(gf, write_read)
{
	__u64 w = 0x0102030405060708ULL, val;
	struct s2mmu_stats d;

	cmd(_metadata, self, CMD_WRITE, SLOT_GPA + TEST_OFF, w);
	snapshot(self);
	val = cmd(_metadata, self, CMD_READ, SLOT_GPA + TEST_OFF, 0);
	d = tst_stats_since(self->g.vm, &self->before);
	if (variant->readonly) {
		/* The MMIO exit mapped nothing: the load maps the data. */
		EXPECT_EQ(1ULL, d.faults_translation);
		EXPECT_EQ(pattern(TEST_OFF), val);
	} else {
		EXPECT_EQ(0ULL, no_faults(&d));
		EXPECT_EQ(w, val);
	}
}

/* One load pair across two pages faults each page once (or the block). */
TEST_F(gf, pair_across_pages)
{
	struct s2mmu_stats d;
	__u64 val;

	val = cmd(_metadata, self, CMD_READ_PAIR, SLOT_GPA + PAIR_OFF, 0);
	EXPECT_EQ(pattern(PAIR_OFF) ^ pattern(PAIR_OFF + 8), val);
	d = tst_stats_since(self->g.vm, &self->before);
	EXPECT_EQ(self->tables + (self->block ? 1ULL : 2ULL),
		  d.faults_translation);
	EXPECT_EQ(self->tables + (self->block ? 1ULL : 2ULL),
		  d.mapped_l2 + d.mapped_l3);
	EXPECT_EQ(0ULL, d.faults_spurious);
}

/*
 * Outside every slot: an MMIO exit with the access's syndrome; a load
 * gets the VMM's data in its register, a store hands its data over.
 */
TEST_F(gf, no_slot_mmio)
{
	struct s2mmu_run *run = &self->mmio.last;
	__u64 w = 0x42, val;
	struct s2mmu_stats d;

	val = cmd(_metadata, self, CMD_READ, MMIO_GPA, 0);
	EXPECT_EQ(MMIO_READ_VAL, val);
	EXPECT_EQ(1ULL, self->mmio.exits);
	EXPECT_EQ(MMIO_GPA, run->mmio.phys_addr);
	EXPECT_EQ(8U, run->mmio.len);
	EXPECT_EQ(0, run->mmio.is_write);

	cmd(_metadata, self, CMD_WRITE, MMIO_GPA, w);
	EXPECT_EQ(2ULL, self->mmio.exits);
	EXPECT_EQ(MMIO_GPA, run->mmio.phys_addr);
	EXPECT_EQ(1, run->mmio.is_write);
	EXPECT_EQ(0, memcmp(&w, run->mmio.data, 8));
	d = tst_stats_since(self->g.vm, &self->before);
	EXPECT_EQ(2ULL, d.mmio_exits);
	/* Only the guest's tables for the MMIO block were mapped. */
	EXPECT_EQ(self->tables, d.mapped_l2 + d.mapped_l3);
}

TEST_HARNESS_MAIN
