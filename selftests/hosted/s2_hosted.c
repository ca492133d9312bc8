// SPDX-License-Identifier: GPL-2.0
/*
 * Hosted backend of the engine (see s2_hosted.h).
 *
 * Table pages come from one arena so that each page has a slot for its
 * reference count and state, and so that a freed page can be poisoned for
 * AddressSanitizer: a walker touching a freed table is reported.  Physical
 * addresses are the pages' virtual addresses (below 2^47 on x86_64, so
 * they fit a descriptor's output address field).
 *
 * Grace period: every shared walk runs under the read side of the VM lock
 * and inside rcu_read_lock().  Deferred frees are released by
 * s2h_grace_period(), which callers invoke where no read-side section can
 * be open (single-threaded, or holding the VM lock for write) and which
 * checks that none is.  The backend also checks that a thread which
 * deferred a free issued an invalidation before it left its outermost
 * read-side section: the engine's "freed only after an invalidation".
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "s2_hosted.h"

#if defined(__SANITIZE_ADDRESS__)
#define S2H_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define S2H_ASAN 1
#endif
#endif

#ifdef S2H_ASAN
#include <sanitizer/asan_interface.h>
#define s2h_poison(p, n)	ASAN_POISON_MEMORY_REGION(p, n)
#define s2h_unpoison(p, n)	ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define s2h_poison(p, n)	do { } while (0)
#define s2h_unpoison(p, n)	do { } while (0)
#endif

enum { PG_FREE, PG_USED, PG_DEFERRED };

#define S2H_MAX_THREADS	1024

static struct {
	pthread_mutex_t	lock;
	char		*base;
	unsigned long	nr;
	unsigned long	bump;
	unsigned char	*state;
	int		*ref;
	unsigned int	*seen;
	unsigned int	seen_gen;
	unsigned int	*free;
	unsigned long	nr_free;
	unsigned int	*deferred;
	unsigned long	nr_deferred;
	long		in_use;
	/*
	 * Read-side nesting depth of every thread that ever walked: one
	 * slot each, so that the grace period sees them all without a
	 * shared counter on the walkers' fast path.
	 */
	int		depth[S2H_MAX_THREADS];
	int		nr_threads;
} arena = { .lock = PTHREAD_MUTEX_INITIALIZER };

static __thread int *depth;
static __thread bool defer_pending;
static __thread u64 defer_seq;
static __thread u64 tlbi_seq;	/* invalidations issued by this thread */

void s2h_warn(const char *file, int line, const char *cond)
{
	fprintf(stderr, "WARNING: %s:%d: %s\n", file, line, cond);
	abort();
}

#define S2H_BUG_ON(c)	((c) ? s2h_warn(__FILE__, __LINE__, #c) : (void)0)

void s2h_init(unsigned long pages)
{
	pthread_mutex_lock(&arena.lock);
	if (!arena.base) {
		arena.nr = pages;
		arena.base = mmap(NULL, pages * S2_PAGE_SIZE,
				  PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				  -1, 0);
		S2H_BUG_ON(arena.base == MAP_FAILED);
		arena.state = calloc(pages, 1);
		arena.ref = calloc(pages, sizeof(int));
		arena.seen = calloc(pages, sizeof(unsigned int));
		arena.free = calloc(pages, sizeof(unsigned int));
		arena.deferred = calloc(pages, sizeof(unsigned int));
		S2H_BUG_ON(!arena.state || !arena.ref || !arena.seen ||
			   !arena.free || !arena.deferred);
	}
	pthread_mutex_unlock(&arena.lock);
}

static unsigned long s2h_index(void *page)
{
	unsigned long idx = ((char *)page - arena.base) / S2_PAGE_SIZE;

	S2H_BUG_ON((char *)page < arena.base || idx >= arena.nr ||
		   (char *)page != arena.base + idx * S2_PAGE_SIZE);
	return idx;
}

