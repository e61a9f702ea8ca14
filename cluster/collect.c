/* SPDX-License-Identifier: MIT */
/*
 * The history collector (collect.h).
 *
 * Times. Each node log line carries the host's time when the supervisor
 * read it (ms since `up`), always a little after the node printed it. A
 * `hist` line also carries the node's own clock (ns) at the operation.
 * Per node, boot and stretch between pauses (a paused TCG guest's clock
 * stops), the map from node clock g to host time is the lower convex hull
 * of the points (g, host - g): the line below every point that touches
 * the least delayed ones. It follows a node clock that runs slightly fast
 * or slow (a calibration error of 0.1 % is 60 ms in a minute), and maps
 * every operation no later than the host saw it, with an error of about
 * the smallest log delay (well under the checker's default skew, 2 ms).
 * Convex-hull clock estimation: Moon, Skelly and Towsley, INFOCOM 1999.
 */
#include "collect.h"
#include "text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define FIELD 48
#define FINAL_MAX (1u << 20) /* bytes of one final read */

struct op {
	unsigned node, seg;
	size_t order; /* in its log, for stable sorting */
	uint64_t host_ns;
	int64_t gns;
	int64_t t; /* mapped */
	char proc[FIELD], type[16], f[16], key[FIELD], err[FIELD];
	char *value; /* owned */
};

struct fault {
	uint64_t start, end; /* ns */
	char kind[16], target[3 * 64 + 8], detail[16];
};

struct collector {
	struct op *ops;
	size_t nops, capops;
	struct fault *faults;
	size_t nfaults, capfaults;
	unsigned segs;
	int raw; /* logs are raw console output */
};

static int add_fault(struct collector *c, uint64_t start, uint64_t end,
		     const char *kind, const char *target, const char *detail)
{
	if (c->nfaults == c->capfaults) {
		size_t n = c->capfaults ? c->capfaults * 2 : 64;
		struct fault *g = realloc(c->faults, n * sizeof(*g));
		if (!g)
			return -1;
		c->faults = g;
		c->capfaults = n;
	}
	struct fault *f = &c->faults[c->nfaults++];
	f->start = start;
	f->end = end < start ? start : end;
	str_copy(f->kind, kind, sizeof(f->kind));
	str_copy(f->target, target, sizeof(f->target));
	str_copy(f->detail, detail ? detail : "", sizeof(f->detail));
	return 0;
}

/* "12:04:31.207 +   3.412 | text" -> ms 3412, kind '|', text. */
static int parse_log_line(char *line, uint64_t *ms, char *kind, char **text)
{
	char *plus = strstr(line, " +");
	char *end;

	if (!plus)
		return -1;
	unsigned long long sec = strtoull(plus + 2, &end, 10);
	if (*end != '.')
		return -1;
	unsigned long long milli = strtoull(end + 1, &end, 10);
	if (end[0] != ' ' || !end[1] || end[2] != ' ')
		return -1;
	*ms = sec * 1000 + milli;
	*kind = end[1];
	*text = end + 3;
	return 0;
}

/* Per node: faults the host logged for it that are still going on. */
struct open_faults {
	int64_t kill, pause, reboot, link, loss; /* start ms, or -1 */
	unsigned loss_pct;
};

static int close_fault(struct collector *c, int64_t *start, uint64_t now_ms,
		       const char *kind, unsigned node, const char *detail)
{
	char target[16];

	if (*start < 0)
		return 0;
	snprintf(target, sizeof(target), "%u", node);
	int rc = add_fault(c, (uint64_t)*start * 1000000ull,
			   now_ms * 1000000ull, kind, target, detail);
	*start = -1;
	return rc;
}

