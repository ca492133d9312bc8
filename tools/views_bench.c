// SPDX-License-Identifier: GPL-2.0
/*
 * views_bench: what a view-0 unmap of 1 GiB (MADV_DONTNEED on the memory
 * behind it: the MMU notifier) costs with 0, 1 and 4 alternate views
 * populated, and with S2MMU_VIEW_CHANGE_GFN remaps present.  A guest
 * reads one word of every STRIDE-th page of the range on view 0 (2 MiB
 * blocks there, when THP backs the memory) and then on each view (4K
 * leaves); the remapped frames, outside the range, show pages inside it.
 *
 * One line per configuration:
 *   bench views_bench views=N remaps=R unmap_ns=T key=value...
 * with the counts that explain the time: view0_tlbi (invalidations of
 * view 0's table), view_tlbi (of the views' tables), view_entries (view
 * leaves in the range before the unmap, all removed by it),
 * propagations (range operations applied to views), rmap_hits (remapped
 * entries found through the reverse map and removed).  Under emulation
 * the times only mean something as ratios; the counts are exact.
 */
#include "../selftests/s2mmu/guest_vm.h"

#include <sys/mman.h>

#define MEM_SLOT	1
#define MEM_GPA		0x40000000ULL
#define MEM_SIZE	(1024ULL * 1024 * 1024)
#define REMAP_SLOT	2
#define REMAP_GPA	0xc0000000ULL
#define REMAPS		512
#define STRIDE		8

/* Reads every @stride-th page of what the VMM names at each HVC. */
GUEST_CODE void guest_touch_loop(void)
{
	__u64 base = 0, npages = 0, stride = 1, sum = 0, p;

	for (;;) {
		base = guest_hvc(GUEST_SYNC, sum, 0, 0, &npages, &stride, NULL);
		for (p = 0; p < npages; p += stride)
			sum += guest_read64(base + p * TST_PAGE);
	}
}

/* One touch pass of the guest on @view; 0 or -1. */
static int touch(struct tst_vcpu *v, int view, __u64 base, __u64 npages,
		 __u64 stride)
{
	if (tst_ioctl(v->fd, S2MMU_SWITCH_VIEW, view))
		return -1;
	v->run->hypercall.ret[0] = base;
	v->run->hypercall.ret[1] = npages;
	v->run->hypercall.ret[2] = stride;
	if (guest_run(v) || guest_arg(v, 0) != GUEST_SYNC)
		return -1;
	return 0;
}

/* A slot of @size at @gpa and @nviews populated views (+ remaps in 1). */
static int populate(struct guest_vm *g, void *mem, void *rmem, int nviews,
		    int remaps)
{
	struct tst_vcpu *v = &g->vcpu[0];
	int i;

	if (tst_set_region(g->vm, MEM_SLOT, 0, MEM_GPA, MEM_SIZE, mem) ||
	    tst_set_region(g->vm, REMAP_SLOT, 0, REMAP_GPA,
			   REMAPS * TST_PAGE, rmem) ||
	    guest_start(v, guest_touch_loop, 0, NULL) || guest_run(v))
		return -1;
	for (i = 1; i <= nviews; i++)
		if (tst_ioctl(g->vm, S2MMU_CREATE_VIEW, 0) != i)
			return -1;
	for (i = 0; i < remaps; i++) {
		struct s2mmu_view_change_gfn cg = {
			.view = 1, .gfn = (REMAP_GPA >> 12) + i,
			.new_gfn = ((MEM_GPA + (__u64)i * (MEM_SIZE / REMAPS)) >> 12),
		};

		if (tst_ioctl(g->vm, S2MMU_VIEW_CHANGE_GFN, (unsigned long)&cg))
			return -1;
	}
	for (i = 0; i <= nviews; i++)
		if (touch(v, i, MEM_GPA, MEM_SIZE / TST_PAGE, STRIDE))
			return -1;
	if (remaps && touch(v, 1, REMAP_GPA, remaps, 1))
		return -1;
	return touch(v, 0, MEM_GPA, 0, 1);
}

static __u64 view0_tlbi(const struct s2mmu_stats *s)
{
	return s->tlbi_ipa + s->tlbi_range + s->tlbi_vmid;
}

static int one(int nviews, int remaps, void *mem, void *rmem)
{
	struct s2mmu_stats s0, s1, s2;
	struct guest_vm g;
	__u64 t0, ns;
	int ret;

	memset(mem, 1, MEM_SIZE);	/* host pages first: stage 2 is measured */
	memset(rmem, 2, REMAPS * TST_PAGE);
	ret = guest_vm_create(&g, 1);
	if (ret)
		return ret;
	ret = tst_stats(g.vm, &s0) || populate(&g, mem, rmem, nviews, remaps) ||
	      tst_stats(g.vm, &s1);
	if (!ret) {
		t0 = tst_now_ns();
		ret = madvise(mem, MEM_SIZE, MADV_DONTNEED);
		ns = tst_now_ns() - t0;
		ret |= tst_stats(g.vm, &s2);
	}
	if (!ret) {
		printf("bench views_bench views=%d remaps=%d unmap_ns=%llu ",
		       nviews, remaps, (unsigned long long)ns);
		printf("view0_tlbi=%llu view_tlbi=%llu view_maps=%llu ",
		       (unsigned long long)(view0_tlbi(&s2) - view0_tlbi(&s1)),
		       (unsigned long long)(s2.view_tlbi - s1.view_tlbi),
		       (unsigned long long)(s1.view_maps - s0.view_maps));
		printf("propagations=%llu rmap_hits=%llu rmap_mismatches=%llu\n",
		       (unsigned long long)(s2.view_propagations -
					    s1.view_propagations),
		       (unsigned long long)(s2.view_rmap_hits - s1.view_rmap_hits),
		       (unsigned long long)(s2.view_rmap_mismatches -
					    s1.view_rmap_mismatches));
	}
	guest_vm_destroy(&g);
	return ret ? -1 : 0;
}

int main(void)
{
	static const int cfg[][2] = {
		{ 0, 0 }, { 1, 0 }, { 4, 0 }, { 4, REMAPS }, { -1, -1 },
	};
	void *mem = tst_alloc(TST_ANON_THP, MEM_SIZE);
	void *rmem = tst_alloc(TST_ANON, REMAPS * TST_PAGE);
	unsigned int i;
	int ret = 0;

	if (!mem || !rmem) {
		printf("bench views_bench skipped: no memory\n");
		return 0;
	}
	for (i = 0; cfg[i][0] >= 0 && !ret; i++) {
		ret = one(cfg[i][0], cfg[i][1], mem, rmem);
		if (ret == -EOPNOTSUPP) {
			printf("bench views_bench skipped: S2MMU_RUN not supported\n");
			return 0;
		}
	}
	if (ret)
		printf("bench views_bench FAILED (config %u)\n", i - 1);
	return ret ? 1 : 0;
}
