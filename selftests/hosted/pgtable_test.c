// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the engine, hosted.  Every test reads the result back from
 * the tables (descriptors level by level, or translations) and from the
 * counters (BBM, invalidations by kind), and checks the structural
 * invariants before tearing down.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "s2_hosted.h"
#include "kselftest_harness.h"

#define SZ_4K	0x1000ULL
#define SZ_2M	0x200000ULL
#define SZ_1G	0x40000000ULL
#define PA_BASE	0x80000000000ULL	/* 8 TiB: distinct from any IPA */

/* Broadcast invalidations, every kind. */
static u64 tlbi_of(const struct s2_stats *st)
{
	return st->tlbi_ipa + st->tlbi_range + st->tlbi_vmid;
}

static u64 tlbi(const struct s2_pgtable *pgt)
{
	struct s2_stats st;

	s2_stats_read(pgt, &st);
	return tlbi_of(&st);
}

static s2_pte_t *table_of(s2_pte_t pte)
{
	return (s2_pte_t *)(uintptr_t)(pte & S2_PTE_ADDR_MASK);
}

/* Entry @level of the walk to @ipa, reading the tables directly. */
static s2_pte_t entry_at(struct s2_pgtable *pgt, u64 ipa, int level)
{
	s2_pte_t *table = pgt->pgd;
	int l = pgt->start_level;
	u64 idx;

	for (;;) {
		idx = ipa >> S2_LEVEL_SHIFT(l);
		if (l != pgt->start_level)
			idx &= S2_PTRS_PER_TABLE - 1;
		if (l == level)
			return table[idx];
		if ((table[idx] & 3) != 3 || l == S2_MAX_LEVEL)
			return 0;
		table = table_of(table[idx]);
		l++;
	}
}

#define CHECK_SHAPE(vm) do {						\
	const char *__err = s2h_check(&(vm)->pgt, NULL);		\
	ASSERT_EQ(NULL, __err) TH_LOG("invariant: %s", __err);		\
} while (0)

/*
 * A test owns its VM as an ioctl holding the write side of the MMU lock
 * would: every operation is allowed, and the engine's hook checks that
 * the lock is held at all.
 */
#define VM_SETUP(vm, bits, range) do {					\
	struct s2h_vm *__vm = (vm);					\
	ASSERT_EQ(0, s2h_vm_init(__vm, (bits), (range)));		\
	s2h_write_lock(&__vm->lock);					\
	ASSERT_EQ(0, s2h_topup(__vm, S2_MEMCACHE_SPLIT_1G));		\
} while (0)

#define VM_TEARDOWN(vm) do {						\
	struct s2h_vm *__vm = (vm);					\
	long __base = s2h_pages_in_use();				\
	unsigned long __tables = s2h_stats(&__vm->pgt).table_pages;		\
	int __mc = __vm->mc.nr;						\
	CHECK_SHAPE(__vm);						\
	s2h_grace_period();						\
	ASSERT_EQ(__tables, s2_pgtable_destroy(&__vm->pgt));		\
	s2h_write_unlock(&__vm->lock);					\
	s2_memcache_drain(&__vm->mc, &s2h_mm_ops);			\
	ASSERT_EQ(__base - (long)__tables - __mc, s2h_pages_in_use());	\
} while (0)

TEST(ia_sizes_start_level_and_roots)
{
	static const struct { u32 bits; int level, roots; } t[] = {
		{ 32, 2, 4 }, { 36, 1, 1 }, { 39, 1, 1 }, { 40, 1, 2 },
		{ 42, 1, 8 }, { 43, 1, 16 }, { 44, 0, 1 }, { 48, 0, 1 },
	};
	struct s2h_vm vm;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		ASSERT_EQ(0, s2h_vm_init(&vm, t[i].bits, true));
		s2h_write_lock(&vm.lock);
		EXPECT_EQ(t[i].level, vm.pgt.start_level);
		EXPECT_EQ(t[i].roots, vm.pgt.nr_roots);
		EXPECT_EQ(64 - t[i].bits, vm.pgt.vtcr & 0x3f);
		EXPECT_EQ(2 - t[i].level, (vm.pgt.vtcr >> 6) & 3);
		EXPECT_EQ(0, vm.pgt.pgd_phys % (t[i].roots * SZ_4K));
		EXPECT_EQ(t[i].roots, s2h_stats(&vm.pgt).table_pages);
		EXPECT_EQ(t[i].roots, s2_pgtable_destroy(&vm.pgt));
		s2h_write_unlock(&vm.lock);
	}
	/* 40 bits: the VTCR_EL2 value of the facts sheet, PS left at 0. */
	ASSERT_EQ(0, s2h_vm_init(&vm, 40, true));
	EXPECT_EQ(0x80003558, vm.pgt.vtcr);
	s2h_vm_destroy(&vm);
	EXPECT_EQ(-EINVAL, s2h_vm_init(&vm, 31, true));
	EXPECT_EQ(-EINVAL, s2h_vm_init(&vm, 49, true));
}

TEST(leaf_encoding)
{
	s2_pte_t pte;

	/* Normal WB, RW, XN, AF, inner shareable, 1 GiB block. */
	pte = s2_make_leaf(0x40000000, S2_PROT_RW | S2_PROT_AF, 1);
	EXPECT_EQ(0x40000000ULL | 1 | (0xf << 2) | (3 << 6) | (3 << 8) |
		  (1 << 10) | (1ULL << 54), pte);
	/* Page: type bit; executable: XN clear; not accessed. */
	pte = s2_make_leaf(0x1234000, S2_PROT_R | S2_PROT_X, 3);
	EXPECT_EQ(0x1234000ULL | 3 | (0xf << 2) | (1 << 6) | (3 << 8), pte);
	/* Device-nGnRE and Normal-NC memory types. */
	pte = s2_make_leaf(0x200000, S2_PROT_RW | S2_PROT_DEVICE, 2);
	EXPECT_EQ(1, (pte >> 2) & 0xf);
	EXPECT_EQ(0, pte & S2_PTE_TYPE);
	pte = s2_make_leaf(0x200000, S2_PROT_RW | S2_PROT_NC, 2);
	EXPECT_EQ(5, (pte >> 2) & 0xf);
	/* Decoding gives back what was encoded, for every combination. */
	for (u32 prot = 0; prot < 64; prot++) {
		u32 want = prot;

		if ((want & S2_PROT_MEMTYPE) == S2_PROT_MEMTYPE)
			want &= ~S2_PROT_NC;	/* Device wins */
		EXPECT_EQ(want, s2_leaf_prot(s2_make_leaf(0, prot, 3)));
	}
}

/*
 * The decoding helpers of s2_desc.h that code outside the engine uses
 * instead of bits: they agree with the encoding.
 */
TEST(desc_helpers_agree_with_the_encoding)
{
	s2_pte_t pte;

	/* A table: valid, type bit, the next table's PA. */
	pte = s2_desc_make_table(0x1234000);
	EXPECT_EQ(0x1234000ULL | 3, pte);
	EXPECT_TRUE(s2_desc_table(pte, 2));
	EXPECT_EQ(0x1234000ULL, s2_desc_pa(pte));
	/* A read-write, executable, accessed page: the EL2 self-check's. */
	pte = s2_make_leaf(0x5000, S2_PROT_RWX | S2_PROT_AF, 3);
	EXPECT_EQ(0x5000ULL | 3 | (0xf << 2) | (3 << 6) | (3 << 8) | (1 << 10),
		  pte);
	for (u32 prot = 0; prot < 64; prot++) {
		pte = s2_make_leaf(0x40000000, prot, 1);
		EXPECT_TRUE(s2_desc_valid(pte));
		EXPECT_EQ(!!(prot & S2_PROT_W), s2_desc_writable(pte));
		EXPECT_EQ(0x40000000ULL + 0x123456,
			  s2_desc_leaf_pa(pte, 1, 0x80123456));
	}
	EXPECT_FALSE(s2_desc_valid(0));
	EXPECT_FALSE(s2_desc_writable(0));
}

/* A table using FWB writes Normal write-back as 0b0110; nothing else moves. */
TEST(fwb_encoding)
{
	struct s2h_vm vm;
	s2_pte_t pte;
	s8 level;
	u32 prot;

	VM_SETUP(&vm, 40, true);
	vm.pgt.fwb = true;
	ASSERT_EQ(0, s2_map(&vm.pgt, 0, SZ_4K, PA_BASE, S2_PROT_RW, &vm.mc, 0));
	s2_get_leaf(&vm.pgt, 0, &pte, &level);
	EXPECT_EQ(6, (pte >> 2) & 0xf);
	EXPECT_EQ(s2_pgt_make_leaf(&vm.pgt, PA_BASE, S2_PROT_RW | S2_PROT_AF, 3),
		  pte);
	EXPECT_EQ(S2_PROT_RW | S2_PROT_AF, s2_leaf_prot(pte));
	EXPECT_TRUE(s2_desc_normal_wb(pte, true));
	EXPECT_FALSE(s2_desc_normal_wb(pte, false));
	/* Device and non-cacheable: the same values in both encodings. */
	for (prot = 0; prot < 64; prot++)
		EXPECT_EQ(s2_make_leaf(PA_BASE, prot, 3) & ~S2_PTE_MEMATTR_MASK,
			  s2_pgt_make_leaf(&vm.pgt, PA_BASE, prot, 3) &
			  ~S2_PTE_MEMATTR_MASK);
	EXPECT_EQ(s2_make_leaf(PA_BASE, S2_PROT_DEVICE, 3),
		  s2_pgt_make_leaf(&vm.pgt, PA_BASE, S2_PROT_DEVICE, 3));
	EXPECT_EQ(s2_make_leaf(PA_BASE, S2_PROT_NC, 3),
		  s2_pgt_make_leaf(&vm.pgt, PA_BASE, S2_PROT_NC, 3));
	VM_TEARDOWN(&vm);
}

