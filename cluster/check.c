/* SPDX-License-Identifier: MIT */
/*
 * The checks of one history (check.h). Each check reads the paired
 * operations and the faults, flags the operations it blames (OP_*, which
 * the picture outlines) and writes report lines; the figures come first in
 * the report, the violations after them, each kind capped at DETAIL_MAX
 * lines with the rest counted. Nothing passes by default: an append key
 * without a final read and a register the search could not decide within
 * its budget both make the result INVALID.
 */
#include "check.h"
#include "linear.h"
#include "svg.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define DETAIL_MAX 20

/* In the order the report lists them. */
enum detail_kind {
	D_ERROR,
	D_LOST,
	D_DUP,
	D_PHANTOM,
	D_HUNG,
	D_LINEAR,
	D_UNDECIDED,
	D_KINDS
};

static const char *const detail_names[] = {
    "errors",		"lost",	    "duplicated", "phantom", "hung",
    "not linearizable", "undecided"};

struct checker {
	struct history *h;
	const struct check_opts *o;
	struct check_result *r;
	uint64_t deadline;
	FILE *figures;
	FILE *violations[D_KINDS]; /* the report lists them kind by kind */
	unsigned shown[D_KINDS], hidden[D_KINDS];
	uint64_t steps, most_steps; /* of the searches; the largest one's */
	unsigned most_steps_key;
	unsigned **key_ops; /* per key: op indices in invoke order */
	unsigned *key_op_count;
};

void check_opts_default(struct check_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->skew_ns = CHECK_DEFAULT_SKEW_NS;
	o->budget = CHECK_DEFAULT_BUDGET;
}

static void violation(struct checker *c, enum detail_kind kind, const char *fmt,
		      ...) __attribute__((format(printf, 3, 4)));

static void violation(struct checker *c, enum detail_kind kind, const char *fmt,
		      ...)
{
	va_list ap;

	if (c->shown[kind] == DETAIL_MAX) {
		c->hidden[kind]++;
		return;
	}
	c->shown[kind]++;
	va_start(ap, fmt);
	vfprintf(c->violations[kind], fmt, ap);
	va_end(ap);
	fputc('\n', c->violations[kind]);
}

/* Time node was paused, off or rebooting within [from, to] (the union of
 * those faults on it): its operations cannot be blamed for that time. */
static uint64_t stopped_ns(const struct history *h, unsigned node,
			   uint64_t from, uint64_t to)
{
	uint64_t total = 0, covered = from;

	for (unsigned i = 0; i < h->fault_count; i++) {
		const struct history_fault *fl = &h->fault[i];
		if (fl->kind != FAULT_PAUSE && fl->kind != FAULT_KILL &&
		    fl->kind != FAULT_REBOOT)
			continue;
		if (fl->nodes[0] != node)
			continue;
		uint64_t s = fl->start_ns > covered ? fl->start_ns : covered;
		uint64_t e = fl->end_ns < to ? fl->end_ns : to;
		if (e > s) {
			total += e - s;
			covered = e;
		}
	}
	return total;
}

static void check_hangs(struct checker *c)
{
	struct history *h = c->h;
	char what[512], a[32], b[32];

	for (unsigned i = 0; i < h->op_count; i++) {
		struct history_op *op = &h->op[i];
		uint64_t to = op->done_ns, took;

		if (to == HISTORY_NO_TIME) {
			if (history_node_crashed(h, op->node, op->invoke_ns,
						 h->end_ns)) {
				op->flags |= OP_CRASHED;
				c->r->crashed++;
				continue;
			}
			to = h->end_ns;
		}
		took = to - op->invoke_ns -
		       stopped_ns(h, op->node, op->invoke_ns, to);
		if (took <= c->deadline) {
			if (op->done_ns == HISTORY_NO_TIME) {
				op->flags |= OP_CUT;
				c->r->cut++;
			}
			continue;
		}
		op->flags |= OP_HUNG | OP_VIOLATION;
		c->r->hung++;
		history_describe(h, op, what, sizeof(what));
		violation(
		    c, D_HUNG,
		    "hung: %s: %s %s s (own node stopped %s s of it)", what,
		    op->done_ns == HISTORY_NO_TIME
			? "no completion by the end of the run, after"
			: "completed after",
		    history_secs(to - op->invoke_ns, a, sizeof(a)),
		    history_secs(to - op->invoke_ns - took, b, sizeof(b)));
	}
}

