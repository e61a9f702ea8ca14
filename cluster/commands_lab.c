/* SPDX-License-Identifier: MIT */
/*
 * `ukcluster history`: a run's history from its node logs (collect.h), from
 * the running cluster or from logs saved by `down --save-logs` or `run
 * --save-logs`, for the checker (`ukcluster check`, docs/CLUSTER.md,
 * "Chaos runs").
 */
#include "collect.h"
#include "commands.h"
#include "text.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The log of every node that has one, from the cluster's state directory
 * or from DIR (nodeN.log). Returns how many nodes (the highest number). */
unsigned lab_node_logs(const struct cluster_paths *p, const char *dir,
		       char paths[][PATH_MAX], const char *ptrs[])
{
	unsigned nodes = 0;

	for (unsigned i = 1; i <= CLUSTER_MAX_NODES; i++) {
		char *path = paths[i - 1];
		if (dir)
			snprintf(path, PATH_MAX, "%s/node%u.log", dir, i);
		else
			node_file(p, i, "log", path, PATH_MAX);
		ptrs[i - 1] = path_exists(path) ? path : NULL;
		if (ptrs[i - 1])
			nodes = i;
	}
	return nodes;
}

int cmd_history(const struct cluster_paths *p, int argc, char **argv)
{
	static const char usage[] =
	    "history [--logs DIR | --serial FILE] [--deadline DURATION] "
	    "[-o FILE]";
	static char paths[CLUSTER_MAX_NODES][PATH_MAX];
	const char *ptrs[CLUSTER_MAX_NODES];
	const char *dir = NULL, *outpath = NULL, *serial = NULL;
	uint64_t deadline_ms = 5000;
	struct collect_stats st;
	char why[512];

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--logs") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "--serial") && i + 1 < argc)
			serial = argv[++i];
		else if (!strcmp(argv[i], "-o") && i + 1 < argc)
			outpath = argv[++i];
		else if (!strcmp(argv[i], "--deadline") && i + 1 < argc &&
			 !parse_duration_ms(argv[i + 1], &deadline_ms) &&
			 deadline_ms)
			i++;
		else {
			fprintf(stderr, "usage: ukcluster %s\n", usage);
			return 2;
		}
	}
	unsigned nodes = 1;
	if (serial)
		ptrs[0] = serial;
	else
		nodes = lab_node_logs(p, dir, paths, ptrs);
	if (!nodes) {
		msg("no node logs in %s (a running cluster's, or --logs DIR "
		    "with nodeN.log files from --save-logs)",
		    dir ? dir : p->dir);
		return 1;
	}
	FILE *out = outpath ? fopen(outpath, "w") : stdout;
	if (!out) {
		msg("cannot write %s: %s", outpath, strerror(errno));
		return 1;
	}
	int rc = history_collect(ptrs, nodes, deadline_ms * 1000000ull,
				 serial != NULL, out,
				 &st, why, sizeof(why));
	if (outpath && fclose(out) && !rc) {
		snprintf(why, sizeof(why), "cannot write %s", outpath);
		rc = -1;
	}
	if (rc) {
		msg("%s", why);
		return 1;
	}
	fprintf(stderr,
		"history: %zu operations, %zu faults from %u node logs "
		"(largest log delay past the clock map %llu us)%s%s\n",
		st.ops, st.faults, nodes, (unsigned long long)st.delay_us,
		outpath ? " in " : "", outpath ? outpath : "");
	return 0;
}
