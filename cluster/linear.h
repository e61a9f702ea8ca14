/* SPDX-License-Identifier: MIT */
/*
 * Linearizability of one register (a single key), by Wing & Gong's search
 * with Lowe's memoisation (WGL; as in Porcupine and Knossos): operations are
 * linearized one by one in an order that respects real time, and every
 * (set of linearized operations, register value) reached is remembered so no
 * configuration is explored twice. The model: a read returns the current
 * value, a write sets it; the initial value is nil (value 0).
 *
 * Pure: no I/O, no history types. The caller maps its operations to
 * lin_ops (check.c).
 */
#ifndef UKCLUSTER_LINEAR_H
#define UKCLUSTER_LINEAR_H

#include <stdint.h>

#define LIN_NEVER                                                              \
	UINT64_MAX /* a return time: may take effect any time                  \
		      after the call, or never */

struct lin_op {
	uint64_t call, ret; /* ret may be LIN_NEVER (writes only) */
	int write;	    /* else a read */
	unsigned value;	    /* written or read; 0 is nil */
};

enum lin_verdict { LIN_OK, LIN_VIOLATION, LIN_UNKNOWN };

/* Search ops[0..n) within budget steps (0: no limit). LIN_UNKNOWN when the
 * budget ran out or memory did not suffice: never a guess. *steps (if not
 * NULL) receives the steps taken. */
enum lin_verdict lin_check(const struct lin_op *ops, unsigned n,
			   uint64_t budget, uint64_t *steps);

/* For a history lin_check found LIN_VIOLATION: a small subset of it that is
 * still not linearizable and still proves the whole is not (every value a
 * kept read returns keeps all its writes: with unique written values a
 * linearization of the whole would restrict to one of the subset). First
 * the shortest prefix by call time, then single operations dropped greedily.
 * Writes the kept indices, ascending, to keep (room for n); returns their
 * count, or 0 if the history did not fail within the budget. */
unsigned lin_shrink(const struct lin_op *ops, unsigned n, uint64_t budget,
		    unsigned *keep);

#endif
