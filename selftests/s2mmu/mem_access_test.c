// SPDX-License-Identifier: GPL-2.0
/*
 * Memory access restrictions (S2MMU_SET_MEM_ACCESS) with a real guest
 * (S2MMU_RUN) and through S2MMU_VCPU_ACCESS: every restriction against
 * the guest's reads, writes and instruction fetches; the rx2rw and n2rwx
 * conversions; tightening pages the guest has just used (a missing TLB
 * invalidation lets the guest through); restrictions across MMU-notifier
 * invalidations, slot moves, slot flag changes and dirty logging, with the
 * dirty bit set only once the write was allowed and done; four vCPUs
 * meeting restrictions at once, with every event reported exactly once;
 * batched invalidation and 4K mappings of restricted frames; bad input.
 *
 * An event stops the vCPU on the instruction: running it again without a
 * change repeats the event, and once the restriction is lifted the
 * retried access must succeed.
 */
#include "guest_test.h"

#include <dirent.h>
#include <pthread.h>

#define SLOT		0
#define SLOT_GPA	0x40000000ULL
#define SLOT_SIZE	TST_2M
#define MOVE_SLOT	1
#define MOVE_GPA	0x50000000ULL
#define MOVE_GPA2	0x60000000ULL
#define MOVE_SIZE	(16 * TST_PAGE)
/* Data the guest reads and writes: offset 64 of a page; code at 0. */
#define DATA_OFF	64

/* guest_cmd_loop()'s: numbered as the S2MMU_MEM_ACCESS_KIND_* they make. */
#define CMD_READ	GUEST_CMD_READ
#define CMD_WRITE	GUEST_CMD_WRITE
#define CMD_EXEC	GUEST_CMD_EXEC
#define CMD_NONE	GUEST_CMD_NONE

/* movz x0, #0x77; ret -- what an executable test page holds. */
#define INSN_MOVZ_X0	0xd2800ee0U
#define INSN_RET	0xd65f03c0U
#define EXEC_RESULT	0x77ULL

#define NR_ACCESS	(S2MMU_MEM_ACCESS_N2RWX + 1)

/* What each restriction allows: bit n for command n (read/write/exec). */
static const unsigned int allows[NR_ACCESS] = {
	[S2MMU_MEM_ACCESS_N] = 0,
	[S2MMU_MEM_ACCESS_R] = 1,
	[S2MMU_MEM_ACCESS_W] = 2,
	[S2MMU_MEM_ACCESS_RW] = 3,
	[S2MMU_MEM_ACCESS_X] = 4,
	[S2MMU_MEM_ACCESS_RX] = 5,
	[S2MMU_MEM_ACCESS_WX] = 6,
	[S2MMU_MEM_ACCESS_RWX] = 7,
	[S2MMU_MEM_ACCESS_RX2RW] = 5,
	[S2MMU_MEM_ACCESS_N2RWX] = 0,
};

/* The restriction a forbidden command @cmd leaves behind. */
static __u32 converted(__u32 access, int cmd)
{
	if (access == S2MMU_MEM_ACCESS_N2RWX)
		return S2MMU_MEM_ACCESS_RWX;
	if (access == S2MMU_MEM_ACCESS_RX2RW && cmd == CMD_WRITE)
		return S2MMU_MEM_ACCESS_RW;
	return access;
}

static int set_access(int vm, __u64 gpa, __u64 nr, __u32 access)
{
	struct s2mmu_mem_access ma = {
		.gfn = gpa >> 12, .nr_pages = nr, .access = access,
	};

	return tst_ioctl(vm, S2MMU_SET_MEM_ACCESS, (unsigned long)&ma);
}

static __u32 get_access(int vm, __u64 gpa)
{
	struct s2mmu_mem_access ma = { .gfn = gpa >> 12, .nr_pages = 1 };

	if (tst_ioctl(vm, S2MMU_GET_MEM_ACCESS, (unsigned long)&ma))
		return ~0U;
	return ma.access;
}

static __u64 pattern(__u64 gpa)
{
	return 0xa5a5000000000000ULL | gpa;
}

FIXTURE(ma) {
	struct guest_vm g;
	struct tst_vcpu *v;
	__u8 *mem;
	__u8 *move_mem;
	__u64 res;			/* result of the last command */
	struct s2mmu_run ev;		/* the last event, as it was */
	struct s2mmu_stats before;
};

/* Host pointer of IPA @gpa in the test slot. */
static __u64 *host64(struct _test_data_ma *self, __u64 gpa)
{
	return (__u64 *)(self->mem + gpa - SLOT_GPA);
}

/* Code at offset 0 and a pattern at DATA_OFF of the test slot's page. */
static void fill_page(struct _test_data_ma *self, __u64 page)
{
	__u32 *code = (__u32 *)host64(self, page);

	code[0] = INSN_MOVZ_X0;
	code[1] = INSN_RET;
	*host64(self, page + DATA_OFF) = pattern(page);
}

/*
 * Runs the vCPU on.  Return: 0 the command completed (self->res), 1 an
 * event (self->ev), -1 anything else (logged).
 */
static int resume(struct __test_metadata *_metadata, struct _test_data_ma *self)
{
	char why[256];
	int ret = guest_run(self->v);

	if (ret == 0 && guest_arg(self->v, 0) == GUEST_SYNC) {
		self->res = guest_arg(self->v, 1);
		return 0;
	}
	if (ret == S2MMU_EXIT_MEM_ACCESS) {
		self->ev = *self->v->run;
		return 1;
	}
	TH_LOG("unexpected exit: %s", guest_exit_str(self->v, ret, why, sizeof(why)));
	return -1;
}

static int start(struct __test_metadata *_metadata, struct _test_data_ma *self,
		 int op, __u64 addr, __u64 val)
{
	guest_cmd_put(self->v, op, addr, val);
	return resume(_metadata, self);
}

/* Where command @op touches page @page. */
static __u64 op_addr(int op, __u64 page)
{
	return op == CMD_EXEC ? page : page + DATA_OFF;
}

/* The event just taken is the one command @op on @page meets. */
static void check_event(struct __test_metadata *_metadata,
			struct _test_data_ma *self, int op, __u64 page,
			__u32 access)
{
	struct s2mmu_run *r = &self->ev;
	__u64 addr = op_addr(op, page);
	__u32 want_flags = S2MMU_MEM_ACCESS_F_GVA_VALID | S2MMU_MEM_ACCESS_F_PC_VALID;
	int pc_ok;

	if (converted(access, op) != access)
		want_flags |= S2MMU_MEM_ACCESS_F_CONVERTED;
	EXPECT_EQ((__u32)S2MMU_EXIT_MEM_ACCESS, r->exit_reason);
	EXPECT_EQ(addr, r->mem_access.gpa);
	/* Stage 1 is off: the guest's VA is the IPA. */
	EXPECT_EQ(addr, r->mem_access.gva);
	EXPECT_EQ(want_flags, r->mem_access.flags);
	EXPECT_EQ((__u32)op, r->mem_access.kind);
	EXPECT_EQ(access, r->mem_access.access);
	EXPECT_EQ(converted(access, op), r->mem_access.new_access);
	/* A fetch faults at its target; loads and stores in the guest code. */
	pc_ok = op == CMD_EXEC ? r->mem_access.pc == addr :
		r->mem_access.pc >= GUEST_CODE_IPA &&
		r->mem_access.pc < GUEST_CODE_IPA + guest_code_size();
	EXPECT_TRUE(pc_ok) TH_LOG("pc 0x%llx", r->mem_access.pc);
}

