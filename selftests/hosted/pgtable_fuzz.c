// SPDX-License-Identifier: GPL-2.0
/*
 * Differential fuzzer of the engine.  Random map / unmap / wrprotect /
 * relax / mkyoung / test_clear_young / split / wrprotect_mask over a 4 MiB
 * window that straddles a 1 GiB boundary (for some runs one where the root table's
 * concatenated pages or level-0 entries meet: struct geometry); after
 * every operation each IPA of the window is translated and compared with
 * a flat reference model, s2_get_leaf()'s lookup with the walk's (a
 * rotating sixteenth of the pages), the structural
 * invariants are checked (s2h_check()), pages are accounted for, the
 * invalidations issued are compared with what the operation had to
 * invalidate, and each of them is checked to reach what a TLB could hold:
 * every translation that changed or lost permissions, and, without a level
 * hint, every table page unlinked (its walk-cache entries).
 *
 * Built three ways: the kselftest program run by "make hosted-test"
 * (S2_FUZZ_OPS operations from a fixed seed, 0 = forever), and with
 * -DS2_LIBFUZZER the libFuzzer entry point of "make fuzz".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s2_hosted.h"

#define SZ_4K		0x1000ULL
#define SZ_2M		0x200000ULL
#define SZ_1G		0x40000000ULL
#define SZ_512G		(512 * SZ_1G)
#define WPAGES		1024
#define WBASE		(geo->base)
#define WEND		(WBASE + WPAGES * SZ_4K)
/* The two 1 GiB regions on either side of the window's middle. */
#define GBASE		(WBASE + SZ_2M - SZ_1G)

/*
 * Where the window is.  Each start level has its own copy of the walk's
 * inner loop, and a walk that crosses from one root page (or level-0
 * entry) to the next restarts at the root: every geometry crosses such a
 * boundary in the middle of its window.
 */
struct geometry {
	u32	ia_bits;
	u64	base;
};

static const struct geometry geometries[] = {
	{ 40, SZ_1G - SZ_2M },		/* start level 1, a 1 GiB boundary */
	{ 32, SZ_1G - SZ_2M },		/* start level 2, root page boundary */
	{ 40, SZ_512G - SZ_2M },	/* start level 1, root page boundary */
	{ 48, SZ_512G - SZ_2M },	/* start level 0, level-0 boundary */
};

static const struct geometry *geo = &geometries[0];
#define PA_BASE		0x10000000000ULL

struct page_model {
	bool	valid;
	u64	pa;
	u32	prot;	/* S2_PROT_* including AF and memory type */
};

/* What the engine holds for each page of the window (after an op). */
struct page_seen {
	s2_pte_t	leaf;
	s8		level;
	u64		base;	/* first IPA of the leaf or empty entry */
	/* Table page at each level of the page's walk, 0 above the root. */
	u64		table[S2_MAX_LEVEL + 1];
};

struct fuzz {
	struct s2h_vm		vm;
	struct page_model	model[WPAGES];
	struct page_seen	seen[WPAGES];
	struct page_seen	now[WPAGES];
	const u8		*data;
	size_t			len;
	size_t			pos;
	u64			rng;
	u64			ops;
	char			err[256];
};

static u32 take(struct fuzz *f, u32 bound)
{
	u32 v;

	if (f->data) {
		v = 0;
		if (f->pos < f->len)
			v = f->data[f->pos++];
		if (bound > 256 && f->pos < f->len)
			v = v << 8 | f->data[f->pos++];
	} else {
		f->rng ^= f->rng << 13;
		f->rng ^= f->rng >> 7;
		f->rng ^= f->rng << 17;
		v = f->rng >> 16;
	}
	return bound ? v % bound : 0;
}

static int page_of(u64 ipa)
{
	return (ipa - WBASE) / SZ_4K;
}

static int seen_walker(const struct s2_visit_ctx *ctx, u32 visit)
{
	struct page_seen *seen = ctx->arg;
	u64 a = max(ctx->addr, WBASE);
	u64 e = min(ctx->addr + S2_LEVEL_SIZE(ctx->level), WEND);

	for (; a < e; a += SZ_4K) {
		struct page_seen *s = &seen[page_of(a)];

		if (visit == S2_WALK_TABLE_PRE) {
			s->table[ctx->level + 1] = ctx->old & S2_PTE_ADDR_MASK;
			continue;
		}
		s->leaf = ctx->old;
		s->level = ctx->level;
		s->base = ctx->addr;
	}
	return 0;
}