static u64 icache_calls, icache_bytes;
static void *icache_last;

static void icache_record(struct s2_pgtable *pgt, void *va, u64 size)
{
	icache_calls++;
	icache_bytes += size;
	icache_last = va;
}

/*
 * With sync_icache, exactly the leaves that become executable are handed
 * to icache_sync, once, whole: a map with X, a relax adding X; not a map
 * or relax without X, not a relax of what is already executable.
 */
TEST(icache_sync_when_a_leaf_becomes_executable)
{
	struct s2_mm_ops ops = s2h_mm_ops;
	struct s2h_vm vm;

	ops.icache_sync = icache_record;
	VM_SETUP(&vm, 40, true);
	vm.pgt.mm_ops = &ops;
	vm.pgt.sync_icache = true;
	icache_calls = 0;
	icache_bytes = 0;
	ASSERT_EQ(0, s2_map(&vm.pgt, 0, SZ_4K, PA_BASE, S2_PROT_RW, &vm.mc, 0));
	EXPECT_EQ(0, icache_calls);
	ASSERT_EQ(0, s2_map(&vm.pgt, SZ_4K, SZ_4K, PA_BASE + SZ_4K,
			    S2_PROT_R | S2_PROT_X, &vm.mc, S2_WALK_SHARED));
	EXPECT_EQ(1, icache_calls);
	EXPECT_EQ(SZ_4K, icache_bytes);
	EXPECT_EQ((void *)(uintptr_t)(PA_BASE + SZ_4K), icache_last);
	/* Write permission added: no fetch changes. */
	ASSERT_EQ(0, s2_relax_perms(&vm.pgt, SZ_4K, S2_PROT_W, S2_WALK_SHARED));
	EXPECT_EQ(1, icache_calls);
	/* X added to the data page: its turn, once. */
	ASSERT_EQ(0, s2_relax_perms(&vm.pgt, 0, S2_PROT_X, S2_WALK_SHARED));
	EXPECT_EQ(2, icache_calls);
	EXPECT_EQ((void *)(uintptr_t)PA_BASE, icache_last);
	ASSERT_EQ(S2_UNCHANGED, s2_relax_perms(&vm.pgt, 0, S2_PROT_X, 0));
	EXPECT_EQ(2, icache_calls);
	/* A 2 MiB executable block: one call for all of it. */
	ASSERT_EQ(0, s2_map(&vm.pgt, SZ_2M, SZ_2M, PA_BASE + SZ_2M,
			    S2_PROT_RWX, &vm.mc, 0));
	EXPECT_EQ(3, icache_calls);
	EXPECT_EQ(2 * SZ_4K + SZ_2M, icache_bytes);
	EXPECT_EQ((2 * SZ_4K + SZ_2M) / SZ_4K, s2h_stats(&vm.pgt).icache_pages);
	/* BBM to a new executable page: the new page. */
	ASSERT_EQ(0, s2_map(&vm.pgt, SZ_4K, SZ_4K, PA_BASE + 2 * SZ_4K,
			    S2_PROT_R | S2_PROT_X, &vm.mc, 0));
	EXPECT_EQ(4, icache_calls);
	EXPECT_EQ((void *)(uintptr_t)(PA_BASE + 2 * SZ_4K), icache_last);
	/* Without sync_icache: never called. */
	vm.pgt.sync_icache = false;
	ASSERT_EQ(0, s2_map(&vm.pgt, 16 * SZ_4K, SZ_4K, PA_BASE + 16 * SZ_4K,
			    S2_PROT_RWX, &vm.mc, 0));
	EXPECT_EQ(4, icache_calls);
	vm.pgt.mm_ops = &s2h_mm_ops;
	VM_TEARDOWN(&vm);
}

/* Table PAs 16 TiB above their addresses, for the test below. */
#define SHIFTED_PA	BIT_ULL(44)

static void *shifted_phys_to_virt(phys_addr_t phys)
{
	return (void *)(uintptr_t)(phys - SHIFTED_PA);
}

static phys_addr_t shifted_virt_to_phys(void *addr)
{
	return (uintptr_t)addr + SHIFTED_PA;
}

/*
 * An owner whose table PAs are not their addresses: walks find every
 * table through the linear offset (&s2_mm_ops.linear set) or through
 * phys_to_virt (clear), and map, split, protect, relax, unmap and free
 * as usual.  A walk that took a table's PA for its address would fault.
 */
TEST(tables_found_by_the_linear_offset_or_phys_to_virt)
{
	struct s2_mm_ops ops = s2h_mm_ops;
	struct s2h_vm vm;
	s2_pte_t pte;
	s8 level;
	int linear;

	ops.phys_to_virt = shifted_phys_to_virt;
	ops.virt_to_phys = shifted_virt_to_phys;
	for (linear = 0; linear < 2; linear++) {
		ops.linear = linear;
		VM_SETUP(&vm, 40, true);
		ASSERT_EQ(vm.pgt.nr_roots, s2_pgtable_destroy(&vm.pgt));
		ASSERT_EQ(0, s2_pgtable_init(&vm.pgt, 40, &ops, &s2h_tlb_range,
					     &vm));
		EXPECT_EQ((uintptr_t)vm.pgt.pgd + SHIFTED_PA, vm.pgt.pgd_phys);
		EXPECT_EQ(-SHIFTED_PA, vm.pgt.table_va_offset);
		ASSERT_EQ(0, s2_map(&vm.pgt, SZ_1G, SZ_2M, PA_BASE,
				    S2_PROT_RW, &vm.mc, S2_MAP_FORCE_PTE));
		ASSERT_EQ(0, s2_map(&vm.pgt, 2 * SZ_1G, SZ_2M, PA_BASE,
				    S2_PROT_RW, &vm.mc, 0));
		ASSERT_EQ(0, s2_get_leaf(&vm.pgt, SZ_1G + 5 * SZ_4K, &pte,
					 &level));
		EXPECT_EQ(S2_MAX_LEVEL, level);
		EXPECT_EQ(PA_BASE + 5 * SZ_4K, pte & S2_PTE_ADDR_MASK);
		ASSERT_EQ(0, s2_split(&vm.pgt, 2 * SZ_1G, SZ_2M, &vm.mc));
		ASSERT_EQ(0, s2_get_leaf(&vm.pgt, 2 * SZ_1G + 7 * SZ_4K, &pte,
					 &level));
		EXPECT_EQ(S2_MAX_LEVEL, level);
		EXPECT_EQ(PA_BASE + 7 * SZ_4K, pte & S2_PTE_ADDR_MASK);
		ASSERT_EQ(0, s2_wrprotect(&vm.pgt, SZ_1G, SZ_2M));
		ASSERT_EQ(0, s2_relax_perms(&vm.pgt, SZ_1G + SZ_4K, S2_PROT_W,
					    0));
		ASSERT_EQ(S2_UNCHANGED, s2_mkyoung(&vm.pgt, SZ_1G, 0));
		ASSERT_EQ(0, s2_unmap(&vm.pgt, SZ_1G, SZ_2M));
		ASSERT_EQ(-ENOENT, s2_relax_perms(&vm.pgt, SZ_1G, S2_PROT_W,
						  0));
		VM_TEARDOWN(&vm);
	}
}

TEST(first_last_and_beyond_every_ia_size)
{
	static const u32 bits[] = { 32, 36, 40, 42, 44, 48 };
	struct s2h_vm vm;
	s2_pte_t pte;
	s8 level;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bits); i++) {
		u64 top = 1ULL << bits[i];

		VM_SETUP(&vm, bits[i], true);
		ASSERT_EQ(0, s2_map(&vm.pgt, 0, SZ_4K, PA_BASE, S2_PROT_RW,
				    &vm.mc, 0));
		ASSERT_EQ(0, s2_map(&vm.pgt, top - SZ_4K, SZ_4K, PA_BASE + SZ_4K,
				    S2_PROT_RW, &vm.mc, 0));
		ASSERT_EQ(PA_BASE + 0x123,
			  s2h_translate(&vm.pgt, 0x123, &pte, &level));
		EXPECT_EQ(3, level);
		ASSERT_EQ(PA_BASE + SZ_4K + 0xfff,
			  s2h_translate(&vm.pgt, top - 1, &pte, &level));
		EXPECT_EQ(3, level);
		/* Beyond the IPA space: rejected, a walk reports level 0. */
		EXPECT_EQ(-ERANGE, s2_get_leaf(&vm.pgt, top, &pte, &level));
		EXPECT_EQ(0, level);
		EXPECT_EQ(0, pte);
		EXPECT_EQ(-ERANGE, s2_map(&vm.pgt, top, SZ_4K, PA_BASE,
					  S2_PROT_RW, &vm.mc, 0));
		EXPECT_EQ(-ERANGE, s2_map(&vm.pgt, top - SZ_4K, 2 * SZ_4K,
					  PA_BASE, S2_PROT_RW, &vm.mc, 0));
		EXPECT_EQ(-ERANGE, s2_unmap(&vm.pgt, top - SZ_4K, 2 * SZ_4K));
		EXPECT_EQ(-ERANGE, s2_wrprotect(&vm.pgt, top, SZ_4K));
		EXPECT_EQ(-EINVAL, s2_map(&vm.pgt, 0x800, SZ_4K, PA_BASE,
					  S2_PROT_RW, &vm.mc, 0));
		EXPECT_EQ(-EINVAL, s2_map(&vm.pgt, 0, SZ_4K, PA_BASE + 1,
					  S2_PROT_RW, &vm.mc, 0));
		EXPECT_EQ(-EINVAL, s2_map(&vm.pgt, 0, 0, PA_BASE,
					  S2_PROT_RW, &vm.mc, 0));
		/* The output ends within 48 bits, wrapping around or not. */
		EXPECT_EQ(-EINVAL, s2_map(&vm.pgt, 0, 2 * SZ_4K,
					  BIT_ULL(48) - SZ_4K, S2_PROT_RW,
					  &vm.mc, 0));
		EXPECT_EQ(-EINVAL, s2_map(&vm.pgt, 0, SZ_4K, BIT_ULL(48),
					  S2_PROT_RW, &vm.mc, 0));
		EXPECT_EQ(-EINVAL, s2_map(&vm.pgt, 0, 2 * SZ_4K, -SZ_4K,
					  S2_PROT_RW, &vm.mc, 0));
		EXPECT_EQ(PA_BASE, s2h_translate(&vm.pgt, 0, &pte, &level));
		ASSERT_EQ(0, s2_map(&vm.pgt, SZ_4K, SZ_4K, BIT_ULL(48) - SZ_4K,
				    S2_PROT_RW, &vm.mc, 0));
		EXPECT_EQ(BIT_ULL(48) - 1,
			  s2h_translate(&vm.pgt, 2 * SZ_4K - 1, &pte, &level));
		/* One table per level below the root, per end. */
		EXPECT_EQ(vm.pgt.nr_roots + 2 * (S2_MAX_LEVEL -
					      vm.pgt.start_level),
			  s2h_stats(&vm.pgt).table_pages);
		VM_TEARDOWN(&vm);
	}
}

