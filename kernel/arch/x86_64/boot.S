/* SPDX-License-Identifier: MIT */
/*
 * Multiboot 1 entry. The loader enters _start32 in 32-bit protected mode,
 * paging off, eax = 0x2BADB002, ebx = physical address of the Multiboot
 * info. We build early page tables that map the first 1 GiB both at 0
 * (identity, so this code keeps running) and at KERNEL_VMA, enter long mode,
 * jump to the higher half and call kmain(magic, info). The identity map is
 * removed by paging_init() once the kernel has its own tables.
 */
#define KERNEL_VMA 0xffffffff80000000
#define MB_MAGIC 0x1BADB002
/* page-align modules, memory map, header address fields are valid */
#define MB_FLAGS ((1 << 0) | (1 << 1) | (1 << 16))
#define PHYS(sym) ((sym) - KERNEL_VMA)

	.section .multiboot, "a"
	.align 4
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
	.long mb_header		/* header_addr */
	.long _load_start	/* load_addr */
	.long _load_end		/* load_end_addr */
	.long _bss_end		/* bss_end_addr */
	.long _start32		/* entry_addr */

	.section .boot.text, "ax"
	.code32
	.global _start32
_start32:
	cli
	cld
	mov %eax, %edi			/* keep magic and info for kmain */
	mov %ebx, %esi
	rdtsc				/* kernel entry time, for the boot figure */
	mov %eax, PHYS(boot_tsc)
	mov %edx, PHYS(boot_tsc) + 4
	mov $PHYS(boot_stack_top), %esp

	/* Zero the early tables (they are in .bss, which the loader zeroes,
	 * but a loader that ignores bss_end_addr would leave junk). */
	mov $PHYS(boot_pml4), %ebx
	mov %ebx, %edx
	xor %eax, %eax
	mov $(4 * 4096 / 4), %ecx
1:	mov %eax, (%edx)
	add $4, %edx
	loop 1b

	/* PD: 512 x 2 MiB pages = first 1 GiB, present | writable | huge */
	mov $PHYS(boot_pd), %edx
	xor %ecx, %ecx
2:	mov %ecx, %eax
	shl $21, %eax
	or $0x83, %eax
	mov %eax, (%edx, %ecx, 8)
	inc %ecx
	cmp $512, %ecx
	jne 2b

	/* PDPT low[0] and PDPT high[510] both point at the PD */
	mov $PHYS(boot_pd), %eax
	or $0x3, %eax
	mov %eax, PHYS(boot_pdpt_low)
	mov %eax, PHYS(boot_pdpt_high) + 510 * 8
	/* PML4[0] = low PDPT, PML4[511] = high PDPT */
	mov $PHYS(boot_pdpt_low), %eax
	or $0x3, %eax
	mov %eax, PHYS(boot_pml4)
	mov $PHYS(boot_pdpt_high), %eax
	or $0x3, %eax
	mov %eax, PHYS(boot_pml4) + 511 * 8

	/* CR4 from a known value, not the loader's: PAE (long mode needs
	 * it), OSFXSR and OSXMMEXCPT (fxsave/fxrstor, SSE exceptions as #XM).
	 * PGE, SMEP, SMAP and UMIP follow in cpu.c once CPUID is read. */
	mov $((1 << 5) | (1 << 9) | (1 << 10)), %eax
	mov %eax, %cr4
	mov $PHYS(boot_pml4), %eax
	mov %eax, %cr3
	/* EFER: long mode and syscall enable; no-execute enable only when
	 * CPUID 0x80000001 EDX[20] reports NX: with EFER.NXE clear, bit 63 of
	 * every paging entry is reserved and the kernel must not set it
	 * (paging.c reads EFER back). ebp collects the bits: cpuid clobbers
	 * eax, ebx, ecx and edx; edi and esi hold kmain's arguments. */
	mov $((1 << 8) | (1 << 0)), %ebp
	mov $0x80000000, %eax
	cpuid
	cmp $0x80000001, %eax
	jb 4f
	mov $0x80000001, %eax
	cpuid
	bt $20, %edx
	jnc 4f
	or $(1 << 11), %ebp
4:	mov $0xC0000080, %ecx
	rdmsr
	or %ebp, %eax
	wrmsr
	/* CR0: paging, write-protect in ring 0 (read-only user pages stay
	 * read-only for the kernel's copies), native x87 error reporting
	 * (NE: an unmasked x87 exception is #MF in the task, not IRQ 13 to
	 * a PIC line nobody serves), FPU monitor, protected mode. Clear:
	 * cache disable and not-write-through (a loader may leave caching
	 * off), alignment mask (a user-set RFLAGS.AC then checks nothing),
	 * task switched (the FPU is switched eagerly), emulation. */
	mov %cr0, %eax
	and $~((1 << 30) | (1 << 29) | (1 << 18) | (1 << 3) | (1 << 2)), %eax
	or $((1 << 31) | (1 << 16) | (1 << 5) | (1 << 1) | 1), %eax
	mov %eax, %cr0

	lgdt boot_gdt_ptr
	ljmp $0x08, $long_entry

	.code64
long_entry:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	xor %ax, %ax
	mov %ax, %fs
	mov %ax, %gs
	movabs $higher_half, %rax
	jmp *%rax

	.section .boot.data, "a"
	.align 16
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code, ring 0 */
	.quad 0x00cf92000000ffff	/* 0x10: data, ring 0 */
boot_gdt_end:
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.long boot_gdt

	.text
higher_half:
	movabs $boot_stack_top, %rsp
	xor %ebp, %ebp
	/* edi = magic, esi = info physical address (zero-extended) */
	mov %edi, %edi
	mov %esi, %esi
	call kmain
3:	cli
	hlt
	jmp 3b

	.bss
	.global boot_tsc
	.align 8
boot_tsc:
	.skip 8
	.align 4096
	.global boot_pml4
boot_pml4:
	.skip 4096
boot_pdpt_low:
	.skip 4096
	.global boot_pdpt_high
boot_pdpt_high:
	.skip 4096
boot_pd:
	.skip 4096
	.global boot_stack_bottom
boot_stack_bottom:
	.skip 16384
	.global boot_stack_top
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
