/* SPDX-License-Identifier: MIT */
/* The one request/reply path of the adapter (include/uk/proto/rpc.h). */
#include "rpc.h"

#include <string.h>
#include <ulib.h>

long rpc_call(const struct rpc_req *rq, union rpc_buf *b, struct rpc_reply *out)
{
	struct uk_msg_header *h = &b->h;
	size_t inline_len = rq->req_len + rq->a_len + rq->b_len;

	if (inline_len > UK_MSG_INLINE_MAX)
		return -ERR_TOO_BIG;
	memset(h, 0, sizeof(*h));
	h->id = rq->id;
	h->dest = rq->dest;
	if (rq->port) {
		h->n_ports = 1;
		uk_msg_ports(h)[0] = (struct uk_msg_port){ rq->port, rq->port_disposition };
	}
	if (rq->ool) {
		h->n_ool = 1;
		uk_msg_ools(h)[0] = (struct uk_msg_ool){ (uint64_t)(uintptr_t)rq->ool,
							 rq->ool_len, UK_OOL_COPY, 0 };
	}
	uint8_t *p = uk_msg_body(h);
	if (rq->req_len)
		memcpy(p, rq->req, rq->req_len);
	if (rq->a_len)
		memcpy(p + rq->req_len, rq->a, rq->a_len);
	if (rq->b_len)
		memcpy(p + rq->req_len + rq->a_len, rq->b, rq->b_len);
	h->size = (uint32_t)(p + inline_len - b->bytes);
	long rc = uk_ipc_call(h, h->size, h, sizeof(*b), UK_TIMEOUT_INFINITE);
	if (out) {
		out->data = NULL;
		out->data_len = 0;
		out->ool_addr = out->ool_size = 0;
		out->port = 0;
	}
	if (rc < 0)
		return rc;
	/* Whatever came, take ownership of its rights and regions first. */
	uk_name_t port = h->n_ports ? uk_msg_ports(h)[0].name : 0;
	for (unsigned i = 1; i < h->n_ports; i++)
		if (uk_msg_ports(h)[i].name)
			uk_port_deallocate(uk_msg_ports(h)[i].name);
	uint64_t ool_addr = 0, ool_size = 0;
	for (unsigned i = 0; i < h->n_ool; i++) {
		struct uk_msg_ool *o = &uk_msg_ools(h)[i];
		if (i == 0 && o->address) {
			ool_addr = o->address;
			ool_size = o->size;
		} else if (o->address) {
			uk_vm_free(o->address, o->size);
		}
	}
	uint32_t len = uk_msg_body_len(h);
	const struct uk_rpc_status *st = uk_msg_body(h);
	long status;
	if (h->id != rq->id || len < sizeof(*st) || st->status > 0)
		status = -ERR_INVALID; /* not this call's reply, or malformed */
	else
		status = st->status;
	if (status >= 0 && out) {
		size_t have = len - sizeof(*st);
		size_t n = have < out->rep_len ? have : out->rep_len;
		if (out->rep) {
			memset(out->rep, 0, out->rep_len);
			memcpy(out->rep, st + 1, n);
		}
		out->data = (const uint8_t *)(st + 1) + n;
		out->data_len = have - n;
		if (out->want_ool) {
			out->ool_addr = ool_addr;
			out->ool_size = ool_size;
			ool_addr = 0;
		}
		if (out->want_port) {
			out->port = port;
			port = 0;
		}
	}
	if (port)
		uk_port_deallocate(port);
	if (ool_addr)
		uk_vm_free(ool_addr, ool_size);
	return status;
}
