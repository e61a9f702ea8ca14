/* SPDX-License-Identifier: MIT */
/*
 * vsnprintf for freestanding code. Always NUL-terminates when size > 0 and
 * returns the length the full output would have had, like C99.
 */
#include <fmt.h>
#include <stdint.h>

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_padded(struct out *o, const char *s, size_t n, int width,
		       int left, char pad)
{
	int fill = width > (int)n ? width - (int)n : 0;

	if (!left)
		while (fill-- > 0)
			put(o, pad);
	while (n--)
		put(o, *s++);
	if (left)
		while (fill-- > 0)
			put(o, ' ');
}

static void put_number(struct out *o, uint64_t v, int negative, unsigned base,
		       int upper, int width, int left, char pad, int alt)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	/* Space padding goes before the sign and "0x", zero padding after
	 * them: "   -42", "-00042", "    0x1234", "0x00001234". */
	int fill = width - n - (negative ? 1 : 0) - (alt ? 2 : 0);
	if (!left && pad == ' ')
		for (; fill > 0; fill--)
			put(o, ' ');
	if (negative)
		put(o, '-');
	if (alt) {
		put(o, '0');
		put(o, 'x');
	}
	if (!left && pad == '0')
		for (; fill > 0; fill--)
			put(o, '0');
	while (n)
		put(o, tmp[--n]);
	for (; fill > 0; fill--)
		put(o, ' ');
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		int left = 0, width = 0, precision = -1, lng = 0;
		char pad = ' ';
		for (;; fmt++) {
			if (*fmt == '-')
				left = 1;
			else if (*fmt == '0')
				pad = '0';
			else
				break;
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			/* C99: a negative width argument is a '-' flag. INT_MIN
			 * has no positive counterpart; clamp it first. */
			if (width < -__INT_MAX__)
				width = -__INT_MAX__;
			if (width < 0) {
				left = 1;
				width = -width;
			}
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		if (*fmt == '.') {
			fmt++;
			precision = 0;
			if (*fmt == '*') {
				precision = va_arg(ap, int);
				fmt++;
			}
			while (*fmt >= '0' && *fmt <= '9')
				precision = precision * 10 + (*fmt++ - '0');
		}
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}
		if (left)
			pad = ' ';
		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
			put_number(&o, mag, v < 0, 10, 0, width, left, pad, 0);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			uint64_t v = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
			put_number(&o, v, 0, *fmt == 'u' ? 10 : 16, *fmt == 'X',
				   width, left, pad, 0);
			break;
		}
		case 'p':
			put_number(&o, (uintptr_t)va_arg(ap, void *), 0, 16, 0,
				   width, left, pad, 1);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			size_t n = 0;
			if (!s)
				s = "(null)";
			/* Check the precision first: with one, s need not be
			 * NUL-terminated and s[precision] may not exist. */
			while ((precision < 0 || n < (size_t)precision) && s[n])
				n++;
			put_padded(&o, s, n, width, left, ' ');
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);
			put_padded(&o, &c, 1, width, left, ' ');
			break;
		}
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
