/* SPDX-License-Identifier: MIT */
/* What the shell's pure modules take from lib/c that the host's C library
 * may lack (glibc before 2.38 has no strlcpy); the build renames the call
 * to test_strlcpy so it never meets a system one. */
#include <stddef.h>
size_t test_strlcpy(char *dst, const char *src, size_t size);
