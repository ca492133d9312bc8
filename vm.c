// SPDX-License-Identifier: GPL-2.0
/*
 * s2mmu VMs and vCPUs: their lifetime, their file operations and ioctl
 * dispatch, and memory slots.
 *
 * A VM is an anonymous-inode file owning one stage-2 table (pgtable.c),
 * a set of memory slots and its vCPUs.  Guest pages are pinned when a
 * fault maps them and stay pinned until their stage-2 mapping is gone;
 * each slot remembers which page backs each of its guest pages, so that
 * deleting the slot or closing the VM releases every pin.
 *
 * Locking is described in Documentation/locking.rst; in short:
 * vcpu->mutex -> vm->slots_lock -> vm->srcu (read) -> mmap_lock (inside
 * GUP) -> vm->mmu_lock.  Faults hold mmu_lock for read and use the
 * engine's shared walks; everything that removes or restricts mappings
 * holds it for write, and makes the faults it races with start over
 * (the invalidation state, vm->mmu_invalidate_*, invalidate.c).
 */
#include <linux/anon_inodes.h>
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/sched/mm.h>
#include <linux/seqlock.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include <uapi/linux/s2mmu.h>
#include "s2_pgtable.h"
#include "s2mmu.h"
#include "s2mmu_vm.h"
#include "s2mmu_lockrank.h"

/* Module-wide leak accounting, reported by S2MMU_GET_MODULE_STATS. */
atomic64_t s2mmu_nr_vms;

static atomic_t s2mmu_next_vm_id;

/* ---- memory slots ---- */

struct s2mmu_memslot *s2mmu_find_slot(struct s2mmu_memslots *slots,
				      u64 ipa)
{
	int lo = 0, hi = slots->nr;

	while (lo < hi) {
		int mid = (lo + hi) / 2;
		struct s2mmu_memslot *slot = slots->slot[mid];

		if (ipa < s2mmu_slot_base(slot))
			hi = mid;
		else if (ipa >= s2mmu_slot_end(slot))
			lo = mid + 1;
		else
			return slot;
	}
	return NULL;
}

static int s2mmu_slot_index_by_id(struct s2mmu_memslots *slots, u32 id)
{
	int i;

	for (i = 0; i < slots->nr; i++)
		if (slots->slot[i]->id == id)
			return i;
	return -1;
}

struct s2mmu_memslot *s2mmu_slot_by_id(struct s2mmu_vm *vm, u32 id)
{
	struct s2mmu_memslots *slots = s2mmu_slots(vm);
	int idx;

	lockdep_assert_held(&vm->slots_lock);
	idx = s2mmu_slot_index_by_id(slots, id);
	return idx < 0 ? NULL : slots->slot[idx];
}

/* A copy of @old with @drop (an index, or -1) removed and @add inserted. */
static void s2mmu_slots_build(struct s2mmu_memslots *new,
			      const struct s2mmu_memslots *old, int drop,
			      struct s2mmu_memslot *add)
{
	int i;

	new->nr = 0;
	for (i = 0; i < old->nr; i++) {
		if (i == drop)
			continue;
		if (add && add->base_gfn < old->slot[i]->base_gfn) {
			new->slot[new->nr++] = add;
			add = NULL;
		}
		new->slot[new->nr++] = old->slot[i];
	}
	if (add)
		new->slot[new->nr++] = add;
}

static void s2mmu_slots_publish(struct s2mmu_vm *vm,
				struct s2mmu_memslots *new)
{
	struct s2mmu_memslots *old;

	lockdep_assert_held(&vm->slots_lock);
	old = rcu_replace_pointer(vm->slots, new,
				  lockdep_is_held(&vm->slots_lock));
	synchronize_srcu(&vm->srcu);
	kfree(old);
}

