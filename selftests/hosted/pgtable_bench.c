// SPDX-License-Identifier: GPL-2.0
/*
 * Engine benchmarks, hosted (make bench).  40-bit IPA, 1 GiB of 4K pages
 * unless the name says otherwise, FEAT_TLBIRANGE backend.  Each workload
 * runs on a fresh table; only the operation is timed (set-up such as the
 * mapping an unmap removes, and memcache top-ups between calls, are not).
 * The median of N runs is printed, one line per workload:
 *
 *   bench <name> ns_per_page=<x> pages=<n> tlbi_ipa=<n> tlbi_range=<n>
 *	tlbi_vmid=<n> bbm=<n> table_pages=<n> wp_walks=<n> wp_leaves=<n>
 *	wp_protected=<n>
 *
 * "pgtable_bench [RUNS [NAME]]": RUNS (default 5, at most 63) runs of every
 * workload, or of NAME only.  scripts/bench-ab.py runs single runs of two
 * builds interleaved, and counts instructions under callgrind: the timed
 * part of workload NAME is exactly the call of run_NAME().
 *
 * Counters are those of the timed part; table_pages counts the non-root
 * table pages live after it.  For shatter_2m a "page" is one 4K change
 * (one shatter), elsewhere one 4K page of the range.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "s2_hosted.h"

#define SZ_4K		0x1000ULL
#define SZ_2M		0x200000ULL
#define SZ_1G		0x40000000ULL
#define PAGES_1G	(SZ_1G / SZ_4K)
#define PA_BASE		0x10000000000ULL

struct bench {
	const char	*name;
	void		(*setup)(struct s2h_vm *vm);
	void		(*run)(struct s2h_vm *vm);
	u64		pages;
};

static u64 *order;

static void die(const char *what, int ret)
{
	fprintf(stderr, "bench: %s: %d\n", what, ret);
	exit(1);
}

static void topup(struct s2h_vm *vm, int pages)
{
	if (s2h_topup(vm, pages))
		die("out of memory", -ENOMEM);
}

static void map_1g(struct s2h_vm *vm, u64 ipa, u64 pa, u32 prot, u32 flags)
{
	int ret;

	topup(vm, S2_MEMCACHE_SPLIT_1G);
	ret = s2_map(&vm->pgt, ipa, SZ_1G, pa, prot, &vm->mc, flags);
	if (ret < 0)
		die("map", ret);
}

static void setup_none(struct s2h_vm *vm)
{
	topup(vm, S2_MEMCACHE_SPLIT_1G);
}

static void setup_4k(struct s2h_vm *vm)
{
	map_1g(vm, 0, PA_BASE, S2_PROT_RW, S2_MAP_FORCE_PTE);
	topup(vm, S2_MEMCACHE_SPLIT_1G);
}

static void setup_4k_ro(struct s2h_vm *vm)
{
	map_1g(vm, 0, PA_BASE, S2_PROT_R, S2_MAP_FORCE_PTE);
}

static void setup_2m(struct s2h_vm *vm)
{
	/* PA 2 MiB but not 1 GiB aligned: 512 level-2 blocks. */
	map_1g(vm, 0, PA_BASE + SZ_2M, S2_PROT_RW, 0);
	topup(vm, S2_MEMCACHE_SPLIT_1G);
}

static void run_map_4k_bulk(struct s2h_vm *vm)
{
	int ret = s2_map(&vm->pgt, 0, SZ_1G, PA_BASE, S2_PROT_RW, &vm->mc,
			 S2_MAP_FORCE_PTE);

	if (ret)
		die("map_4k_bulk", ret);
}

static void run_map_4k_each(struct s2h_vm *vm)
{
	u64 i;
	int ret;

	for (i = 0; i < PAGES_1G; i++) {
		if (vm->mc.nr < S2_MEMCACHE_MIN_MAP)
			topup(vm, S2_MEMCACHE_SPLIT_1G);
		ret = s2_map(&vm->pgt, i * SZ_4K, SZ_4K, PA_BASE + i * SZ_4K,
			     S2_PROT_RW, &vm->mc, 0);
		if (ret)
			die("map_4k_each", ret);
	}
}

