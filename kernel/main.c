/* SPDX-License-Identifier: MIT */
/*
 * Kernel entry. Order matters: the Multiboot information is copied out
 * before the frame allocator may reuse its memory; the frame allocator
 * exists before paging_init takes frames for the direct map; every
 * subsystem exists before init, the first task, starts.
 */
#include <cpio.h>
#include <string.h>
#include <uk/errors.h>
#include <uk/types.h>

#include "arch.h"
#include "cmdline.h"
#include "frame.h"
#include "hwcap.h"
#include "ipc.h"
#include "cow.h"
#include "kernel.h"
#include "loader.h"
#include "multiboot.h"
#include "pager.h"
#include "quota.h"
#include "sched.h"
#include "selftest.h"
#include "slab.h"
#include "task.h"
#include "thread.h"
#include "timer.h"
#include "vm.h"

#define MAX_PHYS (16ull << 30) /* memory above 16 GiB is ignored */
#define MAX_MMAP 32
#define CMDLINE_MAX 512

extern char _load_start[], _bss_end[], boot_stack_top[];
extern uint64_t boot_tsc; /* boot.S: cycle counter at the first instruction */

const char *kernel_cmdline = "";
bool test_mode;
uint64_t boot_entry_tsc;
uint64_t boot_wall_clock, boot_epoch;

static char cmdline_buf[CMDLINE_MAX];
static struct { uint64_t addr, len; } ram[MAX_MMAP];
static unsigned ram_count;
static uint64_t module_start, module_end; /* the boot archive */
static unsigned module_count;

static struct frame_allocator frames;
static uint64_t frame_bitmap[MAX_PHYS / FRAME_SIZE / 64];

bool phys_is_ram(uint64_t pa)
{
	for (unsigned i = 0; i < ram_count; i++)
		if (pa >= ram[i].addr && pa - ram[i].addr < ram[i].len)
			return true;
	return pa < 0x100000; /* firmware, BIOS data, VGA: never handed out */
}

bool kframe_alloc(uint64_t *phys)
{
	return frame_alloc(&frames, phys);
}

bool kframe_alloc_contiguous(uint64_t count, uint64_t *phys)
{
	/* One frame is always contiguous: take the fast, hinted search. */
	if (count == 1)
		return frame_alloc(&frames, phys);
	return frame_alloc_contiguous(&frames, count, 1, phys);
}

void kframe_free(uint64_t phys)
{
	if (!frame_free(&frames, phys))
		panic("freeing frame %lx that is not in use", phys);
}

uint64_t kframe_free_count(void)
{
	return frames.free;
}

uint64_t kframe_total_count(void)
{
	return frames.total;
}

/* Before paging_init, low physical memory is reachable at KERNEL_VMA. */
static const void *early_phys(uint64_t pa)
{
	return (const void *)(0xffffffff80000000ull + pa);
}

static void parse_multiboot(uint64_t info_pa)
{
	const struct multiboot_info *mb = early_phys(info_pa);

	if (mb->flags & MB_INFO_CMDLINE) {
		strlcpy(cmdline_buf, early_phys(mb->cmdline), sizeof(cmdline_buf));
		kernel_cmdline = cmdline_buf;
	}
	if (!(mb->flags & MB_INFO_MMAP))
		boot_fail("the boot loader gave no memory map; boot with a Multiboot "
		      "loader that provides one (QEMU -kernel, iPXE, GRUB)");
	for (uint64_t off = 0; off < mb->mmap_length;) {
		const struct multiboot_mmap_entry *e =
			early_phys(mb->mmap_addr + off);
		if (e->type == 1 && ram_count < MAX_MMAP) {
			ram[ram_count].addr = e->addr;
			ram[ram_count].len = e->len;
			ram_count++;
		}
		off += e->size + 4;
	}
	if (mb->flags & MB_INFO_MODS && mb->mods_count) {
		const struct multiboot_module *m = early_phys(mb->mods_addr);
		module_count = mb->mods_count;
		module_start = m[0].start;
		module_end = m[0].end;
	}
}

static uint64_t memory_init(void)
{
	uint64_t phys_end = 0;
	/* RAM at or above 2^MAXPHYADDR cannot be put in a page table (the
	 * address bits would be reserved ones): it is left out. */
	uint64_t limit = MAX_PHYS < arch_phys_limit() ? MAX_PHYS : arch_phys_limit();

	for (unsigned i = 0; i < ram_count; i++) {
		uint64_t end = ram[i].addr + ram[i].len;
		if (end > limit)
			end = limit;
		if (end > phys_end)
			phys_end = end;
	}
	/* The bitmap covers only the memory there is. */
	frame_init(&frames, frame_bitmap, phys_end / FRAME_SIZE);
	for (unsigned i = 0; i < ram_count; i++)
		frame_add_range(&frames, ram[i].addr, ram[i].addr + ram[i].len);
	/* Firmware area, the kernel image with its bss, and the boot archive. */
	frame_reserve_range(&frames, 0, 0x100000);
	frame_reserve_range(&frames, (uint64_t)_load_start,
			    (uint64_t)_bss_end);
	if (module_end > module_start)
		frame_reserve_range(&frames, module_start, module_end);
	return phys_end;
}

