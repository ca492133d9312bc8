// SPDX-License-Identifier: GPL-2.0
/*
 * guest_cache_test: the memory attributes of a VM's stage-2 table and the
 * cache maintenance its guest gets, with real guest loads, stores and
 * instruction fetches (S2MMU_RUN), stage-1 MMU off.
 *
 * Two VMs: one as the module makes it (FWB when the CPU has it), one made
 * while the force_cmo module parameter is set (classic encoding, every
 * maintenance done whatever FWB, CTR_EL0.IDC and DIC say).  In each the
 * guest reads 4 pages, writes 4 and executes 4 of a fresh slot, then
 * writes a page it read and executes a page it read and one it wrote.
 * The VM's counters must show:
 *  - without FWB, exactly one D-cache clean per page first mapped, none
 *    for a permission fault on a page already mapped (relax); with FWB,
 *    none at all;
 *  - exactly one I-cache sync per page that became executable (mapped
 *    executable, or execute permission added), none for data pages or
 *    added write permission, unless IDC and DIC (and no force) make it
 *    unnecessary;
 * and a fault walks the table once (table_walks): a first touch, its
 * map; a permission fault, its relax, even when the page it raises was
 * pinned for reading only.
 * The info page, which the module rewrites after every fault while the
 * guest may read it with its MMU off, must be cleaned at each rewrite
 * without FWB (one more page in dcache_clean_pages each), never with it.
 * S2MMU_TRANSLATE_GVA must see the encoding in use: MemAttr 0b0110
 * (forced write-back) with FWB, 0b1111 without, and, from the hardware
 * (AT with the VM's HCR_EL2), a Normal write-back result for the guest's
 * Device stage 1 with FWB, Device without.
 */
#include "guest_vm.h"
#include "../kselftest_harness.h"

#include <fcntl.h>

#define SLOT		1
#define SLOT_GPA	0x40000000ULL
#define SLOT_PAGES	16
#define NR_READ		4
#define NR_WRITE	4
#define NR_EXEC		4
#define A64_RET		0xd65f03c0U
#define FORCE_CMO	"/sys/module/s2mmu/parameters/force_cmo"
#define INFO_GPA	0x50000000ULL	/* outside the slot */

/* CTR_EL0.IDC, DIC (Arm ARM D19.2); Linux lets EL0 read CTR_EL0. */
#define CTR_IDC		0x10000000ULL	/* bit 28 */
#define CTR_DIC		0x20000000ULL	/* bit 29 */

/*
 * x0 the slot, x1/x2/x3 pages to read/write/execute, in that order from
 * x0; every page starts with a RET.  No stack: nothing else faults.
 */
GUEST_ASM(cache_touch,
	  "mov x9, x0\n"
	  "1: cbz x1, 2f\n ldr x10, [x9, #8]\n add x9, x9, #4096\n"
	  "sub x1, x1, #1\n b 1b\n"
	  "2: cbz x2, 3f\n str x9, [x9, #8]\n add x9, x9, #4096\n"
	  "sub x2, x2, #1\n b 2b\n"
	  "3: cbz x3, 4f\n blr x9\n add x9, x9, #4096\n"
	  "sub x3, x3, #1\n b 3b\n"
	  "4: hvc #1\n b .\n");

/* Write page x0 (read before), execute it, execute page x1 (written). */
GUEST_ASM(cache_again,
	  "str x0, [x0, #8]\n"
	  "blr x0\n"
	  "blr x1\n"
	  "hvc #2\n b .\n");

static __u64 read_ctr(void)
{
	__u64 ctr;

	asm volatile("mrs %0, ctr_el0" : "=r" (ctr));
	return ctr;
}

/* Sets force_cmo; returns the previous value, or -1 if it cannot. */
static int set_force_cmo(int on)
{
	char old = 'N';
	int fd = open(FORCE_CMO, O_RDWR);

	if (fd < 0)
		return -1;
	if (read(fd, &old, 1) != 1 || lseek(fd, 0, SEEK_SET) ||
	    write(fd, on ? "Y" : "N", 1) != 1) {
		close(fd);
		return -1;
	}
	close(fd);
	return old == 'Y' || old == '1';
}

FIXTURE(gc) {
	struct guest_vm g;
	__u8 *mem;
	int ready;
	int fwb, clean, sync;
};

FIXTURE_VARIANT(gc) {
	int force;
};

FIXTURE_VARIANT_ADD(gc, as_made) { .force = 0 };
FIXTURE_VARIANT_ADD(gc, force_cmo) { .force = 1 };

