/* SPDX-License-Identifier: MIT */
/*
 * Legacy 8259 PICs, remapped to vectors 32-47, and the PIT (channel 0,
 * periodic) as the scheduler tick. Every IRQ line starts masked; the timer
 * is unmasked here and other lines when a handler is bound.
 */
#include <arch/cpu.h>
#include <arch/x86.h>

#include "arch.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1
#define PIT_HZ 1193182u

static uint16_t irq_mask = 0xffff;

static void write_mask(void)
{
	outb(PIC1_DATA, (uint8_t)irq_mask);
	outb(PIC2_DATA, (uint8_t)(irq_mask >> 8));
}

void pic_init(void)
{
	outb(PIC1_CMD, 0x11); /* ICW1: init, ICW4 follows */
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, 32);  /* ICW2: vector base */
	outb(PIC2_DATA, 40);
	outb(PIC1_DATA, 4);   /* ICW3: slave on IRQ2 */
	outb(PIC2_DATA, 2);
	outb(PIC1_DATA, 1);   /* ICW4: 8086 mode */
	outb(PIC2_DATA, 1);
	irq_mask = 0xffff & ~(1u << 2); /* cascade line stays open */
	write_mask();
}

void arch_irq_unmask(unsigned irq)
{
	if (irq < 16) {
		irq_mask &= (uint16_t)~(1u << irq);
		write_mask();
	}
}

void arch_irq_mask(unsigned irq)
{
	if (irq < 16 && irq != 2) {
		irq_mask |= (uint16_t)(1u << irq);
		write_mask();
	}
}

void pic_eoi(unsigned irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, 0x20);
	outb(PIC1_CMD, 0x20);
}

void pit_init(unsigned hz)
{
	uint32_t divisor = PIT_HZ / hz;

	outb(0x43, 0x34); /* channel 0, lobyte/hibyte, rate generator */
	outb(0x40, (uint8_t)divisor);
	outb(0x40, (uint8_t)(divisor >> 8));
	arch_irq_unmask(0);
}
