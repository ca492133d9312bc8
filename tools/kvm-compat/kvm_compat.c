// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-compat: the link-time wrappers and the table of the file descriptors
 * the layer handed out.  The KVM selftests are static binaries in the test
 * VM's initramfs, where LD_PRELOAD cannot reach them; ld's --wrap sends
 * their open(), ioctl(), mmap() and close() here instead.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm_compat.h"

#define KC_MAX_FDS	4096

/*
 * fd -> what it is.  Written when a fd is created or closed, read by every
 * ioctl from every thread: a mutex keeps the pair consistent.  An object
 * is freed only by close(), which a program never does while another of
 * its threads still uses that fd.
 */
static struct {
	enum kc_kind kind;
	void *obj;
} kc_files[KC_MAX_FDS];
static pthread_mutex_t kc_files_lock = PTHREAD_MUTEX_INITIALIZER;

/* Module-wide facts, the same for every open: the last one writes them. */
struct s2mmu_features kc_feat;
size_t kc_srun_size;

int kc_add(int fd, enum kc_kind kind, void *obj)
{
	if (fd < 0 || fd >= KC_MAX_FDS)
		return -EMFILE;
	pthread_mutex_lock(&kc_files_lock);
	kc_files[fd].kind = kind;
	kc_files[fd].obj = obj;
	pthread_mutex_unlock(&kc_files_lock);
	return 0;
}

enum kc_kind kc_lookup(int fd, void **obj)
{
	enum kc_kind kind = KC_NONE;

	if (fd < 0 || fd >= KC_MAX_FDS)
		return KC_NONE;
	pthread_mutex_lock(&kc_files_lock);
	kind = kc_files[fd].kind;
	*obj = kc_files[fd].obj;
	pthread_mutex_unlock(&kc_files_lock);
	return kind;
}

static enum kc_kind kc_remove(int fd, void **obj)
{
	enum kc_kind kind;

	if (fd < 0 || fd >= KC_MAX_FDS)
		return KC_NONE;
	pthread_mutex_lock(&kc_files_lock);
	kind = kc_files[fd].kind;
	*obj = kc_files[fd].obj;
	kc_files[fd].kind = KC_NONE;
	kc_files[fd].obj = NULL;
	pthread_mutex_unlock(&kc_files_lock);
	return kind;
}

/* The size of the program's struct kvm_run mapping: whole pages. */
size_t kc_run_size(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (sizeof(struct kvm_run) + page - 1) / page * page;
}

/*
 * KVM_COMPAT_BACKEND=s2mmu or =kvm chooses; without it the layer steps in
 * only where /dev/kvm does not exist (the kvm-arm.mode=none boot).
 */
static bool kc_use_s2mmu(void)
{
	const char *backend = getenv("KVM_COMPAT_BACKEND");

	if (backend && !strcmp(backend, "s2mmu"))
		return true;
	if (backend && !strcmp(backend, "kvm"))
		return false;
	return access("/dev/kvm", F_OK) != 0;
}

/* "/dev/kvm" on s2mmu: a /dev/s2mmu fd. */
static int kc_open_system(void)
{
	struct s2mmu_features feat;
	int fd, err;

	fd = __real_open("/dev/s2mmu", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		fprintf(stderr, "kvm-compat: /dev/s2mmu: %s\n", strerror(err));
		errno = err;
		return -1;
	}
	err = kc_features(fd, &feat);
	if (!err)
		err = kc_ioctl(fd, S2MMU_GET_VCPU_MMAP_SIZE, 0);
	if (err > 0) {
		kc_srun_size = err;
		kc_feat = feat;
		err = kc_add(fd, KC_SYSTEM, NULL);
	}
	if (err) {
		__real_close(fd);
		errno = -err;
		return -1;
	}
	return fd;
}

/*
 * The selftests print with stdio into a file or pipe, fully buffered: a
 * program the harness kills at its timeout would lose all it printed.
 */
static void __attribute__((constructor)) kc_line_buffered(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

int __wrap_open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & (O_CREAT | __O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (strcmp(path, "/dev/kvm") || !kc_use_s2mmu())
		return __real_open(path, flags, mode);
	return kc_open_system();
}

int kc_sys_ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	switch (cmd) {
	case KVM_GET_API_VERSION:
		return KVM_API_VERSION;
	case KVM_CHECK_EXTENSION:
		return (int)kc_check_extension((long)arg);
	case KVM_CREATE_VM:
		return kc_create_vm(fd, arg);
	case KVM_GET_VCPU_MMAP_SIZE:
		return (int)kc_run_size();
	default:
		return -EINVAL;
	}
}

int __wrap_ioctl(int fd, unsigned long cmd, ...)
{
	unsigned long arg;
	void *obj;
	va_list ap;
	int ret;

	va_start(ap, cmd);
	arg = va_arg(ap, unsigned long);
	va_end(ap);

	switch (kc_lookup(fd, &obj)) {
	case KC_SYSTEM:
		ret = kc_sys_ioctl(fd, cmd, arg);
		break;
	case KC_VM:
		ret = kc_vm_ioctl(obj, cmd, arg);
		break;
	case KC_VCPU:
		ret = kc_vcpu_ioctl(obj, cmd, arg);
		break;
	default:
		return __real_ioctl(fd, cmd, arg);
	}
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd,
		  long offset)
{
	void *obj;
	int ret;

	if (kc_lookup(fd, &obj) != KC_VCPU)
		return __real_mmap(addr, len, prot, flags, fd, offset);
	ret = kc_vcpu_mmap(obj, &addr, len, prot, flags, offset);
	if (ret < 0) {
		errno = -ret;
		return MAP_FAILED;
	}
	return addr;
}

int __wrap_close(int fd)
{
	void *obj;

	switch (kc_remove(fd, &obj)) {
	case KC_VM:
		kc_vm_free(obj);
		break;
	case KC_VCPU:
		kc_vcpu_free(obj);
		break;
	default:
		break;
	}
	return __real_close(fd);
}