static void *s2h_take(unsigned long idx)
{
	void *page = arena.base + idx * S2_PAGE_SIZE;

	S2H_BUG_ON(arena.state[idx] != PG_FREE);
	arena.state[idx] = PG_USED;
	__atomic_store_n(&arena.ref[idx], 1, __ATOMIC_RELAXED);
	arena.in_use++;
	s2h_unpoison(page, S2_PAGE_SIZE);
	memset(page, 0, S2_PAGE_SIZE);
	return page;
}

static void s2h_release(unsigned long idx)
{
	S2H_BUG_ON(arena.state[idx] == PG_FREE);
	S2H_BUG_ON(__atomic_load_n(&arena.ref[idx], __ATOMIC_RELAXED) != 1);
	if (arena.state[idx] == PG_USED)
		arena.in_use--;
	arena.state[idx] = PG_FREE;
	arena.ref[idx] = 0;
	s2h_poison(arena.base + idx * S2_PAGE_SIZE, S2_PAGE_SIZE);
	arena.free[arena.nr_free++] = idx;
}

static void *s2h_zalloc_page(void *arg)
{
	void *page = NULL;

	pthread_mutex_lock(&arena.lock);
	if (arena.nr_free)
		page = s2h_take(arena.free[--arena.nr_free]);
	else if (arena.bump < arena.nr)
		page = s2h_take(arena.bump++);
	pthread_mutex_unlock(&arena.lock);
	return page;
}

/* Concatenated roots: contiguous and aligned to their size (D8.2.7). */
static void *s2h_zalloc_pages_exact(size_t size)
{
	unsigned long n = size / S2_PAGE_SIZE, first, i;
	void *p = NULL;

	pthread_mutex_lock(&arena.lock);
	first = (arena.bump + n - 1) / n * n;
	if (first + n <= arena.nr) {
		for (i = arena.bump; i < first; i++) {
			s2h_take(i);
			s2h_release(i);
		}
		for (i = first; i < first + n; i++)
			s2h_take(i);
		arena.bump = first + n;
		p = arena.base + first * S2_PAGE_SIZE;
	}
	pthread_mutex_unlock(&arena.lock);
	return p;
}

static void s2h_free_pages_exact(void *addr, size_t size)
{
	unsigned long idx = s2h_index(addr), i;

	pthread_mutex_lock(&arena.lock);
	for (i = 0; i < size / S2_PAGE_SIZE; i++)
		s2h_release(idx + i);
	pthread_mutex_unlock(&arena.lock);
}

static void s2h_free_page(void *addr)
{
	unsigned long idx = s2h_index(addr);

	pthread_mutex_lock(&arena.lock);
	S2H_BUG_ON(arena.state[idx] != PG_USED);
	s2h_release(idx);
	pthread_mutex_unlock(&arena.lock);
}

static void s2h_free_page_deferred(void *addr)
{
	unsigned long idx = s2h_index(addr);

	S2H_BUG_ON(!depth || !*depth);
	pthread_mutex_lock(&arena.lock);
	S2H_BUG_ON(arena.state[idx] != PG_USED);
	S2H_BUG_ON(__atomic_load_n(&arena.ref[idx], __ATOMIC_RELAXED) != 1);
	arena.state[idx] = PG_DEFERRED;
	arena.in_use--;
	arena.deferred[arena.nr_deferred++] = idx;
	if (!defer_pending) {
		defer_pending = true;
		defer_seq = tlbi_seq;
	}
	pthread_mutex_unlock(&arena.lock);
}

void s2h_grace_period(void)
{
	int i;

	pthread_mutex_lock(&arena.lock);
	for (i = 0; i < arena.nr_threads; i++)
		S2H_BUG_ON(__atomic_load_n(&arena.depth[i], __ATOMIC_RELAXED));
	while (arena.nr_deferred)
		s2h_release(arena.deferred[--arena.nr_deferred]);
	pthread_mutex_unlock(&arena.lock);
}

/* ---- Per-CPU data: a CPU number per live thread ---- */

__thread unsigned int s2h_cpu_plus1;

static struct {
	pthread_mutex_t	lock;
	pthread_once_t	once;
	pthread_key_t	key;
	u64		used;		/* bit n: CPU n has a live thread */
	unsigned int	nr_ids;		/* highest CPU ever handed out, + 1 */
} cpus = { .lock = PTHREAD_MUTEX_INITIALIZER, .once = PTHREAD_ONCE_INIT };

