/* SPDX-License-Identifier: MIT */
/* Program entry: rdi = startup block (uk/types.h). The kernel leaves rsp
 * 8 bytes below a 16-byte boundary, as after a call. */
	.text
	.global _start
_start:
	xor %ebp, %ebp
	call uk_runtime_start
	ud2

	.section .note.GNU-stack, "", @progbits