TEST(map_uses_blocks_where_aligned)
{
	struct s2h_vm vm;
	struct s2h_shape shape;
	s2_pte_t pte;

	VM_SETUP(&vm, 40, true);
	/* 1 GiB aligned: one level-1 block, no table. */
	ASSERT_EQ(0, s2_map(&vm.pgt, SZ_1G, SZ_1G, PA_BASE, S2_PROT_RW,
			    &vm.mc, 0));
	pte = entry_at(&vm.pgt, SZ_1G, 1);
	EXPECT_EQ(s2_make_leaf(PA_BASE, S2_PROT_RW | S2_PROT_AF, 1), pte);
	EXPECT_EQ(2, s2h_stats(&vm.pgt).table_pages);
	/* 4 MiB at 2 MiB alignment: two level-2 blocks in one table. */
	ASSERT_EQ(0, s2_map(&vm.pgt, 4 * SZ_1G, 2 * SZ_2M, PA_BASE + SZ_2M,
			    S2_PROT_R, &vm.mc, 0));
	EXPECT_EQ(3, entry_at(&vm.pgt, 4 * SZ_1G, 1) & 3);
	EXPECT_EQ(s2_make_leaf(PA_BASE + SZ_2M, S2_PROT_R | S2_PROT_AF, 2),
		  entry_at(&vm.pgt, 4 * SZ_1G, 2));
	EXPECT_EQ(s2_make_leaf(PA_BASE + 2 * SZ_2M, S2_PROT_R | S2_PROT_AF, 2),
		  entry_at(&vm.pgt, 4 * SZ_1G + SZ_2M, 2));
	/* PA not 2 MiB aligned: pages, whatever the IPA. */
	ASSERT_EQ(0, s2_map(&vm.pgt, 8 * SZ_1G, SZ_2M, PA_BASE + SZ_4K,
			    S2_PROT_R, &vm.mc, 0));
	EXPECT_EQ(3, entry_at(&vm.pgt, 8 * SZ_1G, 2) & 3);
	EXPECT_EQ(s2_make_leaf(PA_BASE + 2 * SZ_4K, S2_PROT_R | S2_PROT_AF, 3),
		  entry_at(&vm.pgt, 8 * SZ_1G + SZ_4K, 3));
	/* Forced pages. */
	ASSERT_EQ(0, s2_map(&vm.pgt, 12 * SZ_1G, SZ_2M, PA_BASE, S2_PROT_R,
			    &vm.mc, S2_MAP_FORCE_PTE));
	ASSERT_EQ(NULL, s2h_check(&vm.pgt, &shape));
	EXPECT_EQ(1, shape.leaves[1]);
	EXPECT_EQ(2, shape.leaves[2]);
	EXPECT_EQ(1024, shape.leaves[3]);
	EXPECT_EQ(1, s2h_stats(&vm.pgt).mapped[1]);
	EXPECT_EQ(2, s2h_stats(&vm.pgt).mapped[2]);
	EXPECT_EQ(1024, s2h_stats(&vm.pgt).mapped[3]);
	/* Nothing was replaced: no BBM, no invalidation. */
	EXPECT_EQ(0, s2h_stats(&vm.pgt).bbm);
	EXPECT_EQ(0, tlbi(&vm.pgt));
	VM_TEARDOWN(&vm);
}

TEST(identical_remap_changes_nothing_and_checks_whole_range)
{
	struct s2h_vm vm;
	struct s2_stats before;
	u64 last = SZ_1G - SZ_4K;

	VM_SETUP(&vm, 40, true);
	ASSERT_EQ(0, s2_map(&vm.pgt, 0, SZ_1G, PA_BASE, S2_PROT_RW, &vm.mc,
			    S2_MAP_FORCE_PTE));
	before = s2h_stats(&vm.pgt);
	ASSERT_EQ(S2_UNCHANGED, s2_map(&vm.pgt, 0, SZ_1G, PA_BASE, S2_PROT_RW,
				       &vm.mc, S2_MAP_FORCE_PTE));
	EXPECT_EQ(before.bbm, s2h_stats(&vm.pgt).bbm);
	EXPECT_EQ(tlbi_of(&before), tlbi(&vm.pgt));
	EXPECT_EQ(before.mapped[3], s2h_stats(&vm.pgt).mapped[3]);
	EXPECT_EQ(before.unchanged + 1, s2h_stats(&vm.pgt).unchanged);
	/* A single call on one page: same answer. */
	ASSERT_EQ(S2_UNCHANGED, s2_map(&vm.pgt, last, SZ_4K, PA_BASE + last,
				       S2_PROT_RW, &vm.mc, S2_WALK_SHARED));
	/* The last page differs: the one-call remap does not stop early. */
	ASSERT_EQ(0, s2_unmap(&vm.pgt, last, SZ_4K));
	ASSERT_EQ(0, s2_map(&vm.pgt, 0, SZ_1G, PA_BASE, S2_PROT_RW, &vm.mc,
			    S2_MAP_FORCE_PTE));
	EXPECT_EQ(PA_BASE + last, s2h_translate(&vm.pgt, last, NULL, NULL));
	/* A different PA on the last page: BBM on it alone. */
	before = s2h_stats(&vm.pgt);
	ASSERT_EQ(0, s2_map(&vm.pgt, 0, SZ_1G, PA_BASE + SZ_4K, S2_PROT_RW,
			    &vm.mc, S2_MAP_FORCE_PTE));
	EXPECT_EQ(before.bbm + 262144, s2h_stats(&vm.pgt).bbm);
	VM_TEARDOWN(&vm);
}

TEST(perms_only_difference_no_bbm_never_lowered)
{
	struct s2h_vm vm;
	struct s2_stats before;
	s2_pte_t pte;
	s8 level;

	VM_SETUP(&vm, 40, true);
	ASSERT_EQ(0, s2_map(&vm.pgt, 0, SZ_4K, PA_BASE, S2_PROT_RW, &vm.mc, 0));
	before = s2h_stats(&vm.pgt);
	/* Map asks for less: left as it is (another vCPU raised it). */
	ASSERT_EQ(S2_PERMS_DIFFER, s2_map(&vm.pgt, 0, SZ_4K, PA_BASE,
					  S2_PROT_R, &vm.mc, S2_WALK_SHARED));
	s2_get_leaf(&vm.pgt, 0, &pte, &level);
	EXPECT_EQ(S2_PROT_RW | S2_PROT_AF, s2_leaf_prot(pte));
	/* Map asks for more: still not raised by map. */
	ASSERT_EQ(S2_PERMS_DIFFER, s2_map(&vm.pgt, 0, SZ_4K, PA_BASE,
					  S2_PROT_RWX, &vm.mc, 0));
	EXPECT_EQ(before.bbm, s2h_stats(&vm.pgt).bbm);
	EXPECT_EQ(tlbi_of(&before), tlbi(&vm.pgt));
	/* relax_perms raises in place: no BBM, one local invalidation. */
	ASSERT_EQ(0, s2_relax_perms(&vm.pgt, 0x10, S2_PROT_X, S2_WALK_SHARED));
	s2_get_leaf(&vm.pgt, 0, &pte, &level);
	EXPECT_EQ(S2_PROT_RWX | S2_PROT_AF, s2_leaf_prot(pte));
	EXPECT_EQ(before.bbm, s2h_stats(&vm.pgt).bbm);
	EXPECT_EQ(tlbi_of(&before), tlbi(&vm.pgt));
	EXPECT_EQ(1, s2h_stats(&vm.pgt).tlbi_local);
	EXPECT_EQ(S2H_TLBI_LOCAL, s2h_tlbi_last(&vm, 0)->kind);
	EXPECT_EQ(3, s2h_tlbi_last(&vm, 0)->level);
	/* Nothing to add: unchanged, no invalidation. */
	ASSERT_EQ(S2_UNCHANGED, s2_relax_perms(&vm.pgt, 0, S2_PROT_R, 0));
	EXPECT_EQ(1, s2h_stats(&vm.pgt).tlbi_local);
	EXPECT_EQ(-ENOENT, s2_relax_perms(&vm.pgt, SZ_2M, S2_PROT_R, 0));
	VM_TEARDOWN(&vm);
}

/*
 * s2_relax_perms_of() raises only the leaf of the size and page a fault
 * pinned, in one walk; any other leaf is left exactly as it was.
 */
