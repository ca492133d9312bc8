// SPDX-License-Identifier: GPL-2.0
/*
 * mmu_notifier_test: the host changes the memory behind a slot while
 * the guest has it mapped, and the guest must see the change.
 *
 * munmap, MADV_DONTNEED, mprotect, mremap and a copy-on-write break
 * after fork each replace (or forbid) the host page a stage-2 entry
 * points at.  The module's MMU notifier must drop the stage-2 mapping,
 * which the next guest access shows as a re-fault, and that access must
 * see the new host contents.  Without the notifier, stage 2 would keep
 * pointing at the old page and the guest would read stale data.
 *
 * Aging: reclaim asks the notifier whether the guest used a page
 * (clear_flush_young); the answer must follow the guest's accesses, and
 * the access flag it cleared must make the next access fault.
 *
 * Release: when the creator's address space goes away while a VM file
 * descriptor lives on elsewhere, the stage-2 table is torn down and
 * every guest page is released at once.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "s2mmu_util.h"

#define SLOT_GPA	0x40000000ULL
#define NPAGES		64
#define MEM_SIZE	(NPAGES * TST_PAGE)

struct guest {
	struct tst_vcpu *vcpu;
	__u8 *mem;
};

FIXTURE(notifier) {
	int dev, vm;
	struct tst_vcpu vcpu;
	__u8 *mem;
	struct guest g;
};

FIXTURE_SETUP(notifier)
{
	int ret = tst_open_vm_vcpu(&self->dev, &self->vm, &self->vcpu);

	if (ret == -ENODEV)
		SKIP(return, "/dev/s2mmu: %s", strerror(errno));
	ASSERT_EQ(0, ret);
	self->mem = tst_alloc(TST_ANON, MEM_SIZE);
	ASSERT_NE(NULL, self->mem);
	memset(self->mem, 0x11, MEM_SIZE);
	ASSERT_EQ(0, tst_set_region(self->vm, 0, 0, SLOT_GPA, MEM_SIZE, self->mem));
	self->g.vcpu = &self->vcpu;
	self->g.mem = self->mem;
}

FIXTURE_TEARDOWN(notifier)
{
	if (self->vm >= 0)
		close(self->vm);
	if (self->dev >= 0)
		close(self->dev);
}

static __u64 *host(const struct guest *g, int page)
{
	return (__u64 *)(g->mem + page * TST_PAGE);
}

static int gread(const struct guest *g, int page, __u64 *v,
		 struct s2mmu_vcpu_access *res)
{
	return tst_access(g->vcpu, SLOT_GPA + page * TST_PAGE, v,
			    sizeof(*v), S2MMU_ACCESS_READ, res);
}

static int gwrite(const struct guest *g, int page, __u64 v,
		  struct s2mmu_vcpu_access *res)
{
	return tst_access(g->vcpu, SLOT_GPA + page * TST_PAGE, &v,
			    sizeof(v), S2MMU_ACCESS_WRITE, res);
}

/*
 * The guest maps @page writable and leaves @v there: a second write does
 * not fault, and the host sees the value.  Returns 0 when all that holds.
 */
static int map_writable(const struct guest *g, int page, __u64 v)
{
	struct s2mmu_vcpu_access r;

	if (gwrite(g, page, v, NULL) || gwrite(g, page, v, &r))
		return -1;
	if (r.faults_translation + r.faults_permission + r.faults_access)
		return -2;
	return *host(g, page) == v ? 0 : -3;
}

