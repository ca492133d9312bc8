/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Alternate stage-2 views of a VM (views.c): what the rest of the module
 * calls.  Module-internal.  Documentation/views.rst has the design.
 */
#ifndef S2MMU_VIEWS_H
#define S2MMU_VIEWS_H

#include <linux/refcount.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include "s2_pgtable.h"

struct s2mmu_vm;
struct s2mmu_vcpu;

/**
 * struct s2mmu_view - one alternate view (never view 0, which is the VM's
 *	own table)
 * @vm: its VM
 * @id: 1 .. %S2MMU_MAX_VIEWS - 1
 * @refs: the VM's view list holds one while the view exists; each vCPU
 *	switched to it holds one
 * @dead: destroyed: no fault installs anything any more, and a vCPU on
 *	it moves to view 0 at its next entry; set under view 0's mmu_lock
 *	(write)
 * @ma_seq: moved, under mmu_lock (write), by every tightening of
 *	@mem_access and every change of @remap: a fault that read a
 *	restriction or a remap before it changed finds it moved under
 *	mmu_lock (read) and starts over
 * @pgt: the view's table: 4K leaves only, changed only under view 0's
 *	mmu_lock (read: faults, shared walks; write: everything else)
 * @mem_access: the view's restrictions, as &s2mmu_vm.mem_access
 * @remap: S2MMU_VIEW_CHANGE_GFN: frame A -> the frame B whose page A
 *	shows (xa_mk_value()), remapped frames only; changed under the VM's
 *	views_lock and mmu_lock (write), read locklessly by faults
 * @rmap: the reverse of @remap: frame B -> &struct s2mmu_rmap_set of
 *	the frames A showing it; changed like @remap, read under mmu_lock
 *	(write) by the view-0 operations that must reach those entries
 */
struct s2mmu_view {
	struct s2mmu_vm		*vm;
	u32			id;
	refcount_t		refs;
	bool			dead;
	unsigned long		ma_seq;
	struct s2_pgtable	pgt;
	struct xarray		mem_access;
	struct xarray		remap;
	struct xarray		rmap;
};

/**
 * struct s2mmu_rmap_set - the frames of one view that show frame B
 * @nr: entries in @gfn
 * @gfn: the frames A, in no order
 */
struct s2mmu_rmap_set {
	u32	nr;
	u64	gfn[];
};

/* Range operations on view 0 that every view must follow. */
enum s2mmu_view_op {
	S2MMU_VIEW_UNMAP,
	S2MMU_VIEW_WRPROTECT,
};

int s2mmu_create_view(struct s2mmu_vm *vm, unsigned long arg);
int s2mmu_destroy_view(struct s2mmu_vm *vm, unsigned long arg);
int s2mmu_switch_view(struct s2mmu_vcpu *vcpu, unsigned long arg);
int s2mmu_view_change_gfn(struct s2mmu_vm *vm, void __user *argp);
struct s2mmu_view *s2mmu_view_get_locked(struct s2mmu_vm *vm, u32 id);
void s2mmu_views_follow(struct s2mmu_vm *vm, enum s2mmu_view_op op,
			u64 ipa, u64 size);
void s2mmu_views_forget_page(struct s2mmu_vm *vm, u64 ipa, phys_addr_t pa);
void s2mmu_view_revoke(struct s2mmu_view *view, u64 start, u64 end);
int s2mmu_view_fault(struct s2mmu_vcpu *vcpu, u64 ipa, u64 esr);
struct s2_pgtable *s2mmu_vcpu_table(struct s2mmu_vcpu *vcpu);
void s2mmu_vcpu_views_release(struct s2mmu_vcpu *vcpu);
void s2mmu_views_free(struct s2mmu_vm *vm);
u64 s2mmu_views_tlbi(struct s2mmu_vm *vm, u64 *nr);
u64 s2mmu_views_age(struct s2mmu_vm *vm, u64 ipa, u64 size, bool clear);

#endif /* S2MMU_VIEWS_H */
