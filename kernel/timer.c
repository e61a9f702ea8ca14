/* SPDX-License-Identifier: MIT */
/*
 * Monotonic clock. The tick counts periods of the platform timer; between
 * ticks the cycle counter interpolates once it has been calibrated against
 * the tick (after CALIBRATION_TICKS ticks, in the background, so boot does
 * not wait). The interpolation starts again at every tick and never passes
 * the next one, so the clock agrees with the tick-based deadlines of
 * timeouts even when ticks arrive late (TCG on a busy host): a wait of N ns
 * never ends before the clock has moved N ns. It never goes backwards.
 */
#include "timer.h"

#include "arch.h"
#include "sched.h"

#define CALIBRATION_TICKS 20

static volatile uint64_t ticks;
static uint64_t calibration_start_cycles;
static uint64_t tick_cycles; /* cycle counter at the latest tick */
static uint64_t ns_per_cycle_q32; /* ns per cycle, 32.32 fixed point */
static uint64_t last_ns;

uint64_t timer_ticks(void)
{
	return ticks;
}

void timer_tick(void)
{
	ticks++;
	tick_cycles = arch_cycles();
	if (ticks == 1) {
		calibration_start_cycles = arch_cycles();
	} else if (ticks == 1 + CALIBRATION_TICKS) {
		uint64_t now = arch_cycles();
		uint64_t cycles = now - calibration_start_cycles;
		if (cycles) {
			/* 200 ms << 32 fits in 64 bits: no 128-bit divide. */
			ns_per_cycle_q32 = ((CALIBRATION_TICKS * NS_PER_TICK) << 32) /
					   cycles;
		}
	}
	sched_tick(ticks);
}

uint64_t timer_now_ns(void)
{
	uint64_t ns = ticks * NS_PER_TICK;

	if (ns_per_cycle_q32) {
		uint64_t within = (uint64_t)(((unsigned __int128)(arch_cycles() -
								 tick_cycles) *
					      ns_per_cycle_q32) >> 32);
		ns += within < NS_PER_TICK ? within : NS_PER_TICK - 1;
	}
	if (ns < last_ns)
		ns = last_ns;
	last_ns = ns;
	return ns;
}

uint64_t timer_deadline(uint64_t ns)
{
	uint64_t t = ns / NS_PER_TICK + 1;

	if (ns % NS_PER_TICK)
		t++;
	return ticks + t;
}
