/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest code for the s2mmu selftests and benchmarks: C functions that run
 * at EL1 in a guest, written in the test program itself and copied into
 * guest memory, as KVM's selftests do.
 *
 * GUEST_CODE puts a function in the "s2guest" section.  The VMM copies
 * that section (from the start of its first page) into guest memory at a
 * page-aligned IPA; guest_entry() gives where a function landed.  The
 * functions run with the stage-1 MMU off (VA = IPA) or on an identity
 * map.  They are position independent as long as they stay inside the
 * section: they may call each other and the always-inline helpers below,
 * and nothing else: no libc, no globals, no string literals, no switch
 * (jump tables live in .rodata), no C atomics (GCC outlines them into
 * libgcc).  What they need comes in x0-x7 at entry.  With the MMU off
 * data accesses are Device-nGnRnE: keep them naturally aligned.
 */
#ifndef S2MMU_GUEST_CODE_H
#define S2MMU_GUEST_CODE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/types.h>

/* Userspace has no __section/__always_inline: spelled out here. */
#define GUEST_CODE __attribute__((section("s2guest"), noinline, \
				   used))
#define GUEST_INLINE __attribute__((always_inline, \
				     unused))
/* GUEST_CODE for a function in a header: emitted only where it is used. */
#define GUEST_CODE_IF_USED __attribute__((section("s2guest"), noinline, \
					   unused))

extern char __start_s2guest[], __stop_s2guest[];

/*
 * GUEST_ASM(name, "asm"): a guest program in AArch64 assembly, for tests
 * that need exact instructions (an MMIO access of a given width, an SMC,
 * a system register).  It lands in the same section as the C functions,
 * between guest_<name>_start and guest_<name>_end, so it is copied with
 * them and guest_entry(ipa, guest_<name>_start) is where it starts.  It
 * must be position independent: PC-relative branches and adr only.
 */
#define GUEST_STR(x)		#x
#define GUEST_XSTR(x)		GUEST_STR(x)
#define GUEST_ASM(name, body)						\
	extern char guest_##name##_start[], guest_##name##_end[];	\
	asm(".pushsection s2guest, \"ax\", %progbits\n"		\
	    ".balign 16\n"						\
	    ".global guest_" #name "_start\n"				\
	    "guest_" #name "_start:\n"					\
	    body "\n"							\
	    ".global guest_" #name "_end\n"				\
	    "guest_" #name "_end:\n"					\
	    ".popsection\n")

/* ---- HVC calls from the guest to its VMM (x0 says what) ---- */

#define GUEST_SYNC	0x5c00	/* x1-x3: values for the VMM */
#define GUEST_DONE	0x5c01	/* x1: a result */
#define GUEST_FAIL	0x5c02	/* x1: what failed, x2/x3: got/expected */
#define GUEST_EXC	0x5c03	/* unexpected exception: x1 ESR, x2 ELR, x3 FAR, x4 vector */

/*
 * HVC #0 with x0-x3; returns the x0 the VMM put back.  x1-x3 come back
 * through @r1..@r3 when not NULL.  Everything else is preserved.
 */
static inline GUEST_INLINE __u64 guest_hvc(__u64 a0, __u64 a1, __u64 a2,
					   __u64 a3, __u64 *r1, __u64 *r2,
					   __u64 *r3)
{
	register __u64 x0 asm("x0") = a0;
	register __u64 x1 asm("x1") = a1;
	register __u64 x2 asm("x2") = a2;
	register __u64 x3 asm("x3") = a3;

	asm volatile("hvc #0"
		     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
		     :
		     : "memory");
	if (r1)
		*r1 = x1;
	if (r2)
		*r2 = x2;
	if (r3)
		*r3 = x3;
	return x0;
}

static inline GUEST_INLINE void guest_sync(__u64 a, __u64 b, __u64 c)
{
	guest_hvc(GUEST_SYNC, a, b, c, 0, 0, 0);
}

static inline GUEST_INLINE void guest_done(__u64 result)
{
	guest_hvc(GUEST_DONE, result, 0, 0, 0, 0, 0);
}

static inline GUEST_INLINE void guest_fail(__u64 what, __u64 got,
					   __u64 want)
{
	guest_hvc(GUEST_FAIL, what, got, want, 0, 0, 0);
}

/* ---- memory ---- */

static inline GUEST_INLINE __u64 guest_read64(__u64 addr)
{
	__u64 val;

	asm volatile("ldr %0, [%1]" : "=r"(val) : "r"(addr) : "memory");
	return val;
}

/*
 * One STR: never merged, split or reordered by the compiler, and with a
 * valid syndrome (ISV) if it traps as MMIO.
 */
static inline GUEST_INLINE void guest_write64(__u64 addr, __u64 val)
{
	asm volatile("str %0, [%1]" : : "r"(val), "r"(addr) : "memory");
}

