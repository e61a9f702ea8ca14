/* SPDX-License-Identifier: MIT */
/*
 * The cluster's network namespace: a bridge with the host address, one
 * persistent tap per node, and one veth port per probe host whose other end
 * lives in the probe's own namespace (so probe-to-probe traffic really
 * crosses the bridge). As root the namespace is named ("ip netns"); as a
 * user it is anonymous inside an unprivileged user namespace, held by the
 * supervisor, and entered through /proc/PID/ns.
 */
#ifndef UKCLUSTER_NETNS_H
#define UKCLUSTER_NETNS_H

#include "state.h"

#include <stddef.h>
#include <sys/types.h>

/* Can this user build a cluster here? Checks programs, the iPXE ROM,
 * /dev/net/tun and user namespaces, and says exactly what is missing. */
int netns_preflight(char *why, size_t len);

/* Create the namespace and move the calling process into it. */
int netns_create(const struct cluster_paths *p, int rootless, char *why,
		 size_t len);

/* Bridge br0 (10.77.0.1/24, fd77::1/64) and taps tap1..tapN. */
int netns_setup_bridge(unsigned nodes, char *why, size_t len);

/* Start the process that holds probe N's namespace, give it a veth pair
 * to the bridge and its address. Returns the holder's pid, or -1. */
pid_t netns_start_probe(unsigned probe, char *why, size_t len);

/* Client side: move the calling process into the cluster namespace (or a
 * probe's, if probe_pid > 0). For a rootless cluster the user namespace
 * is entered first. */
int netns_enter(const struct cluster_info *info, pid_t probe_pid, char *why,
		size_t len);

#endif
