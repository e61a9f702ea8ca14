/* SPDX-License-Identifier: MIT */
/*
 * ipcpeer MODE: the other task of ktest's cross-task IPC tests.
 *   serve   serve the receive right uk_startup.rights[0] (ipcpeer.h)
 *   report  send IPCPEER_STARTUP describing every startup right to
 *           rights[0] (a send right), then exit 0
 *   hold    keep the startup rights and sleep until killed
 *   notify-flood  ask for dead-name notices on new ports until the kernel
 *           refuses, send IPCPEER_FLOOD to rights[0], then sleep until
 *           killed (its requests die with it)
 * It trusts its client (ktest) and stops on any IPC error with code 1.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <ulib.h>

#include "ipcpeer.h"

#define KEPT_MAX 64

static uint8_t in[UK_MSG_SIZE_MAX] __attribute__((aligned(16)));
static uint8_t out[UK_MSG_SIZE_MAX] __attribute__((aligned(16)));
static uint8_t hello[UK_MSG_SIZE_MAX] __attribute__((aligned(16)));

static struct {
	uk_name_t name;
	uint32_t right; /* UK_RIGHT_* */
} kept[KEPT_MAX];
static unsigned n_kept;
static uk_name_t made_port;

/* A reply under construction: descriptors and body kept apart. */
struct reply {
	uint32_t id;
	uint16_t n_ports, n_ool;
	struct uk_msg_port ports[UK_MSG_PORTS_MAX];
	struct uk_msg_ool ools[UK_MSG_OOL_MAX];
	uint32_t len;
	uint8_t body[UK_MSG_INLINE_MAX];
};

static void describe(struct ipcpeer_right *r, uk_name_t name, uint32_t got)
{
	struct uk_port_info info;

	memset(r, 0, sizeof(*r));
	r->got = got;
	r->name = name;
	if (name && uk_port_info(name, &info) == 0) {
		r->rights = info.rights;
		r->send_refs = info.send_refs;
	}
}

static void release(uk_name_t name, uint32_t right)
{
	if (!name)
		return;
	if (right == UK_RIGHT_RECEIVE)
		uk_port_destroy(name);
	else
		uk_port_deallocate(name);
}

/* Rights that came with a request the peer does not keep. */
static void release_carried(const struct uk_msg_header *req)
{
	const struct uk_msg_port *p = (const struct uk_msg_port *)(req + 1);

	for (unsigned i = 0; i < req->n_ports; i++)
		release(p[i].name, p[i].disposition);
}

static uint32_t disposition_to_return(uint32_t right)
{
	switch (right) {
	case UK_RIGHT_RECEIVE:
		return UK_DISP_MOVE_RECEIVE;
	case UK_RIGHT_SEND_ONCE:
		return UK_DISP_MOVE_SEND_ONCE;
	default:
		return UK_DISP_MOVE_SEND;
	}
}

/* IPCPEER_SEND_BACK: send the body to the right in descriptor 0. */
static int64_t send_back(const struct uk_msg_header *req, const uint8_t *body,
			 uint32_t len)
{
	const struct uk_msg_port *p = (const struct uk_msg_port *)(req + 1);
	struct uk_msg_header *h = (struct uk_msg_header *)hello;

	if (req->n_ports < 1)
		return -ERR_INVALID;
	memset(h, 0, sizeof(*h));
	h->size = (uint32_t)sizeof(*h) + len;
	h->id = IPCPEER_HELLO;
	h->dest = p[0].name;
	h->dest_disposition = p[0].disposition == UK_RIGHT_SEND_ONCE
				  ? UK_DISP_MOVE_SEND_ONCE
				  : UK_DISP_MOVE_SEND;
	memcpy(h + 1, body, len);
	int64_t rc = uk_ipc_send(h, h->size, 1000000000ull);
	if (rc < 0)
		release(p[0].name, p[0].disposition);
	for (unsigned i = 1; i < req->n_ports; i++)
		release(p[i].name, p[i].disposition);
	return rc;
}

