/* SPDX-License-Identifier: MIT */
/*
 * The only way the kernel touches user memory. Every user address and
 * length is checked against the user window and the task's page tables
 * (present, user, writable for writes) page by page; the copy goes through
 * the direct map, so a bad pointer is an error code, never a kernel fault.
 * Safe without locks: the kernel is not preemptible and runs on one CPU.
 */
#ifndef KERNEL_USERCOPY_H
#define KERNEL_USERCOPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t uaddr_t;

struct task;

/* 0 or -ERR_FAULT. */
int copy_from_user(struct task *t, void *dst, uaddr_t src, size_t len);
int copy_to_user(struct task *t, uaddr_t dst, const void *src, size_t len);
/* Kernel-internal: write into t's mapped user pages even where the task
 * itself may not write (loading read-only segments). */
int copy_into_task(struct task *t, uaddr_t dst, const void *src, size_t len);
/* Check that [addr, addr + len) is a valid user range (no page check). */
int user_range_ok(uaddr_t addr, uint64_t len);
/* Translate t's user page at uaddr (writable if write), filling a
 * demand-zero page first if it is one (never blocks). */
bool user_page(struct task *t, uaddr_t uaddr, bool write, uint64_t *pa);

#endif