/*
 * A thread's exit gives its CPU number back.  The mutex orders the old
 * owner's last additions before the next owner's first: one writer per
 * copy at any time, as on a real CPU.
 */
static void s2h_cpu_release(void *arg)
{
	unsigned int cpu = (uintptr_t)arg - 1;

	pthread_mutex_lock(&cpus.lock);
	cpus.used &= ~(1ULL << cpu);
	pthread_mutex_unlock(&cpus.lock);
}

static void s2h_cpu_key_init(void)
{
	S2H_BUG_ON(pthread_key_create(&cpus.key, s2h_cpu_release));
}

unsigned int s2h_cpu_assign(void)
{
	unsigned int cpu;

	S2H_BUG_ON(S2H_NR_CPUS > 64);
	pthread_once(&cpus.once, s2h_cpu_key_init);
	pthread_mutex_lock(&cpus.lock);
	/* More live threads than CPUs would share a copy: refuse. */
	S2H_BUG_ON(!~cpus.used);
	cpu = __builtin_ctzll(~cpus.used);
	cpus.used |= 1ULL << cpu;
	if (cpu >= cpus.nr_ids)
		__atomic_store_n(&cpus.nr_ids, cpu + 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&cpus.lock);
	s2h_cpu_plus1 = cpu + 1;
	S2H_BUG_ON(pthread_setspecific(cpus.key, (void *)(uintptr_t)(cpu + 1)));
	return cpu;
}

unsigned int s2h_nr_cpu_ids(void)
{
	return __atomic_load_n(&cpus.nr_ids, __ATOMIC_RELAXED);
}

void *s2h_alloc_percpu(size_t size)
{
	void *p;

	S2H_BUG_ON(size > S2H_PERCPU_UNIT);
	p = aligned_alloc(S2H_PERCPU_UNIT, S2H_NR_CPUS * S2H_PERCPU_UNIT);
	if (p)
		memset(p, 0, S2H_NR_CPUS * S2H_PERCPU_UNIT);
	return p;
}

void s2h_free_percpu(void *p)
{
	free(p);
}

void s2h_rcu_read_lock(void)
{
	if (unlikely(!depth)) {
		pthread_mutex_lock(&arena.lock);
		S2H_BUG_ON(arena.nr_threads == S2H_MAX_THREADS);
		depth = &arena.depth[arena.nr_threads++];
		pthread_mutex_unlock(&arena.lock);
	}
	__atomic_store_n(depth, *depth + 1, __ATOMIC_RELAXED);
}

void s2h_rcu_read_unlock(void)
{
	S2H_BUG_ON(!depth || *depth <= 0);
	__atomic_store_n(depth, *depth - 1, __ATOMIC_RELAXED);
	if (*depth)
		return;
	/* A page unlinked in this section must have been invalidated. */
	if (defer_pending)
		S2H_BUG_ON(tlbi_seq == defer_seq);
	defer_pending = false;
}

static void s2h_page_ref_add(void *addr, int nr)
{
	int *ref = &arena.ref[s2h_index(addr)];

	S2H_BUG_ON(__atomic_add_fetch(ref, nr, __ATOMIC_RELAXED) < 1);
}

static void s2h_get_page(void *addr)
{
	s2h_page_ref_add(addr, 1);
}

static void s2h_put_page(void *addr)
{
	s2h_page_ref_add(addr, -1);
}

static int s2h_page_count(void *addr)
{
	return __atomic_load_n(&arena.ref[s2h_index(addr)], __ATOMIC_RELAXED);
}

static void *s2h_phys_to_virt(phys_addr_t phys)
{
	return (void *)(uintptr_t)phys;
}

static phys_addr_t s2h_virt_to_phys(void *addr)
{
	return (uintptr_t)addr;
}

