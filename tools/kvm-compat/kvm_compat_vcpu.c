// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-compat: the vCPU file descriptor, except KVM_RUN (kvm_compat_run.c).
 * s2mmu's register ids are KVM's numbers, with three differences the
 * layer absorbs: the ID registers (s2mmu has none; the layer answers the
 * ones S2MMU_GET_FEATURES reports), KVM's timer ids (CVAL's id carries
 * another encoding) and KVM_ARM_VCPU_INIT (s2mmu resets at creation).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/const.h>

#include "kvm_compat.h"

/* System register encodings as ONE_REG ids carry them. */
#define KC_SYSREG(op0, op1, crn, crm, op2) \
	S2MMU_REG_SYS(op0, op1, crn, crm, op2)
#define KC_ID_AA64ISAR0_EL1	KC_SYSREG(3, 0, 0, 6, 0)
#define KC_ID_AA64MMFR0_EL1	KC_SYSREG(3, 0, 0, 7, 0)
#define KC_ID_AA64MMFR1_EL1	KC_SYSREG(3, 0, 0, 7, 1)
#define KC_ID_AA64MMFR2_EL1	KC_SYSREG(3, 0, 0, 7, 2)
#define KC_NR_ID_REGS		4

static const uint64_t kc_id_regs[KC_NR_ID_REGS] = {
	KC_ID_AA64ISAR0_EL1, KC_ID_AA64MMFR0_EL1,
	KC_ID_AA64MMFR1_EL1, KC_ID_AA64MMFR2_EL1,
};

/* KVM_ARM_VCPU_INIT features s2mmu (with the layer's PSCI) provides. */
#define KC_VCPU_FEATURES	_BITUL(KVM_ARM_VCPU_PSCI_0_2)

/* The ID register value the host reports, or -ENOENT. */
static int kc_id_reg(uint64_t id, uint64_t *val)
{
	switch (id) {
	case KC_ID_AA64ISAR0_EL1:
		*val = kc_feat.id_aa64isar0;
		return 0;
	case KC_ID_AA64MMFR0_EL1:
		*val = kc_feat.id_aa64mmfr0;
		return 0;
	case KC_ID_AA64MMFR1_EL1:
		*val = kc_feat.id_aa64mmfr1;
		return 0;
	case KC_ID_AA64MMFR2_EL1:
		*val = kc_feat.id_aa64mmfr2;
		return 0;
	default:
		return -ENOENT;
	}
}

static bool kc_is_id_reg(uint64_t id)
{
	/* op0 3, op1 0, CRn 0: the ID register space. */
	return (id & ~0x7fULL) == (KC_SYSREG(3, 0, 0, 0, 0) & ~0x7fULL);
}

/* KVM's id for a register -> s2mmu's, or 0 for one s2mmu lacks. */
static uint64_t kc_reg_id_to_s2mmu(uint64_t id)
{
	if (id == KVM_REG_ARM_TIMER_CVAL)
		return S2MMU_REG_CNTV_CVAL_EL0;
	if (id == KVM_REG_ARM_TIMER_CNT)
		return 0;	/* same number as s2mmu's CVAL: not that */
	return id;
}

static uint64_t kc_reg_id_from_s2mmu(uint64_t id)
{
	return id == S2MMU_REG_CNTV_CVAL_EL0 ? KVM_REG_ARM_TIMER_CVAL : id;
}

static int kc_one_reg(struct kc_vcpu *vcpu, unsigned long cmd,
		      unsigned long arg)
{
	struct kvm_one_reg *reg = (void *)arg;
	struct s2mmu_one_reg s2;
	uint64_t val;
	int err;

	if (!reg)
		return -EFAULT;
	if (!vcpu->initialised)
		return -ENOEXEC;
	if (kc_is_id_reg(reg->id)) {
		err = kc_id_reg(reg->id, &val);
		if (err)
			return err;
		if (cmd == KVM_GET_ONE_REG) {
			memcpy((void *)reg->addr, &val, sizeof(val));
			return 0;
		}
		/* Writable only to the value it has, as KVM's 6.1 rule. */
		return memcmp((void *)reg->addr, &val, sizeof(val)) ? -EINVAL : 0;
	}
	s2.id = kc_reg_id_to_s2mmu(reg->id);
	s2.addr = reg->addr;
	if (!s2.id)
		return -ENOENT;
	return kc_ioctl(vcpu->fd, cmd == KVM_GET_ONE_REG ? S2MMU_GET_ONE_REG :
			S2MMU_SET_ONE_REG, (unsigned long)&s2);
}