static struct s2mmu_memslot *
s2mmu_slot_alloc(struct s2mmu_vm *vm,
		 const struct s2mmu_userspace_memory_region *mem)
{
	struct s2mmu_memslot *slot;
	u64 npages = mem->memory_size >> PAGE_SHIFT;

	slot = kzalloc(sizeof(*slot), GFP_KERNEL_ACCOUNT);
	if (!slot)
		return NULL;
	/* Sizes are bounded (S2MMU_MEM_MAX_PAGES); failing is not a bug. */
	slot->pins = kvcalloc(DIV_ROUND_UP(npages, S2MMU_PIN_RUN),
			      sizeof(*slot->pins),
			      GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!slot->pins)
		goto err;
	if (mem->flags & S2MMU_MEM_LOG_DIRTY_PAGES) {
		slot->dirty_bitmap = s2mmu_dirty_bitmap_alloc(vm, npages);
		if (!slot->dirty_bitmap)
			goto err;
	}
	slot->id = mem->slot;
	slot->flags = mem->flags;
	slot->base_gfn = mem->guest_phys_addr >> PAGE_SHIFT;
	slot->npages = npages;
	slot->userspace_addr = mem->userspace_addr;
	return slot;
err:
	kvfree(slot->pins);
	kfree(slot);
	return NULL;
}

static void s2mmu_slot_free(struct s2mmu_memslot *slot)
{
	u64 r;

	for (r = 0; r < DIV_ROUND_UP(slot->npages, S2MMU_PIN_RUN); r++)
		free_page((unsigned long)slot->pins[r]);
	kvfree(slot->dirty_bitmap);
	kvfree(slot->pins);
	kfree(slot);
}

static int s2mmu_check_region(struct s2mmu_vm *vm,
			      const struct s2mmu_userspace_memory_region *mem)
{
	u64 end;

	if (mem->flags & ~(S2MMU_MEM_LOG_DIRTY_PAGES | S2MMU_MEM_READONLY))
		return -EINVAL;
	if (mem->slot >= S2MMU_MEMSLOT_ID_LIMIT)
		return -EINVAL;
	if (!PAGE_ALIGNED(mem->memory_size) ||
	    !PAGE_ALIGNED(mem->guest_phys_addr) ||
	    !PAGE_ALIGNED(mem->userspace_addr))
		return -EINVAL;
	if (mem->memory_size >> PAGE_SHIFT > S2MMU_MEM_MAX_PAGES)
		return -EINVAL;
	/* A delete is checked as KVM checks one: flags, id and alignment. */
	if (!mem->memory_size)
		return 0;
	if (check_add_overflow(mem->guest_phys_addr, mem->memory_size, &end) ||
	    end > BIT_ULL(vm->ipa_bits))
		return -EINVAL;
	if (check_add_overflow(mem->userspace_addr, mem->memory_size, &end))
		return -EINVAL;
	if (!access_ok(u64_to_user_ptr(mem->userspace_addr), mem->memory_size))
		return -EFAULT;
	return 0;
}

/* Does [@gfn, @gfn + @npages) overlap a slot other than @skip? */
static bool s2mmu_slots_overlap(struct s2mmu_memslots *slots, u64 gfn,
				u64 npages, const struct s2mmu_memslot *skip)
{
	int i;

	for (i = 0; i < slots->nr; i++) {
		struct s2mmu_memslot *s = slots->slot[i];

		if (s != skip && gfn < s->base_gfn + s->npages &&
		    s->base_gfn < gfn + npages)
			return true;
	}
	return false;
}