TEST(relax_perms_of_only_the_expected_leaf)
{
	const u64 blk = SZ_2M, pg = blk + 5 * SZ_4K;
	struct s2h_vm vm;
	u64 walks;
	s2_pte_t pte;
	s8 level;

	VM_SETUP(&vm, 40, true);
	ASSERT_EQ(0, s2_map(&vm.pgt, 0, SZ_4K, PA_BASE, S2_PROT_R, &vm.mc, 0));
	ASSERT_EQ(0, s2_map(&vm.pgt, blk, SZ_2M, PA_BASE + SZ_2M, S2_PROT_R,
			    &vm.mc, 0));
	walks = s2h_stats(&vm.pgt).walks;
	/* Another page, another size, no leaf: nothing changes. */
	EXPECT_EQ(-ESTALE, s2_relax_perms_of(&vm.pgt, 0x10, PA_BASE + SZ_4K,
					     SZ_4K, S2_PROT_W, S2_WALK_SHARED));
	EXPECT_EQ(-E2BIG, s2_relax_perms_of(&vm.pgt, 0x10, PA_BASE, SZ_2M,
					    S2_PROT_W, S2_WALK_SHARED));
	EXPECT_EQ(-E2BIG, s2_relax_perms_of(&vm.pgt, pg, PA_BASE + SZ_2M +
					    5 * SZ_4K, SZ_4K, S2_PROT_W, 0));
	EXPECT_EQ(-ENOENT, s2_relax_perms_of(&vm.pgt, SZ_4K, PA_BASE + SZ_4K,
					     SZ_4K, S2_PROT_W, 0));
	EXPECT_EQ(walks + 4, s2h_stats(&vm.pgt).walks);
	s2_get_leaf(&vm.pgt, 0, &pte, &level);
	EXPECT_EQ(S2_PROT_R | S2_PROT_AF, s2_leaf_prot(pte));
	s2_get_leaf(&vm.pgt, pg, &pte, &level);
	EXPECT_EQ(S2_PROT_R | S2_PROT_AF, s2_leaf_prot(pte));
	EXPECT_EQ(0, s2h_stats(&vm.pgt).relax_perms);
	/* Neither a page size nor a page-aligned PA. */
	EXPECT_EQ(-EINVAL, s2_relax_perms_of(&vm.pgt, 0, PA_BASE, 16 * SZ_4K,
					     S2_PROT_W, 0));
	EXPECT_EQ(-EINVAL, s2_relax_perms_of(&vm.pgt, 0, PA_BASE + 8, SZ_4K,
					     S2_PROT_W, 0));
	/* The expected leaves: raised in place, one walk each. */
	walks = s2h_stats(&vm.pgt).walks;
	ASSERT_EQ(0, s2_relax_perms_of(&vm.pgt, 0x10, PA_BASE, SZ_4K,
				       S2_PROT_W, S2_WALK_SHARED));
	ASSERT_EQ(0, s2_relax_perms_of(&vm.pgt, pg, PA_BASE + SZ_2M + 5 * SZ_4K,
				       SZ_2M, S2_PROT_W, S2_WALK_SHARED));
	EXPECT_EQ(walks + 2, s2h_stats(&vm.pgt).walks);
	EXPECT_EQ(2, s2h_stats(&vm.pgt).relax_perms);
	s2_get_leaf(&vm.pgt, 0, &pte, &level);
	EXPECT_EQ(S2_PROT_RW | S2_PROT_AF, s2_leaf_prot(pte));
	s2_get_leaf(&vm.pgt, blk, &pte, &level);
	EXPECT_EQ(S2_PROT_RW | S2_PROT_AF, s2_leaf_prot(pte));
	EXPECT_EQ(2, level);
	EXPECT_EQ(0, s2h_stats(&vm.pgt).bbm);
	ASSERT_EQ(S2_UNCHANGED, s2_relax_perms_of(&vm.pgt, 0, PA_BASE, SZ_4K,
						  S2_PROT_W, 0));
	VM_TEARDOWN(&vm);
}

/*
 * A caller that invalidates the IPA locally itself (a vCPU's next entry)
 * gets the relax without a backend call, counted all the same; nothing
 * changed, nothing counted.
 */
TEST(relax_local_by_caller_no_backend_call)
{
	struct s2h_vm vm;
	u64 nr_log;
	s2_pte_t pte;
	s8 level;

	VM_SETUP(&vm, 40, true);
	ASSERT_EQ(0, s2_map(&vm.pgt, 0, SZ_4K, PA_BASE, S2_PROT_R, &vm.mc, 0));
	nr_log = vm.nr_log;
	ASSERT_EQ(0, s2_relax_perms(&vm.pgt, 0, S2_PROT_W,
				    S2_WALK_SHARED | S2_RELAX_LOCAL_BY_CALLER));
	s2_get_leaf(&vm.pgt, 0, &pte, &level);
	EXPECT_EQ(S2_PROT_RW | S2_PROT_AF, s2_leaf_prot(pte));
	EXPECT_EQ(nr_log, vm.nr_log);
	EXPECT_EQ(1, s2h_stats(&vm.pgt).tlbi_local);
	EXPECT_EQ(1, s2h_stats(&vm.pgt).relax_perms);
	ASSERT_EQ(S2_UNCHANGED, s2_relax_perms(&vm.pgt, 0, S2_PROT_W,
					       S2_RELAX_LOCAL_BY_CALLER));
	EXPECT_EQ(nr_log, vm.nr_log);
	EXPECT_EQ(1, s2h_stats(&vm.pgt).tlbi_local);
	/* Without the flag the backend is called, as before. */
	ASSERT_EQ(0, s2_relax_perms(&vm.pgt, 0, S2_PROT_X, 0));
	EXPECT_EQ(nr_log + 1, vm.nr_log);
	EXPECT_EQ(S2H_TLBI_LOCAL, s2h_tlbi_last(&vm, 0)->kind);
	EXPECT_EQ(2, s2h_stats(&vm.pgt).tlbi_local);
	VM_TEARDOWN(&vm);
}

TEST(bbm_for_new_output_address_or_memory_type)
{
	struct s2h_vm vm;
	const struct s2h_tlbi *t;

	VM_SETUP(&vm, 40, true);
	ASSERT_EQ(0, s2_map(&vm.pgt, SZ_2M, SZ_4K, PA_BASE, S2_PROT_RW,
			    &vm.mc, 0));
	ASSERT_EQ(0, s2_map(&vm.pgt, SZ_2M, SZ_4K, PA_BASE + SZ_2M,
			    S2_PROT_RW, &vm.mc, 0));
	EXPECT_EQ(1, s2h_stats(&vm.pgt).bbm);
	EXPECT_EQ(1, s2h_stats(&vm.pgt).tlbi_ipa);
	EXPECT_EQ(0, s2h_stats(&vm.pgt).tlbi_range);
	EXPECT_EQ(0, s2h_stats(&vm.pgt).tlbi_vmid);
	t = s2h_tlbi_last(&vm, 0);
	EXPECT_EQ(S2H_TLBI_IPA, t->kind);
	EXPECT_EQ(SZ_2M, t->ipa);
	EXPECT_EQ(3, t->level);
	EXPECT_EQ(PA_BASE + SZ_2M, s2h_translate(&vm.pgt, SZ_2M, NULL, NULL));
	/* Same output, Device memory: BBM too. */
	ASSERT_EQ(0, s2_map(&vm.pgt, SZ_2M, SZ_4K, PA_BASE + SZ_2M,
			    S2_PROT_RW | S2_PROT_DEVICE, &vm.mc,
			    S2_WALK_SHARED));
	EXPECT_EQ(2, s2h_stats(&vm.pgt).bbm);
	EXPECT_EQ(2, s2h_stats(&vm.pgt).tlbi_ipa);
	/* Same again in shared mode: the invalidation was immediate. */
	EXPECT_EQ(s2_make_leaf(PA_BASE + SZ_2M, S2_PROT_RW | S2_PROT_DEVICE |
			       S2_PROT_AF, 3), entry_at(&vm.pgt, SZ_2M, 3));
	VM_TEARDOWN(&vm);
}

TEST(shatter_1g_block_one_bbm_one_invalidation)
{
	struct s2h_vm vm;
	struct s2h_shape shape;
	u64 ipa, hole = SZ_1G + 77 * SZ_2M + 5 * SZ_4K;
	const struct s2h_tlbi *t;
	s2_pte_t pte;
	s8 level;

	VM_SETUP(&vm, 40, true);
	ASSERT_EQ(0, s2_map(&vm.pgt, SZ_1G, SZ_1G, PA_BASE, S2_PROT_RW,
			    &vm.mc, 0));
	ASSERT_EQ(0, s2_map(&vm.pgt, hole, SZ_4K, 0x1000000, S2_PROT_R,
			    &vm.mc, 0));
	EXPECT_EQ(1, s2h_stats(&vm.pgt).bbm);
	EXPECT_EQ(1, tlbi(&vm.pgt));
	t = s2h_tlbi_last(&vm, 0);
	EXPECT_EQ(S2H_TLBI_IPA, t->kind);
	EXPECT_EQ(SZ_1G, t->ipa);
	EXPECT_EQ(1, t->level);
	/* One level-2 table of 511 blocks, one level-3 table of pages. */
	ASSERT_EQ(NULL, s2h_check(&vm.pgt, &shape));
	EXPECT_EQ(2, shape.tables);
	EXPECT_EQ(511, shape.leaves[2]);
	EXPECT_EQ(512, shape.leaves[3]);
	/* Every other page still translates as before. */
	for (ipa = SZ_1G; ipa < 2 * SZ_1G; ipa += SZ_4K) {
		s64 pa = s2h_translate(&vm.pgt, ipa, &pte, &level);

		if (ipa == hole) {
			ASSERT_EQ(0x1000000, pa);
			ASSERT_EQ(S2_PROT_R | S2_PROT_AF, s2_leaf_prot(pte));
			continue;
		}
		ASSERT_EQ(PA_BASE + ipa - SZ_1G, pa);
		ASSERT_EQ(S2_PROT_RW | S2_PROT_AF, s2_leaf_prot(pte));
	}
	VM_TEARDOWN(&vm);
}

