// SPDX-License-Identifier: GPL-2.0
/*
 * s2mmu guest memory and the CPU caches: which stage-2 memory-attribute
 * encoding a VM's table uses (FEAT_S2FWB or not), and the cache
 * maintenance a guest needs when the CPU does not make it unnecessary.
 *
 * A guest with its stage-1 MMU off makes Device (data) and non-cacheable
 * (instruction) accesses.  Without FWB the combination of stages keeps
 * the weaker type, so the guest reads memory past the CPU caches, where
 * what the host wrote (the VMM loading an image, the kernel zeroing a
 * page) may not have arrived yet: each page is cleaned and invalidated to
 * the point of coherency before it is first mapped.  With FWB the table
 * forces Normal write-back whatever stage 1 says, and none of that is
 * needed.  Either way, before a page becomes executable for the guest,
 * the instruction side must see its contents: D-cache clean to the point
 * of unification unless CTR_EL0.IDC, I-cache invalidation unless
 * CTR_EL0.DIC.  See Documentation/vcpu.rst, "Memory attributes and caches".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <asm/barrier.h>
#include <asm/cache.h>
#include <asm/cpufeature.h>
#include <asm/sysreg.h>

#include "s2mmu.h"
#include "s2mmu_el2.h"
#include "s2mmu_vm.h"

static bool s2mmu_force_cmo;
module_param_named(force_cmo, s2mmu_force_cmo, bool, 0644);
MODULE_PARM_DESC(force_cmo,
		 "VMs created from now on ignore FWB, IDC and DIC: classic MemAttr encoding and every cache maintenance done (for tests)");

/* CTR_EL0 fields (Arm ARM D19.2, CTR_EL0). */
#define CACHE_CTR_IMINLINE(ctr)	((ctr) & 0xf)
#define CACHE_CTR_L1IP(ctr)		(((ctr) >> 14) & 3)
#define CACHE_CTR_DMINLINE(ctr)	(((ctr) >> 16) & 0xf)
#define CACHE_CTR_L1IP_VIPT		2

/* The smallest line sizes of any CPU, in bytes, and whether any is VIPT. */
static unsigned int cache_dline, cache_iline;
static bool cache_ic_vipt;

/*
 * The kernel's sanitised CTR_EL0 is already the value safe on every CPU,
 * late ones included: the smallest line sizes of all, and a VIPT
 * I-cache policy if the CPUs differ.  Reading it takes no lock and sends
 * no IPI, so no module lock is ever taken in interrupt context
 * (locking.rst, "Lock ranks and the checker").
 */
void s2mmu_cache_init(void)
{
	u64 ctr = read_sanitised_ftr_reg(SYS_CTR_EL0);

	cache_dline = 4U << CACHE_CTR_DMINLINE(ctr);
	cache_iline = 4U << CACHE_CTR_IMINLINE(ctr);
	cache_ic_vipt = CACHE_CTR_L1IP(ctr) == CACHE_CTR_L1IP_VIPT;
	pr_info("caches: D line %u, I line %u%s; FWB %s, IDC %s, DIC %s\n",
		cache_dline, cache_iline, cache_ic_vipt ? " (VIPT I-cache)" : "",
		cpus_have_final_cap(ARM64_HAS_STAGE2_FWB) ? "yes" : "no",
		cpus_have_final_cap(ARM64_HAS_CACHE_IDC) ? "yes" : "no",
		cpus_have_final_cap(ARM64_HAS_CACHE_DIC) ? "yes" : "no");
}

/*
 * Clean and invalidate to the point of coherency.  Also used where only a
 * clean to the point of unification is needed: DC CIVAC does more, and
 * some CPUs' DC CVAU errata (826319, 827319, 824069, 819472) make the
 * kernel itself upgrade it.
 */
static void cache_clean_inval_poc(void *va, u64 size)
{
	unsigned long a = ALIGN_DOWN((unsigned long)va, cache_dline);
	unsigned long end = (unsigned long)va + size;

	for (; a < end; a += cache_dline)
		asm volatile("dc civac, %0" : : "r" (a) : "memory");
	dsb(ish);
}

