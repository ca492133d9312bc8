// SPDX-License-Identifier: GPL-2.0
/*
 * guest_stress_test: 4 vCPUs (S2MMU_RUN) of random self-verifying
 * accesses while the VMM moves and deletes a slot under them, turns dirty
 * logging on and off (harvesting in between), and churns the MMU notifier
 * (MADV_DONTNEED on shared memory, mprotect changes).  In the KVM boot a
 * KVM guest runs self-verifying code at the same time, and must finish
 * with its checks passed too.
 *
 * What the guest checks:
 *   - MAIN (anonymous, logging toggled, mprotect) and SHARED (memfd,
 *     MADV_DONTNEED, mprotect): vCPU i owns the pages whose number modulo
 *     4 is i and keeps a shadow of the word it last wrote to each; every
 *     store is read back, every load must return the shadow, and at the
 *     end the guest compares all its words with the shadow.  A mapping
 *     lost, stale or pointing at the wrong page shows as a mismatch.
 *   - CHURN (moved between two IPAs, deleted and recreated): its content
 *     never changes (word o holds churn_val(o)), so a load returns that or
 *     the VMM's MMIO marker when the slot is not there; a store writes
 *     the same value back, and the VMM checks the data of every MMIO
 *     store.
 */
#include "kvm_vm.h"

#include <pthread.h>
#include <sys/wait.h>
#include "../kselftest_harness.h"

#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 180

#define NR_VCPUS	4
#define MAIN_SLOT	0
#define MAIN_GPA	0x100000000ULL
#define MAIN_SIZE	(4UL << 20)
#define SHARED_SLOT	1
#define SHARED_GPA	0x140000000ULL
#define SHARED_SIZE	(2UL << 20)
#define CHURN_SLOT	2
#define CHURN_GPA_A	0x200000000ULL
#define CHURN_GPA_B	0x300000000ULL
#define CHURN_SIZE	(2UL << 20)
#define MMIO_MARKER	0xdeadbeefdeadbeefULL
#define DURATION_MS	8000
#define STOP		1

/* Code-slot data area: the stop flag, then a 16K shadow per vCPU. */
#define CTL_DOFF	0
#define SHADOW_DOFF(i)	(TST_PAGE + (i) * (16UL << 10))
#define SHADOW_MAIN	0
#define SHADOW_SHARED	(MAIN_SIZE / TST_PAGE / NR_VCPUS * 8)

/* What the guest reports with GUEST_FAIL. */
#define FAIL_READBACK	1
#define FAIL_SHADOW	2
#define FAIL_CHURN	3
#define FAIL_FINAL	4

static inline GUEST_INLINE __u64 word_off(__u64 page)
{
	return page * 72 % (TST_PAGE - 8);
}

static inline GUEST_INLINE __u64 churn_val(__u64 off)
{
	return 0xc0de000000000000ULL | off;
}

/* A store of a fresh stamp to an owned page of a slot, read back. */
static inline GUEST_INLINE void owned_write(__u64 gpa, __u64 page,
					    __u64 shadow, __u64 stamp)
{
	__u64 w = gpa + page * TST_PAGE + word_off(page);

	guest_write64(w, stamp);
	if (guest_read64(w) != stamp)
		guest_fail(FAIL_READBACK, w, stamp);
	guest_write64(shadow, stamp);
}

static inline GUEST_INLINE void owned_check(__u64 gpa, __u64 page, __u64 shadow, __u64 what)
{
	__u64 w = gpa + page * TST_PAGE + word_off(page);
	__u64 got = guest_read64(w), want = guest_read64(shadow);

	if (got != want)
		guest_fail(what, w, want);
}

/* A load or a same-value store somewhere in one of the churn ranges. */
static inline GUEST_INLINE void churn_access(__u64 r)
{
	__u64 off = (r >> 8) % (CHURN_SIZE / 8) * 8;
	__u64 ipa = (r & 2 ? CHURN_GPA_B : CHURN_GPA_A) + off, got;

	if (r & 4) {
		guest_write64(ipa, churn_val(off));
		return;
	}
	got = guest_read64(ipa);
	if (got != churn_val(off) && got != MMIO_MARKER)
		guest_fail(FAIL_CHURN, ipa, got);
}