/* The command on @page completed as it should. */
static void check_done(struct __test_metadata *_metadata,
		       struct _test_data_ma *self, int op, __u64 page,
		       __u64 val)
{
	__u64 data = *host64(self, page + DATA_OFF);
	__u64 want = op == CMD_READ ? data : op == CMD_WRITE ? val : EXEC_RESULT;

	EXPECT_EQ(want, op == CMD_WRITE ? data : self->res);
}

FIXTURE_SETUP(ma)
{
	self->move_mem = NULL;
	if (!guest_fixture_vm(_metadata, &self->g, TST_ANON, SLOT_SIZE,
			      &self->mem, &self->v))
		return;
	self->move_mem = tst_alloc(TST_ANON, MOVE_SIZE);
	ASSERT_NE(NULL, self->move_mem);
	ASSERT_EQ(0, tst_set_region(self->g.vm, SLOT, 0, SLOT_GPA, SLOT_SIZE,
				    self->mem));
	ASSERT_EQ(0, tst_set_region(self->g.vm, MOVE_SLOT, 0, MOVE_GPA,
				    MOVE_SIZE, self->move_mem));
	ASSERT_EQ(0, guest_cmd_start(self->v, NULL));
	ASSERT_EQ(0, start(_metadata, self, CMD_NONE, 0, 0));
	ASSERT_EQ(0, tst_stats(self->g.vm, &self->before));
}

FIXTURE_TEARDOWN(ma)
{
	guest_vm_destroy(&self->g);
	if (self->mem)
		munmap(self->mem, SLOT_SIZE);
	if (self->move_mem)
		munmap(self->move_mem, MOVE_SIZE);
}

/*
 * One command on a fresh page under restriction @access: an event exactly
 * when the restriction forbids it; then the conversion, or (same event
 * again while nothing changes, then success once lifted).  Counts events
 * by kind in @events and conversions in @conv.
 */
static void one_case(struct __test_metadata *_metadata,
		     struct _test_data_ma *self, __u32 access, int op,
		     __u64 page, __u64 *events, __u64 *conv)
{
	__u64 val = 0x1234000000000000ULL | page;
	int forbidden = !(allows[access] & (1U << op));
	int r;

	fill_page(self, page);
	ASSERT_EQ(0, set_access(self->g.vm, page, 1, access));
	EXPECT_EQ(access, get_access(self->g.vm, page));
	r = start(_metadata, self, op, op_addr(op, page), val);
	ASSERT_EQ(forbidden, r) TH_LOG("access %u op %d", access, op);
	if (forbidden) {
		check_event(_metadata, self, op, page, access);
		events[op]++;
		if (converted(access, op) != access) {
			(*conv)++;
			EXPECT_EQ(converted(access, op), get_access(self->g.vm, page));
		} else {
			/* Nothing changed: the retried access meets it again. */
			ASSERT_EQ(1, resume(_metadata, self));
			check_event(_metadata, self, op, page, access);
			events[op]++;
			ASSERT_EQ(0, set_access(self->g.vm, page, 1,
						S2MMU_MEM_ACCESS_RWX));
		}
		ASSERT_EQ(0, resume(_metadata, self))
			TH_LOG("access %u op %d after lifting", access, op);
	}
	check_done(_metadata, self, op, page, val);
	ASSERT_EQ(0, set_access(self->g.vm, page, 1, S2MMU_MEM_ACCESS_RWX));
}

/* Every restriction against reads, writes and fetches, each on a fresh page. */
TEST_F(ma, matrix)
{
	__u64 events[3] = { 0 }, conv = 0, page;
	struct s2mmu_stats d;
	__u32 access;
	int op;

	for (access = 0; access < NR_ACCESS; access++) {
		for (op = CMD_READ; op <= CMD_EXEC; op++) {
			page = SLOT_GPA + (access * 3 + op + 1) * TST_PAGE;
			one_case(_metadata, self, access, op, page, events, &conv);
		}
	}
	d = tst_stats_since(self->g.vm, &self->before);
	EXPECT_EQ(events[CMD_READ], d.mem_access_read);
	EXPECT_EQ(events[CMD_WRITE], d.mem_access_write);
	EXPECT_EQ(events[CMD_EXEC], d.mem_access_exec);
	EXPECT_EQ(0ULL, d.mem_access_walk);
	EXPECT_EQ(conv, d.mem_access_converted);
	/* 16 first events, 12 repeated, 4 of them conversions. */
	EXPECT_EQ(28ULL, events[0] + events[1] + events[2]);
	EXPECT_EQ(4ULL, conv);
	TH_LOG("events read/write/exec %llu/%llu/%llu, converted %llu",
	       events[0], events[1], events[2], conv);
}

/*
 * Tightening a page the guest has just used, with its translation hot in
 * the TLB: the very next forbidden access must meet the restriction.
 * Each forbidden access is lifted, completes (warming the TLB again) and
 * the restriction is put back before the next command.
 */
TEST_F(ma, tighten_mapped)
{
	__u64 page = SLOT_GPA + 100 * TST_PAGE, val = 0x77770000ULL;
	__u64 events = 0;
	struct s2mmu_stats d;
	__u32 access;
	int op;

	fill_page(self, page);
	for (access = 0; access < NR_ACCESS; access++) {
		if (access == S2MMU_MEM_ACCESS_N2RWX)
			continue;	/* converts on first use: matrix covers it */
		ASSERT_EQ(0, set_access(self->g.vm, page, 1, S2MMU_MEM_ACCESS_RWX));
		for (op = CMD_READ; op <= CMD_EXEC; op++)
			ASSERT_EQ(0, start(_metadata, self, op, op_addr(op, page), val));
		ASSERT_EQ(0, set_access(self->g.vm, page, 1, access));
		for (op = CMD_READ; op <= CMD_EXEC; op++) {
			int forbidden = !(allows[access] & (1U << op));

			val++;
			ASSERT_EQ(forbidden, start(_metadata, self, op,
						   op_addr(op, page), val))
				TH_LOG("access %u op %d: a stale translation?",
				       access, op);
			if (!forbidden) {
				check_done(_metadata, self, op, page, val);
				continue;
			}
			check_event(_metadata, self, op, page, access);
			events++;
			ASSERT_EQ(0, set_access(self->g.vm, page, 1,
						converted(access, op) == access ?
						S2MMU_MEM_ACCESS_RWX :
						converted(access, op)));
			ASSERT_EQ(0, resume(_metadata, self));
			check_done(_metadata, self, op, page, val);
			ASSERT_EQ(0, set_access(self->g.vm, page, 1, access));
		}
	}
	d = tst_stats_since(self->g.vm, &self->before);
	EXPECT_EQ(events, d.mem_access_read + d.mem_access_write + d.mem_access_exec);
	TH_LOG("events %llu, tlbi ipa/range/vmid %llu/%llu/%llu", events,
	       d.tlbi_ipa, d.tlbi_range, d.tlbi_vmid);
}

/* The guest increments the word at @addr for ever. */
GUEST_CODE void guest_counter(__u64 addr)
{
	for (;;)
		guest_write64(addr, guest_read64(addr) + 1);
}

