// SPDX-License-Identifier: GPL-2.0
/*
 * s2mmu alternate views (Xen's altp2m, for arm64): extra stage-2 tables
 * of one VM over the same memory slots, each with its own mem_access
 * restrictions, selected per vCPU.  A view maps a host page only while
 * view 0 maps it (view 0's pin record holds the page): a fault in a view
 * first resolves the page through view 0's fault path, then copies view
 * 0's leaf into the view, narrowed by the view's restrictions.  Every
 * view-0 operation that removes or write-protects mappings applies the
 * same range operation to every view in the same mmu_lock hold, before
 * any pin is released.  See Documentation/views.rst.
 */
#include <linux/atomic.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/printk.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include <uapi/linux/s2mmu.h>
#include "s2_desc.h"
#include "s2_pgtable.h"
#include "s2mmu.h"
#include "s2mmu_vm.h"
#include "s2mmu_views.h"
#include "s2mmu_lockrank.h"

/* ---- lifetime ---- */

/*
 * A view's table runs under the VM's VMID and TLB backend: a guest's own
 * TLB maintenance (TLBI VAE1IS and friends) acts on the VMID it runs
 * with, so vCPUs on different views must share it or a vCPU's TLBI would
 * miss the stage-1 entries its siblings on other views cached.
 * views.rst, "VMID".
 */
static struct s2mmu_view *s2mmu_view_alloc(struct s2mmu_vm *vm)
{
	struct s2mmu_view *view = kzalloc(sizeof(*view), GFP_KERNEL_ACCOUNT);

	if (!view)
		return NULL;
	if (s2_pgtable_init(&view->pgt, vm->ipa_bits, &s2mmu_table_mm_ops,
			    vm->pgt.tlb_ops, vm)) {
		kfree(view);
		return NULL;
	}
	view->pgt.assert_locked = s2mmu_assert_mmu_lock;
	/*
	 * The guest runs a view with the VM's HCR_EL2.FWB, so its leaves use
	 * view 0's MemAttr encoding.  No I-cache sync of its own: a view leaf
	 * is executable only if view 0's leaf for the page is, and view 0
	 * synced the page before that leaf became executable (cache.c).
	 */
	view->pgt.fwb = vm->pgt.fwb;
	view->pgt.sync_icache = false;
	view->vm = vm;
	refcount_set(&view->refs, 1);
	xa_init(&view->mem_access);
	xa_init(&view->remap);
	xa_init(&view->rmap);
	return view;
}

/* Every reverse-map set, and both maps. */
static void s2mmu_rmap_free(struct s2mmu_view *view)
{
	struct s2mmu_rmap_set *set;
	unsigned long b;

	xa_for_each(&view->rmap, b, set)
		kfree(set);
	xa_destroy(&view->rmap);
	xa_destroy(&view->remap);
}

/*
 * The last reference: the view was emptied and unpublished by
 * s2mmu_destroy_view() (or the VM is going), and no vCPU runs on it (a
 * vCPU on a view holds a reference for as long as it may enter it).
 */
static void s2mmu_view_put(struct s2mmu_view *view)
{
	if (!refcount_dec_and_test(&view->refs))
		return;
	/* Before the root goes: no walk cache may keep a path through it. */
	view->pgt.tlb_ops->flush_vmid(&view->pgt);
	view->pgt.assert_locked = NULL;	/* the last user: no lock to hold */
	s2_pgtable_destroy(&view->pgt);
	xa_destroy(&view->mem_access);
	s2mmu_rmap_free(view);
	kfree(view);
}

/**
 * s2mmu_create_view() - S2MMU_CREATE_VIEW
 * @vm: the VM
 * @arg: must be 0
 *
 * Return: the new view's id, or -EINVAL, -ENOSPC, -ENOMEM.
 */
int s2mmu_create_view(struct s2mmu_vm *vm, unsigned long arg)
{
	struct s2mmu_view *view;
	int id;

	if (arg)
		return -EINVAL;
	view = s2mmu_view_alloc(vm);
	if (!view)
		return -ENOMEM;
	s2mmu_mutex_lock(&vm->views_lock, S2MMU_RANK_VIEWS_LOCK);
	for (id = 1; id < S2MMU_MAX_VIEWS; id++)
		if (!vm->views[id])
			break;
	if (id < S2MMU_MAX_VIEWS) {
		view->id = id;
		s2mmu_write_lock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
		vm->views[id] = view;
		vm->nr_views++;
		s2mmu_write_unlock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	}
	s2mmu_mutex_unlock(&vm->views_lock, S2MMU_RANK_VIEWS_LOCK);
	if (id == S2MMU_MAX_VIEWS) {
		s2mmu_view_put(view);
		return -ENOSPC;
	}
	return id;
}