static void snapshot_into(struct fuzz *f, struct page_seen *seen)
{
	struct s2_walker w = {
		.cb = seen_walker, .arg = seen,
		.flags = S2_WALK_LEAF | S2_WALK_TABLE_PRE,
	};

	memset(seen, 0, sizeof(f->seen));
	s2_walk(&f->vm.pgt, WBASE, WEND - WBASE, &w);
}

static void snapshot(struct fuzz *f)
{
	snapshot_into(f, f->seen);
}

/*
 * Each operation runs under the side of the VM lock its kernel callers
 * take: the read side in shared mode, the write side otherwise.  The
 * engine's hook checks it, so a mode that asks too much fails here.
 */
static void lock_vm(struct fuzz *f, u32 flags)
{
	if (flags & S2_WALK_SHARED)
		s2h_read_lock(&f->vm.lock);
	else
		s2h_write_lock(&f->vm.lock);
}

static void unlock_vm(struct fuzz *f, u32 flags)
{
	if (flags & S2_WALK_SHARED)
		s2h_read_unlock(&f->vm.lock);
	else
		s2h_write_unlock(&f->vm.lock);
}

static bool fail(struct fuzz *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->err, sizeof(f->err), fmt, ap);
	va_end(ap);
	return false;
}

/*
 * s2_get_leaf() has a walk of its own (each operation's walk is inlined
 * and specialised): it must find, for every page, the entry and level
 * the generic walk of the snapshot found.  A sixteenth of the pages per
 * step, rotating.
 */
static bool check_get_leaf(struct fuzz *f)
{
	s2_pte_t pte;
	s8 level;
	int i;

	for (i = f->ops % 16; i < WPAGES; i += 16) {
		if (s2_get_leaf(&f->vm.pgt, WBASE + i * SZ_4K + SZ_4K / 2,
				&pte, &level))
			return fail(f, "get_leaf %llx failed", WBASE + i * SZ_4K);
		if (pte != f->seen[i].leaf || level != f->seen[i].level)
			return fail(f, "get_leaf %llx: %llx at level %d, walk %llx at %d",
				    WBASE + i * SZ_4K, pte, level,
				    f->seen[i].leaf, f->seen[i].level);
	}
	return true;
}

static bool compare(struct fuzz *f)
{
	int i;

	snapshot(f);
	for (i = 0; i < WPAGES; i++) {
		const struct page_model *m = &f->model[i];
		const struct page_seen *s = &f->seen[i];
		u64 ipa = WBASE + i * SZ_4K, pa;

		if (!(s->leaf & S2_PTE_VALID)) {
			if (m->valid)
				return fail(f, "ipa %llx: unmapped, model %llx",
				     ipa, m->pa);
			continue;
		}
		pa = (s->leaf & S2_PTE_ADDR_MASK) + (ipa - s->base);
		if (!m->valid)
			return fail(f, "ipa %llx: maps %llx, model unmapped", ipa, pa);
		if (pa != m->pa || s2_leaf_prot(s->leaf) != m->prot)
			return fail(f, "ipa %llx: %llx prot %x, model %llx prot %x",
			     ipa, pa, s2_leaf_prot(s->leaf), m->pa, m->prot);
	}
	return check_get_leaf(f);
}

/* Pages of the window in the leaf that translates page @i. */
static void leaf_pages(struct fuzz *f, int i, int *first, int *last)
{
	u64 base = f->seen[i].base;
	u64 end = base + S2_LEVEL_SIZE(f->seen[i].level);

	*first = page_of(max(base, WBASE));
	*last = page_of(min(end, WEND)) - 1;
}

static u64 broadcast(const struct s2_pgtable *pgt)
{
	struct s2_stats st;

	s2_stats_read(pgt, &st);
	return st.tlbi_ipa + st.tlbi_range + st.tlbi_vmid;
}

/* The invalidations one operation issued, against what it owed. */
static bool check_tlbi(struct fuzz *f, const char *op, u64 tlbi, bool owed)
{
	if (f->vm.pgt.tlb_ops->range_capable) {
		if (tlbi != owed)
			return fail(f, "%s: %llu invalidations, owed %d", op, tlbi,
			     owed);
	} else if (!!tlbi != owed || tlbi > S2_TLBI_IPA_MAX) {
		return fail(f, "%s: %llu invalidations, owed %d", op, tlbi, owed);
	}
	return true;
}