/* Regions that came with a request the peer does not keep. */
static void free_carried_memory(const struct uk_msg_ool *o, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (o[i].address)
			uk_vm_free(o[i].address, o[i].size);
}

/* IPCPEER_OOL_BOUNCE: describe each region, then send it back. */
static void ool_bounce(const struct uk_msg_ool *o, unsigned n,
		       struct reply *rep)
{
	struct ipcpeer_ool *d = (struct ipcpeer_ool *)rep->body;

	for (unsigned i = 0; i < n; i++) {
		const volatile uint8_t *p =
		    (const volatile uint8_t *)o[i].address;
		memset(&d[i], 0, sizeof(d[i]));
		d[i].address = o[i].address;
		d[i].size = o[i].size;
		d[i].flags = o[i].flags;
		for (uint64_t k = 0; p && k < o[i].size; k++)
			d[i].sum += p[k];
		if (p && o[i].size) {
			/* Writable: change the first byte and put it back. */
			volatile uint8_t *w = (volatile uint8_t *)o[i].address;
			uint8_t old = w[0];
			w[0] = (uint8_t)(old + 1);
			d[i].writable = w[0] == (uint8_t)(old + 1);
			w[0] = old;
		}
		rep->ools[i].address = o[i].address;
		rep->ools[i].size = o[i].size;
		rep->ools[i].flags = UK_OOL_MOVE;
	}
	rep->n_ool = (uint16_t)n;
	rep->len = n * (uint32_t)sizeof(*d);
}

static void handle(const struct uk_msg_header *req, struct reply *rep)
{
	const struct uk_msg_port *ports = (const struct uk_msg_port *)(req + 1);
	const struct uk_msg_ool *ools =
	    (const struct uk_msg_ool *)(ports + req->n_ports);
	const uint8_t *body = (const uint8_t *)(ools + req->n_ool);
	uint32_t body_len = req->size - (uint32_t)(body - (const uint8_t *)req);

	rep->id = req->id;
	rep->n_ports = 0;
	rep->n_ool = 0;
	rep->len = 0;
	if (req->id != IPCPEER_OOL_BOUNCE)
		free_carried_memory(ools, req->n_ool);
	switch (req->id) {
	case IPCPEER_SLOW_ECHO: {
		uint64_t ns = 0;
		if (body_len >= sizeof(ns))
			memcpy(&ns, body, sizeof(ns));
		uk_sleep(ns);
	}
		/* fall through */
	case IPCPEER_ECHO:
		release_carried(req);
		memcpy(rep->body, body, body_len);
		rep->len = body_len;
		break;
	case IPCPEER_KEEP_RIGHTS: {
		struct ipcpeer_report *rp = (struct ipcpeer_report *)rep->body;
		memset(rp, 0, sizeof(*rp));
		for (unsigned i = 0; i < req->n_ports; i++) {
			describe(&rp->r[i], ports[i].name,
				 ports[i].disposition);
			if (n_kept < KEPT_MAX && ports[i].name) {
				kept[n_kept].name = ports[i].name;
				kept[n_kept++].right = ports[i].disposition;
			}
		}
		rp->count = req->n_ports;
		rp->held = n_kept;
		rep->len = sizeof(*rp);
		break;
	}
	case IPCPEER_RETURN_RIGHTS:
		release_carried(req);
		for (unsigned i = 0; i < n_kept && i < UK_MSG_PORTS_MAX; i++) {
			rep->ports[i].name = kept[i].name;
			rep->ports[i].disposition =
			    disposition_to_return(kept[i].right);
		}
		rep->n_ports =
		    (uint16_t)(n_kept < UK_MSG_PORTS_MAX ? n_kept
							 : UK_MSG_PORTS_MAX);
		n_kept = 0;
		break;
	case IPCPEER_MAKE_PORT: {
		release_carried(req);
		long p = uk_port_allocate(UK_RIGHT_RECEIVE);
		if (p < 0)
			break; /* a reply without rights tells the client */
		made_port = (uk_name_t)p;
		rep->ports[0].name = made_port;
		rep->ports[0].disposition = UK_DISP_MAKE_SEND;
		rep->ports[1].name = made_port;
		rep->ports[1].disposition = UK_DISP_MAKE_SEND_ONCE;
		rep->n_ports = 2;
		break;
	}
	case IPCPEER_DESTROY_PORT:
		release_carried(req);
		uk_port_destroy(made_port);
		made_port = 0;
		break;
	case IPCPEER_DROP_RIGHTS: {
		release_carried(req);
		uint32_t n = n_kept;
		for (unsigned i = 0; i < n_kept; i++)
			release(kept[i].name, kept[i].right);
		n_kept = 0;
		memcpy(rep->body, &n, sizeof(n));
		rep->len = sizeof(n);
		break;
	}
	case IPCPEER_SEND_BACK: {
		int64_t rc = send_back(req, body, body_len);
		memcpy(rep->body, &rc, sizeof(rc));
		rep->len = sizeof(rc);
		break;
	}
	case IPCPEER_OOL_BOUNCE:
		release_carried(req);
		ool_bounce(ools, req->n_ool, rep);
		break;
	case IPCPEER_EXIT:
		exit(body_len ? body[0] : 0);
	case IPCPEER_HANG:
		uk_sleep(UK_TIMEOUT_INFINITE);
		exit(1);
	default:
		release_carried(req);
		break;
	}
}

