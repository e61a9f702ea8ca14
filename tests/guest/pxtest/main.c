/* SPDX-License-Identifier: MIT */
/*
 * pxtest: the proxy between two nodes (docs/PROXY.md), from the inside.
 *
 *   pxtest            serve: register "pxecho" and answer PXT_ECHO, which
 *                     sends back the inline bytes, every port and every
 *                     out-of-line region it got (a cluster's servers=)
 *   pxtest call N     the checks below against pxecho@N, then the remote
 *                     null call round trip; "pxtest: K passed, F failed"
 *   pxtest hold N     look pxecho@N up, print "pxtest: holding", then call
 *                     it once a second and print each result: for fault
 *                     scenarios (kill, pause, cut the peer)
 */
#include <string.h>
#include <ulib.h>
#include <uk/proto/rpc.h>

#define PXT_ECHO 0x0e01u
#define SECOND 1000000000ull

static union msg {
	struct uk_msg_header h;
	uint8_t bytes[UK_MSG_SIZE_MAX];
} in, out;

static unsigned passed, failed;

#define CHECK(cond, ...)                                                        \
	do {                                                                    \
		if (cond) {                                                     \
			passed++;                                               \
		} else {                                                        \
			failed++;                                               \
			printf("pxtest: FAILED %s:%d: ", __FILE__, __LINE__);   \
			printf(__VA_ARGS__);                                    \
			printf("\n");                                           \
		}                                                               \
	} while (0)

static int serve(void)
{
	long svc = service_create("pxecho");
	if (svc <= 0) {
		printf("pxtest: cannot register pxecho: %s\n", err_str(svc));
		return 1;
	}
	printf("pxtest: serving pxecho\n");
	for (;;) {
		long rc = uk_ipc_receive((uk_name_t)svc, &in.h, sizeof(in), UK_TIMEOUT_INFINITE);
		if (rc < 0 || !in.h.reply || in.h.id != PXT_ECHO) {
			/* Not ours to answer: drop what it carries. */
			for (unsigned i = 0; rc >= 0 && i < in.h.n_ports; i++)
				uk_port_deallocate(uk_msg_ports(&in.h)[i].name);
			for (unsigned i = 0; rc >= 0 && i < in.h.n_ool; i++)
				if (uk_msg_ools(&in.h)[i].size)
					uk_vm_free(uk_msg_ools(&in.h)[i].address,
						   uk_msg_ools(&in.h)[i].size);
			if (rc >= 0 && in.h.reply)
				uk_port_deallocate(in.h.reply);
			continue;
		}
		memset(&out.h, 0, sizeof(out.h));
		out.h.id = PXT_ECHO;
		out.h.dest = in.h.reply;
		out.h.dest_disposition = UK_DISP_MOVE_SEND_ONCE;
		out.h.n_ports = in.h.n_ports;
		out.h.n_ool = in.h.n_ool;
		for (unsigned i = 0; i < in.h.n_ports; i++)
			uk_msg_ports(&out.h)[i] = (struct uk_msg_port){
				uk_msg_ports(&in.h)[i].name,
				uk_msg_ports(&in.h)[i].name ? UK_DISP_MOVE_SEND : UK_DISP_NONE };
		for (unsigned i = 0; i < in.h.n_ool; i++) {
			struct uk_msg_ool *o = &uk_msg_ools(&out.h)[i];
			*o = uk_msg_ools(&in.h)[i];
			o->flags = o->size ? UK_OOL_MOVE : UK_OOL_COPY;
		}
		uint32_t len = uk_msg_body_len(&in.h);
		struct uk_rpc_status *st = uk_msg_body(&out.h);
		st->status = 0;
		st->reserved = 0;
		memcpy(st + 1, uk_msg_body(&in.h), len);
		out.h.size = (uint32_t)((uint8_t *)(st + 1) - out.bytes) + len;
		if (uk_ipc_send(&out.h, out.h.size, SECOND) < 0)
			printf("pxtest: reply failed\n");
	}
}

/* One echo call with inline bytes, optional port and region. Returns the
 * call's status; the reply stays in `in`. */
static long echo(uk_name_t dest, const void *data, uint32_t len, uk_name_t port,
		 uint64_t ool, uint64_t ool_size, uint64_t timeout)
{
	memset(&out.h, 0, sizeof(out.h));
	out.h.id = PXT_ECHO;
	out.h.dest = dest;
	out.h.n_ports = port ? 1 : 0;
	out.h.n_ool = ool ? 1 : 0;
	if (port)
		uk_msg_ports(&out.h)[0] = (struct uk_msg_port){ port, UK_DISP_COPY_SEND };
	if (ool)
		uk_msg_ools(&out.h)[0] = (struct uk_msg_ool){ ool, ool_size, UK_OOL_COPY, 0 };
	memcpy(uk_msg_body(&out.h), data, len);
	out.h.size = (uint32_t)((uint8_t *)uk_msg_body(&out.h) - out.bytes) + len;
	long rc = uk_ipc_call(&out.h, out.h.size, &in.h, sizeof(in), timeout);
	if (rc < 0)
		return rc;
	const struct uk_rpc_status *st = uk_msg_body(&in.h);
	if (in.h.id != PXT_ECHO || uk_msg_body_len(&in.h) < sizeof(*st))
		return -ERR_INVALID;
	return st->status;
}

