/* SPDX-License-Identifier: MIT */
/*
 * A console server inside the test (shelltest.h): it records what a child
 * writes and hands it scripted input, while waiting for the child's end
 * through an asynchronous PROC_WAIT whose reply arrives on a port in the
 * same port set. One thread, every wait with a deadline.
 */
#include <string.h>
#include <uk/proto/cons.h>
#include <uk/proto/proc.h>

#include "shelltest.h"

void fakecons_init(struct fakecons *fc)
{
	memset(fc, 0, sizeof(*fc));
	fc->port = st_port();
}

void fakecons_fini(struct fakecons *fc)
{
	if (fc->port)
		uk_port_destroy(fc->port);
	fc->port = 0;
}

static void reply(union st_buf *b, uk_name_t to, uint32_t id, int32_t status,
		  const void *body, uint32_t len, const void *data, uint32_t data_len)
{
	memset(&b->h, 0, sizeof(b->h));
	b->h.id = id;
	b->h.dest = to;
	b->h.dest_disposition = UK_DISP_MOVE_SEND_ONCE;
	struct uk_rpc_status *st = uk_msg_body(&b->h);
	st->status = status;
	st->reserved = 0;
	uint8_t *p = (uint8_t *)(st + 1);
	if (len)
		memcpy(p, body, len);
	if (data_len)
		memcpy(p + len, data, data_len);
	b->h.size = (uint32_t)(p + len + data_len - b->bytes);
	if (uk_ipc_send(&b->h, b->h.size, 0) < 0)
		uk_port_deallocate(to);
}

/* One request on the fake console. held: a read left waiting (input not
 * closed yet and none left), answered or dropped by the caller. */
static void serve(struct fakecons *fc, union st_buf *in, union st_buf *out,
		  uk_name_t *held)
{
	const struct uk_msg_header *h = &in->h;
	const uint8_t *body = uk_msg_body(h);
	uint32_t len = uk_msg_body_len(h);
	struct uk_cons_io_reply r = { 0, 0 };

	if (!h->reply)
		return;
	if (h->id == CONS_WRITE) {
		size_t room = sizeof(fc->output) - 1 - fc->output_len;
		size_t n = len < room ? len : room;
		memcpy(fc->output + fc->output_len, body, n);
		fc->output_len += n;
		fc->output[fc->output_len] = '\0';
		fc->writes++;
		r.count = len;
		reply(out, h->reply, CONS_WRITE, 0, &r, sizeof(r), NULL, 0);
		return;
	}
	if (h->id == CONS_READ && len >= sizeof(struct uk_cons_read_req)) {
		struct uk_cons_read_req rq;
		memcpy(&rq, body, sizeof(rq));
		fc->reads++;
		size_t left = fc->input_len - fc->input_pos;
		if (!left && !fc->input_closed) {
			if (*held)
				uk_port_deallocate(*held);
			*held = h->reply;
			return;
		}
		size_t n = left < rq.max ? left : rq.max;
		if (fc->chunk && n > fc->chunk)
			n = fc->chunk;
		r.count = (uint32_t)n;
		reply(out, h->reply, CONS_READ, 0, &r, sizeof(r), fc->input + fc->input_pos,
		      (uint32_t)n);
		fc->input_pos += n;
		return;
	}
	reply(out, h->reply, h->id, -ERR_UNSUPPORTED, NULL, 0, NULL, 0);
}

struct uk_exit_status fakecons_run(struct fakecons *fc, const char *path,
				   const char *const argv[], uint64_t timeout_ns)
{
	static union st_buf in, out;
	struct uk_exit_status st;
	uk_name_t held = 0;

	memset(&st, 0, sizeof(st));
	uk_name_t cap = 0;
	long id = proc_spawn(path, argv, fc->port, &cap);
	if (id < 0) {
		st_fail(__FILE__, __LINE__, "spawn %s: %s", path, err_name(id));
		return st;
	}
	long set = uk_port_allocate(UK_RIGHT_PORT_SET);
	long w = uk_port_allocate(UK_RIGHT_RECEIVE);
	if (set <= 0 || w <= 0 || uk_port_set_add((uk_name_t)set, fc->port) < 0 ||
	    uk_port_set_add((uk_name_t)set, (uk_name_t)w) < 0) {
		st_fail(__FILE__, __LINE__, "cannot make the port set");
		return st;
	}
	/* The wait goes out now, through the task's capability; its reply is
	 * one more message in the set. */
	struct uk_proc_wait_req wr = { (uint64_t)id, UK_TIMEOUT_INFINITE };
	memset(&out.h, 0, sizeof(out.h));
	out.h.id = PROC_WAIT;
	out.h.dest = cap;
	out.h.reply = (uk_name_t)w;
	out.h.reply_disposition = UK_DISP_MAKE_SEND_ONCE;
	memcpy(uk_msg_body(&out.h), &wr, sizeof(wr));
	out.h.size = sizeof(out.h) + sizeof(wr);
	long rc = uk_ipc_send(&out.h, out.h.size, SECOND);
	if (rc < 0)
		st_fail(__FILE__, __LINE__, "PROC_WAIT: %s", err_name(rc));
	uint64_t deadline = (uint64_t)uk_clock() + timeout_ns;
	bool killed = false;
	while (rc >= 0) {
		uint64_t now = (uint64_t)uk_clock();
		if (now >= deadline) {
			if (killed) {
				st_fail(__FILE__, __LINE__, "%s did not end after kill", path);
				break;
			}
			st_fail(__FILE__, __LINE__, "%s still running after %lu ms; killing it",
				path, (unsigned long)(timeout_ns / MS));
			proc_kill(cap, (uint64_t)id);
			killed = true;
			deadline = now + 5 * SECOND;
			continue;
		}
		rc = uk_ipc_receive((uk_name_t)set, &in.h, sizeof(in), deadline - now);
		if (rc == -ERR_TIMED_OUT) {
			rc = 0;
			continue;
		}
		if (rc < 0) {
			st_fail(__FILE__, __LINE__, "receive: %s", err_name(rc));
			break;
		}
		if (in.h.dest == (uk_name_t)w) {
			rc = st_status(&in.h);
			if (rc == 0 && uk_msg_body_len(&in.h) >= sizeof(struct uk_rpc_status) + sizeof(st))
				memcpy(&st, st_reply_body(&in.h), sizeof(st));
			else
				st_fail(__FILE__, __LINE__, "PROC_WAIT reply: %s", err_name(rc));
			break;
		}
		serve(fc, &in, &out, &held);
	}
	if (held)
		uk_port_deallocate(held);
	uk_port_set_remove(fc->port);
	uk_port_destroy((uk_name_t)w);
	uk_port_destroy((uk_name_t)set);
	if (cap)
		uk_port_deallocate(cap);
	return st;
}

int sh(const char *cmds, struct fakecons *fc)
{
	const char *argv[] = { "shell", "-c", cmds, NULL };

	fakecons_init(fc);
	fc->input_closed = true;
	struct uk_exit_status st = fakecons_run(fc, "/bin/shell", argv, 20 * SECOND);
	fakecons_fini(fc);
	if (st.reason != UK_EXIT_NORMAL) {
		if (st.reason)
			st_fail(__FILE__, __LINE__, "shell -c \"%s\" ended by reason %u", cmds,
				st.reason);
		return -1000;
	}
	return (int)st.code;
}
