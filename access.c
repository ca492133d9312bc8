// SPDX-License-Identifier: GPL-2.0
/*
 * s2mmu software vCPU access path (S2MMU_VCPU_ACCESS): each access is
 * translated through the VM's stage-2 table as the MMU would; a stage-2
 * fault gets the syndrome the hardware would build, goes to the fault
 * handler, and the access is tried again, as the guest would re-execute
 * the instruction.
 */
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <uapi/linux/s2mmu.h>
#include "s2_pgtable.h"
#include "s2mmu.h"
#include "s2mmu_vm.h"
#include "s2mmu_lockrank.h"

/*
 * Faults one page may take in one access before the access gives up with
 * -EAGAIN: a guest page the VMM keeps changing, not a kernel bug.  A
 * parameter so that a test can reach the limit without winning a race
 * a thousand times in a row (hardening_test).
 */
static unsigned int s2mmu_max_access_faults = 1000;
module_param_named(max_access_faults, s2mmu_max_access_faults, uint, 0644);
MODULE_PARM_DESC(max_access_faults, "faults one page may take in one S2MMU_VCPU_ACCESS before -EAGAIN (default 1000)");

/*
 * Translate @ipa as the MMU would for an access of @kind.  On success
 * return 0 with the page's kernel address in @va (valid while mmu_lock is
 * held: unmapping, and so unpinning, needs it for write).  On a stage-2
 * fault return 1 with the syndrome in @esr.
 */
static int s2mmu_translate(struct s2mmu_vm *vm, u64 ipa, u32 kind,
			   void **va, u64 *esr)
{
	u64 ec = kind == S2MMU_ACCESS_EXEC ? S2MMU_ESR_EC_IABT_LOW :
					     S2MMU_ESR_EC_DABT_LOW;
	u32 need, fsc, prot;
	s2_pte_t pte;
	s8 level;

	lockdep_assert_held_read(&vm->mmu_lock);
	need = kind == S2MMU_ACCESS_WRITE ? S2_PROT_W :
	       kind == S2MMU_ACCESS_EXEC ? S2_PROT_X : S2_PROT_R;
	if (s2_get_leaf(&vm->pgt, ipa, &pte, &level) ||
	    !s2_desc_valid(pte)) {
		fsc = S2_FSC_TRANSLATION;
	} else {
		prot = s2_leaf_prot(pte);
		if (!(prot & S2_PROT_AF)) {
			fsc = S2_FSC_ACCESS;
		} else if (!(prot & need)) {
			fsc = S2_FSC_PERM;
		} else {
			*va = phys_to_virt(s2_desc_leaf_pa(pte, level, ipa));
			return 0;
		}
	}
	*esr = ec << S2MMU_ESR_EC_SHIFT | S2MMU_ESR_IL | fsc | level;
	if (kind == S2MMU_ACCESS_WRITE)
		*esr |= S2MMU_ESR_WNR;
	return 1;
}

/*
 * Report an MMIO exit on the run page.  Written only: another thread of
 * the VMM may change the page at any time, so nothing written here is
 * read back (a length read back would size the copy).
 */
static void s2mmu_mmio_exit(struct s2mmu_vcpu *vcpu, u64 ipa, u32 kind,
			    const void *data, u32 len)
{
	struct s2mmu_run *run = vcpu->run;
	bool is_write = kind == S2MMU_ACCESS_WRITE;

	len = min_t(u32, len, sizeof(run->mmio.data));
	run->exit_reason = S2MMU_EXIT_MMIO;
	run->mmio.phys_addr = ipa;
	run->mmio.len = len;
	run->mmio.is_write = is_write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (is_write)
		memcpy(run->mmio.data, data, len);
}

/*
 * One access within one page: translate, and on a fault run the handler
 * and try again, as the guest would re-execute the instruction.
 * Return: 0 done, the exit reported on the run page (%S2MMU_EXIT_MMIO,
 * %S2MMU_EXIT_MEM_ACCESS), or a negative errno.
 */
static int s2mmu_access_page(struct s2mmu_vcpu *vcpu,
			     struct s2mmu_vcpu_access *acc, u64 ipa, u32 len)
{
	unsigned int faults, limit = max(READ_ONCE(s2mmu_max_access_faults), 1U);
	struct s2mmu_vm *vm = vcpu->vm;
	void *va;
	u64 esr;
	int ret;