GUEST_CODE void guest_stress(__u64 id, __u64 ctl, __u64 shadow, __u64 seed)
{
	__u64 ops = 0, r, page, slot_pages, gpa, sh;

	while (guest_read64(ctl) != STOP) {
		r = guest_xorshift(&seed);
		ops++;
		if (r % 8 == 7) {
			churn_access(r >> 3);
			continue;
		}
		/* MAIN 5/8 of the time, SHARED 2/8. */
		gpa = r % 8 < 5 ? MAIN_GPA : SHARED_GPA;
		slot_pages = (gpa == MAIN_GPA ? MAIN_SIZE : SHARED_SIZE) / TST_PAGE;
		page = (r >> 16) % (slot_pages / NR_VCPUS) * NR_VCPUS + id;
		sh = shadow + (gpa == MAIN_GPA ? SHADOW_MAIN : SHADOW_SHARED) +
		     page / NR_VCPUS * 8;
		if (r >> 40 & 1)
			owned_write(gpa, page, sh, id << 56 | ops);
		else
			owned_check(gpa, page, sh, FAIL_SHADOW);
	}
	/* Every owned word, once more, against the shadow. */
	for (page = id; page < MAIN_SIZE / TST_PAGE; page += NR_VCPUS)
		owned_check(MAIN_GPA, page,
			    shadow + SHADOW_MAIN + page / NR_VCPUS * 8, FAIL_FINAL);
	for (page = id; page < SHARED_SIZE / TST_PAGE; page += NR_VCPUS)
		owned_check(SHARED_GPA, page,
			    shadow + SHADOW_SHARED + page / NR_VCPUS * 8,
			    FAIL_FINAL);
	guest_done(ops);
}

/*
 * For the KVM guest, which cannot reach its VMM with HVC: loads from
 * @mmio return non-zero when it should stop, a store to @mmio + 8 reports
 * a failure, and the last store to @mmio reports the ops done.
 */
GUEST_CODE void guest_kvm_selfcheck(__u64 mem, __u64 npages, __u64 mmio,
				    __u64 seed)
{
	__u64 ops = 0, r, w, v;

	for (;;) {
		r = guest_xorshift(&seed);
		w = mem + (r >> 8) % npages * TST_PAGE + word_off(r % 509);
		v = seed ^ ops;
		guest_write64(w, v);
		if (guest_read64(w) != v)
			guest_mmio_write64(mmio + 8, w);
		if (++ops % 4096 == 0 && guest_read64(mmio))
			break;
	}
	for (;;)
		guest_mmio_write64(mmio, ops);
}

struct stress_vcpu {
	struct guest_vm *g;
	int id;
	pthread_t thread;
	__u64 ops, mmio_reads, mmio_writes;
	char err[256];
};

static __u64 churn_off(__u64 ipa)
{
	return ipa >= CHURN_GPA_B ? ipa - CHURN_GPA_B : ipa - CHURN_GPA_A;
}

static int in_churn_range(__u64 ipa)
{
	return (ipa >= CHURN_GPA_A && ipa < CHURN_GPA_A + CHURN_SIZE) ||
	       (ipa >= CHURN_GPA_B && ipa < CHURN_GPA_B + CHURN_SIZE);
}

static void *vcpu_main(void *arg)
{
	struct stress_vcpu *sv = arg;
	struct tst_vcpu *v = &sv->g->vcpu[sv->id];
	struct s2mmu_run *run = v->run;
	__u64 data;
	int ret;

	for (;;) {
		ret = guest_run(v);
		if (ret == 0 && guest_arg(v, 0) == GUEST_DONE) {
			sv->ops = guest_arg(v, 1);
			return NULL;
		}
		if (ret != S2MMU_EXIT_MMIO || !in_churn_range(run->mmio.phys_addr) ||
		    run->mmio.len != 8)
			break;
		if (!run->mmio.is_write) {
			sv->mmio_reads++;
			data = MMIO_MARKER;
			memcpy(run->mmio.data, &data, 8);
			continue;
		}
		sv->mmio_writes++;
		memcpy(&data, run->mmio.data, 8);
		if (data != 0xc0de000000000000ULL + churn_off(run->mmio.phys_addr)) {
			snprintf(sv->err, sizeof(sv->err),
				 "MMIO store of 0x%llx at 0x%llx", data,
				 run->mmio.phys_addr);
			return NULL;
		}
	}
	guest_exit_str(v, ret, sv->err, sizeof(sv->err));
	return NULL;
}

FIXTURE(stress) {
	struct guest_vm g;
	__u8 *main_mem, *shared_mem, *churn_mem;
	struct stress_vcpu vcpu[NR_VCPUS];
	__u64 *bitmap;
	__u64 moves, deletes, log_toggles, harvested, dontneeds, mprotects;
	int logging;
	__u64 churn_gpa;	/* 0: deleted */
	pid_t kvm_child;
	__u64 *kvm_stop;
};