/* Lay a reply out as a message to the reply right of req. */
static uint32_t build_reply(const struct uk_msg_header *req,
			    const struct reply *rep)
{
	struct uk_msg_header *h = (struct uk_msg_header *)out;
	size_t ports = rep->n_ports * sizeof(struct uk_msg_port);
	size_t ools = rep->n_ool * sizeof(struct uk_msg_ool);
	uint8_t *p = (uint8_t *)(h + 1);

	memset(h, 0, sizeof(*h));
	h->size = (uint32_t)(sizeof(*h) + ports + ools + rep->len);
	h->id = rep->id;
	h->dest = req->reply;
	h->dest_disposition = UK_DISP_MOVE_SEND_ONCE;
	h->n_ports = rep->n_ports;
	h->n_ool = rep->n_ool;
	memcpy(p, rep->ports, ports);
	memcpy(p + ports, rep->ools, ools);
	memcpy(p + ports + ools, rep->body, rep->len);
	return h->size;
}

static int serve(uk_name_t port)
{
	static struct reply rep;
	struct uk_msg_header *req = (struct uk_msg_header *)in;
	long rc = uk_ipc_receive(port, req, sizeof(in), UK_TIMEOUT_INFINITE);

	while (rc >= 0) {
		handle(req, &rep);
		int quit = req->id == IPCPEER_QUIT;
		const struct uk_msg_header *reply = NULL;
		uint32_t size = 0;
		if (req->reply) {
			size = build_reply(req, &rep);
			reply = (const struct uk_msg_header *)out;
		}
		if (quit) {
			if (reply)
				uk_ipc_send(reply, size, 1000000000ull);
			return 0;
		}
		rc = uk_ipc_reply_receive(reply, size, port, req, sizeof(in),
					  UK_TIMEOUT_INFINITE);
	}
	printf("ipcpeer: serve: %s\n", err_name(rc));
	return 1;
}

static int report(void)
{
	static union {
		struct {
			struct uk_msg_header h;
			struct ipcpeer_report r;
		} m;
		uint8_t bytes[256];
	} msg;
	const struct uk_startup *su = uk_startup_info;

	memset(&msg, 0, sizeof(msg));
	msg.m.h.size = sizeof(msg.m);
	msg.m.h.id = IPCPEER_STARTUP;
	msg.m.h.dest = su->n_rights ? su->rights[0] : 0;
	msg.m.r.count = su->n_rights;
	for (unsigned i = 0; i < su->n_rights && i < UK_TASK_RIGHTS_MAX; i++)
		describe(&msg.m.r.r[i], su->rights[i], 0);
	long rc = uk_ipc_send(&msg.m.h, msg.m.h.size, 1000000000ull);
	if (rc < 0)
		printf("ipcpeer: report: %s\n", err_name(rc));
	return rc < 0;
}

