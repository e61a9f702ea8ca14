/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the IPC tests: building and taking apart messages, rights
 * and their port_info, background threads that block in a syscall while
 * the test goes on, and the ipcpeer task (tests/guest/ipcpeer).
 */
#ifndef KTEST_IPC_UTIL_H
#define KTEST_IPC_UTIL_H

#include "ktest.h"
#include "../ipcpeer/ipcpeer.h"

#define MS 1000000ull /* nanoseconds */
#define SECOND 1000000000ull

/* Room for any message. */
union ipc_buf {
	struct uk_msg_header h;
	uint8_t bytes[UK_MSG_SIZE_MAX];
	uint64_t align_;
};

/* What to send; fields left 0 are left out. */
struct msg_spec {
	uk_name_t dest;
	uint8_t dest_disposition;
	uk_name_t reply;
	uint8_t reply_disposition;
	uint32_t id;
	const struct uk_msg_port *ports;
	unsigned n_ports;
	const void *body;
	uint32_t len;
};

/* Lay out s in b; returns the message size. */
uint32_t msg_build(union ipc_buf *b, const struct msg_spec *s);
long msg_send(const struct msg_spec *s, uint64_t timeout_ns);
/* Send header-only message id to dest (a send right, copied). */
long msg_send_id(uk_name_t dest, uint32_t id, uint64_t timeout_ns);
long msg_receive(uk_name_t name, union ipc_buf *b, uint64_t timeout_ns);
static inline struct uk_msg_port *msg_ports(struct uk_msg_header *h)
{
	return (struct uk_msg_port *)(h + 1);
}
static inline uint8_t *msg_body(struct uk_msg_header *h)
{
	return (uint8_t *)(msg_ports(h) + h->n_ports);
}
static inline uint32_t msg_body_len(const struct uk_msg_header *h)
{
	return h->size - (uint32_t)sizeof(*h) -
	       h->n_ports * (uint32_t)sizeof(struct uk_msg_port);
}

/* A new receive right (0 and a test failure if there is none). */
uk_name_t port_new(void);
/* A new receive right with n send references under the same name. */
uk_name_t port_new_send(unsigned n);
/* port_info of name, all zero (and *rc < 0) if it fails. */
struct uk_port_info port_info_of(uk_name_t name);
/* The UK_RIGHT_* bits of name, or the negative error of port_info. */
long rights_of(uk_name_t name);
/* Messages queued on a receive right (-1 if port_info fails). */
long queued_on(uk_name_t name);
/* Senders of a receive right (-1 if port_info fails). */
long senders_of(uk_name_t name);

/* A syscall run on a background thread of this task. */
struct bg {
	void (*fn)(struct bg *);
	uint64_t arg[6];
	volatile long rc;
	volatile int done;
	volatile uint64_t started_ns, ended_ns;
};
/* Start fn on a new thread at the default priority. */
void bg_start(struct bg *b, void (*fn)(struct bg *));
/* Wait until b is done or timeout passes; returns 1 if done. */
int bg_wait(struct bg *b, uint64_t timeout_ns);
/* Background bodies; arguments in b->arg as for the syscall. */
void bg_send(struct bg *b);    /* msg, size, timeout */
void bg_receive(struct bg *b); /* name, buf, buf_size, timeout */
void bg_call(struct bg *b);    /* msg, size, buf, buf_size, timeout */
void bg_kill(struct bg *b);    /* sleep arg[1] ns, then kill task arg[0] */
void bg_destroy(struct bg *b); /* sleep arg[1] ns, then destroy name arg[0] */

/* The ipcpeer program's ELF, embedded by the build. */
extern const char ipcpeer_image[], ipcpeer_image_end[];
#define IPCPEER_SIZE                                                           \
	((size_t)((uintptr_t)ipcpeer_image_end - (uintptr_t)ipcpeer_image))
/* Start `ipcpeer MODE` with rights; returns its id or an error. */
long peer_start(const char *mode, const struct uk_task_right *rights,
		unsigned n_rights);
/* The same with a whole argv ({"ipcpeer", mode, ..., NULL}). */
long peer_start_argv(const char *const argv[],
		     const struct uk_task_right *rights, unsigned n_rights);
/* Start `ipcpeer serve` on a new port; *service is this task's send
 * right to it. Returns the peer's id or an error. */
long peer_serve(uk_name_t *service);
/* Kill (if still running) and collect a peer; returns its status. */
struct uk_exit_status peer_stop(long id);
/* Wait for a peer to end by itself within timeout; returns its status
 * (reason 0 if it did not end: then it is killed). */
struct uk_exit_status peer_wait(long id, uint64_t timeout_ns);
/* ipc_call to the peer: request op with ports and body; reply in r. */
long peer_call(uk_name_t service, uint32_t op, const struct uk_msg_port *ports,
	       unsigned n_ports, const void *body, uint32_t len,
	       union ipc_buf *r);

/* Memory the kernel holds now. */
struct uk_kinfo_memory kernel_memory(void);

#endif
