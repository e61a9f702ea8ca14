/* SPDX-License-Identifier: MIT */
/*
 * The history checker (docs/CLUSTER.md, "Checking histories"): lost
 * acknowledged appends, duplicated and phantom values, hung operations,
 * linearizability of each register key (linear.h), and the figures a run
 * is judged by (failure-to-error and recovery times). No supervisor state:
 * `ukcluster check` and a scenario step call the same check_run().
 */
#ifndef UKCLUSTER_CHECK_H
#define UKCLUSTER_CHECK_H

#include "history.h"

#include <stdint.h>
#include <stdio.h>

#define CHECK_DEFAULT_SKEW_NS 2000000ULL /* 2 ms */
#define CHECK_DEFAULT_BUDGET 10000000ULL /* WGL steps per register key */

struct check_opts {
	uint64_t deadline_ns; /* 0: the history's deadline line, else 5 s */
	/* Invoke times are moved this much earlier for the linearizability
	 * and lost-append checks: node clocks are mapped onto the host
	 * timeline with about this error. Only ever more permissive. */
	uint64_t skew_ns;
	uint64_t budget; /* search steps per register key; 0: no limit */
};

struct check_result {
	unsigned ops, ok, fail, unknown; /* unknown: info or no completion */
	unsigned faults;
	unsigned lost, duplicated, hung;
	unsigned crashed, cut; /* no completion, and not hung */
	unsigned registers, linearizable, undecided; /* undecided: budget */
	unsigned errors; /* append keys without a final read */
	int valid;
	char *details; /* the report's lines after the first */
	size_t details_len;
};

void check_opts_default(struct check_opts *o);

/* Run every check on h, setting each op's OP_* flags and filling r.
 * Returns 0, or -1 if memory ran out. */
int check_history(struct history *h, const struct check_opts *o,
		  struct check_result *r);
void check_result_free(struct check_result *r);

/* The report's first line (no newline): "check: ... valid|INVALID". */
void check_summary(const struct check_result *r, const char *svg_path,
		   char *buf, size_t len);

/* Load, check, draw (if svg_path) and report one history file. The report
 * starts with the summary line, then figures and every violation. Returns
 * 0 valid, 1 violations (or not decided), 2 a malformed or unreadable file
 * or a timeline that could not be written ("FILE:LINE: what is wrong"). */
int check_run(const char *history_path, const char *svg_path,
	      const struct check_opts *o, FILE *report);

#endif
