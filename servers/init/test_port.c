/* SPDX-License-Identifier: MIT */
/*
 * init.test (include/uk/proto/init.h): a thread of init that serves the
 * test port, so that init's main thread can stay in wait_task, where the
 * end of a killed service reaches it and is handled as any other. The
 * thread only kills: it reads which task a service runs as (a word the
 * main thread writes; a stale id names a dead task, which task_kill
 * refuses) and never touches init's other state, so the two threads need
 * no lock. Requests are authorized by the port alone: only the test
 * program's client sees the name.
 */
#include "test_port.h"

#include <string.h>
#include <uk/proto/init.h>

#define TEST_PORT_STACK 8192

union test_msg {
	struct uk_msg_header h;
	uint8_t bytes[sizeof(struct uk_msg_header) +
		      4 * sizeof(struct uk_msg_port) +
		      sizeof(struct uk_init_test_req) + 64];
	uint64_t align_;
};

static uk_name_t port;
static test_port_kill_fn kill_service;
static union test_msg in, out;

static int32_t handle(const struct uk_msg_header *h)
{
	struct uk_init_test_req rq;

	if (h->id != INIT_TEST_KILL)
		return -ERR_UNSUPPORTED;
	if (uk_msg_body_len(h) < sizeof(rq))
		return -ERR_INVALID;
	memcpy(&rq, uk_msg_body(h), sizeof(rq));
	if (!memchr(rq.name, '\0', sizeof(rq.name)))
		return -ERR_INVALID;
	return (int32_t)kill_service(rq.name);
}

static void serve(uint64_t arg)
{
	bool have_reply = false;

	(void)arg;
	for (;;) {
		long rc = server_next(port, &in.h, sizeof(in),
				      have_reply ? &out.h : NULL,
				      UK_TIMEOUT_INFINITE);
		have_reply = false;
		if (rc < 0 || (in.h.flags & UK_MSG_KERNEL))
			continue;
		for (unsigned i = 0; i < in.h.n_ports; i++)
			if (uk_msg_ports(&in.h)[i].name)
				uk_port_deallocate(uk_msg_ports(&in.h)[i].name);
		int32_t status = handle(&in.h);
		if (!in.h.reply)
			continue;
		uk_rpc_reply_start(&out.h, in.h.id, status, 0, 0);
		have_reply = true;
	}
}

long test_port_start(test_port_kill_fn kill)
{
	static uint64_t stack[TEST_PORT_STACK / 8];
	long p = uk_port_allocate(UK_RIGHT_RECEIVE);
	long rc;

	if (p <= 0)
		return p ? p : -ERR_NO_MEMORY;
	port = (uk_name_t)p;
	kill_service = kill;
	if ((rc = uk_port_insert_right(port, UK_DISP_MAKE_SEND)) < 0 ||
	    (rc = uk_thread_create((uint64_t)serve,
				   (uint64_t)&stack[TEST_PORT_STACK / 8], 0,
				   UK_PRIORITY_DEFAULT)) < 0) {
		uk_port_destroy(port);
		return rc;
	}
	return port;
}
