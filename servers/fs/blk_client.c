/* SPDX-License-Identifier: MIT */
/*
 * Block device client (blk_client.h). One request at a time (the file
 * server is single-threaded), each with a deadline so a stuck driver turns
 * into ERR_IO rather than a hung file server. A reply that does not say
 * exactly what was asked (wrong id, short data, a byte count that
 * disagrees) is ERR_IO too; any memory it carried is freed.
 */
#include <stdbool.h>
#include <string.h>
#include <ulib.h>

#include "blk_client.h"

#define BLK_TIMEOUT_NS (30ull * 1000000000ull)
#define UNREACHABLE_RETRY_NS (100ull * 1000000ull)

union blk_msg {
	struct uk_msg_header h;
	uint8_t bytes[UK_MSG_SIZE_MAX];
	uint64_t align_;
};
static union blk_msg rq, rp;

/* Drops whatever rights and memory a reply carried. */
static void release_reply(void)
{
	for (unsigned i = 0; i < rp.h.n_ports && i < UK_MSG_PORTS_MAX; i++)
		if (uk_msg_ports(&rp.h)[i].name)
			uk_port_deallocate(uk_msg_ports(&rp.h)[i].name);
	for (unsigned i = 0; i < rp.h.n_ool && i < UK_MSG_OOL_MAX; i++) {
		const struct uk_msg_ool *o = &uk_msg_ools(&rp.h)[i];
		if (o->address && o->size)
			uk_vm_free(o->address, o->size);
	}
}

static void request(uint32_t id, unsigned n_ool)
{
	memset(&rq.h, 0, sizeof(rq.h));
	rq.h.id = id;
	rq.h.n_ool = (uint16_t)n_ool;
}

/* Sends rq (body_len bytes of body) and checks the reply's id and status;
 * on success the reply body after the status is at *body, body_len long. */
static int call(struct blk_client *b, uint32_t body_len, const uint8_t **body,
		uint32_t *reply_len)
{
	uint32_t id = rq.h.id;

	rq.h.dest = b->port;
	rq.h.size =
	    (uint32_t)((uint8_t *)uk_msg_body(&rq.h) + body_len - rq.bytes);
	b->requests++;
	long rc =
	    uk_ipc_call(&rq.h, rq.h.size, &rp.h, sizeof(rp), BLK_TIMEOUT_NS);
	if (rc < 0) {
		b->errors++;
		return -ERR_IO;
	}
	if (rp.h.id != id || rp.h.n_ports > UK_MSG_PORTS_MAX ||
	    rp.h.n_ool > UK_MSG_OOL_MAX ||
	    uk_msg_body_len(&rp.h) < sizeof(struct uk_rpc_status)) {
		release_reply();
		b->errors++;
		return -ERR_IO;
	}
	const struct uk_rpc_status *st = uk_msg_body(&rp.h);
	if (st->status < 0) {
		int status = st->status;
		release_reply();
		b->errors++;
		return status;
	}
	*body = (const uint8_t *)(st + 1);
	*reply_len = uk_msg_body_len(&rp.h) - (uint32_t)sizeof(*st);
	return 0;
}

int blk_client_open(struct blk_client *b, const char *name, uint64_t timeout_ns)
{
	const uint8_t *body;
	uint32_t len;

	memset(b, 0, sizeof(*b));
	/* A device on another node (NAME@N) is unreachable until this
	 * node's proxy has registered as resolver and reached N's, which
	 * may boot later than we start: ask again until the deadline. */
	uint64_t deadline = (uint64_t)uk_clock() + timeout_ns;
	long port = ns_lookup(name, timeout_ns);
	while (port == -ERR_UNREACHABLE && (uint64_t)uk_clock() < deadline) {
		uk_sleep(UNREACHABLE_RETRY_NS);
		uint64_t now = (uint64_t)uk_clock();
		port = ns_lookup(name, now < deadline ? deadline - now : 0);
	}
	if (port < 0)
		return (int)port;
	b->port = (uk_name_t)port;
	request(BLK_INFO, 0);
	int rc = call(b, 0, &body, &len);
	if (rc < 0)
		return rc;
	if (len < sizeof(b->info)) {
		release_reply();
		return -ERR_IO;
	}
	memcpy(&b->info, body, sizeof(b->info));
	release_reply();
	if (b->info.sector_size != UK_BLK_SECTOR || b->info.sectors == 0)
		return -ERR_UNSUPPORTED;
	b->chunk =
	    b->info.max_transfer && b->info.max_transfer < UK_BLK_MAX_TRANSFER
		? b->info.max_transfer
		: UK_BLK_MAX_TRANSFER;
	b->chunk &= ~(UK_BLK_SECTOR - 1);
	if (!b->chunk)
		return -ERR_UNSUPPORTED;
	return 0;
}

