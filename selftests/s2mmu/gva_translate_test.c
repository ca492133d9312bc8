// SPDX-License-Identifier: GPL-2.0
/*
 * gva_translate_test: S2MMU_TRANSLATE_GVA on a real guest's stage 1.
 *
 * For several stage-1 configurations (4K, 16K and 64K granules, VA sizes
 * from 29 to 48 bits, TTBR1, TBI, HPD, a small IPS, the MMU off) the test
 * writes random guest page tables into guest memory (pages, blocks,
 * hierarchical attributes, access flags clear, tables in memory without a
 * slot), sets TCR/TTBR/MAIR/SCTLR through ONE_REG and runs the guest: it
 * reads every probe VA the tables map readable into a data slot and
 * checks the value (the tables work on the hardware).  Then every probe
 * VA is translated for read, write and execute at EL0 and EL1 by the
 * hardware (flags 0) and by the software walk (S2MMU_GVA_SOFTWARE): the
 * two must agree exactly, and both must match the test's own expectation
 * from the mappings it made (fault kind, stage and level where known,
 * IPA, host PA from /proc/self/pagemap, read/write permissions).
 *
 * stress: a second thread toggles dirty logging on the THP-backed slots
 * that hold the tables and the data: each enable splits their 2M stage-2
 * blocks with break-before-make, each disable unmaps them and the thread
 * faults them back.  Meanwhile the main thread translates.  While the
 * slots are known mapped (no unmap phase began or ended during the call)
 * every answer must be the mapping, so a hardware fault met during a BBM
 * must come back as a fallback.  Then the same with the module's
 * gva_fallback knob off: the test must see wrong answers, which shows
 * that it catches a missing fallback.
 */
#include "guest_vm.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest_harness.h"

#define TBL_SLOT	1
#define TBL_IPA		0x40000000ULL
#define TBL_SIZE	(4 * TST_2M)
#define DATA_SLOT	2
#define DATA_IPA	0x80000000ULL
#define DATA_SIZE	(4 * TST_2M)
#define RO_SLOT		3
#define RO_IPA		0x90000000ULL
#define RO_SIZE		TST_2M
#define HOLE_IPA	0xa0000000ULL		/* no slot */
#define BEYOND_IPA	0x40000000000ULL	/* above the 40-bit IPA space */
#define VM_IPA_BITS	40
#define MAGIC		0x5a17c0de00000000ULL

#define MAX_REGIONS	400
#define MAX_PROBES	4000

/* Stage-1 descriptor bits (Arm ARM D8.3), as the test writes them. */
#define D_VALID		0x1ULL
#define D_TABLE		0x2ULL
#define D_AP_EL0	0x40ULL
#define D_AP_RO		0x80ULL
#define D_SH_INNER	(3ULL << 8)
#define D_AF		0x400ULL
#define D_PXN		0x0020000000000000ULL
#define D_UXN		0x0040000000000000ULL
#define T_PXN		0x0800000000000000ULL
#define T_UXN		0x1000000000000000ULL
#define T_NO_EL0	0x2000000000000000ULL
#define T_RO		0x4000000000000000ULL
#define T_ATTRS		(T_PXN | T_UXN | T_NO_EL0 | T_RO)

#define SCTLR_MMU_ON	(GUEST_SCTLR_RESET | 0x1005ULL)	/* M, C, I */
/* MAIR: attr0 Normal WB (code and tables), the rest a mix. */
#define MAIR_VALUE	0x0c4400bb04ff44ffULL

#define KNOB "/sys/module/s2mmu/parameters/gva_fallback"

/**
 * struct s1_cfg - one stage-1 configuration
 * @name: for the log
 * @gshift: granule shift: 12, 14, 16; 0 = the MMU off
 * @t0sz: T0SZ
 * @t1sz: T1SZ, 0: TTBR1 walks disabled (EPD1)
 * @ips: output size in bits: 32, 36, 40, 42, 44, 48
 * @tbi0: TBI0 (top byte of TTBR0 addresses ignored)
 * @hpd: HPD0 and HPD1 (hierarchical permissions off)
 */
struct s1_cfg {
	const char *name;
	int gshift, t0sz, t1sz, ips;
	bool tbi0, hpd;
};

enum rkind { R_LEAF, R_HOLE };

/**
 * struct region - a VA range the generator mapped
 * @va: first VA (canonical: top byte of a TTBR1 VA all ones)
 * @size: bytes
 * @kind: a leaf, or a table descriptor pointing to memory without a slot
 * @level: level of the leaf (or of the hole's table descriptor)
 * @desc: the leaf descriptor
 * @tattr: APTable/XNTable bits on the way to the leaf
 */
struct region {
	__u64 va, size;
	enum rkind kind;
	int level;
	__u64 desc, tattr;
};

/**
 * struct gen - the generator's and the model's state for one VM
 * @cfg: the configuration
 * @tbl: host mapping of the table slot
 * @data: host mapping of the data slot
 * @ro: host mapping of the read-only slot
 * @next_tbl: next free byte of the table slot
 * @root: the root tables' IPAs (TTBR0, TTBR1)
 * @nr_hole: tables placed in the hole so far
 * @r: the regions
 * @nr: regions used
 * @seed: rand_r() state
 * @pa_bits: the host's PA size (the MMU-off output size)
 */
struct gen {
	const struct s1_cfg *cfg;
	__u8 *tbl, *data, *ro;
	__u64 next_tbl;
	__u64 root[2];
	int nr_hole;
	struct region r[MAX_REGIONS];
	int nr;
	unsigned int seed;
	unsigned int pa_bits;
};

static __u64 rnd64(struct gen *g)
{
	return ((__u64)rand_r(&g->seed) << 33) ^ ((__u64)rand_r(&g->seed) << 11) ^
	       rand_r(&g->seed);
}

static unsigned int pct(struct gen *g)
{
	return rand_r(&g->seed) % 100;
}

/* ---- the guest: read a list of {va, expected value} ---- */

GUEST_CODE static void gva_guest_reads(__u64 list, __u64 n)
{
	__u64 bad = 0, first = 0, i, va;

	for (i = 0; i < n; i++) {
		va = guest_read64(list + 16 * i);
		if (guest_read64(va) != guest_read64(list + 16 * i + 8)) {
			if (!bad)
				first = va;
			bad++;
		}
	}
	guest_sync(bad, n, first);
	guest_done(0);
}

/* ---- stage-1 geometry ---- */

