/* SPDX-License-Identifier: MIT */
/*
 * Platform bring-up and the thread-level pieces of the arch interface:
 * syscall MSRs, initial user frames, stack and FPU switching, idle.
 */
#include <arch/cpu.h>
#include <arch/x86.h>
#include <string.h>

#include "arch.h"
#include "kernel.h"
#include "thread.h"

void arch_early_init(void)
{
	arch_console_init();
	gdt_init();
	idt_init();
	pic_init();
	cpu_init(); /* after the IDT: a bad CR4 bit panics with a report */
}

/*
 * SYSCALL loads CS = STAR[47:32] and SS = STAR[47:32] + 8 (RPL forced to 0);
 * 64-bit SYSRET loads CS = STAR[63:48] + 16 and SS = STAR[63:48] + 8, both
 * with RPL 3 (SDM vol. 2B, SYSCALL and SYSRET). Hence the GDT order kernel
 * code, kernel data, user code 32, user data, user code 64 (gdt.c).
 */
_Static_assert(SEL_KERNEL_DATA == SEL_KERNEL_CODE + 8, "SYSCALL SS");
_Static_assert(SEL_USER_DATA == ((SEL_USER_CODE32 + 8) | 3), "SYSRET SS");
_Static_assert(SEL_USER_CODE == ((SEL_USER_CODE32 + 16) | 3), "SYSRET CS");

void syscall_msr_init(void)
{
	wrmsr(MSR_STAR, ((uint64_t)SEL_USER_CODE32 << 48) |
				((uint64_t)SEL_KERNEL_CODE << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	/* Cleared on entry: IF (the kernel runs with interrupts off), TF (no
	 * single-step trap on the user stack), DF (the C ABI), AC (a user-set
	 * AC would switch SMAP off in the kernel), NT (iretq must not try a
	 * task return). */
	wrmsr(MSR_FMASK, RFLAGS_IF | RFLAGS_TF | RFLAGS_DF | RFLAGS_AC | RFLAGS_NT);
}

void arch_late_init(unsigned timer_hz)
{
	syscall_msr_init();
	pit_init(timer_hz);
}

void arch_thread_init_user(struct thread *t, uint64_t entry, uint64_t stack,
			   uint64_t arg)
{
	uint64_t top = t->arch.kernel_stack_top;
	struct trap_frame *f = (struct trap_frame *)(top - sizeof(*f));

	memset(f, 0, sizeof(*f));
	f->rip = entry;
	f->cs = SEL_USER_CODE;
	f->rflags = RFLAGS_IF | 0x2;
	f->rsp = stack;
	f->ss = SEL_USER_DATA;
	f->rdi = arg;
	f->vector = TRAP_SYSCALL;

	/* Switch frame popped by arch_context_switch: r15 r14 r13 r12 rbx rbp
	 * then the return address. */
	uint64_t *sp = (uint64_t *)f;
	*--sp = (uint64_t)thread_trampoline;
	for (int i = 0; i < 6; i++)
		*--sp = 0;
	t->arch.kernel_rsp = (uint64_t)sp;

	/* A clean FPU/SSE state: default control words. */
	memset(t->arch.fpu, 0, sizeof(t->arch.fpu));
	*(uint16_t *)&t->arch.fpu[0] = 0x037f;	  /* FCW */
	*(uint32_t *)&t->arch.fpu[24] = 0x1f80;	  /* MXCSR */
}

void arch_switch(struct thread *prev, struct thread *next)
{
	__asm__ volatile("fxsave64 (%0)" : : "r"(prev->arch.fpu) : "memory");
	arch_set_kernel_stack(next->arch.kernel_stack_top);
	__asm__ volatile("fxrstor64 (%0)" : : "r"(next->arch.fpu) : "memory");
	arch_context_switch(&prev->arch.kernel_rsp, next->arch.kernel_rsp);
}

void arch_idle(void)
{
	__asm__ volatile("sti; hlt; cli" : : : "memory");
}

void arch_halt(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

uint64_t arch_cycles(void)
{
	return rdtsc();
}

void arch_debug_exit(unsigned code)
{
	/* QEMU isa-debug-exit at 0xf4: the process exits with (code << 1) | 1. */
	outl(0xf4, code);
}