void init_exited(const struct uk_exit_status *st)
{
	bool ok = st->reason == UK_EXIT_NORMAL && st->code == 0;

	klog(LOG_INFO, "init ended (%s, code %ld)",
	     st->reason == UK_EXIT_NORMAL ? "exit"
	     : st->reason == UK_EXIT_FAULT ? "fault"
					    : "killed",
	     st->code);
	if (test_mode) {
		kprintf("kernel: powering off (test mode), status %s\n",
			ok ? "pass" : "fail");
		arch_debug_exit(ok ? EXIT_CODE_PASS : EXIT_CODE_FAIL);
	}
}

static struct task *start_init(void)
{
	struct cpio_entry e;
	const char *reason = NULL;
	uint64_t id;

	if (module_count == 0)
		boot_fail("no boot archive: pass the boot archive as the first "
		      "Multiboot module (QEMU -initrd, iPXE `module`)");
	uint64_t len = module_end - module_start;
	const void *archive = arch_phys_to_virt(module_start);
	int rc = cpio_first_file(archive, len, &e);
	if (rc != CPIO_ENTRY)
		boot_fail("boot archive is not a cpio newc archive with a program in it "
		      "(reader status %d); rebuild it with boot/mkarchive", rc);
	klog(LOG_INFO, "boot archive: %lu bytes at %lx, init is %s (%lu bytes)",
	     len, module_start, e.name, e.size);

	struct image_source src = {
		.read = image_source_kernel_read,
		.kernel_base = e.data,
		.len = e.size,
	};
	static const char argv[] = "init";
	struct loader_request req = {
		.name = "init",
		.priority = UK_PRIORITY_DEFAULT,
		.argc = 1,
		.argv_blob = argv,
		.argv_len = sizeof(argv),
		.boot_archive_phys = module_start & PAGE_MASK,
		.boot_archive_len = module_end - (module_start & PAGE_MASK),
		.cmdline = kernel_cmdline,
		.grant_hardware = true,
	};
	rc = loader_create_task(&src, &req, &id, &reason);
	if (rc < 0)
		boot_fail("cannot start init: %s%s%s", err_str(rc),
		      reason ? ": " : "", reason ? reason : "");
	kprintf("kernel: entry tsc %lu, starting init\n", boot_entry_tsc);
	return task_lookup(id);
}

static struct thread idle_thread;

void kmain(uint32_t magic, uint64_t info_pa);
void kmain(uint32_t magic, uint64_t info_pa)
{
	uint64_t level, phys_end;

	boot_entry_tsc = boot_tsc;
	arch_early_init();
	kprintf("\nuk microkernel (x86_64) booting\n");
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
		boot_fail("not started by a Multiboot loader (magic %x)", magic);
	parse_multiboot(info_pa);
	if (cmdline_get_u64(kernel_cmdline, "loglevel", &level) == CMDLINE_FOUND)
		log_level = level > LOG_DEBUG ? LOG_DEBUG : (int)level;
	test_mode = cmdline_has(kernel_cmdline, "test");
	syscall_set_trace(cmdline_has(kernel_cmdline, "trace"));
	klog(LOG_INFO, "command line: %s", kernel_cmdline);
	boot_wall_clock = arch_wall_clock();
	boot_epoch = boot_wall_clock << 32 | (arch_cycles() & 0xffffffffu);
	if (!boot_epoch)
		boot_epoch = 1;
	klog(LOG_INFO, "clock: %lu s since 1970, boot epoch %lx", boot_wall_clock,
	     boot_epoch);

	phys_end = memory_init();
	if (arch_paging_init(phys_end) < 0)
		panic("out of memory while building the kernel page tables");
	klog(LOG_INFO, "memory: %lu MiB usable, %lu frames free",
	     frames.total * FRAME_SIZE >> 20, frames.free);
	arch_cpu_report();
	/* The kernel's own tables against this CPU's entry formats: about a
	 * thousand entries, and the check a new CPU most needs. */
	if (strstr(kernel_cmdline, "selftest_") &&
	    cmdline_has(kernel_cmdline, "selftest_paging_bad"))
		arch_paging_plant_bad_entry();
	klog(LOG_INFO, "paging: audit passed, %lu entries", arch_paging_audit(0));

	/* A deliberate kernel fault, so tests can check the panic path. */
	if (cmdline_has(kernel_cmdline, "selftest_kernel_fault")) {
		klog(LOG_WARN, "selftest_kernel_fault: dereferencing NULL in the kernel");
		static volatile uint64_t *volatile null_pointer;
		*(volatile uint64_t *)arch_phys_to_virt(0) = null_pointer[2];
	}

	/* init's account is all of memory; every other is carved from it. */
	quota_init(frames.total * FRAME_SIZE);
	task_init();
	thread_init();
	vm_init();
	if (!cow_init(frames.nframes))
		klog(LOG_WARN, "cow: no table: out-of-line COPY copies");
	pager_init();
	ipc_init();
	hwcap_init();
	idle_thread.arch.kernel_stack_top = (uint64_t)boot_stack_top;
	sched_init(&idle_thread);
	arch_late_init(TIMER_HZ);
	selftest_boot(start_init());
	sched_start();
}
