/* SPDX-License-Identifier: MIT */
/* The tick, the monotonic clock and timeouts of blocked threads. */
#ifndef KERNEL_TIMER_H
#define KERNEL_TIMER_H

#include <stdint.h>

#define TIMER_HZ 100u
#define NS_PER_TICK (1000000000ull / TIMER_HZ)

/* Monotonic nanoseconds since boot. */
uint64_t timer_now_ns(void);
uint64_t timer_ticks(void);
/* Tick at which a timeout of ns nanoseconds from now expires (at least one
 * whole tick away, so a timeout never fires early). */
uint64_t timer_deadline(uint64_t ns);
/* Called on every tick by irq_handle. */
void timer_tick(void);

#endif
