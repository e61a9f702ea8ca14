/* SPDX-License-Identifier: MIT */
/*
 * Kernel entry and exit: exception/IRQ stubs, the syscall entry, the return
 * to user mode, and the kernel-stack switch between threads. The kernel runs
 * with interrupts disabled (it is not preemptible), so the globals used by
 * the syscall entry need no further protection on this uniprocessor kernel.
 * All entries build a struct trap_frame (trap_frame.h) on the kernel stack.
 */
#include <arch/trap_frame_offsets.h>

/*
 * stac / clac (SMAP): assembled as a 3-byte nop of the same length and
 * recorded in .smap_sites; cpu_init patches them in when it turns CR4.SMAP
 * on. Both instructions #UD on a CPU without SMAP, which must never run
 * them.
 */
.macro SMAP_SITE last_byte
661:	.byte 0x0f, 0x1f, 0x00		/* nopl (%rax) */
	.pushsection .smap_sites, "a"
	.quad 661b, \last_byte
	.popsection
.endm
.macro STAC
	SMAP_SITE 0xcb
.endm
.macro CLAC
	SMAP_SITE 0xca
.endm

.macro PUSH_GPRS
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
.endm

.macro POP_GPRS
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
.endm

/* Vectors where the CPU pushes an error code: 8, 10-14, 17, 21, 29, 30. */
.macro ISR vector
	.align 16
isr_\vector:
	.if (\vector == 8) || (\vector >= 10 && \vector <= 14) || (\vector == 17) || (\vector == 21) || (\vector == 29) || (\vector == 30)
	.else
	push $0
	.endif
	push $\vector
	jmp trap_common
.endm

	.text
	.altmacro
	.align 16
isr_stubs:
.set i, 0
.rept 48
	ISR %i
.set i, i + 1
.endr
	.noaltmacro

trap_common:
	/* Interrupt and exception delivery leave RFLAGS.AC as it was, and
	 * user mode may set AC: clear it, or a trap from user mode would run
	 * the kernel with SMAP off. */
	CLAC
	cld
	PUSH_GPRS
	mov %rsp, %rdi
	call trap_dispatch
	.global trap_return
trap_return:
	POP_GPRS
	add $16, %rsp		/* vector, error */
	iretq

/*
 * syscall: rcx = user rip, r11 = user rflags, rsp = user stack. Interrupts
 * are off and AC is clear (FMASK clears IF, TF, DF, AC, NT). Switch to this
 * thread's kernel stack before anything is pushed: the kernel never runs
 * on a user stack (SMAP would fault it, and the user could change it from
 * another thread). Then build the trap frame the return paths expect.
 */
	.global syscall_entry
syscall_entry:
	mov %rsp, syscall_user_rsp(%rip)
	mov syscall_kernel_rsp(%rip), %rsp
	push $0x23		/* ss */
	push syscall_user_rsp(%rip)
	push %r11		/* rflags */
	push $0x2b		/* cs */
	push %rcx		/* rip */
	push $0			/* error */
	push $0x100		/* vector = TRAP_SYSCALL */
	PUSH_GPRS
	mov %rsp, %rdi
	call syscall_dispatch
	/* Fall back to iretq unless the frame is a plain return to a canonical
	 * user address (sysret with a non-canonical rcx faults in ring 0). */
	mov TF_RIP(%rsp), %rcx
	mov %rcx, %rax
	sar $47, %rax
	jnz 1f
	cmpq $0x2b, TF_CS(%rsp)
	jne 1f
	POP_GPRS
	add $16, %rsp		/* vector, error */
	pop %rcx		/* rip */
	add $8, %rsp		/* cs */
	pop %r11		/* rflags */
	or $0x200, %r11		/* user mode always runs with IF set */
	pop %rsp		/* user rsp; ss is implied by sysret */
	sysretq
1:	jmp trap_return

/*
 * void arch_context_switch(uint64_t *save_rsp, uint64_t next_rsp)
 * Saves callee-saved registers on the current kernel stack, stores the
 * stack pointer, and resumes the other thread where it switched away.
 */
	.global arch_context_switch
arch_context_switch:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, (%rdi)
	mov %rsi, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret

/* First code a new thread runs: finish the switch, then enter user mode
 * through the trap frame built below the switch frame. */
	.global thread_trampoline
thread_trampoline:
	call sched_switch_finish
	jmp trap_return

/*
 * int arch_copy_user(void *dst, const void *src, uint64_t len)
 * Copy to or from user memory of the active address space; returns 0, or
 * 1 if a page fault hit between copy_user_start and copy_user_end (the
 * trap handler resumes at copy_user_fault). Callers check that the user
 * range lies below USER_TOP; CR0.WP makes read-only pages fault on write.
 * This is the only code that touches user memory through user addresses:
 * with SMAP, AC is set for exactly these instructions and cleared on both
 * ways out.
 */
	.global arch_copy_user, copy_user_start, copy_user_end, copy_user_fault
arch_copy_user:
	mov %rdx, %rcx
	shr $3, %rcx
	and $7, %edx
	STAC
copy_user_start:
	rep movsq
	mov %edx, %ecx
	rep movsb
copy_user_end:
	CLAC
	xor %eax, %eax
	ret
copy_user_fault:
	CLAC
	mov $1, %eax
	ret

	.data
	.global syscall_kernel_rsp
syscall_kernel_rsp:
	.quad 0
syscall_user_rsp:
	.quad 0

	.section .rodata
	.align 8
	.global isr_table
isr_table:
.set i, 0
.rept 48
	.quad isr_stubs + i * 16
.set i, i + 1
.endr

	.section .note.GNU-stack, "", @progbits