static int s2mmu_slot_create(struct s2mmu_vm *vm,
			     const struct s2mmu_userspace_memory_region *mem)
{
	struct s2mmu_memslots *old = s2mmu_slots(vm), *new;
	struct s2mmu_memslot *slot;

	lockdep_assert_held(&vm->slots_lock);
	if (s2mmu_slots_overlap(old, mem->guest_phys_addr >> PAGE_SHIFT,
				mem->memory_size >> PAGE_SHIFT, NULL) ||
	    s2mmu_info_overlaps(vm, mem->guest_phys_addr >> PAGE_SHIFT,
				mem->memory_size >> PAGE_SHIFT))
		return -EEXIST;
	if (old->nr >= S2MMU_MAX_MEMSLOTS)
		return -ENOSPC;
	new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	slot = s2mmu_slot_alloc(vm, mem);
	if (!new || !slot) {
		kfree(new);
		if (slot)
			s2mmu_slot_free(slot);
		return -ENOMEM;
	}
	s2mmu_slots_build(new, old, -1, slot);
	/* Nothing was mapped in a range without a slot: nothing to unmap. */
	s2mmu_slots_publish(vm, new);
	return 0;
}

/*
 * Delete slot @idx, or move it to @mem->guest_phys_addr when @mem is
 * given: unpublish it, unmap its range, wait for faults still using it,
 * release its pins, then publish the moved copy.
 */
static int s2mmu_slot_delete_or_move(struct s2mmu_vm *vm, int idx,
				     const struct s2mmu_userspace_memory_region *mem)
{
	struct s2mmu_memslots *old = s2mmu_slots(vm), *mid, *fin = NULL;
	struct s2mmu_memslot *slot = old->slot[idx], *moved = NULL;

	lockdep_assert_held(&vm->slots_lock);
	if (mem && (s2mmu_slots_overlap(old, mem->guest_phys_addr >> PAGE_SHIFT,
					slot->npages, slot) ||
		    s2mmu_info_overlaps(vm, mem->guest_phys_addr >> PAGE_SHIFT,
					slot->npages)))
		return -EEXIST;

	mid = kzalloc(sizeof(*mid), GFP_KERNEL_ACCOUNT);
	if (mem) {
		fin = kzalloc(sizeof(*fin), GFP_KERNEL_ACCOUNT);
		moved = s2mmu_slot_alloc(vm, mem);
	}
	if (!mid || (mem && (!fin || !moved))) {
		kfree(mid);
		kfree(fin);
		if (moved)
			s2mmu_slot_free(moved);
		return -ENOMEM;
	}

	s2mmu_slots_build(mid, old, idx, NULL);
	rcu_assign_pointer(vm->slots, mid);

	/*
	 * The sequence moves first: the unmap drops mmu_lock between chunks,
	 * and a fault that looked the slot up before it was unpublished must
	 * not map behind the unmap.  It sampled the sequence before that
	 * lookup, so under mmu_lock it finds it moved and starts over.
	 */
	s2mmu_write_lock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
	s2mmu_invalidate_seq_bump(vm);
	s2mmu_slot_zap(vm, slot, s2mmu_slot_base(slot),
		       slot->npages << PAGE_SHIFT, true);
	s2mmu_write_unlock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);

	/* After this no fault holds @slot: its pins can go. */
	synchronize_srcu(&vm->srcu);
	kfree(old);
	s2mmu_slot_release_pins(vm, slot);
	s2mmu_slot_free(slot);

	if (moved) {
		s2mmu_slots_build(fin, mid, -1, moved);
		s2mmu_slots_publish(vm, fin);
	}
	return 0;
}

