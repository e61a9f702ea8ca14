/* SPDX-License-Identifier: MIT */
/*
 * Register state saved on a thread's kernel stack on every entry from user
 * mode (interrupt, exception or syscall) and on interrupts in kernel mode.
 * entry.S pushes it in exactly this order; the syscall path builds the same
 * layout so both return paths read one structure.
 */
#ifndef ARCH_TRAP_FRAME_H
#define ARCH_TRAP_FRAME_H

#include <stdint.h>

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector; /* exception/IRQ vector, or TRAP_SYSCALL */
	uint64_t error;	 /* CPU error code or 0 */
	/* hardware interrupt frame */
	uint64_t rip, cs, rflags, rsp, ss;
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "trap frame layout");

#define TRAP_SYSCALL 0x100

#endif
