// SPDX-License-Identifier: GPL-2.0
/*
 * s2mmu memory access restrictions (S2MMU_SET_MEM_ACCESS): a per-VM
 * sparse store of how the guest may access chosen frames, the check the
 * fault handler makes before it maps anything, the conversions of
 * rx2rw/n2rwx restrictions, and the S2MMU_EXIT_MEM_ACCESS exit.
 *
 * A restriction only ever removes permissions from what a fault maps, so
 * loosening one needs no change to the table: the next access that needs
 * the new permission takes a permission fault and relaxes the leaf in
 * place.  Tightening unmaps the range (one batched invalidation per
 * chunk) after moving the invalidate sequence, so that a fault that read
 * the old restriction cannot map with it.  See
 * Documentation/mem-access.rst.
 */
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include <uapi/linux/s2mmu.h>
#include "s2_pgtable.h"
#include "s2mmu.h"
#include "s2mmu_vm.h"
#include "s2mmu_lockrank.h"

/* Frames handled between two reschedule points of a long SET. */
#define S2MMU_MA_BATCH		1024

/* What each restriction lets the guest do, in S2_PROT_* bits. */
static const u32 s2mmu_ma_perms[] = {
	[S2MMU_MEM_ACCESS_N]	 = 0,
	[S2MMU_MEM_ACCESS_R]	 = S2_PROT_R,
	[S2MMU_MEM_ACCESS_W]	 = S2_PROT_W,
	[S2MMU_MEM_ACCESS_RW]	 = S2_PROT_R | S2_PROT_W,
	[S2MMU_MEM_ACCESS_X]	 = S2_PROT_X,
	[S2MMU_MEM_ACCESS_RX]	 = S2_PROT_R | S2_PROT_X,
	[S2MMU_MEM_ACCESS_WX]	 = S2_PROT_W | S2_PROT_X,
	[S2MMU_MEM_ACCESS_RWX]	 = S2_PROT_RWX,
	[S2MMU_MEM_ACCESS_RX2RW] = S2_PROT_R | S2_PROT_X,
	[S2MMU_MEM_ACCESS_N2RWX] = 0,
};

static const char * const s2mmu_ma_names[] = {
	[S2MMU_MEM_ACCESS_N]	 = "n",
	[S2MMU_MEM_ACCESS_R]	 = "r",
	[S2MMU_MEM_ACCESS_W]	 = "w",
	[S2MMU_MEM_ACCESS_RW]	 = "rw",
	[S2MMU_MEM_ACCESS_X]	 = "x",
	[S2MMU_MEM_ACCESS_RX]	 = "rx",
	[S2MMU_MEM_ACCESS_WX]	 = "wx",
	[S2MMU_MEM_ACCESS_RWX]	 = "rwx",
	[S2MMU_MEM_ACCESS_RX2RW] = "rx2rw",
	[S2MMU_MEM_ACCESS_N2RWX] = "n2rwx",
};

/**
 * s2mmu_mem_access_name() - the name of a restriction, for ptdump
 * @access: an ``S2MMU_MEM_ACCESS_*`` value
 *
 * Return: its Xen name ("rx2rw", ...), or "?" for an unknown value.
 */
const char *s2mmu_mem_access_name(u32 access)
{
	return access < ARRAY_SIZE(s2mmu_ma_names) ? s2mmu_ma_names[access] : "?";
}

/* The store holds only restrictions; no entry means rwx. */
static void *s2mmu_ma_entry(u32 access)
{
	return access == S2MMU_MEM_ACCESS_RWX ? NULL : xa_mk_value(access);
}

static u32 s2mmu_ma_value(void *entry)
{
	return entry ? xa_to_value(entry) : S2MMU_MEM_ACCESS_RWX;
}

/**
 * s2mmu_mem_access_of() - the restriction of guest frame @gfn
 * @vm: the VM
 * @gfn: the frame
 *
 * Lockless (RCU inside xa_load()); a concurrent SET may change it at once.
 *
 * Return: an ``S2MMU_MEM_ACCESS_*`` value.
 */