static int s2mmu_set_memory_region(struct s2mmu_vm *vm, void __user *argp)
{
	struct s2mmu_userspace_memory_region mem;
	struct s2mmu_memslots *slots;
	struct s2mmu_memslot *slot;
	int idx, ret;

	if (copy_from_user(&mem, argp, sizeof(mem)))
		return -EFAULT;
	ret = s2mmu_check_region(vm, &mem);
	if (ret)
		return ret;

	s2mmu_mutex_lock(&vm->slots_lock, S2MMU_RANK_SLOTS_LOCK);
	slots = s2mmu_slots(vm);
	idx = s2mmu_slot_index_by_id(slots, mem.slot);
	slot = idx >= 0 ? slots->slot[idx] : NULL;

	if (!mem.memory_size) {
		ret = slot ? s2mmu_slot_delete_or_move(vm, idx, NULL) : -EINVAL;
	} else if (!slot) {
		ret = s2mmu_slot_create(vm, &mem);
	} else if (mem.memory_size >> PAGE_SHIFT != slot->npages ||
		   mem.userspace_addr != slot->userspace_addr ||
		   (mem.flags ^ slot->flags) & S2MMU_MEM_READONLY) {
		ret = -EINVAL;
	} else if (mem.guest_phys_addr >> PAGE_SHIFT != slot->base_gfn) {
		ret = s2mmu_slot_delete_or_move(vm, idx, &mem);
	} else if (mem.flags != slot->flags) {
		ret = s2mmu_slot_set_flags(vm, slot, mem.flags);
	} else {
		ret = 0;
	}
	s2mmu_mutex_unlock(&vm->slots_lock, S2MMU_RANK_SLOTS_LOCK);
	return ret;
}

/* ---- VM and vCPU lifetime ---- */

static void s2mmu_vcpu_free(struct s2mmu_vcpu *vcpu)
{
	s2mmu_release_replaced(vcpu);
	s2_memcache_drain(&vcpu->mc, &s2mmu_table_mm_ops);
	free_page((unsigned long)vcpu->run);
	free_page((unsigned long)vcpu->bounce);
	kfree(vcpu->pages);
	kfree(vcpu->release);
	kfree(vcpu->release_ipa);
	s2mmu_vcpu_views_release(vcpu);
	s2mmu_run_ctx_free(vcpu->ctx);
	kfree(vcpu);
}

/*
 * The last reference is gone: no ioctl, fault or debugfs reader can run.
 * Unmap everything, free every table page, release every pin.
 */
static void s2mmu_vm_destroy(struct s2mmu_vm *vm)
{
	struct s2mmu_memslots *slots;
	int i;

	debugfs_remove_recursive(vm->debugfs);
	/*
	 * Runs the release callback if the mm still lives, and waits for
	 * callbacks in flight: none runs after this.
	 */
	mmu_notifier_unregister(&vm->mmu_notifier, vm->mm);
	for (i = 0; i < S2MMU_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			s2mmu_vcpu_free(vm->vcpus[i]);

	/*
	 * The table goes first: no mapping may outlive the pins.  The VMID is
	 * invalidated before its table pages are freed, like any table page.
	 * The views go before it: they map only pages view 0 maps.
	 */
	s2mmu_views_free(vm);
	vm->pgt.tlb_ops->flush_vmid(&vm->pgt);
	vm->pgt.assert_locked = NULL;	/* the last user: no lock to hold */
	s2_pgtable_destroy(&vm->pgt);
	s2mmu_el2_vm_destroy(&vm->el2);
	s2mmu_info_free(vm);	/* after the table that mapped it */

	slots = rcu_dereference_protected(vm->slots, true);
	for (i = 0; i < slots->nr; i++) {
		s2mmu_slot_release_pins(vm, slots->slot[i]);
		s2mmu_slot_free(slots->slot[i]);
	}
	kfree(slots);
	xa_destroy(&vm->mem_access);
	WARN_ON_ONCE(atomic64_read(&vm->pages_pinned));
	cleanup_srcu_struct(&vm->srcu);
	mmdrop(vm->mm);
	kfree(vm);
	atomic64_dec(&s2mmu_nr_vms);
}

static void s2mmu_vm_put(struct s2mmu_vm *vm)
{
	if (refcount_dec_and_test(&vm->refs))
		s2mmu_vm_destroy(vm);
}

static int s2mmu_vcpu_release(struct inode *inode, struct file *file)
{
	struct s2mmu_vcpu *vcpu = file->private_data;

	s2mmu_vm_put(vcpu->vm);
	return 0;
}

static long s2mmu_vcpu_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	struct s2mmu_vcpu *vcpu = file->private_data;
	long ret;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	switch (cmd) {
	case S2MMU_VCPU_ACCESS:
		if (s2mmu_mutex_lock_killable(&vcpu->mutex, S2MMU_RANK_VCPU_MUTEX))
			return -EINTR;
		ret = s2mmu_vcpu_access(vcpu, (void __user *)arg);
		s2mmu_mutex_unlock(&vcpu->mutex, S2MMU_RANK_VCPU_MUTEX);
		return ret;
	case S2MMU_IRQ_LINE:
		return s2mmu_run_irq_line(vcpu->ctx, (void __user *)arg);
	case S2MMU_SWITCH_VIEW:
		return s2mmu_switch_view(vcpu, arg);
	case S2MMU_TRANSLATE_GVA:
		/* The saved registers of a vCPU another thread runs are stale. */
		if (!s2mmu_mutex_trylock(&vcpu->mutex, S2MMU_RANK_VCPU_MUTEX))
			return -EBUSY;
		ret = s2mmu_gva_translate(vcpu, (void __user *)arg);
		s2mmu_mutex_unlock(&vcpu->mutex, S2MMU_RANK_VCPU_MUTEX);
		return ret;
	case S2MMU_RUN:
	case S2MMU_GET_ONE_REG:
	case S2MMU_SET_ONE_REG:
	case S2MMU_GET_REG_LIST:
		/* Guest execution: another thread inside RUN means -EBUSY. */
		if (!s2mmu_mutex_trylock(&vcpu->mutex, S2MMU_RANK_VCPU_MUTEX))
			return -EBUSY;
		ret = s2mmu_run_ioctl(vcpu->ctx, cmd, arg);
		s2mmu_mutex_unlock(&vcpu->mutex, S2MMU_RANK_VCPU_MUTEX);
		return ret;
	default:
		return -ENOTTY;
	}
}