/*
 * Does a logged broadcast invalidation drop what a TLB may cache for
 * [@lo, @hi)?  @level is the level of the cached leaf, or 0 for a table
 * (walk-cache) entry, which only an invalidation without level hint
 * reaches: a hint says where the leaf is, not which tables to forget.
 */
static bool tlbi_covers(const struct s2h_tlbi *t, u64 lo, u64 hi, s8 level)
{
	switch (t->kind) {
	case S2H_TLBI_VMID:
		return true;
	case S2H_TLBI_RANGE:
		return t->ipa < hi && lo < t->ipa + t->size;
	case S2H_TLBI_IPA:
		return t->ipa >= lo && t->ipa < hi &&
		       (!t->level || t->level == level);
	default:
		return false;
	}
}

static bool covered(struct fuzz *f, u64 nr, u64 lo, u64 hi, s8 level)
{
	u64 i;

	for (i = 0; i < nr; i++)
		if (tlbi_covers(s2h_tlbi_last(&f->vm, i), lo, hi, level))
			return true;
	return false;
}

/* The PA the valid leaf @leaf at @level gives @ipa. */
static u64 leaf_pa(s2_pte_t leaf, s8 level, u64 ipa)
{
	u64 mask = S2_LEVEL_SIZE(level) - 1;

	return (leaf & S2_PTE_ADDR_MASK & ~mask) + (ipa & mask);
}

/* Could a TLB entry of @old still be used after the change to @now? */
static bool leaf_stale(const struct page_seen *old, const struct page_seen *now,
		       u64 ipa)
{
	u32 lost;

	if (!(old->leaf & S2_PTE_VALID))
		return false;
	if (!(now->leaf & S2_PTE_VALID) || now->level != old->level ||
	    leaf_pa(old->leaf, old->level, ipa) !=
	    leaf_pa(now->leaf, now->level, ipa))
		return true;
	lost = s2_leaf_prot(old->leaf) & ~s2_leaf_prot(now->leaf);
	return lost || ((s2_leaf_prot(old->leaf) ^ s2_leaf_prot(now->leaf)) &
			S2_PROT_MEMTYPE);
}

/*
 * Every invalidation an operation owed, against the calls it made (@nr,
 * the most recent in the TLB log): stale leaves by IPA (matching level
 * hint), unlinked table pages by an IPA of the range they translated.
 */
static bool check_coverage(struct fuzz *f, u64 nr)
{
	int i;
	s8 l;

	if (nr > S2H_LOG_SIZE)
		return fail(f, "%llu invalidations in one operation", nr);
	snapshot_into(f, f->now);
	for (i = 0; i < WPAGES; i++) {
		const struct page_seen *o = &f->seen[i], *n = &f->now[i];
		u64 ipa = WBASE + i * SZ_4K, lo;

		if (leaf_stale(o, n, ipa) &&
		    !covered(f, nr, o->base, o->base + S2_LEVEL_SIZE(o->level),
			     o->level))
			return fail(f, "ipa %llx: level-%d leaf %llx changed, not invalidated",
				    ipa, o->level, o->leaf);
		for (l = 1; l <= S2_MAX_LEVEL; l++) {
			if (!o->table[l] || o->table[l] == n->table[l])
				continue;
			lo = ALIGN_DOWN(ipa, S2_LEVEL_SIZE(l - 1));
			if (!covered(f, nr, lo, lo + S2_LEVEL_SIZE(l - 1), 0))
				return fail(f, "ipa %llx: level-%d table gone, walk cache kept",
					    ipa, l);
		}
	}
	return true;
}

static void pick_range(struct fuzz *f, u64 *ipa, u64 *size)
{
	int first, n;

	switch (take(f, 4)) {
	case 0:		/* whole 2 MiB half */
		first = take(f, 2) * 512;
		n = 512;
		break;
	case 1:		/* a few pages */
		first = take(f, WPAGES);
		n = 1 + take(f, 8);
		break;
	default:
		first = take(f, WPAGES);
		n = 1 + take(f, WPAGES);
		break;
	}
	if (first + n > WPAGES)
		n = WPAGES - first;
	*ipa = WBASE + first * SZ_4K;
	*size = n * SZ_4K;
}

static u32 pick_prot(struct fuzz *f)
{
	static const u32 types[] = { 0, 0, 0, S2_PROT_DEVICE, S2_PROT_NC };

	return (take(f, 8) & S2_PROT_PERMS) | types[take(f, 5)];
}

