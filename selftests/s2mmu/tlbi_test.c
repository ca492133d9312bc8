// SPDX-License-Identifier: GPL-2.0
/*
 * TLB invalidation, observed by a real guest: the host changes a mapping
 * while a vCPU spins reading (or writing) the page, and once the change
 * has completed the guest must never see the old page or the old
 * permissions.  A missing invalidation leaves the old translation in the
 * spinning vCPU's TLB (the guest does not exit, so nothing else flushes
 * it), which these tests see.
 *
 * Protocol of the read checks, a sequence lock in guest memory: the host
 * makes the control word odd, changes the mapping and the page, then
 * publishes an even generation with the value the page must now read as
 * (the low 32 bits).  The guest reads the control word, the page, and the
 * control word again; when the control word was even and unchanged, the
 * page value must be the published one, else the guest reports it with
 * an HVC.  An MMIO read (the page's slot gone) is answered with the
 * published value: a read of the old page instead is the failure.
 */
#include "guest_vm.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>

#include "../kselftest_harness.h"

#pragma GCC diagnostic ignored "-Wsign-compare"

/* In the data area of guest_vm.h's code slot: */
#define CTRL_OFF	0x1000UL	/* the control word */
#define ACK_OFF		0x2000UL	/* last generation checked, checks */
#define TARGET_IPA	0x60000000ULL
#define MOVED_IPA	0x70000000ULL
#define TARGET_SIZE	(2UL << 20)	/* one 2 MiB block when THP backs it */
#define TARGET_PAGE	0x5000UL	/* the page checked, inside the block */
#define CHANGES		150
#define CHECKS_AFTER	64		/* guest checks after each change */
#define HVC_STALE	0xbad

/* x20: control word, x21: page checked, x22: ack words; x24 counts. */
GUEST_ASM(reader,
	  "1: ldar x2, [x20]\n"
	  "tbnz x2, #32, 1b\n"
	  "ldr x1, [x21]\n"
	  "dmb ishld\n"
	  "ldr x3, [x20]\n"
	  "cmp x3, x2\n"
	  "b.ne 1b\n"
	  "cmp w1, w2\n"
	  "b.ne 2f\n"
	  "add x24, x24, #1\n"
	  "stp x2, x24, [x22]\n"
	  "b 1b\n"
	  "2: hvc #" GUEST_XSTR(HVC_STALE) "\n"
	  "b 1b\n");

/* x21: a counter the guest increments for ever. */
GUEST_ASM(writer,
	  "1: ldr x1, [x21]\n"
	  "add x1, x1, #1\n"
	  "str x1, [x21]\n"
	  "b 1b\n");

struct tlbi {
	struct guest_vm g;
	unsigned char *target;
	int target_flags;
	__u64 *ctrl;
	__u64 *ack;
	__u64 gen;
	atomic_int stop;
	atomic_int stale;
	atomic_int efaults;
	int error;
	__u64 stale_seen, stale_ctrl;
	pthread_t thread;
};

static void on_usr1(int sig)
{
}

/* The VMM's side of the vCPU: answer MMIO, count stale reports. */
static void *vcpu_thread(void *arg)
{
	struct tlbi *t = arg;
	struct tst_vcpu *v = &t->g.vcpu[0];
	struct s2mmu_run *r = v->run;
	__u64 val;
	int ret;

	while (!atomic_load(&t->stop)) {
		ret = tst_run(v);
		if (ret == -EINTR)
			continue;
		if (ret == -EFAULT) {	/* a write to a page made read-only */
			atomic_fetch_add(&t->efaults, 1);
			usleep(1000);
			continue;
		}
		if (ret) {
			t->error = ret;
			break;
		}
		if (r->exit_reason == S2MMU_EXIT_MMIO && !r->mmio.is_write) {
			val = (__u32)__atomic_load_n(t->ctrl, __ATOMIC_ACQUIRE);
			memcpy(r->mmio.data, &val, sizeof(val));
		} else if (r->exit_reason == S2MMU_EXIT_HYPERCALL &&
			   r->hypercall.imm == HVC_STALE) {
			t->stale_seen = r->hypercall.args[1];
			t->stale_ctrl = r->hypercall.args[2];
			atomic_fetch_add(&t->stale, 1);
		} else {
			char why[160];

			fprintf(stderr, "# %s\n", guest_exit_str(v, 0, why, sizeof(why)));
			t->error = -EPROTO;
			break;
		}
	}
	return NULL;
}

