/* SPDX-License-Identifier: MIT */
/*
 * WGL linearizability search for one register, and the shrinking of a
 * violation to a small slice (linear.h). The search walks a doubly linked
 * list of call and return events in time order; linearizing an operation
 * lifts its call and return out of the list (dancing links), backtracking
 * puts them back in reverse order. Calls sort before returns at equal times,
 * so touching intervals count as concurrent (the permissive reading).
 */
#include "linear.h"

#include <stdlib.h>
#include <string.h>

/* The memo's size limit (records and table); past it the answer is
 * "unknown", not a guess. */
#define LIN_MEMORY_MAX (512ULL << 20)

struct event {
	uint64_t time;
	int is_return;
	unsigned op;
	struct event *prev, *next, *match;
};

/* The memo: (linearized set, value) configurations already explored. Each
 * record is [hash, value, bitset words...] in one array. */
struct memo {
	uint64_t *record;
	size_t count, cap; /* records */
	unsigned *slot;	   /* record index + 1; 0 empty */
	size_t slots;
	unsigned words;
};

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static int memo_grow(struct memo *m)
{
	size_t slots = m->slots ? m->slots * 2 : 1024;
	unsigned *slot = calloc(slots, sizeof(*slot));
	size_t stride = 2 + m->words;

	if (!slot)
		return -1;
	for (size_t r = 0; r < m->count; r++) {
		size_t i = m->record[r * stride] & (slots - 1);
		while (slot[i])
			i = (i + 1) & (slots - 1);
		slot[i] = (unsigned)(r + 1);
	}
	free(m->slot);
	m->slot = slot;
	m->slots = slots;
	return 0;
}

/* 1 if (bits, value) is new (and now remembered), 0 if seen, -1 if the
 * memo is full. */
static int memo_add(struct memo *m, const uint64_t *bits, uint64_t hash,
		    unsigned value)
{
	size_t stride = 2 + m->words;
	size_t i;

	hash ^= mix(value);
	if (m->slots)
		for (i = hash & (m->slots - 1); m->slot[i];
		     i = (i + 1) & (m->slots - 1)) {
			const uint64_t *r =
			    &m->record[(m->slot[i] - 1) * stride];
			if (r[0] == hash && r[1] == value &&
			    !memcmp(r + 2, bits, m->words * sizeof(*bits)))
				return 0;
		}
	size_t record_bytes = m->cap * stride * sizeof(uint64_t);
	size_t slot_bytes = m->slots * sizeof(*m->slot);
	if ((m->count + 1) * 2 > m->slots &&
	    (record_bytes + 2 * slot_bytes > LIN_MEMORY_MAX ||
	     m->count + 1 >= UINT32_MAX || memo_grow(m)))
		return -1;
	if (m->count == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 1024;
		slot_bytes = m->slots * sizeof(*m->slot);
		if (cap * stride * sizeof(uint64_t) + slot_bytes >
		    LIN_MEMORY_MAX)
			return -1;
		uint64_t *rec = realloc(m->record, cap * stride * sizeof(*rec));
		if (!rec)
			return -1;
		m->record = rec;
		m->cap = cap;
	}
	uint64_t *r = &m->record[m->count * stride];
	r[0] = hash;
	r[1] = value;
	memcpy(r + 2, bits, m->words * sizeof(*bits));
	for (i = hash & (m->slots - 1); m->slot[i];
	     i = (i + 1) & (m->slots - 1))
		;
	m->slot[i] = (unsigned)++m->count;
	return 1;
}

static int event_order(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	if (x->is_return != y->is_return)
		return x->is_return - y->is_return;
	return x->op < y->op ? -1 : x->op > y->op;
}

static void lift(struct event *e)
{
	struct event *m = e->match;

	e->prev->next = e->next;
	e->next->prev = e->prev;
	m->prev->next = m->next;
	if (m->next)
		m->next->prev = m->prev;
}

static void unlift(struct event *e)
{
	struct event *m = e->match;

	m->prev->next = m;
	if (m->next)
		m->next->prev = m;
	e->prev->next = e;
	e->next->prev = e;
}

