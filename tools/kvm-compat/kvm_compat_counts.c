// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-compat: what the dirty-log ioctls cost s2mmu, for `make vm-bench`.
 * With KVM_COMPAT_COUNTS set in the environment, the layer reads the VM's
 * counters (S2MMU_GET_STATS) around every KVM_SET_USER_MEMORY_REGION,
 * KVM_GET_DIRTY_LOG and KVM_CLEAR_DIRTY_LOG, adds up the differences per
 * ioctl, and prints one line per ioctl at exit:
 *
 *   kvm-compat counts IOCTL calls=N bbm=N tlbi=N table_pages=N relax=N
 *     walks=N leaves=N protected=N lock_holds=N words=N user_copies=N
 *
 * (tlbi: by IPA, range and VMID; table_pages: pages gained, a split adds
 * one per 2 MiB block; walks, leaves and protected: the stage-2 walks of
 * the dirty-log ioctls, the leaves they looked at and write-protected;
 * lock_holds: write-side holds of mmu_lock; words: words of dirty log
 * read; user_copies: copies to or from the caller's bitmap).  A timed
 * phase of a KVM selftest then comes with the work s2mmu did in it; the
 * two extra ioctls per call cost microseconds against phases of
 * milliseconds.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "kvm_compat.h"

static const char *const kc_count_names[KC_COUNT_NR] = {
	[KC_COUNT_SET_REGION]	= "set_user_memory_region",
	[KC_COUNT_GET_LOG]	= "get_dirty_log",
	[KC_COUNT_CLEAR_LOG]	= "clear_dirty_log",
};

struct kc_count {
	uint64_t calls, bbm, tlbi, table_pages, relax;
	uint64_t walks, leaves, protected, lock_holds, words, user_copies;
};

static struct kc_count kc_counts[KC_COUNT_NR];
static int kc_counts_on = -1;

static void kc_counts_print(void)
{
	const struct kc_count *c;
	int i;

	for (i = 0; i < KC_COUNT_NR; i++) {
		c = &kc_counts[i];
		if (!c->calls)
			continue;
		fprintf(stderr,
			"kvm-compat counts %s calls=%llu bbm=%llu tlbi=%llu table_pages=%lld relax=%llu",
			kc_count_names[i], (unsigned long long)c->calls,
			(unsigned long long)c->bbm, (unsigned long long)c->tlbi,
			(long long)c->table_pages, (unsigned long long)c->relax);
		fprintf(stderr,
			" walks=%llu leaves=%llu protected=%llu lock_holds=%llu words=%llu user_copies=%llu\n",
			(unsigned long long)c->walks,
			(unsigned long long)c->leaves,
			(unsigned long long)c->protected,
			(unsigned long long)c->lock_holds,
			(unsigned long long)c->words,
			(unsigned long long)c->user_copies);
	}
}

static int kc_counts_enabled(void)
{
	if (kc_counts_on < 0) {
		kc_counts_on = !!getenv("KVM_COMPAT_COUNTS");
		if (kc_counts_on)
			atexit(kc_counts_print);
	}
	return kc_counts_on;
}

static uint64_t kc_tlbi(const struct s2mmu_stats *s)
{
	return s->tlbi_ipa + s->tlbi_range + s->tlbi_vmid;
}

int kc_counted_ioctl(struct kc_vm *vm, enum kc_count_id id,
		     unsigned long cmd, unsigned long arg)
{
	struct s2mmu_stats a, b;
	struct kc_count *c = &kc_counts[id];
	int ret;

	if (!kc_counts_enabled() ||
	    kc_ioctl(vm->fd, S2MMU_GET_STATS, (unsigned long)&a))
		return kc_ioctl(vm->fd, cmd, arg);
	ret = kc_ioctl(vm->fd, cmd, arg);
	if (kc_ioctl(vm->fd, S2MMU_GET_STATS, (unsigned long)&b))
		return ret;
	/* The ioctls of the test's own threads are serialised by it. */
	c->calls++;
	c->bbm += b.bbm - a.bbm;
	c->tlbi += kc_tlbi(&b) - kc_tlbi(&a);
	c->table_pages += b.table_pages - a.table_pages;
	c->relax += b.relax_perms - a.relax_perms;
	c->walks += b.dirty_log_walks - a.dirty_log_walks;
	c->leaves += b.dirty_log_leaves - a.dirty_log_leaves;
	c->protected += b.dirty_log_protected - a.dirty_log_protected;
	c->lock_holds += b.dirty_log_lock_holds - a.dirty_log_lock_holds;
	c->words += b.dirty_log_words - a.dirty_log_words;
	c->user_copies += b.dirty_log_user_copies - a.dirty_log_user_copies;
	return ret;
}