static int ia_bits(const struct s1_cfg *c, int half)
{
	return 64 - (half ? c->t1sz : c->t0sz);
}

static int lvl_shift(const struct s1_cfg *c, int level)
{
	return c->gshift + (3 - level) * (c->gshift - 3);
}

static int start_level(const struct s1_cfg *c, int half)
{
	int stride = c->gshift - 3;

	return 4 - (ia_bits(c, half) - c->gshift + stride - 1) / stride;
}

static bool block_ok(const struct s1_cfg *c, int level)
{
	return level == 2 || (level == 1 && c->gshift == 12);
}

static __u64 tbl_alloc(struct gen *g)
{
	__u64 gsize = 1ULL << g->cfg->gshift, ipa;

	g->next_tbl = (g->next_tbl + gsize - 1) & ~(gsize - 1);
	if (g->next_tbl + gsize > TBL_SIZE)
		return 0;
	ipa = TBL_IPA + g->next_tbl;
	memset(g->tbl + g->next_tbl, 0, gsize);
	g->next_tbl += gsize;
	return ipa;
}

static __u64 *entry(struct gen *g, __u64 table, int level, int half, __u64 va)
{
	const struct s1_cfg *c = g->cfg;
	int shift = lvl_shift(c, level);
	int bits = level == start_level(c, half) ? ia_bits(c, half) - shift :
						   c->gshift - 3;
	__u64 idx = (va >> shift) & ((1ULL << bits) - 1);

	return (__u64 *)(g->tbl + (table - TBL_IPA)) + idx;
}

static bool in_table_slot(__u64 ipa)
{
	return ipa >= TBL_IPA && ipa < TBL_IPA + TBL_SIZE;
}

/* A random attribute set for a new table descriptor (rarely any). */
static __u64 rand_tattr(struct gen *g)
{
	__u64 t = 0;

	if (pct(g) < 8)
		t |= T_RO;
	if (pct(g) < 8)
		t |= T_NO_EL0;
	if (pct(g) < 8)
		t |= T_PXN;
	if (pct(g) < 8)
		t |= T_UXN;
	return t;
}

/*
 * Put region @r (va, level, desc filled) into the tables, making the
 * tables on the way; with @wild a new table may instead point into
 * memory without a slot, which turns @r into a hole region, and new
 * table descriptors get random hierarchical attributes (never on the
 * code's way: a PXNTable there leaves the guest looping on its own
 * vector fetch).  Return: false when something is in the way.
 */
static bool s1_insert(struct gen *g, struct region *r, bool wild)
{
	const struct s1_cfg *c = g->cfg;
	int half = (r->va >> 55) & 1, level = start_level(c, half);
	__u64 table = g->root[half], *e, next;
	__u64 amask = ~((1ULL << c->gshift) - 1) & ((1ULL << 48) - 1);

	r->tattr = 0;
	for (; level < r->level; level++) {
		e = entry(g, table, level, half, r->va);
		if (!*e && wild && pct(g) < 6) {
			next = HOLE_IPA + (__u64)g->nr_hole++ * (1ULL << c->gshift);
			*e = next | D_VALID | D_TABLE;
			r->kind = R_HOLE;
			r->level = level;
			r->size = 1ULL << lvl_shift(c, level);
			r->va &= ~(r->size - 1);
			return true;
		}
		if (!*e) {
			next = tbl_alloc(g);
			if (!next)
				return false;
			*e = next | D_VALID | D_TABLE |
			     (wild ? rand_tattr(g) : 0);
		} else if ((*e & 3) != 3 || !in_table_slot(*e & amask)) {
			return false;
		}
		r->tattr |= *e & T_ATTRS;
		table = *e & amask;
	}
	e = entry(g, table, level, half, r->va);
	if (*e)
		return false;
	*e = r->desc;
	r->kind = R_LEAF;
	return true;
}

/* Where a leaf of @size points: mostly data, some RO, table, hole, beyond. */
static __u64 rand_target(struct gen *g, __u64 size)
{
	unsigned int p = pct(g);
	__u64 base, span;

	if (p < 65) {
		base = DATA_IPA;
		span = DATA_SIZE;
	} else if (p < 80) {
		base = RO_IPA;
		span = RO_SIZE;
	} else if (p < 87) {
		base = TBL_IPA;
		span = TBL_SIZE;
	} else if (p < 94) {
		base = HOLE_IPA + TST_2M;
		span = TST_2M;
	} else {
		base = BEYOND_IPA;
		span = TST_2M;
	}
	if (size >= span)
		return base & ~(size - 1);
	return (base + rnd64(g) % span) & ~(size - 1);
}

static __u64 rand_leaf_desc(struct gen *g, __u64 oa, int level)
{
	__u64 d = oa | D_VALID | D_SH_INNER | ((__u64)(rand_r(&g->seed) % 8) << 2);

	if (level == 3)
		d |= D_TABLE;
	if (pct(g) < 90)
		d |= D_AF;
	if (pct(g) < 50)
		d |= D_AP_EL0;
	if (pct(g) < 35)
		d |= D_AP_RO;
	if (pct(g) < 25)
		d |= D_PXN;
	if (pct(g) < 25)
		d |= D_UXN;
	return d;
}

/* A random VA of @half, aligned to @size, inside the half's range. */
static __u64 rand_va(struct gen *g, int half, __u64 size)
{
	int bits = ia_bits(g->cfg, half);
	__u64 va = rnd64(g) & ((1ULL << bits) - 1) & ~(size - 1);

	return half ? va | ~((1ULL << bits) - 1) : va;
}

/* The code slot mapped to itself, EL1 read-write-execute, Normal WB. */
static bool map_code(struct gen *g)
{
	const struct s1_cfg *c = g->cfg;
	int level = start_level(c, 0) <= 2 ? 2 : 3;
	__u64 size = 1ULL << lvl_shift(c, level), va;
	struct region *r;

	for (va = GUEST_CODE_IPA & ~(size - 1);
	     va < GUEST_CODE_IPA + GUEST_CODE_SLOT_SIZE; va += size) {
		r = &g->r[g->nr];
		*r = (struct region){ .va = va, .size = size, .level = level };
		r->desc = va | D_VALID | D_SH_INNER | D_AF |
			  (level == 3 ? D_TABLE : 0);
		if (!s1_insert(g, r, false))
			return false;
		g->nr++;
	}
	return true;
}

