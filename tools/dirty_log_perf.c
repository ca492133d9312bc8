// SPDX-License-Identifier: GPL-2.0
/*
 * dirty_log_perf: the phases of a dirty-logging workload, timed, as
 * KVM's dirty_log_perf_test does: 4 vCPU threads populate their share of
 * guest memory, dirty logging is enabled, then N iterations of "every
 * vCPU writes every page of its share" followed by a harvest, then
 * logging is disabled.  Both harvest modes: GET_DIRTY_LOG, and
 * manual-protect GET + CLEAR_DIRTY_LOG.
 *
 * One line per phase, then a summary per mode:
 *   bench dirty_log_perf mode=<get|manual> phase=<...> key=value...
 * Under emulation the times are only good for ratios; the counts are exact.
 */
#include "../selftests/s2mmu/s2mmu_util.h"

#include <pthread.h>

#define NR_VCPUS	4
#define MEM_SIZE	(64UL << 20)
#define MEM_PAGES	(MEM_SIZE / TST_PAGE)
#define GPA		0x40000000ULL
#define ITERATIONS	5

struct perf {
	int vm;
	void *mem;
	__u64 *bitmap;
	pthread_barrier_t go, done;
	int quit;
};

struct worker {
	pthread_t thread;
	struct perf *p;
	struct tst_vcpu vcpu;
	int id;
	__u64 pass;
	int error;
};

/* Each pass writes every page of the vCPU's share once. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	__u64 first = MEM_PAGES / NR_VCPUS * w->id, p, v;

	for (;;) {
		pthread_barrier_wait(&w->p->go);
		if (w->p->quit)
			return NULL;
		w->pass++;
		for (p = first; p < first + MEM_PAGES / NR_VCPUS && !w->error; p++) {
			v = w->pass << 32 | p;
			w->error = tst_access(&w->vcpu, GPA + p * TST_PAGE, &v,
					      sizeof(v), S2MMU_ACCESS_WRITE, NULL);
		}
		pthread_barrier_wait(&w->p->done);
	}
}

/* Run one pass on every vCPU; returns the elapsed ns. */
static __u64 pass(struct perf *p)
{
	__u64 t0 = tst_now_ns();

	pthread_barrier_wait(&p->go);
	pthread_barrier_wait(&p->done);
	return tst_now_ns() - t0;
}

static int set_logging(struct perf *p, int on)
{
	return tst_set_region(p->vm, 0, on ? S2MMU_MEM_LOG_DIRTY_PAGES : 0, GPA,
			      MEM_SIZE, p->mem);
}

/* Harvest the log; returns the pages reported, or -1. */
static long harvest(struct perf *p, int manual)
{
	long n = 0;
	__u64 i;

	if (tst_get_dirty_log(p->vm, 0, p->bitmap))
		return -1;
	if (manual && tst_clear_dirty_log(p->vm, 0, 0, MEM_PAGES, p->bitmap))
		return -1;
	for (i = 0; i < MEM_PAGES / 64; i++)
		n += __builtin_popcountll(p->bitmap[i]);
	return n;
}

static void print_phase(const char *mode, const char *phase, __u64 ns,
			const struct s2mmu_stats *a, const struct s2mmu_stats *b)
{
	printf("bench dirty_log_perf mode=%s phase=%s ms=%llu.%03llu", mode,
	       phase, ns / 1000000, ns / 1000 % 1000);
	printf(" faults_translation=%llu faults_permission=%llu bbm=%llu",
	       b->faults_translation - a->faults_translation,
	       b->faults_permission - a->faults_permission, b->bbm - a->bbm);
	printf(" tlbi_ipa=%llu tlbi_range=%llu tlbi_vmid=%llu",
	       b->tlbi_ipa - a->tlbi_ipa, b->tlbi_range - a->tlbi_range,
	       b->tlbi_vmid - a->tlbi_vmid);
	printf(" mapped_l2=%llu mapped_l3=%llu pages_dirtied=%llu table_pages=%llu",
	       b->mapped_l2 - a->mapped_l2, b->mapped_l3 - a->mapped_l3,
	       b->dirty_marked - a->dirty_marked, b->table_pages);
	printf(" walks=%llu leaves=%llu protected=%llu",
	       b->dirty_log_walks - a->dirty_log_walks,
	       b->dirty_log_leaves - a->dirty_log_leaves,
	       b->dirty_log_protected - a->dirty_log_protected);
	printf(" lock_holds=%llu words=%llu user_copies=%llu\n",
	       b->dirty_log_lock_holds - a->dirty_log_lock_holds,
	       b->dirty_log_words - a->dirty_log_words,
	       b->dirty_log_user_copies - a->dirty_log_user_copies);
}