FIXTURE_SETUP(stress)
{
	__u64 off;
	int ret, i;

	self->main_mem = NULL;
	self->kvm_child = 0;
	ret = guest_vm_create(&self->g, NR_VCPUS);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "S2MMU_RUN not supported here");
	ASSERT_EQ(0, ret);
	self->main_mem = tst_alloc(TST_ANON, MAIN_SIZE);
	self->shared_mem = tst_alloc(TST_MEMFD, SHARED_SIZE);
	self->churn_mem = tst_alloc(TST_ANON, CHURN_SIZE);
	self->bitmap = calloc(1, tst_bitmap_bytes(MAIN_SIZE / TST_PAGE));
	ASSERT_TRUE(self->main_mem && self->shared_mem && self->churn_mem &&
		    self->bitmap);
	for (off = 0; off < CHURN_SIZE; off += 8)
		*(__u64 *)(self->churn_mem + off) = churn_val(off);
	ASSERT_EQ(0, tst_set_region(self->g.vm, MAIN_SLOT, 0, MAIN_GPA,
				    MAIN_SIZE, self->main_mem));
	ASSERT_EQ(0, tst_set_region(self->g.vm, SHARED_SLOT, 0, SHARED_GPA,
				    SHARED_SIZE, self->shared_mem));
	ASSERT_EQ(0, tst_set_region(self->g.vm, CHURN_SLOT, 0, CHURN_GPA_A,
				    CHURN_SIZE, self->churn_mem));
	self->churn_gpa = CHURN_GPA_A;
	for (i = 0; i < NR_VCPUS; i++) {
		__u64 args[4] = { i, GUEST_DATA_IPA + CTL_DOFF,
				  GUEST_DATA_IPA + SHADOW_DOFF(i),
				  0x9e3779b97f4a7c15ULL * (i + 7) };

		ASSERT_EQ(0, guest_start(&self->g.vcpu[i], guest_stress, 4, args));
		self->vcpu[i] = (struct stress_vcpu){ .g = &self->g, .id = i };
	}
}

FIXTURE_TEARDOWN(stress)
{
	if (self->kvm_child > 0) {
		kill(self->kvm_child, SIGKILL);
		waitpid(self->kvm_child, NULL, 0);
	}
	guest_vm_destroy(&self->g);
	if (self->main_mem) {
		munmap(self->main_mem, MAIN_SIZE);
		munmap(self->shared_mem, SHARED_SIZE);
		munmap(self->churn_mem, CHURN_SIZE);
	}
}

/* Moves the churn slot to the other IPA, deletes or recreates it. */
static int churn_slot(struct _test_data_stress *self, __u64 r)
{
	__u64 to = r & 1 ? CHURN_GPA_B : CHURN_GPA_A;
	__u64 from = self->churn_gpa;

	if (from && r & 2) {
		self->deletes++;
		self->churn_gpa = 0;
		return tst_set_region(self->g.vm, CHURN_SLOT, 0, from, 0,
				     self->churn_mem);
	}
	if (self->churn_gpa)
		self->moves++;
	self->churn_gpa = to;
	return tst_set_region(self->g.vm, CHURN_SLOT, 0, to, CHURN_SIZE,
			     self->churn_mem);
}

/* Logging on, a harvest, or logging off. */
static int toggle_logging(struct _test_data_stress *self)
{
	__u64 i;
	int ret;

	if (self->logging && self->log_toggles % 3 != 2) {
		ret = tst_get_dirty_log(self->g.vm, MAIN_SLOT, self->bitmap);
		for (i = 0; i < MAIN_SIZE / TST_PAGE / 64; i++)
			self->harvested += __builtin_popcountll(self->bitmap[i]);
		self->log_toggles++;
		return ret;
	}
	self->logging = !self->logging;
	self->log_toggles++;
	return tst_set_region(self->g.vm, MAIN_SLOT,
			     self->logging ? S2MMU_MEM_LOG_DIRTY_PAGES : 0,
			     MAIN_GPA, MAIN_SIZE, self->main_mem);
}

/*
 * Notifier churn that must not change what the guest reads: zap a range
 * of shared memory (the memfd keeps the data), or change the protection
 * of a range without taking write access away.
 */
static int churn_notifier(struct _test_data_stress *self, __u64 r)
{
	__u64 len = 64UL << 10;
	__u8 *base = r & 1 ? self->shared_mem : self->main_mem;
	__u64 size = r & 1 ? SHARED_SIZE : MAIN_SIZE;
	__u8 *at = base + (r >> 8) % (size / len) * len;

	if (r & 2 && base == self->shared_mem) {
		self->dontneeds++;
		return madvise(at, len, MADV_DONTNEED);
	}
	self->mprotects++;
	if (mprotect(at, len, PROT_READ | PROT_WRITE | PROT_EXEC))
		return -1;
	return mprotect(at, len, PROT_READ | PROT_WRITE);
}