static void gen_tables(struct gen *g, int nr_leaves)
{
	const struct s1_cfg *c = g->cfg;
	int i, half, level;
	struct region *r;

	for (i = 0; i < nr_leaves && g->nr < MAX_REGIONS; i++) {
		half = c->t1sz && pct(g) < 30;
		level = 3;
		if (pct(g) < 25 && start_level(c, half) <= 2 && block_ok(c, 2))
			level = 2;
		if (pct(g) < 10 && start_level(c, half) <= 1 && block_ok(c, 1))
			level = 1;
		r = &g->r[g->nr];
		*r = (struct region){ .level = level };
		r->size = 1ULL << lvl_shift(c, level);
		r->va = rand_va(g, half, r->size);
		r->desc = rand_leaf_desc(g, rand_target(g, r->size), level);
		if (s1_insert(g, r, true))
			g->nr++;
	}
}

/* ---- the model ---- */

/**
 * struct expect - what a translation must say
 * @stage: 0 no fault, 1 or 2
 * @kind: S2MMU_GVA_FAULT_*
 * @level: the fault level, -1 when the model does not know it
 * @ptw: a stage-2 fault on the walk
 * @ipa_valid: a read at the EL passes stage 1
 * @ipa: the IPA then
 * @perms: S2MMU_GVA_PERM_R/W that translate
 * @x_s1_ok: stage 1 lets an execute through (stage 2 may still refuse)
 */
struct expect {
	int stage, kind, level;
	bool ptw, ipa_valid;
	__u64 ipa;
	unsigned int perms;
	bool x_s1_ok;
};

static void set_fault(struct expect *e, int stage, int kind, int level)
{
	e->stage = stage;
	e->kind = kind;
	e->level = level;
}

/* Stage 2 of @ipa for @access: the slots' permissions, or the fault. */
static void model_s2(__u64 ipa, unsigned int access, struct expect *e)
{
	if (ipa >= (1ULL << VM_IPA_BITS)) {
		set_fault(e, 2, S2MMU_GVA_FAULT_TRANSLATION, 0);
		return;
	}
	if ((ipa >= DATA_IPA && ipa < DATA_IPA + DATA_SIZE) || in_table_slot(ipa) ||
	    (ipa >= GUEST_CODE_IPA && ipa < GUEST_CODE_IPA + GUEST_CODE_SLOT_SIZE))
		return;
	if (ipa >= RO_IPA && ipa < RO_IPA + RO_SIZE) {
		if (access == S2MMU_GVA_WRITE)
			set_fault(e, 2, S2MMU_GVA_FAULT_PERMISSION, -1);
		return;
	}
	set_fault(e, 2, S2MMU_GVA_FAULT_TRANSLATION, -1);
}

/* The canonical form of @va (tag byte dropped) or false: out of range. */
static bool model_range(const struct gen *g, __u64 va, __u64 *cva)
{
	const struct s1_cfg *c = g->cfg;
	int half = (va >> 55) & 1;
	bool tbi = !half && c->tbi0;
	__u64 v = tbi ? va & ((1ULL << 56) - 1) : va;

	if (half && !c->t1sz)
		return false;
	if (half ? ~v >> ia_bits(c, 1) : v >> ia_bits(c, 0))
		return false;
	*cva = v;
	return true;
}

static const struct region *find_region(const struct gen *g, __u64 va)
{
	int i;

	for (i = 0; i < g->nr; i++)
		if (va - g->r[i].va < g->r[i].size)
			return &g->r[i];
	return NULL;
}

/* Stage-1 permissions of a leaf at EL0/EL1 (Arm ARM D8.4). */
static void model_perms(const struct gen *g, const struct region *r, int el,
			bool *rd, bool *wr, bool *ex)
{
	__u64 t = g->cfg->hpd ? 0 : r->tattr;
	bool ro = (r->desc & D_AP_RO) || (t & T_RO);
	bool user = (r->desc & D_AP_EL0) && !(t & T_NO_EL0);

	if (el == 0) {
		*rd = user;
		*wr = user && !ro;
		*ex = !(r->desc & D_UXN) && !(t & T_UXN);
	} else {
		*rd = true;
		*wr = !ro;
		*ex = !(r->desc & D_PXN) && !(t & T_PXN) && !(user && !ro);
	}
}

/* Stage 1 for a VA: fault (in @e) or the IPA and permissions. */
static bool model_s1(const struct gen *g, __u64 va, int el, struct expect *e,
		     bool *rd, bool *wr, bool *ex, int *leaf_level)
{
	const struct region *r;
	__u64 cva, oa;

	*rd = *wr = *ex = true;
	*leaf_level = -1;
	if (!g->cfg->gshift) {
		e->ipa = va;
		if (va >> g->pa_bits)
			set_fault(e, 1, S2MMU_GVA_FAULT_ADDR_SIZE, 0);
		return !e->stage;
	}
	if (!model_range(g, va, &cva)) {
		set_fault(e, 1, S2MMU_GVA_FAULT_TRANSLATION, 0);
		return false;
	}
	r = find_region(g, cva);
	if (!r) {
		set_fault(e, 1, S2MMU_GVA_FAULT_TRANSLATION, -1);
		return false;
	}
	if (r->kind == R_HOLE) {
		set_fault(e, 2, S2MMU_GVA_FAULT_TRANSLATION, -1);
		e->ptw = true;
		return false;
	}
	oa = r->desc & ((1ULL << 48) - 1) & ~(r->size - 1);
	if (oa >> g->cfg->ips)
		set_fault(e, 1, S2MMU_GVA_FAULT_ADDR_SIZE, r->level);
	else if (!(r->desc & D_AF))
		set_fault(e, 1, S2MMU_GVA_FAULT_ACCESS, r->level);
	if (e->stage)
		return false;
	e->ipa = oa + (cva - r->va);
	*leaf_level = r->level;
	model_perms(g, r, el, rd, wr, ex);
	return true;
}

/*
 * The expected answer for @access at @el.  Execute: stage 2 refuses it
 * or not depending on the slot's mapping, which the model does not
 * know: @x_s1_ok says only that stage 1 lets it through.
 */