static void run_map_2m_bulk(struct s2h_vm *vm)
{
	int ret = s2_map(&vm->pgt, 0, SZ_1G, PA_BASE + SZ_2M, S2_PROT_RW,
			 &vm->mc, 0);

	if (ret)
		die("map_2m_bulk", ret);
}

static void run_unmap_4k_bulk(struct s2h_vm *vm)
{
	int ret = s2_unmap(&vm->pgt, 0, SZ_1G);

	if (ret)
		die("unmap_4k_bulk", ret);
}

static void run_wrprotect_4k_bulk(struct s2h_vm *vm)
{
	int ret = s2_wrprotect(&vm->pgt, 0, SZ_1G);

	if (ret)
		die("wrprotect_4k_bulk", ret);
}

/* A vCPU fault: shared mode, one page, retried on -EAGAIN/-ENOMEM. */
static void run_fault_4k_random(struct s2h_vm *vm)
{
	u64 i, ipa;
	int ret;

	for (i = 0; i < PAGES_1G; i++) {
		ipa = order[i] * SZ_4K;
		do {
			if (vm->mc.nr < S2_MEMCACHE_MIN_MAP)
				topup(vm, S2_MEMCACHE_SPLIT_1G);
			ret = s2_map(&vm->pgt, ipa, SZ_4K, PA_BASE + ipa,
				     S2_PROT_RW, &vm->mc, S2_WALK_SHARED);
		} while (ret == -EAGAIN || ret == -ENOMEM);
		if (ret)
			die("fault_4k_random", ret);
	}
}

static void run_relax_4k_each(struct s2h_vm *vm)
{
	u64 i;
	int ret;

	for (i = 0; i < PAGES_1G; i++) {
		ret = s2_relax_perms(&vm->pgt, i * SZ_4K, S2_PROT_W,
				     S2_WALK_SHARED);
		if (ret)
			die("relax_4k_each", ret);
	}
}

/* Accessed-flag faults: every page mapped, its AF cleared by aging. */
static void setup_4k_old(struct s2h_vm *vm)
{
	setup_4k(vm);
	if (s2_test_clear_young(&vm->pgt, 0, SZ_1G, true) != PAGES_1G)
		die("setup_4k_old", -EINVAL);
}

static void run_mkyoung_4k_each(struct s2h_vm *vm)
{
	u64 i;
	int ret;

	for (i = 0; i < PAGES_1G; i++) {
		ret = s2_mkyoung(&vm->pgt, i * SZ_4K, S2_WALK_SHARED);
		if (ret)
			die("mkyoung_4k_each", ret);
	}
}

/* The lockless lookup a fault makes before taking the lock. */
static void run_get_leaf_4k_each(struct s2h_vm *vm)
{
	s2_pte_t pte;
	u64 i;
	s8 level;

	for (i = 0; i < PAGES_1G; i++) {
		if (s2_get_leaf(&vm->pgt, i * SZ_4K, &pte, &level) ||
		    level != S2_MAX_LEVEL ||
		    (pte & S2_PTE_ADDR_MASK) != PA_BASE + i * SZ_4K)
			die("get_leaf_4k_each", -EINVAL);
	}
}

static void run_remap_identical_each(struct s2h_vm *vm)
{
	u64 i;
	int ret;

	for (i = 0; i < PAGES_1G; i++) {
		ret = s2_map(&vm->pgt, i * SZ_4K, SZ_4K, PA_BASE + i * SZ_4K,
			     S2_PROT_RW, &vm->mc, S2_WALK_SHARED);
		if (ret != S2_UNCHANGED)
			die("remap_identical_each", ret);
	}
}

static void run_remap_identical_bulk(struct s2h_vm *vm)
{
	int ret = s2_map(&vm->pgt, 0, SZ_1G, PA_BASE, S2_PROT_RW, &vm->mc,
			 S2_MAP_FORCE_PTE);

	if (ret != S2_UNCHANGED)
		die("remap_identical_bulk", ret);
}

/* One 4K page of each 2 MiB block moves: 512 shatters. */
static void run_shatter_2m(struct s2h_vm *vm)
{
	u64 i, ipa;
	int ret;

	for (i = 0; i < 512; i++) {
		ipa = i * SZ_2M + 5 * SZ_4K;
		if (vm->mc.nr < S2_MEMCACHE_MIN_MAP)
			topup(vm, S2_MEMCACHE_SPLIT_1G);
		ret = s2_map(&vm->pgt, ipa, SZ_4K, PA_BASE, S2_PROT_RW,
			     &vm->mc, S2_WALK_SHARED);
		if (ret)
			die("shatter_2m", ret);
	}
}

