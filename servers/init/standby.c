/* SPDX-License-Identifier: MIT */
/*
 * The standby's watch (standby=NAME@NODE; docs/ARCHITECTURE.md,
 * "Standbys"), one thread per standby. It looks NAME up on NODE through
 * the resolver (the proxy) until the primary answers, asks for a dead-name
 * notice on the right it got and waits for it. The right dies when the
 * primary's port dies or its node's link session ends (the node is
 * killed, powered off or cut off past the proxy's deadline). The watcher
 * then looks the name up again, waiting up to STANDBY_LOOKUP_NS on NODE
 * for it: a primary that init restarted there answers, and is watched
 * again; a node that is unreachable (ERR_UNREACHABLE, ERR_DEAD) or a name
 * that does not come back (ERR_TIMED_OUT, ERR_NOT_FOUND) is gone, and the
 * watcher has init start the standby's program. Before the primary has
 * been reached once, failures are only retried: nodes boot in any order,
 * so a primary not seen yet is not a dead one.
 *
 * Split brain: a standby cut off from a live primary past the proxy's
 * deadline takes over all the same; both then serve (no fail-back). The
 * thread touches nothing of init's but through the hooks.
 */
#include "standby.h"

#include <string.h>

#define STANDBY_LOOKUP_NS (5ull * 1000000000ull)
#define STANDBY_RETRY_NS (1000000000ull) /* until the primary is reached */
#define STANDBY_CHECK_NS (60ull * 1000000000ull) /* one wait for the notice */
#define STANDBY_STACK 32768u

struct watch {
	char name[UK_NAME_MAX];
	uint32_t node;
	void *arg;
	uk_name_t notify; /* receive right: only the kernel sends to it */
	uint64_t stack[STANDBY_STACK / 8];
};

static struct watch watches[STANDBY_WATCHES];
static unsigned n_watches;
static const struct standby_hooks *hooks;

/* Wait for the dead-name notice of right, then drop it. 0 when it died. */
static long await_death(struct watch *w, uk_name_t right)
{
	union {
		struct uk_notification n;
		uint8_t bytes[sizeof(struct uk_notification) + 64];
	} m;
	long rc =
	    uk_port_request_notification(right, UK_NOTIFY_DEAD_NAME, w->notify);

	while (rc >= 0) {
		rc = uk_ipc_receive(w->notify, &m.n.header, sizeof(m),
				    STANDBY_CHECK_NS);
		if (rc >= 0 && (m.n.header.flags & UK_MSG_KERNEL) &&
		    m.n.header.id == UK_MSG_ID_DEAD_NAME && m.n.name == right)
			break;
		if (rc == -ERR_TIMED_OUT)
			rc = 0;
	}
	uk_port_deallocate(right);
	return rc == -ERR_DEAD ? 0 : rc < 0 ? rc : 0;
}

/* A lookup's error that means the primary is gone, once it was reached. */
static bool gone(long rc)
{
	return rc == -ERR_UNREACHABLE || rc == -ERR_DEAD ||
	       rc == -ERR_TIMED_OUT || rc == -ERR_NOT_FOUND;
}

static void watch(uint64_t arg)
{
	struct watch *w = &watches[arg];
	bool seen = false;
	long rc;

	for (;;) {
		rc = hooks->lookup(w->name, w->node, STANDBY_LOOKUP_NS);
		if (rc > 0) {
			hooks->say("init: %s %s@%u\n",
				   seen ? "standing by again for"
					: "standing by for",
				   w->name, w->node);
			seen = true;
			rc = await_death(w, (uk_name_t)rc);
			if (rc < 0) {
				hooks->say("init: cannot watch %s@%u: %s\n",
					   w->name, w->node, err_str(rc));
				uk_sleep(STANDBY_RETRY_NS);
			} else {
				hooks->say(
				    "init: %s@%u died; looking it up again\n",
				    w->name, w->node);
			}
			continue;
		}
		if (seen && gone(rc))
			break;
		uk_sleep(STANDBY_RETRY_NS);
	}
	hooks->take_over(w->arg, rc);
	uk_thread_exit();
}

long standby_watch(const char *name, uint32_t node, void *arg,
		   const struct standby_hooks *h)
{
	if (n_watches == STANDBY_WATCHES)
		return -ERR_LIMIT;
	struct watch *w = &watches[n_watches];
	long port = uk_port_allocate(UK_RIGHT_RECEIVE);
	if (port <= 0)
		return port ? port : -ERR_NO_MEMORY;
	strlcpy(w->name, name, sizeof(w->name));
	w->node = node;
	w->arg = arg;
	w->notify = (uk_name_t)port;
	hooks = h;
	long rc = uk_thread_create((uint64_t)watch,
				   (uint64_t)&w->stack[STANDBY_STACK / 8],
				   n_watches, UK_PRIORITY_DEFAULT);
	if (rc < 0) {
		uk_port_destroy(w->notify);
		return rc;
	}
	n_watches++;
	return 0;
}
