/* SPDX-License-Identifier: MIT */
/* Kernel prototypes for every syscall handler, generated from syscalls.def. */
#ifndef KERNEL_SYSCALL_TABLE_H
#define KERNEL_SYSCALL_TABLE_H

#include <stdint.h>
#include <uk/syscall.h>

#include "usercopy.h"

#define UPTR(type) uaddr_t
#define SYSCALL0(n, name) int64_t sys_##name(void);
#define SYSCALL1(n, name, t0, a0) int64_t sys_##name(t0 a0);
#define SYSCALL2(n, name, t0, a0, t1, a1) int64_t sys_##name(t0 a0, t1 a1);
#define SYSCALL3(n, name, t0, a0, t1, a1, t2, a2) \
	int64_t sys_##name(t0 a0, t1 a1, t2 a2);
#define SYSCALL4(n, name, t0, a0, t1, a1, t2, a2, t3, a3) \
	int64_t sys_##name(t0 a0, t1 a1, t2 a2, t3 a3);
#define SYSCALL5(n, name, t0, a0, t1, a1, t2, a2, t3, a3, t4, a4) \
	int64_t sys_##name(t0 a0, t1 a1, t2 a2, t3 a3, t4 a4);
#define SYSCALL6(n, name, t0, a0, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5) \
	int64_t sys_##name(t0 a0, t1 a1, t2 a2, t3 a3, t4 a4, t5 a5);
#include <uk/syscalls.def>
#undef SYSCALL0
#undef SYSCALL1
#undef SYSCALL2
#undef SYSCALL3
#undef SYSCALL4
#undef SYSCALL5
#undef SYSCALL6
#undef UPTR

#endif
