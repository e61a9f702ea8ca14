/* SPDX-License-Identifier: MIT */
/* Checked copies between kernel and user memory (see usercopy.h). */
#include "usercopy.h"

#include <string.h>
#include <uk/errors.h>

#include "arch.h"
#include "sched.h"
#include "task.h"
#include "vm.h"

int user_range_ok(uaddr_t addr, uint64_t len)
{
	if (addr < USER_BASE || addr >= USER_TOP)
		return len == 0 && addr == 0 ? 0 : -ERR_FAULT;
	if (len > USER_TOP - addr)
		return -ERR_FAULT;
	return 0;
}

/* Another task's page, a demand-zero one filled on the way (vm.h). */
bool user_page(struct task *t, uaddr_t uaddr, bool write, uint64_t *pa)
{
	if (arch_translate(t->aspace_root, uaddr, write, pa))
		return true;
	return vm_kernel_fault(t, uaddr, write ? VM_FAULT_WRITE : 0) == 0 &&
	       arch_translate(t->aspace_root, uaddr, write, pa);
}

static int copy(struct task *t, uaddr_t uaddr, void *kbuf, size_t len,
		bool to_user)
{
	if (len == 0)
		return 0;
	if (user_range_ok(uaddr, len) < 0)
		return -ERR_FAULT;
	/* The caller's own memory: straight through its page tables, with
	 * faults caught (no page walk in software). */
	if (t == current->task) {
		int fault = to_user ? arch_copy_user((void *)uaddr, kbuf, len)
				    : arch_copy_user(kbuf, (const void *)uaddr, len);
		return fault ? -ERR_FAULT : 0;
	}
	while (len) {
		uint64_t pa;
		size_t chunk = PAGE_SIZE - (uaddr & ~PAGE_MASK);
		if (chunk > len)
			chunk = len;
		if (!user_page(t, uaddr, to_user, &pa))
			return -ERR_FAULT;
		if (to_user)
			memcpy(arch_phys_to_virt(pa), kbuf, chunk);
		else
			memcpy(kbuf, arch_phys_to_virt(pa), chunk);
		uaddr += chunk;
		kbuf = (char *)kbuf + chunk;
		len -= chunk;
	}
	return 0;
}

int copy_from_user(struct task *t, void *dst, uaddr_t src, size_t len)
{
	return copy(t, src, dst, len, false);
}

int copy_to_user(struct task *t, uaddr_t dst, const void *src, size_t len)
{
	return copy(t, dst, (void *)src, len, true);
}

int copy_into_task(struct task *t, uaddr_t dst, const void *src, size_t len)
{
	const char *s = src;

	if (user_range_ok(dst, len) < 0)
		return -ERR_FAULT;
	while (len) {
		uint64_t pa;
		size_t chunk = PAGE_SIZE - (dst & ~PAGE_MASK);
		if (chunk > len)
			chunk = len;
		if (!user_page(t, dst, false, &pa))
			return -ERR_FAULT;
		memcpy(arch_phys_to_virt(pa), s, chunk);
		dst += chunk;
		s += chunk;
		len -= chunk;
	}
	return 0;
}