const struct s2_mm_ops s2h_mm_ops = {
	.zalloc_page		= s2h_zalloc_page,
	.zalloc_pages_exact	= s2h_zalloc_pages_exact,
	.free_pages_exact	= s2h_free_pages_exact,
	.free_page		= s2h_free_page,
	.free_page_deferred	= s2h_free_page_deferred,
	.get_page		= s2h_get_page,
	.put_page		= s2h_put_page,
	.page_ref_add		= s2h_page_ref_add,
	.page_count		= s2h_page_count,
	.phys_to_virt		= s2h_phys_to_virt,
	.virt_to_phys		= s2h_virt_to_phys,
	/* PA = address: every table is found by the (zero) linear offset. */
	.linear			= true,
};

static void s2h_log(struct s2_pgtable *pgt, enum s2h_tlbi_kind kind,
		    u64 ipa, u64 size, int level)
{
	struct s2h_vm *vm = pgt->priv;
	struct s2h_tlbi *e;

	tlbi_seq++;
	if (!vm)
		return;
	e = &vm->log[__atomic_fetch_add(&vm->nr_log, 1, __ATOMIC_RELAXED) %
		     S2H_LOG_SIZE];
	e->kind = kind;
	e->ipa = ipa;
	e->size = size;
	e->level = level;
}

static void s2h_flush_ipa(struct s2_pgtable *pgt, u64 ipa, int level)
{
	S2H_BUG_ON(level < 0 || level > S2_MAX_LEVEL);
	S2H_BUG_ON(!IS_ALIGNED(ipa, S2_PAGE_SIZE));
	s2h_log(pgt, S2H_TLBI_IPA, ipa, S2_PAGE_SIZE, level);
}

static void s2h_flush_range(struct s2_pgtable *pgt, u64 ipa, u64 size)
{
	/* One TLBI RIPAS2E1IS: at most (31 + 1) << (5 * 3 + 1) pages. */
	S2H_BUG_ON(!size || size / S2_PAGE_SIZE > S2_TLBI_RANGE_MAX_PAGES);
	S2H_BUG_ON(!IS_ALIGNED(ipa | size, S2_PAGE_SIZE));
	s2h_log(pgt, S2H_TLBI_RANGE, ipa, size, 0);
}

static void s2h_flush_vmid(struct s2_pgtable *pgt)
{
	s2h_log(pgt, S2H_TLBI_VMID, 0, 0, 0);
}

static void s2h_flush_ipa_local(struct s2_pgtable *pgt, u64 ipa, int level)
{
	s2h_log(pgt, S2H_TLBI_LOCAL, ipa, S2_PAGE_SIZE, level);
}

const struct s2_tlb_ops s2h_tlb_range = {
	.flush_ipa		= s2h_flush_ipa,
	.flush_range		= s2h_flush_range,
	.flush_vmid		= s2h_flush_vmid,
	.flush_ipa_local	= s2h_flush_ipa_local,
	.range_capable		= true,
};

const struct s2_tlb_ops s2h_tlb_ipa = {
	.flush_ipa		= s2h_flush_ipa,
	.flush_vmid		= s2h_flush_vmid,
	.flush_ipa_local	= s2h_flush_ipa_local,
};

/* ---- The checking rwlock ---- */

/* What identifies this thread as a writer: the address of its own slot. */
static __thread char rw_self;

/* The read sides this thread holds, as lockdep's held-lock stack. */
#define S2H_MAX_READ_HELD	8
static __thread struct s2h_rwlock *rd_held[S2H_MAX_READ_HELD];
static __thread int nr_rd_held;

void s2h_rwlock_init(struct s2h_rwlock *l)
{
	pthread_rwlockattr_t attr;

	memset(l, 0, sizeof(*l));
	pthread_rwlockattr_init(&attr);
	/* Writers first, as the kernel's write_lock() stops new readers. */
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	S2H_BUG_ON(pthread_rwlock_init(&l->rw, &attr));
	pthread_rwlockattr_destroy(&attr);
}

static const void *s2h_writer(struct s2h_rwlock *l)
{
	return __atomic_load_n(&l->writer, __ATOMIC_RELAXED);
}

static int s2h_read_held(struct s2h_rwlock *l)
{
	int i;

	for (i = 0; i < nr_rd_held; i++)
		if (rd_held[i] == l)
			return i;
	return -1;
}