static void *run_until_exit(void *arg)
{
	struct _test_data_ma *self = arg;

	self->res = guest_run(self->v);
	return NULL;
}

/* The guest's counter, as it is now in memory. */
static __u64 counter_now(__u64 *counter)
{
	return __atomic_load_n(counter, __ATOMIC_ACQUIRE);
}

/* Waits (5 s at most) until the guest moved the counter @n times. */
static int counter_moves(__u64 *counter, __u64 n)
{
	__u64 start = counter_now(counter), t0 = tst_now_ns();

	while (counter_now(counter) - start < n)
		if (tst_now_ns() - t0 > 5000000000ULL)
			return 0;
	return 1;
}

/*
 * Tightening while the guest runs, its translation hot in the TLB and no
 * exit to flush it: once SET returns, not one more write may land.  A
 * missing invalidation lets the counter go on until something else
 * flushes the vCPU's TLB.
 */
TEST_F(ma, tighten_running)
{
	static const __u32 forbid_write[] = {
		S2MMU_MEM_ACCESS_R, S2MMU_MEM_ACCESS_N, S2MMU_MEM_ACCESS_X,
		S2MMU_MEM_ACCESS_RX,
	};
	__u64 page = SLOT_GPA + 400 * TST_PAGE, addr = page + DATA_OFF, v1, v2;
	__u64 *counter = host64(self, addr);
	struct s2mmu_run *ev = self->v->run;
	unsigned int i, late = 0;
	__u32 access;
	pthread_t th;

	*counter = 0;
	ASSERT_EQ(0, guest_start(self->v, guest_counter, 1, &addr));
	for (i = 0; i < 40; i++) {
		access = forbid_write[i % 4];
		ASSERT_EQ(0, set_access(self->g.vm, page, 1, S2MMU_MEM_ACCESS_RWX));
		ASSERT_EQ(0, pthread_create(&th, NULL, run_until_exit, self));
		ASSERT_TRUE(counter_moves(counter, 100));
		ASSERT_EQ(0, set_access(self->g.vm, page, 1, access));
		v1 = counter_now(counter);
		pthread_join(th, NULL);
		v2 = counter_now(counter);
		ASSERT_EQ((__u64)S2MMU_EXIT_MEM_ACCESS, self->res);
		EXPECT_EQ(addr, ev->mem_access.gpa);
		EXPECT_EQ(access, ev->mem_access.access);
		EXPECT_EQ(allows[access] & 1 ? (__u32)S2MMU_MEM_ACCESS_KIND_WRITE :
			  (__u32)S2MMU_MEM_ACCESS_KIND_READ, ev->mem_access.kind);
		if (v2 != v1)
			late += v2 - v1;
	}
	EXPECT_EQ(0U, late) TH_LOG("%u guest writes after the tightening returned",
				   late);
	TH_LOG("40 tightenings under a running guest, counter at %llu",
	       (unsigned long long)counter_now(counter));
}

/* rx2rw: reads and fetches go; the first write converts it to rw. */
TEST_F(ma, rx2rw)
{
	__u64 page = SLOT_GPA + 200 * TST_PAGE;
	struct s2mmu_stats d;

	fill_page(self, page);
	ASSERT_EQ(0, set_access(self->g.vm, page, 1, S2MMU_MEM_ACCESS_RX2RW));
	ASSERT_EQ(0, start(_metadata, self, CMD_EXEC, page, 0));
	ASSERT_EQ(0, start(_metadata, self, CMD_READ, page + DATA_OFF, 0));
	ASSERT_EQ(1, start(_metadata, self, CMD_WRITE, page + DATA_OFF, 5));
	check_event(_metadata, self, CMD_WRITE, page, S2MMU_MEM_ACCESS_RX2RW);
	EXPECT_EQ((__u32)S2MMU_MEM_ACCESS_RW, get_access(self->g.vm, page));
	/* Unchanged until the write is retried. */
	EXPECT_EQ(pattern(page), *host64(self, page + DATA_OFF));
	ASSERT_EQ(0, resume(_metadata, self));
	EXPECT_EQ(5ULL, *host64(self, page + DATA_OFF));
	ASSERT_EQ(0, start(_metadata, self, CMD_WRITE, page + DATA_OFF, 6));
	/* rw: execute went with the conversion, though it was mapped. */
	ASSERT_EQ(1, start(_metadata, self, CMD_EXEC, page, 0));
	check_event(_metadata, self, CMD_EXEC, page, S2MMU_MEM_ACCESS_RW);
	ASSERT_EQ(0, set_access(self->g.vm, page, 1, S2MMU_MEM_ACCESS_RWX));
	ASSERT_EQ(0, resume(_metadata, self));
	EXPECT_EQ(EXEC_RESULT, self->res);
	d = tst_stats_since(self->g.vm, &self->before);
	EXPECT_EQ(1ULL, d.mem_access_write);
	EXPECT_EQ(1ULL, d.mem_access_exec);
	EXPECT_EQ(1ULL, d.mem_access_converted);
}

/* n2rwx: the first access of any kind converts it; nothing after. */
TEST_F(ma, n2rwx)
{
	__u64 page = SLOT_GPA + 201 * TST_PAGE;
	struct s2mmu_stats d;

	fill_page(self, page);
	ASSERT_EQ(0, set_access(self->g.vm, page, 1, S2MMU_MEM_ACCESS_N2RWX));
	ASSERT_EQ(1, start(_metadata, self, CMD_READ, page + DATA_OFF, 0));
	check_event(_metadata, self, CMD_READ, page, S2MMU_MEM_ACCESS_N2RWX);
	EXPECT_EQ((__u32)S2MMU_MEM_ACCESS_RWX, get_access(self->g.vm, page));
	ASSERT_EQ(0, resume(_metadata, self));
	EXPECT_EQ(pattern(page), self->res);
	ASSERT_EQ(0, start(_metadata, self, CMD_WRITE, page + DATA_OFF, 9));
	ASSERT_EQ(0, start(_metadata, self, CMD_EXEC, page, 0));
	d = tst_stats_since(self->g.vm, &self->before);
	EXPECT_EQ(1ULL, d.mem_access_read + d.mem_access_write + d.mem_access_exec);
	EXPECT_EQ(1ULL, d.mem_access_converted);
}

/* MMU-notifier invalidations drop mappings, never restrictions. */
TEST_F(ma, notifier)
{
	__u64 page = SLOT_GPA + 300 * TST_PAGE;
	void *host = host64(self, page);
	struct s2mmu_stats d;

	fill_page(self, page);
	ASSERT_EQ(0, set_access(self->g.vm, page, 1, S2MMU_MEM_ACCESS_R));
	ASSERT_EQ(0, start(_metadata, self, CMD_READ, page + DATA_OFF, 0));
	EXPECT_EQ(pattern(page), self->res);

	ASSERT_EQ(0, madvise(host, TST_PAGE, MADV_DONTNEED));
	ASSERT_EQ(0, start(_metadata, self, CMD_READ, page + DATA_OFF, 0));
	EXPECT_EQ(0ULL, self->res);
	ASSERT_EQ(1, start(_metadata, self, CMD_WRITE, page + DATA_OFF, 3));
	check_event(_metadata, self, CMD_WRITE, page, S2MMU_MEM_ACCESS_R);

	ASSERT_EQ(0, mprotect(host, TST_PAGE, PROT_READ));
	ASSERT_EQ(0, mprotect(host, TST_PAGE, PROT_READ | PROT_WRITE));
	ASSERT_EQ(1, resume(_metadata, self));
	check_event(_metadata, self, CMD_WRITE, page, S2MMU_MEM_ACCESS_R);
	ASSERT_EQ(0, set_access(self->g.vm, page, 1, S2MMU_MEM_ACCESS_RW));
	ASSERT_EQ(0, resume(_metadata, self));
	EXPECT_EQ(3ULL, *host64(self, page + DATA_OFF));
	d = tst_stats_since(self->g.vm, &self->before);
	EXPECT_LE(2ULL, d.notifier_invalidations);
	EXPECT_EQ(2ULL, d.mem_access_write);
}

