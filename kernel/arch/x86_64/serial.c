/* SPDX-License-Identifier: MIT */
/*
 * COM1 (16550) for the kernel's own log: polled output only. Input belongs
 * to the user-space console driver once it exists.
 */
#include <arch/cpu.h>

#include "arch.h"
#include <arch/x86.h>

#define COM1 0x3f8

void arch_console_init(void)
{
	outb(COM1 + 1, 0x00); /* no interrupts */
	outb(COM1 + 3, 0x80); /* DLAB */
	outb(COM1 + 0, 0x01); /* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8N1 */
	outb(COM1 + 2, 0xc7); /* FIFO on, cleared */
	outb(COM1 + 4, 0x03); /* DTR, RTS */
}

void arch_console_putc(char c)
{
	/* Bounded wait: a wedged UART must not hang the kernel. */
	for (int i = 0; i < 100000 && !(inb(COM1 + 5) & 0x20); i++)
		;
	outb(COM1, (uint8_t)c);
}
