/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for selftests that run real guest code with S2MMU_RUN.
 *
 * Self-contained (no other test header needed).  What it offers:
 * - GUEST_CODE(name, "asm"): a guest program in AArch64 assembly, kept as
 *   bytes in the test binary between guest_<name>_start and
 *   guest_<name>_end.  It must be position independent (PC-relative
 *   branches and adr only): guest_load() copies it into guest memory.
 * - struct guest_vm, guest_vm_create() / guest_vm_destroy(): a VM with one
 *   RAM slot (GUEST_RAM_IPA, anonymous memory the test can read and write
 *   at @ram) and any number of vCPUs with their shared run pages.
 * - guest_load(): copy a program into RAM; guest_vcpu_start(): PC and SP
 *   of a vCPU (SP_EL1 at the top of a per-vCPU stack in RAM).
 * - guest_get_reg() / guest_set_reg() (ONE_REG, 64-bit ids) and the id
 *   macros GUEST_X(n), GUEST_PC, GUEST_PSTATE, GUEST_SP_EL1.
 * - guest_run(): S2MMU_RUN, returning 0 or -errno.
 * - guest_run_until_hvc(): run, handling nothing else: returns the
 *   hypercall immediate, or -1 on any other exit (printed).
 * - guest_irq_line(): S2MMU_IRQ_LINE.
 * - guest_can_run(): whether the kernel reports S2MMU_FEAT_RUN.
 * - GUEST_VECTORS: a guest EL1 vector table template whose every entry
 *   does "hvc #0x100 + index" (index 0-15), so a test sees which vector
 *   the guest took; load it 2K-aligned and point VBAR_EL1 at it.
 */
#ifndef GUEST_UTIL_H
#define GUEST_UTIL_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/s2mmu.h>

/* Guest RAM: where the virt machine puts it; MMIO well below. */
#define GUEST_RAM_IPA		0x40000000ULL
#define GUEST_MMIO_IPA		0x10000000ULL
#define GUEST_PAGE		4096UL
/* Each vCPU's stack: 16 KiB below the top of RAM, vCPU 0 highest. */
#define GUEST_STACK_SIZE	0x4000UL
#define GUEST_MAX_VCPUS		8

#define GUEST_STR(x)		#x
#define GUEST_XSTR(x)		GUEST_STR(x)

/* A guest program: bytes in .rodata, between two global labels. */
#define GUEST_CODE(name, body)						\
	extern const char guest_##name##_start[], guest_##name##_end[];	\
	asm(".pushsection .rodata.guest_" #name ", \"a\"\n"		\
	    ".balign 2048\n"						\
	    ".global guest_" #name "_start\n"				\
	    "guest_" #name "_start:\n"					\
	    body "\n"							\
	    ".global guest_" #name "_end\n"				\
	    "guest_" #name "_end:\n"					\
	    ".popsection\n")

/* 16 vector entries of 0x80 bytes, entry n doing "hvc #(0x100 + n)". */
#define GUEST_VECTORS							\
	".irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15\n"	\
	".balign 128\n hvc #(0x100 + \\n)\n b .\n .endr\n"

/* Vector index of an IRQ taken from EL1h (current EL, SP_ELx). */
#define GUEST_VEC_EL1H_SYNC	4
#define GUEST_VEC_EL1H_IRQ	5
#define GUEST_VEC_EL1H_FIQ	6

/* ONE_REG ids (KVM's numbers). */
#define GUEST_X(n)		S2MMU_REG_CORE(regs[n])
#define GUEST_SP_EL0		S2MMU_REG_CORE(sp)
#define GUEST_PC		S2MMU_REG_CORE(pc)
#define GUEST_PSTATE		S2MMU_REG_CORE(pstate)
#define GUEST_SP_EL1		S2MMU_REG_CORE(sp_el1)

/* SPSR/PSTATE: EL1h with D, A, I, F masked (the reset value). */
#define GUEST_PSTATE_EL1H_MASKED	0x3c5ULL

struct guest_vcpu {
	int fd;
	struct s2mmu_run *run;
};

/**
 * struct guest_vm - a VM with one RAM slot
 * @dev: /dev/s2mmu
 * @fd: the VM fd
 * @ram: the slot's backing memory in this process
 * @ram_size: its size
 * @nr_vcpus: vCPUs created
 * @vcpu: the vCPUs
 */
struct guest_vm {
	int dev;
	int fd;
	unsigned char *ram;
	size_t ram_size;
	int nr_vcpus;
	struct guest_vcpu vcpu[GUEST_MAX_VCPUS];
};

static inline long guest_ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	long ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

static inline int guest_can_run(void)
{
	struct s2mmu_features f;
	int dev = open("/dev/s2mmu", O_RDWR | O_CLOEXEC);
	int ok;

	if (dev < 0)
		return 0;
	ok = !ioctl(dev, S2MMU_GET_FEATURES, &f) && (f.flags & S2MMU_FEAT_RUN);
	close(dev);
	return ok;
}

static inline int guest_set_slot(struct guest_vm *g, __u32 slot, __u32 flags,
				 __u64 ipa, __u64 size, void *mem)
{
	struct s2mmu_userspace_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = ipa,
		.memory_size = size, .userspace_addr = (uintptr_t)mem,
	};

	return guest_ioctl(g->fd, S2MMU_SET_USER_MEMORY_REGION,
			   (unsigned long)&r);
}

