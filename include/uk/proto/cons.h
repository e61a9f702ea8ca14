/* SPDX-License-Identifier: MIT */
/*
 * The serial console server, registered as "console": it owns COM1 for
 * user space (the kernel still writes its own log there). Input is raw
 * bytes as typed; line editing and echo are the reader's business (the
 * shell), so a program sees exactly what arrived.
 */
#ifndef UK_PROTO_CONS_H
#define UK_PROTO_CONS_H

#include <uk/proto/rpc.h>

enum uk_cons_op {
	/* Request: the bytes inline (up to UK_RPC_INLINE_DATA). Reply:
	 * struct uk_cons_io_reply with the count written. */
	CONS_WRITE = UK_PROTO_CONS + 1,
	/* Request: struct uk_cons_read_req. Reply: uk_cons_io_reply and
	 * the bytes inline: at least 1, at most max, or ERR_TIMED_OUT.
	 * Readers are served in arrival order. */
	CONS_READ = UK_PROTO_CONS + 2,
	CONS_STATS = UK_PROTO_CONS + 3, /* reply: struct uk_cons_stats */
};

struct uk_cons_read_req {
	uint32_t max;
	uint32_t reserved;
	uint64_t timeout_ns;
};
struct uk_cons_io_reply {
	uint32_t count;
	uint32_t reserved;
};
struct uk_cons_stats {
	uint64_t rx_bytes, tx_bytes, rx_overruns, interrupts;
};

#endif
