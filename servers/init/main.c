/* SPDX-License-Identifier: MIT */
/*
 * init: the first task, started by the kernel from the first file of the
 * boot archive, which the kernel maps read-only into init. It starts the
 * other programs from the archive:
 *   - test=PROGRAM[:ARG,ARG...] runs bin/PROGRAM with those arguments,
 *     waits for it (deadline timeout=SECONDS, default 600) and exits with
 *     its status, which powers off the machine in test mode;
 *   - otherwise every "service NAME ..." line of etc/init.conf is started
 *     as bin/NAME, then each NAME of servers=NAME,NAME... (the cluster
 *     configuration chooses these per node), and init collects orphans
 *     forever, restarting services that crash or are killed.
 * The name server (bin/name) always starts first: init makes its admin
 * port, gives it the receive right and keeps the only send right. Every
 * other program init starts gets a client port of its own as
 * uk_startup.rights[0] (its bootstrap right), made through the admin port
 * before the program runs; then init reserves the names the configuration
 * gives the program, lets it see the private names of the services it
 * +uses, and binds "dev.claim" for it to a claim port of the device server
 * that allows exactly its +dev devices (docs/ARCHITECTURE.md, "Protection
 * model"). Test programs and "+hw" services also get hardware
 * capabilities at rights[1..3]: for each instance, children of init's roots
 * (init keeps them) and below them the program's, so that init revokes
 * everything that instance had, gave away or derived when it ends. When
 * the device server ends, every claim dies with its capabilities: init
 * kills the running +dev services, restarts dev, then starts them again
 * so they claim from the new one. In test mode only the services of
 * with=NAME,NAME... are started before the test, and a test program whose
 * line says +inittest gets init's test port "init.test" (test_port.c).
 * alias=NAME:NAME@NODE[,...] on the kernel command line (per node: the
 * cluster's "args") makes NAME on this node stand for a name on another
 * node (NAME_ADMIN_ALIAS); a NAME@NODE without "NAME:" adds a fallback to
 * the alias before it (alias=echo:pxecho@2,pxecho@3). init tells the name
 * server before any service starts, so no local program ever holds an
 * aliased name.
 * standby=NAME@NODE[,...] (outside test mode) makes this node the standby
 * of the program that owns NAME (its +name=): a thread of init per standby
 * watches NAME on NODE (a lookup through the proxy, then a dead-name
 * notice on the right) and, once the primary it has reached is gone,
 * starts that program here as a service (docs/ARCHITECTURE.md,
 * "Standbys"). Until then NAME is reserved for nobody, like the names of
 * every configured program that does not run.
 *
 * Threads: the main thread (wait_task, restarts), test_port.c's thread
 * (which only kills) and the standby watchers. state_lock guards init's
 * tables (services[], their names at the name server) and its standard
 * output: the main thread holds it to handle an ended child, a watcher to
 * print and to start its program. Nothing else is taken while it is held,
 * and it is never held across a wait for another node.
 */
#include <cmdline.h>
#include <cpio.h>
#include <string.h>
#include <ulib.h>
#include <uk/proto/dev.h>
#include <uk/proto/name.h>

#include "standby.h"
#include "test_port.h"

#define MAX_ARGS 16
#define MAX_SERVICES 24u
#define RESTART_WINDOW_NS (10ull * 1000000000ull)
#define RESTART_MAX 5u
#define MAX_NAMES 4u
#define MAX_USES 4u
#define DEV_ADMIN_WAIT_NS (10ull * 1000000000ull)
#define ADMIN_CALL_NS (10ull * 1000000000ull) /* deadline of one admin call */
#define KILL_WAIT_NS (5ull * 1000000000ull)
#define HW_ROOTS 3u /* rights[UK_STARTUP_HW_IO..UK_STARTUP_HW_IRQ] */

static const void *archive;
static size_t archive_len;
static uk_name_t name_admin; /* our send right to the name server's admin port */
static uk_name_t dev_admin;  /* the device server's admin port, once found */
static uk_name_t test_port;  /* send right to init.test, in test mode only */

struct service {
	char name[24];
	char args[160];	 /* space-separated */
	bool hw;	 /* gets hardware capabilities at rights[1..3] */
	bool restart;	 /* restarted when it crashes or is killed */
	bool wanted;	 /* started in this boot */
	bool program;	 /* a "program" line: started only when asked for */
	bool resolver;	 /* may register name resolvers */
	bool inittest;	 /* may use init.test, if it is the test program */
	bool test;	 /* the test program of this boot (test=) */
	bool cycle;	 /* killed for a new dev, to be started again */
	bool standby;	 /* stands by for a primary on another node */
	unsigned mcp;	 /* highest priority it may give (+mcp=N; default 16) */
	uint64_t quota;	 /* +quota: bytes of kernel memory of its own, 0: ours */
	char names[MAX_NAMES][UK_NAME_MAX]; /* system names it owns */
	bool private_name[MAX_NAMES];	    /* seen only by its +use clients */
	unsigned n_names;
	char uses[MAX_USES][24]; /* services whose private names it sees */
	unsigned n_uses;
	char hosts[24];	 /* +hosts=N: it also gets N.KEY=VALUE words */
	struct uk_dev_spec devs[UK_DEV_SPECS_MAX]; /* what it may claim */
	unsigned n_devs;
	uint32_t client;   /* its client id at the name server, 0 if none */
	uk_name_t bootstrap; /* send right to its client port, until spawned */
	uk_name_t hw_caps[HW_ROOTS]; /* this instance's children of our roots */
	uint64_t task;	 /* running task, 0 if none */
	uint64_t window_start;
	unsigned restarts;
};
static struct service services[MAX_SERVICES];
static unsigned n_services;

