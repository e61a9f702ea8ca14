/* SPDX-License-Identifier: MIT */
/* Names, addresses and target words of the cluster; pure (no I/O), shared by
 * the tool and the parsers' unit tests. */
#include "cluster.h"
#include "text.h"

#include <stdio.h>
#include <string.h>

static int parse_index(const char *s, unsigned *out)
{
	return parse_uint(s, 1, 999, out);
}

int target_parse(const char *word, int allow_all, struct target *t)
{
	unsigned n;

	if (!strcmp(word, "host")) {
		*t = (struct target){TARGET_HOST, 0};
		return 0;
	}
	if (!strcmp(word, "all")) {
		if (!allow_all)
			return -1;
		*t = (struct target){TARGET_ALL, 0};
		return 0;
	}
	if (!strncmp(word, "probe", 5) && !parse_index(word + 5, &n)) {
		*t = (struct target){TARGET_PROBE, n};
		return 0;
	}
	if (word[0] == 'p' && !parse_index(word + 1, &n)) {
		*t = (struct target){TARGET_PROBE, n};
		return 0;
	}
	if (!strncmp(word, "node", 4) && !parse_index(word + 4, &n)) {
		*t = (struct target){TARGET_NODE, n};
		return 0;
	}
	if (!parse_index(word, &n)) {
		*t = (struct target){TARGET_NODE, n};
		return 0;
	}
	return -1;
}

const char *target_describe(const struct target *t, char *buf, size_t len)
{
	switch (t->kind) {
	case TARGET_NODE:
		snprintf(buf, len, "node %u", t->index);
		break;
	case TARGET_PROBE:
		snprintf(buf, len, "probe p%u", t->index);
		break;
	case TARGET_HOST:
		snprintf(buf, len, "host");
		break;
	case TARGET_ALL:
	default:
		snprintf(buf, len, "all nodes");
		break;
	}
	return buf;
}

void node_address(unsigned node, char *buf, size_t len)
{
	snprintf(buf, len, "10.77.0.%u", 10 + node);
}

void node_mac(unsigned node, char *buf, size_t len)
{
	snprintf(buf, len, "52:54:00:77:00:%02x", node & 0xff);
}

void node_tap(unsigned node, char *buf, size_t len)
{
	snprintf(buf, len, "tap%u", node);
}

void probe_address(unsigned probe, char *buf, size_t len)
{
	snprintf(buf, len, "10.77.0.%u", 200 + probe);
}

void probe_mac(unsigned probe, char *buf, size_t len)
{
	snprintf(buf, len, "52:54:00:77:01:%02x", probe & 0xff);
}

void probe_port(unsigned probe, char *buf, size_t len)
{
	snprintf(buf, len, "probe%u", probe);
}

int cluster_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= CLUSTER_NAME_MAX)
		return 0;
	if (!((name[0] >= 'a' && name[0] <= 'z') ||
	      (name[0] >= '0' && name[0] <= '9')))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return 0;
	}
	return 1;
}