static int parse_hist(struct collector *c, unsigned node, unsigned boot,
		      unsigned seg, uint64_t ms, size_t order, char *text,
		      char **final, size_t *final_len, unsigned *final_tokens,
		      char *why, size_t whylen)
{
	char *w[8], *save = NULL;
	int n = 0;

	for (char *p = strtok_r(text, " ", &save); p && n < 8;
	     p = strtok_r(NULL, " ", &save))
		w[n++] = p;
	if (n != 8 || strcmp(w[0], "hist")) {
		snprintf(why, whylen,
			 "node %u: a malformed history line: hist %s", node,
			 n > 1 ? w[1] : "");
		return -1;
	}
	if (!strcmp(w[2], "part")) { /* a chunk of a final read */
		size_t add = strlen(w[5]);
		if (*final_len + add + 2 > FINAL_MAX) {
			snprintf(why, whylen, "node %u: final read too long",
				 node);
			return -1;
		}
		char *g = realloc(*final, *final_len + add + 2);
		if (!g)
			return -1;
		*final = g;
		if (*final_len)
			(*final)[(*final_len)++] = ',';
		memcpy(*final + *final_len, w[5], add + 1);
		*final_len += add;
		for (const char *p = w[5]; *p; p++)
			*final_tokens += *p == ',';
		(*final_tokens)++;
		return 0;
	}
	if (c->nops == c->capops) {
		size_t cap = c->capops ? c->capops * 2 : 1024;
		struct op *g = realloc(c->ops, cap * sizeof(*g));
		if (!g)
			return -1;
		c->ops = g;
		c->capops = cap;
	}
	struct op *o = &c->ops[c->nops];
	memset(o, 0, sizeof(*o));
	o->node = node;
	o->seg = seg;
	o->order = order;
	o->gns = strtoll(w[7], NULL, 10);
	o->host_ns = c->raw && o->gns >= 0 ? (uint64_t)o->gns : ms * 1000000ull;
	if (boot > 1)
		snprintf(o->proc, sizeof(o->proc), "%s.b%u", w[1], boot);
	else
		str_copy(o->proc, w[1], sizeof(o->proc));
	str_copy(o->type, w[2], sizeof(o->type));
	str_copy(o->f, w[3], sizeof(o->f));
	str_copy(o->key, w[4], sizeof(o->key));
	str_copy(o->err, w[6], sizeof(o->err));
	if (!strcmp(o->f, "final") && !strcmp(o->type, "ok")) {
		unsigned want = (unsigned)strtoul(w[5], NULL, 10);
		if (want != *final_tokens) {
			snprintf(why, whylen,
				 "node %u: the final read of %s says %u "
				 "tokens but its lines hold %u (console "
				 "output lost?)",
				 node, o->key, want, *final_tokens);
			return -1;
		}
		o->value = *final_len ? *final : strdup("-");
		*final = NULL;
		*final_len = 0;
		*final_tokens = 0;
	} else {
		o->value = strdup(w[5]);
	}
	if (!o->value)
		return -1;
	c->nops++;
	return 0;
}

