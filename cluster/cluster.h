/* SPDX-License-Identifier: MIT */
/*
 * ukcluster: names and numbers shared by every part of the tool. The cluster
 * lives on a private /24 inside its own network namespace, so the addresses
 * below never touch the host's interfaces and two clusters never collide.
 * Node N (1-based) owns tap "tapN", MAC 52:54:00:77:00:NN and address
 * 10.77.0.(10+N); probe host pN owns port "probeN", MAC 52:54:00:77:01:NN
 * and 10.77.0.(200+N); the bridge "br0" is the host at 10.77.0.1.
 */
#ifndef UKCLUSTER_CLUSTER_H
#define UKCLUSTER_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#define CLUSTER_MAX_NODES 64
#define CLUSTER_MAX_PROBES 8
#define CLUSTER_NAME_MAX 32 /* including the NUL */
#define CLUSTER_DEFAULT_NAME "default"
#define CLUSTER_BRIDGE "br0"
#define CLUSTER_HOST_ADDR "10.77.0.1"
#define CLUSTER_PREFIX_LEN 24
#define CLUSTER_HOST_ADDR6 "fd77::1"
/* iPXE hands the kernel "tftp://10.77.0.1/kernel.bin " + the arguments; the
 * whole line must stay under iPXE's 512-byte command line limit. */
#define CLUSTER_CMDLINE_MAX 511
#define CLUSTER_IPXE_URI "tftp://" CLUSTER_HOST_ADDR "/kernel.bin"

/* What a command-line or scenario word names. */
enum target_kind { TARGET_NODE, TARGET_PROBE, TARGET_HOST, TARGET_ALL };

struct target {
	enum target_kind kind;
	unsigned index; /* 1-based node or probe number; 0 for host/all */
};

/* Parse "3", "node3", "p2", "probe2", "host" or (if allow_all) "all".
 * Returns 0, or -1 if the word names nothing. Ranges are not checked. */
int target_parse(const char *word, int allow_all, struct target *t);
/* "node 3", "probe p2", "host", "all nodes" (for messages). */
const char *target_describe(const struct target *t, char *buf, size_t len);

/* Addresses and names of nodes and probes (1-based index). */
void node_address(unsigned node, char *buf, size_t len);
void node_mac(unsigned node, char *buf, size_t len);
void node_tap(unsigned node, char *buf, size_t len);
void probe_address(unsigned probe, char *buf, size_t len);
void probe_mac(unsigned probe, char *buf, size_t len);
void probe_port(unsigned probe, char *buf, size_t len);

/* Cluster names are used in paths and namespace names:
 * [a-z0-9][a-z0-9_-]*, shorter than CLUSTER_NAME_MAX. */
int cluster_name_valid(const char *name);

#endif
