/* SPDX-License-Identifier: MIT */
/*
 * Traffic faults on the cluster bridge: partitions (groups of nodes and
 * probes that cannot reach each other) and random loss on one port. Both
 * become one nftables "bridge" table, matched on bridge ports, so they apply
 * alike to QEMU taps and probe hosts and never to the host side (dnsmasq
 * keeps serving PXE to every node). Parsing and rule generation are pure.
 */
#ifndef UKCLUSTER_FAULTS_H
#define UKCLUSTER_FAULTS_H

#include "cluster.h"

#include <stddef.h>

#define FAULTS_TABLE "ukcluster"

struct fault_state {
	unsigned groups;				   /* 0: no partition */
	unsigned char node_group[CLUSTER_MAX_NODES + 1];   /* 0: in none */
	unsigned char probe_group[CLUSTER_MAX_PROBES + 1]; /* 0: in none */
	unsigned char node_loss[CLUSTER_MAX_NODES + 1];	   /* percent */
	unsigned char probe_loss[CLUSTER_MAX_PROBES + 1];  /* percent */
};

/* Parse "1,2 / 3,p1" into fs's partition fields (loss untouched): groups
 * separated by '/', members by commas or blanks. nodes and probes bound the
 * numbers (pass 0 to check only the syntax). Returns 0 or -1 with why. */
int partition_parse(const char *spec, unsigned nodes, unsigned probes,
		    struct fault_state *fs, char *why, size_t whylen);

/* "1,2 / 3,p1", or "" without a partition. */
void partition_describe(const struct fault_state *fs, char *buf, size_t len);

/* The complete `nft -f` input that replaces the cluster's table with the
 * rules for fs. Returns 0, or -1 if buf is too small. */
int faults_ruleset(const struct fault_state *fs, char *buf, size_t len);

#endif
