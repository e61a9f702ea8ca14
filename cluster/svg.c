/* SPDX-License-Identifier: MIT */
/*
 * The SVG timeline (svg.h). Layout: a legend on top, then one lane per
 * node in node order (nodes that only appear in faults get an empty
 * lane), one row per process of the node in name order, the time axis
 * below. Colours and shapes are CSS classes in one <style> so that each
 * operation costs one short <rect> plus its tooltip.
 */
#include "svg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLOT_WIDTH 1600.0
#define LEFT 120.0
#define RIGHT 20.0
#define TOP 56.0
#define ROW 12.0
#define BAR 8.0
#define LABEL 10.0 /* a strip on top of each lane for fault labels */
#define LANE_GAP 6.0
#define AXIS 36.0

struct lane {
	unsigned node;
	double y, height;
};

struct layout {
	const struct history *h;
	uint64_t t0, t1;
	struct lane *lane;
	unsigned lanes;
	unsigned *row_of;     /* per process: its row within its node's lane */
	unsigned *lane_of;    /* per process: its lane */
	unsigned *lane_index; /* node -> lane + 1, 0 none */
	double height;
};

static double x_of(const struct layout *l, uint64_t t)
{
	if (t < l->t0)
		t = l->t0;
	if (t > l->t1)
		t = l->t1;
	return LEFT +
	       (double)(t - l->t0) * PLOT_WIDTH / (double)(l->t1 - l->t0);
}

/* Text for XML content and attributes. Bytes outside printable ASCII
 * become '?': a torn line from a guest must not make the file invalid
 * XML (control characters) or invalid UTF-8. */
static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s >= ' ' && *s < 0x7f ? *s : '?', f);
		}
}

struct process_key {
	unsigned node;
	const char *name;
	unsigned index;
};

/* Node, then name with numbers in number order (1.2 before 1.10). */
static int process_order(const void *a, const void *b)
{
	const struct process_key *x = a, *y = b;

	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	return strverscmp(x->name, y->name);
}

static int layout(struct layout *l, const struct history *h)
{
	struct process_key *proc =
	    malloc((h->process_count + 1) * sizeof(*proc));
	unsigned char *used = calloc(HISTORY_MAX_NODE + 1, 1);
	double y = TOP;

	memset(l, 0, sizeof(*l));
	l->h = h;
	l->row_of = calloc(h->process_count + 1, sizeof(*l->row_of));
	l->lane_of = calloc(h->process_count + 1, sizeof(*l->lane_of));
	l->lane_index = calloc(HISTORY_MAX_NODE + 1, sizeof(*l->lane_index));
	l->lane = calloc(HISTORY_MAX_NODE + 1, sizeof(*l->lane));
	if (!proc || !used || !l->row_of || !l->lane_of || !l->lane_index ||
	    !l->lane) {
		free(proc);
		free(used);
		return -1;
	}
	for (unsigned i = 0; i < h->process_count; i++) {
		proc[i] = (struct process_key){h->process[i].node,
					       h->process[i].name, i};
		used[h->process[i].node] = 1;
	}
	for (unsigned i = 0; i < h->fault_count; i++)
		for (unsigned j = 0; j < h->fault[i].node_count; j++)
			used[h->fault[i].nodes[j]] = 1;
	qsort(proc, h->process_count, sizeof(*proc), process_order);
	for (unsigned node = 1, p = 0; node <= HISTORY_MAX_NODE; node++) {
		if (!used[node])
			continue;
		struct lane *ln = &l->lane[l->lanes];
		unsigned rows = 0;
		ln->node = node;
		ln->y = y;
		for (; p < h->process_count && proc[p].node == node; p++) {
			l->row_of[proc[p].index] = rows++;
			l->lane_of[proc[p].index] = l->lanes;
		}
		ln->height = LABEL + (rows ? rows : 1) * ROW;
		y += ln->height + LANE_GAP;
		l->lane_index[node] = ++l->lanes;
	}
	l->height = y + AXIS;
	/* The time range: from the first record to the end of the run. */
	l->t0 = h->end_ns;
	l->t1 = h->end_ns;
	if (h->op_count && h->op[0].invoke_ns < l->t0)
		l->t0 = h->op[0].invoke_ns;
	if (h->fault_count && h->fault[0].start_ns < l->t0)
		l->t0 = h->fault[0].start_ns;
	if (l->t1 == l->t0)
		l->t1 = l->t0 + 1;
	free(proc);
	free(used);
	return 0;
}

static void layout_free(struct layout *l)
{
	free(l->lane);
	free(l->row_of);
	free(l->lane_of);
	free(l->lane_index);
}

