// SPDX-License-Identifier: GPL-2.0
/*
 * s2mmu-vmm: the example VMM, a small program to copy from.
 *
 *  1. Report what the module found on this CPU.
 *  2. Create a VM with a code slot and two memory slots, one of them
 *     backed by transparent huge pages (stage 2 maps it with 2 MiB
 *     blocks), and start 4 vCPUs (S2MMU_RUN) running the guest below: it
 *     fills its memory, then keeps rewriting pages (mostly a small working
 *     set) and now and then checks one.
 *  3. Live-migrate it, pre-copy style, to a second VMM process over a
 *     UNIX socket: dirty logging on, all memory sent, then what the dirty
 *     log reports, round after round while the guest runs, until the
 *     dirty set converges; then stop the vCPUs, send the rest and every
 *     vCPU register (S2MMU_GET_REG_LIST / S2MMU_GET_ONE_REG).
 *  4. The destination builds a new VM from what it received, sets the
 *     registers and resumes the guest, which runs on for a while and
 *     then checks every page it owns against the generation it last
 *     wrote there.  A page lost in the migration fails that check.
 *
 * Both sides report what it cost their stage-2 MMU.  Exit status 0 when
 * the guest's own check passed on the destination.
 */
#include "../selftests/s2mmu/guest_vm.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define NR_VCPUS	4
#define NR_SLOTS	2
#define SLOT_SIZE	(32UL << 20)
#define SLOT_PAGES	(SLOT_SIZE / TST_PAGE)
#define SLOT_GPA(i)	(0x40000000ULL * ((i) + 1))
#define NR_ALL_SLOTS	(NR_SLOTS + 1)	/* and the code slot */
/* Pages each vCPU keeps rewriting: the guest's working set. */
#define HOT_PAGES	32
/* Dirty pages few enough to send with the guest stopped. */
#define DOWNTIME_PAGES	256
#define MAX_ROUNDS	30
#define DEST_RUN_MS	1000

/* Code-slot data area: the control word, then a generation per page. */
#define CTL_DOFF	0
#define GEN_DOFF	TST_PAGE
#define CTL_CHECK	1

/* ---- the guest ---- */

static inline GUEST_INLINE __u64 demo_word(__u64 slot, __u64 page, __u64 gen, __u64 w)
{
	return gen << 40 | slot << 36 | page << 12 | w;
}

/* One word per 64 bytes of the page, all saying which generation. */
static inline GUEST_INLINE void demo_fill(__u64 slot, __u64 page, __u64 gen)
{
	__u64 base = SLOT_GPA(slot) + page * TST_PAGE, w;

	for (w = 0; w < TST_PAGE / 64; w++)
		guest_write64(base + w * 64, demo_word(slot, page, gen, w));
}

/* 0, or the guest address of the first word that is not as written. */
static inline GUEST_INLINE __u64 demo_check(__u64 slot, __u64 page, __u64 gen)
{
	__u64 base = SLOT_GPA(slot) + page * TST_PAGE, w;

	for (w = 0; w < TST_PAGE / 64; w++)
		if (guest_read64(base + w * 64) != demo_word(slot, page, gen, w))
			return base + w * 64;
	return 0;
}

/*
 * vCPU @id owns the pages whose number modulo NR_VCPUS is @id in both
 * slots and records the generation it last wrote to each in @gens.
 */
