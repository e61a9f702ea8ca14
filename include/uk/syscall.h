/* SPDX-License-Identifier: MIT */
/*
 * System call numbers and user stubs, generated from syscalls.def.
 * Convention (x86_64 `syscall`): number in rax, arguments in rdi, rsi, rdx,
 * r10, r8, r9; result in rax, negative values are -enum uk_error. rcx and
 * r11 are clobbered by the instruction itself.
 */
#ifndef UK_SYSCALL_H
#define UK_SYSCALL_H

#include <uk/ipc.h>
#include <uk/types.h>

enum uk_syscall_number {
#define SYSCALL0(n, name) SYS_##name = n,
#define SYSCALL1(n, name, ...) SYS_##name = n,
#define SYSCALL2(n, name, ...) SYS_##name = n,
#define SYSCALL3(n, name, ...) SYS_##name = n,
#define SYSCALL4(n, name, ...) SYS_##name = n,
#define SYSCALL5(n, name, ...) SYS_##name = n,
#define SYSCALL6(n, name, ...) SYS_##name = n,
#include <uk/syscalls.def>
#undef SYSCALL0
#undef SYSCALL1
#undef SYSCALL2
#undef SYSCALL3
#undef SYSCALL4
#undef SYSCALL5
#undef SYSCALL6
	SYS_COUNT_ = 64 /* table size */
};

#ifndef UK_KERNEL

#ifdef UK_HOST_FAKE_SYSCALLS
/* Host unit tests of user code (tests/unit) supply this themselves. */
long uk_syscall6(long n, long a0, long a1, long a2, long a3, long a4, long a5);
#else
static inline long uk_syscall6(long n, long a0, long a1, long a2, long a3,
			       long a4, long a5)
{
	long ret;
	register long r10 __asm__("r10") = a3;
	register long r8 __asm__("r8") = a4;
	register long r9 __asm__("r9") = a5;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8),
			   "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}
#endif

#define UPTR(type) type
#define UK_ARG_(v) ((long)(v))
#define SYSCALL0(n, name) \
	static inline long uk_##name(void) { return uk_syscall6(n, 0, 0, 0, 0, 0, 0); }
#define SYSCALL1(n, name, t0, a0)                                      \
	static inline long uk_##name(t0 a0)                            \
	{                                                              \
		return uk_syscall6(n, UK_ARG_(a0), 0, 0, 0, 0, 0);     \
	}
#define SYSCALL2(n, name, t0, a0, t1, a1)                                   \
	static inline long uk_##name(t0 a0, t1 a1)                          \
	{                                                                   \
		return uk_syscall6(n, UK_ARG_(a0), UK_ARG_(a1), 0, 0, 0, 0); \
	}
#define SYSCALL3(n, name, t0, a0, t1, a1, t2, a2)                         \
	static inline long uk_##name(t0 a0, t1 a1, t2 a2)                 \
	{                                                                 \
		return uk_syscall6(n, UK_ARG_(a0), UK_ARG_(a1), UK_ARG_(a2), \
				   0, 0, 0);                              \
	}
#define SYSCALL4(n, name, t0, a0, t1, a1, t2, a2, t3, a3)                 \
	static inline long uk_##name(t0 a0, t1 a1, t2 a2, t3 a3)          \
	{                                                                 \
		return uk_syscall6(n, UK_ARG_(a0), UK_ARG_(a1), UK_ARG_(a2), \
				   UK_ARG_(a3), 0, 0);                    \
	}
#define SYSCALL5(n, name, t0, a0, t1, a1, t2, a2, t3, a3, t4, a4)         \
	static inline long uk_##name(t0 a0, t1 a1, t2 a2, t3 a3, t4 a4)   \
	{                                                                 \
		return uk_syscall6(n, UK_ARG_(a0), UK_ARG_(a1), UK_ARG_(a2), \
				   UK_ARG_(a3), UK_ARG_(a4), 0);          \
	}
#define SYSCALL6(n, name, t0, a0, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5)  \
	static inline long uk_##name(t0 a0, t1 a1, t2 a2, t3 a3, t4 a4,      \
				     t5 a5)                                  \
	{                                                                    \
		return uk_syscall6(n, UK_ARG_(a0), UK_ARG_(a1), UK_ARG_(a2),    \
				   UK_ARG_(a3), UK_ARG_(a4), UK_ARG_(a5));   \
	}
#include <uk/syscalls.def>
#undef SYSCALL0
#undef SYSCALL1
#undef SYSCALL2
#undef SYSCALL3
#undef SYSCALL4
#undef SYSCALL5
#undef SYSCALL6
#undef UPTR

#endif /* !UK_KERNEL */
#endif