static void cache_inval_icache(void *va, u64 size)
{
	unsigned long a = ALIGN_DOWN((unsigned long)va, cache_iline);
	unsigned long end = (unsigned long)va + size;

	/* A VIPT I-cache may hold the lines under the guest's VA: all of it. */
	if (cache_ic_vipt) {
		asm volatile("ic ialluis" : : : "memory");
	} else {
		for (; a < end; a += cache_iline)
			asm volatile("ic ivau, %0" : : "r" (a) : "memory");
	}
	dsb(ish);
	isb();
}

/* &s2_mm_ops.icache_sync of the VMs' tables (pgtable.c calls it). */
void s2mmu_cache_icache_sync(struct s2_pgtable *pgt, void *va, u64 size)
{
	const struct s2mmu_vm *vm = pgt->priv;
	bool force = vm->cache_force;

	if (force || !cpus_have_final_cap(ARM64_HAS_CACHE_IDC))
		cache_clean_inval_poc(va, size);
	if (force || !cpus_have_final_cap(ARM64_HAS_CACHE_DIC))
		cache_inval_icache(va, size);
}

/**
 * s2mmu_cache_clean_host_write() - make what the host just wrote at @va
 *	visible to the VM's guest when its MMU is off
 * @vm: the VM
 * @va: the host's (cacheable) address of what it wrote
 * @size: bytes
 *
 * For memory the module itself keeps writing while the guest may read it
 * (the info page): without FWB a guest with its MMU off reads past the
 * caches, so the lines are cleaned to the point of coherency now, in the
 * order the caller needs them there (the DSB completes each call).
 *
 * Return: true if the VM needs it and the lines were cleaned.
 */
bool s2mmu_cache_clean_host_write(struct s2mmu_vm *vm, void *va, u64 size)
{
	if (!vm->clean_poc)
		return false;
	cache_clean_inval_poc(va, size);
	return true;
}

/**
 * s2mmu_cache_vm_init() - choose a new VM's encoding and maintenance
 * @vm: the VM, its table initialised but not yet used
 *
 * FWB is used whenever the CPUs have it and the table can be live at EL2
 * (windows and guests set HCR_EL2.FWB for it), unless force_cmo was set
 * when the VM was created.
 */
void s2mmu_cache_vm_init(struct s2mmu_vm *vm)
{
	bool force = READ_ONCE(s2mmu_force_cmo);
	bool fwb = s2mmu_el2_hw && !force &&
		   cpus_have_final_cap(ARM64_HAS_STAGE2_FWB);

	vm->pgt.fwb = fwb;
	vm->el2.fwb = fwb;
	vm->cache_force = force;
	/* Only a guest makes non-cacheable or instruction accesses. */
	vm->clean_poc = s2mmu_el2_can_run() && !fwb;
	vm->pgt.sync_icache = s2mmu_el2_can_run() &&
			      (force || !cpus_have_final_cap(ARM64_HAS_CACHE_DIC) ||
			       !cpus_have_final_cap(ARM64_HAS_CACHE_IDC));
}

/**
 * s2mmu_cache_clean_pages() - clean pages a fault is about to map
 * @vm: the VM
 * @slot: the slot holding them
 * @first: slot index of the first page
 * @pages: the pinned pages
 * @nr: how many
 *
 * Without FWB each page is cleaned and invalidated to the point of
 * coherency before it first becomes guest-visible (KVM does the same on
 * every map).  A page whose pin is already recorded at its place is
 * mapped there (a second fault on it: a race, a write after a read) and
 * was cleaned then.  Called outside mmu_lock: a 2 MiB block is tens of
 * thousands of lines.
 */
void s2mmu_cache_clean_pages(struct s2mmu_vm *vm, struct s2mmu_memslot *slot,
			     u64 first, struct page **pages, int nr)
{
	int i, cleaned = 0;

	if (!vm->clean_poc)
		return;
	for (i = 0; i < nr; i++) {
		if (s2mmu_pin_page(s2mmu_pin_of(slot, first + i)) == pages[i])
			continue;
		cache_clean_inval_poc(page_address(pages[i]), PAGE_SIZE);
		cleaned++;
	}
	atomic64_add(cleaned, s2mmu_vm_stat(vm, dcache_clean_pages));
}