TEST(shatter_keeps_identical_block)
{
	struct s2h_vm vm;

	VM_SETUP(&vm, 40, true);
	ASSERT_EQ(0, s2_map(&vm.pgt, 0, SZ_2M, PA_BASE, S2_PROT_RW, &vm.mc, 0));
	/* Forced pages over an identical block: nothing to do. */
	EXPECT_EQ(S2_UNCHANGED, s2_map(&vm.pgt, SZ_4K, SZ_4K, PA_BASE + SZ_4K,
				       S2_PROT_RW, &vm.mc, S2_MAP_FORCE_PTE));
	EXPECT_EQ(S2_PERMS_DIFFER, s2_map(&vm.pgt, SZ_4K, SZ_4K,
					  PA_BASE + SZ_4K, S2_PROT_R,
					  &vm.mc, S2_WALK_SHARED));
	EXPECT_EQ(0, s2h_stats(&vm.pgt).bbm);
	EXPECT_EQ(1, entry_at(&vm.pgt, 0, 2) & 3);
	VM_TEARDOWN(&vm);
}

TEST(unmap_contiguous_one_invalidation_tables_freed)
{
	struct s2h_vm vm;
	const struct s2h_tlbi *t;

	VM_SETUP(&vm, 40, true);
	ASSERT_EQ(0, s2_map(&vm.pgt, 0, SZ_1G, PA_BASE, S2_PROT_RW, &vm.mc,
			    S2_MAP_FORCE_PTE));
	EXPECT_EQ(2 + 513, s2h_stats(&vm.pgt).table_pages);
	ASSERT_EQ(0, s2_unmap(&vm.pgt, 0, SZ_1G));
	EXPECT_EQ(1, s2h_stats(&vm.pgt).tlbi_range);
	EXPECT_EQ(1, tlbi(&vm.pgt));
	t = s2h_tlbi_last(&vm, 0);
	EXPECT_EQ(S2H_TLBI_RANGE, t->kind);
	EXPECT_EQ(0, t->ipa);
	EXPECT_EQ(SZ_1G, t->size);
	EXPECT_EQ(2, s2h_stats(&vm.pgt).table_pages);
	EXPECT_EQ(513, s2h_pages_deferred());
	s2h_grace_period();
	EXPECT_EQ(-1, s2h_translate(&vm.pgt, SZ_2M, NULL, NULL));
	/* Nothing mapped: nothing to invalidate. */
	ASSERT_EQ(0, s2_unmap(&vm.pgt, 0, SZ_1G));
	EXPECT_EQ(1, tlbi(&vm.pgt));
	VM_TEARDOWN(&vm);
}

TEST(unmap_without_range_tlbi)
{
	struct s2h_vm vm;
	const struct s2h_tlbi *t;
	int i;

	VM_SETUP(&vm, 40, false);
	ASSERT_EQ(0, s2_map(&vm.pgt, 0, SZ_1G, PA_BASE, S2_PROT_RW, &vm.mc,
			    S2_MAP_FORCE_PTE));
	/* Four pages, the table stays: four invalidations, level hint 3. */
	ASSERT_EQ(0, s2_unmap(&vm.pgt, SZ_2M, 4 * SZ_4K));
	EXPECT_EQ(4, s2h_stats(&vm.pgt).tlbi_ipa);
	for (i = 0; i < 4; i++) {
		t = s2h_tlbi_last(&vm, i);
		EXPECT_EQ(SZ_2M + (3 - i) * SZ_4K, t->ipa);
		EXPECT_EQ(3, t->level);
	}
	/* Beyond S2_TLBI_IPA_MAX entries: one whole-VMID invalidation. */
	ASSERT_EQ(0, s2_unmap(&vm.pgt, 0, SZ_1G));
	EXPECT_EQ(4, s2h_stats(&vm.pgt).tlbi_ipa);
	EXPECT_EQ(1, s2h_stats(&vm.pgt).tlbi_vmid);
	EXPECT_EQ(2, s2h_stats(&vm.pgt).table_pages);
	s2h_grace_period();
	ASSERT_EQ(0, s2h_topup(&vm, S2_MEMCACHE_MIN_MAP));
	/* A single page whose tables go too: one IPA, no level hint. */
	ASSERT_EQ(0, s2_map(&vm.pgt, 5 * SZ_4K, SZ_4K, PA_BASE, S2_PROT_RW,
			    &vm.mc, 0));
	ASSERT_EQ(0, s2_unmap(&vm.pgt, 5 * SZ_4K, SZ_4K));
	EXPECT_EQ(5, s2h_stats(&vm.pgt).tlbi_ipa);
	t = s2h_tlbi_last(&vm, 0);
	EXPECT_EQ(5 * SZ_4K, t->ipa);
	EXPECT_EQ(0, t->level);
	EXPECT_EQ(2, s2h_stats(&vm.pgt).table_pages);
	VM_TEARDOWN(&vm);
}

TEST(unmap_part_of_block_keeps_the_rest)
{
	struct s2h_vm vm;
	struct s2_memcache none = { 0 };
	u64 ipa;

	VM_SETUP(&vm, 40, true);
	ASSERT_EQ(0, s2_map(&vm.pgt, 0, SZ_2M, PA_BASE, S2_PROT_RW, &vm.mc, 0));
	/* No memcache: refused, nothing changed. */
	ASSERT_EQ(-ENOMEM, s2_unmap(&vm.pgt, SZ_4K, SZ_4K));
	ASSERT_EQ(-ENOMEM, s2_unmap_mc(&vm.pgt, SZ_4K, SZ_4K, &none));
	EXPECT_EQ(PA_BASE + SZ_4K, s2h_translate(&vm.pgt, SZ_4K, NULL, NULL));
	EXPECT_EQ(0, s2h_stats(&vm.pgt).bbm);
	EXPECT_EQ(0, tlbi(&vm.pgt));
	ASSERT_EQ(0, s2_unmap_mc(&vm.pgt, SZ_4K, SZ_4K, &vm.mc));
	EXPECT_EQ(1, s2h_stats(&vm.pgt).bbm);
	EXPECT_EQ(1, tlbi(&vm.pgt));
	EXPECT_EQ(2, s2h_tlbi_last(&vm, 0)->level);
	for (ipa = 0; ipa < SZ_2M; ipa += SZ_4K)
		ASSERT_EQ(ipa == SZ_4K ? -1 : (s64)(PA_BASE + ipa),
			  s2h_translate(&vm.pgt, ipa, NULL, NULL));
	VM_TEARDOWN(&vm);
}

TEST(wrprotect_one_invalidation)
{
	struct s2h_vm vm;
	u64 ipa;
	s2_pte_t pte;
	s8 level;

	VM_SETUP(&vm, 40, true);
	ASSERT_EQ(0, s2_map(&vm.pgt, 0, SZ_1G, PA_BASE, S2_PROT_RW, &vm.mc,
			    S2_MAP_FORCE_PTE));
	ASSERT_EQ(0, s2_wrprotect(&vm.pgt, 0, SZ_1G));
	EXPECT_EQ(1, s2h_stats(&vm.pgt).tlbi_range);
	EXPECT_EQ(1, tlbi(&vm.pgt));
	EXPECT_EQ(0, s2h_stats(&vm.pgt).bbm);
	for (ipa = 0; ipa < SZ_1G; ipa += SZ_4K) {
		ASSERT_EQ(PA_BASE + ipa,
			  s2h_translate(&vm.pgt, ipa, &pte, &level));
		ASSERT_EQ(S2_PROT_R | S2_PROT_AF, s2_leaf_prot(pte));
	}
	/* Already read-only: nothing written, nothing invalidated. */
	ASSERT_EQ(0, s2_wrprotect(&vm.pgt, 0, SZ_1G));
	EXPECT_EQ(1, tlbi(&vm.pgt));
	VM_TEARDOWN(&vm);
}

TEST(split_1g_of_2m_blocks_one_invalidation)
{
	struct s2h_vm vm;
	struct s2h_shape shape;
	u64 ipa;
	s2_pte_t pte;
	s8 level;

	VM_SETUP(&vm, 40, true);
	ASSERT_EQ(0, s2_map(&vm.pgt, SZ_1G, SZ_1G, PA_BASE + SZ_2M,
			    S2_PROT_RWX, &vm.mc, 0));
	EXPECT_EQ(512, s2h_stats(&vm.pgt).mapped[2]);
	ASSERT_EQ(0, s2_split(&vm.pgt, SZ_1G, SZ_1G, &vm.mc));
	EXPECT_EQ(512, s2h_stats(&vm.pgt).bbm);
	EXPECT_EQ(1, tlbi(&vm.pgt));
	EXPECT_EQ(1, s2h_stats(&vm.pgt).tlbi_range);
	EXPECT_EQ(SZ_1G, s2h_tlbi_last(&vm, 0)->ipa);
	EXPECT_EQ(SZ_1G, s2h_tlbi_last(&vm, 0)->size);
	ASSERT_EQ(NULL, s2h_check(&vm.pgt, &shape));
	EXPECT_EQ(1 + 512, shape.tables);
	EXPECT_EQ(262144, shape.leaves[3]);
	EXPECT_EQ(0, shape.leaves[2]);
	for (ipa = SZ_1G; ipa < 2 * SZ_1G; ipa += SZ_4K) {
		ASSERT_EQ(PA_BASE + SZ_2M + ipa - SZ_1G,
			  s2h_translate(&vm.pgt, ipa, &pte, &level));
		ASSERT_EQ(3, level);
		ASSERT_EQ(S2_PROT_RWX | S2_PROT_AF, s2_leaf_prot(pte));
	}
	/* Nothing left to split. */
	ASSERT_EQ(0, s2_split(&vm.pgt, SZ_1G, SZ_1G, &vm.mc));
	EXPECT_EQ(1, tlbi(&vm.pgt));
	VM_TEARDOWN(&vm);
}

