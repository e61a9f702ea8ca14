/* SPDX-License-Identifier: MIT */
/*
 * Interrupt routing. Line 0 is the scheduler tick; other lines are counted
 * until user-space drivers can bind them to ports (IPC issue).
 */
#include "hwcap.h"
#include "kernel.h"
#include "timer.h"

static uint64_t irq_counts[16];

void irq_handle(unsigned irq)
{
	if (irq < 16)
		irq_counts[irq]++;
	if (irq == 0)
		timer_tick();
	else if (hwcap_irq(irq))
		; /* delivered to its driver's port */
	else if (irq == 7 || irq == 15)
		; /* spurious lines of the 8259s */
	else
		klog(LOG_DEBUG, "irq %u with no handler", irq);
}
