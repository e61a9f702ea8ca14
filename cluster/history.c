/* SPDX-License-Identifier: MIT */
/*
 * The history file's parser (history.h). The file is read whole; lines are
 * cut in place so every string of the history points into that one buffer.
 * Records are not sorted in the file: op records are sorted by time (stable:
 * the line breaks ties) and then paired per process, which runs one
 * operation at a time. Anything the collector could have got wrong is
 * refused with its line rather than guessed around: a checker that reads a
 * broken history as a clean one would pass what it should not.
 */
#include "history.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIELDS_MAX 9

/* One `op` line before pairing. */
struct op_record {
	uint64_t t;
	unsigned process;
	int type; /* -1 invoke, else an enum history_outcome */
	enum history_f f;
	unsigned key;
	const char *value;
	const char *error;
	int line;
};

struct parser {
	struct history *h;
	struct history_error *err;
	struct op_record *rec;
	unsigned rec_count, rec_cap;
	unsigned fault_cap, process_cap;
	struct strtab processes, keys;
	uint64_t last_ns;
	int end_given;
};

static const char *const f_names[] = {"read", "write", "append", "final"};
static const char *const outcome_names[] = {"ok", "fail", "info", "pending"};
static const char *const kind_names[] = {"kill", "pause",     "reboot",
					 "link", "partition", "loss"};

const char *history_f_name(enum history_f f)
{
	return f_names[f];
}

const char *history_outcome_name(enum history_outcome o)
{
	return outcome_names[o];
}

const char *fault_kind_name(enum fault_kind k)
{
	return kind_names[k];
}

const char *history_secs(uint64_t ns, char *buf, size_t len)
{
	if (ns == HISTORY_NO_TIME)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%llu.%06llu",
			 (unsigned long long)(ns / 1000000000ULL),
			 (unsigned long long)(ns % 1000000000ULL / 1000));
	return buf;
}

void history_describe(const struct history *h, const struct history_op *op,
		      char *buf, size_t len)
{
	char a[32], b[32], value[160] = "", lines[32];
	int ok = op->outcome == HISTORY_OK;

	if (op->f == HISTORY_FINAL && ok) {
		unsigned n = strcmp(op->value, "-") != 0;
		for (const char *s = op->value; *s; s++)
			n += *s == ',';
		snprintf(value, sizeof(value), " -> %u tokens", n);
	} else if (op->f == HISTORY_READ && ok)
		snprintf(value, sizeof(value), " -> %s", op->value);
	else if (op->f == HISTORY_WRITE || op->f == HISTORY_APPEND)
		snprintf(value, sizeof(value), " %s", op->value);
	if (op->done_line)
		snprintf(lines, sizeof(lines), "lines %d, %d", op->invoke_line,
			 op->done_line);
	else
		snprintf(lines, sizeof(lines), "line %d", op->invoke_line);
	snprintf(buf, len, "%s %s %s%s %s%s%s [%s, %s] (%s)",
		 h->process[op->process].name, f_names[op->f], h->key[op->key],
		 value,
		 op->outcome == HISTORY_PENDING ? "no completion"
						: outcome_names[op->outcome],
		 op->error ? " " : "", op->error ? op->error : "",
		 history_secs(op->invoke_ns, a, sizeof(a)),
		 history_secs(op->done_ns, b, sizeof(b)), lines);
}