static bool op_map(struct fuzz *f)
{
	u64 ipa, size, pa, before_bbm = s2h_stats(&f->vm.pgt).bbm;
	u64 before_tlbi = broadcast(&f->vm.pgt);
	u32 prot = pick_prot(f), flags = 0;
	bool changed = false, wrote = false, big = false, replaced = false;
	bool differ = false;
	int i, ret, want;

	pick_range(f, &ipa, &size);
	/* Same offset as the IPA modulo 2 MiB (blocks), or not. */
	pa = PA_BASE + take(f, 4) * SZ_2M + (take(f, 2) ? ipa % SZ_2M :
					     take(f, 512) * SZ_4K);
	if (!take(f, 64)) {
		/* A 1 GiB block on either side of the boundary. */
		ipa = GBASE + (take(f, 2) ? SZ_1G : 0);
		size = SZ_1G;
		pa = PA_BASE + SZ_1G * (1 + take(f, 2));
		big = true;
	}
	if (!take(f, 4))
		flags |= S2_MAP_FORCE_PTE;
	if (!big && take(f, 2)) {
		/* Shared: what a fault maps, one page or one 2 MiB block. */
		flags |= S2_WALK_SHARED;
		if (take(f, 4)) {
			size = SZ_4K;
		} else {
			ipa = ALIGN_DOWN(ipa, SZ_2M);
			size = SZ_2M;
		}
	} else if (!big && !take(f, 4)) {
		/* Exclusive, one page: a map's one-page walk. */
		size = SZ_4K;
	}

	lock_vm(f, flags);
	ret = s2_map(&f->vm.pgt, ipa, size, pa, prot, &f->vm.mc, flags);
	unlock_vm(f, flags);
	if (ret < 0)
		return fail(f, "map %llx+%llx: %d", ipa, size, ret);

	for (i = 0; i < WPAGES; i++) {
		u64 a = WBASE + i * SZ_4K;
		struct page_model *m = &f->model[i];
		struct page_model n = {
			.valid = true, .pa = pa + (a - ipa),
			.prot = prot | S2_PROT_AF,
		};
		s8 lvl = f->seen[i].level;
		u64 ebase;

		if (a < ipa || a >= ipa + size)
			continue;
		/*
		 * Exclusive, block-sized and aligned where a table is:
		 * the block replaces the whole table (BBM).
		 */
		for (s8 l = 1; l < lvl; l++) {
			ebase = ALIGN_DOWN(a, S2_LEVEL_SIZE(l));
			if (!(flags & (S2_WALK_SHARED | S2_MAP_FORCE_PTE)) &&
			    ebase >= ipa &&
			    ebase + S2_LEVEL_SIZE(l) <= ipa + size &&
			    IS_ALIGNED(pa + (ebase - ipa), S2_LEVEL_SIZE(l))) {
				replaced = true;
				*m = n;
				break;
			}
		}
		if (m->valid && m->pa == n.pa &&
		    (m->prot & S2_PROT_MEMTYPE) == (n.prot & S2_PROT_MEMTYPE)) {
			/* Left as it is, and said so (never lowered). */
			differ |= m->prot != n.prot;
			continue;
		}
		wrote = true;
		changed |= m->valid;
		*m = n;
	}
	want = differ ? S2_PERMS_DIFFER : wrote || replaced ? 0 : -1;
	if (!big && want >= 0 && ret != want)
		return fail(f, "map: returned %d, not %d", ret, want);
	if (!big && want < 0 && ret == 0)
		return fail(f, "map: returned 0 but nothing to write");
	if (!big && !changed && !replaced &&
	    s2h_stats(&f->vm.pgt).bbm != before_bbm)
		return fail(f, "map: BBM without a change");
	if ((ret == S2_UNCHANGED || (ret > 0 && !big && !wrote && !replaced)) &&
	    (s2h_stats(&f->vm.pgt).bbm != before_bbm ||
			broadcast(&f->vm.pgt) != before_tlbi))
		return fail(f, "map: returned %d but broke or invalidated", ret);
	if (flags & S2_WALK_SHARED) {
		if (broadcast(&f->vm.pgt) - before_tlbi !=
		    s2h_stats(&f->vm.pgt).bbm - before_bbm)
			return fail(f, "shared map: not one invalidation per BBM");
	} else if (f->vm.pgt.tlb_ops->range_capable) {
		if (broadcast(&f->vm.pgt) - before_tlbi !=
		    (u64)(s2h_stats(&f->vm.pgt).bbm != before_bbm))
			return fail(f, "map: not one invalidation for its BBMs");
	}
	return true;
}

