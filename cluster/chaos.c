/* SPDX-License-Identifier: MIT */
/*
 * Seeded fault schedules; pure (chaos.h).
 */
#include "chaos.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[CHAOS_KINDS] = {
    [CHAOS_KILL] = "kill",	     [CHAOS_PAUSE] = "pause",
    [CHAOS_REBOOT] = "reboot",	     [CHAOS_LINK] = "link",
    [CHAOS_PARTITION] = "partition", [CHAOS_LOSS] = "loss",
};

const char *chaos_kind_name(enum chaos_kind k)
{
	return (unsigned)k < CHAOS_KINDS ? kind_names[k] : "?";
}

/* splitmix64 (Steele, Lea, Flood 2014): one 64-bit state, every seed
 * good, the same sequence everywhere. */
static uint64_t next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi]; the bias of a modulo of 2^64 is below 2^-40 here. */
static uint64_t between(uint64_t *s, uint64_t lo, uint64_t hi)
{
	return hi <= lo ? lo : lo + next(s) % (hi - lo + 1);
}

static int range_ms(const char *v, uint64_t *lo, uint64_t *hi)
{
	char a[32], *dash;

	str_copy(a, v, sizeof(a));
	if ((dash = strchr(a, '-')) != NULL)
		*dash = '\0';
	if (parse_duration_ms(a, lo))
		return -1;
	if (!dash)
		*hi = *lo;
	else if (parse_duration_ms(dash + 1, hi))
		return -1;
	return *hi < *lo ? -1 : 0;
}

int chaos_parse(char *const *words, int count, unsigned nodes,
		struct chaos_spec *spec, char *why, size_t whylen)
{
	spec->kinds = (1u << CHAOS_KINDS) - 1;
	spec->nodes = 0;
	spec->seed = 0;
	spec->seed_given = 0;
	spec->gap_lo = spec->hold_lo = 1000;
	spec->gap_hi = spec->hold_hi = 4000;
	spec->loss_lo = 20;
	spec->loss_hi = 60;
	for (int i = 0; i < count; i++) {
		const char *w = words[i], *eq = strchr(w, '=');
		if (!eq || eq == w || !eq[1]) {
			snprintf(why, whylen,
				 "chaos takes KEY=VALUE words after the "
				 "duration (seed, kinds, nodes, gap, hold, "
				 "loss), not '%s'",
				 w);
			return -1;
		}
		size_t klen = (size_t)(eq - w);
		const char *v = eq + 1;
		if (klen == 4 && !strncmp(w, "seed", 4)) {
			char *end;
			spec->seed = strtoull(v, &end, 10);
			if (*end || *v < '0' || *v > '9') {
				snprintf(why, whylen,
					 "seed is a decimal number, not '%s'",
					 v);
				return -1;
			}
			spec->seed_given = 1;
		} else if (klen == 5 && !strncmp(w, "kinds", 5)) {
			char list[128], *save = NULL;
			str_copy(list, v, sizeof(list));
			spec->kinds = 0;
			for (char *k = strtok_r(list, ",", &save); k;
			     k = strtok_r(NULL, ",", &save)) {
				unsigned j;
				for (j = 0; j < CHAOS_KINDS; j++)
					if (!strcmp(k, kind_names[j]))
						break;
				if (j == CHAOS_KINDS) {
					snprintf(why, whylen,
						 "unknown fault kind '%s' "
						 "(kill, pause, reboot, link, "
						 "partition, loss)",
						 k);
					return -1;
				}
				spec->kinds |= 1u << j;
			}
			if (!spec->kinds) {
				snprintf(why, whylen, "kinds= names no fault");
				return -1;
			}
		} else if (klen == 5 && !strncmp(w, "nodes", 5)) {
			char list[128], *save = NULL;
			str_copy(list, v, sizeof(list));
			for (char *k = strtok_r(list, ",", &save); k;
			     k = strtok_r(NULL, ",", &save)) {
				unsigned n;
				if (parse_uint(k, 1, nodes, &n)) {
					snprintf(why, whylen,
						 "nodes= lists node numbers "
						 "1..%u, not '%s'",
						 nodes, k);
					return -1;
				}
				spec->nodes |= 1ull << (n - 1);
			}
		} else if ((klen == 3 && !strncmp(w, "gap", 3)) ||
			   (klen == 4 && !strncmp(w, "hold", 4))) {
			int gap = klen == 3;
			if (range_ms(v, gap ? &spec->gap_lo : &spec->hold_lo,
				     gap ? &spec->gap_hi : &spec->hold_hi) ||
			    (!gap && !spec->hold_lo)) {
				snprintf(why, whylen,
					 "%s= is a duration or a range like "
					 "1s-4s, not '%s'",
					 gap ? "gap" : "hold", v);
				return -1;
			}
		} else if (klen == 4 && !strncmp(w, "loss", 4)) {
			char a[16], *dash;
			str_copy(a, v, sizeof(a));
			if ((dash = strchr(a, '-')) != NULL)
				*dash = '\0';
			if (parse_uint(a, 1, 100, &spec->loss_lo) ||
			    parse_uint(dash ? dash + 1 : a, 1, 100,
				       &spec->loss_hi) ||
			    spec->loss_hi < spec->loss_lo) {
				snprintf(why, whylen,
					 "loss= is a percentage or a range "
					 "like 20-60 (1..100), not '%s'",
					 v);
				return -1;
			}
		} else {
			snprintf(why, whylen,
				 "unknown chaos setting '%.*s' (seed, kinds, "
				 "nodes, gap, hold, loss)",
				 (int)klen, w);
			return -1;
		}
	}
	if ((spec->kinds & (1u << CHAOS_PARTITION)) && nodes < 2) {
		snprintf(why, whylen, "a partition needs two nodes");
		return -1;
	}
	return 0;
}

