/* SPDX-License-Identifier: MIT */
/*
 * Kernel log on the serial console. Lines are prefixed with the uptime and
 * a level; `loglevel=N` on the command line (0 error .. 3 debug) filters.
 */
#include <fmt.h>
#include <stdarg.h>

#include "arch.h"
#include "kernel.h"
#include "timer.h"

int log_level = LOG_INFO;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

static void puts_raw(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			arch_console_putc('\r');
		arch_console_putc(*s);
	}
}

void kprintf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	puts_raw(buf);
}

void klog(int level, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	uint64_t ms = timer_now_ns() / 1000000;

	if (level > log_level)
		return;
	snprintf(buf, sizeof(buf), "[%5lu.%03lu] %s: ", ms / 1000, ms % 1000,
		 level_names[level < 0 ? 0 : level > 3 ? 3 : level]);
	puts_raw(buf);
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	puts_raw(buf);
	puts_raw("\n");
}

/* Print the report and stop; in test mode QEMU exits with the panic code. */
__attribute__((noreturn)) static void stop(const char *prefix, const char *msg,
					   bool backtrace, const char *advice)
{
	puts_raw(prefix);
	puts_raw(msg);
	puts_raw("\n");
	if (backtrace)
		arch_backtrace(arch_current_frame_pointer(), 16);
	puts_raw(advice);
	arch_debug_exit(EXIT_CODE_PANIC);
	arch_halt();
}

void panic(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	stop("\nKERNEL PANIC: ", buf, true,
	     "The kernel stopped. This is a kernel bug: report the lines above.\n");
}

void boot_fail(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	stop("\nBOOT FAILED: ", buf, false,
	     "The kernel stopped: fix the boot configuration and boot again.\n");
}