static int run(int dev, int manual)
{
	const char *mode = manual ? "manual" : "get";
	struct s2mmu_stats s0, s1;
	struct worker w[NR_VCPUS];
	__u64 t0, ns, dirty_ns = 0, harvest_ns = 0, harvested = 0;
	struct perf p = { 0 };
	long n;
	int i, it, ret = -1;

	p.vm = tst_create_vm(dev, 0);
	p.mem = tst_alloc(TST_ANON_THP, MEM_SIZE);
	p.bitmap = calloc(MEM_PAGES / 64, sizeof(__u64));
	if (p.vm < 0 || !p.mem || !p.bitmap)
		return -1;
	memset(p.mem, 0, MEM_SIZE);
	if ((manual && tst_enable_manual_protect(p.vm)) || set_logging(&p, 0))
		return -1;
	pthread_barrier_init(&p.go, NULL, NR_VCPUS + 1);
	pthread_barrier_init(&p.done, NULL, NR_VCPUS + 1);
	for (i = 0; i < NR_VCPUS; i++) {
		w[i] = (struct worker){ .p = &p, .id = i };
		if (tst_create_vcpu(dev, p.vm, i, &w[i].vcpu) ||
		    pthread_create(&w[i].thread, NULL, worker_main, &w[i]))
			return -1;
	}

	tst_stats(p.vm, &s0);
	ns = pass(&p);
	tst_stats(p.vm, &s1);
	print_phase(mode, "populate", ns, &s0, &s1);

	s0 = s1;
	t0 = tst_now_ns();
	if (set_logging(&p, 1))
		goto out;
	ns = tst_now_ns() - t0;
	tst_stats(p.vm, &s1);
	print_phase(mode, "enable_logging", ns, &s0, &s1);

	for (it = 1; it <= ITERATIONS; it++) {
		char name[32];

		s0 = s1;
		ns = pass(&p);
		dirty_ns += ns;
		tst_stats(p.vm, &s1);
		snprintf(name, sizeof(name), "dirty_%d", it);
		print_phase(mode, name, ns, &s0, &s1);

		s0 = s1;
		t0 = tst_now_ns();
		n = harvest(&p, manual);
		ns = tst_now_ns() - t0;
		if (n < 0)
			goto out;
		harvest_ns += ns;
		harvested += n;
		tst_stats(p.vm, &s1);
		snprintf(name, sizeof(name), "harvest_%d", it);
		print_phase(mode, name, ns, &s0, &s1);
		printf("bench dirty_log_perf mode=%s phase=%s pages_harvested=%ld\n",
		       mode, name, n);
	}

	s0 = s1;
	t0 = tst_now_ns();
	if (set_logging(&p, 0))
		goto out;
	ns = tst_now_ns() - t0;
	tst_stats(p.vm, &s1);
	print_phase(mode, "disable_logging", ns, &s0, &s1);

	printf("bench dirty_log_perf mode=%s summary iterations=%d pages=%lu",
	       mode, ITERATIONS, MEM_PAGES);
	printf(" dirty_ms_avg=%llu harvest_ms_avg=%llu harvest_ns_per_page=%llu",
	       dirty_ns / ITERATIONS / 1000000, harvest_ns / ITERATIONS / 1000000,
	       harvested ? harvest_ns / harvested : 0);
	printf(" pages_harvested=%llu\n", harvested);
	ret = 0;
	for (i = 0; i < NR_VCPUS; i++)
		ret |= w[i].error;
out:
	fflush(stdout);
	p.quit = 1;
	pthread_barrier_wait(&p.go);
	for (i = 0; i < NR_VCPUS; i++) {
		pthread_join(w[i].thread, NULL);
		tst_destroy_vcpu(&w[i].vcpu);
	}
	close(p.vm);
	munmap(p.mem, MEM_SIZE);
	free(p.bitmap);
	return ret;
}

int main(void)
{
	int dev = tst_open_dev();

	if (dev < 0) {
		perror("/dev/s2mmu");
		return 1;
	}
	if (run(dev, 0) || run(dev, 1)) {
		fprintf(stderr, "dirty_log_perf: run failed\n");
		return 1;
	}
	return 0;
}
