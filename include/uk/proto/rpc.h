/* SPDX-License-Identifier: MIT */
/*
 * Conventions shared by every server protocol (the headers of include/uk/proto).
 *
 * A request is one message: struct uk_msg_header, then its port and
 * out-of-line descriptors, then the operation's fixed request struct, then
 * optional variable bytes (a path, data). header.id is the operation.
 * Requests are sent with ipc_call, so the reply goes to a send-once right.
 *
 * A reply carries the same header.id, then its descriptors, then struct
 * uk_rpc_status (status = 0 or a negative ERR_* of uk/errors.def), then the
 * operation's reply struct and variable bytes. A server never blocks on a
 * client: replies go to send-once rights, which never wait.
 *
 * Bulk data: up to UK_RPC_INLINE_DATA bytes travel inline; more travels as
 * one out-of-line region (COPY, or MOVE of a whole vm_allocate region).
 * Every server checks every length and offset against what actually
 * arrived; a malformed request is answered ERR_INVALID and counted.
 */
#ifndef UK_PROTO_RPC_H
#define UK_PROTO_RPC_H

#include <stdint.h>
#include <uk/ipc.h>

#define UK_RPC_INLINE_DATA 3584u /* leaves room for any request struct */

struct uk_rpc_status {
	int32_t status; /* 0 or -ERR_* */
	uint32_t reserved;
};
_Static_assert(sizeof(struct uk_rpc_status) == 8, "uk_rpc_status layout");

/* Operation id ranges, one per protocol, so a message sent to the wrong
 * server is recognised and refused (ERR_UNSUPPORTED). */
#define UK_PROTO_NAME 0x0100u
#define UK_PROTO_DEV 0x0200u
#define UK_PROTO_BLK 0x0300u
#define UK_PROTO_NETDEV 0x0400u
#define UK_PROTO_CONS 0x0500u
#define UK_PROTO_FS 0x0600u
#define UK_PROTO_FILE 0x0700u
#define UK_PROTO_PROC 0x0800u
#define UK_PROTO_SOCK 0x0900u
#define UK_PROTO_INIT 0x0a00u
#define UK_PROTO_MEM 0x0b00u

/* Views of a message in a buffer. */
static inline struct uk_msg_port *uk_msg_ports(const struct uk_msg_header *h)
{
	return (struct uk_msg_port *)(h + 1);
}
static inline struct uk_msg_ool *uk_msg_ools(const struct uk_msg_header *h)
{
	return (struct uk_msg_ool *)(uk_msg_ports(h) + h->n_ports);
}
static inline void *uk_msg_body(const struct uk_msg_header *h)
{
	return uk_msg_ools(h) + h->n_ool;
}
/* Bytes after the descriptors; 0 if the header is inconsistent. */
static inline uint32_t uk_msg_body_len(const struct uk_msg_header *h)
{
	uint64_t fixed = sizeof(*h) + (uint64_t)h->n_ports * sizeof(struct uk_msg_port) +
			 (uint64_t)h->n_ool * sizeof(struct uk_msg_ool);
	return h->size >= fixed ? (uint32_t)(h->size - fixed) : 0;
}

/* Start a reply in h: op id, to a send-once right (dest is the caller's
 * reply right, set when it is sent), n_ports port and n_ool region
 * descriptors (zeroed, for the caller to fill), then the status. h->size
 * covers that much; the caller adds its reply struct and bytes. Returns
 * where the reply struct goes. */
static inline void *uk_rpc_reply_start(struct uk_msg_header *h, uint32_t id,
				       int32_t status, unsigned n_ports,
				       unsigned n_ool)
{
	uint8_t *p = (uint8_t *)h;
	uint64_t desc = (uint64_t)n_ports * sizeof(struct uk_msg_port) +
			(uint64_t)n_ool * sizeof(struct uk_msg_ool);

	for (uint64_t i = 0; i < sizeof(*h) + desc; i++)
		p[i] = 0;
	h->id = id;
	h->n_ports = (uint16_t)n_ports;
	h->n_ool = (uint16_t)n_ool;
	h->dest_disposition = UK_DISP_MOVE_SEND_ONCE;
	struct uk_rpc_status *st = (struct uk_rpc_status *)uk_msg_body(h);
	st->status = status;
	st->reserved = 0;
	h->size = (uint32_t)((uint8_t *)(st + 1) - p);
	return st + 1;
}

#endif