/* The ok final with the latest completion on key, or NULL. */
static struct history_op *last_final(struct checker *c, unsigned key)
{
	struct history_op *best = NULL;

	for (unsigned j = 0; j < c->key_op_count[key]; j++) {
		struct history_op *op = &c->h->op[c->key_ops[key][j]];
		if (op->f == HISTORY_FINAL && op->outcome == HISTORY_OK &&
		    (!best || op->done_ns >= best->done_ns))
			best = op;
	}
	return best;
}

struct token {
	unsigned appends; /* invocations */
	unsigned fail;	  /* of them failed */
	unsigned seen;	  /* times in the final read */
	long op;	  /* the (last) append of it */
	long ok_op;	  /* the ok append that completed first, or -1 */
};

/* Rules 1 and 2 for one append key: every acknowledged append is in the
 * last final read, nothing is in it twice, nothing is in it that was never
 * appended or whose append definitely failed. */
static int check_append_key(struct checker *c, unsigned key)
{
	struct history *h = c->h;
	struct strtab tokens = {0}, strangers = {0};
	struct token *tok = NULL;
	unsigned *stranger_seen = NULL, acked = 0;
	char *list = NULL, what[512], a[32];
	int added, rc = -1;

	tok = calloc(c->key_op_count[key] + 1, sizeof(*tok));
	if (!tok)
		goto out;
	for (unsigned j = 0; j < c->key_op_count[key]; j++) {
		unsigned i = c->key_ops[key][j];
		struct history_op *op = &h->op[i];
		if (op->f != HISTORY_APPEND)
			continue;
		long t = strtab_put(&tokens, op->value, &added);
		if (t < 0)
			goto out;
		tok[t].appends++;
		tok[t].fail += op->outcome == HISTORY_FAIL;
		if (added)
			tok[t].ok_op = -1;
		tok[t].op = i;
		if (op->outcome == HISTORY_OK &&
		    (tok[t].ok_op < 0 ||
		     op->done_ns < h->op[tok[t].ok_op].done_ns))
			tok[t].ok_op = i;
		acked += op->outcome == HISTORY_OK;
	}
	struct history_op *final = last_final(c, key);
	if (!final) {
		c->r->errors++;
		violation(c, D_ERROR,
			  "error: append key %s has no final read: its %u "
			  "acknowledged appends are not checked",
			  h->key[key], acked);
		rc = 0;
		goto out;
	}
	if (!(list = strdup(final->value)) ||
	    !(stranger_seen = calloc(strlen(list) + 1, sizeof(unsigned))))
		goto out;
	if (strcmp(list, "-") != 0) {
		for (char *s = list, *end;; s = end + 1) {
			end = strchr(s, ',');
			if (end)
				*end = 0;
			long t = strtab_find(&tokens, s);
			if (t >= 0)
				tok[t].seen++;
			else if ((t = strtab_put(&strangers, s, &added)) < 0)
				goto out;
			else
				stranger_seen[t]++;
			if (!end)
				break;
		}
	}
	for (unsigned t = 0; t < strangers.count; t++) {
		c->r->duplicated++;
		final->flags |= OP_VIOLATION;
		violation(c, D_PHANTOM,
			  "phantom: %s token '%s' is in the final read (%u "
			  "time%s, line %d) but was never appended",
			  h->key[key], strangers.name[t], stranger_seen[t],
			  stranger_seen[t] == 1 ? "" : "s", final->done_line);
	}
	/* Appends acknowledged before the final read began (less the skew)
	 * must be in it; later ones were concurrent with it. */
	uint64_t before = final->invoke_ns > c->o->skew_ns
			      ? final->invoke_ns - c->o->skew_ns
			      : 0;
	for (unsigned t = 0; t < tokens.count; t++) {
		struct history_op *op = &h->op[tok[t].op];
		if (tok[t].seen > 1) {
			c->r->duplicated++;
			op->flags |= OP_VIOLATION;
			final->flags |= OP_VIOLATION;
			history_describe(h, op, what, sizeof(what));
			violation(c, D_DUP,
				  "duplicated: %s token '%s' is %u times in "
				  "the final read (line %d): %s",
				  h->key[key], tokens.name[t], tok[t].seen,
				  final->done_line, what);
		}
		if (tok[t].seen && tok[t].fail == tok[t].appends) {
			c->r->duplicated++;
			op->flags |= OP_VIOLATION;
			final->flags |= OP_VIOLATION;
			history_describe(h, op, what, sizeof(what));
			violation(c, D_PHANTOM,
				  "phantom: %s token '%s' is in the final read "
				  "(line %d) but its append failed: %s",
				  h->key[key], tokens.name[t], final->done_line,
				  what);
		}
		if (!tok[t].seen && tok[t].ok_op >= 0 &&
		    h->op[tok[t].ok_op].done_ns < before) {
			struct history_op *acked_op = &h->op[tok[t].ok_op];
			c->r->lost++;
			acked_op->flags |= OP_VIOLATION;
			final->flags |= OP_VIOLATION;
			history_describe(h, acked_op, what, sizeof(what));
			violation(c, D_LOST,
				  "lost: %s token '%s' was acknowledged but is "
				  "not in the final read (line %d, invoked at "
				  "%s s): %s",
				  h->key[key], tokens.name[t], final->done_line,
				  history_secs(final->invoke_ns, a, sizeof(a)),
				  what);
		}
	}
	rc = 0;
out:
	strtab_free(&tokens);
	strtab_free(&strangers);
	free(tok);
	free(stranger_seen);
	free(list);
	return rc;
}