static void run_split_1g(struct s2h_vm *vm)
{
	int ret = s2_split(&vm->pgt, 0, SZ_1G, &vm->mc);

	if (ret)
		die("split_1g", ret);
}

static void run_map_4k_bulk_64g(struct s2h_vm *vm)
{
	u64 gib;

	/* The memcache holds one GiB's worth of tables: one call per GiB. */
	for (gib = 0; gib < 64; gib++) {
		int ret;

		if (vm->mc.nr < S2_MEMCACHE_SPLIT_1G)
			topup(vm, S2_MEMCACHE_SPLIT_1G);
		ret = s2_map(&vm->pgt, gib * SZ_1G, SZ_1G,
			     PA_BASE + gib * SZ_1G, S2_PROT_RW, &vm->mc,
			     S2_MAP_FORCE_PTE);
		if (ret)
			die("map_4k_bulk_64g", ret);
	}
}

static void setup_4k_64g(struct s2h_vm *vm)
{
	run_map_4k_bulk_64g(vm);
}

static void run_unmap_4k_bulk_64g(struct s2h_vm *vm)
{
	int ret = s2_unmap(&vm->pgt, 0, 64 * SZ_1G);

	if (ret)
		die("unmap_4k_bulk_64g", ret);
}

/*
 * A dirty-log CLEAR (or GET) as the module makes it: one call of
 * s2_wrprotect_mask() per page of bitmap (32768 pages), over 1 GiB of 4K
 * pages, with every bit set, one bit per 64-bit word, one bit per 16 MiB,
 * or every other bit.
 */
#define MASK_CHUNK_PAGES	(8 * 4096ULL)
#define MASK_BITS		(8 * sizeof(unsigned long))

static unsigned long wp_mask[PAGES_1G / MASK_BITS];

static void run_wp_mask(struct s2h_vm *vm, const char *name)
{
	u64 p;
	int ret;

	for (p = 0; p < PAGES_1G; p += MASK_CHUNK_PAGES) {
		ret = s2_wrprotect_mask(&vm->pgt, p * SZ_4K, MASK_CHUNK_PAGES,
					wp_mask + p / MASK_BITS, &vm->mc);
		if (ret)
			die(name, ret);
	}
}

static void setup_wp_mask(struct s2h_vm *vm, unsigned long word, u64 every)
{
	u64 w;

	setup_4k(vm);
	for (w = 0; w < ARRAY_SIZE(wp_mask); w++)
		wp_mask[w] = w % every ? 0 : word;
}

static void setup_wp_mask_all(struct s2h_vm *vm)
{
	setup_wp_mask(vm, ~0UL, 1);
}

static void setup_wp_mask_word(struct s2h_vm *vm)
{
	setup_wp_mask(vm, 1UL << 17, 1);
}

static void setup_wp_mask_16m(struct s2h_vm *vm)
{
	setup_wp_mask(vm, 1UL << 17, 16 * SZ_2M / SZ_4K / MASK_BITS);
}

static void setup_wp_mask_odd(struct s2h_vm *vm)
{
	setup_wp_mask(vm, 0x5555555555555555UL, 1);
}

static void run_wp_mask_all(struct s2h_vm *vm)
{
	run_wp_mask(vm, "wp_mask_all");
}

static void run_wp_mask_word(struct s2h_vm *vm)
{
	run_wp_mask(vm, "wp_mask_word");
}

static void run_wp_mask_16m(struct s2h_vm *vm)
{
	run_wp_mask(vm, "wp_mask_16m");
}

static void run_wp_mask_odd(struct s2h_vm *vm)
{
	run_wp_mask(vm, "wp_mask_odd");
}