static inline int guest_add_vcpu(struct guest_vm *g)
{
	long size = guest_ioctl(g->dev, S2MMU_GET_VCPU_MMAP_SIZE, 0);
	struct guest_vcpu *v = &g->vcpu[g->nr_vcpus];

	if (g->nr_vcpus >= GUEST_MAX_VCPUS || size < 0)
		return -EINVAL;
	v->fd = guest_ioctl(g->fd, S2MMU_CREATE_VCPU, g->nr_vcpus);
	if (v->fd < 0)
		return v->fd;
	v->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED)
		return -errno;
	g->nr_vcpus++;
	return 0;
}

/* A VM with @ram_size bytes of RAM at GUEST_RAM_IPA and @nr_vcpus vCPUs. */
static inline int guest_vm_create(struct guest_vm *g, size_t ram_size,
				  int nr_vcpus)
{
	int i, ret;

	memset(g, 0, sizeof(*g));
	g->fd = -1;
	g->dev = open("/dev/s2mmu", O_RDWR | O_CLOEXEC);
	if (g->dev < 0)
		return -errno;
	g->fd = guest_ioctl(g->dev, S2MMU_CREATE_VM, 0);
	if (g->fd < 0)
		return g->fd;
	g->ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->ram == MAP_FAILED)
		return -errno;
	g->ram_size = ram_size;
	ret = guest_set_slot(g, 0, 0, GUEST_RAM_IPA, ram_size, g->ram);
	for (i = 0; !ret && i < nr_vcpus; i++)
		ret = guest_add_vcpu(g);
	return ret;
}

static inline void guest_vm_destroy(struct guest_vm *g)
{
	int i;

	for (i = 0; i < g->nr_vcpus; i++) {
		munmap(g->vcpu[i].run, GUEST_PAGE);
		close(g->vcpu[i].fd);
	}
	if (g->fd >= 0)
		close(g->fd);
	if (g->ram && g->ram != MAP_FAILED)
		munmap(g->ram, g->ram_size);
	if (g->dev >= 0)
		close(g->dev);
	memset(g, 0, sizeof(*g));
}

/* Copy [start, end) to guest RAM at @offset; return its IPA. */
static inline __u64 guest_load(struct guest_vm *g, size_t offset,
			       const char *start, const char *end)
{
	memcpy(g->ram + offset, start, end - start);
	__builtin___clear_cache(g->ram + offset, g->ram + offset + (end - start));
	return GUEST_RAM_IPA + offset;
}

static inline int guest_get_reg(struct guest_vcpu *v, __u64 id, __u64 *val)
{
	struct s2mmu_one_reg r = { .id = id, .addr = (uintptr_t)val };

	return guest_ioctl(v->fd, S2MMU_GET_ONE_REG, (unsigned long)&r);
}

static inline int guest_set_reg(struct guest_vcpu *v, __u64 id, __u64 val)
{
	struct s2mmu_one_reg r = { .id = id, .addr = (uintptr_t)&val };

	return guest_ioctl(v->fd, S2MMU_SET_ONE_REG, (unsigned long)&r);
}

static inline __u64 guest_reg(struct guest_vcpu *v, __u64 id)
{
	__u64 val = ~0ULL;

	guest_get_reg(v, id, &val);
	return val;
}

/* PC at @pc, SP_EL1 at the top of vCPU @idx's stack. */
static inline int guest_vcpu_start(struct guest_vm *g, int idx, __u64 pc)
{
	__u64 sp = GUEST_RAM_IPA + g->ram_size - idx * GUEST_STACK_SIZE;

	return guest_set_reg(&g->vcpu[idx], GUEST_PC, pc) ?:
	       guest_set_reg(&g->vcpu[idx], GUEST_SP_EL1, sp);
}

static inline int guest_run(struct guest_vcpu *v)
{
	return guest_ioctl(v->fd, S2MMU_RUN, 0);
}

static inline int guest_irq_line(struct guest_vcpu *v, __u32 line,
				 __u32 level)
{
	struct s2mmu_irq_level l = { .line = line, .level = level };

	return guest_ioctl(v->fd, S2MMU_IRQ_LINE, (unsigned long)&l);
}

static inline void guest_print_exit(FILE *f, struct guest_vcpu *v, int ret)
{
	struct s2mmu_run *run = v->run;

	fprintf(f, "run: %d exit %u", ret, run->exit_reason);
	if (run->exit_reason == S2MMU_EXIT_INTERNAL_ERROR)
		fprintf(f, " sub %u esr %#llx far %#llx hpfar %#llx pc %#llx",
			run->internal.suberror,
			(unsigned long long)run->internal.esr,
			(unsigned long long)run->internal.far,
			(unsigned long long)run->internal.hpfar,
			(unsigned long long)run->internal.pc);
	if (run->exit_reason == S2MMU_EXIT_MMIO)
		fprintf(f, " mmio %#llx len %u write %u",
			(unsigned long long)run->mmio.phys_addr,
			run->mmio.len, run->mmio.is_write);
	fprintf(f, "\n");
}

/* Run until a hypercall; return its immediate, or -1 (exit printed). */
static inline long guest_run_until_hvc(struct guest_vcpu *v)
{
	int ret = guest_run(v);

	if (ret || v->run->exit_reason != S2MMU_EXIT_HYPERCALL) {
		guest_print_exit(stderr, v, ret);
		return -1;
	}
	return (long)v->run->hypercall.imm;
}

#endif /* GUEST_UTIL_H */