static int state_lock;

static void lock(void)
{
	while (__atomic_exchange_n(&state_lock, 1, __ATOMIC_ACQUIRE))
		uk_yield();
}

static void unlock(void)
{
	__atomic_store_n(&state_lock, 0, __ATOMIC_RELEASE);
}

static long start_program_rights(const char *path, const char *const argv[],
				 unsigned mcp, uint64_t quota,
				 const struct uk_task_right *rights,
				 unsigned n_rights)
{
	struct cpio_entry e;
	int rc = cpio_find(archive, archive_len, path, &e);

	if (rc != CPIO_ENTRY) {
		printf("init: %s is not in the boot archive (status %d)\n", path, rc);
		return -ERR_NOT_FOUND;
	}
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	/* A program may not freeze the node: it runs at the default priority
	 * and can give no thread or child more than its MCP. */
	int priority = mcp < UK_PRIORITY_DEFAULT ? (int)mcp : UK_PRIORITY_DEFAULT;
	long id = spawn_image_quota(e.data, e.size, name, argv, priority, mcp,
				    quota, rights, n_rights);
	if (id < 0)
		printf("init: cannot start %s: %s\n", path, err_str(id));
	return id;
}

/* Revoke what the instance of s that ended (or failed to start) had of
 * the hardware: its capabilities, copies it gave away, and everything
 * derived from them in any task (a device server's claims included). */
static void hw_revoke(struct service *s)
{
	for (unsigned i = 0; i < HW_ROOTS; i++) {
		if (!s->hw_caps[i])
			continue;
		long rc = uk_cap_revoke(s->hw_caps[i]);
		if (rc < 0)
			printf("init: cannot revoke %s's hardware capability %u: %s\n",
			       s->name, i, err_str(rc));
		uk_port_deallocate(s->hw_caps[i]);
		s->hw_caps[i] = 0;
	}
}

/* Hardware capabilities for one instance of s, in r[] as rights[1..3]:
 * for each of our roots a child that we keep (s->hw_caps) and, below it,
 * the grandchild the program gets, covering the same range. Revoking the
 * child (hw_revoke) kills the program's capability itself, not only what
 * it derived. Returns how many rights it put in r. */
static unsigned hw_instance(struct service *s, struct uk_task_right *r)
{
	const struct uk_startup *su = uk_startup_info;
	unsigned n = 0;

	hw_revoke(s);
	for (unsigned i = 0; i < HW_ROOTS; i++) {
		unsigned slot = UK_STARTUP_HW_IO + i;
		struct uk_hw_info info;
		long child = -ERR_BAD_NAME;
		if (slot < su->n_rights && su->rights[slot] &&
		    uk_cap_info(su->rights[slot], &info) == 0)
			child = uk_cap_derive(su->rights[slot], info.base, info.size);
		long given = child > 0 ? uk_cap_derive((uk_name_t)child, info.base, info.size)
				       : child;
		if (given < 0) {
			/* The rest would land in the wrong slots: stop here. */
			printf("init: no hardware capability %u for %s: %s\n", i, s->name,
			       err_str(given));
			if (child > 0)
				uk_port_deallocate((uk_name_t)child);
			break;
		}
		s->hw_caps[i] = (uk_name_t)child;
		r[n++] = (struct uk_task_right){ (uk_name_t)given, UK_DISP_COPY_HARDWARE };
	}
	return n;
}

/* The name server gets the receive right of the admin port; init keeps
 * the only send right. */
static int start_name_server(const char *node)
{
	static char node_arg[32];
	long port = uk_port_allocate(UK_RIGHT_RECEIVE);

	if (port <= 0) {
		printf("init: cannot make the name server's port: %s\n", err_str(port));
		return -1;
	}
	long send = uk_port_insert_right((uk_name_t)port, UK_DISP_MAKE_SEND);
	if (send < 0) {
		printf("init: cannot make the admin right: %s\n", err_str(send));
		return -1;
	}
	snprintf(node_arg, sizeof(node_arg), "node=%s", node);
	const char *argv[] = { "name", node_arg, NULL };
	struct uk_task_right r = { (uk_name_t)port, UK_DISP_MOVE_RECEIVE };
	long id = start_program_rights("bin/name", argv, UK_PRIORITY_DEFAULT,
				       SPAWN_QUOTA_SHARED, &r, 1);
	if (id < 0)
		return -1;
	name_admin = (uk_name_t)port;
	return 0;
}