/*
 * Unmap [@start, @end) of @view with the write side of view 0's mmu_lock
 * held, one chunk per hold: the lock is dropped between chunks so that
 * a whole-IPA-space unmap never holds the CPU or the lock for long.
 */
static void s2mmu_view_unmap_chunked(struct s2mmu_view *view, u64 start,
				     u64 end)
{
	struct s2mmu_vm *vm = view->vm;
	u64 next;

	lockdep_assert_held_write(&vm->mmu_lock);
	for (; start < end; start = next) {
		next = s2mmu_chunk_end(start, end);
		WARN_ON_ONCE(s2_unmap(&view->pgt, start, next - start));
		if (next < end) {
			s2mmu_write_unlock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
			cond_resched();
			s2mmu_write_lock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
		}
	}
}

/*
 * Empty a dead view, one chunk per mmu_lock hold.  It stays published
 * meanwhile, so every view-0 removal still reaches what is left of it:
 * no pin can be released while it maps the page.  Faults install nothing
 * in a dead view.
 */
static void s2mmu_view_empty(struct s2mmu_view *view)
{
	struct s2mmu_vm *vm = view->vm;

	s2mmu_write_lock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	WRITE_ONCE(view->dead, true);
	s2mmu_view_unmap_chunked(view, 0, BIT_ULL(vm->ipa_bits));
	vm->views[view->id] = NULL;
	vm->nr_views--;
	s2mmu_write_unlock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
}

/**
 * s2mmu_destroy_view() - S2MMU_DESTROY_VIEW
 * @vm: the VM
 * @arg: the view's id
 *
 * vCPUs switched to the view hold it until their next entry, which
 * moves them to view 0 (s2mmu_vcpu_table()); it is empty from now on.
 *
 * Return: 0, -EINVAL or -ENOENT.
 */
int s2mmu_destroy_view(struct s2mmu_vm *vm, unsigned long arg)
{
	struct s2mmu_view *view;

	if (!arg || arg >= S2MMU_MAX_VIEWS)
		return -EINVAL;
	s2mmu_mutex_lock(&vm->views_lock, S2MMU_RANK_VIEWS_LOCK);
	view = vm->views[arg];
	if (view)
		s2mmu_view_empty(view);
	s2mmu_mutex_unlock(&vm->views_lock, S2MMU_RANK_VIEWS_LOCK);
	if (!view)
		return -ENOENT;
	s2mmu_view_put(view);
	return 0;
}

/**
 * s2mmu_view_get_locked() - the view @id, which stays while views_lock is
 *	held
 * @vm: the VM; views_lock held
 * @id: a view id below %S2MMU_MAX_VIEWS, not 0
 *
 * Return: the view, or NULL when there is none.
 */
struct s2mmu_view *s2mmu_view_get_locked(struct s2mmu_vm *vm, u32 id)
{
	lockdep_assert_held(&vm->views_lock);
	return vm->views[id];
}

/**
 * s2mmu_switch_view() - S2MMU_SWITCH_VIEW
 * @vcpu: the vCPU
 * @arg: the view's id, 0 for view 0
 *
 * Return: 0, -EINVAL, -ENOENT or -EBUSY.
 */
int s2mmu_switch_view(struct s2mmu_vcpu *vcpu, unsigned long arg)
{
	struct s2mmu_vm *vm = vcpu->vm;
	struct s2mmu_view *view = NULL, *old;

	if (arg >= S2MMU_MAX_VIEWS)
		return -EINVAL;
	if (!s2mmu_mutex_trylock(&vcpu->mutex, S2MMU_RANK_VCPU_MUTEX))
		return -EBUSY;
	s2mmu_mutex_lock(&vm->views_lock, S2MMU_RANK_VIEWS_LOCK);
	if (arg) {
		view = vm->views[arg];
		if (view)
			refcount_inc(&view->refs);
	}
	s2mmu_mutex_unlock(&vm->views_lock, S2MMU_RANK_VIEWS_LOCK);
	if (arg && !view) {
		s2mmu_mutex_unlock(&vcpu->mutex, S2MMU_RANK_VCPU_MUTEX);
		return -ENOENT;
	}
	old = vcpu->view;
	vcpu->view = view;
	s2mmu_mutex_unlock(&vcpu->mutex, S2MMU_RANK_VCPU_MUTEX);
	if (old)
		s2mmu_view_put(old);
	return 0;
}

