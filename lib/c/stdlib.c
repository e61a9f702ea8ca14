/* SPDX-License-Identifier: MIT */
/* Number parsing and sorting for user programs (lib/c/include/stdlib.h). */
#include <stdlib.h>

static int digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

unsigned long strtoul(const char *s, char **end, int base)
{
	unsigned long v = 0;
	const char *p = s;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '+')
		p++;
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    digit(p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}
	const char *start = p;
	while (digit(*p) < base)
		v = v * (unsigned long)base + (unsigned long)digit(*p++);
	if (end)
		*end = (char *)(p == start ? s : p);
	return v;
}

long strtol(const char *s, char **end, int base)
{
	const char *p = s;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '-') {
		char *e;
		unsigned long v = strtoul(p + 1, &e, base);
		if (end)
			*end = e == p + 1 ? (char *)s : e;
		return -(long)v;
	}
	return (long)strtoul(s, end, base);
}

int atoi(const char *s)
{
	return (int)strtol(s, NULL, 10);
}

/* Insertion sort: small arrays only (directory listings, tables). */
void qsort(void *base, size_t n, size_t size,
	   int (*cmp)(const void *, const void *))
{
	unsigned char *b = base, tmp[256];

	if (size > sizeof(tmp))
		return;
	for (size_t i = 1; i < n; i++) {
		for (size_t j = i; j > 0 && cmp(b + (j - 1) * size, b + j * size) > 0; j--) {
			for (size_t k = 0; k < size; k++) {
				tmp[k] = b[(j - 1) * size + k];
				b[(j - 1) * size + k] = b[j * size + k];
				b[j * size + k] = tmp[k];
			}
		}
	}
}
