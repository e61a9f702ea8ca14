/* SPDX-License-Identifier: MIT */
/* Per-thread machine state kept in struct thread. */
#ifndef ARCH_THREAD_H
#define ARCH_THREAD_H

#include <stdint.h>

struct arch_thread {
	uint64_t kernel_rsp;	 /* saved by arch_context_switch */
	uint64_t kernel_stack_top;
	uint8_t fpu[512] __attribute__((aligned(16))); /* fxsave area */
};

#endif
