/* SPDX-License-Identifier: MIT */
/*
 * lwIP's compiler and platform port (see lwIP's doc/sys_arch.txt).
 *
 * The same file serves the freestanding network server and the host fuzz
 * harness (tests/fuzz), so both compile lwIP with identical settings; it
 * therefore uses only headers both have: gcc's stddef.h/stdint.h and the
 * string.h/stdlib.h subset of lib/c. Formats, limits and ctype come from
 * lwIP itself or from here, not from a libc.
 *
 * Assertions: lwIP's asserts guard its own invariants, never input, so a
 * failure is a bug: the server logs it and exits (init restarts it); the
 * fuzz harness aborts so libFuzzer reports the input.
 */
#ifndef UK_LWIP_ARCH_CC_H
#define UK_LWIP_ARCH_CC_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>

#ifndef BYTE_ORDER /* a host libc (the fuzz harness) has its own */
#define BYTE_ORDER LITTLE_ENDIAN
#endif

#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_LIMITS_H 1
#define LWIP_NO_UNISTD_H 1
#define LWIP_NO_CTYPE_H 1

#define X8_F "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"

/* lwIP only needs ssize_t for its socket API, which is not compiled; the
 * definition matches the x86_64 ABI so a host libc's agrees. */
typedef long ssize_t;
#define SSIZE_MAX __LONG_MAX__
#define INT_MAX __INT_MAX__

/* Provided by the port (net/port/sys_arch.c) or the fuzz harness. */
uint32_t uk_lwip_rand(void);
void uk_lwip_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void uk_lwip_assert(const char *msg, const char *file,
					       int line);

#define LWIP_RAND() uk_lwip_rand()
#define LWIP_PLATFORM_DIAG(x) \
	do {                  \
		uk_lwip_diag x;   \
	} while (0)
#define LWIP_PLATFORM_ASSERT(x) uk_lwip_assert(x, __FILE__, __LINE__)

#endif