/* A violating register key: shrink it to a small slice and print it. */
static int report_slice(struct checker *c, unsigned key,
			const struct lin_op *lin, const unsigned *lin_to_op,
			unsigned n)
{
	struct history *h = c->h;
	unsigned *keep = malloc((n + 1) * sizeof(*keep));

	if (!keep)
		return -1;
	unsigned k = lin_shrink(lin, n, c->o->budget, keep);
	if (!k) {
		violation(c, D_LINEAR,
			  "not linearizable: register %s (%u ops); no "
			  "smaller slice found within the search budget",
			  h->key[key], n);
		for (unsigned j = 0; j < n; j++)
			h->op[lin_to_op[j]].flags |= OP_VIOLATION;
	} else {
		unsigned hidden = c->hidden[D_LINEAR];
		char what[512];
		violation(c, D_LINEAR,
			  "not linearizable: register %s (%u ops); a smallest "
			  "violating slice, %u ops:",
			  h->key[key], n, k);
		for (unsigned j = 0; j < k; j++) {
			struct history_op *op = &h->op[lin_to_op[keep[j]]];
			op->flags |= OP_VIOLATION;
			history_describe(h, op, what, sizeof(what));
			if (hidden == c->hidden[D_LINEAR])
				fprintf(c->violations[D_LINEAR], "    %s\n",
					what);
		}
	}
	free(keep);
	return 0;
}

/* Rule 2 for registers (reads of values nobody wrote) and rule 4. */
static int check_register_key(struct checker *c, unsigned key)
{
	struct history *h = c->h;
	unsigned count = c->key_op_count[key], n = 0;
	struct strtab values = {0};
	struct lin_op *lin = malloc((count + 1) * sizeof(*lin));
	unsigned *lin_to_op = malloc((count + 1) * sizeof(*lin_to_op));
	unsigned char *written = NULL; /* 1 by a write not failed, 2 failed */
	char what[512];
	uint64_t steps;
	int added, rc = -1;

	if (!lin || !lin_to_op || strtab_put(&values, "nil", &added) < 0)
		goto out;
	for (unsigned j = 0; j < count; j++) {
		const struct history_op *op = &h->op[c->key_ops[key][j]];
		if ((op->f == HISTORY_WRITE ||
		     (op->f == HISTORY_READ && op->outcome == HISTORY_OK)) &&
		    strtab_put(&values, op->value, &added) < 0)
			goto out;
	}
	if (!(written = calloc(values.count, 1)))
		goto out;
	written[0] = 1;
	for (unsigned j = 0; j < count; j++) {
		const struct history_op *op = &h->op[c->key_ops[key][j]];
		if (op->f == HISTORY_WRITE)
			written[strtab_find(&values, op->value)] |=
			    op->outcome == HISTORY_FAIL ? 2 : 1;
	}
	for (unsigned j = 0; j < count; j++) {
		unsigned i = c->key_ops[key][j];
		struct history_op *op = &h->op[i];
		unsigned v;

		if (op->f != HISTORY_READ && op->f != HISTORY_WRITE)
			continue;
		/* A failed write did not happen; a read without a result
		 * says nothing. */
		if (op->outcome == HISTORY_FAIL ||
		    (op->f == HISTORY_READ && op->outcome != HISTORY_OK))
			continue;
		v = (unsigned)strtab_find(&values, op->value);
		if (op->f == HISTORY_READ && !(written[v] & 1)) {
			c->r->duplicated++;
			op->flags |= OP_VIOLATION;
			history_describe(h, op, what, sizeof(what));
			violation(c, D_PHANTOM, "phantom: %s: %s", what,
				  written[v] ? "the write of that value failed"
					     : "no write wrote that value");
		}
		/* Skew: node clocks are mapped onto the host timeline with
		 * about that error, so every call may have begun that much
		 * earlier. Earlier calls only add orders to choose from:
		 * the check gets more permissive, never stricter. */
		lin[n].call = op->invoke_ns > c->o->skew_ns
				  ? op->invoke_ns - c->o->skew_ns
				  : 0;
		lin[n].ret =
		    op->outcome == HISTORY_OK ? op->done_ns : LIN_NEVER;
		lin[n].write = op->f == HISTORY_WRITE;
		lin[n].value = v;
		lin_to_op[n++] = i;
	}
	c->r->registers++;
	enum lin_verdict verdict = lin_check(lin, n, c->o->budget, &steps);
	c->steps += steps;
	if (steps >= c->most_steps) {
		c->most_steps = steps;
		c->most_steps_key = key;
	}
	switch (verdict) {
	case LIN_OK:
		c->r->linearizable++;
		break;
	case LIN_UNKNOWN:
		c->r->undecided++;
		violation(c, D_UNDECIDED,
			  "undecided: register %s (%u ops): unknown (search "
			  "budget: %llu steps, or memory); not counted as "
			  "linearizable",
			  h->key[key], n, (unsigned long long)c->o->budget);
		break;
	case LIN_VIOLATION:
	default:
		if (report_slice(c, key, lin, lin_to_op, n))
			goto out;
		break;
	}
	rc = 0;
out:
	strtab_free(&values);
	free(lin);
	free(lin_to_op);
	free(written);
	return rc;
}

