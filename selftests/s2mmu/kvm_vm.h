/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The same guest code (guest_code.h) run through /dev/kvm with KVM's own
 * ioctls, for side-by-side benchmarks and for a KVM guest running next to
 * s2mmu guests.  The layout of guest memory is guest_vm.h's, so a guest
 * function finds its code, stack and data at the same IPAs under both.
 *
 * KVM on arm64 (6.1) handles HVC itself (PSCI/SMCCC) and never exits to
 * userspace for it: guest code that must reach its VMM under both uses an
 * MMIO store (guest_mmio_write64() to an IPA outside every slot).
 */
#ifndef S2MMU_KVM_VM_H
#define S2MMU_KVM_VM_H

#include <linux/kvm.h>

#include "guest_vm.h"

/**
 * struct kvm_vcpu_h - a KVM vCPU fd and its shared page
 * @fd: the vCPU fd
 * @run: its mmap()ed &struct kvm_run
 */
struct kvm_vcpu_h {
	int fd;
	struct kvm_run *run;
};

/**
 * struct kvm_guest_vm - a KVM VM laid out like &struct guest_vm
 * @kvm: /dev/kvm
 * @vm: the VM fd
 * @code: host mapping of the code slot
 * @run_size: bytes of each vCPU's &struct kvm_run mapping
 * @nr_vcpus: vCPUs created
 * @vcpu: the vCPUs
 */
struct kvm_guest_vm {
	int kvm, vm;
	__u8 *code;
	long run_size;
	int nr_vcpus;
	struct kvm_vcpu_h vcpu[GUEST_MAX_VCPUS];
};

static inline int kvm_set_region(int vm, __u32 slot, __u32 flags, __u64 gpa,
				 __u64 size, void *uaddr)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)uaddr,
	};

	return tst_ioctl(vm, KVM_SET_USER_MEMORY_REGION, (unsigned long)&r);
}

static inline int kvm_set_reg(struct kvm_vcpu_h *v, __u64 id, __u64 val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)&val };

	return tst_ioctl(v->fd, KVM_SET_ONE_REG, (unsigned long)&r);
}

static inline int kvm_get_reg(struct kvm_vcpu_h *v, __u64 id, __u64 *val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)val };

	return tst_ioctl(v->fd, KVM_GET_ONE_REG, (unsigned long)&r);
}

/* A vCPU reset by KVM_ARM_VCPU_INIT, with guest_vm.h's stack and vectors. */
static inline int kvm_guest_vcpu_init(struct kvm_guest_vm *g, int id)
{
	struct kvm_vcpu_h *v = &g->vcpu[id];
	struct kvm_vcpu_init init;
	__u64 sp = guest_stack_top(id);
	int ret;

	v->fd = tst_ioctl(g->vm, KVM_CREATE_VCPU, id);
	if (v->fd < 0)
		return v->fd;
	v->run = mmap(NULL, g->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return -errno;
	}
	memset(&init, 0, sizeof(init));
	ret = tst_ioctl(g->vm, KVM_ARM_PREFERRED_TARGET, (unsigned long)&init);
	if (!ret)
		ret = tst_ioctl(v->fd, KVM_ARM_VCPU_INIT, (unsigned long)&init);
	/* KVM's and s2mmu's ONE_REG ids are the same numbers. */
	if (!ret)
		ret = kvm_set_reg(v, GUEST_SP_EL1, sp);
	if (!ret)
		ret = kvm_set_reg(v, S2MMU_REG_VBAR_EL1,
				  guest_entry(GUEST_CODE_IPA, guest_vectors));
	return ret;
}

static inline void kvm_guest_vm_destroy(struct kvm_guest_vm *g)
{
	int i;

	for (i = 0; i < GUEST_MAX_VCPUS; i++) {
		if (g->vcpu[i].run)
			munmap(g->vcpu[i].run, g->run_size);
		if (g->vcpu[i].fd >= 0)
			close(g->vcpu[i].fd);
		g->vcpu[i].fd = -1;
		g->vcpu[i].run = NULL;
	}
	if (g->vm >= 0)
		close(g->vm);
	if (g->kvm >= 0)
		close(g->kvm);
	if (g->code)
		munmap(g->code, GUEST_CODE_SLOT_SIZE);
	g->vm = -1;
	g->kvm = -1;
	g->code = NULL;
}

/*
 * A KVM VM with the code slot and @nr_vcpus vCPUs.  Return: 0; -ENODEV
 * when /dev/kvm is missing (KVM off in this boot: the caller skips); else
 * -errno.  kvm_guest_vm_destroy() cleans up in every case.
 */
static inline int kvm_guest_vm_create(struct kvm_guest_vm *g, int nr_vcpus)
{
	int i, ret;

	memset(g, 0, sizeof(*g));
	g->vm = -1;
	for (i = 0; i < GUEST_MAX_VCPUS; i++)
		g->vcpu[i].fd = -1;
	if (nr_vcpus > GUEST_MAX_VCPUS)
		return -E2BIG;
	g->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (g->kvm < 0)
		return -ENODEV;
	g->run_size = tst_ioctl(g->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (g->run_size < 0)
		return g->run_size;
	g->vm = tst_ioctl(g->kvm, KVM_CREATE_VM, 0);
	if (g->vm < 0)
		return g->vm;
	g->code = guest_code_slot_alloc();
	if (!g->code)
		return -ENOMEM;
	ret = kvm_set_region(g->vm, GUEST_CODE_SLOT, 0, GUEST_CODE_IPA,
			     GUEST_CODE_SLOT_SIZE, g->code);
	for (; !ret && g->nr_vcpus < nr_vcpus; g->nr_vcpus++)
		ret = kvm_guest_vcpu_init(g, g->nr_vcpus);
	return ret;
}

static inline int kvm_guest_start(struct kvm_vcpu_h *v, const void *fn,
				  int nargs, const __u64 *args)
{
	return guest_start_fd(v->fd, KVM_SET_ONE_REG, fn, nargs, args);
}

/* KVM_RUN once.  Return: the exit reason, or -errno. */
static inline int kvm_guest_run(struct kvm_vcpu_h *v)
{
	int ret = tst_ioctl(v->fd, KVM_RUN, 0);

	return ret ? ret : (int)v->run->exit_reason;
}

static inline int kvm_get_dirty_log(int vm, __u32 slot, __u64 *bitmap)
{
	struct kvm_dirty_log log = {
		.slot = slot,
		.dirty_bitmap = bitmap,
	};

	return tst_ioctl(vm, KVM_GET_DIRTY_LOG, (unsigned long)&log);
}

static inline int kvm_clear_dirty_log(int vm, __u32 slot, __u64 first_page,
				      __u32 num_pages, __u64 *bitmap)
{
	struct kvm_clear_dirty_log log = {
		.slot = slot,
		.num_pages = num_pages,
		.first_page = first_page,
		.dirty_bitmap = bitmap,
	};

	return tst_ioctl(vm, KVM_CLEAR_DIRTY_LOG, (unsigned long)&log);
}

/* KVM's MANUAL_DIRTY_LOG_PROTECT2 without INITIALLY_SET, as s2mmu's. */
static inline int kvm_enable_manual_protect(int vm)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
		.args = { KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE },
	};

	return tst_ioctl(vm, KVM_ENABLE_CAP, (unsigned long)&cap);
}

#endif /* S2MMU_KVM_VM_H */