static int read_log(struct collector *c, const char *path, unsigned node,
		    int partitions, int raw, uint64_t *end_ms, char *why,
		    size_t whylen)
{
	FILE *f = fopen(path, "r");
	char line[2048];
	struct open_faults of = {-1, -1, -1, -1, -1, 0};
	int64_t part = -1;
	char part_desc[200] = "";
	unsigned boot = 0;
	uint64_t ms = 0;
	size_t order = 0;
	char *final = NULL;
	size_t final_len = 0;
	unsigned final_tokens = 0;
	int rc = -1;

	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(why, whylen, "cannot read %s: %s", path,
			 strerror(errno));
		return -1;
	}
	c->segs++;
	while (fgets(line, sizeof(line), f)) {
		char kind, *text;
		size_t n = strlen(line);
		if (n && line[n - 1] == '\n')
			line[--n] = '\0';
		if (raw) {
			/* A node's own console output, no host times: its
			 * clock is the only one, so it is the timeline. */
			char *last = strrchr(line, ' ');
			kind = '|';
			text = line;
			if (strncmp(line, "hist ", 5) || !last)
				continue;
			ms = strtoull(last + 1, NULL, 10) / 1000000ull;
		} else if (parse_log_line(line, &ms, &kind, &text))
			continue;
		if (ms > *end_ms)
			*end_ms = ms;
		if (kind == '|') {
			if (!strncmp(text, "hist ", 5) &&
			    parse_hist(c, node, boot, c->segs, ms, order++,
				       text, &final, &final_len, &final_tokens,
				       why, whylen))
				goto out;
			if (!strcmp(text, "init: ready") &&
			    close_fault(c, &of.reboot, ms, "reboot", node,
					NULL))
				goto out;
			continue;
		}
		if (kind != '#')
			continue;
		if (!strncmp(text, "boot: ", 6)) {
			boot++;
			c->segs++;
			if (close_fault(c, &of.kill, ms, "kill", node, NULL) ||
			    close_fault(c, &of.pause, ms, "pause", node, NULL))
				goto out;
			if (!strcmp(text, "boot: reset by host")) {
				if (close_fault(c, &of.reboot, ms, "reboot",
						node, NULL))
					goto out;
				of.reboot = (int64_t)ms;
			}
		} else if (!strcmp(text, "power: off (killed by host)")) {
			if (close_fault(c, &of.pause, ms, "pause", node, NULL))
				goto out;
			of.kill = (int64_t)ms;
		} else if (!strncmp(text, "state: paused", 13)) {
			c->segs++;
			if (of.pause < 0)
				of.pause = (int64_t)ms;
		} else if (!strcmp(text, "state: running")) {
			c->segs++;
			if (close_fault(c, &of.pause, ms, "pause", node, NULL))
				goto out;
		} else if (!strcmp(text, "link: down")) {
			if (of.link < 0)
				of.link = (int64_t)ms;
		} else if (!strcmp(text, "link: up")) {
			if (close_fault(c, &of.link, ms, "link", node, NULL))
				goto out;
		} else if (!strncmp(text, "net: loss ", 10) ||
			   !strncmp(text, "net: healed", 11)) {
			char pct[16];
			snprintf(pct, sizeof(pct), "%u", of.loss_pct);
			if (close_fault(c, &of.loss, ms, "loss", node, pct))
				goto out;
			unsigned p = (unsigned)strtoul(
			    text[5] == 'l' ? text + 10 : "0", NULL, 10);
			if (p) {
				of.loss = (int64_t)ms;
				of.loss_pct = p;
			}
			if (partitions && text[5] == 'h' && part >= 0) {
				if (add_fault(c, (uint64_t)part * 1000000ull,
					      ms * 1000000ull, "partition",
					      part_desc, NULL))
					goto out;
				part = -1;
			}
		} else if (partitions && !strncmp(text, "net: partition ", 15)) {
			if (part >= 0 &&
			    add_fault(c, (uint64_t)part * 1000000ull,
				      ms * 1000000ull, "partition", part_desc,
				      NULL))
				goto out;
			/* "1,2 / 3" -> "1,2/3": targets have no blanks. */
			size_t k = 0;
			for (const char *p = text + 15;
			     *p && k + 1 < sizeof(part_desc); p++)
				if (*p != ' ')
					part_desc[k++] = *p;
			part_desc[k] = '\0';
			part = k ? (int64_t)ms : -1;
		}
	}
	/* What is still going on at the end lasts until the end. */
	if (close_fault(c, &of.kill, ms, "kill", node, NULL) ||
	    close_fault(c, &of.pause, ms, "pause", node, NULL) ||
	    close_fault(c, &of.reboot, ms, "reboot", node, NULL) ||
	    close_fault(c, &of.link, ms, "link", node, NULL))
		goto out;
	if (of.loss >= 0) {
		char pct[16];
		snprintf(pct, sizeof(pct), "%u", of.loss_pct);
		if (close_fault(c, &of.loss, ms, "loss", node, pct))
			goto out;
	}
	if (part >= 0 && add_fault(c, (uint64_t)part * 1000000ull,
				   ms * 1000000ull, "partition", part_desc,
				   NULL))
		goto out;
	rc = 0;
out:
	free(final);
	fclose(f);
	return rc;
}