union admin_buf {
	struct uk_msg_header h;
	uint8_t bytes[sizeof(struct uk_msg_header) + 2 * sizeof(struct uk_msg_port) +
		      sizeof(struct uk_rpc_status) + 512];
	uint64_t align_;
};

/* One call to an admin port: body of len bytes and at most one right.
 * Returns the reply status (or a call error); the reply stays in b. */
static long admin_call(union admin_buf *b, uk_name_t dest, uint32_t id,
		       const void *body, size_t len, uk_name_t right,
		       uint32_t disposition, uint64_t timeout_ns)
{
	memset(&b->h, 0, sizeof(b->h) + sizeof(struct uk_msg_port));
	b->h.id = id;
	b->h.dest = dest;
	if (right) {
		b->h.n_ports = 1;
		uk_msg_ports(&b->h)[0] = (struct uk_msg_port){ right, disposition };
	}
	memcpy(uk_msg_body(&b->h), body, len);
	b->h.size = (uint32_t)((uint8_t *)uk_msg_body(&b->h) + len - b->bytes);
	long rc = uk_ipc_call(&b->h, b->h.size, &b->h, sizeof(*b), timeout_ns);
	if (rc < 0)
		return rc;
	if (b->h.id != id || uk_msg_body_len(&b->h) < sizeof(struct uk_rpc_status))
		return -ERR_INVALID;
	return ((const struct uk_rpc_status *)uk_msg_body(&b->h))->status;
}

static long name_admin_op(uint32_t id, const char *name, uint32_t client,
			  uint32_t flags, uk_name_t right, uint32_t disposition)
{
	union admin_buf b;
	struct uk_name_admin_req rq;

	memset(&rq, 0, sizeof(rq));
	strlcpy(rq.name, name, sizeof(rq.name));
	rq.client = client;
	rq.flags = flags;
	long rc = admin_call(&b, name_admin, id, &rq, sizeof(rq), right, disposition,
			     ADMIN_CALL_NS);
	if (rc == 0 && id == NAME_ADMIN_CLIENT) {
		if (uk_msg_body_len(&b.h) < sizeof(struct uk_rpc_status) +
						    sizeof(struct uk_name_admin_reply))
			return -ERR_INVALID;
		const struct uk_name_admin_reply *r =
			(const void *)((const uint8_t *)uk_msg_body(&b.h) +
				       sizeof(struct uk_rpc_status));
		return r->client;
	}
	return rc;
}

/* alias=NAME:TARGET@NODE,...: each alias to the name server; a word
 * without "NAME:" is one more target of the alias before it, asked when
 * the earlier ones do not resolve. A bad one is reported and skipped; the
 * others still count. */
static void set_aliases(const char *list)
{
	static char buf[256];
	char last[UK_NAME_MAX] = "";

	strlcpy(buf, list, sizeof(buf));
	char *save = NULL;
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		union admin_buf b;
		struct uk_name_alias_req rq;
		char *colon = strchr(w, ':');
		const char *target = colon ? colon + 1 : w;
		long rc = -ERR_INVALID;

		memset(&rq, 0, sizeof(rq));
		if (colon && (size_t)(colon - w) < sizeof(rq.name)) {
			memcpy(rq.name, w, (size_t)(colon - w));
		} else if (!colon && last[0]) {
			strlcpy(rq.name, last, sizeof(rq.name));
			rq.flags = UK_NAME_ALIAS_FALLBACK;
		}
		if (rq.name[0]) {
			rc = ns_name_split(target, rq.target, &rq.node);
			if (rc == 0 && rq.node == 0)
				rc = -ERR_INVALID; /* NAME@NODE, the node is needed */
		}
		if (rc == 0)
			rc = admin_call(&b, name_admin, NAME_ADMIN_ALIAS, &rq,
					sizeof(rq), 0, 0, ADMIN_CALL_NS);
		if (colon)
			strlcpy(last, rc < 0 ? "" : rq.name, sizeof(last));
		if (rc < 0)
			printf("init: alias %s: %s (expected NAME:NAME@NODE, another "
			       "node, then at most %u NAME@NODE in all)\n",
			       w, err_str(rc), UK_NAME_ALIAS_TARGETS);
		else if (rq.flags)
			printf("init: %s falls back to %s@%u\n", rq.name, rq.target,
			       rq.node);
		else
			printf("init: %s is %s@%u\n", rq.name, rq.target, rq.node);
	}
}

static struct service *find_service(const char *name);

/* The device server's admin port, found once through our admin right
 * (the name is private: nobody else sees it). */