/*
 * Starting dirty logging: 2M blocks and 4K pages side by side, all made
 * read-only 4K pages by one operation with one invalidation.
 *
 *   [0, 4M)   two 2M blocks, RW   -> 1024 read-only pages, 2 BBMs
 *   [4M, 4M+64K) 16 pages, RW     -> same pages, read-only, in place
 */
/*
 * The layout the split-and-protect tests start from: two writable 2 MiB
 * blocks at 0, then 16 writable pages right after them.
 */
static int map_two_blocks_and_ptes(struct s2h_vm *vm)
{
	int ret = s2_map(&vm->pgt, 0, 2 * SZ_2M, PA_BASE, S2_PROT_RW,
			 &vm->mc, 0);

	return ret ?: s2_map(&vm->pgt, 2 * SZ_2M, 16 * SZ_4K,
			     PA_BASE + 2 * SZ_2M, S2_PROT_RW, &vm->mc,
			     S2_MAP_FORCE_PTE);
}

TEST(split_wrprotect_one_invalidation)
{
	struct s2h_vm vm;
	struct s2h_shape shape;
	struct s2_stats before;
	u64 ipa, end = 2 * SZ_2M + 16 * SZ_4K;
	s2_pte_t pte;
	s8 level;

	VM_SETUP(&vm, 40, true);
	ASSERT_EQ(0, map_two_blocks_and_ptes(&vm));
	EXPECT_EQ(2, s2h_stats(&vm.pgt).mapped[2]);
	before = s2h_stats(&vm.pgt);
	ASSERT_EQ(0, s2h_topup(&vm, S2_MEMCACHE_SPLIT_1G));

	ASSERT_EQ(0, s2_split_wrprotect(&vm.pgt, 0, end, &vm.mc));
	EXPECT_EQ(before.bbm + 2, s2h_stats(&vm.pgt).bbm);
	EXPECT_EQ(tlbi_of(&before) + 1, tlbi(&vm.pgt));
	EXPECT_EQ(0, s2h_tlbi_last(&vm, 0)->ipa);
	EXPECT_LE(end, s2h_tlbi_last(&vm, 0)->size);
	ASSERT_EQ(NULL, s2h_check(&vm.pgt, &shape));
	EXPECT_EQ(0, shape.leaves[2]);
	EXPECT_EQ(2 * 512 + 16, shape.leaves[3]);
	for (ipa = 0; ipa < end; ipa += SZ_4K) {
		ASSERT_EQ(PA_BASE + ipa, s2h_translate(&vm.pgt, ipa, &pte, &level));
		ASSERT_EQ(3, level);
		ASSERT_EQ(S2_PROT_R | S2_PROT_AF, s2_leaf_prot(pte));
	}
	/* Again: nothing to split, nothing writable, nothing to invalidate. */
	ASSERT_EQ(0, s2_split_wrprotect(&vm.pgt, 0, end, &vm.mc));
	EXPECT_EQ(tlbi_of(&before) + 1, tlbi(&vm.pgt));
	EXPECT_EQ(before.bbm + 2, s2h_stats(&vm.pgt).bbm);
	VM_TEARDOWN(&vm);
}

/*
 * A manual-protect CLEAR of part of a block: exactly the range loses W.
 *
 *   [0, 2M)   one 2M block, RW; protect [64K, 1M) and the first page of
 *             [2M, 4M), a second block: both split (2 BBMs), one
 *             invalidation; pages outside the range stay writable.
 */
TEST(split_wrprotect_part_of_blocks)
{
	struct s2h_vm vm;
	struct s2h_shape shape;
	struct s2_stats before;
	u64 ipa, lo = 16 * SZ_4K, hi = 256 * SZ_4K;
	s2_pte_t pte;
	s8 level;
	u32 prot;

	VM_SETUP(&vm, 40, true);
	ASSERT_EQ(0, s2_map(&vm.pgt, 0, 2 * SZ_2M, PA_BASE, S2_PROT_RW,
			    &vm.mc, 0));
	before = s2h_stats(&vm.pgt);
	ASSERT_EQ(0, s2h_topup(&vm, S2_MEMCACHE_SPLIT_1G));
	ASSERT_EQ(0, s2_split_wrprotect(&vm.pgt, lo, hi - lo, &vm.mc));
	ASSERT_EQ(0, s2_split_wrprotect(&vm.pgt, SZ_2M, SZ_4K, &vm.mc));
	EXPECT_EQ(before.bbm + 2, s2h_stats(&vm.pgt).bbm);
	EXPECT_EQ(tlbi_of(&before) + 2, tlbi(&vm.pgt));
	ASSERT_EQ(NULL, s2h_check(&vm.pgt, &shape));
	EXPECT_EQ(0, shape.leaves[2]);
	EXPECT_EQ(2 * 512, shape.leaves[3]);
	for (ipa = 0; ipa < 2 * SZ_2M; ipa += SZ_4K) {
		bool in = (ipa >= lo && ipa < hi) || ipa == SZ_2M;

		ASSERT_EQ(PA_BASE + ipa, s2h_translate(&vm.pgt, ipa, &pte, &level));
		ASSERT_EQ(3, level);
		prot = in ? S2_PROT_R | S2_PROT_AF : S2_PROT_RW | S2_PROT_AF;
		ASSERT_EQ(prot, s2_leaf_prot(pte));
	}
	VM_TEARDOWN(&vm);
}

/*
 * A manual-protect CLEAR: exactly the pages of a bitmap lose W.
 *
 *   [0, 2M) block, [2M, 4M) block, [4M, 4M+64K) 16 pages, all RW;
 *   bits 3, 100-110 (block 0), 1024 + 5 (a page): block 0 is split (one
 *   BBM), block 1, inside the span but without a bit, stays a writable
 *   block; one invalidation; only the 13 pages lose W.
 */
TEST(wrprotect_mask_exact)
{
	unsigned long mask[(1024 + 64) / (8 * sizeof(long))] = { 0 };
	u64 ipa, end = 2 * SZ_2M + 16 * SZ_4K, i;
	struct s2h_vm vm;
	struct s2h_shape shape;
	struct s2_stats before;
	s2_pte_t pte;
	s8 level;

	VM_SETUP(&vm, 40, true);
	ASSERT_EQ(0, map_two_blocks_and_ptes(&vm));
	before = s2h_stats(&vm.pgt);
	ASSERT_EQ(0, s2h_topup(&vm, S2_MEMCACHE_SPLIT_1G));
	mask[0] = 1UL << 3;
	for (i = 100; i <= 110; i++)
		mask[i / (8 * sizeof(long))] |= 1UL << (i % (8 * sizeof(long)));
	i = 1024 + 5;
	mask[i / (8 * sizeof(long))] |= 1UL << (i % (8 * sizeof(long)));
	ASSERT_EQ(0, s2_wrprotect_mask(&vm.pgt, 0, 1024 + 64, mask, &vm.mc));
	EXPECT_EQ(before.bbm + 1, s2h_stats(&vm.pgt).bbm);
	EXPECT_EQ(tlbi_of(&before) + 1, tlbi(&vm.pgt));
	ASSERT_EQ(NULL, s2h_check(&vm.pgt, &shape));
	EXPECT_EQ(1, shape.leaves[2]);
	EXPECT_EQ(512 + 16, shape.leaves[3]);
	for (ipa = 0; ipa < end; ipa += SZ_4K) {
		u64 page = ipa / SZ_4K;
		bool in = page == 3 || (page >= 100 && page <= 110) ||
			  page == 1024 + 5;

		ASSERT_EQ(PA_BASE + ipa, s2h_translate(&vm.pgt, ipa, &pte, &level));
		ASSERT_EQ(in ? S2_PROT_R | S2_PROT_AF : S2_PROT_RW | S2_PROT_AF,
			  s2_leaf_prot(pte));
	}
	/* An empty mask: nothing to walk, nothing to invalidate. */
	memset(mask, 0, sizeof(mask));
	ASSERT_EQ(0, s2_wrprotect_mask(&vm.pgt, 0, 1024 + 64, mask, &vm.mc));
	EXPECT_EQ(tlbi_of(&before) + 1, tlbi(&vm.pgt));
	VM_TEARDOWN(&vm);
}

TEST(split_1g_block_and_memcache_exhaustion)
{
	struct s2h_vm vm;
	struct s2_memcache small = { 0 };
	const struct s2h_tlbi *t;
	struct s2h_shape shape;

	VM_SETUP(&vm, 40, true);
	ASSERT_EQ(0, s2_map(&vm.pgt, 0, SZ_1G, PA_BASE, S2_PROT_RW, &vm.mc, 0));
	ASSERT_EQ(0, s2_split(&vm.pgt, 0, SZ_4K, &vm.mc));
	EXPECT_EQ(1, s2h_stats(&vm.pgt).bbm);
	t = s2h_tlbi_last(&vm, 0);
	EXPECT_EQ(S2H_TLBI_IPA, t->kind);
	EXPECT_EQ(1, t->level);
	ASSERT_EQ(NULL, s2h_check(&vm.pgt, &shape));
	EXPECT_EQ(513, shape.tables);
	/* Four 2 MiB blocks, memcache for two: what was split stays split. */
	ASSERT_EQ(0, s2h_topup(&vm, S2_MEMCACHE_MIN_MAP));
	ASSERT_EQ(0, s2_map(&vm.pgt, SZ_1G, 4 * SZ_2M, PA_BASE, S2_PROT_RW,
			    &vm.mc, 0));
	ASSERT_EQ(0, s2_memcache_topup(&small, 2, &s2h_mm_ops, NULL));
	ASSERT_EQ(-ENOMEM, s2_split(&vm.pgt, SZ_1G, 4 * SZ_2M, &small));
	ASSERT_EQ(NULL, s2h_check(&vm.pgt, &shape));
	EXPECT_EQ(515 + 1, shape.tables);
	EXPECT_EQ(2, shape.leaves[2]);
	EXPECT_EQ(PA_BASE + 3 * SZ_2M + 8,
		  s2h_translate(&vm.pgt, SZ_1G + 3 * SZ_2M + 8, NULL, NULL));
	EXPECT_EQ(PA_BASE + SZ_2M + 8,
		  s2h_translate(&vm.pgt, SZ_1G + SZ_2M + 8, NULL, NULL));
	VM_TEARDOWN(&vm);
}

