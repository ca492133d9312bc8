// SPDX-License-Identifier: GPL-2.0
/*
 * Teardown: a VM that mapped a lot, then is closed, or whose process is
 * killed, leaves no table page and no pinned page behind, as the
 * module-wide counters and debugfs show.
 */
#include "s2mmu_util.h"

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include "../kselftest_harness.h"

#define GPA		0x40000000ULL
#define SIZE_4K		(32UL << 20)
#define SIZE_THP	(16UL << 20)
#define DEBUGFS		"/sys/kernel/debug/s2mmu"

/* Nothing else may hold VMs while these run: the counts are global. */
static void expect_clean(struct __test_metadata *_metadata, int dev)
{
	struct s2mmu_module_stats ms;

	ASSERT_EQ(0, tst_module_stats(dev, &ms));
	EXPECT_EQ((__u32)S2MMU_MODULE_STATS_VERSION, ms.version);
	EXPECT_EQ(sizeof(ms), ms.size);
	EXPECT_EQ(0ULL, ms.vms);
	EXPECT_EQ(0ULL, ms.table_pages);
	EXPECT_EQ(0ULL, ms.pages_pinned);
}

/* Build a VM with 32 MiB of 4K pages and 16 MiB of THP, all faulted. */
static int build_vm(struct __test_metadata *_metadata, int dev,
		    struct tst_vcpu *vcpu, __u8 **m4k, __u8 **mthp)
{
	struct s2mmu_vcpu_access a;
	__u64 off, v = 1;
	int vm;

	vm = tst_create_vm(dev, 0);
	if (vm < 0)
		return vm;
	*m4k = tst_alloc(TST_ANON, SIZE_4K);
	*mthp = tst_alloc(TST_ANON_THP, SIZE_THP);
	if (!*m4k || !*mthp)
		return -ENOMEM;
	memset(*mthp, 1, SIZE_THP);
	if (tst_set_region(vm, 0, 0, GPA, SIZE_4K, *m4k) ||
	    tst_set_region(vm, 1, 0, GPA + SIZE_4K, SIZE_THP, *mthp) ||
	    tst_create_vcpu(dev, vm, 0, vcpu))
		return -EINVAL;
	for (off = 0; off < SIZE_4K + SIZE_THP; off += TST_PAGE)
		if (tst_access(vcpu, GPA + off, &v, 8, S2MMU_ACCESS_WRITE, &a) ||
		    a.done != 8)
			return -EIO;
	return vm;
}

static int debugfs_vm_dirs(void)
{
	DIR *d = opendir(DEBUGFS);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += !strncmp(e->d_name, "vm", 2);
	closedir(d);
	return n;
}

static unsigned long long debugfs_value(const char *file, const char *key)
{
	char line[128], name[64];
	unsigned long long v, found = ~0ULL;
	FILE *f = fopen(file, "r");

	if (!f)
		return ~0ULL;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %llu", name, &v) == 2 &&
		    !strcmp(name, key))
			found = v;
	fclose(f);
	return found;
}

TEST(close_frees_everything)
{
	struct s2mmu_module_stats ms;
	struct s2mmu_stats st;
	struct tst_vcpu vcpu = { .fd = -1 };
	__u8 *m4k, *mthp;
	int dev, vm;

	dev = tst_open_dev();
	ASSERT_LE(0, dev);
	expect_clean(_metadata, dev);
	vm = build_vm(_metadata, dev, &vcpu, &m4k, &mthp);
	ASSERT_LE(0, vm);

	ASSERT_EQ(0, tst_stats(vm, &st));
	tst_print_stats(stderr, &st);
	EXPECT_EQ((SIZE_4K + SIZE_THP) / TST_PAGE, st.pages_pinned);
	EXPECT_LT(0ULL, st.table_pages);
	ASSERT_EQ(0, tst_module_stats(dev, &ms));
	EXPECT_EQ(1ULL, ms.vms);
	EXPECT_EQ(st.pages_pinned, ms.pages_pinned);
	/* Tables, plus the table pages the vCPU keeps cached for faults. */
	EXPECT_LE(st.table_pages, ms.table_pages);

	/* The vCPU keeps the VM alive after the VM fd is closed. */
	close(vm);
	ASSERT_EQ(0, tst_module_stats(dev, &ms));
	EXPECT_EQ(1ULL, ms.vms);
	EXPECT_EQ(st.pages_pinned, ms.pages_pinned);
	tst_destroy_vcpu(&vcpu);
	expect_clean(_metadata, dev);

	/* The memory is the process's again, as the guest left it. */
	EXPECT_EQ(1, m4k[SIZE_4K - TST_PAGE]);
	munmap(m4k, SIZE_4K);
	munmap(mthp, SIZE_THP);
	close(dev);
}

TEST(kill_frees_everything)
{
	int dev, pipefd[2], status;
	char c;
	pid_t pid;

	dev = tst_open_dev();
	ASSERT_LE(0, dev);
	expect_clean(_metadata, dev);
	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct tst_vcpu vcpu = { .fd = -1 };
		__u8 *m4k, *mthp;

		close(pipefd[0]);
		if (build_vm(_metadata, dev, &vcpu, &m4k, &mthp) < 0)
			_exit(1);
		if (write(pipefd[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(pipefd[1]);
	ASSERT_EQ(1, read(pipefd[0], &c, 1));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	expect_clean(_metadata, dev);
	close(pipefd[0]);
	close(dev);
}

TEST(debugfs_shows_vm)
{
	struct tst_vcpu vcpu = { .fd = -1 };
	char path[512], line[256];
	__u8 *m4k, *mthp;
	int dev, vm, dirs, found = 0;
	FILE *f;
	DIR *d;
	struct dirent *e;

	if (access(DEBUGFS, R_OK))
		SKIP(return, "no debugfs at " DEBUGFS);
	dev = tst_open_dev();
	ASSERT_LE(0, dev);
	dirs = debugfs_vm_dirs();
	vm = build_vm(_metadata, dev, &vcpu, &m4k, &mthp);
	ASSERT_LE(0, vm);
	EXPECT_EQ(dirs + 1, debugfs_vm_dirs());

	/* Find our directory: the one whose stats show 2 slots. */
	d = opendir(DEBUGFS);
	ASSERT_NE(NULL, d);
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "vm", 2))
			continue;
		snprintf(path, sizeof(path), DEBUGFS "/%s/stats", e->d_name);
		if (debugfs_value(path, "memslots") == 2)
			break;
	}
	ASSERT_NE(NULL, e);
	closedir(d);
	EXPECT_EQ((SIZE_4K + SIZE_THP) / TST_PAGE,
		  debugfs_value(path, "pages_pinned"));

	/* The ptdump shows the first page: IPA, level 3, RW, WB, AF. */
	snprintf(path + strlen(path) - strlen("stats"), 8, "ptdump");
	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "0x000040000000-", 15) &&
		    strstr(line, " L3 ") && strstr(line, " RW- WB AF"))
			found = 1;
	fclose(f);
	EXPECT_TRUE(found);

	tst_destroy_vcpu(&vcpu);
	close(vm);
	EXPECT_EQ(dirs, debugfs_vm_dirs());
	EXPECT_EQ(0ULL, debugfs_value(DEBUGFS "/module_stats", "pages_pinned"));
	EXPECT_EQ(0ULL, debugfs_value(DEBUGFS "/module_stats", "table_pages"));
	munmap(m4k, SIZE_4K);
	munmap(mthp, SIZE_THP);
	close(dev);
}

TEST_HARNESS_MAIN