static struct expect model(const struct gen *g, __u64 va, unsigned int access,
			   int el)
{
	struct expect e = { 0 }, s2;
	bool rd, wr, ex, ok[2];
	unsigned int a;
	int level;

	if (!model_s1(g, va, el, &e, &rd, &wr, &ex, &level))
		return e;
	e.ipa_valid = rd;
	e.x_s1_ok = ex;
	ok[0] = rd;
	ok[1] = wr;
	for (a = 0; a < 2; a++) {
		s2 = (struct expect){ 0 };
		if (ok[a])
			model_s2(e.ipa, a, &s2);
		if (ok[a] && !s2.stage)
			e.perms |= 1U << a;
	}
	if (access == S2MMU_GVA_EXEC) {
		if (!ex)
			set_fault(&e, 1, S2MMU_GVA_FAULT_PERMISSION, level);
		else
			model_s2(e.ipa, S2MMU_GVA_READ, &e);
	} else if (!ok[access]) {
		set_fault(&e, 1, S2MMU_GVA_FAULT_PERMISSION, level);
	} else {
		model_s2(e.ipa, access, &e);
	}
	return e;
}

/* ---- the VM ---- */

/**
 * struct gvm - a guest VM with the three slots and the generator
 * @gv: the guest VM (code slot, vCPUs)
 * @g: the generator and model
 * @probes: the VAs to translate
 * @nr_probes: how many
 */
struct gvm {
	struct guest_vm gv;
	struct gen g;
	__u64 probes[MAX_PROBES];
	int nr_probes;
};

/* Host address of guest memory at @ipa in one of the slots, or NULL. */
static void *host_of(struct gvm *m, __u64 ipa)
{
	if (ipa >= DATA_IPA && ipa < DATA_IPA + DATA_SIZE)
		return m->g.data + (ipa - DATA_IPA);
	if (ipa >= RO_IPA && ipa < RO_IPA + RO_SIZE)
		return m->g.ro + (ipa - RO_IPA);
	if (in_table_slot(ipa))
		return m->g.tbl + (ipa - TBL_IPA);
	if (ipa >= GUEST_CODE_IPA && ipa < GUEST_CODE_IPA + GUEST_CODE_SLOT_SIZE)
		return m->gv.code + (ipa - GUEST_CODE_IPA);
	return NULL;
}

static void fill_values(__u8 *mem, __u64 ipa, __u64 size)
{
	__u64 off;

	for (off = 0; off < size; off += 8)
		*(__u64 *)(mem + off) = MAGIC ^ (ipa + off);
}

/*
 * Slots: tables (read-write), data (read-write), read-only data, all
 * filled; @b is the backing of the tables and the data.
 */
static int gvm_create(struct gvm *m, int nr_vcpus, enum tst_backing b)
{
	struct s2mmu_features f = { 0 };
	int ret;

	ret = guest_vm_create(&m->gv, nr_vcpus);
	if (ret)
		return ret;
	if (tst_ioctl(m->gv.dev, S2MMU_GET_FEATURES, (unsigned long)&f))
		return -EIO;
	m->g.pa_bits = f.pa_bits;
	m->g.tbl = tst_alloc(b, TBL_SIZE);
	m->g.data = tst_alloc(b, DATA_SIZE);
	m->g.ro = tst_alloc(TST_ANON, RO_SIZE);
	if (!m->g.tbl || !m->g.data || !m->g.ro)
		return -ENOMEM;
	memset(m->g.tbl, 0, TBL_SIZE);
	fill_values(m->g.data, DATA_IPA, DATA_SIZE);
	fill_values(m->g.ro, RO_IPA, RO_SIZE);
	return tst_set_region(m->gv.vm, TBL_SLOT, 0, TBL_IPA, TBL_SIZE, m->g.tbl) ?:
	       tst_set_region(m->gv.vm, DATA_SLOT, 0, DATA_IPA, DATA_SIZE,
			      m->g.data) ?:
	       tst_set_region(m->gv.vm, RO_SLOT, S2MMU_MEM_READONLY, RO_IPA,
			      RO_SIZE, m->g.ro);
}

static void gvm_destroy(struct gvm *m)
{
	guest_vm_destroy(&m->gv);
	if (m->g.tbl)
		munmap(m->g.tbl, TBL_SIZE);
	if (m->g.data)
		munmap(m->g.data, DATA_SIZE);
	if (m->g.ro)
		munmap(m->g.ro, RO_SIZE);
}

static __u64 tcr_value(const struct s1_cfg *c)
{
	static const int ips[] = { 32, 36, 40, 42, 44, 48 };
	__u64 tg0 = c->gshift == 12 ? 0 : c->gshift == 16 ? 1 : 2;
	__u64 tg1 = c->gshift == 12 ? 2 : c->gshift == 16 ? 3 : 1;
	__u64 tcr, i;

	for (i = 0; i < 5 && ips[i] != c->ips; i++)
		;
	/* IRGNn/ORGNn write-back, SHn inner shareable (bits 8-13, 24-29). */
	tcr = c->t0sz | 0x3500ULL | (0x35ULL << 24) | tg0 << 14 | tg1 << 30;
	tcr |= (__u64)(c->t1sz ? c->t1sz : 25) << 16;
	if (!c->t1sz)
		tcr |= 1ULL << 23;		/* EPD1 */
	tcr |= i << 32;				/* IPS */
	if (c->tbi0)
		tcr |= 1ULL << 37;
	if (c->hpd)
		tcr |= 3ULL << 41;
	return tcr;
}

/* The stage-1 registers, through ONE_REG, on every vCPU. */
static int set_s1_regs(struct gvm *m)
{
	const struct s1_cfg *c = m->g.cfg;
	struct tst_vcpu *v;
	int i, ret = 0;

	for (i = 0; i < m->gv.nr_vcpus && !ret; i++) {
		v = &m->gv.vcpu[i];
		ret = tst_set_reg(v, S2MMU_REG_MAIR_EL1, MAIR_VALUE) ?:
		      tst_set_reg(v, S2MMU_REG_TCR_EL1, tcr_value(c)) ?:
		      tst_set_reg(v, S2MMU_REG_TTBR0_EL1, m->g.root[0]) ?:
		      tst_set_reg(v, S2MMU_REG_TTBR1_EL1, m->g.root[1]) ?:
		      tst_set_reg(v, S2MMU_REG_SCTLR_EL1,
				  c->gshift ? SCTLR_MMU_ON : GUEST_SCTLR_RESET);
	}
	return ret;
}

/*
 * Map every slot in stage 2 (AT does not fault anything in): the tables,
 * data and code by writing their own contents back, the read-only slot
 * by reading it.
 */
