// SPDX-License-Identifier: GPL-2.0
/*
 * s2mmu-vmm: the example VMM, a small program to copy from.
 *
 *  1. Report what the module found on this CPU.
 *  2. Create a VM with two memory slots, one of them backed by transparent
 *     huge pages (so stage 2 maps it with 2 MiB blocks).
 *  3. Start 4 vCPU threads, one vCPU file descriptor each, that touch
 *     guest memory through S2MMU_VCPU_ACCESS.
 *  4. Live-migrate the guest, pre-copy style: turn dirty logging on, send
 *     all of memory, then send what the dirty log reports, round after
 *     round, until the dirty set converges; stop the vCPUs and send the
 *     rest.  "Sending" copies pages to a destination buffer.
 *  5. Report what that cost the stage-2 MMU, and check that the
 *     destination equals guest memory.  Exit status 1 if it does not.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/s2mmu.h>
#include <linux/types.h>

#define PAGE_SIZE	4096UL
#define BLOCK_SIZE	(2UL << 20)
#define NR_VCPUS	4
#define NR_SLOTS	2
#define SLOT_SIZE	(64UL << 20)
#define SLOT_PAGES	(SLOT_SIZE / PAGE_SIZE)
/* Pages each vCPU keeps writing: the guest's working set. */
#define HOT_PAGES	32
/* Dirty pages small enough to send with the guest stopped. */
#define DOWNTIME_PAGES	256
#define MAX_ROUNDS	30

struct slot {
	__u32 id;
	__u64 gpa;
	__u8 *mem;	/* guest memory, as the VMM sees it */
	__u8 *dest;	/* the migration's destination copy */
	__u64 *bitmap;	/* dirty log, one bit per page */
	int thp;
};

struct vcpu {
	pthread_t thread;
	int fd;
	unsigned int id;
	__u64 rng;
	__u64 writes, reads;
	int error;
};

static struct slot slots[NR_SLOTS];
static struct vcpu vcpus[NR_VCPUS];
static atomic_int stop_vcpus, booted_vcpus;
static int vm;

static const char *yes(unsigned int flags, unsigned int bit)
{
	return flags & bit ? "yes" : "no";
}

static int report_features(int dev)
{
	struct s2mmu_features f = { 0 };
	int version = ioctl(dev, S2MMU_GET_API_VERSION, 0);

	if (version != S2MMU_API_VERSION) {
		fprintf(stderr, "API version %d, expected %d\n", version,
			S2MMU_API_VERSION);
		return -1;
	}
	if (ioctl(dev, S2MMU_GET_FEATURES, &f)) {
		perror("S2MMU_GET_FEATURES");
		return -1;
	}
	printf("s2mmu API version %d\n", version);
	printf("  exception level   EL%u%s\n", f.current_el,
	       f.current_el == 2 ? " (VHE: the module runs where a hypervisor runs)" : "");
	printf("  PA size           %u bits\n", f.pa_bits);
	printf("  max IPA size      %u bits\n", f.max_ipa_bits);
	printf("  VMID size         %u bits\n", f.vmid_bits);
	printf("  FEAT_TLBIRANGE    %s\n", yes(f.flags, S2MMU_FEAT_TLBIRANGE));
	printf("  FEAT_TTL          %s\n", yes(f.flags, S2MMU_FEAT_TTL));
	printf("  FWB               %s\n", yes(f.flags, S2MMU_FEAT_FWB));
	return 0;
}