/* ---- S2MMU_VIEW_CHANGE_GFN ---- */

/* The frame @gfn shows in @view: its remap, or itself. */
static u64 s2mmu_view_frame(struct s2mmu_view *view, u64 gfn)
{
	void *e = xa_load(&view->remap, gfn);

	return e ? xa_to_value(e) : gfn;
}

/* @set (may be NULL) with @a added, or NULL for no memory. */
static struct s2mmu_rmap_set *s2mmu_rmap_with(struct s2mmu_rmap_set *set,
					      u64 a)
{
	u32 nr = set ? set->nr : 0;
	struct s2mmu_rmap_set *n;

	n = kmalloc(struct_size(n, gfn, nr + 1), GFP_KERNEL_ACCOUNT);
	if (!n)
		return NULL;
	if (nr)
		memcpy(n->gfn, set->gfn, nr * sizeof(*n->gfn));
	n->gfn[nr] = a;
	n->nr = nr + 1;
	return n;
}

/* @set without @a: a copy (n->nr 0 for none left), or NULL for no memory. */
static struct s2mmu_rmap_set *s2mmu_rmap_without(struct s2mmu_rmap_set *set,
						 u64 a)
{
	struct s2mmu_rmap_set *n;
	u32 i;

	n = kmalloc(struct_size(n, gfn, set->nr), GFP_KERNEL_ACCOUNT);
	if (!n)
		return NULL;
	n->nr = 0;
	for (i = 0; i < set->nr; i++)
		if (set->gfn[i] != a)
			n->gfn[n->nr++] = set->gfn[i];
	return n;
}

/**
 * struct s2mmu_remap_change - one S2MMU_VIEW_CHANGE_GFN, prepared
 * @a: the frame that changes
 * @b: the frame it shows from now on (@a: its own)
 * @old_b: the frame it showed
 * @rb: where the reverse map records @a from now on (@b, or the wrong
 *	frame under the test flag)
 * @add: the new set for @rb, or NULL when the reverse map keeps it
 * @del: the new set for @old_b, or NULL when it has no @a
 */
struct s2mmu_remap_change {
	u64			a;
	u64			b;
	u64			old_b;
	u64			rb;
	struct s2mmu_rmap_set	*add;
	struct s2mmu_rmap_set	*del;
};

/*
 * Everything that may fail or sleep, before mmu_lock: the new sets and
 * the xarray slots they go to (a store into a reserved slot or over an
 * entry allocates nothing).  views_lock held: nothing else changes them.
 */
static int s2mmu_remap_prepare(struct s2mmu_view *view,
			       struct s2mmu_remap_change *c)
{
	struct s2mmu_rmap_set *old = xa_load(&view->rmap, c->old_b);
	u32 i;

	if (c->old_b != c->a && c->old_b != c->rb && old)
		for (i = 0; i < old->nr; i++)
			if (old->gfn[i] == c->a) {
				c->del = s2mmu_rmap_without(old, c->a);
				if (!c->del)
					return -ENOMEM;
				break;
			}
	if (c->b == c->a)
		return 0;
	if (c->old_b != c->rb)
		c->add = s2mmu_rmap_with(xa_load(&view->rmap, c->rb), c->a);
	if ((c->old_b != c->rb && !c->add) ||
	    xa_reserve(&view->rmap, c->rb, GFP_KERNEL_ACCOUNT) ||
	    xa_reserve(&view->remap, c->a, GFP_KERNEL_ACCOUNT)) {
		kfree(c->add);
		kfree(c->del);
		xa_release(&view->rmap, c->rb);
		return -ENOMEM;
	}
	return 0;
}

/*
 * Under mmu_lock (write): both maps change, the sequence moves (a fault
 * that read the old remap starts over) and the view's entry for @a goes.
 * Return: the sets replaced, to free once the lock is dropped.
 */
static void s2mmu_remap_commit(struct s2mmu_view *view,
			       struct s2mmu_remap_change *c, void **freed)
{
	lockdep_assert_held_write(&view->vm->mmu_lock);
	if (c->del && !c->del->nr) {
		freed[0] = xa_erase(&view->rmap, c->old_b);
		kfree(c->del);
	} else if (c->del) {
		freed[0] = xa_store(&view->rmap, c->old_b, c->del, GFP_NOWAIT);
	}
	if (c->add)
		freed[1] = xa_store(&view->rmap, c->rb, c->add, GFP_NOWAIT);
	if (c->b == c->a)
		xa_erase(&view->remap, c->a);
	else
		xa_store(&view->remap, c->a, xa_mk_value(c->b), GFP_NOWAIT);
	/* The maps before the move: pairs with the fault's acquire. */
	smp_store_release(&view->ma_seq, view->ma_seq + 1);
	WARN_ON_ONCE(s2_unmap(&view->pgt, c->a << PAGE_SHIFT, PAGE_SIZE));
}

