/* SPDX-License-Identifier: MIT */
/* Bringing a cluster up and down, shared by the commands and the scenario
 * runner. */
#ifndef UKCLUSTER_LIFECYCLE_H
#define UKCLUSTER_LIFECYCLE_H

#include "accel_choice.h"
#include "config.h"
#include "state.h"

#include <stdint.h>
#include <sys/types.h>

/* Exit status for "this machine cannot host a cluster" (ctest skips). */
#define EXIT_CANNOT_RUN 77
/* Exit status of commands that wait on nodes (wait, run) when a node they
 * waited on was stopped by a KVM internal error: the host's KVM cannot run
 * the guest, and --accel tcg is the way on. */
#define EXIT_KVM_ERROR 3

/* Read a configuration file (NULL: the built-in default) and resolve the
 * kernel and boot archive to absolute paths (relative ones are relative
 * to the file; missing ones are the build's). Prints FILE:LINE: reason. */
int config_load(const char *path, struct cluster_config *cfg);

/* Resolve cfg's kernel and archive against base_dir (default: the
 * build's) into absolute paths. */
int config_resolve(struct cluster_config *cfg, const char *base_dir);

/* The build directory this ukcluster belongs to. */
const char *build_dir(void);

struct up_options {
	const struct cluster_config *cfg;
	const char *pcap; /* capture file, or NULL */
	pid_t owner;	  /* the cluster stops when this process exits; 0: no */
	uint64_t t0_ms;	  /* when the user asked (for the log's +seconds) */
	int quiet;
	enum accel_kind accel;	     /* the wish (accel_wish) */
	struct accel_choice *chosen; /* receives the choice; may be NULL */
};

/* Choose the accelerator (once, for every node), then start the supervisor
 * and wait until every node is powered on and PXE-booting. Returns 0,
 * EXIT_CANNOT_RUN if the machine lacks something (said why), or 1. */
int cluster_up(const struct cluster_paths *p, const struct up_options *o);

/* Stop the cluster and remove everything it made; works without a live
 * supervisor. save_logs, if set, receives copies of the logs first.
 * Returns 0 if nothing is left, 1 if something could not be removed. */
int cluster_down(const struct cluster_paths *p, const char *save_logs,
		 int quiet);
/* The same; save_disks, if set, receives copies of the nodes' disks
 * (nodeN.disk.img) once every QEMU has stopped. */
int cluster_down_saving(const struct cluster_paths *p, const char *save_logs,
			const char *save_disks, int quiet);

/* Print the node table that `up` shows. */
void print_cluster_summary(const struct cluster_paths *p,
			   const struct cluster_config *cfg,
			   const struct accel_choice *accel);

#endif