FIXTURE_SETUP(gc)
{
	struct s2mmu_features f = { 0 };
	__u64 ctr = read_ctr();
	int old, ret, i;

	self->ready = 0;
	guest_vm_init(&self->g);
	if (!guest_can_run())
		SKIP(return, "no guest: S2MMU_RUN not supported here");
	old = set_force_cmo(variant->force);
	ASSERT_LE(0, old);
	ret = guest_vm_create(&self->g, 1);
	set_force_cmo(old);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, tst_ioctl(self->g.dev, S2MMU_GET_FEATURES,
			       (unsigned long)&f));
	self->fwb = (f.flags & S2MMU_FEAT_FWB) && !variant->force;
	self->clean = !self->fwb;
	self->sync = variant->force || !(ctr & CTR_IDC) || !(ctr & CTR_DIC);
	TH_LOG("CPU: FWB %s (ID_AA64MMFR2_EL1 0x%llx), CTR_EL0 0x%llx (IDC %d, DIC %d)",
	       (f.flags & S2MMU_FEAT_FWB) ? "yes" : "no",
	       (unsigned long long)f.id_aa64mmfr2, (unsigned long long)ctr,
	       !!(ctr & CTR_IDC), !!(ctr & CTR_DIC));
	TH_LOG("VM: %s encoding, D-cache clean %s, I-cache sync %s",
	       self->fwb ? "FWB" : "classic", self->clean ? "yes" : "no",
	       self->sync ? "yes" : "no");

	self->mem = tst_alloc(TST_ANON, SLOT_PAGES * TST_PAGE);
	ASSERT_NE(NULL, self->mem);
	for (i = 0; i < SLOT_PAGES; i++)
		memcpy(self->mem + i * TST_PAGE, &(__u32){ A64_RET }, 4);
	__builtin___clear_cache((char *)self->mem,
				(char *)self->mem + SLOT_PAGES * TST_PAGE);
	ASSERT_EQ(0, tst_set_region(self->g.vm, SLOT, 0, SLOT_GPA,
				    SLOT_PAGES * TST_PAGE, self->mem));
	/* Code faults now, so that the counts below are the slot's alone. */
	ASSERT_EQ(0, guest_map_code(&self->g));
	self->ready = 1;
}

FIXTURE_TEARDOWN(gc)
{
	guest_vm_destroy(&self->g);
	if (self->mem)
		munmap(self->mem, SLOT_PAGES * TST_PAGE);
}

/* Runs @fn with @args to its "hvc #@imm", returns the counters' change. */
static struct s2mmu_stats run_counted(struct __test_metadata *_metadata,
				      struct guest_vm *g, const void *fn,
				      int nargs, const __u64 *args, long imm)
{
	struct s2mmu_stats before;

	memset(&before, 0, sizeof(before));
	EXPECT_EQ(0, tst_stats(g->vm, &before));
	EXPECT_EQ(0, guest_start(&g->vcpu[0], fn, nargs, args));
	EXPECT_EQ(imm, guest_run_until_hvc(&g->vcpu[0]));
	return tst_stats_since(g->vm, &before);
}

TEST_F(gc, first_touch_relax_and_exec)
{
	__u64 args[4] = { SLOT_GPA, NR_READ, NR_WRITE, NR_EXEC };
	__u64 exec_w = SLOT_GPA + NR_READ * TST_PAGE;
	__u64 first = NR_READ + NR_WRITE + NR_EXEC;
	struct s2mmu_stats d;
	int i;

	if (!self->ready)
		SKIP(return, "no guest: S2MMU_RUN not supported here");
	d = run_counted(_metadata, &self->g, guest_cache_touch_start, 4, args, 1);
	TH_LOG("first touch of %llu pages: %llu faults, %llu walks, %llu D-clean, %llu I-sync",
	       (unsigned long long)first, d.faults_translation, d.table_walks,
	       d.dcache_clean_pages, d.icache_sync_pages);
	ASSERT_EQ(first, d.faults_translation);
	/* A first-touch fault, read, write or fetch, walks once: its map. */
	ASSERT_EQ(first, d.table_walks);
	ASSERT_EQ(first, d.mapped_l3);
	ASSERT_EQ(self->clean ? first : 0ULL, d.dcache_clean_pages);
	ASSERT_EQ(self->sync ? NR_EXEC : 0ULL, d.icache_sync_pages);
	for (i = 0; i < NR_WRITE; i++)
		ASSERT_EQ((__u64)(SLOT_GPA + (NR_READ + i) * TST_PAGE),
			  *(__u64 *)(self->mem + (NR_READ + i) * TST_PAGE + 8));

	/* Write to a read page, then make it and a written page executable. */
	args[0] = SLOT_GPA;
	args[1] = exec_w;
	d = run_counted(_metadata, &self->g, guest_cache_again_start, 2, args, 2);
	TH_LOG("relaxes: %llu permission faults, %llu walks, %llu D-clean, %llu I-sync",
	       d.faults_permission, d.table_walks, d.dcache_clean_pages,
	       d.icache_sync_pages);
	ASSERT_EQ(3ULL, d.faults_permission);
	ASSERT_EQ(0ULL, d.faults_translation);
	ASSERT_EQ(3ULL, d.relax_perms);
	/*
	 * One walk each, the relax, also for the write to a page pinned
	 * for reading only (5 before s2_relax_perms_of(): map, leaf size
	 * check, relax).
	 */
	ASSERT_EQ(3ULL, d.table_walks);
	ASSERT_EQ(0ULL, d.dcache_clean_pages);
	ASSERT_EQ(self->sync ? 2ULL : 0ULL, d.icache_sync_pages);
	ASSERT_EQ(SLOT_GPA, *(__u64 *)(self->mem + 8));

	/* Everything mapped: the same accesses again change nothing. */
	args[0] = SLOT_GPA;
	args[1] = NR_READ;
	d = run_counted(_metadata, &self->g, guest_cache_touch_start, 4, args, 1);
	ASSERT_EQ(0ULL, d.faults_translation + d.faults_permission);
	ASSERT_EQ(0ULL, d.table_walks);
	ASSERT_EQ(0ULL, d.dcache_clean_pages + d.icache_sync_pages);
}