static bool op_unmap(struct fuzz *f)
{
	u64 ipa, size, tlbi = broadcast(&f->vm.pgt);
	bool owed = false;
	int i, ret;

	pick_range(f, &ipa, &size);
	lock_vm(f, 0);
	ret = s2_unmap_mc(&f->vm.pgt, ipa, size, &f->vm.mc);
	unlock_vm(f, 0);
	if (ret)
		return fail(f, "unmap %llx+%llx: %d", ipa, size, ret);
	for (i = page_of(ipa); i < page_of(ipa + size); i++) {
		owed |= f->model[i].valid;
		f->model[i].valid = false;
	}
	return check_tlbi(f, "unmap", broadcast(&f->vm.pgt) - tlbi, owed);
}

static bool op_wrprotect(struct fuzz *f)
{
	u64 ipa, size, tlbi = broadcast(&f->vm.pgt);
	u64 bbm = s2h_stats(&f->vm.pgt).bbm;
	bool owed = false;
	int i, j, first, last, ret;

	pick_range(f, &ipa, &size);
	lock_vm(f, 0);
	ret = s2_wrprotect(&f->vm.pgt, ipa, size);
	unlock_vm(f, 0);
	if (ret)
		return fail(f, "wrprotect failed");
	for (i = page_of(ipa); i < page_of(ipa + size); i++) {
		if (!f->model[i].valid || !(f->model[i].prot & S2_PROT_W))
			continue;
		/* The whole leaf loses W, even where it leaves the range. */
		owed = true;
		leaf_pages(f, i, &first, &last);
		for (j = first; j <= last; j++)
			f->model[j].prot &= ~S2_PROT_W;
	}
	if (s2h_stats(&f->vm.pgt).bbm != bbm)
		return fail(f, "wrprotect: BBM");
	return check_tlbi(f, "wrprotect", broadcast(&f->vm.pgt) - tlbi, owed);
}

static bool op_relax(struct fuzz *f, bool young)
{
	int i = take(f, WPAGES), j, first, last, ret;
	u32 prot = young ? 0 : take(f, 8) & S2_PROT_PERMS;
	u32 flags = take(f, 2) ? S2_WALK_SHARED : 0;
	u64 tlbi = broadcast(&f->vm.pgt);
	u64 local = s2h_stats(&f->vm.pgt).tlbi_local;
	struct page_model *m = &f->model[i];
	u32 want = m->prot | prot | S2_PROT_AF;

	lock_vm(f, flags);
	if (young)
		ret = s2_mkyoung(&f->vm.pgt, WBASE + i * SZ_4K, flags);
	else
		ret = s2_relax_perms(&f->vm.pgt, WBASE + i * SZ_4K, prot,
				     flags);
	unlock_vm(f, flags);
	if (!m->valid) {
		if (ret != -ENOENT)
			return fail(f, "relax of unmapped page: %d", ret);
		return true;
	}
	if (ret != (want == m->prot ? S2_UNCHANGED : 0))
		return fail(f, "relax %x on %x: %d", prot, m->prot, ret);
	if (broadcast(&f->vm.pgt) != tlbi)
		return fail(f, "relax: broadcast invalidation");
	if (s2h_stats(&f->vm.pgt).tlbi_local - local != (!young && !ret))
		return fail(f, "relax: local invalidations");
	leaf_pages(f, i, &first, &last);
	for (j = first; j <= last; j++)
		f->model[j].prot |= prot | S2_PROT_AF;
	return true;
}

static bool op_young(struct fuzz *f)
{
	bool clear = take(f, 2);
	u64 ipa, size, young, want = 0, tlbi = broadcast(&f->vm.pgt);
	u64 last_base = ~0ULL;
	int i, j, first, last;

	pick_range(f, &ipa, &size);
	lock_vm(f, S2_WALK_SHARED);
	young = s2_test_clear_young(&f->vm.pgt, ipa, size, clear);
	unlock_vm(f, S2_WALK_SHARED);
	for (i = page_of(ipa); i < page_of(ipa + size); i++) {
		if (!f->model[i].valid || !(f->model[i].prot & S2_PROT_AF) ||
		    f->seen[i].base == last_base)
			continue;
		last_base = f->seen[i].base;
		want++;
		if (!clear)
			continue;
		leaf_pages(f, i, &first, &last);
		for (j = first; j <= last; j++)
			f->model[j].prot &= ~S2_PROT_AF;
	}
	if (young != want)
		return fail(f, "young: %llu, model %llu", young, want);
	return check_tlbi(f, "clear young", broadcast(&f->vm.pgt) - tlbi,
			  clear && want);
}