/* Guest memory: 2 MiB aligned, so that THP can back it with huge pages. */
static __u8 *alloc_guest_memory(int thp)
{
	__u8 *p = mmap(NULL, SLOT_SIZE + BLOCK_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	__u8 *aligned;

	if (p == MAP_FAILED)
		return NULL;
	aligned = (__u8 *)(((unsigned long)p + BLOCK_SIZE - 1) & ~(BLOCK_SIZE - 1));
	/* A VMM keeps guest memory out of its children (fork would COW it). */
	madvise(aligned, SLOT_SIZE, MADV_DONTFORK);
	madvise(aligned, SLOT_SIZE, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	return aligned;
}

static int set_slot(struct slot *s, __u32 flags)
{
	struct s2mmu_userspace_memory_region r = {
		.slot = s->id,
		.flags = flags,
		.guest_phys_addr = s->gpa,
		.memory_size = SLOT_SIZE,
		.userspace_addr = (unsigned long)s->mem,
	};

	return ioctl(vm, S2MMU_SET_USER_MEMORY_REGION, &r);
}

static int guest_access(struct vcpu *v, __u64 ipa, void *buf, __u32 len,
			__u32 kind)
{
	struct s2mmu_vcpu_access a = {
		.ipa = ipa,
		.buf = (unsigned long)buf,
		.len = len,
		.kind = kind,
	};

	if (ioctl(v->fd, S2MMU_VCPU_ACCESS, &a))
		return -errno;
	/* Both slots are RAM: an MMIO exit here would be a bug. */
	return a.exit_reason == S2MMU_EXIT_NONE ? 0 : -EREMOTEIO;
}

static __u64 xorshift(__u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * The guest: boots by writing its share of every page, then mostly
 * rewrites a small working set, now and then a page anywhere, and reads.
 */
static void *vcpu_main(void *arg)
{
	struct vcpu *v = arg;
	__u64 stamp[2] = { v->id }, r, page;
	struct slot *s;
	int i;

	for (i = 0; i < NR_SLOTS && !v->error; i++)
		for (page = v->id; page < SLOT_PAGES && !v->error;
		     page += NR_VCPUS)
			v->error = guest_access(v, slots[i].gpa + page * PAGE_SIZE,
						stamp, sizeof(stamp),
						S2MMU_ACCESS_WRITE);
	atomic_fetch_add(&booted_vcpus, 1);
	if (v->error)
		return NULL;

	while (!atomic_load(&stop_vcpus)) {
		r = xorshift(&v->rng);
		s = &slots[r & 1];
		if (r % 100 < 95)
			page = (v->id * HOT_PAGES + (r >> 8) % HOT_PAGES) * 64;
		else
			page = (r >> 8) % SLOT_PAGES;
		stamp[1]++;
		if (r % 8 == 0) {
			v->error = guest_access(v, s->gpa + page * PAGE_SIZE,
						stamp, sizeof(stamp),
						S2MMU_ACCESS_READ);
			v->reads++;
		} else {
			v->error = guest_access(v, s->gpa + page * PAGE_SIZE +
						(r >> 32) % (PAGE_SIZE / 16) * 16,
						stamp, sizeof(stamp),
						S2MMU_ACCESS_WRITE);
			v->writes++;
		}
		if (v->error)
			return NULL;
	}
	return NULL;
}

/* Send the pages the dirty log of @s reports; returns how many, or -1. */
static long send_dirty(struct slot *s)
{
	struct s2mmu_dirty_log log = {
		.slot = s->id,
		.dirty_bitmap = (unsigned long)s->bitmap,
	};
	long sent = 0;
	__u64 page;

	/* Returns the log, clears it and write-protects the pages in it. */
	if (ioctl(vm, S2MMU_GET_DIRTY_LOG, &log)) {
		perror("S2MMU_GET_DIRTY_LOG");
		return -1;
	}
	for (page = 0; page < SLOT_PAGES; page++) {
		if (!(s->bitmap[page / 64] >> (page % 64) & 1))
			continue;
		memcpy(s->dest + page * PAGE_SIZE, s->mem + page * PAGE_SIZE,
		       PAGE_SIZE);
		sent++;
	}
	return sent;
}

static long send_round(void)
{
	long n, sent = 0;
	int i;

	for (i = 0; i < NR_SLOTS; i++) {
		n = send_dirty(&slots[i]);
		if (n < 0)
			return -1;
		sent += n;
	}
	return sent;
}

static int get_stats(struct s2mmu_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (ioctl(vm, S2MMU_GET_STATS, st)) {
		perror("S2MMU_GET_STATS");
		return -1;
	}
	return 0;
}

static void report_mmu(const char *what, const struct s2mmu_stats *a,
		       const struct s2mmu_stats *b)
{
	printf("stage-2 MMU %s:\n", what);
	printf("  faults            %llu translation, %llu access-flag, %llu permission\n",
	       b->faults_translation - a->faults_translation,
	       b->faults_access - a->faults_access,
	       b->faults_permission - a->faults_permission);
	printf("  spurious faults   %llu (nothing to change); %llu retried\n",
	       b->faults_spurious - a->faults_spurious,
	       b->fault_retries - a->fault_retries);
	printf("  break-before-make %llu\n", b->bbm - a->bbm);
	printf("  TLB invalidations %llu by IPA, %llu by range, %llu whole VMID, %llu local\n",
	       b->tlbi_ipa - a->tlbi_ipa, b->tlbi_range - a->tlbi_range,
	       b->tlbi_vmid - a->tlbi_vmid, b->tlbi_local - a->tlbi_local);
	printf("  mapped            %llu blocks (2 MiB), %llu pages; %llu dirty marks\n",
	       b->mapped_l2 - a->mapped_l2, b->mapped_l3 - a->mapped_l3,
	       b->dirty_marked - a->dirty_marked);
}

static int start_vcpus(void)
{
	int i;

	for (i = 0; i < NR_VCPUS; i++) {
		vcpus[i].id = i;
		vcpus[i].rng = 0x9e3779b97f4a7c15ULL * (i + 1);
		vcpus[i].fd = ioctl(vm, S2MMU_CREATE_VCPU, i);
		if (vcpus[i].fd < 0) {
			perror("S2MMU_CREATE_VCPU");
			return -1;
		}
		if (pthread_create(&vcpus[i].thread, NULL, vcpu_main, &vcpus[i]))
			return -1;
	}
	return 0;
}

static int stop_all_vcpus(void)
{
	int i, err = 0;

	atomic_store(&stop_vcpus, 1);
	for (i = 0; i < NR_VCPUS; i++) {
		pthread_join(vcpus[i].thread, NULL);
		if (vcpus[i].error) {
			fprintf(stderr, "vCPU %d: guest access failed: %s\n",
				i, strerror(-vcpus[i].error));
			err = -1;
		}
	}
	return err;
}

/*
 * The pre-copy loop.  Dirty logging on, all memory sent once, then rounds
 * of "send what was dirtied meanwhile" while the guest runs, until a round
 * is small enough to send with the guest stopped (or stops shrinking).
 */
static int migrate(void)
{
	long sent, best = -1;
	int i, round, stalled = 0;
	const char *why;

	for (i = 0; i < NR_SLOTS; i++)
		if (set_slot(&slots[i], S2MMU_MEM_LOG_DIRTY_PAGES)) {
			perror("enable dirty logging");
			return -1;
		}
	printf("migration (pre-copy, S2MMU_GET_DIRTY_LOG):\n");
	printf("  round %2d  %6lu pages sent (all of memory)\n", 0,
	       NR_SLOTS * SLOT_PAGES);
	for (i = 0; i < NR_SLOTS; i++)
		memcpy(slots[i].dest, slots[i].mem, SLOT_SIZE);

	for (round = 1; ; round++) {
		sent = send_round();
		if (sent < 0)
			return -1;
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
	printf("  converged after %d rounds: %s\n", round, why);

	if (stop_all_vcpus())
		return -1;
	sent = send_round();
	if (sent < 0)
		return -1;
	printf("  final     %6ld pages sent with the vCPUs stopped\n", sent);
	for (i = 0; i < NR_SLOTS; i++)
		if (set_slot(&slots[i], 0)) {
			perror("disable dirty logging");
			return -1;
		}
	return 0;
}

static int setup_vm(int dev)
{
	int i;

	vm = ioctl(dev, S2MMU_CREATE_VM, 0);
	if (vm < 0) {
		perror("S2MMU_CREATE_VM");
		return -1;
	}
	for (i = 0; i < NR_SLOTS; i++) {
		slots[i].id = i;
		slots[i].gpa = 0x40000000ULL * (i + 1);
		slots[i].thp = i == 1;
		slots[i].mem = alloc_guest_memory(slots[i].thp);
		slots[i].dest = malloc(SLOT_SIZE);
		slots[i].bitmap = calloc(SLOT_PAGES / 64, sizeof(__u64));
		if (!slots[i].mem || !slots[i].dest || !slots[i].bitmap)
			return -1;
		if (set_slot(&slots[i], 0)) {
			perror("S2MMU_SET_USER_MEMORY_REGION");
			return -1;
		}
		printf("slot %d: %lu MiB at IPA 0x%llx, %s\n", i, SLOT_SIZE >> 20,
		       slots[i].gpa, slots[i].thp ? "transparent huge pages" :
		       "4K pages");
	}
	return 0;
}

int main(void)
{
	struct s2mmu_stats created = { 0 }, booted, migrated;
	__u64 writes = 0, reads = 0;
	int dev, i, bad = 0;

	dev = open("/dev/s2mmu", O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		fprintf(stderr, "/dev/s2mmu: %s\n", strerror(errno));
		return 1;
	}
	if (report_features(dev) || setup_vm(dev) || start_vcpus())
		return 1;

	/* Wait until the guest has "booted": every page written once. */
	while (atomic_load(&booted_vcpus) < NR_VCPUS)
		usleep(10000);
	if (get_stats(&booted))
		return 1;
	printf("guest running on %d vCPUs: %llu blocks and %llu pages mapped so far\n",
	       NR_VCPUS, booted.mapped_l2, booted.mapped_l3);
	report_mmu("while the guest booted (first touch of its memory)",
		   &created, &booted);

	if (migrate() || get_stats(&migrated))
		return 1;
	for (i = 0; i < NR_VCPUS; i++) {
		writes += vcpus[i].writes;
		reads += vcpus[i].reads;
	}
	printf("guest: %llu writes and %llu reads after boot\n", writes, reads);
	report_mmu("after boot, through the migration", &booted, &migrated);

	for (i = 0; i < NR_SLOTS; i++)
		bad |= memcmp(slots[i].dest, slots[i].mem, SLOT_SIZE) != 0;
	printf("verify: destination %s guest memory (%lu pages)\n",
	       bad ? "DIFFERS FROM" : "equals", NR_SLOTS * SLOT_PAGES);
	return bad;
}