static vm_fault_t s2mmu_vcpu_fault(struct vm_fault *vmf)
{
	struct s2mmu_vcpu *vcpu = vmf->vma->vm_file->private_data;

	if (vmf->pgoff)
		return VM_FAULT_SIGBUS;
	vmf->page = virt_to_page(vcpu->run);
	get_page(vmf->page);
	return 0;
}

static const struct vm_operations_struct s2mmu_vcpu_vm_ops = {
	.fault = s2mmu_vcpu_fault,
};

static int s2mmu_vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	vma->vm_ops = &s2mmu_vcpu_vm_ops;
	return 0;
}

static const struct file_operations s2mmu_vcpu_fops = {
	.owner		= THIS_MODULE,
	.release	= s2mmu_vcpu_release,
	.unlocked_ioctl	= s2mmu_vcpu_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= s2mmu_vcpu_mmap,
	.llseek		= noop_llseek,
};

static struct s2mmu_vcpu *s2mmu_vcpu_alloc(struct s2mmu_vm *vm, u32 id)
{
	struct s2mmu_vcpu *vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);

	if (!vcpu)
		return NULL;
	vcpu->vm = vm;
	vcpu->id = id;
	mutex_init(&vcpu->mutex);
	vcpu->run = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	vcpu->bounce = (void *)__get_free_page(GFP_KERNEL_ACCOUNT);
	/* One spare entry: a block is pinned next to the single page. */
	vcpu->pages = kcalloc(S2MMU_BLOCK_PAGES + 1, sizeof(*vcpu->pages),
			      GFP_KERNEL_ACCOUNT);
	vcpu->release = kcalloc(S2MMU_BLOCK_PAGES, sizeof(*vcpu->release),
				GFP_KERNEL_ACCOUNT);
	vcpu->release_ipa = kcalloc(S2MMU_BLOCK_PAGES,
				    sizeof(*vcpu->release_ipa),
				    GFP_KERNEL_ACCOUNT);
	vcpu->ctx = s2mmu_run_ctx_alloc(vcpu, vcpu->run, &vm->el2, &vm->pgt);
	if (!vcpu->run || !vcpu->bounce || !vcpu->pages || !vcpu->release ||
	    !vcpu->release_ipa || !vcpu->ctx) {
		s2mmu_vcpu_free(vcpu);
		return NULL;
	}
	return vcpu;
}

