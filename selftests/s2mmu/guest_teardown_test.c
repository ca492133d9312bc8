// SPDX-License-Identifier: GPL-2.0
/*
 * Teardown under running guests: the VMM killed while its vCPUs run (or
 * wait in WFI), and every fd closed and all guest memory unmapped while a
 * vCPU runs in another thread.  Afterwards the module-wide counters show
 * no VM, no table page and no pinned page, and the module unloads (and is
 * loaded again for the tests that follow).  The console is checked for
 * WARNs and oopses by the VM harness.
 */
#include "guest_vm.h"

#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "../kselftest_harness.h"

#define NR_VCPUS	4
#define SLOT		0
#define SLOT_GPA	0x40000000ULL
#define SLOT_SIZE	(32UL << 20)
#define MODULE_PATH	"/s2mmu.ko"

/* Reports once, then writes random pages of [mem, mem + size) forever. */
GUEST_CODE void guest_spin_writes(__u64 mem, __u64 npages, __u64 seed)
{
	__u64 p;

	guest_sync(0, 0, 0);
	for (;;) {
		p = guest_xorshift(&seed) % npages;
		guest_write64(mem + p * TST_PAGE, seed);
	}
}

/* Reports once, then waits for an interrupt that never comes. */
GUEST_CODE void guest_wfi_forever(void)
{
	guest_sync(0, 0, 0);
	for (;;)
		asm volatile("wfi" : : : "memory");
}

static void expect_clean(struct __test_metadata *_metadata)
{
	struct s2mmu_module_stats ms;
	int dev = tst_open_dev();

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, tst_module_stats(dev, &ms));
	EXPECT_EQ(0ULL, ms.vms);
	EXPECT_EQ(0ULL, ms.table_pages);
	EXPECT_EQ(0ULL, ms.pages_pinned);
	close(dev);
}

struct runner {
	struct tst_vcpu *v;
	int fd;
	int ready_fd;		/* a byte is written here at the first sync */
	pthread_t thread;
	int last_errno;
};

/*
 * Run until the guest's first GUEST_SYNC, report it, then keep running
 * with the raw fd (the test may unmap the run page and close the fd
 * meanwhile) until S2MMU_RUN fails.
 */
static void *runner_main(void *arg)
{
	struct runner *r = arg;
	int ret = guest_run(r->v);

	if (ret || guest_arg(r->v, 0) != GUEST_SYNC) {
		r->last_errno = ret < 0 ? -ret : EPROTO;
		if (write(r->ready_fd, "x", 1) != 1)
			return NULL;
		return NULL;
	}
	if (write(r->ready_fd, "r", 1) != 1)
		return NULL;
	while (ioctl(r->fd, S2MMU_RUN, 0) == 0)
		;
	r->last_errno = errno;
	return NULL;
}

/* A VM whose vCPUs run @fn; waits until every vCPU reported in. */
static int start_guests(struct guest_vm *g, __u8 **mem, struct runner *r,
			int nr, const void *fn, int ready[2])
{
	__u64 args[3] = { SLOT_GPA, SLOT_SIZE / TST_PAGE, 0 };
	char c;
	int i, ret;

	ret = guest_vm_create(g, nr);
	if (ret)
		return ret;
	*mem = tst_alloc(TST_ANON, SLOT_SIZE);
	if (!*mem || tst_set_region(g->vm, SLOT, 0, SLOT_GPA, SLOT_SIZE, *mem))
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		args[2] = 0x9e3779b97f4a7c15ULL * (i + 1);
		r[i] = (struct runner){ .v = &g->vcpu[i], .fd = g->vcpu[i].fd,
					.ready_fd = ready[1] };
		if (guest_start(&g->vcpu[i], fn, 3, args) ||
		    pthread_create(&r[i].thread, NULL, runner_main, &r[i]))
			return -EIO;
	}
	for (i = 0; i < nr; i++)
		if (read(ready[0], &c, 1) != 1 || c != 'r')
			return -EIO;
	return 0;
}