static void legend(FILE *f, const struct history *h)
{
	static const char *const items[][2] = {{"k", "ok"},
					       {"f", "fail"},
					       {"u", "info / no completion"},
					       {"h", "hung"},
					       {"k v", "part of a violation"}};
	double x = LEFT;

	fprintf(f, "<text x=\"%.0f\" y=\"16\" class=\"t\">", LEFT);
	put_escaped(f, h->path ? h->path : "history");
	fprintf(f, ": %u operations, %u faults</text>\n", h->op_count,
		h->fault_count);
	for (unsigned i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
		fprintf(
		    f,
		    "<rect x=\"%.0f\" y=\"28\" width=\"14\" height=\"%.0f\" "
		    "class=\"%s\"/><text x=\"%.0f\" y=\"36\">%s</text>\n",
		    x, BAR, items[i][0], x + 18, items[i][1]);
		x += 32 + 6 * strlen(items[i][1]);
	}
	for (int k = 0; k < FAULT_KINDS; k++) {
		const char *name = fault_kind_name((enum fault_kind)k);
		fprintf(f,
			"<rect x=\"%.0f\" y=\"26\" width=\"14\" height=\"12\" "
			"class=\"b %s\"/><text x=\"%.0f\" y=\"36\">%s</text>\n",
			x, name, x + 18, name);
		x += 32 + 6 * strlen(name);
	}
}

static void axis(FILE *f, const struct layout *l)
{
	static const uint64_t nice[] = {1, 2, 5};
	uint64_t span = l->t1 - l->t0, step = 1000000; /* 1 ms at least */
	double bottom = l->height - AXIS;

	for (uint64_t scale = 1000000;; scale *= 10) {
		unsigned i;
		for (i = 0; i < 3 && nice[i] * scale * 12 < span; i++)
			;
		if (i < 3) {
			step = nice[i] * scale;
			break;
		}
	}
	fprintf(f,
		"<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" "
		"class=\"ax\"/>\n",
		LEFT, bottom, LEFT + PLOT_WIDTH, bottom);
	for (uint64_t t = (l->t0 + step - 1) / step * step; t <= l->t1;
	     t += step) {
		double x = x_of(l, t);
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" "
			"class=\"g\"/><text x=\"%.1f\" y=\"%.0f\" "
			"class=\"c\">%g s</text>\n",
			x, TOP - 4, x, bottom + 4, x, bottom + 16,
			(double)t / 1e9);
	}
	fprintf(f,
		"<text x=\"%.0f\" y=\"%.0f\" class=\"c\">time since the "
		"cluster came up</text>\n",
		LEFT + PLOT_WIDTH / 2, bottom + 30);
}

static void lanes(FILE *f, const struct layout *l)
{
	const struct history *h = l->h;

	for (unsigned i = 0; i < l->lanes; i++) {
		const struct lane *ln = &l->lane[i];
		fprintf(
		    f,
		    "<rect x=\"0\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" "
		    "class=\"%s\"/><text x=\"4\" y=\"%.0f\" "
		    "class=\"n\">node %u</text>\n",
		    ln->y - LANE_GAP / 2, LEFT + PLOT_WIDTH + RIGHT,
		    ln->height + LANE_GAP, i % 2 ? "l1" : "l0",
		    ln->y + LABEL + ROW - 3, ln->node);
	}
	for (unsigned p = 0; p < h->process_count; p++) {
		fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" class=\"p\">", LEFT - 4,
			l->lane[l->lane_of[p]].y + LABEL + l->row_of[p] * ROW +
			    ROW - 3);
		put_escaped(f, h->process[p].name);
		fprintf(f, "</text>\n");
	}
}

static void faults(FILE *f, const struct layout *l)
{
	const struct history *h = l->h;
	char a[32], b[32];

	for (unsigned i = 0; i < h->fault_count; i++) {
		const struct history_fault *fl = &h->fault[i];
		const char *kind = fault_kind_name(fl->kind);
		double x1 = x_of(l, fl->start_ns), x2 = x_of(l, fl->end_ns);
		if (x2 - x1 < 1)
			x2 = x1 + 1;
		for (unsigned j = 0; j < fl->node_count; j++) {
			const struct lane *ln =
			    &l->lane[l->lane_index[fl->nodes[j]] - 1];
			fprintf(f,
				"<rect x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" "
				"height=\"%.0f\" class=\"b %s\"><title>",
				x1, ln->y - 2, x2 - x1, ln->height + 4, kind);
			fprintf(f, "%s ", kind);
			put_escaped(f, fl->target);
			if (fl->detail) {
				fputc(' ', f);
				put_escaped(f, fl->detail);
			}
			fprintf(f,
				" [%s, %s] (line %d)</title></rect>"
				"<text x=\"%.1f\" y=\"%.0f\" "
				"class=\"fl\">%s ",
				history_secs(fl->start_ns, a, sizeof(a)),
				history_secs(fl->end_ns, b, sizeof(b)),
				fl->line, x1 + 2, ln->y + LABEL - 2, kind);
			put_escaped(f, fl->target);
			fprintf(f, "</text>\n");
		}
	}
}

