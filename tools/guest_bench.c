// SPDX-License-Identifier: GPL-2.0
/*
 * guest_bench: benchmarks driven by real guest code, on s2mmu and, when
 * /dev/kvm exists (the KVM boot), the same guest code on KVM in the same
 * machine:
 *
 *  - exit: guest -> VMM -> guest round trips.  "mmio": a store outside
 *    every slot, emulated by the VMM, on both.  "hvc": an HVC; s2mmu hands
 *    it to the VMM, KVM 6.1 answers it in the kernel (PSCI/SMCCC) and
 *    never reaches the VMM, so the two are different paths.  The parts
 *    of one round trip: "immediate" is the run ioctl with immediate_exit
 *    set (the system call and the ioctl's checks, no guest entry, on
 *    both); "kernel" is an exit handled in the kernel and re-entered at
 *    once on both: a set/way cache operation (DC CISW), which both trap
 *    (HCR_EL2.TSW) and complete without the VMM: one world switch out and
 *    in.  (QEMU never traps WFE, nor WFI while an interrupt is pending.)
 *  - fault: 1, 2 and 4 vCPUs write one word of every 4K page of their
 *    share of fresh guest memory (the host side populated first): stage-2
 *    first-touch faults per second.
 *  - dirty: dirty_log_perf_test's shape: populate, enable logging, then
 *    iterations of "every vCPU writes every page of its share" and a
 *    harvest (GET_DIRTY_LOG; manual mode GET + CLEAR_DIRTY_LOG).
 *
 * Lines:
 *   bench guest_bench hv=<s2mmu|kvm> test=<...> key=value...
 *   bench guest_bench ratio test=<...> s2mmu_ns=N kvm_ns=N ratio=R iqr=A-B rounds=N
 * where ratio is s2mmu's time per operation over KVM's, the median of the
 * per-round ratios of interleaved rounds (see run_side_by_side()): <= 1.0
 * means s2mmu is as fast as KVM.  Under emulation the times only mean
 * something as ratios; the counts are exact.
 */
#include "../selftests/s2mmu/kvm_vm.h"

#include <pthread.h>

#define MMIO_IPA	GUEST_MMIO_IPA	/* no slot: stores exit to the VMM */
#define MMIO_DONE	(MMIO_IPA + 8)
#define MEM_SLOT	1
#define MEM_GPA		0x40000000ULL
#define FAULT_SIZE	(4UL << 20)
#define DIRTY_SIZE	FAULT_SIZE
#define DIRTY_ITERS	3
#define EXITS		5000
#define RUNS		3
#define EXIT_RUNS	5	/* exit round trips: cheap, and the noisiest */
#define MAX_THREADS	4
#define PSCI_0_2_VERSION_ID	0x84000000ULL

/* ---- the guest ---- */

GUEST_CODE void guest_mmio_loop(__u64 n, __u64 mmio)
{
	__u64 i;

	for (i = 0; i < n; i++)
		guest_mmio_write64(mmio, i);
	for (;;)
		guest_mmio_write64(mmio + 8, n);
}

GUEST_CODE void guest_setway_loop(__u64 n, __u64 mmio)
{
	__u64 i;

	for (i = 0; i < n; i++)
		asm volatile("dc cisw, xzr" : : : "memory");
	for (;;)
		guest_mmio_write64(mmio + 8, n);
}

GUEST_CODE void guest_hvc_loop(__u64 n, __u64 mmio)
{
	__u64 i;

	for (i = 0; i < n; i++)
		guest_hvc(PSCI_0_2_VERSION_ID, 0, 0, 0, 0, 0, 0);
	for (;;)
		guest_mmio_write64(mmio + 8, n);
}

/*
 * Pass 0 writes every page of [base, base + npages * 4K) (first touch),
 * then passes 1..iters rewrite them; after each pass an MMIO store tells
 * the VMM, which harvests the dirty log before it lets the guest go on.
 */