static int populate(struct gvm *m, struct tst_vcpu *v)
{
	static __u8 buf[S2MMU_ACCESS_MAX_LEN];
	__u64 off;
	int ret = 0;

	for (off = 0; off < TBL_SIZE && !ret; off += sizeof(buf))
		ret = tst_access(v, TBL_IPA + off, m->g.tbl + off, sizeof(buf),
				 S2MMU_ACCESS_WRITE, NULL);
	for (off = 0; off < DATA_SIZE && !ret; off += sizeof(buf))
		ret = tst_access(v, DATA_IPA + off, m->g.data + off, sizeof(buf),
				 S2MMU_ACCESS_WRITE, NULL);
	for (off = 0; off < RO_SIZE && !ret; off += sizeof(buf))
		ret = tst_access(v, RO_IPA + off, buf, sizeof(buf),
				 S2MMU_ACCESS_READ, NULL);
	/* The code slot too: pages the guest only ran would be read-only. */
	for (off = 0; off < GUEST_CODE_SLOT_SIZE && !ret; off += sizeof(buf))
		ret = tst_access(v, GUEST_CODE_IPA + off, m->gv.code + off,
				 sizeof(buf), S2MMU_ACCESS_WRITE, NULL);
	return ret;
}

static void add_probe(struct gvm *m, __u64 va)
{
	if (m->nr_probes < MAX_PROBES)
		m->probes[m->nr_probes++] = va & ~7ULL;
}

/* Inside, at both ends of and just before every region; then at random. */
static void gen_probes(struct gvm *m)
{
	struct gen *g = &m->g;
	const struct s1_cfg *c = g->cfg;
	int i;

	for (i = 0; i < g->nr; i++) {
		add_probe(m, g->r[i].va + rnd64(g) % g->r[i].size);
		add_probe(m, g->r[i].va + g->r[i].size - 8);
		add_probe(m, g->r[i].va - 8);
		if (c->tbi0 && !(g->r[i].va >> 55))
			add_probe(m, g->r[i].va | (rnd64(g) << 56));
	}
	for (i = 0; i < 300; i++)
		add_probe(m, rand_va(g, c->t1sz && pct(g) < 40, 8));
	add_probe(m, 1ULL << ia_bits(c, 0));
	add_probe(m, (0xa5ULL << 56) | GUEST_CODE_IPA);
	add_probe(m, 1ULL << 55);
	add_probe(m, ~0ULL);
}

/* With the MMU off the VA is the IPA: every slot, the hole, beyond. */
static void gen_probes_flat(struct gvm *m)
{
	static const __u64 base[] = { DATA_IPA, RO_IPA, TBL_IPA, HOLE_IPA,
				      BEYOND_IPA, GUEST_CODE_IPA };
	static const __u64 size[] = { DATA_SIZE, RO_SIZE, TBL_SIZE, TST_2M,
				      TST_2M, GUEST_CODE_SLOT_SIZE };
	unsigned int i, k;

	for (i = 0; i < ARRAY_SIZE(base); i++)
		for (k = 0; k < 100; k++)
			add_probe(m, base[i] + rnd64(&m->g) % size[i]);
	add_probe(m, 1ULL << m->g.pa_bits);
	add_probe(m, ~0ULL);
}

/* ---- running the guest on its tables ---- */

/*
 * The guest reads every probe the model says an EL1 read translates into
 * the data slots, and compares with the value there.  Return: the number
 * of values checked, or -1 with @why filled.
 */
static int guest_check_reads(struct gvm *m, char *why, size_t len)
{
	__u64 *list = guest_data(&m->gv, 0);
	__u64 max = GUEST_DATA_SIZE / 16, n = 0, args[2];
	struct tst_vcpu *v = &m->gv.vcpu[0];
	struct expect e;
	int i;

	for (i = 0; i < m->nr_probes && n < max; i++) {
		e = model(&m->g, m->probes[i], S2MMU_GVA_READ, 1);
		if (e.stage || !((e.ipa >= DATA_IPA && e.ipa < DATA_IPA + DATA_SIZE) ||
				 (e.ipa >= RO_IPA && e.ipa < RO_IPA + RO_SIZE)))
			continue;
		list[2 * n] = m->probes[i];
		list[2 * n + 1] = MAGIC ^ e.ipa;
		n++;
	}
	args[0] = GUEST_DATA_IPA;
	args[1] = n;
	if (guest_start(v, gva_guest_reads, 2, args) ||
	    guest_expect_hvc(v, GUEST_SYNC, why, len))
		return -1;
	if (guest_arg(v, 1)) {
		snprintf(why, len, "guest read %llu of %llu wrong, first at VA 0x%llx",
			 guest_arg(v, 1), guest_arg(v, 2), guest_arg(v, 3));
		return -1;
	}
	if (guest_expect_hvc(v, GUEST_DONE, why, len))
		return -1;
	return n;
}

/* ---- translating ---- */

static int xlate(struct tst_vcpu *v, __u64 va, unsigned int access, int el,
		 __u32 flags, struct s2mmu_translate_gva *t)
{
	memset(t, 0, sizeof(*t));
	t->gva = va;
	t->access = access;
	t->el = el;
	t->flags = flags;
	return tst_ioctl(v->fd, S2MMU_TRANSLATE_GVA, (unsigned long)t);
}

/*
 * Everything both a hardware and a software answer give, compared; the
 * level of a stage-2 fault on the stage-1 walk only when @ptw_level (QEMU
 * 7.2 reports the stage-1 lookup's level there, the software walk the
 * stage-2 level the Arm ARM asks for: see gva-translate.rst).
 */
static bool same_answer(const struct s2mmu_translate_gva *a,
			const struct s2mmu_translate_gva *b, bool ptw_level)
{
	const __u32 m = S2MMU_GVA_R_IPA | S2MMU_GVA_R_PA | S2MMU_GVA_R_S1_ATTR;
	bool lvl = ptw_level || !a->fault_ptw || !b->fault_ptw;

	return a->fault == b->fault && a->fault_stage == b->fault_stage &&
	       (!lvl || a->fault_level == b->fault_level) &&
	       a->fault_ptw == b->fault_ptw &&
	       (!lvl || a->fst == b->fst) && (a->result & m) == (b->result & m) &&
	       (!(a->result & S2MMU_GVA_R_IPA) || a->ipa == b->ipa) &&
	       (!(a->result & S2MMU_GVA_R_PA) || a->pa == b->pa) &&
	       (!(a->result & S2MMU_GVA_R_S1_ATTR) || a->s1_attr == b->s1_attr) &&
	       !((a->perms ^ b->perms) & (S2MMU_GVA_PERM_R | S2MMU_GVA_PERM_W));
}

/* Does @t say what the model expects?  Where the model does not know
 * (a fault level, stage-2 execute permission), anything consistent does.
 */
