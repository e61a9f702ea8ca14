/* SPDX-License-Identifier: MIT */
/*
 * Seeded fault schedules (the scenario step `chaos`, docs/CLUSTER.md,
 * "Chaos runs"). A spec says how long, which kinds of fault, which nodes
 * and how often; a seed draws one schedule from it. The same spec and seed
 * give the same schedule on any machine: the generator is our own
 * splitmix64, not libc's rand(). Faults come one at a time: each starts,
 * holds, is undone (kill -> start, pause -> resume, link down -> up,
 * partition and loss -> heal; a reboot is undone by itself), and the next
 * one starts a gap later. Pure, so the unit tests link it.
 */
#ifndef UKCLUSTER_CHAOS_H
#define UKCLUSTER_CHAOS_H

#include "cluster.h"

#include <stddef.h>
#include <stdint.h>

enum chaos_kind {
	CHAOS_KILL,
	CHAOS_PAUSE,
	CHAOS_REBOOT,
	CHAOS_LINK,
	CHAOS_PARTITION,
	CHAOS_LOSS,
	CHAOS_KINDS
};

struct chaos_spec {
	uint64_t duration_ms;
	uint64_t seed;
	int seed_given;
	unsigned kinds;	 /* bit per enum chaos_kind */
	uint64_t nodes;	 /* bit per node that faults may hit; 0: all */
	uint64_t gap_lo, gap_hi;   /* ms from one fault's end to the next */
	uint64_t hold_lo, hold_hi; /* ms a fault lasts */
	unsigned loss_lo, loss_hi; /* percent */
};

#define CHAOS_MAX_FAULTS 4096

struct chaos_fault {
	uint64_t at_ms;	  /* from the step's start */
	uint64_t hold_ms; /* until it is undone */
	enum chaos_kind kind;
	unsigned node;	  /* the node it hits (partition: isolated with) */
	unsigned percent; /* loss */
	char partition[3 * CLUSTER_MAX_NODES + 8]; /* "1,3 / 2" */
};

const char *chaos_kind_name(enum chaos_kind k);

/* Parse the step's words after DURATION ("seed=N", "kinds=kill,pause",
 * "nodes=2,3", "gap=1s-4s", "hold=500ms-3s", "loss=10-50"), with defaults
 * for the rest: every kind, every node, gap 1-4 s, hold 1-4 s, loss
 * 20-60 %. nodes bounds the node numbers. Returns 0 or -1 with why. */
int chaos_parse(char *const *words, int count, unsigned nodes,
		struct chaos_spec *spec, char *why, size_t whylen);

/* Draw the schedule for spec->seed into out (up to max faults) for a
 * cluster of `nodes` nodes. Returns how many faults. */
size_t chaos_plan(const struct chaos_spec *spec, unsigned nodes,
		  struct chaos_fault *out, size_t max);

/* "kill 2 for 1.8 s" and the like. */
void chaos_describe(const struct chaos_fault *f, char *buf, size_t len);

#endif
