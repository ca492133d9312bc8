// SPDX-License-Identifier: GPL-2.0
/*
 * s2mmu-introspect: an introspection example on S2MMU_SET_MEM_ACCESS, in
 * the manner of Xen mem_access monitors (LibVMI, DRAKVUF).
 *
 *  1. Execution tracing: every page of the guest's code starts under
 *     n2rwx.  The first access to each (an instruction fetch, or a read
 *     of its constants) stops the vCPU with S2MMU_EXIT_MEM_ACCESS and
 *     converts the page to rwx; the tool prints which pages the guest ran
 *     and the PC that first touched each.
 *  2. Write watching: one data page is made read-only (r).  Every write
 *     to it stops the guest before the write happens; the tool logs the
 *     writer's PC (and which guest function that is), lets that one
 *     write through (rw) and puts the watch back at the guest's next
 *     hypercall.  Reads of the page go on without an event.
 *
 * The output is checked against what the guest is known to do: exit
 * status 0 when every write was seen, with the right writer, and no
 * event came that the guest did not cause.
 */
#include "../selftests/s2mmu/guest_vm.h"

#define DATA_SLOT	1
#define DATA_GPA	0x50000000ULL
#define DATA_SIZE	(64 * TST_PAGE)
#define WATCHED_GPA	(DATA_GPA + 5 * TST_PAGE)
#define ROUNDS		3

/* ---- the guest: three functions write the watched page, one reads it ---- */

GUEST_CODE void guest_writer_a(__u64 page, __u64 v)
{
	guest_write64(page + 0x40, v);
}

GUEST_CODE void guest_writer_b(__u64 page, __u64 v)
{
	guest_write64(page + 0x80, v * 3);
}

GUEST_CODE __u64 guest_reader(__u64 page)
{
	return guest_read64(page + 0x40) + guest_read64(page + 0x80);
}

GUEST_CODE void guest_main(__u64 page, __u64 other, __u64 rounds)
{
	__u64 i, sum = 0;

	for (i = 0; i < rounds; i++) {
		guest_writer_a(page, i + 1);
		guest_sync(1, i, 0);
		guest_writer_b(page, i + 1);
		guest_sync(2, i, 0);
		sum += guest_reader(page);
		/* Writes elsewhere in the slot are not watched. */
		guest_write64(other, sum);
	}
	guest_done(sum);
}

/* ---- the monitor ---- */

/**
 * struct watch - what the monitor saw
 * @exec_pages: code pages seen, in the order they were first touched
 * @exec_pc: the PC that first touched each
 * @nr_exec: entries used
 * @writes: writes to the watched page seen, by writer (a, b, other)
 * @unexpected: events the guest should not have caused
 */
struct watch {
	__u64 exec_pages[64];
	__u64 exec_pc[64];
	int nr_exec;
	int writes[3];
	int unexpected;
};

static const char * const kind_names[] = { "read", "write", "exec", "walk" };

static int set_access(int vm, __u64 gpa, __u64 nr, __u32 access)
{
	struct s2mmu_mem_access ma = {
		.gfn = gpa >> 12, .nr_pages = nr, .access = access,
	};

	return tst_ioctl(vm, S2MMU_SET_MEM_ACCESS, (unsigned long)&ma);
}

/*
 * Which guest function @pc is in: the one with the highest entry at or
 * below it (the compiler may lay the section out in any order).
 * Return: 0 guest_writer_a, 1 guest_writer_b, 2 anything else.
 */
static int writer_of(__u64 pc)
{
	const void *fns[] = {
		guest_writer_a, guest_writer_b, guest_reader, guest_main,
		guest_vectors,
	};
	__u64 best = 0, entry;
	int i, who = 2;

	for (i = 0; i < 5; i++) {
		entry = guest_entry(GUEST_CODE_IPA, fns[i]);
		if (entry <= pc && entry >= best) {
			best = entry;
			who = i < 2 ? i : 2;
		}
	}
	return who;
}

/* An event on a code page: first use of that page. */
static void on_code_page(struct watch *w, const struct s2mmu_run *r)
{
	if (r->mem_access.access != S2MMU_MEM_ACCESS_N2RWX ||
	    r->mem_access.new_access != S2MMU_MEM_ACCESS_RWX ||
	    w->nr_exec >= 64) {
		w->unexpected++;
		return;
	}
	w->exec_pages[w->nr_exec] = r->mem_access.gpa & ~(TST_PAGE - 1);
	w->exec_pc[w->nr_exec++] = r->mem_access.pc;
	printf("  exec-watch: guest %s of code page 0x%llx, first PC 0x%llx\n",
	       kind_names[r->mem_access.kind & 3],
	       r->mem_access.gpa & ~(TST_PAGE - 1), r->mem_access.pc);
}