void s2h_read_lock(struct s2h_rwlock *l)
{
	/* Recursion on an rwlock that prefers writers deadlocks: refuse it. */
	S2H_BUG_ON(s2h_writer(l) == &rw_self || s2h_read_held(l) >= 0);
	S2H_BUG_ON(nr_rd_held == S2H_MAX_READ_HELD);
	S2H_BUG_ON(pthread_rwlock_rdlock(&l->rw));
	__atomic_fetch_add(&l->readers, 1, __ATOMIC_RELAXED);
	rd_held[nr_rd_held++] = l;
}

void s2h_read_unlock(struct s2h_rwlock *l)
{
	int i = s2h_read_held(l);

	S2H_BUG_ON(i < 0);
	rd_held[i] = rd_held[--nr_rd_held];
	__atomic_fetch_sub(&l->readers, 1, __ATOMIC_RELAXED);
	S2H_BUG_ON(pthread_rwlock_unlock(&l->rw));
}

void s2h_write_lock(struct s2h_rwlock *l)
{
	S2H_BUG_ON(s2h_writer(l) == &rw_self || s2h_read_held(l) >= 0);
	S2H_BUG_ON(pthread_rwlock_wrlock(&l->rw));
	S2H_BUG_ON(__atomic_load_n(&l->readers, __ATOMIC_RELAXED));
	__atomic_store_n(&l->writer, &rw_self, __ATOMIC_RELAXED);
}

void s2h_write_unlock(struct s2h_rwlock *l)
{
	S2H_BUG_ON(s2h_writer(l) != &rw_self);
	__atomic_store_n(&l->writer, NULL, __ATOMIC_RELAXED);
	S2H_BUG_ON(pthread_rwlock_unlock(&l->rw));
}

void s2h_rwlock_assert_held(struct s2h_rwlock *l, bool exclusive)
{
	if (s2h_writer(l) == &rw_self)
		return;
	if (exclusive)
		s2h_warn(__FILE__, __LINE__,
			 "write side of the MMU lock not held");
	if (s2h_read_held(l) < 0)
		s2h_warn(__FILE__, __LINE__, "MMU lock not held");
}

static void s2h_vm_assert_locked(struct s2_pgtable *pgt, bool exclusive)
{
	struct s2h_vm *vm = pgt->priv;

	s2h_rwlock_assert_held(&vm->lock, exclusive);
}

int s2h_vm_init(struct s2h_vm *vm, u32 ia_bits, bool range_capable)
{
	int ret;

	s2h_init(1UL << 20);
	memset(vm, 0, sizeof(*vm));
	s2h_rwlock_init(&vm->lock);
	ret = s2_pgtable_init(&vm->pgt, ia_bits, &s2h_mm_ops,
			      range_capable ? &s2h_tlb_range : &s2h_tlb_ipa,
			      vm);
	if (!ret)
		vm->pgt.assert_locked = s2h_vm_assert_locked;
	return ret;
}

void s2h_vm_destroy(struct s2h_vm *vm)
{
	s2_memcache_drain(&vm->mc, &s2h_mm_ops);
	s2h_write_lock(&vm->lock);
	s2_pgtable_destroy(&vm->pgt);
	/* No shared walker can be inside: the hosted grace period. */
	s2h_grace_period();
	s2h_write_unlock(&vm->lock);
	pthread_rwlock_destroy(&vm->lock.rw);
}

int s2h_topup(struct s2h_vm *vm, int pages)
{
	return s2_memcache_topup(&vm->mc, pages, &s2h_mm_ops, NULL);
}

const struct s2h_tlbi *s2h_tlbi_last(const struct s2h_vm *vm, unsigned int i)
{
	if (i >= vm->nr_log || i >= S2H_LOG_SIZE)
		return NULL;
	return &vm->log[(vm->nr_log - 1 - i) % S2H_LOG_SIZE];
}

long s2h_pages_in_use(void)
{
	long n;

	pthread_mutex_lock(&arena.lock);
	n = arena.in_use;
	pthread_mutex_unlock(&arena.lock);
	return n;
}