GUEST_CODE void guest_demo(__u64 id, __u64 ctl, __u64 gens, __u64 seed)
{
	__u64 r, slot, page, gen, bad, checked = 0;

	for (slot = 0; slot < NR_SLOTS; slot++)
		for (page = id; page < SLOT_PAGES; page += NR_VCPUS) {
			demo_fill(slot, page, 1);
			guest_write64(gens + (slot * SLOT_PAGES + page) * 8, 1);
		}
	guest_sync(id, 0, 0);		/* booted */
	while (!guest_read64(ctl)) {
		r = guest_xorshift(&seed);
		slot = r & 1;
		page = (r >> 8) % 100 < 95 ?
		       (r >> 16) % HOT_PAGES * 61 % (SLOT_PAGES / NR_VCPUS) :
		       (r >> 16) % (SLOT_PAGES / NR_VCPUS);
		page = page * NR_VCPUS + id;
		gen = guest_read64(gens + (slot * SLOT_PAGES + page) * 8);
		if ((r >> 40) % 64 == 0) {
			bad = demo_check(slot, page, gen);
			if (bad)
				guest_fail(bad, guest_read64(bad), gen);
		}
		demo_fill(slot, page, gen + 1);
		guest_write64(gens + (slot * SLOT_PAGES + page) * 8, gen + 1);
	}
	for (slot = 0; slot < NR_SLOTS; slot++)
		for (page = id; page < SLOT_PAGES; page += NR_VCPUS, checked++) {
			gen = guest_read64(gens + (slot * SLOT_PAGES + page) * 8);
			bad = demo_check(slot, page, gen);
			if (bad)
				guest_fail(bad, guest_read64(bad), gen);
		}
	guest_done(checked);
}

/* ---- a VMM: the VM, its slots and its vCPU threads ---- */

struct slot {
	__u32 id;
	__u64 gpa, size;
	__u8 *mem;
	__u64 *bitmap;
};

struct vmm;

struct vcpu {
	struct vmm *m;
	struct tst_vcpu *v;
	pthread_t thread;
	__u64 checked;
	char error[256];
};

struct vmm {
	const char *name;
	struct guest_vm g;
	struct slot slots[NR_ALL_SLOTS];
	struct vcpu vcpus[NR_VCPUS];
	atomic_int booted, stop, done;
};

/* SIGUSR1 only interrupts S2MMU_RUN (-EINTR). */
static void on_sigusr1(int sig)
{
	(void)sig;
}

/*
 * Run until the guest is done or fails, or the VMM stops the vCPU: then
 * one more S2MMU_RUN with immediate_exit completes the exit in progress
 * (an HVC's PC advance) so that the registers can be saved.
 */
static void *vcpu_main(void *arg)
{
	struct vcpu *c = arg;
	struct tst_vcpu *v = c->v;
	int ret;

	while (!atomic_load(&c->m->stop)) {
		ret = guest_run(v);
		if (ret == -EINTR)
			continue;
		if (ret == 0 && guest_arg(v, 0) == GUEST_SYNC) {
			atomic_fetch_add(&c->m->booted, 1);
			continue;
		}
		if (ret == 0 && guest_arg(v, 0) == GUEST_DONE) {
			c->checked = guest_arg(v, 1);
			atomic_fetch_add(&c->m->done, 1);
			return NULL;
		}
		guest_exit_str(v, ret, c->error, sizeof(c->error));
		atomic_fetch_add(&c->m->done, 1);
		return NULL;
	}
	v->run->immediate_exit = 1;
	ret = tst_run(v);
	if (ret != -EINTR)
		snprintf(c->error, sizeof(c->error),
			 "immediate_exit run returned %d", ret);
	return NULL;
}

static int start_vcpus(struct vmm *m)
{
	int i;

	for (i = 0; i < NR_VCPUS; i++) {
		m->vcpus[i].m = m;
		m->vcpus[i].v = &m->g.vcpu[i];
		if (pthread_create(&m->vcpus[i].thread, NULL, vcpu_main,
				   &m->vcpus[i]))
			return -1;
	}
	return 0;
}

/* Kick every vCPU out of the guest and wait for its thread. */
static int stop_vcpus(struct vmm *m)
{
	int i, err = 0;

	atomic_store(&m->stop, 1);
	for (i = 0; i < NR_VCPUS; i++) {
		while (pthread_tryjoin_np(m->vcpus[i].thread, NULL)) {
			pthread_kill(m->vcpus[i].thread, SIGUSR1);
			usleep(1000);
		}
		if (m->vcpus[i].error[0]) {
			fprintf(stderr, "%s: vCPU %d: %s\n", m->name, i,
				m->vcpus[i].error);
			err = -1;
		}
	}
	return err;
}

