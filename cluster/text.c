/* SPDX-License-Identifier: MIT */
/* Pure text helpers; see text.h. No I/O, no allocation. */
#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

size_t str_copy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size) {
		size_t m = n < size - 1 ? n : size - 1;
		memcpy(dst, src, m);
		dst[m] = '\0';
	}
	return n;
}

int str_append(char *dst, size_t size, const char *fmt, ...)
{
	size_t used = strnlen(dst, size);
	va_list ap;
	int n;

	if (used >= size)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(dst + used, size - used, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= size - used ? -1 : 0;
}

int parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	unsigned long v = 0;

	if (!s || !*s)
		return -1;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > hi)
			return -1;
	}
	if (v < lo)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int parse_duration_ms(const char *s, uint64_t *out)
{
	uint64_t whole = 0, frac = 0, frac_div = 1;
	const char *p = s;
	int digits = 0;

	while (*p >= '0' && *p <= '9') {
		whole = whole * 10 + (uint64_t)(*p++ - '0');
		if (whole > 10000000)
			return -1;
		digits++;
	}
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			if (frac_div < 1000000) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				frac_div *= 10;
			}
			p++;
			digits++;
		}
	}
	if (!digits)
		return -1;
	uint64_t unit;
	if (!strcmp(p, "ms"))
		unit = 1;
	else if (!strcmp(p, "s") || !*p)
		unit = 1000;
	else if (!strcmp(p, "m") || !strcmp(p, "min"))
		unit = 60000;
	else
		return -1;
	*out = whole * unit + frac * unit / frac_div;
	return 0;
}

const char *format_duration(uint64_t ms, char *buf, size_t len)
{
	if (ms < 1000)
		snprintf(buf, len, "%llu ms", (unsigned long long)ms);
	else if (ms < 120000)
		snprintf(buf, len, "%llu.%llu s",
			 (unsigned long long)(ms / 1000),
			 (unsigned long long)(ms % 1000 / 100));
	else
		snprintf(buf, len, "%llum%02llus",
			 (unsigned long long)(ms / 60000),
			 (unsigned long long)(ms / 1000 % 60));
	return buf;
}

int tokenize(const char *line, struct tokens *out, char *err, size_t errlen)
{
	const char *p = line;

	out->count = 0;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (!*p || *p == '#')
			return 0;
		if (out->count == TOKENS_MAX) {
			snprintf(err, errlen, "more than %d words", TOKENS_MAX);
			return -1;
		}
		char *w = out->word[out->count];
		size_t n = 0;
		int quoted = 0;
		out->quoted[out->count] = 0;
		while (*p && (quoted || (*p != ' ' && *p != '\t' &&
					 *p != '\r' && *p != '#'))) {
			char c = *p++;
			if (c == '"') {
				quoted = !quoted;
				out->quoted[out->count] = 1;
				continue;
			}
			if (quoted && c == '\\') {
				switch (*p) {
				case '"':
				case '\\':
					c = *p;
					break;
				case 'n':
					c = '\n';
					break;
				case 'r':
					c = '\r';
					break;
				case 't':
					c = '\t';
					break;
				default:
					/* Kept as written: regular expressions
					 * ("node2\\.ipxe") read naturally. */
					if (n + 2 >= TOKEN_LEN) {
						snprintf(err, errlen,
							 "a word is longer "
							 "than %d characters",
							 TOKEN_LEN - 1);
						return -1;
					}
					w[n++] = '\\';
					c = *p;
					if (!c) {
						snprintf(err, errlen,
							 "unterminated quote");
						return -1;
					}
					break;
				}
				p++;
			}
			if (n + 1 >= TOKEN_LEN) {
				snprintf(err, errlen,
					 "a word is longer than %d characters",
					 TOKEN_LEN - 1);
				return -1;
			}
			w[n++] = c;
		}
		if (quoted) {
			snprintf(err, errlen, "unterminated quote");
			return -1;
		}
		w[n] = '\0';
		out->count++;
	}
}

const char *quote_word(const char *word, char *buf, size_t len)
{
	int plain = *word != '\0';

	for (const char *p = word; *p; p++)
		if (*p == ' ' || *p == '\t' || *p == '"' || *p == '#' ||
		    *p == '\\' || (unsigned char)*p < 0x20)
			plain = 0;
	if (plain) {
		str_copy(buf, word, len);
		return buf;
	}
	size_t n = 0;
	if (len < 3) {
		if (len)
			buf[0] = '\0';
		return buf;
	}
	buf[n++] = '"';
	for (const char *p = word; *p && n + 4 < len; p++) {
		const char *esc = NULL;
		switch (*p) {
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		default:
			break;
		}
		if (esc) {
			buf[n++] = esc[0];
			buf[n++] = esc[1];
		} else {
			buf[n++] = *p;
		}
	}
	buf[n++] = '"';
	buf[n] = '\0';
	return buf;
}
