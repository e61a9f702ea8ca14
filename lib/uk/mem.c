/* SPDX-License-Identifier: MIT */
/* Memory from the memory server "mem" (uk/proto/mem.h; ulib.h). */
#include <string.h>
#include <ulib.h>
#include <uk/proto/mem.h>

#define MEM_CALL_NS (10ull * 1000000000ull)

union mem_buf {
	struct uk_msg_header h;
	uint8_t bytes[sizeof(struct uk_msg_header) + sizeof(struct uk_msg_port) +
		      sizeof(struct uk_rpc_status) + sizeof(struct uk_mem_stats)];
	uint64_t align_;
};

/* The local server's right, kept; another node's is looked up per call. */
static uk_name_t mem_port;

/* Call the memory server `server` ("mem", or "mem@N"): id with req; the
 * reply's body (after the status) of at least want bytes in b. Returns
 * the status or a transport error. */
static long mem_call(const char *server, union mem_buf *b, uint32_t id,
		     const void *req, size_t req_len, size_t want)
{
	bool local = !strcmp(server, "mem");
	uk_name_t port = local ? mem_port : 0;

	if (!port) {
		long rc = ns_lookup(server, local ? 0 : MEM_CALL_NS);
		if (rc < 0)
			return rc;
		port = (uk_name_t)rc;
		if (local)
			mem_port = port;
	}
	memset(&b->h, 0, sizeof(b->h));
	b->h.id = id;
	b->h.dest = port;
	memcpy(uk_msg_body(&b->h), req, req_len);
	b->h.size = (uint32_t)(sizeof(b->h) + req_len);
	long rc = uk_ipc_call(&b->h, b->h.size, &b->h, sizeof(*b), MEM_CALL_NS);
	if (!local) {
		uk_port_deallocate(port);
	} else if (rc == -ERR_DEAD || rc == -ERR_BAD_NAME) {
		uk_port_deallocate(mem_port); /* mem restarted: ask again */
		mem_port = 0;
	}
	if (rc < 0)
		return rc;
	if (b->h.id != id || uk_msg_body_len(&b->h) < sizeof(struct uk_rpc_status))
		return -ERR_INVALID;
	const struct uk_rpc_status *st = uk_msg_body(&b->h);
	if (st->status < 0)
		return st->status;
	if (uk_msg_body_len(&b->h) < sizeof(*st) + want)
		return -ERR_INVALID;
	return 0;
}

long mem_map_from(const char *server, uint64_t size, uk_name_t *object)
{
	union mem_buf b;
	struct uk_mem_alloc_req rq = {size};
	long rc = mem_call(server, &b, MEM_ALLOCATE, &rq, sizeof(rq),
			   sizeof(struct uk_mem_alloc_reply));

	if (rc < 0) {
		/* A right a confused server sent with an error is dropped. */
		for (unsigned i = 0; i < b.h.n_ports && i < 1; i++)
			if (uk_msg_ports(&b.h)[i].name)
				uk_port_deallocate(uk_msg_ports(&b.h)[i].name);
		return rc;
	}
	if (b.h.n_ports != 1 || !(uk_msg_ports(&b.h)[0].disposition & UK_RIGHT_SEND))
		return -ERR_INVALID;
	uk_name_t obj = uk_msg_ports(&b.h)[0].name;
	struct uk_mem_alloc_reply rep;
	memcpy(&rep, (const uint8_t *)uk_msg_body(&b.h) + sizeof(struct uk_rpc_status),
	       sizeof(rep));
	rc = uk_vm_map_object(obj, 0, rep.size, UK_VM_READ | UK_VM_WRITE,
			      rep.deadline_ns);
	if (rc < 0) {
		uk_port_deallocate(obj);
		return rc;
	}
	*object = obj;
	return rc;
}

long mem_map(uint64_t size, uk_name_t *object)
{
	return mem_map_from("mem", size, object);
}

long mem_unmap(uint64_t addr, uint64_t size, uk_name_t object)
{
	long rc = uk_vm_free(addr, size);

	if (rc == 0)
		uk_port_deallocate(object);
	return rc;
}

long mem_stats_from(const char *server, struct uk_mem_stats *out)
{
	union mem_buf b;
	long rc = mem_call(server, &b, MEM_STATS, NULL, 0, sizeof(*out));

	if (rc == 0)
		memcpy(out, (const uint8_t *)uk_msg_body(&b.h) +
				    sizeof(struct uk_rpc_status),
		       sizeof(*out));
	return rc;
}

long mem_stats(struct uk_mem_stats *out)
{
	return mem_stats_from("mem", out);
}