/* A store meant to exit to the VMM (outside every slot). */
static inline GUEST_INLINE void guest_mmio_write64(__u64 addr, __u64 val)
{
	guest_write64(addr, val);
}

static inline GUEST_INLINE __u64 guest_xorshift(__u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* ---- a guest that runs the VMM's commands ---- */

/*
 * guest_cmd_loop() reports with HVC GUEST_SYNC, the last command's result
 * in x1; the VMM answers with a command in x0, an address in x1 and a
 * value in x2 (guest_cmd() and guest_cmd_put() in guest_vm.h).  The
 * accesses have the numbers of S2MMU_MEM_ACCESS_KIND_* of the access they
 * make.  Commands from GUEST_CMD_TEST up are the test's own: they go to
 * the hook the loop was started with, if any; any other command does
 * nothing and reports 0.
 */
#define GUEST_CMD_READ		0	/* result: the 64 bits at addr */
#define GUEST_CMD_WRITE		1	/* the 64 bits at addr := value */
#define GUEST_CMD_EXEC		2	/* result: what the function at addr returns */
#define GUEST_CMD_NONE		3	/* nothing: the guest reports again */
#define GUEST_CMD_TEST		16	/* and up: the hook's */

/* A test's commands: its result, from the command, address and value. */
typedef __u64 (*guest_cmd_hook_t)(__u64 op, __u64 addr, __u64 val);

/*
 * The command loop.  @hook: the guest address of a GUEST_CODE function
 * of type guest_cmd_hook_t, or 0 (guest_cmd_start() gives it).
 */
static GUEST_CODE_IF_USED void guest_cmd_loop(__u64 hook)
{
	__u64 op, addr = 0, val = 0, res = 0;

	/* Touch the stack now, so no command's counts include its fault. */
	asm volatile("stp xzr, xzr, [sp, #-16]" : : : "memory");
	for (;;) {
		op = guest_hvc(GUEST_SYNC, res, 0, 0, &addr, &val, NULL);
		res = 0;
		if (op == GUEST_CMD_READ)
			res = guest_read64(addr);
		else if (op == GUEST_CMD_WRITE)
			guest_write64(addr, val);
		else if (op == GUEST_CMD_EXEC)
			res = ((__u64 (*)(void))(uintptr_t)addr)();
		else if (op >= GUEST_CMD_TEST && hook)
			res = ((guest_cmd_hook_t)(uintptr_t)hook)(op, addr, val);
	}
}

/*
 * The guest's exception vectors (VBAR_EL1): every entry reports the
 * exception to the VMM as GUEST_EXC and spins, so an unexpected guest
 * exception becomes a test failure with its syndrome instead of a jump
 * into whatever VBAR_EL1 happened to hold.  x4 is an address inside the
 * entry taken: (x4 - vectors) / 0x80 is its index, GUEST_VEC_*.
 */
#define GUEST_VEC_SIZE		0x80
#define GUEST_VEC_EL1H_SYNC	4	/* current EL, SP_EL1 */
#define GUEST_VEC_EL1H_IRQ	5
#define GUEST_VEC_EL1H_FIQ	6
extern char guest_vectors[];
asm(".pushsection s2guest, \"ax\", %progbits\n"
	".balign 2048\n"
	".globl guest_vectors\n"
	"guest_vectors:\n"
	".rept 16\n"
	".balign 128\n"
	"	mrs	x1, esr_el1\n"
	"	mrs	x2, elr_el1\n"
	"	mrs	x3, far_el1\n"
	"	adr	x4, .\n"
	"	movz	x0, #0x5c03\n"
	"	hvc	#0\n"
	"	b	.\n"
	".endr\n"
	".popsection\n");

/* ---- the VMM side: where the section goes ---- */

/* First byte copied: the start of the section's first page. */
static inline uintptr_t guest_code_base(void)
{
	return (uintptr_t)__start_s2guest & ~(uintptr_t)4095;
}

/* Bytes to copy, from guest_code_base() to the end of the section. */
static inline size_t guest_code_size(void)
{
	return (uintptr_t)__stop_s2guest - guest_code_base();
}

/*
 * Copies the section (guest_code_size() bytes) to @dst, the host mapping
 * of the guest memory it runs from, and makes the copy visible to
 * instruction fetches.
 */
static inline void guest_code_copy(void *dst)
{
	memcpy(dst, (void *)guest_code_base(), guest_code_size());
	__builtin___clear_cache((char *)dst, (char *)dst + guest_code_size());
}

/* IPA of guest function @fn once the section was copied to @ipa. */
static inline __u64 guest_entry(__u64 ipa, const void *fn)
{
	return ipa + ((uintptr_t)fn - guest_code_base());
}

#endif /* S2MMU_GUEST_CODE_H */