/* Is page @nr of the move slot's log set?  Also clears it (no manual protect). */
static int logged(struct _test_data_ma *self, __u64 nr)
{
	__u64 bitmap[1] = { 0 };

	if (tst_get_dirty_log(self->g.vm, MOVE_SLOT, bitmap))
		return -1;
	return tst_test_bit(bitmap, nr);
}

/*
 * Restrictions belong to IPAs: they stay through a slot move away and
 * back and a flag change, and a logging slot logs a page only once the
 * write was allowed and done.
 */
TEST_F(ma, slot_move_and_logging)
{
	__u64 page = MOVE_GPA + TST_PAGE, *host = (__u64 *)(self->move_mem + TST_PAGE + DATA_OFF);
	struct s2mmu_stats d;

	*host = 1;
	ASSERT_EQ(0, set_access(self->g.vm, page, 1, S2MMU_MEM_ACCESS_R));
	ASSERT_EQ(1, start(_metadata, self, CMD_WRITE, page + DATA_OFF, 2));
	ASSERT_EQ(0, tst_set_region(self->g.vm, MOVE_SLOT, 0, MOVE_GPA2,
				    MOVE_SIZE, self->move_mem));
	EXPECT_EQ((__u32)S2MMU_MEM_ACCESS_R, get_access(self->g.vm, page));
	EXPECT_EQ((__u32)S2MMU_MEM_ACCESS_RWX, get_access(self->g.vm, MOVE_GPA2 + TST_PAGE));
	ASSERT_EQ(1, resume(_metadata, self));
	ASSERT_EQ(0, tst_set_region(self->g.vm, MOVE_SLOT, 0, MOVE_GPA,
				    MOVE_SIZE, self->move_mem));
	ASSERT_EQ(1, resume(_metadata, self));
	/* Logging on (a flag change): still restricted, nothing logged. */
	ASSERT_EQ(0, tst_set_region(self->g.vm, MOVE_SLOT, S2MMU_MEM_LOG_DIRTY_PAGES,
				    MOVE_GPA, MOVE_SIZE, self->move_mem));
	ASSERT_EQ(1, resume(_metadata, self));
	check_event(_metadata, self, CMD_WRITE, page, S2MMU_MEM_ACCESS_R);
	EXPECT_EQ(0, logged(self, 1));
	EXPECT_EQ(1ULL, *host);
	ASSERT_EQ(0, set_access(self->g.vm, page, 1, S2MMU_MEM_ACCESS_RW));
	ASSERT_EQ(0, resume(_metadata, self));
	EXPECT_EQ(2ULL, *host);
	EXPECT_EQ(1, logged(self, 1));

	/* rw and logging: write-protect faults are not events. */
	ASSERT_EQ(0, start(_metadata, self, CMD_WRITE, page + DATA_OFF, 3));
	EXPECT_EQ(1, logged(self, 1));
	ASSERT_EQ(0, start(_metadata, self, CMD_WRITE, page + DATA_OFF, 4));
	EXPECT_EQ(1, logged(self, 1));
	EXPECT_EQ(4ULL, *host);
	d = tst_stats_since(self->g.vm, &self->before);
	EXPECT_EQ(4ULL, d.mem_access_write);
}

/*
 * rx2rw on a logging slot: the first write is the event (and converts
 * the page to rw), nothing is logged until the retried write is done.
 */
TEST_F(ma, rx2rw_logging)
{
	__u64 page = MOVE_GPA + 2 * TST_PAGE;
	__u64 *host = (__u64 *)(self->move_mem + 2 * TST_PAGE + DATA_OFF);
	struct s2mmu_stats d;

	*host = 1;
	ASSERT_EQ(0, tst_set_region(self->g.vm, MOVE_SLOT, S2MMU_MEM_LOG_DIRTY_PAGES,
				    MOVE_GPA, MOVE_SIZE, self->move_mem));
	EXPECT_EQ(0, logged(self, 2));
	ASSERT_EQ(0, set_access(self->g.vm, page, 1, S2MMU_MEM_ACCESS_RX2RW));
	ASSERT_EQ(0, start(_metadata, self, CMD_READ, page + DATA_OFF, 0));
	EXPECT_EQ(1ULL, self->res);
	EXPECT_EQ(0, logged(self, 2));
	ASSERT_EQ(1, start(_metadata, self, CMD_WRITE, page + DATA_OFF, 2));
	EXPECT_EQ((__u32)S2MMU_EXIT_MEM_ACCESS, self->ev.exit_reason);
	EXPECT_EQ(page + DATA_OFF, self->ev.mem_access.gpa);
	EXPECT_EQ((__u32)S2MMU_MEM_ACCESS_RX2RW, self->ev.mem_access.access);
	EXPECT_EQ((__u32)S2MMU_MEM_ACCESS_RW, self->ev.mem_access.new_access);
	EXPECT_NE(0U, self->ev.mem_access.flags & S2MMU_MEM_ACCESS_F_CONVERTED);
	EXPECT_EQ(0, logged(self, 2));
	EXPECT_EQ(1ULL, *host);
	ASSERT_EQ(0, resume(_metadata, self));
	EXPECT_EQ(2ULL, *host);
	EXPECT_EQ(1, logged(self, 2));
	/* rw from now on: the next write is logged, no event. */
	ASSERT_EQ(0, start(_metadata, self, CMD_WRITE, page + DATA_OFF, 3));
	EXPECT_EQ(1, logged(self, 2));
	d = tst_stats_since(self->g.vm, &self->before);
	EXPECT_EQ(1ULL, d.mem_access_write);
	EXPECT_EQ(1ULL, d.mem_access_converted);
	EXPECT_EQ(0ULL, d.mem_access_read);
}

/*
 * Loosening changes no table; the guest's next access that needs the new
 * permission takes a permission fault that raises the leaf in place: no
 * new leaf, no break-before-make, no broadcast invalidation.
 */