	for (faults = 0; faults < limit; faults++) {
		s2mmu_read_lock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
		ret = s2mmu_translate(vm, ipa, acc->kind, &va, &esr);
		if (!ret) {
			if (acc->kind == S2MMU_ACCESS_WRITE)
				memcpy(va, vcpu->bounce, len);
			else
				memcpy(vcpu->bounce, va, len);
		}
		s2mmu_read_unlock(&vm->mmu_lock, S2MMU_RANK_MMU_LOCK);
		if (!ret)
			return 0;

		switch (esr & S2_FSC_TYPE_MASK) {
		case S2_FSC_TRANSLATION:
			acc->faults_translation++;
			break;
		case S2_FSC_ACCESS:
			acc->faults_access++;
			break;
		default:
			acc->faults_permission++;
			break;
		}
		ret = s2mmu_handle_fault(vcpu, ipa, esr);
		if (ret < 0)
			return ret;
		if (ret == S2MMU_FAULT_MMIO) {
			s2mmu_mmio_exit(vcpu, ipa, acc->kind, vcpu->bounce, len);
			return S2MMU_EXIT_MMIO;
		}
		if (ret == S2MMU_FAULT_MEM_ACCESS) {
			/* No guest VA or PC: the access came from the VMM. */
			s2mmu_mem_access_exit(vcpu, 0, false, 0, false);
			return S2MMU_EXIT_MEM_ACCESS;
		}
		if (signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	/*
	 * Not a kernel bug: the VMM itself can keep the page changing (a
	 * thread unmapping it, harvesting the dirty log) as fast as this
	 * maps it.  Say so, rarely, and let the VMM decide.
	 */
	pr_warn_ratelimited("s2mmu: vm%u: access at 0x%llx still faulting after %u faults, -EAGAIN\n",
			    vm->id, ipa, limit);
	return -EAGAIN;
}

/*
 * Is every page of the caller's buffer readable (the source of a write)
 * or writable (the destination of a read)?  Checked before the access
 * starts, so that a bad buffer fails the call with nothing accessed: one
 * byte a page is read and, for a destination, written back as it was.
 * Another thread may still unmap the buffer meanwhile; @done then says
 * how much was accessed before.
 */
static int s2mmu_access_probe_buf(u8 __user *buf, u32 len, bool dst)
{
	u8 __user *p;
	u8 c;

	for (p = buf; p < buf + len; p = PTR_ALIGN(p + 1, PAGE_SIZE))
		if (get_user(c, p) || (dst && put_user(c, p)))
			return -EFAULT;
	return 0;
}

/* Every field of @acc and its buffer, before anything is done. */
static int s2mmu_access_check(struct s2mmu_vcpu *vcpu,
			      const struct s2mmu_vcpu_access *acc)
{
	u8 __user *buf = u64_to_user_ptr(acc->buf);
	u64 end;

	if (acc->kind > S2MMU_ACCESS_EXEC || acc->flags ||
	    acc->reserved[0] || acc->reserved[1] || !acc->len ||
	    acc->len > S2MMU_ACCESS_MAX_LEN ||
	    check_add_overflow(acc->ipa, (u64)acc->len, &end) ||
	    end > BIT_ULL(vcpu->vm->ipa_bits))
		return -EINVAL;
	if (!access_ok(buf, acc->len) ||
	    s2mmu_access_probe_buf(buf, acc->len,
				   acc->kind != S2MMU_ACCESS_WRITE))
		return -EFAULT;
	/*
	 * The run page is the pending exit's until S2MMU_RUN completes it:
	 * an access reporting its own exit there would overwrite the data
	 * of an MMIO read or a hypercall's results.
	 */
	if (s2mmu_exit_pending(vcpu->ctx))
		return -EBUSY;
	return 0;
}

int s2mmu_vcpu_access(struct s2mmu_vcpu *vcpu, void __user *argp)
{
	struct s2mmu_vcpu_access acc;
	u8 __user *buf;
	int ret;

	lockdep_assert_held(&vcpu->mutex);
	if (copy_from_user(&acc, argp, sizeof(acc)))
		return -EFAULT;
	ret = s2mmu_access_check(vcpu, &acc);
	if (ret)
		return ret;
	buf = u64_to_user_ptr(acc.buf);
	acc.done = 0;
	acc.exit_reason = S2MMU_EXIT_NONE;
	acc.faults_translation = 0;
	acc.faults_access = 0;
	acc.faults_permission = 0;

	vcpu->run->exit_reason = S2MMU_EXIT_NONE;
	while (acc.done < acc.len) {
		u64 ipa = acc.ipa + acc.done;
		u32 len = min_t(u64, acc.len - acc.done,
				PAGE_SIZE - offset_in_page(ipa));

		if (acc.kind == S2MMU_ACCESS_WRITE &&
		    copy_from_user(vcpu->bounce, buf + acc.done, len)) {
			ret = -EFAULT;
			break;
		}
		ret = s2mmu_access_page(vcpu, &acc, ipa, len);
		if (ret)
			break;
		if (acc.kind != S2MMU_ACCESS_WRITE &&
		    copy_to_user(buf + acc.done, vcpu->bounce, len)) {
			ret = -EFAULT;
			break;
		}
		acc.done += len;
	}
	/*
	 * Once the access started, what it did is reported, error or not.
	 * The exit is the one this call reported, never read back from the
	 * run page, which another thread of the VMM may have written since.
	 */
	if (ret > 0)
		acc.exit_reason = ret;
	if (copy_to_user(argp, &acc, sizeof(acc)))
		return -EFAULT;
	return ret < 0 ? ret : 0;
}
