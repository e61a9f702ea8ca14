/* SPDX-License-Identifier: MIT */
/*
 * The network server (net/, program netd), registered as "net": sockets
 * over IPC, plus status and diagnostics for ifconfig, netstat and ping.
 *
 * Two kinds of port, as in the file server: the service port (SOCK_OPEN,
 * SOCK_POLL and the NET_* operations) and one port per socket, which
 * SOCK_OPEN and SOCK_ACCEPT hand to the client as a send right. Socket
 * operations go to the socket's port. SOCK_CLOSE closes the socket; so
 * does the loss of its last send right (a no-senders notification), which
 * is how the sockets of a client that dies get closed.
 *
 * Blocking: every operation that may wait (ACCEPT, CONNECT, SEND, RECV,
 * POLL, NET_PING, NET_RESOLVE) carries timeout_ns: 0 never waits
 * (ERR_WOULD_BLOCK, or ERR_IN_PROGRESS for CONNECT), UK_TIMEOUT_INFINITE
 * waits for ever. A waiting request is a deferred reply: the server keeps
 * the caller's send-once reply right and answers when the condition holds
 * or the timeout passes (ERR_TIMED_OUT, or the partial count for SEND),
 * and goes on serving everybody else meanwhile. Socket timeouts
 * (SO_RCVTIMEO, SO_SNDTIMEO) and O_NONBLOCK live in the adapter, which
 * turns them into timeout_ns.
 *
 * Data: SEND carries its bytes inline after the request up to
 * UK_RPC_INLINE_DATA, or as one out-of-line region of len bytes; RECV
 * answers inline up to UK_RPC_INLINE_DATA, else with one out-of-line
 * region the client frees with vm_free. At most UK_SOCK_IO_MAX bytes per
 * request. A stream SEND is answered once every byte is in the stack's
 * send buffer (or, for timeout 0 or when the timeout passes, with the
 * count taken so far); from then on the bytes are delivered or the
 * connection fails: accepted data is never dropped. Received stream data
 * stays in the server until read, which keeps the TCP window closed
 * (back-pressure on the sender). Datagrams that find a full receive queue
 * are dropped and counted.
 *
 * Datagram batches (flag UK_SOCK_MSG_BATCH on a datagram socket's SEND
 * or RECV, as Linux's sendmmsg and recvmmsg): many datagrams per request,
 * so a client that moves many small datagrams (the proxy) pays one IPC
 * per batch, not per datagram. The data of such a SEND, and of such a
 * RECV's reply, is a sequence of records: struct uk_sock_dgram, then len
 * bytes, then zeros up to a multiple of 8. A SEND checks every record
 * before it sends any (a malformed batch is ERR_INVALID and nothing goes
 * out), then sends each to its address (family 0: the default peer); its
 * reply's len is the number of datagrams the stack took. A RECV waits as
 * a plain one does, then answers with every queued datagram that fits in
 * len bytes of records (at least one: a datagram larger than that is cut
 * and its record has UK_SOCK_MSG_TRUNC); the reply's len is the bytes of
 * records, its addr zero. A batch SEND with UK_SOCK_MSG_THEN_RECV and a
 * reply right then waits as a batch RECV of `arg` bytes (with its
 * timeout), and its reply is that RECV's (id SOCK_RECV): a client that
 * keeps receives outstanding (the proxy) replaces the one it just got
 * back in the same IPC as its next send, as L4's reply-and-wait does for
 * a server.
 *
 * Addresses are struct uk_sock_addr: family UK_AF_INET (IPv4 address in
 * the first 4 bytes of addr, network byte order) or UK_AF_INET6; port in
 * host byte order. Constants use Linux's values so the adapter passes them
 * through.
 *
 * Errors (negative ERR_* of uk/errors.def): ERR_INVALID (malformed
 * request, bad state: listen on a datagram socket, ...), ERR_UNSUPPORTED
 * (unknown option or family), ERR_WOULD_BLOCK, ERR_TIMED_OUT,
 * ERR_IN_PROGRESS, ERR_ADDR_IN_USE, ERR_CONN_REFUSED, ERR_CONN_RESET,
 * ERR_NOT_CONNECTED, ERR_UNREACHABLE, ERR_EXISTS (already connected),
 * ERR_BUSY (a connect is in progress), ERR_NO_MEMORY (stack memory),
 * ERR_LIMIT (too many sockets), ERR_TOO_BIG (datagram larger than the
 * stack sends), ERR_BAD_HANDLE (the socket was closed while the request
 * waited).
 */