GUEST_CODE void guest_write_passes(__u64 base, __u64 npages, __u64 iters,
				   __u64 mmio)
{
	__u64 it, p;

	for (it = 0; it <= iters; it++) {
		for (p = 0; p < npages; p++)
			guest_write64(base + p * TST_PAGE, it << 32 | p);
		guest_mmio_write64(mmio, it);
	}
	for (;;)
		guest_mmio_write64(mmio + 8, iters);
}

/* ---- one VM on either hypervisor ---- */

enum hypervisor { HV_S2MMU, HV_KVM };

static const char * const hv_names[] = { "s2mmu", "kvm", "s2mmu-profiled" };

/* The profiled pass prints its s2mmu lines under their own name. */
static int profiling;

static const char *hv_name(enum hypervisor hv)
{
	return hv_names[hv == HV_S2MMU && profiling ? 2 : hv];
}

struct bvm {
	enum hypervisor hv;
	struct guest_vm s2;
	struct kvm_guest_vm kvm;
	int vm;
};

static int bvm_create(struct bvm *b, enum hypervisor hv, int nr_vcpus)
{
	int ret;

	b->hv = hv;
	if (hv == HV_S2MMU) {
		ret = guest_vm_create(&b->s2, nr_vcpus);
		b->vm = b->s2.vm;
	} else {
		ret = kvm_guest_vm_create(&b->kvm, nr_vcpus);
		b->vm = b->kvm.vm;
	}
	return ret;
}

static void bvm_destroy(struct bvm *b)
{
	if (b->hv == HV_S2MMU)
		guest_vm_destroy(&b->s2);
	else
		kvm_guest_vm_destroy(&b->kvm);
}

/* S2MMU_MEM_LOG_DIRTY_PAGES and KVM_MEM_LOG_DIRTY_PAGES are both bit 0. */
static int bvm_set_region(struct bvm *b, int log, void *mem, __u64 size)
{
	if (b->hv == HV_S2MMU)
		return tst_set_region(b->vm, MEM_SLOT,
				     log ? S2MMU_MEM_LOG_DIRTY_PAGES : 0,
				     MEM_GPA, size, mem);
	return kvm_set_region(b->vm, MEM_SLOT, log ? KVM_MEM_LOG_DIRTY_PAGES : 0,
			      MEM_GPA, size, mem);
}

static int bvm_start(struct bvm *b, int id, const void *fn, int nargs,
		     const __u64 *args)
{
	if (b->hv == HV_S2MMU)
		return guest_start(&b->s2.vcpu[id], fn, nargs, args);
	return kvm_guest_start(&b->kvm.vcpu[id], fn, nargs, args);
}

enum bexit { B_MMIO_WRITE = 1, B_HVC, B_OTHER };

/*
 * One run of vCPU @id until it needs the VMM.  Return: B_MMIO_WRITE with
 * *addr and *data, B_HVC, B_OTHER, or -errno.
 */
static int bvm_run(struct bvm *b, int id, __u64 *addr, __u64 *data)
{
	struct s2mmu_run *sr;
	struct kvm_run *kr;
	int ret;

	if (b->hv == HV_S2MMU) {
		sr = b->s2.vcpu[id].run;
		ret = guest_run(&b->s2.vcpu[id]);
		if (ret == 0)
			return B_HVC;
		if (ret != S2MMU_EXIT_MMIO || !sr->mmio.is_write)
			return ret < 0 ? ret : B_OTHER;
		*addr = sr->mmio.phys_addr;
		memcpy(data, sr->mmio.data, 8);
		return B_MMIO_WRITE;
	}
	kr = b->kvm.vcpu[id].run;
	ret = kvm_guest_run(&b->kvm.vcpu[id]);
	if (ret != KVM_EXIT_MMIO || !kr->mmio.is_write)
		return ret < 0 ? ret : B_OTHER;
	*addr = kr->mmio.phys_addr;
	memcpy(data, kr->mmio.data, 8);
	return B_MMIO_WRITE;
}

static int bvm_get_log(struct bvm *b, __u64 *bitmap)
{
	if (b->hv == HV_S2MMU)
		return tst_get_dirty_log(b->vm, MEM_SLOT, bitmap);
	return kvm_get_dirty_log(b->vm, MEM_SLOT, bitmap);
}

