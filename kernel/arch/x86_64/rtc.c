/* SPDX-License-Identifier: MIT */
/*
 * The PC's CMOS real-time clock, read once at boot for the wall clock and
 * the boot epoch (see kinfo UK_KINFO_BOOT). Registers 0x00-0x09 hold the
 * time in BCD or binary (status B bit 2) and the hour in 12- or 24-hour
 * form (bit 1); the clock may tick while we read it, so we read until two
 * reads in a row agree, outside the update window (status A bit 7).
 */
#include <stdbool.h>
#include <stdint.h>
#include <arch/cpu.h>
#include "arch.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71

struct rtc_time {
	unsigned second, minute, hour, day, month, year, century;
};

static unsigned cmos_read(unsigned reg)
{
	/* Bit 7 of the index keeps NMIs disabled, as firmware leaves it. */
	outb(CMOS_INDEX, (uint8_t)(0x80u | reg));
	return inb(CMOS_DATA);
}

static void rtc_read_raw(struct rtc_time *t)
{
	/* An update takes under 2 ms; bound the wait anyway: a machine
	 * without an RTC reads 0xff forever. */
	for (unsigned spin = 0; spin < 100000 && (cmos_read(0x0a) & 0x80); spin++)
		;
	t->second = cmos_read(0x00);
	t->minute = cmos_read(0x02);
	t->hour = cmos_read(0x04);
	t->day = cmos_read(0x07);
	t->month = cmos_read(0x08);
	t->year = cmos_read(0x09);
	t->century = cmos_read(0x32); /* the ACPI FADT's usual century register */
}

static unsigned from_bcd(unsigned v)
{
	return (v & 0x0f) + (v >> 4) * 10;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian), Howard Hinnant's
 * days_from_civil. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

uint64_t arch_wall_clock(void)
{
	struct rtc_time a, b;
	unsigned tries = 0;

	rtc_read_raw(&b);
	do {
		a = b;
		rtc_read_raw(&b);
	} while (++tries < 8 &&
		 (a.second != b.second || a.minute != b.minute || a.hour != b.hour ||
		  a.day != b.day || a.month != b.month || a.year != b.year));

	unsigned status_b = cmos_read(0x0b);
	bool pm = b.hour & 0x80;
	b.hour &= 0x7f;
	if (!(status_b & 0x04)) {
		b.second = from_bcd(b.second);
		b.minute = from_bcd(b.minute);
		b.hour = from_bcd(b.hour);
		b.day = from_bcd(b.day);
		b.month = from_bcd(b.month);
		b.year = from_bcd(b.year);
		b.century = from_bcd(b.century);
	}
	if (!(status_b & 0x02) && pm)
		b.hour = (b.hour % 12) + 12;
	else if (!(status_b & 0x02) && b.hour == 12)
		b.hour = 0;
	if (b.second > 59 || b.minute > 59 || b.hour > 23 || b.day < 1 ||
	    b.day > 31 || b.month < 1 || b.month > 12 || b.year > 99)
		return 0; /* no clock, or garbage: say so rather than guess */
	unsigned century = b.century >= 19 && b.century <= 99 ? b.century : 20;
	int64_t days = days_from_civil((int64_t)century * 100 + b.year, b.month, b.day);
	return (uint64_t)(days * 86400 + b.hour * 3600 + b.minute * 60 + b.second);
}