static bool matches_model(struct gvm *m, const struct expect *e,
			  unsigned int access, const struct s2mmu_translate_gva *t)
{
	void *host;
	__u64 pa;

	if (access == S2MMU_GVA_EXEC && !e->stage && e->x_s1_ok &&
	    t->fault == S2MMU_GVA_FAULT_PERMISSION && t->fault_stage == 2)
		return true;
	if (t->fault_stage != e->stage ||
	    (e->stage && (t->fault != e->kind || t->fault_ptw != e->ptw ||
			  (e->level >= 0 && t->fault_level != e->level))))
		return false;
	if (access != S2MMU_GVA_EXEC &&
	    ((t->perms & 3) != e->perms ||
	     !!(t->result & S2MMU_GVA_R_IPA) != e->ipa_valid ||
	     (e->ipa_valid && t->ipa != e->ipa)))
		return false;
	if (e->stage)
		return true;
	host = host_of(m, e->ipa);
	pa = host ? tst_host_pa(host) : 0;
	return (t->result & S2MMU_GVA_R_PA) && (!pa || t->pa == pa);
}

static void print_answer(const char *what, __u64 va, unsigned int access, int el,
			 const struct s2mmu_translate_gva *t)
{
	fprintf(stderr,
		"#  %s va 0x%llx %s EL%d: how %u result 0x%x fault %u stage %u level %u ptw %u fst 0x%x ipa 0x%llx pa 0x%llx attr 0x%x perms %x\n",
		what, (unsigned long long)va, access == 0 ? "R" : access == 1 ? "W" : "X",
		el, t->how, t->result, t->fault, t->fault_stage, t->fault_level,
		t->fault_ptw, t->fst, (unsigned long long)t->ipa,
		(unsigned long long)t->pa, t->s1_attr, t->perms);
}

static void print_expect(__u64 va, const struct expect *e)
{
	fprintf(stderr,
		"#  model va 0x%llx: stage %d kind %d level %d ptw %d ipa %s0x%llx perms %x\n",
		(unsigned long long)va, e->stage, e->kind, e->level, e->ptw,
		e->ipa_valid ? "" : "(invalid) ", (unsigned long long)e->ipa,
		e->perms);
}

/**
 * struct counts - what a run of translations found
 * @compared: hardware and software answers compared (reads and writes)
 * @translations: ioctls made
 * @hw: answers the hardware gave
 * @fallbacks: answers the software walk gave after a hardware fault
 * @sw: answers the software walk alone gave
 * @hw_sw_mismatch: hardware and software disagreed
 * @model_mismatch: an answer differed from the model's
 * @errors: ioctls that failed
 * @ptw_level_differs: of @compared, stage-2 faults on the walk where the
 *	hardware reports another level than the software walk (QEMU)
 */
struct counts {
	__u64 compared, translations, hw, fallbacks, sw;
	__u64 hw_sw_mismatch, model_mismatch, errors, ptw_level_differs;
};

static void count_how(struct counts *c, const struct s2mmu_translate_gva *t)
{
	c->translations++;
	c->hw += t->how == S2MMU_GVA_HOW_HW;
	c->fallbacks += t->how == S2MMU_GVA_HOW_FALLBACK;
	c->sw += t->how == S2MMU_GVA_HOW_SW;
}

/* One probe, one access, one EL: both ways, against each other and the model. */
static void check_one(struct gvm *m, __u64 va, unsigned int access, int el,
		      struct counts *c)
{
	struct tst_vcpu *v = &m->gv.vcpu[0];
	struct s2mmu_translate_gva hw, sw;
	struct expect e = model(&m->g, va, access, el);
	bool bad;

	if (xlate(v, va, access, el, 0, &hw) ||
	    xlate(v, va, access, el, S2MMU_GVA_SOFTWARE, &sw)) {
		c->errors++;
		return;
	}
	count_how(c, &hw);
	count_how(c, &sw);
	if (access != S2MMU_GVA_EXEC) {
		c->compared++;
		c->ptw_level_differs += same_answer(&hw, &sw, false) &&
					!same_answer(&hw, &sw, true);
		if (!same_answer(&hw, &sw, false) ||
		    (hw.result & S2MMU_GVA_R_DISAGREED)) {
			if (c->hw_sw_mismatch++ < 8) {
				print_answer("hw", va, access, el, &hw);
				print_answer("sw", va, access, el, &sw);
			}
		}
	}
	bad = !matches_model(m, &e, access, &sw) ||
	      !matches_model(m, &e, access, &hw);
	if (bad && c->model_mismatch++ < 8) {
		print_answer("hw", va, access, el, &hw);
		print_answer("sw", va, access, el, &sw);
		print_expect(va, &e);
	}
}

static void check_all(struct gvm *m, struct counts *c)
{
	unsigned int access;
	int i, el;

	for (i = 0; i < m->nr_probes; i++)
		for (access = 0; access < 3; access++)
			for (el = 0; el < 2; el++)
				check_one(m, m->probes[i], access, el, c);
}

/* ---- the configurations ---- */

FIXTURE(gva) {
	struct gvm *m;
};

FIXTURE_VARIANT(gva) {
	struct s1_cfg cfg;
	int leaves;
};

FIXTURE_VARIANT_ADD(gva, mmu_off) {
	.cfg = { "MMU off", 0, 0, 0, 48, false, false },
};

FIXTURE_VARIANT_ADD(gva, g4k_va39_ttbr1_tbi) {
	.cfg = { "4K, 39-bit VA, TTBR1 39-bit, TBI0", 12, 25, 25, 48, true, false },
	.leaves = 120,
};

FIXTURE_VARIANT_ADD(gva, g4k_va48_ips40) {
	.cfg = { "4K, 48-bit VA (level 0), IPS 40", 12, 16, 0, 40, false, false },
	.leaves = 120,
};

FIXTURE_VARIANT_ADD(gva, g4k_va29_hpd) {
	.cfg = { "4K, 29-bit VA (level 2 root), HPD", 12, 35, 0, 48, false, true },
	.leaves = 80,
};

FIXTURE_VARIANT_ADD(gva, g16k_va36_ttbr1_44) {
	.cfg = { "16K, 36-bit VA, TTBR1 44-bit", 14, 28, 20, 48, false, false },
	.leaves = 60,
};

FIXTURE_VARIANT_ADD(gva, g16k_va48) {
	.cfg = { "16K, 48-bit VA (2-entry level 0)", 14, 16, 0, 44, true, false },
	.leaves = 50,
};

