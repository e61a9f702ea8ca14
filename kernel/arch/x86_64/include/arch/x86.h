/* SPDX-License-Identifier: MIT */
/* Declarations private to the x86_64 platform code. */
#ifndef ARCH_X86_H
#define ARCH_X86_H

#include <stdbool.h>
#include <stdint.h>

#include <arch/trap_frame.h>

/* What CPUID reported at boot and what the kernel turned on (cpu.c).
 * features and enabled hold enum uk_cpu_feature bits. */
struct cpu_info {
	char vendor[13];
	char brand[48];
	char hypervisor[13];
	uint32_t family, model, stepping;
	uint32_t phys_bits; /* MAXPHYADDR: entry bits phys_bits..51 are reserved */
	bool page_1g;	    /* PS in a PDPTE maps 1 GiB (else it is reserved) */
	uint32_t features;
	uint32_t enabled;
};
extern struct cpu_info cpu_info;
/* Read CPUID, turn on SMEP, SMAP and UMIP where present (patching stac and
 * clac into the user-copy window first). Before any user task exists. */
void cpu_init(void);
/* Turn on CR4.PGE where present and flush every TLB entry, global ones
 * included; called once the boot identity map is gone. */
void cpu_enable_global_pages(void);

extern uint64_t syscall_kernel_rsp; /* entry.S: top of the current kernel stack */
extern const uint64_t isr_table[48];
extern uint64_t boot_pml4[512];
extern char boot_stack_top[], boot_stack_bottom[];
extern char _text_start[], _text_end[], _kernel_end[];
extern char _load_start[], _bss_end[];

extern char copy_user_start[], copy_user_end[], copy_user_fault[];
/* entry.S: the stac/clac sites cpu_init patches in when SMAP is on. */
struct smap_site {
	uint64_t address;    /* a 3-byte nop */
	uint64_t last_byte;  /* 0xcb: stac, 0xca: clac (0f 01 xx) */
};
extern const struct smap_site smap_sites_start[], smap_sites_end[];
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
