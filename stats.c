// SPDX-License-Identifier: GPL-2.0
/*
 * s2mmu statistics: S2MMU_GET_STATS and S2MMU_GET_MODULE_STATS, and the
 * debugfs files that show them and dump a VM's stage-2 table.
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/string.h>

#include <uapi/linux/s2mmu.h>
#include "s2_pgtable.h"
#include "s2mmu.h"
#include "s2mmu_vm.h"

static struct dentry *s2mmu_debugfs_root;

/* ---- statistics ---- */

void s2mmu_vm_stats(struct s2mmu_vm *vm, struct s2mmu_stats *st)
{
	struct s2_stats sum;
	const struct s2_stats *es = &sum;
	int idx;

	s2_stats_read(&vm->pgt, &sum);

	memset(st, 0, sizeof(*st));
	st->version = S2MMU_STATS_VERSION;
	st->size = sizeof(*st);
	st->faults_translation = atomic64_read(&vm->stat.faults_translation);
	st->faults_access = atomic64_read(&vm->stat.faults_access);
	st->faults_permission = atomic64_read(&vm->stat.faults_permission);
	st->faults_spurious = atomic64_read(&vm->stat.faults_spurious);
	st->fault_retries = atomic64_read(&vm->stat.fault_retries);
	st->mmio_exits = atomic64_read(&vm->stat.mmio_exits);
	st->bbm = READ_ONCE(es->bbm);
	st->tlbi_ipa = READ_ONCE(es->tlbi_ipa);
	st->tlbi_range = READ_ONCE(es->tlbi_range);
	st->tlbi_vmid = READ_ONCE(es->tlbi_vmid);
	st->tlbi_local = READ_ONCE(es->tlbi_local);
	st->relax_perms = READ_ONCE(es->relax_perms);
	st->access_flag_set = atomic64_read(&vm->stat.access_flag_set);
	st->mapped_l1 = READ_ONCE(es->mapped[1]);
	st->mapped_l2 = READ_ONCE(es->mapped[2]);
	st->mapped_l3 = READ_ONCE(es->mapped[3]);
	st->zero_page_maps = atomic64_read(&vm->stat.zero_page_maps);
	st->dirty_marked = atomic64_read(&vm->stat.dirty_marked);
	st->table_pages = max_t(s64, READ_ONCE(es->table_pages), 0);
	st->pages_pinned = atomic64_read(&vm->pages_pinned);
	idx = srcu_read_lock(&vm->srcu);
	st->memslots = srcu_dereference(vm->slots, &vm->srcu)->nr;
	srcu_read_unlock(&vm->srcu, idx);
	st->vcpus = READ_ONCE(vm->nr_vcpus);
	st->notifier_invalidations =
		atomic64_read(&vm->stat.notifier_invalidations);
	st->young_found = atomic64_read(&vm->stat.young_found);
	s2mmu_el2_vm_hwt_counts(&vm->el2, &st->hwt_translated,
				&st->hwt_fallbacks, &st->hwt_mismatches);
}

static int s2mmu_stats_show(struct seq_file *m, void *v)
{
	struct s2mmu_vm *vm = m->private;
	struct s2mmu_stats st;

	s2mmu_vm_stats(vm, &st);
	seq_printf(m, "faults_translation %llu\n", st.faults_translation);
	seq_printf(m, "faults_access %llu\n", st.faults_access);
	seq_printf(m, "faults_permission %llu\n", st.faults_permission);
	seq_printf(m, "faults_spurious %llu\n", st.faults_spurious);
	seq_printf(m, "fault_retries %llu\n", st.fault_retries);
	seq_printf(m, "mmio_exits %llu\n", st.mmio_exits);
	seq_printf(m, "bbm %llu\n", st.bbm);
	seq_printf(m, "tlbi_ipa %llu\n", st.tlbi_ipa);
	seq_printf(m, "tlbi_range %llu\n", st.tlbi_range);
	seq_printf(m, "tlbi_vmid %llu\n", st.tlbi_vmid);
	seq_printf(m, "tlbi_local %llu\n", st.tlbi_local);
	seq_printf(m, "relax_perms %llu\n", st.relax_perms);
	seq_printf(m, "access_flag_set %llu\n", st.access_flag_set);
	seq_printf(m, "mapped_l1 %llu\n", st.mapped_l1);
	seq_printf(m, "mapped_l2 %llu\n", st.mapped_l2);
	seq_printf(m, "mapped_l3 %llu\n", st.mapped_l3);
	seq_printf(m, "zero_page_maps %llu\n", st.zero_page_maps);
	seq_printf(m, "dirty_marked %llu\n", st.dirty_marked);
	seq_printf(m, "table_pages %llu\n", st.table_pages);
	seq_printf(m, "pages_pinned %llu\n", st.pages_pinned);
	seq_printf(m, "memslots %llu\n", st.memslots);
	seq_printf(m, "vcpus %llu\n", st.vcpus);
	seq_printf(m, "notifier_invalidations %llu\n", st.notifier_invalidations);
	seq_printf(m, "young_found %llu\n", st.young_found);
	seq_printf(m, "hwt_translated %llu\n", st.hwt_translated);
	seq_printf(m, "hwt_fallbacks %llu\n", st.hwt_fallbacks);
	seq_printf(m, "hwt_mismatches %llu\n", st.hwt_mismatches);
	return 0;
}