#ifndef UK_PROTO_SOCK_H
#define UK_PROTO_SOCK_H

#include <uk/proto/rpc.h>

#define UK_SOCK_VERSION 1u
#define UK_SOCK_IO_MAX (1u << 20) /* bytes per SEND or RECV */
#define UK_SOCK_POLL_MAX 16u	  /* sockets per SOCK_POLL (port descriptors) */

enum uk_sock_op {
	/* Service port. */
	/* uk_sock_open_req; reply uk_sock_open_reply and port[0], a send
	 * right to the new socket. */
	SOCK_OPEN = UK_PROTO_SOCK + 0x01,
	/* Ports: up to UK_SOCK_POLL_MAX socket send rights (COPY_SEND).
	 * uk_sock_poll_req; reply uk_sock_poll_reply. Answers as soon as one
	 * socket is ready or the timeout passes (then n_ready = 0, status
	 * 0). A port that is not a socket of this server gets
	 * UK_POLLNVAL. */
	SOCK_POLL = UK_PROTO_SOCK + 0x02,
	/* Reply: struct uk_net_info. */
	NET_INFO = UK_PROTO_SOCK + 0x03,
	/* uk_net_list_req; reply uk_net_sockets_reply and entries. */
	NET_SOCKETS = UK_PROTO_SOCK + 0x04,
	/* uk_net_ping_req; reply uk_net_ping_reply once the echo reply
	 * arrives, ERR_TIMED_OUT if none does in time. */
	NET_PING = UK_PROTO_SOCK + 0x05,
	/* uk_net_resolve_req then name_len bytes of a host name; reply
	 * struct uk_sock_addr (DNS through the servers DHCP gave). */
	NET_RESOLVE = UK_PROTO_SOCK + 0x06,
	/* uk_net_config_req: static address, DHCP, interface up/down. */
	NET_CONFIG = UK_PROTO_SOCK + 0x07,

	/* Socket port. Each takes struct uk_sock_req, except GETOPT and
	 * SETOPT (struct uk_sock_opt) and CLOSE and NAME (no body). */
	SOCK_BIND = UK_PROTO_SOCK + 0x21,    /* addr */
	SOCK_LISTEN = UK_PROTO_SOCK + 0x22,  /* arg = backlog */
	/* Reply uk_sock_reply (addr = peer) and port[0], the new socket. */
	SOCK_ACCEPT = UK_PROTO_SOCK + 0x23,
	/* addr. A datagram socket only sets its default peer. With timeout
	 * 0 a stream connect answers ERR_IN_PROGRESS and goes on; POLLOUT
	 * and SO_ERROR tell how it ended. */
	SOCK_CONNECT = UK_PROTO_SOCK + 0x24,
	/* len bytes of data; addr (family != 0) is the destination of a
	 * datagram (sendto). flags: UK_SOCK_MSG_*. Reply uk_sock_reply.len. */
	SOCK_SEND = UK_PROTO_SOCK + 0x25,
	/* Up to len bytes; flags UK_SOCK_MSG_PEEK. Reply uk_sock_reply (addr =
	 * source, flags UK_SOCK_MSG_TRUNC if a datagram was cut) then the data.
	 * len 0 in the reply of a stream socket is the end of the stream. */
	SOCK_RECV = UK_PROTO_SOCK + 0x26,
	SOCK_SHUTDOWN = UK_PROTO_SOCK + 0x27, /* arg = UK_SHUT_* */
	/* Closes at once for every holder; pending requests on it get
	 * ERR_BAD_HANDLE. A stream's unsent data is still delivered. */
	SOCK_CLOSE = UK_PROTO_SOCK + 0x28,
	/* Request and reply struct uk_sock_opt. */
	SOCK_GETOPT = UK_PROTO_SOCK + 0x29,
	SOCK_SETOPT = UK_PROTO_SOCK + 0x2a,
	/* Reply struct uk_sock_name_reply: local and peer address. */
	SOCK_NAME = UK_PROTO_SOCK + 0x2b,
};