static int set_slot(struct vmm *m, struct slot *s, __u32 flags)
{
	return tst_set_region(m->g.vm, s->id, flags, s->gpa, s->size, s->mem);
}

/* The VM with its code slot, the two memory slots and 4 vCPUs. */
static int setup_vm(struct vmm *m)
{
	struct slot *code = &m->slots[NR_SLOTS];
	int i, ret;

	ret = guest_vm_create(&m->g, NR_VCPUS);
	if (ret) {
		fprintf(stderr, "%s: guest VM: %s\n", m->name, strerror(-ret));
		return -1;
	}
	for (i = 0; i < NR_SLOTS; i++) {
		struct slot *s = &m->slots[i];

		s->id = i;
		s->gpa = SLOT_GPA(i);
		s->size = SLOT_SIZE;
		s->mem = tst_alloc(i == 1 ? TST_ANON_THP : TST_ANON, SLOT_SIZE);
		if (!s->mem || set_slot(m, s, 0))
			return -1;
	}
	*code = (struct slot){ .id = GUEST_CODE_SLOT, .gpa = GUEST_CODE_IPA,
			       .size = GUEST_CODE_SLOT_SIZE, .mem = m->g.code };
	for (i = 0; i < NR_ALL_SLOTS; i++) {
		m->slots[i].bitmap = calloc(tst_bitmap_bytes(m->slots[i].size /
							    TST_PAGE), 1);
		if (!m->slots[i].bitmap)
			return -1;
	}
	return 0;
}

/*
 * One write(2) for the whole block: the destination VMM prints on the
 * same terminal at the same time, and must not land inside it.
 */
static void report_mmu(const char *what, const struct s2mmu_stats *a,
		       const struct s2mmu_stats *b)
{
	char buf[1024];
	int n;

	n = snprintf(buf, sizeof(buf),
		     "stage-2 MMU %s:\n"
		     "  guest faults      %llu translation, %llu access-flag, %llu permission\n"
		     "  spurious faults   %llu (nothing to change); %llu retried\n"
		     "  break-before-make %llu\n"
		     "  TLB invalidations %llu by IPA, %llu by range, %llu whole VMID, %llu local\n"
		     "  mapped            %llu blocks (2 MiB), %llu pages\n"
		     "  in place          %llu permissions raised; %llu dirty marks\n",
		     what,
		     b->faults_translation - a->faults_translation,
		     b->faults_access - a->faults_access,
		     b->faults_permission - a->faults_permission,
		     b->faults_spurious - a->faults_spurious,
		     b->fault_retries - a->fault_retries,
		     b->bbm - a->bbm,
		     b->tlbi_ipa - a->tlbi_ipa, b->tlbi_range - a->tlbi_range,
		     b->tlbi_vmid - a->tlbi_vmid, b->tlbi_local - a->tlbi_local,
		     b->mapped_l2 - a->mapped_l2, b->mapped_l3 - a->mapped_l3,
		     b->relax_perms - a->relax_perms,
		     b->dirty_marked - a->dirty_marked);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	fflush(stdout);
	if (n > 0 && write(STDOUT_FILENO, buf, n) < 0)
		perror("report");
}

/* ---- the migration stream ---- */

enum msg_type { MSG_PAGE = 1, MSG_REG, MSG_END };

struct msg {
	__u32 type;
	__u32 slot;	/* MSG_PAGE: slot index; MSG_REG: vCPU */
	__u64 arg;	/* MSG_PAGE: page; MSG_REG: register id */
	__u8 val[16];	/* MSG_REG: the value */
};

