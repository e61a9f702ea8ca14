/* SPDX-License-Identifier: MIT */
/* The console's input ring and reader queue (cons_core.h). */
#include "cons_core.h"

#include <string.h>
#include <uk/errors.h>
#include <uk/types.h>

void cons_init(struct cons_state *s)
{
	memset(s, 0, sizeof(*s));
}

void cons_rx_put(struct cons_state *s, uint8_t byte)
{
	s->stats.rx_bytes++;
	if (s->rx_count == CONS_RX_SIZE) {
		s->stats.rx_overruns++;
		return;
	}
	s->rx[(s->rx_head + s->rx_count) % CONS_RX_SIZE] = byte;
	s->rx_count++;
}

uint32_t cons_rx_peek(const struct cons_state *s, uint8_t *out, uint32_t max)
{
	uint32_t n = max < s->rx_count ? max : s->rx_count;

	for (uint32_t i = 0; i < n; i++)
		out[i] = s->rx[(s->rx_head + i) % CONS_RX_SIZE];
	return n;
}

void cons_rx_consume(struct cons_state *s, uint32_t n)
{
	if (n > s->rx_count)
		n = s->rx_count;
	s->rx_head = (s->rx_head + n) % CONS_RX_SIZE;
	s->rx_count -= n;
}

uint64_t cons_deadline(uint64_t now, uint64_t timeout_ns)
{
	if (timeout_ns == UK_TIMEOUT_INFINITE || now > UINT64_MAX - timeout_ns)
		return UINT64_MAX;
	return now + timeout_ns;
}

int cons_reader_add(struct cons_state *s, uk_name_t reply, uint32_t max,
		    uint64_t deadline)
{
	if (s->n_readers == CONS_READERS_MAX)
		return -ERR_LIMIT;
	s->readers[s->n_readers++] = (struct cons_reader){ reply, max, deadline };
	return 0;
}

void cons_reader_remove(struct cons_state *s, unsigned i)
{
	if (i >= s->n_readers)
		return;
	memmove(&s->readers[i], &s->readers[i + 1],
		(s->n_readers - i - 1) * sizeof(s->readers[0]));
	s->n_readers--;
}

int cons_reader_expired(const struct cons_state *s, uint64_t now)
{
	for (unsigned i = 0; i < s->n_readers; i++)
		if (s->readers[i].deadline <= now)
			return (int)i;
	return -1;
}

uint64_t cons_next_deadline(const struct cons_state *s)
{
	uint64_t next = UINT64_MAX;

	for (unsigned i = 0; i < s->n_readers; i++)
		if (s->readers[i].deadline < next)
			next = s->readers[i].deadline;
	return next;
}