long s2h_pages_deferred(void)
{
	long n;

	pthread_mutex_lock(&arena.lock);
	n = arena.nr_deferred;
	pthread_mutex_unlock(&arena.lock);
	return n;
}

struct s2_stats s2h_stats(const struct s2_pgtable *pgt)
{
	struct s2_stats st;

	s2_stats_read(pgt, &st);
	return st;
}

int s2h_page_refcount(void *page)
{
	return s2h_page_count(page);
}

struct s2h_check {
	struct s2h_shape	*shape;
	const char		*err;
};

static const char *s2h_check_table(s2_pte_t *table, s8 level)
{
	unsigned long idx = s2h_index(table);
	int i, live = 0;

	if (arena.state[idx] != PG_USED)
		return "table page not live";
	if (arena.seen[idx] == arena.seen_gen)
		return "table page referenced twice";
	arena.seen[idx] = arena.seen_gen;
	for (i = 0; i < S2_PTRS_PER_TABLE; i++)
		live += !!(table[i] & S2_PTE_VALID);
	if (!live)
		return "empty table kept";
	if (arena.ref[idx] != live + 1)
		return "refcount differs from live entries";
	return NULL;
}

static int s2h_check_walker(const struct s2_visit_ctx *ctx, u32 visit)
{
	struct s2h_check *c = ctx->arg;
	s2_pte_t pte = ctx->old;

	if (visit == S2_WALK_TABLE_PRE) {
		s2_pte_t *table = ctx->pgt->mm_ops->phys_to_virt(pte &
							S2_PTE_ADDR_MASK);

		c->shape->tables++;
		c->err = s2h_check_table(table, ctx->level + 1);
		return c->err ? -EINVAL : 0;
	}
	if (pte & S2_PTE_LOCKED)
		c->err = "locked entry at rest";
	else if (!(pte & S2_PTE_VALID) && pte)
		c->err = "invalid entry with stray bits";
	else if (!(pte & S2_PTE_VALID))
		return 0;
	else if (ctx->level == 0)
		c->err = "block at level 0";
	else if (!!(pte & S2_PTE_TYPE) != (ctx->level == S2_MAX_LEVEL))
		c->err = "descriptor type does not match level";
	else if (!IS_ALIGNED(pte & S2_PTE_ADDR_MASK,
			     S2_LEVEL_SIZE(ctx->level)))
		c->err = "misaligned block";
	else
		c->shape->leaves[ctx->level]++;
	return c->err ? -EINVAL : 0;
}

const char *s2h_check(struct s2_pgtable *pgt, struct s2h_shape *shape)
{
	struct s2h_shape local;
	struct s2h_check c = { .shape = shape ? shape : &local };
	struct s2_stats st;
	struct s2_walker w = {
		.cb	= s2h_check_walker,
		.arg	= &c,
		.flags	= S2_WALK_LEAF | S2_WALK_TABLE_PRE,
	};

	memset(c.shape, 0, sizeof(*c.shape));
	/* Outside the arena lock: the first read-side section registers. */
	s2h_rcu_read_lock();
	pthread_mutex_lock(&arena.lock);
	arena.seen_gen++;
	s2_walk(pgt, 0, 1ULL << pgt->ia_bits, &w);
	pthread_mutex_unlock(&arena.lock);
	s2h_rcu_read_unlock();
	s2_stats_read(pgt, &st);
	if (!c.err && c.shape->tables + pgt->nr_roots != st.table_pages)
		c.err = "stats.table_pages differs from the tables reached";
	return c.err;
}

struct s2h_xlate {
	s2_pte_t	pte;
	s8		level;
};

s64 s2h_translate(struct s2_pgtable *pgt, u64 ipa, s2_pte_t *leaf, s8 *level)
{
	s2_pte_t pte;
	s8 lvl;

	if (s2_get_leaf(pgt, ipa, &pte, &lvl) || !(pte & S2_PTE_VALID))
		pte = 0;
	if (leaf)
		*leaf = pte;
	if (level)
		*level = lvl;
	if (!pte)
		return -1;
	return (pte & S2_PTE_ADDR_MASK) + (ipa & (S2_LEVEL_SIZE(lvl) - 1));
}