u32 s2mmu_mem_access_of(struct s2mmu_vm *vm, u64 gfn)
{
	return s2mmu_ma_value(xa_load(&vm->mem_access, gfn));
}

/**
 * s2mmu_mem_access_perms() - what the restriction of @gfn lets the guest do
 * @vm: the VM
 * @gfn: the frame
 *
 * Lockless, as s2mmu_mem_access_of().
 *
 * Return: ``S2_PROT_*`` bits.
 */
u32 s2mmu_mem_access_perms(struct s2mmu_vm *vm, u64 gfn)
{
	return s2mmu_ma_perms[s2mmu_mem_access_of(vm, gfn)];
}

/**
 * s2mmu_mem_access_any() - is any frame of [@gfn, @gfn + @nr) restricted?
 * @vm: the VM
 * @gfn: first frame
 * @nr: frames
 *
 * A fault asks before it maps a block: restricted frames map at 4K.
 *
 * Return: true if one of them has a restriction.
 */
bool s2mmu_mem_access_any(struct s2mmu_vm *vm, u64 gfn, u64 nr)
{
	unsigned long index = gfn;

	return xa_find(&vm->mem_access, &index, gfn + nr - 1, XA_PRESENT);
}

/* ---- tightening: unmap, so that faults map again under the new rules ---- */

/*
 * Unmap IPA [@start, @end) wherever a slot maps it (and the info page,
 * if reading it is now forbidden), after moving the invalidate sequence:
 * a fault that read a restriction before it changed sampled the sequence
 * before, and starts over instead of mapping.  Each chunk of each slot
 * is one engine unmap with one batched invalidation.
 * The caller keeps the slots alive (slots_lock or the SRCU read side).
 */
static void s2mmu_ma_revoke(struct s2mmu_vm *vm, u64 start, u64 end)
{
	struct s2mmu_memslots *slots = s2mmu_slots(vm);
	u64 lo, hi;
	int i;

	s2mmu_write_lock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	s2mmu_invalidate_seq_bump(vm);
	for (i = 0; i < slots->nr; i++) {
		struct s2mmu_memslot *slot = slots->slot[i];

		lo = max(start, s2mmu_slot_base(slot));
		hi = min(end, s2mmu_slot_end(slot));
		if (lo < hi)
			s2mmu_slot_zap(vm, slot, lo, hi - lo, true);
	}
	s2mmu_info_withhold(vm, start, end);
	s2mmu_write_unlock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
}

/* The restrictions of @view: view 0's are the VM's. */
static struct xarray *s2mmu_ma_xa(struct s2mmu_vm *vm, struct s2mmu_view *view)
{
	return view ? &view->mem_access : &vm->mem_access;
}

/* Tightening [@start, @end) in @view (NULL: view 0). */
static void s2mmu_ma_tighten(struct s2mmu_vm *vm, struct s2mmu_view *view,
			     u64 start, u64 end)
{
	if (view)
		s2mmu_view_revoke(view, start, end);
	else
		s2mmu_ma_revoke(vm, start, end);
}

/* ---- S2MMU_SET_MEM_ACCESS / S2MMU_GET_MEM_ACCESS ---- */

static int s2mmu_ma_check_set(struct s2mmu_vm *vm,
			      const struct s2mmu_mem_access *ma)
{
	u64 end;

	if (ma->access > S2MMU_MEM_ACCESS_N2RWX || ma->flags || ma->pad ||
	    ma->reserved || !ma->nr_pages || ma->view >= S2MMU_MAX_VIEWS)
		return -EINVAL;
	if (check_add_overflow(ma->gfn, ma->nr_pages, &end) ||
	    end > BIT_ULL(vm->ipa_bits - PAGE_SHIFT))
		return -EINVAL;
	if (ma->nr_pages > S2MMU_MEM_ACCESS_MAX_PAGES)
		return -E2BIG;
	return 0;
}