static void *map_target(bool thp)
{
	size_t len = TARGET_SIZE * 2;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *a;

	if (p == MAP_FAILED)
		return NULL;
	a = (unsigned char *)(((uintptr_t)p + TARGET_SIZE - 1) &
			      ~(TARGET_SIZE - 1));
	madvise(a, TARGET_SIZE, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	memset(a, 0x11, TARGET_SIZE);
	return a;
}

static __u64 *target_word(struct tlbi *t)
{
	return (__u64 *)(t->target + TARGET_PAGE);
}

static int spin_setup(struct tlbi *t, const char *prog, bool thp,
		      int slot_flags)
{
	struct tst_vcpu *v;
	int ret;

	memset(t, 0, sizeof(*t));
	ret = guest_vm_create(&t->g, 1);
	if (ret)
		return ret;
	v = &t->g.vcpu[0];
	t->ctrl = guest_data(&t->g, CTRL_OFF);
	t->ack = guest_data(&t->g, ACK_OFF);
	t->target = map_target(thp);
	if (!t->target)
		return -ENOMEM;
	*target_word(t) = 1;
	__atomic_store_n(t->ctrl, 1, __ATOMIC_RELEASE);	/* gen 0, value 1 */
	t->target_flags = slot_flags;
	ret = tst_set_region(t->g.vm, 1, slot_flags, TARGET_IPA, TARGET_SIZE,
			     t->target);
	ret = ret ?: tst_set_reg(v, GUEST_PC, guest_entry(GUEST_CODE_IPA, prog));
	ret = ret ?: tst_set_reg(v, GUEST_X(20), GUEST_DATA_IPA + CTRL_OFF);
	ret = ret ?: tst_set_reg(v, GUEST_X(21), TARGET_IPA + TARGET_PAGE);
	ret = ret ?: tst_set_reg(v, GUEST_X(22), GUEST_DATA_IPA + ACK_OFF);
	if (ret)
		return ret;
	return pthread_create(&t->thread, NULL, vcpu_thread, t) ? -errno : 0;
}

static void spin_teardown(struct tlbi *t)
{
	if (t->thread) {
		atomic_store(&t->stop, 1);
		pthread_kill(t->thread, SIGUSR1);
		pthread_join(t->thread, NULL);
	}
	if (t->target)
		munmap(t->target, TARGET_SIZE);
	guest_vm_destroy(&t->g);
}

static __u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/* The control word: odd while a change is under way. */
static void change_begin(struct tlbi *t)
{
	t->gen++;
	__atomic_store_n(t->ctrl, t->gen << 32 | 0xffffffffULL,
			 __ATOMIC_RELEASE);
}

static void change_end(struct tlbi *t, __u32 value)
{
	t->gen++;
	__atomic_store_n(t->ctrl, t->gen << 32 | value, __ATOMIC_RELEASE);
}

/*
 * Wait until the guest has checked the current generation CHECKS_AFTER
 * times: every change is looked at by a vCPU that never left the guest
 * since (a stale entry stays until the vCPU's next exit).
 */
static int wait_checked(struct tlbi *t)
{
	__u64 want = __atomic_load_n(t->ctrl, __ATOMIC_ACQUIRE);
	__u64 start = 0, deadline, ack, checks;

	deadline = now_ms() + 5000;
	while (now_ms() < deadline && !t->error && !atomic_load(&t->stale)) {
		ack = __atomic_load_n(&t->ack[0], __ATOMIC_ACQUIRE);
		checks = __atomic_load_n(&t->ack[1], __ATOMIC_ACQUIRE);
		if (ack == want) {
			if (!start)
				start = checks;
			else if (checks - start >= CHECKS_AFTER)
				return 0;
		}
		sched_yield();
	}
	return atomic_load(&t->stale) ? -ESTALE : t->error ? t->error :
	       -ETIMEDOUT;
}

FIXTURE(tlbi) {
	struct tlbi t;
};

FIXTURE_SETUP(tlbi)
{
	struct sigaction sa = { .sa_handler = on_usr1 };

	guest_vm_init(&self->t.g);
	if (!guest_can_run())
		SKIP(return, "S2MMU_FEAT_RUN not reported (no EL2/VHE)");
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
}

FIXTURE_TEARDOWN(tlbi)
{
	spin_teardown(&self->t);
}

/* The guest checked change @i many times, and never saw the old state. */
static void assert_checked(struct __test_metadata *_metadata, struct tlbi *t,
			   int i)
{
	ASSERT_EQ(0, wait_checked(t)) {
		TH_LOG("change %d: guest read %#llx under control %#llx", i,
		       (unsigned long long)t->stale_seen,
		       (unsigned long long)t->stale_ctrl);
	}
}

/* The page freed under the guest: the next read finds the new one. */
static void madv_dontneed(struct __test_metadata *_metadata, struct tlbi *t,
			  bool thp)
{
	int i;

	ASSERT_EQ(0, spin_setup(t, guest_reader_start, thp, 0));
	ASSERT_EQ(0, wait_checked(t));
	for (i = 0; i < CHANGES; i++) {
		change_begin(t);
		ASSERT_EQ(0, madvise(t->target + TARGET_PAGE, TST_PAGE,
				     MADV_DONTNEED));
		*target_word(t) = 0x100 + i;
		change_end(t, 0x100 + i);
		assert_checked(_metadata, t, i);
	}
}

TEST_F(tlbi, madv_dontneed)
{
	madv_dontneed(_metadata, &self->t, false);
}

/* A 4K page dropped from a THP: its 2 MiB stage-2 block must go. */
TEST_F(tlbi, madv_dontneed_in_block)
{
	madv_dontneed(_metadata, &self->t, true);
}

/* What the VM did for change @i, when the guest saw the old page. */
static void log_change(struct __test_metadata *_metadata, struct tlbi *t,
		       int i, const struct s2mmu_stats *before)
{
	struct s2mmu_stats d = tst_stats_since(t->g.vm, before);

	TH_LOG("change %d: guest read %#llx under control %#llx; host reads %#llx",
	       i, (unsigned long long)t->stale_seen,
	       (unsigned long long)t->stale_ctrl,
	       (unsigned long long)*target_word(t));
	TH_LOG("notifier %llu, faults %llu+%llu, retries %llu, TLBI ipa %llu range %llu vmid %llu",
	       d.notifier_invalidations, d.faults_translation,
	       d.faults_permission, d.fault_retries, d.tlbi_ipa,
	       d.tlbi_range, d.tlbi_vmid);
}

/*
 * mremap under the guest: @away moves the checked page out of the slot's
 * host range and maps a fresh one there; otherwise another page is moved
 * over it (MREMAP_FIXED unmaps the destination first).  Either way the
 * guest must read the page now at the slot's address.
 */
static void mremap_page(struct __test_metadata *_metadata, struct tlbi *t,
			bool thp, bool away)
{
	unsigned char *other, *dst;
	struct s2mmu_stats before;
	__u64 value;
	void *p;
	int i;

	ASSERT_EQ(0, spin_setup(t, guest_reader_start, thp, 0));
	dst = t->target + TARGET_PAGE;	/* mapped by spin_setup() */
	ASSERT_EQ(0, wait_checked(t));
	for (i = 0; i < CHANGES; i++) {
		value = 0x300 + i;
		other = mmap(NULL, TST_PAGE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, other);
		if (!away)
			*(__u64 *)other = value;
		ASSERT_EQ(0, tst_stats(t->g.vm, &before));
		change_begin(t);
		if (away) {
			p = mremap(dst, TST_PAGE, TST_PAGE,
				   MREMAP_MAYMOVE | MREMAP_FIXED, other);
			ASSERT_EQ((void *)other, p);
			p = mmap(dst, TST_PAGE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			ASSERT_EQ((void *)dst, p);
			*target_word(t) = value;
			munmap(other, TST_PAGE);
		} else {
			p = mremap(other, TST_PAGE, TST_PAGE,
				   MREMAP_MAYMOVE | MREMAP_FIXED, dst);
			ASSERT_EQ((void *)dst, p);
		}
		change_end(t, value);
		ASSERT_EQ(0, wait_checked(t)) {
			log_change(_metadata, t, i, &before);
		}
	}
}

TEST_F(tlbi, mremap_page_away)
{
	mremap_page(_metadata, &self->t, false, true);
}

/* The same out of a THP: the 2 MiB stage-2 block over it must go. */
TEST_F(tlbi, mremap_page_away_from_block)
{
	mremap_page(_metadata, &self->t, true, true);
}

TEST_F(tlbi, mremap_page_in)
{
	mremap_page(_metadata, &self->t, false, false);
}

TEST_F(tlbi, mremap_page_into_block)
{
	mremap_page(_metadata, &self->t, true, false);
}

/* The slot deleted (reads become MMIO) and created again. */
TEST_F(tlbi, slot_delete_and_move)
{
	struct tlbi *t = &self->t;
	__u64 ipa;
	int i;

	ASSERT_EQ(0, spin_setup(t, guest_reader_start, false, 0));
	ASSERT_EQ(0, wait_checked(t));
	for (i = 0; i < CHANGES; i++) {
		/* Gone: every read of the page is an MMIO exit. */
		change_begin(t);
		if (i & 1)
			ipa = MOVED_IPA;
		else
			ipa = 0;
		ASSERT_EQ(0, tst_set_region(t->g.vm, 1, 0, ipa ?: TARGET_IPA,
					    ipa ? TARGET_SIZE : 0,
					    t->target));
		change_end(t, 0xd00 + i);
		assert_checked(_metadata, t, i);
		/* Back, with a new value. */
		change_begin(t);
		if (ipa)
			ASSERT_EQ(0, tst_set_region(t->g.vm, 1, 0, TARGET_IPA,
						    TARGET_SIZE, t->target));
		*target_word(t) = 0x200 + i;
		if (!ipa)
			ASSERT_EQ(0, tst_set_region(t->g.vm, 1, 0, TARGET_IPA,
						    TARGET_SIZE, t->target));
		change_end(t, 0x200 + i);
		assert_checked(_metadata, t, i);
	}
}

static __u64 read_counter(struct tlbi *t)
{
	return __atomic_load_n(target_word(t), __ATOMIC_ACQUIRE);
}

/* Read-only on the host: the guest's writes stop, and start again. */
TEST_F(tlbi, mprotect_stops_writes)
{
	struct tlbi *t = &self->t;
	__u64 before, after;
	int i, faulted = 0;

	ASSERT_EQ(0, spin_setup(t, guest_writer_start, false, 0));
	for (i = 0; i < CHANGES / 3; i++) {
		before = read_counter(t);
		while (read_counter(t) - before < 1000 && !t->error)
			sched_yield();
		ASSERT_EQ(0, t->error);
		ASSERT_EQ(0, mprotect(t->target, TARGET_SIZE, PROT_READ));
		before = read_counter(t);
		usleep(20000);
		after = read_counter(t);
		EXPECT_EQ(before, after) TH_LOG("change %d: writes went on", i);
		if (before != after)
			break;
		ASSERT_EQ(0, mprotect(t->target, TARGET_SIZE,
				      PROT_READ | PROT_WRITE));
		faulted += atomic_load(&t->efaults) > 0;
	}
	EXPECT_GT(faulted, 0);
}

/*
 * Dirty logging: once GET_DIRTY_LOG has returned (log cleared, page
 * write-protected), a write the host sees must be in the next log.  With
 * THP backing, the first enable also splits the 2 MiB block.
 */
static void dirty_log(struct __test_metadata *_metadata, struct tlbi *t,
		      bool thp)
{
	__u64 bitmap[TARGET_SIZE / TST_PAGE / 64], v1, v2;
	struct s2mmu_dirty_log log = {
		.slot = 1, .dirty_bitmap = (uintptr_t)bitmap,
	};
	int i, written = 0;
	__u64 bit = TARGET_PAGE / TST_PAGE;

	ASSERT_EQ(0, spin_setup(t, guest_writer_start, thp,
				0));
	v1 = read_counter(t);
	while (read_counter(t) - v1 < 1000 && !t->error)
		sched_yield();
	ASSERT_EQ(0, tst_set_region(t->g.vm, 1, S2MMU_MEM_LOG_DIRTY_PAGES,
				    TARGET_IPA, TARGET_SIZE, t->target));
	ASSERT_EQ(0, tst_ioctl(t->g.vm, S2MMU_GET_DIRTY_LOG,
			       (unsigned long)&log));
	for (i = 0; i < CHANGES; i++) {
		v1 = read_counter(t);
		usleep(2000);
		v2 = read_counter(t);
		ASSERT_EQ(0, tst_ioctl(t->g.vm, S2MMU_GET_DIRTY_LOG,
				       (unsigned long)&log));
		if (v1 == v2)
			continue;
		written++;
		EXPECT_TRUE(bitmap[bit / 64] & (1ULL << (bit % 64)))
			TH_LOG("round %d: %llu writes not logged", i,
			       (unsigned long long)(v2 - v1));
	}
	ASSERT_EQ(0, t->error);
	/* The guest did write under the host's watch (it may be descheduled). */
	EXPECT_GE(written, 10);
}

TEST_F(tlbi, dirty_log_write_protect)
{
	dirty_log(_metadata, &self->t, false);
}

TEST_F(tlbi, dirty_log_block_split)
{
	dirty_log(_metadata, &self->t, true);
}

TEST_HARNESS_MAIN
