/* SPDX-License-Identifier: MIT */
/*
 * Hardware capabilities: a range of I/O ports, of physical memory that is
 * not RAM, or of interrupt lines. They live in name tables like port
 * rights (UK_RIGHT_HARDWARE), can be narrowed with cap_derive and sent in
 * messages. init starts with one covering each kind.
 *
 * Derived capabilities form a tree: each holds a counted reference to the
 * one it was derived from, so an ancestor outlives its descendants.
 * cap_revoke marks every descendant of a capability revoked (the
 * capability itself stays valid) and undoes what they allowed: the device
 * memory mapped, the interrupt lines bound and the I/O ports enabled with
 * them. A revoked capability answers ERR_DEAD until its names are dropped.
 * Ports io_enable opened stay open while the capability lives (a name, a
 * copy, a child or a mapping holds it); its end closes them, as revocation
 * does.
 */
#ifndef KERNEL_HWCAP_H
#define KERNEL_HWCAP_H

#include <stdbool.h>
#include <stdint.h>
#include <uk/ipc.h>
#include <uk/types.h>

#include "list.h"

struct account;
struct task;

struct hw_cap {
	uint32_t refs;
	uint32_t kind; /* enum uk_hw_kind */
	uint64_t base, size;
	struct hw_cap *parent; /* counted reference; NULL for a root */
	struct list_node link; /* every live capability (cap_revoke walks it) */
	uint32_t io_enables;   /* task io_enabled slots naming it */
	bool revoked;
	struct account *account; /* of the task that made it: charged for it */
};

/* Capabilities one task may have io_enabled at once (ERR_LIMIT beyond). */
#define HWCAP_IO_ENABLES_MAX 16

void hwcap_init(void);
void hwcap_ref(struct hw_cap *c);
void hwcap_unref(struct hw_cap *c);
/* The three root capabilities into t's table (init); names in out[3]. */
void hwcap_grant_roots(struct task *t, uk_name_t out[UK_TASK_RIGHTS_MAX]);
/* An interrupt on a line that is not the kernel's: true if a driver's
 * port takes it (the line stays masked until irq_ack). */
bool hwcap_irq(unsigned line);
/* Drop t's I/O bitmap and the capabilities it io_enabled (task teardown,
 * once none of its threads runs). Idempotent. */
void hwcap_task_release(struct task *t);

#endif