static int s2mmu_change_gfn_check(struct s2mmu_vm *vm,
				  const struct s2mmu_view_change_gfn *cg)
{
	u64 top = BIT_ULL(vm->ipa_bits - PAGE_SHIFT);

	if (cg->flags & ~S2MMU_VIEW_CHANGE_GFN_TEST_STALE ||
	    (cg->flags && !READ_ONCE(s2mmu_test_hooks)) ||
	    cg->reserved[0] || cg->reserved[1] || !cg->view ||
	    cg->view >= S2MMU_MAX_VIEWS || cg->gfn >= top ||
	    (cg->new_gfn >= top && cg->new_gfn != S2MMU_VIEW_GFN_RESET))
		return -EINVAL;
	return 0;
}

/**
 * s2mmu_view_change_gfn() - S2MMU_VIEW_CHANGE_GFN
 * @vm: the VM
 * @argp: user pointer to &struct s2mmu_view_change_gfn
 *
 * Return: 0 or a negative errno (the uapi header lists them).
 */
int s2mmu_view_change_gfn(struct s2mmu_vm *vm, void __user *argp)
{
	struct s2mmu_view_change_gfn cg;
	struct s2mmu_remap_change c = { };
	struct s2mmu_view *view;
	void *freed[2] = { };
	int ret = 0;

	if (copy_from_user(&cg, argp, sizeof(cg)))
		return -EFAULT;
	ret = s2mmu_change_gfn_check(vm, &cg);
	if (ret)
		return ret;
	c.a = cg.gfn;
	c.b = cg.new_gfn == S2MMU_VIEW_GFN_RESET ? cg.gfn : cg.new_gfn;
	c.rb = c.b + !!(cg.flags & S2MMU_VIEW_CHANGE_GFN_TEST_STALE);
	s2mmu_mutex_lock(&vm->views_lock, S2MMU_RANK_VIEWS_LOCK);
	view = s2mmu_view_get_locked(vm, cg.view);
	if (!view) {
		ret = -ENOENT;
		goto out;
	}
	c.old_b = s2mmu_view_frame(view, c.a);
	if (c.old_b == c.b && !cg.flags)
		goto out;
	ret = s2mmu_remap_prepare(view, &c);
	if (ret)
		goto out;
	s2mmu_write_lock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	s2mmu_remap_commit(view, &c, freed);
	s2mmu_write_unlock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	kfree(freed[0]);
	kfree(freed[1]);
out:
	s2mmu_mutex_unlock(&vm->views_lock, S2MMU_RANK_VIEWS_LOCK);
	return ret;
}

/**
 * s2mmu_vcpu_table() - the table @vcpu enters next
 * @vcpu: the vCPU; its mutex held (S2MMU_RUN)
 *
 * A vCPU whose view was destroyed moves to view 0 here, and drops the
 * last reference that kept the view's (empty) table alive.
 *
 * Return: the view's table, or view 0's.
 */
struct s2_pgtable *s2mmu_vcpu_table(struct s2mmu_vcpu *vcpu)
{
	struct s2mmu_view *view = vcpu->view;

	lockdep_assert_held(&vcpu->mutex);
	if (view && READ_ONCE(view->dead)) {
		vcpu->view = NULL;
		s2mmu_view_put(view);
		atomic64_inc(s2mmu_vm_stat(vcpu->vm, view_fallbacks));
		view = NULL;
	}
	return view ? &view->pgt : &vcpu->vm->pgt;
}

/**
 * s2mmu_vcpu_views_release() - drop the vCPU's view, as it goes
 * @vcpu: the vCPU, which no thread uses any more
 */
void s2mmu_vcpu_views_release(struct s2mmu_vcpu *vcpu)
{
	if (vcpu->view)
		s2mmu_view_put(vcpu->view);
	vcpu->view = NULL;
}

/**
 * s2mmu_views_free() - free the views of a VM being destroyed
 * @vm: the VM; its last reference is gone and its vCPUs are freed
 *
 * Before view 0's table and the pins: no view may map a page whose pin
 * is released.
 */
