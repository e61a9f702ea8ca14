/* SPDX-License-Identifier: MIT */
/* ICMP echo between hosts of the cluster network, run from inside a probe's
 * namespace (or the bridge's, for "host"): the traffic check that shows a
 * partition blocking and heal or loss changing what gets through. */
#ifndef UKCLUSTER_PING_H
#define UKCLUSTER_PING_H

#include "cluster.h"
#include "state.h"

#include <stddef.h>

struct ping_result {
	unsigned sent, received;
};

/* Send count echo requests every interval_ms from `from` (a probe or the
 * host) to `to`, wait up to timeout_ms after the last. Returns 0, or -1
 * with why if the ping could not be run at all. */
int cluster_ping(const struct cluster_info *info, const struct target *from,
		 const struct target *to, unsigned count, unsigned interval_ms,
		 unsigned timeout_ms, struct ping_result *r, char *why,
		 size_t len);

void target_address(const struct target *t, char *buf, size_t len);

#endif
