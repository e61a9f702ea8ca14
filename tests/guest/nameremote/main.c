/* SPDX-License-Identifier: MIT */
/*
 * nameremote [ID...]: naming users can type (issue #12) without a network:
 * NAME@NODE lookups, aliases, NAME_LIST for another node and the adapter's
 * /n/N/ paths, through the real name server and file server, with this
 * program standing in for the network proxy. It registers itself as the
 * resolver for node 2 (its init.conf line gives it +resolver) and answers
 * a lookup of "fs" on node 2 with a send right to the LOCAL file server,
 * so whatever /n/2/ does lands on this node's disk, where the test looks
 * for it under the plain path. Node 3 has no resolver: it is unreachable.
 * It also resolves for node 4, which never answers (it keeps the reply
 * rights: a node whose link is not dead yet), and node 5, which has "fs"
 * only from its LATE_AFTER + 1st lookup on (a standby that starts late),
 * for the aliases of several targets.
 *
 * Run as: node=1 test=nameremote with=dev,virtio-blk,fs
 *         alias=rfs:fs@2,gone:fs@3,fo:fs@4,fs@3,fs@2,late:fs@5,fs@3,
 *         quiet:fs@4,big:a@2,a@3,a@4,a@5,a@6
 * Every test has a stable id and prints "nameremote: ID name ok" or
 * "... FAILED"; the run ends with "nameremote: N passed, M failed".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <ulib.h>
#include <unistd.h>
#include <uk/proto/name.h>

#define MS 1000000ull
#define SECOND 1000000000ull
#define REMOTE_NODE 2u
#define DEAD_NODE 3u
#define SILENT_NODE 4u
#define LATE_NODE 5u
#define LATE_AFTER 3u /* node 5 has "fs" from its 4th lookup on */
#define HELD_MAX 32u

static unsigned failures_in_test;

