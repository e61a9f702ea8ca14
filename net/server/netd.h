/* SPDX-License-Identifier: MIT */
/*
 * netd internals: the pieces of the network server and what they share.
 *
 *   main.c    the event loop: receive, dispatch, timers, deferred replies
 *   link.c    the netdev client (include/uk/proto/netdev.h) as lwIP's netif
 *   sock.c    sockets on lwIP's raw API (include/uk/proto/sock.h)
 *   status.c  NET_INFO, NET_SOCKETS, NET_PING, NET_RESOLVE, NET_CONFIG
 *   reply.c   building and sending replies
 *
 * Everything runs on one thread: lwIP callbacks, requests and device
 * events are never concurrent, so there are no locks.
 */
#ifndef NETD_H
#define NETD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uk/proto/sock.h>

#include "lwip/ip_addr.h"

struct netif;

/* The message buffers of the loop. A request arrives in netd_in; the
 * reply to it is built in netd_out. */
union netd_msg {
	struct uk_msg_header h;
	uint8_t bytes[UK_MSG_SIZE_MAX];
	uint64_t align_;
};
extern union netd_msg netd_in, netd_out;

extern uk_name_t netd_set;     /* port set every port of ours is in */
extern uk_name_t netd_service; /* "net" */
extern uk_name_t netd_admin;   /* "net.admin": NET_CONFIG */
/* Our private port for kernel notices: nobody else holds a right to it,
 * and the kernel sends notices only to a port the requester receives on. */
extern uk_name_t netd_notify;
extern uint64_t netd_bad_requests;
/* Set by a handler that keeps the request's out-of-line region (it frees
 * it itself later). */
extern bool netd_keep_ool;

/* Time in ns (uk_clock) and deadlines: UINT64_MAX is never. */
uint64_t netd_now(void);
uint64_t netd_deadline(uint64_t timeout_ns);
/* Ask the loop to wake up by this time at the latest. */
void netd_wake_by(uint64_t deadline);

/* reply.c: a reply in netd_out. Start it, append body bytes, attach a
 * port or a data region, send it to a reply right. A request handler
 * returns NETD_REPLY (answer netd_out to the request's reply right),
 * NETD_DEFERRED (it kept the reply right) or a negative error (answered
 * with that status and nothing else). NETD_TAKEN: the message was the
 * proxy's, which answered it and released what it brought. */
#define NETD_REPLY 1
#define NETD_DEFERRED 0
#define NETD_TAKEN 2
void *reply_start(uint32_t id, int32_t status);
/* Room for len more body bytes, or NULL if they do not fit inline. */
void *reply_grow(size_t len);
/* Attach a right (descriptors must come before the body: call first). */
void reply_port(uk_name_t name, uint32_t disposition);
/* Data after the body so far: inline if it fits, else an out-of-line
 * copy of the bytes (they may be reused once the reply is sent). */
void reply_data(const void *data, size_t len);
/* Assemble the reply built so far into m, addressed to reply. */
void reply_finish(union netd_msg *m, uk_name_t reply);
/* Send the reply built so far to a send-once right now (never blocks);
 * drops the right if the caller has gone. */
void reply_send(uk_name_t reply);
/* The same, except that the reply to the request being handled goes out
 * with the loop's next receive (ipc_reply_receive, the fast path). */
void reply_to(uk_name_t reply);
/* Answer a kept reply right with only a status. */
void reply_status(uk_name_t reply, uint32_t id, int32_t status);
/* A staging buffer of UK_SOCK_IO_MAX bytes for reply data. */
uint8_t *reply_staging(void);

/* Error code conversion (lwIP err_t to -ERR_*). */
int32_t netd_err(int lwip_err);
/* Addresses between the protocol and lwIP. */
bool addr_from_proto(const struct uk_sock_addr *a, ip_addr_t *ip, uint16_t *port);
void addr_to_proto(const ip_addr_t *ip, uint16_t port, struct uk_sock_addr *a);

/* link.c */
struct link_config {
	bool dhcp;
	ip4_addr_t addr, netmask, gateway;
	const char *device; /* "net0" */
	const char *hostname;
	uint64_t dhcp_wait_ns; /* static fallback after this long without a lease */
};
void link_init(const struct link_config *cfg);
/* An event from the driver on our event port; false if the message was
 * not for the link. */
bool link_event(const struct uk_msg_header *h);
/* Work after each loop pass: send batched TX, return RX slots, reopen a
 * lost device. */
void link_flush(void);
struct netif *link_netif(void);
bool link_have_device(void);
bool link_dhcp(void);
void link_counters(struct uk_net_counters *c);
int link_configure(const struct uk_net_config_req *rq);
extern uk_name_t link_event_port;

/* proxy_udp.c: the proxy in our loop (docs/PROXY.md). Its arguments are
 * our proxy.KEY=VALUE ones (init's +hosts=proxy gives us the kernel
 * command line's): KEY=VALUE to netd_proxy_arg, false if not the
 * proxy's. Start it (false: no proxy). */
bool netd_proxy_arg(const char *a);
bool netd_proxy_start(void);
/* A message on one of the proxy's ports: handled (true), or untouched. */
bool netd_proxy_take(const struct uk_msg_header *h);
/* At the start of each turn (the proxy's clock), at its end (its ticks;
 * message: one arrived), and the earliest tick it wants (ns). */
void netd_proxy_turn(void);
void netd_proxy_after(bool message);
uint64_t netd_proxy_deadline(void);

/* sock.c */
void sock_init(void);
/* A request on a socket port; returns as request handlers do. */
long sock_request(const struct uk_msg_header *h);
long sock_open(const struct uk_msg_header *h);
long sock_poll(const struct uk_msg_header *h);
/* A no-senders notification for port: close the socket it is. */
void sock_no_senders(uk_name_t port);
/* Work after each loop pass: complete what became possible, expire what
 * timed out. Returns the next deadline. */
uint64_t sock_progress(void);
unsigned sock_count(void);
uint64_t sock_udp_queue_drops(void);
/* Fill up to max entries from index start; returns the total. */
uint32_t sock_list(uint32_t start, struct uk_net_sock_entry *out, uint32_t max,
		   uint32_t *count);

/* status.c */
long status_request(const struct uk_msg_header *h, bool admin);
uint64_t status_progress(void);

#endif