static int u64_order(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* "n 5, min 1.0 ms, median 2.0 ms, p90 3.0 ms, max 4.0 ms" (nearest
 * rank), sorting v. */
static void stats(FILE *out, uint64_t *v, unsigned n)
{
	if (!n) {
		fprintf(out, "n 0");
		return;
	}
	qsort(v, n, sizeof(*v), u64_order);
	unsigned med = (n + 1) / 2 - 1, p90 = (n * 9 + 9) / 10 - 1;
	fprintf(out,
		"n %u, min %.1f ms, median %.1f ms, p90 %.1f ms, max %.1f ms",
		n, (double)v[0] / 1e6, (double)v[med] / 1e6,
		(double)v[p90] / 1e6, (double)v[n - 1] / 1e6);
}

static void figures(struct checker *c)
{
	struct history *h = c->h;
	unsigned by_kind[FAULT_KINDS] = {0}, by_f[4][4] = {{0}};
	FILE *out = c->figures;

	fprintf(out,
		"checked with: deadline %.3f s; skew %.3f ms (invoke times "
		"moved earlier for node clock error: only more permissive); "
		"search budget %llu steps per register\n",
		(double)c->deadline / 1e9, (double)c->o->skew_ns / 1e6,
		(unsigned long long)c->o->budget);
	for (unsigned i = 0; i < h->fault_count; i++)
		by_kind[h->fault[i].kind]++;
	fprintf(out, "faults: %u", h->fault_count);
	for (int k = 0, first = 1; k < FAULT_KINDS; k++)
		if (by_kind[k]) {
			fprintf(out, "%s%s %u", first ? " (" : ", ",
				fault_kind_name((enum fault_kind)k),
				by_kind[k]);
			first = 0;
		}
	fprintf(out, "%s\n", h->fault_count ? ")" : "");
	for (unsigned i = 0; i < h->op_count; i++)
		by_f[h->op[i].f][h->op[i].outcome]++;
	fprintf(out, "ops:");
	for (int f = 0, first = 1; f < 4; f++) {
		unsigned *o = by_f[f];
		if (!(o[0] + o[1] + o[2] + o[3]))
			continue;
		fprintf(out,
			"%s %s %u (ok %u, fail %u, info %u, no completion %u)",
			first ? "" : ";", history_f_name((enum history_f)f),
			o[0] + o[1] + o[2] + o[3], o[0], o[1], o[2], o[3]);
		first = 0;
	}
	fprintf(out, "%s\n", h->op_count ? "" : " none");
	unsigned info = by_f[0][HISTORY_INFO] + by_f[1][HISTORY_INFO] +
			by_f[2][HISTORY_INFO] + by_f[3][HISTORY_INFO];
	fprintf(out,
		"unknown outcomes: %u info, %u died with their node, %u cut "
		"by the end of the run, %u hung without completion\n",
		info, c->r->crashed, c->r->cut,
		c->r->unknown - info - c->r->crashed - c->r->cut);
	if (c->r->registers)
		fprintf(out,
			"linearizability: %u registers, %llu search steps "
			"(most: %llu, register %s)\n",
			c->r->registers, (unsigned long long)c->steps,
			(unsigned long long)c->most_steps,
			h->key[c->most_steps_key]);
}

static void figure_times(struct checker *c)
{
	struct history *h = c->h;
	uint64_t *v = malloc((h->op_count + h->fault_count + 1) * sizeof(*v));
	unsigned n = 0, unrecovered = 0;
	FILE *out = c->figures;

	if (!v)
		return;
	/* Failure to error: from the first fault that began after the call
	 * and was still in effect when it ended with an error (the earliest
	 * such fault: an upper bound when several overlap). */
	for (unsigned i = 0; i < h->op_count; i++) {
		const struct history_op *op = &h->op[i];
		if ((op->outcome != HISTORY_FAIL &&
		     op->outcome != HISTORY_INFO) ||
		    !op->error)
			continue;
		for (unsigned k = 0; k < h->fault_count; k++) {
			const struct history_fault *fl = &h->fault[k];
			if (fl->start_ns > op->invoke_ns &&
			    fl->start_ns <= op->done_ns &&
			    op->done_ns <= fl->end_ns) {
				v[n++] = op->done_ns - fl->start_ns;
				break;
			}
		}
	}
	fprintf(out, "failure-to-error: ");
	stats(out, v, n);
	fprintf(out, "\n");

	/* Recovery: from a fault's end to the first ok completion of an op
	 * invoked after it. first_ok[i]: the earliest ok completion among
	 * ops i.. (ops are in invoke order). */
	uint64_t *first_ok = malloc((h->op_count + 1) * sizeof(*first_ok));
	if (!first_ok) {
		free(v);
		return;
	}
	first_ok[h->op_count] = HISTORY_NO_TIME;
	for (unsigned i = h->op_count; i-- > 0;) {
		uint64_t d = h->op[i].outcome == HISTORY_OK ? h->op[i].done_ns
							    : HISTORY_NO_TIME;
		first_ok[i] = d < first_ok[i + 1] ? d : first_ok[i + 1];
	}
	n = 0;
	for (unsigned k = 0; k < h->fault_count; k++) {
		const struct history_fault *fl = &h->fault[k];
		unsigned lo = 0, hi = h->op_count;
		if (fl->end_ns >= h->end_ns)
			continue; /* in effect until the end */
		while (lo < hi) {
			unsigned mid = lo + (hi - lo) / 2;
			if (h->op[mid].invoke_ns < fl->end_ns)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (first_ok[lo] == HISTORY_NO_TIME)
			unrecovered++;
		else
			v[n++] = first_ok[lo] - fl->end_ns;
	}
	fprintf(out, "recovery: ");
	stats(out, v, n);
	fprintf(out,
		"; %u fault%s with no ok op after its end, %u in effect "
		"until the end of the run\n",
		unrecovered, unrecovered == 1 ? "" : "s",
		h->fault_count - n - unrecovered);
	free(first_ok);
	free(v);
}

static int index_keys(struct checker *c)
{
	struct history *h = c->h;

	c->key_ops = calloc(h->key_count + 1, sizeof(*c->key_ops));
	c->key_op_count = calloc(h->key_count + 1, sizeof(*c->key_op_count));
	if (!c->key_ops || !c->key_op_count)
		return -1;
	for (unsigned i = 0; i < h->op_count; i++)
		c->key_op_count[h->op[i].key]++;
	for (unsigned k = 0; k < h->key_count; k++) {
		c->key_ops[k] =
		    malloc((c->key_op_count[k] + 1) * sizeof(unsigned));
		if (!c->key_ops[k])
			return -1;
		c->key_op_count[k] = 0;
	}
	for (unsigned i = 0; i < h->op_count; i++) {
		unsigned k = h->op[i].key;
		c->key_ops[k][c->key_op_count[k]++] = i;
	}
	return 0;
}

static void free_keys(struct checker *c)
{
	if (c->key_ops)
		for (unsigned k = 0; k < c->h->key_count; k++)
			free(c->key_ops[k]);
	free(c->key_ops);
	free(c->key_op_count);
}

int check_history(struct history *h, const struct check_opts *o,
		  struct check_result *r)
{
	struct checker c = {.h = h, .o = o, .r = r};
	char *text[D_KINDS + 1] = {0};
	size_t len[D_KINDS + 1] = {0}, total = 0;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	c.deadline = o->deadline_ns ? o->deadline_ns : h->deadline_ns;
	c.figures = open_memstream(&text[0], &len[0]);
	for (int k = 0; k < D_KINDS; k++)
		if (!(c.violations[k] =
			  open_memstream(&text[k + 1], &len[k + 1])))
			goto out;
	if (!c.figures || index_keys(&c))
		goto out;
	for (unsigned i = 0; i < h->op_count; i++) {
		h->op[i].flags = 0;
		r->ok += h->op[i].outcome == HISTORY_OK;
		r->fail += h->op[i].outcome == HISTORY_FAIL;
	}
	r->ops = h->op_count;
	r->unknown = r->ops - r->ok - r->fail;
	r->faults = h->fault_count;
	check_hangs(&c);
	for (unsigned k = 0; k < h->key_count; k++) {
		int appends = 0, registers = 0;
		for (unsigned j = 0; j < c.key_op_count[k]; j++) {
			enum history_f f = h->op[c.key_ops[k][j]].f;
			appends |= f == HISTORY_APPEND || f == HISTORY_FINAL;
			registers |= f == HISTORY_READ || f == HISTORY_WRITE;
		}
		if (appends && check_append_key(&c, k))
			goto out;
		if (registers && check_register_key(&c, k))
			goto out;
	}
	figures(&c);
	figure_times(&c);
	for (int k = 0; k < D_KINDS; k++)
		if (c.hidden[k])
			fprintf(c.violations[k], "... and %u more %s\n",
				c.hidden[k], detail_names[k]);
	r->valid = !r->lost && !r->duplicated && !r->hung && !r->errors &&
		   r->linearizable == r->registers;
	rc = 0;
out:
	free_keys(&c);
	if (c.figures)
		fclose(c.figures);
	for (int k = 0; k < D_KINDS; k++)
		if (c.violations[k])
			fclose(c.violations[k]);
	for (int k = 0; k <= D_KINDS; k++)
		total += len[k];
	if (!rc && (r->details = malloc(total + 1))) {
		for (int k = 0; k <= D_KINDS; k++)
			if (text[k]) {
				memcpy(r->details + r->details_len, text[k],
				       len[k]);
				r->details_len += len[k];
			}
		r->details[r->details_len] = 0;
	} else
		rc = -1;
	for (int k = 0; k <= D_KINDS; k++)
		free(text[k]);
	return rc;
}

void check_result_free(struct check_result *r)
{
	free(r->details);
	r->details = NULL;
}

void check_summary(const struct check_result *r, const char *svg_path,
		   char *buf, size_t len)
{
	snprintf(buf, len,
		 "check: %u ops (ok %u, fail %u, unknown %u), %u faults: lost "
		 "%u, duplicated %u, hung %u, linearizable %u/%u registers, "
		 "%s%s%s",
		 r->ops, r->ok, r->fail, r->unknown, r->faults, r->lost,
		 r->duplicated, r->hung, r->linearizable, r->registers,
		 r->valid ? "valid" : "INVALID", svg_path ? "; timeline " : "",
		 svg_path ? svg_path : "");
}

int check_run(const char *history_path, const char *svg_path,
	      const struct check_opts *o, FILE *report)
{
	struct history h;
	struct history_error err;
	struct check_result r;
	char line[1024], why[256];
	int rc;

	if (history_load(history_path, &h, &err)) {
		if (err.line)
			fprintf(report, "%s:%d: %s\n", history_path, err.line,
				err.message);
		else
			fprintf(report, "%s: %s\n", history_path, err.message);
		history_free(&h);
		return 2;
	}
	if (check_history(&h, o, &r)) {
		fprintf(report, "%s: out of memory while checking\n",
			history_path);
		history_free(&h);
		return 2;
	}
	rc = r.valid ? 0 : 1;
	if (svg_path && svg_write(&h, svg_path, why, sizeof(why))) {
		check_summary(&r, NULL, line, sizeof(line));
		fprintf(report, "%s\n%s: %s\n", line, svg_path, why);
		rc = 2;
	} else {
		check_summary(&r, svg_path, line, sizeof(line));
		fprintf(report, "%s\n", line);
	}
	fputs(r.details, report);
	check_result_free(&r);
	history_free(&h);
	return rc;
}
