/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel primitives lockrank.c uses, for the hosted build, on top of
 * s2_compat.h.  What each stands for:
 *  - a thread is a task and also a CPU that never migrates: the per-CPU
 *    mask of spinning ranks becomes a thread-local one, which is what the
 *    kernel's mask is for the task holding a spinning lock;
 *  - the static key is a flag the test sets;
 *  - a complaint goes to s2h_lockrank_report(), which the test provides:
 *    an inversion it did not provoke on purpose fails it.
 */
#ifndef S2_LOCKRANK_COMPAT_H
#define S2_LOCKRANK_COMPAT_H

#include "s2_compat.h"

struct task_struct;
extern __thread char s2h_task_self;
#define current			((struct task_struct *)&s2h_task_self)
#define in_task()		1
#define preempt_disable()	do { } while (0)
#define preempt_enable()	do { } while (0)

#define this_cpu_ptr(p)			(p)

struct static_key_false {
	bool enabled;
};

#define DEFINE_STATIC_KEY_FALSE(name)	struct static_key_false name
#define DECLARE_STATIC_KEY_FALSE(name)	extern struct static_key_false name
#define static_branch_unlikely(k)					\
	unlikely(__atomic_load_n(&(k)->enabled, __ATOMIC_RELAXED))
#define static_branch_enable(k)						\
	__atomic_store_n(&(k)->enabled, true, __ATOMIC_RELAXED)

/* A macro rather than a new typedef: the kernel has the typedef. */
#define atomic64_t		struct s2h_atomic64

struct s2h_atomic64 {
	long long counter;
};

static inline void atomic64_add(long long n, atomic64_t *v)
{
	__atomic_fetch_add(&v->counter, n, __ATOMIC_RELAXED);
}

static inline void atomic64_inc(atomic64_t *v)
{
	atomic64_add(1, v);
}

static inline long long atomic64_read(atomic64_t *v)
{
	return __atomic_load_n(&v->counter, __ATOMIC_RELAXED);
}

/* Fibonacci hashing, as the kernel's hash_ptr() does it. */
static inline unsigned int hash_ptr(const void *p, unsigned int bits)
{
	return (unsigned int)(((uintptr_t)p * 0x61c8864680b583ebULL) >>
			      (64 - bits));
}

#define _THIS_IP_	({ __label__ __here; __here: (unsigned long)&&__here; })

void s2h_lockrank_report(const char *fmt, ...);
#define pr_warn_ratelimited(fmt, ...) s2h_lockrank_report(fmt, ##__VA_ARGS__)

#endif /* S2_LOCKRANK_COMPAT_H */