static bool range_ok(const struct blk_client *b, uint64_t offset, size_t len)
{
	uint64_t end = b->info.sectors * UK_BLK_SECTOR;

	return !(offset % UK_BLK_SECTOR) && !(len % UK_BLK_SECTOR) &&
	       offset <= end && len <= end - offset;
}

int blk_client_read(void *ctx, uint64_t offset, void *buf, size_t len)
{
	struct blk_client *b = ctx;
	uint8_t *out = buf;

	if (!range_ok(b, offset, len))
		return -ERR_INVALID;
	while (len) {
		uint32_t n = len < b->chunk ? (uint32_t)len : b->chunk, rlen;
		const uint8_t *body;
		request(BLK_READ, 0);
		struct uk_blk_req *r = uk_msg_body(&rq.h);
		r->sector = offset / UK_BLK_SECTOR;
		r->count = n / UK_BLK_SECTOR;
		r->reserved = 0;
		int rc = call(b, sizeof(*r), &body, &rlen);
		if (rc < 0)
			return rc;
		struct uk_blk_io_reply io;
		rc = -ERR_IO;
		if (rlen >= sizeof(io)) {
			memcpy(&io, body, sizeof(io));
			if (io.bytes != n) {
				rc = -ERR_IO;
			} else if (rp.h.n_ool == 1) {
				const struct uk_msg_ool *o =
				    &uk_msg_ools(&rp.h)[0];
				if (o->address && o->size >= n) {
					memcpy(out, (const void *)o->address,
					       n);
					rc = 0;
				}
			} else if (rp.h.n_ool == 0 && rlen - sizeof(io) >= n) {
				memcpy(out, body + sizeof(io), n);
				rc = 0;
			}
		}
		release_reply();
		if (rc < 0) {
			b->errors++;
			return rc;
		}
		out += n;
		offset += n;
		len -= n;
	}
	return 0;
}

int blk_client_write(void *ctx, uint64_t offset, const void *buf, size_t len)
{
	struct blk_client *b = ctx;
	const uint8_t *in = buf;

	if (!range_ok(b, offset, len))
		return -ERR_INVALID;
	if (b->info.flags & UK_BLK_READ_ONLY)
		return -ERR_PERMISSION;
	while (len) {
		uint32_t n = len < b->chunk ? (uint32_t)len : b->chunk, rlen;
		bool inline_data = n <= UK_RPC_INLINE_DATA;
		const uint8_t *body;
		request(BLK_WRITE, inline_data ? 0 : 1);
		struct uk_blk_req *r = uk_msg_body(&rq.h);
		r->sector = offset / UK_BLK_SECTOR;
		r->count = n / UK_BLK_SECTOR;
		r->reserved = 0;
		if (inline_data) {
			memcpy(r + 1, in, n);
		} else {
			struct uk_msg_ool *o = &uk_msg_ools(&rq.h)[0];
			o->address = (uint64_t)(uintptr_t)in;
			o->size = n;
			o->flags = UK_OOL_COPY;
			o->reserved = 0;
		}
		int rc =
		    call(b, sizeof(*r) + (inline_data ? n : 0), &body, &rlen);
		if (rc < 0)
			return rc;
		struct uk_blk_io_reply io;
		rc = -ERR_IO;
		if (rlen >= sizeof(io)) {
			memcpy(&io, body, sizeof(io));
			if (io.bytes == n)
				rc = 0;
		}
		release_reply();
		if (rc < 0) {
			b->errors++;
			return rc;
		}
		in += n;
		offset += n;
		len -= n;
	}
	return 0;
}

int blk_client_flush(void *ctx)
{
	struct blk_client *b = ctx;
	const uint8_t *body;
	uint32_t rlen;

	if (!(b->info.flags & UK_BLK_CAN_FLUSH))
		return 0;
	request(BLK_FLUSH, 0);
	int rc = call(b, 0, &body, &rlen);
	if (rc == 0)
		release_reply();
	return rc;
}
