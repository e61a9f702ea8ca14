/* SPDX-License-Identifier: MIT */
/* Minimal JSON reading for QMP; see json.h. Strict enough to reject what
 * it cannot read; never writes outside its output buffers. */
#include "json.h"

#include <stdlib.h>
#include <string.h>

static const char *ws(const char *p)
{
	while (p && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

static const char *skip_string(const char *p)
{
	if (*p != '"')
		return NULL;
	for (p++; *p; p++) {
		if (*p == '\\') {
			if (!p[1])
				return NULL;
			p++;
		} else if (*p == '"') {
			return p + 1;
		}
	}
	return NULL;
}

const char *json_skip(const char *v)
{
	v = ws(v);
	if (!v || !*v)
		return NULL;
	if (*v == '"')
		return skip_string(v);
	if (*v == '{' || *v == '[') {
		char close = *v == '{' ? '}' : ']';
		v = ws(v + 1);
		if (*v == close)
			return v + 1;
		for (;;) {
			if (close == '}') {
				v = skip_string(ws(v));
				v = ws(v);
				if (!v || *v != ':')
					return NULL;
				v++;
			}
			v = ws(json_skip(v));
			if (!v)
				return NULL;
			if (*v == close)
				return v + 1;
			if (*v != ',')
				return NULL;
			v++;
		}
	}
	if (*v == '-' || (*v >= '0' && *v <= '9')) {
		while (*v && strchr("+-0123456789.eE", *v))
			v++;
		return v;
	}
	if (!strncmp(v, "true", 4))
		return v + 4;
	if (!strncmp(v, "false", 5))
		return v + 5;
	if (!strncmp(v, "null", 4))
		return v + 4;
	return NULL;
}

const char *json_member(const char *obj, const char *key)
{
	const char *p = ws(obj);
	size_t klen = strlen(key);

	if (!p || *p != '{')
		return NULL;
	p = ws(p + 1);
	if (*p == '}')
		return NULL;
	for (;;) {
		const char *k = p, *end = skip_string(ws(p));
		if (!end)
			return NULL;
		k = ws(k) + 1;
		int match =
		    (size_t)(end - 1 - k) == klen && !strncmp(k, key, klen);
		p = ws(end);
		if (*p != ':')
			return NULL;
		p = ws(p + 1);
		if (match)
			return p;
		p = ws(json_skip(p));
		if (!p || *p != ',')
			return NULL;
		p = ws(p + 1);
	}
}

const char *json_index(const char *v, int i)
{
	v = ws(v);
	if (!v || *v != '[')
		return NULL;
	v = ws(v + 1);
	if (*v == ']')
		return NULL;
	for (int k = 0;; k++) {
		if (k == i)
			return v;
		v = ws(json_skip(v));
		if (!v || *v != ',')
			return NULL;
		v = ws(v + 1);
	}
}

const char *json_path(const char *obj, const char *const keys[], int n)
{
	for (int i = 0; i < n && obj; i++)
		obj = json_member(obj, keys[i]);
	return obj;
}

int json_string(const char *v, char *buf, size_t len)
{
	size_t n = 0;

	v = ws(v);
	if (!v || *v != '"' || !len)
		return -1;
	for (v++; *v && *v != '"'; v++) {
		char c = *v;
		if (c == '\\') {
			v++;
			switch (*v) {
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 't':
				c = '\t';
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'u': {
				char hex[5] = {0};
				for (int i = 0; i < 4; i++)
					if (!(hex[i] = v[1 + i]))
						return -1;
				long cp = strtol(hex, NULL, 16);
				c = cp < 0x80 ? (char)cp : '?';
				v += 4;
				break;
			}
			case '\0':
				return -1;
			default:
				c = *v;
				break;
			}
		}
		if (n + 1 < len)
			buf[n++] = c;
	}
	buf[n] = '\0';
	return *v == '"' ? 0 : -1;
}

int json_number(const char *v, long long *out)
{
	char *end;

	v = ws(v);
	if (!v || !(*v == '-' || (*v >= '0' && *v <= '9')))
		return -1;
	*out = strtoll(v, &end, 10);
	return end == v ? -1 : 0;
}

int json_bool(const char *v, int *out)
{
	v = ws(v);
	if (v && !strncmp(v, "true", 4)) {
		*out = 1;
		return 0;
	}
	if (v && !strncmp(v, "false", 5)) {
		*out = 0;
		return 0;
	}
	return -1;
}
