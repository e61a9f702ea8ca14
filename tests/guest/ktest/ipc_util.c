/* SPDX-License-Identifier: MIT */
/* Helpers of the IPC tests (ipc_util.h). */
#include <string.h>

#include "ipc_util.h"

uint32_t msg_build(union ipc_buf *b, const struct msg_spec *s)
{
	struct uk_msg_header *h = &b->h;
	size_t ports = s->n_ports * sizeof(struct uk_msg_port);

	memset(h, 0, sizeof(*h));
	h->size = (uint32_t)(sizeof(*h) + ports + s->len);
	h->id = s->id;
	h->dest = s->dest;
	h->dest_disposition = s->dest_disposition;
	h->reply = s->reply;
	h->reply_disposition = s->reply_disposition;
	h->n_ports = (uint16_t)s->n_ports;
	if (ports)
		memcpy(h + 1, s->ports, ports);
	if (s->len)
		memcpy((uint8_t *)(h + 1) + ports, s->body, s->len);
	return h->size;
}

long msg_send(const struct msg_spec *s, uint64_t timeout_ns)
{
	static union ipc_buf b;
	uint32_t size = msg_build(&b, s);

	return uk_ipc_send(&b.h, size, timeout_ns);
}

long msg_send_id(uk_name_t dest, uint32_t id, uint64_t timeout_ns)
{
	struct uk_msg_header h = {.size = sizeof(h), .id = id, .dest = dest};

	return uk_ipc_send(&h, sizeof(h), timeout_ns);
}

long msg_receive(uk_name_t name, union ipc_buf *b, uint64_t timeout_ns)
{
	return uk_ipc_receive(name, &b->h, sizeof(*b), timeout_ns);
}

uk_name_t port_new(void)
{
	long p = uk_port_allocate(UK_RIGHT_RECEIVE);

	if (p <= 0) {
		ktest_fail(__FILE__, __LINE__, "port_allocate: %s",
			   err_name(p));
		return 0;
	}
	return (uk_name_t)p;
}

uk_name_t port_new_send(unsigned n)
{
	uk_name_t p = port_new();

	for (unsigned i = 0; p && i < n; i++) {
		long rc = uk_port_insert_right(p, UK_DISP_MAKE_SEND);
		if (rc != (long)p)
			ktest_fail(__FILE__, __LINE__, "MAKE_SEND: %ld (%s)",
				   rc, err_name(rc));
	}
	return p;
}

struct uk_port_info port_info_of(uk_name_t name)
{
	struct uk_port_info info;

	memset(&info, 0, sizeof(info));
	if (uk_port_info(name, &info) < 0)
		memset(&info, 0, sizeof(info));
	return info;
}

long rights_of(uk_name_t name)
{
	struct uk_port_info info;
	long rc = uk_port_info(name, &info);

	return rc < 0 ? rc : (long)info.rights;
}

long queued_on(uk_name_t name)
{
	struct uk_port_info info;

	return uk_port_info(name, &info) < 0 ? -1 : (long)info.queued;
}

long senders_of(uk_name_t name)
{
	struct uk_port_info info;

	return uk_port_info(name, &info) < 0 ? -1 : (long)info.senders;
}

/* Background threads. Stacks are used round robin, so a thread that has
 * said it is done but not yet left thread_exit keeps its stack. */
#define BG_STACKS 8
#define BG_STACK_WORDS 2048

static uint64_t bg_stacks[BG_STACKS][BG_STACK_WORDS]
    __attribute__((aligned(16)));
static unsigned bg_next;

static void bg_trampoline(uint64_t arg)
{
	struct bg *b = (struct bg *)arg;

	b->started_ns = (uint64_t)uk_clock();
	b->fn(b);
	b->ended_ns = (uint64_t)uk_clock();
	b->done = 1;
	uk_thread_exit();
}

void bg_start(struct bg *b, void (*fn)(struct bg *))
{
	uint64_t *stack = bg_stacks[bg_next++ % BG_STACKS];

	b->fn = fn;
	b->rc = 0;
	b->done = 0;
	b->started_ns = b->ended_ns = 0;
	long rc = uk_thread_create((uint64_t)bg_trampoline,
				   (uint64_t)&stack[BG_STACK_WORDS - 2],
				   (uint64_t)b, UK_PRIORITY_DEFAULT);
	if (rc <= 0) {
		ktest_fail(__FILE__, __LINE__, "thread_create: %s",
			   err_name(rc));
		b->rc = rc;
		b->done = 1;
	}
}