static uk_name_t find_dev_admin(void)
{
	union admin_buf b;
	struct uk_name_req rq;
	const struct service *dev = find_service("dev");

	if (dev_admin || !dev || !dev->task)
		return dev_admin;
	memset(&rq, 0, sizeof(rq));
	strlcpy(rq.name, "dev.admin", sizeof(rq.name));
	rq.timeout_ns = DEV_ADMIN_WAIT_NS;
	long rc = admin_call(&b, name_admin, NAME_LOOKUP, &rq, sizeof(rq), 0, 0,
			     DEV_ADMIN_WAIT_NS + ADMIN_CALL_NS);
	if (rc == 0 && b.h.n_ports == 1)
		dev_admin = uk_msg_ports(&b.h)[0].name;
	else
		printf("init: no device server admin port: %s\n", err_str(rc));
	return dev_admin;
}

/* Is name a system name of a wanted service other than s? */
static bool owned_by_other(const struct service *s, const char *name)
{
	for (unsigned i = 0; i < n_services; i++)
		for (unsigned j = 0; services[i].wanted && &services[i] != s &&
				     j < services[i].n_names; j++)
			if (!strcmp(services[i].names[j], name))
				return true;
	return false;
}

/* Pass 1 of a start: a client port for s and its reserved names. A
 * previous instance's names move to the new client. */
static int prepare(struct service *s)
{
	long port = uk_port_allocate(UK_RIGHT_RECEIVE);

	if (port <= 0)
		return (int)(port ? port : -ERR_NO_MEMORY);
	long rc = uk_port_insert_right((uk_name_t)port, UK_DISP_MAKE_SEND);
	if (rc >= 0)
		rc = name_admin_op(NAME_ADMIN_CLIENT, "", 0,
				   s->resolver ? UK_NAME_CLIENT_RESOLVER : 0,
				   (uk_name_t)port, UK_DISP_MOVE_RECEIVE);
	if (rc <= 0) {
		printf("init: no client port for %s: %s\n", s->name, err_str(rc));
		uk_port_destroy((uk_name_t)port);
		return rc < 0 ? (int)rc : -ERR_INVALID;
	}
	if (s->bootstrap)
		uk_port_deallocate(s->bootstrap);
	s->bootstrap = (uk_name_t)port;
	s->client = (uint32_t)rc;
	for (unsigned i = 0; i < s->n_names; i++) {
		if (owned_by_other(s, s->names[i]))
			continue;
		rc = name_admin_op(NAME_ADMIN_RESERVE, s->names[i], s->client,
				   s->private_name[i] ? UK_NAME_PRIVATE : 0, 0, 0);
		if (rc < 0)
			printf("init: cannot reserve %s for %s: %s\n", s->names[i],
			       s->name, err_str(rc));
	}
	return 0;
}

/* A claim port of the device server that allows exactly s's devices,
 * bound as "dev.claim" for s's client only (replacing an earlier one). */
static void bind_claim_port(const struct service *s)
{
	union admin_buf b;

	if (!s->n_devs || !find_dev_admin())
		return;
	long port = uk_port_allocate(UK_RIGHT_RECEIVE);
	long rc = port > 0 ? uk_port_insert_right((uk_name_t)port, UK_DISP_MAKE_SEND)
			   : (port ? port : -ERR_NO_MEMORY);
	if (rc >= 0)
		rc = admin_call(&b, dev_admin, DEV_ADMIN_DRIVER, s->devs,
				s->n_devs * sizeof(s->devs[0]), (uk_name_t)port,
				UK_DISP_MOVE_RECEIVE, ADMIN_CALL_NS);
	if (rc >= 0)
		rc = name_admin_op(NAME_ADMIN_BIND, "dev.claim", s->client, 0,
				   (uk_name_t)port, UK_DISP_MOVE_SEND);
	else if (port > 0)
		uk_port_destroy((uk_name_t)port);
	if (rc < 0)
		printf("init: no device claim right for %s: %s\n", s->name, err_str(rc));
}

/* Pass 2: what s may see and claim. */
static void grant(struct service *s)
{
	for (unsigned u = 0; u < s->n_uses; u++) {
		const struct service *t = find_service(s->uses[u]);
		for (unsigned i = 0; t && t->wanted && i < t->n_names; i++) {
			long rc = name_admin_op(NAME_ADMIN_ALLOW, t->names[i], s->client,
						0, 0, 0);
			if (rc < 0)
				printf("init: %s cannot be given %s: %s\n", s->name,
				       t->names[i], err_str(rc));
		}
	}
	/* init.test exists in test mode only, and only the test program
	 * whose line says +inittest sees it. */
	if (s->test && s->inittest && test_port) {
		long rc = name_admin_op(NAME_ADMIN_BIND, "init.test", s->client, 0,
					test_port, UK_DISP_COPY_SEND);
		if (rc < 0)
			printf("init: cannot bind init.test for %s: %s\n", s->name,
			       err_str(rc));
	}
	bind_claim_port(s);
}

/* Start path with s's bootstrap right and, for +hw, this instance's
 * hardware capabilities (our names for them are dropped once the program
 * has its copies; their parents stay in s->hw_caps until it ends). */
