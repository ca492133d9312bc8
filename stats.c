// SPDX-License-Identifier: GPL-2.0
/*
 * s2mmu statistics: S2MMU_GET_STATS and S2MMU_GET_MODULE_STATS, the
 * debugfs files that show them and dump a VM's stage-2 table, and the
 * phase profile (the time the fault and harvest paths spend per phase).
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/jump_label.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include <uapi/linux/s2mmu.h>
#include "s2_pgtable.h"
#include "s2mmu.h"
#include "s2mmu_vm.h"
#include "s2mmu_lockrank.h"

static struct dentry *s2mmu_debugfs_root;

/* ---- statistics ---- */

/**
 * struct s2mmu_stat_desc - one field of &struct s2mmu_stats
 * @name: its name, as debugfs shows it
 * @out: its offset in &struct s2mmu_stats
 * @from: where its value comes from
 * @in: for %S2MMU_STAT_FROM_VM the counter's &enum s2mmu_vm_stat_id, for
 *	%S2MMU_STAT_FROM_ENG the field's offset in &struct s2_stats
 */
struct s2mmu_stat_desc {
	const char	*name;
	size_t		out;
	enum {
		S2MMU_STAT_FROM_VM,
		S2MMU_STAT_FROM_ENG,
		S2MMU_STAT_FROM_NOW,
	} from;
	size_t		in;
};

