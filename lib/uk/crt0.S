/* SPDX-License-Identifier: MIT */
/* Program entry: rdi = startup block (uk/types.h), rsp 16-byte aligned as at
 * ELF process entry; the call below gives C its usual alignment. */
	.text
	.global _start
_start:
	xor %ebp, %ebp
	call uk_runtime_start
	ud2

	.section .note.GNU-stack, "", @progbits
