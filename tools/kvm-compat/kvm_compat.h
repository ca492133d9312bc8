/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm-compat: KVM's arm64 ioctls on /dev/kvm and its VM and vCPU file
 * descriptors, carried out on s2mmu.  A KVM program is linked with
 * kvm_compat.o and -Wl,--wrap=open,--wrap=ioctl,--wrap=mmap,--wrap=close;
 * its calls then reach __wrap_*() here, which pass everything that is not
 * a compat file descriptor to the C library unchanged.  The same binary
 * runs on real KVM when /dev/kvm exists (or KVM_COMPAT_BACKEND=kvm).
 * What is mapped and what is refused: Documentation/kvm-compat.rst.
 */
#ifndef KVM_COMPAT_H
#define KVM_COMPAT_H

#include <linux/kvm.h>
#include <linux/s2mmu.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a file descriptor the layer handed out stands for. */
enum kc_kind {
	KC_NONE,	/* not ours: the C library handles it */
	KC_SYSTEM,	/* "/dev/kvm", really /dev/s2mmu */
	KC_VM,
	KC_VCPU,
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* The KVM vCPU index a VM can address through KVM_IRQ_LINE. */
#define KC_MAX_VCPUS	S2MMU_MAX_VCPUS

/**
 * struct kc_vm - a VM file descriptor
 * @fd: the s2mmu VM fd, also the number the program sees
 * @serial: tells this VM from a later one that reuses @fd
 * @ipa_bits: IPA size it was created with
 * @nr_vcpus: vCPUs created so far (KVM's vcpu_idx is the creation order)
 * @vcpu_fds: fd of each vCPU by creation order
 */
struct kc_vm {
	int fd;
	uint64_t serial;
	unsigned int ipa_bits;
	unsigned int nr_vcpus;
	int vcpu_fds[KC_MAX_VCPUS];
};

/* One register value as ONE_REG moves it (up to 128 bits). */
struct kc_reg {
	uint64_t id;
	uint64_t val[2];
};

/**
 * struct kc_vcpu - a vCPU file descriptor
 * @fd: the s2mmu vCPU fd
 * @vm_serial: &kc_vm.serial of its VM
 * @srun: s2mmu's shared page of the vCPU
 * @krun_fd: memfd behind the program's struct kvm_run, so that each
 *	mmap() of @fd is a view of the same page the layer writes
 * @krun: the layer's own view of it
 * @krun_size: its size, what KVM_GET_VCPU_MMAP_SIZE returns
 * @initialised: KVM_ARM_VCPU_INIT was called
 * @features: the features of the first KVM_ARM_VCPU_INIT
 * @has_sigmask: KVM_SET_SIGNAL_MASK gave @sigmask
 * @sigmask: the signal mask in force while the guest runs
 * @reset: register values right after S2MMU_CREATE_VCPU
 * @nr_reset: entries in @reset
 * @pending_mmio_read: the last exit was an MMIO read: the program's data
 *	goes back to s2mmu on the next KVM_RUN
 */
struct kc_vcpu {
	int fd;
	uint64_t vm_serial;
	struct s2mmu_run *srun;
	int krun_fd;
	struct kvm_run *krun;
	size_t krun_size;
	bool initialised;
	uint32_t features;
	bool has_sigmask;
	sigset_t sigmask;
	struct kc_reg *reset;
	unsigned int nr_reset;
	bool pending_mmio_read;
};

/* kvm_compat.c: what the module reported at the first open. */
extern struct s2mmu_features kc_feat;
extern size_t kc_srun_size;

/* kvm_compat.c: the file descriptor table. */
int kc_add(int fd, enum kc_kind kind, void *obj);
enum kc_kind kc_lookup(int fd, void **obj);
size_t kc_run_size(void);
int kc_sys_ioctl(int fd, unsigned long cmd, unsigned long arg);

/* kvm_compat_caps.c: KVM_CHECK_EXTENSION. */
long kc_check_extension(long cap);
int kc_features(int fd, struct s2mmu_features *feat);

/* kvm_compat_vm.c */
int kc_create_vm(int sys_fd, unsigned long type);
int kc_vm_ioctl(struct kc_vm *vm, unsigned long cmd, unsigned long arg);
void kc_vm_free(struct kc_vm *vm);

/* kvm_compat_vcpu.c */
int kc_create_vcpu(struct kc_vm *vm, unsigned long id);
int kc_vcpu_ioctl(struct kc_vcpu *vcpu, unsigned long cmd, unsigned long arg);
int kc_vcpu_mmap(struct kc_vcpu *vcpu, void **addr, size_t len, int prot,
		 int flags, long offset);
void kc_vcpu_free(struct kc_vcpu *vcpu);

/* kvm_compat_run.c */
int kc_vcpu_run(struct kc_vcpu *vcpu);

/* kvm_compat_counts.c: s2mmu's counters per dirty-log ioctl (benchmarks). */
enum kc_count_id {
	KC_COUNT_SET_REGION,
	KC_COUNT_GET_LOG,
	KC_COUNT_CLEAR_LOG,
	KC_COUNT_NR,
};

int kc_counted_ioctl(struct kc_vm *vm, enum kc_count_id id,
		     unsigned long cmd, unsigned long arg);

/* The C library's own functions, which --wrap renames. */
int __real_open(const char *path, int flags, ...);
int __real_ioctl(int fd, unsigned long cmd, ...);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd,
		  long offset);
int __real_close(int fd);

/* An s2mmu ioctl: its result, or -errno. */
static inline int kc_ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	int ret = __real_ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

#endif /* KVM_COMPAT_H */
