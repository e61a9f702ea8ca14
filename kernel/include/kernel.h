/* SPDX-License-Identifier: MIT */
/* Kernel-wide services: log, panic, frames, and the entry points arch calls. */
#ifndef KERNEL_KERNEL_H
#define KERNEL_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };
extern int log_level;

void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void klog(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A kernel bug: message, backtrace, stop. */
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);
/* The boot configuration makes running impossible (no memory map, no boot
 * archive): say what to fix and stop. Not a kernel bug. */
__attribute__((noreturn, format(printf, 1, 2))) void boot_fail(const char *fmt, ...);

#define kassert(cond)                                                        \
	do {                                                                 \
		if (!(cond))                                                 \
			panic("assertion failed: %s at %s:%d", #cond,        \
			      __FILE__, __LINE__);                           \
	} while (0)

/* Physical frames (frame.c state owned by main.c). */
bool kframe_alloc(uint64_t *phys);
bool kframe_alloc_contiguous(uint64_t count, uint64_t *phys);
void kframe_free(uint64_t phys);
uint64_t kframe_free_count(void);
uint64_t kframe_total_count(void);
/* True for RAM (and the first MiB): never mappable as device memory. */
bool phys_is_ram(uint64_t pa);

/* Boot configuration. */
extern const char *kernel_cmdline;
extern bool test_mode;	   /* test=...: power off with init's status */
extern uint64_t boot_entry_tsc;
extern uint64_t boot_wall_clock; /* arch_wall_clock() at boot */
extern uint64_t boot_epoch;	   /* kinfo UK_KINFO_BOOT: differs per boot */

/* Called by the platform code. */
struct fault_info {
	unsigned vector;
	uint64_t error;
	uint64_t ip;
	uint64_t addr;
	const char *name;
	/* The exit status's code: 0 gives -1; a window's fault gives the
	 * pager's error (ERR_TIMED_OUT, ERR_DEAD or its refusal). */
	int64_t code;
};
__attribute__((noreturn)) void task_fault(const struct fault_info *info);
void irq_handle(unsigned irq);
/* Init (task slot 1) ended: in test mode the machine powers off with its
 * status. */
struct uk_exit_status;
void init_exited(const struct uk_exit_status *status);
void sched_preempt_point(void);
void sched_switch_finish(void);
struct trap_frame;
void syscall_dispatch(struct trap_frame *f);
/* Log every syscall at debug level (command line flag `trace`). */
void syscall_set_trace(bool on);

/* Debug-exit codes in test mode (QEMU exits with code * 2 + 1). */
#define EXIT_CODE_PASS 0
#define EXIT_CODE_FAIL 1
#define EXIT_CODE_PANIC 0x7f

#endif
