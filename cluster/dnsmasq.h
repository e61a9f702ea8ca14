/* SPDX-License-Identifier: MIT */
/*
 * PXE service: the TFTP root (kernel, boot archive, one iPXE script per
 * node) and dnsmasq serving DHCP and TFTP on the cluster bridge only. Each
 * node's MAC gets a fixed address and its own script; the script loads the
 * kernel with that node's command line and the boot archive, and retries
 * if a transfer fails.
 */
#ifndef UKCLUSTER_DNSMASQ_H
#define UKCLUSTER_DNSMASQ_H

#include "config.h"
#include "state.h"

#include <stddef.h>
#include <sys/types.h>

/* Write DIR/tftp/ and DIR/dnsmasq.conf. */
int pxe_prepare(const struct cluster_paths *p, const struct cluster_config *cfg,
		char *why, size_t len);

/* Start dnsmasq in the current namespace and wait until it serves.
 * Returns its pid, or -1. */
pid_t dnsmasq_start(const struct cluster_paths *p, char *why, size_t len);

/* Turn one line of dnsmasq's log into a node event: returns the node
 * (1-based) and the event text ("pxe: DHCPACK 10.77.0.12"), or 0 if the
 * line is not about a node's boot. */
unsigned dnsmasq_event(const char *line, unsigned nodes, char *event,
		       size_t len);

#endif
