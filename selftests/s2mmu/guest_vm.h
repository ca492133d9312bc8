/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running guest code (guest_code.h: C functions and GUEST_ASM programs)
 * on s2mmu with S2MMU_RUN, the one set of helpers every test and tool
 * that runs a guest uses: a VM with a code slot holding the "s2guest"
 * section, a stack and the exception vectors for every vCPU, the vCPU
 * reset values, ONE_REG and IRQ_LINE wrappers, and run loops that return
 * at the guest's next HVC or at an exit the caller has to handle.
 * kvm_vm.h runs the same guest code through /dev/kvm.
 *
 * Guest-physical layout (the stage-1 MMU is off unless a test turns it
 * on, so these are also the guest's virtual addresses):
 *   GUEST_MMIO_IPA                 no slot: accesses exit to the VMM
 *   GUEST_CODE_IPA                 code (the copied section)
 *   + GUEST_STACK_OFF + 16K * id   the stack of vCPU id (grows down)
 *   + GUEST_DATA_OFF               GUEST_DATA_SIZE bytes the test may use
 */
#ifndef S2MMU_GUEST_VM_H
#define S2MMU_GUEST_VM_H

#include "s2mmu_util.h"
#include "guest_code.h"

#define GUEST_MMIO_IPA		0x08000000ULL
#define GUEST_CODE_SLOT		32000
#define GUEST_CODE_IPA		0x10000000ULL
#define GUEST_CODE_SLOT_SIZE	TST_2M
#define GUEST_STACK_OFF		0x100000UL
#define GUEST_STACK_SIZE	(16UL << 10)
#define GUEST_MAX_VCPUS		8
#define GUEST_DATA_OFF		(GUEST_STACK_OFF + GUEST_MAX_VCPUS * GUEST_STACK_SIZE)
#define GUEST_DATA_IPA		(GUEST_CODE_IPA + GUEST_DATA_OFF)
#define GUEST_DATA_SIZE		(GUEST_CODE_SLOT_SIZE - GUEST_DATA_OFF)

/*
 * A vCPU after S2MMU_CREATE_VCPU (KVM's after KVM_ARM_VCPU_INIT): PSTATE
 * EL1h with D, A, I and F masked; SCTLR_EL1 with only its RES1 bits (MMU
 * and caches off); every other register 0.
 */
#define GUEST_PSTATE_RESET	0x3c5ULL
#define GUEST_SCTLR_RESET	0x30d00800ULL

/* ONE_REG ids (KVM's numbers) of the core registers tests use most. */
#define GUEST_X(n)		S2MMU_REG_CORE(regs[n])
#define GUEST_SP_EL0		S2MMU_REG_CORE(sp)
#define GUEST_PC		S2MMU_REG_CORE(pc)
#define GUEST_PSTATE		S2MMU_REG_CORE(pstate)
#define GUEST_SP_EL1		S2MMU_REG_CORE(sp_el1)

/**
 * struct guest_vm - an s2mmu VM that runs guest code
 * @dev: /dev/s2mmu
 * @vm: the VM fd
 * @code: host mapping of the code slot
 * @nr_vcpus: vCPUs created
 * @vcpu: the vCPUs
 */
struct guest_vm {
	int dev, vm;
	__u8 *code;
	int nr_vcpus;
	struct tst_vcpu vcpu[GUEST_MAX_VCPUS];
};

/* SET_ONE_REG from @val, which holds as many bytes as @id's size. */
static inline int tst_set_reg_from(struct tst_vcpu *v, __u64 id,
				   const void *val)
{
	struct s2mmu_one_reg r = { .id = id, .addr = (uintptr_t)val };

	return tst_ioctl(v->fd, S2MMU_SET_ONE_REG, (unsigned long)&r);
}

static inline int tst_set_reg(struct tst_vcpu *v, __u64 id, __u64 val)
{
	return tst_set_reg_from(v, id, &val);
}

/* GET_ONE_REG into @val, room for as many bytes as @id's size. */
static inline int tst_get_reg(struct tst_vcpu *v, __u64 id, void *val)
{
	struct s2mmu_one_reg r = { .id = id, .addr = (uintptr_t)val };

	return tst_ioctl(v->fd, S2MMU_GET_ONE_REG, (unsigned long)&r);
}

/* A 64-bit register's value; ~0 when it cannot be read. */
static inline __u64 tst_reg(struct tst_vcpu *v, __u64 id)
{
	__u64 val = ~0ULL;

	tst_get_reg(v, id, &val);
	return val;
}

static inline int tst_run(struct tst_vcpu *v)
{
	return tst_ioctl(v->fd, S2MMU_RUN, 0);
}

static inline int tst_irq_line(struct tst_vcpu *v, __u32 line, __u32 level)
{
	struct s2mmu_irq_level l = { .line = line, .level = level };

	return tst_ioctl(v->fd, S2MMU_IRQ_LINE, (unsigned long)&l);
}

/* Whether this host runs guests; 0 when it cannot be asked. */
static inline int guest_run_supported(int dev)
{
	struct s2mmu_features f = { 0 };

	if (tst_ioctl(dev, S2MMU_GET_FEATURES, (unsigned long)&f))
		return 0;
	return !!(f.flags & S2MMU_FEAT_RUN);
}

/* Whether this host runs guests, asked of a /dev/s2mmu of its own. */
static inline int guest_can_run(void)
{
	int dev = tst_open_dev();
	int ok = dev >= 0 && guest_run_supported(dev);

	if (dev >= 0)
		close(dev);
	return ok;
}

/* Where vCPU @id's stack starts (SP_EL1; it grows down). */
static inline __u64 guest_stack_top(int id)
{
	return GUEST_CODE_IPA + GUEST_STACK_OFF + (id + 1) * GUEST_STACK_SIZE;
}

/* The code slot's backing, the guest code copied in; NULL if no memory. */
static inline __u8 *guest_code_slot_alloc(void)
{
	__u8 *code = tst_alloc(TST_ANON, GUEST_CODE_SLOT_SIZE);

	if (code)
		guest_code_copy(code);
	return code;
}

/* Gives vCPU @id its stack and vectors. */
static inline int guest_vcpu_init(struct guest_vm *g, int id)
{
	struct tst_vcpu *v = &g->vcpu[id];
	__u64 sp = guest_stack_top(id);
	int ret;

	ret = tst_create_vcpu(g->dev, g->vm, id, v);
	if (ret)
		return ret;
	ret = tst_set_reg(v, GUEST_SP_EL1, sp);
	if (!ret)
		ret = tst_set_reg(v, S2MMU_REG_VBAR_EL1,
				  guest_entry(GUEST_CODE_IPA, guest_vectors));
	return ret;
}

/* Adds vCPUs up to @nr_vcpus (ids nr_vcpus-before .. nr_vcpus - 1). */
static inline int guest_vm_add_vcpus(struct guest_vm *g, int nr_vcpus)
{
	int ret;

	for (; g->nr_vcpus < nr_vcpus; g->nr_vcpus++) {
		ret = guest_vcpu_init(g, g->nr_vcpus);
		if (ret)
			return ret;
	}
	return 0;
}

/* Nothing open: what guest_vm_destroy() may be called on. */
static inline void guest_vm_init(struct guest_vm *g)
{
	int i;

	memset(g, 0, sizeof(*g));
	g->dev = -1;
	g->vm = -1;
	for (i = 0; i < GUEST_MAX_VCPUS; i++)
		g->vcpu[i].fd = -1;
}

/*
 * A VM of the default IPA size with the code slot and @nr_vcpus vCPUs.
 * Return: 0; -ENODEV no module; -EOPNOTSUPP no S2MMU_FEAT_RUN (the caller
 * skips); else -errno.  guest_vm_destroy() cleans up in every case.
 */
static inline int guest_vm_create(struct guest_vm *g, int nr_vcpus)
{
	int ret;

	guest_vm_init(g);
	if (nr_vcpus > GUEST_MAX_VCPUS || guest_code_size() > GUEST_STACK_OFF)
		return -E2BIG;
	g->dev = tst_open_dev();
	if (g->dev < 0)
		return -ENODEV;
	if (!guest_run_supported(g->dev))
		return -EOPNOTSUPP;
	g->vm = tst_create_vm(g->dev, 0);
	if (g->vm < 0)
		return g->vm;
	g->code = guest_code_slot_alloc();
	if (!g->code)
		return -ENOMEM;
	ret = tst_set_region(g->vm, GUEST_CODE_SLOT, 0, GUEST_CODE_IPA,
			     GUEST_CODE_SLOT_SIZE, g->code);
	if (ret)
		return ret;
	return guest_vm_add_vcpus(g, nr_vcpus);
}

static inline void guest_vm_destroy(struct guest_vm *g)
{
	int i;

	for (i = 0; i < GUEST_MAX_VCPUS; i++)
		if (g->vcpu[i].fd >= 0)
			tst_destroy_vcpu(&g->vcpu[i]);
	if (g->vm >= 0)
		close(g->vm);
	if (g->code)
		munmap(g->code, GUEST_CODE_SLOT_SIZE);
	if (g->dev >= 0)
		close(g->dev);
	g->vm = -1;
	g->dev = -1;
	g->code = NULL;
}

/*
 * The start of a guest test's fixture: guest_vm_create() and @size bytes
 * of @backing for the test's own slot in *@mem (NULL until allocated;
 * guest_vm_destroy() and munmap() clean up).  Return: 0; > 0 when the
 * test cannot run here, with the reason for its SKIP in *@why (no
 * S2MMU_FEAT_RUN, or no huge-page memory of that backing); else -errno
 * (plain anonymous memory missing is a failure, not a SKIP).
 */
static inline int guest_vm_create_with_mem(struct guest_vm *g, int nr_vcpus,
					   enum tst_backing backing,
					   size_t size, __u8 **mem,
					   const char **why)
{
	static char reason[64];
	int ret;

	*mem = NULL;
	ret = guest_vm_create(g, nr_vcpus);
	if (ret == -EOPNOTSUPP) {
		*why = "S2MMU_RUN not supported here";
		return 1;
	}
	if (ret)
		return ret;
	*mem = tst_alloc(backing, size);
	if (*mem)
		return 0;
	if (backing == TST_ANON)
		return -ENOMEM;
	snprintf(reason, sizeof(reason), "no %s memory",
		 tst_backing_name(backing));
	*why = reason;
	return 1;
}

/*
 * Maps every page of the guest code for execution now, through vCPU 0.
 * A test that counts stage-2 faults calls it first: where a function
 * crosses a page boundary depends on the link, and the first fetch from
 * a code page the test's earlier steps did not reach would count too.
 */
static inline int guest_map_code(struct guest_vm *g)
{
	__u64 off;
	__u32 insn;
	int ret;

	for (off = 0; off < guest_code_size(); off += TST_PAGE) {
		ret = tst_access(&g->vcpu[0], GUEST_CODE_IPA + off, &insn,
				 sizeof(insn), S2MMU_ACCESS_EXEC, NULL);
		if (ret)
			return ret;
	}
	return 0;
}

/* Host pointer to guest data at offset @off of the data area. */
static inline void *guest_data(struct guest_vm *g, __u64 off)
{
	return g->code + GUEST_DATA_OFF + off;
}

/*
 * Points the vCPU @fd at guest function @fn with up to 6 arguments in
 * x0-x5, through @set_one_reg: S2MMU_SET_ONE_REG, or KVM_SET_ONE_REG for
 * a KVM vCPU (the same argument layout and register ids).
 */
static inline int guest_start_fd(int fd, unsigned long set_one_reg,
				 const void *fn, int nargs, const __u64 *args)
{
	__u64 val = guest_entry(GUEST_CODE_IPA, fn);
	struct s2mmu_one_reg r = { .id = GUEST_PC, .addr = (uintptr_t)&val };
	int i, ret;

	ret = tst_ioctl(fd, set_one_reg, (unsigned long)&r);
	for (i = 0; i < nargs && i < 6 && !ret; i++) {
		val = args[i];
		r.id = GUEST_X(i);
		ret = tst_ioctl(fd, set_one_reg, (unsigned long)&r);
	}
	return ret;
}

static inline int guest_start(struct tst_vcpu *v, const void *fn, int nargs,
			      const __u64 *args)
{
	return guest_start_fd(v->fd, S2MMU_SET_ONE_REG, fn, nargs, args);
}

/*
 * Starts @v in guest_cmd_loop() (guest_code.h), with @hook (a GUEST_CODE
 * guest_cmd_hook_t, or NULL) for the test's own commands.
 */
static inline int guest_cmd_start(struct tst_vcpu *v, const void *hook)
{
	__u64 arg = hook ? guest_entry(GUEST_CODE_IPA, hook) : 0;

	return guest_start(v, guest_cmd_loop, 1, &arg);
}

/* The command guest_cmd_loop() runs when the vCPU next runs. */
static inline void guest_cmd_put(struct tst_vcpu *v, __u64 op, __u64 addr,
				 __u64 val)
{
	v->run->hypercall.ret[0] = op;
	v->run->hypercall.ret[1] = addr;
	v->run->hypercall.ret[2] = val;
}

/*
 * S2MMU_RUN until the guest's next HVC.  Return: 0 at an HVC (see
 * run->hypercall); the exit reason (> 0) of any other exit the VMM must
 * handle (MMIO, internal error); -errno when S2MMU_RUN failed (-EINTR for
 * a signal or immediate_exit).
 */
static inline int guest_run(struct tst_vcpu *v)
{
	int ret = tst_run(v);

	if (ret)
		return ret;
	if (v->run->exit_reason == S2MMU_EXIT_HYPERCALL)
		return 0;
	return v->run->exit_reason ? (int)v->run->exit_reason : -EPROTO;
}

/* The guest's x@n at its last HVC. */
static inline __u64 guest_arg(struct tst_vcpu *v, int n)
{
	return v->run->hypercall.args[n];
}

/* What the last exit was, for a failure message. */
static inline const char *guest_exit_str(struct tst_vcpu *v, int ret,
					 char *buf, size_t len)
{
	struct s2mmu_run *r = v->run;

	if (ret < 0)
		snprintf(buf, len, "S2MMU_RUN: %s", strerror(-ret));
	else if (r->exit_reason == S2MMU_EXIT_HYPERCALL &&
		 r->hypercall.args[0] == GUEST_EXC)
		snprintf(buf, len,
			 "guest exception: ESR_EL1 0x%llx ELR 0x%llx FAR 0x%llx vector +0x%llx",
			 r->hypercall.args[1], r->hypercall.args[2],
			 r->hypercall.args[3],
			 r->hypercall.args[4] - guest_entry(GUEST_CODE_IPA, guest_vectors));
	else if (r->exit_reason == S2MMU_EXIT_HYPERCALL)
		snprintf(buf, len, "hvc #%llu x0 0x%llx x1 0x%llx x2 0x%llx x3 0x%llx",
			 r->hypercall.imm, r->hypercall.args[0],
			 r->hypercall.args[1], r->hypercall.args[2],
			 r->hypercall.args[3]);
	else if (r->exit_reason == S2MMU_EXIT_MMIO)
		snprintf(buf, len, "mmio %s 0x%llx len %u",
			 r->mmio.is_write ? "write" : "read",
			 r->mmio.phys_addr, r->mmio.len);
	else if (r->exit_reason == S2MMU_EXIT_INTERNAL_ERROR)
		snprintf(buf, len,
			 "internal error %u: ESR_EL2 0x%llx FAR 0x%llx HPFAR 0x%llx PC 0x%llx",
			 r->internal.suberror, r->internal.esr, r->internal.far,
			 r->internal.hpfar, r->internal.pc);
	else
		snprintf(buf, len, "exit %u", r->exit_reason);
	return buf;
}

/*
 * The vector entry (GUEST_VEC_*) of the exception guest_vectors reported
 * at the last exit; -1 when the exit was no such report.
 */
static inline int guest_exc_vector(struct tst_vcpu *v)
{
	struct s2mmu_run *r = v->run;
	__u64 base = guest_entry(GUEST_CODE_IPA, guest_vectors);

	if (r->exit_reason != S2MMU_EXIT_HYPERCALL ||
	    r->hypercall.args[0] != GUEST_EXC)
		return -1;
	return (r->hypercall.args[4] - base) / GUEST_VEC_SIZE;
}

/*
 * S2MMU_RUN once, for a guest that reports with "hvc #imm".  Return: the
 * immediate; -1 on any other exit or error, described on stderr.
 */
static inline long guest_run_until_hvc(struct tst_vcpu *v)
{
	char why[160];
	int ret = tst_run(v);

	if (!ret && v->run->exit_reason == S2MMU_EXIT_HYPERCALL)
		return (long)v->run->hypercall.imm;
	fprintf(stderr, "# %s\n", guest_exit_str(v, ret, why, sizeof(why)));
	return -1;
}

/*
 * Runs @v until an HVC whose x0 is @want (GUEST_SYNC, GUEST_DONE).
 * Return: 0, or -1 after describing what came instead in @why.
 */
static inline int guest_expect_hvc(struct tst_vcpu *v, __u64 want, char *why,
				   size_t len)
{
	int ret = guest_run(v);

	if (!ret && guest_arg(v, 0) == want)
		return 0;
	guest_exit_str(v, ret, why, len);
	return -1;
}

/**
 * struct guest_mmio_log - the MMIO exits guest_cmd() answered
 * @read_val: in: the data every MMIO read gets
 * @exits: how many
 * @last: the run page at the last one, as the exit left it
 */
struct guest_mmio_log {
	__u64 read_val;
	__u64 exits;
	struct s2mmu_run last;
};

/*
 * For a guest in guest_cmd_loop() (its GUEST_SYNC HVC returns a command in
 * x0, an address in x1, a value in x2; its next GUEST_SYNC reports the
 * result in x1): hands it @op, @addr, @val and runs it to that next
 * GUEST_SYNC, whose result goes to *@res.  MMIO exits on the way are
 * logged in @log, and a read gets @log->read_val.  Return: 0, or the last
 * guest_run() value of anything else (guest_exit_str() describes it;
 * S2MMU_EXIT_HYPERCALL for an HVC that is not GUEST_SYNC).
 */
static inline int guest_cmd(struct tst_vcpu *v, __u64 op, __u64 addr,
			    __u64 val, struct guest_mmio_log *log, __u64 *res)
{
	struct s2mmu_run *run = v->run;
	int ret;

	guest_cmd_put(v, op, addr, val);
	for (;;) {
		ret = guest_run(v);
		if (ret == 0 && guest_arg(v, 0) == GUEST_SYNC) {
			*res = guest_arg(v, 1);
			return 0;
		}
		if (ret != S2MMU_EXIT_MMIO)
			return ret ? ret : S2MMU_EXIT_HYPERCALL;
		log->exits++;
		log->last = *run;
		if (!run->mmio.is_write)
			memcpy(run->mmio.data, &log->read_val,
			       sizeof(log->read_val));
	}
}

#endif /* S2MMU_GUEST_VM_H */