static int s2mmu_create_vcpu(struct s2mmu_vm *vm, unsigned long id)
{
	struct s2mmu_vcpu *vcpu;
	int fd;

	if (id >= S2MMU_MAX_VCPUS)
		return -EINVAL;
	vcpu = s2mmu_vcpu_alloc(vm, id);
	if (!vcpu)
		return -ENOMEM;

	s2mmu_mutex_lock(&vm->lock, S2MMU_RANK_VM_LOCK);
	if (vm->vcpus[id]) {
		fd = -EEXIST;
		goto err;
	}
	refcount_inc(&vm->refs);
	fd = anon_inode_getfd("s2mmu-vcpu", &s2mmu_vcpu_fops, vcpu,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		refcount_dec(&vm->refs);
		goto err;
	}
	vm->vcpus[id] = vcpu;
	WRITE_ONCE(vm->nr_vcpus, vm->nr_vcpus + 1);
	s2mmu_mutex_unlock(&vm->lock, S2MMU_RANK_VM_LOCK);
	return fd;
err:
	s2mmu_mutex_unlock(&vm->lock, S2MMU_RANK_VM_LOCK);
	s2mmu_vcpu_free(vcpu);
	return fd;
}

static long s2mmu_vm_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct s2mmu_vm *vm = file->private_data;
	void __user *argp = (void __user *)arg;

	if (vm->mm != current->mm)
		return -EIO;
	if (s2mmu_is_get_stats(cmd))
		return s2mmu_get_stats(vm, argp, cmd);
	switch (cmd) {
	case S2MMU_SET_USER_MEMORY_REGION:
		return s2mmu_set_memory_region(vm, argp);
	case S2MMU_CREATE_VCPU:
		return s2mmu_create_vcpu(vm, arg);
	case S2MMU_ENABLE_CAP:
		return s2mmu_enable_cap(vm, argp);
	case S2MMU_GET_DIRTY_LOG:
		return s2mmu_get_dirty_log(vm, argp);
	case S2MMU_CLEAR_DIRTY_LOG:
		return s2mmu_clear_dirty_log(vm, argp);
	case S2MMU_SET_MEM_ACCESS:
		return s2mmu_set_mem_access(vm, argp);
	case S2MMU_GET_MEM_ACCESS:
		return s2mmu_get_mem_access(vm, argp);
	case S2MMU_MAP_INFO_PAGE:
		return s2mmu_map_info_page(vm, argp);
	case S2MMU_UNMAP_INFO_PAGE:
		return s2mmu_unmap_info_page(vm, arg);
	case S2MMU_CREATE_VIEW:
		return s2mmu_create_view(vm, arg);
	case S2MMU_DESTROY_VIEW:
		return s2mmu_destroy_view(vm, arg);
	case S2MMU_VIEW_CHANGE_GFN:
		return s2mmu_view_change_gfn(vm, argp);
	case S2MMU_HW_TRANSLATE:
	case S2MMU_DEBUG_TABLE_OP:
		return s2mmu_el2_vm_ioctl(&vm->el2, &vm->pgt, cmd, arg);
	default:
		return -ENOTTY;
	}
}

static int s2mmu_vm_release(struct inode *inode, struct file *file)
{
	s2mmu_vm_put(file->private_data);
	return 0;
}

