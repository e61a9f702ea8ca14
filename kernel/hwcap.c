/* SPDX-License-Identifier: MIT */
/* Hardware capabilities: not implemented yet (see the IPC issue). */
#include <uk/errors.h>

#include "syscall_table.h"

int64_t sys_cap_derive(uint64_t name, uint64_t base, uint64_t size) { return -ERR_UNSUPPORTED; }
int64_t sys_cap_info(uint64_t name, uaddr_t info) { return -ERR_UNSUPPORTED; }
int64_t sys_io_enable(uint64_t name) { return -ERR_UNSUPPORTED; }
int64_t sys_phys_map(uint64_t name, uint64_t offset, uint64_t size, uint64_t flags) { return -ERR_UNSUPPORTED; }
int64_t sys_irq_bind(uint64_t name, uint64_t port) { return -ERR_UNSUPPORTED; }
int64_t sys_irq_ack(uint64_t name) { return -ERR_UNSUPPORTED; }
int64_t sys_vm_allocate_dma(uint64_t size, uaddr_t phys) { return -ERR_UNSUPPORTED; }