static uint64_t hash_string(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

long strtab_find(const struct strtab *t, const char *s)
{
	if (!t->slots)
		return -1;
	for (uint64_t i = hash_string(s) & (t->slots - 1);;
	     i = (i + 1) & (t->slots - 1)) {
		unsigned v = t->slot[i];
		if (!v)
			return -1;
		if (!strcmp(t->name[v - 1], s))
			return (long)(v - 1);
	}
}

static int strtab_grow(struct strtab *t)
{
	unsigned slots = t->slots ? t->slots * 2 : 64;
	unsigned *slot = calloc(slots, sizeof(*slot));

	if (!slot)
		return -1;
	for (unsigned n = 0; n < t->count; n++) {
		uint64_t i = hash_string(t->name[n]) & (slots - 1);
		while (slot[i])
			i = (i + 1) & (slots - 1);
		slot[i] = n + 1;
	}
	free(t->slot);
	t->slot = slot;
	t->slots = slots;
	return 0;
}

long strtab_put(struct strtab *t, const char *s, int *added)
{
	long found = strtab_find(t, s);

	*added = 0;
	if (found >= 0)
		return found;
	if ((t->count + 1) * 2 > t->slots && strtab_grow(t))
		return -1;
	if (t->count == t->cap) {
		unsigned cap = t->cap ? t->cap * 2 : 32;
		const char **name = realloc(t->name, cap * sizeof(*name));
		if (!name)
			return -1;
		t->name = name;
		t->cap = cap;
	}
	uint64_t i = hash_string(s) & (t->slots - 1);
	while (t->slot[i])
		i = (i + 1) & (t->slots - 1);
	t->name[t->count] = s;
	t->slot[i] = ++t->count;
	*added = 1;
	return (long)(t->count - 1);
}

void strtab_free(struct strtab *t)
{
	free(t->name);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

static int fail_at(struct parser *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;

	p->err->line = line;
	va_start(ap, fmt);
	vsnprintf(p->err->message, sizeof(p->err->message), fmt, ap);
	va_end(ap);
	return -1;
}

static int parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - 1 - d) / 10) /* UINT64_MAX is "none" */
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Digits in [1, HISTORY_MAX_NODE], ending at *end (advanced past them). */
static int parse_node(const char **s, unsigned *node)
{
	unsigned v = 0;
	const char *p = *s;

	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (unsigned)(*p++ - '0');
		if (v > HISTORY_MAX_NODE)
			return -1;
	}
	if (!v)
		return -1;
	*s = p;
	*node = v;
	return 0;
}

static int parse_time(struct parser *p, int line, const char *s,
		      const char *what, uint64_t *out)
{
	if (parse_u64(s, out))
		return fail_at(p, line, "%s '%s' is not a time in ns", what, s);
	if (*out > p->last_ns)
		p->last_ns = *out;
	return 0;
}

/* "N.C" or "N.C.bB": node N, client C, boot count B. */
static int process_node(const char *s, unsigned *node)
{
	const char *q = s;

	if (parse_node(&q, node) || *q++ != '.')
		return -1;
	if (*q < '0' || *q > '9')
		return -1;
	while (*q >= '0' && *q <= '9')
		q++;
	if (!*q)
		return 0;
	if (q[0] != '.' || q[1] != 'b' || q[2] < '0' || q[2] > '9')
		return -1;
	for (q += 2; *q >= '0' && *q <= '9'; q++)
		;
	return *q ? -1 : 0;
}