/* Where an op's bar ends: its completion; without one, the crash of its
 * node (OP_CRASHED) or the end of the run. */
static uint64_t bar_end(const struct history *h, const struct history_op *op)
{
	uint64_t end = h->end_ns;

	if (op->done_ns != HISTORY_NO_TIME)
		return op->done_ns;
	if (!(op->flags & OP_CRASHED))
		return end;
	for (unsigned i = 0; i < h->fault_count; i++) {
		const struct history_fault *fl = &h->fault[i];
		if ((fl->kind == FAULT_KILL || fl->kind == FAULT_REBOOT) &&
		    fl->nodes[0] == op->node && fl->end_ns >= op->invoke_ns) {
			uint64_t at = fl->start_ns > op->invoke_ns
					  ? fl->start_ns
					  : op->invoke_ns;
			if (at < end)
				end = at;
		}
	}
	return end;
}

static void operations(FILE *f, const struct layout *l)
{
	const struct history *h = l->h;
	char what[512];

	for (unsigned i = 0; i < h->op_count; i++) {
		const struct history_op *op = &h->op[i];
		const struct lane *ln = &l->lane[l->lane_of[op->process]];
		double x1 = x_of(l, op->invoke_ns),
		       x2 = x_of(l, bar_end(h, op));
		const char *cls = op->flags & OP_HUNG		? "h"
				  : op->outcome == HISTORY_OK	? "k"
				  : op->outcome == HISTORY_FAIL ? "f"
								: "u";
		/* Wide enough that the fill shows inside the outline. */
		double least = op->flags & OP_VIOLATION ? 5 : 1;
		if (x2 - x1 < least)
			x2 = x1 + least;
		fprintf(f,
			"<rect x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" "
			"height=\"%.0f\" class=\"%s%s\"><title>",
			x1, ln->y + LABEL + l->row_of[op->process] * ROW + 1,
			x2 - x1, BAR, cls,
			op->flags & OP_VIOLATION ? " v" : "");
		history_describe(h, op, what, sizeof(what));
		put_escaped(f, what);
		fprintf(f, "%s%s%s%s</title></rect>\n",
			op->flags & OP_HUNG ? "&#10;HUNG" : "",
			op->flags & OP_CRASHED ? "&#10;died with its node" : "",
			op->flags & OP_CUT ? "&#10;cut by the end of the run"
					   : "",
			op->flags & OP_VIOLATION ? "&#10;VIOLATION" : "");
	}
}

int svg_write(const struct history *h, const char *path, char *why, size_t len)
{
	struct layout l;
	FILE *f;

	if (layout(&l, h)) {
		layout_free(&l);
		snprintf(why, len, "out of memory");
		return -1;
	}
	if (!(f = fopen(path, "w"))) {
		snprintf(why, len, "cannot write: %s", strerror(errno));
		layout_free(&l);
		return -1;
	}
	fprintf(f,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
		"height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n"
		"<style>text{font:10px sans-serif}.t{font-size:13px}"
		".n{font-weight:bold}.p{font-size:9px;text-anchor:end}"
		".c{text-anchor:middle}.fl{font-size:9px;fill:#444}"
		".l0{fill:#fff}.l1{fill:#f3f3f3}.ax{stroke:#000}"
		".g{stroke:#ccc;stroke-width:.5}"
		".k{fill:#2a9d3a}.f{fill:#9a9a9a}.u{fill:#f29b1d}"
		".h{fill:#e03030}.v{stroke:#7a0000;stroke-width:2}"
		".b{opacity:.22}.kill{fill:#000}.pause{fill:#2f5fff}"
		".reboot{fill:#8a3fc0}.link{fill:#00a0a0}"
		".partition{fill:#ff3fa0}.loss{fill:#b07a00}</style>\n",
		LEFT + PLOT_WIDTH + RIGHT, l.height, LEFT + PLOT_WIDTH + RIGHT,
		l.height);
	lanes(f, &l);
	axis(f, &l);
	faults(f, &l);
	operations(f, &l);
	legend(f, h);
	fprintf(f, "</svg>\n");
	layout_free(&l);
	int bad = ferror(f);
	if (fclose(f) || bad) {
		snprintf(why, len, "cannot write: %s", strerror(errno));
		return -1;
	}
	return 0;
}