TEST_F(notifier, munmap)
{
	struct s2mmu_vcpu_access res;
	__u64 v = 0;
	void *p;

	ASSERT_EQ(0, map_writable(&self->g, 3, 0xaaaa));
	ASSERT_EQ(0, munmap(host(&self->g, 3), TST_PAGE));
	/* Nothing backs the page now: the guest access cannot complete. */
	EXPECT_EQ(-EFAULT, gread(&self->g, 3, &v, NULL));

	p = mmap(host(&self->g, 3), TST_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ((void *)host(&self->g, 3), p);
	*host(&self->g, 3) = 0xbbbb;
	ASSERT_EQ(0, gread(&self->g, 3, &v, &res));
	EXPECT_EQ(0xbbbbULL, v);
	EXPECT_EQ(1U, res.faults_translation);
	/* Its neighbours were not touched. */
	ASSERT_EQ(0, gread(&self->g, 2, &v, NULL));
	EXPECT_EQ(0x1111111111111111ULL, v);
}

TEST_F(notifier, madv_dontneed)
{
	struct s2mmu_vcpu_access res;
	__u64 v = 1;

	ASSERT_EQ(0, map_writable(&self->g, 5, 0xcccc));
	ASSERT_EQ(0, map_writable(&self->g, 6, 0xdddd));
	ASSERT_EQ(0, madvise(host(&self->g, 5), TST_PAGE, MADV_DONTNEED));
	ASSERT_EQ(0ULL, *host(&self->g, 5));
	ASSERT_EQ(0, gread(&self->g, 5, &v, &res));
	EXPECT_EQ(0ULL, v);
	EXPECT_EQ(1U, res.faults_translation);
	/* Page 6 kept its mapping: no fault. */
	ASSERT_EQ(0, gread(&self->g, 6, &v, &res));
	EXPECT_EQ(0xddddULL, v);
	EXPECT_EQ(0U, res.faults_translation + res.faults_access);
}

TEST_F(notifier, mprotect)
{
	struct s2mmu_vcpu_access res;
	__u64 v = 0;

	ASSERT_EQ(0, map_writable(&self->g, 7, 0x7777));
	ASSERT_EQ(0, mprotect(host(&self->g, 7), TST_PAGE, PROT_READ));
	/* The host forbids writes: so must stage 2. */
	EXPECT_EQ(-EFAULT, gwrite(&self->g, 7, 0x8888, NULL));
	EXPECT_EQ(0x7777ULL, *host(&self->g, 7));
	ASSERT_EQ(0, gread(&self->g, 7, &v, &res));
	EXPECT_EQ(0x7777ULL, v);
	EXPECT_EQ(1U, res.faults_translation);

	ASSERT_EQ(0, mprotect(host(&self->g, 7), TST_PAGE, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, gwrite(&self->g, 7, 0x9999, NULL));
	EXPECT_EQ(0x9999ULL, *host(&self->g, 7));
}

TEST_F(notifier, mremap)
{
	struct s2mmu_vcpu_access res;
	__u64 v = 0;
	void *to, *p;

	ASSERT_EQ(0, map_writable(&self->g, 8, 0x8080));
	ASSERT_EQ(0, map_writable(&self->g, 9, 0x9090));
	to = mmap(NULL, 2 * TST_PAGE, PROT_NONE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, to);
	p = mremap(host(&self->g, 8), 2 * TST_PAGE, 2 * TST_PAGE,
		   MREMAP_MAYMOVE | MREMAP_FIXED, to);
	ASSERT_EQ(to, p);
	/* The pages moved away, contents and all ... */
	EXPECT_EQ(0x8080ULL, *(__u64 *)to);
	EXPECT_EQ(-EFAULT, gread(&self->g, 8, &v, NULL));

	/* ... and the guest sees whatever now lives at the slot's address. */
	p = mmap(host(&self->g, 8), 2 * TST_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ((void *)host(&self->g, 8), p);
	*host(&self->g, 8) = 0xf00d;
	ASSERT_EQ(0, gread(&self->g, 8, &v, &res));
	EXPECT_EQ(0xf00dULL, v);
	EXPECT_EQ(1U, res.faults_translation);
	ASSERT_EQ(0, gread(&self->g, 9, &v, NULL));
	EXPECT_EQ(0ULL, v);
}

/* A child that reports the value of a page of its copy when told to. */
struct child {
	pid_t pid;
	int go[2], answer[2];
};

static int child_start(struct child *c, const __u64 *page)
{
	__u64 v;
	char b;

	if (pipe(c->go) || pipe(c->answer))
		return -1;
	c->pid = fork();
	if (c->pid)
		return c->pid < 0 ? -1 : 0;
	if (read(c->go[0], &b, 1) != 1)
		_exit(1);
	v = *page;
	_exit(write(c->answer[1], &v, sizeof(v)) == sizeof(v) ? 0 : 1);
}

static __u64 child_value(struct child *c)
{
	__u64 v = ~0ULL;
	int status;

	if (write(c->go[1], "g", 1) != 1 || read(c->answer[0], &v, sizeof(v)) != sizeof(v))
		v = ~0ULL;
	waitpid(c->pid, &status, 0);
	return v;
}

/* After fork, the guest writes: the child's copy must keep the old data. */
TEST_F(notifier, fork_guest_write)
{
	struct child c;
	__u64 v = 0;

	ASSERT_EQ(0, map_writable(&self->g, 10, 0x1010));
	ASSERT_EQ(0, child_start(&c, host(&self->g, 10)));
	ASSERT_EQ(0, gwrite(&self->g, 10, 0x2020, NULL));
	EXPECT_EQ(0x2020ULL, *host(&self->g, 10));
	EXPECT_EQ(0x1010ULL, child_value(&c));
	ASSERT_EQ(0, gread(&self->g, 10, &v, NULL));
	EXPECT_EQ(0x2020ULL, v);
}

/* After fork, the host writes (breaking COW): the guest must follow. */
TEST_F(notifier, fork_host_write)
{
	struct child c;
	__u64 v = 0;

	ASSERT_EQ(0, map_writable(&self->g, 11, 0x1111));
	ASSERT_EQ(0, child_start(&c, host(&self->g, 11)));
	*host(&self->g, 11) = 0x3030;
	ASSERT_EQ(0, gread(&self->g, 11, &v, NULL));
	EXPECT_EQ(0x3030ULL, v);
	ASSERT_EQ(0, gwrite(&self->g, 11, 0x4040, NULL));
	EXPECT_EQ(0x4040ULL, *host(&self->g, 11));
	EXPECT_EQ(0x1111ULL, child_value(&c));
}

/*
 * MADV_PAGEOUT runs reclaim's reference check on the pages, which asks
 * the notifier (clear_flush_young).  The host's own accessed bits are
 * cleared first by the madvise itself, so what the check finds young is
 * the guest's use, counted in young_found.
 */
TEST_F(notifier, aging)
{
	struct s2mmu_stats st0, st1, st2;
	struct s2mmu_vcpu_access res;
	cpu_set_t cpu;
	__u64 v;

	/* Reclaim only takes pages off this CPU's LRU batch. */
	CPU_ZERO(&cpu);
	CPU_SET(0, &cpu);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(cpu), &cpu));

	for (int p = 20; p < 28; p++)
		ASSERT_EQ(0, map_writable(&self->g, p, p));
	ASSERT_EQ(0, tst_stats(self->vm, &st0));
	ASSERT_EQ(0, madvise(host(&self->g, 20), 8 * TST_PAGE, MADV_PAGEOUT));
	ASSERT_EQ(0, tst_stats(self->vm, &st1));
	EXPECT_EQ(8U, st1.young_found - st0.young_found);

	/* The guest uses three of them; each access faults on the cleared AF. */
	for (int p = 21; p < 24; p++) {
		ASSERT_EQ(0, gread(&self->g, p, &v, &res));
		EXPECT_EQ((__u64)p, v);
		EXPECT_EQ(1U, res.faults_access);
		EXPECT_EQ(0U, res.faults_translation);
	}
	ASSERT_EQ(0, madvise(host(&self->g, 20), 8 * TST_PAGE, MADV_PAGEOUT));
	ASSERT_EQ(0, tst_stats(self->vm, &st2));
	EXPECT_EQ(3U, st2.young_found - st1.young_found);
	/* Aging moved no data. */
	for (int p = 20; p < 28; p++)
		EXPECT_EQ((__u64)p, *host(&self->g, p));
}

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = "v", .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char b;
	struct iovec iov = { .iov_base = &b, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* The VMM maps 256 pages, hands its VM fd over, and exits. */
static int release_child(int sock)
{
	int dev = tst_open_dev(), vm;
	struct tst_vcpu vcpu;
	__u8 *mem = tst_alloc(TST_ANON, 256 * TST_PAGE);

	vm = tst_create_vm(dev, 0);
	if (dev < 0 || vm < 0 || tst_create_vcpu(dev, vm, 0, &vcpu) || !mem ||
	    tst_set_region(vm, 0, 0, SLOT_GPA, 256 * TST_PAGE, mem))
		return 1;
	for (__u64 p = 0; p < 256; p++)
		if (tst_access(&vcpu, SLOT_GPA + p * TST_PAGE, &p, sizeof(p),
			       S2MMU_ACCESS_WRITE, NULL))
			return 1;
	return send_fd(sock, vm) ? 1 : 0;
}

TEST(release_tears_down)
{
	struct s2mmu_module_stats ms0, ms1, ms2;
	int dev = tst_open_dev(), sv[2], vm, status;
	struct s2mmu_stats st;
	pid_t pid;

	if (dev < 0)
		SKIP(return, "/dev/s2mmu: %s", strerror(errno));
	ASSERT_EQ(0, tst_module_stats(dev, &ms0));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(release_child(sv[1]));
	vm = recv_fd(sv[0]);
	ASSERT_LE(0, vm);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);

	/* The creator's mm is gone, the VM is not: it holds no page now. */
	ASSERT_EQ(0, tst_module_stats(dev, &ms1));
	EXPECT_EQ(ms0.vms + 1, ms1.vms);
	EXPECT_EQ(ms0.pages_pinned, ms1.pages_pinned);
	/* And it is not ours to use. */
	EXPECT_EQ(-EIO, tst_stats(vm, &st));

	close(vm);
	ASSERT_EQ(0, tst_module_stats(dev, &ms2));
	EXPECT_EQ(ms0.vms, ms2.vms);
	EXPECT_EQ(ms0.table_pages, ms2.table_pages);
	close(dev);
}

/*
 * Invalidations elsewhere leave a fault alone: while another thread keeps
 * invalidating slot B's host memory, faults on slot A never start over.
 * Before faults looked at the range being invalidated, every one of B's
 * invalidations made every fault in flight on A retry.
 *
 * The invalidating thread keeps pace with the faults: one invalidation
 * each time it sees the fault count move, so that the faults on A run
 * while B is being invalidated, yet no fault sees more invalidations
 * than the module remembers ranges for (with more, it would have to
 * assume the worst).
 */
#define QUIET_PAGES	2048ULL
#define BUSY_SIZE	(64ULL << 20)
#define BUSY_GPA	0x80000000ULL

struct invalidator {
	__u8 *mem;
	__u64 faults;	/* faults done on A; __atomic builtins */
	__u64 seen;	/* the last fault count acted on; __atomic builtins */
	__u64 calls;	/* invalidations of B made */
	int stop;	/* __atomic builtins */
	int err;	/* __atomic builtins */
};

static void *invalidate_loop(void *arg)
{
	struct invalidator *inv = arg;
	__u64 n;

	while (!__atomic_load_n(&inv->stop, __ATOMIC_ACQUIRE)) {
		n = __atomic_load_n(&inv->faults, __ATOMIC_ACQUIRE);
		if (n == inv->seen) {
			sched_yield();
			continue;
		}
		if (madvise(inv->mem, BUSY_SIZE, MADV_DONTNEED)) {
			__atomic_store_n(&inv->err, errno, __ATOMIC_RELEASE);
			break;
		}
		inv->calls++;
		__atomic_store_n(&inv->seen, n, __ATOMIC_RELEASE);
	}
	return NULL;
}

static int touch_pages(struct tst_vcpu *v, __u64 gpa, __u64 n, __u8 *host,
		       __u64 *done)
{
	__u64 p, val;

	for (p = 0; p < n; p++) {
		if (tst_access(v, gpa + p * TST_PAGE, &val, sizeof(val),
			       S2MMU_ACCESS_READ, NULL) ||
		    val != *(__u64 *)(host + p * TST_PAGE))
			return -1;
		if (done)
			__atomic_store_n(done, p + 1, __ATOMIC_RELEASE);
	}
	return 0;
}

TEST(unrelated_invalidation_no_retry)
{
	struct invalidator inv = { 0 };
	struct tst_vcpu vcpu = { .fd = -1 };
	struct s2mmu_stats st0, d;
	__u8 *quiet;
	pthread_t t;
	int dev, vm, ret;

	ret = tst_open_vm_vcpu(&dev, &vm, &vcpu);
	if (ret == -ENODEV)
		SKIP(return, "/dev/s2mmu: %s", strerror(errno));
	ASSERT_EQ(0, ret);
	quiet = tst_alloc(TST_ANON, QUIET_PAGES * TST_PAGE);
	inv.mem = tst_alloc(TST_ANON, BUSY_SIZE);
	ASSERT_NE(NULL, quiet);
	ASSERT_NE(NULL, inv.mem);
	memset(quiet, 0x5a, QUIET_PAGES * TST_PAGE);
	ASSERT_EQ(0, tst_set_region(vm, 0, 0, SLOT_GPA, QUIET_PAGES * TST_PAGE,
				    quiet));
	ASSERT_EQ(0, tst_set_region(vm, 1, 0, BUSY_GPA, BUSY_SIZE, inv.mem));
	/*
	 * A first pass settles slot A's host pages (a long-term pin may
	 * migrate one, an invalidation of A itself); deleting and recreating
	 * the slot drops the stage-2 mappings and leaves those pages put.
	 */
	ASSERT_EQ(0, touch_pages(&vcpu, SLOT_GPA, QUIET_PAGES, quiet, NULL));
	ASSERT_EQ(0, tst_set_region(vm, 0, 0, SLOT_GPA, 0, quiet));
	ASSERT_EQ(0, tst_set_region(vm, 0, 0, SLOT_GPA, QUIET_PAGES * TST_PAGE,
				    quiet));

	ASSERT_EQ(0, tst_stats(vm, &st0));
	ASSERT_EQ(0, pthread_create(&t, NULL, invalidate_loop, &inv));
	EXPECT_EQ(0, touch_pages(&vcpu, SLOT_GPA, QUIET_PAGES, quiet,
				 &inv.faults));
	/* Its last invalidation is counted too. */
	while (!__atomic_load_n(&inv.err, __ATOMIC_ACQUIRE) &&
	       __atomic_load_n(&inv.seen, __ATOMIC_ACQUIRE) != QUIET_PAGES)
		sched_yield();
	__atomic_store_n(&inv.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	d = tst_stats_since(vm, &st0);

	TH_LOG("%llu faults on A, %llu invalidations of B meanwhile",
	       (unsigned long long)d.faults_translation,
	       (unsigned long long)inv.calls);
	EXPECT_EQ(0, inv.err);
	EXPECT_LT(0ULL, inv.calls);
	EXPECT_EQ(inv.calls, d.notifier_invalidations);
	/* Not one fault on A had to start over. */
	EXPECT_EQ(QUIET_PAGES, d.faults_translation);
	EXPECT_EQ(0ULL, d.fault_retries);

	tst_destroy_vcpu(&vcpu);
	close(vm);
	close(dev);
	munmap(quiet, QUIET_PAGES * TST_PAGE);
	munmap(inv.mem, BUSY_SIZE);
}

TEST_HARNESS_MAIN
