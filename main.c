// SPDX-License-Identifier: GPL-2.0
/*
 * s2mmu: module entry, /dev/s2mmu and the probe of the CPU's stage-2
 * features.
 *
 * The module only reads ID registers of the CPU it loads on: the
 * sanitised system-wide copies are not exported to modules, and the
 * machines s2mmu targets are homogeneous.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>
#include <asm/sysreg.h>
#include <asm/virt.h>

#include <uapi/linux/s2mmu.h>
#include "s2mmu.h"
#include "s2mmu_lockrank.h"

struct s2mmu_cpu_features s2mmu_cpu;

/* The 4-bit field at @shift of the ID register value @reg. */
static unsigned int id_field(u64 reg, unsigned int shift)
{
	return (reg >> shift) & 0xf;
}

/* ID_AA64MMFR0_EL1.PARange encodings (Arm ARM D19.2.64). */
static const u8 parange_bits[] = { 32, 36, 40, 42, 44, 48, 52 };

static void s2mmu_probe_cpu(struct s2mmu_cpu_features *f)
{
	unsigned int parange;

	f->current_el = is_kernel_in_hyp_mode() ? 2 : 1;
	f->mmfr0 = read_sysreg(id_aa64mmfr0_el1);
	f->mmfr1 = read_sysreg(id_aa64mmfr1_el1);
	f->mmfr2 = read_sysreg(id_aa64mmfr2_el1);
	f->isar0 = read_sysreg(id_aa64isar0_el1);

	parange = id_field(f->mmfr0, 0);
	if (parange >= ARRAY_SIZE(parange_bits))
		parange = ARRAY_SIZE(parange_bits) - 1;
	f->pa_range = parange;
	f->pa_bits = parange_bits[parange];
	/* 52-bit output needs LPA2 descriptors, which s2mmu does not use. */
	f->max_ipa_bits = min_t(u32, f->pa_bits, 48);
	f->vmid_bits = id_field(f->mmfr1, 4) == 2 ? 16 : 8;

	/* Restrictions work on every host: the software path checks them too. */
	f->flags = S2MMU_FEAT_MEM_ACCESS;
	if (id_field(f->isar0, 56) >= 2)
		f->flags |= S2MMU_FEAT_TLBIRANGE;
	if (id_field(f->mmfr2, 48) >= 1)
		f->flags |= S2MMU_FEAT_TTL;
	if (id_field(f->mmfr2, 40) >= 1)
		f->flags |= S2MMU_FEAT_FWB;
	if (f->current_el == 2)
		f->flags |= S2MMU_FEAT_VHE;
	/* The software walk needs nothing of the CPU. */
	f->flags |= S2MMU_FEAT_TRANSLATE_GVA;
}

static long s2mmu_get_features(void __user *argp)
{
	struct s2mmu_features out = {
		.size = sizeof(out),
		.current_el = s2mmu_cpu.current_el,
		.pa_bits = s2mmu_cpu.pa_bits,
		.max_ipa_bits = s2mmu_cpu.max_ipa_bits,
		.vmid_bits = s2mmu_cpu.vmid_bits,
		.flags = s2mmu_cpu.flags | S2MMU_FEAT_INFO_PAGE | S2MMU_FEAT_VIEWS |
			 (static_key_enabled(&s2mmu_lock_check_key) ?
			  S2MMU_FEAT_LOCK_CHECK : 0),
		.id_aa64mmfr0 = s2mmu_cpu.mmfr0,
		.id_aa64mmfr1 = s2mmu_cpu.mmfr1,
		.id_aa64mmfr2 = s2mmu_cpu.mmfr2,
		.id_aa64isar0 = s2mmu_cpu.isar0,
	};

	return copy_to_user(argp, &out, sizeof(out)) ? -EFAULT : 0;
}

static long s2mmu_dev_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	switch (cmd) {
	case S2MMU_GET_API_VERSION:
		return arg ? -EINVAL : S2MMU_API_VERSION;
	case S2MMU_GET_FEATURES:
		return s2mmu_get_features((void __user *)arg);
	default:
		return s2mmu_vm_dev_ioctl(cmd, arg);
	}
}

static const struct file_operations s2mmu_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = s2mmu_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice s2mmu_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "s2mmu",
	.fops = &s2mmu_dev_fops,
	.mode = 0600,
};

static int __init s2mmu_init(void)
{
	struct s2mmu_cpu_features *f = &s2mmu_cpu;
	int ret;

	s2mmu_lockrank_init();
	s2mmu_probe_cpu(f);
	pr_info("running at EL%u%s; PA %u bits, IPA up to %u bits, %u-bit VMID\n",
		f->current_el, f->current_el == 2 ? " (VHE)" : "", f->pa_bits,
		f->max_ipa_bits, f->vmid_bits);
	pr_info("FEAT_TLBIRANGE %s, FEAT_TTL %s, FWB %s\n",
		f->flags & S2MMU_FEAT_TLBIRANGE ? "yes" : "no",
		f->flags & S2MMU_FEAT_TTL ? "yes" : "no",
		f->flags & S2MMU_FEAT_FWB ? "yes" : "no");
	s2mmu_el2_init();
	s2mmu_cache_init();

	ret = s2mmu_stats_init();
	if (ret)
		goto err_el2;

	ret = misc_register(&s2mmu_dev);
	if (ret) {
		s2mmu_stats_exit();
		goto err_el2;
	}
	return 0;

err_el2:
	s2mmu_el2_exit();
	return ret;
}

static void __exit s2mmu_exit(void)
{
	misc_deregister(&s2mmu_dev);
	s2mmu_stats_exit();
	s2mmu_el2_exit();
	pr_info("unloaded\n");
}

module_init(s2mmu_init);
module_exit(s2mmu_exit);

MODULE_DESCRIPTION("Stage-2 MMU for arm64 hosts: page tables, faults, dirty logging");
MODULE_LICENSE("GPL");
MODULE_AUTHOR("The s2mmu developers");
/* The same version as dkms.conf's PACKAGE_VERSION (make lint checks). */
MODULE_VERSION("0.9.0");
