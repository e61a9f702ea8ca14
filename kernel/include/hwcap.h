/* SPDX-License-Identifier: MIT */
/*
 * Hardware capabilities: a range of I/O ports, of physical memory that is
 * not RAM, or of interrupt lines. They live in name tables like port
 * rights (UK_RIGHT_HARDWARE), can be narrowed with cap_derive and sent in
 * messages. init starts with one covering each kind.
 */
#ifndef KERNEL_HWCAP_H
#define KERNEL_HWCAP_H

#include <stdint.h>
#include <uk/ipc.h>
#include <uk/types.h>

struct task;

struct hw_cap {
	uint32_t refs;
	uint32_t kind; /* enum uk_hw_kind */
	uint64_t base, size;
};

void hwcap_init(void);
void hwcap_ref(struct hw_cap *c);
void hwcap_unref(struct hw_cap *c);
/* The three root capabilities into t's table (init); names in out[3]. */
void hwcap_grant_roots(struct task *t, uint32_t out[UK_TASK_RIGHTS_MAX]);
/* An interrupt on a line that is not the kernel's: true if a driver's
 * port takes it (the line stays masked until irq_ack). */
#include <stdbool.h>
bool hwcap_irq(unsigned line);
/* Drop t's I/O bitmap (task teardown). */
void hwcap_task_release(struct task *t);

#endif
