/* SPDX-License-Identifier: MIT */
/*
 * The little lwIP needs from the system with NO_SYS=1: the time in
 * milliseconds (sys_now, for its timers), random numbers (DHCP transaction
 * ids, TCP initial sequence numbers, ephemeral ports), diagnostics and
 * assertion failures.
 */
#include <stdarg.h>
#include <ulib.h>
#include "lwip/sys.h"

u32_t sys_now(void)
{
	return (u32_t)(uk_clock() / 1000000u);
}

/* xorshift64*, seeded from the cycle counter at first use: not
 * cryptographic, but unpredictable enough across boots for sequence
 * numbers and ports. */
uint32_t uk_lwip_rand(void)
{
	static uint64_t state;

	if (!state)
		state = (rdtsc() ^ uk_clock() ^ 0x9e3779b97f4a7c15ull) | 1;
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return (uint32_t)((state * 0x2545f4914f6cdd1dull) >> 32);
}

void uk_lwip_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

void uk_lwip_assert(const char *msg, const char *file, int line)
{
	printf("netd: lwIP assertion \"%s\" failed at %s:%d\n", msg, file, line);
	exit(70);
}