/* In the KVM boot: a KVM guest of self-checking stores, in a child. */
static pid_t start_kvm_guest(struct guest_vm *g, __u64 *stop)
{
	pid_t pid = fork();
	int i;

	if (pid)
		return pid;
	/* The s2mmu VM is the parent's: drop the inherited references. */
	for (i = 0; i < g->nr_vcpus; i++)
		close(g->vcpu[i].fd);
	close(g->vm);
	close(g->dev);
	{
		struct kvm_guest_vm k;
		__u64 args[4] = { 0x40000000ULL, 1024, 0x08000000ULL, 12345 };
		__u8 *mem = tst_alloc(TST_ANON, 4UL << 20);
		struct kvm_run *run;
		__u64 ops = 0, data;
		int ret;

		if (!mem || kvm_guest_vm_create(&k, 1) ||
		    kvm_set_region(k.vm, 0, 0, 0x40000000ULL, 4UL << 20, mem) ||
		    kvm_guest_start(&k.vcpu[0], guest_kvm_selfcheck, 4, args))
			_exit(2);
		run = k.vcpu[0].run;
		for (;;) {
			ret = kvm_guest_run(&k.vcpu[0]);
			if (ret != KVM_EXIT_MMIO)
				_exit(3);
			if (run->mmio.phys_addr == 0x08000008ULL)
				_exit(4);	/* the guest's check failed */
			if (run->mmio.is_write) {
				memcpy(&ops, run->mmio.data, 8);
				_exit(ops ? 0 : 5);
			}
			data = __atomic_load_n(stop, __ATOMIC_SEQ_CST);
			memcpy(run->mmio.data, &data, 8);
		}
	}
}

TEST_F(stress, churn_under_four_vcpus)
{
	__u64 t_end, r = 0x853c49e6748fea9bULL, ops = 0, reads = 0, writes = 0;
	struct s2mmu_stats st;
	__u64 *ctl = guest_data(&self->g, CTL_DOFF);
	int i, ret, status, with_kvm = !access("/dev/kvm", R_OK | W_OK);

	if (with_kvm) {
		self->kvm_stop = mmap(NULL, TST_PAGE, PROT_READ | PROT_WRITE,
				      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, self->kvm_stop);
		self->kvm_child = start_kvm_guest(&self->g, self->kvm_stop);
		ASSERT_LT(0, self->kvm_child);
	}
	TH_LOG("KVM guest alongside: %s", with_kvm ? "yes" : "no (no /dev/kvm)");

	for (i = 0; i < NR_VCPUS; i++)
		ASSERT_EQ(0, pthread_create(&self->vcpu[i].thread, NULL,
					    vcpu_main, &self->vcpu[i]));
	t_end = tst_now_ns() + DURATION_MS * 1000000ULL;
	while (tst_now_ns() < t_end) {
		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		if (r % 3 == 0)
			ret = churn_slot(self, r >> 8);
		else if (r % 3 == 1)
			ret = toggle_logging(self);
		else
			ret = churn_notifier(self, r >> 8);
		EXPECT_EQ(0, ret);
		usleep(2000 + r % 3000);
	}
	__atomic_store_n(ctl, STOP, __ATOMIC_SEQ_CST);
	for (i = 0; i < NR_VCPUS; i++) {
		pthread_join(self->vcpu[i].thread, NULL);
		EXPECT_STREQ("", self->vcpu[i].err);
		EXPECT_LT(0ULL, self->vcpu[i].ops);
		ops += self->vcpu[i].ops;
		reads += self->vcpu[i].mmio_reads;
		writes += self->vcpu[i].mmio_writes;
	}
	ASSERT_EQ(0, tst_stats(self->g.vm, &st));
	tst_print_stats(stderr, &st);
	TH_LOG("%llu guest ops; churn slot: %llu moves, %llu deletes",
	       ops, self->moves, self->deletes);
	TH_LOG("churn slot: %llu MMIO loads, %llu MMIO stores", reads, writes);
	TH_LOG("logging: %llu toggles/harvests, %llu pages harvested",
	       self->log_toggles, self->harvested);
	TH_LOG("notifier: %llu DONTNEED, %llu mprotect pairs, %llu invalidations",
	       self->dontneeds, self->mprotects, st.notifier_invalidations);
	EXPECT_LT(0ULL, st.notifier_invalidations);
	EXPECT_LT(0ULL, self->moves + self->deletes);

	if (with_kvm) {
		__atomic_store_n(self->kvm_stop, 1, __ATOMIC_SEQ_CST);
		ASSERT_EQ(self->kvm_child, waitpid(self->kvm_child, &status, 0));
		self->kvm_child = 0;
		EXPECT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status));
	}
}

TEST_HARNESS_MAIN