/*
 * Give every frame that will hold a restriction and holds none yet its
 * slot in the store, so that the stores after cannot fail: a SET either
 * changes the whole range or nothing.  Undone on failure.
 */
static int s2mmu_ma_reserve(struct xarray *xa, u64 gfn, u64 nr)
{
	u64 i;
	int ret = 0;

	for (i = 0; i < nr; i++) {
		if (!xa_load(xa, gfn + i))
			ret = xa_reserve(xa, gfn + i, GFP_KERNEL_ACCOUNT);
		if (ret)
			break;
		if (!(i % S2MMU_MA_BATCH))
			cond_resched();
	}
	if (!ret)
		return 0;
	while (i--)
		xa_release(xa, gfn + i);
	return ret;
}

/*
 * Store @access for [@gfn, @gfn + @nr).  Return: whether some frame lost
 * a permission it had, which its mappings must lose too.
 */
static bool s2mmu_ma_store(struct xarray *xa, u64 gfn, u64 nr, u32 access)
{
	u32 perms = s2mmu_ma_perms[access];
	bool tighter = false;
	void *old;
	u64 i;

	for (i = 0; i < nr; i++) {
		old = xa_store(xa, gfn + i, s2mmu_ma_entry(access),
			       GFP_KERNEL_ACCOUNT);
		/* Reserved above: no allocation, so no error here. */
		if (WARN_ON_ONCE(xa_is_err(old)))
			old = NULL;
		if (s2mmu_ma_perms[s2mmu_ma_value(old)] & ~perms)
			tighter = true;
		if (!(i % S2MMU_MA_BATCH))
			cond_resched();
	}
	return tighter;
}

/* Lifting a range: only frames with an entry cost anything. */
static bool s2mmu_ma_lift(struct xarray *xa, u64 gfn, u64 nr)
{
	unsigned long index;
	unsigned int n = 0;
	void *entry;

	xa_for_each_range(xa, index, entry, gfn, gfn + nr - 1) {
		xa_erase(xa, index);
		if (!(++n % S2MMU_MA_BATCH))
			cond_resched();
	}
	return false;
}

/**
 * s2mmu_set_mem_access() - S2MMU_SET_MEM_ACCESS
 * @vm: the VM
 * @argp: user pointer to &struct s2mmu_mem_access
 *
 * Serialised with slot changes by slots_lock: the slots whose mappings a
 * tightening removes stay put meanwhile; and with view destruction by
 * views_lock: the view stays.
 *
 * Return: 0 or a negative errno (the uapi header lists them).
 */
int s2mmu_set_mem_access(struct s2mmu_vm *vm, void __user *argp)
{
	struct s2mmu_mem_access ma;
	struct s2mmu_view *view = NULL;
	struct xarray *xa;
	bool tighter = false;
	int ret;

	if (copy_from_user(&ma, argp, sizeof(ma)))
		return -EFAULT;
	ret = s2mmu_ma_check_set(vm, &ma);
	if (ret)
		return ret;

	s2mmu_mutex_lock(&vm->slots_lock, S2MMU_RANK_SLOTS_LOCK);
	s2mmu_mutex_lock(&vm->views_lock, S2MMU_RANK_VIEWS_LOCK);
	if (ma.view) {
		view = s2mmu_view_get_locked(vm, ma.view);
		if (!view)
			ret = -ENOENT;
	}
	xa = s2mmu_ma_xa(vm, view);
	if (ret) {
		/* no such view */
	} else if (ma.access == S2MMU_MEM_ACCESS_RWX) {
		tighter = s2mmu_ma_lift(xa, ma.gfn, ma.nr_pages);
	} else {
		ret = s2mmu_ma_reserve(xa, ma.gfn, ma.nr_pages);
		tighter = !ret && s2mmu_ma_store(xa, ma.gfn, ma.nr_pages,
						 ma.access);
	}
	if (tighter)
		s2mmu_ma_tighten(vm, view, ma.gfn << PAGE_SHIFT,
				 (ma.gfn + ma.nr_pages) << PAGE_SHIFT);
	s2mmu_mutex_unlock(&vm->views_lock, S2MMU_RANK_VIEWS_LOCK);
	s2mmu_mutex_unlock(&vm->slots_lock, S2MMU_RANK_SLOTS_LOCK);
	return ret;
}