/* Families, types, protocols (Linux's values). */
#define UK_AF_UNSPEC 0u
#define UK_AF_INET 2u
#define UK_AF_INET6 10u
#define UK_SOCK_STREAM 1u
#define UK_SOCK_DGRAM 2u
#define UK_SOCK_RAW 3u
#define UK_IPPROTO_IP 0u
#define UK_IPPROTO_ICMP 1u
#define UK_IPPROTO_TCP 6u
#define UK_IPPROTO_UDP 17u
#define UK_IPPROTO_IPV6 41u
#define UK_IPPROTO_ICMPV6 58u

struct uk_sock_addr {
	uint16_t family; /* UK_AF_*; 0: no address */
	uint16_t port;	 /* host byte order */
	uint32_t scope;	 /* IPv6 zone (interface), 0 */
	uint8_t addr[16]; /* network byte order; IPv4 in addr[0..3] */
};
_Static_assert(sizeof(struct uk_sock_addr) == 24, "uk_sock_addr layout");

struct uk_sock_open_req {
	uint32_t family;   /* UK_AF_INET or UK_AF_INET6 */
	uint32_t type;	   /* UK_SOCK_* */
	uint32_t protocol; /* 0, or the one the type implies; RAW: ICMP */
	uint32_t flags;	   /* 0 */
};
_Static_assert(sizeof(struct uk_sock_open_req) == 16, "uk_sock_open_req layout");

struct uk_sock_open_reply {
	uint32_t id;	  /* the socket's number in NET_SOCKETS */
	uint32_t version; /* UK_SOCK_VERSION */
};
_Static_assert(sizeof(struct uk_sock_open_reply) == 8, "uk_sock_open_reply layout");

/* Message flags (SEND, RECV). */
#define UK_SOCK_MSG_PEEK 0x2u
#define UK_SOCK_MSG_TRUNC 0x20u
#define UK_SOCK_MSG_DONTWAIT 0x40u /* adapter only: sets timeout_ns 0 */
#define UK_SOCK_MSG_WAITALL 0x100u /* adapter only: repeats RECV */
#define UK_SOCK_MSG_NOSIGNAL 0x4000u
#define UK_SOCK_MSG_BATCH 0x10000u /* datagram batches (see the top) */
#define UK_SOCK_MSG_THEN_RECV 0x20000u /* batch SEND, then a batch RECV */

#define UK_SHUT_RD 0u
#define UK_SHUT_WR 1u
#define UK_SHUT_RDWR 2u

struct uk_sock_req {
	uint64_t timeout_ns;
	uint32_t flags; /* UK_SOCK_MSG_* */
	uint32_t len;	/* SEND: data bytes; RECV: most bytes wanted */
	uint32_t arg;	/* LISTEN: backlog; SHUTDOWN: UK_SHUT_* */
	uint32_t reserved;
	struct uk_sock_addr addr;
};
_Static_assert(sizeof(struct uk_sock_req) == 48, "uk_sock_req layout");

struct uk_sock_reply {
	uint32_t len;
	uint32_t flags; /* RECV: UK_SOCK_MSG_TRUNC */
	struct uk_sock_addr addr;
};
_Static_assert(sizeof(struct uk_sock_reply) == 32, "uk_sock_reply layout");