TEST_F(ma, loosen_in_place)
{
	static const struct {
		__u32 from, to;
		int first, then;	/* the command that maps, the one that relaxes */
	} c[] = {
		{ S2MMU_MEM_ACCESS_R, S2MMU_MEM_ACCESS_RW, CMD_READ, CMD_WRITE },
		{ S2MMU_MEM_ACCESS_X, S2MMU_MEM_ACCESS_RX, CMD_EXEC, CMD_READ },
		{ S2MMU_MEM_ACCESS_RX, S2MMU_MEM_ACCESS_RWX, CMD_READ, CMD_WRITE },
	};
	struct s2mmu_stats before, d;
	__u64 page = SLOT_GPA + 469 * TST_PAGE;
	unsigned int i;
	int op;

	/* Every command once first: the guest's code for each is mapped. */
	fill_page(self, page);
	for (op = CMD_READ; op <= CMD_EXEC; op++)
		ASSERT_EQ(0, start(_metadata, self, op, op_addr(op, page), 0));
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		page = SLOT_GPA + (470 + i) * TST_PAGE;	/* inside the slot */
		fill_page(self, page);
		ASSERT_EQ(0, set_access(self->g.vm, page, 1, c[i].from));
		ASSERT_EQ(0, start(_metadata, self, c[i].first,
				   op_addr(c[i].first, page), 0));
		ASSERT_EQ(0, tst_stats(self->g.vm, &before));
		ASSERT_EQ(0, set_access(self->g.vm, page, 1, c[i].to));
		d = tst_stats_since(self->g.vm, &before);
		EXPECT_EQ(0ULL, d.tlbi_ipa + d.tlbi_range + d.tlbi_vmid + d.bbm);
		ASSERT_EQ(0, start(_metadata, self, c[i].then,
				   op_addr(c[i].then, page), 0x99));
		check_done(_metadata, self, c[i].then, page, 0x99);
		d = tst_stats_since(self->g.vm, &before);
		TH_LOG("%u -> %u: relax %llu, bbm %llu", c[i].from, c[i].to,
		       d.relax_perms, d.bbm);
		TH_LOG("tlbi ipa/range/vmid/local %llu/%llu/%llu/%llu",
		       d.tlbi_ipa, d.tlbi_range, d.tlbi_vmid, d.tlbi_local);
		EXPECT_EQ(1ULL, d.faults_permission) TH_LOG("case %u", i);
		EXPECT_EQ(1ULL, d.relax_perms) TH_LOG("case %u", i);
		EXPECT_EQ(0ULL, d.bbm) TH_LOG("case %u", i);
		EXPECT_EQ(0ULL, d.mapped_l3 + d.mapped_l2) TH_LOG("case %u", i);
		EXPECT_EQ(0ULL, d.tlbi_ipa + d.tlbi_range + d.tlbi_vmid)
			TH_LOG("case %u", i);
		EXPECT_EQ(0ULL, d.mem_access_read + d.mem_access_write +
			  d.mem_access_exec);
	}
}

#define INFO_GPA	0x70000000ULL

static int map_info(int vm, __u64 gpa)
{
	struct s2mmu_info_page_map m = { .guest_phys_addr = gpa };

	return tst_ioctl(vm, S2MMU_MAP_INFO_PAGE, (unsigned long)&m);
}

/*
 * The info page's frame restricted: the guest's reads meet the
 * restriction as on any frame, whether it came after the page was placed
 * or before, and come back to the page once it is lifted; removing the
 * page while a restriction withholds it is no mismatch.  Failed before
 * the page was withheld: it is mapped read-only outside the fault path,
 * so reads never faulted and went through a restriction of "n".
 */
TEST_F(ma, info_page_frame)
{
	struct s2mmu_features f;
	struct s2mmu_stats before, d;

	ASSERT_EQ(0, tst_ioctl(self->g.dev, S2MMU_GET_FEATURES, (unsigned long)&f));
	if (!(f.flags & S2MMU_FEAT_INFO_PAGE))
		SKIP(return, "no S2MMU_FEAT_INFO_PAGE");
	ASSERT_EQ(0, map_info(self->g.vm, INFO_GPA));
	ASSERT_EQ(0, start(_metadata, self, CMD_READ, INFO_GPA, 0));
	EXPECT_EQ((__u64)S2MMU_INFO_PAGE_VERSION, self->res & 0xffffffffULL);

	/* Restricted after it was placed (and read: its leaf was there). */
	ASSERT_EQ(0, set_access(self->g.vm, INFO_GPA, 1, S2MMU_MEM_ACCESS_N));
	ASSERT_EQ(1, start(_metadata, self, CMD_READ, INFO_GPA, 0));
	EXPECT_EQ(INFO_GPA, self->ev.mem_access.gpa);
	EXPECT_EQ((__u32)S2MMU_MEM_ACCESS_KIND_READ, self->ev.mem_access.kind);
	EXPECT_EQ((__u32)S2MMU_MEM_ACCESS_N, self->ev.mem_access.access);
	ASSERT_EQ(0, set_access(self->g.vm, INFO_GPA, 1, S2MMU_MEM_ACCESS_RWX));
	ASSERT_EQ(0, resume(_metadata, self));
	EXPECT_EQ((__u64)S2MMU_INFO_PAGE_VERSION, self->res & 0xffffffffULL);

	/* Restricted before it was placed; removed while withheld. */
	ASSERT_EQ(0, tst_ioctl(self->g.vm, S2MMU_UNMAP_INFO_PAGE, 0));
	ASSERT_EQ(0, set_access(self->g.vm, INFO_GPA, 1, S2MMU_MEM_ACCESS_X));
	ASSERT_EQ(0, map_info(self->g.vm, INFO_GPA));
	ASSERT_EQ(1, start(_metadata, self, CMD_READ, INFO_GPA, 0));
	EXPECT_EQ((__u32)S2MMU_MEM_ACCESS_X, self->ev.mem_access.access);
	ASSERT_EQ(0, tst_stats(self->g.vm, &before));
	ASSERT_EQ(0, tst_ioctl(self->g.vm, S2MMU_UNMAP_INFO_PAGE, 0));
	EXPECT_EQ(0ULL, tst_stats_since(self->g.vm, &before).info_page_mismatches);
	ASSERT_EQ(0, map_info(self->g.vm, INFO_GPA));
	ASSERT_EQ(0, set_access(self->g.vm, INFO_GPA, 1, S2MMU_MEM_ACCESS_R));
	ASSERT_EQ(0, resume(_metadata, self));
	EXPECT_EQ((__u64)S2MMU_INFO_PAGE_VERSION, self->res & 0xffffffffULL);
	d = tst_stats_since(self->g.vm, &self->before);
	EXPECT_EQ(2ULL, d.mem_access_read);
	EXPECT_EQ(0ULL, d.info_page_mismatches);
	ASSERT_EQ(0, tst_ioctl(self->g.vm, S2MMU_UNMAP_INFO_PAGE, 0));
}

/* ---- the guest's own stage-1 walk ---- */

/* Stage-1 (EL1&0, 4K granule, 39-bit VA) encodings. */
#define S1_TABLE	0x3ULL
#define S1_PAGE		0x703ULL	/* valid page, SH inner, AF */
#define S1_UXN		0x40000000000000ULL	/* bit 54 */
#define MAIR_VALUE	0xffULL		/* attr0 Normal write-back */
/* TCR_EL1: T0SZ 25, write-back walks, inner shareable, TG0 4K, EPD1, IPS 40. */
#define TCR_VALUE	0x200803519ULL
#define SCTLR_MMU_ON	(GUEST_SCTLR_RESET | 0x1005ULL)
/* The code slot's tables in its data area; the test slot's in the slot. */
#define S1_ROOT		(GUEST_DATA_IPA)
#define S1_CODE_L2	(GUEST_DATA_IPA + TST_PAGE)
#define S1_CODE_L3	(GUEST_DATA_IPA + 2 * TST_PAGE)
#define S1_TEST_L2	(SLOT_GPA + 450 * TST_PAGE)
#define S1_TEST_L3	(SLOT_GPA + 451 * TST_PAGE)