/* The search proper over ops (already reduced, see lin_check). */
static enum lin_verdict search(const struct lin_op *ops, unsigned n,
			       uint64_t budget, uint64_t *steps_out)
{
	struct event *ev = calloc(2 * (size_t)n + 1, sizeof(*ev));
	struct event **by_op = calloc(n + 1, sizeof(*by_op));
	struct memo memo = {.words = (n + 63) / 64};
	uint64_t *bits = calloc(memo.words + 1, sizeof(*bits));
	uint64_t *zobrist = calloc(n + 1, sizeof(*zobrist));
	struct {
		struct event *e;
		unsigned value;
	} *stack = calloc(n + 1, sizeof(*stack));
	enum lin_verdict verdict = LIN_UNKNOWN;
	struct event head = {0};
	uint64_t steps = 0, hash = 0;
	unsigned depth = 0, value = 0;

	if (!ev || !by_op || !bits || !zobrist || !stack)
		goto out;
	for (unsigned i = 0; i < n; i++) {
		ev[2 * (size_t)i] =
		    (struct event){.time = ops[i].call, .op = i};
		ev[2 * (size_t)i + 1] =
		    (struct event){.time = ops[i].ret, .is_return = 1, .op = i};
		zobrist[i] = mix(i + 0x5bd1e995ULL * n);
	}
	qsort(ev, 2 * (size_t)n, sizeof(*ev), event_order);
	struct event *prev = &head;
	for (size_t i = 0; i < 2 * (size_t)n; i++) {
		ev[i].prev = prev;
		prev->next = &ev[i];
		prev = &ev[i];
		if (!ev[i].is_return)
			by_op[ev[i].op] = &ev[i];
		else
			by_op[ev[i].op]->match = &ev[i];
	}
	struct event *e = head.next;
	while (head.next) {
		if (budget && ++steps > budget)
			goto out;
		if (!e->is_return) {
			const struct lin_op *o = &ops[e->op];
			if (o->write || o->value == value) {
				unsigned next = o->write ? o->value : value;
				bits[e->op / 64] |= 1ULL << (e->op % 64);
				hash ^= zobrist[e->op];
				int fresh = memo_add(&memo, bits, hash, next);
				if (fresh < 0)
					goto out;
				if (fresh) {
					stack[depth].e = e;
					stack[depth++].value = value;
					value = next;
					lift(e);
					e = head.next;
					continue;
				}
				bits[e->op / 64] &= ~(1ULL << (e->op % 64));
				hash ^= zobrist[e->op];
			}
			e = e->next;
			continue;
		}
		/* A return whose call is not linearized: nothing before it
		 * can be placed next; undo the last choice. */
		if (!depth) {
			verdict = LIN_VIOLATION;
			goto out;
		}
		e = stack[--depth].e;
		value = stack[depth].value;
		bits[e->op / 64] &= ~(1ULL << (e->op % 64));
		hash ^= zobrist[e->op];
		unlift(e);
		e = e->next;
	}
	verdict = LIN_OK;
out:
	if (steps_out)
		*steps_out = steps;
	free(memo.record);
	free(memo.slot);
	free(ev);
	free(by_op);
	free(bits);
	free(zobrist);
	free(stack);
	return verdict;
}

enum lin_verdict lin_check(const struct lin_op *ops, unsigned n,
			   uint64_t budget, uint64_t *steps)
{
	unsigned max_value = 0, kept = 0;
	enum lin_verdict verdict = LIN_VIOLATION;

	if (steps)
		*steps = 0;
	for (unsigned i = 0; i < n; i++)
		if (ops[i].value > max_value)
			max_value = ops[i].value;
	unsigned char *seen = calloc(max_value + 1, 1); /* 1 written, 2 read */
	struct lin_op *reduced = malloc((n + 1) * sizeof(*reduced));
	if (!seen || !reduced) {
		free(seen);
		free(reduced);
		return LIN_UNKNOWN;
	}
	for (unsigned i = 0; i < n; i++)
		seen[ops[i].value] |= ops[i].write ? 1 : 2;
	seen[0] |= 1; /* nil is there at the start */
	for (unsigned i = 0; i < n; i++) {
		const struct lin_op *o = &ops[i];
		/* A read of a value nobody wrote: no order can explain it. */
		if (!o->write && !(seen[o->value] & 1))
			goto out;
		/* A write that may never have happened and whose value no
		 * read saw changes no verdict: "never" is a choice for it. */
		if (o->write && o->ret == LIN_NEVER && !(seen[o->value] & 2))
			continue;
		reduced[kept] = *o;
		if (o->ret < o->call) /* cannot be: treat as an instant */
			reduced[kept].ret = o->call;
		kept++;
	}
	verdict = search(reduced, kept, budget, steps);
out:
	free(seen);
	free(reduced);
	return verdict;
}