TEST(block_replaces_table_subtree_freed_after_invalidation)
{
	struct s2h_vm vm;
	long deferred;

	VM_SETUP(&vm, 40, true);
	ASSERT_EQ(0, s2_map(&vm.pgt, 0, SZ_2M, PA_BASE, S2_PROT_RW, &vm.mc,
			    S2_MAP_FORCE_PTE));
	EXPECT_EQ(4, s2h_stats(&vm.pgt).table_pages);
	ASSERT_EQ(0, s2_map(&vm.pgt, 0, SZ_2M, PA_BASE + SZ_2M, S2_PROT_RW,
			    &vm.mc, 0));
	EXPECT_EQ(1, s2h_stats(&vm.pgt).bbm);
	EXPECT_EQ(1, tlbi(&vm.pgt));
	EXPECT_EQ(1, s2h_stats(&vm.pgt).tlbi_range);
	EXPECT_EQ(3, s2h_stats(&vm.pgt).table_pages);
	deferred = s2h_pages_deferred();
	EXPECT_EQ(1, deferred);
	EXPECT_EQ(1, entry_at(&vm.pgt, 0, 2) & 3);
	EXPECT_EQ(PA_BASE + SZ_2M + 0x5000,
		  s2h_translate(&vm.pgt, 0x5000, NULL, NULL));
	/* A 1 GiB block over a 2 MiB block's table: 1 BBM too. */
	ASSERT_EQ(0, s2_map(&vm.pgt, 0, SZ_1G, 0, S2_PROT_RW, &vm.mc, 0));
	EXPECT_EQ(2, s2h_stats(&vm.pgt).bbm);
	EXPECT_EQ(2, s2h_stats(&vm.pgt).table_pages);
	VM_TEARDOWN(&vm);
}

/*
 * A 1 GiB block replacing a level-2 table whose level-3 table translates
 * [2 MiB, 4 MiB): the walk cache may hold that level-3 table for any IPA
 * of its 2 MiB, and a TLBI with a level hint only promises to drop leaves
 * of that level.  Without FEAT_TLBIRANGE, one invalidation without hint
 * must land inside that 2 MiB before the table page can be reused.
 */
TEST(block_over_nested_tables_invalidates_their_walks)
{
	const u64 page = SZ_2M + 0x5000;
	struct s2h_vm vm;
	bool walk_dropped = false;
	const struct s2h_tlbi *t;
	u64 nr_log, i;

	VM_SETUP(&vm, 40, false);
	ASSERT_EQ(0, s2_map(&vm.pgt, page, SZ_4K, PA_BASE, S2_PROT_RW, &vm.mc,
			    0));
	ASSERT_EQ(3, entry_at(&vm.pgt, page, 2) & 3);
	nr_log = vm.nr_log;
	ASSERT_EQ(0, s2_map(&vm.pgt, 0, SZ_1G, 0, S2_PROT_RW, &vm.mc, 0));
	ASSERT_LT(nr_log, vm.nr_log);
	for (i = 0; i < vm.nr_log - nr_log; i++) {
		t = s2h_tlbi_last(&vm, i);
		if (t->kind == S2H_TLBI_VMID ||
		    (t->kind == S2H_TLBI_IPA && !t->level &&
		     t->ipa >= SZ_2M && t->ipa < 2 * SZ_2M))
			walk_dropped = true;
	}
	EXPECT_TRUE(walk_dropped);
	EXPECT_EQ(0x5000 + SZ_2M, s2h_translate(&vm.pgt, page, NULL, NULL));
	VM_TEARDOWN(&vm);
}

TEST(young_and_mkyoung)
{
	struct s2h_vm vm;
	s2_pte_t pte;
	s8 level;

	VM_SETUP(&vm, 40, true);
	ASSERT_EQ(0, s2_map(&vm.pgt, 0, 16 * SZ_4K, PA_BASE, S2_PROT_RW,
			    &vm.mc, 0));
	ASSERT_EQ(0, s2_map(&vm.pgt, SZ_2M, SZ_2M, PA_BASE + SZ_2M,
			    S2_PROT_RW, &vm.mc, 0));
	EXPECT_EQ(17, s2_test_clear_young(&vm.pgt, 0, 2 * SZ_2M, false));
	EXPECT_EQ(0, tlbi(&vm.pgt));
	EXPECT_EQ(17, s2_test_clear_young(&vm.pgt, 0, 2 * SZ_2M, true));
	EXPECT_EQ(1, tlbi(&vm.pgt));
	EXPECT_EQ(0, s2_test_clear_young(&vm.pgt, 0, 2 * SZ_2M, true));
	s2_get_leaf(&vm.pgt, SZ_2M, &pte, &level);
	EXPECT_EQ(0, pte & S2_PTE_AF);
	EXPECT_EQ(2, level);
	/* Not accessed is a permission-like difference: map leaves it. */
	EXPECT_EQ(S2_PERMS_DIFFER, s2_map(&vm.pgt, 0, SZ_4K, PA_BASE,
					  S2_PROT_RW, &vm.mc, 0));
	EXPECT_EQ(0, s2_mkyoung(&vm.pgt, SZ_2M + SZ_4K, S2_WALK_SHARED));
	EXPECT_EQ(S2_UNCHANGED, s2_mkyoung(&vm.pgt, SZ_2M, 0));
	s2_get_leaf(&vm.pgt, SZ_2M, &pte, &level);
	EXPECT_EQ(S2_PTE_AF, pte & S2_PTE_AF);
	EXPECT_EQ(1, s2_test_clear_young(&vm.pgt, 0, 2 * SZ_2M, false));
	EXPECT_EQ(-ENOENT, s2_mkyoung(&vm.pgt, SZ_1G, 0));
	EXPECT_EQ(0, s2h_stats(&vm.pgt).bbm);
	VM_TEARDOWN(&vm);
}

TEST(shared_walkers_back_off_from_locked_entry)
{
	struct s2h_vm vm;
	s2_pte_t *ptep, saved;

	VM_SETUP(&vm, 40, true);
	ASSERT_EQ(0, s2_map(&vm.pgt, 0, SZ_4K, PA_BASE, S2_PROT_R, &vm.mc, 0));
	/* Pretend another walker is in the middle of BBM on page 0. */
	ptep = &table_of(entry_at(&vm.pgt, 0, 2))[0];
	saved = *ptep;
	*ptep = S2_PTE_LOCKED;
	EXPECT_EQ(-EAGAIN, s2_map(&vm.pgt, 0, SZ_4K, PA_BASE, S2_PROT_R,
				  &vm.mc, S2_WALK_SHARED));
	EXPECT_EQ(-EAGAIN, s2_relax_perms(&vm.pgt, 0, S2_PROT_W,
					  S2_WALK_SHARED));
	EXPECT_EQ(-EAGAIN, s2_mkyoung(&vm.pgt, 0, S2_WALK_SHARED));
	EXPECT_EQ(3, s2h_stats(&vm.pgt).retries);
	/* The neighbour is not locked. */
	EXPECT_EQ(0, s2_map(&vm.pgt, SZ_4K, SZ_4K, PA_BASE, S2_PROT_R,
			    &vm.mc, S2_WALK_SHARED));
	*ptep = saved;
	EXPECT_EQ(S2_UNCHANGED, s2_map(&vm.pgt, 0, SZ_4K, PA_BASE, S2_PROT_R,
				       &vm.mc, S2_WALK_SHARED));
	VM_TEARDOWN(&vm);
}

TEST(empty_memcache_fails_cleanly)
{
	struct s2h_vm vm;
	struct s2_memcache two = { 0 };

	ASSERT_EQ(0, s2h_vm_init(&vm, 48, true));
	s2h_write_lock(&vm.lock);
	EXPECT_EQ(-ENOMEM, s2_map(&vm.pgt, 0, SZ_4K, PA_BASE, S2_PROT_R,
				  NULL, S2_WALK_SHARED));
	/* Two of the three tables: none installed, no empty table left. */
	ASSERT_EQ(0, s2_memcache_topup(&two, 2, &s2h_mm_ops, NULL));
	EXPECT_EQ(-ENOMEM, s2_map(&vm.pgt, 0, SZ_4K, PA_BASE, S2_PROT_R,
				  &two, 0));
	EXPECT_EQ(2, two.nr);
	EXPECT_EQ(1, s2h_stats(&vm.pgt).table_pages);
	CHECK_SHAPE(&vm);
	/* A bulk map running out part way: what is mapped is complete. */
	EXPECT_EQ(-ENOMEM, s2_map(&vm.pgt, 0, 4 * SZ_2M, PA_BASE, S2_PROT_R,
				  &two, S2_MAP_FORCE_PTE));
	EXPECT_EQ(2, two.nr);
	EXPECT_EQ(1, s2h_stats(&vm.pgt).table_pages);
	ASSERT_EQ(0, s2_memcache_topup(&two, 4, &s2h_mm_ops, NULL));
	EXPECT_EQ(-ENOMEM, s2_map(&vm.pgt, 0, 4 * SZ_2M, PA_BASE, S2_PROT_R,
				  &two, S2_MAP_FORCE_PTE));
	EXPECT_EQ(1 + 4, s2h_stats(&vm.pgt).table_pages);
	EXPECT_EQ(2 * 512, s2h_stats(&vm.pgt).mapped[3]);
	CHECK_SHAPE(&vm);
	s2_memcache_drain(&two, &s2h_mm_ops);
	EXPECT_EQ(S2_UNCHANGED, s2_map(&vm.pgt, 0, SZ_4K, PA_BASE, S2_PROT_R,
				       NULL, 0));
	VM_TEARDOWN(&vm);
}

