// SPDX-License-Identifier: GPL-2.0
/*
 * uffd_test: guest memory whose pages a VMM supplies through userfaultfd
 * (post-copy migration, demand paging).  A stage-2 fault on a page not
 * yet supplied must wait for the VMM's UFFDIO_COPY, then map that page,
 * like a user access would; it must not fail with -EFAULT.
 *
 * The accesses come from S2MMU_VCPU_ACCESS on every host, and from a real
 * guest (S2MMU_RUN) where guests run.  A handler thread answers each
 * missing-page event with a page of a pattern naming the page, so every
 * value read proves which page was supplied.
 */
#include "guest_vm.h"

#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sys/syscall.h>
#include "../kselftest_harness.h"

#define SLOT		0
#define SLOT_GPA	0x40000000ULL
#define NR_PAGES	16
#define SLOT_SIZE	(NR_PAGES * TST_PAGE)

struct uffd_server {
	int uffd;
	int stop;		/* eventfd-free stop: polled with a timeout */
	__u8 *base;
	__u64 served;
	pthread_t thread;
	__u64 page[TST_PAGE / 8];	/* what UFFDIO_COPY copies from */
};

static __u64 pattern(__u64 page)
{
	return 0xfeed000000000000ULL | page;
}

static int uffd_serve_one(struct uffd_server *s)
{
	__u64 *page = s->page;
	struct uffdio_copy copy;
	struct uffd_msg msg;
	__u64 off, i;

	if (read(s->uffd, &msg, sizeof(msg)) != sizeof(msg))
		return errno == EAGAIN ? 0 : -1;
	if (msg.event != UFFD_EVENT_PAGEFAULT)
		return -1;
	off = (msg.arg.pagefault.address - (uintptr_t)s->base) & ~(TST_PAGE - 1);
	for (i = 0; i < TST_PAGE / 8; i++)
		page[i] = pattern(off / TST_PAGE);
	copy = (struct uffdio_copy) {
		.dst = (uintptr_t)s->base + off,
		.src = (uintptr_t)page,
		.len = TST_PAGE,
	};
	if (ioctl(s->uffd, UFFDIO_COPY, &copy) && errno != EEXIST)
		return -1;
	__atomic_add_fetch(&s->served, 1, __ATOMIC_RELAXED);
	return 0;
}

static void *uffd_server_main(void *arg)
{
	struct uffd_server *s = arg;
	struct pollfd p = { .fd = s->uffd, .events = POLLIN };

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		if (poll(&p, 1, 10) > 0 && uffd_serve_one(s))
			return (void *)-1L;
	}
	return NULL;
}

/*
 * Anonymous memory registered for missing-page events, and its server.
 * Return: 0; 1 when this kernel gives no userfaultfd; else -errno.
 */
static int uffd_server_start(struct uffd_server *s)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };

	memset(s, 0, sizeof(*s));
	s->base = mmap(NULL, SLOT_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->base == MAP_FAILED)
		return -errno;
	s->uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (s->uffd < 0)
		return 1;
	reg.range.start = (uintptr_t)s->base;
	reg.range.len = SLOT_SIZE;
	if (ioctl(s->uffd, UFFDIO_API, &api) ||
	    ioctl(s->uffd, UFFDIO_REGISTER, &reg))
		return -errno;
	return -pthread_create(&s->thread, NULL, uffd_server_main, s);
}

static int uffd_server_stop(struct uffd_server *s)
{
	void *ret = NULL;

	__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
	pthread_join(s->thread, &ret);
	close(s->uffd);
	munmap(s->base, SLOT_SIZE);
	return ret ? -1 : 0;
}

TEST(vcpu_access_waits_for_the_vmm)
{
	struct s2mmu_vcpu_access a;
	struct uffd_server s;
	struct tst_vcpu v = { .fd = -1 };
	__u64 val, page;
	int dev, vm, ret;

	ret = tst_open_vm_vcpu(&dev, &vm, &v);
	if (ret == -ENODEV)
		SKIP(return, "s2mmu module not loaded");
	ASSERT_EQ(0, ret);
	ret = uffd_server_start(&s);
	if (ret == 1)
		SKIP(return, "no userfaultfd in this kernel");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, tst_set_region(vm, SLOT, 0, SLOT_GPA, SLOT_SIZE, s.base));

	/* Reads of even pages, writes to odd ones: both kinds wait. */
	for (page = 0; page < NR_PAGES; page++) {
		__u64 ipa = SLOT_GPA + page * TST_PAGE + 8 * page;

		if (page & 1) {
			val = ~pattern(page);
			ASSERT_EQ(0, tst_access(&v, ipa, &val, 8,
						S2MMU_ACCESS_WRITE, &a));
			EXPECT_EQ(~pattern(page), *(__u64 *)(s.base + ipa - SLOT_GPA));
			/* The rest of the page is what the VMM supplied. */
			EXPECT_EQ(pattern(page),
				  *(__u64 *)(s.base + page * TST_PAGE + 8 * page + 8));
		} else {
			ASSERT_EQ(0, tst_access(&v, ipa, &val, 8,
						S2MMU_ACCESS_READ, &a));
			EXPECT_EQ(pattern(page), val);
		}
		EXPECT_LT(0ULL, tst_faults(&a));
	}
	/* After the join: the server counts a page after its UFFDIO_COPY. */
	EXPECT_EQ(0, uffd_server_stop(&s));
	EXPECT_EQ((__u64)NR_PAGES, s.served);
	tst_destroy_vcpu(&v);
	close(vm);
	close(dev);
}

/* Sums x0 pages at IPA x1 (one load per page), returns it at its HVC. */
GUEST_CODE void guest_sum_pages(__u64 nr, __u64 ipa)
{
	__u64 i, sum = 0;

	for (i = 0; i < nr; i++)
		sum += guest_read64(ipa + i * 4096);
	guest_done(sum);
}

TEST(guest_waits_for_the_vmm)
{
	struct uffd_server s;
	struct guest_vm g;
	__u64 args[2] = { NR_PAGES, SLOT_GPA }, want = 0, page;
	char why[256];
	int ret;

	ret = guest_vm_create(&g, 1);
	if (ret == -ENODEV || ret == -EOPNOTSUPP)
		SKIP(return, "real guests not supported here (%s)", strerror(-ret));
	ASSERT_EQ(0, ret);
	ret = uffd_server_start(&s);
	if (ret == 1)
		SKIP(return, "no userfaultfd in this kernel");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, tst_set_region(g.vm, SLOT, 0, SLOT_GPA, SLOT_SIZE, s.base));
	ASSERT_EQ(0, guest_start(&g.vcpu[0], guest_sum_pages, 2, args));

	ret = guest_expect_hvc(&g.vcpu[0], GUEST_DONE, why, sizeof(why));
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	for (page = 0; page < NR_PAGES; page++)
		want += pattern(page);
	EXPECT_EQ(want, guest_arg(&g.vcpu[0], 1));
	/* After the join: the server counts a page after its UFFDIO_COPY. */
	EXPECT_EQ(0, uffd_server_stop(&s));
	EXPECT_EQ((__u64)NR_PAGES, s.served);
	guest_vm_destroy(&g);
}

TEST_HARNESS_MAIN