/**
 * s2mmu_get_mem_access() - S2MMU_GET_MEM_ACCESS
 * @vm: the VM
 * @argp: user pointer to &struct s2mmu_mem_access
 *
 * Return: 0, -EINVAL or -EFAULT.
 */
int s2mmu_get_mem_access(struct s2mmu_vm *vm, void __user *argp)
{
	struct s2mmu_mem_access ma;
	struct s2mmu_view *view = NULL;

	if (copy_from_user(&ma, argp, sizeof(ma)))
		return -EFAULT;
	if (ma.nr_pages != 1 || ma.flags || ma.access || ma.pad ||
	    ma.reserved || ma.view >= S2MMU_MAX_VIEWS ||
	    ma.gfn >= BIT_ULL(vm->ipa_bits - PAGE_SHIFT))
		return -EINVAL;
	s2mmu_mutex_lock(&vm->views_lock, S2MMU_RANK_VIEWS_LOCK);
	if (ma.view)
		view = s2mmu_view_get_locked(vm, ma.view);
	if (!ma.view || view)
		ma.access = s2mmu_ma_value(xa_load(s2mmu_ma_xa(vm, view),
						   ma.gfn));
	s2mmu_mutex_unlock(&vm->views_lock, S2MMU_RANK_VIEWS_LOCK);
	if (ma.view && !view)
		return -ENOENT;
	return copy_to_user(argp, &ma, sizeof(ma)) ? -EFAULT : 0;
}

/* ---- the fault's check ---- */

/* What a forbidden access turns an rx2rw or n2rwx restriction into. */
static u32 s2mmu_ma_converted(u32 access, u32 kind)
{
	if (access == S2MMU_MEM_ACCESS_N2RWX)
		return S2MMU_MEM_ACCESS_RWX;
	if (access == S2MMU_MEM_ACCESS_RX2RW && kind == S2MMU_MEM_ACCESS_KIND_WRITE)
		return S2MMU_MEM_ACCESS_RW;
	return access;
}

static void s2mmu_ma_count(struct s2mmu_vm *vm, u32 kind, bool converted)
{
	if (kind == S2MMU_MEM_ACCESS_KIND_READ)
		atomic64_inc(s2mmu_vm_stat(vm, mem_access_read));
	else if (kind == S2MMU_MEM_ACCESS_KIND_WRITE)
		atomic64_inc(s2mmu_vm_stat(vm, mem_access_write));
	else if (kind == S2MMU_MEM_ACCESS_KIND_EXEC)
		atomic64_inc(s2mmu_vm_stat(vm, mem_access_exec));
	else
		atomic64_inc(s2mmu_vm_stat(vm, mem_access_walk));
	if (converted)
		atomic64_inc(s2mmu_vm_stat(vm, mem_access_converted));
}

/*
 * Convert @gfn's restriction from @entry to @next, unless it changed
 * meanwhile (a SET, or another vCPU's conversion): only the vCPU that
 * converts reports the event.  rx2rw loses execute: the mappings of the
 * frame go (the caller holds the SRCU read side that keeps slots alive).
 * Return: 0 converted, -EAGAIN changed meanwhile: fault again.
 */
static int s2mmu_ma_convert(struct s2mmu_vm *vm, struct s2mmu_view *view,
			    u64 gfn, void *entry, u32 next)
{
	void *old = xa_cmpxchg(s2mmu_ma_xa(vm, view), gfn, entry,
			       s2mmu_ma_entry(next), GFP_KERNEL_ACCOUNT);

	if (old != entry)
		return -EAGAIN;
	if (s2mmu_ma_perms[s2mmu_ma_value(entry)] & ~s2mmu_ma_perms[next])
		s2mmu_ma_tighten(vm, view, gfn << PAGE_SHIFT,
				 (gfn + 1) << PAGE_SHIFT);
	return 0;
}

