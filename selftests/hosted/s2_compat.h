/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel primitives pgtable.c uses, for the hosted (userspace) build.
 * This is the only test-only code the engine is built with; everything it
 * maps has the kernel's semantics or a stronger one:
 *  - READ_ONCE() is an acquire load: the kernel relies on address
 *    dependencies after READ_ONCE() of a table descriptor, which C11 only
 *    offers as acquire (and ThreadSanitizer only understands acquire).
 *  - dsb() is a compiler barrier; the hardware walker it orders against
 *    does not exist here.
 *  - rcu_read_lock() marks a read-side section that the hosted backend's
 *    grace period waits for (see selftests/hosted/s2_hosted.c).
 */
#ifndef S2_COMPAT_H
#define S2_COMPAT_H

#include <assert.h>
#include <errno.h>
#include <sys/cdefs.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef long long s64;

/* A macro rather than a new typedef: the kernel has the typedef. */
#define phys_addr_t		unsigned long long
#define U32_MAX			UINT32_MAX
#define U64_MAX			UINT64_MAX
#define BIT(n)			(1UL << (n))
#define BIT_ULL(n)		(1ULL << (n))
#define GENMASK_ULL(h, l)	((~0ULL << (l)) & (~0ULL >> (63 - (h))))
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define ALIGN_DOWN(x, a)	((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)
/* glibc's <sys/cdefs.h> defines __always_inline, as the kernel does. */
#define noinline		__attribute_noinline__
#define fallthrough		__attribute__((__fallthrough__))
#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#define min(a, b) ({							\
	__typeof__(a) __a = (a);					\
	__typeof__(b) __b = (b);					\
	__a < __b ? __a : __b;						\
})
#define max(a, b) ({							\
	__typeof__(a) __a = (a);					\
	__typeof__(b) __b = (b);					\
	__a > __b ? __a : __b;						\
})

#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
/* smp_store_release: C11 release has the kernel's semantics. */
#define smp_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define cmpxchg(p, o, n) ({						\
	__typeof__(p) __p = (p);					\
	__typeof__(*__p) __old = (o);					\
	__atomic_compare_exchange_n(__p, &__old, (n), false,		\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);\
	__old;								\
})
/*
 * dsb orders descriptor writes against the hardware walker, which does not
 * exist here; software walkers only use the atomics above.  A compiler
 * barrier keeps the code's shape (and ThreadSanitizer rejects fences).
 */
#define dsb(opt)		__atomic_signal_fence(__ATOMIC_SEQ_CST)

/*
 * Per-CPU data: a thread is a CPU.  Each thread that uses the engine gets
 * a CPU number of its own for as long as it lives (the backend hands them
 * out and takes them back when the thread exits), so like a CPU's copy, a
 * thread's copy has one writer and needs no locked instruction; the
 * relaxed atomics only tell ThreadSanitizer that readers summing the
 * copies meanwhile are expected.  Copies are S2H_PERCPU_UNIT bytes apart,
 * each on its own cache lines.
 */
#define __percpu
#define GFP_KERNEL_ACCOUNT	0
#define S2H_NR_CPUS		64
#define S2H_PERCPU_UNIT		256

extern __thread unsigned int s2h_cpu_plus1;
unsigned int s2h_cpu_assign(void);
unsigned int s2h_nr_cpu_ids(void);
void *s2h_alloc_percpu(size_t size);
void s2h_free_percpu(void *p);

/* Sets *@cpu to the first CPU: lets the loop below name @cpu once. */
static inline int *s2h_first_cpu(int *cpu)
{
	*cpu = 0;
	return cpu;
}

static inline unsigned int s2h_this_cpu(void)
{
	unsigned int cpu = s2h_cpu_plus1;

	return likely(cpu) ? cpu - 1 : s2h_cpu_assign();
}

#define alloc_percpu_gfp(type, gfp)	((type *)s2h_alloc_percpu(sizeof(type)))
#define free_percpu(p)			s2h_free_percpu(p)
#define per_cpu_ptr(p, cpu)						\
	((__typeof__(p))((char *)(p) + (size_t)(cpu) * S2H_PERCPU_UNIT))
#define for_each_possible_cpu(cpu)					\
	for (int *__c = s2h_first_cpu(&(cpu)); *__c < (int)s2h_nr_cpu_ids(); \
	     (*__c)++)
#define this_cpu_add(pcp, n) do {					\
	__typeof__(pcp) *__p = per_cpu_ptr(&(pcp), s2h_this_cpu());	\
	__atomic_store_n(__p, __atomic_load_n(__p, __ATOMIC_RELAXED) + (n), \
			 __ATOMIC_RELAXED);				\
} while (0)

/* A hosted thread keeps its CPU: preemption needs no disabling. */
#define get_cpu_ptr(p)		per_cpu_ptr((p), s2h_this_cpu())
#define put_cpu_ptr(p)		((void)(p))

/* Provided by the hosted backend, which also implements the grace period. */
void s2h_rcu_read_lock(void);
void s2h_rcu_read_unlock(void);
void s2h_warn(const char *file, int line, const char *cond);

#define rcu_read_lock()		s2h_rcu_read_lock()
#define rcu_read_unlock()	s2h_rcu_read_unlock()

/* The hosted engine runs in a plain thread: nothing to yield to. */
#define cond_resched()		do { } while (0)

#define WARN_ON(cond) ({						\
	bool __c = !!(cond);						\
	if (unlikely(__c))						\
		s2h_warn(__FILE__, __LINE__, #cond);			\
	__c;								\
})
#define WARN_ON_ONCE(cond)	WARN_ON(cond)

#endif /* S2_COMPAT_H */