/* One datagram of a batch; len bytes and padding to 8 follow. */
struct uk_sock_dgram {
	uint32_t len;
	uint32_t flags; /* RECV: UK_SOCK_MSG_TRUNC; SEND: 0 */
	struct uk_sock_addr addr;
};
_Static_assert(sizeof(struct uk_sock_dgram) == 32, "uk_sock_dgram layout");
#define UK_SOCK_DGRAM_SPAN(len) \
	((uint32_t)sizeof(struct uk_sock_dgram) + (((uint32_t)(len) + 7u) & ~7u))

struct uk_sock_name_reply {
	struct uk_sock_addr local, peer; /* peer.family 0: not connected */
};

/* Options (Linux's levels and numbers). SO_RCVTIMEO and SO_SNDTIMEO are
 * the adapter's. Values are integers (TCP_*, SO_* flags, sizes in
 * bytes, seconds for keep-alive times). */
#define UK_SOL_SOCKET 1u
#define UK_SO_REUSEADDR 2u
#define UK_SO_TYPE 3u
#define UK_SO_ERROR 4u /* get: the pending error (cleared), as -ERR_* */
#define UK_SO_BROADCAST 6u
#define UK_SO_SNDBUF 7u
#define UK_SO_RCVBUF 8u
#define UK_SO_KEEPALIVE 9u
#define UK_SO_ACCEPTCONN 30u
#define UK_TCP_NODELAY 1u /* level UK_IPPROTO_TCP */
#define UK_TCP_KEEPIDLE 4u
#define UK_TCP_KEEPINTVL 5u
#define UK_TCP_KEEPCNT 6u
#define UK_IP_TTL 2u /* level UK_IPPROTO_IP */

struct uk_sock_opt {
	uint32_t level;
	uint32_t name;
	int64_t value;
};
_Static_assert(sizeof(struct uk_sock_opt) == 16, "uk_sock_opt layout");

/* Readiness (Linux's poll bits). */
#define UK_POLLIN 0x001u
#define UK_POLLPRI 0x002u
#define UK_POLLOUT 0x004u
#define UK_POLLERR 0x008u
#define UK_POLLHUP 0x010u
#define UK_POLLNVAL 0x020u

struct uk_sock_poll_req {
	uint64_t timeout_ns;
	uint32_t count; /* = n_ports */
	uint32_t reserved;
	uint16_t events[UK_SOCK_POLL_MAX];
};
_Static_assert(sizeof(struct uk_sock_poll_req) == 48, "uk_sock_poll_req layout");

struct uk_sock_poll_reply {
	uint32_t n_ready;
	uint32_t reserved;
	uint16_t revents[UK_SOCK_POLL_MAX];
};
_Static_assert(sizeof(struct uk_sock_poll_reply) == 40, "uk_sock_poll_reply layout");

/* NET_INFO: the interface, its addresses and the counters. */
#define UK_NET_UP 0x1u	       /* administratively up */
#define UK_NET_LINK_UP 0x2u    /* the device reports carrier */
#define UK_NET_DHCP 0x4u       /* address from DHCP (else static) */
#define UK_NET_DHCP_BOUND 0x8u /* DHCP holds a lease */
#define UK_NET_HAVE_DEVICE 0x10u /* the netdev driver is open */
#define UK_NET_ADDR6_MAX 3u

struct uk_net_counters {
	/* Frames between the device and the stack. */
	uint64_t rx_frames, rx_bytes, tx_frames, tx_bytes;
	uint64_t rx_dropped;	/* no buffer in the stack */
	uint64_t rx_bad;	/* malformed netdev events or slots */
	uint64_t tx_dropped;	/* no slot and the backlog full */
	/* lwIP's own counters: dropped and malformed at each layer. */
	uint64_t link_drop, link_err;
	uint64_t arp_recv, arp_drop;
	uint64_t ip_recv, ip_drop, ip_chkerr, ip_lenerr, ip_proterr, ip_frag_drop;
	uint64_t icmp_recv, icmp_drop;
	uint64_t udp_recv, udp_drop, udp_chkerr;
	uint64_t tcp_recv, tcp_xmit, tcp_drop, tcp_chkerr, tcp_proterr;
	uint64_t ip6_recv, ip6_drop;
	uint64_t udp_queue_drop; /* datagrams dropped on a full socket queue */
	uint64_t bad_requests;	 /* malformed IPC requests */
	uint64_t mem_used, mem_max, mem_err; /* lwIP heap */
	uint64_t pool_used, pool_max, pool_err; /* receive pbuf pool */
};