static uint64_t checksum(const uint8_t *p, uint64_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (uint64_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static int call(uint32_t node)
{
	long dest = ns_lookup_node("pxecho", node, 20 * SECOND);
	CHECK(dest > 0, "lookup pxecho@%u: %s", node, err_str(dest));
	if (dest <= 0)
		goto done;

	/* Inline bytes there and back. */
	static const char hello[] = "hello across the proxy";
	long rc = echo((uk_name_t)dest, hello, sizeof(hello), 0, 0, 0, 10 * SECOND);
	CHECK(rc == 0 && !memcmp((const struct uk_rpc_status *)uk_msg_body(&in.h) + 1,
				 hello, sizeof(hello)),
	      "echo: %s", err_str(rc));

	/* A right that goes to node N and comes back is the original right:
	 * the same name, not a proxy of a proxy. */
	long p = uk_port_allocate(UK_RIGHT_RECEIVE);
	CHECK(p > 0 && uk_port_insert_right((uk_name_t)p, UK_DISP_MAKE_SEND) >= 0,
	      "port");
	rc = echo((uk_name_t)dest, "p", 1, (uk_name_t)p, 0, 0, 10 * SECOND);
	CHECK(rc == 0 && in.h.n_ports == 1, "echo with a port: %s, %u ports",
	      err_str(rc), in.h.n_ports);
	if (rc == 0 && in.h.n_ports == 1) {
		CHECK(uk_msg_ports(&in.h)[0].name == (uk_name_t)p,
		      "the port came back as %lx, not as itself (%lx)",
		      (unsigned long)uk_msg_ports(&in.h)[0].name, (unsigned long)p);
		uk_port_deallocate(uk_msg_ports(&in.h)[0].name);
	}

	/* Out-of-line memory: 200 KiB with a pattern, back intact. */
	const uint64_t size = 200 * 1024;
	long buf = uk_vm_allocate(size, UK_VM_READ | UK_VM_WRITE);
	CHECK(buf > 0, "vm_allocate");
	if (buf > 0) {
		for (uint64_t i = 0; i < size; i++)
			((uint8_t *)buf)[i] = (uint8_t)(i * 7 + (i >> 9));
		uint64_t sum = checksum((const uint8_t *)buf, size);
		rc = echo((uk_name_t)dest, "o", 1, 0, (uint64_t)buf, size, 30 * SECOND);
		CHECK(rc == 0 && in.h.n_ool == 1 && uk_msg_ools(&in.h)[0].size >= size,
		      "echo with a region: %s", err_str(rc));
		if (rc == 0 && in.h.n_ool == 1) {
			const struct uk_msg_ool *o = &uk_msg_ools(&in.h)[0];
			CHECK(o->address && checksum((const uint8_t *)o->address, size) == sum,
			      "the region came back changed");
			if (o->address)
				uk_vm_free(o->address, o->size);
		}
		uk_vm_free((uint64_t)buf, size);
	}

	/* A name node N does not have. */
	rc = ns_lookup_node("pxtest-nothing", node, 0);
	CHECK(rc == -ERR_NOT_FOUND, "lookup of a missing name: %s", err_str(rc));

	/* The remote null call: 200 round trips, the median printed. */
	static uint64_t t[200];
	unsigned ok = 0;
	for (unsigned i = 0; i < 200; i++) {
		uint64_t t0 = (uint64_t)uk_clock();
		if (echo((uk_name_t)dest, "", 0, 0, 0, 0, 10 * SECOND) == 0)
			ok++;
		t[i] = (uint64_t)uk_clock() - t0;
	}
	CHECK(ok == 200, "%u of 200 null calls failed", 200 - ok);
	for (unsigned i = 1; i < 200; i++)
		for (unsigned j = i; j > 0 && t[j - 1] > t[j]; j--) {
			uint64_t x = t[j];
			t[j] = t[j - 1];
			t[j - 1] = x;
		}
	printf("bench: remote null call round trip to node %u: median %lu us, "
	       "min %lu us (200 calls)\n", node, (unsigned long)(t[100] / 1000),
	       (unsigned long)(t[0] / 1000));
	uk_port_deallocate((uk_name_t)dest);
	if (p > 0)
		uk_port_destroy((uk_name_t)p);
done:
	printf("pxtest: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}

static int hold(uint32_t node)
{
	long dest = ns_lookup_node("pxecho", node, 20 * SECOND);
	if (dest <= 0) {
		printf("pxtest: lookup pxecho@%u: %s\n", node, err_str(dest));
		return 1;
	}
	printf("pxtest: holding pxecho@%u\n", node);
	for (unsigned i = 0;; i++) {
		uint64_t t0 = (uint64_t)uk_clock();
		long rc = echo((uk_name_t)dest, "h", 1, 0, 0, 0, 30 * SECOND);
		uint64_t ms = ((uint64_t)uk_clock() - t0) / 1000000u;
		printf("pxtest: call %u: %s after %lu ms\n", i, rc == 0 ? "ok" : err_name(rc),
		       (unsigned long)ms);
		if (rc == -ERR_DEAD || rc == -ERR_UNREACHABLE) {
			struct uk_port_info info;
			uk_port_info((uk_name_t)dest, &info);
			printf("pxtest: the right is %s\n",
			       info.rights & UK_RIGHT_DEAD_NAME ? "a dead name" : "alive");
			return 0;
		}
		uk_sleep(SECOND);
	}
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "call"))
		return call((uint32_t)strtoul(argv[2], NULL, 10));
	if (argc >= 3 && !strcmp(argv[1], "hold"))
		return hold((uint32_t)strtoul(argv[2], NULL, 10));
	if (argc == 1)
		return serve();
	printf("usage: pxtest | pxtest call NODE | pxtest hold NODE\n");
	return 2;
}
