// SPDX-License-Identifier: GPL-2.0
/*
 * fault_bench: stage-2 faults per second with 1, 2 and 4 vCPU threads
 * touching fresh guest memory, backed by 4K pages or by transparent huge
 * pages (2 MiB blocks).  Host memory is populated first, so what is
 * measured is the stage-2 side: fault handling, pinning, mapping.
 *
 * One line per configuration:
 *   bench fault_bench backing=<4k|2m> threads=<n> key=value...
 * Under emulation the times are only good for ratios; the counts are exact.
 */
#include "../selftests/s2mmu/s2mmu_util.h"

#include <pthread.h>

#define MEM_SIZE	(64UL << 20)
#define MEM_PAGES	(MEM_SIZE / TST_PAGE)
#define GPA		0x40000000ULL
#define RUNS		3
#define MAX_THREADS	4

struct toucher {
	pthread_t thread;
	pthread_barrier_t *start;
	struct tst_vcpu vcpu;
	__u64 first, count;
	int error;
};

/* Write one word of each page of the thread's share. */
static void *touch(void *arg)
{
	struct toucher *t = arg;
	__u64 p, v;

	pthread_barrier_wait(t->start);
	for (p = t->first; p < t->first + t->count && !t->error; p++) {
		v = p;
		t->error = tst_access(&t->vcpu, GPA + p * TST_PAGE, &v, sizeof(v),
				      S2MMU_ACCESS_WRITE, NULL);
	}
	return NULL;
}

/* One run on a fresh VM; returns the elapsed ns, 0 on error. */
static __u64 run_once(int dev, void *mem, int threads, struct s2mmu_stats *d)
{
	struct toucher t[MAX_THREADS] = { 0 };
	struct s2mmu_stats before, after;
	pthread_barrier_t start;
	__u64 t0 = 0, ns = 0;
	int vm, i, err = 0;

	vm = tst_create_vm(dev, 0);
	if (vm < 0 || tst_set_region(vm, 0, 0, GPA, MEM_SIZE, mem))
		return 0;
	pthread_barrier_init(&start, NULL, threads + 1);
	for (i = 0; i < threads; i++) {
		t[i].start = &start;
		t[i].first = MEM_PAGES / threads * i;
		t[i].count = MEM_PAGES / threads;
		if (tst_create_vcpu(dev, vm, i, &t[i].vcpu) ||
		    pthread_create(&t[i].thread, NULL, touch, &t[i]))
			return 0;
	}
	tst_stats(vm, &before);
	t0 = tst_now_ns();
	pthread_barrier_wait(&start);
	for (i = 0; i < threads; i++) {
		pthread_join(t[i].thread, NULL);
		err |= t[i].error;
	}
	ns = tst_now_ns() - t0;
	tst_stats(vm, &after);
	tst_stats_delta(&before, &after, d);
	for (i = 0; i < threads; i++)
		tst_destroy_vcpu(&t[i].vcpu);
	pthread_barrier_destroy(&start);
	close(vm);
	return err ? 0 : ns;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static int run_config(int dev, enum tst_backing backing, int threads)
{
	struct s2mmu_stats d, dm = { 0 };
	__u64 ns[RUNS], faults;
	void *mem = tst_alloc(backing, MEM_SIZE);
	int r;

	if (!mem)
		return -1;
	/* Populate the host side: the runs measure stage-2 faults only. */
	memset(mem, 0x5a, MEM_SIZE);
	for (r = 0; r < RUNS; r++) {
		ns[r] = run_once(dev, mem, threads, &d);
		if (!ns[r])
			return -1;
		if (r == RUNS / 2)
			dm = d;
	}
	qsort(ns, RUNS, sizeof(ns[0]), cmp_u64);
	faults = dm.faults_translation + dm.faults_access + dm.faults_permission;
	printf("bench fault_bench backing=%s threads=%d host_huge_mib=%lu pages=%lu",
	       backing == TST_ANON ? "4k" : "2m", threads,
	       tst_host_huge_bytes(mem) >> 20, MEM_PAGES);
	printf(" faults=%llu ns_per_fault=%llu faults_per_sec=%llu ns_per_page=%llu",
	       faults, faults ? ns[RUNS / 2] / faults : 0,
	       ns[RUNS / 2] ? faults * 1000000000ULL / ns[RUNS / 2] : 0,
	       ns[RUNS / 2] / MEM_PAGES);
	printf(" mapped_l2=%llu mapped_l3=%llu retries=%llu spurious=%llu",
	       dm.mapped_l2, dm.mapped_l3, dm.fault_retries, dm.faults_spurious);
	printf(" bbm=%llu tlbi_ipa=%llu tlbi_range=%llu tlbi_vmid=%llu\n",
	       dm.bbm, dm.tlbi_ipa, dm.tlbi_range, dm.tlbi_vmid);
	fflush(stdout);
	munmap(mem, MEM_SIZE);
	return 0;
}

int main(void)
{
	static const enum tst_backing backings[] = { TST_ANON, TST_ANON_THP };
	static const int threads[] = { 1, 2, 4 };
	unsigned int b, t;
	int dev = tst_open_dev();

	if (dev < 0) {
		perror("/dev/s2mmu");
		return 1;
	}
	for (b = 0; b < 2; b++)
		for (t = 0; t < 3; t++)
			if (run_config(dev, backings[b], threads[t])) {
				fprintf(stderr, "fault_bench: run failed\n");
				return 1;
			}
	return 0;
}