FIXTURE_VARIANT_ADD(gva, g64k_va42_ttbr1_48) {
	.cfg = { "64K, 42-bit VA, TTBR1 48-bit", 16, 22, 16, 48, false, false },
	.leaves = 30,
};

FIXTURE_VARIANT_ADD(gva, g64k_va29) {
	.cfg = { "64K, 29-bit VA (level 3 root)", 16, 35, 0, 42, false, false },
	.leaves = 30,
};

FIXTURE_SETUP(gva)
{
	self->m = calloc(1, sizeof(*self->m));
	ASSERT_NE(NULL, self->m);
}

FIXTURE_TEARDOWN(gva)
{
	gvm_destroy(self->m);
	free(self->m);
}

static unsigned int test_seed(void)
{
	const char *s = getenv("S2MMU_GVA_SEED");

	return s ? strtoul(s, NULL, 0) : (unsigned int)time(NULL);
}

/* Generous: a VM under emulation on a shared, busy host is slow. */
TEST_F_TIMEOUT(gva, translate, 240)
{
	struct gvm *m = self->m;
	struct counts c = { 0 };
	char why[256];
	__u64 t0;
	int ret, n;

	ret = gvm_create(m, 1, TST_ANON);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "S2MMU_RUN not supported (no EL2)");
	ASSERT_EQ(0, ret);
	m->g.cfg = &variant->cfg;
	m->g.seed = test_seed();
	TH_LOG("%s: seed %u (S2MMU_GVA_SEED replays)", variant->cfg.name, m->g.seed);
	if (variant->cfg.gshift) {
		m->g.root[0] = tbl_alloc(&m->g);
		m->g.root[1] = tbl_alloc(&m->g);
		ASSERT_TRUE(map_code(&m->g));
		gen_tables(&m->g, variant->leaves);
		gen_probes(m);
	} else {
		gen_probes_flat(m);
	}
	ASSERT_EQ(0, set_s1_regs(m));
	t0 = tst_now_ns();
	ASSERT_EQ(0, populate(m, &m->gv.vcpu[0]));
	TH_LOG("%d regions, %d probes; slots mapped in %llu ms", m->g.nr,
	       m->nr_probes, (tst_now_ns() - t0) / 1000000);
	n = guest_check_reads(m, why, sizeof(why));
	ASSERT_LT(0, n) TH_LOG("%s", why);
	t0 = tst_now_ns();
	check_all(m, &c);
	TH_LOG("translations took %llu ms", (tst_now_ns() - t0) / 1000000);
	TH_LOG("the guest read %d VAs through its tables", n);
	TH_LOG("%llu translations, %llu hw/sw pairs compared", c.translations,
	       c.compared);
	TH_LOG("%llu hw answers, %llu fallbacks, %llu sw answers", c.hw,
	       c.fallbacks, c.sw);
	TH_LOG("%llu hw/sw mismatches, %llu model mismatches, %llu walk-fault levels (QEMU)",
	       c.hw_sw_mismatch, c.model_mismatch, c.ptw_level_differs);
	EXPECT_EQ(0ULL, c.errors);
	EXPECT_EQ(0ULL, c.hw_sw_mismatch);
	EXPECT_EQ(0ULL, c.model_mismatch);
	EXPECT_LT(0ULL, c.compared);
	EXPECT_LT(0ULL, c.hw);
}

/* ---- stress: break-before-make under the translations ---- */

#define STRESS_PAGES		256
#define STRESS_MAX_SECS		20
#define STRESS_WANT_FALLBACKS	50
#define STRESS_PAUSE_US		2000

/**
 * struct stress - the toggler's and the translator's shared state
 * @m: the VM
 * @phase: odd while the slots may be unmapped (logging turned off and the
 *	thread faulting them back), even while they are all mapped
 * @stop: the toggler ends
 * @cycles: log on/off cycles done
 * @errors: toggler ioctls that failed
 */
struct stress {
	struct gvm *m;
	__u64 phase;
	int stop;
	__u64 cycles, errors;
};

static int set_logging(struct gvm *m, bool on)
{
	__u32 f = on ? S2MMU_MEM_LOG_DIRTY_PAGES : 0;

	return tst_set_region(m->gv.vm, TBL_SLOT, f, TBL_IPA, TBL_SIZE, m->g.tbl) ?:
	       tst_set_region(m->gv.vm, DATA_SLOT, f, DATA_IPA, DATA_SIZE,
			      m->g.data);
}

/* Fault both slots back in (as 2M blocks, THP permitting) through vCPU 1. */
static int refault(struct gvm *m)
{
	static __u8 buf[S2MMU_ACCESS_MAX_LEN];
	struct tst_vcpu *v = &m->gv.vcpu[1];
	__u64 off;
	int ret = 0;

	for (off = 0; off < TBL_SIZE && !ret; off += sizeof(buf))
		ret = tst_access(v, TBL_IPA + off, buf, sizeof(buf),
				 S2MMU_ACCESS_READ, NULL);
	for (off = 0; off < DATA_SIZE && !ret; off += sizeof(buf))
		ret = tst_access(v, DATA_IPA + off, buf, sizeof(buf),
				 S2MMU_ACCESS_READ, NULL);
	return ret;
}

/*
 * Logging off unmaps what logging split; the slots are faulted back as
 * blocks; logging on splits every block again: one BBM of each 2M entry,
 * while the translator walks through them.
 */
static void *toggler(void *arg)
{
	struct stress *s = arg;
	__u64 k;

	for (k = 0; !__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE); k++) {
		__atomic_store_n(&s->phase, 2 * k + 1, __ATOMIC_RELEASE);
		if (set_logging(s->m, false) || refault(s->m))
			s->errors++;
		__atomic_store_n(&s->phase, 2 * k + 2, __ATOMIC_RELEASE);
		if (set_logging(s->m, true))
			s->errors++;
		usleep(STRESS_PAUSE_US);
		s->cycles++;
	}
	return NULL;
}

