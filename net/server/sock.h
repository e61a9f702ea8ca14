/* SPDX-License-Identifier: MIT */
/*
 * Sockets inside netd: the table (sock.c) and the data paths, waiting
 * requests and poll (sock_io.c).
 *
 * A socket is an lwIP pcb, a receive queue, and the requests waiting on
 * it. lwIP's callbacks only queue data and mark the socket dirty; the
 * loop then calls sock_progress(), which completes the waiting requests
 * in order. So a reply is never sent from inside lwIP.
 *
 * An accepted connection exists as a socket from the moment lwIP accepts
 * it (data may arrive before the client calls accept); it gets its port
 * only when SOCK_ACCEPT hands it out.
 */
#ifndef NETD_SOCK_H
#define NETD_SOCK_H

#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "netd.h"

#define SOCK_MAX 256
#define SOCK_RXQ 64
#define SOCK_UDP_RCVBUF (256u * 1024)

struct tcp_pcb;
struct udp_pcb;
struct raw_pcb;

/* A queued receive: a stream's chain of data (chains are merged while
 * they fit a pbuf chain's 16-bit length), or one datagram and where it
 * came from. */
struct rx_entry {
	struct pbuf *p;
	ip_addr_t addr;
	uint16_t port;
};

/* A request waiting for its answer. data/heap/ool: SEND's bytes. */
struct pending {
	struct pending *next;
	uint32_t op;
	uk_name_t reply;
	uint64_t deadline; /* 0: never waits; UINT64_MAX: no timeout */
	uint32_t flags, len, done;
	struct uk_sock_addr addr;
	const uint8_t *data;
	void *heap;		 /* our copy of inline data */
	uint64_t ool_addr, ool_size; /* a region we free when done */
	bool waiting;		     /* false once answered */
};

struct sock {
	bool used;
	uint16_t gen; /* bumped on free: poll notices reuse */
	uint32_t id;
	uk_name_t port; /* 0 until a client has it */
	struct sock *hnext;
	uint32_t owner;
	uint8_t type, family, protocol;
	bool listening, connecting, connected, eof, rd_shut, wr_shut;
	bool dirty, retry;
	int32_t error; /* pending -ERR_* (SO_ERROR) */
	union {
		struct tcp_pcb *tcp;
		struct udp_pcb *udp;
		struct raw_pcb *raw;
		void *any;
	} pcb;
	struct rx_entry rxq[SOCK_RXQ];
	unsigned rx_head, rx_count;
	uint32_t rx_bytes, rcvbuf;
	/* Listening: connections lwIP accepted, not yet handed out. */
	struct sock *acc_first, *acc_last;
	unsigned acc_count;
	/* Accepted, not yet handed out: its listener and queue link. */
	struct sock *listener, *acc_next;
	struct pending *rq; /* RECV, ACCEPT in arrival order */
	struct pending *wq; /* SEND, CONNECT in arrival order */
	struct sock *dirty_next;
};

/* sock.c */
struct sock *sock_alloc(uint8_t type, uint8_t family, uint8_t protocol);
void sock_close(struct sock *s);
void sock_mark_dirty(struct sock *s);
void sock_setup_tcp(struct sock *s, struct tcp_pcb *pcb);
long sock_make_port(struct sock *s);
struct sock *sock_by_port(uk_name_t port);
long sock_accept_one(struct sock *l, struct uk_sock_reply *rep);
err_t sock_tcp_connected(void *arg, struct tcp_pcb *pcb, err_t err);

/* sock_io.c */
extern uint64_t sock_next_expiry;
extern uint64_t sock_udp_drops;
extern bool sock_poll_dirty;
void sock_try(struct sock *s);
void sock_expire(struct sock *s, uint64_t now);
void sock_fail_pending(struct sock *s, int32_t status);
long sock_wait(struct sock *s, const struct uk_msg_header *h,
	       const struct uk_sock_req *rq, const uint8_t *data,
	       uint64_t ool_addr, uint64_t ool_size);
/* A batch of datagrams (UK_SOCK_MSG_BATCH): checked whole, then sent;
 * the number the stack took, or ERR_INVALID (nothing sent). */
long sock_send_batch(struct sock *s, const uint8_t *data, uint32_t len);
long sock_send_datagram(struct sock *s, const struct uk_sock_req *rq,
			const uint8_t *data);
void sock_rx_clear(struct sock *s);
bool sock_rx_push(struct sock *s, struct pbuf *p, const ip_addr_t *addr,
		  uint16_t port);
uint16_t sock_readiness(struct sock *s);
uint64_t sock_poll_progress(void);
void sock_udp_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p,
		   const ip_addr_t *addr, u16_t port);
u8_t sock_raw_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p,
		   const ip_addr_t *addr);

#endif