int bg_wait(struct bg *b, uint64_t timeout_ns)
{
	uint64_t end = (uint64_t)uk_clock() + timeout_ns;

	while (!b->done && (uint64_t)uk_clock() < end)
		uk_sleep(MS);
	return b->done;
}

void bg_send(struct bg *b)
{
	b->rc = uk_ipc_send((const struct uk_msg_header *)b->arg[0], b->arg[1],
			    b->arg[2]);
}

void bg_receive(struct bg *b)
{
	b->rc = uk_ipc_receive(b->arg[0], (struct uk_msg_header *)b->arg[1],
			       b->arg[2], b->arg[3]);
}

void bg_call(struct bg *b)
{
	b->rc = uk_ipc_call((const struct uk_msg_header *)b->arg[0], b->arg[1],
			    (struct uk_msg_header *)b->arg[2], b->arg[3],
			    b->arg[4]);
}

void bg_kill(struct bg *b)
{
	uk_sleep(b->arg[1]);
	b->rc = uk_task_kill(b->arg[0]);
}

void bg_destroy(struct bg *b)
{
	uk_sleep(b->arg[1]);
	b->rc = uk_port_destroy(b->arg[0]);
}

long peer_start(const char *mode, const struct uk_task_right *rights,
		unsigned n_rights)
{
	const char *argv[] = {"ipcpeer", mode, NULL};

	return spawn_image_rights(ipcpeer_image, IPCPEER_SIZE, "ipcpeer", argv,
				  UK_PRIORITY_DEFAULT, rights, n_rights);
}

long peer_start_argv(const char *const argv[],
		     const struct uk_task_right *rights, unsigned n_rights)
{
	return spawn_image_rights(ipcpeer_image, IPCPEER_SIZE, "ipcpeer", argv,
				  UK_PRIORITY_DEFAULT, rights, n_rights);
}

long peer_serve(uk_name_t *service)
{
	uk_name_t p = port_new_send(1);
	struct uk_task_right r = {p, UK_DISP_MOVE_RECEIVE};

	*service = p;
	if (!p)
		return -ERR_NO_MEMORY;
	long id = peer_start("serve", &r, 1);
	if (id < 0)
		ktest_fail(__FILE__, __LINE__, "start ipcpeer: %s",
			   err_name(id));
	return id;
}

struct uk_exit_status peer_stop(long id)
{
	struct uk_exit_status st;

	memset(&st, 0, sizeof(st));
	if (id <= 0)
		return st;
	uk_task_kill((uint64_t)id);
	if (wait_task((uint64_t)id, &st, 5 * SECOND) < 0)
		ktest_fail(__FILE__, __LINE__, "ipcpeer %lx did not end", id);
	return st;
}

struct uk_exit_status peer_wait(long id, uint64_t timeout_ns)
{
	struct uk_exit_status st;

	memset(&st, 0, sizeof(st));
	if (id <= 0)
		return st;
	if (wait_task((uint64_t)id, &st, timeout_ns) < 0) {
		peer_stop(id);
		memset(&st, 0, sizeof(st));
	}
	return st;
}

long peer_call(uk_name_t service, uint32_t op, const struct uk_msg_port *ports,
	       unsigned n_ports, const void *body, uint32_t len,
	       union ipc_buf *r)
{
	static union ipc_buf req;
	struct msg_spec s = {.dest = service,
			     .id = op,
			     .ports = ports,
			     .n_ports = n_ports,
			     .body = body,
			     .len = len};
	uint32_t size = msg_build(&req, &s);

	return uk_ipc_call(&req.h, size, &r->h, sizeof(*r), 5 * SECOND);
}

struct uk_kinfo_memory kernel_memory(void)
{
	struct uk_kinfo_memory m;

	memset(&m, 0, sizeof(m));
	if (uk_kinfo(UK_KINFO_MEMORY, &m, sizeof(m)) != sizeof(m))
		ktest_fail(__FILE__, __LINE__, "kinfo memory failed");
	return m;
}