static int name_index(const char *const *names, int count, const char *s)
{
	for (int i = 0; i < count; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

static int parse_op(struct parser *p, int line, char **w, int n)
{
	struct op_record r;
	unsigned node;
	int added;
	long idx;

	if (n != 7 && n != 8)
		return fail_at(p, line,
			       "op needs: op T PROCESS TYPE F KEY VALUE "
			       "[ERROR] (%d words)",
			       n);
	memset(&r, 0, sizeof(r));
	r.line = line;
	if (parse_time(p, line, w[1], "time", &r.t))
		return -1;
	if (process_node(w[2], &node))
		return fail_at(p, line,
			       "process '%s' is not N.C or N.C.bB (node "
			       "1..%d)",
			       w[2], HISTORY_MAX_NODE);
	if (!strcmp(w[3], "invoke"))
		r.type = -1;
	else if ((r.type = name_index(outcome_names, 3, w[3])) < 0)
		return fail_at(
		    p, line, "type '%s' is not invoke, ok, fail or info", w[3]);
	int f = name_index(f_names, 4, w[4]);
	if (f < 0)
		return fail_at(p, line,
			       "f '%s' is not read, write, append or final",
			       w[4]);
	r.f = (enum history_f)f;
	r.value = w[6];
	r.error = n == 8 && strcmp(w[7], "-") != 0 ? w[7] : NULL;
	if (r.error && (r.type == -1 || r.type == HISTORY_OK))
		return fail_at(p, line, "an %s carries no error (got '%s')",
			       w[3], r.error);
	if ((idx = strtab_put(&p->processes, w[2], &added)) < 0)
		return fail_at(p, 0, "out of memory");
	r.process = (unsigned)idx;
	if (added) {
		struct history *h = p->h;
		if (h->process_count == p->process_cap) {
			unsigned cap = p->process_cap ? p->process_cap * 2 : 32;
			struct history_process *a =
			    realloc(h->process, cap * sizeof(*a));
			if (!a)
				return fail_at(p, 0, "out of memory");
			h->process = a;
			p->process_cap = cap;
		}
		h->process[idx].name = w[2];
		h->process[idx].node = node;
		h->process_count++;
	}
	if ((idx = strtab_put(&p->keys, w[5], &added)) < 0)
		return fail_at(p, 0, "out of memory");
	r.key = (unsigned)idx;
	if (p->rec_count == p->rec_cap) {
		unsigned cap = p->rec_cap ? p->rec_cap * 2 : 256;
		struct op_record *rec = realloc(p->rec, cap * sizeof(*rec));
		if (!rec)
			return fail_at(p, 0, "out of memory");
		p->rec = rec;
		p->rec_cap = cap;
	}
	p->rec[p->rec_count++] = r;
	return 0;
}

/* "30" or "30%", 0..100. */
static int percent(const char *s)
{
	unsigned v = 0;

	if (!s || *s < '0' || *s > '9')
		return 0;
	while (*s >= '0' && *s <= '9' && v <= 100)
		v = v * 10 + (unsigned)(*s++ - '0');
	if (*s == '%')
		s++;
	return !*s && v <= 100;
}

/* "1,2/3" (probes "pN" are accepted and are no node's lane) into nodes. */
static int parse_partition(const char *s, struct history_fault *fl)
{
	unsigned groups = 1, count = 0, node;
	const char *q = s;

	fl->nodes = malloc((strlen(s) / 2 + 1) * sizeof(*fl->nodes));
	if (!fl->nodes)
		return -1;
	for (;;) {
		if (*q == 'p') {
			q++;
			if (parse_node(&q, &node))
				return -1;
		} else {
			if (parse_node(&q, &node))
				return -1;
			fl->nodes[count++] = node;
		}
		if (!*q)
			break;
		if (*q == '/')
			groups++;
		else if (*q != ',')
			return -1;
		q++;
	}
	fl->node_count = count;
	return groups >= 2 ? 0 : -1;
}

static int parse_fault(struct parser *p, int line, char **w, int n)
{
	struct history *h = p->h;
	struct history_fault fl;
	int kind;

	if (n != 5 && n != 6)
		return fail_at(p, line,
			       "fault needs: fault START END KIND TARGET "
			       "[DETAIL] (%d words)",
			       n);
	memset(&fl, 0, sizeof(fl));
	fl.line = line;
	if (parse_time(p, line, w[1], "start", &fl.start_ns) ||
	    parse_time(p, line, w[2], "end", &fl.end_ns))
		return -1;
	if (fl.end_ns < fl.start_ns)
		return fail_at(p, line, "fault ends (%s) before it starts (%s)",
			       w[2], w[1]);
	if ((kind = name_index(kind_names, FAULT_KINDS, w[3])) < 0)
		return fail_at(p, line,
			       "fault kind '%s' is not kill, pause, reboot, "
			       "link, partition or loss",
			       w[3]);
	fl.kind = (enum fault_kind)kind;
	fl.target = w[4];
	fl.detail = n == 6 ? w[5] : NULL;
	if (h->fault_count == p->fault_cap) {
		unsigned cap = p->fault_cap ? p->fault_cap * 2 : 16;
		struct history_fault *a = realloc(h->fault, cap * sizeof(*a));
		if (!a)
			return fail_at(p, 0, "out of memory");
		h->fault = a;
		p->fault_cap = cap;
	}
	if (fl.kind == FAULT_PARTITION) {
		int bad = parse_partition(w[4], &fl);
		h->fault[h->fault_count++] = fl; /* freed with the history */
		if (bad)
			return fail_at(p, line,
				       "partition '%s' is not groups of nodes "
				       "like 1,2/3",
				       w[4]);
		return 0;
	}
	const char *q = w[4];
	unsigned node;
	if (parse_node(&q, &node) || *q)
		return fail_at(p, line, "%s target '%s' is not a node (1..%d)",
			       w[3], w[4], HISTORY_MAX_NODE);
	if (fl.kind == FAULT_LOSS && !percent(fl.detail))
		return fail_at(p, line,
			       "loss needs a percent 0..100 as its detail");
	if (!(fl.nodes = malloc(sizeof(*fl.nodes))))
		return fail_at(p, 0, "out of memory");
	fl.nodes[0] = node;
	fl.node_count = 1;
	h->fault[h->fault_count++] = fl;
	return 0;
}

static int parse_line(struct parser *p, int line, char *s)
{
	char *w[FIELDS_MAX];
	int n = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '#') /* a comment, however many words */
		return 0;
	for (;;) {
		while (*s == ' ' || *s == '\t')
			*s++ = 0;
		if (!*s)
			break;
		if (n == FIELDS_MAX)
			return fail_at(p, line, "more than %d words",
				       FIELDS_MAX - 1);
		w[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
	}
	if (!n || w[0][0] == '#')
		return 0;
	if (!strcmp(w[0], "op"))
		return parse_op(p, line, w, n);
	if (!strcmp(w[0], "fault"))
		return parse_fault(p, line, w, n);
	if (!strcmp(w[0], "deadline") || !strcmp(w[0], "end")) {
		int deadline = w[0][0] == 'd';
		uint64_t v;
		if (n != 2)
			return fail_at(p, line, "%s needs one time in ns",
				       w[0]);
		if (deadline ? p->h->deadline_given : p->end_given)
			return fail_at(p, line, "a second %s line", w[0]);
		if (parse_u64(w[1], &v))
			return fail_at(p, line, "%s '%s' is not a time in ns",
				       w[0], w[1]);
		if (deadline && !v)
			return fail_at(p, line, "deadline 0");
		if (deadline) {
			p->h->deadline_ns = v;
			p->h->deadline_given = 1;
		} else {
			p->h->end_ns = v;
			p->end_given = 1;
		}
		return 0;
	}
	return fail_at(
	    p, line, "unknown record '%s' (deadline, end, fault or op)", w[0]);
}

static int record_order(const void *a, const void *b)
{
	const struct op_record *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->line - y->line;
}

static int fault_order(const void *a, const void *b)
{
	const struct history_fault *x = a, *y = b;

	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	return x->line - y->line;
}

int history_node_crashed(const struct history *h, unsigned node, uint64_t from,
			 uint64_t to)
{
	for (unsigned i = 0; i < h->fault_count; i++) {
		const struct history_fault *fl = &h->fault[i];
		if ((fl->kind == FAULT_KILL || fl->kind == FAULT_REBOOT) &&
		    fl->nodes[0] == node && fl->end_ns >= from &&
		    fl->start_ns <= to)
			return 1;
	}
	return 0;
}

/* Sorted records into operations: each process's invoke, then its
 * completion (same f and key; for writes and appends the same value). */
static int pair(struct parser *p)
{
	struct history *h = p->h;
	long *open = malloc((h->process_count + 1) * sizeof(*open));
	int rc = -1;

	if (!open)
		return fail_at(p, 0, "out of memory");
	for (unsigned i = 0; i < h->process_count; i++)
		open[i] = -1;
	h->op = calloc(p->rec_count + 1, sizeof(*h->op));
	if (!h->op) {
		free(open);
		return fail_at(p, 0, "out of memory");
	}
	for (unsigned i = 0; i < p->rec_count; i++) {
		const struct op_record *r = &p->rec[i];
		const struct history_process *pr = &h->process[r->process];
		struct history_op *o =
		    open[r->process] >= 0 ? &h->op[open[r->process]] : NULL;

		if (r->type == -1) {
			if (o && !history_node_crashed(h, pr->node,
						       o->invoke_ns, r->t)) {
				fail_at(p, r->line,
					"invoke by %s while its %s of line %d "
					"has no completion (a process runs one "
					"op at a time)",
					pr->name, f_names[o->f],
					o->invoke_line);
				goto out;
			}
			o = &h->op[h->op_count];
			o->invoke_ns = r->t;
			o->done_ns = HISTORY_NO_TIME;
			o->process = r->process;
			o->node = pr->node;
			o->f = r->f;
			o->outcome = HISTORY_PENDING;
			o->key = r->key;
			o->value = r->value;
			o->invoke_line = r->line;
			open[r->process] = (long)h->op_count++;
			continue;
		}
		if (!o) {
			fail_at(p, r->line, "%s by %s without an invoke",
				outcome_names[r->type], pr->name);
			goto out;
		}
		if (o->f != r->f || o->key != r->key) {
			fail_at(p, r->line,
				"%s %s %s completes the %s %s invoked at "
				"line %d",
				outcome_names[r->type], f_names[r->f],
				h->key[r->key], f_names[o->f], h->key[o->key],
				o->invoke_line);
			goto out;
		}
		if ((r->f == HISTORY_WRITE || r->f == HISTORY_APPEND) &&
		    strcmp(o->value, r->value) != 0) {
			fail_at(p, r->line,
				"value '%s' differs from the invoke's '%s' "
				"(line %d)",
				r->value, o->value, o->invoke_line);
			goto out;
		}
		o->done_ns = r->t;
		o->outcome = (enum history_outcome)r->type;
		o->error = r->error;
		o->done_line = r->line;
		if (r->f == HISTORY_READ || r->f == HISTORY_FINAL)
			o->value = r->value;
		open[r->process] = -1;
	}
	rc = 0;
out:
	free(open);
	return rc;
}

/* Parse text[0..len) (len + 1 bytes allocated), which h then owns. */
static int parse_text(char *text, size_t len, const char *path,
		      struct history *h, struct history_error *err)
{
	struct parser p;
	int line = 0, rc = 0;
	char *s, *next;

	memset(h, 0, sizeof(*h));
	memset(err, 0, sizeof(*err));
	memset(&p, 0, sizeof(p));
	p.h = h;
	p.err = err;
	h->path = path;
	h->deadline_ns = HISTORY_DEFAULT_DEADLINE_NS;
	h->text = text;
	h->text[len] = 0;
	if (memchr(h->text, 0, len)) {
		s = memchr(h->text, 0, len);
		for (char *q = h->text; q < s; q++)
			line += *q == '\n';
		return fail_at(&p, line + 1, "a NUL byte (not a text file)");
	}
	for (s = h->text; *s && !rc; s = next) {
		line++;
		next = strchr(s, '\n');
		if (next)
			*next++ = 0;
		else
			next = s + strlen(s);
		size_t n = strlen(s);
		if (n && s[n - 1] == '\r')
			s[n - 1] = 0;
		rc = parse_line(&p, line, s);
	}
	h->key = p.keys.name;
	h->key_count = p.keys.count;
	p.keys.name = NULL;
	if (!rc) {
		if (p.rec_count)
			qsort(p.rec, p.rec_count, sizeof(*p.rec), record_order);
		if (h->fault_count)
			qsort(h->fault, h->fault_count, sizeof(*h->fault),
			      fault_order);
		rc = pair(&p);
	}
	if (!rc && (!p.end_given || h->end_ns < p.last_ns))
		h->end_ns = p.last_ns;
	free(p.rec);
	strtab_free(&p.processes);
	strtab_free(&p.keys);
	return rc;
}

int history_parse(const char *text, size_t len, const char *path,
		  struct history *h, struct history_error *err)
{
	char *copy = malloc(len + 1);

	memset(h, 0, sizeof(*h));
	memset(err, 0, sizeof(*err));
	if (!copy) {
		snprintf(err->message, sizeof(err->message), "out of memory");
		return -1;
	}
	memcpy(copy, text, len);
	return parse_text(copy, len, path, h, err);
}

int history_load(const char *path, struct history *h, struct history_error *err)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0;

	memset(h, 0, sizeof(*h));
	memset(err, 0, sizeof(*err));
	if (!f) {
		snprintf(err->message, sizeof(err->message), "cannot read: %s",
			 strerror(errno));
		return -1;
	}
	for (;;) {
		if (cap - len < 65537) {
			cap = cap ? cap * 2 : 65536;
			char *b = realloc(buf, cap);
			if (!b) {
				free(buf);
				fclose(f);
				snprintf(err->message, sizeof(err->message),
					 "out of memory");
				return -1;
			}
			buf = b;
		}
		size_t n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err->message, sizeof(err->message), "cannot read: %s",
			 strerror(errno));
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	return parse_text(buf, len, path, h, err);
}

void history_free(struct history *h)
{
	for (unsigned i = 0; i < h->fault_count; i++)
		free(h->fault[i].nodes);
	free(h->fault);
	free(h->op);
	free(h->process);
	free((void *)h->key);
	free(h->text);
	memset(h, 0, sizeof(*h));
}