static __u64 *guest_ptr(struct _test_data_ma *self, __u64 ipa)
{
	if (ipa >= SLOT_GPA)
		return host64(self, ipa);
	return (__u64 *)(self->g.code + ipa - GUEST_CODE_IPA);
}

/* Identity-maps the 2 MiB block at @va with 4K pages through @l2, @l3. */
static void s1_map_block(struct _test_data_ma *self, __u64 l2, __u64 l3,
			 __u64 va)
{
	__u64 i;

	guest_ptr(self, S1_ROOT)[va >> 30 & 511] = l2 | S1_TABLE;
	guest_ptr(self, l2)[va >> 21 & 511] = l3 | S1_TABLE;
	for (i = 0; i < 512; i++)
		guest_ptr(self, l3)[i] = (va + i * TST_PAGE) | S1_PAGE | S1_UXN;
}

/*
 * The guest's stage-1 tables for the test slot lie in a page restricted
 * to "n": the guest's walk of them is the forbidden access, reported as
 * a walk of the table page for the VA the guest used.
 */
TEST_F(ma, stage1_walk)
{
	__u64 data = SLOT_GPA + 5 * TST_PAGE, l3_ipa;
	struct s2mmu_stats d;

	memset(guest_ptr(self, S1_ROOT), 0, 3 * TST_PAGE);
	memset(guest_ptr(self, S1_TEST_L2), 0, 2 * TST_PAGE);
	s1_map_block(self, S1_CODE_L2, S1_CODE_L3, GUEST_CODE_IPA);
	s1_map_block(self, S1_TEST_L2, S1_TEST_L3, SLOT_GPA);
	fill_page(self, data);
	ASSERT_EQ(0, tst_set_reg(self->v, S2MMU_REG_MAIR_EL1, MAIR_VALUE));
	ASSERT_EQ(0, tst_set_reg(self->v, S2MMU_REG_TCR_EL1, TCR_VALUE));
	ASSERT_EQ(0, tst_set_reg(self->v, S2MMU_REG_TTBR0_EL1, S1_ROOT));
	ASSERT_EQ(0, tst_set_reg(self->v, S2MMU_REG_SCTLR_EL1, SCTLR_MMU_ON));
	ASSERT_EQ(0, set_access(self->g.vm, S1_TEST_L3, 1, S2MMU_MEM_ACCESS_N));
	ASSERT_EQ(0, tst_stats(self->g.vm, &self->before));

	ASSERT_EQ(1, start(_metadata, self, CMD_READ, data + DATA_OFF, 0));
	/* The table's page: HPFAR has no offset for a walk. */
	l3_ipa = self->ev.mem_access.gpa;
	EXPECT_EQ(S1_TEST_L3, l3_ipa);
	EXPECT_EQ((__u32)S2MMU_MEM_ACCESS_KIND_WALK, self->ev.mem_access.kind);
	EXPECT_EQ((__u32)S2MMU_MEM_ACCESS_N, self->ev.mem_access.access);
	EXPECT_EQ(data + DATA_OFF, self->ev.mem_access.gva);
	EXPECT_EQ(S2MMU_MEM_ACCESS_F_GVA_VALID | S2MMU_MEM_ACCESS_F_PC_VALID,
		  self->ev.mem_access.flags);
	/* Reading the table is all a walk needs: r lets it through. */
	ASSERT_EQ(0, set_access(self->g.vm, S1_TEST_L3, 1, S2MMU_MEM_ACCESS_R));
	ASSERT_EQ(0, resume(_metadata, self));
	EXPECT_EQ(pattern(data), self->res);
	d = tst_stats_since(self->g.vm, &self->before);
	EXPECT_EQ(1ULL, d.mem_access_walk);
	EXPECT_EQ(0ULL, d.mem_access_read);
}

/* S2MMU_VCPU_ACCESS meets restrictions as the guest does, and ptdump shows them. */
static int ptdump_has(const char *want)
{
	char path[300], line[256];
	struct dirent *e;
	int found = 0;
	DIR *dir = opendir("/sys/kernel/debug/s2mmu");
	FILE *f;

	if (!dir)
		return -1;
	while (!found && (e = readdir(dir))) {
		if (strncmp(e->d_name, "vm", 2))
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/debug/s2mmu/%s/ptdump",
			 e->d_name);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f))
			if (strstr(line, want))
				found = 1;
		if (f)
			fclose(f);
	}
	closedir(dir);
	return found;
}

TEST(vcpu_access)
{
	__u64 bitmap[SLOT_SIZE / TST_PAGE / 64] = { 0 };
	struct s2mmu_vcpu_access a;
	struct s2mmu_stats before, d;
	__u64 val = 0x55, buf = 0, *host;
	struct tst_vcpu v = { .fd = -1 };
	int dev, vm, ret;
	__u8 *mem;

	ret = tst_open_vm_vcpu(&dev, &vm, &v);
	if (ret == -ENODEV)
		SKIP(return, "no /dev/s2mmu");
	ASSERT_EQ(0, ret);
	mem = tst_alloc(TST_ANON, SLOT_SIZE);
	ASSERT_NE(NULL, mem);
	ASSERT_EQ(0, tst_set_region(vm, SLOT, S2MMU_MEM_LOG_DIRTY_PAGES, SLOT_GPA,
				    SLOT_SIZE, mem));
	host = (__u64 *)(mem + TST_PAGE + 8);
	*host = 7;
	ASSERT_EQ(0, tst_stats(vm, &before));
	ASSERT_EQ(0, set_access(vm, SLOT_GPA + TST_PAGE, 1, S2MMU_MEM_ACCESS_R));
	ASSERT_EQ(0, tst_access(&v, SLOT_GPA + TST_PAGE + 8, &buf, 8,
				S2MMU_ACCESS_READ, &a));
	EXPECT_EQ(7ULL, buf);
	ASSERT_EQ(0, tst_access(&v, SLOT_GPA + TST_PAGE + 8, &val, 8,
				S2MMU_ACCESS_WRITE, &a));
	EXPECT_EQ((__u32)S2MMU_EXIT_MEM_ACCESS, a.exit_reason);
	EXPECT_EQ(0U, a.done);
	EXPECT_EQ(SLOT_GPA + TST_PAGE + 8, v.run->mem_access.gpa);
	EXPECT_EQ(0U, v.run->mem_access.flags);	/* no guest VA, no PC */
	EXPECT_EQ((__u32)S2MMU_MEM_ACCESS_KIND_WRITE, v.run->mem_access.kind);
	EXPECT_EQ((__u32)S2MMU_MEM_ACCESS_R, v.run->mem_access.access);
	EXPECT_EQ(7ULL, *host);
	EXPECT_EQ(1, ptdump_has("0x000040001000-0x000040002000 r\n"));
	EXPECT_EQ(1, ptdump_has(" R-- WB AF r\n"));
	/* Not logged: the write did not happen. */
	ASSERT_EQ(0, tst_get_dirty_log(vm, SLOT, bitmap));
	EXPECT_EQ(0, tst_test_bit(bitmap, 1));
	ASSERT_EQ(0, set_access(vm, SLOT_GPA + TST_PAGE, 1, S2MMU_MEM_ACCESS_RWX));
	ASSERT_EQ(0, tst_access(&v, SLOT_GPA + TST_PAGE + 8, &val, 8,
				S2MMU_ACCESS_WRITE, &a));
	EXPECT_EQ((__u32)S2MMU_EXIT_NONE, a.exit_reason);
	EXPECT_EQ(8U, a.done);
	EXPECT_EQ(val, *host);
	ASSERT_EQ(0, tst_get_dirty_log(vm, SLOT, bitmap));
	EXPECT_EQ(1, tst_test_bit(bitmap, 1));
	d = tst_stats_since(vm, &before);
	EXPECT_EQ(1ULL, d.mem_access_write);
	EXPECT_EQ(0ULL, d.mem_access_read);
	tst_destroy_vcpu(&v);
	close(vm);
	close(dev);
	munmap(mem, SLOT_SIZE);
}