void s2mmu_views_free(struct s2mmu_vm *vm)
{
	int id;

	for (id = 1; id < S2MMU_MAX_VIEWS; id++) {
		struct s2mmu_view *view = vm->views[id];

		if (!view)
			continue;
		vm->views[id] = NULL;
		/* Every vCPU reference went with the vCPUs: the last one. */
		WARN_ON_ONCE(refcount_read(&view->refs) != 1);
		s2mmu_view_put(view);
	}
	vm->nr_views = 0;
}

/**
 * s2mmu_views_tlbi() - TLB invalidations issued by the views' tables
 * @vm: the VM
 * @nr: out: views that exist now
 *
 * Return: the sum over the views that exist now.
 */
u64 s2mmu_views_tlbi(struct s2mmu_vm *vm, u64 *nr)
{
	struct s2_stats es;
	u64 sum = 0;
	int id;

	*nr = 0;
	s2mmu_mutex_lock(&vm->views_lock, S2MMU_RANK_VIEWS_LOCK);
	for (id = 1; id < S2MMU_MAX_VIEWS; id++) {
		if (!vm->views[id])
			continue;
		s2_stats_read(&vm->views[id]->pgt, &es);
		sum += es.tlbi_ipa + es.tlbi_range + es.tlbi_vmid;
		(*nr)++;
	}
	s2mmu_mutex_unlock(&vm->views_lock, S2MMU_RANK_VIEWS_LOCK);
	return sum;
}

/* ---- following view 0 ---- */

/* The page view 0 maps at @gfn, or -1 for none. */
static phys_addr_t s2mmu_view0_pa(struct s2mmu_vm *vm, u64 gfn)
{
	u64 ipa = gfn << PAGE_SHIFT;
	s2_pte_t pte;
	s8 level;

	if (s2_get_leaf(&vm->pgt, ipa, &pte, &level) || !s2_desc_valid(pte))
		return (phys_addr_t)-1;
	return s2_desc_leaf_pa(pte, level, ipa);
}

/* Entries of one view a reverse-map pass removes, in runs. */
#define S2MMU_RMAP_BATCH	32

struct s2mmu_rmap_batch {
	int	nr;
	u64	gfn[S2MMU_RMAP_BATCH];
};

/* Apply @op to the batched frames, each run of neighbours at once. */
static void s2mmu_rmap_flush(struct s2mmu_view *view, enum s2mmu_view_op op,
			     struct s2mmu_rmap_batch *b)
{
	int i, j, run;
	u64 t;

	for (i = 1; i < b->nr; i++)	/* a few entries: insertion sort */
		for (j = i; j > 0 && b->gfn[j - 1] > b->gfn[j]; j--) {
			t = b->gfn[j];
			b->gfn[j] = b->gfn[j - 1];
			b->gfn[j - 1] = t;
		}
	for (i = 0; i < b->nr; i += run) {
		for (run = 1; i + run < b->nr &&
		     b->gfn[i + run] == b->gfn[i] + run; run++)
			;
		if (op == S2MMU_VIEW_UNMAP)
			WARN_ON_ONCE(s2_unmap(&view->pgt, b->gfn[i] << PAGE_SHIFT,
					      (u64)run << PAGE_SHIFT));
		else
			WARN_ON_ONCE(s2_wrprotect(&view->pgt,
						  b->gfn[i] << PAGE_SHIFT,
						  (u64)run << PAGE_SHIFT));
	}
	b->nr = 0;
}

/*
 * The checked removal: the view's entry at @a is touched only if it
 * maps @pa, the page view 0 has for the frame @b it shows.  Nothing
 * mapped: nothing to do.  Anything else is a reverse map gone wrong:
 * the entry is left as it is, counted and reported, never torn down on
 * the word of a stale record.
 */
static bool s2mmu_rmap_entry_ok(struct s2mmu_view *view, u64 a, u64 b,
				phys_addr_t pa)
{
	struct s2mmu_vm *vm = view->vm;
	u64 ipa = a << PAGE_SHIFT;
	s2_pte_t pte;
	s8 level;

	if (s2_get_leaf(&view->pgt, ipa, &pte, &level) || !s2_desc_valid(pte))
		return false;
	if (s2_desc_leaf_pa(pte, level, ipa) == pa) {
		atomic64_inc(s2mmu_vm_stat(vm, view_rmap_hits));
		return true;
	}
	atomic64_inc(s2mmu_vm_stat(vm, view_rmap_mismatches));
	pr_warn_ratelimited("s2mmu: VM %u view %u: frame %#llx does not show frame %#llx's page: left as it is\n",
			    vm->id, view->id, a, b);
	return false;
}

/*
 * The entries of @view that show a frame of [@ipa, @ipa + @size) from
 * elsewhere (S2MMU_VIEW_CHANGE_GFN), found through the reverse map: the
 * cost follows what the view remaps there, not the size of the range.
 */
