/* SPDX-License-Identifier: MIT */
/*
 * ukcluster: PXE-boot a cluster of QEMU nodes on a private network, watch
 * and control it, and inject faults. See docs/CLUSTER.md.
 *
 *   ukcluster [--name NAME] COMMAND [ARGS...]
 */
#include "commands.h"
#include "supervisor.h"
#include "text.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: ukcluster [--name NAME] COMMAND [ARGS...]\n"
	    "\n"
	    "PXE-boot a cluster of QEMU nodes, control it, and inject faults.\n"
	    "The cluster is 'default' unless --name or UKCLUSTER_NAME says "
	    "otherwise.\n"
	    "\n"
	    "commands:\n");
	for (const struct command *c = commands; c->name; c++)
		fprintf(out, "  %-58s %s\n", c->usage, c->summary);
	fprintf(out, "\nNODE is a number (1, 2, ...); PROBE is p1, p2, ...; "
		     "see docs/CLUSTER.md.\n");
}

int main(int argc, char **argv)
{
	const char *name = getenv("UKCLUSTER_NAME");
	struct cluster_paths paths;
	int i = 1;

	if (argc >= 2 && !strcmp(argv[1], "__supervise"))
		return supervisor_main(argc, argv);
	if (name && *name)
		name_given = 1;
	while (i < argc && argv[i][0] == '-') {
		if ((!strcmp(argv[i], "--name") || !strcmp(argv[i], "-n")) &&
		    i + 1 < argc) {
			name = argv[i + 1];
			name_given = 1;
			i += 2;
		} else if (!strcmp(argv[i], "--help") ||
			   !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[i], "help")) {
		usage(stdout);
		return 0;
	}
	if (cluster_paths_init(name && *name ? name : CLUSTER_DEFAULT_NAME,
			       &paths))
		return 2;
	for (const struct command *c = commands; c->name; c++)
		if (!strcmp(argv[i], c->name)) {
			/* Output order matters when stdout is a pipe (tests).
			 */
			setvbuf(stdout, NULL, _IOLBF, 0);
			return c->run(&paths, argc - i - 1, argv + i + 1);
		}
	msg("unknown command '%s' (ukcluster help lists them)", argv[i]);
	return 2;
}