size_t chaos_plan(const struct chaos_spec *spec, unsigned nodes,
		  struct chaos_fault *out, size_t max)
{
	uint64_t s = spec->seed, t;
	unsigned targets[CLUSTER_MAX_NODES], ntargets = 0;
	enum chaos_kind kinds[CHAOS_KINDS];
	unsigned nkinds = 0;
	size_t n = 0;

	for (unsigned i = 1; i <= nodes && i <= CLUSTER_MAX_NODES; i++)
		if (!spec->nodes || (spec->nodes & (1ull << (i - 1))))
			targets[ntargets++] = i;
	for (unsigned k = 0; k < CHAOS_KINDS; k++)
		if (spec->kinds & (1u << k))
			kinds[nkinds++] = (enum chaos_kind)k;
	if (!ntargets || !nkinds)
		return 0;
	t = between(&s, spec->gap_lo, spec->gap_hi);
	while (n < max && t < spec->duration_ms) {
		struct chaos_fault *f = &out[n++];
		memset(f, 0, sizeof(*f));
		f->at_ms = t;
		f->kind = kinds[between(&s, 0, nkinds - 1)];
		f->node = targets[between(&s, 0, ntargets - 1)];
		f->hold_ms = between(&s, spec->hold_lo, spec->hold_hi);
		if (t + f->hold_ms > spec->duration_ms)
			f->hold_ms = spec->duration_ms - t;
		if (f->kind == CHAOS_LOSS)
			f->percent = (unsigned)between(&s, spec->loss_lo,
						       spec->loss_hi);
		if (f->kind == CHAOS_PARTITION) {
			/* The node and a random share of the others on one
			 * side, the rest (never nobody) on the other. */
			char a[sizeof(f->partition)] = "", b[sizeof(a)] = "";
			unsigned other = 0;
			uint64_t bits = next(&s);
			for (unsigned i = 1; i <= nodes; i++) {
				int side_a = i == f->node ||
					     ((bits >> (i % 64)) & 1);
				if (!side_a)
					other++;
				str_append(side_a ? a : b, sizeof(a), "%s%u",
					   (side_a ? a : b)[0] ? "," : "", i);
			}
			if (!other) { /* everyone on one side: cut f->node */
				a[0] = b[0] = '\0';
				for (unsigned i = 1; i <= nodes; i++)
					str_append(i == f->node ? a : b,
						   sizeof(a), "%s%u",
						   (i == f->node ? a : b)[0]
						       ? ","
						       : "",
						   i);
			}
			snprintf(f->partition, sizeof(f->partition), "%s / %s",
				 a, b);
		}
		t += f->hold_ms + between(&s, spec->gap_lo, spec->gap_hi);
	}
	return n;
}

void chaos_describe(const struct chaos_fault *f, char *buf, size_t len)
{
	char hold[32];

	format_duration(f->hold_ms, hold, sizeof(hold));
	switch (f->kind) {
	case CHAOS_REBOOT:
		snprintf(buf, len, "reboot %u", f->node);
		break;
	case CHAOS_LINK:
		snprintf(buf, len, "link %u down for %s", f->node, hold);
		break;
	case CHAOS_PARTITION:
		snprintf(buf, len, "partition %s for %s", f->partition, hold);
		break;
	case CHAOS_LOSS:
		snprintf(buf, len, "loss %u %u%% for %s", f->node, f->percent,
			 hold);
		break;
	case CHAOS_KILL:
	case CHAOS_PAUSE:
	case CHAOS_KINDS:
	default:
		snprintf(buf, len, "%s %u for %s", chaos_kind_name(f->kind),
			 f->node, hold);
		break;
	}
}
