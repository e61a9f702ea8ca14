/* SPDX-License-Identifier: MIT */
/*
 * Boot self-tests of the CPU protections, asked for on the command line and
 * run once init exists, before it first runs. Each does what its protection
 * forbids, so the expected outcome is the kernel panic the harness checks
 * for; a protection the CPU lacks is reported as a failure, never as a pass.
 *   selftest_paging      audit init's page tables as well as the kernel's
 *   selftest_paging_bad  plant a reserved bit first: the audit must panic
 *   selftest_smap        read a user page outside the copy window
 *   selftest_smep        call into an executable user page
 */
#include "selftest.h"

#include <cmdline.h>
#include <string.h>
#include <uk/types.h>

#include "arch.h"
#include "kernel.h"
#include "task.h"
#include "usercopy.h"
#include "vm.h"

__attribute__((noreturn)) static void selftest_failed(void)
{
	kprintf("kernel: powering off (self-test), status fail\n");
	arch_debug_exit(EXIT_CODE_FAIL);
	arch_halt();
}

static bool enabled(uint32_t feature)
{
	struct uk_kinfo_cpu c;

	arch_cpu_info(&c);
	return c.enabled & feature;
}

/* A fresh page in t holding one `ret`, readable and executable for t;
 * t's address space becomes the active one. */
static uint64_t user_page_with_ret(struct task *t)
{
	static const uint8_t ret = 0xc3;
	uint64_t addr;

	if (vm_map_anonymous(t, 0, PAGE_SIZE, UK_VM_READ | UK_VM_EXEC,
			     VM_ANONYMOUS, &addr) < 0 ||
	    copy_into_task(t, addr, &ret, 1) < 0)
		panic("self-test: cannot map a page into %s", t->name);
	arch_activate_aspace(t->aspace_root);
	return addr;
}

static void selftest_smap(struct task *init)
{
	if (!enabled(UK_CPU_SMAP)) {
		kprintf("selftest_smap: SMAP not available\n");
		selftest_failed();
	}
	uint64_t addr = user_page_with_ret(init);
	klog(LOG_WARN,
	     "selftest_smap: reading user address %lx outside the copy window",
	     addr);
	uint8_t byte = *(volatile const uint8_t *)addr;
	kprintf("selftest_smap: the kernel read user memory (%02x): SMAP did "
		"not stop it\n",
		byte);
	selftest_failed();
}

static void selftest_smep(struct task *init)
{
	if (!enabled(UK_CPU_SMEP)) {
		kprintf("selftest_smep: SMEP not available\n");
		selftest_failed();
	}
	uint64_t addr = user_page_with_ret(init);
	klog(LOG_WARN, "selftest_smep: calling user address %lx", addr);
	((void (*)(void))addr)();
	kprintf("selftest_smep: the kernel ran a user page: SMEP did not stop "
		"it\n");
	selftest_failed();
}

void selftest_boot(struct task *init)
{
	/* Every boot passes here: one scan when no self-test is named. */
	if (!strstr(kernel_cmdline, "selftest_"))
		return;
	if (cmdline_has(kernel_cmdline, "selftest_paging")) {
		uint64_t n = arch_paging_audit(init->aspace_root);
		klog(LOG_INFO,
		     "paging: audit passed, %lu entries (kernel and %s)", n,
		     init->name);
	}
	if (cmdline_has(kernel_cmdline, "selftest_smap"))
		selftest_smap(init);
	if (cmdline_has(kernel_cmdline, "selftest_smep"))
		selftest_smep(init);
}