static void s2mmu_rmap_follow(struct s2mmu_view *view, enum s2mmu_view_op op,
			      u64 ipa, u64 size, const phys_addr_t *want)
{
	struct s2mmu_rmap_batch batch = { .nr = 0 };
	struct s2mmu_rmap_set *set;
	unsigned long b;
	phys_addr_t pa;
	u32 i;

	xa_for_each_range(&view->rmap, b, set, ipa >> PAGE_SHIFT,
			  ((ipa + size) >> PAGE_SHIFT) - 1) {
		pa = want ? *want : s2mmu_view0_pa(view->vm, b);
		for (i = 0; i < set->nr; i++) {
			if (!s2mmu_rmap_entry_ok(view, set->gfn[i], b, pa))
				continue;
			batch.gfn[batch.nr++] = set->gfn[i];
			if (batch.nr == S2MMU_RMAP_BATCH)
				s2mmu_rmap_flush(view, op, &batch);
		}
	}
	s2mmu_rmap_flush(view, op, &batch);
}

/* Every view: the reverse map with @want (or view 0's pages), then the range. */
static void s2mmu_views_follow_pa(struct s2mmu_vm *vm, enum s2mmu_view_op op,
				  u64 ipa, u64 size, const phys_addr_t *want)
{
	int id, ret;

	lockdep_assert_held_write(&vm->mmu_lock);
	if (!vm->nr_views)
		return;
	for (id = 1; id < S2MMU_MAX_VIEWS; id++) {
		struct s2mmu_view *view = vm->views[id];

		if (!view)
			continue;
		s2mmu_rmap_follow(view, op, ipa, size, want);
		if (op == S2MMU_VIEW_UNMAP)
			ret = s2_unmap(&view->pgt, ipa, size);
		else
			ret = s2_wrprotect(&view->pgt, ipa, size);
		WARN_ON_ONCE(ret);
		atomic64_inc(s2mmu_vm_stat(vm, view_propagations));
	}
}

/**
 * s2mmu_views_follow() - apply a view-0 range operation to every view
 * @vm: the VM; mmu_lock held for write, in the same hold as the view-0
 *	operation and before any pin it frees is released
 * @op: %S2MMU_VIEW_UNMAP or %S2MMU_VIEW_WRPROTECT
 * @ipa: first IPA, page aligned
 * @size: bytes, page aligned
 *
 * One engine range operation per view, so one batched invalidation per
 * view (none where the view maps nothing), after the entries that show
 * the range's frames elsewhere (the reverse map) -- while view 0 still
 * maps them, for the check.  Views hold 4K leaves only: no block is ever
 * split here.
 */
void s2mmu_views_follow(struct s2mmu_vm *vm, enum s2mmu_view_op op,
			u64 ipa, u64 size)
{
	s2mmu_views_follow_pa(vm, op, ipa, size, NULL);
}

/**
 * s2mmu_views_forget_page() - view 0 replaced its page @pa at @ipa
 * @vm: the VM; mmu_lock held for write, before the pin of @pa goes
 * @ipa: the page's IPA
 * @pa: the page view 0 no longer maps there
 *
 * View 0 already maps the new page, so the views' entries showing the
 * frame are checked against the old one.
 */
void s2mmu_views_forget_page(struct s2mmu_vm *vm, u64 ipa, phys_addr_t pa)
{
	s2mmu_views_follow_pa(vm, S2MMU_VIEW_UNMAP, ipa, PAGE_SIZE, &pa);
}

/**
 * s2mmu_view_revoke() - a restriction of @view was tightened on
 *	[@start, @end): remove the view's mappings there
 * @view: the view; its VM's views_lock held (it stays)
 * @start: first IPA
 * @end: IPA after the last
 *
 * Moves @view->ma_seq first, in each hold: a fault that read the old
 * restriction starts over rather than map with it.
 */
void s2mmu_view_revoke(struct s2mmu_view *view, u64 start, u64 end)
{
	struct s2mmu_vm *vm = view->vm;

	s2mmu_write_lock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	/* The caller's store before the move: pairs with the fault's. */
	smp_store_release(&view->ma_seq, view->ma_seq + 1);
	s2mmu_view_unmap_chunked(view, start, end);
	s2mmu_write_unlock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
}

/* ---- aging ---- */

/*
 * The view's own entries of [@ipa, @end): each frame showing its own page,
 * so a remapped frame (which shows another frame's page) is skipped.
 */