static int write_all(int fd, const void *buf, size_t len)
{
	const __u8 *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	__u8 *p = buf;
	ssize_t n;

	while (len) {
		n = read(fd, p, len);
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static int send_page(int sock, struct slot *s, int idx, __u64 page)
{
	struct msg h = { .type = MSG_PAGE, .slot = idx, .arg = page };

	if (write_all(sock, &h, sizeof(h)))
		return -1;
	return write_all(sock, s->mem + page * TST_PAGE, TST_PAGE);
}

/* Sends what the dirty log of every slot reports; returns pages, or -1. */
static long send_dirty(struct vmm *m, int sock)
{
	long sent = 0;
	__u64 page;
	int i;

	for (i = 0; i < NR_ALL_SLOTS; i++) {
		struct slot *s = &m->slots[i];

		/* Returns the log, clears it and write-protects its pages. */
		if (tst_get_dirty_log(m->g.vm, s->id, s->bitmap))
			return -1;
		for (page = 0; page < s->size / TST_PAGE; page++) {
			if (!tst_test_bit(s->bitmap, page))
				continue;
			if (send_page(sock, s, i, page))
				return -1;
			sent++;
		}
	}
	return sent;
}

static long send_all(struct vmm *m, int sock)
{
	long sent = 0;
	__u64 page;
	int i;

	for (i = 0; i < NR_ALL_SLOTS; i++)
		for (page = 0; page < m->slots[i].size / TST_PAGE; page++, sent++)
			if (send_page(sock, &m->slots[i], i, page))
				return -1;
	return sent;
}

/* Every register S2MMU_GET_REG_LIST names, of every vCPU. */
static long send_registers(struct vmm *m, int sock)
{
	struct s2mmu_reg_list *list = calloc(1, sizeof(*list) + 1024 * 8);
	struct msg h = { .type = MSG_REG };
	struct s2mmu_one_reg r;
	long sent = 0;
	__u64 n;
	int i;

	for (i = 0; list && i < NR_VCPUS; i++) {
		list->n = 1024;
		if (tst_ioctl(m->g.vcpu[i].fd, S2MMU_GET_REG_LIST,
			      (unsigned long)list))
			return -1;
		for (n = 0; n < list->n; n++, sent++) {
			memset(h.val, 0, sizeof(h.val));
			h.slot = i;
			h.arg = list->reg[n];
			r = (struct s2mmu_one_reg){ .id = h.arg,
						    .addr = (uintptr_t)h.val };
			if (tst_ioctl(m->g.vcpu[i].fd, S2MMU_GET_ONE_REG,
				      (unsigned long)&r) ||
			    write_all(sock, &h, sizeof(h)))
				return -1;
		}
	}
	free(list);
	return sent;
}

/*
 * The pre-copy loop: all memory once, then rounds of what was dirtied
 * meanwhile while the guest runs, until a round is small enough to send
 * with the guest stopped (or stops shrinking).
 */
static int precopy(struct vmm *m, int sock)
{
	long sent, best = -1;
	int round, stalled = 0;
	const char *why;

	sent = send_all(m, sock);
	printf("  round  0  %6ld pages sent (all of memory)\n", sent);
	for (round = 1; sent >= 0; round++) {
		sent = send_dirty(m, sock);
		printf("  round %2d  %6ld pages sent\n", round, sent);
		if (sent <= DOWNTIME_PAGES) {
			why = "few enough to send with the guest stopped";
			break;
		}
		if (round == MAX_ROUNDS) {
			why = "round limit";
			break;
		}
		if (best >= 0 && sent >= best && ++stalled == 2) {
			why = "the dirty set stopped shrinking";
			break;
		}
		if (best < 0 || sent < best) {
			best = sent;
			stalled = 0;
		}
	}
	if (sent < 0)
		return -1;
	printf("  converged after %d rounds: %s\n", round, why);
	return 0;
}

static int migrate(struct vmm *m, int sock)
{
	struct msg end = { .type = MSG_END };
	long sent, regs;
	int i;

	for (i = 0; i < NR_ALL_SLOTS; i++)
		if (set_slot(m, &m->slots[i], S2MMU_MEM_LOG_DIRTY_PAGES)) {
			perror("enable dirty logging");
			return -1;
		}
	printf("migration (pre-copy, S2MMU_GET_DIRTY_LOG), to the destination VMM\n");
	printf("over a UNIX socket:\n");
	if (precopy(m, sock) || stop_vcpus(m))
		return -1;
	sent = send_dirty(m, sock);
	regs = send_registers(m, sock);
	if (sent < 0 || regs < 0 || write_all(sock, &end, sizeof(end)))
		return -1;
	printf("  final     %6ld pages and %ld registers (%d vCPUs) sent with the vCPUs stopped\n",
	       sent, regs, NR_VCPUS);
	return 0;
}

/* ---- the two VMMs ---- */

static const char *yes(unsigned int flags, unsigned int bit)
{
	return flags & bit ? "yes" : "no";
}

static int report_features(void)
{
	struct s2mmu_features f = { 0 };
	int dev = tst_open_dev(), version;

	if (dev < 0) {
		fprintf(stderr, "/dev/s2mmu: %s\n", strerror(errno));
		return -1;
	}
	version = ioctl(dev, S2MMU_GET_API_VERSION, 0);
	if (version != S2MMU_API_VERSION || ioctl(dev, S2MMU_GET_FEATURES, &f)) {
		fprintf(stderr, "API version %d, expected %d\n", version,
			S2MMU_API_VERSION);
		return -1;
	}
	close(dev);
	printf("s2mmu API version %d\n", version);
	printf("  exception level   EL%u%s\n", f.current_el,
	       f.current_el == 2 ? " (VHE: the module runs where a hypervisor runs)" : "");
	printf("  PA size           %u bits; max IPA size %u bits; VMID %u bits\n",
	       f.pa_bits, f.max_ipa_bits, f.vmid_bits);
	printf("  FEAT_TLBIRANGE    %s; FEAT_TTL %s; FWB %s\n",
	       yes(f.flags, S2MMU_FEAT_TLBIRANGE), yes(f.flags, S2MMU_FEAT_TTL),
	       yes(f.flags, S2MMU_FEAT_FWB));
	printf("  guests run        %s%s\n", yes(f.flags, S2MMU_FEAT_RUN),
	       f.flags & S2MMU_FEAT_KVM_ACTIVE ? " (KVM active alongside)" : "");
	return f.flags & S2MMU_FEAT_RUN ? 0 : -1;
}

static int start_guest(struct vmm *m)
{
	int i;

	for (i = 0; i < NR_VCPUS; i++) {
		__u64 args[4] = { i, GUEST_DATA_IPA + CTL_DOFF,
				  GUEST_DATA_IPA + GEN_DOFF,
				  0x9e3779b97f4a7c15ULL * (i + 1) };

		if (guest_start(&m->g.vcpu[i], guest_demo, 4, args))
			return -1;
	}
	return start_vcpus(m);
}

static int source_main(int sock, pid_t dest)
{
	struct s2mmu_stats created, booted, migrated;
	struct vmm *m = calloc(1, sizeof(*m));
	int i, status;

	m->name = "source";
	if (setup_vm(m) || tst_stats(m->g.vm, &created) || start_guest(m))
		return 1;
	for (i = 0; i < NR_SLOTS; i++)
		printf("slot %d: %lu MiB at IPA 0x%llx, %s\n", i, SLOT_SIZE >> 20,
		       m->slots[i].gpa, i == 1 ? "transparent huge pages" :
		       "4K pages");
	while (atomic_load(&m->booted) < NR_VCPUS && !atomic_load(&m->done))
		usleep(10000);
	if (atomic_load(&m->done) || tst_stats(m->g.vm, &booted)) {
		stop_vcpus(m);
		return 1;
	}
	printf("guest running at EL1 on %d vCPUs, its memory filled:\n", NR_VCPUS);
	printf("  %llu blocks and %llu pages mapped\n", booted.mapped_l2,
	       booted.mapped_l3);
	report_mmu("while the guest booted (its first touch of memory)",
		   &created, &booted);
	if (migrate(m, sock) || tst_stats(m->g.vm, &migrated))
		return 1;
	report_mmu("on the source through the migration", &booted, &migrated);
	fflush(stdout);
	if (waitpid(dest, &status, 0) != dest || !WIFEXITED(status))
		return 1;
	return WEXITSTATUS(status);
}

/* Pages and registers from the source, until MSG_END. */
static int receive(struct vmm *m, int sock, long *pages, long *regs)
{
	struct s2mmu_one_reg r;
	struct msg h;
	struct slot *s;

	for (;;) {
		if (read_all(sock, &h, sizeof(h)))
			return -1;
		if (h.type == MSG_END)
			return 0;
		if (h.type == MSG_REG && h.slot < NR_VCPUS) {
			r = (struct s2mmu_one_reg){ .id = h.arg,
						    .addr = (uintptr_t)h.val };
			if (tst_ioctl(m->g.vcpu[h.slot].fd, S2MMU_SET_ONE_REG,
				      (unsigned long)&r)) {
				fprintf(stderr, "destination: register 0x%llx refused\n",
					h.arg);
				return -1;
			}
			(*regs)++;
			continue;
		}
		if (h.type != MSG_PAGE || h.slot >= NR_ALL_SLOTS)
			return -1;
		s = &m->slots[h.slot];
		if (h.arg >= s->size / TST_PAGE ||
		    read_all(sock, s->mem + h.arg * TST_PAGE, TST_PAGE))
			return -1;
		(*pages)++;
	}
}

static int dest_main(int sock)
{
	struct s2mmu_stats before, after;
	struct vmm *m = calloc(1, sizeof(*m));
	long pages = 0, regs = 0;
	__u64 checked = 0;
	int i, bad = 0;

	m->name = "destination";
	if (setup_vm(m) || receive(m, sock, &pages, &regs)) {
		fprintf(stderr, "destination: receiving the guest failed\n");
		return 1;
	}
	printf("destination VMM (pid %d): %ld pages and %ld registers received\n",
	       getpid(), pages, regs);
	printf("destination: resuming the guest\n");
	if (tst_stats(m->g.vm, &before) || start_vcpus(m))
		return 1;
	usleep(DEST_RUN_MS * 1000);
	__atomic_store_n((__u64 *)guest_data(&m->g, CTL_DOFF), CTL_CHECK,
			 __ATOMIC_SEQ_CST);
	for (i = 0; i < NR_VCPUS; i++) {
		pthread_join(m->vcpus[i].thread, NULL);
		if (m->vcpus[i].error[0]) {
			printf("destination: vCPU %d: %s\n", i, m->vcpus[i].error);
			bad = 1;
		}
		checked += m->vcpus[i].checked;
	}
	tst_stats(m->g.vm, &after);
	report_mmu("on the destination (resume, run on, final check)",
		   &before, &after);
	printf("verify: the guest's own check %s on the destination:\n",
	       bad || checked != NR_SLOTS * SLOT_PAGES ? "FAILED" : "passed");
	printf("  %llu of %lu pages as the guest last wrote them\n", checked,
	       NR_SLOTS * SLOT_PAGES);
	return bad || checked != NR_SLOTS * SLOT_PAGES;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_sigusr1 };
	int sv[2];
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sigaction(SIGUSR1, &sa, NULL) || report_features())
		return 1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		close(sv[0]);
		return dest_main(sv[1]);
	}
	close(sv[1]);
	return source_main(sv[0], pid);
}
