/* SPDX-License-Identifier: MIT */
/* Declarations private to the x86_64 platform code. */
#ifndef ARCH_X86_H
#define ARCH_X86_H

#include <stdint.h>

#include <arch/trap_frame.h>

extern uint64_t syscall_kernel_rsp; /* entry.S: top of the current kernel stack */
extern const uint64_t isr_table[48];
extern uint64_t boot_pml4[512];
extern char boot_stack_top[], boot_stack_bottom[];
extern char _text_start[], _text_end[], _kernel_end[];
extern char _load_start[], _bss_end[];

extern char copy_user_start[], copy_user_end[], copy_user_fault[];
void gdt_init(void);
void idt_init(void);
void pic_init(void);
void pit_init(unsigned hz);
void pic_eoi(unsigned irq);
void syscall_msr_init(void);
void arch_set_kernel_stack(uint64_t top);
void arch_irq_unmask(unsigned irq);
void arch_irq_mask(unsigned irq);
const char *arch_exception_name(unsigned vector);
void trap_return(void);
void thread_trampoline(void);
void syscall_entry(void);
void arch_context_switch(uint64_t *save_rsp, uint64_t next_rsp);

/* Called from entry.S */
void trap_dispatch(struct trap_frame *f);
void syscall_dispatch(struct trap_frame *f);

#endif