/* An event on the watched page: log the writer, let this write through. */
static int on_watched(struct watch *w, int vm, const struct s2mmu_run *r)
{
	static const char * const who[] = {
		"guest_writer_a", "guest_writer_b", "elsewhere",
	};
	int by = writer_of(r->mem_access.pc);

	if (r->mem_access.kind != S2MMU_MEM_ACCESS_KIND_WRITE) {
		w->unexpected++;
		return 0;
	}
	w->writes[by]++;
	printf("  write-watch: write to 0x%llx (VA 0x%llx) by PC 0x%llx in %s\n",
	       r->mem_access.gpa, r->mem_access.gva, r->mem_access.pc, who[by]);
	return set_access(vm, WATCHED_GPA, 1, S2MMU_MEM_ACCESS_RW);
}

/* Runs the guest to its end under both watches. */
static int monitor(struct guest_vm *g, struct watch *w, __u64 code_pages,
		   __u64 *result)
{
	struct tst_vcpu *v = &g->vcpu[0];
	struct s2mmu_run *r = v->run;
	char why[256];
	int ret;

	for (;;) {
		ret = guest_run(v);
		if (ret == 0 && guest_arg(v, 0) == GUEST_SYNC) {
			/* The write went through: watch the page again. */
			if (set_access(g->vm, WATCHED_GPA, 1, S2MMU_MEM_ACCESS_R))
				return -1;
			continue;
		}
		if (ret == 0 && guest_arg(v, 0) == GUEST_DONE) {
			*result = guest_arg(v, 1);
			return 0;
		}
		if (ret != S2MMU_EXIT_MEM_ACCESS) {
			printf("introspect: unexpected exit: %s\n",
			       guest_exit_str(v, ret, why, sizeof(why)));
			return -1;
		}
		ret = 0;
		if (r->mem_access.gpa >= GUEST_CODE_IPA &&
		    r->mem_access.gpa < GUEST_CODE_IPA + code_pages * TST_PAGE)
			on_code_page(w, r);
		else if ((r->mem_access.gpa & ~(TST_PAGE - 1)) == WATCHED_GPA)
			ret = on_watched(w, g->vm, r);
		else
			w->unexpected++;
		if (ret)
			return -1;
	}
}

static void report(const struct watch *w, int vm, __u64 code_pages)
{
	struct s2mmu_stats st;
	int i;

	printf("introspect: the guest ran %d of its %llu code pages:",
	       w->nr_exec, code_pages);
	for (i = 0; i < w->nr_exec; i++)
		printf(" 0x%llx", w->exec_pages[i]);
	printf("\nintrospect: writes to the watched page: %d by guest_writer_a, ",
	       w->writes[0]);
	printf("%d by guest_writer_b, %d elsewhere; %d unexpected events\n",
	       w->writes[1], w->writes[2], w->unexpected);
	if (!tst_stats(vm, &st))
		printf("introspect: events r/w/x/walk %llu/%llu/%llu/%llu, %llu converted\n",
		       st.mem_access_read, st.mem_access_write,
		       st.mem_access_exec, st.mem_access_walk,
		       st.mem_access_converted);
}

int main(void)
{
	__u64 code_pages = (guest_code_size() + TST_PAGE - 1) / TST_PAGE;
	__u64 args[3] = { WATCHED_GPA, DATA_GPA + 9 * TST_PAGE, ROUNDS };
	__u64 result = 0, want = 0, i;
	struct watch w = { 0 };
	struct guest_vm g;
	__u8 *data;
	int ret, ok;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = guest_vm_create(&g, 1);
	if (ret == -EOPNOTSUPP) {
		printf("introspect: S2MMU_RUN not supported here, skipped\n");
		return 0;
	}
	data = tst_alloc(TST_ANON, DATA_SIZE);
	if (ret || !data ||
	    tst_set_region(g.vm, DATA_SLOT, 0, DATA_GPA, DATA_SIZE, data) ||
	    guest_start(&g.vcpu[0], guest_main, 3, args) ||
	    set_access(g.vm, GUEST_CODE_IPA, code_pages, S2MMU_MEM_ACCESS_N2RWX) ||
	    set_access(g.vm, WATCHED_GPA, 1, S2MMU_MEM_ACCESS_R)) {
		fprintf(stderr, "introspect: setup failed\n");
		return 1;
	}
	printf("introspect: %llu code pages under n2rwx, page 0x%llx write-watched\n",
	       code_pages, WATCHED_GPA);
	ret = monitor(&g, &w, code_pages, &result);
	report(&w, g.vm, code_pages);
	for (i = 1; i <= ROUNDS; i++)
		want += i + 3 * i;
	ok = !ret && result == want && w.writes[0] == ROUNDS &&
	     w.writes[1] == ROUNDS && !w.writes[2] && !w.unexpected &&
	     w.nr_exec > 0;
	printf("introspect: guest result %llu (expected %llu): %s\n", result,
	       want, ok ? "ok" : "FAILED");
	guest_vm_destroy(&g);
	munmap(data, DATA_SIZE);
	return ok ? 0 : 1;
}