/* One read translation at EL1, judged against the known mapping. */
static void stress_one(struct stress *s, __u64 va, struct counts *c,
		       __u64 *strict, __u64 *wrong, __u64 *genuine_faults)
{
	struct gvm *m = s->m;
	struct s2mmu_translate_gva t;
	struct expect e = model(&m->g, va, S2MMU_GVA_READ, 1);
	__u64 p0, p1, pa = tst_host_pa(host_of(m, e.ipa));
	bool right, unmapped;

	p0 = __atomic_load_n(&s->phase, __ATOMIC_ACQUIRE);
	if (xlate(&m->gv.vcpu[0], va, S2MMU_GVA_READ, 1, 0, &t)) {
		c->errors++;
		return;
	}
	p1 = __atomic_load_n(&s->phase, __ATOMIC_ACQUIRE);
	count_how(c, &t);
	right = !t.fault && t.ipa == e.ipa && (!pa || t.pa == pa);
	unmapped = t.fault == S2MMU_GVA_FAULT_TRANSLATION && t.fault_stage == 2;
	if (p0 == p1 && !(p0 & 1)) {
		(*strict)++;
	} else if (unmapped) {
		(*genuine_faults)++;
		return;
	}
	if (!right || (t.result & S2MMU_GVA_R_DISAGREED)) {
		if ((*wrong)++ < 4)
			print_answer("wrong", va, 0, 1, &t);
	}
}

/* Data pages mapped at random VAs, 4K granule, 39-bit VA. */
static const struct s1_cfg stress_cfg = {
	"4K, 39-bit VA, stress", 12, 25, 0, 48, false, false,
};

static void stress_setup(struct __test_metadata *_metadata, struct gvm *m)
{
	struct region *r;
	char why[256];
	int ret;

	ret = gvm_create(m, 2, TST_ANON_THP);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "S2MMU_RUN not supported (no EL2)");
	ASSERT_EQ(0, ret);
	m->g.cfg = &stress_cfg;
	m->g.seed = test_seed();
	m->g.root[0] = tbl_alloc(&m->g);
	m->g.root[1] = tbl_alloc(&m->g);
	ASSERT_TRUE(map_code(&m->g));
	while (m->g.nr < STRESS_PAGES) {
		r = &m->g.r[m->g.nr];
		*r = (struct region){ .level = 3, .size = TST_PAGE };
		r->va = rand_va(&m->g, 0, TST_PAGE);
		r->desc = (DATA_IPA + rnd64(&m->g) % DATA_SIZE) & ~(TST_PAGE - 1);
		r->desc |= D_VALID | D_TABLE | D_AF | D_SH_INNER;
		if (s1_insert(&m->g, r, false))
			m->g.nr++;
	}
	for (ret = 0; ret < m->g.nr; ret++)
		add_probe(m, m->g.r[ret].va + rnd64(&m->g) % TST_PAGE);
	ASSERT_EQ(0, set_s1_regs(m));
	ASSERT_EQ(0, populate(m, &m->gv.vcpu[0]));
	ASSERT_LT(0, guest_check_reads(m, why, sizeof(why))) TH_LOG("%s", why);
	if (!tst_host_huge_bytes(m->g.data) || !tst_host_huge_bytes(m->g.tbl))
		SKIP(return, "no transparent huge pages: no 2M blocks to split");
}

/*
 * Translate until @want fallbacks (or, @want 0, one wrong answer) or the
 * time limit.  Return: the wrong answers.
 */
static __u64 stress_run(struct __test_metadata *_metadata, struct gvm *m,
			__u64 want)
{
	struct stress s = { .m = m };
	struct s2mmu_stats before, after;
	__u64 strict = 0, wrong = 0, genuine = 0, i;
	struct counts c = { 0 };
	time_t end = time(NULL) + STRESS_MAX_SECS;
	pthread_t th;

	ASSERT_EQ(0, tst_stats(m->gv.vm, &before)) return 0;
	ASSERT_EQ(0, pthread_create(&th, NULL, toggler, &s)) return 0;
	for (i = 0; time(NULL) < end; i++) {
		stress_one(&s, m->probes[i % m->nr_probes], &c, &strict, &wrong,
			   &genuine);
		if (want ? c.fallbacks >= want && i > 20000 : wrong > 0)
			break;
	}
	__atomic_store_n(&s.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	ASSERT_EQ(0, tst_stats(m->gv.vm, &after)) return 0;
	TH_LOG("%llu VAs translated, %llu while known mapped, %llu wrong",
	       c.translations, strict, wrong);
	TH_LOG("%llu hw answers, %llu fallbacks, %llu stage-2 faults while unmapped",
	       c.hw, c.fallbacks, genuine);
	TH_LOG("%llu log on/off cycles, %llu BBMs", s.cycles,
	       (unsigned long long)(after.bbm - before.bbm));
	EXPECT_EQ(0ULL, c.errors);
	EXPECT_EQ(0ULL, s.errors);
	EXPECT_LT(0ULL, after.bbm - before.bbm);
	EXPECT_LT(0ULL, strict);
	EXPECT_EQ(c.fallbacks, after.gva_fallbacks - before.gva_fallbacks);
	EXPECT_EQ(c.hw, after.gva_hw - before.gva_hw);
	/* The run proves nothing unless hardware faults met BBMs. */
	if (want)
		EXPECT_LT(0ULL, c.fallbacks);
	return wrong;
}

FIXTURE(st) {
	struct gvm *m;
};

FIXTURE_SETUP(st)
{
	self->m = calloc(1, sizeof(*self->m));
	ASSERT_NE(NULL, self->m);
	stress_setup(_metadata, self->m);
}

FIXTURE_TEARDOWN(st)
{
	/* The knob back on whatever happened (no effect if never changed). */
	tst_write_file(KNOB, "Y");
	gvm_destroy(self->m);
	free(self->m);
}

/*
 * Every hardware fault met during a BBM is answered by the fallback: no
 * wrong answer while the slots are known mapped, and some fallbacks.
 */
TEST_F_TIMEOUT(st, stress, 120)
{
	if (_metadata->skip)
		return;
	EXPECT_EQ(0ULL, stress_run(_metadata, self->m, STRESS_WANT_FALLBACKS));
}

/*
 * The same with the fallback switched off (the module's test knob): the
 * hardware's false faults come through as answers, and the stress run
 * must notice them.  This is what shows it would catch a missing fallback.
 */
TEST_F_TIMEOUT(st, stress_without_fallback_fails, 120)
{
	__u64 wrong;

	if (_metadata->skip)
		return;
	if (tst_write_file(KNOB, "N"))
		SKIP(return, "cannot write " KNOB);
	wrong = stress_run(_metadata, self->m, 0);
	ASSERT_EQ(0, tst_write_file(KNOB, "Y"));
	TH_LOG("fallback off: %llu wrong answers (must be > 0)",
	       (unsigned long long)wrong);
	EXPECT_LT(0ULL, wrong);
}

TEST_HARNESS_MAIN
