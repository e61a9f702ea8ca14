/* SPDX-License-Identifier: MIT */
/*
 * Cluster configuration: how many nodes, their memory and CPUs, their role,
 * which servers init starts on each, extra kernel arguments, and probe
 * hosts. The text format is documented in docs/CLUSTER.md; the parser is
 * pure (a string in, a struct or a line-numbered error out) so unit tests
 * link it directly.
 */
#ifndef UKCLUSTER_CONFIG_H
#define UKCLUSTER_CONFIG_H

#include "accel.h"
#include "cluster.h"

#include <stdbool.h>
#include <stddef.h>

#define CONFIG_ROLE_MAX 32
#define CONFIG_SERVERS_MAX 256
#define CONFIG_ARGS_MAX 400
#define CONFIG_PATH_MAX 512
#define CONFIG_MEMORY_MIN 32
#define CONFIG_MEMORY_MAX 16384
#define CONFIG_CPUS_MAX 8

struct node_config {
	unsigned memory_mib;
	unsigned cpus;
	unsigned loglevel;
	char role[CONFIG_ROLE_MAX];
	char servers[CONFIG_SERVERS_MAX]; /* "a,b,c" or "" */
	char args[CONFIG_ARGS_MAX];	  /* extra "key=value ..." */
	int line;			  /* of its "node N" line, 0 if none */
	unsigned set;			  /* NODE_SET_* keys the block set */
};

enum {
	NODE_SET_MEMORY = 1,
	NODE_SET_CPUS = 2,
	NODE_SET_LOGLEVEL = 4,
	NODE_SET_ROLE = 8,
	NODE_SET_SERVERS = 16,
	NODE_SET_ARGS = 32,
};

struct cluster_config {
	char name[CLUSTER_NAME_MAX]; /* "" unless the file names the cluster */
	unsigned nodes;
	unsigned probes;
	char kernel[CONFIG_PATH_MAX];  /* "" = the build's kernel.bin */
	char archive[CONFIG_PATH_MAX]; /* "" = the build's boot.cpio */
	/* Disk image every node gets a private copy of (virtio-blk), kept
	 * across reboots for the cluster's life: "" = the build's
	 * disk/disk.img, "none" = no disk. */
	char disk[CONFIG_PATH_MAX];
	/* The accelerator asked for (`accel auto|kvm|tcg`); when the file
	 * does not say, $UK_ACCEL or auto decides (see accel_choice.h). */
	bool accel_set;
	enum accel_kind accel;
	/* `icount yes`: QEMU's -icount shift=0 on every node (TCG only), so
	 * rdtsc counts guest instructions; the kernel is told by the word
	 * "icount" on its command line. For benchmarks of guest paths. */
	bool icount;
	struct node_config defaults;
	struct node_config node[CLUSTER_MAX_NODES]; /* node[0] is node 1 */
};

struct config_error {
	int line; /* 1-based; 0 when the error is not tied to a line */
	char message[256];
};

/* The built-in cluster: 3 nodes of 128 MiB, role "node", no servers. */
void config_default(struct cluster_config *cfg);

/* Parse a configuration text (len bytes, need not be NUL-terminated).
 * Returns 0 with *cfg filled in, or -1 with *err saying where and why. */
int config_parse(const char *text, size_t len, struct cluster_config *cfg,
		 struct config_error *err);

/* Change the node count after parsing (e.g. `up --nodes 8`): new nodes get
 * the defaults. Returns -1 if n is out of range or below a configured node. */
int config_set_nodes(struct cluster_config *cfg, unsigned n,
		     struct config_error *err);

/* The kernel arguments for node (1-based), as iPXE passes them after the
 * image URI: "node=N role=R loglevel=L [servers=..] [args]". Returns the
 * length, or -1 if it does not fit in len. */
int config_node_cmdline(const struct cluster_config *cfg, unsigned node,
			char *buf, size_t len);

/* Write cfg back in the file format (every node spelled out); config_parse
 * reads it back to an equal configuration. Returns 0, or -1 if too long. */
int config_format(const struct cluster_config *cfg, char *buf, size_t len);

#endif