/*
 * The info page: MAP writes it twice (before placing it, and once placed),
 * and every fault rewrites it.  Without FWB each rewrite is cleaned to the
 * point of coherency for a guest reading it with its MMU off: one page
 * each in dcache_clean_pages, on top of the slot's pages.  (Shown to fail
 * with the rewrite not cleaning: 0 instead of 2 on the force_cmo VM.)
 */
TEST_F(gc, info_page_cleaned_at_each_rewrite)
{
	struct s2mmu_info_page_map m = { .guest_phys_addr = INFO_GPA };
	__u64 args[4] = { SLOT_GPA, NR_READ, 0, 0 };
	struct s2mmu_stats before, d;

	if (!self->ready)
		SKIP(return, "no guest: S2MMU_RUN not supported here");
	ASSERT_EQ(0, tst_stats(self->g.vm, &before));
	ASSERT_EQ(0, tst_ioctl(self->g.vm, S2MMU_MAP_INFO_PAGE,
			       (unsigned long)&m));
	d = tst_stats_since(self->g.vm, &before);
	TH_LOG("MAP_INFO_PAGE: %llu D-clean", d.dcache_clean_pages);
	ASSERT_EQ(self->clean ? 2ULL : 0ULL, d.dcache_clean_pages);

	/* NR_READ first touches: NR_READ pages and NR_READ rewrites. */
	d = run_counted(_metadata, &self->g, guest_cache_touch_start, 4, args, 1);
	TH_LOG("%llu faults with the info page mapped: %llu D-clean",
	       d.faults_translation, d.dcache_clean_pages);
	ASSERT_EQ((__u64)NR_READ, d.faults_translation);
	ASSERT_EQ(self->clean ? 2ULL * NR_READ : 0ULL, d.dcache_clean_pages);

	/* Removed: a fault rewrites nothing, and cleans only its page. */
	ASSERT_EQ(0, tst_ioctl(self->g.vm, S2MMU_UNMAP_INFO_PAGE, 0));
	args[0] = SLOT_GPA + NR_READ * TST_PAGE;
	args[1] = 1;
	d = run_counted(_metadata, &self->g, guest_cache_touch_start, 4, args, 1);
	ASSERT_EQ(1ULL, d.faults_translation);
	ASSERT_EQ(self->clean ? 1ULL : 0ULL, d.dcache_clean_pages);
}

/* The encoding in use, as the software walk and the hardware see it. */
TEST_F(gc, encoding_seen_by_translate_gva)
{
	__u64 args[4] = { SLOT_GPA, 1, 0, 0 };
	struct s2mmu_translate_gva t;
	int sw;

	if (!self->ready)
		SKIP(return, "no guest: S2MMU_RUN not supported here");
	run_counted(_metadata, &self->g, guest_cache_touch_start, 4, args, 1);
	for (sw = 0; sw < 2; sw++) {
		memset(&t, 0, sizeof(t));
		t.gva = SLOT_GPA;
		t.access = S2MMU_GVA_READ;
		t.el = 1;
		t.flags = sw ? S2MMU_GVA_SOFTWARE : 0;
		ASSERT_EQ(0, tst_ioctl(self->g.vcpu[0].fd, S2MMU_TRANSLATE_GVA,
				       (unsigned long)&t));
		TH_LOG("%s: result 0x%x, MemAttr 0x%x, stage-1 attr 0x%02x, PAR attr 0x%02x",
		       sw ? "software" : "hardware", t.result, t.s2_memattr,
		       t.s1_attr, t.par_attr);
		/* The descriptor: the software walk reads it. */
		if (sw) {
			ASSERT_NE(0U, t.result & S2MMU_GVA_R_S2_MEMATTR);
			ASSERT_EQ(self->fwb ? 0x6 : 0xf, (int)t.s2_memattr);
			continue;
		}
		/* The hardware's combination of both stages (AT). */
		if (t.how != S2MMU_GVA_HOW_HW)
			continue;
		ASSERT_NE(0U, t.result & S2MMU_GVA_R_PAR_ATTR);
		/* MMU off: stage 1 is Device-nGnRnE; FWB forces write-back. */
		ASSERT_EQ(0x00, (int)t.s1_attr);
		ASSERT_EQ(self->fwb ? 0xff : 0x00, (int)t.par_attr);
	}
}

TEST_HARNESS_MAIN