static int by_seg_gns(const void *a, const void *b)
{
	const struct op *x = a, *y = b;

	if (x->seg != y->seg)
		return x->seg < y->seg ? -1 : 1;
	if (x->gns != y->gns)
		return x->gns < y->gns ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int by_time(const void *a, const void *b)
{
	const struct op *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int by_start(const void *a, const void *b)
{
	const struct fault *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Is b on or below the line from a to c? (for the lower hull) */
static int not_convex(const struct op *a, const struct op *b,
		      const struct op *c)
{
	__int128 x1 = b->gns - a->gns, y1 = (int64_t)b->host_ns - b->gns -
					       ((int64_t)a->host_ns - a->gns);
	__int128 x2 = c->gns - a->gns, y2 = (int64_t)c->host_ns - c->gns -
					       ((int64_t)a->host_ns - a->gns);

	return x1 * y2 - y1 * x2 <= 0;
}

/* Map ops[0..n) (one segment, sorted by gns) onto the host's timeline. */
static int map_segment(struct op *ops, size_t n, uint64_t *max_delay)
{
	size_t *hull = malloc(n * sizeof(*hull)), h = 0, j = 0;

	if (!hull)
		return -1;
	for (size_t i = 0; i < n; i++) {
		while (h >= 2 && not_convex(&ops[hull[h - 2]], &ops[hull[h - 1]],
					    &ops[i]))
			h--;
		hull[h++] = i;
	}
	for (size_t i = 0; i < n; i++) {
		const struct op *a, *b;
		while (j + 2 < h && ops[hull[j + 1]].gns <= ops[i].gns)
			j++;
		a = &ops[hull[j]];
		b = &ops[hull[j + 1 < h ? j + 1 : j]];
		int64_t ya = (int64_t)a->host_ns - a->gns;
		int64_t off = ya;
		if (b->gns > a->gns) {
			int64_t yb = (int64_t)b->host_ns - b->gns;
			off = ya + (int64_t)((__int128)(yb - ya) *
					     (ops[i].gns - a->gns) /
					     (b->gns - a->gns));
		}
		ops[i].t = ops[i].gns + off;
		if (ops[i].t > (int64_t)ops[i].host_ns)
			ops[i].t = (int64_t)ops[i].host_ns;
		uint64_t d = ops[i].host_ns - (uint64_t)ops[i].t;
		if (d > *max_delay)
			*max_delay = d;
	}
	free(hull);
	return 0;
}

int history_collect(const char *const *logs, unsigned nodes,
		    uint64_t deadline_ns, int raw_serial, FILE *out,
		    struct collect_stats *st, char *why, size_t whylen)
{
	struct collector c;
	uint64_t end_ms = 0, max_delay = 0;
	int rc = -1;

	memset(&c, 0, sizeof(c));
	c.raw = raw_serial;
	memset(st, 0, sizeof(*st));
	why[0] = '\0';
	for (unsigned i = 0; i < nodes; i++)
		if (logs[i] && read_log(&c, logs[i], i + 1, i == 0,
					raw_serial, &end_ms, why, whylen))
			goto out;
	if (c.nops) {
		qsort(c.ops, c.nops, sizeof(*c.ops), by_seg_gns);
		for (size_t i = 0, j; i < c.nops; i = j) {
			for (j = i; j < c.nops && c.ops[j].seg == c.ops[i].seg;
			     j++)
				;
			if (map_segment(c.ops + i, j - i, &max_delay))
				goto out;
		}
		qsort(c.ops, c.nops, sizeof(*c.ops), by_time);
	}
	if (c.nfaults)
		qsort(c.faults, c.nfaults, sizeof(*c.faults), by_start);
	fprintf(out, "# uk history 1: %zu operations from %u node logs, "
		     "faults from the host's log lines\n",
		c.nops, nodes);
	fprintf(out, "deadline %llu\nend %llu\n",
		(unsigned long long)deadline_ns,
		(unsigned long long)(end_ms * 1000000ull));
	for (size_t i = 0; i < c.nfaults; i++) {
		const struct fault *f = &c.faults[i];
		fprintf(out, "fault %llu %llu %s %s%s%s\n",
			(unsigned long long)f->start,
			(unsigned long long)f->end, f->kind, f->target,
			f->detail[0] ? " " : "", f->detail);
	}
	for (size_t i = 0; i < c.nops; i++) {
		const struct op *o = &c.ops[i];
		fprintf(out, "op %lld %s %s %s %s %s", (long long)o->t, o->proc,
			o->type, o->f, o->key, o->value);
		if (strcmp(o->err, "-"))
			fprintf(out, " %s", o->err);
		fputc('\n', out);
	}
	st->ops = c.nops;
	st->faults = c.nfaults;
	st->end_ns = end_ms * 1000000ull;
	st->delay_us = max_delay / 1000;
	rc = ferror(out) ? -1 : 0;
	if (rc && !why[0])
		snprintf(why, whylen, "cannot write the history");
out:
	for (size_t i = 0; i < c.nops; i++)
		free(c.ops[i].value);
	free(c.ops);
	free(c.faults);
	if (rc && !why[0])
		snprintf(why, whylen, "out of memory");
	return rc;
}