/*
 * The lock rules are checked, not only written down: every public
 * operation, called holding no lock, the read side or the write side, is
 * stopped by the engine's hook (the hosted checking rwlock aborts) exactly
 * when it needs more than the caller holds.  Each call runs in a child
 * process, the abort being the expected outcome.  (The harness reports
 * any SIGABRT as a failed assertion, so TEST_SIGNAL cannot expect it.)
 */
enum lock_need { NEED_NONE, NEED_READ, NEED_WRITE };

struct lock_rule {
	const char	*name;
	enum lock_need	need;
	void		(*call)(struct s2h_vm *vm);
};

static int nop_visit(const struct s2_visit_ctx *ctx, u32 visit)
{
	return 0;
}

static void walk_with(struct s2h_vm *vm, u32 flags)
{
	struct s2_walker w = { .cb = nop_visit, .flags = flags };

	s2_walk(&vm->pgt, 0, SZ_2M, &w);
}

static void call_map(struct s2h_vm *vm)
{
	s2_map(&vm->pgt, 0, SZ_4K, PA_BASE, S2_PROT_RW, &vm->mc, 0);
}

static void call_map_shared(struct s2h_vm *vm)
{
	s2_map(&vm->pgt, 0, SZ_4K, PA_BASE, S2_PROT_RW, &vm->mc,
	       S2_WALK_SHARED);
}

static void call_unmap(struct s2h_vm *vm)
{
	s2_unmap(&vm->pgt, 0, SZ_4K);
}

static void call_unmap_mc(struct s2h_vm *vm)
{
	s2_unmap_mc(&vm->pgt, 0, SZ_4K, &vm->mc);
}

static void call_wrprotect(struct s2h_vm *vm)
{
	s2_wrprotect(&vm->pgt, 0, SZ_4K);
}

static void call_split(struct s2h_vm *vm)
{
	s2_split(&vm->pgt, 0, SZ_2M, &vm->mc);
}

static void call_split_wrprotect(struct s2h_vm *vm)
{
	s2_split_wrprotect(&vm->pgt, 0, SZ_2M, &vm->mc);
}

static void call_relax(struct s2h_vm *vm)
{
	s2_relax_perms(&vm->pgt, 0, S2_PROT_W, 0);
}

static void call_relax_shared(struct s2h_vm *vm)
{
	s2_relax_perms(&vm->pgt, 0, S2_PROT_W, S2_WALK_SHARED);
}

static void call_mkyoung(struct s2h_vm *vm)
{
	s2_mkyoung(&vm->pgt, 0, 0);
}

static void call_mkyoung_shared(struct s2h_vm *vm)
{
	s2_mkyoung(&vm->pgt, 0, S2_WALK_SHARED);
}

static void call_test_clear_young(struct s2h_vm *vm)
{
	s2_test_clear_young(&vm->pgt, 0, SZ_2M, true);
}

static void call_walk(struct s2h_vm *vm)
{
	walk_with(vm, S2_WALK_LEAF);
}

static void call_walk_shared(struct s2h_vm *vm)
{
	walk_with(vm, S2_WALK_LEAF | S2_WALK_SHARED);
}

static void call_get_leaf(struct s2h_vm *vm)
{
	s2_pte_t pte;
	s8 level;

	s2_get_leaf(&vm->pgt, 0, &pte, &level);
}

static void call_destroy(struct s2h_vm *vm)
{
	s2_pgtable_destroy(&vm->pgt);
}

/* Documentation/locking.rst, "What the engine asserts", as a table. */
static const struct lock_rule lock_rules[] = {
	{ "map",		NEED_WRITE,	call_map },
	{ "map shared",		NEED_READ,	call_map_shared },
	{ "unmap",		NEED_WRITE,	call_unmap },
	{ "unmap_mc",		NEED_WRITE,	call_unmap_mc },
	{ "wrprotect",		NEED_WRITE,	call_wrprotect },
	{ "split",		NEED_WRITE,	call_split },
	{ "split_wrprotect",	NEED_WRITE,	call_split_wrprotect },
	{ "relax_perms",	NEED_WRITE,	call_relax },
	{ "relax_perms shared",	NEED_READ,	call_relax_shared },
	{ "mkyoung",		NEED_WRITE,	call_mkyoung },
	{ "mkyoung shared",	NEED_READ,	call_mkyoung_shared },
	{ "test_clear_young",	NEED_READ,	call_test_clear_young },
	{ "walk",		NEED_WRITE,	call_walk },
	{ "walk shared",	NEED_READ,	call_walk_shared },
	{ "get_leaf",		NEED_NONE,	call_get_leaf },
	{ "destroy",		NEED_WRITE,	call_destroy },
};

/* In a child: a VM with one 2M block, then @rule called holding @held. */
static void lock_rule_child(const struct lock_rule *rule, enum lock_need held)
{
	struct s2h_vm vm;
	int null = open("/dev/null", O_WRONLY);

	/* The expected aborts say why on stderr: keep the log readable. */
	if (null >= 0)
		dup2(null, STDERR_FILENO);
	if (s2h_vm_init(&vm, 40, true) ||
	    s2h_topup(&vm, S2_MEMCACHE_SPLIT_1G))
		_exit(2);
	s2h_write_lock(&vm.lock);
	if (s2_map(&vm.pgt, 0, SZ_2M, PA_BASE, S2_PROT_R, &vm.mc, 0))
		_exit(2);
	s2h_write_unlock(&vm.lock);
	if (held == NEED_READ)
		s2h_read_lock(&vm.lock);
	else if (held == NEED_WRITE)
		s2h_write_lock(&vm.lock);
	rule->call(&vm);
	_exit(0);
}

TEST(every_operation_checks_its_lock)
{
	enum lock_need held;
	unsigned int i;
	int status;
	pid_t pid;

	for (i = 0; i < ARRAY_SIZE(lock_rules); i++) {
		for (held = NEED_NONE; held <= NEED_WRITE; held++) {
			bool caught = held < lock_rules[i].need;

			pid = fork();
			ASSERT_LE(0, pid);
			if (!pid)
				lock_rule_child(&lock_rules[i], held);
			ASSERT_EQ(pid, waitpid(pid, &status, 0));
			if (caught) {
				EXPECT_TRUE(WIFSIGNALED(status) &&
					    WTERMSIG(status) == SIGABRT)
					TH_LOG("%s, lock held %d: not caught",
					       lock_rules[i].name, held);
			} else {
				EXPECT_TRUE(WIFEXITED(status) &&
					    !WEXITSTATUS(status))
					TH_LOG("%s, lock held %d: status %#x",
					       lock_rules[i].name, held, status);
			}
		}
	}
}

/*
 * Issue 13, item 8: a map that wrote some entries and left others that
 * differ only in permissions says so (the caller must raise those, and
 * must not count them as writable); leaves written into an off-line
 * subtree that is then discarded are not counted as mapped.
 */
TEST(map_reports_and_counts_only_what_it_did)
{
	struct s2_memcache two = { 0 };
	struct s2_stats before;
	struct s2h_vm vm;

	VM_SETUP(&vm, 40, true);
	/* Page 0 read-only; page 1 empty: map both read-write. */
	ASSERT_EQ(0, s2_map(&vm.pgt, 0, SZ_4K, PA_BASE, S2_PROT_R, &vm.mc, 0));
	EXPECT_EQ(S2_PERMS_DIFFER, s2_map(&vm.pgt, 0, 2 * SZ_4K, PA_BASE,
					  S2_PROT_RW, &vm.mc, S2_WALK_SHARED));
	EXPECT_EQ(PA_BASE + SZ_4K, s2h_translate(&vm.pgt, SZ_4K, NULL, NULL));

	/*
	 * A 1 GiB block; a new output address for [2M - 4K, 2M + 4K) needs
	 * the level-2 copy and two level-3 copies: with two pages, the
	 * second 2 MiB runs out after the first got its leaf.
	 */
	ASSERT_EQ(0, s2_map(&vm.pgt, SZ_1G, SZ_1G, PA_BASE + SZ_1G,
			    S2_PROT_RW, &vm.mc, 0));
	ASSERT_EQ(0, s2_memcache_topup(&two, 2, &s2h_mm_ops, NULL));
	before = s2h_stats(&vm.pgt);
	EXPECT_EQ(-ENOMEM, s2_map(&vm.pgt, SZ_1G + SZ_2M - SZ_4K, 2 * SZ_4K,
				  PA_BASE + 4 * SZ_1G, S2_PROT_RW, &two, 0));
	EXPECT_EQ(before.mapped[3], s2h_stats(&vm.pgt).mapped[3]);
	EXPECT_EQ(before.mapped[2], s2h_stats(&vm.pgt).mapped[2]);
	EXPECT_EQ(before.bbm, s2h_stats(&vm.pgt).bbm);
	EXPECT_EQ(before.table_pages, s2h_stats(&vm.pgt).table_pages);
	EXPECT_EQ(PA_BASE + SZ_1G + SZ_2M,
		  s2h_translate(&vm.pgt, SZ_1G + SZ_2M, NULL, NULL));
	s2_memcache_drain(&two, &s2h_mm_ops);
	VM_TEARDOWN(&vm);
}

TEST_HARNESS_MAIN