/*
 * Tightening 512 mapped pages is one batched invalidation, not one per
 * page; and a restriction inside a 2 MiB block makes the frames around
 * it map at 4K.
 */
TEST(batched_tlbi_and_4k)
{
	struct s2mmu_features f = { 0 };
	struct s2mmu_stats before, d;
	struct tst_vcpu v = { .fd = -1 };
	int dev, vm, ret, huge;
	__u64 buf = 0;
	__u8 *mem, *thp;

	ret = tst_open_vm_vcpu(&dev, &vm, &v);
	if (ret == -ENODEV)
		SKIP(return, "no /dev/s2mmu");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, tst_ioctl(dev, S2MMU_GET_FEATURES, (unsigned long)&f));
	EXPECT_TRUE(!!(f.flags & S2MMU_FEAT_MEM_ACCESS));
	mem = tst_alloc(TST_ANON, SLOT_SIZE);
	thp = tst_alloc(TST_ANON_THP, SLOT_SIZE);
	ASSERT_NE(NULL, mem);
	ASSERT_NE(NULL, thp);
	memset(mem, 1, SLOT_SIZE);
	memset(thp, 1, SLOT_SIZE);
	huge = tst_host_huge_bytes(thp) >= SLOT_SIZE;
	ASSERT_EQ(0, tst_set_region(vm, SLOT, 0, SLOT_GPA, SLOT_SIZE, mem));
	ASSERT_EQ(0, tst_set_region(vm, MOVE_SLOT, 0, MOVE_GPA, SLOT_SIZE, thp));
	ASSERT_EQ(0, tst_access(&v, SLOT_GPA, mem, SLOT_SIZE / 2,
				S2MMU_ACCESS_READ, NULL));
	ASSERT_EQ(0, tst_access(&v, SLOT_GPA + SLOT_SIZE / 2, mem, SLOT_SIZE / 2,
				S2MMU_ACCESS_READ, NULL));

	ASSERT_EQ(0, tst_stats(vm, &before));
	ASSERT_EQ(0, set_access(vm, SLOT_GPA, SLOT_SIZE / TST_PAGE,
				S2MMU_MEM_ACCESS_N));
	d = tst_stats_since(vm, &before);
	TH_LOG("tightening 512 pages: tlbi ipa/range/vmid %llu/%llu/%llu",
	       d.tlbi_ipa, d.tlbi_range, d.tlbi_vmid);
	EXPECT_LT(0ULL, d.tlbi_ipa + d.tlbi_range + d.tlbi_vmid);
	EXPECT_GE(2ULL, d.tlbi_range + d.tlbi_vmid);
	if (f.flags & S2MMU_FEAT_TLBIRANGE)
		EXPECT_EQ(0ULL, d.tlbi_ipa);
	EXPECT_GT(64ULL, d.tlbi_ipa);
	EXPECT_EQ(0, tst_access(&v, SLOT_GPA + 5 * TST_PAGE, &buf, 8,
				S2MMU_ACCESS_READ, NULL));
	EXPECT_EQ((__u32)S2MMU_EXIT_MEM_ACCESS, v.run->exit_reason);
	/* Loosening changes no mapping: no invalidation at all. */
	ASSERT_EQ(0, tst_stats(vm, &before));
	ASSERT_EQ(0, set_access(vm, SLOT_GPA, SLOT_SIZE / TST_PAGE,
				S2MMU_MEM_ACCESS_RWX));
	d = tst_stats_since(vm, &before);
	EXPECT_EQ(0ULL, d.tlbi_ipa + d.tlbi_range + d.tlbi_vmid + d.bbm);

	/* The THP slot: a block first, then 4K around a restricted frame. */
	ASSERT_EQ(0, tst_stats(vm, &before));
	ASSERT_EQ(0, tst_access(&v, MOVE_GPA, &buf, 8, S2MMU_ACCESS_READ, NULL));
	d = tst_stats_since(vm, &before);
	if (!huge) {
		TH_LOG("no THP here: the block part is not run");
		goto out;
	}
	EXPECT_EQ(1ULL, d.mapped_l2);
	ASSERT_EQ(0, set_access(vm, MOVE_GPA + 3 * TST_PAGE, 1, S2MMU_MEM_ACCESS_R));
	ASSERT_EQ(0, tst_stats(vm, &before));
	ASSERT_EQ(0, tst_access(&v, MOVE_GPA + 3 * TST_PAGE, &buf, 8,
				S2MMU_ACCESS_READ, NULL));
	ASSERT_EQ(0, tst_access(&v, MOVE_GPA, &buf, 8, S2MMU_ACCESS_READ, NULL));
	d = tst_stats_since(vm, &before);
	EXPECT_EQ(0ULL, d.mapped_l2);
	EXPECT_EQ(2ULL, d.mapped_l3);
out:
	tst_destroy_vcpu(&v);
	close(vm);
	close(dev);
	munmap(mem, SLOT_SIZE);
	munmap(thp, SLOT_SIZE);
}

/* Every bad argument: its errno, and the store as it was. */
TEST(bad_input)
{
	struct s2mmu_mem_access ma;
	struct tst_vcpu v = { .fd = -1 };
	int dev, vm, ret;
	__u64 last = (1ULL << (S2MMU_IPA_BITS_DEFAULT - 12)) - 1;

	ret = tst_open_vm_vcpu(&dev, &vm, &v);
	if (ret == -ENODEV)
		SKIP(return, "no /dev/s2mmu");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, set_access(vm, 0x1000, 1, S2MMU_MEM_ACCESS_R));
#define BAD(err, change) do { \
		ma = (struct s2mmu_mem_access){ .gfn = 1, .nr_pages = 1 }; \
		change; \
		EXPECT_EQ(-(err), tst_ioctl(vm, S2MMU_SET_MEM_ACCESS, \
					    (unsigned long)&ma)); \
		EXPECT_EQ((__u32)S2MMU_MEM_ACCESS_R, get_access(vm, 0x1000)); \
	} while (0)
	BAD(EINVAL, ma.access = S2MMU_MEM_ACCESS_N2RWX + 1);
	BAD(EINVAL, ma.access = ~0U);
	BAD(EINVAL, ma.flags = 1);
	BAD(EINVAL, ma.pad = 1);
	BAD(EINVAL, ma.reserved = 1ULL << 63);
	BAD(EINVAL, ma.view = S2MMU_MAX_VIEWS);
	BAD(ENOENT, ma.view = 1);
	BAD(EINVAL, ma.nr_pages = 0);
	BAD(EINVAL, (ma.gfn = last, ma.nr_pages = 2));
	BAD(EINVAL, ma.gfn = last + 1);
	BAD(EINVAL, (ma.gfn = ~0ULL, ma.nr_pages = 2));
	BAD(EINVAL, ma.nr_pages = ~0ULL);
	BAD(E2BIG, (ma.gfn = 0, ma.nr_pages = S2MMU_MEM_ACCESS_MAX_PAGES + 1));