static const struct file_operations s2mmu_vm_fops = {
	.owner		= THIS_MODULE,
	.release	= s2mmu_vm_release,
	.unlocked_ioctl	= s2mmu_vm_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct s2mmu_vm *s2mmu_vm_alloc(u32 ipa_bits)
{
	struct s2mmu_vm *vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	const struct s2_tlb_ops *el2_ops;
	struct s2mmu_memslots *slots;
	int err = -ENOMEM;

	if (!vm)
		return ERR_PTR(-ENOMEM);
	slots = kzalloc(sizeof(*slots), GFP_KERNEL_ACCOUNT);
	if (!slots || init_srcu_struct(&vm->srcu))
		goto err_slots;
	el2_ops = s2mmu_el2_vm_init(&vm->el2);
	if (IS_ERR(el2_ops)) {
		err = PTR_ERR(el2_ops);	/* -ENOSPC: no VMID left */
		goto err_srcu;
	}
	if (s2_pgtable_init(&vm->pgt, ipa_bits, &s2mmu_table_mm_ops,
			    s2mmu_vm_tlb_ops(el2_ops), vm))
		goto err_el2;
	s2mmu_cache_vm_init(vm);

	refcount_set(&vm->refs, 1);
	vm->ipa_bits = ipa_bits;
	vm->id = atomic_inc_return(&s2mmu_next_vm_id);
	rwlock_init(&vm->mmu_lock);
	spin_lock_init(&vm->mmu_invalidate_lock);
	seqcount_spinlock_init(&vm->mmu_invalidate_seqcount,
			       &vm->mmu_invalidate_lock);
	init_waitqueue_head(&vm->mmu_invalidate_wq);
	mutex_init(&vm->slots_lock);
	mutex_init(&vm->lock);
	xa_init(&vm->mem_access);
	mutex_init(&vm->views_lock);
	mutex_init(&vm->info.lock);
	RCU_INIT_POINTER(vm->slots, slots);
	/* Everything a notifier callback touches is initialised by now. */
	vm->mmu_notifier.ops = &s2mmu_mn_ops;
	if (mmu_notifier_register(&vm->mmu_notifier, current->mm))
		goto err_pgt;
	/* Reachable from now on (the notifier): the lock rules apply. */
	vm->pgt.assert_locked = s2mmu_assert_mmu_lock;
	mmgrab(current->mm);
	vm->mm = current->mm;
	atomic64_inc(&s2mmu_nr_vms);
	s2mmu_vm_debugfs_init(vm);
	return vm;

err_pgt:
	s2_pgtable_destroy(&vm->pgt);
err_el2:
	s2mmu_el2_vm_destroy(&vm->el2);
err_srcu:
	cleanup_srcu_struct(&vm->srcu);
err_slots:
	kfree(slots);
	kfree(vm);
	return ERR_PTR(err);
}

static int s2mmu_create_vm(unsigned long arg)
{
	u32 ipa_bits = arg ? arg : S2MMU_IPA_BITS_DEFAULT;
	struct s2mmu_vm *vm;
	int fd;

	if (arg > S2MMU_IPA_BITS_MAX || ipa_bits < S2MMU_IPA_BITS_MIN ||
	    ipa_bits > s2mmu_cpu.max_ipa_bits)
		return -EINVAL;
	vm = s2mmu_vm_alloc(ipa_bits);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	fd = anon_inode_getfd("s2mmu-vm", &s2mmu_vm_fops, vm,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0)
		s2mmu_vm_put(vm);
	return fd;
}

long s2mmu_vm_dev_ioctl(unsigned int cmd, unsigned long arg)
{
	struct s2mmu_module_stats st;

	switch (cmd) {
	case S2MMU_CREATE_VM:
		return s2mmu_create_vm(arg);
	case S2MMU_GET_VCPU_MMAP_SIZE:
		return arg ? -EINVAL : PAGE_SIZE;
	case S2MMU_GET_MODULE_STATS:
		s2mmu_module_stats(&st);
		return copy_to_user((void __user *)arg, &st, sizeof(st)) ?
		       -EFAULT : 0;
	default:
		return -ENOTTY;
	}
}