static int bvm_clear_log(struct bvm *b, __u32 pages, __u64 *bitmap)
{
	if (b->hv == HV_S2MMU)
		return tst_clear_dirty_log(b->vm, MEM_SLOT, 0, pages, bitmap);
	return kvm_clear_dirty_log(b->vm, MEM_SLOT, 0, pages, bitmap);
}

static int bvm_manual_protect(struct bvm *b)
{
	if (b->hv == HV_S2MMU)
		return tst_enable_manual_protect(b->vm);
	return kvm_enable_manual_protect(b->vm);
}

/* s2mmu's counters; zeros for KVM (its statistics are elsewhere). */
static void bvm_stats(struct bvm *b, struct s2mmu_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (b->hv == HV_S2MMU)
		tst_stats(b->vm, st);
}

static void print_counts(const struct s2mmu_stats *d)
{
	printf(" faults_translation=%llu faults_permission=%llu spurious=%llu retries=%llu",
	       d->faults_translation, d->faults_permission, d->faults_spurious,
	       d->fault_retries);
	printf(" mapped_l3=%llu mapped_l2=%llu bbm=%llu", d->mapped_l3,
	       d->mapped_l2, d->bbm);
	printf(" tlbi_ipa=%llu tlbi_range=%llu tlbi_vmid=%llu tlbi_local=%llu",
	       d->tlbi_ipa, d->tlbi_range, d->tlbi_vmid, d->tlbi_local);
	printf(" dirty_marked=%llu mmio_exits=%llu table_walks=%llu\n",
	       d->dirty_marked, d->mmio_exits, d->table_walks);
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static __u64 median(__u64 *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

/* ---- exit round trips ---- */

/* ns per round trip of @fn's exits (median of EXIT_RUNS), 0 on error. */
static __u64 exit_run(enum hypervisor hv, const void *fn, const char *what)
{
	__u64 ns[EXIT_RUNS], addr, data, t0, args[2] = { EXITS, MMIO_IPA };
	unsigned long exits;
	struct bvm b;
	int r, ret = 0;

	for (r = 0; r < EXIT_RUNS; r++) {
		if (bvm_create(&b, hv, 1) || bvm_start(&b, 0, fn, 2, args)) {
			bvm_destroy(&b);
			return 0;
		}
		exits = 0;
		t0 = tst_now_ns();
		for (;;) {
			ret = bvm_run(&b, 0, &addr, &data);
			if (ret == B_MMIO_WRITE && addr == MMIO_DONE)
				break;
			if (ret != B_MMIO_WRITE && ret != B_HVC)
				break;
			exits++;
		}
		ns[r] = tst_now_ns() - t0;
		bvm_destroy(&b);
		if (ret != B_MMIO_WRITE) {
			fprintf(stderr, "guest_bench: %s %s: run ended with %d\n",
				hv_name(hv), what, ret);
			return 0;
		}
	}
	printf("bench guest_bench hv=%s test=exit_%s exits_to_vmm=%lu guest_calls=%d",
	       hv_name(hv), what, exits, EXITS);
	printf(" ns_per_call=%llu calls_per_sec=%llu\n", median(ns, EXIT_RUNS) / EXITS,
	       EXITS * 1000000000ULL / median(ns, EXIT_RUNS));
	return median(ns, EXIT_RUNS) / EXITS;
}

/*
 * ns per run ioctl with immediate_exit set (median of EXIT_RUNS): what every
 * round trip to the VMM pays before any guest state is touched.
 */
static __u64 immediate_run(enum hypervisor hv)
{
	__u64 ns[EXIT_RUNS], t0;
	struct bvm b;
	int r, i, ret = 0;

	for (r = 0; r < EXIT_RUNS; r++) {
		if (bvm_create(&b, hv, 1)) {
			bvm_destroy(&b);
			return 0;
		}
		if (hv == HV_S2MMU)
			b.s2.vcpu[0].run->immediate_exit = 1;
		else
			b.kvm.vcpu[0].run->immediate_exit = 1;
		t0 = tst_now_ns();
		for (i = 0; i < EXITS; i++) {
			ret = hv == HV_S2MMU ? tst_run(&b.s2.vcpu[0]) :
			      kvm_guest_run(&b.kvm.vcpu[0]);
			if (ret != -EINTR)
				break;
		}
		ns[r] = tst_now_ns() - t0;
		bvm_destroy(&b);
		if (ret != -EINTR) {
			fprintf(stderr, "guest_bench: %s immediate: run gave %d\n",
				hv_name(hv), ret);
			return 0;
		}
	}
	printf("bench guest_bench hv=%s test=exit_immediate run_calls=%d",
	       hv_name(hv), EXITS);
	printf(" ns_per_call=%llu calls_per_sec=%llu\n", median(ns, EXIT_RUNS) / EXITS,
	       EXITS * 1000000000ULL / median(ns, EXIT_RUNS));
	return median(ns, EXIT_RUNS) / EXITS;
}

/* ---- guest first-touch faults and dirty-log passes ---- */

struct pass_bench {
	struct bvm b;
	int threads;
	__u64 pages_per_vcpu;
	pthread_barrier_t go, done;
	int errors;
	int quit;
};

struct pass_vcpu {
	struct pass_bench *pb;
	int id;
	pthread_t thread;
};

/*
 * A vCPU thread: run; after each pass (an MMIO store to MMIO_IPA) meet
 * the VMM at @done and wait at @go; stop at MMIO_DONE.
 */
static void *pass_vcpu_main(void *arg)
{
	struct pass_vcpu *pv = arg;
	struct pass_bench *pb = pv->pb;
	__u64 addr, data;
	int ret, failed = 0;

	pthread_barrier_wait(&pb->go);
	for (;;) {
		if (!failed) {
			ret = bvm_run(&pb->b, pv->id, &addr, &data);
			if (ret == B_MMIO_WRITE && addr == MMIO_DONE)
				return NULL;
			if (ret != B_MMIO_WRITE || addr != MMIO_IPA) {
				fprintf(stderr, "guest_bench: vCPU %d: exit %d\n",
					pv->id, ret);
				__atomic_add_fetch(&pb->errors, 1, __ATOMIC_SEQ_CST);
				failed = 1;
			}
		}
		/* A failed vCPU keeps meeting the VMM until it quits. */
		if (failed && __atomic_load_n(&pb->quit, __ATOMIC_SEQ_CST))
			return NULL;
		pthread_barrier_wait(&pb->done);
		pthread_barrier_wait(&pb->go);
	}
}

static int pass_setup(struct pass_bench *pb, struct pass_vcpu *pv,
		      enum hypervisor hv, int threads, void *mem, __u64 size,
		      __u64 iters)
{
	__u64 args[4];
	int i;

	memset(pb, 0, sizeof(*pb));
	pb->threads = threads;
	pb->pages_per_vcpu = size / TST_PAGE / threads;
	if (bvm_create(&pb->b, hv, threads) || bvm_set_region(&pb->b, 0, mem, size))
		return -1;
	pthread_barrier_init(&pb->go, NULL, threads + 1);
	pthread_barrier_init(&pb->done, NULL, threads + 1);
	for (i = 0; i < threads; i++) {
		args[0] = MEM_GPA + i * pb->pages_per_vcpu * TST_PAGE;
		args[1] = pb->pages_per_vcpu;
		args[2] = iters;
		args[3] = MMIO_IPA;
		pv[i] = (struct pass_vcpu){ .pb = pb, .id = i };
		if (bvm_start(&pb->b, i, guest_write_passes, 4, args) ||
		    pthread_create(&pv[i].thread, NULL, pass_vcpu_main, &pv[i]))
			return -1;
	}
	return 0;
}

/* Lets every vCPU run one pass; returns its ns. */
static __u64 pass_once(struct pass_bench *pb)
{
	__u64 t0 = tst_now_ns();

	pthread_barrier_wait(&pb->go);
	pthread_barrier_wait(&pb->done);
	return tst_now_ns() - t0;
}

static void pass_teardown(struct pass_bench *pb, struct pass_vcpu *pv)
{
	int i;

	__atomic_store_n(&pb->quit, 1, __ATOMIC_SEQ_CST);
	pthread_barrier_wait(&pb->go);
	for (i = 0; i < pb->threads; i++)
		pthread_join(pv[i].thread, NULL);
	pthread_barrier_destroy(&pb->go);
	pthread_barrier_destroy(&pb->done);
	bvm_destroy(&pb->b);
}

/* Median ns of the first-touch pass with @threads vCPUs; 0 on error. */
static __u64 fault_run(enum hypervisor hv, int threads, void *mem)
{
	struct pass_vcpu pv[MAX_THREADS];
	struct s2mmu_stats s0, s1, d;
	struct pass_bench pb;
	__u64 ns[RUNS], pages = FAULT_SIZE / TST_PAGE;
	int r;

	for (r = 0; r < RUNS; r++) {
		if (pass_setup(&pb, pv, hv, threads, mem, FAULT_SIZE, 0))
			return 0;
		bvm_stats(&pb.b, &s0);
		ns[r] = pass_once(&pb);
		bvm_stats(&pb.b, &s1);
		tst_stats_delta(&s0, &s1, &d);
		pass_teardown(&pb, pv);
		if (pb.errors)
			return 0;
	}
	printf("bench guest_bench hv=%s test=fault_4k threads=%d pages=%llu",
	       hv_name(hv), threads, pages);
	printf(" ns_per_page=%llu pages_per_sec=%llu", median(ns, RUNS) / pages,
	       pages * 1000000000ULL / median(ns, RUNS));
	print_counts(&d);
	return median(ns, RUNS) / pages;
}

/* ns per page per iteration (dirty pass + harvest); 0 on error. */
static __u64 dirty_run(enum hypervisor hv, int manual, int threads, void *mem)
{
	__u64 pages = DIRTY_SIZE / TST_PAGE, dirty_ns = 0, harvest_ns = 0;
	__u64 *bitmap = calloc(pages / 64, 8), t0, harvested = 0;
	struct pass_vcpu pv[MAX_THREADS];
	struct s2mmu_stats s0, s1, d;
	struct pass_bench pb;
	int it, i, err = 0;

	if (!bitmap || pass_setup(&pb, pv, hv, threads, mem, DIRTY_SIZE,
				  DIRTY_ITERS))
		return 0;
	pass_once(&pb);		/* populate: first touch, logging off */
	err |= manual && bvm_manual_protect(&pb.b);
	err |= bvm_set_region(&pb.b, 1, mem, DIRTY_SIZE);
	bvm_stats(&pb.b, &s0);
	for (it = 1; it <= DIRTY_ITERS && !err && !pb.errors; it++) {
		dirty_ns += pass_once(&pb);
		t0 = tst_now_ns();
		err |= bvm_get_log(&pb.b, bitmap);
		if (manual)
			err |= bvm_clear_log(&pb.b, pages, bitmap);
		harvest_ns += tst_now_ns() - t0;
		for (i = 0; i < (int)(pages / 64); i++)
			harvested += __builtin_popcountll(bitmap[i]);
	}
	bvm_stats(&pb.b, &s1);
	tst_stats_delta(&s0, &s1, &d);
	pass_teardown(&pb, pv);
	free(bitmap);
	if (err || pb.errors || harvested != pages * DIRTY_ITERS) {
		fprintf(stderr, "guest_bench: %s dirty: error %d, %llu pages harvested of %llu\n",
			hv_name(hv), err, harvested, pages * DIRTY_ITERS);
		return 0;
	}
	printf("bench guest_bench hv=%s test=dirty_log mode=%s vcpus=%d pages=%llu iterations=%d",
	       hv_name(hv), manual ? "manual" : "get", threads, pages,
	       DIRTY_ITERS);
	printf(" dirty_ms_avg=%llu harvest_ms_avg=%llu pages_harvested=%llu ns_per_page_iter=%llu",
	       dirty_ns / DIRTY_ITERS / 1000000, harvest_ns / DIRTY_ITERS / 1000000,
	       harvested, (dirty_ns + harvest_ns) / harvested);
	print_counts(&d);
	return (dirty_ns + harvest_ns) / harvested;
}

/* ---- the phase profile (s2mmu's debugfs s2mmu/profile) ---- */

#define PROF_FILE	"/sys/kernel/debug/s2mmu/profile"
#define PROF_PARAM	"/sys/module/s2mmu/parameters/profile"
#define PROF_MAX	32

struct prof {
	int nr;
	char name[PROF_MAX][32];
	__u64 count[PROF_MAX], ns[PROF_MAX];
};

static int write_file(const char *path, const char *what)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return -1;
	ret = fputs(what, f) < 0;
	return fclose(f) || ret ? -1 : 0;
}

static int prof_read(struct prof *p)
{
	FILE *f = fopen(PROF_FILE, "r");
	char line[128];

	p->nr = 0;
	if (!f)
		return -1;
	while (p->nr < PROF_MAX && fgets(line, sizeof(line), f))
		if (line[0] != '#' &&
		    sscanf(line, "%31s %llu %llu", p->name[p->nr],
			   &p->count[p->nr], &p->ns[p->nr]) == 3)
			p->nr++;
	fclose(f);
	return 0;
}

/* The phases of one test, per occurrence and per page handled. */
static void prof_print(const char *test, __u64 pages)
{
	struct prof p;
	int i;

	if (prof_read(&p))
		return;
	for (i = 0; i < p.nr; i++) {
		if (!p.count[i])
			continue;
		printf("bench guest_bench profile test=%s phase=%s", test,
		       p.name[i]);
		printf(" count=%llu ns_avg=%llu ns_per_page=%llu\n", p.count[i],
		       p.ns[i] / p.count[i], p.ns[i] / pages);
	}
}

/*
 * Where the time of the fault and dirty-log tests goes, in a pass of its
 * own (the timed figures above are never profiled): each test once more
 * with the module's profile on, its phases printed.
 */
static void run_profiled(void *mem)
{
	static const int threads[] = { 1, 2, 4 };
	char test[32];
	int i;

	if (write_file(PROF_PARAM, "1"))
		return;
	profiling = 1;
	for (i = 0; i < 3; i++) {
		write_file(PROF_FILE, "0");
		fault_run(HV_S2MMU, threads[i], mem);
		snprintf(test, sizeof(test), "fault_4k_%dvcpu", threads[i]);
		prof_print(test, RUNS * FAULT_SIZE / TST_PAGE);
	}
	for (i = 0; i < 2; i++) {
		write_file(PROF_FILE, "0");
		dirty_run(HV_S2MMU, i, MAX_THREADS, mem);
		prof_print(i ? "dirty_log_manual" : "dirty_log_get",
			   DIRTY_ITERS * DIRTY_SIZE / TST_PAGE);
	}
	write_file(PROF_PARAM, "0");
	profiling = 0;
	fflush(stdout);
}

/* ---- side by side ---- */

/*
 * With both hypervisors in the machine the two run interleaved: ROUNDS
 * rounds, each running every test on both, the order swapped every round,
 * so that a slow period of the emulator weighs on both sides alike.  Each
 * round gives one ratio per test; the line reports their median and
 * interquartile range (and the median times of each side).
 */
#define ROUNDS		5
#define NR_RESULTS	10

static const char * const names[NR_RESULTS] = {
	"exit_mmio", "exit_hvc(kvm:in-kernel)", "fault_4k_1vcpu",
	"fault_4k_2vcpu", "fault_4k_4vcpu", "dirty_log_get",
	"dirty_log_manual", "exit_immediate", "exit_kernel(dc_cisw)",
	"dirty_log_get_1vcpu",
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median and interquartile range of test @i's per-round ratios. */
static void print_ratio(int i, __u64 (*s2)[NR_RESULTS],
			__u64 (*kvm)[NR_RESULTS], int rounds)
{
	__u64 s2_ns[ROUNDS], kvm_ns[ROUNDS];
	double ratio[ROUNDS];
	int r, n = 0;

	for (r = 0; r < rounds; r++) {
		s2_ns[r] = s2[r][i];
		kvm_ns[r] = kvm[r][i];
		if (s2_ns[r] && kvm_ns[r])
			ratio[n++] = (double)s2_ns[r] / kvm_ns[r];
	}
	printf("bench guest_bench ratio test=%s s2mmu_ns=%llu kvm_ns=%llu",
	       names[i], median(s2_ns, rounds), median(kvm_ns, rounds));
	if (n < rounds) {
		printf(" ratio=n/a\n");
		return;
	}
	qsort(ratio, n, sizeof(*ratio), cmp_double);
	printf(" ratio=%.2f iqr=%.2f-%.2f rounds=%d\n", ratio[n / 2],
	       ratio[n / 4], ratio[(3 * n) / 4], n);
}

static void *populated(__u64 size)
{
	void *mem = tst_alloc(TST_ANON, size);

	if (mem)
		memset(mem, 0x5a, size);
	return mem;
}

/* Every test on @hv; the time per operation of each into @out. */
static void run_all(enum hypervisor hv, void *mem, __u64 *out)
{
	static const int threads[] = { 1, 2, 4 };
	int i;

	out[0] = exit_run(hv, guest_mmio_loop, "mmio");
	out[1] = exit_run(hv, guest_hvc_loop, "hvc");
	for (i = 0; i < 3; i++)
		out[2 + i] = fault_run(hv, threads[i], mem);
	out[5] = dirty_run(hv, 0, MAX_THREADS, mem);
	out[6] = dirty_run(hv, 1, MAX_THREADS, mem);
	out[7] = immediate_run(hv);
	out[8] = exit_run(hv, guest_setway_loop, "kernel");
	/* One vCPU: the write-protect fault's own cost, without contention. */
	out[9] = dirty_run(hv, 0, 1, mem);
	fflush(stdout);
}

/* 1 when some test of @out failed (a zero time). */
static int any_failed(const __u64 *out)
{
	int i;

	for (i = 0; i < NR_RESULTS; i++)
		if (!out[i])
			return 1;
	return 0;
}

/* Both hypervisors, ROUNDS interleaved rounds, then the ratios. */
static int run_side_by_side(void *mem)
{
	static __u64 s2[ROUNDS][NR_RESULTS], kvm[ROUNDS][NR_RESULTS];
	int r, i, bad = 0;

	for (r = 0; r < ROUNDS; r++) {
		printf("bench guest_bench round=%d of %d: %s first\n", r + 1,
		       ROUNDS, r % 2 ? "kvm" : "s2mmu");
		if (r % 2)
			run_all(HV_KVM, mem, kvm[r]);
		run_all(HV_S2MMU, mem, s2[r]);
		if (!(r % 2))
			run_all(HV_KVM, mem, kvm[r]);
		bad |= any_failed(s2[r]) | any_failed(kvm[r]);
	}
	for (i = 0; i < NR_RESULTS; i++)
		print_ratio(i, s2, kvm, ROUNDS);
	return bad;
}

int main(void)
{
	__u64 one[NR_RESULTS] = { 0 };
	int dev = tst_open_dev(), has_s2, has_kvm;
	void *mem;

	has_s2 = dev >= 0 && guest_run_supported(dev);
	has_kvm = access("/dev/kvm", R_OK | W_OK) == 0;
	if (!has_s2)
		printf("bench guest_bench: no S2MMU_FEAT_RUN: KVM only\n");
	if (!has_kvm)
		printf("bench guest_bench: no /dev/kvm in this boot: s2mmu only\n");
	/* Every test uses (the start of) the same populated memory. */
	mem = populated(FAULT_SIZE);
	if (!mem)
		return 1;
	if (has_s2 && has_kvm)
		return run_side_by_side(mem);
	if (has_s2) {
		run_all(HV_S2MMU, mem, one);
		run_profiled(mem);
	} else if (has_kvm) {
		run_all(HV_KVM, mem, one);
	}
	return any_failed(one);
}
