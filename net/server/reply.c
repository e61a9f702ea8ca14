/* SPDX-License-Identifier: MIT */
/*
 * Replies: built piece by piece (status, body, a right, data), then
 * assembled into a message with the descriptors in front, as
 * include/uk/proto/rpc.h lays them out. One reply is built at a time;
 * lwIP callbacks never reply (they only mark sockets for the loop), so a
 * reply being built is never interrupted by another.
 *
 * Data beyond the inline limit goes out-of-line as a COPY of the bytes:
 * the kernel copies them when the message is sent, so the staging buffer
 * is free again as soon as the send returns.
 */
#include <string.h>
#include <ulib.h>

#include "netd.h"

static struct {
	uint32_t id;
	uint16_t n_ports, n_ool;
	struct uk_msg_port port;
	struct uk_msg_ool ool;
	size_t len;
	uint64_t body[UK_MSG_INLINE_MAX / 8];
} r;

static union netd_msg send_buf;
static uint8_t staging[UK_SOCK_IO_MAX] __attribute__((aligned(4096)));

uint8_t *reply_staging(void)
{
	return staging;
}

void *reply_start(uint32_t id, int32_t status)
{
	struct uk_rpc_status *st = (void *)r.body;

	r.id = id;
	r.n_ports = 0;
	r.n_ool = 0;
	st->status = status;
	st->reserved = 0;
	r.len = sizeof(*st);
	return st + 1;
}

void *reply_grow(size_t len)
{
	if (len > sizeof(r.body) - r.len)
		return NULL;
	void *p = (uint8_t *)r.body + r.len;
	memset(p, 0, len);
	r.len += len;
	return p;
}

void reply_port(uk_name_t name, uint32_t disposition)
{
	r.port = (struct uk_msg_port){ name, disposition };
	r.n_ports = 1;
}

void reply_data(const void *data, size_t len)
{
	if (len <= UK_RPC_INLINE_DATA && len <= sizeof(r.body) - r.len) {
		memcpy((uint8_t *)r.body + r.len, data, len);
		r.len += len;
		return;
	}
	r.ool = (struct uk_msg_ool){ (uint64_t)(uintptr_t)data, len, UK_OOL_COPY, 0 };
	r.n_ool = 1;
}

void reply_finish(union netd_msg *m, uk_name_t reply)
{
	struct uk_msg_header *h = &m->h;

	memset(h, 0, sizeof(*h));
	h->id = r.id;
	h->dest = reply;
	h->dest_disposition = UK_DISP_MOVE_SEND_ONCE;
	h->n_ports = r.n_ports;
	h->n_ool = r.n_ool;
	if (r.n_ports)
		uk_msg_ports(h)[0] = r.port;
	if (r.n_ool)
		uk_msg_ools(h)[0] = r.ool;
	memcpy(uk_msg_body(h), r.body, r.len);
	h->size = (uint32_t)((uint8_t *)uk_msg_body(h) + r.len - m->bytes);
}

void reply_send(uk_name_t reply)
{
	if (!reply)
		return;
	reply_finish(&send_buf, reply);
	long rc = uk_ipc_send(&send_buf.h, send_buf.h.size, 0);
	if (rc < 0) {
		/* The caller has gone: a failed send changed nothing, so the
		 * reply right and a send right we meant to move are still
		 * ours. Dropping the socket's right lets its no-senders
		 * notification close it. */
		uk_port_deallocate(reply);
		if (r.n_ports && r.port.disposition == UK_DISP_MOVE_SEND)
			uk_port_deallocate(r.port.name);
	}
}

void reply_status(uk_name_t reply, uint32_t id, int32_t status)
{
	reply_start(id, status);
	reply_to(reply);
}