static bool is_1g_block(struct fuzz *f, int i)
{
	return (f->seen[i].leaf & S2_PTE_VALID) && f->seen[i].level == 1;
}

/*
 * Split, or split and write-protect in one operation (one invalidation
 * for both): one BBM per block, and an invalidation if anything changed.
 */
static bool op_split(struct fuzz *f, bool wrprotect)
{
	const char *op = wrprotect ? "split_wrprotect" : "split";
	u64 ipa, size, tlbi = broadcast(&f->vm.pgt);
	u64 bbm = s2h_stats(&f->vm.pgt).bbm;
	u64 blocks = 0, last_base = ~0ULL;
	bool owed = false;
	int i, ret;

	pick_range(f, &ipa, &size);
	/*
	 * The memcache holds what one 1 GiB block needs: a range over the
	 * window's middle with a 1 GiB block on both sides stops there.
	 */
	if (is_1g_block(f, page_of(ipa)) &&
	    is_1g_block(f, page_of(ipa + size) - 1) &&
	    ipa < WBASE + SZ_2M && ipa + size > WBASE + SZ_2M)
		size = WBASE + SZ_2M - ipa;
	for (i = page_of(ipa); i < page_of(ipa + size); i++) {
		if (!(f->seen[i].leaf & S2_PTE_VALID))
			continue;
		if (f->seen[i].level != S2_MAX_LEVEL &&
		    f->seen[i].base != last_base) {
			last_base = f->seen[i].base;
			blocks++;
		}
		if (!wrprotect || !f->model[i].valid ||
		    !(f->model[i].prot & S2_PROT_W))
			continue;
		/*
		 * Exactly the range loses W: a block sticking out of it is
		 * split, and keeps W outside.
		 */
		owed = true;
		f->model[i].prot &= ~S2_PROT_W;
	}
	lock_vm(f, 0);
	if (wrprotect)
		ret = s2_split_wrprotect(&f->vm.pgt, ipa, size, &f->vm.mc);
	else
		ret = s2_split(&f->vm.pgt, ipa, size, &f->vm.mc);
	unlock_vm(f, 0);
	if (ret)
		return fail(f, "%s failed", op);
	bbm = s2h_stats(&f->vm.pgt).bbm - bbm;
	if (bbm != blocks)
		return fail(f, "%s: %llu BBM for %llu blocks", op, bbm, blocks);
	return check_tlbi(f, op, broadcast(&f->vm.pgt) - tlbi,
			  blocks || owed);
}

#define MASK_BITS	(8 * sizeof(unsigned long))

/*
 * Bits of a dirty-log GET or CLEAR, [0, @n) of @mask: every bit, runs of
 * up to 70 pages with gaps of up to 129, or single pages up to 200 apart.
 */
static void pick_mask(struct fuzz *f, unsigned long *mask, int n)
{
	int style = take(f, 3), p = 0, run;

	while (p < n) {
		if (style) {
			p += style == 1 ? take(f, 130) : 1 + take(f, 200);
			run = style == 1 ? 1 + take(f, 70) : 1;
		} else {
			run = n;
		}
		for (; run && p < n; run--, p++)
			mask[p / MASK_BITS] |= 1UL << (p % MASK_BITS);
	}
}

/*
 * A dirty-log GET or CLEAR: s2_wrprotect_mask() from a random page (bit 0
 * is not aligned to anything).  Exactly the pages whose bits are set lose
 * W; a block mapping one of them is split (one BBM each), its other pages
 * keep their permissions; the pages it protected are counted.
 */
