/* SPDX-License-Identifier: MIT */
/*
 * The console server's state apart from the UART and IPC: the input ring
 * and the queue of waiting readers (include/uk/proto/cons.h). Pure code, so
 * the host unit tests (tests/unit/shell) link it directly.
 *
 * Invariants: rx_count <= CONS_RX_SIZE; readers[0..n_readers) are in
 * arrival order and each holds the send-once right its reply goes to.
 * Bytes that arrive while the ring is full are dropped and counted in
 * stats.rx_overruns; the ring never overwrites unread input, so a slow
 * reader loses the newest bytes, not the ones it was about to get.
 */
#ifndef CONS_CORE_H
#define CONS_CORE_H

#include <stdbool.h>
#include <stdint.h>
#include <uk/proto/cons.h>

#define CONS_RX_SIZE 4096u
#define CONS_READERS_MAX 32u

struct cons_reader {
	uk_name_t reply;   /* send-once right of the waiting caller */
	uint32_t max;	   /* bytes it accepts */
	uint64_t deadline; /* clock value; UINT64_MAX: none */
};

struct cons_state {
	uint8_t rx[CONS_RX_SIZE];
	uint32_t rx_head; /* index of the oldest byte */
	uint32_t rx_count;
	struct cons_reader readers[CONS_READERS_MAX];
	unsigned n_readers;
	struct uk_cons_stats stats;
};

void cons_init(struct cons_state *s);

/* One byte from the UART: kept, or dropped and counted if the ring is full. */
void cons_rx_put(struct cons_state *s, uint8_t byte);
/* Copy up to max of the oldest bytes to out without consuming them. */
uint32_t cons_rx_peek(const struct cons_state *s, uint8_t *out, uint32_t max);
/* Drop the n oldest bytes (n <= rx_count). */
void cons_rx_consume(struct cons_state *s, uint32_t n);

/* Deadline of a read that starts at now with timeout_ns (saturating;
 * UK_TIMEOUT_INFINITE gives UINT64_MAX). */
uint64_t cons_deadline(uint64_t now, uint64_t timeout_ns);
/* Queue a reader at the end; -ERR_LIMIT when the queue is full. */
int cons_reader_add(struct cons_state *s, uk_name_t reply, uint32_t max,
		    uint64_t deadline);
/* Remove reader i, keeping the others in order. */
void cons_reader_remove(struct cons_state *s, unsigned i);
/* The first reader whose deadline is <= now, or -1. */
int cons_reader_expired(const struct cons_state *s, uint64_t now);
/* The earliest reader deadline, UINT64_MAX if none. */
uint64_t cons_next_deadline(const struct cons_state *s);

#endif