/**
 * s2mmu_mem_access_check() - may the faulting access go on?
 * @vcpu: the faulting vCPU
 * @view: the view whose restrictions apply (NULL: view 0); a vCPU's own
 *	view, which its reference keeps
 * @ipa: the IPA accessed
 * @kind: %S2MMU_MEM_ACCESS_KIND_*
 * @need: the S2_PROT_* permission the access needs
 * @allowed: out: the permissions the frame's restriction leaves, which
 *	bound what the fault may map
 *
 * Called by the fault handler after it sampled the invalidate sequence
 * and before it maps anything, under the SRCU read side.  A forbidden
 * access is recorded in @vcpu->ma_event and counted, and converts an
 * rx2rw/n2rwx restriction.
 *
 * Return: 0 allowed; %S2MMU_FAULT_MEM_ACCESS forbidden; -EAGAIN the
 * restriction changed under the conversion: fault again.
 */
int s2mmu_mem_access_check(struct s2mmu_vcpu *vcpu, struct s2mmu_view *view,
			   u64 ipa, u32 kind, u32 need, u32 *allowed)
{
	struct s2mmu_vm *vm = vcpu->vm;
	u64 gfn = ipa >> PAGE_SHIFT;
	void *entry = xa_load(s2mmu_ma_xa(vm, view), gfn);
	u32 access = s2mmu_ma_value(entry), next;
	int ret;

	*allowed = s2mmu_ma_perms[access];
	if ((*allowed & need) == need)
		return 0;
	next = s2mmu_ma_converted(access, kind);
	if (next != access) {
		ret = s2mmu_ma_convert(vm, view, gfn, entry, next);
		if (ret)
			return ret;
	}
	vcpu->ma_event = (struct s2mmu_mem_access_event) {
		.gpa		= ipa,
		.kind		= kind,
		.access		= access,
		.new_access	= next,
		.walk_write	= kind == S2MMU_MEM_ACCESS_KIND_WALK &&
				  (need & S2_PROT_W),
	};
	s2mmu_ma_count(vm, kind, next != access);
	return S2MMU_FAULT_MEM_ACCESS;
}

/**
 * s2mmu_mem_access_exit() - report the vCPU's last event to the VMM
 * @vcpu: the vCPU; its PC stays on the instruction
 * @gva: the guest virtual address (FAR_EL2)
 * @gva_valid: @gva is meaningful
 * @pc: the guest PC
 * @pc_valid: @pc is meaningful (S2MMU_VCPU_ACCESS has no PC)
 */
void s2mmu_mem_access_exit(struct s2mmu_vcpu *vcpu, u64 gva, bool gva_valid,
			   u64 pc, bool pc_valid)
{
	const struct s2mmu_mem_access_event *ev = &vcpu->ma_event;
	struct s2mmu_run *run = vcpu->run;

	run->exit_reason = S2MMU_EXIT_MEM_ACCESS;
	run->mem_access.gpa = ev->gpa;
	run->mem_access.gva = gva_valid ? gva : 0;
	run->mem_access.pc = pc_valid ? pc : 0;
	run->mem_access.flags = (gva_valid ? S2MMU_MEM_ACCESS_F_GVA_VALID : 0) |
		(pc_valid ? S2MMU_MEM_ACCESS_F_PC_VALID : 0) |
		(ev->new_access != ev->access ? S2MMU_MEM_ACCESS_F_CONVERTED : 0) |
		(ev->walk_write ? S2MMU_MEM_ACCESS_F_WALK_WRITE : 0);
	run->mem_access.kind = ev->kind;
	run->mem_access.access = ev->access;
	run->mem_access.new_access = ev->new_access;
}