static bool op_wrprotect_mask(struct fuzz *f)
{
	unsigned long mask[WPAGES / MASK_BITS + 1] = { 0 };
	u64 tlbi = broadcast(&f->vm.pgt), protected, last_base = ~0ULL;
	struct s2_stats before = s2h_stats(&f->vm.pgt), after;
	int first = take(f, WPAGES), n = 1 + take(f, WPAGES - first), i, p;
	u64 blocks = 0, want = 0;
	int ret;

	/* As op_split(): the memcache holds one 1 GiB block's split. */
	if (is_1g_block(f, first) && is_1g_block(f, first + n - 1) &&
	    first < 512 && first + n > 512)
		n = 512 - first;
	pick_mask(f, mask, n);
	for (i = 0; i < n; i++) {
		p = first + i;
		if (!(mask[i / MASK_BITS] >> (i % MASK_BITS) & 1) ||
		    !f->model[p].valid)
			continue;
		if (f->seen[p].level != S2_MAX_LEVEL &&
		    f->seen[p].base != last_base) {
			last_base = f->seen[p].base;
			blocks++;
		}
		if (f->model[p].prot & S2_PROT_W)
			want++;
		f->model[p].prot &= ~S2_PROT_W;
	}
	lock_vm(f, 0);
	ret = s2_wrprotect_mask(&f->vm.pgt, WBASE + first * SZ_4K, n, mask,
				&f->vm.mc);
	unlock_vm(f, 0);
	if (ret)
		return fail(f, "wrprotect_mask %d+%d: %d", first, n, ret);
	after = s2h_stats(&f->vm.pgt);
	if (after.bbm - before.bbm != blocks)
		return fail(f, "wrprotect_mask: %llu BBM for %llu blocks",
			    after.bbm - before.bbm, blocks);
	protected = after.wp_mask_protected - before.wp_mask_protected;
	if (protected != want)
		return fail(f, "wrprotect_mask: %llu pages protected, model %llu",
			    protected, want);
	return check_tlbi(f, "wrprotect_mask", broadcast(&f->vm.pgt) - tlbi,
			  blocks || want);
}

/* Everything outside the window too, now and then. */
static bool op_reset(struct fuzz *f)
{
	int ret;

	lock_vm(f, 0);
	ret = s2_unmap(&f->vm.pgt, GBASE, 2 * SZ_1G);
	unlock_vm(f, 0);
	if (ret)
		return fail(f, "reset failed");
	memset(f->model, 0, sizeof(f->model));
	return true;
}

/* What one operation must leave behind; under the write side. */
static bool fuzz_check(struct fuzz *f, u64 nr_log)
{
	const char *err;
	s64 tables;

	if (!check_coverage(f, f->vm.nr_log - nr_log))
		return false;
	/*
	 * A split or shattered 1 GiB block leaves hundreds of tables outside
	 * the window: unmap them (the window is not touched) to keep each
	 * step's full structural check cheap.
	 */
	if (s2h_stats(&f->vm.pgt).table_pages > 64) {
		if (s2_unmap_mc(&f->vm.pgt, GBASE, WBASE - GBASE, &f->vm.mc) ||
		    s2_unmap_mc(&f->vm.pgt, WEND, GBASE + 2 * SZ_1G - WEND,
				&f->vm.mc))
			return fail(f, "trim failed");
	}
	s2h_grace_period();
	err = s2h_check(&f->vm.pgt, NULL);
	if (err)
		return fail(f, "invariant: %s", err);
	tables = s2h_stats(&f->vm.pgt).table_pages;
	if (s2h_pages_in_use() != tables + f->vm.mc.nr)
		return fail(f, "pages: %ld in use, %lld tables, %d in memcache",
		     s2h_pages_in_use(), tables, f->vm.mc.nr);
	f->ops++;
	return compare(f);
}

static bool fuzz_step(struct fuzz *f)
{
	u64 nr_log;
	bool ok;

	if (s2h_topup(&f->vm, S2_MEMCACHE_SPLIT_1G + 2))
		return fail(f, "out of pages");
	nr_log = f->vm.nr_log;
	switch (take(f, 16)) {
	case 0: case 1: case 2: case 3: case 4:
		ok = op_map(f);
		break;
	case 5: case 6: case 7:
		ok = op_unmap(f);
		break;
	case 8: case 9:
		ok = op_wrprotect(f);
		break;
	case 10: case 11:
		ok = op_relax(f, false);
		break;
	case 12:
		ok = op_relax(f, true);
		break;
	case 13:
		ok = op_young(f);
		break;
	case 14:
		ok = op_split(f, !take(f, 2));
		break;
	default:
		switch (take(f, 16)) {
		case 0:
			ok = op_reset(f);
			break;
		case 1: case 2: case 3: case 4: case 5: case 6: case 7:
			ok = op_wrprotect_mask(f);
			break;
		default:
			ok = op_map(f);
			break;
		}
		break;
	}
	if (!ok)
		return false;
	lock_vm(f, 0);
	ok = fuzz_check(f, nr_log);
	unlock_vm(f, 0);
	return ok;
}

