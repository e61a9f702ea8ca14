/* SPDX-License-Identifier: MIT */
/*
 * The accelerator probe's tiny guest (cluster/accel.c). It tells whether a
 * host's KVM can run a guest through the firmware at all, independently of
 * the kernel: loaded by Multiboot (QEMU's -kernel, or iPXE over TFTP, after
 * SeaBIOS and iPXE ran under KVM), it checks the loader's magic, prints one
 * line on COM1 and powers off through isa-debug-exit with a pass (QEMU
 * exits 1). Flat binary at 1 MiB; the header's address fields say so.
 */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS (1 << 16)
#define LOADER_MAGIC 0x2BADB002
#define COM1 0x3f8
#define DEBUG_EXIT 0xf4

	.code32
	.text
	.global _start
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
	.long mb_header		/* header_addr */
	.long mb_header		/* load_addr */
	.long image_end		/* load_end_addr */
	.long image_end		/* bss_end_addr */
	.long _start		/* entry_addr */

_start:
	cli
	cmp $LOADER_MAGIC, %eax
	mov $ok_line, %esi
	je 1f
	mov $bad_line, %esi
1:	call puts
	/* Exit code 0 is a pass (QEMU: 1); 1 a failure (QEMU: 3). */
	xor %eax, %eax
	cmp $ok_line, %esi
	je 2f
	inc %eax
2:	mov $DEBUG_EXIT, %dx
	out %eax, %dx
3:	hlt
	jmp 3b

/* Print the NUL-terminated string at esi on COM1. */
puts:
	mov %esi, %edi
4:	movb (%edi), %bl
	test %bl, %bl
	jz 6f
	mov $(COM1 + 5), %dx
5:	in %dx, %al		/* wait until the transmitter is empty */
	test $0x20, %al
	jz 5b
	mov $COM1, %dx
	mov %bl, %al
	out %al, %dx
	inc %edi
	jmp 4b
6:	ret

ok_line:
	.asciz "uk-kvm-probe: the guest ran\r\n"
bad_line:
	.asciz "uk-kvm-probe: not started by a Multiboot loader\r\n"
	.align 4
image_end:

	.section .note.GNU-stack, "", @progbits