static u64 s2mmu_view_age_own(struct s2mmu_view *view, u64 ipa, u64 end,
			      bool clear)
{
	u64 young = 0, at;
	unsigned long a;
	void *e;

	xa_for_each_range(&view->remap, a, e, ipa >> PAGE_SHIFT,
			  (end >> PAGE_SHIFT) - 1) {
		at = (u64)a << PAGE_SHIFT;
		if (at > ipa)
			young += s2_test_clear_young(&view->pgt, ipa, at - ipa,
						     clear);
		ipa = at + PAGE_SIZE;
	}
	if (ipa < end)
		young += s2_test_clear_young(&view->pgt, ipa, end - ipa, clear);
	return young;
}

/* The view's entries at the frames that show a frame of [@ipa, @end). */
static u64 s2mmu_view_age_remapped(struct s2mmu_view *view, u64 ipa, u64 end,
				   bool clear)
{
	struct s2mmu_rmap_set *set;
	unsigned long b;
	u64 young = 0;
	u32 i;

	xa_for_each_range(&view->rmap, b, set, ipa >> PAGE_SHIFT,
			  (end >> PAGE_SHIFT) - 1)
		for (i = 0; i < set->nr; i++)
			young += s2_test_clear_young(&view->pgt,
						     set->gfn[i] << PAGE_SHIFT,
						     PAGE_SIZE, clear);
	return young;
}

/**
 * s2mmu_views_age() - the access flags of the views' leaves that map the
 *	pages of view 0's frames [@ipa, @ipa + @size)
 * @vm: the VM; mmu_lock held, the read side is enough: the flags change
 *	by compare-and-exchange, and the view list, the remaps and the
 *	reverse maps change only under the write side
 * @ipa: first IPA, page aligned
 * @size: bytes, page aligned
 * @clear: clear the flags found set, so that the next access through the
 *	view faults and sets it again
 *
 * A guest on a view touches the view's leaves only, which copy view 0's
 * leaf as it was when they were made: reclaim asking about a page must
 * look at them too, or a page used only through a view looks idle.  The
 * page of a frame B is mapped in a view at B (unless B is remapped
 * there) and at every frame the reverse map says shows B.
 *
 * Return: the leaves found young, every view's.
 */
u64 s2mmu_views_age(struct s2mmu_vm *vm, u64 ipa, u64 size, bool clear)
{
	u64 young = 0;
	int id;

	lockdep_assert_held(&vm->mmu_lock);
	if (!vm->nr_views)
		return 0;
	for (id = 1; id < S2MMU_MAX_VIEWS; id++) {
		struct s2mmu_view *view = vm->views[id];

		if (!view)
			continue;
		young += s2mmu_view_age_own(view, ipa, ipa + size, clear);
		young += s2mmu_view_age_remapped(view, ipa, ipa + size, clear);
	}
	return young;
}

/* ---- faults on a view ---- */

/*
 * Copy view 0's leaf for the page at @src (@ipa's page, or the page it
 * shows: S2MMU_VIEW_CHANGE_GFN) into @view at @ipa, narrowed to
 * @allowed, if view 0 maps it with what the access needs.  Under mmu_lock (read):
 * whatever removes or protects view 0's leaf later does the same to the
 * view's in its write-side hold.
 * Return: 0 mapped, -ENOENT view 0 must fault first, -EAGAIN start over.
 */
static int s2mmu_view_install(struct s2mmu_vcpu *vcpu,
			      struct s2mmu_view *view, u64 ipa, u64 src,
			      u32 need, u32 allowed, unsigned long seq)
{
	struct s2mmu_vm *vm = vcpu->vm;
	u64 page = ipa & PAGE_MASK;
	s2_pte_t pte;
	u32 prot;
	s8 level;
	int ret;

	s2mmu_read_lock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	if (READ_ONCE(view->dead) || READ_ONCE(view->ma_seq) != seq) {
		ret = -EAGAIN;
		goto out;
	}
	if (s2_get_leaf(&vm->pgt, src, &pte, &level) || !s2_desc_valid(pte) ||
	    (s2_leaf_prot(pte) & need) != need) {
		ret = -ENOENT;
		goto out;
	}
	prot = s2_leaf_prot(pte) & ~(S2_PROT_PERMS & ~allowed);
	ret = s2_map(&view->pgt, page, PAGE_SIZE,
		     s2_desc_leaf_pa(pte, level, src), prot, &vcpu->mc,
		     S2_WALK_SHARED);
	if (ret == S2_PERMS_DIFFER)
		ret = s2_relax_perms(&view->pgt, page, prot & S2_PROT_PERMS,
				     S2_WALK_SHARED);
	if (ret >= 0) {
		atomic64_inc(s2mmu_vm_stat(vm, view_maps));
		ret = 0;
	} else if (ret != -EAGAIN) {
		ret = -ENOENT;
	}
out:
	s2mmu_read_unlock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	return ret;
}

