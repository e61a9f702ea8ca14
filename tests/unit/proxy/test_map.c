/* SPDX-License-Identifier: MIT */
/*
 * The proxy's name map (proxy/server/map.c) against a plain model: random
 * puts, gets and deletes of ever-new names agree with the model, and
 * after a long life of them a lookup that misses still stops after a
 * few slots (with tombstones it ended up scanning the whole table).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "proxy.h"

extern uint64_t map_probes;

#define LIVE 3000 /* about a third of the table, as 8 busy peers */
static struct {
	uk_name_t name;
	enum map_kind kind;
	uint16_t slot;
	uint32_t index;
} live[LIVE];

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void check_one(unsigned i)
{
	uint32_t index = ~0u;
	uint16_t slot;
	assert_true(map_get(live[i].name, live[i].kind, live[i].slot, &index));
	assert_int_equal(index, live[i].index);
	if (live[i].kind != MAP_EXPORT) {
		assert_true(map_find_port(live[i].name, live[i].kind, &slot, &index));
		assert_int_equal(slot, live[i].slot);
	}
}

static void map_agrees_with_a_model_over_a_long_life(void **state)
{
	(void)state;
	uk_name_t next = 1;
	memset(live, 0, sizeof(live));
	for (unsigned op = 0; op < 400000; op++) {
		unsigned i = (unsigned)(rnd() % LIVE);
		if (live[i].name) {
			check_one(i);
			map_del(live[i].name, live[i].kind, live[i].slot);
			assert_false(map_get(live[i].name, live[i].kind, live[i].slot, NULL));
			live[i].name = 0;
		} else {
			/* Fresh names, as a kernel that never reuses one. */
			live[i].name = next++ * 4 + (rnd() & 3);
			live[i].kind = (enum map_kind)(1 + rnd() % 3);
			live[i].slot = (uint16_t)(rnd() % 8);
			live[i].index = (uint32_t)rnd();
			map_put(live[i].name, live[i].kind, live[i].slot, live[i].index);
		}
		if (op % 9973 == 0)
			for (unsigned k = 0; k < LIVE; k++)
				if (live[k].name)
					check_one(k);
	}
	/* A miss looks at a handful of slots, not the table. */
	uint64_t before = map_probes;
	for (unsigned k = 0; k < 1000; k++)
		assert_false(map_get(next++ * 4, MAP_IMPORT, 0, NULL));
	uint64_t per_miss = (map_probes - before) / 1000;
	assert_true(per_miss < 16);
	/* The same name may be an export to two peers and an import. */
	map_put(7, MAP_EXPORT, 1, 10);
	map_put(7, MAP_EXPORT, 2, 20);
	uint32_t index;
	assert_true(map_get(7, MAP_EXPORT, 2, &index));
	assert_int_equal(index, 20);
	map_del(7, MAP_EXPORT, 2);
	assert_true(map_get(7, MAP_EXPORT, 1, &index));
	assert_int_equal(index, 10);
	assert_false(map_get(7, MAP_EXPORT, 2, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(map_agrees_with_a_model_over_a_long_life),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