static const struct bench benches[] = {
	{ "map_4k_bulk", setup_none, run_map_4k_bulk, PAGES_1G },
	{ "map_4k_each", setup_none, run_map_4k_each, PAGES_1G },
	{ "map_2m_bulk", setup_none, run_map_2m_bulk, PAGES_1G },
	{ "unmap_4k_bulk", setup_4k, run_unmap_4k_bulk, PAGES_1G },
	{ "wrprotect_4k_bulk", setup_4k, run_wrprotect_4k_bulk, PAGES_1G },
	{ "fault_4k_random", setup_none, run_fault_4k_random, PAGES_1G },
	{ "relax_4k_each", setup_4k_ro, run_relax_4k_each, PAGES_1G },
	{ "mkyoung_4k_each", setup_4k_old, run_mkyoung_4k_each, PAGES_1G },
	{ "get_leaf_4k_each", setup_4k, run_get_leaf_4k_each, PAGES_1G },
	{ "remap_identical_each", setup_4k, run_remap_identical_each,
	  PAGES_1G },
	{ "remap_identical_bulk", setup_4k, run_remap_identical_bulk,
	  PAGES_1G },
	{ "shatter_2m", setup_2m, run_shatter_2m, 512 },
	{ "split_1g", setup_2m, run_split_1g, PAGES_1G },
	{ "map_4k_bulk_64g", setup_none, run_map_4k_bulk_64g, 64 * PAGES_1G },
	{ "unmap_4k_bulk_64g", setup_4k_64g, run_unmap_4k_bulk_64g,
	  64 * PAGES_1G },
	{ "wp_mask_all", setup_wp_mask_all, run_wp_mask_all, PAGES_1G },
	{ "wp_mask_word", setup_wp_mask_word, run_wp_mask_word, PAGES_1G },
	{ "wp_mask_16m", setup_wp_mask_16m, run_wp_mask_16m, PAGES_1G },
	{ "wp_mask_odd", setup_wp_mask_odd, run_wp_mask_odd, PAGES_1G },
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void run_bench(const struct bench *b, int runs)
{
	static struct s2h_vm vm;
	struct s2_stats before, after = { 0 };
	double ns[64];
	s64 tables = 0;
	int r;

	for (r = 0; r < runs; r++) {
		if (s2h_vm_init(&vm, 40, true))
			die("init", -ENOMEM);
		/* No call log: the TLB callbacks do nothing but count. */
		vm.pgt.priv = NULL;
		/* No lock checks either: a kernel without lockdep. */
		vm.pgt.assert_locked = NULL;
		b->setup(&vm);
		s2h_grace_period();
		before = s2h_stats(&vm.pgt);
		ns[r] = now_ns();
		b->run(&vm);
		ns[r] = now_ns() - ns[r];
		after = s2h_stats(&vm.pgt);
		tables = after.table_pages - vm.pgt.nr_roots;
		s2h_vm_destroy(&vm);
	}
	qsort(ns, runs, sizeof(ns[0]), cmp_double);
	printf("bench %s ns_per_page=%.2f pages=%llu ", b->name,
	       ns[runs / 2] / b->pages, b->pages);
	printf("tlbi_ipa=%llu tlbi_range=%llu tlbi_vmid=%llu bbm=%llu table_pages=%lld",
	       after.tlbi_ipa - before.tlbi_ipa,
	       after.tlbi_range - before.tlbi_range,
	       after.tlbi_vmid - before.tlbi_vmid,
	       after.bbm - before.bbm, tables);
	printf(" wp_walks=%llu wp_leaves=%llu wp_protected=%llu\n",
	       after.wp_mask_walks - before.wp_mask_walks,
	       after.wp_mask_leaves - before.wp_mask_leaves,
	       after.wp_mask_protected - before.wp_mask_protected);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 5;
	u64 i, j, t, seed = 0x2545f4914f6cdd1dULL;
	unsigned int k;

	if (runs < 1 || runs > 63)
		runs = 5;
	s2h_init(1UL << 20);
	order = malloc(PAGES_1G * sizeof(*order));
	if (!order)
		die("malloc", -ENOMEM);
	for (i = 0; i < PAGES_1G; i++)
		order[i] = i;
	for (i = PAGES_1G - 1; i > 0; i--) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		j = seed % (i + 1);
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (k = 0; k < ARRAY_SIZE(benches); k++)
		if (argc < 3 || !strcmp(argv[2], benches[k].name))
			run_bench(&benches[k], runs);
	free(order);
	return 0;
}
