/* SPDX-License-Identifier: MIT */
/*
 * Kernel command line parsing, shared by the kernel and the user runtime
 * (init reads the same line from its startup block). The line is a sequence of words separated by
 * spaces; a word is `key=value` or a bare flag `key`. A value may be quoted
 * with double quotes to contain spaces. The first word is ignored when it
 * has no '=' and contains a '/' or '.', because loaders pass the kernel's
 * file name first.
 */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cmdline_result {
	CMDLINE_FOUND = 1,
	CMDLINE_ABSENT = 0,
	CMDLINE_TOO_LONG = -1, /* value does not fit the output buffer */
	CMDLINE_BAD_NUMBER = -2,
};

/* Copy the value of the last `key=value` into out (NUL-terminated). A bare
 * flag yields an empty value. */
int cmdline_get(const char *line, const char *key, char *out, size_t out_len);

/* Parse the value as an unsigned decimal or 0x-hex number. */
int cmdline_get_u64(const char *line, const char *key, uint64_t *out);

/* True when key appears as a flag or with any value. */
bool cmdline_has(const char *line, const char *key);

/* Parse a size: a decimal number of bytes with an optional K, M or G
 * suffix (KiB, MiB, GiB), or a percentage "N%" (0..100) of total. Returns
 * CMDLINE_FOUND and *out, or CMDLINE_BAD_NUMBER (also on overflow). */
int cmdline_parse_size(const char *s, uint64_t total, uint64_t *out);

#endif