/* s2mmu's list in KVM's numbering, then the ID registers. */
static int kc_reg_list(struct kc_vcpu *vcpu, unsigned long arg)
{
	struct kvm_reg_list *user = (void *)arg, probe = { .n = 0 };
	struct s2mmu_reg_list *list;
	uint64_t i, n;
	int err;

	if (!user)
		return -EFAULT;
	err = kc_ioctl(vcpu->fd, S2MMU_GET_REG_LIST, (unsigned long)&probe);
	if (err && err != -E2BIG)
		return err;
	n = probe.n + KC_NR_ID_REGS;
	if (user->n < n) {
		user->n = n;
		return -E2BIG;
	}
	list = calloc(1, sizeof(*list) + probe.n * sizeof(list->reg[0]));
	if (!list)
		return -ENOMEM;
	list->n = probe.n;
	err = kc_ioctl(vcpu->fd, S2MMU_GET_REG_LIST, (unsigned long)list);
	for (i = 0; !err && i < list->n; i++)
		user->reg[i] = kc_reg_id_from_s2mmu(list->reg[i]);
	for (i = 0; !err && i < KC_NR_ID_REGS; i++)
		user->reg[list->n + i] = kc_id_regs[i];
	if (!err)
		user->n = list->n + KC_NR_ID_REGS;
	free(list);
	return err;
}

/* Reads every register of a new vCPU: KVM_ARM_VCPU_INIT restores them. */
static int kc_snapshot_reset(struct kc_vcpu *vcpu)
{
	struct s2mmu_reg_list probe = { .n = 0 }, *list;
	struct s2mmu_one_reg reg;
	unsigned int i;
	int err;

	err = kc_ioctl(vcpu->fd, S2MMU_GET_REG_LIST, (unsigned long)&probe);
	if (err != -E2BIG)
		return err ? err : -EINVAL;
	list = calloc(1, sizeof(*list) + probe.n * sizeof(list->reg[0]));
	vcpu->reset = calloc(probe.n, sizeof(*vcpu->reset));
	if (!list || !vcpu->reset) {
		free(list);
		return -ENOMEM;
	}
	list->n = probe.n;
	err = kc_ioctl(vcpu->fd, S2MMU_GET_REG_LIST, (unsigned long)list);
	for (i = 0; !err && i < list->n; i++) {
		vcpu->reset[i].id = list->reg[i];
		reg.id = list->reg[i];
		reg.addr = (uint64_t)vcpu->reset[i].val;
		err = kc_ioctl(vcpu->fd, S2MMU_GET_ONE_REG, (unsigned long)&reg);
	}
	vcpu->nr_reset = err ? 0 : list->n;
	free(list);
	return err;
}

static int kc_vcpu_init(struct kc_vcpu *vcpu, unsigned long arg)
{
	struct kvm_vcpu_init *init = (void *)arg;
	struct s2mmu_one_reg reg;
	unsigned int i;
	int err;

	if (!init)
		return -EFAULT;
	if (init->target != KVM_ARM_TARGET_GENERIC_V8)
		return -EINVAL;
	for (i = 1; i < ARRAY_SIZE(init->features); i++)
		if (init->features[i])
			return -EINVAL;
	if (init->features[0] & ~KC_VCPU_FEATURES)
		return -EINVAL;
	if (vcpu->initialised && init->features[0] != vcpu->features)
		return -EINVAL;
	/* A second INIT resets the vCPU, as on KVM. */
	for (i = 0; vcpu->initialised && i < vcpu->nr_reset; i++) {
		reg.id = vcpu->reset[i].id;
		reg.addr = (uint64_t)vcpu->reset[i].val;
		err = kc_ioctl(vcpu->fd, S2MMU_SET_ONE_REG, (unsigned long)&reg);
		if (err)
			return err;
	}
	vcpu->features = init->features[0];
	vcpu->initialised = true;
	return 0;
}

static int kc_signal_mask(struct kc_vcpu *vcpu, unsigned long arg)
{
	struct kvm_signal_mask *mask = (void *)arg;

	if (!mask) {
		vcpu->has_sigmask = false;
		return 0;
	}
	if (mask->len != 8)	/* the kernel's sigset_t on arm64 */
		return -EINVAL;
	sigemptyset(&vcpu->sigmask);
	memcpy(&vcpu->sigmask, mask->sigset, mask->len);
	vcpu->has_sigmask = true;
	return 0;
}

/* KVM's default PPIs of the virtual and physical timers. */
#define KC_VTIMER_PPI	27
#define KC_PTIMER_PPI	30

/*
 * The timers' interrupt numbers, the only vCPU attributes: s2mmu's vCPU
 * has the virtual timer but no GIC to route it, so reading KVM's default
 * PPIs describes it; setting them, and every other group, is ENXIO.
 */