static int notify_flood(void)
{
	static struct {
		struct uk_msg_header h;
		struct ipcpeer_flood f;
	} msg;
	const struct uk_startup *su = uk_startup_info;
	long notify = uk_port_allocate(UK_RIGHT_RECEIVE), rc = 0;

	memset(&msg, 0, sizeof(msg));
	/* Far more than any limit: the loop ends at the kernel's refusal. */
	while (notify > 0 && msg.f.made < 4000) {
		long p = uk_port_allocate(UK_RIGHT_RECEIVE);
		rc = p;
		if (p > 0 && (rc = uk_port_insert_right((uk_name_t)p,
							UK_DISP_MAKE_SEND)) >= 0)
			rc = uk_port_request_notification(
			    (uk_name_t)p, UK_NOTIFY_DEAD_NAME, (uk_name_t)notify);
		if (rc < 0)
			break;
		msg.f.made++;
	}
	msg.f.error = (int32_t)(notify > 0 ? rc : notify);
	msg.h.size = sizeof(msg);
	msg.h.id = IPCPEER_FLOOD;
	msg.h.dest = su->n_rights ? su->rights[0] : 0;
	rc = uk_ipc_send(&msg.h, msg.h.size, 1000000000ull);
	if (rc < 0)
		printf("ipcpeer: notify-flood: %s\n", err_name(rc));
	uk_sleep(UK_TIMEOUT_INFINITE);
	return 0;
}

static int window(int argc, char **argv, const struct uk_startup *su)
{
	if (argc < 5 || su->n_rights < 1)
		return 99;
	uint64_t pages = strtoul(argv[2], NULL, 10);
	uint64_t deadline = strtoul(argv[3], NULL, 10) * 1000000ull;
	const char *how = argv[4];
	bool ro = !strcmp(how, "ro-write");
	bool hold = !strcmp(how, "write-hold"); /* then wait to be killed */
	bool write = ro || hold || !strcmp(how, "write");
	long addr = uk_vm_map_object(su->rights[0], 0, pages * 4096,
				     ro ? UK_VM_READ : UK_VM_READ | UK_VM_WRITE,
				     deadline);

	if (addr < 0) {
		printf("ipcpeer: window: vm_map_object: %s\n", err_name(addr));
		return 90;
	}
	volatile uint8_t *m = (volatile uint8_t *)addr;
	for (uint64_t p = 0; p < pages; p++) {
		uint64_t j = 0, base = p * 4096;
		if (write) {
			m[base] = 0x5a;
			if (m[base] != 0x5a)
				return 1;
			j = 1;
		}
		for (; j < 4096; j++)
			if (m[base + j] != ipcpeer_window_byte(base + j)) {
				printf("ipcpeer: window: byte %lu is %u, not %u\n",
				       (unsigned long)(base + j), m[base + j],
				       ipcpeer_window_byte(base + j));
				return 1;
			}
	}
	if (hold)
		uk_sleep(UK_TIMEOUT_INFINITE);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	const struct uk_startup *su = uk_startup_info;

	if (!strcmp(mode, "serve") && su->n_rights >= 1)
		return serve(su->rights[0]);
	if (!strcmp(mode, "window"))
		return window(argc, argv, su);
	if (!strcmp(mode, "pressure-steal")) {
		/* Try to take the memory-pressure registration: exits with
		 * the error code (ERR_BUSY while another task holds it). */
		long p = uk_port_allocate(UK_RIGHT_RECEIVE);
		long rc = p > 0 ? uk_vm_pressure_notify((uint64_t)p, 1) : p;
		return rc < 0 ? (int)-rc : 0;
	}
	if (!strcmp(mode, "report"))
		return report();
	if (!strcmp(mode, "notify-flood"))
		return notify_flood();
	if (!strcmp(mode, "hold")) {
		uk_sleep(UK_TIMEOUT_INFINITE);
		return 0;
	}
	printf("ipcpeer: unknown mode '%s' or missing rights\n", mode);
	return 99;
}