#define EXPECT(c)                                                              \
	do {                                                                   \
		if (!(c)) {                                                    \
			printf("nameremote:   line %d: %s (errno %d %s)\n",    \
			       __LINE__, #c, errno, strerror(errno));          \
			failures_in_test++;                                    \
		}                                                              \
	} while (0)
#define EXPECT_ERR(e, want)                                                    \
	do {                                                                   \
		long got_ = (e);                                               \
		if (got_ != -(long)(want)) {                                   \
			printf("nameremote:   line %d: %s is %ld (%s), not "   \
			       "%s\n",                                         \
			       __LINE__, #e, got_,                             \
			       got_ < 0 ? err_name(got_) : "ok",               \
			       err_name(-(long)(want)));                       \
			failures_in_test++;                                    \
		}                                                              \
	} while (0)
/* A POSIX call that must fail with errno e. */
#define EXPECT_ERRNO(expr, e)                                                  \
	do {                                                                   \
		errno = 0;                                                     \
		long r_ = (long)(expr);                                        \
		if (r_ != -1 || errno != (e)) {                                \
			printf("nameremote:   line %d: %s: %ld errno %d (%s), "\
			       "want errno %d\n",                              \
			       __LINE__, #expr, r_, errno, strerror(errno),    \
			       (e));                                           \
			failures_in_test++;                                    \
		}                                                              \
	} while (0)

union msg {
	struct uk_msg_header h;
	uint8_t bytes[UK_MSG_SIZE_MAX];
	uint64_t align_;
};

/* ---- the stand-in resolver for node 2 (a thread of ours) ---- */

static uk_name_t local_fs;	      /* what "fs" on node 2 resolves to */
static uk_name_t resolver;	      /* its receive right */
static volatile unsigned fs_lookups;  /* lookups of "fs" it answered */
static volatile unsigned list_calls;  /* NAME_LIST requests it answered */
static volatile unsigned silent_lookups, late_lookups; /* nodes 4 and 5 */
static uk_name_t held[HELD_MAX];      /* node 4's unanswered reply rights */
static volatile unsigned n_held;
static char last_name[UK_NAME_MAX];   /* the last name it was asked for */
static volatile uint32_t last_node;
static uint64_t resolver_stack[2048];
static union msg rin, rout;

/* The node's list, as a remote name server would give it. */
static const char *const far_names[] = {"fs", "far-only"};

static void answer_list(const struct uk_name_list_req *rq)
{
	struct uk_name_list_reply *r =
	    uk_rpc_reply_start(&rout.h, NAME_LIST, 0, 0, 0);
	uint32_t n = 0;

	for (uint32_t i = rq->start; i < 2; i++, n++) {
		memset(&r->entries[n], 0, sizeof(r->entries[n]));
		strlcpy(r->entries[n].name, far_names[i],
			sizeof(r->entries[n].name));
		r->entries[n].node = REMOTE_NODE;
	}
	r->total = 2;
	r->count = n;
	rout.h.size += (uint32_t)(sizeof(*r) + n * sizeof(r->entries[0]));
}

static void resolver_main(uint64_t arg)
{
	(void)arg;
	for (;;) {
		long rc = uk_ipc_receive(resolver, &rin.h, sizeof(rin),
					 UK_TIMEOUT_INFINITE);
		if (rc < 0)
			continue;
		const void *body = uk_msg_body(&rin.h);
		uint32_t len = uk_msg_body_len(&rin.h);
		if (rin.h.id == NAME_LOOKUP && len >= sizeof(struct uk_name_req)) {
			const struct uk_name_req *rq = body;
			strlcpy(last_name, rq->name, sizeof(last_name));
			last_node = rq->node;
			if (rq->node == SILENT_NODE) {
				silent_lookups++;
				if (n_held < HELD_MAX) {
					held[n_held++] = rin.h.reply;
					continue;
				}
			}
			bool late = rq->node == LATE_NODE &&
				    ++late_lookups > LATE_AFTER;
			if ((rq->node == REMOTE_NODE || late) &&
			    !strcmp(rq->name, "fs")) {
				fs_lookups++;
				uk_rpc_reply_start(&rout.h, NAME_LOOKUP, 0, 1, 0);
				uk_msg_ports(&rout.h)[0] = (struct uk_msg_port){
				    local_fs, UK_DISP_COPY_SEND};
			} else {
				uk_rpc_reply_start(&rout.h, NAME_LOOKUP,
						   -ERR_NOT_FOUND, 0, 0);
			}
		} else if (rin.h.id == NAME_LIST &&
			   len >= sizeof(struct uk_name_list_req)) {
			list_calls++;
			answer_list(body);
		} else {
			uk_rpc_reply_start(&rout.h, rin.h.id, -ERR_UNSUPPORTED,
					   0, 0);
		}
		rout.h.dest = rin.h.reply;
		if (uk_ipc_send(&rout.h, rout.h.size, 0) < 0 && rin.h.reply)
			uk_port_deallocate(rin.h.reply);
	}
}

static long register_resolver(uk_name_t port, uint32_t node)
{
	union msg m;

	memset(&m.h, 0, sizeof(m.h));
	m.h.id = NAME_REGISTER_RESOLVER;
	m.h.dest = ns_port();
	m.h.n_ports = 1;
	uk_msg_ports(&m.h)[0] = (struct uk_msg_port){port, UK_DISP_MAKE_SEND};
	struct uk_name_req *rq = uk_msg_body(&m.h);
	memset(rq, 0, sizeof(*rq));
	rq->node = node;
	m.h.size = sizeof(m.h) + sizeof(struct uk_msg_port) + sizeof(*rq);
	long rc = uk_ipc_call(&m.h, m.h.size, &m.h, sizeof(m), 5 * SECOND);
	if (rc < 0)
		return rc;
	return ((const struct uk_rpc_status *)uk_msg_body(&m.h))->status;
}

static int start_resolver(void)
{
	long fs = ns_lookup("fs", 30 * SECOND);
	long port = uk_port_allocate(UK_RIGHT_RECEIVE);

	if (fs <= 0 || port <= 0) {
		printf("nameremote: no local fs (%ld) or port (%ld)\n", fs, port);
		return -1;
	}
	local_fs = (uk_name_t)fs;
	resolver = (uk_name_t)port;
	long rc = uk_thread_create((uint64_t)resolver_main,
				   (uint64_t)&resolver_stack[2046], 0,
				   UK_PRIORITY_DEFAULT);
	if (rc <= 0 || (rc = register_resolver(resolver, REMOTE_NODE)) < 0 ||
	    (rc = register_resolver(resolver, SILENT_NODE)) < 0 ||
	    (rc = register_resolver(resolver, LATE_NODE)) < 0) {
		printf("nameremote: cannot be the resolver of nodes 2, 4 and 5: "
		       "%s\n", err_str(rc));
		return -1;
	}
	return 0;
}

/* Node 4 lets go of the requests it kept: each send-once right dies
 * unanswered. */
static void release_held(void)
{
	unsigned n = n_held;

	for (unsigned i = 0; i < n; i++)
		uk_port_deallocate(held[i]);
	n_held = 0;
}

/* ---- the tests ---- */

static uint64_t now(void)
{
	return uk_clock();
}

/* NAMEREM0001: "fs@2" is "fs" asked of node 2's resolver. */
static void test_name_at_node(void)
{
	unsigned before = fs_lookups;
	long got = ns_lookup("fs@2", SECOND);

	EXPECT(got == (long)local_fs); /* our resolver's answer */
	EXPECT(fs_lookups == before + 1);
	EXPECT(!strcmp(last_name, "fs") && last_node == REMOTE_NODE);
	if (got > 0)
		uk_port_deallocate((uk_name_t)got);
	got = ns_lookup_node("fs", REMOTE_NODE, SECOND);
	EXPECT(got == (long)local_fs);
	if (got > 0)
		uk_port_deallocate((uk_name_t)got);
	/* The resolver's "not here" reaches the caller. */
	EXPECT_ERR(ns_lookup("nothere@2", 0), ERR_NOT_FOUND);
	EXPECT(!strcmp(last_name, "nothere"));
	/* Our own node's number is this node. */
	got = ns_lookup("fs@1", SECOND);
	EXPECT(got == (long)local_fs);
	if (got > 0)
		uk_port_deallocate((uk_name_t)got);
}

/* NAMEREM0002: a node nobody resolves, and written forms that are not
 * names, fail at once. */
static void test_unreachable_and_malformed(void)
{
	uint64_t t0 = now();
	EXPECT_ERR(ns_lookup("fs@3", 10 * SECOND), ERR_UNREACHABLE);
	EXPECT(now() - t0 < SECOND);
	EXPECT_ERR(ns_lookup("fs@", 0), ERR_INVALID);
	EXPECT_ERR(ns_lookup("fs@0", 0), ERR_INVALID);
	EXPECT_ERR(ns_lookup("fs@two", 0), ERR_INVALID);
	EXPECT_ERR(ns_lookup_node("fs@2", 3, 0), ERR_INVALID);
	/* '@' is never part of a registered name. */
	EXPECT_ERR(ns_register("fs@2", local_fs), ERR_INVALID);
}

/* NAMEREM0003: alias=rfs:fs@2 makes "rfs" node 2's "fs"; nothing here
 * may register it; an alias to a node without a resolver is
 * unreachable. */
static void test_alias(void)
{
	unsigned before = fs_lookups;
	long got = ns_lookup("rfs", SECOND);

	EXPECT(got == (long)local_fs);
	EXPECT(fs_lookups == before + 1);
	EXPECT(!strcmp(last_name, "fs") && last_node == REMOTE_NODE);
	if (got > 0)
		uk_port_deallocate((uk_name_t)got);
	long p = uk_port_allocate(UK_RIGHT_RECEIVE);
	EXPECT(p > 0 && uk_port_insert_right((uk_name_t)p, UK_DISP_MAKE_SEND) >= 0);
	EXPECT_ERR(ns_register("rfs", (uk_name_t)p), ERR_EXISTS);
	EXPECT_ERR(ns_register("gone", (uk_name_t)p), ERR_EXISTS);
	if (p > 0)
		uk_port_destroy((uk_name_t)p);
	uint64_t t0 = now();
	EXPECT_ERR(ns_lookup("gone", 10 * SECOND), ERR_UNREACHABLE);
	EXPECT(now() - t0 < SECOND);
}

/* NAMEREM0004: NAME_LIST of node 2 is its resolver's answer; ours shows
 * the aliases and the resolver. */
static void test_list(void)
{
	static struct uk_name_entry e[UK_NAME_LIST_MAX];
	uint32_t total = 0;
	unsigned before = list_calls;

	long n = ns_list_node(REMOTE_NODE, 0, e, UK_NAME_LIST_MAX, &total);
	EXPECT(n == 2 && total == 2 && list_calls == before + 1);
	EXPECT(n == 2 && !strcmp(e[0].name, "fs") && !strcmp(e[1].name, "far-only") &&
	       e[1].node == REMOTE_NODE);
	n = ns_list_node(REMOTE_NODE, 1, e, UK_NAME_LIST_MAX, &total);
	EXPECT(n == 1 && !strcmp(e[0].name, "far-only"));
	EXPECT_ERR(ns_list_node(DEAD_NODE, 0, e, UK_NAME_LIST_MAX, &total),
		   ERR_UNREACHABLE);

	bool fs = false, rfs = false, gone = false, res = false;
	n = ns_list(0, e, UK_NAME_LIST_MAX, &total);
	EXPECT(n > 0);
	for (long i = 0; i < n; i++) {
		if (!strcmp(e[i].name, "fs") && !e[i].flags)
			fs = true;
		if (!strcmp(e[i].name, "rfs") && e[i].flags == UK_NAME_ENTRY_ALIAS &&
		    !strcmp(e[i].target, "fs") && e[i].node == REMOTE_NODE)
			rfs = true;
		if (!strcmp(e[i].name, "gone") && e[i].flags == UK_NAME_ENTRY_ALIAS &&
		    e[i].node == DEAD_NODE)
			gone = true;
		if ((e[i].flags & UK_NAME_ENTRY_RESOLVER) && e[i].node == REMOTE_NODE)
			res = true;
	}
	EXPECT(fs && rfs && gone && res);
}

static bool file_is(const char *path, const char *want)
{
	char buf[128];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return !strcmp(buf, want);
}

static bool dir_has(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	bool found = false;
	if (!d)
		return false;
	for (struct dirent *e; (e = readdir(d));)
		if (!strcmp(e->d_name, name))
			found = true;
	closedir(d);
	return found;
}

/* NAMEREM0005: files under /n/2/ through the adapter reach node 2's file
 * server (here: ours, through the resolver); what they write appears
 * under the plain path. */
static void test_n_paths(void)
{
	struct stat st;
	char cwd[128];

	rmdir("/nameremote/d");
	unlink("/nameremote/a.txt");
	unlink("/nameremote/b.txt");
	rmdir("/nameremote");
	EXPECT(mkdir("/n/2/nameremote", 0755) == 0);
	EXPECT(stat("/nameremote", &st) == 0 && S_ISDIR(st.st_mode));
	int fd = open("/n/2/nameremote/a.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	EXPECT(fd >= 0);
	EXPECT(write(fd, "via node 2\n", 11) == 11);
	EXPECT(close(fd) == 0);
	EXPECT(file_is("/nameremote/a.txt", "via node 2\n"));
	EXPECT(file_is("/n/2/nameremote/a.txt", "via node 2\n"));
	EXPECT(stat("/n/2/nameremote/a.txt", &st) == 0 && st.st_size == 11);
	EXPECT(dir_has("/n/2/nameremote", "a.txt"));
	EXPECT(dir_has("/n/2/", "nameremote"));
	/* /n/<this node>/ is the local server. */
	EXPECT(file_is("/n/1/nameremote/a.txt", "via node 2\n"));
	/* Within one node a rename works; across nodes it is EXDEV. */
	EXPECT(rename("/n/2/nameremote/a.txt", "/n/2/nameremote/b.txt") == 0);
	EXPECT(file_is("/nameremote/b.txt", "via node 2\n"));
	EXPECT_ERRNO(rename("/n/2/nameremote/b.txt", "/nameremote/c.txt"), EXDEV);
	EXPECT(mkdir("/n/2/nameremote/d", 0755) == 0);
	/* A working directory inside /n/2/. */
	EXPECT(chdir("/n/2/nameremote") == 0);
	EXPECT(getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, "/n/2/nameremote"));
	EXPECT(file_is("b.txt", "via node 2\n"));
	EXPECT(rmdir("d") == 0);
	EXPECT(stat("/nameremote/d", &st) == -1 && errno == ENOENT);
	EXPECT(chdir("/") == 0);
	EXPECT(unlink("/n/2/nameremote/b.txt") == 0);
	EXPECT(stat("/nameremote/b.txt", &st) == -1 && errno == ENOENT);
	EXPECT_ERRNO(open("/n/2/nameremote/missing", O_RDONLY), ENOENT);
	EXPECT(rmdir("/n/2/nameremote") == 0);
}

/* NAMEREM0006: the adapter keeps one right per node: a run of calls on
 * /n/2/ looks "fs" up there once at most. */
static void test_port_kept(void)
{
	struct stat st;
	unsigned before = fs_lookups;

	for (int i = 0; i < 5; i++)
		EXPECT(stat("/n/2/", &st) == 0 && S_ISDIR(st.st_mode));
	EXPECT(fs_lookups <= before + 1);
}

/* NAMEREM0007: a node nobody can reach is EHOSTUNREACH, at once. */
static void test_n_unreachable(void)
{
	struct stat st;
	uint64_t t0 = now();

	EXPECT_ERRNO(open("/n/3/x", O_RDONLY), EHOSTUNREACH);
	EXPECT_ERRNO(stat("/n/3/", &st), EHOSTUNREACH);
	EXPECT_ERRNO(mkdir("/n/3/d", 0755), EHOSTUNREACH);
	EXPECT(opendir("/n/3") == NULL && errno == EHOSTUNREACH);
	EXPECT_ERRNO(chdir("/n/3"), EHOSTUNREACH);
	EXPECT(now() - t0 < 2 * SECOND);
}

/* A lookup with the client's own deadline (ns_lookup waits as long as the
 * name server takes for a name of this node): a send right, or an error,
 * ERR_TIMED_OUT when the name server did not answer within deadline_ns. */
static long lookup_within(const char *name, uint64_t wait_ns,
			  uint64_t deadline_ns)
{
	union msg m;

	memset(&m.h, 0, sizeof(m.h));
	m.h.id = NAME_LOOKUP;
	m.h.dest = ns_port();
	struct uk_name_req *rq = uk_msg_body(&m.h);
	memset(rq, 0, sizeof(*rq));
	strlcpy(rq->name, name, sizeof(rq->name));
	rq->timeout_ns = wait_ns;
	m.h.size = sizeof(m.h) + sizeof(*rq);
	long rc = uk_ipc_call(&m.h, m.h.size, &m.h, sizeof(m), deadline_ns);
	if (rc < 0)
		return rc;
	const struct uk_rpc_status *st = uk_msg_body(&m.h);
	if (st->status < 0)
		return st->status;
	return m.h.n_ports == 1 ? (long)uk_msg_ports(&m.h)[0].name : -ERR_INVALID;
}

/* The entries of alias name in our list, in order: "fs@4 fs@3 ...". */
static void alias_targets(const char *name, char *out, size_t len)
{
	static struct uk_name_entry e[UK_NAME_LIST_MAX];
	uint32_t total = 0;
	size_t used = 0;

	out[0] = '\0';
	long n = ns_list(0, e, UK_NAME_LIST_MAX, &total);
	for (long i = 0; i < n; i++)
		if (e[i].flags == UK_NAME_ENTRY_ALIAS && !strcmp(e[i].name, name))
			used += (size_t)snprintf(out + used, len - used, "%s%s@%u",
						 used ? " " : "", e[i].target,
						 e[i].node);
}

/* NAMEREM0008: alias=fo:fs@4,fs@3,fs@2 asks its targets in order: node 4
 * does not answer (skipped after UK_NAME_ALIAS_TRY_NS), node 3 has no way
 * to it (at once), node 2 answers. Both failed ones are then down: the
 * next lookup asks node 2 first and is answered at once. */
static void test_alias_list_in_order(void)
{
	char targets[128];
	unsigned silent = silent_lookups, before = fs_lookups;

	alias_targets("fo", targets, sizeof(targets));
	EXPECT(!strcmp(targets, "fs@4 fs@3 fs@2"));
	uint64_t t0 = now();
	long got = lookup_within("fo", 0, 10 * SECOND);
	uint64_t ms = (now() - t0) / MS;
	printf("nameremote:   fo: node 2's fs after %lu ms, node 4 asked %u "
	       "times\n", (unsigned long)ms, silent_lookups - silent);
	EXPECT(got == (long)local_fs);
	EXPECT(silent_lookups == silent + 1 && fs_lookups == before + 1);
	EXPECT(ms * MS >= UK_NAME_ALIAS_TRY_NS - 50 * MS &&
	       ms * MS < UK_NAME_ALIAS_TRY_NS + SECOND);
	if (got > 0)
		uk_port_deallocate((uk_name_t)got);
	t0 = now();
	got = lookup_within("fo", 0, 10 * SECOND);
	ms = (now() - t0) / MS;
	printf("nameremote:   fo again: after %lu ms\n", (unsigned long)ms);
	EXPECT(got == (long)local_fs);
	EXPECT(silent_lookups == silent + 1 && ms < 300);
	if (got > 0)
		uk_port_deallocate((uk_name_t)got);
	release_held();
}

/* NAMEREM0009: alias=late:fs@5,fs@3: node 5 is reached but has no "fs"
 * for its first LATE_AFTER lookups. Without a wait the lookup says so at
 * once; with one, the round is asked again every UK_NAME_ALIAS_RETRY_NS
 * until node 5 has it. */
static void test_alias_waits_for_a_target(void)
{
	late_lookups = 0;
	uint64_t t0 = now();
	EXPECT_ERR(lookup_within("late", 0, 10 * SECOND), ERR_NOT_FOUND);
	EXPECT(late_lookups == 1 && now() - t0 < SECOND);
	t0 = now();
	long got = lookup_within("late", 5 * SECOND, 20 * SECOND);
	uint64_t ms = (now() - t0) / MS;
	printf("nameremote:   late: node 5's fs after %lu ms, %u lookups there\n",
	       (unsigned long)ms, late_lookups);
	EXPECT(got == (long)local_fs);
	EXPECT(late_lookups == LATE_AFTER + 1);
	EXPECT(ms * MS >= (LATE_AFTER - 1) * UK_NAME_ALIAS_RETRY_NS &&
	       ms < 3000);
	if (got > 0)
		uk_port_deallocate((uk_name_t)got);
}

/* NAMEREM0010: alias=quiet:fs@4, a node that never answers: the name
 * server answers the lookup itself (ERR_UNREACHABLE) within
 * UK_NAME_ALIAS_LAST_NS, and a wait does not make it try a node it
 * never reached again. */
static void test_alias_lookup_bounded(void)
{
	for (int i = 0; i < 2; i++) {
		uint64_t wait = i ? 2 * SECOND : 0;
		uint64_t t0 = now();
		long got = lookup_within("quiet", wait, 20 * SECOND);
		uint64_t ms = (now() - t0) / MS;
		printf("nameremote:   quiet (wait %lu ms): %s after %lu ms\n",
		       (unsigned long)(wait / MS), err_name(got), (unsigned long)ms);
		EXPECT_ERR(got, ERR_UNREACHABLE);
		EXPECT(ms * MS < wait + UK_NAME_ALIAS_BOUND_NS);
		if (got > 0)
			uk_port_deallocate((uk_name_t)got);
	}
	release_held();
}

/* NAMEREM0011: an alias holds at most UK_NAME_ALIAS_TARGETS names:
 * alias=big:a@2,a@3,a@4,a@5,a@6 keeps the first four and init says the
 * fifth was refused. */
static void test_alias_list_bounded(void)
{
	char targets[256];

	alias_targets("big", targets, sizeof(targets));
	printf("nameremote:   big: %s\n", targets);
	EXPECT(!strcmp(targets, "a@2 a@3 a@4 a@5"));
}

/* NAMEREM0012: a lookup of an alias in progress is a waiting lookup of
 * its client: with UK_NAME_CLIENT_WAITERS of them at node 4, the next is
 * refused (ERR_LIMIT) at once, and each of them is answered in time. */
static void test_alias_lookups_limited(void)
{
	union msg m;
	long reply = uk_port_allocate(UK_RIGHT_RECEIVE);
	unsigned sent = 0, answered = 0;

	EXPECT(reply > 0);
	if (reply <= 0)
		return;
	for (unsigned i = 0; i < UK_NAME_CLIENT_WAITERS; i++) {
		memset(&m.h, 0, sizeof(m.h));
		m.h.id = NAME_LOOKUP;
		m.h.dest = ns_port();
		m.h.reply = (uk_name_t)reply;
		m.h.reply_disposition = UK_DISP_MAKE_SEND_ONCE;
		struct uk_name_req *rq = uk_msg_body(&m.h);
		memset(rq, 0, sizeof(*rq));
		strlcpy(rq->name, "quiet", sizeof(rq->name));
		rq->timeout_ns = 0;
		m.h.size = sizeof(m.h) + sizeof(*rq);
		if (uk_ipc_send(&m.h, m.h.size, SECOND) == 0)
			sent++;
	}
	EXPECT(sent == UK_NAME_CLIENT_WAITERS);
	uint64_t t0 = now();
	EXPECT_ERR(lookup_within("quiet", 0, 10 * SECOND), ERR_LIMIT);
	EXPECT_ERR(lookup_within("fo", 0, 10 * SECOND), ERR_LIMIT);
	EXPECT(now() - t0 < SECOND);
	while (answered < sent &&
	       uk_ipc_receive((uk_name_t)reply, &m.h, sizeof(m),
			      UK_NAME_ALIAS_BOUND_NS + SECOND) >= 0) {
		const struct uk_rpc_status *st = uk_msg_body(&m.h);
		EXPECT(st->status == -ERR_UNREACHABLE);
		answered++;
	}
	printf("nameremote:   %u lookups of quiet at node 4, %u answered after "
	       "%lu ms\n", sent, answered, (unsigned long)((now() - t0) / MS));
	EXPECT(answered == sent);
	uk_port_destroy((uk_name_t)reply);
	release_held();
	/* The slots are free again. */
	long got = lookup_within("fo", 0, 10 * SECOND);
	EXPECT(got == (long)local_fs);
	if (got > 0)
		uk_port_deallocate((uk_name_t)got);
}

struct test {
	const char *id, *name;
	void (*run)(void);
};

static const struct test tests[] = {
    {"NAMEREM0001", "name_at_node_asks_that_nodes_resolver", test_name_at_node},
    {"NAMEREM0002", "unreachable_and_malformed_fail_at_once",
     test_unreachable_and_malformed},
    {"NAMEREM0003", "alias_is_the_remote_name", test_alias},
    {"NAMEREM0004", "list_of_another_node_and_aliases", test_list},
    {"NAMEREM0005", "n_paths_reach_that_nodes_fs", test_n_paths},
    {"NAMEREM0006", "one_fs_right_per_node", test_port_kept},
    {"NAMEREM0007", "n_unreachable_is_ehostunreach", test_n_unreachable},
    {"NAMEREM0008", "alias_list_asked_in_order", test_alias_list_in_order},
    {"NAMEREM0009", "alias_waits_for_a_target", test_alias_waits_for_a_target},
    {"NAMEREM0010", "alias_lookup_bounded_in_time", test_alias_lookup_bounded},
    {"NAMEREM0011", "alias_list_bounded", test_alias_list_bounded},
    {"NAMEREM0012", "alias_lookups_count_as_waits",
     test_alias_lookups_limited},
};

static bool selected(const char *id, int argc, char **argv)
{
	if (argc < 2)
		return true;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], id))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	unsigned passed = 0, failed = 0;

	if (start_resolver() < 0) {
		printf("nameremote: 0 passed, 1 failed\n");
		return 1;
	}
	for (unsigned i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		const struct test *t = &tests[i];
		if (!selected(t->id, argc, argv))
			continue;
		failures_in_test = 0;
		t->run();
		printf("nameremote: %s %s %s\n", t->id, t->name,
		       failures_in_test ? "FAILED" : "ok");
		if (failures_in_test)
			failed++;
		else
			passed++;
	}
	printf("nameremote: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
