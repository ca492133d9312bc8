// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-compat: the VM file descriptor.  Memory slots and the dirty log
 * have the same structures in both ABIs; the layer checks what KVM checks
 * and s2mmu does not (or answers with another errno), then passes them on.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "kvm_compat.h"

/* KVM's default IPA size on arm64, for a VM type of 0. */
#define KC_DEFAULT_IPA_BITS	40

static uint64_t kc_vm_serials;

int kc_create_vm(int sys_fd, unsigned long type)
{
	unsigned long ipa = type & KVM_VM_TYPE_ARM_IPA_SIZE_MASK;
	struct kc_vm *vm;
	int fd, err;

	if (type & ~KVM_VM_TYPE_ARM_IPA_SIZE_MASK)
		return -EINVAL;
	if (!ipa)
		ipa = KC_DEFAULT_IPA_BITS;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	fd = kc_ioctl(sys_fd, S2MMU_CREATE_VM, ipa);
	if (fd < 0) {
		free(vm);
		return fd;
	}
	vm->fd = fd;
	vm->ipa_bits = ipa;
	vm->serial = __atomic_add_fetch(&kc_vm_serials, 1, __ATOMIC_RELAXED);
	err = kc_add(fd, KC_VM, vm);
	if (err) {
		__real_close(fd);
		free(vm);
		return err;
	}
	return fd;
}

void kc_vm_free(struct kc_vm *vm)
{
	free(vm);
}

/*
 * KVM's slot number carries the address space in bits 31:16 (arm64 has
 * one) and is below KVM_CAP_NR_MEMSLOTS; a range beyond the IPA size is
 * -EFAULT on KVM/arm64, -EINVAL on s2mmu.
 */
static int kc_set_memory_region(struct kc_vm *vm, unsigned long arg)
{
	struct kvm_userspace_memory_region *r = (void *)arg;
	uint64_t ipa_end = 1ULL << vm->ipa_bits;

	if (!r)
		return -EFAULT;
	if ((r->slot >> 16) || r->slot >= S2MMU_MAX_MEMSLOTS)
		return -EINVAL;
	if (r->flags & ~(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY))
		return -EINVAL;
	if (r->memory_size && (r->guest_phys_addr >= ipa_end ||
			       r->memory_size > ipa_end - r->guest_phys_addr))
		return -EFAULT;
	return kc_counted_ioctl(vm, KC_COUNT_SET_REGION,
				S2MMU_SET_USER_MEMORY_REGION, arg);
}

static_assert(KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE ==
	      S2MMU_DIRTY_LOG_MANUAL_PROTECT_ENABLE, "KVM's manual-protect bit");
static_assert(KVM_DIRTY_LOG_INITIALLY_SET == S2MMU_DIRTY_LOG_INITIALLY_SET,
	      "KVM's initially-set bit");

static int kc_enable_cap(struct kc_vm *vm, unsigned long arg)
{
	struct kvm_enable_cap *cap = (void *)arg;
	struct s2mmu_enable_cap s2 = {
		.cap = S2MMU_CAP_MANUAL_DIRTY_LOG_PROTECT,
	};

	if (!cap)
		return -EFAULT;
	if (cap->cap != KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 || cap->flags)
		return -EINVAL;
	/* KVM's bits are s2mmu's; the module checks their combination. */
	if (cap->args[0] & ~(uint64_t)(KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE |
				       KVM_DIRTY_LOG_INITIALLY_SET))
		return -EINVAL;
	s2.args[0] = cap->args[0];
	return kc_ioctl(vm->fd, S2MMU_ENABLE_CAP, (unsigned long)&s2);
}

static int kc_preferred_target(unsigned long arg)
{
	struct kvm_vcpu_init *init = (void *)arg;

	if (!init)
		return -EFAULT;
	memset(init, 0, sizeof(*init));
	init->target = KVM_ARM_TARGET_GENERIC_V8;
	return 0;
}

/*
 * KVM_IRQ_LINE without an in-kernel GIC: only the CPU lines (type CPU,
 * IRQ or FIQ) of a vCPU given by its creation index, as KVM's userspace
 * irqchip has them.
 */
static int kc_irq_line(struct kc_vm *vm, unsigned long arg)
{
	struct kvm_irq_level *irq = (void *)arg;
	struct s2mmu_irq_level s2;
	unsigned int type, idx, num;
	struct kc_vcpu *vcpu;

	if (!irq)
		return -EFAULT;
	type = (irq->irq >> KVM_ARM_IRQ_TYPE_SHIFT) & KVM_ARM_IRQ_TYPE_MASK;
	idx = ((irq->irq >> KVM_ARM_IRQ_VCPU_SHIFT) & KVM_ARM_IRQ_VCPU_MASK) |
	      (((irq->irq >> KVM_ARM_IRQ_VCPU2_SHIFT) & KVM_ARM_IRQ_VCPU2_MASK)
	       << 8);
	num = irq->irq & KVM_ARM_IRQ_NUM_MASK;
	if (type != KVM_ARM_IRQ_TYPE_CPU)
		return -ENXIO;
	if (num > KVM_ARM_IRQ_CPU_FIQ || irq->level > 1)
		return -EINVAL;
	if (idx >= vm->nr_vcpus ||
	    kc_lookup(vm->vcpu_fds[idx], (void **)&vcpu) != KC_VCPU ||
	    vcpu->vm_serial != vm->serial)
		return -EINVAL;
	s2.line = num == KVM_ARM_IRQ_CPU_IRQ ? S2MMU_IRQ_LINE_IRQ :
					       S2MMU_IRQ_LINE_FIQ;
	s2.level = irq->level;
	return kc_ioctl(vcpu->fd, S2MMU_IRQ_LINE, (unsigned long)&s2);
}

int kc_vm_ioctl(struct kc_vm *vm, unsigned long cmd, unsigned long arg)
{
	switch (cmd) {
	case KVM_CHECK_EXTENSION:
		return (int)kc_check_extension((long)arg);
	case KVM_SET_USER_MEMORY_REGION:
		return kc_set_memory_region(vm, arg);
	case KVM_CREATE_VCPU:
		return kc_create_vcpu(vm, arg);
	case KVM_ARM_PREFERRED_TARGET:
		return kc_preferred_target(arg);
	case KVM_ENABLE_CAP:
		return kc_enable_cap(vm, arg);
	/* Same layout and errno as KVM's. */
	case KVM_GET_DIRTY_LOG:
		return kc_counted_ioctl(vm, KC_COUNT_GET_LOG,
					S2MMU_GET_DIRTY_LOG, arg);
	case KVM_CLEAR_DIRTY_LOG:
		return kc_counted_ioctl(vm, KC_COUNT_CLEAR_LOG,
					S2MMU_CLEAR_DIRTY_LOG, arg);
	case KVM_IRQ_LINE:
		return kc_irq_line(vm, arg);
	case KVM_CREATE_DEVICE:
		return -ENODEV;		/* no in-kernel GIC, ITS or VFIO */
	default:
		return -EINVAL;		/* as KVM/arm64 for an unknown ioctl */
	}
}
