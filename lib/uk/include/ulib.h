/* SPDX-License-Identifier: MIT */
/*
 * The user runtime: what a program gets besides the raw syscall stubs of
 * <uk/syscall.h>. Programs define int main(int argc, char **argv).
 */
#ifndef ULIB_H
#define ULIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fmt.h>
#include <uk/errors.h>
#include <uk/syscall.h>
#include <uk/types.h>

/* The startup block of this task (argv, boot archive, command line). */
extern const struct uk_startup *uk_startup_info;

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int puts(const char *s);
__attribute__((noreturn)) void exit(int code);

void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void free(void *p);

/* Start the program in image (an ELF in this task's memory) as a child
 * task with the given name and NULL-terminated argv. Returns the task id
 * or a negative error. */
long spawn_image(const void *image, size_t len, const char *name,
		 const char *const argv[], int priority);
/* The same, giving the child rights (uk_startup.rights in the child). */
long spawn_image_rights(const void *image, size_t len, const char *name,
			const char *const argv[], int priority,
			const struct uk_task_right *rights, unsigned n_rights);
/* Wait for a child (0: any) with a timeout; fills status. */
long wait_task(uint64_t task, struct uk_exit_status *status, uint64_t timeout_ns);

/* The kernel command line (init only) and a value from it. */
const char *cmdline(void);
int cmdline_value(const char *key, char *out, size_t out_len);

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

#endif
