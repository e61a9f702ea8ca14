/* SPDX-License-Identifier: MIT */
/*
 * Which file server a path goes to. Plan 9's /n: a path /n/N/rest is rest
 * on node N's file server, the name "fs" looked up on node N (the name
 * server forwards that lookup to the node's resolver, the network proxy,
 * whose answer is a proxy port); every other path is the local "fs". So
 * `cat /n/2/README` works from any program, and a working directory inside
 * /n/2 makes relative paths node 2's. /n/<this node>/ is the local server
 * (the name server answers a lookup for its own node locally).
 *
 * One send right per node is kept: the local one, and FS_REMOTE_SLOTS
 * others, the oldest dropped for a new node (open files hold rights of
 * their own, so dropping one closes nothing).
 */
#include <string.h>
#include <ulib.h>

#include "fs_ports.h"

#define FS_LOOKUP_TIMEOUT (10ull * 1000000000ull)
/* A node's fs that is not there yet is waited for less: the caller is
 * often a person typing a path. */
#define FS_REMOTE_LOOKUP_TIMEOUT (3ull * 1000000000ull)
#define FS_REMOTE_SLOTS 8u

static uk_name_t local;
static struct {
	uint32_t node; /* 0: free */
	uk_name_t port;
} remote[FS_REMOTE_SLOTS];
static unsigned next_victim;

uint32_t fs_path_node(const char *abs, const char **rest)
{
	const char *p = abs + 3;
	uint64_t n = 0;

	*rest = abs;
	if (strncmp(abs, "/n/", 3) || *p < '1' || *p > '9')
		return FS_NODE_LOCAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (uint64_t)(*p - '0');
		if (n >= 0xffffffffull)
			return FS_NODE_LOCAL;
	}
	if (*p != '/' && *p != '\0')
		return FS_NODE_LOCAL; /* "/n/2x" */
	*rest = *p ? p : "/";
	return (uint32_t)n;
}

/* A lookup that found no file server. Never ERR_NOT_FOUND: callers would
 * say ENOENT, which only a file server may say of a file, and a reader
 * cut off from its server would take the file for absent. */
static long no_server(long rc)
{
	return rc < 0 && rc != -ERR_NOT_FOUND ? rc : -ERR_UNREACHABLE;
}

long fs_port(uint32_t node)
{
	if (node == FS_NODE_LOCAL) {
		if (!local) {
			long rc = ns_lookup("fs", FS_LOOKUP_TIMEOUT);
			if (rc <= 0)
				return no_server(rc);
			local = (uk_name_t)rc;
		}
		return (long)local;
	}
	for (unsigned i = 0; i < FS_REMOTE_SLOTS; i++)
		if (remote[i].node == node)
			return (long)remote[i].port;
	long rc = ns_lookup_node("fs", node, FS_REMOTE_LOOKUP_TIMEOUT);
	if (rc <= 0)
		return no_server(rc);
	unsigned slot = FS_REMOTE_SLOTS;
	for (unsigned i = 0; slot == FS_REMOTE_SLOTS && i < FS_REMOTE_SLOTS;
	     i++)
		if (!remote[i].node)
			slot = i;
	if (slot == FS_REMOTE_SLOTS) {
		slot = next_victim;
		next_victim = (next_victim + 1) % FS_REMOTE_SLOTS;
		uk_port_deallocate(remote[slot].port);
	}
	remote[slot].node = node;
	remote[slot].port = (uk_name_t)rc;
	return rc;
}

void fs_forget(uint32_t node)
{
	if (node == FS_NODE_LOCAL) {
		if (local)
			uk_port_deallocate(local);
		local = 0;
		return;
	}
	for (unsigned i = 0; i < FS_REMOTE_SLOTS; i++)
		if (remote[i].node == node) {
			uk_port_deallocate(remote[i].port);
			remote[i].node = 0;
			remote[i].port = 0;
		}
}