#undef BAD
	EXPECT_EQ(-EFAULT, tst_ioctl(vm, S2MMU_SET_MEM_ACCESS, 8));
	EXPECT_EQ(-ENOTTY, tst_ioctl(v.fd, S2MMU_SET_MEM_ACCESS, 0));
	/* The last frame is fine. */
	EXPECT_EQ(0, set_access(vm, last << 12, 1, S2MMU_MEM_ACCESS_X));
	EXPECT_EQ((__u32)S2MMU_MEM_ACCESS_X, get_access(vm, last << 12));

	ma = (struct s2mmu_mem_access){ .gfn = 1, .nr_pages = 2 };
	EXPECT_EQ(-EINVAL, tst_ioctl(vm, S2MMU_GET_MEM_ACCESS, (unsigned long)&ma));
	ma = (struct s2mmu_mem_access){ .gfn = 1, .nr_pages = 1, .flags = 1 };
	EXPECT_EQ(-EINVAL, tst_ioctl(vm, S2MMU_GET_MEM_ACCESS, (unsigned long)&ma));
	ma = (struct s2mmu_mem_access){ .gfn = last + 1, .nr_pages = 1 };
	EXPECT_EQ(-EINVAL, tst_ioctl(vm, S2MMU_GET_MEM_ACCESS, (unsigned long)&ma));
	EXPECT_EQ(-EFAULT, tst_ioctl(vm, S2MMU_GET_MEM_ACCESS, 8));
	tst_destroy_vcpu(&v);
	close(vm);
	close(dev);
}

/* ---- four vCPUs at once ---- */

#define NR_VCPUS	4
#define PAGES_EACH	32
#define SHARED_GPA	(SLOT_GPA + 500 * TST_PAGE)

/*
 * The guest of each vCPU: read the shared n2rwx page once, then write
 * and read back a stamp in each of its own pages, then GUEST_DONE.
 */
GUEST_CODE void guest_writer(__u64 base, __u64 n, __u64 stamp, __u64 shared)
{
	__u64 i, got;

	guest_read64(shared);
	for (i = 0; i < n; i++) {
		guest_write64(base + i * 4096 + 64, stamp + i);
		got = guest_read64(base + i * 4096 + 64);
		if (got != stamp + i)
			guest_fail(i, got, stamp + i);
	}
	guest_done(n);
}

struct writer {
	struct guest_vm *g;
	int id;
	__u64 base;
	__u64 events;		/* write events, each on the expected page */
	__u64 shared_events;
	int bad;
	char why[256];
};

static __u64 writer_base(int id)
{
	return SLOT_GPA + (1 + id * PAGES_EACH) * TST_PAGE;
}

static void *writer_thread(void *arg)
{
	struct writer *w = arg;
	struct tst_vcpu *v = &w->g->vcpu[w->id];
	struct s2mmu_run *run = v->run;
	int ret;

	for (;;) {
		ret = guest_run(v);
		if (ret == 0 && guest_arg(v, 0) == GUEST_DONE)
			return NULL;
		if (ret != S2MMU_EXIT_MEM_ACCESS) {
			guest_exit_str(v, ret, w->why, sizeof(w->why));
			w->bad = 1;
			return NULL;
		}
		if (run->mem_access.gpa == SHARED_GPA &&
		    run->mem_access.kind == S2MMU_MEM_ACCESS_KIND_READ) {
			w->shared_events++;
			continue;	/* converted to rwx: just retry */
		}
		/* Writes go in order: the event must be for the next page. */
		if (run->mem_access.gpa != w->base + w->events * TST_PAGE + DATA_OFF ||
		    run->mem_access.kind != S2MMU_MEM_ACCESS_KIND_WRITE ||
		    run->mem_access.access != S2MMU_MEM_ACCESS_R) {
			w->bad = 2;
			return NULL;
		}
		w->events++;
		if (set_access(w->g->vm, run->mem_access.gpa, 1, S2MMU_MEM_ACCESS_RW)) {
			w->bad = 3;
			return NULL;
		}
	}
}

TEST(four_vcpus)
{
	struct writer w[NR_VCPUS];
	pthread_t th[NR_VCPUS];
	struct s2mmu_stats before, d;
	struct guest_vm g;
	__u8 *mem;
	__u64 total = 0, shared = 0, args[4];
	int i, ret;

	ret = guest_vm_create(&g, NR_VCPUS);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "S2MMU_RUN not supported here");
	ASSERT_EQ(0, ret);
	mem = tst_alloc(TST_ANON, SLOT_SIZE);
	ASSERT_NE(NULL, mem);
	ASSERT_EQ(0, tst_set_region(g.vm, SLOT, 0, SLOT_GPA, SLOT_SIZE, mem));
	ASSERT_EQ(0, set_access(g.vm, SHARED_GPA, 1, S2MMU_MEM_ACCESS_N2RWX));
	for (i = 0; i < NR_VCPUS; i++) {
		w[i] = (struct writer){ .g = &g, .id = i, .base = writer_base(i) };
		ASSERT_EQ(0, set_access(g.vm, w[i].base, PAGES_EACH, S2MMU_MEM_ACCESS_R));
		args[0] = w[i].base;
		args[1] = PAGES_EACH;
		args[2] = 0x1000000ULL * (i + 1);
		args[3] = SHARED_GPA;
		ASSERT_EQ(0, guest_start(&g.vcpu[i], guest_writer, 4, args));
	}
	ASSERT_EQ(0, tst_stats(g.vm, &before));
	for (i = 0; i < NR_VCPUS; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, writer_thread, &w[i]));
	for (i = 0; i < NR_VCPUS; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < NR_VCPUS; i++) {
		EXPECT_EQ(0, w[i].bad) TH_LOG("vCPU %d: %s", i, w[i].why);
		EXPECT_EQ((__u64)PAGES_EACH, w[i].events) TH_LOG("vCPU %d", i);
		EXPECT_EQ((__u64)PAGES_EACH, guest_arg(&g.vcpu[i], 1));
		total += w[i].events;
		shared += w[i].shared_events;
	}
	d = tst_stats_since(g.vm, &before);
	EXPECT_EQ(1ULL, shared);
	EXPECT_EQ(total, d.mem_access_write);
	EXPECT_EQ(1ULL, d.mem_access_read);
	EXPECT_EQ(1ULL, d.mem_access_converted);
	TH_LOG("4 vCPUs: %llu write events, %llu shared n2rwx event(s), %llu fault retries",
	       total, shared, d.fault_retries);
	guest_vm_destroy(&g);
	munmap(mem, SLOT_SIZE);
}

TEST_HARNESS_MAIN
