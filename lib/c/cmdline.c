/* SPDX-License-Identifier: MIT */
/* Kernel command line parser; pure, used by the kernel and its unit tests. */
#include "cmdline.h"

#include <string.h>

struct word {
	const char *key;
	size_t key_len;
	const char *value; /* NULL for a bare flag */
	size_t value_len;
};

/* One set of separators everywhere: a line ending in "\r\n" must not leave
 * a '\r' glued to the last key or value. */
static bool is_separator(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Read the next word starting at *p; returns false at the end. */
static bool next_word(const char **p, struct word *w)
{
	const char *s = *p;

	while (is_separator(*s))
		s++;
	if (!*s)
		return false;
	w->key = s;
	while (*s && *s != '=' && !is_separator(*s))
		s++;
	w->key_len = (size_t)(s - w->key);
	w->value = NULL;
	w->value_len = 0;
	if (*s == '=') {
		s++;
		if (*s == '"') {
			s++;
			w->value = s;
			while (*s && *s != '"')
				s++;
			w->value_len = (size_t)(s - w->value);
			if (*s == '"')
				s++;
		} else {
			w->value = s;
			while (*s && !is_separator(*s))
				s++;
			w->value_len = (size_t)(s - w->value);
		}
	}
	*p = s;
	return true;
}

static bool is_loader_path(const struct word *w)
{
	for (size_t i = 0; i < w->key_len; i++)
		if (w->key[i] == '/' || w->key[i] == '.')
			return true;
	return false;
}

static bool find(const char *line, const char *key, struct word *found)
{
	size_t key_len = strlen(key);
	bool first = true, hit = false;
	struct word w;

	if (!line)
		return false;
	while (next_word(&line, &w)) {
		if (first && !w.value && is_loader_path(&w)) {
			first = false;
			continue;
		}
		first = false;
		if (w.key_len == key_len && strncmp(w.key, key, key_len) == 0) {
			*found = w;
			hit = true;
		}
	}
	return hit;
}

int cmdline_get(const char *line, const char *key, char *out, size_t out_len)
{
	struct word w;

	if (!find(line, key, &w))
		return CMDLINE_ABSENT;
	if (out_len == 0 || w.value_len >= out_len)
		return CMDLINE_TOO_LONG;
	if (w.value)
		memcpy(out, w.value, w.value_len);
	out[w.value_len] = '\0';
	return CMDLINE_FOUND;
}

int cmdline_get_u64(const char *line, const char *key, uint64_t *out)
{
	char buf[24];
	int rc = cmdline_get(line, key, buf, sizeof(buf));
	uint64_t v = 0;
	unsigned base = 10;
	const char *s = buf;

	if (rc != CMDLINE_FOUND)
		return rc == CMDLINE_TOO_LONG ? CMDLINE_BAD_NUMBER : rc;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return CMDLINE_BAD_NUMBER;
	for (; *s; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return CMDLINE_BAD_NUMBER;
		if (v > (UINT64_MAX - d) / base)
			return CMDLINE_BAD_NUMBER;
		v = v * base + d;
	}
	*out = v;
	return CMDLINE_FOUND;
}

bool cmdline_has(const char *line, const char *key)
{
	struct word w;

	return find(line, key, &w);
}

int cmdline_parse_size(const char *s, uint64_t total, uint64_t *out)
{
	uint64_t v = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return CMDLINE_BAD_NUMBER;
		v = v * 10 + d;
	}
	if (p == s)
		return CMDLINE_BAD_NUMBER;
	if (p[0] == '%' && !p[1]) {
		if (v > 100)
			return CMDLINE_BAD_NUMBER;
		/* total / 100 * v loses less than 1% and cannot overflow. */
		*out = total / 100 * v + total % 100 * v / 100;
		return CMDLINE_FOUND;
	}
	unsigned shift = 0;
	if (p[0] && !p[1])
		shift = p[0] == 'K' ? 10 : p[0] == 'M' ? 20 : p[0] == 'G' ? 30 : 64;
	else if (p[0])
		shift = 64;
	if (shift == 64 || v > UINT64_MAX >> shift)
		return CMDLINE_BAD_NUMBER;
	*out = v << shift;
	return CMDLINE_FOUND;
}