static long spawn(struct service *s, const char *path, const char *const argv[])
{
	struct uk_task_right r[UK_TASK_RIGHTS_MAX];
	unsigned n = 0;
	long id;

	if (!s->bootstrap && prepare(s) < 0)
		return -ERR_INVALID;
	grant(s);
	r[n++] = (struct uk_task_right){ s->bootstrap, UK_DISP_MOVE_SEND };
	if (s->hw)
		n += hw_instance(s, &r[n]);
	id = start_program_rights(path, argv, s->mcp, s->quota, r, n);
	for (unsigned i = 1; i < n; i++)
		uk_port_deallocate(r[i].name);
	if (id < 0) {
		uk_port_deallocate(s->bootstrap); /* the client ends with it */
		hw_revoke(s);
	}
	s->bootstrap = 0;
	return id;
}

static long start_service(struct service *s)
{
	static char buf[160], cmd[512], path[64];
	const char *argv[MAX_ARGS + 1];
	int argc = 0;

	strlcpy(buf, s->args, sizeof(buf));
	argv[argc++] = s->name;
	char *save = NULL;
	for (char *w = strtok_r(buf, " ", &save); w && argc < MAX_ARGS;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	/* NAME.KEY=VALUE on the kernel command line is KEY=VALUE for the
	 * service NAME, after its init.conf arguments (so it wins where the
	 * service takes the last one): per node, from the cluster's args,
	 * without another boot archive (proxy.deadline=300). A service that
	 * +hosts=H another one's code (netd the proxy's) gets H.KEY=VALUE
	 * words too, whole. */
	size_t n = strlen(s->name), hn = strlen(s->hosts);
	strlcpy(cmd, cmdline() ? cmdline() : "", sizeof(cmd));
	save = NULL;
	for (char *w = strtok_r(cmd, " ", &save); w && argc < MAX_ARGS;
	     w = strtok_r(NULL, " ", &save))
		if (!strncmp(w, s->name, n) && w[n] == '.' && strchr(w + n + 1, '='))
			argv[argc++] = w + n + 1;
		else if (hn && !strncmp(w, s->hosts, hn) && w[hn] == '.' &&
			 strchr(w + hn + 1, '='))
			argv[argc++] = w;
	argv[argc] = NULL;
	snprintf(path, sizeof(path), "bin/%s", s->name);
	long id = spawn(s, path, argv);
	s->task = id > 0 ? (uint64_t)id : 0;
	return id;
}

static struct service *find_service(const char *name)
{
	for (unsigned i = 0; i < n_services; i++)
		if (!strcmp(services[i].name, name))
			return &services[i];
	return NULL;
}

static struct service *add_service(const char *name)
{
	struct service *found = find_service(name);

	if (found)
		return found;
	if (n_services == MAX_SERVICES || strlen(name) >= sizeof(services[0].name))
		return NULL;
	struct service *s = &services[n_services++];
	memset(s, 0, sizeof(*s));
	strlcpy(s->name, name, sizeof(s->name));
	s->restart = true;
	s->mcp = UK_PRIORITY_DEFAULT;
	return s;
}

/* "+dev=" values: VVVV:DDDD (PCI ids, hex), class:CC[:SS] (PCI class,
 * hex) or a device name as the device server reports it (com1). */
static bool parse_dev_spec(const char *v, struct uk_dev_spec *d)
{
	char *end;

	memset(d, 0, sizeof(*d));
	d->vendor = d->device = d->class_code = d->subclass = UK_DEV_ANY;
	if (!strncmp(v, "class:", 6)) {
		d->class_code = (uint16_t)strtoul(v + 6, &end, 16);
		if (end == v + 6 || d->class_code > 0xff)
			return false;
		if (*end == ':')
			d->subclass = (uint16_t)strtoul(end + 1, &end, 16);
		return *end == '\0';
	}
	unsigned long vendor = strtoul(v, &end, 16);
	if (end != v && *end == ':') {
		const char *dev = end + 1;
		unsigned long device = strtoul(dev, &end, 16);
		if (end == dev || *end || vendor > 0xfffe || device > 0xfffe)
			return false;
		d->vendor = (uint16_t)vendor;
		d->device = (uint16_t)device;
		return true;
	}
	if (!*v || strlen(v) >= sizeof(d->name))
		return false;
	strlcpy(d->name, v, sizeof(d->name));
	return true;
}

static bool option(struct service *s, const char *w)
{
	if (!strcmp(w, "+hw")) {
		s->hw = true;
	} else if (!strcmp(w, "+once")) {
		s->restart = false;
	} else if (!strcmp(w, "+resolver")) {
		s->resolver = true;
	} else if (!strcmp(w, "+inittest")) {
		s->inittest = true;
	} else if (!strncmp(w, "+mcp=", 5)) {
		char *end;
		unsigned long v = strtoul(w + 5, &end, 10);
		if (end == w + 5 || *end || v > UK_PRIORITY_MAX)
			return false;
		s->mcp = (unsigned)v;
	} else if (!strncmp(w, "+quota=", 7)) {
		/* A percentage is of all memory: init's account. */
		struct uk_kinfo_account a;
		if (uk_kinfo(UK_KINFO_ACCOUNT, &a, sizeof(a)) < 0 ||
		    cmdline_parse_size(w + 7, a.limit, &s->quota) != CMDLINE_FOUND ||
		    !s->quota)
			return false;
	} else if (!strncmp(w, "+name=", 6) || !strncmp(w, "+private=", 9)) {
		bool priv = w[1] == 'p';
		const char *n = w + (priv ? 9 : 6);
		if (s->n_names == MAX_NAMES || !*n || strlen(n) >= UK_NAME_MAX)
			return false;
		strlcpy(s->names[s->n_names], n, UK_NAME_MAX);
		s->private_name[s->n_names++] = priv;
	} else if (!strncmp(w, "+use=", 5)) {
		if (s->n_uses == MAX_USES || !w[5] || strlen(w + 5) >= sizeof(s->uses[0]))
			return false;
		strlcpy(s->uses[s->n_uses++], w + 5, sizeof(s->uses[0]));
	} else if (!strncmp(w, "+hosts=", 7)) {
		if (!w[7] || strlen(w + 7) >= sizeof(s->hosts))
			return false;
		strlcpy(s->hosts, w + 7, sizeof(s->hosts));
	} else if (!strncmp(w, "+dev=", 5)) {
		return s->n_devs < UK_DEV_SPECS_MAX &&
		       parse_dev_spec(w + 5, &s->devs[s->n_devs++]);
	} else {
		return false;
	}
	return true;
}

/* etc/init.conf: "service NAME [+OPTION...] [ARG...]" lines, in start
 * order, and "program NAME [+OPTION...]" lines (the same rights for a
 * program started only by servers= or test=); '#' starts a comment. */
static void read_config(void)
{
	struct cpio_entry e;
	static char line[256];

	if (cpio_find(archive, archive_len, "etc/init.conf", &e) != CPIO_ENTRY)
		return;
	const char *p = e.data, *end = p + e.size;
	unsigned lineno = 0;
	while (p < end) {
		size_t n = 0;
		while (p < end && *p != '\n' && n + 1 < sizeof(line))
			line[n++] = *p++;
		while (p < end && *p != '\n')
			p++;
		p++;
		lineno++;
		line[n] = '\0';
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *save = NULL, *w = strtok_r(line, " \t", &save);
		if (!w)
			continue;
		bool program = !strcmp(w, "program");
		char *name = strcmp(w, "service") && !program ? NULL
							      : strtok_r(NULL, " \t", &save);
		struct service *s = name ? add_service(name) : NULL;
		if (!s) {
			printf("init: etc/init.conf line %u: expected \"service NAME "
			       "[+OPTION...] [ARG...]\" (at most %u services)\n",
			       lineno, MAX_SERVICES);
			continue;
		}
		s->program = program;
		while ((w = strtok_r(NULL, " \t", &save))) {
			if (w[0] == '+') {
				if (!option(s, w))
					printf("init: etc/init.conf line %u: bad or too "
					       "many %s\n", lineno, w);
			} else if (strlen(s->args) + strlen(w) + 2 < sizeof(s->args)) {
				if (s->args[0])
					strcat(s->args, " ");
				strcat(s->args, w);
			}
		}
	}
}

/* Mark the services of a comma-separated list; names not in init.conf
 * become plain services. */
static void want_list(const char *list)
{
	static char buf[256];

	strlcpy(buf, list, sizeof(buf));
	char *save = NULL;
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		struct service *s = add_service(w);
		if (s)
			s->wanted = true;
		else
			printf("init: too many services; %s is not started\n", w);
	}
}