/* Every field of &struct s2mmu_stats after @size, in order. */
static const struct s2mmu_stat_desc s2mmu_stat_descs[] = {
#define S2MMU_STAT_VM(name) \
	{ #name, offsetof(struct s2mmu_stats, name), S2MMU_STAT_FROM_VM, \
	  S2MMU_VM_STAT_##name },
#define S2MMU_STAT_ENG(name, field) \
	{ #name, offsetof(struct s2mmu_stats, name), S2MMU_STAT_FROM_ENG, \
	  offsetof(struct s2_stats, field) },
#define S2MMU_STAT_NOW(name) \
	{ #name, offsetof(struct s2mmu_stats, name), S2MMU_STAT_FROM_NOW, 0 },
#include "s2mmu_stats.h"
#undef S2MMU_STAT_VM
#undef S2MMU_STAT_ENG
#undef S2MMU_STAT_NOW
};

#define s2mmu_stat_descs_end (s2mmu_stat_descs + ARRAY_SIZE(s2mmu_stat_descs))

static u64 *s2mmu_stat_field(struct s2mmu_stats *st,
			     const struct s2mmu_stat_desc *d)
{
	return (u64 *)((u8 *)st + d->out);
}

/* The current values, the NOW() entries of S2MMU_STATS(). */
static void s2mmu_vm_stats_now(struct s2mmu_vm *vm, struct s2mmu_stats *st,
			       const struct s2_stats *es)
{
	int idx;

	st->table_pages = max_t(s64, es->table_pages, 0);
	st->pages_pinned = atomic64_read(&vm->pages_pinned);
	idx = s2mmu_srcu_read_lock(&vm->srcu);
	st->memslots = srcu_dereference(vm->slots, &vm->srcu)->nr;
	s2mmu_srcu_read_unlock(&vm->srcu, idx);
	st->vcpus = READ_ONCE(vm->nr_vcpus);
	s2mmu_el2_vm_hwt_counts(&vm->el2, &st->hwt_translated,
				&st->hwt_fallbacks, &st->hwt_mismatches);
	st->view_tlbi = s2mmu_views_tlbi(vm, &st->views);
}

void s2mmu_vm_stats(struct s2mmu_vm *vm, struct s2mmu_stats *st)
{
	const struct s2mmu_stat_desc *d;
	struct s2_stats es;

	s2_stats_read(&vm->pgt, &es);
	memset(st, 0, sizeof(*st));
	st->version = S2MMU_STATS_VERSION;
	st->size = sizeof(*st);
	for (d = s2mmu_stat_descs; d < s2mmu_stat_descs_end; d++) {
		if (d->from == S2MMU_STAT_FROM_VM)
			*s2mmu_stat_field(st, d) = atomic64_read(&vm->stat[d->in]);
		else if (d->from == S2MMU_STAT_FROM_ENG)
			*s2mmu_stat_field(st, d) = *(u64 *)((u8 *)&es + d->in);
	}
	s2mmu_vm_stats_now(vm, st, &es);
}

/**
 * s2mmu_is_get_stats() - is @cmd S2MMU_GET_STATS, of any size?
 * @cmd: an ioctl command
 *
 * The structure's size is part of the command (_IOR): a caller built
 * with an older, shorter &struct s2mmu_stats sends another number than
 * one built with today's.  Every size from the first published one
 * (%S2MMU_STATS_SIZE_VER1) up, in whole counters, is the same call.
 *
 * Return: true if s2mmu_get_stats() serves it.
 */
bool s2mmu_is_get_stats(unsigned int cmd)
{
	unsigned int size = _IOC_SIZE(cmd);

	return _IOC_TYPE(cmd) == _IOC_TYPE(S2MMU_GET_STATS) &&
	       _IOC_NR(cmd) == _IOC_NR(S2MMU_GET_STATS) &&
	       _IOC_DIR(cmd) == _IOC_READ &&
	       size >= S2MMU_STATS_SIZE_VER1 && IS_ALIGNED(size, sizeof(u64));
}

/**
 * s2mmu_get_stats() - S2MMU_GET_STATS, for a caller's structure of any
 *	size s2mmu_is_get_stats() accepts
 * @vm: the VM
 * @argp: the caller's &struct s2mmu_stats
 * @cmd: the command, which carries the caller's size
 *
 * The caller gets the counters its structure has room for: all of ours
 * if it is larger (the rest of it zeroed), the ones it knows if it is
 * smaller.  @size says how many bytes are counters: the smaller size.
 *
 * Return: 0 or -EFAULT.
 */
int s2mmu_get_stats(struct s2mmu_vm *vm, void __user *argp, unsigned int cmd)
{
	unsigned int usize = _IOC_SIZE(cmd);
	unsigned int n = min_t(unsigned int, usize, sizeof(struct s2mmu_stats));
	struct s2mmu_stats st;

	s2mmu_vm_stats(vm, &st);
	st.size = n;
	if (copy_to_user(argp, &st, n))
		return -EFAULT;
	if (usize > n && clear_user(argp + n, usize - n))
		return -EFAULT;
	return 0;
}

static int s2mmu_stats_show(struct seq_file *m, void *v)
{
	struct s2mmu_vm *vm = m->private;
	const struct s2mmu_stat_desc *d;
	struct s2mmu_stats st;

	s2mmu_vm_stats(vm, &st);
	for (d = s2mmu_stat_descs; d < s2mmu_stat_descs_end; d++)
		seq_printf(m, "%s %llu\n", d->name, *s2mmu_stat_field(&st, d));
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
 * @vm: the VM, whose restrictions the lines show
 * @access: the restriction (``S2MMU_MEM_ACCESS_*``) of the run's frames
 */
struct s2mmu_ptdump {
	struct seq_file	*m;
	struct s2mmu_vm	*vm;
	u32		access;
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
	seq_printf(d->m, "0x%012llx-0x%012llx L%d pa=0x%012llx %c%c%c %s %s %s\n",
		   d->start, d->end, d->level, (u64)d->pa,
		   p & S2_PROT_R ? 'R' : '-', p & S2_PROT_W ? 'W' : '-',
		   p & S2_PROT_X ? 'X' : '-',
		   p & S2_PROT_DEVICE ? "DEV" : p & S2_PROT_NC ? "NC" : "WB",
		   p & S2_PROT_AF ? "AF" : "--",
		   s2mmu_mem_access_name(d->access));
	d->end = 0;
}

static int s2mmu_ptdump_visit(const struct s2_visit_ctx *ctx, u32 visit)
{
	struct s2mmu_ptdump *d = ctx->arg;
	u64 size = S2_LEVEL_SIZE(ctx->level);
	phys_addr_t pa;
	u32 prot, access;

	if (!s2_desc_valid(ctx->old))
		return 0;
	pa = s2_desc_leaf_pa(ctx->old, ctx->level, 0);
	prot = s2_leaf_prot(ctx->old);
	/* Restricted frames are mapped at 4K only: blocks have none. */
	access = ctx->level == S2_MAX_LEVEL ?
		 s2mmu_mem_access_of(d->vm, ctx->addr >> PAGE_SHIFT) :
		 S2MMU_MEM_ACCESS_RWX;
	if (d->end && (d->end != ctx->addr || d->level != ctx->level ||
		       d->prot != prot || d->access != access ||
		       d->pa + (d->end - d->start) != pa))
		s2mmu_ptdump_flush(d);
	if (!d->end) {
		d->start = ctx->addr;
		d->pa = pa;
		d->level = ctx->level;
		d->prot = prot;
		d->access = access;
	}
	d->end = ctx->addr + size;
	return 0;
}

/*
 * The restrictions of S2MMU_SET_MEM_ACCESS, mapped or not, one line per
 * run of frames with the same one.
 */
static void s2mmu_ptdump_mem_access(struct seq_file *m, struct s2mmu_vm *vm)
{
	unsigned long gfn, start = 0, next = 0;
	u32 access = S2MMU_MEM_ACCESS_RWX, cur;
	void *entry;

	seq_puts(m, "# mem_access: ipa-range restriction\n");
	xa_for_each(&vm->mem_access, gfn, entry) {
		cur = xa_to_value(entry);
		if (gfn == next && cur == access) {
			next++;
			continue;
		}
		if (next)
			seq_printf(m, "0x%012llx-0x%012llx %s\n", (u64)start << PAGE_SHIFT,
				   (u64)next << PAGE_SHIFT, s2mmu_mem_access_name(access));
		start = gfn;
		next = gfn + 1;
		access = cur;
	}
	if (next)
		seq_printf(m, "0x%012llx-0x%012llx %s\n", (u64)start << PAGE_SHIFT,
			   (u64)next << PAGE_SHIFT, s2mmu_mem_access_name(access));
}

static int s2mmu_ptdump_show(struct seq_file *m, void *v)
{
	struct s2mmu_vm *vm = m->private;
	struct s2mmu_ptdump d = { .m = m, .vm = vm };
	struct s2_walker walker = {
		.cb	= s2mmu_ptdump_visit,
		.arg	= &d,
		.flags	= S2_WALK_LEAF | S2_WALK_SHARED,
	};

	seq_printf(m, "# ipa_bits %u start_level %d roots %u\n",
		   vm->pgt.ia_bits, vm->pgt.start_level, vm->pgt.nr_roots);
	seq_puts(m, "# ipa-range level pa perms memtype af restriction\n");
	s2mmu_read_lock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	s2_walk(&vm->pgt, 0, BIT_ULL(vm->ipa_bits), &walker);
	s2mmu_read_unlock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	s2mmu_ptdump_flush(&d);
	s2mmu_ptdump_mem_access(m, vm);
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

/* ---- the phase profile ---- */

/*
 * A static key, not a flag: with the profile off, the fault path and the
 * harvest pay nothing for its hooks, not even a load per phase.
 */
DEFINE_STATIC_KEY_FALSE(s2mmu_profile_on);

static int s2mmu_profile_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int ret = kstrtobool(val, &on);

	if (ret)
		return ret;
	if (on)
		static_branch_enable(&s2mmu_profile_on);
	else
		static_branch_disable(&s2mmu_profile_on);
	return 0;
}

static int s2mmu_profile_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%c\n",
			  static_key_enabled(&s2mmu_profile_on) ? 'Y' : 'N');
}

static const struct kernel_param_ops s2mmu_profile_ops = {
	.set	= s2mmu_profile_set,
	.get	= s2mmu_profile_get,
};
module_param_cb(profile, &s2mmu_profile_ops, NULL, 0644);
__MODULE_PARM_TYPE(profile, "bool");
MODULE_PARM_DESC(profile, "Time the phases of faults and harvests (debugfs s2mmu/profile)");

/**
 * struct s2mmu_prof_phase - one phase's figures on one CPU
 * @count: times it ran
 * @ns: time spent in it
 */
struct s2mmu_prof_phase {
	u64	count;
	u64	ns;
};

static DEFINE_PER_CPU(struct s2mmu_prof_phase [S2MMU_PROF_NR], s2mmu_prof);

/* Each phase's name, in the order of enum s2mmu_prof_id: the same list. */
static const struct {
	const char *name;
} s2mmu_prof_phases[S2MMU_PROF_NR] = {
#define S2MMU_PROF(id, name)	{ #name },
#include "s2mmu_prof.h"
#undef S2MMU_PROF
};

u64 s2mmu_prof_now(void)
{
	return ktime_get_ns();
}

void s2mmu_prof_add(enum s2mmu_prof_id id, u64 t0)
{
	u64 ns = ktime_get_ns() - t0;

	/* Preemption-safe per-CPU adds: a phase may end on another CPU. */
	this_cpu_inc(s2mmu_prof[id].count);
	this_cpu_add(s2mmu_prof[id].ns, ns);
}

static int s2mmu_prof_show(struct seq_file *m, void *v)
{
	u64 count, ns;
	int id, cpu;

	seq_puts(m, "# phase count ns\n");
	for (id = 0; id < S2MMU_PROF_NR; id++) {
		count = 0;
		ns = 0;
		for_each_possible_cpu(cpu) {
			count += per_cpu(s2mmu_prof, cpu)[id].count;
			ns += per_cpu(s2mmu_prof, cpu)[id].ns;
		}
		seq_printf(m, "%s %llu %llu\n", s2mmu_prof_phases[id].name, count, ns);
	}
	return 0;
}

static int s2mmu_prof_open(struct inode *inode, struct file *file)
{
	return single_open(file, s2mmu_prof_show, NULL);
}

/* Any write resets the figures (phases in progress may land after). */
static ssize_t s2mmu_prof_write(struct file *file, const char __user *buf,
				size_t len, loff_t *ppos)
{
	int cpu;

	for_each_possible_cpu(cpu)
		memset(per_cpu(s2mmu_prof, cpu), 0, sizeof(s2mmu_prof));
	return len;
}

static const struct file_operations s2mmu_prof_fops = {
	.owner		= THIS_MODULE,
	.open		= s2mmu_prof_open,
	.read		= seq_read,
	.write		= s2mmu_prof_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

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
	st->lock_inversions = atomic64_read(&s2mmu_lock_inversions);
	st->lock_inversions_provoked =
		atomic64_read(&s2mmu_lock_inversions_provoked);
	st->info_pages = atomic64_read(&s2mmu_info_pages);
}

static int s2mmu_module_stats_show(struct seq_file *m, void *v)
{
	struct s2mmu_module_stats st;

	s2mmu_module_stats(&st);
	seq_printf(m, "vms %llu\ntable_pages %llu\npages_pinned %llu\n"
		   "lock_inversions %llu\nlock_inversions_provoked %llu\n"
		   "lock_untracked %lld\ninfo_pages %llu\n",
		   st.vms, st.table_pages, st.pages_pinned, st.lock_inversions,
		   st.lock_inversions_provoked,
		   (s64)atomic64_read(&s2mmu_lock_untracked), st.info_pages);
	return 0;
}

DEFINE_SHOW_ATTRIBUTE(s2mmu_module_stats);

int s2mmu_stats_init(void)
{
	s2mmu_debugfs_root = debugfs_create_dir("s2mmu", NULL);
	debugfs_create_file("module_stats", 0444, s2mmu_debugfs_root, NULL,
			    &s2mmu_module_stats_fops);
	debugfs_create_file("profile", 0644, s2mmu_debugfs_root, NULL,
			    &s2mmu_prof_fops);
	return 0;
}

void s2mmu_stats_exit(void)
{
	debugfs_remove_recursive(s2mmu_debugfs_root);
	/* Table pages still waiting for a grace period are freed by now. */
	rcu_barrier();
	WARN_ON(atomic64_read(&s2mmu_table_pages));
	WARN_ON(atomic64_read(&s2mmu_pages_pinned));
}
