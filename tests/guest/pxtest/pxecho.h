/* SPDX-License-Identifier: MIT */
/*
 * pxecho, the service of `pxtest` with no arguments (tests/guest/pxtest):
 * its message ids. Every request is a call; the reply is a
 * struct uk_rpc_status, then for all but PXT_ECHO a u64. Shared with the
 * programs that call it (tests/guest/failover).
 */
#ifndef PXTEST_PXECHO_H
#define PXTEST_PXECHO_H

#define PXT_ECHO 0x0e01u
#define PXT_COUNT 0x0e02u /* reply: u64 requests served, this one included */
#define PXT_KEEP 0x0e03u  /* pxecho keeps the rights it got (the last 16) */
/* pxecho, for three nodes (replies: status, then a u64): */
#define PXT_MINT                                                               \
	0x0e04u		     /* a new port of pxecho's, served as pxecho:      \
				port 0 of the reply, the u64 its name there */
#define PXT_RELEASED 0x0e05u /* u64 a minted name: 1 once it saw no-senders */
#define PXT_RELAY 0x0e06u    /* PXT_COUNT on port 0: its status and count */
#define PXT_BOUNCE                                                             \
	0x0e07u /* u64 token: PXT_CHECK{token} with port 0 to                  \
		   port 1; its status */
#define PXT_CHECK                                                              \
	0x0e08u		  /* u64 token: 0 if port 0 is pxecho's own            \
			     minted port `token`, else ERR_INVALID */
#define PXT_BADGE 0x0e09u /* reply: u64 the badge the request came with */
/* pxecho also registers "pxbadge": a delegable right with this badge
 * and the low PXT_BADGE_BITS left to its holder (docs/PROXY.md, Badges). */
#define PXT_BADGE_BASE (0x5eull << 40)
#define PXT_BADGE_BITS 24u
#define PXT_NODE 0x0e0au /* reply: u64 the node pxecho runs on */

#endif