DEFINE_SHOW_ATTRIBUTE(s2mmu_stats);

/* ---- ptdump ---- */

/**
 * struct s2mmu_ptdump - state of a ptdump walk: one line per run of
 *	leaves contiguous in IPA and PA with the same level and attributes
 * @m: output
 * @start: first IPA of the pending run
 * @end: end of the pending run, 0 when none is pending
 * @pa: PA of @start
 * @level: level of the run's leaves
 * @prot: &enum s2_prot of the run's leaves
 */
struct s2mmu_ptdump {
	struct seq_file	*m;
	u64		start;
	u64		end;
	phys_addr_t	pa;
	s8		level;
	u32		prot;
};

static void s2mmu_ptdump_flush(struct s2mmu_ptdump *d)
{
	u32 p = d->prot;

	if (!d->end)
		return;
	seq_printf(d->m, "0x%012llx-0x%012llx L%d pa=0x%012llx %c%c%c %s %s\n",
		   d->start, d->end, d->level, (u64)d->pa,
		   p & S2_PROT_R ? 'R' : '-', p & S2_PROT_W ? 'W' : '-',
		   p & S2_PROT_X ? 'X' : '-',
		   p & S2_PROT_DEVICE ? "DEV" : p & S2_PROT_NC ? "NC" : "WB",
		   p & S2_PROT_AF ? "AF" : "--");
	d->end = 0;
}

static int s2mmu_ptdump_visit(const struct s2_visit_ctx *ctx, u32 visit)
{
	struct s2mmu_ptdump *d = ctx->arg;
	u64 size = S2_LEVEL_SIZE(ctx->level);
	phys_addr_t pa;
	u32 prot;

	if (!(ctx->old & S2_PTE_VALID))
		return 0;
	pa = ctx->old & S2_PTE_ADDR_MASK & ~(size - 1);
	prot = s2_leaf_prot(ctx->old);
	if (d->end && (d->end != ctx->addr || d->level != ctx->level ||
		       d->prot != prot ||
		       d->pa + (d->end - d->start) != pa))
		s2mmu_ptdump_flush(d);
	if (!d->end) {
		d->start = ctx->addr;
		d->pa = pa;
		d->level = ctx->level;
		d->prot = prot;
	}
	d->end = ctx->addr + size;
	return 0;
}

static int s2mmu_ptdump_show(struct seq_file *m, void *v)
{
	struct s2mmu_vm *vm = m->private;
	struct s2mmu_ptdump d = { .m = m };
	struct s2_walker walker = {
		.cb	= s2mmu_ptdump_visit,
		.arg	= &d,
		.flags	= S2_WALK_LEAF | S2_WALK_SHARED,
	};

	seq_printf(m, "# ipa_bits %u start_level %d roots %u\n",
		   vm->pgt.ia_bits, vm->pgt.start_level, vm->pgt.nr_roots);
	seq_puts(m, "# ipa-range level pa perms memtype af\n");
	read_lock(&vm->mmu_lock);
	s2_walk(&vm->pgt, 0, BIT_ULL(vm->ipa_bits), &walker);
	read_unlock(&vm->mmu_lock);
	s2mmu_ptdump_flush(&d);
	return 0;
}

DEFINE_SHOW_ATTRIBUTE(s2mmu_ptdump);

void s2mmu_vm_debugfs_init(struct s2mmu_vm *vm)
{
	char name[32];

	snprintf(name, sizeof(name), "vm%u", vm->id);
	vm->debugfs = debugfs_create_dir(name, s2mmu_debugfs_root);
	debugfs_create_file("stats", 0444, vm->debugfs, vm, &s2mmu_stats_fops);
	debugfs_create_file("ptdump", 0444, vm->debugfs, vm,
			    &s2mmu_ptdump_fops);
}

/* ---- module-wide ---- */

void s2mmu_module_stats(struct s2mmu_module_stats *st)
{
	/* Table pages freed after a grace period count once freed. */
	rcu_barrier();
	memset(st, 0, sizeof(*st));
	st->version = S2MMU_MODULE_STATS_VERSION;
	st->size = sizeof(*st);
	st->vms = atomic64_read(&s2mmu_nr_vms);
	st->table_pages = atomic64_read(&s2mmu_table_pages);
	st->pages_pinned = atomic64_read(&s2mmu_pages_pinned);
}

static int s2mmu_module_stats_show(struct seq_file *m, void *v)
{
	struct s2mmu_module_stats st;

	s2mmu_module_stats(&st);
	seq_printf(m, "vms %llu\ntable_pages %llu\npages_pinned %llu\n",
		   st.vms, st.table_pages, st.pages_pinned);
	return 0;
}

DEFINE_SHOW_ATTRIBUTE(s2mmu_module_stats);

int s2mmu_mmu_init(void)
{
	s2mmu_debugfs_root = debugfs_create_dir("s2mmu", NULL);
	debugfs_create_file("module_stats", 0444, s2mmu_debugfs_root, NULL,
			    &s2mmu_module_stats_fops);
	return 0;
}

void s2mmu_mmu_exit(void)
{
	debugfs_remove_recursive(s2mmu_debugfs_root);
	/* Table pages still waiting for a grace period are freed by now. */
	rcu_barrier();
	WARN_ON(atomic64_read(&s2mmu_table_pages));
	WARN_ON(atomic64_read(&s2mmu_pages_pinned));
}
