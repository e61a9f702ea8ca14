/* SPDX-License-Identifier: MIT */
/*
 * A run's history from its node logs (docs/CLUSTER.md, "Histories"): the
 * workload's `hist ...` lines, each on its node's clock, mapped onto the
 * host's timeline, and the faults the host logged (`# power: off (killed
 * by host)`, `# state: paused`, `# net: partition ...`), written as one
 * history file for the checker (check.h). Pure apart from reading the
 * logs, so the unit tests run it on made-up logs.
 */
#ifndef UKCLUSTER_COLLECT_H
#define UKCLUSTER_COLLECT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct collect_stats {
	size_t ops;	   /* op records written */
	size_t faults;	   /* fault records written */
	uint64_t end_ns;   /* the last logged moment */
	uint64_t delay_us; /* the largest log delay seen past the clock map */
};

/* logs[i] is node i+1's log (NULL or missing: a node that logged
 * nothing). raw_serial: the logs are a node's own console output (a test
 * run by -kernel, no supervisor), whose clock is then the timeline.
 * Writes the history to out. Returns 0, or -1 with why. */
int history_collect(const char *const *logs, unsigned nodes,
		    uint64_t deadline_ns, int raw_serial, FILE *out,
		    struct collect_stats *st, char *why, size_t whylen);

#endif