/* Every wanted service's names are reserved before any of them runs, so
 * a +use may name a service that starts later. */
static void start_wanted(void)
{
	for (unsigned i = 0; i < n_services; i++)
		if (services[i].wanted)
			prepare(&services[i]);
	/* The names of configured programs that do not run are nobody's:
	 * no task can take "proxy" on a node without the proxy. */
	for (unsigned i = 0; i < n_services; i++)
		for (unsigned j = 0; !services[i].wanted && j < services[i].n_names; j++)
			if (!owned_by_other(&services[i], services[i].names[j]))
				name_admin_op(NAME_ADMIN_RESERVE, services[i].names[j], 0,
					      services[i].private_name[j] ? UK_NAME_PRIVATE : 0,
					      0, 0);
	for (unsigned i = 0; i < n_services; i++)
		if (services[i].wanted)
			start_service(&services[i]);
}

/* The device server is gone, and with its capabilities (hw_revoke) every
 * claim: no driver reaches its device any more. Kill the running drivers
 * (services with +dev) before the new dev starts; restart_drivers starts
 * them again once it runs, so they claim from it. */
static void stop_drivers(void)
{
	if (dev_admin)
		uk_port_deallocate(dev_admin); /* the old one died with it */
	dev_admin = 0;
	for (unsigned i = 0; i < n_services; i++) {
		struct service *t = &services[i];
		if (!t->task || !t->n_devs || t->test)
			continue;
		struct uk_exit_status st;
		if (uk_task_kill(t->task) == 0)
			wait_task(t->task, &st, KILL_WAIT_NS);
		t->task = 0;
		t->cycle = true;
	}
}

