/* SPDX-License-Identifier: MIT */
/*
 * The console server's input ring and reader queue (servers/console/
 * cons_core.c): bytes come out in order across the wrap, a full ring
 * drops and counts the newest bytes, readers keep arrival order, the
 * earliest deadline is found and deadlines saturate.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <uk/errors.h>
#include <uk/types.h>

#include "cons_core.h"

static struct cons_state *new_state(void)
{
	struct cons_state *s = malloc(sizeof(*s));

	assert_non_null(s);
	cons_init(s);
	return s;
}

static void ring_keeps_order_across_the_wrap(void **state)
{
	struct cons_state *s = new_state();
	uint8_t out[64];

	/* Move the head near the end, then write across it. */
	for (uint32_t i = 0; i < CONS_RX_SIZE - 3; i++)
		cons_rx_put(s, 'x');
	cons_rx_consume(s, CONS_RX_SIZE - 3);
	assert_int_equal(s->rx_count, 0);
	for (int i = 0; i < 10; i++)
		cons_rx_put(s, (uint8_t)('0' + i));
	assert_int_equal(cons_rx_peek(s, out, sizeof(out)), 10);
	assert_memory_equal(out, "0123456789", 10);
	/* Peek does not consume; a partial consume keeps the rest. */
	assert_int_equal(cons_rx_peek(s, out, 4), 4);
	assert_memory_equal(out, "0123", 4);
	cons_rx_consume(s, 4);
	assert_int_equal(cons_rx_peek(s, out, sizeof(out)), 6);
	assert_memory_equal(out, "456789", 6);
	assert_int_equal(s->stats.rx_bytes, CONS_RX_SIZE - 3 + 10);
	assert_int_equal(s->stats.rx_overruns, 0);
	free(s);
}

static void full_ring_drops_the_newest_and_counts(void **state)
{
	struct cons_state *s = new_state();
	static uint8_t out[CONS_RX_SIZE];

	for (uint32_t i = 0; i < CONS_RX_SIZE + 100; i++)
		cons_rx_put(s, (uint8_t)i);
	assert_int_equal(s->rx_count, CONS_RX_SIZE);
	assert_int_equal(s->stats.rx_overruns, 100);
	assert_int_equal(s->stats.rx_bytes, CONS_RX_SIZE + 100);
	assert_int_equal(cons_rx_peek(s, out, CONS_RX_SIZE), CONS_RX_SIZE);
	for (uint32_t i = 0; i < CONS_RX_SIZE; i++)
		assert_int_equal(out[i], (uint8_t)i);
	/* Consuming more than there is empties it, no more. */
	cons_rx_consume(s, CONS_RX_SIZE + 5);
	assert_int_equal(s->rx_count, 0);
	assert_int_equal(cons_rx_peek(s, out, 10), 0);
	free(s);
}

static void readers_keep_arrival_order(void **state)
{
	struct cons_state *s = new_state();

	assert_int_equal(cons_reader_add(s, 11, 5, 100), 0);
	assert_int_equal(cons_reader_add(s, 12, 6, 50), 0);
	assert_int_equal(cons_reader_add(s, 13, 7, UINT64_MAX), 0);
	assert_int_equal(cons_next_deadline(s), 50);
	assert_int_equal(cons_reader_expired(s, 49), -1);
	assert_int_equal(cons_reader_expired(s, 50), 1);
	cons_reader_remove(s, 1);
	assert_int_equal(s->n_readers, 2);
	assert_int_equal(s->readers[0].reply, 11);
	assert_int_equal(s->readers[1].reply, 13);
	assert_int_equal(s->readers[1].max, 7);
	assert_int_equal(cons_next_deadline(s), 100);
	cons_reader_remove(s, 5); /* out of range: nothing */
	assert_int_equal(s->n_readers, 2);
	cons_reader_remove(s, 0);
	cons_reader_remove(s, 0);
	assert_int_equal(cons_next_deadline(s), UINT64_MAX);
	free(s);
}

static void reader_queue_is_bounded(void **state)
{
	struct cons_state *s = new_state();

	for (unsigned i = 0; i < CONS_READERS_MAX; i++)
		assert_int_equal(cons_reader_add(s, i + 1, 1, UINT64_MAX), 0);
	assert_int_equal(cons_reader_add(s, 99, 1, UINT64_MAX), -ERR_LIMIT);
	assert_int_equal(s->n_readers, CONS_READERS_MAX);
	free(s);
}

static void deadlines_saturate(void **state)
{
	assert_int_equal(cons_deadline(1000, 0), 1000);
	assert_int_equal(cons_deadline(1000, 5), 1005);
	assert_true(cons_deadline(1000, UK_TIMEOUT_INFINITE) == UINT64_MAX);
	assert_true(cons_deadline(UINT64_MAX - 3, 10) == UINT64_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ring_keeps_order_across_the_wrap),
		cmocka_unit_test(full_ring_drops_the_newest_and_counts),
		cmocka_unit_test(readers_keep_arrival_order),
		cmocka_unit_test(reader_queue_is_bounded),
		cmocka_unit_test(deadlines_saturate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