struct uk_net_info {
	uint32_t version; /* UK_SOCK_VERSION */
	uint32_t flags;	  /* UK_NET_* */
	char name[8];	  /* the device, "net0" */
	uint8_t mac[6];
	uint16_t mtu;
	uint32_t sockets; /* open sockets */
	uint8_t addr[4], netmask[4], gateway[4];
	uint8_t dns[2][4];
	uint32_t reserved;
	uint8_t addr6[UK_NET_ADDR6_MAX][16];
	uint8_t addr6_state[UK_NET_ADDR6_MAX]; /* 0 invalid, 1 tentative, 2 valid */
	uint8_t reserved6[5];
	struct uk_net_counters c;
};

struct uk_net_list_req {
	uint32_t start;
	uint32_t reserved;
};

/* Socket states in NET_SOCKETS (TCP's, as lwIP names them). */
enum uk_net_sock_state {
	UK_NET_CLOSED = 0,
	UK_NET_LISTEN = 1,
	UK_NET_SYN_SENT = 2,
	UK_NET_SYN_RCVD = 3,
	UK_NET_ESTABLISHED = 4,
	UK_NET_FIN_WAIT_1 = 5,
	UK_NET_FIN_WAIT_2 = 6,
	UK_NET_CLOSE_WAIT = 7,
	UK_NET_CLOSING = 8,
	UK_NET_LAST_ACK = 9,
	UK_NET_TIME_WAIT = 10,
	UK_NET_BOUND = 11, /* datagram and raw sockets */
};

struct uk_net_sock_entry {
	uint32_t id;
	uint16_t type;	/* UK_SOCK_* */
	uint16_t state; /* enum uk_net_sock_state */
	struct uk_sock_addr local, peer;
	uint32_t rx_queued; /* bytes received, not yet read */
	uint32_t tx_queued; /* bytes in the stack's send buffer */
	uint32_t owner;	    /* task (low 32 bits) that opened it */
	uint32_t pending;   /* requests waiting on it */
};
_Static_assert(sizeof(struct uk_net_sock_entry) == 72, "uk_net_sock_entry layout");

#define UK_NET_SOCKETS_MAX 48u
struct uk_net_sockets_reply {
	uint32_t total; /* sockets in the table */
	uint32_t count; /* entries that follow */
	struct uk_net_sock_entry entries[];
};

struct uk_net_ping_req {
	struct uk_sock_addr dest; /* port ignored */
	uint64_t timeout_ns;
	uint16_t seq;
	uint16_t size; /* payload bytes, at most UK_NET_PING_MAX */
	uint32_t reserved;
};
#define UK_NET_PING_MAX 1400u

struct uk_net_ping_reply {
	uint64_t rtt_ns;
	struct uk_sock_addr from;
	uint16_t seq;
	uint16_t size;
	uint32_t ttl;
};

#define UK_NET_HOSTNAME_MAX 255u
struct uk_net_resolve_req {
	uint64_t timeout_ns;
	uint32_t name_len; /* bytes of the name after this struct */
	uint32_t family;   /* UK_AF_INET (0: any) */
};

#define UK_NET_CONFIG_STATIC 1u /* addr/netmask/gateway, stops DHCP */
#define UK_NET_CONFIG_DHCP 2u	/* start DHCP */
#define UK_NET_CONFIG_UP 3u
#define UK_NET_CONFIG_DOWN 4u
struct uk_net_config_req {
	uint32_t what; /* UK_NET_CONFIG_* */
	uint8_t addr[4], netmask[4], gateway[4];
};

#endif
