/* SPDX-License-Identifier: MIT */
/*
 * Pagers across nodes (uk/ipc.h, "Pagers across nodes"; docs/MEMORY.md):
 * the mapper's side. A window mapped on an import port makes its kernel
 * post requests and returns to that port, which is ours. A return goes
 * to the pager's node as an ordinary message (its bytes as out-of-line
 * data). A request goes as a call: its reply right is a send-once right
 * to a port of ours made for it, and the answer that comes back there
 * (struct uk_pager_answer, or the proxy's own error reply) becomes
 * pager_supply or pager_error on the import port, for the window that
 * asked. The kernel bounds the requests (one per window at a time); so
 * does the table here (PAGER_PENDING_MAX: past it a request is refused
 * with ERR_LIMIT at once). If the peer's session ends, the import port
 * dies and with it every window on it (its faults end ERR_DEAD), and the
 * call's reply right dies (a send-once-died notice here) or is answered
 * ERR_UNREACHABLE: either frees the entry.
 */
#include <string.h>
#include <ulib.h>
#include <uk/proto/rpc.h>

#include "proxy.h"

#define PAGER_PENDING_MAX 64u
#define PAGER_LOG_MAX 10u

static struct pager_pending {
	uk_name_t reply_port; /* ours, in the port set; 0: free */
	uk_name_t import;     /* the window's port */
	uint64_t object, offset;
} pending[PAGER_PENDING_MAX];

static uint64_t refused, lost;
unsigned pager_pending_n; /* entries in use: 0 skips pager_answer's search */

static void pager_log(const char *what, long rc)
{
	static unsigned logged;

	if (++logged <= PAGER_LOG_MAX)
		printf("proxy: pager %s: %s%s\n", what, err_str(rc),
		       logged == PAGER_LOG_MAX ? " (not logging more)" : "");
}

void pager_forward(struct peer *p, uint32_t index, struct uk_msg_header *h)
{
	uk_name_t import = p->imports[index].port;

	h->flags = 0;
	if (h->id == UK_MSG_ID_PAGER_RETURN) {
		if (h->size != sizeof(struct uk_pager_return) || h->n_ool != 1) {
			release_message(h);
			return;
		}
		peer_local_message(p, index, h);
		return;
	}
	const struct uk_pager_request *r = (const void *)h;
	if (h->id != UK_MSG_ID_PAGER_REQUEST || h->size != sizeof(*r)) {
		release_message(h);
		return;
	}
	unsigned i = 0;
	while (i < PAGER_PENDING_MAX && pending[i].reply_port)
		i++;
	long port = i < PAGER_PENDING_MAX ? port_in_set(port_set) : -ERR_LIMIT;
	long once = port > 0 ? uk_port_insert_right((uk_name_t)port,
						    UK_DISP_MAKE_SEND_ONCE)
			     : port;
	if (once <= 0) {
		if (port > 0)
			uk_port_destroy((uk_name_t)port);
		refused++;
		pager_log("request refused", once);
		uk_pager_error(import, r->object, r->offset, ERR_LIMIT);
		return;
	}
	pending[i] = (struct pager_pending){ (uk_name_t)port, import, r->object,
					     r->offset };
	pager_pending_n++;
	/* A call like any: its answer comes to our port. */
	h->reply = (uk_name_t)once;
	peer_local_message(p, index, h);
}

bool pager_answer(struct uk_msg_header *h)
{
	unsigned i = 0;

	while (i < PAGER_PENDING_MAX && pending[i].reply_port != h->dest)
		i++;
	if (i == PAGER_PENDING_MAX)
		return false;
	struct pager_pending pp = pending[i];
	const struct uk_pager_answer *a = (const void *)h;
	long rc;
	if (h->flags & UK_MSG_KERNEL) {
		/* The call's reply right died unanswered. */
		rc = -ERR_UNREACHABLE;
	} else if (h->size == sizeof(*a) && h->n_ool == 1 && h->n_ports == 0 &&
		   a->status == 0 && a->data.size >= a->length && a->length) {
		rc = uk_pager_supply(pp.import, pp.object, a->offset,
				     a->data.address, a->length);
	} else if (uk_msg_body_len(h) >= sizeof(struct uk_rpc_status) &&
		   ((const struct uk_rpc_status *)uk_msg_body(h))->status < 0) {
		/* The proxy's own error reply: status first. */
		rc = ((const struct uk_rpc_status *)uk_msg_body(h))->status;
	} else if (h->size == sizeof(*a) && a->status < 0) {
		rc = a->status;
	} else {
		rc = -ERR_INVALID;
		lost++;
		pager_log("answer malformed", rc);
	}
	/* A refusal ends the fault with its error; so does an answer that
	 * did not bring the page asked for (when it did, the request is no
	 * longer outstanding and this changes nothing). */
	uk_pager_error(pp.import, pp.object, pp.offset,
		       rc < 0 && -rc < ERR_COUNT_ ? (uint64_t)-rc : ERR_IO);
	release_message(h);
	uk_port_destroy(pp.reply_port);
	pending[i].reply_port = 0;
	pager_pending_n--;
	return true;
}