static bool fuzz_start(struct fuzz *f, bool range, const struct geometry *g)
{
	geo = g;
	memset(f->model, 0, sizeof(f->model));
	if (s2h_vm_init(&f->vm, geo->ia_bits, range))
		return fail(f, "init");
	lock_vm(f, 0);
	snapshot(f);
	unlock_vm(f, 0);
	return true;
}

#ifdef S2_LIBFUZZER

/* libFuzzer's entry point, by a linker alias (see scripts/hosted.mk). */
int s2_fuzz_one_input(const u8 *data, size_t len);

int s2_fuzz_one_input(const u8 *data, size_t len)
{
	static struct fuzz f;

	memset(&f, 0, sizeof(f));
	f.data = data;
	f.len = len;
	if (!fuzz_start(&f, take(&f, 2),
			&geometries[take(&f, ARRAY_SIZE(geometries))]))
		abort();
	while (f.pos < f.len) {
		if (!fuzz_step(&f)) {
			fprintf(stderr, "op %llu: %s\n", f.ops, f.err);
			abort();
		}
	}
	s2h_vm_destroy(&f.vm);
	return 0;
}

#else

#include "kselftest_harness.h"

/*
 * S2_FUZZ_OPS operations in all: a quarter each with and without range
 * invalidation in the first geometry, a sixth in each of the others.
 * The walks find tables by the linear offset (the hosted backend's
 * &s2_mm_ops.linear), or with @call_phys_to_virt through phys_to_virt().
 */
static void fuzz_random(struct __test_metadata *_metadata, bool range,
			int g, u64 seed, bool call_phys_to_virt)
{
	static struct s2_mm_ops call_ops;
	static struct fuzz f;
	const char *env = getenv("S2_FUZZ_OPS");
	u64 ops = env ? strtoull(env, NULL, 0) : 1000000;
	u64 n;

	memset(&f, 0, sizeof(f));
	f.rng = seed;
	ASSERT_TRUE(fuzz_start(&f, range, &geometries[g]));
	ASSERT_TRUE(f.vm.pgt.mm_ops->linear);
	if (call_phys_to_virt) {
		call_ops = *f.vm.pgt.mm_ops;
		call_ops.linear = false;
		f.vm.pgt.mm_ops = &call_ops;
	}
	ops = g ? (ops + 5) / 6 : (ops + 3) / 4;
	for (n = 0; !ops || n < ops; n++) {
		if (!fuzz_step(&f))
			break;
		if (!ops && n % 1000000 == 999999)
			TH_LOG("%llu operations", n + 1);
	}
	ASSERT_EQ(ops, f.ops) TH_LOG("op %llu: %s", f.ops, f.err);
	TH_LOG("%llu operations, %llu BBM, %llu+%llu+%llu invalidations",
	       f.ops, s2h_stats(&f.vm.pgt).bbm, s2h_stats(&f.vm.pgt).tlbi_ipa,
	       s2h_stats(&f.vm.pgt).tlbi_range, s2h_stats(&f.vm.pgt).tlbi_vmid);
	s2h_vm_destroy(&f.vm);
	ASSERT_EQ(0, s2h_pages_in_use());
}

/* A fixture only for its timeout: 250k steps take a while under ASan. */
FIXTURE(differential) {
	int unused;
};

FIXTURE_SETUP(differential)
{
}

FIXTURE_TEARDOWN(differential)
{
}

TEST_F_TIMEOUT(differential, range_tlbi, 900)
{
	fuzz_random(_metadata, true, 0, 0x5eed5eed12345ULL, false);
}

TEST_F_TIMEOUT(differential, ipa_tlbi, 900)
{
	fuzz_random(_metadata, false, 0, 0xfeedbeef777ULL, true);
}

TEST_F_TIMEOUT(differential, level2_root_pages, 900)
{
	fuzz_random(_metadata, true, 1, 0x2b0a7c4e91d3ULL, false);
}

TEST_F_TIMEOUT(differential, level1_root_pages, 900)
{
	fuzz_random(_metadata, false, 2, 0x71c3e5a90b2fULL, false);
}

TEST_F_TIMEOUT(differential, level0_root, 900)
{
	fuzz_random(_metadata, true, 3, 0x4d9e12f6a87bULL, false);
}

TEST_HARNESS_MAIN

#endif