/*
 * The syndrome view 0's fault path is given: the view's says nothing of
 * view 0's leaf (its level is the view's), so it is rebuilt from view 0's
 * table -- a permission fault at the level of the leaf view 0 has, or a
 * translation fault of a page.
 */
static u64 s2mmu_view_esr0(struct s2mmu_vm *vm, u64 ipa, u64 esr)
{
	s2_pte_t pte;
	s8 level;

	esr &= ~S2MMU_ESR_FSC_MASK;
	if (!s2_get_leaf(&vm->pgt, ipa & PAGE_MASK, &pte, &level) &&
	    s2_desc_valid(pte))
		return esr | S2_FSC_PERM | level;
	return esr | S2_FSC_TRANSLATION | S2_MAX_LEVEL;
}

/*
 * An access-flag fault on a view: aging cleared the flag of a leaf the
 * view has.  Set it in place, as view 0's fault path does: the leaf keeps
 * its page and permissions (whatever removes or narrows them removes the
 * leaf, under the write side), so no break-before-make and no TLBI (an
 * entry without the flag is never in a TLB).
 * Return: 0 set (or set by another vCPU meanwhile); else the full path.
 */
static int s2mmu_view_mkyoung(struct s2mmu_vm *vm, struct s2mmu_view *view,
			      u64 ipa)
{
	int ret = -EAGAIN;

	s2mmu_read_lock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	if (!READ_ONCE(view->dead))
		ret = s2_mkyoung(&view->pgt, ipa & PAGE_MASK, S2_WALK_SHARED);
	s2mmu_read_unlock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	if (!ret)
		atomic64_inc(s2mmu_vm_stat(vm, access_flag_set));
	return ret < 0 ? ret : 0;
}

/**
 * s2mmu_view_fault() - a stage-2 fault of a vCPU running on a view
 * @vcpu: the vCPU; its mutex held, @vcpu->view set
 * @ipa: the faulting IPA
 * @esr: the syndrome
 *
 * The view's restriction first (its event names @ipa), then view 0's
 * fault path for the page @ipa shows in the view (its restrictions,
 * pins, dirty log), then the copy into the view.
 *
 * Return: as s2mmu_handle_fault().
 */
int s2mmu_view_fault(struct s2mmu_vcpu *vcpu, u64 ipa, u64 esr)
{
	struct s2mmu_view *view = vcpu->view;
	u32 kind, need, allowed;
	unsigned long seq;
	u64 src;
	int ret;

	atomic64_inc(s2mmu_vm_stat(vcpu->vm, view_faults));
	/* Being destroyed: the run loop moves the vCPU to view 0. */
	if (READ_ONCE(view->dead))
		return S2MMU_FAULT_RETRY;
	if ((esr & S2_FSC_TYPE_MASK) == S2_FSC_ACCESS &&
	    !s2mmu_view_mkyoung(vcpu->vm, view, ipa))
		return S2MMU_FAULT_RETRY;
	ret = s2_memcache_topup(&vcpu->mc, S2_MEMCACHE_MIN_MAP,
				&s2mmu_table_mm_ops, NULL);
	if (ret)
		return ret;
	s2mmu_abort_need(esr, &kind, &need);
	/* Before the restriction is read: pairs with s2mmu_view_revoke(). */
	seq = smp_load_acquire(&view->ma_seq);
	ret = s2mmu_mem_access_check(vcpu, view, ipa, kind, need, &allowed);
	if (ret)
		return ret == -EAGAIN ? S2MMU_FAULT_RETRY : ret;
	src = s2mmu_view_frame(view, ipa >> PAGE_SHIFT) << PAGE_SHIFT;
	ret = s2mmu_view_install(vcpu, view, ipa, src, need, allowed, seq);
	if (ret == -ENOENT) {
		src |= ipa & ~PAGE_MASK;
		ret = s2mmu_resolve_fault(vcpu, src,
					  s2mmu_view_esr0(vcpu->vm, src, esr));
		if (ret != S2MMU_FAULT_RETRY)
			return ret;
		s2mmu_view_install(vcpu, view, ipa, src & PAGE_MASK, need,
				   allowed, seq);
	}
	/* Not there yet (raced, or view 0 lost it again): the guest retries. */
	return S2MMU_FAULT_RETRY;
}