/* After a new dev started: the drivers stop_drivers killed start again (a
 * restart init chose, not counted against the service), and the test
 * program, which init does not restart, gets a claim port of the new dev
 * under its "dev.claim". */
static void restart_drivers(void)
{
	for (unsigned i = 0; i < n_services; i++) {
		struct service *t = &services[i];
		if (t->cycle) {
			t->cycle = false;
			if (start_service(t) > 0)
				printf("init: restarted %s for the new dev\n", t->name);
		} else if (t->test && t->task) {
			bind_claim_port(t);
		}
	}
}

/* A child ended: its hardware capabilities are revoked; restart it if it
 * is a service that crashed or was killed, at most RESTART_MAX times in
 * RESTART_WINDOW_NS. */
static void child_ended(const struct uk_exit_status *st)
{
	for (unsigned i = 0; i < n_services; i++) {
		struct service *s = &services[i];
		if (s->task != st->task)
			continue;
		s->task = 0;
		hw_revoke(s);
		if (st->reason == UK_EXIT_NORMAL) {
			printf("init: %s exited with code %ld\n", s->name, st->code);
			return;
		}
		printf("init: %s %s (vector %u at %lx)\n", s->name,
		       st->reason == UK_EXIT_FAULT ? "crashed" : "was killed",
		       st->vector, st->fault_ip);
		if (!s->restart)
			return;
		uint64_t now = uk_clock();
		if (now - s->window_start > RESTART_WINDOW_NS) {
			s->window_start = now;
			s->restarts = 0;
		}
		if (++s->restarts > RESTART_MAX) {
			printf("init: %s failed %u times in %lu s; not restarting it\n",
			       s->name, RESTART_MAX,
			       (unsigned long)(RESTART_WINDOW_NS / 1000000000ull));
			return;
		}
		bool dev = !strcmp(s->name, "dev");
		if (dev)
			stop_drivers();
		if (start_service(s) > 0)
			printf("init: restarted %s\n", s->name);
		if (dev)
			restart_drivers();
		return;
	}
}

/* init.test's INIT_TEST_KILL (test_port.c, on its own thread): kill a
 * running service; its end reaches wait_task like any other. */
static long kill_service(const char *name)
{
	const struct service *s = find_service(name);
	uint64_t task = s && !s->test ? s->task : 0;

	return task ? uk_task_kill(task) : -ERR_NOT_FOUND;
}

/* standby.c's hooks, on a watcher's thread. */
static long standby_lookup(const char *name, uint32_t node, uint64_t timeout_ns)
{
	union admin_buf b;
	struct uk_name_req rq;

	memset(&rq, 0, sizeof(rq));
	strlcpy(rq.name, name, sizeof(rq.name));
	rq.node = node;
	rq.timeout_ns = timeout_ns;
	long rc = admin_call(&b, name_admin, NAME_LOOKUP, &rq, sizeof(rq), 0, 0,
			     timeout_ns + ADMIN_CALL_NS);
	if (rc < 0)
		return rc;
	if (b.h.n_ports != 1 || !uk_msg_ports(&b.h)[0].name)
		return -ERR_INVALID;
	return (long)uk_msg_ports(&b.h)[0].name;
}

static void standby_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lock();
	vprintf(fmt, ap);
	unlock();
	va_end(ap);
}

/* From now on a service like any other: restarted when it crashes. */
static void standby_take_over(void *arg, long why)
{
	struct service *s = arg;

	lock();
	s->wanted = true;
	if (start_service(s) > 0)
		printf("init: started %s, the standby (the primary: %s)\n",
		       s->name, err_name(why));
	unlock();
}

/* The configured program that owns name (+name= or +private=). */
static struct service *owner_of(const char *name)
{
	for (unsigned i = 0; i < n_services; i++)
		for (unsigned j = 0; j < services[i].n_names; j++)
			if (!strcmp(services[i].names[j], name))
				return &services[i];
	return NULL;
}

/* standby=NAME@NODE,...: the program that owns NAME stands by here for
 * NAME on NODE. Its names stay reserved for nobody until it starts. */