/* ops[i] for the i with in[i] set, into sub; returns the count. */
static unsigned gather(const struct lin_op *ops, unsigned n,
		       const unsigned char *in, struct lin_op *sub)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++)
		if (in[i])
			sub[k++] = ops[i];
	return k;
}

/* Mark each value a read in the set returns. */
static void values_read(const struct lin_op *ops, unsigned n,
			const unsigned char *in, unsigned char *read_value,
			unsigned max_value)
{
	memset(read_value, 0, max_value + 1);
	for (unsigned i = 0; i < n; i++)
		if (in[i] && !ops[i].write)
			read_value[ops[i].value] = 1;
}

/* Add every write whose value a read in the set returns. */
static void close_reads(const struct lin_op *ops, unsigned n, unsigned char *in,
			unsigned char *read_value, unsigned max_value)
{
	values_read(ops, n, in, read_value, max_value);
	for (unsigned i = 0; i < n; i++)
		if (ops[i].write && read_value[ops[i].value])
			in[i] = 1;
}

struct shrink {
	const struct lin_op *ops;
	unsigned n;
	struct lin_op *sub;
	uint64_t left; /* steps for all the trials together */
	uint64_t budget;
};

static int fails(struct shrink *s, const unsigned char *in)
{
	uint64_t steps;
	unsigned k = gather(s->ops, s->n, in, s->sub);

	if (!s->left)
		return 0;
	enum lin_verdict v = lin_check(
	    s->sub, k, s->budget < s->left ? s->budget : s->left, &steps);
	s->left = steps < s->left ? s->left - steps : 0;
	return v == LIN_VIOLATION;
}

struct by_call {
	uint64_t call;
	unsigned i;
};

static int by_call_order(const void *a, const void *b)
{
	const struct by_call *x = a, *y = b;

	if (x->call != y->call)
		return x->call < y->call ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

unsigned lin_shrink(const struct lin_op *ops, unsigned n, uint64_t budget,
		    unsigned *keep)
{
	unsigned max_value = 0, count = 0;
	struct shrink s = {.ops = ops, .n = n, .budget = budget};

	for (unsigned i = 0; i < n; i++)
		if (ops[i].value > max_value)
			max_value = ops[i].value;
	/* The trials together may take a few times one search's budget. */
	s.left = budget ? budget * 8 : UINT64_MAX;
	struct by_call *order = malloc((n + 1) * sizeof(*order));
	unsigned char *in = calloc(n + 1, 1);
	unsigned char *read_value = calloc(max_value + 1, 1);
	s.sub = malloc((n + 1) * sizeof(*s.sub));
	if (!order || !in || !read_value || !s.sub)
		goto out;
	/* Ops by call time. */
	for (unsigned i = 0; i < n; i++)
		order[i] = (struct by_call){ops[i].call, i};
	qsort(order, n, sizeof(*order), by_call_order);

	/* The shortest failing prefix (plus the writes its reads saw). */
	unsigned lo = 1, hi = n;
	memset(in, 1, n);
	if (!fails(&s, in))
		goto out;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		memset(in, 0, n);
		for (unsigned i = 0; i < mid; i++)
			in[order[i].i] = 1;
		close_reads(ops, n, in, read_value, max_value);
		if (fails(&s, in))
			hi = mid;
		else
			lo = mid + 1;
	}
	memset(in, 0, n);
	for (unsigned i = 0; i < hi; i++)
		in[order[i].i] = 1;
	close_reads(ops, n, in, read_value, max_value);

	/* Then drop single ops while it still fails; a write only once no
	 * kept read returns its value. Latest first: the violation tends to
	 * sit at the end of the prefix, its causes before it. */
	for (int changed = 1; changed;) {
		changed = 0;
		for (unsigned k = n; k-- > 0;) {
			unsigned i = order[k].i;
			if (!in[i])
				continue;
			if (ops[i].write) {
				values_read(ops, n, in, read_value, max_value);
				if (read_value[ops[i].value])
					continue;
			}
			in[i] = 0;
			if (fails(&s, in))
				changed = 1;
			else
				in[i] = 1;
		}
	}
	for (unsigned i = 0; i < n; i++)
		if (in[i])
			keep[count++] = i;
out:
	free(order);
	free(in);
	free(read_value);
	free(s.sub);
	return count;
}
