/* SPDX-License-Identifier: MIT */
/* Syscall arguments and result in the x86_64 trap frame (the ABI in
 * include/uk/syscall.h); inline because every syscall uses them. */
#ifndef ARCH_SYSCALL_FRAME_H
#define ARCH_SYSCALL_FRAME_H

#include <arch/trap_frame.h>

static inline void arch_syscall_args(const struct trap_frame *f, uint64_t args[6])
{
	args[0] = f->rdi;
	args[1] = f->rsi;
	args[2] = f->rdx;
	args[3] = f->r10;
	args[4] = f->r8;
	args[5] = f->r9;
}

static inline uint64_t arch_syscall_number(const struct trap_frame *f)
{
	return f->rax;
}

static inline void arch_syscall_return(struct trap_frame *f, int64_t value)
{
	f->rax = (uint64_t)value;
}

#endif