static void set_standbys(const char *list, uint32_t self)
{
	static const struct standby_hooks hooks = {
		standby_lookup, standby_say, standby_take_over};
	static char buf[128];

	strlcpy(buf, list, sizeof(buf));
	char *save = NULL;
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		char name[UK_NAME_MAX];
		uint32_t node = 0;
		long rc = ns_name_split(w, name, &node);
		struct service *s = rc == 0 ? owner_of(name) : NULL;
		if (rc == 0 && (node == 0 || node == self || !s))
			rc = -ERR_INVALID;
		else if (rc == 0 && (s->wanted || s->standby))
			rc = -ERR_EXISTS; /* it runs here, or stands by already */
		if (rc == 0)
			rc = standby_watch(name, node, s, &hooks);
		if (rc < 0) {
			printf("init: standby %s: %s (expected NAME@NODE: another "
			       "node, and NAME a +name= of a program that does not "
			       "run here; at most %u)\n",
			       w, err_str(rc), STANDBY_WATCHES);
			continue;
		}
		s->standby = true;
		printf("init: %s stands by for %s@%u\n", s->name, name, node);
	}
}

static int run_test(const char *spec)
{
	static char buf[256], path[64];
	const char *argv[MAX_ARGS + 1];
	int argc = 0;
	uint64_t timeout_s = 600, v;
	struct uk_exit_status st;

	if (cmdline_get_u64(cmdline(), "timeout", &v) == CMDLINE_FOUND && v)
		timeout_s = v;
	strlcpy(buf, spec, sizeof(buf));
	char *args = strchr(buf, ':');
	if (args)
		*args++ = '\0';
	snprintf(path, sizeof(path), "bin/%s", buf);
	argv[argc++] = buf;
	while (args && *args && argc < MAX_ARGS) {
		argv[argc++] = args;
		char *comma = strchr(args, ',');
		if (comma)
			*comma++ = '\0';
		args = comma;
	}
	argv[argc] = NULL;

	/* Test programs get the rights of their "program" line (or none)
	 * and the hardware roots. */
	struct service *s = add_service(buf);
	static struct service plain;
	if (!s) {
		s = &plain;
		strlcpy(s->name, buf, sizeof(s->name));
	}
	s->hw = true;
	s->test = true;
	/* Tests probe priorities and see every task. */
	s->mcp = UK_PRIORITY_MAX;
	if (s->inittest) {
		long rc = test_port_start(kill_service);
		if (rc < 0)
			printf("init: no init.test port: %s\n", err_str(rc));
		else
			test_port = (uk_name_t)rc;
	}
	long id = spawn(s, path, argv);
	if (id < 0)
		return 2;
	s->task = (uint64_t)id;
	uint64_t deadline = uk_clock() + timeout_s * 1000000000ull;
	for (;;) {
		uint64_t now = uk_clock();
		long rc = now < deadline ? wait_task(0, &st, deadline - now)
					 : -ERR_TIMED_OUT;
		if (rc == -ERR_TIMED_OUT) {
			printf("init: test %s did not finish within %lu s; killing it\n",
			       buf, timeout_s);
			uk_task_kill((uint64_t)id);
			return 3;
		}
		if (rc < 0) {
			printf("init: waiting for %s failed: %s\n", buf, err_str(rc));
			return 2;
		}
		if (st.task == (uint64_t)id)
			break;
		child_ended(&st);
	}
	if (st.reason != UK_EXIT_NORMAL) {
		printf("init: test %s %s (vector %u at %lx)\n", buf,
		       st.reason == UK_EXIT_FAULT ? "crashed" : "was killed",
		       st.vector, st.fault_ip);
		return 4;
	}
	printf("init: test %s exited with code %ld\n", buf, st.code);
	return st.code == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	uint64_t tsc = rdtsc();
	static char node[16] = "0", test[128], list[256];

	cmdline_value("node", node, sizeof(node));
	printf("init: started on node %s (tsc %lu)\n", node, tsc);
	archive = (const void *)uk_startup_info->boot_archive;
	archive_len = uk_startup_info->boot_archive_len;
	if (!archive) {
		printf("init: no boot archive mapped; nothing to start\n");
		return 1;
	}
	if (start_name_server(node) < 0)
		return 1;
	if (cmdline_value("alias", list, sizeof(list)))
		set_aliases(list);
	read_config();
	if (cmdline_value("test", test, sizeof(test))) {
		/* Only the services the test asks for (with=a,b). */
		if (cmdline_value("with", list, sizeof(list)))
			want_list(list);
		start_wanted();
		return run_test(test);
	}
	for (unsigned i = 0; i < n_services; i++)
		services[i].wanted = !services[i].program;
	/* servers=a,b: more services, chosen per node by the cluster. */
	if (cmdline_value("servers", list, sizeof(list)))
		want_list(list);
	start_wanted();
	printf("init: ready\n");
	/* The watchers' threads print under the lock: ours too from now. */
	lock();
	if (cmdline_value("standby", list, sizeof(list)))
		set_standbys(list, (uint32_t)strtoul(node, NULL, 10));
	unlock();
	for (;;) {
		struct uk_exit_status st;
		if (wait_task(0, &st, UK_TIMEOUT_INFINITE) == -ERR_NO_CHILD) {
			uk_sleep(1000000000ull);
		} else {
			lock();
			child_ended(&st);
			unlock();
		}
	}
}