static int kc_device_attr(struct kc_vcpu *vcpu, unsigned long cmd,
			  unsigned long arg)
{
	struct kvm_device_attr *attr = (void *)arg;
	uint32_t ppi;

	if (!attr)
		return -EFAULT;
	if (attr->flags)
		return -EINVAL;
	if (attr->group != KVM_ARM_VCPU_TIMER_CTRL ||
	    attr->attr > KVM_ARM_VCPU_TIMER_IRQ_PTIMER)
		return -ENXIO;
	if (cmd == KVM_HAS_DEVICE_ATTR)
		return 0;
	if (cmd == KVM_SET_DEVICE_ATTR)
		return -ENXIO;
	ppi = attr->attr == KVM_ARM_VCPU_TIMER_IRQ_VTIMER ? KC_VTIMER_PPI :
							     KC_PTIMER_PPI;
	memcpy((void *)attr->addr, &ppi, sizeof(ppi));
	return 0;
}

int kc_vcpu_ioctl(struct kc_vcpu *vcpu, unsigned long cmd, unsigned long arg)
{
	switch (cmd) {
	case KVM_RUN:
		return kc_vcpu_run(vcpu);
	case KVM_ARM_VCPU_INIT:
		return kc_vcpu_init(vcpu, arg);
	case KVM_GET_ONE_REG:
	case KVM_SET_ONE_REG:
		return kc_one_reg(vcpu, cmd, arg);
	case KVM_GET_REG_LIST:
		return kc_reg_list(vcpu, arg);
	case KVM_SET_SIGNAL_MASK:
		return kc_signal_mask(vcpu, arg);
	case KVM_HAS_DEVICE_ATTR:
	case KVM_GET_DEVICE_ATTR:
	case KVM_SET_DEVICE_ATTR:
		return kc_device_attr(vcpu, cmd, arg);
	default:
		return -EINVAL;		/* as KVM/arm64 for an unknown ioctl */
	}
}

static int kc_vcpu_pages(struct kc_vcpu *vcpu)
{
	vcpu->srun = __real_mmap(NULL, kc_srun_size, PROT_READ | PROT_WRITE,
				 MAP_SHARED, vcpu->fd, 0);
	if (vcpu->srun == MAP_FAILED)
		return -errno;
	vcpu->krun_size = kc_run_size();
	vcpu->krun_fd = memfd_create("kvm_run", MFD_CLOEXEC);
	if (vcpu->krun_fd < 0 || ftruncate(vcpu->krun_fd, vcpu->krun_size))
		return -errno;
	vcpu->krun = __real_mmap(NULL, vcpu->krun_size, PROT_READ | PROT_WRITE,
				 MAP_SHARED, vcpu->krun_fd, 0);
	return vcpu->krun == MAP_FAILED ? -errno : 0;
}

int kc_create_vcpu(struct kc_vm *vm, unsigned long id)
{
	struct kc_vcpu *vcpu;
	int err;

	if (id >= KC_MAX_VCPUS || vm->nr_vcpus >= KC_MAX_VCPUS)
		return -EINVAL;
	vcpu = calloc(1, sizeof(*vcpu));
	if (!vcpu)
		return -ENOMEM;
	vcpu->krun_fd = -1;
	vcpu->fd = kc_ioctl(vm->fd, S2MMU_CREATE_VCPU, id);
	if (vcpu->fd < 0) {
		err = vcpu->fd;
		free(vcpu);
		return err;
	}
	vcpu->vm_serial = vm->serial;
	err = kc_vcpu_pages(vcpu);
	if (!err)
		err = kc_snapshot_reset(vcpu);
	if (!err)
		err = kc_add(vcpu->fd, KC_VCPU, vcpu);
	if (err) {
		int fd = vcpu->fd;

		kc_vcpu_free(vcpu);
		__real_close(fd);
		return err;
	}
	vm->vcpu_fds[vm->nr_vcpus++] = vcpu->fd;
	return vcpu->fd;
}

int kc_vcpu_mmap(struct kc_vcpu *vcpu, void **addr, size_t len, int prot,
		 int flags, long offset)
{
	void *p;

	if (offset || len > vcpu->krun_size)
		return -EINVAL;
	p = __real_mmap(*addr, len, prot, flags, vcpu->krun_fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	*addr = p;
	return 0;
}

void kc_vcpu_free(struct kc_vcpu *vcpu)
{
	if (vcpu->srun && vcpu->srun != MAP_FAILED)
		munmap(vcpu->srun, kc_srun_size);
	if (vcpu->krun && vcpu->krun != MAP_FAILED)
		munmap(vcpu->krun, vcpu->krun_size);
	if (vcpu->krun_fd >= 0)
		__real_close(vcpu->krun_fd);
	free(vcpu->reset);
	free(vcpu);
}
