/* SPDX-License-Identifier: MIT */
/*
 * The interface generic kernel code uses to reach the platform. Generic code
 * includes only this header; each architecture implements it under
 * kernel/arch/<arch>/.
 */
#ifndef KERNEL_ARCH_H
#define KERNEL_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#include <arch/thread.h>	/* struct arch_thread */
#include <arch/trap_frame.h>	/* struct trap_frame (opaque to generic code) */

#define PAGE_SIZE 4096ull
#define PAGE_MASK (~(PAGE_SIZE - 1))

/* User addresses are [USER_BASE, USER_TOP). The top page below the canonical
 * hole is never mapped, so a syscall instruction's return address is always
 * canonical. */
#define USER_BASE 0x1000ull
#define USER_TOP 0x00007ffffffff000ull

struct account;
struct thread;

/* Early bring-up: console, descriptor tables, traps. */
void arch_console_init(void);
void arch_console_putc(char c);
void arch_early_init(void);
/* After memory is up: timer, syscalls. */
void arch_late_init(unsigned timer_hz);

/* The CPU. What it is and which protections are on, for UK_KINFO_CPU
 * (every field but tsc, which is the generic kernel's to know). */
struct uk_kinfo_cpu;
void arch_cpu_info(struct uk_kinfo_cpu *out);
/* One boot line: the CPU, its physical address width, what is enabled. */
void arch_cpu_report(void);
/* Physical addresses the CPU can put in a page table are below this
 * (2^MAXPHYADDR): RAM above it is unusable, device memory unmappable. */
uint64_t arch_phys_limit(void);

/* Physical memory through the kernel's direct map. */
void *arch_phys_to_virt(uint64_t phys);
uint64_t arch_virt_to_phys(const void *virt);

/* Page tables. Flags for arch_map_page. */
#define MAP_WRITE 0x1u
#define MAP_EXEC 0x2u
#define MAP_USER 0x4u
#define MAP_NOT_OWNED 0x8u /* frame is not the address space's to free */
#define MAP_UNCACHED 0x10u /* device memory */
#define MAP_COW 0x20u /* copy-on-write: read-only until written (cow.h) */

/* Build the kernel's own tables (direct map of [0, phys_end)), drop the
 * boot identity map. */
int arch_paging_init(uint64_t phys_end);
/* A new address space sharing the kernel half; *root is its physical root.
 * Its user tables are charged to a (quota.h): 0, ERR_LIMIT or
 * ERR_NO_MEMORY. */
int arch_aspace_create(struct account *a, uint64_t *root);
/* Free every user page table and every frame the address space owns,
 * uncharging them from a, the account it was made with. The address space
 * must not be the active one. */
void arch_aspace_destroy(struct account *a, uint64_t root);
/* Map one user page; tables it needs are charged to a, the address
 * space's account. 0, ERR_LIMIT, ERR_NO_MEMORY or ERR_INVALID. */
int arch_map_page(struct account *a, uint64_t root, uint64_t va, uint64_t pa,
		  unsigned flags);
/* Unmap one page; returns true if something was mapped, with its frame and
 * whether the address space owned it. */
bool arch_unmap_page(uint64_t root, uint64_t va, uint64_t *pa, bool *owned);
/* The first page-aligned address in [va, end) whose leaf page table
 * exists (end if none): a walk over a sparse range skips what no table
 * covers. */
uint64_t arch_next_mapped(uint64_t root, uint64_t va, uint64_t end);
/* Translate a user address: true when mapped and user-accessible (and
 * writable if want_write). */
bool arch_translate(uint64_t root, uint64_t va, bool want_write, uint64_t *pa);
/* A user page's state: ARCH_PAGE_PRESENT (its frame in *pa), and
 * ARCH_PAGE_DIRTY when written since it was mapped or its dirty bit was
 * last cleared (clear_dirty clears it). A write by the kernel through
 * arch_translate(want_write) counts. */
#define ARCH_PAGE_PRESENT 0x1
#define ARCH_PAGE_DIRTY 0x2
#define ARCH_PAGE_COW 0x4   /* mapped with MAP_COW */
#define ARCH_PAGE_OWNED 0x8 /* not MAP_NOT_OWNED */
int arch_page_state(uint64_t root, uint64_t va, bool clear_dirty,
		    uint64_t *pa);
/* Unmap one page and return the state it had (0: nothing was mapped). */
int arch_unmap_page_state(uint64_t root, uint64_t va, uint64_t *pa);
void arch_activate_aspace(uint64_t root);
uint64_t arch_kernel_root(void);
/* Check every present entry of the kernel's tables, and of root's user
 * half unless root is 0, against the entry formats of the CPU (reserved
 * bits for its MAXPHYADDR and NX setting) and the kernel's own rules.
 * Returns the number of entries checked; panics naming a bad entry. */
uint64_t arch_paging_audit(uint64_t root);
/* selftest_paging_bad: plant an entry with a reserved bit in an unused
 * kernel slot, so the audit has something to find. */
void arch_paging_plant_bad_entry(void);

/* Threads. */
/* Prepare a thread's kernel stack so its first switch enters user mode at
 * entry with the given stack pointer and first argument. */
void arch_thread_init_user(struct thread *t, uint64_t entry, uint64_t stack,
			   uint64_t arg);
/* Switch kernel stacks from prev to next (both running in kernel mode). */
void arch_switch(struct thread *prev, struct thread *next);

/* Syscall frame access: inline, from the platform's trap frame header. */
#include <arch/syscall_frame.h>
bool arch_frame_from_user(const struct trap_frame *f);
uint64_t arch_frame_ip(const struct trap_frame *f);

/* Port I/O permission: load a task's 8 KiB bitmap (1 = denied), or none
 * (NULL: every port denied). owner identifies the bitmap so an unchanged
 * one is not copied again; forget makes the next load copy. */
#define UK_IO_BITMAP_BYTES 8192u
void arch_set_io_bitmap(const uint8_t *bitmap, const void *owner);
void arch_forget_io_bitmap(const void *owner);
/* Interrupt lines. */
void arch_irq_mask(unsigned irq);
void arch_irq_unmask(unsigned irq);

/* Copy to or from the active address space's user memory, catching page
 * faults: 0 or 1 on a fault. The caller checks the range first. */
int arch_copy_user(void *dst, const void *src, uint64_t len);

/* CPU. */
void arch_idle(void);		/* enable interrupts, halt until one arrives */
__attribute__((noreturn)) void arch_halt(void);
uint64_t arch_cycles(void);	/* rdtsc */
/* Seconds since 1970-01-01 UTC from the real-time clock, 0 if it has none
 * or it reads garbage. Slow (I/O ports): read once at boot. */
uint64_t arch_wall_clock(void);
/* Ask the emulator to exit with a status (isa-debug-exit); no-op on
 * hardware without the device. */
void arch_debug_exit(unsigned code);
/* Print a frame-pointer backtrace starting at rbp. */
void arch_backtrace(uint64_t rbp, int max_frames);
uint64_t arch_current_frame_pointer(void);

#endif