/* A child VMM with 4 running vCPUs is killed; nothing stays behind. */
static void kill_running_vmm(struct __test_metadata *_metadata, const void *fn)
{
	int status_pipe[2], status;
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe(status_pipe));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct runner r[NR_VCPUS];
		struct guest_vm g;
		int ready[2], ret;
		__u8 *mem;

		if (pipe(ready))
			_exit(1);
		ret = start_guests(&g, &mem, r, NR_VCPUS, fn, ready);
		c = ret == -EOPNOTSUPP ? 's' : ret ? 'x' : 'r';
		if (write(status_pipe[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	ASSERT_EQ(1, read(status_pipe[0], &c, 1));
	if (c == 's') {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		SKIP(return, "S2MMU_RUN not supported here");
	}
	EXPECT_EQ('r', c);
	/* Let the guests fault and run for a while. */
	usleep(200000);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	expect_clean(_metadata);
	close(status_pipe[0]);
	close(status_pipe[1]);
}

TEST(kill_vmm_while_vcpus_write)
{
	expect_clean(_metadata);
	kill_running_vmm(_metadata, guest_spin_writes);
}

TEST(kill_vmm_while_vcpus_wait_in_wfi)
{
	expect_clean(_metadata);
	kill_running_vmm(_metadata, guest_wfi_forever);
}

static void on_sigusr1(int sig)
{
}

/*
 * One thread runs the guest; the main thread closes the VM and vCPU fds,
 * unmaps the run page, the code and the guest memory under it, then
 * interrupts it: S2MMU_RUN ends (with -EFAULT once the memory is gone, or
 * -EINTR), and when the thread is gone so is the VM.
 */
TEST(close_everything_while_vcpu_runs)
{
	struct sigaction sa = { .sa_handler = on_sigusr1 };
	struct runner r[1];
	struct guest_vm g;
	int ready[2], i;
	__u8 *mem = NULL;
	int ret;

	expect_clean(_metadata);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, pipe(ready));
	ret = start_guests(&g, &mem, r, 1, guest_spin_writes, ready);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "S2MMU_RUN not supported here");
	ASSERT_EQ(0, ret);
	usleep(100000);

	close(g.vm);
	g.vm = -1;
	munmap(g.vcpu[0].run, TST_PAGE);
	close(g.vcpu[0].fd);
	g.vcpu[0].fd = -1;
	g.vcpu[0].run = NULL;
	close(g.dev);
	g.dev = -1;
	/* The MMU notifier takes the guest's memory away under it. */
	munmap(mem, SLOT_SIZE);
	munmap(g.code, GUEST_CODE_SLOT_SIZE);
	g.code = NULL;

	for (i = 0; i < 100 && pthread_tryjoin_np(r[0].thread, NULL); i++) {
		pthread_kill(r[0].thread, SIGUSR1);
		usleep(20000);
	}
	ASSERT_LT(i, 100);
	TH_LOG("S2MMU_RUN ended with %s after %d signals",
	       strerror(r[0].last_errno), i);
	EXPECT_TRUE(r[0].last_errno == EFAULT || r[0].last_errno == EINTR);
	expect_clean(_metadata);
	close(ready[0]);
	close(ready[1]);
}

#define LOCK_CHECK_PARAM	"/sys/module/s2mmu/parameters/lock_check"

/* Whether the module was loaded with the lock checker on (the harness). */
static bool lock_check_on(void)
{
	char c = 'N';
	int fd = open(LOCK_CHECK_PARAM, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (read(fd, &c, 1) != 1)
			c = 'N';
		close(fd);
	}
	return c == 'Y';
}

/*
 * After all that, the module unloads: nothing holds a reference.  It is
 * loaded again as it was (lock_check kept), and the lock checker's counts,
 * which the unload resets, are judged first: no inversion in the real
 * code up to here.
 */
TEST(module_unloads_after_teardown)
{
	struct s2mmu_module_stats ms;
	bool checked = lock_check_on();
	int fd, dev;

	if (getuid() || access(MODULE_PATH, R_OK))
		SKIP(return, "not root, or no " MODULE_PATH " to load again");
	expect_clean(_metadata);
	dev = tst_open_dev();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, tst_module_stats(dev, &ms));
	close(dev);
	EXPECT_EQ(ms.lock_inversions_provoked, ms.lock_inversions);
	ASSERT_EQ(0, syscall(SYS_delete_module, "s2mmu", O_NONBLOCK));
	fd = open(MODULE_PATH, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, syscall(SYS_finit_module, fd,
			     checked ? "lock_check=1" : "", 0));
	ASSERT_EQ(checked, lock_check_on());
	close(fd);
	expect_clean(_metadata);
}

TEST_HARNESS_MAIN
